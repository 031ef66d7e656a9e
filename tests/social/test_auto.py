"""learn_probabilities(method="auto"): back-test, choice, calibration, forecast intervals."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import nbinom, poisson

from filmreco.exceptions import DataWarning, InputError
from filmreco.social import (
    IndependentCascade,
    SocialGraph,
    learn_probabilities,
    validate_propagation,
)
from filmreco.social._backtest import (
    _TINY,
    DELAYED,
    Backtest,
    exposures,
    fit_dispersion,
    fit_factor,
    pair_probability,
)


def synthetic_log(seed: int, *, n: int = 300, deg: int = 4, p: float = 0.15,
                  n_films: int = 3000, span: float = 1000.0, gap: float = 20.0):  # fmt: skip
    """Cascades of a known IC model spread over time, cut off at `span`.

    Every film starts at a uniform time (some after `span`, so the log ends mid-way, as a
    real one does); each IC step takes `gap` time units plus a uniform delay.
    """
    rng = np.random.default_rng(seed)
    src = np.repeat(np.arange(n), deg)
    dst = (src + rng.integers(1, n, src.size)) % n  # no self-loops
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # a few parallel arcs merged
        g = SocialGraph.from_arrays(src, dst)
    u, films, steps = IndependentCascade(g, p).sample_cascades(
        n_films, n_seeds=4, random_state=seed
    )
    start = rng.uniform(0.0, 1.1 * span, n_films)
    t = start[films] + steps * gap + rng.uniform(0.0, gap, films.size)
    keep = t < span
    return g, u[keep], films[keep], t[keep]


@pytest.fixture(scope="module")
def log():
    return synthetic_log(0)


# -- calibration on data with a known answer ---------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("exposers", ["before_cut", "earlier"])
def test_auto_is_calibrated_on_simulated_cascades(seed, exposers):
    """Forecasting the last tenth of a stationary log, as the folds do: the learned and the
    true probabilities alike are far off in this one-step test (the exposures of users
    whose cascade attempt already failed count too), auto's calibrated ones are not."""
    g, u, f, t = synthetic_log(seed)
    cut = float(np.quantile(t, 0.9))
    res = validate_propagation(
        g, u, f, t, cut=cut, exposers=exposers, estimators=["bernoulli", "auto", 0.15]
    )
    assert res.table["uniform(0.15)"]["ratio"] > 1.3  # the true p, uncalibrated
    assert res.table["bernoulli"]["ratio"] > 1.3
    assert 0.8 <= res.table["auto"]["ratio"] <= 1.25
    # the chosen estimator, scaled by the factor, is what auto returns
    bt = res.backtest
    # undelayed, the factor shrinks p to a one-step chance; with delays p stays an eventual one
    assert bt.timed or res.table["auto"]["mean_p"] < res.table["bernoulli"]["mean_p"]
    assert bt.chosen in ("bernoulli", "jaccard", "em", "bayes")


def test_auto_returns_the_chosen_estimator_times_its_factor(log):
    g, u, f, t = log
    p, bt = learn_probabilities(g, u, f, t, method="auto", return_report=True)
    base = learn_probabilities(g, u, f, t, method=bt.chosen)
    np.testing.assert_allclose(p, np.minimum(bt.factor * base, 1.0))
    assert np.array_equal(learn_probabilities(g, u, f, t, method="auto"), p)


