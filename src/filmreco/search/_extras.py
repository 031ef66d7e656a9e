"""What a search reads besides the score matrix: the prior and the request parser.

Both are derived from the records of one :class:`~filmreco.search._engine.Snapshot` and
built on first use; an index keeps the one of its current snapshot (see
``SearchIndex._extras``), so a write (which makes a new snapshot) rebuilds them lazily too.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import numpy as np

from . import _pinyin
from ._config import Config
from ._intent import (
    INTENT_FIELDS,
    Normalizer,
    Request,
    RequestParser,
    prior_values,
    scaled_prior,
)
from ._records import field_texts
from .analyze import PREFIX, normalize

__all__ = ["Extras"]

_HAN_WORD = re.compile("[\u4e00-\u9fff]+")


class Extras:
    """The prior (raw and scaled) and the request parser of one snapshot's records."""

    def __init__(
        self, records: Any, config: Config, *, store: Any = None, state: Any = None
    ) -> None:
        self.records = records
        self.config = config
        self.store = store  # the index's term counts, when they are the snapshot's
        self.state = state
        self.raw: np.ndarray | None = None
        self.prior: np.ndarray | None = None  # scaled to [0, 1], missing = neutral
        if config.prior_field is not None:
            self.raw = prior_values(records, config.prior_field, config.id_field)
            self.prior = scaled_prior(self.raw)
        self._parser: RequestParser | None = None
        self._lock = threading.Lock()
        # document -> the Latin words of its name fields, and of all its searched fields
        # (see keep_latin), read once per document: a Latin query checks up to a hundred
        # candidates, and a batch the same documents again and again
        self._latin_names: dict[int, set[str]] = {}
        self._latin_all: dict[int, set[str]] = {}

    def parser(self) -> RequestParser:
        if self._parser is None:
            with self._lock:
                if self._parser is None:
                    cfg = self.config
                    self._parser = RequestParser(
                        self.records,
                        self.raw,
                        self._titles,
                        to_simplified=cfg.to_simplified,
                        people=self._people(),
                    )
        return self._parser

    def _titles(self) -> set[str]:
        """The normalised names of the name fields, without spaces (a query that is one is
        never a request)."""
        cfg = self.config
        norm = Normalizer(cfg.to_simplified)
        titles = set()
        for rec in self.records:
            for f in cfg.name_fields:
                for raw in field_texts(rec.get(f)):
                    titles.add("".join(norm(raw).split()))
        return titles

    def _people(self) -> dict[str, list[int]] | None:
        """Person name (whole and parts) -> documents, from the term counts of the people
        fields (already normalised: no pass over the records); None when the store is not
        the snapshot's any more (a write in between) or holds no people field."""
        store, state = self.store, self.state
        if store is None or state is None:
            return None
        vocab = store.vocab.get("word")
        if vocab is not state.vocab.get("word") or store.n_docs != state.n_docs:
            return None
        fields = [f for f in INTENT_FIELDS["person"] if ("word", f) in store.tf]
        if not fields:
            return None
        terms = store.terms["word"]
        out: dict[str, list[int]] = {}
        for f in fields:
            X = store.tf[("word", f)].tocsc()
            X.sort_indices()
            for k in np.flatnonzero(np.diff(X.indptr)).tolist():
                t = terms[k]
                if len(t) < 2 or not _HAN_WORD.fullmatch(t):
                    continue
                docs = X.indices[X.indptr[k] : X.indptr[k + 1]].tolist()
                got = out.get(t)
                out[t] = docs if got is None else sorted(set(got) | set(docs))
        return out

    def parse(self, text: str) -> Request | None:
        """The request that normalised `text` makes, or None."""
        return self.parser().parse(text)

    def request(
        self, state: Any, text: str, q: Any, n: int, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The top `n` answers of `text` if it is a request (within `mask`), else None.

        Answers: the documents matching every intent, best prior first (then best text
        score, then index order); the scores returned are the priors, clipped to the float32
        range of scores (the text scores without a prior). None as well when no document matches them all, so that the
        query is searched as text instead.
        """
        req = self.parse(text)
        if req is None:
            return None
        keep = self.parser().mask(req)
        if mask is not None:
            keep = mask if keep is None else keep & mask
        cand = np.arange(state.n_docs) if keep is None else np.flatnonzero(keep)
        if cand.size == 0:
            return None
        text_score = state.all_scores(q)[cand] if q else np.zeros(cand.size)
        if self.raw is not None:
            raw = self.raw[cand]
            mean = float(np.nanmean(self.raw)) if not np.isnan(self.raw).all() else 0.0
            key = np.where(np.isnan(raw), mean, raw)
            order = np.lexsort((cand, -text_score, -key))[:n]
            # ordered by the float64 prior; reported as float32, whose range it may exceed
            top = np.clip(key[order], -_F32_MAX, _F32_MAX)
            return cand[order].astype(np.int64), top.astype(np.float32)
        order = np.lexsort((cand, -text_score))[:n]
        return cand[order].astype(np.int64), text_score[order].astype(np.float32)

    # ------------------------------------------------------------------ Latin queries
    def latin_only(self, state: Any, text: str, q: Any) -> bool:
        """Whether `text` needs the Latin precision rule (see :meth:`keep_latin`): written in
        Latin letters (and digits) only, with a word that is not typed pinyin."""
        if not text.isascii() or not q.latin:
            return False
        return not all(_pinyin.segment(w) is not None for w in q.words if w.isalpha())

    def keep_latin(
        self, state: Any, q: Any, idx: np.ndarray, sc: np.ndarray, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The hits of a Latin query that match it for real, best first (at most `n`):

        - through a name: its initials (3+ letters, or the start of a long name), its full
          pinyin of 5+ letters, typed or corrected, or a Latin word of a name field
          (title, aliases, people) typed or corrected;
        - or every word of the query somewhere in the record.

        Hits that only share a word or a syllable with plot text or a short name ("Harry
        Potter" against a Chinese catalogue whose plots name a Barry, "sun" read as 孙) are
        dropped.
        """
        cfg = self.config
        name_docs = self._name_docs(state, q)
        words = {w for w in q.words if w.isalpha()}
        wanted = set(q.terms["word"])
        keep = []
        in_names, in_all = self._latin_names, self._latin_all
        for j, i in enumerate(idx.tolist()):
            if i not in name_docs:
                names = in_names.get(i)
                if names is None:
                    names = _latin(self.records[i], cfg.name_fields, cfg.to_simplified)
                    in_names[i] = names
                if not names & wanted:
                    every = in_all.get(i)
                    if every is None:
                        every = _latin(self.records[i], cfg.boosts, cfg.to_simplified)
                        in_all[i] = every
                    if not words <= every:
                        continue
            keep.append(j)
            if len(keep) == n:
                break
        k = np.asarray(keep, dtype=np.int64)
        return idx[k], sc[k]

    @staticmethod
    def _name_docs(state: Any, q: Any) -> set[int]:
        """Documents matching `q` through a name's initials or pinyin (see keep_latin)."""
        rows: list[int] = []
        for c in ("initials", "pinyin"):
            off = state.offsets.get(c)
            if off is None:
                continue
            vocab = state.vocab[c]
            for t in q.terms[c]:
                strong = len(t.rstrip(PREFIX)) >= (3 if c == "initials" else 5)
                k = vocab.get(t)
                if k is not None and strong:
                    rows.append(off + k)
        if not rows:
            return set()
        pos, _ = state._gather(np.asarray(rows, dtype=np.int64))
        return set(state.matrix.indices[pos].tolist())

    def reorder(
        self, idx: np.ndarray, sc: np.ndarray, weight: float, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Text hits re-scored ``score * (1 + weight * prior)``, best `n` first."""
        if idx.size == 0 or self.prior is None:
            return idx[:n], sc[:n]
        final = sc.astype(np.float64) * (1.0 + weight * self.prior[idx])
        order = np.lexsort((idx, -final))[:n]
        return idx[order], final[order].astype(np.float32)


_ASCII_LETTER = re.compile("[A-Za-z]")
_F32_MAX = float(np.finfo(np.float32).max)


def _latin(rec: Any, fields: Any, to_simplified: bool) -> set[str]:
    """The normalised Latin words of `fields` of a record, and each value's words joined
    (the index's whole-name word: ``"xmen"`` for X-Men)."""
    out: set[str] = set()
    for f in fields:
        for raw in field_texts(rec.get(f)):
            if raw.isascii() or _ASCII_LETTER.search(raw):
                words = normalize(raw, to_simplified=to_simplified).split()
                out.update(words)
                if len(words) > 1:
                    out.add("".join(words))
    return out
