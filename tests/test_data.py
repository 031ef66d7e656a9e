"""Tests of filmreco.data: Interactions, Catalog, EdgeList."""

from __future__ import annotations

import gzip
import warnings

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from filmreco.data import Catalog, EdgeList, Interactions
from filmreco.datasets import load_edgelist
from filmreco.exceptions import (
    DataWarning,
    DuplicateError,
    FormatError,
    InputError,
    UnknownIdError,
)
from filmreco.sparse import IdMap

# ---------------------------------------------------------------------------------
# reference implementation: a dict of (user, item) -> merged value, in plain Python


def _reference(users, items, values, stamps, policy):
    merged: dict = {}
    for u, i, v, t in zip(users, items, values, stamps):
        merged.setdefault((u, i), []).append((v, t))
    out = {}
    for key, evs in merged.items():
        vs = [v for v, _ in evs]
        latest = max(range(len(evs)), key=lambda k: (evs[k][1], k))  # "last": latest in time
        agg = {"sum": sum(vs), "max": max(vs), "last": vs[latest], "count": float(len(vs))}[policy]
        out[key] = (agg, max(t for _, t in evs))
    return out


def _as_dict(X: Interactions):
    u, i, v, t = X.to_arrays()
    return {(a, b): (c, d) for a, b, c, d in zip(u.tolist(), i.tolist(), v.tolist(), t.tolist())}


ids = st.integers(-3, 3).filter(lambda x: x != -1)  # -1 pads result rows: never an id
events = st.lists(
    st.tuples(
        ids,
        st.sampled_from(["a", "b", "c", "d"]),
        st.integers(-5, 5),
        st.integers(0, 100),
    ),
    max_size=40,
)


@given(events, st.sampled_from(["sum", "max", "last", "count"]))
def test_from_arrays_matches_reference(evs, policy):
    users = [e[0] for e in evs]
    items = [e[1] for e in evs]
    values = [float(e[2]) for e in evs]
    stamps = [float(e[3]) for e in evs]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X = Interactions.from_arrays(users, items, values, timestamps=stamps, duplicates=policy)
    ref = _reference(users, items, values, stamps, policy)
    assert _as_dict(X) == ref
    assert X.shape == (len(set(users)), len(set(items)))
    # maps follow first appearance (with "last" and times: in time order, ties in input order)
    seq = sorted(range(len(evs)), key=lambda k: stamps[k]) if policy == "last" else range(len(evs))
    assert X.user_ids.ids.tolist() == list(dict.fromkeys(users[k] for k in seq))
    assert X.item_ids.ids.tolist() == list(dict.fromkeys(items[k] for k in seq))
    n_merged = len(evs) - len(ref)
    msgs = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    if n_merged:
        assert len(msgs) == 1 and f"merged {n_merged} duplicate events" in msgs[0]
        assert repr(policy) in msgs[0]
    else:
        assert msgs == []
    assert _really_canonical(X.matrix) and X.matrix.dtype == np.float32


def test_duplicates_raise_and_policy_name():
    with pytest.raises(DuplicateError, match="occur more than once"):
        Interactions.from_arrays([1, 1], [2, 2], duplicates="raise")
    with pytest.raises(InputError, match="duplicates='mean' is not supported"):
        Interactions.from_arrays([1], [2], duplicates="mean")


def test_values_default_to_one_and_count():
    with pytest.warns(DataWarning, match=r"merged 2 duplicate events.*'count'"):
        X = Interactions.from_arrays(["u", "u", "u", "v"], [1, 1, 1, 2], duplicates="count")
    assert X.matrix.toarray().tolist() == [[3.0, 0.0], [0.0, 1.0]]
    assert X.timestamps is None and X.ratings is None


