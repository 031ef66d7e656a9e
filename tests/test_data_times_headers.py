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

from filmreco.data import Catalog, Interactions, _assemble, _csvstream, _fastcsv
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


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_are_read(codec, tmp_path):
    text = "用户,片名,评分\n张三,星际穿越,5\n李四,流浪地球,4\n"
    path = tmp_path / "wide.csv"
    path.write_bytes(text.encode(codec))
    X = Interactions.from_csv(path, "用户", "片名", "评分", encoding=codec)
    assert X.user_ids.ids.tolist() == ["张三", "李四"] and X.matrix.data.tolist() == [5.0, 4.0]
    cat = Catalog.from_csv(path, id_field="片名", encoding=codec)
    assert cat.item_ids.ids.tolist() == ["星际穿越", "流浪地球"]
    marked = codec in ("utf-8-sig", "utf-16", "utf-32")  # a byte-order mark says it all
    if marked:
        assert Interactions.from_csv(path, "用户", "片名").user_ids.ids.tolist() == ["张三", "李四"]
    else:  # no mark: not read as UTF-8; plain ASCII shows its NULs, and the advice is exact
        with pytest.raises(FormatError):
            Interactions.from_csv(path, "用户", "片名")
        ascii_path = tmp_path / "ascii.csv"
        ascii_path.write_bytes("user,title\nann,Heat\nbob,Alien\n".encode(codec))
        with pytest.raises(FormatError, match=r"UTF-16 text \(every other byte is NUL\) read as "
                           rf"utf-8: pass encoding='{codec}'"):  # fmt: skip
            Interactions.from_csv(ascii_path, "user", "title")
    with open(path, encoding=codec) as f:
        assert Interactions.from_csv(f, "用户", "片名").user_ids.ids.tolist() == ["张三", "李四"]


def test_utf16_advice_and_bad_bytes(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes("u,i\n1,2\n".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate
    with pytest.raises(FormatError, match=r"is not valid UTF-16-LE text"):
        Interactions.from_csv(path, "u", "i", encoding="utf-16-le")
    for codec in ("rot13", "base64", "nope"):
        with pytest.raises(InputError, match=rf"encoding='{codec}' is not a known text encoding"):
            Interactions.from_csv(path, "u", "i", encoding=codec)


def test_line_break_separator_and_old_mac_lines():
    with pytest.raises(InputError, match=r"sep\) '\\n' holds a line break"):
        Catalog.from_csv(b"id\n1\n2\n", sep="\n")
    cat = Catalog.from_csv(b"id,title\r1,a\r2,b\r")  # lone CRs end the lines
    assert [r["title"] for r in cat.records()] == ["a", "b"]
    X = Interactions.from_csv(b"user,item\r1,2\r3,4\r")
    assert X.user_ids.ids.tolist() == [1, 3] and X.item_ids.ids.tolist() == [2, 4]


def test_time_zones_durations_periods_and_datetime_objects():
    import datetime

    import pandas as pd

    from filmreco.social.learn import as_times

    F = Interactions.from_arrays
    utc = pd.to_datetime(["2020-01-01 00:00", "2020-01-02 00:00"]).tz_localize("UTC")
    expected = [1577836800.0, 1577923200.0]
    shanghai = utc.tz_convert("Asia/Shanghai")  # the same instants, other wall clocks
    for times in (utc, shanghai, list(shanghai), [t.to_pydatetime() for t in shanghai],
                  [datetime.datetime(2020, 1, 1), datetime.date(2020, 1, 2)]):  # fmt: skip
        assert F([1, 2], [1, 2], timestamps=times).timestamps.tolist() == expected
        assert as_times(times, "times").tolist() == expected
    df = pd.DataFrame({"user": [1, 2], "item": [1, 2], "t": shanghai})
    assert Interactions.from_frame(df, timestamp="t").timestamps.tolist() == expected
    df["t"] = pd.to_timedelta([90, 30], unit="s")  # durations: seconds since the caller's origin
    assert Interactions.from_frame(df, timestamp="t").timestamps.tolist() == [90.0, 30.0]
    assert F([1, 2], [1, 2], timestamps=np.array([1, 2], "m8[m]")).timestamps.tolist() == [60, 120]
    df["t"] = pd.period_range("2020-01", periods=2, freq="M")  # a period: its start
    assert Interactions.from_frame(df, timestamp="t").timestamps.tolist() == [
        1577836800.0,
        1580515200.0,
    ]
    with pytest.warns(DataWarning, match="dropped 1 of 2 events"):
        X = F([1, 2], [1, 2], timestamps=[datetime.datetime(2020, 1, 1), pd.NaT], on_nan="drop")
    assert X.timestamps.tolist() == [1577836800.0]
