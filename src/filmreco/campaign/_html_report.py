"""The campaign reports a marketer forwards: one self-contained HTML file each.

Layout: the UNCALIBRATED banner when it applies, the title, the summary (the numbers
that decide the campaign), the charts (inline SVG, see :mod:`._svg`), then the detail
tables. The page loads nothing (no remote ``src``/``href``, no CSS ``url(``/``@import``),
needs no script, has a print stylesheet, and reflows from a 390-px phone to a desktop:
cards and charts wrap into columns, wide tables turn into one card per row on phones.
Notebook cards (``_repr_html_``) live here too.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._html import card
from .._version import __version__
from ..exceptions import InputError
from ..social import UNCALIBRATED_WARNING
from ._i18n import Words, resolve_lang
from ._report import calibration_of
from ._svg import COLORS, Series, hbar_chart, line_chart, vbar_chart

__all__ = ["comparison_card", "comparison_html", "plan_card", "plan_html", "sweep_card"]

STRATEGIES = ("plan", "top_degree", "random")

_CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;color:#1f2328;background:#fff;font:15px/1.5 system-ui,-apple-system,"Segoe UI",
"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC",
"Source Han Sans SC","WenQuanYi Zen Hei",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:16px}
h1{font-size:1.55em;line-height:1.25;margin:.3em 0 .1em}
h2{font-size:1.2em;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:1px solid #d0d7de}
h3{font-size:1em;margin:1.2em 0 .4em}
p{margin:.4em 0}
.muted{color:#57606a;font-size:.9em}
.banner{background:#fff3cd;border:1px solid #d29922;border-left:6px solid #d29922;
border-radius:6px;padding:10px 12px;margin:8px 0 12px}
.banner strong{display:block}
.banner .orig{display:block;margin-top:4px;font-size:.85em;color:#3b2e00}
.ok{background:#dafbe1;border:1px solid #4ac26b;border-radius:6px;padding:6px 12px;margin:8px 0}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:10px;margin:10px 0}
.kpi{border:1px solid #d0d7de;border-radius:8px;padding:8px 12px;min-width:0}
.kpi .k{color:#57606a;font-size:.85em}
.kpi .v{font-size:1.45em;font-weight:650;line-height:1.3;overflow-wrap:anywhere}
.kpi .v.text{font-size:1.05em;font-weight:600}
.kpi .s{color:#57606a;font-size:.8em;overflow-wrap:anywhere}
.kpi.warn{border-color:#d29922;background:#fffbeb}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,430px),1fr));gap:18px 24px}
figure{margin:0;min-width:0;break-inside:avoid;page-break-inside:avoid}
figcaption{font-weight:600;margin-bottom:2px}
figcaption .muted{display:block;font-weight:400}
svg{display:block;width:100%;max-width:520px;height:auto}
svg text{font-family:inherit}
table{border-collapse:collapse;width:auto;min-width:min(100%,560px);max-width:100%;margin:6px 0 10px;font-size:.92em}
th,td{padding:4px 8px;border-bottom:1px solid #d8dee4;text-align:left;vertical-align:top;
overflow-wrap:break-word}
th{color:#57606a;font-weight:600;border-bottom:2px solid #d0d7de}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{white-space:nowrap}
footer{margin-top:2em;color:#57606a;font-size:.8em}
@media (max-width:640px){
main{padding:10px}
table.stack thead{display:none}
table.stack tr{display:block;border:1px solid #d0d7de;border-radius:6px;margin:0 0 8px;padding:4px 8px}
table.stack td{display:flex;justify-content:space-between;gap:12px;border:0;padding:2px 0;
text-align:right;white-space:normal}
table.stack td::before{content:attr(data-label);color:#57606a;text-align:left;flex:0 0 auto;
max-width:55%}
table.stack td[data-label=""]{font-weight:600;justify-content:flex-start;text-align:left}
table.stack td[data-label=""]::before{content:none}
}
@media print{
@page{margin:14mm}
body{font-size:10.5pt}
main{max-width:none;padding:0}
.kpis{grid-template-columns:repeat(4,1fr)}
.charts{grid-template-columns:repeat(2,1fr)}
.kpi,figure,table,tr,.banner{break-inside:avoid;page-break-inside:avoid}
h2{break-after:avoid;page-break-after:avoid}
.banner{border:2px solid #000;background:none}
.kpi.warn,.ok{background:none}
footer{display:none}
}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _attr(x: float) -> str:
    return repr(float(x)) if x is not None and math.isfinite(x) else "nan"


def _page(title: str, lang: str, body: list[str]) -> str:
    code = "zh-CN" if lang == "zh" else "en"
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{code}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        *body,
        "</main></body></html>",
    ])  # fmt: skip


def _kpi(key: str, label: str, value: str, sub: str = "", *, data: dict[str, float] | None = None,
         warn: bool = False) -> str:  # fmt: skip
    attrs = "".join(f' data-{k}="{_attr(v)}"' for k, v in (data or {}).items())
    cls = "kpi warn" if warn else "kpi"
    sub_html = f'<div class="s">{_e(sub)}</div>' if sub else ""
    v_cls = "v" if any(c.isdigit() for c in value) else "v text"
    return (
        f'<div class="{cls}" data-key="{key}"{attrs}><div class="k">{_e(label)}</div>'
        f'<div class="{v_cls}">{_e(value)}</div>{sub_html}</div>'
    )


def _units(text: Any) -> float:
    """Width of `text` in average Latin characters (a CJK character counts two)."""
    return sum(2.0 if ord(c) >= 0x2E80 else 1.0 for c in str(text))


def _fits_phone(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bool:
    """Whether the table fits a phone (330 px, margins kept): cells do not wrap, headers wrap to about 6 characters."""
    width = 0.0
    for i, h in enumerate(headers):
        cells = [_units(r[i]) for r in rows if i < len(r)]
        width += 7.5 * max([min(_units(h), 6.0), *cells]) + 16
    return width <= 330


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = ()) -> str:  # fmt: skip
    """A table; when it would not fit a phone, it becomes one card per row there."""
    cls = "" if _fits_phone(headers, rows) else ' class="stack"'
    head = "".join(
        f"<th{' class=num' if i in numeric else ''}>{_e(h)}</th>" for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{_e(headers[i])}"{" class=num" if i in numeric else ""}>{_e(c)}</td>'
            for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(key: str, title: str, note: str, svg: str) -> str:
    return (
        f'<figure data-chart="{key}"><figcaption>{_e(title)}'
        f'<span class="muted">{_e(note)}</span></figcaption>{svg}</figure>'
    )


def _banner(w: Words) -> str:
    if w.lang == "zh":
        return (
            f'<div class="banner" role="alert"><strong>{_e(w("uncalibrated_banner"))}</strong>'
            f'<span class="orig" lang="en">{_e(UNCALIBRATED_WARNING)}</span></div>'
        )
    return f'<div class="banner" role="alert"><strong>{_e(UNCALIBRATED_WARNING)}</strong></div>'


def _texts(p: Any) -> list[str]:
    return [p.title, *(v for _, v, _ in p.audience.profile)]


def _footer(w: Words) -> str:
    return f"<footer>{_e(w('generated', version=__version__))}</footer>"


# -- the plan's report ------------------------------------------------------------------
def _cost_per_user(p: Any) -> tuple[float, float, float]:
    r = p.reach["plan"]
    cost = float(p.seeds.cost)
    lo, hi = r.ci
    value = cost / r.mean if r.mean > 0 else math.nan
    return value, (cost / hi if hi > 0 else math.nan), (cost / lo if lo > 0 else math.nan)


def _summary(p: Any, w: Words) -> list[str]:
    r = p.reach["plan"]
    lo, hi = r.ci
    cards = [
        _kpi("audience", w("audience"), w.users(p.audience.size), data={"value": p.audience.size}),
        _kpi("seeds", w("seeds"), w.num(len(p.seeds)),
             w("cost") + " " + w.num(p.seeds.cost, 2 if p.seeds.cost % 1 else 0),
             data={"value": len(p.seeds), "cost": p.seeds.cost}),
        _kpi("reach", w("reach"), w.users(r.mean, 1), w.ci(lo, hi),
             data={"value": r.mean, "low": lo, "high": hi}),
    ]  # fmt: skip
    for b in ("top_degree", "random"):
        lf = p.lift.get(b)
        if lf is None:
            continue
        a, c = lf.ci
        cards.append(_kpi(f"lift_{b}", w(f"lift_{b}"), w.ratio(lf.ratio), w.ci(a, c, 2),
                          data={"value": lf.ratio, "low": a, "high": c}))  # fmt: skip
    cpu, cpu_lo, cpu_hi = _cost_per_user(p)
    cards.append(_kpi("cost_per_user", w("cost_per_user"), w.num(cpu, 3), w.ci(cpu_lo, cpu_hi, 3),
                      data={"value": cpu, "low": cpu_lo, "high": cpu_hi}))  # fmt: skip
    cards.append(_kpi("holdout", w("holdout"), w.users(p.holdout.size),
                      w("holdout_of", h=w.num(p.holdout.size), n=w.num(p.audience.size)),
                      data={"value": p.holdout.size}))  # fmt: skip
    cards.append(_kpi("calibration", w("calibration"), _status(p, w),
                      data={"value": int(p.calibrated)}, warn=not p.calibrated))  # fmt: skip
    return [f'<section aria-label="{_e(w("summary"))}"><div class="kpis">', *cards, "</div></section>"]  # fmt: skip


def _status(p: Any, w: Words) -> str:
    """The calibration in one phrase: uncalibrated, a fixed estimator, or the back-test's choice."""
    if not p.calibrated:
        return w("uncalibrated")
    bt = getattr(p, "backtest", None)
    if bt:
        return w("calibrated_auto", m=bt.get("chosen_row", bt["chosen"]), f=w.num(bt["factor"], 3))
    method = calibration_of(p).get("method")
    return w("calibrated_fixed", m=method) if method else w("calibrated")


