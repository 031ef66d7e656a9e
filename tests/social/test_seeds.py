"""Seed selection: IMM, CELF, degree heuristics, budgets, candidates, bad input."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from filmreco.exceptions import InputError, InputTypeError, UnknownIdError
from filmreco.social import (
    IndependentCascade,
    LinearThreshold,
    SocialGraph,
    maximize_influence,
    seeds,
)
from filmreco.social._imm import RR_BLOCK, log_binomial, rr_bytes


def two_stars() -> SocialGraph:
    """Hubs h1 (6 leaves) and h2 (4 leaves), plus a pair."""
    edges = [("h1", f"a{i}") for i in range(6)] + [("h2", f"b{i}") for i in range(4)]
    edges.append(("p", "q"))
    return SocialGraph.from_networkx(nx.DiGraph(edges))


def community_graph(seed: int = 0) -> SocialGraph:
    G = nx.random_partition_graph([30, 30, 30], 0.2, 0.01, seed=seed, directed=True)
    return SocialGraph.from_networkx(G)


def test_log_binomial():
    assert np.exp(log_binomial(10, 3)) == pytest.approx(120)
    assert log_binomial(5, 0) == 0.0 and log_binomial(5, 5) == 0.0


@pytest.mark.parametrize("method", ["imm", "celf", "degree", "degree_discount"])
def test_every_method_finds_the_hubs(method):
    model = IndependentCascade(two_stars(), 1.0)
    plan = maximize_influence(model, 2, method=method, n_runs=50, random_state=0)
    assert plan.seeds.tolist() == ["h1", "h2"]
    assert plan.gains.tolist() == pytest.approx([7.0, 5.0], abs=0.6)
    assert plan.spread == pytest.approx(12.0, abs=1.0)
    assert plan.gains.sum() == pytest.approx(plan.spread)
    assert len(plan) == 2 and plan.method == method and plan.cost == 2.0


@pytest.mark.parametrize("cls", [IndependentCascade, LinearThreshold])
def test_imm_is_close_to_the_best_pair(cls):
    g = community_graph(1)
    model = cls(g, 0.15) if cls is IndependentCascade else cls(g)
    plan = maximize_influence(model, 2, eps=0.3, random_state=0)
    # brute force over the 20 highest-degree pairs with a shared Monte-Carlo sample
    top = np.argsort(-g.out_degree(), kind="stable")[:20]
    best = max(
        model.expected_spread(list(pair), 2000, random_state=1)
        for pair in itertools.combinations(g.node_ids.ids[top].tolist(), 2)
    )
    got = model.expected_spread(plan.seeds, 2000, random_state=1)
    assert got >= 0.9 * best
    # the reported spread is estimated on fresh RR sets: close to Monte Carlo
    assert plan.spread == pytest.approx(got, rel=0.1)


def ref_greedy(model, k, n_runs, random_state):
    """Plain (non-lazy) greedy on the same Monte-Carlo worlds."""
    chosen: list = []
    ids = model.graph.node_ids.ids.tolist()
    for _ in range(k):
        vals = [
            -1.0
            if v in chosen
            else model.expected_spread([*chosen, v], n_runs, random_state=random_state)
            for v in ids
        ]
        chosen.append(ids[int(np.argmax(vals))])
    return chosen


def test_celf_equals_plain_greedy_on_common_worlds():
    g = SocialGraph.from_networkx(nx.gnp_random_graph(25, 0.12, seed=5, directed=True))
    model = IndependentCascade(g, 0.3)
    plan = maximize_influence(model, 3, method="celf", n_runs=300, random_state=4)
    assert plan.seeds.tolist() == ref_greedy(model, 3, 300, 4)
    spread = model.expected_spread(plan.seeds, 300, random_state=4)
    assert plan.spread == pytest.approx(spread)
    assert np.all(plan.gains >= 0) and np.all(np.diff(plan.gains) <= 1e-9)


@pytest.mark.parametrize("cls", [IndependentCascade, LinearThreshold])
def test_celf_with_every_candidate_takes_them_in_one_pass(cls):
    # red-team s14 #8: k = n made CELF evaluate ~4n seed sets (91 s on 500 LT nodes)
    g = SocialGraph.from_networkx(nx.gnp_random_graph(30, 0.1, seed=3, directed=True))
    model = IndependentCascade(g, 0.3) if cls is IndependentCascade else cls(g)
    cands = list(range(0, 30, 3))
    plan = maximize_influence(model, len(cands), candidates=cands, method="celf", n_runs=200,
                              random_state=1)  # fmt: skip
    assert sorted(plan.seeds.tolist()) == cands
    singles = [model.expected_spread([v], 200, random_state=1) for v in plan.seeds]
    assert singles == sorted(singles, reverse=True)  # ordered by their own spread
    prefix = model.prefix_spreads(plan.seeds, 200, random_state=1).mean(axis=0)
    np.testing.assert_allclose(plan.gains, np.diff(prefix, prepend=0.0))
    assert plan.spread == pytest.approx(prefix[-1]) == pytest.approx(plan.gains.sum())


def test_celf_stops_evaluating_once_nobody_can_be_added():
    # p = 1 on a star and a chain: after the hub and the chain's head nobody is left
    edges = [(0, i) for i in range(1, 8)] + [(10, 11), (11, 12), (12, 13)]
    model = IndependentCascade(SocialGraph.from_networkx(nx.DiGraph(edges)), 1.0)
    plan = maximize_influence(model, 5, method="celf", n_runs=50, random_state=0)
    assert plan.seeds[:2].tolist() in ([0, 10], [10, 0])
    assert plan.gains.tolist()[2:] == [0.0, 0.0, 0.0]
    assert plan.spread == 12.0 and len(set(plan.seeds.tolist())) == 5


def ref_degree_discount(g: SocialGraph, k: int, p: float) -> list:
    d = {v: int(x) for v, x in enumerate(g.out_degree())}
    t = dict.fromkeys(d, 0)
    dd = dict(d)
    chosen: list[int] = []
    for _ in range(k):
        u = max((v for v in d if v not in chosen), key=lambda v: (dd[v], -v))
        chosen.append(u)
        for v in g.targets[g.sources == u].tolist():
            if v not in chosen:
                t[v] += 1
                dd[v] = d[v] - 2 * t[v] - (d[v] - t[v]) * t[v] * p
    return g.node_ids.ids[chosen].tolist()


@pytest.mark.parametrize("seed", [0, 1])
def test_degree_discount_matches_reference(seed):
    g = SocialGraph.from_networkx(nx.gnp_random_graph(40, 0.1, seed=seed))
    model = IndependentCascade(g, 0.05)
    plan = maximize_influence(model, 6, method="degree_discount", n_runs=10, random_state=0)
    assert plan.seeds.tolist() == ref_degree_discount(g, 6, 0.05)
    plan = maximize_influence(model, 6, method="degree", n_runs=10, random_state=0)
    order = np.lexsort((np.arange(g.n_nodes), -g.out_degree()))[:6]
    assert plan.seeds.tolist() == g.node_ids.ids[order].tolist()


@pytest.mark.parametrize("method", ["imm", "celf", "degree", "degree_discount"])
def test_budget_and_costs(method):
    g = two_stars()
    model = IndependentCascade(g, 1.0)
    costs = {"h1": 10.0, "h2": 3.0, "p": 1.0, "a0": 1.0}  # others are not for hire
    plan = maximize_influence(
        model, budget=5.0, costs=costs, method=method, n_runs=50, random_state=0
    )
    assert set(plan.seeds.tolist()) <= {"h2", "p", "a0"}
    assert plan.cost <= 5.0
    assert plan.cost == pytest.approx(sum(costs[s] for s in plan.seeds.tolist()))
    if method != "degree":  # the greedy methods spend it all: h2, p, a0 (5 + 2 + 1 users)
        assert sorted(plan.seeds.tolist()) == ["a0", "h2", "p"]
        assert plan.spread == pytest.approx(8.0, abs=0.5)
    arr = np.ones(g.n_nodes)
    plan = maximize_influence(model, 1, budget=3.0, costs=arr, method=method, random_state=0)
    assert plan.seeds.tolist() == ["h1"]


def test_budget_errors():
    model = IndependentCascade(two_stars(), 1.0)
    with pytest.raises(InputError, match="below every candidate's cost"):
        maximize_influence(model, budget=0.5, costs=np.ones(model.graph.n_nodes))
    with pytest.raises(InputError, match="non-negative"):
        maximize_influence(model, budget=5, costs=-np.ones(model.graph.n_nodes))
    with pytest.raises(InputError, match="NaN"):
        maximize_influence(model, budget=5, costs=np.full(model.graph.n_nodes, np.nan))
    with pytest.raises(InputError, match="one cost per node"):
        maximize_influence(model, budget=5, costs=[1.0, 2.0])
    with pytest.raises(InputError, match="without a budget"):
        maximize_influence(model, 2, costs=np.ones(model.graph.n_nodes))
    with pytest.raises(InputError, match="give k"):
        maximize_influence(model)
    with pytest.raises(UnknownIdError):
        maximize_influence(model, budget=5, costs={"nobody": 1.0})


def test_zero_costs_and_budget_zero():
    g = two_stars()
    costs = np.zeros(g.n_nodes)
    plan = maximize_influence(IndependentCascade(g, 1.0), budget=0.0, costs=costs, random_state=0)
    # free seeds: every user who adds reach is taken
    assert {"h1", "h2", "p"} <= set(plan.seeds.tolist()) and plan.cost == 0.0


def test_candidates():
    model = IndependentCascade(two_stars(), 1.0)
    for method in ("imm", "celf", "degree_discount"):
        plan = maximize_influence(
            model, 2, candidates=["h2", "a1", "p"], method=method, n_runs=20, random_state=0
        )
        assert plan.seeds.tolist() == ["h2", "p"]
    with pytest.raises(InputError, match="exceeds the number of candidate users"):
        maximize_influence(model, 4, candidates=["h2", "a1", "p"])
    with pytest.raises(UnknownIdError):
        maximize_influence(model, 1, candidates=["h2", "nobody"])


def test_k_checks_and_empty_graph():
    model = IndependentCascade(two_stars(), 1.0)
    n = model.graph.n_nodes
    with pytest.raises(InputError, match="exceeds the number of nodes"):
        maximize_influence(model, n + 1)
    assert len(maximize_influence(model, 0)) == 0
    plan = maximize_influence(model, n, random_state=0)  # every node: full coverage
    assert sorted(plan.seeds.tolist()) == sorted(model.graph.node_ids.ids.tolist())
    empty = IndependentCascade(SocialGraph.from_arrays([], []))
    with pytest.raises(InputError, match="exceeds"):
        maximize_influence(empty, 1)
    with pytest.raises(InputError, match="method="):
        maximize_influence(model, 1, method="pagerank")
    for bad in ({"eps": 0}, {"eps": 1.5}, {"ell": -1}):
        with pytest.raises(InputError):
            maximize_influence(model, 1, **bad)
    with pytest.raises(TypeError):
        maximize_influence(model.graph, 1)


def test_disconnected_graph_gets_a_seed_per_component():
    G = nx.disjoint_union_all([nx.star_graph(5), nx.star_graph(3), nx.path_graph(2)])
    model = IndependentCascade(SocialGraph.from_networkx(G), 1.0)
    plan = maximize_influence(model, 3, random_state=0)
    assert plan.spread == pytest.approx(G.number_of_nodes())
    assert [nx.node_connected_component(G, s) for s in plan.seeds.tolist()] == [
        set(range(6)),
        set(range(6, 10)),
        {10, 11},
    ]


@pytest.mark.parametrize("method", ["imm", "celf"])
def test_reproducible_whatever_n_jobs(method):
    g = community_graph(2)
    model = IndependentCascade(g, 0.1)
    kw = {"method": method, "n_runs": 200, "random_state": 3}
    a = maximize_influence(model, 3, n_jobs=1, **kw)
    b = maximize_influence(model, 3, n_jobs=2, **kw)
    assert a.seeds.tolist() == b.seeds.tolist()
    assert np.array_equal(a.gains, b.gains) and a.spread == b.spread


@pytest.mark.parametrize("method", ["imm", "celf"])
def test_seed_sequence_gives_the_same_seeds_and_is_unchanged(method):
    # red-team s14 #3: IMM gave spread 5.2355 then 5.2127 from one SeedSequence
    model = IndependentCascade(community_graph(2), 0.1)
    ss = np.random.SeedSequence(5)
    a = maximize_influence(model, 3, method=method, n_runs=200, random_state=ss)
    b = maximize_influence(model, 3, method=method, n_runs=200, random_state=ss)
    assert ss.n_children_spawned == 0
    assert a.seeds.tolist() == b.seeds.tolist()
    assert np.array_equal(a.gains, b.gains) and a.spread == b.spread


def test_imm_keeps_degree_discount_when_it_is_better():
    # with tiny probabilities IMM's coverage is noisy; degree discount competes on a
    # fresh collection of RR sets and the better one is returned
    g = community_graph(3)
    model = IndependentCascade(g, 0.01)
    plan = maximize_influence(model, 5, eps=0.5, random_state=0)
    assert plan.info["selected"] in {"greedy", "degree_discount"}
    spreads = plan.info["candidate_spreads"]
    assert spreads[plan.info["selected"]] == max(spreads.values())
    # the reported spread is measured afresh, not the (maximised) selection estimate
    assert plan.spread == pytest.approx(spreads[plan.info["selected"]], rel=0.05)


def test_imm_progress_bar_does_not_change_results():
    model = IndependentCascade(community_graph(4), 0.1)
    a = maximize_influence(model, 3, random_state=1)
    b = maximize_influence(model, 3, random_state=1, show_progress=True)
    assert a.seeds.tolist() == b.seeds.tolist() and a.spread == b.spread


@pytest.mark.parametrize(
    ("method", "option"),
    [
        ("celf", {"eps": 0.3}),
        ("degree", {"eps": 0.3}),
        ("degree_discount", {"ell": 2.0}),
        ("celf", {"ell": 2.0}),
        ("imm", {"p": 0.1}),
        ("celf", {"p": 0.1}),
        ("degree", {"p": 0.1}),
        ("celf", {"max_rr_sets": 10}),
        ("degree", {"max_memory": 10}),
    ],
)
def test_an_option_the_method_ignores_is_an_error(method, option):
    model = IndependentCascade(two_stars(), 1.0)
    ((name, value),) = option.items()
    with pytest.raises(
        InputError, match=rf"{name}={value!r} applies to .*; method={method!r} ignores it"
    ):
        maximize_influence(model, 1, method=method, random_state=0, **option)


@pytest.mark.parametrize("method", ["imm", "celf", "degree", "degree_discount"])
def test_n_runs_applies_to_every_method(method):
    model = IndependentCascade(two_stars(), 1.0)
    plan = maximize_influence(model, 2, method=method, n_runs=7, random_state=0)
    assert plan.info["n_runs"] == 7
    # p = 1: every world is the same, so the Monte-Carlo gains are exact
    assert plan.gains.tolist() == [7.0, 5.0] and plan.spread == 12.0


def test_imm_n_runs_fixes_the_monte_carlo_runs():
    model = IndependentCascade(community_graph(5), 0.1)
    auto = maximize_influence(model, 3, random_state=2)
    mc = maximize_influence(model, 3, n_runs=400, random_state=2)
    assert auto.seeds.tolist() == mc.seeds.tolist()  # the same selection
    assert mc.info["n_runs"] == 400
    seq = np.random.SeedSequence(2)
    seq.spawn(3)  # IMM's three collections of RR sets; the Monte-Carlo worlds come next
    direct = model.prefix_spreads(mc.seeds, 400, random_state=seq)
    ref = np.diff(direct.mean(axis=0), prepend=0.0)
    assert mc.gains.tolist() == ref.tolist()
    total = direct[:, -1]
    assert mc.stderr == pytest.approx(total.std(ddof=1) / np.sqrt(400))


def _reference_estimate(model, seeds, random_state):
    """IMM's default estimate, spelled out: a 200-run pilot sizes a fresh sample whose
    standard error is then at most 0.5% of its mean (more runs if not)."""
    seq = np.random.SeedSequence(random_state)
    seq.spawn(3)  # IMM's RR sets
    pilot_seq, final_seq = seq.spawn(2)
    pilot = model.prefix_spreads(seeds, 200, random_state=pilot_seq)[:, -1]
    ratio = pilot.std(ddof=1) / np.sqrt(200) / (0.005 * pilot.mean())
    n_runs = max(200, int(np.ceil(1.2 * 200 * ratio**2)))
    while True:
        runs = model.prefix_spreads(seeds, n_runs, random_state=final_seq)
        se = runs[:, -1].std(ddof=1) / np.sqrt(n_runs)
        if se <= 0.005 * runs[:, -1].mean():
            return runs, n_runs
        n_runs = max(
            2 * n_runs, int(np.ceil(1.2 * n_runs * (se / (0.005 * runs[:, -1].mean())) ** 2))
        )


@pytest.mark.parametrize("random_state", [0, 7])
def test_imm_spread_is_measured_afresh_to_half_a_percent(random_state):
    model = IndependentCascade(community_graph(5), 0.1)
    plan = maximize_influence(model, 3, random_state=random_state)
    runs, n_runs = _reference_estimate(model, plan.seeds, random_state)
    assert plan.info["n_runs"] == n_runs and n_runs >= 200
    means = runs.mean(axis=0)
    # gains: marginal gains in seed order on the same runs; they add up to the spread
    assert plan.gains.tolist() == pytest.approx(np.diff(means, prepend=0.0).tolist())
    assert plan.spread == pytest.approx(means[-1]) == pytest.approx(plan.gains.sum())
    assert plan.stderr == pytest.approx(runs[:, -1].std(ddof=1) / np.sqrt(n_runs))
    assert 0 < plan.stderr <= 0.005 * plan.spread
    assert plan.info["stderr"] == plan.stderr


def test_imm_spread_agrees_with_an_independent_simulation():
    # unbiased: over several random states, within 4 combined standard errors of a large
    # independent simulation (the selection's own estimate need not be)
    model = IndependentCascade(community_graph(6), 0.12)
    for random_state in range(4):
        plan = maximize_influence(model, 4, random_state=random_state)
        ref = model.simulate(plan.seeds, 20_000, random_state=1000 + random_state)
        assert abs(plan.spread - ref.mean) <= 4 * np.hypot(plan.stderr, ref.stderr)


def test_imm_deterministic_spread_needs_no_more_than_the_pilot():
    model = IndependentCascade(two_stars(), 1.0)
    plan = maximize_influence(model, 2, random_state=0)
    assert plan.spread == 12.0 and plan.stderr == 0.0 and plan.info["n_runs"] == 200
    assert plan.gains.tolist() == [7.0, 5.0]


def test_the_used_options_are_still_checked():
    model = IndependentCascade(two_stars(), 1.0)
    with pytest.raises(InputError, match="eps"):
        maximize_influence(model, 1, eps=1.5)
    with pytest.raises(InputError, match="p"):
        maximize_influence(model, 1, method="degree_discount", p=-0.1)
    with pytest.raises(InputError, match="n_runs"):
        maximize_influence(model, 1, method="imm", n_runs=0)


# ------------------------------------------------------- IMM's size limits (issue 18, 7)
# the globals of the _imm module maximize_influence really calls (the doctest run imports
# another copy of the module under --import-mode=importlib)
IMM = seeds.imm_select.__globals__


def _watch_pools(monkeypatch, most=50 * RR_BLOCK):
    """Record the sizes IMM's pools are extended to; fail (before allocating) past `most`."""
    asked: list[int] = []
    real = IMM["RRPool"].extend_to

    def extend_to(self, n_sets):
        asked.append(int(n_sets))
        if n_sets > most:
            raise AssertionError(f"IMM started generating {n_sets} RR sets")
        return real(self, n_sets)

    monkeypatch.setattr(IMM["RRPool"], "extend_to", extend_to)
    return asked


