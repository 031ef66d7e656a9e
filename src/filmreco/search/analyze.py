"""Analyzers of records: from a field value to the terms of each *channel* of the index.

A search index keeps several term spaces (channels) side by side, each with its own
vocabulary, in one score matrix:

========== ============================================================ ================
channel    terms                                                        fields
========== ============================================================ ================
word       names: the whole name, its parts (克里斯托弗, 诺兰) and      all
           their jieba words (search mode), and the whole name as
           itself (``=钢铁侠``, :data:`WHOLE`); text: every word of jieba's
           dictionary found in it (:class:`DictionaryScan`), or jieba's
           segmentation; Latin words and digit runs
ngram      character n-grams of CJK runs (``^星`` / ``越$`` mark the   all
           start/end of a name), the fallback for unknown words,
           partial and misspelt titles
syllable   pinyin syllable bigrams (``xing ji``): typed pinyin and     name fields
           same-sounding characters (星级穿越 -> 星际穿越)
pinyin     full pinyin of a name and of its parts (``xingjichuanyue``)  name fields
initials   pinyin initials of a name and of its parts (``xjcy``)         name fields
========== ============================================================ ================

Everything starts with :func:`normalize`: :func:`filmreco.text.normalize_text` (NFKC, so
full-width becomes half-width; case folding), traditional -> simplified Chinese, and
punctuation and separators (``·``, ``：``, ``《》``, emoji, control characters) turned
into spaces. The pieces are plain functions and small classes, tested on their own;
:class:`FieldAnalyzer` composes them for a field, and
:class:`filmreco.search.query.QueryAnalyzer` does the same for queries. The public names are
those of ``__all__``, all exported by :mod:`filmreco.search`; the helper functions
(:func:`ngrams`, :func:`name_parts`, ...) serve the index's private modules.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from itertools import chain
from typing import Any

from .._validation import check_bool, check_callable, check_int, check_iterable, check_str, shorten
from ..exceptions import InputError, InputTypeError
from ..text import dictionary_frequencies, normalize_text, unspaced_words
from . import _pinyin

# the public names (exported by filmreco.search); the helper functions below serve the
# index's private modules
__all__ = ["CHANNELS", "DictionaryScan", "FieldAnalyzer", "SynonymTable", "normalize"]

#: Prefix of the word that stands for a sequel number (``"§2"``): no text can produce it, as
#: :func:`normalize` turns every symbol into a space.
SEQUEL = "§"
#: Prefix of the word that stands for a whole name value (``"=钢铁侠"``: the title, an alias or
#: a person is exactly that), which a query equal to the name, spaces aside, also holds: no
#: text can produce it, as :func:`normalize` turns every symbol into a space. A record whose
#: name is the query itself thus holds a rare term no record containing the name holds.
WHOLE = "="
#: Suffix of the initials of the start of a long name (``"dhxy>"`` for 大话西游之大圣娶亲).
PREFIX = ">"
_MIN_PREFIX = 3  # shortest start of a name whose initials are indexed (in syllables)
_MAX_PREFIX = 16

#: The channels (term spaces) of a search index, in scoring order.
CHANNELS = ("word", "ngram", "syllable", "pinyin", "initials")
#: Channels fed by name fields only.
NAME_CHANNELS = ("syllable", "pinyin", "initials")

_NOT_WORD = re.compile(r"[\W_]+")  # punctuation, symbols, emoji, controls, spaces
_CJK = re.compile(
    "[\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f]+"
)
_LATIN = re.compile(r"[a-z]+|[0-9]+")
_ALNUM_TOKEN = re.compile(r"[a-z0-9]+")
# Han characters, which the dictionary scan segments (the ideographs of _CJK)
_HAN_CLASS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# a letter or digit of any script but ASCII and Han (Cyrillic, Greek, Hebrew, Arabic, Thai,
# kana, hangul, accented Latin, ...): str.isalnum, as ``\w`` is in Python
_OTHER_LETTER = re.compile(f"[^\\W\\x00-\\x7f{_HAN_CLASS}]")
# a word of such scripts: a run of letters and digits without Han characters
_OTHER_RUN = re.compile(f"[^\\W_{_HAN_CLASS}]+")
_HAN_RUN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]+")
_SHORT_NAME = 2  # name parts up to this length are not segmented (they are their only word)

# --------------------------------------------------------------------------- normalisation
_t2s_lock = threading.Lock()
_t2s: dict[int, str] | None = None


def _t2s_table() -> dict[int, str]:
    """Traditional -> simplified, character by character, from OpenCC's ``TSCharacters``.

    Matching only needs records and queries converted alike, so the table is applied with
    :meth:`str.translate` (C speed) instead of OpenCC's phrase-aware converter (pure
    Python, ~1 ms per 1,000 characters); phrase-level choices (乾隆 vs 乾燥) are not made.
    """
    global _t2s
    if _t2s is None:
        with _t2s_lock:
            if _t2s is None:
                import opencc

                path = os.path.join(
                    os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt"
                )
                table: dict[str, str] = {}
                with open(path, encoding="utf-8") as f:
                    for line in f:
                        key, _, values = line.rstrip("\n").partition("\t")
                        first = values.split(" ")[0]
                        if len(key) == 1 and len(first) == 1 and key != first:
                            table[key] = first
                _t2s = str.maketrans(table)
    return _t2s


def normalize(text: str, *, to_simplified: bool = True) -> str:
    """Normalise `text` for matching: NFKC, case folding, t2s, punctuation -> spaces.

    Parameters
    ----------
    text : str
    to_simplified : bool, default=True
        Convert traditional Chinese characters to simplified ones (OpenCC's character
        table, see :func:`_t2s_table`).

    Returns
    -------
    str
        Words separated by single spaces; only letters, digits and CJK characters remain.

    Examples
    --------
    >>> normalize("《星際穿越》：Ｉｎｔｅｒｓｔｅｌｌａｒ·2014😀")
    '星际穿越 interstellar 2014'
    """
    s = normalize_text(text)
    if check_bool(to_simplified, "to_simplified"):
        s = s.translate(_t2s_table())
    return " ".join(_NOT_WORD.sub(" ", s).split())


# --------------------------------------------------------------------------- sequels
_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ROMAN = {"ii": 2, "iii": 3, "iv": 4, "vi": 6, "vii": 7, "viii": 8, "ix": 9}
_HANC = "\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff"
_CN_NUM = "[一二两三四五六七八九十]{1,3}"
# a sequel number written after a title: "流浪地球2", "流浪地球 2", "追龙ii" (Ⅱ after NFKC),
# "功夫熊猫 iii", "封神第二部", "黄飞鸿之二", "A计划续集"; group "num" is the number
_SEQUEL_MARK = re.compile(
    f"(?<=[{_HANC}])(?: ?(?P<digits>[0-9]{{1,2}})(?=$| |之)"
    f"| ?(?P<roman>{'|'.join(sorted(_ROMAN, key=len, reverse=True))})(?=$| |[{_HANC}])"
    f"|第(?P<nth>{_CN_NUM}|[0-9]{{1,2}})[部集]"
    f"|之(?P<of>{_CN_NUM})(?=$| )"
    f"|(?P<cont>续集))"
)
# a Chinese numeral ending a run (a query's "捉妖记二"): a sequel only when what comes before
# is a known name and the whole is not (see sequel_marks)
_TRAILING_NUM = re.compile(f"(?<=[{_HANC}]{{2}}) ?(?P<bare>{_CN_NUM})(?=$| )")
_MAX_SEQUEL = 12


def chinese_number(text: str) -> int | None:
    """Value of a Chinese numeral from 1 to 99 (``"二"``, ``"十二"``, ``"二十"``), else None.

    Examples
    --------
    >>> chinese_number("二"), chinese_number("十三"), chinese_number("二十一"), chinese_number("二二")
    (2, 13, 21, None)
    """
    if not text:
        return None
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    t = 1 if tens == "" else (_CN_DIGITS.get(tens) if len(tens) == 1 else None)
    o = 0 if ones == "" else (_CN_DIGITS.get(ones) if len(ones) == 1 else None)
    if t is None or o is None:
        return None
    return 10 * t + o


def sequel_marks(
    text: str, known: Callable[[str], bool] | None = None
) -> list[tuple[int, int, int]]:
    """Where normalised `text` numbers a sequel: ``(start, end, number)`` of each mark.

    Marks follow Chinese characters: Arabic digits (``流浪地球2``, ``流浪地球 2``), Roman
    numerals (``追龙Ⅱ``, ``功夫熊猫 III``; :func:`normalize` makes them letters), ``第二部`` /
    ``第2集``, ``之二`` and ``续集`` (2). Numbers above 12 are not sequels (``花田喜事2010``).
    With `known` (a test of whole words, e.g. an index's vocabulary), a Chinese numeral
    ending a run is a mark too (``捉妖记二``), when the run without it is a known word and
    the run is not (``一九四二``, ``狗十三`` stay whole).

    Examples
    --------
    >>> sequel_marks("流浪地球 2"), sequel_marks("功夫熊猫 iii"), sequel_marks("封神第二部 战火西岐")
    ([(4, 6, 2)], [(4, 8, 3)], [(2, 5, 2)])
    >>> sequel_marks("捉妖记二", known={"捉妖记"}.__contains__), sequel_marks("花田喜事2010")
    ([(3, 4, 2)], [])
    """
    out: list[tuple[int, int, int]] = []
    for m in _SEQUEL_MARK.finditer(text):
        if m.group("digits"):
            num: int | None = int(m.group("digits"))
        elif m.group("roman"):
            num = _ROMAN[m.group("roman")]
        elif m.group("cont"):
            num = 2
        else:
            raw = m.group("nth") or m.group("of")
            num = int(raw) if raw.isdigit() else chinese_number(raw)
        if num is not None and 0 < num <= _MAX_SEQUEL:
            out.append((m.start(), m.end(), num))
    if known is not None:
        for m in _TRAILING_NUM.finditer(text):
            num = chinese_number(m.group("bare"))
            if num is None or not 0 < num <= _MAX_SEQUEL:
                continue
            start = m.start()
            run_start = start
            while run_start > 0 and text[run_start - 1] != " ":
                run_start -= 1
            stem = text[run_start:start]
            whole = stem + m.group("bare")
            if any(a < m.end() and start < b for a, b, _ in out):
                continue
            if len(stem) >= 2 and known(stem) and not known(whole):
                out.append((start, m.end(), num))
        out.sort()
    return out


def latin_parts(token: str) -> list[str]:
    """Letter and digit runs of an ASCII token that mixes both (``"x2"`` -> ``["x", "2"]``).

    Tokens that are all letters, all digits or not ASCII give ``[]``.

    Examples
    --------
    >>> latin_parts("r2d2"), latin_parts("2049")
    (['r', '2', 'd', '2'], [])
    """
    if _ALNUM_TOKEN.fullmatch(token) is None or token.isdigit() or token.isalpha():
        return []
    return _LATIN.findall(token)


def ngrams(text: str, n: int = 2, *, markers: bool = False) -> list[str]:
    """Character `n`-grams of the CJK runs (Chinese, kana, hangul) of normalised `text`.

    A run shorter than `n` gives itself. With `markers`, every CJK run also gives
    ``"^" + its first character`` and ``its last character + "$"`` (names use them: a query
    that starts or ends like a title, or like the Chinese part of ``速度与激情9``, ranks
    above one that only contains it).

    Examples
    --------
    >>> ngrams("星际穿越 2014")
    ['星际', '际穿', '穿越']
    >>> ngrams("流浪地球2", markers=True)
    ['^流', '流浪', '浪地', '地球', '球$']
    """
    out: list[str] = []
    for run in _CJK.findall(text):
        if markers:
            out.append("^" + run[0])
        if len(run) <= n:
            out.append(run)
        else:
            out.extend(run[i : i + n] for i in range(len(run) - n + 1))
        if markers:
            out.append(run[-1] + "$")
    return out


def cjk_runs(text: str) -> list[str]:
    """The runs of CJK characters in `text` (``"速度与激情9"`` -> ``["速度与激情"]``).

    Examples
    --------
    >>> cjk_runs("速度与激情9 Fast 复仇者")
    ['速度与激情', '复仇者']
    """
    return _CJK.findall(text)


def name_parts(value: str) -> tuple[str, list[str]]:
    """The whole of a normalised name without spaces, and its space-separated parts.

    Examples
    --------
    >>> name_parts("克里斯托弗 诺兰")
    ('克里斯托弗诺兰', ['克里斯托弗', '诺兰'])
    """
    parts = value.split()
    return "".join(parts), parts


def _latin_words(token: str) -> list[str]:
    return [token, *latin_parts(token)]


# --------------------------------------------------------------------------- synonyms
class SynonymTable:
    """A user-supplied table of synonyms and abbreviations, applied to queries.

    Parameters
    ----------
    table : mapping of str to str or list of str
        ``{"复联": "复仇者联盟", "速激": ["速度与激情"]}``: a query containing a key (after
        :func:`normalize`) is searched as if the expansions had been typed too. One-way; add
        the reverse entry for two-way synonyms.

    Examples
    --------
    >>> SynonymTable({"复联": "复仇者联盟"}).expand("复联4")
    ['复仇者联盟']
    """

    def __init__(self, table: Mapping[str, str | Sequence[str]] | None) -> None:
        if table is None:
            table = {}
        # "table of synonyms": the argument is `table` here and `synonyms` on SearchIndex
        if not isinstance(table, Mapping):
            raise InputTypeError(
                f"table of synonyms must be a mapping of str to str or list of str, got "
                f"{type(table).__name__}."
            )
        self.table: dict[str, list[str]] = {}
        for key, targets in table.items():
            if not isinstance(key, str):
                raise InputTypeError(f"table of synonyms: keys must be str, got {shorten(key)}.")
            if isinstance(targets, str):
                targets = [targets]
            if not isinstance(targets, (list, tuple)) or not all(
                isinstance(t, str) for t in targets
            ):
                raise InputTypeError(
                    f"table of synonyms: [{shorten(key)}] must be a str or a list of str, got "
                    f"{shorten(targets)}."
                )
            k = normalize(key)
            if not k:
                raise InputError(
                    f"table of synonyms: key {shorten(key)} is empty after normalisation."
                )
            expansions = [normalize(t) for t in targets]
            self.table.setdefault(k, []).extend(t for t in expansions if t and t != k)
        keys = sorted(self.table, key=lambda k: (-len(k), k))
        self._re = re.compile("|".join(map(re.escape, keys))) if keys else None

    @property
    def keys(self) -> list[str]:
        """The normalised keys (added as user words to the query tokenizer)."""
        return sorted(self.table)

    def expand(self, text: str) -> list[str]:
        """Expansions of every key found in normalised `text` (each once, in table order)."""
        check_str(text, "text")
        if self._re is None:
            return []
        out: dict[str, None] = {}
        for m in self._re.finditer(text):
            for t in self.table[m.group()]:
                out.setdefault(t, None)
        return list(out)


# --------------------------------------------------------------------------- words of text
_dict_lock = threading.Lock()
_dict_words: dict[int, frozenset[str]] = {}
_dict_sizes: dict[int, frozenset[int]] = {}


def dictionary_words(max_len: int = 4) -> frozenset[str]:
    """The words of jieba's dictionary of 2 to `max_len` characters (built once per process).

    Examples
    --------
    >>> words = dictionary_words(2)
    >>> "电影" in words, all(len(w) == 2 for w in words)
    (True, True)
    """
    got = _dict_words.get(max_len)
    if got is None:
        with _dict_lock:
            got = _dict_words.get(max_len)
            if got is None:
                # the process-wide dictionary that filmreco.text loads once
                freq = dictionary_frequencies()
                got = frozenset(w for w, f in freq.items() if f > 0 and 2 <= len(w) <= max_len)
                _dict_words[max_len] = got
    return got


def _dictionary_sizes(max_len: int) -> frozenset[int]:
    """Lengths of the dictionary words of 2 to `max_len` characters (at most the longest
    word's, however large `max_len`)."""
    got = _dict_sizes.get(max_len)
    if got is None:
        with _dict_lock:
            got = _dict_sizes.get(max_len)
            if got is None:
                got = _dict_sizes[max_len] = frozenset(map(len, dictionary_words(max_len)))
    return got


def _str_items(values: Any, name: str) -> list[str]:
    """The items of `values` (an iterable of str, not one str), or a TypeError naming `name`."""
    items = check_iterable(values, name)
    for w in items:
        if not isinstance(w, str):
            raise InputTypeError(
                f"{name} must hold str only, got {shorten(w)} ({type(w).__name__}); convert "
                "each word to str first."
            )
    return items


def _dictionary_starts(max_len: int) -> frozenset[str]:
    """First two characters of the dictionary words of 3 to `max_len` characters."""
    key = -max_len
    got = _dict_words.get(key)
    if got is None:
        with _dict_lock:
            got = _dict_words.get(key)
            if got is None:
                got = frozenset(w[:2] for w in dictionary_words(max_len) if len(w) > 2)
                _dict_words[key] = got
    return got


def _other_words(text: str, out: list[str], vocabulary: Any = None) -> None:
    """Append the words of `text` in scripts other than ASCII and Han: each run of letters
    and digits holding a non-ASCII one (``интерстеллар``, ``שלום``, ``인터스텔라``,
    ``café``; its ASCII runs are emitted as Latin words already). A script written without
    spaces (kana, Thai) gives its words only (:func:`filmreco.text.unspaced_words`:
    katakana runs, short Thai runs; no kana sentence), and, with a `vocabulary` (a query's
    scan), the whole run too when the vocabulary holds it (a name typed whole)."""
    for w in _OTHER_RUN.findall(text):
        if w.isascii():
            continue
        words = unspaced_words(w)
        if vocabulary is not None and w in vocabulary and words != [w]:
            out.append(w)
        out.extend(p for p in words if not p.isascii())


class DictionaryScan:
    """Every dictionary word found in a text: jieba's full mode, computed as a substring scan.

    jieba's accurate mode picks one segmentation through a dynamic programme, character by
    character in Python (about 0.5 M characters/s without its HMM). Matching does not need
    the choice: this emits every word of jieba's dictionary (2-4 characters) and of
    `user_words` (any length) found in the text, overlaps included, as
    ``jieba.cut(text, cut_all=True)`` does, several times faster. Latin words and digit runs
    are emitted as they are, and so is each run of letters of any other script (Cyrillic,
    Greek, Hebrew, Arabic, Thai, kana, hangul: ``str.isalnum``, not ASCII ranges), so a
    film titled ``Интерстеллар`` is found by that word, as with jieba. A script written
    without spaces gives its words only (:func:`filmreco.text.unspaced_words`: katakana
    runs and short Thai runs, not a kana sentence); a query's scan (with `vocabulary`) also
    gives such a run whole when the vocabulary holds it. With `singles`, a run of one Chinese
    character is emitted too (text leaves single characters to the n-gram channel).

    Parameters
    ----------
    user_words : iterable of str, default=()
        Normalised extra words (e.g. the catalogue's titles and names).
    max_len : int, default=4
        Longest dictionary word looked for.
    singles : bool, default=False
        Emit one-character runs.
    vocabulary : mapping or set of str, optional
        Look for these words (e.g. an index's vocabulary, for its queries: a word it does
        not hold cannot match) and `user_words` instead of jieba's dictionary.

    Examples
    --------
    >>> DictionaryScan(["星际穿越"])("诺兰的星际穿越2014")
    ['诺兰', '星际', '星际穿越', '穿越', '2014']
    >>> DictionaryScan(vocabulary={"诺兰": 0, "星际穿越": 1})("诺兰的星际穿越")
    ['诺兰', '星际穿越']
    """

    def __init__(
        self,
        user_words: Iterable[str] = (),
        *,
        max_len: int = 4,
        singles: bool = False,
        vocabulary: Mapping[str, Any] | None = None,
    ) -> None:
        max_len = check_int(max_len, "max_len", min_value=1)
        extra = {
            w for w in _str_items(user_words, "user_words") if len(w) > 1 and _HAN_RUN.fullmatch(w)
        }
        self.longer: frozenset[str] | None = None
        self.starts: frozenset[str] = frozenset()
        if vocabulary is None:
            self.words: Any = dictionary_words(max_len) | extra
            self.extra: frozenset[str] = frozenset()
            sizes = {*_dictionary_sizes(max_len), *(len(w) for w in extra)}
            # two-character starts of the longer words: elsewhere only pairs are looked up
            self.longer = _dictionary_starts(max_len) | {w[:2] for w in extra if len(w) > 2}
        else:  # an index's own words: nothing else can match it
            if not isinstance(vocabulary, Mapping | Set):
                raise InputTypeError(
                    "vocabulary must be a mapping or a set of str (e.g. an index's words), got "
                    f"{type(vocabulary).__name__}."
                )
            self.words = vocabulary
            self.extra = frozenset(extra)
            try:  # one pass over a large vocabulary: a word without a length is refused here
                sizes = {len(w) for w in vocabulary} | {len(w) for w in extra}
            except TypeError:
                _str_items(vocabulary, "vocabulary")  # names the word that is not a str
                raise
            # two-character starts of the longer words (a query is scanned size by size,
            # longer sizes only from the positions where such a pair starts)
            self.starts = frozenset(w[:2] for w in chain(vocabulary, extra) if len(w) > 2)
        self.sizes = sorted(k for k in sizes if k >= 2)
        self.singles = check_bool(singles, "singles")

    def _scan_text(self, text: str) -> list[str]:
        """The dictionary scan of long text, by position: a pair, then longer words only
        where the pair starts one (about a quarter faster than size by size)."""
        words, longer = self.words, self.longer
        assert longer is not None
        more = self.sizes[1:]
        out: list[str] = []
        for run in _HAN_RUN.findall(text):
            n = len(run)
            if n == 1 and self.singles:
                out.append(run)
            for i in range(n - 1):
                w = run[i : i + 2]
                if w in words:
                    out.append(w)
                if w in longer:
                    for size in more:
                        if i + size > n:
                            break
                        w = run[i : i + size]
                        if w in words:
                            out.append(w)
        out.extend(_ALNUM_TOKEN.findall(text))
        if _OTHER_LETTER.search(text) is not None:
            _other_words(text, out)
        return out

    def __call__(self, text: str) -> list[str]:
        if self.longer is not None:
            return self._scan_text(text)
        # size by size, each size left to right (the order of the query's words); a size
        # above 2 only where a longer word starts with the pair there
        words, extra, starts = self.words, self.extra, self.starts
        longer = self.sizes[1:] if self.sizes[:1] == [2] else self.sizes
        out: list[str] = []
        for run in _HAN_RUN.findall(text):
            n = len(run)
            if n == 1:
                if self.singles:
                    out.append(run)
                continue
            at: list[int] = []
            for i in range(n - 1):
                w = run[i : i + 2]
                if w in words or w in extra:
                    out.append(w)
                if w in starts:
                    at.append(i)
            if not at:
                continue
            for size in longer:
                if size > n - at[0]:
                    break
                for i in at:
                    if i + size > n:
                        break
                    w = run[i : i + size]
                    if w in words or w in extra:
                        out.append(w)
        out.extend(_ALNUM_TOKEN.findall(text))
        if _OTHER_LETTER.search(text) is not None:
            _other_words(text, out, self.words)
        return out


# --------------------------------------------------------------------------- fields
class FieldAnalyzer:
    """Turn the values of one field into per-channel term lists.

    Parameters
    ----------
    tokenizer : callable
        ``tokenizer(text) -> list of str``: a :class:`filmreco.text.Tokenizer` (jieba) or a
        :class:`DictionaryScan`.
    name : bool
        Whether the field holds names (titles, aliases, people): each value then also
        gives its whole form and its parts as words, n-grams with start/end markers, and
        (with `pinyin`) syllable bigrams, full pinyin and initials.
    stop_words : collection of str
        Dropped from the words of text (never from a name's whole form or parts).
    n : int, default=2
        n-gram length.
    pinyin : bool, default=True
        Feed the pinyin channels (name fields only).

    Examples
    --------
    >>> from filmreco.text import Tokenizer
    >>> fa = FieldAnalyzer(Tokenizer(mode="search"), name=True, stop_words=())
    >>> terms = fa(["星际穿越"])
    >>> terms["pinyin"], terms["initials"], terms["ngram"][:2], terms["syllable"][:1]
    (['xingjichuanyue'], ['xjcy', 'xjc>'], ['星际', '际穿'], ['xing ji'])
    """

    def __init__(
        self,
        tokenizer: Callable[[str], list[str]],
        *,
        name: bool,
        stop_words: Iterable[str] = (),
        n: int = 2,
        pinyin: bool = True,
    ) -> None:
        self.tokenizer = check_callable(tokenizer, "tokenizer")
        self.name = check_bool(name, "name")
        self.stop_words = frozenset(_str_items(stop_words, "stop_words"))
        self.n = check_int(n, "n", min_value=1)
        self.pinyin = check_bool(pinyin, "pinyin") and self.name

    def words(self, text: str) -> list[str]:
        """Words of normalised text: jieba tokens minus stop words, mixed Latin split."""
        if not isinstance(text, str):
            check_str(text, "text")
        out: list[str] = []
        stop = self.stop_words
        # ASCII text (years, Latin names) needs no jieba: normalised words are space-separated
        tokens = text.split() if text.isascii() else self.tokenizer(text)
        for tok in tokens:
            if tok in stop:
                continue
            if tok[0] < "\u0080":
                out.extend(_latin_words(tok))
            else:
                out.append(tok)
        return out

    def __call__(self, values: Iterable[str]) -> dict[str, list[str]]:
        """Terms of each channel for the (already normalised) `values` of one record."""
        terms: dict[str, list[str]] = {c: [] for c in CHANNELS}
        if not self.name:
            for v in values:
                terms["word"].extend(self.words(v))
                terms["ngram"].extend(ngrams(v, self.n))
            return terms
        for v in values:
            whole, parts = name_parts(v)
            if not whole:
                continue
            words = {whole: None}
            for p in parts:
                words.setdefault(p, None)
                runs = cjk_runs(p)
                if len(runs) > 1 or (runs and runs[0] != p):  # mixed scripts: "速度与激情9"
                    for r in runs:
                        words.setdefault(r, None)
                # its dictionary words (钢铁侠 -> 钢铁), which a query typing the name also
                # holds when the index knows them from other names (钢铁侠2) or text
                if len(p) > _SHORT_NAME:
                    for w in self.words(p):
                        words.setdefault(w, None)
            for _, _, num in sequel_marks(v):
                words.setdefault(f"{SEQUEL}{num}", None)
            words.setdefault(WHOLE + whole, None)
            terms["word"].extend(words)
            terms["ngram"].extend(name_ngrams(parts, self.n))
            if self.pinyin:
                self._pinyin_terms(whole, parts, terms)
        return terms

    @staticmethod
    def _pinyin_terms(whole: str, parts: list[str], terms: dict[str, list[str]]) -> None:
        units = _pinyin.to_units(whole)
        if not units:
            return
        # bigrams over the whole name: "zhuluojishijiechongsheng" finds 侏罗纪世界：重生
        terms["syllable"].extend(_pinyin.syllable_bigrams(units, markers=False))
        full = {_pinyin.full_pinyin(units): None}
        init = {_pinyin.initials(units): None}
        if len(parts) > 1:
            for p in parts:
                u = _pinyin.to_units(p)
                if u:
                    full.setdefault(_pinyin.full_pinyin(u), None)
                if len(u) > 1:  # a one-letter initial would match far too much
                    init.setdefault(_pinyin.initials(u), None)
        # the initials of the start of a long name ("dhxy>" for 大话西游之大圣娶亲), which
        # queries of initials also look for (with a lower weight than a whole name)
        seq = [u if u[0].isdigit() else u[0] for u, _ in units[:_MAX_PREFIX]]
        starts: dict[str, None] = {}
        for k in range(_MIN_PREFIX, min(len(units), _MAX_PREFIX + 1)):
            head = "".join(seq[:k])
            if head not in init:  # a part's initials already find the name
                starts.setdefault(head + PREFIX, None)
        init.update(starts)
        terms["pinyin"].extend(full)
        terms["initials"].extend(init)


def name_ngrams(parts: list[str], n: int = 2) -> list[str]:
    """n-grams of a name: over its parts joined (so 侏罗纪世界：重生 has 界重), with start/end
    markers on every CJK run of every part.

    Examples
    --------
    >>> name_ngrams(["世界", "重生"])
    ['世界', '界重', '重生', '^世', '界$', '^重', '生$']
    """
    out = ngrams("".join(parts), n)
    for p in parts:
        for run in _CJK.findall(p):
            out.append("^" + run[0])
            out.append(run[-1] + "$")
    return out
