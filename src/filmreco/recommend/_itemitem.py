"""The shared part of item-item models that keep a pruned sparse similarity matrix."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._parallel import blocks, parallel_map
from .._persist import csr_from_arrays
from ..exceptions import InputError
from ._base import Recommender
from ._itemitem_kernels import MODE_COSINE, MODE_DOT, MODE_SCALE, neighbour_rows, serve_rows

__all__ = ["MODE_COSINE", "MODE_DOT", "MODE_SCALE", "ProductTop", "SparseItemItem"]

logger = logging.getLogger("filmreco")

#: Items per block of the similarity build. Fixed (never derived from n_jobs or the data),
#: so the blocks, and with them the tasks a Dask cluster runs, are the same everywhere;
#: small enough that two workers share the uneven rows (popular films cost the most).
FIT_BLOCK = 512


class ProductTop:
    """Picklable block of the similarity build: top-k rows of ``A @ B`` (see
    :func:`~filmreco.recommend._itemitem_kernels.neighbour_rows`).

    ``A`` is items x users, ``B`` users x items (CSR; float32 when both are, else
    float64: the product is computed in that precision, as scipy does); its value ``p``
    of ``(i, j)``, taken to float64, becomes ``p`` (``MODE_DOT``), ``p / (left[i] * right[j] +
    shrink)`` or 0 where that is not positive (``MODE_COSINE``), or ``p * right[j]``
    (``MODE_SCALE``).
    """

    def __init__(
        self,
        A: sp.csr_array,
        B: sp.csr_array,
        *,
        mode: int = MODE_DOT,
        left: np.ndarray | None = None,
        right: np.ndarray | None = None,
        shrink: float = 0.0,
    ) -> None:
        dtype = np.float32 if A.dtype == B.dtype == np.float32 else np.float64
        # one dtype of indices for every input (int32 films / users, int64 offsets), so the
        # compiled loop has one signature per precision (numba's on-disk cache) and reads
        # half the index bytes
        self.A = _compact(A, dtype)
        self.B = _compact(B, dtype)
        self.b_ones = bool((self.B[2] == 1).all())
        n = B.shape[1]
        self.left = np.zeros(n) if left is None else np.ascontiguousarray(left, dtype=np.float64)
        self.right = np.zeros(n) if right is None else np.ascontiguousarray(right, dtype=np.float64)
        self.shrink = float(shrink)
        self.mode = int(mode)

    def rows(self, start: int, stop: int, k: int) -> tuple[np.ndarray, ...]:
        """``(counts, indices, values)`` of rows ``start..stop-1``: each row's kept
        neighbours one row after the other, in column order (the rows of a CSR)."""
        return neighbour_rows(  # type: ignore[no-any-return]
            *self.A, *self.B,
            self.left, self.right, self.shrink, self.mode, start, stop, k, self.b_ones,
        )  # fmt: skip

    def __call__(self, start: int, stop: int, k: int) -> tuple[np.ndarray, ...]:
        """:meth:`rows` as ``(counts, indices, values)`` with ``(stop - start, k)`` arrays
        (int64 indices padded with -1, float32 values padded with 0)."""
        counts, idx, val = self.rows(start, stop, k)
        keep = np.arange(k)[None, :] < counts[:, None]
        out_i = np.full((stop - start, k), -1, dtype=np.int64)
        out_v = np.zeros((stop - start, k), dtype=np.float32)
        out_i[keep] = idx
        out_v[keep] = val
        return counts, out_i, out_v


def load_kernel(dtype: Any) -> threading.Thread:
    """Start loading the compiled similarity loop for `dtype` values in a thread.

    The first call of a numba kernel in a process costs numba's own set-up (its typing
    and target registries: about 0.25 s on this machine even with the on-disk cache warm)
    plus loading the cached machine code; the thread does it while the caller prepares
    the item vectors (numpy and scipy, which release the GIL in their loops). Join it
    before the first block: a failure there is raised again by the real call.
    """

    def touch() -> None:
        i64, i32 = np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32)
        data, side = np.zeros(0, dtype=dtype), np.zeros(0)
        try:
            neighbour_rows(i64, i32, data, i64, i32, data, side, side, 0.0, 0, 0, 0, 1, True)
        except Exception:  # pragma: no cover - the real call raises it again
            pass

    thread = threading.Thread(target=touch, name="filmreco-load-kernel", daemon=True)
    thread.start()
    return thread


def _compact(M: sp.csr_array, dtype: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, indices, data)`` of the CSR `M`: int64 offsets, int32 indices, `dtype`
    values (each array copied only when its dtype differs)."""
    if M.shape[1] >= 2**31:
        raise InputError(
            f"the item-item similarity handles up to 2**31 - 1 users and films, got "
            f"{M.shape[1]:,}; keep fewer users or films in the interactions."
        )
    return (
        np.asarray(M.indptr, dtype=np.int64),
        np.asarray(M.indices, dtype=np.int32),
        np.asarray(M.data, dtype=dtype),
    )


