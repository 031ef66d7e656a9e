"""HigherOrderEASE against a plain per-column ridge regression of the paper's objective."""

from __future__ import annotations

import numpy as np
import pytest

from filmreco.data import Interactions
from filmreco.datasets import make_synthetic
from filmreco.exceptions import FormatError, InputError
from filmreco.recommend import EASE, EDLAE, HigherOrderEASE
from filmreco.recommend.higher import select_pairs


def _problem(weighted: bool = False, seed: int = 4) -> tuple[Interactions, np.ndarray]:
    """70 users x 14 items, about 40% filled, as a model-ordered dense matrix."""
    rng = np.random.default_rng(seed)
    X = (rng.random((70, 14)) < 0.4).astype(np.float64)
    X[rng.integers(0, 70, 14), np.arange(14)] = 1.0
    if weighted:
        X *= rng.integers(1, 4, X.shape)
    u, i = np.nonzero(X)
    inter = Interactions.from_arrays(u, i, X[u, i])
    rows = inter.user_ids.ids.astype(np.int64)
    cols = inter.item_ids.ids.astype(np.int64)
    return inter, X[np.ix_(rows, cols)]


def _dense_pairs(X: np.ndarray, n_pairs: int, min_count: int) -> np.ndarray:
    """Plainly: every pair i < k with its count, sorted by count (desc), then i, then k."""
    P = (X != 0).astype(np.int64)
    n = X.shape[1]
    cand = [
        (-int(P[:, i] @ P[:, k]), i, k)
        for i in range(n)
        for k in range(i + 1, n)
        if P[:, i] @ P[:, k] >= min_count
    ]
    return np.array([[i, k] for _, i, k in sorted(cand)[:n_pairs]], dtype=np.int64).reshape(-1, 2)


