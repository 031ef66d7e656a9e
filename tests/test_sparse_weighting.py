"""Weighting and normalisation: vectorised functions against direct dense computations."""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfTransformer

from filmreco.exceptions import InputError
from filmreco.sparse import (
    IDF,
    bm25,
    confidence,
    document_frequency,
    idf_weights,
    log_scale,
    normalize,
    tfidf,
)

seeds = st.integers(0, 2**32 - 1)
dims = st.integers(0, 12)
densities = st.floats(0.0, 1.0)


def random_csr(n, m, density, seed, *, counts=False, signed=False):
    X = sp.random_array((n, m), density=density, rng=seed, format="csr")
    if counts:
        X.data = np.ceil(X.data * 5.0)
    if signed:
        X.data = X.data - 0.5
    return X


def check_result(out, X, dense_expected, *, rtol=1e-10, atol=1e-12):
    """Common contract: canonical csr_array, no stored zeros, right values."""
    assert isinstance(out, sp.csr_array)
    assert out.shape == X.shape
    assert out.has_canonical_format
    assert np.all(out.data != 0)
    np.testing.assert_allclose(out.toarray(), dense_expected, rtol=rtol, atol=atol)


def snapshot(X):
    return X.data.copy(), X.indices.copy(), X.indptr.copy()


def unchanged(X, snap):
    return all(np.array_equal(a, b) for a, b in zip((X.data, X.indices, X.indptr), snap))


# dense references --------------------------------------------------------------------
def ref_normalize(D, norm, axis):
    size = np.abs(D).sum(axis=axis) if norm == "l1" else np.sqrt((D * D).sum(axis=axis))
    size = np.expand_dims(size, axis)
    return np.divide(D, size, out=np.zeros_like(D), where=size > 0)


def ref_idf(df, n, method):
    out = []
    for d in df:
        if d == 0:
            out.append(0.0)
        elif method == "smooth":
            out.append(np.log((1 + n) / (1 + d)) + 1)
        elif method == "plain":
            out.append(np.log(n / d) + 1)
        elif method == "log":
            out.append(np.log(n / d))
        elif method == "robertson":
            out.append(np.log((n - d + 0.5) / (d + 0.5)))
        elif method == "lucene":
            out.append(np.log(1 + (n - d + 0.5) / (d + 0.5)))
        else:
            out.append(1.0)
    return np.array(out)


def ref_bm25(D, k1, b, method):
    n, m = D.shape
    df = (D != 0).sum(axis=0)
    idf = ref_idf(df, n, method)
    dl = D.sum(axis=1)
    avg = dl.mean() if n else 0.0
    W = np.zeros_like(D)
    for i in range(n):
        for j in range(m):
            x = D[i, j]
            if x != 0:
                W[i, j] = idf[j] * x * (k1 + 1) / (x + k1 * (1 - b + b * dl[i] / avg))
    return W


# normalize ---------------------------------------------------------------------------
@given(dims, dims, densities, seeds, st.sampled_from(["l1", "l2"]), st.sampled_from([0, 1]))
def test_normalize_matches_dense(n, m, density, seed, norm, axis):
    X = random_csr(n, m, density, seed, signed=True)
    snap = snapshot(X)
    out = normalize(X, norm, axis)
    check_result(out, X, ref_normalize(X.toarray(), norm, axis))
    assert unchanged(X, snap)


@given(st.integers(1, 12), st.integers(1, 12), densities, seeds)
def test_normalized_rows_have_unit_norm_or_stay_empty(n, m, density, seed):
    X = random_csr(n, m, density, seed)
    out = normalize(X)
    norms = np.sqrt((out.toarray() ** 2).sum(axis=1))
    empty = np.diff(X.indptr) == 0
    np.testing.assert_allclose(norms[~empty], 1.0)
    assert np.all(norms[empty] == 0)


