"""The :class:`Catalog` container: item metadata aligned with an item :class:`IdMap`."""

from __future__ import annotations

import datetime
import json
import math
import numbers
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .._persist import Saveable
from .._validation import as_positions, check_iterable, check_option, check_str, shorten
from ..exceptions import InputError, InputTypeError, UnknownIdError
from ..sparse import IdMap
from ._clean import warn_data
from ._text import (
    ON_ERROR,
    as_utf8,
    check_header,
    column_index,
    column_names,
    read_source,
    split_table,
    to_str,
)

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
                f"or list_sep='|' (or list_sep={{{name!r}: ', '}}) to split strings."
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
    if isinstance(x, bool) or not (isinstance(f, numbers.Integral) or float(f).is_integer()):
        raise InputError(f"field {name!r} must hold integers, got {shorten(x)}.")
    return int(f)  # an int of any size: one beyond int64 is saved as JSON (see _kind_of)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_bool_ids(item_ids: Any, where: Callable[[int], str]) -> Any:
    """`item_ids` (an iterator made a list), or an InputError for a bool among them (an
    IdMap would take True as 1)."""
    dtype = getattr(item_ids, "dtype", None)
    if isinstance(item_ids, (str, bytes)) or not hasattr(item_ids, "__iter__"):
        return item_ids  # IdMap says what is wrong
    if dtype is not None and getattr(dtype, "kind", "O") != "O":  # numpy / pandas
        at = 0 if dtype.kind == "b" else -1
    else:
        if not isinstance(item_ids, (list, tuple)) and dtype is None:
            item_ids = list(item_ids)
        at = next((i for i, v in enumerate(item_ids) if isinstance(v, (bool, np.bool_))), -1)
    if at >= 0:
        raise InputError(
            f"{where(at)}: the id is a bool; ids are int or str (True would become 1). Give "
            "every item a real id."
        )
    return item_ids


def _norm_other(x: Any) -> Any:
    if _is_missing(x):
        return None
    if isinstance(x, np.generic):
        return x.item()
    return x


_MISSING: dict[str, Any] = {"list": [], "str": "", "int": None, "other": None}
_YEAR_AT_START = re.compile(r"\s*(\d{4})(?!\d)")


def _normalize(
    name: str, values: list[Any], seps: dict[str, str | None], list_fields: set[str]
) -> tuple[list[Any], list[tuple[int, Exception]]]:
    """Values of field `name` in their standard form, and the cells that failed."""
    listed = name in list_fields or (name in seps and name != "")  # "": the default sep
    kind = "list" if listed else STANDARD_FIELDS.get(name, "other")
    conv: Callable[[Any], Any]
    if kind == "list":
        sep = seps.get(name, seps.get("", None))

        def conv(x: Any) -> Any:
            return _norm_list(x, name, sep)
    elif kind == "str":

        def conv(x: Any) -> Any:
            return _norm_str(x, name)
    elif kind == "int":

        def conv(x: Any) -> Any:
            return _norm_int(x, name)
    else:
        conv = _norm_other
    out: list[Any] = []
    bad: list[tuple[int, Exception]] = []
    for i, x in enumerate(values):
        try:
            out.append(conv(x))
        except (InputError, InputTypeError) as exc:
            bad.append((i, exc))
            m = _MISSING[kind]
            out.append(list(m) if isinstance(m, list) else m)
    return out, bad


def _list_seps(list_sep: Any) -> dict[str, str | None]:
    """`list_sep` (a str, None, or field -> separator) as a dict; key "" is the default."""
    if isinstance(list_sep, Mapping):
        seps: dict[str, str | None] = {}
        for k, v in list_sep.items():
            if not isinstance(k, str) or not k or not isinstance(v, str) or not v:
                raise InputError(
                    f"list_sep must map field names to non-empty separators, got "
                    f"{shorten(dict(list_sep))}; e.g. list_sep={{'actors': ', ', "
                    "'languages': ' / '}."
                )
            seps[k] = v
        return seps
    check_str(list_sep, "list_sep", allow_none=True)
    if list_sep == "":
        raise InputError("list_sep must be a non-empty string (e.g. '|') or None.")
    return {"": list_sep}


