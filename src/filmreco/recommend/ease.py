"""EASE: a closed-form linear item-item model (Steck, 2019)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from .._parallel import progress_bar, thread_limits
from .._persist import csr_from_arrays, member
from .._validation import check_bool, check_int, check_real
from ..data import Catalog
from ..exceptions import FormatError, InputError, InputTypeError
from ..sparse import IdMap
from ._base import Recommender
from ._side import catalog_only_items, check_side_fields, shuffle_catalog, side_matrix

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
    catalog : Catalog, optional
        The films' metadata, used as side information (see below); None (the default)
        gives plain EASE. It is not saved with the model (the fitted weights hold what
        it contributed); a loaded model has ``catalog=None``.
    side_fields : sequence of str or dict of str to float, default=("genres",)
        Catalogue fields whose values become side rows, or a dict of field to a weight
        multiplying `side_weight` for that field. List cells give one feature per
        element, other cells one feature per distinct value (text is not tokenised: use
        :class:`ContentBased` for plot summaries).
    side_weight : float, default=10.0
        :math:`w \ge 0`: how many users each feature value counts as. 0 gives plain EASE.
        It is not scale-free (a feature row weighs like `w` users who watched all the
        films that have it): tune it on validation data, with 0 in the grid (see below).
    cold_start_items : bool, default=False
        Also score the catalogue's films that have no interactions but a value in
        `side_fields` (new releases): they join ``item_ids_`` and are scored through the
        films they share values with. Only with a `catalog`.
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
    side_features_ : scipy.sparse.csr_array of shape (n_items, n_features), or None
        With a `catalog`: 1 where the film has the feature value (None without).
    side_feature_fields_, side_feature_values_ : numpy.ndarray of str, or None
        Field and value of each column of ``side_features_``.

    Notes
    -----
    **Side information.** With a `catalog`, the model is the *collective* EASE of Jeunen,
    Van Balen and Goethals [2]_: EASE fitted on the interactions stacked with one row per
    feature value (``"genres": "武侠"``), :math:`\sqrt{w}` on the films that have it, as if
    `w` users had watched exactly those films. Films that share values then co-occur more,
    which helps where interactions are few; users are scored as without it,
    :math:`x_u B`. The Gram matrix gains :math:`w S S^\top` (`S`: films x values), so the
    fit costs what EASE's does.

    Whether a catalogue helps depends on the data. :func:`~filmreco.recommend.tune` with
    ``side_weight`` 0 in the grid keeps the catalogue only if it beats plain EASE
    significantly on the validation users *and* beats the same model on a
    :func:`shuffle_catalog` (each film given another film's metadata), simultaneously over
    the candidates at 5%, so metadata that carries no signal is refused with probability
    at least 95%. On MovieLens 100k's 19 genres (five split seeds,
    ``benchmarks/bench_side_information.py``) the guard kept the genres on 2 of 5 seeds
    for EASE (test NDCG@10 0.3210 against 0.3199 without, never below it) and 3 of 5 for
    EDLAE (0.3224 against 0.3218), and refused a shuffled catalogue on 10 of 10. Chosen
    by validation score alone (no guard), the genres lifted EASE to 0.3235 and the best
    stack by +0.0022 (``benchmarks/README_recommend.md``): the guard gives up some of a
    small gain for never adding noise.

    Raises
    ------
    InputError
        From :meth:`fit`, when the catalogue needs more than `memory_limit`: use
        :class:`~filmreco.recommend.SANSA` (the same model through a sparse approximate
        inverse; the message gives the arguments) or :class:`~filmreco.recommend.ALS`.

    References
    ----------
    .. [1] H. Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019.
    .. [2] O. Jeunen, J. Van Balen and B. Goethals, "Closed-Form Models for Collaborative
       Filtering with Side-Information", RecSys 2020 (late-breaking results).

    Examples
    --------
    >>> from filmreco.data import Catalog, Interactions
    >>> X = Interactions.from_arrays([0, 0, 1, 1, 2], ["a", "b", "a", "b", "a"])
    >>> EASE(regularization=1.0).fit(X).recommend([2], n=1)[0].tolist()
    [['b']]

    With the catalogue's genres as side information, a new film can be recommended
    before anyone has watched it (user 3 watched a 武侠 film; "new" is one):

    >>> X = Interactions.from_arrays([0, 0, 1, 1, 2, 2, 3], ["a", "b", "a", "b", "c", "d", "a"])
    >>> cat = Catalog.from_records([{"id": f, "genres": [g]} for f, g in [
    ...     ("a", "武侠"), ("b", "武侠"), ("c", "科幻"), ("d", "科幻"), ("new", "武侠"),
    ...     ("new2", "科幻")]])
    >>> model = EASE(1.0, catalog=cat, side_weight=1.0, cold_start_items=True).fit(X)
    >>> model.recommend([3], n=2)[0].tolist()
    [['b', 'new']]
    """

    def __init__(
        self,
        regularization: float = 500.0,
        *,
        catalog: Catalog | None = None,
        side_fields: Sequence[str] | Mapping[str, float] = ("genres",),
        side_weight: float = 10.0,
        cold_start_items: bool = False,
        memory_limit: float = 4.0,
        show_progress: bool = False,
    ) -> None:
        self.regularization = regularization
        self.catalog = catalog
        self.side_fields = side_fields
        self.side_weight = side_weight
        self.cold_start_items = cold_start_items
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
        # the side-information checks that need no catalogue (it is not saved)
        check_side_fields(self.side_fields)
        check_real(self.side_weight, "side_weight", min_value=0.0, max_value=1e12)
        check_bool(self.cold_start_items, "cold_start_items")
        if self.catalog is not None and not isinstance(self.catalog, Catalog):
            raise InputTypeError(
                "catalog must be None or a filmreco.data.Catalog with the films' metadata, "
                f"got {type(self.catalog).__name__}."
            )
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

    # side information (Jeunen et al. 2020) ---------------------------------------------
    def _side_catalog(self) -> Catalog | None:
        self._check_params()  # the catalogue's type among them
        return self.catalog

    def _item_universe(self, items: IdMap) -> IdMap:
        cat = self._side_catalog()
        if cat is None or not self.cold_start_items:
            return items
        extra = catalog_only_items(cat, items, check_side_fields(self.side_fields))
        return items.extend(extra) if extra.size else items

    def _side_rows(self) -> sp.csr_array | None:
        """The feature rows stacked under the interactions, ``sqrt(w) S^T`` (None without)."""
        S, names = self.side_features_, self.side_feature_fields_
        if S is None or names is None:
            return None
        fields = check_side_fields(self.side_fields)
        w = float(self.side_weight) * np.array([fields.get(f, 0.0) for f in names])
        return sp.csr_array(sp.csr_array(S, dtype=np.float64).multiply(np.sqrt(w)[None, :]).T)

    def _null_candidate(self, params: dict[str, Any]) -> bool:
        """Whether these parameters (over this model's) give plain EASE: no catalogue, or
        a zero side weight without catalogue-only films. :func:`~filmreco.recommend.tune`
        keeps the catalogue only if it beats them significantly."""
        p = {**self.get_params(deep=False), **params}
        if p.get("catalog") is None:
            return True
        try:
            return float(p["side_weight"]) == 0.0 and not bool(p["cold_start_items"])
        except (TypeError, ValueError):
            return False

    def _tuning_control(self, tuned: set[str], random_state: Any) -> dict[str, Any] | None:
        """The control of :func:`~filmreco.recommend.tune`: the same parameters with the
        films' metadata dealt to the films at random (:func:`shuffle_catalog`), so
        a catalogue must beat what any metadata with the same value counts would give.
        None when the grid tunes the catalogue itself or there is none."""
        if "catalog" in tuned or not isinstance(self.catalog, Catalog):
            return None
        return {"catalog": shuffle_catalog(self.catalog, random_state)}

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        cat = self._side_catalog()
        self.side_features_: sp.csr_array | None = None
        self.side_feature_fields_: np.ndarray | None = None
        self.side_feature_values_: np.ndarray | None = None
        if cat is not None:
            fields = check_side_fields(self.side_fields)
            S, names, values = side_matrix(cat, self.item_ids_.ids, fields)
            self.side_features_ = sp.csr_array(S, dtype=np.float32)
            self.side_feature_fields_, self.side_feature_values_ = names, values
        self._solve(X)

    def _solve(self, X: sp.csr_array) -> None:
        """The weights from the interactions `X` and the stored side features."""
        side = self._side_rows()
        if side is not None:
            X = sp.csr_array(sp.vstack([sp.csr_array(X, dtype=np.float64), side], format="csr"))
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
        self._solve(self.user_items_)

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
        arrays = {"weights": self.weights_}
        S, names, values = self.side_features_, self.side_feature_fields_, self.side_feature_values_
        if S is not None and names is not None and values is not None:
            # so forget_users can solve again after a load
            arrays.update(
                {
                    "side_indptr": S.indptr,
                    "side_indices": S.indices,
                    "side_data": S.data,
                    "side_fields": names,
                    "side_values": values,
                }
            )
        return arrays, {}

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        m = len(self.item_ids_)
        shape = (m, m)
        self.weights_ = member(
            arrays, "weights", kinds="f", shape=shape, dtype=np.float32, finite=True
        )
        self.side_features_ = None
        self.side_feature_fields_ = self.side_feature_values_ = None
        if "side_fields" in arrays:
            fields = member(arrays, "side_fields", kinds="U", shape=(None,))
            values = member(arrays, "side_values", kinds="U", shape=fields.shape)
            S = csr_from_arrays(arrays, "side_", (m, fields.size), dtype=np.float32)
            if S.nnz and not (S.data == 1.0).all():
                raise FormatError("side_data must hold ones (a film has a feature value or not).")
            self.side_features_ = S
            self.side_feature_fields_, self.side_feature_values_ = fields, values

    @classmethod
    def _upgrade(
        cls, arrays: dict[str, np.ndarray], meta: dict[str, Any], kind: str, version: int
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, meta = super()._upgrade(arrays, meta, kind, version)
        params, unsaved = meta.get("params"), meta.get("unsaved_params", [])
        new = ("side_fields", "side_weight", "cold_start_items")
        if (
            isinstance(params, dict)
            and isinstance(unsaved, list)
            and not any(k in params or k in unsaved for k in (*new, "catalog"))
        ):
            # a file from before the side-information option: plain EASE, the defaults
            defaults = cls().get_params(deep=False)
            added = {k: defaults[k] for k in new}
            added["side_fields"] = list(added["side_fields"])  # as JSON holds it
            meta = {**meta, "params": {**params, **added, "catalog": None}}
        return arrays, meta
