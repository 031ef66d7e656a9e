"""Every saveable object: save -> load (and filmreco.load) gives it back; tampered,
inconsistent, unknown and old-format files."""

from __future__ import annotations

import json
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import filmreco
from filmreco import Catalog, EdgeList, Interactions
from filmreco._persist import save_npz
from filmreco._registry import KINDS, lookup
from filmreco.exceptions import DataWarning, FormatError
from filmreco.privacy import Pseudonymizer
from filmreco.recommend import EASE, ItemKNN, Popularity
from filmreco.social import IndependentCascade, LinearThreshold, SocialGraph
from filmreco.sparse import IdMap

ids_st = st.one_of(
    st.lists(
        st.integers(-1000, 1000).filter(lambda i: i != -1), unique=True, max_size=8
    ),  # -1 pads
    st.lists(st.text("abcxyz影片", min_size=1, max_size=4), unique=True, max_size=8),
)
events_st = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 6), st.floats(0.5, 5), st.floats(0, 1e6)),
    min_size=1,
    max_size=25,
)


def _interactions(events):
    u, i, v, t = zip(*events)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # merged duplicates
        return Interactions.from_arrays(
            [f"u{x}" for x in u], list(i), list(v), timestamps=list(t), duplicates="max"
        )


def _same_interactions(a, b):
    assert a.shape == b.shape and a.user_ids == b.user_ids and a.item_ids == b.item_ids
    for k in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(a.matrix, k), getattr(b.matrix, k))
    assert a.matrix.dtype == b.matrix.dtype
    np.testing.assert_array_equal(a.timestamps, b.timestamps)


def _round_trip(obj, path):
    p = obj.save(path)
    direct, generic = type(obj).load(p), filmreco.load(p)
    assert type(direct) is type(obj) and type(generic) is type(obj)
    return direct, generic


@given(ids=ids_st)
def test_idmap_round_trip(tmp_path_factory, ids):
    m = IdMap(ids) if ids else IdMap(np.zeros(0, np.int64))
    for back in _round_trip(m, tmp_path_factory.mktemp("m") / "ids"):
        assert back == m and back.kind == m.kind


@given(events=events_st)
def test_interactions_and_pseudonymized_round_trip(tmp_path_factory, events):
    X = _interactions(events)
    for back in _round_trip(X, tmp_path_factory.mktemp("x") / "log"):
        _same_interactions(back, X)
    pz = Pseudonymizer(b"0123456789abcdef-test")
    P = pz.pseudonymize_interactions(X)
    for back in _round_trip(P, tmp_path_factory.mktemp("p") / "shared"):
        _same_interactions(back.interactions, P.interactions)
        assert (back.fingerprint, back.id_kind) == (P.fingerprint, P.id_kind)
    T = pz.table(X.user_ids.ids)
    for back in _round_trip(T, tmp_path_factory.mktemp("t") / "table"):
        assert len(back) == len(T) and back.fingerprint == T.fingerprint
        np.testing.assert_array_equal(
            back.pseudonyms_of(X.user_ids.ids), T.pseudonyms_of(X.user_ids.ids)
        )


@given(
    years=st.lists(st.one_of(st.none(), st.integers(1900, 2030)), min_size=1, max_size=6),
    data=st.data(),
)
def test_catalog_round_trip(tmp_path_factory, years, data):
    n = len(years)
    genres = data.draw(
        st.lists(st.lists(st.text("喜剧动作ab", max_size=3), max_size=3), min_size=n, max_size=n)
    )
    titles = data.draw(st.lists(st.text("片名 ab\n", max_size=5), min_size=n, max_size=n))
    cat = Catalog([f"tt{k}" for k in range(n)], {"title": titles, "year": years, "genres": genres})
    for back in _round_trip(cat, tmp_path_factory.mktemp("c") / "cat"):
        assert list(back.records()) == list(cat.records()) and back.item_ids == cat.item_ids


