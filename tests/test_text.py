"""Tests for filmreco.text: normalisation, jieba tokenizer isolation, silence, pickling, threads."""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

import filmreco.text as T
from filmreco.exceptions import InputError
from filmreco.text import CHINESE_STOP_WORDS, Tokenizer, char_ngrams, normalize_text

SENTENCE = "诺兰导演的星际穿越是一部科幻电影"

# --------------------------------------------------------------------------- tokenising


def test_chinese_sentences():
    tok = Tokenizer()
    assert tok(SENTENCE) == ["诺兰", "导演", "的", "星际", "穿越", "是", "一部", "科幻电影"]
    assert tok("我们今天去电影院看电影。") == ["我们", "今天", "去", "电影院", "看", "电影"]
    assert tok.tokenize_many([SENTENCE, "", "   "]) == [tok(SENTENCE), [], []]


def test_user_words_stay_whole():
    tok = Tokenizer(["星际穿越", "克里斯托弗·诺兰"])
    assert "星际穿越" in tok(SENTENCE)
    got = tok("克里斯托弗·诺兰拍了星际穿越")
    assert got[0] == "克里斯托弗·诺兰" and "星际穿越" in got
    assert tok.user_words == ["星际穿越", "克里斯托弗·诺兰"]


@pytest.mark.parametrize("dot", ["·", "•", "・", "･", "‧", "∙", "⋅", "·"])
def test_middle_dot_variants_are_one_character(dot):
    assert normalize_text(f"克里斯托弗{dot}诺兰") == "克里斯托弗·诺兰"
    tok = Tokenizer(["克里斯托弗・诺兰"])
    assert tok(f"导演克里斯托弗{dot}诺兰") == ["导演", "克里斯托弗·诺兰"]
    # without the user word jieba splits on the dot and the dot itself is dropped
    assert Tokenizer()(f"克里斯托弗{dot}诺兰") == ["克里斯托弗", "诺兰"]


def test_protected_words_in_search_modes_also_give_their_parts():
    got = Tokenizer(["克里斯托弗·诺兰"], mode="search")("克里斯托弗·诺兰")
    assert got[-1] == "克里斯托弗·诺兰"
    assert {"克里斯托弗", "诺兰"} <= set(got)
    assert "诺兰" in Tokenizer(["克里斯托弗·诺兰"], mode="all")("克里斯托弗·诺兰")


def test_latin_user_words_respect_word_boundaries():
    tok = Tokenizer(["AI", "C++", "复仇者联盟4"])
    assert tok("AI电影") == ["ai", "电影"]
    assert tok("mail") == ["mail"]  # "ai" inside a Latin word is not matched
    assert "c++" in tok("学C++编程")
    assert "复仇者联盟4" not in tok("复仇者联盟44")  # a digit follows: not the user word
    assert tok("看复仇者联盟4吧") == ["看", "复仇者联盟4", "吧"]


def test_mixed_chinese_latin_digits():
    tok = Tokenizer(["复仇者联盟"])
    got = tok("复仇者联盟4")
    assert got == ["复仇者联盟", "4"]
    assert "2049" in Tokenizer()("银翼杀手2049")
    assert Tokenizer()("Blade Runner 2049") == ["blade", "runner", "2049"]
    assert Tokenizer(lowercase=False)("Blade Runner") == ["Blade", "Runner"]
    assert Tokenizer()("ＢＬＡＤＥ　ＲＵＮＮＥＲ２０４９") == ["blade", "runner2049"]
    assert "3.5" in Tokenizer()("评分3.5分")


def test_punctuation_dropped_unless_kept():
    text = "你好，世界！ (2049) -- ok"
    assert Tokenizer()(text) == ["你好", "世界", "2049", "ok"]
    kept = Tokenizer(keep_punct=True)(text)
    assert kept == ["你好", ",", "世界", "!", "(", "2049", ")", "--", "ok"]
    assert all(t.strip() == t and t for t in kept)


def test_stop_words():
    assert isinstance(CHINESE_STOP_WORDS, frozenset) and len(CHINESE_STOP_WORDS) >= 60
    assert {"的", "了", "是", "在", "和", "与", "一个"} <= CHINESE_STOP_WORDS
    assert all(normalize_text(w) == w and " " not in w for w in CHINESE_STOP_WORDS)
    got = Tokenizer(stop_words="chinese")(SENTENCE)
    assert got == ["诺兰", "导演", "星际", "穿越", "一部", "科幻电影"]
    assert Tokenizer(stop_words=["THE", "导演"])("The 导演") == []
    assert Tokenizer(["克里斯托弗·诺兰"], stop_words=["克里斯托弗•诺兰"])("克里斯托弗·诺兰") == []


def test_modes():
    long_word = "中华人民共和国"
    assert Tokenizer()(long_word) == [long_word]
    search = Tokenizer(mode="search")(long_word)
    assert search[-1] == long_word and {"中华", "人民", "共和国"} <= set(search)
    assert set(search) <= set(Tokenizer(mode="all")(long_word))
    no_hmm = Tokenizer(hmm=False)("他来到了网易杭研大厦")
    assert "杭研" not in no_hmm and "杭研" in Tokenizer()("他来到了网易杭研大厦")


