"""Highlighting: the parts of a field value that matched a query, marked for display.

Matching is done on the normalised text (so a query in simplified characters marks a
traditional title, and ``ＡＢＣ`` marks ``abc``), character by character, and the marks are
put back on the original text. A span is marked when it is one of the query's words or
character n-grams, when two adjacent characters sound like two adjacent syllables of the
query (typed pinyin, or a homophone typo), or — for the whole value or one of its parts —
when the query's pinyin or initials spell it. Long values are cut to a window around the
first match.
"""

from __future__ import annotations

import html
from functools import lru_cache

from . import _pinyin
from .analyze import name_parts, normalize
from .query import QueryTerms

__all__ = ["Highlighter"]


@lru_cache(maxsize=32768)
def _norm_char(ch: str) -> str:
    s = normalize(ch).replace(" ", "")
    return s if s else " "


class Highlighter:
    """Mark the matched parts of field values.

    Parameters
    ----------
    pre, post : str, default="<em>", "</em>"
        Inserted around each matched span. When `pre` is an HTML tag (it starts with
        ``"<"``), the snippet is HTML: the record's own text in it is escaped
        (:func:`html.escape`: ``<``, ``>``, ``&`` and quotes), so a title such as
        ``<script>...`` shows as text, never as markup. Other marks (``"["``, ``"]"``) give
        plain text, unescaped.
    max_chars : int, default=80
        Values longer than this are cut to a window of about this many characters around
        the first match, with ``"…"`` where text was cut.

    Examples
    --------
    >>> from filmreco.search.query import QueryTerms
    >>> q = QueryTerms(); q.add("word", "星际", 1.0)
    >>> Highlighter(pre="[", post="]").highlight("《星際穿越》", q)
    '《[星際]穿越》'
    """

    def __init__(self, *, pre: str = "<em>", post: str = "</em>", max_chars: int = 80) -> None:
        self.pre = pre
        self.post = post
        self.max_chars = max_chars
        self.html = pre.lstrip().startswith("<")

    def spans(self, value: str, q: QueryTerms, *, name: bool = True) -> list[tuple[int, int]]:
        """Merged ``(start, end)`` spans of `value` (original positions) that match `q`.

        Matches by sound (pinyin, initials, homophones) count only when `name` is True.
        """
        pieces = [_norm_char(c) for c in value]
        text = "".join(pieces)
        origin = [i for i, p in enumerate(pieces) for _ in p]
        found: list[tuple[int, int]] = []
        needles = set(q.terms["word"]) | {g.strip("^$") for g in q.terms["ngram"]}
        for needle in needles:
            if not needle.strip():
                continue
            start = text.find(needle)
            while start >= 0:
                found.append((start, start + len(needle)))
                start = text.find(needle, start + 1)
        if name:
            self._sound_spans(text, q, found)
        if not found:
            return []
        found.sort()
        merged = [list(found[0])]
        for a, b in found[1:]:
            if a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return [(origin[a], origin[b - 1] + 1) for a, b in merged]

    @staticmethod
    def _sound_spans(text: str, q: QueryTerms, found: list[tuple[int, int]]) -> None:
        pairs = {tuple(g.split(" ")) for g in q.terms["syllable"] if "^" not in g and "$" not in g}
        sounds = set(q.terms["pinyin"]) | set(q.terms["initials"])
        if not pairs and not sounds:
            return
        if sounds:
            offset = 0
            for part in text.split(" "):
                whole, _ = name_parts(part)
                units = _pinyin.to_units(whole) if whole else ()
                if units and (
                    _pinyin.full_pinyin(units) in sounds or _pinyin.initials(units) in sounds
                ):
                    found.append((offset, offset + len(part)))
                offset += len(part) + 1
            whole, _ = name_parts(text)
            units = _pinyin.to_units(whole) if whole else ()
            if units and (
                _pinyin.full_pinyin(units) in sounds or _pinyin.initials(units) in sounds
            ):
                found.append((0, len(text)))
        if pairs:
            syl: list[str | None] = [None] * len(text)
            i = 0
            while i < len(text):
                j = i
                while j < len(text) and _pinyin.is_han(text[j]):
                    j += 1
                if j > i:
                    syl[i:j] = _pinyin.han_syllables(text[i:j])
                    i = j
                else:
                    i += 1
            for k in range(len(text) - 1):
                if syl[k] is not None and (syl[k], syl[k + 1]) in pairs:
                    found.append((k, k + 2))

    def highlight(self, value: str, q: QueryTerms, *, name: bool = True) -> str | None:
        """`value` with matched spans marked, or None when nothing matched."""
        spans = self.spans(value, q, name=name)
        if not spans:
            return None
        lo, hi = 0, len(value)
        if len(value) > self.max_chars:
            lo = max(0, spans[0][0] - self.max_chars // 4)
            hi = min(len(value), lo + self.max_chars)
            lo = max(0, hi - self.max_chars)
        text = html.escape if self.html else str  # the record's text in an HTML snippet
        out = ["…"] if lo > 0 else []
        pos = lo
        for a, b in spans:
            if b <= lo or a >= hi:
                continue
            a, b = max(a, lo), min(b, hi)
            out.append(text(value[pos:a]))
            out.append(self.pre + text(value[a:b]) + self.post)
            pos = b
        out.append(text(value[pos:hi]))
        if hi < len(value):
            out.append("…")
        return "".join(out)
