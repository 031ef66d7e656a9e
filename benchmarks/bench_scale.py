"""filmreco at platform scale: synthetic power-law interactions vs implicit, and bulk loading.

Run by hand (needs the ``bench`` extra: implicit, pandas), one timing run at a time::

    flock /tmp/bench.lock python benchmarks/bench_scale.py [--sizes S M L] [--steps ...]

Sizes (users x films x events): ``S`` 100k x 10k x 2M, ``M`` 300k x 30k x 6M, ``L`` 1M x 50k x
20M. The events are drawn once per size: user activity is log-normal, film popularity
Zipf-like (``rank ** -1``, ranks shuffled over the film ids), and half of each user's events
come from one of 50 taste groups (each its own popularity order), so neighbours mean
something. Duplicate (user, film) events are kept for the loading steps and collapsed for
the models (implicit feedback, value 1).

Every *step* (fit + recommend of one model, or one loading route) runs in a fresh child
process (``python bench_scale.py --child ...``), so each is timed as a user meets it, and
its peak memory is the child's own (the kernel's VmHWM; for loading, reset just before the
call and reported above the memory the call started with). Everything runs
with the same number of threads (``--threads``, default 2): filmreco ``n_jobs``, implicit's
``num_threads``, BLAS/OpenMP via threadpoolctl and the ``*_NUM_THREADS`` variables.
``recommend`` asks for the top 10 of 20k random users with their seen films filtered.

SANSA (sparse approximate EASE, ``SANSA_ENTRIES`` entries per item) is set against exact
``EASE`` (same regularization), which fits S and refuses M and L (its memory error row). Adding a model: write a ``fit``/``recommend`` pair below and append a :class:`Model` to
``MODELS``; a row of ``PAIRS`` puts it next to its anchor in the ratio table. Adding a
loading route: a function ``(data) -> object with .nbytes`` in ``LOADERS`` and a row in
``LOAD_PAIRS``. The script prints Markdown tables; ``--json`` writes the raw figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

SIZES = {
    "S": (100_000, 10_000, 2_000_000),
    "M": (300_000, 30_000, 6_000_000),
    "L": (1_000_000, 50_000, 20_000_000),
}
SEED = 20261207
N_QUERY_USERS = 20_000
N = 10
K = 100  # neighbours of the kNN models (implicit's default)
N_GROUPS = 50
ALS_ITER = 5  # sweeps of both ALS (the same for both; fewer than the usual 15 keep L lean)
SANSA_ENTRIES = 250  # entries per item of SANSA's factors (what EASE's memory error suggests)
SANSA_LAMBDA = 500.0


# --------------------------------------------------------------------------- data
def make_events(n_users: int, n_items: int, n_events: int, seed: int) -> dict[str, np.ndarray]:
    """Power-law events: log-normal activity per user, Zipf-like film popularity."""
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, 1.0, n_users)
    counts = np.maximum(1, np.round(activity * (n_events / activity.sum()))).astype(np.int64)
    users = np.repeat(np.arange(n_users, dtype=np.int64), counts)
    m = users.size
    cdf = np.cumsum(1.0 / np.arange(1, n_items + 1))
    cdf /= cdf[-1]
    rank = np.searchsorted(cdf, rng.random(m)).astype(np.int64)
    perms = np.stack([rng.permutation(n_items) for _ in range(N_GROUPS + 1)])
    group = rng.integers(1, N_GROUPS + 1, n_users)[users]
    group[rng.random(m) < 0.5] = 0  # half the events follow the global popularity
    items = perms[group, rank]
    del rank, group
    values = rng.integers(1, 6, m).astype(np.float32)
    return {"users": users, "items": items, "values": values}


def implicit_csr(data: dict[str, np.ndarray], n_users: int, n_items: int) -> sp.csr_array:
    """Users x items CSR with value 1 per distinct (user, film) pair."""
    X = sp.csr_array(
        (np.ones(data["users"].size, dtype=np.float32), (data["users"], data["items"])),
        shape=(n_users, n_items),
    )
    X.sum_duplicates()
    X.data[:] = 1.0
    return X


# --------------------------------------------------------------------------- models
@dataclass
class Model:
    """A model step: ``fit(X, threads) -> fitted``, ``recommend(fitted, X, rows, n)``."""

    name: str
    fit: Callable[[sp.csr_array, int], Any]
    recommend: Callable[[Any, sp.csr_array, np.ndarray, int, int], np.ndarray]


def _fr_interactions(X: sp.csr_array) -> Any:
    from filmreco.data import Interactions
    from filmreco.sparse import IdMap

    return Interactions(X, IdMap(np.arange(X.shape[0])), IdMap(np.arange(X.shape[1])))


def _fr_recommend(model: Any, X: sp.csr_array, rows: np.ndarray, n: int, threads: int) -> Any:
    return model.recommend(rows, n=n, filter_seen=True, n_jobs=threads)[0]


def _fr_knn(weighting: str) -> Callable[[sp.csr_array, int], Any]:
    def fit(X: sp.csr_array, threads: int) -> Any:
        from filmreco.recommend import ItemKNN

        return ItemKNN(K, weighting=weighting, n_jobs=threads).fit(_fr_interactions(X))

    return fit


def _fr_als(X: sp.csr_array, threads: int) -> Any:
    from filmreco.recommend import ALS

    model = ALS(
        64, regularization=0.05, alpha=1.0, max_iter=ALS_ITER, random_state=0, n_jobs=threads
    )
    return model.fit(_fr_interactions(X))


def _fr_sansa(X: sp.csr_array, threads: int) -> Any:
    from filmreco.recommend import SANSA

    density = min(1.0, SANSA_ENTRIES / max(X.shape[1] - 1, 1))
    return SANSA(SANSA_LAMBDA, density=density, n_jobs=threads).fit(_fr_interactions(X))


def _fr_ease(X: sp.csr_array, threads: int) -> Any:
    from filmreco.recommend import EASE

    return EASE(SANSA_LAMBDA).fit(_fr_interactions(X))  # refuses M and L (memory_limit)


def _imp_knn(kind: str) -> Callable[[sp.csr_array, int], Any]:
    def fit(X: sp.csr_array, threads: int) -> Any:
        from implicit.nearest_neighbours import BM25Recommender, CosineRecommender

        cls = {"cosine": CosineRecommender, "bm25": BM25Recommender}[kind]
        model = cls(K=K, num_threads=threads)
        model.fit(sp.csr_matrix(X), show_progress=False)
        return model

    return fit


def _imp_als(X: sp.csr_array, threads: int) -> Any:
    from implicit.cpu.als import AlternatingLeastSquares

    model = AlternatingLeastSquares(
        factors=64, regularization=0.05, alpha=1.0, iterations=ALS_ITER, num_threads=threads,
        random_state=0,
    )  # fmt: skip
    model.fit(sp.csr_matrix(X), show_progress=False)
    return model


def _imp_recommend(model: Any, X: sp.csr_array, rows: np.ndarray, n: int, threads: int) -> Any:
    ids, _ = model.recommend(rows, sp.csr_matrix(X[rows]), N=n, filter_already_liked_items=True)
    return ids


MODELS = {
    m.name: m
    for m in [
        Model("filmreco ItemKNN cosine", _fr_knn("cosine"), _fr_recommend),
        Model("implicit CosineRecommender", _imp_knn("cosine"), _imp_recommend),
        Model("filmreco ItemKNN bm25", _fr_knn("bm25"), _fr_recommend),
        Model("implicit BM25Recommender", _imp_knn("bm25"), _imp_recommend),
        Model("filmreco ALS", _fr_als, _fr_recommend),
        Model("implicit ALS", _imp_als, _imp_recommend),
        Model("filmreco SANSA", _fr_sansa, _fr_recommend),
        Model("filmreco EASE", _fr_ease, _fr_recommend),
    ]
}
#: (filmreco model, anchor model or None): a row of the ratio table each.
PAIRS: list[tuple[str, str | None]] = [
    ("filmreco ItemKNN cosine", "implicit CosineRecommender"),
    ("filmreco ItemKNN bm25", "implicit BM25Recommender"),
    ("filmreco ALS", "implicit ALS"),
    ("filmreco SANSA", "filmreco EASE"),  # exact EASE where it fits (S); refused at M and L
]


# --------------------------------------------------------------------------- loading
def _scipy_route(users: Any, items: Any, values: Any) -> sp.csr_array:
    """The plain route: np.unique id maps, then coo -> csr (duplicates summed)."""
    u_ids, u = np.unique(users, return_inverse=True)
    i_ids, i = np.unique(items, return_inverse=True)
    X = sp.coo_array((values, (u, i)), shape=(u_ids.size, i_ids.size)).tocsr()
    return X


def _csr_nbytes(X: Any) -> int:
    M = getattr(X, "matrix", X)
    return int(M.data.nbytes + M.indices.nbytes + M.indptr.nbytes)


def load_scipy_arrays(d: dict[str, Any]) -> Any:
    return _scipy_route(d["users"], d["items"], d["values"])


def load_fr_arrays(d: dict[str, Any]) -> Any:
    from filmreco.data import Interactions

    return Interactions.from_arrays(d["users"], d["items"], d["values"], duplicates="max")


def load_scipy_csv(d: dict[str, Any]) -> Any:
    import pandas as pd

    df = pd.read_csv(d["csv"])
    return _scipy_route(df["user"].to_numpy(), df["item"].to_numpy(), df["rating"].to_numpy())


def load_fr_csv(d: dict[str, Any]) -> Any:
    from filmreco.data import Interactions

    return Interactions.from_csv(d["csv"], "user", "item", "rating", duplicates="max")


def load_scipy_frame(d: dict[str, Any]) -> Any:
    df = d["frame"]
    return _scipy_route(df["user"].to_numpy(), df["item"].to_numpy(), df["rating"].to_numpy())


def load_fr_frame(d: dict[str, Any]) -> Any:
    from filmreco.data import Interactions

    return Interactions.from_frame(d["frame"], "user", "item", "rating", duplicates="max")


#: name -> (loader, input it needs: "arrays", "csv" or "frame")
LOADERS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "scipy from arrays": (load_scipy_arrays, "arrays"),
    "filmreco from_arrays": (load_fr_arrays, "arrays"),
    "pandas.read_csv + scipy": (load_scipy_csv, "csv"),
    "filmreco from_csv": (load_fr_csv, "csv"),
    "scipy from a DataFrame": (load_scipy_frame, "frame"),
    "filmreco from_frame": (load_fr_frame, "frame"),
}
LOAD_PAIRS = [
    ("filmreco from_arrays", "scipy from arrays"),
    ("filmreco from_csv", "pandas.read_csv + scipy"),
    ("filmreco from_frame", "scipy from a DataFrame"),
]


# --------------------------------------------------------------------------- child side
def _rss_now() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak() -> None:
    """Restart the kernel's peak-RSS counter (VmHWM) of this process (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:  # pragma: no cover - then the peak includes the set-up
        pass


