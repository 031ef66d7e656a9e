"""Write ``_fuzz_known.py`` from the findings of a fuzz run (a maintainer's tool).

Usage, after a full run::

    FILMREC_FUZZ_SCALE=4 FILMREC_FUZZ_REPORT=/tmp/fuzz.json python -m pytest tests/fuzz
    python tests/fuzz/_fuzz_triage.py /tmp/fuzz.json > tests/fuzz/_fuzz_known.py

Each finding is keyed by ``(entry, argument, outcome)`` and routed to the area that owns
the file it was raised in (``OWNERS``), so the lead can hand it on.
"""

from __future__ import annotations

import json
import sys
from typing import Any

#: Files (under ``src/filmreco/``) and the area that owns them this round.
OWNERS = {
    "data/_interactions.py": "seen",
    "data/_ops.py": "seen",
    "recommend/_base.py": "seen",
    "recommend/_serve.py": "seen",
    "recommend/_inputs.py": "seen",
    "recommend/evaluation.py": "seen",
    "recommend/_split.py": "seen",
    "search/_fuzzy.py": "bounds",
    "search/index.py": "bounds",
    "search/_fields.py": "bounds",
    "search/analyze.py": "bounds",
    "social/_imm.py": "bounds",
    "social/seeds.py": "bounds",
    "data/_edges.py": "bounds",
    "datasets/_files.py": "bounds",
    "_persist.py": "load",
}


HEADER = '''"""Findings of the fuzz suite not fixed yet, by ``(entry, argument, outcome)``.

Each value is ``(owner, key, detail)``: the area that owns the file where it fails
(routed by the lead), the corpus key of one reproducer, and what happened. Remove a line
once its defect is fixed (``test_known_finding_reproduces`` then XPASSes and fails).
Written by ``_fuzz_triage.py`` from a full run (``FILMREC_FUZZ_SCALE=4``).
"""

from __future__ import annotations

'''


def owner(row: dict[str, Any]) -> str:
    """The area a finding goes to."""
    where = row.get("where") or ""
    path = where.rsplit(":", 1)[0]
    if row["entry"].endswith((".load", ".from_arrays")) and "_idmap" in path:
        return "load"
    if row["entry"].endswith(".load"):
        return "load"
    if row["entry"] == "filmreco.social.maximize_influence":
        return "bounds"
    # IdMap's kind-mismatch TypeError names the argument its caller passes as name=; the
    # callers that pass none live in the containers and the Recommender base
    if "ids but this IdMap holds" in row.get("detail", "") and row["entry"].endswith(
        (".subset_items", ".subset_users", ".fold_in", ".fit")
    ):
        return "seen"
    return OWNERS.get(path, "fuzz (unowned file)")


def main(path: str, *fixed: str) -> None:
    """Print the table; `fixed` names ``entry|arg|outcome`` keys to leave out."""
    drop = {tuple(f.split("|")) for f in fixed}
    data = json.loads(open(path, encoding="utf-8").read())
    rows = data["details"] if isinstance(data, dict) else data
    known: dict[tuple[str, str, str], tuple[str, str, str]] = {}
    for row in rows:
        if isinstance(row, list):  # (entry, arg, key, outcome, detail, where)
            row = dict(zip(("entry", "arg", "key", "outcome", "detail", "where"), row, strict=True))
        if row["outcome"] in ("error", "valid", "skip") or row["key"].startswith("hypothesis:"):
            continue
        k = (row["entry"], row["arg"], row["outcome"])
        detail = f"{row['detail'][:90]} [{row.get('where') or '?'}]"
        if k not in known:
            known[k] = (owner(row), row["key"], detail)
    print(HEADER, end="")
    print("# fmt: off")
    print("KNOWN: dict[tuple[str, str, str], tuple[str, str, str]] = {")
    for k in sorted(known):
        if k not in drop:
            print(f"    {k!r}: {known[k]!r},")
    print("}")
    print("# fmt: on")


if __name__ == "__main__":
    main(*sys.argv[1:])
