"""The size-aware selection of ``benchmarks/bench_recommend.py`` (session 9, issue 17).

``run_size_aware`` fits every setting on the tuning part and on a ``SIZE_STEP`` subsample
of it, judges both fits on the validation part, and picks the best score extrapolated one
step on in log training size, ``2 v(tr) - v(sub)``. These tests pin the rule, that the
usual pick is still the plain validation argmax, that validation never sees more than
the tuning part, and that only the final refits see the training part (never test).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from filmreco.datasets import make_synthetic
from filmreco.recommend import EASE, Popularity
from filmreco.recommend.evaluation import split_random


@pytest.fixture(scope="module")
def splits() -> dict[str, Any]:
    X = make_synthetic(n_users=150, n_items=60, density=0.12, random_state=3).interactions
    train, test = split_random(X, 0.2, random_state=0)
    tr, va = split_random(train, 0.2, random_state=1)
    return {"tr": tr, "va": va, "train": train, "test": test}


def test_pick_is_the_extrapolated_argmax(bench: Any, splits: dict[str, Any], monkeypatch: Any):
    tr = splits["tr"]
    # validation scores by (setting, fitted on the whole tuning part or on the subsample):
    # "a" is best on tr but saturated, "b" is behind on tr but still improving
    table = {("a", True): 0.30, ("a", False): 0.29, ("b", True): 0.29, ("b", False): 0.25,
             ("c", True): 0.10, ("c", False): 0.10}  # fmt: skip
    fitted: list[tuple[str, int]] = []

    class Fake:
        def __init__(self, name: str) -> None:
            self.name = name

        def fit(self, X: Any) -> Any:
            fitted.append((self.name, X.nnz))
            self.model = Popularity().fit(X)
            self.nnz = X.nnz
            return self

        def rank(self, users: np.ndarray, n: int) -> np.ndarray:
            return np.tile(np.arange(n), (users.size, 1))

    def fake_valid(model: Any, seen: Any, va: Any) -> float:
        assert seen is tr and va is splits["va"]
        return table[(model.name, model.nnz == tr.nnz)]

    monkeypatch.setattr(bench, "valid_ndcg", fake_valid)
    usual, aware = bench.run_size_aware(
        lambda p: Fake(p["name"]), [{"name": n} for n in "abc"], splits, True
    )
    assert usual["params"] == {"name": "a"} and usual["valid"] == pytest.approx(0.30)
    assert aware["params"] == {"name": "b"}
    assert aware["valid_extrap"] == pytest.approx(2 * 0.29 - 0.25)
    assert aware["valid_sub"] == pytest.approx(0.25)
    # tuning fits: every setting on tr and on a strictly smaller part of it; then the two
    # picks refitted on train; nothing ever fitted on more than train
    sizes = [nnz for _, nnz in fitted]
    assert sizes[:6:2] == [tr.nnz] * 3
    assert all(s < tr.nnz for s in sizes[1:6:2])
    assert abs(sizes[1] / tr.nnz - bench.SIZE_STEP) < 0.05
    assert fitted[6:] == [("a", splits["train"].nnz), ("b", splits["train"].nnz)]


def test_valid_ndcg_filters_the_whole_tuning_part(bench: Any, splits: dict[str, Any]):
    tr, va = splits["tr"], splits["va"]
    sub = split_random(tr, 0.2, random_state=5)[0]
    model = bench.Filmreco(lambda: EASE(20.0)).fit(sub)
    users = bench.test_users(va)
    S = bench.dense_scores(model, tr, users)
    assert S.shape == (users.size, tr.matrix.shape[1])
    # a film the subsample-fitted model may rank but the user already has in tr is filtered:
    # scoring with tr's positives removed equals the plain metric of a model fitted on tr
    full = bench.Filmreco(lambda: EASE(20.0)).fit(tr)
    plain = bench.metrics_of(full.rank(users, bench.K), va, users)["ndcg"]
    assert bench.valid_ndcg(full, tr, va) == pytest.approx(plain, abs=1e-9)
    assert 0.0 <= bench.valid_ndcg(model, tr, va) <= 1.0
