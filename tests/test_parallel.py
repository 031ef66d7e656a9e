"""Tests for the one parallel seam."""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from filmreco._parallel import (
    block_seeds,
    blocks,
    check_n_jobs,
    effective_n_jobs,
    parallel_map,
    seed_sequence,
)
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
