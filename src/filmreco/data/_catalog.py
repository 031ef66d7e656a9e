"""The :class:`Catalog` container: item metadata aligned with an item :class:`IdMap`."""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .._persist import Saveable
from .._validation import as_positions, check_iterable, check_option, check_str, shorten
from ..exceptions import InputError, InputTypeError, UnknownIdError
from ..sparse import IdMap
from ._text import read_source, split_table, to_str

__all__ = ["LIST_FIELDS", "STANDARD_FIELDS", "Catalog"]

#: Standard fields and their kinds; any other field name is allowed too (kept as given).
STANDARD_FIELDS = {
    "title": "str",
    "aliases": "list",
    "year": "int",
    "genres": "list",
    "tags": "list",
    "people": "list",
    "directors": "list",
    "actors": "list",
    "description": "str",
    "region": "str",
}
LIST_FIELDS = tuple(k for k, v in STANDARD_FIELDS.items() if v == "list")


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    return isinstance(x, numbers.Real) and not isinstance(x, numbers.Integral) and math.isnan(x)


def _norm_list(x: Any, name: str, sep: str | None) -> list[str]:
    if _is_missing(x):
        return []
    if isinstance(x, str):
        if sep is None:
            raise InputTypeError(
                f"field {name!r} holds lists of strings, got the string {shorten(x)}; pass a list, "
                "or list_sep='|' to split strings."
            )
        return [p.strip() for p in x.split(sep) if p.strip()]
    if isinstance(x, (list, tuple, np.ndarray)):
        out = [str(v) if isinstance(v, np.str_) else v for v in list(x)]
        if not all(isinstance(v, str) for v in out):
            raise InputTypeError(f"field {name!r} must hold lists of strings, got {shorten(x)}.")
        return out
    raise InputTypeError(f"field {name!r} must hold lists of strings, got {type(x).__name__}.")


def _norm_str(x: Any, name: str) -> str:
    if _is_missing(x):
        return ""
    if isinstance(x, str):
        return str(x)
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        return str(int(x))
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        f = float(x)
        return str(int(f)) if f.is_integer() else str(f)
    raise InputTypeError(f"field {name!r} must hold strings, got {type(x).__name__} {shorten(x)}.")


def _norm_int(x: Any, name: str) -> int | None:
    if _is_missing(x) or (isinstance(x, str) and not x.strip()):
        return None
    try:
        f = float(x) if not isinstance(x, numbers.Integral) else x
    except (TypeError, ValueError):
        raise InputError(f"field {name!r} must hold integers, got {shorten(x)}.") from None
    if isinstance(x, bool) or not float(f).is_integer():
        raise InputError(f"field {name!r} must hold integers, got {shorten(x)}.")
    return int(f)


def _norm_other(x: Any) -> Any:
    if _is_missing(x):
        return None
    if isinstance(x, np.generic):
        return x.item()
    return x


def _normalize(name: str, values: list[Any], list_sep: str | None, list_fields: set[str]) -> list:
    kind = "list" if name in list_fields else STANDARD_FIELDS.get(name, "other")
    if kind == "list":
        return [_norm_list(x, name, list_sep) for x in values]
    if kind == "str":
        return [_norm_str(x, name) for x in values]
    if kind == "int":
        return [_norm_int(x, name) for x in values]
    return [_norm_other(x) for x in values]


