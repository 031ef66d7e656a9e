"""Cross-validated social evaluation: every interaction tested once, gains pooled per user."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from .._validation import (
    check_bool,
    check_callable,
    check_int,
    check_random_state,
    check_real,
    shorten,
)
from ..exceptions import InputError, InputTypeError
from .evaluation import (
    _SOCIAL_PARAMS,
    SocialEvaluation,
    _group_table,
    _mixed_ndcg,
    _ndcg,
    _relevance,
    _test_users,
    _tune_social,
    _with_base,
    user_groups,
)
from .recommend import DIRECTIONS, SocialRecommender, friends_matrix, shuffle_graph

__all__ = ["cross_evaluate_social"]

logger = logging.getLogger("filmreco")


def cross_evaluate_social(
    model: SocialRecommender,
    interactions: Any,
    *,
    n_folds: int = 5,
    grid: Mapping[str, Any] | list[Mapping[str, Any]] | None = None,
    tune_splits: int = 1,
    tune_control: bool = True,
    k: int = 10,
    cold_max: int = 5,
    friends_direction: str | None = None,
    others: Mapping[str, Any] | None = None,
    transform_train: Callable[[Any], Any] | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    show_progress: bool = False,
    random_state: Any = None,
) -> SocialEvaluation:
    """:func:`evaluate_social` over per-user k-fold cross-validation.

    The interactions are split by :func:`~filmreco.recommend.evaluation.split_kfold`, so
    every interaction is a test case exactly once. In each fold the base is fitted on the
    training part, the social recommender (tuned on that training part alone when a
    `grid` is given) and the shuffled-graph control mix friends into it, and every test
    user is scored by NDCG@k. A user's NDCG is the mean over the folds that test them;
    gains and their paired bootstrap intervals are then taken over users, as in
    :func:`evaluate_social`. Users with short histories get one test film from a random
    holdout, so their per-user NDCG is nearly all noise; averaging it over all their
    films is what gives a small group (cold users with friends) the power to show a
    gain of a few thousandths.

    Groups are fixed per user: cold = at most `cold_max` training interactions on
    average over the folds that test the user; "with friends" = at least one friend (by
    `friends_direction`) who interacted (in all of `interactions`).

    Parameters
    ----------
    model : SocialRecommender
        Its base is cloned and fitted in every fold (``refit`` must be True).
    interactions : Interactions
        All the data; the folds come from it.
    n_folds : int, default=5
    grid : dict or list of dicts, optional
        Tune the social parameters in every fold with :func:`~filmreco.recommend.evaluation.tune` on
        that fold's training part (never its test part), by NDCG@10 with every held-out
        film counting 1, validating on one k-fold fold of it (as the evaluation does, so
        users with no training interaction count in the tuning too); None uses the
        model's parameters.
    tune_splits : int, default=1
        Validation splits per fold for the tuning: the folds of one k-fold split of the
        fold's training part in turn (``tune_splits=n_folds``: an inner cross-validation in
        which every training interaction validates once, so the tuning's test of each part
        of the users, e.g. new users with friends, sees all of them).
    tune_control : bool, default=True
        The tuning's shuffled-graph control (`control` of
        :func:`~filmreco.recommend.evaluation.tune`): a candidate must also beat itself on
        one degree-preserving shuffle of the graph. False roughly halves the tuning's
        scoring.
    k : int, default=10
    cold_max : int, default=5
    friends_direction : {"in", "out", "both"}, optional
        Friendship for the groups; default: the model's ``direction``.
    others : dict of str to recommender, optional
        Unfitted models, cloned and fitted in every fold, reported by mean NDCG@k.
    transform_train : callable, optional
        ``transform_train(train) -> train``, applied to every fold's training part before
        tuning and fitting (e.g. to simulate a cold start by dropping some users'
        interactions); it must keep the id maps. The test parts are left alone.
    n_boot : int, default=2000
    confidence : float, default=0.95
    show_progress : bool, default=False
        A tqdm bar over the folds.
    random_state : int, SeedSequence, Generator or None
        Seeds the folds, the tuning splits, the shuffled graph and the bootstrap.

    Returns
    -------
    SocialEvaluation
        With ``n_folds`` and the parameters used in each fold (``params``).

    Examples
    --------
    >>> from filmreco.datasets import make_synthetic
    >>> from filmreco.recommend import Popularity
    >>> from filmreco.social import SocialGraph
    >>> w = make_synthetic(300, 60, density=0.04, homophily=0.9, random_state=0)
    >>> g = SocialGraph.from_edgelist(w.graph)
    >>> ev = cross_evaluate_social(SocialRecommender(Popularity(), g, weight=0.5),
    ...                            w.interactions, n_folds=3, n_boot=200, random_state=0)
    >>> ev.n_folds, ev.table["all"]["n_users"] == w.interactions.n_users
    (3, True)
    """
    from ..recommend.evaluation import split_kfold

    if not isinstance(model, SocialRecommender):
        raise InputTypeError(f"model must be a SocialRecommender, got {type(model).__name__}.")
    if not model.refit:
        raise InputError(
            "model.refit must be True: cross-validation fits the base in every fold "
            "(pass the unfitted base)."
        )
    for attr in ("matrix", "user_ids", "item_ids"):
        if not hasattr(interactions, attr):
            raise InputTypeError(
                f"interactions must be an Interactions, got {type(interactions).__name__}."
            )
    n_folds = check_int(n_folds, "n_folds", min_value=2)
    tune_splits = check_int(tune_splits, "tune_splits", min_value=1)
    tune_control = check_bool(tune_control, "tune_control")
    k = check_int(k, "k", min_value=1)
    cold_max = check_int(cold_max, "cold_max", min_value=0)
    n_boot = check_int(n_boot, "n_boot", min_value=1)
    confidence = check_real(confidence, "confidence", min_value=0.0, max_value=1.0,
                            min_inclusive=False, max_inclusive=False)  # fmt: skip
    direction = model.direction if friends_direction is None else friends_direction
    if not isinstance(direction, str) or direction not in DIRECTIONS:
        raise InputError(
            f"friends_direction must be one of {DIRECTIONS}, got {shorten(direction)}."
        )
    if others is not None and not isinstance(others, Mapping):
        raise InputTypeError(
            f"others must be a dict of name -> Recommender, got {type(others).__name__}."
        )
    others = dict(others or {})
    for name, other in others.items():
        if not callable(getattr(other, "recommend", None)):
            raise InputTypeError(
                f"others[{name!r}] must be a Recommender, got {type(other).__name__}."
            )
    if transform_train is not None:
        check_callable(transform_train, "transform_train")
    clash = sorted(set(others) & {"base", "social", "control"})
    if clash:
        raise InputError(f"others may not use the names {clash}.")
    rng = check_random_state(random_state)
    folds = split_kfold(interactions, n_folds, random_state=rng.integers(2**32))
    control_graph = shuffle_graph(model.graph, rng)

    n_users = interactions.matrix.shape[0]
    names = ["base", "social", "control", *others]
    total = {name: np.zeros(n_users) for name in names}
    count = np.zeros(n_users)
    n_train = np.zeros(n_users)
    params: list[dict[str, Any]] = []
    it: Any = folds
    if check_bool(show_progress, "show_progress"):
        from tqdm.auto import tqdm

        it = tqdm(folds, desc="folds", unit="fold")
    for f, (train, test) in enumerate(it):
        if transform_train is not None:
            train = transform_train(train)
            if not hasattr(train, "user_ids"):
                raise InputTypeError(
                    f"transform_train must return an Interactions, got {type(train).__name__}."
                )
            if train.user_ids != test.user_ids or train.item_ids != test.item_ids:
                raise InputError("transform_train must keep the id maps of the training part.")
        fold_model = model
        if grid is not None:
            # validate as we test: one k-fold fold of the training part per tuning split, so
            # users whose every interaction is held out (new users) are tuned for too
            fold_rng = np.random.default_rng(rng.integers(2**32))
            test_rng = fold_rng.spawn(1)[0]  # tune's significance test; no draw from fold_rng
            inner: list[Any] = []

            def one_fold(
                part: Any, fold_rng: np.random.Generator = fold_rng, inner: list[Any] = inner
            ) -> Any:
                # the folds of one k-fold split of the part in turn (a fresh split after
                # n_folds calls): with tune_splits=n_folds, every training interaction
                # validates once
                if not inner:
                    inner.extend(split_kfold(part, n_folds, random_state=fold_rng.integers(2**32)))
                return inner.pop(0)

            # tune_social's protocol (binary relevance), on the NDCG@k the folds report
            tuned = _tune_social(model, train, grid, one_fold, tune_splits, k, False, test_rng,
                                 control=tune_control)  # fmt: skip
            fold_model = clone(model).set_params(**tuned.best_params)
        params.append({key: fold_model.get_params()[key] for key in _SOCIAL_PARAMS})
        base = clone(model.base).fit(train)
        social = _with_base(fold_model, base).fit(train)
        control = _with_base(fold_model, base, graph=control_graph).fit(train)
        users = _test_users(test)
        if not users.size:
            continue
        R, space = _relevance(train, test, users)
        ids = test.user_ids.ids[users]
        base_ndcg = _ndcg(base, ids, R, space, k)
        total["base"][users] += base_ndcg
        total["social"][users] += _mixed_ndcg(social, base_ndcg, ids, R, space, k)
        total["control"][users] += _mixed_ndcg(control, base_ndcg, ids, R, space, k)
        for name, other in others.items():
            total[name][users] += _ndcg(clone(other).fit(train), ids, R, space, k)
        count[users] += 1
        n_train[users] += np.diff(sp.csr_array(train.matrix).indptr)[users]
        logger.info("cross_evaluate_social: fold %d/%d, %s", f + 1, n_folds, params[-1])

    users = np.flatnonzero(count > 0)
    if not users.size:
        raise InputError("interactions hold nothing to test; there is nothing to evaluate.")
    ndcg = {name: total[name][users] / count[users] for name in names}
    active = (np.diff(sp.csr_array(interactions.matrix).indptr) > 0).astype(np.float64)
    F = friends_matrix(model.graph, interactions.user_ids, direction)
    friends = np.asarray(F @ active)[users] > 0
    groups = user_groups(n_train[users] / count[users], friends, cold_max)
    table = _group_table(ndcg, groups, n_boot, confidence, rng)
    ids = interactions.user_ids.ids[users]
    return SocialEvaluation(table, ids, ndcg, groups, k, confidence, n_boot, n_folds, params)
