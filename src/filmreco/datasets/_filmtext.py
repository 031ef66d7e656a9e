"""Compose Chinese film titles, people and descriptions from the lists in ``_vocab`` (private).

The numeric part of the synthetic world (genres, tags, regions, years, sequels) is drawn
with numpy in ``_synthetic``; this module turns it into text, one item at a time, with a
seeded :class:`random.Random` (fast per call, and deterministic for a given seed).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import numpy as np

from . import _vocab as V

__all__ = ["compose_catalog", "person_name"]

_TITLE_WEIGHTS = list(accumulate(w for _, _, w in V.TITLE_PATTERNS))
_STYLES = tuple(dict.fromkeys(style for _, style, _ in V.REGIONS.values()))
_FIELDS = ("id", "title", "aliases", "year", "genres", "tags", "directors", "actors", "people")


def person_name(style: str, rnd: random.Random) -> str:
    """One invented name in the naming style of a region group ("cn", "jp", "kr", "west")."""
    if style == "cn":
        given = rnd.choice(V.CN_GIVEN) + (rnd.choice(V.CN_GIVEN) if rnd.random() < 0.7 else "")
        return rnd.choice(V.CN_SURNAMES) + given
    if style == "jp":
        return rnd.choice(V.JP_SURNAMES) + rnd.choice(V.JP_GIVEN)
    if style == "kr":
        return rnd.choice(V.KR_SURNAMES) + rnd.choice(V.KR_GIVEN) + rnd.choice(V.KR_GIVEN)
    mid = rnd.choice(V.WEST_GIVEN_MID) if rnd.random() < 0.35 else ""
    given = rnd.choice(V.WEST_GIVEN_HEAD) + mid + rnd.choice(V.WEST_GIVEN_TAIL)
    surname = "".join(rnd.choice(V.WEST_SURNAME) for _ in range(rnd.choice((2, 3, 3, 4))))
    return f"{given}·{surname}"


_CAPACITY = {
    "cn": len(V.CN_SURNAMES) * len(V.CN_GIVEN) ** 2,
    "jp": len(V.JP_SURNAMES) * len(V.JP_GIVEN),
    "kr": len(V.KR_SURNAMES) * len(V.KR_GIVEN) ** 2,
    "west": 10**6,
}


def _pool(style: str, n: int, rnd: random.Random, taken: set[str]) -> list[str]:
    """`n` distinct new names (fewer if the style's name space is small)."""
    n = max(1, min(n, _CAPACITY[style] // 4))
    out: list[str] = []
    for _ in range(40 * n):
        if len(out) == n:
            break
        name = person_name(style, rnd)
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def _pick_distinct(pool: list[str], cum: list[float], k: int, rnd: random.Random) -> list[str]:
    """`k` distinct names, favouring the front of `pool` (its stars)."""
    k = min(k, len(pool))
    out: list[str] = []
    while len(out) < k:
        name = rnd.choices(pool, cum_weights=cum)[0]
        if name not in out:
            out.append(name)
    return out


def _gloss(word: str) -> str:
    return word.replace("_", " ")


def _fresh_title(year: int, rnd: random.Random, taken: set[str]) -> tuple[str, str]:
    """A new (Chinese title, English title) pair composed from the title fragments."""
    a_words, b_words = list(V.TITLE_A), list(V.TITLE_B)
    for _ in range(30):
        zh, en, _w = V.TITLE_PATTERNS[
            rnd.choices(range(len(V.TITLE_PATTERNS)), cum_weights=_TITLE_WEIGHTS)[0]
        ]
        a, b, b2 = rnd.choice(a_words), rnd.choice(b_words), rnd.choice(b_words)
        if b2 == b:
            continue
        y = str(max(1950, year - rnd.randint(0, 25)))
        fields = {"a": a, "b": b, "b2": b2, "year": y}
        gloss = {"A": _gloss(V.TITLE_A[a]), "B": _gloss(V.TITLE_B[b]), "B2": _gloss(V.TITLE_B[b2])}
        title = zh.format(**fields)
        if title not in taken:
            return title, en.format(year=y, **gloss)
    return _unique(title, year, taken), en.format(year=y, **gloss)


def _unique(title: str, year: int, taken: set[str]) -> str:
    if title not in taken:
        return title
    cand, k = f"{title}（{year}）", 2
    while cand in taken:
        cand, k = f"{title}（{year}·{k}）", k + 1
    return cand


def _sequel_title(root_zh: str, root_en: str, seq_no: int, rnd: random.Random) -> tuple[str, str]:
    if seq_no == 1:
        zh, en = rnd.choice([p for p in V.SEQUELS if p[0] != "{t}3"])
    elif seq_no == 2:
        zh, en = rnd.choice([V.SEQUELS[1], V.SEQUELS[5]])
    else:
        zh, en = f"{{t}}{seq_no + 1}", f"{{e}} {seq_no + 1}"
    return zh.format(t=root_zh), en.format(e=root_en)


def _description(rec: dict[str, Any], style: str, rnd: random.Random, n_sentences: int) -> str:
    genre = rec["genres"][0]
    places, objects, events = V.GENRE_WORDS[genre]
    themed = rnd.random() < 0.7
    roles = rnd.sample(V.ROLES, 2)
    hero_name, other_name = person_name(style, rnd), person_name(style, rnd)
    tags = rec["tags"]
    fields = {
        "hero": roles[0] + hero_name,
        "hero_name": hero_name,
        "other": roles[1] + other_name,
        "place": rnd.choice(places if themed else V.PLACES),
        "object": rnd.choice(objects if themed else V.OBJECTS),
        "event": rnd.choice(events if themed else V.EVENTS),
        "goal": rnd.choice(V.GOALS),
        "theme": rnd.choice(V.THEMES),
        "time": rnd.choice(V.TIMES),
        "deadline": rnd.choice(V.DEADLINES),
        "tag": tags[0],
        "tag2": tags[1] if len(tags) > 1 else tags[0],
        "genre": genre,
        "genres": "、".join(rec["genres"]),
        "region": rec["region"],
        "director": rec["directors"][0],
        "actors": "、".join(rec["actors"][:3]),
    }
    parts = [rnd.choice(V.PLOT_OPENERS)]
    if n_sentences >= 3:
        parts.append(rnd.choice(V.PLOT_FOLLOWERS))
    parts.append(rnd.choice(V.GENRE_SENTENCES))
    if n_sentences >= 4:
        parts.append(V.CAST_SENTENCE)
    return "".join(p.format(**fields) for p in parts)


def compose_catalog(
    item_ids: Sequence[str],
    regions: Sequence[str],
    genres: Sequence[list[str]],
    tags: Sequence[list[str]],
    years: np.ndarray,
    roots: np.ndarray,
    seed: int,
) -> list[dict[str, Any]]:
    """Build one catalogue record per item; ``roots[i] >= 0`` makes item ``i`` a sequel.

    A sequel's root always comes earlier, so its title and people already exist when the
    sequel is composed; sequels share the root's director (mostly) and lead actor.
    """
    rnd = random.Random(seed)
    styles = [V.REGIONS[r][1] for r in regions]
    counts = {s: styles.count(s) for s in _STYLES}
    taken_names: set[str] = set()
    directors = {s: _pool(s, math.ceil(c / 3) + 1, rnd, taken_names) for s, c in counts.items()}
    actors = {s: _pool(s, math.ceil(1.5 * c) + 6, rnd, taken_names) for s, c in counts.items()}

    def zipf_cum(pool: list[str]) -> list[float]:
        return list(accumulate(1.0 / (r + 1) ** 0.8 for r in range(len(pool))))

    d_cum = {s: zipf_cum(p) for s, p in directors.items()}
    a_cum = {s: zipf_cum(p) for s, p in actors.items()}
    taken_titles: set[str] = set()
    english: list[str] = []
    n_sequels: dict[int, int] = {}
    records: list[dict[str, Any]] = []
    for i, item in enumerate(item_ids):
        style, year, root = styles[i], int(years[i]), int(roots[i])
        rec: dict[str, Any] = {"id": item, "region": regions[i], "year": year}
        rec["genres"], rec["tags"] = list(genres[i]), list(tags[i])
        aliases: list[str] = []
        if root >= 0:
            n_sequels[root] = n_sequels.get(root, 0) + 1
            base = records[root]
            zh, en = _sequel_title(base["title"], english[root], n_sequels[root], rnd)
            zh = _unique(zh, year, taken_titles)
            if zh.endswith(("2", "3")) and zh[:-1] == base["title"]:
                aliases.append(f"{base['title']}第{'二三'[int(zh[-1]) - 2]}部")
            same_dir = rnd.random() < 0.8
            rec["directors"] = (
                base["directors"]
                if same_dir
                else _pick_distinct(directors[style], d_cum[style], 1, rnd)
            )
            lead = base["actors"][0]
            others = _pick_distinct(actors[style], a_cum[style], rnd.randint(2, 5), rnd)
            rec["actors"] = [lead, *[a for a in others if a != lead]][: max(2, len(others))]
        else:
            zh, en = _fresh_title(year, rnd, taken_titles)
            rec["directors"] = _pick_distinct(directors[style], d_cum[style], 1, rnd)
            rec["actors"] = _pick_distinct(actors[style], a_cum[style], rnd.randint(2, 5), rnd)
        taken_titles.add(zh)
        english.append(en)
        if root >= 0 or rnd.random() < 0.5:
            aliases.append(en)
        rec["title"], rec["aliases"] = zh, aliases
        rec["people"] = rec["directors"] + [a for a in rec["actors"] if a not in rec["directors"]]
        rec["description"] = _description(rec, style, rnd, rnd.choice((2, 3, 3, 4)))
        records.append({k: rec[k] for k in (*_FIELDS, "description", "region")})
    return records
