"""Weighting and normalisation of sparse matrices (tf-idf, BM25, confidence, norms).

Every function takes any scipy sparse input, leaves it untouched and returns a new
canonical :class:`scipy.sparse.csr_array` without explicit zeros: stored zeros of the
input are treated as absent, and entries whose weight comes out as exactly zero are
dropped. The work is one vectorised pass over ``X.data``; per-row quantities come from
:func:`numpy.bincount` over the row of every entry, per-column ones over ``X.indices``.
Float32 and float64 input keep their dtype; any other real input becomes float32.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._validation import (
    as_array,
    check_bool,
    check_csr,
    check_int,
    check_real,
    lookup_option,
    user_stacklevel,
)
from ..exceptions import InputError, InputTypeError
from ._build import row_indices

__all__ = [
    "CONFIDENCE_FORMS",
    "IDF",
    "NORMS",
    "bm25",
    "confidence",
    "document_frequency",
    "idf_weights",
    "log_scale",
    "normalize",
    "tfidf",
]


# helpers ---------------------------------------------------------------------------------
def _prepare(X: Any, name: str, *, nonnegative: bool = False) -> sp.csr_array:
    """A canonical float copy of `X` without explicit zeros (the input is never shared)."""
    dtype = None
    if sp.issparse(X):
        if X.dtype in (np.float32, np.float64):
            dtype = X.dtype
        elif X.dtype.kind in "biuf":
            dtype = np.dtype(np.float32)
        else:
            raise InputTypeError(f"{name} must hold real numbers, got dtype {X.dtype}.")
    Y = check_csr(X, name, dtype=dtype, nonnegative=nonnegative, copy=True)
    Y.eliminate_zeros()
    return Y


def _finish(Y: sp.csr_array, data: np.ndarray, overflow: str | None = None) -> sp.csr_array:
    """Store `data` (one value per entry of `Y`) in `Y`, dropping entries that became zero.

    With `overflow` (a phrase naming the parameters that scale the values, and the fix),
    values that are infinite or NaN in `Y`'s dtype raise an InputError saying so: the
    input is finite, so such values overflowed (the one extra pass over the values).
    """
    out = np.asarray(data)
    with np.errstate(over="ignore", invalid="ignore"):
        out = out.astype(Y.dtype, copy=False)
    if overflow is not None and not np.isfinite(out).all():
        top = float(np.abs(Y.data).max()) if Y.nnz else 0.0
        raise InputError(
            f"the weights overflow {Y.dtype} (values of X up to {top:.3g}) with {overflow}."
        )
    Y.data = out
    Y.eliminate_zeros()
    Y.has_canonical_format = True
    return Y


def _group_sum(groups: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    # np.bincount of an empty input is int64 even with float weights: cast.
    return np.bincount(groups, weights=weights, minlength=n).astype(np.float64, copy=False)


def _norm_l1(values: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    return _group_sum(groups, np.abs(values.astype(np.float64)), n)


def _norm_l2(values: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    v = values.astype(np.float64)
    return np.sqrt(_group_sum(groups, v * v, n))


#: Norms accepted by :func:`normalize` (and the ``norm`` of :func:`tfidf`).
NORMS: dict[str, Callable[[np.ndarray, np.ndarray, int], np.ndarray]] = {
    "l1": _norm_l1,
    "l2": _norm_l2,
}


#: Norms in this range are computed without losing precision: the squares of the largest
#: value of the group neither overflow nor fall into float64's subnormals.
_SAFE_NORM = {"l1": (1e-290, 1e290), "l2": (1e-145, 1e145)}


def _unit(values: np.ndarray, groups: np.ndarray, n: int, norm: str) -> np.ndarray:
    """`values` divided by the `norm` of their group (row or column), as float64.

    The norm of a group whose magnitudes lie beyond about 1e145 (or below 1e-145) would
    overflow to inf (or underflow to 0) while squaring or summing, and the group would come
    out as zeros; those groups alone are divided by their largest magnitude first (the same
    unit vector, up to rounding). Other groups take the plain arithmetic, bit for bit.
    """
    v = values.astype(np.float64, copy=False)
    with np.errstate(over="ignore", under="ignore"):  # such groups are done again below
        size = NORMS[norm](v, groups, n)
    lo, hi = _SAFE_NORM[norm]
    bad = ~((size > lo) & (size < hi))
    inv = np.divide(1.0, size, out=np.ones_like(size), where=~bad)
    out = v * inv[groups]
    if bad.any():
        sel = bad[groups]
        if sel.any():
            top = np.zeros(n)
            np.maximum.at(top, groups[sel], np.abs(v[sel]))
            sel &= top[groups] > 0  # an all-zero group stays zeros (nothing to scale)
        if sel.any():
            g = groups[sel]
            scaled = v[sel] / top[g]  # in [-1, 1], the largest of each group is +-1
            out[sel] = scaled / NORMS[norm](scaled, g, n)[g]
    return out


def _scale_rows(Y: sp.csr_array, values: np.ndarray, norm: str) -> np.ndarray:
    """`values` (per entry of `Y`) divided by the `norm` of their row."""
    return _unit(values, row_indices(Y), Y.shape[0], norm)


# normalisation ---------------------------------------------------------------------------
def normalize(X: Any, norm: str = "l2", axis: int = 1) -> sp.csr_array:
    """Scale every row (or column) of a sparse matrix to unit L1 or L2 norm.

    Parameters
    ----------
    X : scipy sparse matrix or array
        Any format; it is not modified.
    norm : {"l1", "l2"}, default="l2"
        ``"l1"`` divides by the sum of absolute values, ``"l2"`` by the Euclidean norm.
    axis : {0, 1}, default=1
        ``1`` normalises rows, ``0`` columns.

    Returns
    -------
    scipy.sparse.csr_array
        Same shape and sparsity; empty rows (columns) stay empty.

    Raises
    ------
    TypeError
        If `X` is not a scipy sparse matrix or array.
    InputError
        If `norm` or `axis` is not supported, or `X` holds NaN or infinity.

    Examples
    --------
    >>> X = sp.csr_array(np.array([[3.0, 4.0], [0.0, 0.0], [0.0, 2.0]]))
    >>> normalize(X).toarray().tolist()
    [[0.6, 0.8], [0.0, 0.0], [0.0, 1.0]]
    >>> normalize(X, "l1", axis=0).toarray().round(3).tolist()
    [[1.0, 0.667], [0.0, 0.0], [0.0, 0.333]]
    """
    lookup_option(NORMS, norm, "norm")
    axis = check_int(axis, "axis", min_value=0, max_value=1)
    Y = _prepare(X, "X")
    if axis == 1:
        return _finish(Y, _scale_rows(Y, Y.data, norm))
    return _finish(Y, _unit(Y.data, Y.indices, Y.shape[1], norm))


# inverse document frequency --------------------------------------------------------------
def _idf_smooth(df: np.ndarray, n: int) -> np.ndarray:
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def _idf_plain(df: np.ndarray, n: int) -> np.ndarray:
    return np.log(n / df) + 1.0


def _idf_log(df: np.ndarray, n: int) -> np.ndarray:
    return np.log(n / df)


def _idf_robertson(df: np.ndarray, n: int) -> np.ndarray:
    return np.log((n - df + 0.5) / (df + 0.5))


def _idf_lucene(df: np.ndarray, n: int) -> np.ndarray:
    return np.log1p((n - df + 0.5) / (df + 0.5))


def _idf_none(df: np.ndarray, n: int) -> np.ndarray:
    return np.ones_like(df)


#: Inverse-document-frequency variants accepted by :func:`idf_weights`, :func:`tfidf`
#: and :func:`bm25` (see :func:`idf_weights` for the formulas).
IDF: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "smooth": _idf_smooth,
    "plain": _idf_plain,
    "log": _idf_log,
    "robertson": _idf_robertson,
    "lucene": _idf_lucene,
    "none": _idf_none,
}


def document_frequency(X: Any) -> np.ndarray:
    """Number of rows (documents) in which each column (term) has a non-zero entry.

    Parameters
    ----------
    X : scipy sparse matrix or array
        Documents × terms; explicit zeros are not counted.

    Returns
    -------
    numpy.ndarray of int64, shape (n_cols,)

    Examples
    --------
    >>> document_frequency(sp.csr_array(np.array([[1, 0, 2], [3, 0, 0]]))).tolist()
    [2, 0, 1]
    """
    Y = _prepare(X, "X")
    return np.bincount(Y.indices, minlength=Y.shape[1]).astype(np.int64)


def idf_weights(df: Any, n_docs: int, *, method: str = "smooth") -> np.ndarray:
    r"""Inverse document frequency of terms from their document frequencies.

    With :math:`N` documents and a term found in :math:`df` of them (natural logs):

    - ``"smooth"``: :math:`\ln\frac{1+N}{1+df} + 1` (scikit-learn's ``smooth_idf=True``);
    - ``"plain"``: :math:`\ln\frac{N}{df} + 1` (scikit-learn's ``smooth_idf=False``);
    - ``"log"``: :math:`\ln\frac{N}{df}` (Spärck Jones's idf; the one ATIRE's BM25 uses);
    - ``"robertson"``: :math:`\ln\frac{N - df + 0.5}{df + 0.5}` (Robertson & Zaragoza [1]_);
    - ``"lucene"``: :math:`\ln\left(1 + \frac{N - df + 0.5}{df + 0.5}\right)` (Lucene's
      BM25, as catalogued by Kamphuis et al. [2]_);
    - ``"none"``: :math:`1`.

    A term found in no document (:math:`df = 0`) gets idf 0: it has no entries to weight.
    ``robertson`` is negative for terms in more than half of the documents (and 0 at
    exactly half); ``log`` is 0 for terms in every document. ``lucene`` is always positive.

    Parameters
    ----------
    df : array-like of int
        Document frequencies, each in ``[0, n_docs]``.
    n_docs : int
        Number of documents :math:`N`.
    method : str, default="smooth"
        One of the keys of :data:`IDF`.

    Returns
    -------
    numpy.ndarray of float64

    Raises
    ------
    InputError
        If `method` is unknown or a frequency lies outside ``[0, n_docs]``.

    References
    ----------
    .. [1] S. Robertson and H. Zaragoza, "The Probabilistic Relevance Framework: BM25 and
       Beyond", Foundations and Trends in Information Retrieval 3(4), 2009.
    .. [2] C. Kamphuis, A. de Vries, L. Boytsov and J. Lin, "Which BM25 Do You Mean? A
       Large-Scale Reproducibility Study of Scoring Variants", ECIR 2020 (Lucene's idf).

    Examples
    --------
    >>> idf_weights([1, 2, 0], 2, method="plain").round(4).tolist()
    [1.6931, 1.0, 0.0]
    >>> idf_weights([1, 2], 2, method="lucene").round(4).tolist()
    [0.6931, 0.1823]
    """
    func = lookup_option(IDF, method, "method")
    n = check_int(n_docs, "n_docs", min_value=0)
    d = as_array(df, "df")
    if d.dtype.kind not in "iuf" or d.ndim != 1:
        raise InputError(f"df must be a 1-D array of counts, got dtype {d.dtype}, shape {d.shape}.")
    d = d.astype(np.float64)
    if d.size and (d.min() < 0 or d.max() > n or not np.isfinite(d).all()):
        raise InputError(f"df must lie in [0, n_docs={n}], got values in [{d.min()}, {d.max()}].")
    out = np.zeros(d.size, dtype=np.float64)
    seen = d > 0
    out[seen] = func(d[seen], n)
    return out


# tf-idf and BM25 -------------------------------------------------------------------------
def tfidf(
    X: Any, *, idf: str = "smooth", sublinear_tf: bool = False, norm: str | None = "l2"
) -> sp.csr_array:
    r"""Tf-idf weights of a documents × terms count matrix (users × items works the same).

    Each stored entry :math:`x_{dt}` becomes :math:`\mathrm{tf}(x_{dt})\,\mathrm{idf}(t)`
    with :math:`\mathrm{tf}(x) = x`, or :math:`1 + \ln x` when `sublinear_tf`, and idf
    from :func:`idf_weights` with :math:`N` = number of rows and :math:`df` = number of
    rows where the column is non-zero. Each row is then scaled to unit `norm`. With
    ``idf="smooth"`` (:math:`\ln\frac{1+N}{1+df}+1`) or ``"plain"``
    (:math:`\ln\frac{N}{df}+1`) the result equals scikit-learn's
    :class:`~sklearn.feature_extraction.text.TfidfTransformer` with ``smooth_idf=True``
    or ``False`` (same `norm` and `sublinear_tf`).

    Parameters
    ----------
    X : scipy sparse matrix or array
        Non-negative counts or weights, rows are documents; not modified.
    idf : str, default="smooth"
        An idf variant, one of the keys of :data:`IDF`.
    sublinear_tf : bool, default=False
        Use :math:`1 + \ln x` instead of :math:`x` (entries below 1 then shrink, and an
        entry of exactly 1 is kept at 1).
    norm : {"l2", "l1"} or None, default="l2"
        Row normalisation applied last; None keeps the raw products.

    Returns
    -------
    scipy.sparse.csr_array
        Same shape; entries whose weight is exactly 0 (e.g. ``idf="log"`` for a term in
        every document) are not stored.

    Raises
    ------
    InputError
        On negative, NaN or infinite entries, an unknown `idf` or `norm`, or (with
        ``norm=None``) weights that overflow the dtype of the result. With a norm any
        finite magnitudes work: rows are rescaled before they could overflow or underflow.

    Examples
    --------
    >>> counts = [[3, 0, 1], [2, 0, 0], [3, 0, 0], [4, 0, 0], [3, 2, 0], [3, 0, 2]]
    >>> X = sp.csr_array(np.array(counts, dtype=np.float64))
    >>> tfidf(X).toarray()[[0, 4]].round(4).tolist()
    [[0.8515, 0.0, 0.5243], [0.5542, 0.8324, 0.0]]
    """
    func = lookup_option(IDF, idf, "idf")
    if norm is not None:
        lookup_option(NORMS, norm, "norm")
    Y = _prepare(X, "X", nonnegative=True)
    weights = idf_of(np.bincount(Y.indices, minlength=Y.shape[1]), Y.shape[0], func)
    tf = Y.data.astype(np.float64)
    if check_bool(sublinear_tf, "sublinear_tf"):
        tf = np.log(tf) + 1.0
    row = row_indices(Y) if norm is not None else None
    if row is not None and tf.size and float(tf.max()) * float(weights.max()) > 1e300:
        # tf * idf would overflow; the row norm divides out any per-row scale of tf
        top = np.zeros(Y.shape[0])
        np.maximum.at(top, row, tf)
        tf = tf / top[row]
    with np.errstate(over="ignore"):  # refused in _finish (norm=None)
        values = tf * weights[Y.indices]
    if row is not None and norm is not None:
        values = _unit(values, row, Y.shape[0], norm)
    return _finish(Y, values, "norm=None; pass norm='l2' (which rescales) or scale X down")


#: Largest `k1` of :func:`bm25` (and ItemKNN's BM25). Usual values are 1.2 to 2; far above
#: the counts, the weight is the count over the length factor and `k1` no longer matters,
#: while ``k1 * length`` and ``count * (k1 + 1)`` head for overflow (NaN weights at 1e308).
K1_MAX = 1e6


def bm25(X: Any, *, k1: float = 1.2, b: float = 0.75, idf: str = "robertson") -> sp.csr_array:
    r"""Okapi BM25 weight of every (document, term) entry of a term-count matrix.

    For a document :math:`d` of length :math:`|d| = \sum_t x_{dt}` and the average
    length :math:`\overline{|d|}` over all :math:`N` rows, each stored count
    :math:`x = x_{dt}` becomes

    .. math::
        w_{dt} = \mathrm{idf}(t)\,\frac{x\,(k_1 + 1)}{x + k_1\,(1 - b + b\,|d| / \overline{|d|})}

    (Robertson & Zaragoza [1]_), with idf from :func:`idf_weights`. A query's
    BM25 score of a document is then the sum of :math:`w_{dt}` over the query terms
    :math:`t`, i.e. a column gather and a row sum of the returned matrix.

    Parameters
    ----------
    X : scipy sparse matrix or array
        Documents × terms, non-negative term counts; not modified.
    k1 : float, default=1.2
        Term-frequency saturation, in ``[0, 1e6]`` (0 makes the weight binary: idf only).
    b : float, default=0.75
        Length normalisation in ``[0, 1]`` (0: none, 1: full).
    idf : str, default="robertson"
        An idf variant, one of the keys of :data:`IDF`: ``"robertson"``
        (:math:`\ln\frac{N-df+0.5}{df+0.5}`, negative for terms in over half the
        documents) or ``"lucene"`` (:math:`\ln(1+\frac{N-df+0.5}{df+0.5})`, always
        positive) are the usual choices.

    Returns
    -------
    scipy.sparse.csr_array
        Same shape; entries whose weight is exactly 0 are not stored.

    Raises
    ------
    InputError
        On negative, NaN or infinite counts, `k1` outside ``[0, 1e6]``, `b` outside
        ``[0, 1]``, an unknown `idf`, or weights that overflow (counts near the largest
        float).

    References
    ----------
    .. [1] S. Robertson and H. Zaragoza, "The Probabilistic Relevance Framework: BM25 and
       Beyond", Foundations and Trends in Information Retrieval 3(4), 2009.

    Examples
    --------
    >>> X = sp.csr_array(np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 3.0]]))
    >>> bm25(X, idf="lucene").toarray().round(3).tolist()
    [[1.303, 0.447, 0.0], [0.0, 0.524, 0.524], [0.0, 0.0, 0.719]]
    """
    k1 = check_real(k1, "k1", min_value=0.0, max_value=K1_MAX)
    b = check_real(b, "b", min_value=0.0, max_value=1.0)
    func = lookup_option(IDF, idf, "idf")
    Y = _prepare(X, "X", nonnegative=True)
    if Y.nnz == 0:
        return Y
    n_docs = Y.shape[0]
    row = row_indices(Y)
    tf = Y.data.astype(np.float64)
    lengths = bm25_lengths(_group_sum(row, tf, n_docs), k1, b)
    weights = idf_of(np.bincount(Y.indices, minlength=Y.shape[1]), n_docs, func)
    with np.errstate(over="ignore", invalid="ignore"):  # refused in _finish
        values = bm25_values(tf, weights[Y.indices], lengths[row], k1)
    return _finish(Y, values, f"k1={k1!r}; scale the counts down")


# The pieces of bm25 and tfidf, private to filmreco: a caller holding a matrix and its
# transpose (ItemKNN) weighs both with them, bit for bit as bm25() / tfidf() weigh one.
def idf_of(df: np.ndarray, n_docs: int, idf: Callable[[np.ndarray, int], np.ndarray]) -> np.ndarray:
    """`idf` (a function of :data:`IDF`) of terms found in `df` documents each (float64;
    0 for a term in no document)."""
    df = np.asarray(df, dtype=np.float64)
    weights = np.zeros(df.size, dtype=np.float64)
    seen = df > 0
    weights[seen] = idf(df[seen], n_docs)
    return weights


def bm25_lengths(doc_len: np.ndarray, k1: float, b: float) -> np.ndarray:
    """``k1 * (1 - b + b * |d| / avg |d|)`` of each document from its length (float64;
    the lengths summed entry by entry in storage order, as :func:`bm25` sums them)."""
    avg_len = doc_len.mean()  # > 0: there is at least one positive count
    return k1 * (1.0 - b + b * (doc_len / avg_len))


def bm25_values(tf: np.ndarray, weight: np.ndarray, length: np.ndarray, k1: float) -> np.ndarray:
    """BM25 weights (float64) of entries with counts `tf`, their term's idf `weight` and
    their document's :func:`bm25_lengths` factor `length` (one value per entry each)."""
    # weight * tf * (k1 + 1) / (tf + length), in place
    out = weight * tf
    out *= k1 + 1.0
    length = length + tf
    out /= length
    return out


