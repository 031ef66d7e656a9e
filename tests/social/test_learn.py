"""Learning influence probabilities from action logs (Goyal, Bonchi & Lakshmanan 2010)."""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from filmreco.exceptions import DataWarning, InputError
from filmreco.social import IndependentCascade, SocialGraph, learn_probabilities
from filmreco.social.learn import beta_prior_strength


def reference(g: SocialGraph, users, items, times, method, credit, window):
    """The estimators written directly from the paper's definitions."""
    first: dict[tuple, float] = {}
    for u, a, t in zip(users, items, times):
        if u in g.node_ids and ((u, a) not in first or t < first[(u, a)]):
            first[(u, a)] = t
    acts = defaultdict(dict)
    for (u, a), t in first.items():
        acts[u][a] = t
    ids = g.node_ids.ids.tolist()
    src = [ids[i] for i in g.sources]
    dst = [ids[i] for i in g.targets]

    def before(v, u, a):  # did the action propagate from v to u?
        if a not in acts[v] or a not in acts[u]:
            return False
        dt = acts[u][a] - acts[v][a]
        return 0 < dt <= window

    out = []
    for v, u in zip(src, dst):
        credit_vu = 0.0
        for a in acts[u]:
            if before(v, u, a):
                if credit == "full":
                    credit_vu += 1
                else:
                    prior = [w for w, x in zip(src, dst) if x == u and before(w, u, a)]
                    credit_vu += 1 / len(prior)
        a_v = len(acts[v])
        if method == "jaccard":
            denom = len(set(acts[v]) | set(acts[u]))
        else:
            denom = a_v
        out.append((credit_vu, denom))
    if method != "bayes":
        return np.array([c / d if d else 0.0 for c, d in out])
    return _reference_bayes(out)


def _lbeta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _loglik(counts, m, mu):
    a, b = m * mu, m * (1 - mu)
    return sum(_lbeta(c + a, d - c + b) - _lbeta(a, b) for c, d in counts if d > 0)


def _reference_bayes(counts):
    """Beta prior at the pooled rate; its strength from beta_prior_strength, checked below."""
    total_k = sum(c for c, _ in counts)
    total_n = sum(d for _, d in counts)
    mu = total_k / total_n if total_n else 0.0
    k = np.array([c for c, _ in counts], dtype=float)
    n = np.array([d for _, d in counts], dtype=float)
    m = beta_prior_strength(k, n, mu)
    if 0 < mu < 1:  # m maximises the marginal likelihood over the grid (brute force)
        best = max(_loglik(counts, g, mu) for g in np.logspace(-2, 5, 71))
        assert _loglik(counts, m, mu) >= best - 1e-7 * max(abs(best), 1.0)
    return np.array([(c + m * mu) / (d + m) for c, d in counts])


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(0, 4)), min_size=0, max_size=40
    ),
    st.sampled_from(["bernoulli", "jaccard", "bayes"]),
    st.sampled_from(["full", "partial"]),
    st.sampled_from([None, 1.0, 2.5]),
    st.integers(0, 3),
)
def test_matches_reference(log, method, credit, window, graph_seed):
    G = nx.gnp_random_graph(6, 0.4, seed=graph_seed, directed=True)
    g = SocialGraph.from_networkx(G)
    users = [u for u, _, _ in log]
    items = [f"f{a}" for _, a, _ in log]
    times = [float(t) for _, _, t in log]
    got = learn_probabilities(g, users, items, times, method=method, credit=credit, window=window)
    w = np.inf if window is None else window
    want = reference(g, users, items, times, method, credit, w)
    np.testing.assert_allclose(got, want, atol=1e-9)


def arborescence(n: int, seed: int) -> nx.DiGraph:
    T = nx.random_labeled_tree(n, seed=seed)
    return nx.bfs_tree(T, 0)  # arcs point away from the root: one parent per node


def test_recovers_known_probabilities_from_simulated_cascades():
    G = arborescence(40, seed=1)
    g = SocialGraph.from_networkx(G)
    rng = np.random.default_rng(0)
    truth = rng.uniform(0.2, 0.9, size=g.n_arcs)
    model = IndependentCascade(g, truth)
    users, films, steps = model.sample_cascades(6000, random_state=1)
    est = learn_probabilities(g, users, films, steps)
    # each estimate is a proportion; compare where the parent acted often enough
    n_parent = np.bincount(g.node_ids.index(users), minlength=g.n_nodes)[g.sources]
    ok = n_parent >= 200
    assert ok.sum() >= 10
    se = np.sqrt(truth * (1 - truth) / n_parent)
    assert np.all(np.abs(est - truth)[ok] < 5 * se[ok])
    assert np.corrcoef(est[ok], truth[ok])[0, 1] > 0.95
    # a model learned from the log predicts spreads close to the true one
    learned = IndependentCascade.from_logs(g, users, films, steps)
    for s in [[0], [5, 9]]:
        a = model.expected_spread(s, 4000, random_state=2)
        b = learned.expected_spread(s, 4000, random_state=2)
        assert b == pytest.approx(a, rel=0.1)


