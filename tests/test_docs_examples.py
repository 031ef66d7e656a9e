"""Every public name has a runnable example.

A public name is a function or class in the ``__all__`` of :mod:`filmreco` or of one of its
public subpackages and modules (no component starting with ``_``). Its docstring must have a
numpydoc ``Examples`` section with ``>>>`` lines; ``pytest --doctest-modules`` (on in
pyproject.toml) runs them. Constants (``GROUPS``, ``METRICS``...) carry no docstring of their
own and are not counted.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import filmreco

#: Public names without an example: none since issue 12. A name added here (never do so for a
#: new name) fails ``test_missing_list_is_current`` once it gains an example.
MISSING: set[str] = set()

_EXAMPLES = re.compile(r"^Examples\n-{8,}\n(?:.*\n)*?\s*>>> ", re.MULTILINE)


def public_modules() -> list[str]:
    names = ["filmreco"]
    for info in pkgutil.walk_packages(filmreco.__path__, "filmreco."):
        parts = info.name.split(".")[1:]
        if not any(p.startswith("_") for p in parts) and info.name != "filmreco.conftest":
            names.append(info.name)
    return names


def public_names() -> dict[str, object]:
    """First public home of every documented function and class, by dotted name."""
    out: dict[str, object] = {}
    seen: set[int] = set()
    for modname in public_modules():
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or callable(obj)) or id(obj) in seen:
                continue
            seen.add(id(obj))
            out[f"{modname}.{name}"] = obj
    return out


def has_example(obj: object) -> bool:
    return bool(_EXAMPLES.search((inspect.getdoc(obj) or "") + "\n"))


NAMES = public_names()


def test_every_public_name_has_an_example():
    lacking = sorted(n for n, obj in NAMES.items() if not has_example(obj) and n not in MISSING)
    assert not lacking, (
        "public names without a runnable Examples section (add one with >>> lines; doctest "
        "runs it):\n" + "\n".join(lacking)
    )


def test_missing_list_is_current():
    done = sorted(n for n in MISSING if n in NAMES and has_example(NAMES[n]))
    assert not done, f"{done} have an example now: remove them from MISSING."


def test_the_names_issue_12_asks_for_have_examples():
    for name in (
        "filmreco.campaign.plan",
        "filmreco.social.evaluate_social",
        "filmreco.recommend.tune",
    ):
        assert has_example(NAMES[name]), name


def test_detector_can_fail():
    def documented():
        """Do nothing.

        Examples
        --------
        >>> documented()
        """

    def prose_only():
        """Do nothing.

        Examples
        --------
        Call it.
        """

    assert has_example(documented) and not has_example(prose_only)
    assert len(NAMES) > 80