def test_to_simplified():
    assert Tokenizer(to_simplified=True)("電影院裡的說話聲") == Tokenizer()("电影院里的说话声")


# --------------------------------------------------------------------------- isolation


def test_user_words_do_not_leak(caplog):
    with_word = Tokenizer(["星际穿越"])
    plain_before = Tokenizer()
    assert plain_before(SENTENCE)  # builds its jieba tokenizer
    with_word.add_word("科幻")
    plain_after = Tokenizer()
    for tok in (plain_before, plain_after):
        assert tok("星际穿越") == ["星际", "穿越"]
    base = T._base_tokenizer()
    assert "星际穿越" not in base.FREQ
    other = Tokenizer(["流浪地球"])
    assert other("星际穿越") == ["星际", "穿越"]
    assert with_word("流浪地球") == ["流浪", "地球"]
    import jieba

    with caplog.at_level(logging.WARNING, logger="jieba"):
        assert jieba.lcut("星际穿越") == ["星际", "穿越"]
        assert jieba.lcut("流浪地球") == ["流浪", "地球"]


def test_frequency_table_is_shared_until_a_word_is_added():
    tok = Tokenizer()
    tok("电影")
    base = T._base_tokenizer()
    assert tok._jieba.FREQ is base.FREQ and tok._jieba is not base
    n = len(base.FREQ)
    tok.add_word("星际穿越")
    assert tok._jieba.FREQ is not base.FREQ and len(base.FREQ) == n
    assert tok._jieba.total > base.total
    assert tok(SENTENCE)[3] == "星际穿越"


# --------------------------------------------------------------------------- silence


def test_nothing_printed_or_logged_when_loading(monkeypatch, capfd, caplog):
    monkeypatch.setattr(T, "_BASE", None)  # force a fresh dictionary load in this process
    level = logging.getLogger("jieba").level
    with caplog.at_level(logging.DEBUG, logger="jieba"):
        assert Tokenizer(["星际穿越"])(SENTENCE)[3] == "星际穿越"
    assert not [r for r in caplog.records if r.name.startswith("jieba")]
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert logging.getLogger("jieba").level == level  # jieba's own level is restored


def test_fresh_process_is_silent_and_warning_clean(tmp_path):
    # A fresh bytecode cache makes Python compile jieba again, which is when its invalid
    # escape sequences warn; -W error turns any unfiltered warning into a failure.
    code = (
        "import sys, filmreco, filmreco.text as T\n"
        "assert 'jieba' not in sys.modules\n"
        "print(T.Tokenizer(['星际穿越'])('诺兰的星际穿越'))\n"
        "assert 'jieba' in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, env=env, timeout=120
    )
    assert proc.stderr.decode() == ""
    assert proc.returncode == 0
    assert proc.stdout.decode("utf-8").strip() == "['诺兰', '的', '星际穿越']"


# --------------------------------------------------------------------------- pickling, threads


def test_pickle_round_trip():
    tok = Tokenizer(["星际穿越", ("复仇者联盟", 50000, "nz")], mode="search", stop_words="chinese")
    tok.add_word("克里斯托弗·诺兰")
    texts = [SENTENCE, "复仇者联盟4和克里斯托弗•诺兰的电影", "Blade Runner 2049"]
    want = tok.tokenize_many(texts)
    state = tok.__getstate__()
    assert set(state) == {"config", "user_words"}  # no jieba tables in the pickle
    copy = pickle.loads(pickle.dumps(tok))
    assert copy._jieba is None
    assert copy.tokenize_many(texts) == want
    for attr in ("mode", "stop_words", "user_words", "hmm", "lowercase", "keep_punct"):
        assert getattr(copy, attr) == getattr(tok, attr)
    fresh = pickle.loads(pickle.dumps(Tokenizer(keep_punct=True, lowercase=False)))
    assert fresh("A，B") == ["A", ",", "B"]
    copy.add_word("科幻电影很好看")
    assert "科幻电影很好看" not in tok._jieba.FREQ


def test_threads_share_one_dictionary_load(monkeypatch):
    monkeypatch.setattr(T, "_BASE", None)
    loads = []
    real_init = T._import_jieba().Tokenizer.initialize

    def counting_init(self, *args, **kwargs):
        loads.append(1)
        return real_init(self, *args, **kwargs)

    monkeypatch.setattr(T._import_jieba().Tokenizer, "initialize", counting_init)
    toks = [Tokenizer(["星际穿越"]) for _ in range(8)]
    texts = [SENTENCE, "克里斯托弗·诺兰的电影", "Blade Runner 2049"] * 20
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: toks[i % 8].tokenize_many(texts), range(32)))
    assert len(loads) == 1
    want = Tokenizer(["星际穿越"]).tokenize_many(texts)
    assert all(r == want for r in results)


