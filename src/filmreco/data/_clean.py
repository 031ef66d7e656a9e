"""Cleaning steps shared by the data containers (private).

Each step either raises or warns with :class:`~filmreco.exceptions.DataWarning` naming the
count and the policy; none changes data silently.
"""

from __future__ import annotations

import datetime
import logging
import sys
import warnings
from typing import Any

import numpy as np

from .._validation import check_bool, check_strings_kept, shorten, user_stacklevel
from ..exceptions import DataWarning, InputError, InputTypeError, UnknownIdError
from ..sparse import IdMap
from ..sparse._idmap import check_not_padding
from . import _assemble
from ._assemble import Codes, appearance_table

__all__ = [
    "as_float_array",
    "as_timestamps",
    "clean_events",
    "codes_by_appearance",
    "drop_rows",
    "event_codes_array",
    "map_ids",
    "null_mask",
    "warn_data",
]

logger = logging.getLogger("filmreco")


def warn_data(message: str, stacklevel: int = 4) -> None:
    """Warn with DataWarning (and log it at INFO level)."""
    logger.info(message)
    warnings.warn(message, DataWarning, stacklevel=user_stacklevel())


def raw_array(values: Any, name: str) -> np.ndarray:
    """`values` as a 1-D numpy array (no dtype conversion)."""
    if isinstance(values, (str, bytes)):
        raise InputTypeError(f"{name} must be an array-like of values, got a single string.")
    if hasattr(values, "to_numpy"):  # pandas Series / Index
        values = values.to_numpy()
    if isinstance(values, np.ndarray):
        arr = values
    else:
        try:
            items = list(values)
        except TypeError:
            raise InputTypeError(
                f"{name} must be an array-like of values, got {type(values).__name__}."
            ) from None
        try:
            arr = np.asarray(items)
        except ValueError:  # ragged nested lists
            raise InputError(f"{name} must be one-dimensional, got nested lists.") from None
        if arr.dtype.kind in "US" and not all(isinstance(x, (str, bytes)) for x in items):
            arr = np.empty(len(items), dtype=object)  # keep None/NaN/ints apart from strings
            arr[:] = items
        elif arr.dtype.kind in "US":
            check_strings_kept(items, arr, name)
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {arr.shape}.")
    return arr


def is_missing(x: Any) -> bool:
    """Whether one value stands for a missing one: None, NaN, or pandas' NA / NaT."""
    if x is None:
        return True
    if isinstance(x, float):
        return x != x
    # pandas' missing markers (NA is not equal to itself but not a float); pandas is
    # loaded when a value is one of them
    pd = sys.modules.get("pandas")
    return pd is not None and (x is pd.NA or x is pd.NaT)


def null_mask(ids: np.ndarray) -> np.ndarray:
    """True where an id is missing: NaN (float ids), None, NaN, pandas.NA or pandas.NaT
    (object ids)."""
    if ids.dtype.kind == "f":
        return np.isnan(ids)
    if ids.dtype.kind == "O":
        pd = sys.modules.get("pandas")  # loaded whenever an id can be pandas.NA
        if pd is not None:
            return np.asarray(pd.isna(ids), dtype=bool)
        return np.fromiter(
            (x is None or (isinstance(x, float) and x != x) for x in ids),
            dtype=bool,
            count=ids.size,
        )
    return np.zeros(ids.size, dtype=bool)


def _float_overflows(x: Any) -> bool:
    try:
        float(x)
    except OverflowError:
        return True
    except (TypeError, ValueError):
        return False
    return False


