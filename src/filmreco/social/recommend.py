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
from sklearn.base import clone

from .._persist import Saveable, csr_from_arrays, csr_to_arrays, export_nested, restore_nested
from .._validation import (
    check_bool,
    check_fitted,
    check_int,
    check_option,
    check_random_state,
    check_real,
    user_stacklevel,
)
from ..exceptions import DataWarning, InputError, InputTypeError
from ..recommend._base import Recommender
from ..recommend._inputs import take_rows
from ..sparse import IdMap, build_csr, row_indices
from ._schemes import group_shares
from .graph import SocialGraph, without_nodes

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
    random_state : int, SeedSequence, Generator or None

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
        raise InputTypeError(f"graph must be a SocialGraph, got {type(graph).__name__}.")
    rng = check_random_state(random_state)
    s, t, w = graph.sources, graph.targets, graph.weights
    if not graph.directed:
        one = s < t
        s, t, w = s[one], t[one], w[one]
    s = s[rng.permutation(s.size)]
    n = graph.n_nodes

    def clashes() -> np.ndarray:
        """Arcs that are self-loops or repeat an earlier arc."""
        key = np.minimum(s, t) * n + np.maximum(s, t) if not graph.directed else s * n + t
        _, first = np.unique(key, return_index=True)
        out = np.ones(s.size, dtype=bool)
        out[first] = False
        return out | (s == t)

    for _ in range(100):
        bad = clashes()
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        other = rng.integers(0, s.size, size=idx.size)
        if np.unique(other).size == other.size and not np.isin(other, idx).any():
            s[idx], s[other] = s[other], s[idx].copy()
        else:  # overlapping positions: one swap at a time, so every arc keeps a source
            for a, b in zip(idx.tolist(), other.tolist()):
                s[a], s[b] = s[b], s[a]
    else:
        bad = clashes()  # the last swaps may have made new clashes: drop those too
    if bad.any():
        warnings.warn(
            f"shuffle_graph dropped {int(bad.sum())} arc(s) it could not rewire without a "
            "self-loop or a repeated arc (the graph is too dense to shuffle fully).",
            DataWarning,
            stacklevel=user_stacklevel(),
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
    # shares of each row, scaled by its largest weight first: 1e308 weights summed to inf
    # and gave every friend weight 0
    F.data = group_shares(row_indices(F), F.data, n)
    return F


class SocialRecommender(Recommender):
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

    A :class:`~filmreco.recommend.Recommender` like every model, from which it inherits
    :meth:`recommend` (with ``items=``, ``exclude=``, ``user_items=``, ``on_unknown=``,
    ``diversity=``, ``n_jobs=``), :meth:`recommend_users`, :meth:`score` (with
    ``filter_seen=True``, the scores :meth:`recommend` ranks by), :meth:`similar_items`,
    :meth:`fold_in` (into the base too), :meth:`forget_users`, :meth:`save` / :meth:`load`
    (the base and the graph in the same file) and the repr; :meth:`explain` names the
    friends who watched a film and their share of its score (or gives the base's reasons).
    Users scored from ``user_items=`` alone (not matched to the graph) get the base's
    ranking. Tune it with :func:`~filmreco.recommend.evaluation.tune`, like every model.

    Parameters
    ----------
    base : recommender
        Any object with ``fit(interactions)`` and ``score(user_ids, item_ids)`` (and
        ``user_items=``); :meth:`fold_in`, :meth:`forget_users` and :meth:`save` need a
        filmreco :class:`~filmreco.recommend.Recommender`.
    graph : SocialGraph
        Its node ids are matched to the interactions' user ids. :meth:`forget_users`
        replaces it with a graph without the erased users (yours is not changed).
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
        the same interactions and is used as it is, and :meth:`fold_in` / :meth:`forget_users`
        change it too (a clone of this model then holds an unfitted base, so tune with
        refit=True or :func:`~filmreco.recommend.evaluation.tune`).

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
    item_popularity_ : numpy.ndarray
        Interactions per film (the answer for unknown users with ``on_unknown="popular"``).

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

    #: Users without a history of their own may still have friends' films.
    _empty_history_is_popular = False
    #: Ranks and scaling are taken over the films that may be returned.
    _uses_allowed = True
    #: The rank fusion's tie-breaking terms lie below float32's step.
    _score_dtype = np.float64

    def _check_params(self) -> None:
        check_real(self.weight, "weight", min_value=0.0, max_value=1.0)
        check_option(self.mode, MODES, "mode")
        check_option(self.direction, DIRECTIONS, "direction")
        check_option(self.friend_scale, FRIEND_SCALES, "friend_scale")
        check_real(self.rank_constant, "rank_constant", min_value=0.0)
        if self.half_weight_at is not None:
            check_real(self.half_weight_at, "half_weight_at", min_value=0.0, min_inclusive=False)
        if self.new_user_weight is not None:
            check_real(self.new_user_weight, "new_user_weight", min_value=0.0, max_value=1.0)
        check_bool(self.refit, "refit")

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
        self._check_params()
        if not isinstance(self.graph, SocialGraph):
            raise InputTypeError(f"graph must be a SocialGraph, got {type(self.graph).__name__}.")
        for attr in ("matrix", "user_ids", "item_ids"):
            if not hasattr(interactions, attr):
                raise InputTypeError(
                    "interactions must be an Interactions (matrix, user_ids, item_ids), got "
                    f"{type(interactions).__name__}."
                )
        if isinstance(self.base, type) or not (
            hasattr(self.base, "fit") and hasattr(self.base, "score")
        ):
            raise InputTypeError(
                f"base must be a recommender with fit() and score(), got {type(self.base).__name__}."
            )
        if self.refit:
            base = clone(self.base).fit(interactions)
        else:
            check_fitted(self.base)
            base = self.base
        users = interactions.user_ids
        if len(users) and not self.graph.node_ids.contains(users.ids).any():
            warnings.warn(
                "none of the interactions' users is a node of the graph; the social part adds "
                "nothing (check that the graph uses the same user ids).",
                DataWarning,
                stacklevel=user_stacklevel(),
            )
        self._pending = base
        try:
            super().fit(interactions)
        finally:
            del self._pending
        return self

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        self.base_ = self._pending
        self._gather_friends()
        logger.info(
            "SocialRecommender: %d of %d users have friends with interactions",
            int((np.diff(self.social_.indptr) > 0).sum()),
            len(self.user_ids_),
        )

    def _gather_friends(self) -> None:
        """``friends_`` and ``social_`` from the graph and ``user_items_``."""
        X = self.user_items_
        F = friends_matrix(self.graph, self.user_ids_, self.direction)
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
        self.friends_ = F
        self.social_ = S

    def _null_parts(self, params: dict[str, Any]) -> dict[str, bool]:
        """Whether these parameters (over this model's) rank exactly as the base, for each
        part of the users: ``"history"``, users with interactions of their own (served by
        `weight`), and ``"new"``, users without (served by `new_user_weight`, or `weight`
        when it is None). :func:`~filmreco.recommend.evaluation.tune` judges the two parts
        on their own validation users: a candidate that departs from the base for a part
        must beat the base significantly there."""
        p = {**self.get_params(deep=False), **params}
        if "base" in params or any(key.startswith("base__") for key in params):
            return {"history": False, "new": False}  # a different base is not this model's null
        weight: Any = p.get("weight")
        new: Any = p.get("new_user_weight")
        try:
            w = float(weight)
            w_new = w if new is None else float(new)
        except (TypeError, ValueError):
            return {"history": False, "new": False}
        return {"history": w == 0.0, "new": w_new == 0.0}

    def _tuning_part_keys(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """Per part of :meth:`_null_parts`, a key equal for parameters that rank that part's
        users alike, so :func:`~filmreco.recommend.evaluation.tune` scores each distinct
        behaviour once (None when the grid changes the base, graph or refit)."""
        if {"base", "graph", "refit"} & set(params) or any(k.startswith("base__") for k in params):
            return None
        p = {**self.get_params(deep=False), **params}
        try:
            w = float(p["weight"])
            new = p["new_user_weight"]
            w_new = w if new is None else float(new)
            h = None if p["half_weight_at"] is None else float(p["half_weight_at"])
        except (TypeError, ValueError):
            return None
        common = tuple(
            repr(p[key]) for key in ("mode", "direction", "rank_constant", "friend_scale")
        )
        return {
            "history": ("base",) if w == 0.0 else (*common, w, h),
            "new": ("base",) if w_new == 0.0 else (*common, w_new),
        }

    def _null_candidate(self, params: dict[str, Any]) -> bool:
        """Whether these parameters (over this model's) rank exactly as the base for every
        user: no weight for anyone's friends (see :meth:`_null_parts`)."""
        return all(self._null_parts(params).values())

    def _tuning_user_parts(self, user_ids: Any) -> dict[str, np.ndarray]:
        """The parts of :meth:`_null_parts` these users belong to in the fitted model: users
        unknown to it or without interactions are ``"new"``."""
        check_fitted(self)
        rows = self.user_ids_.index(np.asarray(user_ids), on_unknown="mask", name="user_ids")
        n_u = np.zeros(rows.size, dtype=np.int64)
        known = rows >= 0
        n_u[known] = np.diff(self.user_items_.indptr)[rows[known]]
        return {"history": n_u > 0, "new": n_u == 0}

    def _tuning_control(self, tuned: set[str], random_state: Any) -> dict[str, Any] | None:
        """The control of :func:`~filmreco.recommend.evaluation.tune`: the same parameters
        on one :func:`shuffle_graph` of the graph (every user keeps their numbers of links,
        who is linked to whom is random), so a candidate must beat what any graph with the
        same degrees would give. None when the grid tunes the graph itself."""
        if "graph" in tuned or not isinstance(self.graph, SocialGraph):
            return None
        with warnings.catch_warnings():
            # a few arcs of a very dense graph may not be rewirable: the control loses them
            warnings.simplefilter("ignore", DataWarning)
            return {"graph": shuffle_graph(self.graph, random_state)}

    def _tuning_parts(self, train: Any, tuned: set[str]) -> dict[str, Any]:
        """The base, fitted once per validation split when the grid leaves it alone."""
        if tuned & {"base", "refit"} or any(key.startswith("base__") for key in tuned):
            return {}
        return {"base": clone(self.base).fit(train), "refit": False}

    # new and erased users ----------------------------------------------------------
    def fold_in(
        self,
        interactions: Any,
        *,
        mode: str = "add",
        on_unknown: str = "raise",
        n_jobs: int | None = None,
    ) -> Any:
        """Fold users into the model and its base (see :meth:`Recommender.fold_in`).

        Every user's friends' films are gathered again, so the new users' films count for
        their friends, and their friends' films for them.
        """
        check_fitted(self)
        fold = getattr(self.base_, "fold_in", None)
        if not callable(fold):
            raise InputTypeError(
                f"fold_in needs a base with fold_in(); {type(self.base_).__name__} has none. "
                "Refit the model on all the data instead."
            )
        super().fold_in(interactions, mode=mode, on_unknown=on_unknown, n_jobs=n_jobs)
        fold(interactions, mode=mode, on_unknown=on_unknown, n_jobs=n_jobs)
        return self

    def _update_users(self, rows: np.ndarray) -> None:
        self._gather_friends()

    def _forget_rows(self, keep: np.ndarray, user_ids: np.ndarray) -> None:
        # the erased ids leave the base, the graph (a new object: the caller's graph is
        # not changed) and, through the re-gathered friends, every other user's signal
        forget = getattr(self.base_, "forget_users", None)
        if callable(forget):
            forget(user_ids)
        self.graph, _ = without_nodes(self.graph, user_ids)
        self._gather_friends()

    # persistence --------------------------------------------------------------------
    # files of the standalone SocialRecommender (before it became a Recommender) still load
    _persist_legacy_kinds = ("SocialRecommender",)

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        if not isinstance(self.base_, Saveable):
            raise InputTypeError(
                f"saving needs a filmreco Recommender as the base (it saves itself into the "
                f"same file); got {type(self.base_).__name__}. Save your base yourself and "
                "refit with refit=False."
            )
        arrays, base_meta = export_nested(self.base_, "base_")
        graph_arrays, graph_meta = export_nested(self.graph, "graph_")
        arrays.update(graph_arrays)
        arrays.update(csr_to_arrays(self.friends_, "friends_"))
        arrays.update(csr_to_arrays(self.social_, "social_"))
        return arrays, {"base": base_meta, "graph": graph_meta}

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Any:
        # base and graph are not JSON: _set_state restores them from the arrays
        params = {**meta["params"], "base": None, "graph": None}
        return super()._restore(arrays, {**meta, "params": params})

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        base = restore_nested(arrays, meta["base"], "base_", expected=Recommender)
        self.graph = restore_nested(arrays, meta["graph"], "graph_", expected=SocialGraph)
        self.base = self.base_ = base
        check_bool(self.refit, "refit")  # as saved; the loaded model holds its fitted base
        self.refit = False
        nu, ni = len(self.user_ids_), len(self.item_ids_)
        self.friends_ = csr_from_arrays(arrays, "friends_", (nu, nu))
        self.social_ = csr_from_arrays(arrays, "social_", (nu, ni))

    @classmethod
    def _upgrade(
        cls, arrays: dict[str, np.ndarray], meta: dict[str, Any], kind: str, version: int
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        if kind != "SocialRecommender":
            return super()._upgrade(arrays, meta, kind, version)
        # the standalone layout (filmreco <= 0.7): base, graph and matrices side by side
        base_meta = meta["base"]
        graph_meta = meta["graph"]
        nodes = IdMap.from_arrays(_part(arrays, "graph_"), graph_meta, "node_")
        n = len(nodes)
        adj = csr_from_arrays(arrays, "graph_adj_", (n, n))
        graph = SocialGraph(
            adj, nodes, directed=graph_meta["directed"], weighted=graph_meta["weighted"]
        )
        n_items = len(IdMap.from_arrays(arrays, meta, "item_"))
        keep = ("user_", "item_", "ui_", "friends_", "social_")
        out = {k: v for k, v in arrays.items() if k.startswith(keep)}
        out["item_popularity"] = np.bincount(
            np.asarray(arrays["ui_indices"], dtype=np.int64), minlength=n_items
        ).astype(np.float64)
        for name in ("friends_", "social_"):
            for part in ("indptr", "indices", "data"):
                out[f"state_{name}{part}"] = out.pop(f"{name}{part}")
        out.update({f"state_base_{k}": v for k, v in _part(arrays, "base_").items()})
        g_arrays, g_meta = export_nested(graph, "state_graph_")
        out.update(g_arrays)
        base_kind = f"recommender.{base_meta['class']}"
        new_meta = {k: v for k, v in meta.items() if k.startswith(("user_", "item_"))}
        new_meta.update(
            {
                "class": cls.__name__,
                "params": {"refit": False, **meta["params"]},  # refit came later
                "unsaved_params": ["base", "graph"],
                "state": {
                    "base": {"kind": base_kind, "version": 1, "meta": base_meta},
                    "graph": g_meta,
                },
            }
        )
        return out, new_meta

    # scoring ------------------------------------------------------------------------
    def user_weights(self, user_ids: Any) -> np.ndarray:
        """The friends' weight ``w_u`` of each user (0 for users without friends' films)."""
        check_fitted(self)
        return self._user_weights(self.user_ids_.index(user_ids, name="user_ids"))

    def _user_weights(self, rows: np.ndarray) -> np.ndarray:
        """``w_u`` of model rows (``-1``: a user known only by a history, weight 0)."""
        w = np.zeros(rows.size)
        known = rows >= 0
        r = rows[known]
        wk = np.full(r.size, float(self.weight))
        n_u = np.diff(self.user_items_.indptr)[r].astype(np.float64)
        if self.half_weight_at is not None:
            wk *= self.half_weight_at / (self.half_weight_at + n_u)
        if self.new_user_weight is not None:
            wk[n_u == 0] = float(self.new_user_weight)
        wk[np.diff(self.social_.indptr)[r] == 0] = 0.0  # no friends' films: base alone
        w[known] = wk
        return w

    def _base_scores(self, rows: np.ndarray, H: sp.csr_array, by_history: np.ndarray) -> np.ndarray:
        """The base's scores of every film, float64 ``(len(rows), n_items)``: by user id,
        or (where `by_history`) from the rows of `H`."""
        items = self.item_ids_.ids
        S = np.empty((rows.size, items.size))
        by_id = np.flatnonzero(~by_history)
        if by_id.size:
            S[by_id] = self.base_.score(self.user_ids_.ids[rows[by_id]], items)
        new = np.flatnonzero(by_history)
        if new.size:
            Hn = take_rows(H, new)
            base_items = getattr(self.base_, "item_ids_", None)
            if base_items is not None and base_items != self.item_ids_:
                pos = base_items.index(items, name="item ids of the interactions")
                shape = (Hn.shape[0], len(base_items))
                Hn = sp.csr_array((Hn.data, pos[Hn.indices], Hn.indptr), shape=shape)
                Hn.sort_indices()
            S[new] = self.base_.score(np.arange(new.size), items, user_items=Hn)
        if np.isnan(S).any():
            raise InputError(f"the base {type(self.base_).__name__} returned NaN scores.")
        return S

    def _scores(
        self,
        H: sp.csr_array,
        rows: np.ndarray,
        cols: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> np.ndarray:
        mixed = self._blend(H, rows, allowed)
        return mixed if cols is None else mixed[:, cols]

    def _blend(self, H: sp.csr_array, rows: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
        """Mixed scores ``(len(rows), n_items)``; ranks and scaling over the `allowed` films."""
        w = self._user_weights(rows)
        S = take_rows(self.social_, rows)
        unknown = rows < 0
        if self.mode == "history":
            mixed = w > 0
            if mixed.any():  # the base scores the blended history of these users
                X = take_rows(self.user_items_, rows)
                B = sp.diags_array(1.0 - w) @ X + sp.diags_array(w) @ S
                both = sp.csr_array(sp.vstack([H, B], format="csr"))
                H = take_rows(
                    both, np.where(mixed, rows.size + np.arange(rows.size), np.arange(rows.size))
                )
            return self._base_scores(rows, H, mixed | unknown)
        base_part, friend_part, blocked = self._parts(H, rows, S, allowed)
        mixed = (1.0 - w)[:, None] * base_part + w[:, None] * friend_part
        full = w == 1.0
        if full.any():
            mixed[full] += _TIE * base_part[full]
        if blocked is not None:
            mixed[blocked] = -np.inf
        return mixed

    def _parts(
        self, H: sp.csr_array, rows: np.ndarray, S: sp.csr_array, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The base's and the friends' terms of the rank or score mix, and the blocked films."""
        b = self._base_scores(rows, H, rows < 0)
        blocked = None if allowed is None else ~allowed
        if blocked is not None:
            b[blocked] = -np.inf
        s = S.toarray()
        if blocked is not None:
            s[blocked] = 0.0
        if self.mode == "rank":
            c = float(self.rank_constant)
            base_part = 1.0 / (c + _ranks(b))
            friend_rank = _ranks(np.where(s > 0, s + _TIE * _unit(b), -np.inf))
            friend_part = np.where(s > 0, 1.0 / (c + friend_rank), 0.0)
        else:
            base_part, friend_part = _unit(b), s
        return base_part, friend_part, blocked

    # explanations -------------------------------------------------------------------
    def explain(
        self, user_id: Any, item_id: Any, n: int = 10, *, part: str = "friends"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the friends who watched a film, with their share of its score.

        With ``mode="rank"`` or ``"score"`` the score :meth:`recommend` ranks by is
        ``(1 - w_u) * base term + w_u * friends' term`` (see the class notes). The friends'
        part ``w_u * friends' term`` of the film is split among the user's friends who
        interacted with it, in proportion to their arc weights (their share of ``s_F``), so
        the contributions sum to it. The film is scored among the films that may be
        returned (those the user has not seen, and the film itself).

        Parameters
        ----------
        user_id, item_id : id
            A known user and film.
        n : int, default=10
            Number of friends (or films, with ``part="base"``) to return.
        part : {"friends", "base"}, default="friends"
            ``"friends"``: the friends as above. ``"base"``: the base's own explanation
            (:meth:`Recommender.explain <filmreco.recommend.Recommender.explain>`: the
            user's films that count most in the base's score, which enters the mix by
            its rank or scaled value).

        Returns
        -------
        ids : numpy.ndarray
            Up to `n` user ids of friends (film ids with ``part="base"``), largest
            contribution first (ties: in id-map order).
        contributions : numpy.ndarray of float64
            Their additive share of the friends' part of the score (of the base's score
            with ``part="base"``).

        Raises
        ------
        NotImplementedError
            With ``mode="history"`` (the friends' films are fed to the base as history,
            so the score does not split into a base and a friends' part), or with
            ``part="base"`` for a base that cannot explain its scores.

        Examples
        --------
        >>> from filmreco.data import Interactions
        >>> from filmreco.recommend import EASE
        >>> X = Interactions.from_arrays(
        ...     ["ann", "bob", "cat", "cat", "dan"], ["f1", "f2", "f2", "f1", "f3"])
        >>> g = SocialGraph.from_arrays(["bob", "cat", "dan"], ["ann", "ann", "ann"])
        >>> rec = SocialRecommender(EASE(regularization=1.0), g, weight=0.6, mode="score")
        >>> ids, parts = rec.fit(X).explain("ann", "f2")  # bob and cat watched f2
        >>> ids.tolist(), parts.round(3).tolist()
        (['bob', 'cat'], [0.3, 0.3])
        >>> rec.explain("ann", "f2", part="base")[0].tolist()  # ann's films behind EASE's score
        ['f1']
        """
        check_fitted(self)
        n = check_int(n, "n", min_value=0)
        check_option(part, ("friends", "base"), "part")
        if self.mode == "history":
            raise NotImplementedError(
                "mode='history' feeds the friends' films to the base as history, so the score "
                "does not split into the base's and the friends' part; explain needs mode="
                "'rank' or 'score'."
            )
        if part == "base":
            explain = getattr(self.base_, "explain", None)
            if not callable(explain):
                raise NotImplementedError(
                    f"the base {type(self.base_).__name__} cannot explain its scores."
                )
            return explain(user_id, item_id, n)  # type: ignore[no-any-return]
        u = int(self.user_ids_.index([user_id], name="user_id")[0])
        j = int(self._items([item_id], name="item_id")[0])
        rows = np.array([u])
        X = self.user_items_
        allowed = np.ones((1, len(self.item_ids_)), dtype=bool)
        allowed[0, X.indices[X.indptr[u] : X.indptr[u + 1]]] = False
        allowed[0, j] = True
        w = float(self._user_weights(rows)[0])
        _, friend_part, _ = self._parts(
            take_rows(X, rows), rows, take_rows(self.social_, rows), allowed
        )
        # friends of u who interacted with j, weighted by their arcs
        F = self.friends_
        friends = F.indices[F.indptr[u] : F.indptr[u + 1]].astype(np.int64)
        arcs = F.data[F.indptr[u] : F.indptr[u + 1]].astype(np.float64)
        saw = np.zeros(len(self.user_ids_), dtype=bool)
        saw[row_indices(X)[X.indices == j]] = True  # every stored interaction, as in social_
        keep = saw[friends]
        friends, arcs = friends[keep], arcs[keep]
        total = arcs.sum()
        share = arcs / total if total > 0 else arcs
        contrib = w * float(friend_part[0, j]) * share
        order = np.lexsort((friends, -contrib))[:n]
        return self.user_ids_.to_ids(friends[order]), contrib[order]


def _part(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


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
