"""The valid base arguments of every public entry point, built on a tiny synthetic world.

An *entry point* is a public function, a public class's constructor, or a public method of
a public class, named ``"<module>.<Name>"`` or ``"<module>.<Class>.<method>"`` after the
first public module that exports it (see :func:`public_entries`). The fuzz suite calls
each one with these valid arguments except one, which it replaces by a bad value.

How to add an entry point (a new public function needs one line here, or the coverage
test ``test_every_entry_point_has_valid_arguments`` fails):

* a function: ``FUNCTIONS["filmreco.x.f"] = lambda w: {"arg": value, ...}`` with the
  required arguments (optional ones keep their defaults but are fuzzed all the same);
* a class: ``CONSTRUCTORS["filmreco.x.C"] = lambda w: {...}`` (for an estimator whose
  constructor only stores its parameters, add the class to ``FIT_AFTER_INIT`` so that a
  bad parameter meets ``fit``), ``RECEIVERS["filmreco.x.C"] = lambda w: instance`` (a
  fresh, ready instance: fitted when it has a ``fit``) and ``METHODS[("filmreco.x.C",
  "method")] = lambda w: {...}``; a ``("*", "method")`` key serves every recommender;
  ``RECEIVERS["filmreco.x.C.method"]`` gives one method a receiver of its own;
* an entry point that must not be fuzzed goes to ``NOT_FUZZED`` with the reason.

This module runs in the fuzz worker process; the test process only reads the names.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: Public modules walked for entry points (their ``__all__``), subpackages first.
PUBLIC_MODULES = (
    "filmreco.sparse",
    "filmreco.data",
    "filmreco.datasets",
    "filmreco.metrics",
    "filmreco.text",
    "filmreco.recommend",
    "filmreco.social",
    "filmreco.search",
    "filmreco.campaign",
    "filmreco.privacy",
    "filmreco",
)

#: Inherited scikit-learn plumbing, not filmreco entry points.
SKIPPED_METHODS = frozenset({"get_params", "set_params", "get_metadata_routing"})


def public_entries() -> dict[str, Any]:
    """Every public entry point by name: functions, classes, and methods of classes."""
    entries: dict[str, Any] = {}
    seen: set[int] = set()
    for mod_name in PUBLIC_MODULES:
        mod = importlib.import_module(mod_name)
        for attr in getattr(mod, "__all__", ()):
            obj = getattr(mod, attr)
            if id(obj) in seen or not callable(obj):
                continue
            seen.add(id(obj))
            name = f"{mod_name}.{attr}"
            if isinstance(obj, type):
                if issubclass(obj, BaseException | Warning):
                    continue
                entries[name] = obj
                for meth, fn in inspect.getmembers(obj):
                    if meth.startswith("_") or meth in SKIPPED_METHODS:
                        continue
                    if meth.startswith("set_") and meth.endswith("_request"):
                        continue
                    if inspect.isfunction(fn) or inspect.ismethod(fn):
                        entries[f"{name}.{meth}"] = fn
            elif inspect.isfunction(obj):
                entries[name] = obj
    return entries


def parameters(entry: str, obj: Any) -> list[str]:
    """The names of the parameters of `obj` that the suite fuzzes (``self`` too)."""
    names = []
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        names.append(p.name)
    return names


class World:
    """A tiny, seeded world: interactions, catalogue, graph, fitted models, saved files."""

    def __init__(self, tmp: str | os.PathLike[str]) -> None:
        from filmreco.datasets import make_synthetic
        from filmreco.social import SocialGraph

        self.tmp = Path(tmp)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.bunch = make_synthetic(
            n_users=30,
            n_items=20,
            partner_items=10,
            with_ratings=True,
            random_state=0,
        )
        self.inter = self.bunch.interactions
        self.catalog = self.bunch.catalog
        self.edgelist = self.bunch.graph
        self.partner = self.bunch.partner
        self.graph = SocialGraph.from_edgelist(self.edgelist)
        self.users = np.asarray(self.inter.user_ids.ids[:3])
        self.items = np.asarray(self.inter.item_ids.ids[:4])
        self.records = list(self.catalog.records())
        self._cache: dict[str, Any] = {}
        self._n_files = 0

    def cached(self, key: str, build: Callable[[], Any]) -> Any:
        """A deep copy of the object `build` makes (built once per worker)."""
        if key not in self._cache:
            self._cache[key] = build()
        return copy.deepcopy(self._cache[key])

    def path(self, suffix: str = ".npz") -> Path:
        """A fresh path in the worker's folder."""
        self._n_files += 1
        return self.tmp / f"f{self._n_files}{suffix}"

    def saved(self, key: str, build: Callable[[], Any]) -> Path:
        """The path of a file saved once by ``build().save(...)``."""
        if "saved:" + key not in self._cache:
            p = self.tmp / f"saved-{key}.npz"
            self._cache["saved:" + key] = build().save(p)
        return Path(self._cache["saved:" + key])

    def text_file(self, key: str, text: str, suffix: str = ".csv") -> Path:
        """A text file written once."""
        p = self.tmp / f"text-{key}{suffix}"
        if not p.exists():
            p.write_text(text, encoding="utf-8")
        return p


# -- recommenders --------------------------------------------------------------------------


def _small_params(cls_name: str) -> dict[str, Any]:
    return {
        "ALS": {"n_factors": 4, "max_iter": 2, "random_state": 0},
        "BPR": {"n_factors": 4, "max_iter": 3, "random_state": 0},
        "CrossDomain": {"n_factors": 4, "max_iter": 2, "random_state": 0},
        "ItemKNN": {"n_neighbors": 5},
        "EASE": {"regularization": 10.0},
        "EDLAE": {"regularization": 10.0, "dropout": 0.2},
        "HigherOrderEASE": {"regularization": 10.0, "pair_regularization": 20.0, "n_pairs": 10},
        "SANSA": {"regularization": 10.0, "density": 0.3},
        "RP3beta": {"n_neighbors": 5},
    }.get(cls_name, {})


