"""Block scoring for the Recommender API (private): picklable score functions and audiences."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .._parallel import blocks, parallel_map
from ..exceptions import InputError
from ..sparse import row_indices, topk
from ._inputs import Query, take_rows

__all__ = [
    "BlockScorer",
    "SimilarityScorer",
    "allowed_mask",
    "audience",
    "block_rows",
    "dense_scores",
    "factor_block_rows",
    "fused_topn",
]

#: Scores held per block: about 4M float32 cells (16 MB).
_BLOCK_CELLS = 1 << 22
#: Fewest rows per block: with fewer, a factor model's product is bound by reading the item
#: factors once per block (1M films, 128 factors, one core: 85 M cells/s with 4 rows, 190 M
#: with 32, 215 M with 128), so huge catalogues get 32-row blocks (128 MB at 1M films).
_MIN_ROWS = 32


def block_rows(n_cols: int) -> int:
    """Rows per block so that a block of scores holds about 4M cells (32..4096 rows)."""
    return int(max(_MIN_ROWS, min(4096, _BLOCK_CELLS // max(n_cols, 1))))


def allowed_mask(
    model: Any, seen: Any, filter_seen: bool, candidates: np.ndarray | None
) -> np.ndarray | None:
    """``(seen.shape[0], n_items)`` mask of the films that may be returned to the users
    whose seen films are the rows of `seen` (None unless the model reads it, see
    ``Recommender._uses_allowed``)."""
    if not model._uses_allowed:
        return None
    n_items = model._n_items()
    if candidates is None:
        mask = np.ones((seen.shape[0], n_items), dtype=bool)
    else:
        mask = np.zeros((seen.shape[0], n_items), dtype=bool)
        mask[:, candidates] = True
    if filter_seen:
        mask[row_indices(seen), seen.indices] = False
    return mask


class BlockScorer:
    """``f(start, stop)``: scores of query users ``start..stop-1`` (a ``topk_blocks`` score_fn).

    Users flagged ``popular`` get the training popularity of the items; the others the
    model's scores (told which films may be returned: not among the query's seen films
    when `filter_seen`, and among `candidates`). Picklable when the model is, so process backends can run it.
    """

    def __init__(
        self,
        model: Any,
        query: Query,
        cols: np.ndarray | None,
        *,
        filter_seen: bool = False,
        candidates: np.ndarray | None = None,
    ) -> None:
        self.model = model
        self.query = query
        self.cols = cols
        self.filter_seen = filter_seen
        self.candidates = candidates

    def __call__(self, start: int, stop: int) -> np.ndarray:
        q, cols, model = self.query, self.cols, self.model
        dtype = model._score_dtype
        rows = q.rows[start:stop]
        H = q.history[start:stop]
        pop = q.popular[start:stop]
        seen = q.seen[start:stop] if model._uses_allowed and q.seen is not q.history else H
        allowed = allowed_mask(model, seen, self.filter_seen, self.candidates)
        if not pop.any():
            return np.asarray(model._scores(H, rows, cols, allowed), dtype=dtype)
        base = model.item_popularity_ if cols is None else model.item_popularity_[cols]
        out = np.empty((stop - start, base.size), dtype=dtype)
        out[pop] = base
        ok = np.flatnonzero(~pop)
        if ok.size:
            part = None if allowed is None else allowed[ok]
            out[ok] = model._scores(take_rows(H, ok), rows[ok], cols, part)
        return out

    def select_top(
        self,
        start: int,
        stop: int,
        k: int,
        exclude: tuple[np.ndarray, np.ndarray] | None,
        candidates: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, int] | None:
        """Top-`k` of the block from the model's ``_select_top`` (no dense scores), or
        None when the model has none or the block needs the dense path (see
        :func:`~filmreco.sparse.topk_blocks`)."""
        fast = getattr(self.model, "_select_top", None)
        q = self.query
        if fast is None or self.cols is not None or self.model._uses_allowed:
            return None
        if q.popular[start:stop].any():
            return None
        got = fast(q.history[start:stop], k, exclude, candidates)
        return None if got is None else (got[0], got[1], self.model._n_items())


class SimilarityScorer:
    """``f(start, stop)``: item-item similarity rows of items ``rows[start:stop]``."""

    def __init__(self, model: Any, rows: np.ndarray) -> None:
        self.model = model
        self.rows = rows

    def __call__(self, start: int, stop: int) -> np.ndarray:
        return np.asarray(self.model._similarity(self.rows[start:stop], None), dtype=np.float32)


def _score_rows(scorer: Any, start: int, stop: int) -> np.ndarray:
    return np.asarray(scorer(start, stop), dtype=np.float32)  # what score() returns


def dense_scores(scorer: Any, n_rows: int, n_cols: int, n_jobs: Any) -> np.ndarray:
    """All ``n_rows`` rows of ``scorer(start, stop)``, in blocks of :func:`block_rows`
    through the parallel seam (so the scores are those :meth:`recommend` ranks)."""
    parts = blocks(n_rows, block_rows(n_cols))
    out = parallel_map(_score_rows, parts, shared=(scorer,), n_jobs=n_jobs, prefer="threads")
    return np.concatenate(out) if out else np.zeros((0, n_cols), dtype=np.float32)


def _audience_block(
    model: Any, cols: np.ndarray, n: int, filter_seen: bool, urows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    H = take_rows(model.user_items_, urows)
    rated = model._seen_rows(urows, H)
    allowed = allowed_mask(model, rated, filter_seen, None)
    S = np.asarray(model._scores(H, urows, cols, allowed), dtype=model._score_dtype)
    seen = rated[:, cols].T.tocsr() if filter_seen else None
    return topk(np.ascontiguousarray(S.T), n, exclude=seen)


def audience(
    model: Any, urows: np.ndarray, cols: np.ndarray, n: int, filter_seen: bool, n_jobs: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Top-`n` positions in `urows` per item of `cols`, merged over blocks of users."""
    if urows.size == 0 or cols.size == 0 or n == 0:
        shape = (cols.size, n)
        return np.full(shape, -1, dtype=np.int64), np.full(shape, -np.inf, model._score_dtype)
    # a model that ranks over the allowed films scores every film of a block of users
    size = block_rows(model._n_items() if model._uses_allowed else max(cols.size, 64))
    parts = blocks(urows.size, size)
    tasks = [(urows[a:b],) for a, b in parts]
    results = parallel_map(
        _audience_block,
        tasks,
        shared=(model, cols, n, filter_seen),
        n_jobs=n_jobs,
        prefer="threads",
    )
    idx = np.concatenate(
        [np.where(r[0] >= 0, r[0] + a, -1) for r, (a, _) in zip(results, parts)], axis=1
    )
    val = np.concatenate([r[1] for r in results], axis=1)
    if len(results) == 1:
        return idx, val
    pick, best = topk(val, n)
    out = np.where(pick >= 0, np.take_along_axis(idx, np.maximum(pick, 0), axis=1), -1)
    return out, best


