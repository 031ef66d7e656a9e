"""Tests for the shared argument checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from filmreco._validation import (
    check_csr,
    check_finite,
    check_int,
    check_nonnegative,
    check_option,
    check_random_state,
    check_real,
    lookup_option,
)
from filmreco.exceptions import InputError


def test_check_int():
    assert check_int(np.int64(3), "n") == 3
    for bad in (1.0, True, "3", None):
        with pytest.raises(InputError, match="n must be an int"):
            check_int(bad, "n")
    with pytest.raises(InputError, match=">= 1"):
        check_int(0, "n", min_value=1)


def test_check_real():
    assert check_real(1, "x") == 1.0
    with pytest.raises(InputError, match="finite"):
        check_real(float("nan"), "x")
    with pytest.raises(InputError, match="> 0"):
        check_real(0.0, "x", min_value=0, min_inclusive=False)


def test_options_listed_from_table():
    table = {"a": 1, "b": 2}
    assert lookup_option(table, "b", "kind") == 2
    with pytest.raises(InputError, match=r"\['a', 'b'\]"):
        lookup_option(table, "c", "kind")
    with pytest.raises(InputError, match="mode='x'"):
        check_option("x", ["y"], "mode")
    with pytest.raises(InputError):
        lookup_option(table, ["unhashable"], "kind")


def test_check_finite_and_nonnegative():
    with pytest.raises(InputError, match="1 NaN"):
        check_finite(np.array([1.0, np.nan]), "values")
    with pytest.raises(InputError, match="negative"):
        check_nonnegative(np.array([1, -2]), "values")
    check_nonnegative(np.array([]), "values")


def test_check_csr_accepts_all_sparse_kinds():
    dense = np.array([[0, 1], [2, 0]], dtype=float)
    for make in (sp.csr_matrix, sp.csr_array, sp.coo_matrix, sp.csc_array, sp.lil_matrix):
        X = check_csr(make(dense), "X", dtype=np.float32)
        assert isinstance(X, sp.csr_array) and X.dtype == np.float32
        np.testing.assert_array_equal(X.toarray(), dense)
    with pytest.raises(TypeError, match="build_csr"):
        check_csr(dense, "X")


def test_check_csr_canonicalises_without_mutating():
    X = sp.csr_array((np.array([1.0, 2.0]), np.array([1, 1]), np.array([0, 2])), shape=(1, 2))
    assert not X.has_canonical_format
    Y = check_csr(X, "X")
    assert Y.nnz == 1 and Y.data[0] == 3.0
    assert X.nnz == 2


def test_check_csr_rejects_nan():
    X = sp.csr_array(np.array([[np.nan, 1.0]]))
    with pytest.raises(InputError, match="X.data"):
        check_csr(X, "X")


def test_random_state():
    a = check_random_state(3).random()
    b = check_random_state(3).random()
    assert a == b
    g = np.random.default_rng(0)
    assert check_random_state(g) is g
    with pytest.raises(InputError):
        check_random_state(-4)


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True, np.random.RandomState(0)])
def test_random_state_checked_in_one_place(bad):
    from filmreco._parallel import seed_sequence
    from filmreco._validation import check_random_state

    messages = []
    for convert in (check_random_state, seed_sequence):
        with pytest.raises(InputError, match="random_state") as info:
            convert(bad)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
