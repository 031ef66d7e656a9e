"""The "is it fitted?" check is one: scikit-learn's ``NotFittedError``, from every public
object that has a ``fit``.

Recommenders are covered by the shared contract (``tests/recommend/test_contract.py``,
``test_not_fitted``: every method of every registered model); this file covers the other
fitted classes and fails when a public class with a ``fit`` is covered by neither.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from sklearn.exceptions import NotFittedError

from filmreco._validation import check_fitted
from filmreco.data import Interactions
from filmreco.recommend import EASE, Hybrid, ItemKNN, Recommender
from filmreco.recommend.evaluation import evaluate
from filmreco.search import SearchIndex

PUBLIC_MODULES = [
    "filmreco",
    "filmreco.campaign",
    "filmreco.data",
    "filmreco.datasets",
    "filmreco.metrics",
    "filmreco.privacy",
    "filmreco.recommend",
    "filmreco.search",
    "filmreco.social",
    "filmreco.sparse",
    "filmreco.text",
]

X = Interactions.from_arrays(["a", "a", "b", "c"], ["x", "y", "x", "y"])
RECORDS = [{"id": 1, "title": "星海漫游"}, {"id": 2, "title": "家"}]

#: Public fitted classes other than recommenders: each call must raise before ``fit``.
OTHER_FITTED: dict[type, list[Callable[[Any], Any]]] = {
    SearchIndex: [
        lambda s: s.search("星海"),
        lambda s: s.search_many(["星海", "家"]),
        lambda s: s.suggest("星"),
        lambda s: s.analyze("星海"),
        lambda s: s.add(RECORDS),
        lambda s: s.update(RECORDS),
        lambda s: s.delete([1]),
        lambda s: s.save("never-written"),
    ],
}

CASES = [
    pytest.param(cls, call, id=f"{cls.__name__}-{i}")
    for cls, calls in OTHER_FITTED.items()
    for i, call in enumerate(calls)
]


@pytest.mark.parametrize(("cls", "call"), CASES)
def test_other_fitted_classes_raise_not_fitted(cls, call, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NotFittedError, match=cls.__name__):
        call(cls())
    assert not list(tmp_path.iterdir())  # nothing was written


def _public_fitted_classes() -> set[type]:
    found = set()
    for name in PUBLIC_MODULES:
        mod = importlib.import_module(name)
        for attr in getattr(mod, "__all__", []):
            obj = getattr(mod, attr)
            if isinstance(obj, type) and callable(getattr(obj, "fit", None)):
                found.add(obj)
    return found


def test_every_public_fitted_class_is_covered():
    uncovered = sorted(
        c.__name__
        for c in _public_fitted_classes()
        if not issubclass(c, Recommender) and c not in OTHER_FITTED
    )
    assert not uncovered, f"add {uncovered} to OTHER_FITTED in tests/test_not_fitted.py"


def test_not_fitted_error_is_a_value_and_attribute_error():
    with pytest.raises(ValueError, match="not fitted yet"):
        ItemKNN().recommend(["a"])
    with pytest.raises(AttributeError, match="call 'fit'|Call 'fit'"):
        ItemKNN().recommend(["a"])


def test_evaluate_without_fit_checks_the_model():
    with pytest.raises(NotFittedError, match="EASE"):
        evaluate(EASE(), X, X, fit=False)


def test_hybrid_without_refit_needs_fitted_components():
    with pytest.raises(NotFittedError):
        Hybrid([EASE(1.0), ItemKNN()], refit=False).fit(X)


def test_check_fitted_by_attribute_and_by_protocol():
    index = SearchIndex()
    with pytest.raises(NotFittedError, match="SearchIndex"):
        check_fitted(index, "doc_ids_")
    check_fitted(SearchIndex().fit(RECORDS), "doc_ids_")
    with pytest.raises(NotFittedError, match="ItemKNN"):
        check_fitted(ItemKNN())
    check_fitted(ItemKNN().fit(X))


def test_check_fitted_agrees_with_scikit_learn():
    from sklearn.utils.validation import check_is_fitted

    model = ItemKNN()
    for _ in range(2):  # before fit, then after
        ours = theirs = None
        try:
            check_fitted(model)
        except NotFittedError as exc:
            ours = str(exc)
        try:
            check_is_fitted(model)
        except NotFittedError as exc:
            theirs = str(exc)
        assert ours == theirs
        model.fit(X)


def test_check_fitted_needs_an_estimator():
    with pytest.raises(TypeError, match="no fit method"):
        check_fitted(object())
    with pytest.raises(NotFittedError, match="SearchIndex"):
        check_fitted(SearchIndex())  # no fitted attribute yet (scikit-learn's rule)


#: Modules that still raise NotFittedError their own way (to be switched to check_fitted).
KNOWN_OTHER_WAYS: set[str] = set()


def test_fitted_checks_go_through_check_fitted():
    """Only ``_validation.check_fitted`` calls scikit-learn's check or raises its error."""
    from pathlib import Path

    import filmreco

    root = Path(filmreco.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel == "_validation.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "check_is_fitted" in text or "raise NotFittedError" in text:
            found.add(rel)
    assert found == KNOWN_OTHER_WAYS, found
