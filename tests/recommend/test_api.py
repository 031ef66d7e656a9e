"""The shared API: filters, padding, bad input, fold-in, persistence errors, diversity."""

from __future__ import annotations

import json
import warnings
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from filmreco._persist import save_npz
from filmreco.data import Interactions
from filmreco.exceptions import DataWarning, FormatError, InputError, UnknownIdError
from filmreco.recommend import ALS, EASE, ItemKNN, Popularity, mmr


@pytest.fixture(scope="module")
def ease(world):
    return EASE(20.0).fit(world.interactions)


def test_single_id_and_repeated_ids(ease):
    one = ease.recommend("u0004", n=3)
    assert one[0].shape == (1, 3)
    ids, _scores = ease.recommend(["u0004", "u0004", "u0009"], n=3)
    np.testing.assert_array_equal(ids[0], ids[1])
    np.testing.assert_array_equal(ids[0], one[0][0])


def test_n_zero_larger_than_catalogue_and_negative(ease):
    ids, scores = ease.recommend(["u0001"], n=0)
    assert ids.shape == (1, 0) and scores.shape == (1, 0)
    ids, _ = ease.recommend(["u0001"], n=500, filter_seen=False)
    assert (ids[0, 60:] == "").all() and (ids[0, :60] != "").all()
    with pytest.raises(InputError, match="n must be >= 0"):
        ease.recommend(["u0001"], n=-1)


def test_items_filter_and_exclude(ease, world):
    allowed = world.interactions.item_ids.ids[:12]
    ids, _scores = ease.recommend(world.interactions.user_ids.ids, n=12, items=allowed)
    real = ids != ""
    assert set(ids[real]) <= set(allowed)
    # the allowed films a user has not seen, all of them, then padding
    seen = ease.user_items_[:, :12].toarray() > 0
    assert (real.sum(axis=1) == (~seen).sum(axis=1)).all()
    out, _ = ease.recommend(["u0001"], n=60, exclude=["m0001", "m0002", "not-a-film"])
    assert not {"m0001", "m0002"} & set(out[0])
    none, sc = ease.recommend(["u0001", "u0002"], n=4, items=[])
    assert (none == "").all() and np.isneginf(sc).all()
    with pytest.raises(UnknownIdError):
        ease.recommend(["u0001"], items=["nope"])


def test_items_and_ids_of_the_wrong_type(ease):
    with pytest.raises(TypeError, match="str ids"):
        ease.recommend([1, 2])


def test_recommend_users_filters_and_restricts(ease, world):
    users, _scores = ease.recommend_users(["m0003"], n=500)
    seen = set(world.interactions.subset_items(["m0003"]).to_arrays()[0])
    real = users[0][users[0] != ""]
    assert not set(real) & seen and len(real) == 120 - len(seen)
    some = world.interactions.user_ids.ids[:10]
    sub, _ = ease.recommend_users(["m0003"], n=20, users=some)
    assert set(sub[0][sub[0] != ""]) <= set(some)


def test_similar_items_excludes_itself_and_matches_similarity(ease):
    ids, _scores = ease.similar_items(["m0005", "m0006"], n=5)
    assert "m0005" not in ids[0] and "m0006" not in ids[1]
    row = ease.weights_[ease.item_ids_.index(["m0005"])[0]].copy()
    row[ease.item_ids_.index(["m0005"])[0]] = -np.inf
    order = np.lexsort((np.arange(row.size), -row))[:5]
    assert ids[0].tolist() == ease.item_ids_.ids[order].tolist()


def test_explain_unsupported(world):
    with pytest.raises(NotImplementedError, match="ItemKNN, EASE and ALS"):
        Popularity().fit(world.interactions).explain("u0001", "m0001")


