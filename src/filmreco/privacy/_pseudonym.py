"""Keyed pseudonyms, pseudonym tables and joins of pseudonymised data (private; see :mod:`filmreco.privacy`)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._persist import load_npz, save_npz
from .._validation import check_int
from ..data import Interactions
from ..exceptions import FilmrecoWarning, InputError
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
_FORMAT_VERSION = 1


class PrivacyWarning(FilmrecoWarning):
    """A privacy protection is weakened (e.g. reproducible noise)."""


class KeyMismatchError(InputError):
    """Two pseudonymised files were made with different keys (or id types)."""


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
            raise TypeError(
                "key must be bytes, got str; encode it explicitly (key.encode('utf-8')) so that "
                "every partner derives the same bytes, or use filmreco.privacy.new_key()."
            )
        if not isinstance(key, (bytes, bytearray, memoryview)):
            raise TypeError(f"key must be bytes, got {type(key).__name__}.")
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
        return PseudonymTable(uniq, self.pseudonymize(uniq), self.fingerprint, kind)

    def pseudonymize_interactions(self, interactions: Interactions) -> Pseudonymized:
        """Replace the user ids of `interactions` by pseudonyms (item ids kept).

        Timestamps and ratings are kept; the result carries the key fingerprint and the
        kind of the raw ids, so :func:`join` can refuse mismatched files.
        """
        if not isinstance(interactions, Interactions):
            raise TypeError(
                f"interactions must be a filmreco Interactions, got {type(interactions).__name__}."
            )
        users = interactions.user_ids
        pseudo = IdMap(self.pseudonymize(users.ids)) if len(users) else IdMap(np.zeros(0, str))
        data = Interactions._trusted(
            interactions.matrix.copy(),
            pseudo,
            interactions.item_ids,
            interactions.timestamps,
            interactions.ratings,
        )
        return Pseudonymized(data, self.fingerprint, users.kind)


class PseudonymTable:
    """Raw ids and their pseudonyms under one key: the data owner's private lookup.

    Never share it: it holds the raw ids. :meth:`forget` removes users in place.
    """

    def __init__(self, raw: np.ndarray, pseudonyms: np.ndarray, fingerprint: str, kind: str):
        self._raw = IdMap(raw) if len(raw) else IdMap([])
        self._pseudo = IdMap(pseudonyms) if len(pseudonyms) else IdMap(np.zeros(0, str))
        self.fingerprint = fingerprint
        self.id_kind = kind

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"PseudonymTable(n_ids={len(self)}, fingerprint={self.fingerprint!r})"

    def pseudonyms_of(self, raw_ids: Any) -> np.ndarray:
        """Pseudonyms of the raw ids the table holds (others are skipped)."""
        ids, kind = as_id_array(raw_ids, "raw_ids")
        if len(self) == 0 or ids.size == 0 or kind != self._raw.kind:
            return np.zeros(0, dtype="<U64")
        return self._pseudo.ids[self._raw.index(ids, on_unknown="ignore")]

    def reveal(self, pseudonyms: Any) -> np.ndarray:
        """Raw ids of `pseudonyms` (unknown ones raise UnknownIdError)."""
        return self._raw.ids[self._pseudo.index(pseudonyms, name="pseudonyms")]

    def forget(self, raw_ids: Any) -> int:
        """Remove users from the table, in place; returns how many were removed."""
        ids, kind = as_id_array(raw_ids, "raw_ids")
        if len(self) == 0 or kind != self._raw.kind:
            return 0
        gone = self._raw.index(ids, on_unknown="ignore")
        keep = np.setdiff1d(np.arange(len(self)), gone)
        self._raw, self._pseudo = self._raw.subset(keep), self._pseudo.subset(keep)
        return int(np.unique(gone).size)


@dataclass(frozen=True)
class Pseudonymized:
    """Interactions whose user ids are pseudonyms, with the key fingerprint: safe to share.

    Attributes
    ----------
    interactions : Interactions
        User ids are pseudonyms; item ids are the owner's.
    fingerprint : str
        Fingerprint of the key (see :class:`Pseudonymizer`).
    id_kind : str
        Kind of the raw ids (``"int"`` or ``"str"``) the pseudonyms were made from.
    """

    interactions: Interactions
    fingerprint: str
    id_kind: str

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a shareable ``.npz`` (pseudonyms, items, values, timestamps; no raw ids)."""
        X = self.interactions.matrix
        arrays = {
            "indptr": X.indptr.astype(np.int64),
            "indices": X.indices.astype(np.int64),
            "data": X.data,
            "shape": np.asarray(X.shape, dtype=np.int64),
        }
        ua, um = self.interactions.user_ids.to_arrays("user_")
        ia, im = self.interactions.item_ids.to_arrays("item_")
        arrays.update(ua)
        arrays.update(ia)
        if self.interactions.timestamps is not None:
            arrays["timestamps"] = self.interactions.timestamps
        meta = {"fingerprint": self.fingerprint, "id_kind": self.id_kind, **um, **im}
        return save_npz(
            path, arrays, kind="privacy.Pseudonymized", version=_FORMAT_VERSION, meta=meta
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Pseudonymized:
        """Read a file written by :meth:`save`."""
        arrays, header = load_npz(path, kind="privacy.Pseudonymized", max_version=_FORMAT_VERSION)
        meta = header["meta"]
        shape = tuple(int(s) for s in arrays["shape"])
        X = sp.csr_array((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
        data = Interactions(
            X,
            IdMap.from_arrays(arrays, meta, "user_"),
            IdMap.from_arrays(arrays, meta, "item_"),
            timestamps=arrays.get("timestamps"),
            dtype=arrays["data"].dtype,
        )
        return cls(data, str(meta["fingerprint"]), str(meta["id_kind"]))


def _check_pair(a: Any, b: Any) -> None:
    for name, x in (("a", a), ("b", b)):
        if not isinstance(x, Pseudonymized):
            raise TypeError(
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
    """
    _check_pair(a, b)
    if how not in ("inner", "outer"):
        raise InputError(f"how={how!r} is not supported; use 'inner' or 'outer'.")
    ua, ub = a.interactions.user_ids, b.interactions.user_ids
    if how == "inner":
        users = ua.ids[ub.contains(ua.ids)] if len(ua) and len(ub) else np.zeros(0, "<U64")
        users = IdMap(users)
    else:
        users = ua.extend(ub.ids) if len(ua) else ub
    return _on_users(a.interactions, users), _on_users(b.interactions, users)


def _on_users(data: Interactions, users: IdMap) -> Interactions:
    X = data.matrix
    rows = users.index(data.user_ids.ids, on_unknown="mask")[row_indices(X)] if len(users) else (
        np.full(X.nnz, -1, dtype=np.int64)
    )  # fmt: skip
    keep = rows >= 0
    M = build_csr(rows[keep], X.indices[keep], X.data[keep], shape=(len(users), X.shape[1]))
    return Interactions(M, users, data.item_ids)
