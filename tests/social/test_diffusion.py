"""diffusion_scores against networkx's personalised PageRank."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from filmreco.exceptions import ConvergenceError, DataWarning, InputError, UnknownIdError
from filmreco.social import IndependentCascade, SocialGraph, diffusion_matrix, diffusion_scores


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("damping", [0.5, 0.85])
def test_matches_networkx_pagerank(seed, damping):
    G = nx.gnp_random_graph(200, 0.02, seed=seed, directed=True)  # has dangling nodes
    seeds = [0, 7, 42]
    got = diffusion_scores(G, seeds, damping=damping, tol=1e-10, max_iter=500)
    want = nx.pagerank(
        G, alpha=damping, personalization=dict.fromkeys(seeds, 1), tol=1e-10, max_iter=500
    )
    assert set(got) == set(want)
    assert max(abs(got[v] - want[v]) for v in G) < 1e-8


def test_weighted_and_undirected_match_networkx():
    G = nx.les_miserables_graph()  # undirected, weighted
    got = diffusion_scores(G, {"Valjean": 2.0, "Javert": 1.0}, weight="weight", tol=1e-10)
    want = nx.pagerank(G, personalization={"Valjean": 2.0, "Javert": 1.0}, tol=1e-10)
    assert max(abs(got[v] - want[v]) for v in G) < 1e-8


def test_model_probabilities_as_weights():
    g = SocialGraph.from_networkx(nx.gnp_random_graph(50, 0.1, seed=3, directed=True))
    p = IndependentCascade(g, "trivalency", random_state=0).edge_probabilities
    got = diffusion_scores(g, [0], weight=p, tol=1e-10)
    H = g.to_networkx()
    for (u, v), w in zip(zip(g.sources.tolist(), g.targets.tolist()), p):
        H[u][v]["p"] = w
    want = nx.pagerank(H, personalization={0: 1}, weight="p", tol=1e-10)
    assert max(abs(got[v] - want[v]) for v in H) < 1e-8


def test_scores_forget_nothing_about_the_seeds():
    # the undamped walk's limit is the same from any start; the damped one is not
    G = nx.cycle_graph(6, create_using=nx.DiGraph)
    a = diffusion_scores(G, [0])
    b = diffusion_scores(G, [3])
    assert max(a, key=a.get) == 0 and max(b, key=b.get) == 3
    assert sum(a.values()) == pytest.approx(1.0)


def test_matrix_columns_are_independent_campaigns():
    g = SocialGraph.from_networkx(nx.gnp_random_graph(40, 0.1, seed=1, directed=True))
    S = np.zeros((40, 3))
    S[0, 0] = 1
    S[[1, 2], 1] = 1
    X = diffusion_matrix(g, S, tol=1e-10)
    for j, seeds in enumerate([[0], [1, 2]]):
        col = diffusion_scores(g, seeds, tol=1e-10)
        np.testing.assert_allclose(X[:, j], [col[v] for v in range(40)], atol=1e-9)
    assert np.all(X[:, 2] == 0)  # no seeds, no scores


def test_bad_input():
    G = nx.path_graph(4)
    with pytest.raises(UnknownIdError):
        diffusion_scores(G, [9])
    with pytest.raises(InputError, match="empty"):
        diffusion_scores(G, [])
    with pytest.raises(InputError, match="all zero"):
        diffusion_scores(G, {0: 0.0})
    with pytest.raises(InputError, match="damping"):
        diffusion_scores(G, [0], damping=1.0)
    with pytest.raises(ConvergenceError, match="max_iter=2"):
        diffusion_scores(G, [0], max_iter=2, tol=1e-12)
    with pytest.raises(InputError, match="weight="):
        diffusion_scores(G, [0], weight="strength")
    with pytest.raises(TypeError):
        diffusion_scores([(0, 1)], [0])


def test_duplicate_seeds_count_once_with_a_warning():
    # red-team s14 #6: [0, 0, 1] silently weighted seed 0 twice
    g = SocialGraph.from_arrays([0, 1], [1, 2])
    with pytest.warns(DataWarning, match="seeds holds 1 duplicate id"):
        twice = diffusion_scores(g, [0, 0, 1])
    assert twice == diffusion_scores(g, [0, 1])


@pytest.mark.parametrize("weights", [{0: -1.0}, {0: -1.0, 1: 2.0}, {0: float("nan")}, {0: "x"}])
def test_bad_seed_weights_name_the_argument(weights):
    g = SocialGraph.from_arrays([0, 1], [1, 2])
    with pytest.raises(InputError, match="seeds must map ids to finite, non-negative weights"):
        diffusion_scores(g, weights)


def test_empty_graph_gives_an_empty_result():
    empty = SocialGraph.from_arrays([], [])
    assert diffusion_matrix(empty, np.zeros((0, 2))).shape == (0, 2)


@pytest.mark.parametrize("scale", [1e308, 5e-324, 1e-300])
def test_scores_do_not_depend_on_the_weight_scale(scale):
    # red-team s14 #5: 1e308 weights gave scores summing to 0.15; subnormal ones a
    # ConvergenceError "last change nan"
    s, t = [0, 0, 1, 2], [1, 2, 2, 0]
    ref = diffusion_scores(SocialGraph.from_arrays(s, t, [1.0, 1.0, 1.0, 1.0]), [0],
                           weight="weight")  # fmt: skip
    got = diffusion_scores(SocialGraph.from_arrays(s, t, [scale] * 4), [0], weight="weight")
    assert sum(got.values()) == pytest.approx(1.0)
    assert got == pytest.approx(ref)
    mixed = diffusion_scores(SocialGraph.from_arrays(s, t, [scale, scale, 1.0, 1.0]), [0],
                             weight="weight")  # fmt: skip
    assert mixed == pytest.approx(ref)
    seeded = diffusion_scores(SocialGraph.from_arrays(s, t), {0: scale, 1: scale})
    assert seeded == pytest.approx(diffusion_scores(SocialGraph.from_arrays(s, t), [0, 1]))