class Catalog(Saveable):
    """Item metadata (titles, years, genres, people, ...) aligned with an item id map.

    Standard fields, with their value when missing: ``title``, ``description``, ``region``
    (str, ``""``); ``year`` (int, None); ``aliases``, ``genres``, ``tags``, ``people``,
    ``directors``, ``actors`` (list of str, ``[]``). Any other field name is allowed and
    kept as given (NaN becomes None).

    Parameters
    ----------
    item_ids : IdMap or array-like
        The item ids, in index order (unique).
    fields : mapping of str to list, optional
        Field name -> values aligned with `item_ids`.
    id_field : str, default="id"
        Name under which :meth:`records` and ``catalog[item_id]`` report the id.
    list_sep : str, optional
        If given, strings in list fields are split on it.
    list_fields : iterable of str, default=()
        Extra field names holding lists of strings.

    Examples
    --------
    >>> cat = Catalog.from_records([
    ...     {"id": "tt1", "title": "英雄", "year": 2002, "genres": ["武侠", "剧情"]},
    ...     {"id": "tt2", "title": "Hero"},
    ... ])
    >>> cat
    Catalog(n_items=2, fields=['title', 'year', 'genres'])
    >>> cat["tt2"]
    {'id': 'tt2', 'title': 'Hero', 'year': None, 'genres': []}
    >>> cat.field("genres")
    [['武侠', '剧情'], []]
    """

    __slots__ = ("_fields", "_id_field", "_item_ids")
    _persist_kind = "Catalog"

    def __init__(
        self,
        item_ids: Any,
        fields: dict[str, list[Any]] | None = None,
        *,
        id_field: str = "id",
        list_sep: str | None = None,
        list_fields: Iterable[str] = (),
    ) -> None:
        self._item_ids = item_ids if isinstance(item_ids, IdMap) else IdMap(item_ids)
        self._id_field = str(check_str(id_field, "id_field"))
        n = len(self._item_ids)
        check_str(list_sep, "list_sep", allow_none=True)
        extra_list = check_iterable(list_fields, "list_fields")
        if not all(isinstance(f, str) for f in extra_list):
            raise InputTypeError(
                f"list_fields must hold field names (str), got {shorten(list_fields)}."
            )
        if list_sep == "":
            raise InputError("list_sep must be a non-empty string (e.g. '|') or None.")
        extra = set(extra_list)
        if fields is not None and not isinstance(fields, Mapping):
            raise InputTypeError(
                f"fields must be a dict of field name -> list of values, got {type(fields).__name__}."
            )
        self._fields: dict[str, list[Any]] = {}
        for name, values in (fields or {}).items():
            if name == self._id_field:
                raise InputError(f"field {name!r} is the id field; give the ids as item_ids.")
            vals = check_iterable(values, f"fields[{name!r}]")
            if len(vals) != n:
                raise InputError(f"field {name!r} has {len(vals)} values for {n} items.")
            self._fields[str(name)] = _normalize(str(name), vals, list_sep, extra)

    # construction -------------------------------------------------------------------
    @classmethod
    def from_records(
        cls,
        records: Iterable[dict[str, Any]],
        *,
        id_field: str = "id",
        list_sep: str | None = None,
        list_fields: Iterable[str] = (),
    ) -> Catalog:
        """Build from an iterable of dicts, one per item; each must hold `id_field`.

        Fields are the union of the records' keys (in order of first appearance); a field
        missing from a record takes the missing value of its kind.

        Raises
        ------
        InputError
            A record is not a dict or lacks `id_field`.
        DuplicateError
            Two records share an id.
        """
        check_str(id_field, "id_field")
        ids: list[Any] = []
        names: dict[str, None] = {}
        recs = []
        for i, rec in enumerate(check_iterable(records, "records")):
            if not isinstance(rec, dict):
                raise InputError(f"record {i} must be a dict, got {type(rec).__name__}.")
            if id_field not in rec:
                raise InputError(f"record {i} has no {id_field!r} field: {shorten(rec)}.")
            ids.append(rec[id_field])
            recs.append(rec)
            for k in rec:
                if k != id_field:
                    names.setdefault(k, None)
        fields = {k: [r.get(k) for r in recs] for k in names}
        return cls(ids, fields, id_field=id_field, list_sep=list_sep, list_fields=list_fields)

    @classmethod
    def from_frame(
        cls,
        df: Any,
        *,
        id_field: str = "id",
        list_sep: str | None = "|",
        list_fields: Iterable[str] = (),
    ) -> Catalog:
        """Build from a pandas DataFrame with one row per item and an `id_field` column.

        Strings in list fields (the standard ones plus `list_fields`) are split on
        `list_sep`; NaN cells become the field's missing value.
        """
        cols = [str(c) for c in getattr(df, "columns", [])]
        check_str(id_field, "id_field")
        if id_field not in cols:
            raise InputError(f"column {id_field!r} is not in the frame; its columns are {cols}.")
        fields = {}
        for c in df.columns:
            if str(c) != id_field:
                s = df[c]
                vals = s.to_numpy(dtype=object).tolist()
                na = s.isna().to_numpy()
                fields[str(c)] = [None if m else v for v, m in zip(vals, na)]
        ids = df[id_field].to_numpy()
        return cls(ids, fields, id_field=id_field, list_sep=list_sep, list_fields=list_fields)

    @classmethod
    def from_csv(
        cls,
        path: Any,
        *,
        id_field: str = "id",
        list_sep: str | None = "|",
        sep: str | None = ",",
        encoding: str = "utf-8",
        list_fields: Iterable[str] = (),
        id_type: type | None = None,
    ) -> Catalog:
        """Read a delimited file with a header row; quoted fields are supported for ``","``.

        Values are read as strings (``year`` is converted to int, list fields are split
        on `list_sep`, empty cells are missing). Ids are ints when every id is an integer,
        unless ``id_type=str``.

        Examples
        --------
        >>> text = 'id,title,year,genres\\n1,"Heat",1995,Action|Crime\\n2,Up,,\\n'
        >>> Catalog.from_csv(text.encode()).field("genres")
        [['Action', 'Crime'], []]
        """
        check_option(id_type, (None, int, str), "id_type")
        data, source = read_source(path)
        table = split_table(data, source=source, delimiter=sep, header=True, encoding=encoding)
        head = table.header or []
        check_str(id_field, "id_field")
        if id_field not in head:
            raise InputError(f"column {id_field!r} is not in the header of {source!r}: {head}.")
        j = head.index(id_field)
        ids: Any = None
        if id_type is not str:
            try:
                ids = table.fields[:, j].astype(np.int64)
            except (ValueError, OverflowError):
                if id_type is int:
                    raise InputError(f"{source!r}: column {id_field!r} is not all ints.") from None
        if ids is None:
            ids = to_str(table, j, encoding)
        fields = {}
        for k, name in enumerate(head):
            if k != j:
                col = to_str(table, k, encoding).tolist()
                fields[name] = [v if v != "" else None for v in col]
        return cls(ids, fields, id_field=id_field, list_sep=list_sep, list_fields=list_fields)

    # access -------------------------------------------------------------------------
    @property
    def item_ids(self) -> IdMap:
        """The item ids, in index order."""
        return self._item_ids

    @property
    def id_field(self) -> str:
        """Name of the id in :meth:`records`."""
        return self._id_field

    @property
    def fields(self) -> list[str]:
        """Names of the fields present."""
        return list(self._fields)

    def field(self, name: str) -> list[Any]:
        """Values of field `name`, aligned with :attr:`item_ids` (a copy)."""
        check_str(name, "name")
        if name not in self._fields:
            raise UnknownIdError(f"no field {name!r}; the fields are {self.fields}.")
        return [list(v) if isinstance(v, list) else v for v in self._fields[name]]

    def _record(self, i: int) -> dict[str, Any]:
        rec = {self._id_field: self._item_ids.ids[i : i + 1].tolist()[0]}
        for k, vals in self._fields.items():
            v = vals[i]
            rec[k] = list(v) if isinstance(v, list) else v
        return rec

    def __getitem__(self, item_id: Any) -> dict[str, Any]:
        return self._record(self._item_ids.index([item_id], name="item_id")[0])

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._item_ids

    def records(self) -> Iterator[dict[str, Any]]:
        """One dict per item, in index order, with the id under :attr:`id_field`."""
        return (self._record(i) for i in range(len(self)))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.records()

    def __len__(self) -> int:
        return len(self._item_ids)

    def __repr__(self) -> str:
        return f"Catalog(n_items={len(self)}, fields={self.fields})"

    def take(self, indices: Any) -> Catalog:
        """Keep the items at `indices` (positions), in that order."""
        idx = as_positions(indices, "indices")
        if idx.size and (idx.min() < 0 or idx.max() >= len(self)):
            raise InputError(f"indices must lie in [0, {len(self) - 1}].")
        out = Catalog.__new__(Catalog)
        out._item_ids = self._item_ids.subset(idx)
        out._id_field = self._id_field
        out._fields = {k: [v[i] for i in idx.tolist()] for k, v in self._fields.items()}
        return out

    def subset(self, item_ids: Any, *, on_unknown: str = "raise") -> Catalog:
        """Keep the given items (external ids), in that order (``on_unknown="ignore"`` drops
        ids the catalogue does not know)."""
        check_option(on_unknown, ("raise", "ignore"), "on_unknown")
        return self.take(self._item_ids.index(item_ids, on_unknown=on_unknown, name="item_ids"))

    # persistence (save / load come from filmreco._persist.Saveable) ---------------------
    def _export(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Strings as unicode arrays, lists as a flat string array plus offsets, ints /
        floats / bools with a missing-value mask, anything else as JSON text (no pickle)."""
        arrays, meta = self._item_ids.to_arrays("item_")
        kinds = []
        for i, (name, vals) in enumerate(self._fields.items()):
            kind, arrs = _encode(name, vals)
            kinds.append([name, kind])
            arrays.update({f"f{i}_{k}": a for k, a in arrs.items()})
        meta.update({"id_field": self._id_field, "fields": kinds})
        return arrays, meta

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Catalog:
        out = cls.__new__(cls)
        out._item_ids = IdMap.from_arrays(arrays, meta, "item_")
        if not isinstance(meta["id_field"], str):
            raise InputError(f"id_field must be a str, got {meta['id_field']!r}.")
        out._id_field = meta["id_field"]
        out._fields = {}
        n = len(out._item_ids)
        for i, (name, kind) in enumerate(meta["fields"]):
            sub = {k[len(f"f{i}_") :]: a for k, a in arrays.items() if k.startswith(f"f{i}_")}
            if not isinstance(name, str) or name in out._fields or name == out._id_field:
                raise InputError(f"field name {name!r} is not a new str.")
            out._fields[name] = _decode(kind, sub, n)
        return out


def _kind_of(vals: list[Any]) -> str:
    present = [v for v in vals if v is not None]
    if all(isinstance(v, str) for v in present):
        return "str"
    if all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in present):
        return "list"
    if all(isinstance(v, bool) for v in present):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        if all(-(2**63) <= v < 2**63 for v in present):
            return "int"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "float"
    return "json"


def _encode(name: str, vals: list[Any]) -> tuple[str, dict[str, np.ndarray]]:
    kind = _kind_of(vals)
    missing = np.array([v is None for v in vals], dtype=bool)
    if kind == "str":
        return kind, {
            "v": np.array(["" if v is None else v for v in vals], dtype=str),
            "m": missing,
        }
    if kind == "list":
        flat = [x for v in vals if v is not None for x in v]
        lengths = [0 if v is None else len(v) for v in vals]
        offsets = np.zeros(len(vals) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return kind, {"v": np.array(flat, dtype=str), "o": offsets, "m": missing}
    if kind in ("bool", "int", "float"):
        dt = {"bool": bool, "int": np.int64, "float": np.float64}[kind]
        fill = {"bool": False, "int": 0, "float": 0.0}[kind]
        v = np.array([fill if x is None else x for x in vals], dtype=dt)
        return kind, {"v": v, "m": missing}
    try:
        text = [json.dumps(v, ensure_ascii=False, allow_nan=False) for v in vals]
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"field {name!r} holds values that cannot be saved without pickle ({exc}); "
            "use str, int, float, bool, lists of str or JSON-compatible values."
        ) from None
    return "json", {"v": np.array(text, dtype=str), "m": missing}


def _decode(kind: str, a: dict[str, np.ndarray], n: int) -> list[Any]:
    missing_arr = np.asarray(a["m"])
    if missing_arr.shape != (n,) or missing_arr.dtype != bool:
        raise InputError(f"a field's missing mask has shape {missing_arr.shape}, expected ({n},).")
    missing = missing_arr.tolist()
    values = np.asarray(a["v"])
    if kind == "list":
        off = np.asarray(a["o"])
        ok = (
            off.shape == (n + 1,)
            and off.dtype.kind in "iu"
            and (values.dtype.kind == "U" or not values.size)
        )
        if ok:
            ok = bool(off[0] == 0 and off[-1] == values.size and (np.diff(off) >= 0).all())
        if not ok:
            raise InputError("a list field has malformed offsets or values.")
        flat, offs = values.tolist(), off.tolist()
        return [None if m else flat[offs[i] : offs[i + 1]] for i, m in enumerate(missing)]
    want = {"str": "U", "json": "U", "bool": "b", "int": "i", "float": "f"}
    if kind not in want:
        raise InputError(f"unknown field kind {kind!r}.")
    if values.shape != (n,) or (n and values.dtype.kind != want[kind]):
        raise InputError(f"a {kind} field has shape {values.shape} and dtype {values.dtype}.")
    if kind == "json":
        return [json.loads(v) for v in values.tolist()]
    vals = values.tolist()
    return [None if m else v for v, m in zip(vals, missing)]