# implicit-feedback confidence ------------------------------------------------------------
#: Forms of :func:`confidence` and :func:`log_scale`: ``c = 1 + f(x)`` or ``c - 1 = f(x)``.
_FORMS = {"one_plus": 1.0, "linear": 0.0}
CONFIDENCE_FORMS = tuple(_FORMS)


def confidence(X: Any, alpha: float = 1.0, *, form: str = "one_plus") -> sp.csr_array:
    r"""Confidence weights :math:`c = 1 + \alpha x` of implicit feedback (Hu et al. [1]_).

    Parameters
    ----------
    X : scipy sparse matrix or array
        Non-negative observations :math:`x` (play counts, watch minutes, ...); only stored
        entries are transformed (absent cells keep the implicit confidence 1 of the model).
    alpha : float, default=1.0
        Confidence growth rate :math:`\alpha \ge 0` (Hu et al. use 40).
    form : {"one_plus", "linear"}, default="one_plus"
        ``"one_plus"`` returns :math:`1 + \alpha x`; ``"linear"`` returns
        :math:`\alpha x` = :math:`c - 1`, the form implicit-ALS solvers consume
        (with ``alpha=0`` it is all zero, so nothing is stored).

    Returns
    -------
    scipy.sparse.csr_array

    Raises
    ------
    InputError
        On negative, NaN or infinite entries, a negative `alpha`, an unknown `form`, or
        when :math:`\alpha x` overflows the dtype of the result (float32 unless `X` is
        float64).

    References
    ----------
    .. [1] Y. Hu, Y. Koren and C. Volinsky, "Collaborative Filtering for Implicit Feedback
       Datasets", ICDM 2008, section 4.

    Examples
    --------
    >>> X = sp.csr_array(np.array([[0.0, 2.0], [1.0, 0.0]]))
    >>> confidence(X, alpha=40).toarray().tolist()
    [[0.0, 81.0], [41.0, 0.0]]
    >>> confidence(X, alpha=40, form="linear").toarray().tolist()
    [[0.0, 80.0], [40.0, 0.0]]
    """
    alpha = check_real(alpha, "alpha", min_value=0.0)
    offset = lookup_option(_FORMS, form, "form")
    Y = _prepare(X, "X", nonnegative=True)
    with np.errstate(over="ignore"):  # refused in _finish
        values = offset + alpha * Y.data.astype(np.float64)
    return _finish(Y, values, f"alpha={alpha!r}; use a smaller alpha (Hu et al. use 40)")


