"""Query-time options are keyword arguments of search (issue 12): the constructor's are
deprecated, old files keep their results, search_many agrees with search."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from filmreco._persist import save_npz
from filmreco.exceptions import DataWarning, InputError
from filmreco.search import SearchIndex, _io

#: Non-default values of every query-time option.
CUSTOM = {
    "max_query_length": 3,
    "rerank_weight": 0.9,
    "rerank_depth": 2,
    "highlight_tags": ("[", "]"),
    "snippet_chars": 12,
}
#: Other values, neither the defaults nor CUSTOM.
OTHER = {
    "max_query_length": 5,
    "rerank_weight": 0.5,
    "rerank_depth": 1,
    "highlight_tags": ("<b>", "</b>"),
    "snippet_chars": 8,
}
QUERIES = ["星海漫游", "xhmy", "高远 爱情", "柯南", "", "剧情", "nigth trian", "家", "迷失"]
TASTE = {"f01": 0.0, "f02": 1.0, "f03": 0.5, "f09": 1.0, "f12": 0.2}


def rerank(user, item_ids):
    """A user's preference: films of TASTE, reversed for user "u2"."""
    s = np.array([TASTE.get(i, 0.0) for i in item_ids])
    return s if user == "u1" else -s


def results(index, **kw):
    """Ids, scores and highlights of QUERIES, plain and personalised, and suggestions."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # max_query_length=3 cuts most queries
        for q in QUERIES:
            for user in (None, "u1", "u2"):
                h = index.search(q, 4, highlight=True, rerank=rerank, user_id=user, **kw)
                out.append((h.ids.tolist(), h.scores.tolist(), h.highlights))
        cap = {"max_query_length": kw["max_query_length"]} if "max_query_length" in kw else {}
        out.append(index.suggest("xinghai", 5, **cap))
        out.append(index.analyze("星海漫游 高远", **cap).terms)
    return out


def test_options_change_the_results(index):
    """The options are used (else the tests below would compare nothing)."""
    plain, custom = results(index), results(index, **CUSTOM)
    assert plain != custom
    with pytest.warns(DataWarning, match="cut to max_query_length=3"):
        hits = index.search("星海漫游", highlight=True, **CUSTOM)
    assert hits.highlights[0]["title"] == "[星海漫]游"  # the query is cut to 3 characters


def test_constructor_options_are_deprecated_defaults(records):
    plain = SearchIndex().fit(records)
    for name, value in CUSTOM.items():
        with pytest.warns(FutureWarning, match=f"pass {name}= to search"):
            old = SearchIndex(**{name: value})
        assert getattr(old, name) == value and f"{name}=" in repr(old)
        old.fit(records)
        assert results(old) == results(plain, **{name: value}), name
        # an option given to search wins over the constructor's
        other = {name: OTHER[name]}
        assert results(old, **other) == results(plain, **other), name
    with pytest.warns(FutureWarning, match="max_query_length=, snippet_chars="):
        old = SearchIndex(max_query_length=3, snippet_chars=12)
    with pytest.warns(FutureWarning):
        twin = clone(old)  # clone passes the deprecated options on
    assert twin.get_params() == old.get_params()


def test_set_params_warns_and_clone_of_a_plain_index_does_not():
    index = SearchIndex(ngram=3)
    assert clone(index).get_params() == index.get_params()  # warnings are errors here
    assert index.get_params()["max_query_length"] is None
    with pytest.warns(FutureWarning, match="set_params.*pass rerank_weight= to search"):
        index.set_params(rerank_weight=0.5)
    assert index.rerank_weight == 0.5
    index.set_params(rerank_weight=None, ngram=2)  # back to the default: no warning


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_query_length", 0),
        ("max_query_length", 2.5),
        ("rerank_weight", 1.5),
        ("rerank_weight", -0.1),
        ("rerank_weight", float("nan")),
        ("rerank_depth", 0),
        ("highlight_tags", "<b>"),
        ("highlight_tags", ("<b>",)),
        ("highlight_tags", ("<b>", 1)),
        ("snippet_chars", 7),
    ],
)
def test_bad_options_raise_naming_them(index, records, name, value):
    calls = [
        lambda: index.search("星海", **{name: value}),
        lambda: index.search_many(["星海"], **{name: value}),
    ]
    if name == "max_query_length":
        calls += [
            lambda: index.suggest("星海", max_query_length=value),
            lambda: index.analyze("星海", max_query_length=value),
        ]
    for call in calls:
        with pytest.raises(InputError, match=name):
            call()
    with pytest.warns(FutureWarning), pytest.raises(InputError, match=name):
        SearchIndex(**{name: value}).fit(records)  # checked at fit, as before


def test_long_query_cut_to_the_given_length(index):
    with pytest.warns(DataWarning, match="cut to max_query_length=4"):
        hits = index.search("星海漫游" * 3, max_query_length=4)
    assert hits.ids.tolist()[:1] == ["f01"]
    with pytest.warns(DataWarning, match="cut to max_query_length=4"):
        many = index.search_many(["星海漫游" * 3], max_query_length=4)
    assert many[0].ids.tolist() == hits.ids.tolist()


@pytest.mark.parametrize("options", [{}, CUSTOM, {"rerank_depth": 1, "rerank_weight": 0.0}])
@pytest.mark.parametrize("user", [None, "u1", "u2"])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_search_many_equals_search(index, monkeypatch, options, user, n_jobs):
    from filmreco.search import index as module

    monkeypatch.setattr(module, "_BATCH", 4)  # several blocks
    monkeypatch.setattr(module, "_PIPE_BATCH", 2)  # in threads (n_jobs=2): several too
    kw = dict(highlight=True, rerank=rerank, user_id=user, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        batch = index.search_many(QUERIES, n=3, n_jobs=n_jobs, **kw)
        singles = [index.search(q, n=3, **kw) for q in QUERIES]
    for q, got, want in zip(QUERIES, batch, singles):
        assert got.ids.tolist() == want.ids.tolist(), q
        assert got.scores.tolist() == want.scores.tolist(), q
        assert got.scores.dtype == want.scores.dtype
        assert got.highlights == want.highlights, q


def test_search_many_personalised_in_parallel(index):
    from joblib import parallel_config

    from filmreco.search import index as module

    queries = QUERIES * 40
    serial = index.search_many(queries, rerank=rerank, user_id="u1", rerank_depth=3)
    with parallel_config(backend="threading"):
        old = module._BATCH, module._PIPE_BATCH
        module._BATCH = module._PIPE_BATCH = 16
        try:
            parallel = index.search_many(
                queries, rerank=rerank, user_id="u1", rerank_depth=3, n_jobs=2
            )
        finally:
            module._BATCH, module._PIPE_BATCH = old
    assert [h.ids.tolist() for h in parallel] == [h.ids.tolist() for h in serial]
    assert [h.scores.tolist() for h in parallel] == [h.scores.tolist() for h in serial]
    with pytest.raises(InputError, match="rerank"):
        index.search_many(["星海"], user_id="u1")


def _write_old_file(path, index, query_params):
    """A file in the layout written before the options left the constructor: every
    query-time option among the parameters (JSON: the tags as a list, named a tuple)."""
    arrays, meta = index._export()
    meta["params"] = {
        **meta["params"],
        **{k: list(v) if isinstance(v, tuple) else v for k, v in query_params.items()},
    }
    meta["tuple_params"] = sorted({*meta["tuple_params"], "highlight_tags"})
    return save_npz(path, arrays, kind="SearchIndex", version=_io.FORMAT_VERSION, meta=meta)


def test_old_files_load_with_the_same_results(tmp_path, records):
    plain = SearchIndex().fit(records)
    defaults = {
        "max_query_length": 256,
        "rerank_weight": 0.3,
        "rerank_depth": 100,
        "highlight_tags": ("<em>", "</em>"),
        "snippet_chars": 80,
    }
    # a file with the defaults (what nearly every index saved so far holds)
    loaded = SearchIndex.load(_write_old_file(tmp_path / "old", plain, defaults))
    assert loaded.get_params() == plain.get_params() and repr(loaded).startswith(
        "SearchIndex() fitted on"
    )
    assert results(loaded) == results(plain)
    # a file written by an index built with SearchIndex(max_query_length=3, ...)
    path = _write_old_file(tmp_path / "custom", plain, CUSTOM)
    loaded = SearchIndex.load(path)  # no warning: the file is not the user's call
    assert {k: getattr(loaded, k) for k in CUSTOM} == CUSTOM
    assert results(loaded) == results(plain, **CUSTOM)
    # saved again, it keeps those defaults
    again = SearchIndex.load(loaded.save(tmp_path / "again"))
    assert results(again) == results(plain, **CUSTOM)


def test_new_files_hold_no_query_options(tmp_path, records):
    """Files of an index without the deprecated options hold only index-time parameters
    (so the code of the previous release reads them too)."""
    index = SearchIndex().fit(records)
    _, meta = index._export()
    assert not set(meta["params"]) & set(CUSTOM)
    back = SearchIndex.load(index.save(tmp_path / "new"))
    assert back.get_params() == index.get_params()
    assert results(back, **CUSTOM) == results(index, **CUSTOM)