def test_backtest_fold_matches_validate_propagation(log):
    """The latest fold of the back-test is validate_propagation on the same split."""
    g, u, f, t = log
    for exposers in ("before_cut", "earlier"):
        _, bt = learn_probabilities(
            g, u, f, t, method="auto", exposers=exposers, return_report=True
        )
        res = validate_propagation(
            g, u, f, t, cut=bt.cuts[0], exposers=exposers,
            estimators=["bernoulli", "jaccard", "em", "bayes"],
        )  # fmt: skip
        plain = {n: r for n, r in bt.table.items() if not n.endswith(DELAYED)}
        assert set(bt.table) == set(plain) | {n + DELAYED for n in plain}
        for name, row in plain.items():
            assert row["ratio"] == pytest.approx(res.table[name]["ratio"])
            assert row["brier"] == pytest.approx(res.table[name]["brier"])
            assert row["auc"] == pytest.approx(res.table[name]["auc"])
        assert bt.observed == res.table["bayes"]["observed"]
        # the chosen row's factors are the record's
        row = bt.chosen + DELAYED if bt.timed else bt.chosen
        assert bt.table[row]["factor"] == bt.factors[0]
        # the latest fold's factor makes its forecast match what was observed
        name = bt.chosen
        f0 = bt.table[name]["factor"]
        scaled = validate_propagation(
            g, u, f, t, cut=bt.cuts[0], exposers=exposers,
            estimators=[("scaled", np.minimum(f0 * res.probabilities[name], 1.0))],
        )  # fmt: skip
        assert scaled.table["scaled"]["ratio"] == pytest.approx(1.0, rel=1e-6)


def test_folds_are_rolling_and_most_recent_first(log):
    g, u, f, t = log
    _, bt = learn_probabilities(g, u, f, t, method="auto", n_folds=3, holdout=0.1,
                                return_report=True)  # fmt: skip
    assert len(bt.cuts) == len(bt.factors) == 3
    assert list(bt.cuts) == sorted(bt.cuts, reverse=True)
    share_after = [float(np.mean(t >= c)) for c in bt.cuts]
    np.testing.assert_allclose(share_after, [0.1, 0.2, 0.3], atol=0.01)
    # the factor pools the folds' factors carried to the latest activity (geometric mean)
    assert len(bt.activity) == 3
    carried = np.array(bt.factors) * np.array(bt.activity)
    assert bt.factor == pytest.approx(float(np.exp(np.mean(np.log(carried)))))


def test_activity_ratios_compare_action_rates():
    from filmreco.social._backtest import activity_ratios

    # 100 actions 0.1 apart, then 100 actions 0.05 apart: the latest half acts twice as fast
    t = np.r_[np.arange(100) * 0.1, 10.0 + np.arange(100) * 0.05]
    (ratio,) = activity_ratios(t[::-1], [10.0], 0.5)
    assert ratio == pytest.approx((100 / 4.95) / (100 / 10.0))
    # one time for every action: no rate, no correction
    assert activity_ratios(np.zeros(30), [0.0], 0.3) == [1.0]
    assert activity_ratios(t, [], 0.1) == []


def test_horizon_folds_forecast_windows_as_long_as_the_horizon():
    from filmreco.social._backtest import horizon_folds

    t = np.arange(1000, dtype=np.float64)  # one action per time unit
    folds = horizon_folds(t[::-1], 300.0, 0.1, 3)
    # rolling origins one tenth of the actions apart, every window 300 time units long
    np.testing.assert_allclose([c for c, _, _ in folds], [699.0, 600.0, 500.0])
    np.testing.assert_allclose([e for _, e, _ in folds], [math.inf, 900.0, 800.0])
    np.testing.assert_allclose([s for _, _, s in folds], [0.699, 0.6, 0.5])
    # a fold must keep a holdout share to learn from: the older origins run out
    assert len(horizon_folds(t, 750.0, 0.1, 3)) == 2
    # a horizon longer than the log: the longest window it allows, one fold
    assert horizon_folds(t, 5000.0, 0.1, 3) == [(100.0, math.inf, 0.1)]


def test_activity_ratios_with_explicit_fold_origins():
    from filmreco.social._backtest import activity_ratios

    # 100 actions 0.1 apart, then 100 actions 0.05 apart: the latest tenth acts twice as
    # fast as the tenth before an origin at the 40% quantile (4.0)
    t = np.r_[np.arange(100) * 0.1, 10.0 + np.arange(100) * 0.05]
    (ratio,) = activity_ratios(t, [4.0], 0.1, [0.2])
    assert ratio == pytest.approx((20 / (14.95 - 14.0)) / (20 / 2.0))


