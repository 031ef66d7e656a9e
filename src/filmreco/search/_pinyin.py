"""Pinyin of Chinese names: syllables, full pinyin, initials, and splitting typed pinyin.

A name is turned into *units*: one toneless syllable per Chinese character (from
:mod:`pypinyin`, phrase-aware, so 长城 reads ``chang cheng`` and 银行 ``yin hang``), and each
run of Latin letters or digits as one unit of its own (``"x"``, ``"2049"``). From the units:

- the full pinyin is their concatenation (``"xingjichuanyue"``),
- the initials are the first letter of every syllable or word, digits kept whole
  (``"xjcy"``, ``"yyss2049"``),
- the syllable bigrams (with ``^``/``$`` marking the start and end) match typed pinyin and
  same-sounding characters alike.

What a user types in Latin letters is split back into syllables by :func:`segment` (fewest
syllables, then longest first), so ``"xingjichuanyue"`` and ``"xing ji chuan yue"`` give the
same bigrams as 星际穿越, and so does the homophone typo 星级穿越.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from itertools import pairwise
from typing import Any

__all__ = [
    "SYLLABLES",
    "full_pinyin",
    "han_syllables",
    "initials",
    "plain_pinyin",
    "segment",
    "segment_mixed",
    "segment_partial",
    "syllable_bigrams",
    "to_units",
]

# The toneless syllables of Standard Chinese as pypinyin spells them ("lv", "nve"); the
# interjections m, n, ng, hm, hng are left out so that strings of consonants (initials)
# are never mistaken for pinyin.
_TABLE = """
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu ca
cai can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua
chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den
deng di dia dian diao die din ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang
fei fen feng fiao fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang
gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji
jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng
kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei len leng li lia lian
liang liao lie lin ling liu lo long lou lu luan lun luo lv lve ma mai man mang mao me mei men
meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nia nian
niang niao nie nin ning niu nong nou nu nuan nun nuo nv nve o ou pa pai pan pang pao pei pen
peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan
que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao se sen
seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun
shuo si song sou su suan sui sun suo ta tai tan tang tao te tei teng ti tian tiao tie ting tong
tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wong wu xi xia xian xiang xiao xie xin
xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai
zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua
zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
"""
#: Every toneless pinyin syllable recognised when splitting typed pinyin.
SYLLABLES: frozenset[str] = frozenset(_TABLE.split())
# keyboard spellings of the ü finals that IMEs accept besides "lv"/"nve"
_ALIASES = {"lue": "lve", "nue": "nve"}
_KNOWN = SYLLABLES | frozenset(_ALIASES)
_MAX_SYLLABLE = 6

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_UNIT = re.compile(
    r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)|([a-z]+)|([0-9]+)"
)
_lock = threading.Lock()
_pypinyin: dict[str, Any] = {}
_READING: dict[str, str | None] = {}  # character -> its only toneless reading, None if several
_ALONE: dict[
    str, str
] = {}  # character -> its reading alone (char_syllables), a table filled lazily


# tone-marked pinyin -> toneless, ü written "v" (pypinyin's NORMAL style, without its regexes)
_TONELESS = str.maketrans(
    {
        **dict.fromkeys("āáǎà", "a"),
        **dict.fromkeys("ēéěèê", "e"),
        **dict.fromkeys("īíǐì", "i"),
        **dict.fromkeys("ōóǒò", "o"),
        **dict.fromkeys("ūúǔù", "u"),
        **dict.fromkeys("ǖǘǚǜü", "v"),
        **dict.fromkeys("ńňǹ", "n"),
        "ḿ": "m",
    }
)


def toneless(syllable: str) -> str:
    """``"lǜ"`` -> ``"lv"``, ``"xīng"`` -> ``"xing"``.

    Examples
    --------
    >>> toneless("lüè"), toneless("xīng")
    ('lve', 'xing')
    """
    s = syllable.translate(_TONELESS)
    if not s.isascii():  # combining marks (ê̄ ...): drop them
        s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return s.lower()


def _lib() -> dict[str, Any]:
    """pypinyin, imported on first use (it loads large tables; keep ``import filmreco`` light)."""
    if not _pypinyin:
        with _lock:
            if not _pypinyin:
                from pypinyin import Style, lazy_pinyin, pinyin

                def keep(chars: str) -> Any:  # pypinyin also takes a list: one per char
                    return list(chars)

                # the default (tone-marked) style skips pypinyin's style conversion, the
                # slowest part of a call; toneless() removes the marks
                lib: dict[str, Any] = {
                    "run": lambda run: lazy_pinyin(run, style=Style.TONE, errors=keep),
                    "all": lambda ch: pinyin(ch, style=Style.TONE, heteronym=True, errors=keep)[0],
                    "chars": None,
                    "phrases": None,
                }
                try:  # pypinyin's own tables (loaded by its import): a fast path, not required
                    from pypinyin.phrases_dict import phrases_dict
                    from pypinyin.pinyin_dict import pinyin_dict

                    lib["chars"], lib["phrases"] = pinyin_dict, phrases_dict
                except ImportError:  # pragma: no cover - other pypinyin layouts
                    pass
                _pypinyin.update(lib)
    return _pypinyin


def _reading(ch: str) -> str | None:
    """The toneless reading of a character, or None when it has several."""
    got = _READING.get(ch, "")
    if got == "":
        chars = _lib()["chars"]
        if chars is not None:
            raw = chars.get(ord(ch))
            readings = {toneless(r) for r in raw.split(",")} if raw else {ch}
        else:  # pragma: no cover - without pypinyin's tables
            readings = {toneless(r) for r in _lib()["all"](ch)}
        got = _READING[ch] = readings.pop() if len(readings) == 1 else None
    return got


def _default(ch: str) -> str:
    """The first (most common) toneless reading of a character."""
    chars = _lib()["chars"]
    raw = chars.get(ord(ch)) if chars is not None else None
    return toneless(raw.split(",")[0]) if raw else ch


def _in_phrase(run: str) -> bool:
    """Whether some 2-10 character stretch of `run` is in pypinyin's phrase table."""
    phrases = _lib()["phrases"]
    if phrases is None:  # pragma: no cover - without pypinyin's tables
        return True
    n = len(run)
    return any(run[i:j] in phrases for i in range(n - 1) for j in range(i + 2, min(n, i + 10) + 1))


