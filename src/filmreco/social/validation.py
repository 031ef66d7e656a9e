"""Temporal validation of influence probabilities: do they forecast who adopts next?

:func:`validate_propagation` splits an action log at a date, learns edge probabilities on
the part before it, and for every film adopted after the cut predicts each exposed user's
probability of adopting it from the film's earlier adopters. The predictions are scored
against who actually adopted, for learned estimators and textbook defaults alike:

- calibration: predicted vs observed number of new adopters, in total (their ratio) and
  per film (mean absolute error), and the Brier score of the per-user probabilities;
- ranking: the AUC of the per-user probabilities over all exposed (film, user) pairs, and
  precision@k of each film's most probable users (ties count at their expected value).

The prediction for a user ``u`` and a film is one step of the Independent Cascade given the
exposures actually observed (the test of Goyal, Bonchi & Lakshmanan, WSDM 2010, §6):
``1 - prod_v (1 - p(v, u))`` over the exposers ``v``, in-neighbours of ``u`` who adopted the
film before it. Only users who had not adopted the film before the cut are at risk.
"""

from __future__ import annotations

import datetime
import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import (
    check_bool,
    check_instance,
    check_int,
    check_iterable,
    check_option,
    check_real,
    user_stacklevel,
)
from ..exceptions import ConvergenceError, DataWarning, InputError
from ..sparse import IdMap
from ._backtest import DISPERSION_MAX, Backtest, pair_probability, window_cdf
from ._backtest import auc as _auc
from ._backtest import exposures as _exposures
from ._schemes import PROBABILITY_SCHEMES
from .graph import SocialGraph
from .learn import (
    FIXED_METHODS,
    LEARN_METHODS,
    _first_adoptions,
    action_matrix,
    as_times,
    auto_probabilities,
    learn_probabilities,
)

__all__ = ["DEFAULT_ESTIMATORS", "EXPOSERS", "PropagationValidation", "validate_propagation"]

#: Estimators compared by default: four learned, the back-tested choice among them
#: (``"auto"``), four textbook defaults.
DEFAULT_ESTIMATORS = (
    "bernoulli", "jaccard", "em", "bayes", "auto", 0.01, 0.1, "weighted_cascade", "trivalency",
)  # fmt: skip

#: Who counts as an exposer of a user to a film (see :func:`validate_propagation`).
EXPOSERS = ("earlier", "before_cut")

_COLUMNS = ("mean_p", "predicted", "observed", "ratio", "mae_film", "brier", "auc", "precision")


