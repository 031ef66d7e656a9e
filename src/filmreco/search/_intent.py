"""Requests typed as sentences: "有没有好看的悬疑片", "九十年代的港片", "周星驰的喜剧".

A *request* names what a user wants by its kind rather than by its title: a genre, a year or
a decade, a region, a person, and maybe a quality word ("好看", "评分高"). The parser reads
them from the catalogue's own vocabulary — the values of its genre, region and people fields
— plus a few generic patterns (decades written ``九十年代``, ``90年代``, ``1990s``; years;
``港片`` for films of a region named by its usual one-character abbreviation, ``国产``). A
query is a request only when these, quality words and filler words ("有没有", "的",
"电影", "片", stop words) cover all of it; anything else in it ("喜剧之王", "流浪地球") makes
it an ordinary text search. A query that is a title of the catalogue is never a request.

The documents a request selects are those matching every intent (a genre, each person, the
period, one of the regions); they are ordered by the index's prior (``prior_field``), or
by text relevance without one.

Field names follow the usual conventions (see :data:`INTENT_FIELDS`); a catalogue without
such fields simply has no requests of that kind.
"""

from __future__ import annotations

import bisect
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import shorten
from ..exceptions import InputError
from ._records import field_texts
from .analyze import _t2s_table, name_parts, normalize

__all__ = ["INTENT_FIELDS", "Normalizer", "Request", "RequestParser", "prior_values"]

#: Fields read as each kind of intent, by name (those present in the records).
INTENT_FIELDS: dict[str, tuple[str, ...]] = {
    "genre": ("genres", "genre", "类型"),
    "region": ("region", "regions", "countries", "country", "地区"),
    "person": ("people", "directors", "actors", "director", "actor", "cast", "导演", "演员"),
    "year": ("year", "release_date", "date", "released", "年份"),
}

# generic words, not phrasings: how people name kinds of films, qualities and nothing at all
_GENRE_ALIASES = {
    "鬼片": "恐怖",
    "卡通": "动画",
    "动漫": "动画",
    "功夫": "动作",
    "武打": "动作",
    "推理": "悬疑",
    "侦探": "悬疑",
    "烧脑": "悬疑",
    "搞笑": "喜剧",
    "警匪": "犯罪",
    "黑帮": "犯罪",
    "魔幻": "奇幻",
    "恋爱": "爱情",
    "浪漫": "爱情",
    "纪录": "纪录片",
    "记录片": "纪录片",
}
# one-character (or short) names of regions, used before 片/剧/影 ("港片", "日剧", "国产片")
_REGION_ABBREVIATIONS = {
    "港": "香港",
    "台": "台湾",
    "日": "日本",
    "韩": "韩国",
    "美": "美国",
    "英": "英国",
    "法": "法国",
    "德": "德国",
    "印": "印度",
    "泰": "泰国",
    "意": "意大利",
    "俄": "俄罗斯",
    "国": "中国大陆",
    "内地": "中国大陆",
    "大陆": "中国大陆",
}
_REGION_NAMES = {"内地": "中国大陆", "国产": "中国大陆", "好莱坞": "美国", "香港": "香港"}
_QUALITY = (
    "好看 高分 评分高 分高 评分最高 最高分 口碑 口碑好 好评 经典 最好 最佳 推荐 必看 值得 "
    "值得一看 神作 佳作 好片 精彩 优秀 排行 排名 榜单 top 豆瓣高分 高评分 名作 口碑最好 好的"
).split()
_FILLER = (
    "有没有 有什么 有哪些 哪些 什么 一些 几部 一部 来点 来几部 想看 求 电影 影片 片子 片 "
    "电视剧 剧 作品 的 类 类型 风格 主演 导演 演的 拍的 出演 参演 年 年间 里 中 部 个 些 "
    "给我 我 看 吗 呢 吧 啊 请 帮我 找 找找 关于 系列 老 新 最近 在 和 与 或 及 还有 "
    "以及 movie movies film films 大片 影视 时期 期间 上映 出品 产 题材 类的 方面"
).split()
_YEAR = re.compile(r"(?<![0-9])(19[0-9]{2}|20[0-9]{2})(?![0-9])(?:年(?!代))?")
_DECADE = re.compile(
    r"(?:(?P<century>19|20)?(?P<d>[0-9])0|(?P<cn>[一二三四五六七八九])十|(?P<zero>[零〇一二三四五六七八九])零)"
    r"(?:年代|后)"
    r"|(?<![0-9a-z])(?P<en_c>19|20)?(?P<en>[0-9])0s(?![a-z])"
)
# what every period (a year, a decade) holds: a query without it has none; and the
# characters a period can start with (see _YEAR and _DECADE)
_PERIOD_HINT = re.compile("[0-9年后]|0s")
_PERIOD_START = frozenset("0123456789零〇一二三四五六七八九")
_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
_REGION_SUFFIXES = ("片", "剧", "影", "电影", "产片", "产电影", "产剧", "产")
_MAX_WORD = 16


