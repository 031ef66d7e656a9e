"""Diversity re-ranking: maximal marginal relevance (MMR) over item similarity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import as_array, check_int, check_real
from ..exceptions import InputError

__all__ = ["mmr"]

#: Largest number of distinct pool items whose similarities are computed at once.
_UNION = 2048


def _relevance(idx: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Scores rescaled to [0, 1] per row over the valid pool entries (1 when all equal)."""
    valid = idx >= 0
    s = np.where(valid, scores, np.nan).astype(np.float64)
    with np.errstate(all="ignore"):
        lo = np.nanmin(np.where(valid, s, np.inf), axis=1, keepdims=True)
        hi = np.nanmax(np.where(valid, s, -np.inf), axis=1, keepdims=True)
        span = hi - lo
        rel = np.where(span > 0, (s - lo) / np.where(span > 0, span, 1.0), 1.0)
    return np.where(valid, rel, -np.inf)


def mmr(
    pool_ids: Any,
    pool_scores: Any,
    similarity: Callable[[np.ndarray, np.ndarray], np.ndarray],
    n: int,
    *,
    diversity: float = 0.3,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Re-rank candidate lists by maximal marginal relevance (Carbonell & Goldstein, 1998).

    Items are picked greedily; at each step the next item maximises

    .. math:: (1 - \lambda)\,\mathrm{rel}(i) - \lambda \max_{j \in \text{picked}} \mathrm{sim}(i, j)

    where :math:`\lambda` is `diversity` and :math:`\mathrm{rel}` is the candidate's score
    rescaled to [0, 1] within its list. ``diversity=0`` keeps the original order.

    Parameters
    ----------
    pool_ids : array-like of int, shape (n_lists, pool)
        Candidate item indices per list, best first; ``-1`` is padding.
    pool_scores : array-like of float, shape (n_lists, pool)
        Their relevance scores.
    similarity : callable
        ``similarity(items, cols)`` returns the ``(len(items), len(cols))`` similarity of
        item indices (a fitted recommender's ``_similarity`` fits).
    n : int
        Length of the re-ranked lists (``<= pool``).
    diversity : float, default=0.3
        :math:`\lambda` in [0, 1]; 1 ignores relevance after the first pick.

    Returns
    -------
    ids : numpy.ndarray of int64, shape (n_lists, n)
        Re-ranked item indices (``-1`` padding).
    scores : numpy.ndarray, shape (n_lists, n)
        The original scores of the picked items (no longer sorted).

    Examples
    --------
    Items 0 and 1 are near duplicates; with some diversity item 2 moves up:

    >>> S = np.array([[1.0, 0.95, 0.1], [0.95, 1.0, 0.1], [0.1, 0.1, 1.0]])
    >>> sim = lambda a, b: S[np.ix_(a, b)]
    >>> mmr([[0, 1, 2]], [[1.0, 0.9, 0.5]], sim, 2, diversity=0.0)[0].tolist()
    [[0, 1]]
    >>> mmr([[0, 1, 2]], [[1.0, 0.9, 0.5]], sim, 2, diversity=0.5)[0].tolist()
    [[0, 2]]
    """
    idx = as_array(pool_ids, "pool_ids")
    val = as_array(pool_scores, "pool_scores")
    if idx.ndim != 2 or idx.shape != val.shape:
        raise InputError(
            f"pool_ids and pool_scores must be 2-D of one shape, got {idx.shape} and {val.shape}."
        )
    idx = idx.astype(np.int64, copy=False)
    n = check_int(n, "n", min_value=0)
    lam = check_real(diversity, "diversity", min_value=0.0, max_value=1.0)
    q, m = idx.shape
    out_idx = np.full((q, n), -1, dtype=np.int64)
    out_val = np.full((q, n), -np.inf, dtype=val.dtype if val.dtype.kind == "f" else np.float64)
    if q == 0 or n == 0 or m == 0:
        return out_idx, out_val
    rel = _relevance(idx, val)
    step = max(1, _UNION // m)
    for a in range(0, q, step):
        b = min(a + step, q)
        _mmr_block(idx[a:b], val[a:b], rel[a:b], similarity, lam, out_idx[a:b], out_val[a:b])
    return out_idx, out_val


def _mmr_block(
    idx: np.ndarray,
    val: np.ndarray,
    rel: np.ndarray,
    similarity: Callable[[np.ndarray, np.ndarray], np.ndarray],
    lam: float,
    out_idx: np.ndarray,
    out_val: np.ndarray,
) -> None:
    b, m = idx.shape
    valid = idx >= 0
    union, inv = np.unique(idx[valid], return_inverse=True)
    local = np.zeros(idx.shape, dtype=np.int64)
    local[valid] = inv.reshape(-1)
    S = np.asarray(similarity(union, union), dtype=np.float64) if union.size else np.zeros((0, 0))
    pair = S[local[:, :, None], local[:, None, :]] if union.size else np.zeros((b, m, m))
    chosen = ~valid
    relevance = np.where(valid, rel, 0.0)
    maxsim = np.zeros((b, m))  # max similarity to the picked items (none picked: 0)
    rows = np.arange(b)
    for t in range(out_idx.shape[1]):
        obj = (1.0 - lam) * relevance - lam * maxsim
        obj[chosen] = -np.inf
        pick = np.argmax(obj, axis=1)
        live = ~chosen[rows, pick]
        if not live.any():
            break
        r, p = rows[live], pick[live]
        out_idx[r, t] = idx[r, p]
        out_val[r, t] = val[r, p]
        chosen[r, p] = True
        sim = pair[r, :, p]
        maxsim[r] = sim if t == 0 else np.maximum(maxsim[r], sim)
