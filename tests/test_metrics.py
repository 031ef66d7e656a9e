"""Tests for filmreco.metrics: pure-Python per-query references, invariants, worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from filmreco.exceptions import InputError
from filmreco.metrics import (
    METRICS,
    average_precision_at_k,
    catalog_coverage,
    hit_rate_at_k,
    ndcg_at_k,
    novelty,
    precision_at_k,
    ranking_metrics,
    recall_at_k,
    reciprocal_rank,
)

NAN = float("nan")

# --------------------------------------------------------------------------- references


def _slots(row, k):
    """First k slots of a row; padding, repeats and slots past the row end become None."""
    seen, out = set(), []
    for i in range(k):
        x = row[i] if i < len(row) else -1
        if x < 0 or x in seen:
            out.append(None)
        else:
            seen.add(x)
            out.append(x)
    return out


def ref_precision(row, grades, k):
    if not grades:
        return NAN
    return sum(x in grades for x in _slots(row, k)) / k


def ref_recall(row, grades, k):
    if not grades:
        return NAN
    return sum(x in grades for x in _slots(row, k)) / len(grades)


def ref_hit_rate(row, grades, k):
    if not grades:
        return NAN
    return float(any(x in grades for x in _slots(row, k)))


def ref_rr(row, grades, k):
    if not grades:
        return NAN
    for i, x in enumerate(_slots(row, k)):
        if x in grades:
            return 1.0 / (i + 1)
    return 0.0


def ref_ap(row, grades, k):
    if not grades:
        return NAN
    hits, total = 0, 0.0
    for i, x in enumerate(_slots(row, k)):
        if x in grades:
            hits += 1
            total += hits / (i + 1)
    return total / min(len(grades), k)


GAIN = {"linear": lambda g: g, "exponential": lambda g: 2.0**g - 1, "binary": lambda g: 1.0}


def ref_ndcg(row, grades, k, gain="linear"):
    f = GAIN[gain]
    dcg = sum(f(grades[x]) / math.log2(i + 2) for i, x in enumerate(_slots(row, k)) if x in grades)
    best = sorted((f(g) for g in grades.values()), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(best))
    if not grades:
        return NAN
    if idcg == 0:  # every grade 0: the relevant items count as equally relevant
        return ref_ndcg(row, grades, k, "binary")
    return dcg / idcg


REFERENCES = [
    (precision_at_k, ref_precision),
    (recall_at_k, ref_recall),
    (hit_rate_at_k, ref_hit_rate),
    (reciprocal_rank, ref_rr),
    (average_precision_at_k, ref_ap),
    (ndcg_at_k, ref_ndcg),
]

# --------------------------------------------------------------------------- strategies


@st.composite
def batches(draw, min_queries=0, graded=True):
    """(ranked array, list of {item: grade} dicts, n_items)."""
    n_items = draw(st.integers(1, 12))
    n_queries = draw(st.integers(min_queries, 6))
    width = draw(st.integers(0, 8))
    ranked = np.array(
        draw(
            st.lists(
                st.lists(st.integers(-1, n_items - 1), min_size=width, max_size=width),
                min_size=n_queries,
                max_size=n_queries,
            )
        ),
        dtype=np.int64,
    ).reshape(n_queries, width)
    grade = st.integers(0, 3) if graded else st.just(1)
    relevant = draw(
        st.lists(
            st.dictionaries(st.integers(0, n_items - 1), grade, max_size=n_items),
            min_size=n_queries,
            max_size=n_queries,
        )
    )
    return ranked, relevant, n_items


def to_sparse(relevant, n_items):
    rows = [q for q, d in enumerate(relevant) for _ in d]
    cols = [i for d in relevant for i in d]
    vals = [float(g) for d in relevant for g in d.values()]
    return sp.csr_array((vals, (rows, cols)), shape=(len(relevant), n_items))


def assert_same(got, want):
    np.testing.assert_allclose(got, np.array(want, dtype=float), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- reference tests


@pytest.mark.parametrize(("func", "ref"), REFERENCES, ids=lambda f: getattr(f, "__name__", ""))
@given(batch=batches(), k=st.integers(1, 10))
def test_matches_reference_with_sparse_relevance(func, ref, batch, k):
    ranked, relevant, n_items = batch
    got = func(ranked, to_sparse(relevant, n_items), k)
    assert got.shape == (ranked.shape[0],)
    assert got.dtype == np.float64
    assert_same(got, [ref(list(row), rel, k) for row, rel in zip(ranked, relevant)])


@pytest.mark.parametrize(("func", "ref"), REFERENCES, ids=lambda f: getattr(f, "__name__", ""))
@given(batch=batches(graded=False), k=st.integers(1, 10))
def test_matches_reference_with_sets(func, ref, batch, k):
    ranked, relevant, _ = batch
    sets = [set(d) for d in relevant]
    got = func(ranked, sets, k)
    assert_same(got, [ref(list(row), rel, k) for row, rel in zip(ranked, relevant)])
    # the same sets as lists with repeats, and as arrays, give the same answer
    assert_same(func(ranked, [sorted(s) * 2 for s in sets], k), got)
    assert_same(func(ranked, [np.array(sorted(s), dtype=int) for s in sets], k), got)


@pytest.mark.parametrize("gain", ["linear", "exponential", "binary"])
@given(batch=batches(), k=st.integers(1, 10))
def test_ndcg_gains_match_reference(gain, batch, k):
    ranked, relevant, n_items = batch
    want = [ref_ndcg(list(row), rel, k, gain) for row, rel in zip(ranked, relevant)]
    assert_same(ndcg_at_k(ranked, to_sparse(relevant, n_items), k, gain=gain), want)
    assert_same(ndcg_at_k(ranked, relevant, k, gain=gain), want)  # dicts {item: grade}


@given(batch=batches(), k=st.integers(1, 10))
def test_k_none_is_whole_row_for_rr(batch, k):
    ranked, relevant, _ = batch
    width = max(ranked.shape[1], 1)
    assert_same(reciprocal_rank(ranked, relevant), reciprocal_rank(ranked, relevant, width))


# --------------------------------------------------------------------------- invariants


@given(
    grades=st.dictionaries(st.integers(0, 30), st.integers(1, 4), min_size=1, max_size=10),
    k=st.integers(1, 15),
    pad=st.integers(0, 3),
    gain=st.sampled_from(["linear", "exponential", "binary"]),
)
def test_ideal_ranking_has_ndcg_one(grades, k, pad, gain):
    ideal = sorted(grades, key=lambda i: (-grades[i], i)) + [-1] * pad
    R = to_sparse([grades], 31)
    assert ndcg_at_k([ideal], R, k, gain=gain)[0] == pytest.approx(1.0)
    assert average_precision_at_k([ideal], R, k)[0] == pytest.approx(1.0)
    assert reciprocal_rank([ideal], R, k)[0] == 1.0


@given(batch=batches(), k=st.integers(1, 10))
def test_metrics_lie_in_unit_interval(batch, k):
    ranked, relevant, n_items = batch
    R = to_sparse(relevant, n_items)
    for func, _ in REFERENCES:
        v = func(ranked, R, k)
        v = v[~np.isnan(v)]
        assert ((v >= 0) & (v <= 1 + 1e-12)).all(), func.__name__


@given(batch=batches(), k=st.integers(1, 9))
def test_recall_hits_and_rr_grow_with_k(batch, k):
    ranked, relevant, _ = batch
    for func in (recall_at_k, hit_rate_at_k, reciprocal_rank):
        a, b = func(ranked, relevant, k), func(ranked, relevant, k + 1)
        both = ~np.isnan(a)
        assert (np.isnan(a) == np.isnan(b)).all()
        assert (b[both] >= a[both]).all(), func.__name__
    hits = precision_at_k(ranked, relevant, k) * k
    hits_more = precision_at_k(ranked, relevant, k + 1) * (k + 1)
    ok = ~np.isnan(hits)
    assert (hits_more[ok] >= hits[ok] - 1e-12).all()


@given(batch=batches(), k=st.integers(1, 10), pad=st.integers(1, 5))
def test_padding_columns_are_ignored(batch, k, pad):
    ranked, relevant, n_items = batch
    padded = np.hstack([ranked, -np.ones((ranked.shape[0], pad), dtype=np.int64)])
    R = to_sparse(relevant, n_items)
    for func, _ in REFERENCES:
        assert_same(func(padded, R, k), func(ranked, R, k))


def test_repeated_items_count_once():
    rel = [{1, 2}]
    assert_same(precision_at_k([[1, 1, 2]], rel, 3), [2 / 3])
    assert_same(precision_at_k([[1, 1, 1]], rel, 3), [1 / 3])
    assert_same(recall_at_k([[1, 1, 1]], rel, 3), [0.5])
    assert_same(ndcg_at_k([[1, 1, 2]], rel, 3), ndcg_at_k([[1, -1, 2]], rel, 3))
    assert_same(average_precision_at_k([[1, 1, 2]], rel, 3), [(1 + 2 / 3) / 2])


def test_padding_keeps_positions_in_the_middle():
    # -1 is an empty slot, not removed: item 2 stays at rank 3
    assert_same(reciprocal_rank([[5, -1, 2]], [{2}]), [1 / 3])


# --------------------------------------------------------------------------- worked examples


def test_ndcg_worked_example_from_wikipedia():
    # en.wikipedia.org/wiki/Discounted_cumulative_gain, "Example": the six returned documents
    # have grades 3, 2, 3, 0, 1, 2; two more relevant documents (grades 3 and 2) were not
    # returned. DCG6 = 6.861, IDCG6 = 8.740 (ideal 3, 3, 3, 2, 2, 2), nDCG6 = 0.785.
    R = sp.csr_array(np.array([[3.0, 2.0, 3.0, 0.0, 1.0, 2.0, 3.0, 2.0]]))
    v = ndcg_at_k([[0, 1, 2, 3, 4, 5]], R, 6)[0]
    dcg = 3 + 2 / math.log2(3) + 3 / 2 + 0 + 1 / math.log2(6) + 2 / math.log2(7)
    assert dcg == pytest.approx(6.861, abs=5e-4)
    assert v == pytest.approx(6.861 / 8.740, abs=5e-4)
    assert v == pytest.approx(0.785, abs=5e-4)


def test_small_hand_computed_values():
    ranked = [[4, 2, 7, 1], [0, 1, 2, 3]]
    rel = [{2, 1, 9}, {3}]
    assert_same(precision_at_k(ranked, rel, 4), [2 / 4, 1 / 4])
    assert_same(recall_at_k(ranked, rel, 4), [2 / 3, 1.0])
    assert_same(reciprocal_rank(ranked, rel), [1 / 2, 1 / 4])
    assert_same(average_precision_at_k(ranked, rel, 4), [(1 / 2 + 2 / 4) / 3, (1 / 4) / 1])
    d1 = 1 / math.log2(3) + 1 / math.log2(5)
    i1 = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert_same(ndcg_at_k(ranked, rel, 4), [d1 / i1, (1 / math.log2(5)) / 1])
    # MAP@k denominator is min(|rel|, k): one hit at rank 1, k=1
    assert_same(average_precision_at_k(ranked, rel, 1), [0.0, 0.0])
    assert_same(average_precision_at_k([[2]], rel[:1], 1), [1.0])


def test_queries_without_relevant_items_are_nan_and_skipped():
    ranked = [[1, 2], [1, 2], [3, 4]]
    rel = [{1}, set(), {9}]
    for func, _ in REFERENCES:
        v = func(ranked, rel, 2)
        assert np.isnan(v[1]) and not np.isnan(v[0]) and not np.isnan(v[2])
    out = ranking_metrics(ranked, rel, k=2)
    assert out["n_evaluated"] == 2
    assert out["recall@2"] == pytest.approx(0.5)
    assert out["precision@2"] == pytest.approx(0.25)
    nothing = ranking_metrics(ranked, [set(), set(), set()], k=2)
    assert nothing["n_evaluated"] == 0 and np.isnan(nothing["ndcg@2"])


def test_all_zero_grades_count_as_equally_relevant():
    """Every grade 0 made the ideal DCG 0 and NDCG NaN (dropped from the mean) while
    precision, recall and MAP counted the items as relevant; NDCG now takes them as equally
    relevant (gain="binary"), so every metric is evaluated on the same queries."""
    R = sp.csr_array(([0.0], ([0], [1])), shape=(1, 3))
    R.data[:] = 0.0  # explicitly stored zero: relevant, but zero gain
    assert R.nnz == 1
    for gain in ("linear", "exponential", "binary"):
        assert ndcg_at_k([[1, 2]], R, 2, gain=gain)[0] == 1.0
        assert ndcg_at_k([[2, 1]], R, 2, gain=gain)[0] == pytest.approx(1 / math.log2(3))
    assert recall_at_k([[1, 2]], R, 2)[0] == 1.0
    out = ranking_metrics([[1, 2], [0, 1]], [{1: 0.0, 2: 0.0}, {0: 2.0}], k=2)
    assert out["n_evaluated"] == 2
    assert out["precision@2"] == 0.75 and out["ndcg@2"] == 1.0  # both queries count
    # grade 0 beside positive grades is relevant for precision and adds no gain
    assert ndcg_at_k([[1, 0]], [{0: 1.0, 1: 0.0}], 2)[0] == pytest.approx(1 / math.log2(3))


@pytest.mark.parametrize("gain", ["linear", "exponential"])
def test_ndcg_of_huge_grades_is_the_ndcg_of_the_scaled_grades(gain):
    """2**g overflowed at g >= 1024 (NaN and RuntimeWarnings for watch seconds as grades);
    the gains are now scaled per query, which NDCG divides out."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = ndcg_at_k([[2, 1]], [{1: 1100.0, 2: 1.0}], k=2, gain="exponential")[0]
        assert v == pytest.approx(1 / math.log2(3))  # item 2's gain is nothing beside 2**1100
        # a shift of the grades by a constant divides the exponential gains out almost exactly
        a = ndcg_at_k([[2, 1, 3]], [{1: 1100.0, 2: 1099.0, 3: 1098.0}], k=3, gain="exponential")
        b = ndcg_at_k([[2, 1, 3]], [{1: 100.0, 2: 99.0, 3: 98.0}], k=3, gain="exponential")
        np.testing.assert_allclose(a, b, rtol=1e-12)
        big = [{1: 1.5e308, 2: 1e308, 3: 2e307}]
        small = [{1: 1.5, 2: 1.0, 3: 0.2}]
        np.testing.assert_allclose(  # linear gains: the scale cancels
            ndcg_at_k([[3, 1, 2]], big, 3), ndcg_at_k([[3, 1, 2]], small, 3), rtol=1e-12
        )
        assert np.isfinite(ndcg_at_k([[3, 1, 2]], big, 3, gain=gain)).all()


