"""Entry-point checks added for the fuzz suite's findings (issue 18), one test per class of input.

Each bad value must end in filmreco's own error or a TypeError naming the argument; the
valid values next to it keep working.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from filmreco.data import EdgeList, Interactions
from filmreco.datasets import load_edgelist, load_movielens
from filmreco.exceptions import InputError, NotSupportedError, UnknownIdError
from filmreco.recommend import EASE, Popularity, tune
from filmreco.sparse import IdMap


@pytest.fixture(scope="module")
def inter() -> Interactions:
    users = np.repeat(np.arange(8), 3)
    items = np.concatenate([np.arange(i, i + 3) % 6 for i in range(8)])
    return Interactions.from_arrays(users, items)


# paths: one check for every save and load ------------------------------------------
@pytest.mark.parametrize("bad", [None, 3, 1.5, b"model.npz", ["a"]])
def test_save_and_load_refuse_non_paths_naming_path(inter: Interactions, bad: object) -> None:
    with pytest.raises(TypeError, match="path must be a file name"):
        inter.save(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path must be a file name"):
        Interactions.load(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path must be a file name"):
        load_movielens(bad)


@pytest.mark.parametrize("bad", ["", "a\0b", "\ud800.npz"])
def test_save_and_load_refuse_impossible_file_names(inter: Interactions, bad: str) -> None:
    with pytest.raises(InputError, match="path"):
        inter.save(bad)
    with pytest.raises(InputError, match="path"):
        Interactions.load(bad)


def test_a_file_name_too_long_is_an_input_error(inter: Interactions, tmp_path: Path) -> None:
    long = tmp_path / ("星" * 200)
    with pytest.raises(InputError, match="too long"):
        inter.save(long)
    with pytest.raises(InputError, match="too long"):
        Interactions.load(long)


def test_path_like_and_str_paths_still_round_trip(inter: Interactions, tmp_path: Path) -> None:
    written = inter.save(tmp_path / "x")
    assert written.name == "x.npz"
    back = Interactions.load(os.fspath(tmp_path / "x"))
    assert (back.matrix != inter.matrix).nnz == 0


# flags ------------------------------------------------------------------------------
def test_filter_seen_must_be_a_bool(inter: Interactions) -> None:
    model = Popularity().fit(inter)
    for call in (
        lambda v: model.recommend([0], filter_seen=v),
        lambda v: model.recommend_users([0], filter_seen=v),
        lambda v: model.score([0], [1], filter_seen=v),
    ):
        with pytest.raises(InputError, match="filter_seen must be True or False"):
            call(np.array([]))
        call(np.bool_(False))  # numpy's bools are fine


def test_edge_list_flags_must_be_bools() -> None:
    with pytest.raises(InputError, match="directed"):
        EdgeList.from_arrays([1], [2], directed=np.array([]))
    with pytest.raises(InputError, match="sort_ids"):
        EdgeList.from_arrays([1], [2], sort_ids="yes")
    with pytest.raises(InputError, match="directed"):
        EdgeList([0], [1], node_ids=IdMap([1, 2]), directed=None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="weighted"):
        load_edgelist(b"1 2\n", weighted=np.array([]))
    with pytest.raises(TypeError, match="comments"):
        load_edgelist(b"1 2\n", comments=np.array([]))  # type: ignore[arg-type]


def test_deprecated_node_map_is_checked_under_its_own_name() -> None:
    with pytest.raises(TypeError, match="node_map must be an IdMap"):
        EdgeList.from_arrays([1], [2], node_map=float("nan"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="node_map must be an IdMap"):
        load_edgelist(b"1 2\n", node_map=float("nan"))  # type: ignore[arg-type]
    with pytest.warns(FutureWarning, match="node_map"):
        E = load_edgelist(b"1 2\n", node_map=IdMap([1, 2, 3]))
    assert E.n_nodes == 3


# data: aligned arrays, positions, columns, dtype ------------------------------------
def test_ratings_and_timestamps_refuse_complex_values(inter: Interactions) -> None:
    X = inter.matrix
    for name in ("ratings", "timestamps"):
        with pytest.raises(TypeError, match=name):
            Interactions(X, **{name: np.full(X.nnz, 1 + 2j)})
        with pytest.raises(InputError, match=name):
            Interactions(X, **{name: [[1.0, 2.0], [3.0]]})


def test_take_refuses_ragged_positions(inter: Interactions) -> None:
    with pytest.raises(InputError, match="nested lists"):
        inter.take_users([[1, 2], [3]])
    with pytest.raises(InputError, match="nested lists"):
        inter.take_items([[1, 2], [3]])


def test_column_names_are_checked() -> None:
    data = b"u,i,r\n1,5,4\n2,6,3\n"
    with pytest.raises(TypeError, match="user must be a column name"):
        Interactions.from_csv(data, user=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="timestamp must be a column name"):
        Interactions.from_csv(data, "u", "i", timestamp=np.array([]))  # type: ignore[arg-type]
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"u": [1, 2], "i": [5, 6], 0: [4.0, 3.0]})
    with pytest.raises(TypeError, match="item must be a column name"):
        Interactions.from_frame(df, "u", np.array([]))
    X = Interactions.from_frame(df, "u", "i", value=0)  # an int label is a column name
    assert X.matrix.sum() == 7.0


def test_with_matrix_checks_dtype(inter: Interactions) -> None:
    with pytest.raises(TypeError, match="dtype"):
        inter.with_matrix(inter.matrix, dtype=np.array([]))
    assert inter.with_matrix(inter.matrix, dtype=np.float64).matrix.dtype == np.float64


# recommender contract -----------------------------------------------------------------
def test_explain_checks_ids_before_saying_it_cannot_explain(inter: Interactions) -> None:
    model = Popularity().fit(inter)
    with pytest.raises(InputError, match="user_id"):
        model.explain(None, 0)
    with pytest.raises(UnknownIdError):
        model.explain(0, 99)
    with pytest.raises(NotSupportedError, match="cannot explain"):
        model.explain(0, 0)
    assert issubclass(NotSupportedError, NotImplementedError)  # old except clauses still work


def test_tune_checks_grid_and_split(inter: Interactions) -> None:
    with pytest.raises(TypeError, match="grid must be a dict"):
        tune(EASE, np.array(3), inter)
    with pytest.raises(TypeError, match="grid keys"):
        tune(EASE, {1: [2]}, inter)
    with pytest.raises(InputError, match="not a parameter of EASE"):
        tune(EASE, {"zz": [1]}, inter)
    with pytest.raises(TypeError, match="split must be callable"):
        tune(EASE, {"regularization": [1.0]}, inter, split=float("nan"))


def test_load_movielens_name_too_long_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="too long"):
        load_movielens(tmp_path / ("星" * 200))


def test_tune_checks_what_split_returns(inter: Interactions) -> None:
    with pytest.raises(TypeError, match="split must return a"):
        tune(EASE, {"regularization": [1.0]}, inter, split=lambda X: None)


def test_wrong_types_are_filmreco_errors_and_type_errors() -> None:
    """Every TypeError filmreco raises on purpose is an InputTypeError (issue 18)."""
    import pathlib
    import re

    import filmreco
    from filmreco.exceptions import FilmrecoError, InputTypeError

    root = pathlib.Path(filmreco.__file__).parent
    bare = [
        f"{p.relative_to(root)}:{i}"
        for p in root.rglob("*.py")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"raise TypeError\(", line)
    ]
    assert bare == [], f"raise InputTypeError instead: {bare}"
    with pytest.raises(InputTypeError, match="path") as e:
        filmreco.load(None)
    assert isinstance(e.value, FilmrecoError) and isinstance(e.value, TypeError)
