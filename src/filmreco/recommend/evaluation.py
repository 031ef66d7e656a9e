"""Offline evaluation of recommenders: splitters, a metrics table, hyper-parameter tuning.

- :func:`split_random` (per-user random holdout), :func:`split_leave_last` (each user's
  latest interactions), :func:`split_temporal` (one global cut in time),
  :func:`split_kfold` (per-user k-fold cross-validation);
- :func:`evaluate` — fit on train, recommend for every test user (training positives filtered),
  and score the lists with :func:`filmreco.metrics.ranking_metrics`: precision, recall,
  NDCG, MAP, MRR, hit rate at `k`, catalogue coverage and novelty;
- :func:`tune` — grid search on validation splits carved from the training data, for
  every recommender (the social models of :mod:`filmreco.social` included).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.model_selection import ParameterGrid

from .._parallel import progress_bar
from .._validation import (
    check_bool,
    check_callable,
    check_fitted,
    check_int,
    check_random_state,
    shorten,
)
from ..data import Interactions
from ..exceptions import InputError, InputTypeError
from ..metrics import METRICS, ranking_metrics
from ..sparse import build_csr, row_indices
from ._base import Recommender
from ._inputs import take_rows
from ._serve import audience
from ._split import split_kfold, split_leave_last, split_random, split_temporal

__all__ = [
    "DEFAULT_METRICS",
    "TUNE_ALPHA",
    "TuneResult",
    "evaluate",
    "split_kfold",
    "split_leave_last",
    "split_random",
    "split_temporal",
    "tune",
]

logger = logging.getLogger("filmreco")

#: Metrics reported by :func:`evaluate` by default.
DEFAULT_METRICS = ("precision", "recall", "ndcg", "map", "mrr", "hit_rate", "coverage", "novelty")


def _ks(k: int | Iterable[int]) -> list[int]:
    if isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
        ks = [k]
    elif isinstance(k, (str, bytes)) or not isinstance(k, Iterable):
        raise InputTypeError(
            f"k must be an int or a list of ints, got {shorten(k)} ({type(k).__name__}); "
            "e.g. k=10 or k=[5, 10]."
        )
    else:
        ks = list(k)
    if not ks:
        raise InputError("k must be an int or a non-empty list of ints.")
    return [check_int(x, "k", min_value=1) for x in ks]


def _metric_names(metrics: Iterable[str] | None) -> list[str]:
    """The metrics asked for: a list of names, or one name (``metrics="ndcg"``)."""
    if metrics is None:
        return list(DEFAULT_METRICS)
    if isinstance(metrics, str):
        names = [metrics]
    elif isinstance(metrics, Iterable):
        names = list(metrics)
    else:
        raise InputTypeError(
            f"metrics must be a list of names, e.g. ['ndcg'], got {type(metrics).__name__}."
        )
    for name in names:
        if not isinstance(name, str) or name not in METRICS:
            raise InputError(
                f"metrics entry {shorten(name)} is not supported; use some of {list(METRICS)}."
            )
    return names


def _models(model: Any) -> tuple[dict[str, Any], bool]:
    """``{name: Recommender}`` of `model` (a class gives a model of default parameters, as
    in :func:`tune`), and whether one model was given."""

    def one(m: Any) -> Any:
        return m() if isinstance(m, type) and issubclass(m, Recommender) else m

    if not isinstance(model, Mapping):
        m = one(model)
        if not isinstance(m, Recommender):
            raise InputTypeError(
                f"model must be a Recommender (or its class) or a dict {{name: Recommender}}, "
                f"got {type(model).__name__}; to compare several models, name them, e.g. "
                "{'pop': Popularity(), 'ease': EASE()}."
            )
        return {"model": m}, True
    models = {name: one(m) for name, m in model.items()}
    if not models:
        raise InputError("model must be a Recommender or a non-empty dict {name: Recommender}.")
    bad = [name for name, m in models.items() if not isinstance(m, Recommender)]
    if bad:
        raise InputTypeError(
            f"model must be a dict {{name: Recommender}}, but its entry {shorten(bad[0])} is "
            f"a {type(model[bad[0]]).__name__}."
        )
    return models, False


def _evaluate_one(
    model: Recommender,
    train: Interactions,
    test: Interactions,
    ks: list[int],
    metrics: list[str],
    fit: bool,
    filter_seen: bool,
    n_jobs: int | None,
    aggregate: bool = True,
) -> dict[str, Any]:
    if fit:
        model = clone(model).fit(train)
    else:
        check_fitted(model)
    T = test.matrix
    counts = np.diff(T.indptr)
    users = np.flatnonzero(counts > 0)
    user_ids = test.user_ids.ids[users]
    ids, _ = model.recommend(
        user_ids, max(ks), filter_seen=filter_seen, on_unknown="popular", n_jobs=n_jobs
    )
    items = model.item_ids_
    ranked = np.where(ids == items.missing, -1, 0)
    filled = ranked == 0
    ranked[filled] = items.index(ids[filled])
    # relevance in the model's item space, extended by test-only items (never recommended,
    # but they stay relevant, so recall is not inflated)
    space = items.extend(test.item_ids.ids)
    sub = test.take_users(users).matrix
    cols = space.index(test.item_ids.ids)[sub.indices]
    relevant = build_csr(
        row_indices(sub), cols, sub.data, shape=(users.size, len(space)), dtype=np.float64
    )
    out = ranking_metrics(
        ranked,
        relevant,
        k=ks,
        metrics=metrics,
        n_items=len(items),
        item_popularity=model.item_popularity_ + 1.0,
        aggregate=aggregate,
    )
    out["n_users"] = int(users.size)
    return out


def _evaluate_items(
    model: Recommender,
    train: Interactions,
    test: Interactions,
    ks: list[int],
    metrics: list[str],
    fit: bool,
    filter_seen: bool,
    n_jobs: int | None,
) -> dict[str, Any]:
    """:func:`evaluate` with ``axis="items"``: each test film's audience against its viewers."""
    if fit:
        model = clone(model).fit(train)
    else:
        check_fitted(model)
    T = test.matrix.T.tocsr()  # items x users
    films = np.flatnonzero(np.diff(T.indptr) > 0)
    film_ids = test.item_ids.ids[films]
    known = model.item_ids_.contains(film_ids)
    films, film_ids = films[known], film_ids[known]
    cols = model.item_ids_.index(film_ids)
    users = model.user_ids_
    urows = np.arange(len(users), dtype=np.int64)
    ranked, _ = audience(model, urows, cols, max(ks), filter_seen, n_jobs)
    # relevance in the model's user space, extended by test-only users (never in an
    # audience, but they stay relevant, so recall is not inflated)
    space = users.extend(test.user_ids.ids)
    sub = take_rows(T, films)
    relevant = build_csr(
        row_indices(sub),
        space.index(test.user_ids.ids)[sub.indices],
        sub.data,
        shape=(films.size, len(space)),
        dtype=np.float64,
    )
    activity = np.diff(sp.csr_array(model.user_items_).indptr).astype(np.float64)
    out = ranking_metrics(
        ranked, relevant, k=ks, metrics=metrics, n_items=len(users), item_popularity=activity + 1.0
    )
    out["n_items"] = int(films.size)
    out["n_unknown_items"] = int((~known).sum())
    return out


