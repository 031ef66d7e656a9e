"""Blocks of Monte-Carlo runs: one random key per block, blocks grouped into tasks."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .._parallel import block_seeds, effective_n_jobs
from . import _kernels as K

__all__ = ["CASCADE_BLOCK", "block_keys", "simulate_task", "task_slices"]

#: Cascades per block of randomness: run ``r`` always uses block ``r // CASCADE_BLOCK``.
CASCADE_BLOCK = 1000


def simulate_task(
    indptr: np.ndarray,
    indices: np.ndarray,
    params: tuple[np.ndarray, ...],
    seeds: np.ndarray,
    group_ptr: np.ndarray,
    keys: np.ndarray,
    sizes: np.ndarray,
    want_steps: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One task of :func:`filmreco._parallel.parallel_map`: the runs of some blocks."""
    return K.simulate_runs(indptr, indices, params, seeds, group_ptr, keys, sizes, want_steps)


def block_keys(random_state: Any, n_runs: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    """One uint64 key and one size per block of `block` runs."""
    n_blocks = -(-n_runs // block)
    keys = np.array(
        [s.generate_state(1, np.uint64)[0] for s in block_seeds(random_state, n_blocks)],
        dtype=np.uint64,
    )
    sizes = np.full(n_blocks, block, dtype=np.int64)
    if n_blocks:
        sizes[-1] = n_runs - block * (n_blocks - 1)
    return keys, sizes


def task_slices(n_blocks: int, n_jobs: int | None, show_progress: bool) -> list[slice]:
    """Split blocks into tasks: one task when serial, else up to 4 per worker, of sizes that
    differ by at most one block, larger first (10 blocks on 2 workers: 2, 2, 1, 1, 1, 1, 1, 1
    blocks, so each worker gets 5; tasks of 2 blocks would give one worker 3 tasks of 5)."""
    workers = effective_n_jobs(n_jobs)
    if workers == 1 and not show_progress:
        return [slice(0, n_blocks)]
    n_tasks = n_blocks if workers == 1 else min(n_blocks, 4 * workers)
    sizes = [n_blocks // n_tasks + (i < n_blocks % n_tasks) for i in range(n_tasks)]
    cuts = np.cumsum([0, *sizes]).tolist()
    return [slice(a, b) for a, b in itertools.pairwise(cuts)]
