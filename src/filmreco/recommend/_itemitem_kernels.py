"""Compiled inner loops of the item-item models (numba; private).

Two loops, both over the rows of a sparse product whose rows are reduced to their top k
at once, so neither a dense block of scores nor the full product is ever held:

- :func:`neighbour_rows`: rows ``start..stop-1`` of ``A @ B`` (items x users times users
  x items, float64 sums), each value turned into a similarity (divided by a cosine
  denominator, or multiplied by a per-column factor), the diagonal dropped, and the
  ``k`` largest positive values kept: the similarity build of
  :class:`~filmreco.recommend.ItemKNN` and :class:`~filmreco.recommend.RP3beta`;
- :func:`serve_rows`: rows of ``H @ S`` (user histories times the pruned similarity,
  float32 sums as scipy computes them), each row's excluded and non-candidate films
  skipped, and the ``n`` best returned, padded with zero-score films in index order as
  a dense selection over every film would be.

numpy reaches neither: it has to materialise a block of dense scores (one float per film
per row) and select over all of it, which measured 8.6x implicit's fit time and 2.2x its
serving time on 300k users x 30k films. The loops walk only the touched films with a
dense accumulator and a list of touched columns (Gustavson's sparse product; a row that
touches most films skips the list and reads the accumulator in order), and keep a
bounded heap per row. The similarity build first narrows a row to the values in and
above the histogram bin of its k-th largest value (the top bits of a positive float32
order as its value), so the heap sees about k values instead of thousands.

Both give exactly what the simple route gives (tested in ``tests/recommend``): the same
additions in the same order (scipy's SpGEMM visits a row's entries in storage order),
the same float conversions, and ties broken by the smaller column index. Each row is
computed by one thread, so the result does not depend on the blocks or threads; the
blocks run through :func:`filmreco._parallel.parallel_map` (``nogil``: threads run them
side by side).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["MODE_COSINE", "MODE_DOT", "MODE_SCALE", "neighbour_rows", "serve_rows"]

#: How an accumulated product becomes a similarity (see :func:`neighbour_rows`).
MODE_DOT, MODE_COSINE, MODE_SCALE = 0, 1, 2

#: Bins of the per-row histogram of similarity values (the top 11 bits of a positive
#: float32: exponent and 3 bits of mantissa, bins 1/8 of an octave wide).
_BIN_SHIFT = 20
_BINS = 1 << (32 - 1 - _BIN_SHIFT)

#: Terms added per film from which a row of the similarity is summed densely (see
#: :func:`neighbour_rows`; 2 measured best of 0.5-4 at 100k x 10k and 300k x 30k).
_DENSE_WORK = 2


@njit(nogil=True, cache=True, inline="always")
def _worse(va, ia, vb, ib):  # pragma: no cover - compiled
    """Whether (value va, column ia) ranks below (vb, ib): smaller value, or later column."""
    return va < vb or (va == vb and ia > ib)


@njit(nogil=True, cache=True)
def _sift_down(hv, hi, pos, size):  # pragma: no cover - compiled
    """Restore the heap (worst entry at the root) below `pos`."""
    v, c = hv[pos], hi[pos]
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and _worse(hv[child + 1], hi[child + 1], hv[child], hi[child]):
            child += 1
        if not _worse(hv[child], hi[child], v, c):
            break
        hv[pos], hi[pos] = hv[child], hi[child]
        pos = child
    hv[pos], hi[pos] = v, c


@njit(nogil=True, cache=True)
def _push(hv, hi, size, k, v, c):  # pragma: no cover - compiled
    """Offer (v, c) to the heap of the `k` best holding `size` entries; return the new size."""
    if size < k:
        pos = size
        while pos > 0:  # sift up
            parent = (pos - 1) // 2
            if not _worse(v, c, hv[parent], hi[parent]):
                break
            hv[pos], hi[pos] = hv[parent], hi[parent]
            pos = parent
        hv[pos], hi[pos] = v, c
        return size + 1
    if _worse(hv[0], hi[0], v, c):  # better than the worst kept: replace the root
        hv[0], hi[0] = v, c
        _sift_down(hv, hi, 0, size)
    return size


@njit(nogil=True, cache=True)
def _drain(hv, hi, size, out_v, out_i):  # pragma: no cover - compiled
    """Write the heap's entries best first into ``out_v[:size]``, ``out_i[:size]``."""
    for end in range(size - 1, -1, -1):
        out_v[end], out_i[end] = hv[0], hi[0]  # the worst left goes last
        hv[0], hi[0] = hv[end], hi[end]
        _sift_down(hv, hi, 0, end)


