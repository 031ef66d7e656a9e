"""The rating-weighted rows of ``benchmarks/bench_recommend.py`` (session 10, issue 17).

``rating_weighted`` weights each positive by its star rating (4 stars 1, 5 stars
``stars5``), rescaled to a mean weight of 1; ``RatingWeighted`` fits a model adapter on
that copy. These tests pin the weights, that ids, ratings and the seen set carry over,
and that the adapter's model really sees the weighted values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from filmreco.data import Interactions
from filmreco.exceptions import InputError
from filmreco.recommend import ALS


@pytest.fixture(scope="module")
def rated() -> Interactions:
    # 1-3 stars are dropped by to_implicit but stay in the seen set, as in bench's load()
    users = [0, 0, 0, 1, 1, 2, 2, 2]
    items = [0, 1, 2, 0, 3, 1, 2, 3]
    stars = [5, 4, 2, 4, 5, 5, 5, 3]
    return Interactions.from_arrays(users, items, stars).to_implicit(4.0)


def test_weights_and_mean(bench: Any, rated: Interactions) -> None:
    W = bench.rating_weighted(rated, 2.0)
    r = np.asarray(rated.ratings)
    raw = np.where(r >= 5, 2.0, 1.0)
    assert np.allclose(W.matrix.data, raw / raw.mean())
    assert W.matrix.data.mean() == pytest.approx(1.0)
    # 5 stars weigh exactly stars5 times 4 stars
    assert np.allclose(W.matrix.data[r >= 5] / W.matrix.data[r < 5][0], 2.0)


def test_carries_ids_ratings_seen(bench: Any, rated: Interactions) -> None:
    W = bench.rating_weighted(rated, 1.5)
    assert np.array_equal(W.matrix.indices, rated.matrix.indices)
    assert np.array_equal(W.matrix.indptr, rated.matrix.indptr)
    assert np.array_equal(W.ratings, rated.ratings)
    assert np.array_equal(W.user_ids.ids, rated.user_ids.ids)
    # the 2- and 3-star films stay seen (never recommended)
    assert (W.seen != rated.seen).nnz == 0
    assert W.seen.nnz == rated.seen.nnz > W.nnz


def test_one_is_identity_and_needs_ratings(bench: Any, rated: Interactions) -> None:
    assert bench.rating_weighted(rated, 1.0) is rated
    plain = Interactions(sp.csr_array(rated.matrix))
    with pytest.raises(InputError, match="ratings"):
        bench.rating_weighted(plain, 2.0)


def test_adapter_fits_on_weighted_values(bench: Any, rated: Interactions) -> None:
    fitted = bench.RatingWeighted(
        bench.Filmreco(lambda: ALS(2, max_iter=2, random_state=0)), 3.0
    ).fit(rated)
    data = fitted.model.user_items_.data
    assert sorted(set(np.round(data, 6))) == sorted(
        set(np.round(bench.rating_weighted(rated, 3.0).matrix.data, 6))
    )
    assert len(set(np.round(data, 6))) == 2  # two distinct weights, not binary
