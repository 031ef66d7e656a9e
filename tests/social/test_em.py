"""EM estimation of IC probabilities from action logs (Saito, Nakano & Kimura 2008)."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from filmreco.exceptions import ConvergenceError, InputError
from filmreco.social import IndependentCascade, SocialGraph, learn_probabilities


def reference_em(g: SocialGraph, users, items, times, window, tol=1e-12, max_iter=100_000):
    """EM written from the paper's E- and M-steps, one loop per try and per action."""
    acts: dict = defaultdict(dict)
    for u, a, t in zip(users, items, times):
        if u in g.node_ids and (a not in acts[u] or t < acts[u][a]):
            acts[u][a] = t
    ids = g.node_ids.ids.tolist()
    arcs = [(ids[v], ids[u]) for v, u in zip(g.sources, g.targets)]
    tries = np.zeros(len(arcs))
    parents = defaultdict(list)  # (u, action) -> arcs of its candidate parents
    for e, (v, u) in enumerate(arcs):
        for a, tv in acts[v].items():
            tu = acts[u].get(a)
            if tu is None or tu > tv:
                tries[e] += 1
            if tu is not None and 0 < tu - tv <= window:
                parents[(u, a)].append(e)
    succ = np.zeros(len(arcs))
    for par in parents.values():
        for e in par:
            succ[e] += 1
    p = np.divide(succ, tries, out=np.zeros(len(arcs)), where=tries > 0)
    for _ in range(max_iter):
        credit = np.zeros(len(arcs))
        for par in parents.values():
            fail = 1.0
            for e in par:
                fail *= 1.0 - p[e]
            for e in par:
                credit[e] += p[e] / (1.0 - fail)
        new = np.divide(credit, tries, out=np.zeros(len(arcs)), where=tries > 0)
        if np.abs(new - p).max(initial=0.0) <= tol:
            return new
        p = new
    raise AssertionError("reference EM did not converge")


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(0, 4)), min_size=0, max_size=40
    ),
    st.sampled_from([None, 1, 2]),
    st.integers(0, 2**16),
)
def test_matches_reference(log, window, graph_seed):
    G = nx.gnp_random_graph(6, 0.4, seed=graph_seed, directed=True)
    g = SocialGraph.from_networkx(G)
    users = [u for u, _, _ in log]
    items = [f"f{a}" for _, a, _ in log]
    times = [float(t) for _, _, t in log]
    w = np.inf if window is None else window
    try:
        got = learn_probabilities(g, users, items, times, method="em", window=window, tol=1e-12,
                                  max_iter=100_000)  # fmt: skip
    except ConvergenceError:
        # where two parents' shares of a success are not identified, EM creeps to a boundary
        # optimum sublinearly (the random hypothesis profile found a log whose last step at
        # 100,000 iterations was 2e-10): then the reference does not get there either
        with pytest.raises(AssertionError, match="did not converge"):
            reference_em(g, users, items, times, w)
        return
    want = reference_em(g, users, items, times, w)
    np.testing.assert_allclose(got, want, atol=1e-8)


def test_unidentified_credit_converges_slowly_and_says_so():
    # user 3 and user 4 both precede user 0 on f0, and 3 alone on f1: EM creeps towards the
    # boundary (found by the random hypothesis profile); max_iter is hit with the
    # ConvergenceError's advice (even the defaults, 1e-6 in 1,000 steps: 2e-6 at the last),
    # and following it converges
    G = nx.gnp_random_graph(6, 0.4, seed=0, directed=True)
    g = SocialGraph.from_networkx(G)
    log = [(0, 0, 1), (0, 1, 1), (3, 0, 0), (3, 1, 0), (3, 2, 0), (3, 3, 0), (4, 0, 0), (4, 2, 0)]
    users, items = [u for u, _, _ in log], [f"f{a}" for _, a, _ in log]
    times = [float(t) for _, _, t in log]
    with pytest.raises(ConvergenceError, match="Raise max_iter, or loosen tol"):
        learn_probabilities(g, users, items, times, method="em", tol=1e-12, max_iter=2000)
    with pytest.raises(ConvergenceError, match="Raise max_iter, or loosen tol"):
        learn_probabilities(g, users, items, times, method="em")
    p = learn_probabilities(g, users, items, times, method="em", max_iter=20_000)
    q = learn_probabilities(g, users, items, times, method="em", tol=1e-4)
    assert np.all((p >= 0) & (p <= 1)) and np.abs(p - q).max() < 0.05


def test_single_parents_give_successes_over_tries():
    # a -> c and b -> c; c follows a on f1 and f3, follows b on f2; b also has f4 alone
    g = SocialGraph.from_arrays(["a", "b"], ["c", "c"])
    users = ["a", "c", "b", "c", "a", "c", "b", "a"]
    films = ["f1", "f1", "f2", "f2", "f3", "f3", "f4", "f5"]
    times = [0, 1, 0, 1, 0, 1, 0, 0]
    p = learn_probabilities(g, users, films, times, method="em")
    assert p.tolist() == [2 / 3, 1 / 2]  # a: 2 of 3 tries; b: 1 of 2
    # c acted first on a film: that is no try for a -> c
    p2 = learn_probabilities(
        g, [*users, "c", "a"], [*films, "f6", "f6"], [*times, 0, 1], method="em"
    )
    assert p2.tolist() == [2 / 3, 1 / 2]


def test_two_parents_share_the_credit():
    # a and b both precede c on f1; a alone fails on f2: the likelihood of a's and b's
    # probabilities is (1 - (1-pa)(1-pb)) (1 - pa), maximised at pa = 0, pb = 1
    g = SocialGraph.from_arrays(["a", "b"], ["c", "c"])
    p = learn_probabilities(
        g, ["a", "b", "c", "a"], ["f1", "f1", "f1", "f2"], [0, 0, 1, 0], method="em",
        tol=1e-10, max_iter=1_000_000,
    )  # fmt: skip
    assert p[0] < 1e-3 and p[1] > 1 - 1e-3


def test_recovers_ic_probabilities_better_than_bernoulli():
    G = nx.gnp_random_graph(40, 0.12, seed=3, directed=True)
    g = SocialGraph.from_networkx(G)
    truth = np.random.default_rng(0).uniform(0.05, 0.5, g.n_arcs)
    users, films, steps = IndependentCascade(g, truth).sample_cascades(4000, random_state=1)
    em = learn_probabilities(g, users, films, steps, method="em", window=1)
    bern = learn_probabilities(g, users, films, steps, window=1)
    tried = np.abs(em - truth) < 1  # every arc
    err_em = np.abs(em - truth)[tried].mean()
    err_bern = np.abs(bern - truth)[tried].mean()
    assert err_em < 0.03
    assert err_em < 0.7 * err_bern


def test_bad_input_and_convergence():
    g = SocialGraph.from_arrays(["a", "b"], ["c", "c"])
    log = (["a", "b", "c", "a"], ["f1", "f1", "f1", "f2"], [0, 0, 1, 0])
    with pytest.raises(ConvergenceError, match="max_iter=2"):
        learn_probabilities(g, *log, method="em", max_iter=2)
    with pytest.raises(InputError, match="credit='partial'"):
        learn_probabilities(g, *log, method="em", credit="partial")
    with pytest.raises(InputError, match="max_iter"):
        learn_probabilities(g, *log, method="em", max_iter=0)
    assert learn_probabilities(g, [], [], [], method="em").tolist() == [0.0, 0.0]
