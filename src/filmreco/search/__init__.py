"""Chinese-first search over a film catalogue.

>>> from filmreco.search import SearchIndex
>>> index = SearchIndex().fit([{"id": "a", "title": "星际穿越"}, {"id": "b", "title": "流浪地球"}])
>>> index.search("xingjichuanyue").ids.tolist()
['a']

- :class:`SearchIndex` — fit on records or a :class:`~filmreco.data.Catalog`; ``search``,
  ``search_many``, ``suggest``, ``add``/``update``/``delete``, ``save``/``load``;
- :class:`SearchHits` — ids, scores and optional highlights of one query;
- :func:`evaluate_search` — MRR, recall and NDCG of an index on a set of judged queries;
- :mod:`filmreco.search.analyze` and :mod:`filmreco.search.query` — the analyzers of
  records and of queries (normalisation, words, n-grams, pinyin, synonyms), usable on their
  own.
"""

from .analyze import CHANNELS, DictionaryScan, FieldAnalyzer, SynonymTable, normalize
from .evaluation import evaluate_search
from .index import DEFAULT_FIELDS, DEFAULT_NAME_FIELDS, DEFAULT_WEIGHTS, SearchHits, SearchIndex
from .query import QueryAnalyzer, QueryTerms

__all__ = [
    "CHANNELS",
    "DEFAULT_FIELDS",
    "DEFAULT_NAME_FIELDS",
    "DEFAULT_WEIGHTS",
    "DictionaryScan",
    "FieldAnalyzer",
    "QueryAnalyzer",
    "QueryTerms",
    "SearchHits",
    "SearchIndex",
    "SynonymTable",
    "evaluate_search",
    "normalize",
]
