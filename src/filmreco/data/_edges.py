"""The :class:`EdgeList` container: edges between nodes with external ids (social graphs)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._persist import Saveable
from .._validation import check_bool, check_finite, check_option, renamed_keyword, shorten
from ..exceptions import InputError, InputTypeError, UnknownIdError
from ..sparse import IdMap, as_id_array
from ._clean import as_float_array, codes_by_appearance, raw_array, warn_data

__all__ = ["EdgeList"]


def _check_node_ids(value: Any, name: str) -> IdMap:
    """Return `value` if it is an IdMap, else a TypeError naming `name`."""
    if not isinstance(value, IdMap):
        raise InputTypeError(
            f"{name} must be an IdMap (e.g. Interactions.user_ids), got {type(value).__name__}."
        )
    return value


def node_ids_argument(
    node_ids: Any, node_map: Any, *, where: str, stacklevel: int = 4
) -> IdMap | None:
    """The fixed node ids given as `node_ids` or its deprecated name `node_map` (or None).

    Each is checked to be an IdMap under its own name before the old name is mapped on.
    """
    for name, value in (("node_ids", node_ids), ("node_map", node_map)):
        if value is not None:
            _check_node_ids(value, name)
    return renamed_keyword(  # type: ignore[no-any-return]
        node_ids, node_map, new="node_ids", old="node_map", where=where, stacklevel=stacklevel
    )


class EdgeList(Saveable):
    """Edges of a (social) graph as index arrays plus the external ids of the nodes.

    Self-loops and repeated edges are kept exactly as given: graph builders decide what
    to do with them.

    Parameters
    ----------
    sources, targets : array-like of int
        Node *indices* (``0..n_nodes-1``) of each edge; use :meth:`from_arrays` for
        external ids.
    weights : array-like of float, optional
        One finite weight per edge (negative weights, as in signed networks, are allowed).
    node_ids : IdMap
        External node ids, index order.
    directed : bool, default=True

    Examples
    --------
    >>> E = EdgeList.from_arrays(["ann", "bob", "ann"], ["bob", "cat", "cat"])
    >>> E
    EdgeList(n_nodes=3, n_edges=3, directed=True, weighted=False)
    >>> E.node_ids.ids.tolist(), E.sources.tolist(), E.targets.tolist()
    (['ann', 'bob', 'cat'], [0, 1, 0], [1, 2, 2])
    >>> sorted(E.to_networkx().successors("ann"))
    ['bob', 'cat']
    """

    __slots__ = ("_directed", "_node_ids", "_sources", "_targets", "_weights")
    _persist_kind = "EdgeList"

    def __init__(
        self,
        sources: Any,
        targets: Any,
        weights: Any = None,
        *,
        node_ids: IdMap,
        directed: bool = True,
    ) -> None:
        _check_node_ids(node_ids, "node_ids")
        directed = check_bool(directed, "directed")
        n = len(node_ids)
        arrs = []
        for name, a in (("sources", sources), ("targets", targets)):
            arr = raw_array(a, name)
            if arr.size and arr.dtype.kind not in "iu":
                raise InputTypeError(
                    f"{name} must hold integer node indices, got dtype {arr.dtype}; use "
                    "EdgeList.from_arrays(...) for external ids."
                )
            arr = arr.astype(np.int64)
            if arr.size and (arr.min() < 0 or arr.max() >= n):
                raise InputError(f"{name} must lie in [0, {n - 1}] (node_ids has {n} ids).")
            arrs.append(arr)
        if arrs[0].size != arrs[1].size:
            raise InputError(
                f"sources and targets must have the same length, got {arrs[0].size} and "
                f"{arrs[1].size}."
            )
        w = None
        if weights is not None:
            w = as_float_array(weights, "weights", arrs[0].size)
            check_finite(w, "weights")
        self._set(arrs[0], arrs[1], w, node_ids, directed)

    def _set(
        self, s: np.ndarray, t: np.ndarray, w: np.ndarray | None, ids: IdMap, directed: bool
    ) -> None:
        for a in (s, t, w):
            if a is not None:
                a.setflags(write=False)
        self._sources, self._targets, self._weights = s, t, w
        self._node_ids, self._directed = ids, directed

    @classmethod
    def from_arrays(
        cls,
        sources: Any,
        targets: Any,
        weights: Any = None,
        *,
        directed: bool = True,
        node_ids: IdMap | None = None,
        on_unknown: str = "raise",
        sort_ids: bool = False,
        node_map: IdMap | None = None,
    ) -> EdgeList:
        """Build from edges given by EXTERNAL node ids.

        Parameters
        ----------
        sources, targets : array-like
            External ids (ints, negative ones included but -1, which pads results; or strings)
            of each edge's ends.
        weights : array-like of float, optional
        directed : bool, default=True
        node_ids : IdMap, optional
            Fixed id map (e.g. ``Interactions.user_ids``, so graph nodes and matrix rows
            share indices); nodes in the map without edges are kept as isolated nodes.
            When omitted, the map is built in order of first appearance reading the edges
            as ``s0, t0, s1, t1, ...`` (or sorted, with ``sort_ids=True``).
        on_unknown : {"raise", "ignore"}, default="raise"
            Edges with an end not in `node_ids`: raise UnknownIdError, or drop them with
            a DataWarning stating the count.
        sort_ids : bool, default=False
            Number nodes in sorted id order instead of first appearance (no `node_ids`).
        node_map : IdMap, optional
            Deprecated old name of `node_ids`, accepted for one release with a
            :class:`FutureWarning`; pass ``node_ids=`` instead.

        Raises
        ------
        InputError
            Length mismatch, NaN/inf weights, missing ids.
        TypeError
            Sources and targets hold ids of different kinds (e.g. ints and strings).
        """
        node_ids = node_ids_argument(node_ids, node_map, where="EdgeList.from_arrays()")
        directed = check_bool(directed, "directed")
        sort_ids = check_bool(sort_ids, "sort_ids")
        check_option(on_unknown, ("raise", "ignore"), "on_unknown")
        s, skind = as_id_array(raw_array(sources, "sources"), "sources")
        t, tkind = as_id_array(raw_array(targets, "targets"), "targets")
        if s.size != t.size:
            raise InputError(
                f"sources and targets must have the same length, got {s.size} and {t.size}."
            )
        if s.size and skind != tkind:
            raise InputTypeError(
                f"sources are {skind} ids but targets are {tkind} ids; use one kind."
            )
        w = None
        if weights is not None:
            w = as_float_array(weights, "weights", s.size)
            check_finite(w, "weights")
        if node_ids is None:
            both = np.empty(2 * s.size, dtype=np.result_type(s.dtype, t.dtype))
            both[0::2], both[1::2] = s, t
            if sort_ids:
                ids, codes = IdMap.from_values(both, sort=True, name="sources/targets")
            else:
                ids, codes = codes_by_appearance(both, "sources/targets")
            si, ti = codes[0::2], codes[1::2]
        else:
            ids = node_ids
            si = node_ids.index(s, on_unknown="mask", name="sources")
            ti = node_ids.index(t, on_unknown="mask", name="targets")
            bad = (si < 0) | (ti < 0)
            if bad.any():
                if on_unknown == "raise":
                    ex = np.concatenate([s[si < 0], t[ti < 0]])[:5].tolist()
                    raise UnknownIdError(
                        f"{int(bad.sum())} of {bad.size} edges have an end not in node_ids "
                        f"(e.g. {shorten(ex)}); pass on_unknown='ignore' to drop them."
                    )
                warn_data(
                    f"dropped {int(bad.sum())} of {bad.size} edges with an end not in node_ids "
                    "(on_unknown='ignore').",
                    stacklevel=3,
                )
                keep = ~bad
                si, ti, w = si[keep], ti[keep], None if w is None else w[keep]
        out = cls.__new__(cls)
        out._set(si.astype(np.int64), ti.astype(np.int64), w, ids, directed)
        return out

    # properties ---------------------------------------------------------------------
    @property
    def sources(self) -> np.ndarray:
        """Source node index of every edge (int64, read-only)."""
        return self._sources

    @property
    def targets(self) -> np.ndarray:
        """Target node index of every edge (int64, read-only)."""
        return self._targets

    @property
    def weights(self) -> np.ndarray | None:
        """Weight of every edge (float64, read-only), or None."""
        return self._weights

    @property
    def node_ids(self) -> IdMap:
        """External node ids, index order."""
        return self._node_ids

    @property
    def directed(self) -> bool:
        """Whether edges are directed."""
        return self._directed

    @property
    def n_nodes(self) -> int:
        """Number of nodes (including isolated nodes of a given node map)."""
        return len(self._node_ids)

    @property
    def n_edges(self) -> int:
        """Number of edges (as stored: self-loops and repeats included)."""
        return int(self._sources.size)

    def __len__(self) -> int:
        return self.n_edges

    def __repr__(self) -> str:
        return (
            f"EdgeList(n_nodes={self.n_nodes}, n_edges={self.n_edges}, "
            f"directed={self._directed}, weighted={self._weights is not None})"
        )

    # conversions --------------------------------------------------------------------
    def to_arrays(self) -> tuple[np.ndarray, ...]:
        """``(sources, targets[, weights])`` with EXTERNAL ids."""
        out: tuple[np.ndarray, ...] = (
            self._node_ids.to_ids(self._sources),
            self._node_ids.to_ids(self._targets),
        )
        return out if self._weights is None else (*out, self._weights.copy())

    def to_networkx(self) -> Any:
        """A :class:`networkx.DiGraph` (directed) or :class:`networkx.Graph`, labelled by
        external ids; weights go to the ``"weight"`` edge attribute.

        networkx keeps one edge per node pair: for repeated edges the last weight wins.
        """
        import networkx as nx

        G = nx.DiGraph() if self._directed else nx.Graph()
        ids = self._node_ids.ids.tolist()
        G.add_nodes_from(ids)
        src = [ids[i] for i in self._sources.tolist()]
        dst = [ids[i] for i in self._targets.tolist()]
        if self._weights is None:
            G.add_edges_from(zip(src, dst))
        else:
            G.add_weighted_edges_from(zip(src, dst, self._weights.tolist()))
        return G

    # persistence (save / load come from filmreco._persist.Saveable) ---------------------
    def _export(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, meta = self._node_ids.to_arrays("node_")
        arrays.update({"sources": self._sources, "targets": self._targets})
        if self._weights is not None:
            arrays["weights"] = self._weights
        meta["directed"] = self._directed
        return arrays, meta

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> EdgeList:
        if not isinstance(meta["directed"], bool):
            raise InputError(f"directed must be a bool, got {meta['directed']!r}.")
        return cls(
            arrays["sources"],
            arrays["targets"],
            arrays.get("weights"),
            node_ids=IdMap.from_arrays(arrays, meta, "node_"),
            directed=meta["directed"],
        )
