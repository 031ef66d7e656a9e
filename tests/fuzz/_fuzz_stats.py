"""Counts of the fuzz suite: inputs, clear errors, valid results, findings by kind."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from _fuzz_worker import FINDINGS


class FuzzStats:
    """Counts of the cases run in this session, and the findings."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.known: Counter[str] = Counter()
        self.findings: list[dict[str, Any]] = []
        self.report: Path | None = None

    def add(self, case: dict[str, Any], result: dict[str, Any], *, known: bool) -> None:
        """Count `result`; remember it when it is a finding."""
        outcome = result["outcome"]
        if outcome == "skip":
            return
        self.outcomes[outcome] += 1
        if outcome in FINDINGS:
            if known:
                self.known[outcome] += 1
            row = {k: case[k] for k in ("entry", "arg", "key")}
            row.update(outcome=outcome, known=known, detail=result.get("detail", ""))
            row["where"] = result.get("where", "")
            self.findings.append(row)

    def summary(self) -> dict[str, Any]:
        """The counts as one JSON-able dict."""
        findings = {k: self.outcomes[k] for k in FINDINGS}
        return {
            "inputs": sum(self.outcomes.values()),
            "clear_errors": self.outcomes["error"],
            "valid_results_checked": self.outcomes["valid"],
            "findings": findings,
            "findings_known": dict(self.known),
            "findings_new": {k: findings[k] - self.known[k] for k in FINDINGS},
            "scale": scale(),
            "details": self.findings,
        }


STATS = FuzzStats()


def scale() -> float:
    """``FILMREC_FUZZ_SCALE``: 1 in CI (about 14,700 inputs); 4 runs the whole corpus."""
    try:
        return max(float(os.environ.get("FILMREC_FUZZ_SCALE", "1")), 0.01)
    except ValueError:
        return 1.0
