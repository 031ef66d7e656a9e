"""Score matrices against loop references: BM25F, per-field BM25, tf-idf cosine."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from filmreco.search._bm25 import score_matrix


@st.composite
def field_counts(draw):
    n_docs = draw(st.integers(1, 6))
    n_terms = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    out = {}
    for f in ("title", "text"):
        dense = rng.integers(0, 4, size=(n_docs, n_terms)) * (rng.random((n_docs, n_terms)) < 0.5)
        out[f] = sp.csr_array(dense.astype(np.float32))
    return out


def _lucene_idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _reference_bm25f(tf, boosts, k1, b):
    """Robertson-Zaragoza-Taylor BM25F, one (term, document) at a time."""
    fields = list(tf)
    n_docs, n_terms = tf[fields[0]].shape
    dense = {f: tf[f].toarray().astype(float) for f in fields}
    avg = {f: dense[f].sum() / n_docs for f in fields}
    out = np.zeros((n_terms, n_docs))
    for t in range(n_terms):
        df = sum(1 for d in range(n_docs) if any(dense[f][d, t] > 0 for f in fields))
        if df == 0:
            continue
        idf = _lucene_idf(df, n_docs)
        for d in range(n_docs):
            x = 0.0
            for f in fields:
                if avg[f] == 0 or dense[f][d, t] == 0:
                    continue
                length = dense[f][d].sum()
                x += boosts[f] * dense[f][d, t] / (1 - b[f] + b[f] * length / avg[f])
            out[t, d] = idf * x * (k1 + 1) / (k1 + x) if x > 0 else 0.0
    return out


def _reference_bm25_sum(tf, boosts, k1, b):
    fields = list(tf)
    n_docs, n_terms = tf[fields[0]].shape
    out = np.zeros((n_terms, n_docs))
    for f in fields:
        x = tf[f].toarray().astype(float)
        if x.sum() == 0:
            continue
        avg = x.sum() / n_docs
        for t in range(n_terms):
            df = int((x[:, t] > 0).sum())
            if df == 0:
                continue
            idf = _lucene_idf(df, n_docs)
            for d in range(n_docs):
                if x[d, t] > 0:
                    norm = 1 - b[f] + b[f] * x[d].sum() / avg
                    out[t, d] += boosts[f] * idf * x[d, t] * (k1[f] + 1) / (x[d, t] + k1[f] * norm)
    return out


BOOSTS = {"title": 3.0, "text": 0.5}


@given(field_counts(), st.floats(0.1, 3.0), st.floats(0.0, 1.0))
def test_bm25f_matches_reference(tf, k1, b_title):
    b = {"title": b_title, "text": 0.75}
    got = score_matrix(tf, ranking="bm25", boosts=BOOSTS, k1=k1, b=b).matrix.toarray()
    np.testing.assert_allclose(got, _reference_bm25f(tf, BOOSTS, k1, b), rtol=1e-5, atol=1e-6)


@given(field_counts(), st.floats(0.1, 3.0))
def test_bm25_sum_matches_reference(tf, k1_title):
    k1 = {"title": k1_title, "text": 1.2}
    b = {"title": 0.3, "text": 0.75}
    got = score_matrix(tf, ranking="bm25-sum", boosts=BOOSTS, k1=k1, b=b).matrix.toarray()
    np.testing.assert_allclose(got, _reference_bm25_sum(tf, BOOSTS, k1, b), rtol=1e-5, atol=1e-6)


@given(field_counts())
def test_tfidf_columns_are_unit_cosine_vectors(tf):
    out = score_matrix(tf, ranking="tfidf", boosts=BOOSTS, k1=1.2, b={"title": 0, "text": 0})
    M = out.matrix.toarray()
    # reference: sublinear tf of the boost-weighted counts, smooth idf, unit L2 norm per doc
    W = sum(BOOSTS[f] * tf[f].toarray().astype(float) for f in tf)
    n_docs = W.shape[0]
    df = (W > 0).sum(axis=0)
    idf = np.where(df > 0, np.log((1 + n_docs) / (1 + df)) + 1, 0.0)
    V = np.where(W > 0, (1 + np.log(np.where(W > 0, W, 1))) * idf, 0.0)
    norms = np.linalg.norm(V, axis=1, keepdims=True)
    V = np.divide(V, norms, out=np.zeros_like(V), where=norms > 0)
    np.testing.assert_allclose(M, V.T, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.idf[df > 0], idf[df > 0], rtol=1e-12)


def test_score_matrix_is_float32_canonical():
    X = sp.csr_array(np.array([[2.0, 0.0], [0.0, 1.0]]))
    S = score_matrix(
        {"title": X}, ranking="bm25", boosts={"title": 1.0}, k1=1.2, b={"title": 0.75}
    ).matrix
    assert S.dtype == np.float32 and S.has_canonical_format
    assert S.shape == (2, 2)


@pytest.mark.parametrize("ranking", ["bm25", "bm25-sum", "tfidf"])
def test_empty_collection(ranking):
    X = sp.csr_array((0, 3), dtype=np.float32)
    S = score_matrix(
        {"title": X},
        ranking=ranking,
        boosts={"title": 1.0},
        k1={"title": 1.2} if ranking == "bm25-sum" else 1.2,
        b={"title": 0.75},
    ).matrix
    assert S.shape == (3, 0) and S.nnz == 0