@lru_cache(maxsize=65536)
def han_syllables(run: str) -> tuple[str, ...]:
    """Toneless syllables of a run of Chinese characters, one per character.

    A character with one toneless reading is looked up alone. A run holding a character
    with several (长, 行, 的...) is read by pypinyin's phrase table when part of it is a
    known phrase, so 长城 reads ``chang cheng`` and 银行 ``yin hang``; otherwise every
    character takes its most common reading. A character pypinyin does not know stays as
    itself.

    Examples
    --------
    >>> han_syllables("长城"), han_syllables("星际")
    (('chang', 'cheng'), ('xing', 'ji'))
    """
    readings = [_reading(ch) for ch in run]
    if None not in readings:
        return tuple(readings)  # type: ignore[arg-type]
    if not _in_phrase(run):
        return tuple(r if r is not None else _default(ch) for r, ch in zip(readings, run))
    phrase = _lib()["run"](run)
    if len(phrase) != len(run):  # defensive: keep one unit per character
        phrase = [_lib()["run"](c)[0] for c in run]
    return tuple(toneless(x) for x in phrase)


def char_syllables(run: str) -> tuple[str, ...]:
    """Toneless syllables of a run, each character read alone (its most common reading).

    Faster than :func:`han_syllables` and used for queries: a typed query is read
    character by character, so a homophone typo is read the same way whatever its context.

    Examples
    --------
    >>> char_syllables("星际")
    ('xing', 'ji')
    """
    get = _ALONE.get
    out = [get(ch) for ch in run]
    if None in out:  # characters not met before
        out = [r if r is not None else _alone(ch) for r, ch in zip(out, run)]
    return tuple(out)  # type: ignore[arg-type]


def _alone(ch: str) -> str:
    """The reading of a character read alone (its only or most common one), remembered."""
    r = _reading(ch)
    got = _ALONE[ch] = r if r is not None else _default(ch)
    return got


@lru_cache(maxsize=65536)
def to_units(text: str, phrases: bool = True) -> tuple[tuple[str, bool], ...]:
    """Units of normalised `text`: ``(syllable, True)`` per Chinese character, ``(word, False)``
    per run of Latin letters or digits; everything else separates.

    With `phrases` (the default), characters with several readings are read in context
    (:func:`han_syllables`); without, one by one (:func:`char_syllables`).

    Examples
    --------
    >>> [u for u, _ in to_units("x战警2")]
    ['x', 'zhan', 'jing', '2']
    """
    units: list[tuple[str, bool]] = []
    read = han_syllables if phrases else char_syllables
    for m in _UNIT.finditer(text):
        han, alpha, digits = m.groups()
        if han:
            units.extend((s, True) for s in read(han))
        else:
            units.append((alpha or digits, False))
    return tuple(units)


def full_pinyin(units: tuple[tuple[str, bool], ...]) -> str:
    """Concatenated pinyin of `units` (``"xingjichuanyue"``)."""
    return "".join(u for u, _ in units)