@dataclass(frozen=True, eq=False)
class PropagationValidation:
    """Outcome of :func:`validate_propagation`.

    Attributes
    ----------
    table : dict of str to dict
        Per estimator: ``mean_p`` (mean arc probability), ``predicted`` and ``observed``
        new adopters among the exposed pairs, their ``ratio`` (predicted / observed; 1 is
        calibrated, above 1 overstates word of mouth), ``mae_film`` (mean absolute error
        of the per-film counts, over films with an exposed pair), ``brier``, ``auc`` and
        ``precision@k`` (mean over films with an observed new adopter).
    item_ids : numpy.ndarray
        The test films (adopted at or after the cut by a graph user), sorted.
    observed : numpy.ndarray of int64
        New adopters of each test film among its exposed users.
    predicted : dict of str to numpy.ndarray
        Per estimator, the expected new adopters of each test film.
    probabilities : dict of str to numpy.ndarray
        Per estimator, the probability of every arc (learned on the actions before the cut).
    cut, k, exposers, window
        The settings used.
    n_train, n_test : int
        Actions (first adoptions by graph users) before and from the cut on.
    n_pairs : int
        Exposed (film, user) pairs.
    notes : list of str
        What made a result undefined (e.g. no exposed pair), also sent as DataWarnings.
    backtest : Backtest or None
        The back-test of ``"auto"`` on the actions before the cut (which estimator, which
        factor, and per estimator its ratio, Brier score and AUC there); None without
        ``"auto"``.

    Examples
    --------
    >>> g = SocialGraph.from_arrays(["a", "a", "b"], ["b", "c", "c"])
    >>> res = validate_propagation(
    ...     g, ["a", "b", "a", "c", "a", "b", "c", "a"],
    ...     ["f1", "f1", "f2", "f2", "f3", "f3", "f3", "f4"],
    ...     [0, 1, 2, 3, 10, 11, 12, 11], cut=10, estimators=["bernoulli"])
    >>> res.n_train, res.n_test, res.item_ids.tolist()
    (4, 4, ['f3', 'f4'])
    >>> row = res.table["bernoulli"]
    >>> row["predicted"], row["observed"], row["ratio"]
    (2.0, 2.0, 1.0)
    """

    table: dict[str, dict[str, float]]
    item_ids: np.ndarray
    observed: np.ndarray
    predicted: dict[str, np.ndarray]
    probabilities: dict[str, np.ndarray]
    cut: float
    k: int
    exposers: str
    window: float
    n_train: int
    n_test: int
    n_pairs: int
    notes: list[str] = field(default_factory=list)
    backtest: Backtest | None = None

    def intervals(self, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """Forecast intervals of ``"auto"``'s new adopters per test film.

        From the back-test's error spread and the count's own noise
        (:meth:`Backtest.interval`), around ``predicted["auto"]``.

        Parameters
        ----------
        level : float, default=0.9

        Returns
        -------
        low, high : numpy.ndarray of float64
            One per film of :attr:`item_ids`.

        Raises
        ------
        InputError
            If ``"auto"`` was not among the estimators.
        """
        if self.backtest is None or "auto" not in self.predicted:
            raise InputError(
                "intervals come from the back-test of 'auto'; run validate_propagation with "
                "'auto' in estimators."
            )
        return self.backtest.interval(self.predicted["auto"], level)

    def coverage(self, level: float = 0.9, min_predicted: float = 5.0) -> dict[str, float]:
        """Share of the films forecast to gain `min_predicted` adopters or more whose
        observed new adopters fall inside their `level` interval (:meth:`intervals`).

        Films forecast near zero are left out: their intervals cover trivially.

        Parameters
        ----------
        level : float, default=0.9
        min_predicted : float, default=5.0

        Returns
        -------
        dict
            ``coverage`` (NaN without such a film), ``n_films``, ``below`` and ``above``
            (shares of those films observed under and over their interval).
        """
        min_predicted = check_real(min_predicted, "min_predicted", min_value=0.0)
        low, high = self.intervals(level)
        sel = self.predicted["auto"] >= min_predicted
        obs = self.observed[sel]
        n = int(sel.sum())
        if not n:
            return {"coverage": math.nan, "n_films": 0, "below": math.nan, "above": math.nan}
        return {
            "coverage": float(np.mean((obs >= low[sel]) & (obs <= high[sel]))),
            "n_films": n,
            "below": float(np.mean(obs < low[sel])),
            "above": float(np.mean(obs > high[sel])),
        }

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame, one row per estimator."""
        import pandas as pd

        return pd.DataFrame.from_dict(self.table, orient="index")

    def summary(self) -> str:
        """The table as aligned text (for logs and reports)."""
        cols = [c if c != "precision" else f"precision@{self.k}" for c in _COLUMNS]
        width = max([len("estimator")] + [len(n) for n in self.table])
        lines = [f"{'estimator':<{width}}  " + "  ".join(f"{c:>12}" for c in cols)]
        for name, row in self.table.items():
            vals = [row[c] for c in cols]
            lines.append(f"{name:<{width}}  " + "  ".join(_fmt(v) for v in vals))
        return "\n".join(lines)


def _fmt(v: float) -> str:
    if isinstance(v, float) and math.isnan(v):
        return f"{'nan':>12}"
    if float(v).is_integer() and abs(v) >= 1:
        return f"{int(v):>12d}"
    return f"{v:>12.4g}"


def _estimator_names(estimators: Iterable[Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for est in check_iterable(estimators, "estimators"):
        if isinstance(est, str) and (est in LEARN_METHODS or est in PROBABILITY_SCHEMES):
            out.append((est, est))
        elif isinstance(est, (int, float, np.number)) and not isinstance(est, bool):
            out.append((f"uniform({float(est):g})", float(est)))
        elif isinstance(est, tuple) and len(est) == 2 and isinstance(est[0], str):
            out.append((est[0], est[1]))
        else:
            raise InputError(
                f"estimators entry {est!r} is not supported; use a learned method "
                f"{list(LEARN_METHODS)}, a scheme {sorted(PROBABILITY_SCHEMES)}, a float "
                "(uniform p) or a (name, per-arc array) pair."
            )
    names = [n for n, _ in out]
    if len(set(names)) != len(names) or not names:
        raise InputError(f"estimators must be a non-empty list of distinct entries, got {names}.")
    return out


def _precision_at_k(film: np.ndarray, score: np.ndarray, y: np.ndarray, k: int) -> float:
    """Mean over films with a positive of the expected precision@k of its ranked pairs.

    Pairs tied in score are taken in random order, so a tie group straddling rank `k`
    contributes the share of its positives that fits.
    """
    if not y.any():
        return math.nan
    order = np.lexsort((-score, film))
    f, s, yy = film[order], score[order], y[order].astype(np.float64)
    new_level = np.ones(f.size, dtype=bool)
    new_level[1:] = (f[1:] != f[:-1]) | (s[1:] != s[:-1])
    level = np.cumsum(new_level) - 1
    size = np.bincount(level).astype(np.float64)
    hits = np.bincount(level, weights=yy)
    lf = f[new_level]
    new_film = np.ones(lf.size, dtype=bool)
    new_film[1:] = lf[1:] != lf[:-1]
    cum = np.cumsum(size)
    film_start = np.maximum.accumulate(np.where(new_film, cum - size, 0.0))
    before = cum - size - film_start
    take = np.clip(k - before, 0.0, size)
    expected = np.bincount(lf, weights=take * hits / size, minlength=int(f.max()) + 1)
    has_pos = np.bincount(f, weights=yy, minlength=expected.size) > 0
    return float((expected[has_pos] / k).mean())


def validate_propagation(
    graph: SocialGraph,
    users: Any,
    items: Any = None,
    times: Any = None,
    *,
    cut: Any,
    estimators: Iterable[Any] = DEFAULT_ESTIMATORS,
    exposers: str = "earlier",
    window: float | None = None,
    k: int = 10,
    random_state: Any = None,
    holdout: float = 0.1,
    n_folds: int = 3,
    match_horizon: bool = False,
) -> PropagationValidation:
    """Learn influence probabilities before `cut` and test them on the adoptions after it.

    Parameters
    ----------
    graph : SocialGraph
        Arcs ``v -> u`` mean "``v`` influences ``u``".
    users, items, times : array-like
        The action log, one row per action (who, which film, when), in any order; or an
        :class:`~filmreco.data.Interactions` with timestamps as `users`. Times are numbers,
        ``datetime64`` or date strings (then seconds; see
        :meth:`~filmreco.Interactions.from_csv` for the date forms). Repeated (user, film) actions count at their
        first time; users who are not graph nodes are left out (with a DataWarning).
    cut : float, datetime64, datetime.date or str
        Actions before `cut` train the estimators; films adopted at or after it are tested.
        A date (``"2010-01-11"``, ``"2010/1/11"``, a ``datetime.date``) is converted to
        seconds like the times; a number is in the times' unit.
    estimators : iterable, default=:data:`DEFAULT_ESTIMATORS`
        Learned methods (``"bernoulli"``, ``"jaccard"``, ``"em"``, ``"bayes"``, or
        ``"auto"``: the one of those four chosen and calibrated by a back-test on the
        actions before the cut alone, with this call's `exposers` and `window`; see
        :func:`learn_probabilities`), probability schemes of
        :meth:`SocialGraph.probabilities`, floats (uniform ``p``) or ``(name, array)``
        pairs with one probability per arc.
    exposers : {"earlier", "before_cut"}, default="earlier"
        ``"earlier"``: every in-neighbour who adopted the film before the user (or, for a
        user who never adopted it, at any time) exposes them, as in Goyal et al.'s test;
        ``"before_cut"``: only adoptions known at the cut count, a genuine forecast.
    window : float, optional
        Influence lasts `window` time units: learning counts a propagation only within
        it, and an exposure counts for an adopter within `window` before their adoption,
        for a non-adopter only when it lies at most `window` before the cut (or later).
    k : int, default=10
        Cut-off of precision@k.
    random_state : int, SeedSequence, Generator or None
        Draws the ``"trivalency"`` scheme.
    holdout : float, default=0.1
        ``"auto"``: the share of the training actions each back-test fold forecasts.
    n_folds : int, default=3
        ``"auto"``: back-test folds.
    match_horizon : bool, default=False
        ``"auto"``: its back-test folds forecast windows as long as this test's (from the
        cut to the log's end; the ``horizon`` of :func:`learn_probabilities`), rather
        than `holdout` shares of the training actions. Measured less accurate than the
        default on CiaoDVD and on simulated logs (see :func:`learn_probabilities`).

    Returns
    -------
    PropagationValidation

    Raises
    ------
    InputError
        `cut` outside the log's time range (no training or no test actions), bad
        estimators or options.

    Examples
    --------
    >>> g = SocialGraph.from_arrays(["a", "a", "b"], ["b", "c", "c"])
    >>> users = ["a", "b", "a", "c", "a", "b", "c", "a"]
    >>> films = ["f1", "f1", "f2", "f2", "f3", "f3", "f3", "f4"]
    >>> times = [0, 1, 2, 3, 10, 11, 12, 11]  # f4: a adopts after the cut, b and c do not
    >>> res = validate_propagation(g, users, films, times, cut=10, estimators=["bernoulli", 0.5])
    >>> res.item_ids.tolist(), res.observed.tolist(), res.n_pairs
    (['f3', 'f4'], [2, 0], 4)
    >>> res.probabilities["bernoulli"].tolist()  # learned before the cut: a->b, a->c, b->c
    [0.5, 0.5, 0.0]
    >>> {n: res.predicted[n].tolist() for n in res.table}  # f3: b p(a,b), c 1-(1-p(a,c))(1-p(b,c)); f4: b and c p(a,.)
    {'bernoulli': [1.0, 1.0], 'uniform(0.5)': [1.25, 1.0]}
    """
    check_option(exposers, EXPOSERS, "exposers")
    check_instance(
        graph,
        SocialGraph,
        "graph",
        "Build one with SocialGraph.from_edgelist or SocialGraph.from_networkx.",
    )
    k = check_int(k, "k", min_value=1)
    holdout = check_real(holdout, "holdout", min_value=0.0, max_value=1.0)
    n_folds = check_int(n_folds, "n_folds", min_value=1)
    match_horizon = check_bool(match_horizon, "match_horizon")
    if not 0.0 < holdout * n_folds < 1.0:
        raise InputError(
            f"holdout * n_folds must lie in (0, 1): the oldest back-test fold needs actions "
            f"before it; got holdout={holdout!r}, n_folds={n_folds!r}. Lower holdout or n_folds."
        )
    w = math.inf if window is None else check_real(window, "window", min_value=0.0)
    ests = _estimator_names(estimators)
    if items is None and times is None:
        log = users
        if not (hasattr(log, "matrix") and hasattr(log, "user_ids")):
            raise InputError("give users, items and times arrays, or an Interactions with times.")
        if getattr(log, "timestamps", None) is None:
            raise InputError("the Interactions has no timestamps; the cut needs times.")
        X = log.matrix
        users = log.user_ids.to_ids(np.repeat(np.arange(X.shape[0]), np.diff(X.indptr)))
        items, times = log.item_ids.to_ids(X.indices), log.timestamps
    elif items is None or times is None:
        raise InputError("give both items and times (or an Interactions alone).")
    try:
        u_ext = np.asarray(users)
        it = np.asarray(items)
    except ValueError:
        raise InputError("users, items and times must be 1-D arrays, got nested lists.") from None
    t = as_times(times, "times")
    if not (u_ext.ndim == it.ndim == t.ndim == 1 and u_ext.size == it.size == t.size):
        raise InputError(
            f"users, items and times must be 1-D of the same length, got {u_ext.shape}, "
            f"{it.shape} and {t.shape}."
        )
    if not np.isfinite(t).all():
        raise InputError("times contains NaN or infinite values; drop those actions first.")
    if isinstance(cut, (str, np.datetime64, datetime.date)):  # a date: seconds, as the times
        when = [cut] if isinstance(cut, str) else np.asarray([cut], dtype="datetime64[s]")
        try:
            cut_f = float(as_times(when, "cut")[0])
        except InputError:
            cut_f = math.nan
        if not math.isfinite(cut_f):
            raise InputError(
                f"cut={cut!r} is not a date or time; give a number in the times' unit, a "
                "datetime64 or a date such as '2010-01-11' or '2010/1/11'."
            )
    else:  # a number, in the times' unit (seconds for datetime64 or date times)
        cut_f = check_real(cut, "cut")
    node = graph.node_ids.index(u_ext, on_unknown="mask", name="users")
    if (node < 0).any():
        warnings.warn(
            f"left out {int((node < 0).sum())} action(s) by users who are not in the graph.",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
    keep = node >= 0
    node, it, t = node[keep], it[keep], t[keep]
    if not t.size:
        raise InputError("no action of the log is by a user of the graph; nothing to validate.")
    lo, hi = float(t.min()), float(t.max())
    if not lo < cut_f <= hi:
        raise InputError(
            f"cut={cut!r} must lie inside the log's time range ({lo:g}, {hi:g}]: the actions "
            "before it train the estimators and those from it on test them. Pick a cut "
            "with actions on both sides."
        )
    film_map, a = IdMap.from_values(it, sort=True)
    node, a, t = _first_adoptions(node, a, t)
    train = t < cut_f
    n_films = len(film_map)
    films, _, y, arc, inv, tv = _exposures(graph, node, a, t, n_films, cut_f, exposers, w)
    test_films = np.unique(a[~train])
    notes = []
    if not y.size:
        notes.append("no user was exposed to a test film: the graph carries no test adoption.")
        warnings.warn(
            "no (film, user) pair is exposed after the cut: no test film was adopted "
            "earlier by an in-neighbour of a user at risk; the ratios are undefined.",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
    elif y.all() or not y.any():  # AUC needs adopted and not adopted pairs; a ratio, adoptions
        why = (
            f"every one of the {y.size} exposed pairs adopted: the AUC is undefined"
            if y.all()
            else f"none of the {y.size} exposed pairs adopted: the AUC and the ratios are undefined"
        )
        notes.append(why + ".")
        warnings.warn(why + ".", DataWarning, stacklevel=user_stacklevel())
    col = np.searchsorted(test_films, films)
    observed = np.bincount(col, weights=y, minlength=test_films.size).astype(np.int64)
    has_pair = np.bincount(col, minlength=test_films.size) > 0
    train_ids = graph.node_ids.to_ids(node[train])
    backtest = None
    table_keys = [c if c != "precision" else f"precision@{k}" for c in _COLUMNS]
    table: dict[str, dict[str, float]] = {}
    predicted: dict[str, np.ndarray] = {}
    probabilities: dict[str, np.ndarray] = {}
    for name, spec in ests:
        if isinstance(spec, str) and spec == "auto":
            X_train, _ = action_matrix(graph, train_ids, a[train], t[train])
            try:
                p, backtest = auto_probabilities(
                    graph, X_train, credit="full", window=w, max_iter=1000, tol=1e-6,
                    exposers=exposers, holdout=holdout, n_folds=n_folds,
                    horizon=(hi - cut_f) if match_horizon and hi > cut_f else None,
                )  # fmt: skip
            except (InputError, ConvergenceError) as why:  # too little to back-test on
                notes.append(f"{name}: {why}")
                warnings.warn(
                    f"{name} is undefined: {why}", DataWarning, stacklevel=user_stacklevel()
                )
                table[name] = dict.fromkeys(table_keys, math.nan)
                table[name]["observed"] = float(y.sum())
                predicted[name] = np.full(test_films.size, math.nan)
                probabilities[name] = np.full(graph.n_arcs, math.nan)
                continue
        elif isinstance(spec, str) and spec in FIXED_METHODS:
            try:
                p = learn_probabilities(
                    graph, train_ids, a[train], t[train], method=spec, window=window
                )
            except ConvergenceError as why:  # EM: one estimator's failure, not the test's
                notes.append(f"{name}: {why}")
                warnings.warn(
                    f"{name} is undefined: {why}", DataWarning, stacklevel=user_stacklevel()
                )
                table[name] = dict.fromkeys(table_keys, math.nan)
                table[name]["observed"] = float(y.sum())
                predicted[name] = np.full(test_films.size, math.nan)
                probabilities[name] = np.full(graph.n_arcs, math.nan)
                continue
        else:
            p = graph.resolve_probabilities(spec, random_state=random_state)
        timing = None
        if name == "auto" and backtest is not None and backtest.delays is not None:
            timing = window_cdf(np.asarray(backtest.delays), tv, cut_f, hi)
        prob = pair_probability(p, arc, inv, y.size, timing=timing)
        per_film = np.bincount(col, weights=prob, minlength=test_films.size)
        n_obs = int(y.sum())
        err = np.abs(per_film - observed)[has_pair]
        table[name] = {
            "mean_p": float(p.mean()) if p.size else math.nan,
            "predicted": float(prob.sum()),
            "observed": float(n_obs),
            "ratio": float(prob.sum() / n_obs) if n_obs else math.nan,
            "mae_film": float(err.mean()) if err.size else math.nan,
            "brier": float(np.mean((prob - y) ** 2)) if y.size else math.nan,
            "auc": _auc(prob, y),
            f"precision@{k}": _precision_at_k(col, prob, y, k),
        }
        predicted[name] = per_film
        probabilities[name] = p
    if backtest is not None and backtest.dispersion >= 0.99 * DISPERSION_MAX:
        limit_note = (
            f"auto: the forecast intervals' dispersion reached its search limit "
            f"({DISPERSION_MAX:g}): the back-test's films are too few or too scattered to "
            "size the intervals, so intervals() may be far too narrow or wide here (a longer "
            "log before the cut helps)"
        )
        notes.append(limit_note + ".")
        warnings.warn(limit_note + ".", DataWarning, stacklevel=user_stacklevel())
    return PropagationValidation(
        table=table,
        item_ids=film_map.to_ids(test_films),
        observed=observed,
        predicted=predicted,
        probabilities=probabilities,
        cut=cut_f,
        k=k,
        exposers=exposers,
        window=w,
        n_train=int(train.sum()),
        n_test=int((~train).sum()),
        n_pairs=int(y.size),
        notes=notes,
        backtest=backtest,
    )
