"""Top-k selection per row of a score matrix, with exclusions, candidate filters and blocks.

Selection works on *costs* ``-score`` so that "best" is "smallest", excluded or
ineligible cells hold ``+inf``, and :func:`numpy.argpartition` picks the k survivors of
many rows at once. Dense rows are processed in small chunks copied into one reused
buffer: the caller's array is never modified, and the temporaries (the buffer and
argpartition's int64 index array) stay a few megabytes whatever the matrix size.

Ties are broken by the smaller column index. argpartition alone does not promise that
at the k-th place, so it is asked for one more element (``kth=k``): a row whose
(k+1)-th cost equals its k-th is ambiguous, and only those rows are re-selected exactly
(everything below the k-th cost, then the first tied columns in index order).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._parallel import blocks, parallel_map
from .._validation import (
    as_array,
    check_bool,
    check_callable,
    check_finite,
    check_int,
    check_sparse_structure,
)
from ..exceptions import InputError, InputTypeError
from ._build import row_indices

__all__ = ["FactorScores", "factor_scores", "topk", "topk_blocks"]

#: Elements per chunk of rows copied for selection (float32: 4 MB, its argpartition 8 MB).
_CHUNK_ELEMS = 2**20


def _value_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(dtype) if dtype in (np.float32, np.float64) else np.dtype(np.float64)


def _check_dense_scores(scores: Any, name: str) -> np.ndarray:
    S = as_array(scores, "scores")
    if S.ndim != 2:
        raise InputError(f"{name} must be 2-D (rows x columns), got shape {S.shape}.")
    if S.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must hold real numbers, got dtype {S.dtype}.")
    return S


def _nan_error(name: str, start: int, stop: int) -> InputError:
    return InputError(
        f"{name} contains NaN (in rows {start}..{stop - 1}); give cells that must never be "
        "returned the score -inf, or fix the scorer that produced the NaN."
    )


class _Excluded:
    """Excluded cells of some rows: CSR structure (``indptr``/``indices``) or a bool mask."""

    __slots__ = ("indices", "indptr", "mask", "n_cols")

    def __init__(
        self,
        indptr: np.ndarray | None,
        indices: np.ndarray | None,
        mask: np.ndarray | None,
        n_cols: int,
    ) -> None:
        self.indptr, self.indices, self.mask, self.n_cols = indptr, indices, mask, n_cols

    def rows(self, start: int, stop: int) -> _Excluded:
        if self.mask is not None:
            return _Excluded(None, None, self.mask[start:stop], self.n_cols)
        assert self.indptr is not None and self.indices is not None
        s, e = self.indptr[start], self.indptr[stop]
        return _Excluded(self.indptr[start : stop + 1] - s, self.indices[s:e], None, self.n_cols)

    def apply(
        self, C: np.ndarray, start: int, stop: int, cand: np.ndarray | None, pos: np.ndarray | None
    ) -> None:
        """Set the excluded cells of rows ``start..stop-1`` (rows of `C`) to +inf."""
        if self.mask is not None:
            M = self.mask[start:stop]
            np.copyto(C, np.inf, where=M if cand is None else M[:, cand])
            return
        assert self.indptr is not None and self.indices is not None
        s, e = self.indptr[start], self.indptr[stop]
        if s == e:
            return
        cols = self.indices[s:e]
        local = np.repeat(np.arange(stop - start), np.diff(self.indptr[start : stop + 1]))
        if pos is not None:
            p = pos[cols]
            ok = p >= 0
            local, cols = local[ok], p[ok]
        C[local, cols] = np.inf

    def keep(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Which (row, col) pairs are not excluded."""
        if self.mask is not None:
            return ~self.mask[rows, cols]
        assert self.indptr is not None and self.indices is not None
        m = max(self.n_cols, 1)
        ex_rows = np.repeat(np.arange(self.indptr.size - 1, dtype=np.int64), np.diff(self.indptr))
        ex_keys = ex_rows * m + self.indices
        return ~np.isin(rows.astype(np.int64) * m + cols, ex_keys)