def _peak() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(args: argparse.Namespace) -> None:
    """Run one step in this (fresh) process and print its figures as JSON."""
    from threadpoolctl import threadpool_limits

    threads = args.threads
    n_users, n_items, _ = SIZES[args.size]
    # libraries are imported before the clock starts: a user fitting a model has imported
    # it already (numba's compiled kernels still load inside the timed call, on first use)
    if args.step.startswith("filmreco"):
        import filmreco.data
        import filmreco.recommend  # noqa: F401
    elif args.step.startswith("implicit"):
        import implicit.cpu.als
        import implicit.nearest_neighbours  # noqa: F401
    else:
        import pandas  # noqa: F401
    raw = np.load(args.data)
    out: dict[str, Any] = {}
    with threadpool_limits(threads):
        if args.kind == "model":
            d = {k: raw[k] for k in ("users", "items")}
            X = implicit_csr(d, n_users, n_items)
            del d, raw
            rows = np.random.default_rng(SEED).choice(n_users, N_QUERY_USERS, replace=False)
            rows.sort()
            model = MODELS[args.step]
            out["base_mb"] = _rss_now() / 2**20
            t, c = time.perf_counter(), time.process_time()
            fitted = model.fit(X, threads)
            out["fit_s"] = time.perf_counter() - t
            out["fit_cpu_s"] = time.process_time() - c  # all threads' CPU time
            out["fit_peak_mb"] = _peak() / 2**20
            t, c = time.perf_counter(), time.process_time()
            ids = model.recommend(fitted, X, rows, N, threads)
            out["rec_s"] = time.perf_counter() - t
            out["rec_cpu_s"] = time.process_time() - c
            out["rec_peak_mb"] = _peak() / 2**20
            out["shape"] = list(np.shape(ids))
        else:
            loader, need = LOADERS[args.step]
            d: dict[str, Any] = {}
            if need == "arrays":
                d = {k: raw[k] for k in ("users", "items", "values")}
            elif need == "csv":
                d = {"csv": args.csv}
            else:
                import pandas as pd

                d = {
                    "frame": pd.DataFrame(
                        {"user": raw["users"], "item": raw["items"], "rating": raw["values"]}
                    )
                }
            del raw
            base = _rss_now()
            out["base_mb"] = base / 2**20
            _reset_peak()
            t = time.perf_counter()
            result = loader(d)
            out["load_s"] = time.perf_counter() - t
            out["extra_peak_mb"] = (_peak() - base) / 2**20
            out["csr_mb"] = _csr_nbytes(result) / 2**20
    print(json.dumps(out))


