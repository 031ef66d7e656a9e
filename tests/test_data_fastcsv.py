"""The compiled reader of plain numeric event files (data/_fastcsv.py) against the general
reader: the same columns, bit for bit, or it gives up and the general reader answers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.data import Interactions, _fastcsv, _ops
from filmreco.exceptions import DataWarning, FormatError


@pytest.fixture(autouse=True, scope="module")
def _compiled_route_for_any_size():
    """The compiled route from the first event / byte (it starts at a size otherwise)."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_fastcsv, "MIN_BYTES", 0)
        yield


def _general(*args: Any, **kw: Any) -> Any:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_ops, "_read_plain", lambda *a, **k: None)
        return _ops.read_csv_columns(*args, **kw)


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], np.ndarray) or isinstance(b[key], np.ndarray):
            assert a[key].dtype == b[key].dtype, key
            np.testing.assert_array_equal(a[key], b[key])
        else:
            assert a[key] == b[key], key


NUMBERS = st.one_of(
    st.integers(-5, 10**6).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.sampled_from(["", " 4.5 ", "3.", ".25", "1e3", "2.5E-2", "0.1", "-0", "7e30",
                     "12345678901234567", "nan", "inf", "1_0", "4,5"]),
)  # fmt: skip
IDS = st.one_of(
    st.integers(-3, 10**12).map(str),
    st.sampled_from(["007", "+4", " 12 ", "x9", "1.0", ""]),
)


@st.composite
def files(draw: Any) -> tuple[bytes, dict[str, Any]]:
    sep = draw(st.sampled_from([",", "\t", ";", "|", " "]))
    header = draw(st.booleans())
    n = draw(st.integers(1, 30))
    rows = []
    for _ in range(n):
        fields = [draw(IDS), draw(IDS), draw(NUMBERS), draw(st.sampled_from(["a", "b c", "é"]))]
        rows.append(sep.join(fields))
    if draw(st.booleans()):
        rows.insert(draw(st.integers(0, n)), "# a comment")
    if draw(st.booleans()):
        rows.insert(draw(st.integers(0, n)), "")
    lines = (["user" + sep + "item" + sep + "rating" + sep + "title"] if header else []) + rows
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join(lines) + (eol if draw(st.booleans()) else "")
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    kw = {
        "sep": sep,
        "encoding": "utf-8",
        "id_type": draw(st.sampled_from([None, int])),
        "header": 0 if header else None,
        "comments": "#",
        "on_error": "coerce",
    }
    return bom + text.encode("utf-8"), kw


@settings(max_examples=150, deadline=None)
@given(f=files(), ts=st.booleans())
def test_fast_reader_is_the_general_reader(f, ts):
    data, kw = f
    names = {"user": 0, "item": 1, "value": None if ts else 2, "timestamp": 2 if ts else None}
    try:
        want = _general(data, names, **kw)
    except Exception as exc:  # the general reader refuses: so must the fast route
        with pytest.raises(type(exc)):
            _ops.read_csv_columns(data, names, **kw)
        return
    _same(_ops.read_csv_columns(data, names, **kw), want)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 10**9), st.integers(-50, 50), NUMBERS.filter(lambda s: "," not in s)
        ),
        min_size=1,
        max_size=40,
    ),
    sep=st.sampled_from([",", "\t", ";"]),
    header=st.booleans(),
)
def test_plain_files_read_the_same(rows, sep, header):
    # mostly plain files (ids are integers), so the fast route answers most of them
    lines = [sep.join(map(str, r)) for r in rows]
    text = "\n".join((["u" + sep + "i" + sep + "v"] if header else []) + lines) + "\n"
    names = {"user": 0, "item": 1, "value": 2, "timestamp": None}
    kw = {"sep": sep, "encoding": "utf-8", "id_type": None, "header": 0 if header else None}
    try:
        want = _general(text.encode(), names, **kw)
    except Exception as exc:
        with pytest.raises(type(exc)):
            _ops.read_csv_columns(text.encode(), names, **kw)
        return
    _same(_ops.read_csv_columns(text.encode(), names, **kw), want)


def test_plain_file_takes_the_fast_route(monkeypatch):
    text = b"user,item,rating\n1,10,4.5\n2,10,3\n1,11,\n"
    called = []
    real = _ops.parse_numeric

    def spy(*a: Any, **k: Any) -> Any:
        out = real(*a, **k)
        called.append(out is not None)
        return out

    monkeypatch.setattr(_ops, "parse_numeric", spy)
    with pytest.warns(DataWarning, match="dropped 1 of 3"):
        X = Interactions.from_csv(text, "user", "item", "rating", on_nan="drop")
    assert called == [True]
    assert X.matrix.toarray().tolist() == [[4.5], [3.0]]


def test_a_quoted_field_goes_the_general_way():
    X = Interactions.from_csv(b'user,item,rating\n1,"10",4\n', "user", "item", "rating")
    assert X.item_ids.ids.tolist() == [10]


def test_errors_come_from_the_general_reader():
    with pytest.raises(FormatError, match="line 3"):
        Interactions.from_csv(b"user,item,rating\n1,10,4\n2,11,abc\n", "user", "item", "rating")
