"""Choosing between plans: :func:`compare` on common worlds, and :func:`budget_sweep`."""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._parallel import seed_sequence
from .._persist import atomic_write
from .._stats import Z95
from .._validation import as_array, check_int, user_stacklevel
from ..exceptions import DataWarning, InputError, InputTypeError
from ._curve import SeedCurve, curve_from_prefix, seed_costs
from ._plan import CampaignPlan, plan

__all__ = ["BudgetSweep", "Comparison", "budget_sweep", "compare"]

_ALL_SEEDS = 2**31 - 1  # "as many seeds as the budget buys"


@dataclass(frozen=True, eq=False)
class Comparison:
    """Campaign plans side by side, simulated again on the same worlds.

    Attributes
    ----------
    labels : list of str
        One name per plan.
    plans : list of CampaignPlan
    curves : list of SeedCurve
        Each plan's seed ordering simulated on the common worlds: reach against the
        number of seeds and the budget.
    difference, difference_stderr : numpy.ndarray of float64
        Each plan's reach minus the first plan's (the reference), from the per-world
        differences when the worlds are common, and its standard error.
    n_runs : int
        Simulated worlds.
    common_worlds : bool
        Whether every plan was simulated on the same worlds (they share the social
        graph); if not, the differences carry the full simulation noise.

    See Also
    --------
    compare : builds it.

    Examples
    --------
    >>> curve = SeedCurve(np.array(["a", "b"]), np.ones(2), np.array([5.0, 8.0]),
    ...                   np.array([0.4, 0.5]), np.array([0.4, 0.2]), 100)
    >>> cmp = Comparison(["A"], [], [curve], np.zeros(1), np.zeros(1), 100, True)
    >>> cmp.reach.tolist(), cmp.common_seeds
    ([8.0], 2)
    """

    labels: list[str]
    plans: list[CampaignPlan]
    curves: list[SeedCurve]
    difference: np.ndarray
    difference_stderr: np.ndarray
    n_runs: int
    common_worlds: bool

    @property
    def reach(self) -> np.ndarray:
        """Expected reach of each plan on the common worlds."""
        return np.array([c.mean[-1] if c.mean.size else 0.0 for c in self.curves])

    @property
    def reach_stderr(self) -> np.ndarray:
        """Standard error of :attr:`reach`."""
        return np.array([c.stderr[-1] if c.stderr.size else 0.0 for c in self.curves])

    @property
    def difference_ci(self) -> tuple[np.ndarray, np.ndarray]:
        """95% normal-approximation interval of each :attr:`difference`."""
        h = Z95 * self.difference_stderr
        return self.difference - h, self.difference + h

    def rows(self) -> list[dict[str, Any]]:
        """One dict of builtins per plan: the comparison table.

        Keys: ``label``, ``film_id``, ``title``, ``audience``, ``seeds``, ``cost``,
        ``reach``, ``reach_ci_low``, ``reach_ci_high``, ``beyond_seeds`` (reach minus the
        seeds: word of mouth), ``per_seed`` (reach per seed), ``word_of_mouth`` (users
        reached beyond the seeds by the first :attr:`common_seeds` seeds of every plan, so
        that films compare at the same number of seeds) and its interval, ``cost_per_user``,
        ``marginal_per_cost`` (the last seed's gain per unit of its cost: what one more
        unit of budget buys at the margin), ``lift_random`` and its interval,
        ``difference`` from the first plan and its interval, ``calibrated``.
        """
        out = []
        lo, hi = self.difference_ci
        m = self.common_seeds
        for i, (label, p, c) in enumerate(zip(self.labels, self.plans, self.curves)):
            n = len(c)
            reach = float(c.mean[-1]) if n else 0.0
            se = float(c.stderr[-1]) if n else 0.0
            cost = float(p.seeds.cost)
            last_cost = float(c.costs[-1]) if n else math.nan
            marginal = float(c.gains[-1]) / last_cost if n and last_cost > 0 else math.nan
            lift = p.lift.get("random")
            wom = float(c.mean[m - 1]) - m if m else math.nan
            wom_se = float(c.stderr[m - 1]) if m else math.nan
            out.append({
                "label": label, "film_id": _py(p.film_id), "title": p.title,
                "audience": p.audience.size, "seeds": n, "cost": cost,
                "reach": reach, "reach_ci_low": reach - Z95 * se, "reach_ci_high": reach + Z95 * se,
                "beyond_seeds": reach - n, "per_seed": reach / n if n else math.nan,
                "word_of_mouth": wom, "word_of_mouth_ci_low": wom - Z95 * wom_se,
                "word_of_mouth_ci_high": wom + Z95 * wom_se,
                "cost_per_user": cost / reach if reach > 0 else math.nan,
                "marginal_per_cost": marginal,
                "lift_random": lift.ratio if lift else math.nan,
                "lift_random_ci_low": lift.ci[0] if lift else math.nan,
                "lift_random_ci_high": lift.ci[1] if lift else math.nan,
                "difference": float(self.difference[i]),
                "difference_ci_low": float(lo[i]), "difference_ci_high": float(hi[i]),
                "calibrated": bool(p.calibrated),
            })  # fmt: skip
        return out

    @property
    def common_seeds(self) -> int:
        """The fewest seeds of any plan: word of mouth is compared at this many seeds."""
        return min(len(c) for c in self.curves)

    @property
    def most_word_of_mouth(self) -> str:
        """The label of the plan whose first :attr:`common_seeds` seeds reach most users
        beyond themselves (the film that gains most from word of mouth)."""
        m = self.common_seeds
        score = [float(c.mean[m - 1]) if m else 0.0 for c in self.curves]
        return self.labels[int(np.argmax(score))]

    def to_frame(self) -> Any:
        """The comparison table (:meth:`rows`) as a pandas DataFrame."""
        from ._report import _pandas

        return _pandas().DataFrame(self.rows())

    def summary(self) -> str:
        """A readable text table of the plans (reach with 95% intervals, cost, difference)."""
        lines = []
        if not all(p.calibrated for p in self.plans):
            from ..social import UNCALIBRATED_WARNING

            lines += [UNCALIBRATED_WARNING, ""]
        lines.append(
            f"{len(self.plans)} plans on {'the same' if self.common_worlds else 'separate'} "
            f"{self.n_runs} simulated worlds; differences from {self.labels[0]!r}"
        )
        for r in self.rows():
            lines.append(
                f"{r['label']}: reach {r['reach']:.1f} (95% CI {r['reach_ci_low']:.1f}-"
                f"{r['reach_ci_high']:.1f}) from {r['seeds']} seeds, cost {r['cost']:.4g}; "
                f"{r['beyond_seeds']:.1f} beyond the seeds; difference {r['difference']:+.1f} "
                f"(95% CI {r['difference_ci_low']:+.1f} to {r['difference_ci_high']:+.1f})"
            )
        lines.append(
            f"most word of mouth at {self.common_seeds} seeds each: {self.most_word_of_mouth}"
        )
        return "\n".join(lines)

    def to_html(self, path: Any, *, lang: str | None = None) -> Any:
        """Write the comparison as one self-contained HTML report (see :meth:`CampaignPlan.to_html`).

        Parameters
        ----------
        path : str or os.PathLike
        lang : {"zh", "en"}, optional
            Default: Chinese when the films' titles or interests are Chinese.

        Returns
        -------
        pathlib.Path
        """
        from ._html_report import comparison_html

        text = comparison_html(self, lang=lang)
        return atomic_write(path, lambda f: f.write(text.encode("utf-8")), mode="wb")

    def __repr__(self) -> str:
        return (
            f"Comparison(plans={self.labels!r}, n_runs={self.n_runs}, "
            f"common_worlds={self.common_worlds})"
        )

    def _repr_html_(self) -> str:
        from ._html_report import comparison_card

        return comparison_card(self)


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _same_graph(a: Any, b: Any) -> bool:
    if a is b:
        return True
    return bool(
        a.n_nodes == b.n_nodes
        and np.array_equal(a.node_ids.ids, b.node_ids.ids)
        and np.array_equal(a.out_adj.indptr, b.out_adj.indptr)
        and np.array_equal(a.out_adj.indices, b.out_adj.indices)
    )


