"""Records in, checked: JSON-like values only, ids present, text of each field extracted."""

from __future__ import annotations

import datetime as _dt
import json
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._validation import check_str, shorten
from ..exceptions import InputError, InputTypeError
from .analyze import normalize

__all__ = [
    "cap_texts",
    "clean_record",
    "field_texts",
    "iter_records",
    "name_latin_words",
    "record_from_json",
    "record_to_json",
]

Scalar = str | int | float | bool | None

# a lone surrogate (str from bytes decoded with errors="surrogateescape", or a cut pair): not
# Unicode text, so it has no UTF-8 form and cannot be saved
_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(text: str, where: str) -> None:
    """Refuse `text` holding a lone surrogate (InputError naming `where`)."""
    m = _SURROGATE.search(text)
    if m is not None:
        raise InputError(
            f"{where} holds a lone surrogate ({m.group()!r} in {shorten(text)}): "
            "it is not Unicode text and cannot be saved. Decode the bytes it came from with "
            "the right encoding, or drop it (e.g. text.encode('utf-8', 'replace').decode())."
        )


def _clean_scalar(value: Any, where: str) -> Scalar:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if not value.isascii():
            _check_text(value, where)
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        f = float(value)
        return None if math.isnan(f) else f  # pandas marks missing values with NaN
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    raise InputError(
        f"{where} has a value of type {type(value).__name__} ({shorten(value)}); records may "
        "hold str, int, float, bool, None, or lists of those. Convert it (e.g. str(value)) "
        "first."
    )


def clean_record(rec: Any, i: int) -> dict[str, Any]:
    """Copy of record `i` with JSON-like values (lists for sequences, None for NaN).

    Infinite floats are kept (saved as JSON's ``Infinity``); text holding a lone surrogate
    is refused (InputError naming the record and field): it has no UTF-8 form to save.
    """
    if not isinstance(rec, Mapping):
        raise InputTypeError(
            f"records[{i}] must be a dict (mapping), got {type(rec).__name__}; records is a "
            "list of dicts, one per film."
        )
    out: dict[str, Any] = {}
    for key, value in rec.items():
        if not isinstance(key, str):
            raise InputError(f"record {i} has a non-str field name {shorten(key)}.")
        if not key.isascii():
            _check_text(key, f"record {i}: the field name")
        where = f"record {i}, field {shorten(key)}"
        if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
            items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
            if all(type(v) is str for v in items):  # the common case, kept fast
                out[key] = list(items)
                if _SURROGATE.search("".join(items)) is not None:
                    for j, v in enumerate(items):
                        _check_text(v, f"{where}, item {j}")
                continue
            out[key] = [_clean_scalar(v, where) for v in items]
            if any(v is not None and isinstance(v, list) for v in out[key]):
                raise InputError(f"{where} holds nested lists; flatten them first.")
        else:
            out[key] = _clean_scalar(value, where)
    return out


def iter_records(records: Any, id_field: str) -> tuple[list[dict[str, Any]], list[Any], str]:
    """Clean records from a Catalog or an iterable of dicts; return them, their ids, id field.

    A :class:`filmreco.data.Catalog` carries its own id field, which wins over `id_field`.
    """
    if hasattr(records, "records") and hasattr(records, "item_ids"):
        id_field = getattr(records, "id_field", id_field)
        records = records.records()
    if isinstance(records, (str, bytes, Mapping)):
        raise InputTypeError(
            "records must be a Catalog or an iterable of dicts (one per film), got "
            f"{type(records).__name__}."
        )
    try:
        it: Iterable[Any] = iter(records)
    except TypeError:
        raise InputTypeError(
            f"records must be a Catalog or an iterable of dicts, got {type(records).__name__}."
        ) from None
    cleaned, ids = [], []
    check_str(id_field, "id_field")
    for i, rec in enumerate(it):
        r = clean_record(rec, i)
        if id_field not in r or r[id_field] is None:
            raise InputError(
                f"record {i} has no {shorten(id_field)} field; give every record an id, or name the "
                f"id field with id_field= (record fields: {sorted(r)})."
            )
        ident = r[id_field]
        if isinstance(ident, (float, bool, list)):
            if isinstance(ident, float) and ident.is_integer():
                ident = r[id_field] = int(ident)
            else:
                raise InputError(f"record {i}: id {shorten(ident)} must be an int or a str.")
        cleaned.append(r)
        ids.append(ident)
    return cleaned, ids, id_field


def field_texts(value: Any) -> list[str]:
    """The strings of a field value: a str, the str of each list item, numbers as text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [s for v in value for s in field_texts(v)]
    if isinstance(value, bool):
        return []
    if isinstance(value, float) and value.is_integer():
        return [str(int(value))]
    return [str(value)]


def cap_texts(texts: list[str], limit: int) -> tuple[list[str], int]:
    """`texts` cut to `limit` characters in all (the last one kept cut short), and the
    number of characters they held.

    Examples
    --------
    >>> cap_texts(["星际穿越", "诺兰"], 5)
    (['星际穿越', '诺'], 6)
    """
    total = sum(map(len, texts))
    if total <= limit:
        return texts, total
    out: list[str] = []
    left = limit
    for t in texts:
        if left <= 0:
            break
        out.append(t[:left])
        left -= len(t)
    return out, total


def record_to_json(rec: Mapping[str, Any]) -> str:
    """A cleaned record as JSON text; an infinite float is written ``Infinity`` (as Python's
    :mod:`json` reads back), NaN cannot occur (:func:`clean_record` makes it None)."""
    return json.dumps(rec, ensure_ascii=False, allow_nan=True, separators=(",", ":"))


def record_from_json(text: str) -> dict[str, Any]:
    rec = json.loads(text)
    if not isinstance(rec, dict):
        raise ValueError("a stored record is not a JSON object")
    return rec


def name_latin_words(
    records: Iterable[Mapping[str, Any]], fields: Iterable[str], to_simplified: bool = True
) -> list[str]:
    """The Latin-letter words of the name fields of `records`, normalised (sorted, unique).

    Examples
    --------
    >>> name_latin_words([{"title": "Fog City 雾都", "people": ["R2D2"]}], ["title", "people"])
    ['city', 'fog']
    """
    fields = list(fields)
    out: set[str] = set()
    for rec in records:
        for f in fields:
            for raw in field_texts(rec.get(f)):
                if any(c.isascii() and c.isalpha() for c in raw):
                    out.update(w for w in normalize(raw, to_simplified=to_simplified).split()
                               if w.isascii() and w.isalpha())  # fmt: skip
    return sorted(out)