def test_fold_in_modes_and_unknown_items(world):
    X = world.interactions
    model = ItemKNN(10).fit(X)
    before = model.user_items_.nnz
    model.fold_in(Interactions.from_arrays(["u0001"], ["m0060"]), mode="replace")
    row = model.user_items_[[model.user_ids_.index(["u0001"])[0]]]
    assert row.nnz == 1 and model.user_items_.nnz == before - X.matrix[[0]].nnz + 1
    with pytest.raises(UnknownIdError, match="on_unknown='ignore'"):
        model.fold_in(Interactions.from_arrays(["z"], ["new-film"]))
    with pytest.warns(DataWarning, match="dropped 1"):
        model.fold_in(
            Interactions.from_arrays(["z", "z"], ["new-film", "m0002"]), on_unknown="ignore"
        )
    assert model.recommend(["z"], n=3)[0].shape == (1, 3)


def test_bad_training_data():
    neg = sp.csr_array(np.array([[1.0, -1.0]], dtype=np.float32))
    with pytest.raises(InputError, match="non-negative"):
        EASE().fit(neg)
    with pytest.raises(TypeError, match="Interactions"):
        EASE().fit(np.ones((2, 2)))
    with pytest.raises(InputError, match="no items"):
        EASE().fit(sp.csr_array((3, 0), dtype=np.float32))
    with pytest.raises(InputError, match="n_factors"):
        ALS(n_factors=0).fit(sp.csr_array(np.eye(3, dtype=np.float32)))


@pytest.mark.parametrize("make", [Popularity, lambda: ItemKNN(5), lambda: EASE(1.0),
                                  lambda: ALS(3, random_state=0)])  # fmt: skip
def test_empty_interactions_give_defined_results(make):
    X = Interactions(sp.csr_array((4, 5), dtype=np.float32))
    model = make().fit(X)
    ids, scores = model.recommend([0, 3], n=2)
    assert ids.shape == (2, 2) and np.isfinite(scores).all()


def test_failed_fit_leaves_model_unfitted(world):
    model = EASE(20.0).fit(world.interactions)
    model.set_params(regularization=-1.0)
    with pytest.raises(InputError, match="regularization"):
        model.fit(world.interactions)
    assert not hasattr(model, "weights_") and not hasattr(model, "user_ids_")


# --------------------------------------------------------------------------- persistence
def test_load_refuses_truncated_edited_newer_and_other_files(ease, tmp_path):
    path = ease.save(tmp_path / "ease")
    raw = path.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(FormatError):
        EASE.load(cut)
    # edited: one array changed, header kept
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["state_weights"] = arrays["state_weights"] * 2
    edited = tmp_path / "edited.npz"
    with open(edited, "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(FormatError, match="modified"):
        EASE.load(edited)
    # newer format version
    meta = json.loads(str(arrays.pop("__meta__")))
    newer = save_npz(tmp_path / "newer", {}, kind="recommender.EASE", version=99, meta=meta["meta"])
    with pytest.raises(FormatError, match="version"):
        EASE.load(newer)
    with pytest.raises(FormatError, match="recommender.ItemKNN"):
        ItemKNN.load(path)
    assert zipfile.is_zipfile(path)


def test_load_refuses_inconsistent_state(ease, tmp_path):
    with np.load(ease.save(tmp_path / "m"), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays.pop("__meta__")))["meta"]
    arrays["state_weights"] = arrays["state_weights"][:5]
    bad = save_npz(tmp_path / "bad", arrays, kind="recommender.EASE", version=1, meta=meta)
    with pytest.raises(FormatError, match="inconsistent"):
        EASE.load(bad)


def test_generator_random_state_is_not_saved(world, tmp_path):
    model = ALS(4, max_iter=2, random_state=np.random.default_rng(0)).fit(world.interactions)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = ALS.load(model.save(tmp_path / "als"))
    assert loaded.random_state is None and loaded.n_factors == 4


# --------------------------------------------------------------------------- diversity
def _reference_mmr(ids, scores, S, n, lam):
    valid = [k for k in range(len(ids)) if ids[k] >= 0]
    if not valid:
        return [-1] * n
    vals = np.array([scores[k] for k in valid])
    span = vals.max() - vals.min()
    rel = {k: (scores[k] - vals.min()) / span if span > 0 else 1.0 for k in valid}
    picked: list[int] = []
    while len(picked) < min(n, len(valid)):
        best, best_obj = None, -np.inf
        for k in valid:
            if k in picked:
                continue
            pen = max((S[ids[k], ids[p]] for p in picked), default=0.0)
            obj = (1 - lam) * rel[k] - lam * pen
            if obj > best_obj:
                best, best_obj = k, obj
        picked.append(best)
    return [ids[k] for k in picked] + [-1] * (n - len(picked))


