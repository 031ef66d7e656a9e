"""IMM: influence maximisation with reverse-reachable sets (Tang, Shi & Xiao, SIGMOD 2015).

A reverse-reachable (RR) set is the set of users that would have reached a uniformly
random user ``v`` in one sampled world. For any seed set ``S``,
``n * P(S meets a random RR set)`` is its expected spread, so choosing seeds is a
maximum-coverage problem over many RR sets. IMM bounds how many sets are needed for a
``(1 - 1/e - eps)`` approximation with probability at least ``1 - n**-ell``.

Roots are drawn *without replacement*: set ``j`` starts at ``perm[j % n]`` for one random
permutation ``perm`` of the nodes, so every user is a root equally often (up to one). This
stratification removes the variance due to the choice of roots, keeps the estimator
``n * F_R(S)`` unbiased, and keeps IMM's concentration bounds, which hold for negatively
associated variables such as samples without replacement (Dubhashi & Ranjan, "Balls and
bins: a study in negative dependence", Random Struct. Algorithms 1998).

RR sets are generated in blocks of :data:`RR_BLOCK` sets, one random seed per block
(spawned in order from ``random_state``), through :func:`filmreco._parallel.parallel_map`;
the sets, hence the seeds, depend on ``random_state`` only.

Following Chen (2018, "An issue in the martingale analysis of the influence maximization
algorithm IMM", arXiv:1808.09363), the final selection uses a fresh collection of RR sets,
independent of the ones used to estimate the lower bound of the optimum.

The number of sets grows as ``1/eps**2``, so a tiny ``eps`` could exhaust memory or run for
hours. Before the first round, IMM predicts its largest collection from the first block of
sets (a pilot, which the first round generates anyway): the rounds and ``theta`` it would
need given the pilot's estimate of the optimum, and the memory from the pilot's mean set
size (:func:`rr_bytes`). It logs the prediction at INFO and refuses with an
:class:`~filmreco.exceptions.InputError` past ``max_rr_sets`` sets or ``max_memory`` bytes;
every later collection is checked again against the same limits before it is generated.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from .._parallel import block_seeds, parallel_map, seed_sequence
from ..exceptions import InputError
from . import _kernels as K
from ._blocks import task_slices
from .cascade import PropagationModel

__all__ = [
    "MAX_MEMORY",
    "MAX_RR_SETS",
    "RR_BLOCK",
    "RRPool",
    "imm_select",
    "log_binomial",
    "rr_bytes",
]

logger = logging.getLogger("filmreco")

#: RR sets per block of randomness.
RR_BLOCK = 2000

#: Default of ``maximize_influence(max_rr_sets=)``: the most RR sets IMM holds at once.
MAX_RR_SETS = 100_000_000

#: Default of ``maximize_influence(max_memory=)``: bytes IMM's RR sets may take (4 GiB).
MAX_MEMORY = 4 * 2**30


def rr_bytes(n_sets: float, mean_size: float) -> float:
    """Peak bytes of a collection of `n_sets` RR sets of `mean_size` nodes on average.

    Per set: its offset (8 bytes) and nodes (4 bytes each), the greedy cover's inverted
    index (8 bytes per node) and covered flag (1 byte), and the offsets once more while the
    blocks are joined.

    Examples
    --------
    >>> rr_bytes(1000, 2.0)
    41000
    """
    return _ceil(n_sets * (17 + 12 * mean_size))


def _count(x: float) -> str:
    """A count with thousands separators, in scientific notation past 1e15 (or inf)."""
    return f"{int(x):,}" if x < 1e15 else f"{x:.3g}"


def _size(n_bytes: float) -> str:
    """Bytes in a readable unit (``"1.5 GiB"``)."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n_bytes < 1024 or unit == "GiB":
            if unit == "B":
                return f"{n_bytes:.0f} B"
            return f"{n_bytes:.1f} {unit}" if n_bytes < 1e6 else f"{n_bytes:.3g} {unit}"
        n_bytes /= 1024
    raise AssertionError  # pragma: no cover - the loop returns


