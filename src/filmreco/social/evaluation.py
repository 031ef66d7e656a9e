"""Is a social graph worth using? Diagnostics and a controlled evaluation.

- :func:`homophily` — do linked users watch alike, beyond what random pairs of equally
  active users do, and does taste flow along the arcs?
- :func:`evaluate_social` — NDCG@k of the base and of the social recommender per user,
  the gain by user group (all, cold, cold with friends, ...) with paired bootstrap
  confidence intervals, and the same gain with a shuffled graph (:func:`shuffle_graph`)
  as the control: a gain that survives shuffling comes from mixing in popular films,
  not from the friends.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.model_selection import ParameterGrid

from .._validation import (
    check_callable,
    check_instance,
    check_int,
    check_option,
    check_random_state,
    check_real,
    user_stacklevel,
)
from ..data import Interactions
from ..exceptions import InputError, InputTypeError
from ..metrics import ndcg_at_k
from ..recommend.evaluation import TuneResult, split_random, tune
from ..sparse import build_csr, row_indices
from .graph import SocialGraph
from .recommend import SocialRecommender, friends_matrix, shuffle_graph

__all__ = [
    "GROUPS",
    "SocialEvaluation",
    "SocialTuning",
    "evaluate_social",
    "homophily",
    "tune_social",
]

logger = logging.getLogger("filmreco")

#: Parameters of a SocialRecommender reported per fold.
_SOCIAL_PARAMS = (
    "weight", "mode", "direction", "half_weight_at", "new_user_weight", "friend_scale",
)  # fmt: skip

#: User groups of :func:`evaluate_social`.
GROUPS = (
    "all", "cold", "cold_with_friends", "new_with_friends", "sparse_with_friends",
    "warm_with_friends", "without_friends", "others",
)  # fmt: skip


# --------------------------------------------------------------------------- homophily
def homophily(
    graph: SocialGraph, interactions: Any, *, direction: str = "in", random_state: Any = None
) -> dict[str, float]:
    """Compare the tastes of linked users with those of random pairs of the same users.

    The control pairs come from :func:`shuffle_graph` (every user keeps their number of
    friends, so activity levels match). Only pairs whose two users both interacted count.

    Parameters
    ----------
    graph : SocialGraph
    interactions : Interactions
        With timestamps, the share of co-adoptions that follow the arcs is reported too.
    direction : {"in", "out", "both"}, default="in"
        As in :class:`SocialRecommender` (only used to count users with friends).
    random_state : int, SeedSequence, Generator or None
        Seed of the shuffled graph.

    Returns
    -------
    dict
        ``n_pairs``; ``co_adoption`` and ``co_adoption_random`` (share of pairs sharing at
        least one film); ``co_adoption_uniform`` (the same for uniformly drawn pairs of
        users who interacted, ignoring how active they are); ``jaccard`` and ``jaccard_random`` (mean Jaccard similarity of the
        two users' films) and their ``lift`` ratios; ``follows_arcs`` (of co-adoptions at
        different times, the share where the arc's source adopted first; NaN without
        timestamps); ``users_with_friends``.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> X = Interactions.from_arrays(["a", "a", "b", "b", "c", "d"], [1, 2, 1, 2, 3, 4])
    >>> g = SocialGraph.from_arrays(["a", "c"], ["b", "d"])
    >>> h = homophily(g, X, random_state=0)
    >>> h["n_pairs"], h["co_adoption"], h["jaccard"]
    (2, 0.5, 0.5)
    """
    check_option(direction, ("in", "out", "both"), "direction")
    check_instance(
        graph,
        SocialGraph,
        "graph",
        "Build one with SocialGraph.from_edgelist or SocialGraph.from_networkx.",
    )
    if not (hasattr(interactions, "matrix") and hasattr(interactions, "user_ids")):
        raise InputTypeError(
            f"interactions must be an Interactions, got {type(interactions).__name__}."
        )
    users = interactions.user_ids
    X = sp.csr_array(interactions.matrix)
    B = sp.csr_array((np.ones(X.nnz), X.indices, X.indptr), shape=X.shape)
    active = np.diff(B.indptr) > 0
    ts = getattr(interactions, "timestamps", None)

    def pairs(g: SocialGraph) -> tuple[np.ndarray, np.ndarray]:
        node = g.node_ids.index(users.ids, on_unknown="mask")
        row_of = np.full(g.n_nodes, -1, dtype=np.int64)
        row_of[node[node >= 0]] = np.flatnonzero(node >= 0)
        s, t = row_of[g.sources], row_of[g.targets]
        ok = (s >= 0) & (t >= 0)
        s, t = s[ok], t[ok]
        ok = active[s] & active[t]
        return s[ok], t[ok]

    def stats(s: np.ndarray, t: np.ndarray) -> tuple[float, float]:
        if not s.size:
            return math.nan, math.nan
        common = np.asarray((B[s].multiply(B[t])).sum(axis=1)).ravel()
        size = np.diff(B.indptr)
        union = size[s] + size[t] - common
        return float((common > 0).mean()), float((common / union).mean())

    rng = check_random_state(random_state)
    s, t = pairs(graph)
    co, jac = stats(s, t)
    rs, rt = pairs(shuffle_graph(graph, rng))
    co_r, jac_r = stats(rs, rt)
    pool = np.flatnonzero(active)
    n_u = max(s.size, 10_000) if pool.size > 1 else 0
    us, ut = rng.choice(pool, n_u) if n_u else pool[:0], rng.choice(pool, n_u) if n_u else pool[:0]
    co_u, _ = stats(us[us != ut], ut[us != ut])
    follows = math.nan
    if ts is not None and s.size:
        T = sp.csr_array((np.asarray(ts) - np.min(ts) + 1.0, X.indices, X.indptr), shape=X.shape)
        ts_s = sp.csr_array(T[s].multiply(B[t]))
        ts_t = sp.csr_array(T[t].multiply(B[s]))
        ts_s.sort_indices()
        ts_t.sort_indices()
        differ = ts_s.data != ts_t.data
        if differ.any():
            follows = float((ts_s.data < ts_t.data)[differ].mean())
    F = friends_matrix(graph, users, direction)
    with_friends = (F @ B.sum(axis=1)) > 0
    return {
        "n_pairs": int(s.size),
        "co_adoption": co,
        "co_adoption_random": co_r,
        "co_adoption_lift": co / co_r if co_r else math.nan,
        "co_adoption_uniform": co_u,
        "jaccard": jac,
        "jaccard_random": jac_r,
        "jaccard_lift": jac / jac_r if jac_r else math.nan,
        "follows_arcs": follows,
        "users_with_friends": int(np.count_nonzero(with_friends)),
    }


# --------------------------------------------------------------------------- NDCG per user
def _relevance(train: Any, test: Any, users: np.ndarray) -> tuple[sp.csr_array, Any]:
    """Test items of `users` (rows of `test`) in the train item space, extended by new items."""
    space = train.item_ids.extend(test.item_ids.ids)
    T = sp.csr_array(test.matrix)[users]
    cols = space.index(test.item_ids.ids)[T.indices]
    R = build_csr(row_indices(T), cols, np.ones(T.nnz), shape=(users.size, len(space)))
    return R, space


def _ndcg(model: Any, user_ids: np.ndarray, R: sp.csr_array, space: Any, k: int) -> np.ndarray:
    ids, _ = model.recommend(user_ids, k, filter_seen=True)
    ranked = np.full(ids.shape, -1, dtype=np.int64)
    filled = ids != space.missing
    ranked[filled] = space.index(ids[filled])
    return ndcg_at_k(ranked, R, k)


def _mixed_ndcg(
    model: SocialRecommender,
    base_ndcg: np.ndarray,
    user_ids: np.ndarray,
    R: sp.csr_array,
    space: Any,
    k: int,
) -> np.ndarray:
    """NDCG@k of a fitted SocialRecommender; users it leaves to the base keep `base_ndcg`."""
    out = base_ndcg.copy()
    mixed = np.flatnonzero(model.user_weights(user_ids) > 0)
    if mixed.size:
        out[mixed] = _ndcg(model, user_ids[mixed], R[mixed], space, k)
    return out


def _test_users(test: Any) -> np.ndarray:
    return np.flatnonzero(np.diff(sp.csr_array(test.matrix).indptr) > 0)


def _check_split(train: Any, test: Any) -> None:
    for part, name in ((train, "train"), (test, "test")):
        for attr in ("matrix", "user_ids", "item_ids"):
            if not hasattr(part, attr):
                raise InputTypeError(f"{name} must be an Interactions, got {type(part).__name__}.")
    if train.user_ids != test.user_ids:
        raise InputError(
            "train and test must share their user id map (use a splitter such as "
            "filmreco.recommend.evaluation.split_random)."
        )


def _with_base(model: SocialRecommender, base: Any, **params: Any) -> SocialRecommender:
    """A SocialRecommender like `model` around an already fitted `base` (no graph copy)."""
    kw = {**model.get_params(deep=False), **params, "base": base, "refit": False}
    return SocialRecommender(**kw)


# --------------------------------------------------------------------------- tuning
@dataclass
class SocialTuning(TuneResult):
    """Deprecated: what :func:`tune_social` returns, a :class:`~filmreco.recommend.evaluation.TuneResult`.

    .. deprecated:: 0.1.0
        Use :func:`~filmreco.recommend.evaluation.tune`, which returns a
        :class:`~filmreco.recommend.evaluation.TuneResult` with the same fields
        (``best_params``, ``best_score``, ``results``, ``best_model``). SocialTuning will
        be removed in the next release.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = SocialTuning({"weight": 0.3}, 0.1)
    >>> isinstance(res, TuneResult), caught[0].category.__name__
    (True, 'FutureWarning')
    """

    def __post_init__(self) -> None:
        warnings.warn(
            "SocialTuning is deprecated and will be removed in the next release; "
            "filmreco.recommend.tune returns a filmreco.recommend.evaluation.TuneResult "
            "with the same fields.",
            FutureWarning,
            stacklevel=user_stacklevel(),
        )


def _binary(part: Any) -> Interactions:
    """`part` with every interaction's value set to 1 (relevance without grades)."""
    M = sp.csr_array(part.matrix, copy=True)
    M.data[:] = 1.0
    return Interactions(M, part.user_ids, part.item_ids, timestamps=part.timestamps,
                        ratings=part.ratings, dtype=M.dtype)  # fmt: skip


