"""Tests for the one parallel seam."""

from __future__ import annotations

import os
import pickle
import sys
import threading

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from joblib._parallel_backends import ParallelBackendBase
from joblib.externals.loky.process_executor import TerminatedWorkerError

from filmreco._parallel import (
    BackendError,
    _call,
    _Shared,
    backend_name,
    block_seeds,
    blocks,
    check_n_jobs,
    deep_nbytes,
    effective_n_jobs,
    parallel_map,
    pipeline_map,
    seed_sequence,
)
from filmreco._validation import check_int
from filmreco.exceptions import InputError


def _draw(seed, n):
    return np.random.default_rng(seed).random(n)


def _blas_threads():
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


@given(st.integers(0, 50), st.integers(1, 12))
def test_blocks_cover_range(n, size):
    bs = blocks(n, size)
    flat = [i for a, b in bs for i in range(a, b)]
    assert flat == list(range(n))
    assert all(b - a == size for a, b in bs[:-1])


def test_block_seeds_independent_of_split():
    seeds = block_seeds(42, 6)
    serial = [_draw(s, 5) for s in seeds]
    for n_jobs in (1, 2):
        par = parallel_map(_draw, [(s, 5) for s in seeds], n_jobs=n_jobs)
        for a, b in zip(serial, par):
            np.testing.assert_array_equal(a, b)


def test_threading_backend_same_result():
    seeds = block_seeds(7, 4)
    with joblib.parallel_config(backend="threading", n_jobs=2):
        par = parallel_map(_draw, [(s, 3) for s in seeds])
    serial = parallel_map(_draw, [(s, 3) for s in block_seeds(7, 4)], n_jobs=1)
    for a, b in zip(serial, par):
        np.testing.assert_array_equal(a, b)


def test_blas_capped_in_workers():
    out = parallel_map(_blas_threads, [(), ()], n_jobs=2)
    assert all(all(t == 1 for t in threads) for threads in out)


def test_seed_sequence_forms():
    assert seed_sequence(3).entropy == 3
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert seed_sequence(g1).entropy == seed_sequence(g2).entropy
    with pytest.raises(InputError):
        seed_sequence(-1)
    with pytest.raises(InputError):
        seed_sequence("abc")


@given(
    st.integers(0, 2**64 - 1),
    st.lists(st.integers(0, 5), max_size=3),
    st.integers(0, 3),
    st.integers(1, 6),
)
def test_seed_sequence_is_read_never_changed(entropy, spawn_key, already, n):
    # a SeedSequence as random_state gives the same streams on every call and is never
    # changed (red-team s14 #3: spawn() advanced the caller's object)
    ss = np.random.SeedSequence(entropy, spawn_key=tuple(spawn_key))
    ss.spawn(already)  # the caller's own children: filmreco's streams come after them
    first = [s.generate_state(2).tolist() for s in block_seeds(ss, n)]
    again = [s.generate_state(2).tolist() for s in block_seeds(ss, n)]
    assert first == again
    assert ss.n_children_spawned == already
    fresh = np.random.SeedSequence(entropy, spawn_key=tuple(spawn_key))
    fresh.spawn(already)
    assert first == [s.generate_state(2).tolist() for s in fresh.spawn(n)]
    assert seed_sequence(ss) is not ss
    own = seed_sequence(ss)  # filmreco's own sequence is chained, not copied
    assert seed_sequence(own) is own


def test_generator_random_state_advances():
    # a Generator is meant to advance: two calls give two different, reproducible streams
    g = np.random.default_rng(5)
    a, b = seed_sequence(g).entropy, seed_sequence(g).entropy
    assert a != b
    g2 = np.random.default_rng(5)
    assert [seed_sequence(g2).entropy, seed_sequence(g2).entropy] == [a, b]


def test_check_random_state_copies_a_seed_sequence():
    from filmreco._validation import check_random_state

    ss = np.random.SeedSequence(11)
    child = check_random_state(ss).spawn(1)[0].random()
    assert ss.n_children_spawned == 0
    assert check_random_state(ss).spawn(1)[0].random() == child


@pytest.mark.parametrize("bad", [0, 1.5, "2", True])
def test_bad_n_jobs(bad):
    with pytest.raises(InputError, match="n_jobs"):
        check_n_jobs(bad)


def test_effective_n_jobs():
    assert effective_n_jobs(1) == 1
    assert effective_n_jobs(None) == 1
    with joblib.parallel_config(n_jobs=2):
        assert effective_n_jobs(None) == 2


