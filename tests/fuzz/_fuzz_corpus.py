"""The corpus of bad values, and the oracle that judges what an entry point did with one.

Values are named by a short key, so a case travels to the worker as ``(entry, argument,
key)`` and a finding replays from its name. :func:`bad_values` gives the generic values
(the same for every argument) plus values derived from the argument's valid base value:
ids that are unknown, ``-1`` or ``""``, duplicated; arrays of the wrong dtype or shape or
holding NaN; malformed sparse matrices; edited, truncated or foreign files; unfitted
models.
"""

from __future__ import annotations

import copy
import math
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp


class Opaque:
    """An object of a type no entry point expects."""

    def __repr__(self) -> str:
        return "Opaque()"


def _nested() -> Any:
    return [[1, 2], [3]]


#: Bad values tried on every argument, by key.
GENERIC: dict[str, Callable[[], Any]] = {
    "None": lambda: None,
    "nan": lambda: math.nan,
    "inf": lambda: math.inf,
    "-inf": lambda: -math.inf,
    "-1": lambda: -1,
    "0": lambda: 0,
    "2**63": lambda: 2**63,
    "-2**63-1": lambda: -(2**63) - 1,
    "1.5": lambda: 1.5,
    "-0.5": lambda: -0.5,
    "1e308": lambda: 1e308,
    "True": lambda: True,
    "False": lambda: False,
    "complex": lambda: 1 + 2j,
    "''": lambda: "",
    "'x'": lambda: "x",
    "bytes": lambda: b"\xff\x00",
    "[]": lambda: [],
    "[[1,2],[3]]": _nested,
    "{}": lambda: {},
    "{'a':1}": lambda: {"a": 1},
    "object()": Opaque,
    "callable": lambda: lambda *a, **k: None,
    "array[]": lambda: np.array([]),
    "array0d": lambda: np.array(1.5),
    "array[nan]": lambda: np.array([np.nan, 1.0]),
    "array[object]": lambda: np.array(["a", None, 1], dtype=object),
    "array[str]": lambda: np.array(["a", "b"]),
    "array[bool]": lambda: np.array([True, False]),
    "array2d": lambda: np.ones((2, 3)),
    "array[complex]": lambda: np.array([1j, 2]),
    "np.float64(nan)": lambda: np.float64("nan"),
    "np.int8(-1)": lambda: np.int8(-1),
    "set": lambda: {1, 2},
    "generator": lambda: (i for i in range(3)),
    "text4k": lambda: "星" * 4096,
    "csr_empty": lambda: sp.csr_array((0, 0), dtype=np.float32),
}


def _is_idlike(v: Any) -> bool:
    a = np.asarray(v) if isinstance(v, list | tuple | np.ndarray) else None
    return a is not None and a.ndim == 1 and a.dtype.kind in "iuU" and a.size > 0


def _unknown_like(a: np.ndarray) -> Any:
    if a.dtype.kind == "U":
        return "zz-unknown"
    return int(a.max()) + 10**6


def _array_values(base: Any) -> dict[str, Callable[[], Any]]:
    a = np.asarray(base)
    out: dict[str, Callable[[], Any]] = {
        "as-list": lambda: a.tolist(),
        "2d": lambda: np.stack([a, a]),
        "empty-same-dtype": lambda: a[:0],
        "object-dtype": lambda: a.astype(object),
        "reversed-view": lambda: a[::-1],
        "one-element-0d": lambda: a.reshape(-1)[0] if a.size else a,
    }
    if a.dtype.kind in "iuU" and a.ndim == 1:
        out["duplicates"] = lambda: np.concatenate([a, a])
        out["unknown-id"] = lambda: np.concatenate([a[:1].astype(object), [_unknown_like(a)]])
        out["id-minus-1"] = lambda: np.concatenate([a[:1].astype(object), [-1]])
        out["id-empty-str"] = lambda: np.concatenate([a[:1].astype(object), [""]])
        out["mixed-int-str"] = lambda: np.array([a.reshape(-1)[0], 7], dtype=object)
        out["float-ids"] = lambda: np.arange(a.size, dtype=np.float64) + 0.5
        out["all-unknown"] = lambda: np.array([_unknown_like(a)] * 2)
    if a.dtype.kind in "iuf":
        out["with-nan"] = lambda: np.where(np.arange(a.size).reshape(a.shape) == 0, np.nan, a)
        out["with-inf"] = lambda: np.where(np.arange(a.size).reshape(a.shape) == 0, np.inf, a)
        out["negative"] = lambda: -np.abs(a) - 1
        out["int64-max"] = lambda: np.full(a.shape, np.iinfo(np.int64).max)
        out["float16"] = lambda: a.astype(np.float16)
        out["as-str"] = lambda: a.astype(str)
    if a.ndim == 2:
        out["transposed"] = lambda: a.T.copy()
        out["one-column"] = lambda: a[:, :1]
        out["fortran"] = lambda: np.asfortranarray(a)
    return out


