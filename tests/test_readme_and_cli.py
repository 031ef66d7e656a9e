"""The README's quick start runs as written, and the command line works."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from filmreco.__main__ import demo, main

ROOT = Path(__file__).resolve().parents[1]


def _quick_start() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_quick_start_runs(capsys):
    code = _quick_start()
    assert len(code.strip().splitlines()) <= 20
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "Interactions(" in out


def test_readme_commands_match_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    test_cmd = next(c for c in commands if "pytest" in c)
    assert test_cmd in ci.splitlines()
    assert any("python -m filmreco demo" in c for c in commands)


def test_demo_report():
    buf = io.StringIO()
    assert demo(out=buf) == 0
    text = buf.getvalue()
    for heading in (
        "Catalogue",
        "Behaviour",
        "Social graph",
        "User profiles",
        "Recommendations",
        "Word of mouth",
        "Search",
    ):
        assert heading in text
    # real numbers from the core, not placeholders
    assert re.search(r"users: \d+ +films: \d+ +interactions: \d+", text)
    m = re.search(r"homophily: .* ([\d.]+) vs random pairs ([\d.]+)", text)
    assert m and float(m.group(1)) > float(m.group(2))


def test_main_without_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_demo_as_module_is_quiet_on_stderr():
    res = subprocess.run(
        [sys.executable, "-m", "filmreco", "demo"], capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    assert "Catalogue" in res.stdout
