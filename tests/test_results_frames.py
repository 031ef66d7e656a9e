"""Results in the shape users work with (issue 14): DataFrames with catalogue columns,
no numpy reprs in user-facing text, and show_progress on the long calls."""

from __future__ import annotations

import re
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import filmreco
from filmreco import Catalog, to_frame
from filmreco.exceptions import FilmrecoError, InputError

NUMPY_REPR = re.compile(r"\bnp\.(?:float|int|uint|str_|bool|bytes_|complex)\w*\(")


@pytest.fixture(scope="module")
def world():
    from filmreco.datasets import make_synthetic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make_synthetic(n_users=80, n_items=30, random_state=0)


@pytest.fixture(scope="module")
def knn(world):
    from filmreco.recommend import ItemKNN

    return ItemKNN(n_neighbors=10).fit(world.interactions)


# --- DataFrames -----------------------------------------------------------------------
def _reference_rows(ids, scores, queries):
    """The long table written out with loops: (query, rank, id, score), padding skipped."""
    rows = []
    for q, row_ids, row_scores in zip(queries, ids.tolist(), scores.tolist()):
        for r, (i, s) in enumerate(zip(row_ids, row_scores)):
            if np.isfinite(s) and i not in (-1, None, ""):
                rows.append((q, r + 1, i, s))
    return rows


def test_recommendations_frame_with_titles(world, knn) -> None:
    users = world.interactions.user_ids.ids[:5]
    ids, scores = knn.recommend(users, 4)
    df = to_frame((ids, scores), queries=users, catalog=world.catalog)
    assert list(df.columns) == ["user", "rank", "item", "score", "title", "year"]
    got = list(df[["user", "rank", "item", "score"]].itertuples(index=False, name=None))
    assert got == _reference_rows(ids, scores, users.tolist())
    for item, title, year in zip(df["item"], df["title"], df["year"]):
        rec = world.catalog[item]
        assert (rec["title"], rec["year"]) == (title, year)


def test_audiences_and_similar_items(world, knn) -> None:
    films = world.interactions.item_ids.ids[:3]
    u, s = knn.recommend_users(films, 5)
    df = to_frame((u, s), queries=films, query="item", catalog=world.catalog, columns=["title"])
    assert list(df.columns) == ["item", "rank", "user", "score", "title"]
    assert set(df["item"]) <= set(films.tolist())
    i, s = knn.similar_items(films, 3)
    df = filmreco.data.to_frame((i, s), queries=films, query="film")
    assert list(df.columns) == ["film", "rank", "item", "score"]


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(0, 5),
    st.data(),
)
def test_padding_is_dropped(n_rows, n_cols, data) -> None:
    ids = np.array(
        data.draw(st.lists(st.lists(st.integers(-1, 9), min_size=n_cols, max_size=n_cols),
                           min_size=n_rows, max_size=n_rows)),
        dtype=np.int64,
    ).reshape(n_rows, n_cols)  # fmt: skip
    scores = np.where(ids < 0, -np.inf, ids.astype(float) / 10)
    df = to_frame((ids, scores))
    assert len(df) == int((ids >= 0).sum())
    got = list(df.itertuples(index=False, name=None))
    assert got == _reference_rows(ids, scores, list(range(n_rows)))


def test_search_hits_seed_plans_and_simulations(world) -> None:
    from filmreco.search import SearchIndex
    from filmreco.social import IndependentCascade, SocialGraph, maximize_influence

    index = SearchIndex().fit(world.catalog)
    title = world.catalog.field("title")[3]
    hits = index.search(title, n=5)
    df = hits.to_frame(catalog=world.catalog)
    assert df["item"].tolist() == hits.ids.tolist() and df["rank"].tolist()[0] == 1
    assert df["title"].tolist()[0] == world.catalog[hits.ids[0]]["title"]
    assert to_frame(hits, catalog=world.catalog).equals(df)
    g = SocialGraph.from_edgelist(world.graph)
    model = IndependentCascade(g, 0.2)
    plan = maximize_influence(model, k=3, method="degree", random_state=0)
    pf = to_frame(plan)
    assert pf["user"].tolist() == plan.seeds.tolist()
    assert np.allclose(pf["spread"].iloc[-1], plan.gains.sum())
    sim = model.simulate(plan.seeds, 50, random_state=0)
    sf = sim.to_frame()
    assert set(plan.seeds.tolist()) <= set(sf["user"].tolist())
    assert sf["activation_probability"].is_monotonic_decreasing
    assert np.allclose(sim.probability(sf["user"].to_numpy()), sf["activation_probability"])
    with pytest.raises(InputError, match="name no films"):
        to_frame(plan, catalog=world.catalog)