def test_jaccard_never_exceeds_bernoulli_and_window_limits_credit():
    g = SocialGraph.from_networkx(nx.gnp_random_graph(30, 0.1, seed=2, directed=True))
    users, films, steps = IndependentCascade(g, 0.3).sample_cascades(500, random_state=0)
    b = learn_probabilities(g, users, films, steps)
    j = learn_probabilities(g, users, films, steps, method="jaccard")
    assert np.all(j <= b + 1e-12)
    w1 = learn_probabilities(g, users, films, steps, window=1)
    assert np.all(w1 <= b + 1e-12) and w1.sum() < b.sum()
    part = learn_probabilities(g, users, films, steps, credit="partial")
    assert np.all(part <= b + 1e-12)
    assert np.all((0 <= b) & (b <= 1))


def test_interactions_input_and_unknown_users():
    from filmreco.data import Interactions

    g = SocialGraph.from_arrays(["ann", "bob"], ["bob", "cat"])
    users = ["ann", "bob", "ann", "bob", "cat", "zed"]
    films = ["f1", "f1", "f2", "f2", "f2", "f1"]
    times = [0.0, 1.0, 0.0, 1.0, 2.0, 5.0]
    X = Interactions.from_arrays(users, films, timestamps=times)
    with pytest.warns(DataWarning, match="1 action"):
        a = learn_probabilities(g, X)
    with pytest.warns(DataWarning, match="1 action"):
        b = learn_probabilities(g, users, films, times)
    assert a.tolist() == b.tolist() == [1.0, 0.5]
    with pytest.raises(InputError, match="no timestamps"):
        learn_probabilities(g, Interactions.from_arrays(users, films))


def test_bad_input():
    g = SocialGraph.from_arrays([0], [1])
    with pytest.raises(InputError, match="same length"):
        learn_probabilities(g, [0, 1], ["a"], [0.0])
    with pytest.raises(InputError, match="NaN"):
        learn_probabilities(g, [0], ["a"], [np.nan])
    with pytest.raises(InputError, match="method="):
        learn_probabilities(g, [0], ["a"], [0.0], method="saito")
    with pytest.raises(InputError, match="both items and times"):
        learn_probabilities(g, [0], ["a"])
    with pytest.raises(InputError, match="window"):
        learn_probabilities(g, [0], ["a"], [0.0], window=-1)
    assert learn_probabilities(g, [], [], []).tolist() == [0.0]


def test_bayes_shrinks_sparse_arcs_and_trusts_dense_ones():
    # arc 0 -> 1 sees 400 of its source's actions (100 propagate); arc 2 -> 3 sees 2 (1 does);
    # arc 4 -> 5's source never acts
    g = SocialGraph.from_arrays([0, 2, 4], [1, 3, 5])
    users, films, times = [], [], []
    for a in range(400):
        users += [0]
        films += [f"a{a}"]
        times += [0.0]
        if a < 100:
            users += [1]
            films += [f"a{a}"]
            times += [1.0]
    users += [2, 2, 3]
    films += ["b0", "b1", "b0"]
    times += [0.0, 0.0, 1.0]
    plain = learn_probabilities(g, users, films, times)
    bayes = learn_probabilities(g, users, films, times, method="bayes")
    mu = 101 / 402
    assert plain.tolist() == [0.25, 0.5, 0.0]
    assert abs(bayes[0] - 0.25) < 0.01  # plenty of evidence: the data speak
    assert abs(bayes[1] - mu) < abs(plain[1] - mu)  # little evidence: towards the pool
    assert bayes[2] == pytest.approx(mu)  # no evidence: the pooled rate


@pytest.mark.parametrize(
    ("cls", "kw", "match"),
    [
        (
            "IndependentCascade",
            {"normalize": False},
            "unexpected keyword argument 'normalize'; it accepts method, credit, window, random_state",
        ),
        ("IndependentCascade", {"probability": 0.3}, "'probability', but from_logs sets it itself"),
        ("IndependentCascade", {"calibration": {}}, "'calibration', but from_logs sets it"),
        ("LinearThreshold", {"normalise": False}, "did you mean normalize="),
    ],
)
def test_from_logs_names_a_keyword_it_cannot_pass_on(cls, kw, match):
    # red-team s14 #9: a raw TypeError from the constructor, after the learning
    import filmreco.social as social
    from filmreco.exceptions import InputTypeError

    g = SocialGraph.from_arrays(["a"], ["b"])
    with pytest.raises(InputTypeError, match=match):
        getattr(social, cls).from_logs(g, ["a", "b"], ["f", "f"], [0, 1], **kw)
    lt = social.LinearThreshold.from_logs(g, ["a", "b"], ["f", "f"], [0, 1], normalize=False)
    assert lt.normalize is False
