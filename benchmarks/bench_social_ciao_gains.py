"""CiaoDVD's social gains by user group, cheaply: the tuning and test gains of
``bench_social_real.py --only recommend --datasets ciaodvd --seed S`` without its EASE fits.

Run by hand from the repository root::

    python benchmarks/bench_social_ciao_gains.py --seed 1
    python benchmarks/bench_social_ciao_gains.py --seed 2 --no-tune-control
    python benchmarks/bench_social_ciao_gains.py --seed 1 --session8-draws

Why it is exact for the gains: on CiaoDVD the tuning gives users with a history of their own
weight 0 (EASE alone; 10 of 10 folds in session 8), so the tuned model differs from EASE only
for users without training positives, whom EASE (like every filmreco recommender) ranks by
popularity. With a Popularity base every user's gain (social - base, and the shuffled-graph
control's) is therefore the EASE run's, and so are the tuning's tests of the new-user policy
(the validation users without a history, the same sign flips). The script makes the same
random draws as ``cross_evaluate_social`` (folds, shuffled graph, inner folds, sign flips,
bootstrap) and prints the gain columns of the script's table; the EASE and social levels need
the EASE fits (7 per outer fold of 12,786 films) and are not computed. The history part is
tuned on Popularity here and ignored: friends-first for new users is kept iff it passes its
tests, as in the EASE run where every weight for users with a history is refused.

``--session8-draws`` replays the draws of the runs before the ``shuffle_graph`` fix of session 9
(its rounds of re-draws can differ, which moves every later draw): with ``--no-tune-control``
it reprints session 8's seed-1 gains exactly (``benchmarks/README_social_real.md``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import bench_social_real as B  # noqa: E402
from sklearn.base import clone  # noqa: E402

from filmreco.recommend import Popularity  # noqa: E402
from filmreco.recommend.evaluation import split_kfold  # noqa: E402
from filmreco.social import SocialGraph, SocialRecommender  # noqa: E402
from filmreco.social.evaluation import (  # noqa: E402
    _group_table,
    _mixed_ndcg,
    _ndcg,
    _relevance,
    _test_users,
    _tune_social,
    _with_base,
    user_groups,
)
from filmreco.social.recommend import friends_matrix, shuffle_graph  # noqa: E402


def session8_shuffle(graph: SocialGraph, rng: np.random.Generator) -> SocialGraph:
    """shuffle_graph before the session-9 fix (simultaneous swaps), for its draws only."""
    s, t, w = graph.sources.copy(), graph.targets, graph.weights
    if not graph.directed:
        one = s < t
        s, t, w = s[one], t[one], w[one]
    s = s[rng.permutation(s.size)]
    n = graph.n_nodes

    def clashes() -> np.ndarray:
        key = np.minimum(s, t) * n + np.maximum(s, t) if not graph.directed else s * n + t
        _, first = np.unique(key, return_index=True)
        out = np.ones(s.size, dtype=bool)
        out[first] = False
        return out | (s == t)

    for _ in range(100):
        bad = clashes()
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        other = rng.integers(0, s.size, size=idx.size)
        s[idx], s[other] = s[other], s[idx].copy()
    else:
        bad = clashes()
    s, t, w = s[~bad], t[~bad], w[~bad]
    ids = graph.node_ids.ids
    return SocialGraph.from_arrays(ids[s], ids[t], w if graph.weighted else None,
                                   directed=graph.directed, node_ids=graph.node_ids)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=HERE.parent.parent / "shared/data/social_rec")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-tune-control", action="store_true")
    ap.add_argument("--session8-draws", action="store_true")
    ap.add_argument("--n-boot", type=int, default=2000)
    args = ap.parse_args()
    t0 = time.time()
    r, arcs, thr = B.LOADERS["ciaodvd"](args.data)
    X = B.positives(r, thr)
    g = B.graph_for(arcs)
    n_folds = 5
    grid = [{"weight": [0.0], "new_user_weight": [None]},
            {"weight": [0.0, 0.1], "new_user_weight": [0.0, 1.0], "direction": ["both"]}]  # fmt: skip
    model = SocialRecommender(Popularity(), g, mode="score", friend_scale="max")
    rng = np.random.default_rng(args.seed + 3)  # as run_recommend's random_state
    folds = split_kfold(X, n_folds, random_state=rng.integers(2**32))
    control_graph = (session8_shuffle if args.session8_draws else shuffle_graph)(g, rng)
    n = X.matrix.shape[0]
    total = {key: np.zeros(n) for key in ("base", "social", "control")}
    count, n_train, chosen = np.zeros(n), np.zeros(n), []
    for train, test in folds:
        fold_rng = np.random.default_rng(rng.integers(2**32))
        test_rng = fold_rng.spawn(1)[0]
        inner: list = []

        def one_fold(part, fold_rng=fold_rng, inner=inner):
            if not inner:
                inner.extend(split_kfold(part, n_folds, random_state=fold_rng.integers(2**32)))
            return inner.pop(0)

        res = _tune_social(model, train, grid, one_fold, n_folds, 10, False, test_rng,
                           control=not args.no_tune_control)  # fmt: skip
        first = next(x for x in res.results
                     if x["params"].get("new_user_weight") == 1.0 and x["params"]["weight"] == 0)  # fmt: skip
        lo = first["part_gain_lower_bounds"]["new"]
        lo_c = first.get("part_control_lower_bounds", {}).get("new")
        kept = lo > 0 and (lo_c is None or lo_c > 0)
        chosen.append((kept, lo, lo_c))
        params = {"weight": 0.0, "new_user_weight": 1.0 if kept else None, "direction": "both"}
        fold_model = clone(model).set_params(**params)
        base = clone(model.base).fit(train)
        social = _with_base(fold_model, base).fit(train)
        control = _with_base(fold_model, base, graph=control_graph).fit(train)
        users = _test_users(test)
        R, space = _relevance(train, test, users)
        ids = test.user_ids.ids[users]
        b = _ndcg(base, ids, R, space, 10)
        total["base"][users] += b
        total["social"][users] += _mixed_ndcg(social, b, ids, R, space, 10)
        total["control"][users] += _mixed_ndcg(control, b, ids, R, space, 10)
        count[users] += 1
        n_train[users] += np.diff(sp.csr_array(train.matrix).indptr)[users]
    users = np.flatnonzero(count > 0)
    ndcg = {key: total[key][users] / count[users] for key in total}
    active = (np.diff(sp.csr_array(X.matrix).indptr) > 0).astype(np.float64)
    friends = np.asarray(friends_matrix(g, X.user_ids, "both") @ active)[users] > 0
    groups = user_groups(n_train[users] / count[users], friends, 5)
    table = _group_table(ndcg, groups, args.n_boot, 0.95, rng)

    def bound(x: float | None) -> str:
        return "n/a" if x is None else f"{x:+.5f}"

    print(f"CiaoDVD seed {args.seed}, shuffled-graph control "
          f"{'off' if args.no_tune_control else 'on'}"
          f"{', session-8 draws' if args.session8_draws else ''}: friends-first for new users "
          f"kept in {sum(c[0] for c in chosen)} of {n_folds} folds; per fold (kept, lower bound "
          "over popularity, over the shuffled graph): "
          + "; ".join(f"{'yes' if c[0] else 'no'} {bound(c[1])} {bound(c[2])}" for c in chosen)
          + f"; {time.time() - t0:.0f} s\n")  # fmt: skip
    print(
        "| group | users | gain [95% CI] | shuffled-graph gain [95% CI] | gain - shuffled [95% CI] |"
    )
    print("|---|---|---|---|---|")
    for grp, row in table.items():

        def ci(key: str, row: dict = row) -> str:
            return f"{row[key]:+.4f} [{row[key + '_low']:+.4f}, {row[key + '_high']:+.4f}]"

        print(f"| {grp} | {row['n_users']:,} | {ci('gain')} | {ci('control_gain')} | "
              f"{ci('over_control')} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
