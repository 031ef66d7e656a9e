"""Compiled (numba) kernels of the propagation models.

Randomness is *counter based*: every random number is ``mix64(key + i * GAMMA)``, the
SplitMix64 output function (Steele, Lea & Flood, "Fast splittable pseudorandom number
generators", OOPSLA 2014; constants of Vigna's ``splitmix64.c``) applied to a key and a
counter. In a Monte-Carlo cascade the counter is the *edge id* (for Independent Cascade)
or the *node id* (for the thresholds of Linear Threshold), and the key is the run's key.
A run therefore samples one fixed "possible world" (a live-edge graph, or a threshold per
node) whatever the seeds are: two seed sets simulated with the same ``random_state`` see
the same worlds (common random numbers), so the spread estimate is exactly monotone in the
seed set and greedy marginal gains are never negative. Run keys come from a block key
(one per block of runs, spawned with :func:`filmreco._parallel.block_seeds`), so results
do not depend on how blocks are split between workers.

A uniform draw ``u = (mix64(.) >> 11) / 2**53`` succeeds against probability ``p`` when
``mix64(.) >> 11 < floor(p * 2**53)`` (see :func:`thresholds53`): integer compares, exact
for ``p = 0`` and ``p = 1``.

Reverse-reachable sets (for IMM) need no common numbers; they use the SplitMix64 stream
``state += GAMMA; mix64(state)`` seeded by a block key.

One cascade loop, many models
-----------------------------
:func:`spread` is the only cascade loop: it runs a cascade from a frontier to the end, one
step (BFS level) at a time. :func:`simulate_runs` (spreads, activation counts, the reach
curve) and :func:`cascade_trace` (who was activated at which step) both drive it. What a
model does in one step is not a flag but the model's *step*: a ``NamedTuple`` of the
model's per-arc parameters (:class:`ICParams`, :class:`LTParams`) whose type selects, when
numba compiles the loop, the jitted hooks registered for it with :func:`register_step`:

``scratch(params, n)``
    Working memory of one kernel call (LT: each node's threshold and active in-weight).
``world_key(params, key)``
    The key of the run's possible world, derived from the run key.
``expand(params, scratch, u, indptr, indices, key, active, run, queue, tail)``
    Let the newly active ``u`` act on its out-arcs: mark activated nodes
    ``active[v] = run``, append them to ``queue[tail:]`` and return the new ``tail``.

Each model type gets its own compiled (and cached) copy of the loop, with the hooks'
source compiled into it (numba inlines them; as a separate call, one per activated node,
the IC loop measured about twice as slow), so the model costs no branch in the inner
loop. Numba caches the loops of filmreco's own models on disk; a step registered from
another module runs in copies of the loops compiled once per process and never cached (a
cache entry holding a type from another module would break every process that has not
imported it, and would not see edits to its hooks). Reverse-reachable sets are sampled by genuinely different algorithms (a
breadth-first search, a random walk), one kernel each; :func:`rr_sets` calls the one of
the model's reverse record (:class:`ICReverse`, :class:`LTReverse`).

Every kernel here has a pure-Python reference in ``tests/social/`` that it is tested against.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from numba.core.errors import TypingError
from numba.extending import overload

__all__ = [
    "GAMMA",
    "ICParams",
    "ICReverse",
    "LTParams",
    "LTReverse",
    "cascade_trace",
    "greedy_cover",
    "hook_for",
    "prefix_coverage",
    "register_step",
    "rr_sets",
    "rr_sets_ic",
    "rr_sets_lt",
    "simulate_runs",
    "source_of",
    "spread",
    "thresholds53",
]

_U = np.uint64
GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SALT = np.uint64(0xD1B54A32D192ED03)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO53 = 2.0**53
_INV53 = 2.0**-53


def thresholds53(p: np.ndarray) -> np.ndarray:
    """Integer thresholds: a 53-bit uniform ``r`` succeeds with probability ``p`` iff ``r < t``."""
    return np.floor(np.asarray(p, dtype=np.float64) * _TWO53).astype(np.uint64)


@njit(cache=True, nogil=True)
def mix64(z):  # pragma: no cover - compiled
    """SplitMix64 output function: a bijective 64-bit mixer."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, nogil=True)
