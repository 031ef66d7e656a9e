"""Compiled loops of :class:`~filmreco.recommend.SANSA` (numba; private).

- :func:`incomplete_ldlt`: a fill-limited incomplete ``L D L^T`` of a sparse symmetric
  positive definite matrix, left-looking (column ``j`` is updated by every earlier column
  ``k`` with ``L[j, k] != 0``, found through linked lists of the columns' next rows, as in
  a sparse left-looking Cholesky), keeping the ``p`` largest off-diagonal entries of each
  column. The dropped entries are compensated on the diagonal (Jennings and Malik): a
  dropped Schur-complement entry ``w`` at ``(i, j)`` adds ``|w|`` to the pivot ``j`` and to
  the later pivot ``i``, so the factors are the exact ``L D L^T`` of ``A + E`` with ``E``
  positive semidefinite, and every pivot stays positive. With ``p >= n - 1`` nothing is
  dropped and the factors are the exact ones.
- :func:`unit_lower_inverse`: rows of ``K ~ L^{-1}`` for a unit lower-triangular ``L``,
  row ``i`` from the recurrence ``K[i] = e_i - sum_m L[i, m] K[m]`` over the (already
  truncated) earlier rows, each row truncated to its ``p`` largest off-diagonal entries:
  exact with ``p >= n - 1``.
- :func:`score_rows`: ``x - ((x * s) M^T M) / c`` for a block of user rows ``x``, with
  ``M`` (factor rows x items) held both ways (``Mt`` items x rows, and ``M``); a dense
  accumulator per row over the touched factor rows (Gustavson's sparse product), skipping
  the factor rows whose weight is below a share of the row's largest.

Each function is a plain sequential loop; the scoring runs over blocks of users through
:func:`filmreco._parallel.parallel_map`, each row by one thread.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["incomplete_ldlt", "score_rows", "unit_lower_inverse"]


@njit(nogil=True, cache=True)
def _keep_largest(rows, vals, cnt, p, absbuf):  # pragma: no cover - compiled
    """Mark (in place, by moving them to the front) the `p` largest ``|vals|`` of the
    first `cnt` entries, ties by the smaller row; return how many are kept."""
    if cnt <= p:
        return cnt
    if p == 0:
        return 0
    for t in range(cnt):
        absbuf[t] = abs(vals[t])
    thr = np.partition(absbuf[:cnt], cnt - p)[cnt - p]
    kept = 0
    for t in range(cnt):  # strictly above the threshold
        if abs(vals[t]) > thr:
            r, v = rows[kept], vals[kept]
            rows[kept], vals[kept] = rows[t], vals[t]
            rows[t], vals[t] = r, v
            kept += 1
    if kept < p:  # ties at the threshold: the smallest rows
        nt = 0
        for t in range(kept, cnt):
            if abs(vals[t]) == thr:
                absbuf[nt] = rows[t]
                nt += 1
        tie_rows = np.sort(absbuf[:nt])[: p - kept]
        limit = tie_rows[-1]
        for t in range(kept, cnt):
            if kept == p:
                break
            if abs(vals[t]) == thr and rows[t] <= limit:
                r, v = rows[kept], vals[kept]
                rows[kept], vals[kept] = rows[t], vals[t]
                rows[t], vals[t] = r, v
                kept += 1
    return kept


@njit(inline="always")
def _room(a, need, limit):  # pragma: no cover - compiled
    """`a`, or a copy of it at least `need` long (doubling, at most `limit`)."""
    if need <= a.size:
        return a
    b = np.empty(min(max(2 * a.size, need), limit), dtype=a.dtype)
    b[: a.size] = a
    return b


@njit(nogil=True, cache=True)
def incomplete_ldlt(indptr, indices, data, p, floor, omega=1.0):  # pragma: no cover - compiled
    """Incomplete ``L D L^T`` of the symmetric matrix whose lower triangle (diagonal
    included) is the CSC ``(indptr, indices, data)`` (rows sorted within each column).

    Keeps the `p` largest off-diagonal entries of each column of ``L`` and compensates
    the dropped ones on the diagonal (see the module). A pivot below ``floor[j]`` (only
    possible through rounding, or for a matrix that is not positive definite) is raised
    to it. Returns ``(Lp, Li, Lx, D, n_floored)``: ``L``'s strictly lower part as CSC
    (rows sorted), its unit diagonal implicit, and the pivots.
    """
    n = indptr.size - 1
    cap = 0
    for j in range(n):
        cap += min(p, n - 1 - j)
    # the arrays grow as the columns are kept: n * p entries up front would take memory
    # in the catalogue's square whatever the data (45,000 films at density 0.3: 9.7 GB)
    first = min(cap, max(2 * indices.size, 8 * n))
    Lp = np.zeros(n + 1, dtype=np.int64)
    Li = np.empty(first, dtype=np.int64)
    Lx = np.empty(first, dtype=np.float64)
    D = np.empty(n, dtype=np.float64)
    w = np.zeros(n, dtype=np.float64)
    mark = np.full(n, -1, dtype=np.int64)
    rows = np.empty(n, dtype=np.int64)
    vals = np.empty(n, dtype=np.float64)
    absbuf = np.empty(n, dtype=np.float64)
    head = np.full(n, -1, dtype=np.int64)
    nxt = np.full(n, -1, dtype=np.int64)
    pos = np.zeros(n, dtype=np.int64)
    extra = np.zeros(n, dtype=np.float64)
    n_floored = 0
    for j in range(n):
        nt = 0
        mark[j] = j
        w[j] = extra[j]
        for q in range(indptr[j], indptr[j + 1]):
            i = indices[q]
            if i < j:
                continue
            if mark[i] != j:
                mark[i] = j
                w[i] = 0.0
                rows[nt] = i
                nt += 1
            w[i] += data[q]
        k = head[j]
        while k != -1:
            nk = nxt[k]
            pk = pos[k]
            end = Lp[k + 1]
            ljk = Lx[pk]
            f = ljk * D[k]
            w[j] -= ljk * f
            for t in range(pk + 1, end):
                i = Li[t]
                if mark[i] != j:
                    mark[i] = j
                    w[i] = 0.0
                    rows[nt] = i
                    nt += 1
                w[i] -= Lx[t] * f
            pk += 1
            pos[k] = pk
            if pk < end:
                r = Li[pk]
                nxt[k] = head[r]
                head[r] = k
            k = nk
        head[j] = -1
        for t in range(nt):
            vals[t] = w[rows[t]]
        kept = _keep_largest(rows, vals, nt, p, absbuf)
        d = w[j]
        for t in range(kept, nt):  # dropped: compensate on both diagonals
            a = omega * abs(vals[t])
            d += a
            extra[rows[t]] += a
        if not d >= floor[j]:
            d = floor[j]
            n_floored += 1
        D[j] = d
        order = np.argsort(rows[:kept])
        start = Lp[j]
        Li = _room(Li, start + kept, cap)
        Lx = _room(Lx, start + kept, cap)
        for t in range(kept):
            o = order[t]
            Li[start + t] = rows[o]
            Lx[start + t] = vals[o] / d
        Lp[j + 1] = start + kept
        pos[j] = start
        if kept > 0:
            r = Li[start]
            nxt[j] = head[r]
            head[r] = j
    return Lp, Li[: Lp[n]], Lx[: Lp[n]], D, n_floored


@njit(nogil=True, cache=True)
def unit_lower_inverse(indptr, indices, data, p):  # pragma: no cover - compiled
    """Rows of ``K ~ L^{-1}`` for ``L = I + (strictly lower CSR (indptr, indices, data))``.

    Row ``i`` is ``e_i - sum_m L[i, m] K[m]`` over the earlier (truncated) rows, cut to
    its `p` largest off-diagonal entries (ties by the smaller column). Returns ``K`` as
    CSR ``(Kp, Ki, Kx)``, columns sorted, the unit diagonal stored.
    """
    n = indptr.size - 1
    cap = 0
    for i in range(n):
        cap += min(p, i) + 1
    first = min(cap, max(2 * indices.size + n, 8 * n))  # grown as rows are kept (see above)
    Kp = np.zeros(n + 1, dtype=np.int64)
    Ki = np.empty(first, dtype=np.int64)
    Kx = np.empty(first, dtype=np.float64)
    acc = np.zeros(n, dtype=np.float64)
    mark = np.full(n, -1, dtype=np.int64)
    cols = np.empty(n, dtype=np.int64)
    vals = np.empty(n, dtype=np.float64)
    absbuf = np.empty(n, dtype=np.float64)
    for i in range(n):
        nt = 0
        for q in range(indptr[i], indptr[i + 1]):
            m = indices[q]
            lim = data[q]
            for t in range(Kp[m], Kp[m + 1]):
                c = Ki[t]
                if mark[c] != i:
                    mark[c] = i
                    acc[c] = 0.0
                    cols[nt] = c
                    nt += 1
                acc[c] -= lim * Kx[t]
        for t in range(nt):
            vals[t] = acc[cols[t]]
        kept = _keep_largest(cols, vals, nt, p, absbuf)
        order = np.argsort(cols[:kept])
        start = Kp[i]
        Ki = _room(Ki, start + kept + 1, cap)
        Kx = _room(Kx, start + kept + 1, cap)
        for t in range(kept):
            o = order[t]
            Ki[start + t] = cols[o]
            Kx[start + t] = vals[o]
        Ki[start + kept] = i
        Kx[start + kept] = 1.0
        Kp[i + 1] = start + kept + 1
    return Kp, Ki[: Kp[n]], Kx[: Kp[n]]


@njit(nogil=True, cache=True)
def score_rows(
    h_indptr, h_indices, h_data, scale, mt_indptr, mt_indices, mt_data,
    m_indptr, m_indices, m_data, colscale, tol,
):  # fmt: skip  # pragma: no cover - compiled
    """``x - ((x * scale) Mt) M * colscale`` for every row ``x`` of the CSR ``H``, float32.

    ``Mt`` (items x factor rows) and ``M`` (factor rows x items) are the same matrix as
    CSR both ways; sums are float64, one dense accumulator per row. Entries of the
    intermediate row ``y = (x * scale) Mt`` below ``tol * max|y|`` are skipped (``tol=0``:
    the exact product).
    """
    n_rows = h_indptr.size - 1
    n_items = colscale.size
    n_fac = m_indptr.size - 1
    out = np.zeros((n_rows, n_items), dtype=np.float32)
    y = np.zeros(n_fac, dtype=np.float64)
    touched = np.empty(n_fac, dtype=np.int64)
    mark = np.zeros(n_fac, dtype=np.bool_)
    acc = np.zeros(n_items, dtype=np.float64)
    for u in range(n_rows):
        nt = 0
        for p in range(h_indptr[u], h_indptr[u + 1]):
            i = h_indices[p]
            xs = np.float64(h_data[p]) * scale[i]
            for q in range(mt_indptr[i], mt_indptr[i + 1]):
                r = mt_indices[q]
                if not mark[r]:
                    mark[r] = True
                    touched[nt] = r
                    nt += 1
                y[r] += xs * mt_data[q]
        cut = 0.0
        for t in range(nt):
            a = abs(y[touched[t]])
            if a > cut:
                cut = a
        cut *= tol
        for t in range(nt):
            r = touched[t]
            yr = y[r]
            y[r] = 0.0
            mark[r] = False
            if abs(yr) < cut:
                continue
            for q in range(m_indptr[r], m_indptr[r + 1]):
                acc[m_indices[q]] += yr * m_data[q]
        for p in range(h_indptr[u], h_indptr[u + 1]):  # the user's own films: x_i - ...
            i = h_indices[p]
            acc[i] -= np.float64(h_data[p]) / colscale[i]
        for c in range(n_items):
            out[u, c] = np.float32(-acc[c] * colscale[c])
            acc[c] = 0.0
    return out
