"""Query analysis: a normalised query into the weighted terms of every channel.

Before that, typed pinyin loses its tones (marks or numbers,
:func:`~filmreco.search._pinyin.plain_pinyin`) and single Chinese characters separated by
spaces are joined (``"人 生 大 事"``). A query is cut into *units* (:func:`query_units`): each part holding Chinese characters,
and each run of Latin/digit parts (typed pinyin is often spaced). Each unit gives

- words: the words an index holds that occur in it (:class:`~filmreco.search.analyze.
  DictionaryScan` over the index's vocabulary, or jieba), Latin words and digit runs;
  the whole query as a whole name (:data:`~filmreco.search.analyze.WHOLE`), which only a
  record whose title, alias or person is exactly the query holds: the strongest evidence;
- character n-grams with start/end markers;
- from Chinese characters, read one by one: the full pinyin and syllable bigrams, weighted
  by ``homophone_weight`` (a same-sounding name is a typo guess, ranked below an exact
  match);
- from Latin letters: the word as full pinyin and as initials, and its split into
  syllables (:func:`~filmreco.search._pinyin.segment`) as syllable bigrams; a last word
  that ends in the start of a syllable (pinyin typed so far,
  :func:`~filmreco.search._pinyin.segment_partial`) gives its whole syllables' bigrams and
  the initials of names starting so.

With several units, :class:`QueryTerms` remembers which unit each term came from, so the
index can rank documents matching more of the units first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Set
from functools import lru_cache
from itertools import pairwise
from typing import Any

from .._validation import (
    check_bool,
    check_callable,
    check_instance,
    check_int,
    check_real,
    check_str,
    lookup_option,
)
from ..exceptions import InputTypeError
from . import _pinyin
from .analyze import (
    _CJK,
    _LATIN,
    PREFIX,
    SEQUEL,
    WHOLE,
    SynonymTable,
    _latin_words,
    _str_items,
    sequel_marks,
)

# weight of the initials of the start of a long name ("dhxy" -> 大话西游之大圣娶亲), below the
# initials of a whole name; a prefix of fewer letters than this is not looked for
PREFIX_WEIGHT = 0.5
_MIN_PREFIX_LETTERS = 3

# the public names (exported by filmreco.search); query_units and clear_caches serve the
# index and the benchmarks
__all__ = ["QueryAnalyzer", "QueryTerms"]


class QueryTerms:
    """The weighted terms of a query, per channel, plus what fuzzy matching may expand.

    Attributes
    ----------
    terms : dict of str to dict of str to float
        ``terms[channel][term]`` = weight (summed when a term comes up more than once).
    words : list of str
        The query's words (CJK and Latin), in order.
    latin : list of str
        Latin-letter words typed, and runs of them joined (``"xing ji"`` -> ``"xingji"``):
        the candidates of typo tolerance (``SearchIndex(fuzzy=True)``).
    n_units : int
        Number of space-separated units (see :class:`QueryAnalyzer`); with two or more,
        documents matching more units rank higher.
    unit_of : dict of str to dict of str to int
        ``unit_of[channel][term]``: the (first) unit a term comes from, when ``n_units > 1``.

    Examples
    --------
    :meth:`SearchIndex.analyze <filmreco.search.SearchIndex.analyze>` shows the terms a query
    is searched with:

    >>> from filmreco.search import SearchIndex
    >>> index = SearchIndex().fit([{"id": 1, "title": "星际穿越"}])
    >>> q = index.analyze("xingji 星际")
    >>> q.n_units, q.words
    (2, ['xingji', '星际'])
    >>> sorted(q.terms["ngram"]), q.unit_of["ngram"]["星际"]
    (['^星', '星际', '际$'], 1)
    """

    __slots__ = ("latin", "n_units", "terms", "unit_of", "words")

    def __init__(self) -> None:
        # CHANNELS, written out (this runs once per query and per unit)
        self.terms: dict[str, dict[str, float]] = {
            "word": {},
            "ngram": {},
            "syllable": {},
            "pinyin": {},
            "initials": {},
        }
        self.words: list[str] = []
        self.latin: list[str] = []
        self.n_units = 0
        self.unit_of: dict[str, dict[str, int]] = {}

    def add(self, channel: str, term: str, weight: float) -> None:
        """Add `weight` to `term` in `channel` (one of :data:`CHANNELS`)."""
        d = lookup_option(self.terms, channel, "channel")
        check_str(term, "term")
        d[term] = d.get(term, 0.0) + check_real(weight, "weight")

    def merge(self, other: QueryTerms) -> None:
        """Add the terms and words of `other`, as the next unit."""
        check_instance(other, QueryTerms, "other")
        u = self.n_units
        for c, terms in other.terms.items():
            d = self.terms[c]
            units = self.unit_of.setdefault(c, {})
            if not terms:
                continue
            if d.keys().isdisjoint(terms):  # all new (the terms of d are those of units)
                d.update(terms)
                units.update(dict.fromkeys(terms, u))
                continue
            for t, w in terms.items():
                d[t] = d.get(t, 0.0) + w
                units.setdefault(t, u)
        self.words.extend(other.words)
        self.latin.extend(other.latin)
        self.n_units = u + 1

    def __bool__(self) -> bool:
        return any(self.terms.values())

    def __repr__(self) -> str:
        inner = ", ".join(f"{c}={len(t)}" for c, t in self.terms.items() if t)
        return f"QueryTerms({inner})"


def query_units(text: str) -> list[str]:
    """Split a normalised query into units: each part holding CJK characters, and each run
    of consecutive Latin/digit parts (typed pinyin is often spaced: ``"xing ji chuan yue"``).

    Examples
    --------
    >>> query_units("吴京 喜剧"), query_units("xing ji chuan yue"), query_units("速度与激情 9")
    (['吴京', '喜剧'], ['xing ji chuan yue'], ['速度与激情', '9'])
    """
    units: list[str] = []
    latin: list[str] = []
    for part in text.split(" "):
        if _CJK.search(part):
            if latin:
                units.append(" ".join(latin))
                latin = []
            units.append(part)
        else:
            latin.append(part)
    if latin:
        units.append(" ".join(latin))
    return units


class QueryAnalyzer:
    """Analyse a query into :class:`QueryTerms` the way fields were analysed.

    Parameters
    ----------
    tokenizer : callable
        ``tokenizer(text) -> list of str`` with the catalogue's names, title parts and
        synonym keys as user words, so a title or a person typed whole is one word: a
        :class:`DictionaryScan` or a search-mode :class:`filmreco.text.Tokenizer`.
    stop_words : collection of str
        Dropped from the query's words (pass them without the catalogue's names, so a film
        called 他们 is still found).
    n : int, default=2
        n-gram length.
    pinyin : bool, default=True
        Also read Chinese as pinyin (homophones) and Latin letters as pinyin or initials.
    synonyms : SynonymTable, optional
    homophone_weight : float, default=0.3
        Weight of the pinyin read from Chinese characters (a same-sounding title is a typo
        guess, so it ranks below an exact match).
    known : mapping or set of str, optional
        The index's words: a Chinese numeral ending a query word numbers a sequel when the
        word without it is known and the word is not (``捉妖记二``; see
        :func:`~filmreco.search.analyze.sequel_marks`). Sequel numbers in other forms
        (``2``, ``Ⅱ``, ``III``, ``第二部``) are understood without it. A sequel number is
        taken out of the query and searched as a unit of its own (the number as a word),
        so the sequel ranks above the first film and the other sequels.

    Examples
    --------
    >>> from filmreco.text import Tokenizer
    >>> qa = QueryAnalyzer(Tokenizer(mode="search"), stop_words=())
    >>> q = qa("xjcy")
    >>> q.terms["initials"], q.terms["pinyin"]
    ({'xjcy': 1.0, 'xjcy>': 0.5}, {'xjcy': 1.0})
    >>> qa("xing ji").terms["syllable"]
    {'xing ji': 1.0}
    """

    def __init__(
        self,
        tokenizer: Callable[[str], list[str]],
        *,
        stop_words: Iterable[str] = (),
        n: int = 2,
        pinyin: bool = True,
        synonyms: SynonymTable | None = None,
        homophone_weight: float = 0.3,
        known: Any = None,
    ) -> None:
        self.tokenizer = check_callable(tokenizer, "tokenizer")
        if known is not None and not isinstance(known, (Mapping, Set)):
            raise InputTypeError(
                f"known must be a mapping or a set of words, got {type(known).__name__}."
            )
        self.known = known
        self.stop_words = frozenset(_str_items(stop_words, "stop_words"))
        self.n = check_int(n, "n", min_value=1)
        self.pinyin = check_bool(pinyin, "pinyin")
        if synonyms is not None:
            check_instance(
                synonyms, SynonymTable, "synonyms", "Build one with SynonymTable({...})."
            )
        self.synonyms = synonyms
        self.homophone_weight = check_real(
            homophone_weight, "homophone_weight", min_value=0.0, max_value=1.0
        )

    def __call__(self, text: str) -> QueryTerms:
        """Terms of an already normalised query (see :func:`normalize`)."""
        if not isinstance(text, str):
            check_str(text, "text")
        q = QueryTerms()
        if not text:
            return q
        typed = text
        marked: list[str] = []
        if self.pinyin:  # returns at once without a tone mark or number
            text, marked = _pinyin.plain_pinyin(text)
        self._add_whole(text, q)
        if marked:  # and as typed: a name with accents ("amélie")
            self._add_whole(typed, q)
        if " " in text:
            text = _join_spelled(text)
        if marked:  # the runs as typed are words too (a French title: "amélie")
            for w in dict.fromkeys(marked):
                q.terms["word"][w] = q.terms["word"].get(w, 0.0) + 1.0
        numbers: list[int] = []
        if _MAYBE_SEQUEL.search(text):
            text, numbers = self._sequels(text)
        units = query_units(text) if " " in text else [text]
        if numbers:  # the title, then the sequel number as a unit of its own
            for unit in units:
                part = QueryTerms()
                self._add_unit(unit, part)
                q.merge(part)
            part = QueryTerms()
            for num in numbers:
                part.terms["word"][f"{SEQUEL}{num}"] = 1.0
                part.terms["word"][str(num)] = 1.0
            q.merge(part)
            return q
        if len(units) == 1:
            self._add_unit(text, q)
            return q
        for unit in units:
            part = QueryTerms()
            self._add_unit(unit, part)
            q.merge(part)
        return q

    def _add_whole(self, text: str, q: QueryTerms) -> None:
        """The query as a whole name, spaces aside (:data:`~filmreco.search.analyze.WHOLE`):
        what a record named exactly so holds. Of no unit (it adds to the score, not to the
        units matched); not for a stop word (a name of the catalogue is none)."""
        whole = text.replace(" ", "")
        if whole not in self.stop_words:
            q.terms["word"][WHOLE + whole] = 1.0

    def _sequels(self, text: str) -> tuple[str, list[int]]:
        """`text` without its sequel numbers, and the numbers (none if nothing else is left)."""
        known = None if self.known is None else self.known.__contains__
        marks = sequel_marks(text, known)
        if marks and self.synonyms is not None and self.synonyms._re is not None:
            # a synonym's key holding the number ("复联4") is the user's word for it
            keys = [m.span() for m in self.synonyms._re.finditer(text)]
            marks = [(a, b, v) for a, b, v in marks if not any(a < y and x < b for x, y in keys)]
        if not marks:
            return text, []
        pieces, last = [], 0
        for a, b, _ in marks:
            pieces.append(text[last:a])
            last = b
        pieces.append(text[last:])
        rest = " ".join(" ".join(pieces).split())
        if not rest:
            return text, []
        return rest, list(dict.fromkeys(num for _, _, num in marks))

    def _add_unit(self, text: str, q: QueryTerms) -> None:
        self._add_text(text, q, 1.0)
        if self.synonyms is not None and self.synonyms.table:
            for extra in self.synonyms.expand(text):
                self._add_text(extra, q, 1.0)

    def _add_text(self, text: str, q: QueryTerms, weight: float) -> None:
        # the hot path of a search: dict updates written out rather than through helpers
        stop = self.stop_words
        terms = q.terms
        words = terms["word"]
        qwords = q.words
        ascii_only = text.isascii()
        tokens = text.split() if ascii_only else self.tokenizer(text)
        for tok in tokens:
            if tok in stop:
                continue
            if tok[0] < "\u0080":
                if tok.isalpha():
                    words[tok] = words.get(tok, 0.0) + weight
                    q.latin.append(tok)
                elif tok.isdigit():
                    words[tok] = words.get(tok, 0.0) + weight
                else:  # letters and digits mixed: also each run ("r2d2" -> r, 2, d, 2)
                    for w in _latin_words(tok):
                        words[w] = words.get(w, 0.0) + weight
            else:
                words[tok] = words.get(tok, 0.0) + weight
            qwords.append(tok)
        if not ascii_only:  # n-grams with start/end markers (see ngrams)
            grams = terms["ngram"]
            n = self.n
            for run in _CJK.findall(text):
                g = "^" + run[0]
                grams[g] = grams.get(g, 0.0) + weight
                if len(run) <= n:
                    grams[run] = grams.get(run, 0.0) + weight
                else:
                    for i in range(len(run) - n + 1):
                        g = run[i : i + n]
                        grams[g] = grams.get(g, 0.0) + weight
                g = run[-1] + "$"
                grams[g] = grams.get(g, 0.0) + weight
        if not self.pinyin:
            return
        pinyin, initials = terms["pinyin"], terms["initials"]
        hw = weight * self.homophone_weight
        latin: list[str] = []  # consecutive Latin/digit parts: typed pinyin, initials, words
        for part in text.split(" ") if " " in text else (text,):
            if ascii_only or not _CJK.search(part):
                if not part.isdigit():
                    pinyin[part] = pinyin.get(part, 0.0) + weight
                    initials[part] = initials.get(part, 0.0) + weight
                    if len(part) >= _MIN_PREFIX_LETTERS:  # the start of a long name
                        key = part + PREFIX
                        initials[key] = initials.get(key, 0.0) + weight * PREFIX_WEIGHT
                latin.append(part)
                continue
            if latin:
                _add_latin(latin, q, weight)
                latin = []
            full, grams2 = _sound(part)
            if full and _LATIN_IN.search(part) is not None:
                for key in _script_mix_initials(part):  # "jw人", "星际cy": typed half and half
                    initials[key] = initials.get(key, 0.0) + weight * PREFIX_WEIGHT
            if full:
                pinyin[full] = pinyin.get(full, 0.0) + hw
                syl = terms["syllable"]
                for g in grams2:
                    syl[g] = syl.get(g, 0.0) + hw
        if latin:
            _add_latin(latin, q, weight)


# a query spelt out one character at a time ("人 生 大 事", "x j c y"): two or more single
# CJK characters, or single Latin letters, separated by spaces, joined back into one word
_SPELT = re.compile(
    r"(?<!\S)[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff](?: [\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff](?!\S))+"
    r"|(?<!\S)[a-z](?: [a-z](?!\S))+"
)


def _join_spelled(text: str) -> str:
    """Single Chinese characters typed with spaces between them, joined: ``"人 生 大 事"``
    -> ``"人生大事"`` (a name spelt out is searched as the name; a word of two characters or
    more keeps its spaces); so are single Latin letters, initials typed one by one
    (``"x j c y"`` -> ``"xjcy"``).

    Examples
    --------
    >>> _join_spelled("人 生 大 事"), _join_spelled("吴京 喜剧"), _join_spelled("吴 京 2")
    ('人生大事', '吴京 喜剧', '吴京 2')
    >>> _join_spelled("x j c y"), _join_spelled("x men 2")
    ('xjcy', 'x men 2')
    """
    return _SPELT.sub(lambda m: m.group().replace(" ", ""), text)


# a cheap test before looking for sequel numbers: a digit, a numeral, a Roman numeral's letters
_MAYBE_SEQUEL = re.compile("[0-9一二两三四五六七八九十续ivx]")


_LATIN_IN = re.compile("[a-z]")


@lru_cache(maxsize=16384)
def _script_mix_initials(part: str) -> tuple[str, ...]:
    """Initials of a query part mixing Chinese characters and Latin letters, as typed when
    an input method commits part of a name and the rest stays letters (``"jw人"``,
    ``"星际cy"``, ``"流浪dq"``): each character's initial, each Latin run's syllables'
    initials if it is pinyin or its letters if not, digits whole; the key as a whole name's
    initials and as the start of a longer one (:data:`PREFIX`). Empty for fewer than three
    letters, without letters, or when the letters are whole pinyin of several syllables
    (``"星际chuanyue"`` is read as full pinyin).

    Examples
    --------
    >>> _script_mix_initials("jw人"), _script_mix_initials("星际chuanyue")
    (('jwr', 'jwr>'), ())
    >>> _script_mix_initials("星际cy")
    ('xjcy', 'xjcy>')
    """
    units = _pinyin.to_units(part, False)
    if not any(not is_han and u.isalpha() for u, is_han in units):
        return ()
    key = []
    for u, is_han in units:
        if is_han or u.isdigit():
            key.append(u if u.isdigit() else u[0])
            continue
        seg = _pinyin.segment(u)
        if seg is not None and len(seg) > 1:
            return ()  # whole pinyin after characters: read as full pinyin already
        key.append("".join(s[0] for s in seg) if seg is not None else u)
    text = "".join(key)
    if sum(c.isalpha() for c in text) < 3:
        return ()
    return (text, text + PREFIX)


@lru_cache(maxsize=16384)
def _sound(part: str) -> tuple[str, tuple[str, ...]]:
    """Full pinyin and syllable bigrams of a query part holding Chinese ("" if none), each
    character read alone (:func:`~filmreco.search._pinyin.char_syllables`)."""
    if _pinyin.is_han(part):  # the common case: Chinese characters only
        syl = _pinyin.char_syllables(part)
        return "".join(syl), tuple(map(" ".join, pairwise(syl)))
    units = _pinyin.to_units(part, False)
    if not any(is_han for _, is_han in units):
        return "", ()
    return _pinyin.full_pinyin(units), tuple(_pinyin.syllable_bigrams(units, markers=False))


def _latin_units(part: str) -> list[tuple[str, bool]] | None:
    """Pinyin units of a Latin/digit part, or None if a letter run is not pinyin."""
    units: list[tuple[str, bool]] = []
    for run in _LATIN.findall(part):
        if run.isdigit():
            units.append((run, False))
            continue
        seg = _pinyin.segment(run)
        if seg is None:
            return None
        units.extend((syl, True) for syl in seg)
    return units


def _put(terms: dict[str, float], term: str, weight: float) -> None:
    """``terms[term] += weight``: :meth:`QueryTerms.add` without its argument checks, for the
    analysis's own terms (the hot path of a search)."""
    terms[term] = terms.get(term, 0.0) + weight