def initials(units: tuple[tuple[str, bool], ...]) -> str:
    """First letters of syllables and words; digit runs are kept whole (``"yyss2049"``)."""
    return "".join(u if u[0].isdigit() else u[0] for u, _ in units)


def syllable_bigrams(units: tuple[tuple[str, bool], ...], *, markers: bool = True) -> list[str]:
    """Adjacent unit pairs ``"xing ji"``, plus ``"^ xing"`` and ``"yue $"`` when `markers`.

    Examples
    --------
    >>> syllable_bigrams(to_units("星际穿越"))
    ['^ xing', 'xing ji', 'ji chuan', 'chuan yue', 'yue $']
    """
    seq = [u for u, _ in units]
    if not seq:
        return []
    if markers:
        seq = ["^", *seq, "$"]
    return [f"{a} {b}" for a, b in pairwise(seq)]


@lru_cache(maxsize=16384)
def segment(letters: str, shortest_first: bool = False) -> tuple[str, ...] | None:
    """Split a string of Latin letters into pinyin syllables, or None if it is not pinyin.

    Among all splits the one with the fewest syllables wins; ties go to the split whose
    syllables are longest first (``"fangan"`` -> ``fang an``), or shortest first with
    `shortest_first` (``fan gan``: the other reading of an ambiguous string, which the
    apostrophe of written pinyin, ``fang'an``, would settle and typed pinyin lacks).
    ``"lue"``/``"nue"`` are read as ``"lve"``/``"nve"``.

    Examples
    --------
    >>> segment("xingjichuanyue")
    ('xing', 'ji', 'chuan', 'yue')
    >>> segment("xjcy") is None
    True
    >>> segment("yidenan"), segment("yidenan", shortest_first=True)
    (('yi', 'den', 'an'), ('yi', 'de', 'nan'))
    """
    if not letters or len(letters) > 64 or not letters.isalpha():
        return None
    return _fewest_units(letters, frozenset(), shortest_first)


def _fewest_units(
    letters: str, lone: frozenset[str], shortest_first: bool
) -> tuple[str, ...] | None:
    """The split of `letters` into the fewest units, each a syllable or a letter of `lone`
    (longest unit first on ties, or shortest first), or None if there is none."""
    n = len(letters)
    # count[i]: fewest units spelling letters[i:] (n + 1 = impossible), nxt[i]: where the
    # first of them ends; built from the end
    impossible = n + 1
    count = [impossible] * (n + 1)
    nxt = [0] * (n + 1)
    count[n] = 0
    known = _KNOWN
    for i in range(n - 1, -1, -1):
        best = impossible
        ends = range(min(n, i + _MAX_SYLLABLE), i, -1)
        for j in reversed(ends) if shortest_first else ends:
            if count[j] + 1 < best:
                piece = letters[i:j]
                if piece in known or (j == i + 1 and piece in lone):
                    best = count[j] + 1
                    nxt[i] = j
        count[i] = best
    if count[0] == impossible:
        return None
    out = []
    i = 0
    while i < n:
        piece = letters[i : nxt[i]]
        out.append(_ALIASES.get(piece, piece))
        i = nxt[i]
    return tuple(out)


# proper starts of syllables ("zh", "zhua"): what the last letters of pinyin typed so far
# may be
_STARTS = frozenset(s[:k] for s in _KNOWN for k in range(1, len(s))) - _KNOWN


@lru_cache(maxsize=16384)
def segment_partial(letters: str) -> tuple[tuple[str, ...], str] | None:
    """Split pinyin typed so far: whole syllables, then the start of the next one.

    For a query cut short while typing (``"xingjichuany"``): the longest head that
    :func:`segment` splits, followed by a tail that starts some syllable but is none. None
    when `letters` is whole pinyin (use :func:`segment`) or no such split exists.

    Examples
    --------
    >>> segment_partial("xingjichuany")
    (('xing', 'ji', 'chuan'), 'y')
    >>> segment_partial("xingji") is None, segment_partial("qwerty") is None
    (True, True)
    """
    n = len(letters)
    if n < 2 or n > 64 or not letters.isalpha() or segment(letters) is not None:
        return None
    for cut in range(n - 1, max(0, n - _MAX_SYLLABLE), -1):
        tail = letters[cut:]
        if tail in _STARTS:
            head = segment(letters[:cut])
            if head is not None:
                return head, tail
    return None


# letters that start a syllable, typed alone as its initial (i, u and v start none)
_INITIAL_LETTERS = frozenset(s[0] for s in SYLLABLES)


