"""Command line: ``python -m filmreco demo``.

The demo runs on the built-in sample world (:func:`filmreco.datasets.load_sample`), needs no
network and prints a readable report to stdout. Each engine adds its section to it.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

__all__ = ["main"]


def _section(out: TextIO, title: str) -> None:
    out.write(f"\n{title}\n{'=' * (len(title) + sum(1 for c in title if ord(c) > 0x2E80))}\n")


def _genre_matrix(catalog, field: str = "genres"):
    """Items × labels indicator matrix of a list field of the catalogue, and the label map."""
    from .sparse import IdMap, build_csr

    values = catalog.field(field)
    lens = np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values))
    flat = [g for v in values for g in v]
    labels, codes = IdMap.from_values(flat) if flat else (IdMap([]), np.zeros(0, np.int64))
    rows = np.repeat(np.arange(len(values)), lens)
    M = build_csr(rows, codes, shape=(len(values), len(labels)), duplicates="max")
    return M, labels


def _report_world(out: TextIO, world) -> None:
    from .sparse import normalize

    X = world.interactions
    cat = world.catalog
    G = world.graph
    M = X.matrix

    _section(out, "Sample world")
    out.write(f"{world.description.strip().splitlines()[0]}\n")

    _section(out, "Catalogue 片库")
    years = np.asarray([y for y in cat.field("year") if y is not None and y >= 0])
    out.write(f"films: {len(cat)}   years: {years.min()}-{years.max()}\n")
    GI, genres = _genre_matrix(cat)
    counts = np.asarray(GI.sum(axis=0)).ravel()
    order = np.argsort(-counts, kind="stable")[:8]
    out.write("top genres: " + "  ".join(f"{genres.ids[g]} {int(counts[g])}" for g in order) + "\n")
    first = cat[X.item_ids.ids[0]]
    out.write(
        f"e.g. 《{first['title']}》 ({first['year']}, {'/'.join(first['genres'])}), "
        f"导演 {'、'.join(first.get('directors', [])[:1])}: {first['description'][:40]}…\n"
    )

    _section(out, "Behaviour 用户行为")
    per_user = np.diff(M.indptr)
    per_item = np.bincount(M.indices, minlength=M.shape[1])
    top = np.sort(per_item)[::-1][: max(1, M.shape[1] // 10)].sum() / max(1, per_item.sum())
    out.write(
        f"users: {X.n_users}   films: {X.n_items}   interactions: {X.nnz}   "
        f"density: {X.nnz / max(1, X.n_users * X.n_items):.2%}\n"
        f"per user: median {np.median(per_user):.0f}, 90th pct {np.percentile(per_user, 90):.0f}, "
        f"max {per_user.max()}\n"
        f"long tail: the top 10% of films hold {top:.1%} of all interactions\n"
    )

    _section(out, "Social graph 社交网络")
    deg = np.bincount(np.concatenate([G.sources, G.targets]), minlength=G.n_nodes)
    out.write(
        f"nodes: {G.n_nodes}   edges: {G.n_edges} ({'directed' if G.directed else 'undirected'})   "
        f"mean degree: {deg.mean():.1f}   max degree: {deg.max()}\n"
    )
    # homophily: friends' behaviour vs random pairs (cosine of interaction rows)
    R = normalize(M, norm="l2", axis=1)
    src = X.user_ids.index(G.node_ids.ids[G.sources])
    dst = X.user_ids.index(G.node_ids.ids[G.targets])
    friend_sim = np.asarray(R[src].multiply(R[dst]).sum(axis=1)).ravel().mean()
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, X.n_users, size=(2, max(1000, src.size)))
    rand_sim = np.asarray(R[a].multiply(R[b]).sum(axis=1)).ravel().mean()
    out.write(
        f"homophily: friends' tastes (cosine of their histories) {friend_sim:.3f} vs "
        f"random pairs {rand_sim:.3f} ({friend_sim / max(rand_sim, 1e-12):.1f}x)\n"
    )

    _section(out, "User profiles 用户画像 (share of each user's films by genre)")
    P = normalize(M @ GI, norm="l1", axis=1)
    active = np.argsort(-per_user, kind="stable")[[0, len(per_user) // 4, len(per_user) // 2]]
    for u in active:
        row = P[[u]].toarray().ravel()
        best = np.argsort(-row, kind="stable")[:3]
        shares = "  ".join(f"{genres.ids[g]} {row[g]:.0%}" for g in best if row[g] > 0)
        out.write(f"user {X.user_ids.ids[u]!s:>6} ({per_user[u]:>3} films): {shares}\n")


def _titles(world, ids) -> str:
    return "、".join(f"《{world.catalog[i]['title']}》" for i in ids if i != "")


def _report_recommend(out: TextIO, world) -> None:
    from .recommend import ALS, EASE, ContentBased, ItemKNN, Popularity
    from .recommend.evaluation import evaluate, split_random

    X = world.interactions
    _section(out, "Recommendations 推荐 (who should see which film)")
    train, test = split_random(X, test_size=0.2, random_state=0)
    models = {
        "Popularity": Popularity(),
        "ItemKNN": ItemKNN(n_neighbors=200),
        "EASE": EASE(regularization=300.0),
        "ALS": ALS(n_factors=32, regularization=50.0, alpha=5.0, random_state=0),
    }
    table = evaluate(models, train, test, k=10)
    out.write(f"held-out evaluation (random 80/20 per user, {table['EASE']['n_users']} users):\n")
    out.write(f"  {'model':<11}{'NDCG@10':>9}{'recall@10':>11}{'coverage':>10}\n")
    for name, row in table.items():
        out.write(
            f"  {name:<11}{row['ndcg@10']:>9.3f}{row['recall@10']:>11.3f}{row['coverage@10']:>10.1%}\n"
        )
    model = EASE(regularization=300.0).fit(X)
    content = ContentBased(world.catalog).fit(X)
    user = X.user_ids.ids[
        int(np.argsort(-np.diff(X.matrix.indptr), kind="stable")[len(X.user_ids) // 2])
    ]
    ids, _ = model.recommend([user], n=5)
    out.write(f"user {user} interests: ")
    out.write(
        "  ".join(f"{value} ({field})" for field, value, _ in content.user_profile(user, n=5))
        + "\n"
    )
    out.write(f"EASE recommends: {_titles(world, ids[0])}\n")
    why, _ = model.explain(user, ids[0][0], n=2)
    out.write(
        f"  《{world.catalog[ids[0][0]]['title']}》 because the user watched {_titles(world, why)}\n"
    )
    film = X.item_ids.ids[0]
    audience, _ = model.recommend_users([film], n=5)
    out.write(
        f"best audience for 《{world.catalog[film]['title']}》 among users who have not seen it: "
        f"{', '.join(map(str, audience[0]))}\n"
    )


def _report_social(out: TextIO, world) -> None:
    from .social import (
        UNCALIBRATED_WARNING,
        IndependentCascade,
        SocialGraph,
        film_reach,
        maximize_influence,
        rank_films,
    )

    X = world.interactions
    graph = SocialGraph.from_edgelist(world.graph)
    model = IndependentCascade(graph, probability="weighted_cascade")
    _section(out, "Word of mouth 传播力度 (independent cascade, weighted-cascade probabilities)")
    if not model.calibrated:
        out.write(textwrap.fill(UNCALIBRATED_WARNING, width=92) + "\n")
    per_item = np.diff(X.matrix.tocsc().indptr)
    film = int(np.argsort(-per_item, kind="stable")[19])
    fid = X.item_ids.ids[film]
    adopters = X.user_ids.ids[X.matrix.tocsc()[:, [film]].indices]
    res = film_reach(model, adopters, n_runs=2000, random_state=0)
    lo, hi = res.ci
    out.write(
        f"《{world.catalog[fid]['title']}》: {adopters.size} users engaged -> expected reach "
        f"{res.mean:.0f} users (95% CI {lo:.0f}-{hi:.0f}, 2,000 cascades)\n"
    )
    imm = maximize_influence(model, k=10, method="imm", eps=0.3, random_state=0)
    deg = maximize_influence(model, k=10, method="degree")
    s_imm = model.simulate(imm.seeds, n_runs=10_000, random_state=1)
    s_deg = model.simulate(deg.seeds, n_runs=10_000, random_state=1)
    out.write(
        f"10 seed users chosen by IMM reach {s_imm.mean:.1f} ± {s_imm.stderr:.1f} users; "
        f"the 10 best-connected reach {s_deg.mean:.1f} ± {s_deg.stderr:.1f} (10,000 cascades"
        f"{'; the gap is within 2 standard errors' if abs(s_imm.mean - s_deg.mean) < 2 * np.hypot(s_imm.stderr, s_deg.stderr) else ''})\n"
        f"IMM seeds: {', '.join(map(str, imm.seeds[:10]))}\n"
    )
    ranking = rank_films(model, X, by="new_reach", n_runs=300, random_state=0)
    out.write("films with the most new viewers from word of mouth alone:\n")
    for i in range(5):
        iid = ranking.item_ids[i]
        out.write(
            f"  {i + 1}. 《{world.catalog[iid]['title']}》 +{ranking.new_reach[i]:.0f} users "
            f"(from {ranking.n_adopters[i]} current fans)\n"
        )


def _report_search(out: TextIO, world) -> None:
    from pypinyin import Style, lazy_pinyin

    from .search import SearchIndex

    _section(out, "Search 搜索 (can people find it?)")
    t0 = time.perf_counter()
    fields = {"title": 3.0, "aliases": 2.0, "people": 1.5, "genres": 1.0, "tags": 1.0}
    index = SearchIndex(fields={**fields, "description": 0.5}).fit(world.catalog)
    out.write(f"indexed {len(world.catalog)} films in {time.perf_counter() - t0:.2f} s\n")
    film = world.interactions.item_ids.ids[0]
    rec = world.catalog[film]
    title = rec["title"]
    queries = [
        (title[: max(2, len(title) // 2 + 1)], "partial title"),
        ("".join(lazy_pinyin(title)), "pinyin"),
        ("".join(lazy_pinyin(title, style=Style.FIRST_LETTER)), "initials"),
        (f"{rec['directors'][0]} {rec['genres'][0]}", "director + genre"),
    ]
    out.write(f"looking for 《{title}》 ({rec['year']}):\n")
    for query, kind in queries:
        hits = index.search(query, n=10)
        ids = list(hits.ids)
        rank = ids.index(film) + 1 if film in ids else None
        found = f"rank {rank}" if rank else "not in the top 10"
        out.write(f"  {kind:<17} {found:<18} query: {query}\n")
    prefix = title[:1]
    out.write(f"suggest({prefix!r}): {'、'.join(index.suggest(prefix, n=5))}\n")


_MODELS = ("audience", "ease", "als", "itemknn", "popularity")


def _recommender(name: str):
    from .campaign import audience_model
    from .recommend import ALS, EASE, ItemKNN, Popularity

    return {
        "audience": audience_model,  # the campaign's default: the best audience ranker
        "ease": lambda: EASE(regularization=300.0),
        "als": lambda: ALS(n_factors=32, regularization=50.0, alpha=5.0, random_state=0),
        "itemknn": lambda: ItemKNN(n_neighbors=200),
        "popularity": Popularity,
    }[name]()


def _fee_costs(graph) -> np.ndarray:
    """Illustrative influencer fees: 1 + followers / 10, one per node in graph order."""
    return 1.0 + graph.out_degree().astype(np.float64) / 10.0


def _write_plan(out: TextIO, p, folder) -> Path:
    import json

    from ._persist import atomic_write

    folder = Path(folder)
    data = json.dumps(p.to_dict(), ensure_ascii=False, indent=1).encode("utf-8")
    atomic_write(folder / "plan.json", lambda f: f.write(data))
    try:
        path = p.to_html(folder / "campaign_report.html")
    except ImportError as exc:
        out.write(f"no HTML report: {exc}\n")
        return folder / "plan.json"
    return Path(path)


def _report_campaign(out: TextIO, world, film, budget, model: str, output) -> Path:
    from .campaign import plan
    from .search import SearchIndex
    from .social import SocialGraph

    _section(out, "Campaign plan 营销方案 (audience, seeds, reach, search)")
    X = world.interactions
    if film is None:
        film = X.item_ids.ids[int(np.argsort(-np.diff(X.matrix.tocsc().indptr), kind="stable")[19])]
    # the default audience model is fitted by plan itself (seeded by its random_state)
    source = (
        {"interactions": X} if model == "audience" else {"recommender": _recommender(model).fit(X)}
    )
    graph = SocialGraph.from_edgelist(world.graph)
    fields = {"title": 3.0, "aliases": 2.0, "people": 1.5, "genres": 1.0, "tags": 1.0}
    index = SearchIndex(fields=fields).fit(world.catalog)
    costs = None if budget is None else _fee_costs(graph)
    p = plan(
        film, **source, graph=graph, index=index, catalog=world.catalog,
        budget=budget, costs=costs, random_state=0,
    )  # fmt: skip
    out.write(p.summary() + "\n")
    curve = p.curves.get("plan")
    if curve is not None and len(curve):
        gains = ", ".join(f"{g:.0f}" for g in curve.gains)
        out.write(f"marginal gain of each extra seed (users): {gains}\n")
    if budget is not None:
        out.write("(seed costs: 1 + followers/10 per user, an illustrative fee)\n")
    path = _write_plan(out, p, output)
    out.write(f"report: {path}\n")
    return path


def _default_folder() -> Path:
    """``./filmreco-demo``, or a new private temporary folder if that cannot be written."""
    folder = Path.cwd() / "filmreco-demo"
    try:
        folder.mkdir(exist_ok=True)
        if folder.is_symlink() or not folder.is_dir() or not os.access(folder, os.W_OK):
            raise PermissionError(folder)
        return folder
    except OSError:  # mkdtemp: a new folder only this user can open, never an existing path
        return Path(tempfile.mkdtemp(prefix="filmreco-demo-"))


def demo(
    out: TextIO | None = None,
    *,
    film: str | None = None,
    budget: float | None = None,
    model: str = "audience",
    output: str | os.PathLike[str] | None = None,
) -> int:
    """Print the demo report on the built-in sample world and write the campaign report.

    The HTML report (and ``plan.json``) go to `output`; by default to the folder
    ``filmreco-demo`` under the current directory (made if needed; a later run replaces
    its files). When the current directory is not writable, a new private folder
    ``filmreco-demo-<random>`` in the temporary folder is used instead (never a fixed
    name there: it could be a symlink planted by another user). The path is printed.
    """
    from .datasets import load_sample

    out = sys.stdout if out is None else out
    t0 = time.perf_counter()
    world = load_sample()
    out.write("filmreco demo — the built-in sample world (synthetic, generated offline)\n")
    _report_world(out, world)
    _report_recommend(out, world)
    _report_social(out, world)
    _report_search(out, world)
    folder = _default_folder() if output is None else Path(output)
    _report_campaign(out, world, film, budget, model, folder)
    out.write(f"\n(done in {time.perf_counter() - t0:.1f} s)\n")
    return 0


def _csv_options(args: argparse.Namespace | None) -> dict[str, Any]:
    """The from_csv options of the CSV inputs (--user-col, --item-col, --sep, --encoding)."""
    if args is None:
        return {}
    return {
        "user": args.user_col,
        "item": args.item_col,
        "sep": None if args.sep == "whitespace" else args.sep.replace("\\t", "\t"),
        "encoding": args.encoding,
        "on_error": args.on_error,
        "id_type": str,  # ids as written: '003' stays '003', so outputs join back to inputs
    }


def recommend_batch(
    interactions: str,
    model: str,
    out_path: str,
    n: int = 10,
    args: argparse.Namespace | None = None,
) -> int:
    """``recommend`` command: top-`n` films per user of a CSV, written as CSV."""
    from ._persist import atomic_write, check_target
    from .data import Interactions

    check_target(out_path, "--out")
    X = Interactions.from_csv(interactions, **_csv_options(args))
    ids, scores = _recommender(model).fit(X).recommend(X.user_ids.ids, n=n)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["user", "rank", "item", "score"])
    for u, row, sc in zip(X.user_ids.ids, ids, scores):
        for r, (i, s) in enumerate(zip(row, sc), 1):
            if np.isfinite(s):
                w.writerow([_cell(u), r, _cell(i), f"{s:.6g}"])
    data = buf.getvalue().encode("utf-8")
    atomic_write(out_path, lambda f: f.write(data))
    return 0


def _catalog_columns(spec: str | None) -> dict[str, str]:
    """``--catalog-columns "电影ID=id,片名=title"`` as ``{header name: field}``."""
    from .exceptions import InputError

    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        name, eq, field = part.partition("=")
        if not eq or not name.strip() or not field.strip():
            raise InputError(
                f"--catalog-columns takes NAME=FIELD pairs separated by commas (e.g. "
                f"电影ID=id,片名=title,类型=genres), got {part!r}."
            )
        out[name.strip()] = field.strip()
    return out


def _read_catalog(args: argparse.Namespace) -> Any:
    """The --catalog file (read with the CSV inputs' --sep and --encoding), its columns
    renamed by --catalog-columns."""
    from .data import Catalog
    from .exceptions import InputError

    opts = _csv_options(args)
    rename = _catalog_columns(args.catalog_columns)
    id_col = next((name for name, field in rename.items() if field == "id"), "id")
    targets = list(rename.values())
    twice = sorted({f for f in targets if targets.count(f) > 1})
    if twice:
        names = [name for name, f in rename.items() if f == twice[0]]
        raise InputError(
            f"--catalog-columns renames {len(names)} columns ({', '.join(names)}) to the "
            f"field {twice[0]!r}; each field takes one column."
        )
    cat = Catalog.from_csv(args.catalog, id_field=id_col, sep=opts["sep"],
                           encoding=opts["encoding"], on_error=opts["on_error"],
                           id_type=str)  # fmt: skip
    if not rename:
        return cat
    missing = [name for name in rename if name != id_col and name not in cat.fields]
    if missing:
        raise InputError(
            f"--catalog-columns names {missing}, which the header of {args.catalog!r} "
            f"does not have: {[id_col, *cat.fields]}."
        )
    # list fields (genres, people ...) are split by their new names, as from_csv splits them
    fields = {rename.get(f, f): cat.field(f) for f in cat.fields}
    return Catalog(cat.item_ids, fields, list_sep="|")


def _cell(value: Any) -> str:
    """`value` as a CSV cell a spreadsheet shows as text: a cell starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return would be run as a formula by Excel (CSV
    injection, OWASP), so it gets a leading apostrophe; numbers are written as they are."""
    text = str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return text
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _check_film(film: str, X: Any, catalog: Any) -> None:
    """``--film`` must be a film of the interactions or of the catalogue (ids as written)."""
    from .exceptions import InputError

    maps = [X.item_ids] + ([] if catalog is None else [catalog.item_ids])
    if any(film in m for m in maps):
        return
    where = "--interactions" if catalog is None else "either --interactions or --catalog"
    near = ", ".join(repr(str(x)) for x in X.item_ids.ids[:3].tolist())
    raise InputError(
        f"--film {film!r} is not a film id of {where} (ids are read as written, e.g. "
        f"{near}); give one of those, or add the film to --catalog to plan its release."
    )


def plan_batch(args: argparse.Namespace, out: TextIO) -> int:
    """``plan`` command: a campaign plan from CSV files, written as HTML + JSON + CSV."""
    from ._persist import atomic_write
    from .campaign import plan
    from .data import Interactions
    from .exceptions import InputError
    from .search import SearchIndex
    from .social import SocialGraph

    opts = _csv_options(args)
    X = Interactions.from_csv(args.interactions, **opts)
    catalog = _read_catalog(args) if args.catalog else None
    if args.graph:
        id_type = str if X.user_ids.kind == "str" else int
        graph = SocialGraph.from_edgelist(args.graph, id_type=id_type)
    else:
        out.write("no --graph: users influence nobody; reach counts the seeds only.\n")
        graph = SocialGraph.from_arrays([], [], node_ids=X.user_ids)
    index = None
    if catalog is not None:
        boosts = {"title": 3.0, "aliases": 2.0, "people": 1.5, "genres": 1.0, "tags": 1.0}
        fields = {f: b for f, b in boosts.items() if f in catalog.fields}
        if not fields:
            raise InputError(
                f"--catalog {args.catalog!r} has none of the columns search reads "
                f"({', '.join(boosts)}; it has {', '.join(map(str, catalog.fields))}): name "
                "them in the header, or rename yours with --catalog-columns, e.g. "
                "片名=title,类型=genres."
            )
        index = SearchIndex(fields=fields).fit(catalog)
    actions = None
    if args.actions:
        actions = Interactions.from_csv(args.actions, timestamp=args.time_col, **opts)
    # the default: plan fits audience_model (seeded by --random-state), or release_model
    # for a film missing from the interactions that the catalogue has
    source = (
        {"interactions": X}
        if args.model == "audience"
        else {"recommender": _recommender(args.model).fit(X)}
    )
    _check_film(args.film, X, catalog)
    p = plan(
        args.film, **source, graph=graph, index=index,
        catalog=catalog, audience_size=args.audience_size, budget=args.budget, k=args.k,
        seed_method=args.seed_method, action_log=actions, calibration=args.calibration,
        n_runs=args.n_runs, random_state=args.random_state,
    )  # fmt: skip
    folder = Path(args.out)
    held = set(p.holdout.tolist())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")  # quotes ids holding commas or quotes
    w.writerow(["user", "score", "group"])
    for u, sc in zip(p.audience.ids.tolist(), p.audience.scores):
        w.writerow([_cell(u), f"{sc:.6g}", "holdout" if u in held else "treated"])
    rows = buf.getvalue()
    atomic_write(folder / "audience.csv", lambda f: f.write(rows.encode("utf-8")))
    out.write(p.summary() + "\n")
    out.write(f"report: {_write_plan(out, p, folder)}\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="python -m filmreco",
        description="filmreco: recommendation, social propagation and Chinese search for film marketing.",
    )
    parser.add_argument("--version", action="version", version=f"filmreco {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser(
        "demo", help="run the main job on the built-in sample data (offline)",
        description="Report on the built-in sample and plan a campaign for one of its films.",
    )  # fmt: skip
    d.add_argument("--film", help="film id of the sample to plan for (default: a popular one)")
    d.add_argument("--budget", type=float, help="seeding budget (fees: 1 + followers/10)")
    d.add_argument("--model", choices=_MODELS, default="audience",
                   help="recommender that picks the campaign's audience (default: audience, "
                        "filmreco.campaign.audience_model())")  # fmt: skip
    d.add_argument(
        "--output",
        metavar="DIR",
        help="folder for the HTML report (default: ./filmreco-demo)",
    )
    r = sub.add_parser("recommend", help="top-n films per user: CSV (user,item) in, CSV out")
    r.add_argument("--interactions", required=True, metavar="FILE.csv",
                   help="one line per event; columns user,item (see --user-col, --item-col)")  # fmt: skip
    _add_csv_options(r)
    r.add_argument("--model", choices=_MODELS, default="ease")
    r.add_argument("--n", type=int, default=10, help="films per user (default: 10)")
    r.add_argument("--out", required=True, metavar="FILE.csv")
    p = sub.add_parser("plan", help="campaign plan for one film from CSV files: HTML/JSON/CSV out")
    p.add_argument("--film", required=True, help="film id")
    p.add_argument("--interactions", required=True, metavar="FILE.csv",
                   help="one line per event; columns user,item (see --user-col, --item-col)")  # fmt: skip
    _add_csv_options(p)
    p.add_argument("--graph", metavar="EDGES", help="edge list file: 'u v [w]' lines")
    p.add_argument("--catalog", metavar="FILE.csv",
                   help="columns id, title, genres (a|b), people, tags, aliases ... (see "
                        "--catalog-columns)")  # fmt: skip
    p.add_argument("--catalog-columns", metavar="NAME=FIELD,...",
                   help="rename the catalogue's columns to the fields filmreco reads, e.g. "
                        "电影ID=id,片名=title,类型=genres,主演=people")  # fmt: skip
    p.add_argument("--model", choices=_MODELS, default="audience",
                   help="recommender that picks the audience (default: audience, "
                        "filmreco.campaign.audience_model(); for a film missing from "
                        "--interactions but in --catalog, filmreco.campaign.release_model())")  # fmt: skip
    p.add_argument("--budget", type=float)
    p.add_argument("--k", type=int, default=10, help="number of seeds (default: 10)")
    p.add_argument("--seed-method", choices=("imm", "celf", "degree_discount", "degree"),
                   default="imm", help="seed selection (default: imm)")  # fmt: skip
    p.add_argument("--actions", metavar="FILE.csv",
                   help="dated action log (columns user,item,time, named as in --interactions "
                        "and --time-col) to learn the propagation probabilities from; without "
                        "it they are uncalibrated defaults")  # fmt: skip
    p.add_argument("--time-col", default="time",
                   help="column of --actions holding the times: seconds, or dates such as "
                        "2023-01-05 or 2023/1/5 14:03 (default: time)")  # fmt: skip
    p.add_argument("--calibration", choices=("auto", "bernoulli", "jaccard", "em", "bayes"),
                   default="auto",
                   help="with --actions: 'auto' (default) picks the estimator and its scale by a "
                        "back-test on the log's last part and prints it; or one fixed "
                        "estimator")  # fmt: skip
    p.add_argument("--audience-size", type=int, default=500)
    p.add_argument("--n-runs", type=int, default=2000)
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--out", required=True, metavar="DIR")
    return parser


def _add_csv_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user-col", default="user", metavar="NAME",
                   help="column of the user ids, e.g. 用户ID (default: user)")  # fmt: skip
    p.add_argument("--item-col", default="item", metavar="NAME",
                   help="column of the film ids, e.g. 电影ID (default: item)")  # fmt: skip
    p.add_argument("--sep", default=",",
                   help="field separator of the CSV files: ',' (default), '\\t', ';', or "
                        "'whitespace'")  # fmt: skip
    p.add_argument("--encoding", default="utf-8",
                   help="text encoding of the CSV files, e.g. gb18030 for files from Excel "
                        "on Chinese Windows (default: utf-8)")  # fmt: skip
    p.add_argument("--on-error", choices=("raise", "coerce", "drop"), default="raise",
                   help="a cell that does not convert (a rating 'x', a year '19o5'): stop with "
                        "its line (raise, default), make it missing (coerce) or leave its "
                        "line out (drop); counted in a warning")  # fmt: skip


# what a CLI user passes for the Python argument an error message names
_CLI_NAMES = {"user=": "--user-col", "item=": "--item-col", "timestamp=": "--time-col",
              "encoding=": "--encoding", "sep=": "--sep",
              "id_field=": "--catalog-columns NAME=id"}  # fmt: skip
# the same where the message names a Python argument and its value
_CLI_WORDS = {"film_id=": "--film ",
              "(asked for by --catalog-columns NAME=id)":
                  "(the film id column: rename yours with --catalog-columns NAME=id)",
              "duplicate edge(s) with duplicates='sum'": "duplicate edge(s), their weights "
                                                         "summed"}  # fmt: skip
# a Python argument with its value: on_error='coerce' -> --on-error coerce
_CLI_VALUES = re.compile(r"\b(on_error|calibration)='(\w+)'")


def _cli_text(text: str) -> str:
    """`text` (an error or warning of the library) with the CLI's option names."""
    for py, cli in _CLI_NAMES.items():
        text = text.replace(f"by {py})", f"by {cli})").replace(f"pass {py}", f"pass {cli} ")
    for py, cli in _CLI_WORDS.items():
        text = text.replace(py, cli)
    return _CLI_VALUES.sub(lambda m: f"--{m[1].replace('_', '-')} {m[2]}", text)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m filmreco`` and the ``filmreco`` script.

    Errors of the input (a missing column, a bad cell, a file that does not exist) end the
    command with their message on stderr and exit status 2, without a traceback; the
    library's warnings (a merged duplicate, coerced cells) go to stderr as the command's.
    """
    parser = _parser()
    args = parser.parse_args(argv)

    def show(message: Any, category: Any, *_: Any, **__: Any) -> None:
        # a warning of the library, as the command's own (not "<frozen runpy>:88: ...")
        sys.stderr.write(f"{parser.prog} {args.command}: warning: {_cli_text(str(message))}\n")

    from .exceptions import FilmrecoWarning

    with warnings.catch_warnings():
        warnings.showwarning = show
        warnings.filterwarnings("default", category=FilmrecoWarning)  # each shown once
        return _run(parser, args)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .exceptions import FilmrecoError

    try:
        if args.command == "demo":
            return demo(film=args.film, budget=args.budget, model=args.model, output=args.output)
        if args.command == "recommend":
            return recommend_batch(args.interactions, args.model, args.out, n=args.n, args=args)
        if args.command == "plan":
            return plan_batch(args, sys.stdout)
    except (FilmrecoError, OSError) as exc:
        if isinstance(exc, OSError) and exc.filename is not None:
            text = f"{exc.strerror or exc}: {exc.filename}"
        else:  # name the CLI option where the message names the Python argument
            text = _cli_text(str(exc))
        sys.stderr.write(f"{parser.prog} {args.command}: error: {text}\n")
        return 2
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
