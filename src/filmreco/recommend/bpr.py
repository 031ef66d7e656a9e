"""Bayesian personalised ranking (Rendle et al., 2009) with stochastic gradient ascent."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._parallel import kernel_threads, seed_sequence, thread_limits
from .._validation import check_bool, check_int, check_real, check_seed
from ..exceptions import ConvergenceError
from ._factors import FactorModel
from ._kernels import bpr_epoch, bpr_fold_in

__all__ = ["BPR"]

logger = logging.getLogger("filmreco")


def _samples(X: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """(user, item) of every positive entry, int64."""
    rows = np.repeat(np.arange(X.shape[0], dtype=np.int64), np.diff(X.indptr))
    pos = X.data > 0
    return rows[pos], X.indices[pos].astype(np.int64)


class BPR(FactorModel):
    r"""Matrix factorisation trained to rank seen items above unseen ones (BPR-MF).

    Maximises :math:`\sum \ln \sigma(\hat x_{ui} - \hat x_{uj}) - \lambda \|\Theta\|^2`
    over triples of a user, an item they interacted with and one they did not, with
    :math:`\hat x_{ui} = x_u^\top y_i + b_i`. Each epoch draws as many positive
    ``(u, i)`` pairs as there are interactions (with replacement) and, for each, a
    uniformly random unseen item ``j`` (LearnBPR, Rendle et al. 2009, section 4.3).

    Parameters
    ----------
    n_factors : int, default=64
        Latent dimension (an item bias comes on top).
    learning_rate : float, default=0.05
        SGD step size.
    regularization : float, default=0.002
        :math:`\lambda` of factors and biases.
    max_iter : int, default=100
        Epochs.
    track_loss : bool, default=False
        Record the mean log-loss of every epoch in ``loss_history_``.
    show_progress : bool, default=False
        Show a tqdm bar over epochs.
    random_state : int, Generator or None, default=None
        Seed of the initial factors and of the sampling.

    Attributes
    ----------
    user_factors_ : numpy.ndarray of float32, shape (n_users, n_factors + 1)
        The last column is the constant 1 that multiplies the item bias.
    item_factors_ : numpy.ndarray of float32, shape (n_items, n_factors + 1)
        The last column is the item bias.
    loss_history_ : list of float
    seed_ : int
        A 64-bit seed drawn from `random_state`; it seeds the fold-in of new users.

    Notes
    -----
    Updates are applied one sample at a time on one thread, so a fixed `random_state` gives
    the same model on any machine load (parallel "Hogwild" updates, as in implicit, do
    not); hence no ``n_jobs`` in the constructor. The batch methods (:meth:`recommend`,
    :meth:`score`, :meth:`recommend_users`, :meth:`fold_in`, ...) take ``n_jobs`` (see
    :ref:`n_jobs`); ``fold_in(n_jobs=)`` also sizes the threads of the fold-in kernel.

    New users (:meth:`fold_in`, ``recommend(..., user_items=...)``) get factors from the
    same SGD with the item factors frozen; each user's random stream is seeded by ``seed_``
    and the user's items, so it does not depend on who else is folded in.

    References
    ----------
    .. [1] S. Rendle, C. Freudenthaler, Z. Gantner and L. Schmidt-Thieme, "BPR: Bayesian
       Personalized Ranking from Implicit Feedback", UAI 2009.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> X = Interactions.from_arrays([0, 0, 1, 1, 2], ["a", "b", "a", "b", "c"])
    >>> model = BPR(n_factors=4, max_iter=200, random_state=0).fit(X)
    >>> model.user_factors_.shape
    (3, 5)
    """

    def __init__(
        self,
        n_factors: int = 64,
        *,
        learning_rate: float = 0.05,
        regularization: float = 0.002,
        max_iter: int = 100,
        track_loss: bool = False,
        show_progress: bool = False,
        random_state: Any = None,
    ) -> None:
        self.n_factors = n_factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.max_iter = max_iter
        self.track_loss = track_loss
        self.show_progress = show_progress
        self.random_state = random_state

    def _check_params(self) -> tuple[int, float, float, int]:
        f = check_int(self.n_factors, "n_factors", min_value=1)
        lr = check_real(self.learning_rate, "learning_rate", min_value=0.0, min_inclusive=False)
        reg = check_real(self.regularization, "regularization", min_value=0.0)
        epochs = check_int(self.max_iter, "max_iter", min_value=0)
        check_bool(self.track_loss, "track_loss")
        check_bool(self.show_progress, "show_progress")
        check_seed(self.random_state)
        return f, lr, reg, epochs

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        f, lr, reg, epochs = self._check_params()
        seq = seed_sequence(self.random_state)
        self.seed_ = int(seq.generate_state(1, dtype=np.uint64)[0])
        init, *epoch_seeds = seq.spawn(epochs + 1)
        rng = np.random.default_rng(init)
        n_users, n_items = X.shape
        scale = 1.0 / np.sqrt(f)
        U = (rng.standard_normal((n_users, f + 1)) * scale).astype(np.float32)
        V = (rng.standard_normal((n_items, f + 1)) * scale).astype(np.float32)
        U[:, -1] = 1.0
        V[:, -1] = 0.0
        self.loss_history_: list[float] = []
        self.user_factors_, self.item_factors_ = U, V
        users, items = _samples(X)
        if users.size == 0 or n_items < 2:
            return
        loop: Any = epoch_seeds
        if self.show_progress:
            from tqdm.auto import tqdm

            loop = tqdm(loop, desc="BPR", leave=False)
        indptr, indices = X.indptr.astype(np.int64), X.indices.astype(np.int64)
        epoch = 0
        with thread_limits(1):  # SGD is sequential (see Notes)
            try:
                for e, s in enumerate(loop):
                    epoch = e + 1
                    loss = self._epoch(users, items, indptr, indices, U, V, s, lr, reg, True)
                    if self.track_loss:
                        self.loss_history_.append(loss)
                        logger.debug("BPR epoch %d: mean log-loss %.6g", e + 1, loss)
            except ZeroDivisionError:
                raise self._diverged(f"in epoch {epoch}") from None
        if not (np.isfinite(U).all() and np.isfinite(V).all()):
            raise self._diverged(f"after {epochs} epochs")

    def _diverged(self, when: str) -> ConvergenceError:
        """The error for an SGD run whose factors overflowed (too large a step)."""
        step = float(self.learning_rate) * float(self.regularization)
        if step >= 1.0:  # the weight decay alone flips and grows the factors each step
            advice = (
                f"learning_rate x regularization = {step:.3g} must stay below 1: lower "
                "learning_rate or regularization (the defaults are 0.05 and 0.002)."
            )
        else:
            advice = "Lower learning_rate (the default is 0.05) or raise regularization."
        return ConvergenceError(
            f"BPR diverged {when}: the factors overflowed to infinity or NaN with "
            f"learning_rate={self.learning_rate!r}, regularization={self.regularization!r}. "
            + advice
        )

    @staticmethod
    def _epoch(
        users: np.ndarray,
        items: np.ndarray,
        indptr: np.ndarray,
        indices: np.ndarray,
        U: np.ndarray,
        V: np.ndarray,
        seed: Any,
        lr: float,
        reg: float,
        update_items: bool,
    ) -> float:
        rng = np.random.default_rng(seed)
        pick = rng.integers(0, users.size, size=users.size)
        negatives = rng.integers(0, V.shape[0], size=2 * users.size + 64)
        loss, skipped = bpr_epoch(
            users[pick], items[pick], indptr, indices, U, V, negatives,
            np.float32(lr), np.float32(reg), update_items,
        )  # fmt: skip
        done = users.size - skipped
        return float(loss / done) if done else float("nan")

    def _fold_in_factors(self, H: sp.csr_array) -> np.ndarray:
        _f, lr, reg, epochs = self._check_params()
        U = np.zeros((H.shape[0], self.item_factors_.shape[1]), dtype=np.float32)
        U[:, -1] = 1.0
        P = sp.csr_array(H, copy=True)
        P.data = (P.data > 0).astype(np.float32)
        P.eliminate_zeros()
        indptr, indices = P.indptr.astype(np.int64), P.indices.astype(np.int64)
        with thread_limits(kernel_threads(None)):  # fold_in(n_jobs=) sets the ambient value
            try:
                bpr_fold_in(
                    indptr, indices, self.item_factors_, U, np.uint64(self.seed_), epochs,
                    np.float32(lr), np.float32(reg),
                )  # fmt: skip
            except ZeroDivisionError:
                raise self._diverged("while folding in users") from None
        if not np.isfinite(U).all():
            raise self._diverged("while folding in users")
        return U

    def _factor_width(self) -> int:
        return self._check_params()[0] + 1  # the last column holds the item biases

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, meta = super()._state()
        return arrays, {**meta, "seed": int(self.seed_)}

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        super()._set_state(arrays, meta)
        self.seed_ = check_int(meta["seed"], "seed", min_value=0, max_value=2**64 - 1)
