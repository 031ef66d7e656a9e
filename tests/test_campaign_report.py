"""The campaign report, the notebook cards, compare() and budget_sweep().

The HTML is read with a real parser (the standard library's html.parser builds a small
tree here): the charts must be inline SVG whose <text> nodes hold the Chinese labels,
nothing may refer outside the file, and the summary must carry the plan's own numbers.
"""

from __future__ import annotations

import dataclasses
import math
import re
import warnings
from html.parser import HTMLParser

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco._html import card, fmt_number
from filmreco.campaign import (
    Audience,
    BudgetSweep,
    CampaignPlan,
    Comparison,
    SeedCurve,
    budget_sweep,
    compare,
    plan,
)
from filmreco.campaign._curve import batch_sizes, curve_from_prefix, simulate_strategies
from filmreco.campaign._i18n import Words, default_lang
from filmreco.campaign._svg import Series, hbar_chart, line_chart, nice_ticks, vbar_chart
from filmreco.datasets import load_sample
from filmreco.exceptions import DataWarning, InputError, InputTypeError
from filmreco.recommend import EASE
from filmreco.social import UNCALIBRATED_WARNING, IndependentCascade, SocialGraph

VOID = {"meta", "link", "br", "img", "hr", "input", "source", "wbr", "area", "base", "col"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def iter(self, tag: str | None = None):
        for c in self.children:
            if isinstance(c, Node):
                if tag is None or c.tag == tag:
                    yield c
                yield from c.iter(tag)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find(self, tag: str, **attrs: str) -> Node | None:
        for n in self.iter(tag):
            if all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                return n
        return None


class TreeParser(HTMLParser):
    """A tree of Nodes; fails on a closing tag that does not match the open one."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, dict(attrs), self.cur))

    def handle_endtag(self, tag):
        assert self.cur.tag == tag, f"</{tag}> closes <{self.cur.tag}>"
        self.cur = self.cur.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(text: str) -> Node:
    p = TreeParser()
    p.feed(text)
    p.close()
    assert p.cur is p.root, f"unclosed <{p.cur.tag}>"
    assert p.doctype.lower() == "doctype html"
    return p.root


def kpis(doc: Node) -> dict[str, Node]:
    return {
        n.attrs["data-key"]: n
        for n in doc.iter("div")
        if "kpi" in (n.attrs.get("class") or "").split()
    }


def chart(doc: Node, key: str) -> Node:
    fig = doc.find("figure", data_chart=key)
    assert fig is not None, key
    svgs = list(fig.iter("svg"))
    assert len(svgs) == 1
    return svgs[0]


def svg_texts(svg: Node) -> list[str]:
    return [t.text() for t in svg.iter("text")]


def assert_no_outside_refs(doc: Node) -> None:
    """No element loads or links anything, and nothing runs."""
    for tag in ("script", "link", "img", "iframe", "object", "embed", "pre", "base", "video"):
        assert not list(doc.iter(tag)), tag
    for n in doc.iter():
        for k, v in n.attrs.items():
            assert k not in ("src", "href", "xlink:href", "action", "srcset", "poster"), (n.tag, k)
            assert not k.startswith("on"), (n.tag, k)  # no inline event handlers
            assert "url(" not in (v or "") and "http" not in (v or ""), (n.tag, k, v)


def assert_self_contained(text: str, doc: Node) -> None:
    """Nothing in the file refers outside it, no script is needed, and it prints."""
    assert_no_outside_refs(doc)
    css = "".join(s.text() for s in doc.iter("style"))
    assert "url(" not in css and "@import" not in css
    assert "@media print" in css
    assert "http://" not in text and "https://" not in text


@pytest.fixture(scope="module")
def world():
    w = load_sample()
    w.rec = EASE(regularization=300.0).fit(w.interactions)
    w.social = SocialGraph.from_edgelist(w.graph)
    return w


@pytest.fixture(scope="module")
def zplan(world):
    return plan("m0008", recommender=world.rec, graph=world.social, catalog=world.catalog,
                audience_size=300, k=8, n_runs=400, seed_method="degree_discount",
                random_state=1)  # fmt: skip


@pytest.fixture(scope="module")
def zdoc(zplan, tmp_path_factory):
    path = zplan.to_html(tmp_path_factory.mktemp("r") / "report.html")
    text = path.read_text(encoding="utf-8")
    return text, parse(text)


# -- the plan's report -------------------------------------------------------------------
def test_report_is_self_contained_and_chinese_by_default(zplan, zdoc):
    text, doc = zdoc
    assert_self_contained(text, doc)
    html_el = next(doc.iter("html"))
    assert html_el.attrs["lang"] == "zh-CN"  # the catalogue is Chinese
    assert doc.find("meta", name="viewport") is not None
    assert f"《{zplan.title}》" in next(doc.iter("h1")).text()
    assert "预计触达" in text and "Expected reach" not in text


def test_summary_comes_first_with_the_plans_numbers(zplan, zdoc):
    text, doc = zdoc
    # order: banner, title, summary cards, then charts and tables
    banner = text.index('class="banner"')
    first_kpi = text.index('class="kpi')
    assert banner < text.index("<h1") < first_kpi < text.index("<figure") < text.index("<table")
    assert text.index("<h2") > first_kpi
    assert UNCALIBRATED_WARNING in doc.find("div", **{"class": "banner"}).text()
    k = kpis(doc)
    r = zplan.reach["plan"]
    lo, hi = r.ci
    assert float(k["reach"].attrs["data-value"]) == r.mean
    assert float(k["reach"].attrs["data-low"]) == lo and float(k["reach"].attrs["data-high"]) == hi
    assert f"{r.mean:,.1f}" in k["reach"].text() and f"{lo:,.1f}" in k["reach"].text()
    assert int(float(k["audience"].attrs["data-value"])) == zplan.audience.size == 300
    assert int(float(k["seeds"].attrs["data-value"])) == len(zplan.seeds)
    assert float(k["seeds"].attrs["data-cost"]) == zplan.seeds.cost
    assert int(float(k["holdout"].attrs["data-value"])) == zplan.holdout.size == 30
    for b in ("top_degree", "random"):
        lf = zplan.lift[b]
        node = k[f"lift_{b}"]
        assert float(node.attrs["data-value"]) == lf.ratio
        assert (float(node.attrs["data-low"]), float(node.attrs["data-high"])) == lf.ci
        assert f"{lf.ratio:,.2f}" in node.text()
    assert math.isclose(float(k["cost_per_user"].attrs["data-value"]), zplan.seeds.cost / r.mean)
    assert k["calibration"].attrs["data-value"] == "0.0" and "未校准" in k["calibration"].text()


def test_charts_are_inline_svg_with_chinese_text_labels(zplan, zdoc):
    _, doc = zdoc
    figures = list(doc.iter("figure"))
    assert {f.attrs["data-chart"] for f in figures} == {
        "steps",
        "seeds",
        "gain",
        "lift",
        "interests",
    }
    for f in figures:
        svg = chart(doc, f.attrs["data-chart"])
        assert "viewBox" in {k.lower(): v for k, v in svg.attrs.items()} or "viewbox" in svg.attrs
        assert "width" not in svg.attrs  # the chart follows the width of the page
        assert svg_texts(svg), f.attrs["data-chart"]
    interests = svg_texts(chart(doc, "interests"))
    for _, value, _ in zplan.audience.profile[:8]:
        assert value in interests  # the real (Chinese) genre and tag names, as text
    assert any(re.search("[\u4e00-\u9fff]", t) for t in interests)
    for key in ("steps", "seeds"):
        legend = svg_texts(chart(doc, key))
        assert {"本方案种子", "粉丝最多的用户", "随机用户"} <= set(legend)
    assert {"粉丝最多的用户", "随机用户"} <= set(svg_texts(chart(doc, "lift")))
    # the marginal-gain chart has one bar per seed
    gain = chart(doc, "gain")
    assert len([r for r in gain.iter("rect")]) == len(zplan.seeds)


def test_tables_fit_a_phone(zdoc, world, tmp_path):
    _, doc = zdoc
    for table in doc.iter("table"):
        if table.attrs.get("class") == "stack":  # one card per row below 640 px
            for td in table.iter("td"):
                assert "data-label" in td.attrs
        else:  # narrow enough as it is: a few short columns
            widths = [max(len(td.text()) for td in col) for col in _columns(table)]
            assert sum(widths) <= 40, widths
    # the seeds table with costs has eight columns: it must stack on a phone
    costs = 1.0 + world.social.out_degree() / 10.0
    p = plan("m0008", recommender=world.rec, graph=world.social, budget=8.0, costs=costs,
             audience_size=100, n_runs=50, seed_method="degree", random_state=0)  # fmt: skip
    wide = parse(p.to_html(tmp_path / "w.html").read_text(encoding="utf-8"))
    assert any(len(list(t.iter("th"))) == 8 and t.attrs.get("class") == "stack"
               for t in wide.iter("table"))  # fmt: skip
    css = "".join(s.text() for s in doc.iter("style"))
    assert "@media (max-width:640px)" in css and "minmax(min(100%" in css


def _columns(table: Node) -> list[list[Node]]:
    rows = [list(tr.iter("td")) for tr in table.iter("tr")]
    rows = [r for r in rows if r]
    return [list(col) for col in zip(*rows)]


def test_english_report_and_language_choice(zplan, tmp_path):
    text = zplan.to_html(tmp_path / "en.html", lang="en").read_text(encoding="utf-8")
    doc = parse(text)
    assert next(doc.iter("html")).attrs["lang"] == "en"
    assert "Expected reach" in text and "预计触达" not in text
    steps = svg_texts(chart(doc, "steps"))
    assert {"plan's seeds", "top-degree users", "random users"} <= set(steps)
    # labels of the data stay as they are: the genres are still Chinese
    assert zplan.audience.profile[0][1] in svg_texts(chart(doc, "interests"))
    with pytest.raises(InputError, match="lang"):
        zplan.to_html(tmp_path / "x.html", lang="fr")
    assert not (tmp_path / "x.html").exists()
    # an English catalogue gives an English report by default
    english = dataclasses.replace(
        zplan, title="Night Train",
        audience=Audience(zplan.audience.ids, zplan.audience.scores,
                          [("genres", "Drama", 1200), ("tags", "heist", 40)], "recommend_users"),
    )  # fmt: skip
    text = english.to_html(tmp_path / "auto.html").read_text(encoding="utf-8")
    doc = parse(text)
    assert next(doc.iter("html")).attrs["lang"] == "en"
    assert {"Drama", "heist"} <= set(svg_texts(chart(doc, "interests")))
    assert "1,200" in text  # thousands separators


def test_locale_numbers():
    zh, en = Words("zh"), Words("en")
    assert zh.users(1234567) == "1,234,567 人" and en.users(1234567) == "1,234,567 users"
    assert zh.ratio(3.456) == "3.46 倍" and en.ratio(3.456) == "3.46x"
    assert fmt_number(-0.04, 1) == "0.0" and fmt_number(math.inf) == "n/a"
    assert default_lang(["流浪地球"]) == "zh" and default_lang(["Dune", "Drama"]) == "en"


def test_calibrated_report_has_no_banner(world, tmp_path):
    model = IndependentCascade(world.social, 0.05)
    users, cascades, steps = model.sample_cascades(300, n_seeds=3, random_state=0)
    p = plan("m0008", recommender=world.rec, graph=world.social, catalog=world.catalog,
             action_log=(users, cascades, steps), audience_size=100, k=3, n_runs=100,
             seed_method="degree", random_state=0)  # fmt: skip
    text = p.to_html(tmp_path / "c.html").read_text(encoding="utf-8")
    doc = parse(text)
    assert UNCALIBRATED_WARNING not in text and 'class="banner"' not in text
    assert kpis(doc)["calibration"].attrs["data-value"] == "1.0"
    assert "UNCALIBRATED" not in p._repr_html_()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_shows_backtest(world, tmp_path, lang):
    model = IndependentCascade(world.social, 0.05)
    users, cascades, steps = model.sample_cascades(300, n_seeds=3, random_state=0)
    log = (users, cascades, cascades * 0.25 + steps * 50.0)
    p = plan("m0008", recommender=world.rec, graph=world.social, catalog=world.catalog,
             action_log=log, audience_size=100, k=3, n_runs=100, seed_method="degree",
             random_state=0)  # fmt: skip
    bt = p.backtest
    w = Words(lang)
    doc = parse(p.to_html(tmp_path / "b.html", lang=lang).read_text(encoding="utf-8"))
    table = doc.find("table", data_table="backtest")
    assert table is not None
    head = [th.text() for th in table.iter("th")]
    assert head == [w("estimator"), w("pred_obs"), w("brier"), w("auc"), w("factor"), w("chosen")]
    rows = [[td.text() for td in tr.iter("td")] for tr in table.iter("tr")][1:]
    assert [r[0] for r in rows] == list(bt["table"])
    for r in rows:
        row = bt["table"][r[0]]
        if row["ratio"] is None:
            assert r[1:5] == ["n/a"] * 4
        else:
            assert r[1:5] == [fmt_number(row["ratio"], 2), f"{row['brier']:.5f}",
                              fmt_number(row["auc"], 3), fmt_number(row["factor"], 3)]  # fmt: skip
        assert (r[5] == w("chosen")) == (r[0] == bt["chosen_row"])
    status = w("calibrated_auto", m=bt["chosen_row"], f=fmt_number(bt["factor"], 3))
    assert kpis(doc)["calibration"].text().count(status) == 1
    zh = Words("zh")  # the card's language follows the (Chinese) catalogue
    assert (
        zh("calibrated_auto", m=bt["chosen_row"], f=fmt_number(bt["factor"], 3)) in p._repr_html_()
    )
    # a fixed estimator: named in the status, no back-test table
    fixed = plan("m0008", recommender=world.rec, graph=world.social, catalog=world.catalog,
                 action_log=log, calibration="jaccard", audience_size=100, k=3, n_runs=100,
                 seed_method="degree", random_state=0)  # fmt: skip
    doc = parse(fixed.to_html(tmp_path / "f.html", lang=lang).read_text(encoding="utf-8"))
    assert doc.find("table", data_table="backtest") is None
    assert w("calibrated_fixed", m="jaccard") in kpis(doc)["calibration"].text()


def test_budget_report_shows_costs(world, tmp_path):
    costs = 1.0 + world.social.out_degree() / 10.0
    p = plan("m0008", recommender=world.rec, graph=world.social, catalog=world.catalog,
             budget=12.0, costs=costs, audience_size=200, n_runs=100,
             seed_method="degree_discount", random_state=0)  # fmt: skip
    c = p.curves["plan"]
    np.testing.assert_allclose(c.costs, costs[world.social.index(p.seeds.seeds)])
    assert math.isclose(c.budget[-1], p.seeds.cost) and p.seeds.cost <= 12.0
    doc = parse(p.to_html(tmp_path / "b.html", lang="en").read_text(encoding="utf-8"))
    heads = [th.text() for t in doc.iter("table") for th in t.iter("th")]
    assert {"cost", "budget spent", "gain per unit of budget"} <= set(heads)
    gain = svg_texts(chart(doc, "gain"))
    assert f"{c.costs[0]:,.1f}" in gain  # each bar names its seed's cost


# -- the seed curves and bands against a simple reference --------------------------------
def test_seed_curves_match_independent_simulations(zplan):
    for name, curve in zplan.curves.items():
        res = zplan.reach[name]
        np.testing.assert_array_equal(curve.seeds, res.seeds)
        assert curve.mean[-1] == pytest.approx(res.mean, rel=1e-12)  # the same worlds
        assert curve.n_runs == res.n_runs == 400
        assert math.isclose(res.steps[-1], res.mean, rel_tol=1e-9)
        np.testing.assert_allclose(curve.gains.sum(), curve.mean[-1])
        lo, hi = zplan.step_bands[name]
        assert lo.shape == hi.shape == res.steps.shape
        assert (lo <= res.steps + 1e-9).all() and (res.steps <= hi + 1e-9).all()
        assert hi[-1] > lo[-1]
    np.testing.assert_array_equal(zplan.curves["plan"].seeds, zplan.seeds.seeds)


def _reference(model, order, n_runs, seed_seq):
    """Prefix reach by simulating every prefix on its own (batch by batch, same states)."""
    sizes = batch_sizes(n_runs)
    states = [int(s.generate_state(1)[0]) for s in seed_seq.spawn(sizes.size)]
    means, curves = [], []
    for i in range(len(order)):
        samples = [model.simulate(order[: i + 1], int(n), random_state=s).samples
                   for n, s in zip(sizes, states)]  # fmt: skip
        means.append(np.concatenate(samples).mean())
    for n, s in zip(sizes, states):
        curves.append(model.simulate(order, int(n), random_state=s, return_steps=True).steps)
    return np.array(means), curves, sizes


def test_simulate_strategies_against_reference(world):
    model = IndependentCascade(world.social, "weighted_cascade")
    order = np.asarray(world.social.node_ids.ids[[5, 40, 7, 300]])
    seq = np.random.SeedSequence(42)
    res, curves, bands = simulate_strategies(model, {"x": (order, np.ones(4))}, 90, seq)
    ref_means, ref_curves, sizes = _reference(model, order, 90, np.random.SeedSequence(42))
    np.testing.assert_allclose(curves["x"].mean, ref_means, rtol=1e-12)
    assert res["x"].n_runs == 90 and sizes.size == 20
    T = max(c.size for c in ref_curves)
    padded = np.array([np.pad(c, (0, T - c.size), mode="edge") for c in ref_curves])
    np.testing.assert_allclose(res["x"].steps, (sizes / 90) @ padded)
    from scipy import stats

    half = stats.t.ppf(0.975, 19) * padded.std(axis=0, ddof=1) / math.sqrt(20)
    np.testing.assert_allclose(bands["x"][1] - res["x"].steps, half)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_curve_from_prefix_properties(n_runs, n_seeds, seed):
    rng = np.random.default_rng(seed)
    P = np.cumsum(rng.integers(0, 5, size=(n_runs, n_seeds)), axis=1) + 1
    c = curve_from_prefix(np.arange(n_seeds), np.full(n_seeds, 2.0), P)
    np.testing.assert_allclose(c.mean, P.mean(axis=0))
    np.testing.assert_allclose(c.gains.sum(), P[:, -1].mean())
    assert (c.gains >= 0).all()
    if n_runs > 1:
        ref = [np.std(P[:, i] - (P[:, i - 1] if i else 0), ddof=1) / math.sqrt(n_runs)
               for i in range(n_seeds)]  # fmt: skip
        np.testing.assert_allclose(c.gain_stderr, ref)
    budgets = c.budget
    for b in (0.0, 1.9, 2.0, 5.0, 1e9):
        m = c.n_seeds_within(b)
        assert budgets[:m].max(initial=0) <= b + 1e-9 and (m == n_seeds or budgets[m] > b)


# -- SVG pieces ---------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(0, 1e6), st.integers(2, 8))
def test_nice_ticks_cover_the_range(lo, span, n):
    hi = lo + span
    t = nice_ticks(lo, hi, n)
    # covered up to 1e-9 of a step (the function's tolerance against float noise such as
    # 0.3 / 0.1; the random profile found lo = -1e-05 under a first tick of 0 with step 10,000)
    tol = 1e-8 * (t[1] - t[0])
    assert t[0] <= lo + tol and t[-1] >= hi - tol
    steps = np.diff(t)
    assert (steps > 0).all() and np.allclose(steps, steps[0], rtol=1e-6)
    assert len(t) <= 2 * n + 3


def test_svg_text_is_escaped_and_parsable():
    evil = "<b>&\"'科幻"
    for svg in (
        line_chart([Series(evil, np.arange(3), np.array([1.0, 2, 3]))], title=evil,
                   x_label=evil, y_label="y"),
        hbar_chart([evil, "动作"], [3, 1], title="t", x_label="n"),
        vbar_chart([evil], [2.0], [1.5], [2.5], title="t", y_label="y", reference=1.0,
                   value_labels=[evil]),
    ):  # fmt: skip
        root = parse("<!DOCTYPE html><html><body>" + svg + "</body></html>")
        svg_el = next(root.iter("svg"))
        assert evil in svg_texts(svg_el)
        assert not list(svg_el.iter("b"))


# -- notebook cards and short reprs -------------------------------------------------------
def test_cards_and_reprs(zplan):
    doc = parse("<!DOCTYPE html><html><body>" + zplan._repr_html_() + "</body></html>")
    text = doc.text()
    assert f"{zplan.reach['plan'].mean:,.1f}" in text and zplan.title in text
    assert "UNCALIBRATED" in text
    assert_no_outside_refs(doc)
    for obj in (zplan, zplan.seeds, zplan.reach["plan"], zplan.curves["plan"]):
        r = repr(obj)
        assert "\n" not in r and len(r) < 160, r
        card_html = obj._repr_html_()
        assert card_html.startswith("<div") and "<script" not in card_html
    seeds_card = parse("<!DOCTYPE html><html><body>" + zplan.seeds._repr_html_() + "</body></html>")
    assert str(zplan.seeds.seeds[0]) in seeds_card.text()
    sim_card = zplan.reach["plan"]._repr_html_()
    assert f"{zplan.reach['plan'].mean:,.1f}" in sim_card and "UNCALIBRATED" in sim_card
    assert "&lt;x&gt;" in card("<x>", [])


# -- compare ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plans(world):
    kw = dict(recommender=world.rec, graph=world.social, catalog=world.catalog,
              audience_size=200, n_runs=300, seed_method="degree_discount", random_state=0)  # fmt: skip
    return [plan("m0008", k=3, **kw), plan("m0008", k=6, **kw), plan("m0173", k=3, **kw)]


def test_compare_on_common_worlds(plans):
    cmp = compare(plans, random_state=5)
    assert isinstance(cmp, Comparison) and cmp.common_worlds and cmp.n_runs == 300
    assert cmp.labels[0] != cmp.labels[1]  # the same film twice is numbered
    # a plan against itself: identical worlds, zero difference, zero error
    same = compare([plans[0], plans[0]], labels=["a", "b"], random_state=5)
    assert same.difference[1] == 0 and same.difference_stderr[1] == 0
    # 6 seeds vs 3 seeds of one film: paired differences are far tighter than unpaired
    unpaired = math.hypot(cmp.reach_stderr[0], cmp.reach_stderr[1])
    assert cmp.difference[1] > 0 and cmp.difference_ci[0][1] > 0
    assert cmp.difference_stderr[1] < 0.7 * unpaired
    # the first 3 seeds of the 6-seed plan are the 3-seed plan: same worlds, same reach
    assert cmp.curves[1].mean[2] == pytest.approx(cmp.curves[0].mean[2], rel=1e-12)
    # each plan's reach agrees with its own simulation
    for p, r, se in zip(plans, cmp.reach, cmp.reach_stderr):
        assert abs(r - p.reach["plan"].mean) < 4 * math.hypot(se, p.reach["plan"].stderr)
    rows = cmp.rows()
    assert [r["seeds"] for r in rows] == [3, 6, 3]
    m = cmp.common_seeds
    assert m == 3
    wom = [r["word_of_mouth"] for r in rows]
    assert cmp.most_word_of_mouth == cmp.labels[int(np.argmax(wom))]
    np.testing.assert_allclose(wom, [c.mean[m - 1] - m for c in cmp.curves])
    again = compare(plans, random_state=5)
    np.testing.assert_array_equal(again.difference, cmp.difference)
    frame = cmp.to_frame()
    assert list(frame["label"]) == cmp.labels and "difference_ci_low" in frame
    assert "most word of mouth" in cmp.summary() and UNCALIBRATED_WARNING in cmp.summary()
    assert "Comparison(" in repr(cmp) and len(repr(cmp)) < 200


def test_compare_report(plans, tmp_path):
    cmp = compare(plans, labels=["短", "长", "另一部"], random_state=1)
    text = cmp.to_html(tmp_path / "cmp.html").read_text(encoding="utf-8")
    doc = parse(text)
    assert_self_contained(text, doc)
    tables = list(doc.iter("table"))
    assert len(tables) == 1
    assert [th.text() for th in tables[0].iter("th")][1:] == ["短", "长", "另一部"]
    assert {"短", "长", "另一部"} <= set(svg_texts(chart(doc, "budget")))
    assert {"短", "长", "另一部"} <= set(svg_texts(chart(doc, "difference")))
    k = kpis(doc)["most_word_of_mouth"]
    assert cmp.most_word_of_mouth in k.text()
    assert "<div" in cmp._repr_html_()


def test_compare_bad_input(plans, world):
    with pytest.raises(InputTypeError, match="list"):
        compare(plans[0])
    with pytest.raises(InputError, match="empty"):
        compare([])
    with pytest.raises(InputTypeError, match=r"plans\[1\]"):
        compare([plans[0], "plan"])
    with pytest.raises(InputError, match="labels"):
        compare(plans, labels=["a", "a", "b"])
    with pytest.raises(InputError, match="labels"):
        compare(plans, labels=["a"])
    bare = dataclasses.replace(plans[0], model=None)
    with pytest.raises(InputError, match="model"):
        compare([bare])
    with pytest.raises(InputError, match="n_runs"):
        compare(plans, n_runs=1)
    # another graph: no common worlds, said loudly
    edges = world.graph
    ids = edges.node_ids.ids
    g2 = SocialGraph.from_arrays(ids[edges.sources[:-50]], ids[edges.targets[:-50]])
    other = dataclasses.replace(plans[2], model=IndependentCascade(g2, "weighted_cascade"))
    with pytest.warns(DataWarning, match="different social graphs"):
        cmp = compare([plans[0], other], random_state=0)
    assert not cmp.common_worlds and cmp.difference_stderr[1] > 0


# -- budget sweep -------------------------------------------------------------------------
def test_budget_sweep_reuses_one_ordering(world):
    kw = dict(recommender=world.rec, graph=world.social, audience_size=200, n_runs=200,
              seed_method="degree", random_state=3)  # fmt: skip
    sweep = budget_sweep("m0008", [6, 2, 4], **kw)
    assert isinstance(sweep, BudgetSweep)
    assert sweep.budgets.tolist() == [2, 4, 6] and sweep.n_seeds.tolist() == [2, 4, 6]
    assert len(sweep.plan.seeds) == 6 and sweep.plan.params["k"] is None
    curve = sweep.plan.curves["plan"]
    np.testing.assert_array_equal(sweep.mean, curve.mean[[1, 3, 5]])
    lo, hi = sweep.ci
    assert (lo < sweep.mean).all() and (sweep.mean < hi).all()
    assert (np.diff(sweep.mean) > 0).all()
    # reference: a plan per budget (degree seeding is prefix-consistent) picks the same seeds
    for b, n in zip(sweep.budgets, sweep.n_seeds):
        ref = plan("m0008", k=int(b), **kw)
        np.testing.assert_array_equal(ref.seeds.seeds, sweep.plan.seeds.seeds[:n])
    frame = sweep.to_frame()
    assert list(frame["n_seeds"]) == [2, 4, 6]
    assert "BudgetSweep(" in repr(sweep) and "<div" in sweep._repr_html_()


def test_budget_sweep_with_costs(world):
    costs = {u: 1.0 + (i % 4) for i, u in enumerate(world.social.node_ids.ids)}
    sweep = budget_sweep("m0008", [0, 3, 7.5, 15], recommender=world.rec, graph=world.social,
                         costs=costs, audience_size=150, n_runs=100,
                         seed_method="degree_discount", random_state=0)  # fmt: skip
    c = sweep.plan.curves["plan"]
    assert sweep.n_seeds[0] == 0 and sweep.mean[0] == 0
    model = sweep.plan.model
    for b, seeds, spent, mean, se in zip(sweep.budgets, sweep.seeds, sweep.spent, sweep.mean,
                                         sweep.stderr):  # fmt: skip
        # reference: walk the ordering, buy each seed that still fits
        left, ref = b, []
        for s_id, cost in zip(c.seeds, c.costs):
            if cost <= left:
                ref.append(s_id)
                left -= cost
        assert list(seeds) == ref
        assert math.isclose(spent, sum(costs[u] for u in ref)) and spent <= b + 1e-9
        if ref:
            again = model.simulate(ref, 2000, random_state=77)
            assert abs(again.mean - mean) < 4 * math.hypot(again.stderr, se)
    assert math.isclose(c.budget[-1], sweep.plan.seeds.cost)


@pytest.mark.parametrize(
    "budgets, exc",
    [([], InputError), ([-1, 2], InputError), ([float("nan")], InputError), ([0], InputError),
     (["a"], InputError), ([[1, 2], [3]], InputError)],
)  # fmt: skip
def test_budget_sweep_bad_budgets(world, budgets, exc):
    with pytest.raises(exc, match="budgets"):
        budget_sweep("m0008", budgets, recommender=world.rec, graph=world.social, n_runs=10)


def test_seedcurve_and_sweep_shapes_without_seeds():
    c = SeedCurve(np.array([]), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), 10)
    assert len(c) == 0 and c.n_seeds_within(5.0) == 0 and "SeedCurve(" in repr(c)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "<div" in c._repr_html_()


def test_handmade_plan_without_reach(tmp_path):
    """A plan built by hand (no simulated reach) says so instead of failing deep inside."""
    p = CampaignPlan(1, "f", Audience(np.arange(4), np.ones(4), [], "x"), np.array([0, 1]),
                     np.array([2, 3]), None, {}, {}, [], False)  # fmt: skip
    with pytest.raises(InputError, match="plan\\(\\)"):
        p.to_html(tmp_path / "h.html")
    assert not (tmp_path / "h.html").exists()
    assert "f" in p._repr_html_()
