"""ALS serving at scale: recommend with seen films filtered, filmreco vs implicit (same run).

Usage: flock /tmp/bench.lock python benchmarks/bench_als_serve.py [300k|1m] [n_query]

Both libraries get two threads (filmreco ``n_jobs=2``, implicit ``num_threads=2``) and BLAS
is capped at one thread (threadpoolctl), as implicit recommends. Both models are fitted for
one sweep only: serving cost does not depend on the factors' quality. filmreco serves the
same factors as implicit (copied in), so the top-n lists can be compared too.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import scipy.sparse as sp
from _scale_data import SIZES, power_law
from threadpoolctl import threadpool_limits


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "300k"
    n_query = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    n_users, n_items, n_events = SIZES[size]
    X = power_law(n_users, n_items, n_events)
    print(f"{size}: {X.shape[0]:,} users x {X.shape[1]:,} films, {X.nnz:,} events")
    import implicit

    from filmreco.data import Interactions
    from filmreco.recommend import ALS

    with threadpool_limits(1, "blas"):
        imp = implicit.cpu.als.AlternatingLeastSquares(
            factors=64, iterations=1, num_threads=2, random_state=0
        )
        imp.fit(sp.csr_matrix(X), show_progress=False)
    inter = Interactions.from_arrays(*np.nonzero(X), values=np.ones(X.nnz, dtype=np.float32))
    model = ALS(n_factors=64, max_iter=0, random_state=0, n_jobs=2).fit(inter)
    # the Interactions' id maps keep first-appearance order: put implicit's rows in it
    uid = np.asarray(model.user_ids_.ids, dtype=np.int64)
    iid = np.asarray(model.item_ids_.ids, dtype=np.int64)
    model.user_factors_ = np.ascontiguousarray(imp.user_factors[uid], dtype=np.float32)
    model.item_factors_ = np.ascontiguousarray(imp.item_factors[iid], dtype=np.float32)
    rng = np.random.default_rng(1)
    q = np.sort(rng.choice(n_users, n_query, replace=False))
    Xq = sp.csr_matrix(X[q])
    times: dict[str, list[float]] = {"filmreco": [], "implicit": []}
    for _ in range(3):
        with threadpool_limits(1, "blas"):
            t = time.perf_counter()
            ii, _ = imp.recommend(q, Xq, N=10, filter_already_liked_items=True)
            times["implicit"].append(time.perf_counter() - t)
        t = time.perf_counter()
        fi, _ = model.recommend(q, n=10, n_jobs=2)
        times["filmreco"].append(time.perf_counter() - t)
    fi = np.asarray(fi, dtype=np.int64)
    same = float(np.mean(np.sort(fi, axis=1) == np.sort(ii, axis=1)))
    best_f, best_i = min(times["filmreco"]), min(times["implicit"])
    print(
        f"recommend {n_query:,} users, n=10, seen filtered: filmreco {best_f:.3f}s, "
        f"implicit {best_i:.3f}s, ratio {best_f / best_i:.2f}x (best of 3; "
        f"all: {[round(x, 3) for x in times['filmreco']]} vs "
        f"{[round(x, 3) for x in times['implicit']]}); same lists: {same:.4f}"
    )


if __name__ == "__main__":
    main()
