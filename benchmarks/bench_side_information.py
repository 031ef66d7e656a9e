"""Is my catalogue worth using? EASE / EDLAE with the catalogue's genres, tuned by ``tune``.

For each split seed of ``bench_recommend.py``'s protocol (ratings >= 4 as positives, random
80/20 per user; the validation split carved from the training part with the same seeds),
:func:`filmreco.recommend.tune` picks the regularisation (and EDLAE's dropout) together with
``side_weight`` (0 = no catalogue) on the validation split, with its guard: a candidate with
the catalogue must beat the best plain model *and* the same candidate on a shuffled
catalogue (each film given another film's metadata) on the validation users, simultaneously
over the candidates at 5% (the rows "control=False" drop the second test: the catalogue
must only beat the plain model). The tuned model is refitted on the training part and scored on
the test part (NDCG@10, seen = training positives), beside the plain model tuned on the same
grid without the catalogue. The placebo rows do the same with a shuffled catalogue passed as
if it were real: the guard should keep ``side_weight`` 0 (at least 95% of the time).

Test data are only read for the table; every choice is made on validation.

    python benchmarks/bench_side_information.py /work/benchdata/movielens --seeds 5
    python benchmarks/bench_side_information.py /work/benchdata/movielens --fit-time 3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_recommend import SEED, load, load_catalog

from filmreco.data import Catalog
from filmreco.recommend import EASE, EDLAE, shuffle_catalog
from filmreco.recommend.evaluation import evaluate, split_random, tune

SIDE = [0.0, 1.0, 3.0, 10.0, 30.0, 100.0]
FAMILIES: dict[str, tuple[Any, dict[str, list[Any]]]] = {
    "EASE": (EASE, {"regularization": [200.0, 400.0, 700.0, 1000.0]}),
    "EDLAE": (EDLAE, {"regularization": [100.0, 200.0, 400.0], "dropout": [0.25, 0.5]}),
}


def passed(r: dict[str, Any]) -> bool:
    """Whether a tested candidate passed tune's guard (its control too, when tested)."""
    gain, control = r.get("gain_lower_bound"), r.get("control_lower_bound")
    return gain is not None and gain > 0 and (control is None or control > 0)