@given(
    grades=st.lists(
        st.one_of(
            st.floats(0, 1e308, allow_nan=False, allow_infinity=False),
            st.integers(0, 3).map(float),
            st.sampled_from([5e-324, 1e-300, 1e-20, 1023.0, 1024.0, 1e6]),
        ),
        min_size=1,
        max_size=8,
    ),
    perm=st.randoms(use_true_random=False),
    k=st.integers(1, 10),
    gain=st.sampled_from(["linear", "exponential", "binary"]),
)
def test_ndcg_is_finite_and_in_unit_interval_for_any_grades(grades, perm, k, gain):
    """NDCG lies in [0, 1] and is a number whenever the query has relevant items, for any
    non-negative finite grades (huge, tiny, all zero), like precision and recall."""
    import warnings

    relevant = [dict(enumerate(grades))]
    ranked = list(range(len(grades) + 2))
    perm.shuffle(ranked)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings either
        v = ndcg_at_k([ranked], relevant, k, gain=gain)[0]
    assert np.isfinite(v) and 0.0 <= v <= 1.0 + 1e-12
    assert np.isfinite(precision_at_k([ranked], relevant, k)[0])


def test_empty_batches():
    ranked = np.zeros((0, 3), dtype=int)
    for func, _ in REFERENCES:
        assert func(ranked, [], 2).shape == (0,)
    assert ranking_metrics(ranked, [], k=2)["n_evaluated"] == 0
    assert_same(precision_at_k(np.zeros((2, 0), dtype=int), [{1}, set()], 3), [0.0, NAN])


