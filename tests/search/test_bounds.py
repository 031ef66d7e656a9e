"""Bounded work on hostile records: long fields are cut at max_field_chars (issue 18, 7)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from filmreco.exceptions import DataWarning, InputError
from filmreco.search import SearchIndex

from .conftest import films

FILLER = "宇航员在深空任务中迷失于星海必须找到回家的航线。"  # 24 characters


def _long(n_chars: int, tail: str = "") -> str:
    body = (FILLER * (n_chars // len(FILLER) + 1))[: n_chars - len(tail)]
    return body + tail


def _n_terms(index: SearchIndex, row: int, field: str) -> int:
    return int(sum(X[[row]].sum() for (c, f), X in index._store.tf.items() if f == field))


def test_a_long_field_is_cut_with_a_warning_naming_record_field_and_parameter():
    recs = films()
    recs.append({"id": "huge", "title": "长文", "description": _long(100_000, tail="喀喇昆仑")})
    with pytest.warns(DataWarning) as caught:
        index = SearchIndex().fit(recs)
    (w,) = [w for w in caught if "max_field_chars" in str(w.message)]
    msg = str(w.message)
    assert "record 'huge'" in msg and "'description'" in msg and "100,000 characters" in msg
    assert "max_field_chars=20,000" in msg
    assert w.filename == __file__  # points at the caller's fit
    row = int(index.doc_ids_.index(["huge"])[0])
    # the terms of one field grow with the characters analysed: about two per character
    # (words and bigrams), so a cut field holds at most a few times max_field_chars
    assert _n_terms(index, row, "description") <= 3 * 20_000
    assert "huge" not in index.search("喀喇昆仑", n=50).ids.tolist()  # past the cut


def test_max_field_chars_is_the_users_to_raise():
    recs = [{"id": 1, "title": "长文", "description": _long(30_000, tail="喀喇昆仑")}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # under the limit: no warning
        index = SearchIndex(max_field_chars=40_000).fit(recs)
    assert index.search("喀喇昆仑").ids.tolist() == [1]
    with pytest.raises(InputError, match="max_field_chars"):
        SearchIndex(max_field_chars=0).fit(recs)


def test_list_fields_are_counted_together_and_highlights_stop_at_the_cut():
    recs = [{"id": 1, "title": "星海", "actors": ["林晓", "陈默", "高远"]}]
    with pytest.warns(DataWarning, match=r"field 'actors': 6 characters"):
        index = SearchIndex(max_field_chars=4).fit(recs)
    assert index.search("陈默").ids.tolist() == [1]
    assert index.search("高远").ids.tolist() == []
    hits = SearchIndex(max_field_chars=4, fields={"title": 1.0, "actors": 1.0})
    with pytest.warns(DataWarning):
        hits = hits.fit(recs).search("星海 高远", highlight=True)
    assert hits.highlights[0].get("actors") is None  # 高远 was not indexed


def test_normal_records_are_indexed_as_before(records):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        capped = SearchIndex(max_field_chars=200).fit(records)
        free = SearchIndex(max_field_chars=10**9).fit(records)
    for q in ("星海", "xjcy", "侦探 伦敦", "林晓", "科幻 2019"):
        a, b = capped.search(q), free.search(q)
        assert a.ids.tolist() == b.ids.tolist()
        assert np.array_equal(a.scores, b.scores)


def test_max_field_chars_is_saved_and_loaded(tmp_path):
    recs = [{"id": 1, "title": "星海", "description": "宇航员迷失于星海"}]
    index = SearchIndex(max_field_chars=10).fit(recs)
    loaded = SearchIndex.load(index.save(tmp_path / "idx"))
    assert loaded.max_field_chars == 10 and loaded.get_params() == index.get_params()
    with pytest.warns(DataWarning, match="max_field_chars=10 "):
        loaded.add([{"id": 2, "title": "长文", "description": _long(50)}])


# ------------------------------------------------ user data quoted in messages is cut (7)
BIG = "x" * 5_000_000


@pytest.mark.parametrize(
    "call",
    [
        lambda: SearchIndex().fit([{"id": BIG, "title": "a"}, {"id": BIG, "title": "b"}]),
        lambda: SearchIndex().fit([{"id": 1, "title": "a", BIG: object()}]),
        lambda: SearchIndex(fields={BIG: 1.0}).fit([{"id": 1, "title": "a"}]),
        lambda: SearchIndex(synonyms={BIG: 3}).fit([{"id": 1, "title": "a"}]),
        lambda: SearchIndex(pinyin=BIG).fit([{"id": 1, "title": "a"}]),
        lambda: SearchIndex().fit([{"id": 1, "title": "a"}]).search("a", filters={BIG: 1}),
        lambda: (
            SearchIndex()
            .fit([{"id": 1, "title": "a", "year": 1}])
            .search("a", filters={"year": (1, BIG)})
        ),
        lambda: SearchIndex().fit([{"id": BIG, "title": "a"}]).add([{"id": BIG, "title": "b"}]),
    ],
    ids=["dup id", "bad value", "fields", "synonyms", "flag", "filter field", "range", "add"],
)
def test_a_5mb_value_gives_a_short_message(call):
    with pytest.raises((InputError, TypeError, KeyError, ValueError)) as info:
        call()
    assert len(str(info.value)) < 1_000
    assert "xxxxxxxx" in str(info.value)