def evaluate(
    model: Recommender | Mapping[str, Recommender],
    train: Interactions,
    test: Interactions,
    *,
    k: int | Iterable[int] = 10,
    metrics: Iterable[str] | None = None,
    fit: bool = True,
    filter_seen: bool = True,
    as_frame: bool = False,
    n_jobs: int | None = None,
    show_progress: bool = False,
    axis: str = "users",
) -> Any:
    """Score a recommender's top-`k` lists for the users of `test` (or its films' audiences).

    Parameters
    ----------
    model : Recommender, Recommender class, or dict of str to Recommender
        One model, or several by name (one row of the table each). A class is a model
        of its default parameters (as in :func:`tune`).
    train, test : Interactions
        From a splitter (same id maps). Every user with a test interaction is evaluated;
        users the model does not know get the popularity fallback. A splitter's parts are
        positives only (their :attr:`~filmreco.data.Interactions.seen` set is their
        matrix), so the films filtered are the training positives.
    k : int or iterable of int, default=10
        Cut-off(s).
    metrics : str or iterable of str, optional
        A name, or names, from :data:`filmreco.metrics.METRICS`; :data:`DEFAULT_METRICS` by default.
        Novelty uses the training popularity plus one (so unseen films have finite bits).
    fit : bool, default=True
        Fit a clone of the model on `train` (the model passed in is left unchanged); with
        False the model must already be fitted on `train`.
    filter_seen : bool, default=True
        Remove the seen films of `train` from the lists: for a splitter's part, its
        positives (the usual protocol, that of the published baselines). Filtering every
        rated film instead, as a ``train`` with a wider seen set would, is a different
        protocol with higher scores (about +0.06 NDCG@10 on MovieLens).
    as_frame : bool, default=False
        Return a pandas DataFrame (one row per model) instead of dicts.
    n_jobs : int or None, default=None
        Workers of the batch recommendation; see :ref:`n_jobs`.
    show_progress : bool, default=False
        Show a tqdm bar over the models (a fit and a scoring pass each).
    axis : {"users", "items"}, default="users"
        ``"users"``: a list of films per test user, judged by the user's test films.
        ``"items"``: audience quality, "who should see film X"
        (:meth:`~filmreco.recommend.Recommender.recommend_users`): for every film with
        test interactions, the model ranks the users who have not seen it (with
        `filter_seen`, the film's training seen set) and the list is judged by the
        film's test viewers, e.g. ``k=100`` for NDCG@100 and recall@100 of a campaign
        audience. Test-only users count as relevant but cannot be reached (recall is not
        inflated); films the model does not know are skipped (``"n_unknown_items"``).
        Coverage is then the share of users in some audience, novelty is measured on the
        users' training activity.

    Returns
    -------
    dict or pandas.DataFrame
        ``{"ndcg@10": ..., ..., "n_evaluated": ..., "n_users": ...}`` for one model,
        ``{name: {...}}`` for several, or a DataFrame with `as_frame`. With
        ``axis="items"``, ``"n_evaluated"`` counts films and ``"n_items"`` replaces
        ``"n_users"``.

    Examples
    --------
    >>> from filmreco.recommend import Popularity
    >>> train, test = split_leave_last(
    ...     Interactions.from_arrays(["a", "a", "b", "b"], [1, 2, 1, 2], timestamps=[1, 2, 1, 2]))
    >>> evaluate(Popularity(), train, test, metrics=["hit_rate"], k=1)
    {'hit_rate@1': 1.0, 'n_evaluated': 2, 'n_users': 2}

    Audiences: for each film with a test viewer, rank the users who have not seen it.

    >>> evaluate(Popularity(), train, test, metrics=["recall"], k=[1, 2], axis="items")
    {'recall@1': 0.5, 'recall@2': 1.0, 'n_evaluated': 1, 'n_items': 1, 'n_unknown_items': 0}
    """
    ks = _ks(k)
    names = _metric_names(metrics)
    for part, label in ((train, "train"), (test, "test")):
        if not isinstance(part, Interactions):
            raise InputTypeError(f"{label} must be an Interactions, got {type(part).__name__}.")
    models, single = _models(model)
    if not isinstance(axis, str) or axis not in ("users", "items"):
        raise InputError(
            f"axis={shorten(axis)} is not supported; use axis='users' (films for each user) "
            "or axis='items' (an audience for each film)."
        )
    one = _evaluate_one if axis == "users" else _evaluate_items
    table = {}
    with progress_bar(len(models), "evaluate", show_progress) as bar:
        for name, m in models.items():
            table[name] = one(m, train, test, ks, names, fit, filter_seen, n_jobs)
            logger.info("evaluate %s: %s", name, table[name])
            bar.update()
    if as_frame:
        pd = importlib.import_module("pandas")
        return pd.DataFrame.from_dict(table, orient="index")
    return table["model"] if single else table


