"""The code in the user guide runs, so the guides cannot drift from the API.

Each page of ``docs/guide/*.rst`` is one test. Its code runs in the order it appears, in one
namespace per page, inside a temporary working directory:

* a ``.. code-block:: python`` block is executed (``exec``); when its first line starts with
  ``>>>`` it is a doctest instead, and its printed output is compared;
* a paragraph of ``>>>`` lines (an rst doctest block) is a doctest too;
* literal blocks (``::``) are shell commands or output: never run.

A block that cannot run offline in a test (a remote cluster, ``../shared`` data) is marked by
an rst comment on the line just above its directive, giving the reason::

    .. guide-test: skip (needs a Dask scheduler)

    .. code-block:: python

and code a page needs but does not show (for example a stand-in for the user's own file) goes
in an rst comment, which Sphinx does not render::

    .. guide-test: setup

        observed_log = p.treated[:40]

A traceback names the page and its line numbers, because each block is compiled with the
page's path and padded to the block's first line.
"""

from __future__ import annotations

import doctest
import re
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from filmreco.exceptions import FilmrecoWarning

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "guide"
PAGES = sorted(GUIDE.glob("*.rst"))

_DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\. code-block:: python\s*$")
_SKIP = re.compile(r"^\s*\.\. guide-test: skip \((?P<reason>[^)]+)\)\s*$")
_SETUP = re.compile(r"^(?P<indent>\s*)\.\. guide-test: setup\s*$")
_OTHER_BODY = re.compile(r"^\s*\.\. [\w:-]+::|.*::\s*$")
_MARKER = re.compile(r"^\s*\.\. guide-test:")
_DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the block's first line of code in the page
    code: str
    kind: str  # "exec" or "doctest"
    skip: str | None = None  # the reason, when marked skip


def _body(lines: list[str], start: int, indent: int) -> tuple[int, list[str]]:
    """The indented body after a directive: (index of its first line, its lines)."""
    i = start
    while i < len(lines) and (not lines[i].strip() or lines[i].strip().startswith(":")):
        if lines[i].strip().startswith(":") and _indent(lines[i]) <= indent:
            break
        i += 1  # blank lines and directive options
    first = i
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > indent):
        i += 1
    body = lines[first:i]
    while body and not body[-1].strip():
        body.pop()
    return first, body


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def blocks_of(path: Path) -> list[Block]:
    """The runnable blocks of one guide page, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if m := _DIRECTIVE.match(line) or _SETUP.match(line):
            first, body = _body(lines, i + 1, len(m.group("indent")))
            code = textwrap.dedent("\n".join(body))
            kind = "doctest" if code.lstrip().startswith(">>>") else "exec"
            skip = None
            prev = [ln for ln in lines[:i] if ln.strip()]
            if prev and (s := _SKIP.match(prev[-1])):
                skip = s.group("reason")
            elif prev and _MARKER.match(prev[-1]) and not _SETUP.match(line):
                raise AssertionError(
                    f"{path.name}:{i}: unknown marker {prev[-1].strip()!r}; use "
                    "'.. guide-test: skip (reason)' or '.. guide-test: setup'"
                )
            out.append(Block(first + 1, code + "\n", kind, skip))
            i = first + len(body)
        elif _OTHER_BODY.match(line):  # a literal block or another directive: never run
            first, body = _body(lines, i + 1, _indent(line))
            i = max(first + len(body), i + 1)
        elif line.lstrip().startswith(">>>"):
            first = i
            while i < len(lines) and lines[i].strip():
                i += 1
            code = textwrap.dedent("\n".join(lines[first:i]))
            out.append(Block(first + 1, code + "\n", "doctest"))
        else:
            i += 1
    return out


def run_block(block: Block, path: Path, namespace: dict) -> None:
    if block.kind == "exec":
        source = "\n" * (block.line - 1) + block.code
        exec(compile(source, str(path), "exec"), namespace)
        return
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block.code, namespace, path.name, str(path), block.line - 1)
    runner = doctest.DocTestRunner(optionflags=_DOCTEST_FLAGS)
    failures: list[str] = []

    def report(out: str) -> None:
        failures.append(out)

    runner.run(test, out=report, clear_globs=False)
    assert runner.failures == 0, "".join(failures)


@pytest.fixture
def page_env(tmp_path, monkeypatch):
    """Run a page in an empty folder, with a non-interactive matplotlib."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    yield
    plt = __import__("sys").modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_guide_page_runs(path, page_env):
    blocks = blocks_of(path)
    namespace: dict = {"__name__": f"guide_{path.stem.replace('-', '_')}"}
    for block in blocks:
        if block.skip is None:
            with warnings.catch_warnings():
                # a guide may show a filmreco warning (dropped rows, capped counts): it is
                # part of the output the reader sees; any other warning stays an error
                warnings.simplefilter("ignore", FilmrecoWarning)
                run_block(block, path, namespace)


def test_every_page_is_found():
    # the guide pages the docs index lists must all be checked here
    assert {p.stem for p in PAGES} >= {"getting-started", "recommend", "social", "campaign"}


def test_extractor_reads_blocks_skips_and_setup(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text(
        textwrap.dedent(
            """\
            Title
            =====

            .. code-block:: python

                x = 1
                y = x + 1

            .. guide-test: skip (needs a cluster)

            .. code-block:: python

                raise RuntimeError("never run")

            .. guide-test: setup

                z = y * 10

            Some text::

                pip install filmreco

            >>> z + 1
            21

            .. code-block:: python

                >>> print(y)
                2
            """
        ),
        encoding="utf-8",
    )
    blocks = blocks_of(page)
    assert [(b.line, b.kind, b.skip) for b in blocks] == [
        (6, "exec", None),
        (13, "exec", "needs a cluster"),
        (17, "exec", None),
        (23, "doctest", None),
        (28, "doctest", None),
    ]
    ns: dict = {}
    for b in blocks:
        if b.skip is None:
            run_block(b, page, ns)
    assert ns["z"] == 20
    # a doctest whose output differs fails, naming the page
    wrong = Block(1, ">>> 1 + 1\n3\n", "doctest")
    with pytest.raises(AssertionError, match="page.rst"):
        run_block(wrong, page, {})
    # an exec block's traceback points at the page's own line numbers
    bad = Block(7, "y = 1\nundefined_name\n", "exec")
    with pytest.raises(NameError) as info:
        run_block(bad, page, {})
    assert info.traceback[-1].lineno + 1 == 8