def _backtest(p: Any, w: Words) -> list[str]:
    """The back-test table (per estimator: ratio, Brier, AUC, factor; the chosen one marked)."""
    bt = getattr(p, "backtest", None)
    failed = calibration_of(p).get("backtest_failed") if p.calibrated else None
    if not bt:
        if failed:
            return [f"<h3>{_e(w('backtest'))}</h3>",
                    f'<p class="muted">{_e(w("backtest_failed", r=failed))}</p>']  # fmt: skip
        return []
    rows = []
    for name, row in bt["table"].items():
        vals = [row.get(c) for c in ("ratio", "brier", "auc", "factor")]
        vals = [math.nan if v is None else float(v) for v in vals]
        rows.append([name, w.num(vals[0], 2), f"{vals[1]:.5f}" if math.isfinite(vals[1]) else "n/a",
                     w.num(vals[2], 3), w.num(vals[3], 3),
                     w("chosen") if name == bt.get("chosen_row", bt["chosen"]) else ""])  # fmt: skip
    note = w("backtest_note", n=w.num(len(bt["cuts"])), h=f"{bt['holdout']:.0%}")
    table = _table([w("estimator"), w("pred_obs"), w("brier"), w("auc"), w("factor"),
                    w("chosen")], rows, (1, 2, 3, 4))  # fmt: skip
    return [f"<h3>{_e(w('backtest'))}</h3>", f'<p class="muted">{_e(note)}</p>',
            table.replace("<table", '<table data-table="backtest"', 1)]  # fmt: skip


