"""Campaign plans: audience, holdout, seeds, reach and lift measured by simulation, reports."""

from __future__ import annotations

import html
import json
import math
import warnings

import numpy as np
import pytest

from filmreco._parallel import seed_sequence
from filmreco.campaign import Audience, CampaignPlan, audience_model, measure, plan
from filmreco.campaign._report import interest_labels
from filmreco.data import Catalog, Interactions
from filmreco.datasets import load_sample
from filmreco.exceptions import DataWarning, InputError, InputTypeError, UnknownIdError
from filmreco.recommend import EASE, Recommender
from filmreco.search import SearchIndex
from filmreco.social import UNCALIBRATED_WARNING, IndependentCascade, SocialGraph


@pytest.fixture(scope="module")
def world():
    w = load_sample()
    w.rec = EASE(regularization=300.0).fit(w.interactions)
    w.social = SocialGraph.from_edgelist(w.graph)
    w.index = SearchIndex(fields={"title": 3.0, "people": 1.5, "genres": 1.0}).fit(w.catalog)
    w.film = w.interactions.item_ids.ids[7]
    return w


@pytest.fixture(scope="module")
def cplan(world):
    return plan(
        world.film, recommender=world.rec, graph=world.social, index=world.index,
        catalog=world.catalog, audience_size=300, n_runs=1000, random_state=3,
    )  # fmt: skip


def test_plan_on_sample(world, cplan):
    a = cplan.audience
    assert a.size == 300 and a.source == "recommend_users"
    ref_ids, ref_scores = world.rec.recommend_users([world.film], n=300)
    np.testing.assert_array_equal(a.ids, ref_ids[0])
    np.testing.assert_allclose(a.scores, ref_scores[0])
    # treated and holdout split the audience
    assert cplan.holdout.size == 30
    assert not set(cplan.holdout) & set(cplan.treated)
    assert set(cplan.holdout) | set(cplan.treated) == set(a.ids)
    assert set(cplan.seeds.seeds) <= set(cplan.treated)
    # nobody in the audience has seen the film
    col = world.interactions.item_ids.index([world.film])[0]
    watched = set(
        world.interactions.user_ids.ids[world.interactions.matrix.tocsc()[:, [col]].indices]
    )
    assert not watched & set(a.ids)
    # profile: genre/tag counts of the films the audience watched, checked by a loop
    X = world.interactions
    counts: dict = {}
    for u in a.ids:
        row = X.matrix[[X.user_ids.index([u])[0]]]
        for j in row.indices:
            rec = world.catalog[X.item_ids.ids[j]]
            for f in ("genres", "tags"):
                for v in rec[f]:
                    counts[(f, v)] = counts.get((f, v), 0) + 1
    f, v, c = a.profile[0]
    assert c == counts[(f, v)] == max(counts.values())
    kinds = [k for k, _, _ in cplan.visibility]
    assert kinds[:2] == ["title", "pinyin"] and "genre + year" in kinds
    assert dict((k, r) for k, _, r in cplan.visibility)["title"] == 1


def test_reach_and_lift_measured_by_simulation(world, cplan):
    model = IndependentCascade(world.social, "weighted_cascade")
    r = cplan.reach
    assert set(r) == {"plan", "top_degree", "random"}
    for name, res in r.items():
        assert res.seeds.size == len(cplan.seeds)
        assert res.steps is not None and math.isclose(res.steps[-1], res.mean, rel_tol=1e-9)
        again = model.simulate(res.seeds, 1000, random_state=99)
        assert abs(again.mean - res.mean) < 4 * math.hypot(again.stderr, res.stderr), name
    # top-degree baseline: the best-connected treated users
    cands = cplan.treated[world.social.node_ids.contains(cplan.treated)]
    deg = world.social.out_degree()[world.social.index(cands)]
    assert (
        sorted(deg[np.isin(cands, r["top_degree"].seeds)])
        == sorted(deg)[::-1][: len(cplan.seeds)][::-1]
    )
    assert set(r["random"].seeds) <= set(cands)
    for b in ("top_degree", "random"):
        lf = cplan.lift[b]
        assert math.isclose(lf.ratio, r["plan"].mean / r[b].mean)
        lo, hi = lf.ci
        assert lo < lf.ratio < hi and lf.stderr > 0
    assert cplan.lift["random"].ci[0] > 1.5  # chosen seeds clearly beat random ones


