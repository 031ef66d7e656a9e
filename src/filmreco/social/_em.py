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
from numba import njit

from ..exceptions import ConvergenceError
from .graph import SocialGraph

__all__ = ["em_probabilities"]

_ONE = 1.0 - 1e-12  # probabilities are clipped below 1 before taking log(1 - p)


@njit(cache=True, nogil=True)
def _episodes(
    in_indptr, in_src, in_arc, a_ptr, a_items, a_times, window, fill, arcs, groups
):  # pragma: no cover - compiled
    """Successful tries ``(arc, action of u)`` and, per arc, the actions ``u`` did first.

    A first call with ``fill=False`` counts the successes; a second call writes their
    arc ids and the index of ``u``'s action (its position in the action CSR) into the
    preallocated `arcs` and `groups`.
    """
    n = in_indptr.size - 1
    m = in_arc.size
    already = np.zeros(m, dtype=np.int64)
    k = 0
    for u in range(n):
        for e in range(in_indptr[u], in_indptr[u + 1]):
            v = in_src[e]
            i = a_ptr[u]
            j = a_ptr[v]
            iu = a_ptr[u + 1]
            jv = a_ptr[v + 1]
            while i < iu and j < jv:
                if a_items[i] < a_items[j]:
                    i += 1
                elif a_items[i] > a_items[j]:
                    j += 1
                else:
                    dt = a_times[i] - a_times[j]
                    if dt <= 0:
                        already[in_arc[e]] += 1  # u was active first: no try
                    elif dt <= window:
                        if fill:
                            arcs[k] = in_arc[e]
                            groups[k] = i
                        k += 1
                    i += 1
                    j += 1
    return k, already


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
    args = (
        graph.in_adj.indptr, graph.in_adj.indices.astype(np.int64), graph.in_arc, X.indptr,
        X.indices.astype(np.int64), np.asarray(X.data, dtype=np.float64), float(window),
    )  # fmt: skip
    n_pos, already = _episodes(*args, False, np.zeros(0, np.int64), np.zeros(0, np.int64))
    arcs = np.empty(n_pos, dtype=np.int64)
    groups = np.empty(n_pos, dtype=np.int64)
    _episodes(*args, True, arcs, groups)
    m = graph.n_arcs
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
