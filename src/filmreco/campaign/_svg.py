"""Inline SVG charts for the campaign report, written by hand.

Every label is an SVG ``<text>`` node, so the reader's browser draws Chinese titles and
genres with its own fonts (no font is needed where the report is made), the text can be
searched and copied, and the charts scale to the page. A chart is a ``viewBox`` of fixed
user units whose width follows its container; it refers to nothing outside itself.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["COLORS", "Series", "hbar_chart", "line_chart", "nice_ticks", "text_width", "vbar_chart"]

#: Colours of the strategies (and of further series, in turn); distinguishable in grey too.
COLORS = ("#0969da", "#bc4c00", "#6e7781", "#1a7f37", "#8250df", "#cf222e", "#9a6700")

W = 400  # user units across every chart
FONT = 12.5  # font size of labels, in user units
_AXIS = "#57606a"
_GRID = "#d8dee4"


@dataclass
class Series:
    """One line of a line chart: points with an optional interval band."""

    label: str
    x: np.ndarray
    y: np.ndarray
    lo: np.ndarray | None = None
    hi: np.ndarray | None = None
    color: str = COLORS[0]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _f(v: float) -> str:
    """A coordinate, short."""
    return f"{v:.1f}".rstrip("0").rstrip(".") if math.isfinite(v) else "0"


def text_width(text: str, size: float = FONT) -> float:
    """Approximate drawn width of `text`: wide (CJK, full-width) characters 1 em, others 0.6."""
    return sum(size * (1.0 if ord(c) >= 0x2E80 else 0.6) for c in str(text))


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering ``[lo, hi]``.

    Examples
    --------
    >>> nice_ticks(0, 97)
    [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    >>> nice_ticks(0.9, 1.3, 4)
    [0.9, 1.0, 1.1, 1.2, 1.3]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    scale = max(abs(lo), abs(hi), 1e-12)
    if hi - lo <= 1e-9 * scale:  # a flat range: open it around the value
        lo, hi = (lo - scale * 0.1, hi + scale * 0.1) if lo else (0.0, 1.0)
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = float(next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9)))
    digits = max(0, 2 - math.floor(math.log10(step)))
    k0 = math.floor(lo / step + 1e-9)
    k1 = max(math.ceil(hi / step - 1e-9), k0 + 1)
    return [round(k * step, digits) + 0.0 for k in range(k0, k1 + 1)]


def _tick_text(v: float, step: float) -> str:
    digits = 0 if step >= 1 else min(3, math.ceil(-math.log10(step) - 1e-9))
    return f"{v:,.{digits}f}"


def _text(x: float, y: float, s: str, *, anchor: str = "start", size: float = FONT,
          fill: str = "#1f2328", extra: str = "") -> str:  # fmt: skip
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size:g}" text-anchor="{anchor}" '
        f'fill="{fill}"{extra}>{_e(s)}</text>'
    )


def _open(height: float, title: str) -> list[str]:
    return [
        f'<svg viewBox="0 0 {W} {_f(height)}" role="img" aria-label="{_e(title)}" '
        f'preserveAspectRatio="xMidYMid meet">',
        f"<title>{_e(title)}</title>",
    ]


def _legend(items: Sequence[tuple[str, str]], x0: float, y0: float, width: float) -> tuple[list[str], float]:  # fmt: skip
    """Legend swatches and labels in rows within `width`; returns the parts and its height."""
    out: list[str] = []
    x, y = x0, y0
    for label, color in items:
        w = 16 + text_width(label) + 14
        if x > x0 and x + w > x0 + width:
            x, y = x0, y + FONT + 6
        out.append(f'<rect x="{_f(x)}" y="{_f(y - 9)}" width="11" height="11" fill="{color}"/>')
        out.append(_text(x + 15, y + 1, label))
        x += w
    return out, (y - y0) + FONT + 8


@dataclass
class _Axes:
    left: float
    top: float
    width: float
    height: float
    x_lo: float
    x_hi: float
    y_lo: float
    y_hi: float

    def x(self, v: float) -> float:
        span = self.x_hi - self.x_lo or 1.0
        return self.left + (v - self.x_lo) / span * self.width

    def y(self, v: float) -> float:
        span = self.y_hi - self.y_lo or 1.0
        return self.top + self.height - (v - self.y_lo) / span * self.height


def _y_axis(ax: _Axes, ticks: list[float], label: str) -> list[str]:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    out = []
    for t in ticks:
        y = ax.y(t)
        out.append(
            f'<line x1="{_f(ax.left)}" x2="{_f(ax.left + ax.width)}" y1="{_f(y)}" y2="{_f(y)}" '
            f'stroke="{_GRID}" stroke-width="1"/>'
        )
        out.append(_text(ax.left - 5, y + 4, _tick_text(t, step), anchor="end", fill=_AXIS))
    cy = ax.top + ax.height / 2
    out.append(
        _text(12, cy, label, anchor="middle", fill=_AXIS,
              extra=f' transform="rotate(-90 12 {_f(cy)})"')
    )  # fmt: skip
    return out


def _x_axis(ax: _Axes, ticks: list[tuple[float, str]], label: str, sub: dict[float, str] | None = None, *, sub_row: bool = False) -> list[str]:  # fmt: skip
    base = ax.top + ax.height
    out = [
        f'<line x1="{_f(ax.left)}" x2="{_f(ax.left + ax.width)}" y1="{_f(base)}" '
        f'y2="{_f(base)}" stroke="{_AXIS}" stroke-width="1"/>'
    ]
    for v, text in ticks:
        x = ax.x(v)
        out.append(f'<line x1="{_f(x)}" x2="{_f(x)}" y1="{_f(base)}" y2="{_f(base + 4)}" stroke="{_AXIS}"/>')  # fmt: skip
        out.append(_text(x, base + 4 + FONT, text, anchor="middle", fill=_AXIS))
        if sub and v in sub:
            out.append(_text(x, base + 6 + 2 * FONT, sub[v], anchor="middle", fill=_AXIS, size=FONT * 0.85))  # fmt: skip
    extra = FONT + 2 if sub or sub_row else 0
    out.append(
        _text(
            ax.left + ax.width / 2, base + 10 + 2 * FONT + extra, label, anchor="middle", fill=_AXIS
        )
    )
    return out


def _left_margin(ticks: list[float]) -> float:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    return 26 + max(text_width(_tick_text(t, step)) for t in ticks)


def _int_ticks(lo: float, hi: float, n: int = 8) -> list[float]:
    ticks = [t for t in nice_ticks(lo, hi, n) if float(t).is_integer()]
    return ticks or [lo, hi]


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    integer_x: bool = True,
    x_sub: dict[float, str] | None = None,
    height: float = 270,
) -> str:
    """Lines (with points) and 95% bands of several series on shared axes, legend on top."""
    xs = np.concatenate([np.asarray(s.x, float) for s in series]) if series else np.zeros(1)
    ys = [np.asarray(s.y, float) for s in series]
    ys += [np.asarray(s.hi, float) for s in series if s.hi is not None]
    ys += [np.asarray(s.lo, float) for s in series if s.lo is not None]
    flat = np.concatenate(ys) if ys else np.zeros(1)
    flat = flat[np.isfinite(flat)]
    y_ticks = nice_ticks(min(0.0, float(flat.min(initial=0.0))), float(flat.max(initial=1.0)))
    x_lo, x_hi = float(xs.min(initial=0.0)), float(xs.max(initial=1.0))
    x_ticks = _int_ticks(x_lo, x_hi) if integer_x else nice_ticks(x_lo, x_hi)
    if x_hi <= x_lo:
        x_hi = x_lo + 1.0
    left = _left_margin(y_ticks)
    parts = _open(height, title)
    leg, leg_h = _legend([(s.label, s.color) for s in series], left, 16, W - left - 8)
    parts += leg
    bottom = 24 + 2 * FONT + (FONT + 2 if x_sub else 0)
    ax = _Axes(left, 8 + leg_h, W - left - 12, height - bottom - 8 - leg_h,
               min(x_lo, x_ticks[0]), max(x_hi, x_ticks[-1]), y_ticks[0], y_ticks[-1])  # fmt: skip
    parts += _y_axis(ax, y_ticks, y_label)
    step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 1 else 1.0
    parts += _x_axis(ax, [(t, _tick_text(t, step)) for t in x_ticks], x_label, x_sub)
    for s in series:
        x = np.asarray(s.x, float)
        y = np.asarray(s.y, float)
        if s.lo is not None and s.hi is not None and x.size:
            lo, hi = np.asarray(s.lo, float), np.asarray(s.hi, float)
            ok = np.isfinite(lo) & np.isfinite(hi)
            if ok.any():
                pts = [f"{_f(ax.x(a))},{_f(ax.y(b))}" for a, b in zip(x[ok], hi[ok])]
                pts += [f"{_f(ax.x(a))},{_f(ax.y(b))}" for a, b in zip(x[ok][::-1], lo[ok][::-1])]
                parts.append(
                    f'<polygon points="{" ".join(pts)}" fill="{s.color}" fill-opacity="0.16" '
                    'stroke="none"/>'
                )
        line = " ".join(f"{_f(ax.x(a))},{_f(ax.y(b))}" for a, b in zip(x, y))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{s.color}" stroke-width="2"/>')
        if x.size <= 40:
            parts += [
                f'<circle cx="{_f(ax.x(a))}" cy="{_f(ax.y(b))}" r="2.6" fill="{s.color}"/>'
                for a, b in zip(x, y)
            ]
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    x_label: str,
    colors: Sequence[str] | None = None,
    legend: Sequence[tuple[str, str]] = (),
) -> str:
    """Horizontal bars, largest first as given, each named by a label left of its bar."""
    n = len(labels)
    colors = list(colors) if colors is not None else [COLORS[0]] * n
    label_w = max((text_width(s) for s in labels), default=0.0)
    left = min(8 + label_w + 8, W * 0.45)
    row = FONT + 11
    leg, leg_h = _legend(legend, 8, 16, W - 16) if legend else ([], 0.0)
    top = 8 + leg_h
    vmax = max((float(v) for v in values), default=1.0)
    ticks = nice_ticks(0.0, max(vmax, 1.0), 4)
    height = top + n * row + 26 + 2 * FONT
    ax = _Axes(left, top, W - left - 18, n * row, ticks[0], ticks[-1], 0, n)
    parts = _open(height, title) + leg
    step = ticks[1] - ticks[0]
    for t in ticks:
        x = ax.x(t)
        parts.append(
            f'<line x1="{_f(x)}" x2="{_f(x)}" y1="{_f(top)}" y2="{_f(top + n * row)}" '
            f'stroke="{_GRID}"/>'
        )
    parts += _x_axis(ax, [(t, _tick_text(t, step)) for t in ticks], x_label)
    for i, (label, v) in enumerate(zip(labels, values)):
        y = top + i * row
        parts.append(
            f'<rect x="{_f(left)}" y="{_f(y + 3)}" width="{_f(max(ax.x(float(v)) - left, 0))}" '
            f'height="{_f(row - 6)}" fill="{colors[i]}"/>'
        )
        parts.append(_text(left - 6, y + row / 2 + 4, label, anchor="end"))
    parts.append("</svg>")
    return "".join(parts)


def vbar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    lo: Sequence[float],
    hi: Sequence[float],
    *,
    title: str,
    y_label: str,
    x_label: str = "",
    reference: float | None = None,
    value_labels: Sequence[str] | None = None,
    colors: Sequence[str] | None = None,
    x_sub: Sequence[str] | None = None,
    height: float = 250,
) -> str:
    """Vertical bars with 95% error bars, an optional dashed reference line and value labels."""
    n = len(labels)
    colors = list(colors) if colors is not None else [COLORS[0]] * n
    vals = np.asarray(values, float)
    bounds = np.concatenate([vals, np.asarray(hi, float), np.asarray(lo, float)])
    bounds = bounds[np.isfinite(bounds)]
    top_v = max(float(bounds.max(initial=1.0)), reference or 0.0)
    low_v = min(0.0, float(bounds.min(initial=0.0)))
    ticks = nice_ticks(low_v, top_v * 1.08 if top_v > 0 else 1.0, 5)
    left = _left_margin(ticks)
    bottom = 24 + 2 * FONT + (FONT + 2 if x_sub else 0)
    ax = _Axes(left, 14, W - left - 10, height - bottom - 14, 0, n, ticks[0], ticks[-1])
    parts = _open(height, title)
    parts += _y_axis(ax, ticks, y_label)
    parts += _x_axis(ax, [], x_label, sub_row=bool(x_sub))
    slot = ax.width / max(n, 1)
    bar = min(slot * 0.6, 70)
    base = ax.top + ax.height
    small = n > 12
    for i in range(n):
        cx = ax.left + slot * (i + 0.5)
        v = float(vals[i])
        if math.isfinite(v):
            y0, y1 = ax.y(max(v, 0.0)), ax.y(min(v, 0.0))
            parts.append(
                f'<rect x="{_f(cx - bar / 2)}" y="{_f(y0)}" width="{_f(bar)}" '
                f'height="{_f(max(y1 - y0, 0.5))}" fill="{colors[i]}" fill-opacity="0.85"/>'
            )
        a, b = float(lo[i]), float(hi[i])
        if math.isfinite(a) and math.isfinite(b):
            ya, yb = ax.y(a), ax.y(b)
            w = min(bar / 3, 8)
            parts.append(
                f'<path d="M{_f(cx)} {_f(ya)}V{_f(yb)}M{_f(cx - w)} {_f(ya)}H{_f(cx + w)}'
                f'M{_f(cx - w)} {_f(yb)}H{_f(cx + w)}" stroke="#1f2328" stroke-width="1.3" '
                'fill="none"/>'
            )
        if value_labels is not None and not small and math.isfinite(b) and math.isfinite(a):
            y_text = ax.y(b) - 5 if v >= 0 else ax.y(a) + FONT + 1
            parts.append(_text(cx, y_text, value_labels[i], anchor="middle", size=FONT * 0.92))
        if not small or i % math.ceil(n / 12) == 0:
            parts.append(_text(cx, base + 4 + FONT, labels[i], anchor="middle", fill=_AXIS))
            if x_sub:
                parts.append(_text(cx, base + 6 + 2 * FONT, x_sub[i], anchor="middle", fill=_AXIS,
                                   size=FONT * 0.85))  # fmt: skip
    if reference is not None:
        y = ax.y(reference)
        parts.append(
            f'<line x1="{_f(ax.left)}" x2="{_f(ax.left + ax.width)}" y1="{_f(y)}" y2="{_f(y)}" '
            'stroke="#1f2328" stroke-dasharray="5 4" stroke-width="1"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
