"""Build the query set of "searches real users type" (issue 14; run by hand, output committed).

    /work/venv/bin/python benchmarks/search_queries_real.py [path/to/douban_all_movies.csv]

Reads the Douban catalogue (research/benchmark data only: see its SOURCE.md; nothing of it is
shipped but the queries and ids) and writes ``benchmarks/search_queries_real.jsonl``, one JSON
object per line: ``{"qid", "kind", "query", "relevant", ...}``. Every query is derived from
the records by the rules below, with a fixed seed, so running it again gives the same file;
none was written or picked by hand. Kinds:

- ``sequel``: a title ``<stem><n>`` (n = 2..9, a stem of 2+ Chinese characters, optionally a
  ``：subtitle``) whose stem is also the start of another title; the number written in one of
  six forms (``二``, ``Ⅱ``, `` 2``, ``第二部``, `` II``, ``2``). Relevant: that film.
- ``initials_prefix``: a title of 6+ Chinese characters (no digits, no Latin letters); the
  pinyin initials of its first part (up to ``之``/``的``/``：`` if that part has 3-5
  characters, else its first 4 characters). Relevant: every film whose title's initials start
  with the query (the query being no whole title's initials).
- ``request``: a genre of 40+ films, with (seeded choices) a quality word, a period (a decade in
  one of four spellings, or a year with 10+ films of the genre), a region or a person with 3+
  films of the genre, in one of several sentence shapes. Relevant: the films of the genre (and
  period, region or person); the query records the genre and years for the measures.
- ``out_of_catalogue``: two or three English words (from a list of common words of English
  film titles) of which none occurs in the catalogue. Relevant: nothing.

Added in session 13 (after the library learnt to read them; the four kinds above are unchanged,
each kind draws from its own seeded generator):

- ``toned_pinyin``: a title of 2-8 Chinese characters (no other title alike) as pinyin with
  tones, pypinyin's phrase-aware reading, in one of four styles (marks or numbers, spaced or
  not). Relevant: that film.
- ``pinyin_typed_so_far``: the full pinyin of such a title of 3+ characters cut inside its
  last syllable (1 to all but one of its letters kept), as a search box holds it while typing.
  Relevant: that film.
- ``spelt_out``: such a title with a space between its characters. Relevant: that film.
- ``western_name``: a person (director or actor) of 2-3 Chinese characters with a
  one-character surname, in the Western order: the given name's pinyin, then the surname's,
  capitalised (``Bingbing Fan``) or spaced syllables (``bing bing fan``). Relevant: the films
  of every person with that pinyin (homophones count).
- ``spaced_initials``: the initials of a unique title of 2-8 characters typed with a space
  between the letters (``x j c y``). Relevant: every film whose title has those initials.
- ``mixed_pinyin``: a unique title of 3-8 characters typed as IMEs accept "mixed" input: its
  first syllable whole and initials for the rest (``xingjcy``), or initials and its last
  syllable whole (``xjcyue``). Relevant: that film.
"""

from __future__ import annotations

import collections
import csv
import json
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from search_queries import load_records  # noqa: E402

DEFAULT_CSV = os.path.join(
    HERE, "..", "..", "..", "shared", "data", "films_zh", "douban_all_movies.csv"
)
if not os.path.exists(DEFAULT_CSV):
    DEFAULT_CSV = "/work/shared/data/films_zh/douban_all_movies.csv"
OUT = os.path.join(HERE, "search_queries_real.jsonl")
SEED = 20261207
KINDS = (
    "sequel", "initials_prefix", "request", "out_of_catalogue",
    "toned_pinyin", "pinyin_typed_so_far", "spelt_out", "western_name", "spaced_initials",
    "mixed_pinyin",
)  # fmt: skip
PER_KIND = {
    "sequel": 50, "initials_prefix": 50, "request": 80, "out_of_catalogue": 40,
    "toned_pinyin": 60, "pinyin_typed_so_far": 60, "spelt_out": 40, "western_name": 50,
    "spaced_initials": 40, "mixed_pinyin": 60,
}  # fmt: skip
_CN = "零一二三四五六七八九"
_ROMAN_UNI = {2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "Ⅵ", 7: "Ⅶ", 8: "Ⅷ", 9: "Ⅸ"}
_ROMAN = {2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII", 8: "VIII", 9: "IX"}
_SEQUEL_TITLE = re.compile(r"^([\u4e00-\u9fff]{2,})([2-9])(?:[：:].*)?$")
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff：:·]+$")
_ENGLISH = (
    "love war night king star dark man world last day city girl boy house black white blood "
    "dream fire heart time game secret story life death road river sky moon sun summer winter "
    "lost return rise fall kingdom hunter shadow queen prince ghost wild silent golden broken "
    "harry potter wizard stone chamber prisoner goblet phoenix prince hallows ring lord"
).split()