@dataclass
class TuneResult:
    """Outcome of :func:`tune`.

    Attributes
    ----------
    best_params : dict
        The winning hyper-parameters.
    best_score : float
        Their validation score (the mean over the validation splits).
    results : list of dict
        ``{"params": ..., "score": ...}`` for every candidate, in grid order (the score
        averaged over the splits).
    best_model : Recommender or None
        A model with `best_params` fitted on all the data given to :func:`tune` (None when
        ``refit=False``).

    Examples
    --------
    >>> res = TuneResult({"regularization": 10.0}, 0.5,
    ...                  [{"params": {"regularization": 10.0}, "score": 0.5}])
    >>> res.best_params, res.best_model is None
    ({'regularization': 10.0}, True)
    """

    best_params: dict[str, Any]
    best_score: float
    results: list[dict[str, Any]] = field(default_factory=list)
    best_model: Recommender | None = None


def _check_metric(metric: str) -> tuple[str, int]:
    name, sep, kk = metric.partition("@") if isinstance(metric, str) else ("", "", "")
    if not sep or name not in METRICS or name in ("coverage", "novelty") or not kk.isdigit():
        raise InputError(
            f"metric={shorten(metric)} must look like 'ndcg@10', with one of "
            f"{[m for m in METRICS if m not in ('coverage', 'novelty')]}."
        )
    return name, check_int(int(kk), "k of metric", min_value=1)


def _validation_splits(
    interactions: Interactions,
    split: Callable[[Interactions], tuple[Interactions, Interactions]] | None,
    n_splits: int,
    random_state: Any,
) -> Iterator[tuple[Interactions, Interactions]]:
    """The (train, valid) pairs of :func:`tune`, made one at a time."""
    if split is not None:
        for _ in range(n_splits):
            parts = split(interactions)
            if not (
                isinstance(parts, tuple | list)
                and len(parts) == 2
                and all(isinstance(p, Interactions) for p in parts)
            ):
                raise InputTypeError(
                    "split must return a (train, validation) pair of Interactions, got "
                    f"{shorten(parts)} ({type(parts).__name__})."
                )
            yield parts[0], parts[1]
    elif n_splits == 1:
        yield split_random(interactions, 0.2, random_state=random_state)
    else:
        rng = check_random_state(random_state)
        for _ in range(n_splits):
            yield split_random(interactions, 0.2, random_state=rng.integers(2**32))


