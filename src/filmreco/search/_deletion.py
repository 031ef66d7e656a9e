"""The typo index of a search, built in milliseconds: the deletion index as sorted hashes.

:class:`~filmreco.search._fuzzy.DeletionIndex` (the symmetric-delete idea of SymSpell: a
term is filed under itself and under every string made by deleting one of its characters;
a query word looks up itself and its own deletions) holds its keys in a Python dict: about
150,000 strings for the 13,000 pinyin and Latin terms of a 2,000-film catalogue, which took
0.7-0.9 s to build, and the first Latin-letter query of a process paid for it.

:class:`HashedDeletionIndex` files the same keys under a 64-bit polynomial hash, computed
for all terms of one length at once with numpy (prefix hashes; the hash of ``t`` without
its ``i``-th character is ``prefix_i * B**(L-1-i) + suffix_(i+1)``, arithmetic modulo
``2**64``), and keeps them sorted, so a lookup is a :func:`numpy.searchsorted` per probe.
Every hash hit is checked against the real key (the term with the recorded character
deleted), so a hash collision can never add a candidate: the candidates, and so the
lookup's answer, are exactly those of ``DeletionIndex`` (tested against it).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._fuzzy import MAX_FUZZY_LENGTH, lookup_probes, rank_candidates

__all__ = ["HashedDeletionIndex"]

_BASE = 1_000_003  # odd, larger than any code point of a Latin term


def _hashes(strings: list[str]) -> np.ndarray:
    """The polynomial hash of each string (uint64), as the index computes its keys."""
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    codes = np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32)
    starts = np.zeros(len(strings), dtype=np.int64)
    if strings:
        np.cumsum(lengths[:-1], out=starts[1:])
    h = np.zeros(len(strings), dtype=np.uint64)
    for j in range(int(lengths.max()) if strings else 0):
        live = (lengths > j).nonzero()[0]
        h[live] = h[live] * np.uint64(_BASE) + codes[starts[live] + j]
    return h


class HashedDeletionIndex:
    """Terms of a vocabulary within :func:`~filmreco.search._fuzzy.max_edits` of a word.

    The same answers as :class:`~filmreco.search._fuzzy.DeletionIndex`, built with a few
    numpy passes instead of a dict of strings.

    Parameters
    ----------
    terms : iterable of str
        The vocabulary; terms shorter than 3 characters or longer than
        ``MAX_FUZZY_LENGTH + 2`` are not indexed (as in ``DeletionIndex``).

    Examples
    --------
    >>> idx = HashedDeletionIndex(["nuolan", "xingjichuanyue", "batman"])
    >>> idx.lookup("nuolna"), idx.lookup("xingjichuanyeu"), idx.lookup("zzz")
    ([('nuolan', 1)], [('xingjichuanyue', 1)], [])
    """

    def __init__(self, terms: Iterable[str]) -> None:
        kept = [t for t in dict.fromkeys(terms) if 3 <= len(t) <= MAX_FUZZY_LENGTH + 2]
        self._terms = kept
        lengths = np.fromiter(map(len, kept), dtype=np.int64, count=len(kept))
        self._longest = int(lengths.max()) if kept else 0
        codes = np.frombuffer("".join(kept).encode("utf-32-le"), dtype=np.uint32)
        starts = np.zeros(len(kept), dtype=np.int64)
        if kept:
            np.cumsum(lengths[:-1], out=starts[1:])
        powers = np.ones(self._longest + 1, dtype=np.uint64)
        if self._longest:
            powers[1:] = _BASE
            powers = np.cumprod(powers)  # B**j modulo 2**64 (uint64 wraps)
        keys, ids, pos = [], [], []
        for length in np.unique(lengths).tolist():
            which = np.flatnonzero(lengths == length)
            chars = codes[starts[which, None] + np.arange(length)].astype(np.uint64)
            prefix = np.zeros((which.size, length + 1), dtype=np.uint64)
            for j in range(length):
                prefix[:, j + 1] = prefix[:, j] * np.uint64(_BASE) + chars[:, j]
            full = prefix[:, length]
            keys.append(full)
            ids.append(which)
            pos.append(np.full(which.size, -1, dtype=np.int8))
            for i in range(length):
                # hash of chars i+1.. = full - prefix_(i+1) * B**(L-1-i)
                suffix = full - prefix[:, i + 1] * powers[length - 1 - i]
                keys.append(prefix[:, i] * powers[length - 1 - i] + suffix)
                ids.append(which)
                pos.append(np.full(which.size, i, dtype=np.int8))
        if keys:
            all_keys = np.concatenate(keys)
            order = all_keys.argsort()
            self._keys = all_keys[order]
            self._ids = np.concatenate(ids).astype(np.int32)[order]
            self._pos = np.concatenate(pos)[order]
        else:
            self._keys = np.zeros(0, dtype=np.uint64)
            self._ids = np.zeros(0, dtype=np.int32)
            self._pos = np.zeros(0, dtype=np.int8)

    def __len__(self) -> int:
        """Number of distinct keys (as ``len(DeletionIndex(...))``)."""
        return int(np.unique(self._keys).size)

    def lookup(self, word: str) -> list[tuple[str, int]]:
        """Terms within :func:`~filmreco.search._fuzzy.max_edits` of `word` (not `word`
        itself), nearest first; see :meth:`DeletionIndex.lookup
        <filmreco.search._fuzzy.DeletionIndex.lookup>`.

        Returns
        -------
        list of (term, distance)
            Sorted by distance, then term.
        """
        plist = list(lookup_probes(word, self._longest))
        if not plist:
            return []
        hashes = _hashes(plist)
        lo = self._keys.searchsorted(hashes, "left").tolist()
        hi = self._keys.searchsorted(hashes, "right").tolist()
        terms, ids, pos = self._terms, self._ids, self._pos
        seen: dict[str, None] = {}
        for p, a, b in zip(plist, lo, hi):
            for j in range(a, b):
                t = terms[ids[j]]
                i = int(pos[j])
                if (t if i < 0 else t[:i] + t[i + 1 :]) == p:  # not a hash collision
                    seen.setdefault(t, None)
        return rank_candidates(word, seen)
