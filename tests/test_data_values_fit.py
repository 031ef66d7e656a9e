"""Values that the matrix dtype cannot hold are refused, not wrapped or made infinite.

Red-team report of session 14, findings #2 (an int ``dtype=`` wrapped values and merged
sums), #3 (float32 overflow stored inf, and the fit-time message blamed NaN) and #8
(``dtype=np.float16`` was accepted, then unusable and not reloadable). Every builder is
checked: ``from_arrays`` (both assembly routes), ``from_csv`` (the whole-file and the block
reader), the constructor and :func:`filmreco.sparse.build_csr`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco import recommend as R
from filmreco._validation import SPARSE_DTYPES
from filmreco.data import Interactions, _assemble, _csvstream, _fastcsv
from filmreco.exceptions import DataWarning, InputError
from filmreco.sparse import build_csr

F = Interactions.from_arrays


@pytest.fixture(params=["numpy", "compiled"])
def route(request):
    """from_arrays through the coordinate route (few events) and the compiled one."""
    with pytest.MonkeyPatch.context() as m:
        if request.param == "compiled":
            m.setattr(_assemble, "MIN_EVENTS", 0)
        yield request.param


def _quiet(fn: Any) -> Any:
    """`fn()` with every warning but the merge's DataWarning an error (an overflow must
    not just warn)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", category=DataWarning)
        return fn()


# -- #2: int dtypes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "dtype", "match"),
    [
        ([300.0, 1.0], np.int8, r"values holds 300\.0, which does not fit int8 \(-128 to 127"),
        ([-5.0, 1.0], np.uint8, r"values holds -5\.0, which does not fit uint8"),
        ([2.0**40, 1.0], np.int32, r"does not fit int32"),
        ([0.5, 1.0], np.int8, r"values holds 0\.5, which is not a whole number.*dtype=np\.float32"),
        ([300, 1], np.int8, r"values holds 300, which does not fit int8"),
        ([2**63 - 1, 1], np.int32, r"does not fit int32"),
    ],
)
def test_an_int_dtype_refuses_values_it_cannot_hold(values, dtype, match):
    with pytest.raises(InputError, match=match):
        _quiet(lambda: F([1, 2], [1, 2], values, dtype=dtype))
    with pytest.raises(InputError, match=match):
        _quiet(lambda: build_csr([0, 1], [0, 1], values, dtype=dtype))


def test_merged_sums_and_counts_must_fit_the_int_dtype():
    with pytest.raises(InputError, match=r"2 values merged at user 1, item 1 sum to 200, which"):
        _quiet(lambda: F([1, 1], [1, 1], [100, 100], dtype=np.int8))
    with pytest.raises(InputError, match=r"sum to -256, which does not fit int8"):
        _quiet(lambda: F(["a", "a"], ["x", "x"], [-128, -128], dtype=np.int8))
    with pytest.raises(InputError, match=r"make a count of 200, which does not fit int8"):
        _quiet(lambda: F([1] * 200, [1] * 200, dtype=np.int8, duplicates="count"))
    with pytest.raises(InputError, match=r"does not fit int64; pass dtype=np\.float64"):
        _quiet(lambda: F([1, 1], [1, 1], np.array([2**62, 2**62]), dtype=np.int64))
    with pytest.raises(InputError, match=r"\(row 0, column 0\) sum to 200"):
        _quiet(lambda: build_csr([0, 0], [0, 0], [100, 100], dtype=np.int8))
    # a sum that fits, and max / last of values that fit, are fine
    X = _quiet(lambda: F([1, 1], [1, 1], [100, 27], dtype=np.int8))
    assert X.matrix.data.tolist() == [127]
    X = _quiet(lambda: F([1, 1], [1, 1], [100, 100], dtype=np.int8, duplicates="max"))
    assert X.matrix.data.tolist() == [100]


def test_int64_values_stay_exact():
    big = np.array([2**60 + 1, 2**53 + 1], dtype=np.int64)  # not exact in float64
    X = F([1, 2], [1, 2], big, dtype=np.int64)
    assert X.matrix.data.tolist() == big.tolist()
    X = _quiet(lambda: F([1, 1], [1, 1], big, dtype=np.int64))
    assert X.matrix.data.tolist() == [2**60 + 2**53 + 2]


INT_DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64]


@settings(max_examples=150, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(-(2**40), 2**40)),
        min_size=1,
        max_size=8,
    ),
    dtype=st.sampled_from(INT_DTYPES),
    as_float=st.booleans(),
    duplicates=st.sampled_from(["sum", "max", "last"]),
)
def test_an_int_build_is_exact_or_refused(pairs, dtype, as_float, duplicates):
    users, items, values = (list(x) for x in zip(*pairs))
    vals = np.array(values, dtype=np.float64 if as_float else np.int64)
    merged: dict[tuple[int, int], list[int]] = {}
    for u, i, v in pairs:
        merged.setdefault((u, i), []).append(v)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", category=DataWarning)
            X = F(users, items, vals, dtype=dtype, duplicates=duplicates)
    except InputError as exc:
        info = np.iinfo(dtype)
        assert "does not fit" in str(exc)
        assert any(not info.min <= v <= info.max for v in values) or any(
            not info.min <= sum(vs) <= info.max for vs in merged.values()
        )
        return
    assert X.matrix.dtype == dtype
    got = dict(
        zip(
            zip(X.user_ids.to_ids(np.repeat(np.arange(X.n_users), np.diff(X.matrix.indptr))),
                X.item_ids.to_ids(X.matrix.indices)),
            X.matrix.data.tolist(),
        )
    )  # fmt: skip
    reduce = {"sum": sum, "max": max, "last": lambda vs: vs[-1]}[duplicates]
    assert got == {k: reduce(vs) for k, vs in merged.items()}