def _varied_costs(costs: np.ndarray) -> bool:
    return bool(costs.size and np.isfinite(costs).all() and not np.allclose(costs, 1.0))


def _settled(steps: np.ndarray, share: float = 0.995) -> int:
    """Number of steps until the reach curve is within 0.5% of its final value (at least 2)."""
    if steps.size == 0:
        return 1
    return min(steps.size, max(2, int(np.argmax(steps >= share * steps[-1])) + 2))


def _charts(p: Any, w: Words) -> list[str]:
    figs = []
    names = [n for n in STRATEGIES if n in p.reach and p.reach[n].steps is not None]
    n_batches = 0
    series = []
    # the flat tail (after every strategy is within 0.5% of its final reach) is not drawn
    shown = max((_settled(p.reach[n].steps) for n in names), default=1)
    for i, n in enumerate(names):
        steps = p.reach[n].steps[:shown]
        lo, hi = p.step_bands.get(n, (None, None))
        if lo is not None and hi is not None:
            lo, hi = lo[:shown], hi[:shown]
        series.append(Series(w(n), np.arange(steps.size), steps, lo, hi, COLORS[i]))
    if series:
        from ._curve import batch_sizes

        n_batches = batch_sizes(p.reach["plan"].n_runs).size
        svg = line_chart(series, title=w("chart_steps"), x_label=w("step"), y_label=w("reached"))
        figs.append(_figure("steps", w("chart_steps"), w("chart_steps_note", b=n_batches), svg))
    curves = [(n, p.curves[n]) for n in STRATEGIES if n in p.curves and len(p.curves[n])]
    if curves:
        series = []
        for i, (n, c) in enumerate(curves):
            lo, hi = c.ci
            x = np.arange(len(c) + 1)
            series.append(Series(w(n), x, np.r_[0.0, c.mean], np.r_[0.0, lo], np.r_[0.0, hi],
                                 COLORS[i]))  # fmt: skip
        plan_curve = p.curves.get("plan")
        sub = None
        if plan_curve is not None and _varied_costs(plan_curve.costs):
            budget = np.r_[0.0, plan_curve.budget]
            sub = {float(i): w.num(b, 1) for i, b in enumerate(budget)}
        svg = line_chart(series, title=w("chart_seeds"), x_label=w("n_seeds") + (
            f" ({w('budget')})" if sub else ""), y_label=w("reached"), x_sub=sub)  # fmt: skip
        figs.append(_figure("seeds", w("chart_seeds"), w("chart_seeds_note"), svg))
    if plan_curve is not None and len(plan_curve):
        g_lo, g_hi = plan_curve.gain_ci
        costs = plan_curve.costs
        sub_l = [w.num(c, 1) for c in costs] if _varied_costs(costs) else None
        svg = vbar_chart(
            [str(i + 1) for i in range(len(plan_curve))], plan_curve.gains, g_lo, g_hi,
            title=w("chart_gain"), y_label=w("gain"),
            x_label=w("seed") + (f" ({w('cost')})" if sub_l else ""), x_sub=sub_l,
        )  # fmt: skip
        figs.append(_figure("gain", w("chart_gain"), w("chart_gain_note"), svg))
    lifts = [(b, p.lift[b]) for b in ("top_degree", "random") if b in p.lift]
    if lifts:
        svg = vbar_chart(
            [w(b) for b, _ in lifts], [lf.ratio for _, lf in lifts],
            [lf.ci[0] for _, lf in lifts], [lf.ci[1] for _, lf in lifts],
            title=w("chart_lift"), y_label=w("ratio"), reference=1.0,
            value_labels=[w.ratio(lf.ratio) for _, lf in lifts], colors=[COLORS[1], COLORS[2]],
        )  # fmt: skip
        figs.append(_figure("lift", w("chart_lift"), w("chart_lift_note"), svg))
    top = p.audience.profile[:8]
    if top:
        fields = list(dict.fromkeys(f for f, _, _ in top))
        color = {f: COLORS[(3 + i) % len(COLORS)] for i, f in enumerate(fields)}
        legend = [(w(f) if f in ("genres", "tags") else f, color[f]) for f in fields]
        svg = hbar_chart([str(v) for _, v, _ in top], [c for _, _, c in top],
                         title=w("chart_interests"), x_label=w("films_watched"),
                         colors=[color[f] for f, _, _ in top], legend=legend)  # fmt: skip
        figs.append(_figure("interests", w("chart_interests"), w("chart_interests_note"), svg))
    return [f"<h2>{_e(w('charts'))}</h2>", '<div class="charts">', *figs, "</div>"]


