"""The fuzz worker: a child process that runs cases one at a time, and its parent-side handle.

The parent sends a case (entry point, argument, value key, and for hypothesis cases the
value itself) through a pipe *before* the child runs it, so a crash or a hang is charged
to that case; the child answers with the outcome. A segfault (the pipe closes) or a case
that runs past its timeout kills the child, and the next case starts a fresh one. The
child caps its address space (``resource.setrlimit``) so a memory blowup ends in
``MemoryError`` (reported as a finding) instead of taking the machine down.

Outcomes: ``error`` (a clear error: filmreco's own, including ``InputTypeError`` for an
argument of the wrong type, scikit-learn's ``NotFittedError``, or an ``OSError`` for a path),
``valid`` (a result that passed the invariant
checks), and the findings ``crash``, ``hang``, ``wrong-exception``, ``silent`` (a result
that broke an invariant) and ``no-case`` (the suite could not build the valid arguments).
"""

from __future__ import annotations

import inspect
import multiprocessing as mp
import os
import re
import resource
import traceback
import warnings
from typing import Any

import numpy as np

CLEAR = "error"
VALID = "valid"
FINDINGS = ("crash", "hang", "wrong-exception", "silent", "no-case")

#: Methods whose result is ``(ids, scores)`` rows padded with ``-1``/``""`` and ``-inf``.
RANKED = {"recommend": "item", "similar_items": "item", "recommend_users": "user"}


# -- child side -----------------------------------------------------------------------------


#: What ``open()`` raises for a path that is missing, a folder, unreadable or too long
#: (``OSError`` and its subclasses): the errors every Python user expects from a path.
_PATH_ERRORS = (OSError,)
_PATH_ARGS = frozenset({"root", "folder", "directory", "out", "dest", "filename", "file", "source"})


#: numpy's reprs of scalars (``np.float32(-1.0)``, ``np.int64(6119)``): never in a message.
_NUMPY_REPR = re.compile(r"\bnp\.(?:float|int|uint|str_|bool|bytes_|complex)\w*\(")
#: Advice naming an argument: "pass X=", "use X=", "or X=" (issue 14).
_ADVICE = re.compile(r"\b(?:pass|use|or)\s+([a-z_][a-z0-9_]*)=(?!=)")


def _accepted(fn: Any, after: Any) -> set[str]:
    """Argument names the call accepts (with the constructor's, for a fit after it)."""
    import inspect

    names: set[str] = set()
    for f in (fn, getattr(fn, "__self__", None) and type(fn.__self__)):
        if f:
            try:
                names |= set(inspect.signature(f).parameters)
            except (TypeError, ValueError):
                pass
    if after is not None or isinstance(fn, type):
        fit = getattr(fn, "fit", None)
        if fit is not None:
            names |= set(inspect.signature(fit).parameters)
    return names


def _message_finding(exc: BaseException, fn: Any, after: Any) -> str | None:
    """A numpy repr in the message, or advice naming an argument the call does not take."""
    text = str(exc)
    if _NUMPY_REPR.search(text):
        return "numpy-repr"
    wanted = {m.group(1) for m in _ADVICE.finditer(text)}
    if wanted and "**" not in text and not wanted <= _accepted(fn, after):
        return "bad-advice"
    return None


def _is_clear(exc: BaseException, arg: str) -> bool:
    from sklearn.exceptions import NotFittedError

    from filmreco.exceptions import FilmrecoError

    if isinstance(exc, (FilmrecoError, NotFittedError)):
        return True
    if isinstance(exc, _PATH_ERRORS):  # only for an argument that names a file or folder
        return "path" in arg or arg in _PATH_ARGS
    # a method called on something that is not its class: Python's own TypeError
    return type(exc) is TypeError and arg == "self"


def _nan_in(x: Any) -> bool:
    a = np.asarray(x) if isinstance(x, np.ndarray | float | np.floating) else None
    return a is not None and a.dtype.kind in "fc" and bool(np.isnan(a).any())


def _walk(x: Any) -> str | None:
    """Where a result holds NaN: the value itself, a tuple of arrays, or a fitted ``*_``.

    NaN inside tables and summaries (dicts, dataclasses) is how filmreco documents "no
    data for this group" (an empty cold-start group, a suppressed count), so only results
    that are numbers or arrays, and fitted attributes, are checked.
    """
    if _nan_in(x):
        return "NaN in the result"
    if isinstance(x, tuple) and not hasattr(x, "_fields"):
        for i, v in enumerate(x):
            if _nan_in(v):
                return f"NaN in result[{i}]"
    if hasattr(x, "get_params") and hasattr(x, "__dict__"):
        for k, v in vars(x).items():
            if k.endswith("_") and not k.startswith("_") and _nan_in(v):
                return f"NaN in fitted attribute {k}"
    return None


