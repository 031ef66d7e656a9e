"""The campaign workflow: plan and measure (private; see :mod:`filmreco.campaign`)."""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._parallel import seed_sequence
from .._persist import atomic_write
from .._stats import Z95
from .._validation import (
    as_array,
    check_int,
    check_option,
    check_probability,
    shorten,
    user_stacklevel,
)
from ..exceptions import (
    ConvergenceError,
    DataWarning,
    InputError,
    InputTypeError,
    UnknownIdError,
)
from ..social import (
    IndependentCascade,
    PropagationModel,
    SeedPlan,
    SimulationResult,
    SocialGraph,
    maximize_influence,
)
from . import _report
from ._curve import SeedCurve, check_costs, seed_costs, simulate_strategies

__all__ = [
    "Audience",
    "CampaignPlan",
    "Lift",
    "Uplift",
    "audience_model",
    "measure",
    "plan",
    "release_model",
]

logger = logging.getLogger("filmreco")


@dataclass(frozen=True, eq=False)
class Audience:
    """The users a campaign targets.

    Attributes
    ----------
    ids : numpy.ndarray
        User ids, best first.
    scores : numpy.ndarray of float64
        The recommender's score (or the lookalike similarity) of each user.
    profile : list of (str, str, int)
        Top interests ``(field, value, count)``: how many films with that genre or tag the
        audience watched, most frequent first (empty without a catalogue).
    source : str
        ``"recommend_users"``, ``"lookalike"``, or ``"release_model"`` (a film missing from
        the history, ranked through its catalogue values by :func:`release_model`).

    Examples
    --------
    >>> a = Audience(np.array(["u1", "u2"]), np.array([0.9, 0.4]), [], "recommend_users")
    >>> a.size
    2
    """

    ids: np.ndarray
    scores: np.ndarray
    profile: list[tuple[str, str, int]]
    source: str

    @property
    def size(self) -> int:
        """Number of users in the audience."""
        return int(self.ids.size)


@dataclass(frozen=True, eq=False)
class Lift:
    """Ratio of the plan's expected reach to a baseline's, with a 95% confidence interval.

    The standard error comes from the delta method on the two Monte-Carlo means
    (``se(a/b) = (a/b) * sqrt((se_a/a)**2 + (se_b/b)**2)``), treating them as independent;
    both are simulated on the same worlds, so this is conservative.

    Examples
    --------
    >>> lift = Lift("random", ratio=2.0, stderr=0.1)
    >>> [round(x, 3) for x in lift.ci]
    [1.804, 2.196]
    """

    baseline: str
    ratio: float
    stderr: float

    @property
    def ci(self) -> tuple[float, float]:
        """Normal-approximation 95% confidence interval of :attr:`ratio`."""
        return (self.ratio - Z95 * self.stderr, self.ratio + Z95 * self.stderr)


@dataclass(frozen=True, eq=False)
class Uplift:
    """Adoption among treated vs holdout users after launch (difference of proportions).

    Examples
    --------
    >>> Uplift(0.3, 0.2, n_treated=100, n_holdout=20, difference=0.1, stderr=0.05)
    Uplift(treated=0.300, holdout=0.200, difference=0.100, 95% CI [0.002, 0.198])
    """

    treated_rate: float
    holdout_rate: float
    n_treated: int
    n_holdout: int
    difference: float
    stderr: float

    @property
    def ci(self) -> tuple[float, float]:
        """Normal-approximation (Wald) 95% confidence interval of :attr:`difference`."""
        return (self.difference - Z95 * self.stderr, self.difference + Z95 * self.stderr)

    def __repr__(self) -> str:
        lo, hi = self.ci
        return (
            f"Uplift(treated={self.treated_rate:.3f}, holdout={self.holdout_rate:.3f}, "
            f"difference={self.difference:.3f}, 95% CI [{lo:.3f}, {hi:.3f}])"
        )


