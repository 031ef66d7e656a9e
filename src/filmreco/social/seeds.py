"""Seed selection: from whom should a campaign start?

:func:`maximize_influence` picks seeds for a :class:`~filmreco.social.PropagationModel`:

- ``"imm"`` — IMM with reverse-reachable sets (Tang, Shi & Xiao, SIGMOD 2015), a
  ``(1 - 1/e - eps)`` guarantee with probability ``1 - n**-ell``, for IC and LT;
- ``"celf"`` — lazy greedy on Monte-Carlo estimates (Leskovec et al., KDD 2007), for
  small graphs and checks;
- ``"degree"`` and ``"degree_discount"`` (Chen, Wang & Yang, KDD 2009) heuristics.

Every method accepts a candidate set and a budgeted variant (a cost per user and a total
budget instead of, or on top of, ``k``).
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._parallel import effective_n_jobs, parallel_map, seed_sequence
from .._validation import (
    as_array,
    check_bool,
    check_int,
    check_option,
    check_probability,
    check_real,
    shorten,
)
from ..exceptions import InputError, InputTypeError
from . import _kernels as K
from ._blocks import CASCADE_BLOCK, block_keys
from ._imm import MAX_MEMORY, MAX_RR_SETS, imm_select
from .cascade import PropagationModel

__all__ = ["METHODS", "SeedPlan", "maximize_influence"]

logger = logging.getLogger("filmreco")

#: The seed-selection methods of :func:`maximize_influence`.
METHODS = ("imm", "celf", "degree", "degree_discount")

#: The options of :func:`maximize_influence` that only some methods use, and their defaults
#: (``n_runs`` applies to every method).
_METHOD_OPTIONS: dict[str, tuple[tuple[str, ...], Any]] = {
    "eps": (("imm",), 0.5),
    "ell": (("imm",), 1.0),
    "max_rr_sets": (("imm",), MAX_RR_SETS),
    "max_memory": (("imm",), MAX_MEMORY),
    "p": (("degree_discount",), None),
}
_N_RUNS = 1000  # default Monte-Carlo runs of CELF and of the heuristics' gains

#: The largest standard error of IMM's reported spread, relative to the spread.
REL_STDERR = 0.005
_PILOT_RUNS = 200  # Monte-Carlo runs that size IMM's estimate of the spread
_MAX_RUNS = 200_000  # the most runs of that estimate
_MAX_TABLE = 32_000_000  # the most (run, prefix) cells it holds (256 MB of int64)


def _method_options(method: str, given: dict[str, Any]) -> dict[str, Any]:
    """The options `method` uses, defaults filled in; an option it ignores is an error."""
    out = {}
    for name, (methods, default) in _METHOD_OPTIONS.items():
        value = given[name]
        if method in methods:
            out[name] = default if value is None else value
        elif value is not None:
            users = " or ".join(f"method={m!r}" for m in methods)
            raise InputError(
                f"{name}={shorten(value)} applies to {users} only; method={method!r} ignores it. "
                f"Drop {name}= or choose {users}."
            )
    return out


@dataclass(frozen=True, eq=False)
class SeedPlan:
    """Seeds chosen for a campaign.

    Attributes
    ----------
    seeds : numpy.ndarray
        External ids of the seeds, in selection order.
    gains : numpy.ndarray of float64
        Estimated marginal gain (extra users reached) of each seed, in seed order:
        ``gains[i]`` is the estimated spread of ``seeds[:i + 1]`` minus that of
        ``seeds[:i]``, both on the same sample as `spread` (common worlds). The seeds were
        chosen on another sample (IMM, the heuristics), so the gains need not decrease.
    spread : float
        Estimated expected spread of all the seeds (``gains.sum()``). For ``"imm"``,
        ``"degree"`` and ``"degree_discount"`` it is an unbiased Monte-Carlo estimate on
        runs independent of the choice of seeds; for ``"celf"`` it is the estimate the
        lazy greedy maximised (biased upwards, like any maximised estimate).
    method : str
        The method used.
    cost : float
        Total cost of the seeds (their number when no costs were given).
    indices : numpy.ndarray of int64
        Node indices of the seeds.
    info : dict
        Method details (e.g. ``n_rr_sets`` for IMM, ``n_runs`` for Monte-Carlo estimates).
    calibrated : bool
        Whether the model's probabilities were learned from logs; when False, `spread`
        rests on textbook defaults (a relative score, not a forecast).
    stderr : float
        Standard error of `spread` (NaN for ``"celf"``, whose estimate is not independent
        of its choice). IMM draws as many Monte-Carlo runs as it takes to bring it to at
        most 0.5% of `spread` unless `n_runs` fixes their number.

    Examples
    --------
    >>> from filmreco.social import IndependentCascade, SocialGraph, maximize_influence
    >>> g = SocialGraph.from_arrays([0, 1, 0], [1, 2, 3])
    >>> maximize_influence(IndependentCascade(g, 1.0), k=1, method="degree", random_state=0)
    SeedPlan(seeds=[0], spread=4, method='degree', calibrated=False)
    """

    seeds: np.ndarray
    gains: np.ndarray
    spread: float
    method: str
    cost: float
    indices: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)
    calibrated: bool = False
    stderr: float = math.nan

    def __len__(self) -> int:
        return int(self.seeds.size)

    def to_frame(self) -> Any:
        """The seeds as a pandas DataFrame: ``rank, user, gain, spread`` (cumulative).

        Examples
        --------
        >>> from filmreco.social import IndependentCascade, SocialGraph, maximize_influence
        >>> g = SocialGraph.from_arrays([0, 1, 0], [1, 2, 3])
        >>> plan = maximize_influence(IndependentCascade(g, 1.0), k=2, method="degree")
        >>> plan.to_frame()
           rank  user  gain  spread
        0     1     0   4.0     4.0
        1     2     1   0.0     4.0
        """
        from ..data._frames import pandas

        gains = np.asarray(self.gains, dtype=np.float64)
        return pandas().DataFrame(
            {
                "rank": np.arange(1, self.seeds.size + 1),
                "user": self.seeds,
                "gain": gains,
                "spread": np.cumsum(gains),
            }
        )

    def __repr__(self) -> str:
        head = ", ".join(repr(x) for x in self.seeds[:5].tolist())
        more = ", ..." if self.seeds.size > 5 else ""
        return (
            f"SeedPlan(seeds=[{head}{more}], spread={self.spread:.4g}, method={self.method!r}, "
            f"calibrated={self.calibrated})"
        )

    def _repr_html_(self) -> str:
        """A compact card for notebooks: seeds, estimated spread, method, cost."""
        from .._html import card, fmt_number
        from .cascade import UNCALIBRATED_WARNING

        head = ", ".join(str(x) for x in self.seeds[:5].tolist())
        more = f", … (+{fmt_number(self.seeds.size - 5)})" if self.seeds.size > 5 else ""
        rows = [
            ("seeds", f"{fmt_number(self.seeds.size)}: {head}{more}"),
            ("estimated spread", f"{fmt_number(self.spread, 1)} users"),
            ("method", self.method),
            ("cost", fmt_number(self.cost, 0 if float(self.cost).is_integer() else 2)),
        ]
        rows += [(k, fmt_number(self.info[k])) for k in ("n_rr_sets", "n_runs") if k in self.info]
        warning = None if self.calibrated else UNCALIBRATED_WARNING
        return card("SeedPlan", rows, warning=warning)


def _cost_values(values: Any, name: str) -> np.ndarray:
    """Costs as float64 (None read as a missing cost, NaN), with errors that name `name`
    for text, complex or ragged values."""
    arr = as_array(values, name)
    if arr.dtype.kind == "O":
        flat = [np.nan if v is None else v for v in arr.reshape(-1)]
        if all(isinstance(v, (int, float, np.integer, np.floating)) for v in flat):
            return np.asarray(flat, dtype=np.float64).reshape(arr.shape)
    elif arr.dtype.kind in "biuf":
        return arr.astype(np.float64)
    raise InputTypeError(
        f"{name} must hold real numbers, got {shorten(values)}; give each user a numeric cost."
    )


def _costs(model: PropagationModel, costs: Any, allowed: np.ndarray) -> np.ndarray:
    n = model.graph.n_nodes
    if isinstance(costs, Mapping):
        ids = list(costs)
        idx = model.graph.index(ids, name="costs keys")
        values = _cost_values([costs[i] for i in ids], "costs values")
        if values.shape != (len(ids),):
            raise InputError(
                "costs must map each user id to one number, got values of shape "
                f"{values.shape[1:]} per user; give every user a single cost."
            )
        if not np.isfinite(values).all():
            bad = ids[int(np.flatnonzero(~np.isfinite(values))[0])]
            raise InputError(
                f"costs gives user {shorten(bad)} a missing, NaN or infinite cost; give every "
                "listed user a finite cost, or leave the user out of costs to make them "
                "unavailable as a seed."
            )
        out = np.full(n, np.inf)
        out[idx] = values
        listed = np.isfinite(out)
        allowed &= listed  # users without a fee are not available
        out[~listed] = 0.0
    else:
        if isinstance(costs, (str, bytes)):
            raise InputTypeError(
                f"costs must be a mapping {{user id: cost}} or an array of numbers, got the "
                f"string {shorten(costs)}."
            )
        out = _cost_values(costs, "costs")
        if out.shape != (n,):
            raise InputError(
                f"costs must be a mapping {{user id: cost}} or an array with one cost per node "
                f"({n}), got shape {out.shape}."
            )
        out = out.copy()
    if not np.isfinite(out).all():
        raise InputError("costs contains NaN or infinite values; give every user a finite cost.")
    if out.size and out.min() < 0:
        raise InputError(f"costs must be non-negative, got min {out.min()}.")
    return out


def _evaluate(
    model: PropagationModel,
    chosen: np.ndarray,
    n_runs: int,
    random_state: Any,
    n_jobs: int | None,
    show_progress: bool = False,
) -> tuple[np.ndarray, float, float]:
    """Marginal gains of an ordered seed list, their sum and its standard error, by Monte
    Carlo on common worlds."""
    if chosen.size == 0:
        return np.zeros(0), 0.0, 0.0
    gptr = np.arange(chosen.size + 1, dtype=np.int64)
    spreads = model._run(chosen, gptr, n_runs, random_state, n_jobs, False, show_progress)[0]
    means = spreads.mean(axis=0)
    total = spreads[:, -1]
    stderr = float(total.std(ddof=1) / math.sqrt(n_runs)) if n_runs > 1 else math.nan
    return np.diff(means, prepend=0.0), float(means[-1]), stderr


def _runs_for(mean: float, stderr: float, n_runs: int) -> int:
    """Runs that bring `stderr` (of a mean over `n_runs`) to :data:`REL_STDERR` of `mean`,
    with a 20% margin for the noise of the variance estimate."""
    if not mean > 0 or not stderr > 0:
        return n_runs
    return math.ceil(1.2 * n_runs * (stderr / (REL_STDERR * mean)) ** 2)


def _estimate(
    model: PropagationModel,
    chosen: np.ndarray,
    random_state: Any,
    n_jobs: int | None,
    show_progress: bool,
) -> tuple[np.ndarray, float, float, int]:
    """Gains, spread, its standard error and the number of runs, by Monte Carlo with as
    many runs as needed for a standard error of at most :data:`REL_STDERR` of the spread.

    A pilot of :data:`_PILOT_RUNS` runs (its own random stream) sets the number of runs of
    the estimate, drawn afresh, so the estimate is unbiased (its size does not depend on its
    own values). If the estimate still misses the target, it is redrawn with more runs (a
    rare, slightly data-dependent step, logged at DEBUG). At most :data:`_MAX_RUNS` runs
    (fewer when many seeds would make the run-by-prefix table large).
    """
    if chosen.size == 0:
        return np.zeros(0), 0.0, 0.0, 0
    pilot_seq, final_seq = seed_sequence(random_state).spawn(2)
    most = max(_PILOT_RUNS, min(_MAX_RUNS, _MAX_TABLE // chosen.size))
    _, mean, se = _evaluate(model, chosen, _PILOT_RUNS, pilot_seq, n_jobs)
    n_runs = min(most, max(_PILOT_RUNS, _runs_for(mean, se, _PILOT_RUNS)))
    while True:
        gains, spread, se = _evaluate(model, chosen, n_runs, final_seq, n_jobs, show_progress)
        if se <= REL_STDERR * spread or n_runs >= most:
            break
        logger.debug(
            "IMM estimate: %d runs gave stderr %.3g of %.4g; more runs", n_runs, se, spread
        )
        n_runs = min(most, max(2 * n_runs, _runs_for(spread, se, n_runs)))
    if se > REL_STDERR * spread:
        logger.warning(
            "maximize_influence: the spread's standard error is %.2f%% of the spread after "
            "%d Monte-Carlo runs (the most it draws); pass n_runs= for more.",
            100 * se / spread, n_runs,
        )  # fmt: skip
    return gains, spread, se, n_runs


def _score_greedy(
    score: np.ndarray, k: int, allowed: np.ndarray, costs: np.ndarray, budget: float
) -> np.ndarray:
    """Top-k by score, or greedy by (1 + score) / cost within the budget."""
    cand = np.flatnonzero(allowed)
    if not math.isfinite(budget):
        order = cand[np.lexsort((cand, -score[cand]))]
        return order[:k].astype(np.int64)
    ratio = np.where(costs[cand] > 0, (1.0 + score[cand]) / np.maximum(costs[cand], 1e-300), np.inf)
    order = cand[np.lexsort((cand, -ratio))]
    chosen: list[int] = []
    left = budget
    for v in order:
        if len(chosen) == k:
            break
        if costs[v] <= left:
            chosen.append(v)
            left -= costs[v]
    return np.asarray(chosen, dtype=np.int64)


def _degree_discount(
    model: PropagationModel,
    k: int,
    allowed: np.ndarray,
    costs: np.ndarray,
    budget: float,
    p: float | None,
) -> np.ndarray:
    g = model.graph
    probs = model.edge_probabilities
    if p is None:
        p = float(probs.mean()) if probs.size else 0.0
    d = g.out_degree().astype(np.float64)
    t = np.zeros(g.n_nodes)
    dd = d.copy()
    avail = allowed.copy()
    limited = math.isfinite(budget)
    left = budget
    chosen: list[int] = []
    indptr, indices = g.out_adj.indptr, g.out_adj.indices
    while len(chosen) < k:
        ok = avail & (costs <= left) if limited else avail
        cand = np.flatnonzero(ok)
        if cand.size == 0:
            break
        if limited:
            c = costs[cand]
            key = np.where(c > 0, (1.0 + dd[cand]) / np.maximum(c, 1e-300), np.inf)
        else:
            key = dd[cand]
        u = int(cand[np.argmax(key)])  # argmax takes the first (lowest index) on ties
        chosen.append(u)
        avail[u] = False
        left -= costs[u]
        nb = indices[indptr[u] : indptr[u + 1]]
        nb = nb[avail[nb]]
        t[nb] += 1
        dd[nb] = d[nb] - 2 * t[nb] - (d[nb] - t[nb]) * t[nb] * p
    return np.asarray(chosen, dtype=np.int64)


def _spread_task(
    indptr: np.ndarray,
    indices: np.ndarray,
    params: tuple[np.ndarray, ...],
    base: np.ndarray,
    cands: np.ndarray,
    keys: np.ndarray,
    sizes: np.ndarray,
) -> np.ndarray:
    out = np.empty(cands.size)
    seeds = np.append(base, 0).astype(np.int64)
    gptr = np.array([0, seeds.size], dtype=np.int64)
    for i, v in enumerate(cands):
        seeds[-1] = v
        sp = K.simulate_runs(indptr, indices, params, seeds, gptr, keys, sizes, False)
        out[i] = sp[0].mean()
    return out


def _celf(
    model: PropagationModel,
    k: int,
    allowed: np.ndarray,
    costs: np.ndarray,
    budget: float,
    n_runs: int,
    random_state: Any,
    n_jobs: int | None,
    show_progress: bool,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Lazy greedy (CELF) on common Monte-Carlo worlds; with a budget, the better of
    unit-cost and cost-benefit greedy (Leskovec et al. 2007)."""
    keys, sizes = block_keys(seed_sequence(random_state), n_runs, CASCADE_BLOCK)
    g = model.graph
    arrays = (g.out_adj.indptr, g.out_adj.indices, model._step_params())
    cand = np.flatnonzero(allowed)
    workers = effective_n_jobs(n_jobs)
    n_chunks = 1 if workers == 1 and not show_progress else (20 if workers == 1 else 4 * workers)
    chunks = np.array_split(cand, max(1, min(cand.size, n_chunks)))
    base = np.zeros(0, dtype=np.int64)
    tasks = [(c, keys, sizes) for c in chunks if c.size]
    first = np.concatenate(
        parallel_map(
            _spread_task,
            tasks,
            shared=(*arrays, base),
            n_jobs=n_jobs,
            show_progress=show_progress,
            desc="CELF",
        )
    ) if tasks else np.zeros(0)  # fmt: skip

    if not math.isfinite(budget) and k >= cand.size:
        # every candidate is a seed: no choice to make. Order them by their own spread and
        # measure each one's gain over those before it on the same worlds, in one pass
        order = cand[np.lexsort((cand, -first))]
        gptr = np.arange(order.size + 1, dtype=np.int64)
        spreads = K.simulate_runs(*arrays, order, gptr, keys, sizes, False)[0].mean(axis=0)
        gains_all = np.diff(spreads, prepend=0.0)
        return order.astype(np.int64), gains_all, float(spreads[-1]) if order.size else 0.0

    n_nodes = g.n_nodes

    def run(by_ratio: bool) -> tuple[list[int], list[float], float]:
        def key(v: int, gain: float) -> float:
            if not by_ratio:
                return gain
            return gain / costs[v] if costs[v] > 0 else (math.inf if gain > 0 else 0.0)

        heap = [(-key(int(v), float(s)), int(v), float(s), 0) for v, s in zip(cand, first)]
        heapq.heapify(heap)
        chosen: list[int] = []
        gains: list[float] = []
        cur, left = 0.0, budget
        while heap and len(chosen) < k:
            _, v, gain, rnd = heapq.heappop(heap)
            if costs[v] > left:
                continue  # the budget only shrinks: v never fits again
            if (gain <= 0 or cur >= n_nodes * (1 - 1e-12)) and not by_ratio:
                # the largest upper bound left is 0 (by submodularity no candidate adds
                # anyone), or every node is active in every world: no evaluation can
                # change the gains, all 0; fill up in the order of the bounds
                if math.isfinite(budget):
                    break
                rest = [v] + [u for _, u, _, _ in sorted(heap)]
                take = rest[: k - len(chosen)]
                chosen.extend(take)
                gains.extend([0.0] * len(take))
                break
            if rnd == len(chosen):
                if math.isfinite(budget) and gain <= 0:
                    break
                chosen.append(v)
                gains.append(gain)
                cur += gain
                left -= costs[v]
                continue
            s = _spread_task(*arrays, np.asarray(chosen, np.int64), np.array([v]), keys, sizes)
            gain = float(s[0]) - cur
            heapq.heappush(heap, (-key(v, gain), v, gain, len(chosen)))
        return chosen, gains, cur

    chosen, gains, total = run(False)
    if math.isfinite(budget):
        c2, g2, t2 = run(True)
        if t2 > total:
            chosen, gains, total = c2, g2, t2
    return np.asarray(chosen, dtype=np.int64), np.asarray(gains), total