def _details(p: Any, w: Words) -> list[str]:
    out = [f"<h2>{_e(w('details'))}</h2>"]
    rows: list[list[Any]] = []
    for n in STRATEGIES:
        if n not in p.reach:
            continue
        r = p.reach[n]
        lo, hi = r.ci
        rows.append([w(n), w.num(r.seeds.size), w.num(r.mean, 1), f"{w.num(lo, 1)} – {w.num(hi, 1)}",
                     w.num(r.n_runs)])  # fmt: skip
    out += [f"<h3>{_e(w('reach'))}</h3>",
            _table([w("strategy"), w("n_seeds"), w("mean"), w("ci95"), w("n_runs")], rows,
                   (1, 2, 3, 4))]  # fmt: skip
    rows = [[w(b), w.ratio(lf.ratio), f"{w.num(lf.ci[0], 2)} – {w.num(lf.ci[1], 2)}"]
            for b, lf in p.lift.items()]  # fmt: skip
    out += [
        f"<h3>{_e(w('lift'))}</h3>",
        _table([w("baseline"), w("lift"), w("ci95")], rows, (1, 2)),
    ]
    c = p.curves.get("plan")
    if c is not None and len(c):
        lo, hi = c.ci
        g = c.gains
        varied = _varied_costs(c.costs)
        rows = []
        for i, s in enumerate(c.seeds):
            row = [i + 1, s, w.num(c.mean[i], 1), f"{w.num(lo[i], 1)} – {w.num(hi[i], 1)}",
                   w.num(g[i], 1)]  # fmt: skip
            if varied:
                per = g[i] / c.costs[i] if c.costs[i] > 0 else math.nan
                row += [w.num(c.costs[i], 2), w.num(c.budget[i], 2), w.num(per, 2)]
            rows.append(row)
        headers = ["#", w("user"), w("reach"), w("ci95"), w("gain")]
        if varied:
            headers += [w("cost"), w("cum_cost"), w("gain_per_cost")]
        out += [f"<h3>{_e(w('seeds'))}</h3>",
                _table(headers, rows, (0, 2, 3, 4, 5, 6, 7))]  # fmt: skip
    if p.audience.profile:
        rows = [[i + 1, w(f) if f in ("genres", "tags") else f, v, w.num(n)]
                for i, (f, v, n) in enumerate(p.audience.profile)]  # fmt: skip
        out += [f"<h3>{_e(w('chart_interests'))}</h3>",
                _table(["#", w("field"), w("value"), w("films_watched")], rows, (0, 3))]  # fmt: skip
    if p.visibility:
        rows = [[k, q, r if r else w("not_found")] for k, q, r in p.visibility]
        out += [
            f"<h3>{_e(w('search'))}</h3>",
            _table([w("kind"), w("query"), w("rank")], rows, (2,)),
        ]
    pr = p.params
    rows = [[w("model"), pr.get("model", "")], [w("seed_method"), getattr(p.seeds, "method", "")],
            [w("audience_source"), p.audience.source], [w("n_runs"), w.num(pr.get("n_runs", 0))],
            [w("calibration"), _status(p, w)]]  # fmt: skip
    if pr.get("budget") is not None:
        rows.append([w("budget"), w.num(pr["budget"], 2)])
    out += [f"<h3>{_e(w('method'))}</h3>", _table([w("field"), w("value")], rows)]
    out += _backtest(p, w)
    out += [f"<h3>{_e(w('after_launch'))}</h3>",
            f"<p>{_e(w('after_launch_text', h=w.num(p.holdout.size)))}</p>"]  # fmt: skip
    return out


