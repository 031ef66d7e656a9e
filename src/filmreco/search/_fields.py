"""What an index keeps about its documents: term counts per (channel, field), vocabularies.

The analysis of a document (jieba, pinyin, n-grams) is the costly part of indexing and
depends only on the document itself, so it is done once and kept as term-count matrices
``docs × terms`` per channel and field. Adding, replacing or deleting documents edits rows
of these matrices; the BM25 statistics (document frequencies, average lengths) are then
recomputed from them with a few vectorised passes (:mod:`filmreco.search._bm25`), which
gives exactly the scores a rebuild would. Vocabularies grow in order of first appearance
and drop terms no document uses any more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..exceptions import FormatError
from ..sparse import build_csr

__all__ = ["FieldStore", "pack_strings", "unpack_strings"]

Analysed = Mapping[str, Mapping[str, Sequence[str]]]  # field -> channel -> terms


def pack_strings(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of `strings` concatenated, and their offsets (``n + 1`` int64).

    Examples
    --------
    >>> data, offsets = pack_strings(["星", "ab"])
    >>> unpack_strings(data, offsets)
    ['星', 'ab']
    """
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


def unpack_strings(data: np.ndarray, offsets: np.ndarray) -> list[str]:
    """Inverse of :func:`pack_strings`."""
    raw = np.asarray(data, dtype=np.uint8).tobytes()
    off = np.asarray(offsets, dtype=np.int64)
    if off.ndim != 1 or off.size == 0 or off[0] != 0 or off[-1] != len(raw):
        raise FormatError("packed strings: offsets do not match the data.")
    if np.any(np.diff(off) < 0):
        raise FormatError("packed strings: offsets are not increasing.")
    try:
        return [raw[a:b].decode("utf-8") for a, b in zip(off[:-1].tolist(), off[1:].tolist())]
    except UnicodeDecodeError as exc:
        raise FormatError(f"packed strings are not valid UTF-8: {exc}") from None


