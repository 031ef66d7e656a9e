"""Benchmark filmreco.search against bm25s, whoosh, tantivy and rank_bm25 (run by hand).

    /work/venv/bin/python benchmarks/bench_search.py [--csv PATH] [--replicate 10] [--rounds 3]
                                                     [--skip-slow] [--json OUT]

Everything is measured in the same run, on the same records and queries
(``benchmarks/search_queries.jsonl``, made by ``search_queries.py``): MRR@10 overall and per
kind of query, index build time, single-query throughput (one query per call, tokenisation
included) on the 2k-film corpus and on the corpus replicated ``--replicate`` times, batch
throughput of ``search_many``, and the cold start of filmreco (new interpreter: import, load
a saved index, first query). Ratios are filmreco / anchor. See README_search.md.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from search_queries import DEFAULT_CSV, KINDS, flat_text, load_queries, load_records  # noqa: E402

warnings.filterwarnings("ignore")
_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
FIELDS = {
    "title": 3.0,
    "directors": 1.5,
    "actors": 1.5,
    "genres": 1.0,
    "region": 0.5,
    "year": 0.5,
    "description": 0.5,
}


# ------------------------------------------------------------------ anchor tokenisers
def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def jieba_tokens(text: str) -> list[str]:
    import jieba

    return [t for t in jieba.lcut(_norm(text)) if _WORD.fullmatch(t)]


def bigram_tokens(text: str) -> list[str]:
    s = _norm(text)
    out: list[str] = []
    for w in _WORD.findall(s):
        runs = _CJK.findall(w)
        if not runs:
            out.append(w)
            continue
        for run in runs:
            out.extend([run] if len(run) < 2 else [run[i : i + 2] for i in range(len(run) - 1)])
        out.extend(x for x in _CJK.split(w) if x)
    return out


# ------------------------------------------------------------------ systems
class Filmreco:
    name = "filmreco"

    def build(self, records):
        from filmreco.search import SearchIndex

        self.index = SearchIndex(fields=FIELDS).fit(records)

    def search(self, query, k=10):
        return self.index.search(query, k).ids.tolist()

    def search_many(self, queries, k=10):
        return [h.ids.tolist() for h in self.index.search_many(queries, k)]


class Bm25s:
    def __init__(self, tokens, name):
        self.tokens, self.name = tokens, name

    def build(self, records):
        import bm25s

        self.ids = [r["id"] for r in records]
        corpus = [self.tokens(flat_text(r)) for r in records]
        self.bm = bm25s.BM25()
        self.bm.index(corpus, show_progress=False)

    def search(self, query, k=10):
        toks = self.tokens(query)  # bm25s ignores tokens it does not know
        if not toks:
            return []
        docs, scores = self.bm.retrieve([toks], k=k, show_progress=False)
        return [self.ids[d] for d, s in zip(docs[0].tolist(), scores[0].tolist()) if s > 0]

    def search_many(self, queries, k=10):
        toks = [self.tokens(q) for q in queries]
        keep = [i for i, t in enumerate(toks) if t]
        out = [[] for _ in queries]
        docs, scores = self.bm.retrieve([toks[i] for i in keep], k=k, show_progress=False)
        for row, i in enumerate(keep):
            out[i] = [
                self.ids[d] for d, s in zip(docs[row].tolist(), scores[row].tolist()) if s > 0
            ]
        return out


class RankBM25:
    name = "rank_bm25+jieba"

    def build(self, records):
        from rank_bm25 import BM25Okapi

        self.ids = np.array([r["id"] for r in records])
        self.bm = BM25Okapi([jieba_tokens(flat_text(r)) for r in records])

    def search(self, query, k=10):
        s = self.bm.get_scores(jieba_tokens(query))
        top = np.argsort(-s, kind="stable")[:k]
        return self.ids[top[s[top] > 0]].tolist()


class Whoosh:
    name = "whoosh+jieba"

    def build(self, records):
        from jieba.analyse import ChineseAnalyzer
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.filedb.filestore import RamStorage
        from whoosh.qparser import OrGroup, QueryParser

        schema = Schema(doc=ID(stored=True), body=TEXT(analyzer=ChineseAnalyzer()))
        self.ix = RamStorage().create_index(schema)
        w = self.ix.writer()
        for r in records:
            w.add_document(doc=str(r["id"]), body=_norm(flat_text(r)))
        w.commit()
        self.searcher = self.ix.searcher()
        self.parser = QueryParser("body", schema, group=OrGroup)
        self.kind = type(records[0]["id"])

    def search(self, query, k=10):
        q = self.parser.parse(" ".join(_WORD.findall(_norm(query))))
        return [self.kind(h["doc"]) for h in self.searcher.search(q, limit=k)]


class Tantivy:
    name = "tantivy+jieba"

    def build(self, records):
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_integer_field("doc", stored=True, indexed=False)
        sb.add_text_field("body", stored=False, tokenizer_name="whitespace")
        self.ix = tantivy.Index(sb.build())
        w = self.ix.writer(200_000_000, 1)
        self.ids = [r["id"] for r in records]
        for i, r in enumerate(records):
            w.add_document(tantivy.Document(doc=i, body=" ".join(jieba_tokens(flat_text(r)))))
        w.commit()
        w.wait_merging_threads()
        self.ix.reload()
        self.searcher = self.ix.searcher()

    def search(self, query, k=10):
        toks = jieba_tokens(query)
        if not toks:
            return []
        q = self.ix.parse_query(" ".join(toks), ["body"])
        hits = self.searcher.search(q, k).hits
        return [self.ids[self.searcher.doc(a)["doc"][0]] for _, a in hits]


def systems(skip_slow: bool) -> list:
    out = [
        Filmreco(),
        Bm25s(jieba_tokens, "bm25s+jieba"),
        Bm25s(bigram_tokens, "bm25s+bigrams"),
        Tantivy(),
    ]
    if not skip_slow:
        out += [Whoosh(), RankBM25()]
    return out


# ------------------------------------------------------------------ measuring
def mrr(ranked: list, relevant: list) -> float:
    rel = set(relevant)
    for i, d in enumerate(ranked[:10]):
        if d in rel:
            return 1.0 / (i + 1)
    return 0.0


def quality(system, queries) -> dict[str, float]:
    per_kind: dict[str, list[float]] = collections.defaultdict(list)
    for q in queries:
        per_kind[q["kind"]].append(mrr(system.search(q["query"]), q["relevant"]))
    out = {k: float(np.mean(v)) for k, v in per_kind.items()}
    out["overall"] = float(np.mean([x for v in per_kind.values() for x in v]))
    return out


def _cold(system) -> None:
    """Forget filmreco's memo caches, so every round times queries as if seen first."""
    if isinstance(system, Filmreco):
        from filmreco.search.query import clear_caches

        clear_caches()


