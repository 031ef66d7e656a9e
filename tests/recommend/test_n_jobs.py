"""``n_jobs`` means one thing in every model: the threads of the compiled kernels follow it.

``None`` is the ambient :func:`joblib.parallel_config` (one thread outside one), a number
is that many workers; ``fold_in(n_jobs=)`` sizes the fold-in; no result depends on it.
"""

from __future__ import annotations

from contextlib import contextmanager

import joblib
import numpy as np
import pytest

import filmreco.recommend.als as als_module
import filmreco.recommend.bpr as bpr_module
from filmreco._parallel import effective_n_jobs, thread_limits
from filmreco.data import Interactions
from filmreco.exceptions import InputError
from filmreco.recommend import ALS, BPR


@pytest.fixture
def spy(monkeypatch):
    """Record the thread count every ``thread_limits`` of ALS and BPR asks for."""
    asked: list[int] = []

    @contextmanager
    def recording(n=1):
        asked.append(int(n))
        with thread_limits(n) as got:
            yield got

    monkeypatch.setattr(als_module, "thread_limits", recording)
    monkeypatch.setattr(bpr_module, "thread_limits", recording)
    return asked


def _new_users(world):
    return Interactions.from_arrays(["n1", "n1", "n2"], world.interactions.item_ids.ids[[2, 7, 7]])


@pytest.mark.parametrize(
    ("n_jobs", "ambient", "want"),
    [(None, None, 1), (None, 2, 2), (1, 2, 1), (2, None, 2), (-1, None, None)],
)
def test_als_fit_workers_follow_n_jobs(monkeypatch, world, n_jobs, ambient, want):
    """The half-steps of fit run through the parallel seam with the model's n_jobs."""
    asked: list[int] = []
    real = als_module.parallel_map

    def recording(func, tasks, **kw):
        asked.append(effective_n_jobs(kw.get("n_jobs")))
        return real(func, tasks, **kw)

    monkeypatch.setattr(als_module, "parallel_map", recording)
    model = ALS(4, max_iter=1, random_state=0, n_jobs=n_jobs)
    if ambient is None:
        model.fit(world.interactions)
    else:
        with joblib.parallel_config(n_jobs=ambient):
            model.fit(world.interactions)
    assert asked == [want if want is not None else joblib.cpu_count()] * 2


@pytest.mark.parametrize("make", [lambda: ALS(4, max_iter=2, random_state=0, n_jobs=1),
                                  lambda: BPR(4, max_iter=2, random_state=0)])  # fmt: skip
@pytest.mark.parametrize(("n_jobs", "want"), [(None, 1), (1, 1), (2, 2)])
def test_fold_in_threads_follow_the_call(spy, world, make, n_jobs, want):
    model = make().fit(world.interactions)
    spy.clear()
    model.fold_in(_new_users(world), n_jobs=n_jobs)
    assert spy == [want]


def test_bpr_fit_is_sequential_whatever_the_ambient_setting(spy, world):
    with joblib.parallel_config(n_jobs=2):
        BPR(4, max_iter=2, random_state=0).fit(world.interactions)
    assert spy == [1]


def test_als_loss_does_not_depend_on_n_jobs(world):
    fits = [
        ALS(8, max_iter=3, random_state=0, track_loss=True, n_jobs=n).fit(world.interactions)
        for n in (1, 2)
    ]
    assert fits[0].loss_history_ == fits[1].loss_history_
    np.testing.assert_array_equal(fits[0].user_factors_, fits[1].user_factors_)


@pytest.mark.parametrize("bad", [0, 1.5, True, "2"])
def test_bad_n_jobs_is_an_input_error_in_fit(world, bad):
    with pytest.raises(InputError, match="n_jobs"):
        ALS(4, max_iter=1, n_jobs=bad).fit(world.interactions)


@pytest.mark.parametrize("bad", [0, 1.5, True])
def test_bad_n_jobs_is_an_input_error_in_fold_in(world, bad):
    model = BPR(4, max_iter=1, random_state=0).fit(world.interactions)
    with pytest.raises(InputError, match="n_jobs"):
        model.fold_in(_new_users(world), n_jobs=bad)


def test_fold_in_inside_a_task_stays_on_one_thread(spy, world):
    """Scoring new users (``user_items=``) folds them in inside the seam's tasks: one thread
    each, even when a serial call runs inside ``parallel_config(n_jobs=2)``."""
    model = ALS(4, max_iter=1, random_state=0, n_jobs=1).fit(world.interactions)
    spy.clear()
    with joblib.parallel_config(n_jobs=2):
        model.recommend(["n1", "n2"], n=3, user_items=_new_users(world), n_jobs=1)
    assert spy and set(spy) == {1}