def test_horizon_matched_backtest_forecasts_the_horizon(log):
    """With ``horizon``, the most recent fold forecasts the last `horizon` time units
    (the old rule's fold forecasts the last `holdout` share of actions whatever the
    horizon)."""
    g, u, f, t = log
    b = t < float(np.quantile(t, 0.7))
    horizon = 0.3 * float(t[b].max() - t[b].min())
    p, bt = learn_probabilities(g, u[b], f[b], t[b], method="auto", return_report=True,
                                horizon=horizon)  # fmt: skip
    assert bt.horizon == horizon
    assert bt.cuts[0] == pytest.approx(float(t[b].max()) - horizon, abs=1.0)
    assert bt.share == pytest.approx(float(np.mean(t[b] >= bt.cuts[0])), abs=1e-3)
    assert len(bt.cuts) >= 2 and all(x > y for x, y in zip(bt.cuts, bt.cuts[1:]))
    assert bt.to_dict()["horizon"] == horizon
    assert f"windows of {horizon:g} time units" in bt.summary()
    # learned on the whole log, scaled by the horizon-matched folds' factor
    chosen = learn_probabilities(g, u[b], f[b], t[b], method=bt.chosen)
    np.testing.assert_allclose(p, np.minimum(bt.factor * chosen, 1.0))
    _, old = learn_probabilities(g, u[b], f[b], t[b], method="auto", return_report=True)
    assert old.horizon is None and math.isnan(old.share)
    assert old.cuts[0] > bt.cuts[0] + 0.1 * horizon


# -- no hindsight ------------------------------------------------------------------------
@pytest.mark.parametrize("match_horizon", [False, True])
@pytest.mark.parametrize("exposers", ["before_cut", "earlier"])
def test_actions_after_the_cut_do_not_change_the_auto_choice(log, exposers, match_horizon):
    g, u, f, t = log
    cut = float(np.quantile(t, 0.8))
    before = t < cut
    rng = np.random.default_rng(5)
    # a different future: half the post-cut actions dropped, the rest moved in time
    after = ~before & (rng.random(t.size) < 0.5)
    after[np.argmax(t)] = True  # the same end: the horizon of the forecast is known
    keep = before | after
    t2 = t.copy()
    t2[after] = cut + rng.permutation(t[after] - cut)
    runs = [
        validate_propagation(g, u, f, t, cut=cut, exposers=exposers, estimators=["auto"],
                             match_horizon=match_horizon),
        validate_propagation(g, u[keep], f[keep], t2[keep], cut=cut, exposers=exposers,
                             estimators=["auto"], match_horizon=match_horizon),
    ]  # fmt: skip
    assert runs[0].backtest.to_dict() == runs[1].backtest.to_dict()
    assert np.array_equal(runs[0].probabilities["auto"], runs[1].probabilities["auto"])
    assert runs[0].observed.sum() != runs[1].observed.sum()  # the future did change


def test_auto_learns_only_from_the_log_it_is_given(log):
    g, u, f, t = log
    cut = float(np.quantile(t, 0.8))
    b = t < cut
    res = validate_propagation(g, u, f, t, cut=cut, exposers="earlier", estimators=["auto"],
                               match_horizon=True)  # fmt: skip
    # validate_propagation's forecast runs from the cut to the log's end: that horizon
    p, bt = learn_probabilities(g, u[b], f[b], t[b], method="auto", exposers="earlier",
                                return_report=True, horizon=t.max() - cut)  # fmt: skip
    np.testing.assert_allclose(res.probabilities["auto"], p, rtol=1e-12)
    assert res.backtest.chosen == bt.chosen and res.backtest.cuts == bt.cuts
    for name, row in bt.table.items():
        assert res.backtest.table[name] == pytest.approx(row, rel=1e-12, nan_ok=True)


