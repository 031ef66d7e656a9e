"""The co-adoption merge: every action performed by both ends of an arc, visited once.

The estimators of :mod:`filmreco.social.learn` (Bernoulli, Jaccard, Bayes) and of
:mod:`filmreco.social._em` (EM) walk the same pairs: for each arc ``v -> u``, the actions
of ``u`` and of ``v`` merged by action id. :func:`co_adoptions` is that merge, written
once. What is done with a pair (its arc, the position of ``u``'s action in the action CSR,
and ``u``'s time minus ``v``'s) is an *accumulator*: a ``NamedTuple`` of arrays whose
type selects, when numba compiles the merge, the jitted ``visit(acc, arc, i, dt)``
registered for it; each accumulator gets its own compiled (and cached) merge with the
visit inlined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from numba.extending import overload

from ._kernels import hook_for, source_of

__all__ = ["Credit", "PriorCount", "Tries", "co_adoptions"]

_VISITS: dict[type, Callable[..., Any]] = {}


def visit(acc, arc, i, dt):  # pragma: no cover - replaced when compiled
    """Account for one co-adoption (dispatched on the type of `acc`)."""
    raise NotImplementedError


@overload(visit, inline="always")
def _ov_visit(acc, arc, i, dt):  # pragma: no cover - compile time
    return hook_for(_VISITS, acc, "co-adoption visit")


@njit(cache=True, nogil=True)
def co_adoptions(in_indptr, in_src, in_arc, a_ptr, a_items, a_times, acc):  # pragma: no cover
    """Visit ``(arc, i, dt)`` for every action performed by both ends of an arc ``v -> u``.

    The in-CSR lists, for each user ``u``, the arcs ``v -> u`` (``in_src``) and their arc
    ids (``in_arc``); actions are a CSR over users with sorted item ids and their times.
    ``i`` is the position of ``u``'s action in the action CSR and ``dt`` is ``u``'s time
    minus ``v``'s. Pairs come in order of ``u``, then its in-arcs, then the action id.
    """
    for u in range(in_indptr.size - 1):
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
                    visit(acc, in_arc[e], i, a_times[i] - a_times[j])
                    i += 1
                    j += 1


class PriorCount(NamedTuple):
    """Per action of ``u``: how many in-neighbours performed it in the `window` before."""

    window: float
    n_prior: np.ndarray


@njit(cache=True, nogil=True)
def _visit_prior(acc, arc, i, dt):  # pragma: no cover - compiled
    if dt > 0 and dt <= acc.window:
        acc.n_prior[i] += 1


class Credit(NamedTuple):
    """Per arc: propagated credit ``A(v2u)`` (full, or shared by the `n_prior` parents of
    each action when `partial`) and shared actions ``A(v&u)`` (`both`)."""

    window: float
    partial: bool
    n_prior: np.ndarray
    credit: np.ndarray
    both: np.ndarray


@njit(cache=True, nogil=True)
def _visit_credit(acc, arc, i, dt):  # pragma: no cover - compiled
    if dt > 0 and dt <= acc.window:
        if acc.partial:
            acc.credit[arc] += 1.0 / acc.n_prior[i]
        else:
            acc.credit[arc] += 1.0
    acc.both[arc] += 1


class Tries(NamedTuple):
    """EM's episodes: per arc, the actions ``u`` performed first (`already`, no try), and
    each successful try's arc and action of ``u`` (`arcs`, `groups`: written while they
    have room; `n_tries[0]` counts them all)."""

    window: float
    already: np.ndarray
    arcs: np.ndarray
    groups: np.ndarray
    n_tries: np.ndarray


@njit(cache=True, nogil=True)
def _visit_tries(acc, arc, i, dt):  # pragma: no cover - compiled
    if dt <= 0:
        acc.already[arc] += 1  # u was active first: no try
    elif dt <= acc.window:
        k = acc.n_tries[0]
        if k < acc.arcs.size:
            acc.arcs[k] = arc
            acc.groups[k] = i
        acc.n_tries[0] = k + 1


_VISITS[PriorCount] = source_of(_visit_prior)
_VISITS[Credit] = source_of(_visit_credit)
_VISITS[Tries] = source_of(_visit_tries)
