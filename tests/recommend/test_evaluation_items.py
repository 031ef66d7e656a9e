"""evaluate(axis="items"): audience quality, against a plain reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.datasets import make_synthetic
from filmreco.exceptions import InputError
from filmreco.recommend import EASE, ItemKNN
from filmreco.recommend.evaluation import evaluate, split_random


def _reference(model, train, test, k):
    """Per film with test viewers: rank every unseen user by score, NDCG@k and recall@k."""
    users, items = train.user_ids.ids, train.item_ids.ids
    S = model.score(users, items).astype(np.float64)
    seen = train.matrix.toarray() > 0
    T = test.matrix.toarray()
    ndcg, recall = [], []
    for j in range(T.shape[1]):
        rel = T[:, j]
        if not (rel > 0).any():
            continue
        s = np.where(seen[:, j], -np.inf, S[:, j])
        order = [u for u in np.argsort(-s, kind="stable")[:k] if np.isfinite(s[u])]
        gains = rel[order]
        dcg = float(np.sum(gains / np.log2(np.arange(2, len(order) + 2))))
        ideal = np.sort(rel)[::-1][:k]
        idcg = float(np.sum(ideal / np.log2(np.arange(2, ideal.size + 2))))
        ndcg.append(dcg / idcg)
        recall.append(float((gains > 0).sum()) / float((rel > 0).sum()))
    return float(np.mean(ndcg)), float(np.mean(recall)), len(ndcg)


@pytest.fixture(scope="module")
def parts():
    w = make_synthetic(120, 40, density=0.1, random_state=0)
    return split_random(w.interactions, 0.2, random_state=1)


@pytest.mark.parametrize("model", [EASE(regularization=5.0), ItemKNN(n_neighbors=10)])
@pytest.mark.parametrize("k", [5, 20])
def test_audience_metrics_match_the_reference(parts, model, k):
    train, test = parts
    fitted = model.fit(train)
    got = evaluate(fitted, train, test, k=k, metrics=["ndcg", "recall"], fit=False, axis="items")
    ndcg, recall, n = _reference(fitted, train, test, k)
    assert got["n_evaluated"] == got["n_items"] == n
    assert got[f"ndcg@{k}"] == pytest.approx(ndcg, rel=1e-5)
    assert got[f"recall@{k}"] == pytest.approx(recall, rel=1e-9)


def test_several_models_and_a_frame(parts):
    train, test = parts
    table = evaluate({"ease": EASE(regularization=5.0), "knn": ItemKNN(n_neighbors=10)},
                     train, test, k=10, axis="items", as_frame=True)  # fmt: skip
    assert list(table.index) == ["ease", "knn"] and "ndcg@10" in table.columns


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), k=st.integers(1, 30))
def test_audience_metrics_are_bounded_and_recall_grows_with_k(seed, k):
    w = make_synthetic(60, 20, density=0.15, random_state=seed)
    train, test = split_random(w.interactions, 0.25, random_state=seed)
    model = EASE(regularization=2.0).fit(train)
    a = evaluate(model, train, test, k=[k, k + 5], metrics=["ndcg", "recall"], fit=False,
                 axis="items")  # fmt: skip
    for key in (f"ndcg@{k}", f"recall@{k}", f"recall@{k + 5}"):
        assert 0.0 <= a[key] <= 1.0
    assert a[f"recall@{k + 5}"] >= a[f"recall@{k}"]


def test_a_bad_axis_names_the_argument(parts):
    train, test = parts
    with pytest.raises(InputError, match=r"axis='films'.*axis='items'"):
        evaluate(EASE(), train, test, axis="films")