@pytest.mark.parametrize("shape", [(0, 0), (3, 0), (0, 4), (3, 4)])
@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_normalize_empty_matrices(shape, norm):
    # np.bincount of empty input is int64: the result must still be a float matrix
    X = sp.csr_array(shape, dtype=np.float32)
    for axis in (0, 1):
        out = normalize(X, norm, axis)
        assert out.shape == shape and out.nnz == 0 and out.dtype == np.float32


def test_normalize_drops_explicit_zeros_and_keeps_input():
    X = sp.csr_array((np.array([0.0, 3.0, 4.0]), np.array([0, 1, 2]), np.array([0, 3, 3])), (2, 3))
    out = normalize(X)
    assert out.nnz == 2
    np.testing.assert_allclose(out.toarray(), [[0.0, 0.6, 0.8], [0.0, 0.0, 0.0]])
    assert X.nnz == 3 and X.data.tolist() == [0.0, 3.0, 4.0]


def test_normalize_does_not_share_memory_with_a_canonical_input():
    X = sp.csr_array(np.array([[3.0, 4.0]]))
    out = normalize(X)
    out.data[:] = 7.0
    assert X.data.tolist() == [3.0, 4.0]


@pytest.mark.parametrize(
    "make",
    [sp.csr_matrix, sp.csr_array, sp.coo_array, sp.coo_matrix, sp.csc_array, sp.lil_matrix],
)
def test_weighting_accepts_any_sparse_format(make):
    D = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [0.0, 3.0, 1.0]])
    out = normalize(make(D))
    assert isinstance(out, sp.csr_array)
    np.testing.assert_allclose(out.toarray(), ref_normalize(D, "l2", 1))


def test_dtypes():
    D = np.array([[1, 0, 2], [0, 3, 0]])
    assert normalize(sp.csr_array(D.astype(np.float32))).dtype == np.float32
    assert normalize(sp.csr_array(D.astype(np.float64))).dtype == np.float64
    assert tfidf(sp.csr_array(D)).dtype == np.float32  # ints become float32
    assert confidence(sp.csr_array(D.astype(bool))).dtype == np.float32


def test_bad_arguments():
    X = sp.csr_array(np.array([[1.0, 0.0], [0.0, 2.0]]))
    with pytest.raises(TypeError, match=r"scipy\.sparse"):
        normalize(np.eye(2))
    with pytest.raises(InputError, match="'l1', 'l2'"):
        normalize(X, "max")
    with pytest.raises(InputError, match="axis"):
        normalize(X, axis=2)
    with pytest.raises(InputError, match="idf='bogus'"):
        tfidf(X, idf="bogus")
    with pytest.raises(InputError, match="norm"):
        tfidf(X, norm="l3")
    with pytest.raises(InputError, match="k1"):
        bm25(X, k1=-0.1)
    with pytest.raises(InputError, match="b must be"):
        bm25(X, b=1.5)
    with pytest.raises(InputError, match="alpha"):
        confidence(X, alpha=-1)
    with pytest.raises(InputError, match="form"):
        confidence(X, form="squared")
    with pytest.raises(InputError, match="epsilon"):
        log_scale(X, epsilon=0.0)
    with pytest.raises(TypeError, match="real numbers"):
        normalize(sp.csr_array(np.array([[1j]])))
    neg = sp.csr_array(np.array([[1.0, -2.0]]))
    for func in (tfidf, bm25, confidence, log_scale):
        with pytest.raises(InputError, match="non-negative"):
            func(neg)
    nan = sp.csr_array(np.array([[1.0, np.nan]]))
    with pytest.raises(InputError, match="NaN"):
        normalize(nan)


# idf -----------------------------------------------------------------------------------
@given(st.integers(0, 30), st.data(), st.sampled_from(sorted(IDF)))
def test_idf_weights_match_formulas(n, data, method):
    df = data.draw(st.lists(st.integers(0, n), max_size=10))
    got = idf_weights(np.array(df, dtype=np.int64), n, method=method)
    np.testing.assert_allclose(got, ref_idf(df, n, method))