def run_key(block_key, i):  # pragma: no cover - compiled
    """Key of run ``i`` of a block."""
    return mix64(_U(block_key) + _U(i + 1) * GAMMA)


# -- steps: what one model does in one round, chosen by the type of its record ----------
class Step(NamedTuple):
    """The jitted hooks of one propagation model (see the module docstring)."""

    scratch: Callable[..., Any]
    world_key: Callable[..., Any]
    expand: Callable[..., Any]


_STEPS: dict[type, Step] = {}


def register_step(
    params_type: type,
    *,
    scratch: Callable[..., Any],
    world_key: Callable[..., Any],
    expand: Callable[..., Any],
) -> None:
    """Make the cascade loop run `params_type` records with these jitted hooks.

    `params_type` is a ``typing.NamedTuple`` class of the model's arrays (it must be
    importable, for numba's cache); the hooks are ``numba.njit`` functions with the
    signatures (parameter names included) of the module docstring; their source is
    compiled into the loop. Register before the first simulation.
    """
    _STEPS[params_type] = Step(source_of(scratch), source_of(world_key), source_of(expand))


def hook_for(registry: dict[type, Any], record: Any, what: str) -> Any:
    """At compile time: the hook `registry` holds for the NamedTuple type `record`."""
    cls = getattr(record, "instance_class", None)
    if cls not in registry:
        raise TypingError(
            f"no {what} registered for {record}; register its NamedTuple class first "
            "(e.g. filmreco.social._kernels.register_step for a propagation model)."
        )
    return registry[cls]


def source_of(hook: Callable[..., Any]) -> Callable[..., Any]:
    """The Python function of a jitted `hook`: overloads compile its source into the caller."""
    return getattr(hook, "py_func", hook)


def step_scratch(params, n):  # pragma: no cover - replaced when compiled
    """Working memory of one kernel call (dispatched on the type of `params`)."""
    raise NotImplementedError


def step_world_key(params, key):  # pragma: no cover - replaced when compiled
    """Key of a run's possible world (dispatched on the type of `params`)."""
    raise NotImplementedError


def step_expand(
    params, scratch, u, indptr, indices, key, active, run, queue, tail
):  # pragma: no cover - replaced when compiled
    """Activations by the newly active `u` (dispatched on the type of `params`)."""
    raise NotImplementedError


@overload(step_scratch, inline="always")
def _ov_scratch(params, n):  # pragma: no cover - compile time
    return hook_for(_STEPS, params, "step").scratch


@overload(step_world_key, inline="always")
def _ov_world_key(params, key):  # pragma: no cover - compile time
    return hook_for(_STEPS, params, "step").world_key


@overload(step_expand, inline="always")
def _ov_expand(
    params, scratch, u, indptr, indices, key, active, run, queue, tail
):  # pragma: no cover - compile time
    return hook_for(_STEPS, params, "step").expand


# -- Independent Cascade ------------------------------------------------------------------
class ICParams(NamedTuple):
    """Independent Cascade: the live-arc thresholds (:func:`thresholds53`) in arc order."""

    thr: np.ndarray


@njit(cache=True, nogil=True)
def _ic_scratch(params, n):  # pragma: no cover - compiled
    return np.zeros(0, dtype=np.int64)


@njit(cache=True, nogil=True)
def _ic_world_key(params, key):  # pragma: no cover - compiled
    return key


@njit(cache=True, nogil=True)
def _ic_expand(
    params, scratch, u, indptr, indices, key, active, run, queue, tail
):  # pragma: no cover - compiled
    # The coin of arc e depends on (key, e) only, so it is drawn before looking at the
    # target: the hashes pipeline without waiting on the random access to active[v].
    thr = params.thr
    for e in range(indptr[u], indptr[u + 1]):
        if (mix64(key + _U(e) * GAMMA) >> _S11) < thr[e]:
            v = indices[e]
            if active[v] != run:
                active[v] = run
                queue[tail] = v
                tail += 1
    return tail


register_step(ICParams, scratch=_ic_scratch, world_key=_ic_world_key, expand=_ic_expand)


