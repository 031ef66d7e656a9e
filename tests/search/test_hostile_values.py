"""Values at the edges (red-team s14): what a SearchIndex accepts it saves; bad filter
conditions, parameters, re-ranker outputs and tampered files give filmreco errors."""

from __future__ import annotations

import datetime
import math
import os
import tempfile

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.exceptions import FilmrecoError, FormatError, InputError, InputTypeError
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


# ------------------------------------------------------------------ #7 filter conditions
@pytest.fixture(scope="module")
def films():
    return SearchIndex().fit(
        [
            {"id": 1, "title": "星际穿越", "year": 2014, "date": "2014-11-12"},
            {"id": 2, "title": "星际迷航", "year": 2009, "date": "2009-05-08"},
            {"id": 3, "title": "星际宝贝", "year": 10**400},
        ]
    )


@pytest.mark.parametrize(
    ("cond", "want"),
    [
        (np.array([2014, 2009]), [1, 2]),
        (np.array(2014), [1]),
        (np.int64(2009), [2]),
        (range(2000, 2015), [1, 2]),
        (range(2014, 2000, -5), [1, 2]),  # 2014, 2009, 2004
        (10**400, [3]),
        (10**401, []),
        ((None, 10**400), [1, 2, 3]),
        ((-(10**400), 2010), [2]),
        ((2010, None), [1, 3]),
        ([2014, 10**400], [1, 3]),
    ],
)
def test_filter_conditions_of_arrays_ranges_and_huge_numbers(films, cond, want):
    # red-team s14 #7: TypeError unhashable (array), OverflowError (10**400), [] (range)
    assert sorted(films.search("星际", filters={"year": cond}).ids.tolist()) == want


def test_a_date_condition_is_compared_as_iso_text(films):
    d = datetime.date(2014, 11, 12)
    assert films.search("星际", filters={"date": d}).ids.tolist() == [1]
    got = films.search("星际", filters={"date": (datetime.date(2009, 1, 1), "2010")}).ids
    assert got.tolist() == [2]


@pytest.mark.parametrize(
    "cond",
    [
        None,
        b"2014",
        object(),
        complex(2014, 0),
        float("nan"),
        (y for y in [2014]),
        {"a": 1},
        [2014, None],
        [[2014]],
        np.zeros((2, 2)),
        range(10**6),
        (None, float("nan")),
        (object(), None),
    ],
)
def test_unusable_filter_conditions_raise_naming_the_field(films, cond):
    with pytest.raises(InputError, match=r"filters\['year'\]"):
        films.search("星际", filters={"year": cond})
    with pytest.raises(InputError, match=r"filters\['year'\]"):
        films.search_many(["星际"], filters={"year": cond})


# ------------------------------------------------------------------ #8 extreme numbers
def test_a_prior_of_extreme_values_gives_finite_scores_in_order():
    recs = [
        {"id": 1, "title": "星际", "genres": ["科幻"], "rating": 1e308},
        {"id": 2, "title": "星际2", "genres": ["科幻"], "rating": -1e308},
        {"id": 3, "title": "星际3", "genres": ["科幻"], "rating": 0.0},
    ]
    index = SearchIndex(prior_field="rating").fit(recs)
    hits = index.search("星际")
    assert np.isfinite(hits.scores).all()
    assert hits.ids[0] == 1  # the best-rated first (was last, with a NaN score)
    req = index.search("有没有好看的科幻片")
    assert req.ids.tolist() == [1, 3, 2] and np.isfinite(req.scores).all()


@pytest.mark.parametrize("value", [10**400, -(10**400), "1e999"])
def test_a_prior_beyond_floats_is_an_input_error(value):
    with pytest.raises(InputError, match=r"prior_field='rating': record 1 .*not a finite number"):
        SearchIndex(prior_field="rating").fit([{"id": 1, "title": "星际", "rating": value}])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"k1": 1e308}, "k1"),
        ({"k1": 10**400}, "k1"),
        ({"ranking": "bm25-sum", "k1": {"title": 1e9}}, r"k1\['title'\]"),
        ({"weights": {"word": 1e308}}, r"weights\['word'\]"),
        ({"weights": {"word": 1e-320}}, r"weights\['word'\]"),
        ({"fields": {"title": 1e-9}}, r"fields\['title'\]"),
        ({"fields": {"title": 1e9}}, r"fields\['title'\]"),
        ({"prior_field": "rating", "prior_weight": 1e300}, "prior_weight"),
    ],
)
def test_scoring_parameters_are_bounded(params, name):
    with pytest.raises(InputError, match=name):
        SearchIndex(**params).fit([{"id": 1, "title": "星际", "rating": 1.0}])


@pytest.mark.parametrize(
    "params",
    [
        {"k1": 1000.0},
        {"weights": dict.fromkeys(["word", "ngram", "syllable", "pinyin", "initials"], 1e6)},
        {"weights": dict.fromkeys(["word", "ngram", "syllable", "pinyin", "initials"], 1e-6)},
        {"fields": {"title": 1e6}, "prior_field": "rating", "prior_weight": 1e6},
        {"fields": {"title": 1e-6}},
    ],
)
def test_scores_stay_finite_and_positive_at_the_bounds(params):
    recs = [
        {"id": i, "title": t, "rating": float(i)} for i, t in enumerate(["星际穿越", "星际迷航"])
    ]
    index = SearchIndex(**params).fit(recs)
    for user in (None, "u1"):
        hits = index.search(
            "星际", user_id=user, rerank=lambda u, items: [1.0, -1e308][: len(items)]
        )
        assert hits.ids.size == 2
        assert np.isfinite(hits.scores).all() and (hits.scores > 0).all()


