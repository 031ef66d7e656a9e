"""The file layout of the propagation models (private): the ``_export`` / ``_restore``
hooks of :class:`filmreco._persist.Saveable` for
:class:`~filmreco.social.IndependentCascade` and :class:`~filmreco.social.LinearThreshold`.

A file holds the model's graph (nested, under ``graph.``), its per-arc values in arc order
(``edge_probabilities``: drawn random schemes such as ``"trivalency"`` are kept as drawn),
the ``probability`` argument when it was a scheme name or a number (for the repr), the
calibration record of :meth:`~filmreco.social.PropagationModel.from_logs`, and the
family's own options (``normalize`` for Linear Threshold). Loading rebuilds the model with
its constructor, so the values are validated as they were when it was built.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .._persist import export_nested, restore_nested
from ..exceptions import InputError
from .graph import SocialGraph

__all__ = ["export", "restore"]

#: Probability schemes drawn at random (their stored values cannot be recomputed).
_RANDOM_SCHEMES = ("trivalency",)
#: Constructor options saved per family (beyond graph, probability and calibration).
_OPTIONS = {"LinearThreshold": ("normalize",)}


def _options(cls: type) -> tuple[str, ...]:
    for klass in cls.__mro__:
        if klass.__name__ in _OPTIONS:
            return _OPTIONS[klass.__name__]
    return ()


def export(model: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Arrays and JSON metadata of a propagation model."""
    arrays, graph_meta = export_nested(model.graph, "graph.")
    arrays["edge_probabilities"] = np.asarray(model.edge_probabilities, dtype=np.float64)
    p = model.probability
    scalar = isinstance(p, str) or (isinstance(p, numbers.Real) and not isinstance(p, bool))
    meta = {
        "graph": graph_meta,
        "probability": (p if isinstance(p, str) else float(p)) if scalar else None,
        "calibration": model.calibration,
        "options": {k: getattr(model, k) for k in _options(type(model))},
    }
    return arrays, meta


def restore(cls: type, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Any:
    """The model :func:`export` described, rebuilt (and validated) by its constructor."""
    graph = restore_nested(arrays, meta["graph"], "graph.", expected=SocialGraph)
    p = np.asarray(arrays["edge_probabilities"])
    if p.dtype != np.float64:
        raise InputError(f"edge_probabilities must be float64, got {p.dtype}.")
    calibration = meta["calibration"]
    if calibration is not None and not isinstance(calibration, dict):
        raise InputError(f"calibration must be a mapping or null, got {calibration!r}.")
    options = meta["options"]
    if not isinstance(options, dict) or set(options) != set(_options(cls)):
        raise InputError(f"options must be {list(_options(cls))}, got {options!r}.")
    model = cls(graph, p, calibration=calibration, **options)
    shown = meta["probability"]
    if shown is not None:
        # the scheme name or number the model was built with: the constructor checks it,
        # and a deterministic one must give back the stored values
        again = cls(graph, shown, random_state=0, **options).edge_probabilities
        if shown not in _RANDOM_SCHEMES and not np.array_equal(again, model.edge_probabilities):
            raise InputError(f"probability={shown!r} does not give the stored edge_probabilities.")
        model.probability = shown
    return model