@given(
    edges=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.floats(0, 3)), min_size=1, max_size=20
    ),
    directed=st.booleans(),
)
def test_edges_graph_and_propagation_models_round_trip(tmp_path_factory, edges, directed):
    s, t, w = zip(*edges)
    E = EdgeList.from_arrays(list(s), list(t), list(w), directed=directed)
    for back in _round_trip(E, tmp_path_factory.mktemp("e") / "edges"):
        assert back.node_ids == E.node_ids and back.directed == E.directed
        np.testing.assert_array_equal(back.weights, E.weights)
        np.testing.assert_array_equal(back.sources, E.sources)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # self-loops and duplicates dropped
        g = SocialGraph.from_arrays(
            [f"n{x}" for x in s], [f"n{x}" for x in t], list(w), directed=directed, duplicates="max"
        )
    for back in _round_trip(g, tmp_path_factory.mktemp("g") / "graph"):
        assert back.node_ids == g.node_ids and (back.directed, back.weighted) == (
            g.directed,
            g.weighted,
        )
        assert (back.out_adj != g.out_adj).nnz == 0
    for model in (IndependentCascade(g, "trivalency", random_state=3), LinearThreshold(g)):
        for back in _round_trip(model, tmp_path_factory.mktemp("pm") / "model"):
            np.testing.assert_array_equal(back.edge_probabilities, model.edge_probabilities)
            assert repr(back) == repr(model)
            seeds = g.node_ids.ids[:1]
            a = back.simulate(seeds, 20, random_state=5).samples
            np.testing.assert_array_equal(a, model.simulate(seeds, 20, random_state=5).samples)


@settings(max_examples=10)
@given(events=events_st)
def test_recommenders_round_trip(tmp_path_factory, events):
    X = _interactions(events)
    users = X.user_ids.ids
    for model in (Popularity(), EASE(), ItemKNN(n_neighbors=3)):
        model.fit(X)
        for back in _round_trip(model, tmp_path_factory.mktemp("r") / "model"):
            for a, b in zip(back.recommend(users, 3), model.recommend(users, 3)):
                np.testing.assert_array_equal(a, b)


def test_search_index_round_trip(tmp_path):
    from filmreco.search import SearchIndex

    records = [{"id": "f1", "title": "星际穿越"}, {"id": "f2", "title": "流浪地球"}]
    index = SearchIndex().fit(records)
    for back in _round_trip(index, tmp_path / "index"):
        assert back.search("地球").ids.tolist() == index.search("地球").ids.tolist()


# ------------------------------------------------------------------ registry


def test_every_table_entry_resolves():
    for kind, target in KINDS.items():
        cls = lookup(kind)
        assert f"{cls.__module__}:{cls.__qualname__}" == target
        assert callable(cls.load)


def test_unknown_kind_and_names_from_the_file_are_refused(tmp_path):
    p = save_npz(tmp_path / "evil", {"x": np.arange(2)}, kind="os:system", version=1)
    with pytest.raises(FormatError, match="no filmreco class reads files of kind 'os:system'"):
        filmreco.load(p)
    np.savez(tmp_path / "plain.npz", x=np.arange(2))
    with pytest.raises(FormatError, match="not a filmreco file"):
        filmreco.load(tmp_path / "plain.npz")


def test_load_on_another_class_is_refused(tmp_path):
    p = IdMap([1, 2]).save(tmp_path / "ids")
    with pytest.raises(FormatError, match="expected 'filmreco.EdgeList'"):
        EdgeList.load(p)


# ------------------------------------------------------------------ tampering
def _rewrite(path, edit):
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    edit(members)
    with zipfile.ZipFile(path, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)


