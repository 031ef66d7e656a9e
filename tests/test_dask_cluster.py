"""A real Dask cluster: the heavy paths give the serial answer under joblib's dask backend.

The module starts a ``distributed.LocalCluster`` with two worker processes on 127.0.0.1
and runs batch recommendation for every user of a synthetic world and a 10,000-run
simulation (plus IMM and CELF) serially, on two threads, on two loky processes and on
the cluster; the answers must be identical, bit for bit. It also checks, from the
scheduler's own counters, that each call ships its model to the workers once, and what
happens when a task raises, when a worker dies, and when the cluster is gone.

Functions that must run on the workers are filmreco's own or closures (pickled by value),
so the workers never need to import this file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import joblib
import numpy as np
import pytest
from distributed import Client, LocalCluster

from filmreco._parallel import BackendError, parallel_map
from filmreco._validation import check_int
from filmreco.datasets import make_synthetic
from filmreco.exceptions import InputError
from filmreco.recommend import ALS, EASE, ItemKNN, RP3beta
from filmreco.recommend._itemitem import FIT_BLOCK
from filmreco.recommend._serve import factor_block_rows
from filmreco.recommend.evaluation import evaluate, split_random
from filmreco.social import IndependentCascade, LinearThreshold, SocialGraph, maximize_influence

pytestmark = pytest.mark.cluster

N_WORKERS = 2
#: 4000 users x 2500 films: block_rows(2500) = 1677 users per block, so 3 blocks (tasks).
N_USERS, N_ITEMS, N_BLOCKS = 4000, 2500, 3


def recommend_blocks(name: str) -> int:
    """Tasks of one all-user recommend: factor models serve in their own blocks."""
    if name == "ALS":
        return -(-N_USERS // factor_block_rows(N_ITEMS, 16))
    return N_BLOCKS


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    cluster = LocalCluster(
        n_workers=N_WORKERS,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def world() -> Any:
    return make_synthetic(
        n_users=N_USERS, n_items=N_ITEMS, density=0.01, avg_degree=8, random_state=0
    )


@pytest.fixture(scope="module")
def models(world: Any) -> dict[str, Any]:
    found = {
        "ALS": ALS(16, max_iter=5, random_state=0),
        "ItemKNN": ItemKNN(50),
        "EASE": EASE(50.0),
    }
    return {name: m.fit(world.interactions) for name, m in found.items()}


@pytest.fixture(scope="module")
def graph(world: Any) -> SocialGraph:
    return SocialGraph.from_edgelist(world.graph)


def everywhere(run: Callable[[], Any]) -> dict[str, Any]:
    """``run()`` serially, on 2 threads, on 2 loky processes and on the Dask cluster."""
    out = {"serial": None, "threads": None, "loky": None, "dask": None}
    with joblib.parallel_config(n_jobs=1):
        out["serial"] = run()
    with joblib.parallel_config(backend="threading", n_jobs=2):
        out["threads"] = run()
    with joblib.parallel_config(backend="loky", n_jobs=2):
        out["loky"] = run()
    with joblib.parallel_config(backend="dask"):
        out["dask"] = run()
    return out


def assert_same(results: dict[str, Any]) -> None:
    ref = results["serial"]
    for name, got in results.items():
        for a, b in zip(np.atleast_1d(ref), np.atleast_1d(got)):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=name)


def scheduler_counts(client: Client) -> dict[str, int]:
    """Tasks that reached memory so far, by key prefix (the scheduler's own counters)."""

    def counts(dask_scheduler: Any) -> dict[str, int]:
        return {k: int(p.state_counts["memory"]) for k, p in dask_scheduler.task_prefixes.items()}

    return client.run_on_scheduler(counts)  # type: ignore[no-any-return]


def batch_tasks(counts: dict[str, int]) -> int:
    """Number of joblib calls run on the cluster (a batch key says how many it holds)."""
    total = 0
    for key, n in counts.items():
        parts = key.split("_")
        if key.startswith("batch_of") and parts[-1] == "calls":
            total += n * int(parts[-2])
    return total


def scatters(counts: dict[str, int]) -> int:
    """Shared bundles scattered so far (keys ``_Shared-<uuid>``)."""
    return sum(n for key, n in counts.items() if "Shared" in key)


def shared_transfers(client: Client) -> int:
    """Worker-to-worker transfers of shared bundles so far."""

    def transfers(dask_worker: Any) -> int:
        return sum(
            1
            for entry in dask_worker.transfer_incoming_log
            for key in entry["keys"]
            if str(key).startswith("_Shared")
        )

    return sum(client.run(transfers).values())


# -- same answer everywhere ------------------------------------------------------------
@pytest.mark.parametrize("name", ["ALS", "ItemKNN", "EASE"])
def test_recommend_all_users_identical(client, world, models, name):
    model = models[name]
    users = world.interactions.user_ids.ids
    before = scheduler_counts(client)
    res = everywhere(lambda: model.recommend(users, 10))
    after = scheduler_counts(client)
    # it did run on the cluster
    assert batch_tasks(after) - batch_tasks(before) == recommend_blocks(name)
    assert res["serial"][0].shape == (N_USERS, 10)
    assert_same(res)


def test_audience_and_evaluation_identical(client, world, models):
    model = models["ALS"]
    items = world.interactions.item_ids.ids  # 2500 films: users come in 3 blocks
    before = scheduler_counts(client)
    assert_same(everywhere(lambda: model.recommend_users(items, 25)))
    assert batch_tasks(scheduler_counts(client)) - batch_tasks(before) == N_BLOCKS
    train, test = split_random(world.interactions, test_size=0.2, random_state=0)
    fitted = ALS(16, max_iter=5, random_state=0).fit(train)
    res = everywhere(lambda: evaluate(fitted, train, test, k=[5, 10], fit=False))
    assert all(r == res["serial"] for r in res.values())


def test_als_fit_runs_on_the_cluster_identically(client, world, monkeypatch):
    """The half-steps of ALS.fit are tasks of the parallel seam: the cluster fits too."""
    import filmreco.recommend.als as als_module

    monkeypatch.setattr(als_module, "_SWEEP_ROWS", 1000)
    before = scheduler_counts(client)
    res = everywhere(lambda: ALS(16, max_iter=2, random_state=0).fit(world.interactions))
    # 4000 users and 2500 films in blocks of 1000 rows: 4 + 3 tasks per sweep, 2 sweeps
    assert batch_tasks(scheduler_counts(client)) - batch_tasks(before) == 14
    ref = res["serial"]
    for name, got in res.items():
        np.testing.assert_array_equal(got.user_factors_, ref.user_factors_, err_msg=name)
        np.testing.assert_array_equal(got.item_factors_, ref.item_factors_, err_msg=name)


def test_model_is_scattered_once_per_call(client, world, models):
    users = world.interactions.user_ids.ids
    before, moved = scheduler_counts(client), shared_transfers(client)
    with joblib.parallel_config(backend="dask"):
        for name in ("ALS", "EASE"):
            models[name].recommend(users, 10)
    after = scheduler_counts(client)
    # one scatter of the shared bundle (the model) per call, one task per block
    assert scatters(after) - scatters(before) == 2
    want = recommend_blocks("ALS") + recommend_blocks("EASE")
    assert batch_tasks(after) - batch_tasks(before) == want
    # then at most one copy per other worker, never one per task
    assert shared_transfers(client) - moved <= 2 * (N_WORKERS - 1)


def test_simulation_10000_runs_identical(client, graph):
    model = IndependentCascade(graph, 0.08)
    seeds = graph.node_ids.ids[:5]
    before = scheduler_counts(client)
    res = everywhere(lambda: model.simulate(seeds, 10_000, random_state=3, return_steps=True))
    after = scheduler_counts(client)
    assert batch_tasks(after) - batch_tasks(before) >= 2
    ref = res["serial"]
    assert ref.n_runs == 10_000 and ref.mean > seeds.size
    for got in res.values():
        np.testing.assert_array_equal(got.samples, ref.samples)
        np.testing.assert_array_equal(got.activation_probability, ref.activation_probability)
        np.testing.assert_array_equal(got.steps, ref.steps)


@pytest.mark.parametrize("method", ["imm", "celf"])
def test_seed_selection_identical(client, graph, method):
    model = LinearThreshold(graph) if method == "imm" else IndependentCascade(graph, 0.08)
    kw = (
        {"eps": 0.3} if method == "imm" else {"n_runs": 300, "candidates": graph.node_ids.ids[:150]}
    )
    res = everywhere(lambda: maximize_influence(model, 4, method=method, random_state=5, **kw))
    ref = res["serial"]
    assert len(ref) == 4
    for got in res.values():
        np.testing.assert_array_equal(got.seeds, ref.seeds)
        np.testing.assert_array_equal(got.gains, ref.gains)
        assert got.spread == ref.spread


# -- failures --------------------------------------------------------------------------
def test_task_error_propagates_not_a_partial_result(client):
    tasks = [(i, "value") for i in range(6)] + [("bad", "value")]
    with joblib.parallel_config(backend="dask"), pytest.raises(InputError, match="value"):
        parallel_map(check_int, tasks)


def test_closed_client_is_named(client):
    other = Client(client.scheduler.address, set_as_default=False)
    with joblib.parallel_config(backend="dask", client=other):
        assert parallel_map(abs, [(-1,), (-2,)]) == [1, 2]
        other.close()
        with pytest.raises(BackendError, match="'dask'.*Client"):
            parallel_map(abs, [(-1,), (-2,)])
        assert parallel_map(abs, [(-1,), (-2,)], n_jobs=1) == [1, 2]


def test_worker_death_is_retried_with_the_same_answer(client, graph, tmp_path):
    """The first task kills its worker; Dask re-runs the lost tasks, the answer is unchanged."""
    marker = str(tmp_path / "died")

    def draw(seed: np.random.SeedSequence) -> np.ndarray:
        if not os.path.exists(marker):
            with open(marker, "w"):
                pass
            os._exit(1)  # the worker process dies mid-run
        return np.random.default_rng(seed).random(100)

    pids = set(client.run(os.getpid).values())
    seeds = np.random.SeedSequence(11).spawn(6)
    want = [np.random.default_rng(s).random(100) for s in seeds]
    with joblib.parallel_config(backend="dask"):
        got = parallel_map(draw, [(s,) for s in seeds])
    assert os.path.exists(marker)
    assert len(got) == len(want)
    for a, b in zip(want, got):
        np.testing.assert_array_equal(a, b)
    client.wait_for_workers(N_WORKERS, timeout=30)
    assert set(client.run(os.getpid).values()) != pids  # a worker was restarted


# -- fitting through the parallel seam (issue 13, item 8: the kNN similarity build) ----
@pytest.mark.parametrize("name", ["ItemKNN", "RP3beta"])
def test_similarity_build_identical(client, world, name):
    make = {"ItemKNN": lambda: ItemKNN(30, weighting="bm25"), "RP3beta": lambda: RP3beta()}[name]

    def fit() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        S = make().fit(world.interactions).similarity_
        return S.indptr, S.indices, S.data

    before = scheduler_counts(client)
    res = everywhere(fit)
    n_blocks = -(-N_ITEMS // FIT_BLOCK)  # 2500 films: 5 fixed-size blocks of items
    assert batch_tasks(scheduler_counts(client)) - batch_tasks(before) == n_blocks
    ref = res["serial"]
    assert ref[0][-1] > 0
    for backend, got in res.items():
        for a, b in zip(ref, got):
            np.testing.assert_array_equal(a, b, err_msg=backend)