def _recommender_init(w: World, name: str) -> dict[str, Any]:
    from filmreco.recommend import EASE, ItemKNN, Popularity
    from filmreco.social import IndependentCascade

    cls_name = name.rsplit(".", 1)[1]
    if cls_name == "ContentBased":
        return {"catalog": w.catalog}
    if cls_name == "EDLAE":  # with side information, so the fuzz reaches that path too
        return {**_small_params(cls_name), "catalog": w.catalog, "side_weight": 1.0}
    if cls_name == "Hybrid":
        return {"models": [Popularity(), ItemKNN(n_neighbors=5)], "weights": [0.5, 0.5]}
    if cls_name == "SocialRecommender":
        return {"base": EASE(regularization=10.0), "graph": w.graph}
    if cls_name == "ReachRecommender":
        return {"model": IndependentCascade(w.graph, random_state=0), "n_runs": 20}
    return _small_params(cls_name)


def _fit_args(w: World, name: str) -> dict[str, Any]:
    if name.endswith("CrossDomain"):
        return {"interactions": w.inter, "partner": w.partner}
    return {"interactions": w.inter}


def _fitted(w: World, name: str) -> Any:
    cls = ENTRIES_BY_NAME()[name]

    def build() -> Any:
        return cls(**_recommender_init(w, name)).fit(**_fit_args(w, name))

    return w.cached(name, build)


RECOMMENDERS = (
    "filmreco.recommend.ALS",
    "filmreco.recommend.BPR",
    "filmreco.recommend.EASE",
    "filmreco.recommend.EDLAE",
    "filmreco.recommend.HigherOrderEASE",
    "filmreco.recommend.ContentBased",
    "filmreco.recommend.CrossDomain",
    "filmreco.recommend.Hybrid",
    "filmreco.recommend.ItemKNN",
    "filmreco.recommend.Popularity",
    "filmreco.recommend.RP3beta",
    "filmreco.recommend.SANSA",
    "filmreco.social.ReachRecommender",
    "filmreco.social.SocialRecommender",
)

_ENTRIES: dict[str, Any] = {}


def ENTRIES_BY_NAME() -> dict[str, Any]:
    """The (cached) result of :func:`public_entries`."""
    if not _ENTRIES:
        _ENTRIES.update(public_entries())
    return _ENTRIES


# -- tables ---------------------------------------------------------------------------------

Builder = Callable[[World], dict[str, Any]]

FUNCTIONS: dict[str, Builder] = {}
CONSTRUCTORS: dict[str, Builder] = {}
RECEIVERS: dict[str, Callable[[World], Any]] = {}
METHODS: dict[tuple[str, str], Builder] = {}
#: Estimators whose constructor only stores parameters: a case builds, then fits.
FIT_AFTER_INIT: dict[str, Callable[[World], dict[str, Any]]] = {}
#: Entry points the suite does not call, with the reason.
NOT_FUZZED: dict[str, str] = {
    "filmreco.recommend.Recommender": "abstract base class (every subclass is fuzzed)",
    "filmreco.social.PropagationModel": "abstract base class (every subclass is fuzzed)",
    "filmreco.datasets.fetch_movielens": "downloads; covered offline by tests/test_datasets_files.py",
    "filmreco.load": "dispatches to the per-class load, each fuzzed with edited files",
}


def _ids(w: World, kind: str) -> Any:
    return w.users if kind == "user" else w.items


for _rec in RECOMMENDERS:
    CONSTRUCTORS[_rec] = lambda w, _n=_rec: _recommender_init(w, _n)
    FIT_AFTER_INIT[_rec] = lambda w, _n=_rec: _fit_args(w, _n)
    RECEIVERS[_rec] = lambda w, _n=_rec: _fitted(w, _n)

METHODS[("*", "fit")] = lambda w: {"interactions": w.inter}
METHODS[("*", "recommend")] = lambda w: {"user_ids": w.users, "n": 5}
METHODS[("*", "recommend_users")] = lambda w: {"item_ids": w.items, "n": 5}
METHODS[("*", "similar_items")] = lambda w: {"item_ids": w.items, "n": 5}
METHODS[("*", "score")] = lambda w: {"user_ids": w.users, "item_ids": w.items}
METHODS[("*", "explain")] = lambda w: {"user_id": w.users[0], "item_id": w.items[0], "n": 3}
METHODS[("*", "fold_in")] = lambda w: {"interactions": w.inter.subset_users(w.users)}
METHODS[("*", "forget_users")] = lambda w: {"user_ids": w.users[:1]}
METHODS[("*", "save")] = lambda w: {"path": w.path()}
METHODS[("filmreco.recommend.CrossDomain", "fit")] = lambda w: {
    "interactions": w.inter,
    "partner": w.partner,
}
METHODS[("filmreco.recommend.CrossDomain", "partner_scores")] = lambda w: {"user_ids": w.users}
METHODS[("filmreco.recommend.ContentBased", "user_profile")] = lambda w: {"user_id": w.users[0]}
METHODS[("filmreco.social.SocialRecommender", "user_weights")] = lambda w: {"user_ids": w.users}
METHODS[("filmreco.recommend.EASE", "estimated_memory")] = lambda w: {"n_items": 20}
METHODS[("filmreco.recommend.EDLAE", "estimated_memory")] = lambda w: {"n_items": 20}
METHODS[("filmreco.recommend.HigherOrderEASE", "estimated_memory")] = lambda w: {
    "n_items": 20,
    "n_pairs": 10,
}
for _rec in RECOMMENDERS:
    METHODS[(_rec, "load")] = lambda w, _n=_rec: {"path": w.saved(_n, lambda: _fitted(w, _n))}


