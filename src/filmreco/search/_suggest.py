"""Autocomplete: names (titles, aliases, people) completing a typed prefix.

Every name value of the catalogue is reachable by three keys: its normalised text (``星际穿越``,
also from each of its parts, so 诺兰 completes 克里斯托弗·诺兰), its full pinyin
(``xingjichuanyue``) and its initials (``xjcy``). Keys are kept in sorted lists, so a prefix
is a range found by binary search. Completions are ordered by how the prefix matched (text,
then pinyin, then initials), then by the name's weight (the field boost, times the number of
films carrying that name), then shorter names first.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from . import _pinyin
from ._records import field_texts
from .analyze import name_parts, normalize

__all__ = ["Suggester"]

_KINDS = ("text", "pinyin", "initials")
_END = "\U0010ffff"


class Suggester:
    """Prefix completion over the name fields of a list of records.

    Parameters
    ----------
    records : sequence of dict
    fields : mapping of str to float
        Name fields and their weights (boosts).
    pinyin : bool, default=True
        Also complete from pinyin and initials.

    Examples
    --------
    >>> s = Suggester([{"title": "星际穿越"}, {"title": "星球大战"}], {"title": 1.0})
    >>> s.suggest("星"), s.suggest("xjc"), s.suggest("xingq")
    (['星球大战', '星际穿越'], ['星际穿越'], ['星球大战'])
    """

    def __init__(
        self,
        records: Sequence[Mapping[str, Any]],
        fields: Mapping[str, float],
        *,
        pinyin: bool = True,
    ) -> None:
        self._pinyin = bool(pinyin)
        weight: dict[str, float] = {}
        entry_keys: dict[str, dict[str, set[str]]] = {}
        for rec in records:
            for field, boost in fields.items():
                for raw in field_texts(rec.get(field)):
                    display = " ".join(raw.split())
                    if not display:
                        continue
                    norm = normalize(display)
                    whole, parts = name_parts(norm)
                    if not whole:
                        continue
                    weight[display] = weight.get(display, 0.0) + float(boost)
                    if display in entry_keys:
                        continue
                    ek = entry_keys[display] = {k: set() for k in _KINDS}
                    pieces = [whole, *parts[1:]] if len(parts) > 1 else [whole]
                    for piece in pieces:
                        ek["text"].add(piece)
                        if pinyin:
                            units = _pinyin.to_units(piece)
                            if units:
                                ek["pinyin"].add(_pinyin.full_pinyin(units))
                                ek["initials"].add(_pinyin.initials(units))
        # rank every name once: heavier first, then shorter, then by text
        names = sorted(weight, key=lambda d: (-weight[d], len(d), d))
        self._names = names
        rank = {d: i for i, d in enumerate(names)}
        self._keys: dict[str, list[str]] = {}
        self._ranks: dict[str, np.ndarray] = {}
        for kind in _KINDS:
            pairs = sorted((key, rank[d]) for d, ek in entry_keys.items() for key in ek[kind])
            self._keys[kind] = [p[0] for p in pairs]
            self._ranks[kind] = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))

    def __len__(self) -> int:
        return len(self._names)

    def _range(self, kind: str, prefix: str) -> np.ndarray:
        keys = self._keys[kind]
        lo = bisect.bisect_left(keys, prefix)
        hi = bisect.bisect_left(keys, prefix + _END, lo)
        return self._ranks[kind][lo:hi]

    def suggest(self, prefix: str, n: int = 10) -> list[str]:
        """Up to `n` names completing `prefix`, best first (see the module docstring)."""
        text = normalize(prefix)
        p = "".join(text.split())
        if not p or n <= 0:
            return []
        prefixes = [p]
        if self._pinyin:  # pinyin typed with tones ("xīngjì", "xing1 ji4"), after as typed
            plain = "".join(_pinyin.plain_pinyin(text)[0].split())
            if plain != p:
                prefixes.append(plain)
        out: dict[int, None] = {}
        for q in prefixes:
            kinds: Iterable[str] = _KINDS if q.isascii() else ("text",)
            for kind in kinds:
                if len(out) >= n:
                    break
                ranks = np.unique(self._range(kind, q))  # sorted: best ranks first
                for r in ranks[: n + len(out)].tolist():
                    out.setdefault(r, None)
                    if len(out) >= n:
                        break
        return [self._names[r] for r in out]
