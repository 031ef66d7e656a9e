"""IdMap: round trips, policies, extension and persistence."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from filmreco.exceptions import DuplicateError, FormatError, InputError, UnknownIdError
from filmreco.sparse import IdMap

# -1 and "" pad short result rows, so they are never ids (tested below)
int_id = st.integers(-(2**40), 2**40).filter(lambda x: x != -1)
int_ids = st.lists(int_id, unique=True, max_size=30)
# numpy unicode arrays drop trailing NUL characters, so ids are drawn without them
text = st.text(alphabet=st.characters(blacklist_characters="\x00"), min_size=1, max_size=6)
str_ids = st.lists(text, unique=True, max_size=30)
any_ids = st.one_of(int_ids, str_ids)


@given(any_ids)
def test_index_and_to_ids_round_trip(ids):
    m = IdMap(ids)
    assert len(m) == len(ids)
    assert m.ids.tolist() == ids
    assert m.index(ids).tolist() == list(range(len(ids)))
    assert m.to_ids(np.arange(len(ids))).tolist() == ids
    assert m.kind == ("str" if ids and isinstance(ids[0], str) else "int")
    for i, x in enumerate(ids):
        assert x in m and m[x] == i


@given(
    st.one_of(
        st.lists(st.integers(-5, 5).filter(lambda x: x != -1), max_size=40),
        st.lists(st.sampled_from("abcde")),
    )
)
def test_from_values_codes_reproduce_values(values):
    m, codes = IdMap.from_values(values)
    assert codes.dtype == np.int64
    assert m.ids[codes].tolist() == values
    first_seen = list(dict.fromkeys(values))
    assert m.ids.tolist() == first_seen  # order of first appearance
    ms, codes_s = IdMap.from_values(values, sort=True)
    assert ms.ids.tolist() == sorted(first_seen)
    assert ms.ids[codes_s].tolist() == values
    # lookups of a from_values map agree with a freshly built one
    assert m.index(first_seen).tolist() == IdMap(first_seen).index(first_seen).tolist()
    assert ms.index(first_seen).tolist() == IdMap(sorted(first_seen)).index(first_seen).tolist()


@given(int_ids, st.lists(st.integers(-(2**40), 2**40), max_size=10))
def test_on_unknown_policies(ids, queries):
    m = IdMap(ids)
    pos = {x: i for i, x in enumerate(ids)}
    masked = [pos.get(q, -1) for q in queries]
    assert m.index(queries, on_unknown="mask").tolist() == masked
    assert m.index(queries, on_unknown="ignore").tolist() == [i for i in masked if i >= 0]
    assert m.contains(queries).tolist() == [i >= 0 for i in masked]
    if -1 in masked:
        with pytest.raises(UnknownIdError, match="unknown") as info:
            m.index(queries)
        assert isinstance(info.value, KeyError)
    else:
        assert m.index(queries).tolist() == masked


def test_on_unknown_bad_policy_and_padding():
    m = IdMap(["a", "b"])
    with pytest.raises(InputError, match="on_unknown"):
        m.index(["a"], on_unknown="drop")
    assert m.to_ids([1, -1]).tolist() == ["b", ""]
    assert IdMap([-3, 7]).to_ids([-1, 0]).tolist() == [-1, -3]
    with pytest.raises(InputError, match=r"\[-1, 1\]"):
        m.to_ids([2])


def test_mismatched_id_types_raise_type_error():
    with pytest.raises(TypeError, match="str ids but this IdMap holds int ids"):
        IdMap([1, 2]).index(["1"])
    with pytest.raises(TypeError, match="int ids but this IdMap holds str ids"):
        IdMap(["1", "2"]).index([1])
    with pytest.raises(TypeError):
        IdMap([1, 2]).extend(["x"])
    assert "1" not in IdMap([1, 2])


def test_duplicates_and_bad_ids():
    with pytest.raises(DuplicateError, match="-7"):
        IdMap([-7, 3, -7])
    with pytest.raises(DuplicateError, match="'x'"):
        IdMap(["x", "y", "x"])
    with pytest.raises(InputError, match="NaN"):
        IdMap([1.0, np.nan])
    with pytest.raises(InputError, match="None"):
        IdMap([1, "a", None])
    with pytest.raises(InputError, match="non-integer"):
        IdMap([1.5])
    assert IdMap([1.0, 2.0]).kind == "int"


@pytest.mark.parametrize(
    "ids",
    [[3, -1], np.array([-1]), [2.0, -1.0], ["a", ""], np.array(["", "b"]), [1, "a", ""], [-1, "a"]],
)
def test_padding_values_are_refused_as_ids(ids):
    with pytest.raises(InputError, match="pad result rows") as info:
        IdMap(ids)
    assert str(info.value).startswith("ids contains the id")
    with pytest.raises(InputError, match="^user_ids contains the id"):
        IdMap.from_values(list(ids) * 2, name="user_ids")
    if len({isinstance(x, str) for x in ids}) == 1:  # sort=True and extend need one kind
        with pytest.raises(InputError, match="pad result rows"):
            IdMap.from_values(ids, sort=True)
        with pytest.raises(InputError, match="pad result rows"):
            IdMap(["x"] if isinstance(ids[0], str) else [7, 8]).extend(ids)


def test_padding_stays_distinct_from_every_id():
    # -1 and "" are the only padding; any other id (other negatives included) round-trips
    m = IdMap([-2, 0, 5])
    assert m.to_ids([0, -1]).tolist() == [-2, -1] and m.missing == -1
    s = IdMap([" ", "a"])
    assert s.to_ids([0, -1]).tolist() == [" ", ""] and s.missing == ""


def test_mixed_object_ids():
    m = IdMap([1, "a"])
    assert m.kind == "object"
    assert m.index(["a", 1]).tolist() == [1, 0]
    assert m.to_ids([1, -1]).tolist() == ["a", None]
    with pytest.raises(InputError, match="without pickle"):
        m.to_arrays()


@given(any_ids, st.data())
def test_extend_keeps_old_indices(ids, data):
    kind_ids = int_ids if not ids or isinstance(ids[0], int) else str_ids
    more = data.draw(kind_ids)
    m = IdMap(ids)
    m2 = m.extend(more + more[:2])
    assert m2.ids.tolist()[: len(ids)] == ids
    assert m2.index(ids).tolist() == list(range(len(ids)))
    fresh = [x for x in dict.fromkeys(more) if x not in set(ids)]
    assert m2.ids.tolist()[len(ids) :] == fresh
    assert m.ids.tolist() == ids  # the old map is unchanged


def test_extend_keeps_long_string_ids():
    # wider existing ids must not be truncated to the width of the new ones
    m = IdMap(["hello", "world"]).extend(["a"])
    assert m.ids.tolist() == ["hello", "world", "a"]
    assert m.index(["world", "a"]).tolist() == [1, 2]


def test_subset():
    m = IdMap([10, 20, 30]).subset([2, 0])
    assert m.ids.tolist() == [30, 10] and m.index([10]).tolist() == [1]


@given(any_ids)
def test_save_load_round_trip(tmp_path_factory, ids):
    path = tmp_path_factory.mktemp("idmap") / "ids.npz"
    m = IdMap(ids)
    m.save(path)
    back = IdMap.load(path)
    assert back == m and back.kind == m.kind
    assert back.ids.tolist() == ids
    assert back.index(ids).tolist() == list(range(len(ids)))


def test_load_of_a_truncated_file_raises(tmp_path):
    path = tmp_path / "ids.npz"
    IdMap(["tt01", "tt02", "tt03"]).save(path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(FormatError):
        IdMap.load(path)


def test_load_of_an_edited_file_raises(tmp_path):
    path = tmp_path / "ids.npz"
    IdMap([1, 2, 3]).save(path)
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    with np.load(path, allow_pickle=False) as npz:
        ids = npz["ids"].copy()
    ids[0] = 99  # same shape and dtype, different content
    edited = tmp_path / "edited.npz"
    with zipfile.ZipFile(edited, "w") as z:
        for name, blob in members.items():
            if name == "ids.npy":
                with z.open(name, "w") as f:
                    np.lib.format.write_array(f, ids, allow_pickle=False)
            else:
                z.writestr(name, blob)
    with pytest.raises(FormatError, match="checksum"):
        IdMap.load(edited)


def test_load_of_another_kind_raises(tmp_path):
    from filmreco._persist import save_npz

    path = save_npz(tmp_path / "other", {"ids": np.arange(3)}, kind="Other", version=1)
    with pytest.raises(FormatError, match=r"expected 'filmreco\.IdMap'"):
        IdMap.load(path)
