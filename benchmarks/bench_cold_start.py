"""New releases: ranking films nobody has watched yet, from the catalogue alone.

Item cold start on MovieLens 100k (ratings >= 4 as positives): per split seed, 10% of the
films with positives become "new releases" — every interaction with them is removed from
training — and each user with a positive on one of them is asked "which new release?":
the new films alone are ranked, NDCG@10 / recall@10 against the user's positives among
them. The reverse question, the audience of a new film (``recommend_users``), is scored as
``evaluate(..., axis="items")`` does: for each new film, every user who has not seen it
ranked, NDCG@100 / recall@100 against its viewers. Models:

- ``random``: the expected NDCG@10 / recall@10 of a uniformly random order (exact);
- ``most active users``: for audiences only, the users with the most training positives;
- ``genre overlap``: the number of (user's film, shared genre) pairs, an
  activity-weighted genre affinity without parameters;
- ``ContentBased``: cosine of the user's genre profile with the film's genres (with
  ``normalize_profiles=False``: the profile unnormalised, the same users' lists);
- ``EASE (catalog, cold_start_items)``: the collective EASE with the genres as pseudo-users,
  the new films scored through the films they share genres with;
- ``EDLAE (catalog, cold_start_items)``: the same with EDLAE's penalty;
- ``campaign.release_model``: the EDLAE that ``campaign.plan`` fits for a film missing from
  the history (genres and tags, a ridge 25 times the most-watched film's views), untuned.

The collective models' (regularization, side_weight) are chosen on a validation cold split
carved from the training films only (10% of the warm films made new, the same protocol);
test users and films are read only for the table.

    python benchmarks/bench_cold_start.py /work/benchdata/movielens --seeds 5
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_recommend import SEED, load, load_catalog

from filmreco.campaign import release_model
from filmreco.data import Catalog, Interactions
from filmreco.metrics import ranking_metrics
from filmreco.recommend import EASE, EDLAE, ContentBased
from filmreco.recommend.evaluation import evaluate

K = 10
AUDIENCE_K = 100
# the first grid (regularization 100 / 400 (EASE), 100 / 200 (EDLAE); weights 1-100) had
# every validation pick at its regularization edge: new films want a much heavier ridge
SIDE_WEIGHTS = (3.0, 10.0, 100.0, 1000.0)
RIDGES = (400.0, 2000.0, 5000.0, 20000.0, 100000.0)
EASE_GRID = [{"regularization": r, "side_weight": w} for r in RIDGES for w in SIDE_WEIGHTS]
EDLAE_GRID = [
    {"regularization": r, "dropout": 0.5, "side_weight": w} for r in RIDGES for w in SIDE_WEIGHTS
]
GRIDS: dict[str, tuple[Any, list[dict[str, Any]]]] = {
    "EASE (catalog, cold_start_items)": (EASE, EASE_GRID),
    "EDLAE (catalog, cold_start_items)": (EDLAE, EDLAE_GRID),
}


def cold_split(X: Interactions, share: float, seed: int) -> tuple[Interactions, Interactions]:
    """(warm, cold): the positives of a random `share` of the films with positives go to
    `cold`, all others stay in `warm` (same id maps)."""
    rng = np.random.default_rng(seed)
    films = np.flatnonzero(np.diff(X.matrix.tocsc().indptr) > 0)
    new = rng.choice(films, size=max(1, round(share * films.size)), replace=False)
    is_new = np.zeros(X.n_items, dtype=bool)
    is_new[new] = True
    M = X.matrix.tocoo()
    cold = is_new[M.col]
    return (X.with_matrix(_part(M, ~cold)), X.with_matrix(_part(M, cold)))


def _part(M: Any, keep: np.ndarray) -> Any:
    return sp.csr_array((M.data[keep], (M.row[keep], M.col[keep])), shape=M.shape)


def scores_of(model: Any, warm: Interactions, cold: Interactions) -> dict[str, float]:
    """NDCG@10 / recall@10 of `model` (fitted on `warm`) ranking the films of `cold` for
    the users with a positive there."""
    users = np.flatnonzero(np.diff(cold.matrix.indptr) > 0)
    new = np.flatnonzero(np.diff(cold.matrix.tocsc().indptr) > 0)
    new_ids = cold.item_ids.ids[new]
    user_ids = cold.user_ids.ids[users]
    ids, _ = model.recommend(user_ids, n=K, items=new_ids, filter_seen=False,
                             on_unknown="popular")  # fmt: skip
    ranked = np.full(ids.shape, -1, dtype=np.int64)
    ok = ids != model.item_ids_.missing
    ranked[ok] = cold.item_ids.index(ids[ok])
    out = ranking_metrics(ranked, cold.matrix[users], k=K, metrics=["ndcg", "recall"])
    aud = evaluate(model, warm, cold, k=AUDIENCE_K, fit=False, axis="items",
                   metrics=["ndcg", "recall"])  # fmt: skip
    return {"ndcg": out[f"ndcg@{K}"], "recall": out[f"recall@{K}"], "users": len(users),
            "films": len(new), "audience_ndcg": aud[f"ndcg@{AUDIENCE_K}"],
            "audience_recall": aud[f"recall@{AUDIENCE_K}"]}  # fmt: skip


def active_users(warm: Interactions, cold: Interactions) -> dict[str, Any]:
    """The audience baseline: the most active users (training positives), the same list
    for every new film."""
    films = np.flatnonzero(np.diff(cold.matrix.tocsc().indptr) > 0)
    order = np.argsort(-np.diff(warm.matrix.indptr), kind="stable")[:AUDIENCE_K]
    ranked = np.tile(order, (films.size, 1))
    out = ranking_metrics(ranked, cold.matrix.T.tocsr()[films], k=AUDIENCE_K,
                          metrics=["ndcg", "recall"])  # fmt: skip
    return {"audience_ndcg": out[f"ndcg@{AUDIENCE_K}"],
            "audience_recall": out[f"recall@{AUDIENCE_K}"], "films": len(films)}  # fmt: skip


def random_scores(cold: Interactions) -> dict[str, float]:
    """Exact expectation of NDCG@10 and recall@10 under a uniformly random order of the
    new films: each position holds a relevant film with probability r / m."""
    users = np.flatnonzero(np.diff(cold.matrix.indptr) > 0)
    m = int((np.diff(cold.matrix.tocsc().indptr) > 0).sum())
    r = np.diff(cold.matrix.indptr)[users].astype(np.float64)
    kk = min(K, m)
    disc = 1.0 / np.log2(np.arange(2, kk + 2))
    ideal = np.array([disc[: int(min(x, kk))].sum() for x in r])
    ndcg = (r / m)[:, None] * disc[None, :]
    return {"ndcg": float((ndcg.sum(axis=1) / ideal).mean()),
            "recall": kk / m, "users": len(users), "films": m}  # fmt: skip


def genre_overlap(warm: Interactions, catalog: Catalog) -> Any:
    """A fitted filmreco model whose scores are the genre-overlap counts: EASE's scoring
    ``x_u B`` with B = S S^T (films x films shared-genre counts, zero diagonal)."""
    model = EASE(1.0, catalog=catalog, side_weight=1.0, cold_start_items=True).fit(warm)
    S = model.side_features_.astype(np.float32)
    B = (S @ S.T).toarray()
    np.fill_diagonal(B, 0.0)
    model.weights_ = np.ascontiguousarray(B, dtype=np.float32)
    return model


def make(cls: Any, params: dict[str, Any], catalog: Catalog) -> Any:
    return cls(catalog=catalog, cold_start_items=True, **params)


def one_seed(X: Interactions, catalog: Catalog, i: int) -> dict[str, dict[str, Any]]:
    seed = SEED + 10 * i
    warm, cold = cold_split(X, 0.1, seed)
    tr, va = cold_split(warm, 0.1, seed + 1)
    rows: dict[str, dict[str, Any]] = {
        "random": random_scores(cold),
        "most active users (audiences only)": active_users(warm, cold),
    }
    rows["genre overlap (baseline)"] = scores_of(genre_overlap(warm, catalog), warm, cold)
    rows["ContentBased (genres)"] = scores_of(
        ContentBased(catalog, fields=["genres"]).fit(warm), warm, cold)  # fmt: skip
    rows["ContentBased (genres, normalize_profiles=False)"] = scores_of(
        ContentBased(catalog, fields=["genres"], normalize_profiles=False).fit(warm), warm,
        cold)  # fmt: skip
    # the campaign's model for a film missing from the history: fixed rule, no tuning here
    rows["campaign.release_model (EDLAE, no tuning)"] = scores_of(
        release_model(catalog, warm), warm, cold)  # fmt: skip
    for name, (cls, grid) in GRIDS.items():
        valid = [scores_of(make(cls, p, catalog).fit(tr), tr, va)["ndcg"] for p in grid]
        best = grid[int(np.argmax(valid))]
        rows[name] = {**scores_of(make(cls, best, catalog).fit(warm), warm, cold),
                      "params": best, "valid": max(valid)}  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="directory holding ml-100k/ratings.csv, items.csv")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0,
                    help="index of the first split seed (e.g. 5 with --seeds 5: seeds 5-9, "
                         "never used to choose anything)")  # fmt: skip
    args = ap.parse_args(argv)
    X = load(args.root, "ml-100k")
    catalog = load_catalog(args.root, "ml-100k")
    if catalog is None:
        raise SystemExit("ml-100k/items.csv not found: run shared/data/get_movielens.sh")
    per: dict[str, list[dict[str, Any]]] = {}
    for i in range(args.first_seed, args.first_seed + args.seeds):
        for name, row in one_seed(X, catalog, i).items():
            per.setdefault(name, []).append(row)
            print(f"seed {i} {name:36s} " + " ".join(
                f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()),
                flush=True)  # fmt: skip
    print("\n| model | NDCG@10 | per seed | recall@10 | audience NDCG@100 | per seed | "
          "audience recall@100 |")  # fmt: skip
    print("|---|---:|---|---:|---:|---|---:|")

    def cells(rows: list[dict[str, Any]], key: str) -> tuple[str, str]:
        if key not in rows[0]:
            return "", ""
        vals = [r[key] for r in rows]
        return f"{np.mean(vals):.4f}", ", ".join(f"{x:.4f}" for x in vals)

    for name, rows in per.items():
        nd, nd_seeds = cells(rows, "ndcg")
        rc, _ = cells(rows, "recall")
        au, au_seeds = cells(rows, "audience_ndcg")
        ar, _ = cells(rows, "audience_recall")
        print(f"| {name} | {nd} | {nd_seeds} | {rc} | {au} | {au_seeds} | {ar} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