# -- the pieces --------------------------------------------------------------------------
@settings(max_examples=40)
@given(
    st.lists(st.floats(0.0, 1.0, allow_subnormal=False), min_size=1, max_size=30),
    st.integers(0, 2**16),
    st.floats(0.05, 0.95),
)
def test_fit_factor_matches_the_observed_count(ps, seed, share):
    rng = np.random.default_rng(seed)
    p = np.array(ps)
    n_pairs = max(1, len(ps) // 2)
    arc = np.arange(p.size)
    inv = rng.integers(0, n_pairs, p.size)
    # an arc at or below _TINY counts as zero: no finite factor lifts it (fit_factor's doc;
    # the random profile found p = 2.2e-308, the smallest normal float)
    live = p > _TINY
    reachable = float(pair_probability(np.where(live, 1.0, 0.0), arc, inv, n_pairs).sum())
    observed = share * n_pairs
    f = fit_factor(p, arc, inv, n_pairs, observed)
    if not live.any():
        assert math.isnan(f)
    elif reachable > observed:
        total = pair_probability(p, arc, inv, n_pairs, f).sum()
        assert total == pytest.approx(observed, rel=1e-6)
    else:  # even p = 1 on every arc cannot reach it: every positive arc is lifted to 1
        assert np.all(np.minimum(f * p[live], 1.0) >= 1.0 - 1e-9)


def test_fit_factor_of_an_already_calibrated_forecast_is_one():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    arc, inv = np.arange(4), np.arange(4)
    assert fit_factor(p, arc, inv, 4, 1.0) == pytest.approx(1.0)
    assert math.isnan(fit_factor(p, arc, inv, 4, 0.0))


def test_fit_dispersion_recovers_the_negative_binomial():
    rng = np.random.default_rng(0)
    mu = rng.uniform(0.5, 8.0, 4000)
    for phi in (0.05, 0.5):
        r = 1.0 / phi
        y = rng.negative_binomial(r, r / (r + mu))
        assert fit_dispersion(mu, y) == pytest.approx(phi, rel=0.25)
    assert fit_dispersion(mu, rng.poisson(mu)) < 0.01
    assert fit_dispersion(np.array([1.0]), np.array([3])) == 0.0


def test_fit_dispersion_power_recovers_the_nb_p_model():
    from filmreco.social._backtest import fit_dispersion_power

    rng = np.random.default_rng(3)
    mu = rng.uniform(0.5, 60.0, 4000)
    for phi, power in [(0.3, 1.5), (0.1, 2.0), (1.0, 1.2)]:
        r = mu ** (2.0 - power) / phi
        y = rng.negative_binomial(r, r / (r + mu))
        got_phi, got_power = fit_dispersion_power(mu, y)
        assert got_power == pytest.approx(power, abs=0.15)
        # the variance it implies at mid-range counts is the true one
        m = 20.0
        assert got_phi * m**got_power == pytest.approx(phi * m**power, rel=0.25)
    assert fit_dispersion_power(np.array([1.0]), np.array([2])) == (0.0, 2.0)


def test_intervals_follow_the_power():
    mu = np.array([2.0, 10.0, 50.0])
    base = dict(table={}, chosen="bayes", factor=1.0, cuts=(1.0,), holdout=0.1,
                exposers="before_cut", observed=10, n_pairs=100, dispersion=0.3, drift=0.0)  # fmt: skip
    low, high = Backtest(**base, power=1.5).interval(mu, 0.9)
    r = mu**0.5 / 0.3
    np.testing.assert_array_equal(low, nbinom.ppf(0.05, r, r / (r + mu)))
    np.testing.assert_array_equal(high, nbinom.ppf(0.95, r, r / (r + mu)))
    # a lower power narrows the large counts' intervals relative to p = 2
    l2, h2 = Backtest(**base).interval(mu, 0.9)
    assert h2[-1] - l2[-1] > high[-1] - low[-1]


def _backtest(dispersion: float, drift: float) -> Backtest:
    return Backtest(table={}, chosen="bayes", factor=1.0, cuts=(1.0,), holdout=0.1,
                    exposers="before_cut", observed=10, n_pairs=100,
                    dispersion=dispersion, drift=drift)  # fmt: skip


def test_intervals_are_the_negative_binomial_quantiles():
    mu = np.array([0.0, 0.5, 5.0, 40.0])
    bt = _backtest(0.2, 0.3)
    phi = 0.2  # the drift is a diagnostic; the pooled dispersion holds its effect
    assert bt.spread == pytest.approx(phi)
    low, high = bt.interval(mu, 0.9)
    r = 1.0 / phi
    np.testing.assert_array_equal(low[1:], nbinom.ppf(0.05, r, r / (r + mu[1:])))
    np.testing.assert_array_equal(high[1:], nbinom.ppf(0.95, r, r / (r + mu[1:])))
    assert low[0] == high[0] == 0.0
    # no spread: the count's own (Poisson) noise
    low, high = _backtest(0.0, 0.0).interval(mu[1:], 0.8)
    np.testing.assert_array_equal(high, poisson.ppf(0.9, mu[1:]))
    # wider at a higher level, and with more spread
    l50, h50 = bt.interval(mu, 0.5)
    l95, h95 = bt.interval(mu, 0.95)
    assert np.all(l95 <= l50) and np.all(h95 >= h50)
    assert np.all(_backtest(1.0, 0.5).interval(mu, 0.9)[1] >= bt.interval(mu, 0.9)[1])


def test_intervals_cover_simulated_films(log):
    g, u, f, t = log
    cut = float(np.quantile(t, 0.9))
    res = validate_propagation(g, u, f, t, cut=cut, exposers="earlier", estimators=["auto"])
    cov = res.coverage(0.9, min_predicted=1.0)
    assert cov["n_films"] > 100
    assert 0.8 <= cov["coverage"] <= 1.0
    low, high = res.intervals(0.9)
    assert low.shape == high.shape == res.item_ids.shape
    assert np.all(low <= high)


def test_summary_and_record(log):
    g, u, f, t = log
    _, bt = learn_probabilities(g, u, f, t, method="auto", return_report=True)
    text = bt.summary()
    assert f"chosen: {bt.chosen}" in text
    assert all(name in text for name in ("bernoulli", "jaccard", "em", "bayes"))
    rec = bt.to_dict()
    assert rec["chosen"] == bt.chosen and rec["factor"] == pytest.approx(bt.factor)
    import json

    assert json.loads(json.dumps(rec)) == rec


# -- bad input ---------------------------------------------------------------------------
def test_bad_auto_arguments(log):
    g, u, f, t = log
    with pytest.raises(InputError, match="return_report=True"):
        learn_probabilities(g, u, f, t, method="bernoulli", return_report=True)
    with pytest.raises(InputError, match="holdout"):
        learn_probabilities(g, u, f, t, method="auto", holdout=0.4, n_folds=3)
    with pytest.raises(InputError, match="holdout"):
        learn_probabilities(g, u, f, t, method="auto", holdout=0.0)
    with pytest.raises(InputError, match="exposers"):
        learn_probabilities(g, u, f, t, method="auto", exposers="later")
    with pytest.raises(InputError, match="return_report"):
        learn_probabilities(g, u, f, t, method="auto", return_report="yes")
    with pytest.raises(InputError, match="holdout"):
        validate_propagation(g, u, f, t, cut=float(np.median(t)), holdout=0.5, n_folds=2)
    with pytest.raises(InputError, match="horizon"):
        learn_probabilities(g, u, f, t, method="bayes", horizon=10.0)
    for bad in (0.0, -1.0, math.inf):
        with pytest.raises(InputError, match="horizon"):
            learn_probabilities(g, u, f, t, method="auto", horizon=bad)
    with pytest.raises(InputError, match="match_horizon"):
        validate_propagation(g, u, f, t, cut=float(np.median(t)), match_horizon="yes")


def test_auto_without_any_propagation_says_so():
    g = SocialGraph.from_arrays(["a", "b"], ["b", "c"])
    users = ["a", "b", "c", "a", "c"]
    films = ["f1", "f2", "f3", "f4", "f5"]  # nobody follows anybody
    with pytest.raises(InputError, match="no propagation to back-test"):
        learn_probabilities(g, users, films, [0, 1, 2, 3, 4], method="auto")


@pytest.mark.parametrize(
    "log", [([], [], []), (["x", "y"], ["f1", "f1"], [0, 1])], ids=["empty", "no graph user"]
)
@pytest.mark.filterwarnings("ignore::filmreco.exceptions.DataWarning")
def test_auto_without_any_action_of_a_graph_user_says_so(log):
    # red-team s14 #1: a bare IndexError from the fold cuts
    g = SocialGraph.from_arrays(["a", "b"], ["b", "c"])
    with pytest.raises(InputError, match="no propagation to back-test on: the log holds no"):
        learn_probabilities(g, *log, method="auto")
    with pytest.raises(InputError, match="no propagation to back-test on"):
        IndependentCascade.from_logs(g, *log, method="auto")
    with pytest.raises(InputError, match="no propagation to back-test on"):
        learn_probabilities(g, *log, method="auto", horizon=1.0)


def test_intervals_need_auto(log):
    g, u, f, t = log
    res = validate_propagation(g, u, f, t, cut=float(np.median(t)), estimators=["bernoulli"])
    assert res.backtest is None
    with pytest.raises(InputError, match="'auto'"):
        res.coverage()
    with pytest.raises(InputError, match="expected"):
        _backtest(0.1, 0.1).interval([[1.0, 2.0]])
    with pytest.raises(InputError, match="level"):
        _backtest(0.1, 0.1).interval([1.0], level=1.5)


def test_exposures_is_shared_with_validation():
    from filmreco.social import validation

    assert validation._exposures is exposures


def test_an_estimator_that_does_not_converge_is_left_out(log):
    from filmreco.exceptions import ConvergenceError
    from filmreco.social._backtest import backtest
    from filmreco.social.learn import _estimate, action_matrix

    g, u, f, t = log
    X, _ = action_matrix(g, u, f, t)
    node = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    rows = node

    def learn(method, keep):
        if method == "em":
            raise ConvergenceError("EM did not converge (test)")
        import scipy.sparse as sp

        indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows[keep], minlength=X.shape[0]), out=indptr[1:])
        sub = sp.csr_array((X.data[keep], X.indices[keep], indptr), shape=X.shape)
        return _estimate(g, sub, method, "full", np.inf, 1000, 1e-6)

    bt = backtest(
        g, node, X.indices.astype(np.int64), X.data, X.shape[1],
        methods=("em", "bernoulli", "bayes"), learn=learn, exposers="before_cut",
        window=np.inf, holdout=0.1, n_folds=2,
    )  # fmt: skip
    assert bt.chosen in ("bernoulli", "bayes")
    assert all(math.isnan(v) for v in bt.table["em"].values())
    assert np.isfinite(bt.table["bayes"]["factor"])


