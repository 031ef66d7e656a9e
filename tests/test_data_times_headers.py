"""Timestamps and CSV headers (red-team report of session 14).

#1: a timestamp column mixing dates and plain numbers read the numbers as years; now it is
an error naming the column and both forms, a column of numbers is seconds on every route,
time-zone offsets are applied without numpy's warning, and fractions of a second are kept.
#16: a header naming the asked-for column twice, and a UTF-16 file, are FormatErrors that
say so.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.data import Interactions, _assemble, _csvstream, _fastcsv
from filmreco.exceptions import DataWarning, FormatError, InputError

F = Interactions.from_arrays


def _quiet(fn: Any) -> Any:
    """`fn()` with every warning an error but the DataWarnings of the policies."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", category=DataWarning)
        return fn()


# -- #1: timestamps -------------------------------------------------------------------------


def test_dates_mixed_with_numbers_are_refused_in_from_arrays():
    msg = (
        r"timestamps mixes date strings \('2020-01-01', position 0\) and numbers "
        r"\('1577836800', position 1\); a number is read as seconds"
    )
    with pytest.raises(InputError, match=msg):
        F([1, 2], [1, 2], timestamps=["2020-01-01", "1577836800"])
    for number in ("0", "20200101", "2020", "1577836800.5", "-5", "1.5e9"):
        with pytest.raises(InputError, match="mixes date strings"):
            F([1, 2], [1, 2], timestamps=np.array([number, "2020/1/5 10:00"], dtype=object))
    df = pd.DataFrame({"u": [1, 2], "i": [1, 2], "t": ["1577836800", "2020-01-01"]})
    with pytest.raises(InputError, match=r"mixes date strings \('2020-01-01', position 1\)"):
        Interactions.from_frame(df, "u", "i", timestamp="t")


def test_dates_mixed_with_numbers_are_refused_in_from_csv():
    data = b"u,i,t\n1,1,2020-01-01\n2,2,1577836800\n"
    msg = (
        r"'<bytes>': the timestamps \(t\) mix dates \('2020-01-01', line 2\) and numbers "
        r"\('1577836800', line 3\)"
    )
    with pytest.raises(FormatError, match=msg):
        Interactions.from_csv(data, "u", "i", timestamp="t")
    # a cell that is neither does not hide the mix, whatever on_error does with it
    bad = data + b"3,3,junk\n"
    for on_error in ("raise", "coerce", "drop"):
        with pytest.raises(FormatError, match="mix dates"):
            Interactions.from_csv(bad, "u", "i", timestamp="t", on_error=on_error)
    # the cells that are neither still follow on_error when the others are all dates
    X = _quiet(
        lambda: Interactions.from_csv(
            b"u,i,t\n1,1,2020-01-01\n2,2,junk\n", "u", "i", timestamp="t", on_error="drop"
        )
    )
    assert X.timestamps.tolist() == [1577836800.0]


def test_numbers_are_seconds_on_every_route():
    text = ["1577836800", "2020", "1577836800.5", ""]
    want = [1577836800.0, 2020.0, 1577836800.5]
    got = _quiet(lambda: F([1, 2, 3, 4], [1, 2, 3, 4], timestamps=text, on_nan="drop"))
    assert got.timestamps.tolist() == want
    data = b"u,i,t\n" + b"".join(f"{k},{k},{t}\n".encode() for k, t in enumerate(text))
    got = _quiet(lambda: Interactions.from_csv(data, "u", "i", timestamp="t", on_nan="drop"))
    assert got.timestamps.tolist() == want


def test_time_zones_and_fractions():
    stamps = [
        "2020-01-01T08:00:00+08:00",
        "2020-01-01T00:00:01Z",
        "2020-01-01 00:00:02.750",
        "2019-12-31T23:00:03-01:00",
    ]
    want = [1577836800.0, 1577836801.0, 1577836802.75, 1577836803.0]
    X = _quiet(lambda: F([1, 2, 3, 4], [1, 2, 3, 4], timestamps=stamps))
    assert X.timestamps.tolist() == want
    data = b"u,i,t\n" + b"".join(f"{k},{k},{t}\n".encode() for k, t in enumerate(stamps))
    X = _quiet(lambda: Interactions.from_csv(data, "u", "i", timestamp="t"))
    assert X.timestamps.tolist() == want


