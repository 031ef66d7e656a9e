"""An `n` past what can fill a list is kept (padding) unless the padded lists would be
huge; then an InputError names `n` and the largest useful value (session 14 red-team)."""

from __future__ import annotations

import pytest

from filmreco.datasets import make_synthetic
from filmreco.exceptions import InputError
from filmreco.recommend import EASE, Popularity
from filmreco.social import SocialGraph, SocialRecommender


@pytest.fixture(scope="module")
def world():
    return make_synthetic(n_users=40, n_items=25, random_state=3)


@pytest.mark.parametrize("kind", ["ease", "social"])
def test_huge_n_is_refused_before_allocating(world, kind):
    X = world.interactions
    if kind == "ease":
        model = EASE().fit(X)
    else:
        graph = SocialGraph.from_edgelist(world.graph)
        model = SocialRecommender(Popularity(), graph).fit(X)
    users, items = X.user_ids.ids, X.item_ids.ids
    ids, scores = model.recommend(users[:3], n=60)  # past the catalogue: padded, as documented
    assert ids.shape == scores.shape == (3, 60)
    with pytest.raises(InputError, match=r"n=1000000000 is more than the 25 items .* n <= 25"):
        model.recommend(users, n=10**9)
    with pytest.raises(InputError, match=r"more than the 40 users .* n <= 40"):
        model.recommend_users(items, n=10**9)
    with pytest.raises(InputError, match=r"more than the 24 other items .* n <= 24"):
        model.similar_items(items, n=10**9)
