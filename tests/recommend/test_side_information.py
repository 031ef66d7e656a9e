"""Catalogue side information for EASE / EDLAE (collective EASE, Jeunen et al. 2020).

The weights are checked against the closed form computed with numpy on the stacked matrix
``[X ; sqrt(w) S^T]``; a zero weight or no catalogue is plain EASE bit for bit; films
that only the catalogue knows are scored through their metadata; the model saves and
loads without the catalogue and can still forget users; ``tune`` refuses metadata that
carries no signal (a shuffled catalogue) and records the control's bounds.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import filmreco
from filmreco.data import Catalog, Interactions
from filmreco.exceptions import FormatError, InputError, InputTypeError
from filmreco.recommend import EASE, EDLAE, tune
from filmreco.recommend._side import shuffle_catalog, side_matrix

RECORDS = [
    {"id": "a", "genres": ["武侠", "剧情"], "region": "香港"},
    {"id": "b", "genres": ["武侠"], "region": "大陆"},
    {"id": "c", "genres": ["科幻"], "region": "美国"},
    {"id": "d", "genres": ["科幻", "剧情"], "region": "美国"},
    {"id": "e", "genres": ["喜剧"], "region": None},
    {"id": "new", "genres": ["武侠"], "region": "香港"},
    {"id": "new2", "genres": ["喜剧"], "region": None},
    {"id": "bare", "genres": [], "region": None},
]


def _world() -> tuple[Catalog, Interactions]:
    cat = Catalog.from_records(RECORDS)
    users = ["u1", "u1", "u1", "u2", "u2", "u3", "u3", "u4", "u4", "u5"]
    items = ["a", "b", "e", "c", "d", "a", "c", "b", "d", "a"]
    return cat, Interactions.from_arrays(users, items)


def _reference(A: np.ndarray, S: np.ndarray, w: np.ndarray, lam: float, p: float) -> np.ndarray:
    """EDLAE's closed form (Steck 2020) on ``[A ; sqrt(w) S^T]``, in float64."""
    stacked = np.vstack([A, np.sqrt(w)[:, None] * S.T])
    gram = stacked.T @ stacked
    P = np.linalg.inv(gram + np.diag(lam + p / (1.0 - p) * np.diag(gram)))
    B = -P / np.diag(P)[None, :]
    np.fill_diagonal(B, 0.0)
    return B


@pytest.mark.parametrize(
    ("cls", "lam", "p", "fields", "w"),
    [
        (EASE, 2.0, 0.0, ("genres",), 3.0),
        (EDLAE, 2.0, 0.25, ("genres",), 3.0),
        (EDLAE, 1.0, 0.5, {"genres": 1.0, "region": 0.5}, 10.0),
    ],
)
def test_weights_match_the_stacked_closed_form(cls: Any, lam: float, p: float, fields: Any,
                                               w: float) -> None:  # fmt: skip
    cat, X = _world()
    kw = {"dropout": p} if cls is EDLAE else {}
    m = cls(lam, catalog=cat, side_fields=fields, side_weight=w, **kw).fit(X)
    names = list(fields)
    S, f, _ = side_matrix(cat, m.item_ids_.ids, names)
    per_field = dict(fields) if isinstance(fields, dict) else dict.fromkeys(names, 1.0)
    weights = w * np.array([per_field[x] for x in f])
    B = _reference(X.matrix.toarray().astype(np.float64), S.toarray(), weights, lam, p)
    assert np.allclose(m.weights_, B, atol=1e-5)
    # the features the model reports are the catalogue's values of those films
    assert m.side_features_.shape == (len(m.item_ids_), len(m.side_feature_values_))
    row = m.item_ids_.index(["a"])[0]
    got = {(str(a), str(b)) for a, b in zip(m.side_feature_fields_[m.side_features_[[row]].indices],
                                            m.side_feature_values_[m.side_features_[[row]].indices])}  # fmt: skip
    want = {("genres", "武侠"), ("genres", "剧情")} | (
        {("region", "香港")} if "region" in names else set()
    )
    assert got == want


def test_zero_weight_or_no_catalogue_is_plain_ease() -> None:
    cat, X = _world()
    for cls, kw in ((EASE, {}), (EDLAE, {"dropout": 0.3})):
        plain = cls(2.0, **kw).fit(X)
        assert plain.side_features_ is None
        zero = cls(2.0, catalog=cat, side_weight=0.0, **kw).fit(X)
        assert np.array_equal(zero.weights_, plain.weights_)
        side = cls(2.0, catalog=cat, side_weight=5.0, **kw).fit(X)
        assert not np.allclose(side.weights_, plain.weights_, atol=1e-3)
        assert zero._null_candidate({}) and plain._null_candidate({})
        assert not side._null_candidate({})
        assert side._null_candidate({"side_weight": 0.0})
        assert not side._null_candidate({"side_weight": 0.0, "cold_start_items": True})