# --------------------------------------------------------------------------- parent side
def run_step(argv: list[str], threads: int) -> dict[str, Any]:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[var] = str(threads)
    cmd = [sys.executable, __file__, "--child", "--threads", str(threads), *argv]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    t = time.perf_counter()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.stderr.write(stderr.decode())
        return {"error": stderr.decode().strip().splitlines()[-1:] or ["?"], "wall_s": wall}
    out: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    out["wall_s"] = wall
    return out


def fmt_ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "-"
    return f"{a / b:.2f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    ap.add_argument("--steps", nargs="+", default=None, help="model or loader names (default all)")
    ap.add_argument("--no-load", action="store_true", help="skip the bulk-loading steps")
    ap.add_argument("--no-models", action="store_true", help="skip the model steps")
    ap.add_argument("--load-size", default="L", choices=list(SIZES), help="size of loading steps")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--tmp", type=Path, default=None, help="folder for the generated data")
    # child mode (internal)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--size", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--csv", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return

    results: dict[str, Any] = {"threads": args.threads, "models": {}, "load": {}}
    wanted = set(args.steps) if args.steps else None
    with tempfile.TemporaryDirectory(dir=args.tmp, prefix="filmreco-scale-") as tmp:
        sizes = [] if args.no_models else list(args.sizes)
        if not args.no_load and args.load_size not in sizes:
            sizes.append(args.load_size)
        for size in sizes:
            n_users, n_items, n_events = SIZES[size]
            t = time.perf_counter()
            data = make_events(n_users, n_items, n_events, SEED)
            path = Path(tmp) / f"events-{size}.npz"
            np.savez(path, **data)
            X = implicit_csr(data, n_users, n_items)
            print(
                f"## size {size}: {n_users:,} users x {n_items:,} films, {data['users'].size:,} "
                f"events, {X.nnz:,} distinct pairs (generated in {time.perf_counter() - t:.1f} s)",
                flush=True,
            )
            del X
            if not args.no_models and size in args.sizes:
                res = results["models"].setdefault(size, {})
                for name in MODELS:
                    if wanted is not None and name not in wanted:
                        continue
                    argv = ["--kind", "model", "--step", name, "--size", size, "--data", str(path)]
                    res[name] = run_step(argv, args.threads)
                    print(f"  {name}: {res[name]}", flush=True)
            if not args.no_load and size == args.load_size:
                import pandas as pd

                csv = Path(tmp) / "events.csv"
                pd.DataFrame(
                    {"user": data["users"], "item": data["items"], "rating": data["values"]}
                ).to_csv(csv, index=False, float_format="%.0f")
                res = results["load"]
                for name in LOADERS:
                    if wanted is not None and name not in wanted:
                        continue
                    argv = ["--kind", "load", "--step", name, "--size", size]
                    argv += ["--data", str(path), "--csv", str(csv)]
                    res[name] = run_step(argv, args.threads)
                    print(f"  {name}: {res[name]}", flush=True)
                csv.unlink()
            del data
    report(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"\n### Models ({args.threads} threads each; recommend: top {N} of 20k users)\n")
    print("| size | model | fit s | recommend s | peak MB (fit / rec) | fit ratio | rec ratio |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for size, res in results["models"].items():
        for ours, anchor in PAIRS:
            for name in (ours, anchor):
                r = res.get(name) if name is not None else None
                if r is None:
                    continue
                if "error" in r:
                    print(f"| {size} | {name} | error: {r['error']} | | | | |")
                    continue
                a = res.get(anchor, {}) if name == ours and anchor is not None else {}
                fit_r = fmt_ratio(r.get("fit_s"), a.get("fit_s")) if name == ours else ""
                rec_r = fmt_ratio(r.get("rec_s"), a.get("rec_s")) if name == ours else ""
                print(
                    f"| {size} | {name} | {r['fit_s']:.2f} | {r['rec_s']:.2f} | "
                    f"{r['fit_peak_mb']:.0f} / {r['rec_peak_mb']:.0f} | {fit_r} | {rec_r} |"
                )
    if results["load"]:
        n_events = SIZES[args.load_size][2]
        print(f"\n### Bulk loading ({n_events:,} events, duplicates='max' for filmreco)\n")
        print("| route | s | extra peak MB | final CSR MB | peak / CSR | time ratio |")
        print("|---|---:|---:|---:|---:|---:|")
        res = results["load"]
        for ours, anchor in LOAD_PAIRS:
            for name in (ours, anchor):
                r = res.get(name)
                if r is None:
                    continue
                if "error" in r:
                    print(f"| {name} | error: {r['error']} | | | | |")
                    continue
                a = res.get(anchor, {}) if name == ours else {}
                ratio = fmt_ratio(r.get("load_s"), a.get("load_s")) if name == ours else ""
                print(
                    f"| {name} | {r['load_s']:.2f} | {r['extra_peak_mb']:.0f} | "
                    f"{r['csr_mb']:.0f} | {r['extra_peak_mb'] / r['csr_mb']:.2f} | {ratio} |"
                )


if __name__ == "__main__":
    main()
