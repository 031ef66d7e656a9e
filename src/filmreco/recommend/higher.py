"""Higher-order EASE: EASE plus item-pair relations (Steck and Liang, 2021)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._parallel import progress_bar, thread_limits
from .._persist import member
from .._validation import check_bool, check_int, check_real
from ..exceptions import FormatError, InputError
from ._base import Recommender
from .ease import _spd_inverse

__all__ = ["HigherOrderEASE"]

_GIB = float(1 << 30)
#: Below this many items + pairs the Cholesky inverse runs on one BLAS thread (as EASE's
#: below 4,096 items, and further: OpenBLAS's threaded ``spotri`` measured 3x slower than
#: one thread on ml-1m's 3,706 items + 1,000 pairs while another process held a core).
_ONE_THREAD_BELOW = 12_000


def select_pairs(
    X: sp.csr_array, n_pairs: int, min_count: int, counts: np.ndarray | None = None
) -> np.ndarray:
    """The item pairs ``(i, k)``, ``i < k``, seen together most often in `X`.

    A pair's count is the number of users with both items (stored entries of `X`, whatever
    their values; `counts`, when given, is that items x items matrix, dense). Pairs with a
    count of at least `min_count` are kept, the `n_pairs` largest counts first (ties:
    smaller ``i``, then smaller ``k``). Returns an int64 array of shape ``(n, 2)``,
    ``n <= n_pairs``, in that order.
    """
    if n_pairs == 0 or X.nnz == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if counts is None:
        P = sp.csr_array((np.ones(X.nnz, dtype=np.float64), X.indices, X.indptr), shape=X.shape)
        C = sp.triu(sp.coo_array(P.T @ P), k=1).tocoo()
        i, k, c = C.row, C.col, C.data
    else:
        # every pair is counted twice off the diagonal (i, k and k, i): the (2 n_pairs)-th
        # largest off-diagonal count is the n_pairs-th largest pair's, the cut below which no
        # pair is kept (one partition of the matrix, no upper-triangle copy)
        n = counts.shape[0]
        flat = counts.astype(np.float64).ravel()  # a copy
        flat[:: n + 1] = -np.inf
        floor = float(max(min_count, 1))  # zero counts are no pairs
        if 2 * n_pairs < flat.size:
            floor = max(floor, float(np.partition(flat, flat.size - 2 * n_pairs)[-2 * n_pairs]))
        at = np.flatnonzero(flat >= floor)
        i, k = np.divmod(at, n)
        upper = i < k
        i, k, c = i[upper], k[upper], flat[at[upper]]
    keep = c >= min_count
    i, k, c = i[keep], k[keep], c[keep]
    if len(c) > n_pairs:  # the n_pairs largest counts, every tie of the last one included
        cut = np.partition(c, len(c) - n_pairs)[len(c) - n_pairs]
        top = c >= cut
        i, k, c = i[top], k[top], c[top]
    order = np.lexsort((k, i, -c))[:n_pairs]
    return np.stack([i[order], k[order]], axis=1).astype(np.int64)


#: Users per block when the pair features are made dense for the Gram products (bounds the
#: block to about 64 MB of float32 whatever the number of users).
_BLOCK_FLOATS = 1 << 24


def gram_matrix(X: sp.csr_array, G: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The float32 Gram matrix of the features ``[X, Z]`` (items, then pairs), `G` being
    ``X'X``: the pair blocks ``X'Z`` and ``Z'Z`` come from dense blocks of users of ``Z``
    (BLAS), which is several times faster than a sparse product once pairs are many."""
    n, m = X.shape[1], len(pairs)
    A = np.zeros((n + m, n + m), dtype=np.float32)
    A[:n, :n] = G
    if m == 0:
        return A
    K = np.zeros((n, m), dtype=np.float32)
    Hm = np.zeros((m, m), dtype=np.float32)
    step = max(1, _BLOCK_FLOATS // m)
    for start in range(0, X.shape[0], step):
        Xb = X[start : start + step]
        Zb = pair_features(Xb, pairs).toarray().astype(np.float32)
        K += np.asarray(Xb.T.astype(np.float32) @ Zb)
        Hm += Zb.T @ Zb
    A[:n, n:] = K
    A[n:, :n] = K.T
    A[n:, n:] = Hm
    return A


def pair_features(H: sp.csr_array, pairs: np.ndarray) -> sp.csr_array:
    """Users x pairs matrix ``z_ur = h_ui * h_uk`` for every pair ``r = (i, k)``."""
    if len(pairs) == 0:
        return sp.csr_array((H.shape[0], 0), dtype=H.dtype)
    Hc = H.tocsc()
    Z = Hc[:, pairs[:, 0]].multiply(Hc[:, pairs[:, 1]])
    return sp.csr_array(Z)


def higher_order_weights(
    X: sp.csr_array,
    pairs: np.ndarray,
    item_penalty: float,
    pair_penalty: float,
    dropout: float = 0.0,
    G: np.ndarray | None = None,
    bar: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""The weights ``(B, C)`` of the higher-order model, solved exactly.

    Every item column :math:`j` is a ridge regression of :math:`x_j` on the features
    :math:`F = [X, Z]` (items, then pairs) with the features of :math:`S_j = \{j\} \cup
    \{r : j \in r\}` held at zero. With :math:`W = (F^\top F + \mathrm{dMat}(\lambda))^{-1}`
    the unconstrained solution is :math:`W F^\top x_j`; the equality constraints are
    added by the Lagrangian, and because :math:`F^\top x_j` is column :math:`j` of
    :math:`F^\top F`, the penalty cancels out of the result:

    .. math:: \theta_j = e_j - W_{:, S_j}\, (W_{S_j S_j})^{-1} e_1,

    (:math:`e_1`: the first unit vector of :math:`|S_j|` entries, :math:`j` itself). For an
    item in no pair this is EASE's :math:`e_j - W_{:,j} / W_{jj}`. One Cholesky inverse of
    the (items + pairs) square Gram matrix, plus one small solve per item that is in pairs.
    :math:`\lambda` is `item_penalty` for the items and `pair_penalty` for the pairs, plus
    ``dropout / (1 - dropout)`` times every feature's own squared norm (EDLAE's penalty).
    `G` is ``X'X`` when the caller has it. `bar` advances after the Gram matrix, the inverse and the weights.
    """
    n, m = X.shape[1], len(pairs)
    A = gram_matrix(X, (X.T @ X).toarray() if G is None else G, pairs)
    if bar is not None:
        bar.update()
    penalty = np.empty(n + m, dtype=np.float64)
    penalty[:n] = item_penalty
    penalty[n:] = pair_penalty
    if dropout > 0.0:
        penalty += dropout / (1.0 - dropout) * np.diag(A).astype(np.float64)
    A[np.diag_indices_from(A)] += penalty.astype(np.float32)
    if A.shape[0] < _ONE_THREAD_BELOW:
        with thread_limits(1):
            W = _spd_inverse(A)
    else:
        W = _spd_inverse(A)
    del A
    if bar is not None:
        bar.update()
    W = np.tril(W)
    W += np.tril(W, -1).T
    # every item: EASE's column e_j - W[:, j] / W[j, j]
    theta = W[:, :n] / -np.diag(W)[None, :n]
    theta[np.arange(n), np.arange(n)] = 0.0
    # items in pairs: the constraint set S_j = {j} + the pairs holding j
    members: list[list[int]] = [[] for _ in range(n)]
    for r, (i, k) in enumerate(pairs.tolist()):
        members[i].append(n + r)
        members[k].append(n + r)
    for j in np.flatnonzero([len(s) > 0 for s in members]).tolist():
        S = np.array([j, *members[j]], dtype=np.int64)
        M = W[np.ix_(S, S)].astype(np.float64)
        v = np.linalg.solve(M, np.eye(len(S))[:, 0])
        col = -(W[:, S].astype(np.float64) @ v)
        col[S] = 0.0  # exactly (e_j cancels the -1 at j; the rest are zero up to rounding)
        theta[:, j] = col
    if bar is not None:
        bar.update()
    return (
        np.ascontiguousarray(theta[:n], dtype=np.float32),
        np.ascontiguousarray(theta[n:], dtype=np.float32),
    )


class HigherOrderEASE(Recommender):
    r"""EASE with item-pair relations: "don't go deeper, go higher" (Steck and Liang, 2021).

    A linear model whose inputs are a user's films *and* pairs of films seen together
    [1]_. Besides EASE's item-item weights :math:`B`, each selected pair
    :math:`r = (i, k)` gets a row of weights :math:`C_{r\cdot}`, used when the user has both
    films: with :math:`z_{ur} = x_{ui} x_{uk}`, the scores are

    .. math:: \hat{x}_u = x_u B + z_u C .

    A pair row can say "people with *both* i and k rarely want j" even when i and k alone
    point to j: a negative interaction that a sum over single items cannot express, and
    that [1]_ adds explicitly instead of going to a deeper model. Training minimises

    .. math:: \|X - XB - ZC\|_F^2 + \lambda_B \|B\|_F^2 + \lambda_C \|C\|_F^2
              \quad \text{s.t.}\quad \mathrm{diag}(B) = 0,\;
              C_{rj} = 0 \text{ for } j \in r,

    so neither an item nor a pair holding it can predict the item itself. The paper
    trains it by ADMM; the problem is a ridge regression per item column with a few
    coordinates held at zero, so this class solves the same optimum exactly in closed
    form (one Cholesky inverse of the :math:`(n_{items} + n_{pairs})` square Gram matrix of
    :math:`[X, Z]`, then a small linear solve per film that is in some pair; see
    :func:`higher_order_weights` in the source). As in the paper, only the pairs with the
    highest co-occurrence counts are used (at least `min_count` users, the `n_pairs` most
    frequent), which bounds the cost: the fit costs about
    :math:`((n_{items} + n_{pairs}) / n_{items})^3` times EASE's.

    Parameters
    ----------
    regularization : float, default=400.0
        :math:`\lambda_B > 0`, the penalty of the item weights (EASE's ``regularization``).
    pair_regularization : float, default=10000.0
        :math:`\lambda_C > 0`, the penalty of the pair weights.
    n_pairs : int, default=1000
        Most pairs used (``0`` gives :class:`EASE` exactly); the most frequent pairs with at
        least `min_count` users are taken. On MovieLens 1M (3,706 films) 1,000 pairs cost
        2.3x EASE's fit. Tuned on validation splits (EDLAE's regularization and dropout,
        ``pair_regularization`` 10,000-30,000), over five split seeds, test NDCG@10 was
        0.3375 against EDLAE's 0.3368 on ml-1m (ahead on every seed) and level with it on
        ml-100k (0.3220 / 0.3219), where 943 users estimate the pairs poorly; large
        ``pair_regularization`` suits small data (``benchmarks/README_recommend.md``).
    min_count : int, default=1
        Fewest users a pair must have (the paper's threshold on co-occurrence counts).
    dropout : float, default=0.0
        :math:`p \in [0, 0.999]`: adds :class:`EDLAE`'s emphasized-denoising penalty
        :math:`\frac{p}{1-p}` times a feature's own squared norm to the penalty of every
        item and pair (an extension, not in [1]_; ``0`` is the paper's model). The figures
        above used EDLAE's tuned value (0.5).
    memory_limit : float, default=4.0
        GiB the (items + pairs) square matrices may take (about ``3 * (n_items +
        n_pairs)**2 * 4`` bytes during :meth:`fit`); larger problems are refused.
    show_progress : bool, default=False
        Show a tqdm bar over the steps of :meth:`fit` (Gram matrix, inverse, weights).

    Attributes
    ----------
    weights_ : numpy.ndarray of float32, shape (n_items, n_items)
        :math:`B`, zero diagonal.
    pairs_ : numpy.ndarray of int64, shape (n_selected, 2)
        The selected pairs ``(i, k)``, ``i < k``, as item positions, most frequent first.
    pair_weights_ : numpy.ndarray of float32, shape (n_selected, n_items)
        :math:`C`; row ``r`` is zero at the two items of pair ``r``.

    Raises
    ------
    InputError
        From :meth:`fit`, when the matrices need more than `memory_limit`, or when the
        interaction values are so large (about 1e18 and above) that the weights overflow
        float32.

    See Also
    --------
    EASE : the model without pairs.
    EDLAE : EASE with the dropout penalty.

    Notes
    -----
    :meth:`explain` splits a pair's contribution :math:`z_{ur} C_{rj}` equally between its
    two films, so the contributions still add up to the score.

    References
    ----------
    .. [1] H. Steck and D. Liang, "Negative Interactions for Improved Collaborative
       Filtering: Don't go Deeper, go Higher", RecSys 2021.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> X = Interactions.from_arrays([0, 0, 1, 1, 2], ["a", "b", "a", "b", "a"])
    >>> model = HigherOrderEASE(1.0, 1.0, n_pairs=10).fit(X)
    >>> model.pairs_.tolist(), model.recommend([2], n=1)[0].tolist()
    ([[0, 1]], [['b']])
    """

    def __init__(
        self,
        regularization: float = 400.0,
        pair_regularization: float = 10000.0,
        n_pairs: int = 1000,
        min_count: int = 1,
        dropout: float = 0.0,
        *,
        memory_limit: float = 4.0,
        show_progress: bool = False,
    ) -> None:
        self.regularization = regularization
        self.pair_regularization = pair_regularization
        self.n_pairs = n_pairs
        self.min_count = min_count
        self.dropout = dropout
        self.memory_limit = memory_limit
        self.show_progress = show_progress

    @staticmethod
    def estimated_memory(n_items: int, n_pairs: int) -> float:
        """GiB that :meth:`fit` needs (three float32 (items + pairs) square arrays)."""
        n = check_int(n_items, "n_items", min_value=0) + check_int(n_pairs, "n_pairs", min_value=0)
        return 3.0 * 4.0 * float(n) ** 2 / _GIB

    def _check_params(self) -> tuple[float, float, int, int, float, float]:
        top = float(np.finfo(np.float32).max)
        lam_b = check_real(
            self.regularization, "regularization", min_value=0.0, min_inclusive=False
        )
        lam_c = check_real(
            self.pair_regularization, "pair_regularization", min_value=0.0, min_inclusive=False
        )
        for name, lam in (("regularization", lam_b), ("pair_regularization", lam_c)):
            if lam > top:
                raise InputError(
                    f"{name}={lam!r} overflows the float32 Gram matrix (largest float32: "
                    f"{top:.3g}); use a value such as 500."
                )
        n_pairs = check_int(self.n_pairs, "n_pairs", min_value=0)
        min_count = check_int(self.min_count, "min_count", min_value=1)
        p = check_real(self.dropout, "dropout", min_value=0.0, max_value=0.999)
        limit = check_real(self.memory_limit, "memory_limit", min_value=0.0, min_inclusive=False)
        check_bool(self.show_progress, "show_progress")
        return lam_b, lam_c, n_pairs, min_count, p, limit

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        lam_b, lam_c, n_pairs, min_count, p, limit = self._check_params()
        n_items = X.shape[1]
        need = self.estimated_memory(n_items, min(n_pairs, n_items * (n_items - 1) // 2))
        if need > limit:
            raise InputError(
                f"HigherOrderEASE needs about {need:.1f} GiB for {n_items:,} items and up to "
                f"n_pairs={n_pairs:,} pairs (dense (items + pairs) square matrices), above "
                f"memory_limit={limit:g} GiB. Use fewer pairs, EASE or SANSA for a catalogue "
                "this large, or raise memory_limit if the machine has the memory."
            )
        X = sp.csr_array(X, dtype=np.float64)
        X.eliminate_zeros()
        with (
            progress_bar(3, "HigherOrderEASE", self.show_progress) as bar,
            np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        ):
            G = (X.T @ X).toarray()
            binary = X.nnz == 0 or bool((X.data == 1.0).all())  # then G holds the counts
            pairs = select_pairs(X, n_pairs, min_count, G if binary else None)
            try:
                B, C = higher_order_weights(X, pairs, lam_b, lam_c, p, G, bar)
                failed = not (np.isfinite(B).all() and np.isfinite(C).all())
            except np.linalg.LinAlgError:  # a per-item system made singular by the overflow
                failed = True
        if failed:
            top = float(X.data.max()) if X.nnz else 0.0
            raise InputError(
                f"HigherOrderEASE weights are not finite: interaction values up to {top:.3g} "
                f"with regularization={lam_b!r}, pair_regularization={lam_c!r} overflow "
                "float32. Scale the values down (e.g. Interactions.to_implicit) or raise the "
                "regularization."
            )
        self.weights_ = B
        self.pairs_ = pairs
        self.pair_weights_ = C

    def _forget_items(self, gone: np.ndarray) -> None:
        # the pairs and weights come from the Gram matrix: solve again without the erased users
        self._fit(self.user_items_, None)

    def _scores(
        self,
        H: sp.csr_array,
        rows: np.ndarray,
        cols: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> np.ndarray:
        Z = pair_features(sp.csr_array(H, dtype=np.float32), self.pairs_)
        if cols is None:
            B, C = self.weights_, self.pair_weights_
        else:
            B, C = self.weights_[:, cols], self.pair_weights_[:, cols]
        S = np.asarray(H @ B, dtype=np.float32)
        if Z.nnz:
            S += np.asarray(Z @ C, dtype=np.float32)
        return S

    def _similarity(self, items: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
        B = self.weights_[items]
        return np.asarray(B if cols is None else B[:, cols], dtype=np.float32)

    def _explain(self, h: sp.csr_array, row: int, item: int) -> tuple[np.ndarray, np.ndarray]:
        idx = h.indices.astype(np.int64)
        contrib = h.data.astype(np.float64) * self.weights_[idx, item].astype(np.float64)
        z = pair_features(sp.csr_array(h, dtype=np.float64), self.pairs_)
        if z.nnz:  # a pair's share split equally between its two films (both in the history)
            r = z.indices
            half = 0.5 * z.data * self.pair_weights_[r, item].astype(np.float64)
            order = np.argsort(idx, kind="stable")
            for side in (0, 1):
                np.add.at(
                    contrib, order[np.searchsorted(idx, self.pairs_[r, side], sorter=order)], half
                )
        return idx, contrib

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {
            "weights": self.weights_,
            "pairs": self.pairs_,
            "pair_weights": self.pair_weights_,
        }, {}

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        m = len(self.item_ids_)
        weights = member(arrays, "weights", kinds="f", shape=(m, m), dtype=np.float32, finite=True)
        pairs = member(arrays, "pairs", kinds="i", shape=(None, 2), dtype=np.int64)
        if len(pairs) and (
            pairs.min() < 0
            or pairs.max() >= m
            or (pairs[:, 0] >= pairs[:, 1]).any()
            or len(np.unique(pairs[:, 0] * m + pairs[:, 1])) != len(pairs)
        ):
            raise FormatError(
                f"array 'pairs' must hold distinct item pairs (i, k) with 0 <= i < k < {m}."
            )
        if len(pairs) > int(self.n_pairs):
            raise FormatError(f"array 'pairs' holds {len(pairs)} pairs, above n_pairs.")
        pair_weights = member(
            arrays, "pair_weights", kinds="f", shape=(len(pairs), m), dtype=np.float32, finite=True
        )
        self.weights_ = weights
        self.pairs_ = pairs
        self.pair_weights_ = pair_weights