def _tune_social(
    model: SocialRecommender,
    train: Any,
    grid: Mapping[str, Any] | list[Mapping[str, Any]],
    split: Callable[[Any], tuple[Any, Any]] | None,
    n_splits: int,
    k: int,
    refit: bool,
    random_state: Any,
    control: bool = True,
) -> TuneResult:
    """:func:`~filmreco.recommend.evaluation.tune` as :func:`tune_social` used it.

    The validation relevance is binary (every held-out film counts 1, whatever its
    value), every split is checked (same user ids, some validation interactions), and
    the default split is a 20% :func:`split_random` seeded by a draw from `random_state`.
    """
    try:
        candidates = list(ParameterGrid(grid))
    except (TypeError, ValueError) as exc:
        raise InputTypeError(
            f"grid must be a dict (or list of dicts) of parameter lists: {exc}"
        ) from None
    if not candidates:
        raise InputError("grid holds no candidate parameters.")
    bad = sorted({key for c in candidates for key in c} & {"base", "graph", "refit"})
    if bad:
        raise InputError(f"grid may not set {bad}; tune the base separately.")
    if split is None:
        rng = check_random_state(random_state)

        def split(data: Any) -> tuple[Any, Any]:
            return split_random(data, 0.2, random_state=rng.integers(2**32))

    check_callable(split, "split")

    def checked(data: Any, split: Callable[[Any], tuple[Any, Any]] = split) -> tuple[Any, Any]:
        parts = split(data)
        if not (isinstance(parts, tuple) and len(parts) == 2):
            raise InputTypeError(
                f"split must return a (fit, validation) pair of Interactions, got "
                f"{type(parts).__name__}."
            )
        fit_part, valid = parts
        _check_split(fit_part, valid)
        if not _test_users(valid).size:
            raise InputError("the validation split holds no interactions; nothing to tune on.")
        return fit_part, _binary(valid)

    return tune(model, grid, train, split=checked, n_splits=n_splits, metric=f"ndcg@{k}",
                refit=refit, control=control, random_state=random_state)  # fmt: skip


