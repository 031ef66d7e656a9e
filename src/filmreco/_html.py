"""Small HTML pieces shared by the result objects: notebook summary cards and numbers.

A *card* is what Jupyter shows for a result (its ``_repr_html_``): a title, a few
``label: value`` rows and, when the estimate rests on textbook probabilities, a short
UNCALIBRATED line. Cards use inline styles only (notebook front ends drop or scope
``<style>`` blocks) and refer to nothing outside themselves.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

__all__ = ["card", "fmt_number"]

_CARD = (
    "border:1px solid #d0d7de;border-radius:6px;padding:6px 10px;max-width:30em;"
    "font-family:system-ui,-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei',"
    "'Noto Sans CJK SC',sans-serif;font-size:13px;line-height:1.45"
)
_WARN = "background:#fff3cd;border:1px solid #d29922;border-radius:4px;padding:2px 6px;margin:4px 0"


def fmt_number(x: float, digits: int = 0) -> str:
    """`x` with thousands separators and `digits` decimals; ``"n/a"`` when not finite.

    Examples
    --------
    >>> fmt_number(1234567.891, 1), fmt_number(3), fmt_number(float("nan"))
    ('1,234,567.9', '3', 'n/a')
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    text = f"{x:,.{digits}f}"
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]  # -0.04 to one decimal is 0.0, not -0.0
    return text


def card(title: str, rows: Sequence[tuple[str, str]], *, warning: str | None = None) -> str:
    """A compact HTML card: a bold `title`, then one ``label  value`` row per pair.

    Every piece of text is escaped. `warning`, when given, shows as a short amber line
    whose full text is in its tooltip (the ``title`` attribute).

    Examples
    --------
    >>> html_text = card("Reach", [("mean", "12.5")], warning="UNCALIBRATED: defaults")
    >>> html_text.count("<tr>"), "UNCALIBRATED" in html_text
    (1, True)
    """
    body = "".join(
        "<tr>"
        f"<td style='color:#57606a;padding:1px 12px 1px 0;text-align:left'>{html.escape(k)}</td>"
        f"<td style='padding:1px 0;text-align:left'>{html.escape(v)}</td>"
        "</tr>"
        for k, v in rows
    )
    parts = [f'<div style="{_CARD}">', f"<div style='font-weight:600'>{html.escape(title)}</div>"]
    if warning:
        head = warning.split(":", 1)[0]
        parts.append(
            f"<div style='{_WARN}' title=\"{html.escape(warning)}\">"
            f"{html.escape(head)}: relative score, not a forecast</div>"
        )
    parts.append(f"<table style='border-collapse:collapse'>{body}</table></div>")
    return "".join(parts)
