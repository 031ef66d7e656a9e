"""Hold filmreco.social to real data: calibrated propagation, social recommendation.

Run by hand from the repository root::

    python benchmarks/bench_social_real.py                      # everything (~15 minutes)
    python benchmarks/bench_social_real.py --only propagation   # or: homophily, recommend
    python benchmarks/bench_social_real.py --datasets ciaodvd --n-boot 500

Data: ``../shared/data/social_rec`` (override with ``--data``): CiaoDVD, FilmTrust and
Douban small, with the users' trust / follow links (see each SOURCE.md). The loaders
below live here on purpose: these data sets are for benchmarking only and are never
copied into the package or its tests. In every graph an arc ``v -> u`` means "``v``
influences ``u``": the trustee (or the followed user) points to the trustor (follower).

Sections:

1. ``homophily`` — do linked users watch alike, beyond random pairs of users with the
   same numbers of links (:func:`filmreco.social.homophily`)?
2. ``propagation`` — CiaoDVD only (the one data set with dates):
   :func:`filmreco.social.validate_propagation` at three cut dates (the 70/80/90%
   quantiles of the rating dates, or ``--cuts``), with both exposure rules: predicted vs observed new
   adopters (ratio), per-film error, Brier score, AUC and precision@10 for Goyal et al.'s
   Bernoulli and Jaccard, Saito et al.'s EM, Bayes, "auto" (chosen and calibrated by a
   back-test on the ratings before the cut alone), uniform p, weighted cascade and
   trivalency; ``--cuts`` sets the cut quantiles (default 0.7,0.8,0.9).
3. ``recommend`` — ratings at or above the positive threshold (4 of 5; 3.5 of 4 for
   FilmTrust) are the interactions; per-user 5-fold cross-validation
   (:func:`filmreco.social.cross_evaluate_social`: every positive is a test case once, a
   user's NDCG@10 is the mean over the folds that test them). EASE's regularization is
   tuned once on a validation split of one 80/20 training part; the SocialRecommender's
   weight, direction and decay are tuned inside every fold on that fold's training part
   (the folds of one inner k-fold split of it as validation; a candidate must beat EASE and
   itself on a shuffled copy of the graph, ``--no-tune-control`` drops the latter). Gains by user group come with paired bootstrap
   95% intervals and a shuffled-graph control, beside Popularity and "what my friends
   liked" alone (weight 1). Douban small and FilmTrust have few naturally cold users, so
   they also run with a simulated cold start (1-5 training positives) and with simulated
   new users (none), for half of the users with friends.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from filmreco.data import Interactions  # noqa: E402
from filmreco.exceptions import DataWarning  # noqa: E402
from filmreco.recommend import EASE, Popularity  # noqa: E402
from filmreco.recommend.evaluation import split_random, tune  # noqa: E402
from filmreco.social import (  # noqa: E402
    SocialGraph,
    SocialRecommender,
    cross_evaluate_social,
    homophily,
    learn_probabilities,
    validate_propagation,
)
from filmreco.social.recommend import friends_matrix  # noqa: E402
from filmreco.sparse import row_indices  # noqa: E402

DAY = 86400.0


# --------------------------------------------------------------------------- loaders
def load_ciaodvd(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Ratings ``user, item, rating, time`` (days since 1970) and arcs trustee -> trustor."""
    d = root / "ciaodvd"
    r = pd.read_csv(
        d / "movie-ratings.txt", header=None,
        names=["user", "item", "genre", "review", "rating", "date"],
    )  # fmt: skip
    r["time"] = (pd.to_datetime(r["date"]) - pd.Timestamp("1970-01-01")).dt.days.astype(float)
    t = pd.read_csv(d / "trusts.txt", header=None, names=["trustor", "trustee", "value"])
    arcs = pd.DataFrame({"source": t["trustee"], "target": t["trustor"]})
    return r[["user", "item", "rating", "time"]], arcs, 4.0