def test_idf_weights_rejects_bad_frequencies():
    with pytest.raises(InputError, match="df must lie"):
        idf_weights([3], 2)
    with pytest.raises(InputError, match="df must lie"):
        idf_weights([-1], 2)


@given(dims, dims, densities, seeds)
def test_document_frequency_counts_nonzero_rows(n, m, density, seed):
    X = random_csr(n, m, density, seed)
    assert document_frequency(X).tolist() == (X.toarray() != 0).sum(axis=0).tolist()


# tf-idf --------------------------------------------------------------------------------
@given(
    st.integers(1, 12),
    st.integers(1, 12),
    densities,
    seeds,
    st.booleans(),
    st.sampled_from(["l1", "l2", None]),
    st.booleans(),
)
def test_tfidf_matches_sklearn(n, m, density, seed, smooth, norm, sublinear):
    X = random_csr(n, m, density, seed, counts=True)
    snap = snapshot(X)
    ref = TfidfTransformer(norm=norm, smooth_idf=smooth, sublinear_tf=sublinear)
    with np.errstate(divide="ignore"):  # sklearn divides by df = 0 for unused terms
        expected = ref.fit_transform(X).toarray()
    out = tfidf(X, idf="smooth" if smooth else "plain", sublinear_tf=sublinear, norm=norm)
    check_result(out, X, expected)
    assert unchanged(X, snap)


@given(dims, dims, densities, seeds, st.sampled_from(sorted(IDF)), st.booleans())
def test_tfidf_matches_dense_reference(n, m, density, seed, method, sublinear):
    X = random_csr(n, m, density, seed)
    D = X.toarray()
    tf = np.where(D > 0, 1 + np.log(np.where(D > 0, D, 1)), 0) if sublinear else D
    W = tf * ref_idf((D != 0).sum(axis=0), n, method)
    check_result(tfidf(X, idf=method, sublinear_tf=sublinear, norm=None), X, W)
    check_result(tfidf(X, idf=method, sublinear_tf=sublinear), X, ref_normalize(W, "l2", 1))


# BM25 ----------------------------------------------------------------------------------
@given(
    dims,
    dims,
    densities,
    seeds,
    st.floats(0.0, 3.0),
    st.floats(0.0, 1.0),
    st.sampled_from(["robertson", "lucene", "log", "smooth"]),
)
def test_bm25_matches_dense_loop(n, m, density, seed, k1, b, method):
    X = random_csr(n, m, density, seed, counts=True)
    snap = snapshot(X)
    out = bm25(X, k1=k1, b=b, idf=method)
    check_result(out, X, ref_bm25(X.toarray(), k1, b, method), atol=1e-9)
    assert unchanged(X, snap)


def test_bm25_known_value():
    # one document of length 3 among two (avgdl = 2), term found in 1 of 2 documents
    X = sp.csr_array(np.array([[2.0, 1.0], [0.0, 1.0]]))
    idf = np.log(1 + (2 - 1 + 0.5) / (1 + 0.5))
    tf_part = 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 3 / 2))
    assert bm25(X, idf="lucene")[0, 0] == pytest.approx(idf * tf_part)


def test_bm25_with_k1_zero_is_idf_only():
    X = sp.csr_array(np.array([[5.0, 1.0, 0.0], [0.0, 2.0, 1.0]]))
    out = bm25(X, k1=0.0, idf="lucene").toarray()
    idf = idf_weights([1, 2, 1], 2, method="lucene")
    np.testing.assert_allclose(out, (X.toarray() > 0) * idf)


def test_bm25_on_empty_matrix():
    for shape in [(0, 0), (2, 3)]:
        out = bm25(sp.csr_array(shape))
        assert out.shape == shape and out.nnz == 0


