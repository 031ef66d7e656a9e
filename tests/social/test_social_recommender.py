"""SocialRecommender: friends' films mixed into a base recommender; its tuning and evaluation."""

from __future__ import annotations

import math
import warnings
from typing import ClassVar

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import ParameterGrid

from filmreco.data import Interactions
from filmreco.datasets import make_synthetic
from filmreco.exceptions import DataWarning, InputError, UnknownIdError
from filmreco.metrics import ndcg_at_k
from filmreco.recommend import EASE, Popularity
from filmreco.recommend.evaluation import TuneResult, split_kfold, split_random, tune
from filmreco.social import (
    SocialGraph,
    SocialRecommender,
    SocialTuning,
    cross_evaluate_social,
    evaluate_social,
    homophily,
    shuffle_graph,
    tune_social,
)
from filmreco.social.recommend import friends_matrix

MODES = ["rank", "score", "history"]


@pytest.fixture(scope="module")
def world():
    w = make_synthetic(200, 40, density=0.06, avg_degree=4, random_state=0)
    return w.interactions, SocialGraph.from_edgelist(w.graph)


def reference_friends(graph: SocialGraph, X: Interactions, direction: str) -> np.ndarray:
    """Dense users x users friend weights, one loop per arc."""
    ids = X.user_ids.ids.tolist()
    F = np.zeros((len(ids), len(ids)))
    for s, t, w in zip(*graph.edges()):
        if s not in ids or t not in ids:
            continue
        pairs = {"in": [(t, s)], "out": [(s, t)], "both": [(t, s), (s, t)]}[direction]
        for u, v in pairs:
            F[ids.index(u), ids.index(v)] = max(F[ids.index(u), ids.index(v)], w)
    total = F.sum(axis=1, keepdims=True)
    return np.divide(F, total, out=np.zeros_like(F), where=total > 0)


def reference_scores(rec: SocialRecommender, user, filter_seen: bool = True) -> np.ndarray:
    """A user's mixed scores over all films, written from the class docstring."""
    X, items = rec.user_items_, rec.item_ids_.ids
    u = rec.user_ids_.index([user])[0]
    seen = set(X[[u]].indices.tolist())
    F = reference_friends(rec.graph, _as_interactions(rec), rec.direction)
    B = (X.toarray() > 0).astype(float)
    s = _scaled(F[u] @ B, rec.friend_scale)
    w = rec.weight
    if rec.half_weight_at is not None:
        w *= rec.half_weight_at / (rec.half_weight_at + len(seen))
    if not seen and rec.new_user_weight is not None:
        w = rec.new_user_weight
    if not s.any():
        w = 0.0
    b = rec.base_.score([user], items)[0].astype(float)
    unseen = [j for j in range(len(items)) if j not in seen or not filter_seen]
    out = np.full(len(items), -np.inf)
    if rec.mode == "score":
        lo, hi = b[unseen].min(), b[unseen].max()
        for j in unseen:
            unit = (b[j] - lo) / (hi - lo) if hi > lo else 0.0
            out[j] = (1 - w) * unit + w * s[j] + (1e-6 * unit if w == 1 else 0.0)
    else:
        c = rec.rank_constant
        by_base = sorted(unseen, key=lambda j: (-b[j], j))
        fr = [j for j in unseen if s[j] > 0]
        lo, hi = b[unseen].min(), b[unseen].max()
        unit = {j: (b[j] - lo) / (hi - lo) if hi > lo else 0.0 for j in unseen}
        by_friends = sorted(fr, key=lambda j: (-(s[j] + 1e-6 * unit[j]), j))
        for j in unseen:
            base_part = 1 / (c + 1 + by_base.index(j))
            friend = 1 / (c + 1 + by_friends.index(j)) if j in fr else 0.0
            out[j] = (1 - w) * base_part + w * friend + (1e-6 * base_part if w == 1 else 0.0)
    return out


def _scaled(s, how):
    if how == "any":
        return (s > 0).astype(float)
    if how == "max" and s.max() > 0:
        return s / s.max()
    return s


def _as_interactions(rec: SocialRecommender) -> Interactions:
    X = rec.user_items_
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    return Interactions.from_arrays(
        rec.user_ids_.ids[rows], rec.item_ids_.ids[X.indices], X.data,
        user_map=rec.user_ids_, item_map=rec.item_ids_,
    )  # fmt: skip


@pytest.mark.parametrize("direction", ["in", "out", "both"])
def test_friends_matrix_matches_reference(direction):
    g = SocialGraph.from_networkx(nx.gnp_random_graph(12, 0.3, seed=1, directed=True))
    X = Interactions.from_arrays([*range(10), 99], [0] * 11)  # 10, 11 absent; 99 unknown
    F = friends_matrix(g, X.user_ids, direction).toarray()
    np.testing.assert_allclose(F, reference_friends(g, X, direction))