def test_on_nan_raise_and_drop():
    users, items = [1, 2, 3, 4], [1, 1, 2, 2]
    vals = [1.0, np.nan, 3.0, np.inf]
    with pytest.raises(InputError, match="2 of 4 events have a NaN or infinite value"):
        Interactions.from_arrays(users, items, vals)
    with pytest.warns(DataWarning, match=r"dropped 2 of 4 events.*on_nan='drop'"):
        X = Interactions.from_arrays(users, items, vals, on_nan="drop")
    assert X.user_ids.ids.tolist() == [1, 3] and X.matrix.data.tolist() == [1.0, 3.0]
    with pytest.raises(InputError, match="timestamp"):
        Interactions.from_arrays([1, 2], [1, 1], timestamps=[1.0, np.nan])
    with pytest.warns(DataWarning, match="dropped 2 of 3"):
        X = Interactions.from_arrays(["a", None, "c"], ["x", "y", np.nan], on_nan="drop")
    assert X.user_ids.ids.tolist() == ["a"] and X.item_ids.ids.tolist() == ["x"]
    with pytest.raises(InputError, match="user id"):
        Interactions.from_arrays([1.0, np.nan], [1, 2])
    with pytest.raises(InputError, match="on_nan"):
        Interactions.from_arrays([1], [1], on_nan="ignore")


def test_bad_shapes_and_types():
    with pytest.raises(InputError, match="same length, got 2 and 1"):
        Interactions.from_arrays([1, 2], [1])
    with pytest.raises(InputError, match="values has 1 entries"):
        Interactions.from_arrays([1, 2], [1, 2], [1.0])
    with pytest.raises(TypeError, match="values must be numeric"):
        Interactions.from_arrays([1, 2], [1, 2], ["a", "b"])
    with pytest.raises(InputError, match="one-dimensional"):
        Interactions.from_arrays([[1, 2]], [[1, 2]])
    with pytest.raises(InputError, match="non-negative"):
        Interactions.from_arrays([1, 2], [1, 2], [1.0, -1.0], nonnegative=True)
    # negative values are allowed by default (e.g. thumbs down)
    assert Interactions.from_arrays([1], [1], [-1.0]).matrix.data.tolist() == [-1.0]


def test_empty_is_allowed():
    X = Interactions.from_arrays([], [])
    assert X.shape == (0, 0) and X.nnz == 0 and X.density == 0.0
    assert repr(X) == "Interactions(n_users=0, n_items=0, nnz=0, density=0)"


def test_fixed_maps_and_unknown_ids():
    items = IdMap(["x", "y", "z"])
    X = Interactions.from_arrays([1, 2], ["z", "x"], item_map=items)
    assert X.item_ids is items and X.shape == (2, 3)
    assert X.matrix.toarray().tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(UnknownIdError, match=r"1 of the 2 events.*\['w'\]"):
        Interactions.from_arrays([1, 2], ["z", "w"], item_map=items)
    with pytest.warns(DataWarning, match=r"dropped 1 of 2 events.*on_unknown='ignore'"):
        X = Interactions.from_arrays(
            [1, 2], ["z", "w"], [5, 6], timestamps=[7, 8], item_map=items, on_unknown="ignore"
        )
    assert X.matrix.data.tolist() == [5.0] and X.timestamps.tolist() == [7.0]
    users = IdMap([2, 1, 9])
    X = Interactions.from_arrays([1, 2], ["x", "x"], user_map=users)
    assert X.matrix.toarray()[:, 0].tolist() == [1, 1, 0]
    with pytest.raises(TypeError, match="IdMap"):
        Interactions.from_arrays([1], [1], user_map=[1])


