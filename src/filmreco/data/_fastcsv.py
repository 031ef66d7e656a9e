"""A compiled reader for the plain case of a numeric event file (private; used by
:func:`filmreco.data._ops.read_csv_columns`).

Most event files are plain: one single-byte separator, no quotes, integer ids and decimal
values or timestamps (MovieLens, SNAP, platform exports). For those, :func:`parse_numeric`
reads the wanted columns straight from the bytes into int64 / float64 arrays in one
compiled pass, instead of cutting every field into a Python bytes object first (60M of
them for a 20M-line file: 2x the time of pandas and 30x the final matrix in memory).

Anything outside the plain case (a quote, a field that is not a plain integer id or a
plain decimal number, a line with another number of fields, a number the exact fast
conversion does not cover) makes it give up (None); the caller then reads the file the
general way, which also owns every error message. So the fast reader never changes a
result: integers are exact and every decimal it accepts has at most 15 significant digits
and a power of ten within 10**±22, which one IEEE operation converts correctly rounded
(Clinger, "How to read floating point numbers accurately", PLDI 1990), as numpy does.
"""

from __future__ import annotations

import codecs

import numpy as np
from numba import njit

__all__ = ["MIN_BYTES", "parse_numeric", "plain_encoding"]

#: Smallest file (bytes) for the compiled reader; smaller ones are read the general way,
#: which is quicker than numba's first call in a process (see ``_assemble.MIN_EVENTS``).
MIN_BYTES = 8 << 20

#: Encodings in which every byte below 0x80 is the ASCII character (so a separator, a
#: digit or a newline byte is never part of a multi-byte character).
_ASCII_SAFE = frozenset({"utf-8", "utf-8-sig", "ascii", "latin-1", "iso8859-1", "cp1252"})

_POW10 = np.array([10.0**i for i in range(23)], dtype=np.float64)

_OK, _GIVE_UP = 0, 1


def plain_encoding(encoding: str) -> bool:
    """Whether `encoding` leaves ASCII bytes alone (see :data:`_ASCII_SAFE`)."""
    return codecs.lookup(encoding).name in _ASCII_SAFE


@njit(inline="always")
def _blank(b, sep):  # pragma: no cover - compiled
    """A blank byte around a field (what ``bytes.strip`` removes), unless it separates."""
    return (b == 32 or b == 9 or b == 13 or b == 11 or b == 12) and b != sep


