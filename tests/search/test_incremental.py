"""add / update / delete give exactly a rebuild's results; save / load and damaged files."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.exceptions import DataWarning, DuplicateError, FormatError, UnknownIdError
from filmreco.search import SearchIndex

from .conftest import films

QUERIES = [
    "星海漫游",
    "星海慢游",
    "xhmy",
    "高远 爱情",
    "柯南",
    "剧情",
    "nigth trian",
    "家",
    "kenan",
]
POOL = films()
# changed versions of the films, for updates: another film's title and genres
VARIANTS = [
    {
        **POOL[i],
        "title": POOL[(i + 3) % len(POOL)]["title"] + "外传",
        "genres": POOL[(i + 5) % len(POOL)]["genres"],
    }
    for i in range(len(POOL))
]


def results(index: SearchIndex) -> list:
    out = []
    for q in QUERIES:
        h = index.search(q, n=20)
        out.append((h.ids.tolist(), h.scores.tolist()))
    out.append([h.ids.tolist() for h in index.search_many(QUERIES, n=20)])
    out.append(index.search("剧情", filters={"year": (2005, 2015)}).ids.tolist())
    out.append([index.suggest(p) for p in ("星", "xh", "gao", "柯")])
    return out


OPS = st.lists(
    st.tuples(st.sampled_from(["add", "update", "delete"]), st.integers(0, 100), st.booleans()),
    max_size=6,
)


@settings(max_examples=25)
@given(st.sets(st.integers(0, len(POOL) - 1), min_size=1), OPS)
def test_incremental_equals_rebuild(initial, ops):
    current = [dict(POOL[i]) for i in sorted(initial)]
    index = SearchIndex().fit([dict(r) for r in current])
    for op, k, flag in ops:
        ids = [r["id"] for r in current]
        if op == "add":
            fresh = [r for r in POOL if r["id"] not in ids]
            if not fresh:
                continue
            rec = dict(fresh[k % len(fresh)])
            index.add([rec])
            current.append(rec)
        elif op == "update":
            pos = k % len(current)
            rec = dict(VARIANTS[POOL.index(next(r for r in POOL if r["id"] == ids[pos]))])
            rec = rec if flag else dict(next(r for r in POOL if r["id"] == ids[pos]))
            index.update([rec])
            current[pos] = rec
        elif len(current) > 1:
            pos = k % len(current)
            index.delete([ids[pos]])
            del current[pos]
    rebuilt = SearchIndex().fit([dict(r) for r in current])
    assert index.doc_ids_.ids.tolist() == [r["id"] for r in current]
    assert results(index) == results(rebuilt)


def test_add_policies(records):
    index = SearchIndex().fit(records[:6])
    with pytest.raises(DuplicateError, match="already in the index"):
        index.add(records[5:8])
    assert len(index) == 6  # nothing was added
    with pytest.raises(DuplicateError):
        index.add([records[7], records[7]])
    changed = {**records[5], "title": "雪国来信"}
    with pytest.warns(DataWarning, match="skipped 1 record"):
        index.add([changed, records[6]], on_duplicate="skip")
    assert len(index) == 7 and "f06" not in index.search("雪国来信").ids.tolist()
    index.add([changed], on_duplicate="replace")
    assert len(index) == 7 and index.search("雪国来信").ids.tolist()[:1] == ["f06"]
    with pytest.raises(Exception, match="on_duplicate"):
        index.add([records[8]], on_duplicate="merge")


def test_update_and_delete_unknown_ids(records):
    index = SearchIndex().fit(records)
    before = index.search("星海").ids.tolist()
    with pytest.raises(UnknownIdError):
        index.delete(["f01", "nope"])
    with pytest.raises(UnknownIdError):
        index.update([{"id": "nope", "title": "无"}])
    assert index.search("星海").ids.tolist() == before and len(index) == 12
    index.delete(["f01", "f02"])
    assert index.search("星海").ids.tolist() == []
    assert index.suggest("星") == []


def test_searches_during_writes_see_a_whole_state(records):
    import threading

    index = SearchIndex().fit(records[:6])
    stop = threading.Event()
    seen: list[int] = []

    def reader():
        while not stop.is_set():
            seen.append(len(index.search("剧情 高远 星海", n=50)))

    t = threading.Thread(target=reader)
    t.start()
    try:
        for rec in records[6:]:
            index.add([rec])
        for rec in records[:6]:
            index.delete([rec["id"]])
    finally:
        stop.set()
        t.join()
    assert seen and all(0 <= k <= 12 for k in seen)


# ------------------------------------------------------------------ persistence
def test_save_load_roundtrip(tmp_path, records):
    index = SearchIndex(
        synonyms={"星海2": "星海漫游2"},
        fields={"title": 3.0, "directors": 1.0, "genres": 1.0, "description": 0.5},
    ).fit(records)
    index.delete(["f07"])
    index.add([{**records[6], "id": "f99"}])
    path = tmp_path / "films.npz"
    index.save(path)
    loaded = SearchIndex.load(path)
    assert loaded.get_params() == index.get_params()
    assert loaded.fields_ == index.fields_ and loaded.name_fields_ == index.name_fields_
    assert results(loaded) == results(index)
    assert loaded.search("星海2").ids.tolist()[:1] == ["f02"]
    loaded.add([{**records[6], "id": "f100"}])  # a loaded index can keep growing
    index.add([{**records[6], "id": "f100"}])
    assert results(loaded) == results(index)


def test_load_refuses_damaged_files(tmp_path, records):
    path = tmp_path / "films.npz"
    SearchIndex().fit(records).save(path)
    raw = path.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(FormatError):
        SearchIndex.load(truncated)
    # rewrite one array with other values: the checksum in the header catches it
    tampered = tmp_path / "tampered.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("records.data"):
                data = data[:-4] + bytes(4)
            dst.writestr(item, data)
    with pytest.raises(FormatError, match="modified"):
        SearchIndex.load(tampered)
    other = tmp_path / "idmap.npz"
    SearchIndex().fit(records).doc_ids_.save(other)
    with pytest.raises(FormatError, match="expected 'filmreco.SearchIndex'"):
        SearchIndex.load(other)
    with pytest.raises(FileNotFoundError):
        SearchIndex.load(tmp_path / "missing.npz")
    assert os.path.exists(path)


def test_save_needs_plain_ids(tmp_path):
    index = SearchIndex().fit([{"id": 1, "title": "星海"}, {"id": "b", "title": "家"}])
    with pytest.raises(Exception, match="cannot be saved"):
        index.save(tmp_path / "mixed.npz")


def test_pickle_roundtrip(records):
    import pickle

    index = SearchIndex().fit(records)
    copy = pickle.loads(pickle.dumps(index))
    assert results(copy) == results(index)
    np.testing.assert_array_equal(copy.doc_ids_.ids, index.doc_ids_.ids)
