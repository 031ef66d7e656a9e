"""Saving and loading recommenders (private): a thin layer on :class:`filmreco._persist.Saveable`.

A recommender's file holds its id maps, its training matrix, the items' popularity, the
seen pairs outside the training matrix (``seen_extra_*``, format version 2, only when
there are some), the JSON-safe hyper-parameters it was fitted with and the model's own
learned state (``_state`` / ``_set_state``, prefixed ``state_``). Format version 3 is
written by models whose state holds records that erasure needs (``_state_version``:
Popularity's counted views, a Hybrid's learned-weight record); its header says whether
the seen members are present (``meta["seen"]``). Every concrete class registers itself at creation:
by name for nested restores (:func:`registry`) and by kind for :func:`filmreco.load`.

Loading validates the file as ``fit`` would: every constructor parameter must be present
(or listed as unsaved) and known, and passes the model's ``_check_params`` (the checks its
``_fit`` runs first); the training matrix, popularity and the model's state arrays are
checked for dtype, shape and finite values; any failure is a FormatError.
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scipy.sparse as sp

from .._persist import Saveable, csr_from_arrays, member
from .._registry import register
from .._validation import check_fitted, shorten
from ..data._ops import (
    pattern,
    require_seen_members,
    seen_from_arrays,
    seen_or_none,
    seen_to_arrays,
    union_pattern,
)
from ..exceptions import FormatError, InputError, InputTypeError
from ..sparse import IdMap

__all__ = ["PersistMixin", "registry"]

_REGISTRY: dict[str, type[Any]] = {}


def registry() -> dict[str, type[Any]]:
    """Every concrete recommender class by name (used by :meth:`Recommender.load`)."""
    return dict(_REGISTRY)


def _json_safe(value: Any) -> bool:
    if value is None or isinstance(value, (bool, str)):
        return True
    if isinstance(value, numbers.Real):
        return bool(np.isfinite(float(value)))
    if isinstance(value, (list, tuple)):
        return all(_json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_safe(v) for k, v in value.items())
    return False


def _plain(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _kind_of(cls: type[Any]) -> str:
    """``recommender.<Name>`` for filmreco's classes; module-qualified for anybody else's."""
    if cls.__module__.split(".")[0] == "filmreco":
        return f"recommender.{cls.__name__}"
    return f"recommender.{cls.__module__}:{cls.__qualname__}"


class PersistMixin(Saveable):
    """:meth:`save` / :meth:`load` of a fitted recommender (learned state from ``_state``)."""

    #: Newest format version read: 2 adds the seen set, 3 the erasure records of a
    #: model's state (see ``_save_version``).
    _persist_version: ClassVar[int] = 3
    # provided by Recommender (declared for the type checker)
    user_ids_: IdMap
    item_ids_: IdMap
    user_items_: sp.csr_array
    seen_: sp.csr_array | None
    item_popularity_: np.ndarray
    _fitted: bool
    #: the parameters ``fit`` read (JSON-safe copies, unsaved names): what save writes
    _fit_params_: tuple[dict[str, Any], list[str]]

    if TYPE_CHECKING:

        def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {}, {}

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        pass

    def _check_params(self) -> Any:
        """Check the hyper-parameters as :meth:`fit` does; return what the model needs.

        ``_fit`` calls it first, and :meth:`load` calls it on the restored model, so a
        file can hold only parameters that fit would accept (one validation path).
        Raises InputError naming the parameter. Default: no parameters to check.
        """
        return None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_") and cls.__name__ != "Recommender":
            _REGISTRY[cls.__name__] = cls
            cls._persist_kind = _kind_of(cls)
            register(cls._persist_kind, cls)

    # persistence --------------------------------------------------------------------
    def _params_snapshot(self) -> tuple[dict[str, Any], list[str]]:
        """The current JSON-safe parameters (plain copies) and the names of the others."""
        params, dropped = {}, []
        for k, v in self.get_params(deep=False).items():
            if _json_safe(v):
                params[k] = _plain(v)
            else:
                dropped.append(k)
        return params, dropped

    def _saved_params(self) -> tuple[dict[str, Any], list[str]]:
        """The parameters the fitted state was fitted with (taken by ``fit`` and ``load``).

        ``set_params`` on a fitted model applies at the next :meth:`fit`, as in
        scikit-learn, so the file describes the state it holds, and always loads.
        """
        snapshot = getattr(self, "_fit_params_", None)
        if snapshot is None:  # a subclass that fits without Recommender.fit
            return self._params_snapshot()
        params, dropped = snapshot
        return dict(params), list(dropped)

    def _state_version(self) -> int:
        """The format version the model's ``_state`` needs (3: records for erasure)."""
        return 1

    def _check_saveable(self) -> None:
        check_fitted(self)

    def _export(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """All arrays and JSON metadata of the fitted model (what :meth:`save` writes)."""
        arrays: dict[str, np.ndarray] = {}
        ua, um = self.user_ids_.to_arrays("user_")
        ia, im = self.item_ids_.to_arrays("item_")
        X = self.user_items_
        arrays.update(ua)
        arrays.update(ia)
        arrays.update(
            {
                "ui_indptr": X.indptr.astype(np.int64),
                "ui_indices": X.indices.astype(np.int64),
                "ui_data": X.data,
                "item_popularity": self.item_popularity_,
            }
        )
        seen = getattr(self, "seen_", None)
        if seen is not None:  # only the pairs seen outside the training matrix
            arrays.update(seen_to_arrays(seen, X))
        state, state_meta = self._state()
        arrays.update({f"state_{k}": v for k, v in state.items()})
        params, dropped = self._saved_params()
        meta = {
            "class": type(self).__name__,
            "params": params,
            "unsaved_params": dropped,
            "state": state_meta,
            **um,
            **im,
        }
        if self._save_version() >= 3:  # whether the seen members are in the file
            meta["seen"] = seen is not None
        return arrays, meta

    @classmethod
    def _upgrade(
        cls, arrays: dict[str, np.ndarray], meta: dict[str, Any], kind: str, version: int
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        if version < 3:  # version 2 is written only with a seen set
            require_seen_members(arrays, version)
            return arrays, meta
        has_seen = meta.get("seen")
        if not isinstance(has_seen, bool):
            raise FormatError(f"seen must be true or false, got {shorten(has_seen)}.")
        if not has_seen and "seen_extra_indptr" in arrays:
            raise FormatError("the file holds a seen set that its header says it has not.")
        require_seen_members(arrays, 2 if has_seen else 1)
        return arrays, meta

    def _save_version(self) -> int:
        # the oldest version that holds the model, so older filmreco refuses a file only
        # when it would misread it: 3 for a state with erasure records, 2 for a model with
        # a seen set (older filmreco would recommend films it would not know were seen), 1
        state = self._state_version()
        if state >= 3:
            return state
        return 2 if getattr(self, "seen_", None) is not None else 1

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Save the fitted model to ``.npz`` + JSON header (no pickle, atomic write).

        The file holds the hyper-parameters the model was fitted with: a
        ``set_params`` after :meth:`fit` applies at the next fit (as in scikit-learn),
        so it does not change what is saved. Hyper-parameters that JSON cannot hold (a
        ``Generator`` random_state, a catalogue object) are not stored; the learned state
        does not need them, and :meth:`load` gives them their default values.

        Parameters
        ----------
        path : str or path-like
            Target file; ``.npz`` is appended when missing.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        return super().save(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Any:
        """Load a model written by :meth:`save` (call it on the model's class).

        Parameters
        ----------
        path : str or path-like
            The file (``.npz`` is appended when `path` does not exist without it).

        Returns
        -------
        Recommender
            The fitted model, ready to recommend.

        Raises
        ------
        FormatError
            The file holds another kind of model, is of a newer format version, or was
            truncated or edited.
        """
        if _REGISTRY.get(cls.__name__) is not cls:
            raise InputTypeError("call load on the model class, e.g. EASE.load(path).")
        return super().load(path)

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Any:
        params, unsaved = meta["params"], meta.get("unsaved_params", [])
        if not isinstance(params, dict):
            raise FormatError(f"params must be a mapping, got {shorten(params)}.")
        if not isinstance(unsaved, list) or not all(isinstance(k, str) for k in unsaved):
            raise FormatError(f"unsaved_params must be a list of names, got {shorten(unsaved)}.")
        names = set(cls._get_param_names())  # type: ignore[attr-defined]
        missing = sorted(names - set(params) - set(unsaved))
        unknown = sorted(set(params) - names)
        if missing or unknown:
            raise FormatError(
                f"the parameters of {cls.__name__} in the file "
                + (f"lack {missing}" if missing else f"include unknown names {unknown}")
                + "; the file was edited or written by another version."
            )
        model = cls(**params)
        model.user_ids_ = IdMap.from_arrays(arrays, meta, "user_")
        model.item_ids_ = IdMap.from_arrays(arrays, meta, "item_")
        shape = (len(model.user_ids_), len(model.item_ids_))
        X = csr_from_arrays(arrays, "ui_", shape, fits=np.float32)
        if X.dtype.kind != "f" or (X.nnz and X.data.min() < 0):
            raise FormatError("ui_data must hold floats >= 0 (the training values).")
        model.user_items_ = X if X.dtype == np.float32 else X.astype(np.float32)
        model.seen_ = None
        extra = seen_from_arrays(arrays, shape)
        if extra is not None:
            seen = union_pattern(pattern(model.user_items_), extra)
            model.seen_ = seen_or_none(seen, model.user_items_)
        pop = member(
            arrays, "item_popularity", kinds="f", shape=(shape[1],), finite=True, fits=np.float32
        )
        model.item_popularity_ = pop.astype(np.float64)
        state = {k[len("state_") :]: v for k, v in arrays.items() if k.startswith("state_")}
        state_meta = meta.get("state", {})
        if not isinstance(state_meta, dict):
            raise FormatError(f"state must be a mapping, got {shorten(state_meta)}.")
        model._set_state(state, state_meta)
        try:
            model._check_params()
        except InputError as exc:
            raise FormatError(f"the file holds an invalid parameter: {exc}") from exc
        model._fit_params_ = model._params_snapshot()
        model._fitted = True
        return model
