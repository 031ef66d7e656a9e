"""Typo tolerance: edit distance and the deletion index, against brute force."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filmreco.search import SearchIndex
from filmreco.search._engine import _MAX_FUZZY_WORDS, Snapshot
from filmreco.search._fuzzy import MAX_FUZZY_LENGTH, edit_distance, max_edits
from filmreco.search._pinyin import SYLLABLES

# the class the engine really uses, and its module's globals (the doctest run imports another
# copy of the modules under --import-mode=importlib)
DeletionIndex = Snapshot.deletion_index.__globals__["HashedDeletionIndex"]
# the globals of the module that builds its probes (``_fuzzy.lookup_probes``, shared by both indexes)
FUZZY = DeletionIndex.lookup.__globals__["lookup_probes"].__globals__

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


def test_edit_distance_limit_when_no_row_exits_early():
    # every row's minimum stays within the limit, the final distance does not (found by the
    # random hypothesis profile: it returned 4, not limit + 1)
    assert edit_distance("aa", "bbbb", 2) == 3
    assert edit_distance("", "abc", 1) == 2
    assert edit_distance("ab", "ba", 1) == 1


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


# ---------------------------------------------------------------- bounded work (issue 18, 7)
# probe characters one lookup may build: the word and its deletes, each deleted again
LOOKUP_BUDGET = (MAX_FUZZY_LENGTH + 1) * MAX_FUZZY_LENGTH**2


def _counting_deletes(monkeypatch, budget):
    """Make ``_deletes`` count the characters of the probes it builds, failing (before any
    memory blow-up) once they pass `budget`."""
    built = [0]
    real = FUZZY["_deletes"]

    def deletes(word):
        built[0] += len(word) * len(word)
        if built[0] > budget:
            raise AssertionError(f"fuzzy lookup built over {budget} probe characters")
        return real(word)

    monkeypatch.setitem(FUZZY, "_deletes", deletes)
    return built


def test_long_word_builds_no_probe(monkeypatch):
    idx = DeletionIndex(["nuolan", "x" * 40])
    built = _counting_deletes(monkeypatch, budget=0)
    for n in (MAX_FUZZY_LENGTH + 1, 300, 2048):
        assert idx.lookup("ab" * (n // 2) + "c" * (n % 2)) == []
    assert idx.lookup("q" * 50) == []  # longer than every term plus 2 edits: cannot match
    assert built[0] == 0


def test_lookup_work_is_bounded_at_the_length_cap(monkeypatch):
    term = "".join("abcdefgh"[i % 8] + "xyz"[i % 3] for i in range(MAX_FUZZY_LENGTH // 2))
    idx = DeletionIndex([term, "nuolan"])
    _counting_deletes(monkeypatch, budget=LOOKUP_BUDGET)
    typo = term[:10] + term[11] + term[10] + term[12:]  # one transposition, still found
    assert len(typo) == MAX_FUZZY_LENGTH
    assert idx.lookup(typo) == [(term, 1)]


def test_over_long_terms_are_not_indexed():
    idx = DeletionIndex(["a" * (MAX_FUZZY_LENGTH + 3), "b" * 5000])
    assert len(idx) == 0
    longest = "".join(chr(0x4E00 + i) for i in range(MAX_FUZZY_LENGTH + 2))  # all distinct
    assert len(DeletionIndex([longest])) == MAX_FUZZY_LENGTH + 3  # itself and its deletes


def _query(kind, length, seed=0):
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    syllables = sorted(SYLLABLES)
    out = ""
    while len(out) < length:
        if kind == "letters":  # one pinyin-like word
            out += rng.choice(letters)
        elif kind == "syllables":  # typed pinyin, spaced at random
            out += rng.choice(syllables) + rng.choice(["", " "])
        elif kind == "words":
            out += "".join(rng.choice(letters) for _ in range(rng.randint(4, 12))) + " "
        else:  # letters, digits, Chinese and spaces mixed
            out += rng.choice(letters + "0123456789 星际穿越流浪地球诺兰长城银行")
    return out[:length]


@pytest.mark.parametrize("kind", ["letters", "syllables", "words", "mixed"])
def test_search_on_a_10000_character_query_does_bounded_fuzzy_work(monkeypatch, kind):
    index = SearchIndex().fit(
        [
            {"id": 1, "title": "星际穿越", "aliases": ["Interstellar"]},
            {"id": 2, "title": "流浪地球", "aliases": ["The Wandering Earth"]},
            {"id": 3, "title": "诺兰的电影", "aliases": ["Nolan Films"]},
        ]
    )
    index.search("interstelar")  # the deletion index is built here, outside the count
    lookups = [0]
    real_lookup = DeletionIndex.lookup

    def lookup(self, word):
        lookups[0] += 1
        return real_lookup(self, word)

    monkeypatch.setattr(DeletionIndex, "lookup", lookup)
    built = _counting_deletes(monkeypatch, budget=_MAX_FUZZY_WORDS * LOOKUP_BUDGET)
    assert index.search("interstelar").ids.tolist() == [1]  # the counters do count
    assert lookups[0] == 1 and built[0] > 0
    lookups[0] = built[0] = 0
    query = _query(kind, 10_000)
    hits = index.search(query, max_query_length=10_000)
    assert len(hits.ids) <= 3
    assert lookups[0] <= _MAX_FUZZY_WORDS
    assert built[0] <= _MAX_FUZZY_WORDS * LOOKUP_BUDGET


def test_typos_are_still_corrected_in_a_long_query():
    index = SearchIndex().fit([{"id": 1, "title": "Interstellar"}, {"id": 2, "title": "Up"}])
    assert index.search("interstelar").ids.tolist() == [1]
    query = "interstelar " + " ".join(["zzzz"] * 200)
    assert index.search(query, max_query_length=10_000).ids.tolist() == [1]