def _labels(plans: list[CampaignPlan], labels: Any) -> list[str]:
    if labels is None:
        titles = [p.title for p in plans]
        total, seen = Counter(titles), Counter[str]()
        taken = set(titles)
        out = []
        for t in titles:
            if total[t] == 1:
                out.append(t)
                continue
            label = t
            while label in taken:  # "A", "A", "A (1)": the repeats become "A (2)", "A (3)"
                seen[t] += 1
                label = f"{t} ({seen[t]})"
            taken.add(label)
            out.append(label)
        return out
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise InputTypeError(
            f"labels must be a list of str (one per plan), got {type(labels).__name__}."
        )
    out = [str(x) for x in labels]
    if len(out) != len(plans) or len(set(out)) != len(out):
        raise InputError(
            f"labels must hold {len(plans)} distinct names, one per plan, got {len(out)} "
            f"({len(set(out))} distinct); pass labels=None to name the plans by their titles."
        )
    return out


def compare(
    plans: Sequence[CampaignPlan],
    *,
    labels: Sequence[str] | None = None,
    n_runs: int | None = None,
    random_state: Any = None,
) -> Comparison:
    """Put campaign plans side by side, simulated again on the same worlds.

    The plans may differ in film, budget, seed method or audience. Each plan's seeds are
    switched on one by one, in its selection order, in the *same* simulated worlds
    (common random numbers: every plan meets the same live arcs or thresholds), so the
    difference between two plans is measured world by world and its interval reflects
    the plans, not the simulation noise. The table says which film gains most from word
    of mouth (reach beyond the seeds, per seed) and what one more unit of budget buys
    (the last seed's gain per unit of its cost).

    Parameters
    ----------
    plans : list of CampaignPlan
        Plans made by :func:`plan` (each carries its propagation model). The first is the
        reference of the differences.
    labels : list of str, optional
        One distinct name per plan; defaults to the films' titles (numbered when the same
        film appears twice).
    n_runs : int, optional
        Simulated worlds; defaults to the largest ``n_runs`` of the plans.
    random_state : int, SeedSequence, Generator or None
        Same value, same worlds and estimates; see :ref:`random_state`.

    Returns
    -------
    Comparison
        With :meth:`~Comparison.rows`, :meth:`~Comparison.to_frame`,
        :meth:`~Comparison.summary` and :meth:`~Comparison.to_html`.

    Raises
    ------
    InputTypeError
        If `plans` is not a list of CampaignPlan.
    InputError
        If `plans` is empty, a plan has no propagation model or no seeds, or `labels`
        does not name every plan once.

    Warns
    -----
    DataWarning
        When the plans do not share one social graph (no common worlds).

    Examples
    --------
    >>> from filmreco.datasets import load_sample
    >>> from filmreco.recommend import EASE
    >>> from filmreco.social import SocialGraph
    >>> world = load_sample()
    >>> rec = EASE(regularization=300.0).fit(world.interactions)
    >>> graph = SocialGraph.from_edgelist(world.graph)
    >>> kw = dict(recommender=rec, graph=graph, catalog=world.catalog, audience_size=200,
    ...           n_runs=200, seed_method="degree_discount", random_state=0)
    >>> small, large = plan("m0008", k=3, **kw), plan("m0008", k=6, **kw)
    >>> cmp = compare([small, large], labels=["3 seeds", "6 seeds"], random_state=0)
    >>> cmp.common_worlds, bool(cmp.difference[1] > 0), bool(cmp.difference_ci[0][1] > 0)
    (True, True, True)
    """
    if isinstance(plans, CampaignPlan) or not isinstance(plans, Sequence):
        raise InputTypeError(
            f"plans must be a list of CampaignPlan, got {type(plans).__name__}; "
            "wrap a single plan in a list: compare([plan])."
        )
    plans = list(plans)
    if not plans:
        raise InputError("plans is empty; pass at least one CampaignPlan made by plan().")
    for i, p in enumerate(plans):
        if not isinstance(p, CampaignPlan):
            raise InputTypeError(f"plans[{i}] must be a CampaignPlan, got {type(p).__name__}.")
        if p.model is None or p.seeds is None or len(p.seeds) == 0:
            raise InputError(
                f"plans[{i}] has no propagation model or no seeds (it was not made by plan()); "
                "compare needs plans made by filmreco.campaign.plan."
            )
    names = _labels(plans, labels)
    if n_runs is None:
        n_runs = max(int(p.params.get("n_runs", 2000)) for p in plans)
    n_runs = check_int(n_runs, "n_runs", min_value=2)
    graphs = [p.model.graph for p in plans]  # type: ignore[union-attr]
    common = all(_same_graph(graphs[0], g) for g in graphs[1:])
    if not common:
        warnings.warn(
            "the plans use different social graphs, so they cannot share simulated worlds; "
            "their differences carry the full simulation noise.",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
    state = int(seed_sequence(random_state).generate_state(1)[0])
    prefixes, curves = [], []
    for p in plans:
        model = p.model
        assert model is not None
        order = np.asarray(p.seeds.seeds)
        pre = model.prefix_spreads(order, n_runs, random_state=state)
        prefixes.append(pre)
        costs = seed_costs(model, order, None, None)
        if p.curves.get("plan") is not None and len(p.curves["plan"]) == order.size:
            costs = p.curves["plan"].costs
        curves.append(curve_from_prefix(order, costs, pre))
    ref = prefixes[0][:, -1].astype(np.float64)
    diff, dse = np.zeros(len(plans)), np.zeros(len(plans))
    for i, pre in enumerate(prefixes):
        last = pre[:, -1].astype(np.float64)
        diff[i] = last.mean() - ref.mean()
        if common:
            dse[i] = (last - ref).std(ddof=1) / math.sqrt(n_runs)
        else:
            dse[i] = math.hypot(curves[i].stderr[-1], curves[0].stderr[-1]) if i else 0.0
    return Comparison(names, plans, curves, diff, dse, n_runs, common)


@dataclass(frozen=True, eq=False)
class BudgetSweep:
    """Expected reach against the budget for one film, from one plan's seed ordering.

    Attributes
    ----------
    budgets : numpy.ndarray of float64
        The budgets, ascending.
    n_seeds : numpy.ndarray of int64
        Seeds each budget buys: the plan's seeds in selection order, each one that still
        fits the budget (with equal costs, the first ``budget`` seeds).
    spent : numpy.ndarray of float64
        Cost of those seeds.
    mean, stderr : numpy.ndarray of float64
        Expected reach of those seeds and its standard error.
    seeds : list of numpy.ndarray
        The seeds each budget buys.
    plan : CampaignPlan
        The plan at the largest budget, whose seed ordering every budget reuses.

    See Also
    --------
    budget_sweep : builds it.

    Examples
    --------
    >>> sweep = BudgetSweep(np.array([1.0, 3.0]), np.array([1, 2]), np.array([1.0, 3.0]),
    ...                     np.array([10.0, 16.0]), np.array([1.0, 1.2]),
    ...                     [np.array(["a"]), np.array(["a", "b"])], None)
    >>> sweep.reach_per_budget.tolist()
    [10.0, 3.0]
    """

    budgets: np.ndarray
    n_seeds: np.ndarray
    spent: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    seeds: list[np.ndarray]
    plan: CampaignPlan

    @property
    def ci(self) -> tuple[np.ndarray, np.ndarray]:
        """95% normal-approximation interval of every :attr:`mean`."""
        return self.mean - Z95 * self.stderr, self.mean + Z95 * self.stderr

    @property
    def reach_per_budget(self) -> np.ndarray:
        """Extra reach per extra unit of budget between consecutive budgets (first: from 0)."""
        db = np.diff(self.budgets, prepend=0.0)
        dm = np.diff(self.mean, prepend=0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(db > 0, dm / np.where(db > 0, db, 1.0), np.nan)

    def to_frame(self) -> Any:
        """The sweep as a pandas DataFrame, one row per budget."""
        from ._report import _pandas

        lo, hi = self.ci
        return _pandas().DataFrame({
            "budget": self.budgets, "n_seeds": self.n_seeds, "spent": self.spent,
            "reach": self.mean, "stderr": self.stderr, "ci_low": lo, "ci_high": hi,
            "reach_per_budget": self.reach_per_budget,
        })  # fmt: skip

    def __repr__(self) -> str:
        return (
            f"BudgetSweep(film_id={self.plan.film_id!r}, budgets={self.budgets.size}, "
            f"reach={self.mean[0]:.4g}..{self.mean[-1]:.4g})"
        )

    def _repr_html_(self) -> str:
        from ._html_report import sweep_card

        return sweep_card(self)


def _affordable(costs: np.ndarray, budget: float) -> list[int]:
    """Seeds of the ordering a budget buys: in order, each one that still fits."""
    take, left = [], budget * (1 + 1e-12) + 1e-12
    for i, c in enumerate(costs):
        if c <= left:
            take.append(i)
            left -= c
    return take


def sweep_from_plan(p: CampaignPlan, budgets: np.ndarray, state: int) -> BudgetSweep:
    """Reach of the seeds each budget buys from `p`'s seed ordering.

    A set that is a prefix of the ordering takes its reach from the plan's seed curve; any
    other set (a seed skipped because it did not fit) is simulated with `state`.
    """
    curve = p.curves["plan"]
    model = p.model
    n_runs = curve.n_runs
    chosen, spent, mean, se = [], [], [], []
    for b in budgets:
        take = _affordable(curve.costs, float(b))
        m = len(take)
        chosen.append(curve.seeds[take])
        spent.append(float(curve.costs[take].sum()))
        if take == list(range(m)):
            mean.append(float(curve.mean[m - 1]) if m else 0.0)
            se.append(float(curve.stderr[m - 1]) if m else 0.0)
        else:
            assert model is not None
            res = model.simulate(curve.seeds[take], n_runs, random_state=state)
            mean.append(res.mean)
            se.append(res.stderr)
    n = np.array([c.size for c in chosen], dtype=np.int64)
    return BudgetSweep(budgets, n, np.array(spent), np.array(mean), np.array(se), chosen, p)


def budget_sweep(
    film_id: Any,
    budgets: Any,
    *,
    recommender: Any = None,
    interactions: Any = None,
    graph: Any = None,
    model: Any = None,
    action_log: Any = None,
    index: Any = None,
    catalog: Any = None,
    audience_size: int = 500,
    lookalike_of: Any = None,
    costs: Any = None,
    k: int | None = None,
    seed_method: str = "imm",
    n_runs: int = 2000,
    holdout: float = 0.1,
    queries: Any = None,
    random_state: Any = None,
) -> BudgetSweep:
    """Expected reach (with its 95% interval) against the budget for one film, in one plan.

    One plan is made at the largest budget (:func:`plan`); its seeds, in selection order,
    were switched on one by one in the same simulated worlds (its
    :class:`SeedCurve`). Each budget buys the seeds of that order that still fit, in order,
    skipping one that does not. A greedy selection adds the best seed first, so with equal
    costs these are the first seeds, the plan a smaller budget would make, and their reach
    comes from the curve; a set that skips a seed is simulated once more. The sweep costs
    one seed selection, not one per budget.

    Parameters
    ----------
    film_id : id
    budgets : array-like of float
        Non-negative budgets (any order; returned ascending).
    recommender, interactions, graph, model, action_log, index, catalog, audience_size
        As in :func:`plan`.
    lookalike_of, costs
        As in :func:`plan`.
    k : int, optional
        At most this many seeds; by default as many as the largest budget buys.
    seed_method, n_runs, holdout, queries, random_state
        As in :func:`plan`.

    Returns
    -------
    BudgetSweep

    Raises
    ------
    InputError
        If `budgets` is empty, not numbers, negative or not finite, or the largest budget
        is below every candidate's cost (and as :func:`plan`).

    Examples
    --------
    >>> from filmreco.datasets import load_sample
    >>> from filmreco.recommend import EASE
    >>> from filmreco.social import SocialGraph
    >>> world = load_sample()
    >>> rec = EASE(regularization=300.0).fit(world.interactions)
    >>> graph = SocialGraph.from_edgelist(world.graph)
    >>> sweep = budget_sweep("m0008", [2, 4, 8], recommender=rec, graph=graph,
    ...                      audience_size=200, n_runs=200, seed_method="degree_discount",
    ...                      random_state=0)
    >>> sweep.n_seeds.tolist(), bool((sweep.mean[1:] >= sweep.mean[:-1]).all())
    ([2, 4, 8], True)
    """
    try:
        b = as_array(budgets, "budgets", dtype=np.float64)
    except TypeError:
        raise InputTypeError(
            f"budgets must be numbers, got {type(budgets).__name__}; pass e.g. budgets=[10, 20, 40]."
        ) from None
    b = np.atleast_1d(b)
    if b.ndim != 1 or b.size == 0:
        raise InputError(
            f"budgets must be a non-empty 1-D list of numbers, got shape {b.shape}; "
            "pass e.g. budgets=[10, 20, 40]."
        )
    if not np.isfinite(b).all() or (b < 0).any():
        raise InputError("budgets must be finite and non-negative; pass e.g. budgets=[10, 20, 40].")
    b = np.sort(b)
    top = float(b[-1])
    if top <= 0:
        raise InputError("the largest of budgets is 0; no seed can be bought. Raise budgets.")
    k_max = _ALL_SEEDS if k is None else check_int(k, "k", min_value=1)
    p = plan(
        film_id, recommender=recommender, interactions=interactions, graph=graph, model=model,
        action_log=action_log,
        index=index, catalog=catalog, audience_size=audience_size, lookalike_of=lookalike_of,
        budget=top, costs=costs, k=k_max, seed_method=seed_method, n_runs=n_runs,
        holdout=holdout, queries=queries, random_state=random_state,
    )  # fmt: skip
    p = replace(p, params={**p.params, "k": k, "budgets": b.tolist()})
    state = int(seed_sequence(random_state).spawn(5)[4].generate_state(1)[0])
    return sweep_from_plan(p, b, state)
