"""Reach against the number of seeds and the budget, on common simulated worlds.

A seed ordering (the plan's selection order, or a baseline's) is simulated once with
:meth:`~filmreco.social.PropagationModel.prefix_spreads`: in every simulated world the
seeds are switched on one after another and the cascade runs to completion after each,
so column ``i`` is the reach of the first ``i + 1`` seeds *in the same worlds*. The
marginal gain of each seed is then a paired difference, with a standard error far
smaller than that of two independent estimates, and one simulation gives the reach of
every budget (:func:`filmreco.campaign.budget_sweep` costs one plan, not one per budget).

The plan's reach curves over propagation steps get a 95% band from *batch means*: the
runs are simulated in :data:`N_BATCHES` batches (each on its own worlds, the same for
every strategy), and the spread of the batch curves gives a standard error per step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from .._html import card, fmt_number
from .._stats import Z95
from .._validation import check_real, shorten
from ..exceptions import InputTypeError
from ..social import PropagationModel, SimulationResult

__all__ = [
    "N_BATCHES",
    "SeedCurve",
    "check_costs",
    "curve_from_prefix",
    "seed_costs",
    "simulate_strategies",
]

#: Batches of runs behind the per-step bands of the reach curves.
N_BATCHES = 20


@dataclass(frozen=True, eq=False)
class SeedCurve:
    """Reach of every prefix of a seed ordering: against the number of seeds and the budget.

    Attributes
    ----------
    seeds : numpy.ndarray
        The seed ordering (external ids).
    costs : numpy.ndarray of float64
        The cost of each seed (1 each without a budget or costs; NaN for a baseline user
        whom a cost mapping does not list).
    mean : numpy.ndarray of float64
        ``mean[i]``: expected reach of ``seeds[:i + 1]`` (seeds included).
    stderr : numpy.ndarray of float64
        Standard error of each ``mean``.
    gain_stderr : numpy.ndarray of float64
        Standard error of each marginal gain, from the paired per-world differences.
    n_runs : int
        Simulated worlds behind every estimate.

    Examples
    --------
    >>> c = SeedCurve(np.array(["a", "b"]), np.array([1.0, 2.0]), np.array([5.0, 7.0]),
    ...               np.array([0.5, 0.6]), np.array([0.5, 0.2]), 100)
    >>> c.gains.tolist(), c.budget.tolist(), c.n_seeds_within(2.5)
    ([5.0, 2.0], [1.0, 3.0], 1)
    """

    seeds: np.ndarray
    costs: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    gain_stderr: np.ndarray
    n_runs: int

    def __len__(self) -> int:
        return int(self.seeds.size)

    @property
    def budget(self) -> np.ndarray:
        """Budget spent by each prefix (cumulative cost)."""
        return np.cumsum(self.costs)

    @property
    def gains(self) -> np.ndarray:
        """Marginal gain of each seed: extra users reached by adding it (the first: its reach)."""
        return np.diff(self.mean, prepend=0.0)

    @property
    def ci(self) -> tuple[np.ndarray, np.ndarray]:
        """95% normal-approximation interval of every :attr:`mean`."""
        return self.mean - Z95 * self.stderr, self.mean + Z95 * self.stderr

    @property
    def gain_ci(self) -> tuple[np.ndarray, np.ndarray]:
        """95% normal-approximation interval of every marginal gain."""
        g = self.gains
        return g - Z95 * self.gain_stderr, g + Z95 * self.gain_stderr

    def n_seeds_within(self, budget: float) -> int:
        """How many seeds of the ordering a `budget` buys: the longest affordable prefix."""
        b = check_real(budget, "budget")
        return int(np.searchsorted(self.budget, b * (1 + 1e-12) + 1e-12, side="right"))

    def __repr__(self) -> str:
        last = f"{self.mean[-1]:.4g}" if self.mean.size else "0"
        return f"SeedCurve(n_seeds={self.seeds.size}, reach={last}, n_runs={self.n_runs})"

    def _repr_html_(self) -> str:
        rows = [("seeds", fmt_number(len(self))), ("simulated worlds", fmt_number(self.n_runs))]
        if self.mean.size:
            lo, hi = self.ci
            rows.append(("reach of all", f"{fmt_number(self.mean[-1], 1)} "
                         f"(95% CI {fmt_number(lo[-1], 1)} – {fmt_number(hi[-1], 1)})"))  # fmt: skip
            rows.append(("last seed's gain", fmt_number(self.gains[-1], 1)))
        return card("Reach against the number of seeds", rows)


def curve_from_prefix(seeds: np.ndarray, costs: np.ndarray, prefix: np.ndarray) -> SeedCurve:
    """A :class:`SeedCurve` from the ``(n_runs, n_seeds)`` prefix-spread samples."""
    n = prefix.shape[0]
    P = prefix.astype(np.float64)
    if P.shape[1] == 0 or n == 0:
        empty = np.zeros(P.shape[1])
        return SeedCurve(seeds, costs, empty, empty.copy(), empty.copy(), n)
    root = np.sqrt(n)
    sd = P.std(axis=0, ddof=1) if n > 1 else np.full(P.shape[1], np.nan)
    D = np.diff(P, axis=1, prepend=0.0)
    gsd = D.std(axis=0, ddof=1) if n > 1 else np.full(P.shape[1], np.nan)
    return SeedCurve(seeds, costs, P.mean(axis=0), sd / root, gsd / root, n)


def check_costs(costs: Any) -> Any:
    """`costs` as :func:`~filmreco.social.maximize_influence` takes them, or a clear error.

    A mapping keeps its keys with float values; anything else becomes a float array
    (its shape is checked against the graph by ``maximize_influence``).
    """
    if costs is None:
        return None
    if isinstance(costs, Mapping):
        return {k: check_real(v, f"costs[{k!r}]") for k, v in costs.items()}
    try:
        return np.asarray(costs, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"costs must be numbers, one per node of the graph, or a mapping {{user id: cost}}; "
            f"got {shorten(costs)} ({type(costs).__name__})."
        ) from None


def seed_costs(model: PropagationModel, seeds: Any, costs: Any, budget: float | None) -> np.ndarray:
    """The cost of each seed as :func:`~filmreco.social.maximize_influence` counted it."""
    idx = model.graph.index(seeds)
    if budget is None or costs is None:
        return np.ones(idx.size)
    if isinstance(costs, Mapping):
        per_node = np.full(model.graph.n_nodes, np.nan)  # users without a fee: unknown
        keys = list(costs)
        per_node[model.graph.index(keys)] = np.asarray([costs[k] for k in keys], dtype=np.float64)
        return per_node[idx]
    return np.asarray(costs, dtype=np.float64)[idx]


def batch_sizes(n_runs: int, n_batches: int = N_BATCHES) -> np.ndarray:
    """`n_runs` split into at most `n_batches` batches of at least 2 runs, sizes within one."""
    b = max(1, min(n_batches, n_runs // 2))
    return np.array([n_runs // b + (i < n_runs % b) for i in range(b)], dtype=np.int64)


def simulate_strategies(
    model: PropagationModel,
    orderings: dict[str, tuple[np.ndarray, np.ndarray]],
    n_runs: int,
    seed_seq: Any,
) -> tuple[dict[str, SimulationResult], dict[str, SeedCurve], dict[str, tuple[np.ndarray, np.ndarray]]]:  # fmt: skip
    """Simulate each seed ordering on the same worlds: results, seed curves and step bands.

    The runs are split into batches (:func:`batch_sizes`); batch ``b`` uses the same
    random state for every strategy and for both the step-by-step simulation and the
    prefix spreads, so the last column of each seed curve equals the reach samples.
    Returns, per strategy, the pooled :class:`SimulationResult` (with its reach curve over
    steps), the :class:`SeedCurve` of the ordering and the 95% band ``(lo, hi)`` of the
    reach curve (batch means with a Student t quantile; NaN with a single batch).
    """
    sizes = batch_sizes(n_runs)
    states = [int(s.generate_state(1)[0]) for s in seed_seq.spawn(sizes.size)]
    results: dict[str, SimulationResult] = {}
    curves: dict[str, SeedCurve] = {}
    bands: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, (order, costs) in orderings.items():
        runs = [
            model.simulate(order, int(n), random_state=s, return_steps=True)
            for n, s in zip(sizes, states)
        ]
        prefix = np.concatenate(
            [model.prefix_spreads(order, int(n), random_state=s) for n, s in zip(sizes, states)]
        )
        length = max(r.steps.size for r in runs if r.steps is not None)
        batch_curves = np.array(
            [np.pad(r.steps, (0, length - r.steps.size), mode="edge") for r in runs if r.steps is not None]
        )  # fmt: skip
        w = sizes / sizes.sum()
        steps = w @ batch_curves
        if sizes.size > 1:
            se = batch_curves.std(axis=0, ddof=1) / np.sqrt(sizes.size)
            half = float(stats.t.ppf(0.975, sizes.size - 1)) * se
        else:
            half = np.full(length, np.nan)
        samples = np.concatenate([r.samples for r in runs])
        act = sum(r.activation_probability * n for r, n in zip(runs, sizes)) / n_runs
        first = runs[0]
        results[name] = SimulationResult(
            samples=samples, activation_probability=np.asarray(act), node_ids=first.node_ids,
            seeds=first.seeds, steps=steps, calibrated=first.calibrated,
        )  # fmt: skip
        curves[name] = curve_from_prefix(np.asarray(first.seeds), costs, prefix)
        bands[name] = (steps - half, steps + half)
    return results, curves, bands
