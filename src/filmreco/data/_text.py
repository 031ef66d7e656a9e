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
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_encoding, check_str, shorten
from ..exceptions import FormatError, InputError, InputTypeError
from ._encoding import decode_error_message, garbled, wide_encoding

__all__ = [
    "Table",
    "check_header",
    "column_index",
    "read_source",
    "split_table",
    "to_float",
    "to_int",
    "to_str",
]

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
        with open(os.path.expanduser(source), "rb") as f:  # "~/data/views.csv" as pandas
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
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                members = [m for m in z.namelist() if not m.endswith("/")]
                if len(members) != 1:
                    raise FormatError(
                        f"{label!r} is a zip archive with {len(members)} members; extract the "
                        "one to read, or pass its bytes."
                    )
                return z.read(members[0])
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise FormatError(
                f"{label!r} is a zip archive that could not be read ({type(exc).__name__}: "
                f"{exc}); the file may be truncated, damaged or encrypted."
            ) from exc
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


_WIDE = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
_BOMS = (  # UTF-32's marks first: UTF-32-LE's starts with UTF-16-LE's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def as_utf8(data: bytes, encoding: str, source: str) -> tuple[bytes, str]:
    """`data` and the encoding to split and decode it with, UTF-8 where `encoding`'s
    separators and digits are not single bytes.

    UTF-16 and UTF-32 text (asked for by `encoding`, or marked by its byte-order mark while
    `encoding` is the default UTF-8) is decoded and re-encoded as UTF-8; ``"utf-8-sig"``
    is UTF-8 without its mark. Other encodings are returned as given."""
    check_encoding(encoding)
    name = codecs.lookup(encoding).name
    if name == "utf-8-sig":
        return (data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data), "utf-8"
    if name not in _WIDE:
        marked = next((codec for bom, codec in _BOMS if data.startswith(bom)), None)
        if marked is None or name not in _UTF8:
            return data, encoding
        name = marked
    try:
        text = data.decode(name)
    except UnicodeDecodeError as exc:
        raise FormatError(
            f"{source!r} is not valid {name.upper()} text (bytes {exc.start}-{exc.end - 1}: "
            f"{exc.reason}); pass the file's encoding as encoding=..., e.g. 'utf-8' or "
            "'gb18030'."
        ) from None
    return text.removeprefix("\ufeff").encode("utf-8", "surrogateescape"), "utf-8"


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
    if delimiter is not None and ("\n" in delimiter or "\r" in delimiter):
        raise InputError(
            f"delimiter (sep) {delimiter!r} holds a line break, which ends lines; give the "
            "character between fields, e.g. ',' or '\\t'."
        )
    wide = wide_encoding(data)
    if wide is not None:
        codec, why = wide
        raise FormatError(
            f"{source!r} looks like {codec[:6].upper()} text ({why}) read as {encoding}: "
            f"pass encoding={codec!r}, or save it as UTF-8 (Excel: 'CSV UTF-8')."
        )
    if data.startswith(codecs.BOM_UTF8) and codecs.lookup(encoding).name in _UTF8:
        data = data[len(codecs.BOM_UTF8) :]  # Excel's "CSV UTF-8" starts with a byte-order mark
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if b"\n" not in data:  # old Mac OS line ends: a lone CR ends each line
            data = data.replace(b"\r", b"\n")
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
                data,
                source=source,
                header=header,
                min_cols=min_cols,
                encoding=encoding,
                comments=comments or "",
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
        raw = fields[0].tolist()
        try:
            head = [h.decode(encoding).strip() for h in raw]
        except UnicodeDecodeError:
            where = f"{source!r}, line {int(lines[0])} (the header)"
            raise FormatError(decode_error_message(b"\n".join(raw), where, encoding)) from None
        check_garbled(head, source, encoding)
        fields, lines = fields[1:], lines[1:]
    return Table(fields, lines, source, head)


def check_garbled(head: list[str], source: str, encoding: str) -> None:
    """Raise FormatError if the header `head` is mojibake (see :func:`garbled`)."""
    found = garbled(" ".join(head), encoding)
    if found is None:
        return
    cause, fixed = found
    if "read as" in cause:
        fix = "pass encoding='utf-8'"
    elif "U+FFFD" in cause:
        fix = "the file was damaged when it was saved; export it again from the source"
    else:
        fix = (
            "the file itself was saved garbled; export it again, or repair the text "
            "with text.encode('cp1252').decode('utf-8')"
        )
    raise FormatError(
        f"the header of {source!r} looks garbled ({shorten(head)}): {cause}, so it would "
        f"read {shorten(fixed)}; {fix}."
    )


def _split_quoted_csv(
    data: bytes, *, source: str, header: bool, min_cols: int, encoding: str, comments: str
) -> Table:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        where = f"{source!r}, line {line}"
        raise FormatError(decode_error_message(data, where, encoding, exc.start)) from None
    rows: list[list[str]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    k = -1
    start = 1
    try:
        for row in reader:
            if (
                not row
                or (len(row) == 1 and not row[0].strip())
                or (comments and row[0].lstrip()[:1] in comments and row[0].lstrip())
            ):
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
    if head is not None:
        check_garbled(head, source, encoding)
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
        sample = b"\n".join(col[i : i + 2000].tolist())
        raise FormatError(decode_error_message(sample, table.where(i), encoding)) from None


def check_header(header: Any) -> bool:
    """True when the first line names the columns (``header=0``, pandas' default)."""
    if header is None:
        return False
    if isinstance(header, str) and header == "infer":
        return True
    if isinstance(header, (int, np.integer)) and not isinstance(header, bool) and header == 0:
        return True
    raise InputError(
        f"header must be 0 (the first line names the columns) or None (the file has no "
        f"header line), got {shorten(header)}; with header=None, name the columns with "
        "names=[...] or pick them by position (e.g. user=0, item=1)."
    )


def column_names(table: Table, names: Any, header: bool) -> list[str] | None:
    """The column names of `table`: `names` when given, else its header (or None)."""
    if names is None:
        return table.header if header else None
    zero_d = isinstance(names, np.ndarray) and names.ndim == 0
    if isinstance(names, (str, bytes)) or zero_d or not hasattr(names, "__iter__"):
        got = "a 0-d array" if zero_d else type(names).__name__
        raise InputTypeError(
            f"names must be a list of column names, got {got}; "
            "e.g. names=['user', 'item', 'rating']."
        )
    out = list(names)
    if not all(isinstance(n, str) for n in out) or len(set(out)) != len(out):
        raise InputError(f"names must be distinct strings, got {shorten(out)}.")
    k = int(table.fields.shape[1])
    if table.n_rows and len(out) != k:
        raise InputError(
            f"names has {len(out)} entries but the lines of {table.source!r} have {k} fields; "
            "give one name per field."
        )
    return out


def _looks_like_data(head: list[str]) -> bool:
    def number(s: str) -> bool:
        try:
            float(s)
        except ValueError:
            return False
        return True

    return bool(head) and all(number(h) for h in head if h) and any(head)


def column_index(spec: Any, head: list[str] | None, table: Table, *, arg: str) -> int:
    """Position of the column `spec` (a name in `head`, or an int position), for `arg`=..."""
    k = int(table.fields.shape[1])
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if not -k <= int(spec) < k:
            raise InputError(
                f"{arg}={int(spec)} is not a column position of {table.source!r}, whose lines "
                f"have {k} fields; use 0..{k - 1}."
            )
        return int(spec) % k
    if not isinstance(spec, str):
        raise InputTypeError(
            f"{arg} must be a column name (str) or position (int), got {type(spec).__name__}."
        )
    if head is None:
        raise InputError(
            f"{arg}={spec!r} names a column, but {table.source!r} is read without a header "
            f"(header=None); pass names=[...] (one per field, {k} here) or a position "
            f"({arg}=0)."
        )
    if spec in head:
        at = [j for j, h in enumerate(head) if h == spec]
        if len(at) > 1:
            raise FormatError(
                f"the header of {table.source!r} names {len(at)} columns {spec!r} (positions "
                f"{', '.join(map(str, at))}), so {arg}={spec!r} is ambiguous; pick one by "
                f"position ({arg}={at[0]}), or rename the columns with names=[...] (one per "
                "field)."
            )
        return at[0]
    hint = ""
    if table.header is not None and head is table.header and _looks_like_data(head):
        hint = (
            " That first line looks like data, not a header: pass header=None with "
            "names=[...] or column positions (e.g. user=0, item=1)."
        )
    else:
        near = [h for h in head if h.strip().lower() == spec.strip().lower()]
        if near:
            hint = f" Did you mean {near[0]!r}?"
    raise InputError(
        f"column {shorten(spec)} is not in the header of {table.source!r}: "
        f"{shorten(head)} (asked for by {arg}=).{hint}"
    )


ON_ERROR = ("raise", "coerce", "drop")


# year-first dates as Chinese software and spreadsheet exports write them (2023/1/5,
# 2023.01.05, 2023年1月5日), each optionally followed by a time (14:03 or 14:03:09)
_YEAR_FIRST = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|T|\s*日\s*)(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)


def _iso_date(value: str) -> str:
    """A year-first date (``2023/1/5 14:03``, ``2023年1月5日``) in ISO form
    (``2023-01-05T14:03:00``); any other text unchanged (numpy then accepts or refuses it).

    Examples
    --------
    >>> _iso_date("2023/1/5 14:03"), _iso_date("2023年1月5日"), _iso_date("5/1/2023")
    ('2023-01-05T14:03:00', '2023-01-05', '5/1/2023')
    """
    m = _YEAR_FIRST.fullmatch(value)
    if m is None:
        return value
    y, mo, d, h, mi, sec = m.groups()
    clock = f"T{int(h):02d}:{mi}:{sec or '00'}" if h is not None else ""
    return f"{y}-{int(mo):02d}-{int(d):02d}{clock}"


class MixedTimes(ValueError):
    """A time column holding both dates and plain numbers: ``date_at`` and ``number_at``
    are the positions of the first of each (the caller names the column)."""

    def __init__(self, date_at: int, number_at: int) -> None:
        super().__init__(f"dates (entry {date_at}) and numbers (entry {number_at})")
        self.date_at, self.number_at = date_at, number_at


def mixed_times_advice() -> str:
    """What to do about a :class:`MixedTimes` column (the end of its message)."""
    return (
        "a number is read as seconds since the epoch and a date as a date, so one column "
        "must hold one form: convert the dates to seconds, or the numbers to dates, first "
        "(e.g. with pandas.to_datetime(..., unit='s') for the numbers)"
    )


def _plain_numbers(text: np.ndarray) -> np.ndarray:
    """Which entries of a stripped unicode array are plain numbers, as :class:`float`
    reads them: a sign, digits with at most one point, an exponent (``1577836800``,
    ``-3.5``, ``1.5e9``). numpy would read ``"2020"`` or ``"1577836800"`` as a year."""
    body = np.strings.lstrip(text, "+-")
    mant, e, expo = np.strings.partition(np.strings.lower(body), "e")
    ok: np.ndarray = np.strings.isdecimal(np.strings.replace(mant, ".", "", 1))
    return ok & ((e == "") | np.strings.isdecimal(np.strings.lstrip(expo, "+-")))


def _parse_time(col: np.ndarray) -> np.ndarray:
    """Dates/times as float seconds: ISO (``2000-07-12``, ``2000-07-12 10:00:00.25``, with
    an offset such as ``+08:00`` or ``Z`` converted to UTC) and the year-first forms of
    Chinese exports (``2000/7/12 10:00``, ``2000.07.12``, ``2000年7月12日``); NaN for empty
    fields. A column of plain numbers is read as seconds. Raises :class:`MixedTimes` for
    a column holding both numbers and dates, and ValueError for anything else (day-first
    or month-first dates such as ``12/7/2000`` are ambiguous)."""
    text = col if col.dtype.kind == "U" else np.strings.decode(col, "utf-8", "replace")
    text = np.strings.strip(text)
    empty = (text == "") | (np.strings.lower(text) == "nan")
    text = np.where(empty, "NaT", text)
    try:
        t = _as_datetime(text)
    except ValueError:
        return _parse_uneven(text, empty)
    # numpy reads an integer ("2020", "-5", "1577836800") as a year (and one beyond year
    # 294247 wraps around); it refuses the other forms of numbers (1.5, 1e9)
    number = np.strings.isdecimal(np.strings.lstrip(text, "+-"))
    if number.any():
        return _numbers(text, empty, number)
    return _seconds(t)


def _as_datetime(text: np.ndarray) -> np.ndarray:
    """``text.astype("datetime64[us]")`` (microseconds: fractions of a second kept),
    without numpy's warning about time-zone offsets (which it applies)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "no explicit representation of timezones")
        return text.astype("datetime64[us]")


def _seconds(t: np.ndarray) -> np.ndarray:
    out = t.astype(np.int64) / 1e6
    out[np.isnat(t)] = np.nan
    return out


def _numbers(text: np.ndarray, empty: np.ndarray, number: np.ndarray) -> np.ndarray:
    """A time column with some plain numbers: seconds when the rest is empty, else
    :class:`MixedTimes` (or a ValueError when the rest are not all dates either)."""
    rest = ~(number | empty)
    if not rest.any():
        return np.where(empty, "nan", text).astype(np.float64)
    _parse_time(text[rest])  # a ValueError when some are neither
    raise MixedTimes(int(np.argmax(rest)), int(np.argmax(number)))


def _parse_uneven(text: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """:func:`_parse_time` of a column numpy does not read as ISO dates: numbers with a
    point or an exponent, the year-first forms (each distinct value turned ISO once), or
    cells that are neither (ValueError)."""
    uniq, inv = np.unique(text, return_inverse=True)
    inv = inv.reshape(-1)
    is_number = _plain_numbers(uniq)
    if is_number.any():
        return _numbers(text, empty, is_number[inv])
    iso = np.array([_iso_date(u) for u in uniq.tolist()], dtype=str)
    return _seconds(_as_datetime(iso)[inv])


def _parse_one_time(x: Any) -> float:
    return float(_parse_time(np.array([x]))[0])


def _mixed_times(table: Table, col: np.ndarray, what: str, date_at: int, number_at: int) -> None:
    """Raise the FormatError of a time column holding both dates and numbers."""
    raise FormatError(
        f"{table.source!r}: the timestamps ({what}) mix dates ({_quote(col[date_at])}, line "
        f"{int(table.lines[date_at])}) and numbers ({_quote(col[number_at])}, line "
        f"{int(table.lines[number_at])}); {mixed_times_advice()}."
    )


def convert_column(
    table: Table,
    j: int,
    kind: str,
    what: str,
    *,
    on_error: str = "raise",
    record: Any = None,
    hint: str = "",
) -> tuple[np.ndarray, np.ndarray | None]:
    """Column `j` as int64 (`kind` "int"), float64 ("float": empty is NaN) or seconds
    ("time": numbers, or ISO dates when the column is not numeric).

    Returns the values and a mask of the bad cells (None when there are none). A bad cell
    raises FormatError naming the line, the record (``record(i)``, e.g. its id) and the
    value when `on_error` is "raise"; otherwise it is NaN (float/time) or 0 (int) and
    flagged in the mask, for the caller to coerce or drop.
    """
    col = table.fields[:, j]
    if kind != "int":
        empty = col == (b"" if col.dtype.kind == "S" else "")
        if empty.any():
            col = np.where(empty, b"nan" if col.dtype.kind == "S" else "nan", col)
    dtype = np.int64 if kind == "int" else np.float64
    try:
        return col.astype(dtype), None
    except (ValueError, OverflowError):
        pass
    one: Any = int if kind == "int" else float
    if kind == "time":
        try:
            return _parse_time(col), None
        except MixedTimes as exc:
            _mixed_times(table, col, what, exc.date_at, exc.number_at)
        except ValueError:
            one = _parse_one_time
    vals = col.tolist()
    out = np.zeros(len(vals), dtype=dtype)
    bad = np.zeros(len(vals), dtype=bool)
    for i, x in enumerate(vals):
        try:
            out[i] = one(x)
        except (ValueError, OverflowError):
            bad[i] = True
    first = int(np.flatnonzero(bad)[0])
    if kind == "time":  # the cells that did convert must not mix the two forms either
        text = np.strings.strip(
            col if col.dtype.kind == "U" else np.strings.decode(col, "utf-8", "replace")
        )
        number = _plain_numbers(text) & ~bad
        date = ~(number | bad | (text == "") | (np.strings.lower(text) == "nan"))
        if number.any() and date.any():
            _mixed_times(table, col, what, int(np.argmax(date)), int(np.argmax(number)))
    if on_error == "raise":
        rec = f" (record: {record(first)})" if record is not None else ""
        expected = {"int": "an integer", "float": "a number", "time": "a number or a date"}
        raise FormatError(
            f"{table.where(first)}: {what} {_quote(col[first])} is not {expected[kind]}"
            f"{rec}{hint}; fix the cell, or pass on_error='coerce' (make it missing) or "
            f"on_error='drop' (skip the line); {int(bad.sum())} such cell(s) in this column."
        )
    if kind != "int":
        out[bad] = np.nan
    return out, bad
