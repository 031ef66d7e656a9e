"""Hybrid: a weighted blend (scores or ranks) of several recommenders."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from .._validation import check_bool, check_fitted, check_iterable, check_option, check_real
from ..exceptions import DataWarning, InputError
from ..sparse import IdMap, row_indices
from ._base import Recommender, registry

__all__ = ["Hybrid"]

_METHODS = ("score", "rank")
_NORMALIZATIONS = ("zscore", "minmax", "none")


def _normalize_rows(S: np.ndarray, how: str) -> np.ndarray:
    S = S.astype(np.float64)
    if how == "none" or S.shape[1] == 0:
        return S
    if how == "zscore":
        sd = S.std(axis=1, keepdims=True)
        return (S - S.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)
    lo = S.min(axis=1, keepdims=True)
    span = S.max(axis=1, keepdims=True) - lo
    return (S - lo) / np.where(span > 0, span, 1.0)


def _reciprocal_ranks(S: np.ndarray, k: float) -> np.ndarray:
    order = np.argsort(-S, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, S.shape[1] + 1)[None, :], axis=1)
    return 1.0 / (k + ranks)


def _remap_columns(H: sp.csr_array, pos: np.ndarray, width: int) -> sp.csr_array:
    """`H` with column ``c`` moved to ``pos[c]`` (entries with ``pos < 0`` dropped)."""
    col = pos[H.indices]
    keep = col >= 0
    lengths = np.bincount(row_indices(H)[keep], minlength=H.shape[0])
    indptr = np.zeros(H.shape[0] + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    out = sp.csr_array((H.data[keep], col[keep], indptr), shape=(H.shape[0], width))
    out.sort_indices()
    return out


class Hybrid(Recommender):
    """Blend fitted recommenders, e.g. ALS for taste and ContentBased for brand-new films.

    For each user, every component's scores over its whole catalogue are normalised
    (``method="score"``) or turned into reciprocal ranks :math:`1 / (k + \\mathrm{rank})`
    (``method="rank"``, reciprocal rank fusion, Cormack et al. 2009), multiplied by the
    component's weight and summed. A film a component does not know adds nothing from
    it, so films only the content model knows (cold start) still get scores.

    Parameters
    ----------
    models : sequence of Recommender
        The components.
    weights : sequence of float, optional
        One weight per component (default: all 1).
    method : {"score", "rank"}, default="score"
        Blend normalised scores, or reciprocal ranks.
    normalization : {"zscore", "minmax", "none"}, default="zscore"
        Per-user normalisation of each component's scores (``method="score"``).
    rank_constant : float, default=60.0
        :math:`k` of reciprocal rank fusion.
    refit : bool, default=True
        Fit a clone of every component on the data given to :meth:`fit`. With False the
        components must already be fitted and are used as they are (a clone of the
        hybrid then holds unfitted clones, so use refit=True to tune).

    Attributes
    ----------
    models_ : list of Recommender
        The fitted components.

    References
    ----------
    .. [1] G. Cormack, C. Clarke and S. Büttcher, "Reciprocal Rank Fusion Outperforms
       Condorcet and Individual Rank Learning Methods", SIGIR 2009.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> from filmreco.recommend import ItemKNN, Popularity
    >>> X = Interactions.from_arrays([0, 0, 1, 1, 2], ["a", "b", "a", "b", "a"])
    >>> model = Hybrid([ItemKNN(), Popularity()], weights=[1.0, 0.1]).fit(X)
    >>> model.recommend([2], n=1)[0].tolist()
    [['b']]
    """

    def __init__(
        self,
        models: Sequence[Recommender] | None = None,
        *,
        weights: Sequence[float] | None = None,
        method: str = "score",
        normalization: str = "zscore",
        rank_constant: float = 60.0,
        refit: bool = True,
    ) -> None:
        self.models = models
        self.weights = weights
        self.method = method
        self.normalization = normalization
        self.rank_constant = rank_constant
        self.refit = refit

    def _components(self) -> list[Recommender]:
        models = check_iterable([] if self.models is None else self.models, "models")
        if not models or not all(isinstance(m, Recommender) for m in models):
            raise InputError("models must be a non-empty list of filmreco recommenders.")
        return models

    def _weights(self, k: int) -> np.ndarray:
        if self.weights is None:
            return np.ones(k)
        w = np.array(
            [
                check_real(x, "weights entry", min_value=0.0)
                for x in check_iterable(self.weights, "weights")
            ]
        )
        if w.size != k:
            raise InputError(f"weights has {w.size} entries for {k} models; give one per model.")
        return w

    def _check_params(self) -> list[Recommender]:
        models = self._components()
        self._weights(len(models))
        check_option(self.method, _METHODS, "method")
        check_option(self.normalization, _NORMALIZATIONS, "normalization")
        check_real(self.rank_constant, "rank_constant", min_value=0.0)
        check_bool(self.refit, "refit")
        return models

    def fit(self, interactions: Any) -> Hybrid:
        """Fit (clones of) the components, then the blend; see :meth:`Recommender.fit`."""
        models = self._check_params()
        if self.refit:
            fitted = [clone(m).fit(interactions) for m in models]
        else:
            for m in models:
                check_fitted(m)
            fitted = models
        self._pending = fitted
        try:
            super().fit(interactions)
        finally:
            del self._pending
        return self

    def _item_universe(self, items: IdMap) -> IdMap:
        for m in self._pending:
            items = items.extend(m.item_ids_.ids)
        return items

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        self.models_ = list(self._pending)
        self._maps()

    def _forget_rows(self, keep: np.ndarray, user_ids: np.ndarray) -> None:
        for m in self.models_:
            m.forget_users(user_ids)
        self._maps()

    def _maps(self) -> None:
        self.item_pos_ = [
            m.item_ids_.index(self.item_ids_.ids, on_unknown="mask") for m in self.models_
        ]
        self.user_pos_ = [
            m.user_ids_.index(self.user_ids_.ids, on_unknown="mask") for m in self.models_
        ]

    def _scores(
        self,
        H: sp.csr_array,
        rows: np.ndarray,
        cols: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> np.ndarray:
        weights = self._weights(len(self.models_))
        total = np.zeros((rows.size, len(self.item_ids_)))
        for m, w, ipos, upos in zip(self.models_, weights, self.item_pos_, self.user_pos_):
            if w == 0:
                continue
            have = np.flatnonzero(ipos >= 0)
            back = np.full(len(m.item_ids_), -1, dtype=np.int64)
            back[ipos[have]] = have
            Hm = _remap_columns(H, ipos, len(m.item_ids_))
            r = np.full(rows.size, -1, dtype=np.int64)
            known = rows >= 0
            r[known] = upos[rows[known]]
            S = np.asarray(m._scores(Hm, r, None))
            if self.method == "rank":
                part = _reciprocal_ranks(S, float(self.rank_constant))
            else:
                part = _normalize_rows(S, self.normalization)
            ok = back >= 0
            total[:, back[ok]] += w * part[:, ok]
        out = total if cols is None else total[:, cols]
        return out.astype(np.float32)

    def fold_in(
        self,
        interactions: Any,
        *,
        mode: str = "add",
        on_unknown: str = "raise",
        n_jobs: int | None = None,
    ) -> Any:
        """Fold the users into every component and the blend (see :meth:`Recommender.fold_in`).

        A component that does not know some of the films (e.g. ALS and a catalogue-only
        film) folds the users in without them.
        """
        check_fitted(self)
        super().fold_in(interactions, mode=mode, on_unknown=on_unknown, n_jobs=n_jobs)
        for m in self.models_:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataWarning)
                m.fold_in(interactions, mode=mode, on_unknown="ignore", n_jobs=n_jobs)
        self._maps()
        return self

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays: dict[str, np.ndarray] = {}
        metas = []
        for k, m in enumerate(self.models_):
            a, meta = m._export()
            arrays.update({f"m{k}_{name}": v for name, v in a.items()})
            metas.append(meta)
        return arrays, {"models": metas}

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        models = []
        for k, sub in enumerate(meta["models"]):
            prefix = f"m{k}_"
            part = {n[len(prefix) :]: v for n, v in arrays.items() if n.startswith(prefix)}
            cls = registry()[sub["class"]]
            models.append(cls._restore(part, sub))
        self.models = models
        self.models_ = models
        self._maps()
