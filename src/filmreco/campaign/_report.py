"""Outputs of a :class:`~filmreco.campaign.CampaignPlan`: text, dict, frames, figure.

The HTML report is in :mod:`._html_report`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._stats import Z95
from ..social import UNCALIBRATED_WARNING


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _warning(p: Any) -> str | None:
    return None if p.calibrated else UNCALIBRATED_WARNING


#: Columns of the back-test shown in the plan's reports: (key in the record, header).
BACKTEST_SHOWN = (("ratio", "ratio"), ("brier", "Brier"), ("auc", "AUC"), ("factor", "fold f"))


def calibration_of(p: Any) -> dict[str, Any]:
    """How the plan's probabilities were set: the model's calibration record (or {})."""
    model = getattr(p, "model", None)
    return dict(getattr(model, "calibration", None) or {})


def _fmt(v: Any, spec: str) -> str:
    return "nan" if v is None or not math.isfinite(v) else format(v, spec)


def backtest_lines(p: Any) -> list[str]:
    """The calibration of the plan's probabilities as text: the back-test when there was one."""
    if not p.calibrated:
        return []
    cal = calibration_of(p)
    bt = getattr(p, "backtest", None)
    method = cal.get("method", "?")
    if not bt:
        line = f"influence probabilities: learned from the action log (method={method!r}"
        if cal.get("backtest_failed"):
            line += "; the back-test was not possible: " + str(cal["backtest_failed"])
        else:
            line += ", no back-test"
        return [line + ")"]
    lines = [
        f"influence probabilities: {bt.get('chosen_row', bt['chosen'])} x {_fmt(bt['factor'], '.3g')}, chosen by a "
        f"back-test on the action log (calibration='auto'; latest of {len(bt['cuts'])} folds of "
        f"{bt['holdout']:.0%} of its actions each, {bt['observed']} new adopters):"
    ]
    names = list(bt["table"])
    width = max(len("estimator"), *(len(n) for n in names))
    lines.append(f"  {'estimator':<{width}}  " + "  ".join(f"{h:>8}" for _, h in BACKTEST_SHOWN))
    for name in names:
        row = bt["table"][name]
        vals = [_fmt(row.get("ratio"), ".2f"), _fmt(row.get("brier"), ".5f"),
                _fmt(row.get("auc"), ".3f"), _fmt(row.get("factor"), ".3g")]  # fmt: skip
        mark = "  <- chosen" if name == bt.get("chosen_row", bt["chosen"]) else ""
        lines.append(f"  {name:<{width}}  " + "  ".join(f"{v:>8}" for v in vals) + mark)
    lines.append(
        "  (ratio = predicted / observed new adopters before any factor; lower Brier and "
        "higher AUC are better; fold f = the factor that calibrated the latest fold; the chosen "
        "estimator's factor pools every fold's (+delays: exposures timed with the log's "
        "delays; without, each fold's factor is carried to the log's latest pace); nan: the "
        "estimator could not be fitted on a fold)"
    )
    return lines


def summary(p: Any) -> str:
    lines = []
    if not p.calibrated:
        lines += [UNCALIBRATED_WARNING, ""]
    a = p.audience
    lines.append(f"Campaign plan for 《{p.title}》 ({p.film_id})")
    lines.append(
        f"audience: {a.size} users ({a.source}); treated {p.treated.size}, holdout {p.holdout.size}"
    )
    if a.profile:
        lines.append("interests: " + "  ".join(f"{v} {c}" for _, v, c in a.profile[:8]))
    s = p.seeds
    lines.append(f"seeds: {len(s)} users, cost {s.cost:.4g}: {', '.join(map(str, s.seeds[:10]))}")
    for name, r in p.reach.items():
        lo, hi = r.ci
        lines.append(
            f"reach [{name}]: {r.mean:.1f} users (95% CI {lo:.1f}-{hi:.1f}, {r.n_runs} cascades)"
        )
    for name, lf in p.lift.items():
        lo, hi = lf.ci
        lines.append(f"lift over {name}: {lf.ratio:.2f}x (95% CI {lo:.2f}-{hi:.2f})")
    reach = p.reach.get("plan")
    if reach is not None and reach.mean > 0:
        lines.append(f"cost per reached user: {s.cost / reach.mean:.4g}")
    lines += backtest_lines(p)
    for kind, q, rank in p.visibility:
        lines.append(
            f"search [{kind}] {q!r}: {'rank ' + str(rank) if rank else 'NOT in the top 10'}"
        )
    return "\n".join(lines)