def _add_latin(parts: list[str], q: QueryTerms, weight: float) -> None:
    """Latin parts typed in a row: joined as full pinyin/initials, split into syllables."""
    if not parts:
        return
    if len(parts) > 1:
        joined = "".join(parts)
        _put(q.terms["pinyin"], joined, weight)
        _put(q.terms["initials"], joined, weight)
        if joined.isalpha():
            q.latin.append(joined)
        _add_surname_first(parts, q, weight)
    seq: list[tuple[str, bool]] = []
    last = len(parts) - 1
    for i, p in enumerate(parts):
        units = _latin_units(p)
        if units is None and i == last:  # pinyin cut short while typing: "xingjichuany"
            if _add_partial(p, seq, q, weight):
                return
        if units is None:  # an English word or initials: breaks the pinyin sequence
            if last == 0:
                _add_mixed(p, q, weight)
            _add_syllables(seq, q, weight)
            seq = []
        else:
            seq.extend(units)
    _add_syllables(seq, q, weight)


# two-syllable surnames (compound surnames of the Hundred Family Surnames still in use), which
# a name written in the Western order ends with: "Na Ouyang" is 欧阳娜
_COMPOUND_SURNAMES = frozenset(
    "ouyang sima zhuge shangguan situ xiahou duanmu dongfang huangfu murong linghu yuwen "
    "zhangsun gongsun".split()
)