def test_progress_bar_does_not_print_to_stdout(capsys):
    assert parallel_map(abs, [(-1,), (-2,)], n_jobs=1, show_progress=True) == [1, 2]
    assert capsys.readouterr().out == ""


# -- n_jobs ------------------------------------------------------------------------------
@pytest.mark.parametrize("n_jobs", [-2, -3, -1000])
def test_negative_n_jobs_follow_joblib(n_jobs):
    assert check_n_jobs(n_jobs) == n_jobs
    cores = joblib.cpu_count()
    assert effective_n_jobs(n_jobs) == max(cores + 1 + n_jobs, 1)
    assert parallel_map(abs, [(-1,), (-2,), (-3,)], n_jobs=n_jobs) == [1, 2, 3]


@pytest.mark.parametrize("bad", [np.float64(2.0), None.__class__, [2]])
def test_n_jobs_message_says_how_to_fix(bad):
    with pytest.raises(InputError, match=r"n_jobs must be None or an int.*-1 for all cores"):
        check_n_jobs(bad)


def test_numpy_int_n_jobs():
    assert check_n_jobs(np.int64(2)) == 2


# -- the backend ---------------------------------------------------------------------------
class _DeadBackend(ParallelBackendBase):
    """A backend whose cluster is gone (as a closed Dask client behaves)."""

    def effective_n_jobs(self, n_jobs):
        raise ConnectionError("scheduler tcp://10.0.0.1:8786 is gone")

    def submit(self, func, callback=None):  # pragma: no cover - never reached
        raise AssertionError


joblib.register_parallel_backend("filmreco-dead-test", _DeadBackend)


def test_backend_not_running_is_named():
    with joblib.parallel_config(backend="filmreco-dead-test"):
        assert backend_name() == "filmreco-dead-test"
        with pytest.raises(BackendError, match="'filmreco-dead-test' is not running.*n_jobs=1"):
            parallel_map(abs, [(-1,), (-2,)])
        with pytest.raises(RuntimeError, match="scheduler tcp://10.0.0.1:8786 is gone"):
            effective_n_jobs(None)
        # n_jobs=1 and single tasks never touch the backend
        assert parallel_map(abs, [(-1,), (-2,)], n_jobs=1) == [1, 2]
        assert parallel_map(abs, [(-3,)]) == [3]


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_task_error_propagates(backend):
    tasks = [(i, "value") for i in range(5)] + [("bad", "value")] + [(9, "value")]
    with joblib.parallel_config(backend=backend, n_jobs=2), pytest.raises(InputError):
        parallel_map(check_int, tasks)


def test_loky_worker_death_raises_with_a_note():
    def die(x):
        os._exit(1)

    with pytest.raises(TerminatedWorkerError) as info:
        with joblib.parallel_config(backend="loky", n_jobs=2):
            parallel_map(die, [(1,), (2,)])
    assert "no partial result" in "".join(getattr(info.value, "__notes__", []))
    assert parallel_map(abs, [(-1,), (-2,)], n_jobs=2) == [1, 2]  # loky recovers


# -- what travels ------------------------------------------------------------------------
def _join(*args):
    return args


@given(st.integers(0, 4), st.integers(0, 3), st.integers(1, 5))
def test_shared_arguments_come_first(n_shared, n_own, n_tasks):
    big = np.arange(50.0)
    shared = tuple(big if i % 2 else ("s", i) for i in range(n_shared))
    tasks = [tuple((t, i) for i in range(n_own)) for t in range(n_tasks)]
    bundle = _Shared(shared) if shared else None
    got = [_call(_join, bundle, t) for t in tasks]
    serial = parallel_map(_join, tasks, shared=shared, n_jobs=1)
    with joblib.parallel_config(backend="threading", n_jobs=2):
        par = parallel_map(_join, tasks, shared=shared)
    for out in (got, serial, par):
        assert len(out) == n_tasks
        for g, t in zip(out, tasks):
            assert len(g) == n_shared + n_own
            assert all(x is y for x, y in zip(g, (*shared, *t)))


def test_shared_must_be_a_sequence():
    with pytest.raises(TypeError, match="shared=\\(obj,\\)"):
        parallel_map(abs, [(1,)], shared=np.float64(1.0), n_jobs=1)
    with pytest.raises(TypeError, match="shared must be a tuple"):
        parallel_map(abs, [(1,)], shared="ab", n_jobs=1)


class _Model:
    """Stands for a fitted model: arrays, a sparse matrix, object ids."""


