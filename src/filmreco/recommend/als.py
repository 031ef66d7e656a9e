"""Implicit-feedback matrix factorisation by alternating least squares (Hu et al., 2008)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._parallel import blocks, check_n_jobs, kernel_threads, parallel_map, thread_limits
from .._validation import (
    check_bool,
    check_int,
    check_random_state,
    check_real,
    check_seed,
    lookup_option,
)
from ..exceptions import InputError
from ..sparse import confidence, log_scale
from ._factors import FactorModel
from ._inputs import take_rows
from ._kernels import als_loss, als_sweep

__all__ = ["ALS"]

logger = logging.getLogger("filmreco")


def _linear(X: sp.csr_array, alpha: float, epsilon: float) -> sp.csr_array:
    return confidence(X, alpha, form="one_plus")


def _log(X: sp.csr_array, alpha: float, epsilon: float) -> sp.csr_array:
    return log_scale(X, alpha, epsilon, form="one_plus")


_CONFIDENCE = {"linear": _linear, "log": _log}

#: Rows per task of a half-step in :meth:`ALS.fit`: fixed, so the factors never depend on
#: ``n_jobs`` or the backend (each row's solve is sequential arithmetic on its own data).
_SWEEP_ROWS = 1024


def _sweep_block(
    indptr: np.ndarray,
    indices: np.ndarray,
    conf: np.ndarray,
    Y: np.ndarray,
    A: np.ndarray,
    steps: int,
    extra: np.ndarray,
    start: int,
    stop: int,
    Xb: np.ndarray,
) -> np.ndarray:
    """One task of a half-step: the new factors of rows ``start..stop-1`` (from `Xb`)."""
    Xb = np.array(Xb, dtype=np.float32, order="C")  # a worker may hand a read-only copy
    ex = extra[start:stop] if extra.size else extra
    rows = np.arange(stop - start, dtype=np.int64)
    als_sweep(indptr[start : stop + 1], indices, conf, Xb, Y, A, steps, rows, ex)
    return Xb


def _half_step(
    C: sp.csr_array,
    X: np.ndarray,
    Y: np.ndarray,
    A: np.ndarray,
    steps: int,
    extra: np.ndarray,
    n_jobs: int | None,
) -> None:
    """Update every row of `X` (users, or items) with `Y` fixed, in fixed-size blocks
    through the parallel seam (threads here, a Dask cluster when configured)."""
    tasks = [(a, b, X[a:b]) for a, b in blocks(X.shape[0], _SWEEP_ROWS)]
    out = parallel_map(
        _sweep_block,
        tasks,
        shared=(C.indptr, C.indices, C.data, Y, A, steps, extra),
        n_jobs=n_jobs,
        prefer="threads",
    )
    for (a, b, _), Xb in zip(tasks, out):
        X[a:b] = Xb


def _frequency_ridge(
    counts: np.ndarray, other: int, alpha: float, lam: float, nu: float
) -> np.ndarray:
    """Rendle et al.'s per-row ridge ``lam * (n_u + alpha0 * n_other) ** nu`` with
    ``alpha0 = 1 / (1 + alpha)`` (an unobserved cell's weight relative to an observed one)."""
    base = counts.astype(np.float64) + float(other) / (1.0 + alpha)
    ridge = lam * base**nu
    top = float(ridge.max()) if ridge.size else 0.0
    if top > float(np.finfo(np.float32).max):
        raise InputError(
            f"the frequency-scaled ridge reaches {top:.3g} (regularization={lam!r}, "
            f"regularization_exponent={nu!r}), beyond float32: the model would not train. "
            "Use a smaller regularization or regularization_exponent (about 0.1-1 with "
            "regularization_exponent=1)."
        )
    return ridge.astype(np.float32)


class ALS(FactorModel):
    r"""Implicit ALS: weighted matrix factorisation of who watched what (Hu, Koren, Volinsky).

    Every (user, item) cell has a preference :math:`p_{ui}` (1 if the user interacted, else
    0) and a confidence :math:`c_{ui}`; the model minimises

    .. math::
        \sum_{u,i} c_{ui} (p_{ui} - x_u^\top y_i)^2
        + \lambda \Big(\sum_u \|x_u\|^2 + \sum_i \|y_i\|^2\Big)

    alternating exact-in-expectation solves for users and items. Each solve runs a few
    warm-started conjugate-gradient steps per user (Takács, Pilászy, Tikk 2011), using
    :math:`Y^\top C^u Y = Y^\top Y + Y^\top (C^u - I) Y` so only the user's own items are
    touched: the cost per sweep is ``O(nnz * n_factors + n_users * n_factors**2)``.

    Parameters
    ----------
    n_factors : int, default=64
        Latent dimension.
    regularization : float, default=10.0
        :math:`\lambda \ge 0`, at most the largest float32 (about 3.4e38).
    regularization_exponent : float, default=0.0
        :math:`\nu \ge 0` of the frequency-scaled regularization of Rendle et al. [3]_:
        user :math:`u` is penalised by
        :math:`\lambda (n_u + \alpha_0 n_{items})^\nu \|x_u\|^2` and item :math:`i` by
        :math:`\lambda (n_i + \alpha_0 n_{users})^\nu \|y_i\|^2`, where :math:`n_u`,
        :math:`n_i` count the stored interactions and
        :math:`\alpha_0 = 1 / (1 + \alpha)` is the weight of an unobserved cell
        relative to an observed one. ``0`` (the default) is the plain ridge
        :math:`\lambda`; ``1`` is the paper's choice, with a much smaller
        `regularization` (the scale then grows with the catalogue). See the guide's
        "Tuning ALS" section for their protocol.
    alpha : float, default=10.0
        Confidence growth :math:`\alpha \ge 0`, at most the largest float32.
    confidence : {"linear", "log"}, default="linear"
        :math:`c = 1 + \alpha r` or :math:`c = 1 + \alpha \log(1 + r / \epsilon)` (Hu et
        al., section 4) for an interaction of strength :math:`r`.
    epsilon : float, default=1.0
        :math:`\epsilon` of the log confidence.
    max_iter : int, default=15
        Alternating sweeps (each updates users, then items).
    cg_steps : int, default=3
        Conjugate-gradient steps per solve.
    track_loss : bool, default=False
        Record the objective after every sweep in ``loss_history_`` (costs one more pass).
    show_progress : bool, default=False
        Show a tqdm bar over sweeps.
    random_state : int, Generator or None, default=None
        Seed of the initial factors.
    n_jobs : int or None, default=None
        Workers of the sweeps in :meth:`fit`, which run as fixed-size blocks of rows
        through :func:`joblib.Parallel` (threads by default, a Dask cluster under
        ``joblib.parallel_config(backend="dask")``); see :ref:`n_jobs` (None: the
        ambient :func:`joblib.parallel_config`, one worker outside one). The result does
        not depend on it, nor on the backend.

    Attributes
    ----------
    user_factors_ : numpy.ndarray of float32, shape (n_users, n_factors)
    item_factors_ : numpy.ndarray of float32, shape (n_items, n_factors)
    loss_history_ : list of float
        Objective after each sweep (empty unless `track_loss`).

    Notes
    -----
    The confidence is Hu et al.'s :math:`1 + \alpha r`, so an observed cell always weighs
    at least as much as an unobserved one and ``alpha=0`` is plain (unweighted) least
    squares on the 0/1 preferences. implicit's ALS uses :math:`\alpha r`; on 0/1 data the
    two agree when filmreco's ``alpha`` is implicit's minus one.

    New users get exact least-squares factors (conjugate gradient run to convergence) from
    their history, with the item factors fixed: :meth:`fold_in`, or
    ``recommend(..., user_items=...)``. :meth:`explain` uses Hu et al.'s section 5: the
    score of item :math:`j` is :math:`\sum_i s^u_{ji} c_{ui}` over the user's items
    :math:`i`, with :math:`s^u_{ji} = y_j^\top (Y^\top C^u Y + \lambda I)^{-1} y_i`.

    References
    ----------
    .. [1] Y. Hu, Y. Koren and C. Volinsky, "Collaborative Filtering for Implicit Feedback
       Datasets", ICDM 2008.
    .. [2] G. Takács, I. Pilászy and D. Tikk, "Applications of the conjugate gradient
       method for implicit feedback collaborative filtering", RecSys 2011.
    .. [3] S. Rendle, W. Krichene, L. Zhang and Y. Koren, "Revisiting the Performance of
       iALS on Item Recommendation Benchmarks", RecSys 2022.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> X = Interactions.from_arrays([0, 0, 1, 1, 2], ["a", "b", "a", "b", "c"])
    >>> model = ALS(n_factors=2, regularization=0.1, random_state=0).fit(X)
    >>> model.recommend([2], n=1)[0].tolist()
    [['a']]
    """

    def __init__(
        self,
        n_factors: int = 64,
        *,
        regularization: float = 10.0,
        regularization_exponent: float = 0.0,
        alpha: float = 10.0,
        confidence: str = "linear",
        epsilon: float = 1.0,
        max_iter: int = 15,
        cg_steps: int = 3,
        track_loss: bool = False,
        show_progress: bool = False,
        random_state: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.n_factors = n_factors
        self.regularization = regularization
        self.regularization_exponent = regularization_exponent
        self.alpha = alpha
        self.confidence = confidence
        self.epsilon = epsilon
        self.max_iter = max_iter
        self.cg_steps = cg_steps
        self.track_loss = track_loss
        self.show_progress = show_progress
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _conf(self, X: sp.csr_array) -> sp.csr_array:
        """Confidences of the positive entries of `X` (zeros removed), canonical CSR."""
        fn = lookup_option(_CONFIDENCE, self.confidence, "confidence")
        alpha = check_real(self.alpha, "alpha", min_value=0.0)
        eps = check_real(self.epsilon, "epsilon", min_value=0.0, min_inclusive=False)
        C = fn(X, alpha, eps).astype(np.float32)
        C.indptr = C.indptr.astype(np.int64)
        C.indices = C.indices.astype(np.int64)
        return C

    def _nu(self) -> float:
        # CrossDomain and models loaded from older files have no exponent: 0
        nu = getattr(self, "regularization_exponent", 0.0)
        return check_real(nu, "regularization_exponent", min_value=0.0, max_value=4.0)

    def _A(self, Y: np.ndarray) -> np.ndarray:
        G = Y.astype(np.float64).T @ Y.astype(np.float64)
        if self._nu() == 0.0:  # with frequency scaling the ridge is per row (_ridge)
            G[np.diag_indices_from(G)] += float(self.regularization)
        return G.astype(np.float32)

    def _ridge(self, C: sp.csr_array, n_other: int) -> np.ndarray:
        """Per-row ridge of the rows of `C` (empty: the constant one inside ``_A``)."""
        nu = self._nu()
        if nu == 0.0:
            return np.zeros(0, dtype=np.float32)
        alpha = check_real(self.alpha, "alpha", min_value=0.0)
        lam = float(self.regularization)
        return _frequency_ridge(np.diff(C.indptr), n_other, alpha, lam, nu)

    def _check_params(self) -> tuple[int, int, int]:
        f = check_int(self.n_factors, "n_factors", min_value=1)
        lam = check_real(self.regularization, "regularization", min_value=0.0)
        self._nu()
        max_iter = check_int(self.max_iter, "max_iter", min_value=0)
        steps = check_int(self.cg_steps, "cg_steps", min_value=1)
        lookup_option(_CONFIDENCE, self.confidence, "confidence")
        alpha = check_real(self.alpha, "alpha", min_value=0.0)
        top = float(np.finfo(np.float32).max)
        for name, value, usual in (
            ("regularization", lam, "0.01-100"),
            ("alpha", alpha, "1-100 (Hu et al. use 40)"),
        ):
            if value > top:  # cast to inf in the float32 solves: the model never trains
                raise InputError(
                    f"{name}={value!r} overflows the float32 solves of {type(self).__name__} "
                    f"(largest float32: {top:.3g}); usual values are {usual}."
                )
        check_real(self.epsilon, "epsilon", min_value=0.0, min_inclusive=False)
        check_bool(self.track_loss, "track_loss")
        check_bool(self.show_progress, "show_progress")
        check_seed(self.random_state)
        check_n_jobs(self.n_jobs)
        return f, max_iter, steps

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        f, max_iter, steps = self._check_params()
        n_jobs = check_n_jobs(self.n_jobs)
        rng = check_random_state(self.random_state)
        Cu = self._conf(X)
        Ci = Cu.T.tocsr()
        Ci.indptr, Ci.indices = Ci.indptr.astype(np.int64), Ci.indices.astype(np.int64)
        n_users, n_items = X.shape
        U = (rng.standard_normal((n_users, f)) * 0.01).astype(np.float32)
        V = (rng.standard_normal((n_items, f)) * 0.01).astype(np.float32)
        ridge_u, ridge_i = self._ridge(Cu, n_items), self._ridge(Ci, n_users)
        self.loss_history_: list[float] = []
        sweeps: Any = range(max_iter)
        track_loss = check_bool(self.track_loss, "track_loss")
        if check_bool(self.show_progress, "show_progress"):
            from tqdm.auto import tqdm

            sweeps = tqdm(sweeps, desc="ALS", leave=False)
        with thread_limits(1):  # the Gram matrices: one BLAS thread, the same bits anywhere
            for it in sweeps:
                _half_step(Cu, U, V, self._A(V), steps, ridge_u, n_jobs)
                _half_step(Ci, V, U, self._A(U), steps, ridge_i, n_jobs)
                if track_loss:
                    loss = self._loss(Cu, U, V, ridge_u, ridge_i)
                    self.loss_history_.append(loss)
                    logger.debug("ALS sweep %d: loss %.6g", it + 1, loss)
        if not (np.isfinite(U).all() and np.isfinite(V).all()):
            raise self._overflow(Cu)
        self.user_factors_, self.item_factors_ = U, V

    def _overflow(self, C: sp.csr_array) -> InputError:
        """The error for factors that overflowed float32 (confidences far too large)."""
        top = float(C.data.max()) if C.nnz else 1.0
        lam = float(self.regularization)
        if lam > 1e15:
            return InputError(
                f"{type(self).__name__}'s factors are not finite: regularization={lam:.3g} "
                "overflows float32 in the solves. Use a regularization below 1e15 (usual "
                "values: 0.01-100, or about 0.1-1 with regularization_exponent=1)."
            )
        return InputError(
            f"{type(self).__name__}'s factors are not finite: confidences up to {top:.3g} "
            f"(alpha={self.alpha!r}, confidence={self.confidence!r}) overflow float32 in the "
            "solves. Lower alpha (Hu et al. use 40; 1-100 is usual), use confidence='log', or "
            "scale the values down (e.g. Interactions.to_implicit)."
        )

    def _loss(
        self,
        C: sp.csr_array,
        U: np.ndarray,
        V: np.ndarray,
        ridge_u: np.ndarray,
        ridge_i: np.ndarray,
    ) -> float:
        G = V.astype(np.float64).T @ V.astype(np.float64)
        with thread_limits(kernel_threads(self.n_jobs)):
            per_user = als_loss(C.indptr, C.indices, C.data, U, V, G)
        fit = np.cumsum(per_user)[-1] if per_user.size else 0.0  # in user order, any n_jobs
        su = np.sum(U.astype(np.float64) ** 2, axis=1)
        si = np.sum(V.astype(np.float64) ** 2, axis=1)
        if ridge_u.size == 0:
            reg = float(self.regularization) * (float(np.sum(su)) + float(np.sum(si)))
        else:
            reg = float(su @ ridge_u.astype(np.float64) + si @ ridge_i.astype(np.float64))
        return float(fit + reg)

    def _fold_in_factors(self, H: sp.csr_array) -> np.ndarray:
        C = self._conf(H)
        V = self.item_factors_
        U = np.zeros((H.shape[0], V.shape[1]), dtype=np.float32)
        steps = max(int(self.cg_steps), 2 * V.shape[1])
        ridge = self._ridge(C, V.shape[0])
        rows = np.arange(H.shape[0])
        with thread_limits(kernel_threads(None)):  # fold_in(n_jobs=) sets the ambient value
            als_sweep(C.indptr, C.indices, C.data, U, V, self._A(V), steps, rows, ridge)
        if not np.isfinite(U).all():
            raise self._overflow(C)
        return U

    def _explain(self, h: sp.csr_array, row: int, item: int) -> tuple[np.ndarray, np.ndarray]:
        C = self._conf(take_rows(h, np.array([0])))
        idx = C.indices.astype(np.int64)
        c = C.data.astype(np.float64)
        V = self.item_factors_.astype(np.float64)
        Yu = V[idx]
        A = V.T @ V + (Yu.T * (c - 1.0)) @ Yu
        ridge = self._ridge(C, V.shape[0])
        A[np.diag_indices_from(A)] += float(ridge[0]) if ridge.size else float(self.regularization)
        try:
            w = np.linalg.solve(A, V[item])
        except np.linalg.LinAlgError:
            w = None
        if w is None or not np.isfinite(w).all():
            # singular system (regularization=0 and fewer films than factors pin down):
            # the minimum-norm least-squares solution, which the pseudo-inverse gives
            w = np.linalg.lstsq(A, V[item], rcond=None)[0]
        return idx, (Yu @ w) * c
