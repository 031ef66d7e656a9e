"""``Interactions.from_csv`` reading a plain file in blocks (data/_csvstream.py) against the
whole-file route (the general reader, then ``from_arrays``): the same ids in the same order,
the same CSR bit for bit, the same timestamps, warnings and errors, whatever the block size;
and the sources it cannot read twice, or files it does not cover, take the whole-file route."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import warnings
import zipfile
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.data import Interactions, _assemble, _csvstream, _fastcsv, _interactions, _ops
from filmreco.exceptions import FormatError
from filmreco.sparse import IdMap


def _run(fn: Any) -> tuple[Any, list[str]]:
    """`fn()`'s result and the messages of the warnings it gave."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(x.message) for x in w]


def _whole(src: Any, *args: Any, **kw: Any) -> tuple[Interactions, list[str]]:
    """The whole-file route with the general reader (as for any file under 8 MiB)."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_interactions, "_streamable", lambda kw: None)
        m.setattr(_ops, "_read_plain", lambda *a, **k: None)
        return _run(lambda: Interactions.from_csv(src, *args, **kw))


def _blocks(
    src: Any, *args: Any, block: int, **kw: Any
) -> tuple[tuple[Interactions, list[str]], bool]:
    """from_csv with the block reader from the first byte and event, `block` bytes per
    block; also whether the block reader gave the result."""
    took: list[bool] = []
    real = _csvstream._second_pass

    def spy(*a: Any, **k: Any) -> Any:
        out = real(*a, **k)
        took.append(out is not None)
        return out

    with pytest.MonkeyPatch.context() as m:
        m.setattr(_fastcsv, "MIN_BYTES", 0)
        m.setattr(_assemble, "MIN_EVENTS", 1)
        m.setattr(_csvstream, "BLOCK", block)
        m.setattr(_csvstream, "_second_pass", spy)
        got = _run(lambda: Interactions.from_csv(src, *args, **kw))
    return got, took == [True]


def _same(a: Interactions, b: Interactions) -> None:
    assert a.shape == b.shape
    for x, y in ((a.user_ids.ids, b.user_ids.ids), (a.item_ids.ids, b.item_ids.ids)):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)
    for x, y in (
        (a.matrix.data, b.matrix.data),
        (a.matrix.indices, b.matrix.indices),
        (a.matrix.indptr, b.matrix.indptr),
    ):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)
    assert a.matrix.has_canonical_format and b.matrix.has_canonical_format
    assert (a.timestamps is None) == (b.timestamps is None)
    if a.timestamps is not None:
        np.testing.assert_array_equal(a.timestamps, b.timestamps)


def _agree(src: Any, *args: Any, block: int, **kw: Any) -> bool:
    """Assert both routes give the same result and warnings, or the same error; returns
    whether the block reader gave the result."""
    try:
        want, want_w = _whole(src, *args, **kw)
    except Exception as exc:  # the same error is expected below
        with pytest.raises(type(exc)) as info:
            _blocks(src, *args, block=block, **kw)
        assert str(info.value) == str(exc)
        return False
    (got, got_w), took = _blocks(src, *args, block=block, **kw)
    _same(got, want)
    assert got_w == want_w
    return took


VALUES = st.one_of(
    st.integers(0, 9).map(str),
    st.sampled_from(["4.5", "0.25", "3.", "1e2", "-0", "2.5E-1", "7"]),
)


@st.composite
def plain_files(draw: Any) -> tuple[bytes, dict[str, Any]]:
    """Mostly plain numeric files: integer ids (a -1 now and then), decimal values,
    optional timestamps (an empty one now and then), comments, blank lines, CRLF."""
    sep = draw(st.sampled_from([",", "\t", ";"]))
    header = draw(st.booleans())
    with_ts = draw(st.booleans())
    n = draw(st.integers(0, 120))
    n_users = draw(st.integers(1, 40))
    lo = draw(st.sampled_from([0, 1, 10**6, 0, 1, -2]))
    ts_mode = draw(st.sampled_from(["full"] * 4 + ["one empty", "all empty"]))
    negative = draw(st.integers(0, n)) if draw(st.integers(0, 4)) == 0 else -1
    lines = []
    for _ in range(n):
        u = draw(st.integers(lo, lo + n_users))
        i = draw(st.integers(0, 25)) * draw(st.sampled_from([1, 1, 1, 7]))
        fields = [str(u), str(i), "-3" if len(lines) == negative else draw(VALUES)]
        if with_ts:
            fields.append("" if ts_mode == "all empty" else str(draw(st.integers(0, 10**9))))
        lines.append(sep.join(fields))
    if with_ts and ts_mode == "one empty" and lines:
        at = draw(st.integers(0, len(lines) - 1))
        lines[at] = lines[at][: lines[at].rindex(sep) + 1]
    if lines and draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), "# a comment")
    if lines and draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), "")
    names = ["user", "item", "rating"] + (["t"] if with_ts else [])
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join(([sep.join(names)] if header else []) + lines)
    text += eol if draw(st.booleans()) else ""
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    kw: dict[str, Any] = {
        "sep": sep,
        "header": 0 if header else None,
        "comments": "#",
        "id_type": draw(st.sampled_from([None, int])),
        "duplicates": draw(st.sampled_from(["sum", "max", "last", "count"] * 2 + ["raise"])),
        "on_nan": draw(st.sampled_from(["raise", "drop"])),
        "dtype": draw(st.sampled_from([np.float32, np.float64])),
        "nonnegative": draw(st.sampled_from([False, False, True])),
    }
    cols = ("user", "item", "rating", "t" if with_ts else None)
    if not header:
        cols = (0, 1, 2, 3 if with_ts else None)
        kw["names"] = None
    return bom + text.encode(), {"cols": cols, **kw}


@settings(max_examples=200, deadline=None)
@given(f=plain_files(), block=st.integers(1, 300))
def test_blocks_give_the_whole_file_result(f, block):
    data, kw = f
    cols = kw.pop("cols")
    _agree(data, *cols, block=block, **kw)


def _events(n: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    users = rng.integers(5, 60, n)
    items = rng.integers(0, 30, n) * 3
    values = rng.integers(1, 11, n) / 2
    times = rng.integers(10**8, 10**9, n)
    return users, items, values, times


def _csv(users, items, values, times, sep: str = ",") -> bytes:
    rows = [sep.join(map(str, r)) for r in zip(users, items, values, times)]
    return ("user,item,rating,t\n".replace(",", sep) + "\n".join(rows) + "\n").encode()


@pytest.mark.parametrize("block", [1, 13, 64, 1000, 1 << 20])
@pytest.mark.parametrize("duplicates", ["sum", "max", "count"])  # "last" with times: below
def test_blocks_are_from_arrays(block, duplicates):
    users, items, values, times = _events(2_000, 0)
    data = _csv(users, items, values, times)
    (X, _), took = _blocks(data, "user", "item", "rating", "t", block=block, duplicates=duplicates)
    assert took  # the block reader answered, across line and block boundaries
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = Interactions.from_arrays(users, items, values, timestamps=times,
                                        duplicates=duplicates)  # fmt: skip
    _same(X, want)
    assert _agree(data, "user", "item", "rating", "t", block=block, duplicates=duplicates)


def test_ids_keep_their_first_appearance_order_across_blocks():
    # the ids rise, fall and jump: the tables grow both ways between blocks
    users = np.array([50, 49, 3, 400, 2, 50, 1000, -7, 3, 999] * 30)
    items = np.array([9, 8, 7, 500, 1, 9, -3, 2, 8, 250] * 30)
    data = _csv(users, items, np.ones(users.size), np.arange(users.size))
    (X, _), took = _blocks(data, "user", "item", block=7, duplicates="count")
    assert took
    assert X.user_ids.ids.tolist() == [50, 49, 3, 400, 2, 1000, -7, 999]
    assert X.item_ids.ids.tolist() == [9, 8, 7, 500, 1, -3, 2, 250]


def test_a_bad_row_is_reported_with_its_line_number():
    users, items, values, times = _events(500, 1)
    lines = _csv(users, items, values, times).decode().splitlines()
    lines[437] = "17,3,abc,5"  # line 438 of the file (the header is line 1)
    data = ("\n".join(lines) + "\n").encode()
    with pytest.raises(FormatError, match="line 438") as info:
        _blocks(data, "user", "item", "rating", "t", block=64)
    with pytest.raises(FormatError) as whole:
        _whole(data, "user", "item", "rating", "t")
    assert str(info.value) == str(whole.value)


@pytest.mark.parametrize(
    "late",
    ["17,3,2.5,\n", '17,"3",2.5,9\n', "x17,3,2.5,9\n", "17,3,2.5\n", "17,3,,9\n", "-1,3,2,9\n"],
    ids=["empty-timestamp", "quote", "string-id", "short-line", "empty-value", "padding-id"],
)
def test_what_a_late_block_holds_decides_as_the_whole_file(late):
    # found after the first blocks: the block reader gives up, the whole-file route answers
    users, items, values, times = _events(300, 2)
    data = _csv(users, items, values, times) + late.encode()
    assert not _agree(data, "user", "item", "rating", "t", block=50)
    assert not _agree(data, "user", "item", "rating", "t", block=50, on_nan="drop")


def test_all_empty_timestamps_mean_no_timestamps():
    users, items, values, _ = _events(300, 3)
    data = _csv(users, items, values, [""] * users.size)
    assert _agree(data, "user", "item", "rating", "t", block=40)
    (X, _), _ = _blocks(data, "user", "item", "rating", "t", block=40)
    assert X.timestamps is None


def test_wide_ids_take_the_whole_file_route():
    users, items, values, times = _events(300, 4)
    users = users * 10**9  # a span far wider than the number of events
    assert not _agree(_csv(users, items, values, times), "user", "item", block=64)


@pytest.mark.parametrize(
    "data", [b"", b"user,item,rating\n", b"user,item,rating\n\n# no rows\n", b"\n\n"]
)
def test_empty_and_header_only_files(data):
    assert not _agree(data, "user", "item", "rating", block=8, comments="#")


def test_options_it_does_not_handle_take_the_whole_file_route():
    users, items, values, times = _events(300, 5)
    data = _csv(users, items, values, times)
    for kw in (
        {"dtype": np.int64},
        {"dtype": bool},
        {"duplicates": "nope"},
        {"on_nan": "nope"},
        {"nonnegative": "yes"},
        {"user_map": IdMap(np.unique(users))},
    ):
        assert not _agree(data, "user", "item", "rating", block=64, **kw)


def _zip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("events.csv", data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("pack", "blocks"),
    [
        (gzip.compress, True),
        (bz2.compress, True),
        (lzma.compress, True),
        (_zip, False),
        (lambda d: gzip.compress(d)[:-9], False),  # truncated: the whole-file route's error
    ],
    ids=["gzip", "bz2", "xz", "zip", "truncated-gzip"],
)
def test_compressed_sources(pack, blocks):
    data = pack(_csv(*_events(400, 6)))
    assert _agree(data, "user", "item", "rating", "t", block=100) == blocks


def test_paths_and_file_objects(tmp_path):
    data = _csv(*_events(400, 7))
    path = tmp_path / "events.csv.gz"
    path.write_bytes(gzip.compress(data))
    want, _ = _whole(data, "user", "item", "rating", "t")
    for src in (path, str(path)):
        (X, _), took = _blocks(src, "user", "item", "rating", "t", block=100)
        assert took
        _same(X, want)
    # a seekable binary file object is read twice from where it stood
    f = io.BytesIO(b"junk" + data)
    f.seek(4)
    (X, _), took = _blocks(f, "user", "item", "rating", "t", block=100)
    assert took
    _same(X, want)
    # a text-mode object, a pipe-like stream and a bytearray are read whole, as before
    for src in (io.StringIO(data.decode()), _Pipe(data), bytearray(data)):
        (X, _), took = _blocks(src, "user", "item", "rating", "t", block=100)
        assert not took
        _same(X, want)


def test_a_file_object_is_put_back_when_the_block_reader_gives_up():
    data = _csv(*_events(300, 8)) + b'1,"2",3,4\n'
    want, _ = _whole(data, "user", "item", "rating", "t")
    f = io.BytesIO(b"xx" + data)
    f.seek(2)
    (X, _), took = _blocks(f, "user", "item", "rating", "t", block=64)
    assert not took
    _same(X, want)


class _Pipe(io.RawIOBase):
    """A stream that can be read once (not seekable)."""

    def __init__(self, data: bytes) -> None:
        self._f = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._f.read(size)


class _Changing(io.BytesIO):
    """A file whose bytes change after its first read (written to between the passes)."""

    def __init__(self, first: bytes, then: bytes) -> None:
        super().__init__(first)
        self._then = then
        self._seeks = 0

    def seek(self, pos: int, whence: int = 0) -> int:
        self._seeks += 1
        if self._seeks == 2:  # the second pass starts
            super().__init__(self._then)
        return super().seek(pos, whence)


@pytest.mark.parametrize("change", ["longer", "shorter", "new-user", "moved-event"])
def test_a_file_changed_between_the_passes_is_read_again(change):
    users, items, values, times = _events(300, 9)
    first = _csv(users, items, values, times)
    if change == "longer":
        then = first + b"5,0,1,1\n"
    elif change == "shorter":
        then = first[: first.rindex(b"\n", 0, -1) + 1]
    elif change == "new-user":
        then = first + b"77777,0,1,1\n"
    else:  # same number of events, one moved to another known user
        lines = first.splitlines(keepends=True)
        a, b = lines[1].split(b",", 1)
        other = next(ln.split(b",", 1)[0] for ln in lines[2:] if ln.split(b",", 1)[0] != a)
        lines[1] = other + b"," + b
        then = b"".join(lines)
    want, _ = _whole(then, "user", "item", "rating", "t")
    (X, _), took = _blocks(_Changing(first, then), "user", "item", "rating", "t", block=64)
    assert not took
    _same(X, want)


def test_last_with_times_is_read_whole_in_time_order():
    # "last" with a time column means the latest event in time (from_arrays orders the
    # events first), so from_csv reads such a file whole, never block by block
    users, items, values, times = _events(2_000, 0)
    data = _csv(users, items, values, times)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = Interactions.from_csv(data, "user", "item", "rating", "t", duplicates="last")
        want = Interactions.from_arrays(users, items, values, timestamps=times,
                                        duplicates="last")  # fmt: skip
    _same(got, want)
