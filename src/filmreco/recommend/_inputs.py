"""Input coercion shared by the recommenders (private): training data, users, items, rows."""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from .._validation import check_csr, check_option, shorten, user_stacklevel
from ..data import Interactions
from ..data._ops import pattern_from
from ..exceptions import DataWarning, InputError, InputTypeError, UnknownIdError
from ..sparse import IdMap, build_csr, row_indices

__all__ = [
    "ON_UNKNOWN_USERS",
    "Query",
    "align_items",
    "empty_rows",
    "history_for",
    "known_rows",
    "seen_for",
    "seen_of",
    "take_rows",
    "training_data",
]

#: Policies for users a model does not know.
ON_UNKNOWN_USERS = ("raise", "popular")

#: What to do about a value beyond float32's range, in a model's training data.
_RESCALE = "the models compute in float32: rescale the values (e.g. divide them by their maximum)"


class Query(NamedTuple):
    """Users of one call: who they are and what they have seen, in the model's item space."""

    rows: np.ndarray  # int64 model row of each query user; -1: score from `history` alone
    history: sp.csr_array  # (n_query, n_items) interactions (positives) used for scoring
    popular: np.ndarray  # bool: answer with the popularity fallback
    seen: sp.csr_array  # (n_query, n_items) films filtered by filter_seen (history or more)

    @property
    def n(self) -> int:
        return int(self.rows.size)


def training_data(interactions: Any) -> tuple[sp.csr_array, IdMap, IdMap, np.ndarray | None]:
    """Matrix (a float32 copy), user and item id maps and timestamps of the training data."""
    if isinstance(interactions, Interactions):
        X, users, items = interactions.matrix, interactions.user_ids, interactions.item_ids
        ts = interactions.timestamps
    elif sp.issparse(interactions):
        X, ts = interactions, None
        users, items = IdMap(np.arange(X.shape[0])), IdMap(np.arange(X.shape[1]))
    else:
        raise InputTypeError(
            "interactions must be a filmreco.data.Interactions (or a scipy sparse users x items "
            f"matrix), got {type(interactions).__name__}; build one with "
            "Interactions.from_arrays(user_ids, item_ids, values)."
        )
    X = check_csr(
        X, "interactions.matrix", dtype=np.float32, nonnegative=True, copy=True, advice=_RESCALE
    )
    return X, users, items, ts


def seen_of(interactions: Any, items: IdMap | None = None) -> sp.csr_array | None:
    """The seen set of an Interactions holding pairs outside its matrix, else None.

    With `items`, its columns are mapped to those items by id (films not among them are
    dropped: they cannot be recommended anyway).
    """
    if not isinstance(interactions, Interactions):
        return None
    S = interactions.seen
    if S.nnz == interactions.nnz:
        return None
    if items is None:
        return S
    pos = items.index(interactions.item_ids.ids, on_unknown="mask", name="item ids")
    col = pos[S.indices]
    keep = col >= 0
    return pattern_from(row_indices(S)[keep], col[keep], (S.shape[0], len(items)))


def seen_for(user_ids: np.ndarray, data: Any, items: IdMap) -> sp.csr_array | None:
    """Rows of the seen set of `data` (an Interactions) for `user_ids`, as in
    :func:`history_for`; None when `data` holds no pair outside its matrix."""
    S = seen_of(data, items)
    if S is None:
        return None
    return take_rows(S, data.user_ids.index(user_ids, on_unknown="mask", name="user_ids"))


def empty_rows(n_rows: int, n_cols: int) -> sp.csr_array:
    """An all-empty CSR array."""
    return sp.csr_array(
        (np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(n_rows + 1, np.int64)),
        shape=(n_rows, n_cols),
    )