# -- Linear Threshold ---------------------------------------------------------------------
class LTParams(NamedTuple):
    """Linear Threshold: the weights ``b(u, v)`` in arc order."""

    weights: np.ndarray


@njit(cache=True, nogil=True)
def _lt_scratch(params, n):  # pragma: no cover - compiled
    # per node: run of the last touch, active in-weight, threshold
    touched = np.full(n, -1, dtype=np.int64)
    return touched, np.zeros(n, dtype=np.float64), np.zeros(n, dtype=np.float64)


@njit(cache=True, nogil=True)
def _lt_world_key(params, key):  # pragma: no cover - compiled
    return mix64(key ^ _SALT)


@njit(cache=True, nogil=True)
def _lt_expand(
    params, scratch, u, indptr, indices, key, active, run, queue, tail
):  # pragma: no cover - compiled
    weights = params.weights
    touched, acc, level = scratch
    for e in range(indptr[u], indptr[u + 1]):
        v = indices[e]
        if active[v] == run:
            continue
        if touched[v] != run:
            touched[v] = run
            acc[v] = 0.0
            # threshold in (0, 1]: a node with no active in-weight never activates
            level[v] = ((mix64(key + _U(v) * GAMMA) >> _S11) + _U(1)) * _INV53
        acc[v] += weights[e]
        if acc[v] >= level[v]:
            active[v] = run
            queue[tail] = v
            tail += 1
    return tail


register_step(LTParams, scratch=_lt_scratch, world_key=_lt_world_key, expand=_lt_expand)


# -- the cascade loop and its two drivers -------------------------------------------------
@njit(cache=True, nogil=True)
def activate(seeds, lo, hi, active, run, queue, tail):  # pragma: no cover - compiled
    """Activate ``seeds[lo:hi]`` not yet active in `run`; returns the new queue tail."""
    for j in range(lo, hi):
        s = seeds[j]
        if active[s] != run:
            active[s] = run
            queue[tail] = s
            tail += 1
    return tail


@njit(nogil=True, inline="always")  # compiled into its callers, which are cached
def spread(
    indptr, indices, params, scratch, key, active, run, queue, start, tail, levels
):  # pragma: no cover - compiled
    """The cascade loop: run the cascade whose frontier is ``queue[start:tail]`` to its end.

    Step ``t`` (step 0 = the frontier) activates ``queue[levels[t]:levels[t + 1]]``.
    Returns ``(tail, n_steps)``: the queue's end and the number of non-empty steps.
    """
    levels[0] = start
    end = tail
    t = 0
    while start < end:
        levels[t + 1] = end
        for q in range(start, end):
            tail = step_expand(params, scratch, queue[q], indptr, indices, key, active, run,
                               queue, tail)  # fmt: skip
        start = end
        end = tail
        t += 1
    return tail, t