def test_frame_errors(world) -> None:
    with pytest.raises(InputError, match="same 1-D or 2-D shape"):
        to_frame((np.zeros((2, 3)), np.zeros((2, 2))))
    with pytest.raises(InputError, match="queries has 1 ids but the result has 2 rows"):
        to_frame((np.zeros((2, 1)), np.zeros((2, 1))), queries=["a"])
    with pytest.raises(InputError, match=r"columns \['budget'\] are not fields"):
        to_frame((np.zeros((1, 1)), np.zeros((1, 1))), catalog=world.catalog, columns=["budget"])
    with pytest.raises(FilmrecoError, match="Catalog"):
        to_frame((np.zeros((1, 1)), np.zeros((1, 1))), catalog={"title": "x"})


def test_missing_pandas_says_how_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"filmreco\[pandas\]"):
        to_frame((np.zeros((1, 1)), np.zeros((1, 1))))


# --- no numpy reprs -------------------------------------------------------------------
def test_no_numpy_reprs_in_reprs(world, knn) -> None:
    from filmreco.recommend import EASE
    from filmreco.search import SearchIndex
    from filmreco.social import IndependentCascade, SocialGraph, maximize_influence

    g = SocialGraph.from_edgelist(world.graph)
    model = IndependentCascade(g, 0.2)
    plan = maximize_influence(model, k=2, method="degree", random_state=0)
    objects = [
        world.interactions,
        world.catalog,
        world.graph,
        g,
        knn,
        EASE(regularization=np.float32(10.0)),
        SearchIndex().fit(world.catalog),
        model,
        plan,
        model.simulate(plan.seeds, 10, random_state=0),
        world.interactions.user_ids,
    ]
    for obj in objects:
        assert not NUMPY_REPR.search(repr(obj)), repr(obj)


def test_no_numpy_reprs_in_messages(world, knn) -> None:
    X = world.interactions
    calls = [
        lambda: knn.recommend(X.user_ids.ids[:2], np.int64(-3)),
        lambda: knn.recommend([np.int64(10**9)]),
        lambda: knn.explain(np.int64(10**9), X.item_ids.ids[0]),
        lambda: X.user_ids.index([np.int64(6119)]),
        lambda: Catalog.from_records([{"id": np.int64(1), "year": np.float32(1994.5)}]),
        lambda: filmreco.sparse.tfidf(-filmreco.sparse.build_csr([0], [0], [6.0])),
        lambda: X.to_implicit(np.float32(np.nan)),
    ]
    for call in calls:
        with pytest.raises(FilmrecoError) as err:
            call()
        assert not NUMPY_REPR.search(str(err.value)), str(err.value)


# --- progress ---------------------------------------------------------------------------
def test_show_progress_gives_the_same_results(world) -> None:
    from filmreco.datasets import make_synthetic
    from filmreco.recommend import EASE
    from filmreco.recommend.evaluation import evaluate, split_random, tune
    from filmreco.search import SearchIndex

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = make_synthetic(200, 40, density=0.05, random_state=0).interactions
    a = EASE(regularization=5.0).fit(X).weights_
    b = EASE(regularization=5.0, show_progress=True).fit(X).weights_
    assert np.array_equal(a, b)
    train, test = split_random(X, random_state=0)
    e1 = evaluate(EASE(), train, test)
    e2 = evaluate(EASE(), train, test, show_progress=True)
    assert str(e1) == str(e2)  # NaN metrics compare as text
    r1 = tune(EASE, {"regularization": [1.0, 10.0]}, X, random_state=0)
    r2 = tune(EASE, {"regularization": [1.0, 10.0]}, X, random_state=0, show_progress=True)
    assert r1.results == r2.results
    recs = world.catalog
    i1, i2 = SearchIndex().fit(recs), SearchIndex().fit(recs, show_progress=True)
    q = recs.field("title")[0]
    h1, h2 = i1.search(q), i2.search(q)
    assert h1.ids.tolist() == h2.ids.tolist() and np.array_equal(h1.scores, h2.scores)
    with pytest.raises(FilmrecoError, match="show_progress"):
        evaluate(EASE(), train, test, show_progress="yes")
    with pytest.raises(FilmrecoError, match="show_progress"):
        EASE(show_progress=2).fit(X)
