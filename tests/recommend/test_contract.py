"""The Recommender contract, run against every model (see ``make_model`` in conftest)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from filmreco.data import Interactions
from filmreco.exceptions import UnknownIdError
from filmreco.recommend import Recommender


def _seen(model, user_ids):
    rows = model.user_ids_.index(user_ids)
    X = model.user_items_
    return [set(model.item_ids_.ids[X.indices[X.indptr[r] : X.indptr[r + 1]]]) for r in rows]


def test_clone_keeps_params_and_drops_state(make_model, world):
    model = make_model().fit(world.interactions)
    copy = clone(model)
    assert sorted(copy.get_params()) == sorted(model.get_params())
    for key, value in model.get_params(deep=False).items():
        other = copy.get_params(deep=False)[key]
        if isinstance(value, (int, float, str, bool, type(None), tuple)):
            assert other == value
        else:
            assert type(other) is type(value)
    assert not hasattr(copy, "user_ids_")
    with pytest.raises(NotFittedError):
        copy.recommend(["u0001"])


def test_fit_returns_self(make_model, world):
    model = make_model()
    assert model.fit(world.interactions) is model
    assert isinstance(model, Recommender)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.recommend(["u0001"]),
        lambda m: m.recommend_users(["m0001"]),
        lambda m: m.similar_items(["m0001"]),
        lambda m: m.score(["u0001"], ["m0001"]),
        lambda m: m.save("never-written"),
        lambda m: m.fold_in(Interactions.from_arrays(["x"], ["m0001"])),
        lambda m: m.recommend(["x"], user_items=Interactions.from_arrays(["x"], ["m0001"])),
        lambda m: m.explain("u0001", "m0001"),
        lambda m: m.forget_users(["u0001"]),
    ],
    ids=[
        "recommend",
        "recommend_users",
        "similar_items",
        "score",
        "save",
        "fold_in",
        "recommend-user_items",
        "explain",
        "forget_users",
    ],
)
def test_not_fitted(make_model, call):
    with pytest.raises(NotFittedError):
        call(make_model())


def test_deterministic(make_model, world):
    users = world.interactions.user_ids.ids[:40]
    a = make_model().fit(world.interactions).recommend(users, n=8)
    b = make_model().fit(world.interactions).recommend(users, n=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_input_not_mutated(make_model, world):
    X = world.interactions
    before = [a.copy() for a in (X.matrix.data, X.matrix.indices, X.matrix.indptr, X.timestamps)]
    model = make_model().fit(X)
    model.recommend(X.user_ids.ids[:5], n=3)
    model.fold_in(X.subset_users(X.user_ids.ids[:3]))
    after = (X.matrix.data, X.matrix.indices, X.matrix.indptr, X.timestamps)
    for x, y in zip(before, after):
        np.testing.assert_array_equal(x, y)


def test_save_load_same_scores(make_model, world, tmp_path):
    model = make_model().fit(world.interactions)
    users = world.interactions.user_ids.ids[::7]
    path = model.save(tmp_path / "model")
    loaded = type(model).load(path)
    np.testing.assert_array_equal(
        loaded.score(users, loaded.item_ids_.ids), model.score(users, model.item_ids_.ids)
    )
    a, b = model.recommend(users, n=6), loaded.recommend(users, n=6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_filter_seen_never_leaks_not_even_padding(make_model, world):
    model = make_model().fit(world.interactions)
    users = world.interactions.user_ids.ids
    m = len(model.item_ids_)
    ids, scores = model.recommend(users, n=m + 5)
    assert ids.shape == scores.shape == (users.size, m + 5)
    for row, sc, seen in zip(ids, scores, _seen(model, users)):
        real = row != model.item_ids_.missing
        assert not (set(row[real]) & seen)
        assert real.sum() == m - len(seen)  # every unseen item once, then padding
        assert len(set(row[real])) == real.sum()
        assert np.all(np.isneginf(sc[~real]))
        assert np.all(np.isfinite(sc[real]))
        assert np.all(np.diff(sc[real]) <= 0)


def test_without_filter_seen_lists_everything(make_model, world):
    model = make_model().fit(world.interactions)
    m = len(model.item_ids_)
    ids, _ = model.recommend(["u0002"], n=m, filter_seen=False)
    assert sorted(ids[0]) == sorted(model.item_ids_.ids)


def test_scores_match_score(make_model, world):
    model = make_model().fit(world.interactions)
    users = world.interactions.user_ids.ids[:10]
    ids, scores = model.recommend(users, n=5)
    full = model.score(users, model.item_ids_.ids, filter_seen=True)  # what recommend ranks
    cols = model.item_ids_.index(ids.ravel()).reshape(ids.shape)
    np.testing.assert_allclose(np.take_along_axis(full, cols, axis=1), scores, rtol=1e-5)


def test_n_jobs_does_not_change_results(make_model, world):
    model = make_model().fit(world.interactions)
    users = world.interactions.user_ids.ids
    a = model.recommend(users, n=7, n_jobs=1)
    b = model.recommend(users, n=7, n_jobs=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_unknown_users(make_model, world):
    model = make_model().fit(world.interactions)
    with pytest.raises(UnknownIdError, match="fold_in"):
        model.recommend(["nobody"])
    ids, _ = model.recommend(["nobody", "u0001"], n=4, on_unknown="popular")
    top = np.argsort(-model.item_popularity_, kind="stable")[:4]
    assert ids[0].tolist() == model.item_ids_.ids[top].tolist()
    assert ids[1].tolist() == model.recommend(["u0001"], n=4)[0][0].tolist()


def test_audience_matches_scores(make_model, world):
    model = make_model().fit(world.interactions)
    items = model.item_ids_.ids[[0, 5, 11]]
    users, scores = model.recommend_users(items, n=6)
    full = model.score(model.user_ids_.ids, items, filter_seen=True)
    seen = model.user_items_[:, model.item_ids_.index(items)].toarray() != 0
    for k in range(items.size):
        s = np.where(seen[:, k], -np.inf, full[:, k])
        order = np.lexsort((np.arange(s.size), -s))[:6]
        if model._score_dtype == np.float32:  # else ties in float32 may be ranked finer
            assert users[k].tolist() == model.user_ids_.ids[order].tolist()
        np.testing.assert_allclose(s[model.user_ids_.index(users[k])], scores[k], rtol=1e-5)
        np.testing.assert_allclose(scores[k], s[order], rtol=1e-5)


def test_fold_in_new_user(make_model, world):
    model = make_model().fit(world.interactions)
    films = model.item_ids_.ids[[1, 4, 9]]
    new = Interactions.from_arrays(["newbie"] * 3, films)
    direct = model.recommend(["newbie"], n=5, user_items=new)
    model.fold_in(new)
    assert "newbie" in model.user_ids_
    ids, scores = model.recommend(["newbie"], n=5)
    assert not set(ids[0]) & set(films)
    np.testing.assert_array_equal(ids, direct[0])
    np.testing.assert_allclose(scores, direct[1], rtol=1e-4, atol=1e-6)


def test_empty_history_user_gets_a_list(make_model, world):
    model = make_model().fit(world.interactions)
    empty = sp.csr_array((1, len(model.item_ids_)), dtype=np.float32)
    ids, scores = model.recommend(["ghost"], n=3, user_items=empty)
    assert ids.shape == (1, 3) and np.isfinite(scores).all()


def test_score_filter_seen_is_what_recommend_ranks(make_model, world):
    model = make_model().fit(world.interactions)
    users = world.interactions.user_ids.ids[:15]
    items = model.item_ids_.ids
    S = model.score(users, items, filter_seen=True)
    seen = model.user_items_[model.user_ids_.index(users)].toarray() != 0
    assert np.isneginf(S[seen]).all() and np.isfinite(S[~seen]).all()
    ids, scores = model.recommend(users, n=5)
    cols = model.item_ids_.index(ids.ravel()).reshape(ids.shape)
    np.testing.assert_allclose(np.take_along_axis(S, cols, axis=1), scores, rtol=1e-5)


def test_forget_users(make_model, world):
    model = make_model().fit(world.interactions)
    users = model.user_ids_.ids
    gone, stay = users[[0, 3]], users[[1, 2, 4, 5]]
    before = model.score(stay, model.item_ids_.ids)
    assert model.forget_users([*gone.tolist(), "nobody", 12345]) == 2
    assert model.forget_users(gone) == 0
    assert not model.user_ids_.contains(gone).any()
    assert model.user_items_.shape[0] == len(model.user_ids_) == users.size - 2
    after = model.score(stay, model.item_ids_.ids)
    with pytest.raises(UnknownIdError):
        model.recommend(gone[:1])
    if np.allclose(after, before, rtol=1e-5, atol=1e-7):
        return  # the others' state is kept (factor models: item side kept until a refit)
    # the item side was updated: it is that of a refit without them (tests/test_erasure.py)
    refit = clone(model).fit(world.interactions.subset_users(model.user_ids_.ids))
    np.testing.assert_allclose(after, refit.score(stay, model.item_ids_.ids), rtol=1e-5, atol=1e-7)


def test_fold_in_n_jobs_does_not_change_results(make_model, world):
    X = world.interactions
    new = Interactions.from_arrays(["n1", "n1", "n2"], X.item_ids.ids[[2, 7, 7]])
    a = make_model().fit(X).fold_in(new, n_jobs=1).recommend(["n1", "n2"], n=5)
    b = make_model().fit(X).fold_in(new, n_jobs=2).recommend(["n1", "n2"], n=5)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1], rtol=1e-5)


def _public_recommenders() -> set[type]:
    import filmreco.recommend
    import filmreco.social
    from filmreco.recommend._factors import FactorModel

    found: set[type] = set()
    todo = [Recommender]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if not sub.__name__.startswith("_"):
                found.add(sub)
    public = {
        obj
        for mod in (filmreco.recommend, filmreco.social)
        for obj in (getattr(mod, name) for name in mod.__all__)
        if isinstance(obj, type)
    }
    return {c for c in found if c in public and c not in (Recommender, FactorModel)}


def test_every_public_recommender_runs_the_contract():
    from .conftest import FACTORIES

    registered = {name.split("-")[0] for name in FACTORIES}
    missing = sorted(c.__name__ for c in _public_recommenders() if c.__name__ not in registered)
    assert not missing, f"add {missing} to FACTORIES in tests/recommend/conftest.py"
