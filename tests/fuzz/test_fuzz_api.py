"""Fuzz every public entry point with bad values (issue 18, "Tests that keep it so").

The entry points are found, not listed: every function, class and public method that a
public module exports in ``__all__`` (``_fuzz_world.public_entries``). For each one and
each of its arguments, a case replaces the argument's valid value by a bad one from the
corpus (``_fuzz_corpus``) or drawn by hypothesis, runs the call in the worker process
(``_fuzz_worker``: a crash or a hang fails the case, not the run) and judges it: a clear
error or a valid result that passes the invariant checks is fine; a crash, a hang, any
other exception, or a result that breaks an invariant is a *finding*. A finding fails its
test unless ``_fuzz_known.KNOWN`` lists it (then the test is xfailed, and the strict
reproducer in ``test_known_finding_reproduces`` fails once the defect is fixed, so the
list shrinks with the fixes).
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pytest
from _fuzz_fixed import FIXED
from _fuzz_known import KNOWN
from _fuzz_stats import FuzzStats, scale
from _fuzz_world import ENTRIES_BY_NAME, NOT_FUZZED, RECEIVERS, has_builder
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

#: Share of the generic corpus values run per argument at scale 1 (the values derived from
#: the argument's valid value, which say the most about it, all run from scale 1 up);
#: ``FILMREC_FUZZ_SCALE=4`` runs the whole corpus.
GENERIC_SHARE = 0.25


def _fuzzed_entries() -> list[str]:
    out = []
    for name in ENTRIES_BY_NAME():
        cls_name = name.rsplit(".", 1)[0]
        if name in NOT_FUZZED:
            continue
        if cls_name in NOT_FUZZED and cls_name not in RECEIVERS:
            continue
        out.append(name)
    return out


ENTRIES = _fuzzed_entries()
_PLANS: dict[str, dict[str, list[str]]] = {}


def _plan(worker: Any, entry: str) -> dict[str, list[str]]:
    if entry not in _PLANS:
        answer = worker.run({"plan": entry})
        assert answer["outcome"] == "plan", f"{entry}: cannot build valid arguments\n" + str(
            answer.get("detail")
        )
        _PLANS[entry] = answer["plan"]
    return _PLANS[entry]


def _selected(entry: str, arg: str, key: str) -> bool:
    from _fuzz_corpus import GENERIC

    share = GENERIC_SHARE * scale() if key in GENERIC else scale()
    return zlib.crc32(f"{entry}|{arg}|{key}".encode()) % 10_000 < share * 10_000


def _known(entry: str, arg: str, outcome: str) -> tuple[str, str, str] | None:
    return KNOWN.get((entry, arg, outcome))


def _run(worker: Any, stats: FuzzStats, case: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    result = worker.run(case)
    known = _known(case["entry"], case["arg"], result["outcome"]) is not None
    stats.add(case, result, known=known)
    return result, known


def test_every_entry_point_has_valid_arguments() -> None:
    """A new public function, class or method needs a line in ``_fuzz_world``'s tables."""
    missing = [name for name, obj in ENTRIES_BY_NAME().items() if not has_builder(name, obj)]
    assert not missing, (
        "no valid base arguments for these public entry points; add them to the tables "
        f"in tests/fuzz/_fuzz_world.py (see docs/dev/fuzz.rst): {missing}"
    )


def test_the_walk_finds_the_api() -> None:
    """The walk sees functions, constructors and methods of every public module."""
    names = set(ENTRIES_BY_NAME())
    for expected in (
        "filmreco.sparse.topk",
        "filmreco.recommend.ALS",
        "filmreco.recommend.ALS.fit",
        "filmreco.recommend.ALS.recommend",
        "filmreco.social.maximize_influence",
        "filmreco.search.SearchIndex.search",
        "filmreco.data.Interactions.load",
        "filmreco.privacy.join",
    ):
        assert expected in names
    assert len(ENTRIES) > 200


