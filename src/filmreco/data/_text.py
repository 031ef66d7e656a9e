"""Fast, strict reading of delimited text tables (private; used by data and datasets).

The reader works on the raw bytes with numpy, so a million-line edge list is split in a
fraction of a second without a Python loop over lines:

- newline and whitespace positions come from one vectorised pass over the bytes;
- a line whose first non-blank character is a comment character, and a blank line, are
  skipped; every other line must have the same number of fields, or a
  :class:`~filmreco.exceptions.FormatError` names the file, the line number and the line;
- fields are cut with :meth:`bytes.split` (C speed) and converted column by column with
  ``astype``; a value that does not convert is reported with its line number too.

Files are read whole (they are decompressed in memory when gzip, bz2 or xz magic bytes are
found), which is the fast path for the data sizes filmreco targets (tens of MB).
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import itertools
import lzma
import os
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_encoding, check_str, shorten
from ..exceptions import FormatError, InputError, InputTypeError

__all__ = ["Table", "read_source", "split_table", "to_float", "to_int", "to_str"]

_UTF8 = frozenset({"utf-8", "utf-8-sig"})  # codecs.lookup names
_WS = np.zeros(256, dtype=bool)
_WS[[9, 10, 11, 12, 13, 32]] = True  # exactly what bytes.split() treats as whitespace


def read_source(source: Any, *, name: str | None = None) -> tuple[bytes, str]:
    """Return the (decompressed) bytes of a path, a file object or a bytes object, and a name.

    Compression is detected from the magic bytes, not the suffix: gzip (``1f 8b``), bz2
    (``BZh``), xz (``fd 37 7a 58 5a 00``); a zip archive with exactly one member is read too.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw, label = bytes(source), name or "<bytes>"
    elif isinstance(source, (str, os.PathLike)):
        label = name or os.fspath(source)
        with open(source, "rb") as f:
            raw = f.read()
    elif hasattr(source, "read"):
        label = name or str(getattr(source, "name", "<file>"))
        got = source.read()
        raw = got.encode("utf-8") if isinstance(got, str) else bytes(got)
    else:
        raise InputTypeError(
            f"source must be a path, a file object or bytes, got {type(source).__name__}."
        )
    return _decompress(raw, label), label


