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

Every kernel here has a pure-Python reference in ``tests/social/`` that it is tested against.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "GAMMA",
    "cascade_trace",
    "greedy_cover",
    "prefix_coverage",
    "rr_sets_ic",
    "rr_sets_lt",
    "simulate_runs",
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


@njit(cache=True, nogil=True)
def _expand_ic(u, indptr, indices, thr, key, active, run, queue, tail):  # pragma: no cover
    # The coin of arc e depends on (key, e) only, so it is drawn before looking at the
    # target: the hashes pipeline without waiting on the random access to active[v].
    for e in range(indptr[u], indptr[u + 1]):
        if (mix64(key + _U(e) * GAMMA) >> _S11) < thr[e]:
            v = indices[e]
            if active[v] != run:
                active[v] = run
                queue[tail] = v
                tail += 1
    return tail


@njit(cache=True, nogil=True)
def _expand_lt(
    u, indptr, indices, weights, tkey, active, touched, acc, level, run, queue, tail
):  # pragma: no cover
    for e in range(indptr[u], indptr[u + 1]):
        v = indices[e]
        if active[v] == run:
            continue
        if touched[v] != run:
            touched[v] = run
            acc[v] = 0.0
            # threshold in (0, 1]: a node with no active in-weight never activates
            level[v] = ((mix64(tkey + _U(v) * GAMMA) >> _S11) + _U(1)) * _INV53
        acc[v] += weights[e]
        if acc[v] >= level[v]:
            active[v] = run
            queue[tail] = v
            tail += 1
    return tail


@njit(cache=True, nogil=True)
def simulate_runs(
    indptr, indices, thr, weights, lt, seeds, group_ptr, keys, sizes, want_steps
):  # pragma: no cover - compiled
    """Run ``sum(sizes)`` cascades; block ``b`` holds ``sizes[b]`` runs keyed by ``keys[b]``.

    Seeds are activated group by group (``seeds[group_ptr[g]:group_ptr[g + 1]]``) and the
    cascade runs to completion after each group, in the same world; ``spreads[r, g]`` is
    the number of active nodes after group ``g`` of run ``r``. ``counts[v]`` is the number
    of runs in which ``v`` is active at the end; ``steps[t]`` the number of activations at
    step ``t`` (step 0 = seeds) summed over runs (only when `want_steps`).
    """
    n = indptr.size - 1
    n_groups = group_ptr.size - 1
    total = 0
    for b in range(sizes.size):
        total += sizes[b]
    spreads = np.zeros((total, n_groups), dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    steps = np.zeros(n + 1 if want_steps else 0, dtype=np.int64)
    active = np.full(n, -1, dtype=np.int64)
    m = n if lt else 0
    touched = np.full(m, -1, dtype=np.int64)
    acc = np.zeros(m, dtype=np.float64)
    level = np.zeros(m, dtype=np.float64)
    queue = np.empty(n, dtype=np.int64)
    run = 0
    for b in range(keys.size):
        for i in range(sizes[b]):
            key = run_key(keys[b], i)
            tkey = mix64(key ^ _SALT)
            tail = 0
            for g in range(n_groups):
                start = tail
                for j in range(group_ptr[g], group_ptr[g + 1]):
                    s = seeds[j]
                    if active[s] != run:
                        active[s] = run
                        queue[tail] = s
                        tail += 1
                end = tail
                t = 0
                while start < end:
                    if want_steps:
                        steps[t] += end - start
                    for q in range(start, end):
                        if lt:
                            tail = _expand_lt(
                                queue[q], indptr, indices, weights, tkey, active,
                                touched, acc, level, run, queue, tail,
                            )  # fmt: skip
                        else:
                            tail = _expand_ic(
                                queue[q], indptr, indices, thr, key, active, run, queue, tail
                            )
                    start = end
                    end = tail
                    t += 1
                spreads[run, g] = tail
            for q in range(tail):
                counts[queue[q]] += 1
            run += 1
    return spreads, counts, steps


@njit(cache=True, nogil=True)
def cascade_trace(
    indptr, indices, thr, weights, lt, seeds, seed_ptr, block_key
):  # pragma: no cover - compiled
    """One cascade per seed group; returns ``(node, cascade, step)`` of every activation."""
    n = indptr.size - 1
    n_casc = seed_ptr.size - 1
    active = np.full(n, -1, dtype=np.int64)
    touched = np.full(n if lt else 0, -1, dtype=np.int64)
    acc = np.zeros(n if lt else 0, dtype=np.float64)
    level = np.zeros(n if lt else 0, dtype=np.float64)
    queue = np.empty(n, dtype=np.int64)
    cap = max(16, 4 * n_casc)
    out_node = np.empty(cap, dtype=np.int64)
    out_casc = np.empty(cap, dtype=np.int64)
    out_step = np.empty(cap, dtype=np.int64)
    size = 0
    for c in range(n_casc):
        key = run_key(block_key, c)
        tkey = mix64(key ^ _SALT)
        tail = 0
        for j in range(seed_ptr[c], seed_ptr[c + 1]):
            s = seeds[j]
            if active[s] != c:
                active[s] = c
                queue[tail] = s
                tail += 1
        start = 0
        end = tail
        t = 0
        while start < end:
            if size + (end - start) > cap:
                cap = 2 * cap + (end - start)
                a = np.empty(cap, dtype=np.int64)
                a[:size] = out_node[:size]
                out_node = a
                a = np.empty(cap, dtype=np.int64)
                a[:size] = out_casc[:size]
                out_casc = a
                a = np.empty(cap, dtype=np.int64)
                a[:size] = out_step[:size]
                out_step = a
            for q in range(start, end):
                out_node[size] = queue[q]
                out_casc[size] = c
                out_step[size] = t
                size += 1
                if lt:
                    tail = _expand_lt(
                        queue[q], indptr, indices, weights, tkey, active, touched, acc,
                        level, c, queue, tail,
                    )  # fmt: skip
                else:
                    tail = _expand_ic(queue[q], indptr, indices, thr, key, active, c, queue, tail)
            start = end
            end = tail
            t += 1
    return out_node[:size].copy(), out_casc[:size].copy(), out_step[:size].copy()


@njit(cache=True, nogil=True)
def _grow(buf, size, need):  # pragma: no cover - compiled
    if size + need <= buf.size:
        return buf
    new = np.empty(max(2 * buf.size, size + need), dtype=buf.dtype)
    new[:size] = buf[:size]
    return new


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
