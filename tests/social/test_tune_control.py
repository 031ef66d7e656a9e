"""tune's shuffled-graph control: a social candidate must beat the base AND itself on a
degree-preserving shuffle of the graph, so a gain that any graph with the same degrees
gives (mixing other users' films into sparse users' rankings) does not buy a weight."""

from __future__ import annotations

import numpy as np
import pytest

from filmreco.datasets import make_synthetic
from filmreco.exceptions import InputError
from filmreco.recommend import EASE
from filmreco.recommend.evaluation import tune
from filmreco.social import SocialGraph, SocialRecommender

GRID = {"weight": [0.0, 0.1, 0.2, 0.5]}


def world(seed, homophily):
    """600 users in taste communities, 2% density; friendships inside the community with
    probability `homophily` (0: a random graph, which says nothing about tastes)."""
    w = make_synthetic(600, 150, density=0.02, homophily=homophily, random_state=seed)
    return w.interactions, SocialGraph.from_edgelist(w.graph)


def run(X, g, seed, **kw):
    # EASE with little regularization overfits sparse users' few films: blending in any
    # other users' films (popular ones, mostly) helps them, friends or not
    model = SocialRecommender(EASE(regularization=1.0), g, mode="score")
    return tune(model, GRID, X, n_splits=3, refit=False, random_state=seed, **kw)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_graph_with_homophily_keeps_its_weight(seed):
    X, g = world(seed, homophily=0.9)
    res = run(X, g, seed)
    assert res.best_params["weight"] > 0
    best = next(r for r in res.results if r["params"] == res.best_params)
    assert best["gain_lower_bound"] > 0 and best["control_lower_bound"] > 0


@pytest.mark.parametrize("seed", [0, 3, 4])
def test_a_random_graph_gets_no_weight_although_mixing_helps(seed):
    X, g = world(seed, homophily=0.0)
    old = run(X, g, seed, control=False)
    # the rule without the control is fooled: some weight beats the base significantly
    assert old.best_params["weight"] > 0
    assert all("control_lower_bound" not in r for r in old.results)
    new = run(X, g, seed)
    assert new.best_params["weight"] == 0.0
    fooled = next(r for r in new.results if r["params"] == old.best_params)
    # the shuffled graph gains as much: no evidence that the links matter
    assert not fooled["control_lower_bound"] > 0
    # the control changes neither the splits nor the scores
    assert [r["score"] for r in new.results] == [r["score"] for r in old.results]


def test_the_control_comes_from_random_state():
    X, g = world(0, homophily=0.0)
    a, b = run(X, g, 5), run(X, g, 5)
    assert [r.get("part_control_lower_bounds") for r in a.results] == [
        r.get("part_control_lower_bounds") for r in b.results
    ]
    c = run(X, g, np.random.default_rng(5))
    assert "control_lower_bound" in c.results[1]


def test_the_control_is_a_degree_preserving_shuffle(monkeypatch):
    import filmreco.social.recommend as rec

    X, g = world(1, homophily=0.0)
    made = []
    real = rec.shuffle_graph

    def spy(graph, random_state=None):
        made.append(real(graph, random_state))
        return made[-1]

    monkeypatch.setattr(rec, "shuffle_graph", spy)
    run(X, g, 1)
    assert len(made) == 1  # one shuffled copy, shared by the splits and candidates
    s = made[0]
    assert not g.directed  # every user keeps their number of friends
    assert (s.in_degree() + s.out_degree() == g.in_degree() + g.out_degree()).all()
    assert not np.array_equal(s.sources, g.sources) or not np.array_equal(s.targets, g.targets)


def test_no_control_when_the_grid_tunes_the_graph():
    X, g = world(1, homophily=0.9)
    res = tune(SocialRecommender(EASE(regularization=1.0), g),
               {"weight": [0.0, 0.3], "graph": [g]}, X, refit=False, random_state=0)  # fmt: skip
    assert "gain_lower_bound" in res.results[1]
    assert "control_lower_bound" not in res.results[1]


def test_control_must_be_a_bool():
    X, g = world(1, homophily=0.9)
    with pytest.raises(InputError, match="control must be True or False"):
        run(X, g, 0, control="yes")
    with pytest.raises(InputError, match="control must be True or False"):  # no null candidate
        tune(SocialRecommender(EASE(), g), {"weight": [0.5]}, X, refit=False, control=1)


@pytest.mark.parametrize("seed", [0, 3])
def test_the_control_only_refuses(seed):
    # the bounds against the base are exactly those without the control (same splits, same
    # sign flips): the control is a second test a candidate must pass, never a reason to admit
    for homophily in (0.0, 0.9):
        X, g = world(seed, homophily)
        on, off = run(X, g, seed), run(X, g, seed, control=False)
        assert [r.get("part_gain_lower_bounds") for r in on.results] == [
            r.get("part_gain_lower_bounds") for r in off.results
        ]
        if on.best_params["weight"] > 0:
            best = next(r for r in on.results if r["params"] == on.best_params)
            assert best["gain_lower_bound"] > 0 and best["control_lower_bound"] > 0


def test_how_often_a_random_graph_gets_a_weight():
    # over seeds 0-29 (measured while building this): the rule without the control picks a
    # weight for a random graph in 21, with the control in 1 (seed 2), about its nominal 2.5%
    # per part; a graph with homophily 0.3 still gets one in 18, with 0.9 in 30
    old = new = 0
    for seed in range(8):
        X, g = world(seed, homophily=0.0)
        old += run(X, g, seed, control=False).best_params["weight"] > 0
        new += run(X, g, seed).best_params["weight"] > 0
    assert old >= 5 and new <= 1
