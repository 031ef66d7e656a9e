"""Catalog values survive save/load unchanged, or are refused at construction (red-team s14 #11)."""

from __future__ import annotations

import math
import os
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco import Catalog
from filmreco.exceptions import FilmrecoError, InputError


def _roundtrip(cat: Catalog) -> Catalog:
    with tempfile.TemporaryDirectory() as d:
        return Catalog.load(cat.save(os.path.join(d, "c.npz")))


@pytest.mark.parametrize(
    "rec",
    [
        {"id": 1, "title": "a\x00"},  # numpy's unicode arrays drop a trailing NUL
        {"id": 1, "title": "a", "tags": ["x\x00", "y"]},
        {"id": 1, "title": "a", "extra": 10**30},  # came back as 1e+30
        {"id": 1, "title": "a", "year": 10**400},  # raised OverflowError
        {"id": 1, "title": "a", "extra": [10**30, 1.5]},
        {"id": 1, "title": "a", "rating": math.inf, "extra": [math.inf, "x"]},
        {"id": "星\udcff", "title": "星\udcff"},  # lone surrogates in values: kept
    ],
)
def test_values_come_back_unchanged(rec):
    other = "2" if isinstance(rec["id"], str) else 2
    cat = Catalog.from_records([rec, {"id": other, "title": "b"}])
    again = _roundtrip(cat)
    assert list(again.records()) == list(cat.records())
    got = next(iter(again.records()))
    for k, v in rec.items():
        if k != "id":
            assert got[k] == v and type(got[k]) is type(v)


def test_mixed_ints_and_floats_keep_their_values():
    cat = Catalog.from_records([{"id": 1, "x": 2**60}, {"id": 2, "x": 0.5}])
    assert [r["x"] for r in _roundtrip(cat).records()] == [2**60, 0.5]


@pytest.mark.parametrize("ids", [[True], [1, False], np.array([True, False])])
def test_bool_ids_are_refused(ids):
    with pytest.raises(InputError, match=r"the id is a bool"):
        Catalog(ids, {"title": ["a"] * len(ids)})
    with pytest.raises(InputError, match=r"record \d: the id is a bool"):
        Catalog.from_records([{"id": i, "title": "a"} for i in ids])


def test_a_field_name_with_a_lone_surrogate_is_refused_at_construction():
    with pytest.raises(InputError, match=r"field name 't\\udcff' holds a lone surrogate"):
        Catalog.from_records([{"id": 1, "t\udcff": "a"}])


def test_a_field_named_empty_is_not_a_list_field():
    cat = Catalog.from_records([{"id": 1, "": "a|b"}], list_sep="|")
    assert next(iter(cat.records()))[""] == "a|b"


_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.lists(st.text(max_size=4), max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(_VALUE, min_size=1, max_size=4))
def test_any_field_a_catalog_accepts_saves_and_loads_unchanged(values):
    try:
        cat = Catalog(list(range(len(values))), {"extra": values})
    except FilmrecoError:
        return
    again = _roundtrip(cat)
    assert again.field("extra") == cat.field("extra")
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not any(isinstance(v, float) for v in numbers):  # ints mixed with floats: floats
        assert [type(v) for v in again.field("extra")] == [type(v) for v in cat.field("extra")]
