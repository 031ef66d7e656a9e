"""tune keeps a social model's base (weight 0) unless the graph helps significantly."""

from __future__ import annotations

import numpy as np
import pytest

from filmreco.datasets import make_synthetic
from filmreco.recommend import Popularity
from filmreco.recommend.evaluation import TUNE_ALPHA, tune
from filmreco.social import SocialGraph, SocialRecommender, shuffle_graph

GRID = [
    {"weight": [0.0], "new_user_weight": [None]},
    {"weight": [0.0, 0.2, 0.5], "new_user_weight": [None, 1.0]},
]


def _reference_choice(results, nulls, per_user_gain_ok):
    """Best score among the null candidates and the ones that passed the test."""
    ok = [i for i, r in enumerate(results) if nulls[i] or per_user_gain_ok[i]]
    return max(ok, key=lambda i: (results[i]["score"], -i))


def world(homophily, seed, n_users=300, n_items=60):
    w = make_synthetic(n_users, n_items, density=0.04, homophily=homophily, random_state=seed)
    return w.interactions, SocialGraph.from_edgelist(w.graph)


def test_null_candidates_are_the_base_alone():
    X, g = world(0.9, 0)
    m = SocialRecommender(Popularity(), g)
    assert m._null_candidate({"weight": 0.0})
    assert m._null_candidate({"weight": 0.0, "new_user_weight": 0.0, "half_weight_at": 5.0})
    assert not m._null_candidate({"weight": 0.0, "new_user_weight": 1.0})
    assert not m._null_candidate({"weight": 0.1})
    assert not m._null_candidate({"weight": 0.0, "base": Popularity()})
    # a null candidate ranks exactly as the base
    base = Popularity().fit(X)
    social = SocialRecommender(Popularity(), g, weight=0.0).fit(X)
    users = X.user_ids.ids[:50]
    assert np.array_equal(social.recommend(users, 10)[0], base.recommend(users, 10)[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_graph_without_signal_gets_weight_zero(seed):
    X, g = world(0.9, seed)
    useless = shuffle_graph(g, np.random.default_rng(seed))  # same degrees, no homophily
    res = tune(SocialRecommender(Popularity(), useless), GRID, X, n_splits=2,
               random_state=seed, refit=False)  # fmt: skip
    assert res.best_params["weight"] == 0.0 and res.best_params["new_user_weight"] is None


def test_a_useful_graph_is_still_used():
    X, g = world(0.95, 0, 600, 80)
    res = tune(SocialRecommender(Popularity(), g), GRID, X, n_splits=2, random_state=0,
               refit=False)  # fmt: skip
    assert res.best_params["weight"] > 0 or res.best_params["new_user_weight"] == 1.0
    tested = [r for r in res.results if "gain_lower_bound" in r]
    assert tested and not any(model_null(r["params"]) for r in tested)
    best = next(r for r in res.results if r["params"] == res.best_params)
    assert best["gain_lower_bound"] > 0


def model_null(params):
    return params["weight"] == 0 and params.get("new_user_weight") is None


def test_the_choice_matches_the_rule():
    X, g = world(0.8, 3)
    model = SocialRecommender(Popularity(), g)
    res = tune(model, GRID, X, n_splits=1, random_state=5, refit=False)
    nulls = [model._null_candidate(r["params"]) for r in res.results]
    passed = [r.get("gain_lower_bound", -1.0) > 0 for r in res.results]
    chosen = _reference_choice(res.results, nulls, passed)
    assert res.results[chosen]["params"] == res.best_params
    assert 0 < TUNE_ALPHA < 1


def test_models_without_null_candidates_pick_the_best_score():
    from filmreco.recommend import EASE

    X, _ = world(0.5, 0)
    res = tune(EASE, {"regularization": [1.0, 100.0]}, X, random_state=0, refit=False)
    scores = [r["score"] for r in res.results]
    assert res.best_score == max(scores)
    assert all("gain_lower_bound" not in r for r in res.results)
