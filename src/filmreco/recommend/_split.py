"""Train/test splitters of interactions (re-exported by :mod:`filmreco.recommend.evaluation`).

Every part holds positives only: the entries of the matrix, with their timestamps and
ratings, and no other seen pair (``part.seen`` is the part's matrix). A model fitted on a
training part therefore filters the training positives, the usual evaluation protocol,
even when the data came from :meth:`~filmreco.data.Interactions.to_implicit`.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._validation import check_int, check_random_state, check_real, shorten
from ..data import Interactions
from ..data._clean import as_timestamps
from ..exceptions import InputError, InputTypeError
from ..sparse import row_indices

__all__ = ["split_kfold", "split_leave_last", "split_random", "split_temporal"]


def _check_interactions(interactions: Any) -> Interactions:
    if not isinstance(interactions, Interactions):
        raise InputTypeError(
            f"interactions must be a filmreco.data.Interactions, got {type(interactions).__name__}."
        )
    return interactions


def _part(data: Interactions, keep: np.ndarray) -> Interactions:
    """The entries `keep` of `data`, positives only (the seen set is not carried)."""
    X = data.matrix
    rows = row_indices(X)[keep]
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=X.shape[0]), out=indptr[1:])
    M = sp.csr_array((X.data[keep], X.indices[keep], indptr), shape=X.shape)
    M.has_canonical_format = True
    ts = None if data.timestamps is None else data.timestamps[keep]
    rt = None if data.ratings is None else data.ratings[keep]
    return Interactions(M, data.user_ids, data.item_ids, timestamps=ts, ratings=rt, dtype=X.dtype)


def _split(data: Interactions, test: np.ndarray) -> tuple[Interactions, Interactions]:
    return _part(data, ~test), _part(data, test)


def _rank_in_row(rows: np.ndarray, keys: tuple[np.ndarray, ...], n_rows: int) -> np.ndarray:
    """Rank of every entry within its row, ordered by `keys` (last key sorts first)."""
    order = np.lexsort((*keys, rows))
    counts = np.bincount(rows, minlength=n_rows)
    starts = np.cumsum(counts) - counts
    rank = np.empty(rows.size, dtype=np.int64)
    rank[order] = np.arange(rows.size) - starts[rows[order]]
    return rank


def split_random(
    interactions: Interactions,
    test_size: float = 0.2,
    *,
    min_train: int = 1,
    random_state: Any = None,
) -> tuple[Interactions, Interactions]:
    """Hold out a random share of every user's interactions (per-user random holdout).

    A user with :math:`n_u` interactions gets ``round(test_size * n_u)`` of them (halves
    round up) in the test set, but never so many that fewer than `min_train` stay in
    training.

    Parameters
    ----------
    interactions : Interactions
    test_size : float, default=0.2
        Share held out per user, in [0, 1].
    min_train : int, default=1
        Interactions every user keeps in training (when they have that many).
    random_state : int, Generator or None
        Seed of the draw.

    Returns
    -------
    train, test : Interactions
        Same id maps and shape as the input; every entry (with its timestamp and rating)
        is in exactly one of them. Their seen sets are their positives (the films the
        input rated below a threshold are not carried): evaluation filters the training
        positives.

    Examples
    --------
    >>> X = Interactions.from_arrays(["a"] * 5 + ["b"], [1, 2, 3, 4, 5, 1])
    >>> train, test = split_random(X, 0.4, random_state=0)
    >>> train.nnz, test.nnz
    (4, 2)
    """
    data = _check_interactions(interactions)
    frac = check_real(test_size, "test_size", min_value=0.0, max_value=1.0)
    min_train = check_int(min_train, "min_train", min_value=0)
    rng = check_random_state(random_state)
    X = data.matrix
    rows = row_indices(X)
    n_u = np.diff(X.indptr).astype(np.int64)
    n_test = np.minimum(np.floor(frac * n_u + 0.5).astype(np.int64), np.maximum(n_u - min_train, 0))
    rank = _rank_in_row(rows, (rng.random(X.nnz),), X.shape[0])
    return _split(data, rank < n_test[rows])


def split_kfold(
    interactions: Interactions, n_folds: int = 5, *, random_state: Any = None
) -> list[tuple[Interactions, Interactions]]:
    """Per-user k-fold cross-validation: every interaction is tested exactly once.

    Each user's interactions are shuffled and dealt round-robin to the folds, starting at
    a random fold, so a user's test sets differ in size by at most one across the folds
    and a user with fewer interactions than folds is tested in only some of them. Fold
    ``f`` tests the interactions dealt to it and trains on all the others. Averaging a
    user's metric over the folds uses every interaction once as a test case, which
    shrinks the noise of per-user metrics for users with short histories (one random
    holdout gives a cold user a single test film).

    Parameters
    ----------
    interactions : Interactions
    n_folds : int, default=5
        At least 2.
    random_state : int, Generator or None
        Seed of the deal.

    Returns
    -------
    list of (train, test)
        `n_folds` pairs of Interactions with the input's id maps and shape; the test
        parts are disjoint and together hold every entry once (with its timestamp and
        rating); positives only, as in :func:`split_random`.

    Examples
    --------
    >>> X = Interactions.from_arrays(["a"] * 6 + ["b"] * 2, [1, 2, 3, 4, 5, 6, 1, 2])
    >>> folds = split_kfold(X, 3, random_state=0)
    >>> [(train.nnz, test.nnz) for train, test in folds]
    [(6, 2), (5, 3), (5, 3)]
    >>> sum(test.nnz for _, test in folds) == X.nnz
    True
    """
    data = _check_interactions(interactions)
    n_folds = check_int(n_folds, "n_folds", min_value=2)
    rng = check_random_state(random_state)
    X = data.matrix
    rows = row_indices(X)
    rank = _rank_in_row(rows, (rng.random(X.nnz),), X.shape[0])
    start = rng.integers(0, n_folds, size=X.shape[0])
    fold = (rank + start[rows]) % n_folds
    return [_split(data, fold == f) for f in range(n_folds)]


def split_leave_last(
    interactions: Interactions, n: int = 1, *, min_train: int = 1
) -> tuple[Interactions, Interactions]:
    """Hold out every user's `n` latest interactions (leave-last-n by timestamp).

    Ties in time are broken by item index (the larger index counts as later), so the
    split is deterministic. Users keep at least `min_train` interactions in training.

    Parameters
    ----------
    interactions : Interactions
        With timestamps.
    n : int, default=1
        Interactions held out per user.
    min_train : int, default=1

    Returns
    -------
    train, test : Interactions
        Positives only, as in :func:`split_random`.

    Raises
    ------
    InputError
        If the interactions have no timestamps.

    Examples
    --------
    >>> X = Interactions.from_arrays(["a", "a", "a"], [1, 2, 3], timestamps=[30, 10, 20])
    >>> train, test = split_leave_last(X)
    >>> test.to_arrays()[1].tolist()
    [1]
    """
    data = _check_interactions(interactions)
    n = check_int(n, "n", min_value=0)
    min_train = check_int(min_train, "min_train", min_value=0)
    if data.timestamps is None:
        raise InputError(
            "split_leave_last needs timestamps; build the interactions with timestamps=..., "
            "or use split_random."
        )
    X = data.matrix
    rows = row_indices(X)
    n_u = np.diff(X.indptr).astype(np.int64)
    n_test = np.minimum(n, np.maximum(n_u - min_train, 0))
    rank = _rank_in_row(rows, (-X.indices.astype(np.int64), -data.timestamps), X.shape[0])
    return _split(data, rank < n_test[rows])


def split_temporal(
    interactions: Interactions, *, at: float | None = None, test_size: float | None = None
) -> tuple[Interactions, Interactions]:
    """Cut all interactions at one moment: before it is training, from it on is test.

    Give either the time `at`, or `test_size`, the share of the latest interactions to hold
    out (the cut is then the matching quantile of the timestamps; ties at the cut all go
    to the test set). Users and items first seen after the cut are cold in training.

    Parameters
    ----------
    interactions : Interactions
        With timestamps.
    at : float, str, datetime or numpy.datetime64, optional
        The cut, in the unit of the timestamps; a date (``"2020-01-15"``, a
        ``datetime``, ``date``, ``numpy.datetime64`` or pandas ``Timestamp``) is
        converted to seconds since the epoch as the builders convert timestamps (naive
        times as UTC).
    test_size : float, optional
        Share in (0, 1).

    Returns
    -------
    train, test : Interactions
        Positives only, as in :func:`split_random`.

    Examples
    --------
    >>> X = Interactions.from_arrays(["a", "b", "a"], [1, 2, 3], timestamps=[1, 2, 3])
    >>> [p.nnz for p in split_temporal(X, at=2)]
    [1, 2]
    """
    data = _check_interactions(interactions)
    if (at is None) == (test_size is None):
        raise InputError("give exactly one of at= (a timestamp) or test_size= (a share).")
    if data.timestamps is None:
        raise InputError(
            "split_temporal needs timestamps; build the interactions with timestamps=..., or "
            "use split_random."
        )
    ts = data.timestamps
    if at is None:
        frac = check_real(test_size, "test_size", min_value=0.0, max_value=1.0,
                          min_inclusive=False, max_inclusive=False)  # fmt: skip
        cut = float(np.quantile(ts, 1.0 - frac, method="higher")) if ts.size else 0.0
    else:
        cut = _cut_time(at)
    return _split(data, ts >= cut)


def _cut_time(at: Any) -> float:
    """`at` in seconds: a number, or a date converted as the builders convert timestamps
    (a date string, ``datetime``, ``date``, ``numpy.datetime64`` or pandas Timestamp)."""
    if isinstance(at, (str, datetime.date, np.datetime64)):
        one = np.array([at]) if isinstance(at, np.datetime64) else np.array([at], dtype=object)
        cut = float(as_timestamps(one, "at", 1)[0])
        if np.isnan(cut):
            raise InputError(f"at is a missing date ({shorten(at)}); give the time of the cut.")
        return cut
    return check_real(at, "at")
