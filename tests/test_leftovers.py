"""Leftovers of killed saves, bounded downloads and the demo's output folder (issue 18, defect 9)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from filmreco._persist import STALE_AFTER, atomic_write, clean_stale_temporaries
from filmreco.sparse import IdMap

posix_only = pytest.mark.skipif(os.name != "posix", reason="kill -9 and pids of POSIX")


def _age(p: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(p, (t, t))


def _writer(target: Path) -> subprocess.Popen[bytes]:
    """A process that starts a save of `target` and hangs in the middle of writing it."""
    code = textwrap.dedent(
        f"""
        import sys, time
        from filmreco._persist import atomic_write
        def write(f):
            f.write(b"x" * 100_000)
            f.flush()
            print("writing", flush=True)
            time.sleep(600)
        atomic_write({str(target)!r}, write)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"writing"
    return proc


def _temporaries(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}.") and
                  p.name.endswith(".tmp"))  # fmt: skip


@posix_only
def test_a_killed_save_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    target = tmp_path / "ids.npz"
    proc = _writer(target)
    try:
        (tmp,) = _temporaries(tmp_path, target.name)
        assert f".{proc.pid}." in tmp
        IdMap(["a", "b"]).save(target)  # the writer lives: its temporary stays
        assert _temporaries(tmp_path, target.name) == [tmp]
        _age(tmp_path / tmp, 2 * STALE_AFTER)
        IdMap(["a", "b"]).save(target)  # still alive, even if its file looks old
        assert _temporaries(tmp_path, target.name) == [tmp]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # killed: the temporary is left behind ...
    assert _temporaries(tmp_path, target.name) == [tmp]
    os.utime(tmp_path / tmp)  # ... but a fresh one is kept a little while
    IdMap(["a", "b"]).save(target)
    assert _temporaries(tmp_path, target.name) == [tmp]
    _age(tmp_path / tmp, 2 * STALE_AFTER)  # the next save past the grace time removes it
    IdMap(["a", "b", "c"]).save(target)
    assert _temporaries(tmp_path, target.name) == []
    assert IdMap.load(target).ids.tolist() == ["a", "b", "c"]


@posix_only
def test_only_exact_temporaries_of_that_path_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, check=True, text=True)  # fmt: skip
    pid = int(dead.stdout)  # a process that has exited
    target = tmp_path / "model.npz"
    stale = tmp_path / f".model.npz.{pid}.ab_c9xyz.tmp"
    keep = [
        f".model.npz.{os.getpid()}.abcdefgh.tmp",  # this process: maybe another thread's
        f".other.npz.{pid}.abcdefgh.tmp",  # another target
        f".model.npz.{pid}.abcdefghi.tmp",  # not the naming pattern
        f".model.npz.{pid}.ABCDEFGH.tmp",
        ".model.npz.tmp",
        f"model.npz.{pid}.abcdefgh.tmp",  # not hidden
        f".model.npz.{pid}.abcdefgh.tmp.bak",
    ]
    for name in [stale.name, *keep]:
        (tmp_path / name).write_bytes(b"x")
        _age(tmp_path / name, 2 * STALE_AFTER)
    (tmp_path / "folder").mkdir()
    folder_like = tmp_path / f".model.npz.{pid}.folder__.tmp"
    folder_like.mkdir()
    link = tmp_path / f".model.npz.{pid}.symlink_.tmp"
    link.symlink_to(tmp_path / "folder")
    assert clean_stale_temporaries(target) == [stale.name]
    assert not stale.exists() and folder_like.is_dir() and link.is_symlink()
    assert all((tmp_path / name).exists() for name in keep)
    # very old temporaries go whoever wrote them
    _age(tmp_path / keep[0], 2 * 24 * 3600)
    assert clean_stale_temporaries(target, now=time.time()) == [keep[0]]


def test_a_failed_save_leaves_nothing(tmp_path):
    def boom(f):
        f.write(b"partial")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "x.bin", boom)
    assert list(tmp_path.iterdir()) == []
    np.testing.assert_array_equal(IdMap([1, 2]).ids, [1, 2])


# downloads: a size cap and an overall deadline -------------------------------------


