"""The shared part of item-item models that keep a pruned sparse similarity matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._persist import csr_from_arrays
from ..sparse import build_csr, topk_blocks
from ._base import Recommender
from ._serve import block_rows

__all__ = ["SparseItemItem"]


class SparseItemItem(Recommender):
    """A model whose state is ``similarity_``, an items x items CSR of the top neighbours.

    A user's score for a film is the sum of the film's similarities to the films in the
    user's history, weighted by the history's values (``H @ similarity_``). Subclasses
    compute the similarity in :meth:`_fit` and store it with :meth:`_keep_top`; serving,
    explanations, erasure (an exact refit of the similarity from the remaining users) and
    the saved state are shared. Used by :class:`~filmreco.recommend.ItemKNN` and
    :class:`~filmreco.recommend.RP3beta`.
    """

    similarity_: sp.csr_array

    def _keep_top(self, rows_of: Callable[[int, int], np.ndarray], n_items: int, k: int) -> None:
        """Keep the `k` largest positive values of each row given by `rows_of(start, stop)`."""
        k = min(k, max(n_items - 1, 0))
        idx, val = topk_blocks(
            rows_of, n_items, k, block_size=block_rows(n_items), n_jobs=self.n_jobs
        )
        keep = (idx >= 0) & (val > 0)
        rows = np.repeat(np.arange(n_items), keep.sum(axis=1))
        self.similarity_ = build_csr(
            rows, idx[keep], val[keep], shape=(n_items, n_items), duplicates="raise"
        )

    def _forget_items(self, gone: np.ndarray) -> None:
        # the similarities are normalised over every user and pruned to the top neighbours,
        # so the erased users' part cannot be subtracted: compute them again (exact)
        self._fit(self.user_items_, None)

    def _scores(
        self,
        H: sp.csr_array,
        rows: np.ndarray,
        cols: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> np.ndarray:
        S = self.similarity_ if cols is None else self.similarity_[:, cols]
        return np.asarray((H @ S).toarray(), dtype=np.float32)

    def _similarity(self, items: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
        S = self.similarity_[items]
        out = S.toarray() if cols is None else S[:, cols].toarray()
        return np.asarray(out, dtype=np.float32)

    def _explain(self, h: sp.csr_array, row: int, item: int) -> tuple[np.ndarray, np.ndarray]:
        idx = h.indices.astype(np.int64)
        col = self.similarity_[:, [item]].toarray().reshape(-1)
        return idx, h.data.astype(np.float64) * col[idx]

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        S = self.similarity_
        return {"indptr": S.indptr, "indices": S.indices, "data": S.data}, {}

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        m = len(self.item_ids_)
        self.similarity_ = csr_from_arrays(arrays, "", (m, m), dtype=np.float32)
