"""External ids <-> contiguous indices."""

from __future__ import annotations

import sys
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any, Literal

import numpy as np

from .._persist import Saveable
from .._validation import (
    as_positions,
    check_bool,
    check_instance,
    check_option,
    check_str,
    check_strings_kept,
    shorten,
    user_stacklevel,
)
from ..exceptions import DuplicateError, InputError, InputTypeError, UnknownIdError

__all__ = ["ON_UNKNOWN", "IdMap", "as_id_array"]

#: The library-wide policy names for ids that an :class:`IdMap` does not know.
ON_UNKNOWN = ("raise", "ignore", "mask")

IdKind = Literal["int", "str", "object"]


def as_id_array(ids: Any, name: str = "ids") -> tuple[np.ndarray, IdKind]:
    """Convert ids to a 1-D array of one kind: ``int64``, fixed-width ``str`` or ``object``.

    Integers (any integer dtype, or Python ints) become ``int64``; floats are accepted only
    when every value is a whole number (as CSV readers produce) and are converted to
    ``int64``; strings become a numpy unicode array; anything else hashable stays
    ``object``. NaN, None and pandas' NA and NaT are refused, since they cannot be ids.

    Examples
    --------
    >>> ids, kind = as_id_array([3.0, 7])
    >>> ids, ids.dtype, kind
    (array([3, 7]), dtype('int64'), 'int')
    """
    if isinstance(ids, (str, bytes)) or not isinstance(ids, (Iterable, np.ndarray)):
        ids = [ids]
    arr = ids if isinstance(ids, np.ndarray) else np.asarray(list(ids), dtype=object)
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim == 0 else arr
        if arr.ndim != 1:
            raise InputError(f"{name} must be one-dimensional, got shape {arr.shape}.")
    kind = arr.dtype.kind
    if kind == "O" and arr.size:
        types = {type(x) for x in arr}
        if all(issubclass(t, (str, np.str_)) for t in types):
            converted = arr.astype(str)
            check_strings_kept(arr, converted, name)
            arr, kind = converted, "U"
        elif all(issubclass(t, (int, np.integer)) and not issubclass(t, bool) for t in types):
            kind = "i"
        elif all(issubclass(t, (float, np.floating, int, np.integer)) for t in types):
            arr, kind = arr.astype(np.float64), "f"
    if kind in "iu":
        if kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
            raise InputError(f"{name} holds unsigned ids above the int64 range.")
        try:
            return arr.astype(np.int64), "int"
        except OverflowError:
            raise InputError(
                f"{name} holds int ids outside the int64 range [-2**63, 2**63 - 1]; map them "
                "to smaller ints or to strings first."
            ) from None
    if kind == "b":
        raise InputError(f"{name} must be ints or strings, got booleans.")
    if kind == "f":
        f = arr.astype(np.float64)
        if not np.isfinite(f).all():
            raise InputError(
                f"{name} contains NaN or infinite values, which cannot be ids; drop those rows "
                "first (e.g. on_nan='drop')."
            )
        if not (f == np.round(f)).all():
            raise InputError(f"{name} holds non-integer floats; ids must be ints or strings.")
        return f.astype(np.int64), "int"
    if kind in "US":
        try:
            return arr.astype(str), "str"
        except UnicodeDecodeError:
            raise InputError(
                f"{name} holds bytes that are not ASCII text; decode them to str first."
            ) from None
    if kind == "O":
        if arr.size == 0:
            return np.zeros(0, dtype=np.int64), "int"
        pd = sys.modules.get("pandas")  # loaded whenever an id can be pandas.NA / NaT
        marks = () if pd is None else (pd.NA, pd.NaT)
        for x in arr:
            if x is None or (isinstance(x, float) and x != x) or any(x is m for m in marks):
                raise InputError(
                    f"{name} contains {shorten(x)}, a missing value, which cannot be an id; "
                    "drop those rows first (e.g. on_nan='drop')."
                )
            if not isinstance(x, Hashable):
                raise InputError(f"{name} contains an unhashable id {shorten(x)}.")
        return arr, "object"
    raise InputError(f"{name} must hold ints or strings, got dtype {arr.dtype}.")


