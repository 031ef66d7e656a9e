"""Content propagation: how far a film spreads from the users who already engaged with it.

- :func:`film_reach` — the reach (传播力度) of one film from its current adopters;
- :func:`rank_films` — films ranked by their propagation strength;
- :class:`ReachRecommender` — recommend to each user the films most likely to reach
  them through the network (social recommendation).

Films' adopters come from an :class:`~filmreco.data.Interactions` (any object with
``matrix``, ``user_ids`` and ``item_ids``): the users of a film's column. Its users are
matched to graph nodes by id, so a graph built with ``node_ids=interactions.user_ids``
lines up exactly; users missing from the graph cannot pass anything on (they are
counted, with a :class:`~filmreco.exceptions.DataWarning`). :class:`ReachRecommender` is a
:class:`~filmreco.recommend.Recommender`, so it combines with the others (e.g. in a
:class:`~filmreco.recommend.Hybrid`).
"""

from __future__ import annotations

import inspect
import math
import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from .._parallel import check_n_jobs, effective_n_jobs, parallel_map, seed_sequence
from .._persist import csr_from_arrays, csr_to_arrays, export_nested, restore_nested
from .._validation import (
    check_fitted,
    check_instance,
    check_int,
    check_option,
    check_real,
    check_seed,
    user_stacklevel,
)
from ..exceptions import DataWarning, InputTypeError
from ..recommend._base import Recommender
from ..recommend._inputs import take_rows
from ..sparse import as_id_array, row_indices
from . import _kernels as K
from ._blocks import CASCADE_BLOCK, block_keys
from .cascade import PropagationModel, SimulationResult
from .diffusion import diffusion_matrix
from .graph import SocialGraph, without_nodes

__all__ = ["FilmRanking", "ReachRecommender", "film_reach", "rank_films"]


def film_reach(
    model: PropagationModel,
    adopters: Any,
    n_runs: int = 1000,
    *,
    on_unknown: str = "ignore",
    random_state: Any = None,
    n_jobs: int | None = None,
) -> SimulationResult:
    """Simulate how far a film spreads from the users who already engaged with it.

    Parameters
    ----------
    model : PropagationModel
    adopters : array-like of user ids
        Users who watched, rated or shared the film.
    n_runs : int, default=1000
    on_unknown : {"ignore", "raise"}, default="ignore"
        Adopters not in the graph: leave them out (with a :class:`DataWarning`) or raise.
    random_state, n_jobs
        As in :meth:`PropagationModel.simulate`.

    Returns
    -------
    SimulationResult
        ``mean`` is the expected number of users reached, adopters included.

    Examples
    --------
    >>> from filmreco.social import SocialGraph, IndependentCascade
    >>> g = SocialGraph.from_arrays(["a", "b"], ["b", "c"])
    >>> film_reach(IndependentCascade(g, 1.0), ["a"], 10, random_state=0).mean
    3.0
    """
    check_option(on_unknown, ("ignore", "raise"), "on_unknown")
    check_instance(
        model,
        PropagationModel,
        "model",
        "Build one with IndependentCascade(graph) or LinearThreshold(graph).",
    )
    ids = as_id_array(adopters, "adopters")[0]
    if on_unknown == "ignore" and ids.size:
        known = model.graph.node_ids.contains(ids, name="adopters")
        if not known.all():
            warnings.warn(
                f"{int((~known).sum())} adopter(s) are not in the graph and cannot spread "
                "the film; they are left out.",
                DataWarning,
                stacklevel=user_stacklevel(),
            )
            ids = ids[known]
    return model.simulate(ids, n_runs, random_state=random_state, n_jobs=n_jobs)


def _adopters(model: PropagationModel, interactions: Any) -> tuple[sp.csc_array, np.ndarray]:
    """Graph-node x item incidence of adopters (CSC), and the item ids."""
    for attr in ("matrix", "user_ids", "item_ids"):
        if not hasattr(interactions, attr):
            raise InputTypeError(
                f"interactions must be an Interactions (matrix, user_ids, item_ids), got "
                f"{type(interactions).__name__}."
            )
    X = sp.csr_array(interactions.matrix)
    g = model.graph
    node = g.node_ids.index(interactions.user_ids.ids, on_unknown="mask", name="user ids")
    missing = node < 0
    if missing.any():
        warnings.warn(
            f"{int(missing.sum())} of the {node.size} users of the interactions are not in "
            "the social graph; their adoptions cannot spread and are left out.",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
    X = sp.csr_array(X[np.flatnonzero(~missing)])
    rows = node[~missing][np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))]
    A = sp.csc_array(
        (np.ones(X.nnz, dtype=np.float64), (rows, X.indices)), shape=(g.n_nodes, X.shape[1])
    )
    A.sum_duplicates()
    return A, interactions.item_ids.ids