def test_uncalibrated_warning_everywhere(cplan, tmp_path):
    assert cplan.calibrated is False
    assert UNCALIBRATED_WARNING in cplan.summary()
    d = cplan.to_dict()
    assert d["warning"] == UNCALIBRATED_WARNING and d["calibrated"] is False
    json.dumps(d)
    frames = cplan.to_frame()
    assert set(frames) == {"audience", "reach", "lift", "visibility"}
    assert (frames["reach"]["warning"] == UNCALIBRATED_WARNING).all()
    assert len(frames["audience"]) == 300
    text = cplan.to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert text.index(html.escape(UNCALIBRATED_WARNING)) < text.index('class="kpi')
    assert "UNCALIBRATED" in cplan._repr_html_()


def test_html_report(cplan, tmp_path):
    path = cplan.to_html(tmp_path / "sub" / "report.html")
    text = path.read_text(encoding="utf-8")
    assert "<pre" not in text and "<img" not in text  # no text dump, no raster image
    assert text.count("<svg") == 5 and text.count("<table") >= 5
    assert cplan.title in text
    for _, q, _ in cplan.visibility:
        assert html.escape(q) in text
    assert not list(path.parent.glob(".*.tmp"))
    fig = cplan.plot()
    assert len(fig.axes) == 3
    import matplotlib.pyplot as plt

    ticks = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    values = [str(v) for _, v, _ in cplan.audience.profile[:8]]
    assert sorted(ticks) == sorted(interest_labels(values)[0])
    plt.close(fig)
    d = cplan.to_dict()
    json.dumps(d)
    assert set(d["curves"]) == {"plan", "top_degree", "random"}
    assert d["curves"]["plan"]["mean"][-1] == cplan.reach["plan"].mean


def test_interest_labels_never_draw_missing_glyphs(monkeypatch):
    from filmreco.campaign import _report as report

    assert report.interest_labels(["Drama", "Comedy"]) == (["Drama", "Comedy"], None)
    monkeypatch.setattr(report, "cjk_font", lambda: None)
    assert report.interest_labels(["科幻", "Drama"]) == (["#1", "#2"], None)
    sentinel = object()
    monkeypatch.setattr(report, "cjk_font", lambda: sentinel)
    assert report.interest_labels(["科幻"]) == (["科幻"], sentinel)


def test_from_action_log_is_calibrated(world):
    model = IndependentCascade(world.social, 0.05)
    users, cascades, steps = model.sample_cascades(300, n_seeds=3, random_state=0)
    p = plan(
        world.film, recommender=world.rec, graph=world.social, action_log=(users, cascades, steps),
        audience_size=100, k=5, n_runs=200, random_state=0,
    )  # fmt: skip
    assert p.calibrated is True
    assert UNCALIBRATED_WARNING not in p.summary()
    assert p.to_dict()["warning"] is None


def test_holdout_deterministic_by_seed(world):
    kw = dict(recommender=world.rec, graph=world.social, audience_size=200, k=3, n_runs=50)
    a = plan(world.film, random_state=11, **kw)
    b = plan(world.film, random_state=11, **kw)
    c = plan(world.film, random_state=12, **kw)
    np.testing.assert_array_equal(a.holdout, b.holdout)
    np.testing.assert_array_equal(a.seeds.seeds, b.seeds.seeds)
    assert set(a.holdout) != set(c.holdout)
    assert a.holdout.size == c.holdout.size == 20


