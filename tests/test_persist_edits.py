"""Every saveable kind against edited files with valid digests (issue 18, defect 5).

For each kind in :data:`filmreco._registry.KINDS` a small fitted instance is saved, then the
file is edited and re-signed (digests recomputed, so only the loader's own checks stand
between the edit and the user): every header key deleted, every scalar of the metadata set
to bad values, every array dropped, truncated, extended, retyped, or given a NaN. Loading
must raise :class:`~filmreco.exceptions.FormatError`, or give an object that is exactly the
original (an ignored or defaulted entry) or exactly the edited file (a valid new value):
never a raw ``KeyError``/``TypeError``/..., and never an object that is neither.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import numpy as np
import pytest

import filmreco
from filmreco import Catalog, Interactions
from filmreco._persist import _digest, _header_digest, read_npz
from filmreco._registry import KINDS
from filmreco.datasets import make_synthetic
from filmreco.exceptions import FormatError, InputError
from filmreco.privacy import Pseudonymizer
from filmreco.recommend import (
    ALS,
    BPR,
    EASE,
    EDLAE,
    SANSA,
    ContentBased,
    CrossDomain,
    HigherOrderEASE,
    Hybrid,
    ItemKNN,
    Popularity,
    RP3beta,
)
from filmreco.search import SearchIndex
from filmreco.social import (
    IndependentCascade,
    LinearThreshold,
    ReachRecommender,
    SocialGraph,
    SocialRecommender,
)
from filmreco.sparse import IdMap

#: Values every scalar of the metadata is set to in turn.
BAD_VALUES: list[Any] = [-3, 0, math.nan, "x", None, 1e300, 2**70]
#: For hyper-parameters these are never valid: loading must refuse them.
NEVER_VALID: list[Any] = [math.nan, "x"]


@cache
def _world() -> Any:
    return make_synthetic(
        n_users=24,
        n_items=14,
        density=0.25,
        avg_degree=3,
        partner_items=10,
        partner_overlap=0.8,
        partner_density=0.3,
        random_state=5,
    )


def _graph() -> SocialGraph:
    return SocialGraph.from_edgelist(_world().graph)


def _fit(model: Any, **kw: Any) -> Any:
    return model.fit(_world().interactions, **kw)


def _catalog() -> Catalog:
    return Catalog(
        ["tt1", "tt2", "tt3"],
        {
            "title": ["星际", "地球", None],
            "year": [1999, None, 2020],
            "score": [7.5, 8.0, None],
            "genres": [["喜剧"], [], ["动作", "科幻"]],
            "free": [True, False, None],
            "extra": [{"a": 1}, None, [1, 2]],
        },
    )


def _search_index() -> SearchIndex:
    records = [
        {"id": "f1", "title": "星际穿越", "year": 2014},
        {"id": "f2", "title": "流浪地球", "year": 2019},
        {"id": "f3", "title": "地球最后的夜晚", "year": 2018},
    ]
    return SearchIndex().fit(records)


def _pseudonymized() -> Any:
    return Pseudonymizer(b"0123456789abcdef-test").pseudonymize_interactions(_world().interactions)


def _pseudonym_table() -> Any:
    return Pseudonymizer(b"0123456789abcdef-test").table(["ann", "bob", "cy"])


#: kind -> a factory of one small instance (fitted where that applies).
FACTORIES: dict[str, Callable[[], Any]] = {
    "IdMap": lambda: IdMap(["a", "b", "c"]),
    "Interactions": lambda: _world().interactions,
    "Catalog": _catalog,
    "EdgeList": lambda: _world().graph,
    "SocialGraph": _graph,
    "IndependentCascade": lambda: IndependentCascade(_graph(), "trivalency", random_state=3),
    "LinearThreshold": lambda: LinearThreshold(_graph()),
    "SearchIndex": _search_index,
    "privacy.Pseudonymized": _pseudonymized,
    "privacy.PseudonymTable": _pseudonym_table,
    "recommender.ALS": lambda: _fit(ALS(4, regularization=1.0, max_iter=3, random_state=3)),
    "recommender.BPR": lambda: _fit(BPR(4, max_iter=5, random_state=3)),
    "recommender.ContentBased": lambda: _fit(ContentBased(_world().catalog)),
    "recommender.CrossDomain": lambda: _fit(
        CrossDomain(4, max_iter=3, random_state=3), partner=_world().partner
    ),
    "recommender.EASE": lambda: _fit(EASE(20.0)),
    "recommender.EDLAE": lambda: _fit(EDLAE(20.0, 0.3)),
    "recommender.HigherOrderEASE": lambda: _fit(HigherOrderEASE(20.0, 50.0, n_pairs=20)),
    "recommender.SANSA": lambda: _fit(SANSA(20.0, density=0.3)),
    "recommender.Hybrid": lambda: _fit(Hybrid([EASE(20.0), ItemKNN(5)], weights=[1.0, 0.5])),
    "recommender.ItemKNN": lambda: _fit(ItemKNN(5, shrinkage=1.0)),
    "recommender.Popularity": lambda: _fit(Popularity(half_life=10.0)),
    "recommender.RP3beta": lambda: _fit(RP3beta(0.8, 0.4, 5)),
    "recommender.SocialRecommender": lambda: _fit(SocialRecommender(EASE(20.0), _graph())),
    "recommender.ReachRecommender": lambda: _fit(
        ReachRecommender(IndependentCascade(_graph(), 0.2), n_runs=10, random_state=3)
    ),
}
#: more instances of some kinds: a file layout the first one does not show
VARIANTS: dict[str, Callable[[], Any]] = {
    "Interactions-seen": lambda: _rated().to_implicit(4),
    "recommender.EASE-seen": lambda: EASE(20.0).fit(_rated().to_implicit(4)),
    # format version 3: erasure records (counted views; learned weights), a seen set
    "recommender.Popularity-seen": lambda: Popularity().fit(_rated().to_implicit(4)),
    "recommender.Hybrid-learned": lambda: _fit(Hybrid([Popularity(), ItemKNN(5)])),
}


@cache
def _rated() -> Interactions:
    w = make_synthetic(n_users=20, n_items=12, density=0.3, with_ratings=True, random_state=2)
    return w.interactions


#: kinds of the table that only old files carry (read through another kind's loader).
LEGACY = {"SocialRecommender"}


def test_every_registered_kind_has_a_factory():
    assert set(FACTORIES) == set(KINDS) - LEGACY


# ------------------------------------------------------------------ editing a file
def _write(path: Any, arrays: dict[str, np.ndarray], header: dict[str, Any]) -> None:
    """Write `arrays` and `header` as a filmreco file with valid digests."""
    header = json.loads(json.dumps(header))
    if isinstance(header.get("sha256"), dict):
        header["sha256"] = {k: _digest(np.asarray(v)) for k, v in arrays.items()}
    if "header_sha256" in header:
        header["header_sha256"] = _header_digest(header)
    np.savez(path, __meta__=np.array(json.dumps(header)), **arrays)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path into the dicts of a JSON header (lists are entered too)."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in items:
        yield (*at, k)
        if isinstance(v, (dict, list)):
            yield from _paths(v, (*at, k))


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        node = node[k]
    return node


def _edits(
    arrays: dict[str, np.ndarray], header: dict[str, Any]
) -> Iterator[tuple[str, dict[str, np.ndarray], dict[str, Any], bool]]:
    """(label, arrays, header, must_fail) for every edit of a saved file."""
    for path in list(_paths(header)):
        if path[0] == "header_sha256" or isinstance(_get(header, path[:-1]), list):
            continue
        h = json.loads(json.dumps(header))
        del _get(h, path[:-1])[path[-1]]
        yield f"drop key {'.'.join(map(str, path))}", arrays, h, False
    for path in list(_paths(header["meta"], ("meta",))):
        if isinstance(_get(header, path), (dict, list)):
            continue
        # a number or flag among the hyper-parameters (a str may be a valid field name)
        is_param = "params" in path and not isinstance(_get(header, path), str)
        for value in BAD_VALUES:
            h = json.loads(json.dumps(header))
            _get(h, path[:-1])[path[-1]] = value
            must = is_param and any(value is v or value == v for v in NEVER_VALID)
            yield f"set {'.'.join(map(str, path))}={value!r}", arrays, h, must
    for name, a in arrays.items():
        rest = {k: v for k, v in arrays.items() if k != name}
        yield f"drop array {name}", rest, header, False
        if a.ndim >= 1:
            yield f"truncate {name}", {**rest, name: a[:-1]}, header, False
            longer = np.concatenate([a, a[-1:] if len(a) else np.zeros(1, a.dtype)])
            yield f"extend {name}", {**rest, name: longer}, header, False
        kinds = {"i": ["f8", "U3", "i4"], "u": ["f8", "U3"], "f": ["i8", "U3", "f2"]}
        kinds.update({"U": ["i8", "f8"], "b": ["f8", "U3"]})
        for dt in kinds.get(a.dtype.kind, []):
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    b = a.astype(dt)
            except (ValueError, OverflowError):
                continue
            yield f"dtype {name}->{dt}", {**rest, name: b}, header, False
        if a.ndim == 1 and a.size >= 2 and a[-1] != a[0]:  # e.g. a duplicate id
            b = a.copy()
            b[-1] = a[0]
            yield f"repeat first in {name}", {**rest, name: b}, header, False
        if a.dtype.kind in "iu" and a.size:  # an index, offset, count or shape out of range
            for bad in (-1, 2**40):
                if a.dtype.kind == "u" and bad < 0:
                    continue
                b = a.astype(np.int64)
                b.flat[-1] = bad
                yield f"{bad} in {name}", {**rest, name: b}, header, False
        if a.dtype.kind == "f" and a.size:
            for bad in (math.nan, math.inf):
                b = a.copy()
                b.flat[0] = bad
                yield f"{bad} in {name}", {**rest, name: b}, header, True


def _same(a: Any, b: Any, *, cast: bool = False) -> bool:
    """Whether two exports (arrays, meta) are identical (NaN equal to NaN).

    With `cast`, an array may differ in dtype when its values are equal (a loader that
    converts a stored int or float16 array to its working dtype without loss).
    """
    (xa, ma), (xb, mb) = a, b
    if set(xa) != set(xb):
        return False
    for k in xa:
        u, v = np.asarray(xa[k]), np.asarray(xb[k])
        if u.shape != v.shape or (u.dtype != v.dtype and not cast):
            return False
        if u.dtype != v.dtype and (u.dtype.kind == "U") != (v.dtype.kind == "U"):
            return False
        if not np.array_equal(u, v, equal_nan=u.dtype.kind in "fc"):
            return False
    return json.dumps(ma, sort_keys=True) == json.dumps(mb, sort_keys=True)


def _overlay(edited: Any, original: Any, baseline: Any) -> Any:
    """`edited` with what loading normalises (where `baseline` differs from `original`)."""
    if isinstance(edited, dict) and isinstance(original, dict) and isinstance(baseline, dict):
        out = dict(edited)
        for k in set(original) | set(baseline):
            if k not in baseline:
                out.pop(k, None)
            elif k not in original:
                out[k] = baseline[k]
            elif original[k] != baseline[k] and k in out:
                out[k] = _overlay(out[k], original[k], baseline[k])
        return out
    return baseline if edited == original else edited


def _check_edit(tmp_path: Any, cls: type, baseline: Any, edit: tuple, original: Any) -> str:
    """'refused' / 'harmless' / 'valid edit', or 'FAIL: ...' with what went wrong."""
    label, arrays, header, must_fail = edit
    path = tmp_path / "edited.npz"
    _write(path, arrays, header)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            back = cls.load(path)
    except FormatError:
        return "refused"
    except Exception as exc:
        return f"FAIL: {label}: {type(exc).__name__}: {str(exc)[:200]}"
    if must_fail:
        return f"FAIL: {label}: loaded"
    again = back._export()
    if _same(again, baseline):
        return "harmless"
    expected = _overlay(header.get("meta"), original, baseline[1])
    if not _same(again, (arrays, expected), cast=True):
        return f"FAIL: {label}: silently changed"
    return "valid edit"


@pytest.mark.parametrize("kind", sorted(FACTORIES) + sorted(VARIANTS))
def test_edited_files_are_refused_or_harmless(tmp_path, kind):
    obj = {**FACTORIES, **VARIANTS}[kind]()
    saved = obj.save(tmp_path / "orig")
    arrays, header = read_npz(saved)
    cls = type(obj)
    baseline = cls.load(saved)._export()  # unsaved parameters come back as their defaults
    counts: dict[str, int] = {}
    failures = []
    for edit in _edits(arrays, header):
        if kind == "Catalog" and re.fullmatch(r"(nan|inf) in f\d+_v", edit[0]):
            edit = (*edit[:3], False)  # a catalogue value may be inf (NaN reads as missing)
        outcome = _check_edit(tmp_path, cls, baseline, edit, header["meta"])
        if outcome.startswith("FAIL"):
            failures.append(outcome)
        else:
            counts[outcome] = counts.get(outcome, 0) + 1
    print(f"\n{kind}: {sum(counts.values()) + len(failures)} edits, {counts}")
    assert not failures, f"{kind}: {len(failures)} failures\n" + "\n".join(failures)


@pytest.mark.parametrize(
    ("kind", "param", "value", "message"),
    [
        ("recommender.ALS", "n_factors", -3, "n_factors must be >= 1"),
        ("recommender.EASE", "regularization", "x", "regularization must be a real number"),
        ("recommender.ItemKNN", "n_neighbors", 0, "n_neighbors must be >= 1"),
        ("recommender.BPR", "learning_rate", math.nan, "learning_rate"),
        ("recommender.ALS", "track_loss", "yes", "track_loss must be True or False"),
    ],
)
def test_an_edited_parameter_fails_the_check_fit_uses(tmp_path, kind, param, value, message):
    saved = FACTORIES[kind]().save(tmp_path / "model")
    arrays, header = read_npz(saved)
    header["meta"]["params"][param] = value
    _write(saved, arrays, header)
    with pytest.raises(FormatError, match=message) as info:
        filmreco.load(saved)
    assert str(saved) in str(info.value)  # which file
    cause = info.value.__cause__
    while cause is not None and not isinstance(cause, InputError):
        cause = cause.__cause__
    assert isinstance(cause, InputError)  # chained from the constructor's own check
    with pytest.raises(InputError, match=message):  # the same check as fit's
        type(FACTORIES[kind]()).__call__(**{param: value}).fit(_world().interactions)


def test_a_missing_key_is_named(tmp_path):
    saved = FACTORIES["recommender.EASE"]().save(tmp_path / "model")
    arrays, header = read_npz(saved)
    del header["meta"]["params"]["memory_limit"]
    _write(saved, arrays, header)
    with pytest.raises(FormatError, match="lack \\['memory_limit'\\]"):
        filmreco.load(saved)
    arrays, header = read_npz(FACTORIES["recommender.EASE"]().save(tmp_path / "m2"))
    del arrays["state_weights"]
    _write(tmp_path / "m2.npz", arrays, header)
    with pytest.raises(FormatError, match="'weights'"):
        filmreco.load(tmp_path / "m2.npz")
