"""Building canonical CSR matrices from coordinates."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._validation import (
    as_array,
    cast_values,
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


def _cell(row: int, col: int) -> str:
    """How :func:`build_csr`'s messages name an entry."""
    return f"(row {row}, column {col})"


def _merged(
    v: np.ndarray,
    starts: np.ndarray,
    counts: np.ndarray,
    duplicates: str,
    ukey: np.ndarray,
    n_cols: int,
    where: Callable[[int, int], str],
) -> np.ndarray:
    """The sums (or counts) of the groups of `v` starting at `starts`, in ``v.dtype``; an
    InputError naming the entry (``where(row, col)``) when one does not fit that dtype
    (numpy would wrap an int or give inf)."""
    dtype = v.dtype
    if dtype.kind == "b":
        return _REDUCERS[duplicates](v, starts, counts).astype(dtype, copy=False)
    total: np.ndarray
    if duplicates == "count":
        total = counts
    elif dtype.kind == "f":
        with np.errstate(over="ignore"):
            total = np.add.reduceat(v, starts)
    elif dtype.itemsize < 8:  # exact in int64 (each term is below 2**32)
        total = np.add.reduceat(v.astype(np.int64), starts)
    else:  # int64 / uint64 wrap silently: a wrapped sum is 2**64 away from the float one
        total = np.add.reduceat(v, starts)
        approx = np.add.reduceat(v.astype(np.float64), starts)
        wrapped = np.abs(total.astype(np.float64) - approx) > 2.0**62
        if wrapped.any():
            g = int(np.flatnonzero(wrapped)[0])
            at = where(int(ukey[g]) // n_cols, int(ukey[g]) % n_cols)
            raise merged_overflow(float(approx[g]), dtype, at, int(counts[g]))
        return total
    if dtype.kind == "f":
        bad = ~np.isfinite(total)
    else:
        info = np.iinfo(dtype)
        bad = (total < info.min) | (total > info.max)
    if bad.any():
        g = int(np.flatnonzero(bad)[0])
        t: Any = total[g].item()
        if dtype.kind == "f":  # the true sum, as far as float64 holds it
            with np.errstate(over="ignore"):
                t = float(np.add.reduceat(v.astype(np.float64), starts[g : g + 1])[0])
        at = where(int(ukey[g]) // n_cols, int(ukey[g]) % n_cols)
        raise merged_overflow(t, dtype, at, int(counts[g]), duplicates)
    return total.astype(dtype, copy=False)


def merged_overflow(
    total: Any, dtype: np.dtype[Any], at: str, count: int | None = None, what: str = "sum"
) -> InputError:
    """The InputError of values merged at the entry `at` whose `total` (a sum, or a count
    under ``what="count"``; a non-finite float: more than float64 holds) does not fit
    `dtype`."""
    some = "the values" if count is None else f"the {count} values"
    if what == "count":
        got = f"{count} values merged at {at} make a count of {total}, which does not fit {dtype}"
    elif isinstance(total, float) and not np.isfinite(total):
        got = f"{some} merged at {at} sum to more than {dtype} holds"
    else:
        got = f"{some} merged at {at} sum to {shorten(total)}, which does not fit {dtype}"
    if dtype == np.float64:
        fix = "rescale the values"
    elif dtype.kind == "f" or dtype.itemsize == 8:
        fix = "pass dtype=np.float64, or rescale the values"
    else:
        fix = "pass a wider dtype (e.g. dtype=np.int64 or np.float32)"
    if what == "sum":
        fix += ", or merge them with duplicates='max' or 'last'"
    return InputError(f"{got}; {fix}.")


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
        dtype of the stored values: bool, an int or uint type, float32 or float64.

    Returns
    -------
    scipy.sparse.csr_array
        With sorted indices and no duplicates (canonical form).

    Raises
    ------
    InputError
        Mismatched lengths, bad indices, NaN or infinite values, an unsupported `dtype`
        (float16), or a value `dtype` cannot hold: beyond its range (1e300 in float32, 300
        in int8) or, for an int dtype, not a whole number; also when merged duplicates sum
        (or count) beyond its range.
    DuplicateError
        Repeated (row, col) pairs under ``duplicates="raise"``.

    Examples
    --------
    >>> X = build_csr([0, 0, 1], [2, 2, 0], [1.0, 4.0, 3.0], duplicates="max")
    >>> X.toarray().tolist()
    [[0.0, 0.0, 4.0], [3.0, 0.0, 0.0]]
    >>> build_csr([0, 0], [1, 1], duplicates="count").toarray().tolist()
    [[0.0, 2.0]]
    """
    return labelled_csr(rows, cols, values, shape=shape, duplicates=duplicates, dtype=dtype)


def labelled_csr(
    rows: Any,
    cols: Any,
    values: Any = None,
    *,
    shape: tuple[int, int] | None = None,
    duplicates: str = "sum",
    dtype: Any = np.float32,
    where: Callable[[int, int], str] = _cell,
) -> sp.csr_array:
    """:func:`build_csr`, its messages naming an entry by ``where(row, col)`` (a caller
    with id maps names the ids)."""
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
        v = cast_values(v, dtype, "values")
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
    if starts.size < key.size and duplicates in ("sum", "count"):
        data = _merged(v, starts, counts, duplicates, ukey, max(n_cols, 1), where)
    else:
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
