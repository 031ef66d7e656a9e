"""Learning influence probabilities from action logs (Goyal, Bonchi & Lakshmanan, WSDM 2010).

An action log says who performed which action when (a user watched, rated or shared a
film). An action *propagates* from ``v`` to ``u`` when ``v -> u`` is an arc of the social
graph and ``u`` performed the action after ``v`` (within `window` time units, if given).
The static models of Goyal et al. estimate the influence probability of ``v -> u`` as

- Bernoulli: ``p(v, u) = A(v2u) / A(v)``, the share of ``v``'s actions that propagated to ``u``;
- Jaccard: ``p(v, u) = A(v2u) / A(v|u)``, over the actions performed by ``v`` or ``u``;
- EM: the maximum-likelihood IC probabilities of Saito, Nakano & Kimura (KES 2008), which
  share the credit of an action among the in-neighbours who performed it first
  (:mod:`filmreco.social._em`);
- Bayes: the Bernoulli estimate shrunk towards the pooled rate ``mu = sum A(v2u) / sum
  A(v)`` by a Beta prior, ``p(v, u) = (A(v2u) + m mu) / (A(v) + m)``, whose strength ``m``
  maximises the beta-binomial marginal likelihood of all arcs' counts (empirical Bayes,
  e.g. Efron, *Large-Scale Inference*, 2010, ch. 1). Most arcs see few of their
  source's actions, so plain Bernoulli gives most of them 0 (and every arc whose
  source has not acted yet exactly 0); the prior lends them the network's average rate
  until their own counts say otherwise;

where ``A(v)`` counts ``v``'s actions. With ``credit="partial"``, an action of ``u`` that
several in-neighbours performed before it credits each of them ``1 / (their number)``
instead of 1 ("partial credits", section 4 of the paper).

``method="auto"`` picks one of them from the log itself: it back-tests each on the last
part of the log (:mod:`filmreco.social._backtest`), keeps the one whose calibration held
best from one past fold to the next, and scales its probabilities by the factors that made
the forecast adopters match the observed ones on the folds, each carried to the log's latest
pace of actions, pooled (geometric mean).
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._validation import (
    check_instance,
    check_int,
    check_option,
    check_real,
    shorten,
    user_stacklevel,
)
from ..exceptions import DataWarning, InputError, InputTypeError
from ._coadopt import Credit, PriorCount, co_adoptions
from ._em import em_probabilities
from .graph import SocialGraph


def as_times(values: Any, name: str) -> np.ndarray:
    """Times of actions as float64: numbers as they are (any unit, e.g. Unix seconds);
    datetime64 values and date strings (ISO, or year-first forms such as ``"2023/1/5"`` and
    ``"2023年1月5日"``, as :meth:`~filmreco.Interactions.from_csv` reads them) as seconds
    since the epoch, so `window`, `horizon` and `cut` are then in seconds; a missing date
    is NaN.

    Examples
    --------
    >>> as_times(np.array(["2023-01-01", "2023-01-02"], dtype="datetime64[D]"), "times")
    array([1.6725312e+09, 1.6726176e+09])
    >>> as_times(["2023/1/1", "2023年1月2日"], "times").tolist() == _.tolist()
    True
    """
    from ..data._clean import as_timestamps, raw_array

    try:
        arr = raw_array(values, name)
    except InputError:
        raise InputError(f"{name} must be a 1-D array of times.") from None
    if arr.dtype.kind == "O" and not any(isinstance(x, str) for x in arr.tolist()):
        with contextlib.suppress(TypeError, ValueError):  # Python numbers in an object array
            arr = arr.astype(np.float64)
    try:
        return as_timestamps(arr, name, arr.size)
    except InputTypeError:  # another dtype: not times
        raise InputError(
            f"{name} must be numbers (e.g. Unix seconds), datetime64 values or dates, got "
            f"{shorten(arr.tolist())}."
        ) from None


__all__ = [
    "FIXED_METHODS", "LEARN_METHODS", "action_matrix", "beta_prior_strength",
    "learn_probabilities",
]  # fmt: skip

#: The estimators ``method="auto"`` back-tests and chooses from.
FIXED_METHODS = ("bernoulli", "jaccard", "em", "bayes")
#: Estimators of :func:`learn_probabilities`.
LEARN_METHODS = (*FIXED_METHODS, "auto")

_PRIOR_GRID = np.logspace(-2, 5, 71)  # candidate prior strengths m of "bayes"


def beta_prior_strength(successes: np.ndarray, trials: np.ndarray, mean: float) -> float:
    """The prior strength ``m`` maximising the beta-binomial likelihood of the counts.

    The prior is ``Beta(m * mean, m * (1 - mean))``; arcs without trials carry no
    information and are ignored. ``m`` is the best of a log-spaced grid from 0.01 to 1e5;
    on a tie (single trials cannot tell strengths apart) the strongest prior wins.

    Examples
    --------
    Arcs that agree with the pooled rate want a strong prior (shrink fully); arcs that
    disagree with it want a weak one (trust each arc's own counts):

    >>> import numpy as np
    >>> trials = np.array([20, 20, 20, 20])
    >>> beta_prior_strength(np.array([5, 5, 5, 5]), trials, 0.25)
    100000.0
    >>> beta_prior_strength(np.array([0, 0, 20, 20]), trials, 0.5) < 1.0
    True
    """
    from scipy.special import betaln

    has = trials > 0
    k, n = successes[has], trials[has]
    if not k.size or not 0.0 < mean < 1.0:
        return float(_PRIOR_GRID[-1])
    a = _PRIOR_GRID[:, None] * mean
    b = _PRIOR_GRID[:, None] * (1.0 - mean)
    loglik = (betaln(k[None, :] + a, (n - k)[None, :] + b) - betaln(a, b)).sum(axis=1)
    best = loglik.max()
    near = np.flatnonzero(loglik >= best - 1e-9 * max(abs(best), 1.0))
    return float(_PRIOR_GRID[near[-1]])


def count_propagations(
    in_indptr: np.ndarray,
    in_src: np.ndarray,
    in_arc: np.ndarray,
    a_ptr: np.ndarray,
    a_items: np.ndarray,
    a_times: np.ndarray,
    window: float,
    partial: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Per arc ``v -> u``: propagated credit ``A(v2u)`` and shared actions ``A(v&u)``.

    The in-CSR lists, for each user ``u``, the arcs ``v -> u`` (``in_src``) and their arc
    ids (``in_arc``). Actions are a CSR over users with sorted item ids and their times.
    Partial credit takes two passes of the merge: the first counts each action's parents.
    """
    args = (in_indptr, in_src, in_arc, a_ptr, a_items, a_times)
    m = in_arc.size
    n_prior = np.zeros(a_items.size if partial else 0, dtype=np.int64)
    if partial:
        co_adoptions(*args, PriorCount(float(window), n_prior))
    acc = Credit(float(window), bool(partial), n_prior, np.zeros(m), np.zeros(m, dtype=np.int64))
    co_adoptions(*args, acc)
    return acc.credit, acc.both


def action_matrix(
    graph: SocialGraph, users: Any, items: Any, times: Any
) -> tuple[sp.csr_array, np.ndarray]:
    """Users x actions CSR of first times: ``(times_csr, unknown_count)``.

    Rows follow ``graph.node_ids``; users not in the graph are left out and counted.
    When a user performed an action several times, the earliest time is kept.

    Examples
    --------
    >>> g = SocialGraph.from_arrays(["ann", "bob"], ["bob", "cy"])
    >>> X, n_unknown = action_matrix(
    ...     g, ["bob", "ann", "bob", "eve"], ["f1", "f1", "f1", "f2"], [5.0, 2.0, 3.0, 1.0])
    >>> X.toarray().tolist()  # rows ann, bob, cy; bob's earliest time of f1 is kept
    [[2.0], [3.0], [0.0]]
    >>> int(n_unknown)  # eve is not in the graph
    1
    """
    check_instance(graph, SocialGraph, "graph", "Build one with SocialGraph.from_edgelist.")
    try:
        u_ids = np.asarray(users)
        it = np.asarray(items)
    except ValueError:
        raise InputError("users and items must be 1-D arrays, got nested lists.") from None
    t = as_times(times, "times")
    if not (u_ids.ndim == it.ndim == t.ndim == 1) or not (u_ids.size == it.size == t.size):
        raise InputError(
            f"users, items and times must be 1-D of the same length, got {u_ids.shape}, "
            f"{it.shape} and {t.shape}."
        )
    if not np.isfinite(t).all():
        raise InputError("times contains NaN or infinite values; drop those actions first.")
    from ..sparse import IdMap

    u = graph.node_ids.index(u_ids, on_unknown="mask", name="users")
    known = u >= 0
    _, codes = IdMap.from_values(it) if it.size else (None, np.zeros(0, np.int64))
    u, codes, t = u[known], codes[known], t[known]
    u, codes, t = _first_adoptions(u, codes, t)
    n_items = int(codes.max()) + 1 if codes.size else 0
    indptr = np.zeros(graph.n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=graph.n_nodes), out=indptr[1:])
    X = sp.csr_array((t, codes.astype(np.int64), indptr), shape=(graph.n_nodes, n_items))
    return X, np.asarray(int((~known).sum()))


