"""The one place where filmreco writes and reads its files.

A saved object is a single ``.npz`` archive (numpy arrays only, read with
``allow_pickle=False``) holding its arrays plus one entry ``__meta__``: a JSON header
with the format name (``"filmreco.<kind>"``), the format version of that kind, the
container version, free metadata, a SHA-256 digest of every array and (container 2) a
digest of the header itself. Files are written to a temporary file in the target folder
and moved into place with :func:`os.replace`, so a crash never leaves a half-written file
under the final name. Loading checks the kind, refuses newer versions, and recomputes
the digests, so a truncated or edited file raises
:class:`~filmreco.exceptions.FormatError` instead of yielding wrong numbers.

Every saveable class derives from :class:`Saveable` and implements two hooks,
``_export() -> (arrays, meta)`` and the class method ``_restore(arrays, meta)``;
:meth:`Saveable.save`, :meth:`Saveable.load` and :func:`filmreco.load` are built on them.
An object holding another saveable object stores it in its own file with
:func:`export_nested` / :func:`restore_nested` (its arrays under a name prefix).

Loading never trusts the file: every ``_restore`` validates what it reads as the
constructor or ``fit`` would (a recommender's parameters go through its ``_check_params``),
arrays are checked with :func:`member` and :func:`csr_from_arrays` (dtype, shape, finite
values, index ranges) before use, and a missing key raises FormatError naming it. Unknown
parameter names are refused; other unknown header entries are ignored. Members the header
does not declare are refused before any array is read, and every member must be stored
uncompressed with exactly the bytes its ``.npy`` header announces, so no file allocates
more than its own size.

Container versions: 1 (filmreco 0.x up to this change) digests the arrays only; 2 adds
``"container": 2`` and ``"header_sha256"``, a digest of the header's canonical JSON
(sorted keys, no spaces) without that field. Both are read. The digests detect
corruption and accidental edits; they are not a signature.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
import scipy.sparse as sp

from ._registry import lookup
from ._validation import _is_canonical, check_sparse_structure, shorten
from ._version import __version__
from .exceptions import FormatError, InputError, InputTypeError

__all__ = [
    "CONTAINER_VERSION",
    "Saveable",
    "atomic_write",
    "check_path",
    "check_target",
    "clean_stale_temporaries",
    "csr_from_arrays",
    "csr_to_arrays",
    "export_nested",
    "file_name_errors",
    "load_npz",
    "member",
    "read_header",
    "read_npz",
    "restore_nested",
    "save_npz",
]

#: Version of the file layout shared by every kind (header, digests).
CONTAINER_VERSION = 2

_META_KEY = "__meta__"
_HEADER_DIGEST = "header_sha256"
# what a broken or inconsistent file raises while being read or restored
_RESTORE_ERRORS = (
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,  # JSON text nested too deep inside an array (records, catalogue values)
)

S = TypeVar("S", bound="Saveable")


def _digest(arr: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(str(arr.dtype.str).encode())
    h.update(str(arr.shape).encode())
    h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _header_digest(header: Mapping[str, Any]) -> str:
    body = {k: v for k, v in header.items() if k != _HEADER_DIGEST}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_array(name: str, arr: Any) -> np.ndarray:
    a = np.asarray(arr)
    if a.dtype.hasobject:
        raise InputError(
            f"array {name!r} has dtype object, which cannot be saved without pickle; "
            "convert it to a numeric or fixed-width string dtype first."
        )
    return a


def check_path(path: Any, name: str = "path") -> Path:
    """Return `path` (a str or path-like file name) as a :class:`~pathlib.Path`.

    A leading ``~`` is the user's home folder (:func:`os.path.expanduser`). Raises a
    TypeError naming `name` for anything else (None, a number, bytes, an open file) and an
    InputError for a name no file can have: empty, holding a NUL character, or not
    encodable for the file system (a lone surrogate).

    Examples
    --------
    >>> check_path("models/ease.npz").name
    'ease.npz'
    >>> check_path(None)
    Traceback (most recent call last):
    ...
    filmreco.exceptions.InputTypeError: path must be a file name (a str or os.PathLike such as pathlib.Path), got NoneType.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(
            f"{name} must be a file name (a str or os.PathLike such as pathlib.Path), "
            f"got {type(path).__name__}."
        )
    text = os.fspath(path)
    if not isinstance(text, str):
        raise InputTypeError(
            f"{name} must be a file name given as text (a str or pathlib.Path), "
            f"got a path-like of {type(text).__name__}."
        )
    if not text:
        raise InputError(f"{name} must be a file name, got an empty string.")
    try:
        os.fsencode(text)
        bad = "\0" in text
    except UnicodeError:
        bad = True
    if bad:
        raise InputError(
            f"{name}={shorten(text)} is not a valid file name (it holds a NUL character or "
            "characters the file system cannot encode); pass a plain file name."
        )
    return Path(os.path.expanduser(text))  # "~/models/ease.npz", as pandas reads it


