"""The :class:`Recommender` contract: one small API shared by every model.

A subclass implements a small private interface; the base class does the rest (ids,
filters, unknown users, blocks, parallelism, persistence):

- ``_fit(X, timestamps)`` learns from the users x items CSR matrix ``X`` (float32,
  non-negative; ``self.user_ids_``, ``self.item_ids_``, ``self.user_items_`` and
  ``self.item_popularity_`` are already set);
- ``_scores(H, rows, cols, allowed=None)`` returns float32 scores ``(len(rows), n_items)``
  (or only the columns `cols`) for users whose interactions are the rows of ``H``;
  ``rows[i]`` is the user's row in the training data, or ``-1`` for a user known only
  through ``H`` (fold-in). ``allowed`` is None, or (for a model whose ``_uses_allowed``
  is True) a boolean ``(len(rows), n_items)`` mask of the films that may be returned to
  each user (neither seen, when seen films are filtered, nor outside ``items=`` /
  ``exclude=``): a model that scores by ranks over those films (the
  :class:`~filmreco.social.SocialRecommender`'s rank fusion) reads it; the others ignore
  it. A model whose scores need more precision than float32 to rank sets
  ``_score_dtype``;
- optional: ``_similarity(items, cols)`` (item-item scores; default: cosine of the
  training columns), ``_update_users(rows)`` (refresh per-user state after
  :meth:`Recommender.fold_in`), ``_forget_rows(keep, ids)`` (drop per-user state after
  :meth:`Recommender.forget_users`), ``_forget_items(gone)`` (remove the erased users'
  traces from item-side state), ``_explain(h, row, item)``, ``_state()`` /
  ``_set_state(arrays, meta)`` (the learned arrays, for :meth:`save`/:meth:`load`),
  ``_tuning_parts(train, tuned)`` (parameters the candidates of a grid search share,
  fitted once per validation split by :func:`~filmreco.recommend.evaluation.tune`).
"""

from __future__ import annotations

from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from .._parallel import check_n_jobs
from .._validation import (
    check_bool,
    check_fitted,
    check_int,
    check_option,
    check_real,
    plain_reprs,
    shorten,
)
from ..data._ops import pattern_from, seen_or_none
from ..data._ops import take_rows as take_sorted_rows
from ..exceptions import InputError, NotSupportedError, UnknownIdError
from ..sparse import IdMap, as_id_array, build_csr, normalize, row_indices, topk_blocks
from ._inputs import (
    ON_UNKNOWN_USERS,
    Query,
    align_items,
    history_for,
    known_rows,
    seen_for,
    seen_of,
    take_rows,
    training_data,
)
from ._io import PersistMixin, registry
from ._serve import BlockScorer, SimilarityScorer, audience, block_rows, dense_scores
from .rerank import mmr

__all__ = ["Recommender", "registry"]

_FIT_MODES = ("add", "replace")


#: Padded result lists longer than anything could fill are refused above this size (bytes).
PADDING_LIMIT = 1 << 30


def check_width(n: int, n_rows: int, available: int, what: str) -> None:
    """Refuse an `n` past the `available` candidates whose padded lists would be huge.

    Lists are padded to length `n`; past `available` the padding fills nothing, so an
    ``n`` like ``10**9`` would only exhaust memory. Below :data:`PADDING_LIMIT` (about
    1 GiB of ids and scores) any `n` is kept, padding included."""
    if n <= available:
        return
    size = 12.0 * n_rows * n  # an int64 id (or more for text ids) and a float32 score each
    if size > PADDING_LIMIT:
        raise InputError(
            f"n={n} is more than the {available} {what} that can fill a list, and "
            f"{n_rows} lists padded to that length would take {size / 2**30:.1f} GiB; "
            f"pass n <= {available}."
        )


