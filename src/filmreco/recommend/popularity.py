"""Popularity: the same list for everyone, optionally favouring recent interactions."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._persist import csr_from_arrays, csr_to_arrays, member
from .._validation import check_fitted, check_real, shorten, user_stacklevel
from ..exceptions import DataWarning, FormatError, InputError
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

        ``item_scores_`` is summed again over the remaining fitted interactions (the
        views and time weights counted by :meth:`fit`, which :meth:`save` keeps), so it
        equals a refit without the users (same `now`), for a model in memory or loaded
        from a file alike; views added by :meth:`fold_in` were never counted and take
        nothing away. A model loaded from a file of an older filmreco (format version 1
        or 2) has no such record: when its counts match its training matrix (saved
        right after fit) the record is rebuilt from it; otherwise (a time-decayed model,
        or one saved after a fold_in) ``item_scores_`` keeps the users' views until the
        model is refitted, with a :class:`~filmreco.exceptions.DataWarning`.
        """
        check_fitted(self)
        ids, _ = as_id_array(user_ids, "user_ids")
        gone = known_rows(self.user_ids_, ids)
        n_rows = len(self.user_ids_)
        n = super().forget_users(ids)
        if not gone.size:
            return n
        counted = getattr(self, "_counted_", None)
        if counted is not None:
            keep = np.setdiff1d(np.arange(counted.shape[0]), gone[gone < counted.shape[0]])
            self._counted_ = sp.csr_array(counted[keep])
            self.item_scores_ = self._sum(self._counted_)
        else:
            warnings.warn(
                f"{gone.size} of {n_rows} users forgotten, but this Popularity was loaded "
                "from a file of an older filmreco that does not record which views it "
                "counted: item_scores_ still counts their views. Refit the model on the "
                "data without them.",
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

    def _state_version(self) -> int:
        return 3  # the counted views (erasure needs them)

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {"item_scores": self.item_scores_}
        counted = getattr(self, "_counted_", None)
        if counted is not None:
            arrays.update(csr_to_arrays(counted, "counted_"))
        return arrays, {"counted": counted is not None}

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        shape = (len(self.item_ids_),)
        s = member(arrays, "item_scores", kinds="f", shape=shape, finite=True, fits=np.float32)
        self.item_scores_ = s.astype(np.float32, copy=False)
        if "counted" not in meta:  # a file of format version 1 or 2
            if "counted_indptr" in arrays:
                raise FormatError("the file holds counted views its header does not declare.")
            self._counted_ = self._legacy_counted()
            return
        if not isinstance(meta["counted"], bool):
            raise FormatError(f"counted must be true or false, got {shorten(meta['counted'])}.")
        if not meta["counted"]:
            if "counted_indptr" in arrays:
                raise FormatError("the file holds counted views its header says it has not.")
            self._counted_ = None
            return
        counted = csr_from_arrays(arrays, "counted_", dtype=np.float64)
        n_users, n_items = counted.shape
        if n_users > len(self.user_ids_) or n_items != shape[0]:
            raise FormatError(
                f"counted has shape {counted.shape}; it must have at most "
                f"{len(self.user_ids_)} rows and {shape[0]} columns."
            )
        if counted.nnz and (counted.data.min() < 0 or counted.data.max() > 1):
            raise FormatError("counted must hold weights in [0, 1].")
        if not np.array_equal(self._sum(counted), self.item_scores_):
            raise FormatError("item_scores does not equal the sum of the counted views.")
        self._counted_ = counted

    def _legacy_counted(self) -> sp.csr_array | None:
        """The counted views of an older file: its positives, when its counts match them
        (saved right after fit, or after forget_users); None when no record can be
        rebuilt (time weights, or views folded in after fit)."""
        if self.half_life is not None:
            return None
        X = self.user_items_
        counted = sp.csr_array(((X.data > 0).astype(np.float64), X.indices, X.indptr), X.shape)
        if not np.array_equal(self._sum(counted), self.item_scores_):
            return None
        return counted
