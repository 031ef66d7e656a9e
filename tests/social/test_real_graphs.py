"""Checks on the shared benchmark graphs (slow; skipped when the files are absent)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from filmreco.exceptions import DataWarning
from filmreco.social import IndependentCascade, LinearThreshold, SocialGraph, maximize_influence

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "graphs"
pytestmark = pytest.mark.slow


def nethept() -> SocialGraph:
    path = DATA / "nethept.txt"
    if not path.exists():
        pytest.skip(f"{path} not available")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return SocialGraph.from_edgelist(path, directed=False)


def test_nethept_sizes_match_source_notes():
    g = nethept()
    assert (g.n_nodes, g.n_edges, g.n_arcs) == (15229, 31376, 62752)


@pytest.mark.parametrize("cls", [IndependentCascade, LinearThreshold])
def test_spread_agrees_with_cynetdiff(cls):
    import array

    models = pytest.importorskip("cynetdiff.models")
    g = nethept()
    seeds = np.lexsort((np.arange(g.n_nodes), -g.out_degree()))[:50]
    model = cls(g)
    res = model.simulate(g.node_ids.ids[seeds], 5000, random_state=0)
    starts = array.array("I", g.out_adj.indptr[:-1].astype(np.uint32).tobytes())
    edges = array.array("I", g.out_adj.indices.astype(np.uint32).tobytes())
    if cls is IndependentCascade:
        vals = array.array("f", model.edge_probabilities.astype(np.float32).tobytes())
        other = models.IndependentCascadeModel(starts, edges, activation_probs=vals, rng=0)
    else:
        vals = array.array("f", model.edge_weights.astype(np.float32).tobytes())
        other = models.LinearThresholdModel(starts, edges, influence=vals, rng=0)
    other.set_seeds(seeds.tolist())
    samples = []
    for _ in range(1000):
        other.reset_model()
        other.advance_until_completion()
        samples.append(other.get_num_activated_nodes())
    se = np.hypot(res.stderr, np.std(samples, ddof=1) / np.sqrt(len(samples)))
    assert abs(res.mean - np.mean(samples)) < 4 * se


def test_imm_beats_degree_discount_under_weighted_cascade():
    g = nethept()
    model = IndependentCascade(g)
    imm = maximize_influence(model, 50, eps=0.5, random_state=0)
    dd = maximize_influence(model, 50, method="degree_discount", n_runs=10)
    a = model.simulate(imm.seeds, 3000, random_state=1)
    b = model.simulate(dd.seeds, 3000, random_state=1)
    assert a.mean > b.mean + 3 * np.hypot(a.stderr, b.stderr)