def test_a_fixed_estimator_that_does_not_converge_leaves_an_undefined_row(log, monkeypatch):
    from filmreco.exceptions import ConvergenceError
    from filmreco.social import validation

    real = validation.learn_probabilities

    def flaky(*args, **kwargs):
        if kwargs.get("method") == "em":
            raise ConvergenceError("EM did not converge (test)")
        return real(*args, **kwargs)

    monkeypatch.setattr(validation, "learn_probabilities", flaky)
    g, u, f, t = log
    with pytest.warns(DataWarning, match="em is undefined"):
        res = validate_propagation(
            g, u, f, t, cut=float(np.quantile(t, 0.8)), estimators=["em", "bernoulli"]
        )
    assert math.isnan(res.table["em"]["ratio"]) and not math.isnan(res.table["bernoulli"]["ratio"])
    assert res.table["em"]["observed"] == res.table["bernoulli"]["observed"]
    assert any(n.startswith("em:") for n in res.notes)


# -- forecasts with delays ----------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("q", [0.6, 0.7])
@pytest.mark.parametrize("exposers", ["before_cut", "earlier"])
def test_delays_keep_long_forecasts_calibrated(seed, q, exposers):
    """A forecast over the last 30-40% of a log whose cascades take known time: the folds
    are a tenth long, so only timing the exposures carries their factor to the longer
    window (the uncalibrated Bayes estimate is off by up to 2x here)."""
    g, u, f, t = synthetic_log(seed)
    res = validate_propagation(
        g, u, f, t, cut=float(np.quantile(t, q)), exposers=exposers, estimators=["auto"]
    )
    assert res.backtest.timed and res.backtest.chosen_row.endswith(DELAYED)
    assert 0.8 <= res.table["auto"]["ratio"] <= 1.25


