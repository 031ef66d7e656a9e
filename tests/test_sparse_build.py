"""build_csr, as_csr and row_indices against dict- and loop-based references."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from filmreco.exceptions import DuplicateError, InputError
from filmreco.sparse import DUPLICATES, as_csr, build_csr, row_indices


@st.composite
def coordinates(draw, max_index=6, max_size=40):
    size = draw(st.integers(0, max_size))
    idx = st.integers(0, max_index)
    rows = draw(st.lists(idx, min_size=size, max_size=size))
    cols = draw(st.lists(idx, min_size=size, max_size=size))
    values = draw(st.lists(st.integers(-50, 50), min_size=size, max_size=size))
    return rows, cols, [v / 4 for v in values]  # exact in float32 and in any summation order


def reference_build(rows, cols, values, policy):
    """Combine duplicates in input order with a dict."""
    out: dict[tuple[int, int], float] = {}
    for r, c, v in zip(rows, cols, values):
        key = (r, c)
        if key not in out:
            out[key] = 1.0 if policy == "count" else v
        elif policy == "sum":
            out[key] += v
        elif policy == "max":
            out[key] = max(out[key], v)
        elif policy == "last":
            out[key] = v
        elif policy == "count":
            out[key] += 1.0
    return out


def as_dict(X):
    X = sp.coo_array(X)
    return {(int(r), int(c)): float(v) for r, c, v in zip(X.row, X.col, X.data)}


def assert_canonical(X):
    assert isinstance(X, sp.csr_array)
    assert X.has_canonical_format
    for i in range(X.shape[0]):
        cols = X.indices[X.indptr[i] : X.indptr[i + 1]]
        assert np.all(np.diff(cols) > 0)  # sorted, no duplicates


@given(coordinates(), st.sampled_from([p for p in DUPLICATES if p != "raise"]))
def test_duplicate_policies_match_dict_reference(coords, policy):
    rows, cols, values = coords
    X = build_csr(rows, cols, values, duplicates=policy, dtype=np.float64)
    assert_canonical(X)
    assert as_dict(X) == reference_build(rows, cols, values, policy)
    n_rows = max(rows) + 1 if rows else 0
    n_cols = max(cols) + 1 if cols else 0
    assert X.shape == (n_rows, n_cols)


@given(coordinates())
def test_raise_policy_names_a_duplicated_pair(coords):
    rows, cols, values = coords
    pairs = list(zip(rows, cols))
    dups = sorted({p for p in pairs if pairs.count(p) > 1})
    if not dups:
        X = build_csr(rows, cols, values, duplicates="raise", dtype=np.float64)
        assert as_dict(X) == dict(zip(pairs, values))
        return
    with pytest.raises(DuplicateError) as info:
        build_csr(rows, cols, values, duplicates="raise")
    r, c = dups[0]
    assert f"({r}, {c}) {pairs.count((r, c))} times" in str(info.value)
    assert f"{len(dups)} (row, col) pairs" in str(info.value)


@given(coordinates(), st.integers(0, 3), st.integers(0, 3))
def test_explicit_shape_and_default_ones(coords, extra_rows, extra_cols):
    rows, cols, _ = coords
    n_rows = (max(rows) + 1 if rows else 0) + extra_rows
    shape = (n_rows, (max(cols) + 1 if cols else 0) + extra_cols)
    X = build_csr(rows, cols, shape=shape)
    assert X.shape == shape and X.dtype == np.float32
    assert_canonical(X)
    assert as_dict(X) == reference_build(rows, cols, [1.0] * len(rows), "sum")


def test_dtype_and_index_inputs():
    X = build_csr(np.array([0.0, 1.0]), np.array([1, 0], dtype=np.uint8), [2, 3], dtype=np.float64)
    assert X.dtype == np.float64 and X.toarray().tolist() == [[0.0, 2.0], [3.0, 0.0]]
    assert build_csr([0], [0], [True], dtype=np.int32).dtype == np.int32
    empty = build_csr([], [])
    assert empty.shape == (0, 0) and empty.nnz == 0
    assert build_csr([], [], shape=(2, 3)).shape == (2, 3)


def test_build_csr_bad_input():
    with pytest.raises(InputError, match="same length"):
        build_csr([0, 1], [0])
    with pytest.raises(InputError, match="negative indices"):
        build_csr([0, -1], [0, 0])
    with pytest.raises(InputError, match="non-integer floats"):
        build_csr([0.5], [0])
    with pytest.raises(TypeError, match=r"IdMap\.from_values"):
        build_csr(["a"], [0])
    with pytest.raises(InputError, match="one-dimensional"):
        build_csr([[0]], [[0]])
    with pytest.raises(InputError, match="NaN"):
        build_csr([0], [0], [np.nan])
    with pytest.raises(InputError, match="values must be 1-D with 2 entries"):
        build_csr([0, 1], [0, 1], [1.0])
    with pytest.raises(TypeError, match="numeric"):
        build_csr([0], [0], ["x"])
    with pytest.raises(InputError, match="shape has 2 rows"):
        build_csr([2], [0], shape=(2, 5))
    with pytest.raises(InputError, match="shape has 1 columns"):
        build_csr([0], [1], shape=(2, 1))
    with pytest.raises(InputError, match="pair of non-negative"):
        build_csr([0], [0], shape=(1, -1))
    with pytest.raises(InputError, match="duplicates='mean'"):
        build_csr([0], [0], duplicates="mean")


@pytest.mark.parametrize(
    "make", [sp.csr_matrix, sp.csr_array, sp.coo_array, sp.coo_matrix, sp.csc_matrix, sp.dok_array]
)
def test_as_csr_accepts_any_sparse_input(make):
    D = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, 3.0]])
    X = as_csr(make(D))
    assert_canonical(X)
    assert X.dtype == np.float32
    assert X.toarray().tolist() == D.tolist()


def test_as_csr_sums_duplicates_and_validates():
    coo = sp.coo_array((np.array([1.0, 2.0, 4.0]), (np.array([0, 0, 1]), np.array([1, 1, 0]))))
    X = as_csr(coo)
    assert_canonical(X)
    assert X.toarray().tolist() == [[0.0, 3.0], [4.0, 0.0]]
    unsorted = sp.csr_array((np.array([1.0, 2.0]), np.array([1, 0]), np.array([0, 2])), (1, 2))
    assert_canonical(as_csr(unsorted))
    assert as_csr(sp.csr_array(np.eye(2)), dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError, match="build_csr"):
        as_csr(np.eye(2))
    with pytest.raises(InputError, match="NaN"):
        as_csr(sp.csr_array(np.array([[np.nan]])))
    with pytest.raises(InputError, match="non-negative"):
        as_csr(sp.csr_array(np.array([[-1.0]])), nonnegative=True)


@given(st.integers(0, 8), st.integers(0, 8), st.floats(0, 1), st.integers(0, 2**32 - 1))
def test_row_indices_match_loop(n, m, density, seed):
    X = sp.random_array((n, m), density=density, rng=seed, format="csr")
    expected = [i for i in range(n) for _ in range(X.indptr[i], X.indptr[i + 1])]
    got = row_indices(X)
    assert got.dtype == np.int64 and got.tolist() == expected
