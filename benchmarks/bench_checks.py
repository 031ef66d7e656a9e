"""Cost of filmreco's structural check of sparse input (issue 18), against scipy's own.

Every matrix a user passes (and every one read from a file) is checked before a compiled
kernel sees it: ``filmreco._validation.check_sparse_structure``. The anchor is scipy's
``check_format(full_check=True)``, the check it replaced on the load path. Both run on the
same ml-1m-sized matrix (6,040 x 3,706, about 575k entries, from ``make_synthetic``), in this
process, best of `--repeat` after one untimed call each. A fit for scale: EASE on it.

    python benchmarks/bench_checks.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import time

import scipy.sparse as sp

from filmreco._validation import check_csr, check_sparse_structure
from filmreco.datasets import make_synthetic
from filmreco.recommend import EASE


def best(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()
    data = make_synthetic(n_users=6040, n_items=3706, density=0.0257, random_state=0)
    X = sp.csr_array(data.interactions.matrix)
    print(f"matrix {X.shape[0]} x {X.shape[1]}, {X.nnz:,} entries; best of {args.repeat}")
    ours = best(lambda: check_sparse_structure(X, "X"), args.repeat)
    csr = best(lambda: check_csr(X, "X"), args.repeat)
    anchor = best(lambda: sp.csr_array(X).check_format(full_check=True), args.repeat)
    fit = best(lambda: EASE().fit(data.interactions), 3)
    print("| check | ms | ratio to scipy |")
    print("|---|---:|---:|")
    print(f"| filmreco check_sparse_structure | {ours * 1e3:.2f} | {ours / anchor:.2f} |")
    print(
        f"| filmreco check_csr (structure, order, dtype, copy) | {csr * 1e3:.2f} | {csr / anchor:.2f} |"
    )
    print(f"| scipy check_format(full_check=True) | {anchor * 1e3:.2f} | 1.00 |")
    print(
        f"(for scale: EASE fit on the same data {fit * 1e3:.0f} ms; the structure check is "
        f"{ours / fit:.2%} of it)"
    )


if __name__ == "__main__":
    main()
