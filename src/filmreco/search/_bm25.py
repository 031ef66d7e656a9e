r"""Eager score matrices: every (term, document) score computed once, at indexing time.

A query's score of a document is then a sum of rows of one sparse ``terms × docs`` matrix
per channel — a gather and a sum for one query, one sparse product for a batch (the
approach of bm25s, which stores a CSC score matrix).

Rankings (chosen by name, :data:`RANKINGS`):

- ``"bm25"`` with ``combine="bm25f"`` (default): BM25F (Robertson, Zaragoza & Taylor [1]_;
  Robertson & Zaragoza [2]_, section 3.2). The field term frequencies are length-normalised
  per field, weighted by the field boosts and summed *before* the saturation, so a term
  repeated in several fields does not count as several independent matches:

  .. math::
      \tilde{x}_{dt} = \sum_f w_f \frac{x_{dft}}{1 - b_f + b_f\,|d_f| / \overline{|d_f|}},
      \qquad
      s_{dt} = \mathrm{idf}(t)\,\frac{\tilde{x}_{dt}\,(k_1 + 1)}{k_1 + \tilde{x}_{dt}}

  with Lucene's idf :math:`\ln(1 + \frac{N - df_t + 0.5}{df_t + 0.5})` over the documents
  holding the term in any field (:func:`filmreco.sparse.idf_weights`).
- ``"bm25"`` with ``combine="sum"``: one BM25 per field (:func:`filmreco.sparse.bm25`, its
  own :math:`k_1`, :math:`b` and idf), weighted by the boosts and summed.
- ``"tfidf"``: cosine similarity of tf-idf vectors of the boost-weighted term counts
  (:func:`filmreco.sparse.tfidf`, sublinear tf, smooth idf, L2 norm); the query's term
  weights are multiplied by the same idf and normalised (see :func:`query_weights`).

References
----------
.. [1] S. Robertson, H. Zaragoza and M. Taylor, "Simple BM25 extension to multiple weighted
   fields", CIKM 2004.
.. [2] S. Robertson and H. Zaragoza, "The Probabilistic Relevance Framework: BM25 and
   Beyond", Foundations and Trends in Information Retrieval 3(4), 2009.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from ..sparse import bm25, idf_weights, row_indices, tfidf

__all__ = ["RANKINGS", "ChannelScores", "score_matrix"]


class ChannelScores(NamedTuple):
    """The score matrix of one channel.

    Attributes
    ----------
    matrix : scipy.sparse.csr_array, shape (n_terms, n_docs)
        Score of each document for each term (float32).
    idf : numpy.ndarray or None
        Per-term idf used to weight a query (tf-idf ranking only).
    """

    matrix: sp.csr_array
    idf: np.ndarray | None


def _weighted_tf(
    tf: Mapping[str, sp.csr_array], boosts: Mapping[str, float], b: Mapping[str, float]
) -> sp.csr_array:
    """Sum over fields of boost × length-normalised counts (docs × terms, float64)."""
    total: sp.csr_array | None = None
    for f, X in tf.items():
        X64 = sp.csr_array(X, dtype=np.float64, copy=True)
        n_docs = X64.shape[0]
        lengths = np.bincount(row_indices(X64), weights=X64.data, minlength=n_docs)
        avg = float(lengths.sum()) / max(n_docs, 1)
        if avg <= 0:
            continue
        row = row_indices(X64)  # rows with entries have a positive length, so norm > 0
        X64.data *= boosts[f] / (1.0 - b[f] + b[f] * lengths[row] / avg)
        total = X64 if total is None else total + X64
    return total if total is not None else sp.csr_array(_empty_shape(tf), dtype=np.float64)


def _empty_shape(tf: Mapping[str, sp.csr_array]) -> tuple[int, int]:
    X = next(iter(tf.values()))
    return X.shape


def _bm25f(tf: Mapping[str, sp.csr_array], p: Mapping[str, Any]) -> ChannelScores:
    W = _weighted_tf(tf, p["boosts"], p["b"])
    n_docs = W.shape[0]
    k1 = float(p["k1"])
    df = np.bincount(W.indices, minlength=W.shape[1])
    idf = idf_weights(df, n_docs, method="lucene")
    W.data = idf[W.indices] * W.data * (k1 + 1.0) / (k1 + W.data)
    return ChannelScores(_transpose(W), None)


def _bm25_sum(tf: Mapping[str, sp.csr_array], p: Mapping[str, Any]) -> ChannelScores:
    total: sp.csr_array | None = None
    for f, X in tf.items():
        if X.nnz == 0:
            continue
        S = bm25(X, k1=p["k1"][f], b=p["b"][f], idf="lucene").astype(np.float64)
        S.data *= p["boosts"][f]
        total = S if total is None else total + S
    if total is None:
        total = sp.csr_array(_empty_shape(tf), dtype=np.float64)
    return ChannelScores(_transpose(total), None)


def _tfidf(tf: Mapping[str, sp.csr_array], p: Mapping[str, Any]) -> ChannelScores:
    total: sp.csr_array | None = None
    for f, X in tf.items():
        Y = sp.csr_array(X, dtype=np.float64) * p["boosts"][f]
        total = Y if total is None else total + Y
    assert total is not None
    total.sum_duplicates()
    n_docs = total.shape[0]
    df = np.bincount(total.indices, minlength=total.shape[1])
    idf = idf_weights(df, n_docs, method="smooth")
    T = tfidf(total, idf="smooth", sublinear_tf=True, norm="l2") if total.nnz else total
    return ChannelScores(_transpose(T), idf)


def _transpose(W: sp.csr_array) -> sp.csr_array:
    """``docs × terms`` (float64) -> canonical ``terms × docs`` float32 CSR."""
    T = sp.csr_array(W.T.tocsr(), dtype=np.float32)
    T.eliminate_zeros()
    T.sort_indices()
    return T


#: Ranking functions by name: ``(counts per field, params) -> ChannelScores``.
RANKINGS = {"bm25": _bm25f, "bm25-sum": _bm25_sum, "tfidf": _tfidf}


def score_matrix(
    tf: Mapping[str, sp.csr_array],
    *,
    ranking: str,
    boosts: Mapping[str, float],
    k1: Any,
    b: Mapping[str, float],
) -> ChannelScores:
    """Score matrix of one channel from its per-field ``docs × terms`` counts.

    Parameters
    ----------
    tf : mapping of field to scipy.sparse.csr_array
        Same shape for every field; at least one field.
    ranking : {"bm25", "bm25-sum", "tfidf"}
    boosts : mapping of field to float
    k1 : float (``"bm25"``) or mapping of field to float (``"bm25-sum"``)
    b : mapping of field to float

    Returns
    -------
    ChannelScores

    Examples
    --------
    >>> X = sp.csr_array(np.array([[2.0, 0.0], [0.0, 1.0]]))
    >>> s = score_matrix({"title": X}, ranking="bm25", boosts={"title": 1.0}, k1=1.2,
    ...                  b={"title": 0.75})
    >>> s.matrix.toarray().astype(float).round(3).tolist()
    [[0.871, 0.0], [0.0, 0.803]]
    """
    return RANKINGS[ranking](tf, {"boosts": boosts, "k1": k1, "b": b})


def query_weights(scores: ChannelScores, term_ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-term query weights: as given for BM25; tf-idf weighted and L2-normalised for tf-idf."""
    if scores.idf is None or term_ids.size == 0:
        return weights
    w = weights * scores.idf[term_ids]
    norm = float(np.sqrt((w * w).sum()))
    return w / norm if norm > 0 else w
