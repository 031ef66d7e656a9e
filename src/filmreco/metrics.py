"""Ranking metrics shared by the recommendation and search evaluations.

Every metric is vectorised over a batch of queries (users, or search queries):

- ``ranked`` is a 2-D int array ``(n_queries, n)`` of item indices, best first. ``-1`` marks an
  empty slot (padding, normally at the end of a row). Slots keep their positions: an item after
  a ``-1`` is still at its own rank.
- ``relevant`` is either a scipy sparse matrix ``(n_queries, n_items)`` whose *stored entries*
  are the relevant items (values are graded relevance, used by :func:`ndcg_at_k`; an explicitly
  stored zero is relevant with grade 0), or a sequence with one entry per query: a set, list or
  1-D int array of relevant items (grade 1), or a dict ``{item: grade}``.

Conventions, the same for every function:

- Only the first ``k`` slots of a row count. When ``k`` exceeds the row width the missing slots
  are empty: precision still divides by ``k``.
- An item repeated in a row counts only at its first occurrence; later copies are empty slots.
- A query with no relevant items gets ``NaN`` from every relevance-based metric (precision,
  recall, NDCG, AP, RR, hit rate); means in :func:`ranking_metrics` skip those queries and report
  how many were evaluated (``"n_evaluated"``).
- One definition of *relevant* for every metric: a stored entry of ``relevant`` (a dict key, a
  set or array member), whatever its grade. Grades only weigh the gains of NDCG. A query whose
  relevant items all have grade 0 therefore gets an NDCG like any other query: no item is
  preferred, so they count as equally relevant (the NDCG of ``gain="binary"``, the limit of
  equal small grades), not ``NaN`` (a 0/0) while precision counts them as hits.
- The rank discount is ``1 / log2(rank + 1)`` with ranks counted from 1 (Järvelin and
  Kekäläinen, 2002).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from ._validation import (
    as_array,
    check_bool,
    check_csr,
    check_int,
    check_iterable,
    check_nonnegative,
    lookup_option,
)
from .exceptions import InputError, InputTypeError
from .sparse import build_csr, row_indices

__all__ = [
    "GAINS",
    "METRICS",
    "average_precision_at_k",
    "catalog_coverage",
    "hit_rate_at_k",
    "ndcg_at_k",
    "novelty",
    "precision_at_k",
    "ranking_metrics",
    "recall_at_k",
    "reciprocal_rank",
]


# --------------------------------------------------------------------------- input checks


def _check_ranked(ranked: Any) -> np.ndarray:
    a = as_array(ranked, "ranked")
    if a.ndim != 2:
        raise InputError(
            f"ranked must be a 2-D int array (n_queries, n), got shape {a.shape}; for a single "
            "query pass ranked[None, :]."
        )
    if a.dtype.kind not in "iu":
        raise InputTypeError(
            f"ranked must hold integer item indices (-1 for padding), got dtype {a.dtype}."
        )
    a = a.astype(np.int64, copy=False)
    if a.size and a.min() < -1:
        raise InputError(
            f"ranked holds {int((a < -1).sum())} value(s) below -1 (min {int(a.min())}); item "
            "indices count from 0 and -1 is the only padding value."
        )
    return a


def _check_k(k: Any, width: int, name: str = "k") -> int:
    if k is None:
        return max(width, 1)
    return check_int(k, name, min_value=1)


def _dedupe(ranked: np.ndarray) -> np.ndarray:
    """Copy of `ranked` with every repeat of an item in a row (after the first) set to -1."""
    out = ranked.copy()
    if out.shape[1] < 2:
        return out
    order = np.argsort(out, axis=1, kind="stable")  # stable: first occurrence sorts first
    srt = np.take_along_axis(out, order, axis=1)
    repeat = np.zeros(out.shape, dtype=bool)
    np.put_along_axis(repeat, order[:, 1:], srt[:, 1:] == srt[:, :-1], axis=1)
    out[repeat] = -1
    return out


def _item_array(r: Any, q: int) -> np.ndarray:
    a = np.asarray(list(r) if isinstance(r, (set, frozenset)) else r)
    if a.size == 0:
        return np.zeros(0, dtype=np.int64)
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise InputError(
            f"relevant[{q}] must be a set or 1-D sequence of int item indices, got "
            f"{type(r).__name__} with dtype {a.dtype} and shape {a.shape}."
        )
    return a.astype(np.int64, copy=False)


def _relevance_from_lists(relevant: Sequence[Any], n_queries: int, n_items: int) -> sp.csr_array:
    if len(relevant) != n_queries:
        raise InputError(
            f"relevant has {len(relevant)} entries but ranked has {n_queries} rows; give one "
            "set of relevant items per query (an empty set for none)."
        )
    cols, vals = [], []
    for q, r in enumerate(relevant):
        if isinstance(r, Mapping):
            cols.append(_item_array(list(r.keys()), q))
            vals.append(np.asarray(list(r.values()), dtype=np.float64).reshape(-1))
        else:
            cols.append(_item_array(r, q))
            vals.append(np.ones(cols[-1].size))
    counts = np.array([c.size for c in cols], dtype=np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    val = np.concatenate(vals) if vals else np.zeros(0)
    if col.size and col.min() < 0:
        raise InputError(f"relevant holds a negative item index ({int(col.min())}).")
    check_nonnegative(val, "relevant grades")
    n_cols = max(n_items, int(col.max()) + 1 if col.size else 0)
    rows = np.repeat(np.arange(n_queries, dtype=np.int64), counts)
    return build_csr(rows, col, val, shape=(n_queries, n_cols), duplicates="max", dtype=np.float64)


def _check_relevant(relevant: Any, ranked: np.ndarray) -> sp.csr_array:
    n_queries = ranked.shape[0]
    top = int(ranked.max()) if ranked.size else -1
    if sp.issparse(relevant):
        R = check_csr(relevant, "relevant", dtype=np.float64, nonnegative=True)
        if R.shape[0] != n_queries:
            raise InputError(
                f"relevant has {R.shape[0]} rows but ranked has {n_queries}; both need one "
                "row per query."
            )
        if top >= R.shape[1]:
            raise InputError(
                f"ranked holds item {top} but relevant has only {R.shape[1]} columns (items)."
            )
        return R
    if isinstance(relevant, np.ndarray) or not isinstance(relevant, Sequence):
        raise InputTypeError(
            "relevant must be a scipy sparse matrix (n_queries x n_items) or a list with one "
            f"set/array/dict of relevant items per query, got {type(relevant).__name__}; wrap "
            "a dense 0/1 matrix with scipy.sparse.csr_array(...)."
        )
    return _relevance_from_lists(relevant, n_queries, top + 1)


# --------------------------------------------------------------------------- judged rankings


class _Judged(NamedTuple):
    """A batch of rankings looked up against the relevance matrix (first `width` slots)."""

    is_rel: np.ndarray  # (n_queries, width) bool: slot holds a relevant item (first occurrence)
    grade: np.ndarray  # (n_queries, width) float64: its grade, 0 elsewhere
    n_rel: np.ndarray  # (n_queries,) number of relevant items
    R: sp.csr_array


def _judge(ranked: np.ndarray, R: sp.csr_array, width: int) -> _Judged:
    top = _dedupe(ranked[:, :width])
    shape = top.shape
    is_rel = np.zeros(shape, dtype=bool)
    grade = np.zeros(shape, dtype=np.float64)
    if R.nnz and top.size:
        n_cols = np.int64(R.shape[1])
        keys = row_indices(R) * n_cols + R.indices  # sorted: R is canonical
        filled = top >= 0
        qkey = (np.arange(shape[0], dtype=np.int64)[:, None] * n_cols + top)[filled]
        pos = np.minimum(np.searchsorted(keys, qkey), keys.size - 1)
        found = keys[pos] == qkey
        is_rel[filled] = found
        grade[filled] = np.where(found, R.data[pos], 0.0)
    return _Judged(is_rel, grade, np.diff(R.indptr).astype(np.int64), R)


def _prepare(ranked: Any, relevant: Any, k: Any) -> tuple[_Judged, int]:
    r = _check_ranked(ranked)
    kk = _check_k(k, r.shape[1])
    return _judge(r, _check_relevant(relevant, r), kk), kk


def _with_nan_for_empty(values: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    out = values.astype(np.float64)
    out[n_rel == 0] = np.nan
    return out


def _hits(j: _Judged, k: int) -> np.ndarray:
    return j.is_rel[:, :k].sum(axis=1)


def _precision(j: _Judged, k: int) -> np.ndarray:
    return _with_nan_for_empty(_hits(j, k) / k, j.n_rel)


def _recall(j: _Judged, k: int) -> np.ndarray:
    return _with_nan_for_empty(_hits(j, k) / np.maximum(j.n_rel, 1), j.n_rel)


def _hit_rate(j: _Judged, k: int) -> np.ndarray:
    return _with_nan_for_empty(_hits(j, k) > 0, j.n_rel)


def _reciprocal_rank(j: _Judged, k: int) -> np.ndarray:
    rel = j.is_rel[:, :k]
    rr = np.zeros(rel.shape[0])
    if rel.shape[1]:
        has = rel.any(axis=1)
        rr[has] = 1.0 / (np.argmax(rel[has], axis=1) + 1)
    return _with_nan_for_empty(rr, j.n_rel)


def _average_precision(j: _Judged, k: int) -> np.ndarray:
    rel = j.is_rel[:, :k]
    precision_at_i = np.cumsum(rel, axis=1) / np.arange(1, rel.shape[1] + 1)
    total = (precision_at_i * rel).sum(axis=1)
    return _with_nan_for_empty(total / np.maximum(np.minimum(j.n_rel, k), 1), j.n_rel)


# Gains are computed scaled by a power of two chosen per query, ``2**-shift``, which NDCG
# (a ratio of two sums of gains of the same query) divides out: the shift is 0, and the
# gains exactly the textbook ones, unless the query's largest gain would come near the
# float64 range (grades of 2**960 for "linear", 960 for "exponential", where ``2**rel``
# overflowed at 1024 and NDCG became NaN).
_GAIN_ROOM = 960


def _gain_binary(g: np.ndarray, shift: np.ndarray) -> np.ndarray:
    return np.ones_like(g)


def _gain_linear(g: np.ndarray, shift: np.ndarray) -> np.ndarray:
    return np.ldexp(g, -shift)  # g * 2**-shift, exact


def _gain_exponential(g: np.ndarray, shift: np.ndarray) -> np.ndarray:
    return np.exp2(g - shift) - np.exp2(-shift)  # (2**g - 1) * 2**-shift


def _shift_binary(top: np.ndarray) -> np.ndarray:
    return np.zeros(top.shape, dtype=np.int64)


def _shift_linear(top: np.ndarray) -> np.ndarray:
    return np.maximum(np.frexp(top)[1].astype(np.int64) - _GAIN_ROOM, 0)


def _shift_exponential(top: np.ndarray) -> np.ndarray:
    return np.maximum(np.ceil(top) - _GAIN_ROOM, 0.0)


_Gain = tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]
_GAINS: dict[str, _Gain] = {
    "binary": (_gain_binary, _shift_binary),
    "linear": (_gain_linear, _shift_linear),
    "exponential": (_gain_exponential, _shift_exponential),
}
#: Gain functions accepted by :func:`ndcg_at_k`: ``1``, ``rel`` and ``2**rel - 1``.
GAINS = tuple(_GAINS)


def _discounts(n: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, n + 2, dtype=np.float64))


def _ndcg(j: _Judged, k: int, gain: str) -> np.ndarray:
    fn, shift_of = _GAINS[gain]
    R = j.R
    out = np.full(R.shape[0], np.nan)
    if not R.nnz:
        return out
    row = row_indices(R)
    order = np.lexsort((-R.data, row))  # rows stay in place (already sorted), best grade first
    grades = R.data[order]
    has = j.n_rel > 0
    top = np.zeros(R.shape[0])
    top[has] = grades[R.indptr[:-1][has]]
    shift = shift_of(top)
    g = fn(grades, shift[row])
    rank = np.arange(R.nnz) - R.indptr[:-1][row]
    keep = rank < k
    disc = _discounts(int(min(k, j.n_rel.max())))

    def ideal_of(g: np.ndarray) -> np.ndarray:
        return np.bincount(row[keep], weights=g[keep] * disc[rank[keep]], minlength=R.shape[0])

    ideal = ideal_of(g)
    # a query whose relevant items all have gain 0 (grade 0, or 2**rel - 1 rounding to 0)
    # has an ideal DCG of 0 and expresses no preference among them: they count as equally
    # relevant, as precision counts them (gain 1 each)
    flat = has & ~(ideal > 0)
    if flat.any():
        ideal = np.where(flat, ideal_of(np.ones_like(g)), ideal)
    rel = j.is_rel[:, :k]
    width = rel.shape[1]
    gains = np.where(rel, np.where(flat[:, None], 1.0, fn(j.grade[:, :k], shift[:, None])), 0.0)
    dcg = gains @ _discounts(width) if width else np.zeros(rel.shape[0])
    np.divide(dcg, ideal, out=out, where=ideal > 0)
    return out


# --------------------------------------------------------------------------- public metrics


def precision_at_k(ranked: Any, relevant: Any, k: int = 10) -> np.ndarray:
    """Return the fraction of the first `k` slots of each ranking that hold a relevant item.

    Parameters
    ----------
    ranked : array-like of int, shape (n_queries, n)
        Item indices, best first; ``-1`` marks an empty slot.
    relevant : scipy sparse matrix or sequence
        Relevant items per query (see the module docstring).
    k : int, default=10
        Cut-off, ``>= 1``. The denominator is always `k`, also when rows are shorter.

    Returns
    -------
    numpy.ndarray of float64, shape (n_queries,)
        ``NaN`` for queries without relevant items.

    Raises
    ------
    InputError
        If `k` < 1, `ranked` is not 2-D or holds values below -1, or the shapes disagree.

    Examples
    --------
    >>> precision_at_k([[3, 1, 2], [0, -1, -1]], [{1, 2}, {5}], k=2)
    array([0.5, 0. ])
    """
    j, kk = _prepare(ranked, relevant, k)
    return _precision(j, kk)


def recall_at_k(ranked: Any, relevant: Any, k: int = 10) -> np.ndarray:
    """Return the fraction of each query's relevant items found in its first `k` slots.

    Parameters and conventions as in :func:`precision_at_k`; the denominator is the number
    of relevant items of the query (not capped at `k`, so recall@k can stay below 1 when a
    query has more than `k` relevant items).

    Examples
    --------
    >>> recall_at_k([[3, 1, 2], [0, 1, 2]], [{1, 2}, set()], k=2)
    array([0.5, nan])
    """
    j, kk = _prepare(ranked, relevant, k)
    return _recall(j, kk)


def hit_rate_at_k(ranked: Any, relevant: Any, k: int = 10) -> np.ndarray:
    """Return 1.0 for each query with at least one relevant item in its first `k` slots, else 0.

    Parameters and conventions as in :func:`precision_at_k`.

    Examples
    --------
    >>> hit_rate_at_k([[3, 1, 2], [4, 4, 4]], [{2}, {5}], k=3)
    array([1., 0.])
    """
    j, kk = _prepare(ranked, relevant, k)
    return _hit_rate(j, kk)


def reciprocal_rank(ranked: Any, relevant: Any, k: int | None = None) -> np.ndarray:
    """Return ``1 / rank`` of the first relevant item within the first `k` slots (0 if none).

    The mean over queries is the MRR@k. `k` = ``None`` uses the whole row.
    Other parameters and conventions as in :func:`precision_at_k`.

    Examples
    --------
    >>> reciprocal_rank([[3, 1, 2], [7, 8, 9]], [{2}, {5}])
    array([0.333..., 0. ])
    >>> reciprocal_rank([[3, 1, 2]], [{2}], k=2)
    array([0.])
    """
    j, kk = _prepare(ranked, relevant, k)
    return _reciprocal_rank(j, kk)


def average_precision_at_k(ranked: Any, relevant: Any, k: int = 10) -> np.ndarray:
    """Return the average precision at `k` of each ranking (its mean is MAP@k).

    ``AP@k = sum_{i <= k} P@i * rel_i / min(|relevant|, k)``, where ``rel_i`` is 1 when slot
    ``i`` holds a relevant item. Dividing by ``min(|relevant|, k)`` rather than ``|relevant|``
    makes a perfect top-`k` list score 1 even when the query has more than `k` relevant items
    (the convention of the widely used ``ml_metrics.apk``). Grades are ignored: any stored
    entry of `relevant` is relevant. Other parameters as in :func:`precision_at_k`.

    Examples
    --------
    >>> average_precision_at_k([[1, 9, 2]], [{1, 2}], k=3)  # (1/1 + 2/3) / 2
    array([0.833...])
    >>> average_precision_at_k([[1, 2]], [{1, 2, 3, 4}], k=2)
    array([1.])
    """
    j, kk = _prepare(ranked, relevant, k)
    return _average_precision(j, kk)


def ndcg_at_k(ranked: Any, relevant: Any, k: int = 10, *, gain: str = "linear") -> np.ndarray:
    """Return the normalised discounted cumulative gain at `k` of each ranking.

    ``DCG@k = sum_{i <= k} gain(rel_i) / log2(i + 1)``; NDCG divides it by the DCG of the
    ideal ordering of the query's relevant items, cut at `k`, so the result lies in [0, 1].

    Parameters
    ----------
    ranked, relevant, k
        As in :func:`precision_at_k`. Grades come from the values of a sparse `relevant`, or
        from dicts ``{item: grade}``; sets and arrays give grade 1.
    gain : {"linear", "exponential", "binary"}, default="linear"
        ``rel`` (as :func:`sklearn.metrics.ndcg_score`), ``2**rel - 1`` (Burges et al., 2005,
        stresses highly relevant items), or ``1`` for every relevant item whatever its grade.
        With 0/1 relevance all three agree. Any finite grades work: the gains of a query are
        scaled by a power of two when they would overflow (``2**rel`` beyond 1023), which
        the ratio divides out.

    Returns
    -------
    numpy.ndarray of float64, shape (n_queries,)
        In [0, 1]; ``NaN`` for queries without relevant items, as every other metric. When
        all the relevant items of a query have gain 0 (grade 0) they count as equally
        relevant (the value of ``gain="binary"``; sklearn's ``ndcg_score`` gives 0 there).

    Raises
    ------
    InputError
        If `gain` is unknown, or as in :func:`precision_at_k`.

    Examples
    --------
    Item 2 (relevant) at rank 2 of 3, with one relevant item:

    >>> ndcg_at_k([[5, 2, 7]], [{2}], k=3)  # (1 / log2(3)) / 1
    array([0.6309...])

    Graded: grades {0: 3, 1: 1}, ranking [1, 0]:

    >>> R = sp.csr_array(np.array([[3.0, 1.0]]))
    >>> ndcg_at_k([[1, 0]], R, k=2, gain="exponential").round(4)  # (1 + 7/log2 3) / (7 + 1/log2 3)
    array([0.7098])
    """
    lookup_option(_GAINS, gain, "gain")
    j, kk = _prepare(ranked, relevant, k)
    return _ndcg(j, kk, gain)


def catalog_coverage(ranked: Any, n_items: int, k: int | None = None) -> float:
    """Return the fraction of the `n_items` catalogue that appears in any ranking's first `k` slots.

    Parameters
    ----------
    ranked : array-like of int, shape (n_queries, n)
        Item indices, best first; ``-1`` marks an empty slot.
    n_items : int
        Catalogue size, ``>= 1``.
    k : int, optional
        Cut-off; the whole row when omitted.

    Returns
    -------
    float

    Examples
    --------
    >>> catalog_coverage([[0, 1], [1, 2], [1, -1]], n_items=8)
    0.375
    >>> catalog_coverage([[0, 1], [1, 2]], n_items=8, k=1)
    0.25
    """
    r = _check_ranked(ranked)
    n = check_int(n_items, "n_items", min_value=1)
    kk = _check_k(k, r.shape[1])
    if r.size and r.max() >= n:
        raise InputError(f"ranked holds item {int(r.max())} but n_items is {n}.")
    top = r[:, :kk]
    seen = np.zeros(n, dtype=bool)
    seen[top[top >= 0]] = True
    return float(seen.sum() / n)


def novelty(
    ranked: Any, item_popularity: Any, k: int | None = None, *, n_users: int | None = None
) -> np.ndarray:
    """Return the mean self-information ``-log2(share)`` of the items in each ranking.

    ``share`` is an item's popularity divided by the total popularity, or by `n_users` when
    given (then popularity should count users, and ``share`` is the fraction of users who
    know the item; Zhou et al., PNAS 2010). Rarely seen items carry more bits.

    Parameters
    ----------
    ranked : array-like of int, shape (n_queries, n)
        Item indices, best first; ``-1`` marks an empty slot; repeats count once.
    item_popularity : array-like of float, shape (n_items,)
        Non-negative interaction counts (or weights) per item, e.g. from the training data.
    k : int, optional
        Cut-off; the whole row when omitted.
    n_users : int, optional
        Denominator of the share; the sum of `item_popularity` when omitted.

    Returns
    -------
    numpy.ndarray of float64, shape (n_queries,)
        ``NaN`` for rows with no item in their first `k` slots.

    Raises
    ------
    InputError
        If a ranked item has popularity 0 (its self-information is infinite: smooth the counts,
        e.g. ``item_popularity + 1``), an item is out of range, or a share exceeds 1.

    Examples
    --------
    >>> novelty([[0, 1], [2, -1]], [2, 1, 1])  # shares 1/2, 1/4, 1/4
    array([1.5, 2. ])
    """
    r = _check_ranked(ranked)
    r = _dedupe(r[:, : _check_k(k, r.shape[1])])
    pop = as_array(item_popularity, "item_popularity", np.float64)
    if pop.ndim != 1:
        raise InputError(f"item_popularity must be 1-D (n_items,), got shape {pop.shape}.")
    check_nonnegative(pop, "item_popularity")
    if not np.isfinite(pop).all():
        raise InputError("item_popularity holds NaN or infinite values.")
    total = pop.sum() if n_users is None else check_int(n_users, "n_users", min_value=1)
    if total <= 0:
        raise InputError("item_popularity sums to 0; give per-item counts from training data.")
    if pop.size and pop.max() > total:
        raise InputError(
            f"item_popularity holds {pop.max()} > n_users={total}; a share cannot exceed 1."
        )
    if r.size and r.max() >= pop.size:
        raise InputError(
            f"ranked holds item {int(r.max())} but item_popularity has only {pop.size} entries."
        )
    filled = r >= 0
    share = np.where(filled, pop[np.where(filled, r, 0)], 1.0) / total
    if (share[filled] == 0).any():
        bad = np.unique(r[filled & (share == 0)])
        raise InputError(
            f"{bad.size} ranked item(s) have popularity 0 (e.g. item {int(bad[0])}), whose "
            "self-information is infinite; smooth the counts, e.g. item_popularity + 1."
        )
    bits = np.where(filled, -np.log2(np.where(filled, share, 1.0)), 0.0).sum(axis=1)
    count = filled.sum(axis=1)
    out = np.full(r.shape[0], np.nan)
    np.divide(bits, count, out=out, where=count > 0)
    return out


# --------------------------------------------------------------------------- all at once

_PER_QUERY: dict[str, Callable[[_Judged, int], np.ndarray]] = {
    "precision": _precision,
    "recall": _recall,
    "map": _average_precision,
    "mrr": _reciprocal_rank,
    "hit_rate": _hit_rate,
}
_DEFAULT = ("precision", "recall", "ndcg", "map", "mrr", "hit_rate")
#: Metric names accepted by :func:`ranking_metrics`.
METRICS = (*_DEFAULT, "coverage", "novelty")


def _nanmean(a: np.ndarray) -> float:
    ok = a[~np.isnan(a)]
    return float(ok.mean()) if ok.size else float("nan")


def ranking_metrics(
    ranked: Any,
    relevant: Any,
    *,
    k: int | Iterable[int] = 10,
    metrics: Iterable[str] | None = None,
    gain: str = "linear",
    aggregate: bool = True,
    n_items: int | None = None,
    item_popularity: Any = None,
) -> dict[str, Any]:
    """Compute several ranking metrics at one or more cut-offs, judging the rankings once.

    Parameters
    ----------
    ranked, relevant
        As in :func:`precision_at_k`.
    k : int or iterable of int, default=10
        Cut-off(s); keys are ``"{metric}@{k}"``.
    metrics : iterable of str, optional
        Names from :data:`METRICS`: ``precision, recall, ndcg, map, mrr, hit_rate`` (the
        default set), ``coverage`` (needs `n_items`, or a sparse `relevant` whose column
        count is used) and ``novelty`` (needs `item_popularity`).
    gain : {"linear", "exponential", "binary"}, default="linear"
        NDCG gain, as in :func:`ndcg_at_k`.
    aggregate : bool, default=True
        Return means over the queries that have relevant items (novelty: over rows with
        items), plus ``"n_evaluated"``, the number of queries with relevant items. When
        False, return the per-query arrays (``NaN`` for queries without relevant items).
        ``coverage`` is a float either way.
    n_items : int, optional
        Catalogue size for ``coverage``.
    item_popularity : array-like, optional
        Per-item popularity for ``novelty``.

    Returns
    -------
    dict

    Examples
    --------
    >>> out = ranking_metrics([[1, 2, 3], [4, 5, 6]], [{1, 5}, set()], k=[1, 3],
    ...                       metrics=["precision", "recall"])
    >>> {key: round(v, 3) for key, v in out.items()}
    {'precision@1': 1.0, 'recall@1': 0.5, 'precision@3': 0.333, 'recall@3': 0.5, 'n_evaluated': 1}
    """
    if isinstance(metrics, str):
        raise InputError(f"metrics must be a list of names, got the string {metrics!r}.")
    names = check_iterable(_DEFAULT if metrics is None else metrics, "metrics")
    for name in names:
        lookup_option(dict.fromkeys(METRICS), name, "metrics entry")
    lookup_option(_GAINS, gain, "gain")
    ks = [k] if isinstance(k, (int, np.integer)) else check_iterable(k, "k")
    if not ks:
        raise InputError("k must be an int or a non-empty list of ints.")
    ks = [check_int(x, "k", min_value=1) for x in ks]
    r = _check_ranked(ranked)
    R = _check_relevant(relevant, r)
    j = _judge(r, R, max(ks))
    if "coverage" in names and n_items is None:
        if not sp.issparse(relevant):
            raise InputError("metric 'coverage' needs n_items (the catalogue size).")
        n_items = int(R.shape[1])
    if "novelty" in names and item_popularity is None:
        raise InputError("metric 'novelty' needs item_popularity (per-item counts).")
    out: dict[str, Any] = {}
    for kk in ks:
        for name in names:
            key = f"{name}@{kk}"
            if name == "coverage":
                out[key] = catalog_coverage(r, n_items, kk)  # type: ignore[arg-type]
                continue
            if name == "novelty":
                values = novelty(r, item_popularity, kk)
            elif name == "ndcg":
                values = _ndcg(j, kk, gain)
            else:
                values = _PER_QUERY[name](j, kk)
            out[key] = _nanmean(values) if check_bool(aggregate, "aggregate") else values
    if aggregate:
        out["n_evaluated"] = int((j.n_rel > 0).sum())
    return out
