"""Real files (issue 14): encodings, files without a header, comment lines, per-field
separators, bad cells with on_error, a year derived from a date column."""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from filmreco.data import Catalog, Interactions
from filmreco.data._encoding import encoding_advice, garbled
from filmreco.exceptions import DataWarning, FormatError, InputError

# Film-flavoured text in both scripts, written for these tests.
SIMPLIFIED = ["霸王别姬", "大话西游之大圣娶亲", "流浪地球", "我不是药神", "让子弹飞", "活着"]
TRADITIONAL = ["霸王別姬", "大話西遊之大聖娶親", "流浪地球", "我不是藥神", "讓子彈飛", "活著"]
GENRES = ["剧情", "喜剧", "动作", "爱情", "科幻", "动画", "悬疑"]
GENRES_TRAD = ["劇情", "喜劇", "動作", "愛情", "科幻", "動畫", "懸疑"]


def _catalog_text(titles: list[str]) -> str:
    g = GENRES_TRAD if titles is TRADITIONAL else GENRES
    lines = ["id,title,genres"]
    for i, t in enumerate(titles):
        lines.append(f"{i + 1},{t},{g[i % len(g)]}|{g[(i + 2) % len(g)]}")
    return "\n".join(lines) + "\n"


# --- encodings ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("titles", "codec"), [(SIMPLIFIED, "gb18030"), (SIMPLIFIED, "gbk"), (TRADITIONAL, "big5")]
)
def test_not_utf8_names_the_codec_and_the_argument(titles, codec) -> None:
    data = _catalog_text(titles).encode(codec)
    with pytest.raises(FormatError) as err:
        Catalog.from_csv(data)
    msg = str(err.value)
    assert "gb18030" in msg and "big5" in msg and "encoding=" in msg
    want = "big5" if codec == "big5" else "gb18030"
    assert f"pass encoding={want!r}" in msg
    # the advice works
    cat = Catalog.from_csv(data, encoding=want)
    assert cat.field("title") == titles


def test_not_utf8_header_and_interactions() -> None:
    data = "用户,电影,评分\n1,7,5\n".encode("gb18030")
    with pytest.raises(FormatError, match="header.*pass encoding='gb18030'"):
        Interactions.from_csv(data, "用户", "电影", "评分")
    X = Interactions.from_csv(data, "用户", "电影", "评分", encoding="gb18030")
    assert X.matrix.toarray().tolist() == [[5.0]]
    ids = "user,item\n张三,霸王别姬\n".encode("gb18030")
    with pytest.raises(FormatError, match="line 2.*encoding='gb18030'"):
        Interactions.from_csv(ids)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(SIMPLIFIED + GENRES), min_size=2, max_size=6),
    st.sampled_from(["gb18030", "big5"]),
)
def test_encoding_advice_ranks_the_right_codec_first(words, codec) -> None:
    text = "，".join(words) + "的电影"
    try:
        data = text.encode(codec)
    except UnicodeEncodeError:
        assume(False)
    got = encoding_advice(data)
    assert got and got[0] == codec, got
    # whatever is advised decodes the bytes
    for c in got:
        data.decode(c)


@pytest.mark.parametrize(
    ("header", "encoding"),
    [
        ("电影编号,片名", "latin-1"),  # UTF-8 bytes read as latin-1
        ("电影编号,片名", "gbk"),  # UTF-8 bytes read as GBK
        ("Ã©tÃ©,ç”µå½±", "utf-8"),  # the file itself holds mojibake
    ],
)
def test_garbled_header_is_detected(header, encoding) -> None:
    raw = header.encode("utf-8")
    if encoding == "utf-8":
        raw = "ç”µå½±,ç‰‡å\x90\x8d".encode()  # '电影,片名' decoded as latin-1 and saved
    data = raw + b"\n1,x\n"
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        pytest.skip("not decodable in that codec: the decode error path applies")
    with pytest.raises(FormatError, match="garbled"):
        Catalog.from_csv(data, id_field="x", encoding=encoding)


@pytest.mark.parametrize("text", ["Amélie,Léon", "片名,导演", "title,year", "Crème brûlée"])
def test_right_text_is_not_called_garbled(text) -> None:
    assert garbled(text, "utf-8") is None
    if all(ord(c) < 256 for c in text):
        assert garbled(text, "latin-1") is None


