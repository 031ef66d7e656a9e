"""Diagnosis (issue 16 items 1-2): forecast combination instead of ``method="auto"``'s pick.

``learn_probabilities(..., method="auto")`` back-tests every estimator in two variants (one
IC step, ``+delays``) and picks one row by its transfer Brier score. This script asks whether
*combining* the calibrated forecasts of all rows (Bates & Granger, *Oper. Res. Q.* 20, 1969)
would forecast better than the pick. For each setting it caches, per back-test row, the row's
calibrated test forecast per film (the row's pooled factor applied to the probabilities
learned on the whole pre-cut log, exactly as ``auto`` does for the row it picks) and the
back-test's per-fold per-film forecasts and counts (for the combination's NB-P dispersion);
``score`` then rates combinations offline. Nothing after the cut enters a weight or the
dispersion. The row ``auto`` picks reproduces ``validate_propagation``'s ``auto`` ratio (the
``rows`` step checks and prints it).

Usage (from the repository root, ``PYTHONPATH=src``; ``FILMRECO_DATA`` the folder holding
``social_rec/`` and ``graphs/`` when it is not ``../shared/data``)::

    python benchmarks/diag_auto_combination.py rows ciao 0.55,0.6,...,0.95 CACHE
    python benchmarks/diag_auto_combination.py rows sim NetHEPT,wiki-Vote 0,1 CACHE
    python benchmarks/diag_auto_combination.py score 'ciao_*' CACHE [v]
    python benchmarks/diag_auto_combination.py select 'ciao_*' CACHE [v]

Schemes: ``pick`` (auto as it is), ``eq`` (equal weights over the rows with a finite
factor), ``invB`` (weights 1 / transfer Brier), ``invLL`` (1 / transfer log loss), ``invMSE``
(1 / (mean squared log transfer ratio + 0.05^2), Bates-Granger's inverse error variance of the
total), ``geo`` (equal weights in log space, per film), ``eq_delays`` (equal weights over the
``+delays`` rows); and two chosen after the CiaoDVD figures (post hoc): ``fam`` (the winning
variant's four estimators, equally) and ``top2`` (the two best back-test scores, equally).
Results: ``benchmarks/README_social_real.md`` and ``README_social.md`` section 3c.

``select`` (session 9, h-select) keeps a single row but chooses the *variant* (one-step or
``+delays``) by a past-only rule fixed before scoring, then the variant's best row by transfer
Brier score: ``stable`` (smaller standard deviation of the log per-fold factors), ``near1``
(pooled factor closer to 1), ``latest`` (latest fold's transfer ratio, fold 1's factor on
fold 0, closer to 1); ``pick`` is auto as it is.
"""

from __future__ import annotations

import math
import os
import pickle
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from filmreco.exceptions import ConvergenceError, DataWarning
from filmreco.social import validate_propagation
from filmreco.social._backtest import (
    DELAYED,
    Backtest,
    _build_folds,
    _evaluate,
    _fold_cuts,
    activity_ratios,
    delay_quantiles,
    exposures,
    fit_dispersion_power,
    pair_probability,
    window_cdf,
)
from filmreco.social.learn import (
    FIXED_METHODS,
    _estimate,
    _first_adoptions,
    _subset,
    action_matrix,
)

HERE = Path(__file__).resolve().parent
#: ``social_rec/`` (CiaoDVD) and ``graphs/`` live here (override: ``FILMRECO_DATA``).
DATA = Path(os.environ.get("FILMRECO_DATA", HERE.parent.parent / "shared" / "data"))