def _year_of(x: Any) -> int | None:
    """The year of a date cell: ``'2018-07-05'``, ``'2018'``, ``'1994/09/10(中国大陆)'``, a
    date, a datetime64 or a number; None when missing; ValueError when there is none."""
    if _is_missing(x) or (isinstance(x, str) and not x.strip()):
        return None
    if isinstance(x, (datetime.date, datetime.datetime)) or hasattr(x, "year"):
        return int(x.year)
    if isinstance(x, np.datetime64):
        if np.isnat(x):
            return None
        return int(str(x.astype("datetime64[Y]")))
    if isinstance(x, numbers.Real) and not isinstance(x, bool) and float(x).is_integer():
        return int(float(x))
    if isinstance(x, str):
        m = _YEAR_AT_START.match(x)
        if m:
            return int(m.group(1))
    raise ValueError(x)


def _derive_year(
    fields: dict[str, list[Any]], year_from: str | None
) -> tuple[dict[str, list[Any]], list[tuple[int, Exception]]]:
    """Add "year" from the date column `year_from`; the cells without a year fail."""
    if year_from is None:
        return fields, []
    check_str(year_from, "year_from")
    if year_from not in fields:
        raise InputError(f"year_from={year_from!r} is not a field; the fields are {list(fields)}.")
    if "year" in fields and year_from != "year":
        raise InputError(
            f"the data already has a 'year' field, so year_from={year_from!r} would replace "
            "it; drop that field or pass year_from=None."
        )
    years: list[Any] = []
    bad: list[tuple[int, Exception]] = []
    for i, x in enumerate(fields[year_from]):
        try:
            years.append(_year_of(x))
        except ValueError:
            years.append(None)
            bad.append((i, InputError(f"field {year_from!r} has no year in {shorten(x)}")))
    out = dict(fields)
    out["year"] = years
    return out, bad


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
        list_sep: str | Mapping[str, str] | None = None,
        list_fields: Iterable[str] = (),
        on_error: str = "raise",
    ) -> None:
        self._fill(
            item_ids,
            fields,
            id_field=id_field,
            list_sep=list_sep,
            list_fields=list_fields,
            on_error=on_error,
        )

    def _fill(
        self,
        item_ids: Any,
        fields: Any,
        *,
        id_field: str,
        list_sep: Any,
        list_fields: Iterable[str],
        on_error: str,
        year_from: str | None = None,
        where: Callable[[int], str] = lambda i: f"item {i}",
        default_sep: str | None = None,
    ) -> None:
        check_option(on_error, ON_ERROR, "on_error")
        if not isinstance(item_ids, IdMap):
            item_ids = _refuse_bool_ids(item_ids, where)
        ids = item_ids if isinstance(item_ids, IdMap) else IdMap(item_ids)
        self._id_field = str(check_str(id_field, "id_field"))
        n = len(ids)
        seps = _list_seps(list_sep)
        seps.setdefault("", default_sep)
        extra_list = check_iterable(list_fields, "list_fields")
        if not all(isinstance(f, str) for f in extra_list):
            raise InputTypeError(
                f"list_fields must hold field names (str), got {shorten(list_fields)}."
            )
        extra = set(extra_list)
        if fields is not None and not isinstance(fields, Mapping):
            raise InputTypeError(
                f"fields must be a dict of field name -> list of values, got {type(fields).__name__}."
            )
        checked: dict[str, list[Any]] = {}
        for name, values in (fields or {}).items():
            if name == self._id_field:
                raise InputError(f"field {name!r} is the id field; give the ids as item_ids.")
            if isinstance(name, str) and _SURROGATE.search(name) is not None:
                raise InputError(
                    f"field name {name!r} holds a lone surrogate: it is not Unicode text and "
                    "could not be saved; rename the field (decode the header it came from "
                    "with the right encoding)."
                )
            vals = check_iterable(values, f"fields[{name!r}]")
            if len(vals) != n:
                raise InputError(f"field {name!r} has {len(vals)} values for {n} items.")
            checked[str(name)] = vals
        checked, bad_years = _derive_year(checked, year_from)
        self._fields = {}
        bad: list[tuple[int, str, Exception]] = [(i, "year", e) for i, e in bad_years]
        for name, vals in checked.items():
            self._fields[name], errs = _normalize(name, vals, seps, extra)
            bad.extend((i, name, e) for i, e in errs)
        self._item_ids = ids
        if bad:
            self._bad_cells(bad, on_error, where)

    def _bad_cells(
        self, bad: list[tuple[int, str, Exception]], on_error: str, where: Callable[[int], str]
    ) -> None:
        """Raise for the first bad cell, or warn with counts (coerced cells are already
        missing; "drop" then leaves their records out)."""
        bad.sort(key=lambda b: b[0])
        ids = self._item_ids.ids
        i, _, exc = bad[0]
        at = f"{where(i)} (id {shorten(ids[i : i + 1].tolist()[0])})"
        if on_error == "raise":
            raise type(exc)(
                f"{at}: {str(exc).rstrip('.')}; fix the cell, or pass on_error='coerce' (make "
                f"it missing) or on_error='drop' (leave the record out). {len(bad)} bad "
                "cell(s) in all."
            ) from None
        per_field: dict[str, int] = {}
        for _, f, _ in bad:
            per_field[f] = per_field.get(f, 0) + 1
        counts = ", ".join(f"{k!r}: {v}" for k, v in per_field.items())
        rows = sorted({b[0] for b in bad})
        if on_error == "drop":
            keep = np.setdiff1d(np.arange(len(ids)), rows)
            kept = self.take(keep)
            self._item_ids, self._fields = kept._item_ids, kept._fields
            done = f"left out {len(rows)} record(s) with a bad cell"
        else:
            done = f"made {len(bad)} bad cell(s) missing"
        warn_data(
            f"{done} (on_error={on_error!r}; by field: {counts}); the first: {at}: {exc}",
        )

    # construction -------------------------------------------------------------------
    @classmethod
    def _build(
        cls, ids: Any, fields: dict[str, list[Any]], where: Callable[[int], str], **kw: Any
    ) -> Catalog:
        self = cls.__new__(cls)
        self._fill(ids, fields, where=where, **kw)
        return self

    @classmethod
    def from_records(
        cls,
        records: Iterable[dict[str, Any]],
        *,
        id_field: str = "id",
        list_sep: str | Mapping[str, str] | None = None,
        list_fields: Iterable[str] = (),
        on_error: str = "raise",
        year_from: str | None = None,
    ) -> Catalog:
        """Build from an iterable of dicts, one per item; each must hold `id_field`.

        Fields are the union of the records' keys (in order of first appearance); a field
        missing from a record takes the missing value of its kind. `list_sep`,
        `on_error` and `year_from` are as in :meth:`from_csv`.

        Raises
        ------
        InputError
            A record is not a dict or lacks `id_field`, an id is a bool, a field name holds
            a lone surrogate (it could not be saved); a bad cell under
            ``on_error="raise"`` (the message names the record and its id).
        DuplicateError
            Two records share an id.

        Examples
        --------
        >>> import warnings
        >>> recs = [{"id": 1, "year": "1994"}, {"id": 2, "year": "unkonwn"}]
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always")
        ...     cat = Catalog.from_records(recs, on_error="coerce")
        >>> cat.field("year"), len(w)
        ([1994, None], 1)
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
        return cls._build(
            ids,
            fields,
            lambda i: f"record {i}",
            id_field=id_field,
            list_sep=list_sep,
            list_fields=list_fields,
            on_error=on_error,
            year_from=year_from,
        )

    @classmethod
    def from_frame(
        cls,
        df: Any,
        *,
        id_field: str = "id",
        list_sep: str | Mapping[str, str] | None = "|",
        list_fields: Iterable[str] = (),
        on_error: str = "raise",
        year_from: str | None = None,
    ) -> Catalog:
        """Build from a pandas DataFrame with one row per item and an `id_field` column.

        Strings in list fields (the standard ones, `list_fields` and the fields named in a
        `list_sep` dict) are split on their separator; NaN cells become the field's
        missing value. `on_error` and `year_from` are as in :meth:`from_csv` (a bad cell
        is reported with its row position and id).
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
        return cls._build(
            ids,
            fields,
            lambda i: f"row {i}",
            id_field=id_field,
            list_sep=list_sep,
            list_fields=list_fields,
            on_error=on_error,
            year_from=year_from,
            default_sep="|",
        )

    @classmethod
    def from_csv(
        cls,
        path: Any,
        *,
        id_field: str | int = "id",
        list_sep: str | Mapping[str, str] | None = "|",
        sep: str | None = ",",
        encoding: str = "utf-8",
        list_fields: Iterable[str] = (),
        id_type: type | None = None,
        header: int | None = 0,
        names: Any = None,
        comments: str = "",
        on_error: str = "raise",
        year_from: str | None = None,
    ) -> Catalog:
        """Read a delimited file, one line per item; quoted fields are supported for ``","``.

        Values are read as strings (``year`` is converted to int, list fields are split
        on their separator, empty cells are missing). Ids are ints when every id is an
        integer, unless ``id_type=str``. A UTF-8 byte-order mark is dropped.

        Parameters
        ----------
        path : str, path-like, file object or bytes
            The file (gzip/bz2/xz compression is detected from its first bytes).
        id_field : str or int, default="id"
            The id column, by name or position; the records keep it under this name
            (``"id"`` when given by position).
        list_sep : str, dict or None, default="|"
            Separator of the multi-valued fields. A dict gives fields their own
            separators and makes them list fields, e.g. Douban's
            ``{"actors": ", ", "genres": ", ", "languages": " / "}``; the other list
            fields are then split on ``"|"``.
        sep : str or None, default=","
            Field separator (any string); None splits on runs of blanks.
        encoding : str, default="utf-8"
            Text encoding; a file that is not valid UTF-8 raises a
            :class:`~filmreco.exceptions.FormatError` naming the codecs that fit
            (``"gb18030"``, ``"big5"`` ...), and a garbled header is reported as such.
        list_fields : iterable of str, default=()
            Extra field names holding lists (split on `list_sep`).
        id_type : {None, int, str}, default=None
        header : {0, None}, default=0
            0: the first line names the fields. None: no header line; name the fields with
            `names` (pandas' convention).
        names : list of str, optional
            One name per field (replaces the header line when ``header=0``).
        comments : str, default=""
            Characters that start a comment line, e.g. ``"#"``.
        on_error : {"raise", "coerce", "drop"}, default="raise"
            A cell that does not convert (a year ``"unkonwn"``): raise naming the line, the
            record's id and the value; make it missing ("coerce"); or leave the record out
            ("drop"). Both warn with a :class:`~filmreco.exceptions.DataWarning` counting
            the cells per field.
        year_from : str, optional
            A date field (``"2018-07-05"``, ``"2018"``, ``"1994-09-10(中国大陆)"``) from
            which the ``year`` field is derived; a date without a year is a bad cell.

        Examples
        --------
        >>> text = 'id,title,year,genres\\n1,"Heat",1995,Action|Crime\\n2,Up,,\\n'
        >>> Catalog.from_csv(text.encode()).field("genres")
        [['Action', 'Crime'], []]

        Douban's layout: per-field separators and a release date:

        >>> text = ('movie_id,title,actors,release_date,languages\\n'
        ...         '1,活着,"葛优, 巩俐",1994-05-17,汉语普通话 / 英语\\n')
        >>> cat = Catalog.from_csv(text.encode(), id_field="movie_id", year_from="release_date",
        ...                        list_sep={"actors": ", ", "languages": " / "})
        >>> rec = cat[1]
        >>> rec["actors"], rec["languages"], rec["year"]
        (['葛优', '巩俐'], ['汉语普通话', '英语'], 1994)
        """
        check_option(id_type, (None, int, str), "id_type")
        check_option(on_error, ON_ERROR, "on_error")
        has_header = check_header(header)
        if isinstance(id_field, bool) or not isinstance(id_field, (str, numbers.Integral)):
            raise InputTypeError(
                f"id_field must be a column name (str) or position (int), got {shorten(id_field)}."
            )
        data, source = read_source(path)
        data, encoding = as_utf8(data, encoding, source)
        table = split_table(
            data,
            source=source,
            delimiter=sep,
            header=has_header,
            encoding=encoding,
            comments=comments,
        )
        head = column_names(table, names, has_header)
        j = column_index(id_field, head, table, arg="id_field")
        if head is None:
            head = [str(k) for k in range(table.fields.shape[1])]
        id_name = id_field if isinstance(id_field, str) else "id"
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
        lines = table.lines
        return cls._build(
            ids,
            fields,
            lambda i: f"{source!r}, line {int(lines[i])}",
            id_field=id_name,
            list_sep=list_sep,
            list_fields=list_fields,
            on_error=on_error,
            year_from=year_from,
            default_sep="|",
        )

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
        return self.take(
            self._item_ids.index(
                item_ids,
                on_unknown=on_unknown,
                name="item_ids",
                advice="check the ids, or pass on_unknown='ignore' to drop them",
            )
        )

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
    """How a field is stored: the kind of array that gives its values back unchanged, else
    "json" (text ending in NUL, which numpy's unicode arrays drop; ints beyond int64; ints
    mixed with floats that a float cannot hold exactly)."""
    present = [v for v in vals if v is not None]
    if all(isinstance(v, str) for v in present):
        return "json" if any(v.endswith("\x00") for v in present) else "str"
    if all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in present):
        if any(x.endswith("\x00") for v in present for x in v):
            return "json"
        return "list"
    if all(isinstance(v, bool) for v in present):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        if all(-(2**63) <= v < 2**63 for v in present):
            return "int"
        return "json"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        if all(isinstance(v, float) or -(2**53) <= v <= 2**53 for v in present):
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
        # infinities as JSON's Infinity (json.loads reads it back); NaN is missing (None)
        text = [json.dumps(v, ensure_ascii=False, allow_nan=True) for v in vals]
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