def _grid_candidates(grid: Any, base: Recommender) -> list[dict[str, Any]]:
    """The settings of `grid` (a dict, or a list of dicts, of value lists) for `base`."""
    try:
        candidates = list(ParameterGrid(grid))
    except TypeError as exc:
        raise InputTypeError(
            f"grid must be a dict (or a list of dicts) mapping parameter names to lists of "
            f"values, e.g. {{'regularization': [1.0, 10.0]}}; got {shorten(grid)}: {exc}"
        ) from None
    except ValueError as exc:
        raise InputError(f"grid={shorten(grid)} is not a valid parameter grid: {exc}") from None
    known = base.get_params()
    for params in candidates:
        for key in params:
            if not isinstance(key, str):
                raise InputTypeError(
                    f"grid keys must be parameter names (str), got {shorten(key)}."
                )
            if key not in known:
                raise InputError(
                    f"grid names {shorten(key)}, which is not a parameter of "
                    f"{type(base).__name__}; its parameters are {sorted(known)}."
                )
    return candidates


def tune(
    model: Any,
    grid: Mapping[str, Iterable[Any]] | Iterable[Mapping[str, Iterable[Any]]],
    interactions: Interactions,
    *,
    split: Callable[[Interactions], tuple[Interactions, Interactions]] | None = None,
    n_splits: int = 1,
    metric: str = "ndcg@10",
    refit: bool = True,
    control: bool = True,
    random_state: Any = None,
    n_jobs: int | None = None,
    show_progress: bool = False,
) -> TuneResult:
    """Pick hyper-parameters on validation splits carved from `interactions`.

    Every candidate of `grid` is fitted on the training part of each split and scored on
    its validation part as :func:`evaluate` does (every validation user, seen films
    filtered); its score is the mean over the `n_splits` splits, and the best one wins
    (ties: the first in grid order).

    Some models have *null* candidates, settings under which they add nothing to a
    simpler model (a :class:`~filmreco.social.SocialRecommender` with ``weight=0`` and
    no ``new_user_weight`` ranks exactly as its base). When the grid holds null and other
    candidates, another candidate wins only if it beats the null significantly wherever it
    departs from it. A model may split its users into parts served by different
    parameters (a social model: users with a history, by ``weight``; users without, by
    ``new_user_weight``); each part is judged on its own validation users: a one-sided
    paired test of every candidate that changes the part against the part's null, over
    the part's users (each user's values averaged over the splits), simultaneous over the
    candidates by sign-flip resampling (:data:`TUNE_RESAMPLES`, Westfall & Young 1993),
    at :data:`TUNE_ALPHA` (5%) shared among the parts, so that with a useless addition
    (a social graph that carries no signal) a non-null candidate is chosen with
    probability at most 5%. The best-scoring candidate that passes in every part it
    changes wins; a part without validation users is not judged. Each tested candidate's
    lower confidence bounds of its gains are in its ``results`` entry
    (``"part_gain_lower_bounds"``, and their minimum ``"gain_lower_bound"``).

    A model may also offer a *control*: the same candidate with what it adds made
    meaningless (a social model: its graph replaced by one degree-preserving shuffle,
    :func:`~filmreco.social.shuffle_graph`, seeded from `random_state`, the same for every
    split). With `control` on, a candidate must also beat its own control on the part's
    users: a gain that any graph with the same degrees would give (mixing in some other
    users' films smooths sparse users' rankings) is not evidence for the links. The
    comparisons ``candidate - its control`` per user form a second family, simultaneous over
    the candidates by the same sign flips at the same level: a candidate that does not beat
    the null is chosen with probability at most 5%, as without the control (its bounds
    against the null are unchanged), and so is a candidate whose gain its control matches
    (with a graph that carries no signal, every candidate is one; a grid mixing both kinds
    of failures bounds their union by 10%). The control's lower bounds are in
    ``"part_control_lower_bounds"`` and ``"control_lower_bound"``.

    Like the one-standard-error rule (Hastie, Tibshirani & Friedman, *The Elements of
    Statistical Learning*, 2009, section 7.10), this prefers the simpler model when the
    validation data cannot tell them apart. Any :class:`Recommender` can be tuned, the social
    models of :mod:`filmreco.social` included: for a
    :class:`~filmreco.social.SocialRecommender` whose grid leaves the base alone, the base
    is fitted once per split and shared by the candidates (with the same scores as
    fitting it for each). Few users have friends in most data sets, so a social model's
    score on one split is noisy: several splits make the choice steadier.

    Parameters
    ----------
    model : Recommender class or instance
        The model to tune; an instance supplies the parameters the grid leaves alone.
    grid : dict of str to list, or list of such dicts
        Candidate values (as :class:`sklearn.model_selection.ParameterGrid`), e.g.
        ``{"regularization": [10, 100]}`` or, for a social model, ``{"weight": [0, 0.1,
        0.3], "mode": ["rank", "score"]}``.
    interactions : Interactions
        Training data; the validation splits are carved from it (never pass test data).
    split : callable, optional
        ``split(interactions) -> (train, valid)``, called once per split; default
        :func:`split_random` holding out 20% per user, seeded by `random_state` (with
        several splits, by seeds drawn from it).
    n_splits : int, default=1
        Number of validation splits the scores are averaged over.
    metric : str, default="ndcg@10"
        ``"<name>@<k>"`` with a name from :data:`filmreco.metrics.METRICS`; larger is better.
    refit : bool, default=True
        Fit the best model on all of `interactions`.
    control : bool, default=True
        Test candidates against the model's control too (see above; models without one,
        and grids without null candidates, are unaffected). It scores every tested
        candidate a second time on each split, which roughly doubles the cost of the
        tuning when fitting the candidates is cheap (a social model on a shared base: 2.3
        times on a 21-candidate grid, ``benchmarks/README_social_real.md``); False tests
        against the null candidates only, as before the control existed.
    random_state : int, Generator or None
        Seed of the default split, of the control (drawn from a child of it, so the splits
        and sign flips are those of ``control=False``) and of the sign flips of the test
        against null candidates.
    n_jobs : int or None, default=None
        Workers of the batch recommendation (not of the fits); see :ref:`n_jobs`.
    show_progress : bool, default=False
        Show a tqdm bar over the fits (every candidate on every split, then the refit).

    Returns
    -------
    TuneResult

    Raises
    ------
    InputError
        An empty grid, a malformed `metric`, or a metric undefined for every candidate
        (no validation users).

    Examples
    --------
    >>> from filmreco.recommend import EASE
    >>> X = Interactions.from_arrays(np.repeat(np.arange(6), 3), [0, 1, 2] * 6)
    >>> res = tune(EASE, {"regularization": [1.0, 10.0]}, X, random_state=0, metric="hit_rate@1")
    >>> sorted(res.best_params), len(res.results)
    (['regularization'], 2)

    A social model, its weight chosen on two validation splits:

    >>> from filmreco.datasets import make_synthetic
    >>> from filmreco.recommend import Popularity
    >>> from filmreco.social import SocialGraph, SocialRecommender
    >>> w = make_synthetic(200, 40, density=0.05, homophily=0.9, random_state=0)
    >>> social = SocialRecommender(Popularity(), SocialGraph.from_edgelist(w.graph))
    >>> res = tune(social, {"weight": [0.0, 0.5]}, w.interactions, n_splits=2, random_state=0)
    >>> [r["params"]["weight"] for r in res.results], type(res.best_model).__name__
    ([0.0, 0.5], 'SocialRecommender')
    """
    base = model() if isinstance(model, type) else model
    if not isinstance(base, Recommender):
        raise InputTypeError(f"model must be a Recommender class or instance, got {model!r}.")
    name, k = _check_metric(metric)
    if not isinstance(interactions, Interactions):
        raise InputTypeError(
            f"interactions must be an Interactions, got {type(interactions).__name__}."
        )
    n_splits = check_int(n_splits, "n_splits", min_value=1)
    if split is not None:
        check_callable(split, "split")
    candidates = _grid_candidates(grid, base)
    if not candidates:
        raise InputError("grid holds no candidate parameters.")
    tuned = {key for params in candidates for key in params}
    null_parts = _null_parts(base, candidates)
    tested = [
        name
        for name in null_parts[0]
        if any(parts[name] for parts in null_parts) and not all(parts[name] for parts in null_parts)
    ]
    guard = bool(tested)
    refit = check_bool(refit, "refit")
    control = check_bool(control, "control")
    control_params = _control_params(base, tuned, random_state) if guard and control else None
    # candidates judged against their control: those departing from the null in a tested part
    needs_control = [
        control_params is not None and any(not parts[name] for name in tested)
        for parts in null_parts
    ]
    total = np.zeros(len(candidates))
    record = _GuardRecord(len(candidates), control_params is not None) if guard else None
    part_keys = _part_keys(base, candidates, null_parts) if guard else None
    n_fits = len(candidates) + sum(needs_control)
    bar = progress_bar(n_splits * n_fits + int(refit), "tune", show_progress)
    with bar:
        for train, valid in _validation_splits(interactions, split, n_splits, random_state):
            shared = base._tuning_parts(train, tuned)
            if record is not None and part_keys is not None and shared:
                # one base for every candidate: equal keys rank a part's users alike

                def fit_one(
                    c: dict[str, Any], on_control: bool = False, shared: Any = shared,
                    train: Any = train,
                ) -> Any:  # fmt: skip
                    extra = control_params if on_control and control_params else {}
                    return clone(base).set_params(**c, **shared, **extra).fit(train)

                split_scores = _by_part_behaviour(
                    fit_one, candidates, part_keys, valid, k, name, n_jobs, record,
                    null_parts, needs_control,
                )  # fmt: skip
                for i, score in enumerate(split_scores):
                    logger.info("tune %s %s: %s=%.5f", type(base).__name__, candidates[i],
                                metric, score)  # fmt: skip
                    total[i] += score
                    bar.update(1 + int(needs_control[i]))
                continue
            for i, params in enumerate(candidates):
                m = clone(base).set_params(**params, **shared).fit(train)
                res = _evaluate_one(m, train, valid, [k], [name], False, True, n_jobs, not guard)
                if record is not None:
                    if i == 0:
                        record.new_split(m, valid)
                    record.values[i].append(np.asarray(res[metric], dtype=np.float64))
                    score = _nanmean(record.values[i][-1])
                    if record.control is not None:
                        vals = np.full(record.values[i][-1].size, np.nan)
                        if needs_control[i] and control_params is not None:
                            mc = clone(base).set_params(**params, **shared, **control_params)
                            rc = _evaluate_one(mc.fit(train), train, valid, [k], [name], False,
                                               True, n_jobs, False)  # fmt: skip
                            vals = np.asarray(rc[metric], dtype=np.float64)
                            bar.update()
                        record.control[i].append(vals)
                else:
                    score = float(res[metric])
                logger.info("tune %s %s: %s=%.5f", type(base).__name__, params, metric, score)
                total[i] += score
                bar.update()
        scores = total / n_splits
        if np.isnan(scores).all():
            raise InputError(f"{metric} is undefined for every candidate (no validation users?).")
        results = [{"params": dict(c), "score": float(v)} for c, v in zip(candidates, scores)]
        best = int(np.nanargmax(scores))
        if record is not None:
            best = _guarded_best(scores, null_parts, record, results, random_state)
        best_params: dict[str, Any] = dict(candidates[best])
        best_model = None
        if refit:
            best_model = clone(base).set_params(**best_params).fit(interactions)
            bar.update()
    return TuneResult(best_params, float(scores[best]), results, best_model)