def one_seed(X: Any, catalog: Any, i: int, placebo_seed: int) -> list[dict[str, Any]]:
    seed = SEED + 10 * i
    train, test = split_random(X, 0.2, random_state=seed)

    def split(data: Any, seed: int = seed) -> Any:
        return split_random(data, 0.2, random_state=seed + 1)

    rows = []
    placebo = shuffle_catalog(catalog, placebo_seed + i)
    for family, (cls, base_grid) in FAMILIES.items():
        plain = tune(cls(), base_grid, train, split=split, random_state=seed)
        plain_ndcg = float(evaluate(plain.best_model, train, test, k=10, fit=False)["ndcg@10"])
        for kind, cat, control in (
            ("genres", catalog, True),
            ("genres, tune(control=False)", catalog, False),
            ("placebo (shuffled genres)", placebo, True),
        ):
            t0 = time.perf_counter()
            res = tune(cls(catalog=cat), {**base_grid, "side_weight": SIDE}, train, split=split,
                       control=control, random_state=seed)  # fmt: skip
            secs = time.perf_counter() - t0
            ndcg = float(evaluate(res.best_model, train, test, k=10, fit=False)["ndcg@10"])
            tested = [r for r in res.results if r["params"]["side_weight"] > 0]
            top = max(tested, key=lambda r: r["score"])
            rows.append(
                {
                    "seed": i,
                    "family": family,
                    "catalogue": kind,
                    "picked": res.best_params,
                    "valid": res.best_score,
                    "test_ndcg10": ndcg,
                    "plain_params": plain.best_params,
                    "plain_valid": plain.best_score,
                    "plain_test_ndcg10": plain_ndcg,
                    "best_side_valid": top["score"],
                    "best_side_params": top["params"],
                    "best_side_gain_lb": top.get("gain_lower_bound"),
                    "best_side_control_lb": top.get("control_lower_bound"),
                    "n_passing": sum(passed(r) for r in tested),
                    "n_tested": len(tested),
                    "tune_seconds": secs,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list[dict[str, Any]]) -> None:
    print("\n| family | catalogue | seeds keeping it | side weights picked | test NDCG@10 | "
          "plain (same grid, no catalogue) | difference per seed |")  # fmt: skip
    print("|---|---|---:|---|---:|---:|---|")
    keys = sorted({(r["family"], r["catalogue"]) for r in rows}, key=lambda k: (k[0], k[1]))
    for fam, kind in keys:
        rs = sorted((r for r in rows if (r["family"], r["catalogue"]) == (fam, kind)),
                    key=lambda r: r["seed"])  # fmt: skip
        kept = sum(r["picked"]["side_weight"] > 0 for r in rs)
        weights = ", ".join(f"{r['picked']['side_weight']:g}" for r in rs)
        diff = ", ".join(f"{r['test_ndcg10'] - r['plain_test_ndcg10']:+.4f}" for r in rs)
        mean = np.mean([r["test_ndcg10"] for r in rs])
        plain = np.mean([r["plain_test_ndcg10"] for r in rs])
        print(f"| {fam} | {kind} | {kept}/{len(rs)} | {weights} | {mean:.4f} | {plain:.4f} | "
              f"{diff} |")  # fmt: skip


def fit_once(root: Path, kind: str) -> float:
    """Seconds of one ``EASE(700).fit`` on ml-1m in this (fresh) process, plain or with a
    random 18-genre catalogue (1-3 genres per film; ml-1m here ships no items.csv)."""
    X = load(root, "ml-1m")
    rng = np.random.default_rng(0)
    genres = [f"g{i}" for i in range(18)]
    cat = Catalog.from_records([
        {"id": i, "genres": list(rng.choice(genres, size=rng.integers(1, 4), replace=False))}
        for i in X.item_ids.ids
    ])  # fmt: skip
    model = EASE(700.0, catalog=cat, side_weight=10.0) if kind == "catalog" else EASE(700.0)
    t0 = time.perf_counter()
    model.fit(X)
    return time.perf_counter() - t0


def fit_times(root: Path, repeat: int) -> None:
    """Plain and catalogue fits, each in a fresh process, interleaved `repeat` times."""
    times: dict[str, list[float]] = {"plain": [], "catalog": []}
    for _ in range(repeat):
        for kind in times:
            out = subprocess.run(
                [sys.executable, __file__, str(root), "--fit-once", kind],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            times[kind].append(float(out.stdout.split()[-1]))
    for kind, ts in times.items():
        print(f"{kind:8s} " + " ".join(f"{t:.3f}" for t in ts) + f"  median {np.median(ts):.3f} s")
    print(
        f"catalogue / plain (medians): {np.median(times['catalog']) / np.median(times['plain']):.2f}x"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="directory holding ml-100k/ratings.csv, items.csv")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--seed-index", type=int, nargs="*", default=None)
    ap.add_argument("--placebo-seed", type=int, default=1000)
    ap.add_argument("--json", type=Path, default=None, help="append the rows here")
    ap.add_argument("--table", type=Path, nargs="*", default=None, help="print the table of files")
    ap.add_argument("--fit-time", type=int, default=0, metavar="REPEAT",
                    help="time EASE's fit on ml-1m plain and with a catalogue instead")  # fmt: skip
    ap.add_argument("--fit-once", choices=("plain", "catalog"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.fit_once:
        print(f"{fit_once(args.root, args.fit_once):.4f}")
        return 0
    if args.fit_time:
        fit_times(args.root, args.fit_time)
        return 0
    if args.table:
        rows = [json.loads(line) for p in args.table for line in p.read_text().splitlines()]
        table(rows)
        return 0
    X = load(args.root, "ml-100k")
    catalog = load_catalog(args.root, "ml-100k")
    if catalog is None:
        raise SystemExit("ml-100k/items.csv not found: run shared/data/get_movielens.sh")
    rows = []
    for i in args.seed_index if args.seed_index is not None else range(args.seeds):
        got = one_seed(X, catalog, i, args.placebo_seed)
        rows += got
        if args.json is not None:
            with args.json.open("a") as f:
                f.writelines(json.dumps(r) + "\n" for r in got)
    table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
