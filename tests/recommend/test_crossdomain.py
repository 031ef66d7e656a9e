"""CrossDomain: collective ALS over film and partner items, against a hand-stacked ALS."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from filmreco.data import Interactions
from filmreco.datasets import make_synthetic
from filmreco.exceptions import InputError, UnknownIdError
from filmreco.metrics import ndcg_at_k
from filmreco.recommend import ALS, CrossDomain
from filmreco.recommend.evaluation import split_random

KW: dict[str, Any] = dict(regularization=1.0, alpha=5.0, max_iter=6, random_state=3)


@pytest.fixture(scope="module")
def world() -> Any:
    return make_synthetic(
        n_users=500, n_items=120, density=0.04, partner_items=120, partner_overlap=0.9,
        partner_density=0.1, partner_extra_users=20, random_state=0,
    )  # fmt: skip


def _stack_by_hand(film: Interactions, partner: Interactions, w: float) -> tuple[Any, list[Any]]:
    """Reference join: film users first, then partner-only users (first appearance), dense."""
    users = list(film.user_ids.ids.tolist())
    P = partner.matrix.toarray()
    for u, row in zip(partner.user_ids.ids.tolist(), P):
        if u not in users and row.any():
            users.append(u)
    F = film.matrix.toarray()
    S = np.zeros((len(users), F.shape[1] + P.shape[1]), dtype=np.float32)
    S[: F.shape[0], : F.shape[1]] = F
    where = {u: i for i, u in enumerate(users)}
    for u, row in zip(partner.user_ids.ids.tolist(), P):
        if u in where:
            S[where[u], F.shape[1] :] = w * row
    return sp.csr_array(S), users


@pytest.mark.parametrize("w", [1.0, 0.5, 3.0])
def test_matches_als_on_the_hand_stacked_matrix(world: Any, w: float) -> None:
    film, partner = world.interactions, world.partner
    S, users = _stack_by_hand(film, partner, w)
    ref = ALS(8, **KW).fit(S)
    model = CrossDomain(8, domain_weight=w, **KW).fit(film, partner=partner)
    assert model.user_ids_.ids.tolist() == users
    n_items = film.n_items
    np.testing.assert_allclose(model.user_factors_, ref.user_factors_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.item_factors_, ref.item_factors_[:n_items], atol=1e-5)
    np.testing.assert_allclose(model.partner_factors_, ref.item_factors_[n_items:], atol=1e-5)
    assert model.n_shared_users_ == int(np.isin(users[: film.n_users], partner.user_ids.ids).sum())


def test_without_partner_or_with_zero_weight_it_is_als(world: Any) -> None:
    film = world.interactions
    ref = ALS(8, **KW).fit(film)
    alone = CrossDomain(8, **KW).fit(film)
    np.testing.assert_array_equal(alone.user_factors_, ref.user_factors_)
    np.testing.assert_array_equal(alone.item_factors_, ref.item_factors_)
    shared = world.partner.subset_users(
        world.partner.user_ids.ids[film.user_ids.contains(world.partner.user_ids.ids)]
    )
    zero = CrossDomain(8, domain_weight=0.0, **KW).fit(film, partner=shared)
    np.testing.assert_allclose(zero.item_factors_, ref.item_factors_, atol=1e-6)
    assert np.all(zero.partner_factors_ == 0)


def _ndcg(model: Any, train: Interactions, test: Interactions, users: np.ndarray) -> float:
    ids, _ = model.recommend(train.user_ids.ids[users], 10)
    idx = model.item_ids_.index(ids.ravel(), on_unknown="mask").reshape(ids.shape)
    T = test.matrix
    relevant = [set(T.indices[T.indptr[u] : T.indptr[u + 1]].tolist()) for u in users]
    return float(np.nanmean(ndcg_at_k(idx, relevant, 10)))


def test_cold_film_users_gain_from_the_partner_domain(world: Any) -> None:
    train, test = split_random(world.interactions, 0.3, random_state=0)
    n_train = np.diff(train.matrix.indptr)
    users = np.flatnonzero(np.diff(test.matrix.indptr) > 0)
    cold, rest = users[n_train[users] <= 3], users[n_train[users] > 3]
    assert cold.size > 100 and rest.size > 50
    kw = dict(KW, max_iter=8)
    als = ALS(16, **kw).fit(train)
    cd = CrossDomain(16, **kw).fit(train, partner=world.partner)
    # measured 0.106 -> 0.220 (cold) and 0.164 -> 0.278 (rest) with these seeds
    assert _ndcg(cd, train, test, cold) > 1.3 * _ndcg(als, train, test, cold)
    assert _ndcg(cd, train, test, rest) >= _ndcg(als, train, test, rest) - 0.01


def test_partner_only_users_keep_or_drop(world: Any) -> None:
    extra = world.partner.user_ids.ids[~world.interactions.user_ids.contains(
        world.partner.user_ids.ids)]  # fmt: skip
    assert extra.size == 20
    keep = CrossDomain(8, **KW).fit(world.interactions, partner=world.partner)
    ids, scores = keep.recommend(extra[:3], n=5)
    assert ids.shape == (3, 5) and np.isfinite(scores).all()
    assert keep.user_items_[keep.user_ids_.index(extra)].nnz == 0
    drop = CrossDomain(8, partner_only="drop", **KW).fit(world.interactions, partner=world.partner)
    assert len(drop.user_ids_) == world.interactions.n_users
    with pytest.raises(UnknownIdError):
        drop.recommend(extra[:1])


def test_save_load_round_trip(world: Any, tmp_path: Any) -> None:
    model = CrossDomain(8, domain_weight=2.0, **KW).fit(world.interactions, partner=world.partner)
    path = model.save(tmp_path / "cd")
    back = CrossDomain.load(path)
    users = model.user_ids_.ids[:20]
    for a, b in zip(model.recommend(users, 5), back.recommend(users, 5)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(back.partner_factors_, model.partner_factors_)
    assert back.partner_item_ids_ == model.partner_item_ids_
    assert back.domain_weight == 2.0 and back.n_shared_users_ == model.n_shared_users_
    np.testing.assert_allclose(back.partner_scores(users), model.partner_scores(users))


def test_bad_input(world: Any) -> None:
    film = world.interactions
    ints = Interactions.from_arrays([1, 2], ["p1", "p2"])
    with pytest.raises(InputError, match="user ids"):
        CrossDomain(4, **KW).fit(film, partner=ints)
    with pytest.raises(TypeError, match="partner"):
        CrossDomain(4, **KW).fit(film, partner=film.matrix)
    with pytest.raises(InputError, match="domain_weight"):
        CrossDomain(4, domain_weight=-1.0, **KW).fit(film, partner=world.partner)
    with pytest.raises(InputError, match="partner_only"):
        CrossDomain(4, partner_only="maybe", **KW).fit(film, partner=world.partner)


def test_forget_users_keeps_the_others(world: Any) -> None:
    model = CrossDomain(8, **KW).fit(world.interactions, partner=world.partner)
    others = model.user_ids_.ids[1:30]
    before = model.recommend(others, 5)
    gone = model.user_ids_.ids[0]
    assert model.forget_users([gone, "nobody"]) == 1
    with pytest.raises(UnknownIdError):
        model.recommend([gone])
    after = model.recommend(others, 5)
    np.testing.assert_array_equal(before[0], after[0])
    assert model.user_factors_.shape[0] == len(model.user_ids_) == model.user_items_.shape[0]


def test_synthetic_partner_option_leaves_the_film_world_unchanged() -> None:
    plain = make_synthetic(n_users=80, n_items=40, avg_degree=4, random_state=5)
    both = make_synthetic(
        n_users=80, n_items=40, avg_degree=4, random_state=5, partner_items=30,
        partner_overlap=0.5, partner_extra_users=7,
    )  # fmt: skip
    assert "partner" not in plain
    assert (plain.interactions.matrix != both.interactions.matrix).nnz == 0
    np.testing.assert_array_equal(plain.interactions.timestamps, both.interactions.timestamps)
    np.testing.assert_array_equal(plain.graph.sources, both.graph.sources)
    p = both.partner
    assert p.item_ids.ids[:2].tolist() == ["p0001", "p0002"]
    on_film = plain.interactions.user_ids.contains(p.user_ids.ids)
    assert (~on_film).sum() == 7 and 20 <= on_film.sum() <= 60
    assert both.partner_item_factors.shape == (30, 8)
    with pytest.raises(InputError, match="partner_overlap"):
        make_synthetic(n_users=20, n_items=10, avg_degree=2, partner_items=5, partner_overlap=2.0)
