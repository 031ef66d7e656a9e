"""Benchmark filmreco's recommenders against implicit, fastslim and a plain numpy EASE.

Run by hand (needs the ``bench`` extra: implicit, fastslim)::

    bash ../shared/data/get_movielens.sh /work/benchdata/movielens
    python benchmarks/bench_recommend.py /work/benchdata/movielens [--datasets ml-100k ml-1m]

Protocol (issue 3): ratings >= 4 are positives; a per-user random 80/20 holdout (fixed
seed) gives train/test; every model's hyper-parameters are chosen by NDCG@10 on a
validation split carved from train (again per-user 80/20), then the model is refitted on
all of train and scored on test with seen items filtered. Anchors and filmreco models
are tuned on the same grids, with the same factors and iterations, on the same threads
(threadpoolctl). Quality and speed are measured in the same run; the script prints a
Markdown table and the ratios. No MovieLens data is stored anywhere by this script.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from filmreco.data import Catalog, Interactions
from filmreco.metrics import ranking_metrics
from filmreco.recommend import ALS, BPR, EASE, EDLAE, SANSA, Hybrid, ItemKNN, Popularity
from filmreco.recommend.evaluation import split_random

SEED = 20261129
#: HigherOrderEASE in the --seeds run: the number of pairs (bounds its fit to a few times
#: EASE's on ml-1m) and the grid of the pairs' penalty
HO_PAIRS = 1000
HO_PAIR_REG = (3000.0, 10000.0, 30000.0)
SLIM_GRID = False  # --slim-grid
SEED_INDICES: list[int] = []  # --seed-index
JSON_OUT: Path | None = None  # --json
THREADS = 2
K = 10
#: SANSA's densities (at EASE's tuned regularization): NDCG against density.
SANSA_DENSITIES = (0.05, 0.1, 0.2, 0.3, 0.5)
MODELS: set[str] = set()  # --models (empty: every model)
#: what a --seeds row needs from the rows before it (run whenever a dependant runs)
NEEDS = {
    "HigherOrderEASE": ("EDLAE",),
    "Hybrid (stacked)": ("EDLAE", "ALS (freq. reg.)"),
    "Hybrid (stacked, higher-order)": ("EDLAE", "HigherOrderEASE", "ALS (freq. reg.)"),
    "HigherOrderEASE (size-aware)": ("EDLAE (size-aware)",),
    "Hybrid (stacked, higher-order, size-aware)": (
        "EDLAE (size-aware)",
        "HigherOrderEASE (size-aware)",
        "ALS (freq. reg., size-aware)",
    ),
    "Hybrid (stacked, higher-order, size-aware ALS)": (
        "EDLAE",
        "HigherOrderEASE",
        "ALS (freq. reg., size-aware)",
    ),
    "Hybrid (stacked, higher-order, size-aware ALS, rating-weighted)": (
        "EDLAE",
        "HigherOrderEASE",
        "ALS (freq. reg., rating-weighted, size-aware)",
    ),
    "Hybrid (stacked, collective EDLAE on catalogue genres, size-aware ALS)": (
        "EDLAE",
        "ALS (freq. reg., size-aware)",
    ),
    "Hybrid (stacked, higher-order, size-aware ALS, + catalogue genres)": (
        "EDLAE",
        "HigherOrderEASE",
        "ALS (freq. reg., size-aware)",
    ),
}
#: the genre rows' weights (session 10), tuned on validation: the collective EDLAE row (by the
#: stack's score) and numpy EASE given the same rows (first grid 30-1000: its pick was 30, the
#: edge, on four seeds, so the grid was extended down for both rows and both were re-run)
SIDE_WEIGHTS = (3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
#: the anchors given the same genre rows (fairness): the rows' value for implicit ALS (its
#: confidences scale with the values; first grid 1-30: its pick was 30, the edge, on four seeds,
#: so it was extended and re-run); numpy EASE takes sqrt(SIDE_WEIGHTS), as the EDLAE row
ALS_GENRE_VALUES = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
#: rating-weighted rows (session 10): the 5-star weights tried (4 stars: 1), tuned on
#: validation with each model's grid; the weights are rescaled to mean 1 (see rating_weighted)
STARS5 = (1.0, 1.5, 2.0)


def wanted(label: str) -> bool:
    """Whether the --seeds run computes `label` (--models, plus the rows those need)."""
    if not MODELS:
        return True
    return label in MODELS or any(label in NEEDS.get(m, ()) for m in MODELS)


# --------------------------------------------------------------------------- data
def load(root: Path, name: str) -> Interactions:
    path = root / name / "ratings.csv"
    X = Interactions.from_csv(path, "user", "item", "rating", "timestamp").to_implicit(4.0)
    # positives only (no seen set of 1-3 star ratings): the protocol filters the positives,
    # for filmreco and the anchors alike, in the quality splits and the speed runs
    return Interactions(
        X.matrix, X.user_ids, X.item_ids, timestamps=X.timestamps, ratings=X.ratings
    )


def rating_weighted(X: Interactions, stars5: float) -> Interactions:
    """`X` with each positive weighted by its rating: 1 for 4 stars, `stars5` for 5 (the
    ratings ``load`` keeps), rescaled so that the mean weight is 1 (ALS's alpha and EASE's
    lambda keep their scale): ``Interactions.weight_by_rating``. 1.0 returns `X`."""
    if stars5 == 1.0:
        return X
    return X.weight_by_rating(lambda r: np.where(r >= 5.0, float(stars5), 1.0))


def load_catalog(root: Path, name: str) -> Catalog | None:
    """The films' metadata shipped with the ratings, ``<root>/<name>/items.csv`` (item,
    title, year, genres split on ``|``), or None without one (ml-100k ships it; the ml-1m
    copy here has ratings only)."""
    path = root / name / "items.csv"
    if not path.exists():
        return None
    return Catalog.from_csv(path, id_field="item", on_error="coerce")  # 2 years unknown


class CatalogueStack:
    """Adapter: fit ``Filmreco(lambda: make(catalog'))``, catalog' = `catalog` restricted to
    the films of the data it is fitted on, so that the model ranks the same candidate films
    as the anchors (no cold-start films, which pure collaborative filtering cannot rank);
    `fit` returns the fitted Filmreco adapter."""

    def __init__(self, make: Callable[[Catalog], Any], catalog: Catalog) -> None:
        self.make, self.catalog = make, catalog

    def fit(self, X: Interactions) -> Filmreco:
        cat = self.catalog.subset(X.item_ids.ids, on_unknown="ignore")
        return Filmreco(lambda: self.make(cat)).fit(X)


def genre_matrix(catalog: Catalog, item_ids: np.ndarray) -> sp.csr_array:
    """Films x genres, 1 where the film (`item_ids`, in order) has the genre; films the
    catalogue lacks have no genre."""
    pos = catalog.item_ids.index(item_ids, on_unknown="mask")
    genres = catalog.field("genres")
    names = sorted({g for p in pos.tolist() if p >= 0 for g in genres[p]})
    col = {g: j for j, g in enumerate(names)}
    rows = [r for r, p in enumerate(pos.tolist()) if p >= 0 for _ in genres[p]]
    cols = [col[g] for p in pos.tolist() if p >= 0 for g in genres[p]]
    shape = (len(item_ids), len(names))
    return sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=shape)


class GenreRows:
    """Adapter: fit `inner` (an anchor adapter taking the sparse matrix) on the interactions
    with one extra row per genre of `catalog`, ``value`` on the genre's films (the same
    pseudo-users as the collective EDLAE's, ``EDLAE(catalog=...)``, for the anchors:
    fairness); ranks the real users."""

    def __init__(self, inner: Any, catalog: Catalog, value: float) -> None:
        self.inner, self.catalog, self.value = inner, catalog, value

    def fit(self, X: Interactions) -> GenreRows:
        G = genre_matrix(self.catalog, X.item_ids.ids)
        side = float(self.value) * G.T
        self.n_users = X.matrix.shape[0]
        self.fitted = self.inner.fit(sp.csr_array(sp.vstack([X.matrix, side])))
        return self

    def rank(self, users: np.ndarray, n: int) -> np.ndarray:
        return self.fitted.rank(users, n)


class RatingWeighted:
    """Adapter: fit `inner` (a Filmreco / ImplicitModel adapter; `matrix`: it takes the
    sparse matrix) on the rating-weighted data; `fit` returns the fitted inner adapter."""

    def __init__(self, inner: Any, stars5: float, matrix: bool = False) -> None:
        self.inner, self.stars5, self.matrix = inner, stars5, matrix

    def fit(self, X: Interactions) -> Any:
        W = rating_weighted(X, self.stars5)
        return self.inner.fit(W.matrix if self.matrix else W)


def test_users(test: Interactions) -> np.ndarray:
    return np.flatnonzero(np.diff(test.matrix.indptr) > 0)


def metrics_of(ranked: np.ndarray, test: Interactions, users: np.ndarray) -> dict[str, float]:
    rel = test.matrix[users]
    out = ranking_metrics(ranked, rel, k=K, metrics=["ndcg", "precision", "recall", "map"])
    return {k.split("@")[0]: v for k, v in out.items() if "@" in k}


# --------------------------------------------------------------------------- anchors
class NumpyEASE:
    """The plain closed form (Steck 2019, eq. 8) in numpy float64: the EASE reference."""

    def __init__(self, regularization: float) -> None:
        self.regularization = regularization

    def fit(self, X: sp.csr_array) -> NumpyEASE:
        G = (X.T @ X).toarray().astype(np.float64)
        G[np.diag_indices_from(G)] += self.regularization
        P = np.linalg.inv(G)
        B = P / (-np.diag(P))
        B[np.diag_indices_from(B)] = 0.0
        self.B, self.X = B, X
        return self

    def rank(self, users: np.ndarray, n: int) -> np.ndarray:
        S = np.asarray(self.X[users] @ self.B)
        S[self.X[users].toarray() > 0] = -np.inf
        top = np.argpartition(-S, n, axis=1)[:, :n]
        order = np.argsort(-np.take_along_axis(S, top, axis=1), axis=1, kind="stable")
        return np.take_along_axis(top, order, axis=1)


class ImplicitModel:
    """Adapter for implicit 0.7 models (ALS, BPR, Cosine, BM25): fit + batch recommend."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory

    def fit(self, X: sp.csr_array) -> ImplicitModel:
        self.X = sp.csr_matrix(X)
        self.model = self.factory()
        self.model.fit(self.X, show_progress=False)
        return self

    def rank(self, users: np.ndarray, n: int) -> np.ndarray:
        ids, _ = self.model.recommend(users, self.X[users], N=n, filter_already_liked_items=True)
        return np.asarray(ids, dtype=np.int64)


class SlimModel:
    """Adapter for fastslim's SLIM."""

    def __init__(self, **params: Any) -> None:
        self.params = params

    def fit(self, X: sp.csr_array) -> SlimModel:
        import fastslim

        self.X = sp.csr_matrix(X, dtype=np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model = fastslim.SLIM(n_threads=THREADS, **self.params).fit(self.X)
        return self

    def rank(self, users: np.ndarray, n: int) -> np.ndarray:
        return np.asarray(self.model.recommend(self.X[users], k=n), dtype=np.int64)


class Filmreco:
    """Adapter giving filmreco models the same fit/rank interface (indices = train columns)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def fit(self, X: Interactions) -> Filmreco:
        self.model = self.make().fit(X)
        return self

    def rank(self, users: np.ndarray, n: int) -> np.ndarray:
        ids, _ = self.model.recommend(self.model.user_ids_.ids[users], n)
        out = np.full(ids.shape, -1, dtype=np.int64)
        ok = ids != self.model.item_ids_.missing
        out[ok] = self.model.item_ids_.index(ids[ok])
        return out


# --------------------------------------------------------------------------- tuning
def grid(**axes: Iterable[Any]) -> list[dict[str, Any]]:
    keys = list(axes)
    return [dict(zip(keys, vals)) for vals in itertools.product(*axes.values())]


def run(
    build: Callable[[dict[str, Any]], Any],
    params: list[dict[str, Any]],
    splits: dict[str, Any],
    uses_interactions: bool,
) -> dict[str, Any]:
    """Tune on (train', valid), refit on train, score on test."""

    def data(X: Interactions) -> Any:
        return X if uses_interactions else X.matrix

    tr, va, train, test = splits["tr"], splits["va"], splits["train"], splits["test"]
    best, best_score = params[0], -1.0
    if len(params) > 1:
        users = test_users(va)
        for p in params:
            with threadpool_limits(THREADS):
                m = build(p).fit(data(tr))
            score = metrics_of(m.rank(users, K), va, users)["ndcg"]
            if score > best_score:
                best, best_score = p, score
    users = test_users(test)
    with threadpool_limits(THREADS):
        t0 = time.perf_counter()
        model = build(best).fit(data(train))
        fit_s = time.perf_counter() - t0
    res = metrics_of(model.rank(users, K), test, users)
    return {"params": best, "valid": best_score, "fit_s": fit_s, "model": model, **res}


#: size-aware selection (session 9): the fraction of the tuning part's positives (per user)
#: the second, smaller fit uses; the final fit has 1 / 0.8 = 1.25x the tuning part's
#: positives, so one step of the same ratio above it is the refit's size
SIZE_STEP = 0.8


def dense_scores(model: Any, X: Interactions, users: np.ndarray) -> np.ndarray:
    """users x items scores (columns in `X`'s item order) of a fitted filmreco model or
    anchor; films a model does not know score -inf."""
    if isinstance(model, Filmreco):
        m = model.model
        cols = m.item_ids_.index(X.item_ids.ids, on_unknown="mask")
        s = np.asarray(m.score(X.user_ids.ids[users], m.item_ids_.ids), dtype=np.float64)
        S = np.full((users.size, X.matrix.shape[1]), -np.inf)
        S[:, cols >= 0] = s[:, cols[cols >= 0]]
        return S
    S = anchor_scores(model, sp.csr_array(model.X))
    assert S is not None
    return np.asarray(S, dtype=np.float64)[users]


def valid_ndcg(model: Any, seen: Interactions, va: Interactions) -> float:
    """Validation NDCG@10 of `model` with every positive of `seen` filtered (a model fitted
    on part of `seen` must not be credited nor blamed for the rest of it)."""
    users = test_users(va)
    S = dense_scores(model, seen, users)
    S[sp.csr_array(seen.matrix)[users].toarray() > 0] = -np.inf
    top = np.argpartition(-S, K, axis=1)[:, :K]
    order = np.argsort(-np.take_along_axis(S, top, axis=1), axis=1, kind="stable")
    return metrics_of(np.take_along_axis(top, order, axis=1), va, users)["ndcg"]


def run_size_aware(
    build: Callable[[dict[str, Any]], Any],
    params: list[dict[str, Any]],
    splits: dict[str, Any],
    uses_interactions: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The usual pick (best validation NDCG@10 of a fit on tr) and the size-aware one.

    Every setting is fitted on tr and on a per-user SIZE_STEP subsample of tr, both judged
    on the same validation split (tr's positives filtered). The final model is refitted on
    train, 1 / SIZE_STEP times tr, so the size-aware pick is the best *extrapolated*
    score ``v(tr) + (v(tr) - v(SIZE_STEP tr))`` (linear in log training size, one step
    on): it prefers settings still improving with data over ones already saturated. Only
    training data is used. Returns (usual, size-aware) result dicts as `run`'s."""

    def data(X: Interactions) -> Any:
        return X if uses_interactions else X.matrix

    tr, va, train, test = splits["tr"], splits["va"], splits["train"], splits["test"]
    sub = split_random(tr, 1.0 - SIZE_STEP, random_state=SEED + 2)[0]
    v_full, v_sub = [], []
    for p in params:
        for part, out in ((tr, v_full), (sub, v_sub)):
            with threadpool_limits(THREADS):
                m = build(p).fit(data(part))
            out.append(valid_ndcg(m, tr, va))
    extrap = [2.0 * a - b for a, b in zip(v_full, v_sub)]
    users = test_users(test)
    out_rows = []
    for scores in (v_full, extrap):
        best = int(np.argmax(scores))
        with threadpool_limits(THREADS):
            t0 = time.perf_counter()
            model = build(params[best]).fit(data(train))
            fit_s = time.perf_counter() - t0
        res = metrics_of(model.rank(users, K), test, users)
        out_rows.append({"params": params[best], "valid": float(v_full[best]),
                         "valid_extrap": float(extrap[best]), "valid_sub": float(v_sub[best]),
                         "fit_s": fit_s, "model": model, **res})  # fmt: skip
    return out_rows[0], out_rows[1]


def quality(root: Path, name: str, quick: bool) -> dict[str, dict[str, Any]]:
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking
    from implicit.nearest_neighbours import BM25Recommender, CosineRecommender

    X = load(root, name)
    train, test = split_random(X, 0.2, random_state=SEED)
    tr, va = split_random(train, 0.2, random_state=SEED + 1)
    splits = {"tr": tr, "va": va, "train": train, "test": test}
    print(f"\n## {name}: {X!r}; train {train.nnz}, test {test.nnz}", flush=True)
    lams = [100.0, 200.0, 400.0, 700.0, 1000.0, 1500.0, 2500.0]
    regs = [10.0, 25.0, 50.0, 100.0, 200.0]
    alphas = [2.0, 5.0, 10.0, 20.0]  # implicit's alpha; filmreco's is alpha - 1 (same c)
    bpr_grid = grid(learning_rate=[0.01, 0.05, 0.1], regularization=[0.001, 0.01])
    epochs = 100
    if quick:
        lams, regs, alphas = lams[2:5], [50.0], [5.0]
        bpr_grid = bpr_grid[:2]
    results: dict[str, dict[str, Any]] = {}

    def record(label: str, r: dict[str, Any]) -> None:
        results[label] = r
        p = {k: v for k, v in r["params"].items()}
        print(f"{label:28s} ndcg@10 {r['ndcg']:.4f}  recall {r['recall']:.4f}  "
              f"fit {r['fit_s']:.2f}s  {p}", flush=True)  # fmt: skip

    record("Popularity", run(lambda p: Filmreco(Popularity), [{}], splits, True))
    record("numpy EASE", run(lambda p: NumpyEASE(**p), grid(regularization=lams), splits, False))
    record(
        "EASE", run(lambda p: Filmreco(lambda: EASE(**p)), grid(regularization=lams), splits, True)
    )
    for d in SANSA_DENSITIES if not quick else SANSA_DENSITIES[-2:-1]:
        ep = results["EASE"]["params"]
        record(f"SANSA density={d:g}", run(lambda p, d=d: Filmreco(lambda: SANSA(density=d,
               **p)), [ep], splits, True))  # fmt: skip
    slim = grid(lambd=[0.5, 1.0, 2.0, 5.0], beta=[1.0, 5.0, 20.0, 100.0])
    record("SLIM (fastslim)", run(lambda p: SlimModel(**p), slim if not quick else slim[:3],
                                  splits, False))  # fmt: skip
    als_i = grid(regularization=regs, alpha=alphas)
    record("implicit ALS", run(lambda p: ImplicitModel(lambda: AlternatingLeastSquares(
        factors=64, iterations=15, num_threads=THREADS, random_state=SEED, **p)),
        als_i, splits, False))  # fmt: skip
    als_f = [{"regularization": p["regularization"], "alpha": p["alpha"] - 1.0} for p in als_i]
    record("ALS", run(lambda p: Filmreco(lambda: ALS(64, max_iter=15, n_jobs=THREADS,
        random_state=SEED, **p)), als_f, splits, True))  # fmt: skip
    record("implicit BPR", run(lambda p: ImplicitModel(lambda: BayesianPersonalizedRanking(
        factors=63, iterations=epochs, num_threads=THREADS, random_state=SEED, **p)),
        bpr_grid, splits, False))  # fmt: skip
    record("BPR", run(lambda p: Filmreco(lambda: BPR(63, max_iter=epochs, random_state=SEED,
        **p)), bpr_grid, splits, True))  # fmt: skip
    ks = [100, 400, 800] if not quick else [400]
    record("implicit Cosine kNN", run(lambda p: ImplicitModel(lambda: CosineRecommender(
        num_threads=THREADS, **p)), grid(K=ks), splits, False))  # fmt: skip
    bm = grid(K=ks, K1=[1.2, 10.0, 100.0], B=[0.5, 0.8])
    record("implicit BM25 kNN", run(lambda p: ImplicitModel(lambda: BM25Recommender(
        num_threads=THREADS, **p)), bm if not quick else bm[:2], splits, False))  # fmt: skip
    variants = [
        {"similarity": "cosine", "asymmetry": 0.5, "shrinkage": 0.0},
        {"similarity": "cosine", "asymmetry": 0.5, "shrinkage": 20.0},
        {"similarity": "cosine", "asymmetry": 0.8, "shrinkage": 0.0},
        {"similarity": "dot"},
    ]
    knn = [
        {"n_neighbors": k, "weighting": w, **v, **({"b": b} if w == "bm25" else {})}
        for k in ks
        for v in variants
        for w, b in [("cosine", None), ("tfidf", None), ("bm25", 0.5), ("bm25", 0.75)]
    ]
    if quick:
        knn = knn[:3]
    record("ItemKNN", run(lambda p: Filmreco(lambda: ItemKNN(n_jobs=THREADS, **p)), knn,
                          splits, True))  # fmt: skip
    e = results["EASE"]["params"]
    kp = results["ItemKNN"]["params"]
    ap = results["ALS"]["params"]
    hyb = grid(
        partner=["knn", "als"], weight=[0.1, 0.25, 0.5, 1.0], normalization=["zscore", "minmax"]
    )
    if quick:
        hyb = hyb[:2]

    def make_hybrid(p: dict[str, Any]) -> Filmreco:
        def build() -> Hybrid:
            other = (ItemKNN(n_jobs=THREADS, **kp) if p["partner"] == "knn"
                     else ALS(64, max_iter=15, n_jobs=THREADS, random_state=SEED, **ap))  # fmt: skip
            return Hybrid([EASE(**e), other], weights=[1.0, p["weight"]],
                          normalization=p["normalization"])  # fmt: skip

        return Filmreco(build)

    record("Hybrid (EASE + partner)", run(make_hybrid, hyb, splits, True))
    return results


# --------------------------------------------------------------------------- several seeds
AUDIENCE_K = 100


def audience_of(S: np.ndarray, train: Interactions, test: Interactions) -> dict[str, float]:
    """NDCG@100 / recall@100 of every test film's audience from a dense users x items score
    matrix: the users who have not seen the film, ranked by score, against its test viewers
    (the protocol of ``evaluate(..., axis="items")``, for the anchors)."""
    S = np.array(S, dtype=np.float64).T  # items x users
    seen = sp.csr_array(train.matrix).T.tocsr()
    S[seen.nonzero()] = -np.inf
    T = sp.csr_array(test.matrix).T.tocsr()
    films = np.flatnonzero(np.diff(T.indptr) > 0)
    S = S[films]
    top = np.argpartition(-S, AUDIENCE_K, axis=1)[:, :AUDIENCE_K]
    order = np.argsort(-np.take_along_axis(S, top, axis=1), axis=1, kind="stable")
    ranked = np.take_along_axis(top, order, axis=1)
    ranked[~np.isfinite(np.take_along_axis(S, ranked, axis=1))] = -1
    out = ranking_metrics(ranked, T[films], k=AUDIENCE_K, metrics=["ndcg", "recall"])
    return {"aud_ndcg": out[f"ndcg@{AUDIENCE_K}"], "aud_recall": out[f"recall@{AUDIENCE_K}"]}


def anchor_scores(model: Any, X: sp.csr_array) -> np.ndarray | None:
    """Dense users x items scores of a fitted anchor (None if it exposes none)."""
    if isinstance(model, GenreRows):  # the real users' rows, not the genres'
        S = anchor_scores(model.fitted, X)
        return None if S is None else S[: model.n_users]
    if isinstance(model, NumpyEASE):
        return np.asarray(X @ model.B)
    if isinstance(model, ImplicitModel):
        m = model.model
        if hasattr(m, "user_factors"):
            return np.asarray(m.user_factors) @ np.asarray(m.item_factors).T
        if hasattr(m, "similarity"):
            return (sp.csr_matrix(X) @ sp.csr_matrix(m.similarity)).toarray()
    if isinstance(model, SlimModel):
        W = getattr(model.model, "fitted_weights", None)
        W = W() if callable(W) else W
        if W is not None:
            return (sp.csr_matrix(X) @ sp.csr_matrix(W)).toarray()
    return None


def seeds_run(root: Path, name: str, n_seeds: int, quick: bool) -> dict[str, list[dict[str, Any]]]:
    """Every model over `n_seeds` split seeds: tuned on a validation split carved from each
    seed's training part, refitted on it, scored on its test part (users and audiences)."""
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.nearest_neighbours import BM25Recommender

    from filmreco.recommend import ContentBased, HigherOrderEASE, RP3beta
    from filmreco.recommend.evaluation import evaluate

    X = load(root, name)
    lams = [200.0, 400.0, 700.0, 1000.0, 1500.0]
    als_i = grid(regularization=[50.0, 100.0, 200.0], alpha=[5.0, 10.0, 20.0])
    # frequency-scaled ridge (Rendle et al. 2022): the penalty is lambda * (n + N / (1 + alpha)),
    # so lambda is tied to (1 + alpha) / 10 to keep the effective ridge on the same scale
    als_freq = [
        {"regularization": c * (1.0 + a) / 10.0, "alpha": a, "regularization_exponent": 1.0}
        for a in (4.0, 9.0, 19.0)
        for c in (0.1, 0.15, 0.2, 0.3, 0.4)
    ]
    # SLIM fits are the slowest of all: one setting, the winner of the full grid on ml-1m in
    # the single-seed run (lambd 2, beta 100), unless --slim-grid asks for the small grid
    slim = grid(lambd=[1.0, 2.0, 5.0], beta=[20.0, 100.0]) if SLIM_GRID else [
        {"lambd": 2.0, "beta": 100.0}]  # fmt: skip
    bm = grid(K=[100, 400], K1=[1.2, 10.0], B=[0.5, 0.8])
    edlae = grid(regularization=[200.0, 400.0, 700.0], dropout=[0.1, 0.25, 0.5])
    rp3 = grid(alpha=[0.5, 0.8, 1.0], beta=[0.2, 0.4, 0.6], n_neighbors=[200])
    if quick:
        lams, als_i, slim, bm = lams[2:4], als_i[:2], slim[:1], bm[:2]
        edlae, rp3, als_freq = edlae[:2], rp3[:2], als_freq[5:7]
    out: dict[str, list[dict[str, Any]]] = {}
    for i in SEED_INDICES or range(n_seeds):
        seed = SEED + 10 * i
        train, test = split_random(X, 0.2, random_state=seed)
        tr, va = split_random(train, 0.2, random_state=seed + 1)
        splits = {"tr": tr, "va": va, "train": train, "test": test}
        print(f"\n### {name}, split seed {seed}", flush=True)

        def record(
            label: str, r: dict[str, Any], anchor: bool, train: Any = train, test: Any = test,
            seed: int = seed,
        ) -> dict[str, Any]:  # fmt: skip
            t0 = time.perf_counter()
            if anchor:
                S = anchor_scores(r["model"], train.matrix)
                aud = audience_of(S, train, test) if S is not None else {}
            else:
                res = evaluate(r["model"].model, train, test, k=AUDIENCE_K,
                               metrics=["ndcg", "recall"], fit=False, axis="items")  # fmt: skip
                aud = {"aud_ndcg": res[f"ndcg@{AUDIENCE_K}"],
                       "aud_recall": res[f"recall@{AUDIENCE_K}"]}  # fmt: skip
            row = {k: v for k, v in r.items() if k != "model"} | aud | {"seed": seed}
            out.setdefault(label, []).append(row)
            print(f"{label:24s} ndcg@10 {r['ndcg']:.4f}  audience ndcg@100 "
                  f"{aud.get('aud_ndcg', float('nan')):.4f}  fit {r['fit_s']:.2f}s  "
                  f"{r['params']}  ({time.perf_counter() - t0:.0f}s audience)", flush=True)  # fmt: skip
            if JSON_OUT is not None:  # every row as soon as it exists (a long run may stop)
                with open(JSON_OUT, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"dataset": name, "model": label, **row},
                                       default=float) + "\n")  # fmt: skip
            return row

        if wanted("numpy EASE"):
            record("numpy EASE", run(lambda p: NumpyEASE(**p), grid(regularization=lams),
                                     splits, False), True)  # fmt: skip
        if wanted("numpy EASE (rating-weighted)"):
            grid_w = [{"regularization": lam, "stars5": c} for c in STARS5 for lam in lams]
            record("numpy EASE (rating-weighted)", run(lambda p: RatingWeighted(NumpyEASE(
                p["regularization"]), p["stars5"], matrix=True), grid_w, splits, True),
                True)  # fmt: skip
        if wanted("implicit ALS"):
            record("implicit ALS", run(lambda p: ImplicitModel(lambda: AlternatingLeastSquares(
                factors=64, iterations=15, num_threads=THREADS, random_state=SEED, **p)),
                als_i, splits, False), True)  # fmt: skip
        if wanted("implicit ALS (size-aware)"):
            # the anchor gets the same size-aware selection as filmreco's ALS (fairness)
            record("implicit ALS (size-aware)", run_size_aware(lambda p: ImplicitModel(
                lambda: AlternatingLeastSquares(factors=64, iterations=15,
                num_threads=THREADS, random_state=SEED, **p)), als_i, splits, False)[1],
                True)  # fmt: skip
        catalog = load_catalog(root, name)
        if wanted("numpy EASE (+ catalogue genre rows)") and catalog is not None:
            # session 10: the anchors given the catalogue's genres as extra rows (fairness
            # towards the collective EDLAE row), the rows' weight tuned with their grid
            grid_g = [{"regularization": lam, "side_weight": w} for w in SIDE_WEIGHTS
                      for lam in lams]  # fmt: skip
            record("numpy EASE (+ catalogue genre rows)", run(lambda p, c=catalog: GenreRows(
                NumpyEASE(p["regularization"]), c, np.sqrt(p["side_weight"])), grid_g, splits,
                True), True)  # fmt: skip
        if wanted("implicit ALS (+ catalogue genre rows)") and catalog is not None:
            grid_g = [{**p, "value": v} for v in ALS_GENRE_VALUES for p in als_i]
            record("implicit ALS (+ catalogue genre rows)", run(lambda p, c=catalog: GenreRows(
                ImplicitModel(lambda: AlternatingLeastSquares(factors=64, iterations=15,
                num_threads=THREADS, random_state=SEED, **{k: v for k, v in p.items()
                if k != "value"})), c, p["value"]), grid_g, splits, True), True)  # fmt: skip
        if wanted("implicit BM25 kNN"):
            record("implicit BM25 kNN", run(lambda p: ImplicitModel(lambda: BM25Recommender(
                num_threads=THREADS, **p)), bm, splits, False), True)  # fmt: skip
        if wanted("EASE"):
            record("EASE", run(lambda p: Filmreco(lambda: EASE(**p)), grid(regularization=lams),
                               splits, True), False)  # fmt: skip
        ed = af = ho = None
        if wanted("EDLAE"):
            ed = record("EDLAE", run(lambda p: Filmreco(lambda: EDLAE(**p)), edlae, splits,
                                     True), False)  # fmt: skip
        if wanted("HigherOrderEASE"):
            # Steck and Liang (2021): EDLAE's tuned (regularization, dropout) plus the
            # HO_PAIRS most frequent pairs, the pairs' penalty tuned on validation
            hog = [{**ed["params"], "n_pairs": HO_PAIRS, "pair_regularization": c}
                   for c in HO_PAIR_REG]  # fmt: skip
            ho = record("HigherOrderEASE", run(lambda p: Filmreco(lambda: HigherOrderEASE(**p)),
                                               hog, splits, True), False)  # fmt: skip
        eds = hos = None
        if wanted("EDLAE (size-aware)"):
            eds = record("EDLAE (size-aware)", run_size_aware(lambda p: Filmreco(
                lambda: EDLAE(**p)), edlae, splits, True)[1], False)  # fmt: skip
        if wanted("HigherOrderEASE (size-aware)"):
            hog = [{**eds["params"], "n_pairs": HO_PAIRS, "pair_regularization": c}
                   for c in HO_PAIR_REG]  # fmt: skip
            hos = record("HigherOrderEASE (size-aware)", run_size_aware(lambda p: Filmreco(
                lambda: HigherOrderEASE(**p)), hog, splits, True)[1], False)  # fmt: skip
        if wanted("RP3beta"):
            record("RP3beta", run(lambda p: Filmreco(lambda: RP3beta(n_jobs=THREADS, **p)), rp3,
                                  splits, True), False)  # fmt: skip
        if wanted("ALS"):
            als_f = [{"regularization": p["regularization"], "alpha": p["alpha"] - 1.0}
                     for p in als_i]  # fmt: skip
            record("ALS", run(lambda p: Filmreco(lambda: ALS(64, max_iter=15, n_jobs=THREADS,
                random_state=SEED, **p)), als_f, splits, True), False)  # fmt: skip
        if wanted("ALS (freq. reg.)"):
            af = record("ALS (freq. reg.)", run(lambda p: Filmreco(lambda: ALS(64, max_iter=15,
                n_jobs=THREADS, random_state=SEED, **p)), als_freq, splits, True), False)  # fmt: skip

        afs = None
        if wanted("ALS (freq. reg., size-aware)"):
            # session 9: the same grid, the pick extrapolated to the refit's training size
            afs = record("ALS (freq. reg., size-aware)", run_size_aware(lambda p: Filmreco(
                lambda: ALS(64, max_iter=15, n_jobs=THREADS, random_state=SEED, **p)),
                als_freq, splits, True)[1], False)  # fmt: skip

        afw = None
        if wanted("ALS (freq. reg., rating-weighted)") or wanted(
            "ALS (freq. reg., rating-weighted, size-aware)"
        ):
            # session 10: 5-star positives weighted (STARS5, tuned with the usual grid)
            grid_w = [{**p, "stars5": c} for c in STARS5 for p in als_freq]
            usual, afw = run_size_aware(lambda p: RatingWeighted(Filmreco(lambda: ALS(64,
                max_iter=15, n_jobs=THREADS, random_state=SEED, **{k: v for k, v in p.items()
                if k != "stars5"})), p["stars5"]), grid_w, splits, True)  # fmt: skip
            record("ALS (freq. reg., rating-weighted)", usual, False)
            afw = record("ALS (freq. reg., rating-weighted, size-aware)", afw, False)
        if wanted("implicit ALS (rating-weighted)") or wanted(
            "implicit ALS (rating-weighted, size-aware)"
        ):
            # the anchor gets the same rating weights (fairness), usual and size-aware picks
            grid_w = [{**p, "stars5": c} for c in STARS5 for p in als_i]
            usual, sa = run_size_aware(lambda p: RatingWeighted(ImplicitModel(
                lambda: AlternatingLeastSquares(factors=64, iterations=15, num_threads=THREADS,
                random_state=SEED, **{k: v for k, v in p.items() if k != "stars5"})),
                p["stars5"], matrix=True), grid_w, splits, True)  # fmt: skip
            record("implicit ALS (rating-weighted)", usual, True)
            record("implicit ALS (rating-weighted, size-aware)", sa, True)

        def hybrid(first: Any, af: Any = af) -> Filmreco:
            # components at their tuned parameters; the weights are learned by the hybrid
            # itself on validation splits of the data it is fitted on (stacking)
            return Filmreco(lambda: Hybrid([
                first(),
                ALS(64, max_iter=15, n_jobs=THREADS, random_state=SEED, **af["params"]),
            ]))  # fmt: skip

        if wanted("Hybrid (stacked)"):
            h = run(lambda p, ed=ed: hybrid(lambda: EDLAE(**ed["params"])), [{}], splits, True)
            h["params"] = {"weights": np.round(h["model"].model.weights_, 2).tolist()}
            record("Hybrid (stacked)", h, False)
        if wanted("Hybrid (stacked, higher-order)"):
            h = run(lambda p, ho=ho: hybrid(lambda: HigherOrderEASE(**ho["params"])), [{}],
                    splits, True)  # fmt: skip
            h["params"] = {"weights": np.round(h["model"].model.weights_, 2).tolist()}
            record("Hybrid (stacked, higher-order)", h, False)
        if wanted("Hybrid (stacked, higher-order, size-aware ALS)"):
            h = run(lambda p, ho=ho, afs=afs: hybrid(lambda: HigherOrderEASE(**ho["params"]),
                    afs), [{}], splits, True)  # fmt: skip
            h["params"] = {"weights": np.round(h["model"].model.weights_, 2).tolist()}
            record("Hybrid (stacked, higher-order, size-aware ALS)", h, False)
        if wanted("Hybrid (stacked, higher-order, size-aware ALS, rating-weighted)"):
            # the whole stack fitted on the data weighted with the ALS member's 5-star weight
            pw = {k: v for k, v in afw["params"].items() if k != "stars5"}
            c5 = afw["params"]["stars5"]
            h = run(lambda p, ho=ho, pw=pw, c5=c5: RatingWeighted(hybrid(lambda: HigherOrderEASE(
                **ho["params"]), {"params": pw}), c5), [{}], splits, True)  # fmt: skip
            h["params"] = {"weights": np.round(h["model"].model.weights_, 2).tolist(),
                           "stars5": c5}  # fmt: skip
            record("Hybrid (stacked, higher-order, size-aware ALS, rating-weighted)", h, False)
        label = "Hybrid (stacked, collective EDLAE on catalogue genres, size-aware ALS)"
        if wanted(label) and catalog is not None:
            # session 10, not pure collaborative filtering: EDLAE at its tuned setting, fitted
            # with the catalogue's genres as extra rows; their weight is tuned on validation
            # by the whole stack's score (the member's own score favours small weights)
            def collective(cat: Catalog, w: float, ed: Any = ed, afs: Any = afs) -> Hybrid:
                return Hybrid([
                    EDLAE(catalog=cat, side_weight=w, **ed["params"]),
                    ALS(64, max_iter=15, n_jobs=THREADS, random_state=SEED, **afs["params"]),
                ])  # fmt: skip

            h = run(lambda p, c=catalog: CatalogueStack(lambda cat: collective(
                cat, p["side_weight"]), c), grid(side_weight=SIDE_WEIGHTS), splits,
                True)  # fmt: skip
            h["params"] = {"side_weight": h["params"]["side_weight"],
                           "weights": np.round(h["model"].model.weights_, 2).tolist()}  # fmt: skip
            record(label, h, False)
        label = "Hybrid (stacked, higher-order, size-aware ALS, + catalogue genres)"
        if wanted(label) and catalog is not None:
            # session 10, not pure collaborative filtering: the catalogue's genres (which the
            # anchors do not use) as a third member, ContentBased's genre profiles; the
            # weights are learned by the stack as for the other rows
            def with_genres(cat: Catalog, ho: Any = ho, afs: Any = afs) -> Hybrid:
                return Hybrid([
                    HigherOrderEASE(**ho["params"]),
                    ALS(64, max_iter=15, n_jobs=THREADS, random_state=SEED, **afs["params"]),
                    ContentBased(cat, fields=["genres"]),
                ])  # fmt: skip

            h = run(lambda p, c=catalog: CatalogueStack(with_genres, c), [{}], splits, True)
            h["params"] = {"weights": np.round(h["model"].model.weights_, 2).tolist()}
            record(label, h, False)
        if wanted("Hybrid (stacked, higher-order, size-aware)"):
            h = run(lambda p, hos=hos, afs=afs: hybrid(lambda: HigherOrderEASE(
                **hos["params"]), afs), [{}], splits, True)  # fmt: skip
            h["params"] = {"weights": np.round(h["model"].model.weights_, 2).tolist()}
            record("Hybrid (stacked, higher-order, size-aware)", h, False)
        # SLIM last: its fits are the slowest of all
        if wanted("SLIM (fastslim)"):
            record("SLIM (fastslim)", run(lambda p: SlimModel(**p), slim, splits, False), True)
    return out


def audience_run(
    root: Path, name: str, n_seeds: int, quick: bool
) -> dict[str, list[dict[str, Any]]]:
    """Audience quality with every model tuned *for audiences*: each family's parameters are
    chosen by audience NDCG@100 on the validation split carved from each seed's training
    part (the anchors' too), then refitted on it and scored on its test part."""
    from implicit.cpu.als import AlternatingLeastSquares

    from filmreco.recommend import EDLAE
    from filmreco.recommend.evaluation import evaluate

    X = load(root, name)
    lams = [200.0, 400.0, 700.0, 1000.0, 1500.0]
    als_i = grid(regularization=[25.0, 50.0, 100.0, 200.0], alpha=[5.0, 10.0, 20.0])
    als_freq = [
        {"regularization": c * (1.0 + a) / 10.0, "alpha": a, "regularization_exponent": 1.0}
        for a in (4.0, 9.0, 19.0)
        for c in (0.1, 0.15, 0.2, 0.3, 0.4, 0.6)
    ]
    edlae = grid(regularization=[200.0, 400.0, 700.0], dropout=[0.1, 0.25, 0.5])
    if quick:
        lams, als_i, als_freq, edlae = lams[2:4], als_i[:2], als_freq[5:7], edlae[:2]

    def aud(model: Any, train: Interactions, test: Interactions) -> dict[str, float]:
        if isinstance(model, Filmreco):
            res = evaluate(model.model, train, test, k=AUDIENCE_K, metrics=["ndcg", "recall"],
                           fit=False, axis="items")  # fmt: skip
            return {
                "aud_ndcg": res[f"ndcg@{AUDIENCE_K}"],
                "aud_recall": res[f"recall@{AUDIENCE_K}"],
            }
        S = anchor_scores(model, train.matrix)
        assert S is not None
        return audience_of(S, train, test)

    out: dict[str, list[dict[str, Any]]] = {}
    for i in SEED_INDICES or range(n_seeds):
        seed = SEED + 10 * i
        train, test = split_random(X, 0.2, random_state=seed)
        tr, va = split_random(train, 0.2, random_state=seed + 1)
        print(f"\n### {name}, split seed {seed} (tuned on audience NDCG@100)", flush=True)
        families: dict[str, tuple[Callable[[dict[str, Any]], Any], list[dict[str, Any]], bool]]
        families = {
            "numpy EASE": (lambda p: NumpyEASE(**p), grid(regularization=lams), False),
            "implicit ALS": (lambda p: ImplicitModel(lambda: AlternatingLeastSquares(
                factors=64, iterations=15, num_threads=THREADS, random_state=SEED, **p)),
                als_i, False),
            "EASE": (lambda p: Filmreco(lambda: EASE(**p)), grid(regularization=lams), True),
            "EDLAE": (lambda p: Filmreco(lambda: EDLAE(**p)), edlae, True),
            "ALS": (lambda p: Filmreco(lambda: ALS(64, max_iter=15, n_jobs=THREADS,
                random_state=SEED, **p)), [{"regularization": p["regularization"],
                "alpha": p["alpha"] - 1.0} for p in als_i], True),
            "ALS (freq. reg.)": (lambda p: Filmreco(lambda: ALS(64, max_iter=15,
                n_jobs=THREADS, random_state=SEED, **p)), als_freq, True),
        }  # fmt: skip
        for label, (build, params, uses) in families.items():
            best, best_score = params[0], -1.0
            for p in params:
                with threadpool_limits(THREADS):
                    m = build(p).fit(tr if uses else tr.matrix)
                score = aud(m, tr, va)["aud_ndcg"]
                if score > best_score:
                    best, best_score = p, score
            with threadpool_limits(THREADS):
                t0 = time.perf_counter()
                m = build(best).fit(train if uses else train.matrix)
                fit_s = time.perf_counter() - t0
            users = test_users(test)
            row = {"params": best, "valid": best_score, "fit_s": fit_s, "seed": seed,
                   **metrics_of(m.rank(users, K), test, users), **aud(m, train, test)}  # fmt: skip
            out.setdefault(label, []).append(row)
            print(f"{label:24s} audience ndcg@100 {row['aud_ndcg']:.4f} (valid {best_score:.4f})"
                  f"  ndcg@10 {row['ndcg']:.4f}  {best}", flush=True)  # fmt: skip
            if JSON_OUT is not None:
                with open(JSON_OUT, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"dataset": name, "model": label, **row},
                                       default=float) + "\n")  # fmt: skip
    return out


def seeds_table(results: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    anchors = [
        "numpy EASE",
        "SLIM (fastslim)",
        "implicit ALS",
        "implicit BM25 kNN",
        "implicit ALS (size-aware)",
        "implicit ALS (rating-weighted)",
        "implicit ALS (rating-weighted, size-aware)",
        "numpy EASE (rating-weighted)",
        "numpy EASE (+ catalogue genre rows)",
        "implicit ALS (+ catalogue genre rows)",
    ]
    print("\n## Over split seeds: mean ± standard deviation (test NDCG@10; audience "
          "NDCG@100 / recall@100, axis='items')\n")  # fmt: skip
    for name, res in results.items():
        # only the seeds every model finished (a long run may have been stopped)
        common = sorted(set.intersection(*({r["seed"] for r in v} for v in res.values())))
        res = {k: [r for r in v if r["seed"] in common] for k, v in res.items()}
        n = len(common)
        print(f"\n### {name} ({n} split seeds: {', '.join(map(str, common))})\n")
        print("| model | NDCG@10 | per seed | recall@10 | audience NDCG@100 | "
              "audience recall@100 | fit s (median) |")  # fmt: skip
        print("|---|---:|---|---:|---:|---:|---:|")

        def ms(rows: list[dict[str, Any]], key: str) -> str:
            v = np.array([r.get(key, np.nan) for r in rows], dtype=float)
            return "n/a" if np.isnan(v).all() else f"{np.nanmean(v):.4f} ± {np.nanstd(v):.4f}"

        for label, rows in res.items():
            per = ", ".join(f"{r['ndcg']:.4f}" for r in rows)
            fit = float(np.median([r["fit_s"] for r in rows]))
            print(
                f"| {label} | {ms(rows, 'ndcg')} | {per} | {ms(rows, 'recall')} | "
                f"{ms(rows, 'aud_ndcg')} | {ms(rows, 'aud_recall')} | {fit:.2f} |"
            )
        mean = {k: float(np.mean([r["ndcg"] for r in v])) for k, v in res.items()}
        ours = [k for k in res if k not in anchors]
        anch = [k for k in anchors if k in res]
        if not ours or not anch:  # a --models run without one side: no comparison
            continue
        best_a, best_o = max(anch, key=mean.get), max(ours, key=mean.get)
        per_seed = [
            max(res[k][i]["ndcg"] for k in ours) - max(res[k][i]["ndcg"] for k in anch)
            for i in range(n)
        ]
        print(
            f"\n- best filmreco {best_o} {mean[best_o]:.4f} - best anchor {best_a} "
            f"{mean[best_a]:.4f} = {mean[best_o] - mean[best_a]:+.4f} (target >= +0.008); "
            f"per seed (best of each side): {', '.join(f'{d:+.4f}' for d in per_seed)}"
        )
        valid = {k: float(np.mean([r["valid"] for r in v])) for k, v in res.items()
                 if all(r["valid"] >= 0 for r in v)}  # fmt: skip
        print("- validation NDCG@10 (mean; tuned models): "
              + ", ".join(f"{k} {v:.4f}" for k, v in valid.items()))  # fmt: skip
        if "implicit ALS" not in res:  # a partial run (--models)
            continue
        aud = {k: float(np.nanmean([r.get("aud_ndcg", np.nan) for r in v])) for k, v in res.items()}
        best_aud = max(ours, key=aud.get)
        per_aud = [
            res[best_aud][i].get("aud_ndcg", np.nan)
            - res["implicit ALS"][i].get("aud_ndcg", np.nan)
            for i in range(n)
        ]
        print(
            f"- audience NDCG@100: best filmreco {best_aud} {aud[best_aud]:.4f} vs implicit ALS "
            f"{aud['implicit ALS']:.4f} ({aud[best_aud] - aud['implicit ALS']:+.4f}); per seed "
            + ", ".join(f"{d:+.4f}" for d in per_aud)
        )
        for label, rows in res.items():
            print(f"- {label} parameters per seed: {[r['params'] for r in rows]}")


# --------------------------------------------------------------------------- speed
def best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def speed(root: Path, repeat: int) -> dict[str, tuple[float, float]]:
    from implicit.cpu.als import AlternatingLeastSquares

    X = load(root, "ml-1m")
    M = sp.csr_matrix(X.matrix)
    users = np.arange(X.n_users)
    print(f"\n## speed on ml-1m positives ({X!r}), {THREADS} threads, best of {repeat}")
    out: dict[str, tuple[float, float]] = {}
    ALS(8, max_iter=1).fit(X)  # compile the numba kernels once (cached on disk after)
    # ALS fit: same factors, iterations, threads; BLAS capped to 1 thread for both (implicit's
    # advice; filmreco caps it itself inside the sweeps)
    f_als = ALS(64, regularization=50.0, alpha=4.0, max_iter=15, n_jobs=THREADS, random_state=0)
    i_als = AlternatingLeastSquares(factors=64, regularization=50.0, alpha=5.0, iterations=15,
                                    num_threads=THREADS, random_state=0)  # fmt: skip
    t_f, t_i = [], []
    with threadpool_limits(1, user_api="blas"):
        for _ in range(repeat):  # interleaved, so machine load hits both alike
            t_f.append(best_of(lambda: f_als.fit(X), 1))
            t_i.append(best_of(lambda: i_als.fit(M, show_progress=False), 1))
    out["ALS fit (64 factors, 15 it.)"] = (min(t_f), min(t_i))
    with threadpool_limits(THREADS):
        t_f = best_of(lambda: f_als.recommend(X.user_ids.ids, K), repeat)
        t_i = best_of(lambda: i_als.recommend(users, M, N=K, filter_already_liked_items=True),
                      repeat)  # fmt: skip
    out["ALS top-10, all users"] = (t_f, t_i)
    lam = 500.0
    with threadpool_limits(THREADS):
        t_f, t_i = [], []
        for _ in range(repeat):
            t_f.append(best_of(lambda: EASE(lam).fit(X), 1))
            t_i.append(best_of(lambda: NumpyEASE(lam).fit(X.matrix), 1))
    out["EASE fit (vs numpy closed form)"] = (min(t_f), min(t_i))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="folder made by get_movielens.sh")
    ap.add_argument("--datasets", nargs="+", default=["ml-100k", "ml-1m"])
    ap.add_argument("--quick", action="store_true", help="tiny grids (smoke test)")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=0,
                    help="run the multi-seed table (anchors, EASE, EDLAE, HigherOrderEASE, RP3beta, "
                         "ALS, stacked Hybrids; users and audiences) over this many split seeds instead")  # fmt: skip
    ap.add_argument("--slim-grid", action="store_true", help="tune SLIM in the --seeds run")
    ap.add_argument("--seed-index", type=int, nargs="+", default=[],
                    help="with --seeds: run only these split seeds (0-based), e.g. one per "
                         "process; merge with --table")  # fmt: skip
    ap.add_argument("--models", nargs="+", default=[],
                    help="with --seeds: run only these rows (labels as in the table; the rows "
                         "they need too), e.g. to add a model without re-running SLIM")  # fmt: skip
    ap.add_argument("--json", type=Path, help="with --seeds: append every result row to this "
                    "JSON-lines file as soon as it exists")  # fmt: skip
    ap.add_argument(
        "--table",
        type=Path,
        nargs="+",
        default=[],
        help="print the multi-seed tables from these --json files and stop",
    )
    ap.add_argument("--audience", action="store_true",
                    help="with --seeds: tune every model for audiences (audience NDCG@100 on "
                         "validation) and report audience quality")  # fmt: skip
    args = ap.parse_args(argv)
    global SLIM_GRID, SEED_INDICES, JSON_OUT, MODELS
    MODELS = set(args.models)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))
    if args.table:
        merged: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for path in args.table:
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                d, label = row.pop("dataset"), row.pop("model")
                merged.setdefault(d, {}).setdefault(label, []).append(row)
        for d, res in merged.items():
            for rows in res.values():
                rows.sort(key=lambda r: r["seed"])
            seeds_table({d: res})
        return 0
    if args.seeds and args.audience:
        SEED_INDICES, JSON_OUT = args.seed_index, args.json
        for d in args.datasets:
            seeds_table({d: audience_run(args.root, d, args.seeds, args.quick)})
        return 0
    if args.seeds:
        SLIM_GRID = args.slim_grid
        SEED_INDICES, JSON_OUT = args.seed_index, args.json
        for d in args.datasets:  # a table as soon as each data set is done
            seeds_table({d: seeds_run(args.root, d, args.seeds, args.quick)})
        return 0
    tables = {name: quality(args.root, name, args.quick) for name in args.datasets}
    print("\n## Quality (test NDCG@10 / recall@10 / precision@10; params tuned on validation)\n")
    names = list(next(iter(tables.values())))
    head = "| model | " + " | ".join(f"{d} NDCG@10 | {d} recall@10" for d in tables) + " |"
    print(head)
    print("|" + "---|" * (1 + 2 * len(tables)))
    for label in names:
        cells = " | ".join(
            f"{tables[d][label]['ndcg']:.4f} | {tables[d][label]['recall']:.4f}" for d in tables
        )
        print(f"| {label} | {cells} |")
    print("\n## Targets")
    anchors = ["Popularity", "numpy EASE", "SLIM (fastslim)", "implicit ALS", "implicit BPR",
               "implicit Cosine kNN", "implicit BM25 kNN"]  # fmt: skip
    ours = ["EASE", "ALS", "BPR", "ItemKNN", "Hybrid (EASE + partner)"]
    for d, t in tables.items():
        nd = {k: v["ndcg"] for k, v in t.items()}
        best_anchor = max(anchors, key=nd.get)
        best_ours = max(ours, key=nd.get)
        knn_anchor = max(nd["implicit Cosine kNN"], nd["implicit BM25 kNN"])
        print(f"- {d}: EASE - numpy EASE = {nd['EASE'] - nd['numpy EASE']:+.4f} (>= -0.003)")
        print(f"- {d}: ALS - implicit ALS = {nd['ALS'] - nd['implicit ALS']:+.4f} (>= -0.003)")
        print(f"- {d}: BPR - implicit BPR = {nd['BPR'] - nd['implicit BPR']:+.4f} (>= 0)")
        print(f"- {d}: ItemKNN - best implicit kNN = {nd['ItemKNN'] - knn_anchor:+.4f} (>= -0.003)")
        print(f"- {d}: best filmreco {best_ours} {nd[best_ours]:.4f} vs best anchor "
              f"{best_anchor} {nd[best_anchor]:.4f}: {nd[best_ours] - nd[best_anchor]:+.4f} (> 0)")  # fmt: skip
    if not args.no_speed and "ml-1m" in args.datasets:
        sp_ = speed(args.root, args.repeat)
        print("\n## Speed (seconds; filmreco / anchor, same run)\n")
        print("| task | filmreco | anchor | ratio |\n|---|---|---|---|")
        for task, (a, b) in sp_.items():
            print(f"| {task} | {a:.3f} | {b:.3f} | {a / b:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
