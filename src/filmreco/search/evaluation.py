"""Evaluate a search index on judged queries: MRR@k, Recall@k and NDCG@k."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._validation import check_bool, check_int, check_iterable, user_stacklevel
from ..exceptions import DataWarning, InputError, InputTypeError
from ..metrics import ranking_metrics

__all__ = ["evaluate_search"]


def _relevant(judged: Any) -> dict[Any, float]:
    """``{id: grade}`` from an id, a list/set of ids, or a dict of grades."""
    if isinstance(judged, Mapping):
        return {k: float(v) for k, v in judged.items()}
    if isinstance(judged, (list, tuple, set, frozenset, np.ndarray)):
        return dict.fromkeys(list(judged), 1.0)
    return {judged: 1.0}


def evaluate_search(
    index: Any,
    queries: Mapping[Any, str] | Sequence[str],
    qrels: Mapping[Any, Any] | Sequence[Any],
    k: int = 10,
    *,
    groups: Mapping[Any, str] | Sequence[str] | None = None,
    per_query: bool = False,
) -> dict[str, Any]:
    """Search every query and score the rankings against the judged relevant documents.

    Parameters
    ----------
    index : SearchIndex
        A fitted index (anything with ``search_many(queries, n)`` and ``doc_ids_``).
    queries : dict of query id to str, or list of str
    qrels : dict of query id to judgments, or list aligned with `queries`
        For each query: one relevant document id, a list/set of ids, or a dict
        ``{id: grade}`` (graded NDCG). Queries without judgments are not evaluated.
    k : int, default=10
        Cut-off of every metric.
    groups : dict of query id to str, or list, optional
        A label per query (e.g. the kind of query); metrics are also reported per label.
    per_query : bool, default=False
        Also return the per-query values and the ranked ids.

    Returns
    -------
    dict
        ``"mrr@k"``, ``"recall@k"``, ``"ndcg@k"`` (means over evaluated queries),
        ``"n_queries"``, ``"n_evaluated"``; ``"groups"`` (label -> the same metrics) when
        `groups` is given; ``"per_query"`` when asked.

    Raises
    ------
    InputError
        If the lengths or keys of `queries`, `qrels` and `groups` do not match.

    Examples
    --------
    >>> from filmreco.search import SearchIndex
    >>> index = SearchIndex().fit([{"id": 1, "title": "星际穿越"}, {"id": 2, "title": "流浪地球"},
    ...                            {"id": 3, "title": "地球上的星星"}])
    >>> out = evaluate_search(index, {"q1": "流浪地球", "q2": "星星"}, {"q1": 2, "q2": [3]})
    >>> out["mrr@10"], out["n_evaluated"]
    (1.0, 2)
    """
    k = check_int(k, "k", min_value=1)
    if not callable(getattr(index, "search_many", None)):
        raise InputTypeError(f"index must be a fitted SearchIndex, got {type(index).__name__}.")
    if groups is not None and not isinstance(groups, Mapping):
        if isinstance(queries, Mapping):
            raise InputTypeError(
                "queries is a dict, so groups must be a dict with the same query ids."
            )
        groups = check_iterable(groups, "groups")
    if not isinstance(queries, Mapping):
        queries = check_iterable(queries, "queries")
    if not isinstance(qrels, Mapping):
        qrels = check_iterable(qrels, "qrels")
    if isinstance(queries, Mapping):
        keys = list(queries)
        texts = [queries[q] for q in keys]
        if not isinstance(qrels, Mapping):
            raise InputError("queries is a dict, so qrels must be a dict with the same query ids.")
        judged = [qrels.get(q) for q in keys]
        labels = None if groups is None else [dict(groups).get(q) for q in keys]  # type: ignore[arg-type]
    else:
        if isinstance(queries, str):
            raise InputTypeError("queries must be a list or dict of str, got a single str.")
        texts = list(queries)
        keys = list(range(len(texts)))
        if isinstance(qrels, Mapping) or len(qrels) != len(texts):
            raise InputError("qrels must be a list aligned with the list of queries.")
        judged = list(qrels)
        labels = None if groups is None else list(groups)  # type: ignore[arg-type]
        if labels is not None and len(labels) != len(texts):
            raise InputError("groups must be a list aligned with the list of queries.")
    hits = index.search_many(texts, n=k)
    doc_ids = index.doc_ids_
    ranked = np.full((len(texts), k), -1, dtype=np.int64)
    relevant: list[dict[int, float]] = []
    unknown = 0
    for i, (h, j) in enumerate(zip(hits, judged)):
        if len(h):
            ranked[i, : len(h)] = doc_ids.index(h.ids)
        rel: dict[int, float] = {}
        if j is not None:
            grades = _relevant(j)
            ids = list(grades)
            pos = (
                doc_ids.index(ids, on_unknown="mask", name="qrels ids")
                if ids
                else np.zeros(0, dtype=np.int64)
            )
            for p, d in zip(pos.tolist(), ids):
                if p < 0:  # relevant but not indexed: a position no ranking holds
                    p = len(doc_ids) + unknown
                    unknown += 1
                rel[int(p)] = grades[d]
        relevant.append(rel)
    if unknown:
        warnings.warn(
            f"evaluate_search: {unknown} judged document id(s) are not in the index; they "
            "count as relevant documents that cannot be found.",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
    names = ["mrr", "recall", "ndcg"]
    per = ranking_metrics(ranked, relevant, k=k, metrics=names, aggregate=False)
    out: dict[str, Any] = _means(per, names, k)
    out["n_queries"] = len(texts)
    if labels is not None:
        out["groups"] = {}
        arr = np.asarray([str(lab) for lab in labels])
        for lab in sorted(set(arr.tolist())):
            sel = arr == lab
            sub = {key: v[sel] for key, v in per.items()}
            out["groups"][lab] = {**_means(sub, names, k), "n_queries": int(sel.sum())}
    if check_bool(per_query, "per_query"):
        out["per_query"] = {
            "query_ids": keys,
            **{key: v for key, v in per.items()},
            "ranked_ids": [h.ids for h in hits],
        }
    return out


def _means(per: Mapping[str, np.ndarray], names: list[str], k: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    n_eval = 0
    for name in names:
        v = per[f"{name}@{k}"]
        ok = ~np.isnan(v)
        n_eval = int(ok.sum())
        out[f"{name}@{k}"] = float(v[ok].mean()) if n_eval else float("nan")
    out["n_evaluated"] = n_eval
    return out