def _check_exclude(exclude: Any, n_rows: int, n_cols: int | None) -> _Excluded | None:
    if exclude is None:
        return None
    if sp.issparse(exclude):
        if exclude.ndim != 2:
            raise InputError(f"exclude must be 2-D, got shape {exclude.shape}.")
        check_sparse_structure(exclude, "exclude")
        E = sp.csr_array(exclude)
        indptr, indices, mask = E.indptr.astype(np.int64), E.indices.astype(np.int64), None
    else:
        mask = as_array(exclude, "exclude")
        if mask.dtype != np.bool_ or mask.ndim != 2:
            raise InputTypeError(
                "exclude must be a scipy sparse matrix (stored entries are excluded) or a 2-D "
                f"boolean mask, got {type(exclude).__name__} of dtype {mask.dtype}, shape "
                f"{mask.shape}; use e.g. `mask != 0` for a 0/1 array."
            )
        indptr = indices = None
    shape = exclude.shape
    if shape[0] != n_rows or (n_cols is not None and shape[1] != n_cols):
        want = (n_rows, n_cols) if n_cols is not None else (n_rows, "n_cols")
        raise InputError(f"exclude has shape {shape} but the scores have shape {want}.")
    return _Excluded(indptr, indices, mask, int(shape[1]))


def _check_candidates(candidates: Any, n_cols: int | None) -> np.ndarray | None:
    """Sorted unique column indices (int64); a boolean mask is turned into its indices."""
    if candidates is None:
        return None
    c = as_array(candidates, "candidates")
    if c.ndim != 1:
        raise InputError(f"candidates must be 1-D, got shape {c.shape}.")
    if c.dtype == np.bool_:
        if n_cols is not None and c.size != n_cols:
            raise InputError(f"a boolean candidates mask needs {n_cols} entries, got {c.size}.")
        return np.flatnonzero(c).astype(np.int64)
    if c.size == 0:
        return np.zeros(0, dtype=np.int64)
    if c.dtype.kind not in "iu":
        raise InputTypeError(f"candidates must hold column indices (ints), got dtype {c.dtype}.")
    c = np.unique(c.astype(np.int64))
    if c[0] < 0 or (n_cols is not None and c[-1] >= n_cols):
        raise InputError(
            f"candidates must be column indices in [0, {n_cols if n_cols is not None else 'n_cols'}"
            f"), got values in [{c[0]}, {c[-1]}]."
        )
    return c


