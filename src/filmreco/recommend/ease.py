"""EASE: a closed-form linear item-item model (Steck, 2019)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from .._parallel import progress_bar, thread_limits
from .._persist import member
from .._validation import check_bool, check_int, check_real
from ..exceptions import InputError
from ._base import Recommender

__all__ = ["EASE"]

_GIB = float(1 << 30)
_ONE_THREAD_BELOW = 4096


#: Entries per item that SANSA keeps in the catalogues EASE refuses (the suggestion of
#: EASE's memory error): ``bench_scale.py`` fits 50,000 films at this budget in minutes.
_SANSA_ENTRIES = 250


def _sansa_density(n_items: int) -> float:
    """The SANSA ``density`` keeping about :data:`_SANSA_ENTRIES` entries per item."""
    return float(f"{min(1.0, _SANSA_ENTRIES / max(n_items - 1, 1)):.2g}")


def _spd_inverse(G: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive definite float32 matrix (lower triangle valid)."""
    c, info = sla.lapack.spotrf(G, lower=True, overwrite_a=True, clean=False)
    if info != 0:
        raise InputError(
            f"X'X + regularization*I is not positive definite (LAPACK info={info}); use a "
            "larger regularization."
        )
    P, info = sla.lapack.spotri(c, lower=True, overwrite_c=True)
    if info != 0:
        raise InputError(f"inverting the Gram matrix failed (LAPACK info={info}).")
    return np.asarray(P)


def ease_weights(
    X: sp.csr_array, regularization: float | np.ndarray, bar: Any = None
) -> np.ndarray:
    """The EASE item-item matrix ``B`` (float32) of a users x items matrix `X`.

    `regularization` is added to the diagonal of the Gram matrix: one ``lambda`` for
    EASE, or one value per item (EDLAE's ``lambda + p / (1 - p) * diag(X'X)``).
    ``P = (X'X + lambda I)^-1``, ``B = I - P diag(1 / diag(P))`` (Steck 2019, eq. 8):
    the ridge regression of every item column on all the others with a zero diagonal.
    The Gram matrix is inverted through its Cholesky factor in float32 (LAPACK
    ``spotrf``/``spotri``: a third of the work of a general inverse), which is well
    conditioned for the usual ``lambda`` of hundreds. Catalogues under 4096 items are
    inverted on one BLAS thread: it takes well under a second there, gives the same bits
    on every machine, and avoids OpenBLAS's threaded Cholesky inverse, which measured 10-20x
    slower when another process holds one of the cores. `bar` (a progress bar) advances
    after the Gram matrix, the inverse and the weights.
    """
    G = (X.T @ X).toarray().astype(np.float32)
    if bar is not None:
        bar.update()
    if isinstance(regularization, np.ndarray):
        G[np.diag_indices_from(G)] += regularization.astype(np.float32)
    else:
        G[np.diag_indices_from(G)] += np.float32(regularization)
    if G.shape[0] < _ONE_THREAD_BELOW:
        with thread_limits(1):
            P = _spd_inverse(G)
    else:
        P = _spd_inverse(G)
    if bar is not None:
        bar.update()
    P = np.tril(P)
    P += np.tril(P, -1).T
    d = np.diag(P).copy()
    P /= -d[None, :]
    P[np.diag_indices_from(P)] = 0.0
    if bar is not None:
        bar.update()
    return np.ascontiguousarray(P, dtype=np.float32)


