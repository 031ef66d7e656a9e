"""Diagnosis (issue 16 items 1-2): calibration factors that follow the folds' drift.

``learn_probabilities(..., method="auto")`` calibrates its chosen row with the geometric
mean of the back-test folds' factors (each carried to today's activity when undelayed),
equal weights. The folds' factors drift with their date (CiaoDVD 70% cut, Goyal-style
exposures: 3.54, 2.46, 1.57 from oldest to newest, pooled 2.39, forecast 1.92 times the
adopters seen), so the pooled factor lags. This script scores past-only factor rules that
weight the recent folds more or extrapolate the drift, with auto's pick of row unchanged,
offline: the ``rows`` step caches, per setting, the chosen row's per-fold exposures and
probabilities (5 folds, of which auto uses the newest 3) and its test exposures;
``score`` rates every rule (ratio predicted / observed; coverage of 90% intervals whose
NB-P dispersion is fitted on the folds forecast with the rule's own factor). Nothing after
the cut enters a factor or a dispersion. The rules, the scoring and the decision rule were
fixed before any was scored (``/work/wt/notes/h-trend.md`` in session 10; restated in
``benchmarks/README_social_real.md``).

Usage (from the repository root, ``PYTHONPATH=src``; ``FILMRECO_DATA`` the folder holding
``social_rec/`` and ``graphs/`` when it is not ``../shared/data``)::

    python benchmarks/diag_auto_trend.py rows ciao 0.55,0.6,...,0.95 CACHE
    python benchmarks/diag_auto_trend.py rows sim NetHEPT,wiki-Vote 0,1 CACHE
    python benchmarks/diag_auto_trend.py score 'ciao_*' CACHE [v]
    python benchmarks/diag_auto_trend.py table 'ciao_*' CACHE

Rules (``F_k``: fold ``k``'s factor carried to today's activity, ``k = 0`` the newest; fold
``k``'s window is ``[-(k + 1), -k]`` in units of one fold's share of the actions, midpoint
``x_k = -(k + 0.5)``; the target is the next such window after the cut, ``x* = 0.5``):

- ``pool``: ``exp(mean log F_k)``, auto as it is;
- ``latest``: ``F_0``;
- ``ewma``: geometric mean with weights ``2^-k`` (half-life one fold);
- ``trend_se``: least-squares line of ``log F_k`` on ``x_k`` extrapolated to ``x*``, its
  slope ``b`` shrunk by ``b^2 / (b^2 + se_b^2)`` (``se_b`` from the line's residuals);
- ``trend_clip``: the line unshrunk, its value clipped to the folds' range widened by one
  root-mean-square fold-to-fold step (``Backtest.drift``) each way;
- ``trend_se5``, ``trend_clip5``: the same on 5 folds;
- ``trend_se_h`` (exploratory): ``trend_se`` with the target at the forecast window's
  midpoint in fold units (the test window's length over fold 0's).

- ``xfer3``, ``xfer5`` (item 2; written down after the rules above were scored): the pooled
  factor (auto's forecast), with the NB-P dispersion fitted on the folds that have older
  ones, each forecast with the pooled factor of its older folds (among auto's 3, or 5): the
  scatter then holds the factor's transfer error, not its in-sample spread.

The trend rules need 3 finite factors and fall back to ``pool`` otherwise. ``score`` with
``v`` prints every setting's factors and ratios; the ``in-sample`` column is the trend
rules' coverage with the dispersion fitted around the line's in-sample value per fold
(exploratory). ``table`` prints the per-setting table of ``README_social_real.md`` with, as
a diagnosis only, the factor the test needed (fitted on the test's own adopters).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import numpy as np

from filmreco.social._backtest import (
    Backtest,
    _build_folds,
    _fold_cuts,
    activity_ratios,
    backtest,
    fit_dispersion_power,
    fit_factor,
    pair_probability,
    window_cdf,
)
from filmreco.social.learn import (
    FIXED_METHODS,
)

HERE = Path(__file__).resolve().parent
#: ``social_rec/`` (CiaoDVD) and ``graphs/`` live here (override: ``FILMRECO_DATA``).
DATA = Path(os.environ.get("FILMRECO_DATA", HERE.parent.parent / "shared" / "data"))
HOLDOUT = 0.1


def rows_for(graph, users, items, times, cut_f, exposers, n_folds=5):
    """The chosen row's per-fold and test exposures of one setting (see module docstring)."""
    sys.path.insert(0, str(HERE))
    from diag_auto_combination import prepare

    d = prepare(graph, users, items, times, cut_f, exposers)
    w, y, arc, inv, tv, col, observed, test_films, hi, X, bn, ba, bt_, learn = (
        d.w, d.y, d.arc, d.inv, d.tv, d.col, d.observed, d.test_films, d.hi, d.X, d.bn, d.ba,
        d.bt, d.learn,
    )  # fmt: skip

    bt = backtest(
        graph, bn, ba, bt_, X.shape[1], methods=FIXED_METHODS, learn=learn,
        exposers=exposers, window=w, holdout=HOLDOUT, n_folds=3,
    )  # fmt: skip
    timed = bt.timed
    cuts = _fold_cuts(bt_, HOLDOUT, n_folds)
    ends = [cuts[k - 1] if k else math.inf for k in range(len(cuts))]
    folds = _build_folds(graph, bn, ba, bt_, X.shape[1], cuts, ends, exposers, w)
    cuts = cuts[: len(folds)]
    act = [1.0] * len(cuts) if timed else activity_ratios(bt_, cuts, HOLDOUT)
    fold_data, fs = [], []
    for fold in folds:
        films_k, arc_k, inv_k, y_k, train_k, tm_k = fold
        p_k = learn(bt.chosen, train_k)
        tm_k = tm_k if timed else None
        fs.append(fit_factor(p_k, arc_k, inv_k, y_k.size, float(y_k.sum()), tm_k))
        _, c = np.unique(films_k, return_inverse=True)
        fold_data.append(dict(pa=p_k[arc_k], inv=inv_k, y=y_k, col=c, timing=tm_k))
    # the newest 3 folds are auto's own: same factors and activity
    n3 = len(bt.factors)
    assert np.allclose(fs[:n3], bt.factors, equal_nan=True), (fs, bt.factors)
    assert np.allclose(act[:n3], bt.activity), (act, bt.activity)
    p_full = learn(bt.chosen, np.ones(bt_.size, dtype=bool))
    timing = window_cdf(np.asarray(bt.delays), tv, cut_f, hi) if timed else None
    test = dict(pa=p_full[arc], inv=inv, col=col, timing=timing, n_films=test_films.size)
    mu = _forecast(test, bt.factor)
    return dict(
        key=None, cut=cut_f, exposers=exposers, chosen=bt.chosen_row, n3=n3, factors=fs,
        activity=act, cuts=cuts, fold0_length=float(bt_.max()) - cuts[0],
        horizon=hi - cut_f, folds=fold_data, test=test, observed=observed,
        n_obs=float(y.sum()), auto_factor=bt.factor, auto_ratio=float(mu.sum() / y.sum()),
        auto_dispersion=(bt.dispersion, bt.power),
    )  # fmt: skip