def test_user_scores_of_any_finite_size_keep_their_order():
    index = SearchIndex().fit([{"id": 1, "title": "星际穿越"}, {"id": 2, "title": "星际迷航"}])
    scores = {1: -1e308, 2: 1e308}
    hits = index.search(
        "星际", user_id="u", rerank=lambda u, items: [scores[i] for i in items], rerank_weight=1.0
    )
    assert hits.ids.tolist() == [2, 1]  # were both scaled to 0: the preference was ignored
    assert np.isfinite(hits.scores).all()


# ------------------------------------------------------------------ #10 re-ranker output
class _Scorer:
    def __init__(self, out):
        self.out = out

    def score(self, user_ids, item_ids):
        return self.out(len(item_ids))


@pytest.mark.parametrize(
    "out",
    [
        lambda n: ["high"] * n,
        lambda n: [1 + 2j] * n,
        lambda n: (1.0 for _ in range(n)),
        lambda n: np.array([object()] * n),
        lambda n: [None] * n,
        lambda n: [[1.0], [1.0, 2.0]],
    ],
)
def test_a_reranker_returning_no_numbers_is_an_input_type_error(out):
    index = SearchIndex().fit([{"id": 1, "title": "星际穿越"}, {"id": 2, "title": "星际迷航"}])
    with pytest.raises(InputTypeError, match=r"rerank returned .*one real number per item"):
        index.search("星际", user_id="u1", rerank=lambda u, items: out(len(items)))
    with pytest.raises(InputTypeError, match=r"rerank\.score returned"):
        index.search("星际", user_id="u1", rerank=_Scorer(out))


def test_a_reranker_may_return_a_sparse_row_or_ints():
    index = SearchIndex().fit([{"id": 1, "title": "星际穿越"}, {"id": 2, "title": "星际迷航"}])
    row = sp.csr_array(np.array([[0.0, 5.0]]))
    assert index.search(
        "星际", user_id="u", rerank=_Scorer(lambda n: row), rerank_weight=1.0
    ).ids.tolist() == [2, 1]
    assert index.search(
        "星际", user_id="u", rerank=lambda u, items: [0, 3], rerank_weight=1.0
    ).ids.tolist() == [2, 1]


# ------------------------------------------------------------------ #9 load re-checks records
def _tampered(edit_records=None, edit_meta=None, edit_arrays=None) -> str:
    from filmreco._persist import read_npz, save_npz
    from filmreco.search._fields import pack_strings, unpack_strings

    d = tempfile.mkdtemp()
    recs = [
        {"id": 1, "title": "星际穿越", "genres": ["科幻"]},
        {"id": 2, "title": "流浪地球", "genres": ["科幻"]},
    ]
    path = SearchIndex().fit(recs).save(os.path.join(d, "i.npz"))
    arrays, header = read_npz(path)
    meta = header["meta"]
    if edit_records is not None:
        import json

        stored = [
            json.loads(t) for t in unpack_strings(arrays["records.data"], arrays["records.offsets"])
        ]
        edit_records(stored)
        texts = [t if isinstance(t, str) else json.dumps(t) for t in stored]
        arrays["records.data"], arrays["records.offsets"] = pack_strings(texts)
    if edit_meta is not None:
        edit_meta(meta)
    if edit_arrays is not None:
        edit_arrays(arrays)
    return save_npz(path, arrays, kind="SearchIndex", version=header["format_version"], meta=meta)


def _set(i, key, value):
    def edit(recs):
        recs[i][key] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        ({"edit_records": _set(0, "genres", [["科幻"]])}, "record that fit refuses.*genres"),
        ({"edit_records": _set(0, "genres", [{"a": 1}])}, "record that fit refuses.*genres"),
        ({"edit_records": _set(0, "title", {"a": 1})}, "record that fit refuses.*title"),
        ({"edit_records": _set(0, "t", "星\ud800")}, "lone surrogate"),
        ({"edit_records": _set(1, "id", 7)}, r"record 1 has id 7.*stored id of its row is 2"),
        ({"edit_records": _set(1, "id", "2")}, r"record 1 has id '2'"),
        ({"edit_records": lambda r: r[0].pop("id")}, r"record 0 has id None"),
        ({"edit_records": lambda r: r.__setitem__(0, "[1]")}, "not a JSON object"),
    ],
)
def test_load_refuses_records_fit_would_refuse(edit, match):
    path = _tampered(**edit)
    with pytest.raises(FormatError, match=match):
        SearchIndex.load(path)


def test_load_refuses_duplicate_term_matrix_keys():
    def edit_meta(meta):
        keys = meta["store"]["tf_keys"]
        keys[1] = list(keys[0])

    with pytest.raises(FormatError, match="tf_keys lists .* twice"):
        SearchIndex.load(_tampered(edit_meta=edit_meta))