def _check_simulated(p: Any) -> None:
    if "plan" not in p.reach or p.seeds is None:
        raise InputError(
            "this CampaignPlan holds no simulated reach (it was built by hand, not by "
            "filmreco.campaign.plan()); make it with plan() to get a report."
        )


def plan_html(p: Any, *, lang: str | None = None) -> str:
    """The whole report of a :class:`~filmreco.campaign.CampaignPlan`, as a string."""
    w = Words(resolve_lang(lang, _texts(p)))
    _check_simulated(p)
    head = w("report_for", title=p.title)
    body = [] if p.calibrated else [_banner(w)]
    body += [f"<header><h1>{_e(head)}</h1>",
             f'<p class="muted">{_e(w("film_id"))} {_e(p.film_id)} · {_e(w("seed_method"))} '
             f'{_e(getattr(p.seeds, "method", ""))} · {_e(w("n_runs"))} '
             f'{_e(w.num(p.params.get("n_runs", 0)))}</p></header>']  # fmt: skip
    if p.calibrated:
        body.append(f'<p class="ok">{_e(w("calibration"))}: {_e(_status(p, w))}</p>')
    body += _summary(p, w)
    body += _charts(p, w)
    body += _details(p, w)
    body.append(_footer(w))
    return _page(head, w.lang, body)


