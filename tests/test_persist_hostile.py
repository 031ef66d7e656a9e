"""Files built to hurt the reader: inflating members, lying array headers, deep headers."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy

import filmreco
from filmreco import Interactions
from filmreco.exceptions import FormatError


def _saved(tmp_path):
    X = Interactions.from_arrays(["ann", "bob", "cy"], ["tt1", "tt2", "tt1"])
    return X.save(tmp_path / "log")


def _rewrite(src, dst, *, compress=(), replace=None):
    """Copy the archive member by member, deflating `compress` and swapping `replace`."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = replace.get(info.filename, zin.read(info))
            kind = zipfile.ZIP_DEFLATED if info.filename in compress else zipfile.ZIP_STORED
            zout.writestr(info.filename, data, compress_type=kind)
    return dst


def test_a_compressed_member_is_refused_before_it_inflates(tmp_path):
    path = _saved(tmp_path)
    names = zipfile.ZipFile(path).namelist()
    bomb = _rewrite(path, tmp_path / "bomb.npz", compress=names)
    with pytest.raises(FormatError, match="compressed member"):
        Interactions.load(bomb)
    with pytest.raises(FormatError, match="compressed member"):
        filmreco.load(bomb)


@pytest.mark.parametrize("shape", [(10**12,), (4, 10**11), (3,)])
def test_an_array_header_that_lies_about_its_size_is_refused(tmp_path, shape):
    path = _saved(tmp_path)
    member = next(n for n in zipfile.ZipFile(path).namelist() if not n.startswith("__meta__"))
    buf = io.BytesIO()
    npy.write_array_header_1_0(buf, {"descr": "<i8", "fortran_order": False, "shape": shape})
    buf.write(np.arange(2, dtype="<i8").tobytes())  # 2 values whatever the shape says
    liar = _rewrite(path, tmp_path / "liar.npz", replace={member: buf.getvalue()})
    with pytest.raises(FormatError, match="announces"):
        Interactions.load(liar)


def test_a_deeply_nested_header_is_a_format_error(tmp_path):
    deep = "[" * 200_000 + "]" * 200_000
    path = tmp_path / "deep.npz"
    np.savez(path, __meta__=np.array(deep))
    with pytest.raises(FormatError):
        filmreco.load(path)
    with pytest.raises(FormatError):
        Interactions.load(path)


def test_untouched_files_still_load(tmp_path):
    path = _saved(tmp_path)
    copy = _rewrite(path, tmp_path / "copy.npz")  # same members, stored again
    back = Interactions.load(copy)
    assert back.user_ids.ids.tolist() == ["ann", "bob", "cy"] and back.nnz == 3


def test_a_member_the_header_does_not_declare_is_refused(tmp_path):
    path = _saved(tmp_path)
    buf = io.BytesIO()
    np.save(buf, np.zeros(10))
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("extra.npy", buf.getvalue())
    with pytest.raises(FormatError, match="do not match its header"):
        Interactions.load(path)


def test_deeply_nested_json_inside_an_array_is_a_format_error(tmp_path):
    from filmreco import Catalog
    from filmreco._persist import save_npz

    arrays, meta = Catalog(["a", "b"], {"extra": [{"x": 1}, [1]]})._export()
    deep = "[" * 100_000 + "]" * 100_000
    arrays["f0_v"] = np.array([deep, "[1]"])
    path = save_npz(tmp_path / "deep", arrays, kind="Catalog", version=1, meta=meta)
    with pytest.raises(FormatError):
        filmreco.load(path)


# --------------------------------------------------- values and structure of loaded arrays
def _tamper(path, edit):
    """Rewrite a saved file with ``edit(arrays)`` applied, digests recomputed (a valid file)."""
    from filmreco._persist import read_npz, save_npz

    arrays, header = read_npz(path)
    edit(arrays)
    kind = header["format"][len("filmreco.") :]
    save_npz(path, arrays, kind=kind, version=header["format_version"], meta=header["meta"])
    return path


def _widen(name, value, at=0):
    """An edit storing array `name` as float64 with `value` at flat position `at`."""

    def edit(arrays):
        a = np.array(arrays[name], dtype=np.float64)
        a.flat[at] = value
        arrays[name] = a

    return edit


@pytest.fixture(scope="module")
def _models():
    from filmreco import recommend as R
    from filmreco.datasets import make_synthetic

    X = make_synthetic(n_users=25, n_items=15, density=0.3, random_state=4).interactions
    return {
        "ALS": R.ALS(8, max_iter=3, random_state=0).fit(X),
        "Popularity": R.Popularity().fit(X),
        "ItemKNN": R.ItemKNN().fit(X),
    }


@pytest.mark.parametrize(
    ("model", "name"),
    [
        ("ALS", "state_user_factors"),
        ("ALS", "state_item_factors"),
        ("ALS", "ui_data"),
        ("ALS", "item_popularity"),
        ("Popularity", "state_item_scores"),
        ("ItemKNN", "ui_data"),
    ],
)
def test_a_float64_value_beyond_float32_is_refused_on_load(tmp_path, _models, model, name):
    """A finite float64 value that overflows the float32 a model computes in (1e300) was
    checked as finite before the cast and became inf: now a FormatError naming the array."""
    models = _models
    path = _tamper(models[model].save(tmp_path / "m"), _widen(name, 1e300))
    shown = name.removeprefix("state_")  # a model state array is named without the prefix
    with pytest.raises(FormatError, match=rf"{shown}.*beyond the float32 range.*1e\+300"):
        type(models[model]).load(path)


def test_float64_values_within_float32_still_load(tmp_path, _models):
    """Widening a member to float64 without overflow is accepted (same scores)."""
    models = _models
    m = models["ALS"]
    path = _tamper(m.save(tmp_path / "m"), _widen("state_user_factors", 0.5))
    back = type(m).load(path)
    assert np.isfinite(back.user_factors_).all() and back.user_factors_.dtype == np.float32


@pytest.mark.parametrize("how", ["duplicate", "unsorted"])
@pytest.mark.parametrize("model", ["ALS", "ItemKNN"])
def test_a_non_canonical_training_matrix_is_refused_on_load(tmp_path, _models, model, how):
    """A row with a repeated or out-of-order column index (filmreco never writes one) used
    to load and count the item twice in explain and scores; now a FormatError."""
    models = _models

    def edit(arrays):
        ind, ptr = arrays["ui_indices"].copy(), arrays["ui_indptr"]
        row = int(np.flatnonzero(np.diff(ptr) >= 2)[0])
        a = int(ptr[row])
        if how == "duplicate":
            ind[a + 1] = ind[a]
        else:
            ind[a], ind[a + 1] = ind[a + 1], ind[a]
        arrays["ui_indices"] = ind

    path = _tamper(models[model].save(tmp_path / "m"), edit)
    with pytest.raises(FormatError, match="ui_indices.*unsorted or repeated"):
        type(models[model]).load(path)


def test_a_non_canonical_interactions_file_is_refused(tmp_path):
    X = Interactions.from_arrays(["ann", "ann", "bob"], ["tt1", "tt2", "tt1"])

    def edit(arrays):
        arrays["indices"] = arrays["indices"][[1, 0, 2]]

    path = _tamper(X.save(tmp_path / "log"), edit)
    with pytest.raises(FormatError, match="unsorted or repeated"):
        filmreco.load(path)
