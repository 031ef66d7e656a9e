"""evaluate_search against metrics computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from filmreco.exceptions import DataWarning, InputError
from filmreco.search import SearchIndex, evaluate_search


class FixedIndex:
    """An 'index' returning fixed rankings, so the expected metrics are known."""

    def __init__(self, rankings: dict[str, list[str]], ids: list[str]) -> None:
        from filmreco.search import SearchHits
        from filmreco.sparse import IdMap

        self.rankings = rankings
        self.doc_ids_ = IdMap(ids)
        self._hits = SearchHits

    def search_many(self, queries, n=10):
        out = []
        for q in queries:
            ids = np.array(self.rankings.get(q, [])[:n], dtype=str)
            out.append(self._hits(ids, np.ones(len(ids), dtype=np.float32)))
        return out


IDS = ["a", "b", "c", "d", "e"]


def test_metrics_by_hand():
    index = FixedIndex({"q1": ["b", "a", "c"], "q2": ["c", "d"], "q3": []}, IDS)
    out = evaluate_search(
        index,
        {"x": "q1", "y": "q2", "z": "q3"},
        {"x": "a", "y": ["d", "e"], "z": {"a": 2}},
        k=2,
        groups={"x": "title", "y": "title", "z": "plot"},
        per_query=True,
    )
    # MRR@2: 1/2, 1/2, 0; recall@2: 1, 1/2, 0
    assert out["mrr@2"] == pytest.approx((0.5 + 0.5 + 0) / 3)
    assert out["recall@2"] == pytest.approx((1 + 0.5 + 0) / 3)
    ndcg_x = (1 / np.log2(3)) / 1.0
    ndcg_y = (1 / np.log2(3)) / (1 + 1 / np.log2(3))
    assert out["ndcg@2"] == pytest.approx((ndcg_x + ndcg_y + 0) / 3)
    assert out["n_queries"] == 3 and out["n_evaluated"] == 3
    assert out["groups"]["title"]["mrr@2"] == pytest.approx(0.5)
    assert out["groups"]["plot"]["n_queries"] == 1
    assert out["per_query"]["query_ids"] == ["x", "y", "z"]


def test_lists_and_unjudged_queries():
    index = FixedIndex({"q1": ["a"], "q2": ["b"]}, IDS)
    out = evaluate_search(index, ["q1", "q2"], ["a", None])
    assert out["mrr@10"] == 1.0 and out["n_evaluated"] == 1 and out["n_queries"] == 2


def test_unknown_judged_ids_warn():
    index = FixedIndex({"q1": ["a"]}, IDS)
    with pytest.warns(DataWarning, match="not in the index"):
        out = evaluate_search(index, ["q1"], [["a", "zz"]])
    assert out["recall@10"] == 0.5


@pytest.mark.parametrize(
    ("queries", "qrels", "error"),
    [
        ({"x": "q1"}, ["a"], InputError),
        (["q1"], {"x": "a"}, InputError),
        (["q1", "q2"], ["a"], InputError),
        ("q1", ["a"], TypeError),
    ],
)
def test_bad_arguments(queries, qrels, error):
    with pytest.raises(error):
        evaluate_search(FixedIndex({}, IDS), queries, qrels)


def test_real_index():
    from .conftest import films

    index = SearchIndex().fit(films())
    out = evaluate_search(index, ["星海漫游", "xhmy", "柯南"], ["f01", "f01", "f03"], k=5)
    assert out["mrr@5"] == 1.0 and out["recall@5"] == 1.0