@settings(max_examples=60, deadline=None)
@given(
    secs=st.lists(st.integers(0, 4_000_000_000), min_size=1, max_size=6),
    dates=st.lists(st.integers(0, 4_000_000_000), max_size=3),
)
def test_a_time_column_is_one_form_or_refused(secs, dates):
    """Numbers, dates, or both: the numbers are seconds, the dates are dates, a mix is
    an error on both routes (never a number read as a year)."""
    iso = [np.datetime64(d, "s").astype(str) for d in dates]
    text = [str(s) for s in secs] + iso
    n = len(text)
    data = b"u,i,t\n" + b"".join(f"{k},{k},{t}\n".encode() for k, t in enumerate(text))
    if dates:
        with pytest.raises(InputError, match="mixes date strings"):
            F(range(n), range(n), timestamps=text)
        with pytest.raises(FormatError, match="mix dates"):
            Interactions.from_csv(data, "u", "i", timestamp="t")
        return
    X = _quiet(lambda: F(range(n), range(n), timestamps=text))
    Y = _quiet(lambda: Interactions.from_csv(data, "u", "i", timestamp="t"))
    assert X.timestamps.tolist() == Y.timestamps.tolist() == [float(s) for s in secs]


# -- #16: duplicated header, UTF-16 ------------------------------------------------------------


def _plain(data: bytes, *args: Any, **kw: Any) -> Any:
    """from_csv through the compiled whole-file reader and the block reader (they pick
    their columns from the same header)."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_fastcsv, "MIN_BYTES", 0)
        m.setattr(_assemble, "MIN_EVENTS", 1)
        m.setattr(_csvstream, "BLOCK", 8)
        return Interactions.from_csv(data, *args, **kw)


def test_a_duplicated_header_is_a_format_error():
    data = b"u,u,i\n1,2,3\n4,5,6\n"
    msg = r"names 2 columns 'u' \(positions 0, 1\), so user='u' is ambiguous"
    for read in (Interactions.from_csv, _plain):
        with pytest.raises(FormatError, match=msg):
            read(data, "u", "i")
        assert read(data, 1, "i").user_ids.ids.tolist() == [2, 5]  # by position: fine
    X = Interactions.from_csv(data, "a", "c", names=["a", "b", "c"], header=0)
    assert X.user_ids.ids.tolist() == [1, 4]
    with pytest.raises(FormatError, match="names 2 columns 'u'"):
        Interactions.from_csv(b'u,u,i\n"1",2,3\n', "u", "i")  # the quoted-CSV reader


@pytest.mark.parametrize(
    ("codec", "said"),
    [
        ("utf-16", r"UTF-16 text \(it starts with the byte-order mark FF FE\)"),
        ("utf-16-le", r"UTF-16 text \(every other byte is NUL\)"),
        ("utf-16-be", r"UTF-16 text \(every other byte is NUL\)"),
        ("utf-32", r"UTF-32 text \(it starts with the byte-order mark FF FE 00 00\)"),
    ],
)
def test_utf16_files_are_named(codec, said, tmp_path):
    text = "用户,片名\n1,2\n3,4\n"
    path = tmp_path / "u16.csv"
    path.write_bytes(text.encode(codec))
    for kw in ({}, {"encoding": "utf-16"}):
        with pytest.raises(FormatError, match=said + r".*open\(path, encoding='utf-"):
            Interactions.from_csv(path, "用户", "片名", **kw)
    opened = "utf-16" if codec == "utf-16" else codec
    with open(path, encoding="utf-32" if codec == "utf-32" else opened) as f:
        X = Interactions.from_csv(f, "用户", "片名")  # the advice works
    assert X.user_ids.ids.tolist() == [1, 3]