def as_float_array(values: Any, name: str, n: int) -> np.ndarray:
    """Numeric `values` of length `n` as float64 (NaN kept for the caller's policy)."""
    arr = raw_array(values, name)
    if arr.size != n:
        raise InputError(f"{name} has {arr.size} entries but user_ids has {n}; give one per event.")
    if arr.dtype.kind == "O":
        missing = null_mask(arr)
        if missing.any():  # pandas.NA does not convert to float: NaN, as None does
            arr = arr.copy()
            arr[missing] = np.nan
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise InputTypeError(f"{name} must be numeric, got non-numeric objects.") from None
        except OverflowError:  # a Python int past float64's range
            big = next((x for x in arr.tolist() if _float_overflows(x)), None)
            raise InputError(
                f"{name} holds {shorten(big)}, beyond the range of float64 (about "
                "1.8e308), so it cannot be stored; check the data (or scale the values "
                "down)."
            ) from None
    if arr.dtype.kind not in "iufb":
        raise InputTypeError(f"{name} must be numeric, got dtype {arr.dtype}.")
    return arr.astype(np.float64)


def _all_datetimes(arr: np.ndarray) -> bool:
    """Whether an object array holds only dates and times (datetime, pandas Timestamp,
    date) and missing values (None, NaT)."""
    return all(x is None or isinstance(x, (datetime.datetime, datetime.date)) for x in arr.flat)


def _epoch(x: Any) -> float:
    """Seconds since 1970-01-01 UTC of a date or time; a naive one is read as UTC (as
    datetime64 values are), an aware one converted; None and NaT are NaN."""
    if x is None or x != x:  # NaT is not equal to itself
        return np.nan
    if not isinstance(x, datetime.datetime):
        x = datetime.datetime.combine(x, datetime.time())
    if x.tzinfo is None or x.utcoffset() is None:
        x = x.replace(tzinfo=datetime.UTC)
    return float(x.timestamp())


def as_timestamps(values: Any, name: str, n: int) -> np.ndarray:
    """Timestamps as float64 seconds; datetime64 values are converted, NaT becomes NaN;
    date strings are read as :meth:`Interactions.from_csv` reads them (ISO, or the
    year-first forms of Chinese exports), a missing one (None, NaN, "") as NaN."""
    arr = raw_array(values, name)
    if arr.dtype.kind in "US" or (arr.dtype.kind == "O" and _all_text(arr)):
        return _date_strings(arr, name, n)
    if arr.dtype.kind == "O" and arr.size and _all_datetimes(arr):
        arr = np.array([_epoch(x) for x in arr.ravel()], dtype=np.float64).reshape(arr.shape)
    if arr.dtype.kind == "m":  # durations: seconds since an origin of the caller's choice
        arr = arr / np.timedelta64(1, "s")  # NaT becomes NaN
    if arr.dtype.kind == "M":
        nat = np.isnat(arr)
        secs = arr.astype("datetime64[ns]").astype(np.int64).astype(np.float64) / 1e9
        secs[nat] = np.nan
        if secs.size != n:
            raise InputError(f"{name} has {secs.size} entries, expected {n}.")
        return secs
    return as_float_array(arr, name, n)


def _all_text(arr: np.ndarray) -> bool:
    """Whether an object array holds only strings and missing values (and one string)."""
    seen = False
    for x in arr.tolist():
        if isinstance(x, str):
            seen = True
        elif not is_missing(x):
            return False
    return seen


def _date_strings(arr: np.ndarray, name: str, n: int) -> np.ndarray:
    """Date strings as float seconds (see :func:`as_timestamps`), or an InputError naming
    `name`, the first entry that is not a date and the forms accepted."""
    from ._text import MixedTimes, _parse_time, mixed_times_advice

    if arr.dtype.kind == "S":
        arr = np.strings.decode(arr, "utf-8", "replace")
    elif arr.dtype.kind == "O":
        arr = np.array(["" if not isinstance(x, str) else x for x in arr.tolist()], dtype=str)
    if arr.size != n:
        raise InputError(f"{name} has {arr.size} entries, expected {n}.")
    try:
        return _parse_time(arr)
    except MixedTimes as exc:
        d, k = exc.date_at, exc.number_at
        raise InputError(
            f"{name} mixes date strings ({shorten(arr[d])}, position {d}) and numbers "
            f"({shorten(arr[k])}, position {k}); {mixed_times_advice()}."
        ) from None
    except ValueError:
        pass
    for i, x in enumerate(arr.tolist()):
        try:
            _parse_time(np.array([x]))
        except ValueError:
            raise InputError(
                f"{name}[{i}] = {shorten(x)} is neither a number nor a date; give seconds, "
                "datetime64 values or dates such as '2023-01-05', '2023-01-05 14:03:00', "
                "'2023/1/5 14:03' or '2023年1月5日' (day-first or month-first dates are "
                "ambiguous: convert them first, e.g. with pandas.to_datetime(..., "
                "format=...))."
            ) from None
    raise AssertionError("unreachable: some entry failed as a whole")  # pragma: no cover