@njit(cache=True, nogil=True)
def _simulate_runs(
    indptr, indices, params, seeds, group_ptr, keys, sizes, want_steps
):  # pragma: no cover - compiled
    """The compiled body of :func:`simulate_runs`."""
    n = indptr.size - 1
    n_groups = group_ptr.size - 1
    total = 0
    for b in range(sizes.size):
        total += sizes[b]
    spreads = np.zeros((total, n_groups), dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    steps = np.zeros(n + 1 if want_steps else 0, dtype=np.int64)
    active = np.full(n, -1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    levels = np.empty(n + 2, dtype=np.int64)
    scratch = step_scratch(params, n)
    run = 0
    for b in range(keys.size):
        for i in range(sizes[b]):
            key = step_world_key(params, run_key(keys[b], i))
            tail = 0
            for g in range(n_groups):
                start = tail
                tail = activate(seeds, group_ptr[g], group_ptr[g + 1], active, run, queue, tail)
                tail, depth = spread(indptr, indices, params, scratch, key, active, run, queue,
                                     start, tail, levels)  # fmt: skip
                if want_steps:
                    for t in range(depth):
                        steps[t] += levels[t + 1] - levels[t]
                spreads[run, g] = tail
            for q in range(tail):
                counts[queue[q]] += 1
            run += 1
    return spreads, counts, steps


@njit(cache=True, nogil=True)
def _cascade_trace(indptr, indices, params, seeds, seed_ptr, block_key):  # pragma: no cover
    """The compiled body of :func:`cascade_trace`."""
    n = indptr.size - 1
    n_casc = seed_ptr.size - 1
    active = np.full(n, -1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    levels = np.empty(n + 2, dtype=np.int64)
    scratch = step_scratch(params, n)
    cap = max(16, 4 * n_casc)
    out_node = np.empty(cap, dtype=np.int64)
    out_casc = np.empty(cap, dtype=np.int64)
    out_step = np.empty(cap, dtype=np.int64)
    size = 0
    for c in range(n_casc):
        key = step_world_key(params, run_key(block_key, c))
        tail = activate(seeds, seed_ptr[c], seed_ptr[c + 1], active, c, queue, 0)
        tail, depth = spread(indptr, indices, params, scratch, key, active, c, queue, 0, tail,
                             levels)  # fmt: skip
        if size + tail > cap:
            cap = 2 * cap + tail
            out_node = _grow(out_node, size, cap - size)
            out_casc = _grow(out_casc, size, cap - size)
            out_step = _grow(out_step, size, cap - size)
        for t in range(depth):
            for q in range(levels[t], levels[t + 1]):
                out_node[size] = queue[q]
                out_casc[size] = c
                out_step[size] = t
                size += 1
    return out_node[:size].copy(), out_casc[:size].copy(), out_step[:size].copy()


# Steps registered outside filmreco run in twins of the loops compiled per process and never
# written to this module's on-disk cache: every process reads that cache's index, and could not
# unpickle a record type from a module it has not imported (nor see edits to its hooks).
_simulate_runs_local = njit(nogil=True)(_simulate_runs.py_func)
_cascade_trace_local = njit(nogil=True)(_cascade_trace.py_func)


def _own_step(params: Any) -> bool:
    """Whether `params` is one of filmreco's step records (whose loops are cached on disk)."""
    return type(params).__module__.split(".")[0] == "filmreco"


def simulate_runs(
    indptr: np.ndarray,
    indices: np.ndarray,
    params: Any,
    seeds: np.ndarray,
    group_ptr: np.ndarray,
    keys: np.ndarray,
    sizes: np.ndarray,
    want_steps: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run ``sum(sizes)`` cascades; block ``b`` holds ``sizes[b]`` runs keyed by ``keys[b]``.

    Seeds are activated group by group (``seeds[group_ptr[g]:group_ptr[g + 1]]``) and the
    cascade runs to completion after each group, in the same world; ``spreads[r, g]`` is
    the number of active nodes after group ``g`` of run ``r``. ``counts[v]`` is the number
    of runs in which ``v`` is active at the end; ``steps[t]`` the number of activations at
    step ``t`` (step 0 = seeds) summed over runs and groups (only when `want_steps`).
    """
    kernel = _simulate_runs if _own_step(params) else _simulate_runs_local
    return kernel(indptr, indices, params, seeds, group_ptr, keys, sizes, want_steps)  # type: ignore[no-any-return]


def cascade_trace(
    indptr: np.ndarray,
    indices: np.ndarray,
    params: Any,
    seeds: np.ndarray,
    seed_ptr: np.ndarray,
    block_key: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One cascade per seed group; returns ``(node, cascade, step)`` of every activation.

    Cascade ``c`` starts from ``seeds[seed_ptr[c]:seed_ptr[c + 1]]`` in the world of run
    ``c`` of the block keyed `block_key`, so its final set is that of the same run of
    :func:`simulate_runs` started from those seeds.
    """
    kernel = _cascade_trace if _own_step(params) else _cascade_trace_local
    return kernel(indptr, indices, params, seeds, seed_ptr, block_key)  # type: ignore[no-any-return]


@njit(cache=True, nogil=True)
def _grow(buf, size, need):  # pragma: no cover - compiled
    if size + need <= buf.size:
        return buf
    new = np.empty(max(2 * buf.size, size + need), dtype=buf.dtype)
    new[:size] = buf[:size]
    return new


# -- reverse-reachable sets (IMM) ----------------------------------------------------------
# Sampling differs in kind between models (a breadth-first search over live in-arcs, a
# reverse random walk), so each model has its own kernel, which its reverse record calls.
class ICReverse(NamedTuple):
    """IC reverse sampler: live-arc thresholds of the in-arcs, in in-CSR order."""

    in_thr: np.ndarray

    def sample(self, in_indptr, in_src, roots, keys, block):  # type: ignore[no-untyped-def]
        """RR sets of `roots` (see :func:`rr_sets`) by :func:`rr_sets_ic`."""
        return rr_sets_ic(in_indptr, in_src, self.in_thr, roots, keys, block)


class LTReverse(NamedTuple):
    """LT reverse sampler: running sums of the in-weights within each in-row."""

    in_cumw: np.ndarray

    def sample(self, in_indptr, in_src, roots, keys, block):  # type: ignore[no-untyped-def]
        """RR sets of `roots` (see :func:`rr_sets`) by :func:`rr_sets_lt`."""
        return rr_sets_lt(in_indptr, in_src, self.in_cumw, roots, keys, block)


def rr_sets(
    in_indptr: np.ndarray,
    in_src: np.ndarray,
    rev: Any,
    roots: np.ndarray,
    keys: np.ndarray,
    block: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One reverse-reachable set per root, sampled by the model's reverse record `rev`.

    Set ``j`` belongs to block ``j // block``, whose random stream starts at
    ``keys[j // block]``, so the sets do not depend on how blocks are grouped in calls.
    Returns ``(ptr, nodes)``: set ``j`` is ``nodes[ptr[j]:ptr[j + 1]]`` (root first).
    """
    return rev.sample(in_indptr, in_src, roots, keys, block)  # type: ignore[no-any-return]


@njit(cache=True, nogil=True)
def rr_sets_ic(in_indptr, in_src, in_thr, roots, keys, block):  # pragma: no cover - compiled
    """One reverse-reachable set under IC per root; in-arcs are live with prob ``p``.

    Set ``j`` belongs to block ``j // block``, whose random stream starts at
    ``keys[j // block]``, so the sets do not depend on how blocks are grouped in calls.
    Returns ``(ptr, nodes)``: set ``j`` is ``nodes[ptr[j]:ptr[j + 1]]`` (root first).
    """
    n = in_indptr.size - 1
    n_sets = roots.size
    visited = np.full(n, -1, dtype=np.int32)
    ptr = np.zeros(n_sets + 1, dtype=np.int64)
    nodes = np.empty(max(64, 4 * n_sets), dtype=np.int32)
    size = 0
    state = keys[0]
    for j in range(n_sets):
        if j % block == 0:
            state = keys[j // block]
        root = roots[j]
        if size + n > nodes.size:  # room for a whole set: no checks in the inner loop
            nodes = _grow(nodes, size, n)
        nodes[size] = root
        visited[root] = j
        size += 1
        head = ptr[j]
        while head < size:
            u = nodes[head]
            head += 1
            for e in range(in_indptr[u], in_indptr[u + 1]):
                state += GAMMA  # one coin per arc, drawn before the visited check
                if (mix64(state) >> _S11) < in_thr[e]:
                    w = in_src[e]
                    if visited[w] != j:
                        visited[w] = j
                        nodes[size] = w
                        size += 1
        ptr[j + 1] = size
    return ptr, nodes[:size].copy()


@njit(cache=True, nogil=True)
def rr_sets_lt(in_indptr, in_src, in_cumw, roots, keys, block):  # pragma: no cover - compiled
    """One reverse-reachable set under LT per root (a reverse random walk each).

    Blocks and keys as in :func:`rr_sets_ic`.
    At node ``u`` the walk moves to in-neighbour ``w`` with probability ``b(w, u)`` and
    stops with probability ``1 - sum_w b(w, u)`` or when it meets a node already visited.
    ``in_cumw`` holds the running sum of in-weights within each in-row.
    """
    n = in_indptr.size - 1
    n_sets = roots.size
    visited = np.full(n, -1, dtype=np.int32)
    ptr = np.zeros(n_sets + 1, dtype=np.int64)
    nodes = np.empty(max(64, 4 * n_sets), dtype=np.int32)
    size = 0
    state = keys[0]
    for j in range(n_sets):
        if j % block == 0:
            state = keys[j // block]
        u = roots[j]
        if size + n > nodes.size:  # room for a whole walk
            nodes = _grow(nodes, size, n)
        nodes[size] = u
        visited[u] = j
        size += 1
        while True:
            lo = in_indptr[u]
            hi = in_indptr[u + 1]
            if lo == hi:
                break
            state += GAMMA
            r = (mix64(state) >> _S11) * _INV53
            if r >= in_cumw[hi - 1]:
                break
            a = lo
            b = hi - 1
            while a < b:  # first e with cumw[e] > r
                mid = (a + b) // 2
                if in_cumw[mid] > r:
                    b = mid
                else:
                    a = mid + 1
            w = in_src[a]
            if visited[w] == j:
                break
            visited[w] = j
            nodes[size] = w
            size += 1
            u = w
        ptr[j + 1] = size
    return ptr, nodes[:size].copy()


@njit(cache=True, nogil=True)
def greedy_cover(set_ptr, set_nodes, n, k, allowed, costs, budget, by_ratio):  # pragma: no cover
    """Greedy maximum coverage of sets by at most `k` nodes within `budget`.

    Picks, among `allowed` nodes whose cost fits the remaining budget, the node covering
    the most uncovered sets (or the most per unit cost when `by_ratio`); ties go to the
    lowest index. With a finite budget it stops when no affordable node adds coverage.
    Returns ``(chosen, gains)``: node indices in order and newly covered sets per pick.
    """
    n_sets = set_ptr.size - 1
    deg = np.zeros(n, dtype=np.int64)
    for i in range(set_nodes.size):
        deg[set_nodes[i]] += 1
    node_ptr = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        node_ptr[v + 1] = node_ptr[v] + deg[v]
    fill = node_ptr[:-1].copy()
    node_sets = np.empty(set_nodes.size, dtype=np.int64)
    for j in range(n_sets):
        for i in range(set_ptr[j], set_ptr[j + 1]):
            v = set_nodes[i]
            node_sets[fill[v]] = j
            fill[v] += 1
    covered = np.zeros(n_sets, dtype=np.bool_)
    picked = np.zeros(n, dtype=np.bool_)
    chosen = np.empty(min(k, n), dtype=np.int64)
    gains = np.empty(min(k, n), dtype=np.int64)
    remaining = budget
    limited = np.isfinite(budget)
    count = 0
    while count < k:
        best = -1
        best_val = -1.0
        for v in range(n):
            if picked[v] or not allowed[v] or costs[v] > remaining:
                continue
            if by_ratio:
                if costs[v] > 0:
                    val = deg[v] / costs[v]
                else:
                    val = np.inf if deg[v] > 0 else 0.0
            else:
                val = float(deg[v])
            if val > best_val:
                best_val = val
                best = v
        if best < 0 or (limited and deg[best] == 0):
            break
        picked[best] = True
        chosen[count] = best
        gains[count] = deg[best]
        remaining -= costs[best]
        count += 1
        for i in range(node_ptr[best], node_ptr[best + 1]):
            j = node_sets[i]
            if not covered[j]:
                covered[j] = True
                for q in range(set_ptr[j], set_ptr[j + 1]):
                    deg[set_nodes[q]] -= 1
    return chosen[:count].copy(), gains[:count].copy()


@njit(cache=True, nogil=True)
def prefix_coverage(set_ptr, set_nodes, n, seeds):  # pragma: no cover - compiled
    """Sets newly covered by each seed of an ordered list: ``gains[i]`` counts the sets
    whose earliest seed (in list order) is ``seeds[i]``."""
    rank = np.full(n, seeds.size, dtype=np.int64)
    for i in range(seeds.size - 1, -1, -1):
        rank[seeds[i]] = i
    gains = np.zeros(seeds.size, dtype=np.int64)
    for j in range(set_ptr.size - 1):
        best = seeds.size
        for q in range(set_ptr[j], set_ptr[j + 1]):
            r = rank[set_nodes[q]]
            if r < best:
                best = r
        if best < seeds.size:
            gains[best] += 1
    return gains
