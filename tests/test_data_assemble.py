"""Interactions.from_arrays' compiled assembly (data/_assemble.py) against the coordinate
route: ``IdMap.from_values`` id maps and :func:`filmreco.sparse.build_csr` (identical CSR,
timestamps and id maps, for every duplicate policy)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.data import Interactions, _assemble
from filmreco.exceptions import DataWarning, DuplicateError, InputError
from filmreco.sparse import IdMap, build_csr


@pytest.fixture(autouse=True, scope="module")
def _compiled_route_for_any_size():
    """The compiled route from the first event / byte (it starts at a size otherwise)."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_assemble, "MIN_EVENTS", 0)
        yield


def reference(users, items, values, ts, duplicates, dtype, user_map=None, item_map=None):
    """The coordinate route: codes by first appearance (or the fixed maps), build_csr;
    "last" with times: the events in time order first (ties in input order)."""
    if duplicates == "last" and ts is not None:
        order = np.argsort(np.asarray(ts, dtype=np.float64), kind="stable")
        users, items, ts = np.asarray(users)[order], np.asarray(items)[order], np.asarray(ts)[order]
        values = None if values is None else np.asarray(values)[order]
    umap, r = IdMap.from_values(users) if user_map is None else (user_map, None)
    imap, c = IdMap.from_values(items) if item_map is None else (item_map, None)
    if r is None:
        r = umap.index(users, on_unknown="mask")
    if c is None:
        c = imap.index(items, on_unknown="mask")
    keep = (r >= 0) & (c >= 0)
    v = None if values is None else np.asarray(values, dtype=np.float64)[keep]
    X = build_csr(r[keep], c[keep], v, shape=(len(umap), len(imap)), duplicates=duplicates,
                  dtype=dtype)  # fmt: skip
    t = None
    if ts is not None:
        t = build_csr(r[keep], c[keep], np.asarray(ts, dtype=np.float64)[keep],
                      shape=X.shape, duplicates="max", dtype=np.float64).data  # fmt: skip
    return X, umap, imap, t


@st.composite
def events(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 120))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n_users = draw(st.integers(1, 15))
    n_items = draw(st.integers(1, 40))
    kind = draw(st.sampled_from(["dense", "sparse", "str", "int32"]))
    users = rng.integers(0, n_users, n)
    items = rng.integers(0, n_items, n)
    if kind == "sparse":
        users = users * 1_000_003 - 7
    elif kind == "str":
        items = np.array([f"f{i}" for i in items])
    elif kind == "int32":
        users = users.astype(np.int32) + 5
    vkind = draw(st.sampled_from(["none", "f32", "f64", "int", "bool"]))
    values = {
        "none": None,
        "f32": rng.random(n).astype(np.float32) * 5,
        "f64": rng.random(n) * 1e3,
        "int": rng.integers(-3, 9, n),
        "bool": rng.random(n) < 0.5,
    }[vkind]
    ts = rng.integers(0, 50, n).astype(np.float64) if draw(st.booleans()) else None
    return {"users": users, "items": items, "values": values, "timestamps": ts}


def _same(X: Interactions, ref: tuple[Any, ...]) -> None:
    R, umap, imap, t = ref
    M = X.matrix
    np.testing.assert_array_equal(M.indptr, R.indptr)
    np.testing.assert_array_equal(M.indices, R.indices)
    np.testing.assert_array_equal(M.data, R.data)
    assert M.data.dtype == R.data.dtype and M.indices.dtype == R.indices.dtype
    assert M.indptr.dtype == R.indptr.dtype
    assert X.user_ids.ids.tolist() == umap.ids.tolist()
    assert X.item_ids.ids.tolist() == imap.ids.tolist()
    if t is None:
        assert X.timestamps is None
    else:
        np.testing.assert_array_equal(X.timestamps, t)


@settings(max_examples=80, deadline=None)
@given(
    ev=events(),
    duplicates=st.sampled_from(["sum", "max", "last", "count"]),
    dtype=st.sampled_from([np.float32, np.float64, np.int32]),
)
def test_from_arrays_is_the_coordinate_route(ev, duplicates, dtype):
    v = ev["values"]
    if np.dtype(dtype).kind == "i" and v is not None and (v != np.trunc(v)).any():
        with pytest.raises(InputError, match="not a whole number"):  # not truncated
            Interactions.from_arrays(ev["users"], ev["items"], v, dtype=dtype)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = Interactions.from_arrays(
            ev["users"], ev["items"], ev["values"], timestamps=ev["timestamps"],
            duplicates=duplicates, dtype=dtype,
        )  # fmt: skip
    ref = reference(ev["users"], ev["items"], ev["values"], ev["timestamps"], duplicates, dtype)
    _same(X, ref)


def test_long_rows_sort_stably_and_sum_in_input_order():
    # rows longer than the insertion-sort cut, many repeats per (user, film)
    rng = np.random.default_rng(0)
    n = 5000
    users = rng.integers(0, 3, n)
    items = rng.integers(0, 60, n)
    values = rng.random(n).astype(np.float32) * 10
    ts = rng.random(n) * 100
    for duplicates in ("sum", "max", "last", "count"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            X = Interactions.from_arrays(users, items, values, timestamps=ts, duplicates=duplicates)
        _same(X, reference(users, items, values, ts, duplicates, np.float32))


def test_fixed_maps_drop_unknown_ids():
    users = np.array([3, 1, 3, 9, 1])
    items = np.array(["a", "b", "zz", "a", "b"])
    umap = IdMap.from_values([1, 3])[0]
    imap = IdMap.from_values(["b", "a"])[0]
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        X = Interactions.from_arrays(
            users, items, [1.0, 2.0, 3.0, 4.0, 5.0], user_map=umap, item_map=imap,
            on_unknown="ignore", duplicates="sum",
        )  # fmt: skip
    messages = [str(w.message) for w in got if issubclass(w.category, DataWarning)]
    assert any("dropped 2 of 5 events" in m for m in messages)
    assert any("3 events became 2" in m for m in messages)
    ref = reference(users, items, [1.0, 2.0, 3.0, 4.0, 5.0], None, "sum", np.float32, umap, imap)
    _same(X, ref)


def test_duplicates_raise_names_the_first_pair():
    with pytest.raises(DuplicateError, match=r"1 \(row, col\) pairs occur more than once, e\.g\. "
                       r"\(1, 0\) 3 times"):  # fmt: skip
        Interactions.from_arrays([5, 6, 6, 6], [1, 1, 1, 1], duplicates="raise")