def load_douban_small(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Both rating files pooled (no dates); arcs followee -> follower, self-loops dropped."""
    d = root / "douban_small"
    r = pd.concat(
        pd.read_csv(d / f, sep="\t", header=None, names=["user", "item", "rating"])
        for f in ("douban_train.txt", "douban_test.txt")
    )
    s = pd.read_csv(d / "social_info.txt", sep="\t", header=None, names=["follower", "followee"])
    s = s[s["follower"] != s["followee"]]  # the one self-loop of the file
    arcs = pd.DataFrame({"source": s["followee"], "target": s["follower"]})
    return r, arcs, 4.0


def load_filmtrust(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """LibRec's four rating files pooled (no dates); arcs trustee -> trustor."""
    d = root / "filmtrust"
    r = pd.concat(
        pd.read_csv(d / "rating" / f"ratings_{k}.txt", sep=" ", header=None,
                    names=["user", "item", "rating"])
        for k in range(4)
    )  # fmt: skip
    t = pd.read_csv(d / "trust" / "trust.txt", sep=" ", header=None,
                    names=["trustor", "trustee", "value"])  # fmt: skip
    arcs = pd.DataFrame({"source": t["trustee"], "target": t["trustor"]})
    return r, arcs, 3.5


LOADERS = {
    "ciaodvd": load_ciaodvd,
    "douban_small": load_douban_small,
    "filmtrust": load_filmtrust,
}


def positives(r: pd.DataFrame, threshold: float) -> Interactions:
    """Users x films with a rating >= threshold; a re-rated pair keeps its last rating."""
    r = r.drop_duplicates(["user", "item"], keep="last")
    p = r[r["rating"] >= threshold]
    ts = p["time"].to_numpy() if "time" in p else None
    return Interactions.from_arrays(p["user"].to_numpy(), p["item"].to_numpy(), timestamps=ts)


def graph_for(arcs: pd.DataFrame) -> SocialGraph:
    return SocialGraph.from_arrays(arcs["source"].to_numpy(), arcs["target"].to_numpy())


def simulate_cold(train: Interactions, g: SocialGraph, seed: int, keep_max: int = 5,
                  keep_min: int = 1):  # fmt: skip
    """Half of the users with friends (either direction) and more than `keep_max` training
    positives keep only keep_min..keep_max random ones (the rest are dropped; test is
    unchanged)."""
    rng = np.random.default_rng(seed)
    X = train.matrix
    n_u = np.diff(X.indptr)
    F = friends_matrix(g, train.user_ids, "both")
    has_friends = (F @ (n_u > 0).astype(float)) > 0
    chosen = has_friends & (n_u > keep_max) & (rng.random(n_u.size) < 0.5)
    k = np.where(chosen, rng.integers(keep_min, keep_max + 1, n_u.size), n_u)
    rows = row_indices(X)
    order = np.lexsort((rng.random(X.nnz), rows))
    rank = np.empty(X.nnz, dtype=np.int64)
    rank[order] = np.arange(X.nnz) - np.repeat(X.indptr[:-1], n_u)
    keep = rank < k[rows]
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=X.shape[0]), out=indptr[1:])
    M = sp.csr_array((X.data[keep], X.indices[keep], indptr), shape=X.shape)
    return train.with_matrix(M), int(chosen.sum())