def test_films_the_catalogue_lacks_have_no_features() -> None:
    cat, _ = _world()
    X2 = Interactions.from_arrays(["u1", "u1", "u2", "u2"], ["a", "zz", "zz", "c"])
    m = EASE(2.0, catalog=cat, side_weight=1.0).fit(X2)
    zz = m.item_ids_.index(["zz"])[0]
    assert m.side_features_[[zz]].nnz == 0
    assert set(m.item_ids_.ids.tolist()) == {"a", "c", "zz"}  # no catalogue-only film


def test_cold_start_items_are_scored_by_their_metadata() -> None:
    cat, X = _world()
    m = EASE(1.0, catalog=cat, side_weight=1.0, cold_start_items=True).fit(X)
    # "new" (武侠, 香港) joins the films; "bare" has no genre and stays out
    assert "new" in m.item_ids_.ids.tolist() and "bare" not in m.item_ids_.ids.tolist()
    assert m.user_items_.shape[1] == len(m.item_ids_)
    assert m.item_popularity_[m.item_ids_.index(["new"])[0]] == 0.0
    # u4 watched b (武侠) and d (科幻, 剧情): the new 武侠 film scores above the new comedy
    scores = m.score(["u4"], ["new", "new2"])
    assert scores[0, 0] > scores[0, 1]
    # a user of a 武侠 film gets the new 武侠 film before the new comedy
    ranked = m.recommend(["u5"], n=len(m.item_ids_))[0][0].tolist()
    assert ranked.index("new") < ranked.index("new2")
    # without the option, the catalogue-only film is not a candidate
    plain = EASE(1.0, catalog=cat, side_weight=1.0).fit(X)
    assert "new" not in plain.item_ids_.ids.tolist()
    assert not plain._null_candidate({"cold_start_items": True})


def test_bad_arguments_are_named() -> None:
    cat, X = _world()
    cases = [
        ({"catalog": "films.csv"}, InputTypeError, "catalog must be None or a filmreco"),
        ({"catalog": cat, "side_fields": "genres"}, InputError, r"write \['genres'\]"),
        ({"catalog": cat, "side_fields": []}, InputError, "side_fields is empty"),
        ({"catalog": cat, "side_fields": ["genre"]}, InputError, "does not have; its fields"),
        ({"catalog": cat, "side_fields": {"genres": -1}}, InputError, "side_fields"),
        ({"catalog": cat, "side_fields": [1]}, InputTypeError, "field names"),
        ({"catalog": cat, "side_weight": -1.0}, InputError, "side_weight"),
        ({"catalog": cat, "side_weight": float("nan")}, InputError, "side_weight"),
        ({"catalog": cat, "cold_start_items": "yes"}, InputError, "cold_start_items"),
    ]
    for kw, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            EDLAE(2.0, **kw).fit(X)
    other = Catalog.from_records([{"id": "x1", "genres": ["剧情"]}])
    with pytest.raises(InputError, match="ids match"):
        EASE(2.0, catalog=other).fit(X)


def test_save_load_forget_without_the_catalogue(tmp_path: Path) -> None:
    cat, X = _world()
    m = EDLAE(1.0, 0.2, catalog=cat, side_fields={"genres": 1.0, "region": 0.5},
              side_weight=4.0, cold_start_items=True).fit(X)  # fmt: skip
    path = m.save(tmp_path / "side")
    back = filmreco.load(path)
    assert type(back) is EDLAE and back.catalog is None
    assert back.side_weight == 4.0 and back.side_fields == {"genres": 1.0, "region": 0.5}
    assert np.array_equal(back.weights_, m.weights_)
    assert (back.side_features_ != m.side_features_).nnz == 0
    assert back.side_feature_values_.tolist() == m.side_feature_values_.tolist()
    users = ["u1", "u2", "u3"]
    for a, b in zip(back.recommend(users, n=3), m.recommend(users, n=3)):
        assert np.array_equal(a, b)
    # forgetting a user solves again with the stored side rows: as a fresh fit without them
    m.forget_users(["u2"])
    back.forget_users(["u2"])
    fresh = EDLAE(1.0, 0.2, catalog=cat, side_fields={"genres": 1.0, "region": 0.5},
                  side_weight=4.0, cold_start_items=True).fit(X.subset_users(["u1", "u3", "u4", "u5"]))  # fmt: skip
    assert fresh.item_ids_.ids.tolist() == m.item_ids_.ids.tolist()
    assert np.allclose(back.weights_, m.weights_, atol=1e-6)
    assert np.allclose(m.weights_, fresh.weights_, atol=1e-5)


