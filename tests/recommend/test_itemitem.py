"""Item-item models (ItemKNN, RP3beta): the compiled loops against simple dense references.

The similarity build and the serving loop of ``_itemitem_kernels`` must give *exactly*
what the plain route gives: a dense block of ``A @ B`` turned into similarities and
pruned by :func:`filmreco.sparse.topk` (identical CSR), and a dense ``H @ S`` ranked by
:func:`filmreco.sparse.topk` with the seen films excluded (identical top-n and scores).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.data import Interactions
from filmreco.exceptions import InputError
from filmreco.recommend import ItemKNN, RP3beta, _itemitem
from filmreco.recommend._itemitem_kernels import serve_rows
from filmreco.sparse import IdMap, bm25, normalize, tfidf, topk


# -- references: the dense route --------------------------------------------------------
def _keep_top_reference(S: np.ndarray, k: int) -> sp.csr_array:
    """Top-k positive values per row of a dense float32 block, as a canonical CSR."""
    n = S.shape[0]
    k = min(k, max(n - 1, 0))
    idx, val = topk(S, k)
    keep = (idx >= 0) & (val > 0)
    rows = np.repeat(np.arange(n), keep.sum(axis=1))
    out = sp.csr_array((val[keep], (rows, idx[keep])), shape=(n, n))
    out.sort_indices()
    return out


def knn_reference(X: sp.csr_array, model: ItemKNN) -> sp.csr_array:
    """ItemKNN's similarity the dense way: whole W W^T (float32), cosine in float64, top-k."""
    Xt = sp.csr_array(X.T.tocsr(), dtype=np.float32)
    W = {
        "cosine": lambda V: V,
        "tfidf": lambda V: tfidf(V, idf="plain", norm=None),
        "bm25": lambda V: bm25(V, k1=model.k1, b=model.b, idf="lucene"),
    }[model.weighting](Xt)
    W = sp.csr_array(W, dtype=np.float32)
    S = (W @ W.T.tocsr()).toarray().astype(np.float64)  # float32 sums, as implicit
    if model.similarity == "cosine":
        W64 = sp.csr_array(W, dtype=np.float64)
        sq = np.asarray(W64.multiply(W64).sum(axis=1), dtype=np.float64).reshape(-1)
        a = model.asymmetry
        denom = (sq**a)[:, None] * (sq ** (1.0 - a))[None, :] + model.shrinkage
        S = np.divide(S, denom, out=np.zeros_like(S), where=denom > 0)
    np.fill_diagonal(S, 0.0)
    return _keep_top_reference(S.astype(np.float32), model.n_neighbors)


def rp3_reference(X: sp.csr_array, model: RP3beta) -> sp.csr_array:
    X = sp.csr_array(X, dtype=np.float64)
    X.eliminate_zeros()
    P_ui = normalize(X, "l1", axis=1)
    P_iu = normalize(X.T.tocsr(), "l1", axis=1)
    P_ui.data **= model.alpha
    P_iu.data **= model.alpha
    pop = np.asarray(X.sum(axis=0), dtype=np.float64).reshape(-1)
    penalty = np.zeros(pop.size)
    np.power(pop, -model.beta, out=penalty, where=pop > 0)
    S = (P_iu @ P_ui).toarray() * penalty[None, :]
    np.fill_diagonal(S, 0.0)
    return _keep_top_reference(S.astype(np.float32), model.n_neighbors)


def assert_same_csr(got: sp.csr_array, want: sp.csr_array) -> None:
    got = sp.csr_array(got)
    got.sort_indices()
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_array_equal(got.data, want.data)
    assert got.data.dtype == np.float32


@st.composite
def matrices(draw: Any) -> sp.csr_array:
    """Small users x items matrices, binary (many ties) or with a few distinct values."""
    n_users = draw(st.integers(1, 25))
    n_items = draw(st.integers(1, 18))
    density = draw(st.floats(0.05, 0.8))
    seed = draw(st.integers(0, 2**31 - 1))
    binary = draw(st.booleans())
    rng = np.random.default_rng(seed)
    mask = rng.random((n_users, n_items)) < density
    vals = np.ones_like(mask, dtype=np.float32) if binary else rng.integers(1, 4, mask.shape)
    return sp.csr_array(np.where(mask, vals, 0).astype(np.float32))


def _fit(model: Any, X: sp.csr_array) -> Any:
    return model.fit(X)


