"""Verified, atomic downloads into a cache folder (private; used by ``datasets.fetch_*``).

A file is streamed to a temporary file *in the cache folder*, its size (against
``Content-Length``) and checksum are verified, an optional structure check runs, and only
then is it moved into place with :func:`os.replace`. On any failure the temporary file
is removed and :class:`~filmreco.exceptions.DownloadError` names the URL and the problem.
Only :mod:`urllib` is used.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from .._persist import clean_stale_temporaries
from .._version import __version__
from ..exceptions import DownloadError, InputError

__all__ = ["data_home", "download", "file_digest", "parse_checksum"]

logger = logging.getLogger("filmreco")
_ALGOS = {64: "sha256", 32: "md5"}


def data_home(path: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: `path`, else ``$FILMRECO_DATA``, else ``~/filmreco_data``."""
    if path is None:
        path = os.environ.get("FILMRECO_DATA") or os.path.join("~", "filmreco_data")
    return Path(os.path.expanduser(os.fspath(path)))


def parse_checksum(checksum: str | None) -> tuple[str, str] | None:
    """``"sha256:<hex>"``, ``"md5:<hex>"`` or bare hex (64 digits sha256, 32 md5)."""
    if checksum is None:
        return None
    text = str(checksum).strip().lower()
    algo, _, digest = text.rpartition(":")
    if not algo:
        algo = _ALGOS.get(len(digest), "")
    if (
        algo not in ("sha256", "md5")
        or not re.fullmatch(r"[0-9a-f]+", digest)
        or len(digest) != {"sha256": 64, "md5": 32}[algo]
    ):
        raise InputError(
            f"checksum={checksum!r} is not understood; give 'sha256:<64 hex digits>' (or "
            "'md5:<32 hex digits>' where only MD5 is published)."
        )
    return algo, digest


def file_digest(path: str | os.PathLike[str], algo: str) -> str:
    """Hex digest of a file, read in 1 MiB blocks."""
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_zip(path: str | os.PathLike[str], members: tuple[str, ...], url: str) -> None:
    """Raise DownloadError unless `path` is an intact zip holding members with these names."""
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
            names = {n.rsplit("/", 1)[-1] for n in z.namelist()}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DownloadError(f"{url} did not give a readable zip archive ({exc}).") from exc
    if bad is not None:
        raise DownloadError(f"{url}: zip member {bad!r} is corrupt (CRC mismatch).")
    missing = [m for m in members if m not in names]
    if missing:
        raise DownloadError(f"{url}: the zip archive lacks the expected members {missing}.")


def download(
    url: str,
    target: Path,
    *,
    checksum: tuple[str, str] | None,
    check: Callable[[Path], None] | None = None,
    timeout: float | None = 60.0,
    max_bytes: int | None = None,
    max_seconds: float | None = None,
) -> Path:
    """Download `url` to `target` atomically, verifying size, checksum and `check`.

    `timeout` bounds each wait on the socket; `max_seconds` bounds the whole download (a
    server trickling bytes keeps every single wait short), checked after every block read,
    so a download ends at most ``min(timeout, max_seconds)`` past it. `max_bytes` refuses a
    larger ``Content-Length`` up front and stops reading once more bytes arrive.
    """
    start = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(target, suffix=".part")  # left by killed downloads
    fd, tmp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".part"
    )
    tmp = Path(tmp_name)
    logger.info("downloading %s to %s", url, target)
    waits = [w for w in (timeout, max_seconds) if w is not None]
    wait = min(waits) if waits else None
    try:
        hashes = {"sha256": hashlib.sha256(), "md5": hashlib.md5()}
        size = 0
        request = urllib.request.Request(url, headers={"User-Agent": f"filmreco/{__version__}"})
        with os.fdopen(fd, "wb") as f, urllib.request.urlopen(request, timeout=wait) as resp:
            expected = resp.headers.get("Content-Length")
            if max_bytes is not None and expected is not None and int(expected) > max_bytes:
                raise DownloadError(
                    f"{url} announces {int(expected)} bytes, more than max_bytes={max_bytes}; "
                    "the file was not downloaded (pass a larger max_bytes= if it is right)."
                )
            read = getattr(resp, "read1", resp.read)  # read1: one wait, whatever arrived
            while block := read(1 << 20):
                f.write(block)
                size += len(block)
                for h in hashes.values():
                    h.update(block)
                if max_bytes is not None and size > max_bytes:
                    raise DownloadError(
                        f"download of {url} stopped: more than max_bytes={max_bytes} bytes "
                        "arrived; pass a larger max_bytes= if the file is really this big."
                    )
                if max_seconds is not None and time.monotonic() - start > max_seconds:
                    raise DownloadError(
                        f"download of {url} stopped after {max_seconds:g} s (max_seconds) with "
                        f"{size} bytes received; the server is too slow, pass a larger "
                        "max_seconds= or try a mirror."
                    )
        if expected is not None and int(expected) != size:
            raise DownloadError(
                f"download of {url} is truncated: got {size} of {int(expected)} bytes."
            )
        if checksum is not None:
            algo, want = checksum
            got = hashes[algo].hexdigest()
            if got != want:
                raise DownloadError(
                    f"checksum mismatch for {url}: expected {algo} {want}, got {got} "
                    f"({size} bytes); the file was not kept."
                )
        if check is not None:
            check(tmp)
        os.replace(tmp, target)
    except DownloadError:
        raise
    except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError) as exc:
        raise DownloadError(f"could not download {url}: {type(exc).__name__}: {exc}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