def _dense_higher(
    X: np.ndarray, pairs: np.ndarray, lam_b: float, lam_c: float, p: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """The paper's objective solved column by column: a ridge regression of item j on the
    items and pairs with item j and the pairs holding j removed from the features."""
    n = X.shape[1]
    Z = np.stack([X[:, i] * X[:, k] for i, k in pairs], axis=1) if len(pairs) else X[:, :0]
    F = np.hstack([X, Z])
    pen = np.r_[np.full(n, lam_b), np.full(len(pairs), lam_c)]
    pen = pen + p / (1.0 - p) * (F**2).sum(axis=0)
    B, C = np.zeros((n, n)), np.zeros((len(pairs), n))
    for j in range(n):
        keep = [f for f in range(F.shape[1]) if f != j and not (f >= n and j in pairs[f - n])]
        Fk = F[:, keep]
        w = np.linalg.solve(Fk.T @ Fk + np.diag(pen[keep]), Fk.T @ X[:, j])
        full = np.zeros(F.shape[1])
        full[keep] = w
        B[:, j], C[:, j] = full[:n], full[n:]
    return B, C


@pytest.mark.parametrize(
    ("lam_b", "lam_c", "n_pairs", "min_count", "p", "weighted"),
    [
        (3.0, 5.0, 8, 1, 0.0, False),
        (10.0, 2.0, 30, 1, 0.0, False),
        (1.0, 20.0, 91, 1, 0.0, True),  # every pair of the 14 items
        (5.0, 5.0, 50, 12, 0.0, False),  # the count threshold binds
        (4.0, 6.0, 12, 1, 0.3, False),
    ],
)
def test_matches_the_per_column_ridge_regression(lam_b, lam_c, n_pairs, min_count, p, weighted):
    inter, X = _problem(weighted)
    model = HigherOrderEASE(lam_b, lam_c, n_pairs=n_pairs, min_count=min_count, dropout=p)
    model.fit(inter)
    pairs = _dense_pairs(X, n_pairs, min_count)
    assert np.array_equal(model.pairs_, pairs)
    B, C = _dense_higher(X, pairs, lam_b, lam_c, p)
    np.testing.assert_allclose(model.weights_, B, rtol=1e-3, atol=2e-5)
    np.testing.assert_allclose(model.pair_weights_, C, rtol=1e-3, atol=2e-5)
    # the constraints hold exactly: no item (or pair holding it) predicts itself
    assert not model.weights_.diagonal().any()
    r = np.arange(len(pairs))
    assert not model.pair_weights_[r, pairs[:, 0]].any()
    assert not model.pair_weights_[r, pairs[:, 1]].any()


def test_scores_are_items_plus_pairs():
    inter, X = _problem()
    model = HigherOrderEASE(3.0, 5.0, n_pairs=20).fit(inter)
    Z = np.stack([X[:, i] * X[:, k] for i, k in model.pairs_], axis=1)
    want = X @ model.weights_ + Z @ model.pair_weights_
    got = model.score(inter.user_ids.ids, inter.item_ids.ids)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # and explain's contributions add up to the score
    u, j = inter.user_ids.ids[3], inter.item_ids.ids[5]
    _, contrib = model.explain(u, j, n=100)
    assert contrib.sum() == pytest.approx(float(got[3, 5]), rel=1e-4, abs=1e-5)


def test_pairs_change_the_scores():
    inter, _ = _problem()
    a = HigherOrderEASE(3.0, 5.0, n_pairs=30).fit(inter)
    b = EASE(3.0).fit(inter)
    ids = inter.user_ids.ids
    assert np.abs(a.score(ids, inter.item_ids.ids) - b.score(ids, inter.item_ids.ids)).max() > 1e-2


def test_without_pairs_it_is_ease_and_edlae():
    inter, _ = _problem(weighted=True)
    ease = EASE(7.0).fit(inter)
    plain = HigherOrderEASE(7.0, 1.0, n_pairs=0).fit(inter)
    np.testing.assert_allclose(plain.weights_, ease.weights_, rtol=1e-4, atol=1e-6)
    assert plain.pairs_.shape == (0, 2) and plain.pair_weights_.shape == (0, 14)
    edlae = EDLAE(7.0, 0.4).fit(inter)
    drop = HigherOrderEASE(7.0, 1.0, n_pairs=0, dropout=0.4).fit(inter)
    np.testing.assert_allclose(drop.weights_, edlae.weights_, rtol=1e-4, atol=1e-6)


def test_select_pairs_bounds_and_threshold():
    inter, X = _problem()
    M = inter.matrix
    assert len(select_pairs(M, 5, 1)) == 5
    assert np.array_equal(select_pairs(M, 1000, 15), _dense_pairs(X, 1000, 15))
    assert len(select_pairs(M, 1000, 10_000)) == 0
    # from a dense count matrix (what fit passes on 0/1 data): the same pairs
    counts = (M.T @ M).toarray()
    for n_pairs, min_count in [(5, 1), (40, 1), (1000, 15), (1000, 1)]:
        assert np.array_equal(
            select_pairs(M, n_pairs, min_count, counts), _dense_pairs(X, n_pairs, min_count)
        )


def test_save_load_round_trip(tmp_path):
    w = make_synthetic(n_users=90, n_items=40, density=0.1, random_state=3)
    model = HigherOrderEASE(20.0, 50.0, n_pairs=25, min_count=2).fit(w.interactions)
    path = model.save(tmp_path / "ho")
    back = HigherOrderEASE.load(path)
    assert back.get_params() == model.get_params()
    assert np.array_equal(back.pairs_, model.pairs_)
    assert np.array_equal(back.pair_weights_, model.pair_weights_)
    users = w.interactions.user_ids.ids[:15]
    a, sa = model.recommend(users, n=5)
    b, sb = back.recommend(users, n=5)
    assert np.array_equal(a, b) and np.array_equal(sa, sb)


def test_load_refuses_bad_pairs(tmp_path):
    w = make_synthetic(n_users=60, n_items=30, density=0.1, random_state=3)
    model = HigherOrderEASE(20.0, 50.0, n_pairs=10).fit(w.interactions)
    model.pairs_ = model.pairs_[:, ::-1].copy()  # (k, i): not i < k
    path = model.save(tmp_path / "bad")
    with pytest.raises(FormatError, match="pairs"):
        HigherOrderEASE.load(path)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("regularization", 0.0),
        ("regularization", -1.0),
        ("pair_regularization", 0.0),
        ("pair_regularization", "x"),
        ("n_pairs", -1),
        ("n_pairs", 2.5),
        ("min_count", 0),
        ("dropout", 1.0),
        ("dropout", -0.1),
        ("memory_limit", 0.0),
        ("show_progress", "yes"),
    ],
)
def test_refuses_bad_arguments(param, value):
    inter, _ = _problem()
    with pytest.raises((InputError, TypeError), match=param):
        HigherOrderEASE(**{param: value}).fit(inter)


def test_refuses_too_large_a_problem():
    inter, _ = _problem()
    with pytest.raises(InputError, match="memory_limit"):
        HigherOrderEASE(n_pairs=50, memory_limit=1e-7).fit(inter)


@pytest.mark.parametrize("scale", [1e18, 1e20, 1e30])
def test_huge_values_are_an_input_error(scale):
    """At 1e20 and above a per-item solve met a singular system first: a bare numpy
    LinAlgError. Every scale now raises the model's own overflow InputError."""
    import scipy.sparse as sp

    A = np.zeros((6, 5))
    A[:, :2] = 1
    A[0, 2] = 1
    with pytest.raises(InputError, match="weights are not finite.*Scale the values down"):
        HigherOrderEASE().fit(sp.csr_array(A * scale))
