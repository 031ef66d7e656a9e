"""Fixtures shared by the recommender tests: a small synthetic world and every model."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from filmreco.data import Catalog, Interactions
from filmreco.datasets import make_synthetic
from filmreco.recommend import (
    ALS,
    BPR,
    EASE,
    EDLAE,
    SANSA,
    ContentBased,
    CrossDomain,
    HigherOrderEASE,
    Hybrid,
    ItemKNN,
    Popularity,
    RP3beta,
)
from filmreco.social import (
    IndependentCascade,
    LinearThreshold,
    ReachRecommender,
    SocialGraph,
    SocialRecommender,
)


@pytest.fixture(scope="session")
def world() -> Any:
    """120 users x 60 films, with catalogue and timestamps (fixed seed)."""
    return make_synthetic(n_users=120, n_items=60, density=0.08, avg_degree=4, random_state=7)


FACTORIES: dict[str, Callable[[Any], Any]] = {
    "Popularity": lambda w: Popularity(),
    "ItemKNN": lambda w: ItemKNN(20, shrinkage=1.0),
    "ItemKNN-bm25": lambda w: ItemKNN(20, weighting="bm25"),
    "ItemKNN-dot": lambda w: ItemKNN(20, weighting="tfidf", similarity="dot"),
    "EASE": lambda w: EASE(20.0),
    "EDLAE": lambda w: EDLAE(20.0, 0.3),
    "HigherOrderEASE": lambda w: HigherOrderEASE(20.0, 50.0, n_pairs=40),
    "SANSA": lambda w: SANSA(20.0, density=0.3),
    "RP3beta": lambda w: RP3beta(0.8, 0.4, 20),
    "ALS": lambda w: ALS(8, regularization=1.0, alpha=5.0, max_iter=6, random_state=3),
    "BPR": lambda w: BPR(8, max_iter=20, random_state=3),
    "ContentBased": lambda w: ContentBased(w.catalog),
    "Hybrid": lambda w: Hybrid(
        [ALS(8, regularization=1.0, max_iter=4, random_state=3), ContentBased(w.catalog)],
        weights=[1.0, 0.5],
    ),
    "Hybrid-rank": lambda w: Hybrid([EASE(20.0), ItemKNN(10)], method="rank"),
    "CrossDomain": lambda w: CrossDomain(
        8, regularization=1.0, alpha=5.0, max_iter=6, random_state=3
    ),
    "SocialRecommender": lambda w: SocialRecommender(EASE(20.0), _graph(w), weight=0.4),
    "SocialRecommender-score": lambda w: SocialRecommender(
        ALS(8, regularization=1.0, max_iter=4, random_state=3),
        _graph(w),
        weight=1.0,
        mode="score",
        new_user_weight=1.0,
    ),
    "SocialRecommender-history": lambda w: SocialRecommender(
        ItemKNN(10), _graph(w), weight=0.3, mode="history", half_weight_at=3.0
    ),
    "ReachRecommender": lambda w: ReachRecommender(
        IndependentCascade(_graph(w), 0.2), n_runs=30, random_state=3
    ),
    "ReachRecommender-diffusion": lambda w: ReachRecommender(
        LinearThreshold(_graph(w)), method="diffusion"
    ),
}


def _graph(w: Any) -> SocialGraph:
    return SocialGraph.from_edgelist(w.graph)


@pytest.fixture(params=sorted(FACTORIES))
def make_model(request: pytest.FixtureRequest, world: Any) -> Callable[[], Any]:
    """A factory of one unfitted model (parametrised over every model)."""
    factory = FACTORIES[request.param]
    return lambda: factory(world)


@pytest.fixture(scope="session")
def checker() -> Interactions:
    """User i liked every item of its parity except item i (implicit's known-answer idea).

    A recommender that learns the two parity classes must rank item i first for user i.
    """
    n = 30
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    keep = ((i + j) % 2 == 0) & (i != j)
    X = sp.csr_array(keep.astype(np.float32))
    return Interactions(X, [f"u{k}" for k in range(n)], [f"m{k}" for k in range(n)])


@pytest.fixture(scope="session")
def parity_catalog() -> Catalog:
    """Genre "even"/"odd" of the checkerboard's items."""
    return Catalog.from_records(
        [{"id": f"m{k}", "genres": ["even" if k % 2 == 0 else "odd"]} for k in range(30)]
    )


@pytest.fixture(scope="session")
def bench() -> Any:
    """``benchmarks/bench_recommend.py`` loaded as a module: its selection helpers are tested."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_recommend.py"
    spec = importlib.util.spec_from_file_location("bench_recommend_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
