"""Known answers and reference implementations for each model."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from filmreco.data import Catalog, Interactions
from filmreco.exceptions import InputError
from filmreco.recommend import ALS, BPR, EASE, ContentBased, Hybrid, ItemKNN, Popularity
from filmreco.recommend._kernels import als_sweep, bpr_epoch
from filmreco.sparse import bm25, tfidf


# --------------------------------------------------------------------------- known answers
@pytest.mark.parametrize(
    "model",
    [
        ItemKNN(20),  # >= 14 neighbours: within a parity class all similarities tie
        ItemKNN(20, weighting="tfidf"),
        ItemKNN(20, weighting="bm25"),
        EASE(1.0),
        ALS(4, regularization=0.1, alpha=2.0, max_iter=10, random_state=0),
        BPR(4, learning_rate=0.05, regularization=0.001, max_iter=200, random_state=0),
        Hybrid([EASE(1.0), ItemKNN(20)]),
        Hybrid([EASE(1.0), ItemKNN(20)], method="rank"),
    ],
    ids=lambda m: type(m).__name__,
)
def test_checkerboard_returns_the_held_out_item(model, checker):
    ids, _ = model.fit(checker).recommend(checker.user_ids.ids, n=1)
    assert ids[:, 0].tolist() == [f"m{k}" for k in range(30)]


def test_checkerboard_content_based_stays_in_parity(checker, parity_catalog):
    ids, _ = ContentBased(parity_catalog).fit(checker).recommend(checker.user_ids.ids, n=1)
    parity = np.array([int(x[1:]) % 2 for x in ids[:, 0]])
    assert parity.tolist() == [k % 2 for k in range(30)]


# --------------------------------------------------------------------------- Popularity
def test_popularity_counts_and_time_decay():
    X = Interactions.from_arrays(
        ["a", "b", "c", "a"], ["x", "x", "y", "z"], timestamps=[0.0, 10.0, 10.0, 5.0]
    )
    plain = Popularity().fit(X)
    np.testing.assert_allclose(plain.item_scores_, [2, 1, 1])
    decayed = Popularity(half_life=5.0).fit(X)
    np.testing.assert_allclose(decayed.item_scores_, [0.25 + 1.0, 1.0, 0.5])
    later = Popularity(half_life=5.0, now=20.0).fit(X)
    np.testing.assert_allclose(later.item_scores_, [2**-4 + 2**-2, 2**-2, 2**-3])
    with pytest.raises(InputError, match="timestamps"):
        Popularity(half_life=1.0).fit(Interactions.from_arrays(["a"], ["x"]))


# --------------------------------------------------------------------------- ItemKNN
def _reference_knn(X: np.ndarray, k: int, shrink: float, a: float, dot: bool) -> np.ndarray:
    n = X.shape[1]
    S = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                ni, nj = X[:, i] @ X[:, i], X[:, j] @ X[:, j]
                den = 1.0 if dot else ni**a * nj ** (1 - a) + shrink
                S[i, j] = X[:, i] @ X[:, j] / den if den > 0 else 0.0
    out = np.zeros_like(S)
    for i in range(n):
        order = np.lexsort((np.arange(n), -S[i]))[:k]
        keep = order[S[i, order] > 0]
        out[i, keep] = S[i, keep]
    return out


@pytest.mark.parametrize("weighting", ["cosine", "tfidf", "bm25"])
@pytest.mark.parametrize(
    "k,shrink,a,similarity",
    [
        (3, 0.0, 0.5, "cosine"),
        (5, 2.0, 0.8, "cosine"),
        (100, 0.5, 0.5, "cosine"),
        (4, 0.0, 0.5, "dot"),
    ],
)
def test_itemknn_matches_reference(world, weighting, k, shrink, a, similarity):
    X = world.interactions
    model = ItemKNN(
        k, weighting=weighting, shrinkage=shrink, asymmetry=a, similarity=similarity
    ).fit(X)
    itemsT = X.matrix.T.tocsr()
    W = {"cosine": itemsT, "tfidf": tfidf(itemsT, idf="plain", norm=None),
         "bm25": bm25(itemsT, idf="lucene")}[weighting]  # fmt: skip
    ref = _reference_knn(W.toarray().T.astype(np.float64), k, shrink, a, similarity == "dot")
    np.testing.assert_allclose(model.similarity_.toarray(), ref, rtol=1e-5, atol=1e-7)
    users = X.user_ids.ids[:5]
    np.testing.assert_allclose(
        model.score(users, X.item_ids.ids), X.matrix[:5].toarray() @ ref, rtol=1e-4, atol=1e-6
    )


def test_itemknn_explain_sums_to_score(world):
    model = ItemKNN(10).fit(world.interactions)
    ids, contrib = model.explain("u0003", "m0007", n=1000)
    assert contrib.sum() == pytest.approx(float(model.score(["u0003"], ["m0007"])[0, 0]), rel=1e-5)
    assert set(ids) <= set(world.interactions.subset_users(["u0003"]).to_arrays()[1])
    assert np.all(np.diff(contrib) <= 0)


# --------------------------------------------------------------------------- EASE
def _reference_ease(X: np.ndarray, lam: float) -> np.ndarray:
    P = np.linalg.inv(X.T @ X + lam * np.eye(X.shape[1]))
    B = -P / np.diag(P)[None, :]
    np.fill_diagonal(B, 0.0)
    return B


@pytest.mark.parametrize("lam", [5.0, 50.0, 500.0])
def test_ease_matches_numpy_closed_form(world, lam):
    X = world.interactions
    model = EASE(lam).fit(X)
    ref = _reference_ease(X.matrix.toarray().astype(np.float64), lam)
    np.testing.assert_allclose(model.weights_, ref, atol=2e-5 * max(1.0, np.abs(ref).max()))
    _ids, contrib = model.explain("u0010", "m0002", n=100)
    assert contrib.sum() == pytest.approx(float(model.score(["u0010"], ["m0002"])[0, 0]), rel=1e-4)


def test_ease_refuses_huge_catalogues_and_suggests_als():
    X = sp.csr_array((np.ones(3, np.float32), ([0, 1, 2], [0, 1, 30_000])), shape=(3, 30_001))
    with pytest.raises(InputError, match="ALS"):
        EASE(memory_limit=1.0).fit(X)
    assert EASE.estimated_memory(30_001) > 10


# --------------------------------------------------------------------------- ALS
def _reference_als_user(V, idx, conf, lam):
    A = V.T @ V + (V[idx].T * (conf - 1.0)) @ V[idx] + lam * np.eye(V.shape[1])
    return np.linalg.solve(A, V[idx].T @ conf)


def test_als_sweep_converges_to_exact_least_squares(world):
    rng = np.random.default_rng(0)
    X = world.interactions.matrix
    f, lam, alpha = 6, 0.5, 3.0
    V = rng.standard_normal((X.shape[1], f)).astype(np.float32)
    conf = (1.0 + alpha * X.data).astype(np.float32)
    U = np.zeros((X.shape[0], f), dtype=np.float32)
    A = (V.T.astype(np.float64) @ V + lam * np.eye(f)).astype(np.float32)
    als_sweep(X.indptr.astype(np.int64), X.indices.astype(np.int64), conf, U, V, A, 2 * f,
              np.arange(X.shape[0]), np.zeros(0, dtype=np.float32))  # fmt: skip
    for u in range(0, X.shape[0], 11):
        s = slice(X.indptr[u], X.indptr[u + 1])
        ref = _reference_als_user(
            V.astype(np.float64), X.indices[s], conf[s].astype(np.float64), lam
        )
        np.testing.assert_allclose(U[u], ref, rtol=1e-3, atol=1e-3)


def test_als_fit_matches_reference_alternating_solves(world):
    X = world.interactions.matrix
    f, lam, alpha, iters = 4, 2.0, 4.0, 3
    model = ALS(f, regularization=lam, alpha=alpha, max_iter=iters, cg_steps=3 * f,
                random_state=5).fit(world.interactions)  # fmt: skip
    rng = np.random.default_rng(5)
    U = rng.standard_normal((X.shape[0], f)) * 0.01
    V = rng.standard_normal((X.shape[1], f)) * 0.01
    XT = X.T.tocsr()
    for _ in range(iters):
        for M, A, B in ((X, U, V), (XT, V, U)):
            for r in range(M.shape[0]):
                s = slice(M.indptr[r], M.indptr[r + 1])
                A[r] = _reference_als_user(B, M.indices[s], 1.0 + alpha * M.data[s], lam)
    np.testing.assert_allclose(model.user_factors_ @ model.item_factors_.T, U @ V.T, atol=2e-3)


def test_als_loss_decreases_and_explain_decomposes(world):
    model = ALS(8, regularization=1.0, alpha=5.0, max_iter=8, track_loss=True, random_state=0)
    model.fit(world.interactions)
    loss = np.array(model.loss_history_)
    assert loss.size == 8 and np.all(np.diff(loss) < 1e-3 * loss[0])
    # explain: sum_i s_ji c_ui equals the score of the exact least-squares user factors
    _ids, contrib = model.explain("u0005", "m0009", n=1000)
    h = world.interactions.subset_users(["u0005"])
    exact = model.score(["u0005"], ["m0009"], user_items=h)[0, 0]
    assert contrib.sum() == pytest.approx(float(exact), rel=1e-3, abs=1e-5)


def test_als_explain_with_a_singular_system_is_least_squares():
    """regularization=0 with more factors than items made the explain system singular:
    a bare numpy LinAlgError. Now the minimum-norm least-squares solution, finite and
    summing to the score the model folds the same user into."""
    X = sp.csr_array(np.ones((3, 1)))
    model = ALS(4, regularization=0.0, max_iter=2, random_state=0).fit(X)
    _ids, contrib = model.explain(0, 0)
    assert np.isfinite(contrib).all()
    exact = model.score([0], [0], user_items=X[[0]])[0, 0]
    assert contrib.sum() == pytest.approx(float(exact), abs=1e-3)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"regularization": 1e39}, "regularization=1e[+]39 overflows the float32"),
        ({"alpha": 1e39}, "alpha=1e[+]39 overflows the float32"),
        ({"regularization": 1e38, "regularization_exponent": 4.0}, "frequency-scaled ridge"),
    ],
)
def test_als_refuses_parameters_beyond_float32(world, params, match):
    """regularization or alpha above the float32 maximum was accepted: RuntimeWarnings,
    and the factors stayed at their random start (recommendations were noise)."""
    with pytest.raises(InputError, match=match):
        ALS(4, max_iter=2, random_state=0, **params).fit(world.interactions)


def test_als_same_result_for_any_thread_count(world):
    a = ALS(8, max_iter=3, random_state=1, n_jobs=1).fit(world.interactions)
    b = ALS(8, max_iter=3, random_state=1, n_jobs=2).fit(world.interactions)
    np.testing.assert_array_equal(a.user_factors_, b.user_factors_)


# --------------------------------------------------------------------------- BPR
def _reference_bpr_epoch(users, items, indptr, indices, U, V, negatives, lr, reg):
    ptr = 0
    for u, i in zip(users, items):
        row = set(indices[indptr[u] : indptr[u + 1]].tolist())
        j = -1
        for _ in range(32):
            cand = negatives[ptr]
            ptr = (ptr + 1) % negatives.size
            if cand not in row:
                j = cand
                break
        if j < 0:
            continue
        x = U[u] @ (V[i] - V[j])
        z = 1.0 / (1.0 + np.exp(x))
        uf = U[u, :-1].copy()
        U[u, :-1] += lr * (z * (V[i, :-1] - V[j, :-1]) - reg * uf)
        V[i, :-1] += lr * (z * uf - reg * V[i, :-1])
        V[j, :-1] += lr * (-z * uf - reg * V[j, :-1])
        V[i, -1] += lr * (z - reg * V[i, -1])
        V[j, -1] += lr * (-z - reg * V[j, -1])


def test_bpr_epoch_matches_reference(world):
    X = world.interactions.matrix
    rng = np.random.default_rng(2)
    U = rng.standard_normal((X.shape[0], 5)).astype(np.float32) * 0.3
    V = rng.standard_normal((X.shape[1], 5)).astype(np.float32) * 0.3
    U[:, -1] = 1.0
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    pick = rng.integers(0, X.nnz, 300)
    users, items = rows[pick], X.indices[pick].astype(np.int64)
    negatives = rng.integers(0, X.shape[1], 700)
    indptr, indices = X.indptr.astype(np.int64), X.indices.astype(np.int64)
    U2, V2 = U.astype(np.float64), V.astype(np.float64)
    _reference_bpr_epoch(users, items, indptr, indices, U2, V2, negatives, 0.05, 0.01)
    bpr_epoch(
        users, items, indptr, indices, U, V, negatives, np.float32(0.05), np.float32(0.01), True
    )
    np.testing.assert_allclose(U, U2, atol=1e-4)
    np.testing.assert_allclose(V, V2, atol=1e-4)


def test_bpr_learns_to_rank_seen_items_first(world):
    X = world.interactions
    model = BPR(16, max_iter=40, track_loss=True, random_state=0).fit(X)
    loss = model.loss_history_
    assert loss[-1] < 0.6 * loss[0]
    S = model.score(X.user_ids.ids, X.item_ids.ids)
    seen = X.matrix.toarray() > 0
    auc = np.mean(
        [(S[u][seen[u]][:, None] > S[u][~seen[u]][None, :]).mean() for u in range(len(S))]
    )
    assert auc > 0.9


# --------------------------------------------------------------------------- ContentBased
def test_content_profile_matches_manual_computation():
    cat = Catalog.from_records([
        {"id": "a", "genres": ["动作", "武侠"], "region": "HK"},
        {"id": "b", "genres": ["武侠"], "region": "CN"},
        {"id": "c", "genres": ["爱情"], "region": "CN"},
        {"id": "cold", "genres": ["武侠", "爱情"], "region": "HK"},
    ])  # fmt: skip
    X = Interactions.from_arrays(["u", "u", "v"], ["a", "b", "c"])
    model = ContentBased(cat, field_weights={"region": 0.5}).fit(X)
    assert model.item_ids_.ids.tolist() == ["a", "b", "c", "cold"]
    # manual: per-field tf-idf (smooth idf, l2), region weighted 0.5, rows l2-normalised
    idf = lambda df: np.log(5 / (1 + df)) + 1  # noqa: E731
    g = np.array([[idf(1), idf(3), 0], [0, idf(3), 0], [0, 0, idf(2)], [0, idf(3), idf(2)]])
    r = np.array([[0, idf(2)], [idf(2), 0], [idf(2), 0], [0, idf(2)]])
    unit = lambda M: M / np.linalg.norm(M, axis=1, keepdims=True)  # noqa: E731
    F = unit(np.hstack([unit(g), 0.5 * unit(r)]))  # columns: 动作 武侠 爱情 | CN HK
    p = unit((F[0] + F[1])[None, :])[0]
    names = ["动作", "武侠", "爱情", "CN", "HK"]
    got = {v: w for f, v, w in model.user_profile("u", n=10)}
    np.testing.assert_allclose([got.get(n, 0.0) for n in names], p, rtol=1e-5)
    np.testing.assert_allclose(model.score(["u"], ["a", "b", "c", "cold"])[0], F @ p, rtol=1e-5)
    region = model.user_profile("u", n=5, fields=["region"])
    assert {f for f, _, _ in region} == {"region"} and len(region) == 2
    assert model.user_profile("u", n=1)[0][1] == "武侠"
    assert model.recommend(["u"], n=1)[0].tolist() == [["cold"]]


def test_content_errors():
    X = Interactions.from_arrays(["u"], ["a"])
    with pytest.raises(InputError, match="catalog"):
        ContentBased().fit(X)
    cat = Catalog.from_records([{"id": "a", "genres": ["x"]}])
    with pytest.raises(InputError, match="not in the catalogue"):
        ContentBased(cat, fields=["tags"]).fit(X)
    with pytest.raises(InputError, match="field_weights"):
        ContentBased(cat, field_weights={"tags": 1.0}).fit(X)


def test_content_profiles_unnormalised_rank_heavy_users_first(world, tmp_path):
    X = world.interactions
    norm = ContentBased(world.catalog, fields=["genres"]).fit(X)
    raw = ContentBased(world.catalog, fields=["genres"], normalize_profiles=False).fit(X)
    users = X.user_ids.ids[:30]
    # each user's films rank the same: a profile's length scales all its scores alike
    sn = norm.score(users, X.item_ids.ids).astype(np.float64)
    sr = raw.score(users, X.item_ids.ids).astype(np.float64)
    length = np.linalg.norm((X.matrix[X.user_ids.index(users)] @ raw.item_features_).toarray(),
                            axis=1)  # fmt: skip
    np.testing.assert_allclose(sr, sn * length[:, None], rtol=1e-4, atol=1e-5)
    # raw scores are the profile sums: the cosine times the profile's length
    H = X.matrix[:5]
    P = (H @ raw.item_features_).toarray()
    np.testing.assert_allclose(raw.score(X.user_ids.ids[:5], X.item_ids.ids[:7]),
                               P @ raw.item_features_[:7].toarray().T, rtol=1e-5)  # fmt: skip
    # audiences: unnormalised, users who watched more films of the kind come first
    film = X.item_ids.ids[0]
    counts = np.diff(X.matrix.indptr)
    aud_raw = raw.recommend_users([film], n=50)[0][0]
    aud_norm = norm.recommend_users([film], n=50)[0][0]
    mean = lambda ids: counts[X.user_ids.index(ids)].mean()  # noqa: E731
    assert mean(aud_raw) > mean(aud_norm)
    # the readable profile is the normalised one either way; the option is saved
    assert raw.user_profile(users[0], n=3) == norm.user_profile(users[0], n=3)
    back = ContentBased.load(raw.save(tmp_path / "raw"))
    assert back.normalize_profiles is False
    with pytest.raises(InputError, match="normalize_profiles"):
        ContentBased(world.catalog, normalize_profiles="no").fit(X)


def test_content_tokenises_descriptions(world):
    model = ContentBased(world.catalog, fields=["description"]).fit(world.interactions)
    assert set(model.feature_fields_) == {"description"}
    assert len(model.feature_values_) > 20
    assert all(" " not in v for v in model.feature_values_)


# --------------------------------------------------------------------------- Hybrid
def test_hybrid_score_is_weighted_zscore_blend(world):
    X = world.interactions
    a, b = EASE(20.0).fit(X), ItemKNN(10).fit(X)
    model = Hybrid([a, b], weights=[0.7, 0.3], refit=False).fit(X)
    users = X.user_ids.ids[:6]
    z = lambda S: (S - S.mean(1, keepdims=True)) / S.std(1, keepdims=True)  # noqa: E731
    ref = 0.7 * z(a.score(users, X.item_ids.ids).astype(np.float64)) + 0.3 * z(
        b.score(users, X.item_ids.ids).astype(np.float64)
    )
    np.testing.assert_allclose(model.score(users, X.item_ids.ids), ref, rtol=1e-4, atol=1e-5)
    some = X.item_ids.ids[[3, 1]]
    np.testing.assert_allclose(model.score(users, some), ref[:, [3, 1]], rtol=1e-4, atol=1e-5)


def test_hybrid_rank_fusion_and_cold_items(world):
    X = world.interactions
    films = X.item_ids.ids
    cat = Catalog.from_records(
        [*world.catalog.records(), {"id": "brand-new", "genres": world.catalog["m0001"]["genres"]}]
    )
    model = Hybrid(
        [ALS(4, max_iter=2, random_state=0), ContentBased(cat)], weights=[1.0, 1.0], method="rank"
    )
    model.fit(X)
    assert model.item_ids_.ids[-1] == "brand-new"
    S = model.score(["u0001"], [*films[:3], "brand-new"])
    c = model.models_[1].score(["u0001"], model.models_[1].item_ids_.ids)[0]
    rank = np.empty(c.size)
    rank[np.argsort(-c, kind="stable")] = np.arange(1, c.size + 1)
    assert S[0, -1] == pytest.approx(1.0 / (60.0 + rank[-1]))


def test_hybrid_validates(world):
    with pytest.raises(InputError, match="weights"):
        Hybrid([EASE()], weights=[1.0, 2.0]).fit(world.interactions)
    with pytest.raises(InputError, match="models"):
        Hybrid([]).fit(world.interactions)


@pytest.mark.parametrize("form", ["linear", "log"])
def test_als_confidence_forms(form):
    X = sp.csr_array(np.array([[0.0, 2.0, 0.0], [3.0, 0.0, 1.0]], dtype=np.float32))
    C = ALS(alpha=4.0, confidence=form, epsilon=0.5)._conf(X)
    r = X.data.astype(np.float64)
    want = 1 + 4.0 * r if form == "linear" else 1 + 4.0 * np.log1p(r / 0.5)
    np.testing.assert_allclose(C.data, want, rtol=1e-6)
    np.testing.assert_array_equal(C.indices, X.indices)
    with pytest.raises(InputError, match="confidence"):
        ALS(confidence="cubic")._conf(X)


def test_progress_bars_do_not_change_results(world, capsys):
    a = ALS(4, max_iter=2, random_state=0, show_progress=True).fit(world.interactions)
    b = ALS(4, max_iter=2, random_state=0).fit(world.interactions)
    np.testing.assert_array_equal(a.item_factors_, b.item_factors_)
    c = BPR(4, max_iter=2, random_state=0, show_progress=True).fit(world.interactions)
    d = BPR(4, max_iter=2, random_state=0).fit(world.interactions)
    np.testing.assert_array_equal(c.item_factors_, d.item_factors_)


def test_hybrid_weights_are_bounded():
    """weights=[1e308, 1e308] overflowed the blend: every score -inf, every list empty.
    Weights above 1e12 are refused (only their ratios matter); 1e12 still ranks."""
    Y = Interactions.from_arrays(["u1", "u1", "u2", "u3"], ["m1", "m2", "m3", "m4"])
    with pytest.raises(InputError, match="weights entry 1e[+]308 is above 1e[+]12.*ratios"):
        Hybrid([EASE(), ItemKNN()], weights=[1e308, 1e308]).fit(Y)
    for method in ("score", "rank"):
        ids, scores = (
            Hybrid([EASE(), ItemKNN()], weights=[1e12, 1e12], method=method)
            .fit(Y)
            .recommend(["u1"], n=2)
        )
        assert sorted(ids[0].tolist()) == ["m3", "m4"] and np.isfinite(scores).all()


def test_hybrid_refit_false_with_an_unfitted_component_says_so(world):
    from sklearn.exceptions import NotFittedError

    fitted = EASE(20.0).fit(world.interactions)
    with pytest.raises(
        NotFittedError, match=r"ItemKNN instance is not fitted.*Hybrid\(refit=False\).*models\[1\]"
    ):
        Hybrid([fitted, ItemKNN()], refit=False).fit(world.interactions)
