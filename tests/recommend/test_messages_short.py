"""Messages of the recommendation path quote user data cut short (issue 18, defect 7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from filmreco.data import Interactions
from filmreco.exceptions import FilmrecoError
from filmreco.recommend import Popularity
from filmreco.recommend.evaluation import evaluate, split_random

HUGE = "u" * 2_000_000


@pytest.fixture(scope="module")
def X() -> Interactions:
    rng = np.random.default_rng(0)
    pairs = np.unique(np.c_[rng.integers(0, 30, 400), rng.integers(0, 20, 400)], axis=0)
    u, i = pairs[:, 0].astype(str), pairs[:, 1].astype(str)
    return Interactions.from_arrays(u, i, np.ones(len(pairs)))


def _short(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    assert isinstance(excinfo.value, FilmrecoError)
    assert len(str(excinfo.value)) < 1_000


def test_unknown_user_message_is_short(X: Interactions) -> None:
    model = Popularity().fit(X)
    with pytest.raises(FilmrecoError) as e:
        model.recommend([HUGE], 5)
    _short(e)


def test_unknown_items_of_user_items_message_is_short(X: Interactions) -> None:
    model = Popularity().fit(X)
    other = Interactions.from_arrays(["0"], [HUGE], [1.0])
    with pytest.raises(FilmrecoError) as e:
        model.recommend(["0"], 5, user_items=other)
    _short(e)


def test_missing_column_message_is_short() -> None:
    df = pd.DataFrame({HUGE: [1], "item": [2], "value": [1.0]})
    with pytest.raises(FilmrecoError) as e:
        Interactions.from_frame(df, "user", "item", "value")
    _short(e)


def test_bad_metric_message_is_short(X: Interactions) -> None:
    train, test = split_random(X, test_size=0.2, random_state=0)
    model = Popularity().fit(train)
    with pytest.raises(FilmrecoError) as e:
        evaluate(model, train, test, metrics=[HUGE])
    _short(e)