def test_constructor_accepts_csr_matrix_and_array():
    dense = np.array([[0, 2, 0], [1, 0, 3]], dtype=float)
    for X in (sp.csr_matrix(dense), sp.csr_array(dense), sp.coo_array(dense)):
        inter = Interactions(X, user_ids=IdMap(["a", "b"]), item_ids=IdMap([7, 8, 9]))
        assert isinstance(inter.matrix, sp.csr_array)
        assert inter.matrix.toarray().tolist() == dense.tolist()
        assert inter.user_ids.ids.tolist() == ["a", "b"]
    plain = Interactions(sp.csr_matrix(dense))
    assert plain.user_ids.ids.tolist() == [0, 1] and plain.item_ids.ids.tolist() == [0, 1, 2]
    inter = Interactions(sp.csr_array(dense), timestamps=[1, 2, 3])
    assert inter.timestamps.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(TypeError, match=r"scipy\.sparse"):
        Interactions(dense)
    with pytest.raises(InputError, match="user_ids has 3 ids"):
        Interactions(sp.csr_array(dense), user_ids=[1, 2, 3])
    with pytest.raises(InputError, match="nnz=3"):
        Interactions(sp.csr_array(dense), timestamps=[1, 2])
    with pytest.raises(InputError, match="canonical"):
        Interactions(sp.coo_array(dense), timestamps=[1, 2, 3])
    with pytest.raises(InputError, match="NaN"):
        Interactions(sp.csr_array(np.array([[np.nan]])))
    with pytest.raises(DuplicateError):
        Interactions(sp.csr_array(dense), user_ids=["a", "a"])
    # the container owns its matrix: changing the input leaves it alone
    src = sp.csr_array(dense)
    inter = Interactions(src)
    src.data[:] = 0
    assert inter.matrix.sum() == 6


def _reference_take_users(dense, stamps, idx):
    return dense[idx], stamps[idx]


matrices = st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**32 - 1))


def _random_inter(n, m, seed):
    rng = np.random.default_rng(seed)
    dense = rng.integers(0, 6, size=(n, m)).astype(float)
    dense[rng.random((n, m)) < 0.4] = 0
    stamps = rng.integers(1, 1000, size=(n, m)).astype(float)
    r, c = np.nonzero(dense)
    X = Interactions.from_arrays(
        [f"u{k}" for k in r],
        [f"i{k}" for k in c],
        dense[r, c],
        timestamps=stamps[r, c],
        user_map=IdMap([f"u{k}" for k in range(n)]),
        item_map=IdMap([f"i{k}" for k in range(m)]),
    )
    return X, dense, stamps


def _really_canonical(M) -> bool:
    """Sorted, unique column indices within every row (not just the flag)."""
    rows = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))
    key = rows * max(M.shape[1], 1) + M.indices
    return bool(np.all(np.diff(key) > 0))


def _dense_stamps(X: Interactions):
    out = np.zeros(X.shape)
    rows = np.repeat(np.arange(X.n_users), np.diff(X.matrix.indptr))
    out[rows, X.matrix.indices] = X.timestamps
    return out


@given(matrices, st.data())
def test_take_and_subset_match_dense(nms, data):
    n, m, seed = nms
    X, dense, stamps = _random_inter(n, m, seed)
    ui = data.draw(st.permutations(range(n)).map(lambda p: p[: max(1, len(p) - 1)]))
    ii = data.draw(st.permutations(range(m)).map(lambda p: p[: max(1, len(p) - 1)]))
    Y = X.take_users(ui)
    assert Y.matrix.toarray().tolist() == dense[ui].tolist()
    assert (_dense_stamps(Y) == np.where(dense[ui] != 0, stamps[ui], 0)).all()
    assert Y.user_ids.ids.tolist() == [f"u{k}" for k in ui]
    Z = X.take_items(ii)
    assert _really_canonical(Z.matrix) and _really_canonical(Y.matrix)
    assert Z.matrix.toarray().tolist() == dense[:, ii].tolist()
    assert (_dense_stamps(Z) == np.where(dense[:, ii] != 0, stamps[:, ii], 0)).all()
    S = X.subset_items([f"i{k}" for k in ii]).subset_users([f"u{k}" for k in ui])
    assert S.matrix.toarray().tolist() == dense[np.ix_(ui, ii)].tolist()


def test_take_errors():
    X = Interactions.from_arrays([1, 2], [1, 2])
    with pytest.raises(InputError, match="repeat"):
        X.take_users([0, 0])
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        X.take_items([2])
    with pytest.raises(UnknownIdError):
        X.subset_users([5])
    assert X.subset_users([5, 2], on_unknown="ignore").user_ids.ids.tolist() == [2]