def _malformed(X: Any, kind: str) -> Any:
    X = sp.csr_matrix(X, copy=True)
    nnz = X.indptr[-1]
    if kind == "index-high":
        X.indices[nnz // 2] = X.shape[1] + 5
    elif kind == "index-negative":
        X.indices[0] = -3
    elif kind == "indptr-falls":
        X.indptr[1 + X.shape[0] // 2] = nnz + 7
    elif kind == "indptr-short":
        X.indptr = X.indptr[:-3]
    elif kind == "float-indices":
        X.indices = X.indices.astype(np.float64)
    return X


def _sparse_values(base: Any) -> dict[str, Callable[[], Any]]:
    X = sp.csr_array(base)

    def with_data(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[], Any]:
        def make() -> Any:
            Y = X.astype(np.float64)
            Y.data = fn(Y.data.copy())
            return Y

        return make

    out: dict[str, Callable[[], Any]] = {
        f"csr-{k}": (lambda k=k: _malformed(X, k))
        for k in ("index-high", "index-negative", "indptr-falls", "indptr-short", "float-indices")
    }
    out.update(
        {
            "csr-nan": with_data(lambda d: np.where(np.arange(d.size) == 0, np.nan, d)),
            "csr-inf": with_data(lambda d: np.where(np.arange(d.size) == 0, np.inf, d)),
            "csr-negative": with_data(lambda d: -d - 1),
            "csr-huge": with_data(lambda d: d * 1e38),
            "csr-extra-column": lambda: sp.hstack([X, sp.csr_array((X.shape[0], 1))]).tocsr(),
            "csr-extra-row": lambda: sp.vstack([X, sp.csr_array((1, X.shape[1]))]).tocsr(),
            "csr-transposed": lambda: X.T.tocsr(),
            "csr-all-zero": lambda: sp.csr_array(X.shape, dtype=np.float32),
            "csr-explicit-zeros": with_data(lambda d: d * 0),
            "csr-int": lambda: X.astype(np.int64),
            "csr-bool": lambda: X.astype(bool),
            "csr-complex": lambda: X.astype(np.complex128),
            "coo": lambda: X.tocoo(),
            "dense": lambda: X.toarray(),
            "dense-matrix": lambda: np.asmatrix(X.toarray()),
            "csr-unsorted": lambda: _unsorted(X),
            "csr-duplicates": lambda: _duplicated(X),
        }
    )
    return out


def _unsorted(X: Any) -> Any:
    Y = sp.csr_array(X, copy=True)
    for r in range(Y.shape[0]):
        lo, hi = Y.indptr[r], Y.indptr[r + 1]
        Y.indices[lo:hi] = Y.indices[lo:hi][::-1]
        Y.data[lo:hi] = Y.data[lo:hi][::-1]
    Y.has_sorted_indices = False
    return Y


def _duplicated(X: Any) -> Any:
    C = sp.coo_array(X)
    r = np.concatenate([C.row, C.row[:2]])
    c = np.concatenate([C.col, C.col[:2]])
    d = np.concatenate([C.data, C.data[:2]])
    return sp.csr_array(
        (d, c, np.searchsorted(np.sort(r), np.arange(X.shape[0] + 1))), shape=X.shape
    )


def _file_values(base: Path, w: Any) -> dict[str, Callable[[], Any]]:
    def write(name: str, data: bytes) -> Path:
        p = w.path(base.suffix or ".npz")
        p.write_bytes(data)
        return p

    raw = base.read_bytes() if base.is_file() else b""
    flip = bytearray(raw)
    if flip:
        flip[len(flip) // 2] ^= 0xFF
    out: dict[str, Callable[[], Any]] = {
        "file-missing": lambda: w.tmp / "does-not-exist.npz",
        "file-directory": lambda: w.tmp,
        "file-empty": lambda: write("empty", b""),
        "file-garbage": lambda: write("garbage", bytes(range(256)) * 8),
        "file-truncated": lambda: write("trunc", raw[: len(raw) // 2]),
        "file-byte-flipped": lambda: write("flip", bytes(flip)),
        "file-as-str": lambda: str(base),
        "file-as-bytes": lambda: os.fsencode(base),
        "file-symlink-loop": lambda: _loop(w),
    }
    if base.suffix == ".npz":
        out["file-other-kind"] = lambda: _other_kind(w, base)
        out["file-text"] = lambda: write("text", b"user,item\n1,2\n")
    else:
        out["file-binary"] = lambda: write("bin", b"\x00\xff\xfe" * 50)
        out["file-ragged"] = lambda: write("rag", b"a,b,c\n1\n2,3,4,5,6\n")
        out["file-bad-utf8"] = lambda: write("utf", raw + b"\xff\xfe\xc3\x28\n")
        out["file-crlf-bom"] = lambda: write("bom", b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"))
    return out


def _loop(w: Any) -> Path:
    p = w.tmp / "loop.npz"
    if not p.is_symlink():
        if p.exists():  # a writer replaced the loop by its file (os.replace): loop again
            p.unlink()
        p.symlink_to(p)
    return p


def _other_kind(w: Any, base: Path) -> Path:
    others = sorted(w.tmp.glob("saved-*.npz"))
    for o in others:
        if o != base:
            return o
    return base


def _save_path_values(w: Any) -> dict[str, Callable[[], Any]]:
    def in_missing_dir() -> Path:
        return w.tmp / "no" / "such" / "dir" / "f.npz"

    def existing_dir() -> Path:
        d = w.path("")
        d.mkdir(exist_ok=True)
        return d

    return {
        "save-missing-dir": in_missing_dir,
        "save-into-directory": existing_dir,
        "save-nul-in-name": lambda: str(w.tmp / "a\x00b.npz"),
    }


def bad_values(entry: str, arg: str, base: Any, w: Any) -> dict[str, Callable[[], Any]]:
    """Every bad value to try for `arg` of `entry`, whose valid value is `base`."""
    out = dict(GENERIC)
    from filmreco.data import Interactions
    from filmreco.recommend import Recommender

    if isinstance(base, Path):
        if entry.endswith(".save"):
            out.update(_save_path_values(w))
        else:
            out.update(_file_values(base, w))
    elif sp.issparse(base):
        out.update(_sparse_values(base))
    elif isinstance(base, Interactions):
        out.update(_interactions_values(base, w))
    elif isinstance(base, Recommender):
        out.update(_model_values(base))
    elif isinstance(base, np.ndarray | list | tuple) and np.asarray(base, dtype=object).size:
        try:
            arr = np.asarray(base)
        except ValueError:
            arr = None
        if arr is not None and arr.dtype.kind in "iufU":
            out.update(_array_values(arr))
    elif isinstance(base, str | np.str_):
        out.update(_string_values(str(base)))
    elif isinstance(base, bool):
        pass
    elif isinstance(base, int | np.integer):
        out.update(
            {"np.uint64-max": lambda: np.uint64(2**64 - 1), "np.int64(3)": lambda: np.int64(3)}
        )
    elif isinstance(base, float | np.floating):
        out.update(
            {"tiny": lambda: 1e-300, "huge": lambda: 1e300, "np.float32": lambda: np.float32(0.5)}
        )
    elif isinstance(base, dict):
        out.update(
            {
                "dict-unknown-key": lambda: {"zz-nope": [1]},
                "dict-bad-value": lambda: {k: Opaque() for k in base},
            }
        )
    return out


def _string_values(s: str) -> dict[str, Callable[[], Any]]:
    return {
        "str-nul": lambda: s + "\x00",
        "str-emoji": lambda: "🎬" * 8,
        "str-spaces": lambda: "   ",
        "str-unknown": lambda: "zz-nope",
        "str-as-bytes": lambda: s.encode(),
        "str-as-list": lambda: [s],
        "str-surrogate": lambda: "\ud800",
        "np.str_": lambda: np.str_(s),
    }


def _interactions_values(base: Any, w: Any) -> dict[str, Callable[[], Any]]:
    return {
        "inter-partner": lambda: w.partner,
        "inter-empty-users": lambda: base.take_users(np.array([], dtype=np.int64)),
        "inter-empty-items": lambda: base.take_items(np.array([], dtype=np.int64)),
        "inter-one-user": lambda: base.take_users(np.array([0])),
        "inter-matrix-only": lambda: base.matrix.copy(),
        "inter-catalog": lambda: w.catalog,
        "inter-tuple": lambda: base.to_arrays(),
    }


def _model_values(base: Any) -> dict[str, Callable[[], Any]]:
    from sklearn.base import clone

    return {
        "model-unfitted": lambda: clone(base),
        "model-class": lambda: type(base),
        "model-copy": lambda: copy.deepcopy(base),
    }


def cleanup(w: Any) -> None:
    """Remove the worker's files (called when a worker exits)."""
    shutil.rmtree(w.tmp, ignore_errors=True)