def _product_block(product: ProductTop, k: int, start: int, stop: int) -> tuple[np.ndarray, ...]:
    return product.rows(start, stop, k)


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

    def _keep_top(self, product: ProductTop, n_items: int, k: int) -> None:
        """Keep the `k` largest positive values of each row of `product` (no diagonal).

        The rows are computed in blocks of :data:`FIT_BLOCK` items through
        :func:`~filmreco._parallel.parallel_map` (`n_jobs` workers, threads preferred; a
        Dask backend runs the blocks on the cluster), each row by one worker, so the
        result is the same for every backend and number of workers.
        """
        k = min(k, max(n_items - 1, 0))
        show = bool(getattr(self, "show_progress", False))
        t0 = time.perf_counter()
        parts = parallel_map(
            _product_block,
            blocks(n_items, FIT_BLOCK),
            shared=(product, k),
            n_jobs=self.n_jobs,
            prefer="threads",
            show_progress=show,
            desc=f"{type(self).__name__} similarity",
        )
        # each block holds its rows' kept neighbours in column order: the CSR is their
        # concatenation (no sort, no coordinate pass)
        indptr = np.zeros(n_items + 1, dtype=np.int64)
        if parts:
            np.cumsum(np.concatenate([p[0] for p in parts]), out=indptr[1:])
            idx = np.concatenate([p[1] for p in parts])
            val = np.concatenate([p[2] for p in parts])
        else:
            idx = np.zeros(0, dtype=np.int32)
            val = np.zeros(0, dtype=np.float32)
        if indptr[-1] < np.iinfo(np.int32).max:
            indptr = indptr.astype(np.int32)
        S = sp.csr_array((val, idx, indptr), shape=(n_items, n_items))
        S.has_canonical_format = True
        self.similarity_ = S
        logger.info(
            "%s: similarity of %d items, %d neighbours kept, in %.2f s",
            type(self).__name__,
            n_items,
            self.similarity_.nnz,
            time.perf_counter() - t0,
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

    def _select_top(
        self,
        H: sp.csr_array,
        k: int,
        exclude: tuple[np.ndarray, np.ndarray] | None,
        candidates: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Top-`k` films of the histories `H` without dense scores (None: use the dense path).

        The same films and scores, in the same order, as ranking ``H @ similarity_`` over
        every film not excluded (CSR rows ``exclude = (indptr, indices)``) and among
        `candidates` (sorted column indices or None).
        """
        S = self.similarity_
        if H.dtype != np.float32 or S.dtype != np.float32:
            return None
        m = S.shape[1]
        allowed = np.ones(m, dtype=bool)
        if candidates is not None:
            allowed[:] = False
            allowed[candidates] = True
        ex_indptr, ex_indices = exclude if exclude is not None else (np.zeros(0), np.zeros(0))
        # int64 offsets, int32 columns (one compiled signature; similarity_'s columns are
        # int32 already, so a block copies only offsets, never the similarity's columns)
        idx, val, ok = serve_rows(
            _offsets(H.indptr), _columns(H.indices), H.data,
            _offsets(S.indptr), _columns(S.indices), S.data,
            _offsets(ex_indptr), _columns(ex_indices),
            allowed, k,
        )  # fmt: skip
        if not ok.all():
            return None
        return idx, val

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
        S = csr_from_arrays(arrays, "", (m, m), dtype=np.float32)
        if S.indices.dtype != np.int32 and S.nnz < np.iinfo(np.int32).max:
            S.indices = S.indices.astype(np.int32)  # as fit leaves them (see _select_top)
            S.indptr = S.indptr.astype(np.int32)
        self.similarity_ = S


def _offsets(a: np.ndarray) -> np.ndarray:
    return a.astype(np.int64, copy=False)


def _columns(a: np.ndarray) -> np.ndarray:
    return a.astype(np.int32, copy=False)