def _forecast(d, factor, scale=1.0):
    """Per-film expected adopters of cached exposures ``d`` at ``factor / scale``."""
    n = d["inv"].max() + 1 if d["inv"].size else 0
    prob = pair_probability(d["pa"], np.arange(d["pa"].size), d["inv"], n, factor / scale,
                            d["timing"])  # fmt: skip
    return np.bincount(d["col"], weights=prob, minlength=d.get("n_films", 0))


def _line(logs, xs):
    """Least-squares line of `logs` on `xs`: ``(mean_x, mean_l, slope, se_slope)``."""
    x, lv = np.asarray(xs), np.asarray(logs)
    mx, ml = float(x.mean()), float(lv.mean())
    sxx = float(((x - mx) ** 2).sum())
    b = float(((x - mx) * (lv - ml)).sum() / sxx)
    resid = lv - ml - b * (x - mx)
    s2 = float((resid**2).sum() / (x.size - 2))
    return mx, ml, b, math.sqrt(s2 / sxx)


def rule_factor(rule, out):
    """``(factor, n_folds used, per-fold in-sample factors or None)`` of a rule."""
    five = rule.endswith("5")
    n = len(out["factors"]) if five else out["n3"]
    F = [f * r for f, r in zip(out["factors"][:n], out["activity"][:n])]
    ok = [k for k, f in enumerate(F) if math.isfinite(f) and f > 0]
    lf = {k: math.log(F[k]) for k in ok}
    pool = math.exp(float(np.mean(list(lf.values()))))
    base = rule.rstrip("5")
    if base == "pool":
        return pool, n, None
    if base == "latest":
        return (F[0] if 0 in lf else pool), n, None
    if base == "ewma":
        wk = np.array([2.0**-k for k in ok])
        return math.exp(float(np.dot(wk, [lf[k] for k in ok]) / wk.sum())), n, None
    if len(ok) < 3:
        return pool, n, None
    xs = [-(k + 0.5) for k in ok]
    mx, ml, b, se = _line([lf[k] for k in ok], xs)
    target = 0.5
    if base == "trend_se_h":
        target = out["horizon"] / (2.0 * out["fold0_length"])
    if base in ("trend_se", "trend_se_h"):
        bs = b * b * b / (b * b + se * se) if b != 0 else 0.0
    elif base == "trend_clip":
        bs = b
    else:
        raise ValueError(rule)
    fit = {k: math.exp(ml + bs * (x - mx)) for k, x in zip(ok, xs)}
    val = ml + bs * (target - mx)
    if base == "trend_clip":
        ls = [lf[k] for k in ok]
        drift = math.sqrt(float(np.mean(np.diff(ls) ** 2)))
        val = min(max(val, min(ls) - drift), max(ls) + drift)
    return math.exp(val), n, fit


