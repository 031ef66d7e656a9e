"""Metadata filters, evaluated to a boolean mask over the documents before ranking.

``filters`` maps a field name to a condition:

- a scalar (``"科幻"``, ``2019``): the field equals it (for a list field: one of its
  values does); strings are compared after :func:`~filmreco.search.analyze.normalize`, so
  case, full-width forms and traditional characters do not matter;
- a list, set, 1-D numpy array or ``range`` (``["美国", "英国"]``,
  ``np.array([2014, 2019])``): the field equals one of them;
- a tuple ``(low, high)`` (``(2000, 2010)``): ``low <= value <= high``, either end ``None``
  for open (numbers, or strings such as ISO dates);
- a callable: ``condition(value) -> bool`` on each value (a slow path, in Python).

A ``datetime.date`` is compared as its ISO text, which is how records store dates. Any
other condition (None, NaN, bytes, a generator, ...) raises an
:class:`~filmreco.exceptions.InputError` naming ``filters[field]``. Integers too large for
a float compare exactly for equality and as ``±inf`` in ranges.

Documents must match every condition; a missing value never matches. Fields are indexed
lazily (an inverted index per field on first use) and the result is cached.

Numbers and numeric strings meet where that is unambiguous: ``{"year": "1993"}`` matches a
year stored as ``1993``, ``{"year": (1990, 1999)}`` a year stored as ``"1993"``. A
condition that cannot meet the field's values (a number against a field of text only, text
against a field of numbers only) raises an :class:`~filmreco.exceptions.InputError` naming
the field, the value and the type the field holds, rather than matching nothing.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._validation import shorten
from ..exceptions import InputError, InputTypeError
from .analyze import normalize

__all__ = ["FilterColumns"]


#: Most values a ``range`` condition may hold (a longer one is meant as a (low, high) tuple).
_MAX_RANGE = 100_000


def _key(value: Any) -> Any:
    """Comparison key of a stored or requested value (an int is its own key: it equals and
    hashes like the integral float, and stays exact beyond the float range)."""
    if isinstance(value, str):
        return normalize(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        try:
            f = float(value)
        except OverflowError:
            return value
        return int(f) if f.is_integer() else f
    return value


def _float(value: Any) -> float:
    """`value` (a real number) as a float; beyond the float range, ``±inf``."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _number(value: Any) -> float | None:
    """`value` as a number: a number (not a bool; ``±inf`` beyond the float range) or a
    finite numeric string, else None (NaN too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        f = _float(value)
        return None if f != f else f
    if isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            return None
        return f if math.isfinite(f) else None
    return None


def _scalar(field: str, value: Any) -> Any:
    """A condition's value, checked: a str, bool or real number (a numpy scalar as its
    Python value, a date as its ISO text), else an InputError naming ``filters[field]``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (str, bool)):
        return value
    if isinstance(value, numbers.Real):
        if value != value:
            raise InputError(
                f"filters[{shorten(field)}]: NaN matches nothing (a missing value never "
                "matches); leave the condition out, or filter on the values present."
            )
        return value
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()  # records store dates so (see clean_record)
    raise InputError(
        f"filters[{shorten(field)}]: cannot compare with {shorten(value)} "
        f"({type(value).__name__}); a condition is a str, number, bool or date, a list, set, "
        "1-D array or range of them, a (low, high) tuple, or a callable value -> bool."
    )


def _values(field: str, cond: Any) -> list[Any]:
    """The values of an equality condition (one value, or a collection of them), checked."""
    if isinstance(cond, np.ndarray):
        if cond.ndim > 1:
            raise InputError(
                f"filters[{shorten(field)}]: an array condition must be 1-D (a set of values), "
                f"got shape {cond.shape}."
            )
        cond = cond.tolist() if cond.ndim == 1 else [cond.item()]
    elif isinstance(cond, range):
        if len(cond) > _MAX_RANGE:
            raise InputError(
                f"filters[{shorten(field)}]: {cond!r} holds {len(cond):,} values (at most "
                f"{_MAX_RANGE:,}); for an interval pass a (low, high) tuple, e.g. "
                f"({cond.start}, {cond.stop - 1})."
            )
        cond = list(cond)
    elif isinstance(cond, (list, set, frozenset)):
        cond = list(cond)
    else:
        return [_scalar(field, cond)]
    return [_scalar(field, w) for w in cond]