def plan_card(p: Any) -> str:
    """The notebook card of a plan: the summary numbers."""
    w = Words(resolve_lang(None, _texts(p)))
    if "plan" not in p.reach or p.seeds is None:
        return card(w("report_for", title=p.title), [(w("audience"), w.users(p.audience.size))])
    r = p.reach["plan"]
    lo, hi = r.ci
    rows = [
        (w("audience"), w.users(p.audience.size)),
        (w("seeds"), w("seeds_cost", n=w.num(len(p.seeds)), cost=w.num(p.seeds.cost, 2))),
        (w("reach"), f"{w.users(r.mean, 1)} ({w.ci(lo, hi)})"),
    ]
    for b in ("top_degree", "random"):
        if b in p.lift:
            lf = p.lift[b]
            rows.append((w(f"lift_{b}"), f"{w.ratio(lf.ratio)} ({w.ci(lf.ci[0], lf.ci[1], 2)})"))
    rows.append((w("cost_per_user"), w.num(_cost_per_user(p)[0], 3)))
    rows.append((w("holdout"), w.users(p.holdout.size)))
    if p.calibrated:
        rows.append((w("calibration"), _status(p, w)))
    return card(w("report_for", title=p.title), rows,
                warning=None if p.calibrated else UNCALIBRATED_WARNING)  # fmt: skip


