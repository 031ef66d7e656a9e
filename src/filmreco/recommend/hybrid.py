"""Hybrid: a weighted blend (scores or ranks) of several recommenders."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from .._persist import member
from .._validation import (
    check_bool,
    check_fitted,
    check_iterable,
    check_option,
    check_real,
    shorten,
    user_stacklevel,
)
from ..data import Interactions
from ..exceptions import DataWarning, FormatError, InputError
from ..metrics import ndcg_at_k
from ..sparse import IdMap, row_indices, topk
from ._base import Recommender, registry
from ._inputs import training_data

__all__ = ["Hybrid"]

_METHODS = ("score", "rank")
_NORMALIZATIONS = ("zscore", "minmax", "none")
#: Largest weight of a component. Only the ratios of the weights matter for the ranking,
#: and beyond this the weighted sum heads for overflow (weights of 1e308 made every score
#: -inf and every list empty); float32 scores cannot tell ratios beyond 1e8 apart anyway.
WEIGHT_MAX = 1e12


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


#: Seeds of the validation splits :class:`Hybrid` learns its weights on (fixed, so a fit
#: is reproducible; the constructor has no ``random_state``).
STACK_SEEDS = (0, 1)
_STACK_HOLDOUT = 0.2  # share of each user's training positives held out for validation
_STACK_USERS = 2000  # validation users per split, at most (a fixed random subset)
_STACK_K = 10  # NDCG cut-off the weights maximise


def _simplex(k: int) -> np.ndarray:
    """Weight vectors inside the simplex: a grid of step 1/10 for up to 3 components,
    coarser for more (at most a few hundred points), every weight at least one step, so
    every component keeps a say (a film only one component knows, e.g. a brand-new film of
    a content model, still gets a score); the centre comes first."""
    if k == 1:
        return np.ones((1, 1))
    steps = max(k, 10 if k <= 3 else (6 if k == 4 else 8 if k <= 6 else k))
    points = [
        np.bincount(np.asarray(c, dtype=np.int64), minlength=k)
        for c in itertools.combinations_with_replacement(range(k), steps - k)
    ]
    grid = np.unique((np.array(points, dtype=np.float64) + 1.0) / steps, axis=0)[::-1]
    grid = grid[~np.all(np.isclose(grid, 1.0 / k), axis=1)]
    return np.vstack([np.full((1, k), 1.0 / k), grid])  # the centre first: it wins ties


def _validation_ndcg(parts: list[np.ndarray], seen: np.ndarray, relevant: Any,
                     grid: np.ndarray) -> np.ndarray:  # fmt: skip
    """Mean NDCG@10 of the validation users for every weight vector of `grid`."""
    out = np.empty(grid.shape[0])
    for g, w in enumerate(grid):
        S = np.zeros(parts[0].shape, dtype=np.float64)
        for wk, P in zip(w, parts):
            if wk:
                S += wk * P
        S[seen] = -np.inf
        ranked, _ = topk(S, _STACK_K)
        per_user = ndcg_at_k(ranked, relevant, _STACK_K, gain="binary")
        ok = ~np.isnan(per_user)  # NaN: no relevant film, whatever the weights
        out[g] = float(per_user[ok].mean()) if ok.any() else 0.0
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
        One weight per component, each in ``[0, 1e12]`` (only their ratios matter for
        the ranking). None (the default) learns them by stacking on the
        training data alone: on each of two per-user random 20% validation splits carved
        from the data given to :meth:`fit` (fixed seeds :data:`STACK_SEEDS`), clones of
        the components are fitted on the rest, and the weights on a simplex grid (step
        1/10 for up to three components, each weight at least one step, so that every
        component, e.g. a content model for brand-new films, keeps a say) that maximise the validation users' mean
        NDCG@10 (binary relevance, training films filtered, up to 2,000 users per split)
        over both splits are kept (ties: equal weights first). This costs two extra fits
        of every component. With ``refit=False`` the components are already fitted on
        data the hybrid never saw, so the weights are then equal.
    method : {"score", "rank"}, default="score"
        Blend normalised scores, or reciprocal ranks.
    normalization : {"zscore", "minmax", "none"}, default="zscore"
        Per-user normalisation of each component's scores (``method="score"``).
    rank_constant : float, default=60.0
        :math:`k` of reciprocal rank fusion.
    refit : bool, default=True
        Fit a clone of every component on the data given to :meth:`fit`. With False the
        components must already be fitted and are used as they are (a clone of the
        hybrid then holds unfitted clones, so use refit=True to tune). They are not
        copied: ``models_`` holds your own objects, so :meth:`fold_in` and
        :meth:`forget_users` on the hybrid change them too (the folded-in users join
        them; erased users leave them, as erasure requires). Pass copies
        (``copy.deepcopy``) to keep the originals as they are.

    Attributes
    ----------
    models_ : list of Recommender
        The fitted components.
    weights_ : numpy.ndarray of float64
        The weights used: `weights` as given, or the learned ones (summing to 1).
    stacking_ : dict or None
        With learned weights: ``{"grid": weights tried, "ndcg": their validation NDCG@10,
        "n_users": validation users per split}``; None otherwise.

    References
    ----------
    .. [1] G. Cormack, C. Clarke and S. Büttcher, "Reciprocal Rank Fusion Outperforms
       Condorcet and Individual Rank Learning Methods", SIGIR 2009.
    .. [2] D. Wolpert, "Stacked generalization", Neural Networks 5(2), 1992 (weights of
       a combination learned on held-out predictions).

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> from filmreco.recommend import ItemKNN, Popularity
    >>> X = Interactions.from_arrays([0, 0, 1, 1, 2], ["a", "b", "a", "b", "a"])
    >>> model = Hybrid([ItemKNN(), Popularity()], weights=[1.0, 0.1]).fit(X)
    >>> model.recommend([2], n=1)[0].tolist()
    [['b']]

    Without `weights`, they are learned on validation splits of the training data:

    >>> from filmreco.datasets import make_synthetic
    >>> w = make_synthetic(200, 50, density=0.08, random_state=0)
    >>> model = Hybrid([ItemKNN(n_neighbors=20), Popularity()]).fit(w.interactions)
    >>> model.weights_.sum(), len(model.stacking_["ndcg"]) == 9
    (np.float64(1.0), True)
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
        if w.size and w.max() > WEIGHT_MAX:
            raise InputError(
                f"weights entry {float(w.max()):.3g} is above {WEIGHT_MAX:g}, where the blend "
                "overflows; only the ratios of the weights matter, so scale them down "
                "(e.g. to sum to 1)."
            )
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
            for k, m in enumerate(models):
                check_fitted(
                    m,
                    hint=f"Hybrid(refit=False) blends its components as they are, and this is "
                    f"models[{k}]: fit it first, or use refit=True to fit a clone of every "
                    "component on the data given to fit.",
                )
            fitted = models
        stacking: dict[str, Any] | None = None
        if self.weights is not None:
            weights = self._weights(len(models))
        elif self.refit and len(models) > 1:
            weights, stacking = self._stack(models, interactions)
        else:
            weights = np.full(len(models), 1.0 / len(models))
        self._pending = fitted
        self._pending_weights = (weights, stacking)
        self._pending_items = training_data(interactions)[0].shape[1]
        try:
            super().fit(interactions)
        finally:
            del self._pending, self._pending_weights, self._pending_items
        return self

    def _stack(
        self, models: list[Recommender], interactions: Any
    ) -> tuple[np.ndarray, dict[str, Any] | None]:
        """Weights maximising NDCG@10 on validation splits of `interactions` (see `weights`)."""
        from .evaluation import split_random  # evaluation imports the models' package

        k = len(models)
        equal = np.full(k, 1.0 / k)
        if not isinstance(interactions, Interactions):
            X = sp.csr_array(interactions)
            interactions = Interactions(X)
        grid = _simplex(k)
        total = np.zeros(grid.shape[0])
        n_users = []
        for seed in STACK_SEEDS:
            fit_part, valid = split_random(interactions, _STACK_HOLDOUT, random_state=seed)
            V = sp.csr_array(valid.matrix)
            users = np.flatnonzero(np.diff(V.indptr) > 0)
            if users.size == 0:
                continue
            if users.size > _STACK_USERS:
                rng = np.random.default_rng(seed)
                users = np.sort(rng.choice(users, _STACK_USERS, replace=False))
            fitted = [clone(m).fit(fit_part) for m in models]
            ids = fit_part.user_ids.ids[users]
            parts = []
            blend = None
            for j in range(k):
                one = np.zeros(k)
                one[j] = 1.0
                blend = clone(self).set_params(models=fitted, weights=one, refit=False)
                blend.fit(fit_part)
                parts.append(np.asarray(blend.score(ids, blend.item_ids_.ids), np.float64))
            assert blend is not None
            cols = blend.item_ids_.index(fit_part.item_ids.ids, on_unknown="mask")
            seen = np.zeros(parts[0].shape, dtype=bool)
            relevant = np.zeros(parts[0].shape, dtype=np.float64)
            for M, out in ((fit_part.seen, seen), (V, relevant)):
                sub = sp.csr_array(M)[users].tocoo()
                keep = cols[sub.col] >= 0
                out[sub.row[keep], cols[sub.col[keep]]] = 1
            relevant[seen] = 0  # a held-out film also seen in training cannot be ranked
            total += _validation_ndcg(parts, seen, sp.csr_array(relevant), grid)
            n_users.append(int(users.size))
        if not n_users:
            return equal, None
        best = int(np.argmax(total))
        info = {"grid": grid, "ndcg": total / len(n_users), "n_users": n_users}
        return grid[best].copy(), info

    def _item_universe(self, items: IdMap) -> IdMap:
        for m in self._pending:
            items = items.extend(m.item_ids_.ids)
        return items

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        self.models_ = list(self._pending)
        self.weights_, self.stacking_ = self._pending_weights
        self.n_data_items_ = self._pending_items
        self._maps()

    def _forget_rows(self, keep: np.ndarray, user_ids: np.ndarray) -> None:
        for m in self.models_:
            m.forget_users(user_ids)
        self._maps()

    def _forget_items(self, gone: np.ndarray) -> None:
        if self.stacking_ is not None:  # learned weights: learn them again without the users
            n = int(self.n_data_items_)
            X = sp.csr_array(self.user_items_)[:, :n]
            seen = getattr(self, "seen_", None)
            data = Interactions(
                X,
                self.user_ids_.ids,
                self.item_ids_.ids[:n],
                seen=None if seen is None else sp.csr_array(seen)[:, :n],
            )
            self.weights_, self.stacking_ = self._stack(self._components(), data)
        elif getattr(self, "_stale_weights_", False):
            warnings.warn(
                f"{gone.size} users forgotten, but this Hybrid was loaded from a file of an "
                "older filmreco that does not record how its weights were learned: weights_ "
                "still reflects their data. Refit the model on the data without them.",
                DataWarning,
                stacklevel=user_stacklevel(),
            )

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
        weights = self.weights_
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

    def _state_version(self) -> int:
        # 3 records whether the weights were learned; components may need it too
        learned = 3 if self.stacking_ is not None else 1
        return max([learned, *(m._save_version() for m in self.models_ if m._save_version() >= 3)])

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays: dict[str, np.ndarray] = {}
        metas = []
        for k, m in enumerate(self.models_):
            a, meta = m._export()
            arrays.update({f"m{k}_{name}": v for name, v in a.items()})
            metas.append(meta)
        arrays["weights_"] = np.asarray(self.weights_, dtype=np.float64)
        state: dict[str, Any] = {"models": metas}
        if self._state_version() >= 3:
            state["n_data_items"] = int(self.n_data_items_)
            state["stacking"] = self.stacking_ is not None
            if self.stacking_ is not None:
                arrays["stacking_grid"] = np.asarray(self.stacking_["grid"], dtype=np.float64)
                arrays["stacking_ndcg"] = np.asarray(self.stacking_["ndcg"], dtype=np.float64)
                arrays["stacking_n_users"] = np.asarray(self.stacking_["n_users"], np.int64)
        return arrays, state

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        models = []
        for k, sub in enumerate(meta["models"]):
            prefix = f"m{k}_"
            part = {n[len(prefix) :]: v for n, v in arrays.items() if n.startswith(prefix)}
            cls = registry()[sub["class"]]
            models.append(cls._restore(part, sub))
        self.models = models
        self.models_ = models
        saved = arrays.get("weights_")
        if saved is None and "stacking" in meta:  # format version 3 always holds them
            raise FormatError("the file lacks the array weights_ (the blend's weights).")
        if saved is None:
            self.weights_ = self._weights(len(models))
        else:
            w = np.asarray(saved, dtype=np.float64)
            if w.shape != (len(models),) or not ((w >= 0) & (w <= WEIGHT_MAX)).all():
                raise FormatError(
                    f"weights_ must hold {len(models)} floats in [0, {WEIGHT_MAX:g}], one per "
                    "model."
                )
            self.weights_ = w
        self.stacking_ = None
        if "stacking" in meta:
            self._set_stacking(arrays, meta, len(models))
        else:  # an older file: learned weights cannot be learned again after an erasure
            if "stacking_grid" in arrays or "n_data_items" in meta:
                raise FormatError("the file holds a stacking record its header does not declare.")
            self.n_data_items_ = len(self.item_ids_)  # unknown; used only to learn weights
            learned = self.weights is None and self.refit is True and len(models) > 1
            self._stale_weights_ = learned
        self._maps()

    def _set_stacking(self, arrays: dict[str, np.ndarray], meta: dict[str, Any], k: int) -> None:
        """The learned-weight record of a file of format version 3."""
        n = meta.get("n_data_items")
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= len(self.item_ids_):
            raise FormatError(
                f"n_data_items must be an int in [0, {len(self.item_ids_)}], got {shorten(n)}."
            )
        self.n_data_items_ = n
        learned = meta["stacking"]
        if not isinstance(learned, bool):
            raise FormatError(f"stacking must be true or false, got {shorten(learned)}.")
        if not learned:
            if "stacking_grid" in arrays:
                raise FormatError("the file holds stacking arrays its header says it has not.")
            return
        grid = member(arrays, "stacking_grid", kinds="f", shape=(None, k), finite=True)
        ndcg = member(arrays, "stacking_ndcg", kinds="f", shape=(grid.shape[0],), finite=True)
        n_users = member(arrays, "stacking_n_users", kinds="iu", shape=(None,))
        if grid.shape[0] == 0 or (grid < 0).any() or (grid > 1).any() or (n_users < 0).any():
            raise FormatError(
                "stacking_grid must hold weight vectors in [0, 1], and stacking_n_users "
                "counts >= 0."
            )
        self.stacking_ = {
            "grid": grid.astype(np.float64),
            "ndcg": ndcg.astype(np.float64),
            "n_users": [int(u) for u in n_users],
        }