@njit(nogil=True, cache=True)
def _offer_value(heap, size, k, v):  # pragma: no cover - compiled
    """Offer `v` to a min-heap of the `k` largest values holding `size`; return the size.

    Only a strictly larger value enters a full heap, so the frequent ties of binary data
    cost one comparison each (a heap that also orders by column would pay a sift).
    """
    if size < k:
        pos = size
        while pos > 0:
            parent = (pos - 1) // 2
            if heap[parent] <= v:
                break
            heap[pos] = heap[parent]
            pos = parent
        heap[pos] = v
        return size + 1
    if v > heap[0]:
        pos = 0
        while True:
            child = 2 * pos + 1
            if child >= size:
                break
            if child + 1 < size and heap[child + 1] < heap[child]:
                child += 1
            if heap[child] >= v:
                break
            heap[pos] = heap[child]
            pos = child
        heap[pos] = v
    return size


@njit(nogil=True, cache=True)
def _keep_best(bv, bj, cnt, k, t, ties):  # pragma: no cover - compiled
    """Move the `k` best of ``bv[:cnt], bj[:cnt]`` (larger value, then smaller column) to
    the front, in no particular order, given `t`, the `k`-th largest value; return how
    many there are (``min(k, cnt)``)."""
    if cnt <= k:
        return cnt
    kept = 0
    nt = 0
    for p in range(cnt):
        v = bv[p]
        if v > t:
            bv[kept] = v
            bj[kept] = bj[p]
            kept += 1
        elif v == t:
            ties[nt] = bj[p]
            nt += 1
    need = k - kept
    if nt > need:  # the ties at the k-th value: the smallest columns
        ties[:nt].sort()
    for p in range(need):
        bv[kept + p] = t
        bj[kept + p] = ties[p]
    return k


