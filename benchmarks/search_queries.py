"""Build the known-item query set for the search benchmark (run by hand; output is committed).

    /work/venv/bin/python benchmarks/search_queries.py [path/to/douban_all_movies.csv]

Reads the Douban catalogue (../shared/data/films_zh/douban_all_movies.csv, research/benchmark
data only: see its SOURCE.md) and writes ``benchmarks/search_queries.jsonl``: one JSON object
per line, ``{"qid", "kind", "query", "target", "relevant"}``. Everything is derived from the
records with a fixed seed, so running it again gives the same file. See README_search.md for
how each kind of query is made.
"""

from __future__ import annotations

import collections
import csv
import json
import math
import os
import re
import sys
import unicodedata

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CSV = os.path.join(HERE, "..", "..", "shared", "data", "films_zh", "douban_all_movies.csv")
OUT = os.path.join(HERE, "search_queries.jsonl")
SEED = 20250501
PER_KIND = 50
KINDS = (
    "partial_title",
    "misspelt_title",
    "homophone_title",
    "person_genre",
    "plot_keywords",
    "pinyin_full",
    "initials",
    "mixed_digits",
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_PUNCT = re.compile(r"[\W_]+")


def _split(value: str, sep: str) -> list[str]:
    return [v.strip() for v in value.split(sep) if v.strip()]


def load_records(path: str = DEFAULT_CSV) -> list[dict]:
    """The catalogue as records: id, title, directors, actors, genres, region, year, description."""
    out = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            date = row["release_date"].strip()
            out.append(
                {
                    "id": int(row["movie_id"]),
                    "title": row["title"].strip(),
                    "directors": _split(row["directors"], ","),
                    "actors": _split(row["actors"], ","),
                    "genres": _split(row["genres"], ","),
                    "region": _split(row["countries"], "/"),
                    "year": int(date[:4]) if date[:4].isdigit() else None,
                    "description": row["summary"].strip(),
                }
            )
    return out


def flat_text(rec: dict) -> str:
    """One text per film, for the single-field anchors."""
    parts = [rec["title"], *rec["directors"], *rec["actors"], *rec["genres"], *rec["region"]]
    if rec["year"]:
        parts.append(str(rec["year"]))
    parts.append(rec["description"])
    return " ".join(parts)


def _norm(title: str) -> str:
    s = unicodedata.normalize("NFKC", title).casefold()
    return "".join(_PUNCT.sub(" ", s).split())


def _pinyin(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return [p.lower() for p in lazy_pinyin(text, style=Style.NORMAL)]


def _initials(text: str) -> str:
    out = []
    for unit in _pinyin(text):
        out.append(unit if unit.isdigit() else unit[0])
    return "".join(out)


class _Gen:
    def __init__(self, records: list[dict]) -> None:
        self.records = records
        self.titles = [_norm(r["title"]) for r in records]
        counts = collections.Counter(
            ch for r in records for ch in r["title"] + r["description"] if _HAN.match(ch)
        )
        self.common = [ch for ch, _ in counts.most_common(1500)]
        from pypinyin import Style, lazy_pinyin

        self.by_sound: dict[str, list[str]] = collections.defaultdict(list)
        for ch in self.common:  # most frequent first
            self.by_sound[lazy_pinyin(ch, style=Style.NORMAL)[0]].append(ch)

    def same_title(self, t: str) -> list[int]:
        return [r["id"] for r, u in zip(self.records, self.titles) if u == t]

    # each maker returns (query, relevant ids) or None when the film does not suit the kind
    def partial_title(self, i: int, rng: np.random.Generator):
        t = self.titles[i]
        if len(t) < 4 or not _HAN.search(t):
            return None
        for _ in range(10):
            size = max(2, round(len(t) * rng.uniform(0.5, 0.75)))
            start = int(rng.integers(0, len(t) - size + 1))
            q = t[start : start + size]
            hits = [r["id"] for r, u in zip(self.records, self.titles) if q in u]
            if len(set(self.titles[j] for j, r in enumerate(self.records) if r["id"] in hits)) == 1:
                return q, hits
        return None

    def misspelt_title(self, i: int, rng: np.random.Generator):
        t = self.titles[i]
        pos = [k for k, ch in enumerate(t) if _HAN.match(ch)]
        if len(t) < 4 or len(pos) < 3:
            return None
        k = int(rng.choice(pos))
        op = int(rng.integers(0, 4))
        if op == 0:  # replace with a common character
            q = t[:k] + str(rng.choice(self.common[:800])) + t[k + 1 :]
        elif op == 1:  # drop
            q = t[:k] + t[k + 1 :]
        elif op == 2 and k + 1 < len(t):  # swap with the next
            q = t[:k] + t[k + 1] + t[k] + t[k + 2 :]
        else:  # insert a common character
            q = t[:k] + str(rng.choice(self.common[:800])) + t[k:]
        return (q, self.same_title(t)) if q != t else None

    def homophone_title(self, i: int, rng: np.random.Generator):
        t = self.titles[i]
        if len(t) < 3 or len(t) > 12:
            return None
        sounds = _pinyin(t) if len(_pinyin(t)) == len(t) else None
        if sounds is None:
            return None
        cand = [
            k
            for k, ch in enumerate(t)
            if _HAN.match(ch) and [c for c in self.by_sound.get(sounds[k], []) if c != ch]
        ]
        if not cand:
            return None
        k = int(rng.choice(cand))
        options = [c for c in self.by_sound[sounds[k]] if c != t[k]][:8]
        q = t[:k] + str(rng.choice(options)) + t[k + 1 :]
        return q, self.same_title(t)

    def person_genre(self, i: int, rng: np.random.Generator):
        r = self.records[i]
        people = r["directors"][:1] + r["actors"][:2]
        if not people or not r["genres"]:
            return None
        person = str(rng.choice(people))
        short = person.split("·")[-1] if "·" in person else person
        genre = str(rng.choice(r["genres"]))

        def has(rec: dict) -> bool:
            names = rec["directors"] + rec["actors"]
            ok = any(n == person or n.split("·")[-1] == short for n in names)
            return ok and genre in rec["genres"]

        return f"{short} {genre}", [x["id"] for x in self.records if has(x)]

    def plot_keywords(self, i: int, rng: np.random.Generator):
        r = self.records[i]
        if len(r["description"]) < 60:
            return None
        words = [
            w
            for w in self.tokens[i]
            if len(w) >= 2 and _HAN.fullmatch(w[0]) and w not in r["title"]
        ]
        tf = collections.Counter(words)
        scored = sorted(
            (
                (c * math.log(len(self.records) / self.df[w]), w)
                for w, c in tf.items()
                if self.df[w] <= 20
            ),
            reverse=True,
        )
        top = [w for _, w in scored[:8]]
        if len(top) < 3:
            return None
        picked = [str(w) for w in rng.choice(top, size=3, replace=False)]
        rel = [x["id"] for x in self.records if all(w in x["description"] for w in picked)]
        return " ".join(picked), rel

    def pinyin_full(self, i: int, rng: np.random.Generator):
        t = self.titles[i]
        if (
            not (2 <= len(t) <= 8)
            or not _HAN.search(t)
            or not re.fullmatch(r"[\u4e00-\u9fff0-9]+", t)
        ):
            return None
        syl = _pinyin(t)
        q = " ".join(syl) if rng.random() < 1 / 3 else "".join(syl)
        key = "".join(syl)
        rel = [r["id"] for r, u in zip(self.records, self.titles) if "".join(_pinyin(u)) == key]
        return q, rel

    def initials(self, i: int, rng: np.random.Generator):
        t = self.titles[i]
        if not (3 <= len(t) <= 10) or not re.fullmatch(r"[\u4e00-\u9fff0-9]+", t):
            return None
        q = _initials(t)
        rel = [r["id"] for r, u in zip(self.records, self.titles) if self.initials_of[u] == q]
        return q, rel

    def mixed_digits(self, i: int, rng: np.random.Generator):
        r = self.records[i]
        t = self.titles[i]
        m = re.search(r"[0-9]+", t)
        if m and _HAN.search(t):
            seg = re.split(r"[：:]", _PUNCT.sub(" ", r["title"].casefold()).strip())[0].replace(
                " ", ""
            )
            seg = seg if m.group() in seg else t
            if rng.random() < 0.5:
                seg = re.sub(r"([0-9]+)", r" \1", seg).strip()
            return seg, self.same_title(t)
        if r["year"] and len(t) >= 3 and _HAN.match(t):
            prefix = t[: max(2, len(t) // 2 + 1)]
            siblings = [x for x, u in zip(self.records, self.titles) if u.startswith(prefix)]
            if len(siblings) >= 2 and len({x["year"] for x in siblings}) == len(siblings):
                return f"{prefix} {r['year']}", [r["id"]]
        return None


def build(path: str = DEFAULT_CSV) -> list[dict]:
    import jieba

    jieba.setLogLevel(60)
    records = load_records(path)
    gen = _Gen(records)
    gen.tokens = [jieba.lcut(r["description"]) for r in records]
    gen.df = collections.Counter(w for toks in gen.tokens for w in set(toks))
    gen.initials_of = {u: _initials(u) if _HAN.search(u) else "" for u in gen.titles}
    queries = []
    for k, kind in enumerate(KINDS):
        rng = np.random.default_rng([SEED, k])
        order = rng.permutation(len(records))
        made = 0
        used: set[str] = set()
        for i in order.tolist():
            got = getattr(gen, kind)(i, rng)
            if got is None or not got[1] or got[0] in used:
                continue
            query, rel = got
            used.add(query)
            queries.append(
                {
                    "qid": f"{kind}-{made:03d}",
                    "kind": kind,
                    "query": query,
                    "target": records[i]["id"],
                    "relevant": sorted(set(rel)),
                }
            )
            made += 1
            if made == PER_KIND:
                break
    return queries


def load_queries(path: str = OUT) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CSV
    queries = build(path)
    with open(OUT, "w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
    counts = collections.Counter(q["kind"] for q in queries)
    print(f"wrote {len(queries)} queries to {OUT}: {dict(counts)}")


if __name__ == "__main__":
    main()