def _npz_path(path: str | os.PathLike[str]) -> Path:
    path = check_path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


@contextlib.contextmanager
def file_name_errors(path: Path, name: str = "path") -> Iterator[None]:
    """Turn the OS's "file name too long" (``ENAMETOOLONG``) into an InputError naming `name`.

    Other OS errors (a missing file, no permission) pass through unchanged.
    """
    try:
        yield
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
        raise InputError(
            f"{name}={shorten(str(path))} is too long for the file system ({exc.strerror}); "
            "use a shorter file name (a save first writes a temporary name about 30 "
            "characters longer)."
        ) from None


def _existing(path: str | os.PathLike[str]) -> Path:
    path = check_path(path)
    with file_name_errors(path):
        if not path.exists() and path.suffix != ".npz" and _npz_path(path).exists():
            path = _npz_path(path)
        if not path.exists():
            raise FileNotFoundError(f"no such file: {str(path)!r}")
    return path


#: A temporary of a writer that is gone is removed once it is this old (seconds).
STALE_AFTER = 60.0
#: Past this age (seconds) a temporary is stale whatever its writer: no save stalls a day
#: (covers writers on another host, or where process ids cannot be checked).
STALE_ALWAYS_AFTER = 24 * 3600.0


def _temp_prefix(path: Path) -> str:
    """The temporaries of `path` are ``.<name>.<writer pid>.<8 random chars>.tmp``."""
    return f".{path.name}.{os.getpid()}."


def _pid_alive(pid: int) -> bool:
    """Whether a process `pid` runs on this host (True when that cannot be told)."""
    if os.name != "posix" or pid <= 0:
        return True  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, owned by someone else
        return True
    return True


def clean_stale_temporaries(
    path: str | os.PathLike[str], *, suffix: str = ".tmp", now: float | None = None
) -> list[str]:
    """Remove the temporaries that killed saves of `path` left behind; return their names.

    Only files named exactly as :func:`atomic_write` names the temporaries of this very
    path (``.<name>.<pid>.<8 random chars><suffix>``; downloads use ``.part``) are considered, never symlinks or folders. One is removed when its writer process
    (named in the file name) is gone and the file was not modified for :data:`STALE_AFTER`
    seconds, or when it is older than :data:`STALE_ALWAYS_AFTER` (no save stalls that
    long); a live writer's file, this process's included, is otherwise kept. Errors (a file vanishing, no permission) are ignored: the
    save itself must not fail because of the cleanup.
    """
    path = check_path(path)
    folder = path.parent if str(path.parent) else Path(".")
    pattern = re.compile(
        r"\." + re.escape(path.name) + r"\.([0-9]{1,10})\.[a-z0-9_]{8}" + re.escape(suffix)
    )
    head = f".{path.name}."
    now = time.time() if now is None else now
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(head):
            continue
        m = pattern.fullmatch(entry.name)
        if m is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
            gone = age > STALE_AFTER and not _pid_alive(int(m.group(1)))
            if gone or age > STALE_ALWAYS_AFTER:
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def check_target(path: Any, name: str = "path", *, existing_folder: bool = True) -> Path:
    """Check `path` as a file name to write: :func:`check_path`, and not a folder.

    A name ending with a path separator (``"out/"``), or naming an existing folder (unless
    `existing_folder` is False: a name that gets a suffix appended), raises an InputError
    naming `name`: a save never puts its file beside or inside the folder on its own."""
    checked = check_path(path, name)
    text = os.fspath(path)
    seps = tuple(s for s in (os.sep, os.altsep) if s)
    folder = False
    if existing_folder:
        with file_name_errors(checked, name):
            folder = checked.is_dir()
    if text.endswith(seps) or folder:
        raise InputError(
            f"{name}={shorten(text)} names a folder, not a file: give a file name, e.g. "
            f"{shorten(str(checked / 'output'))} (with the suffix the file should have)."
        )
    return checked


