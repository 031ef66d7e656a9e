"""Findings of the fuzz suite not fixed yet, by ``(entry, argument, outcome)``.

Each value is ``(owner, key, detail)``: the area that owns the file where it fails
(routed by the lead), the corpus key of one reproducer, and what happened. Remove a line
once its defect is fixed (``test_known_finding_reproduces`` then XPASSes and fails).
Written by ``_fuzz_triage.py`` from a full run (``FILMREC_FUZZ_SCALE=4``).
"""

from __future__ import annotations

# fmt: off
KNOWN: dict[tuple[str, str, str], tuple[str, str, str]] = {
}
# fmt: on