def test_seed_sequence_plan_is_reproducible_and_unchanged(world):
    # red-team s14 #3: plan spawned from the caller's SeedSequence and advanced it
    kw = dict(recommender=world.rec, graph=world.social, audience_size=200, k=3, n_runs=50)
    ss = np.random.SeedSequence(11)
    a = plan(world.film, random_state=ss, **kw)
    b = plan(world.film, random_state=ss, **kw)
    assert ss.n_children_spawned == 0
    np.testing.assert_array_equal(a.holdout, b.holdout)
    np.testing.assert_array_equal(a.seeds.seeds, b.seeds.seeds)


def _reference_uplift(treated, holdout, adopters):
    t = [u in adopters for u in treated]
    h = [u in adopters for u in holdout]
    pt, ph = sum(t) / len(t), sum(h) / len(h)
    return pt - ph, math.sqrt(pt * (1 - pt) / len(t) + ph * (1 - ph) / len(h))


def test_measure_recovers_known_uplift():
    rng = np.random.default_rng(5)
    ids = np.arange(40_000)
    hold = rng.choice(ids.size, 4000, replace=False)
    mask = np.zeros(ids.size, bool)
    mask[hold] = True
    p = CampaignPlan(0, "f", Audience(ids, np.ones(ids.size), [], "x"), ids[~mask], ids[mask],
                     None, {}, {}, [], False)  # fmt: skip
    adopt = rng.random(ids.size) < np.where(mask, 0.10, 0.15)  # true uplift 0.05
    outsiders = np.arange(10**6, 10**6 + 50)
    u = measure(p, np.concatenate([ids[adopt], outsiders]))
    lo, hi = u.ci
    assert lo < 0.05 < hi
    ref_d, ref_se = _reference_uplift(set(p.treated), set(p.holdout), set(ids[adopt]))
    assert math.isclose(u.difference, ref_d) and math.isclose(u.stderr, ref_se)
    with pytest.raises(TypeError):
        measure(p, ["a", "b"])


def test_measure_on_real_plan(cplan):
    u = measure(cplan, cplan.treated[:45])
    assert u.holdout_rate == 0 and math.isclose(u.treated_rate, 45 / cplan.treated.size)


def test_lookalike_audience(world):
    seeds = world.interactions.user_ids.ids[:5]
    p = plan(world.film, recommender=world.rec, graph=world.social, lookalike_of=seeds,
             audience_size=50, k=3, n_runs=50, random_state=0)  # fmt: skip
    assert p.audience.source == "lookalike" and p.audience.size == 50
    assert not set(seeds) & set(p.audience.ids)
    # reference: cosine of each user's score vector with the seeds' mean vector
    S = world.rec.score(world.interactions.user_ids.ids, world.interactions.item_ids.ids)
    S = S.astype(np.float64)
    t = S[:5].mean(axis=0)
    sims = S @ t / (np.linalg.norm(S, axis=1) * np.linalg.norm(t))
    sims[:5] = -np.inf
    ref = set(world.interactions.user_ids.ids[np.argsort(-sims)[:45]])
    assert ref <= set(p.audience.ids)


def test_bad_input(world):
    kw = dict(recommender=world.rec, graph=world.social, n_runs=50, random_state=0)
    with pytest.raises(UnknownIdError):
        plan("nope", **kw)
    with pytest.raises(UnknownIdError, match="catalogue"):
        plan("nope", catalog=world.catalog, **kw)
    with pytest.raises(TypeError):
        plan(7, **kw)
    costs = {u: 50.0 for u in world.social.node_ids.ids}
    with pytest.raises(InputError, match="budget"):
        plan(world.film, budget=10.0, costs=costs, **kw)
    X = Interactions.from_arrays(["u1", "u2", "u1"], ["a", "a", "b"])
    rec = EASE(regularization=1.0).fit(X)
    g = SocialGraph.from_arrays(["u1"], ["u2"])
    with pytest.raises(InputError, match="empty"):
        plan("a", recommender=rec, graph=g, n_runs=10)
    with pytest.raises(TypeError):
        plan(world.film, recommender=world.rec, graph="edges")
    with pytest.raises(InputError, match="without timestamps"):
        plan(world.film, action_log=Interactions.from_arrays(["u1"], ["a"]), **kw)