# -- the similarity build -----------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    X=matrices(),
    k=st.integers(1, 20),
    weighting=st.sampled_from(["cosine", "tfidf", "bm25"]),
    similarity=st.sampled_from(["cosine", "dot"]),
    asymmetry=st.sampled_from([0.5, 0.0, 0.3, 1.0]),
    shrinkage=st.sampled_from([0.0, 2.5]),
)
def test_knn_similarity_is_the_dense_reference(X, k, weighting, similarity, asymmetry, shrinkage):
    model = ItemKNN(
        k, weighting=weighting, similarity=similarity, asymmetry=asymmetry, shrinkage=shrinkage
    )
    assert_same_csr(_fit(model, X).similarity_, knn_reference(X, model))


@settings(max_examples=40, deadline=None)
@given(
    X=matrices(),
    k=st.integers(1, 20),
    alpha=st.sampled_from([1.0, 0.5, 1.7]),
    beta=st.sampled_from([0.0, 0.4]),
)
def test_rp3beta_similarity_is_the_dense_reference(X, k, alpha, beta):
    model = RP3beta(alpha, beta, k)
    assert_same_csr(_fit(model, X).similarity_, rp3_reference(X, model))


@pytest.mark.parametrize(
    "make", [lambda: ItemKNN(7, weighting="bm25"), lambda: RP3beta(n_neighbors=7)]
)
def test_blocks_and_workers_do_not_change_the_similarity(monkeypatch, make):
    rng = np.random.default_rng(3)
    X = sp.csr_array((rng.random((300, 90)) < 0.1).astype(np.float32))
    ref = make().fit(X).similarity_
    monkeypatch.setattr(_itemitem, "FIT_BLOCK", 7)
    for n_jobs in (1, 2):
        model = make().set_params(n_jobs=n_jobs)
        assert_same_csr(model.fit(X).similarity_, ref)


def test_ties_go_to_the_smaller_index():
    # item 0 is seen with items 1..5 by the same single user: five equal similarities
    X = sp.csr_array(np.ones((1, 6), dtype=np.float32))
    S = ItemKNN(2).fit(X).similarity_
    assert S[[0]].indices.tolist() == [1, 2]
    assert S[[5]].indices.tolist() == [0, 1]


def test_show_progress_and_logging(caplog):
    X = sp.csr_array((np.random.default_rng(0).random((40, 20)) < 0.3).astype(np.float32))
    with caplog.at_level(logging.INFO, logger="filmreco"):
        a = ItemKNN(5, show_progress=True).fit(X)
    assert any("similarity of 20 items" in r.getMessage() for r in caplog.records)
    assert_same_csr(a.similarity_, ItemKNN(5).fit(X).similarity_)
    RP3beta(show_progress=True).fit(X)
    for cls in (ItemKNN, RP3beta):
        with pytest.raises(InputError, match="show_progress"):
            cls(show_progress="yes").fit(X)


# -- serving ---------------------------------------------------------------------------------
def _dense_recommend(model: Any, X: sp.csr_array, users: np.ndarray, n: int, cand: Any = None):
    H = X[users]
    S = (H @ model.similarity_).toarray().astype(np.float32)
    return topk(S, n, exclude=H, candidates=cand)


@settings(max_examples=60, deadline=None)
@given(
    X=matrices(),
    n=st.integers(0, 20),
    kind=st.sampled_from(["knn", "rp3"]),
    with_candidates=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_recommend_is_the_dense_selection(X, n, kind, with_candidates, seed):
    rng = np.random.default_rng(seed)
    X = X[np.diff(X.indptr) > 0]  # users with a history (the others get popularity)
    if X.shape[0] == 0:
        return
    X = sp.csr_array(X)
    model = (ItemKNN(3) if kind == "knn" else RP3beta(n_neighbors=3)).fit(X)
    users = rng.integers(0, X.shape[0], 6)
    cand = None
    if with_candidates:
        cand = np.flatnonzero(rng.random(X.shape[1]) < 0.6)
    want_i, want_v = _dense_recommend(model, X, users, n, cand)
    items = None if cand is None else cand
    got_i, got_v = model.recommend(users, n, items=items)
    want_ids = np.where(want_i >= 0, want_i, -1)
    np.testing.assert_array_equal(got_i, want_ids)
    np.testing.assert_array_equal(got_v, want_v.astype(np.float32))


def test_recommend_fast_path_is_taken_and_matches_with_popular_users():
    rng = np.random.default_rng(5)
    dense = (rng.random((60, 40)) < 0.15).astype(np.float32)
    dense[7] = 0.0  # an empty history: that block falls back to the dense route
    X = Interactions(sp.csr_array(dense), IdMap(np.arange(60)), IdMap(np.arange(40)))
    model = ItemKNN(4).fit(X)
    calls = []
    orig = model._select_top

    def spy(*args: Any) -> Any:
        out = orig(*args)
        calls.append(out is not None)
        return out

    model._select_top = spy
    a = model.recommend(np.arange(60), 5)
    b = model.recommend(np.r_[0:7, 8:60], 5)
    assert calls == [True]  # the first call's block holds user 7: dense route, no call
    np.testing.assert_array_equal(a[0][np.r_[0:7, 8:60]], b[0])
    np.testing.assert_array_equal(a[1][np.r_[0:7, 8:60]], b[1])


def test_serve_rows_flags_negative_scores_and_pads():
    H = sp.csr_array(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32))
    S = sp.csr_array(np.array([[0, 2, 0], [0, 0, -1], [0, 0, 0]], dtype=np.float32))
    i64 = lambda a: np.asarray(a, dtype=np.int64)  # noqa: E731
    i32 = lambda a: np.asarray(a, dtype=np.int32)  # noqa: E731
    idx, val, ok = serve_rows(
        i64(H.indptr), i32(H.indices), H.data, i64(S.indptr), i32(S.indices), S.data,
        i64([0, 1, 1]), i32([0]), np.ones(3, dtype=bool), 3,
    )  # fmt: skip
    assert ok.tolist() == [True, False]
    assert idx[0].tolist() == [1, 2, -1]  # 1 scores 2, 2 scores 0, 0 is excluded
    assert val[0].tolist() == [2.0, 0.0, -np.inf]