def prepare(graph, users, items, times, cut_f, exposers):
    """One setting's test exposures and pre-cut log (shared with ``diag_auto_trend.py``).

    The fields: ``w`` (the window, none), ``y`` / ``arc`` / ``inv`` / ``tv`` (the test's exposed
    pairs), ``col`` / ``observed`` / ``test_films`` (their films and adopters per film),
    ``hi`` (the log's end), ``X`` (the pre-cut action matrix), ``bn`` / ``ba`` / ``bt``
    (its actions) and ``learn(method, mask)`` (an estimator on a subset of those actions).
    """
    w = math.inf
    node = graph.node_ids.index(np.asarray(users), on_unknown="mask", name="users")
    keep = node >= 0
    node, it, t = node[keep], np.asarray(items)[keep], np.asarray(times, dtype=float)[keep]
    _, a = np.unique(it, return_inverse=True)
    node, a, t = _first_adoptions(node, a, t)
    train = t < cut_f
    n_films = int(a.max()) + 1
    films, _, y, arc, inv, tv = exposures(graph, node, a, t, n_films, cut_f, exposers, w)
    test_films = np.unique(a[~train])
    col = np.searchsorted(test_films, films)
    observed = np.bincount(col, weights=y, minlength=test_films.size)
    X, _ = action_matrix(graph, graph.node_ids.to_ids(node[train]), a[train], t[train])

    def learn(method, mask):
        return _estimate(graph, _subset(X, mask), method, "full", w, 1000, 1e-6)

    return SimpleNamespace(
        w=w, y=y, arc=arc, inv=inv, tv=tv, col=col, observed=observed, test_films=test_films,
        hi=float(t.max()), X=X, bn=np.repeat(np.arange(X.shape[0]), np.diff(X.indptr)),
        ba=X.indices.astype(np.int64), bt=np.asarray(X.data, dtype=np.float64), learn=learn,
    )  # fmt: skip


def rows_for(graph, users, items, times, cut_f, exposers, holdout=0.1, n_folds=3):
    """Per back-test row: calibrated test forecast per film and the folds' forecasts."""
    d = prepare(graph, users, items, times, cut_f, exposers)
    w, y, arc, inv, tv, col, observed, test_films, hi, X, bn, ba, bt_, learn = (
        d.w, d.y, d.arc, d.inv, d.tv, d.col, d.observed, d.test_films, d.hi, d.X, d.bn, d.ba,
        d.bt, d.learn,
    )  # fmt: skip

    cuts = _fold_cuts(bt_, holdout, n_folds)
    ends = [cuts[k - 1] if k else math.inf for k in range(len(cuts))]
    folds = _build_folds(graph, bn, ba, bt_, X.shape[1], cuts, ends, exposers, w)
    cuts = cuts[: len(folds)]
    act = activity_ratios(bt_, cuts, holdout)
    dq = delay_quantiles(graph, bn, ba, bt_, X.shape[1], w)
    test_timing = None if dq is None else window_cdf(np.asarray(dq), tv, cut_f, hi)
    rows = {}
    for method in FIXED_METHODS:
        try:
            ps = [learn(method, f[4]) for f in folds]
            p_full = learn(method, np.ones(bt_.size, dtype=bool))
        except ConvergenceError:
            continue
        for timed in (False, True):
            if timed and folds[0][5] is None:
                continue
            name = f"{method}{DELAYED}" if timed else method
            row, fs, score = _evaluate(ps, folds, timed)
            tms = [f[5] if timed else None for f in folds]
            t_lr, t_ll = [], []  # fold k's own factor on fold k - 1
            for k in range(1, len(folds)):
                _, arc_k, inv_k, y_k, *_ = folds[k - 1]
                if not math.isnan(fs[k]):
                    pk = pair_probability(ps[k - 1], arc_k, inv_k, y_k.size, fs[k], tms[k - 1])
                    t_lr.append(math.log(pk.sum() / y_k.sum()))
                    pc = np.clip(pk, 1e-12, 1 - 1e-12)
                    t_ll.append(float(-np.mean(y_k * np.log(pc) + (1 - y_k) * np.log1p(-pc))))
            r = [1.0] * len(cuts) if timed else act
            logs = [math.log(f * q) for f, q in zip(fs, r) if math.isfinite(f) and f > 0]
            factor = math.exp(float(np.mean(logs))) if logs else math.nan
            fold_mu, fold_y, test_mu = [], [], None
            if math.isfinite(factor):
                for p_k, r_k, fold in zip(ps, r, folds):
                    films_k, arc_k, inv_k, y_k, _, tm_k = fold
                    prob = pair_probability(
                        p_k, arc_k, inv_k, y_k.size, factor / r_k, tm_k if timed else None
                    )
                    _, c = np.unique(films_k, return_inverse=True)
                    fold_mu.append(np.bincount(c, weights=prob))
                    fold_y.append(np.bincount(c, weights=y_k.astype(float)))
                pc = np.minimum(factor * p_full, 1.0)
                prob = pair_probability(pc, arc, inv, y.size, timing=test_timing if timed else None)
                test_mu = np.bincount(col, weights=prob, minlength=test_films.size)
            rows[name] = dict(
                score=score, table=row, factor=factor, fold_factors=fs, t_lr=t_lr,
                t_ll=t_ll, fold_mu=fold_mu, fold_y=fold_y, test_mu=test_mu,
            )  # fmt: skip
    chosen = min(rows, key=lambda n: rows[n]["score"])
    out = dict(observed=observed, n_obs=float(y.sum()), rows=rows, chosen=chosen, cut=cut_f,
               exposers=exposers)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        res = validate_propagation(
            graph, users, items, times, cut=cut_f, exposers=exposers, estimators=["auto"]
        )
    mine = rows[chosen]["test_mu"].sum() / y.sum()
    out["check"] = (chosen == res.backtest.chosen_row, mine, res.table["auto"]["ratio"])
    return out


