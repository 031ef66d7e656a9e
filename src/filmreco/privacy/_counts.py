"""Shared counts with a minimum group size and optional Laplace noise (private; see :mod:`filmreco.privacy`)."""

from __future__ import annotations

import json
import secrets
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_int, check_random_state, check_real, user_stacklevel
from ..data import Interactions
from ..exceptions import InputError, InputTypeError
from ..sparse import row_indices
from ._pseudonym import PrivacyWarning, Pseudonymized, _check_pair

__all__ = ["SharedCounts", "audience_overlap", "item_audience"]


# aggregates ---------------------------------------------------------------------------
def _noise_rng(random_state: Any) -> np.random.Generator:
    if random_state is None:
        return np.random.default_rng(secrets.randbits(128))
    warnings.warn(
        "random_state makes the privacy noise reproducible, so anyone with the seed can remove "
        "it; use it for tests only and leave it None for shared results.",
        PrivacyWarning,
        stacklevel=user_stacklevel(),
    )
    return check_random_state(random_state)


@dataclass(frozen=True)
class SharedCounts:
    """Counts safe to share: small ones suppressed, optionally Laplace-noised.

    Attributes
    ----------
    labels : numpy.ndarray
        What each count is of (e.g. item ids, or ``"overlap"``).
    counts : numpy.ndarray of float64
        Released counts (noisy, rounded, at least 0 when `epsilon` is set); ``NaN`` where
        suppressed.
    suppressed : numpy.ndarray of bool
    min_group_size : int
    epsilon : float or None
        Privacy parameter of the Laplace noise for the whole table (None: no noise).
    sensitivity : float
        Most a single user can change the table (L1); the noise scale is
        ``sensitivity / epsilon``.

    Examples
    --------
    >>> from filmreco import Interactions
    >>> X = Interactions.from_arrays(list("abcde") + ["a"], ["tt1"] * 5 + ["tt2"])
    >>> counts = item_audience(X, min_group_size=3)
    >>> counts.labels.tolist(), counts.suppressed.tolist()
    (['tt1', 'tt2'], [False, True])
    >>> counts.to_dict()["counts"]
    {'tt1': 5, 'tt2': 'suppressed'}
    """

    labels: np.ndarray
    counts: np.ndarray
    suppressed: np.ndarray
    min_group_size: int
    epsilon: float | None
    sensitivity: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: suppressed counts are the string ``"suppressed"``, never 0."""
        values: dict[str, Any] = {}
        for label, c, s in zip(self.labels.tolist(), self.counts.tolist(), self.suppressed):
            values[str(label)] = "suppressed" if s else int(c)
        return {
            "counts": values,
            "min_group_size": self.min_group_size,
            "epsilon": self.epsilon,
            "sensitivity": self.sensitivity,
            "noise": "none" if self.epsilon is None else "laplace",
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)


def _release(
    labels: np.ndarray,
    true_counts: np.ndarray,
    min_group_size: Any,
    epsilon: Any,
    sensitivity: float,
    random_state: Any,
) -> SharedCounts:
    k = check_int(min_group_size, "min_group_size", min_value=1)
    counts = np.asarray(true_counts, dtype=np.float64)
    if epsilon is not None:
        eps = check_real(epsilon, "epsilon", min_value=0.0, min_inclusive=False)
        rng = _noise_rng(random_state)
        counts = np.maximum(np.rint(counts + rng.laplace(0.0, sensitivity / eps, counts.size)), 0)
    else:
        eps = None
        if random_state is not None:
            raise InputError("random_state only seeds the noise; it needs epsilon.")
    # suppression is decided on the released (noisy) value, so it leaks nothing extra
    small = counts < k
    return SharedCounts(
        np.asarray(labels),
        np.where(small, np.nan, counts),
        small,
        k,
        eps,
        float(sensitivity),
    )


def audience_overlap(
    a: Pseudonymized,
    b: Pseudonymized,
    *,
    min_group_size: int = 10,
    epsilon: float | None = None,
    random_state: Any = None,
) -> SharedCounts:
    """Count the users two partners share, safe to publish to both.

    Parameters
    ----------
    a, b : Pseudonymized
        The two audiences (same key and id type).
    min_group_size : int, default=10
        Counts below it are suppressed (reported as ``"suppressed"``, not 0).
    epsilon : float, optional
        Add Laplace noise of scale ``1 / epsilon`` (sensitivity 1: one user changes the
        overlap by at most one) before rounding and suppression.
    random_state : int or Generator, optional
        Tests only: makes the noise reproducible and warns (:class:`PrivacyWarning`).

    Returns
    -------
    SharedCounts
        One count, labelled ``"overlap"``.

    Examples
    --------
    >>> from filmreco.privacy import Pseudonymizer
    >>> p = Pseudonymizer(b"0123456789abcdef-demo-key")
    >>> films = p.pseudonymize_interactions(Interactions.from_arrays(list("abcde"), [1] * 5))
    >>> shop = p.pseudonymize_interactions(Interactions.from_arrays(list("cdefg"), [9] * 5))
    >>> audience_overlap(films, shop, min_group_size=2).to_dict()["counts"]
    {'overlap': 3}
    >>> audience_overlap(films, shop, min_group_size=5).to_dict()["counts"]
    {'overlap': 'suppressed'}
    """
    _check_pair(a, b)
    ua, ub = a.interactions.user_ids, b.interactions.user_ids
    both = int(np.count_nonzero(ub.contains(ua.ids))) if len(ua) and len(ub) else 0
    return _release(np.array(["overlap"]), np.array([both]), min_group_size, epsilon, 1.0,
                    random_state)  # fmt: skip


def item_audience(
    data: Interactions | Pseudonymized,
    *,
    users: Any = None,
    min_group_size: int = 10,
    epsilon: float | None = None,
    max_items_per_user: int | None = None,
    random_state: Any = None,
) -> SharedCounts:
    """Count the distinct users of every item, safe to share (e.g. per-film audiences).

    Parameters
    ----------
    data : Interactions or Pseudonymized
    users : array-like of user ids, optional
        Only count these users (e.g. the pseudonyms shared with a partner); ids not in
        `data` are ignored.
    min_group_size : int, default=10
        Counts below it are suppressed.
    epsilon : float, optional
        Laplace noise for the whole table; needs `max_items_per_user`, the sensitivity.
    max_items_per_user : int, optional
        Each user counts for at most this many items (the first ones in item order); users
        above it are capped, reported by a PrivacyWarning. Required with `epsilon` (it is
        the noise's sensitivity); applied without it too. At least 1.
    random_state : int or Generator, optional
        Tests only (warns).

    Returns
    -------
    SharedCounts
        Labelled by item id, in the item order of `data`.

    Examples
    --------
    >>> from filmreco import Interactions
    >>> X = Interactions.from_arrays(list("abcde") + ["a"], ["tt1"] * 5 + ["tt2"])
    >>> item_audience(X, min_group_size=3).to_dict()["counts"]
    {'tt1': 5, 'tt2': 'suppressed'}
    >>> item_audience(X, users=["a", "b"], min_group_size=1).to_dict()["counts"]
    {'tt1': 2, 'tt2': 1}
    """
    inter = data.interactions if isinstance(data, Pseudonymized) else data
    if not isinstance(inter, Interactions):
        raise InputTypeError(
            f"data must be Interactions or Pseudonymized, got {type(data).__name__}."
        )
    X = inter.matrix
    rows = row_indices(X)
    keep = X.data > 0
    if users is not None:
        chosen = np.zeros(X.shape[0], dtype=bool)
        chosen[inter.user_ids.index(users, on_unknown="ignore", name="users")] = True
        keep &= chosen[rows]
    sens = 1.0
    if epsilon is not None and max_items_per_user is None:
        raise InputError(
            "epsilon needs max_items_per_user: one user can appear in many item counts, "
            "so the noise must be scaled to a cap on their contributions."
        )
    if max_items_per_user is not None:  # a cap given is applied, with or without noise
        cap = check_int(max_items_per_user, "max_items_per_user", min_value=1)
        done = np.concatenate([[0], np.cumsum(keep)])  # kept entries before each position
        rank = done[1:] - 1 - done[X.indptr[rows]]  # rank among the user's kept entries
        capped = keep & (rank >= cap)
        if capped.any():
            warnings.warn(
                f"capped {int(capped.sum())} interactions of users above "
                f"max_items_per_user={cap} so the noise covers every user.",
                PrivacyWarning,
                stacklevel=user_stacklevel(),
            )
        keep &= ~capped
        sens = float(cap)
    counts = np.bincount(X.indices[keep], minlength=X.shape[1])
    return _release(inter.item_ids.ids, counts, min_group_size, epsilon, sens, random_state)
