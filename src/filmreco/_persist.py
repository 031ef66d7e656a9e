"""The one place where filmreco writes and reads its files.

A saved object is a single ``.npz`` archive (numpy arrays only, read with
``allow_pickle=False``) holding its arrays plus one entry ``__meta__``: a JSON header
with the format name (``"filmreco.<kind>"``), the format version, free metadata and a
SHA-256 digest of every array. Files are written to a temporary file in the target
folder and moved into place with :func:`os.replace`, so a crash never leaves a
half-written file under the final name. Loading checks the kind, refuses newer
versions, and recomputes the digests, so a truncated or edited file raises
:class:`~filmreco.exceptions.FormatError` instead of yielding wrong numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .exceptions import FormatError, InputError

__all__ = ["atomic_write", "load_npz", "save_npz"]

_META_KEY = "__meta__"


def _digest(arr: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(str(arr.dtype.str).encode())
    h.update(str(arr.shape).encode())
    h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _check_array(name: str, arr: Any) -> np.ndarray:
    a = np.asarray(arr)
    if a.dtype.hasobject:
        raise InputError(
            f"array {name!r} has dtype object, which cannot be saved without pickle; "
            "convert it to a numeric or fixed-width string dtype first."
        )
    return a


def atomic_write(path: str | os.PathLike[str], write: Any, *, mode: str = "wb") -> Path:
    """Call ``write(fileobj)`` on a temporary file, then move it to `path` atomically."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def save_npz(
    path: str | os.PathLike[str],
    arrays: Mapping[str, Any],
    *,
    kind: str,
    version: int,
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Save `arrays` and a JSON header atomically to `path` (``.npz`` is appended if missing).

    Parameters
    ----------
    path : str or path-like
        Target file.
    arrays : mapping of str to array-like
        Arrays to store; object arrays are refused (they would need pickle).
    kind : str
        What the file holds, e.g. ``"recommender.EASE"``; checked on load.
    version : int
        Format version of `kind`; :func:`load_npz` refuses files newer than it knows.
    meta : mapping, optional
        JSON-serialisable metadata (parameters, id kinds, ...).

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = save_npz(os.path.join(d, "m"), {"x": np.arange(3)}, kind="demo", version=1)
    >>> arrays, meta = load_npz(p, kind="demo", max_version=1)
    >>> arrays["x"].tolist(), meta["format_version"]
    ([0, 1, 2], 1)
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if _META_KEY in arrays:
        raise InputError(f"array name {_META_KEY!r} is reserved.")
    checked = {str(k): _check_array(str(k), v) for k, v in arrays.items()}
    header = {
        "format": f"filmreco.{kind}",
        "format_version": int(version),
        "filmreco_version": __version__,
        "meta": dict(meta or {}),
        "sha256": {k: _digest(v) for k, v in checked.items()},
    }
    try:
        text = json.dumps(header, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"meta must be JSON-serialisable without NaN/inf: {exc}") from None

    def write(f: Any) -> None:
        payload: dict[str, Any] = {_META_KEY: np.array(text), **checked}
        np.savez(f, **payload)

    return atomic_write(path, write)


def load_npz(
    path: str | os.PathLike[str], *, kind: str, max_version: int
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Load a file written by :func:`save_npz`, verifying kind, version and checksums.

    Returns
    -------
    arrays : dict of str to numpy.ndarray
    header : dict
        ``format``, ``format_version``, ``filmreco_version`` and ``meta``.

    Raises
    ------
    FileNotFoundError
        `path` does not exist.
    FormatError
        The file is not a filmreco file of `kind`, is newer than `max_version`, or is
        truncated or modified.
    """
    path = Path(path)
    if not path.exists() and path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")
    if not path.exists():
        raise FileNotFoundError(f"no such file: {str(path)!r}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            if _META_KEY not in npz.files:
                raise FormatError(f"{str(path)!r} is not a filmreco file (no header).")
            header = json.loads(str(npz[_META_KEY][()]))
            arrays = {k: npz[k] for k in npz.files if k != _META_KEY}
    except FormatError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
        raise FormatError(
            f"{str(path)!r} could not be read as a filmreco .npz file ({type(exc).__name__}: "
            f"{exc}); it may be truncated or not written by filmreco."
        ) from exc
    want = f"filmreco.{kind}"
    if header.get("format") != want:
        raise FormatError(f"{str(path)!r} holds {header.get('format')!r}, expected {want!r}.")
    got = header.get("format_version")
    if not isinstance(got, int) or got > max_version:
        raise FormatError(
            f"{str(path)!r} has format version {got!r} of {want!r}, but this filmreco "
            f"({__version__}) reads versions up to {max_version}; upgrade filmreco."
        )
    sums = header.get("sha256", {})
    if set(sums) != set(arrays):
        raise FormatError(f"{str(path)!r} was modified: its arrays do not match its header.")
    for k, a in arrays.items():
        if _digest(a) != sums[k]:
            raise FormatError(f"{str(path)!r} was modified: array {k!r} fails its checksum.")
    return arrays, header