def weights(rows, scheme):
    names = [n for n, r in rows.items() if math.isfinite(r["factor"]) and r["test_mu"] is not None]
    if scheme == "eq":
        w = np.ones(len(names))
    elif scheme == "eq_delays":
        w = np.array([1.0 if n.endswith(DELAYED) else 0.0 for n in names])
        if not w.any():
            w = np.ones(len(names))
    elif scheme == "invB":
        w = np.array([1.0 / rows[n]["score"] for n in names])
    elif scheme == "invLL":
        w = np.array([1.0 / np.mean(rows[n]["t_ll"]) if rows[n]["t_ll"] else 1.0 for n in names])
    elif scheme == "invMSE":
        w = np.array(
            [1.0 / (np.mean(np.square(rows[n]["t_lr"])) + 0.05**2) if rows[n]["t_lr"] else 1.0
             for n in names]
        )  # fmt: skip
    elif scheme == "fam":  # post hoc: the winning variant family, its estimators equally
        best = min(names, key=lambda n: rows[n]["score"])
        w = np.array([1.0 if n.endswith(DELAYED) == best.endswith(DELAYED) else 0.0
                      for n in names])  # fmt: skip
    elif scheme == "top2":  # post hoc: the two best back-test scores, equally
        order = sorted(range(len(names)), key=lambda i: rows[names[i]]["score"])
        w = np.zeros(len(names))
        w[order[:2]] = 1.0
    else:
        raise ValueError(scheme)
    return names, w / w.sum()