def atomic_write(path: str | os.PathLike[str], write: Any, *, mode: str = "wb") -> Path:
    """Call ``write(fileobj)`` on a temporary file, then move it to `path` atomically.

    The temporary is ``.<name>.<pid>.<random>.tmp`` beside `path`; stale ones that killed
    saves of the same path left behind are removed first (:func:`clean_stale_temporaries`).
    A symbolic link stays a link: the file it points to is replaced (atomically, beside
    it). An existing special file (a named pipe, a device such as ``/dev/null`` or
    ``/dev/stdout``) is written to in place, never replaced. A folder, or a name ending
    with a path separator, raises an InputError (:func:`check_target`).
    """
    given = check_target(path)
    path = given
    with file_name_errors(path):
        if path.is_symlink():
            path = Path(os.path.realpath(path))
            check_target(path)
        if path.exists() and not path.is_file():  # a pipe, a device: write, never replace
            with open(path, mode) as f:
                write(f)
                f.flush()
            return given
    folder = path.parent if str(path.parent) else Path(".")
    with file_name_errors(path):
        folder.mkdir(parents=True, exist_ok=True)
        clean_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=_temp_prefix(path), suffix=".tmp")
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
    return given


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

    Raises
    ------
    InputError
        An array has dtype object, an array is named ``__meta__``, or `meta` is not
        JSON-serialisable.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = save_npz(os.path.join(d, "m"), {"x": np.arange(3)}, kind="demo", version=1)
    >>> arrays, header = load_npz(p, kind="demo", max_version=1)
    >>> arrays["x"].tolist(), header["format_version"], header["container"]
    ([0, 1, 2], 1, 2)
    """
    path = _npz_path(check_target(path, existing_folder=False))
    if _META_KEY in arrays:
        raise InputError(f"array name {_META_KEY!r} is reserved.")
    checked = {str(k): _check_array(str(k), v) for k, v in arrays.items()}
    header: dict[str, Any] = {
        "format": f"filmreco.{kind}",
        "format_version": int(version),
        "container": CONTAINER_VERSION,
        "filmreco_version": __version__,
        "meta": dict(meta or {}),
        "sha256": {k: _digest(v) for k, v in checked.items()},
    }
    try:
        header[_HEADER_DIGEST] = _header_digest(header)
        text = json.dumps(header, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"meta must be JSON-serialisable without NaN/inf: {exc}") from None

    def write(f: Any) -> None:
        payload: dict[str, Any] = {_META_KEY: np.array(text), **checked}
        np.savez(f, **payload)

    return atomic_write(path, write)


def _parse_header(text: str, where: str) -> dict[str, Any]:
    try:
        header = json.loads(text)
    except ValueError as exc:
        raise FormatError(f"{where} has a header that is not valid JSON ({exc}).") from None
    if not isinstance(header, dict) or not isinstance(header.get("format"), str):
        raise FormatError(f"{where} has a header without a format name; it is not a filmreco file.")
    container = header.get("container", 1)
    if not isinstance(container, int) or isinstance(container, bool) or container < 1:
        raise FormatError(f"{where} has an invalid container version {container!r}.")
    if container > CONTAINER_VERSION:
        raise FormatError(
            f"{where} uses container version {container}, but this filmreco ({__version__}) "
            f"reads versions up to {CONTAINER_VERSION}; upgrade filmreco."
        )
    if container >= 2 and header.get(_HEADER_DIGEST) != _header_digest(header):
        raise FormatError(f"{where} was modified: its header fails its checksum.")
    for key in ("meta", "sha256", "format_version"):
        if key not in header:
            raise FormatError(f"{where} has a header without the key {key!r}.")
    if not isinstance(header["meta"], dict) or not isinstance(header["sha256"], dict):
        raise FormatError(f"{where} has a malformed header (meta or sha256 is not a mapping).")
    header.setdefault("container", 1)
    return header


def _check_members(path: Path, where: str) -> None:
    """Refuse an archive whose arrays would be larger than the file itself.

    filmreco writes uncompressed members (``np.savez``), and a member's ``.npy`` header
    states its shape and dtype: every member must be stored, and hold exactly the bytes its
    header announces, so reading never inflates a small file into large arrays (nor
    allocates for a shape the data cannot fill).
    """
    from numpy.lib import format as npy

    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
                raise FormatError(
                    f"{where} holds a compressed member {info.filename!r}; filmreco writes "
                    "uncompressed files, so it was not written by filmreco (or was edited)."
                )
            with zf.open(info) as f:
                version = npy.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = npy.read_array_header_1_0(f)
                else:
                    shape, _, dtype = npy.read_array_header_2_0(f)
                count = 1
                for d in shape:
                    count *= int(d)
                want = f.tell() + count * dtype.itemsize
            if dtype.hasobject or want != info.file_size:
                raise FormatError(
                    f"{where}: member {info.filename!r} announces {shape} of {dtype} but holds "
                    f"{info.file_size} bytes; the file was truncated or edited."
                )


def _read(path: Path, *, header_only: bool) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    where = repr(str(path))
    try:
        _check_members(path, where)
        with np.load(path, allow_pickle=False) as npz:
            if _META_KEY not in npz.files:
                raise FormatError(f"{where} is not a filmreco file (no header).")
            raw = npz[_META_KEY]
            if raw.shape != () or raw.dtype.kind != "U":
                raise FormatError(f"{where} has a header that is not a JSON string.")
            header = _parse_header(str(raw[()]), where)
            names = [k for k in npz.files if k != _META_KEY]
            if not header_only and set(names) != set(header["sha256"]):
                # checked before any array is read: nothing the header does not declare
                # is allocated (and each member holds what its own header says)
                raise FormatError(f"{where} was modified: its arrays do not match its header.")
            arrays = {} if header_only else {k: npz[k] for k in names}
    except FormatError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError, RecursionError) as exc:
        raise FormatError(
            f"{where} could not be read as a filmreco .npz file ({type(exc).__name__}: "
            f"{exc}); it may be truncated or not written by filmreco."
        ) from exc
    return arrays, header


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the JSON header of a filmreco file, without its arrays.

    Raises
    ------
    FileNotFoundError
        `path` does not exist.
    FormatError
        The file is not a filmreco file, or its header is damaged or of a newer container.
    """
    return _read(_existing(path), header_only=True)[1]


