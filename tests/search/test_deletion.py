"""The hashed typo index answers exactly as the dict-based reference, DeletionIndex."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filmreco.search import SearchIndex
from filmreco.search._engine import Snapshot
from filmreco.search._fuzzy import MAX_FUZZY_LENGTH, DeletionIndex

# the classes the engine really uses (the doctest run imports other copies of the modules)
HashedDeletionIndex = Snapshot.deletion_index.__globals__["HashedDeletionIndex"]
DELETION = HashedDeletionIndex.lookup.__globals__

TERM = st.text(alphabet="abcdeé星", min_size=0, max_size=12)


def _mutations(word: str, rng: random.Random) -> list[str]:
    out = [word, word[1:], word[:-1], word + "a", "x" + word]
    if len(word) > 2:
        i = rng.randrange(len(word) - 1)
        out.append(word[:i] + word[i + 1] + word[i] + word[i + 2 :])  # transposition
        out.append(word[:i] + "q" + word[i + 1 :])  # substitution
        out.append(word[:i] + word[i + 2 :])  # two deletions
    return out


@given(st.lists(TERM, max_size=40), st.lists(TERM, max_size=10), st.integers(0, 2**32 - 1))
def test_hashed_index_equals_reference(vocab, words, seed):
    """Same candidates, distances and order for words near the terms and for random ones."""
    rng = random.Random(seed)
    fast, ref = HashedDeletionIndex(vocab), DeletionIndex(vocab)
    probes = list(words)
    for t in vocab[:10]:
        probes += _mutations(t, rng)
    assert len(fast) == len(ref)
    for w in probes:
        assert fast.lookup(w) == ref.lookup(w), w


def test_hash_collisions_add_no_candidate(monkeypatch):
    """With a degenerate hash (the sum of the code points: every anagram collides), the
    answers are still the reference's: each hash hit is checked against the real key."""
    rng = random.Random(1)
    letters = "abcdefg"
    vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(300)]
    words = [w for t in vocab[:60] for w in _mutations(t, rng)]
    want = [DeletionIndex(vocab).lookup(w) for w in words]
    monkeypatch.setitem(DELETION, "_BASE", 1)
    fast = HashedDeletionIndex(vocab)
    assert [fast.lookup(w) for w in words] == want


def test_edge_vocabularies():
    assert HashedDeletionIndex([]).lookup("nuolan") == []
    assert len(HashedDeletionIndex([])) == 0
    longest = "ab" * ((MAX_FUZZY_LENGTH + 2) // 2)
    idx = HashedDeletionIndex(["ab", longest, "c" * (MAX_FUZZY_LENGTH + 3)])  # only one kept
    assert idx.lookup(longest[:-1] + "x") == DeletionIndex([longest]).lookup(longest[:-1] + "x")


@pytest.mark.parametrize("query", ["nuolna", "interstelar", "xingjichuanyeu", "batmna", "lihua"])
def test_search_uses_the_hashed_index_with_the_reference_answers(query):
    films = [
        {"id": 1, "title": "星际穿越", "aliases": ["Interstellar"], "directors": ["诺兰"]},
        {"id": 2, "title": "蝙蝠侠", "aliases": ["Batman Begins"], "directors": ["诺兰"]},
        {"id": 3, "title": "李华的故事"},
    ]
    index = SearchIndex().fit(films)
    state = index._snapshot()
    terms = [t for t in state.vocab["pinyin"] if t.isalpha()]
    terms += [t for t in state.vocab["word"] if t.isascii() and t.isalpha()]
    assert isinstance(state.deletion_index(), HashedDeletionIndex)
    assert state.deletion_index().lookup(query) == DeletionIndex(terms).lookup(query)
