"""Social recommendation: mix friends' interactions into any base recommender.

:class:`SocialRecommender` wraps a recommender it knows only by its public API (``fit``,
``score``; ``item_ids_`` when it scores more films than it was fitted on) and adds, for
every user with friends in a :class:`~filmreco.social.SocialGraph`, what those friends
watched. :func:`shuffle_graph` builds the control that tells whether the friends
themselves matter: the same numbers of friends, drawn at random.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from .._validation import check_int, check_option, check_random_state, check_real
from ..exceptions import DataWarning, InputError
from ..sparse import IdMap, build_csr, row_indices, topk
from .graph import SocialGraph

__all__ = [
    "DIRECTIONS",
    "FRIEND_SCALES",
    "MODES",
    "SocialRecommender",
    "friends_matrix",
    "shuffle_graph",
]

logger = logging.getLogger("filmreco")

#: How friends' interactions enter (see :class:`SocialRecommender`).
MODES = ("rank", "score", "history")
#: Which arcs make ``v`` a friend of ``u``.
DIRECTIONS = ("in", "out", "both")
#: How the friends' signal ``s_F`` is scaled per user (see :class:`SocialRecommender`).
FRIEND_SCALES = ("max", "share", "any")

_BLOCK = 512  # users scored at once
_TIE = 1e-6  # weight=1: the base only breaks ties


def shuffle_graph(graph: SocialGraph, random_state: Any = None) -> SocialGraph:
    """A random graph with every node's in- and out-degree kept: friends drawn at random.

    The arcs' sources are permuted among the arcs (for an undirected graph, one end of
    every edge among the edges), so each user keeps the number of friends and each
    friend the number of followers, but who is whose friend is random. Self-loops and
    repeated arcs the permutation creates are re-drawn; the few a dense graph may keep
    after 100 rounds are dropped with a :class:`DataWarning`.

    Parameters
    ----------
    graph : SocialGraph
    random_state : int, Generator or None

    Returns
    -------
    SocialGraph
        Same node ids, directedness and (per arc) weights.

    Examples
    --------
    >>> import networkx as nx
    >>> g = SocialGraph.from_networkx(nx.gnm_random_graph(30, 60, seed=1, directed=True))
    >>> s = shuffle_graph(g, random_state=0)
    >>> bool((s.in_degree() == g.in_degree()).all() and (s.out_degree() == g.out_degree()).all())
    True
    """
    if not isinstance(graph, SocialGraph):
        raise TypeError(f"graph must be a SocialGraph, got {type(graph).__name__}.")
    rng = check_random_state(random_state)
    s, t, w = graph.sources, graph.targets, graph.weights
    if not graph.directed:
        one = s < t
        s, t, w = s[one], t[one], w[one]
    s = s[rng.permutation(s.size)]
    n = graph.n_nodes
    for _ in range(100):
        key = np.minimum(s, t) * n + np.maximum(s, t) if not graph.directed else s * n + t
        _, first = np.unique(key, return_index=True)
        bad = np.ones(s.size, dtype=bool)
        bad[first] = False
        bad |= s == t
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        other = rng.integers(0, s.size, size=idx.size)
        s[idx], s[other] = s[other], s[idx].copy()
    if bad.any():
        warnings.warn(
            f"shuffle_graph dropped {int(bad.sum())} arc(s) it could not rewire without a "
            "self-loop or a repeated arc (the graph is too dense to shuffle fully).",
            DataWarning,
            stacklevel=2,
        )
        s, t, w = s[~bad], t[~bad], w[~bad]
    ids = graph.node_ids.ids
    return SocialGraph.from_arrays(
        ids[s], ids[t], w if graph.weighted else None, directed=graph.directed,
        node_ids=graph.node_ids, duplicates="raise", self_loops="raise",
    )  # fmt: skip


def friends_matrix(graph: SocialGraph, users: IdMap, direction: str) -> sp.csr_array:
    """Users x users CSR: row ``u`` holds ``u``'s friends, weights summing to 1.

    Only friends who are `users` count; arc weights are kept (ones for an unweighted graph).
    `direction` is as in :class:`SocialRecommender`.

    Examples
    --------
    >>> g = SocialGraph.from_arrays(["a", "b"], ["c", "c"])  # a and b influence c
    >>> friends_matrix(g, IdMap(["c", "a", "b"]), "in").toarray().tolist()
    [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    node = graph.node_ids.index(users.ids, on_unknown="mask", name="user ids")
    row_of = np.full(graph.n_nodes, -1, dtype=np.int64)
    row_of[node[node >= 0]] = np.flatnonzero(node >= 0)
    s, t, w = row_of[graph.sources], row_of[graph.targets], graph.weights
    if direction == "in":  # v -> u: v influences u, so v is a friend of u
        u, v = t, s
    elif direction == "out":
        u, v = s, t
    else:
        u, v, w = np.concatenate([t, s]), np.concatenate([s, t]), np.concatenate([w, w])
    ok = (u >= 0) & (v >= 0)
    n = len(users)
    F = build_csr(u[ok], v[ok], w[ok], shape=(n, n), duplicates="max", dtype=np.float64)
    total = np.bincount(row_indices(F), weights=F.data, minlength=n)
    F.data /= np.repeat(np.where(total > 0, total, 1.0), np.diff(F.indptr))
    return F


class SocialRecommender(BaseEstimator):
    """Mix what a user's friends watched into any base recommender's ranking.

    For user ``u`` with friends ``F(u)`` (in-neighbours in the graph by default: who
    influences ``u``), the friends' signal ``s_F(u, i)`` grows with the share of friends
    who interacted with film ``i`` (weighted by the arcs' weights), scaled by
    `friend_scale`: ``"max"`` divides the shares by the user's largest one, so the film
    most of ``u``'s friends watched scores 1 and the signal lives on the same [0, 1]
    scale as the base's scaled score, whatever the number of friends; ``"share"`` keeps
    the raw shares (a user with 50 friends gets signals 50 times weaker than a user with
    one); ``"any"`` is 1 for every film some friend watched. With the user's mixing
    weight ``w_u``:

    - ``mode="rank"`` (reciprocal rank fusion, Cormack et al. 2009):
      ``(1 - w_u) / (c + r_b(i)) + w_u / (c + r_F(i))``, where ``r_b`` is the film's rank
      (from 1) in the base's ranking and ``r_F`` its rank among the friends' films (by
      ``s_F``, ties by the base), the second term only for friends' films; ``c`` is
      `rank_constant`. Ranks are taken over the films that may be returned.
    - ``mode="score"``: ``(1 - w_u) b(u, i) + w_u s_F(u, i)``, where ``b`` is the base's
      score min-max scaled to [0, 1] over the films that may be returned;
    - ``mode="history"``: the base scores the history ``(1 - w_u) x_u + w_u s_F(u)``,
      the user's own interactions blended with the friends' (the base must accept
      ``score(..., user_items=...)``, as every :class:`~filmreco.recommend.Recommender`).

    ``w_u`` is `weight`, or ``weight * h / (h + n_u)`` with ``h = half_weight_at`` and
    ``n_u`` the user's own interactions: friends matter less once a user has a history.
    A user with no interaction of their own (``n_u = 0``) gets `new_user_weight` when it is
    set: the base knows nothing about them (filmreco's recommenders fall back to
    popularity), so ``new_user_weight=1`` puts their friends' films first, the base only
    breaking ties. Users without
    friends who interacted keep the base's ranking exactly. At ``w_u = 1`` only the
    friends count, and the base breaks ties.

    Parameters
    ----------
    base : recommender
        Any object with ``fit(interactions)`` and ``score(user_ids, item_ids)``.
    graph : SocialGraph
        Its node ids are matched to the interactions' user ids.
    weight : float, default=0.3
        In [0, 1]; 0 is the base alone for every user with a history.
    mode : {"rank", "score", "history"}, default="rank"
    direction : {"in", "out", "both"}, default="in"
        Friends of ``u``: sources of arcs into ``u``, targets of arcs out of ``u``, or both.
    half_weight_at : float, optional
        History length at which the friends' weight halves (None: constant weight).
    new_user_weight : float or None, default=None
        In [0, 1]: the friends' weight for users without any interaction; None treats
        them like the others (`weight`). Worth tuning: on CiaoDVD, friends' films alone
        gave such users 2.3-2.5 times the NDCG@10 of popularity, on Douban and FilmTrust less
        than popularity (``benchmarks/README_social_real.md``).
    rank_constant : float, default=60.0
        ``c`` of the rank fusion.
    friend_scale : {"max", "share", "any"}, default="max"
        Scaling of the friends' signal per user (see above). On CiaoDVD's trust graph,
        ``"max"`` and ``"any"`` gave cold users with friends about twice the gain of
        ``"share"`` (``benchmarks/README_social_real.md``).
    refit : bool, default=True
        Fit a clone of `base` in :meth:`fit`; with False `base` must be fitted already on
        the same interactions and is used as it is (a clone of this model then holds an
        unfitted base, so tune with refit=True or :func:`~filmreco.social.tune_social`).

    Attributes
    ----------
    base_ : recommender
        The fitted base.
    friends_ : scipy.sparse.csr_array, shape (n_users, n_users)
        Row ``u``: ``u``'s friends among the users, weights summing to 1.
    social_ : scipy.sparse.csr_array, shape (n_users, n_items)
        ``s_F``: the friends' signal, scaled by `friend_scale` (with ``"share"``, the share
        of each user's friends who interacted with each film).
    user_items_ : scipy.sparse.csr_array
        The fitted interactions (filtered out as seen).
    user_ids_, item_ids_ : IdMap

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> from filmreco.recommend import Popularity
    >>> X = Interactions.from_arrays(
    ...     ["ann", "bob", "cat", "cat", "dan"], ["f1", "f2", "f3", "f1", "f3"])
    >>> g = SocialGraph.from_arrays(["bob"], ["ann"])  # bob influences ann
    >>> rec = SocialRecommender(Popularity(), g, weight=0.6).fit(X)
    >>> rec.recommend(["ann", "cat"], n=2)[0].tolist()  # ann: bob's f2 first; cat: popularity
    [['f2', 'f3'], ['f2', '']]
    """

    def __init__(
        self,
        base: Any,
        graph: SocialGraph,
        *,
        weight: float = 0.3,
        mode: str = "rank",
        direction: str = "in",
        half_weight_at: float | None = None,
        new_user_weight: float | None = None,
        rank_constant: float = 60.0,
        friend_scale: str = "max",
        refit: bool = True,
    ) -> None:
        self.base = base
        self.graph = graph
        self.weight = weight
        self.mode = mode
        self.direction = direction
        self.half_weight_at = half_weight_at
        self.new_user_weight = new_user_weight
        self.rank_constant = rank_constant
        self.friend_scale = friend_scale
        self.refit = refit

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "social_")

    def fit(self, interactions: Any) -> SocialRecommender:
        """Fit the base (unless ``refit=False``) and gather every user's friends' films.

        Parameters
        ----------
        interactions : Interactions
            Users x films; users are matched to graph nodes by id.

        Returns
        -------
        self
        """
        for key in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, key)
        check_real(self.weight, "weight", min_value=0.0, max_value=1.0)
        check_option(self.mode, MODES, "mode")
        check_option(self.direction, DIRECTIONS, "direction")
        check_option(self.friend_scale, FRIEND_SCALES, "friend_scale")
        check_real(self.rank_constant, "rank_constant", min_value=0.0)
        if self.half_weight_at is not None:
            check_real(self.half_weight_at, "half_weight_at", min_value=0.0, min_inclusive=False)
        if self.new_user_weight is not None:
            check_real(self.new_user_weight, "new_user_weight", min_value=0.0, max_value=1.0)
        if not isinstance(self.graph, SocialGraph):
            raise TypeError(f"graph must be a SocialGraph, got {type(self.graph).__name__}.")
        for attr in ("matrix", "user_ids", "item_ids"):
            if not hasattr(interactions, attr):
                raise TypeError(
                    "interactions must be an Interactions (matrix, user_ids, item_ids), got "
                    f"{type(interactions).__name__}."
                )
        if not (hasattr(self.base, "fit") and hasattr(self.base, "score")):
            raise TypeError(
                f"base must be a recommender with fit() and score(), got {type(self.base).__name__}."
            )
        if self.refit:
            base = clone(self.base).fit(interactions)
        else:
            check_is_fitted(self.base)
            base = self.base
        X = sp.csr_array(interactions.matrix)
        users = interactions.user_ids
        if len(users) and not self.graph.node_ids.contains(users.ids).any():
            warnings.warn(
                "none of the interactions' users is a node of the graph; the social part adds "
                "nothing (check that the graph uses the same user ids).",
                DataWarning,
                stacklevel=2,
            )
        F = friends_matrix(self.graph, users, self.direction)
        S = sp.csr_array(F @ sp.csr_array((np.ones(X.nnz), X.indices, X.indptr), shape=X.shape))
        S.sort_indices()
        S.eliminate_zeros()
        if self.friend_scale == "any":
            S.data[:] = 1.0
        elif self.friend_scale == "max" and S.nnz:
            counts = np.diff(S.indptr)
            starts = S.indptr[:-1][counts > 0]
            top = np.maximum.reduceat(S.data, starts)
            S.data /= np.repeat(top, counts[counts > 0])
        self.base_ = base
        self.friends_ = F
        self.social_ = S
        self.user_items_ = X
        self.user_ids_ = users
        self.item_ids_ = interactions.item_ids
        logger.info(
            "SocialRecommender: %d of %d users have friends with interactions",
            int((np.diff(S.indptr) > 0).sum()),
            len(users),
        )
        return self

    # persistence --------------------------------------------------------------------
    def save(self, path: Any) -> Any:
        """Save the fitted model, its base and its graph to one ``.npz`` (no pickle, atomic).

        The base must be a filmreco :class:`~filmreco.recommend.Recommender` (it is
        stored in the same file).

        Returns
        -------
        pathlib.Path
            The file written (``.npz`` appended if missing).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from filmreco.data import Interactions
        >>> from filmreco.recommend import Popularity
        >>> X = Interactions.from_arrays(["a", "b", "b"], ["f1", "f1", "f2"])
        >>> rec = SocialRecommender(Popularity(), SocialGraph.from_arrays(["b"], ["a"])).fit(X)
        >>> with tempfile.TemporaryDirectory() as d:
        ...     same = SocialRecommender.load(rec.save(pathlib.Path(d) / "social"))
        >>> same.recommend(["a"], 1)[0].tolist()
        [['f2']]
        """
        from ._recommend_io import save

        check_is_fitted(self)
        return save(self, path)

    @classmethod
    def load(cls, path: Any) -> SocialRecommender:
        """Load a model written by :meth:`save` (``refit=False``, ready to recommend).

        Raises
        ------
        FormatError
            The file holds something else, is of a newer format version, or was truncated
            or edited.
        """
        from ._recommend_io import load

        model: SocialRecommender = load(cls, path)
        return model

    # scoring ------------------------------------------------------------------------
    def user_weights(self, user_ids: Any) -> np.ndarray:
        """The friends' weight ``w_u`` of each user (0 for users without friends' films)."""
        return self._user_weights(self._rows(user_ids))

    def _user_weights(self, rows: np.ndarray) -> np.ndarray:
        w = np.full(rows.size, float(self.weight))
        n_u = np.diff(self.user_items_.indptr)[rows].astype(np.float64)
        if self.half_weight_at is not None:
            w *= self.half_weight_at / (self.half_weight_at + n_u)
        if self.new_user_weight is not None:
            w[n_u == 0] = float(self.new_user_weight)
        w[np.diff(self.social_.indptr)[rows] == 0] = 0.0  # no friends' films: base alone
        return w

    def _base_scores(self, ids: np.ndarray, H: sp.csr_array | None) -> np.ndarray:
        items = self.item_ids_.ids
        if H is None:
            S = np.array(self.base_.score(ids, items), dtype=np.float64)
        else:
            base_items = getattr(self.base_, "item_ids_", None)
            if base_items is not None and base_items != self.item_ids_:
                pos = base_items.index(items, name="item ids of the interactions")
                shape = (H.shape[0], len(base_items))
                H = sp.csr_array((H.data, pos[H.indices], H.indptr), shape=shape)
                H.sort_indices()
            S = np.array(self.base_.score(ids, items, user_items=H), dtype=np.float64)
        if np.isnan(S).any():
            raise InputError(f"the base {type(self.base_).__name__} returned NaN scores.")
        return S

    def _blend(self, rows: np.ndarray, blocked: np.ndarray) -> np.ndarray:
        """Mixed scores ``(len(rows), n_items)``; `blocked` marks films that may not be returned."""
        ids = self.user_ids_.ids[rows]
        w = self._user_weights(rows)
        S = self.social_[rows]
        if self.mode == "history":
            if not w.any():
                return self._base_scores(ids, None)
            X = self.user_items_[rows]
            H = sp.csr_array(sp.diags_array(1.0 - w) @ X + sp.diags_array(w) @ S)
            return self._base_scores(ids, H)
        b = self._base_scores(ids, None)
        b[blocked] = -np.inf
        s = S.toarray()
        s[blocked] = 0.0
        if self.mode == "rank":
            c = float(self.rank_constant)
            base_part = 1.0 / (c + _ranks(b))
            friend_rank = _ranks(np.where(s > 0, s + _TIE * _unit(b), -np.inf))
            friend_part = np.where(s > 0, 1.0 / (c + friend_rank), 0.0)
        else:
            base_part, friend_part = _unit(b), s
        mixed = (1.0 - w)[:, None] * base_part + w[:, None] * friend_part
        full = w == 1.0
        if full.any():
            mixed[full] += _TIE * base_part[full]
        mixed[blocked] = -np.inf
        return mixed

    def _rows(self, user_ids: Any) -> np.ndarray:
        check_is_fitted(self)
        return self.user_ids_.index(user_ids, name="user_ids")

    def _seen(self, rows: np.ndarray, filter_seen: bool = True) -> np.ndarray:
        """``(len(rows), n_items)`` mask of the users' seen films (all False without filtering)."""
        mask = np.zeros((rows.size, len(self.item_ids_)), dtype=bool)
        if filter_seen:
            X = self.user_items_[rows]
            mask[row_indices(X), X.indices] = True
        return mask

    def score(self, user_ids: Any, item_ids: Any, *, filter_seen: bool = False) -> np.ndarray:
        """Mixed scores of every (user, film) pair, shape ``(n_users, n_items)``.

        As for any recommender, seen films are scored like the others (ranks and scaling
        over all films); with ``filter_seen=True`` the scores are the ones
        :meth:`recommend` ranks by: ranks and scaling over each user's unseen films, and
        ``-inf`` for seen films.

        Examples
        --------
        >>> from filmreco.data import Interactions
        >>> from filmreco.recommend import Popularity
        >>> X = Interactions.from_arrays(["a", "b", "b"], ["f1", "f1", "f2"])
        >>> g = SocialGraph.from_arrays(["b"], ["a"])
        >>> rec = SocialRecommender(Popularity(), g, weight=1.0, mode="score").fit(X)
        >>> rec.score(["a"], ["f2", "f1"], filter_seen=True)
        array([[  1., -inf]], dtype=float32)
        >>> rec.score(["a"], ["f2", "f1"]).round(3)  # both films b watched; f1 more popular
        array([[1., 1.]], dtype=float32)
        """
        rows = self._rows(user_ids)
        cols = self.item_ids_.index(item_ids, name="item_ids")
        out = [
            self._blend(r, self._seen(r, filter_seen))[:, cols]
            for r in (rows[a : a + _BLOCK] for a in range(0, rows.size, _BLOCK))
        ]
        return np.vstack(out).astype(np.float32) if out else np.zeros((0, cols.size), np.float32)

    def recommend(
        self,
        user_ids: Any,
        n: int = 10,
        *,
        filter_seen: bool = True,
        items: Any = None,
        exclude: Any = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the top `n` films for each user, best first.

        Parameters
        ----------
        user_ids : id or array-like of ids
            Users of the fitted interactions (unknown ids raise UnknownIdError).
        n : int, default=10
        filter_seen : bool, default=True
            Never return a film the user interacted with (not even as padding).
        items : array-like of film ids, optional
            Only these films may be returned.
        exclude : array-like of film ids, optional
            These films are never returned (unknown ids are ignored).

        Returns
        -------
        ids : numpy.ndarray, shape (len(user_ids), n)
            Film ids; padding is the id map's missing value (-1 or "").
        scores : numpy.ndarray of float32, shape (len(user_ids), n)
            Mixed scores, ``-inf`` for padding.
        """
        rows = self._rows(user_ids)
        n = check_int(n, "n", min_value=0)
        m = len(self.item_ids_)
        allowed = np.ones(m, dtype=bool)
        if items is not None:
            allowed[:] = False
            allowed[self.item_ids_.index(items, name="items")] = True
        if exclude is not None:
            allowed[self.item_ids_.index(exclude, on_unknown="ignore", name="exclude")] = False
        idx = np.full((rows.size, n), -1, dtype=np.int64)
        val = np.full((rows.size, n), -np.inf)
        for a in range(0, rows.size, _BLOCK):
            r = rows[a : a + _BLOCK]
            blocked = self._seen(r, filter_seen) | ~allowed[None, :]
            mixed = self._blend(r, blocked)
            i, v = topk(mixed, n, exclude=blocked)
            idx[a : a + r.size], val[a : a + r.size] = i, v
        return self.item_ids_.to_ids(idx), val.astype(np.float32)

    def recommend_users(
        self,
        item_ids: Any,
        n: int = 10,
        *,
        filter_seen: bool = True,
        users: Any = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the `n` users whose mixed score for each film is highest: its audience.

        The mixed score is the one :meth:`recommend` ranks by, so it places the film within
        each user's own list (the base's part is scaled per user): the audience is the users
        for whom, with their friends' taste mixed in, the film ranks best. Users are
        scored in blocks; ties go to the user who comes first in ``user_ids_``.

        Parameters
        ----------
        item_ids : id or array-like of ids
            Films of the fitted interactions.
        n : int, default=10
        filter_seen : bool, default=True
            Leave out users who already interacted with the film.
        users : array-like of user ids, optional
            Only consider these users.

        Returns
        -------
        ids : numpy.ndarray, shape (len(item_ids), n)
            User ids, best first, padded with the id map's missing value.
        scores : numpy.ndarray of float32, shape (len(item_ids), n)
            Mixed scores, ``-inf`` for padding.

        Examples
        --------
        >>> from filmreco.data import Interactions
        >>> from filmreco.recommend import Popularity
        >>> X = Interactions.from_arrays(["a", "b", "c", "c"], ["f1", "f2", "f1", "f2"])
        >>> g = SocialGraph.from_arrays(["c"], ["a"])  # c influences a, who has not seen f2
        >>> rec = SocialRecommender(Popularity(), g, weight=0.5, mode="score").fit(X)
        >>> rec.recommend_users(["f2"], n=2)[0].tolist()
        [['a', '']]
        """
        check_is_fitted(self)
        n = check_int(n, "n", min_value=0)
        cols = self.item_ids_.index(item_ids, name="item_ids")
        if users is None:
            rows = np.arange(len(self.user_ids_), dtype=np.int64)
        else:
            rows = np.unique(self.user_ids_.index(users, name="users"))
        best_i = np.full((cols.size, 0), -1, dtype=np.int64)
        best_v = np.full((cols.size, 0), -np.inf)
        for a in range(0, rows.size, _BLOCK):
            r = rows[a : a + _BLOCK]
            part = self._blend(r, self._seen(r, filter_seen))[
                :, cols
            ].T  # films x users of the block
            i, v = topk(part, n)
            i = np.where(i >= 0, r[np.maximum(i, 0)], -1)
            cand_i, cand_v = np.hstack([best_i, i]), np.hstack([best_v, v])
            j, best_v = topk(cand_v, n)  # earlier users first among ties
            best_i = np.where(j >= 0, np.take_along_axis(cand_i, np.maximum(j, 0), axis=1), -1)
        if best_i.shape[1] < n:  # fewer users than n
            pad = n - best_i.shape[1]
            best_i = np.hstack([best_i, np.full((cols.size, pad), -1, dtype=np.int64)])
            best_v = np.hstack([best_v, np.full((cols.size, pad), -np.inf)])
        return self.user_ids_.to_ids(best_i), best_v.astype(np.float32)


def _ranks(S: np.ndarray) -> np.ndarray:
    """Rank (from 1) of every cell in its row, best first; ties by column index."""
    order = np.argsort(-S, axis=1, kind="stable")
    ranks = np.empty(S.shape, dtype=np.float64)
    np.put_along_axis(ranks, order, np.arange(1, S.shape[1] + 1, dtype=np.float64)[None, :], axis=1)
    return ranks


def _unit(S: np.ndarray) -> np.ndarray:
    """Rows min-max scaled to [0, 1] over their finite cells (0 elsewhere)."""
    ok = np.isfinite(S)
    lo = np.where(ok, S, np.inf).min(axis=1, initial=np.inf)
    hi = np.where(ok, S, -np.inf).max(axis=1, initial=-np.inf)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo = np.where(np.isfinite(lo), lo, 0.0)
    return np.where(ok, (S - lo[:, None]) / span[:, None], 0.0)