# --- files without a header, delimiters, comments -------------------------------------
_cell = st.text("abcxyz019电影", min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_cell, _cell, st.integers(1, 5)), min_size=1, max_size=12),
    st.sampled_from([",", "\t", ";", "::", "|", " ", None]),
    st.sampled_from(["", "#", "%#"]),
    st.booleans(),
)
def test_headerless_files_any_delimiter(rows, sep, comments, crlf) -> None:
    join = " " if sep is None else sep
    lines = [join.join([u, i, str(r)]) for u, i, r in rows]
    if comments:
        lines.insert(0, f"{comments[0]} user item rating")
        lines.insert(len(lines) // 2 + 1, f"  {comments[-1]} a comment in the middle")
    text = ("\r\n" if crlf else "\n").join(lines) + "\n"
    warnings.simplefilter("ignore", DataWarning)  # merged repeated pairs
    X = Interactions.from_csv(
        text.encode(),
        user=0,
        item=1,
        value=2,
        sep=sep,
        header=None,
        comments=comments,
        id_type=str,
        duplicates="last",
    )
    Y = Interactions.from_csv(
        text.encode(),
        "u",
        "i",
        "r",
        sep=sep,
        header=None,
        names=["u", "i", "r"],
        comments=comments,
        id_type=str,
        duplicates="last",
    )
    want: dict[tuple[str, str], float] = {}
    for u, i, r in rows:
        want[(u, i)] = float(r)
    u, i, v = X.to_arrays()
    assert dict(zip(zip(u.tolist(), i.tolist()), v.tolist())) == want
    assert (X.matrix != Y.matrix).nnz == 0


def test_header_none_messages_and_names_replace_header() -> None:
    data = b"1\t475\t4\n1\t295\t3\n"
    with pytest.raises(InputError, match="looks like data.*header=None"):
        Interactions.from_csv(data, sep="\t")
    with pytest.raises(InputError, match="names=.*user=0"):
        Interactions.from_csv(data, sep="\t", header=None)
    with pytest.raises(InputError, match="names has 2 entries.*3 fields"):
        Interactions.from_csv(data, sep="\t", header=None, names=["user", "item"])
    with pytest.raises(InputError, match="header must be 0"):
        Interactions.from_csv(data, sep="\t", header=1)
    with pytest.raises(InputError, match="user=7 is not a column position"):
        Interactions.from_csv(data, user=7, item=1, sep="\t", header=None)
    X = Interactions.from_csv(data, user=0, item=1, value=-1, sep="\t", header=None)
    assert X.matrix.toarray().tolist() == [[4.0, 3.0]]
    # names= with header=0 replaces the header line
    Y = Interactions.from_csv(b"a,b,c\n1,2,3\n", value="r", names=["user", "item", "r"])
    assert Y.matrix.toarray().tolist() == [[3.0]]
    # a 0-d array is not a list of names (found by the full fuzz corpus: it raised numpy's
    # bare "iteration over a 0-d array")
    for bad in (np.array("user"), np.array(3), "user", 3):
        with pytest.raises(TypeError, match="names must be a list of column names"):
            Interactions.from_csv(data, sep="\t", header=None, names=bad)
        with pytest.raises(TypeError, match="names must be a list of column names"):
            Catalog.from_csv(b"id,title\n1,a\n", names=bad)


def test_catalog_headerless_with_names_and_comments() -> None:
    data = "# dump of 2026\n1|霸王别姬|剧情,爱情\n2|活着|剧情\n".encode()
    cat = Catalog.from_csv(
        data,
        sep="|",
        header=None,
        names=["id", "title", "genres"],
        comments="#",
        list_sep={"genres": ","},
    )
    assert cat.field("genres") == [["剧情", "爱情"], ["剧情"]]
    pos = Catalog.from_csv(data, sep="|", header=None, id_field=0, comments="#")
    assert pos.item_ids.ids.tolist() == [1, 2] and pos.fields == ["1", "2"]


def test_quoted_csv_with_comment_lines() -> None:
    data = '# exported\nid,title\n1,"活着, 1994"\n# 2,"skipped"\n3,"霸王别姬"\n'.encode()
    cat = Catalog.from_csv(data, comments="#")
    assert cat.item_ids.ids.tolist() == [1, 3]


def test_iso_date_timestamps() -> None:
    data = b"1,7,5,2000-07-12\n2,7,4,2013-11-28 10:00:00\n3,8,3,\n"
    with pytest.warns(DataWarning, match="dropped 1 of 3"):
        X = Interactions.from_csv(data, 0, 1, 2, 3, header=None, on_nan="drop")
    want = np.array(["2000-07-12", "2013-11-28T10:00:00"], dtype="datetime64[s]")
    assert X.timestamps.tolist() == want.astype(np.int64).astype(float).tolist()


@settings(max_examples=60, deadline=None)
@given(
    st.datetimes(
        min_value=__import__("datetime").datetime(1971, 1, 1),
        max_value=__import__("datetime").datetime(2099, 12, 31),
    ),
    st.sampled_from(["{y}/{m}/{d} {H}:{M:02d}", "{y}/{m:02d}/{d:02d} {H:02d}:{M:02d}:{S:02d}",
                     "{y}.{m:02d}.{d:02d}", "{y}年{m}月{d}日", "{y}年{m}月{d}日 {H}:{M:02d}",
                     "{y}-{m}-{d}"]),
)  # fmt: skip
def test_year_first_dates_of_chinese_exports(when, form) -> None:
    text = form.format(y=when.year, m=when.month, d=when.day, H=when.hour, M=when.minute,
                       S=when.second)  # fmt: skip
    X = Interactions.from_csv(f"用户,电影,时间\nu,m,{text}\n".encode(), "用户", "电影",
                              timestamp="时间")  # fmt: skip
    has_clock = "{H" in form
    exact = when.replace(microsecond=0, second=when.second if "{S" in form else 0)
    if not has_clock:
        exact = exact.replace(hour=0, minute=0, second=0)
    want = np.datetime64(exact.isoformat(), "s").astype(np.int64)
    assert X.timestamps.tolist() == [float(want)]


@pytest.mark.parametrize("cell", ["5/1/2023", "2023/13/01", "2023年2月30日", "昨天"])
def test_ambiguous_or_impossible_dates_are_refused(cell) -> None:
    data = f"u,m,{cell}\n".encode()
    with pytest.raises(FormatError, match="is not a number or a date"):
        Interactions.from_csv(data, 0, 1, timestamp=2, header=None)


# --- per-field separators ---------------------------------------------------------------
_name = st.text("张王李赵周星驰巩俐葛优ab", min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(_name, min_size=0, max_size=4), st.lists(_name, min_size=0, max_size=3)),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([", ", " / ", ";", "|"]),
    st.sampled_from([", ", " / ", "、"]),
)
def test_per_field_separators_round_trip(rows, sep_a, sep_b) -> None:
    assume(sep_a != sep_b)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "actors", "languages"])
    for k, (actors, langs) in enumerate(rows):
        w.writerow([k, sep_a.join(actors), sep_b.join(langs)])
    cat = Catalog.from_csv(buf.getvalue().encode(), list_sep={"actors": sep_a, "languages": sep_b})
    assert cat.field("actors") == [a for a, _ in rows]
    assert cat.field("languages") == [b for _, b in rows]