def check_not_padding(ids: np.ndarray, kind: str, name: str) -> None:
    """Refuse the padding values ``-1`` and ``""`` as ids (see :attr:`IdMap.missing`).

    Result rows shorter than ``n`` are padded with ``-1`` (int ids) or ``""`` (str ids) and
    a score of ``-inf``; a real id equal to the padding could not be told apart from it.
    """
    if ids.size == 0:
        return
    if kind == "int":
        found = bool((ids == -1).any())
        bad: Any = -1
    elif kind == "str":
        found = bool((ids == "").any())
        bad = ""
    else:  # mixed objects: refuse the same two values, whatever the other ids are
        found = any(
            (isinstance(x, (str, np.str_)) and x == "")
            or (isinstance(x, (int, np.integer)) and not isinstance(x, bool) and x == -1)
            for x in ids
        )
        bad = "-1 or ''"
    if found:
        what = bad if isinstance(bad, str) and bad.startswith("-1") else repr(bad)
        raise InputError(
            f"{name} contains the id {what}, which filmreco uses to pad result rows shorter "
            "than n (with score -inf), so it cannot be a real id; map it to another id first "
            "(e.g. shift int ids to be >= 0, or give the empty string a name)."
        )


class IdMap(Saveable):
    """A fixed, ordered mapping between external ids and contiguous indices ``0..n-1``.

    External ids are whatever the caller uses: ints (negative ones included, except ``-1``),
    non-empty strings or other hashables; ``-1`` and ``""`` are refused because they pad
    short result rows (:attr:`missing`). They come back unchanged through :attr:`ids` and :meth:`to_ids`.
    Lookups of whole arrays are vectorised (binary search over a sorted copy) for int and
    string ids. An ``IdMap`` never changes; :meth:`extend` and :meth:`subset` return new ones.

    Parameters
    ----------
    ids : array-like
        The ids in index order; they must be unique.

    Raises
    ------
    DuplicateError
        If `ids` holds the same id twice.
    InputError
        If `ids` holds ``-1`` or ``""`` (the padding of short result rows).

    See Also
    --------
    IdMap.from_values : build a map and the codes of a column of (repeated) ids.

    Examples
    --------
    >>> m = IdMap(["tt01", "tt02", "tt03"])
    >>> m.index(["tt03", "tt01"]).tolist()
    [2, 0]
    >>> m.index(["tt03", "nope"], on_unknown="mask").tolist()
    [2, -1]
    >>> m.to_ids([1, -1]).tolist()
    ['tt02', '']
    >>> IdMap.from_values([-7, 3, -7])[1].tolist()
    [0, 1, 0]
    """

    __slots__ = ("_dict", "_ids", "_kind", "_sorted", "_sorter")
    _persist_kind = "IdMap"

    def __init__(self, ids: Any = ()) -> None:
        arr, kind = as_id_array(ids, "ids")
        check_not_padding(arr, kind, "ids")
        self._ids = arr
        self._ids.setflags(write=False)
        self._kind: IdKind = kind
        self._sorter: np.ndarray | None = None
        self._sorted: np.ndarray | None = None
        self._dict: dict[Any, int] | None = None
        self._check_unique()

    # construction -------------------------------------------------------------------
    @classmethod
    def from_values(
        cls, values: Any, *, sort: bool = False, name: str = "values"
    ) -> tuple[IdMap, np.ndarray]:
        """Map a column of possibly repeated ids to codes.

        Parameters
        ----------
        values : array-like
            Ids, repeated as in a log of events; ``-1`` and ``""`` are refused.
        sort : bool, default=False
            If False, indices follow the order of first appearance (stable); if True,
            ids are sorted.
        name : str, default="values"
            The argument named in error messages.

        Returns
        -------
        idmap : IdMap
        codes : numpy.ndarray of int64
            ``idmap.ids[codes]`` equals `values`.
        """
        sort = check_bool(sort, "sort")
        arr, kind = as_id_array(values, name)
        if kind == "object":
            seen: dict[Any, int] = {}
            codes = np.fromiter(
                (seen.setdefault(v, len(seen)) for v in arr), dtype=np.int64, count=arr.size
            )
            uniq = np.empty(len(seen), dtype=object)
            uniq[:] = list(seen)
            if sort:
                raise InputError("sort=True needs int or str ids; these are mixed objects.")
            check_not_padding(uniq, kind, name)
            return cls._trusted(uniq, kind), codes
        uniq, first, inverse = np.unique(arr, return_index=True, return_inverse=True)
        check_not_padding(uniq, kind, name)
        inverse = inverse.reshape(-1)
        if sort:
            m = cls._trusted(uniq, kind)
            m._sorter, m._sorted = np.arange(uniq.size), uniq
            return m, inverse.astype(np.int64)
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        m = cls._trusted(uniq[order], kind)
        m._sorter, m._sorted = rank.astype(np.int64), uniq
        return m, rank[inverse].astype(np.int64)

    @classmethod
    def _trusted(cls, ids: np.ndarray, kind: IdKind) -> IdMap:
        m = cls.__new__(cls)
        m._ids = ids
        m._ids.setflags(write=False)
        m._kind = kind
        m._sorter = m._sorted = None
        m._dict = None
        return m

    def _check_unique(self) -> None:
        if self._kind == "object":
            d = self._as_dict()
            if len(d) != self._ids.size:
                seen: set[Any] = set()
                dup = next(x for x in self._ids if x in seen or seen.add(x))  # type: ignore[func-returns-value]
                raise DuplicateError(
                    f"ids must be unique, but {shorten(dup)} appears more than once."
                )
            return
        s = self._sorted_ids()
        if s.size > 1:
            eq = s[1:] == s[:-1]
            if eq.any():
                dup = s[1:][eq][0]
                raise DuplicateError(
                    f"ids must be unique, but {shorten(dup)} appears more than once; use "
                    "IdMap.from_values(...) to map a column of repeated ids."
                )

    # properties ---------------------------------------------------------------------
    @property
    def ids(self) -> np.ndarray:
        """The ids in index order (read-only array)."""
        return self._ids

    @property
    def kind(self) -> IdKind:
        """``"int"``, ``"str"`` or ``"object"``."""
        return self._kind

    @property
    def missing(self) -> Any:
        """The padding value for absent ids: ``-1`` for int ids, ``""`` for str, None otherwise."""
        return {"int": -1, "str": "", "object": None}[self._kind]

    def __len__(self) -> int:
        return int(self._ids.size)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._ids.tolist())

    def __contains__(self, item: object) -> bool:
        try:
            return bool(self.contains([item])[0])
        except (InputError, TypeError):
            return False

    def __getitem__(self, item: Any) -> int:
        return int(self.index([item])[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IdMap):
            return NotImplemented
        return (
            self._kind == other._kind
            and len(self) == len(other)
            and bool(np.array_equal(self._ids, other._ids))
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        head = ", ".join(repr(x) for x in self._ids[:3].tolist())
        more = ", ..." if len(self) > 3 else ""
        return f"IdMap([{head}{more}], n={len(self)}, kind={self._kind!r})"

    # lookups ------------------------------------------------------------------------
    def _sorted_ids(self) -> np.ndarray:
        if self._sorted is None:
            self._sorter = np.argsort(self._ids, kind="stable")
            self._sorted = self._ids[self._sorter]
        return self._sorted

    def _as_dict(self) -> dict[Any, int]:
        if self._dict is None:
            self._dict = {x: i for i, x in enumerate(self._ids.tolist())}
        return self._dict

    def _positions(self, query: np.ndarray) -> np.ndarray:
        """Indices of `query` ids, -1 where unknown."""
        if query.size == 0 or len(self) == 0:
            return np.full(query.size, -1, dtype=np.int64)
        if self._kind == "object":
            d = self._as_dict()
            return np.fromiter((d.get(x, -1) for x in query), dtype=np.int64, count=query.size)
        s = self._sorted_ids()
        pos = np.searchsorted(s, query)
        pos_c = np.minimum(pos, s.size - 1)
        hit = s[pos_c] == query
        assert self._sorter is not None
        return np.where(hit, self._sorter[pos_c], -1).astype(np.int64)

    def _coerce(self, ids: Any, name: str) -> np.ndarray:
        q, qkind = as_id_array(ids, name)
        if q.size == 0:
            return q
        if self._kind == "object":
            return q.astype(object)
        if qkind != self._kind and len(self):
            raise InputTypeError(
                f"{name} are {qkind} ids but this IdMap holds {self._kind} ids; convert them "
                f"(e.g. {'astype(str)' if self._kind == 'str' else 'astype(int)'}) before lookup."
            )
        return q

    def index(
        self,
        ids: Any,
        *,
        on_unknown: str = "raise",
        name: str = "ids",
        advice: str | None = None,
    ) -> np.ndarray:
        """Return the indices of `ids` as an ``int64`` array.

        Parameters
        ----------
        ids : id or array-like of ids
        on_unknown : {"raise", "ignore", "mask"}, default="raise"
            What to do with ids this map does not know: raise :class:`UnknownIdError`,
            drop them from the result, or return ``-1`` in their place.
        name : str, default="ids"
            Argument name used in error messages.
        advice : str, optional
            How to fix unknown ids, for the error message. By default the message names
            ``on_unknown=`` when this method is called directly, and only says to check
            the ids when another filmreco function calls it (that function may not take
            ``on_unknown``: its own advice is passed here).
        """
        check_option(on_unknown, ON_UNKNOWN, "on_unknown")
        q = self._coerce(ids, name)
        pos = self._positions(q)
        unknown = pos < 0
        if unknown.any():
            if on_unknown == "raise":
                bad = q[unknown][:5].tolist()
                if advice is None:
                    advice = "check the ids"
                    if user_stacklevel() == 2:  # called by the user, not inside filmreco
                        advice += ", or pass on_unknown='ignore' to drop them or 'mask' to get -1"
                    else:
                        advice += " (only ids the object was built or fitted with are known)"
                raise UnknownIdError(
                    f"{int(unknown.sum())} of the {q.size} {name} are unknown "
                    f"(e.g. {shorten(bad)}); {advice}."
                )
            if on_unknown == "ignore":
                pos = pos[~unknown]
        return pos

    def contains(self, ids: Any, *, name: str = "ids") -> np.ndarray:
        """Boolean mask: which of `ids` this map knows (`name` is quoted in errors)."""
        q = self._coerce(ids, name)
        return self._positions(q) >= 0

    def to_ids(self, indices: Any) -> np.ndarray:
        """Ids at `indices`; ``-1`` gives :attr:`missing` (padding)."""
        shape = np.shape(indices) if isinstance(indices, np.ndarray) else None
        idx = as_positions(indices, "indices")
        if shape is not None:
            idx = idx.reshape(shape)
        if idx.size and (idx.max(initial=-1) >= len(self) or idx.min(initial=0) < -1):
            raise InputError(f"indices must lie in [-1, {len(self) - 1}] for this IdMap.")
        if self._kind == "str":
            width = max(1, self._ids.dtype.itemsize // 4)
            out = np.full(idx.shape, "", dtype=f"<U{width}")
        elif self._kind == "int":
            out = np.full(idx.shape, -1, dtype=np.int64)
        else:
            out = np.full(idx.shape, None, dtype=object)
        ok = idx >= 0
        out[ok] = self._ids[idx[ok]]
        return out

    # derived maps -------------------------------------------------------------------
    def extend(self, ids: Any) -> IdMap:
        """Return a new map with the unknown ones of `ids` appended (first-appearance order)."""
        q = self._coerce(ids, "ids")
        if q.size == 0:
            return self
        new, _ = IdMap.from_values(q)
        fresh = new.ids[~self.contains(new.ids)] if len(self) else new.ids
        if fresh.size == 0:
            return self
        if len(self) == 0:
            return IdMap(fresh)
        # np.concatenate widens fixed-width strings (astype to the new ids' width truncated)
        both = np.concatenate([self._ids, fresh])
        return IdMap._trusted(both, self._kind)

    def subset(self, indices: Any) -> IdMap:
        """Return a new map holding the ids at `indices`, in that order."""
        idx = as_positions(indices, "indices")
        if idx.size and (idx.min() < -len(self) or idx.max() >= len(self)):
            raise InputError(f"indices must lie in [0, {len(self) - 1}] for this IdMap.")
        return IdMap(self._ids[idx])

    # persistence --------------------------------------------------------------------
    def to_arrays(self, prefix: str = "") -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Arrays and JSON metadata that :meth:`from_arrays` turns back into this map."""
        if self._kind == "object":
            raise InputError(
                "an IdMap of mixed/object ids cannot be saved without pickle; use int or str ids."
            )
        return {f"{prefix}ids": self._ids}, {f"{prefix}kind": self._kind}

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], meta: dict[str, Any], prefix: str = ""
    ) -> IdMap:
        """Inverse of :meth:`to_arrays`; checks the kind, the dtype and that ids are unique.

        Raises
        ------
        InputError
            The ids are not a 1-D array of the stored kind (``int64`` or unicode).
        DuplicateError
            An id appears twice.
        """
        check_instance(arrays, Mapping, "arrays")
        check_instance(meta, Mapping, "meta")
        check_str(prefix, "prefix")
        for key, where in ((f"{prefix}kind", meta), (f"{prefix}ids", arrays)):
            if key not in where:
                raise InputError(
                    f"{'meta' if where is meta else 'arrays'} has no {shorten(key)} entry; pass "
                    "what to_arrays() returned, with the same prefix."
                )
        kind = meta[f"{prefix}kind"]
        ids = np.asarray(arrays[f"{prefix}ids"])
        want = {"int": "i", "str": "U"}
        if not isinstance(kind, str) or kind not in want:
            raise InputError(f"IdMap kind must be 'int' or 'str', got {shorten(kind)}.")
        if ids.ndim != 1 or (ids.size and ids.dtype.kind != want[kind]):
            raise InputError(
                f"{kind} ids must be a 1-D array of dtype kind {want[kind]!r}, got shape "
                f"{ids.shape} and dtype {ids.dtype}."
            )
        ids = ids.astype(np.int64) if kind == "int" else ids.astype(str)
        check_not_padding(ids, kind, f"the saved {prefix}ids")
        m = cls._trusted(np.array(ids), "int" if kind == "int" else "str")
        m._check_unique()
        return m

    def _export(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return self.to_arrays()

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> IdMap:
        return cls.from_arrays(arrays, meta)
