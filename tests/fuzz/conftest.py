"""Fixtures and reporting of the fuzz suite (see docs/dev/fuzz.rst).

One worker process (``_fuzz_worker.Worker``) serves the whole session; every case is
counted, and at the end the counts go to a JSON file (``FILMREC_FUZZ_REPORT``, default
``fuzz-summary.json`` under pytest's temporary folder) and one line of pytest's terminal
summary.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from _fuzz_stats import STATS, FuzzStats  # noqa: E402
from _fuzz_worker import Worker  # noqa: E402


@pytest.fixture(scope="session")
def fuzz_stats(tmp_path_factory: pytest.TempPathFactory) -> FuzzStats:
    """The session's counts (its report path is set on first use)."""
    default = tmp_path_factory.getbasetemp() / "fuzz-summary.json"
    STATS.report = Path(os.environ.get("FILMREC_FUZZ_REPORT", default))
    return STATS


@pytest.fixture(scope="session")
def fuzz_worker(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The worker process that runs the cases (restarted after a crash or a hang)."""
    timeout = float(os.environ.get("FILMREC_FUZZ_TIMEOUT", "15"))
    worker = Worker(str(tmp_path_factory.mktemp("fuzz-worker")), timeout=timeout)
    yield worker
    worker.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if STATS.report is None or not STATS.outcomes:
        return
    STATS.report.parent.mkdir(parents=True, exist_ok=True)
    STATS.report.write_text(json.dumps(STATS.summary(), indent=1, default=str), encoding="utf-8")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not STATS.outcomes:
        return
    s = STATS.summary()
    found = ", ".join(f"{k} {v}" for k, v in s["findings"].items())
    new = sum(s["findings_new"].values())
    terminalreporter.write_line(
        f"fuzz: {s['inputs']} inputs, {s['clear_errors']} clear errors, "
        f"{s['valid_results_checked']} valid results checked; findings: {found} "
        f"({new} not xfail-listed); counts in {STATS.report}"
    )