def test_list_sep_dict_falls_back_and_is_checked() -> None:
    data = 'id,genres,actors\n1,剧情|爱情,"葛优, 巩俐"\n'.encode()
    cat = Catalog.from_csv(data, list_sep={"actors": ", "})
    assert cat[1]["genres"] == ["剧情", "爱情"] and cat[1]["actors"] == ["葛优", "巩俐"]
    with pytest.raises(InputError, match="list_sep must map field names"):
        Catalog.from_csv(data, list_sep={"actors": ""})
    records = [{"id": 1, "actors": "葛优 / 巩俐"}]
    assert Catalog.from_records(records, list_sep={"actors": " / "})[1]["actors"] == [
        "葛优",
        "巩俐",
    ]


# --- bad cells ----------------------------------------------------------------------------
def _douban_like(years: list[str]) -> bytes:
    lines = ["movie_id,title,year"] + [f"{100 + k},片{k},{y}" for k, y in enumerate(years)]
    return ("\n".join(lines) + "\n").encode()


def test_bad_year_names_line_and_id() -> None:
    data = _douban_like(["1994", "unkonwn", "2002"])
    with pytest.raises(InputError) as err:
        Catalog.from_csv(data, id_field="movie_id")
    msg = str(err.value)
    assert "line 3" in msg and "id 101" in msg and "'unkonwn'" in msg
    assert "on_error='coerce'" in msg and "on_error='drop'" in msg


_year = st.one_of(
    st.integers(1900, 2030).map(str),
    st.sampled_from(["unkonwn", "n/a", "19x4", "二〇〇二", "1994.5"]),
    st.just(""),
)


def _is_year(y: str) -> bool:
    return y == "" or y.isdigit()