# --------------------------------------------------------------------------- coverage, novelty


@given(batch=batches(min_queries=1), k=st.integers(1, 10))
def test_coverage_and_novelty_match_reference(batch, k):
    ranked, _, n_items = batch
    items = {x for row in ranked for x in _slots(list(row), k) if x is not None}
    assert catalog_coverage(ranked, n_items, k) == pytest.approx(len(items) / n_items)
    pop = np.arange(1, n_items + 1, dtype=float)
    want = []
    for row in ranked:
        bits = [-math.log2(pop[x] / pop.sum()) for x in _slots(list(row), k) if x is not None]
        want.append(sum(bits) / len(bits) if bits else NAN)
    assert_same(novelty(ranked, pop, k), want)
    want_users = [
        np.mean([-math.log2(pop[x] / 50) for x in _slots(list(row), k) if x is not None])
        if any(x >= 0 for x in row[:k])
        else NAN
        for row in ranked
    ]
    assert_same(novelty(ranked, pop, k, n_users=50), want_users)


def test_novelty_refuses_zero_popularity():
    with pytest.raises(InputError, match="popularity 0"):
        novelty([[0, 1]], [0, 3])
    assert_same(novelty([[1, -1]], [0, 3]), [0.0])  # item 0 not ranked: fine


# --------------------------------------------------------------------------- ranking_metrics


