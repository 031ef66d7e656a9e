"""Typo tolerance: edit distance and the deletion index, against brute force."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from filmreco.search._fuzzy import DeletionIndex, edit_distance, max_edits

WORD = st.text(alphabet="abcde", min_size=0, max_size=9)


def _reference_distance(a: str, b: str) -> int:
    """Optimal string alignment distance, the textbook table."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


@given(WORD, WORD)
def test_edit_distance_matches_reference(a, b):
    assert edit_distance(a, b) == _reference_distance(a, b)


@given(WORD, WORD, st.integers(0, 3))
def test_edit_distance_limit(a, b, limit):
    d = _reference_distance(a, b)
    got = edit_distance(a, b, limit)
    assert got == d if d <= limit else got == limit + 1


@given(st.lists(st.text(alphabet="abcd", min_size=3, max_size=9), max_size=30), WORD)
def test_lookup_is_exact_at_distance_one_and_sound_at_two(vocab, word):
    found = dict(DeletionIndex(vocab).lookup(word))
    limit = max_edits(word)
    for t in set(vocab):
        d = _reference_distance(word, t)
        if t != word and d == 1 and limit >= 1:
            assert found.get(t) == 1
    for t, d in found.items():  # never a false match
        assert d == _reference_distance(word, t) and 1 <= d <= limit and t != word


def test_lookup_orders_nearest_first():
    idx = DeletionIndex(["nuolan", "nuolaa", "nuoxyz", "xingjichuanyue"])
    assert idx.lookup("nuolna") == [("nuolaa", 1), ("nuolan", 1)]
    assert idx.lookup("xingjichuanyeu") == [("xingjichuanyue", 1)]
    assert idx.lookup("abc") == []  # too short to correct