# -- sparse ---------------------------------------------------------------------------------


def _X(w: World) -> Any:
    return w.inter.matrix.copy()


FUNCTIONS["filmreco.sparse.as_csr"] = lambda w: {"X": _X(w)}
FUNCTIONS["filmreco.sparse.as_id_array"] = lambda w: {"ids": w.users}
FUNCTIONS["filmreco.sparse.bm25"] = lambda w: {"X": _X(w)}
FUNCTIONS["filmreco.sparse.build_csr"] = lambda w: {
    "rows": np.array([0, 1, 2, 2]),
    "cols": np.array([1, 0, 3, 1]),
    "values": np.array([1.0, 2.0, 3.0, 4.0]),
}
FUNCTIONS["filmreco.sparse.confidence"] = lambda w: {"X": _X(w)}
FUNCTIONS["filmreco.sparse.document_frequency"] = lambda w: {"X": _X(w)}
FUNCTIONS["filmreco.sparse.factor_scores"] = lambda w: {
    "user_factors": np.ones((3, 2), np.float32),
    "item_factors": np.ones((4, 2), np.float32),
}
FUNCTIONS["filmreco.sparse.idf_weights"] = lambda w: {"df": np.array([1, 2, 3]), "n_docs": 5}
FUNCTIONS["filmreco.sparse.log_scale"] = lambda w: {"X": _X(w)}
FUNCTIONS["filmreco.sparse.normalize"] = lambda w: {"X": _X(w)}
FUNCTIONS["filmreco.sparse.row_indices"] = lambda w: {"X": _X(w)}
FUNCTIONS["filmreco.sparse.tfidf"] = lambda w: {"X": _X(w)}
FUNCTIONS["filmreco.sparse.topk"] = lambda w: {
    "scores": np.arange(24, dtype=np.float32).reshape(3, 8),
    "k": 3,
}
FUNCTIONS["filmreco.sparse.topk_blocks"] = lambda w: {
    "score_fn": lambda start, stop: np.arange(start * 6, stop * 6, dtype=np.float32).reshape(-1, 6),
    "n_rows": 4,
    "k": 2,
}
CONSTRUCTORS["filmreco.sparse.FactorScores"] = FUNCTIONS["filmreco.sparse.factor_scores"]
CONSTRUCTORS["filmreco.sparse.IdMap"] = lambda w: {"ids": ["a", "b", "c"]}
RECEIVERS["filmreco.sparse.IdMap"] = lambda w: w.inter.user_ids
RECEIVERS["filmreco.sparse.FactorScores"] = lambda w: None
METHODS[("filmreco.sparse.IdMap", "contains")] = lambda w: {"ids": w.users}
METHODS[("filmreco.sparse.IdMap", "extend")] = lambda w: {"ids": ["zz1", "zz2"]}
METHODS[("filmreco.sparse.IdMap", "from_arrays")] = lambda w: dict(
    zip(("arrays", "meta"), w.inter.user_ids.to_arrays(), strict=True)
)
METHODS[("filmreco.sparse.IdMap", "from_values")] = lambda w: {"values": ["b", "a", "b"]}
METHODS[("filmreco.sparse.IdMap", "index")] = lambda w: {"ids": w.users}
METHODS[("filmreco.sparse.IdMap", "load")] = lambda w: {
    "path": w.saved("idmap", lambda: w.inter.user_ids)
}
METHODS[("filmreco.sparse.IdMap", "save")] = lambda w: {"path": w.path()}
METHODS[("filmreco.sparse.IdMap", "subset")] = lambda w: {"indices": np.array([0, 2])}
METHODS[("filmreco.sparse.IdMap", "to_arrays")] = lambda w: {}
METHODS[("filmreco.sparse.IdMap", "to_ids")] = lambda w: {"indices": np.array([0, 2])}

# -- data -----------------------------------------------------------------------------------

CONSTRUCTORS["filmreco.data.Interactions"] = lambda w: {
    "matrix": _X(w),
    "user_ids": list(w.inter.user_ids.ids),
    "item_ids": list(w.inter.item_ids.ids),
}
RECEIVERS["filmreco.data.Interactions"] = lambda w: w.inter
_CSV = "user,item,rating,ts\nu1,m1,4,10\nu1,m2,2,11\nu2,m1,5,12\n"
METHODS[("filmreco.data.Interactions", "from_arrays")] = lambda w: {
    "user_ids": ["u1", "u1", "u2"],
    "item_ids": ["m1", "m2", "m1"],
    "values": [4.0, 2.0, 5.0],
}
METHODS[("filmreco.data.Interactions", "from_csv")] = lambda w: {
    "path": w.text_file("inter", _CSV),
    "value": "rating",
    "timestamp": "ts",
}
METHODS[("filmreco.data.Interactions", "from_frame")] = lambda w: {
    "df": w.inter.to_frame(),
}
METHODS[("filmreco.data.Interactions", "load")] = lambda w: {
    "path": w.saved("inter", lambda: w.inter)
}
METHODS[("filmreco.data.Interactions", "normalize")] = lambda w: {}
METHODS[("filmreco.data.Interactions", "save")] = lambda w: {"path": w.path()}
METHODS[("filmreco.data.Interactions", "subset_items")] = lambda w: {"item_ids": w.items}
METHODS[("filmreco.data.Interactions", "subset_users")] = lambda w: {"user_ids": w.users}
METHODS[("filmreco.data.Interactions", "take_items")] = lambda w: {"indices": np.array([0, 3])}
METHODS[("filmreco.data.Interactions", "take_users")] = lambda w: {"indices": np.array([0, 3])}
METHODS[("filmreco.data.Interactions", "to_arrays")] = lambda w: {}
METHODS[("filmreco.data.Interactions", "to_frame")] = lambda w: {}
METHODS[("filmreco.data.Interactions", "to_implicit")] = lambda w: {"threshold": 3}
METHODS[("filmreco.data.Interactions", "with_matrix")] = lambda w: {"matrix": _X(w) * 2}
# weight_by_rating needs the ratings that to_implicit keeps: its own receiver
RECEIVERS["filmreco.data.Interactions.weight_by_rating"] = lambda w: w.inter.to_implicit(3)
METHODS[("filmreco.data.Interactions", "weight_by_rating")] = lambda w: {
    "weights": {3.0: 1.0, 4.0: 1.5, 5.0: 2.0}
}