def _decompress(raw: bytes, label: str) -> bytes:
    try:
        if raw[:2] == b"\x1f\x8b":
            return gzip.decompress(raw)
        if raw[:3] == b"BZh" and raw[4:10] == b"1AY&SY":
            return bz2.decompress(raw)
        if raw[:6] == b"\xfd7zXZ\x00":
            return lzma.decompress(raw)
    except (OSError, EOFError, lzma.LZMAError, ValueError) as exc:
        raise FormatError(
            f"{label!r} looks compressed but could not be decompressed ({type(exc).__name__}: "
            f"{exc}); the file may be truncated."
        ) from exc
    if raw[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            members = [m for m in z.namelist() if not m.endswith("/")]
            if len(members) != 1:
                raise FormatError(
                    f"{label!r} is a zip archive with {len(members)} members; extract the one "
                    "to read, or pass its bytes."
                )
            return z.read(members[0])
    return raw


@dataclass(frozen=True)
class Table:
    """Fields of a delimited text file: ``fields[i, j]`` is field ``j`` of data row ``i``."""

    fields: np.ndarray  # (n_rows, n_cols), dtype S (fast path) or U (quoted CSV)
    lines: np.ndarray  # 1-based line number of every row, for error messages
    source: str
    header: list[str] | None = None

    @property
    def n_rows(self) -> int:
        return int(self.fields.shape[0])

    def where(self, row: int) -> str:
        return f"{self.source!r}, line {int(self.lines[row])}"


def _bad_line(data: bytes, nl: np.ndarray, line: int) -> str:
    start = int(nl[line - 1]) + 1 if line > 0 else 0
    text = data[start : int(nl[line])].decode("utf-8", "replace").strip()
    return text if len(text) <= 80 else text[:77] + "..."


def split_table(
    data: bytes,
    *,
    source: str,
    delimiter: str | None = None,
    comments: str = "",
    header: bool = False,
    min_cols: int = 1,
    encoding: str = "utf-8",
) -> Table:
    """Split `data` into a rectangular table of byte-string fields.

    Parameters
    ----------
    data : bytes
        The whole file.
    source : str
        File name used in error messages.
    delimiter : str, optional
        Field separator (one or more characters). ``None`` splits on runs of blanks (spaces,
        tabs), so fields are never empty.
    comments : str, default=""
        Characters that start a comment line (checked on the first non-blank character).
    header : bool, default=False
        If True, the first data line is a header; it is returned in :attr:`Table.header`.
    min_cols : int, default=1
        Fewest fields a line may have.
    encoding : str, default="utf-8"
        Used to encode the delimiter and to decode the header. A UTF-8 byte-order mark at the
        start of the data is dropped.
    """
    check_str(delimiter, "delimiter (sep)", allow_none=True)
    check_str(comments, "comments", allow_none=True)
    check_encoding(encoding)
    if delimiter is not None and delimiter == "":
        raise InputError("delimiter must be a non-empty string or None.")
    if data.startswith(codecs.BOM_UTF8) and codecs.lookup(encoding).name in _UTF8:
        data = data[len(codecs.BOM_UTF8) :]  # Excel's "CSV UTF-8" starts with a byte-order mark
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    if data and not data.endswith(b"\n"):
        data += b"\n"
    try:
        d = None if delimiter is None else delimiter.encode(encoding)
    except UnicodeEncodeError:
        raise InputError(
            f"delimiter (sep) {shorten(delimiter)} cannot be written in {encoding}."
        ) from None
    if d is not None and delimiter == ",":
        if b'"' in data:
            return _split_quoted_csv(
                data, source=source, header=header, min_cols=min_cols, encoding=encoding
            )
    if d is not None and len(d) > 1:
        placeholder = next(
            (bytes([c]) for c in (31, 30, 29, 28, 1) if bytes([c]) not in data), None
        )
        if placeholder is None:
            raise FormatError(f"{source!r}: cannot split on {delimiter!r} (no free byte).")
        data, d = data.replace(d, placeholder), placeholder
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10)
    ws = _WS[buf]
    is_start = ~ws  # first byte of each blank-separated token
    is_start[1:] &= ws[:-1]
    starts = np.flatnonzero(is_start)
    tok_line = np.searchsorted(nl, starts)
    first = np.ones(starts.size, dtype=bool)
    first[1:] = tok_line[1:] != tok_line[:-1]
    data_lines = tok_line[first]  # lines with any content
    if comments:
        try:
            marks = np.frombuffer(comments.encode(encoding), dtype=np.uint8)
        except UnicodeEncodeError:
            raise InputError(
                f"comments {shorten(comments)} cannot be written in {encoding}."
            ) from None
        data_lines = data_lines[~np.isin(buf[starts[first]], marks)]
    keep_line = np.zeros(nl.size, dtype=bool)
    keep_line[data_lines] = True

    if d is None:
        counts = np.bincount(tok_line, minlength=nl.size)[data_lines]
        tokens = data.split()
        if data_lines.size != int(first.sum()):  # some comment lines to drop
            tokens = list(itertools.compress(tokens, keep_line[tok_line]))
    else:
        counts = (
            np.bincount(np.searchsorted(nl, np.flatnonzero(buf == d[0])), minlength=nl.size)[
                data_lines
            ]
            + 1
        )
        if data_lines.size != nl.size:
            lengths = np.diff(np.concatenate([[-1], nl]))
            data = buf[np.repeat(keep_line, lengths)].tobytes()
        tokens = data[:-1].replace(b"\n", d).split(d) if data_lines.size else []
    if data_lines.size == 0:
        if header:
            raise FormatError(f"{source!r} has no header line; a header row is required.")
        return Table(np.zeros((0, max(min_cols, 0)), dtype="S1"), np.zeros(0, np.int64), source)
    k = int(counts[0])
    bad = np.flatnonzero((counts != k) | (counts < min_cols))
    if bad.size:
        b = int(bad[0])
        line = int(data_lines[b])
        want = f"{k}" if k >= min_cols and b > 0 else f"at least {min_cols}"
        raise FormatError(
            f"{source!r}, line {line + 1}: expected {want} fields but found {int(counts[b])} "
            f"({_bad_line(data if d is None else bytes(buf), nl, line)!r}); fix or remove the line."
        )
    fields = np.array(tokens, dtype=bytes).reshape(-1, k)
    if d is not None and fields.size:
        fields = np.strings.strip(fields)
    lines = data_lines.astype(np.int64) + 1
    head = None
    if header:
        head = [h.decode(encoding, "replace").strip() for h in fields[0].tolist()]
        fields, lines = fields[1:], lines[1:]
    return Table(fields, lines, source, head)


