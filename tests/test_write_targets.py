"""Where saves and the CLI write: links stay links, special files are written in place,
folders are refused (red-team findings of session 14)."""

from __future__ import annotations

import os
import stat
import threading

import numpy as np
import pytest

from filmreco.__main__ import main
from filmreco._persist import atomic_write, load_npz, save_npz
from filmreco.exceptions import InputError

posix_only = pytest.mark.skipif(os.name != "posix", reason="symlinks and named pipes")


@posix_only
def test_symlink_stays_a_link_and_its_target_is_replaced(tmp_path):
    target = tmp_path / "real.bin"
    target.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(target.name)
    assert atomic_write(link, lambda f: f.write(b"new")) == link
    assert link.is_symlink() and os.readlink(link) == "real.bin"
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.bin", "real.bin"]  # no temporaries
    dangling = tmp_path / "dangling.npz"  # a link to a file not yet written: written there
    dangling.symlink_to("later.npz")
    save_npz(dangling, {"x": np.arange(3)}, kind="demo", version=1)
    assert dangling.is_symlink() and (tmp_path / "later.npz").is_file()
    assert load_npz(dangling, kind="demo", max_version=1)[0]["x"].tolist() == [0, 1, 2]


@posix_only
def test_named_pipe_is_written_in_place(tmp_path):
    pipe = tmp_path / "out.csv"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()))
    reader.start()
    atomic_write(pipe, lambda f: f.write(b"a,b\n1,2\n"))
    reader.join(timeout=10)
    assert got == [b"a,b\n1,2\n"]
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)  # still a pipe, not a regular file


@posix_only
def test_device_is_written_in_place():
    before = os.stat(os.devnull)
    atomic_write(os.devnull, lambda f: f.write(b"discarded"))
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_folders_are_refused(tmp_path):
    (tmp_path / "sub").mkdir()
    with pytest.raises(InputError, match=r"names a folder, not a file"):
        atomic_write(tmp_path / "sub", lambda f: f.write(b"x"))
    with pytest.raises(InputError, match=r"names a folder, not a file"):
        save_npz(str(tmp_path / "new") + os.sep, {"x": np.arange(3)}, kind="demo", version=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]  # nothing written beside
    # a folder's name without the separator is a file name: '.npz' is appended, as documented
    assert save_npz(tmp_path / "sub", {"x": np.arange(2)}, kind="demo", version=1).name == "sub.npz"


def _files(tmp_path):
    inter = tmp_path / "inter.csv"
    rows = [(u, i) for u in range(1, 31) for i in (10, 11, 12, 13, 14) if (u + i) % 3]
    inter.write_text("user,item\n" + "".join(f"{u},{i}\n" for u, i in rows))
    cat = tmp_path / "cat.csv"
    cat.write_text("id,title,genres\n10,星际穿越,科幻\n11,流浪地球,科幻\n12,霸王别姬,剧情\n"
                   "13,让子弹飞,喜剧\n14,千与千寻,动画\n", encoding="utf-8")  # fmt: skip
    return inter, cat


def test_cli_numeric_film_ids_and_folder_out(tmp_path, capsys):
    inter, cat = _files(tmp_path)
    base = ["plan", "--interactions", str(inter), "--k", "1", "--n-runs", "20",
            "--audience-size", "5", "--out", str(tmp_path / "plan")]  # fmt: skip
    assert main([*base, "--film", "10"]) == 0  # ids read as numbers; --film is text
    assert main([*base, "--film", "11", "--catalog", str(cat)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert main([*base, "--film", "x10"]) == 2
    err = capsys.readouterr().err
    assert (
        "--film 'x10' is not a film id of --interactions (ids are read as written, e.g. '1" in err
    )
    assert "Traceback" not in err
    (tmp_path / "recs").mkdir()
    assert main(["recommend", "--interactions", str(inter), "--out", str(tmp_path / "recs")]) == 2
    err = capsys.readouterr().err
    assert "--out=" in err and "names a folder" in err and ".tmp" not in err


def test_home_folder_is_expanded(tmp_path, monkeypatch):
    # red-team s14 round 2: save("~/models/log") made a folder named "~" in the working
    # directory, and reading "~/..." failed
    from filmreco.data import Interactions

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "views.csv").write_text("user,item\n1,2\n3,4\n")
    X = Interactions.from_csv("~/views.csv")
    saved = X.save("~/models/log")
    assert saved == tmp_path / "models" / "log.npz" and saved.is_file()
    assert Interactions.load("~/models/log.npz").nnz == 2
    assert not (tmp_path / "~").exists()