class EASE(Recommender):
    r"""Embarrassingly shallow autoencoder: a dense item-item regression, solved exactly.

    Learns :math:`B` minimising :math:`\|X - XB\|_F^2 + \lambda \|B\|_F^2` subject to
    :math:`\mathrm{diag}(B) = 0`, whose solution is closed form (Steck 2019): with
    :math:`P = (X^\top X + \lambda I)^{-1}`, :math:`B_{ij} = -P_{ij} / P_{jj}`
    (:math:`i \ne j`). A user's scores are :math:`x_u B`.

    Parameters
    ----------
    regularization : float, default=500.0
        :math:`\lambda > 0`; a few hundred suits MovieLens-sized data.
    memory_limit : float, default=4.0
        GiB the item x item matrices may take (about ``3 * n_items**2 * 4`` bytes during
        :meth:`fit`); larger catalogues are refused with a suggestion.
    show_progress : bool, default=False
        Show a tqdm bar over the steps of :meth:`fit` (Gram matrix, inverse, weights);
        the inverse takes seconds on ml-1m's 3,700 films.

    Attributes
    ----------
    weights_ : numpy.ndarray of float32, shape (n_items, n_items)
        :math:`B`.

    Raises
    ------
    InputError
        From :meth:`fit`, when the catalogue needs more than `memory_limit`: use
        :class:`~filmreco.recommend.SANSA` (the same model through a sparse approximate
        inverse; the message gives the arguments) or :class:`~filmreco.recommend.ALS`.

    References
    ----------
    .. [1] H. Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> X = Interactions.from_arrays([0, 0, 1, 1, 2], ["a", "b", "a", "b", "a"])
    >>> EASE(regularization=1.0).fit(X).recommend([2], n=1)[0].tolist()
    [['b']]
    """

    def __init__(
        self,
        regularization: float = 500.0,
        *,
        memory_limit: float = 4.0,
        show_progress: bool = False,
    ) -> None:
        self.regularization = regularization
        self.memory_limit = memory_limit
        self.show_progress = show_progress

    @staticmethod
    def estimated_memory(n_items: int) -> float:
        """GiB that :meth:`fit` needs for `n_items` items (three float32 item x item arrays)."""
        n = check_int(n_items, "n_items", min_value=0)
        return 3.0 * 4.0 * float(n) ** 2 / _GIB

    def _check_params(self) -> tuple[float, float]:
        lam = check_real(self.regularization, "regularization", min_value=0.0, min_inclusive=False)
        limit = check_real(self.memory_limit, "memory_limit", min_value=0.0, min_inclusive=False)
        check_bool(self.show_progress, "show_progress")
        if lam > float(np.finfo(np.float32).max):
            raise InputError(
                f"regularization={lam!r} overflows the float32 Gram matrix (largest float32: "
                f"{float(np.finfo(np.float32).max):.3g}); use a value such as 500."
            )
        return lam, limit

    def _diagonal_penalty(self, X: sp.csr_array) -> tuple[float | np.ndarray, float]:
        """What :meth:`_fit` adds to the diagonal of the Gram matrix, and the memory limit."""
        lam, limit = self._check_params()
        return lam, limit

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        lam, limit = self._diagonal_penalty(X)
        need = self.estimated_memory(X.shape[1])
        if need > limit:
            raise InputError(
                f"{type(self).__name__} needs about {need:.1f} GiB for {X.shape[1]:,} items "
                f"(dense item x item matrices), above memory_limit={limit:g} GiB. Use "
                f"SANSA(regularization={self._check_params()[0]:g}, "
                f"density={_sansa_density(X.shape[1])}) (filmreco.recommend.SANSA: EASE "
                "through a sparse approximate "
                "inverse, memory linear in the catalogue), ALS or ItemKNN for a catalogue "
                "this large, or raise memory_limit if the machine has the memory."
            )
        with (
            progress_bar(3, type(self).__name__, self.show_progress) as bar,
            np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        ):
            weights = ease_weights(X, lam, bar)
        if not np.isfinite(weights).all():
            top = float(X.data.max()) if X.nnz else 0.0
            raise InputError(
                f"{type(self).__name__} weights are not finite: interaction values up to "
                f"{top:.3g} with regularization={self._check_params()[0]!r} overflow float32. "
                "Scale the values down (e.g. Interactions.to_implicit, or "
                "filmreco.sparse.log_scale) or raise regularization."
            )
        self.weights_ = weights

    def _forget_items(self, gone: np.ndarray) -> None:
        # B is the inverse of the Gram matrix: solve it again without the erased users
        # (exact; costs a fit, O(n_items^3), under a second below ~3,000 items)
        self._fit(self.user_items_, None)

    def _scores(
        self,
        H: sp.csr_array,
        rows: np.ndarray,
        cols: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> np.ndarray:
        if cols is None:
            return np.asarray(H @ self.weights_, dtype=np.float32)
        if 4 * cols.size >= self.weights_.shape[1]:  # gathering B's columns costs more
            return np.asarray(H @ self.weights_, dtype=np.float32)[:, cols]
        return np.asarray(H @ self.weights_[:, cols], dtype=np.float32)

    def _similarity(self, items: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
        B = self.weights_[items]
        return np.asarray(B if cols is None else B[:, cols], dtype=np.float32)

    def _explain(self, h: sp.csr_array, row: int, item: int) -> tuple[np.ndarray, np.ndarray]:
        idx = h.indices.astype(np.int64)
        return idx, h.data.astype(np.float64) * self.weights_[idx, item].astype(np.float64)

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"weights": self.weights_}, {}

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        m = len(self.item_ids_)
        shape = (m, m)
        self.weights_ = member(
            arrays, "weights", kinds="f", shape=shape, dtype=np.float32, finite=True
        )
