"""A UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped by the delimited readers (issue 14)."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.data import Catalog, Interactions
from filmreco.data._text import split_table

BOM = codecs.BOM_UTF8


def test_interactions_from_csv_with_bom(tmp_path: Path) -> None:
    text = "movie_id,user,rating\n1,ann,5\n2,bob,3\n"
    plain, marked = tmp_path / "plain.csv", tmp_path / "bom.csv"
    plain.write_text(text, encoding="utf-8")
    marked.write_bytes(BOM + text.encode("utf-8"))
    a = Interactions.from_csv(plain, "user", "movie_id", "rating")
    b = Interactions.from_csv(marked, "user", "movie_id", "rating")
    assert b.item_ids.ids.tolist() == a.item_ids.ids.tolist() == [1, 2]
    assert (a.matrix != b.matrix).nnz == 0


def test_catalog_from_csv_with_bom_and_quotes(tmp_path: Path) -> None:
    text = 'movie_id,title,genres\n1,"霸王别姬",剧情|爱情\n2,"活着, 1994",剧情\n'
    path = tmp_path / "douban.csv"
    path.write_bytes(BOM + text.encode("utf-8"))
    cat = Catalog.from_csv(path, id_field="movie_id", list_fields=["genres"])
    assert cat.item_ids.ids.tolist() == [1, 2]
    assert list(cat.field("title")) == ["霸王别姬", "活着, 1994"]
    assert next(iter(cat.field("genres"))) == ["剧情", "爱情"]


def test_bom_kept_for_other_encodings() -> None:
    # in latin-1 the same bytes are three characters, not a byte-order mark: kept as data
    t = split_table(BOM + b"a,b\n1,2\n", source="x", delimiter=";", encoding="latin-1")
    assert t.fields[0, 0].startswith(BOM)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.lists(st.text("abc123中文 ", min_size=1, max_size=6).map(str.strip).filter(bool),
                 min_size=2, max_size=2),
        min_size=1, max_size=6,
    ),
    st.sampled_from([",", "\t", None]),
)  # fmt: skip
def test_split_table_with_and_without_bom_agree(rows: list[list[str]], sep: str | None) -> None:
    if sep is None:
        rows = [[c.replace(" ", "") or "x" for c in r] for r in rows]
    s = "\n".join((sep or " ").join(r) for r in rows) + "\n"
    a = split_table(s.encode(), source="x", delimiter=sep)
    b = split_table(BOM + s.encode(), source="x", delimiter=sep)
    assert np.array_equal(a.fields, b.fields) and np.array_equal(a.lines, b.lines)