#: Family-wise error rate of :func:`tune`'s test of the candidates against the model's
#: null candidates (e.g. a social model with weight 0, its base).
TUNE_ALPHA = 0.05


def _nanmean(a: np.ndarray) -> float:
    ok = ~np.isnan(a)
    return float(a[ok].mean()) if ok.any() else float("nan")


#: Sign-flip resamples of :func:`tune`'s test (its p-values are multiples of 1 / (this + 1)).
TUNE_RESAMPLES = 1999


def _null_parts(base: Any, candidates: list[dict[str, Any]]) -> list[dict[str, bool]]:
    """Per candidate, whether it adds nothing to the model's null for each part of the users.

    A model may split its users into parts that different parameters serve (a social
    model: users with a history of their own, by ``weight``; users without, by
    ``new_user_weight``) through ``_null_parts(params) -> {part: bool}``; a model with
    only ``_null_candidate(params) -> bool`` has one part, ``"all"``.
    """
    parts = getattr(base, "_null_parts", None)
    if callable(parts):
        out = [{str(key): bool(v) for key, v in parts(c).items()} for c in candidates]
        if out and all(list(o) == list(out[0]) for o in out) and out[0]:
            return out
    null = getattr(base, "_null_candidate", None)
    return [{"all": bool(null(c)) if callable(null) else False} for c in candidates]