def combine(out, scheme):
    """``(ratio, coverage of films forecast >= 5, n such films, weights)`` of a scheme."""
    rows = out["rows"]
    geo = scheme == "geo"
    if scheme == "pick":
        names, w = [out["chosen"]], np.array([1.0])
    else:
        names, w = weights(rows, "eq" if geo else scheme)

    def mix(arrs):
        A = np.vstack(arrs)
        if geo:
            with np.errstate(divide="ignore"):
                return np.exp(w @ np.log(A))
        return w @ A

    mu = mix([rows[n]["test_mu"] for n in names])
    nf = len(rows[names[0]]["fold_mu"])
    fm = np.concatenate([mix([rows[n]["fold_mu"][k] for n in names]) for k in range(nf)])
    fy = np.concatenate(rows[names[0]]["fold_y"])
    phi, power = fit_dispersion_power(fm, fy)
    bt = Backtest(table={}, chosen="", factor=1.0, cuts=(), holdout=0.1, exposers="",
                  observed=0, n_pairs=0, dispersion=phi, drift=0.0, power=power)  # fmt: skip
    low, high = bt.interval(mu)
    obs = out["observed"]
    sel = mu >= 5
    cov = (
        float(np.mean((obs[sel] >= low[sel]) & (obs[sel] <= high[sel]))) if sel.any() else math.nan
    )
    return mu.sum() / out["n_obs"], cov, int(sel.sum()), dict(zip(names, w))


SCHEMES = ["pick", "eq", "invB", "invLL", "invMSE", "geo", "eq_delays", "fam", "top2"]


def cached(pattern, cache):
    """``(name, out)`` of every cached setting matching ``pattern``, in name order."""
    for f in sorted(cache.glob(f"{pattern}.pkl")):
        with open(f, "rb") as fh:
            yield f.stem, pickle.load(fh)


class Tally:
    """Per rule, over settings: ratios in [0.8, 1.25] and coverages in [0.85, 0.95].

    Both judged as printed (two decimals), like the READMEs; also the mean and largest
    ``|log ratio|`` and the mean coverage over the settings that have one. Shared by
    ``diag_auto_trend.py``.
    """

    def __init__(self, rules):
        self.rules = list(rules)
        self.ratios = {r: [] for r in self.rules}
        self.covs = {r: [] for r in self.rules}

    def add(self, rule, ratio, cov):
        self.ratios[rule].append(ratio)
        if not math.isnan(cov):
            self.covs[rule].append(cov)

    def in_range(self, rule):
        ratios = sum(0.8 <= round(r, 2) <= 1.25 for r in self.ratios[rule])
        return ratios, sum(0.85 <= round(c, 2) <= 0.95 for c in self.covs[rule])

    def line(self, rule):
        lr, c = np.abs(np.log(self.ratios[rule])), self.covs[rule]
        ratios, covs = self.in_range(rule)
        return (
            f"ratio in range {ratios:2d}  mean|log r| {np.mean(lr):.3f}  max|log r| "
            f"{np.max(lr):.3f}  cov in range {covs}/{len(c)}  mean cov "
            f"{np.mean(c) if c else math.nan:.3f}"
        )

    def print(self, pattern, width):
        print(f"{pattern}: {len(self.ratios[self.rules[0]])} settings")
        for rule in self.rules:
            print(f"  {rule:{width}s} {self.line(rule)}")


def score(pattern, cache, verbose):
    tally = Tally(SCHEMES)
    for name, out in cached(pattern, cache):
        cells = []
        for s in SCHEMES:
            r, c, n, _ = combine(out, s)
            tally.add(s, r, c)
            cells.append(f"{r:.2f}/{c:.2f}({n})")
        if verbose:
            print(name, out["chosen"], " ".join(f"{s}={x}" for s, x in zip(SCHEMES, cells)))
    tally.print(pattern, 10)


def _variant_statistic(row, rule):
    """The back-test statistic (lower is better) a variant-choice rule compares."""
    if rule == "stable":
        lf = [math.log(f) for f in row["fold_factors"] if math.isfinite(f) and f > 0]
        return float(np.std(lf)) if len(lf) >= 2 else math.nan
    if rule == "near1":
        return abs(math.log(row["factor"]))
    if rule == "latest":
        return abs(row["t_lr"][0]) if row["t_lr"] else math.nan
    raise ValueError(rule)