@given(matrices, st.integers(0, 6))
def test_to_implicit_reference(nms, threshold):
    X, dense, stamps = _random_inter(*nms)
    Y = X.to_implicit(threshold)
    keep = (dense != 0) & (dense >= threshold)
    assert Y.matrix.toarray().tolist() == keep.astype(float).tolist()
    assert (_dense_stamps(Y) == np.where(keep, stamps, 0)).all()
    rows = np.repeat(np.arange(Y.n_users), np.diff(Y.matrix.indptr))
    assert Y.ratings.tolist() == dense[rows, Y.matrix.indices].tolist()
    # a second threshold uses the original ratings, which stay attached
    Z = Y.to_implicit(threshold + 1)
    assert Z.nnz == int(((dense != 0) & (dense >= threshold + 1)).sum())
    assert (Z.ratings >= threshold + 1).all()


def test_to_arrays_roundtrip_and_frame():
    X = Interactions.from_arrays(["b", "a", "b"], [3, 1, 1], [1.0, 2.0, 3.0], timestamps=[5, 6, 7])
    u, i, v, t = X.to_arrays()
    Y = Interactions.from_arrays(u, i, v, timestamps=t, user_map=X.user_ids, item_map=X.item_ids)
    assert (Y.matrix != X.matrix).nnz == 0 and Y.timestamps.tolist() == X.timestamps.tolist()
    df = X.to_implicit(2).to_frame()
    assert list(df.columns) == ["user", "item", "value", "timestamp", "rating"]
    assert sorted(zip(df.user, df["item"], df.rating)) == [("a", 1, 2.0), ("b", 1, 3.0)]


def test_from_frame_datetime_and_missing():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {
            "u": pd.array([1, 2, None], dtype="Int64"),
            "i": ["x", "y", "x"],
            "when": pd.to_datetime(["1970-01-01 00:00:10", "1970-01-01 00:01:00", None]),
        }
    )
    with pytest.warns(DataWarning, match="dropped 1 of 3"):
        X = Interactions.from_frame(df, user="u", item="i", timestamp="when", on_nan="drop")
    assert X.user_ids.ids.tolist() == [1, 2]
    assert X.timestamps.tolist() == [10.0, 60.0]
    with pytest.raises(InputError, match="column 'nope'"):
        Interactions.from_frame(df, user="nope")


