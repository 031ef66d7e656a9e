"""The catalogue row of ``benchmarks/bench_recommend.py`` (session 10, issue 17).

``load_catalog`` reads the films' metadata shipped next to the ratings (ml-100k's
``items.csv``) and ``CatalogueStack`` fits a model built from the catalogue restricted to
the films of the data it is fitted on, so that the catalogue row ranks the same candidate
films as the anchors. These tests pin the reading (genres split on ``|``, unreadable years
made missing, no file: None) and the restriction (a film only the catalogue knows is never
a candidate, while the genres still move the ranking).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from filmreco.data import Catalog, Interactions
from filmreco.exceptions import DataWarning
from filmreco.recommend import ContentBased

ITEMS = """item,title,year,genres
1,Paper Boats,1995,Animation|Children's|Comedy
2,Night Harbour,1995,Action|Thriller
3,Red Signal,unknown,Action|Crime
4,Small Farm,1995,Children's|Comedy
5,Glass River,1996,Action|Thriller
"""


def test_load_catalog(bench: Any, tmp_path: Path) -> None:
    (tmp_path / "set").mkdir()
    assert bench.load_catalog(tmp_path, "set") is None  # ratings only, no items.csv
    (tmp_path / "set" / "items.csv").write_text(ITEMS, encoding="utf-8")
    with pytest.warns(DataWarning, match="year"):  # "unknown" made missing, not an error
        cat = bench.load_catalog(tmp_path, "set")
    assert cat.item_ids.ids.tolist() == [1, 2, 3, 4, 5]
    assert cat.field("genres")[0] == ["Animation", "Children's", "Comedy"]
    assert cat.field("genres")[2] == ["Action", "Crime"]
    assert cat.field("year") == [1995, 1995, None, 1995, 1996]


def test_stack_ranks_the_fitted_films_only(bench: Any, tmp_path: Path) -> None:
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "items.csv").write_text(ITEMS, encoding="utf-8")
    with pytest.warns(DataWarning):
        cat = bench.load_catalog(tmp_path, "set")
    # user 2 watched film 2 (action, thriller); film 5 (action, thriller) is in the
    # catalogue only: an unrestricted ContentBased recommends it first
    X = Interactions.from_arrays([0, 0, 1, 1, 2], [2, 3, 1, 4, 2])
    free = ContentBased(cat, fields=["genres"]).fit(X)
    assert free.recommend([2], n=1)[0].tolist() == [[5]]
    made: list[Catalog] = []

    def make(c: Catalog) -> ContentBased:
        made.append(c)
        return ContentBased(c, fields=["genres"])

    fitted = bench.CatalogueStack(make, cat).fit(X)
    assert isinstance(fitted, bench.Filmreco)
    assert made[0].item_ids.ids.tolist() == X.item_ids.ids.tolist()  # X's films only
    assert fitted.model.item_ids_.ids.tolist() == X.item_ids.ids.tolist()
    # among X's films, the genres put film 3 (action) first for user 2, before 1 and 4
    row = X.user_ids.index([2])
    ranked = fitted.rank(row, 3)[0]
    assert ranked.tolist()[0] == X.item_ids.index([3])[0]
    assert set(ranked.tolist()) == set(X.item_ids.index([1, 3, 4]).tolist())


@pytest.fixture
def small(bench: Any, tmp_path: Path) -> tuple[Any, Interactions]:
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "items.csv").write_text(ITEMS, encoding="utf-8")
    with pytest.warns(DataWarning):
        cat = bench.load_catalog(tmp_path, "set")
    users = [0, 0, 1, 1, 2, 2, 3, 3, 3]
    items = [1, 2, 2, 3, 1, 4, 4, 9, 3]  # film 9 is not in the catalogue
    return cat, Interactions.from_arrays(users, items)


def test_genre_matrix(bench: Any, small: tuple[Any, Interactions]) -> None:
    cat, _ = small
    G = bench.genre_matrix(cat, np.array([4, 9, 2]))
    # columns: the genres of these films, sorted (Action, Children's, Comedy, Thriller)
    assert G.toarray().tolist() == [[0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 0, 1]]


def test_genre_rows_for_the_anchors(bench: Any, small: tuple[Any, Interactions]) -> None:
    cat, X = small
    fitted = bench.GenreRows(bench.NumpyEASE(1.0), cat, 2.0).fit(X)
    # the anchor saw the genres as extra users with value 2 on their films
    G = bench.genre_matrix(cat, X.item_ids.ids).toarray()
    S = fitted.fitted.X.toarray()
    assert S.shape == (X.matrix.shape[0] + G.shape[1], X.matrix.shape[1])
    assert np.array_equal(S[X.matrix.shape[0] :], 2.0 * G.T)
    ref = bench.NumpyEASE(1.0).fit(sp.csr_array(S))
    assert np.allclose(fitted.fitted.B, ref.B)
    # ranks and scores cover the real users only, seen films filtered
    assert bench.anchor_scores(fitted, X.matrix).shape == X.matrix.shape
    top = fitted.rank(np.arange(X.matrix.shape[0]), 1)[:, 0]
    assert not X.matrix.toarray()[np.arange(top.size), top].any()
    # value 0 adds empty rows: the plain anchor
    plain = bench.NumpyEASE(1.0).fit(X.matrix)
    assert np.allclose(bench.GenreRows(bench.NumpyEASE(1.0), cat, 0.0).fit(X).fitted.B, plain.B)
