"""tune judges a social model's parts separately: the weight of users with a history on
those users, the new-user policy (friends first) on the users without a history."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from filmreco.data import Interactions
from filmreco.recommend import Popularity
from filmreco.recommend.evaluation import tune
from filmreco.social import SocialGraph, SocialRecommender, shuffle_graph

# the benchmark's grid: the base alone; a weight (and decay) for users with a history,
# and for new users the base (0) or their friends' films first (1)
GRID = [
    {"weight": [0.0], "new_user_weight": [None]},
    {"weight": [0.0, 0.2, 0.5], "new_user_weight": [0.0, 1.0], "half_weight_at": [None, 5.0]},
]


def cold_signal_world(seed, n_warm=400, n_new=240, n_items=80, signal=True):
    """Warm users watch by popularity and follow random other warm users (their friends
    say nothing about them); each newcomer follows the three members of one "club" of
    warm users who all watched the club's five niche films, and watched one or two of
    those films: for them, and only for them, the friends are the signal. With
    ``signal=False`` newcomers follow three random warm users and watch by popularity, like
    everyone else: the graph says nothing about anyone."""
    rng = np.random.default_rng(seed)
    pop = 1.0 / np.arange(1, n_items + 1) ** 0.8
    pop /= pop.sum()
    niche = np.arange(n_items - 40, n_items)  # the 40 least popular films: 8 clubs x 5
    users, items = [], []
    for u in range(n_warm):
        for i in rng.choice(n_items, size=8, replace=False, p=pop):
            users.append(u)
            items.append(i)
    clubs = [np.arange(3 * c, 3 * c + 3) for c in range(8)]  # warm users 0..23
    for c, members in enumerate(clubs):
        for u in members:
            for i in niche[5 * c : 5 * c + 5]:
                users.append(u)
                items.append(i)
    src, dst = [], []
    for u in range(n_warm):  # random follows among warm users
        for v in rng.choice(np.delete(np.arange(n_warm), u), size=2, replace=False):
            src.append(v)
            dst.append(u)
    for k in range(n_new):
        u = n_warm + k
        c = k % len(clubs)
        friends = clubs[c] if signal else rng.choice(n_warm, size=3, replace=False)
        films = niche[5 * c : 5 * c + 5] if signal else np.arange(n_items)
        for v in friends:
            src.append(v)
            dst.append(u)
        p = None if signal else pop
        for i in rng.choice(films, size=1 + k % 2, replace=False, p=p):
            users.append(u)
            items.append(i)
    names = np.array([f"u{u}" for u in range(n_warm + n_new)])
    pairs = np.unique(np.stack([users, items], axis=1), axis=0)  # a club film may be drawn too
    X = Interactions.from_arrays(names[pairs[:, 0]], pairs[:, 1])
    g = SocialGraph.from_arrays(names[np.array(src)], names[np.array(dst)])
    newcomers = X.user_ids.index(names[n_warm:])
    return X, g, newcomers


def newcomer_split(newcomers, seed):
    """Validation: every interaction of the newcomers (new users of the fitted part) and
    20% of everyone else's."""
    rng = np.random.default_rng(seed)
    is_new = np.zeros(0, dtype=bool)

    def split(data):
        nonlocal is_new
        M = sp.csr_array(data.matrix)
        rows = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))
        if is_new.size != M.shape[0]:
            is_new = np.zeros(M.shape[0], dtype=bool)
            is_new[newcomers] = True
        held = is_new[rows] | (rng.random(M.nnz) < 0.2)

        def part(keep):
            P = sp.csr_array((M.data[keep], (rows[keep], M.indices[keep])), shape=M.shape)
            return Interactions(P, data.user_ids, data.item_ids)

        return part(~held), part(held)

    return split