# --------------------------------------------------------------------------- sections
def section_homophily(data: dict, seed: int) -> None:
    print("\n## 1. Homophily: linked pairs vs shuffled pairs (same numbers of links)\n")
    cols = [
        "pairs",
        "co-adopt",
        "shuffled",
        "lift",
        "uniform pairs",
        "Jaccard lift",
        "follows arcs",
        "users w/ friends",
    ]
    print("| data set | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for name, (r, arcs, thr) in data.items():
        h = homophily(graph_for(arcs), positives(r, thr), random_state=seed)
        print(
            f"| {name} | {h['n_pairs']:,} | {h['co_adoption']:.4f} | "
            f"{h['co_adoption_random']:.4f} | {h['co_adoption_lift']:.2f} | "
            f"{h['co_adoption_uniform']:.4f} | "
            f"{h['jaccard_lift']:.2f} | {h['follows_arcs']:.3f} | {h['users_with_friends']:,} |"
        )


def section_propagation(data: dict, seed: int, cuts: tuple[float, ...] = (0.7, 0.8, 0.9),
                        match_horizon: bool = False) -> None:  # fmt: skip
    if "ciaodvd" not in data:
        print("\n(propagation needs CiaoDVD, the one data set with dates; skipped)")
        return
    r, arcs, _ = data["ciaodvd"]
    g = graph_for(arcs)
    users, items, times = r["user"].to_numpy(), r["item"].to_numpy(), r["time"].to_numpy()
    print("\n## 2. Propagation on CiaoDVD: learned before the cut, tested after it\n")
    print(f"graph: {g.n_nodes:,} users, {g.n_arcs:,} arcs; {len(r):,} ratings "
          f"({r['time'].min() / 365.25 + 1970:.1f} - {r['time'].max() / 365.25 + 1970:.1f})")  # fmt: skip
    for method in ("bernoulli", "jaccard", "em", "bayes"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # raters outside the trust graph
            p = learn_probabilities(g, users, items, times, method=method)
        print(f"whole log, {method:9s}: mean p {p.mean():.4f}, median {np.median(p):.4f}, "
              f"arcs with p = 0: {np.mean(p == 0):.1%}")  # fmt: skip
    for q in cuts:
        cut = float(np.quantile(times, q, method="lower")) + 1.0
        date = (pd.Timestamp("1970-01-01") + pd.Timedelta(days=cut)).date()
        for exposers in ("earlier", "before_cut"):
            t0 = time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataWarning)
                res = validate_propagation(
                    g,
                    users,
                    items,
                    times,
                    cut=cut,
                    exposers=exposers,
                    random_state=seed,
                    match_horizon=match_horizon,
                )
            cpu = time.process_time() - t0
            print(
                f"\n### cut {date} ({q:.0%} of ratings before it), exposers={exposers!r}: "
                f"{res.n_train:,} train / {res.n_test:,} test adoptions by graph users, "
                f"{len(res.item_ids):,} test films, {res.n_pairs:,} exposed pairs ({cpu:.1f} s)\n"
            )
            print(
                "| estimator | mean p | predicted | observed | ratio | MAE/film | Brier | AUC | P@10 |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            for est, row in res.table.items():
                print(
                    f"| {est} | {row['mean_p']:.4f} | {row['predicted']:,.0f} | "
                    f"{row['observed']:,.0f} | **{row['ratio']:.2f}** | {row['mae_film']:.3f} | "
                    f"{row['brier']:.5f} | {row['auc']:.3f} | {row['precision@10']:.4f} |"
                )
            bt = res.backtest
            if bt is not None:
                cov = res.coverage(0.9, 5.0)
                cov1 = res.coverage(0.9, 1.0)
                print(
                    f"\nauto: back-test on the ratings before the cut ({len(bt.cuts)} folds of "
                    + (
                        f"{bt.holdout:.0%} of them"
                        if bt.horizon is None
                        else f"{bt.horizon / 365.25:.1f} years, the latest holding {bt.share:.0%} "
                        "of them"
                    )
                    + f") chose **{bt.chosen_row}** x {bt.factor:.3f} (fold "
                    f"factors {', '.join(f'{f:.2f}' for f in bt.factors)} x activity ratios "
                    f"{', '.join(f'{r:.2f}' for r in bt.activity)}; drift {bt.drift:.2f}, "
                    f"film dispersion {bt.dispersion:.3f}). 90% forecast intervals: "
                    f"{cov['n_films']} test films forecast to gain >= 5 adopters (coverage "
                    f"{cov['coverage']:.2f}); of the {cov1['n_films']} forecast to gain >= 1, "
                    f"{cov1['coverage']:.2f} covered ({cov1['below']:.2f} below, "
                    f"{cov1['above']:.2f} above); largest forecast "
                    f"{res.predicted['auto'].max():.1f}, largest observed {res.observed.max()}.\n"
                )
                print("| back-test (latest fold) | ratio | Brier | AUC | factor | "
                      "transfer ratio | transfer Brier |")  # fmt: skip
                print("|---|---|---|---|---|---|---|")
                for est, row in bt.table.items():
                    print(
                        f"| {est} | {row['ratio']:.2f} | {row['brier']:.5f} | {row['auc']:.3f} | "
                        f"{row['factor']:.3f} | {row['transfer_ratio']:.2f} | "
                        f"{row['transfer_brier']:.5f} |"
                    )


def run_recommend(label: str, X: Interactions, g: SocialGraph, seed: int, n_boot: int,
                  n_folds: int, transform=None, tune_splits: int = 5,
                  tune_control: bool = True) -> None:  # fmt: skip
    t_start = time.time()
    # EASE's regularization: a validation split carved from the training part of one random
    # 80/20 split (it sets the base of both arms alike; the social parameters are tuned inside
    # every fold, on that fold's training part only)
    train0, _ = split_random(X, 0.2, random_state=seed)
    if transform is not None:
        train0 = transform(train0)
    ease = tune(EASE, {"regularization": [10.0, 30.0, 100.0, 300.0, 1000.0]}, train0,
                random_state=seed + 1)  # fmt: skip
    lam = ease.best_params["regularization"]
    grid = [
        {"weight": [0.0], "new_user_weight": [None]},  # EASE alone
        # two separate decisions, each tested by `tune` on the validation users it affects:
        # users without history get friends first (new_user_weight=1) or the base (0);
        # everyone else a weight and decay (weight 0: the base alone). Friends in both
        # directions, as in the groups: a user's every link is what the graph knows.
        {
            "weight": [0.0, 0.1, 0.2, 0.3, 0.5],
            "new_user_weight": [0.0, 1.0],
            "direction": ["both"],
            "half_weight_at": [None, 5.0],
        },
    ]
    model = SocialRecommender(EASE(regularization=lam), g, mode="score", friend_scale="max")
    friends = SocialRecommender(EASE(regularization=lam), g, weight=1.0, direction="both")
    ev = cross_evaluate_social(
        model, X, n_folds=n_folds, grid=grid, tune_splits=tune_splits, tune_control=tune_control,
        friends_direction="both",
        others={"popularity": Popularity(), "friends_only": friends},
        transform_train=transform, n_boot=n_boot, random_state=seed + 3,
    )  # fmt: skip
    chosen = "; ".join(
        f"{p['weight']:g} {p['direction']} h={p['half_weight_at']} new={p['new_user_weight']}"
        for p in ev.params
    )
    kept = sum(p["weight"] == 0 and p["new_user_weight"] in (None, 0) for p in ev.params)
    warm = sum(p["weight"] > 0 for p in ev.params)
    first = sum(p["new_user_weight"] == 1.0 for p in ev.params)
    chosen += (
        f" (tuning kept the base alone in {kept} of {len(ev.params)} folds; a weight > 0 for "
        f"users with a history in {warm}, friends first for new users in {first}; "
        f"{tune_splits} inner validation folds, "
        f"{'with' if tune_control else 'without'} the shuffled-graph control)"
    )
    print(
        f"\n### {label}\n\n{X.n_users:,} users, {X.n_items:,} films, {X.nnz:,} positives, "
        f"{g.n_arcs:,} arcs; {n_folds}-fold cross-validation. EASE lambda={lam:g}; "
        f"social weight/direction/decay per fold: {chosen}; {time.time() - t_start:.0f} s.\n"
    )
    print("| group | users | EASE | social | gain [95% CI] | shuffled-graph gain [95% CI] | "
          "gain - shuffled [95% CI] | popularity | friends only |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for grp, row in ev.table.items():

        def ci(key: str, row: dict = row) -> str:
            return f"{row[key]:+.4f} [{row[key + '_low']:+.4f}, {row[key + '_high']:+.4f}]"

        rel = f" ({row['relative_gain']:+.0%})" if row["base"] else ""
        print(
            f"| {grp} | {row['n_users']:,} | {row['base']:.4f} | {row['social']:.4f} | "
            f"{ci('gain')}{rel} | {ci('control_gain')} | {ci('over_control')} | "
            f"{row['popularity']:.4f} | {row['friends_only']:.4f} |",
            flush=True,
        )


def section_recommend(data: dict, seed: int, n_boot: int, cold_sim: tuple[str, ...],
                      n_folds: int, new_sim: tuple[str, ...] = (),
                      tune_splits: int = 5, tune_control: bool = True) -> None:  # fmt: skip
    print("\n## 3. Social recommendation: NDCG@10 gains by user group\n")
    for name, (r, arcs, thr) in data.items():
        X = positives(r, thr)
        g = graph_for(arcs)
        run_recommend(f"{name} (rating >= {thr:g})", X, g, seed, n_boot, n_folds,
                      tune_splits=tune_splits, tune_control=tune_control)  # fmt: skip
        if name in cold_sim:

            def cold(train: Interactions, g: SocialGraph = g) -> Interactions:
                return simulate_cold(train, g, seed + 4)[0]

            label = (f"{name}, simulated cold start (in every fold, half of the users with "
                     "friends keep 1-5 training positives)")  # fmt: skip
            run_recommend(label, X, g, seed, n_boot, n_folds, transform=cold,
                          tune_splits=tune_splits, tune_control=tune_control)  # fmt: skip
        if name in new_sim:

            def new(train: Interactions, g: SocialGraph = g) -> Interactions:
                return simulate_cold(train, g, seed + 4, keep_max=0, keep_min=0)[0]

            label = (f"{name}, simulated new users (in every fold, half of the users with "
                     "friends keep no training positive)")  # fmt: skip
            run_recommend(label, X, g, seed, n_boot, n_folds, transform=new,
                          tune_splits=tune_splits, tune_control=tune_control)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=HERE.parent.parent / "shared/data/social_rec")
    ap.add_argument("--only", choices=["homophily", "propagation", "recommend"])
    ap.add_argument("--datasets", default="ciaodvd,douban_small,filmtrust")
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--cuts", default="0.7,0.8,0.9",
                    help="propagation: cut dates as quantiles of the rating dates")  # fmt: skip
    ap.add_argument("--seed", type=int, default=1, help="seed 0 was used while developing")
    ap.add_argument("--folds", type=int, default=5, help="cross-validation folds (recommend)")
    ap.add_argument("--tune-splits", type=int, default=None,
                    help="inner validation folds of the social tuning (default: --folds, "
                         "every training interaction validates once)")  # fmt: skip
    ap.add_argument("--no-tune-control", action="store_true",
                    help="tune the social parameters without the shuffled-graph control "
                         "(the rule of filmreco 0.1; about half the tuning's scoring)")  # fmt: skip
    ap.add_argument("--new-sim", default="douban_small,filmtrust",
                    help="data sets also run with simulated new users (no history)")  # fmt: skip
    ap.add_argument("--cold-sim", default="douban_small,filmtrust",
                    help="data sets also run with a simulated cold start")  # fmt: skip
    ap.add_argument("--auto-folds", choices=["holdout", "horizon"], default="holdout",
                    help="propagation: auto's back-test folds, holdout shares (default) or "
                         "windows as long as the test's (match_horizon=True)")  # fmt: skip
    args = ap.parse_args()
    names = [n for n in args.datasets.split(",") if n]
    missing = [n for n in names if not (args.data / n).is_dir()]
    if missing:
        sys.exit(f"data sets not found under {args.data}: {missing}")
    data = {n: LOADERS[n](args.data) for n in names}
    print(f"# filmreco.social on real data (seed {args.seed}, {args.n_boot} bootstrap resamples)")
    if args.only in (None, "homophily"):
        section_homophily(data, args.seed)
    if args.only in (None, "propagation"):
        section_propagation(data, args.seed, tuple(float(c) for c in args.cuts.split(",") if c),
                            args.auto_folds == "horizon")  # fmt: skip
    if args.only in (None, "recommend"):
        section_recommend(
            data, args.seed, args.n_boot, tuple(args.cold_sim.split(",")), args.folds,
            tuple(args.new_sim.split(",")), args.tune_splits or args.folds,
            not args.no_tune_control,
        )  # fmt: skip


if __name__ == "__main__":
    main()