def test_holdout_that_leaves_nobody_treated_says_so(world):
    # red-team s14 #7: holdout=1.0 blamed the social graph
    kw = dict(recommender=world.rec, graph=world.social, k=3, n_runs=50, seed_method="degree",
              random_state=0)  # fmt: skip
    with pytest.raises(InputError, match="holdout must be < 1"):
        plan(world.film, audience_size=50, holdout=1.0, **kw)
    with pytest.raises(InputError, match="holdout=0.9 of an audience of 1 leaves nobody"):
        plan(world.film, audience_size=1, holdout=0.9, **kw)


def test_default_audience_model_is_fitted_on_interactions(world):
    # without recommender=, plan fits audience_model() on interactions= and takes the
    # film's audience from its recommend_users, exactly as when that model is passed
    kw = dict(graph=world.social, audience_size=40, k=2, n_runs=20, seed_method="degree",
              random_state=0)  # fmt: skip
    p = plan(world.film, interactions=world.interactions, **kw)
    # the model is initialised from the sixth stream spawned from plan's random_state
    rec = audience_model(random_state=seed_sequence(0).spawn(6)[5]).fit(world.interactions)
    q = plan(world.film, recommender=rec, **kw)
    ids, _ = rec.recommend_users([world.film], n=40)
    assert p.audience.source == "recommend_users"
    assert p.audience.ids.tolist() == q.audience.ids.tolist() == ids[0].tolist()
    # another model still comes in through recommender=, and changes the audience
    e = plan(world.film, recommender=world.rec, **kw)
    assert e.audience.ids.tolist() != p.audience.ids.tolist()
    # reproducible for a random_state
    again = plan(world.film, interactions=world.interactions, **kw)
    assert again.audience.ids.tolist() == p.audience.ids.tolist()


def test_audience_model_is_a_new_unfitted_recommender():
    a, b = audience_model(), audience_model(random_state=3)
    assert a is not b and not hasattr(a, "item_ids_")
    assert isinstance(a, Recommender)


def test_plan_needs_exactly_one_audience_source(world):
    kw = dict(graph=world.social, n_runs=20, random_state=0)
    with pytest.raises(InputError, match="interactions=") as e:
        plan(world.film, **kw)
    assert "recommender=" in str(e.value)
    with pytest.raises(InputError, match="not both"):
        plan(world.film, recommender=world.rec, interactions=world.interactions, **kw)


def test_seed_method_is_passed_to_influence_maximisation(world):
    kw = dict(recommender=world.rec, graph=world.social, audience_size=80, k=4, n_runs=100,
              random_state=0)  # fmt: skip
    p = plan(world.film, seed_method="degree", **kw)
    cands = p.treated[world.social.node_ids.contains(p.treated)]
    deg = world.social.out_degree()[world.social.index(cands)]
    # degree seeding picks the treated users of highest out-degree
    assert sorted(deg[np.isin(cands, p.seeds.seeds)]) == sorted(np.sort(deg)[::-1][:4])
    with pytest.raises(InputError, match="method"):
        plan(world.film, seed_method="magic", **kw)


def test_plan_with_a_social_recommender(world):
    # the audience can come from friends' taste mixed into the base (social composes with campaign)
    from filmreco.social import SocialRecommender

    social = SocialRecommender(world.rec, world.social, weight=0.3, mode="score", refit=False)
    social.fit(world.interactions)
    p = plan(world.film, recommender=social, graph=world.social, catalog=world.catalog,
             audience_size=60, k=3, n_runs=100, random_state=0)  # fmt: skip
    want, _ = social.recommend_users([world.film], n=60)
    assert p.audience.ids.tolist() == want[0][want[0] != ""].tolist()
    assert p.audience.profile  # interests come from the users' interactions
    look = plan(world.film, recommender=social, graph=world.social, audience_size=30, k=2,
                n_runs=50, lookalike_of=world.interactions.user_ids.ids[:3], random_state=0)  # fmt: skip
    assert look.audience.size == 30


