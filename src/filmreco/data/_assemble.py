"""Events to a canonical CSR in a few compiled passes, holding little more than the result
(private; used by :meth:`filmreco.data.Interactions.from_arrays`).

The plain route (``np.unique`` id maps, then ``coo -> csr``, or :func:`filmreco.sparse.build_csr`)
holds several int64 copies of every event at once: codes, sort keys, a sort order, sorted
copies. At 20M events that is 14-32 times the final matrix. Here:

- an integer id column spanning a range not much wider than the number of events (MovieLens,
  SNAP, platform exports) gets its codes from a table over that range, filled in one pass in
  order of first appearance (:func:`appearance_table`): no array per event;
- the matrix is built by a counting sort straight into the CSR's own arrays
  (:func:`assemble_csr`): row counts (one pass), each event written to its row's next
  free slot (one pass; the codes are looked up on the fly), then each row's entries
  sorted by column (stable, so input order stays within a (row, column)) and merged in
  place under the duplicate policy. The arrays are allocated once at the number of events
  and shrunk in place (``ndarray.resize``) to the number of entries.

The result is the one :func:`~filmreco.sparse.build_csr` gives (tested in
``tests/test_data_assemble.py``): the same entries, values reduced in input order (sum in
the values' precision and numpy's pairwise order, max, last, count), timestamps by max.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit

__all__ = ["MIN_EVENTS", "Codes", "appearance_table", "assemble_csr", "merge_csr"]

#: Fewest events for the compiled route. Below it the numpy route (``build_csr``, same
#: result) is quicker than numba's first call in a process (about 0.5 s even with the
#: compiled code in numba's disk cache; seconds when it must compile), and takes little
#: memory anyway.
MIN_EVENTS = 500_000

#: Duplicate policies, as codes for the compiled loop.
_POLICY = {"sum": 0, "max": 1, "last": 2, "count": 3, "raise": 2}


class Codes(NamedTuple):
    """Where an id column's codes come from: ``table[source[e] - lo]`` when `table` is not
    empty, else ``source[e]`` itself (codes already; -1 marks an event to drop)."""

    source: np.ndarray
    lo: int
    table: np.ndarray


@njit(cache=True)
def _appearance(ids, lo, span):  # pragma: no cover - compiled
    code = np.full(span, -1, dtype=np.int32)
    order = np.empty(span, dtype=np.int64)
    n = 0
    for e in range(ids.size):
        o = ids[e] - lo
        if code[o] < 0:
            code[o] = n
            order[n] = ids[e]
            n += 1
    return code, order[:n].copy()


def appearance_table(ids: np.ndarray, *, max_span: int) -> tuple[np.ndarray, Codes] | None:
    """Distinct ids of an integer column in order of first appearance, and its :class:`Codes`.

    None when the ids are not integers or span more than `max_span` values (then a sort is
    the cheaper route). The table holds an int32 code per value of the span.
    """
    if ids.dtype.kind not in "iu" or ids.dtype == np.uint64 or not 0 < ids.size < 2**31:
        return None
    lo, hi = int(ids.min()), int(ids.max())
    span = hi - lo + 1
    if span > max_span:
        return None
    code, order = _appearance(ids, np.int64(lo), span)
    return order, Codes(ids, lo, code)


@njit(inline="always")
def _code_of(source, lo, table, e):  # pragma: no cover - compiled
    x = source[e]
    if table.size:
        return np.int64(table[x - lo])
    return np.int64(x)


@njit(cache=True)
def _scatter(
    u_src, u_lo, u_tab, i_src, i_lo, i_tab, vals, ts, n_rows, cols, out, out_ts
):  # fmt: skip  # pragma: no cover - compiled
    """Counting sort of the events into rows: returns the row offsets (int64, n_rows + 1)."""
    m = u_src.size
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    for e in range(m):
        r = _code_of(u_src, u_lo, u_tab, e)
        c = _code_of(i_src, i_lo, i_tab, e)
        if r >= 0 and c >= 0:
            indptr[r + 1] += 1
    for r in range(n_rows):
        indptr[r + 1] += indptr[r]
    nxt = indptr[:-1].copy()
    has_vals = vals.size > 0
    has_ts = ts.size > 0
    for e in range(m):
        r = _code_of(u_src, u_lo, u_tab, e)
        c = _code_of(i_src, i_lo, i_tab, e)
        if r < 0 or c < 0:
            continue
        p = nxt[r]
        nxt[r] = p + 1
        cols[p] = c
        if has_vals:
            out[p] = np.float64(vals[e])
        else:
            out[p] = 1.0
        if has_ts:
            out_ts[p] = ts[e]
    return indptr


@njit(cache=True)
def _pairwise(a, s, n):  # pragma: no cover - compiled
    """Sum of ``a[s:s+n]`` in numpy's pairwise order (``np.add.reduce`` of floats): below 8
    terms one after the other, up to 128 in 8 interleaved partial sums, above that the two
    halves (cut at a multiple of 8) summed apart."""
    if n < 8:
        res = a[s] - a[s]  # a zero of a's dtype
        for i in range(n):
            res += a[s + i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[s], a[s + 1], a[s + 2], a[s + 3]
        r4, r5, r6, r7 = a[s + 4], a[s + 5], a[s + 6], a[s + 7]
        i = 8
        while i < n - n % 8:
            r0 += a[s + i]
            r1 += a[s + i + 1]
            r2 += a[s + i + 2]
            r3 += a[s + i + 3]
            r4 += a[s + i + 4]
            r5 += a[s + i + 5]
            r6 += a[s + i + 6]
            r7 += a[s + i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[s + i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise(a, s, n2) + _pairwise(a, s + n2, n - n2)


@njit(cache=True)
def _merge_rows(indptr, cols, out, out_ts, policy):  # pragma: no cover - compiled
    """Sort each row by column (stable) and merge repeated columns in place.

    Returns the new offsets, the number of entries, the number of (row, col) pairs that
    occurred more than once, and the first such pair (row, col, count) in CSR order.
    """
    n_rows = indptr.size - 1
    new_ptr = np.zeros(n_rows + 1, dtype=np.int64)
    has_ts = out_ts.size > 0
    w = 0
    n_dup = 0
    first_r = -1
    first_c = -1
    first_n = 0
    tmp_c = np.empty(0, dtype=cols.dtype)
    tmp_v = np.empty(0, dtype=out.dtype)
    tmp_t = np.empty(0, dtype=np.float64)
    for r in range(n_rows):
        s = indptr[r]
        e = indptr[r + 1]
        n = e - s
        if n > 1:
            sorted_ = True
            for p in range(s + 1, e):
                if cols[p] < cols[p - 1]:
                    sorted_ = False
                    break
            if not sorted_:
                if n <= 32:  # insertion sort: stable, no allocation
                    for p in range(s + 1, e):
                        c = cols[p]
                        v = out[p]
                        t = out_ts[p] if has_ts else 0.0
                        q = p - 1
                        while q >= s and cols[q] > c:
                            cols[q + 1] = cols[q]
                            out[q + 1] = out[q]
                            if has_ts:
                                out_ts[q + 1] = out_ts[q]
                            q -= 1
                        cols[q + 1] = c
                        out[q + 1] = v
                        if has_ts:
                            out_ts[q + 1] = t
                else:
                    order = np.argsort(cols[s:e], kind="mergesort")
                    if tmp_c.size < n:
                        tmp_c = np.empty(n, dtype=cols.dtype)
                        tmp_v = np.empty(n, dtype=out.dtype)
                        if has_ts:
                            tmp_t = np.empty(n, dtype=np.float64)
                    for q in range(n):
                        tmp_c[q] = cols[s + order[q]]
                        tmp_v[q] = out[s + order[q]]
                        if has_ts:
                            tmp_t[q] = out_ts[s + order[q]]
                    for q in range(n):
                        cols[s + q] = tmp_c[q]
                        out[s + q] = tmp_v[q]
                        if has_ts:
                            out_ts[s + q] = tmp_t[q]
        p = s
        while p < e:
            c = cols[p]
            q = p + 1
            while q < e and cols[q] == c:
                q += 1
            k = q - p
            if k == 1:
                v = out[p]
            elif policy == 0:  # as np.add.reduceat: the first, plus the rest pairwise
                v = out[p] + _pairwise(out, p + 1, k - 1)
            elif policy == 1:
                v = out[p]
                for t in range(p + 1, q):
                    if out[t] > v:
                        v = out[t]
            elif policy == 2:
                v = out[q - 1]
            else:
                v = out[p]
            if k > 1:
                if n_dup == 0:
                    first_r = r
                    first_c = c
                    first_n = k
                n_dup += 1
            if has_ts:
                tmax = out_ts[p]
                for t in range(p + 1, q):
                    if out_ts[t] > tmax:
                        tmax = out_ts[t]
                out_ts[w] = tmax
            cols[w] = c
            if policy == 3:
                out[w] = k
            else:
                out[w] = v
            w += 1
            p = q
        new_ptr[r + 1] = w
    return new_ptr, w, n_dup, first_r, first_c, first_n


def assemble_csr(
    users: Codes,
    items: Codes,
    values: np.ndarray | None,
    timestamps: np.ndarray | None,
    *,
    shape: tuple[int, int],
    duplicates: str,
    dtype: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, tuple[int, int, int, int, int]]:
    """``(data, indices, indptr, timestamps, (n_in, n_dup, row, col, count))`` of the
    canonical CSR of the events, merged under `duplicates` (timestamps by max).

    `values` is numeric (any int, float or bool dtype; converted through float64 to
    `dtype`, float32 or float64) or None (ones). Events whose user or item code is -1 are
    left out; ``n_in`` is the number of events kept. ``n_dup`` counts the (row, col) pairs that occurred more than once, and
    ``(row, col, count)`` is the first of them in CSR order (-1, -1, 0 when none).
    """
    n_rows, n_cols = shape
    m = users.source.size
    cols = np.empty(m, dtype=np.int32 if n_cols < 2**31 else np.int64)
    out = np.empty(m, dtype=dtype)
    out_ts = np.empty(m if timestamps is not None else 0, dtype=np.float64)
    none = np.zeros(0, dtype=np.float64)
    indptr = _scatter(
        users.source, np.int64(users.lo), users.table, items.source, np.int64(items.lo),
        items.table, none if values is None else values,
        none if timestamps is None else timestamps, n_rows, cols, out, out_ts,
    )  # fmt: skip
    return merge_csr(indptr, cols, out, out_ts if timestamps is not None else None, duplicates)


def merge_csr(
    indptr: np.ndarray,
    cols: np.ndarray,
    out: np.ndarray,
    out_ts: np.ndarray | None,
    duplicates: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, tuple[int, int, int, int, int]]:
    """The second half of :func:`assemble_csr`, for events already placed in their rows.

    `indptr` (int64) gives each row's slots in `cols`, `out` and `out_ts` (None: no
    timestamps), in input order within a row; the arrays may be longer than ``indptr[-1]``.
    Sorts each row by column, merges under `duplicates` and shrinks the arrays in place.
    """
    n_in = int(indptr[-1])
    ts_arr = np.zeros(0, dtype=np.float64) if out_ts is None else out_ts
    if n_in < cols.size:  # events left out (unknown ids): the arrays hold n_in of them
        cols.resize(n_in, refcheck=False)
        out.resize(n_in, refcheck=False)
        if out_ts is not None:
            ts_arr.resize(n_in, refcheck=False)
    indptr, nnz, n_dup, r, c, k = _merge_rows(indptr, cols, out, ts_arr, _POLICY[duplicates])
    cols.resize(nnz, refcheck=False)  # in place (realloc): no second copy
    out.resize(nnz, refcheck=False)
    ts = None
    if out_ts is not None:
        ts_arr.resize(nnz, refcheck=False)
        ts = ts_arr
    if nnz < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    return out, cols, indptr, ts, (n_in, int(n_dup), int(r), int(c), int(k))