def test_product_top_padded_rows_are_the_compact_rows():
    # ProductTop(...)(start, stop, k): (rows, k) arrays padded with -1 / 0, for callers that
    # take a block that way; the same neighbours as the compact rows the CSR is built from
    rng = np.random.default_rng(5)
    X = sp.csr_array((rng.random((60, 25)) < 0.25).astype(np.float32))
    W = sp.csr_array(X.T.tocsr())
    sq = np.asarray(W.multiply(W).sum(axis=1)).reshape(-1).astype(np.float64)
    product = _itemitem.ProductTop(W, X, mode=_itemitem.MODE_COSINE, left=sq**0.5, right=sq**0.5)
    counts, idx, val = product.rows(3, 20, 4)
    c2, i2, v2 = product(3, 20, 4)
    np.testing.assert_array_equal(counts, c2)
    assert i2.shape == v2.shape == (17, 4) and i2.dtype == np.int64
    keep = np.arange(4)[None, :] < c2[:, None]
    np.testing.assert_array_equal(i2[keep], idx)
    np.testing.assert_array_equal(v2[keep], val)
    assert (i2[~keep] == -1).all() and (v2[~keep] == 0).all()


@pytest.mark.parametrize("weighting", ["cosine", "tfidf", "bm25"])
def test_stored_zeros_are_not_interactions(weighting):
    # the weightings count a user's films (document frequency) from the stored entries of
    # X and X^T: a stored zero must count as nothing, as it does for filmreco.sparse.bm25
    rng = np.random.default_rng(11)
    X = sp.csr_array((rng.random((40, 15)) < 0.3).astype(np.float32))
    Z = X.copy()
    Z.data[::3] = 0.0  # stored zeros
    clean = Z.copy()
    clean.eliminate_zeros()
    model = ItemKNN(4, weighting=weighting)
    got = model.fit(Z).similarity_
    assert_same_csr(got, ItemKNN(4, weighting=weighting).fit(clean).similarity_)
    assert_same_csr(got, knn_reference(clean, model))