class _Column:
    """One field flattened: (document, value) pairs, with lazy lookups."""

    def __init__(self, docs: np.ndarray, values: list[Any]) -> None:
        self.docs = docs
        self.values = values
        self._inverted: dict[Any, np.ndarray] | None = None
        self._numbers: np.ndarray | None = None
        self._strings: np.ndarray | None = None
        self._kinds: tuple[bool, bool, Any] | None = None

    def inverted(self) -> dict[Any, np.ndarray]:
        if self._inverted is None:
            groups: dict[Any, list[int]] = {}
            for d, v in zip(self.docs.tolist(), self.values):
                groups.setdefault(_key(v), []).append(d)
            self._inverted = {k: np.asarray(v, dtype=np.int64) for k, v in groups.items()}
        return self._inverted

    def numbers(self) -> np.ndarray:
        """Each value as a number (numeric strings converted), NaN where it is none."""
        if self._numbers is None:
            got = [_number(v) for v in self.values]
            self._numbers = np.array([np.nan if f is None else f for f in got], dtype=np.float64)
        return self._numbers

    def kinds(self) -> tuple[bool, bool, Any]:
        """Whether some value is a number (or a numeric string), whether some value is text
        that is not a number, and an example of the latter (for messages)."""
        if self._kinds is None:
            nums = self.numbers()
            has_number = bool((~np.isnan(nums)).any())
            text = next(
                (v for v, f in zip(self.values, nums.tolist()) if isinstance(v, str) and f != f),
                None,
            )
            self._kinds = (has_number, text is not None, text)
        return self._kinds

    def strings(self) -> np.ndarray:
        if self._strings is None:
            self._strings = np.array(
                [_key(v) if isinstance(v, str) else None for v in self.values], dtype=object
            )
        return self._strings


