"""Propagation models bound to a social graph: Independent Cascade and Linear Threshold.

A model is built once on a :class:`~filmreco.social.SocialGraph` with its per-arc
influence values (as ndlib and cynetdiff models are); every stochastic call then takes
its own ``random_state`` and ``n_jobs``. Monte-Carlo runs are grouped in blocks of
:data:`CASCADE_BLOCK` cascades, one random seed per block
(:func:`filmreco._parallel.block_seeds`), and the blocks run through
:func:`filmreco._parallel.parallel_map`, so the estimates depend on ``random_state`` and
``n_runs`` only, never on ``n_jobs`` or the joblib backend.

Within a call every run samples one "possible world" (which arcs are live, or each
node's threshold) from its run key alone, so simulating two seed sets with the same
``random_state`` compares them on the same worlds (see :mod:`filmreco.social._kernels`).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._parallel import parallel_map, seed_sequence
from .._persist import Saveable
from .._stats import Z95
from .._validation import check_bool, check_int, check_random_state, shorten, user_stacklevel
from ..exceptions import DataWarning, InputError, InputTypeError
from ..sparse import IdMap
from . import _kernels as K
from ._blocks import CASCADE_BLOCK, block_keys, simulate_task, task_slices
from ._schemes import _plain
from .graph import SocialGraph

__all__ = [
    "CASCADE_BLOCK",
    "IndependentCascade",
    "LinearThreshold",
    "PropagationModel",
    "SimulationResult",
]

logger = logging.getLogger("filmreco")

#: Shown wherever a reach estimate rests on textbook (not learned) probabilities.
UNCALIBRATED_WARNING = (
    "UNCALIBRATED: the influence probabilities are textbook defaults, not learned from this "
    "platform's action logs; on real data such defaults overstate word-of-mouth reach "
    "severalfold. Read the reach as a relative score, or build the model with from_logs()."
)


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Monte-Carlo estimate of a campaign's spread.

    Attributes
    ----------
    samples : numpy.ndarray of int64, shape (n_runs,)
        Number of active users at the end of each run (seeds included).
    activation_probability : numpy.ndarray of float64, shape (n_nodes,)
        Fraction of runs in which each node ends active, aligned with :attr:`node_ids`.
    node_ids : IdMap
        The graph's node ids.
    seeds : numpy.ndarray
        The external ids of the (deduplicated) seeds.
    steps : numpy.ndarray of float64 or None
        The reach curve: ``steps[t]`` is the mean number of active users after step ``t``
        (``steps[0]`` = number of seeds); ``None`` unless ``return_steps=True``.
    calibrated : bool
        True when the model's probabilities were learned from an action log
        (:meth:`PropagationModel.from_logs`); False for textbook defaults, whose reach is
        a relative score, not a forecast.

    Examples
    --------
    >>> from filmreco.social import IndependentCascade, SocialGraph
    >>> g = SocialGraph.from_arrays([0, 1, 0], [1, 2, 3])
    >>> res = IndependentCascade(g, 1.0).simulate([0], 10, random_state=0)
    >>> res.mean, res.stderr, res.seeds.tolist()
    (4.0, 0.0, [0])
    """

    samples: np.ndarray
    activation_probability: np.ndarray
    node_ids: IdMap
    seeds: np.ndarray
    steps: np.ndarray | None = None
    calibrated: bool = False

    @property
    def n_runs(self) -> int:
        """Number of Monte-Carlo runs."""
        return int(self.samples.size)

    @property
    def mean(self) -> float:
        """Expected spread (mean number of active users, seeds included)."""
        return float(self.samples.mean()) if self.samples.size else 0.0

    @property
    def stderr(self) -> float:
        """Standard error of :attr:`mean` (NaN with a single run)."""
        if self.samples.size < 2:
            return math.nan
        return float(self.samples.std(ddof=1) / math.sqrt(self.samples.size))

    @property
    def ci(self) -> tuple[float, float]:
        """Normal-approximation 95% confidence interval of :attr:`mean`."""
        h = Z95 * self.stderr
        return (self.mean - h, self.mean + h)

    def probability(self, ids: Any) -> np.ndarray:
        """Activation probability of the nodes `ids` (external ids)."""
        return self.activation_probability[self.node_ids.index(ids)]

    def to_frame(self) -> Any:
        """Users reached, as a pandas DataFrame: ``user, activation_probability, seed``.

        One row per user active in at least one run, most likely first (ties by id order).

        Examples
        --------
        >>> from filmreco.social import IndependentCascade, SocialGraph
        >>> g = SocialGraph.from_arrays([0, 1, 5], [1, 2, 6])
        >>> IndependentCascade(g, 1.0).simulate([0], 10, random_state=0).to_frame()
           user  activation_probability   seed
        0     0                     1.0   True
        1     1                     1.0  False
        2     2                     1.0  False
        """
        from ..data._frames import pandas

        p = np.asarray(self.activation_probability, dtype=np.float64)
        idx = np.flatnonzero(p > 0)
        idx = idx[np.argsort(-p[idx], kind="stable")]
        users = self.node_ids.to_ids(idx)
        seeds = set(np.asarray(self.seeds).tolist())
        return pandas().DataFrame(
            {
                "user": users,
                "activation_probability": p[idx],
                "seed": [u in seeds for u in users.tolist()],
            }
        )

    def _ci_text(self) -> str:
        """The 95% interval as text, or why there is none (it needs two runs)."""
        if self.n_runs < 2:
            return "no 95% CI: it needs n_runs >= 2"
        lo, hi = self.ci
        return f"95% CI {lo:.1f}-{hi:.1f}"

    def summary(self) -> str:
        """A readable one-paragraph summary, with the calibration warning when it applies."""
        text = (
            f"expected reach {self.mean:.1f} users ({self._ci_text()}) from "
            f"{self.seeds.size} seed(s), {self.n_runs} simulated cascades"
        )
        if not self.calibrated:
            text += f".\n{UNCALIBRATED_WARNING}"
        return text

    def __repr__(self) -> str:
        return (
            f"SimulationResult(mean={self.mean:.4g}, stderr={self.stderr:.3g}, "
            f"n_runs={self.n_runs}, n_seeds={self.seeds.size}, calibrated={self.calibrated})"
        )

    def _repr_html_(self) -> str:
        """A compact card for notebooks: reach, interval, seeds, runs."""
        from .._html import card, fmt_number

        lo, hi = self.ci
        interval = (
            f"{fmt_number(lo, 1)} – {fmt_number(hi, 1)}"
            if self.n_runs >= 2
            else "needs n_runs >= 2"
        )
        rows = [
            ("expected reach", f"{fmt_number(self.mean, 1)} users"),
            ("95% CI", interval),
            ("seeds", fmt_number(self.seeds.size)),
            ("simulated cascades", fmt_number(self.n_runs)),
        ]
        if self.steps is not None:
            rows.append(("propagation steps", fmt_number(max(self.steps.size - 1, 0))))
        warning = None if self.calibrated else UNCALIBRATED_WARNING
        return card("SimulationResult", rows, warning=warning)


