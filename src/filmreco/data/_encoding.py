"""Text encodings of real files: name the likely one, and spot garbled headers (private).

Two things go wrong with the encodings of Chinese film data:

- a file saved by Excel or an older Windows tool is GB18030/GBK (Simplified Chinese) or
  Big5 (Traditional Chinese), not UTF-8, so decoding it as UTF-8 fails; and
- text decoded with the wrong codec does not fail but comes out *garbled* (mojibake):
  UTF-8 read as latin-1 gives ``'ç”µå½±'`` for ``'电影'``, UTF-8 read as GBK gives
  ``'鐢靛奖'``. A header garbled that way makes every column "missing".

:func:`encoding_advice` tries the candidate codecs on the bytes and ranks those that
decode by how much of the text is made of the most common Chinese characters (a wrong
codec turns them into rare ones); :func:`garbled` recognises mojibake by undoing it.
"""

from __future__ import annotations

import codecs

__all__ = ["decode_error_message", "encoding_advice", "garbled", "wide_encoding"]

#: Codecs suggested for bytes that are not UTF-8, in the order tried.
CANDIDATES = ("utf-8", "gb18030", "big5", "shift_jis", "latin-1")
_LABEL = {
    "utf-8": "UTF-8",
    "gb18030": "GB18030/GBK, Simplified Chinese",
    "big5": "Big5, Traditional Chinese",
    "shift_jis": "Shift-JIS, Japanese",
    "latin-1": "latin-1, e.g. the older MovieLens files",
}
# Common characters of Chinese text, shared by simplified and traditional script
# (grammatical words, numbers, film vocabulary): a right decoding is full of them, a wrong
# one almost never produces them.
_COMMON = frozenset(
    "的一是不了人在有我他中大上个来到说们为子和你地出道也时年得就那要下以生会自着去之"
    "过家学对可里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又"
    "如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意正部女第二四五六七八九"
    "片影电剧情爱喜悲动作故事导演主演年代香港台湾美国日本法国中国大陆英语普通话粤语"
)


def _score(text: str) -> float:
    """Share of the non-ASCII characters of `text` that are common Chinese ones."""
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return 0.0
    return sum(c in _COMMON for c in wide) / len(wide)


def encoding_advice(data: bytes, *, tried: str = "utf-8", limit: int = 1 << 20) -> list[str]:
    """Codecs that decode `data` (its first `limit` bytes), most plausible first.

    The codec `tried` is left out. UTF-8 comes first when it decodes (random bytes almost
    never do); ``latin-1`` decodes anything, so it comes last.
    """
    sample = data[:limit]
    cut = len(sample)
    ok: list[tuple[float, int, str]] = []
    for rank, name in enumerate(CANDIDATES):
        if codecs.lookup(name).name == codecs.lookup(tried).name:
            continue
        dec = codecs.getincrementaldecoder(name)("strict")
        try:  # final=False: a multi-byte character cut by `limit` is not an error
            text = dec.decode(sample, final=len(data) == cut)
        except UnicodeDecodeError:
            continue
        # strict UTF-8 that decodes is near-certain; latin-1 decodes anything
        score = {"utf-8": -2.0, "latin-1": 1.0}.get(name, -_score(text))
        ok.append((score, rank, name))
    return [name for _, _, name in sorted(ok)]


_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def wide_encoding(data: bytes, limit: int = 4096) -> tuple[str, str] | None:
    """``(codec, evidence)`` when `data` is UTF-16 or UTF-32 text (Excel's "Unicode text",
    PowerShell's default), else None: a byte-order mark, or NUL bytes where the high bytes
    of ASCII characters (digits, separators) sit. Such files are valid UTF-8 byte by byte,
    so no decoding error points at them; their lines only look broken.

    Examples
    --------
    >>> wide_encoding("u,i\\n1,2\\n".encode("utf-16"))
    ('utf-16', 'it starts with the byte-order mark FF FE')
    >>> wide_encoding("u,i\\n1,2\\n".encode("utf-16-le")), wide_encoding(b"u,i\\n1,2\\n")
    (('utf-16-le', 'every other byte is NUL'), None)
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, f"it starts with the byte-order mark {bom.hex(' ').upper()}"
    head = data[: limit - limit % 4]
    if len(head) < 8:
        return None

    def nul(at: int, step: int) -> float:  # share of NUL bytes at positions at, at + step...
        part = head[at::step]
        return part.count(0) / len(part)

    # UTF-32: the two high bytes of every character (below U+10000) are NUL
    if min(nul(2, 4), nul(3, 4)) > 0.95:
        return "utf-32-le", "3 of 4 bytes are NUL"
    if min(nul(0, 4), nul(1, 4)) > 0.95:
        return "utf-32-be", "3 of 4 bytes are NUL"
    # UTF-16: the high byte of every ASCII character (digits, separators) is NUL, the low
    # byte almost never
    if nul(1, 2) > 0.5 and nul(0, 2) < 0.1:
        return "utf-16-le", "every other byte is NUL"
    if nul(0, 2) > 0.5 and nul(1, 2) < 0.1:
        return "utf-16-be", "every other byte is NUL"
    return None


def decode_error_message(
    data: bytes, where: str, encoding: str, position: int | None = None
) -> str:
    """The message for bytes that are not valid `encoding`: where, and what to pass."""
    found = encoding_advice(data, tried=encoding)
    at = "" if position is None else f" (byte {position})"
    chinese = [c for c in ("gb18030", "big5") if c in found] or ["gb18030", "big5"]
    first = (found or chinese)[0]
    listed = ", ".join(f"{c!r} ({_LABEL[c]})" for c in found) if found else "none fit"
    return (
        f"{where} is not valid {encoding}{at}. Codecs that decode it, most likely first: "
        f"{listed}. Chinese files saved by Excel or older Windows tools are usually "
        f"'gb18030' (a superset of 'gbk') or 'big5'; pass encoding={first!r}."
    )


def _undo_latin(text: str) -> str | None:
    """`text` re-encoded as cp1252 (latin-1 for the 5 bytes cp1252 leaves undefined, as
    lenient decoders map them) and decoded as UTF-8; None when that is not possible."""
    if all(ord(c) < 128 for c in text):
        return None
    out = bytearray()
    for c in text:
        try:
            out += c.encode("cp1252")
        except UnicodeEncodeError:
            if ord(c) > 255:
                return None
            out.append(ord(c))
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def garbled(text: str, encoding: str) -> tuple[str, str] | None:
    """If `text` (decoded with `encoding`) looks like mojibake, return (cause, repaired).

    Two cases are recognised: the bytes were UTF-8 but were decoded with another codec
    (`encoding` is not UTF-8 and re-encoding gives valid UTF-8 with non-ASCII text), and
    the text itself carries UTF-8 that was once decoded as latin-1/cp1252 and saved again
    (``'ç”µå½±'``), whatever `encoding` is.
    """
    if "\ufffd" in text:
        return ("it holds replacement characters (U+FFFD): bytes that did not decode", text)
    name = codecs.lookup(encoding).name
    if name not in ("utf-8", "utf-8-sig"):
        try:
            fixed = text.encode(encoding).decode("utf-8")
        except (UnicodeError, LookupError):
            fixed = None
        if fixed is not None and fixed != text and any(ord(c) > 127 for c in fixed):
            return (f"the file is UTF-8 but was read as {encoding!r}", fixed)
    fixed = _undo_latin(text)
    if fixed is not None and fixed != text and any(ord(c) > 127 for c in fixed):
        return ("it holds UTF-8 text that was once decoded as cp1252/latin-1 and saved", fixed)
    return None