def _films_task(
    indptr: np.ndarray,
    indices: np.ndarray,
    params: tuple[np.ndarray, ...],
    a_ptr: np.ndarray,
    a_rows: np.ndarray,
    films: np.ndarray,
    keys: np.ndarray,
    sizes: np.ndarray,
    want_probs: bool,
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    means, errs, probs = np.zeros(films.size), np.zeros(films.size), []
    total = int(sizes.sum())
    for i, j in enumerate(films):
        seeds = a_rows[a_ptr[j] : a_ptr[j + 1]].astype(np.int64)
        gptr = np.array([0, seeds.size], dtype=np.int64)
        sp_, counts, _ = K.simulate_runs(indptr, indices, params, seeds, gptr, keys, sizes, False)
        s = sp_[:, 0]
        means[i] = s.mean()
        errs[i] = s.std(ddof=1) / math.sqrt(total) if total > 1 else math.nan
        if want_probs:
            nz = np.flatnonzero(counts)
            probs.append((nz, counts[nz] / total))
    return means, errs, probs


def _simulate_films(
    model: PropagationModel,
    A: sp.csc_array,
    films: np.ndarray,
    n_runs: int,
    random_state: Any,
    n_jobs: int | None,
    want_probs: bool,
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Every film on the same worlds (common random numbers make the ranking sharper)."""
    keys, sizes = block_keys(seed_sequence(random_state), n_runs, CASCADE_BLOCK)
    g = model.graph
    workers = effective_n_jobs(n_jobs)
    chunks = np.array_split(films, max(1, min(films.size, 1 if workers == 1 else 4 * workers)))
    arrays = (g.out_adj.indptr, g.out_adj.indices, model._step_params(), A.indptr, A.indices)
    out = parallel_map(
        _films_task,
        [(c, keys, sizes, want_probs) for c in chunks if c.size],
        shared=arrays,
        n_jobs=n_jobs,
    )
    if not out:
        return np.zeros(0), np.zeros(0), []
    return (
        np.concatenate([o[0] for o in out]),
        np.concatenate([o[1] for o in out]),
        [p for o in out for p in o[2]],
    )


@dataclass(frozen=True, eq=False)
class FilmRanking:
    """Films ranked by how far they spread, strongest first.

    Attributes
    ----------
    item_ids : numpy.ndarray
        Film ids, in ranking order.
    reach : numpy.ndarray of float64
        Expected number of users reached, current adopters included.
    new_reach : numpy.ndarray of float64
        Expected number of users reached who have not engaged yet (``reach - n_adopters``).
    stderr : numpy.ndarray of float64
        Standard error of `reach`.
    n_adopters : numpy.ndarray of int64
        Current adopters found in the graph.

    Examples
    --------
    >>> from filmreco.datasets import make_synthetic
    >>> from filmreco.social import IndependentCascade, SocialGraph, rank_films
    >>> data = make_synthetic(n_users=200, n_items=30, random_state=0)
    >>> model = IndependentCascade(SocialGraph.from_edgelist(data.graph), 0.05)
    >>> ranking = rank_films(model, data.interactions, n_runs=50, random_state=0)
    >>> len(ranking) == data.interactions.n_items
    True
    >>> bool((ranking.reach[:-1] >= ranking.reach[1:]).all())  # strongest first
    True
    >>> bool(((ranking.reach - ranking.n_adopters) == ranking.new_reach).all())
    True
    """

    item_ids: np.ndarray
    reach: np.ndarray
    new_reach: np.ndarray
    stderr: np.ndarray
    n_adopters: np.ndarray

    def __len__(self) -> int:
        return int(self.item_ids.size)

    def __repr__(self) -> str:
        head = ", ".join(repr(x) for x in self.item_ids[:3].tolist())
        more = ", ..." if self.item_ids.size > 3 else ""
        return f"FilmRanking(n_films={len(self)}, top=[{head}{more}])"


def rank_films(
    model: PropagationModel,
    interactions: Any,
    *,
    items: Any = None,
    by: str = "reach",
    n_runs: int = 1000,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> FilmRanking:
    """Rank films by their propagation strength (传播力度) from their current adopters.

    Parameters
    ----------
    model : PropagationModel
    interactions : Interactions
        Who engaged with which film; users are matched to graph nodes by id.
    items : array-like of film ids, optional
        Only rank these films (default: all of the interactions' films).
    by : {"reach", "new_reach"}, default="reach"
        Rank by total expected reach, or by the users reached beyond the adopters.
    n_runs : int, default=1000
        Monte-Carlo runs per film; every film is simulated on the same sampled worlds.
    random_state, n_jobs
        As in :meth:`PropagationModel.simulate` (``n_jobs`` spreads the films).

    Returns
    -------
    FilmRanking

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from filmreco.sparse import IdMap
    >>> from filmreco.social import SocialGraph, IndependentCascade
    >>> g = SocialGraph.from_arrays(["a", "b", "b"], ["b", "c", "d"])
    >>> log = SimpleNamespace(  # two films: f1 watched by a, f2 by c
    ...     matrix=sp.csr_array(np.array([[1.0, 0], [0, 0], [0, 1], [0, 0]])),
    ...     user_ids=IdMap(["a", "b", "c", "d"]), item_ids=IdMap(["f1", "f2"]))
    >>> r = rank_films(IndependentCascade(g, 1.0), log, n_runs=10, random_state=0)
    >>> r.item_ids.tolist(), r.reach.tolist()
    (['f1', 'f2'], [4.0, 1.0])
    """
    check_option(by, ("reach", "new_reach"), "by")
    check_instance(
        model,
        PropagationModel,
        "model",
        "Build one with IndependentCascade(graph) or LinearThreshold(graph).",
    )
    n_runs = check_int(n_runs, "n_runs", min_value=1)
    A, item_ids = _adopters(model, interactions)
    if items is None:
        films = np.arange(A.shape[1])
    else:
        films = interactions.item_ids.index(items, name="items")
    reach, err, _ = _simulate_films(model, A, films, n_runs, random_state, n_jobs, False)
    n_adopt = np.diff(A.indptr)[films].astype(np.int64)
    new = reach - n_adopt
    key = reach if by == "reach" else new
    order = np.lexsort((films, -key))  # ties: catalogue order
    return FilmRanking(
        item_ids=np.asarray(item_ids)[films[order]],
        reach=reach[order],
        new_reach=new[order],
        stderr=err[order],
        n_adopters=n_adopt[order],
    )


class ReachRecommender(Recommender):
    """Recommend films to users by the probability that each film reaches them socially.

    For every film, its current adopters seed a cascade under `model`; a user's score for
    the film is the probability of being activated (``method="cascade"``, Monte Carlo on
    common worlds) or the personalised-PageRank mass reaching them from the adopters
    (``method="diffusion"``, deterministic; see :func:`diffusion_scores`).

    A :class:`~filmreco.recommend.Recommender` like every model (``fold_in``,
    ``user_items=``, ``on_unknown=``, ``diversity=``, ``n_jobs=``, ``recommend_users``,
    ``forget_users``, ``save``/``load``); :meth:`explain` names the adopters whose reach
    gives a score. A user's scores come from the graph, not their own history: users
    not in the graph, and users known only through ``user_items=``, score 0 for every film.

    Parameters
    ----------
    model : PropagationModel
        :meth:`forget_users` replaces it with the same model on the graph without the
        erased users (arcs keep their values; yours is not changed) and propagates again.
    method : {"cascade", "diffusion"}, default="cascade"
    n_runs : int, default=1000
        Monte-Carlo runs per film (``"cascade"``).
    damping : float, default=0.85
        Damping of the diffusion (``"diffusion"``), which uses the model's arc
        probabilities as transition weights.
    random_state : int, SeedSequence, Generator or None
    n_jobs : int or None, default=None
        Workers for the simulations of :meth:`fit`; see :ref:`n_jobs`.

    Attributes
    ----------
    scores_ : scipy.sparse.csr_array of float32, shape (n_users, n_items)
        Scores of the fitted interactions' users (rows) for their films (columns).
    node_scores_ : scipy.sparse.csr_array, shape (n_nodes, n_items)
        The same scores for every node of the graph (new users get their row from it).
    user_ids_, item_ids_ : IdMap
        The fitted interactions' id maps.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> from filmreco.sparse import IdMap
    >>> from filmreco.social import SocialGraph, IndependentCascade
    >>> g = SocialGraph.from_arrays(["a", "a"], ["b", "c"])
    >>> log = Interactions.from_arrays(  # f1 watched by a, f2 by b
    ...     ["a", "b"], ["f1", "f2"], user_map=IdMap(["a", "b", "c"]))
    >>> rec = ReachRecommender(IndependentCascade(g, 0.5), random_state=0).fit(log)
    >>> ids, scores = rec.recommend(["c", "b"], n=1)
    >>> ids.tolist(), scores.round(1).tolist()
    ([['f1'], ['f1']], [[0.5], [0.5]])
    """

    #: A user's scores come from the graph, not from their own history.
    _empty_history_is_popular = False

    def __init__(
        self,
        model: PropagationModel,
        *,
        method: str = "cascade",
        n_runs: int = 1000,
        damping: float = 0.85,
        random_state: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.model = model
        self.method = method
        self.n_runs = n_runs
        self.damping = damping
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _check_params(self) -> tuple[int, float]:
        check_option(self.method, ("cascade", "diffusion"), "method")
        n_runs = check_int(self.n_runs, "n_runs", min_value=1)
        damping = check_real(
            self.damping, "damping", min_value=0.0, max_value=1.0, max_inclusive=False
        )
        check_seed(self.random_state)
        check_n_jobs(self.n_jobs)
        return n_runs, damping

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        n_runs, damping = self._check_params()
        if not isinstance(self.model, PropagationModel):
            raise InputTypeError(
                f"model must be a PropagationModel, got {type(self.model).__name__}."
            )
        data = _Log(X, self.user_ids_, self.item_ids_)
        A, _ = _adopters(self.model, data)
        g = self.model.graph
        n_items = A.shape[1]
        if self.method == "cascade":
            films = np.arange(n_items)
            _, _, probs = _simulate_films(
                self.model, A, films, n_runs, self.random_state, self.n_jobs, True
            )
            rows = np.concatenate([p[0] for p in probs]) if probs else np.zeros(0, np.int64)
            vals = np.concatenate([p[1] for p in probs]) if probs else np.zeros(0)
            cols = np.repeat(films, [p[0].size for p in probs]) if probs else rows
            node_scores = sp.csr_array((vals, (rows, cols)), shape=(g.n_nodes, n_items))
        else:
            blocks = []
            for a in range(0, n_items if g.n_nodes else 0, 256):  # erasure may empty g
                S = A[:, a : a + 256]
                D = diffusion_matrix(g, S, damping=damping, weight=self.model.edge_probabilities)
                blocks.append(sp.csr_array(D))
            node_scores = sp.csr_array(sp.hstack(blocks)) if blocks else sp.csr_array(
                (g.n_nodes, n_items)
            )  # fmt: skip
        self.node_scores_ = node_scores
        self._user_rows()

    def _user_rows(self) -> None:
        """``scores_``: the rows of ``node_scores_`` of the users (zeros off the graph)."""
        g = self.model.graph
        node = g.node_ids.index(self.user_ids_.ids, on_unknown="mask")
        rows_of = sp.csr_array(
            (np.ones(int((node >= 0).sum())), (np.flatnonzero(node >= 0), node[node >= 0])),
            shape=(node.size, g.n_nodes),
        )
        self.scores_ = sp.csr_array(rows_of @ self.node_scores_, dtype=np.float32)

    def _scores(
        self,
        H: sp.csr_array,
        rows: np.ndarray,
        cols: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> np.ndarray:
        S = take_rows(self.scores_, rows).toarray()
        return S if cols is None else S[:, cols]

    def _update_users(self, rows: np.ndarray) -> None:
        self._user_rows()

    def _forget_rows(self, keep: np.ndarray, user_ids: np.ndarray) -> None:
        # an erased node leaves the model's graph (a new model on the smaller graph, its
        # arcs keeping their values; the caller's model is not changed) and the scores
        # are propagated again without it: no cascade starts from or passes through it
        graph, arcs = without_nodes(self.model.graph, user_ids)
        if graph is not self.model.graph:
            self.model = _rebind(self.model, graph, arcs)
            with warnings.catch_warnings():  # users off the graph were reported by fit
                warnings.simplefilter("ignore", DataWarning)
                self._fit(self.user_items_, None)
        else:
            self._user_rows()

    # explanations -------------------------------------------------------------------
    def explain(self, user_id: Any, item_id: Any, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Return the film's adopters whose reach gives the user's score, with their share.

        The user's score for a film is the probability that a cascade started by all the
        film's adopters reaches them (``"cascade"``), or the diffusion mass reaching them
        from the adopters (``"diffusion"``). The propagation is run again from each
        adopter alone (``"cascade"``: on the worlds the model was fitted on), and the
        score is split among the adopters in proportion to how strongly each alone
        reaches the user, so the contributions sum to the score. Adopters that do not
        reach the user alone are not listed; a user outside the graph, or scoring 0,
        gets empty arrays.

        Parameters
        ----------
        user_id, item_id : id
            A known user and film.
        n : int, default=10
            Number of adopters to return.

        Returns
        -------
        ids : numpy.ndarray
            Up to `n` user ids of the film's adopters, largest contribution first (ties:
            in id-map order).
        contributions : numpy.ndarray of float64
            Their share of the user's score for the film.

        Examples
        --------
        >>> from filmreco.data import Interactions
        >>> from filmreco.social import SocialGraph, IndependentCascade
        >>> g = SocialGraph.from_arrays(["a", "b", "d"], ["c", "c", "c"])
        >>> log = Interactions.from_arrays(["a", "b", "c"], ["f1", "f1", "f2"])
        >>> rec = ReachRecommender(IndependentCascade(g, 1.0), n_runs=10, random_state=0)
        >>> ids, parts = rec.fit(log).explain("c", "f1")  # a and b both reach c
        >>> ids.tolist(), parts.tolist()
        (['a', 'b'], [0.5, 0.5])
        """
        check_fitted(self)
        n = check_int(n, "n", min_value=0)
        u = int(self.user_ids_.index([user_id], name="user_id")[0])
        j = int(self._items([item_id], name="item_id")[0])
        score = float(take_rows(self.scores_, np.array([u]))[:, [j]].toarray()[0, 0])
        g = self.model.graph
        node = int(g.node_ids.index([user_id], on_unknown="mask")[0])
        X = self.user_items_
        rows = row_indices(X)[X.indices == j]
        nodes = g.node_ids.index(self.user_ids_.ids[rows], on_unknown="mask")
        rows, nodes = rows[nodes >= 0], nodes[nodes >= 0]
        if node < 0 or score <= 0 or not rows.size:
            return self.user_ids_.ids[:0], np.zeros(0)
        k = rows.size
        alone = sp.csc_array((np.ones(k), (nodes, np.arange(k))), shape=(g.n_nodes, k))
        if self.method == "cascade":
            n_runs = check_int(self.n_runs, "n_runs", min_value=1)
            _, _, probs = _simulate_films(
                self.model, alone, np.arange(k), n_runs, self.random_state, self.n_jobs, True
            )
            reach = np.array([float(p[node == idx].sum()) for idx, p in probs])
        else:
            D = diffusion_matrix(
                g, alone, damping=float(self.damping), weight=self.model.edge_probabilities
            )
            reach = np.asarray(D[node], dtype=np.float64)
        total = reach.sum()
        if total <= 0:
            return self.user_ids_.ids[:0], np.zeros(0)
        keep = reach > 0
        rows, contrib = rows[keep], score * reach[keep] / total
        order = np.lexsort((rows, -contrib))[:n]
        return self.user_ids_.to_ids(rows[order]), contrib[order]

    # persistence --------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, meta = export_nested(self.model, "model_")
        arrays.update(csr_to_arrays(self.node_scores_, "node_"))
        return arrays, {"model": meta}

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Any:
        # the propagation model is not JSON: _set_state restores it from the arrays
        return super()._restore(arrays, {**meta, "params": {**meta["params"], "model": None}})

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self.model = restore_nested(arrays, meta["model"], "model_", expected=PropagationModel)
        shape = (self.model.graph.n_nodes, len(self.item_ids_))
        self.node_scores_ = csr_from_arrays(arrays, "node_", shape)
        self._user_rows()


class _Log(NamedTuple):
    matrix: sp.csr_array
    user_ids: Any
    item_ids: Any


def _rebind(model: PropagationModel, graph: SocialGraph, arcs: np.ndarray) -> PropagationModel:
    """A model of `model`'s class on `graph`, whose arc ``e`` was arc ``arcs[e]``."""
    params = {
        name: getattr(model, name)
        for name in inspect.signature(type(model).__init__).parameters
        if name not in ("self", "graph", "probability", "random_state") and hasattr(model, name)
    }
    params["probability"] = np.asarray(model.edge_probabilities)[arcs]
    return type(model)(graph, **params)
