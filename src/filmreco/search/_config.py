"""From a SearchIndex's parameters and records to a checked configuration and analyzed records."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._validation import (
    check_int,
    check_iterable,
    check_real,
    lookup_option,
    shorten,
    user_stacklevel,
)
from ..exceptions import DataWarning, InputError, InputTypeError
from ..text import CHINESE_STOP_WORDS, Tokenizer
from ._bm25 import RANKINGS
from ._highlight import Highlighter
from ._records import cap_texts, field_texts
from .analyze import CHANNELS, DictionaryScan, FieldAnalyzer, SynonymTable, normalize

__all__ = [
    "DEFAULT_FIELDS",
    "DEFAULT_NAME_FIELDS",
    "DEFAULT_QUERY_OPTIONS",
    "DEFAULT_WEIGHTS",
    "QUERY_DEFAULTS",
    "QUERY_OPTIONS",
    "Config",
    "QueryOptions",
    "analyze_records",
    "check_query_option",
    "field_analyzers",
    "query_options",
    "resolve",
]

#: Fields searched by default (those present in the records), with their boosts.
DEFAULT_FIELDS: dict[str, float] = {
    "title": 3.0,
    "aliases": 2.5,
    "people": 1.5,
    "directors": 1.5,
    "actors": 1.5,
    "genres": 1.0,
    "tags": 1.0,
    "region": 0.5,
    "year": 0.5,
    "description": 0.5,
    "summary": 0.5,
}
#: Fields treated as names by default: whole-name words, pinyin, autocomplete.
DEFAULT_NAME_FIELDS = ("title", "aliases", "people", "directors", "actors")
#: Default weight of each channel (see :mod:`filmreco.search.analyze`).
DEFAULT_WEIGHTS: dict[str, float] = {
    "word": 1.0,
    "ngram": 0.5,
    "syllable": 0.5,
    "pinyin": 1.0,
    "initials": 1.0,
}
_B_NAME, _B_TEXT = 0.3, 0.75
#: Largest field boost, channel weight and prior weight, and smallest positive boost or
#: weight: beyond them the float32 scores overflow to inf (every hit ties) or round to 0
#: (hits that cannot be ranked or re-ranked).
MAX_WEIGHT, MIN_WEIGHT = 1e6, 1e-6
#: Largest BM25 saturation k1 (common values: 1.2 to 2; beyond, BM25 is plain tf-idf).
MAX_K1 = 1000.0
_WORDS = {"scan": "scan", "jieba": "jieba"}


@dataclass(frozen=True)
class Config:
    """Resolved, validated settings of an index (what ``fit`` derived from the params)."""

    boosts: dict[str, float]
    name_fields: tuple[str, ...]
    id_field: str
    ranking: str
    k1: Any
    b: dict[str, float]
    weights: dict[str, float]
    stop_words: frozenset[str]
    user_words: tuple[str, ...]
    synonyms: SynonymTable
    ngram: int
    pinyin: bool
    fuzzy: bool
    fuzzy_weight: float
    homophone_weight: float
    to_simplified: bool
    hmm: bool
    words: str
    max_field_chars: int
    prior_field: str | None = None
    prior_weight: float = 0.1
    intents: bool = True


def _weight(value: Any, name: str, *, zero: bool) -> float:
    """A boost or weight: 0 (when `zero`) or within [MIN_WEIGHT, MAX_WEIGHT], else an
    InputError naming `name`."""
    v = check_real(value, name, min_value=0.0, max_value=MAX_WEIGHT, min_inclusive=zero)
    if 0.0 < v < MIN_WEIGHT:
        raise InputError(
            f"{name} must be {'0 or ' if zero else ''}at least {MIN_WEIGHT:g}, got {v:g}: scores "
            "that small round to 0 and cannot be ranked; scale all the weights up together "
            "(only their ratios matter)."
        )
    return v


def _per_field(
    value: Any, fields: Sequence[str], name: str, default: float, **bounds: Any
) -> dict[str, float]:
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(fields))
        if unknown:
            raise InputError(
                f"{name} names fields that are not searched: {shorten(unknown)}; fields: {shorten(list(fields), 300)}."
            )
        return {
            f: check_real(value.get(f, default), f"{name}[{shorten(f)}]", **bounds) for f in fields
        }
    v = check_real(value, name, **bounds)
    return dict.fromkeys(fields, v)


def _boosts(params: Mapping[str, Any], present: set[str], has_records: bool) -> dict[str, float]:
    fields = params["fields"]
    if fields is None:
        boosts = {f: w for f, w in DEFAULT_FIELDS.items() if f in present}
        if not has_records:
            raise InputError(
                "records is empty: there is nothing to index. Pass at least one record, or "
                "name the fields to search with SearchIndex(fields={...}) to start an empty "
                "index that add() fills later."
            )
        if not boosts:
            raise InputError(
                f"none of the default fields {sorted(DEFAULT_FIELDS)} is in the records "
                f"(fields: {shorten(sorted(present), 300)}); say which to search with SearchIndex(fields={{...}})."
            )
        return boosts
    if not isinstance(fields, Mapping) or not fields:
        raise InputError(
            f"fields must be a non-empty dict of field -> boost, got {shorten(fields)}."
        )
    boosts = {}
    for f, w in fields.items():
        if not isinstance(f, str):
            raise InputError(f"fields keys must be field names (str), got {shorten(f)}.")
        boosts[f] = _weight(w, f"fields[{shorten(f)}]", zero=False)
    missing = sorted(set(boosts) - present) if has_records else []
    if missing:
        raise InputError(
            f"fields {shorten(missing)} are in no record; the records have "
            f"{shorten(sorted(present), 300)}."
        )
    return boosts


def _names(params: Mapping[str, Any], boosts: Mapping[str, float]) -> tuple[str, ...]:
    given = params["name_fields"]
    if given is None:
        return tuple(f for f in DEFAULT_NAME_FIELDS if f in boosts)
    if isinstance(given, str):
        raise InputError("name_fields must be a list of field names, got a str.")
    names = tuple(check_iterable(given, "name_fields"))
    if not all(isinstance(f, str) for f in names):
        raise InputTypeError(f"name_fields must hold field names (str), got {given!r}.")
    bad = sorted(set(names) - set(boosts))
    if bad:
        raise InputError(
            f"name_fields {shorten(bad)} are not among the searched fields {shorten(list(boosts), 300)}."
        )
    return names


def resolve(
    params: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
    id_field: str,
    *,
    boosts: Mapping[str, float] | None = None,
    names: Sequence[str] | None = None,
) -> Config:
    """Check the parameters of a SearchIndex against its records.

    `boosts` and `names` (from a saved index) replace the lookup of the searched fields.
    """
    present = {k for r in records for k in r}
    if boosts is not None:
        boosts = {str(f): float(w) for f, w in boosts.items()}
    else:
        boosts = _boosts(params, present, bool(records))
    if id_field in boosts:
        raise InputError(f"the id field {shorten(id_field)} cannot be a searched field.")
    fields = list(boosts)
    names = tuple(names) if names is not None else _names(params, boosts)
    ranking = str(lookup_option(dict(zip(RANKINGS, RANKINGS)), params["ranking"], "ranking"))
    k1_given = params["k1"]
    if isinstance(k1_given, Mapping) and ranking != "bm25-sum":
        raise InputError(
            "k1 per field needs ranking='bm25-sum'; BM25F ('bm25') has one saturation k1."
        )
    k1: Any = (
        _per_field(k1_given, fields, "k1", 1.2, min_value=0.0, max_value=MAX_K1)
        if isinstance(k1_given, Mapping) or ranking == "bm25-sum"
        else check_real(k1_given, "k1", min_value=0.0, max_value=MAX_K1)
    )
    if params["b"] is None:  # short name fields: little length normalisation (BM25F practice)
        b = {f: (_B_NAME if f in names else _B_TEXT) for f in fields}
    else:
        b = _per_field(params["b"], fields, "b", _B_TEXT, min_value=0.0, max_value=1.0)
    weights = dict(DEFAULT_WEIGHTS)
    if params["weights"] is not None and not isinstance(params["weights"], Mapping):
        raise InputTypeError(
            f"weights must be a dict of channel -> weight, got {type(params['weights']).__name__}."
        )
    for c, w in dict(params["weights"] or {}).items():
        lookup_option(dict.fromkeys(CHANNELS), c, "weights key")
        weights[c] = _weight(w, f"weights[{shorten(c)}]", zero=True)
    stop_words = params["stop_words"]
    if stop_words is None:
        stop: frozenset[str] = frozenset()
    elif isinstance(stop_words, str):
        lookup_option({"chinese": None}, stop_words, "stop_words")
        stop = CHINESE_STOP_WORDS
    else:
        stop_list = check_iterable(stop_words, "stop_words")
        if not all(isinstance(w, str) for w in stop_list):
            raise InputTypeError("stop_words must hold str only.")
        stop = frozenset(normalize(w) for w in stop_list)
    if isinstance(params["user_words"], str):
        raise InputError("user_words must be a list of words, got a str.")
    check_iterable(params["user_words"], "user_words")
    prior_field = params.get("prior_field")
    if prior_field is not None:
        if not isinstance(prior_field, str):
            raise InputTypeError(
                f"prior_field must be the name of a numeric field (str) or None, got "
                f"{shorten(prior_field)} ({type(prior_field).__name__})."
            )
        if records and prior_field not in present:
            raise InputError(
                f"prior_field={shorten(prior_field)} is in no record; the records have "
                f"{shorten(sorted(present), 300)}."
            )
        if prior_field == id_field:
            raise InputError(f"prior_field cannot be the id field {shorten(id_field)}.")
    for flag in ("pinyin", "fuzzy", "to_simplified", "hmm", "intents"):
        if not isinstance(params[flag], bool):
            raise InputTypeError(f"{flag} must be True or False, got {shorten(params[flag])}.")
    return Config(
        boosts=boosts,
        name_fields=names,
        id_field=id_field,
        ranking=ranking,
        k1=k1,
        b=b,
        weights=weights,
        stop_words=stop,
        user_words=tuple(str(w) for w in params["user_words"]),
        synonyms=SynonymTable(params["synonyms"]),
        ngram=check_int(params["ngram"], "ngram", min_value=1, max_value=8),
        pinyin=params["pinyin"],
        fuzzy=params["fuzzy"],
        fuzzy_weight=check_real(
            params["fuzzy_weight"], "fuzzy_weight", min_value=0.0, max_value=1.0
        ),
        homophone_weight=check_real(
            params["homophone_weight"], "homophone_weight", min_value=0.0, max_value=1.0
        ),
        to_simplified=params["to_simplified"],
        hmm=params["hmm"],
        words=lookup_option(_WORDS, params["words"], "words"),
        max_field_chars=check_int(params["max_field_chars"], "max_field_chars", min_value=1),
        prior_field=prior_field,
        prior_weight=check_real(
            params["prior_weight"], "prior_weight", min_value=0.0, max_value=MAX_WEIGHT
        ),
        intents=params["intents"],
    )


# ---------------------------------------------------------------------- query-time options
#: The options that apply when searching, with their defaults: keyword arguments of
#: ``SearchIndex.search`` (and ``search_many``; ``max_query_length`` also of ``analyze`` and
#: ``suggest``). The constructor accepts them until the next release, deprecated.
QUERY_DEFAULTS: dict[str, Any] = {
    "max_query_length": 256,
    "rerank_weight": 0.3,
    "rerank_depth": 100,
    "highlight_tags": ("<em>", "</em>"),
    "snippet_chars": 80,
}
QUERY_OPTIONS = tuple(QUERY_DEFAULTS)


@dataclass(frozen=True)
class QueryOptions:
    """Checked query-time options of one call (see :data:`QUERY_DEFAULTS`)."""

    max_query_length: int
    rerank_weight: float
    rerank_depth: int
    highlight_tags: tuple[str, str]
    snippet_chars: int

    def highlighter(self) -> Highlighter:
        """The highlighter these options describe."""
        pre, post = self.highlight_tags
        return Highlighter(pre=pre, post=post, max_chars=self.snippet_chars)


def check_query_option(name: str, value: Any) -> Any:
    """`value` of the query-time option `name`, checked (an InputError names the option)."""
    if name == "max_query_length":
        return check_int(value, name, min_value=1)
    if name == "rerank_weight":
        return check_real(value, name, min_value=0.0, max_value=1.0)
    if name == "rerank_depth":
        return check_int(value, name, min_value=1)
    if name == "snippet_chars":
        return check_int(value, name, min_value=8)
    if not (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(t, str) for t in value)
    ):
        raise InputError(
            f"highlight_tags must be a pair of str (before, after), got {shorten(value)}."
        )
    return (value[0], value[1])


#: The library defaults, checked.
DEFAULT_QUERY_OPTIONS = QueryOptions(
    **{k: check_query_option(k, v) for k, v in QUERY_DEFAULTS.items()}
)


def query_options(base: QueryOptions, given: Mapping[str, Any]) -> QueryOptions:
    """`base` with the options of `given` that are not None, checked."""
    changed = {k: check_query_option(k, v) for k, v in given.items() if v is not None}
    if not changed:
        return base
    return QueryOptions(**{**vars(base), **changed})


def field_analyzers(cfg: Config) -> dict[str, FieldAnalyzer]:
    """One analyzer per searched field."""
    words = [w for w in (normalize(u) for u in cfg.user_words) if w and " " not in w]
    # names: jieba's search mode, so a title also gives its dictionary words (星际穿越 ->
    # 星际, 穿越); text: every dictionary word in it (DictionaryScan), or jieba's accurate
    # mode with words="jieba"
    names = Tokenizer(words, mode="search", hmm=cfg.hmm)
    text: Any = (
        DictionaryScan(words)
        if cfg.words == "scan"
        else Tokenizer(words, mode="default", hmm=cfg.hmm)
    )
    return {
        f: FieldAnalyzer(
            names if f in cfg.name_fields else text,
            name=f in cfg.name_fields,
            stop_words=cfg.stop_words,
            n=cfg.ngram,
            pinyin=cfg.pinyin,
        )
        for f in cfg.boosts
    }


Analysed = dict[str, dict[str, list[str]]]  # field -> channel -> terms


def analyze_records(
    analyzers: Mapping[str, FieldAnalyzer], cfg: Config, recs: Sequence[Mapping[str, Any]]
) -> list[Analysed]:
    """The terms of every record, field and channel (a name is analysed once per call).

    Only the first ``cfg.max_field_chars`` characters of a field are analysed; the fields
    cut are reported in one :class:`~filmreco.exceptions.DataWarning`.
    """
    cache: dict[tuple[str, str], dict[str, list[str]]] = {}
    out = []
    cut: list[tuple[Any, str, int]] = []  # (record id, field, characters) of the fields cut
    limit = cfg.max_field_chars
    for rec in recs:
        doc: Analysed = {}
        for f, fa in analyzers.items():
            texts, n_chars = cap_texts(field_texts(rec.get(f)), limit)
            if not texts:
                continue
            if n_chars > limit:
                cut.append((rec.get(cfg.id_field), f, n_chars))
            if not fa.name:
                doc[f] = fa([normalize(t, to_simplified=cfg.to_simplified) for t in texts])
                continue
            per_value = []
            for t in texts:  # names repeat across films (actors): analyse each once
                got = cache.get((f, t))
                if got is None:
                    got = cache[(f, t)] = fa([normalize(t, to_simplified=cfg.to_simplified)])
                per_value.append(got)
            if len(per_value) == 1:
                doc[f] = per_value[0]
            else:
                doc[f] = {c: [t for got in per_value for t in got[c]] for c in CHANNELS}
        out.append(doc)
    if cut:
        ident, field, n_chars = cut[0]
        warnings.warn(
            f"{len(cut)} field value(s) longer than max_field_chars={limit:,} characters were "
            f"cut (e.g. record {shorten(ident)}, field {field!r}: {n_chars:,} characters); "
            "only the first max_field_chars characters of a field are indexed and highlighted. "
            "Raise max_field_chars= to index more.",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
    return out