CONSTRUCTORS["filmreco.data.Catalog"] = lambda w: {
    "item_ids": ["m1", "m2"],
    "fields": {"title": ["a", "b"], "genres": [["x"], ["x", "y"]]},
}
RECEIVERS["filmreco.data.Catalog"] = lambda w: w.catalog
_CAT_CSV = "id,title,genres\nm1,星海,剧情|爱情\nm2,家,喜剧\n"
METHODS[("filmreco.data.Catalog", "field")] = lambda w: {"name": "title"}
METHODS[("filmreco.data.Catalog", "from_csv")] = lambda w: {
    "path": w.text_file("catalog", _CAT_CSV)
}
METHODS[("filmreco.data.Catalog", "from_frame")] = lambda w: {
    "df": __import__("pandas").DataFrame(w.records[:3]),
}
METHODS[("filmreco.data.Catalog", "from_records")] = lambda w: {"records": w.records[:3]}
METHODS[("filmreco.data.Catalog", "load")] = lambda w: {
    "path": w.saved("catalog", lambda: w.catalog)
}
METHODS[("filmreco.data.Catalog", "records")] = lambda w: {}
METHODS[("filmreco.data.Catalog", "save")] = lambda w: {"path": w.path()}
METHODS[("filmreco.data.Catalog", "subset")] = lambda w: {"item_ids": w.items}
METHODS[("filmreco.data.Catalog", "take")] = lambda w: {"indices": np.array([0, 2])}


def _edge_init(w: World) -> dict[str, Any]:
    from filmreco.sparse import IdMap

    return {
        "sources": np.array([0, 1]),
        "targets": np.array([1, 2]),
        "node_ids": IdMap(["a", "b", "c"]),
    }


CONSTRUCTORS["filmreco.data.EdgeList"] = _edge_init
RECEIVERS["filmreco.data.EdgeList"] = lambda w: w.edgelist
METHODS[("filmreco.data.EdgeList", "from_arrays")] = lambda w: {
    "sources": ["a", "b", "c"],
    "targets": ["b", "c", "a"],
    "weights": [1.0, 2.0, 0.5],
}
METHODS[("filmreco.data.EdgeList", "load")] = lambda w: {
    "path": w.saved("edges", lambda: w.edgelist)
}
METHODS[("filmreco.data.EdgeList", "save")] = lambda w: {"path": w.path()}
METHODS[("filmreco.data.EdgeList", "to_arrays")] = lambda w: {}
METHODS[("filmreco.data.EdgeList", "to_networkx")] = lambda w: {}

# -- datasets -------------------------------------------------------------------------------

FUNCTIONS["filmreco.datasets.load_edgelist"] = lambda w: {
    "path": w.text_file("edges", "# c\n1 2\n2 3\n3 1\n", ".txt")
}
FUNCTIONS["filmreco.datasets.load_movielens"] = lambda w: {
    "path": w.text_file(
        "ml", "1::10::5::978300760\n1::11::3::978302109\n2::10::4::978301968\n", ".dat"
    )
}
FUNCTIONS["filmreco.datasets.load_sample"] = lambda w: {}
FUNCTIONS["filmreco.datasets.make_synthetic"] = lambda w: {
    "n_users": 20,
    "n_items": 10,
    "random_state": 0,
}

# -- metrics --------------------------------------------------------------------------------


def _ranked(w: World) -> dict[str, Any]:
    return {
        "ranked": np.array([[1, 2, 3], [4, 5, 6]]),
        "relevant": [[2, 9], [6]],
        "k": 3,
    }


for _m in (
    "average_precision_at_k",
    "hit_rate_at_k",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
    "reciprocal_rank",
    "ranking_metrics",
):
    FUNCTIONS[f"filmreco.metrics.{_m}"] = _ranked
FUNCTIONS["filmreco.metrics.catalog_coverage"] = lambda w: {
    "ranked": np.array([[1, 2, 3], [4, 5, 6]]),
    "n_items": 10,
}
FUNCTIONS["filmreco.metrics.novelty"] = lambda w: {
    "ranked": np.array([[1, 2, 3], [4, 5, 6]]),
    "item_popularity": np.arange(10, dtype=float) + 1,
    "n_users": 20,
}

# -- text -----------------------------------------------------------------------------------

FUNCTIONS["filmreco.text.char_ngrams"] = lambda w: {"text": "星海漫游"}
FUNCTIONS["filmreco.text.dictionary_frequencies"] = lambda w: {}
FUNCTIONS["filmreco.text.normalize_text"] = lambda w: {"text": "星海 Ｍovie"}
FUNCTIONS["filmreco.text.unspaced_words"] = lambda w: {"run": "ゴジラのエピソード2"}
CONSTRUCTORS["filmreco.text.Tokenizer"] = lambda w: {"user_words": ["星海漫游"]}
RECEIVERS["filmreco.text.Tokenizer"] = lambda w: w.cached(
    "tok", lambda: __import__("filmreco.text").text.Tokenizer(["星海漫游"])
)
METHODS[("filmreco.text.Tokenizer", "add_word")] = lambda w: {"word": "家园"}
METHODS[("filmreco.text.Tokenizer", "tokenize")] = lambda w: {"text": "星海漫游的故事"}
METHODS[("filmreco.text.Tokenizer", "tokenize_many")] = lambda w: {"texts": ["星海", "家"]}