def drop_rows(
    bad: np.ndarray,
    on_nan: str,
    what: str,
    arrays: list[np.ndarray | None],
    stacklevel: int = 4,
) -> list[np.ndarray | None]:
    """Apply the on_nan policy: raise, or drop the `bad` rows of every array and warn."""
    n_bad = int(bad.sum())
    if n_bad == 0:
        return arrays
    if on_nan == "raise":
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{n_bad} of {bad.size} events have a NaN or infinite {what} (first at position "
            f"{first}); pass on_nan='drop' to drop them, or fix the data."
        )
    warn_data(
        f"dropped {n_bad} of {bad.size} events with a NaN or infinite {what} (on_nan='drop').",
        stacklevel=stacklevel,
    )
    keep = ~bad
    return [None if a is None else a[keep] for a in arrays]


def map_ids(
    ids: np.ndarray, fixed: IdMap | None, name: str, on_unknown: str
) -> tuple[IdMap, np.ndarray]:
    """Codes of `ids` in `fixed` (-1 when unknown and on_unknown='ignore'), or a new map."""
    if fixed is None:
        return codes_by_appearance(ids, name.replace("_map", "_ids"))
    if not isinstance(fixed, IdMap):
        raise InputTypeError(f"{name} must be a filmreco.sparse.IdMap, got {type(fixed).__name__}.")
    codes = fixed.index(ids, on_unknown="mask", name=name.replace("_map", "_ids"))
    unknown = codes < 0
    if unknown.any() and on_unknown == "raise":
        bad = ids[unknown][:5].tolist()
        raise UnknownIdError(
            f"{int(unknown.sum())} of the {ids.size} events have ids not in {name} (e.g. "
            f"{bad}); pass on_unknown='ignore' to drop them, or extend the map."
        )
    return fixed, codes


def codes_by_appearance(values: np.ndarray, name: str = "values") -> tuple[IdMap, np.ndarray]:
    """``IdMap.from_values(values)`` (first-appearance order), with a fast path for int ids.

    When the ids are integers spanning a range not much wider than their count (the usual
    case for SNAP and MovieLens files), the first position of every id comes from one
    ``np.minimum.at`` over a dense table instead of a sort of all values (~50x faster on a
    million ids).
    """
    arr = np.asarray(values)
    if arr.dtype.kind in "iu" and arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        span = hi - lo + 1
        if span <= 4 * arr.size + 1024:
            offset = (arr - lo).astype(np.int64)
            first = np.full(span, arr.size, dtype=np.int64)
            np.minimum.at(first, offset, np.arange(arr.size, dtype=np.int64))
            present = np.flatnonzero(first < arr.size)
            present = present[np.argsort(first[present], kind="stable")]
            code_of = np.empty(span, dtype=np.int64)
            code_of[present] = np.arange(present.size, dtype=np.int64)
            ids = present + lo
            check_not_padding(ids, "int", name)
            return IdMap._trusted(ids, "int"), code_of[offset]
    return IdMap.from_values(arr, name=name)


def _numeric(values: Any, name: str, n: int) -> np.ndarray:
    """Numeric `values` of length `n`, in their own dtype (int, float or bool: no copy)."""
    arr = raw_array(values, name)
    if arr.size != n:
        raise InputError(f"{name} has {arr.size} entries but user_ids has {n}; give one per event.")
    if arr.dtype.kind in "iufb":
        return arr
    return as_float_array(arr, name, n)


