"""Values at the edges (red-team s14): what a SearchIndex accepts it saves; bad filter
conditions, parameters, re-ranker outputs and tampered files give filmreco errors."""

from __future__ import annotations

import math
import os
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.exceptions import FilmrecoError, InputError
from filmreco.search import SearchIndex


def _roundtrip(index: SearchIndex) -> SearchIndex:
    with tempfile.TemporaryDirectory() as d:
        return SearchIndex.load(index.save(os.path.join(d, "i.npz")))


# ------------------------------------------------------------------ #3 fit accepts -> save works
@pytest.mark.parametrize("value", [math.inf, -math.inf, [math.inf, 1, None]])
def test_infinite_values_are_saved_faithfully(value):
    index = SearchIndex().fit([{"id": 1, "title": "星际穿越", "rating": value}])
    again = _roundtrip(index)
    assert again._records == index._records
    assert again.search("星际").ids.tolist() == [1]


@pytest.mark.parametrize(
    ("rec", "where"),
    [
        ({"id": 1, "title": "星际\ud800穿越"}, "field 'title'"),
        ({"id": "\udcff", "title": "星际"}, "field 'id'"),
        ({"id": 1, "title": "星际", "t\udcff": "a"}, "the field name"),
        ({"id": 1, "title": "星际", "people": ["诺兰", "a\udcff"]}, "field 'people', item 1"),
    ],
)
def test_lone_surrogates_are_refused_at_fit(rec, where):
    with pytest.raises(InputError, match=f"record 0.*{where}.*lone surrogate"):
        SearchIndex().fit([rec])
    index = SearchIndex().fit([{"id": 2, "title": "流浪地球"}])
    with pytest.raises(InputError, match="lone surrogate"):
        index.add([rec])
    assert index.search("流浪").ids.tolist() == [2]  # the failed add changed nothing


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),  # surrogates included
)


@settings(max_examples=60, deadline=None)
@given(
    extra=st.dictionaries(
        st.text(min_size=1, max_size=4),
        st.one_of(_VALUES, st.lists(_VALUES, max_size=3)),
        max_size=3,
    )
)
def test_any_record_fit_accepts_saves_and_loads_to_the_same_results(extra):
    extra.pop("id", None)
    extra.pop("title", None)
    rec = {"id": 1, "title": "星际穿越", **extra}
    try:
        index = SearchIndex(fields={"title": 1.0}).fit([rec, {"id": 2, "title": "星际迷航"}])
    except FilmrecoError:
        return
    again = _roundtrip(index)
    assert again._records == index._records
    for q in ("星际", "xingji", "迷航"):
        a, b = index.search(q), again.search(q)
        assert a.ids.tolist() == b.ids.tolist()
        assert a.scores.tolist() == b.scores.tolist()