@pytest.mark.parametrize("eps", [1e-3, 1e-6, 1e-200, 5e-324])
def test_imm_refuses_a_tiny_eps_before_generating_the_sets(monkeypatch, caplog, eps):
    model = IndependentCascade(community_graph(1), 0.1)
    asked = _watch_pools(monkeypatch)
    with caplog.at_level("INFO", logger="filmreco"):
        with pytest.raises(InputError) as info:
            maximize_influence(model, 3, eps=eps, random_state=0)
    msg = str(info.value)
    assert f"eps={eps:g}" in msg and "max_rr_sets=" in msg and "max_memory=" in msg
    assert "predicted from a pilot" in msg
    assert asked == [1]  # the pilot block only
    # the estimate is logged, and matches the message
    (record,) = [r for r in caplog.records if "IMM: eps=" in r.getMessage()]
    assert record.levelname == "INFO"
    n_sets = float(record.getMessage().split("about ")[1].split(" RR sets")[0].replace(",", ""))
    assert n_sets > 100_000_000  # inf when eps**2 underflows
    if n_sets < 1e15:
        assert f"{-(-int(n_sets) // RR_BLOCK) * RR_BLOCK:,} RR sets" in msg
    assert len(msg) < 1_000


def test_imm_limits_are_the_users_to_raise():
    model = IndependentCascade(community_graph(2), 0.1)
    plan = maximize_influence(model, 3, eps=0.3, random_state=4)
    theta = plan.info["theta"]
    assert theta > 2 * RR_BLOCK
    with pytest.raises(InputError, match=r"RR sets .*max_rr_sets=2,000 "):
        maximize_influence(model, 3, eps=0.3, random_state=4, max_rr_sets=RR_BLOCK)
    with pytest.raises(InputError, match=r"max_memory=1,000 bytes"):
        maximize_influence(model, 3, eps=0.3, random_state=4, max_memory=1000)
    raised = maximize_influence(
        model, 3, eps=0.3, random_state=4, max_rr_sets=10 * theta, max_memory=2**40
    )
    assert raised.seeds.tolist() == plan.seeds.tolist()
    assert raised.gains.tolist() == plan.gains.tolist()
    with pytest.raises(InputError, match="max_rr_sets"):
        maximize_influence(model, 3, max_rr_sets=0)
    with pytest.raises(InputError, match="max_memory"):
        maximize_influence(model, 3, max_memory=-5)


