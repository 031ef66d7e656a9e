"""Cross-domain gain: NDCG@10 of CrossDomain vs film-only ALS, cold and other film users.

The world is ``make_synthetic`` with a correlated partner domain (same user tastes drive
both). Each user's film interactions are split 70/30 at random; users with <= 3 training
films are "cold". Both models get the same hyper-parameters and seed. CIs are 95 %
percentile bootstraps over users (paired, for the difference).

    python benchmarks/bench_crossdomain.py [--users 3000] [--items 500] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from filmreco.datasets import make_synthetic
from filmreco.metrics import ndcg_at_k
from filmreco.recommend import ALS, CrossDomain
from filmreco.recommend.evaluation import split_random


def per_user_ndcg(model, train, test, users):
    ids, _ = model.recommend(train.user_ids.ids[users], 10)
    idx = model.item_ids_.index(ids.ravel(), on_unknown="mask").reshape(ids.shape)
    T = test.matrix
    relevant = [set(T.indices[T.indptr[u] : T.indptr[u + 1]].tolist()) for u in users]
    return ndcg_at_k(idx, relevant, 10)


def bootstrap(x, rng, n=2000):
    means = x[rng.integers(0, x.size, size=(n, x.size))].mean(axis=1)
    return x.mean(), *np.percentile(means, [2.5, 97.5])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=3000)
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--partner-items", type=int, default=400)
    ap.add_argument("--overlap", type=float, default=0.7)
    ap.add_argument("--correlation", type=float, default=0.8)
    ap.add_argument("--factors", type=int, default=16)
    ap.add_argument("--regularization", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    world = make_synthetic(
        n_users=a.users, n_items=a.items, density=0.03, partner_items=a.partner_items,
        partner_overlap=a.overlap, partner_density=0.05, partner_correlation=a.correlation,
        avg_degree=4, random_state=a.seed,
    )  # fmt: skip
    print(world.description.splitlines()[0])
    print(world.description.splitlines()[-1])
    train, test = split_random(world.interactions, 0.3, random_state=a.seed)
    n_train = np.diff(train.matrix.indptr)
    users = np.flatnonzero(np.diff(test.matrix.indptr) > 0)
    kw = dict(regularization=a.regularization, alpha=5.0, max_iter=15, random_state=a.seed)
    results = {}
    for name, model, extra in [
        ("ALS", ALS(a.factors, **kw), {}),
        ("CrossDomain", CrossDomain(a.factors, **kw), {"partner": world.partner}),
    ]:
        t = time.perf_counter()
        model.fit(train, **extra)
        fit_s = time.perf_counter() - t
        results[name] = per_user_ndcg(model, train, test, users)
        print(f"{name:12s} fit {fit_s:5.1f} s")
    rng = np.random.default_rng(a.seed)
    shared = world.partner.user_ids.contains(train.user_ids.ids[users])
    groups = {
        "<=3 film interactions": n_train[users] <= 3,
        "  of them on partner": (n_train[users] <= 3) & shared,
        ">3 film interactions": n_train[users] > 3,
    }
    print(f"\nNDCG@10 (95% bootstrap CI), {users.size} test users")
    print(f"{'group':24s} {'n':>5s}  {'ALS':>22s}  {'CrossDomain':>22s}  {'gain':>22s}")
    for label, mask in groups.items():
        base, cd = results["ALS"][mask], results["CrossDomain"][mask]
        ok = ~(np.isnan(base) | np.isnan(cd))
        base, cd = base[ok], cd[ok]
        cells = [bootstrap(v, rng) for v in (base, cd, cd - base)]
        text = "  ".join(f"{m:.4f} [{lo:.4f}, {hi:.4f}]" for m, lo, hi in cells)
        print(f"{label:24s} {ok.sum():5d}  {text}")


if __name__ == "__main__":
    main()
