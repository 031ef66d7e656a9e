"""Fit time of issue 17's models on MovieLens 1M as a user meets it: one fit per fresh
process (imports, numba's cached kernels and BLAS start-up paid inside the process, not
timed; the fit itself timed once, no warm-up fit), interleaved over the models, repeated.

Data: split seed 0's training part of the --seeds protocol of bench_recommend.py (ratings
>= 4, per-user random 80 %). Settings: the ml-1m picks of that run (numpy EASE and EASE
regularization 1000, EDLAE (400, 0.5), HigherOrderEASE + 1,000 pairs (penalty 3000), ALS
64 factors / 15 sweeps with Rendle et al.'s frequency-scaled ridge (0.05, alpha 4),
implicit ALS (100, alpha 10), 64 factors / 15 iterations; the stacked Hybrid of the last
two, weights learned or given). Threads: 2 for BLAS, numba
and implicit. Ratios are against numpy EASE (the best ml-1m anchor) and filmreco's EASE.

    flock -x /tmp/quiet.lock python benchmarks/bench_fit_times.py /work/benchdata/movielens --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODELS = (
    "numpy EASE",
    "implicit ALS",
    "EASE",
    "EDLAE",
    "HigherOrderEASE",
    "ALS (freq. reg.)",
    "Hybrid (stacked)",
    "Hybrid (weights given)",
)
THREADS = "2"


def fit_once(root: Path, name: str) -> float:
    """Build the model `name`, fit it once on the training part, return the seconds."""
    sys.path.insert(0, str(HERE))
    from bench_recommend import SEED, ImplicitModel, NumpyEASE, load

    from filmreco.recommend import ALS, EASE, EDLAE, HigherOrderEASE, Hybrid
    from filmreco.recommend.evaluation import split_random

    train, _ = split_random(load(root, "ml-1m"), 0.2, random_state=SEED)
    X = train.matrix
    if name == "numpy EASE":
        model, data = NumpyEASE(1000.0), X
    elif name == "implicit ALS":
        from implicit.cpu.als import AlternatingLeastSquares

        def factory() -> AlternatingLeastSquares:
            return AlternatingLeastSquares(factors=64, regularization=100.0, alpha=10.0,
                                           iterations=15, random_state=SEED)  # fmt: skip

        model, data = ImplicitModel(factory), X
    else:

        def hoe() -> HigherOrderEASE:
            return HigherOrderEASE(400.0, dropout=0.5, n_pairs=1000, pair_regularization=3000.0)

        def als() -> ALS:
            return ALS(64, regularization=0.05, alpha=4.0, regularization_exponent=1.0,
                       max_iter=15, n_jobs=2, random_state=SEED)  # fmt: skip

        model = {
            "EASE": lambda: EASE(1000.0),
            "EDLAE": lambda: EDLAE(400.0, 0.5),
            "HigherOrderEASE": hoe,
            "ALS (freq. reg.)": als,
            # the bench's best row: weights learned by stacking (fits each member 3 times),
            # or given (the weights that stacking picked on four of five ml-1m seeds)
            "Hybrid (stacked)": lambda: Hybrid([hoe(), als()]),
            "Hybrid (weights given)": lambda: Hybrid([hoe(), als()], weights=[0.3, 0.7]),
        }[name]()
        data = train
    t = time.perf_counter()
    model.fit(data)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="directory holding ml-1m/ratings.csv")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--models", nargs="+", default=list(MODELS))
    ap.add_argument("--fit-once", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.fit_once:
        print(json.dumps({"seconds": fit_once(args.root, args.fit_once)}))
        return 0
    env = {**os.environ, "OMP_NUM_THREADS": THREADS, "OPENBLAS_NUM_THREADS": THREADS,
           "MKL_NUM_THREADS": THREADS, "NUMBA_NUM_THREADS": THREADS}  # fmt: skip
    times: dict[str, list[float]] = {m: [] for m in args.models}
    for r in range(args.repeat):
        for m in args.models:
            out = subprocess.run(
                [sys.executable, "-W", "ignore", __file__, str(args.root), "--fit-once", m],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            times[m].append(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])
            print(f"round {r + 1} {m:18s} {times[m][-1]:.2f} s", flush=True)
    med = {m: sorted(v)[len(v) // 2] for m, v in times.items()}
    print("\n| model | fit s (median) | per round | / numpy EASE | / EASE |")
    print("|---|---:|---|---:|---:|")
    for m, v in times.items():
        a = f"{med[m] / med['numpy EASE']:.2f}x" if "numpy EASE" in med else ""
        e = f"{med[m] / med['EASE']:.2f}x" if "EASE" in med else ""
        print(f"| {m} | {med[m]:.2f} | {', '.join(f'{x:.2f}' for x in v)} | {a} | {e} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
