"""Content propagation: film reach, ranking films, social recommendation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from filmreco.data import Interactions
from filmreco.datasets import make_synthetic
from filmreco.exceptions import DataWarning, UnknownIdError
from filmreco.social import (
    IndependentCascade,
    LinearThreshold,
    ReachRecommender,
    SocialGraph,
    diffusion_scores,
    film_reach,
    rank_films,
)


@pytest.fixture(scope="module")
def world():
    w = make_synthetic(150, 12, density=0.05, avg_degree=4, random_state=0)
    graph = SocialGraph.from_edgelist(w.graph)
    return w.interactions, graph


def adopters_of(X: Interactions, film) -> list:
    j = X.item_ids.index([film])[0]
    col = X.matrix[:, [j]].toarray().ravel()
    return X.user_ids.ids[col > 0].tolist()


def test_ids_line_up_with_interactions(world):
    X, graph = world
    assert graph.node_ids == X.user_ids


@pytest.mark.parametrize("cls", [IndependentCascade, LinearThreshold])
def test_rank_films_equals_one_simulation_per_film(world, cls):
    X, graph = world
    model = cls(graph)
    ranking = rank_films(model, X, n_runs=300, random_state=5)
    assert sorted(ranking.item_ids.tolist()) == sorted(X.item_ids.ids.tolist())
    assert np.all(np.diff(ranking.reach) <= 0)
    for film, reach, err, n_adopt in zip(
        ranking.item_ids[:4], ranking.reach, ranking.stderr, ranking.n_adopters
    ):
        res = model.simulate(adopters_of(X, film), 300, random_state=5)
        assert reach == pytest.approx(res.mean) and err == pytest.approx(res.stderr)
        assert n_adopt == len(adopters_of(X, film))
    np.testing.assert_allclose(ranking.new_reach, ranking.reach - ranking.n_adopters)
    by_new = rank_films(model, X, by="new_reach", n_runs=300, random_state=5)
    assert np.all(np.diff(by_new.new_reach) <= 0)
    sub = rank_films(model, X, items=X.item_ids.ids[:3], n_runs=300, random_state=5)
    assert sorted(sub.item_ids.tolist()) == sorted(X.item_ids.ids[:3].tolist())


def test_rank_films_parallel_is_identical(world):
    X, graph = world
    model = IndependentCascade(graph, 0.1)
    a = rank_films(model, X, n_runs=200, random_state=1, n_jobs=1)
    b = rank_films(model, X, n_runs=200, random_state=1, n_jobs=2)
    assert a.item_ids.tolist() == b.item_ids.tolist()
    assert np.array_equal(a.reach, b.reach)


def test_film_reach_and_unknown_adopters(world):
    X, graph = world
    model = IndependentCascade(graph, 0.2)
    fans = adopters_of(X, X.item_ids.ids[0])
    res = film_reach(model, fans, 500, random_state=0)
    assert res.mean == model.simulate(fans, 500, random_state=0).mean
    with pytest.warns(DataWarning, match="1 adopter"):
        again = film_reach(model, [*fans, "nobody"], 500, random_state=0)
    assert again.mean == res.mean
    with pytest.raises(UnknownIdError):
        film_reach(model, [*fans, "nobody"], 10, on_unknown="raise")


def test_recommender_scores_are_reach_probabilities(world):
    X, graph = world
    model = IndependentCascade(graph, 0.3)
    rec = ReachRecommender(model, n_runs=400, random_state=2).fit(X)
    users = X.user_ids.ids[:5]
    ids, scores = rec.recommend(users, n=3, filter_seen=False)
    assert ids.shape == scores.shape == (5, 3)
    for film in X.item_ids.ids[:3]:
        res = model.simulate(adopters_of(X, film), 400, random_state=2)
        j = X.item_ids.index([film])[0]
        np.testing.assert_allclose(
            rec.scores_[:, [j]].toarray().ravel(), res.activation_probability, atol=1e-6
        )
    # best first, seen films filtered out
    ids, scores = rec.recommend(users, n=X.n_items)
    assert np.all(scores[:, :-1] >= scores[:, 1:])
    for u, row in zip(users, ids):
        seen = set(X.item_ids.ids[X.matrix[X.user_ids.index([u])].indices].tolist())
        assert not seen & set(row.tolist())
        assert (row == "").sum() == len(seen)  # padding for the filtered films
    with pytest.raises(UnknownIdError):
        rec.recommend(["nobody"])


def test_diffusion_recommender(world):
    X, graph = world
    model = IndependentCascade(graph, 0.3)
    rec = ReachRecommender(model, method="diffusion", damping=0.7).fit(X)
    film = X.item_ids.ids[1]
    scores = diffusion_scores(
        graph, adopters_of(X, film), damping=0.7, weight=model.edge_probabilities
    )
    j = X.item_ids.index([film])[0]
    col = rec.scores_[:, [j]].toarray().ravel()
    want = [scores[u] for u in X.user_ids.ids.tolist()]
    assert np.abs(col - want).sum() < 150 * 1e-6  # both converged to L1 < n * tol


def test_users_missing_from_the_graph_are_reported():
    X = Interactions.from_arrays(["a", "b", "z"], ["f1", "f1", "f2"])
    graph = SocialGraph.from_arrays(["a"], ["b"])
    with pytest.warns(DataWarning, match="1 of the 3 users"):
        ranking = rank_films(IndependentCascade(graph, 1.0), X, n_runs=10, random_state=0)
    assert ranking.item_ids.tolist() == ["f1", "f2"] and ranking.reach.tolist() == [2.0, 0.0]
    with pytest.raises(NotFittedError):
        ReachRecommender(IndependentCascade(graph)).recommend(["a"])


@pytest.mark.parametrize("method", ["cascade", "diffusion"])
def test_explain_splits_the_score_among_the_adopters_that_reach_the_user(world, method):
    X, graph = world
    model = IndependentCascade(graph, 0.3)
    rec = ReachRecommender(model, method=method, n_runs=300, random_state=1, damping=0.7).fit(X)
    checked = 0
    for u in X.user_ids.ids[:12]:
        for film in X.item_ids.ids[:6]:
            score = float(rec.score([u], [film])[0, 0])
            ids, contrib = rec.explain(u, film, n=1000)
            assert set(ids.tolist()) <= set(adopters_of(X, film))
            assert (contrib > 0).all() and (np.diff(contrib) <= 0).all()
            if score > 0:
                assert contrib.sum() == pytest.approx(score, rel=1e-6)
                checked += 1
            else:
                assert ids.size == 0
    assert checked > 10
    # each adopter's share follows its reach alone
    u, film = next(
        (u, f)
        for u in X.user_ids.ids
        for f in X.item_ids.ids
        if rec.explain(u, f, n=1000)[0].size >= 2
    )
    ids, contrib = rec.explain(u, film, n=1000)
    if method == "cascade":
        alone = [model.simulate([a], 300, random_state=1).probability([u])[0] for a in ids]
    else:
        alone = [diffusion_scores(graph, [a], damping=0.7, weight=model.edge_probabilities)[u]
                 for a in ids]  # fmt: skip
    # cascade: the same worlds; diffusion: both converged to L1 < n * tol
    tol = {"rtol": 1e-6} if method == "cascade" else {"atol": 1e-4}
    np.testing.assert_allclose(contrib / contrib.sum(), np.array(alone) / sum(alone), **tol)
    assert rec.explain(u, film, n=1)[0].tolist() == ids[:1].tolist()


def test_explain_known_answers():
    # a and b both reach c for sure; d reaches nobody who adopted f2
    graph = SocialGraph.from_arrays(["a", "b", "d"], ["c", "c", "e"])
    X = Interactions.from_arrays(["a", "b", "c", "d", "e"], ["f1", "f1", "f2", "f3", "f3"])
    rec = ReachRecommender(IndependentCascade(graph, 1.0), n_runs=20, random_state=0).fit(X)
    ids, contrib = rec.explain("c", "f1")
    assert ids.tolist() == ["a", "b"] and contrib.tolist() == [0.5, 0.5]
    assert rec.explain("a", "f2")[0].size == 0  # f2 does not reach a
    assert rec.explain("e", "f3")[0].tolist() == ["d", "e"]  # e adopted it, d reaches e
    with pytest.raises(UnknownIdError):
        rec.explain("nobody", "f1")
    with pytest.raises(NotFittedError):
        ReachRecommender(IndependentCascade(graph)).explain("c", "f1")