# -- #3: float32 overflow ----------------------------------------------------------------


def test_a_value_beyond_float32_is_refused_at_build_time(route):
    msg = r"values holds 1e\+300, beyond the range of float32.*pass dtype=np\.float64"
    for on_nan in ("raise", "drop"):
        with pytest.raises(InputError, match=msg):
            _quiet(lambda on_nan=on_nan: F([1, 2], [1, 2], [1e300, 1.0], on_nan=on_nan))
    X = _quiet(lambda: F([1, 2], [1, 2], [1e300, 1.0], dtype=np.float64))
    assert X.matrix.data.tolist() == [1e300, 1.0]


def test_a_sum_beyond_float32_is_refused_naming_the_ids(route):
    with pytest.raises(InputError, match=r"merged at user 'u', item 'm' sum to .*float32"):
        _quiet(lambda: F(["u", "v", "u"], ["m", "m", "m"], [3e38, 1.0, 3e38]))
    X = _quiet(lambda: F(["u", "u"], ["m", "m"], [3e38, 3e38], duplicates="max"))
    assert np.isfinite(X.matrix.data).all()


def _blocks(data: bytes, **kw: Any) -> Interactions:
    """from_csv with the block reader from the first byte and event."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_fastcsv, "MIN_BYTES", 0)
        m.setattr(_assemble, "MIN_EVENTS", 1)
        m.setattr(_csvstream, "BLOCK", 16)
        return _quiet(lambda: Interactions.from_csv(data, "u", "i", "v", **kw))


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"u,i,v\n1,1,1e300\n2,2,1\n", r"values holds 1e\+300, beyond the range of float32"),
        (b"u,i,v\n1,1,3e38\n2,2,1\n1,1,3e38\n", r"merged at user 1, item 1 sum to"),
    ],
)
def test_from_csv_refuses_overflow_on_every_route(data, match):
    with pytest.raises(InputError, match=match):
        _quiet(lambda: Interactions.from_csv(data, "u", "i", "v"))
    with pytest.raises(InputError, match=match):
        _blocks(data)
    X = _blocks(data, dtype=np.float64)  # float64 holds them
    assert np.isfinite(X.matrix.data).all()


def test_the_constructor_and_fit_say_overflow_not_nan():
    M = sp.csr_array(np.array([[1e300, 0.0], [0.0, 1.0]]))
    with pytest.raises(
        InputError, match=r"matrix\.data holds 1e\+300, beyond the range of float32"
    ):
        _quiet(lambda: Interactions(M))
    assert Interactions(M, dtype=np.float64).matrix.data.tolist() == [1e300, 1.0]
    with pytest.raises(InputError, match=r"beyond the range of float32.*rescale") as info:
        _quiet(lambda: R.EASE().fit(M))
    assert "NaN" not in str(info.value) and "on_nan" not in str(info.value)
    # a real infinity is still reported as one
    with pytest.raises(InputError, match="NaN or infinite"):
        Interactions(sp.csr_array(np.array([[np.inf, 1.0]])))


# -- #8: float16 and the dtypes that save and load -----------------------------------------


def test_float16_is_refused_with_the_dtypes_accepted():
    msg = r"dtype=float16 is not supported.*float32, float64"
    with pytest.raises(InputError, match=msg):
        F([1, 2], [1, 2], dtype=np.float16)
    with pytest.raises(InputError, match=msg):
        Interactions(sp.csr_array(np.eye(2, dtype=np.float32)), dtype=np.float16)
    with pytest.raises(InputError, match=msg):
        build_csr([0], [0], dtype=np.float16)
    with pytest.raises(InputError, match=msg):
        Interactions.from_csv(b"u,i\n1,1\n", "u", "i", dtype=np.float16)
    with pytest.raises(InputError, match="longdouble|float128"):
        F([1], [1], dtype=np.longdouble)


@pytest.mark.parametrize("dtype", SPARSE_DTYPES)
def test_every_accepted_dtype_saves_and_loads(dtype, tmp_path):
    X = F(["a", "b", "a"], ["x", "y", "y"], [1, 2, 1], dtype=dtype, timestamps=[1, 2, 3])
    Y = Interactions.load(X.save(tmp_path / "x.npz"))
    assert Y.matrix.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(Y.matrix.toarray(), X.matrix.toarray())
    np.testing.assert_array_equal(Y.timestamps, X.timestamps)