def test_shared_bundle_reports_its_size():
    dask_sizeof = pytest.importorskip("dask.sizeof").sizeof
    X = sp.random_array((200, 100), density=0.1, dtype=np.float32, random_state=0).tocsr()
    holder = _Model()
    holder.factors = np.zeros((1000, 16), dtype=np.float32)
    holder.user_items = X
    holder.names = np.array([f"u{i}" for i in range(300)], dtype=object)
    bundle = _Shared((holder, 3, True))
    want = holder.factors.nbytes + X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    assert want < deep_nbytes(holder) < want + 50_000
    assert sys.getsizeof(bundle) >= want
    assert dask_sizeof(bundle) > 1e3  # so joblib's dask backend scatters it once
    assert deep_nbytes(holder, limit=3) < want  # the walk is bounded
    clone = pickle.loads(pickle.dumps(bundle))
    np.testing.assert_array_equal(clone.objs[0].factors, holder.factors)


def test_tasks_of_different_lengths():
    a = np.zeros(3)
    assert parallel_map(len, [(a,), ([1, 2],)], n_jobs=1) == [3, 2]


# -- threads inside tasks ------------------------------------------------------------------
def _numba_threads():
    import numba

    return numba.get_num_threads()


@pytest.mark.parametrize("backend", ["sequential", "threading", "loky"])
def test_blas_and_numba_capped_in_every_task(backend):
    import numba

    before = numba.get_num_threads(), _blas_threads()
    with joblib.parallel_config(backend=backend, n_jobs=2):
        blas = parallel_map(_blas_threads, [(), (), ()])
        nb = parallel_map(_numba_threads, [(), (), ()])
    assert all(all(t == 1 for t in threads) for threads in blas)
    assert nb == [1, 1, 1]
    assert (numba.get_num_threads(), _blas_threads()) == before  # restored here


def test_progress_bar_in_parallel(capsys):
    with joblib.parallel_config(backend="threading", n_jobs=2):
        out = parallel_map(abs, [(-i,) for i in range(5)], show_progress=True, desc="t")
    assert out == list(range(5))
    assert capsys.readouterr().out == ""


# -- recommend's dense scores through the seam ---------------------------------------------
def test_dense_scores_same_for_every_backend():
    from filmreco.datasets import make_synthetic
    from filmreco.recommend import ALS
    from filmreco.recommend._serve import BlockScorer, dense_scores

    world = make_synthetic(n_users=5000, n_items=40, density=0.1, random_state=1)  # 2 blocks
    model = ALS(8, max_iter=3, random_state=0).fit(world.interactions)
    q = model._query(world.interactions.user_ids.ids, "raise", None)
    cols = np.arange(0, 40, 3)
    scorer = BlockScorer(model, q, cols)
    serial = dense_scores(scorer, q.n, cols.size, 1)
    want = model.user_factors_ @ model.item_factors_[cols].T
    np.testing.assert_allclose(serial, want, rtol=1e-5, atol=1e-6)
    with joblib.parallel_config(backend="threading", n_jobs=2):
        np.testing.assert_array_equal(dense_scores(scorer, q.n, cols.size, None), serial)
    assert dense_scores(scorer, 0, cols.size, 1).shape == (0, cols.size)


# -- thread_limits: the one place thread counts are set ------------------------------------
def test_thread_limits_caps_blas_and_sets_numba_then_restores():
    import numba

    from filmreco._parallel import thread_limits

    before = numba.get_num_threads(), _blas_threads()
    top = int(numba.config.NUMBA_NUM_THREADS)
    with thread_limits(1) as n:
        assert n == 1
        assert numba.get_num_threads() == 1
        assert all(t == 1 for t in _blas_threads())
    with thread_limits(10**6) as n:  # clipped to what numba has
        assert n == numba.get_num_threads() == top
    with thread_limits(0) as n:
        assert n == numba.get_num_threads() == 1
    assert (numba.get_num_threads(), _blas_threads()) == before


def test_thread_limits_restores_after_an_error():
    import numba

    from filmreco._parallel import thread_limits

    before = numba.get_num_threads(), _blas_threads()
    with pytest.raises(KeyError), thread_limits(1):
        raise KeyError("boom")
    assert (numba.get_num_threads(), _blas_threads()) == before


