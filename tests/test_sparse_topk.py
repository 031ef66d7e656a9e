"""Top-k selection against a sort-based reference written as a plain loop."""

from __future__ import annotations

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from filmreco.exceptions import InputError
from filmreco.sparse import FactorScores, factor_scores, topk, topk_blocks

seeds = st.integers(0, 2**32 - 1)


def reference_topk(S, k, *, stored=None, excluded=None, candidates=None):
    """Per row: eligible cells sorted by (score desc, column asc), padded with (-1, -inf)."""
    n, m = S.shape
    idx = np.full((n, k), -1, dtype=np.int64)
    val = np.full((n, k), -np.inf)
    allowed = set(range(m)) if candidates is None else {int(c) for c in candidates}
    for i in range(n):
        cols = [
            j
            for j in range(m)
            if j in allowed
            and S[i, j] != -np.inf
            and (stored is None or stored[i, j])
            and (excluded is None or not excluded[i, j])
        ]
        order = np.lexsort((np.array(cols, dtype=np.int64), -S[i, cols]))[:k]
        best = [cols[o] for o in order]
        idx[i, : len(best)] = best
        val[i, : len(best)] = S[i, best]
    return idx, val


@st.composite
def problems(draw):
    n = draw(st.integers(0, 8))
    m = draw(st.integers(0, 14))
    rng = np.random.default_rng(draw(seeds))
    levels = draw(st.sampled_from([1, 2, 3, 10**6]))  # few levels force ties
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    S = rng.integers(-levels, levels + 1, size=(n, m)).astype(dtype)
    if draw(st.booleans()):
        S[rng.random((n, m)) < 0.15] = -np.inf
    if draw(st.booleans()):
        S[rng.random((n, m)) < 0.1] = np.inf
    excluded = rng.random((n, m)) < draw(st.sampled_from([0.0, 0.3, 0.8]))
    candidates = None
    if draw(st.booleans()):
        candidates = rng.integers(0, max(m, 1), size=draw(st.integers(0, m + 2))) if m else []
    k = draw(st.integers(0, m + 3))
    return S, k, excluded, candidates


def as_sparse_exclude(excluded):
    """Stored entries mark excluded cells, whatever their value (here explicit zeros)."""
    r, c = np.nonzero(excluded)
    return sp.csr_array((np.zeros(r.size), (r, c)), shape=excluded.shape)


@given(problems(), st.sampled_from(["none", "sparse", "dense"]), st.sampled_from([None, 1, 3]))
def test_dense_topk_matches_reference(problem, exclude_kind, chunk_size):
    S, k, excluded, candidates = problem
    before = S.copy()
    exclude = {"none": None, "sparse": as_sparse_exclude(excluded), "dense": excluded}
    idx, val = topk(
        S, k, exclude=exclude[exclude_kind], candidates=candidates, chunk_size=chunk_size
    )
    r_idx, r_val = reference_topk(
        S, k, excluded=None if exclude_kind == "none" else excluded, candidates=candidates
    )
    assert idx.shape == val.shape == (S.shape[0], k)
    assert idx.dtype == np.int64 and val.dtype == S.dtype
    np.testing.assert_array_equal(idx, r_idx)
    np.testing.assert_array_equal(val, r_val.astype(S.dtype))
    np.testing.assert_array_equal(S, before)  # scores never modified


@given(problems())
def test_unsorted_topk_returns_the_same_sets(problem):
    S, k, excluded, candidates = problem
    a, _ = topk(S, k, exclude=excluded, candidates=candidates)
    b, vb = topk(S, k, exclude=excluded, candidates=candidates, sorted=False)
    np.testing.assert_array_equal(np.sort(a, axis=1), np.sort(b, axis=1))
    rows = np.arange(S.shape[0])[:, None]
    ok = b >= 0
    np.testing.assert_array_equal(vb[ok], S[np.broadcast_to(rows, b.shape)[ok], b[ok]])


@given(problems())
def test_excluded_and_filtered_columns_never_come_back(problem):
    S, k, excluded, candidates = problem
    idx, val = topk(S, k, exclude=excluded, candidates=candidates)
    allowed = np.zeros(S.shape[1], dtype=bool)
    allowed[np.asarray(candidates if candidates is not None else np.arange(S.shape[1]), int)] = True
    for i, row in enumerate(idx):
        got = row[row >= 0]
        assert len(set(got.tolist())) == got.size
        assert not excluded[i, got].any()
        assert allowed[got].all()
        eligible = int((allowed & ~excluded[i] & (S[i] != -np.inf)).sum())
        assert (row == -1).sum() == max(0, k - eligible)
        assert np.all(val[i][row == -1] == -np.inf)


