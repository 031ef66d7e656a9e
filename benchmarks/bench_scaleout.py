"""Scale-out benchmark: 1 vs 2 workers, on loky and on a Dask LocalCluster, in the same run.

Run by hand (needs the ``dask`` extra and the data; nothing is downloaded here)::

    bash ../shared/data/get_movielens.sh /work/benchdata/movielens
    python benchmarks/bench_scaleout.py [--movielens DIR] [--graph FILE] [--repeat 3]
                                        [--only topk sim overhead rates]

Workloads, each run serially (``n_jobs=1``: the "1 worker" of every backend, since
joblib runs in-process when a backend offers one worker), on 2 threads, on 2 loky
processes, and through ``joblib.parallel_config(backend="dask")`` on a LocalCluster of 2
worker processes (one thread each, 127.0.0.1):

- ``topk``: top-10 for every user of ml-1m (ratings >= 4), ALS (64 factors) and EASE;
- ``sim``: 10,000 Independent Cascade runs on Slashdot (weighted cascade, the 50
  highest-out-degree seeds);
- ``overhead``: what a call and a task cost on each backend (trivial tasks);
- ``rates``: per-core rates used by the "Scaling out" guide's plan (scoring cells with
  128 factors, an ALS sweep, an EASE fit).

Times are wall-clock (``time.perf_counter``), best of ``--repeat``, after a warm-up call
on each backend (worker start, imports, numba's cache). Every result is checked to be
identical to the serial one. The 1-minute load average is printed beside each time: the
machine has 2 cores and may be shared, and a load above 2 means other processes took
some of them.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import psutil

from filmreco._parallel import parallel_map
from filmreco.data import Interactions
from filmreco.exceptions import DataWarning
from filmreco.recommend import ALS, EASE
from filmreco.social import IndependentCascade, SocialGraph
from filmreco.sparse import factor_scores, topk_blocks

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"
#: "1 worker" is the serial run for every backend: when a backend offers one worker (a
#: one-thread Dask cluster included), joblib -- and filmreco's seam -- run in-process.
BACKENDS = ("serial", "threads x2", "loky x2", "dask 2 workers")


# -- helpers ---------------------------------------------------------------------------------
def load1() -> float:
    return os.getloadavg()[0]


def table(title: str, head: list[str], rows: list[list[str]]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---:" if i else "---" for i in range(len(head))) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    sys.stdout.flush()


class Clusters:
    """A LocalCluster of 2 worker processes, started once, closed at the end."""

    def __init__(self) -> None:
        from distributed import Client, LocalCluster

        self.clients = {}
        self._cl = []
        for n in (2,):
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._cl.append(cluster)
            self.clients[n] = Client(cluster, set_as_default=False)

    def close(self) -> None:
        for c in self.clients.values():
            c.close()
        for cl in self._cl:
            cl.close()


@contextmanager
def backend(name: str, clusters: Clusters | None) -> Iterator[Any]:
    """The joblib configuration of `name`; yields the Dask client (or None)."""
    if name == "serial":
        with joblib.parallel_config(n_jobs=1):
            yield None
    elif name == "threads x2":
        with joblib.parallel_config(backend="threading", n_jobs=2):
            yield None
    elif name == "loky x2":
        with joblib.parallel_config(backend="loky", n_jobs=2):
            yield None
    else:
        assert clusters is not None
        client = clusters.clients[2]
        with joblib.parallel_config(backend="dask", client=client):
            yield client


def task_stats(client: Any, run: Callable[[], Any]) -> tuple[Any, str]:
    """Run once under Dask's task stream: (result, "tasks, median s per task")."""
    from distributed import get_task_stream

    with get_task_stream(client) as ts:
        out = run()
    spans = [
        ss["stop"] - ss["start"]
        for d in ts.data
        if str(d["key"]).startswith("batch_of")
        for ss in d["startstops"]
        if ss["action"] == "compute"
    ]
    if not spans:
        return out, "0"
    return out, f"{len(spans)} tasks, median {statistics.median(spans):.3f} s"


