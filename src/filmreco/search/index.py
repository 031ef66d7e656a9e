"""SearchIndex: a Chinese-first full-text index over a film catalogue."""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._parallel import (
    _NoBar,
    blocks,
    check_n_jobs,
    effective_n_jobs,
    pipeline_map,
    progress_bar,
)
from .._persist import Saveable
from .._validation import (
    check_bool,
    check_fitted,
    check_int,
    check_iterable,
    lookup_option,
    shorten,
    user_stacklevel,
)
from ..data import _frames as frames
from ..exceptions import DataWarning, DuplicateError, InputError, InputTypeError
from ..sparse import IdMap
from . import _io, _pinyin
from ._config import (
    DEFAULT_FIELDS,
    DEFAULT_NAME_FIELDS,
    DEFAULT_QUERY_OPTIONS,
    DEFAULT_WEIGHTS,
    QUERY_OPTIONS,
    Analysed,
    Config,
    QueryOptions,
    analyze_records,
    field_analyzers,
    query_options,
    resolve,
)
from ._engine import Snapshot, personalize
from ._extras import Extras
from ._fields import FieldStore
from ._highlight import Highlighter
from ._intent import prior_values
from ._params import ParamsMixin
from ._records import iter_records
from .analyze import CHANNELS, FieldAnalyzer, normalize
from .query import QueryTerms

__all__ = ["DEFAULT_FIELDS", "DEFAULT_NAME_FIELDS", "DEFAULT_WEIGHTS", "SearchHits", "SearchIndex"]

logger = logging.getLogger("filmreco")

_ON_DUPLICATE = {"raise": "raise", "replace": "replace", "skip": "skip"}
_BATCH = 512  # most queries scored together by search_many
_PIPE_BATCH = 128  # queries per block of search_many in threads (see pipeline_map)
_PROGRESS_BLOCK = 256  # records analysed between two updates of a progress bar
_PRIOR_DEPTH = 50  # text hits re-ordered by the prior (prior_field)


@dataclass(slots=True)
class SearchHits:
    """Results of one query, best first.

    Attributes
    ----------
    ids : numpy.ndarray
        Document ids (as given in the records).
    scores : numpy.ndarray of float32
        Their scores (text relevance; mixed with the user's score when personalised).
    highlights : list of dict of str to str, optional
        Per hit, the matched snippets of each field (``highlight=True`` only).

    Examples
    --------
    >>> index = SearchIndex().fit([{"id": 1, "title": "星际穿越"}, {"id": 2, "title": "流浪地球"}])
    >>> hits = index.search("xjcy", highlight=True)
    >>> len(hits), hits.ids.tolist(), hits.scores.dtype, hits.highlights
    (1, [1], dtype('float32'), [{'title': '<em>星际穿越</em>'}])
    """

    ids: np.ndarray
    scores: np.ndarray
    highlights: list[dict[str, str]] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def to_frame(self, *, catalog: Any = None, columns: Any = None) -> Any:
        """The hits as a pandas DataFrame: ``rank, item, score`` (+ ``highlights``).

        Parameters
        ----------
        catalog : Catalog, optional
            Join its `columns` on the hit ids (default: title and year, those present).
        columns : list of str, optional

        Examples
        --------
        >>> index = SearchIndex().fit([{"id": 1, "title": "星际穿越"}, {"id": 2, "title": "流浪地球"}])
        >>> index.search("流浪地球").to_frame()[["rank", "item"]]
           rank  item
        0     1     2
        """
        pd = frames.pandas()
        frame = pd.DataFrame(
            {"rank": np.arange(1, len(self.ids) + 1), "item": self.ids, "score": self.scores}
        )
        if self.highlights is not None:
            frame["highlights"] = self.highlights
        return frames.join_catalog(frame, catalog, on="item", columns=columns)


