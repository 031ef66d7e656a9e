"""Back-testing influence probabilities on the past: the machinery of ``method="auto"``.

:func:`filmreco.social.learn_probabilities` with ``method="auto"`` must pick an estimator
and its scale from the log it is given, without the future it will forecast. It
back-tests on the last part of that log, as a forecaster would have done at earlier
dates (a rolling-origin evaluation, Tashman, *Int. J. Forecasting* 16, 2000):

- fold ``k`` (``k = 1`` the most recent) cuts the log at the ``1 - k * holdout`` quantile
  of its action times; the estimators learn on the actions before that cut and forecast
  the films adopted in the ``holdout`` share of actions after it (one Independent
  Cascade step from the observed exposers, as in :mod:`filmreco.social.validation`);
- per fold and estimator: predicted / observed new adopters (the ratio), Brier score and
  AUC of the per-user probabilities, and the *factor* ``f`` that makes the predictions of
  ``min(1, f p)`` sum to the observed count;
- every estimator is tried twice: as one IC step that succeeds whenever it succeeds (the
  static test of Goyal et al., WSDM 2010), and *with delays*: an exposure at ``t_v``
  succeeds with probability ``p`` after a delay drawn from the log's own distribution of
  exposure-to-adoption delays ``F`` (:func:`delay_quantiles`), so within a window
  ``[start, end]`` it adds an adopter with probability
  ``p (F(end - t_v) - F(start - t_v)) / (1 - p F(start - t_v))`` (the continuous-time
  cascade of Gomez-Rodriguez, Balduzzi & Schoelkopf, ICML 2011, with one delay
  distribution for every arc). Without delays a pair exposed long before the window
  counts as much as a fresh one, and the share of such stale pairs changes with the
  window's length, so a factor fitted on short folds misses on a longer forecast (on
  logs simulated with known delays, ``benchmarks/bench_social.py --only forecast
  --quick``: forecasts at 0.39-1.00 of the adopters seen without delays, 0.88-1.10 with
  them);
- a factor fitted on one fold is tried on the next, more recent one (as it will be on
  the future): the chosen variant has the lowest mean Brier score of those transfers
  (a proper score, so both calibration and ranking count);
- its factor pools the folds' factors (geometric mean); without delays it first
  carries each to today's activity (with delays, time is in the model already): fold
  ``k``'s factor is multiplied by the log's latest action rate (actions per unit time in
  the most recent ``holdout`` share) over the rate in the same share of actions before
  the fold's cut, and the factor is the geometric mean of those (equal weights). A fold
  fitted while users acted slowly under-states what the same exposures yield when they
  act faster, and the reverse; without this the factor followed the activity of the
  latest fold alone (on CiaoDVD, 5 of 18 cut x exposure settings within [0.8, 1.25]
  against 11 of 18 with it; see ``benchmarks/README_social_real.md``);
- forecast intervals: the films' counts scatter around their predictions more than
  Bernoulli noise explains (films differ in appeal), modelled as a gamma-Poisson
  (negative binomial) count with variance ``mu + phi mu^p`` (the NB-P model of Greene,
  2008); ``phi`` and ``p`` are fitted by maximum likelihood on *transferred* forecasts
  (:func:`_transfer_dispersion`): fold ``k`` of up to :data:`DISPERSION_FOLDS` = 5 (two
  older than the choice's three by default) is forecast with the geometric mean of the
  carried factors of the folds older than it, as the forecast after the cut is made with
  the factor of the folds before it, so the scatter holds the factor's error as it moves
  forward in time, not only its spread around the folds' mean. On dated logs simulated on
  NetHEPT and wiki-Vote (``benchmarks/README_social.md``, section 3c) the 90% intervals
  covered 0.76-1.00 of the films forecast to gain 5 or more (5 of 24 settings within
  [0.85, 0.95]) with ``p = 2`` fitted on the latest fold alone and widened by the factor's
  drift, 0.85-1.00 (10 of 24, mean 0.95, over-covered) with ``p = 2`` pooled over the
  folds, 28 of 48 (log seeds 0-3) with ``p`` fitted and every one of 3 folds forecast with
  the pooled factor (until session 10), and 31 of 48 with the transferred forecasts of 5
  folds (30 with 3 folds); on log seeds 4-5, scored only after that rule was fixed, 17 of
  24 against 13 (mean coverage 0.898 against 0.889; ``benchmarks/diag_auto_trend.py``,
  rules ``xfer5``, ``xfer3``, ``pool``);
- horizon-matched folds (``horizon=``, :func:`horizon_folds`): every fold forecasts a
  window as long as the forecast to make (rolling origins), and the choice, factor and
  spread are fitted on those. Measured worse than the default folds and kept off by
  default (see :func:`~filmreco.social.learn_probabilities`): CiaoDVD 3 of 18 settings
  within [0.8, 1.25] against 12, simulated logs 25 of 48 against 35 (coverage 27 against
  28 of 48 within [0.85, 0.95]): on the simulated logs its forecasts from the exposures
  known at the cut came out 1.1-2.8 times the adopters seen. Such a fold starts a whole
  horizon before the cut, further in the past than the default ones, and the factor a
  window of a given length needs drifts with its date: on a NetHEPT log (seed 2, 70% cut,
  exposers known at the cut) the horizon-matched folds' factors are 2.36, 2.00, 1.76
  from oldest to newest (each over-forecasts the next by 1.31 on average), the 10% folds'
  1.31, 1.28, 1.21 (1.06), so the older folds miss more than the matched length gains;
- the back-test *picks* one row rather than averaging the rows' calibrated forecasts (a
  forecast combination, Bates & Granger, *Oper. Res. Q.* 20, 1969): measured worse
  (``benchmarks/diag_auto_combination.py``). Equal, inverse-Brier, inverse-log-loss,
  Bates-Granger or log-space weights put 3-10 of 18 CiaoDVD settings within [0.8, 1.25]
  against the pick's 12, and 20-33 of 48 simulated ones against 35. The rows form two tight
  families (the estimators of a variant within a few percent of each other) that differ
  systematically (on CiaoDVD the delayed rows forecast about twice the one-step rows), so an
  average mixes in the variant the back-test rejected;
- the variant is chosen with the estimator, by the transfer Brier score, not by a rule of its
  own: the variant with the steadier per-fold factors, with the pooled factor closer to 1, or
  with the latest transfer ratio closer to 1 put 9, 12 and 7 of 18 CiaoDVD settings within
  [0.8, 1.25] (the Brier pick 12) and 33, 35 and 36 of 48 simulated ones (the pick 35), with
  coverage 26, 28, 26 against 28 (``diag_auto_combination.py select``); nor is the one-step
  variant preferred unless the delayed one's transfer Brier score is significantly lower (a
  paired one-sided z test over the transferred pairs at 5%, session 13): it went back to the
  one-step rows at 5 of the 6 CiaoDVD settings where the delayed row is chosen (z = 0.1-1.6),
  in range at the 70% cut (0.82 against 1.92) but out at 62%, 65% (both) and 67%, so 11 of
  18 settings and 9 of the 16 other cuts against 12 and 11;
- the folds' factors are pooled with equal weights, not weighted toward the recent folds nor
  extrapolated along their drift: the newest fold's factor, weights ``2^-k`` (half-life one
  fold), and a log-linear trend over the folds carried to the next window (its slope shrunk
  by its standard error, or clipped to the folds' range widened by one fold-to-fold step; 3 or
  5 folds), each with its own dispersion, put 10, 10, 7, 6, 7 and 6 of 18 CiaoDVD settings
  within [0.8, 1.25] (pooled 12) and 17, 16, 14, 14, 15, 15 of 24 simulated ones, log seeds 0-1
  (pooled 17; ``benchmarks/diag_auto_trend.py``). The drift does not carry on past the cut: at
  CiaoDVD's 70% cut (Goyal-style exposures) the factors rise toward the present (1.57, 2.46,
  3.54 from oldest to newest) while the test needs 1.24, and the factor a test needed lies on
  the newest fold's side of the pooled one at 10 of 18 CiaoDVD and 29 of 48 simulated settings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import rankdata

from ..exceptions import ConvergenceError
from .graph import SocialGraph

__all__ = [
    "Backtest", "auc", "backtest", "exposures", "fit_dispersion", "fit_dispersion_power",
    "fit_factor",
    "pair_probability",
]  # fmt: skip

_TINY = 1e-300

#: Columns of :attr:`Backtest.table`, per estimator.
BACKTEST_COLUMNS = ("ratio", "brier", "auc", "factor", "transfer_ratio", "transfer_brier")

#: Suffix of the back-test rows of estimators forecast with delays (:func:`pair_probability`).
DELAYED = "+delays"


def _out_arcs(
    graph: SocialGraph,
    v: np.ndarray,
    fv: np.ndarray,
    tv: np.ndarray,
    u: np.ndarray,
    a: np.ndarray,
    t: np.ndarray,
    n_films: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every out-arc of the adoptions ``(v, fv, tv)``: ``(arc, film, exposer_time, key,
    target_time)``, where ``key = target * n_films + film`` and ``target_time`` is the
    target's own first adoption of the film among ``(u, a, t)`` (inf when none)."""
    deg = graph.out_degree()[v]
    start = graph.out_adj.indptr[v]
    arc = np.repeat(start - np.cumsum(deg) + deg, deg) + np.arange(int(deg.sum()))
    fa, ta = np.repeat(fv, deg), np.repeat(tv, deg)
    key = u.astype(np.int64) * n_films + a
    order = np.argsort(key, kind="stable")
    skey = key[order]
    q = graph.targets[arc].astype(np.int64) * n_films + fa
    pos = np.searchsorted(skey, q)
    hit = pos < skey.size
    hit[hit] = skey[pos[hit]] == q[hit]
    tu = np.full(q.size, np.inf)
    tu[hit] = t[order][pos[hit]]
    return arc, fa, ta, q, tu