def to_dict(p: Any) -> dict[str, Any]:
    a = p.audience
    return {
        "film_id": _py(p.film_id),
        "title": p.title,
        "calibrated": bool(p.calibrated),
        "warning": _warning(p),
        "calibration_method": calibration_of(p).get("method"),
        "backtest": getattr(p, "backtest", None),
        "audience": {
            "source": a.source,
            "size": a.size,
            "ids": [_py(x) for x in a.ids],
            "scores": [_num(x) for x in a.scores],
            "profile": [[f, v, int(c)] for f, v, c in a.profile],
        },
        "treated": [_py(x) for x in p.treated],
        "holdout": [_py(x) for x in p.holdout],
        "seeds": {
            "ids": [_py(x) for x in p.seeds.seeds],
            "cost": float(p.seeds.cost),
            "spread_estimate": float(p.seeds.spread),
        },
        "reach": {
            name: {
                "mean": _num(r.mean),
                "stderr": _num(r.stderr),
                "ci": [_num(c) for c in r.ci],
                "steps": [] if r.steps is None else [float(x) for x in r.steps],
                "n_seeds": int(r.seeds.size),
                "n_runs": r.n_runs,
            }
            for name, r in p.reach.items()
        },
        "lift": {
            name: {"ratio": _num(lf.ratio), "stderr": _num(lf.stderr), "ci": list(map(_num, lf.ci))}
            for name, lf in p.lift.items()
        },
        "visibility": [{"kind": k, "query": q, "rank": r} for k, q, r in p.visibility],
        "curves": {
            name: {
                "seeds": [_py(x) for x in c.seeds],
                "costs": [_num(x) for x in c.costs],
                "mean": [_num(x) for x in c.mean],
                "stderr": [_num(x) for x in c.stderr],
                "gain_stderr": [_num(x) for x in c.gain_stderr],
                "n_runs": c.n_runs,
            }
            for name, c in p.curves.items()
        },
        "step_bands": {
            name: {"low": [_num(x) for x in lo], "high": [_num(x) for x in hi]}
            for name, (lo, hi) in p.step_bands.items()
        },
        "params": {k: _py(v) for k, v in p.params.items()},
    }


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is installed in tests
        raise ImportError("to_frame() needs pandas: pip install pandas") from exc
    return pd


def to_frame(p: Any) -> dict[str, Any]:
    pd = _pandas()
    d = to_dict(p)
    warn = d["warning"] or ""
    reach = pd.DataFrame(
        [
            {"strategy": k, "mean": v["mean"], "stderr": v["stderr"], "ci_low": v["ci"][0],
             "ci_high": v["ci"][1], "n_seeds": v["n_seeds"], "warning": warn}
            for k, v in d["reach"].items()
        ]
    )  # fmt: skip
    lift = pd.DataFrame(
        [
            {"baseline": k, "ratio": v["ratio"], "ci_low": v["ci"][0], "ci_high": v["ci"][1],
             "warning": warn}
            for k, v in d["lift"].items()
        ]
    )  # fmt: skip
    holdout = set(d["holdout"])
    audience = pd.DataFrame(
        {
            "user": d["audience"]["ids"],
            "score": d["audience"]["scores"],
            "group": ["holdout" if u in holdout else "treated" for u in d["audience"]["ids"]],
        }
    )
    vis = pd.DataFrame(d["visibility"], columns=["kind", "query", "rank"])
    frames = {"audience": audience, "reach": reach, "lift": lift, "visibility": vis}
    for f in frames.values():
        f.attrs["warning"] = warn
    return frames


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "plot() and to_html() need matplotlib: pip install 'filmreco[plot]'"
        ) from exc
    return plt


#: Font families known to hold the CJK glyphs of Chinese titles and genres, most common first.
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
    "Heiti SC", "Hiragino Sans GB", "Noto Serif CJK SC", "AR PL UMing CN", "Droid Sans Fallback",
)  # fmt: skip


def cjk_font() -> Any:
    """A ``FontProperties`` of an installed CJK font, or None when there is none."""
    from matplotlib import font_manager

    installed = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return font_manager.FontProperties(fname=installed[name])
    return None


def interest_labels(values: list[str]) -> tuple[list[str], Any]:
    """Tick labels of the interests chart and their font.

    ASCII labels are shown as they are; others with an installed CJK font when there is
    one (:data:`CJK_FONTS`), else as ``#1``, ``#2`` ... (the report's interests table
    lists them in the same order), so that no label is drawn as empty boxes.
    """
    if all(v.isascii() for v in values):
        return list(values), None
    font = cjk_font()
    if font is not None:
        return list(values), font
    return [f"#{i + 1}" for i in range(len(values))], None


def plot(p: Any) -> Any:
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    ax = axes[0]
    for name, r in p.reach.items():
        if r.steps is not None:
            ax.plot(np.arange(r.steps.size), r.steps, marker="o", label=name)
    ax.set(xlabel="propagation step", ylabel="users reached", title="Reach curve")
    ax.legend()
    ax = axes[1]
    top = p.audience.profile[:8]
    labels, font = interest_labels([str(v) for _, v, _ in top])
    ax.barh(np.arange(len(top))[::-1], [c for _, _, c in top])
    ax.set(title="Audience interests", xlabel="films watched")
    ax.set_yticks(np.arange(len(top))[::-1], labels, fontproperties=font)
    ax = axes[2]
    names = list(p.lift)
    ratios = [p.lift[n].ratio for n in names]
    errs = [Z95 * p.lift[n].stderr for n in names]
    ax.bar(names, ratios, yerr=errs, capsize=6)
    ax.axhline(1.0, color="grey", lw=1)
    ax.set(title="Lift of the plan's seeds", ylabel="reach ratio")
    title = f"Campaign plan {p.film_id}"
    if not p.calibrated:
        title += "  (UNCALIBRATED: relative scores, not forecasts)"
    fig.suptitle(title)
    fig.tight_layout()
    return fig