class Recommender(PersistMixin, BaseEstimator):
    """Base class of filmreco's recommenders (not used directly).

    Every model takes an :class:`~filmreco.data.Interactions` in :meth:`fit` and answers in
    external ids: :meth:`recommend` (items for users), :meth:`recommend_users` (the audience
    of an item), :meth:`similar_items`, :meth:`score`, plus :meth:`fold_in` for new or
    updated users, :meth:`save` / :meth:`load`, and :meth:`explain` where the model allows.

    *Seen* is not *positive*: a model learns from the positives (the training matrix,
    kept as ``user_items_``), but when the training data is an Interactions whose
    :attr:`~filmreco.data.Interactions.seen` set holds more, e.g. the films a user rated
    below the threshold of :meth:`~filmreco.data.Interactions.to_implicit`, the model
    keeps that set too (``seen_``: a boolean users x items CSR array, or None when the seen
    films are the positives), and ``filter_seen=True`` never returns any of them. The
    splitters of :mod:`filmreco.recommend.evaluation` give parts whose seen set is their
    positives, so evaluation filters the training positives only (the usual protocol).

    A user with no interactions (a known user whose history is empty, or an empty
    ``user_items`` row) gets the items' training popularity as scores: a model that
    scores from the history alone knows nothing about them, and would otherwise rank
    the catalogue by an arbitrary tie order. Models whose users carry other information
    (:class:`~filmreco.recommend.CrossDomain`: a partner-domain history) score them
    themselves.

    Examples
    --------
    A new model implements two hooks, ``_fit`` (learn from the CSR training matrix) and
    ``_scores`` (score the histories ``H`` of a block of users); everything else, from id
    handling to :meth:`recommend_users` and :meth:`save`, comes from this class:

    >>> from filmreco.datasets import load_sample
    >>> class CoViews(Recommender):
    ...     # score a film by how often it was seen with the user's films
    ...     def _fit(self, X, timestamps):
    ...         self.co_views_ = (X.T @ X).toarray()
    ...     def _scores(self, H, rows, cols, allowed=None):
    ...         S = H @ self.co_views_
    ...         return S if cols is None else S[:, cols]
    >>> X = load_sample().interactions
    >>> model = CoViews().fit(X)
    >>> items, scores = model.recommend(X.user_ids.ids[:2], n=3)
    >>> items.shape, bool((scores[:, 0] >= scores[:, 1]).all())
    ((2, 3), True)
    >>> audience, _ = model.recommend_users([X.item_ids.ids[0]], n=2)  # one film's audience
    >>> audience.shape
    (1, 2)
    """

    #: Whether an empty history leaves the model nothing to score with (see above).
    _empty_history_is_popular: bool = True
    #: Whether ``_scores`` reads its ``allowed`` mask (the base then builds it).
    _uses_allowed: bool = False
    #: dtype the scores are ranked in (float64 for scores that differ below float32's step).
    _score_dtype: type = np.float32

    def __sklearn_is_fitted__(self) -> bool:
        return bool(getattr(self, "_fitted", False))

    # fitting ------------------------------------------------------------------------
    def _reset(self) -> None:
        for key in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, key)
        self._fitted = False

    def _item_universe(self, items: IdMap) -> IdMap:
        """Items the model can score; a subclass may add some (e.g. catalogue-only films)."""
        return items

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        # scikit-learn shows parameters with repr(): np.float32(10.0) -> 10.0 for users
        return plain_reprs(super().__repr__(N_CHAR_MAX))

    def fit(self, interactions: Any) -> Recommender:
        """Learn from users x items interactions; a second call starts from scratch.

        The hyper-parameters are read here: a ``set_params`` on a fitted model applies
        at the next fit (as in scikit-learn), and :meth:`save` writes the ones the
        fitted state was learned with.

        Parameters
        ----------
        interactions : Interactions
            Implicit feedback (views, likes, thresholded ratings): non-negative values, larger
            meaning stronger. A scipy sparse matrix is accepted too (ids are then the row
            and column indices). The model learns from the matrix and remembers the
            container's :attr:`~filmreco.data.Interactions.seen` set, which
            ``filter_seen=True`` filters.

        Returns
        -------
        self

        Raises
        ------
        InputError
            Negative, NaN or infinite values, no items, or invalid hyper-parameters.
        TypeError
            `interactions` is neither an Interactions nor a sparse matrix.
        """
        self._reset()
        params = self._params_snapshot()  # what save writes (set_params applies at next fit)
        X, users, items, ts = training_data(interactions)
        if X.shape[1] == 0:
            raise InputError("interactions has no items; there is nothing to recommend.")
        seen = seen_of(interactions)
        universe = self._item_universe(items)
        if len(universe) != X.shape[1]:
            X = sp.csr_array((X.data, X.indices, X.indptr), shape=(X.shape[0], len(universe)))
            if seen is not None:
                seen = sp.csr_array(
                    (seen.data, seen.indices, seen.indptr), shape=(X.shape[0], len(universe))
                )
        try:
            self.user_ids_ = users
            self.item_ids_ = universe
            self.user_items_ = X
            self.seen_ = seen
            self.item_popularity_ = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float64)
            self._fit(X, ts)
        except BaseException:
            self._reset()
            raise
        self._fit_params_ = params
        self._fitted = True
        return self

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        raise NotImplementedError

    def _scores(
        self,
        H: sp.csr_array,
        rows: np.ndarray,
        cols: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> np.ndarray:
        raise NotImplementedError

    def _update_users(self, rows: np.ndarray) -> None:
        """Refresh per-user state of `rows` from ``user_items_`` (after fold_in)."""

    def _forget_rows(self, keep: np.ndarray, user_ids: np.ndarray) -> None:
        """Keep only the per-user state of the old rows `keep` (after forget_users).

        ``user_ids_``, ``user_items_``, ``item_popularity_`` and ``user_factors_`` are
        already cut; a model with other per-user state, or with components (which forget
        `user_ids` themselves), overrides this. Called even when no row went.
        """

    def _forget_items(self, gone: np.ndarray) -> None:
        """Remove the erased users' traces from item-side state (after forget_users).

        `gone` holds their old row indices; ``user_items_`` no longer has them. Called
        only when some row went, after ``_forget_rows``. Default: nothing (the item side
        keeps them until the next fit).
        """

    def _tuning_parts(self, train: Any, tuned: set[str]) -> dict[str, Any]:
        """Parameters every candidate of a grid search may share, fitted on `train`.

        `tuned` names the parameters the grid sets. A model wrapping a sub-model the grid
        leaves alone returns it fitted once (e.g. ``{"base": fitted, "refit": False}``), so
        :func:`~filmreco.recommend.evaluation.tune` does not fit it again per candidate;
        the candidates must score exactly as if each had fitted it. Default: nothing shared.
        """
        return {}

    def _similarity(self, items: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
        """Item-item similarity rows; default: cosine of the training columns."""
        V = normalize(self.user_items_.T.tocsr())
        S = (V[items] @ V.T).toarray() if len(items) else np.zeros((0, V.shape[0]))
        return np.asarray(S if cols is None else S[:, cols], dtype=np.float32)

    # queries ------------------------------------------------------------------------
    def _n_items(self) -> int:
        return len(self.item_ids_)

    def _seen_rows(self, rows: np.ndarray, H: sp.csr_array) -> sp.csr_array:
        """The seen films of model rows `rows` (``-1``: none), `H` being their history."""
        seen = getattr(self, "seen_", None)
        return H if seen is None else take_rows(seen, rows)

    def _query(self, user_ids: Any, on_unknown: str, user_items: Any) -> Query:
        check_option(on_unknown, ON_UNKNOWN_USERS, "on_unknown")
        ids, _ = as_id_array(user_ids, "user_ids")
        n = ids.size
        if user_items is not None:
            H = history_for(ids, user_items, self.item_ids_)
            empty = np.diff(H.indptr) == 0
            seen = seen_for(ids, user_items, self.item_ids_)
            return Query(
                np.full(n, -1, dtype=np.int64),
                H,
                empty & self._empty_history_is_popular,
                H if seen is None else seen,
            )
        rows = self.user_ids_.index(ids, on_unknown="mask", name="user_ids")
        unknown = rows < 0
        if unknown.any() and on_unknown == "raise":
            bad = ids[unknown][:5].tolist()
            raise UnknownIdError(
                f"{int(unknown.sum())} of the {n} user_ids are not known to this "
                f"{type(self).__name__} (e.g. {shorten(bad)}); add them with fold_in(...), pass their "
                "history as user_items=..., or use on_unknown='popular'."
            )
        H = take_rows(self.user_items_, rows)
        popular = unknown | ((np.diff(H.indptr) == 0) & self._empty_history_is_popular)
        return Query(rows, H, popular, self._seen_rows(rows, H))

    def _candidates(self, items: Any, exclude: Any) -> np.ndarray | None:
        if items is None and exclude is None:
            return None
        m = self._n_items()
        allowed = np.zeros(m, dtype=bool)
        if items is None:
            allowed[:] = True
        else:
            allowed[self.item_ids_.index(items, name="items")] = True
        if exclude is not None:
            allowed[self.item_ids_.index(exclude, on_unknown="ignore", name="exclude")] = False
        return np.flatnonzero(allowed)

    def _items(self, item_ids: Any, name: str = "item_ids") -> np.ndarray:
        return self.item_ids_.index(item_ids, name=name)

    # serving ------------------------------------------------------------------------
    def recommend(
        self,
        user_ids: Any,
        n: int = 10,
        *,
        filter_seen: bool = True,
        items: Any = None,
        exclude: Any = None,
        user_items: Any = None,
        on_unknown: str = "raise",
        diversity: float = 0.0,
        n_jobs: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the top `n` items for each user, best first.

        Parameters
        ----------
        user_ids : id or array-like of ids
            External user ids; repeats are allowed (each gets its own row).
        n : int, default=10
            Length of each list, ``>= 0``; rows with fewer eligible items are padded (an
            `n` past the number of items whose padded lists would take over
            :data:`PADDING_LIMIT` bytes raises an InputError).
        filter_seen : bool, default=True
            Never return an item the user has seen (not even as padding): a training
            positive, or any other film of the training data's
            :attr:`~filmreco.data.Interactions.seen` set, such as one rated below the
            :meth:`~filmreco.data.Interactions.to_implicit` threshold.
        items : array-like of item ids, optional
            Only these items may be returned (e.g. the films available in a region).
        exclude : array-like of item ids, optional
            These items are never returned (ids the model does not know are ignored).
        user_items : Interactions or sparse matrix, optional
            Use this history for the users instead of the training data, without changing
            the model (an Interactions is matched by user and item id; a matrix gives one row
            per query user over the model's ``item_ids_``). Unknown users are then fine.
            The films filtered are then that Interactions' seen set (a matrix: its
            entries).
        on_unknown : {"raise", "popular"}, default="raise"
            Users the model does not know: raise :class:`~filmreco.exceptions.UnknownIdError`,
            or recommend the most popular items to them.
        diversity : float, default=0.0
            In ``[0, 1]``; above 0 the list is re-ranked by maximal marginal relevance over
            the model's item similarity (:func:`~filmreco.recommend.mmr`), so one franchise
            does not fill it.
        n_jobs : int or None, default=None
            Workers for the blocks of users; see :ref:`n_jobs`. The result does not
            depend on it.

        Returns
        -------
        ids : numpy.ndarray, shape (len(user_ids), n)
            Item ids, best first; padding is the id map's missing value (-1 or "").
        scores : numpy.ndarray of float32, shape (len(user_ids), n)
            The model's scores (``-inf`` for padding).

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        UnknownIdError
            Unknown users (with ``on_unknown="raise"``) or unknown ids in `items`.
        """
        check_fitted(self)
        n = check_int(n, "n", min_value=0)
        diversity = check_real(diversity, "diversity", min_value=0.0, max_value=1.0)
        filter_seen = check_bool(filter_seen, "filter_seen")
        q = self._query(user_ids, on_unknown, user_items)
        check_width(n, q.n, self._n_items(), "items")
        cand = self._candidates(items, exclude)
        pool = n if diversity == 0 or n == 0 else min(max(4 * n, n + 20), self._n_items())
        scorer = BlockScorer(self, q, None, filter_seen=filter_seen, candidates=cand)
        idx, val = self._topn(scorer, q, pool, cand, filter_seen, n_jobs)
        if pool > n:
            idx, val = mmr(idx, val, self._similarity, n, diversity=diversity)
        return self.item_ids_.to_ids(idx), val.astype(np.float32, copy=False)

    def _topn(
        self,
        scorer: BlockScorer,
        q: Query,
        n: int,
        cand: np.ndarray | None,
        filter_seen: bool,
        n_jobs: int | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-`n` item rows of the query users (a model may serve them faster)."""
        return topk_blocks(
            scorer,
            q.n,
            n,
            block_size=block_rows(self._n_items()),
            exclude=q.seen if filter_seen else None,
            candidates=cand,
            n_jobs=n_jobs,
        )

    def recommend_users(
        self,
        item_ids: Any,
        n: int = 10,
        *,
        filter_seen: bool = True,
        users: Any = None,
        n_jobs: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the `n` users most likely to want each item: its campaign audience.

        Parameters
        ----------
        item_ids : id or array-like of ids
            External item ids.
        n : int, default=10
            Audience size per item.
        filter_seen : bool, default=True
            Leave out users who have seen the item: a training positive, or any pair of
            the training data's :attr:`~filmreco.data.Interactions.seen` set (e.g. a
            rating below the positive threshold).
        users : array-like of user ids, optional
            Only consider these users (e.g. those reachable in a region).
        n_jobs : int or None, default=None
            Workers for the blocks of users; see :ref:`n_jobs`.

        Returns
        -------
        ids : numpy.ndarray, shape (len(item_ids), n)
            User ids, best first, padded with the id map's missing value.
        scores : numpy.ndarray of float32, shape (len(item_ids), n)
        """
        check_fitted(self)
        n = check_int(n, "n", min_value=0)
        filter_seen = check_bool(filter_seen, "filter_seen")
        cols = self._items(item_ids)
        if users is None:
            urows = np.arange(len(self.user_ids_), dtype=np.int64)
        else:
            urows = np.unique(self.user_ids_.index(users, name="users"))
        check_width(n, cols.size, urows.size, "users")
        idx, val = audience(self, urows, cols, n, filter_seen, n_jobs)
        safe = np.where(idx >= 0, urows[np.maximum(idx, 0)] if urows.size else -1, -1)
        return self.user_ids_.to_ids(safe), val.astype(np.float32, copy=False)

    def similar_items(
        self, item_ids: Any, n: int = 10, *, items: Any = None, n_jobs: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the `n` items most similar to each item (itself excluded), best first.

        Parameters
        ----------
        item_ids : id or array-like of ids
        n : int, default=10
        items : array-like of item ids, optional
            Only these items may be returned.
        n_jobs : int or None, default=None
            Workers for the blocks of items; see :ref:`n_jobs`.

        Returns
        -------
        ids : numpy.ndarray, shape (len(item_ids), n)
        scores : numpy.ndarray of float32, shape (len(item_ids), n)
        """
        check_fitted(self)
        n = check_int(n, "n", min_value=0)
        rows = self._items(item_ids)
        m = self._n_items()
        check_width(n, rows.size, max(m - 1, 0), "other items")
        own = build_csr(np.arange(rows.size), rows, shape=(rows.size, m), duplicates="max")
        idx, val = topk_blocks(
            SimilarityScorer(self, rows),
            rows.size,
            n,
            block_size=block_rows(m),
            exclude=own,
            candidates=self._candidates(items, None),
            n_jobs=n_jobs,
        )
        return self.item_ids_.to_ids(idx), val.astype(np.float32, copy=False)

    def score(
        self,
        user_ids: Any,
        item_ids: Any,
        *,
        filter_seen: bool = False,
        user_items: Any = None,
        on_unknown: str = "raise",
        n_jobs: int | None = None,
    ) -> np.ndarray:
        """Return the model's score of every (user, item) pair: shape (n_users, n_items).

        Parameters
        ----------
        user_ids : id or array-like of ids
        item_ids : id or array-like of ids
        filter_seen : bool, default=False
            False: seen items are scored like any other. True: the scores are the ones
            :meth:`recommend` ranks by (for models that rank over the films that may be
            returned, such as :class:`~filmreco.social.SocialRecommender`, they differ),
            and seen items (as in :meth:`recommend`) score ``-inf``.
        user_items, on_unknown, n_jobs
            As in :meth:`recommend`: users are scored in blocks through the parallel seam.

        Returns
        -------
        numpy.ndarray of float32, shape (len(user_ids), len(item_ids))
        """
        check_fitted(self)
        filter_seen = check_bool(filter_seen, "filter_seen")
        q = self._query(user_ids, on_unknown, user_items)
        cols = self._items(item_ids)
        every = cols.size == len(self.item_ids_) and np.array_equal(cols, np.arange(cols.size))
        # all items in catalogue order: score them whole (no column gather of the model)
        scorer = BlockScorer(self, q, None if every else cols, filter_seen=filter_seen)
        S = dense_scores(scorer, q.n, cols.size, n_jobs)
        if filter_seen and q.seen.nnz:
            seen = q.seen[:, cols].tocsr() if not every else q.seen
            S[row_indices(seen), seen.indices] = -np.inf
        return S

    def explain(self, user_id: Any, item_id: Any, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Return the user's films that contributed most to the score of `item_id`.

        Parameters
        ----------
        user_id, item_id : id
            A known user and item.
        n : int, default=10
            Number of contributing films to return.

        Returns
        -------
        ids : numpy.ndarray
            Up to `n` item ids from the user's history, largest contribution first.
        contributions : numpy.ndarray of float64
            Their additive share of the score (see the model's Notes).

        Raises
        ------
        NotSupportedError
            For models whose scores do not decompose over the user's films (a
            :class:`~filmreco.exceptions.FilmrecoError` and a ``NotImplementedError``),
            once the ids are known to be valid.
        """
        check_fitted(self)
        n = check_int(n, "n", min_value=0)
        u = int(self.user_ids_.index([user_id], name="user_id")[0])
        j = int(self._items([item_id], name="item_id")[0])
        if type(self)._explain is Recommender._explain:
            raise NotSupportedError(
                f"{type(self).__name__} cannot explain its scores; ItemKNN, EASE and ALS can."
            )
        h = take_rows(self.user_items_, np.array([u]))
        idx, contrib = self._explain(h, u, j)
        order = np.lexsort((idx, -contrib))[:n]
        return self.item_ids_.to_ids(idx[order]), np.asarray(contrib[order], dtype=np.float64)

    def _explain(self, h: sp.csr_array, row: int, item: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    # new users ----------------------------------------------------------------------
    def fold_in(
        self,
        interactions: Any,
        *,
        mode: str = "add",
        on_unknown: str = "raise",
        n_jobs: int | None = None,
    ) -> Any:
        """Add new users, or update known ones, without refitting the item side.

        Parameters
        ----------
        interactions : Interactions
            Events of the users to fold in (matched by user and item id). Its
            :attr:`~filmreco.data.Interactions.seen` set joins the model's (replaces the
            user's, with ``mode="replace"``), so ``filter_seen`` keeps filtering it.
        mode : {"add", "replace"}, default="add"
            For users already known: add the events to their history, or replace it.
        on_unknown : {"raise", "ignore"}, default="raise"
            Events on items the model was not fitted on: raise, or drop them with a
            DataWarning.
        n_jobs : int or None, default=None
            Workers (or kernel threads) for recomputing the users' state; see
            :ref:`n_jobs`. The result does not depend on it.

        Returns
        -------
        self
            New users are appended to ``user_ids_``; item parameters (factors, similarities,
            popularity) are unchanged. Per-user state (factors, profiles) of the affected
            users is recomputed.
        """
        check_fitted(self)
        check_option(mode, _FIT_MODES, "mode")
        n_jobs = check_n_jobs(n_jobs)
        H, umap = align_items(
            interactions, self.item_ids_, name="interactions", on_unknown=on_unknown
        )
        if len(umap) == 0:
            return self
        users = self.user_ids_.extend(umap.ids)
        rows = users.index(umap.ids)
        X = self.user_items_
        n_users = len(users)
        old_row = row_indices(X)
        keep = np.ones(X.nnz, dtype=bool)
        if mode == "replace":
            touched = np.zeros(n_users, dtype=bool)
            touched[rows] = True
            keep = ~touched[old_row]
        h_row = rows[row_indices(H)]
        self.user_items_ = build_csr(
            np.concatenate([old_row[keep], h_row]),
            np.concatenate([X.indices[keep], H.indices]),
            np.concatenate([X.data[keep], H.data]),
            shape=(n_users, X.shape[1]),
            duplicates="sum",
        )
        self._fold_seen(rows, mode == "replace", seen_of(interactions, self.item_ids_))
        self.user_ids_ = users
        if n_jobs is None:
            self._update_users(np.unique(rows))
        else:
            with joblib.parallel_config(n_jobs=n_jobs):
                self._update_users(np.unique(rows))
        return self

    def _fold_seen(self, rows: np.ndarray, replace: bool, new: sp.csr_array | None) -> None:
        """``seen_`` after fold_in (``user_items_`` is already updated): the new positives,
        the old seen pairs (but those of the rows `rows` when `replace`), and the pairs of
        `new`, the folded data's seen set (its row ``i`` is the model row ``rows[i]``)."""
        old = getattr(self, "seen_", None)
        if old is None and new is None:
            self.seen_ = None  # the seen films are still the positives
            return
        Y = self.user_items_
        parts_r, parts_c = [row_indices(Y)], [Y.indices]
        if old is not None:
            old_row = row_indices(old)
            ok = np.ones(old.nnz, dtype=bool)
            if replace:
                folded = np.zeros(Y.shape[0], dtype=bool)
                folded[rows] = True
                ok = ~folded[old_row]
            parts_r.append(old_row[ok])
            parts_c.append(old.indices[ok])
        if new is not None:
            parts_r.append(rows[row_indices(new)])
            parts_c.append(new.indices)
        S = pattern_from(np.concatenate(parts_r), np.concatenate(parts_c), Y.shape)
        self.seen_ = seen_or_none(S, Y)

    # erasure ------------------------------------------------------------------------
    def forget_users(self, user_ids: Any) -> int:
        """Remove users from the fitted model, in place: their ids, history and state.

        Other users keep their rows, histories and per-user state. Aggregates the
        removed users entered are updated: the popularity fallback always, and models
        whose item side is a sum or a closed form over the histories recompute it
        (:class:`~filmreco.recommend.Popularity`, :class:`~filmreco.recommend.ItemKNN`,
        :class:`~filmreco.recommend.EASE`: the others' results equal a refit without the
        users). Factor models keep their item factors until the next :meth:`fit`, so
        the others' results do not change. The privacy guide has the table per model.
        :func:`filmreco.privacy.forget_user` calls this on every model it is given.

        Parameters
        ----------
        user_ids : id or array-like of ids
            Ids to remove; ids the model does not know (or of another kind) are ignored.

        Returns
        -------
        int
            Number of users removed from this model (not counting its components).

        Examples
        --------
        >>> from filmreco.data import Interactions
        >>> from filmreco.recommend import ItemKNN
        >>> X = Interactions.from_arrays(["a", "a", "b", "c"], ["x", "y", "x", "y"])
        >>> model = ItemKNN().fit(X)
        >>> model.forget_users(["b", "zz"]), model.user_ids_.ids.tolist()
        (1, ['a', 'c'])
        """
        check_fitted(self)
        ids, _ = as_id_array(user_ids, "user_ids")
        gone = known_rows(self.user_ids_, ids)
        keep = np.setdiff1d(np.arange(len(self.user_ids_)), gone)
        if gone.size:
            kept = sp.csr_array(self.user_items_[keep])
            kept.sort_indices()
            self.user_items_ = kept
            self.user_ids_ = self.user_ids_.subset(keep)
            self.item_popularity_ = np.bincount(kept.indices, minlength=kept.shape[1]).astype(
                np.float64
            )
            seen = getattr(self, "seen_", None)
            if seen is not None:
                self.seen_ = seen_or_none(take_sorted_rows(seen, keep)[0], kept)
            factors = getattr(self, "user_factors_", None)
            if isinstance(factors, np.ndarray):
                self.user_factors_ = np.ascontiguousarray(factors[keep])
        self._forget_rows(keep, ids)
        if gone.size:
            self._forget_items(gone)
        return int(gone.size)
