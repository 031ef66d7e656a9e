"""Compiled inner loops of ALS and BPR (numba; private).

numba is used because a per-user conjugate-gradient step touches a few dozen sparse rows
with a tiny dense system each: vectorising that with numpy means gathering
``nnz x n_factors`` floats several times per sweep, which measured 10-20x slower than
implicit's compiled ALS on ml-1m. Every loop here is one code path, tested against
simple numpy references in ``tests/recommend``.

Determinism: ALS sweeps parallelise over users (or items) with ``prange``; each row's
arithmetic is sequential, so the result does not depend on the number of threads. BPR's
stochastic gradient steps run sequentially, driven by random numbers drawn in numpy.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["als_loss", "als_sweep", "bpr_epoch", "bpr_fold_in", "select_topn"]


@njit(parallel=True, fastmath=True, cache=True, nogil=True)
def als_sweep(indptr, indices, conf, X, Y, A, cg_steps, rows, extra):  # pragma: no cover
    """Update ``X[rows[k]]`` by `cg_steps` conjugate-gradient steps (Takács et al., 2011).

    Solves ``(A + e_k I + Y_u' (C_u - I) Y_u) x = Y_u' c_u`` per row, where
    ``A = Y'Y + reg I``, ``e_k = extra[k]`` (a per-row addition to the ridge; `extra` may
    be empty: none), the row's items are ``indices[indptr[k]:indptr[k+1]]`` with
    confidences ``conf`` (``>= 1``; stored entries are positives), starting from the
    current ``X[rows[k]]``.
    """
    f = X.shape[1]
    zero = np.float32(0.0)
    one = np.float32(1.0)
    has_extra = extra.size > 0
    for k in prange(rows.size):
        u = rows[k]
        x = X[u].copy()
        e = extra[k] if has_extra else zero
        r = np.empty(f, dtype=np.float32)
        for a in range(f):
            s = zero
            for b in range(f):
                s += A[a, b] * x[b]
            if has_extra:
                s += e * x[a]
            r[a] = -s
        for t in range(indptr[k], indptr[k + 1]):
            y = Y[indices[t]]
            c = conf[t]
            d = zero
            for a in range(f):
                d += y[a] * x[a]
            w = c - (c - one) * d
            for a in range(f):
                r[a] += w * y[a]
        p = r.copy()
        rs = zero
        for a in range(f):
            rs += r[a] * r[a]
        if rs < 1e-20:
            continue
        Ap = np.empty(f, dtype=np.float32)
        for _ in range(cg_steps):
            for a in range(f):
                s = zero
                for b in range(f):
                    s += A[a, b] * p[b]
                if has_extra:
                    s += e * p[a]
                Ap[a] = s
            for t in range(indptr[k], indptr[k + 1]):
                y = Y[indices[t]]
                d = zero
                for a in range(f):
                    d += y[a] * p[a]
                d *= conf[t] - one
                for a in range(f):
                    Ap[a] += d * y[a]
            pAp = zero
            for a in range(f):
                pAp += p[a] * Ap[a]
            if pAp <= 0:
                break
            step = rs / pAp
            rs_new = zero
            for a in range(f):
                x[a] += step * p[a]
                r[a] -= step * Ap[a]
                rs_new += r[a] * r[a]
            if rs_new < 1e-20:
                break
            beta = rs_new / rs
            for a in range(f):
                p[a] = r[a] + beta * p[a]
            rs = rs_new
        X[u] = x


@njit(parallel=True, fastmath=True, cache=True, nogil=True)
def als_loss(indptr, indices, conf, X, Y, YtY):  # pragma: no cover - compiled
    """Per user, the sum over the user's cells of ``c_ui (p_ui - x_u . y_i)^2``.

    Absent cells have ``c = 1, p = 0``; stored ones ``p = 1`` and their confidence. The
    caller adds the users up in order (a sum inside this parallel kernel would be a
    parallel reduction, whose last bit depends on the number of threads).
    """
    n, f = X.shape
    total = np.zeros(n)
    for u in prange(n):
        x = X[u]
        s = 0.0
        for a in range(f):
            t = 0.0
            for b in range(f):
                t += YtY[a, b] * x[b]
            s += t * x[a]
        for t in range(indptr[u], indptr[u + 1]):
            y = Y[indices[t]]
            d = 0.0
            for a in range(f):
                d += y[a] * x[a]
            c = conf[t]
            s += c * (1.0 - d) * (1.0 - d) - d * d
        total[u] = s
    return total


@njit(fastmath=True, cache=True, nogil=True)
def _contains(sorted_row, j):  # pragma: no cover - compiled
    lo = 0
    hi = sorted_row.size
    while lo < hi:
        mid = (lo + hi) // 2
        if sorted_row[mid] < j:
            lo = mid + 1
        else:
            hi = mid
    return lo < sorted_row.size and sorted_row[lo] == j


@njit(fastmath=True, cache=True, nogil=True)
def bpr_epoch(
    sample_users, sample_items, indptr, indices, U, V, negatives, lr, reg, update_items
):  # pragma: no cover - compiled
    """One epoch of BPR stochastic gradient ascent (Rendle et al., 2009), in place.

    For each sampled positive ``(u, i)`` the next entry of `negatives` that ``u`` has not
    seen is ``j`` (up to 32 tries; the pool wraps around). The last column of ``U`` is the
    constant 1 and the last column of ``V`` the item bias. Returns the summed log-loss
    ``-log sigmoid(x_uij)`` and the number of samples skipped (no unseen negative found).
    """
    f = U.shape[1]
    ptr = 0
    n_neg = negatives.size
    loss = 0.0
    skipped = 0
    one = np.float32(1.0)
    for s in range(sample_users.size):
        u = sample_users[s]
        i = sample_items[s]
        row = indices[indptr[u] : indptr[u + 1]]
        j = -1
        for _ in range(32):
            cand = negatives[ptr]
            ptr += 1
            if ptr == n_neg:
                ptr = 0
            if not _contains(row, cand):
                j = cand
                break
        if j < 0:
            skipped += 1
            continue
        x = np.float32(0.0)
        for a in range(f):
            x += U[u, a] * (V[i, a] - V[j, a])
        z = one / (one + np.exp(x))  # sigmoid(-x): the gradient scale
        loss += np.log1p(np.exp(-x)) if x > -30 else -x
        for a in range(f - 1):
            uf = U[u, a]
            U[u, a] += lr * (z * (V[i, a] - V[j, a]) - reg * uf)
            if update_items:
                V[i, a] += lr * (z * uf - reg * V[i, a])
                V[j, a] += lr * (-z * uf - reg * V[j, a])
        if update_items:
            V[i, f - 1] += lr * (z - reg * V[i, f - 1])
            V[j, f - 1] += lr * (-z - reg * V[j, f - 1])
    return loss, skipped


@njit(cache=True, nogil=True)
def _mix(z):  # pragma: no cover - compiled
    """splitmix64 finaliser (Steele, Lea, Flood 2014): a well-spread 64-bit hash."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(parallel=True, fastmath=True, cache=True, nogil=True)