def cpu_tree() -> float:
    """CPU seconds used so far by this process and all its descendants (loky and Dask
    workers included): with other jobs on the machine, CPU / wall shows how many cores a
    run actually got, and serial CPU / parallel CPU what the parallel path costs."""
    me = psutil.Process()
    total = 0.0
    for p in [me, *me.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:  # a worker that just exited
            pass
    return total


def measure(
    label: str,
    run: Callable[[], Any],
    same: Callable[[Any, Any], bool],
    clusters: Clusters | None,
    repeat: int,
) -> list[list[str]]:
    rows, ref, base = [], None, None
    for name in BACKENDS:
        if name.startswith("dask") and clusters is None:
            continue
        with backend(name, clusters) as client:
            out = run()  # warm-up: workers, imports, numba's cache
            best, loads, cpu = np.inf, [], 0.0
            for _ in range(repeat):
                loads.append(load1())
                c = cpu_tree()
                t = time.perf_counter()
                out = run()
                dt = time.perf_counter() - t
                if dt < best:
                    best, cpu = dt, cpu_tree() - c
            tasks = ""
            if client is not None:
                _, tasks = task_stats(client, run)
        if ref is None:
            ref, base = out, best
        ok = same(ref, out)
        rows.append(
            [
                label,
                name,
                f"{best:.2f}",
                f"**{base / best:.2f}x**",
                f"{cpu:.2f}",
                f"{cpu / best:.2f}",
                f"{max(loads):.2f}",
                "yes" if ok else "**NO**",
                tasks,
            ]
        )
        print(
            f"  {label} {name}: {best:.3f} s, CPU {cpu:.2f} s (load {max(loads):.2f})", flush=True
        )
    return rows


HEAD = [
    "workload",
    "backend",
    "wall s",
    "speed-up vs serial",
    "CPU s (all processes)",
    "cores obtained (CPU / wall)",
    "load (1 min)",
    "identical",
    "dask tasks",
]


# -- 1. top-10 on ml-1m ----------------------------------------------------------------------
def bench_topk(root: Path, clusters: Clusters | None, repeat: int) -> None:
    X = Interactions.from_csv(root / "ml-1m" / "ratings.csv", "user", "item", "rating", "timestamp")
    X = X.to_implicit(4.0)
    # positives only, as the figures in README_scaleout were measured (no 1-3 star seen set)
    X = Interactions(X.matrix, X.user_ids, X.item_ids, timestamps=X.timestamps, ratings=X.ratings)
    users = X.user_ids.ids
    print(f"ml-1m positives: {X.shape[0]} users x {X.shape[1]} films, {X.matrix.nnz} cells")
    rows = []
    for name, model in (
        ("ALS-64", ALS(64, max_iter=10, random_state=0)),
        ("EASE", EASE(500.0)),
    ):
        model.fit(X)
        rows += measure(
            f"top-10 all users, {name}",
            lambda m=model: m.recommend(users, 10),
            lambda a, b: bool(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])),
            clusters,
            repeat,
        )
    # ten times the users (each user repeated): 54 blocks, enough for joblib's Dask backend
    # to batch them into ~0.2 s tasks
    many = np.tile(users, 10)
    model = ALS(64, max_iter=10, random_state=0).fit(X)
    rows += measure(
        "top-10, ml-1m users x10 (60,400 rows), ALS-64",
        lambda: model.recommend(many, 10),
        lambda a, b: bool(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])),
        clusters,
        repeat,
    )
    table("Top-10 for all 6,040 users of ml-1m (filter seen)", HEAD, rows)


# -- 2. 10,000 cascades on Slashdot ----------------------------------------------------------
def load_graph(path: Path) -> SocialGraph:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # SNAP files hold self-loops
        return SocialGraph.from_edgelist(path, directed=True)


def bench_sim(graph: Path, clusters: Clusters | None, repeat: int, n_runs: int) -> None:
    g = load_graph(graph)
    seeds = g.node_ids.ids[np.lexsort((np.arange(g.n_nodes), -g.out_degree()))[:50]]
    model = IndependentCascade(g)
    print(f"Slashdot: {g.n_nodes} nodes, {g.n_arcs} arcs")
    rows = measure(
        f"{n_runs:,} IC cascades",
        lambda: model.simulate(seeds, n_runs, random_state=1),
        lambda a, b: bool(
            np.array_equal(a.samples, b.samples)
            and np.array_equal(a.activation_probability, b.activation_probability)
        ),
        clusters,
        repeat,
    )
    table(f"{n_runs:,} Independent Cascade runs on Slashdot (50 seeds)", HEAD, rows)


# -- 3. overhead -----------------------------------------------------------------------------
def bench_overhead(clusters: Clusters | None, repeat: int) -> None:
    rows = []
    for name in BACKENDS[1:]:
        if name.startswith("dask") and clusters is None:
            continue
        with backend(name, clusters):
            parallel_map(abs, [(-1,), (-2,)])  # warm-up
            call = min(_timed(lambda: parallel_map(abs, [(-1,), (-2,)])) for _ in range(repeat))
            many = min(
                _timed(lambda: parallel_map(abs, [(-i,) for i in range(2000)]))
                for _ in range(repeat)
            )
        rows.append([name, f"{call * 1e3:.1f}", f"{many / 2000 * 1e6:.0f}", f"{load1():.2f}"])
    table(
        "Overhead: a 2-task call, and 2,000 trivial tasks (joblib batches them)",
        ["backend", "2-task call ms", "µs per trivial task", "load (1 min)"],
        rows,
    )


def _timed(f: Callable[[], Any]) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def _cpu(f: Callable[[], Any]) -> float:
    """CPU seconds of this process (one thread here), robust to other jobs' load."""
    t = time.process_time()
    f()
    return time.process_time() - t