@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 6),
    st.floats(0.0, 1.0),
    st.integers(0, 3),
)
def test_mmr_matches_reference(seed, n, lam, n_pad):
    rng = np.random.default_rng(seed)
    m = 8
    F = rng.standard_normal((12, 3))
    S = F @ F.T
    rows = []
    for _ in range(3):
        ids = rng.choice(12, size=m - n_pad, replace=False).tolist() + [-1] * n_pad
        rows.append(ids)
    ids = np.array(rows)
    scores = np.where(ids >= 0, np.round(rng.random(ids.shape), 2), -np.inf)
    out, _vals = mmr(ids, scores, lambda a, b: S[np.ix_(a, b)], n, diversity=lam)
    for r in range(3):
        assert out[r].tolist() == _reference_mmr(ids[r].tolist(), scores[r], S, n, lam)


def test_recommend_with_diversity(world, ease):
    users = world.interactions.user_ids.ids[:20]
    plain, _ = ease.recommend(users, n=5)
    same, _ = ease.recommend(users, n=5, diversity=0.0)
    np.testing.assert_array_equal(plain, same)
    ids, _scores = ease.recommend(users, n=5, diversity=0.7)
    pool, _ = ease.recommend(users, n=40)
    for r in range(len(users)):
        assert len(set(ids[r])) == 5 and set(ids[r]) <= set(pool[r])
        assert ids[r, 0] == plain[r, 0]
    assert not np.array_equal(ids, plain)


@pytest.mark.parametrize("make", [lambda: ALS(4, max_iter=2, random_state=0), lambda: EASE(10.0)])
def test_process_backend_gives_identical_results(world, make, monkeypatch):
    import joblib

    from filmreco.recommend import _serve

    monkeypatch.setattr(_serve, "_BLOCK_CELLS", 64 * 25)  # 25-user blocks: several tasks
    model = make().fit(world.interactions)
    users = world.interactions.user_ids.ids
    serial = model.recommend(users, n=5, n_jobs=1)
    with joblib.parallel_config(backend="loky"):
        parallel = model.recommend(users, n=5, n_jobs=2)
        audience = model.recommend_users(["m0001", "m0002"], n=4, n_jobs=2)
    np.testing.assert_array_equal(serial[0], parallel[0])
    np.testing.assert_array_equal(serial[1], parallel[1])
    np.testing.assert_array_equal(audience[0], model.recommend_users(["m0001", "m0002"], n=4)[0])


@pytest.mark.parametrize(
    "make", [lambda: EASE(regularization=10.0), lambda: ALS(8, random_state=0), ItemKNN]
)
def test_users_without_history_get_popularity(world, make):
    X = world.interactions
    M = sp.csr_array(X.matrix)  # users 0 and 1 lose their history
    keep = np.ones(M.nnz, dtype=bool)
    keep[: M.indptr[2]] = False
    indptr = np.concatenate([[0, 0, 0], np.cumsum(np.diff(M.indptr)[2:])])
    E = sp.csr_array((M.data[keep], M.indices[keep], indptr), shape=M.shape)
    model = make().fit(X.with_matrix(E))
    pop = np.bincount(E.indices, minlength=E.shape[1]).astype(float)
    users = X.user_ids.ids[:2]
    S = model.score(users, X.item_ids.ids)
    np.testing.assert_allclose(S, np.tile(pop, (2, 1)))
    _, scores = model.recommend(users, 5)
    np.testing.assert_allclose(scores, np.tile(np.sort(pop)[::-1][:5], (2, 1)))  # most popular
    # an empty user_items row is scored the same way
    S2 = model.score(["nobody"], X.item_ids.ids, user_items=sp.csr_array((1, E.shape[1])))
    np.testing.assert_allclose(S2[0], pop)