# -- recommend (functions) ------------------------------------------------------------------

FUNCTIONS["filmreco.recommend.mmr"] = lambda w: {
    "pool_ids": np.array([0, 1, 2, 3]),
    "pool_scores": np.array([4.0, 3.0, 2.0, 1.0]),
    "similarity": lambda a, b: np.eye(4)[np.ix_(a, b)],
    "n": 2,
}
FUNCTIONS["filmreco.recommend.tune"] = lambda w: {
    "model": __import__("filmreco.recommend").recommend.ItemKNN(),
    "grid": {"n_neighbors": [2, 5]},
    "interactions": w.inter,
    "random_state": 0,
}
CONSTRUCTORS["filmreco.recommend.TuneResult"] = lambda w: {"best_params": {}, "best_score": 0.1}

# -- social ---------------------------------------------------------------------------------


def _ic(w: World) -> Any:
    from filmreco.social import IndependentCascade

    return IndependentCascade(w.graph, random_state=0)


def _lt(w: World) -> Any:
    from filmreco.social import LinearThreshold

    return LinearThreshold(w.graph, random_state=0)


def _log(w: World) -> dict[str, Any]:
    u, i, _v, t = w.inter.to_arrays()[:4]
    return {"users": u, "items": i, "times": t}


for _pm, _make in (
    ("filmreco.social.IndependentCascade", _ic),
    ("filmreco.social.LinearThreshold", _lt),
):
    CONSTRUCTORS[_pm] = lambda w: {"graph": w.graph, "random_state": 0}
    RECEIVERS[_pm] = lambda w, _m=_make: _m(w)
    METHODS[(_pm, "expected_spread")] = lambda w: {"seeds": w.users[:2], "n_runs": 50}
    METHODS[(_pm, "prefix_spreads")] = lambda w: {"seeds": w.users[:2], "n_runs": 50}
    METHODS[(_pm, "simulate")] = lambda w: {"seeds": w.users[:2], "n_runs": 50}
    METHODS[(_pm, "sample_cascades")] = lambda w: {"n_cascades": 5}
    METHODS[(_pm, "seed_indices")] = lambda w: {"seeds": w.users[:2]}
    METHODS[(_pm, "save")] = lambda w: {"path": w.path()}
    METHODS[(_pm, "load")] = lambda w, _m=_make, _k=_pm: {"path": w.saved(_k, lambda: _m(w))}
    METHODS[(_pm, "from_logs")] = lambda w: {"graph": w.graph, **_log(w)}

CONSTRUCTORS["filmreco.social.SocialGraph"] = lambda w: {
    "out_adj": _graph_adj(w),
    "node_ids": w.graph.node_ids,
    "directed": True,
    "weighted": False,
}


def _graph_adj(w: World) -> Any:
    import scipy.sparse as sp

    s, t, _ = w.graph.edges()
    n = w.graph.n_nodes
    idx_s = w.graph.index(s)
    idx_t = w.graph.index(t)
    return sp.csr_array((np.ones(len(s)), (idx_s, idx_t)), shape=(n, n))


RECEIVERS["filmreco.social.SocialGraph"] = lambda w: w.graph
METHODS[("filmreco.social.SocialGraph", "edges")] = lambda w: {}
METHODS[("filmreco.social.SocialGraph", "in_degree")] = lambda w: {}
METHODS[("filmreco.social.SocialGraph", "out_degree")] = lambda w: {}
METHODS[("filmreco.social.SocialGraph", "to_networkx")] = lambda w: {}
METHODS[("filmreco.social.SocialGraph", "index")] = lambda w: {"ids": w.users}
METHODS[("filmreco.social.SocialGraph", "probabilities")] = lambda w: {"random_state": 0}
METHODS[("filmreco.social.SocialGraph", "resolve_probabilities")] = lambda w: {"probability": 0.1}
METHODS[("filmreco.social.SocialGraph", "save")] = lambda w: {"path": w.path()}
METHODS[("filmreco.social.SocialGraph", "load")] = lambda w: {
    "path": w.saved("graph", lambda: w.graph)
}
METHODS[("filmreco.social.SocialGraph", "from_arrays")] = lambda w: {
    "sources": ["a", "b", "c"],
    "targets": ["b", "c", "a"],
}
METHODS[("filmreco.social.SocialGraph", "from_edgelist")] = lambda w: {"source": w.edgelist}
METHODS[("filmreco.social.SocialGraph", "from_frame")] = lambda w: {
    "df": __import__("pandas").DataFrame({"source": ["a", "b"], "target": ["b", "c"]}),
}
METHODS[("filmreco.social.SocialGraph", "from_networkx")] = lambda w: {"G": w.graph.to_networkx()}

FUNCTIONS["filmreco.social.diffusion_matrix"] = lambda w: {
    "graph": w.graph,
    "S": w.inter.matrix.copy(),
}
FUNCTIONS["filmreco.social.diffusion_scores"] = lambda w: {
    "graph": w.graph,
    "seeds": list(w.users[:2]),
}
FUNCTIONS["filmreco.social.film_reach"] = lambda w: {
    "model": _ic(w),
    "adopters": w.users[:2],
    "n_runs": 50,
    "random_state": 0,
}
FUNCTIONS["filmreco.social.homophily"] = lambda w: {
    "graph": w.graph,
    "interactions": w.inter,
    "random_state": 0,
}
FUNCTIONS["filmreco.social.learn_probabilities"] = lambda w: {"graph": w.graph, **_log(w)}
FUNCTIONS["filmreco.social.maximize_influence"] = lambda w: {
    "model": _ic(w),
    "k": 2,
    "random_state": 0,
}
FUNCTIONS["filmreco.social.rank_films"] = lambda w: {
    "model": _ic(w),
    "interactions": w.inter,
    "n_runs": 20,
    "random_state": 0,
}
FUNCTIONS["filmreco.social.shuffle_graph"] = lambda w: {"graph": w.graph, "random_state": 0}
FUNCTIONS["filmreco.recommend.shuffle_catalog"] = lambda w: {
    "catalog": w.catalog,
    "random_state": 0,
}


