"""First-query and 100x-catalogue sections of the search benchmark (used by bench_search.py).

    python benchmarks/bench_search.py --first-query [--rounds 3] [--csv PATH]
    python benchmarks/bench_search.py --scale 100 [--csv PATH]

*First query* (issue 13, item 6): what a short process sees. Each measurement is a fresh
interpreter that imports the library, reads the Douban catalogue
(``Catalog.from_csv(path, id_field="movie_id")`` for filmreco; the same rows as bm25s text
for bm25s+bigrams), builds the index (or loads a saved one), then at once runs 240 queries
(the first 30 of each kind of ``search_queries.jsonl``) x 4 passes, one query per call,
everything timed: no warm-up, no sleep (filmreco's memo caches are emptied before each pass,
outside the timing, so every pass analyses its queries as new). Two numba caches: *warm*
(a cache directory that an untimed first process filled, as any process after the first
one that compiled sees it) and *empty* (a new ``NUMBA_CACHE_DIR`` per process: the very
first process after install). bm25s (numpy backend, its default) runs in the same rounds
with the same environment and thread caps. A separate fresh process times the first
Latin-letter query after fit and after load: a misspelt pinyin title (two letters swapped,
no longer pinyin), which needs the typo index.

*Scale*: the catalogue made ``--scale`` times larger by perturbing every record (new ids;
titles get a sequel number, a dropped or doubled character, or a word of another title;
people shuffled and one replaced by someone else's; a window of the plot; the year moved),
built in the benchmark, never saved. Fresh processes measure build time and peak RSS for
filmreco and bm25s+bigrams, single-query q/s, and filmreco's ``search_many`` on 4,000
distinct queries with ``n_jobs=1`` and ``n_jobs=2``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

#: filmreco's fields on the Catalog.from_csv columns (the main benchmark's, renamed).
CSV_FIELDS = {
    "title": 3.0,
    "directors": 1.5,
    "actors": 1.5,
    "genres": 1.0,
    "countries": 0.5,
    "summary": 0.5,
}
PER_KIND = 30
PASSES = 4

# ------------------------------------------------------------------ child processes
_CHILD = r"""
import json, os, resource, sys, time
cfg = json.loads(sys.stdin.read())
sys.path.insert(0, cfg["here"])
t0 = time.perf_counter()
out = {}
queries = cfg["queries"]
if cfg["system"] == "filmreco":
    from filmreco.data import Catalog
    from filmreco.search import SearchIndex
    from filmreco.search.query import clear_caches
    out["import_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    if cfg.get("load"):
        index = SearchIndex.load(cfg["load"])
        out["n_docs"] = len(index)
    elif cfg.get("scale"):
        from search_firstquery import scaled_records
        from search_queries import load_records
        records = scaled_records(load_records(cfg["csv"]), cfg["scale"])
        out["n_docs"] = len(records)
        out["rss_before_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t1 = time.perf_counter()
        index = SearchIndex(fields=cfg["fields"]).fit(records)
        del records
        if cfg.get("save"):
            out["build_s"] = time.perf_counter() - t1
            t2 = time.perf_counter()
            index.save(cfg["save"])
            out["save_s"] = time.perf_counter() - t2
            out["disk_mb"] = os.path.getsize(cfg["save"]) / 2**20
    else:
        index = SearchIndex(fields=cfg["fields"]).fit(
            Catalog.from_csv(cfg["csv"], id_field="movie_id"))
    search = index.search
    clear = clear_caches
else:
    import bm25s
    from bench_search import Bm25s, bigram_tokens
    from search_queries import load_records
    out["import_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    records = load_records(cfg["csv"])
    if cfg.get("scale"):
        from search_firstquery import scaled_records
        records = scaled_records(records, cfg["scale"])
        out["n_docs"] = len(records)
        out["rss_before_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t1 = time.perf_counter()
    system = Bm25s(bigram_tokens, "bm25s+bigrams")
    system.build(records)
    search = system.search
    clear = lambda: None
out.setdefault("build_s", time.perf_counter() - t1)
out["rss_built_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if cfg.get("first"):
    t = time.perf_counter()
    search(cfg["first"])
    out["first_ms"] = 1000 * (time.perf_counter() - t)
elif cfg["passes"]:
    spent = cpu = 0.0
    for p in range(cfg["passes"]):
        clear()
        t = time.perf_counter()
        c = time.process_time()
        for q in queries:
            search(q)
        spent += time.perf_counter() - t
        cpu += time.process_time() - c
    out["qps"] = cfg["passes"] * len(queries) / spent
    # the same per CPU second of this process: what a loaded machine distorts less
    out["qps_cpu"] = cfg["passes"] * len(queries) / max(cpu, 1e-9)
if cfg.get("many_small"):  # search_many on the query set, one block, as the main benchmark
    for _ in range(cfg.get("many_rounds", 2)):
        clear()
        t = time.perf_counter()
        index.search_many(cfg["many_small"], n_jobs=1)
        rate = len(cfg["many_small"]) / (time.perf_counter() - t)
        out["many_small_qps"] = max(out.get("many_small_qps", 0.0), rate)
if cfg.get("many"):
    from search_firstquery import two_core_ceiling
    big = cfg["many"]
    answers = {}
    out["ceilings"] = []
    for n_jobs in (1, 2) * cfg.get("many_rounds", 2):  # interleaved, best of each
        if n_jobs == 1:  # the machine's two-thread yardstick, in the same rounds
            out["ceilings"].append(two_core_ceiling(0.3))
        clear()
        t = time.perf_counter()
        got = index.search_many(big, n_jobs=n_jobs)
        rate = len(big) / (time.perf_counter() - t)
        key = f"many_qps_{n_jobs}"
        out[key] = max(out.get(key, 0.0), rate)
        answers[n_jobs] = [(h.ids.tolist(), h.scores.tolist()) for h in got]
    out["many_identical"] = answers[1] == answers[2]
    if cfg.get("check_single"):  # search_many gives search's hits (on the first queries)
        k = cfg["check_single"]
        out["many_equals_search"] = answers[1][:k] == [
            (h.ids.tolist(), h.scores.tolist()) for h in map(search, big[:k])]
out["rss_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _env(cache_dir: str, threads: int) -> dict[str, str]:
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = cache_dir
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[var] = str(threads)
    return env


def run_child(cfg: dict, cache_dir: str, threads: int = 1) -> dict:
    """One fresh interpreter running `cfg` (see ``_CHILD``); its JSON report."""
    cfg = {"here": HERE, "passes": PASSES, "queries": [], **cfg}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(cfg, ensure_ascii=False),  # stdin: 4,000 queries exceed an argument
        env=_env(cache_dir, threads),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ query sets
def first_query_set(queries: list[dict]) -> list[str]:
    """The first PER_KIND queries of each kind (240 for 8 kinds), in file order."""
    taken: dict[str, int] = {}
    out = []
    for q in queries:
        if taken.get(q["kind"], 0) < PER_KIND:
            taken[q["kind"]] = taken.get(q["kind"], 0) + 1
            out.append(q["query"])
    return out


def misspelt_pinyin(queries: list[dict]) -> str:
    """A typed pinyin title with two letters swapped so that it is no longer pinyin: the
    first Latin query of a process that needs the typo index."""
    from filmreco.search._pinyin import segment

    for q in queries:
        text = q["query"].replace(" ", "")
        if q["kind"] == "pinyin_full" and text.isalpha() and 6 <= len(text) <= 14:
            typo = text[:-3] + text[-2] + text[-3] + text[-1]
            if segment(typo) is None:
                return typo
    raise RuntimeError("no pinyin query to misspell")


def many_queries(queries: list[dict], size: int = 4000) -> list[str]:
    """`size` distinct queries: each query of the set, then with one character dropped at
    successive positions (typo-like variants), then pairs of queries."""
    out: dict[str, None] = {}
    texts = [q["query"] for q in queries]
    out.update(dict.fromkeys(texts))
    k = 0
    while len(out) < size and k < 64:
        for t in texts:
            if len(t) > k + 1:
                out.setdefault(t[:k] + t[k + 1 :], None)
        k += 1
    shift = 1
    while len(out) < size:  # then pairs of queries, as two-part queries
        for i, t in enumerate(texts):
            out.setdefault(f"{t} {texts[(i + shift) % len(texts)]}", None)
        shift += 1
    return list(out)[:size]


# ------------------------------------------------------------------ the 100x catalogue
def scaled_records(records: list[dict], scale: int, seed: int = 20261207) -> list[dict]:
    """`scale` perturbed copies of every record (copy 0 is the original), new ids; a `scale`
    above 1,000 is a number of records instead (the copies needed, cut to that many)."""
    if scale > 1000:
        return scaled_records(records, -(-scale // len(records)), seed)[:scale]
    times = scale
    rng = np.random.default_rng(seed)
    titles = [r["title"] for r in records]
    people = sorted({p for r in records for p in (*r["directors"], *r["actors"])})
    genres = sorted({g for r in records for g in r["genres"]})
    out = []
    for c in range(times):
        for r in records:
            if c == 0:  # the original, its id as a string (ids of one type: saveable)
                out.append({**r, "id": str(r["id"])})
                continue
            title = r["title"]
            op = int(rng.integers(0, 4))
            if op == 0:
                title = f"{title}{int(rng.integers(2, 10))}"
            elif op == 1 and len(title) > 2:
                k = int(rng.integers(0, len(title)))
                title = title[:k] + title[k + 1 :]
            elif op == 2 and title:
                k = int(rng.integers(0, len(title)))
                title = title[: k + 1] + title[k:]
            else:
                other = titles[int(rng.integers(0, len(titles)))]
                cut = max(1, len(other) // 2)
                title = title + other[:cut]
            actors = list(r["actors"])
            rng.shuffle(actors)
            if actors:
                actors[int(rng.integers(0, len(actors)))] = people[
                    int(rng.integers(0, len(people)))
                ]
            g = list(r["genres"])
            if rng.random() < 0.3:
                g.append(genres[int(rng.integers(0, len(genres)))])
            d = r["description"]
            if len(d) > 20:
                size = int(len(d) * rng.uniform(0.6, 1.0))
                start = int(rng.integers(0, len(d) - size + 1))
                d = d[start : start + size]
            year = r["year"] + int(rng.integers(-3, 4)) if r["year"] else None
            out.append(
                {
                    **r,
                    "id": f"{r['id']}-{c}",
                    "title": title,
                    "actors": actors,
                    "genres": g,
                    "description": d,
                    "year": year,
                }
            )
    return out


# ------------------------------------------------------------------ the sections
def _best(runs: list[dict], key: str, high: bool = True) -> float:
    vals = [r[key] for r in runs if key in r]
    return max(vals) if high else min(vals)


def first_query(csv: str, queries: list[dict], rounds: int, threads: int) -> dict:
    """The first-query section; prints its table and returns the figures."""
    from filmreco.data import Catalog
    from filmreco.search import SearchIndex

    texts = first_query_set(queries)
    typo = misspelt_pinyin(queries)
    warm = tempfile.mkdtemp(prefix="numba-warm-")
    folder = tempfile.mkdtemp()
    saved = os.path.join(folder, "douban.npz")
    SearchIndex(fields=CSV_FIELDS).fit(Catalog.from_csv(csv, id_field="movie_id")).save(saved)
    base = {"csv": csv, "fields": CSV_FIELDS, "queries": texts}
    run_child({**base, "system": "filmreco"}, warm, threads)  # the process that compiles
    runs: dict[str, list[dict]] = {}
    for _ in range(rounds):  # interleaved: a burst of load hits every system alike
        for cache in ("warm", "empty"):
            for name, cfg in (
                ("filmreco fit", {**base, "system": "filmreco"}),
                ("filmreco load", {**base, "system": "filmreco", "load": saved}),
                ("bm25s+bigrams", {**base, "system": "bm25s"}),
            ):
                cdir = warm if cache == "warm" else tempfile.mkdtemp(prefix="numba-empty-")
                r = run_child(cfg, cdir, threads)
                runs.setdefault(f"{name}|{cache}", []).append(r)
                print(f"  {name} ({cache} cache): {r['qps']:.0f} q/s, build {r['build_s']:.2f} s")
        for name, cfg in (
            ("latin fit", {**base, "system": "filmreco", "first": typo}),
            ("latin load", {**base, "system": "filmreco", "first": typo, "load": saved}),
        ):
            r = run_child(cfg, warm, threads)
            runs.setdefault(name, []).append(r)
            print(f"  first Latin query after {name[6:]} ({typo!r}): {r['first_ms']:.1f} ms")
    res: dict = {"typo": typo, "n_queries": len(texts) * PASSES}
    print(f"\nFirst query: a fresh process builds (or loads), then {len(texts)} queries x {PASSES}")
    print(f"passes, all timed (best of {rounds} interleaved rounds; {threads} thread(s) each)")
    print(
        f"{'system':>16s}{'cache':>8s}{'q/s':>10s}{'ratio':>8s}{'cpu q/s':>10s}{'ratio':>8s}"
        f"{'build s':>9s}{'import s':>10s}"
    )
    for cache in ("warm", "empty"):
        anchor = _best(runs[f"bm25s+bigrams|{cache}"], "qps")
        anchor_cpu = _best(runs[f"bm25s+bigrams|{cache}"], "qps_cpu")
        for name in ("filmreco fit", "filmreco load", "bm25s+bigrams"):
            rr = runs[f"{name}|{cache}"]
            qps = _best(rr, "qps")
            cpu = _best(rr, "qps_cpu")
            build = _best(rr, "build_s", high=False)
            imp = _best(rr, "import_s", high=False)
            res[f"{name}|{cache}"] = {
                "qps": qps,
                "ratio": qps / anchor,
                "qps_cpu": cpu,
                "ratio_cpu": cpu / anchor_cpu,
                "build_s": build,
            }
            print(
                f"{name:>16s}{cache:>8s}{qps:>10.0f}{qps / anchor:>8.2f}{cpu:>10.0f}"
                f"{cpu / anchor_cpu:>8.2f}{build:>9.2f}{imp:>10.2f}"
            )
    for name in ("latin fit", "latin load"):
        ms = _best(runs[name], "first_ms", high=False)
        med = float(np.median([r["first_ms"] for r in runs[name]]))
        res[name] = {"best_ms": ms, "median_ms": med}
        print(f"first Latin query after {name[6:]}: {ms:.1f} ms best, {med:.1f} ms median")
    print(
        "(ratio: filmreco q/s / bm25s+bigrams q/s in the same rows' cache; higher is better; "
        "cpu q/s: queries per CPU second of the process, less distorted by other jobs)"
    )
    return res


def scale(
    csv: str,
    queries: list[dict],
    size: int,
    threads: int,
    *,
    index_path: str | None = None,
    anchor: bool = True,
    rounds: int = 2,
) -> dict:
    """The large-catalogue section: `size` copies of the catalogue (or, above 1,000, that
    many records). Fresh processes: one builds the index and saves it (build time, peak RSS,
    size on disk; skipped when `index_path` already holds one), one loads it and measures
    single-query q/s (400 queries, best of `rounds` passes) and ``search_many`` on 4,000
    distinct queries with ``n_jobs=1`` and ``n_jobs=2`` (interleaved, best of `rounds`),
    checking that both give the same hits; bm25s+bigrams built on the same records with
    `anchor`."""
    warm = tempfile.mkdtemp(prefix="numba-warm-")
    texts = [q["query"] for q in queries]
    base = {"csv": csv, "queries": texts, "scale": size, "passes": 0}
    if index_path is None:
        index_path = os.path.join(tempfile.mkdtemp(), f"scale{size}.npz")
    if not os.path.exists(index_path):
        built = run_child(
            {**base, "system": "filmreco", "fields": _record_fields(), "save": index_path},
            warm,
            threads,
        )
        print(
            f"  built {built['n_docs']:,} records in {built['build_s']:.1f} s, peak RSS "
            f"{built['rss_peak_mb']:.0f} MB, saved {built['disk_mb']:.0f} MB",
            flush=True,
        )
    else:
        built = {}
        print(f"  (index read from {index_path}: build figures of the run that made it)")
    many = many_queries(queries)
    served = run_child(
        {
            "system": "filmreco",
            "load": index_path,
            "queries": texts,
            "passes": rounds,
            "many": many,
            "many_rounds": rounds,
            "check_single": 200,
        },
        warm,
        max(threads, 2),  # two cores for search_many(n_jobs=2); the rest runs on one
    )
    bm = run_child({**base, "system": "bm25s", "passes": rounds}, warm, threads) if anchor else None
    n = served["n_docs"]
    print(f"\nScale: {n:,} records, fresh processes")
    if built:
        print(
            f"filmreco build {built['build_s']:.1f} s (save {built['save_s']:.1f} s), peak RSS "
            f"{built['rss_peak_mb']:.0f} MB (records alone {built['rss_before_mb']:.0f} MB), "
            f"index on disk {built['disk_mb']:.0f} MB"
        )
    print(
        f"filmreco load {served['build_s']:.1f} s, RSS after load {served['rss_built_mb']:.0f} "
        f"MB, peak while searching {served['rss_peak_mb']:.0f} MB"
    )
    m1, m2 = served["many_qps_1"], served["many_qps_2"]
    ceiling = max(served["ceilings"])  # measured in the rounds of search_many
    print(
        f"filmreco single-query {served['qps']:.0f} q/s (400 queries, one per call); "
        f"search_many on {len(many):,} distinct queries: n_jobs=1 {m1:.0f} q/s, n_jobs=2 "
        f"{m2:.0f} q/s: {m2 / m1:.2f}x (hits identical: {served['many_identical']}; equal to "
        f"search's: {served['many_equals_search']})"
    )
    print(
        f"(this machine in the same rounds: two threads of a GIL-free compiled loop, best "
        f"{ceiling:.2f}x one thread; 2.00 when the two cores are free)"
    )
    if bm is not None:
        print(
            f"bm25s+bigrams build {bm['build_s']:.1f} s, peak RSS {bm['rss_peak_mb']:.0f} MB, "
            f"{bm['qps']:.0f} q/s (filmreco / bm25s: {served['qps'] / bm['qps']:.2f}x)"
        )
    return {
        "build": built,
        "serve": served,
        "bm25s": bm,
        "many_speedup": m2 / m1,
        "two_core_ceiling": ceiling,
    }


def many(csv: str, queries: list[dict], threads: int, rounds: int = 3) -> dict:
    """``search_many`` on the 2k catalogue, in a fresh process that fits the index: the
    400 queries one per call and as one batch, and 4,000 distinct queries one per call and
    as a batch with ``n_jobs=1`` and ``n_jobs=2`` (interleaved, best of `rounds`)."""
    warm = tempfile.mkdtemp(prefix="numba-warm-")
    texts = [q["query"] for q in queries]
    big = many_queries(queries)
    base = {"csv": csv, "system": "filmreco", "fields": CSV_FIELDS}
    run_child({**base, "passes": 0}, warm, threads)  # the process that compiles
    small = run_child(
        {**base, "queries": texts, "passes": rounds, "many_small": texts, "many_rounds": rounds},
        warm,
        max(threads, 2),
    )
    r = run_child(
        {
            **base,
            "queries": big,
            "passes": rounds,
            "many": big,
            "many_rounds": rounds,
            "check_single": len(big),
        },
        warm,
        max(threads, 2),
    )
    print(f"\nsearch_many on the 2k catalogue (fresh process, best of {rounds})")
    print(
        f"  400 queries: one per call {small['qps']:.0f} q/s, search_many "
        f"{small['many_small_qps']:.0f} q/s ({small['many_small_qps'] / small['qps']:.2f}x)"
    )
    m1, m2 = r["many_qps_1"], r["many_qps_2"]
    ceiling = max(r["ceilings"])  # measured in the rounds of search_many
    print(
        f"  {len(big):,} distinct queries: one per call {r['qps']:.0f} q/s, search_many "
        f"n_jobs=1 {m1:.0f} q/s ({m1 / r['qps']:.2f}x), n_jobs=2 {m2:.0f} q/s ({m2 / m1:.2f}x "
        f"n_jobs=1); hits identical across n_jobs: {r['many_identical']}, equal to search's: "
        f"{r['many_equals_search']}"
    )
    print(
        f"  (this machine in the same rounds: two threads of a GIL-free compiled loop, best {ceiling:.2f}x one "
        "thread; 2.00 when the two cores are free)"
    )
    return {"small": small, "big": dict(r), "two_core_ceiling": ceiling}


def two_core_ceiling(seconds: float = 0.5) -> float:
    """What two threads of a GIL-free compiled loop get over one on this machine now: 2.0 on
    an idle 2-core machine; less when other jobs hold the cores (with the kernel's
    autogroup scheduling a process's share does not grow with its threads). Printed beside
    the ``n_jobs=2`` figures so that a busy machine is not read as a slow library."""
    import threading

    from numba import njit

    @njit(nogil=True, cache=False)
    def spin(n):  # pragma: no cover - compiled
        s = 0.0
        for i in range(n):
            s += (i % 7) * 0.5
        return s

    spin(10)
    n = 20_000_000
    t = time.perf_counter()
    spin(n)
    one = time.perf_counter() - t
    n = max(n, int(n * seconds / max(one, 1e-6)))
    rates: dict[int, float] = {}
    for k in (1, 2, 1, 2):
        threads = [threading.Thread(target=spin, args=(n,)) for _ in range(k)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        rates[k] = max(rates.get(k, 0.0), k / (time.perf_counter() - t))
    return rates[2] / rates[1]


def _record_fields() -> dict[str, float]:
    from bench_search import FIELDS

    return dict(FIELDS)