@given(problems(), st.floats(0.0, 1.0), st.sampled_from(["none", "sparse", "dense"]))
def test_sparse_scores_consider_only_stored_entries(problem, density, exclude_kind):
    S, k, excluded, candidates = problem
    rng = np.random.default_rng(S.size)
    stored = rng.random(S.shape) < density
    r, c = np.nonzero(stored)
    X = sp.coo_array((S[r, c], (r, c)), shape=S.shape)  # explicit zeros and -inf stay stored
    exclude = {"none": None, "sparse": as_sparse_exclude(excluded), "dense": excluded}
    idx, val = topk(X, k, exclude=exclude[exclude_kind], candidates=candidates)
    r_idx, r_val = reference_topk(
        S,
        k,
        stored=stored,
        excluded=None if exclude_kind == "none" else excluded,
        candidates=candidates,
    )
    np.testing.assert_array_equal(idx, r_idx)
    np.testing.assert_array_equal(val, r_val.astype(S.dtype))
    # same answer as dense scores with -inf in the cells that are not stored
    dense_idx, dense_val = topk(
        np.where(stored, S, -np.inf), k, exclude=excluded, candidates=candidates
    )
    if exclude_kind != "none":
        np.testing.assert_array_equal(idx, dense_idx)
        np.testing.assert_array_equal(val, dense_val)


def test_large_rows_with_ties_take_the_argpartition_path():
    # 300 columns, k = 5: argpartition + the tie repair, with many exact ties
    S = (np.arange(4 * 300).reshape(4, 300) % 7).astype(np.float32)
    S[1] = 1.0
    idx, val = topk(S, 5)
    r_idx, r_val = reference_topk(S, 5)
    np.testing.assert_array_equal(idx, r_idx)
    np.testing.assert_array_equal(val, r_val)
    assert idx[1].tolist() == [0, 1, 2, 3, 4]


@given(seeds, st.integers(1, 40), st.integers(50, 400), st.integers(1, 20), st.booleans())
def test_wide_rows_match_reference(seed, n, m, k, ties):
    # wide rows use argpartition, which returns tied survivors in no particular order
    rng = np.random.default_rng(seed)
    S = rng.integers(0, 12, size=(n, m)).astype(float) if ties else rng.standard_normal((n, m))
    idx, val = topk(S, k)
    r_idx, r_val = reference_topk(S, k)
    np.testing.assert_array_equal(idx, r_idx)
    np.testing.assert_array_equal(val, r_val)


def test_known_answer_and_padding():
    S = np.array([[0.1, 0.9, 0.5, 0.9], [1.0, 2.0, 3.0, 4.0]])
    idx, val = topk(S, 6, exclude=np.array([[False, True, False, False]] * 2))
    assert idx.tolist() == [[3, 2, 0, -1, -1, -1], [3, 2, 0, -1, -1, -1]]
    assert val[0].tolist() == [0.9, 0.5, 0.1, -np.inf, -np.inf, -np.inf]


def test_k_zero_gives_empty_rows():
    idx, val = topk(np.ones((3, 4)), 0)
    assert idx.shape == val.shape == (3, 0)
    idx, val = topk(sp.csr_array(np.ones((3, 4))), 0)
    assert idx.shape == val.shape == (3, 0)


def test_integer_scores_and_boolean_candidates():
    S = np.array([[3, 1, 2], [1, 1, 1]])
    idx, val = topk(S, 2, candidates=np.array([True, False, True]))
    assert idx.tolist() == [[0, 2], [0, 2]]
    assert val.dtype == np.float64 and val.tolist() == [[3.0, 2.0], [1.0, 1.0]]


def test_nan_scores_raise():
    S = np.array([[1.0, np.nan], [0.0, 1.0]])
    with pytest.raises(InputError, match="NaN"):
        topk(S, 1)
    with pytest.raises(InputError, match="NaN"):
        topk(S, 1, candidates=[0])  # NaN anywhere in the scores, even a filtered column
    with pytest.raises(InputError, match="NaN"):
        topk(S, 0)
    with pytest.raises(InputError, match="NaN"):
        topk(sp.csr_array(S), 1)
    with pytest.raises(InputError, match=r"NaN \(in rows 0\.\.0\)"):
        topk_blocks(lambda a, b: S[a:b], 2, 1, block_size=1)
    S2 = np.array([[1.0, 0.0], [0.0, 1.0], [np.nan, 0.0]])
    with pytest.raises(InputError, match=r"NaN \(in rows 2\.\.2\)"):
        topk_blocks(lambda a, b: S2[a:b], 3, 1, block_size=2)


