"""Cross-domain recommendation: collective matrix factorisation over a partner domain."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._persist import member
from .._validation import check_fitted, check_option, check_real
from ..data import Interactions
from ..exceptions import InputError, InputTypeError
from ..sparse import IdMap, build_csr, row_indices
from ._inputs import take_rows
from .als import ALS

__all__ = ["CrossDomain"]

_PARTNER_ONLY = ("keep", "drop")


def _id_kind_check(film: IdMap, partner: IdMap) -> None:
    if len(film) and len(partner) and film.kind != partner.kind:
        raise InputError(
            f"the film interactions have {film.kind} user ids but the partner's are "
            f"{partner.kind} ids, so no user can be joined; convert one side (e.g. astype(str)) "
            "or pseudonymise both with the same filmreco.privacy.Pseudonymizer."
        )


def _grow_rows(X: sp.csr_array, n_rows: int) -> sp.csr_array:
    """`X` with empty rows appended up to `n_rows` (same data arrays)."""
    pad = np.full(n_rows - X.shape[0], X.indptr[-1], dtype=X.indptr.dtype)
    out = sp.csr_array(
        (X.data, X.indices, np.concatenate([X.indptr, pad])), shape=(n_rows, X.shape[1])
    )
    out.has_canonical_format = True
    return out


class CrossDomain(ALS):
    r"""Collective matrix factorisation: film and partner items share the user factors.

    A partner domain (e-commerce purchases, game plays, ...) shares some users with the
    film platform. CrossDomain fits implicit ALS (:class:`ALS`, same solver) on the users
    x (films + partner items) matrix ``[X_film, w * X_partner]``: one factor vector per
    user explains both domains, so what a user bought tells the model about the films they
    may like. It helps most for users new or sparse on the film side. Recommendations,
    scores, audiences and similar items are over the **film items only**.

    Parameters
    ----------
    n_factors : int, default=64
        Latent dimension.
    domain_weight : float, default=1.0
        :math:`w \ge 0`: partner interaction strengths are multiplied by it before the
        confidence transform, so a partner event weighs :math:`1 + \alpha w r` against
        :math:`1 + \alpha r` for a film event (unobserved cells weigh 1 in both domains).
        ``0`` ignores the partner domain: the film side is then exactly :class:`ALS` on
        the same users, and ``partner_factors_`` is zero.
    partner_only : {"keep", "drop"}, default="keep"
        Partner users unknown to the film side always help learn the partner item factors
        (and through them the shared space). ``"keep"``: they become known users of the
        model, with an empty film history, so :meth:`recommend` serves them from their
        partner history (cold start on the film side). ``"drop"``: their factors are
        discarded after fitting; the model then knows only the film users.
    regularization, alpha, confidence, epsilon, max_iter, cg_steps : see :class:`ALS`
        As in :class:`ALS`.
    track_loss, show_progress, random_state, n_jobs : see :class:`ALS`
        As in :class:`ALS`.

    Attributes
    ----------
    user_factors_ : numpy.ndarray of float32, shape (n_users, n_factors)
        Film users first (in the order of the film interactions), then the kept
        partner-only users.
    item_factors_ : numpy.ndarray of float32, shape (n_items, n_factors)
        Film item factors.
    partner_item_ids_ : IdMap
        Partner items.
    partner_factors_ : numpy.ndarray of float32, shape (n_partner_items, n_factors)
    n_shared_users_ : int
        Users present on both sides.

    Notes
    -----
    Users are joined on their ids, which must be of the same kind on both sides (in a
    collaboration: pseudonyms from one :class:`filmreco.privacy.Pseudonymizer`). The
    partner matrix is used only while fitting and is not stored in the model (nor in
    :meth:`save`): the model keeps partner *item* factors, not partner histories.
    :meth:`fold_in` and ``recommend(..., user_items=...)`` use film histories only; a
    user folded in loses what the partner history added to their factors.

    Collective matrix factorisation: Singh and Gordon, "Relational learning via collective
    matrix factorization", KDD 2008; with Hu et al.'s implicit-feedback confidence.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> films = Interactions.from_arrays(["a", "a", "b", "b", "c"], ["f1", "f2", "f1", "f2", "f3"])
    >>> shop = Interactions.from_arrays(["b", "c", "d"], ["p1", "p1", "p1"])
    >>> model = CrossDomain(n_factors=2, regularization=0.1, random_state=0)
    >>> model = model.fit(films, partner=shop)
    >>> model.user_ids_.ids.tolist()  # "d" is known only through the partner
    ['a', 'b', 'c', 'd']
    >>> model.recommend(["d"], n=3)[0].shape
    (1, 3)
    """

    _empty_history_is_popular = False  # partner histories carry the user

    def __init__(
        self,
        n_factors: int = 64,
        *,
        domain_weight: float = 1.0,
        partner_only: str = "keep",
        regularization: float = 10.0,
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
        super().__init__(
            n_factors,
            regularization=regularization,
            alpha=alpha,
            confidence=confidence,
            epsilon=epsilon,
            max_iter=max_iter,
            cg_steps=cg_steps,
            track_loss=track_loss,
            show_progress=show_progress,
            random_state=random_state,
            n_jobs=n_jobs,
        )
        self.domain_weight = domain_weight
        self.partner_only = partner_only

    def fit(self, interactions: Any, partner: Any = None) -> CrossDomain:
        """Learn from the film interactions and a partner domain's interactions.

        Parameters
        ----------
        interactions : Interactions
            Film users x films (implicit feedback).
        partner : Interactions, optional
            Partner users x partner items, users matched to the film users by id. Without
            it the model is plain ALS on the film side.

        Returns
        -------
        self

        Raises
        ------
        InputError
            The user ids of the two sides are of different kinds, `domain_weight` is
            negative, or as in :meth:`ALS.fit`.
        TypeError
            `interactions` or `partner` is not an Interactions.
        """
        self._check_params()
        w = float(self.domain_weight)
        if not isinstance(interactions, Interactions):
            raise InputTypeError(
                "interactions must be a filmreco.data.Interactions (users are joined to the "
                f"partner by id), got {type(interactions).__name__}."
            )
        if partner is None:
            partner = Interactions(sp.csr_array((0, 0), dtype=np.float32), IdMap([]), IdMap([]))
        elif not isinstance(partner, Interactions):
            raise InputTypeError(
                f"partner must be a filmreco.data.Interactions, got {type(partner).__name__}."
            )
        _id_kind_check(interactions.user_ids, partner.user_ids)
        film_users = interactions.user_ids
        P = partner.matrix
        active = partner.user_ids.ids[np.diff(P.indptr) > 0]
        union = film_users.extend(active) if active.size else film_users
        n_film = len(film_users)
        keep = len(union) if self.partner_only == "keep" else n_film
        film = Interactions._trusted(
            _grow_rows(interactions.matrix, keep),
            union.subset(np.arange(keep)),
            interactions.item_ids,
            interactions.timestamps,
            interactions.ratings,
            _grow_rows(interactions.seen, keep),
        )
        prow = union.index(partner.user_ids.ids, on_unknown="mask")[row_indices(P)]
        ok = prow >= 0  # users without partner events are not in `union` when unknown
        self._pending = (
            build_csr(
                prow[ok], P.indices[ok], P.data[ok] * np.float32(w),
                shape=(len(union), P.shape[1]), duplicates="sum",
            ),
            partner.item_ids,
            int(np.count_nonzero(film_users.contains(active))) if active.size else 0,
        )  # fmt: skip
        try:
            super().fit(film)
        finally:
            del self._pending
        return self

    def _check_params(self) -> tuple[int, int, int]:
        check_option(self.partner_only, _PARTNER_ONLY, "partner_only")
        check_real(self.domain_weight, "domain_weight", min_value=0.0)
        return super()._check_params()

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        Pw, partner_items, n_shared = self._pending
        n_keep, n_film_items = X.shape
        n_all = Pw.shape[0]
        Pw.eliminate_zeros()
        if Pw.nnz:
            stacked = sp.csr_array(sp.hstack([_grow_rows(X, n_all), Pw], format="csr"))
        else:  # no partner signal (e.g. domain_weight=0): exactly ALS on the film side
            stacked = _grow_rows(X, n_all)
        super()._fit(stacked, timestamps)
        U, V = self.user_factors_, self.item_factors_
        f = U.shape[1]
        self.user_factors_ = np.ascontiguousarray(U[:n_keep])
        self.item_factors_ = np.ascontiguousarray(V[:n_film_items])
        self.partner_factors_ = (
            np.ascontiguousarray(V[n_film_items:])
            if Pw.nnz
            else np.zeros((Pw.shape[1], f), dtype=np.float32)
        )
        self.partner_item_ids_ = partner_items
        self.n_shared_users_ = n_shared

    # persistence ------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, meta = super()._state()
        ids, ids_meta = self.partner_item_ids_.to_arrays("partner_")
        arrays.update(ids)
        arrays["partner_factors"] = self.partner_factors_
        arrays["n_shared_users"] = np.asarray([self.n_shared_users_], dtype=np.int64)
        return arrays, {**meta, "partner_ids": ids_meta}

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        super()._set_state(arrays, meta)
        items = IdMap.from_arrays(arrays, meta["partner_ids"], "partner_")
        shape = (len(items), self.item_factors_.shape[1])
        Z = member(arrays, "partner_factors", kinds="f", shape=shape, finite=True, fits=np.float32)
        self.partner_item_ids_, self.partner_factors_ = items, Z.astype(np.float32, copy=False)
        shared = member(arrays, "n_shared_users", kinds="iu", shape=(1,))
        if int(shared[0]) < 0:
            raise InputError(f"n_shared_users={int(shared[0])} is not a count of users.")
        self.n_shared_users_ = int(shared[0])

    def partner_scores(self, user_ids: Any) -> np.ndarray:
        """Scores of every partner item for known users: shape (n_users, n_partner_items).

        For a partner's own use (e.g. which products to show a film's audience); item
        order is ``partner_item_ids_``.
        """
        check_fitted(self)
        rows = self.user_ids_.index(user_ids, name="user_ids")
        U = self._user_vectors(take_rows(self.user_items_, rows), rows)
        return np.asarray(U @ self.partner_factors_.T, dtype=np.float32)