def _first_adoptions(
    node: np.ndarray, film: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (node, film)'s earliest action, sorted by node, film: ``(node, film, time)``."""
    order = np.lexsort((t, film, node))
    node, film, t = node[order], film[order], t[order]
    first = np.ones(node.size, dtype=bool)
    first[1:] = (node[1:] != node[:-1]) | (film[1:] != film[:-1])
    return node[first], film[first], t[first]


def _log_arrays(users: Any, items: Any, times: Any) -> tuple[Any, Any, Any]:
    """The action log as (users, items, times), also from an Interactions with timestamps."""
    if items is None and times is None:
        log = users
        if not (hasattr(log, "matrix") and hasattr(log, "user_ids")):
            raise InputError(
                "give users, items and times arrays, or an Interactions with timestamps."
            )
        if getattr(log, "timestamps", None) is None:
            raise InputError("the Interactions has no timestamps; actions need times.")
        X = log.matrix  # timestamps are aligned with X.data
        users = log.user_ids.to_ids(np.repeat(np.arange(X.shape[0]), np.diff(X.indptr)))
        return users, X.indices, log.timestamps
    if items is None or times is None:
        raise InputError("give both items and times (or an Interactions alone).")
    return users, items, times


def _estimate(
    graph: SocialGraph,
    X: sp.csr_array,
    method: str,
    credit: str,
    w: float,
    max_iter: int,
    tol: float,
) -> np.ndarray:
    """Per-arc probabilities of one fixed estimator from a users x actions CSR of times."""
    if method == "em":
        return em_probabilities(graph, X, w, max_iter=max_iter, tol=tol)
    credit_v2u, both = count_propagations(
        graph.in_adj.indptr, graph.in_adj.indices, graph.in_arc, X.indptr,
        X.indices.astype(np.int64), X.data, w, credit == "partial",
    )  # fmt: skip
    n_actions = np.diff(X.indptr).astype(np.float64)
    a_v = n_actions[graph.sources]
    if method == "jaccard":
        denom = a_v + n_actions[graph.targets] - both
    else:
        denom = a_v
    if method == "bayes":
        mu = float(credit_v2u.sum() / denom.sum()) if denom.sum() > 0 else 0.0
        m = beta_prior_strength(credit_v2u, denom, mu)
        return np.clip((credit_v2u + m * mu) / (denom + m), 0.0, 1.0)
    p = np.divide(credit_v2u, denom, out=np.zeros(graph.n_arcs), where=denom > 0)
    return np.clip(p, 0.0, 1.0)


def _subset(X: sp.csr_array, keep: np.ndarray) -> sp.csr_array:
    """The rows' entries `keep` selects (a mask over ``X.data``), explicit zeros kept."""
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=X.shape[0]), out=indptr[1:])
    return sp.csr_array((X.data[keep], X.indices[keep], indptr), shape=X.shape)


