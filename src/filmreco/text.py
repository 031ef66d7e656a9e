"""Chinese-first text normalisation and tokenisation, shared by the content models and search.

- :func:`normalize_text` — NFKC (full-width to half-width), case folding, one kind of middle
  dot, collapsed whitespace, optional traditional-to-simplified conversion;
- :class:`Tokenizer` — jieba segmentation with per-instance user words, stop words and
  punctuation filtering; picklable, thread-safe after the first call;
- :func:`char_ngrams` — character n-grams of CJK runs, for n-gram fallbacks;
- :data:`CHINESE_STOP_WORDS` — a small list of common Chinese function words.

jieba is imported lazily (``import filmreco`` does not load it), with its import-time warnings
silenced narrowly, and its ~0.5-1 s dictionary load happens at most once per process: every
:class:`Tokenizer` gets its own ``jieba.Tokenizer`` that shares the loaded frequency table until
a user word is added, and then copies it. User words therefore never reach another instance or
jieba's global default tokenizer (``jieba.add_word`` would change every caller in the process).
jieba's start-up log lines are suppressed; filmreco logs to ``logging.getLogger("filmreco")``.

The middle dot of transliterated names (克里斯托弗·诺兰) is not a word character for jieba, which
always splits on it. :func:`normalize_text` maps its variants (``• ・ ‧ ∙ ⋅`` ...) to ``·``
(U+00B7), and :class:`Tokenizer` keeps user words that jieba cannot keep whole (words with a
``·``, other punctuation, or Latin letters or digits) as single tokens by matching them before
jieba sees the text. Without such a user word, "克里斯托弗·诺兰" gives "克里斯托弗" and "诺兰".
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from ._validation import check_bool, check_iterable, check_option, check_str, shorten
from .exceptions import InputError, InputTypeError

__all__ = [
    "CHINESE_STOP_WORDS",
    "MAX_UNSPACED_WORD",
    "MODES",
    "Tokenizer",
    "char_ngrams",
    "dictionary_frequencies",
    "normalize_text",
    "unspaced_words",
]

logger = logging.getLogger("filmreco")

#: Common Chinese function words (particles, pronouns, conjunctions, prepositions, adverbs).
CHINESE_STOP_WORDS: frozenset[str] = frozenset(
    """
    的 地 得 了 着 过 是 在 和 与 及 以及 或 或者 也 都 就 而 而且 又 并 并且 但 但是 却 然而
    把 被 让 给 对 对于 从 向 于 以 为 为了 之 其 这 那 这个 那个 这些 那些 一个 一些 一种
    有 没有 很 还 更 最 已 已经 会 能 可以 要 将 吗 呢 吧 啊 呀 嘛 么 等 等等 我 你 他 她 它
    我们 你们 他们 她们 它们 自己 什么 怎么 如何 因为 所以 如果 虽然 然后 关于 之后 之前 时候
    """.split()
)

#: Segmentation modes of :class:`Tokenizer`.
MODES = ("default", "search", "all")

# Variants of the middle dot used between the parts of transliterated names.
_DOTS = str.maketrans(dict.fromkeys("\u0387\u2022\u2027\u2219\u22c5\u2e31\u30fb\uff65", "\u00b7"))
_HAN = re.compile("[\u4e00-\u9fd5]+")  # the characters jieba's dictionary covers
_WORD_CHAR = re.compile(r"[^\W_]")  # a letter or digit of any script (str.isalnum)
_ASCII_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_HAN_CLASS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# a letter or digit of a script jieba cuts into single characters (not ASCII, not Han)
_OTHER_LETTER = re.compile(f"[^\\W\\x00-\\x7f{_HAN_CLASS}]")
# a word holding such letters: a run of letters and digits (no Han) with a non-ASCII one
_OTHER_WORD = re.compile(f"[^\\W_{_HAN_CLASS}]*[^\\W\\x00-\\x7f{_HAN_CLASS}][^\\W_{_HAN_CLASS}]*")
# scripts written without spaces between words: kana (hiragana; katakana with its
# prolonged sound mark ー) and the South-East Asian scripts (Thai, Lao, Myanmar, Khmer)
_HIRAGANA = "\u3040-\u309f"
_KATAKANA = "\u30a0-\u30ff\u31f0-\u31ff"
_SOUTH_EAST_ASIAN = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_UNSPACED_CLASS = _HIRAGANA + _KATAKANA + _SOUTH_EAST_ASIAN
_UNSPACED = re.compile(f"[{_UNSPACED_CLASS}]")
_UNSPACED_PIECE = re.compile(
    f"[{_KATAKANA}]+|[{_HIRAGANA}]+|[{_SOUTH_EAST_ASIAN}]+|[^{_UNSPACED_CLASS}]+"
)
_HIRAGANA_RUN = re.compile(f"[{_HIRAGANA}]")
_SOUTH_EAST_ASIAN_RUN = re.compile(f"[{_SOUTH_EAST_ASIAN}]")
#: Longest run of a South-East Asian script (Thai, ...) kept as one word.
MAX_UNSPACED_WORD = 8
_CJK_RUN = re.compile(
    "[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f\U00030000-\U0003134f]+"
)


def unspaced_words(run: str) -> list[str]:
    """The words of a run of letters and digits (no Han) in a script written without spaces.

    Kana and the South-East Asian scripts (Thai, Lao, Myanmar, Khmer) do not separate
    words, so a run of them can be a whole sentence (``いエピソードとなっている``), a "word"
    no query types that only lengthens its text. Following Unicode's word boundaries
    (UAX #29), a katakana run is one word (loanwords and names: ``インターステラー``);
    hiragana, whose word boundaries only a dictionary knows, gives none (search reads kana
    through character n-grams); a South-East Asian run is a word up to
    :data:`MAX_UNSPACED_WORD` characters (a short title), not beyond; letters and digits of
    other scripts in the run are one word each. A run without such letters is returned
    whole.

    Parameters
    ----------
    run : str
        A run of letters and digits (no spaces, no Han characters).

    Returns
    -------
    list of str

    Examples
    --------
    >>> unspaced_words("интерстеллар"), unspaced_words("ゴジラ2")
    (['интерстеллар'], ['ゴジラ', '2'])
    >>> unspaced_words("いエピソードとなっている")
    ['エピソード']
    """
    check_str(run, "run")
    if _UNSPACED.search(run) is None:
        return [run]
    out = []
    for piece in _UNSPACED_PIECE.findall(run):
        if _HIRAGANA_RUN.match(piece) is not None:
            continue
        if len(piece) > MAX_UNSPACED_WORD and _SOUTH_EAST_ASIAN_RUN.match(piece) is not None:
            continue  # a phrase, not a word
        out.append(piece)
    return out


_DEFAULTS = {  # Tokenizer settings left out of its repr
    "mode": "default",
    "hmm": True,
    "lowercase": True,
    "keep_punct": False,
    "to_simplified": False,
}
_LOCK = threading.Lock()
_BASE: Any = None  # the one initialised jieba.Tokenizer of this process
_T2S: Any = None  # the OpenCC("t2s") converter, built on first use


def _import_jieba() -> Any:
    """Import jieba with its known import-time warnings (and only those) silenced."""
    with warnings.catch_warnings():
        # jieba 0.42.1 has regexes like "\s" in plain strings (compile-time warning when its
        # .py files are compiled afresh) and imports pkg_resources (deprecated in setuptools>=67).
        for escape_category in (DeprecationWarning, SyntaxWarning):
            warnings.filterwarnings("ignore", "invalid escape sequence", escape_category)
        for pkg_category in (UserWarning, DeprecationWarning):
            warnings.filterwarnings("ignore", "pkg_resources is deprecated", pkg_category)
        import jieba
    return jieba


def dictionary_frequencies() -> Mapping[str, int]:
    """jieba's dictionary as a read-only mapping word -> frequency (loaded once per process).

    Words with frequency 0 are prefixes jieba keeps for its segmentation, not words. User
    words added to a :class:`Tokenizer` are not in it (they belong to that tokenizer).

    Examples
    --------
    >>> freq = dictionary_frequencies()
    >>> freq["电影"] > 0 and "电影" in freq
    True
    """
    return MappingProxyType(_base_tokenizer().FREQ)


def _base_tokenizer() -> Any:
    """The process-wide jieba tokenizer with the dictionary loaded (loaded once, under a lock)."""
    global _BASE
    base = _BASE
    if base is not None:
        return base
    with _LOCK:
        if _BASE is None:
            jieba = _import_jieba()
            start = time.perf_counter()
            tok = jieba.Tokenizer()
            jieba_logger = logging.getLogger("jieba")
            level = jieba_logger.level
            jieba_logger.setLevel(logging.CRITICAL + 1)  # "Building prefix dict ..." to stderr
            try:
                tok.initialize()
            finally:
                jieba_logger.setLevel(level)
            logger.debug(
                "loaded the jieba dictionary (%d entries) in %.2f s",
                len(tok.FREQ),
                time.perf_counter() - start,
            )
            _BASE = tok
        return _BASE


def _t2s_converter() -> Any:
    global _T2S
    if _T2S is None:
        with _LOCK:
            if _T2S is None:
                try:
                    import opencc
                except ImportError as exc:
                    raise ImportError(
                        "normalize_text(..., to_simplified=True) needs OpenCC; install the "
                        "package 'opencc-python-reimplemented' (pip install "
                        "opencc-python-reimplemented)."
                    ) from exc
                _T2S = opencc.OpenCC("t2s")
    return _T2S


def normalize_text(text: str, *, lowercase: bool = True, to_simplified: bool = False) -> str:
    """Return `text` normalised for matching.

    Steps: Unicode NFKC (full-width letters, digits and punctuation become half-width, e.g.
    ``"ＡＢＣ１２３，"`` -> ``"ABC123,"``); middle-dot variants become ``·`` (U+00B7); case
    folding (then NFKC again); optional traditional-to-simplified conversion; runs of
    whitespace become one space, with none at either end.

    Parameters
    ----------
    text : str
    lowercase : bool, default=True
        Case-fold (:meth:`str.casefold`, so ``"ß"`` becomes ``"ss"``).
    to_simplified : bool, default=False
        Convert traditional Chinese to simplified with OpenCC's ``t2s`` table (needs the
        package ``opencc-python-reimplemented``, imported on first use).

    Returns
    -------
    str

    Raises
    ------
    TypeError
        If `text` is not a str.
    ImportError
        If `to_simplified` is True and OpenCC is not installed.

    Examples
    --------
    >>> normalize_text("  Ｂｌａｄｅ　Ｒｕｎｎｅｒ\\t２０４９！ ")
    'blade runner 2049!'
    >>> normalize_text("克里斯托弗•诺兰")
    '克里斯托弗·诺兰'
    >>> normalize_text("電影院", to_simplified=True)
    '电影院'
    """
    if not isinstance(text, str):
        raise InputTypeError(f"text must be a str, got {type(text).__name__}.")
    s = unicodedata.normalize("NFKC", text).translate(_DOTS)
    if check_bool(lowercase, "lowercase"):
        s = unicodedata.normalize("NFKC", s.casefold())
    if check_bool(to_simplified, "to_simplified"):
        s = _t2s_converter().convert(s)
    return " ".join(s.split())


def char_ngrams(text: str, n: int = 2) -> list[str]:
    """Return the character `n`-grams of every run of CJK ideographs in `text`, in order.

    Runs shorter than `n` are returned whole, so a one-character query still yields a
    token. Other characters (Latin, digits, punctuation, spaces) separate runs and are not
    returned. Normalise first with :func:`normalize_text` when needed.

    Parameters
    ----------
    text : str
    n : int, default=2
        Gram length, ``>= 1``.

    Returns
    -------
    list of str

    Examples
    --------
    >>> char_ngrams("星际穿越 2014 诺兰")
    ['星际', '际穿', '穿越', '诺兰']
    >>> char_ngrams("爱 情", n=2)
    ['爱', '情']
    """
    if not isinstance(text, str):
        raise InputTypeError(f"text must be a str, got {type(text).__name__}.")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"n must be an int >= 1, got {shorten(n)}.")
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        if len(run) <= n:
            out.append(run)
        else:
            out.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return out


def _check_user_word(word: Any, freq: Any, tag: Any) -> tuple[str, int | None, str | None]:
    if not isinstance(word, str):
        raise InputTypeError(f"word must be a str, got {type(word).__name__}.")
    if freq is not None and (isinstance(freq, bool) or not isinstance(freq, int) or freq < 1):
        raise InputError(
            f"freq must be None (a frequency that keeps the word whole) or an int >= 1, got "
            f"{shorten(freq)}; to stop a word from being cut out, leave it out of user_words."
        )
    if tag is not None and not isinstance(tag, str):
        raise InputTypeError(f"tag must be None or a str, got {type(tag).__name__}.")
    return word, freq, tag


class Tokenizer:
    """Segment mixed Chinese/Latin text into normalised tokens with jieba.

    Parameters
    ----------
    user_words : iterable, default=()
        Words to keep whole: strings, or ``(word, freq)`` / ``(word, freq, tag)`` tuples (as
        :meth:`add_word`). They belong to this instance only.
    mode : {"default", "search", "all"}, default="default"
        jieba's accurate mode; ``"search"`` also emits the dictionary 2- and 3-grams inside
        long words (``cut_for_search``); ``"all"`` emits every dictionary word found
        (``cut_all``, overlapping, no HMM). In the last two, a protected user word (see the
        module docstring) is emitted after the tokens of its parts.
    hmm : bool, default=True
        Let jieba's HMM join unknown words (default and search modes).
    stop_words : "chinese" or iterable of str, optional
        Tokens to drop: :data:`CHINESE_STOP_WORDS`, or your own list (normalised like the
        text). None keeps every token.
    lowercase : bool, default=True
        Case-fold the text (and user and stop words).
    keep_punct : bool, default=False
        Keep tokens made only of punctuation or symbols. Whitespace is always dropped.
    to_simplified : bool, default=False
        Convert traditional to simplified Chinese first (see :func:`normalize_text`).

    Notes
    -----
    The text goes through :func:`normalize_text`, so every token is a substring of the
    normalised text and holds no whitespace. Latin words and digit runs come out whole
    (jieba keeps runs of ASCII letters and digits together, so "iphone13" is one token).
    The first call loads jieba's dictionary (~0.5 s, once per process); a further instance
    costs a few microseconds until it gets user words, which copy the frequency table
    (~5 ms). Calls may come from several threads; do not add words while another thread
    tokenizes. Pickling keeps the settings and user words only; the copy rebuilds itself on
    first use.

    Examples
    --------
    >>> tok = Tokenizer(["星际穿越"])
    >>> tok("诺兰导演的《星际穿越》, 2014!")
    ['诺兰', '导演', '的', '星际穿越', '2014']
    >>> Tokenizer(stop_words="chinese")("Blade Runner 2049 是一部电影")
    ['blade', 'runner', '2049', '一部', '电影']
    >>> Tokenizer(["克里斯托弗·诺兰"]).tokenize("克里斯托弗•诺兰的电影")
    ['克里斯托弗·诺兰', '的', '电影']
    """

    def __init__(
        self,
        user_words: Iterable[Any] = (),
        *,
        mode: str = "default",
        hmm: bool = True,
        stop_words: str | Iterable[str] | None = None,
        lowercase: bool = True,
        keep_punct: bool = False,
        to_simplified: bool = False,
    ) -> None:
        self.mode = check_option(mode, MODES, "mode")
        for name, value in [
            ("hmm", hmm),
            ("lowercase", lowercase),
            ("keep_punct", keep_punct),
            ("to_simplified", to_simplified),
        ]:
            if not isinstance(value, bool):
                raise InputTypeError(f"{name} must be True or False, got {shorten(value)}.")
        self.hmm = hmm
        self.lowercase = lowercase
        self.keep_punct = keep_punct
        self.to_simplified = to_simplified
        self.stop_words = self._check_stop_words(stop_words)
        self._lock = threading.Lock()
        self._jieba: Any = None  # this instance's jieba.Tokenizer, built on first use
        self._owns_freq = False  # False while the frequency table is the shared base one
        self._user_words: list[tuple[str, int | None, str | None]] = []
        self._protected: dict[str, None] = {}  # user words matched before jieba, in order
        self._protected_re: re.Pattern[str] | None = None
        self._protected_dirty = False  # compiled lazily: adding n words stays O(n)
        if isinstance(user_words, str):
            raise InputTypeError("user_words must be a list of words, got a single str.")
        for entry in check_iterable(user_words, "user_words"):
            if isinstance(entry, str):
                self.add_word(entry)
            elif isinstance(entry, tuple) and 1 <= len(entry) <= 3:
                self.add_word(*entry)
            else:
                raise InputTypeError(
                    f"user_words entries must be str or (word, freq[, tag]) tuples, got {shorten(entry)}."
                )

    def _check_stop_words(self, stop_words: Any) -> frozenset[str] | None:
        if stop_words is None:
            return None
        if isinstance(stop_words, str):
            if stop_words != "chinese":
                raise InputError(
                    f"stop_words={shorten(stop_words)} is not a known list; use 'chinese', None, or "
                    "an iterable of words."
                )
            stop_words = CHINESE_STOP_WORDS
        words = check_iterable(stop_words, "stop_words")
        if not all(isinstance(w, str) for w in words):
            raise InputTypeError("stop_words must hold str only.")
        return frozenset(self._normalize(w) for w in words)

    def _normalize(self, text: str) -> str:
        return normalize_text(text, lowercase=self.lowercase, to_simplified=self.to_simplified)

    # ------------------------------------------------------------------ user words

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """Add a word that this tokenizer keeps whole (other instances are unaffected).

        Parameters
        ----------
        word : str
            Normalised like the text; must not contain whitespace after normalisation.
        freq : int, optional
            jieba frequency (``>= 1``); by default one just high enough to cut it out.
        tag : str, optional
            Part-of-speech tag, stored as jieba does (not used for tokenisation).

        Raises
        ------
        InputError
            If the word is empty or contains whitespace, or `freq` < 1.
        """
        word, freq, tag = _check_user_word(word, freq, tag)
        norm = self._normalize(word)
        if not norm:
            raise InputError(
                f"user word {shorten(word)} is empty after normalisation (it holds only "
                "whitespace, or nothing); leave it out of the user words."
            )
        if " " in norm:
            raise InputError(
                f"user word {shorten(word)} is split by whitespace after normalisation; tokens "
                "never contain whitespace, so add its parts separately (or join them with '·')."
            )
        with self._lock:
            self._user_words.append((word, freq, tag))
            if _HAN.fullmatch(norm) is None:
                self._protected[norm] = None
                self._protected_dirty = True
            if self._jieba is not None:
                self._add_to_jieba(self._jieba, norm, freq, tag)

    def _compile_protected(self) -> re.Pattern[str]:
        parts = []
        for w in sorted(self._protected, key=lambda w: (-len(w), w)):  # longest first
            left = r"(?<![A-Za-z0-9])" if w[0] in _ASCII_ALNUM else ""
            right = r"(?![A-Za-z0-9])" if w[-1] in _ASCII_ALNUM else ""
            parts.append(left + re.escape(w) + right)
        return re.compile("|".join(parts))

    def _add_to_jieba(self, jt: Any, norm: str, freq: int | None, tag: str | None) -> None:
        if _HAN.fullmatch(norm) is None:
            return  # protected: matched before jieba sees the text
        if not self._owns_freq:
            jt.FREQ = dict(jt.FREQ)  # copy on first write: the base table stays untouched
            self._owns_freq = True
        if freq is None:
            freq = jt.suggest_freq(norm, False)  # reads only; lets the DAG pick the word
        # jieba's own add_word, minus its freq == 0 branch, which edits a module-level table
        jt.FREQ[norm] = freq
        jt.total += freq
        if tag:
            jt.user_word_tag_tab[norm] = tag
        for end in range(1, len(norm)):
            jt.FREQ.setdefault(norm[:end], 0)

    def _build(self) -> Any:
        base = _base_tokenizer()
        with self._lock:
            if self._jieba is None:
                jt = type(base)()
                jt.FREQ, jt.total, jt.initialized = base.FREQ, base.total, True
                for word, freq, tag in self._user_words:
                    self._add_to_jieba(jt, self._normalize(word), freq, tag)
                self._jieba = jt  # published only when complete: other threads read it unlocked
        return self._jieba

    @property
    def user_words(self) -> list[str]:
        """The user words added so far, as given."""
        return [w for w, _, _ in self._user_words]

    # ------------------------------------------------------------------ tokenising

    def _segment(self, jt: Any, text: str, out: list[str], whole: str | None = None) -> None:
        if _OTHER_LETTER.search(text) is not None:
            # jieba cuts letters outside ASCII and Han one by one (интерстеллар -> и, н, ...):
            # a run of them is one word, but a script without spaces gives its words only
            # (unspaced_words: katakana runs, short Thai runs; no kana sentence)
            pos = 0
            stop = self.stop_words
            for m in _OTHER_WORD.finditer(text):
                if m.start() > pos:
                    self._segment_jieba(jt, text[pos : m.start()], out, whole)
                for w in unspaced_words(m.group()):
                    if w != whole and (stop is None or w not in stop):
                        out.append(w)
                pos = m.end()
            if pos < len(text):
                self._segment_jieba(jt, text[pos:], out, whole)
            return
        self._segment_jieba(jt, text, out, whole)

    def _segment_jieba(self, jt: Any, text: str, out: list[str], whole: str | None) -> None:
        if self.mode == "default":
            words = jt.cut(text, HMM=self.hmm)
        elif self.mode == "search":
            words = jt.cut_for_search(text, HMM=self.hmm)
        else:
            words = jt.cut(text, cut_all=True)
        stop = self.stop_words
        for w in words:
            if w == whole or (stop is not None and w in stop):
                continue
            if _WORD_CHAR.search(w) is not None or (self.keep_punct and w and w != " "):
                out.append(w)

    def tokenize(self, text: str) -> list[str]:
        """Return the tokens of `text`, in order.

        Parameters
        ----------
        text : str

        Returns
        -------
        list of str

        Raises
        ------
        TypeError
            If `text` is not a str.

        Examples
        --------
        >>> Tokenizer(["复仇者联盟"]).tokenize("复仇者联盟4：终局之战")
        ['复仇者联盟', '4', '终局', '之战']
        """
        s = self._normalize(text)
        out: list[str] = []
        if not s:
            return out
        jt = self._jieba if self._jieba is not None else self._build()
        if self._protected_dirty:
            with self._lock:
                if self._protected_dirty:
                    self._protected_re = self._compile_protected()
                    self._protected_dirty = False
        pattern = self._protected_re
        if pattern is None:
            self._segment(jt, s, out)
            return out
        pos = 0
        for m in pattern.finditer(s):
            if m.start() > pos:
                self._segment(jt, s[pos : m.start()], out)
            word = m.group()
            if self.mode != "default":
                self._segment(jt, word, out, whole=word)
            if self.stop_words is None or word not in self.stop_words:
                out.append(word)
            pos = m.end()
        if pos < len(s):
            self._segment(jt, s[pos:], out)
        return out

    __call__ = tokenize

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        """Return :meth:`tokenize` of each text.

        Examples
        --------
        >>> Tokenizer().tokenize_many(["科幻电影", "", "Sci-Fi"])
        [['科幻电影'], [], ['sci', 'fi']]
        """
        if isinstance(texts, str):
            raise InputTypeError(
                "texts must be an iterable of str, got a single str; use tokenize()."
            )
        items = check_iterable(texts, "texts")
        if not all(isinstance(t, str) for t in items):
            raise InputTypeError("texts must hold str only.")
        return [self.tokenize(t) for t in items]

    # ------------------------------------------------------------------ pickling, repr

    def _config(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "hmm": self.hmm,
            "stop_words": None if self.stop_words is None else sorted(self.stop_words),
            "lowercase": self.lowercase,
            "keep_punct": self.keep_punct,
            "to_simplified": self.to_simplified,
        }

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self._config(), "user_words": list(self._user_words)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["user_words"], **state["config"])  # type: ignore[misc]

    def __repr__(self) -> str:
        extra = "".join(
            f", {k}={v!r}"
            for k, v in self._config().items()
            if k != "stop_words" and v != _DEFAULTS[k]
        )
        stop = "" if self.stop_words is None else f", stop_words=<{len(self.stop_words)} words>"
        return f"Tokenizer(<{len(self._user_words)} user words>{extra}{stop})"