def _add_surname_first(parts: list[str], q: QueryTerms, weight: float) -> None:
    """A Chinese name written in the Western order, given name first (``"Bingbing Fan"``,
    ``"bing bing fan"``): also looked for as the name's full pinyin and initials with the
    surname first (``fanbingbing``, ``fbb``), with :data:`PREFIX_WEIGHT`, so the typed order
    wins a tie (initials only for three syllables or more). Only for two to four syllables of
    pinyin whose last word is one syllable or a compound surname."""
    last = parts[-1]
    if not last.isalpha() or not (last in _pinyin.SYLLABLES or last in _COMPOUND_SURNAMES):
        return
    syllables = [_pinyin.segment(p) if p.isalpha() else None for p in parts[:-1]]
    if any(s is None for s in syllables):
        return
    given = [syl for s in syllables for syl in s]  # type: ignore[union-attr]
    if not 1 <= len(given) <= 3 - (last in _COMPOUND_SURNAMES):
        return
    swapped = last + "".join(given)
    _put(q.terms["pinyin"], swapped, weight * PREFIX_WEIGHT)
    surname = _pinyin.segment(last) or (last,)
    if len(surname) + len(given) >= 3:  # two letters of initials would match far too much
        _put(q.terms["initials"], "".join(s[0] for s in (*surname, *given)), weight * PREFIX_WEIGHT)