class FieldStore:
    """Term counts of every document, per channel and field, with one vocabulary per channel.

    Parameters
    ----------
    channels : sequence of str
    fields : sequence of str
    dtype : numpy dtype, default=float32
    """

    def __init__(self, channels: Sequence[str], fields: Sequence[str], dtype: Any = np.float32):
        self.channels = tuple(channels)
        self.fields = tuple(fields)
        self.dtype = np.dtype(dtype)
        self.terms: dict[str, list[str]] = {c: [] for c in self.channels}
        self.vocab: dict[str, dict[str, int]] = {c: {} for c in self.channels}
        self.tf: dict[tuple[str, str], sp.csr_array] = {}
        self.n_docs = 0

    # ------------------------------------------------------------------ building
    def _encode(self, docs: Sequence[Analysed]) -> dict[tuple[str, str], sp.csr_array]:
        """Count matrices of `docs` (new rows), growing the vocabularies."""
        n = len(docs)
        out: dict[tuple[str, str], sp.csr_array] = {}
        for c in self.channels:
            # copy on write: a snapshot taken before this call keeps reading the old ones
            vocab, terms = dict(self.vocab[c]), list(self.terms[c])
            self.vocab[c], self.terms[c] = vocab, terms
            for f in self.fields:
                flat: list[str] = []
                lengths = np.zeros(n, dtype=np.int64)
                for i, doc in enumerate(docs):
                    got = doc.get(f)
                    seq = got.get(c) if got else None
                    if seq:
                        flat.extend(seq)
                        lengths[i] = len(seq)
                if not flat:
                    continue
                n_before = len(vocab)
                for t in dict.fromkeys(flat):  # new terms get the next indices, in order
                    if t not in vocab:
                        vocab[t] = len(vocab)
                if len(vocab) > n_before:
                    terms.extend(list(vocab)[n_before:])
                cols = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
                rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
                out[(c, f)] = build_csr(
                    rows, cols, shape=(n, 1 + int(cols.max())), dtype=self.dtype
                )
        return out

    def _resized(self, X: sp.csr_array | None, n_rows: int, channel: str) -> sp.csr_array:
        n_cols = len(self.terms[channel])
        if X is None:
            return sp.csr_array((n_rows, n_cols), dtype=self.dtype)
        if X.shape[1] != n_cols:
            X = sp.csr_array((X.data, X.indices, X.indptr), shape=(X.shape[0], n_cols))
        return X

    def append(self, docs: Sequence[Analysed]) -> None:
        """Add `docs` as new rows at the end."""
        new = self._encode(docs)
        for key in set(self.tf) | set(new):
            c = key[0]
            old = self._resized(self.tf.get(key), self.n_docs, c)
            add = self._resized(new.get(key), len(docs), c)
            self.tf[key] = sp.csr_array(sp.vstack([old, add], format="csr"))
        self.n_docs += len(docs)

    def replace(self, rows: np.ndarray, docs: Sequence[Analysed]) -> None:
        """Replace the rows at `rows` (unique indices) with the analysis of `docs`."""
        rows = np.asarray(rows, dtype=np.int64)
        new = self._encode(docs)
        keep = np.ones(self.n_docs, dtype=bool)
        keep[rows] = False
        # position of each final row among [kept old rows..., new rows...]
        order = np.empty(self.n_docs, dtype=np.int64)
        n_kept = int(keep.sum())
        order[np.flatnonzero(keep)] = np.arange(n_kept)
        order[rows] = n_kept + np.arange(rows.size)
        for key in set(self.tf) | set(new):
            c = key[0]
            old = self._resized(self.tf.get(key), self.n_docs, c)[np.flatnonzero(keep)]
            add = self._resized(new.get(key), rows.size, c)
            both = sp.csr_array(sp.vstack([old, add], format="csr"))
            self.tf[key] = sp.csr_array(both[order])
        self._compact()

    def delete(self, rows: np.ndarray) -> None:
        """Drop the rows at `rows`."""
        keep = np.ones(self.n_docs, dtype=bool)
        keep[np.asarray(rows, dtype=np.int64)] = False
        idx = np.flatnonzero(keep)
        for key, X in self.tf.items():
            self.tf[key] = sp.csr_array(X[idx])
        self.n_docs = int(idx.size)
        self._compact()

    def _compact(self) -> None:
        """Forget terms that no document holds any more (keeping the order of the rest)."""
        for c in self.channels:
            mats = [(k, X) for k, X in self.tf.items() if k[0] == c]
            n_terms = len(self.terms[c])
            used = np.zeros(n_terms, dtype=bool)
            for _, X in mats:
                X = self._resized(X, X.shape[0], c)
                used[X.indices] = True
            if used.all():
                continue
            new_index = np.cumsum(used) - 1
            kept_terms = [t for t, u in zip(self.terms[c], used.tolist()) if u]
            self.terms[c] = kept_terms
            self.vocab[c] = {t: i for i, t in enumerate(kept_terms)}
            for key, X in mats:
                if X.nnz == 0:
                    del self.tf[key]
                    continue
                self.tf[key] = sp.csr_array(
                    (X.data, new_index[X.indices].astype(X.indices.dtype), X.indptr),
                    shape=(X.shape[0], len(kept_terms)),
                )

    # ------------------------------------------------------------------ access
    def matrices(self, channel: str) -> dict[str, sp.csr_array]:
        """``field -> docs × terms`` counts of `channel`, all with the full vocabulary width."""
        return {
            f: self._resized(self.tf[(channel, f)], self.n_docs, channel)
            for f in self.fields
            if (channel, f) in self.tf
        }

    # ------------------------------------------------------------------ persistence
    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays: dict[str, np.ndarray] = {}
        for c in self.channels:
            arrays[f"terms.{c}.data"], arrays[f"terms.{c}.offsets"] = pack_strings(self.terms[c])
        keys = []
        for i, ((c, f), X) in enumerate(sorted(self.tf.items())):
            keys.append([c, f])
            X = self._resized(X, self.n_docs, c)
            arrays[f"tf.{i}.indptr"] = X.indptr
            arrays[f"tf.{i}.indices"] = X.indices
            arrays[f"tf.{i}.data"] = X.data
        meta = {
            "channels": list(self.channels),
            "fields": list(self.fields),
            "tf_keys": keys,
            "n_docs": self.n_docs,
            "dtype": self.dtype.str,
        }
        return arrays, meta

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> FieldStore:
        try:
            store = cls(meta["channels"], meta["fields"], np.dtype(meta["dtype"]))
            store.n_docs = int(meta["n_docs"])
            for c in store.channels:
                terms = unpack_strings(arrays[f"terms.{c}.data"], arrays[f"terms.{c}.offsets"])
                store.terms[c] = terms
                store.vocab[c] = {t: i for i, t in enumerate(terms)}
                if len(store.vocab[c]) != len(terms):
                    raise FormatError(f"the vocabulary of channel {c!r} holds duplicates.")
            for i, (c, f) in enumerate(meta["tf_keys"]):
                if c not in store.channels or f not in store.fields:
                    raise FormatError(f"unknown term-count matrix ({c!r}, {f!r}).")
                X = sp.csr_array(
                    (arrays[f"tf.{i}.data"], arrays[f"tf.{i}.indices"], arrays[f"tf.{i}.indptr"]),
                    shape=(store.n_docs, len(store.terms[c])),
                )
                X.check_format(full_check=True)
                store.tf[(c, f)] = X
        except FormatError:
            raise
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            raise FormatError(
                f"the saved index is inconsistent: {type(exc).__name__}: {exc}"
            ) from None
        return store
