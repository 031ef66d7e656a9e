"""Benchmark filmreco's top-k selection.

1. Top-10 items for every user of a factor model (100,000 users × 20,000 items, 64 float32
   factors) through :func:`filmreco.sparse.topk_blocks`, excluding ~50 seen items per
   user: wall time, rows/s and peak memory (tracemalloc, in a separate untimed run; 'same'
   says the result equals the first run's).
2. The selection alone on one precomputed 10,000-row score block: :func:`filmreco.sparse.topk`
   against plain ``np.argpartition(-S, k, axis=1)`` plus a sort of the k survivors
   (the anchor), with the rows/s ratio (target: filmreco within 1.5x of the anchor).

Run: ``python benchmarks/bench_topk.py`` (``--help`` for smaller sizes).
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from filmreco.sparse import build_csr, factor_scores, topk, topk_blocks


def best_time(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of `repeat` runs (fresh memory is slow to fault in the first time)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_bytes(func: Callable[[], Any]) -> int:
    """Peak bytes allocated (numpy buffers included) while `func` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def anchor_topk(S: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Plain numpy: argpartition on -S, then sort the k survivors."""
    part = np.argpartition(-S, k, axis=1)[:, :k]
    vals = np.take_along_axis(S, part, axis=1)
    order = np.argsort(-vals, axis=1)
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(vals, order, axis=1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=100_000)
    p.add_argument("--items", type=int, default=20_000)
    p.add_argument("--factors", type=int, default=64)
    p.add_argument("--seen", type=int, default=50, help="seen items per user")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--block-size", type=int, default=4096)
    p.add_argument("--block-rows", type=int, default=10_000, help="rows of the single block")
    p.add_argument("--n-jobs", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()

    rng = np.random.default_rng(42)
    U = rng.standard_normal((args.users, args.factors), dtype=np.float32)
    V = rng.standard_normal((args.items, args.factors), dtype=np.float32)
    rows = np.repeat(np.arange(args.users), args.seen)
    cols = rng.integers(0, args.items, size=rows.size)
    seen = build_csr(rows, cols, shape=(args.users, args.items), duplicates="max")
    score_fn = factor_scores(U, V)
    k = args.k
    print(
        f"users={args.users:,} items={args.items:,} factors={args.factors} k={k} "
        f"seen={seen.nnz:,} ({seen.nnz / args.users:.1f}/user) block_size={args.block_size}"
    )

    table = []
    ref = None
    for n_jobs in args.n_jobs:

        def run(n_jobs: int = n_jobs) -> tuple[np.ndarray, np.ndarray]:
            return topk_blocks(
                score_fn, args.users, k, block_size=args.block_size, exclude=seen, n_jobs=n_jobs
            )

        t, out = best_time(run, 1)
        peak = peak_bytes(run) / 2**20
        if ref is None:
            ref = out
        same = np.array_equal(out[0], ref[0])
        # no excluded item may come back
        r = np.repeat(np.arange(args.users), k)
        c = out[0].ravel()
        hit = seen[r[c >= 0], c[c >= 0]]
        assert not np.asarray(hit).any(), "an excluded item was returned"
        table.append((f"topk_blocks n_jobs={n_jobs}", t, args.users / t, f"{peak:,.0f}", same))
        del out

    rss_blocks = maxrss_mb()  # before the single-block comparison allocates its 763 MB block

    # one precomputed block: the selection alone ------------------------------------------
    n_blk = min(args.block_rows, args.users)
    S = U[:n_blk] @ V.T
    t_anchor, (_, a_val) = best_time(lambda: anchor_topk(S, k), args.repeat)
    t_ours, (_, o_val) = best_time(lambda: topk(S, k), args.repeat)
    agree = np.array_equal(np.sort(o_val, axis=1), np.sort(a_val, axis=1))
    blk_seen = seen[:n_blk]

    def anchor_excl() -> tuple[np.ndarray, np.ndarray]:
        S2 = S.copy()
        rr = np.repeat(np.arange(n_blk), np.diff(blk_seen.indptr))
        S2[rr, blk_seen.indices] = -np.inf
        return anchor_topk(S2, k)

    t_anchor_x, _ = best_time(anchor_excl, args.repeat)
    t_ours_x, _ = best_time(lambda: topk(S, k, exclude=blk_seen), args.repeat)
    peak_a = peak_bytes(lambda: anchor_topk(S, k)) / 2**20
    peak_o = peak_bytes(lambda: topk(S, k)) / 2**20
    table += [
        (f"anchor argpartition, {n_blk:,} rows", t_anchor, n_blk / t_anchor, f"{peak_a:,.0f}", ""),
        (f"filmreco topk, {n_blk:,} rows", t_ours, n_blk / t_ours, f"{peak_o:,.0f}", agree),
        ("anchor + seen masking", t_anchor_x, n_blk / t_anchor_x, "", ""),
        ("filmreco topk exclude=seen", t_ours_x, n_blk / t_ours_x, "", ""),
    ]

    print(f"\n{'case':<38}{'wall s':>9}{'rows/s':>12}{'peak MB':>10}  same")
    for name, t, rps, peak, same in table:
        print(f"{name:<38}{t:>9.3f}{rps:>12,.0f}{peak:>10}  {same}")
    ratio = t_ours / t_anchor
    ratio_x = t_ours_x / t_anchor_x
    print(
        f"\nselection on one block: filmreco / anchor time = {ratio:.2f}x "
        f"({'within' if ratio <= 1.5 else 'MISSES'} the 1.5x target); "
        f"with seen exclusion {ratio_x:.2f}x"
    )
    print(
        f"process max RSS after the all-user runs (factors, seen matrix and outputs included): "
        f"{rss_blocks:,.0f} MB; after the single-block comparison: {maxrss_mb():,.0f} MB "
        f"(includes the {S.nbytes / 2**20:,.0f} MB block and the anchor's temporaries)"
    )


if __name__ == "__main__":
    main()