# -- 4. per-core rates for the guide's plan ----------------------------------------------------
def bench_rates(root: Path | None, graph: Path | None, repeat: int) -> None:
    rng = np.random.default_rng(0)
    rows = []
    n_users, n_items, f = 4000, 100_000, 128
    U = rng.standard_normal((n_users, f), dtype=np.float32)
    V = rng.standard_normal((n_items, f), dtype=np.float32)
    block = max(1, (1 << 22) // n_items)
    topk_blocks(factor_scores(U[:block], V), block, 10, block_size=block, n_jobs=1)
    t = min(
        _cpu(lambda: topk_blocks(factor_scores(U, V), n_users, 10, block_size=block, n_jobs=1))
        for _ in range(repeat)
    )
    cells = n_users * n_items
    rows.append(
        [
            f"top-10 scoring, {f} factors, {n_items:,} films",
            f"{cells / t / 1e6:,.0f} M cells/s",
            f"{n_users / t:,.0f} users/s",
        ]
    )
    if root is not None:
        X = Interactions.from_csv(
            root / "ml-1m" / "ratings.csv", "user", "item", "rating", "timestamp"
        ).to_implicit(4.0)
        ALS(f, max_iter=1, random_state=0, n_jobs=1).fit(X)  # warm-up (numba cache)
        sweeps = 3
        t = min(
            _cpu(lambda: ALS(f, max_iter=sweeps, random_state=0, n_jobs=1).fit(X))
            for _ in range(repeat)
        )
        nnz = X.matrix.nnz
        rows.append(
            [
                f"ALS sweep (users + films), {f} factors, cg_steps=3",
                f"{nnz * sweeps / t / 1e6:.2f} M interactions/s",
                f"{sum(X.shape) * sweeps / t:,.0f} rows/s ({t / sweeps:.2f} s per sweep on ml-1m)",
            ]
        )
        t = min(_cpu(lambda: EASE(500.0).fit(X)) for _ in range(repeat))
        m = X.shape[1]
        rows.append(
            [
                f"EASE fit, {m:,} films",
                f"{t:.2f} s",
                f"{m**3 / 3 / t / 1e9:.1f} G (n³/3)/s",
            ]
        )
    if graph is not None:
        g = load_graph(graph)
        seeds = g.node_ids.ids[np.lexsort((np.arange(g.n_nodes), -g.out_degree()))[:50]]
        model = IndependentCascade(g)
        model.simulate(seeds, 200, random_state=0, n_jobs=1)  # warm-up (numba cache)
        res = None

        def sim() -> None:
            nonlocal res
            res = model.simulate(seeds, 2000, random_state=1, n_jobs=1)

        t = min(_cpu(sim) for _ in range(repeat))
        assert res is not None
        rows.append(
            [
                "IC cascade, Slashdot, 50 seeds (weighted cascade)",
                f"{t / 2000 * 1e6:,.0f} µs per cascade",
                f"{res.mean * 2000 / t / 1e6:.1f} M activations/s (mean reach {res.mean:,.0f})",
            ]
        )
    table(
        "Per-core rates (n_jobs=1, one BLAS thread; CPU seconds, so other jobs' load does not count)",
        ["step", "rate", "also"],
        rows,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--movielens", default="/work/benchdata/movielens")
    ap.add_argument("--graph", default=str(SHARED / "graphs" / "soc-Slashdot0902.txt.gz"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--no-dask", action="store_true", help="skip the LocalCluster backends")
    ap.add_argument(
        "--only", nargs="*", default=["topk", "sim", "overhead", "rates"],
        choices=["topk", "sim", "overhead", "rates"],
    )  # fmt: skip
    args = ap.parse_args()
    root = Path(args.movielens)
    has_ml = (root / "ml-1m" / "ratings.csv").exists()
    print(
        f"cores: {os.cpu_count()}, load average at start: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    clusters = None if args.no_dask or args.only == ["rates"] else Clusters()
    try:
        with nullcontext():
            if "topk" in args.only:
                if has_ml:
                    bench_topk(root, clusters, args.repeat)
                else:
                    print(f"ml-1m not found under {root}; top-k skipped.")
            if "sim" in args.only:
                if Path(args.graph).exists():
                    bench_sim(Path(args.graph), clusters, args.repeat, args.runs)
                else:
                    print(f"{args.graph} not found; simulation skipped.")
            if "overhead" in args.only:
                bench_overhead(clusters, args.repeat)
            if "rates" in args.only:
                graph = Path(args.graph) if Path(args.graph).exists() else None
                bench_rates(root if has_ml else None, graph, args.repeat)
    finally:
        if clusters is not None:
            clusters.close()
    print(
        "\nload average at end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        flush=True,
    )


if __name__ == "__main__":
    main()
