"""Tests for the npz + JSON persistence layer."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from filmreco._persist import load_npz, save_npz
from filmreco.exceptions import FormatError, InputError

arrays_st = st.dictionaries(
    st.text("abcdefgh_", min_size=1, max_size=8),
    st.one_of(
        hnp.arrays(np.float32, hnp.array_shapes(max_dims=2, max_side=5)),
        hnp.arrays(np.int64, hnp.array_shapes(max_dims=1, max_side=6)),
        hnp.arrays(np.dtype("<U4"), hnp.array_shapes(max_dims=1, max_side=4)),
    ),
    max_size=4,
)


@given(arrays=arrays_st, meta=st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
def test_round_trip(tmp_path_factory, arrays, meta):
    path = tmp_path_factory.mktemp("rt") / "obj"
    written = save_npz(path, arrays, kind="test", version=2, meta=meta)
    assert written.suffix == ".npz"
    loaded, header = load_npz(written, kind="test", max_version=2)
    assert header["meta"] == meta and header["format_version"] == 2
    assert set(loaded) == set(arrays)
    for k, a in arrays.items():
        np.testing.assert_array_equal(loaded[k], a)
        assert loaded[k].dtype == a.dtype


def test_no_temp_files_left(tmp_path):
    save_npz(tmp_path / "a.npz", {"x": np.arange(4)}, kind="t", version=1)
    assert sorted(os.listdir(tmp_path)) == ["a.npz"]


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(InputError, match="object"):
        save_npz(tmp_path / "a.npz", {"x": np.array([{"a": 1}], dtype=object)}, kind="t", version=1)
    assert os.listdir(tmp_path) == []


def test_failed_write_keeps_old_file(tmp_path):
    p = save_npz(tmp_path / "a.npz", {"x": np.arange(4)}, kind="t", version=1)
    with pytest.raises(InputError):
        save_npz(p, {"x": np.arange(3)}, kind="t", version=1, meta={"bad": float("nan")})
    arrays, _ = load_npz(p, kind="t", max_version=1)
    assert arrays["x"].tolist() == [0, 1, 2, 3]


def test_newer_version_refused(tmp_path):
    p = save_npz(tmp_path / "a", {"x": np.arange(2)}, kind="t", version=3)
    with pytest.raises(FormatError, match="version 3"):
        load_npz(p, kind="t", max_version=2)


def test_wrong_kind_refused(tmp_path):
    p = save_npz(tmp_path / "a", {"x": np.arange(2)}, kind="model", version=1)
    with pytest.raises(FormatError, match="filmreco.model"):
        load_npz(p, kind="index", max_version=1)


def test_truncated_file(tmp_path):
    p = save_npz(tmp_path / "a", {"x": np.arange(1000)}, kind="t", version=1)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError):
        load_npz(p, kind="t", max_version=1)


def test_tampered_array_detected(tmp_path):
    p = save_npz(tmp_path / "a", {"x": np.arange(10)}, kind="t", version=1)
    with zipfile.ZipFile(p) as z:
        members = {n: z.read(n) for n in z.namelist()}
    buf = bytearray(members["x.npy"])
    buf[-1] ^= 0xFF
    members["x.npy"] = bytes(buf)
    with zipfile.ZipFile(p, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    with pytest.raises(FormatError, match="checksum"):
        load_npz(p, kind="t", max_version=1)


def test_edited_header_detected(tmp_path):
    p = save_npz(tmp_path / "a", {"x": np.arange(3)}, kind="t", version=1)
    with np.load(p) as npz:
        header = json.loads(str(npz["__meta__"][()]))
        x = npz["x"]
    header["sha256"]["y"] = header["sha256"].pop("x")
    np.savez(p, __meta__=np.array(json.dumps(header)), x=x)
    with pytest.raises(FormatError, match="modified"):
        load_npz(p, kind="t", max_version=1)


def test_not_a_filmreco_file(tmp_path):
    p = tmp_path / "plain.npz"
    np.savez(p, x=np.arange(3))
    with pytest.raises(FormatError, match="not a filmreco file"):
        load_npz(p, kind="t", max_version=1)
    q = tmp_path / "text.npz"
    q.write_text("hello")
    with pytest.raises(FormatError):
        load_npz(q, kind="t", max_version=1)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_npz(tmp_path / "nope.npz", kind="t", max_version=1)


def test_written_file_gets_the_usual_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        p = save_npz(tmp_path / "m", {"x": np.arange(2)}, kind="t", version=1)
    finally:
        os.umask(umask)
    assert (p.stat().st_mode & 0o777) == 0o644
