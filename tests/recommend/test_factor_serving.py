"""Fused factor serving (one product per block, one compiled selection pass) against the
simple path: ``topk`` / ``topk_blocks`` on the same scores, identical lists and scores."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.data import Interactions
from filmreco.exceptions import InputError
from filmreco.recommend import ALS, BPR
from filmreco.recommend._base import Recommender
from filmreco.recommend._kernels import select_topn
from filmreco.recommend._serve import factor_block_rows, fused_topn
from filmreco.sparse import topk


def _select(S: np.ndarray, n: int, seen: sp.csr_array | None, allowed: np.ndarray | None):
    S = np.array(S, dtype=np.float32, order="C")
    ptr = np.zeros(0, np.int64) if seen is None else seen.indptr.astype(np.int64)
    ind = np.zeros(0, np.int64) if seen is None else seen.indices.astype(np.int64)
    mask = np.zeros(0, np.bool_) if allowed is None else allowed
    idx = np.empty((S.shape[0], n), np.int64)
    val = np.empty((S.shape[0], n), np.float32)
    nans = select_topn(S, n, ptr, ind, mask, idx, val)
    return idx, val, nans


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 40),
    st.integers(0, 45),
    st.integers(0, 2**32 - 1),
    st.booleans(),
    st.booleans(),
)
def test_select_topn_is_topk(n_rows, n_cols, n, seed, with_seen, with_cand):
    rng = np.random.default_rng(seed)
    # few distinct values: many ties, which must go to the smaller column
    S = rng.integers(-3, 4, size=(n_rows, n_cols)).astype(np.float32)
    S[rng.random(S.shape) < 0.1] = -np.inf
    S[rng.random(S.shape) < 0.05] = np.inf
    seen = sp.csr_array(rng.random(S.shape) < 0.3) if with_seen else None
    allowed = rng.random(n_cols) < 0.6 if with_cand else None
    cand = None if allowed is None else np.flatnonzero(allowed)
    want_i, want_v = topk(S, n, exclude=seen, candidates=cand)
    got_i, got_v, nans = _select(S, n, seen, allowed)
    assert nans == 0
    np.testing.assert_array_equal(got_i, want_i)
    np.testing.assert_array_equal(got_v, want_v.astype(np.float32))


def test_select_topn_counts_nan():
    S = np.array([[1.0, np.nan, 2.0]], dtype=np.float32)
    assert _select(S, 2, None, None)[2] == 1


@pytest.mark.parametrize("block", [1, 3, 64])
def test_fused_topn_any_block_and_jobs(block):
    rng = np.random.default_rng(0)
    U, V = rng.standard_normal((50, 4)), rng.standard_normal((30, 4))
    S = (U @ V.T).astype(np.float32)
    seen = sp.csr_array(rng.random(S.shape) < 0.2)

    def scorer(a, b):
        return S[a:b]  # a read-only view is copied, never modified

    want = topk(S, 7, exclude=seen)
    for jobs in (1, 2):
        got = fused_topn(scorer, 50, 30, 7, block_size=block, seen=seen, n_jobs=jobs)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
    assert np.array_equal(S, (U @ V.T).astype(np.float32))


def test_fused_topn_raises_on_nan():
    S = np.zeros((2, 3), dtype=np.float32)
    S[1, 2] = np.nan
    with pytest.raises(InputError, match="NaN"):
        fused_topn(lambda a, b: S[a:b], 2, 3, 2, block_size=2)


def test_block_rows_from_catalogue():
    small, large = factor_block_rows(3_000, 64), factor_block_rows(1_000_000, 64)
    assert small > large >= 8
    assert factor_block_rows(30_000, 64) * 30_000 <= 4 << 20


def _simple(model, *args, **kwargs):
    """recommend through the base class's topk_blocks selection."""
    model._topn = lambda *a, **k: Recommender._topn(model, *a, **k)
    try:
        return model.recommend(*args, **kwargs)
    finally:
        del model._topn


@pytest.mark.parametrize("make", [lambda: ALS(6, max_iter=3, random_state=0),
                                  lambda: BPR(6, max_iter=3, random_state=0)])  # fmt: skip
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"filter_seen": False},
        {"n": 500},
        {"n": 0},
        {"diversity": 0.5},
        {"items": "third"},
        {"exclude": "first"},
    ],
)
def test_factor_recommend_is_the_simple_path(world, make, kwargs):
    X = world.interactions
    model = make().fit(X)
    kw = dict(kwargs)
    if kw.get("items") == "third":
        kw["items"] = X.item_ids.ids[::3]
    if kw.get("exclude") == "first":
        kw["exclude"] = X.item_ids.ids[:20]
    users = np.concatenate([X.user_ids.ids, X.user_ids.ids[:5]])
    got, want = model.recommend(users, **kw), _simple(model, users, **kw)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_factor_recommend_new_and_empty_users(world):
    X = world.interactions
    model = ALS(6, max_iter=3, random_state=0).fit(X)
    items = X.item_ids.ids
    hist = Interactions.from_arrays(["new", "new", "new2"], [items[0], items[1], items[2]])
    got = model.recommend(["new", "new2"], n=5, user_items=hist)
    want = _simple(model, ["new", "new2"], n=5, user_items=hist)
    np.testing.assert_array_equal(got[0], want[0])
    got = model.recommend(["zz", X.user_ids.ids[0]], n=5, on_unknown="popular")
    want = _simple(model, ["zz", X.user_ids.ids[0]], n=5, on_unknown="popular")
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
