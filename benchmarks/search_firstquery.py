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
cfg = json.loads(sys.argv[1])
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
    elif cfg.get("scale"):
        from search_firstquery import scaled_records
        from search_queries import load_records
        records = scaled_records(load_records(cfg["csv"]), cfg["scale"])
        out["rss_before_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t1 = time.perf_counter()
        index = SearchIndex(fields=cfg["fields"]).fit(records)
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
        out["rss_before_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t1 = time.perf_counter()
    system = Bm25s(bigram_tokens, "bm25s+bigrams")
    system.build(records)
    search = system.search
    clear = lambda: None
out["build_s"] = time.perf_counter() - t1
out["rss_built_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if cfg.get("first"):
    t = time.perf_counter()
    search(cfg["first"])
    out["first_ms"] = 1000 * (time.perf_counter() - t)
else:
    spent = 0.0
    for p in range(cfg["passes"]):
        clear()
        t = time.perf_counter()
        for q in queries:
            search(q)
        spent += time.perf_counter() - t
    out["qps"] = cfg["passes"] * len(queries) / spent
if cfg.get("many"):
    big = cfg["many"]
    for n_jobs in (1, 2, 1, 2):
        clear()
        t = time.perf_counter()
        index.search_many(big, n_jobs=n_jobs)
        rate = len(big) / (time.perf_counter() - t)
        key = f"many_qps_{n_jobs}"
        out[key] = max(out.get(key, 0.0), rate)
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
        [sys.executable, "-c", _CHILD, json.dumps(cfg, ensure_ascii=False)],
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
def scaled_records(records: list[dict], times: int, seed: int = 20261207) -> list[dict]:
    """`times` perturbed copies of every record (copy 0 is the original), new ids."""
    rng = np.random.default_rng(seed)
    titles = [r["title"] for r in records]
    people = sorted({p for r in records for p in (*r["directors"], *r["actors"])})
    genres = sorted({g for r in records for g in r["genres"]})
    out = []
    for c in range(times):
        for r in records:
            if c == 0:
                out.append(dict(r))
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
    print(f"{'system':>16s}{'cache':>8s}{'q/s':>10s}{'ratio':>8s}{'build s':>9s}{'import s':>10s}")
    for cache in ("warm", "empty"):
        anchor = _best(runs[f"bm25s+bigrams|{cache}"], "qps")
        for name in ("filmreco fit", "filmreco load", "bm25s+bigrams"):
            rr = runs[f"{name}|{cache}"]
            qps = _best(rr, "qps")
            build = _best(rr, "build_s", high=False)
            imp = _best(rr, "import_s", high=False)
            res[f"{name}|{cache}"] = {"qps": qps, "ratio": qps / anchor, "build_s": build}
            print(
                f"{name:>16s}{cache:>8s}{qps:>10.0f}{qps / anchor:>8.2f}{build:>9.2f}{imp:>10.2f}"
            )
    for name in ("latin fit", "latin load"):
        ms = _best(runs[name], "first_ms", high=False)
        med = float(np.median([r["first_ms"] for r in runs[name]]))
        res[name] = {"best_ms": ms, "median_ms": med}
        print(f"first Latin query after {name[6:]}: {ms:.1f} ms best, {med:.1f} ms median")
    print("(ratio: filmreco q/s / bm25s+bigrams q/s in the same rows' cache; higher is better)")
    return res


def scale(csv: str, queries: list[dict], times: int, threads: int) -> dict:
    """The 100x section: build, memory, q/s, search_many on 1 and 2 cores."""
    warm = tempfile.mkdtemp(prefix="numba-warm-")
    texts = [q["query"] for q in queries]
    base = {"csv": csv, "queries": texts, "scale": times, "passes": 1}
    fr = run_child(
        {
            **base,
            "system": "filmreco",
            "fields": _record_fields(),
            "many": many_queries(queries),
        },
        warm,
        threads,
    )
    bm = run_child({**base, "system": "bm25s"}, warm, threads)
    n = 2065 * times
    print(f"\nScale: {times}x catalogue ({n:,} records), 400 queries, fresh processes")
    print(f"{'system':>16s}{'build s':>9s}{'peak RSS MB':>13s}{'index MB':>10s}{'q/s':>9s}")
    for name, r in (("filmreco", fr), ("bm25s+bigrams", bm)):
        idx_mb = r["rss_built_mb"] - r["rss_before_mb"]
        print(
            f"{name:>16s}{r['build_s']:>9.1f}{r['rss_peak_mb']:>13.0f}{idx_mb:>10.0f}{r['qps']:>9.0f}"
        )
    print(f"q/s ratio filmreco / bm25s+bigrams: {fr['qps'] / bm['qps']:.2f}")
    m1, m2 = fr["many_qps_1"], fr["many_qps_2"]
    print(
        f"filmreco search_many, {len(many_queries(queries))} distinct queries: n_jobs=1 "
        f"{m1:.0f} q/s, n_jobs=2 {m2:.0f} q/s: {m2 / m1:.2f}x"
    )
    return {"filmreco": fr, "bm25s": bm, "many_speedup": m2 / m1}


def _record_fields() -> dict[str, float]:
    from bench_search import FIELDS

    return dict(FIELDS)