def _split_quoted_csv(
    data: bytes, *, source: str, header: bool, min_cols: int, encoding: str
) -> Table:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FormatError(
            f"{source!r} is not valid {encoding} (byte {exc.start}); pass the right encoding."
        ) from None
    rows: list[list[str]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    k = -1
    start = 1
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                start = reader.line_num + 1
                continue
            if k < 0:
                k = len(row)
            if len(row) != k or len(row) < min_cols:
                raise FormatError(
                    f"{source!r}, line {start}: expected {max(k, min_cols)} fields but found "
                    f"{len(row)} ({','.join(row)[:80]!r}); fix or remove the line."
                )
            rows.append([f.strip() for f in row])
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FormatError(f"{source!r}, line {reader.line_num}: malformed CSV ({exc}).") from None
    if not rows:
        if header:
            raise FormatError(f"{source!r} has no header line; a header row is required.")
        return Table(np.zeros((0, max(min_cols, 0)), dtype="U1"), np.zeros(0, np.int64), source)
    head = rows.pop(0) if header else None
    ln = np.asarray(lines[1:] if header else lines, dtype=np.int64)
    fields = np.array(rows, dtype=str).reshape(-1, k) if rows else np.zeros((0, k), dtype="U1")
    return Table(fields, ln, source, head)


def _first_failure(col: np.ndarray, convert: Any) -> int:
    for i, x in enumerate(col.tolist()):
        try:
            convert(x)
        except (ValueError, OverflowError):
            return i
    return 0


def _quote(value: Any) -> str:
    """A field's value for an error message, decoded and cut (see :func:`shorten`)."""
    if isinstance(value, bytes):  # decode only what is shown (a line may be 150 MB)
        n = len(value)
        value = value[:400].decode("utf-8", "replace")
        if n > 400:
            return f"{value[:80]!r}... ({n:,} bytes)"
    return shorten(str(value))


def to_int(table: Table, j: int, what: str, *, hint: str = "") -> np.ndarray:
    """Column `j` as ``int64``; a bad value raises FormatError with its line."""
    col = table.fields[:, j]
    try:
        return col.astype(np.int64)
    except (ValueError, OverflowError):
        i = _first_failure(col, int)
        raise FormatError(
            f"{table.where(i)}: {what} {_quote(col[i])} is not an integer{hint}."
        ) from None


def to_float(table: Table, j: int, what: str) -> np.ndarray:
    """Column `j` as ``float64``; empty fields become NaN, other bad values raise."""
    col = table.fields[:, j]
    empty = col == (b"" if col.dtype.kind == "S" else "")
    if empty.any():
        col = np.where(empty, b"nan" if col.dtype.kind == "S" else "nan", col)
    try:
        return col.astype(np.float64)
    except (ValueError, OverflowError):
        i = _first_failure(col, float)
        raise FormatError(f"{table.where(i)}: {what} {_quote(col[i])} is not a number.") from None


def to_str(table: Table, j: int, encoding: str = "utf-8") -> np.ndarray:
    """Column `j` decoded to a numpy unicode array."""
    col = table.fields[:, j]
    if col.dtype.kind == "U":
        return col
    try:
        return np.strings.decode(col, encoding)
    except UnicodeDecodeError:
        i = _first_failure(col, lambda x: x.decode(encoding))
        raise FormatError(
            f"{table.where(i)}: field is not valid {encoding}; pass encoding=... "
            "(MovieLens 100k/1M files are 'latin-1')."
        ) from None