# --------------------------------------------------------------------------- properties


@given(
    text=st.text(),
    mode=st.sampled_from(["default", "search", "all"]),
    keep_punct=st.booleans(),
    lowercase=st.booleans(),
)
def test_tokens_are_nonblank_substrings_of_normalised_text(text, mode, keep_punct, lowercase):
    tok = Tokenizer(mode=mode, keep_punct=keep_punct, lowercase=lowercase)
    norm = normalize_text(text, lowercase=lowercase)
    for t in tok(text):
        assert t and t in norm
        assert not any(ch.isspace() for ch in t)
        assert keep_punct or any(ch.isalnum() for ch in t)


_CHINESE = st.text(st.sampled_from(list("星际穿越诺兰·克里斯托弗的电影 2049ABc，!")), max_size=30)


@given(text=_CHINESE, mode=st.sampled_from(["default", "search", "all"]))
def test_user_words_and_stop_words_keep_the_properties(text, mode):
    tok = Tokenizer(["星际穿越", "克里斯托弗·诺兰", "abc"], mode=mode, stop_words="chinese")
    norm = normalize_text(text)
    got = tok(text)
    assert all(t in norm and " " not in t and t not in CHINESE_STOP_WORDS for t in got)
    if "克里斯托弗·诺兰" in norm:
        assert "克里斯托弗·诺兰" in got


@given(st.text())
def test_normalize_text_is_idempotent_and_trimmed(text):
    norm = normalize_text(text)
    assert normalize_text(norm) == norm
    assert norm == norm.strip() and "  " not in norm
    assert not any(ch.isspace() and ch != " " for ch in norm)
    assert unicodedata.is_normalized("NFKC", norm)


def _reference_ngrams(text, n):
    def is_cjk(ch):
        o = ord(ch)
        return (
            o == 0x3007
            or 0x3400 <= o <= 0x4DBF
            or 0x4E00 <= o <= 0x9FFF
            or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x2FA1F
            or 0x30000 <= o <= 0x3134F
        )

    runs, cur = [], ""
    for ch in text + "\n":
        if is_cjk(ch):
            cur += ch
        elif cur:
            runs.append(cur)
            cur = ""
    out = []
    for run in runs:
        out += [run] if len(run) <= n else [run[i : i + n] for i in range(len(run) - n + 1)]
    return out


@given(st.text(st.characters(codec="utf-8")) | _CHINESE, st.integers(1, 4))
def test_char_ngrams_match_reference(text, n):
    assert char_ngrams(text, n) == _reference_ngrams(text, n)


# --------------------------------------------------------------------------- normalisation


def test_normalize_text_examples():
    assert normalize_text("ＡＢＣ１２３，！？") == "abc123,!?"
    assert normalize_text(" a \t\n b\u3000c ") == "a b c"
    assert normalize_text("Straße") == "strasse"
    assert normalize_text("Blade", lowercase=False) == "Blade"
    assert normalize_text("臺灣電影", to_simplified=True) == "台湾电影"


def test_missing_opencc_names_the_package(monkeypatch):
    monkeypatch.setattr(T, "_T2S", None)
    monkeypatch.setitem(sys.modules, "opencc", None)
    with pytest.raises(ImportError, match="opencc-python-reimplemented"):
        normalize_text("電影", to_simplified=True)
    assert normalize_text("電影") == "電影"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: Tokenizer(mode="fast"), InputError, "mode"),
        (lambda: Tokenizer("星际穿越"), TypeError, "single str"),
        (lambda: Tokenizer([3]), TypeError, "user_words entries"),
        (lambda: Tokenizer(["blade runner"]), InputError, "whitespace"),
        (lambda: Tokenizer(["   "]), InputError, "empty"),
        (lambda: Tokenizer([("星际", 0)]), InputError, "freq"),
        (lambda: Tokenizer(stop_words="english"), InputError, "chinese"),
        (lambda: Tokenizer(stop_words=[1]), TypeError, "str"),
        (lambda: Tokenizer(hmm="yes"), TypeError, "hmm"),
        (lambda: Tokenizer().tokenize(b"bytes"), TypeError, "str"),
        (lambda: Tokenizer().tokenize_many("abc"), TypeError, "single str"),
        (lambda: char_ngrams("电影", 0), InputError, "n must"),
        (lambda: normalize_text(None), TypeError, "str"),
    ],
)
def test_bad_input_raises_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_repr():
    assert repr(Tokenizer(["a"], mode="search")) == "Tokenizer(<1 user words>, mode='search')"


@pytest.mark.parametrize(
    ("word", "match"),
    [
        ("", "empty after normalisation"),
        ("  ", "empty after normalisation"),
        ("a b", "split by whitespace"),
    ],
)
def test_user_word_messages_fit_the_case(word, match):
    # red-team s14 #13: an empty word was told about whitespace between parts
    with pytest.raises(InputError, match=match) as info:
        Tokenizer([word])
    if not word.strip():
        assert "add its parts" not in str(info.value)
