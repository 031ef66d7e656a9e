"""Vectorised CSR operations that keep per-entry arrays aligned, and column readers (private).

Every function returns the positions (into the old ``data``) of the entries it keeps, so
timestamps and ratings aligned with ``matrix.data`` follow with one fancy index. The
``*_pattern`` functions handle *seen* sets: boolean CSR arrays whose stored entries are
the (user, item) pairs a user rated, whatever the value.
"""

from __future__ import annotations

import codecs
import logging
import numbers
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._persist import csr_from_arrays, member
from .._validation import check_finite, check_option, shorten
from ..exceptions import InputError, InputTypeError
from ..sparse import IdMap, row_indices
from . import _fastcsv
from ._fastcsv import parse_numeric, plain_encoding
from ._text import (
    ON_ERROR,
    _quote,
    as_utf8,
    check_header,
    column_index,
    column_names,
    convert_column,
    read_source,
    split_table,
    to_str,
)

__all__ = [
    "aligned_array",
    "as_idmap",
    "check_column",
    "check_take",
    "extra_pattern",
    "filter_entries",
    "frame_columns",
    "pattern",
    "pattern_from",
    "read_csv_columns",
    "seen_or_none",
    "subpattern_positions",
    "take_cols",
    "take_rows",
    "union_pattern",
]

logger = logging.getLogger("filmreco")


def as_idmap(ids: Any, n: int, name: str) -> IdMap:
    """`ids` as an IdMap of `n` ids (0..n-1 when None)."""
    m = IdMap(np.arange(n)) if ids is None else ids if isinstance(ids, IdMap) else IdMap(ids)
    if len(m) != n:
        raise InputError(f"{name} has {len(m)} ids but the matrix has {n} {name[:-4]}s.")
    return m


def aligned_array(arr: Any, nnz: int, name: str) -> np.ndarray | None:
    """A read-only float64 copy of `arr`, one finite value per stored entry."""
    if arr is None:
        return None
    try:
        a = np.asarray(arr)
    except ValueError:  # ragged nested lists
        raise InputError(f"{name} must be a 1-D array of numbers, got nested lists.") from None
    try:
        if a.dtype.kind in "cmM":  # complex, timedelta, datetime: no silent conversion
            raise TypeError
        a = a.astype(np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"{name} must hold real numbers (one per stored entry), got {shorten(arr)} "
            f"(dtype {a.dtype})."
        ) from None
    if a.size != nnz:
        raise InputError(
            f"{name} must have one value per stored entry (nnz={nnz}), got {a.size}; it is "
            "aligned with matrix.data."
        )
    check_finite(a, name)
    a = a.copy()
    a.setflags(write=False)
    return a


def _csr(data: np.ndarray, indices: np.ndarray, rows: np.ndarray, shape: tuple[int, int]):
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    Y = sp.csr_array((data, indices, indptr), shape=shape)
    Y.has_canonical_format = True
    return Y


def check_take(indices: Any, n: int, name: str) -> np.ndarray:
    """`indices` as unique int64 positions in ``[0, n)``, or raise."""
    try:
        idx = np.asarray(indices)
    except ValueError:  # ragged nested lists
        raise InputError(
            f"{name} must be a 1-D array of integer indices, got nested lists."
        ) from None
    if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
        raise InputError(f"{name} must be a 1-D array of integer indices.")
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise InputError(f"{name} must lie in [0, {n - 1}], got [{idx.min()}, {idx.max()}].")
    if np.unique(idx).size != idx.size:
        raise InputError(f"{name} must not repeat an index.")
    return idx


def filter_entries(X: sp.csr_array, keep: np.ndarray, data: np.ndarray) -> sp.csr_array:
    """The entries of `X` where `keep` is True, with new values `data`."""
    return _csr(data, X.indices[keep], row_indices(X)[keep], X.shape)


