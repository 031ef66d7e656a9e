"""The common sparse-matrix core shared by recommend, social and search.

- :func:`build_csr` / :func:`as_csr` — canonical CSR from coordinates or any scipy sparse input;
- :class:`IdMap` — external ids <-> contiguous indices, with the library-wide ``on_unknown`` policy;
- weighting — :func:`normalize`, :func:`tfidf`, :func:`bm25`, :func:`confidence`, :func:`log_scale`;
- :func:`topk` — top-k per row of dense or sparse scores, with exclusions, chunked.
"""

from ._build import DUPLICATES, as_csr, build_csr, row_indices
from ._idmap import ON_UNKNOWN, IdMap, as_id_array

__all__ = [
    "DUPLICATES",
    "ON_UNKNOWN",
    "IdMap",
    "as_csr",
    "as_id_array",
    "build_csr",
    "row_indices",
]
