"""ALS.fit through the parallel seam (fixed-size blocks of rows as joblib tasks) vs one
whole-matrix compiled call per half-step (the previous path), same run, same threads.

Usage: flock /tmp/bench.lock python benchmarks/bench_als_fit.py [ml-1m|100k|300k]

Both run 2 threads (``n_jobs=2`` through joblib's threading backend vs numba ``prange``
on 2 threads), BLAS on one thread; 5 sweeps of 64 factors; best of 3, interleaved.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from _scale_data import SIZES, power_law

from filmreco._parallel import thread_limits
from filmreco.data import Interactions
from filmreco.recommend import ALS
from filmreco.recommend._kernels import als_sweep


def whole_matrix_fit(model: ALS, X) -> None:
    """The previous fit loop: one prange kernel call per half-step on 2 threads."""
    f, max_iter, steps = model._check_params()
    rng = np.random.default_rng(0)
    Cu = model._conf(X)
    Ci = Cu.T.tocsr()
    Ci.indptr, Ci.indices = Ci.indptr.astype(np.int64), Ci.indices.astype(np.int64)
    U = (rng.standard_normal((X.shape[0], f)) * 0.01).astype(np.float32)
    V = (rng.standard_normal((X.shape[1], f)) * 0.01).astype(np.float32)
    none = np.zeros(0, dtype=np.float32)
    users, items = np.arange(X.shape[0]), np.arange(X.shape[1])
    with thread_limits(2):
        for _ in range(max_iter):
            als_sweep(Cu.indptr, Cu.indices, Cu.data, U, V, model._A(V), steps, users, none)
            als_sweep(Ci.indptr, Ci.indices, Ci.data, V, U, model._A(U), steps, items, none)


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "ml-1m"
    if name.startswith("ml-"):
        path = f"/work/benchdata/movielens/{name}/ratings.csv"
        inter = Interactions.from_csv(path, "user", "item", "rating", "timestamp").to_implicit(4.0)
    else:
        X = power_law(*SIZES[name])
        r, c = X.nonzero()
        inter = Interactions.from_arrays(r, c, values=np.ones(r.size, dtype=np.float32))
    X = inter.matrix
    print(f"{name}: {X.shape[0]:,} users x {X.shape[1]:,} films, {X.nnz:,} events")
    model = ALS(64, max_iter=5, random_state=0, n_jobs=2)
    ALS(8, max_iter=1, n_jobs=2).fit(inter)  # compile (numba's cache) outside the timing
    t_new, t_old = [], []
    for _ in range(3):
        t = time.perf_counter()
        model.fit(inter)
        t_new.append(time.perf_counter() - t)
        t = time.perf_counter()
        whole_matrix_fit(model, X)
        t_old.append(time.perf_counter() - t)
    a, b = min(t_new), min(t_old)
    print(
        f"fit 5 sweeps: blocks through the seam {a:.2f}s, whole-matrix prange {b:.2f}s, "
        f"ratio {a / b:.2f}x (all: {np.round(t_new, 2).tolist()} vs {np.round(t_old, 2).tolist()})"
    )


if __name__ == "__main__":
    main()
