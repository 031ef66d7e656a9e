"""ALS with frequency-scaled regularization (Rendle et al., 2022) vs the plain ridge on
MovieLens: ratings >= 4 positive, random 80/20 per user, hyper-parameters tuned on a
validation split carved from training only (``tune``), NDCG@10 on test, seen filtered.

Usage: python benchmarks/bench_als_freq.py [ml-100k|ml-1m] [seed ...]
"""

from __future__ import annotations

import sys
import time

from filmreco.data import Interactions
from filmreco.recommend import ALS, tune
from filmreco.recommend.evaluation import evaluate, split_random

GRIDS = {
    "ALS plain (nu=0)": {"regularization": [10.0, 50.0, 200.0], "alpha": [2.0, 4.0, 10.0]},
    "ALS frequency-scaled (nu=1)": {
        "regularization_exponent": [1.0],
        "regularization": [0.01, 0.03, 0.1, 0.3],
        "alpha": [2.0, 4.0, 10.0],
    },
}


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "ml-100k"
    seeds = [int(s) for s in sys.argv[2:]] or [0]
    path = f"/work/benchdata/movielens/{name}/ratings.csv"
    X = Interactions.from_csv(path, "user", "item", "rating", "timestamp").to_implicit(4.0)
    for seed in seeds:
        train, test = split_random(X, 0.2, random_state=seed)
        for label, grid in GRIDS.items():
            t = time.perf_counter()
            base = ALS(64, max_iter=15, random_state=seed, n_jobs=1)
            res = tune(base, grid, train, random_state=seed)
            score = evaluate(res.best_model, train, test, k=10, fit=False)["ndcg@10"]
            print(
                f"{name} seed {seed} {label:28s} test ndcg@10 {score:.4f} "
                f"best {res.best_params} ({time.perf_counter() - t:.0f}s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