def bpr_fold_in(indptr, indices, V, U, seed, epochs, lr, reg):  # pragma: no cover - compiled
    """BPR steps on the user factors ``U[k]`` of rows ``k`` of a CSR, items frozen.

    Every user draws from its own counter-based stream, seeded by `seed` and the user's
    items, so a user's factors do not depend on which other users are folded in with it.
    """
    n_items, f = V.shape
    golden = np.uint64(0x9E3779B97F4A7C15)
    one = np.float32(1.0)
    for k in prange(U.shape[0]):
        start, stop = indptr[k], indptr[k + 1]
        n_u = stop - start
        if n_u == 0 or n_items < 2:
            continue
        row = indices[start:stop]
        state = np.uint64(seed)
        for t in range(start, stop):
            state = _mix(state ^ (np.uint64(indices[t]) + golden))
        for _ in range(epochs):
            for _s in range(n_u):
                state += golden
                i = row[np.int64(_mix(state) % np.uint64(n_u))]
                j = -1
                for _try in range(32):
                    state += golden
                    cand = np.int64(_mix(state) % np.uint64(n_items))
                    if not _contains(row, cand):
                        j = cand
                        break
                if j < 0:
                    continue
                x = np.float32(0.0)
                for a in range(f):
                    x += U[k, a] * (V[i, a] - V[j, a])
                z = one / (one + np.exp(x))
                for a in range(f - 1):
                    U[k, a] += lr * (z * (V[i, a] - V[j, a]) - reg * U[k, a])


@njit(fastmath=False, cache=True, nogil=True)
def select_topn(S, n, seen_indptr, seen_indices, allowed, out_idx, out_val):  # pragma: no cover
    """Top-`n` columns of every row of the dense scores `S` (modified: seen cells set -inf).

    Row ``r`` first gets ``-inf`` at its seen columns ``seen_indices[seen_indptr[r]:
    seen_indptr[r + 1]]`` (an empty ``seen_indptr`` means nothing is seen); then one pass
    over the row keeps the `n` best in a small sorted list (best first, ties by the
    smaller column: a later column enters only when strictly better than the current
    n-th). Columns with ``allowed[j] == False`` are skipped when `allowed` is not empty;
    ``-inf`` cells are never kept; rows with fewer than `n` eligible cells are padded
    with ``-1`` / ``-inf``. This is :func:`filmreco.sparse.topk`'s selection (same
    order, same ties) in one pass instead of a copy, an argpartition and a sort. Returns
    the number of NaN cells met (the caller raises: a NaN score is an error).
    """
    n_rows, m = S.shape
    ninf = -np.inf
    mask = allowed.size > 0
    nan_rows = np.zeros(n_rows, dtype=np.int64)
    for r in range(n_rows):  # serial: it runs inside a task of the parallel seam
        if seen_indptr.size:
            for t in range(seen_indptr[r], seen_indptr[r + 1]):
                S[r, seen_indices[t]] = ninf
        vals = out_val[r]
        idx = out_idx[r]
        for a in range(n):
            vals[a] = ninf
            idx[a] = -1
        if n == 0:
            continue
        row = S[r]
        worst = ninf
        filled = 0
        nans = 0
        for j in range(m):
            v = row[j]
            if v > worst:  # worst stays -inf until n cells are kept
                if mask and not allowed[j]:
                    continue
                # insert v after every kept value >= v (earlier columns win ties)
                pos = filled if filled < n else n - 1
                while pos > 0 and vals[pos - 1] < v:
                    if pos < n:
                        vals[pos] = vals[pos - 1]
                        idx[pos] = idx[pos - 1]
                    pos -= 1
                vals[pos] = v
                idx[pos] = j
                if filled < n:
                    filled += 1
                if filled == n:
                    worst = vals[n - 1]
            elif v != v:
                nans += 1
        nan_rows[r] = nans
    return nan_rows.sum()
