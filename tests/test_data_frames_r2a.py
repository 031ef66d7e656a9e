"""from_frame / from_arrays edge cases of red-team s14 r2a (#3, #7, #9)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.data import Interactions
from filmreco.exceptions import DataWarning, InputError

F = Interactions.from_arrays


def _frame():
    return pd.DataFrame(
        {
            "user": ["a", "b", "c"],
            "item": [1, 2, 3],
            "t": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-01"]),
            "v": [1.0, 2.0, 3.0],
        }
    )


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
@pytest.mark.parametrize("tz", [None, "Asia/Shanghai"])
def test_categorical_datetime_column_gives_seconds(unit, tz):
    df = _frame()
    df["t"] = df["t"].astype(f"datetime64[{unit}]")
    if tz:
        df["t"] = df["t"].dt.tz_localize(tz)
    plain = Interactions.from_frame(df, timestamp="t").timestamps
    df["t"] = df["t"].astype("category")
    got = Interactions.from_frame(df, timestamp="t").timestamps
    np.testing.assert_array_equal(got, plain)
    assert 1.5e9 < got.min() < 1.6e9  # seconds, not ticks


def test_categorical_value_columns_give_their_values():
    df = _frame()
    plain = Interactions.from_frame(df, value="v").matrix.toarray()
    df["v"] = df["v"].astype("category")
    np.testing.assert_array_equal(Interactions.from_frame(df, value="v").matrix.toarray(), plain)
    df["v"] = pd.Series([1, None, 3], dtype="Int64").astype("category")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        X = Interactions.from_frame(df, value="v", on_nan="drop")
    assert sorted(X.matrix.data.tolist()) == [1.0, 3.0]


def test_duplicated_column_label_is_an_input_error():
    df = pd.DataFrame([["a", 1, 1.0, 2.0]], columns=["user", "item", "v", "v"])
    with pytest.raises(InputError, match="column 'v' appears 2 times"):
        Interactions.from_frame(df, value="v")


def test_index_levels_suggest_reset_index():
    df = _frame().set_index(["user", "item"])
    with pytest.raises(InputError, match=r"index level.*reset_index\(\)"):
        Interactions.from_frame(df)


@pytest.mark.parametrize("where", ["values", "timestamps"])
def test_python_ints_past_float64_are_input_errors(where):
    kw = {"values": [10**400], "dtype": np.float64} if where == "values" else {}
    if where == "timestamps":
        kw["timestamps"] = [10**400]
    with pytest.raises(InputError, match=f"{where} holds .*beyond the range of float64"):
        F([1], [1], **kw)


def test_subset_names_the_repeated_id():
    X = F(["a", "b"], [1, 2])
    with pytest.raises(InputError, match="user_ids must not repeat an id, but 'a' appears 2 times"):
        X.subset_users(["a", "b", "a"])
    with pytest.raises(InputError, match="item_ids must not repeat an id, but 2 appears 2 times"):
        X.subset_items([2, 2])


@pytest.mark.parametrize(
    "at",
    [
        "2020-01-15",
        "2020-01-15 00:00:00",
        __import__("datetime").datetime(2020, 1, 15),
        __import__("datetime").date(2020, 1, 15),
        np.datetime64("2020-01-15"),
        np.datetime64("2020-01-15T00:00:00.000000000"),
        pd.Timestamp("2020-01-15"),
        pd.Timestamp("2020-01-15 08:00", tz="Asia/Shanghai"),
    ],
)
def test_split_temporal_accepts_dates_as_timestamps_are_read(at):
    from filmreco.recommend.evaluation import split_temporal

    X = F([1, 2, 3], [1, 2, 3], timestamps=["2020-01-01", "2020-01-15", "2020-02-01"])
    cut = pd.Timestamp("2020-01-15").timestamp()
    expected = [p.nnz for p in split_temporal(X, at=cut)]
    assert [p.nnz for p in split_temporal(X, at=at)] == expected == [1, 2]


def test_split_temporal_refuses_a_missing_or_unreadable_date():
    from filmreco.recommend.evaluation import split_temporal

    X = F([1, 2], [1, 2], timestamps=[0, 10])
    with pytest.raises(InputError, match="missing date"):
        split_temporal(X, at=pd.NaT)
    with pytest.raises(InputError, match="neither a number nor a date"):
        split_temporal(X, at="soon")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(1, 5), st.integers(0, 6)),
        min_size=1,
        max_size=30,
    )
)
def test_last_with_timestamps_keeps_the_latest_event(events):
    # red-team s14 round 2: "last" kept the last value in input order with the latest
    # timestamp, pairing one event's value with another's time
    users, items, vals, times = (list(x) for x in zip(*events))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        X = Interactions.from_arrays(users, items, vals, timestamps=times, duplicates="last")
    u, i, v, t = X.to_arrays()
    for uu, ii, vv, tt in zip(u.tolist(), i.tolist(), v.tolist(), t.tolist()):
        mine = [k for k, e in enumerate(events) if e[0] == uu and e[1] == ii]
        latest = max(mine, key=lambda k: (events[k][3], k))  # ties: the later in input order
        assert (vv, tt) == (float(events[latest][2]), float(events[latest][3]))
