"""Tests for the shared argument checks."""

from __future__ import annotations

import io

import numpy as np
import pytest
import scipy.sparse as sp

from filmreco._validation import (
    check_csr,
    check_finite,
    check_int,
    check_nonnegative,
    check_option,
    check_random_state,
    check_real,
    lookup_option,
    shorten,
)
from filmreco.data import Catalog
from filmreco.datasets import load_edgelist, load_movielens
from filmreco.exceptions import FilmrecoError, InputError
from filmreco.social import SocialGraph
from filmreco.sparse import IdMap, build_csr
from filmreco.text import Tokenizer


def test_check_int():
    assert check_int(np.int64(3), "n") == 3
    for bad in (1.0, True, "3", None):
        with pytest.raises(InputError, match="n must be an int"):
            check_int(bad, "n")
    with pytest.raises(InputError, match=">= 1"):
        check_int(0, "n", min_value=1)


def test_check_real():
    assert check_real(1, "x") == 1.0
    with pytest.raises(InputError, match="finite"):
        check_real(float("nan"), "x")
    with pytest.raises(InputError, match="> 0"):
        check_real(0.0, "x", min_value=0, min_inclusive=False)


def test_options_listed_from_table():
    table = {"a": 1, "b": 2}
    assert lookup_option(table, "b", "kind") == 2
    with pytest.raises(InputError, match=r"\['a', 'b'\]"):
        lookup_option(table, "c", "kind")
    with pytest.raises(InputError, match="mode='x'"):
        check_option("x", ["y"], "mode")
    with pytest.raises(InputError):
        lookup_option(table, ["unhashable"], "kind")


def test_check_finite_and_nonnegative():
    with pytest.raises(InputError, match="1 NaN"):
        check_finite(np.array([1.0, np.nan]), "values")
    with pytest.raises(InputError, match="negative"):
        check_nonnegative(np.array([1, -2]), "values")
    check_nonnegative(np.array([]), "values")


def test_check_csr_accepts_all_sparse_kinds():
    dense = np.array([[0, 1], [2, 0]], dtype=float)
    for make in (sp.csr_matrix, sp.csr_array, sp.coo_matrix, sp.csc_array, sp.lil_matrix):
        X = check_csr(make(dense), "X", dtype=np.float32)
        assert isinstance(X, sp.csr_array) and X.dtype == np.float32
        np.testing.assert_array_equal(X.toarray(), dense)
    with pytest.raises(TypeError, match="build_csr"):
        check_csr(dense, "X")


def test_check_csr_canonicalises_without_mutating():
    X = sp.csr_array((np.array([1.0, 2.0]), np.array([1, 1]), np.array([0, 2])), shape=(1, 2))
    assert not X.has_canonical_format
    Y = check_csr(X, "X")
    assert Y.nnz == 1 and Y.data[0] == 3.0
    assert X.nnz == 2


def test_check_csr_rejects_nan():
    X = sp.csr_array(np.array([[np.nan, 1.0]]))
    with pytest.raises(InputError, match="X.data"):
        check_csr(X, "X")


def test_random_state():
    a = check_random_state(3).random()
    b = check_random_state(3).random()
    assert a == b
    g = np.random.default_rng(0)
    assert check_random_state(g) is g
    with pytest.raises(InputError):
        check_random_state(-4)


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True, np.random.RandomState(0)])
def test_random_state_checked_in_one_place(bad):
    from filmreco._parallel import seed_sequence
    from filmreco._validation import check_random_state

    messages = []
    for convert in (check_random_state, seed_sequence):
        with pytest.raises(InputError, match="random_state") as info:
            convert(bad)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# ------------------------------------------- user data quoted in messages is cut (issue 18, 7)
BIG = "x" * 5_000_000  # a 5 MB value: its message must stay short
SHORT_MESSAGE = 1_000