RULES = ["pool", "latest", "ewma", "trend_se", "trend_clip", "trend_se5", "trend_clip5",
         "trend_se_h", "xfer3", "xfer5"]  # fmt: skip


def _coverage(mu, obs, phi, power):
    bt = Backtest(table={}, chosen="", factor=1.0, cuts=(), holdout=HOLDOUT, exposers="",
                  observed=0, n_pairs=0, dispersion=phi, drift=0.0, power=power)  # fmt: skip
    low, high = bt.interval(mu)
    sel = mu >= 5
    if not sel.any():
        return math.nan
    return float(np.mean((obs[sel] >= low[sel]) & (obs[sel] <= high[sel])))


def _transfer_dispersion(out, n):
    """NB-P ``(phi, power)`` of the folds forecast with the pooled factor of their older folds
    (among the newest `n`), each carried back to its pace: the factor's own transfer error."""
    F = [f * r for f, r in zip(out["factors"][:n], out["activity"][:n])]
    mus, ys = [], []
    for k in range(n - 1):
        older = [math.log(f) for f in F[k + 1 :] if math.isfinite(f) and f > 0]
        if not older:
            continue
        d = out["folds"][k]
        mus.append(_forecast(d, math.exp(float(np.mean(older))), out["activity"][k]))
        ys.append(np.bincount(d["col"], weights=d["y"].astype(float)))
    if not mus:
        return 0.0, 2.0
    return fit_dispersion_power(np.concatenate(mus), np.concatenate(ys))