def _social_rec(w: World) -> Any:
    from filmreco.recommend import Popularity
    from filmreco.social import SocialRecommender

    return SocialRecommender(Popularity(), w.graph)


def _halves(w: World) -> tuple[Any, Any]:
    from filmreco.recommend.evaluation import split_random

    return w.cached("halves", lambda: split_random(w.inter, 0.3, random_state=0))


FUNCTIONS["filmreco.social.evaluate_social"] = lambda w: {
    "model": _social_rec(w),
    "train": _halves(w)[0],
    "test": _halves(w)[1],
    "n_boot": 20,
    "random_state": 0,
}
FUNCTIONS["filmreco.social.cross_evaluate_social"] = lambda w: {
    "model": _social_rec(w),
    "interactions": w.inter,
    "n_folds": 2,
    "n_boot": 20,
    "random_state": 0,
}
FUNCTIONS["filmreco.social.tune_social"] = lambda w: {
    "model": _social_rec(w),
    "train": w.inter,
    "grid": {"weight": [0.1, 0.5]},
    "random_state": 0,
}
FUNCTIONS["filmreco.social.validate_propagation"] = lambda w: {
    "graph": w.graph,
    **_log(w),
    "cut": float(np.median(_log(w)["times"])),
    "estimators": ("bernoulli", "auto", 0.1),
    "random_state": 0,
}

# -- search ---------------------------------------------------------------------------------


def _index(w: World) -> Any:
    from filmreco.search import SearchIndex

    return w.cached("index", lambda: SearchIndex().fit(w.records))


CONSTRUCTORS["filmreco.search.SearchIndex"] = lambda w: {}
FIT_AFTER_INIT["filmreco.search.SearchIndex"] = lambda w: {"records": w.records}
RECEIVERS["filmreco.search.SearchIndex"] = _index
METHODS[("filmreco.search.SearchIndex", "fit")] = lambda w: {"records": w.records}
METHODS[("filmreco.search.SearchIndex", "add")] = lambda w: {
    "records": [{"id": "n1", "title": "新片"}]
}
METHODS[("filmreco.search.SearchIndex", "update")] = lambda w: {
    "records": [{"id": w.items[0], "title": "新片"}]
}
METHODS[("filmreco.search.SearchIndex", "delete")] = lambda w: {"ids": w.items[:1]}
METHODS[("filmreco.search.SearchIndex", "analyze")] = lambda w: {"query": "传说"}
METHODS[("filmreco.search.SearchIndex", "search")] = lambda w: {"query": "传说", "n": 5}
METHODS[("filmreco.search.SearchIndex", "search_many")] = lambda w: {
    "queries": ["传说", "列车"],
    "n": 5,
}
METHODS[("filmreco.search.SearchIndex", "suggest")] = lambda w: {"prefix": "山"}
METHODS[("filmreco.search.SearchIndex", "save")] = lambda w: {"path": w.path()}
METHODS[("filmreco.search.SearchIndex", "load")] = lambda w: {
    "path": w.saved("index", lambda: _index(w))
}
FUNCTIONS["filmreco.search.evaluate_search"] = lambda w: {
    "index": _index(w),
    "queries": {"q1": "传说", "q2": "列车"},
    "qrels": {"q1": [w.items[0]], "q2": [w.items[1]]},
}
FUNCTIONS["filmreco.search.normalize"] = lambda w: {"text": "繁體 Ｍovie"}


def _tokenizer(w: World) -> Any:
    return lambda text: list(text)


CONSTRUCTORS["filmreco.search.DictionaryScan"] = lambda w: {"user_words": ["星海"]}
RECEIVERS["filmreco.search.DictionaryScan"] = lambda w: None
CONSTRUCTORS["filmreco.search.FieldAnalyzer"] = lambda w: {
    "tokenizer": _tokenizer(w),
    "name": True,
}
RECEIVERS["filmreco.search.FieldAnalyzer"] = lambda w: __import__(
    "filmreco.search"
).search.FieldAnalyzer(_tokenizer(w), name=True)
METHODS[("filmreco.search.FieldAnalyzer", "words")] = lambda w: {"text": "星海漫游"}
CONSTRUCTORS["filmreco.search.QueryAnalyzer"] = lambda w: {"tokenizer": _tokenizer(w)}
RECEIVERS["filmreco.search.QueryAnalyzer"] = lambda w: None
CONSTRUCTORS["filmreco.search.QueryTerms"] = lambda w: {}
RECEIVERS["filmreco.search.QueryTerms"] = lambda w: __import__(
    "filmreco.search"
).search.QueryTerms()
METHODS[("filmreco.search.QueryTerms", "add")] = lambda w: {
    "channel": "word",
    "term": "星海",
    "weight": 1.0,
}
METHODS[("filmreco.search.QueryTerms", "merge")] = lambda w: {
    "other": __import__("filmreco.search").search.QueryTerms()
}
CONSTRUCTORS["filmreco.search.SynonymTable"] = lambda w: {"table": {"星战": "星球大战"}}
RECEIVERS["filmreco.search.SynonymTable"] = lambda w: __import__(
    "filmreco.search"
).search.SynonymTable({"星战": "星球大战"})
METHODS[("filmreco.search.SynonymTable", "expand")] = lambda w: {"text": "星战"}

# -- campaign -------------------------------------------------------------------------------


def _plan_args(w: World) -> dict[str, Any]:
    return {
        "film_id": w.items[0],
        "recommender": _fitted(w, "filmreco.recommend.EASE"),
        "graph": w.graph,
        "audience_size": 10,
        "k": 2,
        "seed_method": "degree",
        "n_runs": 20,
        "random_state": 0,
    }


