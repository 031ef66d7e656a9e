"""Saving and loading a fitted :class:`~filmreco.social.SocialRecommender` (npz + JSON)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._persist import load_npz, save_npz
from ..exceptions import FormatError
from ..sparse import IdMap
from .graph import SocialGraph

FORMAT_VERSION = 1
KIND = "SocialRecommender"
PARAMS = (
    "weight", "mode", "direction", "half_weight_at", "new_user_weight", "rank_constant",
    "friend_scale",
)  # fmt: skip


def _csr_arrays(prefix: str, X: sp.csr_array) -> dict[str, np.ndarray]:
    return {
        f"{prefix}indptr": X.indptr.astype(np.int64),
        f"{prefix}indices": X.indices.astype(np.int64),
        f"{prefix}data": X.data,
    }


def _csr(arrays: dict[str, np.ndarray], prefix: str, shape: tuple[int, int]) -> sp.csr_array:
    X = sp.csr_array(
        (arrays[f"{prefix}data"], arrays[f"{prefix}indices"], arrays[f"{prefix}indptr"]),
        shape=shape,
    )
    X.check_format(full_check=True)
    return X


def save(model: Any, path: str | os.PathLike[str]) -> Path:
    base = model.base_
    if not hasattr(base, "_export"):
        raise TypeError(
            f"saving needs a filmreco Recommender as the base (it saves itself into the same "
            f"file); got {type(base).__name__}. Save your base yourself and refit with refit=False."
        )
    base_arrays, base_meta = base._export()
    arrays = {f"base_{k}": v for k, v in base_arrays.items()}
    g = model.graph
    ga, gm = g.node_ids.to_arrays("node_")
    arrays.update({f"graph_{k}": v for k, v in ga.items()})
    arrays.update(_csr_arrays("graph_adj_", g.out_adj))
    ua, um = model.user_ids_.to_arrays("user_")
    ia, im = model.item_ids_.to_arrays("item_")
    arrays.update(ua)
    arrays.update(ia)
    arrays.update(_csr_arrays("ui_", model.user_items_))
    arrays.update(_csr_arrays("friends_", model.friends_))
    arrays.update(_csr_arrays("social_", model.social_))
    meta = {
        "params": {k: getattr(model, k) for k in PARAMS},
        "base": base_meta,
        "graph": {**gm, "directed": g.directed, "weighted": g.weighted},
        **um,
        **im,
    }
    return save_npz(path, arrays, kind=KIND, version=FORMAT_VERSION, meta=meta)


def load(cls: type, path: str | os.PathLike[str]) -> Any:
    from ..recommend._io import registry

    arrays, header = load_npz(path, kind=KIND, max_version=FORMAT_VERSION)
    meta = header["meta"]
    try:
        base_meta = meta["base"]
        base_cls = registry().get(base_meta["class"])
        if base_cls is None:
            raise FormatError(f"unknown base recommender class {base_meta['class']!r}.")
        part = {k[len("base_") :]: v for k, v in arrays.items() if k.startswith("base_")}
        base = base_cls._restore(part, base_meta)
        gpart = {k[len("graph_") :]: v for k, v in arrays.items() if k.startswith("graph_")}
        nodes = IdMap.from_arrays(gpart, meta["graph"], "node_")
        n = len(nodes)
        adj = _csr(gpart, "adj_", (n, n))
        graph = SocialGraph(
            adj, nodes, directed=meta["graph"]["directed"], weighted=meta["graph"]["weighted"]
        )
        model = cls(base, graph, **meta["params"], refit=False)
        users = IdMap.from_arrays(arrays, meta, "user_")
        items = IdMap.from_arrays(arrays, meta, "item_")
        nu, ni = len(users), len(items)
        model.base_ = base
        model.user_ids_ = users
        model.item_ids_ = items
        model.user_items_ = _csr(arrays, "ui_", (nu, ni))
        model.friends_ = _csr(arrays, "friends_", (nu, nu))
        model.social_ = _csr(arrays, "social_", (nu, ni))
    except FormatError:
        raise
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise FormatError(
            f"{str(path)!r} holds an inconsistent SocialRecommender ({type(exc).__name__}: {exc})."
        ) from exc
    return model