def test_loaded_similarity_keeps_int32_columns_and_recommends_the_same(tmp_path):
    # serving passes the similarity's columns to the compiled loop as int32 without a
    # copy per block: a loaded model holds them as int32 too, and ranks the same
    rng = np.random.default_rng(2)
    X = sp.csr_array((rng.random((50, 30)) < 0.2).astype(np.float32))
    model = ItemKNN(6, weighting="bm25").fit(X)
    back = ItemKNN.load(model.save(tmp_path / "knn"))
    assert model.similarity_.indices.dtype == np.int32
    assert back.similarity_.indices.dtype == np.int32
    assert_same_csr(back.similarity_, model.similarity_)
    users = np.arange(50)
    for a, b in zip(back.recommend(users, 5), model.recommend(users, 5)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bm25_kernel_gives_the_bits_of_bm25_values(dtype):
    """ItemKNN's one-pass BM25 weighting equals the numpy formula of `bm25_values`."""
    from filmreco.recommend.knn import _bm25, _per_row
    from filmreco.sparse._weighting import IDF, bm25_lengths, bm25_values, idf_of

    X = sp.random_array((400, 90), density=0.05, random_state=3, format="csr").astype(dtype)
    X.data = np.ceil(X.data * 7).astype(dtype)
    XT = X.T.tocsr()
    k1, b = 1.5, 0.6
    tf = X.data.astype(np.float64)
    lengths = bm25_lengths(np.bincount(X.indices, weights=tf, minlength=90), k1, b)
    weights = idf_of(np.diff(X.indptr), 90, IDF["lucene"])
    w0 = bm25_values(tf, _per_row(weights, X), lengths[X.indices], k1).astype(np.float32)
    tf = XT.data.astype(np.float64)
    a0 = bm25_values(tf, weights[XT.indices], _per_row(lengths, XT), k1).astype(np.float32)
    a, w = _bm25(XT, X, k1, b)
    assert a.dtype == w.dtype == np.float32
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(w, w0)


@pytest.mark.parametrize("weighting", ["cosine", "tfidf", "bm25"])
@pytest.mark.parametrize("similarity", ["cosine", "dot"])
@pytest.mark.parametrize("k", [1, 9, 60])
def test_rows_with_many_neighbours_select_as_the_reference(weighting, similarity, k):
    # rows of hundreds of positive similarities spread over several octaves (counts 1..40
    # on a few popular films) and many ties (binary elsewhere): the k-th largest value is
    # located through a histogram of the values' bits before the exact selection
    rng = np.random.default_rng(11)
    n_users, n_items = 400, 300
    pop = rng.zipf(1.6, n_items).clip(1, 200).astype(float)
    mask = rng.random((n_users, n_items)) < 0.08 * pop / pop.mean()
    vals = np.where(rng.random(mask.shape) < 0.2, rng.integers(1, 41, mask.shape), 1)
    X = sp.csr_array(np.where(mask, vals, 0).astype(np.float32))
    model = ItemKNN(k, weighting=weighting, similarity=similarity)
    assert_same_csr(model.fit(X).similarity_, knn_reference(X, model))


def _weighted_world() -> sp.csr_array:
    rng = np.random.default_rng(0)
    X = sp.csr_array((rng.random((60, 30)) < 0.3).astype(np.float32))
    X.data = rng.integers(1, 5, X.nnz).astype(np.float32)
    return X


@pytest.mark.parametrize("weighting", ["cosine", "tfidf"])
@pytest.mark.parametrize(("asymmetry", "shrinkage"), [(0.5, 0.0), (0.7, 2.0)])
def test_cosine_of_huge_values_is_the_cosine_of_the_scaled_values(weighting, asymmetry, shrinkage):
    """Values near 1e19 overflowed the float32 dot products (similarities of +inf; with
    tf-idf at 3e38, all zero). The cosine now divides them by a power of two first: the
    similarities are bit for bit those of the unscaled data (shrinkage scaled alike)."""
    X = _weighted_world()
    ref = ItemKNN(10, weighting=weighting, asymmetry=asymmetry, shrinkage=shrinkage).fit(X)
    Y = X.copy()
    Y.data *= np.float32(2.0**100)  # about 1.3e30
    big = ItemKNN(10, weighting=weighting, asymmetry=asymmetry, shrinkage=shrinkage * 2.0**200).fit(
        Y
    )
    np.testing.assert_array_equal(big.similarity_.toarray(), ref.similarity_.toarray())


@pytest.mark.parametrize("weighting", ["cosine", "tfidf", "bm25"])
@pytest.mark.parametrize("scale", [1e19, 1e20, 3e38])
def test_item_knn_similarities_stay_finite_for_huge_values(weighting, scale):
    A = np.zeros((6, 5), dtype=np.float32)
    A[:, :2] = 1
    A[0, 2] = 1
    m = ItemKNN(weighting=weighting).fit(sp.csr_array(A * np.float32(scale)))
    assert np.isfinite(m.similarity_.data).all() and m.similarity_.data.max() <= 1.0 + 1e-6
    assert m.similarity_.nnz > 0  # not silently all zero


@pytest.mark.parametrize("weighting", ["cosine", "tfidf"])
def test_dot_similarity_that_overflows_float32_is_an_input_error(weighting):
    A = np.zeros((6, 5), dtype=np.float32)
    A[:, :2] = 1
    A[0, 2] = 1
    with pytest.raises(InputError, match="overflow the float32 similarities.*similarity='cosine'"):
        ItemKNN(weighting=weighting, similarity="dot").fit(sp.csr_array(A * np.float32(1e20)))