# -- issue 16 item 3: the plan's probabilities come from the back-test ("auto") -----------
@pytest.fixture(scope="module")
def dated_log(world):
    """Simulated cascades on the sample's graph, each film's adopters spread over time."""
    model = IndependentCascade(world.social, 0.05)
    users, cascades, steps = model.sample_cascades(300, n_seeds=3, random_state=0)
    return users, cascades, cascades * 0.25 + steps * 50.0


def test_action_log_is_calibrated_by_backtest(world, dated_log):
    from filmreco.social import learn_probabilities

    kw = dict(recommender=world.rec, graph=world.social, audience_size=100, k=3, n_runs=100,
              seed_method="degree", random_state=0)  # fmt: skip
    p = plan(world.film, action_log=dated_log, **kw)  # calibration="auto" by default
    bt = p.backtest
    assert p.calibrated and p.model.calibration["method"] == "auto"
    # the plan simulated exactly the back-test's probabilities
    want, report = learn_probabilities(world.social, *dated_log, method="auto", return_report=True)
    np.testing.assert_allclose(p.model.edge_probabilities, want)
    assert bt == report.to_dict() and bt["chosen"] in bt["table"]
    methods = {"bernoulli", "jaccard", "em", "bayes"}
    assert set(bt["table"]) == methods | {m + "+delays" for m in methods}
    # the summary prints every estimator's ratio, Brier and AUC and marks the chosen one
    text = p.summary()
    assert f"influence probabilities: {bt['chosen_row']} x {bt['factor']:.3g}" in text
    for name, row in bt["table"].items():
        line = next(x for x in text.splitlines() if x.strip().startswith(name + " "))
        if row["ratio"] is not None:
            assert f"{row['ratio']:.2f}" in line and f"{row['brier']:.5f}" in line
            assert f"{row['auc']:.3f}" in line
        assert line.endswith("<- chosen") == (name == bt["chosen_row"])
    d = p.to_dict()
    assert d["backtest"] == bt and d["calibration_method"] == "auto"
    json.dumps(d)  # JSON-ready, NaN written as null
    # the old explicit path: a fixed estimator, no back-test
    fixed = plan(world.film, action_log=dated_log, calibration="bernoulli", **kw)
    assert fixed.backtest is None and fixed.calibrated
    np.testing.assert_allclose(
        fixed.model.edge_probabilities, learn_probabilities(world.social, *dated_log)
    )
    assert "method='bernoulli', no back-test" in fixed.summary()
    assert "back-test on the action log" not in fixed.summary()
    # without a log there is nothing to report
    assert plan(world.film, **kw).backtest is None


def test_backtest_impossible_falls_back_with_warning(world, dated_log):
    users, films, _ = dated_log
    kw = dict(recommender=world.rec, graph=world.social, audience_size=80, k=2, n_runs=50,
              seed_method="degree", random_state=0)  # fmt: skip
    same_day = (users, films, np.zeros(users.size))  # no earlier date: no fold to back-test
    with pytest.warns(DataWarning, match="could not be back-tested.*calibration='bernoulli'"):
        p = plan(world.film, action_log=same_day, **kw)
    assert p.calibrated and p.backtest is None
    assert p.model.calibration["method"] == "bernoulli"
    assert "the back-test was not possible" in p.summary()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fixed estimator: no warning
        plan(world.film, action_log=same_day, calibration="bernoulli", **kw)
    with pytest.raises(InputError, match=r"calibration='best' is not supported"):
        plan(world.film, action_log=dated_log, calibration="best", **kw)