def auto_probabilities(
    graph: SocialGraph,
    X: sp.csr_array,
    *,
    credit: str,
    window: float,
    max_iter: int,
    tol: float,
    exposers: str,
    holdout: float,
    n_folds: int,
    horizon: float | None = None,
) -> tuple[np.ndarray, Any]:
    """``method="auto"`` on a users x actions CSR of first times: ``(p, Backtest)``."""
    from ._backtest import backtest

    if X.nnz == 0:  # an empty log, or none of its users in the graph
        raise InputError(
            "method='auto' found no propagation to back-test on: the log holds no action by "
            "a user of the graph. Give a log of the graph's users, or pick a fixed method "
            f"{list(FIXED_METHODS)}."
        )
    node = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    a, t = X.indices.astype(np.int64), np.asarray(X.data, dtype=np.float64)

    def learn(method: str, keep: np.ndarray) -> np.ndarray:
        c = "full" if method == "em" else credit
        return _estimate(graph, _subset(X, keep), method, c, window, max_iter, tol)

    bt = backtest(
        graph, node, a, t, X.shape[1], methods=FIXED_METHODS, learn=learn,
        exposers=exposers, window=window, holdout=holdout, n_folds=n_folds, horizon=horizon,
    )  # fmt: skip
    if bt is None:
        raise InputError(
            f"method='auto' found no propagation to back-test on: in the last holdout={holdout:g} "
            "share of the log's actions no user adopted a film an in-neighbour had adopted "
            "before. Give a longer log, raise holdout, or pick a fixed method "
            f"{list(FIXED_METHODS)}."
        )
    if not np.isfinite(bt.factor):
        raise InputError(
            "method='auto' could not calibrate any estimator on the back-test (none converged "
            f"or predicted an adopter). Pick a fixed method {list(FIXED_METHODS)}."
        )
    p = learn(bt.chosen, np.ones(t.size, dtype=bool))
    return np.minimum(bt.factor * p, 1.0), bt


