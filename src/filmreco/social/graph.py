"""The social graph: users and who influences whom, as CSR in both directions."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._persist import Saveable, csr_from_arrays, csr_to_arrays
from .._validation import (
    _is_canonical,
    as_array,
    check_bool,
    check_finite,
    check_instance,
    check_option,
    check_probability,
    check_sparse_structure,
    check_str,
    shorten,
    user_stacklevel,
)
from ..data._clean import raw_array
from ..exceptions import DataWarning, DuplicateError, InputError, InputTypeError, UnknownIdError
from ..recommend._inputs import known_rows
from ..sparse import DUPLICATES, IdMap, build_csr
from ._schemes import PROBABILITY_SCHEMES, TRIVALENCY, _plain

__all__ = ["PROBABILITY_SCHEMES", "TRIVALENCY", "SocialGraph"]

logger = logging.getLogger("filmreco")


class SocialGraph(Saveable):
    """Users and their directed influence relations, stored as CSR in both directions.

    An undirected relation (friendship) is stored as two arcs. Build a graph with
    :meth:`from_arrays`, :meth:`from_edgelist`, :meth:`from_networkx` or
    :meth:`from_frame`; they share the cleaning options below.

    Parameters
    ----------
    out_adj : scipy.sparse.csr_array
        Canonical ``(n_nodes, n_nodes)`` CSR of arc weights (use the builders instead):
        finite, non-negative weights, each row's column indices strictly increasing (no
        repeated arc), no self-loop. It is checked as :meth:`load` checks a file.
    node_ids : IdMap
        External ids of the rows.
    directed, weighted : bool
        Flags stored as given.

    Raises
    ------
    InputError
        `out_adj` is not of the shape of `node_ids`, or holds NaN, infinite or negative
        weights, unsorted or repeated arcs, or self-loops (the message says which).
    InputTypeError
        `out_adj` is not a CSR matrix, or `node_ids` not an IdMap.

    Notes
    -----
    The builders share these cleaning options:

    directed : bool
        If False every edge ``u - v`` becomes the arcs ``u -> v`` and ``v -> u``, and
        ``(u, v)`` and ``(v, u)`` count as the same edge for `duplicates`.
    node_ids : IdMap or array-like, optional
        A fixed id map (e.g. ``interactions.user_ids``), so graph nodes and the users of
        an :class:`~filmreco.data.Interactions` share indices. Its ids with no edge are kept
        as isolated nodes. Without it, nodes are numbered in order of first appearance
        in ``sources[0], targets[0], sources[1], targets[1], ...``.
    duplicates : {"sum", "max", "last", "count", "raise"}, default="sum"
        How repeated edges are merged (their weights summed, the largest kept, ...);
        a :class:`~filmreco.exceptions.DataWarning` reports how many were merged.
    self_loops : {"drop", "raise"}, default="drop"
        Self-loops carry no influence; they are dropped with a warning, or refused.
    isolated : {"keep", "drop"}, default="keep"
        Whether nodes without any arc stay in the graph (dropping warns).
    on_unknown : {"raise", "ignore"}, default="raise"
        Edges whose ends are not in `node_ids`: raise, or drop them with a warning.

    Attributes
    ----------
    node_ids : IdMap
        External node (user) ids <-> indices ``0..n_nodes-1``.
    out_adj : scipy.sparse.csr_array
        ``(n_nodes, n_nodes)``, row ``u`` holds the arcs ``u -> v`` with their weights.
        Arc ``e`` (position in ``out_adj.data``) is the unit every per-arc array uses.
    in_adj : scipy.sparse.csr_array
        The transpose (row ``v`` holds the arcs into ``v``); ``in_arc[i]`` is the arc id of
        its ``i``-th entry.
    directed : bool
    weighted : bool
        Whether weights were given (otherwise every weight is 1).

    Examples
    --------
    >>> g = SocialGraph.from_arrays(["ann", "bob"], ["bob", "cat"], directed=False)
    >>> g
    SocialGraph(n_nodes=3, n_edges=2, directed=False)
    >>> g.node_ids.ids.tolist()
    ['ann', 'bob', 'cat']
    >>> g.sources.tolist(), g.targets.tolist()  # arcs ann->bob, bob->ann, bob->cat, cat->bob
    ([0, 1, 1, 2], [1, 0, 2, 1])
    >>> g.probabilities("weighted_cascade").tolist()  # 1 / indegree of the target
    [0.5, 1.0, 1.0, 0.5]
    """

    _persist_kind = "SocialGraph"

    def __init__(
        self, out_adj: sp.csr_array, node_ids: IdMap, *, directed: bool, weighted: bool
    ) -> None:
        if not sp.issparse(out_adj) or out_adj.format != "csr":
            raise InputTypeError(
                f"out_adj must be a scipy.sparse CSR matrix, got {type(out_adj).__name__}; "
                "build a graph with SocialGraph.from_arrays instead."
            )
        check_sparse_structure(out_adj, "out_adj")
        check_instance(node_ids, IdMap, "node_ids")
        if out_adj.shape != (len(node_ids), len(node_ids)):
            raise InputError(
                f"out_adj has shape {out_adj.shape} but node_ids holds {len(node_ids)} ids."
            )
        _check_arcs(out_adj, node_ids)
        self.out_adj = out_adj
        self.node_ids = node_ids
        self.directed = check_bool(directed, "directed")
        self.weighted = check_bool(weighted, "weighted")
        n = out_adj.shape[0]
        self.targets = out_adj.indices.astype(np.int64)
        self.sources = np.repeat(np.arange(n, dtype=np.int64), np.diff(out_adj.indptr))
        order = np.lexsort((self.sources, self.targets))  # by target, then source
        counts = np.bincount(self.targets, minlength=n)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        self.in_arc = order.astype(np.int64)
        self.in_adj = sp.csr_array(
            (out_adj.data[order], self.sources[order].astype(out_adj.indices.dtype), indptr),
            shape=(n, n),
        )
        self.in_adj.has_canonical_format = True

    # builders -----------------------------------------------------------------------
    @classmethod
    def from_arrays(
        cls,
        sources: Any,
        targets: Any,
        weights: Any = None,
        *,
        directed: bool = True,
        node_ids: IdMap | Any = None,
        duplicates: str = "sum",
        self_loops: str = "drop",
        isolated: str = "keep",
        on_unknown: str = "raise",
    ) -> SocialGraph:
        """Build a graph from parallel arrays of external source and target ids.

        Parameters
        ----------
        sources, targets : array-like
            External ids (ints or strings) of each edge's ends.
        weights : array-like of float, optional
            Non-negative weights (interaction counts, strengths); ones when omitted.
        directed, node_ids, duplicates, self_loops, isolated, on_unknown
            Cleaning options, described in the class Notes.

        Returns
        -------
        SocialGraph

        Raises
        ------
        InputError
            Lengths differ, weights are negative, NaN or infinite, repeated edges' weights
            overflow when summed (``duplicates="sum"``), or a self-loop under
            ``self_loops="raise"``.
        DuplicateError
            A repeated edge under ``duplicates="raise"``.
        UnknownIdError
            An end is not in `node_ids` (with ``on_unknown="raise"``).

        Examples
        --------
        >>> g = SocialGraph.from_arrays([7, 7], [8, 9], [2.0, 5.0], node_ids=[7, 8, 9, 10])
        >>> g.n_nodes, g.n_arcs, g.weights.tolist()
        (4, 2, [2.0, 5.0])
        >>> g.in_degree().tolist()
        [0, 1, 1, 0]
        """
        # raw_array keeps ints and strings apart (numpy would make 1 and "1" one id)
        src = raw_array(sources, "sources") if not isinstance(sources, np.ndarray) else sources
        dst = raw_array(targets, "targets") if not isinstance(targets, np.ndarray) else targets
        if src.ndim != 1 or dst.ndim != 1 or src.size != dst.size:
            raise InputError(
                f"sources and targets must be 1-D of the same length, got shapes {src.shape} "
                f"and {dst.shape}."
            )
        check_option(on_unknown, ("raise", "ignore"), "on_unknown")
        if node_ids is not None:
            idmap = node_ids if isinstance(node_ids, IdMap) else IdMap(node_ids)
            s = idmap.index(src, on_unknown="mask", name="sources")
            t = idmap.index(dst, on_unknown="mask", name="targets")
            bad = (s < 0) | (t < 0)
            if bad.any():
                if on_unknown == "raise":
                    ex = src[s < 0][:3].tolist() + dst[t < 0][:3].tolist()
                    raise UnknownIdError(
                        f"{int(bad.sum())} edge(s) have an end not in node_ids "
                        f"(e.g. {shorten(ex[:5])}); "
                        "add those ids to node_ids, or pass on_unknown='ignore' to drop them."
                    )
                warnings.warn(
                    f"dropped {int(bad.sum())} edge(s) whose ends are not in node_ids.",
                    DataWarning,
                    stacklevel=user_stacklevel(),
                )
                s, t = s[~bad], t[~bad]
                keep = ~bad
            else:
                keep = None
        else:
            a, b = src.dtype.kind, dst.dtype.kind
            if src.size and ((a in "iu" and b in "US") or (a in "US" and b in "iu")):
                raise InputTypeError(
                    f"sources and targets hold ids of different kinds ({src.dtype} and "
                    f"{dst.dtype}); give both as ints or both as strings."
                )
            both = np.empty(2 * src.size, dtype=np.result_type(src, dst) if src.size else object)
            if src.size:
                both[0::2], both[1::2] = src, dst
            idmap, codes = IdMap.from_values(both, name="sources/targets")
            s, t, keep = codes[0::2], codes[1::2], None
        w = None
        if weights is not None:
            w = as_array(weights, "weights", np.float64)
            if w.shape != src.shape:
                raise InputError(f"weights must have shape {src.shape}, got {w.shape}.")
            check_finite(w, "weights")
            if w.size and w.min() < 0:
                raise InputError(
                    f"weights must be non-negative, got min {w.min()}; they are interaction "
                    "counts or strengths."
                )
            if keep is not None:
                w = w[keep]
        return cls._from_indices(
            s, t, w, idmap, directed=directed, duplicates=duplicates, self_loops=self_loops,
            isolated=isolated,
        )  # fmt: skip

    @classmethod
    def _from_indices(
        cls,
        s: np.ndarray,
        t: np.ndarray,
        w: np.ndarray | None,
        idmap: IdMap,
        *,
        directed: bool,
        duplicates: str,
        self_loops: str,
        isolated: str,
    ) -> SocialGraph:
        check_option(duplicates, DUPLICATES, "duplicates")
        check_option(self_loops, ("drop", "raise"), "self_loops")
        check_option(isolated, ("keep", "drop"), "isolated")
        n = len(idmap)
        s = np.asarray(s, dtype=np.int64)
        t = np.asarray(t, dtype=np.int64)
        loops = s == t
        if loops.any():
            if self_loops == "raise":
                raise InputError(
                    f"{int(loops.sum())} self-loop(s) found (e.g. node "
                    f"{shorten(_plain(idmap.ids[s[loops][0]]))}); pass self_loops='drop' to remove them."
                )
            warnings.warn(
                f"dropped {int(loops.sum())} self-loop(s) (self_loops='drop').",
                DataWarning,
                stacklevel=user_stacklevel(),
            )
            s, t = s[~loops], t[~loops]
            w = None if w is None else w[~loops]
        if not check_bool(directed, "directed"):
            s, t = np.minimum(s, t), np.maximum(s, t)
        try:  # build_csr refuses weights whose merged sum overflows, naming duplicates=
            adj = build_csr(s, t, w, shape=(n, n), duplicates=duplicates, dtype=np.float64)
        except DuplicateError as exc:
            raise DuplicateError(f"{exc} (u-v and v-u count as one edge: {not directed})") from None
        merged = s.size - adj.nnz
        if merged:
            warnings.warn(
                f"merged {merged} duplicate edge(s) with duplicates={duplicates!r}.",
                DataWarning,
                stacklevel=user_stacklevel(),
            )
        if not directed:
            adj = sp.csr_array(adj + adj.T)
            adj.sort_indices()
        if isolated == "drop":
            deg = np.diff(adj.indptr) + np.bincount(adj.indices, minlength=n)
            iso = deg == 0
            if iso.any():
                warnings.warn(
                    f"dropped {int(iso.sum())} isolated node(s) (isolated='drop').",
                    DataWarning,
                    stacklevel=user_stacklevel(),
                )
                keep = np.flatnonzero(~iso)
                adj = sp.csr_array(adj[keep][:, keep])
                adj.sort_indices()
                idmap = idmap.subset(keep)
        adj.indices = adj.indices.astype(np.int32)
        adj.indptr = adj.indptr.astype(np.int64)
        return cls(adj, idmap, directed=directed, weighted=w is not None)

    @classmethod
    def from_edgelist(
        cls,
        source: Any,
        *,
        directed: bool | None = None,
        weighted: bool = False,
        duplicates: str = "sum",
        self_loops: str = "drop",
        isolated: str = "keep",
        **kwargs: Any,
    ) -> SocialGraph:
        r"""Build a graph from an :class:`~filmreco.data.EdgeList` or an edge-list file.

        Parameters
        ----------
        source : EdgeList or path
            A path is read with :func:`filmreco.datasets.load_edgelist` (``u v [w]`` lines,
            ``#`` comments, plain or compressed).
        directed : bool, optional
            Defaults to the EdgeList's own flag (for a path: True).
        weighted : bool, default=False
            For a path: read the third column as weights.
        duplicates, self_loops, isolated
            Cleaning options (see the class docstring).
        **kwargs
            Other options of :func:`~filmreco.datasets.load_edgelist` (``node_ids``,
            ``id_type``, ...), for a path only.

        Examples
        --------
        >>> import io
        >>> f = io.BytesIO(b"# a comment\n1 2\n2 3\n3 3\n")
        >>> g = SocialGraph.from_edgelist(f, directed=False, self_loops="raise")
        Traceback (most recent call last):
        ...
        filmreco.exceptions.InputError: 1 self-loop(s) found (e.g. node 3); pass self_loops='drop' to remove them.
        """
        if not hasattr(source, "node_ids"):
            from ..datasets import load_edgelist

            source = load_edgelist(
                source, directed=True if directed is None else directed, weighted=weighted,
                **kwargs,
            )  # fmt: skip
        elif kwargs:
            raise InputError(f"options {sorted(kwargs)} apply to a path, not to an EdgeList.")
        for attr in ("sources", "targets", "node_ids"):
            if not hasattr(source, attr):
                raise InputTypeError(
                    f"source must be a path or an EdgeList, got {type(source).__name__}."
                )
        d = (
            bool(getattr(source, "directed", True))
            if directed is None
            else check_bool(directed, "directed")
        )
        w = getattr(source, "weights", None)
        if w is not None:
            w = np.asarray(w, dtype=np.float64)
            check_finite(w, "weights")
            if w.size and w.min() < 0:
                raise InputError(
                    f"weights must be non-negative, got min {w.min()}; a social graph's "
                    "weights are interaction counts or strengths."
                )
        return cls._from_indices(
            np.asarray(source.sources), np.asarray(source.targets), w, source.node_ids,
            directed=d, duplicates=duplicates, self_loops=self_loops, isolated=isolated,
        )  # fmt: skip

    @classmethod
    def from_networkx(cls, G: Any, *, weight: str | None = "weight", **kwargs: Any) -> SocialGraph:
        """Build a graph from a networkx graph; every node (isolated ones too) is kept.

        Node order follows ``G.nodes``; a missing `weight` attribute counts as 1.

        Examples
        --------
        >>> import networkx as nx
        >>> g = SocialGraph.from_networkx(nx.path_graph(3))
        >>> g.n_nodes, g.n_arcs, g.directed
        (3, 4, False)
        """
        if not (hasattr(G, "nodes") and hasattr(G, "edges") and hasattr(G, "is_directed")):
            raise InputTypeError(f"G must be a networkx graph, got {type(G).__name__}.")
        check_str(weight, "weight", allow_none=True)
        nodes = list(G.nodes)
        edges = list(G.edges(data=True))
        src = np.empty(len(edges), dtype=object)
        dst = np.empty(len(edges), dtype=object)
        src[:] = [e[0] for e in edges]
        dst[:] = [e[1] for e in edges]
        w = None
        if weight is not None and any(weight in e[2] for e in edges):
            w = np.array([float(e[2].get(weight, 1.0)) for e in edges])
        kwargs.setdefault("duplicates", "sum")
        return cls.from_arrays(
            src, dst, w, directed=G.is_directed(), node_ids=IdMap(nodes), **kwargs
        )

    @classmethod
    def from_frame(
        cls,
        df: Any,
        source: str = "source",
        target: str = "target",
        weight: str | None = None,
        **kwargs: Any,
    ) -> SocialGraph:
        """Build a graph from the columns of a DataFrame (see :meth:`from_arrays`)."""
        if not hasattr(df, "columns"):
            raise InputTypeError(f"df must be a pandas DataFrame, got {type(df).__name__}.")
        check_str(source, "source")
        check_str(target, "target")
        check_str(weight, "weight", allow_none=True)
        for col in (source, target) + ((weight,) if weight is not None else ()):
            if col not in df.columns:
                raise InputError(
                    f"column {shorten(col)} not in the frame; it has {shorten(list(df.columns), 300)}."
                )
        w = None if weight is None else df[weight].to_numpy()
        return cls.from_arrays(df[source].to_numpy(), df[target].to_numpy(), w, **kwargs)

    # basic properties ---------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.out_adj.shape[0])

    @property
    def n_arcs(self) -> int:
        """Number of directed arcs (an undirected edge is two arcs)."""
        return int(self.out_adj.nnz)

    @property
    def n_edges(self) -> int:
        """Number of edges: arcs if directed, unordered pairs if not."""
        return self.n_arcs if self.directed else self.n_arcs // 2

    @property
    def weights(self) -> np.ndarray:
        """Weight of every arc (arc order), ones when none were given."""
        return np.asarray(self.out_adj.data, dtype=np.float64)

    def out_degree(self) -> np.ndarray:
        """Number of arcs leaving each node."""
        return np.diff(self.out_adj.indptr).astype(np.int64)

    def in_degree(self) -> np.ndarray:
        """Number of arcs entering each node."""
        return np.diff(self.in_adj.indptr).astype(np.int64)

    def index(self, ids: Any, *, name: str = "ids") -> np.ndarray:
        """Node indices of external `ids`; unknown ids raise :class:`UnknownIdError`."""
        return self.node_ids.index(ids, name=name)

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(source_ids, target_ids, weights)`` of every arc, in arc order."""
        return (
            self.node_ids.to_ids(self.sources),
            self.node_ids.to_ids(self.targets),
            self.weights,
        )

    def __repr__(self) -> str:
        return (
            f"SocialGraph(n_nodes={self.n_nodes}, n_edges={self.n_edges}, directed={self.directed})"
        )

    # probabilities ------------------------------------------------------------------
    def probabilities(
        self, scheme: str = "weighted_cascade", *, p: float = 0.1, random_state: Any = None
    ) -> np.ndarray:
        """Influence probability of every arc (arc order) under a named scheme.

        Parameters
        ----------
        scheme : str, default="weighted_cascade"
            - ``"uniform"``: `p` on every arc;
            - ``"weighted_cascade"``: ``1 / indegree(v)`` on ``u -> v`` (Kempe et al. 2003);
            - ``"trivalency"``: one of 0.1, 0.01, 0.001 per arc, drawn with `random_state`;
            - ``"interaction_share"``: ``w(u, v) / sum_x w(x, v)``, the share of ``v``'s
              interactions that are with ``u``;
            - ``"interaction"``: ``1 - (1 - p) ** w(u, v)``: each of the ``w`` interactions
              passes the content on with probability `p`;
            - ``"weight"``: the weights themselves (they must lie in [0, 1]).
        p : float, default=0.1
            Used by ``"uniform"`` and ``"interaction"``.
        random_state : int, SeedSequence, Generator or None
            Used by ``"trivalency"``.

        Returns
        -------
        numpy.ndarray of float64, shape (n_arcs,)
            Finite values in [0, 1].

        Raises
        ------
        InputError
            An unknown `scheme`, ``"weight"`` with weights outside [0, 1], or a scheme that
            would give a value that is not a probability.

        Examples
        --------
        >>> g = SocialGraph.from_arrays([0, 0, 1], [1, 2, 2], [1.0, 3.0, 1.0])
        >>> g.probabilities("interaction_share").tolist()
        [1.0, 0.75, 0.25]
        >>> g.probabilities("interaction", p=0.5).tolist()
        [0.5, 0.875, 0.5]
        """
        func = PROBABILITY_SCHEMES.get(scheme) if isinstance(scheme, str) else None
        if func is None:
            raise InputError(
                f"scheme={scheme!r} is not supported; use one of {sorted(PROBABILITY_SCHEMES)}."
            )
        out = np.asarray(func(self, p, random_state), dtype=np.float64)
        ok = np.isfinite(out) & (out >= 0) & (out <= 1)
        if not ok.all():  # a scheme's result is a probability, or refused (NaN is not p = 1)
            raise InputError(
                f"scheme={scheme!r} gave {int((~ok).sum())} value(s) outside [0, 1] or not "
                f"finite (e.g. {out[~ok][0]}) from this graph's weights; check the weights or "
                "pick another scheme."
            )
        return out

    def resolve_probabilities(self, probability: Any, *, random_state: Any = None) -> np.ndarray:
        """Per-arc probabilities from a float (uniform), a scheme name, or an array."""
        if isinstance(probability, str):
            return self.probabilities(probability, random_state=random_state)
        if isinstance(probability, (int, float, np.integer, np.floating)) and not isinstance(
            probability, bool
        ):
            return self.probabilities("uniform", p=check_probability(probability, "probability"))
        arr = as_array(probability, "probability", np.float64)
        if arr.shape != (self.n_arcs,):
            raise InputError(
                f"probability must be a float, one of {sorted(PROBABILITY_SCHEMES)}, or an array "
                f"with one value per arc ({self.n_arcs} arcs, in SocialGraph arc order), got "
                f"shape {arr.shape}."
            )
        check_finite(arr, "probability")
        if arr.size and (arr.min() < 0 or arr.max() > 1):
            bad = int(((arr < 0) | (arr > 1)).sum())
            raise InputError(
                f"probability must lie in [0, 1], but {bad} value(s) do not (range "
                f"[{arr.min()}, {arr.max()}])."
            )
        return arr.copy()

    # conversions and persistence ----------------------------------------------------
    def to_networkx(self) -> Any:
        """A networkx (Di)Graph with external node ids and a ``weight`` edge attribute."""
        import networkx as nx

        G = nx.DiGraph() if self.directed else nx.Graph()
        G.add_nodes_from(self.node_ids.ids.tolist())
        s, t, w = self.edges()
        G.add_weighted_edges_from(zip(s.tolist(), t.tolist(), w.tolist()))
        return G

    # save / load come from filmreco._persist.Saveable
    def _export(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, meta = self.node_ids.to_arrays("node_")
        arrays.update(csr_to_arrays(self.out_adj))
        del arrays["shape"]  # n_nodes x n_nodes, from the node ids
        meta.update(directed=self.directed, weighted=self.weighted)
        return arrays, meta

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> SocialGraph:
        idmap = IdMap.from_arrays(arrays, meta, "node_")
        n = len(idmap)
        adj = csr_from_arrays(arrays, "", (n, n))  # refuses unsorted or repeated arcs
        stored = (np.size(arrays["indices"]), np.size(arrays["data"]))
        if stored != (adj.nnz, adj.nnz):  # scipy would drop the arcs indptr leaves out
            raise InputError(
                f"the adjacency's indptr covers {adj.nnz} arcs but it stores {stored[0]} "
                f"indices and {stored[1]} weights."
            )
        check_finite(adj.data, "arc weights")
        if adj.nnz and adj.data.min() < 0:
            raise InputError("arc weights must be non-negative.")
        if (np.repeat(np.arange(n), np.diff(adj.indptr)) == adj.indices).any():
            raise InputError("the graph holds self-loops.")
        flags = (meta["directed"], meta["weighted"])
        if not all(isinstance(f, bool) for f in flags):
            raise InputError(f"directed and weighted must be bools, got {shorten(flags)}.")
        return cls(adj, idmap, directed=flags[0], weighted=flags[1])


def _check_arcs(adj: sp.csr_array, node_ids: IdMap) -> None:
    """Refuse what no builder produces: non-finite or negative weights, unsorted or
    repeated arcs in a row, self-loops (vectorised; the structure is checked already)."""
    nnz = int(adj.indptr[-1])
    data, indices = adj.data[:nnz], adj.indices[:nnz]
    if not np.isfinite(data).all():
        bad = int((~np.isfinite(data)).sum())
        raise InputError(
            f"out_adj holds {bad} NaN or infinite weight(s); weights must be finite "
            "(build the graph with SocialGraph.from_arrays, which checks them)."
        )
    if nnz and data.min() < 0:
        raise InputError(
            f"out_adj holds negative weights (min {data.min()}); weights are non-negative "
            "interaction counts or strengths."
        )
    if not _is_canonical(adj):
        raise InputError(
            "out_adj has unsorted or repeated arcs in a row; call out_adj.sum_duplicates() "
            "(which also sorts them) or build the graph with SocialGraph.from_arrays."
        )
    rows = np.repeat(np.arange(adj.shape[0], dtype=np.int64), np.diff(adj.indptr))
    loops = rows == indices
    if loops.any():
        node = _plain(node_ids.ids[rows[loops][0]])
        raise InputError(
            f"out_adj holds {int(loops.sum())} self-loop(s) (e.g. node {shorten(node)}); a "
            "node does not influence itself: remove the diagonal (out_adj.setdiag(0); "
            "out_adj.eliminate_zeros()) or build the graph with SocialGraph.from_arrays."
        )


def without_nodes(graph: SocialGraph, ids: np.ndarray) -> tuple[SocialGraph, np.ndarray]:
    """`graph` without the nodes `ids` and their arcs (erasure; private to filmreco).

    Ids that are not nodes are ignored. Returns the new graph (the same object when no
    node went) and, for every arc of the new graph in its arc order, the index of that
    arc in `graph` (to carry per-arc values such as probabilities over).
    """
    gone = known_rows(graph.node_ids, np.asarray(ids, dtype=object))
    if gone.size == 0:
        return graph, np.arange(graph.n_arcs, dtype=np.int64)
    keep = np.setdiff1d(np.arange(graph.n_nodes), gone)
    A = graph.out_adj
    pos = sp.csr_array(
        (np.arange(1, A.nnz + 1, dtype=np.float64), A.indices, A.indptr), shape=A.shape
    )
    sub = sp.csr_array(pos[keep][:, keep])
    sub.sort_indices()
    arcs = sub.data.astype(np.int64) - 1
    adj = sp.csr_array(
        (A.data[arcs], sub.indices.astype(np.int32), sub.indptr.astype(np.int64)),
        shape=sub.shape,
    )
    new = SocialGraph(
        adj, graph.node_ids.subset(keep), directed=graph.directed, weighted=graph.weighted
    )
    return new, arcs