@pytest.mark.parametrize("which", ["empty", "nobody in the graph"])
def test_log_without_graph_users_falls_back_with_warning(world, which):
    # red-team s14 #1: an IndexError from the back-test got through plan's fallback
    log = ([], [], []) if which == "empty" else (["nobody"], [world.film], [0])
    kw = dict(interactions=world.interactions, graph=world.social, audience_size=50, k=2,
              n_runs=50, seed_method="degree", random_state=0)  # fmt: skip
    with pytest.warns(DataWarning, match="could not be back-tested.*no action by a user"):
        p = plan(world.film, action_log=log, **kw)
    assert p.backtest is None and p.model.calibration["method"] == "bernoulli"


def test_from_logs_auto_keeps_backtest_through_save(world, dated_log, tmp_path):
    m = IndependentCascade.from_logs(world.social, *dated_log, method="auto")
    bt = m.calibration["backtest"]
    assert bt["method"] == "auto" and bt["chosen"] in ("bernoulli", "jaccard", "em", "bayes")
    m.save(tmp_path / "m")
    back = IndependentCascade.load(tmp_path / "m")
    assert back.calibration["backtest"] == bt


def test_plan_for_a_film_nobody_has_watched(world):
    # a new release: the film is in the catalogue but not in the history; a recommender
    # with the catalogue as side information ranks its audience through its genres
    from filmreco.recommend import EDLAE

    X = world.interactions
    new = X.item_ids.ids[11]
    history = X.subset_items(X.item_ids.ids[X.item_ids.ids != new])
    with pytest.raises(UnknownIdError):
        plan(new, recommender=EASE(regularization=300.0).fit(history), graph=world.social,
             audience_size=50, n_runs=50, random_state=0)  # fmt: skip
    release = EDLAE(200.0, 0.5, catalog=world.catalog, side_fields=["genres", "tags"],
                    side_weight=3.0, cold_start_items=True).fit(history)  # fmt: skip
    p = plan(new, recommender=release, graph=world.social, catalog=world.catalog,
             audience_size=100, n_runs=100, random_state=0)  # fmt: skip
    assert p.audience.size == 100
    # the audience leans to the film's genres: its users watched them more than average
    genres = set(world.catalog[new]["genres"])
    has = np.array([bool(genres & set(g or [])) for g in
                    world.catalog.subset(history.item_ids.ids).field("genres")])  # fmt: skip
    share = np.asarray(history.matrix[:, has].sum(axis=1)).ravel() / np.maximum(
        np.diff(history.matrix.indptr), 1
    )
    rows = history.user_ids.index(p.audience.ids)
    assert share[rows].mean() > share.mean()


def test_plan_falls_back_to_the_release_model(world):
    # interactions= without the film, catalog= with it: plan ranks the audience through the
    # film's genres and tags (release_model) instead of refusing
    from filmreco.campaign import release_model

    X = world.interactions
    new = X.item_ids.ids[11]
    history = X.subset_items(X.item_ids.ids[X.item_ids.ids != new])
    with pytest.raises(UnknownIdError):  # no catalogue: nothing to rank it by
        plan(new, interactions=history, graph=world.social, audience_size=50, n_runs=50,
             random_state=0)  # fmt: skip
    p = plan(new, interactions=history, graph=world.social, catalog=world.catalog,
             audience_size=80, n_runs=50, random_state=0)  # fmt: skip
    assert p.audience.source == "release_model" and p.audience.size == 80
    assert "release_model" in p.summary()
    # the same audience as the model release_model fits, ranked by recommend_users
    ids, _ = release_model(world.catalog, history).recommend_users([new], n=80)
    assert p.audience.ids.tolist() == ids[0].tolist()
    # a film with a history keeps the default audience model
    known = history.item_ids.ids[3]
    q = plan(known, interactions=history, graph=world.social, catalog=world.catalog,
             audience_size=50, n_runs=50, random_state=0)  # fmt: skip
    assert q.audience.source == "recommend_users"
    # the model's ridge follows the data: 25 x the most-watched film's views
    model = release_model(world.catalog, history)
    top = int(np.diff(history.matrix.tocsc().indptr).max())
    assert model.regularization == 25.0 * top and model.cold_start_items
    titles_only = Catalog.from_records(
        [{"id": r["id"], "title": r["title"]} for r in world.catalog.records()]
    )
    with pytest.raises(InputError, match="genres or tags"):
        release_model(titles_only, history)


