"""Building canonical CSR matrices from coordinates."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._validation import (
    as_array,
    check_csr,
    check_dtype,
    check_finite,
    check_sparse_structure,
    lookup_option,
    shorten,
)
from ..exceptions import DuplicateError, InputError, InputTypeError

__all__ = ["DUPLICATES", "as_csr", "build_csr", "row_indices"]


def _reduce_sum(vals: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(vals, starts) if vals.size else vals


def _reduce_max(vals: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return np.maximum.reduceat(vals, starts) if vals.size else vals


def _reduce_last(vals: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return vals[starts + counts - 1]


def _reduce_count(vals: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return counts.astype(vals.dtype)


_REDUCERS = {
    "sum": _reduce_sum,
    "max": _reduce_max,
    "last": _reduce_last,
    "count": _reduce_count,
    "raise": _reduce_last,  # only reached when there are no duplicates
}

#: The duplicate policies accepted by :func:`build_csr` (and the containers built on it).
DUPLICATES = tuple(_REDUCERS)


def _as_index_array(a: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(a)
    except ValueError:
        raise InputError(f"{name} must be one-dimensional, got nested lists.") from None
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {arr.shape}.")
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or not (arr == np.round(arr)).all():
            raise InputError(f"{name} must hold integer indices, got non-integer floats.")
    elif arr.dtype.kind not in "iu":
        raise InputTypeError(
            f"{name} must hold integer indices 0..n-1, got dtype {arr.dtype}; map external ids "
            "to indices with filmreco.sparse.IdMap.from_values first."
        )
    arr = arr.astype(np.int64)
    if arr.min() < 0:
        raise InputError(
            f"{name} holds negative indices (min {arr.min()}); indices count from 0. Negative "
            "external ids are fine, but map them with IdMap first."
        )
    return arr


def build_csr(
    rows: Any,
    cols: Any,
    values: Any = None,
    *,
    shape: tuple[int, int] | None = None,
    duplicates: str = "sum",
    dtype: Any = np.float32,
) -> sp.csr_array:
    """Build a canonical CSR array from coordinates, with an explicit duplicate policy.

    Parameters
    ----------
    rows, cols : array-like of int
        Row and column indices (``0..n-1``), one pair per entry.
    values : array-like of float, optional
        Entry values; ones when omitted. NaN and infinity are refused.
    shape : tuple of int, optional
        ``(n_rows, n_cols)``; inferred as one past the largest index when omitted.
    duplicates : {"sum", "max", "last", "count", "raise"}, default="sum"
        How to combine entries that share a (row, col): add them, keep the largest, keep
        the last one in input order, count them, or raise :class:`DuplicateError`.
    dtype : numpy dtype, default=numpy.float32
        dtype of the stored values.

    Returns
    -------
    scipy.sparse.csr_array
        With sorted indices and no duplicates (canonical form).

    Examples
    --------
    >>> X = build_csr([0, 0, 1], [2, 2, 0], [1.0, 4.0, 3.0], duplicates="max")
    >>> X.toarray().tolist()
    [[0.0, 0.0, 4.0], [3.0, 0.0, 0.0]]
    >>> build_csr([0, 0], [1, 1], duplicates="count").toarray().tolist()
    [[0.0, 2.0]]
    """
    reducer = lookup_option(_REDUCERS, duplicates, "duplicates")
    r = _as_index_array(rows, "rows")
    c = _as_index_array(cols, "cols")
    if r.size != c.size:
        raise InputError(f"rows and cols must have the same length, got {r.size} and {c.size}.")
    dtype = check_dtype(dtype)
    if values is None:
        v = np.ones(r.size, dtype=dtype)
    else:
        v = as_array(values, "values")
        if v.ndim != 1 or v.size != r.size:
            raise InputError(f"values must be 1-D with {r.size} entries, got shape {v.shape}.")
        if v.dtype.kind not in "iufb":
            raise InputTypeError(f"values must be numeric, got dtype {v.dtype}.")
        check_finite(v, "values")
        v = v.astype(dtype, copy=False)
    if shape is None:
        shape = (int(r.max()) + 1 if r.size else 0, int(c.max()) + 1 if c.size else 0)
    else:
        if (
            not isinstance(shape, tuple | list)
            or len(shape) != 2
            or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in shape)
        ):
            raise InputTypeError(
                f"shape must be a pair of ints (n_rows, n_cols), got {shorten(shape)}."
            )
        if any(int(s) < 0 or int(s) > np.iinfo(np.int64).max for s in shape):
            raise InputError(f"shape must be a pair of non-negative ints, got {shorten(shape)}.")
        shape = (int(shape[0]), int(shape[1]))
        if r.size and r.max() >= shape[0]:
            raise InputError(f"rows holds index {r.max()} but shape has {shape[0]} rows.")
        if c.size and c.max() >= shape[1]:
            raise InputError(f"cols holds index {c.max()} but shape has {shape[1]} columns.")
    n_rows, n_cols = shape
    if n_rows * max(n_cols, 1) > np.iinfo(np.int64).max:  # Python ints: no overflow here
        raise InputError(
            f"shape {shorten(shape)} is too large: n_rows * n_cols must stay below 2**63 "
            "(are rows and cols indices 0..n-1? map external ids with IdMap.from_values)."
        )
    key = r * max(n_cols, 1) + c
    order = np.argsort(key, kind="stable")  # stable: input order kept inside a group
    key, v = key[order], v[order]
    if key.size:
        new = np.empty(key.size, dtype=bool)
        new[0] = True
        np.not_equal(key[1:], key[:-1], out=new[1:])
        starts = np.flatnonzero(new)
    else:
        starts = np.zeros(0, dtype=np.int64)
    counts = np.diff(np.append(starts, key.size))
    if duplicates == "raise" and starts.size != key.size:
        g = int(np.argmax(counts > 1))
        k = key[starts[g]]
        raise DuplicateError(
            f"{int((counts > 1).sum())} (row, col) pairs occur more than once, e.g. "
            f"({k // max(n_cols, 1)}, {k % max(n_cols, 1)}) {counts[g]} times; choose "
            f"duplicates= one of {[d for d in DUPLICATES if d != 'raise']}."
        )
    ukey = key[starts]
    data = reducer(v, starts, counts).astype(dtype, copy=False)
    row = ukey // max(n_cols, 1)
    col = (ukey % max(n_cols, 1)).astype(np.int32 if n_cols < 2**31 else np.int64)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_rows), out=indptr[1:])
    if indptr[-1] < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    out = sp.csr_array((data, col, indptr), shape=(n_rows, n_cols))
    out.has_canonical_format = True
    return out


def as_csr(
    X: Any, *, dtype: Any = np.float32, name: str = "X", nonnegative: bool = False
) -> sp.csr_array:
    """Return any scipy sparse matrix or array as a canonical :class:`scipy.sparse.csr_array`.

    ``csr_matrix``, ``coo_array``, ``csc_matrix`` ... are all accepted (checked with
    :func:`scipy.sparse.issparse`); duplicates are summed, indices sorted, NaN refused.
    A copy is made only when a conversion is needed.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> as_csr(sp.coo_matrix(([1, 2], ([0, 0], [1, 1])), shape=(1, 2))).toarray().tolist()
    [[0.0, 3.0]]
    """
    return check_csr(X, name, dtype=dtype, nonnegative=nonnegative)


def row_indices(X: sp.csr_array) -> np.ndarray:
    """Row index of every stored entry of a CSR matrix (``int64``, length ``nnz``).

    Examples
    --------
    >>> row_indices(sp.csr_array(np.array([[1, 0, 2], [0, 0, 0], [0, 3, 0]])))
    array([0, 0, 2])
    """
    if not sp.issparse(X) or X.format != "csr":
        raise InputTypeError(
            f"X must be a scipy.sparse CSR matrix or array, got {type(X).__name__}."
        )
    check_sparse_structure(X, "X")
    return np.repeat(np.arange(X.shape[0], dtype=np.int64), np.diff(X.indptr))