@lru_cache(maxsize=16384)
def segment_mixed(letters: str, shortest_first: bool = False) -> tuple[str, ...] | None:
    """Split letters mixing whole syllables and initials (``"shenqnx"`` -> ``shen q n x``).

    Input methods accept a name typed partly in full pinyin and partly as initials (the
    "mixed" input of Sogou and other IMEs). Among the splits into units that are each a
    syllable or one letter starting a syllable, the one with the fewest units wins (longest
    first on ties, or shortest first with `shortest_first`, as in :func:`segment`). None unless the split holds both a syllable of two letters or more and
    a lone initial that is not itself a syllable, in three units or more (three only with
    three letters or more of whole syllables: "lo s t", "ci t y" would read English words
    such as "lost" and "city"): whole pinyin (:func:`segment`) and plain initials are read
    as such.

    Examples
    --------
    >>> segment_mixed("shenqnx"), segment_mixed("xjcy"), segment_mixed("xingji")
    (('shen', 'q', 'n', 'x'), None, None)
    """
    if len(letters) < 3 or len(letters) > 64 or not letters.isalpha():
        return None
    out = _fewest_units(letters, _INITIAL_LETTERS, shortest_first)
    if out is None or len(out) < 3:
        return None
    whole = sum(len(u) for u in out if len(u) > 1)
    lone = any(len(u) == 1 and u not in _KNOWN for u in out)
    # three units need three letters of whole syllables: "lo s t", "ci t y" are English
    return tuple(out) if lone and whole >= (2 if len(out) > 3 else 3) else None


# a letter of pinyin written with its tone mark (or ü): the cheap test for plain_pinyin
_MARKED = re.compile("[āáǎàēéěèêīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]")
# a syllable followed by its tone number ("xing1"): the other cheap test
_NUMBERED_TONE = re.compile("[a-z][0-5]")
_LATIN_RUN = re.compile("[a-z0-9āáǎàēéěèêīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]+")
_TONE_NUMBERS = re.compile("(?:[a-z]+[0-5])+[a-z]*")


def _numbered_syllables(run: str) -> str | None:
    """`run` without its tone numbers if it is pinyin written with them, else None."""
    if _TONE_NUMBERS.fullmatch(run) is None:
        return None
    letters = re.split("[0-5]", run)
    if not all(segment(p) is not None for p in letters if p):
        return None
    return "".join(letters)


def plain_pinyin(text: str) -> tuple[str, list[str]]:
    """Typed pinyin in a normalised query without its tones.

    Pinyin copied from a dictionary or typed by a learner carries tones: as marks
    (``"xīng jì"``, ``"nǚ"``) or as numbers after each syllable (``"xing1 ji4"``, the style
    of CC-CEDICT and of pypinyin's ``TONE3``). The index reads pinyin without tones, so
    each run of Latin letters that is pinyin once its marks are removed is written without
    them (ü as ``v``), and so are the runs of syllables with tone numbers when the query
    holds two numbers or more in all (one number after a word may be a sequel's:
    ``"bianxingjingang2"``). Runs that are not pinyin without their marks (``"café"``) are
    left as typed.

    Parameters
    ----------
    text : str
        A normalised query (:func:`~filmreco.search.normalize`).

    Returns
    -------
    text : str
        The query with the tones removed.
    marked : list of str
        The tone-marked runs that were rewritten, as typed (the index may hold them as
        words, e.g. a French title).

    Examples
    --------
    >>> plain_pinyin("xīng jì chuān yuè")
    ('xing ji chuan yue', ['xīng', 'jì', 'chuān', 'yuè'])
    >>> plain_pinyin("xing1ji4 chuan1yue4")[0], plain_pinyin("bianxingjingang2")[0]
    ('xingji chuanyue', 'bianxingjingang2')
    """
    marked = _MARKED.search(text) is not None
    numbered = _NUMBERED_TONE.search(text) is not None
    if not (marked or numbered):
        return text, []
    pieces: list[str] = []
    rewritten: list[str] = []
    numbers: list[tuple[int, str]] = []
    last = 0
    for m in _LATIN_RUN.finditer(text):
        run = m.group()
        pieces.append(text[last : m.start()])
        last = m.end()
        if marked and _MARKED.search(run) is not None and run.isalpha():
            plain = toneless(run)
            if plain.isascii() and segment(plain) is not None:
                pieces.append(plain)
                rewritten.append(run)
                continue
        elif numbered:
            plain2 = _numbered_syllables(run)
            if plain2 is not None:  # rewritten below if the query holds 2+ tone numbers
                numbers.append((len(pieces), plain2))
        pieces.append(run)
    pieces.append(text[last:])
    if numbers and sum(len(pieces[i]) - len(p) for i, p in numbers) >= 2:
        for i, p in numbers:
            pieces[i] = p
    return "".join(pieces), rewritten


def is_han(text: str) -> bool:
    """Whether `text` is made only of Chinese characters."""
    return _HAN.fullmatch(text) is not None