@dataclass(frozen=True, eq=False)
class CampaignPlan:
    """The result of :func:`plan`; see the module docstring.

    Attributes
    ----------
    film_id : id
    title : str
        The film's title (its id when no catalogue was given).
    audience : Audience
    treated, holdout : numpy.ndarray
        Disjoint user ids; together the audience.
    seeds : SeedPlan
        Chosen among the treated users who are in the social graph.
    reach : dict of str to SimulationResult
        ``"plan"``, ``"top_degree"`` and ``"random"``, each with its reach curve.
    lift : dict of str to Lift
        The plan's lift over ``"top_degree"`` and ``"random"``.
    visibility : list of (str, str, int or None)
        ``(kind, query, rank)`` for each search query (rank in the top 10, else None).
    calibrated : bool
        Whether the propagation probabilities were learned from an action log.
    params : dict
        The plan's settings (``n_runs``, ``budget``, ``k``, ``holdout``, ``model``...).
    curves : dict of str to SeedCurve
        For each strategy, the reach of every prefix of its seed ordering on the same
        simulated worlds: reach against the number of seeds and the budget, and the
        marginal gain of each extra seed.
    step_bands : dict of str to (numpy.ndarray, numpy.ndarray)
        For each strategy, the 95% band ``(lo, hi)`` of its reach curve over propagation
        steps (``reach[name].steps``), from batch means.
    model : PropagationModel or None
        The propagation model the plan was simulated with (:func:`compare` simulates the
        plans again on common worlds with it).
    backtest : dict or None
        When the probabilities were learned with ``calibration="auto"``: the back-test
        that chose them (:meth:`~filmreco.social._backtest.Backtest.to_dict`): per
        estimator (``table``) the ratio of predicted to observed new adopters, Brier score
        and AUC on the most recent fold, the ``chosen`` estimator and its ``factor``.

    Examples
    --------
    >>> p = CampaignPlan(1, "f", Audience(np.arange(4), np.ones(4), [], "x"),
    ...                  np.array([0, 1]), np.array([2, 3]), None, {}, {}, [], False)
    >>> p.audience.size, p.treated.size, p.holdout.size
    (4, 2, 2)
    """

    film_id: Any
    title: str
    audience: Audience
    treated: np.ndarray
    holdout: np.ndarray
    seeds: SeedPlan
    reach: dict[str, SimulationResult]
    lift: dict[str, Lift]
    visibility: list[tuple[str, str, int | None]]
    calibrated: bool
    params: dict[str, Any] = field(default_factory=dict)
    curves: dict[str, SeedCurve] = field(default_factory=dict)
    step_bands: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    model: PropagationModel | None = field(default=None, repr=False)
    backtest: dict[str, Any] | None = field(default=None, repr=False)

    def summary(self) -> str:
        """A readable text report (the calibration warning first when it applies)."""
        return _report.summary(self)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-serialisable builtins."""
        return _report.to_dict(self)

    def to_frame(self) -> dict[str, Any]:
        """Tables as pandas DataFrames: ``audience``, ``reach``, ``lift``, ``visibility``."""
        return _report.to_frame(self)

    def plot(self) -> Any:
        """A matplotlib figure: reach curves, audience interests, lift bars."""
        return _report.plot(self)

    def to_html(self, path: Any, *, lang: str | None = None) -> Any:
        """Write the plan's report, one self-contained HTML file, to `path`; return its path.

        The report opens with the numbers that decide the campaign (audience, seeds and
        cost, expected reach and lift with 95% intervals, cost per reached user, holdout,
        calibration) and then shows inline SVG charts (their labels are text, drawn by
        the browser's own fonts) and the detail tables. It loads nothing from elsewhere,
        needs no script, prints cleanly and fits a phone's width.

        Parameters
        ----------
        path : str or os.PathLike
            Where to write (atomically; parent folders are created).
        lang : {"zh", "en"}, optional
            Language of titles and labels; by default Chinese when the film's title or the
            audience's interests are Chinese, else English.

        Returns
        -------
        pathlib.Path
        """
        from ._html_report import plan_html

        text = plan_html(self, lang=lang)
        return atomic_write(path, lambda f: f.write(text.encode("utf-8")), mode="wb")

    def __repr__(self) -> str:
        return (
            f"CampaignPlan(film_id={self.film_id!r}, audience={self.audience.size}, "
            f"seeds={len(self.seeds)}, reach={self.reach['plan'].mean:.4g}, "
            f"calibrated={self.calibrated})"
        )

    def _repr_html_(self) -> str:
        from ._html_report import plan_card

        return plan_card(self)


# -- building blocks --------------------------------------------------------------------
def _film_index(recommender: Any, film_id: Any, catalog: Any) -> None:
    from ..data import Catalog

    if catalog is not None and not isinstance(catalog, Catalog):
        raise InputTypeError(f"catalog must be a Catalog (or None), got {type(catalog).__name__}.")
    if not hasattr(recommender, "item_ids_") or isinstance(recommender, type):
        raise InputTypeError(
            f"recommender must be a fitted filmreco Recommender, got {type(recommender).__name__}."
        )
    if catalog is not None and film_id not in catalog:
        raise UnknownIdError(f"film_id={shorten(film_id)} is not in the catalogue.")
    ids = recommender.item_ids_
    try:
        ok = bool(ids.contains([film_id])[0])
    except TypeError as exc:
        raise InputTypeError(f"film_id={shorten(film_id)}: {exc}") from None
    if not ok:
        raise UnknownIdError(
            f"film_id={shorten(film_id)} is not known to the recommender; fit it on interactions "
            "that include the film."
        )


def _lookalike(recommender: Any, seeds: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Users whose score vectors are closest (cosine) to the seeds' mean score vector."""
    users = recommender.user_ids_
    seed_idx = users.index(np.atleast_1d(as_array(seeds, "lookalike_of")), name="lookalike_of")
    items = recommender.item_ids_.ids
    taste = recommender.score(users.ids[seed_idx], items).astype(np.float64).mean(axis=0)
    taste /= max(float(np.linalg.norm(taste)), 1e-12)
    sims = np.empty(len(users))
    for start in range(0, len(users), 2048):
        S = recommender.score(users.ids[start : start + 2048], items).astype(np.float64)
        norms = np.maximum(np.linalg.norm(S, axis=1), 1e-12)
        sims[start : start + S.shape[0]] = (S @ taste) / norms
    sims[seed_idx] = -np.inf
    order = np.argsort(-sims, kind="stable")[: min(n, len(users) - np.unique(seed_idx).size)]
    return users.ids[order], sims[order]


def _profile(recommender: Any, catalog: Any, users: np.ndarray) -> list[tuple[str, str, int]]:
    """Count the genres and tags of the films the audience watched."""
    if catalog is None or users.size == 0:
        return []
    X = recommender.user_items_[recommender.user_ids_.index(users)]
    watched = np.bincount(X.indices, minlength=X.shape[1])
    counts: Counter[tuple[str, str]] = Counter()
    fields = [f for f in ("genres", "tags") if f in catalog.fields]
    for j in np.flatnonzero(watched):
        iid = recommender.item_ids_.ids[j]
        if iid not in catalog:
            continue
        rec = catalog[iid]
        for f in fields:
            for v in rec.get(f) or []:
                counts[(f, str(v))] += int(watched[j])
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return [(f, v, c) for (f, v), c in top]


def _queries(record: dict[str, Any]) -> list[tuple[str, str]]:
    from pypinyin import lazy_pinyin

    title = str(record.get("title") or "")
    out = [("title", title), ("pinyin", "".join(lazy_pinyin(title)))]
    people = (record.get("directors") or [])[:1] + (record.get("actors") or [])[:1]
    if not people:  # a catalogue with one "people" field (e.g. --catalog-columns 导演=people)
        listed = record.get("people") or []
        people = [listed] if isinstance(listed, str) else list(listed)[:2]
    out += [("people", str(p)) for p in people]
    genres, year = record.get("genres") or [], record.get("year")
    if genres:
        out.append(("genre + year", f"{genres[0]} {year}" if year else str(genres[0])))
    return [(k, q) for k, q in out if q.strip()]


def _lift(plan: SimulationResult, base: SimulationResult, name: str) -> Lift:
    a, b = plan.mean, base.mean
    if b <= 0:
        return Lift(name, math.nan, math.nan)
    r = a / b
    rel = math.hypot(plan.stderr / a if a > 0 else 0.0, base.stderr / b)
    return Lift(name, r, r * rel)


#: Values of ``plan(calibration=...)``: the back-test's choice, or one fixed estimator.
CALIBRATIONS = ("auto", "bernoulli", "jaccard", "em", "bayes")


def _learn(graph: SocialGraph, log: tuple[Any, ...], calibration: str) -> PropagationModel:
    """The model learned from `log`; ``"auto"`` falls back to Bernoulli, with a warning,
    when the log holds nothing to back-test on (too short, or no propagation at its end)."""
    with warnings.catch_warnings():  # users outside the graph: reported by learn
        warnings.simplefilter("ignore", DataWarning)
        if calibration != "auto":
            try:
                return IndependentCascade.from_logs(graph, *log, method=calibration)
            except ConvergenceError as exc:  # learn's advice names options plan does not take
                raise ConvergenceError(
                    f"calibration={calibration!r}: {str(exc).split('. ')[0]}. Pass "
                    "calibration='auto' (it back-tests the estimators and skips one that "
                    "fails) or calibration='bayes', or learn the probabilities yourself with "
                    f"learn_probabilities(graph, ..., method={calibration!r}, max_iter=...) "
                    "and pass IndependentCascade(graph, probabilities) as model=."
                ) from None
        try:
            return IndependentCascade.from_logs(graph, *log, method="auto")
        except InputError as exc:  # keep the diagnosis, drop learn's advice (not plan's arguments)
            reason = re.split(r" (?:Give|Pick) ", str(exc), maxsplit=1)[0].rstrip(".")
        model = IndependentCascade.from_logs(graph, *log, method="bernoulli")
    assert model.calibration is not None
    model.calibration["backtest"] = None
    model.calibration["backtest_failed"] = reason
    warnings.warn(
        "the action log could not be back-tested, so the influence probabilities are "
        f"Bernoulli estimates without a calibration factor ({reason}). To choose the "
        "estimator yourself and silence this, pass calibration='bernoulli' (or 'jaccard', "
        "'em', 'bayes').",
        DataWarning,
        stacklevel=user_stacklevel(),
    )
    return model


def _model(graph: Any, model: Any, action_log: Any, calibration: str = "auto") -> PropagationModel:
    if model is not None:
        if not isinstance(model, PropagationModel):
            raise InputTypeError(f"model must be a PropagationModel, got {type(model).__name__}.")
        return model
    if not isinstance(graph, SocialGraph):
        raise InputTypeError(
            f"graph must be a SocialGraph (or pass model=), got {type(graph).__name__}."
        )
    if action_log is not None:
        if hasattr(action_log, "matrix") and hasattr(action_log, "timestamps"):
            if action_log.timestamps is None:
                raise InputError(
                    "action_log is an Interactions without timestamps; learning who "
                    "influenced whom needs the time of every action."
                )
            return _learn(graph, (action_log,), calibration)
        if not isinstance(action_log, (tuple, list)) or len(action_log) not in (2, 3):
            raise InputError(
                "action_log must be an Interactions with timestamps, or a tuple (users, "
                "items) or (users, items, times) of equal-length arrays; see "
                "filmreco.social.learn_probabilities."
            )
        return _learn(graph, tuple(action_log), calibration)
    return IndependentCascade(graph, "weighted_cascade")


def _backtest_record(prop: PropagationModel) -> dict[str, Any] | None:
    """The back-test record of a model learned with ``method="auto"`` (else None)."""
    cal = prop.calibration or {}
    bt = cal.get("backtest")
    return dict(bt) if isinstance(bt, dict) else None


def audience_model(random_state: Any = None) -> Any:
    """The recommender :func:`plan` fits on `interactions` when no `recommender` is given.

    It is the model that ranks each film's audience best in the benchmark
    (``benchmarks/README_recommend.md``, audience NDCG@100 over five split seeds on
    MovieLens 100k and 1M, ``evaluate(..., axis="items")``): :class:`~filmreco.recommend.ALS`
    with the frequency-scaled regularization of Rendle et al. (``regularization_exponent=1``),
    64 factors, ``alpha=9`` and ``regularization=0.15``, the setting tuned on ml-1m's
    validation splits. It ranked audiences ahead of implicit's ALS, of plain ALS and of
    EASE/EDLAE on both sets; item-item models and :class:`~filmreco.recommend.Hybrid`
    (which normalises each *user's* scores, so scores of different users stop being
    comparable) rank audiences worse. The penalty grows with the catalogue, so on data
    much smaller or larger than MovieLens tune `regularization` (and pass the fitted model as
    `recommender` to :func:`plan`).

    Parameters
    ----------
    random_state : int, SeedSequence, Generator or None
        Seed of the model's random initialisation.

    Returns
    -------
    Recommender
        A new, unfitted model.

    Examples
    --------
    >>> audience_model(random_state=0)
    ALS(alpha=9.0, random_state=0, regularization=0.15, regularization_exponent=1.0)
    """
    from ..recommend import ALS

    return ALS(
        n_factors=64,
        regularization=0.15,
        alpha=9.0,
        regularization_exponent=1.0,
        random_state=random_state,
    )


#: Fields of the catalogue :func:`release_model` uses, those the catalogue has.
RELEASE_FIELDS = ("genres", "tags")


def release_model(catalog: Any, interactions: Any) -> Any:
    """The recommender :func:`plan` fits for a film that is in the catalogue but not in the
    viewing history (a new release); fitted on `interactions`.

    It is :class:`~filmreco.recommend.EDLAE` with the catalogue's genres and tags as side
    information and ``cold_start_items=True`` (the collective closed form of Jeunen, Van
    Balen and Goethals, RecSys 2020), so the new film is scored through the films that
    share its values. Its ridge is heavy, 25 times the views of the most-watched film
    (``side_weight=100``, ``dropout=0.5``): on validation cold splits of MovieLens 100k
    (10% of the films held out whole, five seeds; ``benchmarks/bench_cold_start.py``) the
    new films' audiences ranked best with ridges of 12,500-20,000 there (users' lists of
    new films with 20,000-50,000), far above what films with a history want (200-400);
    the rule was picked by the audience score there. Such a ridge is wrong for films with
    a history: :func:`plan` uses this model only for films missing from it. On the test
    cold splits its audiences scored NDCG@100 0.330, against 0.265 for the most active
    users and 0.131 for :class:`~filmreco.recommend.ContentBased`.

    Parameters
    ----------
    catalog : Catalog
        The films' metadata; it needs a ``genres`` or ``tags`` field.
    interactions : Interactions
        The viewing history.

    Returns
    -------
    EDLAE
        Fitted; it knows every catalogue film that has a genre or tag.

    Raises
    ------
    InputError
        The catalogue has neither ``genres`` nor ``tags``, or none of its values is found
        for the films of `interactions`.

    Examples
    --------
    >>> from filmreco.datasets import load_sample
    >>> world = load_sample()
    >>> X = world.interactions
    >>> history = X.subset_items(X.item_ids.ids[X.item_ids.ids != "m0012"])
    >>> model = release_model(world.catalog, history)
    >>> "m0012" in model.item_ids_, model.side_fields
    (True, ['genres', 'tags'])
    """
    from ..data import Catalog, Interactions
    from ..recommend import EDLAE

    if not isinstance(catalog, Catalog):
        raise InputTypeError(f"catalog must be a Catalog, got {type(catalog).__name__}.")
    if not isinstance(interactions, Interactions):
        raise InputTypeError(
            f"interactions must be an Interactions, got {type(interactions).__name__}."
        )
    fields = [f for f in RELEASE_FIELDS if f in catalog.fields]
    if not fields:
        raise InputError(
            f"release_model needs a catalogue with genres or tags to rank a film nobody has "
            f"watched; this catalogue has {catalog.fields}. Pass recommender= (a model "
            "fitted with the film) instead."
        )
    views = np.diff(interactions.matrix.tocsc().indptr)  # per film
    ridge = 25.0 * float(views.max(initial=1))
    model = EDLAE(ridge, 0.5, catalog=catalog, side_fields=fields, side_weight=100.0,
                  cold_start_items=True)  # fmt: skip
    return model.fit(interactions)


def _recommender(
    recommender: Any, interactions: Any, seed: Any, film_id: Any = None, catalog: Any = None
) -> tuple[Any, bool]:
    """The fitted recommender of :func:`plan`: the one given, or :func:`audience_model`
    (initialised from `seed`) fitted on `interactions`, or :func:`release_model` when the
    film is missing from `interactions` but in `catalog`; and whether it is the latter."""
    if recommender is not None and interactions is not None:
        raise InputError(
            "plan got both recommender= and interactions=; pass recommender= (a fitted "
            "recommender) or interactions= (the default audience model is fitted on them), "
            "not both."
        )
    if recommender is not None:
        return recommender, False
    if interactions is None:
        raise InputError(
            "plan needs an audience model: pass interactions= (viewing history; the default "
            "audience model, filmreco.campaign.audience_model(), is fitted on it) or "
            "recommender= (a fitted recommender)."
        )
    from ..data import Catalog, Interactions

    if (
        isinstance(interactions, Interactions)
        and isinstance(catalog, Catalog)
        and _known(catalog.item_ids, film_id)
        and not _known(interactions.item_ids, film_id)
    ):
        logger.info("film %r is not in the history: audience from release_model", film_id)
        return release_model(catalog, interactions), True
    return audience_model(random_state=seed).fit(interactions), False


def _known(ids: Any, film_id: Any) -> bool:
    try:
        return bool(ids.contains([film_id])[0])
    except TypeError:  # an id of another type: _film_index names it
        return False


def plan(
    film_id: Any,
    *,
    recommender: Any = None,
    interactions: Any = None,
    graph: SocialGraph | None = None,
    model: PropagationModel | None = None,
    action_log: Any = None,
    calibration: str = "auto",
    index: Any = None,
    catalog: Any = None,
    audience_size: int = 500,
    lookalike_of: Any = None,
    budget: float | None = None,
    costs: Any = None,
    k: int = 10,
    seed_method: str = "imm",
    n_runs: int = 2000,
    holdout: float = 0.1,
    queries: Any = None,
    random_state: Any = None,
) -> CampaignPlan:
    """Plan a campaign for one film: audience, holdout, seeds, predicted reach, visibility.

    The plan is five steps, in this order: the *audience* (the users the recommender ranks
    highest for the film, or those closest to `lookalike_of`); the *holdout*, a random share
    of it never seeded nor targeted; the *seeds*, chosen among the treated users who are in
    the social graph; the *reach* of those seeds, of the top-degree users and of random users
    of the same number, simulated on the same worlds, and the lift; the film's *visibility*
    for likely search queries (when `index` is given).

    Parameters
    ----------
    film_id : id
        The film, known to `recommender` (and to `catalog` when given).
    recommender : Recommender, optional
        A fitted recommender; its ``recommend_users`` picks the audience. Without it,
        :func:`audience_model` (the benchmark's best audience ranker) is fitted on
        `interactions`; or, for a film missing from `interactions` that `catalog` has (a
        new release), :func:`release_model`, which ranks its audience through the films
        that share its genres and tags.
    interactions : Interactions, optional
        Viewing history to fit :func:`audience_model` on (its initialisation drawn from
        `random_state`); give this or `recommender`.
    graph : SocialGraph, optional
        The social graph; needed unless `model` is given.
    model : PropagationModel, optional
        Defaults to ``IndependentCascade(graph, "weighted_cascade")`` (uncalibrated), or
        to one learned from `action_log` (:meth:`PropagationModel.from_logs`).
    action_log : Interactions or tuple, optional
        Past adoptions: an :class:`~filmreco.data.Interactions` with timestamps, or
        ``(users, items)`` / ``(users, items, times)`` arrays.
    calibration : {"auto", "bernoulli", "jaccard", "em", "bayes"}, default="auto"
        How the probabilities are learned from `action_log`. ``"auto"`` back-tests the
        four estimators on the last part of the log (from the past alone) and keeps the
        one that forecast best, scaled by the factor that calibrated it there
        (:func:`~filmreco.social.learn_probabilities`); the back-test is shown in
        :meth:`CampaignPlan.summary` and the reports. When the log holds nothing to
        back-test on, the Bernoulli estimate is used with a :class:`DataWarning`. A fixed
        estimator skips the back-test. Ignored without `action_log`.
    index : SearchIndex, optional
        Fitted search index; enables the search-visibility table.
    catalog : Catalog, optional
        Film records: the title, the audience profile and the default queries.
    audience_size : int, default=500
    lookalike_of : array-like of user ids, optional
        Grow the audience from these users (users whose tastes are closest to theirs)
        instead of from the film.
    budget : float, optional
        Seeding budget; with `costs` (per user, or a mapping), else one unit per seed.
    costs : array-like or mapping, optional
    k : int, default=10
        Number of seeds (at most, with a budget).
    seed_method : str, default="imm"
        Seed selection of :func:`~filmreco.social.maximize_influence` (``"imm"``,
        ``"celf"``, ``"degree_discount"``, ``"degree"``); IMM carries a (1 - 1/e - eps)
        guarantee, the heuristics are faster on very large audiences.
    n_runs : int, default=2000
        Monte-Carlo cascades per strategy.
    holdout : float, default=0.1
        Share of the audience held out (never seeded, never targeted) to measure uplift;
        in [0, 1), and it must leave at least one user treated.
    queries : list of str or (kind, query), optional
        Search queries; defaults to title, pinyin, a director and an actor, genre + year.
    random_state : int, SeedSequence, Generator or None

    Returns
    -------
    CampaignPlan

    Raises
    ------
    UnknownIdError
        If the film is not in the catalogue or the recommender.
    InputError
        If the audience is empty or the budget is below every candidate's cost.
    TypeError
        If `film_id` or user ids do not match the type of the recommender's ids.

    See Also
    --------
    measure : the uplift among treated vs holdout users after launch.

    Examples
    --------
    >>> from filmreco.datasets import load_sample
    >>> from filmreco.social import SocialGraph
    >>> world = load_sample()
    >>> graph = SocialGraph.from_edgelist(world.graph)
    >>> p = plan("m0008", interactions=world.interactions, graph=graph, audience_size=200,
    ...          k=5, n_runs=200, seed_method="degree_discount", random_state=0)
    >>> p.audience.size, p.treated.size, p.holdout.size, len(p.seeds)
    (200, 180, 20, 5)
    >>> sorted(p.reach), p.calibrated
    (['plan', 'random', 'top_degree'], False)

    Another audience model, fitted beforehand:

    >>> from filmreco.recommend import EASE
    >>> rec = EASE(regularization=300.0).fit(world.interactions)
    >>> plan("m0008", recommender=rec, graph=graph, audience_size=200, k=5, n_runs=200,
    ...      seed_method="degree_discount", random_state=0).audience.size
    200
    """
    audience_size = check_int(audience_size, "audience_size", min_value=1)
    k = check_int(k, "k", min_value=1)
    n_runs = check_int(n_runs, "n_runs", min_value=2)
    holdout = check_probability(holdout, "holdout")
    if holdout == 1.0:
        raise InputError(
            "holdout must be < 1: holdout=1 holds the whole audience out, so nobody is treated "
            "(nor seeded). Use e.g. holdout=0.1."
        )
    costs = check_costs(costs)
    calibration = check_option(calibration, CALIBRATIONS, "calibration")
    queries = _check_queries(queries)
    # six streams: the first four as before the default audience model existed (so plans
    # are unchanged), the fifth is budget_sweep's, the sixth the audience model's
    ss = seed_sequence(random_state).spawn(6)
    recommender, release = _recommender(recommender, interactions, ss[5], film_id, catalog)
    _film_index(recommender, film_id, catalog)
    prop = _model(graph, model, action_log, calibration)
    audience = _audience(recommender, film_id, catalog, audience_size, lookalike_of)
    if release and audience.source == "recommend_users":
        audience = dataclasses.replace(audience, source="release_model")
    treated, held = _holdout(audience.ids, holdout, ss[0])
    if treated.size == 0:
        raise InputError(
            f"holdout={holdout:g} of an audience of {audience.ids.size} leaves nobody treated; "
            "lower holdout or raise audience_size."
        )
    seeds, cands = _seeds(
        prop, film_id, treated, k=k, budget=budget, costs=costs, method=seed_method, ss=ss[1]
    )
    reach, lift, curves, bands = _reach(
        prop, seeds, cands, n_runs, ss[2], ss[3], lambda ids: seed_costs(prop, ids, costs, budget)
    )
    record = catalog[film_id] if catalog is not None else {}
    visibility = _visibility(index, film_id, record, queries)
    logger.debug("campaign plan for %r: %d users, %d seeds", film_id, audience.size, len(seeds))
    return CampaignPlan(
        film_id=film_id,
        title=str(record.get("title") or film_id),
        audience=audience,
        treated=treated,
        holdout=held,
        seeds=seeds,
        reach=reach,
        lift=lift,
        visibility=visibility,
        calibrated=prop.calibrated,
        params={"n_runs": n_runs, "budget": budget, "k": k, "holdout": holdout,
                "model": type(prop).__name__, "seed_method": seed_method},
        curves=curves,
        step_bands=bands,
        model=prop,
        backtest=_backtest_record(prop),
    )  # fmt: skip


# -- the five steps of plan -------------------------------------------------------------
def _audience(
    recommender: Any, film_id: Any, catalog: Any, size: int, lookalike_of: Any
) -> Audience:
    """Step 1: the users most likely to watch the film (or closest to `lookalike_of`)."""
    if lookalike_of is None:
        ids, scores = recommender.recommend_users([film_id], n=size)
        ids, scores = ids[0], scores[0].astype(np.float64)
        source = "recommend_users"
    else:
        ids, scores = _lookalike(recommender, lookalike_of, size)
        source = "lookalike"
    keep = (ids != recommender.user_ids_.missing) & np.isfinite(scores)
    ids, scores = ids[keep], scores[keep]
    if ids.size == 0:
        raise InputError(
            f"the audience of film {shorten(film_id)} is empty (every user has already seen it, or "
            "no user scores it); pass lookalike_of= or another film."
        )
    return Audience(ids, scores, _profile(recommender, catalog, ids), source)


def _holdout(ids: np.ndarray, share: float, ss: Any) -> tuple[np.ndarray, np.ndarray]:
    """Step 2: split the audience at random into (treated, holdout) user ids."""
    rng = np.random.default_rng(ss)
    mask = np.zeros(ids.size, dtype=bool)
    mask[rng.choice(ids.size, size=round(share * ids.size), replace=False)] = True
    return ids[~mask], ids[mask]


def _seeds(
    prop: PropagationModel,
    film_id: Any,
    treated: np.ndarray,
    *,
    k: int,
    budget: float | None,
    costs: Any,
    method: str,
    ss: Any,
) -> tuple[SeedPlan, np.ndarray]:
    """Step 3: seeds among the treated users in the graph; return them and the candidates."""
    in_graph = prop.graph.node_ids.contains(treated)
    if not in_graph.all():
        warnings.warn(
            f"{int((~in_graph).sum())} of {treated.size} treated users are not in the social "
            "graph; they are targeted but cannot be seeds.",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
    cands = treated[in_graph]
    if cands.size == 0:
        raise InputError("no treated audience user is in the social graph; no seed possible.")
    try:
        seeds = maximize_influence(
            prop, k=min(k, cands.size), budget=budget, costs=costs, candidates=cands,
            method=method, random_state=np.random.default_rng(ss),
        )  # fmt: skip
    except InputError as exc:
        raise InputError(
            f"seeding film {shorten(film_id)} among {cands.size} users: {exc}"
        ) from exc
    return seeds, cands


def _reach(
    prop: PropagationModel, seeds: SeedPlan, cands: np.ndarray, n_runs: int, ss_random: Any,
    ss_sim: Any, cost_of: Any,
) -> tuple[dict[str, SimulationResult], dict[str, Lift], dict[str, SeedCurve], dict[str, Any]]:  # fmt: skip
    """Step 4: simulate the plan, top-degree and random seeds on the same worlds; the lift.

    Each strategy's seeds are also switched on one by one in those worlds (its seed
    curve: reach against the number of seeds), and its reach curve over propagation steps
    gets a 95% band from batch means (:mod:`filmreco.campaign._curve`).
    """
    m = len(seeds)
    deg = prop.graph.out_degree()[prop.graph.index(cands)]
    by_degree = cands[np.argsort(-deg, kind="stable")[:m]]
    by_chance = cands[np.random.default_rng(ss_random).choice(cands.size, size=m, replace=False)]
    orderings = {"plan": (seeds.seeds, cost_of(seeds.seeds)),
                 "top_degree": (by_degree, cost_of(by_degree)),
                 "random": (by_chance, cost_of(by_chance))}  # fmt: skip
    reach, curves, bands = simulate_strategies(prop, orderings, n_runs, ss_sim)
    lift = {b: _lift(reach["plan"], reach[b], b) for b in ("top_degree", "random")}
    return reach, lift, curves, bands


def _check_queries(queries: Any) -> list[tuple[str, str]] | None:
    """`queries` as ``(kind, query)`` pairs, checked before the plan's work starts."""
    if queries is None:
        return None
    try:
        if isinstance(queries, (str, bytes)) or not isinstance(queries, Iterable):
            raise TypeError
        items = list(queries)  # a 0-d numpy array is Iterable but cannot be iterated
    except TypeError:
        raise InputTypeError(
            f"queries must be a list of str or (kind, query) pairs, got "
            f"{type(queries).__name__}; a single query goes in a list: queries=[{shorten(queries)}]."
        ) from None
    out = []
    for i, q in enumerate(items):
        if isinstance(q, str):
            out.append(("query", q))
        elif isinstance(q, tuple) and len(q) == 2 and all(isinstance(x, str) for x in q):
            out.append((q[0], q[1]))
        else:
            raise InputTypeError(
                f"queries[{i}] must be a str or a (kind, query) pair of str, got {shorten(q)}."
            )
    return out


def _visibility(
    index: Any, film_id: Any, record: dict[str, Any], queries: Any
) -> list[tuple[str, str, int | None]]:
    """Step 5: the film's rank (top 10, else None) for each likely search query."""
    if index is None:
        return []
    qs = _queries(record) if queries is None else queries
    rows: list[tuple[str, str, int | None]] = []
    for kind, q in qs:
        ids = list(index.search(q, n=10).ids)
        rows.append((kind, q, ids.index(film_id) + 1 if film_id in ids else None))
    return rows


def measure(plan: CampaignPlan, observed_log: Any) -> Uplift:
    """Estimate the campaign's uplift: adoption among treated vs holdout users.

    Parameters
    ----------
    plan : CampaignPlan
    observed_log : array-like of user ids
        The users who adopted (watched) the film after launch; users outside the
        audience are ignored.

    Returns
    -------
    Uplift
        Adoption rates, their difference and its Wald 95% confidence interval.

    Examples
    --------
    >>> p = CampaignPlan(1, "f", Audience(np.arange(4), np.ones(4), [], "x"),
    ...                  np.array([0, 1]), np.array([2, 3]), None, {}, {}, [], False)
    >>> measure(p, [0, 1, 2]).difference
    0.5
    """
    if not isinstance(plan, CampaignPlan):
        raise InputTypeError(f"plan must be a CampaignPlan, got {type(plan).__name__}.")
    try:
        seen = np.unique(as_array(observed_log, "observed_log").ravel())
    except TypeError:  # None next to str ids: not sortable
        raise InputTypeError(
            f"observed_log must hold user ids of one type, got {shorten(observed_log)}."
        ) from None
    if plan.treated.size == 0 or plan.holdout.size == 0:
        raise InputError("the plan has an empty treated or holdout group; use holdout in (0, 1).")
    if seen.size and (seen.dtype.kind in "US") != (plan.treated.dtype.kind in "US"):
        raise InputTypeError(
            f"observed_log holds {seen.dtype} ids but the audience holds {plan.treated.dtype} ids."
        )
    nt, nh = plan.treated.size, plan.holdout.size
    pt = float(np.isin(plan.treated, seen).mean())
    ph = float(np.isin(plan.holdout, seen).mean())
    se = math.sqrt(pt * (1 - pt) / nt + ph * (1 - ph) / nh)
    return Uplift(pt, ph, nt, nh, pt - ph, se)
