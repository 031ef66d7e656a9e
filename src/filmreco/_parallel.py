"""The one parallel seam of filmreco.

Every embarrassingly parallel hot path (batch scoring, evaluation, Monte-Carlo cascades,
RR sets, CELF's first pass, batch search) runs through :func:`parallel_map`: the work is
cut into tasks, the tasks go to :class:`joblib.Parallel` under whatever backend the caller
configured with :func:`joblib.parallel_config` (``"loky"``, ``"threading"``, ``"dask"``,
Ray's, ...), and the results come back in task order. There is no filmreco-specific
cluster code: pointing filmreco at a Dask cluster is ``Client(address)`` plus
``joblib.parallel_config(backend="dask")``.

``n_jobs`` means one thing everywhere in filmreco (documented once, in the guide's
:ref:`n_jobs` convention; :func:`check_n_jobs` validates it, :func:`effective_n_jobs`
resolves it): ``None`` is the ambient :func:`joblib.parallel_config` (one worker outside
one), ``1`` serial in this process, ``k > 1`` that many workers, ``-1`` one per core
(``-2`` all but one, ...). It sizes the joblib workers of :func:`parallel_map` and, through
:func:`thread_limits`, the threads of the compiled kernels that use ``prange`` (ALS
sweeps, fold-in).

Randomness never depends on how the work is split: :func:`block_seeds` spawns one
:class:`numpy.random.SeedSequence` per fixed-size *block of work* (e.g. 1,000 cascades),
chosen by the library, and a task processes whole blocks. Chunking, ``n_jobs`` and the
backend then change the speed only, never the answer.

What travels to the workers
    The caller says what every task shares: ``parallel_map(func, tasks, shared=(a, b))``
    calls ``func(a, b, *task)`` for each task. The shared arguments (a model, a graph's
    arrays, a search index) are sent once per call, not once per task: they are bundled
    into one object that reports its real size, so joblib's Dask backend scatters it once
    (its rule: arguments over 1 kB are scattered) and every task refers to it; loky
    memory-maps the large arrays inside it. The tasks' own arguments (a block's rows, its
    random keys) travel with their task.

Threads inside tasks
    :func:`thread_limits` is the one place thread counts are set. Each task runs inside
    ``thread_limits(1)``: BLAS capped to one thread (:mod:`threadpoolctl`) and, when numba
    is loaded, numba's parallel kernels on one thread, so ``n_jobs`` workers do not each
    start one thread per core. With the threading backend the calling process's BLAS is
    capped for the duration of the call. Compiled kernels that parallelise themselves
    (ALS, fold-in) run inside ``thread_limits(kernel_threads(n_jobs))``: `n_jobs` threads,
    or one inside a task. Tasks run that way when serial too: OpenBLAS
    picks other kernels for other thread counts, and a float32 product then differs in
    its last bit (measured: 1 ulp in 1.6% of the cells of a 1000 x 2500 x 16 product),
    which can swap two items of a recommendation list. With the same thread count and
    the same blocks, every backend computes the same bits (on the same BLAS build and
    CPU family: a cluster mixing CPU generations may differ in the last bit).

Failures
    A task that raises makes the whole call raise that exception (the other results are
    discarded: a partial result is never returned). A worker that dies is the backend's
    business: Dask re-runs its tasks on another worker (``distributed.scheduler.allowed-
    failures`` times, then raises ``KilledWorker``), and since a task's result depends on
    its arguments only, the call then completes with the same answer; loky raises
    ``TerminatedWorkerError``. A backend that is not running raises :class:`BackendError`
    naming it.
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import sys
import threading
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import joblib
import numpy as np
from threadpoolctl import ThreadpoolController

from ._validation import OwnSeedSequence, check_seed, own_seed_sequence
from .exceptions import BackendError, InputError, InputTypeError

__all__ = [
    "BackendError",
    "backend_name",
    "block_seeds",
    "blocks",
    "check_n_jobs",
    "effective_n_jobs",
    "kernel_threads",
    "parallel_map",
    "pipeline_map",
    "seed_sequence",
    "thread_limits",
]

logger = logging.getLogger("filmreco")
R = TypeVar("R")


# -- n_jobs and the backend ------------------------------------------------------------
def check_n_jobs(n_jobs: Any) -> int | None:
    """Validate `n_jobs` and return it as an int (or ``None``).

    The library's one definition of ``n_jobs`` (the guide's :ref:`n_jobs` convention):
    ``None`` uses the ambient :func:`joblib.parallel_config` (one worker unless
    configured); ``1`` runs serially in this process; ``k > 1`` asks for `k` workers;
    ``-1`` for one per core and, as in joblib and scikit-learn, ``-2`` for all cores but
    one, ``-k`` for all but ``k - 1`` (at least one worker, so on a machine with fewer
    cores it runs serially). Backends that size themselves (Dask: every thread of the
    cluster) ignore the number.

    Parameters
    ----------
    n_jobs : int or None
        The value to check.

    Returns
    -------
    int or None
        `n_jobs` as a plain int, or ``None``.

    Raises
    ------
    InputError
        For ``0``, a bool, or anything that is not an int.

    Examples
    --------
    >>> check_n_jobs(None), check_n_jobs(4), check_n_jobs(-2)
    (None, 4, -2)
    """
    if n_jobs is None:
        return None
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise InputError(
            f"n_jobs must be None or an int, got {n_jobs!r} ({type(n_jobs).__name__}); use "
            "1 for serial, k > 1 for k workers, -1 for all cores."
        )
    n = int(n_jobs)
    if n == 0:
        raise InputError(
            "n_jobs=0 is not valid; use None for joblib's ambient setting, 1 for serial, "
            "k > 1 for k workers, -1 for all cores (-2 for all but one)."
        )
    return n


def backend_name() -> str:
    """Name of the active joblib backend (``"loky"``, ``"threading"``, ``"dask"``, ...).

    Examples
    --------
    >>> with joblib.parallel_config(backend="threading"):
    ...     backend_name()
    'threading'
    """
    backend, _ = joblib.parallel.get_active_backend()
    for name, cls in joblib.parallel.BACKENDS.items():
        if type(backend) is cls:
            return str(name)
    return type(backend).__name__


def _backend_error(exc: BaseException) -> BackendError:
    name = backend_name()
    hint = (
        "start a dask.distributed Client (Client(address) or Client(LocalCluster())) and keep "
        "it open while filmreco runs"
        if name == "dask"
        else "check that its workers are running, or leave joblib.parallel_config"
    )
    return BackendError(
        f"the joblib backend {name!r} is not running or cannot be reached "
        f"({type(exc).__name__}: {exc}); {hint}, or pass n_jobs=1 to run in this process."
    )


def effective_n_jobs(n_jobs: int | None) -> int:
    """Number of workers joblib would use for `n_jobs` under the ambient configuration.

    ``None`` resolves to the ambient :func:`joblib.parallel_config` (1 outside one).

    Parameters
    ----------
    n_jobs : int or None
        See :ref:`n_jobs`.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    InputError
        For an invalid `n_jobs` (see :func:`check_n_jobs`).
    BackendError
        If the configured backend is not running (e.g. its Dask client was closed).

    Examples
    --------
    >>> effective_n_jobs(1), effective_n_jobs(None)
    (1, 1)
    >>> with joblib.parallel_config(n_jobs=3):
    ...     effective_n_jobs(None)
    3
    """
    n = check_n_jobs(n_jobs)
    if n == 1:
        return 1
    try:
        return max(1, int(joblib.effective_n_jobs(n)))
    except Exception as exc:
        raise _backend_error(exc) from exc


# -- blocks of work and their seeds ----------------------------------------------------
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
    """Turn `random_state` into a :class:`numpy.random.SeedSequence` of filmreco's own.

    ``None`` draws fresh OS entropy; an int seeds it; a ``Generator`` contributes 128 bits
    drawn from itself (so the caller's generator advances, as with any use of it: two calls
    with the same generator give different, reproducible streams). A caller's
    ``SeedSequence`` is read, never changed: the result is a copy of its state (``entropy``,
    ``spawn_key``, ``pool_size`` and ``n_children_spawned``), so spawning from it leaves
    the caller's object as it was, and the same SeedSequence gives the same streams on
    every call (the children the caller's next ``ss.spawn()`` would give).

    Examples
    --------
    >>> ss = np.random.SeedSequence(7)
    >>> a = seed_sequence(ss).spawn(2)[1].generate_state(1)
    >>> b = seed_sequence(ss).spawn(2)[1].generate_state(1)
    >>> bool((a == b).all()), ss.n_children_spawned
    (True, 0)

    A sequence this function returned (an ``OwnSeedSequence``) comes back as is, so
    filmreco's internal steps that spawn from it in turn get distinct streams.
    """
    seed = check_seed(random_state)
    if isinstance(seed, np.random.SeedSequence):  # filmreco's own as is, a caller's copied
        return own_seed_sequence(seed)
    if isinstance(seed, np.random.Generator):
        return OwnSeedSequence([int(x) for x in seed.integers(0, 2**32, size=4, dtype=np.uint64)])
    return OwnSeedSequence(seed)


def block_seeds(random_state: Any, n_blocks: int) -> list[np.random.SeedSequence]:
    """One independent seed per block of work, fixed by `random_state` alone.

    `random_state` is read as :func:`seed_sequence` reads it: a SeedSequence is never
    changed and gives the same seeds every time; a Generator advances.

    Examples
    --------
    >>> a = [np.random.default_rng(s).integers(100) for s in block_seeds(0, 3)]
    >>> b = [np.random.default_rng(s).integers(100) for s in block_seeds(0, 3)]
    >>> a == b
    True
    """
    return seed_sequence(random_state).spawn(int(n_blocks))


# -- what travels to workers -----------------------------------------------------------
_ATOMS = (str, bytes, bytearray, int, float, complex, bool, type(None))
_OPAQUE = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
)


def deep_nbytes(obj: Any, *, limit: int = 100_000) -> int:
    """Estimate the memory held by `obj` and what it references (arrays counted in full).

    A walk over containers, ``__dict__`` and ``__slots__`` (at most `limit` objects;
    object arrays are sampled). It sizes what a backend would ship, without pickling.

    Examples
    --------
    >>> deep_nbytes({"a": np.zeros(1000)}) >= 8000
    True
    """
    seen: set[int] = set()
    stack = [obj]
    total = 0
    while stack and len(seen) < limit:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, np.ndarray):
            total += o.nbytes
            if o.dtype == object and o.size:
                sample = o.ravel()[:: max(1, o.size // 64)][:64]
                total += sum(sys.getsizeof(x) for x in sample) * o.size // sample.size
            continue
        total += sys.getsizeof(o)
        if isinstance(o, _ATOMS) or isinstance(o, _OPAQUE):
            continue
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset)):
            stack.extend(o)
        else:
            d = getattr(o, "__dict__", None)
            if isinstance(d, dict):
                stack.extend(d.values())
            for cls in type(o).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if slot not in ("__dict__", "__weakref__") and hasattr(o, slot):
                        stack.append(getattr(o, slot))
    return total


class _Shared:
    """The arguments every task of one call shares, sent once (see the module docstring).

    ``sys.getsizeof`` (hence ``dask.sizeof``) reports the size of what it holds, so Dask's
    joblib backend scatters it once instead of shipping it with every task.
    """

    __slots__ = ("__weakref__", "_nbytes", "objs")

    def __init__(self, objs: tuple[Any, ...]) -> None:
        self.objs = objs
        self._nbytes: int | None = None

    def __sizeof__(self) -> int:
        if self._nbytes is None:
            self._nbytes = deep_nbytes(self.objs)
        return object.__sizeof__(self) + self._nbytes

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Shared, (self.objs,))


# -- threads inside workers ------------------------------------------------------------
_CONTROLLERS: dict[tuple[int, int], ThreadpoolController] = {}


def _controller() -> ThreadpoolController:
    """This process's threadpoolctl controller (scanning the loaded libraries costs ~0.5 ms;
    limiting through a kept controller ~5 µs). Rebuilt when the process changes (a forked
    worker) or modules were imported since (one of them may have loaded another BLAS)."""
    key = (os.getpid(), len(sys.modules))
    ctl = _CONTROLLERS.get(key)
    if ctl is None:
        _CONTROLLERS.clear()
        ctl = _CONTROLLERS[key] = ThreadpoolController()
    return ctl


@contextmanager
def thread_limits(n_threads: int = 1) -> Iterator[int]:
    """Cap BLAS to one thread and numba's parallel kernels to `n_threads`; restore both after.

    The one place filmreco sets thread counts. BLAS (every library :mod:`threadpoolctl`
    finds: numpy's and scipy's OpenBLAS, MKL) runs on one thread: filmreco's parallelism
    is its own (joblib workers, numba ``prange``), and with the same BLAS thread count a
    product gives the same bits whatever the machine's load (see the module docstring).
    numba's setting is per thread and only applies when numba is already loaded.

    Parameters
    ----------
    n_threads : int, default=1
        Threads of numba's parallel kernels inside the block, clipped to
        ``[1, numba.config.NUMBA_NUM_THREADS]``. Pass ``kernel_threads(n_jobs)`` to let
        a user's `n_jobs` (see :ref:`n_jobs`) size a compiled kernel.

    Yields
    ------
    int
        The number of numba threads in force inside the block (1 without numba).

    Examples
    --------
    >>> with thread_limits(1) as n:
    ...     n
    1
    """
    with _controller().limit(limits=1, user_api="blas"):
        nb = sys.modules.get("numba")
        if nb is None:
            yield 1
            return
        want = max(1, min(int(n_threads), int(nb.config.NUMBA_NUM_THREADS)))
        before = nb.get_num_threads()
        nb.set_num_threads(want)
        try:
            yield want
        finally:
            nb.set_num_threads(before)


_IN_TASK = threading.local()


@contextmanager
def _task() -> Iterator[None]:
    """The context of one task: one BLAS and numba thread, and :func:`kernel_threads` 1."""
    depth = getattr(_IN_TASK, "depth", 0)
    _IN_TASK.depth = depth + 1
    try:
        with thread_limits(1):
            yield
    finally:
        _IN_TASK.depth = depth


def kernel_threads(n_jobs: int | None) -> int:
    """Threads for a compiled kernel that parallelises itself (numba ``prange``).

    ``effective_n_jobs(n_jobs)`` (see :ref:`n_jobs`: ``None`` is the ambient
    :func:`joblib.parallel_config`), except inside a task of :func:`parallel_map`, where
    the task's single thread stands: workers never start threads of their own. Use it as
    ``with thread_limits(kernel_threads(n_jobs)):`` around the kernel.

    Parameters
    ----------
    n_jobs : int or None
        See :ref:`n_jobs`.

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> kernel_threads(1)
    1
    >>> with joblib.parallel_config(n_jobs=2):
    ...     kernel_threads(None), parallel_map(kernel_threads, [(None,), (None,)], n_jobs=1)
    (2, [1, 1])
    """
    n = effective_n_jobs(n_jobs)
    return 1 if getattr(_IN_TASK, "depth", 0) else n


def _call(func: Callable[..., R], shared: _Shared | None, rest: tuple[Any, ...]) -> R:
    """Run one task in a worker: shared arguments first, cap threads, call."""
    args = rest if shared is None else (*shared.objs, *rest)
    with _task():
        return func(*args)


_BACKEND_FAILURES = ("distributed", "joblib.externals.loky", "concurrent.futures", "asyncio")


def parallel_map(
    func: Callable[..., R],
    tasks: Sequence[tuple[Any, ...]] | Iterable[tuple[Any, ...]],
    *,
    shared: Sequence[Any] = (),
    n_jobs: int | None = None,
    show_progress: bool = False,
    desc: str | None = None,
    prefer: str | None = None,
) -> list[R]:
    """Run ``func(*shared, *task)`` for every task, in parallel when asked, in task order.

    Parameters
    ----------
    func : callable
        A module-level function (so process-based backends can pickle it).
    tasks : iterable of tuples
        The positional arguments proper to each call (they follow the shared ones).
    shared : sequence, default=()
        The leading positional arguments common to every call (a model, a graph's
        arrays, a search index): sent to the workers once per call, not once per task.
    n_jobs : int or None, default=None
        Workers; see :ref:`n_jobs`. When the backend offers one worker (a one-thread Dask
        cluster too), the tasks run in this process, as :class:`joblib.Parallel` itself
        does.
    show_progress : bool, default=False
        Show a tqdm bar over tasks.
    desc : str, optional
        Label of the progress bar.
    prefer : {"processes", "threads"}, optional
        A soft hint passed to joblib (ignored when the backend is set explicitly).

    Returns
    -------
    list
        ``[func(*shared, *t) for t in tasks]``, whatever the backend; never a partial list.

    Raises
    ------
    InputError
        For an invalid `n_jobs`.
    BackendError
        If the configured backend is not running.
    Exception
        Whatever a task raised (the first failure; the other results are discarded).

    Examples
    --------
    >>> parallel_map(pow, [(2, 3), (3, 2)], n_jobs=1)
    [8, 9]
    >>> parallel_map(pow, [(3,), (4,)], shared=(2,), n_jobs=1)
    [8, 16]
    >>> with joblib.parallel_config(backend="threading", n_jobs=2):
    ...     parallel_map(pow, [(2, 3), (3, 2), (4, 2)])
    [8, 9, 16]
    """
    n = check_n_jobs(n_jobs)
    tasks = [tuple(t) for t in tasks]
    if isinstance(shared, (str, bytes)) or not isinstance(shared, Sequence):
        raise InputTypeError(
            f"shared must be a tuple of the arguments every task shares, "
            f"got {type(shared).__name__}; wrap a single object as shared=(obj,)."
        )
    lead = tuple(shared)
    bar = None
    if show_progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), desc=desc, leave=False)
    try:
        workers = effective_n_jobs(n) if len(tasks) > 1 else 1
        if workers == 1:
            out = []
            for t in tasks:
                with _task():  # the arithmetic of a worker (see the module docstring)
                    out.append(func(*lead, *t))
                if bar is not None:
                    bar.update(1)
            return out
        bundle = _Shared(lead) if lead else None
        logger.debug(
            "parallel_map: %d tasks of %s on %d %s workers, %d shared argument(s)",
            len(tasks),
            getattr(func, "__name__", func),
            workers,
            backend_name(),
            len(lead),
        )
        par = joblib.Parallel(n_jobs=n, prefer=prefer, return_as="generator")
        out = []
        try:
            # threads of the threading backend share this process's BLAS pool
            with thread_limits(1):
                for r in par(joblib.delayed(_call)(func, bundle, t) for t in tasks):
                    out.append(r)
                    if bar is not None:
                        bar.update(1)
        except Exception as exc:
            if type(exc).__module__.startswith(_BACKEND_FAILURES):
                exc.add_note(
                    f"filmreco: the joblib backend {backend_name()!r} failed while running "
                    f"{len(tasks)} tasks of {getattr(func, '__name__', func)!r}; no partial "
                    "result was returned. The call can be repeated: its result does not "
                    "depend on the backend."
                )
            raise
        return out
    finally:
        if bar is not None:
            bar.close()


def pipeline_map(
    prepare: Callable[..., Any],
    compute: Callable[..., Any],
    finish: Callable[..., R],
    tasks: Sequence[Any],
    *,
    shared: Sequence[Any] = (),
    n_jobs: int | None = None,
) -> list[R]:
    """``[finish(*shared, p, compute(*shared, p)) for p in (prepare(*shared, t) for t in tasks)]``,
    the middle step in threads while the calling thread prepares and finishes.

    For work in three steps of which only the middle one runs without the GIL: batch search
    analyses a block of queries in Python, scores it in a compiled kernel that releases the
    GIL, then builds the hits in Python. Through :func:`parallel_map` with threads, each
    worker would run whole tasks; as they start together and the tasks are alike, the
    workers then want the GIL at the same moments, so they analyse in turn (one core idle)
    and score together, which caps two workers well below twice one. Here the calling
    thread prepares the tasks one after the other (and finishes, in order, those already
    computed), while ``workers - 1`` threads compute the prepared ones; once every task is
    prepared, the calling thread computes those no thread has started yet (the last
    first), then finishes the rest. With a GIL-bound share below one half, the GIL-free
    steps of the workers cover the calling thread's Python.

    Parameters
    ----------
    prepare, compute, finish : callable
        The three steps: ``prepare(*shared, task)``, ``compute(*shared, prepared)`` (run in
        a worker thread, so it should release the GIL to gain anything),
        ``finish(*shared, prepared, computed)``. Module-level functions, so that a
        process-based backend can pickle them.
    tasks : sequence
        One argument per task.
    shared : sequence, default=()
        Leading arguments of every step, as in :func:`parallel_map`.
    n_jobs : int or None, default=None
        Workers; see :ref:`n_jobs`. The result does not depend on it.

    Returns
    -------
    list
        One ``finish`` result per task, in task order.

    Notes
    -----
    Threads are used when joblib would run ``prefer="threads"`` work in threads (its
    default backend, or ``"threading"`` configured). Under another configured backend
    (Dask, loky, ...) the three steps of each task run as one task of
    :func:`parallel_map`, so the work goes where the backend sends it. Each step runs
    with the thread caps of a task (:func:`thread_limits`), serial or not.

    Examples
    --------
    >>> def prep(k, t):
    ...     return t * k
    >>> def square(k, p):
    ...     return p * p
    >>> def fin(k, p, c):
    ...     return (p, c)
    >>> pipeline_map(prep, square, fin, [1, 2, 3], shared=(10,), n_jobs=2)
    [(10, 100), (20, 400), (30, 900)]
    """
    n = check_n_jobs(n_jobs)
    tasks = list(tasks)
    if isinstance(shared, (str, bytes)) or not isinstance(shared, Sequence):
        raise InputTypeError(
            f"shared must be a tuple of the arguments every task shares, "
            f"got {type(shared).__name__}; wrap a single object as shared=(obj,)."
        )
    lead = tuple(shared)
    workers = effective_n_jobs(n) if len(tasks) > 1 else 1
    if workers == 1:
        out = []
        for t in tasks:
            with _task():
                out.append(_three_steps(prepare, compute, finish, *lead, t))
        return out
    backend, _ = joblib.parallel.get_active_backend(prefer="threads")
    if not isinstance(backend, joblib.parallel.ThreadingBackend):
        return parallel_map(
            _three_steps, [(t,) for t in tasks], shared=(prepare, compute, finish, *lead), n_jobs=n
        )
    logger.debug(
        "pipeline_map: %d tasks of %s on the calling thread and %d more",
        len(tasks),
        getattr(compute, "__name__", compute),
        workers - 1,
    )
    out = []
    prepared: list[Any] = []
    futures: list[Future[Any]] = []
    head = 0  # tasks finished so far (in order)

    def finish_ready(wait: bool) -> None:
        nonlocal head
        while head < len(futures) and (wait or futures[head].done()):
            got = futures[head].result()
            out.append(finish(*lead, prepared[head], got))
            prepared[head] = futures[head] = None  # type: ignore[call-overload]
            head += 1

    with _task(), ThreadPoolExecutor(workers - 1, thread_name_prefix="filmreco") as pool:
        try:
            for t in tasks:
                p = prepare(*lead, t)
                prepared.append(p)
                futures.append(pool.submit(_compute_task, compute, lead, p))
                finish_ready(False)
            # every task prepared: compute here those no thread has started, the last first
            i = len(futures) - 1
            while i >= head:
                if futures[i].cancel():
                    here: Future[Any] = Future()
                    here.set_result(compute(*lead, prepared[i]))
                    futures[i] = here
                i -= 1
                finish_ready(False)
            finish_ready(True)
        except BaseException:
            for f in futures[head:]:
                if f is not None:
                    f.cancel()
            raise
    return out


def _three_steps(
    prepare: Callable[..., Any], compute: Callable[..., Any], finish: Callable[..., R], *args: Any
) -> R:
    """The three steps of one task of :func:`pipeline_map` (``args``: the shared, the task)."""
    lead, task = args[:-1], args[-1]
    p = prepare(*lead, task)
    return finish(*lead, p, compute(*lead, p))


def _compute_task(compute: Callable[..., Any], lead: tuple[Any, ...], prepared: Any) -> Any:
    """The middle step of :func:`pipeline_map` in a worker thread, with a task's thread caps."""
    with _task():
        return compute(*lead, prepared)


def n_chunks_for(n_items: int, n_jobs: int | None, *, min_chunk: int, max_chunk: int) -> int:
    """A chunk size: about 4 tasks per worker, within [min_chunk, max_chunk]."""
    workers = effective_n_jobs(n_jobs)
    size = math.ceil(n_items / max(1, 4 * workers)) if workers > 1 else max_chunk
    return int(min(max(size, min_chunk), max_chunk))


# -- progress ------------------------------------------------------------------------------
class _NoBar:
    """Stands in for a tqdm bar when progress is not shown."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def progress_bar(total: int, desc: str, show_progress: Any) -> Any:
    """A tqdm bar of `total` steps when `show_progress` is True, else a do-nothing bar.

    `show_progress` is checked to be a bool (the caller's argument name is
    ``show_progress``). Use it as a context manager; ``update()`` after each step.

    Examples
    --------
    >>> with progress_bar(3, "fit", False) as bar:
    ...     bar.update()
    """
    from ._validation import check_bool

    if not check_bool(show_progress, "show_progress"):
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False)
