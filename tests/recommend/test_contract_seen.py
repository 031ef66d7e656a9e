"""The seen contract, run against every model: a film the user rated is never recommended.

The world's interactions become 4-5 star ratings, and every user also rated some other
films 1-3 stars; ``to_implicit(4)`` keeps the positives (the world's matrix, so the models
learn what they learn in test_contract.py) and the low ratings only in ``seen``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from filmreco.data import Interactions
from filmreco.recommend.evaluation import evaluate, split_random


@pytest.fixture(scope="module")
def rated(world):
    """``(R, X)``: ratings over the world's users and films, and ``R.to_implicit(4)``."""
    W = world.interactions
    rng = np.random.default_rng(11)
    pos = (W.matrix.toarray() != 0).astype(np.float32)
    stars = pos * rng.integers(4, 6, size=pos.shape)
    low = (rng.random(pos.shape) < 0.06) & (pos == 0)
    stars[low] = rng.integers(1, 4, size=int(low.sum()))
    R = Interactions(sp.csr_array(stars), W.user_ids, W.item_ids)
    X = R.to_implicit(4)
    np.testing.assert_array_equal(X.matrix.toarray() != 0, pos != 0)
    assert X.seen.nnz > X.nnz + 100
    return R, X


def _rated(model, R, user_ids):
    """The films each user rated (any rating), as sets of ids."""
    M = R.matrix
    rows = R.user_ids.index(user_ids)
    return [set(R.item_ids.ids[M.indices[M.indptr[r] : M.indptr[r + 1]]]) for r in rows]


def test_rated_films_never_in_top_n(make_model, rated):
    R, X = rated
    model = make_model().fit(X)
    users = X.user_ids.ids
    m = len(model.item_ids_)
    ids, scores = model.recommend(users, n=m)
    for row, sc, seen in zip(ids, scores, _rated(model, R, users)):
        real = row != model.item_ids_.missing
        assert not (set(row[real]) & seen)  # not even a 1-star film
        assert real.sum() == m - len(seen)  # every other film once, then padding
        assert np.all(np.isneginf(sc[~real]))


def test_audience_never_holds_a_user_who_rated_the_film(make_model, rated):
    R, X = rated
    model = make_model().fit(X)
    items = X.item_ids.ids
    users, _ = model.recommend_users(items, n=len(X.user_ids))
    D = R.matrix.toarray() != 0
    for k, row in enumerate(users):
        real = row != model.user_ids_.missing
        assert not D[R.user_ids.index(row[real]), k].any()
        assert real.sum() == (~D[:, k]).sum()


def test_score_filter_seen_marks_every_rated_film(make_model, rated):
    R, X = rated
    model = make_model().fit(X)
    users = X.user_ids.ids[:20]
    S = model.score(users, X.item_ids.ids, filter_seen=True)
    D = R.matrix.toarray()[:20] != 0
    assert np.isneginf(S[D]).all() and np.isfinite(S[~D]).all()


def test_only_the_filter_changes(make_model, rated, world):
    # the low ratings are not learned from: without the filter, scores are those of the
    # model fitted on the positives alone
    _, X = rated
    users = X.user_ids.ids[:10]
    a = make_model().fit(X).score(users, X.item_ids.ids)
    b = make_model().fit(world.interactions).score(users, X.item_ids.ids)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_saved_model_keeps_the_seen_set(make_model, rated, tmp_path):
    R, X = rated
    model = make_model().fit(X)
    users = X.user_ids.ids
    loaded = type(model).load(model.save(tmp_path / "model"))
    a, b = model.recommend(users, n=8), loaded.recommend(users, n=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    for row, seen in zip(b[0], _rated(loaded, R, users)):
        assert not set(row) & seen


def test_user_items_uses_its_seen_set(make_model, rated, world):
    R, X = rated
    model = make_model().fit(world.interactions)  # knows no low rating
    users = X.user_ids.ids[:12]
    ids, _ = model.recommend(users, n=len(X.item_ids), user_items=X.subset_users(users))
    for row, seen in zip(ids, _rated(model, R, users)):
        real = row != model.item_ids_.missing
        assert not set(row[real]) & seen
        assert real.sum() == len(model.item_ids_) - len(seen)


def test_fold_in_brings_the_seen_set(make_model, rated, world):
    R, X = rated
    users = X.user_ids.ids[:6]
    part = X.subset_users(users)
    new = Interactions(part.matrix, [f"new{k}" for k in range(6)], part.item_ids, seen=part.seen)
    model = make_model().fit(world.interactions).fold_in(new)
    ids, _ = model.recommend(new.user_ids.ids, n=len(X.item_ids))
    for row, seen in zip(ids, _rated(model, R, users)):
        assert not set(row[row != model.item_ids_.missing]) & seen
    # replacing a user's history replaces their seen set
    model.fold_in(Interactions.from_arrays(["new0"], X.item_ids.ids[:1]), mode="replace")
    ids, _ = model.recommend(["new0"], n=len(X.item_ids))
    assert sorted(ids[0][ids[0] != model.item_ids_.missing]) == sorted(X.item_ids.ids[1:])


def test_forget_users_keeps_the_others_seen_sets(make_model, rated):
    R, X = rated
    model = make_model().fit(X)
    model.forget_users(X.user_ids.ids[:5])
    kept = X.subset_users(X.user_ids.ids[5:]).seen
    assert model.seen_.shape == kept.shape  # the erased users' rows are gone
    assert (model.seen_ != kept).nnz == 0
    users = X.user_ids.ids[5:25]
    ids, _ = model.recommend(users, n=len(X.item_ids))
    for row, seen in zip(ids, _rated(model, R, users)):
        assert not set(row[row != model.item_ids_.missing]) & seen


def test_evaluation_filters_the_training_positives_only(make_model, rated):
    # the protocol: split parts are positives only, so evaluate on the thresholded data
    # equals evaluate on the same split of the positives alone
    _, X = rated
    train, test = split_random(X, 0.25, random_state=5)
    assert train.seen.nnz == train.nnz
    plain = Interactions(train.matrix, train.user_ids, train.item_ids)
    a = evaluate(make_model(), train, test, k=5, metrics=["ndcg", "recall"])
    b = evaluate(make_model(), plain, test, k=5, metrics=["ndcg", "recall"])
    assert a == b
    # a model fitted on all of X with its seen set is a different protocol
    model = clone(make_model()).fit(X)
    assert model.seen_ is not None and model.seen_.nnz == X.seen.nnz