def learn_probabilities(
    graph: SocialGraph,
    users: Any,
    items: Any = None,
    times: Any = None,
    *,
    method: str = "bernoulli",
    credit: str = "full",
    window: float | None = None,
    max_iter: int = 1000,
    tol: float = 1e-6,
    holdout: float = 0.1,
    n_folds: int = 3,
    exposers: str = "before_cut",
    return_report: bool = False,
    horizon: float | None = None,
) -> Any:
    """Estimate the influence probability of every arc from an action log.

    Parameters
    ----------
    graph : SocialGraph
    users, items, times : array-like
        One row per action: who (node ids of `graph`), what (any ids, e.g. film ids) and
        when (numbers, larger is later; or ``datetime64`` values or date strings, then
        seconds since the epoch, and `window` / `horizon` in seconds too). Alternatively pass an
        :class:`~filmreco.data.Interactions` with timestamps as `users` and leave `items`
        and `times` out; its user ids must be node ids of the graph.
    method : {"bernoulli", "jaccard", "em", "bayes", "auto"}, default="bernoulli"
        Goyal et al.'s static estimators, Saito et al.'s EM (tries and successes as
        described in :mod:`filmreco.social._em`), the Bernoulli estimate with an
        empirical-Bayes Beta prior (see above), or ``"auto"``: the one of those four
        that forecast best on the last part of the log, calibrated there (see Notes).
    credit : {"full", "partial"}, default="full"
        Partial credit splits an action's credit among the in-neighbours who acted first
        (Bernoulli, Jaccard and Bayes; EM shares credit by itself and takes "full" only).
    window : float, optional
        Only count ``u`` acting at most `window` after ``v`` (Goyal et al.'s ``tau``).
    max_iter, tol
        EM only: stop when no probability moves by more than `tol`, or raise
        :class:`~filmreco.exceptions.ConvergenceError` after `max_iter` iterations.
    holdout : float, default=0.1
        ``"auto"`` only: the share of the log's actions each back-test fold forecasts.
        Match it to the forecast you will make: the calibration holds for a period with
        about as many actions as the fold's.
    n_folds : int, default=3
        ``"auto"`` only: back-test folds, the most recent last; one factor is tried on the
        next fold to choose the estimator (with one fold, the calibrated Brier score
        chooses). The oldest fold's cut must leave actions to learn from:
        ``holdout * n_folds < 1``.
    exposers : {"before_cut", "earlier"}, default="before_cut"
        ``"auto"`` only: who exposes a user in the back-test, as in
        :func:`~filmreco.social.validate_propagation`.
    return_report : bool, default=False
        ``"auto"`` only: also return the back-test record.
    horizon : float, optional
        ``"auto"`` only: how far past the log's end the forecast will reach, in time
        units. The back-test's folds then forecast windows of that length instead of
        `holdout` shares of the actions, so the estimator, its variant, factor and spread
        are chosen on forecasts as long as the one to make. Measured less accurate than
        the default folds (see Notes); None (default) keeps those.

    Returns
    -------
    p : numpy.ndarray of float64, shape (n_arcs,)
        Probabilities in arc order, ready for ``IndependentCascade(graph, probability=p)``.
        Arcs whose source never acted get 0 (except under Bayes' prior).
    report : Backtest
        With ``return_report=True``: per estimator, the back-test's predicted / observed
        ratio, Brier score and AUC, the chosen estimator, its factor, and
        :meth:`~filmreco.social._backtest.Backtest.interval` for forecast intervals.

    Notes
    -----
    ``"auto"`` back-tests as a forecaster would have at earlier dates (rolling origin):
    fold ``k`` learns every estimator on the actions before the ``1 - k * holdout``
    quantile of the times and forecasts, for each film adopted in the next ``holdout``
    share of actions, who adopts it among the users its earlier adopters expose (one
    Independent Cascade step, as :func:`~filmreco.social.validate_propagation` scores).
    Every estimator is back-tested twice: as that one step, and *with delays*, each
    exposure timed with the log's own distribution of exposure-to-adoption delays (an
    exposure long before a fold's start has mostly had its chance already; one near the
    fold's end has not yet), the continuous-time cascade of Gomez-Rodriguez et al.
    (ICML 2011) with one delay distribution for every arc.
    The factor that makes the forecast adopters equal the observed ones on a fold is tried
    on the next fold; the variant with the best (lowest) mean Brier score of those
    transfers wins, and the estimator's probabilities, learned on the whole log, are
    multiplied by the geometric mean of the folds' factors (capped at 1). Without delays,
    each fold's factor is first carried to the log's latest pace (times the action rate of
    the log's last `holdout` share over the rate in the same share before the fold's cut);
    with delays, time is in the forecast already, and the report's
    :attr:`~filmreco.social._backtest.Backtest.delays` time a forecast over any window.
    Nothing after the log's end is used. The factor corrects the scale of the
    probabilities, not a trend: where activity grows or shrinks quickly after the log
    ends, forecasts far beyond a fold's length drift with it (see
    ``benchmarks/README_social_real.md`` for CiaoDVD at 18 cuts). Nor do the folds'
    own drift help: weighting the recent folds more or extrapolating a trend through the
    folds' factors put fewer CiaoDVD settings in range (6-10 of 18 against 12), as the drift
    does not carry on past the cut. The report's forecast intervals
    (:meth:`~filmreco.social._backtest.Backtest.interval`) are negative binomial with the
    scatter of the folds' films around the forecasts each fold would have had from the
    folds before it (up to 5 folds of `holdout` each, when the log holds them), so they
    carry the factor's error as it moves forward in time.

    With `horizon`, the folds forecast windows as long as the forecast instead: fold ``k``
    learns on the actions more than `horizon` time units before the ``1 - k * holdout``
    quantile of the times and forecasts up to it (rolling origins one `holdout` share
    apart; a fold must keep a `holdout` share to learn from). This was measured worse
    than the default on both test beds, so it is off by default: on CiaoDVD the
    forecast's ratio (predicted / observed new adopters) fell in [0.8, 1.25] at 3 of 18
    cut x exposure settings against 12 of 18, and on logs simulated on NetHEPT and
    wiki-Vote (log seeds 0-3, 48 settings) at 25 against 35, with 27 against 28 interval
    coverages in [0.85, 0.95] (``benchmarks/README_social.md``, section 3c). A fold
    whose window is as long as the forecast starts a whole horizon before the cut, so it
    learns on a much shorter log and lies further in the past; where the factor a window
    needs drifts with the date (the folds' transfer ratios show it), that drift costs
    more than matching the window's length gains.

    Examples
    --------
    >>> g = SocialGraph.from_arrays(["ann", "bob"], ["bob", "cat"])
    >>> users = ["ann", "bob", "ann", "bob", "cat", "ann"]
    >>> films = ["f1", "f1", "f2", "f2", "f2", "f3"]
    >>> times = [0, 1, 0, 1, 2, 0]
    >>> learn_probabilities(g, users, films, times).round(3).tolist()  # ann->bob 2/3, bob->cat 1/2
    [0.667, 0.5]
    >>> learn_probabilities(g, users, films, times, method="jaccard").round(3).tolist()
    [0.667, 0.5]
    >>> learn_probabilities(g, users, films, times, method="em").round(3).tolist()  # one parent each
    [0.667, 0.5]
    >>> learn_probabilities(g, users, films, times, method="bayes").round(3).tolist()  # mu = 3/5
    [0.6, 0.6]

    ``"auto"`` on a log of simulated cascades (each film's adopters spread over time,
    every step of a cascade 50 time units after the one before): the back-test chose
    Bayes with delays (timing the exposures tells which can still convert inside a fold:
    AUC 0.62 against 0.51 without), scaled up by 1.8 (a one-step forecast from the
    exposers known at a fold's start misses the adopters reached by the cascades' later
    steps):

    >>> import numpy as np
    >>> from filmreco.social import IndependentCascade
    >>> g = SocialGraph.from_arrays(np.arange(200), (np.arange(200) * 37 + 11) % 200)
    >>> u, films, steps = IndependentCascade(g, 0.2).sample_cascades(
    ...     4000, n_seeds=5, random_state=1)
    >>> times = films * 0.25 + steps * 50.0
    >>> p, report = learn_probabilities(g, u, films, times, method="auto", return_report=True)
    >>> report.chosen, report.timed, round(report.factor, 2), len(report.cuts)
    ('bayes', True, 1.84, 3)
    >>> [round(f, 2) for f in report.factors], report.delays[0], report.delays[-1]
    ([1.83, 1.81, 1.87], 50.0, 50.0)
    >>> bayes = learn_probabilities(g, u, films, times, method="bayes")
    >>> bool(np.allclose(p, np.minimum(report.factor * bayes, 1.0)))
    True
    """
    check_option(method, LEARN_METHODS, "method")
    check_option(credit, ("full", "partial"), "credit")
    if method == "em" and credit != "full":
        raise InputError(
            "credit='partial' applies to method='bernoulli', 'jaccard' or 'bayes'; EM shares the "
            "credit of an action among its parents by itself, so leave credit='full'."
        )
    if not isinstance(return_report, (bool, np.bool_)):
        raise InputError(f"return_report must be True or False, got {return_report!r}.")
    if return_report and method != "auto":
        raise InputError(
            f"return_report=True reports the back-test of method='auto'; method={method!r} "
            "has none. Pass method='auto', or leave return_report=False."
        )
    w = np.inf if window is None else check_real(window, "window", min_value=0.0)
    max_iter = check_int(max_iter, "max_iter", min_value=1)
    tol = check_real(tol, "tol", min_value=0.0)
    if horizon is not None:
        if method != "auto":
            raise InputError(
                f"horizon sets the back-test of method='auto'; method={method!r} has none. "
                "Pass method='auto', or leave horizon=None."
            )
        horizon = check_real(horizon, "horizon", min_value=0.0, min_inclusive=False)
    if method == "auto":
        holdout = check_real(holdout, "holdout", min_value=0.0, max_value=1.0)
        n_folds = check_int(n_folds, "n_folds", min_value=1)
        check_option(exposers, ("before_cut", "earlier"), "exposers")
        if not 0.0 < holdout * n_folds < 1.0:
            raise InputError(
                f"holdout * n_folds must lie in (0, 1): the oldest fold's cut needs actions "
                f"before it; got holdout={holdout!r}, n_folds={n_folds!r}. Lower holdout or "
                "n_folds."
            )
    users, items, times = _log_arrays(users, items, times)
    X, unknown = action_matrix(graph, users, items, times)
    if unknown:
        warnings.warn(
            f"left out {int(unknown)} action(s) by users who are not in the graph.",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
    if method == "auto":
        p, report = auto_probabilities(
            graph, X, credit=credit, window=w, max_iter=max_iter, tol=tol,
            exposers=exposers, holdout=holdout, n_folds=n_folds, horizon=horizon,
        )  # fmt: skip
        return (p, report) if return_report else p
    return _estimate(graph, X, method, credit, w, max_iter, tol)
