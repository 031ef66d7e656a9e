"""Keyed pseudonyms, pseudonym tables and joins of pseudonymised data (private; see :mod:`filmreco.privacy`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._persist import Saveable
from .._validation import check_int, shorten
from ..data import Interactions
from ..exceptions import FilmrecoWarning, InputError, InputTypeError
from ..sparse import IdMap, as_id_array, build_csr, row_indices

__all__ = [
    "KeyMismatchError",
    "PrivacyWarning",
    "PseudonymTable",
    "Pseudonymized",
    "Pseudonymizer",
    "join",
    "new_key",
]

MIN_KEY_BYTES = 16
_FINGERPRINT_LABEL = b"filmreco.privacy key fingerprint v1"


class PrivacyWarning(FilmrecoWarning):
    """A privacy protection is weakened (e.g. reproducible noise).

    Examples
    --------
    >>> import warnings
    >>> from filmreco import Interactions
    >>> from filmreco.privacy import item_audience
    >>> X = Interactions.from_arrays(list("abc"), ["tt1"] * 3)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = item_audience(X, min_group_size=1, epsilon=1.0, max_items_per_user=1, random_state=0)
    >>> caught[0].category.__name__  # seeded noise is reproducible, hence weaker
    'PrivacyWarning'
    """


class KeyMismatchError(InputError):
    """Two pseudonymised files were made with different keys (or id types).

    Examples
    --------
    >>> from filmreco import Interactions
    >>> from filmreco.privacy import Pseudonymizer, join
    >>> X = Interactions.from_arrays(["ann", "bob"], ["tt1", "tt2"])
    >>> ours = Pseudonymizer(b"0123456789abcdef-our-key").pseudonymize_interactions(X)
    >>> theirs = Pseudonymizer(b"0123456789abcdef-another").pseudonymize_interactions(X)
    >>> try:
    ...     join(ours, theirs)
    ... except InputError as exc:  # a KeyMismatchError is an InputError
    ...     print(type(exc).__name__)
    KeyMismatchError
    """


def new_key(n_bytes: int = 32) -> bytes:
    """Return a fresh random key for one collaboration, from the OS entropy.

    Examples
    --------
    >>> len(new_key()), new_key() != new_key()
    (32, True)
    """
    n_bytes = check_int(n_bytes, "n_bytes", min_value=MIN_KEY_BYTES)
    return secrets.token_bytes(n_bytes)


def _encode(ids: np.ndarray, kind: str) -> list[bytes]:
    """Canonical bytes of each id; the type tag keeps 7 and "7" apart."""
    if kind == "int":
        return [b"i:" + str(int(x)).encode("ascii") for x in ids.tolist()]
    if kind == "str":
        return [b"s:" + x.encode("utf-8") for x in ids.tolist()]
    raise InputError("ids must all be ints or all be strings to be pseudonymised.")


class Pseudonymizer:
    """Keyed pseudonyms of user ids: HMAC-SHA-256 under a per-collaboration key.

    The same id gives the same pseudonym under one key, and unrelated ones under another.
    See the module docstring for what this does and does not protect.

    Parameters
    ----------
    key : bytes
        At least 16 bytes of secret (:func:`new_key` makes 32). A str is refused: encode it
        explicitly (``passphrase.encode("utf-8")``) so both partners derive the same bytes.

    Attributes
    ----------
    fingerprint : str
        HMAC of a fixed label under the key (16 hex digits): stored beside pseudonyms so a
        file made with another key is detected. It does not reveal the key.

    Examples
    --------
    >>> p = Pseudonymizer(b"0123456789abcdef-demo-key")
    >>> a = p.pseudonymize(["ann", "bob", "ann"])
    >>> a[0] == a[2], a[0] != a[1], len(a[0])
    (True, True, 64)
    >>> p.fingerprint
    '20ef25fad8f7ea51'
    """

    __slots__ = ("_key", "fingerprint")

    def __init__(self, key: bytes) -> None:
        if isinstance(key, str):
            raise InputTypeError(
                "key must be bytes, got str; encode it explicitly (key.encode('utf-8')) so that "
                "every partner derives the same bytes, or use filmreco.privacy.new_key()."
            )
        if not isinstance(key, (bytes, bytearray, memoryview)):
            raise InputTypeError(f"key must be bytes, got {type(key).__name__}.")
        key = bytes(key)
        if len(key) < MIN_KEY_BYTES:
            raise InputError(
                f"key has {len(key)} bytes; use at least {MIN_KEY_BYTES} random bytes "
                "(filmreco.privacy.new_key() makes 32)."
            )
        self._key = key
        self.fingerprint = hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"Pseudonymizer(fingerprint={self.fingerprint!r})"  # never the key

    def pseudonymize(self, ids: Any) -> np.ndarray:
        """Return the pseudonym (64 hex digits) of every id, in order.

        Parameters
        ----------
        ids : id or array-like of ids
            All ints or all strings.

        Returns
        -------
        numpy.ndarray of str
        """
        arr, kind = as_id_array(ids, "ids")
        out = [hmac.new(self._key, b, hashlib.sha256).hexdigest() for b in _encode(arr, kind)]
        return np.asarray(out, dtype="<U64")

    def table(self, ids: Any) -> PseudonymTable:
        """Return the raw id <-> pseudonym table of `ids` (kept by the data owner)."""
        arr, kind = as_id_array(ids, "ids")
        uniq = IdMap.from_values(arr)[0].ids
        pseudo = self.pseudonymize(uniq)
        order = np.argsort(pseudo, kind="stable")  # rows in pseudonym order, not raw id order
        return PseudonymTable(uniq[order], pseudo[order], self.fingerprint, kind)

    def pseudonymize_interactions(self, interactions: Interactions) -> Pseudonymized:
        """Replace the user ids of `interactions` by pseudonyms (item ids kept).

        Timestamps, ratings and the seen set are kept; the result carries the key
        fingerprint and the kind of the raw ids, so :func:`join` can refuse mismatched
        files. The users (rows) are sorted by pseudonym, so the row order says nothing
        about the raw ids or their order.

        Examples
        --------
        >>> from filmreco import Interactions
        >>> p = Pseudonymizer(b"0123456789abcdef-demo-key")
        >>> X = Interactions.from_arrays(["ann", "bob", "cy"], ["tt1", "tt2", "tt3"])
        >>> shared = p.pseudonymize_interactions(X).interactions.user_ids.ids
        >>> shared.tolist() == sorted(shared.tolist())
        True
        """
        if not isinstance(interactions, Interactions):
            raise InputTypeError(
                f"interactions must be a filmreco Interactions, got {type(interactions).__name__}."
            )
        users = interactions.user_ids
        if not len(users):
            data = Interactions._trusted(
                interactions.matrix.copy(),
                IdMap(np.zeros(0, str)),
                interactions.item_ids,
                interactions.timestamps,
                interactions.ratings,
                interactions.seen,
            )
            return Pseudonymized(data, self.fingerprint, users.kind)
        pseudo = self.pseudonymize(users.ids)
        order = np.argsort(pseudo, kind="stable")  # pseudonyms are unique: a total order
        moved = interactions.take_users(order)  # copies; timestamps/ratings/seen follow the rows
        data = Interactions._trusted(
            moved.matrix,
            IdMap(pseudo[order]),
            moved.item_ids,
            moved.timestamps,
            moved.ratings,
            moved.seen,
        )
        return Pseudonymized(data, self.fingerprint, users.kind)


class PseudonymTable(Saveable):
    """Raw ids and their pseudonyms under one key: the data owner's private lookup.

    Never share it: it holds the raw ids (nor its file, written by :meth:`save`).
    :meth:`forget` removes users in place.

    Examples
    --------
    >>> p = Pseudonymizer(b"0123456789abcdef-demo-key")
    >>> table = p.table(["ann", "bob"])
    >>> table
    PseudonymTable(n_ids=2, fingerprint='20ef25fad8f7ea51')
    >>> table.reveal(table.pseudonyms_of(["bob"])).tolist()
    ['bob']
    >>> table.forget(["ann"]), len(table)
    (1, 1)
    """

    _persist_kind = "privacy.PseudonymTable"

    def __init__(self, raw: np.ndarray, pseudonyms: np.ndarray, fingerprint: str, kind: str):
        self._raw = IdMap(raw) if len(raw) else IdMap([])
        self._pseudo = IdMap(pseudonyms) if len(pseudonyms) else IdMap(np.zeros(0, str))
        self.fingerprint = fingerprint
        self.id_kind = kind

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"PseudonymTable(n_ids={len(self)}, fingerprint={self.fingerprint!r})"

    def _check_kind(self, ids: np.ndarray, kind: str) -> None:
        """Refuse raw ids of another kind than the table's: they could never match."""
        if ids.size and kind != self.id_kind:
            example = "astype(int)" if self.id_kind == "int" else "astype(str)"
            raise InputTypeError(
                f"raw_ids are {kind} ids but this table holds {self.id_kind} ids; convert "
                f"them (e.g. {example}) first."
            )

    def pseudonyms_of(self, raw_ids: Any) -> np.ndarray:
        """Pseudonyms of the raw ids the table holds (others are skipped).

        Raises :class:`~filmreco.exceptions.InputTypeError` if `raw_ids` are not of the
        table's id kind (``id_kind``).
        """
        ids, kind = as_id_array(raw_ids, "raw_ids")
        self._check_kind(ids, kind)
        if len(self) == 0 or ids.size == 0:
            return np.zeros(0, dtype="<U64")
        return self._pseudo.ids[self._raw.index(ids, on_unknown="ignore")]

    def reveal(self, pseudonyms: Any) -> np.ndarray:
        """Raw ids of `pseudonyms` (unknown ones raise UnknownIdError)."""
        return self._raw.ids[self._pseudo.index(pseudonyms, name="pseudonyms")]

    def forget(self, raw_ids: Any) -> int:
        """Remove users from the table, in place; returns how many were removed.

        Ids of the table's kind that it does not hold are ignored; ids of another kind
        (``"101"`` in a table of int ids) raise
        :class:`~filmreco.exceptions.InputTypeError`, since they could never match.
        """
        ids, kind = as_id_array(raw_ids, "raw_ids")
        self._check_kind(ids, kind)
        if len(self) == 0 or ids.size == 0:
            return 0
        gone = self._raw.index(ids, on_unknown="ignore")
        keep = np.setdiff1d(np.arange(len(self)), gone)
        self._raw, self._pseudo = self._raw.subset(keep), self._pseudo.subset(keep)
        return int(np.unique(gone).size)

    # save / load come from filmreco._persist.Saveable
    def _export(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, meta = self._raw.to_arrays("raw_")
        pa, pm = self._pseudo.to_arrays("pseudo_")
        arrays.update(pa)
        return arrays, {**meta, **pm, "fingerprint": self.fingerprint, "id_kind": self.id_kind}

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> PseudonymTable:
        raw = IdMap.from_arrays(arrays, meta, "raw_")
        pseudo = IdMap.from_arrays(arrays, meta, "pseudo_")
        _check_tags(meta["fingerprint"], meta["id_kind"])
        if len(raw) != len(pseudo) or (len(raw) and raw.kind != meta["id_kind"]):
            raise InputError(
                f"the table holds {len(raw)} raw ids of kind {raw.kind!r} and {len(pseudo)} "
                f"pseudonyms for id kind {meta['id_kind']!r}."
            )
        out = cls.__new__(cls)
        out._raw, out._pseudo = raw, pseudo
        out.fingerprint, out.id_kind = meta["fingerprint"], meta["id_kind"]
        return out


def _check_tags(fingerprint: Any, id_kind: Any) -> None:
    """Refuse a saved fingerprint or id kind that a :class:`Pseudonymizer` cannot produce."""
    if not (
        isinstance(fingerprint, str)
        and len(fingerprint) == 16
        and all(c in "0123456789abcdef" for c in fingerprint)
    ):
        raise InputError(f"fingerprint must be 16 hex digits, got {shorten(fingerprint)}.")
    if id_kind not in ("int", "str"):
        raise InputError(f"id_kind must be 'int' or 'str', got {shorten(id_kind)}.")


@dataclass(frozen=True)
class Pseudonymized(Saveable):
    """Interactions whose user ids are pseudonyms, with the key fingerprint: safe to share.

    Attributes
    ----------
    interactions : Interactions
        User ids are pseudonyms; item ids are the owner's.
    fingerprint : str
        Fingerprint of the key (see :class:`Pseudonymizer`).
    id_kind : str
        Kind of the raw ids (``"int"`` or ``"str"``) the pseudonyms were made from.

    Examples
    --------
    >>> from filmreco import Interactions
    >>> X = Interactions.from_arrays(["ann", "bob"], ["tt1", "tt2"])
    >>> shared = Pseudonymizer(b"0123456789abcdef-demo-key").pseudonymize_interactions(X)
    >>> shared.fingerprint, shared.id_kind, shared.interactions.n_users
    ('20ef25fad8f7ea51', 'str', 2)
    >>> "ann" in shared.interactions.user_ids.ids.tolist()  # no raw id left
    False
    """

    interactions: Interactions
    fingerprint: str
    id_kind: str

    _persist_kind = "privacy.Pseudonymized"

    # save / load come from filmreco._persist.Saveable: a shareable file (pseudonyms,
    # items, values, timestamps, ratings; no raw ids)
    def _export(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, meta = self.interactions._export()
        return arrays, {**meta, "fingerprint": self.fingerprint, "id_kind": self.id_kind}

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Pseudonymized:
        _check_tags(meta["fingerprint"], meta["id_kind"])
        return cls(Interactions._restore(arrays, meta), meta["fingerprint"], meta["id_kind"])


def _check_pair(a: Any, b: Any) -> None:
    for name, x in (("a", a), ("b", b)):
        if not isinstance(x, Pseudonymized):
            raise InputTypeError(
                f"{name} must be a Pseudonymized (from Pseudonymizer.pseudonymize_interactions), "
                f"got {type(x).__name__}; never join on raw ids."
            )
    if a.fingerprint != b.fingerprint:
        raise KeyMismatchError(
            f"a was pseudonymised with key fingerprint {a.fingerprint!r} but b with "
            f"{b.fingerprint!r}: the partners used different keys, so no pseudonym can match. "
            "Agree on one key for the collaboration and pseudonymise both files again."
        )
    if a.id_kind != b.id_kind:
        raise KeyMismatchError(
            f"a was made from {a.id_kind} ids but b from {b.id_kind} ids, so equal ids got "
            "different pseudonyms; convert the raw ids to one type (e.g. str) and redo it."
        )


def join(a: Pseudonymized, b: Pseudonymized, *, how: str = "inner") -> tuple[Interactions, ...]:
    """Align two partners' pseudonymised interactions on one user index.

    Parameters
    ----------
    a, b : Pseudonymized
        Made with the same key from ids of the same type.
    how : {"inner", "outer"}, default="inner"
        Keep only the users present on both sides, or all users of either side (empty
        rows where a side has none).

    Returns
    -------
    a_rows, b_rows : Interactions
        Same user id map (pseudonyms); each keeps its own items. With ``"inner"`` the
        interactions of users on one side only are left out, by design.

    Raises
    ------
    KeyMismatchError
        Different key fingerprints or raw id types.
    TypeError
        An argument is not a :class:`Pseudonymized`.

    Examples
    --------
    >>> from filmreco import Interactions
    >>> p = Pseudonymizer(b"0123456789abcdef-demo-key")
    >>> films = p.pseudonymize_interactions(Interactions.from_arrays(["ann", "bob"], ["tt1", "tt2"]))
    >>> games = p.pseudonymize_interactions(Interactions.from_arrays(["bob", "cy"], ["g1", "g2"]))
    >>> f, g = join(films, games)  # users on both sides: bob
    >>> f.n_users, f.nnz, g.nnz, f.user_ids == g.user_ids
    (1, 1, 1, True)
    >>> [x.n_users for x in join(films, games, how="outer")]
    [3, 3]
    """
    _check_pair(a, b)
    if not isinstance(how, str) or how not in ("inner", "outer"):
        raise InputError(f"how={shorten(how)} is not supported; use 'inner' or 'outer'.")
    ua, ub = a.interactions.user_ids, b.interactions.user_ids
    if how == "inner":
        both = ua.ids[ub.contains(ua.ids)] if len(ua) and len(ub) else np.zeros(0, "<U64")
    else:
        both = np.union1d(ua.ids, ub.ids)
    # sorted by pseudonym, whatever the input files' row order: rows reveal no raw order
    users = IdMap(np.sort(both)) if len(both) else IdMap(np.zeros(0, "<U64"))
    return _on_users(a.interactions, users), _on_users(b.interactions, users)


def _on_users(data: Interactions, users: IdMap) -> Interactions:
    X = data.matrix
    rows = users.index(data.user_ids.ids, on_unknown="mask")[row_indices(X)] if len(users) else (
        np.full(X.nnz, -1, dtype=np.int64)
    )  # fmt: skip
    keep = rows >= 0
    M = build_csr(rows[keep], X.indices[keep], X.data[keep], shape=(len(users), X.shape[1]))
    return Interactions(M, users, data.item_ids)
