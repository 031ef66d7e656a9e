"""Interactions.weight_by_rating: graded input from the ratings kept by to_implicit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from filmreco.data import Interactions
from filmreco.exceptions import InputError, InputTypeError
from filmreco.recommend import ALS, EASE


@pytest.fixture
def rated() -> Interactions:
    users = ["a", "a", "a", "b", "b", "c", "c", "c", "d"]
    items = [1, 2, 3, 1, 4, 2, 3, 4, 1]
    stars = [5, 4, 2, 4, 5, 5, 5, 3, 4.5]
    times = np.arange(9.0)
    X = Interactions.from_arrays(users, items, stars, timestamps=times)
    return X.to_implicit(4)


def test_dict_weights_exact_without_rescale(rated: Interactions) -> None:
    W = rated.weight_by_rating({4: 1.0, 4.5: 1.25, 5: 2.0}, rescale=False)
    expect = {4.0: 1.0, 4.5: 1.25, 5.0: 2.0}
    assert W.matrix.data.tolist() == [expect[float(x)] for x in rated.ratings]
    assert W.matrix.dtype == rated.matrix.dtype


def test_rescale_gives_mean_one_and_keeps_ratios(rated: Interactions) -> None:
    W = rated.weight_by_rating({4: 1.0, 4.5: 1.0, 5: 3.0})
    assert float(np.mean(W.matrix.data, dtype=np.float64)) == pytest.approx(1.0, abs=1e-6)
    five = np.asarray(rated.ratings) == 5.0
    ratio = W.matrix.data[five] / W.matrix.data[~five][0]
    assert np.allclose(ratio, 3.0)


def test_callable_matches_dict(rated: Interactions) -> None:
    by_dict = rated.weight_by_rating({4: 1.0, 4.5: 1.0, 5: 1.5})
    by_func = rated.weight_by_rating(lambda r: np.where(r >= 5, 1.5, 1.0))
    assert np.array_equal(by_dict.matrix.data, by_func.matrix.data)


def test_entries_ids_times_ratings_seen_unchanged(rated: Interactions) -> None:
    W = rated.weight_by_rating({4: 1.0, 4.5: 1.0, 5: 2.0})
    M, R = W.matrix, rated.matrix
    assert np.array_equal(M.indptr, R.indptr) and np.array_equal(M.indices, R.indices)
    assert np.array_equal(W.ratings, rated.ratings)
    assert np.array_equal(W.timestamps, rated.timestamps)
    assert W.user_ids.ids.tolist() == rated.user_ids.ids.tolist()
    assert W.item_ids.ids.tolist() == rated.item_ids.ids.tolist()
    # the 2- and 3-star films are still seen, not positive
    assert (W.seen != rated.seen).nnz == 0 and W.seen.nnz > W.nnz
    # the source is untouched
    assert set(rated.matrix.data.tolist()) == {1.0}


def test_models_learn_from_the_weights(rated: Interactions) -> None:
    W = rated.weight_by_rating({4: 1.0, 4.5: 1.0, 5: 3.0}, rescale=False)
    # EASE on the weighted container is EASE on a plain matrix holding those values
    a = EASE(regularization=1.0).fit(W).weights_
    b = EASE(regularization=1.0).fit(sp.csr_array(W.matrix)).weights_
    assert np.allclose(a, b)
    assert not np.allclose(a, EASE(regularization=1.0).fit(rated).weights_)
    # ALS: the confidences change, so the factors do
    f1 = ALS(2, max_iter=3, random_state=0).fit(W).item_factors_
    f0 = ALS(2, max_iter=3, random_state=0).fit(rated).item_factors_
    assert not np.allclose(f0, f1)
    # and the filtering is the same: a seen (2-star) film is never recommended
    ids, _ = EASE(regularization=1.0).fit(W).recommend(["a"], n=4)
    assert 3 not in ids[0].tolist()


def test_needs_ratings() -> None:
    X = Interactions(sp.csr_array(np.eye(2, dtype=np.float32)))
    with pytest.raises(InputError, match="to_implicit"):
        X.weight_by_rating({1: 1.0})


def test_missing_rating_names_it(rated: Interactions) -> None:
    with pytest.raises(InputError, match=r"4\.5"):
        rated.weight_by_rating({4: 1.0, 5: 2.0})


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_weights_must_be_positive_finite(rated: Interactions, bad: float) -> None:
    with pytest.raises(InputError, match="weights"):
        rated.weight_by_rating({4: 1.0, 4.5: 1.0, 5: bad})
    with pytest.raises(InputError, match="positive and finite"):
        rated.weight_by_rating(lambda r: np.where(r >= 5, bad, 1.0))


def test_weights_beyond_the_dtype_range(rated: Interactions) -> None:
    with pytest.raises(InputError, match="float32"):
        rated.weight_by_rating({4: 1.0, 4.5: 1.0, 5: 1e40}, rescale=False)
    with pytest.raises(InputError, match="float32"):
        rated.weight_by_rating({4: 1.0, 4.5: 1.0, 5: 1e-50}, rescale=False)


def test_bad_callable_shape_and_types(rated: Interactions) -> None:
    with pytest.raises(InputError, match="shape"):
        rated.weight_by_rating(lambda r: np.ones(2))
    with pytest.raises(InputTypeError, match="weights must be a dict"):
        rated.weight_by_rating([1.0, 2.0])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="rescale"):
        rated.weight_by_rating({4: 1.0, 4.5: 1.0, 5: 2.0}, rescale=1)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="weights key"):
        rated.weight_by_rating({"five": 1.0})


def test_empty_container() -> None:
    X = Interactions.from_arrays([], [], []).to_implicit(4)
    assert X.weight_by_rating({5: 2.0}).nnz == 0