# -- comparisons and sweeps ---------------------------------------------------------------
def comparison_html(cmp: Any, *, lang: str | None = None) -> str:
    """One report for several plans: the table, reach against budget, the differences."""
    texts = [t for p in cmp.plans for t in _texts(p)]
    w = Words(resolve_lang(lang, texts))
    head = w("compare_title")
    body = [] if all(p.calibrated for p in cmp.plans) else [_banner(w)]
    body.append(f"<header><h1>{_e(head)}</h1></header>")
    body.append(f'<p>{_e(w("common_worlds", n=w.num(cmp.n_runs)) if cmp.common_worlds else w("not_common"))}</p>')  # fmt: skip
    rows = cmp.rows()
    best = cmp.most_word_of_mouth
    best_row = rows[cmp.labels.index(best)]
    m = cmp.common_seeds
    body.append('<div class="kpis">')
    body.append(_kpi("most_word_of_mouth", w("most_wom", m=w.num(m)), best,
                     w("wom_sub", n=w.num(best_row["word_of_mouth"], 1), m=w.num(m)),
                     data={"value": best_row["word_of_mouth"]}))  # fmt: skip
    body.append("</div>")
    ref = cmp.labels[0]

    def ci(r: dict[str, Any], key: str, d: int = 1) -> str:
        return f"{w.num(r[key + '_ci_low'], d)} – {w.num(r[key + '_ci_high'], d)}"

    metrics = [
        (w("film"), lambda r: r["title"]),
        (w("audience"), lambda r: w.num(r["audience"])),
        (w("seeds"), lambda r: w.num(r["seeds"])),
        (w("cost"), lambda r: w.num(r["cost"], 2)),
        (w("reach"), lambda r: w.num(r["reach"], 1)),
        (w("ci95"), lambda r: ci(r, "reach")),
        (w("wom_at", m=w.num(m)), lambda r: f"{w.num(r['word_of_mouth'], 1)} ({ci(r, 'word_of_mouth')})"),
        (w("beyond_seeds"), lambda r: w.num(r["beyond_seeds"], 1)),
        (w("per_seed"), lambda r: w.num(r["per_seed"], 2)),
        (w("cost_per_user"), lambda r: w.num(r["cost_per_user"], 3)),
        (w("marginal"), lambda r: w.num(r["marginal_per_cost"], 2)),
        (w("lift_random"), lambda r: f"{w.ratio(r['lift_random'])} ({ci(r, 'lift_random', 2)})"),
        (w("vs_ref", ref=ref), lambda r: f"{r['difference']:+,.1f} ({ci(r, 'difference')})"),
    ]  # fmt: skip
    body.append(f"<h2>{_e(w('details'))}</h2>")
    table_rows = [[name, *(f(r) for r in rows)] for name, f in metrics]
    body.append(_table(["", *cmp.labels], table_rows, tuple(range(1, len(rows) + 1))))
    series = []
    varied = any(_varied_costs(c.costs) for c in cmp.curves)
    for i, (label, c) in enumerate(zip(cmp.labels, cmp.curves)):
        lo, hi = c.ci
        x = np.r_[0.0, c.budget] if varied else np.arange(len(c) + 1, dtype=float)
        series.append(Series(label, x, np.r_[0.0, c.mean], np.r_[0.0, lo], np.r_[0.0, hi],
                             COLORS[i % len(COLORS)]))  # fmt: skip
    figs = [_figure("budget", w("chart_compare"), w("chart_seeds_note"),
                    line_chart(series, title=w("chart_compare"),
                               x_label=w("budget") if varied else w("n_seeds"),
                               y_label=w("reached"), integer_x=not varied))]  # fmt: skip
    d_lo, d_hi = cmp.difference_ci
    figs.append(_figure("difference", w("chart_diff"), w("vs_ref", ref=ref),
                        vbar_chart(cmp.labels, cmp.difference, d_lo, d_hi, title=w("chart_diff"),
                                   y_label=w("diff"), reference=0.0,
                                   value_labels=[f"{d:+,.1f}" for d in cmp.difference],
                                   colors=[COLORS[i % len(COLORS)] for i in range(len(rows))])))  # fmt: skip
    body += [f"<h2>{_e(w('charts'))}</h2>", '<div class="charts">', *figs, "</div>"]
    body.append(_footer(w))
    return _page(head, w.lang, body)


def comparison_card(cmp: Any) -> str:
    """The notebook card of a comparison: reach and difference per plan."""
    texts = [t for p in cmp.plans for t in _texts(p)]
    w = Words(resolve_lang(None, texts))
    rows = [
        (r["label"], f"{w.users(r['reach'], 1)} · {r['difference']:+,.1f} "
                     f"({w.num(r['difference_ci_low'], 1)} – {w.num(r['difference_ci_high'], 1)})")
        for r in cmp.rows()
    ]  # fmt: skip
    uncal = not all(p.calibrated for p in cmp.plans)
    return card(w("compare_title"), rows, warning=UNCALIBRATED_WARNING if uncal else None)


def sweep_card(sweep: Any) -> str:
    """The notebook card of a budget sweep: reach per budget."""
    p = sweep.plan
    w = Words(resolve_lang(None, _texts(p)))
    lo, hi = sweep.ci
    rows = [
        (f"{w('budget')} {w.num(b, 2)}",
         f"{w.num(n)} {w('seeds')} · {w.users(m, 1)} ({w.ci(a, c)})")
        for b, n, m, a, c in zip(sweep.budgets, sweep.n_seeds, sweep.mean, lo, hi)
    ]  # fmt: skip
    return card(f"{w('sweep_title')}: 《{p.title}》", rows,
                warning=None if p.calibrated else UNCALIBRATED_WARNING)  # fmt: skip
