"""Erasure against a refit without the user, for every registered model (issue 18)."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from sklearn.base import clone

from filmreco.data import Interactions
from filmreco.datasets import make_synthetic
from filmreco.privacy import forget_user
from filmreco.recommend import Popularity
from filmreco.social import SocialGraph

from .recommend.conftest import FACTORIES

# what forget_users guarantees for the other users (docs/guide: the erasure table)
EXACT = {
    "Popularity",
    "ItemKNN",
    "ItemKNN-bm25",
    "ItemKNN-dot",
    "EASE",
    "EDLAE",
    "HigherOrderEASE",
    "SANSA",
    "RP3beta",
    "ContentBased",
    "Hybrid-rank",
    "SocialRecommender",
    "SocialRecommender-history",
    "ReachRecommender",
    "ReachRecommender-diffusion",
}
# factor models: the other users' factors and item factors are kept, so their lists do
# not change; the item factors still reflect the erased users until the next fit
UNCHANGED = {"ALS", "BPR", "CrossDomain", "Hybrid"}  # Hybrid: ALS + ContentBased


@pytest.fixture(scope="module")
def world():
    """The world of the recommender tests (tests/recommend/conftest.py)."""
    return make_synthetic(n_users=120, n_items=60, density=0.08, avg_degree=4, random_state=7)


@pytest.fixture(scope="module")
def erased(world):
    """A user with interactions and friends, whose id is no part of another id."""
    X = world.interactions
    g = SocialGraph.from_edgelist(world.graph)
    ids = X.user_ids.ids.tolist()
    counts = np.diff(X.matrix.indptr)
    degree = dict(zip(g.node_ids.ids.tolist(), g.out_degree() + g.in_degree(), strict=True))
    ok = [
        (degree.get(u, 0), int(c), u)
        for u, c in zip(ids, counts, strict=True)
        if c > 0 and not any(u in v for v in ids if v != u)
    ]
    return max(ok)[2]


def _without(X, user):
    return X.subset_users([u for u in X.user_ids.ids.tolist() if u != user])


def _no_trace(path, user):
    needles = (user.encode("utf-8"), user.encode("utf-32-le"))
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            blob = z.read(name)
            assert user.encode("utf-8") not in name.encode("utf-8")
            for needle in needles:
                assert needle not in blob, f"{user!r} found in {name}"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_erasure_matches_refit(name, world, erased, tmp_path):
    X = world.interactions
    model = FACTORIES[name](world).fit(X)
    others = [u for u in X.user_ids.ids.tolist() if u != erased]
    before = model.recommend(others, n=10)
    report = forget_user(erased, recommenders=[model])
    assert report.removed["recommenders"] == 1
    assert erased not in model.user_ids_
    for attr in ("graph", "model"):
        graph = getattr(getattr(model, attr, None), "graph", getattr(model, attr, None))
        if isinstance(graph, SocialGraph):
            assert erased not in graph.node_ids
    after = model.recommend(others, n=10)
    if name in EXACT:
        # the refit uses the model's parameters now (its graph without the user)
        refit = clone(model).fit(_without(X, erased))
        expect = refit.recommend(others, n=10)
        np.testing.assert_array_equal(after[0], expect[0])
        np.testing.assert_allclose(after[1], expect[1], rtol=1e-5, atol=1e-7)
    elif name in UNCHANGED:
        np.testing.assert_array_equal(after[0], before[0])
        np.testing.assert_array_equal(after[1], before[1])
    path = tmp_path / "model.npz"
    model.save(path)
    _no_trace(path, erased)
    loaded = type(model).load(path)
    np.testing.assert_array_equal(loaded.recommend(others, n=10)[0], after[0])


@pytest.mark.parametrize(
    "name", ["SocialRecommender", "SocialRecommender-score", "SocialRecommender-history"]
)
def test_social_erasure_changes_friends_signal(name, world, erased):
    """The erased user's films no longer reach their friends (defect 2), whatever the base."""
    X = world.interactions
    model = FACTORIES[name](world).fit(X)
    col = model.user_ids_.index([erased])[0]
    friends = np.flatnonzero(model.friends_.toarray()[:, col] > 0)
    assert friends.size
    model.forget_users([erased])
    assert model.friends_.shape == (len(X.user_ids) - 1,) * 2
    assert model.social_.shape[0] == len(X.user_ids) - 1
    refit = clone(model).fit(_without(X, erased))
    assert (model.friends_ != refit.friends_).nnz == 0
    assert (model.social_ != refit.social_).nnz == 0


def test_popularity_time_decay_erasure_is_exact(world, erased):
    X = world.interactions
    now = float(X.timestamps.max())
    model = Popularity(half_life=1e6, now=now).fit(X)
    model.forget_users([erased])
    refit = Popularity(half_life=1e6, now=now).fit(_without(X, erased))
    np.testing.assert_array_equal(model.item_scores_, refit.item_scores_)


def test_popularity_loaded_erasure_subtracts_views(world, erased, tmp_path):
    X = world.interactions
    Popularity().fit(X).save(tmp_path / "p.npz")
    model = Popularity.load(tmp_path / "p.npz")
    model.forget_users([erased])
    refit = Popularity().fit(_without(X, erased))
    np.testing.assert_array_equal(model.item_scores_, refit.item_scores_)


def test_erasure_leaves_the_callers_graph_alone(world, erased):
    X = world.interactions
    model = FACTORIES["ReachRecommender-diffusion"](world).fit(X)
    original = model.model.graph
    model.forget_users([erased])
    assert erased in original.node_ids
    assert erased not in model.model.graph.node_ids


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_erase_folded_in_and_everyone(name, world):
    X = world.interactions
    model = FACTORIES[name](world).fit(X)
    new = Interactions.from_arrays(["n1", "n1", "n2"], X.item_ids.ids[[2, 7, 7]])
    if callable(getattr(getattr(model, "base", model), "fold_in", None)):
        model.fold_in(new)
        assert model.forget_users(["n1", X.user_ids.ids[5]]) == 2
        assert model.recommend(["n2", X.user_ids.ids[6]], n=3)[0].shape == (2, 3)
    everyone = model.user_ids_.ids.copy()
    assert model.forget_users(everyone) == everyone.size
    assert len(model.user_ids_) == 0
    items, _ = model.recommend(["x"], n=3, user_items=Interactions.from_arrays(["x"], ["m0001"]))
    assert items.shape == (1, 3)
