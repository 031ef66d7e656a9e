"""The one parallel seam of filmreco.

Every embarrassingly parallel hot path (batch scoring, Monte-Carlo cascades, RR sets,
batch search) runs through :func:`parallel_map`: the work is cut into tasks, the tasks
go to :class:`joblib.Parallel` under whatever backend the caller configured with
:func:`joblib.parallel_config` (``"loky"``, ``"threading"``, ``"dask"``, Ray's, ...),
and the results come back in task order. Inside workers BLAS is capped to one thread
(:mod:`threadpoolctl`) so that ``n_jobs`` processes do not each start ``n_cores`` BLAS
threads.

Randomness never depends on how the work is split: :func:`block_seeds` spawns one
:class:`numpy.random.SeedSequence` per fixed-size *block of work* (e.g. 1,000 cascades),
chosen by the library, and a task may process several whole blocks. Chunking, ``n_jobs``
and the backend then change the speed only, never the answer.
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import joblib
import numpy as np
from threadpoolctl import threadpool_limits

from .exceptions import InputError

__all__ = [
    "block_seeds",
    "blocks",
    "check_n_jobs",
    "effective_n_jobs",
    "parallel_map",
    "seed_sequence",
]

logger = logging.getLogger("filmreco")
R = TypeVar("R")


def check_n_jobs(n_jobs: Any) -> int | None:
    """Validate `n_jobs`: ``None`` (the ambient joblib setting), ``-1`` (all cores), ``-2``... or a positive int."""
    if n_jobs is None:
        return None
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise InputError(f"n_jobs must be None or an int, got {n_jobs!r}.")
    n = int(n_jobs)
    if n == 0:
        raise InputError(
            "n_jobs=0 is not valid; use None for joblib's ambient setting, 1 for serial, "
            "k > 1 for k workers, or -1 for all cores."
        )
    return n


def effective_n_jobs(n_jobs: int | None) -> int:
    """Number of workers joblib would use for `n_jobs` under the ambient configuration."""
    return int(joblib.effective_n_jobs(check_n_jobs(n_jobs)))


def blocks(n: int, block_size: int) -> list[tuple[int, int]]:
    """Split ``range(n)`` into consecutive ``(start, stop)`` blocks of `block_size` (the last may be short).

    Examples
    --------
    >>> blocks(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    """
    if block_size < 1:
        raise InputError(f"block_size must be >= 1, got {block_size}.")
    return [(s, min(s + block_size, n)) for s in range(0, n, block_size)]


def seed_sequence(random_state: Any) -> np.random.SeedSequence:
    """Turn `random_state` into a :class:`numpy.random.SeedSequence`.

    ``None`` draws fresh OS entropy; an int seeds it; a ``Generator`` contributes 128 bits
    drawn from itself (so the caller's generator advances, as with any use of it).
    """
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(
            [int(x) for x in random_state.integers(0, 2**32, size=4, dtype=np.uint64)]
        )
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if int(random_state) < 0:
            raise InputError(f"random_state must be a non-negative int, got {random_state}.")
        return np.random.SeedSequence(int(random_state))
    raise InputError(
        "random_state must be None, a non-negative int, a numpy.random.SeedSequence or a "
        f"numpy.random.Generator, got {random_state!r}."
    )


def block_seeds(random_state: Any, n_blocks: int) -> list[np.random.SeedSequence]:
    """One independent seed per block of work, fixed by `random_state` alone.

    Examples
    --------
    >>> a = [np.random.default_rng(s).integers(100) for s in block_seeds(0, 3)]
    >>> b = [np.random.default_rng(s).integers(100) for s in block_seeds(0, 3)]
    >>> a == b
    True
    """
    return seed_sequence(random_state).spawn(int(n_blocks))


def _capped(func: Callable[..., R], args: tuple[Any, ...]) -> R:
    with threadpool_limits(limits=1, user_api="blas"):
        return func(*args)


def parallel_map(
    func: Callable[..., R],
    tasks: Sequence[tuple[Any, ...]] | Iterable[tuple[Any, ...]],
    *,
    n_jobs: int | None = None,
    show_progress: bool = False,
    desc: str | None = None,
    prefer: str | None = None,
) -> list[R]:
    """Run ``func(*task)`` for every task, in parallel when asked, results in task order.

    Parameters
    ----------
    func : callable
        A module-level function (so process-based backends can pickle it).
    tasks : sequence of tuples
        Positional arguments of each call. Large shared objects should be the same object
        in every task (joblib then memory-maps or, on Dask, scatters them once).
    n_jobs : int, optional
        ``None`` uses the ambient :func:`joblib.parallel_config` (serial by default);
        ``1`` runs in this process without joblib; ``-1`` uses all cores.
    show_progress : bool, default=False
        Show a tqdm bar over tasks.
    desc : str, optional
        Label of the progress bar.
    prefer : {"processes", "threads"}, optional
        A soft hint passed to joblib (ignored when the backend is set explicitly).

    Returns
    -------
    list
        ``[func(*t) for t in tasks]``, whatever the backend.

    Examples
    --------
    >>> parallel_map(pow, [(2, 3), (3, 2)], n_jobs=1)
    [8, 9]
    """
    n = check_n_jobs(n_jobs)
    tasks = list(tasks)
    bar = None
    if show_progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), desc=desc, leave=False)
    try:
        workers = effective_n_jobs(n)
        if workers == 1 or len(tasks) <= 1:
            out = []
            for t in tasks:
                out.append(func(*t))
                if bar is not None:
                    bar.update(1)
            return out
        logger.debug("parallel_map: %d tasks on %d workers", len(tasks), workers)
        par = joblib.Parallel(n_jobs=n, prefer=prefer, return_as="generator")
        out = []
        for r in par(joblib.delayed(_capped)(func, t) for t in tasks):
            out.append(r)
            if bar is not None:
                bar.update(1)
        return out
    finally:
        if bar is not None:
            bar.close()


def n_chunks_for(n_items: int, n_jobs: int | None, *, min_chunk: int, max_chunk: int) -> int:
    """A chunk size: about 4 tasks per worker, within [min_chunk, max_chunk]."""
    workers = effective_n_jobs(n_jobs)
    size = math.ceil(n_items / max(1, 4 * workers)) if workers > 1 else max_chunk
    return int(min(max(size, min_chunk), max_chunk))
