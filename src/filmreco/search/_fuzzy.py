"""Typo tolerance: near terms for query words that match nothing exactly.

- Latin words and typed pinyin: terms within a small edit distance (Damerau–Levenshtein,
  optimal string alignment), found through a *deletion index* (the symmetric-delete idea
  of SymSpell: two strings within distance 1 share a string obtained by deleting at most one
  character from each, so candidates are looked up instead of compared with every term),
  then verified with the exact distance. Words of 4–7 letters allow 1 edit, longer ones 2.
- Chinese: same-sounding characters are matched through the pinyin channels of the index
  (syllable bigrams and full pinyin read from the query's characters, weighted by
  ``homophone_weight``), and other typos through the character n-grams; see
  :mod:`filmreco.search.analyze`.

Expanded terms are scored with a weight below 1 (``fuzzy_weight``), so an exact match of
the same strength always ranks higher.

The work per query is bounded: a word longer than :data:`MAX_FUZZY_LENGTH` characters (or
longer than the longest indexed term plus its edits, which it cannot be near) gets no
correction, and terms longer than ``MAX_FUZZY_LENGTH + 2`` are not indexed, so one lookup
builds at most about ``MAX_FUZZY_LENGTH**2 / 2`` probe strings of at most that length
(without the bound, a 2,048-letter word built about 2 million probes of 2 KB each).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["MAX_FUZZY_LENGTH", "DeletionIndex", "edit_distance", "max_edits"]

#: Longest word (in characters) that gets typo correction. The probes of a lookup grow as
#: the square of the word's length (and their bytes as the cube), and no title word or
#: name's pinyin in a real catalogue comes near this length.
MAX_FUZZY_LENGTH = 64


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Damerau–Levenshtein distance (optimal string alignment) between `a` and `b`.

    Parameters
    ----------
    a, b : str
    limit : int, optional
        Stop early and return ``limit + 1`` once the distance is known to exceed it.

    Returns
    -------
    int

    Examples
    --------
    >>> edit_distance("kitten", "sitting"), edit_distance("nuolan", "nuolna")
    (3, 1)
    """
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if limit is not None and abs(la - lb) > limit:
        return limit + 1
    if la == 0 or lb == 0:  # within the limit: the length check above
        return max(la, lb)
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        ca = a[i - 1]
        best = cur[0]
        for j in range(1, lb + 1):  # comparisons written out: min() calls cost more here
            cb = b[j - 1]
            v = prev[j - 1] if ca == cb else prev[j - 1] + 1
            x = prev[j] + 1
            if x < v:
                v = x
            x = cur[j - 1] + 1
            if x < v:
                v = x
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                x = prev2[j - 2] + 1
                if x < v:
                    v = x
            cur[j] = v
            if v < best:
                best = v
        if limit is not None and best > limit:
            return limit + 1
        prev2, prev = prev, cur
    d = prev[lb]
    return limit + 1 if limit is not None and d > limit else d


def max_edits(word: str) -> int:
    """Edits allowed for `word`: 0 below 4 characters, 1 up to 7, 2 from 8 on.

    Examples
    --------
    >>> [max_edits(w) for w in ("abc", "abcd", "abcdefgh")]
    [0, 1, 2]
    """
    n = len(word)
    return 0 if n < 4 else (1 if n < 8 else 2)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class DeletionIndex:
    """Find the terms of a vocabulary within :func:`max_edits` of a word.

    Parameters
    ----------
    terms : iterable of str
        The vocabulary (e.g. Latin words and full pinyin of names); terms shorter than 3
        characters, or longer than ``MAX_FUZZY_LENGTH + 2`` (which no word that gets
        corrected can be near), are not indexed.

    Examples
    --------
    >>> idx = DeletionIndex(["nuolan", "xingjichuanyue", "batman"])
    >>> idx.lookup("nuolna"), idx.lookup("xingjichuanyeu"), idx.lookup("zzz")
    ([('nuolan', 1)], [('xingjichuanyue', 1)], [])
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self._keys: dict[str, list[str]] = {}
        self._longest = 0
        for t in dict.fromkeys(terms):
            if not 3 <= len(t) <= MAX_FUZZY_LENGTH + 2:
                continue
            self._longest = max(self._longest, len(t))
            for key in (t, *_deletes(t)):
                self._keys.setdefault(key, []).append(t)

    def __len__(self) -> int:
        return len(self._keys)

    def lookup(self, word: str) -> list[tuple[str, int]]:
        """Terms within :func:`max_edits` of `word` (not `word` itself), nearest first.

        A word longer than :data:`MAX_FUZZY_LENGTH`, or than the longest indexed term plus
        its edits, has none (without building any probe).

        Returns
        -------
        list of (term, distance)
            Sorted by distance, then term.
        """
        probes = lookup_probes(word, self._longest)
        seen: dict[str, None] = {}
        for p in probes:
            for t in self._keys.get(p, ()):
                seen.setdefault(t, None)
        return rank_candidates(word, seen)


def lookup_probes(word: str, longest: int) -> set[str]:
    """The deletion probes of `word` (itself and its deletes up to :func:`max_edits`), or
    none when it has no edits or is longer than :data:`MAX_FUZZY_LENGTH` or `longest` (the
    longest indexed term) plus its edits."""
    limit = max_edits(word)
    if limit == 0 or len(word) > min(MAX_FUZZY_LENGTH, longest + limit):
        return set()
    probes = {word} | _deletes(word)
    if limit >= 2:
        for probe in list(probes):
            probes |= _deletes(probe)
    return probes


def rank_candidates(word: str, candidates: Iterable[str]) -> list[tuple[str, int]]:
    """The candidates within the edit limits of `word` and of themselves, nearest first
    (then by term), `word` itself left out."""
    limit = max_edits(word)
    out: list[tuple[str, int]] = []
    for t in candidates:
        if t == word:
            continue
        d = edit_distance(word, t, limit)
        if d <= min(limit, max_edits(t) or 1):
            out.append((t, d))
    out.sort(key=lambda td: (td[1], td[0]))
    return out