class SearchIndex(Saveable, ParamsMixin):
    """Full-text search over film records, built for Chinese queries.

    Analysis (:mod:`filmreco.search.analyze`, :mod:`filmreco.search.query`): words (jieba
    for names; jieba's dictionary for text; a query's words are those the index holds, the
    catalogue's titles and names included, so they stay whole), Latin words and digits,
    character n-grams, pinyin syllables, full pinyin and initials of names, synonyms,
    typo tolerance. Ranking: BM25F over the fields (or per-field BM25, or tf-idf cosine),
    every (term, document) score precomputed so a query is a gather and a sum, times the
    share of the query's space-separated parts a document matches (coordination), and its
    top `n` selected in the same compiled pass over the documents it touches.

    Writes (:meth:`add`, :meth:`update`, :meth:`delete`) analyse only the records given
    and give exactly the results of a rebuild; the score matrix is rebuilt from the stored
    term counts at the next search. Searches may run from several threads at once; a
    search running during a write sees the index before or after it, never half of it.

    Parameters
    ----------
    fields : dict of str to float, optional
        Searched fields and their boosts, each in [1e-6, 1e6] (beyond, float32 scores
        overflow or round to 0). Default: the fields of :data:`DEFAULT_FIELDS` present in
        the records.
    id_field : str, default="id"
        Field holding each record's id (a :class:`~filmreco.data.Catalog` brings its own).
    name_fields : sequence of str, optional
        Fields holding names (titles, aliases, people): they get pinyin, initials,
        whole-name words and autocomplete. Default: those of :data:`DEFAULT_NAME_FIELDS`
        among `fields`.
    ranking : {"bm25", "bm25-sum", "tfidf"}, default="bm25"
        BM25F, a boost-weighted sum of per-field BM25, or tf-idf cosine.
    k1 : float or dict, default=1.2
        BM25 saturation in [0, 1000] (a dict per field only with ``"bm25-sum"``).
    b : float or dict, optional
        BM25 length normalisation in [0, 1], one for all fields or a dict per field
        (missing fields get 0.75). Default: 0.3 for name fields (titles and names are short
        and their length says little), 0.75 for the others.
    weights : dict of str to float, optional
        Weight of each channel (:data:`DEFAULT_WEIGHTS`), 0 or in [1e-6, 1e6]; 0 switches
        a channel off.
    synonyms : dict of str to str or list of str, optional
        Query expansions, e.g. ``{"复联": "复仇者联盟"}``.
    user_words : sequence of str, default=()
        Extra words to keep whole in the records' text (and so in queries).
    stop_words : "chinese", sequence of str or None, default="chinese"
        Words dropped from text and queries (never a catalogue name typed whole).
    ngram : int, default=2
        Character n-gram length.
    pinyin : bool, default=True
        Index and match pinyin and initials of names.
    fuzzy : bool, default=True
        Expand Latin/pinyin words that match nothing to terms within a small edit distance.
        The work is bounded per query: only the first 16 such words of a query, and only
        words of at most 64 letters, are corrected (longer ones cannot be a typo of a name).
    fuzzy_weight : float, default=0.5
        Weight of an expansion at edit distance 1 (squared at distance 2).
    homophone_weight : float, default=0.3
        Weight of the pinyin read from a Chinese query (same-sounding names).
    to_simplified : bool, default=True
        Convert traditional Chinese to simplified in records and queries.
    words : {"scan", "jieba"}, default="scan"
        How words are found in queries and text fields (names are always segmented by
        jieba's search mode). ``"scan"``: every word of jieba's dictionary, and of the
        catalogue's names and `user_words`, found in the string — jieba's full mode done as
        a substring scan (:class:`~filmreco.search.analyze.DictionaryScan`), several times
        faster. ``"jieba"``: jieba's segmentation (search mode for queries, accurate mode for
        text), with the same user words. On the benchmark both rank the same.
    hmm : bool, default=False
        Let jieba's HMM join unknown words when indexing with jieba (slower, and no better
        on the benchmark: a name cut into characters is still found by its n-grams).
        Queries always use the HMM.
    max_field_chars : int, default=20_000
        Characters of each field of a record that are indexed (and highlighted), all the
        values of a list field counted together. Longer fields are cut, with a
        :class:`~filmreco.exceptions.DataWarning` naming a record and field cut: this bounds
        the time and memory of indexing one record (a 20 MB description took about 30 s
        and 1.4 GB). Film titles, names and descriptions are far shorter.
    prior_field : str, optional
        A numeric field (Douban's score, a view count) used as a ranking prior: a text
        hit's score is multiplied by ``1 + prior_weight * p``, `p` the document's prior
        min-max scaled to [0, 1] over the index (any finite values, ±1e308 included), and
        requests (see `intents`) are ordered by it (their scores are the prior, clipped to
        the float32 range). Numeric strings are converted; a missing value (None, NaN, ``""``) counts as the
        average (neutral); anything else raises an :class:`~filmreco.exceptions.InputError`
        naming the field and the record's id, as does a number beyond the float range.
    prior_weight : float, default=0.1
        Strength of the prior in text ranking, in [0, 1e6] (0: requests only). The prior re-orders the
        best 50 (or `n`, if more) text hits.
    intents : bool, default=True
        Understand requests typed as sentences (``"有没有好看的悬疑片"``,
        ``"九十年代的港片"``, ``"周星驰的喜剧"``): a query made only of genres, regions and
        people of the catalogue, a year or a decade, quality words and filler words returns
        the documents matching all of them, ordered by the prior (by text relevance without
        one). See :ref:`search-requests` in the user guide. Other queries are searched as
        text.
    max_query_length, rerank_weight, rerank_depth, highlight_tags, snippet_chars : optional
        Deprecated here: these options apply when searching, so they are keyword arguments
        of :meth:`search` (and :meth:`search_many`; `max_query_length` also of
        :meth:`suggest` and :meth:`analyze`). Given here, they emit a
        :class:`FutureWarning` and serve as this index's defaults until the next release,
        which removes them from the constructor.

    Attributes
    ----------
    doc_ids_ : IdMap
        Ids of the indexed documents, in index order.
    fields_ : dict of str to float
        Searched fields and boosts.
    name_fields_ : tuple of str

    Examples
    --------
    >>> films = [
    ...     {"id": 1, "title": "星际穿越", "people": ["克里斯托弗·诺兰"], "genres": ["科幻"]},
    ...     {"id": 2, "title": "流浪地球", "people": ["郭帆", "吴京"], "genres": ["科幻"]},
    ...     {"id": 3, "title": "霸王别姬", "people": ["陈凯歌", "张国荣"], "genres": ["剧情"]},
    ... ]
    >>> index = SearchIndex().fit(films)
    >>> index.search("诺兰").ids.tolist(), index.search("xjcy").ids.tolist()
    ([1], [1])
    >>> index.search("科幻", filters={"people": "吴京"}).ids.tolist()
    [2]
    >>> index.suggest("liu")
    ['流浪地球']
    """

    _analyzers: dict[str, FieldAnalyzer] | None

    def __init__(
        self,
        fields: Mapping[str, float] | None = None,
        *,
        id_field: str = "id",
        name_fields: Sequence[str] | None = None,
        ranking: str = "bm25",
        k1: float | Mapping[str, float] = 1.2,
        b: float | Mapping[str, float] | None = None,
        weights: Mapping[str, float] | None = None,
        synonyms: Mapping[str, str | Sequence[str]] | None = None,
        user_words: Sequence[str] = (),
        stop_words: str | Sequence[str] | None = "chinese",
        ngram: int = 2,
        pinyin: bool = True,
        fuzzy: bool = True,
        fuzzy_weight: float = 0.5,
        homophone_weight: float = 0.3,
        to_simplified: bool = True,
        words: str = "scan",
        hmm: bool = False,
        max_field_chars: int = 20_000,
        prior_field: str | None = None,
        prior_weight: float = 0.1,
        intents: bool = True,
        max_query_length: int | None = None,
        rerank_weight: float | None = None,
        rerank_depth: int | None = None,
        highlight_tags: tuple[str, str] | None = None,
        snippet_chars: int | None = None,
    ) -> None:
        self.fields = fields
        self.id_field = id_field
        self.name_fields = name_fields
        self.ranking = ranking
        self.k1 = k1
        self.b = b
        self.weights = weights
        self.synonyms = synonyms
        self.user_words = user_words
        self.stop_words = stop_words
        self.ngram = ngram
        self.pinyin = pinyin
        self.fuzzy = fuzzy
        self.fuzzy_weight = fuzzy_weight
        self.homophone_weight = homophone_weight
        self.to_simplified = to_simplified
        self.words = words
        self.hmm = hmm
        self.max_field_chars = max_field_chars
        self.prior_field = prior_field
        self.prior_weight = prior_weight
        self.intents = intents
        self.max_query_length = max_query_length
        self.rerank_weight = rerank_weight
        self.rerank_depth = rerank_depth
        self.highlight_tags = highlight_tags
        self.snippet_chars = snippet_chars
        _warn_query_params(
            [k for k in QUERY_OPTIONS if getattr(self, k) is not None], "SearchIndex(...)"
        )

    def set_params(self, **params: Any) -> SearchIndex:
        """Set constructor parameters; they take effect at the next :meth:`fit`.

        The query-time options (`max_query_length`, ...) are deprecated here as in the
        constructor: pass them to :meth:`search`.

        Parameters
        ----------
        **params
            Parameter names and their new values.

        Returns
        -------
        SearchIndex
            self.

        Raises
        ------
        ValueError
            If a name is not a parameter of :class:`SearchIndex`.

        Warns
        -----
        FutureWarning
            When a query-time option is set to a value other than None.
        """
        given = [k for k in QUERY_OPTIONS if params.get(k) is not None]
        _warn_query_params(given, "SearchIndex.set_params(...)")
        return super().set_params(**params)  # type: ignore[no-any-return]

    # ================================================================== configuration
    def _resolve(
        self,
        records: Sequence[Mapping[str, Any]],
        id_field: str,
        *,
        boosts: Mapping[str, float] | None = None,
        names: Sequence[str] | None = None,
    ) -> Config:
        """Check the parameters (see :func:`filmreco.search._config.resolve`)."""
        return resolve(self.get_params(), records, id_field, boosts=boosts, names=names)

    def _deprecated_defaults(self) -> QueryOptions:
        """The query-time options given to the constructor (deprecated), as defaults."""
        given = {k: getattr(self, k) for k in QUERY_OPTIONS}
        return query_options(DEFAULT_QUERY_OPTIONS, given)

    def _options(
        self,
        max_query_length: Any,
        rerank_weight: Any,
        rerank_depth: Any,
        highlight_tags: Any,
        snippet_chars: Any,
    ) -> QueryOptions:
        """The options of one call: those given, else this index's defaults."""
        base: QueryOptions = self._query_defaults
        if (
            max_query_length is None
            and rerank_weight is None
            and rerank_depth is None
            and highlight_tags is None
            and snippet_chars is None
        ):
            return base
        given = {
            "max_query_length": max_query_length,
            "rerank_weight": rerank_weight,
            "rerank_depth": rerank_depth,
            "highlight_tags": highlight_tags,
            "snippet_chars": snippet_chars,
        }
        return query_options(base, given)

    def _get_analyzers(self) -> dict[str, FieldAnalyzer]:
        """The field analyzers, built on first use (a loaded index needs them only to add)."""
        if self._analyzers is None:
            self._analyzers = field_analyzers(self._cfg)
        return self._analyzers

    # ================================================================== building
    def fit(self, records: Any, *, show_progress: bool = False) -> SearchIndex:
        """Index `records`: a :class:`~filmreco.data.Catalog` or an iterable of dicts.

        Parameters
        ----------
        records : Catalog or iterable of dict
            One dict per film: the id under `id_field`, text fields as str, multi-valued
            fields as lists of str; other fields (year, region, ...) are kept for filters.
        show_progress : bool, default=False
            Show a tqdm bar over the records analysed (segmenting the text of tens of
            thousands of films takes seconds); the index is the same either way.

        Returns
        -------
        SearchIndex
            self, fitted.

        Raises
        ------
        InputError
            A record lacks an id, a value has an unsupported type, a text or field name
            holds a lone surrogate (not Unicode text: it could not be saved), or a parameter
            is invalid. Infinite numbers are kept, and saved.
        DuplicateError
            Two records share an id.
        """
        recs, ids, id_field = iter_records(records, self.id_field)
        doc_ids = IdMap(ids)  # raises DuplicateError on a repeated id
        cfg = self._resolve(recs, id_field)
        if cfg.prior_field is not None:
            prior_values(recs, cfg.prior_field, id_field)  # raises on a bad value
        self._query_defaults = self._deprecated_defaults()
        self._cfg = cfg
        self._analyzers = None
        store = FieldStore(CHANNELS, list(cfg.boosts))
        with progress_bar(len(recs), "SearchIndex", show_progress) as bar:
            if isinstance(bar, _NoBar):
                analysed = self._analyze(recs)
            else:  # the same analysis, record by record in blocks, to show progress
                analysed = []
                for start in range(0, len(recs), _PROGRESS_BLOCK):
                    block = recs[start : start + _PROGRESS_BLOCK]
                    analysed.extend(self._analyze(block))
                    bar.update(len(block))
        store.append(analysed)
        self._store = store
        self._records: list[dict[str, Any]] = recs
        self._write_lock = threading.RLock()
        self.doc_ids_ = doc_ids
        self.fields_ = dict(cfg.boosts)
        self.name_fields_ = cfg.name_fields
        self._refresh()
        # ready to search from the first query: score matrix, compiled kernels, query
        # analyzer (later writes rebuild the snapshot at the next search)
        self._warm()
        logger.debug("SearchIndex: indexed %d documents", len(recs))
        return self

    def _analyze(self, recs: Sequence[Mapping[str, Any]]) -> list[Analysed]:
        return analyze_records(self._get_analyzers(), self._cfg, recs)

    def _refresh(self) -> None:
        """Forget the snapshot: the next search builds one (so a run of writes pays once)."""
        self._state: Snapshot | None = None

    def _snapshot(self) -> Snapshot:
        check_fitted(self, "doc_ids_")
        state = self._state
        if state is None:
            with self._write_lock:
                state = self._state
                if state is None:
                    state = Snapshot(self._store, self._records, self.doc_ids_, self._cfg)
                    self._state = state
        return state

    def _warm(self) -> None:
        """Build what the first search reads (by fit and load): the snapshot's parts and,
        with `intents`, the request parser, so that the first query is as fast as the next."""
        state = self._snapshot().warm()
        if self._cfg.intents:
            self._extras(state).parser().titles()

    def _extras(self, state: Snapshot) -> Extras:
        """The prior and request parser of `state` (built once per snapshot)."""
        got = getattr(self, "_extras_of", None)
        if got is not None and got[0] is state:
            return got[1]  # type: ignore[no-any-return]
        extras = Extras(state.records, self._cfg, store=self._store, state=state)
        self._extras_of = (state, extras)
        return extras

    # ================================================================== incremental
    def add(self, records: Any, *, on_duplicate: str = "raise") -> SearchIndex:
        """Add documents; the index then scores exactly as if rebuilt with them at the end.

        Parameters
        ----------
        records : Catalog or iterable of dict
        on_duplicate : {"raise", "replace", "skip"}, default="raise"
            What to do with a record whose id is already indexed: raise
            :class:`~filmreco.exceptions.DuplicateError`, replace the old document (in
            place, as :meth:`update`), or keep the old one (with a :class:`DataWarning`).

        Returns
        -------
        SearchIndex
            self.
        """
        lookup_option(_ON_DUPLICATE, on_duplicate, "on_duplicate")
        check_fitted(self, "doc_ids_")
        recs, ids, _ = iter_records(records, self._cfg.id_field)
        IdMap(ids)  # duplicates inside the batch
        if self._cfg.prior_field is not None:
            prior_values(recs, self._cfg.prior_field, self._cfg.id_field)
        with self._write_lock:
            known = self.doc_ids_.contains(ids) if ids else np.zeros(0, dtype=bool)
            if known.any():
                dup = [i for i, k in zip(ids, known.tolist()) if k]
                if on_duplicate == "raise":
                    raise DuplicateError(
                        f"{len(dup)} of the records have ids already in the index (e.g. "
                        f"{shorten(dup[:5])}); use update(), or add(..., on_duplicate='replace' "
                        "or 'skip')."
                    )
                if on_duplicate == "skip":
                    warnings.warn(
                        f"add(): skipped {len(dup)} record(s) whose id is already indexed "
                        "(on_duplicate='skip').",
                        DataWarning,
                        stacklevel=user_stacklevel(),
                    )
                else:
                    self._replace([r for r, k in zip(recs, known.tolist()) if k])
                recs = [r for r, k in zip(recs, known.tolist()) if not k]
                ids = [i for i, k in zip(ids, known.tolist()) if not k]
            if recs:
                self._store.append(self._analyze(recs))
                self._records = [*self._records, *recs]
                self.doc_ids_ = self.doc_ids_.extend(ids)
            self._refresh()
        return self

    def update(self, records: Any) -> SearchIndex:
        """Replace indexed documents (same ids) in place.

        Raises
        ------
        UnknownIdError
            If an id is not indexed (use :meth:`add`).
        """
        check_fitted(self, "doc_ids_")
        recs, ids, _ = iter_records(records, self._cfg.id_field)
        IdMap(ids)
        if self._cfg.prior_field is not None:
            prior_values(recs, self._cfg.prior_field, self._cfg.id_field)
        with self._write_lock:
            self.doc_ids_.index(ids, name="record ids")  # raises UnknownIdError
            self._replace(recs)
            self._refresh()
        return self

    def _replace(self, recs: list[dict[str, Any]]) -> None:
        rows = self.doc_ids_.index([r[self._cfg.id_field] for r in recs])
        self._store.replace(rows, self._analyze(recs))
        new = list(self._records)
        for r, i in zip(recs, rows.tolist()):
            new[i] = r
        self._records = new

    def delete(self, ids: Any) -> SearchIndex:
        """Remove documents by id.

        Raises
        ------
        UnknownIdError
            If an id is not indexed; nothing is deleted then.
        """
        check_fitted(self, "doc_ids_")
        with self._write_lock:
            rows = np.unique(self.doc_ids_.index(ids, name="ids"))
            if rows.size == 0:
                return self
            keep = np.ones(len(self.doc_ids_), dtype=bool)
            keep[rows] = False
            self._store.delete(rows)
            idx = np.flatnonzero(keep)
            self._records = [self._records[i] for i in idx.tolist()]
            self.doc_ids_ = self.doc_ids_.subset(idx)
            self._refresh()
        return self

    def __len__(self) -> int:
        return len(self.doc_ids_) if hasattr(self, "doc_ids_") else 0

    def __repr__(self) -> str:
        """The parameters that differ from their defaults; once fitted, what was indexed.

        Examples
        --------
        >>> index = SearchIndex(ngram=3).fit([{"id": 1, "title": "星际穿越", "genres": ["科幻"]}])
        >>> for part in repr(index).split("; "):
        ...     print(part)
        SearchIndex(ngram=3) fitted on 1 record: fields title=3, genres=1
        name fields title
        vocabulary 16 terms (word 5, ngram 5, syllable 3, pinyin 1, initials 2)
        ranking bm25, pinyin on, fuzzy on, intents on, no prior
        """
        params = super().__repr__()
        if not hasattr(self, "doc_ids_"):
            return params
        cfg = self._cfg
        n = len(self.doc_ids_)
        fields = ", ".join(f"{f}={_number(w)}" for f, w in cfg.boosts.items())
        vocab = self._store.vocab
        sizes = ", ".join(f"{c} {len(v):,}" for c, v in vocab.items() if v)
        total = sum(len(v) for v in vocab.values())
        prior = (
            "no prior"
            if cfg.prior_field is None
            else f"prior {cfg.prior_field!r} (weight {_number(cfg.prior_weight)})"
        )
        onoff = {True: "on", False: "off"}
        return (
            f"{params} fitted on {n:,} record{'s' if n != 1 else ''}: fields {fields}; "
            f"name fields {', '.join(cfg.name_fields) or 'none'}; "
            f"vocabulary {total:,} terms ({sizes}); ranking {cfg.ranking}, pinyin "
            f"{onoff[cfg.pinyin]}, fuzzy {onoff[cfg.fuzzy]}, intents {onoff[cfg.intents]}, {prior}"
        )

    # ================================================================== searching
    def _query_text(self, query: Any, cap: int, name: str = "query") -> str:
        if not isinstance(query, str):
            raise InputTypeError(
                f"{name} must be a str, got {shorten(query)} ({type(query).__name__})."
            )
        if len(query) > cap:
            warnings.warn(
                f"query of {len(query)} characters cut to max_query_length={cap}.",
                DataWarning,
                stacklevel=user_stacklevel(),
            )
            query = query[:cap]
        return normalize(query, to_simplified=self._cfg.to_simplified)

    def _mask(self, state: Snapshot, filters: Any) -> np.ndarray | None:
        if filters is None:
            return None
        return state.filter_columns().mask(filters)

    def analyze(self, query: str, *, max_query_length: int | None = None) -> QueryTerms:
        """The weighted terms `query` is searched with, per channel (for inspection).

        Parameters
        ----------
        query : str
        max_query_length : int, optional
            As in :meth:`search`.

        Returns
        -------
        QueryTerms
        """
        state = self._snapshot()
        opts = self._options(max_query_length, None, None, None, None)
        return state.analyze(self._query_text(query, opts.max_query_length))

    def search(
        self,
        query: str,
        n: int = 10,
        *,
        filters: Mapping[str, Any] | None = None,
        highlight: bool = False,
        rerank: Any = None,
        user_id: Any = None,
        max_query_length: int | None = None,
        rerank_weight: float | None = None,
        rerank_depth: int | None = None,
        highlight_tags: tuple[str, str] | None = None,
        snippet_chars: int | None = None,
    ) -> SearchHits:
        """Find the `n` best documents for `query`.

        Parameters
        ----------
        query : str
            Chinese, pinyin (with or without tone marks or numbers, whole or cut short
            while typing), initials, Latin words, digits, or a mix. Empty or
            whitespace-only (after removing punctuation, emoji and control characters) gives
            no hits; longer than `max_query_length` is cut, with a :class:`DataWarning`.
        n : int, default=10
        filters : dict, optional
            Conditions on metadata fields, applied before ranking, e.g.
            ``{"year": (2000, 2010), "genres": "科幻"}``; a document must match them all,
            and a missing value matches none. A condition is a value (the field, or one of
            its values for a list field, equals it; strings compared after
            :func:`~filmreco.search.normalize`, a ``datetime.date`` as its ISO text), a
            list, set, 1-D array or ``range`` (equals one of them), a tuple ``(low, high)``
            (``low <= value <= high``, either end None for open), or a callable
            ``condition(value) -> bool``. Any other condition (None, NaN, bytes, a
            generator, ...) raises an :class:`~filmreco.exceptions.InputError` naming
            ``filters[field]``.
        highlight : bool, default=False
            Also return the matched snippets of each hit.
        rerank : callable or object with ``score(user_ids, item_ids)``, optional
            The user's preference: ``rerank(user_id, item_ids) -> scores``, or a fitted
            recommender. Used only together with `user_id`.
        user_id : optional
            Whose preference re-ranks the top `rerank_depth` text hits: final score =
            ``(1 - rerank_weight) * text / max(text) + rerank_weight * user`` with the user's
            scores min-max scaled over those hits (non-finite scores, e.g. ``-inf`` for
            films already seen, count as the lowest). Without `user_id` the text ranking is
            returned untouched; an unknown user raises whatever `rerank` raises.
        max_query_length : int, optional
            Longer queries are cut to this many characters, with a :class:`DataWarning`.
            Default: 256.
        rerank_weight : float, optional
            Share of the user's score in a personalised ranking, in [0, 1]. Default: 0.3.
        rerank_depth : int, optional
            Number of text hits re-ranked for a user. Default: 100.
        highlight_tags : pair of str, optional
            Put around the matched parts when `highlight` is True. Default:
            ``("<em>", "</em>")``. With HTML tags (the first starts with ``"<"``) the
            snippets are HTML, the record's text in them escaped (a title
            ``<script>...`` comes back as ``&lt;script&gt;...``); with other marks, e.g.
            ``("[", "]")``, plain text.
        snippet_chars : int, optional
            Highlighted values longer than this (at least 8) are cut to a window around the
            first match. Default: 80.

        Returns
        -------
        SearchHits

        Raises
        ------
        TypeError
            If `query` is not a str, or `rerank` is neither callable nor has ``score``, or
            it returns something other than real numbers (an
            :class:`~filmreco.exceptions.InputTypeError` saying what it must return).
        InputError
            On an unknown filter field, a bad condition, `user_id` without `rerank`, or an
            invalid option (the message names it).

        Notes
        -----
        The defaults of the last five options are those above, unless the index was built
        with the deprecated constructor arguments of the same names: their values are the
        defaults then, until the next release.

        Examples
        --------
        >>> index = SearchIndex().fit([{"id": 1, "title": "流浪地球"}, {"id": 2, "title": "地球上的星星"}])
        >>> hits = index.search("地球", highlight=True, highlight_tags=("[", "]"))
        >>> hits.ids.tolist(), [h["title"] for h in hits.highlights]
        ([1, 2], ['流浪[地球]', '[地球]上的星星'])
        """
        state = self._snapshot()
        if type(n) is not int or n < 0:  # the common case skips the full check
            n = check_int(n, "n", min_value=0)
        opts = self._options(
            max_query_length, rerank_weight, rerank_depth, highlight_tags, snippet_chars
        )
        text = self._query_text(query, opts.max_query_length)
        mask = None if filters is None else self._mask(state, filters)
        personal = _personal(rerank, user_id)
        highlighter = opts.highlighter() if check_bool(highlight, "highlight") else None
        if not text:
            none = np.zeros(0, dtype=np.int64)
            return self._hits(state, none, np.zeros(0, np.float32), None, highlighter)
        q = state.analyze(text)
        depth = max(n, opts.rerank_depth) if personal else n
        extras = self._extras(state)
        got = extras.request(state, text, q, depth, mask) if self._cfg.intents else None
        if got is not None:
            idx, sc = got
        else:
            idx, sc = self._text_hits(state, extras, text, q, depth, mask)
        if personal and idx.size:
            idx, sc = personalize(state, idx, sc, rerank, user_id, n, opts.rerank_weight)
        return self._hits(state, idx[:n], sc[:n], q, highlighter)

    def _text_hits(
        self,
        state: Snapshot,
        extras: Extras,
        text: str,
        q: QueryTerms,
        depth: int,
        mask: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The top `depth` text hits: the prior applied, the Latin precision rule too."""
        latin = extras.latin_only(state, text, q)
        prior = extras.prior is not None and self._cfg.prior_weight > 0
        wide = max(depth, _PRIOR_DEPTH) if (prior or latin) else depth
        idx, sc = state.top(q, wide, mask)
        if latin:
            idx, sc = extras.keep_latin(state, q, idx, sc, wide)
        if prior:
            return extras.reorder(idx, sc, self._cfg.prior_weight, depth)
        return idx[:depth], sc[:depth]

    def _hits(
        self,
        state: Snapshot,
        idx: np.ndarray,
        sc: np.ndarray,
        q: QueryTerms | None,
        highlighter: Highlighter | None,
    ) -> SearchHits:
        ids = state.doc_ids.ids[idx]  # a copy (fancy indexing); idx holds valid rows only
        hl = None
        if highlighter is not None:
            hl = (
                [state.highlights(int(i), q, highlighter) for i in idx.tolist()]
                if q is not None
                else []
            )
        return SearchHits(ids, np.asarray(sc, dtype=np.float32), hl)

    def search_many(
        self,
        queries: Iterable[str],
        n: int = 10,
        *,
        filters: Mapping[str, Any] | None = None,
        highlight: bool = False,
        rerank: Any = None,
        user_id: Any = None,
        max_query_length: int | None = None,
        rerank_weight: float | None = None,
        rerank_depth: int | None = None,
        highlight_tags: tuple[str, str] | None = None,
        snippet_chars: int | None = None,
        n_jobs: int | None = None,
    ) -> list[SearchHits]:
        """Search a batch of queries, scored together block by block.

        Each query is analysed once (a query repeated in the batch too), and each block of
        queries is scored and its top `n` selected in one compiled call, reusing its buffers
        from query to query; the hits are those of :meth:`search` with the same arguments.

        Parameters
        ----------
        queries : iterable of str
        n : int, default=10
        filters : dict, optional
            The same conditions for every query.
        highlight : bool, default=False
        rerank : callable or object with ``score(user_ids, item_ids)``, optional
            As in :meth:`search`.
        user_id : optional
            One user whose preference re-ranks the hits of every query (as in :meth:`search`).
        max_query_length, rerank_weight, rerank_depth, highlight_tags, snippet_chars : optional
            As in :meth:`search`.
        n_jobs : int or None, default=None
            Workers for the blocks of queries; see :ref:`n_jobs`. The hits do not depend on it.
            Threads unless a joblib backend is configured (:func:`joblib.parallel_config`):
            the calling thread analyses the blocks of 128 queries and builds their hits
            while the other threads score the blocks already analysed (the scoring kernel
            releases the GIL), and, once every block is analysed, scores the rest itself.
            Batches of at most 256 queries run in the calling thread.

        Returns
        -------
        list of SearchHits
            One per query, in order; the same hits and scores as :meth:`search`.

        Examples
        --------
        >>> index = SearchIndex().fit([{"id": 1, "title": "流浪地球"}, {"id": 2, "title": "霸王别姬"}])
        >>> [h.ids.tolist() for h in index.search_many(["地球", "bwbj", "城市"])]
        [[1], [2], []]
        """
        if isinstance(queries, str):
            raise InputTypeError("queries must be a list of str, got a single str; use search().")
        queries = check_iterable(queries, "queries")
        state = self._snapshot()
        n = check_int(n, "n", min_value=0)
        highlight = check_bool(highlight, "highlight")
        opts = self._options(
            max_query_length, rerank_weight, rerank_depth, highlight_tags, snippet_chars
        )
        texts = [
            self._query_text(q, opts.max_query_length, f"queries[{i}]")
            for i, q in enumerate(queries)
        ]
        mask = self._mask(state, filters)
        user = (rerank, user_id) if _personal(rerank, user_id) else None
        check_n_jobs(n_jobs)
        shared = (self, _Batch(state, n, mask, opts, highlight, user))
        if effective_n_jobs(n_jobs) > 1 and len(texts) > 2 * _PIPE_BATCH:
            # threads unless the caller configured a backend: the calling thread analyses
            # the blocks of queries (Python, under the GIL) and builds their hits, while the
            # other threads score the blocks already analysed (the kernel releases the
            # GIL); the index is shared, not copied to worker processes. The blocks do not
            # depend on n_jobs, nor do the hits on the blocks.
            tasks = [texts[a:b] for a, b in blocks(len(texts), _PIPE_BATCH)]
            chunks = pipeline_map(
                _prepare_block, _score_block, _finish_block, tasks, shared=shared, n_jobs=n_jobs
            )
            return [h for chunk in chunks for h in chunk]
        out: list[SearchHits] = []
        for a, b in blocks(len(texts), _BATCH):
            block = self._prepare_block(state, texts[a:b], n, mask, opts, highlight, user)
            out.extend(self._finish_block(block, self._score_block(block, mask), opts, user))
        return out

    def _prepare_block(
        self,
        state: Snapshot,
        texts: list[str],
        n: int,
        mask: np.ndarray | None,
        opts: QueryOptions,
        highlight: bool,
        user: tuple[Any, Any] | None,
    ) -> _Block:
        """The Python part of a block of :meth:`search_many` before its scoring: requests and
        Latin queries answered one by one (as :meth:`search` does), the other queries
        analysed into the rows of one compiled call."""
        depth = n if user is None else max(n, opts.rerank_depth)
        extras = self._extras(state)
        cfg = self._cfg
        use_prior = extras.prior is not None and cfg.prior_weight > 0
        special: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        if cfg.intents:  # requests: answered one by one, as by search()
            for i, t in enumerate(texts):
                if t and extras.parse(t) is not None:
                    got = extras.request(state, t, state.analyze(t), depth, mask)
                    if got is not None:
                        special[i] = got
        for i, t in enumerate(texts):  # Latin queries: the precision rule, as search()
            if i not in special and t and t.isascii() and _maybe_latin(t):
                q = state.analyze(t)
                if extras.latin_only(state, t, q):
                    special[i] = self._text_hits(state, extras, t, q, depth, mask)
        wide = max(depth, _PRIOR_DEPTH) if use_prior else depth
        if special and not highlight:  # answered already: not scored again
            texts = ["" if i in special else t for i, t in enumerate(texts)]
        batch, qs = state.batch_texts(texts, keep=highlight)
        return _Block(state, extras, batch, qs, special, wide, depth, n, use_prior, highlight)

    @staticmethod
    def _score_block(block: _Block, mask: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """The compiled part of a block: the top hits of its analysed queries (the GIL is
        released while the kernel runs)."""
        return block.batch.top(block.state, block.wide, mask)  # type: ignore[no-any-return]

    def _finish_block(
        self,
        block: _Block,
        top: tuple[np.ndarray, ...],
        opts: QueryOptions,
        user: tuple[Any, Any] | None,
    ) -> list[SearchHits]:
        """A block's hits: the answered queries put in, the prior applied, re-ranked for
        `user`, highlighted."""
        idx, sc, found = top
        state, special, extras = block.state, block.special, block.extras
        if block.use_prior or special:
            idx, sc, found = _adjust(idx, sc, found, special, extras, self._cfg.prior_weight,
                                     block.depth, block.use_prior)  # fmt: skip
        doc_ids = state.doc_ids.ids
        highlighter = opts.highlighter() if block.highlight else None
        qs = block.qs
        # padding (-1) is never read; an empty index has only padding
        ids = doc_ids[idx] if doc_ids.size else np.empty(idx.shape, dtype=doc_ids.dtype)
        out: list[SearchHits] = []
        for i, k in enumerate(found.tolist()):
            rows, hit_ids, scores = idx[i, :k], ids[i, :k], sc[i, :k]
            if user is not None and k:
                rows, scores = personalize(
                    state, rows, scores, user[0], user[1], block.n, opts.rerank_weight
                )
                hit_ids = doc_ids[rows]
            hl = None
            if highlighter is not None and qs is not None:
                hl = [state.highlights(j, qs[i], highlighter) for j in rows.tolist()]
            out.append(SearchHits(hit_ids, scores, hl))
        return out

    def suggest(
        self, prefix: str, n: int = 10, *, max_query_length: int | None = None
    ) -> list[str]:
        """Complete `prefix` to names (titles, aliases, people) from the name fields.

        Chinese prefixes match the start of a name or of one of its parts; Latin prefixes
        also match full pinyin (``"xingji"``) and initials (``"xjc"``).

        Parameters
        ----------
        prefix : str
        n : int, default=10
        max_query_length : int, optional
            Longer prefixes are cut to this many characters (as queries in :meth:`search`;
            silently here). Default: 256.

        Returns
        -------
        list of str
            Up to `n` names, best first.
        """
        state = self._snapshot()
        if not isinstance(prefix, str):
            raise InputTypeError(f"prefix must be a str, got {type(prefix).__name__}.")
        n = check_int(n, "n", min_value=0)
        opts = self._options(max_query_length, None, None, None, None)
        return state.suggester().suggest(prefix[: opts.max_query_length], n)

    # ================================================================== persistence
    # save / load come from filmreco._persist.Saveable; the layout lives in _io
    _persist_kind = "SearchIndex"
    _persist_version = _io.FORMAT_VERSION

    def _check_saveable(self) -> None:
        check_fitted(self, "doc_ids_")

    def _export(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return _io.export(self)

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> SearchIndex:
        return _io.restore(cls, arrays, meta)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_write_lock", None)
        state.pop("_state", None)
        state.pop("_extras_of", None)
        state["_analyzers"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "doc_ids_" in state:
            self._write_lock = threading.RLock()
            self._refresh()
            if "_query_defaults" not in state:  # pickled before the options left __init__
                self._query_defaults = self._deprecated_defaults()


@dataclass
class _Block:
    """A block of :meth:`SearchIndex.search_many` between its Python and compiled parts."""

    state: Snapshot
    extras: Extras
    batch: Any  # the analysed queries' rows (_engine._Batch)
    qs: list[QueryTerms] | None  # the queries' terms, kept for highlights
    special: dict[int, tuple[np.ndarray, np.ndarray]]  # queries answered one by one
    wide: int  # hits scored per query
    depth: int  # hits kept per query (before a user re-ranking)
    n: int  # hits asked for
    use_prior: bool
    highlight: bool


class _Batch:
    """One :meth:`SearchIndex.search_many` call's settings, shared by all its blocks, and the
    snapshot they all read (a write during the batch makes a new one); a copy sent to a
    worker process carries no snapshot: there the index's own copy is the batch's."""

    __slots__ = ("highlight", "mask", "n", "opts", "state", "user")

    def __init__(
        self,
        state: Snapshot | None,
        n: int,
        mask: np.ndarray | None,
        opts: QueryOptions,
        highlight: bool,
        user: tuple[Any, Any] | None,
    ) -> None:
        self.state = state
        self.n = n
        self.mask = mask
        self.opts = opts
        self.highlight = highlight
        self.user = user

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Batch, (None, self.n, self.mask, self.opts, self.highlight, self.user))

    def get(self, index: SearchIndex) -> Snapshot:
        if self.state is None:
            self.state = index._snapshot()
        return self.state


# the three steps of a block for pipeline_map (module level, so a process backend pickles them)
def _prepare_block(index: SearchIndex, batch: _Batch, texts: list[str]) -> _Block:
    return index._prepare_block(
        batch.get(index), texts, batch.n, batch.mask, batch.opts, batch.highlight, batch.user
    )


def _score_block(index: SearchIndex, batch: _Batch, block: _Block) -> tuple[np.ndarray, ...]:
    return index._score_block(block, batch.mask)


def _finish_block(
    index: SearchIndex, batch: _Batch, block: _Block, top: tuple[np.ndarray, ...]
) -> list[SearchHits]:
    return index._finish_block(block, top, batch.opts, batch.user)


def _adjust(
    idx: np.ndarray,
    sc: np.ndarray,
    found: np.ndarray,
    special: dict[int, tuple[np.ndarray, np.ndarray]],
    extras: Extras,
    weight: float,
    depth: int,
    use_prior: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A batch's hits with requests' answers put in and the prior applied (as in search)."""
    width = max(idx.shape[1], max((len(r) for r, _ in special.values()), default=0))
    out_idx = np.full((idx.shape[0], width), -1, dtype=np.int64)
    out_sc = np.zeros((idx.shape[0], width), dtype=np.float32)
    if not use_prior:  # the batch's rows as they are (padded alike), the answered ones put in
        out_idx[:, : idx.shape[1]] = idx
        out_sc[:, : sc.shape[1]] = sc
        out_found = found.copy()
        for i, (rows, scores) in special.items():
            out_idx[i] = -1
            out_sc[i] = 0.0
            out_idx[i, : rows.size] = rows
            out_sc[i, : rows.size] = scores
            out_found[i] = rows.size
        return out_idx, out_sc, out_found
    out_found = np.zeros(idx.shape[0], dtype=found.dtype)
    for i, k in enumerate(found.tolist()):
        got = special.get(i)
        if got is None:
            rows, scores = idx[i, :k], sc[i, :k]
            if use_prior:
                rows, scores = extras.reorder(rows, scores, weight, depth)
        else:
            rows, scores = got
        out_idx[i, : rows.size] = rows
        out_sc[i, : rows.size] = scores
        out_found[i] = rows.size
    return out_idx, out_sc, out_found


def _maybe_latin(text: str) -> bool:
    """Whether an ASCII query has a word of letters that is not typed pinyin (the queries
    the Latin precision rule may apply to; see ``Extras.latin_only``)."""
    return any(w.isalpha() and _pinyin.segment(w) is None for w in text.split())


def _number(x: float) -> str:
    """A float as users write it: 3 rather than 3.0, never a numpy repr."""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


def _personal(rerank: Any, user_id: Any) -> bool:
    """Whether a search is re-ranked for a user (`user_id` needs `rerank`)."""
    if user_id is None:
        return False
    if rerank is None:
        raise InputError("user_id was given without rerank=; pass a recommender or a callable.")
    return True


def _warn_query_params(names: list[str], where: str) -> None:
    """Warn that the query-time options `names` were given to the constructor."""
    if not names:
        return
    given = ", ".join(f"{k}=" for k in names)
    what, value = (
        ("is a query-time option", "value is")
        if len(names) == 1
        else ("are query-time options", "values are")
    )
    warnings.warn(
        f"{where}: {given} {what} and will leave the constructor in the next release; pass "
        f"{given} to search() instead (and to search_many(); max_query_length= also to "
        f"suggest() and analyze()). Until then the constructor's {value} this index's default.",
        FutureWarning,
        stacklevel=user_stacklevel(),
    )