def test_delay_quantiles_match_a_direct_count():
    from filmreco.social._backtest import DELAY_LEVELS, delay_quantiles

    # a -> c, b -> c, c -> d; film 0: a at 0, b at 4, c at 10, d at 13 -> c's delays
    # 10 (from a) and 6 (from b), each half a credit; d's delay 3, a whole one
    g = SocialGraph.from_arrays([0, 1, 2], [2, 2, 3])
    u = g.node_ids.index(np.array([0, 1, 2, 3]))
    a = np.zeros(4, dtype=np.int64)
    t = np.array([0.0, 4.0, 10.0, 13.0])
    q = delay_quantiles(g, u, a, t, 1, math.inf)
    # weighted ECDF: 3 (weight 1/2 of the total), 6 (1/4), 10 (1/4)
    want = np.where(DELAY_LEVELS <= 0.5, 3.0, np.where(DELAY_LEVELS <= 0.75, 6.0, 10.0))
    np.testing.assert_array_equal(q, want)
    # a window drops the long delay; nobody exposed: None
    assert delay_quantiles(g, u, a, t, 1, 8.0).max() == 6.0
    assert delay_quantiles(g, u[:1], a[:1], t[:1], 1, math.inf) is None


def test_pair_probability_with_delays_is_the_window_chance():
    from filmreco.social._backtest import delay_cdf, window_cdf

    quantiles = np.linspace(0.0, 10.0, 201)  # delays uniform on [0, 10]
    np.testing.assert_allclose(delay_cdf(quantiles, np.array([-1.0, 0.0, 5.0, 10.0, 99.0])),
                               [0.0, 0.0, 0.5, 1.0, 1.0])  # fmt: skip
    p = np.array([0.5, 0.2])
    arc, inv = np.array([0, 1]), np.array([0, 0])
    # window [10, 15]: exposure at 8 (2 of its 10 delay units before the window) and at 12
    fa, fb = window_cdf(quantiles, np.array([8.0, 12.0]), 10.0, 15.0)
    q0 = 0.5 * (fb[0] - fa[0]) / (1 - 0.5 * fa[0])
    q1 = 0.2 * (fb[1] - fa[1])
    got = pair_probability(p, arc, inv, 1, timing=(fa, fb))
    np.testing.assert_allclose(got, [1 - (1 - q0) * (1 - q1)])
    np.testing.assert_allclose([fa[0], fb[0], fa[1], fb[1]], [0.2, 0.7, 0.0, 0.3])
    # a window that holds every delay from the start is the undelayed step
    whole = (np.zeros(2), np.ones(2))
    np.testing.assert_allclose(pair_probability(p, arc, inv, 1, 2.0, whole),
                               pair_probability(p, arc, inv, 1, 2.0))  # fmt: skip
    # a factor fitted with delays matches the observed count with delays
    f = fit_factor(p, arc, inv, 1, 0.3, (fa, fb))
    assert float(pair_probability(p, arc, inv, 1, f, (fa, fb))[0]) == pytest.approx(0.3)


