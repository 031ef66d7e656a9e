"""A plain numeric event file to a CSR in two passes over its blocks (private; used by
:meth:`filmreco.data.Interactions.from_csv`).

Reading the file whole and then parsing it (:func:`._ops.read_csv_columns`) holds the
file's bytes plus an int64 / int64 / float64 array per column of every event: at 20M
events 5-6 times the final matrix. Here the file is read in blocks of about
:data:`BLOCK` bytes (cut at line ends) and each block is parsed by the compiled reader
(:func:`._fastcsv.parse_numeric`) into small arrays that are dropped before the next:

1. first pass: the id maps (first-appearance order, in tables over the ids' span that grow
   as the ids do), the number of events of every user, and the checks that decide whether
   this route gives the same result as the whole-file one;
2. second pass: every event is written straight to its row's next free slot of the
   CSR's own arrays (a counting sort, as in :func:`._assemble.assemble_csr`), then rows
   are sorted and merged in place (:func:`._assemble.merge_csr`).

The peak is then the CSR's arrays at the number of events plus a block. Whenever the
result could differ from the whole-file route (:meth:`Interactions.from_arrays` on the
columns the whole-file reader returns), this route gives up (None) and the caller reads
the file the usual way, which also owns every error message: a quote, a field the
compiled reader does not cover (it gives up on those too), an empty value or timestamp
(they follow ``on_nan`` there), a negative value under ``nonnegative=True``, a value or
merged sum beyond the range of `dtype` (the whole-file route raises), ids spanning
more than the whole-file route's table, an id -1, fewer events than its compiled route
takes, a source that cannot be read twice (a pipe, a text-mode file object, a zip
archive) or that fails to decompress, a file whose ids or counts changed between the
passes.
"""

from __future__ import annotations

import bz2
import gzip
import io
import logging
import lzma
import os
import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import numpy as np
from numba import njit

from ..sparse import IdMap
from ..sparse._idmap import check_not_padding
from . import _assemble, _fastcsv
from ._assemble import merge_csr
from ._fastcsv import parse_numeric
from ._ops import _SAMPLE, plain_layout

__all__ = ["BLOCK", "read_events"]

logger = logging.getLogger("filmreco")

#: Bytes per block (a block ends at a line end, so it holds a little more or less). A
#: block costs about 4 times its size in memory at once (the bytes read ahead, the block
#: and its parsed columns); at 20M events 1, 2 and 4 MiB took the same time, and 2 MiB
#: the least memory (benchmarks/README_scale.md).
BLOCK = 2 << 20

#: Errors of reading or decompressing a stream (and, as ValueErrors, the library's
#: InputError / FormatError about the file's first lines): the whole-file route reads the
#: file again and reports them.
_READ_ERRORS = (OSError, EOFError, lzma.LZMAError, ValueError, zlib.error)


def _label(source: Any) -> str:
    """The name error messages give the source (as :func:`._text.read_source` does)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return str(getattr(source, "name", "<file>"))


def _opener(source: Any) -> Callable[[], BinaryIO] | None:
    """A function giving a fresh binary stream of the source's bytes each time it is called
    (so the file can be read twice; a file object is put back where it was), or None when
    the source cannot be read that way."""
    if isinstance(source, bytes):
        return lambda: io.BytesIO(source)
    if isinstance(source, (bytearray, memoryview)):
        return None  # mutable: the caller could change it between the passes
    if isinstance(source, (str, os.PathLike)):
        return lambda: open(os.path.expanduser(source), "rb")
    if not hasattr(source, "read"):
        return None
    try:
        if not source.seekable() or not isinstance(source.read(0), bytes):
            return None
        origin = source.tell()
    except (AttributeError, OSError, ValueError):
        return None

    def rewind() -> BinaryIO:
        source.seek(origin)
        return _Borrowed(source)  # type: ignore[return-value]

    return rewind


class _Borrowed(io.RawIOBase):
    """The caller's file object, read but not closed."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return bytes(self._raw.read(size))


def _decompressing(raw: BinaryIO) -> BinaryIO | None:
    """`raw` read through the decompressor its first bytes name (as
    :func:`._text._decompress` detects them), or None for a zip archive."""
    head = raw.read(10)
    rest = _Prefixed(head, raw)
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=rest, mode="rb")  # type: ignore[return-value]
    if head[:3] == b"BZh" and head[4:10] == b"1AY&SY":
        return bz2.BZ2File(rest)  # type: ignore[return-value]
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(rest)  # type: ignore[return-value,arg-type]
    if head[:4] == b"PK\x03\x04":
        return None
    return rest  # type: ignore[return-value]


