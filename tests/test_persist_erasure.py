"""Erasure after save/load equals erasure in memory and a refit (red-team s14 r2a #1, #2),
and a file describes the fitted state whatever set_params did after fit (#4)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco._persist import _digest, _header_digest, read_npz
from filmreco.data import Interactions
from filmreco.datasets import make_synthetic
from filmreco.exceptions import DataWarning
from filmreco.recommend import ALS, EASE, Hybrid, ItemKNN, Popularity, RP3beta

F = Interactions.from_arrays


def _as_old_file(path, out, version=1):
    """Rewrite a version-3 file as an older filmreco wrote it (no erasure records)."""
    arrays, header = read_npz(path)
    gone = ("state_counted_", "state_stacking_", "state_m0_state_counted_")
    arrays = {k: v for k, v in arrays.items() if not k.startswith(gone)}
    meta = header["meta"]
    meta.pop("seen", None)
    meta["state"].pop("counted", None)
    for key in ("stacking", "n_data_items"):
        meta["state"].pop(key, None)
    for sub in meta["state"].get("models", []):
        sub.pop("seen", None)
        sub["state"].pop("counted", None)
    header["format_version"] = version
    header["sha256"] = {k: _digest(np.asarray(v)) for k, v in arrays.items()}
    header["header_sha256"] = _header_digest(header)
    np.savez(out, __meta__=np.array(json.dumps(header)), **arrays)
    return out


# ------------------------------------------------------------------ #1 Popularity
def test_loaded_popularity_forgets_only_the_counted_views(tmp_path):
    X = F(["a", "b", "c", "c"], ["x", "x", "y", "z"])
    m = Popularity.load(Popularity().fit(X).save(tmp_path / "p"))
    m.fold_in(F(["new", "new"], ["x", "y"]))
    m.forget_users(["new"])
    np.testing.assert_array_equal(m.item_scores_, [2.0, 1.0, 1.0])
    # a known user who gained views through fold_in: only the fitted ones go
    m = Popularity.load(Popularity().fit(X).save(tmp_path / "p"))
    m.fold_in(F(["a", "a"], ["y", "z"]))
    m.forget_users(["a"])
    np.testing.assert_array_equal(m.item_scores_, Popularity().fit(X).item_scores_ - [1, 0, 0])
    ids, scores = m.recommend(["b"], n=2)
    assert ids.tolist() == [["y", "z"]] and scores.tolist() == [[1.0, 1.0]]


def test_loaded_time_decayed_popularity_forgets_exactly(tmp_path):
    X = F(["a", "b", "c", "c"], ["x", "x", "y", "z"], timestamps=[0, 10, 20, 30])
    m = Popularity(half_life=10.0, now=30.0).fit(X)
    loaded = Popularity.load(m.save(tmp_path / "p"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        loaded.forget_users(["b"])
    refit = Popularity(half_life=10.0, now=30.0).fit(X.subset_users(["a", "c"]))
    np.testing.assert_array_equal(loaded.item_scores_, refit.item_scores_)


def test_old_popularity_file_rebuilds_the_record_or_warns(tmp_path):
    X = F(["a", "b", "c", "c"], ["x", "x", "y", "z"])
    saved = Popularity().fit(X).save(tmp_path / "p")
    old = Popularity.load(_as_old_file(saved, tmp_path / "old.npz"))
    old.fold_in(F(["new"], ["x"]))
    old.forget_users(["new", "b"])  # saved right after fit: the positives were counted
    np.testing.assert_array_equal(old.item_scores_, [1.0, 1.0, 1.0])
    # saved after a fold_in: the file cannot tell counted views from folded ones
    m = Popularity().fit(X).fold_in(F(["new"], ["x"]))
    old = Popularity.load(_as_old_file(m.save(tmp_path / "q"), tmp_path / "old2.npz"))
    with pytest.warns(DataWarning, match="older filmreco"):
        old.forget_users(["new"])
    np.testing.assert_array_equal(old.item_scores_, [2.0, 1.0, 1.0])
    # a time-decayed model of an older file warns as before
    Xt = F(["a", "b"], ["x", "y"], timestamps=[0, 5])
    saved = Popularity(half_life=3.0).fit(Xt).save(tmp_path / "t")
    old = Popularity.load(_as_old_file(saved, tmp_path / "old3.npz"))
    with pytest.warns(DataWarning, match="Refit"):
        old.forget_users(["a"])


@settings(max_examples=25, deadline=None)
@given(
    data=st.data(),
    n_users=st.integers(2, 12),
    n_items=st.integers(1, 6),
    half_life=st.sampled_from([None, 7.0]),
)
def test_erasure_after_load_equals_a_refit(tmp_path_factory, data, n_users, n_items, half_life):
    tmp = tmp_path_factory.mktemp("p")
    nnz = data.draw(st.integers(1, 30))
    users = data.draw(st.lists(st.integers(0, n_users - 1), min_size=nnz, max_size=nnz))
    items = data.draw(st.lists(st.integers(0, n_items - 1), min_size=nnz, max_size=nnz))
    times = data.draw(st.lists(st.integers(0, 50), min_size=nnz, max_size=nnz))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # merged duplicate events
        X = F(users, items, timestamps=times, duplicates="sum")
    make = lambda: Popularity(half_life=half_life, now=50.0)  # noqa: E731
    fitted = make().fit(X)
    loaded = Popularity.load(fitted.save(tmp / "m"))
    ids = X.user_ids.ids
    # fold in new and known users (their views are never counted)
    fold_users = data.draw(st.lists(st.sampled_from([*ids.tolist(), 100, 101]), max_size=6))
    if fold_users:
        fold_items = data.draw(
            st.lists(
                st.sampled_from(X.item_ids.ids.tolist()),
                min_size=len(fold_users),
                max_size=len(fold_users),
            )
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            folded = F(fold_users, fold_items)
        for m in (fitted, loaded):
            m.fold_in(folded)
    gone = data.draw(st.lists(st.sampled_from([*ids.tolist(), 100, 101]), max_size=n_users))
    for m in (fitted, loaded):
        m.forget_users(gone)
    keep = [u for u in ids.tolist() if u not in set(gone)]
    refit = make().fit(X.subset_users(keep))
    np.testing.assert_array_equal(loaded.item_scores_, refit.item_scores_)
    np.testing.assert_array_equal(fitted.item_scores_, refit.item_scores_)
    # and a file saved after the erasure still loads to the same scores
    again = Popularity.load(loaded.save(tmp / "again"))
    np.testing.assert_array_equal(again.item_scores_, refit.item_scores_)


# ------------------------------------------------------------------ #2 Hybrid
def _hybrid():
    return Hybrid([Popularity(), RP3beta()], method="rank")


def test_loaded_hybrid_learns_its_weights_again_after_erasure(tmp_path):
    X = make_synthetic(n_users=150, n_items=40, random_state=3).interactions
    ids = X.user_ids.ids
    h = _hybrid().fit(X)
    loaded = Hybrid.load(h.save(tmp_path / "h"))
    assert loaded.stacking_ is not None
    np.testing.assert_array_equal(loaded.stacking_["grid"], h.stacking_["grid"])
    h.forget_users(ids[:40])
    loaded.forget_users(ids[:40])
    refit = _hybrid().fit(X.subset_users(ids[40:]))
    np.testing.assert_array_equal(h.weights_, refit.weights_)
    np.testing.assert_array_equal(loaded.weights_, refit.weights_)
    some = ids[40:60]
    np.testing.assert_array_equal(
        loaded.score(some, X.item_ids.ids), refit.score(some, X.item_ids.ids)
    )


def test_loaded_hybrid_after_fold_in_erases_like_in_memory(tmp_path):
    X = make_synthetic(n_users=80, n_items=30, random_state=5).interactions
    h = _hybrid().fit(X)
    loaded = Hybrid.load(h.save(tmp_path / "h"))
    new = F(["n1", "n1", "n2"], X.item_ids.ids[:3])
    for m in (h, loaded):
        m.fold_in(new)
        m.forget_users(["n1", X.user_ids.ids[0]])
    np.testing.assert_array_equal(loaded.weights_, h.weights_)
    users = X.user_ids.ids[1:20]
    np.testing.assert_array_equal(
        loaded.score(users, X.item_ids.ids), h.score(users, X.item_ids.ids)
    )


def test_old_hybrid_file_with_learned_weights_warns_on_erasure(tmp_path):
    X = make_synthetic(n_users=60, n_items=20, random_state=3).interactions
    saved = Hybrid([Popularity(), ItemKNN(5)]).fit(X).save(tmp_path / "h")
    old = Hybrid.load(_as_old_file(saved, tmp_path / "old.npz"))
    with pytest.warns(DataWarning, match="weights_"):
        old.forget_users(X.user_ids.ids[:5])
    # fixed weights: nothing was learned, nothing to warn about
    saved = Hybrid([Popularity(), ItemKNN(5)], weights=[1, 1]).fit(X).save(tmp_path / "f")
    old = Hybrid.load(_as_old_file(saved, tmp_path / "old_f.npz"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        old.forget_users(X.user_ids.ids[:5])


# ------------------------------------------------------------------ #4 set_params after fit
@pytest.fixture(scope="module")
def small():
    return make_synthetic(n_users=60, n_items=30, random_state=4).interactions


@pytest.mark.parametrize(
    "make, change, name, fitted_value",
    [
        (lambda: ALS(8, random_state=0), {"n_factors": 4}, "n_factors", 8),
        (lambda: EASE(), {"regularization": -1.0}, "regularization", EASE().regularization),
        (lambda: ItemKNN(n_neighbors=20), {"n_neighbors": 1}, "n_neighbors", 20),
        (lambda: ItemKNN(), {"weighting": "nonsense"}, "weighting", ItemKNN().weighting),
        (
            lambda: Hybrid([Popularity(), EASE()], weights=[1.0, 2.0]),
            {"weights": [1.0]},
            "weights",
            [1.0, 2.0],
        ),
    ],
)
def test_save_writes_the_fitted_parameters(tmp_path, small, make, change, name, fitted_value):
    m = make().fit(small)
    users = small.user_ids.ids[:5]
    before = m.score(users, small.item_ids.ids)
    m.set_params(**change)
    loaded = type(m).load(m.save(tmp_path / "m"))
    assert loaded.get_params()[name] == fitted_value
    np.testing.assert_array_equal(loaded.score(users, small.item_ids.ids), before)
    assert m.get_params()[name] == change[name]  # the caller's change waits for the next fit


def test_the_next_fit_applies_and_saves_the_new_parameters(tmp_path, small):
    m = ALS(8, random_state=0).fit(small)
    m.set_params(n_factors=4)
    m.fit(small)
    loaded = ALS.load(m.save(tmp_path / "m"))
    assert loaded.n_factors == 4 and loaded.user_factors_.shape[1] == 4
    # a loaded model saves the parameters it was loaded with
    loaded.set_params(n_factors=16)
    assert ALS.load(loaded.save(tmp_path / "again")).n_factors == 4