class FilterColumns:
    """Lazily built per-field lookups over a fixed list of records."""

    def __init__(self, records: Sequence[Mapping[str, Any]], id_field: str) -> None:
        self.records = records
        self.id_field = id_field
        self.available = sorted({k for r in records for k in r})
        self._columns: dict[str, _Column] = {}
        self._lock = threading.Lock()

    def _column(self, field: str) -> _Column:
        col = self._columns.get(field)
        if col is None:
            with self._lock:
                col = self._columns.get(field)
                if col is None:
                    docs: list[int] = []
                    values: list[Any] = []
                    for i, r in enumerate(self.records):
                        v = r.get(field)
                        for item in v if isinstance(v, list) else [v]:
                            if item is not None:
                                docs.append(i)
                                values.append(item)
                    col = _Column(np.asarray(docs, dtype=np.int64), values)
                    self._columns[field] = col
        return col

    def mask(self, filters: Mapping[str, Any]) -> np.ndarray:
        """Boolean mask of the documents matching every condition of `filters`."""
        if not isinstance(filters, Mapping):
            raise InputTypeError(
                f"filters must be a dict of field -> condition, got {type(filters).__name__}."
            )
        n = len(self.records)
        keep = np.ones(n, dtype=bool)
        for field, cond in filters.items():
            if not isinstance(field, str) or (
                field not in self.available and field != self.id_field
            ):
                raise InputError(
                    f"filters: unknown field {shorten(field)}; the records have the fields "
                    f"{shorten(self.available, 300)}."
                )
            keep &= self._match(field, cond, n)
        return keep

    def _match(self, field: str, cond: Any, n: int) -> np.ndarray:
        col = self._column(field)
        hit = np.zeros(n, dtype=bool)
        if callable(cond):
            ok = np.fromiter((bool(cond(v)) for v in col.values), dtype=bool, count=len(col.values))
            hit[col.docs[ok]] = True
            return hit
        if isinstance(cond, tuple):
            return self._range(field, col, cond, hit)
        wanted = _values(field, cond)
        inverted = col.inverted()
        for w in wanted:
            docs = inverted.get(_key(w))
            if docs is not None:
                hit[docs] = True
            if col.values and not isinstance(w, bool):
                self._coerced(field, col, w, hit)
        return hit

    @staticmethod
    def _coerced(field: str, col: _Column, w: Any, hit: np.ndarray) -> None:
        """Equality across numbers and numeric strings (``"1993"`` and ``1993``), or an
        error when `w` cannot equal any value of the field's type."""
        has_number, has_text, example = col.kinds()
        f = _number(w)
        if f is not None and has_number:
            if math.isfinite(f):  # beyond floats, equality is the exact key's (inverted)
                hit[col.docs[col.numbers() == f]] = True
        elif isinstance(w, str) and f is None and has_number and not has_text:
            raise InputError(
                f"filters[{shorten(field)}]: {shorten(w)} is text, but the field holds numbers "
                f"(e.g. {shorten(col.values[0])}); pass a number, e.g. "
                f"filters={{{field!r}: {shorten(col.values[0])}}}."
            )
        elif not isinstance(w, str) and not has_number and has_text:
            raise InputError(
                f"filters[{shorten(field)}]: {shorten(w)} is a number, but the field holds text "
                f"(e.g. {shorten(example)}) with no numbers; pass a str, e.g. "
                f"filters={{{field!r}: {str(example)!r}}}."
            )

    @staticmethod
    def _range(field: str, col: _Column, cond: tuple[Any, ...], hit: np.ndarray) -> np.ndarray:
        if len(cond) != 2:
            raise InputError(
                f"filters[{shorten(field)}]: a tuple is a range (low, high), got {len(cond)} items; use "
                "a list for a set of allowed values."
            )
        low, high = (None if b is None else _scalar(field, b) for b in cond)
        bounds = [b for b in (low, high) if b is not None]
        if not bounds:
            hit[col.docs] = True
            return hit
        has_number, has_text, example = col.kinds() if col.values else (True, True, None)
        numeric = all(isinstance(b, numbers.Real) and not isinstance(b, bool) for b in bounds)
        if not numeric and all(isinstance(b, str) for b in bounds):
            # numeric strings against a field of numbers only: compare as numbers
            as_numbers = [_number(b) for b in bounds]
            if has_number and not has_text and None not in as_numbers:
                low = None if low is None else _number(low)
                high = None if high is None else _number(high)
                numeric = True
            elif has_number and not has_text:
                raise InputError(
                    f"filters[{shorten(field)}]: the range {shorten(cond)} has text bounds, but "
                    f"the field holds numbers (e.g. {shorten(col.values[0])}); pass numbers, e.g. "
                    f"({shorten(col.values[0])}, None)."
                )
        if numeric and not has_number and has_text:
            raise InputError(
                f"filters[{shorten(field)}]: the range {shorten(cond)} has number bounds, but the "
                f"field holds text (e.g. {shorten(example)}) with no numbers; pass str bounds, "
                "e.g. ('2000-01-01', '2009-12-31'), or store numbers in the field."
            )
        if numeric:
            vals = col.numbers()
            ok = ~np.isnan(vals)
            if low is not None:
                ok &= vals >= _float(low)
            if high is not None:
                ok &= vals <= _float(high)
        elif all(isinstance(b, str) for b in bounds):
            strs = col.strings()
            lo = None if low is None else _key(low)
            hi = None if high is None else _key(high)
            ok = np.fromiter(
                (
                    s is not None and (lo is None or s >= lo) and (hi is None or s <= hi)
                    for s in strs
                ),
                dtype=bool,
                count=strs.size,
            )
        else:
            raise InputError(
                f"filters[{shorten(field)}]: range bounds must both be numbers or both be strings "
                f"(or None), got {shorten(cond)}."
            )
        hit[col.docs[ok]] = True
        return hit
