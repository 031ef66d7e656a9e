"""EDLAE and RP3beta against plain dense numpy versions of their papers' formulas."""

from __future__ import annotations

import numpy as np
import pytest

from filmreco.data import Interactions
from filmreco.exceptions import InputError
from filmreco.recommend import EASE, EDLAE, RP3beta


def _problem(weighted: bool = False) -> tuple[Interactions, np.ndarray]:
    """80 users x 30 items, about 25% filled (every item seen at least once)."""
    rng = np.random.default_rng(4)
    X = (rng.random((80, 30)) < 0.25).astype(np.float64)
    X[rng.integers(0, 80, 30), np.arange(30)] = 1.0
    if weighted:
        X *= rng.integers(1, 6, X.shape)
    u, i = np.nonzero(X)
    inter = Interactions.from_arrays(u, i, X[u, i])
    # the model's rows and columns follow the ids' order in `inter`
    rows = inter.user_ids.ids.astype(np.int64)
    cols = inter.item_ids.ids.astype(np.int64)
    return inter, X[np.ix_(rows, cols)]


def _dense_edlae(X: np.ndarray, lam: float, p: float) -> np.ndarray:
    G = X.T @ X
    Lam = lam * np.eye(G.shape[0]) + p / (1.0 - p) * np.diag(np.diag(G))
    P = np.linalg.inv(G + Lam)
    B = -P / np.diag(P)[None, :]
    np.fill_diagonal(B, 0.0)
    return B


def _dense_rp3beta(X: np.ndarray, alpha: float, beta: float, k: int) -> np.ndarray:
    P_ui = X / X.sum(axis=1, keepdims=True)
    P_iu = X.T / X.T.sum(axis=1, keepdims=True)
    W = (P_iu**alpha) @ (P_ui**alpha)
    W = W / X.sum(axis=0)[None, :] ** beta
    np.fill_diagonal(W, 0.0)
    out = np.zeros_like(W)
    for i in range(W.shape[0]):  # plainly: keep the k largest of every row
        keep = np.argsort(-W[i], kind="stable")[:k]
        out[i, keep] = W[i, keep]
    return out


@pytest.mark.parametrize(("lam", "p"), [(5.0, 0.2), (1.0, 0.5), (50.0, 0.05)])
def test_edlae_matches_the_dense_closed_form(lam, p):
    inter, X = _problem()
    model = EDLAE(regularization=lam, dropout=p).fit(inter)
    np.testing.assert_allclose(model.weights_, _dense_edlae(X, lam, p), rtol=2e-3, atol=2e-5)


def test_edlae_without_dropout_is_ease_bit_for_bit():
    inter, _ = _problem(weighted=True)
    ease = EASE(regularization=7.0).fit(inter)
    edlae = EDLAE(regularization=7.0, dropout=0.0).fit(inter)
    assert np.array_equal(ease.weights_, edlae.weights_)
    assert np.array_equal(
        ease.recommend(inter.user_ids.ids[:5], n=5)[0],
        edlae.recommend(inter.user_ids.ids[:5], n=5)[0],
    )


def test_edlae_dropout_is_not_ease():
    inter, _ = _problem()
    a = EDLAE(regularization=5.0, dropout=0.3).fit(inter).weights_
    b = EASE(regularization=5.0).fit(inter).weights_
    assert np.abs(a - b).max() > 1e-3


@pytest.mark.parametrize("dropout", [-0.1, 1.0, "x"])
def test_edlae_refuses_bad_dropout(dropout):
    inter, _ = _problem()
    with pytest.raises((InputError, TypeError), match="dropout"):
        EDLAE(dropout=dropout).fit(inter)


@pytest.mark.parametrize(
    ("alpha", "beta", "k", "weighted"),
    [(1.0, 0.0, 29, False), (0.7, 0.5, 10, False), (1.3, 0.3, 5, True)],
)
def test_rp3beta_matches_the_dense_walk(alpha, beta, k, weighted):
    inter, X = _problem(weighted)
    model = RP3beta(alpha=alpha, beta=beta, n_neighbors=k).fit(inter)
    S = model.similarity_.toarray()
    ref = _dense_rp3beta(X, alpha, beta, k)
    assert (np.count_nonzero(S, axis=1) <= k).all()
    np.testing.assert_allclose(S, ref, rtol=1e-5, atol=1e-9)


def test_rp3beta_scores_are_history_times_similarity():
    inter, X = _problem()
    model = RP3beta(alpha=0.8, beta=0.4, n_neighbors=8).fit(inter)
    got = model.score(inter.user_ids.ids[:6], inter.item_ids.ids)
    want = X[:6] @ model.similarity_.toarray()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_rp3beta_refuses_negative_values():
    inter = Interactions.from_arrays([0, 0, 1], ["a", "b", "a"], [1.0, -2.0, 1.0])
    with pytest.raises(InputError, match="non-negative"):
        RP3beta().fit(inter)


@pytest.mark.parametrize(
    ("param", "value"), [("alpha", -1.0), ("beta", -0.5), ("n_neighbors", 0), ("alpha", "x")]
)
def test_rp3beta_refuses_bad_params(param, value):
    inter, _ = _problem()
    with pytest.raises((InputError, TypeError), match=param):
        RP3beta(**{param: value}).fit(inter)


def test_rp3beta_same_similarity_for_every_n_jobs():
    inter, _ = _problem(weighted=True)
    one = RP3beta(n_neighbors=7, n_jobs=1).fit(inter).similarity_
    two = RP3beta(n_neighbors=7, n_jobs=2).fit(inter).similarity_
    assert (one != two).nnz == 0
    assert np.array_equal(one.indices, two.indices)
