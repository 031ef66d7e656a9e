"""Per-arc influence probability schemes (see :meth:`SocialGraph.probabilities`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import check_probability, check_random_state
from ..exceptions import InputError

if TYPE_CHECKING:
    from .graph import SocialGraph

__all__ = ["PROBABILITY_SCHEMES", "TRIVALENCY"]

#: The probabilities of the trivalency scheme (Chen, Wang & Wang, KDD 2010).
TRIVALENCY = (0.1, 0.01, 0.001)


def _plain(x: Any) -> Any:
    """A numpy scalar as a Python value (for readable messages)."""
    return x.item() if isinstance(x, np.generic) else x


def group_shares(group: np.ndarray, w: np.ndarray, n_groups: int) -> np.ndarray:
    """``w[i] / sum(w[j] for j in i's group)``, 0 where a weight is 0, for finite ``w >= 0``.

    Each group is scaled by its largest weight first, so the sums lie in ``[1, size]``:
    huge weights do not overflow them (``1e308 + 1e308``) and subnormal ones give no
    reciprocal of a subnormal sum (``1 / 1e-323 = inf``).

    Examples
    --------
    >>> group_shares(np.array([0, 0, 1]), np.array([1e308, 1e308, 5e-324]), 2).tolist()
    [0.5, 0.5, 1.0]
    """
    w = np.asarray(w, dtype=np.float64)
    group = np.asarray(group, dtype=np.int64)
    top = np.zeros(n_groups)
    np.maximum.at(top, group, w)
    top_i = top[group]
    scaled = np.divide(w, top_i, out=np.zeros_like(w), where=top_i > 0)
    total = np.bincount(group, weights=scaled, minlength=n_groups)[group]
    return np.divide(scaled, total, out=np.zeros_like(w), where=scaled > 0)


def _uniform(g: SocialGraph, p: float, rng: Any) -> np.ndarray:
    return np.full(g.n_arcs, check_probability(p, "p"))


def _weighted_cascade(g: SocialGraph, p: float, rng: Any) -> np.ndarray:
    return 1.0 / g.in_degree()[g.targets].astype(np.float64)


def _trivalency(g: SocialGraph, p: float, rng: Any) -> np.ndarray:
    return np.asarray(TRIVALENCY)[check_random_state(rng).integers(0, 3, size=g.n_arcs)]


def _interaction_share(g: SocialGraph, p: float, rng: Any) -> np.ndarray:
    return group_shares(g.targets, g.weights, g.n_nodes)


def _interaction(g: SocialGraph, p: float, rng: Any) -> np.ndarray:
    return -np.expm1(g.weights * np.log1p(-min(check_probability(p, "p"), 1.0 - 1e-16)))


def _weight(g: SocialGraph, p: float, rng: Any) -> np.ndarray:
    w = g.weights.copy()
    if w.size and not (np.isfinite(w).all() and w.min() >= 0 and w.max() <= 1):
        raise InputError(
            f"probability='weight' uses the edge weights as probabilities, but they range over "
            f"[{w.min()}, {w.max()}]; probabilities must lie in [0, 1]. Use "
            "'interaction_share' or 'interaction' for interaction counts."
        )
    return w


#: Edge-probability schemes of :meth:`SocialGraph.probabilities`.
PROBABILITY_SCHEMES = {
    "uniform": _uniform,
    "weighted_cascade": _weighted_cascade,
    "trivalency": _trivalency,
    "interaction_share": _interaction_share,
    "interaction": _interaction,
    "weight": _weight,
}
