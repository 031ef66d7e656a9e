"""On the Douban catalogue (research data, read only when present; run with -m slow)."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

from filmreco.search import SearchIndex, evaluate_search

CSV = os.path.join(
    os.path.dirname(__file__),
    "..",
    "..",
    "..",
    "shared",
    "data",
    "films_zh",
    "douban_all_movies.csv",
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def douban():
    if not os.path.exists(CSV):
        pytest.skip("the Douban catalogue is not available")
    with open(CSV, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        {
            "id": int(r["movie_id"]),
            "title": r["title"],
            "directors": [x.strip() for x in r["directors"].split(",") if x.strip()],
            "actors": [x.strip() for x in r["actors"].split(",") if x.strip()],
            "genres": [x.strip() for x in r["genres"].split(",") if x.strip()],
            "description": r["summary"],
        }
        for r in rows
    ]


def test_titles_pinyin_and_initials_are_found(douban):
    from pypinyin import lazy_pinyin

    index = SearchIndex().fit(douban)
    rng = np.random.default_rng(0)
    picked = [douban[i] for i in rng.choice(len(douban), 60, replace=False)]
    titles = {r["id"]: r["title"] for r in douban}
    queries, qrels, groups = [], [], []
    for r in picked:
        same = [i for i, t in titles.items() if t == r["title"]]
        queries.append(r["title"])
        qrels.append(same)
        groups.append("title")
        if r["title"].isalnum() and len(r["title"]) <= 8:
            py = "".join(lazy_pinyin(r["title"]))
            queries.append(py)
            qrels.append([i for i, t in titles.items() if "".join(lazy_pinyin(t)) == py])
            groups.append("pinyin")
    out = evaluate_search(index, queries, qrels, groups=groups)
    assert out["groups"]["title"]["mrr@10"] > 0.95
    assert out["groups"]["pinyin"]["mrr@10"] > 0.9