def take_rows(X: sp.csr_array, idx: np.ndarray) -> tuple[sp.csr_array, np.ndarray]:
    """Rows `idx` of `X` in that order, and the positions of the kept entries."""
    lengths = np.diff(X.indptr)[idx]
    indptr = np.zeros(idx.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    pos = np.repeat(X.indptr[idx].astype(np.int64) - indptr[:-1], lengths)
    pos += np.arange(pos.size, dtype=np.int64)
    Y = sp.csr_array((X.data[pos], X.indices[pos], indptr), shape=(idx.size, X.shape[1]))
    Y.has_canonical_format = True
    return Y, pos


def take_cols(X: sp.csr_array, idx: np.ndarray) -> tuple[sp.csr_array, np.ndarray]:
    """Columns `idx` of `X` in that order (re-sorted within rows), and the kept positions."""
    new_col = np.full(X.shape[1], -1, dtype=np.int64)
    new_col[idx] = np.arange(idx.size)
    cols = new_col[X.indices]
    keep = np.flatnonzero(cols >= 0)
    rows = row_indices(X)[keep]
    order = np.argsort(rows * max(idx.size, 1) + cols[keep], kind="stable")
    pos = keep[order]
    return _csr(X.data[pos], cols[pos], rows[order], (X.shape[0], idx.size)), pos


def subpattern_positions(old: sp.csr_array, new: sp.csr_array) -> np.ndarray | None:
    """Positions in `old` of every entry of `new`, or None if `new` has other entries."""
    if np.array_equal(old.indptr, new.indptr) and np.array_equal(old.indices, new.indices):
        return np.arange(old.nnz, dtype=np.int64)
    m = max(old.shape[1], 1)
    old_keys = row_indices(old) * m + old.indices
    new_keys = row_indices(new) * m + new.indices
    if old_keys.size == 0:
        return np.zeros(0, dtype=np.int64) if new_keys.size == 0 else None
    pos = np.minimum(np.searchsorted(old_keys, new_keys), old_keys.size - 1)
    return pos if bool((old_keys[pos] == new_keys).all()) else None


def pattern(X: sp.csr_array) -> sp.csr_array:
    """The stored entries of a canonical CSR `X` as a boolean CSR (all True), sharing nothing."""
    Y = sp.csr_array((np.ones(X.nnz, dtype=bool), X.indices.copy(), X.indptr.copy()), shape=X.shape)
    Y.has_canonical_format = True
    return Y


def _keys(X: sp.csr_array) -> np.ndarray:
    return row_indices(X) * max(X.shape[1], 1) + X.indices


def _from_keys(keys: np.ndarray, shape: tuple[int, int]) -> sp.csr_array:
    """Boolean canonical CSR of the sorted unique entry keys ``row * n_cols + col``."""
    m = max(shape[1], 1)
    return _csr(np.ones(keys.size, dtype=bool), keys % m, keys // m, shape)


def pattern_from(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_array:
    """Boolean canonical CSR of the (row, col) pairs given (repeats allowed)."""
    keys = np.unique(np.asarray(rows, dtype=np.int64) * max(shape[1], 1) + cols)
    return _from_keys(keys, shape)


def union_pattern(*parts: sp.csr_array) -> sp.csr_array:
    """Boolean CSR holding every entry stored in any of `parts` (canonical CSR, one shape)."""
    keys = np.unique(np.concatenate([_keys(X) for X in parts]))
    return _from_keys(keys, parts[0].shape)


def extra_pattern(seen: sp.csr_array, X: sp.csr_array) -> sp.csr_array:
    """Boolean CSR of the entries of `seen` that `X` does not store."""
    keys = _keys(seen)
    keys = keys[~np.isin(keys, _keys(X), assume_unique=True)]
    return _from_keys(keys, seen.shape)


def seen_to_arrays(seen: sp.csr_array, X: sp.csr_array) -> dict[str, np.ndarray]:
    """The saved form of a seen set: only its pairs outside `X` (``seen_extra_*``)."""
    extra = extra_pattern(seen, X)
    return {
        "seen_extra_indptr": extra.indptr.astype(np.int64),
        "seen_extra_indices": extra.indices.astype(np.int64),
    }


def require_seen_members(arrays: dict[str, np.ndarray], version: int) -> None:
    """Format version 2 is written only with a seen set: its members must be in the file."""
    if version >= 2:
        for name in ("seen_extra_indptr", "seen_extra_indices"):
            member(arrays, name, kinds="iu", shape=(None,))


def seen_from_arrays(arrays: dict[str, np.ndarray], shape: Any) -> sp.csr_array | None:
    """Inverse of :func:`seen_to_arrays` (checked like any loaded CSR), or None without one."""
    if "seen_extra_indptr" not in arrays:
        return None
    n = int(np.asarray(arrays["seen_extra_indices"]).size)
    ones = {"seen_extra_data": np.ones(n, dtype=bool)}
    return csr_from_arrays({**arrays, **ones}, "seen_extra_", shape)


def seen_or_none(seen: sp.csr_array | None, X: sp.csr_array) -> sp.csr_array | None:
    """`seen` (a superset of the entries of `X`), or None when it holds no other entry."""
    if seen is None or seen.nnz == X.nnz:
        return None
    seen.data.setflags(write=False)
    seen.indices.setflags(write=False)
    seen.indptr.setflags(write=False)
    return seen


def check_column(col: Any, name: str, *, optional: bool, labels: tuple[type, ...] = (str,)) -> Any:
    """Return the column name `col` (None when `optional`), else a TypeError naming `name`."""
    if col is None and optional:
        return None
    if isinstance(col, bool) or not isinstance(col, labels):
        want = " or ".join("int" if issubclass(t, numbers.Integral) else t.__name__ for t in labels)
        raise InputTypeError(
            f"{name} must be a column name ({want}{' or None' if optional else ''}), "
            f"got {shorten(col)} ({type(col).__name__})."
        )
    return col


def frame_columns(df: Any, names: dict[str, tuple[str | None, bool]]) -> dict[str, Any]:
    """Columns of a DataFrame as numpy arrays: ids keep NaN/NA as None, numbers as they
    are (numpy int, float or bool) or as float with NaN (pandas' nullable dtypes).

    `names` maps each key to ``(column, numeric)``; numeric columns are optional (None).
    """
    for key, (col, numeric) in names.items():
        check_column(col, key, optional=numeric, labels=(str, numbers.Integral))
    cols = list(getattr(df, "columns", []))
    levels = [n for n in getattr(getattr(df, "index", None), "names", []) if n is not None]
    for col, _ in names.values():
        if col is not None and col not in cols:
            where = (
                "; it is an index level of the frame: call df.reset_index() first"
                if col in levels
                else ""
            )
            raise InputError(
                f"column {shorten(col)} is not in the frame; its columns are "
                f"{shorten(cols)}{where}."
            )
        if col is not None and cols.count(col) > 1:
            raise InputError(
                f"column {shorten(col)} appears {cols.count(col)} times in the frame, so "
                "which one to read is ambiguous; rename or drop the duplicates first, e.g. "
                "df.loc[:, ~df.columns.duplicated()]."
            )
    out: dict[str, Any] = {}
    for key, (col, numeric) in names.items():
        if col is None:
            out[key] = None
            continue
        s = df[col]
        if numeric and str(s.dtype) == "category":  # the values, not their codes or ticks
            try:
                s = s.astype(s.cat.categories.dtype)
            except (TypeError, ValueError):  # missing values among int categories
                s = s.astype(object)
        if numeric and getattr(s.dtype, "tz", None) is not None:  # aware times: UTC
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        elif numeric and str(s.dtype).startswith("period"):  # a period: its start
            s = s.dt.to_timestamp()
        if numeric:
            is_time = str(s.dtype).startswith(("datetime", "timedelta"))
            # a plain numpy column is passed as it is (no float64 copy of 20M values);
            # pandas' nullable dtypes (pd.NA) become float64 with NaN
            plain = isinstance(s.dtype, np.dtype) and s.dtype.kind in "iufb"
            if is_time or plain:
                out[key] = s.to_numpy()
                continue
            try:
                out[key] = s.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError):
                if key == "timestamp":  # date strings: read by as_timestamps
                    arr = s.to_numpy(dtype=object).copy()
                    arr[s.isna().to_numpy()] = None
                    out[key] = arr
                    continue
                example = next((x for x in s.tolist() if not _is_number(x)), None)
                raise InputError(
                    f"column {shorten(col)} (asked for by {key}=) is not numeric: it holds "
                    f"{shorten(example)}; convert it first, e.g. with "
                    f"pandas.to_numeric(df[{col!r}], errors='coerce')."
                ) from None
            continue
        na = s.isna().to_numpy()
        if na.any():
            arr = s.to_numpy(dtype=object).copy()
            arr[na] = None
            out[key] = arr
        else:
            out[key] = s.to_numpy()
    return out


def _is_number(x: Any) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


_SAMPLE = 1 << 16


def plain_candidate(sep: Any, encoding: str, id_type: type | None, comments: Any) -> bool:
    """Whether the arguments allow the compiled reader (one plain single-byte separator,
    an encoding that leaves ASCII alone, ids not forced to strings)."""
    return not (
        not isinstance(sep, str)
        or len(sep) != 1
        or not sep.isascii()
        or sep in '"\n'
        or sep.isalnum()
        or sep in ".-+"
        or id_type is str
        or not isinstance(comments, str)
        or not plain_encoding(encoding)
    )


def plain_layout(
    data: bytes,
    source: str,
    names: dict[str, str | int | None],
    sep: str | None,
    encoding: str,
    id_type: type | None,
    has_header: bool,
    columns: Any,
    comments: str,
) -> tuple[dict[str, int | None], int, int] | None:
    """Where the compiled reader (see :mod:`._fastcsv`) finds the columns of a plain
    numeric file: ``(positions, n_fields, start)``, `start` being the offset in `data` of
    the first line after the header; None when the file is not a candidate.

    `data` is the file's start (at least its first ``_SAMPLE`` bytes when it is longer):
    the header and the column choice go through the general reader on its first lines
    (its checks and messages). Quotes are the caller's to look for.
    """
    if not plain_candidate(sep, encoding, id_type, comments):
        return None
    base = 0
    if data.startswith(codecs.BOM_UTF8) and codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        base = len(codecs.BOM_UTF8)
    cut = data.rfind(b"\n", base, base + _SAMPLE)
    if cut < 0:
        return None
    sample = split_table(
        data[base : cut + 1],
        source=source,
        delimiter=sep,
        header=has_header,
        encoding=encoding,
        comments=comments,
    )
    if sample.n_rows == 0:
        return None
    head = column_names(sample, columns, has_header)
    pos = {
        key: None if col is None else column_index(col, head, sample, arg=key)
        for key, col in names.items()
    }
    start = base
    if has_header:  # past the first line with content (blank and comment lines skipped)
        marks = comments.encode(encoding) if comments else b""
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                return None
            text = data[start:end].strip()
            start = end + 1
            if text and text[:1] not in marks:
                break
    return pos, int(sample.fields.shape[1]), start


def no_timestamps(ts: np.ndarray | None, source: str, column: Any) -> bool:
    """Whether a read timestamp column is all empty (NaN): then it is treated as absent."""
    if ts is not None and ts.size and np.isnan(ts).all():
        logger.info("%s: every %r field is empty; no timestamps.", source, column)
        return True
    return False


def _read_plain(
    data: bytes,
    source: str,
    names: dict[str, str | int | None],
    sep: str | None,
    encoding: str,
    id_type: type | None,
    has_header: bool,
    columns: Any,
    comments: str,
) -> dict[str, Any] | None:
    """:func:`read_csv_columns` for a plain numeric file (see :mod:`._fastcsv`), or None.

    The compiled loop gives up (None) on anything it does not cover, and then the general
    reader reads the whole file.
    """
    if (
        len(data) < _fastcsv.MIN_BYTES
        or not plain_candidate(sep, encoding, id_type, comments)
        or (sep == "," and b'"' in data)
    ):
        return None
    layout = plain_layout(
        data, source, names, sep, encoding, id_type, has_header, columns, comments
    )
    if layout is None:
        return None
    pos, n_fields, start = layout
    assert isinstance(sep, str)
    out: dict[str, Any] | None = parse_numeric(
        data, start, sep=sep, n_fields=n_fields, columns=pos, comments=comments
    )
    if out is None:
        return None
    out["n_dropped"] = out["n_coerced"] = out["n_bad_ids"] = 0
    if no_timestamps(out["timestamp"], source, names["timestamp"]):
        out["timestamp"] = None
    return out


def check_csv_args(
    names: dict[str, str | int | None], *, id_type: Any, on_error: str, header: Any
) -> bool:
    """Check the arguments of :func:`read_csv_columns` that need no file; returns whether
    the file has a header line."""
    check_option(id_type, (None, int, str), "id_type")
    check_option(on_error, ON_ERROR, "on_error")
    has_header = check_header(header)
    for key, col in names.items():
        check_column(col, key, optional=key not in ("user", "item"), labels=(str, numbers.Integral))
    return has_header


def read_csv_columns(
    path: Any,
    names: dict[str, str | int | None],
    *,
    sep: str | None,
    encoding: str,
    id_type: type | None,
    header: Any = 0,
    columns: Any = None,
    comments: str = "",
    on_error: str = "raise",
) -> dict[str, Any]:
    """Read the named columns of a delimited file.

    `names` maps "user", "item" (ids) and "value", "timestamp" (floats; timestamps may be
    ISO dates) to column names or positions; `header`, `columns` (pandas' ``names``) and
    `comments` as in :meth:`Interactions.from_csv`. An all-empty timestamp column is
    returned as None (treated as absent). Lines with a bad cell follow `on_error`; the
    result holds "n_bad" (lines dropped, or cells coerced to NaN).
    """
    has_header = check_csv_args(names, id_type=id_type, on_error=on_error, header=header)
    data, source = read_source(path)
    data, encoding = as_utf8(data, encoding, source)
    fast = _read_plain(data, source, names, sep, encoding, id_type, has_header, columns, comments)
    if fast is not None:
        return fast
    table = split_table(
        data,
        source=source,
        delimiter=sep,
        header=has_header,
        encoding=encoding,
        comments=comments,
    )
    head = column_names(table, columns, has_header)
    pos = {
        key: None if col is None else column_index(col, head, table, arg=key)
        for key, col in names.items()
    }
    label = {
        k: (head[j] if head is not None else f"column {j}") for k, j in pos.items() if j is not None
    }
    ju, ji = pos["user"], pos["item"]

    def record(i: int) -> str:
        f = table.fields
        return f"user {_quote(f[i, ju])}, item {_quote(f[i, ji])}"  # type: ignore[index]

    out: dict[str, Any] = {}
    bad = np.zeros(table.n_rows, dtype=bool)
    for key in ("user", "item"):
        j = pos[key]
        assert j is not None
        if id_type is int:
            hint = "; pass id_type=str for string ids"
            ids, b = convert_column(
                table, j, "int", f"{label[key]} id", on_error=on_error, record=record, hint=hint
            )
            if b is not None:  # an id cannot be made up: under "coerce" too, the line goes
                bad |= b
            out[key] = ids
            continue
        if id_type is None:
            try:
                out[key] = table.fields[:, j].astype(np.int64)
                continue
            except (ValueError, OverflowError):
                pass
        out[key] = to_str(table, j, encoding)
    n_bad_ids = int(bad.sum())
    coerced = 0
    for key in ("value", "timestamp"):
        j = pos[key]
        if j is None:
            out[key] = None
            continue
        kind = "float" if key == "value" else "time"
        vals, b = convert_column(table, j, kind, label[key], on_error=on_error, record=record)
        if b is not None:
            if on_error == "drop":
                bad |= b
            else:
                coerced += int((b & ~bad).sum())
        out[key] = vals
    if bad.any():
        keep = ~bad
        for key in names:
            if out.get(key) is not None:
                out[key] = out[key][keep]
    out["n_dropped"] = int(bad.sum())
    out["n_coerced"] = coerced
    out["n_bad_ids"] = n_bad_ids
    if no_timestamps(out["timestamp"], source, names["timestamp"]):
        out["timestamp"] = None
    return out
