"""The query side of a fitted index: an immutable snapshot of everything a search reads.

A :class:`Snapshot` is built from the stored term counts after every change (fit, add,
update, delete) and replaced as a whole, so a search that started on the old one finishes
on it: searches never lock. Parts that are costly and not always needed (the query
tokenizer with the catalogue's names, the typo index, autocomplete, filter columns) are
built on first use, once, under the snapshot's lock.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..exceptions import InputError, InputTypeError
from ..sparse import IdMap
from ..text import Tokenizer
from . import _pinyin
from ._bm25 import ChannelScores, query_weights, score_matrix
from ._config import Config
from ._deletion import HashedDeletionIndex
from ._fields import FieldStore
from ._filters import FilterColumns
from ._fuzzy import MAX_FUZZY_LENGTH
from ._highlight import Highlighter
from ._intent import unit_scale
from ._records import cap_texts, field_texts, name_latin_words
from ._suggest import Suggester
from .analyze import CHANNELS, DictionaryScan, cjk_runs, name_parts, ngrams, normalize
from .query import QueryAnalyzer, QueryTerms

__all__ = ["Config", "Snapshot"]

logger = logging.getLogger("filmreco")

_MAX_EXPANSIONS = 5
# Words of one query that get typo correction (the first ones that match nothing): bounds
# the work of a long query of unknown words, each lookup being bounded by MAX_FUZZY_LENGTH.
_MAX_FUZZY_WORDS = 16


def compound_split(word: str, names: frozenset[str] | set[str]) -> tuple[str, str] | None:
    """`word` as two Latin words of names typed without the space or hyphen between them
    (``"spiderman"`` for Spider-Man, ``"xmen"`` for X-Men), or None.

    Among the splits whose halves are both in `names`, the most even one wins (a one-letter
    half only when no other split exists). Typo tolerance looks for such a split before it
    looks for near terms.

    Examples
    --------
    >>> compound_split("spiderman", {"spider", "man", "spi"}), compound_split("xmen", {"x", "men"})
    (('spider', 'man'), ('x', 'men'))
    >>> compound_split("batman", {"bat", "woman"}) is None
    True
    """
    best: tuple[str, str] | None = None
    best_len = 0
    for i in range(1, len(word)):
        a, b = word[:i], word[i:]
        shorter = min(len(a), len(b))
        if shorter > best_len and a in names and b in names:
            best, best_len = (a, b), shorter
    return best


_NO_LABELS = np.zeros(0, dtype=np.int64)
_NO_MASK = np.zeros(0, dtype=bool)

# The compiled kernels (search/_kernels.py), compiled or loaded from numba's on-disk cache
# by the first fit or load of the process, which waits for them: every search then runs on
# them, from the first one. Set once; None if numba cannot build them (every search then
# takes the numpy path, which gives the same results). Which path runs never depends on
# timing.
_kernel_lock = threading.Lock()
_kernel_module: list[Any] = []


def compiled_kernels() -> Any:
    """The compiled kernels (:mod:`filmreco.search._kernels`), or None if they cannot be built.

    The first call imports them: numba compiles them, or loads them from its on-disk cache
    (``cache=True``; a few hundred milliseconds, against seconds to compile in a fresh
    environment), and the call waits until they are ready. Later calls return at once.
    """
    if not _kernel_module:
        with _kernel_lock:
            if not _kernel_module:
                try:
                    from . import _kernels
                except Exception as exc:  # pragma: no cover - numba missing or broken
                    logger.warning(
                        "filmreco.search: the compiled kernel cannot be built (%s: %s); "
                        "searching with numpy (same results, slower)",
                        type(exc).__name__,
                        exc,
                    )
                    _kernel_module.append(None)
                else:
                    _kernel_module.append(_kernels)
    return _kernel_module[0]


_UNKNOWN_WORD_WEIGHT = 1.0

# words jieba's dictionary can hold (the Tokenizer matches others with a regex, which is slow
# to rebuild for thousands of words)
_HAN_WORD = re.compile("[\u4e00-\u9fd5]+")


class Snapshot:
    """Score matrices, vocabularies and lazily built helpers of one state of the index."""

    def __init__(
        self, store: FieldStore, records: Sequence[dict[str, Any]], doc_ids: IdMap, config: Config
    ) -> None:
        self.config = config
        self.records = records
        self.doc_ids = doc_ids
        self.n_docs = store.n_docs
        self.vocab = dict(store.vocab)  # the store replaces, never edits, these dicts
        # one terms x docs matrix for all channels, channel c's terms from offsets[c] on, so a
        # query is one gather and one sum whatever the channels it touches
        blocks: list[sp.csr_array] = []
        self.offsets: dict[str, int] = {}
        self.idf: dict[str, np.ndarray | None] = {}
        start = 0
        for c in CHANNELS:
            mats = store.matrices(c)
            if mats and config.weights.get(c, 0.0) > 0:
                boosts = {f: config.boosts[f] for f in mats}
                b = {f: config.b[f] for f in mats}
                k1 = (
                    config.k1
                    if not isinstance(config.k1, dict)
                    else {f: config.k1[f] for f in mats}
                )
                cs = score_matrix(mats, ranking=config.ranking, boosts=boosts, k1=k1, b=b)
                blocks.append(cs.matrix)
                self.offsets[c] = start
                self.idf[c] = cs.idf
                start += cs.matrix.shape[0]
        if blocks:
            self.matrix = sp.csr_array(sp.vstack(blocks, format="csr"))
        else:
            self.matrix = sp.csr_array((0, self.n_docs), dtype=np.float32)
        # the kernels' argument types (document indices always fit int32)
        self._indptr = np.ascontiguousarray(self.matrix.indptr, dtype=np.int64)
        self._indices = np.ascontiguousarray(self.matrix.indices, dtype=np.int32)
        self._data = np.ascontiguousarray(self.matrix.data, dtype=np.float32)
        self._kernels = compiled_kernels()
        # per channel: name, first row, vocabulary, weight, idf (tf-idf only)
        self._channels = [
            (c, off, self.vocab[c], config.weights[c], self.idf[c])
            for c, off in self.offsets.items()
        ]
        self._row_len = np.diff(self._indptr)
        self._lock = threading.Lock()
        self._scratch = threading.local()  # each thread's buffers for the kernel (see top)
        self._analyzer: QueryAnalyzer | None = None
        self._deletion: HashedDeletionIndex | None = None
        self._name_words: frozenset[str] | None = None
        self._suggester: Suggester | None = None
        self._filters: FilterColumns | None = None

    # ------------------------------------------------------------------ lazy parts
    def warm(self) -> Snapshot:
        """Build what every query reads, so that the first search is as fast as the next.

        Called by :meth:`SearchIndex.fit <filmreco.search.SearchIndex.fit>` and
        :meth:`~filmreco.search.SearchIndex.load`: the query analyzer (its word scan over
        the index's vocabulary) and pypinyin's tables (read for the sound of Chinese
        queries) and the typo index (a few numpy passes:
        :mod:`filmreco.search._deletion`). The compiled kernels are ready since
        :meth:`__init__`.
        """
        self.analyzer()
        if self.config.pinyin:
            _pinyin.char_syllables("影")  # imports pypinyin, as a Chinese query would
        if self.config.fuzzy:
            self.deletion_index()
        return self

    def _names(self) -> list[str]:
        """Normalised names (whole and parts) of the name fields: the query's user words."""
        words: set[str] = set()
        for rec in self.records:
            for f in self.config.name_fields:
                for raw in field_texts(rec.get(f)):
                    norm = normalize(raw, to_simplified=self.config.to_simplified)
                    whole, parts = name_parts(norm)
                    # Chinese-only words go to jieba's dictionary; a name with Latin letters
                    # or digits is matched through its Chinese runs ("速度与激情" + "9")
                    for w in (whole, *parts, *cjk_runs(norm)):
                        if len(w) > 1 and _HAN_WORD.fullmatch(w):
                            words.add(w)
        return sorted(words)

    def _stop_names(self) -> set[str]:
        """Stop words that are also a name (a film called 他们): never dropped from queries."""
        stop = self.config.stop_words
        longest = max((len(w) for w in stop), default=0)
        found: set[str] = set()
        for rec in self.records:
            for f in self.config.name_fields:
                for raw in field_texts(rec.get(f)):
                    if len(raw) <= 2 * longest:  # longer values cannot normalise to one
                        whole, parts = name_parts(
                            normalize(raw, to_simplified=self.config.to_simplified)
                        )
                        found.update(w for w in (whole, *parts) if w in stop)
        return found

    def analyzer(self) -> QueryAnalyzer:
        if self._analyzer is None:
            with self._lock:
                if self._analyzer is None:
                    keys = self.config.synonyms.keys
                    segment: Any
                    if self.config.words == "scan":
                        # a query word can only match a word some document holds
                        segment = DictionaryScan(keys, singles=True, vocabulary=self.vocab["word"])
                    else:
                        extra = [normalize(w) for w in self.config.user_words]
                        words = {*self._names(), *keys, *(w for w in extra if w)}
                        segment = Tokenizer(
                            sorted(w for w in words if _HAN_WORD.fullmatch(w)), mode="search"
                        )
                    self._analyzer = QueryAnalyzer(
                        segment,
                        stop_words=self.config.stop_words - self._stop_names() - set(keys),
                        n=self.config.ngram,
                        pinyin=self.config.pinyin,
                        synonyms=self.config.synonyms,
                        homophone_weight=self.config.homophone_weight,
                        known=self.vocab["word"],
                    )
        return self._analyzer

    def deletion_index(self) -> HashedDeletionIndex:
        """The typo index of the pinyin and Latin terms, built on first use (milliseconds:
        :mod:`filmreco.search._deletion`; the same answers as a
        :class:`~filmreco.search._fuzzy.DeletionIndex`)."""
        if self._deletion is None:
            with self._lock:
                if self._deletion is None:
                    # typos are corrected to names (their pinyin, the Latin words of name
                    # fields), never to words of plot text: "harry" is no typo of "barry"
                    terms = [t for t in self.vocab["pinyin"] if t.isalpha()]
                    terms += self.name_words()
                    self._deletion = HashedDeletionIndex(sorted(set(terms)))
        return self._deletion

    def name_words(self) -> frozenset[str]:
        """The Latin words of the name fields (titles, aliases, people), read on first use."""
        if self._name_words is None:
            words = name_latin_words(
                self.records, self.config.name_fields, self.config.to_simplified
            )
            self._name_words = frozenset(words)
        return self._name_words

    def suggester(self) -> Suggester:
        if self._suggester is None:
            with self._lock:
                if self._suggester is None:
                    fields = {f: self.config.boosts[f] for f in self.config.name_fields}
                    self._suggester = Suggester(self.records, fields, pinyin=self.config.pinyin)
        return self._suggester

    def filter_columns(self) -> FilterColumns:
        if self._filters is None:
            with self._lock:
                if self._filters is None:
                    self._filters = FilterColumns(self.records, self.config.id_field)
        return self._filters

    # ------------------------------------------------------------------ queries
    def analyze(self, text: str) -> QueryTerms:
        """Query terms of normalised `text`, with near terms for words that match nothing."""
        q = self.analyzer()(text)
        if self.config.fuzzy and q.latin:
            self._expand(q)
        if self.config.words == "jieba":  # a scan only finds words some document holds
            self._unknown_words(q)
        return q

    def _unknown_words(self, q: QueryTerms) -> None:
        """A Chinese query word no document holds (a name jieba joined in the query but cut
        in the text, a typo) is matched by its n-grams, weighted up to count as a word."""
        vocab = self.vocab["word"]
        grams = q.terms["ngram"]
        for w in q.words:
            if len(w) > self.config.ngram and w not in vocab and not w.isascii():
                for g in ngrams(w, self.config.ngram):
                    grams[g] = grams.get(g, 0.0) + _UNKNOWN_WORD_WEIGHT

    def _expand(self, q: QueryTerms) -> None:
        vocab = self.vocab
        budget = _MAX_FUZZY_WORDS
        for word in dict.fromkeys(q.latin):
            if word in vocab["word"] or len(word) > MAX_FUZZY_LENGTH:
                continue
            if _pinyin.segment(word) is not None:
                continue  # typed pinyin: the syllables match it
            if budget == 0:
                break
            parts = compound_split(word, self.name_words())
            if parts is not None:  # "spiderman", "xmen": two words of names run together
                budget -= 1
                for part in parts:
                    q.add("word", part, 1.0)
                continue
            if word in vocab["pinyin"] or word in vocab["initials"]:
                continue
            budget -= 1
            for term, dist in self.deletion_index().lookup(word)[:_MAX_EXPANSIONS]:
                w = self.config.fuzzy_weight**dist
                for c in ("word", "pinyin"):
                    if term in vocab[c]:
                        q.add(c, term, w)

    def query_rows(self, q: QueryTerms) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Rows of the score matrix that `q` touches, in the order of its terms, their
        weights, and (for a query of several units) the unit of each row (-1: a typo
        expansion, of no unit)."""
        ids: list[int] = []
        ws: list[float] = []
        labels: list[int] | None = [] if q.n_units > 1 else None
        self._collect(q, ids, ws, labels)
        rows = np.array(ids, dtype=np.int64)
        vals = np.array(ws, dtype=np.float64)
        return rows, vals, None if labels is None else np.array(labels, dtype=np.int64)

    def _collect(
        self, q: QueryTerms, ids: list[int], ws: list[float], labels: list[int] | None
    ) -> None:
        """Append the rows `q` touches, their weights and units (if `labels` is a list: a
        unit per row, 0 for a query of one unit) to the lists."""
        terms_of = q.terms
        grouped = q.n_units > 1
        for c, off, vocab, cw, idf in self._channels:
            terms = terms_of[c]
            if not terms:
                continue
            first = len(ids)
            if grouped:
                units = q.unit_of.get(c, {})
                for t, w in terms.items():
                    k = vocab.get(t)
                    if k is not None:
                        ids.append(k + off)
                        ws.append(w * cw)
                        labels.append(units.get(t, -1))  # type: ignore[union-attr]
            else:
                for k, w in zip(map(vocab.get, terms), terms.values()):
                    if k is not None:
                        ids.append(k + off)
                        ws.append(w * cw)
                if labels is not None:
                    labels.extend([0] * (len(ids) - first))
            if idf is not None and len(ids) > first:  # tf-idf: weight by idf, unit length
                local = np.asarray(ids[first:], dtype=np.int64) - off
                v = query_weights(ChannelScores(self.matrix, idf), local, np.asarray(ws[first:]))
                ws[first:] = (v * cw).tolist()

    def query_vector(self, q: QueryTerms) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """:meth:`query_rows`, rows grouped by unit (-1 first) for a query of several units."""
        rows, vals, unit_of_row = self.query_rows(q)
        if unit_of_row is None:
            return rows, vals, None
        order = np.argsort(unit_of_row, kind="stable")  # rows grouped by unit (-1 first)
        return rows[order], vals[order], unit_of_row[order]

    def _gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in the matrix of the entries of `rows`, and the length of each row."""
        lengths = self._row_len[rows]
        # the entries of every row, without a Python loop over them
        # (array methods rather than np.* functions: this runs per query, and the wrappers
        # cost about a microsecond each)
        offsets = (self._indptr[rows] - lengths.cumsum() + lengths).repeat(lengths)
        return offsets + np.arange(offsets.size), lengths

    def score(self, q: QueryTerms) -> np.ndarray:
        """Score of every document for one query (float64, 0 where nothing matched).

        The numpy form of the scoring (searches use :meth:`top`, compiled, which gives the
        same scores); kept for inspection, as the tests' reference, and as the path taken
        when numba cannot build the kernels.
        """
        rows, weights, labels = self.query_vector(q)
        return self._score_rows(rows, weights, labels, q.n_units)

    def _score_rows(
        self, rows: np.ndarray, weights: np.ndarray, labels: np.ndarray | None, n_units: int
    ) -> np.ndarray:
        """:meth:`score` of the rows of :meth:`query_vector` (grouped by unit)."""
        if rows.size == 0:
            return np.zeros(self.n_docs, dtype=np.float64)
        pos, lengths = self._gather(rows)
        docs = self.matrix.indices[pos]
        vals = self.matrix.data[pos] * weights.repeat(lengths)
        scores = np.bincount(docs, weights=vals, minlength=self.n_docs)
        if labels is not None:
            scores *= self._coordination(n_units, labels, lengths, docs)
        return scores

    def all_scores(self, q: QueryTerms) -> np.ndarray:
        """:meth:`score`, compiled (the same scores to the last bit), when the kernels are
        built: one pass over the query's rows instead of a dozen numpy calls."""
        kernels = self._kernels
        if kernels is None:
            return self.score(q)
        rows, weights, labels = self.query_rows(q)
        if rows.size == 0:
            return np.zeros(self.n_docs, dtype=np.float64)
        return kernels.search_scores(  # type: ignore[no-any-return]
            self._indptr,
            self._indices,
            self._data,
            rows,
            weights,
            _NO_LABELS if labels is None else labels,
            q.n_units,
            self.n_docs,
        )

    def _buffers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This thread's scratch space for :meth:`top`'s kernel (the kernel leaves it zeroed):
        allocated once per thread, not per query (clearing a slot per document would cost
        more than the query itself on a large catalogue)."""
        got: tuple[np.ndarray, np.ndarray, np.ndarray] | None = getattr(
            self._scratch, "buffers", None
        )
        if got is None:
            n = self.n_docs
            got = (np.zeros(n, dtype=np.float64), np.zeros(n, dtype=np.int32),
                   np.empty(n, dtype=np.int32))  # fmt: skip
            self._scratch.buffers = got
        return got

    def top(self, q: QueryTerms, n: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Top `n` documents of `q` (and in `mask`): :meth:`score` then :meth:`select`, in
        one compiled pass (:mod:`filmreco.search._kernels`), with the same result."""
        kernels = self._kernels
        if kernels is None:  # numba could not build the kernels: the numpy path
            return self.select(self.score(q), n, mask)
        n = min(n, self.n_docs)  # no more hits than documents; an int64 for the kernel
        rows, weights, labels = self.query_rows(q)
        if rows.size == 0 or n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, state, touched = self._buffers()
        return kernels.search_top(  # type: ignore[no-any-return]
            self._indptr,
            self._indices,
            self._data,
            rows,
            weights,
            _NO_LABELS if labels is None else labels,
            q.n_units,
            self.n_docs,
            n,
            _NO_MASK if mask is None else mask,
            scores,
            state,
            touched,
        )

    def top_many(
        self, queries: Sequence[QueryTerms], n: int, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`top` of every query of a batch, in one compiled call.

        Returns the indices ``(n_queries, n)`` (-1 past the hits), their scores (0 past the
        hits) and the number of hits of each query.
        """
        batch = _Batch()
        for q in queries:
            batch.add(self, q)
        return batch.top(self, n, mask)

    def batch_texts(
        self, texts: Sequence[str], *, keep: bool = False
    ) -> tuple[_Batch, list[QueryTerms] | None]:
        """The rows of normalised query texts, each distinct text analysed once, ready for
        one compiled call (:meth:`_Batch.top`, which then holds no Python object).

        A query's terms are turned into rows at once and dropped (unless `keep`, e.g. for
        highlights): a batch holding thousands of small objects alive makes Python's
        garbage collector walk them again and again, which cost more than the scoring.
        Returns the batch and, with `keep`, the queries' terms.
        """
        batch = _Batch()
        seen: dict[str, int] = {}  # text -> its first query in the batch
        kept: list[QueryTerms] | None = [] if keep else None
        for t in texts:
            first = seen.get(t)
            if first is not None:
                batch.repeat(first)
                if kept is not None:
                    kept.append(kept[first])
                continue
            seen[t] = len(batch.units)
            q = self.analyze(t) if t else QueryTerms()
            batch.add(self, q)
            if kept is not None:
                kept.append(q)
        batch.freeze()
        return batch, kept

    def coordination(self, q: QueryTerms) -> np.ndarray:
        """Share of the query's units each document matches (see :meth:`_coordination`)."""
        rows, _, labels = self.query_vector(q)
        if labels is None or rows.size == 0:
            return np.ones(self.n_docs)
        pos, lengths = self._gather(rows)
        return self._coordination(q.n_units, labels, lengths, self.matrix.indices[pos])

    def _coordination(
        self, n_units: int, labels: np.ndarray, lengths: np.ndarray, docs: np.ndarray
    ) -> np.ndarray:
        """Share of the query's units each document matches, the factor that ranks documents
        matching all of "吴京 喜剧" above those matching one. A unit that matches no
        document at all (a typo, a word no film has) is left out of the count.

        `labels` are sorted (rows grouped by unit), so each unit's entries are one slice of
        `docs`.
        """
        # entries of unit u: docs[start[u]:stop[u]] (rows come grouped by unit)
        start = [-1] * n_units
        stop = [-1] * n_units
        pos = 0
        for u, length in zip(labels.tolist(), lengths.tolist()):
            if u >= 0:
                if start[u] < 0:
                    start[u] = pos
                stop[u] = pos + length
            pos += length
        matched = np.zeros(self.n_docs)
        hit = np.empty(self.n_docs, dtype=bool)
        n_live = 0
        for u in range(n_units):
            if stop[u] > start[u]:  # a unit with entries matches some document
                n_live += 1
                hit.fill(False)
                hit[docs[start[u] : stop[u]]] = True
                matched += hit
        if n_live < 2:
            return np.ones(self.n_docs)
        matched *= 1.0 / n_live
        return matched

    @staticmethod
    def select(
        scores: np.ndarray, n: int, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top `n` matched documents of one score vector (ties: smaller index first); with
        :meth:`score`, the numpy reference of :meth:`top`."""
        if mask is not None:
            scores = scores * mask
        k = min(n, scores.size)
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # partition -scores: the many zeros (unmatched) fall past the k-th, which is fast
        part = (-scores).argpartition(k - 1)[:k]
        vals = scores[part]
        kth = vals.min()
        if kth <= 0:  # fewer than k matches: all of them
            part = scores.nonzero()[0]
            vals = scores[part]
        elif np.count_nonzero(scores >= kth) > k:  # ties at the k-th score: all of them
            part = (scores >= kth).nonzero()[0]
            vals = scores[part]
        order = np.lexsort((part, -vals))[:k]
        return part[order].astype(np.int64), vals[order].astype(np.float32)

    # ------------------------------------------------------------------ extras
    def highlights(self, doc: int, q: QueryTerms, highlighter: Highlighter) -> dict[str, str]:
        """Marked snippets (by `highlighter`) of document `doc`'s searched fields that
        matched `q`."""
        out: dict[str, str] = {}
        rec = self.records[doc]
        names = set(self.config.name_fields)
        for f in self.config.boosts:
            marked = []
            values, _ = cap_texts(field_texts(rec.get(f)), self.config.max_field_chars)
            for value in values:  # the part that was indexed
                h = highlighter.highlight(value, q, name=f in names)
                if h is not None:
                    marked.append(h)
            if marked:
                out[f] = " / ".join(marked)
        return out

    def channel_matrix(self, channel: str) -> sp.csr_array:
        """Score matrix of one channel (``terms × docs``)."""
        start = self.offsets[channel]
        stop = start + len(self.vocab[channel])
        return sp.csr_array(self.matrix[start:stop])


class _Batch:
    """The rows of a batch of queries, collected query by query (see :meth:`Snapshot.batch_texts`)."""

    __slots__ = ("arrays", "ids", "labels", "qptr", "units", "ws")

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.ws: list[float] = []
        self.labels: list[int] = []
        self.qptr = [0]
        self.units: list[int] = []
        self.arrays: tuple[np.ndarray, ...] | None = None

    def add(self, state: Snapshot, q: QueryTerms) -> None:
        state._collect(q, self.ids, self.ws, self.labels)
        self.qptr.append(len(self.ids))
        self.units.append(q.n_units)

    def repeat(self, i: int) -> None:
        """Append query `i` of the batch again."""
        a, b = self.qptr[i], self.qptr[i + 1]
        self.ids.extend(self.ids[a:b])
        self.ws.extend(self.ws[a:b])
        self.labels.extend(self.labels[a:b])
        self.qptr.append(len(self.ids))
        self.units.append(self.units[i])

    def freeze(self) -> None:
        """Turn the lists into the kernel's arrays (and drop the lists): after this, :meth:`top`
        runs no Python over the queries, so a thread runs it while another holds the GIL."""
        self.arrays = (
            np.array(self.qptr, dtype=np.int64),
            np.array(self.ids, dtype=np.int64),
            np.array(self.ws, dtype=np.float64),
            np.array(self.labels, dtype=np.int64),
            np.array(self.units, dtype=np.int64),
        )
        self.ids, self.ws, self.labels, self.qptr, self.units = [], [], [], [0], []

    def top(
        self, state: Snapshot, n: int, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = min(n, state.n_docs)  # columns past the documents would only hold padding
        if self.arrays is None:
            self.freeze()
        qptr, rows, weights, labels, units = self.arrays  # type: ignore[misc]
        if state._kernels is None:  # numba could not build the kernels: the numpy path
            return self._top_numpy(state, qptr, rows, weights, labels, units, n, mask)
        scores, marks, touched = state._buffers()  # this thread's, left zeroed by the kernel
        return state._kernels.search_top_many(  # type: ignore[no-any-return]
            state._indptr,
            state._indices,
            state._data,
            qptr,
            rows,
            weights,
            labels,
            units,
            state.n_docs,
            n,
            _NO_MASK if mask is None else mask,
            scores,
            marks,
            touched,
        )

    @staticmethod
    def _top_numpy(
        state: Snapshot,
        qptr: np.ndarray,
        rows: np.ndarray,
        weights: np.ndarray,
        labels: np.ndarray,
        units: np.ndarray,
        n: int,
        mask: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`top` query by query with :meth:`Snapshot.score`'s and ``select``'s numpy."""
        m = units.size
        idx = np.full((m, n), -1, dtype=np.int64)
        sc = np.zeros((m, n), dtype=np.float32)
        found = np.zeros(m, dtype=np.int64)
        for i in range(m):
            a, b = int(qptr[i]), int(qptr[i + 1])
            r, w, lab = rows[a:b], weights[a:b], labels[a:b]
            n_units = int(units[i])
            if n_units > 1:  # rows grouped by unit (-1 first), as query_vector gives them
                order = np.argsort(lab, kind="stable")
                r, w, lab = r[order], w[order], lab[order]
            scores = state._score_rows(r, w, lab if n_units > 1 else None, n_units)
            hi, hs = state.select(scores, n, mask)
            idx[i, : hi.size] = hi
            sc[i, : hs.size] = hs
            found[i] = hi.size
        return idx, sc, found


def personalize(
    state: Snapshot,
    idx: np.ndarray,
    sc: np.ndarray,
    rerank: Any,
    user_id: Any,
    n: int,
    alpha: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Re-rank text hits `idx` (scores `sc`, > 0) for `user_id`: the top `n` by
    ``(1 - alpha) * sc / max(sc) + alpha * user``, the user's scores min-max scaled."""
    item_ids = state.doc_ids.to_ids(idx)
    if hasattr(rerank, "score"):
        u = _user_scores(rerank.score([user_id], item_ids), idx.size, "rerank.score")
        u = u.reshape(-1) if u.ndim == 2 and u.shape[0] == 1 else u
    elif callable(rerank):
        u = _user_scores(rerank(user_id, item_ids), idx.size, "rerank")
    else:
        raise InputTypeError(
            "rerank must be a callable (user_id, item_ids) -> scores or an object with a "
            f"score(user_ids, item_ids) method, got {type(rerank).__name__}."
        )
    if u.shape != (idx.size,):
        raise InputError(
            f"rerank returned scores of shape {u.shape}, expected ({idx.size},), one per item."
        )
    top = float(sc.max())
    text = sc.astype(np.float64) / top if top > 0 else np.ones(idx.size)
    final = (1.0 - alpha) * text + alpha * _minmax(u)
    order = np.lexsort((np.arange(idx.size), -final))[:n]
    return idx[order], final[order].astype(np.float32)


def _user_scores(raw: Any, n: int, name: str) -> np.ndarray:
    """What a re-ranker returned as float64, or an InputTypeError naming `name` and saying
    what it must return (real numbers: a list, a 1-D array, a 1-row dense or sparse matrix)."""
    if hasattr(raw, "toarray"):  # a scipy sparse row
        raw = raw.toarray()
    u: np.ndarray | None = None
    try:
        u = np.asarray(raw)
    except (TypeError, ValueError) as exc:
        why = f"{type(raw).__name__} ({exc})"
    else:
        why = f"{type(raw).__name__} of dtype {u.dtype}"
    if u is None or u.dtype.kind not in "biuf":
        raise InputTypeError(
            f"{name} returned {why}; return one real number per item: a list or 1-D array of "
            f"{n} floats (higher = preferred), in the order of the item ids it was given."
        )
    return u.astype(np.float64, copy=False)


def _minmax(x: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; non-finite values count as the lowest; a constant gives ones.
    Finite values of any size (±1e308) keep their order (see ``unit_scale``)."""
    ok = np.isfinite(x)
    if not ok.any():
        return np.zeros_like(x)
    lo, hi = float(x[ok].min()), float(x[ok].max())
    if hi <= lo:
        return np.where(ok, 1.0, 0.0)
    return np.where(ok, unit_scale(np.where(ok, x, lo), lo, hi), 0.0)
