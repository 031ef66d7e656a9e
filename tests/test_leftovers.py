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