@given(batch=batches(), ks=st.lists(st.integers(1, 10), min_size=1, max_size=3, unique=True))
def test_ranking_metrics_agrees_with_single_functions(batch, ks):
    ranked, relevant, n_items = batch
    R = to_sparse(relevant, n_items)
    pop = np.ones(n_items)
    per = ranking_metrics(ranked, R, k=ks, metrics=METRICS, aggregate=False, item_popularity=pop)
    means = ranking_metrics(ranked, R, k=ks, metrics=METRICS, item_popularity=pop, gain="binary")
    singles = {
        "precision": precision_at_k,
        "recall": recall_at_k,
        "ndcg": ndcg_at_k,
        "map": average_precision_at_k,
        "mrr": reciprocal_rank,
        "hit_rate": hit_rate_at_k,
    }
    for k in ks:
        for name, func in singles.items():
            assert_same(per[f"{name}@{k}"], func(ranked, R, k))
        assert per[f"coverage@{k}"] == catalog_coverage(ranked, n_items, k)
        assert_same(per[f"novelty@{k}"], novelty(ranked, pop, k))
        v = recall_at_k(ranked, R, k)
        want = v[~np.isnan(v)].mean() if (~np.isnan(v)).any() else NAN
        assert_same([means[f"recall@{k}"]], [want])
        assert_same(
            [means[f"ndcg@{k}"]],
            [np.nanmean(ndcg_at_k(ranked, R, k, gain="binary")) if (~np.isnan(v)).any() else NAN],
        )
    assert means["n_evaluated"] == sum(bool(d) for d in relevant)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: precision_at_k([[1]], [{1}], 0), InputError, "k must be >= 1"),
        (lambda: precision_at_k([1, 2], [{1}], 1), InputError, "2-D"),
        (lambda: precision_at_k([[1.0, 2.0]], [{1}], 1), TypeError, "integer"),
        (lambda: precision_at_k([[1, -2]], [{1}], 1), InputError, "below -1"),
        (lambda: precision_at_k([[1]], [{1}, {2}], 1), InputError, "2 entries"),
        (lambda: precision_at_k([[1]], np.ones((1, 3)), 1), TypeError, "csr_array"),
        (lambda: precision_at_k([[1]], [{-3}], 1), InputError, "negative"),
        (lambda: precision_at_k([[1]], [["a"]], 1), InputError, r"relevant\[0\]"),
        (lambda: precision_at_k([[5]], sp.csr_array((1, 3)), 1), InputError, "3 columns"),
        (lambda: precision_at_k([[1]], sp.csr_array((2, 3)), 1), InputError, "2 rows"),
        (lambda: ndcg_at_k([[1]], [{1: -1.0}], 1), InputError, "non-negative"),
        (lambda: ndcg_at_k([[1]], [{1}], 1, gain="log"), InputError, "binary"),
        (lambda: ranking_metrics([[1]], [{1}], metrics=["auc"]), InputError, "coverage"),
        (lambda: ranking_metrics([[1]], [{1}], metrics="ndcg"), InputError, "list of names"),
        (lambda: ranking_metrics([[1]], [{1}], metrics=["coverage"]), InputError, "n_items"),
        (lambda: ranking_metrics([[1]], [{1}], metrics=["novelty"]), InputError, "popularity"),
        (lambda: ranking_metrics([[1]], [{1}], k=[]), InputError, "non-empty"),
        (lambda: catalog_coverage([[4]], 3), InputError, "n_items is 3"),
        (lambda: novelty([[4]], [1, 1]), InputError, "2 entries"),
        (lambda: novelty([[0]], [5, 1], n_users=3), InputError, "cannot exceed"),
    ],
)
def test_bad_input_raises_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_coverage_infers_n_items_from_sparse_relevance():
    R = sp.csr_array((2, 10))
    out = ranking_metrics([[1, 2], [2, 3]], R, k=2, metrics=["coverage"])
    assert out == {"coverage@2": 0.3, "n_evaluated": 0}


@given(batch=batches(min_queries=1))
def test_inputs_are_not_mutated(batch):
    ranked, relevant, n_items = batch
    assume(ranked.shape[1] > 1)
    before = ranked.copy()
    R = to_sparse(relevant, n_items)
    data = R.data.copy()
    ranking_metrics(ranked, R, k=[1, 5], metrics=METRICS, item_popularity=np.ones(n_items))
    np.testing.assert_array_equal(ranked, before)
    np.testing.assert_array_equal(R.data, data)