def test_bad_arguments():
    S = np.zeros((2, 3))
    with pytest.raises(InputError, match="k must be >= 0"):
        topk(S, -1)
    with pytest.raises(InputError, match="k must be an int"):
        topk(S, 1.5)
    with pytest.raises(InputError, match="2-D"):
        topk(np.zeros(3), 1)
    with pytest.raises(TypeError, match="real numbers"):
        topk(np.array([["a"]]), 1)
    with pytest.raises(InputError, match="exclude has shape"):
        topk(S, 1, exclude=sp.csr_array((2, 4)))
    with pytest.raises(TypeError, match="boolean mask"):
        topk(S, 1, exclude=np.zeros((2, 3)))
    with pytest.raises(InputError, match="candidates must be column indices"):
        topk(S, 1, candidates=[0, 3])
    with pytest.raises(InputError, match="candidates must be column indices"):
        topk(S, 1, candidates=[-1])
    with pytest.raises(TypeError, match="candidates"):
        topk(S, 1, candidates=[0.5])
    with pytest.raises(InputError, match="boolean candidates mask"):
        topk(S, 1, candidates=[True, False])
    with pytest.raises(InputError, match="chunk_size"):
        topk(S, 1, chunk_size=0)


# blocks --------------------------------------------------------------------------------
@given(problems(), st.integers(1, 9), st.sampled_from([1, 2]), st.booleans())
def test_blocks_equal_topk_for_any_block_size_and_n_jobs(problem, block_size, n_jobs, sparse_ex):
    S, k, excluded, candidates = problem
    before = S.copy()
    exclude = as_sparse_exclude(excluded) if sparse_ex else excluded
    want = topk(S, k, exclude=exclude, candidates=candidates)
    got = topk_blocks(
        lambda a, b: S[a:b],
        S.shape[0],
        k,
        block_size=block_size,
        exclude=exclude,
        candidates=candidates,
        n_jobs=n_jobs,
    )
    np.testing.assert_array_equal(got[0], want[0])
    if S.shape[0]:
        np.testing.assert_array_equal(got[1], want[1])
    else:
        assert got[1].shape == (0, k)
    np.testing.assert_array_equal(S, before)  # a block that is a view is never overwritten


@given(seeds, st.integers(1, 30), st.integers(1, 25), st.integers(1, 6))
def test_factor_scores_blocks_with_integer_factors(seed, n_users, n_items, k):
    rng = np.random.default_rng(seed)
    U = rng.integers(-2, 3, size=(n_users, 4)).astype(np.float32)  # exact products: ties
    V = rng.integers(-2, 3, size=(n_items, 4)).astype(np.float32)
    seen = sp.random_array((n_users, n_items), density=0.2, rng=seed, format="csr")
    want = topk(U @ V.T, k, exclude=seen)
    for block_size in (1, 7, 64):
        for n_jobs in (1, 2):
            got = topk_blocks(
                factor_scores(U, V), n_users, k, block_size=block_size, exclude=seen, n_jobs=n_jobs
            )
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])
            assert got[1].dtype == np.float32


def test_factor_scores_work_with_a_process_backend():
    rng = np.random.default_rng(0)
    U = rng.integers(-3, 4, size=(50, 5)).astype(np.float64)
    V = rng.integers(-3, 4, size=(40, 5)).astype(np.float64)
    want = topk(U @ V.T, 3)
    with joblib.parallel_config(backend="loky", n_jobs=2):
        got = topk_blocks(FactorScores(U, V), 50, 3, block_size=10)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_topk_blocks_bad_arguments():
    S = np.zeros((4, 3))
    with pytest.raises(TypeError, match="callable"):
        topk_blocks(S, 4, 1)
    with pytest.raises(InputError, match="must return a 2-D array with 2 rows"):
        topk_blocks(lambda a, b: S[:1], 4, 1, block_size=2)
    with pytest.raises(InputError, match="different numbers of columns"):
        topk_blocks(lambda a, b: np.zeros((b - a, 3 if a == 0 else 2)), 4, 1, block_size=2)
    with pytest.raises(InputError, match="exclude has 5"):
        topk_blocks(lambda a, b: S[a:b], 4, 1, exclude=sp.csr_array((4, 5)))
    with pytest.raises(InputError, match="exclude has shape"):
        topk_blocks(lambda a, b: S[a:b], 4, 1, exclude=sp.csr_array((3, 3)))
    with pytest.raises(InputError, match="candidates holds column 3"):
        topk_blocks(lambda a, b: S[a:b], 4, 1, candidates=[3])
    with pytest.raises(InputError, match="item_factors has 3"):
        factor_scores(np.ones((2, 2)), np.ones((2, 3)))
    with pytest.raises(InputError, match="NaN"):
        factor_scores(np.full((2, 2), np.nan), np.ones((2, 2)))


def test_topk_blocks_with_no_rows():
    idx, val = topk_blocks(lambda a, b: np.zeros((b - a, 3)), 0, 2)
    assert idx.shape == val.shape == (0, 2)


def test_sparse_scores_with_duplicate_entries_are_summed():
    # a non-canonical CSR: column 1 of row 0 is stored twice (1 + 2 = 3 beats column 0)
    X = sp.csr_array((np.array([2.5, 1.0, 2.0]), np.array([0, 1, 1]), np.array([0, 3])), (1, 2))
    idx, val = topk(X, 2)
    assert idx.tolist() == [[1, 0]] and val.tolist() == [[3.0, 2.5]]