# confidence ----------------------------------------------------------------------------
@given(dims, dims, densities, seeds, st.floats(0.0, 50.0), st.sampled_from(["one_plus", "linear"]))
def test_confidence_matches_dense(n, m, density, seed, alpha, form):
    X = random_csr(n, m, density, seed, counts=True)
    snap = snapshot(X)
    D = X.toarray()
    expected = np.where(D != 0, (1.0 if form == "one_plus" else 0.0) + alpha * D, 0.0)
    check_result(confidence(X, alpha, form=form), X, expected)
    assert unchanged(X, snap)


@given(
    dims,
    dims,
    densities,
    seeds,
    st.floats(0.0, 50.0),
    st.floats(1e-3, 10.0),
    st.sampled_from(["one_plus", "linear"]),
)
def test_log_scale_matches_dense(n, m, density, seed, alpha, eps, form):
    X = random_csr(n, m, density, seed, counts=True)
    D = X.toarray()
    offset = 1.0 if form == "one_plus" else 0.0
    expected = np.where(D != 0, offset + alpha * np.log(1 + D / eps), 0.0)
    check_result(log_scale(X, alpha, eps, form=form), X, expected)


def test_confidence_keeps_structure_and_float32():
    X = sp.csr_array(np.array([[0, 2], [1, 0], [0, 0]], dtype=np.float32))
    out = confidence(X, alpha=40.0)
    assert out.dtype == np.float32
    assert out.toarray().tolist() == [[0.0, 81.0], [41.0, 0.0], [0.0, 0.0]]
    assert log_scale(X, form="linear").toarray()[0, 1] == pytest.approx(np.log(3.0))


@pytest.mark.parametrize(
    "func",
    [normalize, tfidf, partial(bm25, idf="lucene"), confidence, log_scale, document_frequency],
)
def test_stored_zeros_count_as_absent(func):
    # row 1 stores an explicit zero in column 0: it must not count as an observation
    data, indices, indptr = np.array([2.0, 0.0, 1.0]), np.array([0, 0, 1]), np.array([0, 1, 3])
    with_zero = sp.csr_array((data, indices, indptr), shape=(2, 2))
    without = sp.csr_array(np.array([[2.0, 0.0], [0.0, 1.0]]))
    a, b = func(with_zero), func(without)
    if sp.issparse(a):
        assert a.nnz == b.nnz == 2
        a, b = a.toarray(), b.toarray()
    np.testing.assert_allclose(a, b)


def test_log_scale_old_eps_keyword_warns_and_matches():
    X = sp.csr_array(np.array([[0.0, 2.0], [3.0, 0.0]]))
    with pytest.warns(FutureWarning, match="epsilon"):
        old = log_scale(X, alpha=2.0, eps=0.5)
    new = log_scale(X, alpha=2.0, epsilon=0.5)
    assert np.array_equal(old.toarray(), new.toarray())
    with pytest.raises(InputError, match="both"):
        log_scale(X, epsilon=0.5, eps=0.5)
    with pytest.raises(TypeError, match="unexpected keyword"):
        log_scale(X, epsilonn=0.5)