@njit(cache=True)
def _parse(buf, start, sep, n_fields, target, comment, no_quote, users, items, vals, times, pow10):
    # pragma: no cover - compiled
    """Rows of ``buf[start:]`` into the id arrays (int64) and the number arrays (float64).

    Returns ``(n_rows, status)``. ``target[j]`` is where field ``j`` goes (0 `users`, 1
    `items`, 2 `vals`, 3 `times`; -1: skipped).
    """
    n = buf.size
    p = start
    row = 0
    while p < n:
        # a line: skip its leading blanks; blank and comment lines are skipped
        q = p
        while q < n and _blank(buf[q], sep):
            q += 1
        if q >= n:
            break
        if buf[q] == 10:
            p = q + 1
            continue
        if comment[buf[q]]:
            while q < n and buf[q] != 10:
                q += 1
            p = q + 1
            continue
        if row >= users.size:
            return row, _GIVE_UP
        j = 0
        p = q
        while True:
            t = target[j] if j < n_fields else -2
            if t == -2:
                return row, _GIVE_UP  # more fields than the header
            while p < n and _blank(buf[p], sep):
                p += 1
            if t == -1:  # skipped field: to the next separator or line end
                while p < n and buf[p] != sep and buf[p] != 10:
                    if no_quote and buf[p] == 34:
                        return row, _GIVE_UP
                    p += 1
            elif t <= 1:  # integer id
                neg = False
                if p < n and (buf[p] == 45 or buf[p] == 43):
                    neg = buf[p] == 45
                    p += 1
                v = 0
                nd = 0
                while p < n and 48 <= buf[p] <= 57:
                    v = v * 10 + (buf[p] - 48)
                    nd += 1
                    p += 1
                if nd == 0 or nd > 18:
                    return row, _GIVE_UP
                while p < n and _blank(buf[p], sep):
                    p += 1
                if p < n and buf[p] != sep and buf[p] != 10:
                    return row, _GIVE_UP
                if t == 0:
                    users[row] = -v if neg else v
                else:
                    items[row] = -v if neg else v
            else:  # decimal number; empty is NaN
                x = np.nan
                if not (p >= n or buf[p] == sep or buf[p] == 10):
                    neg = False
                    if buf[p] == 45 or buf[p] == 43:
                        neg = buf[p] == 45
                        p += 1
                    m = 0
                    sig = 0  # significant digits taken into m
                    nd = 0
                    exp = 0
                    while p < n and 48 <= buf[p] <= 57:
                        d = buf[p] - 48
                        if m or d:
                            sig += 1
                        m = m * 10 + d
                        nd += 1
                        p += 1
                        if sig > 15:
                            return row, _GIVE_UP
                    if p < n and buf[p] == 46:
                        p += 1
                        while p < n and 48 <= buf[p] <= 57:
                            d = buf[p] - 48
                            if m or d:
                                sig += 1
                            m = m * 10 + d
                            exp -= 1
                            nd += 1
                            p += 1
                            if sig > 15:
                                return row, _GIVE_UP
                    if nd == 0:
                        return row, _GIVE_UP
                    if p < n and (buf[p] == 101 or buf[p] == 69):
                        p += 1
                        eneg = False
                        if p < n and (buf[p] == 45 or buf[p] == 43):
                            eneg = buf[p] == 45
                            p += 1
                        e = 0
                        ne = 0
                        while p < n and 48 <= buf[p] <= 57:
                            e = e * 10 + (buf[p] - 48)
                            ne += 1
                            p += 1
                            if ne > 4:
                                return row, _GIVE_UP
                        if ne == 0:
                            return row, _GIVE_UP
                        exp += -e if eneg else e
                    while p < n and _blank(buf[p], sep):
                        p += 1
                    if p < n and buf[p] != sep and buf[p] != 10:
                        return row, _GIVE_UP
                    if exp < -22 or exp > 22:
                        if m != 0:
                            return row, _GIVE_UP
                        exp = 0
                    x = np.float64(m)
                    if exp >= 0:
                        x = x * pow10[exp]
                    else:
                        x = x / pow10[-exp]
                    if neg:
                        x = -x
                if t == 2:
                    vals[row] = x
                else:
                    times[row] = x
            if p >= n or buf[p] == 10:
                break
            p += 1  # the separator
            j += 1
        if j + 1 != n_fields:
            return row, _GIVE_UP
        row += 1
        p += 1
    return row, _OK


def parse_numeric(
    data: bytes,
    start: int,
    *,
    sep: str,
    n_fields: int,
    columns: dict[str, int | None],
    comments: str,
) -> dict[str, np.ndarray | None] | None:
    """The columns ``user``, ``item`` (int64) and ``value``, ``timestamp`` (float64, empty
    fields NaN) of the lines of ``data[start:]``, or None to read the file the general way.

    `columns` maps those keys to field positions (None: not read); `sep` is one ASCII
    character other than a quote; lines have `n_fields` fields.
    """
    d = sep.encode("ascii")
    target = np.full(n_fields, -1, dtype=np.int64)
    for slot, key in enumerate(("user", "item", "value", "timestamp")):
        j = columns.get(key)
        if j is not None:
            if target[j] != -1:
                return None  # one field read twice: the general way
            target[j] = slot
    comment = np.zeros(256, dtype=np.bool_)
    for ch in comments:
        b = ch.encode("utf-8")
        if len(b) != 1:
            return None
        comment[b[0]] = True
    buf = np.frombuffer(data, dtype=np.uint8)
    cap = data.count(b"\n", start) + 1
    arrays = {
        key: np.empty(cap if columns.get(key) is not None else 0, dtype=dt)
        for key, dt in (
            ("user", np.int64),
            ("item", np.int64),
            ("value", np.float64),
            ("timestamp", np.float64),
        )
    }
    users, items, vals, times = arrays.values()
    n_rows, status = _parse(
        buf, start, d[0], n_fields, target, comment, sep == ",", users, items, vals, times, _POW10
    )
    if status != _OK:
        return None
    out: dict[str, np.ndarray | None] = {}
    for key, arr in arrays.items():
        if columns.get(key) is None:
            out[key] = None
        else:
            arr.resize(n_rows, refcheck=False)  # in place: no second copy
            out[key] = arr
    return out