@settings(max_examples=60, deadline=None)
@given(st.lists(_year, min_size=1, max_size=10))
def test_on_error_coerce_and_drop_count_what_they_did(years) -> None:
    data = _douban_like(years)
    n_bad = sum(not _is_year(y) for y in years)
    if n_bad:
        with pytest.raises(InputError, match=f"{n_bad} bad cell"):
            Catalog.from_csv(data, id_field="movie_id")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        co = Catalog.from_csv(data, id_field="movie_id", on_error="coerce")
        dr = Catalog.from_csv(data, id_field="movie_id", on_error="drop")
    assert len(w) == (2 if n_bad else 0)
    if n_bad:
        assert all(issubclass(x.category, DataWarning) for x in w)
        assert f"made {n_bad} bad cell(s) missing" in str(w[0].message)
        assert f"left out {n_bad} record(s)" in str(w[1].message)
    assert co.field("year") == [int(y) if y and _is_year(y) else None for y in years]
    kept = [k for k, y in enumerate(years) if _is_year(y)]
    assert dr.item_ids.ids.tolist() == [100 + k for k in kept]
    assert dr.field("year") == [int(years[k]) if years[k] else None for k in kept]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["4", "3.5", "x", "", "五"]), min_size=1, max_size=10))
def test_interactions_on_error(values) -> None:
    lines = [f"u{k},i{k},{v}" for k, v in enumerate(values)]
    data = ("\n".join(["user,item,rating", *lines]) + "\n").encode()
    bad = [k for k, v in enumerate(values) if v not in ("4", "3.5", "")]
    empty = [k for k, v in enumerate(values) if v == ""]
    if bad:
        with pytest.raises(FormatError, match=rf"line {bad[0] + 2}: rating .*user 'u{bad[0]}'"):
            Interactions.from_csv(data, value="rating", on_nan="drop")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        X = Interactions.from_csv(data, value="rating", on_error="drop", on_nan="drop")
    assert sorted(X.user_ids.ids.tolist()) == sorted(
        f"u{k}" for k in range(len(values)) if k not in bad and k not in empty
    )
    if bad:
        assert any(f"skipped {len(bad)} line(s)" in str(x.message) for x in w)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        Y = Interactions.from_csv(data, value="rating", on_error="coerce", on_nan="drop")
    assert Y.user_ids.ids.tolist() == X.user_ids.ids.tolist()
    if bad:
        assert any(f"made {len(bad)} value(s) NaN" in str(x.message) for x in w)


def test_bad_int_id_is_dropped_even_when_coercing() -> None:
    data = b"user,item\n1,2\nx,3\n"
    with pytest.raises(FormatError, match="line 3: user id 'x' is not an integer"):
        Interactions.from_csv(data, id_type=int)
    with pytest.warns(DataWarning, match="skipped 1 line"):
        X = Interactions.from_csv(data, id_type=int, on_error="coerce")
    assert X.user_ids.ids.tolist() == [1]


