"""Every module of filmreco.search is private by name, or public with all its names exported
by the package and documented in docs/api/search.rst (issue 12)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import filmreco.search as search

API = (Path(__file__).parents[2] / "docs" / "api" / "search.rst").read_text(encoding="utf-8")
PUBLIC = {"index", "analyze", "query", "evaluation"}


def modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(search.__path__))


def test_the_public_modules_are_the_documented_ones():
    public = {m for m in modules() if not m.startswith("_")}
    assert public == PUBLIC
    documented = set(re.findall(r"``filmreco\.search\.(\w+)``", API))
    assert documented == PUBLIC


def test_public_modules_export_only_package_names():
    for name in sorted(PUBLIC):
        module = importlib.import_module(f"filmreco.search.{name}")
        names = set(module.__all__)
        assert names, name
        assert names <= set(search.__all__), (name, names - set(search.__all__))
        for n in names:
            assert getattr(module, n) is getattr(search, n)


def test_package_names_are_documented():
    for name in search.__all__:
        assert re.search(rf"\bfilmreco\.search\.{name}\b", API), name


def test_documented_defaults_match_the_code():
    def paragraph(name: str) -> str:
        return API.split(f".. py:data:: filmreco.search.{name}\n", 1)[1].split("\n\n.. ", 1)[0]

    assert re.findall(r"``(\w+)``", paragraph("CHANNELS")) == list(search.CHANNELS)
    names = re.findall(r"``(\w+)``", paragraph("DEFAULT_NAME_FIELDS"))
    assert names == list(search.DEFAULT_NAME_FIELDS)
    for name, table in [
        ("DEFAULT_FIELDS", search.DEFAULT_FIELDS),
        ("DEFAULT_WEIGHTS", search.DEFAULT_WEIGHTS),
    ]:
        text = paragraph(name)
        found: dict[str, float] = {}
        # "``a``, ``b`` and ``c`` 1.5": every field named before a number has that weight
        pending: list[str] = []
        for token in re.findall(r"``(\w+)``|(\d+\.\d+)", text):
            field, value = token
            if field:
                pending.append(field)
            else:
                found.update(dict.fromkeys(pending, float(value)))
                pending = []
        assert found == table, name