def select_row(out, rule):
    """The row a variant-choice rule keeps (``pick``: auto's own row)."""
    rows = out["rows"]
    if rule == "pick":
        return out["chosen"]
    best = {}
    for timed in (False, True):
        names = [
            n for n, r in rows.items()
            if n.endswith(DELAYED) == timed and math.isfinite(r["factor"])
            and r["test_mu"] is not None
        ]  # fmt: skip
        if names:
            best[timed] = min(names, key=lambda n: rows[n]["score"])
    stat = {d: _variant_statistic(rows[n], rule) for d, n in best.items()}
    ok = [d for d, v in stat.items() if math.isfinite(v)]
    if not ok:
        return out["chosen"]
    if len(ok) == 2 and stat[True] == stat[False]:
        return best[out["chosen"].endswith(DELAYED)]
    return best[min(ok, key=lambda d: stat[d])]


RULES = ["pick", "stable", "near1", "latest"]


def select(pattern, cache, verbose):
    tally = Tally(RULES)
    for name, out in cached(pattern, cache):
        cells = []
        for rule in RULES:
            row = select_row(out, rule)
            r, c, n, _ = combine(dict(out, chosen=row), "pick")
            tally.add(rule, r, c)
            cells.append(f"{rule}={row}:{r:.2f}/{c:.2f}({n})")
        if verbose:
            print(name, " ".join(cells))
    tally.print(pattern, 8)


def main():
    step, bed = sys.argv[1], sys.argv[2]
    if step in ("score", "select"):
        (score if step == "score" else select)(bed, Path(sys.argv[3]), len(sys.argv) > 4)
        return
    rows_step(bed, sys.argv[3:], rows_for, lambda out: out["check"])


def rows_step(bed, args, rows_for, describe):
    """The ``rows`` step (also ``diag_auto_trend.py``'s): cache ``rows_for``'s output per setting.

    ``bed`` is ``ciao`` (``args``: the cuts as quantiles of the dates, the cache folder) or
    ``sim`` (``args``: graphs, log seeds, the cache folder; the logs of ``bench_social.py``'s
    forecast step). A setting whose file is cached already is skipped; ``describe(out)`` is
    printed after each new one.
    """
    sys.path.insert(0, str(HERE))
    if bed == "ciao":
        from bench_social_real import graph_for, load_ciaodvd

        cache = Path(args[1])
        r, arcs, _ = load_ciaodvd(DATA / "social_rec")
        g = graph_for(arcs)
        users, items, times = r["user"].to_numpy(), r["item"].to_numpy(), r["time"].to_numpy()
        settings = [
            (f"ciao_{q:.2f}_{ex}", users, items, times,
             float(np.quantile(times, q, method="lower")) + 1.0, ex)
            for q in (float(x) for x in args[0].split(","))
            for ex in ("earlier", "before_cut")
        ]  # fmt: skip
        run(g, settings, cache, rows_for, describe)
    else:  # sim: graphs, log seeds (bench_social.py's forecast step)
        from bench_social import load, simulate_log

        cache = Path(args[2])
        for name in args[0].split(","):
            g = load(DATA / "graphs", name)
            for s in (int(x) for x in args[1].split(",")):
                users, films, times = simulate_log(
                    g, n_films=600, horizon=1000.0, scale=0.6, seeds=8.0, seed=s
                )
                settings = [
                    (f"sim_{name}_{s}_{q:.2f}_{ex}", users, films, times,
                     float(np.quantile(times, q)), ex)
                    for q in (0.7, 0.8, 0.9)
                    for ex in ("earlier", "before_cut")
                ]  # fmt: skip
                run(g, settings, cache, rows_for, describe)


def run(g, settings, cache, rows_for, describe):
    cache.mkdir(parents=True, exist_ok=True)
    for key, users, items, times, cut, ex in settings:
        f = cache / f"{key}.pkl"
        if f.exists():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            out = rows_for(g, users, items, times, cut, ex)
        out["key"] = key
        with open(f, "wb") as fh:
            pickle.dump(out, fh)
        print(key, out["chosen"], describe(out), flush=True)


if __name__ == "__main__":
    main()