# --- derived year -------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1900, 2030),
            st.sampled_from(["{y}-07-05", "{y}", "{y}/09/10", "{y}-05-17(中国大陆)", "{y}年"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_year_from_date_column(rows) -> None:
    lines = ["id,release_date"] + [f"{k},{fmt.format(y=y)}" for k, (y, fmt) in enumerate(rows)]
    cat = Catalog.from_csv(("\n".join(lines) + "\n").encode(), year_from="release_date")
    assert cat.field("year") == [y for y, _ in rows]
    assert cat.field("release_date")[0] == rows[0][1].format(y=rows[0][0])


def test_year_from_frame_records_and_bad_dates() -> None:
    import pandas as pd

    df = pd.DataFrame({"id": [1, 2, 3], "date": pd.to_datetime(["1994-05-17", None, "2002-12-20"])})
    assert Catalog.from_frame(df, year_from="date").field("year") == [1994, None, 2002]
    recs = [{"id": 1, "date": "1994-05-17"}, {"id": 2, "date": "unknown"}]
    with pytest.raises(InputError, match=r"record 1 \(id 2\).*no year"):
        Catalog.from_records(recs, year_from="date")
    with pytest.warns(DataWarning, match="made 1 bad cell"):
        cat = Catalog.from_records(recs, year_from="date", on_error="coerce")
    assert cat.field("year") == [1994, None]
    with pytest.raises(InputError, match="year_from='when' is not a field"):
        Catalog.from_records(recs, year_from="when")
    with pytest.raises(InputError, match="already has a 'year' field"):
        Catalog.from_records([{"id": 1, "year": 1, "date": "2000"}], year_from="date")


def test_real_file_layouts(tmp_path: Path) -> None:
    """The layouts of the CiaoDVD, FilmTrust and Douban rating files, written here."""
    ciao = tmp_path / "movie-ratings.txt"
    ciao.write_text("1,1,1,1,5,2000-07-12\n2,1,1,2,4,2001-01-02\n")
    X = Interactions.from_csv(ciao, user=0, item=1, value=4, timestamp=5, header=None)
    assert X.shape == (2, 1) and X.timestamps is not None
    trust = tmp_path / "ratings_0.txt"
    trust.write_text("1050 215 3\n1050 250 2.5\n")
    Y = Interactions.from_csv(trust, 0, 1, 2, sep=None, header=None)
    assert Y.matrix.toarray().tolist() == [[3.0, 2.5]]
    douban = tmp_path / "douban_train.txt"
    douban.write_text("1\t475\t4\n1\t295\t3\n")
    Z = Interactions.from_csv(douban, "u", "i", "r", sep="\t", header=None, names=["u", "i", "r"])
    assert Z.nnz == 2


@pytest.mark.parametrize(
    ("kw", "advice"),
    [({"user_col": "用户"}, "did you mean user="), ({"duplicate": "max"}, "did you mean duplicates="),
     ({"values": [1]}, "did you mean value="), ({"zzz": 1}, "it accepts user, item")],
)  # fmt: skip
def test_unknown_keywords_are_named_before_the_file_is_read(kw, advice, tmp_path) -> None:
    missing = tmp_path / "no-such-file.csv"  # never opened: the keyword is checked first
    with pytest.raises(TypeError, match=advice):
        Interactions.from_csv(missing, **kw)
    pd = pytest.importorskip("pandas")
    with pytest.raises(TypeError, match=advice.replace("it accepts user, item", "it accepts")):
        Interactions.from_frame(pd.DataFrame({"user": [1], "item": [2]}), **kw)


def test_date_strings_as_timestamps_from_arrays_and_frames() -> None:
    want = np.array(["2023-01-05T14:03", "2023-01-06"], dtype="datetime64[s]").astype(float)
    for ts in (["2023/1/5 14:03", "2023年1月6日"], np.array(["2023-01-05 14:03", "2023-01-06"]),
               [b"2023-01-05T14:03", b"2023-01-06"]):  # fmt: skip
        X = Interactions.from_arrays(["u", "v"], ["a", "b"], timestamps=ts)
        assert X.timestamps.tolist() == want.tolist()
    with pytest.warns(DataWarning, match="dropped 1 of 2"):
        X = Interactions.from_arrays(["u", "v"], ["a", "b"], timestamps=["2023/1/5", None],
                                     on_nan="drop")  # fmt: skip
    assert X.nnz == 1
    with pytest.raises(InputError, match=r"timestamps\[1\] = '5/1/2023' is neither"):
        Interactions.from_arrays(["u", "v"], ["a", "b"], timestamps=["2023/1/5", "5/1/2023"])
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"user": ["u", "v"], "item": ["a", "b"], "t": ["2023/1/5 14:03", "2023/1/6"],
                       "stars": ["4", "很好"]})  # fmt: skip
    assert Interactions.from_frame(df, timestamp="t").timestamps.tolist() == want.tolist()
    with pytest.raises(InputError, match="column 'stars' .asked for by value=. is not numeric"):
        Interactions.from_frame(df, value="stars")


def test_damaged_zip_is_a_format_error(tmp_path: Path) -> None:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "ratings.csv",
            "user,item,rating\n" + "".join(f"u{i},f{i % 7},{i % 5 + 1}\n" for i in range(400)),
        )
    good = buf.getvalue()
    p = tmp_path / "ratings.zip"
    p.write_bytes(good)
    assert Interactions.from_csv(p, value="rating").nnz == 400
    damaged = bytearray(good)
    damaged[60] ^= 0xFF  # inside the member's compressed bytes: the CRC (or inflate) fails
    for raw in (bytes(damaged), good[: len(good) // 2]):  # damaged; cut short
        p.write_bytes(raw)
        with pytest.raises(FormatError, match="zip archive that could not be read"):
            Interactions.from_csv(p, value="rating")
        with pytest.raises(FormatError, match="zip archive that could not be read"):
            Catalog.from_csv(p)
