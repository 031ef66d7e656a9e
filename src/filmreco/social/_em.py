"""Expectation-maximisation of Independent Cascade probabilities (Saito et al., KES 2008).

Saito, Nakano & Kimura estimate the IC probability of every arc ``v -> u`` from observed
cascades by maximising their likelihood with EM. In an action log, ``v`` *tries* to
activate ``u`` on every action ``v`` performs while ``u`` has not performed it yet; the try
*succeeds* when ``u`` performs the action after ``v`` and within `window` time units.
When ``u``'s action follows several in-neighbours (its candidate parents ``P``), the
likelihood of that action is ``1 - prod_{w in P} (1 - p(w, u))`` and the credit of each
parent is unknown; EM alternates

- E-step: each parent ``v`` of the action gets the responsibility
  ``p(v, u) / (1 - prod_{w in P} (1 - p(w, u)))``;
- M-step: ``p(v, u) = (sum of v's responsibilities for u) / (number of v's tries on u)``.

With discrete steps and ``window=1`` this is exactly the estimator of the paper (a
parent is active at the step before). The first iterate, full credit to every parent,
is the Bernoulli estimator restricted to tries; EM then only shares out credit, so the
probabilities decrease towards the maximum-likelihood estimate.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..exceptions import ConvergenceError
from ._coadopt import Tries, co_adoptions
from .graph import SocialGraph

__all__ = ["em_probabilities"]

_ONE = 1.0 - 1e-12  # probabilities are clipped below 1 before taking log(1 - p)


def em_probabilities(
    graph: SocialGraph,
    X: sp.csr_array,
    window: float,
    *,
    max_iter: int = 1000,
    tol: float = 1e-6,
) -> np.ndarray:
    """Per-arc IC probabilities by EM, from a users x actions CSR of first times.

    Parameters
    ----------
    graph : SocialGraph
    X : scipy.sparse.csr_array
        Rows follow ``graph.node_ids``, sorted column indices are actions and the values
        their times (as built by :func:`filmreco.social.learn.action_matrix`).
    window : float
        Largest delay of a successful try (``numpy.inf`` for none).
    max_iter : int, default=1000
    tol : float, default=1e-6
        Stop when no probability changes by more than `tol` in one iteration.

    Returns
    -------
    numpy.ndarray of float64, shape (n_arcs,)
        Arcs without a try get 0.

    Raises
    ------
    ConvergenceError
        If the probabilities still move by more than `tol` after `max_iter` iterations.
    """
    merge = (
        graph.in_adj.indptr, graph.in_adj.indices.astype(np.int64), graph.in_arc, X.indptr,
        X.indices.astype(np.int64), np.asarray(X.data, dtype=np.float64),
    )  # fmt: skip
    m = graph.n_arcs
    # the successful tries (arc, action of u) and, per arc, the actions u did first: one
    # pass of the merge counts the tries, a second one writes them into arrays that size
    none = np.zeros(0, dtype=np.int64)
    counted = Tries(float(window), np.zeros(m, np.int64), none, none, np.zeros(1, np.int64))
    co_adoptions(*merge, counted)
    already, n_pos = counted.already, int(counted.n_tries[0])
    arcs = np.empty(n_pos, dtype=np.int64)
    groups = np.empty(n_pos, dtype=np.int64)
    filled = Tries(float(window), np.zeros(m, np.int64), arcs, groups, np.zeros(1, np.int64))
    co_adoptions(*merge, filled)
    tries = np.diff(X.indptr)[graph.sources].astype(np.float64) - already
    p = np.divide(
        np.bincount(arcs, minlength=m).astype(np.float64), tries,
        out=np.zeros(m), where=tries > 0,
    )  # fmt: skip
    if n_pos == 0:
        return p
    _, g = np.unique(groups, return_inverse=True)
    delta = np.inf
    for _ in range(max_iter):
        pa = p[arcs]
        log_fail = np.bincount(g, weights=np.log1p(-np.minimum(pa, _ONE)))
        resp = np.minimum(pa / -np.expm1(log_fail)[g], 1.0)
        new = np.divide(np.bincount(arcs, weights=resp, minlength=m), tries,
                        out=np.zeros(m), where=tries > 0)  # fmt: skip
        delta = float(np.abs(new - p).max())
        p = new
        if delta <= tol:
            return np.clip(p, 0.0, 1.0)
    raise ConvergenceError(
        f"EM did not converge in max_iter={max_iter} iterations: the largest change in the "
        f"last one was {delta:.3g} > tol={tol:g}. Raise max_iter, or loosen tol."
    )
