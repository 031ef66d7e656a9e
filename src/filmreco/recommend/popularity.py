"""Popularity: the same list for everyone, optionally favouring recent interactions."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._persist import member
from .._validation import check_fitted, check_real, user_stacklevel
from ..exceptions import DataWarning, InputError
from ..sparse import as_id_array
from ._base import Recommender
from ._inputs import known_rows

__all__ = ["Popularity"]


class Popularity(Recommender):
    """Recommend the items most users interacted with (optionally with time decay).

    An item's score is the number of users with a positive interaction, or, with
    `half_life`, the sum of ``0.5 ** (age / half_life)`` over those interactions, where
    ``age = now - timestamp`` (negative ages count as 0).

    Parameters
    ----------
    half_life : float, optional
        Time (in the unit of the timestamps, e.g. seconds) after which an interaction counts
        half; None counts every interaction fully. Needs timestamps in the training data.
    now : float, optional
        Reference time of the decay; the latest training timestamp when omitted.

    Attributes
    ----------
    item_scores_ : numpy.ndarray of float32, shape (n_items,)
        The popularity score of every item.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> X = Interactions.from_arrays(["a", "b", "b", "c"], ["x", "x", "y", "z"])
    >>> ids, scores = Popularity().fit(X).recommend(["a"], n=2)
    >>> ids.tolist(), scores.tolist()
    ([['y', 'z']], [[1.0, 1.0]])
    """

    def __init__(self, *, half_life: float | None = None, now: float | None = None) -> None:
        self.half_life = half_life
        self.now = now

    def _check_params(self) -> float | None:
        if self.now is not None:
            check_real(self.now, "now")
        if self.half_life is None:
            return None
        return check_real(self.half_life, "half_life", min_value=0, min_inclusive=False)

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        half_life = self._check_params()
        weights = (X.data > 0).astype(np.float64)
        if half_life is not None:
            if timestamps is None:
                raise InputError(
                    "half_life needs timestamps, but the interactions have none; build them "
                    "with Interactions.from_arrays(..., timestamps=...) or set half_life=None."
                )
            now = timestamps.max(initial=0.0) if self.now is None else self.now
            now = check_real(now, "now")
            age = np.maximum(now - timestamps, 0.0)
            weights = weights * np.exp2(-age / half_life)
        # every interaction's weight, per user row: erasure removes rows and sums again
        self._counted_ = sp.csr_array((weights, X.indices, X.indptr), shape=X.shape)
        self.item_scores_ = self._sum(self._counted_)

    @staticmethod
    def _sum(W: sp.csr_array) -> np.ndarray:
        return np.bincount(W.indices, weights=W.data, minlength=W.shape[1]).astype(np.float32)

    def forget_users(self, user_ids: Any) -> int:
        """Remove users (see :meth:`Recommender.forget_users`) and their views from the scores.

        ``item_scores_`` is summed again over the remaining fitted interactions, so it
        equals a refit without the users (same `now`). In a model restored by
        :meth:`load` (which keeps no time weights), the users' views are subtracted from
        the counts; a time-decayed model restored from a file keeps their weight until it
        is refitted, with a :class:`~filmreco.exceptions.DataWarning`.
        """
        check_fitted(self)
        ids, _ = as_id_array(user_ids, "user_ids")
        gone = known_rows(self.user_ids_, ids)
        removed = self.user_items_[gone] if gone.size else None
        n_rows = len(self.user_ids_)
        n = super().forget_users(ids)
        if removed is None:
            return n
        counted = getattr(self, "_counted_", None)
        if counted is not None:
            keep = np.setdiff1d(np.arange(counted.shape[0]), gone[gone < counted.shape[0]])
            self._counted_ = sp.csr_array(counted[keep])
            self.item_scores_ = self._sum(self._counted_)
        elif self.half_life is None:
            views = np.bincount(
                removed.indices, weights=(removed.data > 0), minlength=removed.shape[1]
            )
            self.item_scores_ = np.maximum(self.item_scores_ - views, 0.0).astype(np.float32)
        else:
            warnings.warn(
                f"{gone.size} of {n_rows} users forgotten, but this time-decayed Popularity "
                "was loaded from a file, which keeps no time weights: item_scores_ still "
                "counts their views. Refit the model on the data without them.",
                DataWarning,
                stacklevel=user_stacklevel(),
            )
        return n

    def _scores(
        self,
        H: sp.csr_array,
        rows: np.ndarray,
        cols: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> np.ndarray:
        s = self.item_scores_ if cols is None else self.item_scores_[cols]
        return np.broadcast_to(s, (rows.size, s.size)).copy()

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"item_scores": self.item_scores_}, {}

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        shape = (len(self.item_ids_),)
        s = member(arrays, "item_scores", kinds="f", shape=shape, finite=True, fits=np.float32)
        self.item_scores_ = s.astype(np.float32, copy=False)