def _control_params(base: Any, tuned: set[str], random_state: Any) -> dict[str, Any] | None:
    """The parameters that turn a candidate into its control (``_tuning_control(tuned,
    random_state)`` of the model, e.g. a social model's shuffled graph), or None.

    The control's randomness comes from a child of `random_state` (``Generator.spawn``:
    no draw from it), so the splits and the sign flips are those of ``control=False``."""
    make = getattr(base, "_tuning_control", None)
    if not callable(make):
        return None
    rng = check_random_state(random_state)
    try:
        child = rng.spawn(1)[0]
    except (AttributeError, TypeError, ValueError):  # a bit generator without a seed sequence
        child = np.random.default_rng(rng.integers(2**63))
    params = make(tuned, child)
    return dict(params) if params else None


def _part_keys(
    base: Any, candidates: list[dict[str, Any]], null_parts: list[dict[str, bool]]
) -> list[dict[str, Any]] | None:
    """Per candidate and part, a key that is equal for candidates ranking the part's users
    alike (``_tuning_part_keys(params)`` of the model), or None when the model gives none."""
    keys_of = getattr(base, "_tuning_part_keys", None)
    if not callable(keys_of):
        return None
    keys = [keys_of(c) for c in candidates]
    parts = set(null_parts[0])
    if any(k is None or set(k) != parts for k in keys):
        return None
    return keys