def _check_ranked(result: Any, receiver: Any, side: str) -> str | None:
    ids, scores = result
    ids, scores = np.asarray(ids), np.asarray(scores)
    if ids.shape != scores.shape or ids.ndim != 2:
        return f"ids shape {ids.shape} != scores shape {scores.shape} (or not 2-D)"
    if scores.dtype.kind != "f":
        return f"scores dtype {scores.dtype}"
    if np.isnan(scores).any() or np.isposinf(scores).any():
        return "NaN or +inf score"
    pad = np.isneginf(scores)
    pad_id = "" if ids.dtype.kind == "U" else -1
    if ids.size and not np.all(ids[pad] == pad_id):
        return "a -inf score next to a real id"
    known = getattr(receiver, f"{side}_ids_", None)
    real = ids[~pad]
    if real.size and np.any(real == pad_id):
        return "a padding id next to a finite score"
    if known is not None and real.size and not np.all(known.contains(real)):
        return f"{side} ids outside the model's {side}_ids_"
    return None


#: Entry points documented to return NaN for a query without relevant items
#: (``filmreco.metrics``' module docstring), or, for ``novelty``, for a row with no item
#: in its first `k` slots (its docstring; the random hypothesis profile drew an empty
#: ``(1, 0)`` ranking).
NAN_FOR_NO_DATA = frozenset(
    f"filmreco.metrics.{m}"
    for m in (
        "average_precision_at_k",
        "hit_rate_at_k",
        "ndcg_at_k",
        "novelty",
        "precision_at_k",
        "recall_at_k",
        "reciprocal_rank",
        "ranking_metrics",
    )
)


def check_result(entry: str, result: Any, receiver: Any) -> str | None:
    """The invariant a valid-looking result breaks, or ``None``."""
    if entry in NAN_FOR_NO_DATA:
        return None
    meth = entry.rsplit(".", 1)[-1]
    if meth in RANKED and isinstance(result, tuple) and len(result) == 2:
        bad = _check_ranked(result, receiver, RANKED[meth])
        if bad:
            return bad
    if meth in ("search", "search_many"):
        hits = result if isinstance(result, list) else [result]
        for h in hits:
            if len(h.ids) != len(h.scores) or not np.isfinite(h.scores).all():
                return "search hits: ids/scores mismatch or a non-finite score"
    return _walk(result)


def _build(w: Any, entry: str) -> tuple[Any, dict[str, Any], Any, Any]:
    """``(callable, kwargs, receiver, after)`` of the valid call of `entry`."""
    import _fuzz_world as fw

    entries = fw.ENTRIES_BY_NAME()
    obj = entries[entry]
    if entry in fw.FUNCTIONS:
        return obj, fw.FUNCTIONS[entry](w), None, None
    if isinstance(obj, type):
        after = fw.FIT_AFTER_INIT.get(entry)
        return obj, fw.CONSTRUCTORS[entry](w), None, after
    cls_name, meth = entry.rsplit(".", 1)
    builder = fw.method_builder(entry)
    assert builder is not None, entry
    # a method may need a receiver of its own (e.g. data with ratings)
    receiver = fw.RECEIVERS.get(entry, fw.RECEIVERS[cls_name])(w)
    kwargs = builder(w)
    if receiver is None:
        return obj, kwargs, None, None
    return getattr(receiver, meth), kwargs, receiver, None


def _self_values(receiver: Any) -> dict[str, Any]:
    from sklearn.base import clone

    if receiver is not None and callable(getattr(receiver, "fit", None)):
        return {"self-unfitted": lambda: clone(receiver)}
    return {}


def run_case(w: Any, case: dict[str, Any]) -> dict[str, Any]:
    """Run one case in this process and judge it."""
    import _fuzz_corpus as fc

    entry, arg, key = case["entry"], case["arg"], case["key"]
    try:
        fn, kwargs, receiver, after = _build(w, entry)
        if arg == "self":
            values = _self_values(receiver)
        else:
            base = kwargs.get(arg, _default(fn, arg))
            values = fc.bad_values(entry, arg, base, w)
        if "value" in case:
            value = case["value"]
        elif key in values:
            value = values[key]()
        else:
            return {"outcome": "skip", "detail": "no such value for this argument"}
        if arg == "self":
            fn = getattr(value, entry.rsplit(".", 1)[1])
            receiver = value
        else:
            kwargs[arg] = value
    except Exception:
        return {"outcome": "no-case", "detail": traceback.format_exc(limit=3)[-600:]}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(**kwargs)
            if after is not None:
                receiver = result
                result = result.fit(**after(w))
    except BaseException as exc:
        detail = f"{type(exc).__name__}: {str(exc)[:300]}"
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        if _is_clear(exc, arg):
            finding = _message_finding(exc, fn, after)
            if finding is not None:
                return {"outcome": finding, "detail": str(exc)[:400], "where": _where(exc)}
            return {"outcome": CLEAR, "detail": detail}
        return {"outcome": "wrong-exception", "detail": detail, "where": _where(exc)}
    bad = check_result(entry, result, receiver)
    if bad:
        return {"outcome": "silent", "detail": bad}
    return {"outcome": VALID, "detail": ""}