def exposures(
    graph: SocialGraph,
    u: np.ndarray,
    a: np.ndarray,
    t: np.ndarray,
    n_films: int,
    cut: float,
    exposers: str,
    window: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exposed pairs: ``(pair_film, pair_user, pair_observed, exposure_arc, exposure_pair,
    exposure_time)``.

    `u`, `a`, `t` are first adoptions (node, film code, time), one per (node, film);
    ``exposure_time`` is the exposer's adoption time of each exposure.
    """
    test_film = np.zeros(n_films, dtype=bool)
    test_film[a[t >= cut]] = True
    src = test_film[a]  # adoptions of test films, any time, are possible exposures
    v, fa, tv = u[src], a[src], t[src]
    if exposers == "before_cut":
        keep = tv < cut
        v, fa, tv = v[keep], fa[keep], tv[keep]
    arc, fa, tv, q, tu = _out_arcs(graph, v, fa, tv, u, a, t, n_films)
    adopted = np.isfinite(tu)
    ok = (tu >= cut) & (tv < tu)  # at risk at the cut, exposed before adopting
    ok &= np.where(adopted, tu - tv <= window, tv >= cut - window)
    arc, fa, q, adopted, tv = arc[ok], fa[ok], q[ok], adopted[ok], tv[ok]
    pairs, first, inv = np.unique(q, return_index=True, return_inverse=True)
    return fa[first], pairs // n_films, adopted[first], arc, inv, tv


def pair_probability(
    p: np.ndarray,
    arc: np.ndarray,
    inv: np.ndarray,
    n_pairs: int,
    factor: float = 1.0,
    timing: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """One IC step per exposed pair: ``1 - prod (1 - q)`` over its exposers.

    Without `timing`, ``q = min(1, factor p)``: the attempt's eventual success. With
    ``timing = (F(a), F(b))`` per exposure (:func:`window_cdf`), the chance that it
    succeeds inside the window, given that it had not by the window's start:
    ``q = r (F(b) - F(a)) / (1 - r F(a))`` with ``r = min(1, factor p)``.
    """
    q = np.minimum(factor * p[arc], 1.0) if factor != 1.0 else p[arc]
    if timing is not None:
        fa, fb = timing
        den = 1.0 - q * fa
        ok = den > 0
        q = np.where(ok, q * (fb - fa) / np.where(ok, den, 1.0), 0.0)
    with np.errstate(divide="ignore"):  # q = 1 gives log(0) = -inf: certain adoption
        log_fail = np.bincount(inv, weights=np.log1p(-q), minlength=n_pairs)
    return -np.expm1(log_fail)


#: Levels of the stored delay distribution (:attr:`Backtest.delays`): 0, 0.5%, ..., 100%.
DELAY_LEVELS = np.linspace(0.0, 1.0, 201)


def delay_quantiles(
    graph: SocialGraph,
    u: np.ndarray,
    a: np.ndarray,
    t: np.ndarray,
    n_films: int,
    window: float,
) -> np.ndarray | None:
    """Quantiles (at :data:`DELAY_LEVELS`) of the delay from an exposure to the adoption.

    Every adoption ``(u, film, t_u)`` preceded by in-neighbours ``v`` who adopted the film
    at ``t_v < t_u`` (within `window`) gives the delays ``t_u - t_v``, each weighted
    ``1 / (number of those v)`` (the adoption's credit split among its exposers, Goyal et
    al.'s partial credit). Delays longer than the log are not seen, so a short log
    under-states them; re-weighting them by the inverse share of exposures early enough
    to show them (inverse-probability-of-censoring weighting) was tried and over-stated
    them on CiaoDVD (forecasts 2-3x the adopters seen), so the plain distribution is
    kept. None when no adoption followed an exposure.

    `u`, `a`, `t` are first adoptions (node, film code, time), one per (node, film).
    """
    _, _, tv, q, tu = _out_arcs(graph, u, a, t, u, a, t, n_films)
    d = tu - tv
    ok = np.isfinite(tu) & (d > 0) & (d <= window)
    if not ok.any():
        return None
    d, q = d[ok], q[ok]
    _, pair, n_exp = np.unique(q, return_inverse=True, return_counts=True)
    w = 1.0 / n_exp[pair]
    order = np.argsort(d, kind="stable")
    d, cw = d[order], np.cumsum(w[order])
    cw /= cw[-1]
    idx = np.minimum(np.searchsorted(cw, DELAY_LEVELS, side="left"), d.size - 1)
    return d[idx]


def delay_cdf(quantiles: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``F(x)``: the share of delays at most `x`, read off stored quantiles (a step
    function at :data:`DELAY_LEVELS`; 0 below the smallest delay, 1 from the largest)."""
    k = np.searchsorted(quantiles, x, side="right")
    return np.where(k > 0, DELAY_LEVELS[np.maximum(k - 1, 0)], 0.0)


def window_cdf(
    quantiles: np.ndarray, exposed_at: np.ndarray, start: float, end: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(F(a), F(b))`` per exposure at `exposed_at` for the window ``[start, end]``:
    ``a = max(start - t_v, 0)``, ``b = end - t_v`` (see :func:`pair_probability`)."""
    fa = delay_cdf(quantiles, np.maximum(start - exposed_at, 0.0))
    fb = delay_cdf(quantiles, end - exposed_at)
    return fa, fb


def auc(score: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN without both classes."""
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    r = rankdata(score)
    return float((r[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def fit_factor(
    p: np.ndarray,
    arc: np.ndarray,
    inv: np.ndarray,
    n_pairs: int,
    observed: float,
    timing: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    """The factor ``f`` with ``sum(pair_probability(p, ..., f)) == observed`` (bisection).

    The predicted count grows with ``f`` (strictly while some exposing arc has ``0 < p``);
    NaN when nothing is predicted or observed; when even ``p = 1`` on every exposing arc
    with a positive probability predicts fewer adopters than observed, the smallest
    factor that lifts every such arc to 1.
    """
    pa = p[arc]
    pos = pa > _TINY  # below it, no finite factor lifts an arc to a visible probability
    if observed <= 0 or not pos.any():
        return math.nan

    def total(f: float) -> float:
        return float(pair_probability(p, arc, inv, n_pairs, f, timing).sum())

    cap = 1.0 / float(pa[pos].min())  # every exposing arc with p > 0 reaches 1
    if total(cap) <= observed:
        return cap
    lo, up = 0.0, min(1.0, cap)  # bracket the root by doubling, then bisect
    while total(up) < observed:
        lo, up = up, min(2.0 * up, cap)
    for _ in range(200):
        mid = 0.5 * (lo + up)
        if total(mid) < observed:
            lo = mid
        else:
            up = mid
        if up - lo <= 1e-10 * up:
            break
    return 0.5 * (lo + up)


def _nb_loglik(phi: float, mu: np.ndarray, y: np.ndarray, power: float = 2.0) -> float:
    from scipy.special import gammaln

    r = mu ** (2.0 - power) / phi
    return float(
        (
            gammaln(y + r) - gammaln(r) - gammaln(y + 1.0)
            + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu))
        ).sum()
    )  # fmt: skip


#: Largest ``phi`` :func:`fit_dispersion` considers; an estimate at this bound says the
#: films it was fitted on are too few or too scattered to size the intervals.
DISPERSION_MAX = 100.0


def fit_dispersion(mu: np.ndarray, y: np.ndarray, power: float = 2.0) -> float:
    """Maximum-likelihood ``phi`` of counts ``y ~ NegBin(mean mu, var mu + phi mu^power)``.

    Searched on a log grid from 1e-4 to 100 (then refined); films with ``mu = 0`` carry
    no information and are left out. 0 when fewer than two films remain.
    """
    keep = mu > 0
    mu, y = mu[keep], y[keep].astype(np.float64)
    if mu.size < 2:
        return 0.0
    grid = np.logspace(-4, math.log10(DISPERSION_MAX), 61)
    ll = np.array([_nb_loglik(g, mu, y, power) for g in grid])
    i = int(np.argmax(ll))
    fine = np.logspace(math.log10(grid[max(i - 1, 0)]), math.log10(grid[min(i + 1, 60)]), 41)
    ll = np.array([_nb_loglik(g, mu, y, power) for g in fine])
    return float(fine[int(np.argmax(ll))])


#: Powers tried by :func:`fit_dispersion_power`: 1.0, 1.1, ..., 2.5.
DISPERSION_POWERS = np.round(np.linspace(1.0, 2.5, 16), 2)


def fit_dispersion_power(mu: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood ``(phi, power)`` of the NB-P count model.

    ``y ~ NegBin`` with mean ``mu`` and variance ``mu + phi mu^power`` (Greene, *Economics
    Letters* 99, 2008): ``power = 2`` is the usual negative binomial (every film's count
    scattered by the same relative amount), ``power = 1`` a Poisson widened by a constant
    factor; the power is searched over :data:`DISPERSION_POWERS`, ``phi`` by
    :func:`fit_dispersion` at each. ``(0.0, 2.0)`` when fewer than two films have ``mu > 0``.
    """
    keep = mu > 0
    mu, y = mu[keep], y[keep].astype(np.float64)
    if mu.size < 2:
        return 0.0, 2.0
    best = (-math.inf, 0.0, 2.0)
    for power in DISPERSION_POWERS:
        phi = fit_dispersion(mu, y, float(power))
        ll = _nb_loglik(phi, mu, y, float(power)) if phi > 0 else -math.inf
        if ll > best[0]:
            best = (ll, phi, float(power))
    return best[1], best[2]


@dataclass(frozen=True, eq=False)
class Backtest:
    """The back-test behind ``learn_probabilities(..., method="auto")``.

    Attributes
    ----------
    table : dict of str to dict
        Per estimator, on the most recent fold: ``ratio`` (predicted / observed new
        adopters, before calibration), ``brier`` and ``auc`` of the per-user
        probabilities, ``factor`` (the calibration factor fitted on that fold); and,
        from the older fold's factor tried on the newer fold (the calibration's own
        out-of-sample test; NaN with one fold): ``transfer_ratio`` and ``transfer_brier``
        (mean over the transfers; the lowest picks the estimator).
    chosen : str
        The estimator whose probabilities are returned (its back-test row is
        ``chosen + "+delays"`` when :attr:`timed`).
    factor : float
        Its calibration factor: the returned probabilities are ``min(1, factor * p)``
        with ``p`` learned on the whole log; the geometric mean over the folds of
        ``factors * activity``.
    cuts : tuple of float
        The folds' cut times, most recent first; fold ``k`` tests on the actions from
        ``cuts[k]`` up to ``cuts[k - 1]`` (the first one up to the end of the log), or,
        with :attr:`horizon`, on the :attr:`horizon` time units from ``cuts[k]``.
    holdout : float
        Share of the log's actions in each fold's test window.
    exposers : str
        The exposure rule of the back-test (see
        :func:`~filmreco.social.validate_propagation`).
    observed : int
        New adopters among the exposed pairs of the most recent fold.
    n_pairs : int
        Exposed (film, user) pairs of the most recent fold.
    dispersion : float
        ``phi`` of the films' counts around the forecasts the folds would have had from the
        folds before them (variance ``mu + phi mu^power``): each of up to
        ``DISPERSION_FOLDS - 1 = 4`` folds, newest first, forecast with the pooled factor of
        the (up to 5) folds older than it, carried to its pace, so the spread holds the
        factor's error as it moves forward in time; see :attr:`dispersion_folds`.
    drift : float
        Root mean square of the log ratios of successive folds' activity-carried factors
        (``factors * activity``; 0 with one fold): how much the calibration moved from
        fold to fold (a diagnostic; the dispersion holds its effect).
    factors : tuple of float
        The chosen estimator's factor per fold, most recent first (as fitted on the fold).
    activity : tuple of float
        Per fold, the log's latest action rate over the rate before the fold's cut
        (:func:`activity_ratios`), or all 1 when :attr:`timed`; :attr:`factor` is the
        geometric mean of ``factors * activity``.
    delays : tuple of float or None
        When the forecast with delays won the back-test: the quantiles of the log's
        exposure-to-adoption delays at 0, 0.5%, ..., 100% (:data:`DELAY_LEVELS`), which
        time a forecast over a window (:func:`pair_probability`); None otherwise.
    power : float
        The power of the films' variance (:func:`fit_dispersion_power`), fitted with
        :attr:`dispersion`.
    horizon : float or None
        With ``learn_probabilities(..., horizon=h)``: ``h``, and the folds' test windows
        last ``h`` time units each (:func:`horizon_folds`); None for the default folds of
        `holdout` shares of the actions.
    share : float
        With :attr:`horizon`: the share of the log's actions in the most recent fold's
        window; NaN otherwise.
    dispersion_folds : int
        Folds whose films :attr:`dispersion` was fitted on (0 when nothing was calibrated;
        1 when only one fold exists, forecast with the pooled factor).

    Examples
    --------
    >>> import numpy as np
    >>> from filmreco.social import IndependentCascade, SocialGraph, learn_probabilities
    >>> g = SocialGraph.from_arrays(np.arange(200), (np.arange(200) * 37 + 11) % 200)
    >>> u, films, steps = IndependentCascade(g, 0.2).sample_cascades(
    ...     4000, n_seeds=5, random_state=1)
    >>> p, bt = learn_probabilities(g, u, films, films * 0.25 + steps * 50.0, method="auto",
    ...                             return_report=True)
    >>> bt.chosen_row, bt.observed, [round(f, 2) for f in bt.factors]
    ('bayes+delays', 248, [1.83, 1.81, 1.87])
    >>> low, high = bt.interval([0.0, 10.0])  # 90% intervals of two forecasts
    >>> low.tolist(), high.tolist()
    ([0.0, 5.0], [0.0, 15.0])
    """

    table: dict[str, dict[str, float]]
    chosen: str
    factor: float
    cuts: tuple[float, ...]
    holdout: float
    exposers: str
    observed: int
    n_pairs: int
    dispersion: float
    drift: float
    factors: tuple[float, ...] = field(default=())
    activity: tuple[float, ...] = field(default=())
    delays: tuple[float, ...] | None = None
    power: float = 2.0
    horizon: float | None = None
    share: float = math.nan
    dispersion_folds: int = 0

    @property
    def chosen_row(self) -> str:
        """The chosen variant's row of :attr:`table` (``chosen``, plus ``"+delays"`` when
        :attr:`timed`)."""
        return f"{self.chosen}{DELAYED}" if self.timed else self.chosen

    @property
    def timed(self) -> bool:
        """Whether the chosen forecast times exposures with the log's delays."""
        return self.delays is not None

    @property
    def spread(self) -> float:
        """``phi`` of the forecast intervals: the films' scatter around the back-test's
        calibrated forecasts (:attr:`dispersion`)."""
        return self.dispersion

    def interval(self, expected: Any, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """Forecast interval of adopter counts whose expected values are `expected`.

        The count is negative binomial with mean `expected` and variance
        ``expected + spread * expected^power`` (Poisson when :attr:`spread` is 0): the
        simulation's noise plus the back-test's error spread.

        Parameters
        ----------
        expected : array-like of float
            Calibrated expected counts (e.g. new adopters per film).
        level : float, default=0.9
            Coverage the interval aims for; its ends are the ``(1 - level) / 2`` and
            ``(1 + level) / 2`` quantiles.

        Returns
        -------
        low, high : numpy.ndarray of float64
        """
        from scipy.stats import nbinom, poisson

        from .._validation import check_real
        from ..exceptions import InputError, InputTypeError

        level = check_real(level, "level", min_value=0.0, max_value=1.0)
        try:
            mu = np.asarray(expected, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputTypeError(
                "expected must be numbers (expected adopters per film), got "
                f"{type(expected).__name__}."
            ) from None
        if mu.ndim > 1 or not np.isfinite(mu).all() or (mu < 0).any() or (mu > 1e12).any():
            raise InputError(
                "expected must be a 1-D array of finite counts in [0, 1e12] (expected adopters "
                f"per film), got shape {mu.shape}"
                + (f", range [{mu.min():g}, {mu.max():g}]." if mu.size else ".")
            )
        shape = mu.shape
        mu = mu.reshape(-1)
        qs = ((1.0 - level) / 2.0, (1.0 + level) / 2.0)
        phi = self.spread
        pos = mu > 0
        low, high = np.zeros(mu.size), np.zeros(mu.size)
        m = mu[pos]
        for out, qq in zip((low, high), qs):
            if phi > 0:
                r = m ** (2.0 - self.power) / phi
                out[pos] = nbinom.ppf(qq, r, r / (r + m))
            else:
                out[pos] = poisson.ppf(qq, m)
        return low.reshape(shape), high.reshape(shape)

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready values (NaN becomes None)."""

        def clean(v: Any) -> Any:
            if isinstance(v, float) and math.isnan(v):
                return None
            return v

        return {
            "method": "auto",
            "chosen": self.chosen,
            "chosen_row": self.chosen_row,
            "factor": clean(float(self.factor)),
            "cuts": [float(c) for c in self.cuts],
            "holdout": float(self.holdout),
            "exposers": self.exposers,
            "observed": int(self.observed),
            "n_pairs": int(self.n_pairs),
            "dispersion": float(self.dispersion),
            "power": float(self.power),
            "horizon": None if self.horizon is None else float(self.horizon),
            "share": clean(float(self.share)),
            "dispersion_folds": int(self.dispersion_folds),
            "drift": float(self.drift),
            "factors": [clean(float(f)) for f in self.factors],
            "activity": [clean(float(r)) for r in self.activity],
            "delays": None if self.delays is None else [float(d) for d in self.delays],
            "table": {
                k: {c: clean(float(v)) for c, v in row.items()} for k, row in self.table.items()
            },
        }

    def summary(self) -> str:
        """The back-test as aligned text: one line per estimator, then the choice."""
        width = max(len("estimator"), *(len(n) for n in self.table))
        lines = [f"{'estimator':<{width}}  " + "  ".join(f"{c:>14}" for c in BACKTEST_COLUMNS)]
        for name, row in self.table.items():
            vals = "  ".join(
                f"{'nan':>14}" if math.isnan(row[c]) else f"{row[c]:>14.4g}"
                for c in BACKTEST_COLUMNS
            )
            lines.append(f"{name:<{width}}  {vals}")
        folds = (
            f"the last {len(self.cuts)} x {self.holdout:.0%} of the log's actions"
            if self.horizon is None
            else f"{len(self.cuts)} windows of {self.horizon:g} time units (the latest "
            f"{self.share:.0%} of the log's actions)"
        )
        lines.append(
            f"chosen: {self.chosen_row} x {self.factor:.3g} (back-test on {folds}, exposers="
            f"{self.exposers!r}; {self.observed} new adopters in the latest fold)"
        )
        return "\n".join(lines)


def _fold_cuts(t: np.ndarray, holdout: float, n_folds: int) -> list[float]:
    """Cut times at the ``1 - k * holdout`` quantiles of `t` (k = 1..n_folds), distinct."""
    ts = np.sort(t)
    cuts: list[float] = []
    for k in range(1, n_folds + 1):
        c = float(ts[min(math.floor(ts.size * (1.0 - k * holdout)), ts.size - 1)])
        if c <= ts[0] or (cuts and c >= cuts[-1]):
            break  # nothing left to train on, or a fold with no action of its own
        cuts.append(c)
    return cuts


def _quantile_time(ts: np.ndarray, share: float) -> float:
    """The time below which `share` of the sorted times `ts` lie (the log's start at 0)."""
    return float(ts[min(max(math.floor(ts.size * share), 0), ts.size - 1)])


def horizon_folds(
    t: np.ndarray, horizon: float, holdout: float, n_folds: int
) -> list[tuple[float, float, float]]:
    """Folds whose test windows last `horizon` time units, most recent first.

    Fold ``k`` (``k = 0`` the most recent) tests on the actions in the `horizon` time
    units up to the ``1 - k * holdout`` quantile of `t` (rolling origins, one `holdout`
    share of actions apart, every window as long as the forecast's), and learns on the
    actions before it; folds that would learn on less than `holdout` of the log's actions
    are left out, and when none remains, the window is shortened to the most recent
    ``1 - holdout`` of the actions (one fold). Per fold: ``(origin, end, origin_share)``
    with ``end = inf`` for the most recent fold and ``origin_share`` the share of actions
    before the origin.
    """
    ts = np.sort(t)
    out: list[tuple[float, float, float]] = []
    for k in range(n_folds):
        end_share = 1.0 - k * holdout
        end = float(ts[-1]) if k == 0 else _quantile_time(ts, end_share)
        c = end - horizon
        s = float(np.searchsorted(ts, c, side="left")) / ts.size
        if s < holdout:
            if k == 0:  # the log is shorter than the horizon: the longest fold it allows
                c, s = _quantile_time(ts, holdout), holdout
            else:
                break
        if c <= ts[0] or not end > c or (out and c >= out[-1][0]):
            break
        out.append((c, math.inf if k == 0 else end, s))
    return out


def _rate(t: np.ndarray, lo: float, hi: float, *, closed: bool = False) -> float:
    """Actions per unit time in ``[lo, hi)`` (``[lo, hi]`` when `closed`); NaN if empty."""
    if not hi > lo:
        return math.nan
    n = int(np.count_nonzero((t >= lo) & ((t <= hi) if closed else (t < hi))))
    return n / (hi - lo) if n else math.nan


def activity_ratios(
    t: np.ndarray,
    cuts: Sequence[float],
    holdout: float,
    origin_shares: Sequence[float] | None = None,
) -> list[float]:
    """Per fold: the log's latest action rate over the rate before that fold's cut.

    The latest rate is that of the most recent window, ``[cuts[0], end]``; fold ``k``'s
    is that of the window of the same share of actions before its cut,
    ``[cuts[k + 1], cuts[k])`` (the oldest fold's lower end is the next quantile, or the
    log's start). A fold's factor times its ratio is its factor carried to today's
    activity: adopters are users who act, so the share of exposed users who adopt in a
    window of a given share of the log's actions grows with how fast they act. 1 where a
    rate is undefined (zero-length windows, all actions at one time).

    With `origin_shares` (the quantile share of each fold's cut, as
    :func:`horizon_folds` gives), the latest window is the log's last `holdout` share and
    fold ``k``'s is the `holdout` share of actions just before its cut.
    """
    if not cuts:
        return []
    ts = np.sort(t)
    if origin_shares is not None:
        now = _rate(ts, _quantile_time(ts, 1.0 - holdout), float(ts[-1]), closed=True)
        lows = [_quantile_time(ts, s - holdout) if s - holdout > 0 else float(ts[0])
                for s in origin_shares]  # fmt: skip
        lows = [lo if lo < c else float(ts[0]) for lo, c in zip(lows, cuts)]
    else:
        now = _rate(ts, cuts[0], float(ts[-1]), closed=True)
        extra = _quantile_time(ts, 1.0 - (len(cuts) + 1) * holdout)
        lows = [*cuts[1:], extra if extra < cuts[-1] else float(ts[0])]
    out = []
    for hi, lo in zip(cuts, lows):
        r = _rate(ts, lo, hi)
        ratio = now / r if math.isfinite(now) and math.isfinite(r) and r > 0 else 1.0
        out.append(ratio)
    return out


def _evaluate(
    ps: list[np.ndarray], folds: list[Any], timed: bool
) -> tuple[dict[str, float], list[float], float]:
    """One estimator's back-test row, per-fold factors and choice score (lower is better)."""
    tms = [fold[5] if timed else None for fold in folds]
    fs = [
        fit_factor(p, arc, inv, y.size, float(y.sum()), tm)
        for p, (_, arc, inv, y, *_), tm in zip(ps, folds, tms)
    ]
    _, arc, inv, y, *_ = folds[0]
    prob = pair_probability(ps[0], arc, inv, y.size, timing=tms[0])
    t_ratio, t_brier = [], []
    for k in range(1, len(folds)):  # fold k's factor tried on fold k - 1
        _, arc_k, inv_k, y_k, *_ = folds[k - 1]
        if not math.isnan(fs[k]):
            pk = pair_probability(ps[k - 1], arc_k, inv_k, y_k.size, fs[k], tms[k - 1])
            t_ratio.append(float(pk.sum() / y_k.sum()))
            t_brier.append(float(np.mean((pk - y_k) ** 2)))
    row = {
        "ratio": float(prob.sum() / y.sum()),
        "brier": float(np.mean((prob - y) ** 2)),
        "auc": auc(prob, y),
        "factor": fs[0],
        "transfer_ratio": float(np.exp(np.mean(np.log(t_ratio)))) if t_ratio else math.nan,
        "transfer_brier": float(np.mean(t_brier)) if t_brier else math.nan,
    }
    if math.isnan(fs[0]):
        score = math.inf  # cannot be calibrated on the most recent fold
    elif t_brier:
        score = float(np.mean(t_brier))
    else:  # one fold: its Brier score once calibrated
        cal = pair_probability(ps[0], arc, inv, y.size, fs[0], tms[0])
        score = float(np.mean((cal - y) ** 2))
    return row, fs, score


def _build_folds(
    graph: SocialGraph,
    node: np.ndarray,
    a: np.ndarray,
    t: np.ndarray,
    n_films: int,
    cuts: Sequence[float],
    ends: Sequence[float],
    exposers: str,
    window: float,
) -> list[Any]:
    """Per fold, most recent first: ``(films, arc, inv, y, train, timing)``; stops at the
    first fold without an observed adopter or without the most recent fold's variants."""
    t_end = float(t.max())
    folds: list[Any] = []
    for k, (c, end) in enumerate(zip(cuts, ends)):
        m = t < end
        films, _, y, arc, inv, tv = exposures(
            graph, node[m], a[m], t[m], n_films, c, exposers, window
        )
        if y.sum() == 0:
            break  # older folds are not used past a fold that cannot be scored
        train = t < c
        dq = delay_quantiles(graph, node[train], a[train], t[train], n_films, window)
        timing = None if dq is None else window_cdf(dq, tv, c, min(end, t_end))
        if k and (timing is None) != (folds[0][5] is None):
            break  # every fold needs the same variants
        folds.append((films, arc, inv, y, train, timing))
    return folds


#: Folds, the newest first, whose films fit the forecast intervals' dispersion
#: (:func:`_transfer_dispersion`); the choice and the factor use the newest ``n_folds``.
DISPERSION_FOLDS = 5


def _fold_films(
    p: np.ndarray, fold: Any, factor: float, timed: bool
) -> tuple[np.ndarray, np.ndarray]:
    """A fold's per-film forecast at `factor` and its per-film observed adopters."""
    films_k, arc_k, inv_k, y_k, _, tm_k = fold
    prob = pair_probability(p, arc_k, inv_k, y_k.size, factor, tm_k if timed else None)
    _, col = np.unique(films_k, return_inverse=True)
    return np.bincount(col, weights=prob), np.bincount(col, weights=y_k.astype(np.float64))


def _transfer_dispersion(
    ps: list[np.ndarray],
    factors: list[float],
    pace: list[float],
    folds: list[Any],
    timed: bool,
    factor: float,
) -> tuple[float, float, int]:
    """NB-P ``(phi, power, n_folds)`` of the films' counts around *transferred* forecasts.

    Fold ``k`` (newest first) is forecast with the geometric mean of the carried factors
    (``factors * pace``) of the folds older than it, carried back to its own pace, as the
    forecast after the cut is made with the factor of the folds before it: the scatter then
    holds the factor's error when it moves forward in time, not only its spread around the
    folds' own mean. The oldest fold has nothing older and is left out; when no fold can be
    forecast so, every fold is forecast with the pooled `factor` instead. ``n_folds``: the
    folds whose films entered.
    """
    carried = [f * r for f, r in zip(factors, pace)]
    mus, counts = [], []
    for k in range(len(folds) - 1):
        older = [math.log(f) for f in carried[k + 1 :] if math.isfinite(f) and f > 0]
        if older:
            mu, obs = _fold_films(ps[k], folds[k], math.exp(float(np.mean(older))) / pace[k],
                                  timed)  # fmt: skip
            mus.append(mu)
            counts.append(obs)
    if not mus:  # a single fold: its spread around the pooled factor
        for p_k, r_k, fold in zip(ps, pace, folds):
            mu, obs = _fold_films(p_k, fold, factor / r_k, timed)
            mus.append(mu)
            counts.append(obs)
    phi, power = fit_dispersion_power(np.concatenate(mus), np.concatenate(counts))
    return phi, power, len(mus)


def backtest(
    graph: SocialGraph,
    node: np.ndarray,
    a: np.ndarray,
    t: np.ndarray,
    n_films: int,
    *,
    methods: Sequence[str],
    learn: Callable[[str, np.ndarray], np.ndarray],
    exposers: str,
    window: float,
    holdout: float,
    n_folds: int,
    horizon: float | None = None,
) -> Backtest | None:
    """Back-test `methods` on the last folds of a log of first adoptions.

    ``learn(method, mask)`` returns the per-arc probabilities learned on the actions
    ``mask`` selects; a method that raises ConvergenceError on a fold is left out (its
    row is NaN). None when the most recent fold has no exposed pair with an observed
    adopter (nothing to calibrate on).

    With `horizon` (the length, in time units, of the window the forecast will cover),
    the folds' test windows last `horizon` time units each (:func:`horizon_folds`)
    instead of holding `holdout` of the actions.
    """
    # the choice and the factor use the newest `n_folds` folds; the dispersion also older
    # ones, up to DISPERSION_FOLDS in all (the first folds are the same either way)
    n_all = max(n_folds, DISPERSION_FOLDS)
    if t.size == 0:
        return None  # no action, no fold
    hf = horizon_folds(t, horizon, holdout, n_all) if horizon is not None else []
    share = 1.0 - hf[0][2] if hf else math.nan
    if hf:
        cuts = [c for c, _, _ in hf]
        ends = [e for _, e, _ in hf]
        origin_shares: list[float] | None = [s for _, _, s in hf]
    else:
        cuts = _fold_cuts(t, holdout, n_all)
        ends = [cuts[k - 1] if k else math.inf for k in range(len(cuts))]
        origin_shares = None
    all_folds = _build_folds(graph, node, a, t, n_films, cuts, ends, exposers, window)
    if not all_folds:
        return None
    all_cuts = cuts[: len(all_folds)]
    folds = all_folds[:n_folds]
    cuts = all_cuts[: len(folds)]
    table: dict[str, dict[str, float]] = {}
    factors: dict[str, list[float]] = {}
    score: dict[str, float] = {}
    learned: dict[str, list[np.ndarray]] = {}
    variants: list[tuple[str, str, bool]] = []  # (row name, method, timed), in choice order
    for method in methods:
        try:
            ps = [learn(method, fold[4]) for fold in folds]
            learned[method] = ps
        except ConvergenceError:  # (EM) left out of the choice, its row undefined
            ps = None
        for timed in (False, True):
            if timed and folds[0][5] is None:
                continue  # no delay to time with (no propagation before the folds)
            name = f"{method}{DELAYED}" if timed else method
            variants.append((name, method, timed))
            if ps is None:
                table[name] = dict.fromkeys(BACKTEST_COLUMNS, math.nan)
                factors[name] = [math.nan] * len(folds)
                score[name] = math.inf
                continue
            table[name], factors[name], score[name] = _evaluate(ps, folds, timed)
    name, chosen, timed = min(variants, key=lambda v: score[v[0]])  # ties: the first

    # the undelayed forecast carries each fold's factor to today's pace; the delayed one
    # has time in its model already
    def carry(cs: list[float]) -> list[float]:
        if timed:
            return [1.0] * len(cs)
        return activity_ratios(
            t, cs, holdout, None if origin_shares is None else origin_shares[: len(cs)]
        )

    activity = carry(cuts)
    normed = [f * r for f, r in zip(factors[name], activity)]
    logs = [math.log(f) for f in normed if math.isfinite(f) and f > 0]
    factor = math.exp(float(np.mean(logs))) if logs else math.nan
    y = folds[0][3]
    drift = math.sqrt(float(np.mean(np.diff(logs) ** 2))) if len(logs) > 1 else 0.0
    dispersion, power, n_disp = 0.0, 2.0, 0
    if not math.isnan(factor):
        # the older folds' probabilities and factors (the chosen row's), then their pace
        ps = list(learned[chosen])
        fs = list(factors[name])
        for fold in all_folds[len(folds) :]:
            _, arc_k, inv_k, y_k, train_k, tm_k = fold
            try:
                p_k = learn(chosen, train_k)
            except ConvergenceError:
                break
            ps.append(p_k)
            tm_k = tm_k if timed else None
            fs.append(fit_factor(p_k, arc_k, inv_k, y_k.size, float(y_k.sum()), tm_k))
        used = all_folds[: len(ps)]
        pace = activity + carry(all_cuts[: len(ps)])[len(activity) :]
        dispersion, power, n_disp = _transfer_dispersion(ps, fs, pace, used, timed, factor)
    return Backtest(
        table=table,
        chosen=chosen,
        factor=factor,
        cuts=tuple(float(c) for c in cuts),
        holdout=float(holdout),
        exposers=exposers,
        observed=int(y.sum()),
        n_pairs=int(y.size),
        dispersion=dispersion,
        drift=drift,
        power=power,
        horizon=None if horizon is None else float(horizon),
        share=float(share),
        factors=tuple(float(f) for f in factors[name]),
        activity=tuple(float(r) for r in activity),
        dispersion_folds=n_disp,
        delays=(
            tuple(float(d) for d in delay_quantiles(graph, node, a, t, n_films, window))  # type: ignore[union-attr]
            if timed
            else None
        ),
    )