class _Prefixed(io.RawIOBase):
    """`head` (bytes already read) followed by the rest of `raw`."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self._head = head
        self._raw = raw

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                out, self._head = self._head + self._raw.read(), b""
                return out
            out, self._head = self._head[:size], self._head[size:]
            return out
        return self._raw.read(size)

    def readinto(self, b: Any) -> int:
        got = self.read(len(b))
        b[: len(got)] = got
        return len(got)


def _blocks(stream: BinaryIO, pending: bytes, block: int) -> Iterator[bytes]:
    """`pending` and the rest of `stream` in pieces of about `block` bytes, each ending at
    a line end (the last one may lack its newline; a longer line is one piece)."""
    eof = False
    while True:
        while not eof and len(pending) < block:
            got = stream.read(block)
            if got:
                pending += got
            else:
                eof = True
        if not pending:
            return
        cut = pending.rfind(b"\n", 0, block)
        if cut < 0:
            cut = pending.find(b"\n", block)
            while cut < 0 and not eof:
                got = stream.read(block)
                if got:
                    pending += got
                    cut = pending.find(b"\n")
                else:
                    eof = True
            if cut < 0:
                yield pending
                return
        yield pending[: cut + 1]
        pending = pending[cut + 1 :]


@njit(cache=True)
def _first_seen(ids, lo, table, order, n, counts):  # pragma: no cover - compiled
    """Give the ids not yet in `table` the next codes (recording them in `order`) and count
    each code's events in `counts` (when not empty). Returns the number of codes."""
    count = counts.size > 0
    for e in range(ids.size):
        o = ids[e] - lo
        c = table[o]
        if c < 0:
            c = n
            table[o] = c
            order[n] = ids[e]
            n += 1
        if count:
            counts[c] += 1
    return n


@njit(cache=True)
def _place(
    users, u_lo, u_tab, items, i_lo, i_tab, vals, ts, nxt, ends, cols, out, out_ts
):  # fmt: skip  # pragma: no cover - compiled
    """Write a block's events to their rows' next free slots (as ``_assemble._scatter``).

    Returns False, having stopped, at an id the first pass did not see or a row with more
    events than it counted (the file changed between the passes)."""
    has_vals = vals.size > 0
    has_ts = ts.size > 0
    for e in range(users.size):
        ou = users[e] - u_lo
        oi = items[e] - i_lo
        if ou < 0 or ou >= u_tab.size or oi < 0 or oi >= i_tab.size:
            return False
        r = u_tab[ou]
        c = i_tab[oi]
        if r < 0 or c < 0 or nxt[r] >= ends[r]:
            return False
        p = nxt[r]
        nxt[r] = p + 1
        cols[p] = c
        if has_vals:
            out[p] = np.float64(vals[e])
        else:
            out[p] = 1.0
        if has_ts:
            out_ts[p] = ts[e]
    return True