def _by_part_behaviour(
    fit_one: Callable[..., Any],
    candidates: list[dict[str, Any]],
    part_keys: list[dict[str, Any]],
    valid: Interactions,
    k: int,
    name: str,
    n_jobs: int | None,
    record: _GuardRecord,
    null_parts: list[dict[str, bool]],
    needs_control: list[bool],
) -> list[float]:
    """Every candidate's per-user values on one split, each part's users scored once per
    distinct behaviour there (candidates with the same key rank those users alike), so a
    grid crossing a weight for some users with a policy for others costs their sum, not
    their product. With a control, each behaviour that departs from the null in a part
    is scored on its control there too. Records the values; returns each candidate's
    mean."""
    metric = f"{name}@{k}"
    first = fit_one(candidates[0])
    record.new_split(first, valid)
    users = np.flatnonzero(np.diff(valid.matrix.indptr) > 0)
    masks = record.masks[-1]
    values = np.full((len(candidates), users.size), np.nan)
    controls = np.full((len(candidates), users.size), np.nan)
    covered = np.zeros(users.size, dtype=bool)

    def score(m: Any, sub: Interactions) -> np.ndarray:
        res = _evaluate_one(m, sub, sub, [k], [name], False, True, n_jobs, False)
        return np.asarray(res[metric], dtype=np.float64)

    for part, mask in masks.items():
        if not mask.any():
            continue
        covered |= mask
        sub = valid.take_users(users[mask])
        done: dict[Any, np.ndarray] = {}
        done_control: dict[Any, np.ndarray] = {}
        for i, c in enumerate(candidates):
            key = part_keys[i].get(part)
            if key not in done:
                done[key] = score(first if i == 0 else fit_one(c), sub)
            values[i, mask] = done[key]
            if record.control is not None and needs_control[i] and not null_parts[i][part]:
                if key not in done_control:
                    done_control[key] = score(fit_one(c, True), sub)
                controls[i, mask] = done_control[key]
    rest = ~covered
    if rest.any():  # users in no part: every candidate scores them itself
        sub = valid.take_users(users[rest])
        for i, c in enumerate(candidates):
            m = first if i == 0 else fit_one(c)
            res = _evaluate_one(m, sub, sub, [k], [name], False, True, n_jobs, False)
            values[i, rest] = np.asarray(res[metric], dtype=np.float64)
    for i in range(len(candidates)):
        record.values[i].append(values[i])
        if record.control is not None:
            record.control[i].append(controls[i])
    return [_nanmean(v) for v in values]