def tune_social(
    model: SocialRecommender,
    train: Any,
    grid: Mapping[str, Any] | list[Mapping[str, Any]],
    *,
    split: Callable[[Any], tuple[Any, Any]] | None = None,
    n_splits: int = 1,
    k: int = 10,
    refit: bool = True,
    random_state: Any = None,
) -> SocialTuning:
    """Deprecated: pick the social recommender's parameters on validation splits of `train`.

    .. deprecated:: 0.1.0
        Use ``filmreco.recommend.tune(model, grid, train, n_splits=..., metric="ndcg@10")``
        (note the argument order: model, grid, data), which tunes any recommender, social
        models included, and returns a :class:`~filmreco.recommend.evaluation.TuneResult`.
        tune_social will be removed in the next release.

    It gives the same results as before for the same seeds: :func:`~filmreco.recommend.evaluation.tune`
    on validation splits whose held-out films all count 1 (``tune`` uses their values as
    relevance grades), the default split being a per-user 20% holdout seeded by a draw from
    `random_state` for every split.

    Parameters
    ----------
    model : SocialRecommender
        Supplies the base, the graph and the parameters the grid leaves alone.
    train : Interactions
        Training data only (never the test data).
    grid : dict or list of dicts
        Candidate values; they may not set ``base``, ``graph`` or ``refit``.
    split : callable, optional
        ``split(train) -> (fit_part, validation)``, called once per split.
    n_splits : int, default=1
    k : int, default=10
        The score is the mean NDCG@k over the validation users.
    refit : bool, default=True
        Fit the best model on all of `train` (``best_model``).
    random_state : int, SeedSequence, Generator or None
        Seeds of the default split.

    Returns
    -------
    SocialTuning
        A :class:`~filmreco.recommend.evaluation.TuneResult`; ``results`` holds the mean
        score of every candidate over the splits.

    Examples
    --------
    >>> import warnings
    >>> from filmreco.datasets import make_synthetic
    >>> from filmreco.recommend import Popularity
    >>> w = make_synthetic(200, 40, density=0.05, homophily=0.9, random_state=0)
    >>> social = SocialRecommender(Popularity(), SocialGraph.from_edgelist(w.graph))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = tune_social(social, w.interactions, {"weight": [0.0, 0.5]}, random_state=0)
    >>> caught[0].category.__name__, len(res.results)
    ('FutureWarning', 2)
    """
    warnings.warn(
        "tune_social is deprecated and will be removed in the next release; use "
        "filmreco.recommend.tune(model, grid, interactions, n_splits=..., "
        "metric='ndcg@10'), which returns a TuneResult.",
        FutureWarning,
        stacklevel=user_stacklevel(),
    )
    if not isinstance(model, SocialRecommender):
        raise InputTypeError(f"model must be a SocialRecommender, got {type(model).__name__}.")
    check_instance(train, Interactions, "train")
    k = check_int(k, "k", min_value=1)
    n_splits = check_int(n_splits, "n_splits", min_value=1)
    res = _tune_social(model, train, grid, split, n_splits, k, refit, random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return SocialTuning(res.best_params, res.best_score, res.results, res.best_model)


# --------------------------------------------------------------------------- evaluation
@dataclass(frozen=True, eq=False)
class SocialEvaluation:
    """Outcome of :func:`evaluate_social`.

    Attributes
    ----------
    table : dict of str to dict
        Per group of :data:`GROUPS`: ``n_users``; mean NDCG@k of ``base``, ``social`` and
        ``control`` (shuffled graph); ``gain`` (social - base) with its ``gain_low`` /
        ``gain_high`` bootstrap interval and ``relative_gain``; ``control_gain`` with its
        interval; ``over_control`` (gain - control gain, paired) with its interval; and the
        mean NDCG@k of every extra model.
    user_ids : numpy.ndarray
        The evaluated users (those with test interactions).
    ndcg : dict of str to numpy.ndarray
        Per model (``"base"``, ``"social"``, ``"control"``, extras), NDCG@k per user.
    groups : dict of str to numpy.ndarray of bool
        Membership of every evaluated user.
    n_folds : int
        1 for a train/test split; the number of folds of
        :func:`cross_evaluate_social` (whose ``ndcg`` is each user's mean over the folds
        that test them).
    params : list of dict
        The social parameters used in each fold (tuned per fold when a grid is given).

    Examples
    --------
    >>> from filmreco.datasets import make_synthetic
    >>> from filmreco.recommend import Popularity
    >>> from filmreco.recommend.evaluation import split_random
    >>> w = make_synthetic(300, 60, density=0.04, homophily=0.9, random_state=0)
    >>> train, test = split_random(w.interactions, test_size=0.2, random_state=0)
    >>> model = SocialRecommender(Popularity(), SocialGraph.from_edgelist(w.graph), weight=0.5)
    >>> ev = evaluate_social(model, train, test, n_boot=200, random_state=0)
    >>> row = ev.table["cold_with_friends"]
    >>> bool(row["gain_low"] <= row["gain"] <= row["gain_high"]), ev.n_folds, ev.k
    (True, 1, 10)
    >>> print(ev.summary().splitlines()[0].split()[:3])
    ['group', 'users', 'base']
    """

    table: dict[str, dict[str, float]]
    user_ids: np.ndarray
    ndcg: dict[str, np.ndarray]
    groups: dict[str, np.ndarray]
    k: int
    confidence: float
    n_boot: int
    n_folds: int = 1
    params: list[dict[str, Any]] = field(default_factory=list)

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame, one row per group."""
        import pandas as pd

        return pd.DataFrame.from_dict(self.table, orient="index")

    def summary(self) -> str:
        """Gains with their intervals as aligned text, one line per group."""
        lines = [
            f"{'group':<18} {'users':>6} {'base':>7} {'social':>7} "
            f"{'gain [CI]':>26} {'shuffled gain [CI]':>26} {'gain-shuffled [CI]':>26}"
        ]
        for name, r in self.table.items():

            def ci(key: str, r: dict[str, float] = r) -> str:
                return f"{r[key]:+.4f} [{r[key + '_low']:+.4f}, {r[key + '_high']:+.4f}]"

            lines.append(
                f"{name:<18} {r['n_users']:>6d} {r['base']:>7.4f} {r['social']:>7.4f} "
                f"{ci('gain'):>26} {ci('control_gain'):>26} {ci('over_control'):>26}"
            )
        return "\n".join(lines)


def _bootstrap_means(
    values: np.ndarray, n_boot: int, rng: np.random.Generator, chunk: int = 64
) -> np.ndarray:
    """``(n_boot, n_columns)`` means of `values` rows resampled with replacement (paired)."""
    n = values.shape[0]
    out = np.empty((n_boot, values.shape[1]))
    for a in range(0, n_boot, chunk):
        b = min(n_boot, a + chunk)
        idx = rng.integers(0, n, size=(b - a, n))
        out[a:b] = values[idx].mean(axis=1)
    return out


def user_groups(n_train: np.ndarray, friends: np.ndarray, cold_max: int) -> dict[str, np.ndarray]:
    """Membership of every user in each of :data:`GROUPS`.

    `n_train` holds the users' training interactions (a mean over folds is fine) and
    `friends` whether they have friends who interacted.
    """
    cold = n_train <= cold_max
    return {
        "all": np.ones(n_train.size, dtype=bool),
        "cold": cold,
        "cold_with_friends": cold & friends,
        "new_with_friends": (n_train == 0) & friends,
        "sparse_with_friends": cold & (n_train > 0) & friends,
        "warm_with_friends": ~cold & friends,
        "without_friends": ~friends,
        "others": ~(cold & friends),
    }


def _group_table(
    ndcg: dict[str, np.ndarray],
    groups: dict[str, np.ndarray],
    n_boot: int,
    confidence: float,
    rng: np.random.Generator,
) -> dict[str, dict[str, float]]:
    """Per group: mean NDCG of every model, gains over the base with paired bootstrap CIs."""
    lo_q, hi_q = (1 - confidence) / 2, (1 + confidence) / 2
    table: dict[str, dict[str, float]] = {}
    for name, mask in groups.items():
        ok = mask & ~np.isnan(ndcg["base"])
        row: dict[str, Any] = {"n_users": int(ok.sum())}
        for key, v in ndcg.items():
            row[key] = float(v[ok].mean()) if ok.any() else math.nan
        gain = ndcg["social"][ok] - ndcg["base"][ok]
        cgain = ndcg["control"][ok] - ndcg["base"][ok]
        cols = np.column_stack([gain, cgain, gain - cgain])
        boot = _bootstrap_means(cols, n_boot, rng) if ok.any() else np.full((1, 3), math.nan)
        for j, key in enumerate(("gain", "control_gain", "over_control")):
            row[key] = float(cols[:, j].mean()) if ok.any() else math.nan
            row[key + "_low"] = float(np.quantile(boot[:, j], lo_q))
            row[key + "_high"] = float(np.quantile(boot[:, j], hi_q))
        row["relative_gain"] = row["gain"] / row["base"] if row["base"] else math.nan
        table[name] = row
    return table


def evaluate_social(
    model: SocialRecommender,
    train: Any,
    test: Any,
    *,
    k: int = 10,
    cold_max: int = 5,
    others: Mapping[str, Any] | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: Any = None,
) -> SocialEvaluation:
    """Measure what the friends add, by user group, against a shuffled-graph control.

    The base is fitted once on `train` (unless the model has ``refit=False``); the social
    recommender mixes the real graph into it, the control the same recommender with a
    :func:`shuffle_graph` of it. Every user with a test interaction is scored by NDCG@k
    (seen films filtered; users without friends' films, whom the social recommender
    leaves to the base, through the base's own ``recommend``). A group's gain is the mean per-user difference social - base;
    its interval comes from a paired bootstrap over the group's users (the same resamples
    for the gain, the control's gain and their difference).

    Parameters
    ----------
    model : SocialRecommender
        With its tuned parameters (see :func:`~filmreco.recommend.evaluation.tune`).
    train, test : Interactions
        From a splitter (same user id map).
    k : int, default=10
    cold_max : int, default=5
        Users with at most this many training interactions are cold.
    others : dict of str to recommender, optional
        More models, already fitted on `train`, reported by mean NDCG@k per group
        (e.g. ``Popularity``, or friends alone: ``weight=1``).
    n_boot : int, default=2000
        Bootstrap resamples.
    confidence : float, default=0.95
        Coverage of the percentile intervals.
    random_state : int, SeedSequence, Generator or None
        Seeds the shuffled graph and the bootstrap.

    Returns
    -------
    SocialEvaluation
        Groups: ``all``; ``cold`` (at most `cold_max` training interactions);
        ``cold_with_friends`` (cold, and friends who interacted); ``new_with_friends``
        (no training interaction at all: the base can only fall back to popularity, the
        friends are all there is to know); ``sparse_with_friends`` (cold with friends and
        at least one training interaction); ``warm_with_friends``;
        ``without_friends``; ``others`` (everyone not cold with friends).

    Examples
    --------
    >>> from filmreco.datasets import make_synthetic
    >>> from filmreco.recommend import Popularity
    >>> from filmreco.recommend.evaluation import split_random
    >>> from filmreco.social import SocialGraph, SocialRecommender
    >>> w = make_synthetic(300, 60, density=0.04, homophily=0.9, random_state=0)
    >>> g = SocialGraph.from_edgelist(w.graph)
    >>> train, test = split_random(w.interactions, test_size=0.2, random_state=0)
    >>> ev = evaluate_social(SocialRecommender(Popularity(), g, weight=0.5), train, test,
    ...                      n_boot=200, random_state=0)
    >>> sorted(ev.table)[:3], ev.table["all"]["n_users"] == ev.user_ids.size
    (['all', 'cold', 'cold_with_friends'], True)
    """
    if not isinstance(model, SocialRecommender):
        raise InputTypeError(f"model must be a SocialRecommender, got {type(model).__name__}.")
    _check_split(train, test)
    k = check_int(k, "k", min_value=1)
    cold_max = check_int(cold_max, "cold_max", min_value=0)
    n_boot = check_int(n_boot, "n_boot", min_value=1)
    confidence = check_real(confidence, "confidence", min_value=0.0, max_value=1.0,
                            min_inclusive=False, max_inclusive=False)  # fmt: skip
    rng = check_random_state(random_state)
    base = clone(model.base).fit(train) if model.refit else model.base
    social = _with_base(model, base).fit(train)
    control = _with_base(model, base, graph=shuffle_graph(model.graph, rng)).fit(train)
    users = _test_users(test)
    if not users.size:
        raise InputError("test holds no interactions; there is nothing to evaluate.")
    R, space = _relevance(train, test, users)
    ids = test.user_ids.ids[users]
    base_ndcg = _ndcg(base, ids, R, space, k)
    ndcg = {
        "base": base_ndcg,
        "social": _mixed_ndcg(social, base_ndcg, ids, R, space, k),
        "control": _mixed_ndcg(control, base_ndcg, ids, R, space, k),
    }
    if others is not None and not isinstance(others, Mapping):
        raise InputTypeError(
            f"others must be a dict of name -> Recommender, got {type(others).__name__}."
        )
    for name, other in (others or {}).items():
        if not callable(getattr(other, "recommend", None)):
            raise InputTypeError(
                f"others[{name!r}] must be a Recommender, got {type(other).__name__}."
            )
        if name in ndcg:
            raise InputError(f"others may not use the name {name!r}.")
        ndcg[name] = _ndcg(other, ids, R, space, k)
    n_train = np.diff(sp.csr_array(train.matrix).indptr)[users]
    friends = np.diff(social.social_.indptr)[users] > 0
    groups = user_groups(n_train, friends, cold_max)
    table = _group_table(ndcg, groups, n_boot, confidence, rng)
    params = [{key: social.get_params()[key] for key in _SOCIAL_PARAMS}]
    return SocialEvaluation(table, ids, ndcg, groups, k, confidence, n_boot, 1, params)