def test_a_file_from_before_the_option_loads_as_plain_ease(tmp_path: Path) -> None:
    from filmreco._persist import read_npz

    cat, X = _world()
    m = EASE(2.0).fit(X)
    path = m.save(tmp_path / "old")
    arrays, header = read_npz(path)
    params = header["meta"]["params"]
    for k in ("catalog", "side_fields", "side_weight", "cold_start_items"):
        del params[k]
    _write(tmp_path / "old2.npz", arrays, header)
    back = filmreco.load(tmp_path / "old2.npz")
    assert back.catalog is None and back.side_weight == 10.0 and back.side_features_ is None
    assert np.array_equal(back.weights_, m.weights_)
    # a file missing only some of them was edited: refused, naming them
    arrays, header = read_npz(path)
    del header["meta"]["params"]["side_weight"]
    _write(tmp_path / "old3.npz", arrays, header)
    with pytest.raises(FormatError, match="side_weight"):
        filmreco.load(tmp_path / "old3.npz")
    # side data that is not 0/1 is refused
    m2 = EASE(2.0, catalog=cat, side_weight=1.0).fit(X)
    arrays, header = read_npz(m2.save(tmp_path / "s"))
    arrays["state_side_data"] = arrays["state_side_data"] * 2
    _write(tmp_path / "s2.npz", arrays, header)
    with pytest.raises(FormatError, match="side_data"):
        filmreco.load(tmp_path / "s2.npz")


def _write(path: Path, arrays: dict[str, np.ndarray], header: dict[str, Any]) -> None:
    from tests.test_persist_edits import _write as write

    write(path, arrays, header)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_shuffle_catalogue_keeps_the_counts(seed: int) -> None:
    cat, _ = _world()
    sh = shuffle_catalog(cat, seed)
    assert sh.item_ids.ids.tolist() == cat.item_ids.ids.tolist()
    ids = cat.item_ids.ids
    S, f, v = side_matrix(cat, ids, ["genres", "region"])
    T, f2, v2 = side_matrix(sh, ids, ["genres", "region"])
    assert (f.tolist(), v.tolist()) == (f2.tolist(), v2.tolist())
    # every value keeps its number of films, and the films' feature counts are permuted
    assert np.array_equal(np.asarray(S.sum(axis=0)), np.asarray(T.sum(axis=0)))
    assert sorted(np.diff(S.indptr).tolist()) == sorted(np.diff(T.indptr).tolist())
    # each film's record is one film's record, whole
    recs = {tuple(sorted((k, str(x)) for k, x in r.items() if k != "id")) for r in cat.records()}
    for r in sh.records():
        assert tuple(sorted((k, str(x)) for k, x in r.items() if k != "id")) in recs


def _genre_pair_world(seed: int) -> tuple[Catalog, Interactions]:
    """600 films, each with a random pair of 10 genres; 400 users, each watching 3 films
    of one pair: too few views to link the films of a pair, which the genres link."""
    rng = np.random.default_rng(seed)
    pairs = list(itertools.combinations(range(10), 2))
    fp = rng.integers(len(pairs), size=600)
    cat = Catalog.from_records(
        [{"id": f"f{i}", "genres": [f"g{g}" for g in pairs[fp[i]]]} for i in range(fp.size)]
    )
    users, items = [], []
    for u in range(400):
        films = rng.choice(np.flatnonzero(fp == rng.integers(len(pairs))), 3, replace=False)
        users += [f"u{u}"] * 3
        items += [f"f{i}" for i in films]
    return cat, Interactions.from_arrays(users, items)


def test_tune_keeps_a_useful_catalogue_and_refuses_a_meaningless_one() -> None:
    cat, X = _genre_pair_world(0)
    grid = {"side_weight": [0.0, 0.3, 1.0, 3.0]}
    res = tune(EASE(10.0, catalog=cat), grid, X, n_splits=2, random_state=0)
    assert res.best_params["side_weight"] > 0
    best = next(r for r in res.results if r["params"] == res.best_params)
    assert best["gain_lower_bound"] > 0 and best["control_lower_bound"] > 0
    assert res.best_model.side_weight == best["params"]["side_weight"]
    assert res.best_model.catalog.field("genres") == cat.field("genres")  # the real one
    # the same genres dealt to the wrong films: refused, by the test against plain EASE
    placebo = shuffle_catalog(cat, 11)
    res = tune(EASE(10.0, catalog=placebo), grid, X, n_splits=2, random_state=0)
    assert res.best_params["side_weight"] == 0.0
    tested = [r for r in res.results if r["params"]["side_weight"] > 0]
    assert all("gain_lower_bound" in r and "control_lower_bound" in r for r in tested)
    assert all(r["gain_lower_bound"] <= 0 or r["control_lower_bound"] <= 0 for r in tested)
    # without the guard's null in the grid nothing is tested (plain grid search)
    res = tune(EASE(10.0, catalog=placebo), {"side_weight": [0.3, 1.0]}, X, random_state=0)
    assert all("gain_lower_bound" not in r for r in res.results)


def test_fit_on_a_sparse_matrix_uses_index_ids() -> None:
    cat = Catalog.from_records([{"id": i, "genres": [g]} for i, g in enumerate("xxyyz")])
    A = sp.csr_array(np.array([[1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [1, 0, 0, 0, 1.0]]))
    m = EASE(1.0, catalog=cat, side_weight=2.0).fit(A)
    assert m.side_features_.shape == (5, 3)
    assert m.side_feature_values_.tolist() == ["x", "y", "z"]
