"""Shared machinery of the factor models ALS and BPR (private)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._persist import member
from ._base import Recommender
from ._inputs import Query
from ._serve import BlockScorer, factor_block_rows, fused_topn

__all__ = ["FactorModel"]


class FactorModel(Recommender):
    """A recommender whose scores are ``user_factors_ @ item_factors_.T``."""

    user_factors_: np.ndarray
    item_factors_: np.ndarray

    def _fold_in_factors(self, H: sp.csr_array) -> np.ndarray:
        """Factors of users known only through the rows of `H` (item factors fixed)."""
        raise NotImplementedError

    def _user_vectors(self, H: sp.csr_array, rows: np.ndarray) -> np.ndarray:
        U = np.empty((rows.size, self.user_factors_.shape[1]), dtype=np.float32)
        known = rows >= 0
        U[known] = self.user_factors_[rows[known]]
        if not known.all():
            new = np.flatnonzero(~known)
            U[new] = self._fold_in_factors(H[new])
        return U

    def _scores(
        self,
        H: sp.csr_array,
        rows: np.ndarray,
        cols: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> np.ndarray:
        U = self._user_vectors(H, rows)
        V = self.item_factors_ if cols is None else self.item_factors_[cols]
        return np.asarray(U @ V.T, dtype=np.float32)

    def _topn(
        self,
        scorer: BlockScorer,
        q: Query,
        n: int,
        cand: np.ndarray | None,
        filter_seen: bool,
        n_jobs: int | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        # one GEMM per block of users, then one compiled pass per row masks the seen
        # films and keeps the best n (tested against the base class's topk_blocks)
        m = self._n_items()
        return fused_topn(
            scorer,
            q.n,
            m,
            n,
            block_size=factor_block_rows(m, self.item_factors_.shape[1]),
            seen=q.seen if filter_seen else None,
            candidates=cand,
            n_jobs=n_jobs,
        )

    def _update_users(self, rows: np.ndarray) -> None:
        n_users = self.user_items_.shape[0]
        old = self.user_factors_
        if old.shape[0] < n_users:
            grown = np.zeros((n_users, old.shape[1]), dtype=np.float32)
            grown[: old.shape[0]] = old
            self.user_factors_ = grown
        self.user_factors_[rows] = self._fold_in_factors(self.user_items_[rows])

    def _similarity(self, items: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
        V = self.item_factors_
        norms = np.linalg.norm(V, axis=1)
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        A = V[items] * inv[items, None]
        B = V if cols is None else V[cols]
        return np.asarray(A @ (B * (inv if cols is None else inv[cols])[:, None]).T, np.float32)

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"user_factors": self.user_factors_, "item_factors": self.item_factors_}, {}

    def _factor_width(self) -> int:
        """Columns of the factor matrices the parameters call for (checked as fit does)."""
        return int(self._check_params()[0])

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        width = self._factor_width()
        n_users, n_items = len(self.user_ids_), len(self.item_ids_)
        f32 = np.float32
        U = member(arrays, "user_factors", kinds="f", shape=(n_users, width), finite=True, fits=f32)
        V = member(arrays, "item_factors", kinds="f", shape=(n_items, width), finite=True, fits=f32)
        self.user_factors_ = U.astype(np.float32, copy=False)
        self.item_factors_ = V.astype(np.float32, copy=False)