def load(path: str) -> list[dict]:
    """The benchmark's records, with Douban's score as ``rating`` (float)."""
    records = load_records(path)
    with open(path, encoding="utf-8-sig", newline="") as f:
        rating = {int(r["movie_id"]): float(r["rating"]) for r in csv.DictReader(f)}
    for r in records:
        r["rating"] = rating[r["id"]]
    return records


def _initials(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(p[0] for p in lazy_pinyin(text, style=Style.NORMAL) if p)


def sequels(records, rng):
    titles = [r["title"] for r in records]
    out = []
    for i in rng.permutation(len(records)).tolist():
        m = _SEQUEL_TITLE.match(titles[i])
        if not m:
            continue
        stem, n = m.group(1), int(m.group(2))
        if not any(t.startswith(stem) and j != i for j, t in enumerate(titles)):
            continue
        form = int(rng.integers(0, 6))
        q = [
            stem + _CN[n],
            stem + _ROMAN_UNI[n],
            f"{stem} {n}",
            f"{stem}第{_CN[n]}部",
            f"{stem} {_ROMAN[n]}",
            f"{stem}{n}",
        ][form]
        out.append({"query": q, "relevant": [records[i]["id"]], "form": form})
    return out


def initials_prefix(records, rng):
    whole = collections.Counter(_initials(r["title"]) for r in records)
    inits = [_initials(r["title"]) for r in records]
    out = []
    for i in rng.permutation(len(records)).tolist():
        t = records[i]["title"]
        han = re.sub(r"[：:·]", "", t)
        if not _HAN_ONLY.match(t) or len(han) < 6:
            continue
        head = re.split(r"[之的：:]", t)[0]
        head = head if 3 <= len(head) <= 5 else han[:4]
        q = _initials(head)
        if whole[q] or len(q) < 3:
            continue
        rel = [r["id"] for r, s in zip(records, inits) if s.startswith(q)]
        out.append({"query": q, "relevant": rel})
    return out


def requests(records, rng):
    genres = collections.Counter(g for r in records for g in r["genres"])
    big = sorted(g for g, c in genres.items() if c >= 40)
    quality = ["好看的", "评分高的", "高分", "经典", "口碑好的", "值得一看的", ""]
    shapes = [
        "有没有{q}{p}{g}片",
        "{q}{p}{g}电影",
        "推荐几部{q}{p}{g}片",
        "{p}{q}{g}片",
        "想看{q}{p}{g}电影",
        "{p}的{g}片",
    ]
    decades = {1980: ["八十年代", "80年代", "1980年代", "80s"], 1990: ["九十年代", "90年代", "1990年代", "90s"],
               2000: ["2000年代", "00年代"], 2010: ["2010年代", "10年代"]}  # fmt: skip
    regions = {
        "香港": ["港", "香港"],
        "日本": ["日本"],
        "美国": ["美国"],
        "中国大陆": ["国产", "大陆"],
    }
    out = []
    for _ in range(2000):
        g = str(rng.choice(big))
        docs = [r for r in records if g in r["genres"]]
        years = None
        extra = int(rng.integers(0, 4))  # 0 nothing, 1 period, 2 region, 3 person
        p = ""
        rel = docs
        if extra == 1:
            if rng.random() < 0.6:
                d = int(rng.choice(sorted(decades)))
                years = (d, d + 9)
                p = str(rng.choice(decades[d]))
            else:
                by_year = collections.Counter(r["year"] for r in docs if r["year"])
                ok = sorted(y for y, c in by_year.items() if c >= 10)
                if not ok:
                    continue
                y = int(rng.choice(ok))
                years = (y, y)
                p = f"{y}年"
            rel = [r for r in docs if r["year"] and years[0] <= r["year"] <= years[1]]
        elif extra == 2:
            reg = str(rng.choice(sorted(regions)))
            p = str(rng.choice(regions[reg]))
            rel = [r for r in docs if reg in r["region"]]
        elif extra == 3:
            people = collections.Counter(
                n for r in docs for n in [*r["directors"], *r["actors"][:2]] if "·" not in n
            )
            cands = sorted(n for n, c in people.items() if c >= 3)
            if not cands:
                continue
            person = str(rng.choice(cands))
            p = person + "的"
            rel = [r for r in docs if person in r["directors"] or person in r["actors"]]
        if len(rel) < (10 if extra in (0, 1) else 3):
            continue
        shape = str(rng.choice(shapes))
        if extra != 1 and shape == "{p}的{g}片":
            shape = "{q}{p}{g}片"
        q = shape.format(q=str(rng.choice(quality)), p=p, g=g)
        out.append(
            {
                "query": q,
                "relevant": [r["id"] for r in rel],
                "genre": g,
                "years": list(years) if years else None,
                "extra": ["none", "period", "region", "person"][extra],
            }
        )
    return out


def out_of_catalogue(records, rng):
    text = " ".join(
        " ".join([r["title"], r["description"], *r["actors"], *r["directors"]]) for r in records
    ).casefold()
    words = [w for w in _ENGLISH if not re.search(rf"\b{w}\b", text)]
    out = []
    for _ in range(200):
        k = int(rng.integers(2, 4))
        q = " ".join(str(w) for w in rng.choice(words, size=k, replace=False))
        out.append({"query": q.title() if rng.random() < 0.5 else q, "relevant": []})
    return out


_TITLE_HAN = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
_NAME_HAN = re.compile(r"^[\u4e00-\u9fff]{2,3}$")


def _unique_han_titles(records, rng, min_chars=2):
    count = collections.Counter(r["title"] for r in records)
    for i in rng.permutation(len(records)).tolist():
        t = records[i]["title"]
        if _TITLE_HAN.match(t) and count[t] == 1 and len(t) >= min_chars:
            yield records[i]


def toned_pinyin(records, rng):
    from pypinyin import Style, lazy_pinyin

    for r in _unique_han_titles(records, rng):
        style = int(rng.integers(0, 4))
        syl = lazy_pinyin(r["title"], style=Style.TONE if style < 2 else Style.TONE3)
        q = (" " if style % 2 == 0 else "").join(syl)
        yield {"query": q, "relevant": [r["id"]], "style": style}


def pinyin_typed_so_far(records, rng):
    from pypinyin import lazy_pinyin

    for r in _unique_han_titles(records, rng, min_chars=3):
        syl = lazy_pinyin(r["title"])
        last = syl[-1]
        if len(last) < 2:
            continue
        keep = int(rng.integers(1, len(last)))
        yield {"query": "".join(syl[:-1]) + last[:keep], "relevant": [r["id"]]}


def spelt_out(records, rng):
    for r in _unique_han_titles(records, rng):
        yield {"query": " ".join(r["title"]), "relevant": [r["id"]]}


def western_name(records, rng):
    from pypinyin import lazy_pinyin

    people = sorted(
        {p for r in records for p in r["directors"] + r["actors"] if _NAME_HAN.match(p)}
    )
    by_sound = collections.defaultdict(set)
    for r in records:
        for p in r["directors"] + r["actors"]:
            if _NAME_HAN.match(p):
                by_sound["".join(lazy_pinyin(p))].add(r["id"])
    compound = (
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "司徒",
        "夏侯",
        "端木",
        "东方",
        "皇甫",
        "慕容",
        "令狐",
    )
    for i in rng.permutation(len(people)).tolist():
        p = people[i]
        if p[:2] in compound:
            continue
        syl = lazy_pinyin(p)
        if rng.random() < 0.5:
            q = "".join(syl[1:]).capitalize() + " " + syl[0].capitalize()
        else:
            q = " ".join(syl[1:] + syl[:1])
        yield {"query": q, "relevant": sorted(by_sound["".join(syl)]), "person": p}


def spaced_initials(records, rng):
    initials = collections.defaultdict(list)
    for r in records:
        if _TITLE_HAN.match(r["title"]):
            initials[_initials(r["title"])].append(r["id"])
    for r in _unique_han_titles(records, rng):
        key = _initials(r["title"])
        yield {"query": " ".join(key), "relevant": sorted(initials[key])}


def mixed_pinyin(records, rng):
    from pypinyin import lazy_pinyin

    for r in _unique_han_titles(records, rng, min_chars=3):
        syl = lazy_pinyin(r["title"])
        if rng.random() < 0.5:
            q = syl[0] + "".join(p[0] for p in syl[1:])
        else:
            q = "".join(p[0] for p in syl[:-1]) + syl[-1]
        yield {"query": q, "relevant": [r["id"]]}


def build(path: str = DEFAULT_CSV) -> list[dict]:
    records = load(path)
    makers = {
        "sequel": sequels,
        "initials_prefix": initials_prefix,
        "request": requests,
        "out_of_catalogue": out_of_catalogue,
        "toned_pinyin": toned_pinyin,
        "pinyin_typed_so_far": pinyin_typed_so_far,
        "spelt_out": spelt_out,
        "western_name": western_name,
        "spaced_initials": spaced_initials,
        "mixed_pinyin": mixed_pinyin,
    }
    out = []
    for k, kind in enumerate(KINDS):
        rng = np.random.default_rng([SEED, k])
        seen: set[str] = set()
        made = []
        for item in makers[kind](records, rng):
            if item["query"] in seen:
                continue
            seen.add(item["query"])
            made.append(item)
            if len(made) == PER_KIND[kind]:
                break
        for j, item in enumerate(made):
            out.append({"qid": f"{kind}-{j:03d}", "kind": kind, **item})
    return out


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
