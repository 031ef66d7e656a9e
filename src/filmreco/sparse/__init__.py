"""The common sparse-matrix core shared by recommend, social and search.

- :func:`build_csr` / :func:`as_csr` — canonical CSR from coordinates or any scipy sparse input;
- :class:`IdMap` — external ids <-> contiguous indices, with the library-wide ``on_unknown`` policy;
- weighting — :func:`normalize`, :func:`tfidf`, :func:`bm25` (with :func:`idf_weights`,
  :func:`document_frequency`), :func:`confidence`, :func:`log_scale`;
- :func:`topk` / :func:`topk_blocks` — top-k per row of dense or sparse scores, with exclusions
  and candidate filters, or of scores produced block by block (:func:`factor_scores`).
"""

from ._build import DUPLICATES, as_csr, build_csr, row_indices
from ._idmap import ON_UNKNOWN, IdMap, as_id_array
from ._topk import FactorScores, factor_scores, topk, topk_blocks
from ._weighting import (
    CONFIDENCE_FORMS,
    IDF,
    NORMS,
    bm25,
    confidence,
    document_frequency,
    idf_weights,
    log_scale,
    normalize,
    tfidf,
)

__all__ = [
    "CONFIDENCE_FORMS",
    "DUPLICATES",
    "IDF",
    "NORMS",
    "ON_UNKNOWN",
    "FactorScores",
    "IdMap",
    "as_csr",
    "as_id_array",
    "bm25",
    "build_csr",
    "confidence",
    "document_frequency",
    "factor_scores",
    "idf_weights",
    "log_scale",
    "normalize",
    "row_indices",
    "tfidf",
    "topk",
    "topk_blocks",
]