FUNCTIONS["filmreco.campaign.plan"] = _plan_args
FUNCTIONS["filmreco.campaign.audience_model"] = lambda w: {}
FUNCTIONS["filmreco.campaign.release_model"] = lambda w: {
    "catalog": w.catalog,
    "interactions": w.inter,
}


def _plan(w: World) -> Any:
    from filmreco.campaign import plan

    return w.cached("plan", lambda: plan(**_plan_args(w)))


FUNCTIONS["filmreco.campaign.measure"] = lambda w: {
    "plan": _plan(w),
    "observed_log": (w.users, np.repeat(w.items[0], len(w.users))),
}
FUNCTIONS["filmreco.campaign.compare"] = lambda w: {"plans": [_plan(w), _plan(w)]}
FUNCTIONS["filmreco.campaign.budget_sweep"] = lambda w: {
    **{k: v for k, v in _plan_args(w).items() if k != "k"},
    "budgets": [1.0, 2.0],
}

# -- privacy --------------------------------------------------------------------------------

_KEY = bytes(range(32))


def _pseudonymizer(w: World) -> Any:
    from filmreco.privacy import Pseudonymizer

    return Pseudonymizer(_KEY)


def _pseudonymized(w: World) -> Any:
    return w.cached("ps", lambda: _pseudonymizer(w).pseudonymize_interactions(w.inter))


FUNCTIONS["filmreco.privacy.audience_overlap"] = lambda w: {
    "a": _pseudonymized(w),
    "b": _pseudonymized(w),
    "min_group_size": 1,
}
FUNCTIONS["filmreco.privacy.forget_user"] = lambda w: {
    "user_id": w.users[0],
    "recommenders": [_fitted(w, "filmreco.recommend.ItemKNN")],
}
FUNCTIONS["filmreco.privacy.forget_users"] = lambda w: {
    "model": _fitted(w, "filmreco.recommend.ItemKNN"),
    "user_ids": w.users[:1],
}
FUNCTIONS["filmreco.privacy.item_audience"] = lambda w: {
    "data": w.inter,
    "min_group_size": 1,
}
FUNCTIONS["filmreco.privacy.join"] = lambda w: {
    "a": _pseudonymized(w),
    "b": _pseudonymized(w),
}
FUNCTIONS["filmreco.privacy.new_key"] = lambda w: {}
CONSTRUCTORS["filmreco.privacy.Pseudonymizer"] = lambda w: {"key": _KEY}
RECEIVERS["filmreco.privacy.Pseudonymizer"] = _pseudonymizer
METHODS[("filmreco.privacy.Pseudonymizer", "pseudonymize")] = lambda w: {"ids": w.users}
METHODS[("filmreco.privacy.Pseudonymizer", "pseudonymize_interactions")] = lambda w: {
    "interactions": w.inter
}
METHODS[("filmreco.privacy.Pseudonymizer", "table")] = lambda w: {"ids": w.users}


def _ptable(w: World) -> Any:
    return w.cached("ptable", lambda: _pseudonymizer(w).table(w.inter.user_ids.ids))


RECEIVERS["filmreco.privacy.PseudonymTable"] = _ptable
METHODS[("filmreco.privacy.PseudonymTable", "forget")] = lambda w: {"raw_ids": w.users[:1]}
METHODS[("filmreco.privacy.PseudonymTable", "pseudonyms_of")] = lambda w: {"raw_ids": w.users}
METHODS[("filmreco.privacy.PseudonymTable", "reveal")] = lambda w: {
    "pseudonyms": _ptable(w).pseudonyms_of(w.users)
}
METHODS[("filmreco.privacy.PseudonymTable", "save")] = lambda w: {"path": w.path()}
METHODS[("filmreco.privacy.PseudonymTable", "load")] = lambda w: {
    "path": w.saved("ptable", lambda: _ptable(w))
}
RECEIVERS["filmreco.privacy.Pseudonymized"] = _pseudonymized
METHODS[("filmreco.privacy.Pseudonymized", "save")] = lambda w: {"path": w.path()}
METHODS[("filmreco.privacy.Pseudonymized", "load")] = lambda w: {
    "path": w.saved("pseudonymized", lambda: _pseudonymized(w))
}

#: Result containers (dataclasses filmreco returns): their constructors are not entry
#: points users call with their own data; their methods are fuzzed on a real result.
RESULT_TYPES = (
    "filmreco.recommend.TuneResult",
    "filmreco.social.FilmRanking",
    "filmreco.social.PropagationValidation",
    "filmreco.social.SeedPlan",
    "filmreco.social.SimulationResult",
    "filmreco.social.SocialEvaluation",
    "filmreco.social.SocialTuning",
    "filmreco.search.SearchHits",
    "filmreco.campaign.Audience",
    "filmreco.campaign.CampaignPlan",
    "filmreco.campaign.Lift",
    "filmreco.campaign.Uplift",
    "filmreco.campaign.BudgetSweep",
    "filmreco.campaign.Comparison",
    "filmreco.campaign.SeedCurve",
    "filmreco.privacy.ForgetReport",
    "filmreco.privacy.PseudonymTable",
    "filmreco.privacy.Pseudonymized",
    "filmreco.privacy.SharedCounts",
    "filmreco.social.Backtest",
)
for _r in RESULT_TYPES:
    NOT_FUZZED[_r] = "result container built by filmreco (its methods are fuzzed)"