def take_rows(X: sp.csr_array, rows: np.ndarray) -> sp.csr_array:
    """Rows of `X` in the order given (repeats allowed); ``-1`` gives an empty row."""
    rows = np.asarray(rows, dtype=np.int64)
    ok = rows >= 0
    if not ok.any():  # also when X has no rows (every user erased)
        out = empty_rows(rows.size, X.shape[1]).astype(X.dtype)
        return sp.csr_array(out)
    safe = np.where(ok, rows, 0)
    lengths = np.where(ok, np.diff(X.indptr)[safe], 0)
    indptr = np.zeros(rows.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    start = np.repeat(X.indptr[safe].astype(np.int64) - indptr[:-1], lengths)
    pos = start + np.arange(int(indptr[-1]), dtype=np.int64)
    out = sp.csr_array((X.data[pos], X.indices[pos], indptr), shape=(rows.size, X.shape[1]))
    out.has_canonical_format = True
    return out


def known_rows(idmap: IdMap, ids: np.ndarray) -> np.ndarray:
    """Sorted unique indices of the `ids` that `idmap` knows (others, of any kind, ignored)."""
    if len(idmap) == 0 or ids.size == 0:
        return np.zeros(0, dtype=np.int64)
    kind = idmap.kind
    if kind == "str":
        q = np.asarray([x for x in ids.tolist() if isinstance(x, str)], dtype=str)
    elif kind == "int":
        q = np.asarray(
            [x for x in ids.tolist() if isinstance(x, (int, np.integer))], dtype=np.int64
        )
    else:
        q = ids.astype(object)
    if not q.size:
        return np.zeros(0, dtype=np.int64)
    return np.unique(idmap.index(q, on_unknown="ignore")).astype(np.int64)


def align_items(
    data: Any, items: IdMap, *, name: str, on_unknown: str
) -> tuple[sp.csr_array, IdMap]:
    """The matrix of `data` with columns in the order of `items`, and its user map.

    `data` is an :class:`Interactions` (columns mapped by external item id) or a sparse
    matrix whose columns already are the model's items. Items the model does not know
    raise :class:`UnknownIdError`, or are dropped with a DataWarning (``"ignore"``).
    """
    check_option(on_unknown, ("raise", "ignore"), "on_unknown")
    if isinstance(data, Interactions):
        X = data.matrix
        pos = items.index(data.item_ids.ids, on_unknown="mask", name=f"{name} item ids")
        unknown = pos < 0
        if unknown.any():
            used = np.bincount(X.indices, minlength=X.shape[1])[unknown]
            if on_unknown == "raise" and used.sum() > 0:
                bad = data.item_ids.ids[unknown][:5].tolist()
                raise UnknownIdError(
                    f"{name} holds {int(used.sum())} interactions with {int(unknown.sum())} "
                    f"item(s) this model was not fitted on (e.g. {shorten(bad)}); refit the model, or "
                    "pass on_unknown='ignore' to drop them."
                )
            if used.sum() > 0:
                warnings.warn(
                    f"dropped {int(used.sum())} interactions with items unknown to the model "
                    "(on_unknown='ignore').",
                    DataWarning,
                    stacklevel=user_stacklevel(),
                )
        row = row_indices(X)
        col = pos[X.indices]
        keep = col >= 0
        M = build_csr(
            row[keep], col[keep], X.data[keep], shape=(X.shape[0], len(items)), duplicates="sum"
        )
        return M, data.user_ids
    if sp.issparse(data):
        M = check_csr(data, name, dtype=np.float32, nonnegative=True, copy=True, advice=_RESCALE)
        if M.shape[1] != len(items):
            raise InputError(
                f"{name} has {M.shape[1]} columns but the model knows {len(items)} items; pass "
                "an Interactions (mapped by item id) or a matrix over the model's item_ids_."
            )
        return M, IdMap(np.arange(M.shape[0]))
    raise InputTypeError(
        f"{name} must be an Interactions or a scipy sparse matrix, got {type(data).__name__}."
    )


def history_for(
    user_ids: np.ndarray, data: Any, items: IdMap, *, name: str = "user_items"
) -> sp.csr_array:
    """Rows of `data` for `user_ids`: by external id for an Interactions, positionally for a
    matrix (one row per query user). Users absent from an Interactions get an empty row."""
    M, umap = align_items(data, items, name=name, on_unknown="raise")
    if isinstance(data, Interactions):
        rows = umap.index(user_ids, on_unknown="mask", name="user_ids")
        return take_rows(M, rows)
    n = user_ids.size
    if M.shape[0] != n:
        raise InputError(
            f"{name} has {M.shape[0]} rows but {n} user_ids were given; give one row per user, "
            "or an Interactions keyed by user id."
        )
    return M