class PropagationModel(Saveable):
    """Base class: a diffusion model bound to a :class:`SocialGraph`.

    Parameters
    ----------
    graph : SocialGraph
    probability : float, str or array-like, default="weighted_cascade"
        Per-arc influence: a float (uniform), a scheme of
        :meth:`SocialGraph.probabilities` or one value per arc (arc order).
    random_state : int, SeedSequence, Generator or None
        Only used to draw random schemes (``"trivalency"``) at construction.
    calibration : dict, optional
        How the probabilities were learned (set by :meth:`from_logs`); ``None`` for
        textbook defaults or probabilities given by hand.

    Attributes
    ----------
    graph : SocialGraph
    edge_probabilities : numpy.ndarray of float64
        The per-arc values (read-only), in arc order.
    calibrated : bool
        Whether the probabilities were learned from an action log.

    Examples
    --------
    Both families share this interface (simulate, estimate reach, pick seeds). With
    every arc certain, seeds ``a`` and ``b`` reach ``c`` too:

    >>> g = SocialGraph.from_arrays(["a", "b"], ["c", "c"])
    >>> for model in (IndependentCascade(g, 1.0), LinearThreshold(g)):
    ...     print(type(model).__name__, isinstance(model, PropagationModel),
    ...           model.simulate(["a", "b"], n_runs=100, random_state=0).mean)
    IndependentCascade True 3.0
    LinearThreshold True 3.0
    """

    #: Short name of the family ("ic", "lt"); the kernels dispatch on `_step_params()` instead.
    kind: ClassVar[str] = ""

    def __init__(
        self,
        graph: SocialGraph,
        probability: Any = "weighted_cascade",
        *,
        random_state: Any = None,
        calibration: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(graph, SocialGraph):
            raise InputTypeError(
                f"graph must be a SocialGraph, got {type(graph).__name__}; build one with "
                "SocialGraph.from_networkx / from_arrays / from_edgelist."
            )
        self.graph = graph
        self.probability = probability
        self.edge_probabilities = graph.resolve_probabilities(
            probability, random_state=random_state
        )
        self.edge_probabilities.setflags(write=False)
        if calibration is not None and not isinstance(calibration, Mapping):
            raise InputTypeError(
                f"calibration must be a dict (or None), got {type(calibration).__name__}."
            )
        self.calibration = dict(calibration) if calibration else None
        self._rr_cache: Any = None

    @property
    def calibrated(self) -> bool:
        """True when the arc probabilities were learned from an action log (:meth:`from_logs`)."""
        return self.calibration is not None

    # -- overridden by the families ----------------------------------------------------
    def _step_params(self) -> tuple[np.ndarray, ...]:
        """The model's step: a NamedTuple of arrays whose type selects the jitted hooks of
        the cascade loop (:func:`filmreco.social._kernels.register_step`)."""
        raise NotImplementedError

    def _reverse_params(self) -> tuple[np.ndarray, ...]:
        """The model's reverse-reachable sampler for IMM: a NamedTuple of in-arc arrays
        whose type selects the jitted sampler (:func:`filmreco.social._kernels.register_reverse`)."""
        raise NotImplementedError

    # -- seeds ------------------------------------------------------------------------
    def seed_indices(self, seeds: Any, *, name: str = "seeds") -> np.ndarray:
        """Node indices of `seeds` (external ids), duplicates removed with a warning.

        Raises
        ------
        UnknownIdError
            If a seed is not a node of the graph.
        """
        if seeds is None:
            raise InputError(f"{name} must be a list of node ids, got None.")
        if isinstance(seeds, (set, frozenset)):
            seeds = sorted(seeds)
        idx = np.asarray(self.graph.index(seeds, name=name), dtype=np.int64)
        uniq, first = np.unique(idx, return_index=True)
        if uniq.size != idx.size:
            dup = self.graph.node_ids.to_ids(idx[np.setdiff1d(np.arange(idx.size), first)][:3])
            warnings.warn(
                f"{name} holds {idx.size - uniq.size} duplicate id(s) (e.g. {shorten(dup.tolist())}); "
                "each seed counts once.",
                DataWarning,
                stacklevel=user_stacklevel(),
            )
            idx = idx[np.sort(first)]
        return idx

    # -- Monte Carlo ------------------------------------------------------------------
    def _run(
        self,
        seeds: np.ndarray,
        group_ptr: np.ndarray,
        n_runs: int,
        random_state: Any,
        n_jobs: int | None,
        want_steps: bool,
        show_progress: bool,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keys, sizes = block_keys(random_state, n_runs, CASCADE_BLOCK)
        params = self._step_params()
        g = self.graph
        indptr, indices = g.out_adj.indptr, g.out_adj.indices
        tasks = [
            (keys[s], sizes[s], want_steps) for s in task_slices(keys.size, n_jobs, show_progress)
        ]
        out = parallel_map(
            simulate_task,
            tasks,
            shared=(indptr, indices, params, seeds, group_ptr),
            n_jobs=n_jobs,
            show_progress=show_progress,
            desc="cascades",
        )
        spreads = np.concatenate([o[0] for o in out]) if out else np.zeros((0, 1), np.int64)
        counts = np.sum([o[1] for o in out], axis=0) if out else np.zeros(g.n_nodes, np.int64)
        steps = np.sum([o[2] for o in out], axis=0) if out else np.zeros(0, np.int64)
        return spreads, counts, steps

    def simulate(
        self,
        seeds: Any,
        n_runs: int = 10_000,
        *,
        random_state: Any = None,
        n_jobs: int | None = None,
        return_steps: bool = False,
        show_progress: bool = False,
    ) -> SimulationResult:
        """Simulate `n_runs` cascades started at `seeds` and summarise the spread.

        Parameters
        ----------
        seeds : array-like of node ids
            External ids; duplicates count once (with a :class:`DataWarning`).
        n_runs : int, default=10_000
            Number of Monte-Carlo runs.
        random_state : int, SeedSequence, Generator or None
            Same value, same result (whatever `n_jobs`); see :ref:`random_state`.
        n_jobs : int or None, default=None
            Workers for the blocks of runs; see :ref:`n_jobs`. The result does not depend on it.
        return_steps : bool, default=False
            Also compute the reach curve (mean active users after each step).
        show_progress : bool, default=False
            Show a progress bar over blocks of runs.

        Returns
        -------
        SimulationResult

        Raises
        ------
        UnknownIdError
            If a seed is not in the graph.

        Examples
        --------
        >>> g = SocialGraph.from_arrays(["a", "b"], ["b", "c"])
        >>> res = IndependentCascade(g, 0.5).simulate(["a"], 4000, random_state=0)
        >>> abs(res.mean - 1.75) < 3 * res.stderr  # 1 + 0.5 + 0.25
        True
        >>> res.activation_probability.round(1).tolist()
        [1.0, 0.5, 0.2]
        """
        idx = self.seed_indices(seeds)
        n_runs = check_int(n_runs, "n_runs", min_value=1)
        spreads, counts, steps = self._run(
            idx, np.array([0, idx.size], dtype=np.int64), n_runs, random_state, n_jobs,
            check_bool(return_steps, "return_steps"), check_bool(show_progress, "show_progress"),
        )  # fmt: skip
        curve = None
        if return_steps:
            last = np.flatnonzero(steps)
            curve = np.cumsum(steps[: (last[-1] + 1 if last.size else 1)]) / n_runs
        return SimulationResult(
            samples=spreads[:, 0].copy(),
            activation_probability=counts / n_runs,
            node_ids=self.graph.node_ids,
            seeds=self.graph.node_ids.to_ids(idx),
            steps=curve,
            calibrated=self.calibrated,
        )

    def expected_spread(
        self,
        seeds: Any,
        n_runs: int = 10_000,
        *,
        random_state: Any = None,
        n_jobs: int | None = None,
    ) -> float:
        """Monte-Carlo estimate of the expected number of active users (seeds included).

        Examples
        --------
        >>> g = SocialGraph.from_arrays([0, 1], [1, 2])
        >>> IndependentCascade(g, 1.0).expected_spread([0], 10, random_state=0)
        3.0
        """
        return self.simulate(seeds, n_runs, random_state=random_state, n_jobs=n_jobs).mean

    def prefix_spreads(
        self,
        seeds: Any,
        n_runs: int = 1000,
        *,
        random_state: Any = None,
        n_jobs: int | None = None,
    ) -> np.ndarray:
        """Spread samples of every prefix of an ordered seed list, on common worlds.

        Returns an ``(n_runs, len(seeds))`` int array: column ``i`` holds the spread of
        ``seeds[:i + 1]`` in each run, so column differences are marginal gains.

        Examples
        --------
        >>> g = SocialGraph.from_arrays([0, 1], [1, 2])
        >>> IndependentCascade(g, 1.0).prefix_spreads([1, 0], 5, random_state=0)[0].tolist()
        [2, 3]
        """
        idx = self.seed_indices(seeds)
        n_runs = check_int(n_runs, "n_runs", min_value=1)
        gptr = np.arange(idx.size + 1, dtype=np.int64)
        return self._run(idx, gptr, n_runs, random_state, n_jobs, False, False)[0]

    def sample_cascades(
        self, n_cascades: int, *, n_seeds: int = 1, random_state: Any = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Simulate cascades from random seeds and log who was activated when.

        Each cascade starts from `n_seeds` distinct nodes drawn uniformly. The log is
        the input format of :func:`~filmreco.social.learn_probabilities`: one row per
        activation, ``(user id, cascade number, step)``.

        Returns
        -------
        users : numpy.ndarray
            External ids of activated users.
        cascades : numpy.ndarray of int64
            The cascade (an "item", e.g. a film) of each activation.
        steps : numpy.ndarray of int64
            The step of each activation (0 for seeds), usable as a timestamp.
        """
        n_cascades = check_int(n_cascades, "n_cascades", min_value=0)
        n = self.graph.n_nodes
        n_seeds = check_int(n_seeds, "n_seeds", min_value=1, max_value=max(n, 1))
        if n == 0:
            raise InputError("the graph has no nodes; cascades need at least one.")
        ss = seed_sequence(random_state).spawn(2)
        rng = check_random_state(np.random.default_rng(ss[0]))
        if n_seeds == 1:
            seeds = rng.integers(0, n, size=n_cascades)
        else:
            seeds = np.concatenate(
                [rng.choice(n, size=n_seeds, replace=False) for _ in range(n_cascades)]
            ).astype(np.int64)
        ptr = np.arange(n_cascades + 1, dtype=np.int64) * n_seeds
        key = ss[1].generate_state(1, np.uint64)[0]
        g = self.graph
        node, casc, step = K.cascade_trace(
            g.out_adj.indptr, g.out_adj.indices, self._step_params(), seeds.astype(np.int64),
            ptr, key,
        )  # fmt: skip
        return g.node_ids.to_ids(node), casc, step

    @classmethod
    def from_logs(
        cls,
        graph: SocialGraph,
        users: Any,
        items: Any = None,
        times: Any = None,
        *,
        method: str = "bernoulli",
        credit: str = "full",
        window: float | None = None,
        **kwargs: Any,
    ) -> PropagationModel:
        """A model whose arc probabilities are learned from an action log.

        See :func:`~filmreco.social.learn_probabilities` for the log format and the
        estimators; `kwargs` go to the model's constructor (``normalize`` for
        :class:`LinearThreshold`, ``random_state``; not ``probability``, which is learned:
        an unknown or repeated keyword raises
        :class:`~filmreco.exceptions.InputTypeError` naming it). With ``method="auto"`` the
        estimator and its scale are chosen by a back-test on the last part of the log, and
        :attr:`calibration` holds its record under ``"backtest"``
        (:meth:`~filmreco.social._backtest.Backtest.to_dict`: per estimator the ratio of
        predicted to observed new adopters, Brier score and AUC; the chosen estimator and
        its factor).

        Examples
        --------
        >>> g = SocialGraph.from_arrays(["ann"], ["bob"])
        >>> m = IndependentCascade.from_logs(g, ["ann", "bob", "ann"], ["f1", "f1", "f2"], [0, 1, 0])
        >>> m.edge_probabilities.tolist()
        [0.5]
        >>> m.calibration["method"], "backtest" in m.calibration
        ('bernoulli', False)
        """
        from .._validation import check_forwarded, check_option
        from .learn import LEARN_METHODS, learn_probabilities

        call = f"{cls.__name__}.from_logs"
        for own in ("probability", "calibration"):
            if own in kwargs:
                raise InputTypeError(
                    f"{call}() got the keyword argument {own!r}, but from_logs sets it itself: "
                    f"it learns the {own} from the log. To fix the probabilities yourself, "
                    f"build {cls.__name__}(graph, probability) instead."
                )
        check_forwarded(
            kwargs, cls.__init__, call, own=("method", "credit", "window"),
            taken=("self", "graph", "probability", "calibration"),
        )  # fmt: skip
        method = check_option(method, LEARN_METHODS, "method")
        report = None
        if method == "auto":
            p, report = learn_probabilities(
                graph, users, items, times, method=method, credit=credit, window=window,
                return_report=True,
            )  # fmt: skip
        else:
            p = learn_probabilities(
                graph, users, items, times, method=method, credit=credit, window=window
            )
        calibration: dict[str, Any] = {
            "method": method,
            "credit": credit,
            "window": window,
            "mean_probability": float(p.mean()) if p.size else 0.0,
        }
        if report is not None:
            calibration["backtest"] = report.to_dict()
        return cls(graph, p, calibration=calibration, **kwargs)

    def __repr__(self) -> str:
        p = self.probability
        p = f"array(n={len(p)})" if not isinstance(p, (str, int, float)) else repr(p)
        return (
            f"{type(self).__name__}({self.graph!r}, probability={p}, calibrated={self.calibrated})"
        )

    # persistence: save / load from filmreco._persist.Saveable, layout in _cascade_io ---
    _persist_version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        from .._registry import register

        own = cls.__module__.split(".")[0] == "filmreco"
        cls._persist_kind = cls.__name__ if own else f"{cls.__module__}:{cls.__qualname__}"
        register(cls._persist_kind, cls)

    def _export(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        from ._cascade_io import export

        return export(self)

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Any:
        from ._cascade_io import restore

        return restore(cls, arrays, meta)


class IndependentCascade(PropagationModel):
    """Independent Cascade (Kempe, Kleinberg & Tardos, KDD 2003).

    When a user becomes active at step ``t`` it gets one chance to activate each
    inactive out-neighbour ``v`` at step ``t + 1``, succeeding with the arc's probability
    ``p(u, v)``. See :class:`PropagationModel` for the parameters.

    Examples
    --------
    >>> import networkx as nx
    >>> g = SocialGraph.from_networkx(nx.star_graph(4))  # hub 0, leaves 1..4
    >>> model = IndependentCascade(g, probability=0.5)
    >>> res = model.simulate([0], n_runs=2000, random_state=1)
    >>> round(res.mean)  # 1 + 4 * 0.5
    3
    """

    kind = "ic"

    def _step_params(self) -> K.ICParams:
        params = getattr(self, "_params", None)
        if params is None:
            params = self._params = K.ICParams(K.thresholds53(self.edge_probabilities))
        return params

    def _reverse_params(self) -> K.ICReverse:
        if self._rr_cache is None:
            self._rr_cache = K.ICReverse(self._step_params().thr[self.graph.in_arc])
        return self._rr_cache


class LinearThreshold(PropagationModel):
    """Linear Threshold (Kempe, Kleinberg & Tardos, KDD 2003), weights normalised per node.

    Each user ``v`` draws a threshold uniformly in (0, 1] and becomes active once the
    summed weights ``b(u, v)`` of its active in-neighbours reach it. The per-arc values
    given by `probability` are turned into weights by dividing each by the total into
    its target (``normalize=True``), so every user's in-weights sum to 1 (or 0).

    Parameters
    ----------
    graph : SocialGraph
    probability : float, str or array-like, default="weighted_cascade"
        Per-arc influence values (see :class:`PropagationModel`).
    normalize : bool, default=True
        Divide by the in-total per node. If False the values are used as they are and
        must sum to at most 1 per node.
    random_state : int, SeedSequence, Generator or None
        Used by random schemes only.

    Attributes
    ----------
    edge_weights : numpy.ndarray of float64
        The LT weights ``b(u, v)`` in arc order.

    Examples
    --------
    >>> g = SocialGraph.from_arrays(["a", "b"], ["c", "c"])
    >>> model = LinearThreshold(g)  # each of a, b has weight 1/2 on c
    >>> model.edge_weights.tolist()
    [0.5, 0.5]
    >>> model.simulate(["a"], 4000, random_state=0).probability(["c"]).round(1).tolist()
    [0.5]
    """

    kind = "lt"

    def __init__(
        self,
        graph: SocialGraph,
        probability: Any = "weighted_cascade",
        *,
        normalize: bool = True,
        random_state: Any = None,
        calibration: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(graph, probability, random_state=random_state, calibration=calibration)
        self.normalize = normalize
        w = self.edge_probabilities
        total = np.bincount(graph.targets, weights=w, minlength=graph.n_nodes)
        if check_bool(normalize, "normalize"):
            w = np.divide(w, total[graph.targets], out=np.zeros_like(w), where=w > 0)
        elif total.size and total.max() > 1 + 1e-9:
            v = int(np.argmax(total))
            raise InputError(
                f"with normalize=False the in-weights of every node must sum to at most 1, but "
                f"node {_plain(graph.node_ids.ids[v])!r} receives {total[v]:.4g}; pass normalize=True."
            )
        self.edge_weights = w
        self.edge_weights.setflags(write=False)

    def _step_params(self) -> K.LTParams:
        return K.LTParams(self.edge_weights)

    def _reverse_params(self) -> K.LTReverse:
        if self._rr_cache is None:
            g = self.graph
            w = self.edge_weights[g.in_arc]
            cum = np.cumsum(w)
            start = g.in_adj.indptr[:-1]
            before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0) if w.size else start
            self._rr_cache = K.LTReverse(cum - np.repeat(before, np.diff(g.in_adj.indptr)))
        return self._rr_cache
