"""Searches real users type (issue 14): sequel numbers, initials of the start of a title,
requests typed as sentences with a numeric prior, Latin queries with no match, filters that
meet numbers and numeric strings, and the repr of a fitted index."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.exceptions import InputError
from filmreco.search import SearchIndex
from filmreco.search._intent import prior_values, scaled_prior
from filmreco.search.analyze import chinese_number, normalize, sequel_marks

FILMS = [
    {"id": 1, "title": "流浪地球", "genres": ["科幻"], "region": ["中国大陆"], "year": 2019,
     "people": ["郭帆", "吴京"], "score": 7.9},
    {"id": 2, "title": "流浪地球2", "genres": ["科幻"], "region": ["中国大陆"], "year": 2023,
     "people": ["郭帆", "吴京"], "score": "8.3"},
    {"id": 3, "title": "捉妖记", "genres": ["奇幻", "喜剧"], "region": ["中国大陆", "中国香港"],
     "year": 2015, "people": ["许诚毅"], "score": 6.8},
    {"id": 4, "title": "捉妖记2", "genres": ["奇幻", "喜剧"], "region": ["中国大陆", "中国香港"],
     "year": 2018, "people": ["许诚毅"], "score": 5.0},
    {"id": 5, "title": "功夫熊猫", "genres": ["动画", "喜剧"], "region": ["美国"], "year": 2008,
     "people": ["杰克·布莱克"], "score": 8.2},
    {"id": 6, "title": "功夫熊猫2", "genres": ["动画", "喜剧"], "region": ["美国"], "year": 2011,
     "people": ["杰克·布莱克"], "score": 7.7},
    {"id": 7, "title": "功夫熊猫3", "genres": ["动画", "喜剧"], "region": ["美国"], "year": 2016,
     "people": ["杰克·布莱克"], "score": 7.7},
    {"id": 8, "title": "大话西游之大圣娶亲", "genres": ["喜剧", "爱情", "奇幻"],
     "region": ["中国香港"], "year": 1995, "people": ["刘镇伟", "周星驰"], "score": 9.2},
    {"id": 9, "title": "大话西游之月光宝盒", "genres": ["喜剧", "奇幻"], "region": ["中国香港"],
     "year": 1995, "people": ["刘镇伟", "周星驰"], "score": 9.0},
    {"id": 10, "title": "喜剧之王", "genres": ["剧情", "喜剧", "爱情"], "region": ["中国香港"],
     "year": 1999, "people": ["周星驰", "李力持"], "score": 8.8},
    {"id": 11, "title": "功夫", "genres": ["喜剧", "动作"], "region": ["中国香港"], "year": 2004,
     "people": ["周星驰"], "score": 8.9},
    {"id": 12, "title": "一九四二", "genres": ["剧情", "历史"], "region": ["中国大陆"],
     "year": 2012, "people": ["冯小刚"], "score": 7.6},
    {"id": 13, "title": "狗十三", "genres": ["剧情", "家庭"], "region": ["中国大陆"],
     "year": 2018, "people": ["曹保平"], "score": 8.2},
    {"id": 14, "title": "无间道", "genres": ["剧情", "犯罪", "悬疑"], "region": ["中国香港"],
     "year": 2002, "people": ["刘伟强", "刘德华"], "score": 9.3},
    {"id": 15, "title": "暗战", "genres": ["动作", "犯罪", "悬疑"], "region": ["中国香港"],
     "year": 1999, "people": ["杜琪峰", "刘德华"], "score": 8.2},
    {"id": 16, "title": "心迷宫", "genres": ["剧情", "犯罪", "悬疑"], "region": ["中国大陆"],
     "year": 2014, "people": ["忻钰坤"], "score": 8.7},
    {"id": 17, "title": "记忆大师", "genres": ["悬疑", "科幻"], "region": ["中国大陆"],
     "year": 2017, "people": ["陈正道"], "score": None},
    {"id": 18, "title": "千与千寻", "genres": ["动画", "奇幻"], "region": ["日本"], "year": 2001,
     "people": ["宫崎骏"], "score": 9.4,
     "description": "Barry met a witch called Larry in the bathhouse of spirits."},
    {"id": 19, "title": "追龙Ⅱ", "genres": ["动作", "犯罪"], "region": ["中国香港"], "year": 2019,
     "people": ["王晶", "梁家辉"], "score": 6.0},
    {"id": 20, "title": "追龙", "genres": ["动作", "犯罪"], "region": ["中国香港"], "year": 2017,
     "people": ["王晶", "刘德华"], "score": 7.4},
]  # fmt: skip
BY_ID = {f["id"]: f for f in FILMS}


@pytest.fixture(scope="module")
def index():
    return SearchIndex(prior_field="score").fit(FILMS)


def top(index, query, n=10, **kw):
    return index.search(query, n, **kw).ids.tolist()


# ------------------------------------------------------------------ sequels
@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("流浪地球二", 2),
        ("流浪地球Ⅱ", 2),
        ("流浪地球 2", 2),
        ("流浪地球2", 2),
        ("流浪地球第二部", 2),
        ("流浪地球 II", 2),
        ("流浪地球续集", 2),
        ("捉妖记二", 4),
        ("功夫熊猫 III", 7),
        ("功夫熊猫三", 7),
        ("功夫熊猫第3部", 7),
        ("功夫熊猫Ⅱ", 6),
        ("追龙2", 19),  # the record writes Ⅱ
        ("追龙 二", 19),
    ],
)
def test_sequel_in_any_form_ranks_first(index, query, want):
    got = top(index, query)
    assert got[0] == want, (query, [BY_ID[i]["title"] for i in got])


def test_titles_made_of_numerals_are_not_sequels(index):
    assert top(index, "一九四二")[0] == 12
    assert top(index, "狗十三")[0] == 13
    assert top(index, "流浪地球")[0] == 1  # no number: the first film first


@given(st.integers(1, 99))
def test_chinese_number_reads_what_it_writes(k):
    digits = "零一二三四五六七八九"
    tens, ones = divmod(k, 10)
    text = (
        ("" if tens < 2 else digits[tens]) + ("十" if tens else "") + (digits[ones] if ones else "")
    )
    assert chinese_number(text) == k


@given(
    st.sampled_from(["流浪地球", "捉妖记", "速度与激情", "星海漫游"]),
    st.integers(2, 9),
    st.sampled_from(["{s}{n}", "{s} {n}", "{s}{cn}", "{s}第{cn}部", "{s}第{n}集", "{s}{roman}",
                     "{s} {ROMAN}", "{s}之{cn}"]),
)  # fmt: skip
def test_sequel_marks_find_the_number_in_every_form(stem, n, form):
    roman = {2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "Ⅵ", 7: "Ⅶ", 8: "Ⅷ", 9: "Ⅸ"}[n]
    ascii_roman = {2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII", 8: "VIII", 9: "IX"}[n]
    text = normalize(
        form.format(s=stem, n=n, cn="零一二三四五六七八九"[n], roman=roman, ROMAN=ascii_roman)
    )
    known = {stem}.__contains__
    marks = sequel_marks(text, known)
    if n == 5 and form.lower().endswith("{roman}"):
        return  # a lone "v" is too ambiguous to be read as a numeral
    assert [m[2] for m in marks] == [n], (text, marks)
    a, b, _ = marks[0]
    assert normalize(stem) in text[:a] + text[b:]


def test_sequel_marks_leave_years_and_counts_alone():
    for title in ["花田喜事2010", "失恋33天", "重返20岁", "1917", "银翼杀手2049", "秒速5厘米"]:
        assert sequel_marks(normalize(title)) == [], title


# ------------------------------------------------------------------ initials of the start
def test_initials_of_the_start_of_a_long_title(index):
    got = top(index, "dhxy")
    assert sorted(got[:2]) == [8, 9] and len(got) == 2
    assert top(index, "dhxyzdsqq")[0] == 8  # the whole title's initials still work
    assert top(index, "gfxm")[:1] == [5]  # a whole title's initials rank above its sequels'


# ------------------------------------------------------------------ requests
def _reference(films, keep, n=10):
    """The request's answer by hand: the films passing `keep`, best score first (missing
    scores count as the mean), then by position."""
    scores = [float(f["score"]) for f in films if f["score"] is not None]
    mean = sum(scores) / len(scores)
    rows = [(i, f) for i, f in enumerate(films) if keep(f)]
    rows.sort(key=lambda r: (-(mean if r[1]["score"] is None else float(r[1]["score"])), r[0]))
    return [f["id"] for _, f in rows[:n]]


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("有没有好看的悬疑片", lambda f: "悬疑" in f["genres"]),
        ("九十年代的港片", lambda f: "中国香港" in f["region"] and 1990 <= f["year"] <= 1999),
        ("90年代香港电影", lambda f: "中国香港" in f["region"] and 1990 <= f["year"] <= 1999),
        ("周星驰的喜剧", lambda f: "周星驰" in f["people"] and "喜剧" in f["genres"]),
        ("评分高的动画电影", lambda f: "动画" in f["genres"]),
        ("刘德华 犯罪", lambda f: "刘德华" in f["people"] and "犯罪" in f["genres"]),
        ("2019年的电影", lambda f: f["year"] == 2019),
        ("国产科幻片", lambda f: "中国大陆" in f["region"] and "科幻" in f["genres"]),
        ("好看的电影", lambda f: True),
        ("推荐几部烧脑的片子", lambda f: "悬疑" in f["genres"]),  # a genre's other name
    ],
)
def test_requests_give_the_matching_films_best_prior_first(index, query, keep):
    want = _reference(FILMS, keep)
    assert top(index, query) == want


def test_missing_prior_counts_as_average(index):
    # 记忆大师 has no score: it sits where the mean (about 7.9) puts it among 悬疑 films
    got = top(index, "悬疑片")
    assert got.index(17) == 3 and got[:3] == [14, 16, 15]


def test_titles_and_other_words_are_searched_as_text(index):
    assert top(index, "喜剧之王")[0] == 10  # a genre word inside a title
    assert top(index, "功夫")[0] == 11  # a title that is also a genre's other name
    # not a request ("地球" is no intent): the text hits, the prior only re-orders them
    text = SearchIndex().fit(FILMS)
    assert sorted(top(index, "吴京 地球")) == sorted(top(text, "吴京 地球")) == [1, 2]


def test_requests_can_be_switched_off():
    plain = SearchIndex(prior_field="score", intents=False).fit(FILMS)
    assert top(plain, "好看的电影") == []  # no film holds these words
    assert len(top(SearchIndex(prior_field="score").fit(FILMS), "好看的电影")) == 10


def test_requests_respect_filters_and_n(index):
    assert top(index, "悬疑片", filters={"year": (2000, None)}) == [14, 16, 17]
    assert top(index, "悬疑片", 2) == [14, 16]


def test_request_without_a_prior_orders_by_text():
    idx = SearchIndex().fit(FILMS)
    got = top(idx, "周星驰的喜剧")
    assert sorted(got) == [8, 9, 10, 11]


def test_request_matching_nothing_falls_back_to_text(index):
    # 宫崎骏 made no 犯罪 film: the query is searched as text rather than answered with nothing
    assert top(index, "宫崎骏 犯罪") != []


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_search_many_answers_requests_and_prior_as_search(index, monkeypatch, n_jobs):
    from filmreco.search import index as module

    monkeypatch.setattr(module, "_PIPE_BATCH", 1)  # with n_jobs=2: one query per block
    queries = [
        "有没有好看的悬疑片",
        "流浪地球二",
        "dhxy",
        "九十年代的港片",
        "吴京",
        "",
        "Harry Potter",
    ]
    many = index.search_many(queries, 5, n_jobs=n_jobs)
    for q, h in zip(queries, many):
        one = index.search(q, 5)
        assert h.ids.tolist() == one.ids.tolist(), q
        np.testing.assert_allclose(h.scores, one.scores, rtol=1e-6)


# ------------------------------------------------------------------ prior
def test_prior_values_coerce_and_name_the_bad_record():
    got = prior_values(
        [{"id": "a", "s": 1}, {"id": "b", "s": " 2.5 "}, {"id": "c", "s": ""}, {"id": "d"}],
        "s",
        "id",
    )
    assert got[:2].tolist() == [1.0, 2.5] and np.isnan(got[2:]).all()
    for bad in ["unknown", [1], True, {"x": 1}]:
        with pytest.raises(InputError, match=r"prior_field='s'.*record 'b'"):
            prior_values([{"id": "a", "s": 1}, {"id": "b", "s": bad}], "s", "id")


@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=1, max_size=30))
def test_scaled_prior_is_in_unit_range_and_keeps_order(values):
    raw = np.array([np.nan if v is None else v for v in values])
    z = scaled_prior(raw)
    assert np.all((z >= 0) & (z <= 1))
    known = ~np.isnan(raw)
    order = np.argsort(raw[known], kind="stable")
    assert np.all(np.diff(z[known][order]) >= -1e-12)


def test_bad_prior_raises_at_fit_add_and_update():
    with pytest.raises(InputError, match=r"prior_field='score'.*record 3"):
        SearchIndex(prior_field="score").fit([*FILMS[:2], {"id": 3, "title": "x", "score": "高"}])
    idx = SearchIndex(prior_field="score").fit(FILMS[:2])
    with pytest.raises(InputError, match="record 99"):
        idx.add([{"id": 99, "title": "y", "score": "n/a"}])
    with pytest.raises(InputError, match="record 1"):
        idx.update([{"id": 1, "title": "y", "score": [1]}])
    assert len(idx) == 2
    with pytest.raises(InputError, match="prior_field='scor' is in no record"):
        SearchIndex(prior_field="scor").fit(FILMS)
    with pytest.raises(TypeError, match="prior_field"):
        SearchIndex(prior_field=3).fit(FILMS)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="prior_weight"):
        SearchIndex(prior_weight=-1).fit(FILMS)


def test_prior_breaks_near_ties_and_weight_zero_leaves_text_ranking():
    films = [
        {"id": "a", "title": "海上钢琴师", "score": 6.0},
        {"id": "b", "title": "海上花", "score": 9.0},
    ]
    with_prior = SearchIndex(prior_field="score").fit(films)
    without = SearchIndex(prior_field="score", prior_weight=0.0).fit(films)
    text = SearchIndex().fit(films)
    assert top(without, "海上") == top(text, "海上")
    hits, base = with_prior.search("海上"), text.search("海上")
    for i, s in zip(hits.ids.tolist(), hits.scores.tolist()):
        k = base.ids.tolist().index(i)
        bonus = 1.0 if i == "b" else 0.0  # min-max scaled: 6 -> 0, 9 -> 1
        assert s == pytest.approx(float(base.scores[k]) * (1 + 0.1 * bonus), rel=1e-5)


def test_prior_survives_save_and_load(index, tmp_path):
    path = tmp_path / "films.npz"
    index.save(path)
    loaded = SearchIndex.load(path)
    assert loaded.prior_field == "score" and loaded.intents is True
    for q in ["有没有好看的悬疑片", "吴京 地球", "dhxy", "捉妖记二"]:
        assert top(loaded, q) == top(index, q)


# ------------------------------------------------------------------ out of the catalogue
def test_latin_query_with_no_real_match_returns_nothing(index):
    # "barry" and "larry" are in a plot (a typo away from "harry"), but in no name
    assert top(index, "Harry Potter") == []
    assert top(index, "hary poter") == []
    latin = SearchIndex().fit([{"id": 1, "title": "Fog City", "description": "a ghost town"}])
    assert top(latin, "fog ctiy") == [1]  # a typo of a name is still corrected


# ------------------------------------------------------------------ filters meet types
def test_filters_coerce_numbers_and_numeric_strings():
    films = [
        {"id": 1, "title": "甲", "year": 1993, "y": "1993"},
        {"id": 2, "title": "乙", "year": 2019, "y": "2019"},
    ]
    idx = SearchIndex(fields={"title": 1}).fit(films)
    assert top(idx, "甲 乙", filters={"year": "1993"}) == [1]
    assert top(idx, "甲 乙", filters={"y": 2019}) == [2]
    assert top(idx, "甲 乙", filters={"y": (1990, 2000)}) == [1]
    assert top(idx, "甲 乙", filters={"year": ("2000", None)}) == [2]
    assert top(idx, "甲 乙", filters={"year": ["1993", 2019]}) == [1, 2]


@pytest.mark.parametrize(
    ("filters", "pattern"),
    [
        ({"year": "early"}, r"filters\['year'\]: 'early' is text, but the field holds numbers"),
        ({"title": 1993}, r"filters\['title'\]: 1993 is a number, but the field holds text"),
        ({"title": (1990, 2000)}, r"filters\['title'\].*number bounds.*holds text"),
        ({"year": ("a", "b")}, r"filters\['year'\].*text bounds.*holds numbers"),
    ],
)
def test_filter_type_mismatch_raises_naming_field_value_and_type(filters, pattern):
    idx = SearchIndex(fields={"title": 1}).fit([{"id": 1, "title": "甲", "year": 1993}])
    with pytest.raises(InputError, match=pattern):
        idx.search("甲", filters=filters)


# ------------------------------------------------------------------ repr
def test_repr_of_a_fitted_index_says_what_it_holds(index):
    text = repr(index)
    assert text.startswith("SearchIndex(prior_field='score') fitted on 20 records: fields ")
    assert "title=3" in text and "name fields title, people" in text
    n_terms = sum(len(v) for v in index._store.vocab.values())
    assert f"vocabulary {n_terms:,} terms (word " in text
    assert "intents on" in text and "prior 'score' (weight 0.1)" in text
    assert "np." not in text and "float" not in text
    assert repr(SearchIndex()) == "SearchIndex()"


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet="悬疑片的好看九十年代港周星驰喜剧2019 动画电影流浪地球二xyz", max_size=14))
def test_any_mix_of_request_words_searches_without_error(index, text):
    hits = index.search(text, 5)
    assert len(hits.ids) == len(set(hits.ids.tolist())) <= 5
    assert np.all(np.isfinite(hits.scores))


class _EveryStart(dict):  # type: ignore[type-arg]
    """A `reach` that lets every character start a word of any length (the scan before
    the first-character table: every size looked up at every position)."""

    def __init__(self, longest: int) -> None:
        super().__init__()
        self.longest = longest

    def __contains__(self, key: object) -> bool:
        return True

    def get(self, key: object, default: object = None) -> int:  # type: ignore[override]
        return self.longest


_PIECES = [
    "悬疑",
    "片",
    "的",
    "好看",
    "九十年代",
    "港片",
    "周星驰",
    "喜剧",
    "2019",
    " ",
    "动画",
    "电影",
    "流浪地球",
    "二",
    "xyz",
    "有没有",
    "吴京",
    "80后",
    "90s",
    "功夫",
    "大",
    "剧情",
]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text("悬疑星驰年后0s话", max_size=2), max_size=6))
def test_request_parse_quick_rejection_changes_no_answer(index, pieces):
    """The parser's first-character table only skips lookups that cannot match: its answer
    equals that of the scan looking every size up at every position."""
    import copy

    parser = index._extras(index._snapshot()).parser()
    slow = copy.copy(parser)
    slow.reach = _EveryStart(parser.longest)
    text = normalize("".join(pieces))
    assert parser.parse(text) == slow.parse(text)
