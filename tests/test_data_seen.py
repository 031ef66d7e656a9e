"""The seen set of Interactions: every rated pair, positive or not, through every derivation.

The reference is the dense boolean pattern of the ratings before :meth:`to_implicit`
(``rated``), transformed the way each operation transforms the matrix: a row or column
gather, nothing for re-weightings, the union with the new entries for ``with_matrix``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from filmreco.data import Interactions
from filmreco.exceptions import DataWarning, InputError
from filmreco.privacy import Pseudonymizer
from filmreco.recommend.evaluation import split_kfold, split_random


@st.composite
def rated_data(draw):
    """Random star ratings (1..5, some users and items empty) and a positive threshold."""
    n_users = draw(st.integers(0, 7))
    n_items = draw(st.integers(1, 7))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    stars = rng.integers(1, 6, size=(n_users, n_items)).astype(np.float32)
    stars[rng.random((n_users, n_items)) < draw(st.floats(0.0, 1.0))] = 0
    M = sp.csr_array(stars)
    users = [f"u{k}" for k in range(n_users)]
    items = [f"m{k}" for k in range(n_items)]
    R = Interactions(M, users, items)
    return R, draw(st.sampled_from([1.0, 3.0, 4.0, 5.0, 6.0])), rng


def _dense(X: Interactions) -> np.ndarray:
    return X.seen.toarray().astype(bool)


def _check(X: Interactions, want: np.ndarray) -> None:
    S = X.seen
    assert S.dtype == bool and S.shape == X.shape and S.has_canonical_format
    np.testing.assert_array_equal(S.toarray(), want)
    # the positives are seen
    assert not (X.matrix.toarray() != 0)[~want].any()
    P = X.matrix.copy()
    P.data[:] = 1
    assert not (P.toarray().astype(bool) & ~want).any()


@given(rated_data())
def test_to_implicit_keeps_every_rated_pair_seen(data):
    R, t, _ = data
    rated = R.matrix.toarray() != 0
    X = R.to_implicit(t)
    _check(X, rated)
    assert int((R.matrix.data >= t).sum()) == X.nnz
    _check(X.to_implicit(t + 1), rated)  # a second threshold on the kept ratings
    _check(X.to_implicit(0.0), rated)


@given(rated_data())
def test_subsets_reindex_the_seen_set_like_the_matrix(data):
    R, t, rng = data
    rated = R.matrix.toarray() != 0
    X = R.to_implicit(t)
    u = rng.permutation(X.n_users)[: rng.integers(0, X.n_users + 1)]
    i = rng.permutation(X.n_items)[: rng.integers(0, X.n_items + 1)]
    _check(X.take_users(u), rated[u])
    _check(X.take_items(i), rated[:, i])
    _check(X.take_users(u).take_items(i), rated[u][:, i])
    _check(X.subset_users(X.user_ids.ids[u]), rated[u])
    _check(X.subset_items(X.item_ids.ids[i]), rated[:, i])


def _stored(M: sp.csr_array) -> np.ndarray:
    P = sp.csr_array((np.ones(M.nnz, dtype=bool), M.indices, M.indptr), shape=M.shape)
    return P.toarray()


@given(rated_data(), st.sampled_from(["l1", "l2", "log", "tfidf", "bm25"]))
def test_weighting_keeps_the_seen_set(data, kind):
    R, t, _ = data
    rated = R.matrix.toarray() != 0
    X = R.to_implicit(t)
    below = rated & ~_stored(X.matrix)
    Y = X.normalize(kind)  # tf-idf may drop an item every user has: its weight is 0
    _check(Y, below | _stored(Y.matrix))
    _check(X.with_matrix(X.matrix * 2.0), rated)


@given(rated_data())
def test_with_matrix_keeps_the_pairs_seen_outside_the_matrix(data):
    R, t, rng = data
    rated = R.matrix.toarray() != 0
    X = R.to_implicit(t)
    below = rated & ~_stored(X.matrix)
    new = (rng.random(X.shape) < 0.3).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        Y = X.with_matrix(sp.csr_array(new))
    _check(Y, below | (new != 0))


@given(data=rated_data())
def test_save_load_round_trips_the_seen_set(data, tmp_path_factory):
    R, t, _ = data
    rated = R.matrix.toarray() != 0
    X = R.to_implicit(t)
    path = X.save(tmp_path_factory.mktemp("seen") / "x")
    Y = Interactions.load(path)
    _check(Y, rated)
    np.testing.assert_array_equal(Y.matrix.toarray(), X.matrix.toarray())


@given(rated_data())
def test_pseudonymized_data_keeps_the_seen_set(data):
    R, t, _ = data
    X = R.to_implicit(t)
    shared = Pseudonymizer(b"0123456789abcdef-test-key").pseudonymize_interactions(X)
    P = shared.interactions
    # rows are in pseudonym order: match them back through the raw ids
    raw = Pseudonymizer(b"0123456789abcdef-test-key").pseudonymize(X.user_ids.ids)
    order = P.user_ids.index(raw) if X.n_users else np.zeros(0, dtype=np.int64)
    np.testing.assert_array_equal(_dense(P)[order], _dense(X))


@given(rated_data())
def test_splits_are_positives_only(data):
    # the evaluation protocol filters the training positives: parts carry no other seen pair
    R, t, _ = data
    X = R.to_implicit(t)
    for part in [*split_random(X, 0.3, random_state=0), *split_kfold(X, 2, random_state=0)[0]]:
        assert part.seen.nnz == part.nnz
        _check(part, part.matrix.toarray() != 0 if part.nnz else np.zeros(X.shape, bool))


def test_nothing_dropped_means_seen_is_the_matrix():
    X = Interactions.from_arrays(["a", "b"], [1, 2], [4.0, 0.0])  # an explicit zero is stored
    assert X.seen.nnz == X.nnz == 2
    assert X.to_implicit(0).seen.nnz == 2


def test_seen_is_read_only():
    X = Interactions.from_arrays(["a", "a"], [1, 2], [5, 1]).to_implicit(4)
    for S in (X.seen, Interactions.from_arrays(["a"], [1]).seen):
        with pytest.raises(ValueError):
            S.data[0] = False


def test_constructor_takes_a_seen_set():
    M = sp.csr_array(np.array([[1.0, 0.0], [0.0, 0.0]], dtype=np.float32))
    extra = sp.csr_array(np.array([[0, 0], [1, 0]]))
    X = Interactions(M, ["a", "b"], ["x", "y"], seen=extra)
    assert X.seen.toarray().tolist() == [[True, False], [True, False]]
    with pytest.raises(InputError, match="seen has shape"):
        Interactions(M, seen=sp.csr_array((3, 2)))
    with pytest.raises(TypeError, match="seen must be a scipy.sparse"):
        Interactions(M, seen=np.ones((2, 2)))


def test_files_without_a_seen_set_stay_format_version_1(tmp_path):
    from filmreco._persist import read_header

    R = Interactions.from_arrays(["a", "a", "b"], [1, 2, 2], [5, 1, 4])
    assert read_header(R.save(tmp_path / "r"))["format_version"] == 1
    assert read_header(R.to_implicit(4).save(tmp_path / "x"))["format_version"] == 2
    assert read_header(R.to_implicit(1).save(tmp_path / "y"))["format_version"] == 1