def test_thread_counts_are_set_in_parallel_only():
    """threadpoolctl and numba.set_num_threads are used by _parallel.thread_limits alone."""
    from pathlib import Path

    import filmreco

    root = Path(filmreco.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "_parallel.py" and path.parent == root:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("threadpoolctl", "threadpool_limits", "set_num_threads", "OMP_NUM_THREADS"):
            if needle in text:
                offenders.append(f"{path.relative_to(root)}: {needle}")
    assert not offenders, offenders


def test_n_jobs_none_is_the_ambient_setting():
    assert effective_n_jobs(None) == 1
    with joblib.parallel_config(n_jobs=2):
        assert effective_n_jobs(None) == 2
        assert effective_n_jobs(1) == 1


def _kernel_threads_here(n_jobs):
    from filmreco._parallel import kernel_threads

    return kernel_threads(n_jobs)


@pytest.mark.parametrize("backend", ["sequential", "threading", "loky"])
def test_kernel_threads_is_one_inside_every_task(backend):
    from filmreco._parallel import kernel_threads

    with joblib.parallel_config(backend=backend, n_jobs=2):
        assert kernel_threads(None) == effective_n_jobs(None)  # ambient, outside a task
        assert parallel_map(_kernel_threads_here, [(None,), (2,), (-1,)]) == [1, 1, 1]
        assert parallel_map(_kernel_threads_here, [(2,)], n_jobs=1) == [1]  # serial task too
    assert kernel_threads(None) == 1
    assert kernel_threads(2) == 2


# -- pipeline_map ----------------------------------------------------------------------------
def _prep(k, t):
    if t == "bad":
        raise InputError("bad task")
    return (threading.get_ident(), t * k)


def _square(k, p):
    if p[1] == -k:
        raise ValueError("bad compute")
    return (threading.get_ident(), p[1] * p[1])


def _fin(k, p, c):
    return (p[0], c[0], p[1], c[1])


def _values(out):
    return [(p, c) for _, _, p, c in out]


@pytest.mark.parametrize("n_jobs", [1, 2, 3, -1])
@pytest.mark.parametrize("n_tasks", [0, 1, 2, 7, 40])
def test_pipeline_map_is_the_serial_loop(n_jobs, n_tasks):
    tasks = list(range(n_tasks))
    want = [(t * 10, t * t * 100) for t in tasks]
    out = pipeline_map(_prep, _square, _fin, tasks, shared=(10,), n_jobs=n_jobs)
    assert _values(out) == want
    # prepare and finish run in the calling thread, whatever the workers
    me = threading.get_ident()
    assert all(prep == me for prep, _, _, _ in out)


def test_pipeline_map_computes_in_other_threads_and_here():
    import time

    def slow(k, p):
        time.sleep(0.002)
        return _square(k, p)

    me = threading.get_ident()
    out = pipeline_map(_prep, slow, _fin, list(range(60)), shared=(1,), n_jobs=2)
    assert _values(out) == [(t, t * t) for t in range(60)]
    where = {c for _, c, _, _ in out}
    assert any(c != me for c in where)  # a worker thread scored some


def test_pipeline_map_serial_runs_in_this_thread_with_caps():
    import numba

    me = threading.get_ident()
    out = pipeline_map(_prep, _square, _fin, [1, 2, 3], shared=(2,), n_jobs=1)
    assert {c for _, c, _, _ in out} == {me}
    assert _values(out) == [(2, 4), (4, 16), (6, 36)]
    got = pipeline_map(
        lambda t: t, lambda p: (numba.get_num_threads(), _blas_threads()), lambda p, c: c,
        [1, 2, 3], n_jobs=2,
    )  # fmt: skip
    assert all(nb == 1 and all(b == 1 for b in blas) for nb, blas in got)


@pytest.mark.parametrize("where", ["prepare", "compute"])
def test_pipeline_map_errors_propagate(where):
    tasks = list(range(1, 30))
    bad = "bad" if where == "prepare" else -1
    tasks[17] = bad
    err = InputError if where == "prepare" else ValueError
    with pytest.raises(err, match="bad"):
        pipeline_map(_prep, _square, _fin, tasks, shared=(1,), n_jobs=2)
    with pytest.raises(err, match="bad"):
        pipeline_map(_prep, _square, _fin, tasks, shared=(1,), n_jobs=1)


@pytest.mark.parametrize("backend", ["threading", "loky", "sequential"])
def test_pipeline_map_under_a_configured_backend(backend):
    import operator

    # built-in steps, which a worker process can unpickle: t * k, then + k, then a slice
    tasks = list(range(12))
    with joblib.parallel_config(backend=backend, n_jobs=2):
        out = pipeline_map(operator.mul, operator.add, slice, tasks, shared=(3,))
    assert out == [slice(3, 3 * t, 3 + 3 * t) for t in tasks]


def test_pipeline_map_checks_its_arguments():
    with pytest.raises(TypeError, match="shared=\\(obj,\\)"):
        pipeline_map(_prep, _square, _fin, [1], shared=np.float64(1.0), n_jobs=1)
    with pytest.raises(InputError, match="n_jobs"):
        pipeline_map(_prep, _square, _fin, [1], n_jobs=0)