def test_parts_of_a_social_model():
    X, g, newcomers = cold_signal_world(0)
    m = SocialRecommender(Popularity(), g)
    assert m._null_parts({"weight": 0.0}) == {"history": True, "new": True}
    assert m._null_parts({"weight": 0.0, "new_user_weight": 1.0}) == {"history": True, "new": False}
    assert m._null_parts({"weight": 0.3, "new_user_weight": 0.0}) == {"history": False, "new": True}
    # new_user_weight=None: new users get the weight too
    assert m._null_parts({"weight": 0.3}) == {"history": False, "new": False}
    assert m._null_parts({"weight": 0.0, "base": Popularity()}) == {"history": False, "new": False}
    fit, _ = newcomer_split(newcomers, 0)(X)
    parts = m.fit(fit)._tuning_user_parts(X.user_ids.ids)
    assert parts["new"].sum() == newcomers.size and parts["new"][newcomers].all()
    assert (parts["history"] == ~parts["new"]).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_gain_confined_to_new_users_is_kept(seed):
    X, g, newcomers = cold_signal_world(seed)
    res = tune(SocialRecommender(Popularity(), g, mode="score"), GRID, X,
               split=newcomer_split(newcomers, seed), n_splits=2, refit=False,
               random_state=seed)  # fmt: skip
    # friends first for new users; the random follows of the others are not used
    assert res.best_params["new_user_weight"] == 1.0
    assert res.best_params["weight"] == 0.0
    best = next(r for r in res.results if r["params"] == res.best_params)
    assert best["part_gain_lower_bounds"]["new"] > 0
    # every candidate with a weight for the others was refused on those users
    for r in res.results:
        if r["params"]["weight"] > 0:
            assert not r["part_gain_lower_bounds"]["history"] > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shuffled", [False, True])
def test_a_graph_without_signal_gets_neither_a_weight_nor_friends_first(seed, shuffled):
    X, g, newcomers = cold_signal_world(seed, signal=False)
    useless = shuffle_graph(g, random_state=seed) if shuffled else g
    res = tune(SocialRecommender(Popularity(), useless, mode="score"), GRID, X,
               split=newcomer_split(newcomers, seed), n_splits=2, refit=False,
               random_state=seed)  # fmt: skip
    assert res.best_params["weight"] == 0.0
    assert res.best_params["new_user_weight"] in (None, 0.0)


def test_a_weight_that_also_changes_new_users_is_judged_on_them_too():
    # with new_user_weight=None the weight serves new users too: on the cold-signal world
    # the weight 0.5 must pass on the users with a history (it does not), so it is refused
    # even though friends help the new users
    X, g, newcomers = cold_signal_world(0)
    grid = {"weight": [0.0, 0.5], "new_user_weight": [None]}
    res = tune(SocialRecommender(Popularity(), g, mode="score"), grid, X,
               split=newcomer_split(newcomers, 0), n_splits=2, refit=False, random_state=0)  # fmt: skip
    tested = res.results[1]
    assert set(tested["part_gain_lower_bounds"]) == {"history", "new"}
    assert tested["gain_lower_bound"] == min(tested["part_gain_lower_bounds"].values())
    assert res.best_params["weight"] == 0.0


def test_users_are_averaged_over_splits_before_the_test():
    # the same users validated in two splits count once each: the test's unit is the user
    from filmreco.recommend.evaluation import _GuardRecord

    rec = _GuardRecord(2)
    rec.user_ids = [np.array(["a", "b"]), np.array(["b", "c"])]
    rec.masks = [{"new": np.array([True, False])}, {"new": np.array([True, True])}]
    rec.values = [[np.array([1.0, 2.0]), np.array([3.0, 5.0])],
                  [np.array([0.0, 0.0]), np.array([1.0, 1.0])]]  # fmt: skip
    ids, V = rec.part_values("new")
    assert ids.tolist() == ["a", "b", "c"]
    assert V.tolist() == [[1.0, 0.0], [3.0, 1.0], [5.0, 1.0]]


def test_scoring_each_behaviour_once_gives_every_candidates_scores(monkeypatch):
    # the part-wise shortcut (each part's users scored once per distinct behaviour there)
    # must give exactly the scores and choice of scoring every candidate on every user
    X, g, newcomers = cold_signal_world(4)
    model = SocialRecommender(Popularity(), g, mode="rank")
    run = lambda: tune(model, GRID, X, split=newcomer_split(newcomers, 4), n_splits=2,  # noqa: E731
                       refit=False, random_state=4)  # fmt: skip
    fast = run()
    monkeypatch.setattr(SocialRecommender, "_tuning_part_keys", lambda self, params: None)
    slow = run()
    assert [r["score"] for r in fast.results] == [r["score"] for r in slow.results]
    assert fast.best_params == slow.best_params
    for key in ("part_gain_lower_bounds", "part_control_lower_bounds"):
        assert [r.get(key) for r in fast.results] == [r.get(key) for r in slow.results]
    assert any("part_control_lower_bounds" in r for r in fast.results)