def single_qps(system, texts, rounds: int) -> float:
    for t in texts[:20]:
        system.search(t)
    best = 0.0
    for _ in range(rounds):
        _cold(system)
        start = time.perf_counter()
        for t in texts:
            system.search(t)
        best = max(best, len(texts) / (time.perf_counter() - start))
    return best


def batch_qps(system, texts, rounds: int) -> float | None:
    if not hasattr(system, "search_many"):
        return None
    best = 0.0
    for _ in range(rounds):
        _cold(system)
        start = time.perf_counter()
        system.search_many(texts)
        best = max(best, len(texts) / (time.perf_counter() - start))
    return best


def timed_build(system, records) -> float:
    """Time to first result: build the index and answer one query (not in the query set)."""
    start = time.perf_counter()
    system.build(records)
    system.search("电影")
    return time.perf_counter() - start


SLOW = ("whoosh+jieba", "rank_bm25+jieba")


def measure(systems_, records, texts, rounds, results, suffix) -> None:
    """Build and time every system in interleaved rounds (A B C, A B C, ...), keeping each
    system's best, so a burst of load on the shared machine hits all systems alike."""
    for s in systems_:
        results.setdefault(s.name, {})["_system"] = s
    for _ in range(rounds):
        for s in systems_:
            r = results[s.name]
            build = timed_build(s, records)
            r["build_s" + suffix] = min(r.get("build_s" + suffix, build), build)
            if s.name in SLOW and "qps" + suffix in r:
                continue
            qps = single_qps(s, texts, 1)
            r["qps" + suffix] = max(r.get("qps" + suffix, 0.0), qps)
            batch = batch_qps(s, texts, 2)
            if batch is not None:
                r["batch_qps" + suffix] = max(r.get("batch_qps" + suffix, 0.0), batch)
            print(f"  {s.name}{suffix}: build {build:.2f} s, {qps:.0f} q/s", flush=True)


def replicate(records: list[dict], times: int) -> list[dict]:
    return [{**r, "id": f"{r['id']}-{c}"} for c in range(times) for r in records]


def cold_start(records, query: str, repeats: int = 3) -> float:
    from filmreco.search import SearchIndex

    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "films.npz")
    SearchIndex(fields=FIELDS).fit(records).save(path)
    code = (
        "import time; t=time.perf_counter()\n"
        "from filmreco.search import SearchIndex\n"
        f"i=SearchIndex.load({path!r}); h=i.search({query!r})\n"
        "print(time.perf_counter()-t)"
    )
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
    return float(np.median(walls))