@pytest.mark.parametrize("scale", ["max", "share", "any"])
@pytest.mark.parametrize("mode", ["rank", "score"])
@pytest.mark.parametrize("weight", [0.0, 0.4, 1.0])
def test_scores_match_reference(world, mode, weight, scale):
    X, g = world
    rec = SocialRecommender(EASE(regularization=5.0), g, weight=weight, mode=mode,
                            half_weight_at=3.0 if weight == 0.4 else None,
                            friend_scale=scale).fit(X)  # fmt: skip
    users = X.user_ids.ids[:12]
    got = rec.score(users, X.item_ids.ids, filter_seen=True)
    every = rec.score(users, X.item_ids.ids)  # seen films scored like the others
    for i, u in enumerate(users):
        np.testing.assert_allclose(got[i], reference_scores(rec, u), rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(every[i], reference_scores(rec, u, False), rtol=1e-5, atol=1e-9)


def test_history_mode_feeds_the_blended_history_to_the_base(world):
    X, g = world
    rec = SocialRecommender(EASE(regularization=5.0), g, weight=0.3, mode="history").fit(X)
    B = rec.base_.weights_.astype(float)
    F = reference_friends(g, X, "in")
    H = X.matrix.toarray().astype(float)
    S = np.array([_scaled(row, "max") for row in F @ (H > 0)])
    w = np.where(S.any(axis=1), 0.3, 0.0)[:, None]
    want = ((1 - w) * H + w * S) @ B
    users = X.user_ids.ids[:30]
    np.testing.assert_allclose(rec.score(users, X.item_ids.ids), want[:30], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", MODES)
def test_weight_zero_and_friendless_users_keep_the_base_ranking(world, mode):
    X, g = world
    base = EASE(regularization=5.0).fit(X)
    users = X.user_ids.ids
    want, _ = base.recommend(users, 10)
    got, _ = (
        SocialRecommender(base, g, weight=0.0, mode=mode, refit=False).fit(X).recommend(users, 10)
    )
    assert (got == want).all()
    rec = SocialRecommender(base, g, weight=0.7, mode=mode, refit=False).fit(X)
    alone = rec.user_weights(users) == 0
    assert alone.any() and not alone.all()
    got, _ = rec.recommend(users[alone], 10)
    assert (got == want[alone]).all()


@given(st.integers(0, 2**16), st.integers(0, 60), st.sampled_from(MODES), st.booleans())
def test_contract_shapes_padding_and_seen_films(seed, n, mode, filter_seen):
    rng = np.random.default_rng(seed)
    pairs = np.unique(rng.integers(0, 8 * 12, 30))
    users, items = pairs // 12, pairs % 12
    X = Interactions.from_arrays([f"u{u}" for u in users], [f"m{i}" for i in items])
    g = SocialGraph.from_networkx(nx.gnp_random_graph(8, 0.4, seed=seed, directed=True))
    g = SocialGraph.from_arrays(*[[f"u{i}" for i in a] for a in (g.sources, g.targets)],
                                node_ids=[f"u{i}" for i in range(8)])  # fmt: skip
    rec = SocialRecommender(EASE(regularization=1.0), g, weight=0.5, mode=mode).fit(X)
    q = X.user_ids.ids
    ids, scores = rec.recommend(q, n, filter_seen=filter_seen)
    assert ids.shape == scores.shape == (q.size, n) and scores.dtype == np.float32
    for u, row, sc in zip(q, ids, scores):
        seen = set(X.item_ids.ids[X.matrix[X.user_ids.index([u])].indices].tolist())
        real = [x for x in row if x != ""]
        assert len(set(real)) == len(real)
        if filter_seen:
            assert not seen & set(real)
        n_ok = X.n_items - (len(seen) if filter_seen else 0)
        assert len(real) == min(n, n_ok)
        assert (row[len(real) :] == "").all() and np.isneginf(sc[len(real) :]).all()
        assert np.all(np.diff(sc[: len(real)]) <= 0)


def test_contract_clone_fit_errors_and_filters(world):
    X, g = world
    rec = SocialRecommender(Popularity(), g, weight=0.2, direction="both")
    with pytest.raises(NotFittedError):
        rec.recommend(X.user_ids.ids[:2])
    assert rec.fit(X) is rec
    twin = clone(rec)
    assert twin.get_params()["weight"] == 0.2 and not hasattr(twin, "social_")
    assert twin.get_params()["direction"] == "both"
    with pytest.raises(UnknownIdError):
        rec.recommend(["nobody"])
    only = X.item_ids.ids[:5]
    ids, _ = rec.recommend(X.user_ids.ids[:20], 10, items=only, exclude=only[:1])
    assert set(ids.ravel()) <= set(only[1:]) | {""}
    for bad, err in [({"weight": 1.5}, InputError), ({"mode": "blend"}, InputError),
                     ({"direction": "up"}, InputError), ({"half_weight_at": 0}, InputError),
                     ({"friend_scale": "mean"}, InputError),
                     ({"graph": "g"}, TypeError), ({"base": object()}, TypeError)]:  # fmt: skip
        with pytest.raises(err):
            clone(rec, safe=False).set_params(**bad).fit(X)
    with pytest.raises(TypeError, match="Interactions"):
        SocialRecommender(Popularity(), g).fit(X.matrix)
    with pytest.raises(NotFittedError):
        SocialRecommender(Popularity(), g, refit=False).fit(X)
    stranger = SocialGraph.from_arrays(["x"], ["y"])
    with pytest.warns(DataWarning, match="none of the interactions' users"):
        lone = SocialRecommender(Popularity(), stranger).fit(X)
    assert lone.social_.nnz == 0


def test_friends_only_ranks_by_share_of_friends():
    X = Interactions.from_arrays(
        ["a", "b", "b", "c", "c", "d"], ["f0", "f1", "f2", "f2", "f3", "f3"]
    )
    g = SocialGraph.from_arrays(["b", "c"], ["a", "a"])  # b and c influence a
    rec = SocialRecommender(Popularity(), g, weight=1.0).fit(X)
    ids, _ = rec.recommend(["a"], 3)
    # f2: both friends; f3 (popularity 2) before f1 (popularity 1) among single-friend films
    assert ids.tolist() == [["f2", "f3", "f1"]]


def test_shuffle_graph_keeps_degrees_and_changes_friends():
    G = nx.gnm_random_graph(60, 200, seed=3, directed=True)
    g = SocialGraph.from_networkx(G)
    s = shuffle_graph(g, random_state=0)
    assert (s.in_degree() == g.in_degree()).all() and (s.out_degree() == g.out_degree()).all()
    pairs = set(zip(s.sources.tolist(), s.targets.tolist()))
    assert len(pairs) == s.n_arcs and all(a != b for a, b in pairs)
    assert len(pairs & set(zip(g.sources.tolist(), g.targets.tolist()))) < 0.2 * g.n_arcs
    again = shuffle_graph(g, random_state=0)
    assert again.sources.tolist() == s.sources.tolist()
    u = SocialGraph.from_networkx(nx.gnm_random_graph(60, 150, seed=4))
    su = shuffle_graph(u, random_state=1)
    assert not su.directed and (su.in_degree() == u.in_degree()).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        full = shuffle_graph(SocialGraph.from_networkx(nx.complete_graph(4, nx.DiGraph)), 0)
    assert full.n_arcs <= 12
    with pytest.raises(TypeError):
        shuffle_graph(G)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("directed", [False, True])
def test_shuffle_graph_keeps_every_degree_when_rewiring_clashes(seed, directed):
    # dense enough that the first permutation repeats arcs, so the clashes are re-drawn;
    # a re-draw touching a position twice must not lose one arc's source for another's
    G = nx.gnm_random_graph(40, 300, seed=seed, directed=directed)
    g = SocialGraph.from_networkx(G)
    s = shuffle_graph(g, random_state=seed)
    assert s.n_arcs == g.n_arcs
    assert (s.in_degree() == g.in_degree()).all() and (s.out_degree() == g.out_degree()).all()


def test_tune_scores_every_social_candidate_on_validation(world):
    X, g = world
    model = SocialRecommender(EASE(regularization=5.0), g)
    grid = [{"weight": [0.0]}, {"weight": [0.3, 0.6], "mode": ["rank", "score"]}]
    split = lambda data: split_random(data, 0.2, random_state=0)  # noqa: E731
    res = tune(model, grid, X, split=split)
    assert isinstance(res, TuneResult) and len(res.results) == 5
    # the best of the base alone and the candidates significantly better than it
    eligible = [r for r in res.results if r["params"]["weight"] == 0 or r["gain_lower_bound"] > 0]
    assert res.best_score == max(r["score"] for r in eligible)
    assert res.best_model.get_params()["weight"] == res.best_params["weight"]
    # the base alone (weight 0): mean NDCG@10 of EASE on the same validation split
    fit_part, valid = split_random(X, 0.2, random_state=0)
    base = EASE(regularization=5.0).fit(fit_part)
    users = np.flatnonzero(np.diff(valid.matrix.indptr) > 0)
    ids, _ = base.recommend(X.user_ids.ids[users], 10)
    ranked = np.where(ids == "", -1, 0)
    ranked[ids != ""] = X.item_ids.index(ids[ids != ""])
    want = np.nanmean(ndcg_at_k(ranked, sp.csr_array(valid.matrix)[users], 10))
    assert res.results[0]["score"] == pytest.approx(want)
    # every candidate: the NDCG of the social model fitted on the fitting part
    for r in res.results:
        m = clone(model).set_params(**r["params"]).fit(fit_part)
        ids, _ = m.recommend(X.user_ids.ids[users], 10)
        ranked = np.where(ids == "", -1, 0)
        ranked[ids != ""] = X.item_ids.index(ids[ids != ""])
        want = np.nanmean(ndcg_at_k(ranked, sp.csr_array(valid.matrix)[users], 10))
        assert r["score"] == pytest.approx(want)
    # several splits: the mean of the single-split scores
    seeds = iter([0, 1])
    two = tune(
        model, grid, X, split=lambda d: split_random(d, 0.2, random_state=next(seeds)),
        n_splits=2, refit=False,
    )  # fmt: skip
    one = tune(model, grid, X, split=lambda d: split_random(d, 0.2, random_state=1), refit=False)
    for a, b, c in zip(two.results, res.results, one.results):
        assert a["score"] == pytest.approx((b["score"] + c["score"]) / 2)
    assert two.best_model is None
    default = tune(model, {"weight": [0.0, 0.5]}, X, n_splits=2, random_state=3)
    assert default.results == tune(model, {"weight": [0.0, 0.5]}, X, n_splits=2,
                                   random_state=3).results  # fmt: skip


class CountingEASE(EASE):
    """EASE counting its fits (in a list shared by its clones)."""

    fits: ClassVar[list[int]] = []

    def _fit(self, X, timestamps):
        CountingEASE.fits.append(X.shape[0])
        super()._fit(X, timestamps)


@pytest.mark.parametrize("mode", MODES)
def test_tune_fits_the_social_base_once_per_split(world, mode, monkeypatch):
    X, g = world
    model = SocialRecommender(CountingEASE(regularization=5.0), g, mode=mode, weight=0.2)
    grid = {"weight": [0.0, 0.4, 1.0], "new_user_weight": [None, 1.0]}
    CountingEASE.fits.clear()
    shared = tune(model, grid, X, n_splits=2, random_state=0, refit=False)
    assert len(CountingEASE.fits) == 2  # once per split, not once per candidate
    # the same scores as fitting the base for every candidate
    monkeypatch.setattr(SocialRecommender, "_tuning_parts", lambda self, train, tuned: {})
    CountingEASE.fits.clear()
    each = tune(model, grid, X, n_splits=2, random_state=0, refit=False)
    # every candidate, then the five that depart from the base on their shuffled-graph control
    assert len(CountingEASE.fits) == 2 * 6 + 2 * 5
    assert [r["score"] for r in each.results] == [r["score"] for r in shared.results]
    monkeypatch.undo()
    # a grid over the base's own parameters fits a base per candidate
    CountingEASE.fits.clear()
    res = tune(model, {"base__regularization": [1.0, 50.0]}, X, random_state=0)
    assert len(CountingEASE.fits) == 2 + 1  # two candidates, then the refit
    assert res.best_model.base.regularization == res.best_params["base__regularization"]


def reference_tune_social(model, train, grid, split, n_splits, k):
    """tune_social as it was before issue 12: one base per split, NDCG@k with 0/1 relevance."""
    from filmreco.social.evaluation import _mixed_ndcg, _ndcg, _relevance, _test_users, _with_base

    candidates = list(ParameterGrid(grid))
    total = np.zeros(len(candidates))
    for _ in range(n_splits):
        fit_part, valid = split(train)
        users = _test_users(valid)
        base = clone(model.base).fit(fit_part)
        R, space = _relevance(fit_part, valid, users)
        ids = valid.user_ids.ids[users]
        base_ndcg = _ndcg(base, ids, R, space, k)
        for i, params in enumerate(candidates):
            m = _with_base(model, base, **params).fit(fit_part)
            total[i] += float(np.nanmean(_mixed_ndcg(m, base_ndcg, ids, R, space, k)))
    return total / n_splits


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tune_social_is_deprecated_with_the_same_results(world, seed):
    X, g = world
    # graded values: tune_social counted every held-out film 1, tune uses the grades
    M = X.matrix.copy()
    M.data = (1.0 + np.arange(M.nnz) % 3).astype(M.dtype)
    graded = Interactions(M, X.user_ids, X.item_ids)
    grid = [
        {"weight": [0.0]},
        {"weight": [0.3, 1.0], "mode": MODES, "new_user_weight": [None, 1.0]},
    ]
    model = SocialRecommender(EASE(regularization=5.0), g, half_weight_at=4.0)
    with pytest.warns(FutureWarning, match="filmreco.recommend.tune"):
        res = tune_social(model, graded, grid, n_splits=2, k=5, random_state=seed)
    rng = np.random.default_rng(seed)
    want = reference_tune_social(
        model, graded, grid, lambda d: split_random(d, 0.2, random_state=rng.integers(2**32)), 2, 5
    )
    assert [r["score"] for r in res.results] == want.tolist()
    # the best of the null candidates (the base alone) and those significantly better than
    # it and than themselves on the shuffled graph
    null = [r["params"]["weight"] == 0 and r["params"].get("new_user_weight") is None
            for r in res.results]  # fmt: skip
    ok = [n or (r["gain_lower_bound"] > 0 and r["control_lower_bound"] > 0)
          for n, r in zip(null, res.results)]  # fmt: skip
    best = max((i for i in range(len(ok)) if ok[i]), key=lambda i: (want[i], -i))
    assert res.best_params == res.results[best]["params"]
    assert isinstance(res, SocialTuning) and isinstance(res, TuneResult)
    assert res.best_model.get_params()["weight"] == res.best_params["weight"]
    with pytest.warns(FutureWarning), pytest.raises(InputError, match="may not set"):
        tune_social(model, X, {"refit": [False]})
    with pytest.warns(FutureWarning, match="SocialTuning is deprecated"):
        SocialTuning({}, 0.0)


def test_evaluate_social_groups_gains_and_control(world):
    X, g = world
    train, test = split_random(X, 0.3, random_state=1)
    model = SocialRecommender(EASE(regularization=5.0), g, weight=0.5)
    ev = evaluate_social(model, train, test, n_boot=300, random_state=0,
                         others={"popularity": Popularity().fit(train)})  # fmt: skip
    assert list(ev.table) == list(ev.groups)
    n_train = np.diff(train.matrix.indptr)[train.user_ids.index(ev.user_ids)]
    assert (ev.groups["cold"] == (n_train <= 5)).all()
    assert (ev.groups["others"] == ~ev.groups["cold_with_friends"]).all()
    for name, row in ev.table.items():
        m = ev.groups[name]
        assert row["n_users"] == int(m.sum())
        if not m.any():
            continue
        gain = ev.ndcg["social"][m] - ev.ndcg["base"][m]
        assert row["gain"] == pytest.approx(gain.mean())
        assert row["gain_low"] <= row["gain"] <= row["gain_high"]
        assert row["popularity"] == pytest.approx(ev.ndcg["popularity"][m].mean())
    # users without friends are left to the base, by the social model and the control
    alone = ev.groups["without_friends"]
    assert (ev.ndcg["social"][alone] == ev.ndcg["base"][alone]).all()
    # the per-user NDCG of the social model is its own recommend's
    rec = SocialRecommender(EASE(regularization=5.0), g, weight=0.5).fit(train)
    space = train.item_ids
    ids, _ = rec.recommend(ev.user_ids, 10)
    ranked = np.where(ids == "", -1, 0)
    ranked[ids != ""] = space.index(ids[ids != ""])
    rows = test.user_ids.index(ev.user_ids)
    want = ndcg_at_k(ranked, sp.csr_array(test.matrix)[rows], 10)
    np.testing.assert_allclose(ev.ndcg["social"], want)
    again = evaluate_social(model, train, test, n_boot=300, random_state=0)
    assert again.table["all"]["gain_low"] == ev.table["all"]["gain_low"]
    assert "cold_with_friends" in ev.summary()
    zero = evaluate_social(clone(model).set_params(weight=0.0), train, test, n_boot=50)
    assert zero.table["all"]["gain"] == 0.0 and zero.table["all"]["gain_high"] == 0.0
    with pytest.raises(TypeError):
        evaluate_social(EASE(), train, test)


def test_friends_help_in_a_homophilous_world_and_not_when_shuffled():
    # tastes follow communities and friends mostly share one: mixing friends' films must beat
    # the shuffled graph for users with friends (a test that fails if friends are mixed up)
    # (dense enough that one fold's validation part shows the gain significantly: tune keeps
    # the base unless the friends beat it beyond noise)
    w = make_synthetic(600, 150, density=0.04, homophily=0.95, avg_degree=6, random_state=3)
    X, g = w.interactions, SocialGraph.from_edgelist(w.graph)
    train, test = split_random(X, 0.5, random_state=0)
    model = SocialRecommender(Popularity(), g, weight=0.5)
    ev = evaluate_social(model, train, test, n_boot=500, random_state=0)
    row = ev.table["cold_with_friends"]
    assert row["n_users"] > 100
    assert row["gain_low"] > 0 and row["over_control_low"] > 0


def test_homophily_matches_reference():
    X = Interactions.from_arrays(
        ["a", "a", "b", "b", "b", "c", "d", "e"], [1, 2, 1, 2, 3, 3, 4, 1],
        timestamps=[0, 1, 2, 0, 5, 6, 1, 9],
    )  # fmt: skip
    g = SocialGraph.from_arrays(["a", "b", "c", "e"], ["b", "c", "d", "z"])
    h = homophily(g, X, random_state=0)
    # pairs a-b (share 1, 2: Jaccard 2/3), b-c (share 3: 1/3), c-d (none); e-z: z inactive
    assert h["n_pairs"] == 3
    assert h["co_adoption"] == pytest.approx(2 / 3)
    assert h["jaccard"] == pytest.approx((2 / 3 + 1 / 3 + 0) / 3)
    # co-adoptions at different times: a->b film 1 (a first), film 2 (b first); b->c film 3
    assert h["follows_arcs"] == pytest.approx(2 / 3)
    assert h["users_with_friends"] == 3  # b, c, d
    assert 0 <= h["co_adoption_random"] <= 1 and 0 <= h["co_adoption_uniform"] <= 1
    no_time = homophily(g, Interactions.from_arrays(*X.to_arrays()[:2]), random_state=0)
    assert math.isnan(no_time["follows_arcs"])


def test_cross_evaluate_social_pools_folds_per_user(world):
    X, g = world
    model = SocialRecommender(EASE(regularization=5.0), g, weight=0.5)
    ev = cross_evaluate_social(model, X, n_folds=3, n_boot=200, random_state=0,
                               others={"popularity": Popularity()})  # fmt: skip
    assert ev.n_folds == 3 and len(ev.params) == 3 and ev.params[0]["weight"] == 0.5
    # every user with an interaction is tested in some fold
    assert set(ev.user_ids) == set(X.user_ids.ids[np.diff(X.matrix.indptr) > 0])
    # reference: the same folds by hand, one evaluate_social-style pass per fold
    folds = split_kfold(X, 3, random_state=np.random.default_rng(0).integers(2**32))
    sums, counts = {}, {}
    for train, test in folds:
        base = EASE(regularization=5.0).fit(train)
        rec = SocialRecommender(base, g, weight=0.5, refit=False).fit(train)
        users = np.flatnonzero(np.diff(test.matrix.indptr) > 0)
        ids = X.user_ids.ids[users]
        R = sp.csr_array(test.matrix)[users]
        for name, m in (("base", base), ("social", rec)):
            got, _ = m.recommend(ids, 10)
            ranked = np.where(got == "", -1, 0)
            ranked[got != ""] = X.item_ids.index(got[got != ""])
            for u, v in zip(ids, ndcg_at_k(ranked, R, 10)):
                sums[name, u] = sums.get((name, u), 0.0) + v
                counts[name, u] = counts.get((name, u), 0) + 1
    for name in ("base", "social"):
        want = [sums[name, u] / counts[name, u] for u in ev.user_ids]
        np.testing.assert_allclose(ev.ndcg[name], want, atol=1e-12)
    n_train = {}
    for train, test in folds:
        for u in np.flatnonzero(np.diff(test.matrix.indptr) > 0):
            n_train.setdefault(u, []).append(np.diff(train.matrix.indptr)[u])
    mean_train = [np.mean(n_train[u]) for u in X.user_ids.index(ev.user_ids)]
    assert (ev.groups["cold"] == (np.array(mean_train) <= 5)).all()
    row = ev.table["all"]
    assert row["gain"] == pytest.approx((ev.ndcg["social"] - ev.ndcg["base"]).mean())
    assert row["gain_low"] <= row["gain"] <= row["gain_high"]
    with pytest.raises(InputError, match="refit"):
        cross_evaluate_social(SocialRecommender(EASE(), g, refit=False), X)
    with pytest.raises(InputError, match="friends_direction"):
        cross_evaluate_social(model, X, friends_direction="up")


def test_cross_evaluate_social_tunes_inside_each_fold():
    # where tastes follow the graph, every fold's tuning must prefer the friends to the base
    # (dense enough that one fold's validation part shows the gain significantly: tune keeps
    # the base unless the friends beat it beyond noise). New users keep the base
    # (new_user_weight=0), so the weight is judged on the users with a history alone.
    w = make_synthetic(600, 150, density=0.04, homophily=0.95, avg_degree=6, random_state=3)
    homophilous = SocialRecommender(Popularity(), SocialGraph.from_edgelist(w.graph))
    grid = {"weight": [0.0, 0.5], "new_user_weight": [0.0]}  # ties: 0.0, listed first
    ev = cross_evaluate_social(homophilous, w.interactions, n_folds=2, grid=grid, n_boot=50,
                               random_state=1)  # fmt: skip
    assert [p["weight"] for p in ev.params] == [0.5, 0.5]


def test_cross_evaluate_social_tunes_on_the_k_it_reports(world, monkeypatch):
    import filmreco.social._crossval as cv

    X, g = world
    seen = []
    real = cv._tune_social

    def spy(*args, **kwargs):
        seen.append((args[5], kwargs["control"]))  # the k of NDCG@k; the control is on
        return real(*args, **kwargs)

    monkeypatch.setattr(cv, "_tune_social", spy)
    model = SocialRecommender(Popularity(), g)
    ev = cross_evaluate_social(model, X, n_folds=2, k=5, grid={"weight": [0.0, 0.5]}, n_boot=20,
                               random_state=0)  # fmt: skip
    assert seen == [(5, True), (5, True)] and ev.k == 5


def test_cross_evaluate_social_simulates_cold_starts(world):
    X, g = world
    model = SocialRecommender(Popularity(), g)

    # a cold start simulated in training only: everyone keeps one training film
    def one_each(train):
        M = sp.csr_array(train.matrix)
        first = M.indptr[:-1][np.diff(M.indptr) > 0]
        keep = np.zeros(M.nnz, dtype=bool)
        keep[first] = True
        K = sp.csr_array((M.data * keep, M.indices.copy(), M.indptr.copy()), shape=M.shape)
        K.eliminate_zeros()
        return train.with_matrix(K)

    cold = cross_evaluate_social(model, X, n_folds=2, transform_train=one_each, n_boot=50,
                                 random_state=1)  # fmt: skip
    assert cold.groups["cold"].all()
    with pytest.raises(InputError, match="transform_train"):
        cross_evaluate_social(
            model, X, n_folds=2, transform_train=lambda t: Interactions.from_arrays(["x"], ["y"])
        )


def test_friends_help_cold_users_under_cross_validation():
    # the homophilous world again, cold users only: the pooled gain must beat the control
    w = make_synthetic(500, 120, density=0.02, homophily=0.95, avg_degree=6, random_state=4)
    X, g = w.interactions, SocialGraph.from_edgelist(w.graph)
    model = SocialRecommender(Popularity(), g, weight=0.5, direction="both")
    ev = cross_evaluate_social(model, X, n_folds=4, n_boot=500, random_state=0)
    row = ev.table["cold_with_friends"]
    assert row["n_users"] > 100
    assert row["gain_low"] > 0 and row["over_control_low"] > 0


@pytest.mark.parametrize("mode", MODES)
def test_save_load_round_trip(world, tmp_path, mode):
    from filmreco.exceptions import FormatError

    X, g = world
    rec = SocialRecommender(EASE(regularization=5.0), g, weight=0.4, mode=mode,
                            direction="both", half_weight_at=3.0, friend_scale="any").fit(X)  # fmt: skip
    path = rec.save(tmp_path / "social")
    same = SocialRecommender.load(path)
    users = X.user_ids.ids
    a, sa = rec.recommend(users, 10)
    b, sb = same.recommend(users, 10)
    assert (a == b).all()
    np.testing.assert_array_equal(sa, sb)
    assert same.get_params()["friend_scale"] == "any" and same.refit is False
    assert same.graph.n_arcs == g.n_arcs
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(FormatError):
        SocialRecommender.load(bad)
    with pytest.raises(FormatError):
        SocialRecommender.load(X.user_ids.save(tmp_path / "ids") or tmp_path / "ids.npz")


def _write_standalone_file(rec, path):
    """The layout SocialRecommender.save wrote before it became a Recommender (kind
    "SocialRecommender", version 1), written here field by field."""
    from filmreco._persist import save_npz

    def csr(prefix, M):
        return {f"{prefix}indptr": M.indptr.astype(np.int64),
                f"{prefix}indices": M.indices.astype(np.int64), f"{prefix}data": M.data}  # fmt: skip

    base_arrays, base_meta = rec.base_._export()
    arrays = {f"base_{k}": v for k, v in base_arrays.items()}
    ga, gm = rec.graph.node_ids.to_arrays("node_")
    arrays.update({f"graph_{k}": v for k, v in ga.items()})
    arrays.update(csr("graph_adj_", rec.graph.out_adj))
    ua, um = rec.user_ids_.to_arrays("user_")
    ia, im = rec.item_ids_.to_arrays("item_")
    arrays.update({**ua, **ia, **csr("ui_", rec.user_items_)})
    arrays.update({**csr("friends_", rec.friends_), **csr("social_", rec.social_)})
    params = ("weight", "mode", "direction", "half_weight_at", "new_user_weight",
              "rank_constant", "friend_scale")  # fmt: skip
    meta = {"params": {k: getattr(rec, k) for k in params}, "base": base_meta,
            "graph": {**gm, "directed": rec.graph.directed, "weighted": rec.graph.weighted},
            **um, **im}  # fmt: skip
    return save_npz(path, arrays, kind="SocialRecommender", version=1, meta=meta)


@pytest.mark.parametrize("mode", MODES)
def test_files_of_the_standalone_class_still_load(world, tmp_path, mode):
    import filmreco

    X, g = world
    rec = SocialRecommender(EASE(regularization=5.0), g, weight=0.4, mode=mode).fit(X)
    path = _write_standalone_file(rec, tmp_path / "old")
    users = X.user_ids.ids
    a, sa = rec.recommend(users, 10)
    for same in (SocialRecommender.load(path), filmreco.load(path)):
        assert isinstance(same, SocialRecommender) and same.refit is False
        b, sb = same.recommend(users, 10)
        assert (a == b).all()
        np.testing.assert_array_equal(sa, sb)
        np.testing.assert_array_equal(same.item_popularity_, rec.item_popularity_)
        # saved again, it is written in today's layout
        again = SocialRecommender.load(same.save(tmp_path / f"new_{mode}"))
        assert (again.recommend(users, 10)[0] == a).all()


def test_save_needs_a_filmreco_base(world, tmp_path):
    X, g = world

    class Outside:
        def fit(self, X):
            self.pop_ = np.asarray(X.matrix.sum(axis=0)).ravel()
            return self

        def score(self, user_ids, item_ids):
            return np.tile(self.pop_, (len(user_ids), 1))

        def get_params(self, deep=True):
            return {}

        def set_params(self, **kw):
            return self

    rec = SocialRecommender(Outside(), g).fit(X)
    with pytest.raises(TypeError, match="filmreco Recommender"):
        rec.save(tmp_path / "x")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("filter_seen", [True, False])
def test_recommend_users_matches_reference(world, mode, filter_seen, monkeypatch):
    from filmreco.recommend import _serve

    X, g = world
    monkeypatch.setattr(_serve, "block_rows", lambda n_cols: 37)  # several blocks, merged
    rec = SocialRecommender(EASE(regularization=5.0), g, weight=0.4, mode=mode).fit(X)
    films = X.item_ids.ids[[0, 3, 7]]
    ids, scores = rec.recommend_users(films, n=15, filter_seen=filter_seen)
    assert ids.shape == scores.shape == (3, 15)
    # reference: every user's mixed score of the film, the best first (ties: user order)
    for f, row, sc in zip(films, ids, scores):
        want = []
        for u in range(X.n_users):  # one user at a time
            v = rec.score(X.user_ids.ids[[u]], [f], filter_seen=filter_seen)[0, 0]
            if np.isfinite(v):
                want.append((-np.float32(v), u))
        want = sorted(want)[:15]
        assert row[: len(want)].tolist() == X.user_ids.ids[[u for _, u in want]].tolist()
        np.testing.assert_allclose(sc[: len(want)], [-v for v, _ in want], rtol=1e-6)
    only = X.user_ids.ids[:20]
    sub, _ = rec.recommend_users(films[:1], n=50, users=only)
    assert set(sub[0]) - {""} <= set(only)
    assert (sub[0][sub[0] != ""].size <= 20) and (sub[0][-30:] == "").all()


def test_new_users_follow_their_friends():
    from filmreco.sparse import IdMap

    # "new" has no interaction; "fan" (their friend) liked the rare f3; f1 is the popular one
    X = Interactions.from_arrays(
        ["fan", "fan", "x", "y", "z", "y"],
        ["f3", "f2", "f1", "f1", "f1", "f2"],
        user_map=IdMap(["new", "fan", "x", "y", "z"]),
    )
    g = SocialGraph.from_arrays(["fan"], ["new"])
    for mode in MODES[:2]:
        rec = SocialRecommender(Popularity(), g, weight=0.0, new_user_weight=1.0, mode=mode)
        ids, _ = rec.fit(X).recommend(["new", "x"], n=3)
        assert ids[0].tolist() == ["f2", "f3", "f1"]  # friends' films first (ties: popularity)
        assert rec.user_weights(["new", "x"]).tolist() == [1.0, 0.0]
        base = SocialRecommender(Popularity(), g, weight=0.0, mode=mode)  # default: None
        ids, _ = base.fit(X).recommend(["new"], n=3)
        assert ids[0].tolist()[0] == "f1"  # popularity alone
    with pytest.raises(InputError, match="new_user_weight"):
        SocialRecommender(Popularity(), g, new_user_weight=2.0).fit(X)


def test_tune_handles_social_models(world):
    from filmreco.recommend.evaluation import TuneResult, tune

    X, g = world
    res = tune(
        SocialRecommender(Popularity(), g),
        {"weight": [0.0, 0.5]},
        X,
        metric="ndcg@10",
        random_state=0,
    )
    assert isinstance(res, TuneResult) and len(res.results) == 2
    assert isinstance(res.best_model, SocialRecommender)
    assert res.best_model.weight == res.best_params["weight"]


@pytest.mark.parametrize("mode", ["rank", "score"])
@pytest.mark.parametrize("friend_scale", ["max", "share", "any"])
def test_explain_splits_the_friends_part_among_the_friends_who_saw_the_film(
    world, mode, friend_scale
):
    X, g = world
    kw = {"mode": mode, "friend_scale": friend_scale}
    rec = SocialRecommender(EASE(regularization=5.0), g, weight=0.4, half_weight_at=3.0,
                            new_user_weight=0.9, **kw).fit(X)  # fmt: skip
    alone = SocialRecommender(EASE(regularization=5.0), g, weight=0.0, **kw).fit(X)
    F = reference_friends(g, X, "in")
    stored = X.matrix.toarray() != 0
    ids = X.user_ids.ids
    users = np.flatnonzero(np.diff(rec.social_.indptr) > 0)[:12]
    assert users.size == 12
    checked = 0
    for u in users:
        w = rec.user_weights([ids[u]])[0]
        mixed = rec.score([ids[u]], X.item_ids.ids, filter_seen=True)[0].astype(np.float64)
        base = alone.score([ids[u]], X.item_ids.ids, filter_seen=True)[0].astype(np.float64)
        for j in np.flatnonzero(~stored[u])[:8]:
            who, contrib = rec.explain(ids[u], X.item_ids.ids[j], n=1000)
            saw = np.flatnonzero((F[u] > 0) & stored[:, j])
            assert sorted(who.tolist()) == sorted(ids[saw].tolist())
            # the contributions add up to the friends' part of the score recommend ranks by
            assert contrib.sum() == pytest.approx(mixed[j] - (1 - w) * base[j], abs=1e-6)
            if saw.size:
                rows = X.user_ids.index(who)
                want = (mixed[j] - (1 - w) * base[j]) * F[u, rows] / F[u, saw].sum()
                assert contrib == pytest.approx(want, abs=1e-6)
                assert (np.diff(contrib) <= 0).all()
                checked += 1
    assert checked > 10
    u = ids[users[0]]
    film = X.item_ids.ids[np.flatnonzero(~stored[users[0]] & (F[users[0]] > 0) @ stored > 0)[0]]
    assert rec.explain(u, film, n=1)[0].size == 1
    b_ids, b_contrib = rec.explain(u, film, part="base")
    e_ids, e_contrib = rec.base_.explain(u, film)
    assert b_ids.tolist() == e_ids.tolist() and b_contrib.tolist() == e_contrib.tolist()


def test_explain_where_it_is_not_meaningful(world):
    X, g = world
    u, film = X.user_ids.ids[0], X.item_ids.ids[0]
    with pytest.raises(NotImplementedError, match="history"):
        SocialRecommender(EASE(), g, mode="history").fit(X).explain(u, film)
    rec = SocialRecommender(Popularity(), g).fit(X)
    with pytest.raises(NotImplementedError, match="Popularity"):
        rec.explain(u, film, part="base")
    with pytest.raises(InputError, match="part"):
        rec.explain(u, film, part="films")
    with pytest.raises(UnknownIdError):
        rec.explain("nobody", film)
    with pytest.raises(NotFittedError):
        SocialRecommender(Popularity(), g).explain(u, film)


@pytest.mark.parametrize("scale", [1e308, 5e-324])
def test_friend_weights_do_not_depend_on_the_weight_scale(scale):
    # red-team s14 #5: two friends of weight 1e308 got weight 0 (their sum overflowed)
    X = Interactions.from_arrays(["a", "b", "c", "c", "d"], [1, 2, 2, 3, 4])
    one = SocialRecommender(Popularity(), SocialGraph.from_arrays(["b", "c"], ["a", "a"])).fit(X)
    big = SocialRecommender(
        Popularity(), SocialGraph.from_arrays(["b", "c"], ["a", "a"], [scale, scale])
    ).fit(X)
    np.testing.assert_array_equal(big.friends_.data, [0.5, 0.5])
    np.testing.assert_array_equal(big.friends_.data, one.friends_.data)
