"""Tests of the synthetic film world (make_synthetic, load_sample)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from filmreco.datasets._synthetic import (
    _incidence,
    _ranked_choice,
    load_sample,
    make_synthetic,
)
from filmreco.datasets._vocab import GENRES, REGIONS, TAGS
from filmreco.exceptions import InputError

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def world():
    return make_synthetic(n_users=800, n_items=250, random_state=7)


def _edges(w):
    return np.asarray(w.graph.sources), np.asarray(w.graph.targets)


def _row_cosine(X, a, b):
    """Reference: cosine of rows a[i], b[i] of a sparse matrix, one pair at a time."""
    D = X.toarray()
    out = []
    for i, j in zip(a, b):
        na, nb = np.linalg.norm(D[i]), np.linalg.norm(D[j])
        out.append(D[i] @ D[j] / (na * nb) if na and nb else 0.0)
    return np.array(out)


def _same_world(w1, w2):
    X1, X2 = w1.interactions, w2.interactions
    assert X1.user_ids == X2.user_ids and X1.item_ids == X2.item_ids
    for a in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(getattr(X1.matrix, a), getattr(X2.matrix, a))
    if X1.timestamps is None:
        assert X2.timestamps is None
    else:
        np.testing.assert_array_equal(X1.timestamps, X2.timestamps)
    assert list(w1.catalog.records()) == list(w2.catalog.records())
    np.testing.assert_array_equal(w1.graph.sources, w2.graph.sources)
    np.testing.assert_array_equal(w1.graph.targets, w2.graph.targets)
    np.testing.assert_array_equal(w1.user_factors, w2.user_factors)
    np.testing.assert_array_equal(w1.item_factors, w2.item_factors)
    assert w1.description == w2.description


# structure ------------------------------------------------------------------------------
def test_shapes_keys_and_dtypes(world):
    assert set(world) == {
        "interactions", "catalog", "graph", "user_factors", "item_factors",
        "user_communities", "description",
    }  # fmt: skip
    X = world.interactions
    assert X.shape == (800, 250)
    assert X.matrix.dtype == np.float32
    assert world.user_factors.shape == (800, 8) and world.user_factors.dtype == np.float32
    assert world.item_factors.shape == (250, 8) and world.item_factors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(world.user_factors, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(world.item_factors, axis=1), 1, atol=1e-5)
    assert world.user_communities.shape == (800,)
    assert len(world.catalog) == 250
    assert world.description.splitlines()[0].startswith("Synthetic film world: 800 users")


def test_ids_are_aligned_everywhere(world):
    X, G, C = world.interactions, world.graph, world.catalog
    assert X.user_ids.ids.tolist() == [f"u{i:04d}" for i in range(1, 801)]
    assert X.item_ids.ids.tolist() == [f"m{i:04d}" for i in range(1, 251)]
    assert G.node_ids == X.user_ids
    np.testing.assert_array_equal(G.node_ids.ids, X.user_ids.ids)
    assert G.n_nodes == X.n_users
    np.testing.assert_array_equal(C.item_ids.ids, X.item_ids.ids)
    assert [r["id"] for r in C.records()] == X.item_ids.ids.tolist()


def test_id_width_grows_with_size():
    w = make_synthetic(n_users=10_000, n_items=20, density=0.1, avg_degree=1, random_state=0)
    assert w.interactions.user_ids.ids[[0, -1]].tolist() == ["u00001", "u10000"]
    assert w.interactions.item_ids.ids[-1] == "m0020"


def test_every_user_active_and_density_near_target(world):
    X = world.interactions
    per_user = np.diff(X.matrix.indptr)
    assert per_user.min() >= 2
    assert X.matrix.data.tolist() == [1.0] * X.nnz
    assert 0.025 < X.density < 0.035
    dense = make_synthetic(n_users=200, n_items=50, density=0.3, random_state=1).interactions
    assert 0.25 < dense.density < 0.35


def test_popularity_is_heavy_tailed(world):
    counts = np.sort(np.bincount(world.interactions.matrix.indices, minlength=250))[::-1]
    assert counts[:25].sum() / counts.sum() > 0.30

    def top_share(exponent):
        w = make_synthetic(n_users=500, n_items=200, popularity_exponent=exponent, random_state=3)
        c = np.sort(np.bincount(w.interactions.matrix.indices, minlength=200))[::-1]
        return c[:20].sum() / c.sum()

    assert top_share(0.0) < top_share(1.0) < top_share(1.5)


# social graph ---------------------------------------------------------------------------
@pytest.mark.parametrize("directed", [False, True])
def test_graph_is_simple_with_requested_size(directed):
    w = make_synthetic(n_users=500, n_items=50, avg_degree=6, directed=directed, random_state=2)
    s, t = _edges(w)
    assert w.graph.directed is directed
    assert w.graph.n_edges == (3000 if directed else 1500)
    assert not (s == t).any()
    pairs = set(zip(s.tolist(), t.tolist()))
    assert len(pairs) == s.size
    if not directed:
        assert (s < t).all()  # stored once, smaller node index first


def test_degrees_are_heavy_tailed(world):
    s, t = _edges(world)
    deg = np.bincount(np.concatenate([s, t]), minlength=world.graph.n_nodes)
    assert deg.mean() == pytest.approx(10, rel=0.02)
    assert deg.max() > 4 * deg.mean()


def test_friends_share_tastes(world):
    s, t = _edges(world)
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 800, size=(2, 3000))
    U = world.user_factors.astype(np.float64)
    friend = np.mean([U[i] @ U[j] for i, j in zip(s, t)])
    rand = np.mean([U[i] @ U[j] for i, j in zip(a, b)])
    assert friend > rand + 0.25
    X = world.interactions.matrix
    assert _row_cosine(X, s, t).mean() > 1.3 * _row_cosine(X, a, b).mean()
    comm = world.user_communities
    assert (comm[s] == comm[t]).mean() > 0.7


def test_homophily_zero_mixes_communities():
    w = make_synthetic(n_users=600, n_items=60, homophily=0.0, random_state=4)
    s, t = _edges(w)
    comm = w.user_communities
    share = np.bincount(comm) / comm.size
    # only chance meetings: about sum(share^2) of edges fall inside a community
    assert (comm[s] == comm[t]).mean() < 3 * (share**2).sum() + 0.02


# content and text -----------------------------------------------------------------------
def test_catalog_records_are_complete(world):
    titles = world.catalog.field("title")
    assert len(set(titles)) == len(titles)
    regions = set(REGIONS)
    for rec in world.catalog.records():
        assert HAN.search(rec["title"]) and HAN.search(rec["description"])
        assert 1980 <= rec["year"] <= 2024
        assert 1 <= len(rec["genres"]) <= 3 and set(rec["genres"]) <= set(GENRES)
        assert 2 <= len(rec["tags"]) <= 5 and set(rec["tags"]) <= set(TAGS)
        assert len(set(rec["genres"])) == len(rec["genres"])
        assert len(rec["directors"]) == 1 and 2 <= len(rec["actors"]) <= 5
        assert len(set(rec["actors"])) == len(rec["actors"])
        assert rec["people"] == rec["directors"] + [
            a for a in rec["actors"] if a not in rec["directors"]
        ]
        assert 2 <= rec["description"].count("。") <= 4
        assert rec["region"] in regions
        assert isinstance(rec["aliases"], list)
    assert sum(bool(r["aliases"]) for r in world.catalog.records()) > 50
    people = [p for r in world.catalog.records() for p in r["people"]]
    assert any("·" in p for p in people)


def test_sequels_follow_their_original(world):
    recs = {r["title"]: r for r in world.catalog.records()}
    sequels = [(recs[t[:-1]], r) for t, r in recs.items() if t.endswith("2") and t[:-1] in recs]
    assert sequels
    for base, seq in sequels:
        assert seq["year"] > base["year"] or seq["year"] == 2024
        assert seq["genres"] == base["genres"] and seq["region"] == base["region"]
        assert seq["actors"][0] == base["actors"][0]


def test_content_predicts_taste(world):
    V = world.item_factors.astype(np.float64)
    genres = world.catalog.field("genres")
    same, other = [], []
    for i in range(0, 250, 3):
        for j in range(i + 1, 250, 7):
            (same if set(genres[i]) & set(genres[j]) else other).append(V[i] @ V[j])
    assert np.mean(same) > np.mean(other) + 0.2


def test_ratings_follow_tastes():
    w = make_synthetic(n_users=400, n_items=120, with_ratings=True, random_state=5)
    X = w.interactions.matrix
    assert set(np.unique(X.data).tolist()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert len(np.unique(X.data)) == 5
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    affinity = np.einsum("ij,ij->i", w.user_factors[rows], w.item_factors[X.indices])
    assert np.corrcoef(affinity, X.data)[0, 1] > 0.5
    assert 3.0 < X.data.mean() < 4.0


def test_timestamps_in_2023_2024_and_after_release(world):
    X = world.interactions
    ts = X.timestamps
    assert ts.shape == (X.nnz,) and ts.dtype == np.float64
    lo, hi = 1672531200, 1735689600  # 2023-01-01, 2025-01-01 UTC
    assert ts.min() >= lo and ts.max() < hi
    assert (ts == np.floor(ts)).all()
    years = np.array(world.catalog.field("year"))[X.matrix.indices]
    assert (ts[years == 2024] >= 1704067200).all()
    untimed = make_synthetic(n_users=50, n_items=20, avg_degree=3, with_timestamps=False)
    assert untimed.interactions.timestamps is None


# helpers against references ---------------------------------------------------------------
@given(st.integers(0, 2**32 - 1))
def test_incidence_matches_loop(seed):
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((6, 9)), axis=1)
    k = rng.integers(0, 10, size=6)
    ref = np.zeros((6, 9), dtype=bool)
    for i in range(6):
        for j in order[i, : k[i]]:
            ref[i, j] = True
    np.testing.assert_array_equal(_incidence(order, k), ref)


def test_ranked_choice_first_pick_follows_softmax():
    logits = np.log(np.array([[1.0, 2.0, 3.0, 4.0]]))
    rng = np.random.default_rng(11)
    firsts = [_ranked_choice(logits, np.array([1]), rng)[0, 0] for _ in range(20_000)]
    freq = np.bincount(firsts, minlength=4) / 20_000
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.4], atol=0.015)


# determinism, properties, validation ----------------------------------------------------
def test_same_seed_same_world_other_seed_other_world():
    kw = {"n_users": 150, "n_items": 60, "avg_degree": 5, "with_ratings": True}
    _same_world(make_synthetic(**kw, random_state=9), make_synthetic(**kw, random_state=9))
    g = make_synthetic(**kw, random_state=np.random.default_rng(9))
    _same_world(g, make_synthetic(**kw, random_state=np.random.default_rng(9)))
    other = make_synthetic(**kw, random_state=10)
    a = make_synthetic(**kw, random_state=9)
    assert a.catalog.field("title") != other.catalog.field("title")
    assert not np.array_equal(a.graph.sources, other.graph.sources)


def test_ratings_switch_leaves_the_rest_alone():
    a = make_synthetic(n_users=100, n_items=40, avg_degree=4, random_state=12)
    b = make_synthetic(n_users=100, n_items=40, avg_degree=4, with_ratings=True, random_state=12)
    np.testing.assert_array_equal(a.interactions.matrix.indices, b.interactions.matrix.indices)
    np.testing.assert_array_equal(a.graph.targets, b.graph.targets)
    assert list(a.catalog.records()) == list(b.catalog.records())


@given(
    n_users=st.integers(1, 60),
    n_items=st.integers(1, 30),
    density=st.floats(0.01, 1.0),
    homophily=st.floats(0.0, 1.0),
    degree=st.floats(0.0, 1.0),
    directed=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_invariants_on_small_worlds(n_users, n_items, density, homophily, degree, directed, seed):
    avg_degree = degree * min(4, n_users - 1)
    w = make_synthetic(
        n_users, n_items, density=density, homophily=homophily, avg_degree=avg_degree,
        directed=directed, random_state=seed,
    )  # fmt: skip
    X = w.interactions
    assert X.shape == (n_users, n_items)
    assert np.diff(X.matrix.indptr).min() >= min(2, n_items)
    assert w.graph.node_ids == X.user_ids
    s, t = _edges(w)
    assert not (s == t).any()
    assert len(set(zip(s.tolist(), t.tolist()))) == s.size
    assert s.size <= round(n_users * avg_degree / (1 if directed else 2))
    assert len(set(w.catalog.field("title"))) == n_items
    assert ((0 <= w.user_communities) & (w.user_communities < max(1, n_users // 2))).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_users": 0}, "n_users"),
        ({"n_items": 0}, "n_items"),
        ({"n_users": 2.5}, "n_users"),
        ({"n_factors": 0}, "n_factors"),
        ({"density": 0.0}, "density"),
        ({"density": 1.5}, "density"),
        ({"density": float("nan")}, "density"),
        ({"homophily": -0.1}, "homophily"),
        ({"homophily": 1.1}, "homophily"),
        ({"popularity_exponent": -1.0}, "popularity_exponent"),
        ({"avg_degree": -1}, "avg_degree"),
        ({"n_users": 5, "avg_degree": 5}, "avg_degree"),
        ({"directed": "yes"}, "directed"),
        ({"with_ratings": 1}, "with_ratings"),
        ({"random_state": -3}, "random_state"),
    ],
)
def test_bad_parameters_raise(kwargs, match):
    with pytest.raises(InputError, match=match):
        make_synthetic(**kwargs)


def test_load_sample_is_fixed_and_fresh():
    a, b = load_sample(), load_sample()
    assert a.interactions.shape == (2000, 400)
    assert a is not b and a.catalog is not b.catalog
    _same_world(a, b)
