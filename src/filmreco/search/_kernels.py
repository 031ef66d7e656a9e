"""Compiled inner loop of a search (numba; private): scores of one query and its top n.

A query touches a dozen rows of the score matrix. Done with numpy, its score (gather,
weight, :func:`numpy.bincount`, coordination) and its top n (argpartition, ties, lexsort)
are some twenty calls on small arrays, each costing about a microsecond whatever its size:
most of a query's time on a catalogue of a few thousand films. Here both are one loop.

The arithmetic is that of :meth:`filmreco.search._engine.Snapshot.score` and
:meth:`~filmreco.search._engine.Snapshot.select`, step for step, so the scores are the same
to the last bit: entries are added per document in the order of the query's rows (grouped
by unit when a query has several, typo expansions first) as ``float64(entry) * weight``;
coordination multiplies by ``n_matched * (1 / n_live)``; the top n are the documents of
positive score (and in `mask`), best first, ties by smaller index. Only the documents the
query touches are visited, so the cost follows the rows' length, not the catalogue's size.
Tested against the numpy path in ``tests/search``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["SIGNATURES", "search_scores", "search_top", "search_top_many"]

# Explicit signatures: the kernels are compiled (or loaded from numba's on-disk cache,
# ``cache=True``) when this module is imported, for exactly the argument types searches
# pass (the score matrix as int64 indptr, int32 indices, float32 data; C-contiguous
# arrays), so no search ever waits for the compiler and no other type can slip in.
_ARRAYS = "i8[::1], i4[::1], f4[::1]"
#: Signatures of the public kernels, compiled at import.
SIGNATURES = {
    "search_top": f"Tuple((i8[::1], f4[::1]))({_ARRAYS}, i8[::1], f8[::1], i8[::1], i8, i8, i8, "
    "b1[::1], f8[::1], i4[::1], i4[::1])",
    "search_scores": f"f8[::1]({_ARRAYS}, i8[::1], f8[::1], i8[::1], i8, i8)",
    "search_top_many": f"Tuple((i8[:, ::1], f4[:, ::1], i8[::1]))({_ARRAYS}, i8[::1], i8[::1], "
    "f8[::1], i8[::1], i8[::1], i8, i8, b1[::1], f8[::1], i4[::1], i4[::1])",
}


@njit(cache=True, nogil=True)
def _worse(hs, hi, a, b):  # pragma: no cover - compiled
    """Whether heap entry `a` ranks below entry `b` (lower score, or tie and larger index)."""
    return hs[a] < hs[b] or (hs[a] == hs[b] and hi[a] > hi[b])


@njit(cache=True, nogil=True)
def _sift_down(hs, hi, i, size):  # pragma: no cover - compiled
    while True:
        low = i
        left = 2 * i + 1
        right = left + 1
        if left < size and _worse(hs, hi, left, low):
            low = left
        if right < size and _worse(hs, hi, right, low):
            low = right
        if low == i:
            return
        hs[i], hs[low] = hs[low], hs[i]
        hi[i], hi[low] = hi[low], hi[i]
        i = low


# per-document state during a query with several units: bit 30 marks a touched document,
# bits 16-29 hold 1 + the last unit that matched it, bits 0-15 the number of units matched
# (a query has at most max_query_length / 2 units, far below both limits)
_TOUCHED = 1 << 30
_UNIT_BITS = 0x3FFF0000
_COUNT_BITS = 0xFFFF


@njit(cache=True, nogil=True)
def _accumulate(
    indptr, indices, data, rows, weights, labels, n_units, scores, state, touched
):  # pragma: no cover - compiled
    """Add the entries of one query's rows into `scores` (zeroed on entry), counting in
    `state` (zeroed on entry) the units matching each document; the documents touched go
    to ``touched[:nt]``. Returns ``(nt, n_live)``, n_live the number of units matching
    some document (0 for a query of one unit)."""
    n_rows = rows.size
    nt = 0  # documents touched, listed in touched[:nt]
    n_live = 0  # units matching some document
    grouped = n_units > 1
    if grouped:  # rows unit by unit (-1, typo expansions, first), counting units matched
        for u in range(-1, n_units):
            live = False
            tag = (u + 1) << 16
            for r in range(n_rows):
                if labels[r] != u:
                    continue
                row = rows[r]
                w = weights[r]
                start, stop = indptr[row], indptr[row + 1]
                if u >= 0 and stop > start:
                    live = True
                for p in range(start, stop):
                    d = indices[p]
                    st = state[d]
                    if st == 0:
                        touched[nt] = d
                        nt += 1
                        st = _TOUCHED
                    scores[d] += np.float64(data[p]) * w
                    if u >= 0 and (st & _UNIT_BITS) != tag:
                        st = (st & _TOUCHED) | tag | ((st & _COUNT_BITS) + 1)
                    state[d] = st
            if live:
                n_live += 1
    else:
        for r in range(n_rows):
            row = rows[r]
            w = weights[r]
            for p in range(indptr[row], indptr[row + 1]):
                d = indices[p]
                if state[d] == 0:
                    touched[nt] = d
                    nt += 1
                    state[d] = _TOUCHED
                scores[d] += np.float64(data[p]) * w
    return nt, n_live


@njit(cache=True, nogil=True)
def _one(
    indptr, indices, data, rows, weights, labels, n_units, k, mask, scores, state, touched, hs, hi
):  # pragma: no cover - compiled
    """Score one query into `scores` and put its top `k` in ``hs``/``hi`` (sorted, best
    first); returns their number. `scores` and `state` (one slot per document) must come
    zeroed and are left so; `touched` holds a slot per document, ``hs``/``hi`` `k` slots."""
    nt, n_live = _accumulate(
        indptr, indices, data, rows, weights, labels, n_units, scores, state, touched
    )
    grouped = n_units > 1
    coordinate = grouped and n_live >= 2
    inv = 1.0 / n_live if coordinate else 1.0
    use_mask = mask.size > 0
    # the top k of the touched documents: a heap with the worst kept at its root
    size = 0
    worst_s = 0.0
    worst_d = 0
    for j in range(nt):
        d = touched[j]
        s = scores[d]
        if coordinate:
            s = s * (np.float64(state[d] & _COUNT_BITS) * inv)
        scores[d] = 0.0
        state[d] = 0
        if not s > 0.0 or (use_mask and not mask[d]) or k == 0:
            continue
        if size < k:  # grow the heap: sift the new entry up
            i = size
            hs[i] = s
            hi[i] = d
            size += 1
            while i > 0:
                parent = (i - 1) // 2
                if not _worse(hs, hi, i, parent):
                    break
                hs[i], hs[parent] = hs[parent], hs[i]
                hi[i], hi[parent] = hi[parent], hi[i]
                i = parent
            worst_s, worst_d = hs[0], hi[0]
        elif s > worst_s or (s == worst_s and d < worst_d):  # better than the worst kept
            hs[0] = s
            hi[0] = d
            _sift_down(hs, hi, 0, size)
            worst_s, worst_d = hs[0], hi[0]
    # heap -> sorted, best first: move the worst to the end, one by one
    for end in range(size - 1, 0, -1):
        hs[0], hs[end] = hs[end], hs[0]
        hi[0], hi[end] = hi[end], hi[0]
        _sift_down(hs, hi, 0, end)
    return size


@njit(SIGNATURES["search_top"], cache=True, nogil=True)
def search_top(
    indptr, indices, data, rows, weights, labels, n_units, n_docs, k, mask, scores, state, touched
):  # pragma: no cover
    """Top `k` documents of one query (compiled; see the module docstring).

    Parameters
    ----------
    indptr, indices, data : the score matrix (CSR, terms x documents).
    rows : int64 array, the matrix rows the query touches; weights : float64, their weights.
    labels : int64 array, the unit of each row (-1: none) when ``n_units > 1`` (else unused).
    n_docs, k : int; mask : bool array of the allowed documents, or empty for all.
    scores, state, touched : float64, int32, int32 arrays of `n_docs` slots, `scores` and
        `state` zeroed: the caller's scratch space, left zeroed (so one thread reuses it
        from query to query instead of allocating and clearing it per query, which costs
        more than the query on a large catalogue).

    Returns
    -------
    (int64 array, float32 array)
        Document indices and scores, best first (ties: smaller index first).
    """
    kk = min(k, n_docs)
    hs = np.empty(kk, dtype=np.float64)
    hi = np.empty(kk, dtype=np.int64)
    size = _one(
        indptr,
        indices,
        data,
        rows,
        weights,
        labels,
        n_units,
        kk,
        mask,
        scores,
        state,
        touched,
        hs,
        hi,
    )
    return hi[:size].copy(), hs[:size].astype(np.float32)


@njit(SIGNATURES["search_top_many"], cache=True, nogil=True)
def search_top_many(
    indptr,
    indices,
    data,
    qptr,
    rows,
    weights,
    labels,
    n_units,
    n_docs,
    k,
    mask,
    scores,
    state,
    touched,
):  # pragma: no cover - compiled
    """Top `k` documents of each query of a batch, as :func:`search_top` one by one.

    Query ``i`` touches ``rows[qptr[i]:qptr[i + 1]]`` (with their `weights` and `labels`)
    and has ``n_units[i]`` units. `scores`, `state`, `touched`: the caller's scratch space,
    as in :func:`search_top` (a thread's own, reused from block to block). Returns the
    indices ``(n_queries, k)`` (-1 past the hits), the scores (float32, 0 past the hits)
    and the number of hits of each query.
    """
    m = qptr.size - 1
    idx = np.full((m, k), -1, dtype=np.int64)
    sc = np.zeros((m, k), dtype=np.float32)
    found = np.zeros(m, dtype=np.int64)
    kk = min(k, n_docs)
    if kk == 0:
        return idx, sc, found
    hs = np.empty(kk, dtype=np.float64)
    hi = np.empty(kk, dtype=np.int64)
    for i in range(m):
        a, b = qptr[i], qptr[i + 1]
        if a == b:
            continue
        size = _one(
            indptr,
            indices,
            data,
            rows[a:b],
            weights[a:b],
            labels[a:b],
            n_units[i],
            kk,
            mask,
            scores,
            state,
            touched,
            hs,
            hi,
        )
        for j in range(size):
            idx[i, j] = hi[j]
            sc[i, j] = hs[j]
        found[i] = size
    return idx, sc, found


@njit(SIGNATURES["search_scores"], cache=True, nogil=True)
def search_scores(
    indptr, indices, data, rows, weights, labels, n_units, n_docs
):  # pragma: no cover - compiled
    """Score of every document for one query (float64, 0 where nothing matched): the
    arithmetic of :func:`search_top` (and of ``Snapshot.score``), without the selection."""
    scores = np.zeros(n_docs, dtype=np.float64)
    state = np.zeros(n_docs, dtype=np.int32)
    touched = np.empty(n_docs, dtype=np.int32)
    nt, n_live = _accumulate(
        indptr, indices, data, rows, weights, labels, n_units, scores, state, touched
    )
    if n_units > 1 and n_live >= 2:
        inv = 1.0 / n_live
        for j in range(nt):
            d = touched[j]
            scores[d] = scores[d] * (np.float64(state[d] & _COUNT_BITS) * inv)
    return scores