def maximize_influence(
    model: PropagationModel,
    k: int | None = None,
    *,
    method: str = "imm",
    budget: float | None = None,
    costs: Any = None,
    candidates: Any = None,
    eps: float | None = None,
    ell: float | None = None,
    n_runs: int | None = None,
    p: float | None = None,
    random_state: Any = None,
    n_jobs: int | None = None,
    show_progress: bool = False,
    max_rr_sets: int | None = None,
    max_memory: int | None = None,
) -> SeedPlan:
    """Choose seed users that maximise a campaign's expected spread.

    Parameters
    ----------
    model : PropagationModel
        An :class:`IndependentCascade` or :class:`LinearThreshold` model.
    k : int, optional
        Number of seeds. Required unless `budget` is given; with both, at most `k` seeds
        within the budget.
    method : {"imm", "celf", "degree", "degree_discount"}, default="imm"
        With ``"celf"`` and no `budget`, a `k` at or above the number of candidates
        takes them all in one pass (ordered by their own spread, each gain measured over
        those before it on the same worlds), and once no candidate can add anyone (every
        upper bound 0, or every node active in every world) the rest follow with gain 0,
        without further simulations.
    budget : float, optional
        Total budget; seeds are added while their summed `costs` fit.
    costs : array-like or mapping, optional
        Cost (an influencer's fee) per user: one per node in graph order, or a mapping
        ``{user id: cost}`` (users absent from it cannot be seeds). Defaults to 1 each.
    candidates : array-like of node ids, optional
        Only these users may be seeds (e.g. the film's target audience).
    eps, ell : float, optional
        ``"imm"`` only (defaults 0.5 and 1.0): a ``(1 - 1/e - eps)`` approximation with
        probability at least ``1 - n**-ell``. Smaller `eps` needs about ``1/eps**2`` more
        RR sets.
    n_runs : int, optional
        Monte-Carlo runs (on common worlds) behind the reported gains and spread, for every
        method: CELF's estimates and the degree heuristics' gains use 1000 by default.
        IMM by default draws as many runs as it takes for a standard error of at most
        0.5% of the spread (``plan.info["n_runs"]``, ``plan.stderr``; see Notes); `n_runs`
        fixes their number instead.
    p : float, optional
        ``"degree_discount"`` only: the propagation probability of its discount; defaults
        to the mean arc probability of `model`.
    random_state : int, SeedSequence, Generator or None
        Same value, same seeds and estimates (whatever `n_jobs`); see :ref:`random_state`.
    n_jobs : int or None, default=None
        Workers for RR-set generation and Monte Carlo; see :ref:`n_jobs`.
    show_progress : bool, default=False
    max_rr_sets, max_memory : int, optional
        ``"imm"`` only: the most RR sets one collection may hold (default 100,000,000) and
        the bytes they may take (default ``4 * 2**30``, 4 GiB). IMM predicts both from a
        pilot block of sets before its first round (logged at INFO on the ``"filmreco"``
        logger) and checks every collection before generating it, so a tiny `eps` is
        refused at once instead of exhausting memory or running for hours.

    Returns
    -------
    SeedPlan
        Seeds in selection order, their marginal gains in that order and the estimated
        spread with its standard error.

    Raises
    ------
    InputError
        If `k` exceeds the number of candidates, a cost is negative, the budget is below
        every candidate's cost, an option is unknown, an option is given to a method
        that ignores it, or IMM would need more RR sets or memory than `max_rr_sets` or
        `max_memory` allow (the message gives its estimate).
    UnknownIdError
        If a candidate is not in the graph.

    Notes
    -----
    **What IMM's guarantee covers.** Tang, Shi & Xiao (SIGMOD 2015, Theorem 3) bound the
    *choice*: with probability at least ``1 - n**-ell`` over IMM's random sets, the true
    expected spread of the greedy seeds, under `model`, is at least ``(1 - 1/e - eps)``
    times the best achievable with `k` seeds. It says nothing about how accurate the
    number IMM uses internally is (the coverage of the sets greedy was fitted on
    overstates the spread), nor whether `model`'s probabilities describe real users (see
    ``plan.calibrated``). filmreco adds three things. The final greedy runs on RR sets
    drawn afresh (Chen 2018, arXiv:1808.09363). Degree discount's seeds compete with the
    greedy ones on a third, independent collection and the better one is kept
    (``plan.info["selected"]``, ``plan.info["candidate_spreads"]``); this only helps when
    the coverage estimate is too noisy to rank small gains. Finally ``plan.spread`` and
    ``plan.gains`` are *measured*, not taken from the selection: a Monte-Carlo estimate on
    runs independent of every set used to choose, with enough runs that ``plan.stderr``
    is at most 0.5% of the spread (sized by a separate pilot of 200 runs, so the estimate
    is unbiased). ``gains`` are the marginal gains of the seeds in their order on those
    same runs: they sum to ``spread`` and need not decrease.

    Examples
    --------
    >>> import networkx as nx
    >>> from filmreco.social import SocialGraph, IndependentCascade
    >>> G = nx.DiGraph([(0, i) for i in range(1, 6)] + [(6, 7)])
    >>> model = IndependentCascade(SocialGraph.from_networkx(G), probability=1.0)
    >>> plan = maximize_influence(model, k=2, random_state=0)
    >>> plan.seeds.tolist(), round(plan.spread)
    ([0, 6], 8)
    >>> maximize_influence(model, k=1, method="degree").seeds.tolist()
    [0]
    >>> maximize_influence(model, k=1, method="degree", eps=0.1)
    Traceback (most recent call last):
    ...
    filmreco.exceptions.InputError: eps=0.1 applies to method='imm' only; method='degree' ignores it. Drop eps= or choose method='imm'.
    """
    if not isinstance(model, PropagationModel):
        raise InputTypeError(f"model must be a PropagationModel, got {type(model).__name__}.")
    check_option(method, METHODS, "method")
    show_progress = check_bool(show_progress, "show_progress")
    opts = _method_options(
        method,
        {"eps": eps, "ell": ell, "p": p, "max_rr_sets": max_rr_sets, "max_memory": max_memory},
    )
    g = model.graph
    n = g.n_nodes
    allowed = np.ones(n, dtype=bool)
    if candidates is not None:
        allowed[:] = False
        allowed[model.seed_indices(candidates, name="candidates")] = True
    if budget is None:
        if costs is not None:
            raise InputError("costs were given without a budget; pass budget= as well.")
        if k is None:
            raise InputError("give k (number of seeds) or a budget (with costs).")
        cost = np.zeros(n)
        budget_f = math.inf
    else:
        budget_f = check_real(budget, "budget", min_value=0.0)
        cost = np.ones(n) if costs is None else _costs(model, costs, allowed)
    n_allowed = int(allowed.sum())
    if k is None:
        k_eff = n_allowed
    else:
        k_eff = check_int(k, "k", min_value=0)
        if k_eff > n_allowed:
            what = "candidate users" if n_allowed < n else "nodes in the graph"
            raise InputError(f"k={k_eff} exceeds the number of {what} ({n_allowed}).")
    k_bound = k_eff
    if math.isfinite(budget_f):
        c = np.sort(cost[allowed])
        if c.size == 0 or c[0] > budget_f:
            cheapest = f"{c[0]:.4g}" if c.size else "n/a (no candidates)"
            raise InputError(
                f"budget={budget_f:.4g} is below every candidate's cost (cheapest: {cheapest}); "
                "raise the budget or lower the costs."
            )
        k_bound = min(k_eff, int(np.searchsorted(np.cumsum(c), budget_f, side="right")))
    runs = _N_RUNS if n_runs is None else check_int(n_runs, "n_runs", min_value=1)
    info: dict[str, Any] = {}
    stderr = math.nan
    p = None if opts.get("p") is None else check_probability(opts["p"], "p")
    if k_eff == 0:
        chosen, gains, spread, stderr = np.zeros(0, np.int64), np.zeros(0), 0.0, 0.0
    elif method == "imm":
        eps = check_real(opts["eps"], "eps", min_value=0.0, max_value=1.0, min_inclusive=False)
        ell = check_real(opts["ell"], "ell", min_value=0.0, min_inclusive=False)
        rr_limits = {
            name: check_int(opts[name], name, min_value=1) for name in ("max_rr_sets", "max_memory")
        }
        dd = _degree_discount(model, k_eff, allowed, cost, budget_f, None)
        seq = seed_sequence(random_state)  # IMM spawns its streams first, Monte Carlo next
        chosen, gains, spread, info = imm_select(
            model, k_eff, eps=eps, ell=ell, allowed=allowed, costs=cost, budget=budget_f,
            k_bound=max(k_bound, 1), challengers={"degree_discount": dd},
            random_state=seq, n_jobs=n_jobs, show_progress=show_progress, **rr_limits,
        )  # fmt: skip
        if n_runs is not None:
            gains, spread, stderr = _evaluate(model, chosen, runs, seq, n_jobs, show_progress)
            info["n_runs"] = runs
        else:
            gains, spread, stderr, info["n_runs"] = _estimate(
                model, chosen, seq, n_jobs, show_progress
            )
        info["stderr"] = stderr
    elif method == "celf":
        chosen, gains, spread = _celf(
            model, k_eff, allowed, cost, budget_f, runs, random_state, n_jobs, show_progress
        )
        info = {"n_runs": runs}
    else:
        if method == "degree":
            chosen = _score_greedy(g.out_degree().astype(float), k_eff, allowed, cost, budget_f)
        else:
            chosen = _degree_discount(model, k_eff, allowed, cost, budget_f, p)
        gains, spread, stderr = _evaluate(model, chosen, runs, random_state, n_jobs)
        info = {"n_runs": runs, "stderr": stderr}
    logger.debug("maximize_influence(%s): %d seeds, spread %.1f", method, chosen.size, spread)
    total_cost = float(cost[chosen].sum()) if math.isfinite(budget_f) else float(chosen.size)
    return SeedPlan(
        seeds=g.node_ids.to_ids(chosen),
        gains=np.asarray(gains, dtype=np.float64),
        spread=float(spread),
        method=method,
        cost=total_cost,
        indices=chosen,
        info=info,
        calibrated=model.calibrated,
        stderr=float(stderr),
    )