def test_imm_checks_every_collection_not_only_the_prediction(monkeypatch):
    model = IndependentCascade(community_graph(2), 0.1)
    theta = maximize_influence(model, 3, eps=0.3, random_state=4).info["theta"]
    monkeypatch.setitem(IMM, "_predict", lambda pool, *args: pool.extend_to(1))
    asked = _watch_pools(monkeypatch)
    limit = 2 * RR_BLOCK
    with pytest.raises(InputError, match=r"(round \d+ of the lower bound|theta)"):
        maximize_influence(model, 3, eps=0.3, random_state=4, max_rr_sets=limit)
    assert max(asked) <= limit < theta


def test_rr_bytes_counts_what_imm_allocates():
    assert rr_bytes(0, 5.0) == 0
    assert rr_bytes(10, 0.0) == 170
    assert rr_bytes(2, 1.5) == 2 * (17 + 18)


@pytest.mark.parametrize(
    ("costs", "error", "match"),
    [
        (["a"] * 14, InputTypeError, "costs must hold real numbers"),
        ("cheap", InputTypeError, "got the string"),
        ([1 + 2j] * 14, InputTypeError, "costs must hold real numbers"),
        ({"h1": "x"}, InputTypeError, "costs values must hold real numbers"),
        ({"h1": [1.0, 2.0]}, InputError, "one number"),
        ({"h1": None, "h2": 1.0}, InputError, "user 'h1' a missing"),
        ({"h1": float("nan")}, InputError, "user 'h1' a missing"),
    ],
)
def test_bad_costs_name_the_argument(costs, error, match):
    """Text, complex, nested or missing costs raise a clear error; a user listed with a
    missing cost is never silently treated as unavailable."""
    model = IndependentCascade(two_stars(), 1.0)
    assert two_stars().n_nodes == 14
    with pytest.raises(error, match=match):
        maximize_influence(model, budget=5.0, costs=costs)