# -- the dispersion of the forecast intervals: transferred forecasts ----------------------
def _toy_fold(n_films: int, pairs: int, counts: np.ndarray):
    """A fold of `n_films` films, each with `pairs` exposed pairs of one exposure each (arc
    = pair), the first ``counts[f]`` pairs of film ``f`` adopting."""
    films = np.repeat(np.arange(n_films), pairs)
    y = np.arange(films.size) - np.repeat(np.arange(n_films) * pairs, pairs) < np.repeat(
        counts, pairs
    )
    idx = np.arange(films.size)
    return films, idx, idx, y, None, None


def test_dispersion_forecasts_each_fold_with_its_older_folds(monkeypatch):
    """Fold k is forecast with the geometric mean of the carried factors of the folds older
    than it (newest first), carried back to its own pace; the oldest fold is left out."""
    from filmreco.social import _backtest as B

    rng = np.random.default_rng(0)
    folds = [_toy_fold(30, 50, rng.integers(0, 6, 30)) for _ in range(4)]
    ps = [np.full(30 * 50, 0.002 * (k + 1)) for k in range(4)]
    factors = [8.0, 4.0, math.nan, 1.0]  # a fold without a factor is skipped
    pace = [1.0, 1.5, 2.0, 2.5]
    seen = {}

    def capture(mu, y):
        seen["mu"], seen["y"] = mu, y
        return 0.25, 1.5

    monkeypatch.setattr(B, "fit_dispersion_power", capture)
    phi, power, n = B._transfer_dispersion(ps, factors, pace, folds, False, 3.0)
    assert (phi, power, n) == (0.25, 1.5, 3)
    older = [math.sqrt(6.0 * 2.5), 2.5, 2.5]  # fold 0: folds 1 and 3; folds 1, 2: fold 3
    want_mu, want_y = [], []
    for k in range(3):
        prob = pair_probability(ps[k], folds[k][1], folds[k][2], 1500, older[k] / pace[k])
        want_mu.append(np.bincount(folds[k][0], weights=prob))
        want_y.append(np.bincount(folds[k][0], weights=folds[k][3].astype(float)))
    np.testing.assert_allclose(seen["mu"], np.concatenate(want_mu))
    np.testing.assert_array_equal(seen["y"], np.concatenate(want_y))
    # a single fold has nothing older: its spread around the pooled factor
    B._transfer_dispersion(ps[:1], factors[:1], pace[:1], folds[:1], False, 3.0)
    prob = pair_probability(ps[0], folds[0][1], folds[0][2], 1500, 3.0)
    np.testing.assert_allclose(seen["mu"], np.bincount(folds[0][0], weights=prob))


