"""Item-based k-nearest-neighbour collaborative filtering, sparse throughout."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._parallel import check_n_jobs
from .._validation import check_bool, check_int, check_option, check_real, lookup_option
from ..exceptions import InputError
from ..sparse._weighting import IDF, K1_MAX, bm25_lengths, idf_of
from ._itemitem import MODE_COSINE, MODE_DOT, ProductTop, SparseItemItem, load_kernel

__all__ = ["ItemKNN"]

# A weighting gives the values of the item vectors twice: on the entries of ``XT`` (items
# x users, the rows of ``W``) and on those of ``X`` (users x items, the rows of ``W^T``),
# both float32, each entry by the arithmetic of ``filmreco.sparse.tfidf`` / ``bm25``
# applied to ``XT`` (items are the documents, users the terms), so ``W^T`` needs no
# transpose of ``W``. Per-user and per-item factors reach the entries by a gather over
# the column indices or a repeat over the rows (no array of row indices); a user's
# document frequency is the length of its row of X (no stored zeros), an item's length
# the sum of its column of X, entry by entry in user order as bm25() sums XT's row.
Pair = tuple[np.ndarray, np.ndarray]


def _none(XT: sp.csr_array, X: sp.csr_array, k1: float, b: float) -> Pair:
    return XT.data, X.data


def _per_row(values: np.ndarray, M: sp.csr_array) -> np.ndarray:
    """``values[row]`` for every stored entry of `M`, in storage order."""
    return np.repeat(values, np.diff(M.indptr))


def _tfidf(XT: sp.csr_array, X: sp.csr_array, k1: float, b: float) -> Pair:
    weights = idf_of(np.diff(X.indptr), XT.shape[0], IDF["plain"])
    a = XT.data.astype(np.float64) * weights[XT.indices]
    w = X.data.astype(np.float64) * _per_row(weights, X)
    return a.astype(np.float32), w.astype(np.float32)


def _bm25(XT: sp.csr_array, X: sp.csr_array, k1: float, b: float) -> Pair:
    from ._itemitem_kernels import bm25_entries

    n_items = XT.shape[0]
    tf = X.data.astype(np.float64)
    lengths = bm25_lengths(np.bincount(X.indices, weights=tf, minlength=n_items), k1, b)
    del tf
    weights = idf_of(np.diff(X.indptr), n_items, IDF["lucene"])
    # one compiled pass per side (the arithmetic of bm25_values, same bits); X and XT are the
    # validated training matrix and its transpose, so every index is in range
    w = bm25_entries(X.indptr, X.indices, X.data, weights, lengths, True, float(k1))
    a = bm25_entries(XT.indptr, XT.indices, XT.data, lengths, weights, False, float(k1))
    return a, w


_WEIGHTING = {"cosine": _none, "tfidf": _tfidf, "bm25": _bm25}


_SIMILARITIES = ("cosine", "dot")

#: Interaction values above this are scaled down by a power of two before a cosine is
#: computed (see ``ItemKNN._fit``): below it no float32 sum of products can overflow for
#: up to a billion users, and the data are used as they are (bit for bit).
_SCALE_ABOVE = 2.0**40


class ItemKNN(SparseItemItem):
    r"""Score an item by its similarity to the films the user has interacted with.

    Items are vectors :math:`w_i` over users (the columns of the interactions, optionally
    re-weighted by tf-idf or BM25, treating items as documents and users as terms so heavy
    users and popular items weigh less). The similarity of items :math:`i, j` is the
    shrunk (asymmetric) cosine

    .. math:: s_{ij} = \frac{w_i^\top w_j}{\|w_i\|^{2a}\,\|w_j\|^{2(1-a)} + h}

    (:math:`a = 1/2` is the cosine; the shrink term :math:`h` damps similarities resting on
    few co-occurrences; Aiolli 2013 for :math:`a \ne 1/2`), or the plain dot product
    :math:`w_i^\top w_j` (``similarity="dot"``, which favours popular items). Each item
    :math:`i` keeps only its `n_neighbors` most similar items, and a user's score for item
    :math:`j` is :math:`\sum_i r_{ui} s_{ij}` over the user's items :math:`i`.

    Parameters
    ----------
    n_neighbors : int, default=100
        Neighbours kept per item (top-K pruning).
    weighting : {"cosine", "tfidf", "bm25"}, default="cosine"
        Re-weighting of the item vectors: none (the raw interactions, as in plain item
        cosine), tf-idf (plain idf over users), or BM25 (Lucene idf).
    similarity : {"cosine", "dot"}, default="cosine"
        Normalised similarity, or the raw dot product of the weighted vectors.
    asymmetry : float, default=0.5
        :math:`a \in [0, 1]` of the cosine; above 1/2 popular neighbours weigh more.
    shrinkage : float, default=0.0
        :math:`h \ge 0` (cosine only).
    k1, b : float, default=1.2, 0.75
        BM25 parameters (``weighting="bm25"`` only; `k1` in ``[0, 1e6]``). On 0/1
        interactions they only rescale each film's vector as a whole, which the cosine
        divides out again: with ``similarity="cosine"`` they change nothing, and
        ``weighting="bm25", similarity="dot"`` is the model of implicit's ``BM25Recommender`` (same `k1`, `b`
        and number of neighbours: NDCG@10 on MovieLens within -0.0002..+0.0015 of it; its
        idf is :math:`\ln\frac{N}{1 + df}`, this one Lucene's).
    n_jobs : int or None, default=None
        Workers for the similarity blocks in :meth:`fit`; see :ref:`n_jobs`. The
        similarity is the same for every value and backend.
    show_progress : bool, default=False
        Show a progress bar over the similarity blocks in :meth:`fit`.

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_array, shape (n_items, n_items)
        Row ``i`` holds the kept neighbours of item ``i`` and their similarities.

    Raises
    ------
    InputError
        From :meth:`fit` with ``similarity="dot"``, when the interaction values are so
        large (about 1e19 and above) that the dot products overflow float32. The cosine
        divides values above 2**40 by a power of two first (the same similarities, with
        the shrinkage scaled alike), so it takes any finite float32 values.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> X = Interactions.from_arrays([0, 0, 1, 1, 2], ["a", "b", "a", "b", "a"])
    >>> ItemKNN().fit(X).recommend([2], n=1)[0].tolist()
    [['b']]
    """

    def __init__(
        self,
        n_neighbors: int = 100,
        *,
        weighting: str = "cosine",
        similarity: str = "cosine",
        asymmetry: float = 0.5,
        shrinkage: float = 0.0,
        k1: float = 1.2,
        b: float = 0.75,
        n_jobs: int | None = None,
        show_progress: bool = False,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weighting = weighting
        self.similarity = similarity
        self.asymmetry = asymmetry
        self.shrinkage = shrinkage
        self.k1 = k1
        self.b = b
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _check_params(self) -> tuple[int, Any, float, float, float, float]:
        k = check_int(self.n_neighbors, "n_neighbors", min_value=1)
        weigh = lookup_option(_WEIGHTING, self.weighting, "weighting")
        check_option(self.similarity, _SIMILARITIES, "similarity")
        asym = check_real(self.asymmetry, "asymmetry", min_value=0.0, max_value=1.0)
        shrink = check_real(self.shrinkage, "shrinkage", min_value=0.0)
        k1 = check_real(self.k1, "k1", min_value=0.0, max_value=K1_MAX)
        b = check_real(self.b, "b", min_value=0.0, max_value=1.0)
        check_n_jobs(self.n_jobs)
        check_bool(self.show_progress, "show_progress")
        return k, weigh, asym, shrink, k1, b

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        k, weigh, asym, shrink, k1, b = self._check_params()
        loading = load_kernel(np.float32)
        n_items = X.shape[1]
        if X.nnz and not X.data.all():  # a stored zero is no interaction (nor a term)
            X = X.copy()
            X.eliminate_zeros()
        cosine = self.similarity == "cosine"
        top = max(float(X.data.max()), -float(X.data.min())) if X.nnz else 0.0
        if cosine and weigh is not _bm25 and top > _SCALE_ABOVE:
            # the dot products of values near 1e19 overflow float32 (a cosine of inf).
            # Cosine and tf-idf are linear in the values: dividing them all by a power of
            # two (exact) and the shrinkage by its square gives the same similarities.
            # (BM25 saturates: its weights stay bounded whatever the values.)
            scale = 2.0 ** (np.floor(np.log2(_SCALE_ABOVE)) - np.ceil(np.log2(top)))
            X = sp.csr_array(
                ((X.data.astype(np.float64) * scale).astype(X.dtype), X.indices, X.indptr),
                shape=X.shape,
            )
            shrink *= scale * scale
        XT = X.T.tocsr()  # items x users
        # float32 item vectors, dot products summed in float32 as implicit does; norms and
        # the division in float64. W's rows are the items, W^T's the users (same values).
        with np.errstate(over="ignore"):  # an overflow of the weights is refused just below
            a_data, b_data = weigh(XT, X, k1, b) if X.nnz else (XT.data, X.data)
        W = sp.csr_array((a_data, XT.indices, XT.indptr), shape=XT.shape)
        Wt = sp.csr_array((b_data, X.indices, X.indptr), shape=X.shape)
        # squared norms summed as scipy sums a row (W's structure is canonical: no check)
        a64 = a_data.astype(np.float64)
        W2 = sp.csr_array((a64 * a64, XT.indices, XT.indptr), shape=XT.shape)
        W2.has_canonical_format = True
        sq = np.asarray(W2.sum(axis=1), dtype=np.float64).reshape(-1)
        del a64, W2
        # |w_i . w_j| <= max ||w||^2 (Cauchy-Schwarz), which bounds every float32 sum of
        # products; NaN (from an infinite weight) fails the test too
        if sq.size and not sq.max() <= np.finfo(np.float32).max:
            raise InputError(
                f"ItemKNN with weighting={self.weighting!r}, similarity={self.similarity!r}: "
                f"interaction values up to {top:.3g} overflow the float32 similarities. "
                "Scale the values down (e.g. Interactions.to_implicit, or a log of them)"
                + ("." if cosine else ", or use similarity='cosine', which rescales them.")
            )
        product = ProductTop(
            W,
            Wt,
            mode=MODE_COSINE if cosine else MODE_DOT,
            left=sq**asym,  # ||w_i||^(2a)
            right=sq ** (1.0 - asym),  # ||w_j||^(2(1-a))
            shrink=shrink,
        )
        loading.join()  # the compiled loop is loaded (or failed: the first block says why)
        self._keep_top(product, n_items, k)
