"""The layers of filmreco, checked on the imports of every module in src/filmreco.

Arrows point down only (docs/dev/architecture.rst draws them)::

    __main__                                   the command line, above all
    filmreco/__init__.py                       the curated top-level names
    campaign   privacy                         workflows on top (peers: neither imports the other)
    social                                     on recommend
    recommend         search                   engines; search stands on the core alone
    core: datasets > data, metrics > sparse, text > _validation, _parallel, _persist, _registry, _stats,
          _html
          > exceptions, _version

The test parses each file with :mod:`ast` (nothing is imported), so an import inside a
function or under ``if TYPE_CHECKING:`` counts like any other: a dependency is a dependency.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "filmreco"

#: The core, lowest first: a core unit may import core units of its own rank or lower.
CORE_RANK = {
    "exceptions": 0,
    "_version": 0,
    "_validation": 1,
    "_parallel": 1,
    "_registry": 1,  # kinds -> "module:qualname" strings, imported only when a file is loaded
    "_persist": 1,
    "_stats": 1,
    "_html": 1,  # notebook summary cards and number formatting
    "sparse": 2,
    "text": 2,
    "data": 3,
    "metrics": 3,
    "datasets": 4,
}
CORE = frozenset(CORE_RANK)
ENGINES = frozenset({"recommend", "social", "search"})
WORKFLOWS = frozenset({"campaign", "privacy"})

#: What each unit above the core may import (besides itself).
ALLOWED: dict[str, frozenset[str]] = {
    "recommend": CORE,
    "social": CORE | {"recommend"},
    "search": CORE,
    "campaign": CORE | ENGINES,
    "privacy": CORE | ENGINES,
    "filmreco": CORE | ENGINES | WORKFLOWS,  # the package's __init__.py: the public facade
    "conftest": frozenset(),  # doctest namespace only
    "__main__": CORE | ENGINES | WORKFLOWS | {"filmreco"},
}

#: Edges that break the layers today, each with the change that removes it. An entry that no
#: longer matches an import fails ``test_known_exceptions_are_still_needed``: delete it then.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    path: str  # relative to src/filmreco, e.g. "recommend/knn.py"
    line: int
    source: str  # the importing unit
    target: str  # the imported unit


def unit_of(module: str) -> str:
    """The layer unit of a dotted module name: its first component below ``filmreco``."""
    parts = module.split(".")
    assert parts[0] == "filmreco", module
    return parts[1] if len(parts) > 1 else "filmreco"


def _module_exists(dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:])
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def imports_of(path: Path) -> list[Import]:
    """Every import of a filmreco module in `path`, resolved to absolute dotted names."""
    rel = path.relative_to(SRC)
    parts = ["filmreco", *rel.with_suffix("").parts]
    package = parts[:-1]  # the package a relative import starts from
    if parts[-1] == "__init__":
        parts = parts[:-1]
    module = ".".join(parts)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                assert base, f"{rel}:{node.lineno}: relative import above filmreco"
                where = ".".join(base + ([node.module] if node.module else []))
            else:
                where = node.module or ""
            for alias in node.names:
                # `from . import social` imports a module; `from . import __version__` a name
                sub = f"{where}.{alias.name}"
                targets.append(sub if _module_exists(sub) else where)
        for t in targets:
            if t == "filmreco" or t.startswith("filmreco."):
                found.append(Import(rel.as_posix(), node.lineno, unit_of(module), unit_of(t)))
    return found


ALL_IMPORTS = [imp for f in sorted(SRC.rglob("*.py")) for imp in imports_of(f)]
CROSS_UNIT = [imp for imp in ALL_IMPORTS if imp.source != imp.target]


def allowed(imp: Import) -> bool:
    if imp.source in CORE:
        return imp.target in CORE and CORE_RANK[imp.target] <= CORE_RANK[imp.source]
    return imp.target in ALLOWED[imp.source]


def test_every_unit_has_a_layer():
    units = {p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    units |= {p.stem for p in SRC.glob("*.py") if p.stem != "__init__"}
    unknown = sorted(units - CORE - set(ALLOWED))
    assert not unknown, (
        f"{unknown} have no layer: add them to CORE_RANK or ALLOWED in tests/test_architecture.py "
        "and to docs/dev/architecture.rst."
    )


def test_imports_point_down_the_layers():
    bad = [
        f"{imp.path}:{imp.line}: {imp.source} imports {imp.target}"
        for imp in CROSS_UNIT
        if not allowed(imp) and (imp.path, imp.target) not in KNOWN_EXCEPTIONS
    ]
    assert not bad, "imports against the layers (see docs/dev/architecture.rst):\n" + "\n".join(bad)


def test_known_exceptions_are_still_needed():
    present = {(imp.path, imp.target) for imp in CROSS_UNIT if not allowed(imp)}
    stale = sorted(KNOWN_EXCEPTIONS - present)
    assert not stale, f"{stale} no longer break the layers: remove them from KNOWN_EXCEPTIONS."


def test_units_form_no_cycle():
    graph: dict[str, set[str]] = {}
    for imp in CROSS_UNIT:
        graph.setdefault(imp.source, set()).add(imp.target)
    for a, b in itertools.permutations(graph, 2):
        if b in graph[a] and a in graph.get(b, set()):
            pytest.fail(f"{a} and {b} import each other")


@pytest.mark.parametrize(
    ("source", "target", "ok"),
    [
        ("social", "recommend", True),
        ("recommend", "social", False),
        ("search", "recommend", False),
        ("sparse", "data", False),
        ("data", "sparse", True),
        ("campaign", "search", True),
        ("campaign", "privacy", False),
        ("recommend", "filmreco", False),
        ("__main__", "campaign", True),
    ],
)
def test_rules_can_fail(source, target, ok):
    assert allowed(Import("x.py", 1, source, target)) is ok


def test_parser_resolves_relative_imports():
    # an import found by a parser that resolves nothing would make every rule pass
    crossdomain = imports_of(SRC / "recommend" / "crossdomain.py")
    assert {i.target for i in crossdomain} >= {"recommend", "sparse"}
    main = imports_of(SRC / "__main__.py")
    assert {i.target for i in main} >= {"campaign", "recommend", "search", "social"}