def log_scale(
    X: Any,
    alpha: float = 1.0,
    epsilon: float = 1.0,
    *,
    form: str = "one_plus",
    **deprecated: Any,
) -> sp.csr_array:
    r"""Logarithmic confidence :math:`c = 1 + \alpha \ln(1 + x/\epsilon)` (Hu et al. [1]_).

    Parameters
    ----------
    X : scipy sparse matrix or array
        Non-negative observations; only stored entries are transformed.
    alpha : float, default=1.0
        Scale :math:`\alpha \ge 0`.
    epsilon : float, default=1.0
        :math:`\epsilon > 0`; the log grows once :math:`x` passes about :math:`\epsilon`.
        The same name as the log-confidence offset of
        :class:`~filmreco.recommend.ALS`.
    form : {"one_plus", "linear"}, default="one_plus"
        ``"one_plus"`` returns :math:`c`, ``"linear"`` returns :math:`c - 1`.
    **deprecated
        ``eps=`` is the old name of `epsilon`: still accepted for one release with a
        :class:`FutureWarning`; pass ``epsilon=`` instead.

    Returns
    -------
    scipy.sparse.csr_array

    Raises
    ------
    InputError
        On negative, NaN or infinite entries, a negative `alpha`, ``epsilon <= 0``, an
        unknown `form`, an unknown keyword, both ``epsilon=`` and ``eps=``, or when the
        result overflows its dtype (float32 unless `X` is float64).

    Warns
    -----
    FutureWarning
        When the deprecated ``eps=`` keyword is used.

    References
    ----------
    .. [1] Y. Hu, Y. Koren and C. Volinsky, "Collaborative Filtering for Implicit Feedback
       Datasets", ICDM 2008, section 4 (the logarithmic variant).

    Examples
    --------
    >>> X = sp.csr_array(np.array([[0.0, np.e - 1.0]]))
    >>> log_scale(X, alpha=2.0).toarray().round(6).tolist()
    [[0.0, 3.0]]
    """
    if deprecated:
        unknown = sorted(set(deprecated) - {"eps"})
        if unknown:
            raise InputTypeError(
                f"log_scale() got unexpected keyword argument(s) {unknown}; "
                "the accepted keywords are alpha, epsilon and form."
            )
        if epsilon != 1.0:
            raise InputError(
                "log_scale() got both 'epsilon' and its deprecated old name 'eps'; "
                "pass only epsilon=."
            )
        warnings.warn(
            "log_scale(eps=...) is deprecated and will be removed in the next release; "
            "use log_scale(epsilon=...) (the log-confidence offset is called epsilon "
            "everywhere in filmreco).",
            FutureWarning,
            stacklevel=user_stacklevel(),
        )
        epsilon = deprecated["eps"]
    alpha = check_real(alpha, "alpha", min_value=0.0)
    epsilon = check_real(epsilon, "epsilon", min_value=0.0, min_inclusive=False)
    offset = lookup_option(_FORMS, form, "form")
    Y = _prepare(X, "X", nonnegative=True)
    with np.errstate(over="ignore"):  # refused in _finish
        values = offset + alpha * np.log1p(Y.data.astype(np.float64) / epsilon)
    return _finish(Y, values, f"alpha={alpha!r}, epsilon={epsilon!r}; use a smaller alpha")