def prior_values(records: Sequence[Mapping[str, Any]], field: str, id_field: str) -> np.ndarray:
    """The prior of every record as float64 (NaN where missing), checked.

    Numbers are taken as they are, numeric strings are converted (``"8.5"``), ``None``, NaN
    and empty strings are missing; anything else raises an :class:`InputError` naming the
    field and the record's id.

    Examples
    --------
    >>> prior_values([{"id": 1, "s": 8.5}, {"id": 2, "s": "7"}, {"id": 3}], "s", "id").tolist()
    [8.5, 7.0, nan]
    """
    out = np.full(len(records), np.nan)
    for i, rec in enumerate(records):
        v = rec.get(field)
        if v is None:
            continue
        if isinstance(v, numbers.Real) and not isinstance(v, bool):
            try:
                f = float(v)
            except OverflowError:  # an int beyond the float range
                f = math.inf  # reported below
        elif isinstance(v, str):
            s = v.strip()
            if not s:
                continue
            try:
                f = float(s)
            except ValueError:
                f = math.inf  # reported below
        else:
            f = math.inf
        if math.isinf(f):
            raise InputError(
                f"prior_field={field!r}: record {shorten(rec.get(id_field))} has "
                f"{shorten(v)} ({type(v).__name__}), which is not a finite number (floats reach "
                "~1.8e308); give every record a number, a numeric string or None (missing, "
                "counted as average), or build the "
                "index without a prior: SearchIndex(prior_field=None)."
            )
        if not math.isnan(f):
            out[i] = f
    return out