def evaluate(out, rule):
    """``(ratio, coverage, in-sample coverage or NaN, factor)`` of a rule on one setting."""
    if rule.startswith("xfer"):  # the pooled factor, a transfer-fitted dispersion
        factor = rule_factor("pool", out)[0]
        mu = _forecast(out["test"], factor)
        n = len(out["factors"]) if rule == "xfer5" else out["n3"]
        cov = _coverage(mu, out["observed"], *_transfer_dispersion(out, n))
        return float(mu.sum() / out["n_obs"]), cov, math.nan, factor
    factor, n, fit = rule_factor(rule, out)
    mu = _forecast(out["test"], factor)
    folds, act = out["folds"][:n], out["activity"][:n]
    fm = np.concatenate([_forecast(d, factor, r) for d, r in zip(folds, act)])
    fy = np.concatenate([np.bincount(d["col"], weights=d["y"].astype(float)) for d in folds])
    cov = _coverage(mu, out["observed"], *fit_dispersion_power(fm, fy))
    cov_in = math.nan
    if fit is not None:
        fm_in = np.concatenate([_forecast(folds[k], fit.get(k, factor), act[k]) for k in range(n)])
        cov_in = _coverage(mu, out["observed"], *fit_dispersion_power(fm_in, fy))
    return float(mu.sum() / out["n_obs"]), cov, cov_in, factor


def score(pattern, cache, verbose):
    sys.path.insert(0, str(HERE))
    from diag_auto_combination import Tally, cached

    tally, in_sample = Tally(RULES), Tally(RULES)
    for name, out in cached(pattern, cache):
        cells = []
        for rule in RULES:
            r, c, ci, fac = evaluate(out, rule)
            tally.add(rule, r, c)
            in_sample.add(rule, r, c if math.isnan(ci) else ci)
            cells.append(f"{rule}={fac:.2f}:{r:.2f}/{c:.2f}")
        if verbose:
            F = [f"{x * q:.2f}" for x, q in zip(out["factors"], out["activity"])]
            print(name, out["chosen"], "F=" + ",".join(F), " ".join(cells))
    print(f"{pattern}: {len(tally.ratios[RULES[0]])} settings")
    for rule in RULES:
        print(f"  {rule:12s} {tally.line(rule)}  (in-sample {in_sample.in_range(rule)[1]})")


def needed_factor(out):
    """The factor that would have forecast the test's adopters exactly (uses the test:
    a diagnosis of where the rules had to go, never an input to one)."""
    d = out["test"]
    n = int(d["inv"].max()) + 1
    return fit_factor(d["pa"], np.arange(d["pa"].size), d["inv"], n, out["n_obs"], d["timing"])


TABLE_RULES = ["pool", "latest", "ewma", "trend_se", "trend_clip", "trend_se5"]


def table(pattern, cache):
    """Per setting, a markdown row: carried factors, the needed factor, each rule's ratio."""
    print(
        "| setting | row | F_0, F_1, F_2 (newest first) | needed (test) | "
        + " | ".join(f"`{r}`" for r in TABLE_RULES)
        + " |"
    )
    print("|---|---|---|---|" + "---|" * len(TABLE_RULES))
    sys.path.insert(0, str(HERE))
    from diag_auto_combination import cached

    default = dict.fromkeys(TABLE_RULES, 0)
    for name, out in cached(pattern, cache):
        F = [x * q for x, q in zip(out["factors"][:3], out["activity"][:3])]
        cells = []
        for rule in TABLE_RULES:
            r = evaluate(out, rule)[0]
            ok = 0.8 <= round(r, 2) <= 1.25
            cells.append(f"**{r:.2f}**" if ok else f"{r:.2f}")
            default[rule] += ok and any(f"_{q}_" in name for q in ("0.70", "0.80", "0.90"))
        print(
            f"| {name} | {out['chosen']} | {', '.join(f'{x:.2f}' for x in F)} | "
            f"{needed_factor(out):.2f} | " + " | ".join(cells) + " |"
        )
    print("in range at the 70/80/90% cuts:", default)


def main():
    step, bed = sys.argv[1], sys.argv[2]
    if step == "score":
        score(bed, Path(sys.argv[3]), len(sys.argv) > 4)
        return
    if step == "table":
        table(bed, Path(sys.argv[3]))
        return
    # the settings and the cache as diag_auto_combination.py's rows step, with this rows_for
    sys.path.insert(0, str(HERE))
    from diag_auto_combination import rows_step

    rows_step(bed, sys.argv[3:], rows_for, lambda out: f"auto ratio {out['auto_ratio']:.4f}")


if __name__ == "__main__":
    main()