def _div(a: float, b: float) -> float:
    """``a / b``, infinite when `b` underflowed to 0 (a tiny ``eps``)."""
    return a / b if b > 0 else math.inf


def _ceil(x: float) -> float:
    """``math.ceil(x)``, infinity kept."""
    return math.ceil(x) if math.isfinite(x) else x


class _Limits:
    """IMM's accuracy options and the limits its collections are checked against."""

    def __init__(self, eps: float, ell: float, max_rr_sets: int, max_memory: int) -> None:
        self.eps, self.ell = eps, ell
        self.max_rr_sets, self.max_memory = max_rr_sets, max_memory

    def check(self, n_sets: float, mean_size: float, what: str) -> None:
        """Raise InputError if `n_sets` sets (rounded up to whole blocks) pass a limit."""
        if math.isfinite(n_sets):
            n_sets = -(-int(n_sets) // RR_BLOCK) * RR_BLOCK
        need = rr_bytes(n_sets, mean_size)
        if n_sets <= self.max_rr_sets and need <= self.max_memory:
            return
        raise InputError(
            f"IMM with eps={self.eps:g} and ell={self.ell:g} needs about {_count(n_sets)} RR sets "
            f"({what}) and {_size(need)} of memory ({mean_size:.1f} nodes per set), past "
            f"max_rr_sets={self.max_rr_sets:,} or max_memory={self.max_memory:,} bytes "
            f"({_size(self.max_memory)}). Raise eps (the sets grow as 1/eps**2) or lower ell, "
            "or raise max_rr_sets= / max_memory= if the machine has the memory and time."
        )


def log_binomial(n: int, k: int) -> float:
    """``log C(n, k)`` through log-gamma (0 when ``k`` is 0 or ``n``).

    Examples
    --------
    >>> round(math.exp(log_binomial(5, 2)))
    10
    """
    if k <= 0 or k >= n:
        return 0.0
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _rr_task(
    indptr: np.ndarray,
    src: np.ndarray,
    rev: tuple[np.ndarray, ...],
    keys: np.ndarray,
    roots: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    return K.rr_sets(indptr, src, rev, roots, keys, RR_BLOCK)  # type: ignore[no-any-return]


def _join(ptrs: list[np.ndarray], parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if not ptrs:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    offsets = np.cumsum([0] + [p[-1] for p in ptrs[:-1]])
    ptr = np.concatenate([ptrs[0][:1]] + [p[1:] + o for p, o in zip(ptrs, offsets)])
    return ptr, np.concatenate(parts)


class RRPool:
    """A growing collection of RR sets of one model, reproducible from a seed sequence."""

    def __init__(
        self,
        model: PropagationModel,
        random_state: Any,
        *,
        n_jobs: int | None = None,
        show_progress: bool = False,
    ) -> None:
        self.model = model
        perm_seq, self.seq = seed_sequence(random_state).spawn(2)
        n = model.graph.n_nodes
        self.perm = np.random.default_rng(perm_seq).permutation(n).astype(np.int64)
        self.n_jobs = n_jobs
        self.show_progress = show_progress
        self._ptrs: list[np.ndarray] = []
        self._parts: list[np.ndarray] = []
        self.n_sets = 0
        self._joined: tuple[np.ndarray, np.ndarray] | None = None

    def extend_to(self, n_sets: int) -> None:
        """Generate whole blocks until the pool holds at least `n_sets` sets."""
        need = int(n_sets) - self.n_sets
        if need <= 0:
            return
        n_blocks = -(-need // RR_BLOCK)
        keys = np.array(
            [s.generate_state(1, np.uint64)[0] for s in block_seeds(self.seq, n_blocks)],
            dtype=np.uint64,
        )
        n = self.perm.size
        g = self.model.graph
        rev = self.model._reverse_params()
        tasks = []
        for s in task_slices(n_blocks, self.n_jobs, self.show_progress):
            first = self.n_sets + s.start * RR_BLOCK
            roots = self.perm[np.arange(first, first + (s.stop - s.start) * RR_BLOCK) % n]
            tasks.append((keys[s], roots))
        for ptr, nodes in parallel_map(
            _rr_task,
            tasks,
            shared=(g.in_adj.indptr, g.in_adj.indices, rev),
            n_jobs=self.n_jobs,
            show_progress=self.show_progress,
            desc="RR sets",
        ):
            self._ptrs.append(ptr)
            self._parts.append(nodes)
        self.n_sets += n_blocks * RR_BLOCK
        self._joined = None

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(ptr, nodes)`` of all sets so far."""
        if self._joined is None:
            self._joined = _join(self._ptrs, self._parts)
            self._ptrs, self._parts = [self._joined[0]], [self._joined[1]]
        return self._joined

    @property
    def nbytes(self) -> int:
        """Memory held by the sets."""
        return int(sum(p.nbytes for p in self._ptrs) + sum(q.nbytes for q in self._parts))

    @property
    def mean_size(self) -> float:
        """Mean number of nodes per set (0 for an empty pool)."""
        return sum(q.size for q in self._parts) / self.n_sets if self.n_sets else 0.0


def select(
    pool: RRPool,
    k: int,
    allowed: np.ndarray,
    costs: np.ndarray,
    budget: float,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Greedy coverage on the pool: ``[(chosen, gains)]``, plus the cost-benefit greedy
    (gain per unit cost) when the budget is finite."""
    ptr, nodes = pool.arrays()
    n = pool.model.graph.n_nodes
    out = [K.greedy_cover(ptr, nodes, n, k, allowed, costs, budget, False)]
    if math.isfinite(budget):
        out.append(K.greedy_cover(ptr, nodes, n, k, allowed, costs, budget, True))
    return out


def _predict(
    pool: RRPool,
    k: int,
    allowed: np.ndarray,
    costs: np.ndarray,
    budget: float,
    lam_p: float,
    lam_star: float,
    eps_p: float,
    n_rounds: int,
    limits: _Limits,
) -> None:
    """Predict IMM's largest collection from a pilot (the first block of `pool`, which the
    first round generates anyway), log it, and refuse it past the limits."""
    pool.extend_to(1)
    n = pool.model.graph.n_nodes
    gains = max((g for _, g in select(pool, k, allowed, costs, budget)), key=np.sum)
    opt = n * gains.sum() / pool.n_sets  # the pilot's estimate of the optimum
    largest: float = 0
    lb = 1.0
    for i in range(1, n_rounds):  # the rounds as they would go if the estimate held
        x = n / 2.0**i
        largest = max(largest, _ceil(lam_p / x))
        if opt >= (1 + eps_p) * x:
            lb = opt / (1 + eps_p)
            break
    theta = _ceil(lam_star / lb)
    largest = max(largest, theta)
    logger.info(
        "IMM: eps=%g, ell=%g: about %s RR sets in the largest collection (theta about %s), "
        "%s of memory (%.1f nodes per set on a pilot of %d sets)",
        limits.eps, limits.ell, _count(largest), _count(theta),
        _size(rr_bytes(largest, pool.mean_size)), pool.mean_size, pool.n_sets,
    )  # fmt: skip
    limits.check(largest, pool.mean_size, "predicted from a pilot")


def imm_select(
    model: PropagationModel,
    k: int,
    *,
    eps: float,
    ell: float,
    allowed: np.ndarray,
    costs: np.ndarray,
    budget: float,
    k_bound: int,
    challengers: dict[str, np.ndarray],
    random_state: Any,
    n_jobs: int | None,
    show_progress: bool,
    max_rr_sets: int = MAX_RR_SETS,
    max_memory: int = MAX_MEMORY,
) -> tuple[np.ndarray, np.ndarray, float, dict[str, Any]]:
    """Run IMM; returns ``(chosen, gains, spread, info)`` with spreads in users.

    `k_bound` is the largest number of seeds a solution may hold (``k``, or what the
    budget affords); it sets the union bound over seed sets. The greedy solution (and
    the cost-benefit one under a budget) and the `challengers` (ordered seed lists, e.g.
    degree discount's) are scored on a third, independent collection of ``theta`` RR sets;
    the best is returned with its gains estimated there (unbiased, unlike the coverage
    of the collection the greedy choice was fitted on).

    Raises InputError when the predicted (or, later, the actual) size of a collection passes
    `max_rr_sets` sets or `max_memory` bytes (see the module docstring).
    """
    n = model.graph.n_nodes
    n_allowed = int(allowed.sum())
    limits = _Limits(eps, ell, max_rr_sets, max_memory)
    ell = ell * (1.0 + math.log(2.0) / math.log(n)) if n > 1 else ell
    log_n = math.log(max(n, 2))
    lcnk = log_binomial(n_allowed, min(k_bound, n_allowed))
    e = 1.0 - 1.0 / math.e
    eps_p = math.sqrt(2.0) * eps
    lam_p = (2 + 2 * eps_p / 3) * (lcnk + ell * log_n + math.log(max(math.log2(n), 1.0)))
    lam_p *= _div(n, eps_p**2)  # inf when eps**2 underflows: refused below
    alpha = math.sqrt(ell * log_n + math.log(2.0))
    beta = math.sqrt(e * (lcnk + ell * log_n + math.log(2.0)))
    lam_star = _div(2.0 * n * (e * alpha + beta) ** 2, eps**2)
    est_seq, final_seq, check_seq = seed_sequence(random_state).spawn(3)
    pool = RRPool(model, est_seq, n_jobs=n_jobs, show_progress=show_progress)
    n_rounds = max(math.ceil(math.log2(n)), 1)
    _predict(pool, k, allowed, costs, budget, lam_p, lam_star, eps_p, n_rounds, limits)
    lb = 1.0
    for i in range(1, n_rounds):
        x = n / 2.0**i
        limits.check(_ceil(lam_p / x), pool.mean_size, f"round {i} of the lower bound")
        pool.extend_to(math.ceil(lam_p / x))
        gains = max((g for _, g in select(pool, k, allowed, costs, budget)), key=np.sum)
        covered = n * gains.sum() / pool.n_sets
        logger.debug("IMM: round %d, %d RR sets, estimate %.1f", i, pool.n_sets, covered)
        if covered >= (1 + eps_p) * x:
            lb = covered / (1 + eps_p)
            break
    limits.check(_ceil(lam_star / lb), pool.mean_size, "theta, for the final selection")
    theta = math.ceil(lam_star / lb)
    peak = pool.nbytes
    del pool
    final = RRPool(model, final_seq, n_jobs=n_jobs, show_progress=show_progress)
    final.extend_to(theta)
    names = ["greedy", "greedy_per_cost"]
    options = {names[i]: c for i, (c, _) in enumerate(select(final, k, allowed, costs, budget))}
    peak = max(peak, final.nbytes)
    del final
    options.update((name, c) for name, c in challengers.items() if c.size)
    check = RRPool(model, check_seq, n_jobs=n_jobs, show_progress=show_progress)
    check.extend_to(theta)
    ptr, nodes = check.arrays()
    scored = {name: K.prefix_coverage(ptr, nodes, n, c) for name, c in options.items()}
    best = max(scored, key=lambda name: scored[name].sum())  # first (greedy) wins ties
    scale = n / check.n_sets
    info = {
        "n_rr_sets": check.n_sets,
        "theta": theta,
        "lower_bound": float(lb),
        "selected": best,
        "candidate_spreads": {name: float(g.sum() * scale) for name, g in scored.items()},
        "rr_bytes": max(peak, check.nbytes),
    }
    gains = scored[best] * scale
    return options[best], gains, float(gains.sum()), info