def _first_k(C: np.ndarray, t: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k columns of the rows of `C`, given each row's k-th smallest cost `t`."""
    below = C < t[:, None]
    tied = C == t[:, None]
    need = k - below.sum(axis=1)
    keep = below | (tied & (np.cumsum(tied, axis=1) <= need[:, None]))
    return np.nonzero(keep)[1].reshape(-1, k)


def _topk_dense(
    S: np.ndarray,
    k: int,
    excl: _Excluded | None,
    cand: np.ndarray | None,
    chunk_rows: int | None,
    sort: bool,
    name: str,
    offset: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of dense `S`; `offset` is the row number of ``S[0]`` (for messages only)."""
    n, m = S.shape
    dt = _value_dtype(S.dtype)
    pos = None
    if cand is not None:
        pos = np.full(m, -1, dtype=np.int64)
        pos[cand] = np.arange(cand.size)
    width = m if cand is None else cand.size
    kk = min(k, width)
    idx = np.full((n, k), -1, dtype=np.int64)
    cost = np.full((n, k), np.inf, dtype=dt)
    check_nan = S.dtype.kind == "f"
    if kk == 0:
        if check_nan and S.size and np.isnan(S.min()):
            raise _nan_error(name, offset, offset + n)
        return idx, -cost
    rows = chunk_rows or max(1, _CHUNK_ELEMS // width)
    buf = np.empty((min(rows, n), width), dtype=dt)
    for a in range(0, n, rows):
        b = min(a + rows, n)
        C = buf[: b - a]
        if cand is None:
            np.negative(S[a:b], out=C, dtype=dt)
            if check_nan and np.isnan(C.min()):
                raise _nan_error(name, offset + a, offset + b)
        else:
            if check_nan and np.isnan(S[a:b].min()):
                raise _nan_error(name, offset + a, offset + b)
            np.negative(np.take(S[a:b], cand, axis=1), out=C, dtype=dt)
        if excl is not None:
            excl.apply(C, a, b, cand, pos)
        if kk < width:
            part = np.argpartition(C, kk, axis=1)
            sel = part[:, :kk]
            c_sel = np.take_along_axis(C, sel, axis=1)
            t = c_sel.max(axis=1)
            c_next = np.take_along_axis(C, part[:, kk : kk + 1], axis=1)[:, 0]
            amb = np.flatnonzero(c_next == t)
            if amb.size:
                sel[amb] = _first_k(C[amb], t[amb], kk)
                c_sel[amb] = np.take_along_axis(C[amb], sel[amb], axis=1)
        else:  # every column survives: one stable sort orders them (ties by index)
            sel = np.argsort(C, axis=1, kind="stable")
            c_sel = np.take_along_axis(C, sel, axis=1)
        idx[a:b, :kk] = sel
        cost[a:b, :kk] = c_sel
    if sort and kk < width and kk > 1:
        order = np.lexsort((idx[:, :kk], cost[:, :kk]), axis=1)
        idx[:, :kk] = np.take_along_axis(idx[:, :kk], order, axis=1)
        cost[:, :kk] = np.take_along_axis(cost[:, :kk], order, axis=1)
    pad = cost == np.inf
    idx[pad] = -1
    if cand is not None:
        idx = np.where(pad, -1, cand[np.where(pad, 0, idx)])
    return idx, -cost


def _topk_sparse(
    X: Any, k: int, exclude: Any, candidates: Any, name: str
) -> tuple[np.ndarray, np.ndarray]:
    if X.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must hold real numbers, got dtype {X.dtype}.")
    check_sparse_structure(X, name)
    Y = sp.csr_array(X)
    Y.sum_duplicates()
    n, m = Y.shape
    excl = _check_exclude(exclude, n, m)
    cand = _check_candidates(candidates, m)
    dt = _value_dtype(Y.dtype)
    val = Y.data.astype(dt, copy=False)
    if val.dtype.kind == "f" and val.size and np.isnan(val.min()):
        raise _nan_error(name, 0, n)
    idx = np.full((n, k), -1, dtype=np.int64)
    out = np.full((n, k), -np.inf, dtype=dt)
    if k == 0:
        return idx, out
    row, col = row_indices(Y), Y.indices.astype(np.int64)
    keep = val != -np.inf
    if cand is not None:
        allowed = np.zeros(m, dtype=bool)
        allowed[cand] = True
        keep &= allowed[col]
    if excl is not None:
        keep &= excl.keep(row, col)
    row, col, val = row[keep], col[keep], val[keep]
    order = np.lexsort((col, -val, row))
    row, col, val = row[order], col[order], val[order]
    counts = np.bincount(row, minlength=n)
    rank = np.arange(row.size) - (np.cumsum(counts) - counts)[row]
    ok = rank < k
    idx[row[ok], rank[ok]] = col[ok]
    out[row[ok], rank[ok]] = val[ok]
    return idx, out


def topk(
    scores: Any,
    k: int,
    *,
    exclude: Any = None,
    candidates: Any = None,
    chunk_size: int | None = None,
    sorted: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the `k` best columns of every row of a score matrix, best first.

    Parameters
    ----------
    scores : numpy.ndarray or scipy sparse matrix, shape (n_rows, n_cols)
        Scores, higher is better (rows are e.g. users, columns items). Dense rows have
        every column as a candidate; sparse rows only their *stored* entries (an explicit
        zero is a candidate scoring 0, an absent cell never is). A score of ``-inf``
        marks a cell that must never be returned; ``NaN`` is an error.
    k : int
        Number of columns per row, ``>= 0``. ``k=0`` returns arrays of shape
        ``(n_rows, 0)``; ``k`` larger than the number of columns is fine (padding).
    exclude : scipy sparse matrix or numpy.ndarray of bool, optional
        Cells never to return, same shape as `scores`: the stored entries of a sparse
        matrix (whatever their value, as in a matrix of already seen items), or the True
        cells of a boolean mask.
    candidates : array-like of int or bool, optional
        Column indices allowed in the result (e.g. films available in a region), or a
        boolean mask over the columns. Other columns are never returned.
    chunk_size : int, optional
        Dense scores are processed this many rows at a time (default: about one million
        cells per chunk), which bounds the temporary memory. Results do not depend on it.
    sorted : bool, default=True
        Order each row best first; with False the k columns of a row come in no
        particular order (the same set, ties still resolved by column index).

    Returns
    -------
    indices : numpy.ndarray of int64, shape (n_rows, k)
        Column indices, best first; ties are broken by the smaller column index. Rows
        with fewer than `k` eligible cells are padded with ``-1``.
    values : numpy.ndarray, shape (n_rows, k)
        The matching scores (float32 for float32 scores, else float64), ``-inf`` for
        padding.

    Raises
    ------
    InputError
        If `k` is negative, `scores` holds NaN, or `exclude`/`candidates` do not fit the
        shape of `scores`.
    TypeError
        If `scores` or `exclude` is of an unsupported type.

    See Also
    --------
    topk_blocks : the same selection on scores produced block by block.

    Examples
    --------
    >>> S = np.array([[0.1, 0.9, 0.5, 0.9], [1.0, 2.0, 3.0, 4.0]])
    >>> topk(S, 2)[0].tolist()
    [[1, 3], [3, 2]]
    >>> seen = sp.csr_array(np.array([[0, 1, 0, 0], [0, 0, 0, 1]]))
    >>> topk(S, 2, exclude=seen)[0].tolist()
    [[3, 2], [2, 1]]
    >>> idx, val = topk(S, 3, candidates=[0, 1])
    >>> idx.tolist(), val.tolist()
    ([[1, 0, -1], [1, 0, -1]], [[0.9, 0.1, -inf], [2.0, 1.0, -inf]])
    """
    k = check_int(k, "k", min_value=0)
    if chunk_size is not None:
        chunk_size = check_int(chunk_size, "chunk_size", min_value=1)
    if sp.issparse(scores):
        if scores.ndim != 2:
            raise InputError(f"scores must be 2-D (rows x columns), got shape {scores.shape}.")
        return _topk_sparse(scores, k, exclude, candidates, "scores")
    S = _check_dense_scores(scores, "scores")
    excl = _check_exclude(exclude, S.shape[0], S.shape[1])
    cand = _check_candidates(candidates, S.shape[1])
    return _topk_dense(S, k, excl, cand, chunk_size, check_bool(sorted, "sorted"), "scores")


def _score_block(
    score_fn: Any,
    k: int,
    cand: np.ndarray | None,
    start: int,
    stop: int,
    excl: _Excluded | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    select = getattr(score_fn, "select_top", None)
    if select is not None and (excl is None or excl.mask is None):
        ex = None if excl is None else (excl.indptr, excl.indices)
        got = select(start, stop, k, ex, cand)
        if got is not None:
            idx, val, m = got
            if excl is not None and excl.n_cols != m:
                raise InputError(
                    f"score_fn({start}, {stop}) ranks {m} columns but exclude has {excl.n_cols}."
                )
            return idx, val, m
    S = np.asarray(score_fn(start, stop))
    if S.ndim != 2 or S.shape[0] != stop - start:
        raise InputError(
            f"score_fn({start}, {stop}) must return a 2-D array with {stop - start} rows, "
            f"got shape {S.shape}."
        )
    if S.dtype.kind not in "iuf":
        raise InputTypeError(f"score_fn({start}, {stop}) returned dtype {S.dtype}; expected reals.")
    m = S.shape[1]
    if excl is not None and excl.n_cols != m:
        raise InputError(
            f"score_fn({start}, {stop}) returned {m} columns but exclude has {excl.n_cols}."
        )
    if cand is not None and cand.size and cand[-1] >= m:
        raise InputError(
            f"candidates holds column {cand[-1]} but score_fn({start}, {stop}) returned {m} "
            "columns."
        )
    idx, val = _topk_dense(S, k, excl, cand, None, True, "the scores", start)
    return idx, val, m


def topk_blocks(
    score_fn: Any,
    n_rows: int,
    k: int,
    *,
    block_size: int = 4096,
    exclude: Any = None,
    candidates: Any = None,
    n_jobs: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k per row of a score matrix that is computed block by block, never all at once.

    Rows ``start..stop-1`` are scored by ``score_fn(start, stop)``, reduced to their top
    `k` at once, and the block is dropped: memory stays about ``block_size × n_cols``
    scores per worker. Blocks run through :func:`filmreco._parallel.parallel_map`
    (threads preferred: the product and the selection release the GIL). The result is
    the same for every `block_size` and `n_jobs` as long as ``score_fn`` scores a row
    the same whatever block it is in.

    Parameters
    ----------
    score_fn : callable
        ``score_fn(start, stop)`` returns a dense array of shape ``(stop - start, n_cols)``
        (the same ``n_cols`` for every block). It is never modified. Any callable works
        serially and with threads; process-based joblib backends (loky, Dask) pickle it
        once per block, so keep it small or use :func:`factor_scores`, a picklable
        object holding the factor matrices. A `score_fn` that can rank a block without
        dense scores may also offer ``score_fn.select_top(start, stop, k, exclude,
        candidates)``, called first: `exclude` is None or the block's excluded cells as
        CSR ``(indptr, indices)`` (block-local rows), `candidates` None or sorted column
        indices; it returns ``(indices, values, n_cols)`` exactly as the selection over
        ``score_fn(start, stop)`` would, or None to fall back to that selection.
    n_rows : int
        Number of rows to score.
    k : int
        Number of columns per row (see :func:`topk`).
    block_size : int, default=4096
        Rows per call of `score_fn`.
    exclude : scipy sparse matrix or numpy.ndarray of bool, optional
        Cells never to return, shape ``(n_rows, n_cols)`` (see :func:`topk`).
    candidates : array-like of int or bool, optional
        Allowed column indices (see :func:`topk`).
    n_jobs : int or None, default=None
        Workers for the blocks; see :ref:`n_jobs`. The result does not depend on it.

    Returns
    -------
    indices : numpy.ndarray of int64, shape (n_rows, k)
        Best first, ties by the smaller column index, ``-1`` padding.
    values : numpy.ndarray, shape (n_rows, k)
        Scores (float32 when `score_fn` returns float32, else float64; float64 when
        ``n_rows == 0``), ``-inf`` padding.

    Raises
    ------
    InputError
        On a negative `k` or `n_rows`, a block of the wrong shape, NaN scores, or
        `exclude`/`candidates` that do not fit the blocks.
    TypeError
        If `score_fn` is not callable.

    See Also
    --------
    topk : the same selection on a score matrix already in memory.

    Examples
    --------
    >>> U = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> V = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> seen = sp.csr_array(np.array([[1, 0, 0], [0, 0, 0], [0, 1, 0]]))
    >>> idx, val = topk_blocks(factor_scores(U, V), 3, 2, block_size=2, exclude=seen)
    >>> idx.tolist(), val.tolist()
    ([[2, 1], [1, 2], [2, 0]], [[1.0, 0.0], [2.0, 1.0], [2.0, 1.0]])
    """
    check_callable(score_fn, "score_fn")
    n_rows = check_int(n_rows, "n_rows", min_value=0)
    k = check_int(k, "k", min_value=0)
    block_size = check_int(block_size, "block_size", min_value=1)
    excl = _check_exclude(exclude, n_rows, None)
    cand = _check_candidates(candidates, excl.n_cols if excl is not None else None)
    if n_rows == 0:
        return np.zeros((0, k), dtype=np.int64), np.zeros((0, k), dtype=np.float64)
    tasks = [
        (a, b, excl.rows(a, b) if excl is not None else None) for a, b in blocks(n_rows, block_size)
    ]
    results = parallel_map(
        _score_block, tasks, shared=(score_fn, k, cand), n_jobs=n_jobs, prefer="threads"
    )
    widths = {r[2] for r in results}
    if len(widths) > 1:
        raise InputError(f"score_fn returned blocks with different numbers of columns: {widths}.")
    dtypes = {r[1].dtype for r in results}
    dt = np.result_type(*dtypes)
    idx = np.concatenate([r[0] for r in results])
    val = np.concatenate([r[1].astype(dt, copy=False) for r in results])
    return idx, val


class FactorScores:
    """Picklable ``score_fn`` of a factor model: ``user_factors[start:stop] @ item_factors.T``.

    Parameters
    ----------
    user_factors : numpy.ndarray, shape (n_users, n_factors)
    item_factors : numpy.ndarray, shape (n_items, n_factors)

    Examples
    --------
    >>> f = FactorScores(np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    >>> f(1, 2).tolist()
    [[2.0, 4.0, 6.0]]
    """

    def __init__(self, user_factors: Any, item_factors: Any) -> None:
        U = as_array(user_factors, "user_factors")
        V = as_array(item_factors, "item_factors")
        for arr, nm in ((U, "user_factors"), (V, "item_factors")):
            if arr.ndim != 2 or arr.dtype.kind not in "iuf":
                raise InputError(
                    f"{nm} must be a 2-D real array, got dtype {arr.dtype}, shape {arr.shape}."
                )
            check_finite(arr, nm)
        if U.shape[1] != V.shape[1]:
            raise InputError(
                f"user_factors has {U.shape[1]} factors but item_factors has {V.shape[1]}."
            )
        self.user_factors = U
        self.item_factors = V

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_users, n_items)`` of the full score matrix."""
        return (self.user_factors.shape[0], self.item_factors.shape[0])

    def __call__(self, start: int, stop: int) -> np.ndarray:
        """Scores of users ``start..stop-1`` against every item."""
        return np.asarray(self.user_factors[start:stop] @ self.item_factors.T)

    def __repr__(self) -> str:
        return f"FactorScores(n_users={self.shape[0]}, n_items={self.shape[1]})"


def factor_scores(user_factors: Any, item_factors: Any) -> FactorScores:
    """Return a picklable ``score_fn`` for :func:`topk_blocks` from two factor matrices.

    Parameters
    ----------
    user_factors : numpy.ndarray, shape (n_users, n_factors)
    item_factors : numpy.ndarray, shape (n_items, n_factors)

    Returns
    -------
    FactorScores
        ``f(start, stop)`` is ``user_factors[start:stop] @ item_factors.T``.

    Examples
    --------
    >>> U, V = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> topk_blocks(factor_scores(U, V), 1, 2)[0].tolist()
    [[2, 1]]
    """
    return FactorScores(user_factors, item_factors)
