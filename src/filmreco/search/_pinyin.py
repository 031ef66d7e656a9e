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
    "segment",
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
def segment(letters: str) -> tuple[str, ...] | None:
    """Split a string of Latin letters into pinyin syllables, or None if it is not pinyin.

    Among all splits the one with the fewest syllables wins; ties go to the split whose
    syllables are longest first (``"fangan"`` -> ``fang an``). ``"lue"``/``"nue"`` are read
    as ``"lve"``/``"nve"``.

    Examples
    --------
    >>> segment("xingjichuanyue")
    ('xing', 'ji', 'chuan', 'yue')
    >>> segment("xjcy") is None
    True
    """
    n = len(letters)
    if n == 0 or n > 64 or not letters.isalpha():
        return None
    # count[i]: fewest syllables spelling letters[i:] (n + 1 = impossible), nxt[i]: where
    # the first of them ends; built from the end, longest syllable first on ties
    impossible = n + 1
    count = [impossible] * (n + 1)
    nxt = [0] * (n + 1)
    count[n] = 0
    known = _KNOWN
    for i in range(n - 1, -1, -1):
        best = impossible
        for j in range(min(n, i + _MAX_SYLLABLE), i, -1):
            if count[j] + 1 < best and letters[i:j] in known:
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


def is_han(text: str) -> bool:
    """Whether `text` is made only of Chinese characters."""
    return _HAN.fullmatch(text) is not None
