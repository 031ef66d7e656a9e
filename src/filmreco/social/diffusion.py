"""Deterministic propagation scores: personalised PageRank from the seeds.

Summing neighbours' scores without damping diverges on any graph with a cycle, and its
limit (when it has one) no longer depends on where the campaign started. Personalised
PageRank (Page et al. 1999; Haveliwala, "Topic-sensitive PageRank", WWW 2002) damps each
hop by ``damping`` and restarts at the seeds with probability ``1 - damping``:

    x = damping * (x P + (dangling mass) * s) + (1 - damping) * s

where ``P`` is the row-normalised (weighted) adjacency (``u -> v``: ``u``'s score flows to
``v``) and ``s`` the seed distribution. The iteration contracts by ``damping`` per step, so
it converges for every ``damping < 1``; ``x[v]`` is the probability that a random walk
started at the seeds, stopping with probability ``1 - damping`` at each step, stops at
``v``. Mass at nodes without out-arcs returns to the seeds (networkx's default).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._validation import (
    as_array,
    check_int,
    check_real,
    check_sparse_structure,
    shorten,
    user_stacklevel,
)
from ..exceptions import ConvergenceError, DataWarning, InputError, InputTypeError
from ._schemes import group_shares
from .graph import SocialGraph

__all__ = ["diffusion_matrix", "diffusion_scores"]


def _transition(graph: SocialGraph, weight: Any) -> tuple[sp.csr_array, np.ndarray]:
    """Row-stochastic transition matrix (as a CSR) and the dangling mask."""
    if weight is None:
        w = np.ones(graph.n_arcs)
    elif isinstance(weight, str):
        if weight != "weight":
            raise InputError(
                f"weight={shorten(weight)} is not supported; use None (unweighted), 'weight' (the "
                "graph's edge weights) or an array with one value per arc."
            )
        w = graph.weights
    else:
        w = as_array(weight, "weight", np.float64)
        if w.shape != (graph.n_arcs,):
            raise InputError(f"weight must have one value per arc ({graph.n_arcs}), got {w.shape}.")
        if not np.isfinite(w).all() or (w.size and w.min() < 0):
            raise InputError("weight must be finite and non-negative.")
    # each row over its sum, scaled by its largest weight first (no overflow of the sums
    # of huge weights, no reciprocal of a subnormal sum)
    share = group_shares(graph.sources, w, graph.n_nodes)
    out = np.bincount(graph.sources, weights=share, minlength=graph.n_nodes)
    P = sp.csr_array(
        (share, graph.out_adj.indices, graph.out_adj.indptr),
        shape=(graph.n_nodes, graph.n_nodes),
    )
    return P, ~(out > 0)


def _as_graph(graph: Any) -> SocialGraph:
    if isinstance(graph, SocialGraph):
        return graph
    if hasattr(graph, "is_directed") and hasattr(graph, "edges"):
        return SocialGraph.from_networkx(graph)
    raise InputTypeError(
        f"graph must be a SocialGraph or a networkx graph, got {type(graph).__name__}."
    )


def diffusion_matrix(
    graph: SocialGraph,
    S: Any,
    *,
    damping: float = 0.85,
    weight: Any = None,
    max_iter: int = 100,
    tol: float = 1e-6,
) -> np.ndarray:
    """Personalised PageRank for several seed distributions at once.

    Parameters
    ----------
    graph : SocialGraph
    S : array-like or sparse, shape (n_nodes, n_columns)
        Non-negative seed weights, one column per campaign (e.g. the adopters of each
        film); each column is normalised to sum to 1. All-zero columns give zero scores.
    damping, weight, max_iter, tol
        As in :func:`diffusion_scores`.

    Returns
    -------
    numpy.ndarray of float64, shape (n_nodes, n_columns)
        Each non-zero column sums to 1 (an empty graph gives an empty result).

    Examples
    --------
    >>> g = SocialGraph.from_arrays([0, 1], [1, 2])
    >>> diffusion_matrix(g, np.eye(3)[:, :1], damping=0.5).round(3).ravel().tolist()
    [0.571, 0.286, 0.143]
    """
    damping = check_real(damping, "damping", min_value=0.0, max_value=1.0, max_inclusive=False)
    max_iter = check_int(max_iter, "max_iter", min_value=1)
    tol = check_real(tol, "tol", min_value=0.0, min_inclusive=False)
    if not isinstance(graph, SocialGraph):
        raise InputTypeError(
            f"graph must be a SocialGraph, got {type(graph).__name__}; build one with "
            "SocialGraph.from_edgelist or SocialGraph.from_networkx."
        )
    n = graph.n_nodes
    if sp.issparse(S):
        # scipy's toarray walks indptr unchecked: a falling indptr loops for ever
        check_sparse_structure(S, "S")
        seeds = S.toarray()
    else:
        try:
            seeds = np.asarray(S, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"S must be a numeric array or sparse matrix of seed weights, got "
                f"{type(S).__name__} ({exc})."
            ) from None
    seeds = np.asarray(seeds, dtype=np.float64)
    if seeds.ndim != 2 or seeds.shape[0] != n:
        raise InputError(f"S must have shape ({n}, n_columns), got {seeds.shape}.")
    if not np.isfinite(seeds).all() or (seeds.size and seeds.min() < 0):
        raise InputError("S must hold finite, non-negative seed weights.")
    if n == 0:  # no node, nothing to score (and nothing to iterate)
        return np.zeros(seeds.shape)
    # each column over its sum, scaled by its largest weight first (no overflow to inf)
    top = seeds.max(axis=0)
    seeds = np.divide(seeds, top, out=np.zeros_like(seeds), where=top > 0)
    total = seeds.sum(axis=0)
    s = np.divide(seeds, total, out=np.zeros_like(seeds), where=total > 0)
    P, dangling = _transition(graph, weight)
    PT = sp.csr_array(P.T)
    x = s.copy()
    for _ in range(max_iter):
        last = x
        x = damping * (PT @ x + np.outer(np.ones(n), x[dangling].sum(axis=0)) * s)
        x += (1.0 - damping) * s
        err = np.abs(x - last).sum(axis=0)
        if (err < n * tol).all():
            return x
    raise ConvergenceError(
        f"personalised PageRank did not converge in max_iter={max_iter} iterations (last "
        f"change {err.max():.3g}, tol * n = {n * tol:.3g}); raise max_iter or tol, or lower "
        "damping."
    )


def diffusion_scores(
    graph: Any,
    seeds: Any,
    *,
    damping: float = 0.85,
    weight: Any = None,
    max_iter: int = 100,
    tol: float = 1e-6,
) -> dict[Any, float]:
    """Score every user by how much of a campaign started at `seeds` reaches them.

    A deterministic, convergent alternative to Monte-Carlo simulation: personalised
    PageRank restarting at the seeds (see the module notes). Scores sum to 1; a user far
    from every seed, or reachable only through weak arcs, scores close to 0.

    Parameters
    ----------
    graph : SocialGraph or networkx graph
    seeds : array-like of node ids, or mapping {node id: weight}
        Where the campaign starts; a mapping weights the seeds (finite, non-negative
        weights, at least one positive). A repeated id counts once, with a
        :class:`~filmreco.exceptions.DataWarning`.
    damping : float, default=0.85
        Probability of following an arc at each hop (``1 - damping`` restarts at the
        seeds). Larger values let influence travel further; must be in [0, 1).
    weight : None, "weight" or array-like, default=None
        Arc weights for the transition probabilities: none (uniform over out-arcs), the
        graph's edge weights, or one value per arc (e.g. a model's
        ``edge_probabilities``).
    max_iter : int, default=100
    tol : float, default=1e-6
        Convergence when the L1 change is below ``n_nodes * tol`` (as networkx).

    Returns
    -------
    dict
        ``{node id: score}`` for every node.

    Raises
    ------
    UnknownIdError
        If a seed is not in the graph.
    InputError
        If `seeds` is empty, or its weights are negative, not finite or all zero.
    ConvergenceError
        If `max_iter` iterations were not enough.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> scores = diffusion_scores(G, seeds=["a"])
    >>> sorted(scores, key=scores.get, reverse=True)
    ['a', 'b', 'c']
    >>> round(sum(scores.values()), 6)
    1.0
    """
    g = _as_graph(graph)
    if isinstance(seeds, Mapping):
        ids = list(seeds)
        try:
            w = np.asarray(list(seeds.values()), dtype=np.float64)
        except (TypeError, ValueError):
            w = np.full(len(ids), np.nan)
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            raise InputError(
                f"seeds must map ids to finite, non-negative weights, but {int(bad.sum())} "
                f"weight(s) are not (e.g. {shorten(ids[int(np.argmax(bad))])}: "
                f"{shorten(list(seeds.values())[int(np.argmax(bad))])})."
            )
    else:
        ids = seeds
        w = None
    idx = np.asarray(g.index(ids, name="seeds"), dtype=np.int64)
    if idx.size == 0:
        raise InputError("seeds is empty; give at least one seed id.")
    uniq, first = np.unique(idx, return_index=True)
    if uniq.size != idx.size:  # as simulate and maximize_influence: each seed counts once
        dup = g.node_ids.to_ids(idx[np.setdiff1d(np.arange(idx.size), first)][:3])
        warnings.warn(
            f"seeds holds {idx.size - uniq.size} duplicate id(s) (e.g. "
            f"{shorten(dup.tolist())}); each seed counts once.",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
        keep = np.sort(first)
        idx = idx[keep]
        w = None if w is None else w[keep]
    S = np.zeros((g.n_nodes, 1))
    S[idx, 0] = 1.0 if w is None else w
    if not (S > 0).any():
        raise InputError("the seed weights are all zero; give at least one positive weight.")
    x = diffusion_matrix(g, S, damping=damping, weight=weight, max_iter=max_iter, tol=tol)
    return dict(zip(g.node_ids.ids.tolist(), x[:, 0].tolist()))
