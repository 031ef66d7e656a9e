"""Hybrid(weights=None): weights learned by stacking on validation splits of the training data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from filmreco.data import Interactions
from filmreco.datasets import make_synthetic
from filmreco.recommend import EASE, Hybrid, ItemKNN, Popularity
from filmreco.recommend.evaluation import evaluate, split_random
from filmreco.recommend.hybrid import STACK_SEEDS, _simplex


@pytest.fixture(scope="module")
def data():
    w = make_synthetic(150, 40, density=0.12, random_state=2)
    X = w.interactions
    # binary values, so NDCG's linear gain is the stacking's binary one
    return Interactions(X.matrix.astype(bool).astype(np.float32), X.user_ids.ids, X.item_ids.ids)


@given(k=st.integers(1, 7))
def test_simplex_grid(k):
    grid = _simplex(k)
    assert np.allclose(grid.sum(axis=1), 1.0) and (grid >= 0).all()
    assert np.allclose(grid[0], 1.0 / k)  # equal weights first: they win ties
    assert np.unique(grid.round(12), axis=0).shape[0] == grid.shape[0]
    assert (grid > 0).all()  # every component keeps a say (cold films of a content model)
    assert grid.shape[0] <= 300


def test_learned_weights_maximise_the_validation_score(data):
    model = Hybrid([EASE(regularization=5.0), ItemKNN(n_neighbors=10)]).fit(data)
    info = model.stacking_
    assert info is not None
    best = int(np.argmax(info["ndcg"]))
    assert np.allclose(model.weights_, info["grid"][best]) and model.weights_.sum() == 1.0
    # a grid point's score is that fixed-weight hybrid's NDCG@10 on the same validation splits
    for row in (0, 3):
        w = info["grid"][row].tolist()
        fixed = Hybrid([EASE(regularization=5.0), ItemKNN(n_neighbors=10)], weights=w)
        ref = np.mean([
            evaluate(fixed, *split_random(data, 0.2, random_state=seed), metrics=["ndcg"])[
                "ndcg@10"
            ]
            for seed in STACK_SEEDS
        ])  # fmt: skip
        assert info["ndcg"][row] == pytest.approx(ref, rel=1e-5)
    assert info["ndcg"][best] == max(info["ndcg"])


def test_learning_uses_the_training_data_only(data):
    a = Hybrid([EASE(regularization=5.0), Popularity()]).fit(data)
    b = Hybrid([EASE(regularization=5.0), Popularity()]).fit(data)
    assert np.array_equal(a.weights_, b.weights_)  # fixed seeds: reproducible
    other = make_synthetic(150, 40, density=0.12, random_state=9).interactions
    ids = a.recommend(data.user_ids.ids[:5], n=5)[0]
    assert ids.shape == (5, 5)
    c = Hybrid([EASE(regularization=5.0), Popularity()]).fit(other)
    assert c.stacking_ is not None and c.stacking_["n_users"]


def test_given_weights_and_refit_false_are_not_learned(data):
    m = Hybrid([EASE(regularization=5.0), Popularity()], weights=[2.0, 1.0]).fit(data)
    assert m.weights_.tolist() == [2.0, 1.0] and m.stacking_ is None
    parts = [EASE(regularization=5.0).fit(data), Popularity().fit(data)]
    m = Hybrid(parts, refit=False).fit(data)
    assert m.weights_.tolist() == [0.5, 0.5] and m.stacking_ is None


def test_saved_weights_come_back(data, tmp_path):
    m = Hybrid([EASE(regularization=5.0), ItemKNN(n_neighbors=10)]).fit(data)
    path = tmp_path / "h.npz"
    m.save(path)
    back = Hybrid.load(path)
    assert np.array_equal(back.weights_, m.weights_)
    users = data.user_ids.ids[:10]
    np.testing.assert_allclose(
        back.score(users, data.item_ids.ids), m.score(users, data.item_ids.ids)
    )


def test_refit_false_shares_the_callers_components_as_documented():
    # red-team s14 r2a #10: documented, not copied (erasure must reach the caller's models)
    from filmreco.data import Interactions
    from filmreco.datasets import make_synthetic
    from filmreco.recommend import EASE, Hybrid, ItemKNN

    X = make_synthetic(n_users=40, n_items=20, random_state=4).interactions
    e = EASE().fit(X)
    h = Hybrid([e, ItemKNN().fit(X)], refit=False).fit(X)
    assert h.models_[0] is e
    h.fold_in(Interactions.from_arrays(["n1"], X.item_ids.ids[:1]))
    assert "n1" in e.user_ids_
    h.forget_users([X.user_ids.ids[0]])
    assert X.user_ids.ids[0] not in e.user_ids_