def plan_entry(w: Any, entry: str) -> dict[str, Any]:
    """The arguments of `entry` and the keys of the bad values for each."""
    import _fuzz_corpus as fc
    import _fuzz_world as fw

    try:
        fn, kwargs, receiver, _after = _build(w, entry)
        plan: dict[str, list[str]] = {}
        for arg in fw.parameters(entry, fw.ENTRIES_BY_NAME()[entry]):
            if arg == "self":
                plan[arg] = list(_self_values(receiver))
                continue
            base = kwargs.get(arg, _default(fn, arg))
            plan[arg] = list(fc.bad_values(entry, arg, base, w))
    except Exception:
        return {"outcome": "no-case", "detail": traceback.format_exc(limit=3)[-600:]}
    return {"outcome": "plan", "plan": plan}


def _where(exc: BaseException) -> str:
    """The deepest filmreco frame of a traceback, as ``"sub/module.py:line"``."""
    where = "?"
    for frame in traceback.extract_tb(exc.__traceback__):
        name = frame.filename.replace(os.sep, "/")
        if "/filmreco/" in name:
            where = f"{name.rsplit('/filmreco/', 1)[1]}:{frame.lineno}"
    return where


def _default(fn: Any, arg: str) -> Any:
    try:
        p = inspect.signature(fn).parameters.get(arg)
    except (TypeError, ValueError):
        return None
    if p is None or p.default is inspect.Parameter.empty:
        return None
    return p.default


def worker_main(conn: Any, tmp: str, mem_mb: int, sys_path: list[str]) -> None:
    """The child's loop: build the world, then answer cases until told to stop."""
    import sys

    sys.path[:0] = [p for p in sys_path if p not in sys.path]
    if mem_mb:
        limit = mem_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import _fuzz_corpus as fc
    import _fuzz_world as fw

    warnings.simplefilter("ignore")
    w = fw.World(tmp)
    os.chdir(w.tmp)  # a relative path in a case (save("x")) lands in the worker's folder
    fw.warm_kernels(w)  # compile time is not the cases' (the start-up wait allows 300 s)
    conn.send({"ready": True})
    try:
        while True:
            case = conn.recv()
            if case is None:
                break
            try:
                answer = plan_entry(w, case["plan"]) if "plan" in case else run_case(w, case)
            except Exception:  # a bug of the suite itself: report it, keep the worker
                answer = {"outcome": "no-case", "detail": traceback.format_exc(limit=4)[-800:]}
            conn.send(answer)
    finally:
        fc.cleanup(w)


# -- parent side ----------------------------------------------------------------------------


class Worker:
    """A handle on one worker process: ``run(case)`` returns the case's outcome."""

    def __init__(self, tmp: str, *, timeout: float = 30.0, mem_mb: int = 3072) -> None:
        self.tmp = tmp
        self.timeout = timeout
        self.mem_mb = mem_mb
        self.proc: Any = None
        self.conn: Any = None
        self.n_started = 0
        self.exitcode: int | None = None

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        here = os.path.dirname(os.path.abspath(__file__))
        self.n_started += 1
        tmp = os.path.join(self.tmp, f"w{self.n_started}")
        self.proc = ctx.Process(
            target=worker_main,
            args=(child, tmp, self.mem_mb, [here]),
            daemon=True,
        )
        env_before = {k: os.environ.get(k) for k in _CHILD_ENV}
        os.environ.update(_CHILD_ENV)
        try:
            self.proc.start()
        finally:
            for k, v in env_before.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        child.close()
        self.conn = parent
        if not parent.poll(300) or not parent.recv().get("ready"):
            raise RuntimeError("the fuzz worker did not start")

    def run(self, case: dict[str, Any]) -> dict[str, Any]:
        """Send `case` to the worker and wait for its outcome (a crash or hang restarts it)."""
        if self.proc is None or not self.proc.is_alive():
            self._start()
        try:
            self.conn.send(case)
            if self.conn.poll(self.timeout):
                return dict(self.conn.recv())
        except (EOFError, OSError, BrokenPipeError):
            pass
        alive = self.proc.is_alive()
        self._kill()
        if alive:
            return {"outcome": "hang", "detail": f"no answer within {self.timeout:g} s"}
        return {"outcome": "crash", "detail": f"worker died, exit code {self.exitcode}"}

    def _kill(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            self.proc.kill()
        if self.proc is not None:
            self.proc.join(10)
            self.exitcode = self.proc.exitcode
        if self.conn is not None:
            self.conn.close()
        self.proc = None

    def close(self) -> None:
        """Stop the worker."""
        if self.proc is not None and self.proc.is_alive():
            try:
                self.conn.send(None)
                self.proc.join(10)
            except (OSError, BrokenPipeError):
                pass
        self._kill()


#: The child's environment: one BLAS thread, few malloc arenas (keeps RLIMIT_AS meaningful).
_CHILD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
}