class _GuardRecord:
    """Per split: the validation user ids, their part masks, every candidate's values
    (and, with a control, the values of every candidate's control; NaN where not scored)."""

    def __init__(self, n_candidates: int, control: bool = False) -> None:
        self.user_ids: list[np.ndarray] = []
        self.masks: list[dict[str, np.ndarray]] = []
        self.values: list[list[np.ndarray]] = [[] for _ in range(n_candidates)]
        self.control: list[list[np.ndarray]] | None = (
            [[] for _ in range(n_candidates)] if control else None
        )

    def new_split(self, fitted: Any, valid: Interactions) -> None:
        users = np.flatnonzero(np.diff(valid.matrix.indptr) > 0)  # as _evaluate_one
        ids = valid.user_ids.ids[users]
        self.user_ids.append(ids)
        parts = getattr(fitted, "_tuning_user_parts", None)
        masks = parts(ids) if callable(parts) else {}
        self.masks.append({str(key): np.asarray(v, dtype=bool) for key, v in masks.items()})

    def part_values(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        """``(users, candidates)`` values of the part's users, each user's mean over the
        splits that validated them in this part (and the users' ids); with a control, the
        candidates' control values follow as as many more columns (NaN where not scored)."""
        ids, vals = [], []
        columns = self.values + (self.control or [])
        n = len(self.values)
        for s, split_ids in enumerate(self.user_ids):
            mask = self.masks[s].get(part, np.ones(split_ids.size, dtype=bool))
            ids.append(split_ids[mask])
            vals.append(np.stack([v[s][mask] for v in columns], axis=1))
        all_ids = np.concatenate(ids)
        V = np.concatenate(vals, axis=0)
        keep = ~np.isnan(V[:, :n]).any(axis=1)
        all_ids, V = all_ids[keep], V[keep]
        if not all_ids.size:
            return all_ids, V
        uniq, inv = np.unique(all_ids, return_inverse=True)
        count = np.bincount(inv, minlength=uniq.size).astype(np.float64)
        sums = np.zeros((uniq.size, V.shape[1]))
        np.add.at(sums, inv, V)
        return uniq, sums / count[:, None]


def _max_t_lower_bounds(
    D: np.ndarray, alpha: float, rng: np.random.Generator, families: int = 1
) -> np.ndarray:
    """Simultaneous lower confidence bounds of the column means of the paired differences
    `D` (users x candidates): ``mean - c * se``, with ``c`` the ``1 - alpha`` quantile of the
    largest studentized mean under random sign flips of the users' rows (Westfall & Young,
    *Resampling-based multiple testing*, 1993): the flips keep the candidates' correlation,
    so near-duplicate candidates cost less than a Bonferroni correction would.

    With ``families > 1`` the columns are that many equal blocks (e.g. every candidate
    against the null, then every candidate against its control), each simultaneous within
    itself at `alpha` with its own ``c``, all from the same flips: the first block's bounds
    are exactly those of ``families=1`` on it alone."""
    n = D.shape[0]
    mean = D.mean(axis=0)
    sq = (D**2).sum(axis=0)
    se = np.sqrt(np.maximum(sq - n * mean**2, 0.0) / (n - 1) / n)
    live = se > 0
    lower = np.where(mean > 0, 0.0, mean)  # a candidate equal to the null never passes
    width = D.shape[1] // families
    family = np.arange(D.shape[1]) // width
    if not live[family == 0].any():  # nothing passes the first family: no flips drawn
        return lower
    blocks = [live & (family == f) for f in range(families)]
    top: list[list[np.ndarray]] = [[] for _ in range(families)]
    for start in range(0, TUNE_RESAMPLES, 250):
        b = min(250, TUNE_RESAMPLES - start)
        signs = rng.integers(0, 2, size=(b, n)).astype(np.float64) * 2.0 - 1.0
        for f, cols in enumerate(blocks):
            if cols.any():
                m = signs @ D[:, cols] / n
                s = np.sqrt(np.maximum(sq[cols] - n * m**2, 1e-300) / (n - 1) / n)
                top[f].append((m / s).max(axis=1))
    for f, cols in enumerate(blocks):
        if cols.any():
            c = float(np.quantile(np.concatenate(top[f]), 1.0 - alpha, method="higher"))
            lower[cols] = mean[cols] - c * se[cols]
    return lower


def _guarded_best(
    scores: np.ndarray,
    null_parts: list[dict[str, bool]],
    record: _GuardRecord,
    results: list[dict[str, Any]],
    random_state: Any,
) -> int:
    """The best-scoring candidate among those that, on every part of the users where they
    differ from the model's null, beat the null there significantly.

    Each part (users with a history, new users, ...) is judged on its own validation users,
    each user's values averaged over the splits: a one-sided paired test of every
    candidate against the part's null, simultaneous over the candidates by sign-flip
    resampling, at :data:`TUNE_ALPHA` divided among the parts tested (so that with a useless
    addition, every candidate is refused everywhere with probability at least
    ``1 - TUNE_ALPHA``). With a control recorded, each candidate must also beat its own
    control there: a second family of one-sided tests, ``candidate - its control``, made
    simultaneous over the candidates by the same sign flips at the same level (so the
    bounds against the null are those without the control, which can only refuse).
    Records each test's lower bound per part and their minimum."""
    rng = check_random_state(random_state)
    parts = list(null_parts[0])
    nulls = np.array([[c[p] for p in parts] for c in null_parts])  # candidates x parts
    tested = [j for j in range(len(parts)) if nulls[:, j].any() and not nulls[:, j].all()]
    alpha = TUNE_ALPHA / max(len(tested), 1)
    ok = np.ones(len(null_parts), dtype=bool)
    failed = np.zeros(len(null_parts), dtype=np.int64)
    n = len(null_parts)
    for j in tested:
        _, V = record.part_values(parts[j])
        if V.shape[0] < 2:
            continue  # no validation users in this part: its parameters cannot be judged
        refs = np.flatnonzero(nulls[:, j])
        others = np.flatnonzero(~nulls[:, j])
        ref = refs[int(np.argmax(V[:, refs].mean(axis=0)))]
        D = V[:, others] - V[:, [ref]]
        if record.control is not None:
            C = V[:, n + others]
            if np.isnan(C).any():  # pragma: no cover - tune scores every tested control
                raise RuntimeError("tune: a tested candidate's control was not scored")
            D = np.concatenate([D, V[:, others] - C], axis=1)
        lower = _max_t_lower_bounds(D, alpha, rng, 1 if record.control is None else 2)
        for pos, i in enumerate(others):
            lo = lower[pos]
            bounds = results[i].setdefault("part_gain_lower_bounds", {})
            bounds[parts[j]] = float(lo)
            results[i]["gain_lower_bound"] = min(bounds.values())
            passed = lo > 0
            if record.control is not None:
                lo_c = lower[others.size + pos]
                cbounds = results[i].setdefault("part_control_lower_bounds", {})
                cbounds[parts[j]] = float(lo_c)
                results[i]["control_lower_bound"] = min(cbounds.values())
                passed = passed and lo_c > 0
            if not passed:
                ok[i] = False
                failed[i] += 1
    allowed = ok if ok.any() else failed == failed.min()
    masked = np.where(allowed & ~np.isnan(scores), scores, -np.inf)
    return int(np.argmax(masked)) if np.isfinite(masked).any() else int(np.nanargmax(scores))