def test_shorten_keeps_short_reprs_and_cuts_long_ones():
    for v in ("2049", b"ab", 3, 1.5, None, ["a", 1], ("a",)):
        assert shorten(v) == repr(v)
    # numpy scalars are shown as the Python values they hold (issue 14: no numpy reprs)
    assert shorten(np.str_("u1")) == "'u1'" and shorten(np.float32(-1.0)) == "-1.0"
    assert shorten("y" * 81) == repr("y" * 80) + "... (81 characters)"
    assert shorten(b"z" * 100, limit=4) == "b'zzzz'... (100 bytes)"
    assert len(shorten([BIG, BIG])) <= 83
    assert len(shorten({"k": list(range(10**6))})) <= 83
    assert shorten(list(range(20)), limit=1000) == repr(list(range(10)))[:-1] + ", ...]"


@pytest.mark.parametrize(
    "call",
    [
        lambda: check_int(BIG, "k"),
        lambda: check_real(BIG, "eps"),
        lambda: check_option(BIG, ["a", "b"], "method"),
        lambda: lookup_option({"a": 1}, BIG, "ranking"),
        lambda: check_random_state(BIG),
    ],
    ids=["check_int", "check_real", "check_option", "lookup_option", "check_random_state"],
)
def test_a_5mb_argument_gives_a_short_message(call):
    with pytest.raises(InputError) as info:
        call()
    assert len(str(info.value)) < SHORT_MESSAGE
    assert "xxxxxxxx" in str(info.value) and "5,000,000 characters" in str(info.value)


def _readers(tmp_path):
    line = BIG.encode()
    ratings = tmp_path / "ratings.csv"
    ratings.write_bytes(b"userId,movieId,rating\n1,2," + line + b"\n")
    header = tmp_path / "h" / "ratings.csv"
    header.parent.mkdir()
    header.write_bytes(b"userId,b" + line + b"\n1,2\n")
    return {
        "edgelist id": lambda: load_edgelist(b"1 " + line + b"\n"),
        "edgelist weight": lambda: load_edgelist(b"1 2 " + line + b"\n", weighted=True),
        "edgelist line": lambda: load_edgelist(b"1 2\n3 " + line + b" 4\n"),
        "edgelist unknown id": lambda: load_edgelist(
            b"a " + line + b"\n", id_type=str, node_ids=IdMap(["a"])
        ),
        "movielens rating": lambda: load_movielens(ratings),
        "movielens header": lambda: load_movielens(header),
        "catalog csv": lambda: Catalog.from_csv(
            io.BytesIO(b"id,t\n" + line + b",b\n" + line + b",c\n"), id_field="id"
        ),
        "catalog field": lambda: Catalog(["a"], fields={"year": [BIG]}),
        "idmap unknown": lambda: IdMap(["a", "b"]).index([BIG, "c"]),
        "idmap duplicate": lambda: IdMap([BIG, "a", BIG]),
        "graph unknown": lambda: SocialGraph.from_arrays([BIG], ["a"], node_ids=["a"]),
    }


READERS = [
    "edgelist id",
    "edgelist weight",
    "edgelist line",
    "edgelist unknown id",
    "movielens rating",
    "movielens header",
    "catalog csv",
    "catalog field",
    "idmap unknown",
    "idmap duplicate",
    "graph unknown",
]


@pytest.mark.parametrize("case", READERS)
def test_a_5mb_line_or_id_gives_a_short_message(tmp_path, case):
    with pytest.raises((FilmrecoError, KeyError, ValueError)) as info:
        _readers(tmp_path)[case]()
    assert len(str(info.value)) < SHORT_MESSAGE
    assert "xxxxxxxx" in str(info.value)  # the value is still quoted, cut


@pytest.mark.parametrize(
    "call",
    [
        lambda: Tokenizer(stop_words=BIG),
        lambda: Tokenizer(user_words=[(BIG, "x")]),
        lambda: build_csr([0], [0], shape=(BIG, 2)),
        lambda: Tokenizer(user_words=[BIG + " " + BIG]),
        lambda: SocialGraph.from_arrays([BIG], [BIG], self_loops="raise"),
    ],
    ids=["stop_words", "user_words", "shape", "user word", "self loop"],
)
def test_a_5mb_argument_elsewhere_gives_a_short_message(call):
    with pytest.raises((FilmrecoError, TypeError, ValueError, AttributeError)) as info:
        call()
    assert len(str(info.value)) < SHORT_MESSAGE