def _event_codes(
    ids: np.ndarray, fixed: IdMap | None, name: str, on_unknown: str
) -> tuple[IdMap, Codes]:
    """The id map of an id column and where its codes come from (see :class:`Codes`).

    Integer ids spanning a range at most about twice their count get a table over that
    range (no array per event); other ids a code per event (-1: unknown to `fixed`).
    """
    if fixed is None and ids.size >= _assemble.MIN_EVENTS:
        found = appearance_table(ids, max_span=2 * ids.size + 1024)
        if found is not None:
            order, codes = found
            check_not_padding(order, "int", name.replace("_map", "_ids"))
            return IdMap._trusted(order, "int"), codes
    idmap, per_event = map_ids(ids, fixed, name, on_unknown)
    return idmap, Codes(per_event, 0, _NO_TABLE)


_NO_TABLE = np.zeros(0, dtype=np.int32)


def event_codes_array(codes: Codes) -> np.ndarray:
    """The int64 code of every event (materialised from a table if need be)."""
    if codes.table.size:
        return codes.table[codes.source - codes.lo].astype(np.int64)
    return np.asarray(codes.source, dtype=np.int64)


def clean_events(
    user_ids: Any,
    item_ids: Any,
    values: Any,
    timestamps: Any,
    *,
    on_nan: str,
    user_map: IdMap | None,
    item_map: IdMap | None,
    on_unknown: str,
    nonnegative: bool,
) -> tuple[IdMap, IdMap, Codes, Codes, np.ndarray | None, np.ndarray | None]:
    """Validate events and apply the NaN and unknown-id policies (for Interactions).

    Returns the user and item maps, where the row and column codes of the events come from
    (:class:`~filmreco.data._assemble.Codes`; an event whose code is -1, an id unknown to a
    fixed map under ``on_unknown="ignore"``, is to be left out, as the warning says), the
    values (numeric, in their own dtype: no float64 copy of 20M values) and the float64
    timestamps (None when not given) of the events kept.
    """
    users = raw_array(user_ids, "user_ids")
    items = raw_array(item_ids, "item_ids")
    n = users.size
    if items.size != n:
        raise InputError(
            f"user_ids and item_ids must have the same length, got {n} and {items.size}."
        )
    vals = None if values is None else _numeric(values, "values", n)
    ts = None if timestamps is None else as_timestamps(timestamps, "timestamps", n)
    parts = {
        "value": None if vals is None or vals.dtype.kind != "f" else ~np.isfinite(vals),
        "timestamp": None if ts is None else ~np.isfinite(ts),
        "user id": null_mask(users),
        "item id": null_mask(items),
    }
    bad = np.zeros(n, dtype=bool)
    what = []
    for label, mask in parts.items():
        if mask is not None and mask.any():
            bad |= mask
            what.append(label)
    kept = drop_rows(bad, on_nan, " or ".join(what), [users, items, vals, ts], stacklevel=5)
    del parts, bad
    vals, ts = kept[2], kept[3]
    users, items = np.asarray(kept[0]), np.asarray(kept[1])
    if check_bool(nonnegative, "nonnegative") and vals is not None and vals.size and vals.min() < 0:
        raise InputError(
            f"values must be non-negative here, but {int((vals < 0).sum())} are negative "
            f"(min {vals.min()}); shift, clip or threshold them first."
        )
    umap, rows = _event_codes(users, user_map, "user_map", on_unknown)
    imap, cols = _event_codes(items, item_map, "item_map", on_unknown)
    unknown = None
    for codes, fixed in ((rows, user_map), (cols, item_map)):
        if fixed is not None:
            miss = codes.source < 0
            unknown = miss if unknown is None else unknown | miss
    if unknown is not None and unknown.any():
        warn_data(
            f"dropped {int(unknown.sum())} of {unknown.size} events whose user or item id "
            "is not in the given map (on_unknown='ignore').",
            stacklevel=4,
        )
    return umap, imap, rows, cols, vals, ts