@njit(nogil=True, cache=True)
def neighbour_rows(
    a_indptr, a_indices, a_data, b_indptr, b_indices, b_data,
    left, right, shrink, mode, start, stop, k, b_ones,
):  # fmt: skip  # pragma: no cover - compiled
    """The `k` largest positive similarities of rows ``start..stop-1`` of ``A @ B``.

    ``A`` (n x u) and ``B`` (u x n) are CSR (int64 ``indptr``, int32 ``indices``), both
    float32 or both float64; `b_ones` says every value of ``B`` is 1 (then ``B``'s values
    are not read: ``w * 1`` is ``w``). The product's value ``p`` of cell ``(i, j)``, summed
    in that precision in scipy's order (as ``(A @ B).toarray()`` holds it), then taken to
    float64, becomes ``p`` (``MODE_DOT``), ``p / (left[i] * right[j] + shrink)`` or 0 where
    that is not positive (``MODE_COSINE``), or ``p * right[j]`` (``MODE_SCALE``), then
    float32; the diagonal and values ``<= 0`` are dropped. Returns ``counts`` (int64, per
    row) and the kept ``indices`` (int32) and ``values`` (float32) of the rows one after
    the other, each row's `k` best (ties by the smaller column) in column order: the rows
    of a canonical CSR.
    """
    n = right.size
    rows = stop - start
    counts = np.zeros(rows, dtype=np.int64)
    out_i = np.empty(rows * k, dtype=np.int32)
    out_v = np.empty(rows * k, dtype=np.float32)
    acc = np.zeros(n, dtype=b_data.dtype)
    # one slot more than films: the first-touch test below writes before it counts
    touched = np.empty(n + 1, dtype=np.int32)
    heap = np.empty(max(k, 1), dtype=np.float32)
    bv = np.empty(n + 1, dtype=np.float32)
    bj = np.empty(n + 1, dtype=np.int32)
    ties = np.empty(n, dtype=np.int32)
    # the bits of a positive float32 order as its values: a histogram of their top bits
    # below the sign (exponent, 3 bits of mantissa) locate the k-th largest value of a row
    bits = bv.view(np.uint32)
    hist = np.zeros(_BINS, dtype=np.int32)
    pos = 0
    for r in range(start, stop):
        # a row adding at least _DENSE_WORK terms per film is summed without listing the
        # touched films, and read back over all films in order (most of them are touched)
        work = 0
        for p in range(a_indptr[r], a_indptr[r + 1]):
            u = a_indices[p]
            work += b_indptr[u + 1] - b_indptr[u]
        dense = work >= _DENSE_WORK * n
        nt = 0
        if dense:
            nt = n
            for p in range(a_indptr[r], a_indptr[r + 1]):
                u = a_indices[p]
                w = a_data[p]
                if not w > 0:
                    continue
                if b_ones:
                    for q in range(b_indptr[u], b_indptr[u + 1]):
                        acc[b_indices[q]] += w
                else:
                    for q in range(b_indptr[u], b_indptr[u + 1]):
                        acc[b_indices[q]] += w * b_data[q]
        for p in range(a_indptr[r], a_indptr[r] if dense else a_indptr[r + 1]):
            u = a_indices[p]
            w = a_data[p]
            if not w > 0:  # nothing to add (the values are non-negative)
                continue
            # the touched films are listed without a branch (a first touch is unpredictable):
            # the film is written at the list's end, which moves on only on a first touch
            # (sums of positive terms stay positive, so acc == 0 means untouched)
            if b_ones:
                for q in range(b_indptr[u], b_indptr[u + 1]):
                    j = b_indices[q]
                    a = acc[j]
                    touched[nt] = j
                    nt += a == 0
                    acc[j] = a + w
            else:
                for q in range(b_indptr[u], b_indptr[u + 1]):
                    j = b_indices[q]
                    x = w * b_data[q]
                    a = acc[j]
                    touched[nt] = j
                    nt += (a == 0) & (x > 0)
                    acc[j] = a + x
        # the row's similarities, the diagonal and values <= 0 dropped (branch-free: each
        # is written, and kept by moving on); one loop per mode
        lr = left[r]
        cnt = 0
        if mode == MODE_COSINE:
            for t in range(nt):
                j = t if dense else touched[t]
                s = np.float64(acc[j])
                acc[j] = 0
                denom = lr * right[j] + shrink
                v = np.float32(s / denom if denom > 0 else 0.0)
                bv[cnt] = v
                bj[cnt] = j
                keep = (v > 0) & (j != r)
                hist[(bits[cnt] >> _BIN_SHIFT) & (_BINS - 1)] += keep
                cnt += keep
        elif mode == MODE_SCALE:
            for t in range(nt):
                j = t if dense else touched[t]
                v = np.float32(np.float64(acc[j]) * right[j])
                acc[j] = 0
                bv[cnt] = v
                bj[cnt] = j
                keep = (v > 0) & (j != r)
                hist[(bits[cnt] >> _BIN_SHIFT) & (_BINS - 1)] += keep
                cnt += keep
        else:
            for t in range(nt):
                j = t if dense else touched[t]
                v = np.float32(np.float64(acc[j]))
                acc[j] = 0
                bv[cnt] = v
                bj[cnt] = j
                keep = (v > 0) & (j != r)
                hist[(bits[cnt] >> _BIN_SHIFT) & (_BINS - 1)] += keep
                cnt += keep
        # then the k best, only for a row holding more: the bin of the k-th largest value
        # from the histogram, the entries of that bin and above moved to the front (the
        # rest rank below all of them), and among those the k-th largest value from a
        # min-heap of values, then the entries above it and the ties of smallest columns
        if k == 0:
            cnt = 0
        elif cnt > k:
            top = _BINS - 1
            above = hist[top]
            while above < k:
                top -= 1
                above += hist[top]
            m = 0
            for c in range(cnt):
                inside = (bits[c] >> _BIN_SHIFT) >= top
                bv[m] = bv[c]
                bj[m] = bj[c]
                m += inside
            cnt = m
            if cnt > k:
                size = 0
                for c in range(cnt):
                    v = bv[c]
                    if size < k or v > heap[0]:
                        size = _offer_value(heap, size, k, v)
                cnt = _keep_best(bv, bj, cnt, k, heap[0], ties)
        hist[:] = 0
        order = np.argsort(bj[:cnt])
        for t in range(cnt):
            out_i[pos + t] = bj[order[t]]
            out_v[pos + t] = bv[order[t]]
        pos += cnt
        counts[r - start] = cnt
    if 2 * pos < out_i.size:  # a view would keep the whole (rows * k) buffers alive
        return counts, out_i[:pos].copy(), out_v[:pos].copy()
    return counts, out_i[:pos], out_v[:pos]