RECEIVERS["filmreco.social.SimulationResult"] = lambda w: w.cached(
    "sim", lambda: _ic(w).simulate(w.users[:2], 50, random_state=0)
)
METHODS[("filmreco.social.SimulationResult", "probability")] = lambda w: {"ids": w.users}
METHODS[("filmreco.social.SimulationResult", "summary")] = lambda w: {}
METHODS[("filmreco.social.SimulationResult", "to_frame")] = lambda w: {}
FUNCTIONS["filmreco.data.to_frame"] = lambda w: {
    "result": (np.asarray(w.items[:2])[None, :], np.array([[0.5, 0.25]])),
    "queries": np.asarray(w.users[:1]),
    "query": "user",
    "catalog": w.catalog,
    "columns": None,
}
RECEIVERS["filmreco.campaign.CampaignPlan"] = _plan
for _meth in ("summary", "to_dict", "to_frame", "to_html"):
    METHODS[("filmreco.campaign.CampaignPlan", _meth)] = lambda w: {}
METHODS[("filmreco.campaign.CampaignPlan", "plot")] = lambda w: {}
METHODS[("filmreco.campaign.CampaignPlan", "to_html")] = lambda w: {"path": w.path(".html")}


def _comparison(w: World) -> Any:
    from filmreco.campaign import compare

    return w.cached("comparison", lambda: compare([_plan(w), _plan(w)], random_state=0))


RECEIVERS["filmreco.campaign.Comparison"] = _comparison
for _meth in ("rows", "summary", "to_frame"):
    METHODS[("filmreco.campaign.Comparison", _meth)] = lambda w: {}
METHODS[("filmreco.campaign.Comparison", "to_html")] = lambda w: {"path": w.path(".html")}


def _sweep(w: World) -> Any:
    from filmreco.campaign import budget_sweep

    return w.cached("sweep", lambda: budget_sweep(**FUNCTIONS["filmreco.campaign.budget_sweep"](w)))


RECEIVERS["filmreco.campaign.BudgetSweep"] = _sweep
METHODS[("filmreco.campaign.BudgetSweep", "to_frame")] = lambda w: {}
RECEIVERS["filmreco.campaign.SeedCurve"] = lambda w: _plan(w).curves["plan"]
METHODS[("filmreco.campaign.SeedCurve", "n_seeds_within")] = lambda w: {"budget": 1.0}


def _shared(w: World) -> Any:
    from filmreco.privacy import item_audience

    return w.cached("shared", lambda: item_audience(w.inter, min_group_size=1))


RECEIVERS["filmreco.privacy.SharedCounts"] = _shared
METHODS[("filmreco.privacy.SharedCounts", "to_dict")] = lambda w: {}
METHODS[("filmreco.privacy.SharedCounts", "to_json")] = lambda w: {}


def _validation(w: World) -> Any:
    from filmreco.social import validate_propagation

    return w.cached("validation", lambda: validate_propagation(**FUNCTIONS[VALIDATE](w)))


VALIDATE = "filmreco.social.validate_propagation"
RECEIVERS["filmreco.social.PropagationValidation"] = _validation
METHODS[("filmreco.social.PropagationValidation", "summary")] = lambda w: {}
METHODS[("filmreco.social.PropagationValidation", "to_frame")] = lambda w: {}
METHODS[("filmreco.social.PropagationValidation", "intervals")] = lambda w: {}
METHODS[("filmreco.social.PropagationValidation", "coverage")] = lambda w: {"min_predicted": 0.0}


def _backtest(w: World) -> Any:
    from filmreco.social import learn_probabilities

    return w.cached(
        "backtest",
        lambda: learn_probabilities(
            w.graph, **_log(w), method="auto", holdout=0.3, return_report=True
        )[1],
    )


RECEIVERS["filmreco.social.Backtest"] = _backtest
METHODS[("filmreco.social.Backtest", "interval")] = lambda w: {"expected": [0.0, 2.0, 7.5]}
METHODS[("filmreco.social.Backtest", "summary")] = lambda w: {}
METHODS[("filmreco.social.Backtest", "to_dict")] = lambda w: {}


def _evaluation(w: World) -> Any:
    from filmreco.social import evaluate_social

    return w.cached(
        "evaluation",
        lambda: evaluate_social(**FUNCTIONS["filmreco.social.evaluate_social"](w)),
    )


RECEIVERS["filmreco.social.SocialEvaluation"] = _evaluation
METHODS[("filmreco.social.SocialEvaluation", "summary")] = lambda w: {}
METHODS[("filmreco.social.SocialEvaluation", "to_frame")] = lambda w: {}


def method_builder(entry: str) -> Builder | None:
    """The valid-arguments builder of a method entry ``"<class>.<method>"``, if any."""
    cls_name, meth = entry.rsplit(".", 1)
    if (cls_name, meth) in METHODS:
        return METHODS[(cls_name, meth)]
    if cls_name in RECOMMENDERS and ("*", meth) in METHODS:
        return METHODS[("*", meth)]
    return None


def has_builder(entry: str, obj: Any) -> bool:
    """Whether the suite knows valid arguments for `entry`."""
    if entry in NOT_FUZZED:
        return True
    if isinstance(obj, type):
        return entry in CONSTRUCTORS
    if entry in FUNCTIONS:
        return True
    cls_name = entry.rsplit(".", 1)[0]
    if cls_name in NOT_FUZZED and cls_name not in RECEIVERS:
        return True
    return method_builder(entry) is not None and cls_name in RECEIVERS


def warm_kernels(w: World) -> None:
    """Compile the slowest-compiling kernels once, before the timed cases.

    With numba's on-disk cache empty (a clean CI clone; the fuzz suite runs before the model
    tests), SANSA's factorisation, inverse and scoring kernels take about 15 s to compile,
    which the per-case timeout would report as a hang of whichever case first fits one. The
    fitted model is the world's cached one, so the cases reuse it.
    """
    model = _fitted(w, "filmreco.recommend.SANSA")
    model.recommend(list(w.inter.user_ids)[:2], 3)
    # item-kNN's similarity, BM25 weighting and serving loops (a few seconds together)
    _fitted(w, "filmreco.recommend.ItemKNN").recommend(list(w.inter.user_ids)[:2], 3)