# ------------------------------------------------------------------ searches real users type
def real_queries(csv_path: str, rounds: int = 3) -> dict:
    """Issue 14's searches on ``search_queries_real.jsonl`` (see search_queries_real.py).

    filmreco only (the anchors have no notion of sequels, initials or requests): sequel and
    initials-prefix MRR@10; for requests, precision@10 of the genre and of the period (when
    one is given) and the top 10's mean Douban score minus the genre's mean; for Latin queries
    with no match in the catalogue, the share answered with nothing. Then the known-item set
    (search_queries.jsonl) with the prior, and the single-query throughput of an index
    without and with ``prior_field`` (same run, interleaved rounds).
    """
    from search_queries_real import load as load_rated
    from search_queries_real import load_queries as load_real

    from filmreco.search import SearchIndex

    records = load_rated(csv_path)
    by_id = {r["id"]: r for r in records}
    plain = SearchIndex(fields=FIELDS).fit(records)
    rated = SearchIndex(fields=FIELDS, prior_field="rating").fit(records)
    out: dict = {}
    per: dict[str, list[float]] = collections.defaultdict(list)
    for q in load_real():
        hits = rated.search(q["query"], 10)
        ids = hits.ids.tolist()
        kind = q["kind"]
        if kind in ("sequel", "initials_prefix", "toned_pinyin", "pinyin_typed_so_far",
                    "spelt_out", "western_name", "spaced_initials", "mixed_pinyin"):  # fmt: skip
            per[kind].append(mrr(ids, q["relevant"]))
        elif kind == "request":
            g = q["genre"]
            k = max(1, min(10, len(q["relevant"])))
            per["request genre p@10"].append(sum(g in by_id[i]["genres"] for i in ids) / k)
            if q["years"]:
                lo, hi = q["years"]
                ok = sum(bool(by_id[i]["year"]) and lo <= by_id[i]["year"] <= hi for i in ids)
                per["request year p@10"].append(ok / k)
            if q["extra"] in ("none", "period") and ids:
                genre_mean = np.mean([r["rating"] for r in records if g in r["genres"]])
                lift = np.mean([by_id[i]["rating"] for i in ids]) - genre_mean
                per["request top-10 score - genre mean"].append(float(lift))
        else:
            per["out_of_catalogue empty"].append(float(len(ids) == 0))
    out["real"] = {k: float(np.mean(v)) for k, v in per.items()}
    out["real_n"] = {k: len(v) for k, v in per.items()}
    known = load_queries()
    for name, index in (("plain", plain), ("prior", rated)):
        sys_ = Filmreco()
        sys_.index = index
        out[f"known_item_mrr_{name}"] = quality(sys_, known)["overall"]
    texts = [q["query"] for q in known]
    qps: dict[str, float] = {}
    for _ in range(rounds):
        for name, index in (("plain", plain), ("prior", rated)):
            sys_ = Filmreco()
            sys_.index = index
            qps[name] = max(qps.get(name, 0.0), single_qps(sys_, texts, 1))
    out["qps"] = qps
    return out


def print_real(out: dict) -> None:
    print("\nSearches real users type (search_queries_real.jsonl; index with prior_field='rating')")
    targets = {
        "sequel": ">= 0.9",
        "initials_prefix": ">= 0.9",
        "request genre p@10": ">= 0.9",
        "request year p@10": ">= 0.9",
        "request top-10 score - genre mean": ">= 0.5",
        "out_of_catalogue empty": "(share of queries with no hits)",
        "toned_pinyin": "(MRR@10; added in session 13)",
        "pinyin_typed_so_far": "(MRR@10; added in session 13)",
        "spelt_out": "(MRR@10; added in session 13)",
        "western_name": "(MRR@10; added in session 13)",
        "spaced_initials": "(MRR@10; added in session 13)",
        "mixed_pinyin": "(MRR@10; added in session 13)",
    }
    for k, v in out["real"].items():
        print(f"  {k:36s} {v:7.3f}  n={out['real_n'][k]:3d}  target {targets.get(k, '')}")
    print(
        f"  known-item MRR@10 (search_queries.jsonl): {out['known_item_mrr_plain']:.3f} without "
        f"a prior, {out['known_item_mrr_prior']:.3f} with prior_field='rating' (target >= 0.99)"
    )
    q = out["qps"]
    print(
        f"  single-query q/s on search_queries.jsonl: {q['plain']:.0f} without a prior, "
        f"{q['prior']:.0f} with (ratio {q['prior'] / q['plain']:.2f})"
    )


def fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", default=DEFAULT_CSV)
    ap.add_argument("--replicate", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip-slow", action="store_true", help="leave out whoosh and rank_bm25")
    ap.add_argument("--json", default=None)
    ap.add_argument(
        "--first-query",
        action="store_true",
        help="only the first-query section: fresh processes, warm and empty numba cache",
    )
    ap.add_argument(
        "--scale",
        type=int,
        default=0,
        help="only the scale section: the catalogue x SCALE (SCALE <= 1000) or SCALE records",
    )
    ap.add_argument(
        "--scale-index",
        default=None,
        help="where the scale section saves its index (reused, not rebuilt, if it exists)",
    )
    ap.add_argument("--no-anchor", action="store_true", help="scale section without bm25s+bigrams")
    ap.add_argument(
        "--many", action="store_true", help="only search_many on the 2k catalogue (1 and 2 jobs)"
    )
    ap.add_argument("--threads", type=int, default=1, help="thread caps of the fresh processes")
    ap.add_argument(
        "--real-only", action="store_true", help="only the searches real users type (issue 14)"
    )
    args = ap.parse_args()
    if not os.path.exists(args.csv):
        sys.exit(f"corpus not found: {args.csv}")
    if args.real_only:
        _jieba()
        print_real(real_queries(args.csv, args.rounds))
        return
    if args.first_query or args.scale or args.many:  # fresh processes (search_firstquery.py)
        import search_firstquery as fq

        args.csv = os.path.abspath(args.csv)
        out = {}
        if args.first_query:
            out["first_query"] = fq.first_query(args.csv, load_queries(), args.rounds, args.threads)
        if args.many:
            out["many"] = fq.many(args.csv, load_queries(), args.threads, args.rounds)
        if args.scale:
            out["scale"] = fq.scale(
                args.csv,
                load_queries(),
                args.scale,
                args.threads,
                index_path=args.scale_index,
                anchor=not args.no_anchor,
                rounds=min(args.rounds, 2),
            )
        if args.json:
            with open(args.json, "w") as f:
                json.dump(out, f, indent=1)
        return
    _jieba()  # jieba's dictionary, loaded before any timing (as for every system below)
    records = load_records(args.csv)
    # filmreco's one-time process set-up (its jieba dictionary, pypinyin's tables), also
    # outside the timings: a small index on other data
    Filmreco().build([{**r, "id": -2 - i} for i, r in enumerate(records[:30])])
    queries = load_queries()
    texts = [q["query"] for q in queries]
    results: dict[str, dict] = {}
    measure(systems(args.skip_slow), records, texts, args.rounds, results, "")
    for name, r in results.items():
        r["quality"] = quality(r.pop("_system"), queries)
        print(f"  {name}: MRR@10 {r['quality']['overall']:.3f}", flush=True)
    big = replicate(records, args.replicate)
    measure(systems(True), big, texts, args.rounds, results, "_big")
    for r in results.values():
        r.pop("_system", None)
    cold = cold_start(records, texts[0])
    ours = results["filmreco"]

    print(f"\nMRR@10 on {len(queries)} queries ({len(records)} films)")
    names = list(results)
    print(f"{'kind':16s}" + "".join(f"{n:>18s}" for n in names))
    for kind in [*KINDS, "overall"]:
        print(
            f"{kind:16s}"
            + "".join(f"{results[n]['quality'].get(kind, float('nan')):18.3f}" for n in names)
        )
    print(f"\nSpeed ({args.replicate}x = the corpus replicated {args.replicate} times)")
    x = f"{args.replicate}x"
    head = [
        "system",
        "build 2k",
        "ratio",
        f"build {x}",
        "ratio",
        "q/s 2k",
        "ratio",
        f"q/s {x}",
        "ratio",
        "batch 2k",
        f"batch {x}",
    ]
    print("".join(f"{h:>13s}" for h in head))

    def ratio(key: str, r: dict) -> str:
        if r.get(key) is None or ours.get(key) is None:
            return "-"
        return fmt(ours[key] / r[key], ".2f")

    for n in names:
        r = results[n]
        row = [
            n[:13],
            fmt(r["build_s"], ".2f"),
            ratio("build_s", r),
            fmt(r.get("build_s_big"), ".2f"),
            ratio("build_s_big", r),
            fmt(r["qps"], ".0f"),
            ratio("qps", r),
            fmt(r.get("qps_big"), ".0f"),
            ratio("qps_big", r),
            fmt(r.get("batch_qps"), ".0f"),
            fmt(r.get("batch_qps_big"), ".0f"),
        ]
        print("".join(f"{c:>13s}" for c in row))
    print(
        "(build: filmreco time / anchor time, lower is better; q/s: filmreco / anchor, higher "
        "is better; batch: filmreco search_many, bm25s one retrieve call)"
    )
    print(f"\nfilmreco cold start (new interpreter: import + load + first query): {cold:.2f} s")
    real = real_queries(args.csv, args.rounds)
    print_real(real)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "cold_start_s": cold, "real": real}, f, indent=1)


if __name__ == "__main__":
    main()