def read_npz(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a filmreco file of any kind, verifying the container and every digest.

    Returns
    -------
    arrays : dict of str to numpy.ndarray
    header : dict
        ``format``, ``format_version``, ``container``, ``filmreco_version`` and ``meta``.

    Raises
    ------
    FileNotFoundError
        `path` does not exist.
    FormatError
        The file is not a filmreco file, or is truncated or modified.
    """
    path = _existing(path)
    arrays, header = _read(path, header_only=False)
    sums = header["sha256"]
    if set(sums) != set(arrays):
        raise FormatError(f"{str(path)!r} was modified: its arrays do not match its header.")
    for k, a in arrays.items():
        if _digest(a) != sums[k]:
            raise FormatError(f"{str(path)!r} was modified: array {k!r} fails its checksum.")
    return arrays, header


def _check_version(header: Mapping[str, Any], max_version: int, where: str) -> int:
    got = header.get("format_version")
    if not isinstance(got, int) or isinstance(got, bool) or got < 1 or got > max_version:
        raise FormatError(
            f"{where} has format version {got!r} of {header.get('format')!r}, but this filmreco "
            f"({__version__}) reads versions 1 to {max_version}; upgrade filmreco."
        )
    return got


def load_npz(
    path: str | os.PathLike[str], *, kind: str | tuple[str, ...], max_version: int
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Load a file written by :func:`save_npz`, verifying kind, version and checksums.

    Parameters
    ----------
    path : str or path-like
        The file (``.npz`` is appended when `path` does not exist without it).
    kind : str or tuple of str
        The kind(s) of file accepted.
    max_version : int
        The newest format version of `kind` the caller reads.

    Returns
    -------
    arrays : dict of str to numpy.ndarray
    header : dict
        ``format``, ``format_version``, ``container``, ``filmreco_version`` and ``meta``.

    Raises
    ------
    FileNotFoundError
        `path` does not exist.
    FormatError
        The file is not a filmreco file of `kind`, is newer than `max_version`, or is
        truncated or modified.
    """
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    arrays, header = read_npz(path)
    where = repr(os.fspath(path))
    wanted = [f"filmreco.{k}" for k in kinds]
    if header["format"] not in wanted:
        expected = wanted[0] if len(wanted) == 1 else f"one of {wanted}"
        raise FormatError(f"{where} holds {header['format']!r}, expected {expected!r}.")
    _check_version(header, max_version, where)
    return arrays, header


def _not_finite(a: np.ndarray, name: str, fits: Any) -> str | None:
    """Why float array `a` is unusable (NaN, infinity, or beyond the range of `fits`), or None.

    `fits` is the float dtype the caller converts `a` to (None: `a`'s own). A value that is
    finite in `a` but beyond the range of `fits` would become infinite in the conversion,
    so it is refused here, before that happens. Arrays no wider than `fits` take the one
    ``isfinite`` pass they always took; wider ones two reductions (min and max).
    """
    if a.dtype.kind != "f" or not a.size:
        return None
    own = float(np.finfo(a.dtype).max)
    limit = own if fits is None else float(np.finfo(np.dtype(fits)).max)
    if limit >= own:
        return None if np.isfinite(a).all() else f"{name} holds NaN or infinite values."
    lo, hi = a.min(), a.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return f"{name} holds NaN or infinite values."
    big = max(-float(lo), float(hi))
    if big > limit:
        return (
            f"{name} holds values beyond the {np.dtype(fits)} range (largest magnitude "
            f"{big:.3g}, limit {limit:.3g}), which would become infinite when read "
            f"as {np.dtype(fits)}; the file was edited or damaged."
        )
    return None


# ------------------------------------------------------------- arrays of sparse matrices
def csr_to_arrays(X: Any, prefix: str = "") -> dict[str, np.ndarray]:
    """``{prefix}indptr``, ``{prefix}indices`` (int64), ``{prefix}data`` and ``{prefix}shape``."""
    return {
        f"{prefix}indptr": X.indptr.astype(np.int64),
        f"{prefix}indices": X.indices.astype(np.int64),
        f"{prefix}data": X.data,
        f"{prefix}shape": np.asarray(X.shape, dtype=np.int64),
    }


def csr_from_arrays(
    arrays: Mapping[str, np.ndarray],
    prefix: str = "",
    shape: Any = None,
    *,
    dtype: Any = None,
    finite: bool = True,
    fits: Any = None,
) -> sp.csr_array:
    """The CSR array stored by :func:`csr_to_arrays`, checked like a constructor would.

    `shape` overrides the stored ``{prefix}shape`` (for layouts that did not store it).
    `dtype`, when given, is the exact dtype the values must have (no silent conversion);
    with `finite` (the default) NaN and infinite values are refused, and so are values
    beyond the range of `fits` (the float dtype the caller converts the values to, e.g.
    ``np.float32``), which would become infinite in that conversion. Every row's column
    indices must be strictly increasing (sorted, no duplicates): filmreco writes canonical
    matrices only, and a duplicate would count an item twice.

    Raises
    ------
    InputError
        Wrong dimensions or dtypes, indices out of range, a malformed ``indptr``, a row
        with unsorted or repeated column indices, non-finite values, or values beyond the
        range of `fits`.
    KeyError
        A member is missing (:meth:`Saveable.load` turns it into a FormatError).
    """
    shape = arrays[f"{prefix}shape"] if shape is None else shape
    dims = np.asarray(shape)
    if dims.shape != (2,) or dims.dtype.kind not in "iu" or (dims < 0).any():
        raise InputError(f"{prefix}shape must be two non-negative ints, got {dims.tolist()!r}.")
    parts = {k: np.asarray(arrays[f"{prefix}{k}"]) for k in ("indptr", "indices", "data")}
    for k, a in parts.items():
        if a.ndim != 1:
            raise InputError(f"{prefix}{k} must be 1-D, got shape {a.shape}.")
        if k != "data" and a.dtype.kind not in "iu":
            raise InputError(f"{prefix}{k} must hold integers, got dtype {a.dtype}.")
    data = parts["data"]
    if data.dtype.kind not in "biuf":
        raise InputError(f"{prefix}data must be numeric, got dtype {data.dtype}.")
    if dtype is not None and data.dtype != np.dtype(dtype):
        raise InputError(f"{prefix}data must have dtype {np.dtype(dtype)}, got {data.dtype}.")
    problem = _not_finite(data, f"{prefix}data", fits) if finite else None
    if problem is not None:
        raise InputError(problem)
    n_rows, n_cols = (int(d) for d in dims)
    if parts["indptr"].size != n_rows + 1:
        raise InputError(
            f"{prefix}indptr has {parts['indptr'].size} entries for {n_rows} rows "
            f"(expected {n_rows + 1})."
        )
    X = sp.csr_array(
        (data, parts["indices"].astype(np.int64), parts["indptr"].astype(np.int64)),
        shape=(n_rows, n_cols),
    )
    check_sparse_structure(X, f"{prefix}matrix")
    if not _is_canonical(X):
        raise InputError(
            f"{prefix}indices has a row whose column indices are unsorted or repeated; "
            "filmreco writes each row sorted without duplicates, so the file was edited "
            "or damaged."
        )
    return X


def member(
    arrays: Mapping[str, np.ndarray],
    name: str,
    *,
    kinds: str,
    shape: tuple[int | None, ...] | None = None,
    dtype: Any = None,
    finite: bool = False,
    fits: Any = None,
) -> np.ndarray:
    """Array `name` of a loaded file, checked before use.

    Parameters
    ----------
    arrays : mapping of str to numpy.ndarray
        The file's arrays.
    name : str
        The member wanted.
    kinds : str
        Allowed dtype kinds (``"f"`` floats, ``"iu"`` integers, ``"U"`` strings, ``"b"``).
    shape : tuple of int or None, optional
        The expected shape; ``None`` entries match any length.
    dtype : dtype, optional
        The exact dtype wanted (no silent conversion).
    finite : bool, default=False
        Refuse NaN and infinite values.
    fits : dtype, optional
        With `finite`: the float dtype the caller converts the array to (e.g.
        ``np.float32``); values beyond its range, which that conversion would turn into
        infinities, are refused too. The array is returned unconverted.

    Raises
    ------
    FormatError
        The member is missing, or of another dtype, shape, holds non-finite values, or
        (with `fits`) values beyond the range of `fits`.

    Examples
    --------
    >>> member({"w": np.ones(3)}, "w", kinds="f", shape=(3,), finite=True).tolist()
    [1.0, 1.0, 1.0]
    """
    if name not in arrays:
        raise FormatError(f"the array {name!r} is missing.")
    a = np.asarray(arrays[name])
    if a.dtype.kind not in kinds or (dtype is not None and a.dtype != np.dtype(dtype)):
        want = np.dtype(dtype) if dtype is not None else f"kind {kinds!r}"
        raise FormatError(f"array {name!r} has dtype {a.dtype}, expected {want}.")
    if shape is not None and (
        a.ndim != len(shape) or any(w is not None and w != d for w, d in zip(shape, a.shape))
    ):
        want_shape = tuple("any" if w is None else w for w in shape)
        raise FormatError(f"array {name!r} has shape {a.shape}, expected {want_shape}.")
    problem = _not_finite(a, f"array {name!r}", fits) if finite else None
    if problem is not None:
        raise FormatError(problem)
    return a


# --------------------------------------------------------------------------- the base
class Saveable:
    """Base of every object filmreco can save: ``obj.save(path)`` and ``Cls.load(path)``.

    A subclass sets :attr:`_persist_kind` (the file's kind, e.g. ``"IdMap"``) and
    :attr:`_persist_version`, and implements ``_export()`` (arrays and JSON metadata)
    and the class method ``_restore(arrays, meta)``, which rebuilds the object and
    validates what it reads as a constructor would (any ``KeyError``, ``ValueError``,
    ``TypeError`` or ``IndexError`` it raises becomes a
    :class:`~filmreco.exceptions.FormatError`). Files of older versions or of older
    kind names (:attr:`_persist_legacy_kinds`) go through ``_upgrade`` first.
    """

    __slots__ = ()

    #: Kind written in the file header (``"filmreco.<kind>"``).
    _persist_kind: ClassVar[str] = ""
    #: Format version of this kind written by :meth:`save`.
    _persist_version: ClassVar[int] = 1
    #: Older kind names whose files :meth:`load` still reads (through ``_upgrade``).
    _persist_legacy_kinds: ClassVar[tuple[str, ...]] = ()

    # hooks ----------------------------------------------------------------------------
    def _check_saveable(self) -> None:
        """Raise if the object cannot be saved yet (e.g. a model that is not fitted)."""

    def _export(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The arrays and JSON-serialisable metadata that :meth:`_restore` reads back."""
        raise NotImplementedError

    @classmethod
    def _restore(cls: type[S], arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> S:
        """Rebuild an object from what :meth:`_export` returned (validating it)."""
        raise NotImplementedError

    @classmethod
    def _upgrade(
        cls, arrays: dict[str, np.ndarray], meta: dict[str, Any], kind: str, version: int
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Turn the layout of an older `version` (or legacy `kind`) into the current one."""
        return arrays, meta

    def _save_version(self) -> int:
        """Format version :meth:`save` writes: the oldest that holds this object's content
        (default :attr:`_persist_version`, the newest this class reads)."""
        return self._persist_version

    @classmethod
    def _persist_kinds(cls) -> tuple[str, ...]:
        return (cls._persist_kind, *cls._persist_legacy_kinds)

    # public API -----------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Save to one ``.npz`` file: arrays plus a JSON header, no pickle, atomic write.

        Parameters
        ----------
        path : str or path-like
            Target file; ``.npz`` is appended when missing.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        self._check_saveable()
        arrays, meta = self._export()
        return save_npz(
            path, arrays, kind=self._persist_kind, version=self._save_version(), meta=meta
        )

    @classmethod
    def load(cls: type[S], path: str | os.PathLike[str]) -> S:
        """Load an object written by :meth:`save` (call it on the object's class).

        Parameters
        ----------
        path : str or path-like
            The file (``.npz`` is appended when `path` does not exist without it).

        Returns
        -------
        object
            An instance of the class `load` is called on.

        Raises
        ------
        FileNotFoundError
            `path` does not exist.
        FormatError
            The file holds another kind of object, is of a newer format version, was
            truncated or edited, or holds inconsistent data.
        """
        if not cls._persist_kind:
            raise InputTypeError(f"{cls.__name__} is abstract; call load on a concrete class.")
        arrays, header = load_npz(path, kind=cls._persist_kinds(), max_version=cls._persist_version)
        kind = header["format"][len("filmreco.") :]
        return cls._from_saved(arrays, header["meta"], kind, header["format_version"], path)

    @classmethod
    def _from_saved(
        cls: type[S],
        arrays: dict[str, np.ndarray],
        meta: dict[str, Any],
        kind: str,
        version: int,
        where: Any,
    ) -> S:
        try:
            arrays, meta = cls._upgrade(arrays, meta, kind, version)
            return cls._restore(arrays, meta)
        except FormatError as exc:
            if os.fspath(where) in str(exc):
                raise
            raise FormatError(f"{os.fspath(where)!r}: {exc}") from exc
        except KeyError as exc:
            raise FormatError(
                f"{os.fspath(where)!r} holds an inconsistent {cls._persist_kind}: it lacks "
                f"the entry {exc} (KeyError: {exc})."
            ) from exc
        except _RESTORE_ERRORS as exc:
            raise FormatError(
                f"{os.fspath(where)!r} holds an inconsistent {cls._persist_kind} "
                f"({type(exc).__name__}: {exc})."
            ) from exc


# ------------------------------------------------------------------- nested objects
def export_nested(obj: Saveable, prefix: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Export `obj` into another object's file: arrays under `prefix`, meta naming its kind.

    Parameters
    ----------
    obj : Saveable
        The object held (a base recommender, a propagation model, a graph, ...).
    prefix : str
        Prefix of its array names, e.g. ``"base."``; unique within the outer file.

    Returns
    -------
    arrays : dict of str to numpy.ndarray
        The object's arrays, renamed ``prefix + name``.
    meta : dict
        ``{"kind": ..., "version": ..., "meta": ...}``; store it in the outer meta and give
        it to :func:`restore_nested`.

    Examples
    --------
    >>> from filmreco.sparse import IdMap
    >>> arrays, meta = export_nested(IdMap(["a", "b"]), "users.")
    >>> sorted(arrays), meta["kind"]
    (['users.ids'], 'IdMap')
    >>> restore_nested(arrays, meta, "users.").ids.tolist()
    ['a', 'b']
    """
    if not isinstance(obj, Saveable):
        raise InputTypeError(f"{type(obj).__name__} cannot be saved by filmreco (not a Saveable).")
    obj._check_saveable()
    arrays, meta = obj._export()
    out = {f"{prefix}{k}": v for k, v in arrays.items()}
    return out, {"kind": obj._persist_kind, "version": obj._save_version(), "meta": meta}


def restore_nested(
    arrays: Mapping[str, np.ndarray],
    meta: Mapping[str, Any],
    prefix: str,
    *,
    expected: type | tuple[type, ...] | None = None,
) -> Any:
    """Rebuild an object stored with :func:`export_nested`.

    The class comes from the explicit registry (:mod:`filmreco._registry`) by the stored
    kind; no name read from the file is imported.

    Parameters
    ----------
    arrays : mapping of str to numpy.ndarray
        The outer file's arrays (only those starting with `prefix` are used).
    meta : mapping
        What :func:`export_nested` returned as meta.
    prefix : str
        The prefix given to :func:`export_nested`.
    expected : type or tuple of types, optional
        The object must be an instance of it (else FormatError).

    Raises
    ------
    FormatError
        Unknown kind, newer version, an object of an unexpected type, or inconsistent data.
    """
    if not isinstance(meta, Mapping) or not isinstance(meta.get("kind"), str):
        raise FormatError(f"the nested object under {prefix!r} has no kind in its metadata.")
    kind = meta["kind"]
    cls = lookup(kind)
    if expected is not None and not issubclass(cls, expected):
        raise FormatError(
            f"the nested object under {prefix!r} is a {kind}, which is not allowed here."
        )
    version = _check_version(
        {"format_version": meta.get("version"), "format": f"filmreco.{kind}"},
        cls._persist_version,
        f"the nested object under {prefix!r}",
    )
    part = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
    inner = meta.get("meta", {})
    if not isinstance(inner, dict):
        raise FormatError(f"the nested object under {prefix!r} has malformed metadata.")
    return cls._from_saved(part, inner, kind, version, f"nested {prefix}")


def load(path: str | os.PathLike[str]) -> Any:
    """Load any object saved by filmreco, whatever its class.

    The file's header names its kind; the class is taken from a fixed table of filmreco
    classes (``filmreco._registry``), plus the recommender classes already defined when
    `load` is called. Nothing named in the file is imported.

    Parameters
    ----------
    path : str or path-like
        A file written by a ``save`` method (``.npz`` is appended when `path` does not exist
        without it).

    Returns
    -------
    object
        The saved object: an :class:`~filmreco.Interactions`, :class:`~filmreco.Catalog`, :class:`~filmreco.EdgeList`,
        :class:`~filmreco.sparse.IdMap`, :class:`~filmreco.social.SocialGraph`, a propagation
        model, a fitted recommender, a :class:`~filmreco.search.SearchIndex` or a
        pseudonymised table.

    Raises
    ------
    FileNotFoundError
        `path` does not exist.
    FormatError
        The file is not a filmreco file, its kind is unknown, it is of a newer format, or it
        was truncated or edited.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from filmreco import Interactions
    >>> X = Interactions.from_arrays(["ann", "bob"], ["tt1", "tt2"])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     back = load(X.save(pathlib.Path(d) / "log"))
    >>> back
    Interactions(n_users=2, n_items=2, nnz=2, density=0.5)
    """
    header = read_header(path)
    kind = header["format"]
    if not kind.startswith("filmreco."):
        raise FormatError(f"{os.fspath(path)!r} is not a filmreco file (format {kind!r}).")
    cls = lookup(kind[len("filmreco.") :])
    return cls.load(path)