def test_dispersion_is_fitted_on_the_scatter_of_transferred_forecasts():
    """Counts drawn around the transferred forecasts give a small dispersion; the newest
    fold's counts around a factor off by 2x (the folds' factors drift 8x from oldest to
    newest, so a pooled factor is) a large one."""
    from filmreco.social._backtest import _transfer_dispersion

    rng = np.random.default_rng(1)
    n_films, pairs, p = 400, 100, 0.004
    factors = [16.0, 8.0, 4.0, 2.0]  # newest first: adoption rose over time
    ps, folds = [], []
    for k in range(4):
        older = factors[k + 1 :]
        g = math.exp(float(np.mean(np.log(older)))) if older else 1.0
        counts = rng.poisson(pairs * g * p, n_films)  # drawn around the transferred mean
        folds.append(_toy_fold(n_films, pairs, counts))
        ps.append(np.full(n_films * pairs, p))
    phi, _, n = _transfer_dispersion(ps, factors, [1.0] * 4, folds, False, 5.66)
    assert n == 3 and phi < 0.02
    # the same counts around one pooled factor scatter by the drift
    pooled, _, _ = _transfer_dispersion(ps[:1], factors[:1], [1.0], folds[:1], False, 2.0)
    assert pooled > 0.05


def test_backtest_records_its_dispersion_folds(log):
    g, u, f, t = log
    _, bt3 = learn_probabilities(g, u, f, t, method="auto", return_report=True)
    _, bt5 = learn_probabilities(g, u, f, t, method="auto", n_folds=5, return_report=True)
    assert len(bt3.factors) == 3 and len(bt5.factors) == 5
    # up to 5 folds feed the dispersion whatever n_folds is; the oldest has nothing older
    assert bt3.dispersion_folds == bt5.dispersion_folds == 4
    assert bt3.to_dict()["dispersion_folds"] == 4
    # the choice and factor come from the newest n_folds only
    carried = np.array(bt3.factors) * np.array(bt3.activity)
    assert bt3.factor == pytest.approx(float(np.exp(np.mean(np.log(carried)))))
    # this log picks the same row either way: the same 5 folds, the same dispersion
    assert bt3.chosen_row == bt5.chosen_row
    assert bt3.dispersion == pytest.approx(bt5.dispersion)
    assert bt3.power == bt5.power