class _Trickle:
    """A local server that announces `announce` bytes (None: no length) and sends `body`
    in pieces of `piece` bytes every `pause` seconds (for at most 20 s)."""

    def __init__(self, announce: int | None, body: bytes, piece: int, pause: float):
        import http.server
        import threading

        owner = self
        self.sent = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                if announce is not None:
                    self.send_header("Content-Length", str(announce))
                self.end_headers()
                stop = time.monotonic() + 20
                try:
                    for i in range(0, len(body), piece):
                        self.wfile.write(body[i : i + piece])
                        self.wfile.flush()
                        owner.sent += piece
                        if pause:
                            time.sleep(pause)
                        if time.monotonic() > stop:
                            break
                except OSError:  # the client hung up
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/ml-100k.zip"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def test_a_trickling_server_cannot_hold_a_download_past_max_seconds(tmp_path):
    from filmreco.datasets import fetch_movielens
    from filmreco.exceptions import DownloadError

    home = tmp_path / "cache"
    body = b"z" * 1_000_000  # 100 bytes every 20 ms would take 200 s
    with _Trickle(len(body), body, piece=100, pause=0.02) as srv:
        start = time.monotonic()
        with pytest.raises(DownloadError, match=r"stopped after 1 s \(max_seconds\)"):
            fetch_movielens(data_home=home, url=srv.url, checksum="0" * 64, timeout=5,
                            max_seconds=1.0)  # fmt: skip
        took = time.monotonic() - start
    assert took < 4, took  # every wait was short, yet the whole is bounded
    assert 0 < srv.sent < len(body)
    assert os.listdir(home) == []


@pytest.mark.parametrize(
    ("announce", "size", "max_bytes", "match"),
    [
        (50_000_000, 10, None, r"announces 50000000 bytes, more than max_bytes=20000000"),
        (3000, 3000, 1000, r"announces 3000 bytes, more than max_bytes=1000"),
        (None, 300_000, 1000, r"stopped: more than max_bytes=1000 bytes arrived"),
    ],
)
def test_downloads_are_capped_in_size(tmp_path, announce, size, max_bytes, match):
    from filmreco.datasets import fetch_movielens
    from filmreco.exceptions import DownloadError

    home = tmp_path / "cache"
    with _Trickle(announce, b"z" * size, piece=65536, pause=0.0) as srv:
        with pytest.raises(DownloadError, match=match):
            fetch_movielens(data_home=home, url=srv.url, checksum="0" * 64, timeout=5,
                            max_bytes=max_bytes)  # fmt: skip
    assert os.listdir(home) == []


def test_download_limits_are_checked(tmp_path):
    from filmreco.datasets import fetch_movielens
    from filmreco.exceptions import InputError

    with pytest.raises(InputError, match="max_bytes must be >= 1"):
        fetch_movielens(data_home=tmp_path, url="http://127.0.0.1:9/x", max_bytes=0)
    with pytest.raises(InputError, match="max_seconds must be > 0"):
        fetch_movielens(data_home=tmp_path, url="http://127.0.0.1:9/x", max_seconds=-1)


# the demo's default output folder ------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="POSIX symlinks")
def test_the_demo_never_follows_a_planted_symlink(tmp_path, monkeypatch):
    import io
    import re
    import stat
    import tempfile

    from filmreco.__main__ import demo

    temp = tmp_path / "tmp"
    victim = tmp_path / "victim"
    temp.mkdir()
    victim.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.chdir(temp)  # the default folder is ./filmreco-demo: planted as a link here
    (temp / "filmreco-demo").symlink_to(victim)  # the fixed name, planted by someone
    (temp / "filmreco-demo-x").symlink_to(victim)
    buf = io.StringIO()
    assert demo(out=buf, model="popularity") == 0
    report = Path(re.search(r"report: (\S+)", buf.getvalue()).group(1))
    assert list(victim.iterdir()) == []  # nothing written through the links
    folder = report.parent
    assert folder.parent == temp and folder.name.startswith("filmreco-demo-")
    assert not folder.is_symlink() and folder.is_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # private to this user
    assert {p.name for p in folder.iterdir()} >= {"plan.json"}
    buf2 = io.StringIO()
    assert demo(out=buf2, model="popularity") == 0  # a fresh folder on every run
    again = Path(re.search(r"report: (\S+)", buf2.getvalue()).group(1)).parent
    assert again != folder and list(victim.iterdir()) == []


@posix_only
def test_a_killed_download_leaves_a_part_file_that_the_next_download_removes(tmp_path):
    from filmreco.datasets import fetch_movielens
    from filmreco.exceptions import DownloadError

    home = tmp_path / "cache"
    home.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, check=True, text=True)  # fmt: skip
    part = home / f".ml-100k.zip.{int(dead.stdout)}.abcdefgh.part"
    part.write_bytes(b"z" * 1000)
    other = home / f".ml-1m.zip.{int(dead.stdout)}.abcdefgh.part"  # another target: kept
    other.write_bytes(b"z")
    for p in (part, other):
        _age(p, 2 * STALE_AFTER)
    with pytest.raises(DownloadError):
        fetch_movielens(data_home=home, url="http://127.0.0.1:9/ml-100k.zip", timeout=2)
    assert sorted(p.name for p in home.iterdir()) == [other.name]
