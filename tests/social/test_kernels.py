"""Every compiled kernel against a plain-Python reference that draws the same random numbers."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from numba import njit

from filmreco.social import _kernels as K

M64 = (1 << 64) - 1
G = 0x9E3779B97F4A7C15
SALT = 0xD1B54A32D192ED03


# ---- reference randomness ------------------------------------------------------------
def mix64(z: int) -> int:
    z &= M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def run_key(block_key: int, i: int) -> int:
    return mix64(block_key + (i + 1) * G)


def live(key: int, e: int, p: float) -> bool:
    return (mix64(key + e * G) >> 11) < int(np.floor(p * 2.0**53))


def threshold(key: int, v: int) -> float:
    return ((mix64(mix64(key ^ SALT) + v * G) >> 11) + 1) * 2.0**-53


def step_params(p, w, lt):
    """The model record the cascade loop dispatches on."""
    return K.LTParams(w) if lt else K.ICParams(K.thresholds53(p))


# ---- reference cascades ----------------------------------------------------------------
def ref_cascade(indptr, indices, p, w, lt, groups, key):
    """Active set after each seed group and the step of each activation (BFS levels)."""
    n = len(indptr) - 1
    active: dict[int, int] = {}
    spreads = []
    for grp in groups:
        frontier = [s for s in grp if s not in active]
        for s in frontier:
            active[s] = 0
        t = 0
        while frontier:
            t += 1
            new = []
            for v in range(n):
                if v in active:
                    continue
                arcs = [
                    e for u in active for e in range(indptr[u], indptr[u + 1]) if indices[e] == v
                ]
                if lt:
                    if sum(w[e] for e in arcs) >= threshold(key, v):
                        new.append(v)
                elif any(live(key, e, p[e]) for e in arcs if indices[e] == v):
                    new.append(v)
            for v in new:
                active[v] = t
            frontier = new
        spreads.append(len(active))
    return spreads, active


def graph_strategy(max_n: int = 9):
    @st.composite
    def build(draw):
        n = draw(st.integers(1, max_n))
        pairs = draw(
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n)
        )
        pairs = sorted({(a, b) for a, b in pairs if a != b})
        probs = draw(
            st.lists(
                st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]), min_size=len(pairs), max_size=len(pairs)
            )
        )
        r = np.array([a for a, _ in pairs], dtype=np.int64)
        c = np.array([b for _, b in pairs], dtype=np.int64)
        A = sp.csr_array((np.array(probs, dtype=float) + 1, (r, c)), shape=(n, n))
        A.sort_indices()
        p = A.data - 1
        indeg = np.bincount(A.indices, minlength=n)
        w = 1.0 / indeg[A.indices] if A.nnz else np.zeros(0)
        return A.indptr.astype(np.int64), A.indices.astype(np.int32), p, w

    return build()


@given(
    graph_strategy(),
    st.integers(0, 2**63),
    st.booleans(),
    st.lists(st.integers(0, 8), min_size=1, max_size=4),
)
def test_simulate_runs_matches_reference(g, block_key, lt, seeds_raw):
    indptr, indices, p, w = g
    n = indptr.size - 1
    seeds = [s % n for s in seeds_raw]
    groups = [seeds[:1], seeds[1:]]
    gptr = np.array([0, 1, len(seeds)], dtype=np.int64)
    keys = np.array([block_key], dtype=np.uint64)
    sizes = np.array([3], dtype=np.int64)
    spreads, counts, _ = K.simulate_runs(
        indptr, indices, step_params(p, w, lt), np.array(seeds, np.int64), gptr, keys, sizes, True
    )
    want_counts = np.zeros(n, dtype=np.int64)
    for i in range(3):
        ref_spreads, active = ref_cascade(indptr, indices, p, w, lt, groups, run_key(block_key, i))
        assert spreads[i].tolist() == ref_spreads
        for v in active:
            want_counts[v] += 1
    assert counts.tolist() == want_counts.tolist()
    # steps are recorded per group and summed; with a single group they are BFS levels
    one = np.array([0, len(seeds)], dtype=np.int64)
    _, _, steps1 = K.simulate_runs(
        indptr, indices, step_params(p, w, lt), np.array(seeds, np.int64), one, keys,
        np.array([1]), True,
    )  # fmt: skip
    _, active = ref_cascade(indptr, indices, p, w, lt, [seeds], run_key(block_key, 0))
    want = np.bincount(list(active.values()), minlength=n + 1)
    assert steps1.tolist() == want.tolist()


def test_blocks_split_does_not_change_runs():
    rng = np.random.default_rng(0)
    A = sp.random_array((30, 30), density=0.15, rng=rng, format="csr")
    indptr, indices = A.indptr.astype(np.int64), A.indices.astype(np.int32)
    params = K.ICParams(K.thresholds53(np.full(A.nnz, 0.4)))
    seeds = np.array([0, 5], dtype=np.int64)
    gptr = np.array([0, 2], dtype=np.int64)
    keys = np.array([11, 22, 33], dtype=np.uint64)
    sizes = np.array([5, 5, 2], dtype=np.int64)
    whole = K.simulate_runs(indptr, indices, params, seeds, gptr, keys, sizes, True)
    parts = [
        K.simulate_runs(indptr, indices, params, seeds, gptr, keys[s], sizes[s], True)
        for s in (slice(0, 1), slice(1, 3))
    ]
    assert np.array_equal(whole[0], np.concatenate([parts[0][0], parts[1][0]]))
    assert np.array_equal(whole[1], parts[0][1] + parts[1][1])
    assert np.array_equal(whole[2], parts[0][2] + parts[1][2])


def test_thresholds_are_exact_at_zero_and_one():
    t = K.thresholds53(np.array([0.0, 1.0, 0.5]))
    assert t[0] == 0  # no 53-bit number is below 0
    assert t[1] == 2**53  # every 53-bit number is below 2**53
    assert t[2] == 2**52


# ---- RR sets ---------------------------------------------------------------------------
def in_csr(indptr, indices, vals):
    n = indptr.size - 1
    A = sp.csr_array((vals + 1.0, indices, indptr), shape=(n, n))
    T = sp.csr_array(A.T)
    T.sort_indices()
    return T.indptr.astype(np.int64), T.indices.astype(np.int32), T.data - 1.0


def ref_rr_ic(in_indptr, in_src, in_p, roots, keys, block):
    sets = []
    for j, root in enumerate(roots):
        if j % block == 0:
            state = int(keys[j // block])
        out, seen, head = [int(root)], {int(root)}, 0
        while head < len(out):
            u = out[head]
            head += 1
            for e in range(in_indptr[u], in_indptr[u + 1]):
                state += G
                if (mix64(state) >> 11) < int(np.floor(in_p[e] * 2.0**53)):
                    w = int(in_src[e])
                    if w not in seen:
                        seen.add(w)
                        out.append(w)
        sets.append(out)
    return sets


def ref_rr_lt(in_indptr, in_src, in_w, roots, keys, block):
    sets = []
    for j, root in enumerate(roots):
        if j % block == 0:
            state = int(keys[j // block])
        u, out = int(root), [int(root)]
        while in_indptr[u] < in_indptr[u + 1]:
            state += G
            r = (mix64(state) >> 11) * 2.0**-53
            acc, pick = 0.0, None
            for e in range(in_indptr[u], in_indptr[u + 1]):
                acc += in_w[e]
                if acc > r:
                    pick = int(in_src[e])
                    break
            if pick is None or pick in out:
                break
            out.append(pick)
            u = pick
        sets.append(out)
    return sets


def split(ptr, nodes):
    return [nodes[ptr[j] : ptr[j + 1]].tolist() for j in range(ptr.size - 1)]


@given(graph_strategy(), st.integers(0, 2**63), st.integers(1, 4))
def test_rr_sets_match_reference(g, key, block):
    indptr, indices, p, w = g
    n = indptr.size - 1
    roots = np.arange(7, dtype=np.int64) % n
    keys = np.array([key + i for i in range(-(-7 // block))], dtype=np.uint64)
    ip, src, pin = in_csr(indptr, indices, p)
    ptr, nodes = K.rr_sets(ip, src, K.ICReverse(K.thresholds53(pin)), roots, keys, block)
    assert split(ptr, nodes) == ref_rr_ic(ip, src, pin, roots, keys, block)
    ip, src, win = in_csr(indptr, indices, w)
    cum = np.zeros_like(win)
    for v in range(n):
        cum[ip[v] : ip[v + 1]] = np.cumsum(win[ip[v] : ip[v + 1]])
    ptr, nodes = K.rr_sets(ip, src, K.LTReverse(cum), roots, keys, block)
    assert split(ptr, nodes) == ref_rr_lt(ip, src, win, roots, keys, block)


# ---- coverage ----------------------------------------------------------------------------
def ref_greedy(sets, n, k, allowed, costs, budget, by_ratio):
    covered: set[int] = set()
    chosen, gains, left = [], [], budget
    while len(chosen) < k:
        best, best_val, best_gain = -1, -1.0, 0
        for v in range(n):
            if v in chosen or not allowed[v] or costs[v] > left:
                continue
            gain = sum(1 for j, s in enumerate(sets) if j not in covered and v in s)
            if by_ratio:
                val = gain / costs[v] if costs[v] > 0 else (np.inf if gain else 0.0)
            else:
                val = float(gain)
            if val > best_val:
                best, best_val, best_gain = v, val, gain
        if best < 0 or (np.isfinite(budget) and best_gain == 0):
            break
        chosen.append(best)
        gains.append(best_gain)
        left -= costs[best]
        covered |= {j for j, s in enumerate(sets) if best in s}
    return chosen, gains


@given(
    st.lists(st.lists(st.integers(0, 7), min_size=1, max_size=4, unique=True), max_size=15),
    st.integers(0, 8),
    st.lists(st.booleans(), min_size=8, max_size=8),
    st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]), min_size=8, max_size=8),
    st.sampled_from([np.inf, 0.0, 1.0, 2.5, 6.0]),
    st.booleans(),
)
def test_greedy_cover_matches_reference(sets, k, allowed, costs, budget, by_ratio):
    ptr = np.cumsum([0] + [len(s) for s in sets]).astype(np.int64)
    nodes = np.array([v for s in sets for v in s], dtype=np.int32)
    costs_a = np.array(costs) if np.isfinite(budget) else np.zeros(8)
    chosen, gains = K.greedy_cover(
        ptr, nodes, 8, k, np.array(allowed), costs_a, float(budget), by_ratio
    )
    want = ref_greedy(sets, 8, k, allowed, costs_a, budget, by_ratio)
    assert (chosen.tolist(), gains.tolist()) == want


@given(
    st.lists(st.lists(st.integers(0, 7), min_size=1, max_size=4, unique=True), max_size=15),
    st.lists(st.integers(0, 7), max_size=5, unique=True),
)
def test_prefix_coverage_matches_reference(sets, seeds):
    ptr = np.cumsum([0] + [len(s) for s in sets]).astype(np.int64)
    nodes = np.array([v for s in sets for v in s], dtype=np.int32)
    got = K.prefix_coverage(ptr, nodes, 8, np.array(seeds, dtype=np.int64))
    want, covered = [], set()
    for s in seeds:
        new = {j for j, st_ in enumerate(sets) if s in st_} - covered
        want.append(len(new))
        covered |= new
    assert got.tolist() == want


# ---- traces ------------------------------------------------------------------------------
@pytest.mark.parametrize("lt", [False, True])
def test_cascade_trace_matches_reference(lt):
    rng = np.random.default_rng(3)
    A = sp.random_array((12, 12), density=0.25, rng=rng, format="csr")
    A.setdiag(0)
    A.eliminate_zeros()
    A.sort_indices()
    indptr, indices = A.indptr.astype(np.int64), A.indices.astype(np.int32)
    p = rng.random(A.nnz)
    indeg = np.bincount(indices, minlength=12)
    w = 1.0 / indeg[indices]
    seeds = np.array([0, 3, 4, 7, 9, 9], dtype=np.int64)
    sptr = np.array([0, 1, 3, 6], dtype=np.int64)
    node, casc, step = K.cascade_trace(indptr, indices, step_params(p, w, lt), seeds, sptr, 77)
    for c in range(3):
        grp = seeds[sptr[c] : sptr[c + 1]].tolist()
        _, active = ref_cascade(indptr, indices, p, w, lt, [grp], run_key(77, c))
        got = {int(v): int(t) for v, t in zip(node[casc == c], step[casc == c])}
        assert got == active


@pytest.mark.parametrize("lt", [False, True])
def test_cascade_trace_agrees_with_simulate_runs(lt):
    # same block key -> cascade c of the trace is run c of simulate_runs from the same seeds
    rng = np.random.default_rng(5)
    A = sp.random_array((40, 40), density=0.1, rng=rng, format="csr")
    A.setdiag(0)
    A.eliminate_zeros()
    A.sort_indices()
    indptr, indices = A.indptr.astype(np.int64), A.indices.astype(np.int32)
    indeg = np.bincount(indices, minlength=40)
    params = step_params(rng.random(A.nnz), 1.0 / indeg[indices], lt)
    seeds = np.array([2, 9], dtype=np.int64)
    n_runs = 25
    node, casc, step = K.cascade_trace(
        indptr, indices, params, np.tile(seeds, n_runs), np.arange(n_runs + 1) * 2, 123
    )
    spreads, counts, steps = K.simulate_runs(
        indptr, indices, params, seeds, np.array([0, 2]), np.array([123], np.uint64),
        np.array([n_runs]), True,
    )  # fmt: skip
    assert np.bincount(casc, minlength=n_runs).tolist() == spreads[:, 0].tolist()
    assert np.bincount(node, minlength=40).tolist() == counts.tolist()
    assert np.bincount(step, minlength=steps.size).tolist() == steps.tolist()


def test_unregistered_step_is_a_clear_error():
    from numba.core.errors import TypingError

    class Unknown(NamedTuple):
        thr: np.ndarray

    with pytest.raises(TypingError, match="register_step"):
        K.cascade_trace(
            np.zeros(2, np.int64), np.zeros(0, np.int32), Unknown(np.zeros(0, np.uint64)),
            np.zeros(1, np.int64), np.array([0, 1]), 1,
        )  # fmt: skip


# ---- extension point: a new model is its step -------------------------------------------
class ReachParams(NamedTuple):
    """A toy model for the extension point: every out-arc always fires (reachability)."""

    n_arcs: np.ndarray


@njit(cache=True)
def _reach_scratch(params, n):  # pragma: no cover - compiled
    return np.zeros(0, dtype=np.int64)


@njit(cache=True)
def _reach_world_key(params, key):  # pragma: no cover - compiled
    return key


@njit(cache=True)
def _reach_expand(
    params, scratch, u, indptr, indices, key, active, run, queue, tail
):  # pragma: no cover - compiled
    for e in range(indptr[u], indptr[u + 1]):
        v = indices[e]
        if active[v] != run:
            active[v] = run
            queue[tail] = v
            tail += 1
    return tail


K.register_step(
    ReachParams, scratch=_reach_scratch, world_key=_reach_world_key, expand=_reach_expand
)


def test_a_new_model_is_its_step():
    # path 0 -> 1 -> 2 -> 3 and an isolated 4: from 0 everything but 4, one node per step
    indptr = np.array([0, 1, 2, 3, 3, 3], dtype=np.int64)
    indices = np.array([1, 2, 3], dtype=np.int32)
    params = ReachParams(np.zeros(3, dtype=np.int64))
    spreads, counts, steps = K.simulate_runs(
        indptr, indices, params, np.array([0], np.int64), np.array([0, 1]),
        np.array([9], np.uint64), np.array([4]), True,
    )  # fmt: skip
    assert spreads[:, 0].tolist() == [4, 4, 4, 4]
    assert counts.tolist() == [4, 4, 4, 4, 0]
    assert steps[:4].tolist() == [4, 4, 4, 4]
    node, _, step = K.cascade_trace(
        indptr, indices, params, np.array([0], np.int64), np.array([0, 1]), 9
    )
    assert node.tolist() == [0, 1, 2, 3] and step.tolist() == [0, 1, 2, 3]
    # a step from outside filmreco never enters the on-disk cached loops: their cache index is
    # read by every process, which could not unpickle a type from this test module
    for cached in (K._simulate_runs, K._cascade_trace):
        assert not any("ReachParams" in str(sig) for sig in cached.signatures)
    assert any("ReachParams" in str(sig) for sig in K._simulate_runs_local.signatures)