# -- fused serving (factor models): score a block, then one compiled pass selects ----------
#: Scores per block of the fused path: about 2M float32 cells (8 MB), so the block the
#: product writes is still in cache when the selection reads it (1M..4M measured within
#: a few % at 30k films).
_FUSED_CELLS = 1 << 21
#: Rows per block at least: fewer makes the product bound by reading the item factors.
_FUSED_MIN_ROWS = 64


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 << 30


def factor_block_rows(n_items: int, n_factors: int) -> int:
    """Rows per block of :func:`fused_topn` for a catalogue of `n_items` films.

    About 2M scores per block (the product's output stays in cache for the selection),
    at least 64 rows (the product is bound by reading the ``n_items x n_factors`` item
    factors once per block otherwise) and at most 4096; capped so that one block per
    core takes at most 1/8 of the machine's memory (1M films: 64 rows, 256 MB each).
    Depends on the catalogue and the machine only, never on ``n_jobs``: the scores of a
    row are the same bits whatever the number of workers.
    """
    m = max(int(n_items), 1)
    per_row = 4 * (m + int(n_factors))
    rows = max(_FUSED_MIN_ROWS, _FUSED_CELLS // m)
    budget = _physical_memory() // (8 * max(os.cpu_count() or 1, 1))
    rows = min(rows, max(8, budget // per_row))
    return int(max(1, min(4096, rows)))


def _fused_block(
    scorer: Any,
    n: int,
    seen_indptr: np.ndarray,
    seen_indices: np.ndarray,
    allowed: np.ndarray,
    start: int,
    stop: int,
) -> tuple[np.ndarray, np.ndarray]:
    from ._kernels import select_topn

    S = np.asarray(scorer(start, stop), dtype=np.float32)
    if S.base is not None or not (S.flags.c_contiguous and S.flags.writeable):
        S = np.array(S, dtype=np.float32, order="C")  # a view of someone's array: copy
    if seen_indptr.size:
        a, b = seen_indptr[start], seen_indptr[stop]
        ptr = seen_indptr[start : stop + 1] - a
        ind = seen_indices[a:b]
    else:
        ptr, ind = seen_indptr, seen_indices
    idx = np.empty((stop - start, n), dtype=np.int64)
    val = np.empty((stop - start, n), dtype=np.float32)
    if select_topn(S, n, ptr, ind, allowed, idx, val):
        raise InputError(
            f"the scores contain NaN (in rows {start}..{stop - 1}); the model's factors "
            "overflow float32: refit with a larger regularization or smaller values."
        )
    return idx, val


def fused_topn(
    scorer: Any,
    n_rows: int,
    n_items: int,
    n: int,
    *,
    block_size: int,
    seen: Any = None,
    candidates: np.ndarray | None = None,
    n_jobs: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-`n` films of `n_rows` query users: ``scorer(start, stop)`` blocks, each reduced
    by one compiled pass (:func:`~filmreco.recommend._kernels.select_topn`) that sets the
    seen films (CSR `seen`, no dense mask) to ``-inf`` and keeps the best `n`.

    A block the scorer returns is overwritten when it owns its memory (a fresh
    product), copied first when it is a view. The same lists as
    :func:`filmreco.sparse.topk_blocks` with ``exclude=seen`` and
    `candidates` (same order, ties by the smaller column, ``-1``/``-inf`` padding), in
    blocks of `block_size` rows through the parallel seam.
    """
    if seen is not None:
        s_ptr = np.asarray(seen.indptr, dtype=np.int64)
        s_ind = np.asarray(seen.indices, dtype=np.int64)
    else:
        s_ptr = s_ind = np.zeros(0, dtype=np.int64)
    allowed = np.zeros(0, dtype=np.bool_)
    if candidates is not None:
        allowed = np.zeros(n_items, dtype=np.bool_)
        allowed[candidates] = True
    if n_rows == 0:
        return np.zeros((0, n), dtype=np.int64), np.zeros((0, n), dtype=np.float32)
    parts = blocks(n_rows, block_size)
    out = parallel_map(
        _fused_block,
        parts,
        shared=(scorer, n, s_ptr, s_ind, allowed),
        n_jobs=n_jobs,
        prefer="threads",
    )
    return np.concatenate([r[0] for r in out]), np.concatenate([r[1] for r in out])