@njit(nogil=True, cache=True)
def serve_rows(
    h_indptr, h_indices, h_data, s_indptr, s_indices, s_data,
    ex_indptr, ex_indices, allowed, n,
):  # fmt: skip  # pragma: no cover - compiled
    """Top `n` films of each row of ``H @ S`` (float32), skipping excluded / disallowed films.

    ``H`` (rows x films, float32 CSR) holds the users' histories, ``S`` (films x films,
    float32 CSR) the similarity (int64 ``indptr``, int32 ``indices``, as ``ex_*``); row ``r``'s excluded films are
    ``ex_indices[ex_indptr[r]:ex_indptr[r + 1]]`` (an empty ``ex_indptr`` excludes none)
    and ``allowed`` (bool per film) the candidates. Ranks as a dense selection over every
    allowed, non-excluded film would (best first, ties by the smaller column): positive
    scores first, then films scoring 0 in index order, ``-1`` / ``-inf`` padding when the
    allowed films run out. Returns ``(indices, values, ok)``; ``ok[r]`` is False for a row
    with a negative or NaN score, which the caller must rank another way.
    """
    n_rows = h_indptr.size - 1
    m = allowed.size
    out_i = np.full((n_rows, n), -1, dtype=np.int64)
    out_v = np.full((n_rows, n), -np.inf, dtype=np.float32)
    ok = np.ones(n_rows, dtype=np.bool_)
    acc = np.zeros(m, dtype=np.float32)
    mark = np.zeros(m, dtype=np.bool_)
    banned = np.zeros(m, dtype=np.bool_)
    touched = np.empty(m, dtype=np.int64)
    hv = np.empty(max(n, 1), dtype=np.float32)
    hi = np.empty(max(n, 1), dtype=np.int64)
    has_ex = ex_indptr.size > 0
    for r in range(n_rows):
        nt = 0
        for p in range(h_indptr[r], h_indptr[r + 1]):
            i = h_indices[p]
            h = h_data[p]
            for q in range(s_indptr[i], s_indptr[i + 1]):
                j = s_indices[q]
                if not mark[j]:
                    mark[j] = True
                    touched[nt] = j
                    nt += 1
                acc[j] += h * s_data[q]
        if has_ex:
            for p in range(ex_indptr[r], ex_indptr[r + 1]):
                banned[ex_indices[p]] = True
        size = 0
        for t in range(nt):
            j = touched[t]
            v = acc[j]
            if not v >= 0:  # negative or NaN: a dense selection must rank this row
                ok[r] = False
            elif v > 0 and allowed[j] and not banned[j] and n > 0:
                if size < n or _worse(hv[0], hi[0], v, j):
                    size = _push(hv, hi, size, n, v, j)
        if ok[r]:
            _drain(hv, hi, size, out_v[r], out_i[r])
            j = 0
            while size < n and j < m:  # pad with films scoring 0, in index order
                if allowed[j] and not banned[j] and acc[j] == 0:
                    out_i[r, size] = j
                    out_v[r, size] = 0.0
                    size += 1
                j += 1
        for t in range(nt):
            j = touched[t]
            acc[j] = 0.0
            mark[j] = False
        if has_ex:
            for p in range(ex_indptr[r], ex_indptr[r + 1]):
                banned[ex_indices[p]] = False
    return out_i, out_v, ok


@njit(nogil=True, cache=True)
def bm25_entries(
    indptr, indices, data, row_value, col_value, row_is_weight, k1
):  # pragma: no cover - compiled
    """BM25 weights (float32) of a CSR's entries in storage order, one pass.

    An entry with count ``tf`` in row ``r`` and column ``c`` gets ``w * tf * (k1 + 1) /
    (l + tf)`` with ``(w, l) = (row_value[r], col_value[c])`` when `row_is_weight`, else
    ``(col_value[c], row_value[r])``; computed in float64 in the order of
    :func:`filmreco.sparse._weighting.bm25_values` (same bits), then rounded to float32.
    The caller passes a validated CSR whose rows and columns index `row_value` and
    `col_value`.
    """
    out = np.empty(data.size, dtype=np.float32)
    for r in range(indptr.size - 1):
        rv = row_value[r]
        for p in range(indptr[r], indptr[r + 1]):
            tf = np.float64(data[p])
            cv = col_value[indices[p]]
            if row_is_weight:
                v = rv * tf
                v *= k1 + 1.0
                v /= cv + tf
            else:
                v = cv * tf
                v *= k1 + 1.0
                v /= rv + tf
            out[p] = np.float32(v)
    return out