def unit_scale(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Finite `values` within [lo, hi] (``lo < hi``) scaled to [0, 1], without overflow:
    everything is divided by ``max(|lo|, |hi|)`` first, so ``hi - lo`` of ±1e308 stays finite.

    Examples
    --------
    >>> unit_scale(np.array([-1e308, 0.0, 1e308]), -1e308, 1e308).tolist()
    [0.0, 0.5, 1.0]
    """
    s = max(abs(lo), abs(hi))
    z = (values / s - lo / s) / (hi / s - lo / s)
    return np.clip(z, 0.0, 1.0, out=z)


def scaled_prior(values: np.ndarray) -> np.ndarray:
    """`values` min-max scaled to [0, 1]; missing values (NaN) get the scaled mean (neutral).

    Any finite values give finite results (see :func:`unit_scale`), ±1e308 included.

    Examples
    --------
    >>> scaled_prior(np.array([6.0, np.nan, 8.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    known = values[~np.isnan(values)]
    if known.size == 0:
        return np.full(values.shape, 0.5)
    lo, hi = float(known.min()), float(known.max())
    z = np.full(values.shape, 0.5) if hi <= lo else unit_scale(values, lo, hi)
    return np.where(np.isnan(values), float(np.nanmean(z)), z)


@dataclass
class Request:
    """What a request asks for (see :class:`RequestParser`)."""

    genres: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    years: tuple[int, int] | None = None
    quality: bool = False

    def __bool__(self) -> bool:
        return bool(self.genres or self.regions or self.people or self.years or self.quality)


def _decade(m: re.Match[str]) -> tuple[int, int] | None:
    if m.group("en") is not None:
        d, century = int(m.group("en")), m.group("en_c")
    elif m.group("d") is not None:
        d, century = int(m.group("d")), m.group("century")
    else:
        raw = m.group("cn") or m.group("zero")
        d, century = _CN_DIGIT[raw], None
    if century is None:
        century = "19" if d >= 2 else "20"  # 90年代, 八零后 / 00年代, 10年代
    start = int(century) * 100 + d * 10
    return start, start + 9


class RequestParser:
    """Read requests against one catalogue (the records of an index).

    Parameters
    ----------
    records : sequence of dict
    prior : numpy.ndarray or None
        Each record's prior (NaN: missing), see :func:`prior_values`.
    titles : callable
        ``titles() -> collection of str``: the normalised titles without spaces (a query
        equal to one is not a request), called once: by :meth:`titles`, which the index's
        fit and load call ahead of the first query.
    people : dict of str to list of int, optional
        Each person's name and name part -> its records (from the index's term counts);
        read from `records` when not given.
    """

    def __init__(
        self,
        records: Sequence[Mapping[str, Any]],
        prior: np.ndarray | None,
        titles: Any,
        *,
        to_simplified: bool = True,
        people: dict[str, list[int]] | None = None,
    ) -> None:
        self.records = records
        self.n = len(records)
        self.prior = prior
        self._titles_of = titles
        self._titles: set[str] | None = None
        self.title_list: list[str] = []
        present = {k for r in records[:1000] for k in r}
        fields = {kind: [f for f in names if f in present] for kind, names in INTENT_FIELDS.items()}
        self.fields = fields
        norm = Normalizer(to_simplified)
        # word -> (kind, canonical value); longer intents win over shorter ones
        lex: dict[str, tuple[str, str]] = {}
        self._genre_docs: dict[str, list[int]] = {}
        self._region_docs: dict[str, list[int]] = {}
        self._person_docs: dict[str, list[int]] = {}
        genre_of = self._values(fields["genre"], norm, parts=False)
        for g, docs in genre_of.items():
            if len(g) >= 2:
                self._genre_docs[g] = docs
                lex.setdefault(g, ("genre", g))
        for alias, g in _GENRE_ALIASES.items():
            if g in self._genre_docs:
                lex.setdefault(alias, ("genre", g))
        region_of = self._values(fields["region"], norm, parts=False)
        cores: dict[str, list[int]] = {}
        for r, docs in region_of.items():
            core = r[2:] if r.startswith("中国") and len(r) > 3 else r
            cores.setdefault(core, []).extend(docs)
        for core, docs in cores.items():
            self._region_docs[core] = docs
            lex.setdefault(core, ("region", core))
        for abbr, target in _REGION_ABBREVIATIONS.items():  # 港片, 日剧, 国产片
            found = self._region_core(target)
            if found is not None:
                for suffix in _REGION_SUFFIXES:
                    lex.setdefault(abbr + suffix, ("region", found))
        for name, target in _REGION_NAMES.items():
            found = self._region_core(target)
            if found is not None:
                lex.setdefault(name, ("region", found))
        if people is None:
            people = self._values(fields["person"], norm, parts=True)
        for p, docs in people.items():
            if len(p) >= 2 and p not in lex:
                self._person_docs[p] = docs
                lex[p] = ("person", p)
        for w in _QUALITY:
            lex.setdefault(w, ("quality", ""))
        for w in _FILLER:
            lex.setdefault(w, ("filler", ""))
        self.lexicon = lex
        self.longest = min(_MAX_WORD, max((len(w) for w in lex), default=1))
        # first character -> length of the longest word starting with it (at most
        # `longest`): a position whose character starts no word ends the scan at once, and
        # elsewhere only the sizes some word has are looked up
        reach: dict[str, int] = {}
        for w in lex:
            if w and reach.get(w[0], 0) < len(w):
                reach[w[0]] = min(len(w), self.longest)
        self.reach = reach
        self._doc_arrays: dict[tuple[str, str], np.ndarray] = {}
        self._years = self._year_column(fields["year"])

    # ------------------------------------------------------------------ building
    def _values(self, names: list[str], norm: Normalizer, *, parts: bool) -> dict[str, list[int]]:
        """Normalised value (and, with `parts`, each part of a name) -> its records, in order."""
        docs: dict[str, list[int]] = {}
        for i, rec in enumerate(self.records):
            for f in names:
                value = rec.get(f)
                for raw in value if isinstance(value, list) else field_texts(value):
                    if not isinstance(raw, str):
                        continue
                    whole, pieces = name_parts(norm(raw))
                    for k in (whole, *pieces) if parts and len(pieces) > 1 else (whole,):
                        if k and not k.isdigit():
                            got = docs.get(k)
                            if got is None:
                                docs[k] = [i]
                            elif got[-1] != i:
                                got.append(i)
        return docs

    def _region_core(self, target: str) -> str | None:
        """The catalogue's region closest to `target` (香港 for 中国香港), if any."""
        found = [c for c in self._region_docs if target in c or c in target]
        return max(found, key=lambda c: (len(c), c)) if found else None

    def _year_column(self, names: list[str]) -> np.ndarray | None:
        if not names:
            return None
        out = np.full(self.n, np.nan)
        for i, rec in enumerate(self.records):
            for f in names:
                v = rec.get(f)
                if isinstance(v, numbers.Real) and not isinstance(v, bool):
                    try:  # an int beyond floats, or inf, is no year
                        year = float(v)
                    except OverflowError:
                        year = math.nan
                    if math.isfinite(year):
                        out[i] = year
                    break
                if isinstance(v, str):
                    m = re.match(r"\s*([12][0-9]{3})", v)
                    if m:
                        out[i] = float(m.group(1))
                        break
        return out

    # ------------------------------------------------------------------ parsing
    def titles(self) -> set[str]:
        """The catalogue's titles (normalised, without spaces), read once (by the first
        query that reads as a request, or ahead of time by the index's fit and load)."""
        if self._titles is None:
            titles = set(self._titles_of())
            self.title_list = sorted(titles)
            self._titles = titles
        return self._titles

    def parse(self, text: str) -> Request | None:
        """The request normalised `text` makes, or None if it is not one (fast when not:
        most queries end at their first character, which starts no word of the lexicon)."""
        if not text:
            return None
        reach = self.reach
        first = text[0]
        if first not in reach and first not in _PERIOD_START and first != " ":
            return None  # the first character starts no word and no period
        periods = _PERIOD_HINT.search(text) is not None
        if not periods and first not in reach and first != " ":
            return None
        req = Request()
        covered = bytearray(len(text))
        if periods:
            self._periods(text, req, covered)
        lex = self.lexicon
        spans: list[tuple[int, int]] = []  # filler and quality words
        i, n = 0, len(text)
        while i < n:
            if covered[i] or text[i] == " ":
                i += 1
                continue
            top = reach.get(text[i])
            if top is None:
                return None  # no word starts here: a text search
            for size in range(min(top, n - i), 0, -1):
                hit = lex.get(text[i : i + size])
                if hit is not None and not any(covered[i : i + size]):
                    break
            else:
                return None  # a word that is no intent: a text search
            kind, value = hit
            if kind in ("filler", "quality"):
                spans.append((i, i + size))
            if kind == "genre" and value not in req.genres:
                req.genres.append(value)
            elif kind == "region" and value not in req.regions:
                req.regions.append(value)
            elif kind == "person" and value not in req.people:
                req.people.append(value)
            elif kind == "quality":
                req.quality = True
            i += size
        if "".join(text.split()) in self.titles():
            return None  # a title ("功夫")
        if self._starts_title(text, covered, spans):
            return None  # "我和我的 2019": the start of a title and a year
        if not (req.genres or req.regions or req.people or req.years):
            # quality words alone ("好看的电影") ask for the best films, given a prior
            if not (req.quality and self.prior is not None):
                return None
        return req

    def _starts_title(self, text: str, covered: bytearray, spans: list[tuple[int, int]]) -> bool:
        """Whether filler and quality words in a row (3+ characters, no intent between them)
        are the start of a title: "我和我的" in "我和我的 2019" is no request."""
        runs: list[str] = []
        last = -1
        for a, b in spans:
            if a == last and runs:
                runs[-1] += text[a:b]
            else:
                runs.append(text[a:b])
            last = b
        for run in runs:
            if len(run) >= 3:
                k = bisect.bisect_left(self.title_list, run)
                if k < len(self.title_list) and self.title_list[k].startswith(run):
                    return True
        return False

    def _periods(self, text: str, req: Request, covered: bytearray) -> None:
        for m in _DECADE.finditer(text):
            span = _decade(m)
            if span is not None and span[0] <= 2100:
                req.years = span
                covered[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        for m in _YEAR.finditer(text):
            if not any(covered[m.start() : m.end()]):
                y = int(m.group(1))
                req.years = (y, y)
                covered[m.start() : m.end()] = b"\x01" * (m.end() - m.start())

    # ------------------------------------------------------------------ answering
    def _docs(self, kind: str, value: str, lists: dict[str, list[int]]) -> np.ndarray:
        """The documents of one intent as an int64 array, converted once (a genre of a large
        catalogue lists tens of thousands: converting the list per query cost milliseconds)."""
        got = self._doc_arrays.get((kind, value))
        if got is None:
            got = np.asarray(lists[value], dtype=np.int64)
            self._doc_arrays[(kind, value)] = got
        return got

    def mask(self, req: Request) -> np.ndarray | None:
        """Documents matching every intent of `req` (None: no condition, e.g. quality only);
        an intent on a kind the catalogue lacks (a period without a year field) selects none."""
        keep: np.ndarray | None = None

        def both(docs: Any) -> None:
            nonlocal keep
            m = np.zeros(self.n, dtype=bool)
            m[docs] = True
            keep = m if keep is None else keep & m

        for g in req.genres:
            both(self._docs("genre", g, self._genre_docs))
        for p in req.people:
            both(self._docs("person", p, self._person_docs))
        if req.regions:
            both(np.concatenate([self._docs("region", r, self._region_docs) for r in req.regions]))
        if req.years is not None:
            if self._years is None:
                return np.zeros(self.n, dtype=bool)
            lo, hi = req.years
            both(np.flatnonzero((self._years >= lo) & (self._years <= hi)))
        return keep


_PLAIN_HAN = re.compile("[\u4e00-\u9fff]+")
_HAN_NAME = re.compile("[\u4e00-\u9fff]+(?:[·•・][\u4e00-\u9fff]+)+")
_HAN_NAME_SEP = re.compile("[·•・]")


class Normalizer:
    """:func:`normalize` with a memo (field values repeat across records), and a fast path
    for plain Chinese (which normalises to itself, traditional characters simplified)."""

    def __init__(self, to_simplified: bool) -> None:
        self.to_simplified = to_simplified
        self.memo: dict[str, str] = {}
        self.table = _t2s_table() if to_simplified else None

    def __call__(self, raw: str) -> str:
        got = self.memo.get(raw)
        if got is None:
            if _PLAIN_HAN.fullmatch(raw):
                got = raw.translate(self.table) if self.table is not None else raw
            elif _HAN_NAME.fullmatch(raw):  # 克里斯托弗·诺兰
                got = " ".join(_HAN_NAME_SEP.split(raw))
                got = got.translate(self.table) if self.table is not None else got
            else:
                got = normalize(raw, to_simplified=self.to_simplified)
            self.memo[raw] = got
        return got