def test_from_csv(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("user,item,rating,ts\nann,tt1,4.5,100\nbob,tt2,3,\nann,tt2,5,300\n")
    with pytest.raises(InputError, match="NaN or infinite timestamp"):
        Interactions.from_csv(p, value="rating", timestamp="ts")
    with pytest.warns(DataWarning, match="dropped 1 of 3"):
        X = Interactions.from_csv(p, value="rating", timestamp="ts", on_nan="drop")
    assert X.user_ids.ids.tolist() == ["ann"] and X.timestamps.tolist() == [100.0, 300.0]
    # all timestamps empty: the column is treated as absent
    q = tmp_path / "q.csv.gz"
    q.write_bytes(gzip.compress(b"user,item,rating,timestamp\n1,1,5,\n1,2,4,\n"))
    X = Interactions.from_csv(q, value="rating", timestamp="timestamp")
    assert X.timestamps is None and X.user_ids.kind == "int"
    assert X.matrix.toarray().tolist() == [[5.0, 4.0]]
    X = Interactions.from_csv(q, id_type=str)
    assert X.user_ids.ids.tolist() == ["1"]
    with pytest.raises(InputError, match="column 'rating' is not in the header"):
        Interactions.from_csv(b"a,b\n1,2\n", user="a", item="b", value="rating")
    (tmp_path / "empty.csv").write_text("\n\n")
    with pytest.raises(FormatError, match="header"):
        Interactions.from_csv(tmp_path / "empty.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("user,item,rating\n1,2,3\n\n1,3\n")
    with pytest.raises(FormatError, match=r"bad.csv', line 4: expected 3 fields but found 2"):
        Interactions.from_csv(bad, value="rating")
    bad.write_text("user,item,rating\n1,2,3\n1,3,x\n")
    with pytest.raises(FormatError, match=r"line 3: rating 'x' is not a number"):
        Interactions.from_csv(bad, value="rating")
    with pytest.raises(FormatError, match=r"line 2: user id 'a' is not an integer"):
        Interactions.from_csv(b"user,item\na,1\n", id_type=int)
    quoted = Interactions.from_csv(b'user,item\n"Smith, J",x\n', sep=",")
    assert quoted.user_ids.ids.tolist() == ["Smith, J"]
    tabbed = Interactions.from_csv(b"user\titem\n1\t2\n", sep="\t")
    assert tabbed.shape == (1, 1)


def test_with_matrix_keeps_aligned_arrays():
    X = Interactions.from_arrays([0, 0, 1], [0, 1, 1], [2.0, 4.0, 6.0], timestamps=[1, 2, 3])
    W = X.matrix.copy()
    W.data = W.data / 2
    Y = X.with_matrix(sp.csr_matrix(W))
    assert Y.timestamps.tolist() == [1.0, 2.0, 3.0] and Y.user_ids is X.user_ids
    Z = X.with_matrix(sp.csr_array(np.eye(2)))  # a part of the old pattern: realigned
    assert Z.timestamps.tolist() == [1.0, 3.0]
    with pytest.warns(DataWarning, match="cannot be aligned"):
        Z = X.with_matrix(sp.csr_array(np.ones((2, 2))))
    assert Z.timestamps is None and Z.matrix.sum() == 4
    with pytest.raises(TypeError, match="scipy sparse"):
        X.with_matrix(np.eye(2))
    with pytest.raises(InputError, match="shape"):
        X.with_matrix(sp.csr_array(np.eye(3)))


def test_interactions_save_load(tmp_path):
    X = Interactions.from_arrays(["b", "a"], ["x", "y"], [5.0, 1.0], timestamps=[1.5, 2.5])
    X = X.to_implicit(2)
    X.save(tmp_path / "inter")
    Y = Interactions.load(tmp_path / "inter.npz")
    assert (Y.matrix != X.matrix).nnz == 0 and Y.matrix.dtype == np.float32
    assert Y.user_ids == X.user_ids and Y.item_ids == X.item_ids
    assert Y.timestamps.tolist() == [1.5] and Y.ratings.tolist() == [5.0]
    raw = (tmp_path / "inter.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(FormatError):
        Interactions.load(tmp_path / "cut.npz")


@given(matrices, st.sampled_from(["l1", "l2", "confidence", "log", "tfidf", "bm25"]))
def test_normalize_keeps_ids_and_aligned_timestamps(nms, kind):
    X, dense, stamps = _random_inter(*nms)
    Y = X.normalize(kind)
    assert Y.user_ids is X.user_ids and Y.item_ids is X.item_ids
    # reference for the row norms; the other kinds are tested in filmreco.sparse
    if kind in ("l1", "l2"):
        p = 1 if kind == "l1" else 2
        norms = np.linalg.norm(dense, ord=p, axis=1, keepdims=True)
        want = np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0)
        assert np.allclose(Y.matrix.toarray(), want, atol=1e-6)
    kept = Y.matrix.toarray() != 0
    assert (_dense_stamps(Y) == np.where(kept, stamps, 0)).all()


def test_normalize_unknown_kind():
    with pytest.raises(InputError, match="kind='max' is not supported"):
        Interactions.from_arrays([1], [1]).normalize("max")


def test_aligned_arrays_are_read_only():
    X = Interactions.from_arrays([1], [1], timestamps=[3.0])
    with pytest.raises(ValueError, match="read-only"):
        X.timestamps[0] = 1.0


# ---------------------------------------------------------------------------------
# Catalog


def test_catalog_records_and_defaults():
    cat = Catalog.from_records(
        [
            {"id": 3, "title": "Heat", "year": "1995", "genres": ["Action", "Crime"], "rank": 2},
            {"id": 1, "title": "Up", "year": np.nan, "directors": ("Pete Docter",)},
        ]
    )
    assert cat.fields == ["title", "year", "genres", "rank", "directors"]
    assert cat[1] == {
        "id": 1,
        "title": "Up",
        "year": None,
        "genres": [],
        "rank": None,
        "directors": ["Pete Docter"],
    }
    assert cat.field("year") == [1995, None]
    assert [r["id"] for r in cat] == [3, 1] and len(cat) == 2 and 3 in cat and 2 not in cat
    got = cat.field("genres")
    got[0].append("x")  # a copy: the catalogue is unchanged
    assert cat.field("genres")[0] == ["Action", "Crime"]
    sub = cat.subset([1])
    assert sub.item_ids.ids.tolist() == [1] and sub.field("title") == ["Up"]
    with pytest.raises(UnknownIdError):
        cat[7]
    with pytest.raises(KeyError, match="no field 'nope'"):
        cat.field("nope")


def test_catalog_bad_input():
    with pytest.raises(DuplicateError):
        Catalog.from_records([{"id": 1}, {"id": 1}])
    with pytest.raises(InputError, match="record 1 has no 'id'"):
        Catalog.from_records([{"id": 1}, {"title": "x"}])
    with pytest.raises(TypeError, match="list_sep"):
        Catalog.from_records([{"id": 1, "genres": "Action|Crime"}])
    cat = Catalog.from_records([{"id": 1, "genres": "Action| Crime|"}], list_sep="|")
    assert cat.field("genres") == [["Action", "Crime"]]
    with pytest.raises(InputError, match="integers"):
        Catalog.from_records([{"id": 1, "year": "1995a"}])
    with pytest.raises(InputError, match="3 values for 2 items"):
        Catalog([1, 2], {"title": ["a", "b", "c"]})


def test_catalog_frame_csv_and_persistence(tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {
            "id": ["a", "b"],
            "title": ["英雄", None],
            "tags": ["武侠|动作", np.nan],
            "score": [7.5, np.nan],
        }
    )
    cat = Catalog.from_frame(df)
    assert cat.field("tags") == [["武侠", "动作"], []]
    assert cat.field("title") == ["英雄", ""] and cat.field("score") == [7.5, None]
    text = 'movieId,title,genres\n1,"American President, The (1995)",Comedy|Drama\n2,"X",\n'
    cat2 = Catalog.from_csv(text.encode(), id_field="movieId", list_fields=["genres"])
    assert cat2.item_ids.ids.tolist() == [1, 2]
    assert cat2.field("title")[0] == "American President, The (1995)"
    assert cat2.field("genres") == [["Comedy", "Drama"], []]
    full = Catalog.from_records(
        [
            {
                "id": "x",
                "title": "甲",
                "year": 2001,
                "genres": ["a", "b"],
                "flag": True,
                "score": 1.5,
                "meta": {"k": [1, 2]},
                "n": 3,
            },
            {"id": "y", "title": "", "genres": [], "score": None, "meta": None},
        ]
    )
    full.save(tmp_path / "cat")
    back = Catalog.load(tmp_path / "cat")
    assert list(back.records()) == list(full.records())
    assert back.fields == full.fields and back.item_ids == full.item_ids
    bad = Catalog.from_records([{"id": 1, "obj": object()}])
    with pytest.raises(InputError, match="cannot be saved without pickle"):
        bad.save(tmp_path / "bad")


# ---------------------------------------------------------------------------------
# EdgeList


@given(st.lists(st.tuples(ids, ids), max_size=30))
def test_edgelist_first_appearance(edges):
    s = [a for a, _ in edges]
    t = [b for _, b in edges]
    E = EdgeList.from_arrays(np.asarray(s, dtype=np.int64), np.asarray(t, dtype=np.int64))
    order = list(dict.fromkeys(x for e in edges for x in e))
    assert E.node_ids.ids.tolist() == order
    assert E.node_ids.to_ids(E.sources).tolist() == s
    assert E.node_ids.to_ids(E.targets).tolist() == t
    assert E.n_edges == len(edges) and E.n_nodes == len(order)


@pytest.mark.parametrize(
    ("users", "items", "arg"),
    [([1, -1], ["a", "b"], "user_ids"), ([1, 2], ["a", ""], "item_ids"),
     ([1.0, -1.0], ["a", "b"], "user_ids"), (np.arange(-1, 3), list("wxyz"), "user_ids")],
)  # fmt: skip
def test_padding_values_are_refused_as_ids(users, items, arg):
    with pytest.raises(InputError, match=f"^{arg} contains the id .*pad result rows"):
        Interactions.from_arrays(users, items)
    bad = users if arg == "user_ids" else items
    for sort_ids in (False, True):
        with pytest.raises(InputError, match="^sources/targets contains the id"):
            EdgeList.from_arrays(bad, bad[::-1], sort_ids=sort_ids)
    # with a given map, -1 / "" are just unknown ids (e.g. padding of result rows fed back)
    X = Interactions.from_arrays([1, 2], ["a", "b"])
    with pytest.warns(DataWarning, match="dropped 1 of 3"):
        Y = Interactions.from_arrays(
            [1, 2, 2], ["a", "", "b"], user_map=X.user_ids, item_map=X.item_ids, on_unknown="ignore"
        )
    assert Y.nnz == 2


def test_edgelist_sparse_int_ids_fall_back():
    E = EdgeList.from_arrays([10**12, 3], [3, -(10**12)])
    assert E.node_ids.ids.tolist() == [10**12, 3, -(10**12)]
    assert E.sources.tolist() == [0, 1] and E.targets.tolist() == [1, 2]


def test_edgelist_node_ids_weights_networkx(tmp_path):
    users = IdMap(["a", "b", "c", "lonely"])
    E = EdgeList.from_arrays(["a", "b"], ["b", "c"], [0.5, 2.0], node_ids=users, directed=False)
    assert E.n_nodes == 4 and E.weights.tolist() == [0.5, 2.0]
    G = E.to_networkx()
    assert isinstance(G, nx.Graph) and not G.is_directed()
    assert set(G.nodes) == {"a", "b", "c", "lonely"} and G["c"]["b"]["weight"] == 2.0
    with pytest.raises(UnknownIdError, match="'z'"):
        EdgeList.from_arrays(["a", "z"], ["b", "c"], node_ids=users)
    with pytest.warns(DataWarning, match="dropped 1 of 2 edges"):
        F = EdgeList.from_arrays(
            ["a", "z"], ["b", "c"], [1.0, 2.0], node_ids=users, on_unknown="ignore"
        )
    assert F.to_arrays()[0].tolist() == ["a"] and F.weights.tolist() == [1.0]
    with pytest.raises(InputError, match="NaN"):
        EdgeList.from_arrays([1], [2], [np.nan])
    with pytest.raises(TypeError, match="int ids but targets are str"):
        EdgeList.from_arrays([1], ["2"])
    with pytest.raises(InputError, match="same length"):
        EdgeList.from_arrays([1, 2], [2])
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        EdgeList([0, 2], [1, 0], node_ids=IdMap([5, 6]))
    with pytest.raises(TypeError, match="node indices"):
        EdgeList(["a"], ["b"], node_ids=IdMap(["a", "b"]))
    E.save(tmp_path / "edges")
    back = EdgeList.load(tmp_path / "edges")
    assert back.node_ids == E.node_ids and not back.directed
    assert back.sources.tolist() == E.sources.tolist() and back.weights.tolist() == [0.5, 2.0]
    D = EdgeList.from_arrays([1, 1], [2, 2])
    assert isinstance(D.to_networkx(), nx.DiGraph) and D.n_edges == 2
    assert repr(D) == "EdgeList(n_nodes=2, n_edges=2, directed=True, weighted=False)"
    with pytest.raises(ValueError, match="read-only"):
        D.sources[0] = 1


def test_edgelist_old_node_map_keyword_warns():
    users = IdMap(["a", "b", "c"])
    with pytest.warns(FutureWarning, match="node_ids"):
        E = EdgeList.from_arrays(["a"], ["b"], node_map=users)
    assert E.node_ids is users or E.node_ids.ids.tolist() == ["a", "b", "c"]
    with pytest.raises(InputError, match="both"):
        EdgeList.from_arrays(["a"], ["b"], node_ids=users, node_map=users)
    with pytest.warns(FutureWarning, match="node_ids"):
        F = load_edgelist(b"a b\n", id_type=str, node_map=users)
    assert F.n_nodes == 3 and F.sources.tolist() == [0] and F.targets.tolist() == [1]
    with pytest.raises(TypeError, match="node_ids must be an IdMap"):
        EdgeList.from_arrays(["a"], ["b"], node_ids=["a", "b"])