# --------------------------------------------------------- extreme magnitudes and parameters
@pytest.mark.parametrize("scale", [1e200, 1e-200, 1e300, 1e-300, 1e308 / 4, 5e-324])
@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("axis", [0, 1])
def test_normalize_keeps_rows_beyond_the_square_range(scale, norm, axis):
    """Rows of magnitude above ~1e154 or below ~1e-154 lost everything (the squared norm
    overflowed to inf or underflowed to 0: all-zero rows). Now they are divided by their
    largest magnitude first: the same unit vectors as the plain rows."""
    import warnings

    base = np.array([[1.0, 2.0, 0.0], [0.0, 3.0, 4.0], [2.0, 0.0, 1.0]])
    X = sp.csr_array(base * scale) if scale != 5e-324 else sp.csr_array((base > 0) * scale)
    plain = sp.csr_array(base) if scale != 5e-324 else sp.csr_array((base > 0) * 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = normalize(X, norm, axis=axis)
    np.testing.assert_allclose(
        got.toarray(), normalize(plain, norm, axis=axis).toarray(), rtol=1e-14
    )
    assert got.nnz == X.nnz


def test_normalize_of_ordinary_rows_is_unchanged_bit_for_bit():
    """Only out-of-range rows take the rescaled route; a mixed matrix keeps the plain
    arithmetic (1 / norm, then a product) on the others."""
    X = sp.csr_array(np.array([[3.0, 4.0], [1e200, 2e200], [0.1, 0.7]]))
    got = normalize(X).toarray()
    for r in (0, 2):
        v = X.toarray()[r]
        np.testing.assert_array_equal(got[r], v * (1.0 / np.sqrt((v * v).sum())))


@pytest.mark.parametrize("scale", [1e200, 1e-200, 5e307])
def test_tfidf_rows_of_any_magnitude_are_normalised(scale):
    counts = np.array([[3.0, 0, 1], [2, 0, 0], [3, 0, 0], [4, 0, 0], [3, 2, 0], [3, 0, 2]])
    X = sp.csr_array(counts)
    big = sp.csr_array(counts * np.array([[scale], [1], [1], [1], [1], [1]]))
    np.testing.assert_allclose(tfidf(big).toarray(), tfidf(X).toarray(), rtol=1e-12)


def test_unnormalised_tfidf_that_overflows_is_an_input_error():
    X = sp.csr_array(np.array([[1.7e308, 0.0], [0.0, 1.0], [0.0, 1.0]]))  # idf of 0: 1.69
    with pytest.raises(InputError, match="overflow.*norm='l2'"):
        tfidf(X, norm=None)


def test_bm25_k1_is_bounded():
    """k1=1e308 gave -inf or NaN weights (k1 * length overflowed); it is refused with the
    accepted range, and the largest accepted k1 gives finite weights."""
    X = sp.csr_array(np.array([[1.0, 0, 2], [3, 4, 0]]))
    with pytest.raises(InputError, match=r"k1 must be <= 1000000\.0"):
        bm25(X, k1=1e308)
    assert np.isfinite(bm25(X, k1=1e6).data).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_confidence_that_overflows_is_an_input_error(dtype):
    """confidence(alpha=1e308) returned inf; an alpha whose product overflows the result's
    dtype is refused, naming alpha."""
    X = sp.csr_array(np.array([[1.0, 4.0]], dtype=dtype))
    big = 1e308 if dtype == np.float64 else 1e38
    with pytest.raises(InputError, match="overflow.*alpha="):
        confidence(X, alpha=big)
    with pytest.raises(InputError, match="overflow.*alpha="):
        log_scale(X, alpha=big * 2 if dtype == np.float32 else 1e308, epsilon=1e-300)
    assert np.isfinite(confidence(X, alpha=big / 4).data).all()


def test_stored_zeros_stay_zero_without_warnings():
    # a row whose stored entries are all 0 has norm 0: kept as zeros, no 0/0 (found by the
    # random hypothesis profile after the large-magnitude rescaling of session 14)
    Y = sp.csr_array((np.array([0.0, 3.0, 1e-200]), np.array([0, 1, 0]), np.array([0, 1, 3])),
                     shape=(2, 2))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for norm in ("l1", "l2"):
            out = normalize(Y, norm).toarray()
            assert out[0].tolist() == [0.0, 0.0] and np.isfinite(out).all()
        assert np.isfinite(tfidf(Y).toarray()).all()
        # one film in every row: idf log(1/1) = 0, so the weighted row is all zeros
        one = sp.csr_array(np.array([[2.0]]))
        assert tfidf(one, idf="log").toarray().tolist() == [[0.0]]
