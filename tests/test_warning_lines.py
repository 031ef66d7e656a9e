"""Every warning filmreco raises points at the user's line (issue 14).

Two checks: the source (every ``warnings.warn`` call in the package passes
``stacklevel=user_stacklevel()``, which walks out of the package however deep the warning
is raised), and a set of warnings triggered from this file through public calls of
different depths, whose reported filename must be this file.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import numpy as np
import pytest

import filmreco
from filmreco import Catalog, Interactions
from filmreco._validation import user_stacklevel
from filmreco.exceptions import DataWarning

SRC = Path(filmreco.__file__).parent
HERE = str(Path(__file__).resolve())


def _warn_calls() -> list[tuple[Path, ast.Call]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "warn"
                and getattr(node.func.value, "id", None) == "warnings"
            ):
                out.append((path, node))
    return out


def test_every_warnings_warn_uses_user_stacklevel() -> None:
    calls = _warn_calls()
    assert len(calls) > 10
    wrong = []
    for path, node in calls:
        level = next((k.value for k in node.keywords if k.arg == "stacklevel"), None)
        ok = (
            isinstance(level, ast.Call)
            and getattr(level.func, "id", None) == "user_stacklevel"
            and not level.args
        )
        if not ok:
            wrong.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not wrong, "warnings.warn without stacklevel=user_stacklevel(): " + ", ".join(wrong)


def test_user_stacklevel_counts_frames_inside_the_package() -> None:
    # called from here (outside the package), the warning belongs to this frame
    assert user_stacklevel() == 1


def _recorded(call) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        call()
    assert w, "the call did not warn"
    return w


def _cases() -> dict[str, object]:
    from filmreco.datasets import load_edgelist

    dup = b"user,item\n1,2\n1,2\n"
    return {
        # from_arrays directly, and the same warning two calls deeper (from_csv)
        "from_arrays duplicates": lambda: Interactions.from_arrays([1, 1], [2, 2]),
        "from_csv duplicates": lambda: Interactions.from_csv(dup),
        "from_csv on_nan": lambda: Interactions.from_csv(
            b"user,item,r\n1,2,\n1,3,4\n", value="r", on_nan="drop"
        ),
        "from_csv on_error": lambda: Interactions.from_csv(
            b"user,item,r\n1,2,x\n1,3,4\n", value="r", on_error="drop"
        ),
        "catalog on_error": lambda: Catalog.from_csv(b"id,year\n1,unkonwn\n", on_error="coerce"),
        "catalog records on_error": lambda: Catalog.from_records(
            [{"id": 1, "year": "x"}], on_error="drop"
        ),
        "edge list extra columns": lambda: load_edgelist(b"1 2 9\n2 3 9\n"),
        "to_implicit then subsets": lambda: Interactions.from_arrays(
            [np.nan, 1.0], [1, 2], on_nan="drop"
        ),
    }


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_warning_points_at_the_calling_line(name: str) -> None:
    for w in _recorded(CASES[name]):
        assert str(Path(w.filename).resolve()) == HERE, (name, w.filename, str(w.message))


def test_warnings_of_engines_point_here() -> None:
    from filmreco.datasets import make_synthetic
    from filmreco.search import SearchIndex

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        world = make_synthetic(n_users=30, n_items=12, random_state=0)
    long = [{"id": 1, "title": "活着" * 40}]
    got = _recorded(lambda: SearchIndex(max_field_chars=10).fit(long))
    assert all(str(Path(w.filename).resolve()) == HERE for w in got), [w.filename for w in got]
    X = world.interactions
    got = _recorded(lambda: Interactions.from_arrays(*X.to_arrays()[:2], user_map=X.user_ids,
                                                     item_map=X.item_ids.subset([0]),
                                                     on_unknown="ignore"))  # fmt: skip
    assert all(issubclass(w.category, DataWarning) for w in got)
    assert all(str(Path(w.filename).resolve()) == HERE for w in got)
