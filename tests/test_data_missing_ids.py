"""``pandas.NA`` and NaT count as missing ids, values and timestamps, like None (red-team
report of session 14, #9: a ``<NA>`` id became a real user, and the id map "object")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from filmreco.data import Interactions
from filmreco.exceptions import DataWarning, InputError
from filmreco.sparse import IdMap

F = Interactions.from_arrays


@pytest.mark.parametrize(
    "users",
    [
        pd.array(["a", None, "b"], dtype="string"),
        ["a", pd.NA, "b"],
        np.array(["a", pd.NaT, "b"], dtype=object),
        pd.array([1, None, 2], dtype="Int64"),
    ],
    ids=["StringArray", "list-NA", "NaT", "Int64"],
)
def test_pandas_na_ids_are_missing(users):
    with pytest.raises(InputError, match=r"1 of 3 events have a NaN or infinite user id"):
        F(users, [1, 2, 3])
    with pytest.warns(DataWarning, match="dropped 1 of 3 events"):
        X = F(users, [1, 2, 3], on_nan="drop")
    assert X.user_ids.kind in ("str", "int") and len(X.user_ids) == 2
    with pytest.raises(InputError, match=r"1 of 3 events have a NaN or infinite item id"):
        F([1, 2, 3], users)


def test_pandas_na_values_and_timestamps_are_missing():
    with pytest.warns(DataWarning, match="NaN or infinite value"):
        X = F(["a", "b"], [1, 2], np.array([pd.NA, 2.0], dtype=object), on_nan="drop")
    assert X.matrix.data.tolist() == [2.0]
    stamps = np.array([pd.NA, "2020-01-01"], dtype=object)
    with pytest.warns(DataWarning, match="NaN or infinite timestamp"):
        X = F(["a", "b"], [1, 2], timestamps=stamps, on_nan="drop")
    assert X.timestamps.tolist() == [1577836800.0]


def test_the_constructor_refuses_missing_ids():
    M = sp.csr_array(np.eye(2, dtype=np.float32))
    for bad in (["a", pd.NA], ["a", float("nan")], pd.array(["a", None], dtype="string")):
        with pytest.raises(InputError, match="a missing value, which cannot be an id"):
            Interactions(M, bad)
    with pytest.raises(InputError, match="contains None"):
        IdMap(["a", None])