def _add_mixed(part: str, q: QueryTerms, weight: float) -> None:
    """A word mixing whole syllables and initials (``"shenqnx"`` for 神奇女侠,
    :func:`~filmreco.search._pinyin.segment_mixed`): the initials of its units look for
    names with those initials, whole or at the start, with :data:`PREFIX_WEIGHT`. Read only
    when it is the query's one Latin word: in a query of several English words ("city
    girl"), words would be read so by chance and bring in names matching no word."""
    for key in _mixed_keys(part):
        _put(q.terms["initials"], key, weight * PREFIX_WEIGHT)
        _put(q.terms["initials"], key + PREFIX, weight * PREFIX_WEIGHT)


@lru_cache(maxsize=16384)
def _mixed_keys(part: str) -> tuple[str, ...]:
    """The initials of `part` read as mixed pinyin, one per reading of an ambiguous split."""
    if not part.isalpha():
        return ()
    keys: dict[str, None] = {}
    for shortest_first in (False, True):
        units = _pinyin.segment_mixed(part, shortest_first)
        if units is not None:
            keys.setdefault("".join(u[0] for u in units), None)
    return tuple(keys)


def _add_partial(part: str, seq: list[tuple[str, bool]], q: QueryTerms, weight: float) -> bool:
    """The last Latin part of a query as pinyin typed so far: its whole syllables join the
    sequence's bigrams, and the initials of the sequence plus the next syllable's first
    letter look for names starting so (and for whole names of that many syllables), with
    :data:`PREFIX_WEIGHT`; an ambiguous split gives the initials of both readings. Only
    with two whole syllables or more in the sequence, so a short English word ("war") is
    not read as pinyin. False if `part` is not such pinyin."""
    split = _pinyin.segment_partial(part)  # None for anything but letters
    if split is None:
        return False
    head, tail = split
    units = [*seq, *((syl, True) for syl in head)]
    if sum(is_syllable for _, is_syllable in units) < 2:
        return False
    _add_syllables(units, q, weight)
    readings = [units]
    other = _pinyin.segment(part[: len(part) - len(tail)], shortest_first=True)
    if other is not None and other != head:  # "yidenan": yi den an, or yi de nan
        readings.append([*seq, *((syl, True) for syl in other)])
    for reading in readings:
        start = "".join(u if u[0].isdigit() else u[0] for u, _ in reading) + tail[0]
        _put(q.terms["initials"], start, weight * PREFIX_WEIGHT)
        _put(q.terms["initials"], start + PREFIX, weight * PREFIX_WEIGHT)
    return True


def _add_syllables(units: list[tuple[str, bool]], q: QueryTerms, weight: float) -> None:
    if any(is_syllable for _, is_syllable in units):
        for g in _pinyin.syllable_bigrams(tuple(units), markers=False):
            _put(q.terms["syllable"], g, weight)


def clear_caches() -> None:
    """Empty the memo caches of query analysis (pinyin of query parts, splits of typed pinyin).

    For benchmarks that must time queries as if seen for the first time.

    Examples
    --------
    >>> clear_caches()
    """
    for f in (_sound, _pinyin.to_units, _pinyin.han_syllables, _pinyin.segment,
              _pinyin.segment_partial, _pinyin.segment_mixed, _mixed_keys):  # fmt: skip
        f.cache_clear()