def test_em_that_does_not_converge_names_plans_options():
    # red-team s14 round 2: the advice named max_iter and tol, which plan does not take
    from filmreco.datasets import load_sample
    from filmreco.exceptions import ConvergenceError
    from filmreco.social import SocialGraph

    w = load_sample()
    g, X = SocialGraph.from_edgelist(w.graph), w.interactions
    with pytest.raises(ConvergenceError, match=r"calibration='em': EM did not converge.*"
                       r"Pass calibration='auto'.*learn_probabilities\(graph, \.\.\., "
                       r"method='em', max_iter=\.\.\.\)"):  # fmt: skip
        plan(X.item_ids.ids[5], interactions=X, graph=g, action_log=X, calibration="em",
             audience_size=50, k=2, n_runs=50, seed_method="degree", random_state=0)  # fmt: skip


def test_queries_checked_before_the_plan_runs():
    # red-team s14 round 2: a str was split into characters, a 3-tuple gave a bare
    # ValueError, [None] searched 'None', all after the whole plan had run
    from filmreco.datasets import load_sample
    from filmreco.search import SearchIndex
    from filmreco.social import SocialGraph

    w = load_sample()
    g, X = SocialGraph.from_edgelist(w.graph), w.interactions
    index = SearchIndex().fit(w.catalog)
    kw = dict(interactions=X, graph=g, index=index, catalog=w.catalog, audience_size=20, k=1,
              n_runs=20, seed_method="degree", random_state=0)  # fmt: skip
    film = X.item_ids.ids[5]
    title = w.catalog[film]["title"]
    p = plan(film, queries=[title, ("my kind", title)], **kw)
    assert [(k, q) for k, q, _ in p.visibility] == [("query", title), ("my kind", title)]
    for bad, match in [(title, r"a single query goes in a list"), ([None], r"queries\[0\]"),
                       ([("title", "x", "y")], r"queries\[0\] must be a str or a \(kind, query\)")]:  # fmt: skip
        with pytest.raises(InputTypeError, match=match):
            plan(film, queries=bad, **kw)


def test_default_comparison_labels_are_distinct():
    # red-team s14 round 2: titles "A", "A", "A (1)" gave labels "A (1)", "A (2)", "A (1)"
    from types import SimpleNamespace

    from filmreco.campaign._compare import _labels

    plans = [SimpleNamespace(title=t) for t in ("A", "A", "A (1)", "B")]
    got = _labels(plans, None)
    assert len(set(got)) == 4 and got[2:] == ["A (1)", "B"]
    assert all(g.startswith("A (") for g in got[:2])
    assert _labels([SimpleNamespace(title="A")] * 2, None) == ["A (1)", "A (2)"]


def test_default_queries_read_a_people_field():
    # red-team s14 round 2: a catalogue naming its people in one "people" field (as
    # --catalog-columns 导演=people makes it) gave no people query
    from filmreco.campaign._plan import _queries

    got = _queries({"title": "星海漫游", "people": ["张艺谋", "巩俐", "葛优"], "genres": ["剧情"]})
    assert [q for k, q in got if k == "people"] == ["张艺谋", "巩俐"]
    got = _queries({"title": "星海漫游", "directors": ["陈凯歌"], "people": ["巩俐"]})
    assert [q for k, q in got if k == "people"] == ["陈凯歌"]  # directors/actors first