def test_edited_header_is_detected(tmp_path):
    p = Interactions.from_arrays(["a", "b"], [1, 2]).save(tmp_path / "x")
    with np.load(p) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(str(arrays.pop("__meta__")))
    header["meta"]["user_kind"] = "int"  # digests of the arrays still match
    np.savez(p, __meta__=np.array(json.dumps(header)), **arrays)
    with pytest.raises(FormatError, match="header fails its checksum"):
        filmreco.load(p)


def test_edited_array_is_detected(tmp_path):
    p = IdMap([1, 2, 3]).save(tmp_path / "ids")

    def flip(members):
        b = bytearray(members["ids.npy"])
        b[-1] ^= 0xFF
        members["ids.npy"] = bytes(b)

    _rewrite(p, flip)
    with pytest.raises(FormatError, match="checksum"):
        IdMap.load(p)


@pytest.mark.parametrize(
    ("kind", "arrays", "meta"),
    [
        ("IdMap", {"ids": np.array([1, 1])}, {"kind": "int"}),
        ("IdMap", {"ids": np.array([1.5])}, {"kind": "int"}),
        (
            "EdgeList",
            {"node_ids": np.array([0]), "sources": np.array([3]), "targets": np.array([0])},
            {"node_kind": "int", "directed": True},
        ),
        (
            "SocialGraph",
            {
                "node_ids": np.array([0, 1]),
                "indptr": np.array([0, 1, 1]),
                "indices": np.array([5]),
                "data": np.array([1.0]),
            },
            {"node_kind": "int", "directed": True, "weighted": False},
        ),
        (
            "Interactions",
            {
                "indptr": np.array([0, 1]),
                "indices": np.array([0]),
                "data": np.array([1.0]),
                "shape": np.array([2, 1]),
                "user_ids": np.array([0, 1]),
                "item_ids": np.array([0]),
            },
            {"user_kind": "int", "item_kind": "int"},
        ),
    ],
)
def test_inconsistent_content_with_valid_digests_is_a_format_error(tmp_path, kind, arrays, meta):
    p = save_npz(tmp_path / "bad", arrays, kind=kind, version=1, meta=meta)
    with pytest.raises(FormatError, match="inconsistent"):
        filmreco.load(p)


# ------------------------------------------------------------------ old format
def _save_container_1(path, arrays, *, kind, meta):
    """The writer of container version 1 (digests of the arrays only), kept for this test."""
    import hashlib

    def digest(a):
        h = hashlib.sha256()
        h.update(str(a.dtype.str).encode())
        h.update(str(a.shape).encode())
        h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()

    header = {
        "format": f"filmreco.{kind}",
        "format_version": 1,
        "filmreco_version": "0.1",
        "meta": meta,
        "sha256": {k: digest(np.asarray(v)) for k, v in arrays.items()},
    }
    np.savez(path, __meta__=np.array(json.dumps(header)), **arrays)
    return path


def test_files_of_container_version_1_still_load(tmp_path):
    X = _interactions([(0, 1, 2.0, 5.0), (1, 2, 1.0, 3.0)])
    objects = [X, IdMap(["a", "b"]), EASE().fit(X), SocialGraph.from_arrays(["a"], ["b"])]
    for k, obj in enumerate(objects):
        arrays, meta = obj._export()
        p = _save_container_1(tmp_path / f"old{k}.npz", arrays, kind=obj._persist_kind, meta=meta)
        back = filmreco.load(p)
        assert type(back) is type(obj)
    _same_interactions(filmreco.load(tmp_path / "old0.npz"), X)
    users = X.user_ids.ids
    for a, b in zip(
        filmreco.load(tmp_path / "old2.npz").recommend(users, 2), objects[2].recommend(users, 2)
    ):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(FormatError, match="modified"):  # a v1 file is still checked
        arrays, meta = X._export()
        arrays["data"] = arrays["data"] * 2
        p = _save_container_1(tmp_path / "bad.npz", arrays, kind="Interactions", meta=meta)
        np.savez(p, **{**dict(np.load(p)), "data": arrays["data"] + 1})
        filmreco.load(p)