class _Column:
    """The first-appearance codes of an integer id column, built block by block."""

    def __init__(self, count: bool) -> None:
        self.lo = 0
        self.hi = -1  # the table covers ids lo..hi
        self.min = self.max = 0  # ids seen
        self.table = np.zeros(0, dtype=np.int32)
        self.order = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros(0, dtype=np.int64)
        self.count = count
        self.n = 0

    def add(self, ids: np.ndarray, n_seen: int) -> bool:
        """Code the ids of a block; False when their span gets too wide for a table."""
        if ids.size == 0:
            return True
        lo, hi = int(ids.min()), int(ids.max())
        if self.hi < self.lo:
            self.min, self.max = lo, hi
        else:
            self.min, self.max = min(self.min, lo), max(self.max, hi)
        # the whole-file route takes a table when the span is at most 2 n + 1024 (n the
        # events); a span far beyond it already is not worth a table here
        if self.max - self.min + 1 > 2 * n_seen + (1 << 22):
            return False
        if self.hi < self.lo or lo < self.lo or hi > self.hi:
            self._grow(lo, hi)
        # room for a code per new id: at most the block's ids, at most the table's span
        need = min(self.n + ids.size, self.table.size)
        if self.order.size < need:
            cap = min(max(need, 2 * self.order.size), self.table.size)
            self.order = _grown(self.order, cap)
            if self.count:
                self.counts = _grown(self.counts, cap)
        self.n = int(_first_seen(ids, np.int64(self.lo), self.table, self.order, self.n,
                                 self.counts if self.count else self.counts[:0]))  # fmt: skip
        return True

    def _grow(self, lo: int, hi: int) -> None:
        if self.hi < self.lo:
            new_lo, new_hi = lo, hi
        else:  # with headroom on the side that grows: ids often rise through a file
            span = self.hi - self.lo + 1
            new_lo = min(lo, self.lo - span // 2) if lo < self.lo else self.lo
            new_hi = max(hi, self.hi + span // 2) if hi > self.hi else self.hi
        table = np.full(new_hi - new_lo + 1, -1, dtype=np.int32)
        if self.table.size:
            at = self.lo - new_lo
            table[at : at + self.table.size] = self.table
        self.table, self.lo, self.hi = table, new_lo, new_hi


def _grown(a: np.ndarray, size: int) -> np.ndarray:
    """`a` copied into an array of `size` entries, the rest 0."""
    b = np.zeros(size, dtype=a.dtype)
    b[: a.size] = a
    return b


def read_events(
    path: Any,
    names: dict[str, str | int | None],
    *,
    sep: str | None,
    encoding: str,
    id_type: type | None,
    has_header: bool,
    columns: Any,
    comments: str,
    duplicates: str,
    dtype: np.dtype[Any],
    nonnegative: bool,
    block: int | None = None,
) -> tuple[tuple[Any, ...], IdMap, IdMap] | None:
    """The events of a plain numeric file, merged into a canonical CSR block by block.

    Returns ``(parts, user_map, item_map)``, `parts` as :func:`._assemble.merge_csr`
    gives them, or None when the file is to be read the whole-file way (see the module
    docstring). `dtype` is float32 or float64; `block` defaults to :data:`BLOCK`.
    """
    block = BLOCK if block is None else int(block)
    open_ = _opener(path)
    if open_ is None or not isinstance(sep, str):
        return None
    source = _label(path)
    got = None
    try:
        first = _pass(open_, source, names, sep, encoding, id_type, has_header, columns,
                      comments, nonnegative, block)  # fmt: skip
        if first is not None:
            layout, users, items, n, has_ts = first
            pos, n_fields, start = layout
            if not has_ts:
                pos = {**pos, "timestamp": None}
            got = _second_pass(open_, pos, n_fields, start, sep, comments, users, items, n,
                               duplicates, dtype, block)  # fmt: skip
            data = None if got is None else got[0][0]
            if (
                data is not None
                and data.size
                and not (np.isfinite(data.min()) and np.isfinite(data.max()))
            ):
                got = None  # a value or a sum beyond the dtype's range: the error is the
                # whole-file route's (it names the value, or the ids of the sum)
    except _READ_ERRORS:
        got = None
    if got is None and hasattr(path, "read"):
        open_().close()  # a file object back where it was, for the whole-file route
    return got


def _parse(
    chunk: bytes, sep: str, n_fields: int, pos: dict[str, int | None], comments: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None] | None:
    """User ids, item ids, values and timestamps of a block's lines (see ``parse_numeric``)."""
    got = parse_numeric(chunk, 0, sep=sep, n_fields=n_fields, columns=pos, comments=comments)
    if got is None:
        return None
    u, it = got["user"], got["item"]
    assert u is not None and it is not None
    return u, it, got["value"], got["timestamp"]


def _pass(
    open_: Callable[[], BinaryIO],
    source: str,
    names: dict[str, str | int | None],
    sep: str,
    encoding: str,
    id_type: type | None,
    has_header: bool,
    columns: Any,
    comments: str,
    nonnegative: bool,
    block: int,
) -> tuple[Any, _Column, _Column, int, bool] | None:
    """The first pass: the layout, the id columns' codes, the number of events and whether
    timestamps are kept; None to read the file the whole-file way."""
    with open_() as raw:
        stream = _decompressing(raw)
        if stream is None:
            return None
        # the file's start, as the whole-file route sees it: at least the compiled
        # reader's smallest file (smaller files are read the whole-file way) and the
        # general reader's sample of the first lines
        head = b""
        want = max(_fastcsv.MIN_BYTES, _SAMPLE + 3)
        while len(head) < want:
            got = stream.read(max(block, want - len(head)))
            if not got:
                break
            head += got
        if len(head) < _fastcsv.MIN_BYTES:
            return None
        layout = plain_layout(head, source, names, sep, encoding, id_type, has_header, columns,
                              comments)  # fmt: skip
        if layout is None:
            return None
        pos, n_fields, start = layout
        quote = sep == ","
        if quote and b'"' in head[:start]:
            return None
        users, items = _Column(count=True), _Column(count=False)
        n = 0
        ts_empty = ts_full = False  # some timestamp empty / some not
        for chunk in _blocks(stream, head[start:], block):
            if quote and b'"' in chunk:
                return None
            ev = _parse(chunk, sep, n_fields, pos, comments)
            if ev is None:
                return None
            u, it, vals, ts = ev
            if vals is not None and vals.size:
                if np.isnan(vals).any() or (nonnegative and vals.min() < 0):
                    return None  # the whole-file route applies on_nan / raises
            if ts is not None and ts.size:
                empty = np.isnan(ts)
                ts_empty = ts_empty or bool(empty.any())
                ts_full = ts_full or not bool(empty.all())
                if ts_empty and ts_full:
                    return None  # some empty: on_nan decides, in the whole-file route
            n += u.size
            if not (users.add(u, n) and items.add(it, n)):
                return None
    if n < _assemble.MIN_EVENTS or n >= 2**31 - 1:
        return None  # the whole-file route builds these another way (same result)
    for col in (users, items):
        if col.max - col.min + 1 > 2 * n + 1024:
            return None  # the whole-file route's id maps come from a sort here
    check_not_padding(users.order[: users.n], "int", "user_ids")
    check_not_padding(items.order[: items.n], "int", "item_ids")
    has_ts = pos.get("timestamp") is not None
    if has_ts and ts_empty:  # every timestamp empty (some empty, some not: given up above)
        logger.info("%s: every %r field is empty; no timestamps.", source, names["timestamp"])
        has_ts = False
    return layout, users, items, n, has_ts


def _second_pass(
    open_: Callable[[], BinaryIO],
    pos: dict[str, int | None],
    n_fields: int,
    start: int,
    sep: str,
    comments: str,
    users: _Column,
    items: _Column,
    n: int,
    duplicates: str,
    dtype: np.dtype[Any],
    block: int,
) -> tuple[tuple[Any, ...], IdMap, IdMap] | None:
    """The second pass: every event to its row's slot, then the rows merged."""
    n_rows = users.n
    # row offsets and next free slots as int32 while the rows fill (n < 2**31 - 1 here),
    # int64 for the merge
    ptr = np.zeros(n_rows + 1, dtype=np.int32)
    np.cumsum(users.counts[:n_rows], out=ptr[1:])
    users.counts = np.zeros(0, dtype=np.int64)  # (a view would keep its buffer)
    users.order = users.order[:n_rows].copy()
    items.order = items.order[: items.n].copy()
    cols = np.empty(n, dtype=np.int32 if items.n < 2**31 else np.int64)
    out = np.empty(n, dtype=dtype)
    has_ts = pos.get("timestamp") is not None
    out_ts = np.empty(n if has_ts else 0, dtype=np.float64)
    nxt = ptr[:-1].copy()
    ends = ptr[1:]
    none = np.zeros(0, dtype=np.float64)
    placed = 0
    with open_() as raw:
        stream = _decompressing(raw)
        assert stream is not None
        head = b""
        while len(head) < start:
            got = stream.read(start - len(head))
            if not got:
                return None
            head += got
        for chunk in _blocks(stream, b"", block):
            ev = _parse(chunk, sep, n_fields, pos, comments)
            if ev is None or placed + ev[0].size > n:
                return None  # the file changed between the passes
            u, it, vals, ts = ev
            ok = _place(u, np.int64(users.lo), users.table, it,
                        np.int64(items.lo), items.table, none if vals is None else vals,
                        none if ts is None else ts, nxt, ends, cols, out, out_ts)  # fmt: skip
            if not ok:
                return None
            placed += u.size
            del ev, u, it, vals, ts  # before the next block is parsed
    if placed != n or not np.array_equal(nxt, ends):
        return None  # the file changed between the passes
    del nxt, ends
    indptr = ptr.astype(np.int64)
    del ptr
    users.table = items.table = np.zeros(0, dtype=np.int32)
    parts = merge_csr(indptr, cols, out, out_ts if has_ts else None, duplicates)
    umap = IdMap._trusted(users.order, "int")
    imap = IdMap._trusted(items.order, "int")
    return parts, umap, imap