@pytest.mark.parametrize("entry", ENTRIES)
def test_fuzz_entry_point(entry: str, fuzz_worker: Any, fuzz_stats: FuzzStats) -> None:
    """Every sampled bad value for every argument of `entry` ends well."""
    new, known = [], []
    for arg, keys in _plan(fuzz_worker, entry).items():
        for key in keys:
            if not _selected(entry, arg, key):
                continue
            case = {"entry": entry, "arg": arg, "key": key}
            result, is_known = _run(fuzz_worker, fuzz_stats, case)
            if result["outcome"] in ("error", "valid", "skip"):
                continue
            line = f"{arg}={key}: {result['outcome']}: {result['detail']} {result.get('where', '')}"
            (known if is_known else new).append(line)
    assert not new, f"{entry}: {len(new)} new finding(s):\n" + "\n".join(new[:40])
    if known:
        owners = sorted(
            {
                _known(entry, line.split("=", 1)[0], line.split(": ")[1])[0]  # type: ignore[index]
                for line in known
            }
        )
        pytest.xfail(f"{len(known)} known finding(s), owner: {', '.join(owners)}")


_PAIRS_CACHE: list[tuple[str, str]] = []


def _pairs(worker: Any) -> list[tuple[str, str]]:
    if not _PAIRS_CACHE:
        for entry in ENTRIES:
            for arg in _plan(worker, entry):
                if arg != "self":
                    _PAIRS_CACHE.append((entry, arg))
    return _PAIRS_CACHE


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    # sizes beyond a few hundred are valid requests for a lot of work (a hang that is no
    # bug), so big ints come only as the extremes every int argument must refuse
    st.integers(min_value=-300, max_value=300),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.binary(max_size=8),
)
_arrays = hnp.arrays(
    dtype=st.sampled_from([np.int64, np.int32, np.float64, np.float32, np.bool_, np.dtype("<U3")]),
    shape=hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4),
)
VALUES = st.one_of(
    _scalars,
    _arrays,
    st.lists(st.one_of(st.integers(-5, 50), st.text(max_size=3)), max_size=5),
    st.dictionaries(st.text(max_size=4), st.one_of(st.integers(), st.text(max_size=3)), max_size=3),
    st.lists(st.lists(st.integers(-3, 30), max_size=3), max_size=3),
)


@settings(
    max_examples=int(300 * scale()),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: a hang costs 15 s
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_fuzz_hypothesis_values(data: Any, fuzz_worker: Any, fuzz_stats: FuzzStats) -> None:
    """Values drawn by hypothesis, on an argument drawn from every entry point's."""
    entry, arg = data.draw(st.sampled_from(_pairs(fuzz_worker)), label="argument")
    value = data.draw(VALUES, label="value")
    case = {"entry": entry, "arg": arg, "key": f"hypothesis:{value!r}"[:200], "value": value}
    result, is_known = _run(fuzz_worker, fuzz_stats, case)
    assert is_known or result["outcome"] in ("error", "valid", "skip"), (
        f"{entry}({arg}={value!r}): {result['outcome']}: {result['detail']} "
        f"{result.get('where', '')}"
    )


KNOWN_CASES = [
    pytest.param(
        entry,
        arg,
        outcome,
        key,
        marks=pytest.mark.xfail(strict=True, reason=f"owner: {owner}"),
        id=f"{entry}-{arg}-{outcome}",
    )
    for (entry, arg, outcome), (owner, key, _detail) in sorted(KNOWN.items())
    if outcome != "hang" or scale() > 1
]


@pytest.mark.parametrize(("entry", "arg", "outcome", "key"), KNOWN_CASES)
def test_known_finding_reproduces(
    entry: str, arg: str, outcome: str, key: str, fuzz_worker: Any
) -> None:
    """A listed finding: fails (xfail) while the defect is there, XPASS(strict) once fixed."""
    result = fuzz_worker.run({"entry": entry, "arg": arg, "key": key})
    assert result["outcome"] != outcome, f"{result['detail']} {result.get('where', '')}"


@pytest.mark.parametrize(("entry", "arg", "key"), FIXED)
def test_fixed_finding_stays_fixed(
    entry: str, arg: str, key: str, fuzz_worker: Any, fuzz_stats: FuzzStats
) -> None:
    """A case that once crashed, hung or raised the wrong exception now ends well."""
    case = {"entry": entry, "arg": arg, "key": key}
    result, _ = _run(fuzz_worker, fuzz_stats, case)
    assert result["outcome"] in ("error", "valid"), (
        f"{result['outcome']}: {result['detail']} {result.get('where', '')}"
    )
