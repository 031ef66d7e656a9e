"""ALS fitting in fixed-size blocks through the parallel seam, and frequency-scaled
regularization (Rendle et al., 2022) against exact per-row least squares."""

from __future__ import annotations

import joblib
import numpy as np
import pytest
import scipy.sparse as sp

import filmreco.recommend.als as als_module
from filmreco._parallel import thread_limits
from filmreco.exceptions import InputError
from filmreco.recommend import ALS
from filmreco.recommend._kernels import als_sweep


def _reference_user(V, idx, conf, lam):
    A = V.T @ V + (V[idx].T * (conf - 1.0)) @ V[idx] + lam * np.eye(V.shape[1])
    return np.linalg.solve(A, V[idx].T @ conf)


def test_sweep_with_per_row_ridge_is_exact_least_squares(world):
    rng = np.random.default_rng(0)
    X = world.interactions.matrix
    f, alpha = 5, 3.0
    V = rng.standard_normal((X.shape[1], f)).astype(np.float32)
    conf = (1.0 + alpha * X.data).astype(np.float32)
    ridge = rng.uniform(0.1, 20.0, X.shape[0]).astype(np.float32)
    U = np.zeros((X.shape[0], f), dtype=np.float32)
    A = (V.T.astype(np.float64) @ V).astype(np.float32)  # the ridge comes per row
    als_sweep(X.indptr.astype(np.int64), X.indices.astype(np.int64), conf, U, V, A, 3 * f,
              np.arange(X.shape[0]), ridge)  # fmt: skip
    for u in range(0, X.shape[0], 7):
        s = slice(X.indptr[u], X.indptr[u + 1])
        ref = _reference_user(V.astype(np.float64), X.indices[s], conf[s].astype(np.float64),
                              float(ridge[u]))  # fmt: skip
        np.testing.assert_allclose(U[u], ref, rtol=2e-3, atol=2e-3)


def test_frequency_scaled_fit_matches_reference(world):
    """Alternating exact solves with lam * (n_u + n_items / (1 + alpha)) ** nu per row."""
    X = world.interactions.matrix
    f, lam, alpha, nu, iters = 4, 0.05, 4.0, 1.0, 3
    model = ALS(f, regularization=lam, regularization_exponent=nu, alpha=alpha,
                max_iter=iters, cg_steps=3 * f, random_state=5).fit(world.interactions)  # fmt: skip
    rng = np.random.default_rng(5)
    U = rng.standard_normal((X.shape[0], f)) * 0.01
    V = rng.standard_normal((X.shape[1], f)) * 0.01
    XT = X.T.tocsr()
    for _ in range(iters):
        for M, A, B in ((X, U, V), (XT, V, U)):
            for r in range(M.shape[0]):
                s = slice(M.indptr[r], M.indptr[r + 1])
                lam_r = lam * ((s.stop - s.start) + M.shape[1] / (1.0 + alpha)) ** nu
                A[r] = _reference_user(B, M.indices[s], 1.0 + alpha * M.data[s], lam_r)
    np.testing.assert_allclose(model.user_factors_ @ model.item_factors_.T, U @ V.T, atol=2e-3)


def test_exponent_zero_is_the_plain_model(world):
    a = ALS(6, max_iter=3, random_state=2).fit(world.interactions)
    b = ALS(6, max_iter=3, random_state=2, regularization_exponent=0.0).fit(world.interactions)
    np.testing.assert_array_equal(a.item_factors_, b.item_factors_)


def test_frequency_scaling_loss_decreases_and_fold_in_uses_it(world):
    model = ALS(6, regularization=0.05, regularization_exponent=1.0, max_iter=6,
                track_loss=True, random_state=0).fit(world.interactions)  # fmt: skip
    loss = np.array(model.loss_history_)
    assert np.all(np.diff(loss) < 1e-3 * loss[0])
    # a known user folded in from its own history gets (nearly) its fitted factors back
    X = world.interactions
    u = X.user_ids.ids[3]
    got = model.score([u], X.item_ids.ids, user_items=X.subset_users([u]))
    want = model.score([u], X.item_ids.ids)
    np.testing.assert_allclose(got, want, atol=5e-2)


@pytest.mark.parametrize("bad", [-1.0, 5.0, float("nan"), "1"])
def test_bad_exponent_is_an_input_error(world, bad):
    with pytest.raises(InputError, match="regularization_exponent"):
        ALS(4, max_iter=1, regularization_exponent=bad).fit(world.interactions)


def _old_sweeps(model, X):
    """The whole-matrix path: one kernel call per half-step (what blocks must reproduce)."""
    f, max_iter, steps = model._check_params()
    rng = np.random.default_rng(model.random_state)
    Cu = model._conf(X)
    Ci = Cu.T.tocsr()
    Ci.indptr, Ci.indices = Ci.indptr.astype(np.int64), Ci.indices.astype(np.int64)
    U = (rng.standard_normal((X.shape[0], f)) * 0.01).astype(np.float32)
    V = (rng.standard_normal((X.shape[1], f)) * 0.01).astype(np.float32)
    ru, ri = model._ridge(Cu, X.shape[1]), model._ridge(Ci, X.shape[0])
    with thread_limits(1):
        for _ in range(max_iter):
            als_sweep(Cu.indptr, Cu.indices, Cu.data, U, V, model._A(V), steps,
                      np.arange(X.shape[0]), ru)  # fmt: skip
            als_sweep(Ci.indptr, Ci.indices, Ci.data, V, U, model._A(U), steps,
                      np.arange(X.shape[1]), ri)  # fmt: skip
    return U, V


@pytest.mark.parametrize("nu", [0.0, 0.5])
@pytest.mark.parametrize("block", [1, 7, 4096])
def test_blocks_give_the_whole_matrix_result(monkeypatch, world, block, nu):
    monkeypatch.setattr(als_module, "_SWEEP_ROWS", block)
    X = world.interactions
    model = ALS(5, max_iter=2, regularization_exponent=nu, random_state=4)
    U, V = _old_sweeps(model, X.matrix)
    for backend, jobs in (("threading", 1), ("threading", 2), ("loky", 2)):
        with joblib.parallel_config(backend=backend, n_jobs=jobs):
            model.fit(X)
        np.testing.assert_array_equal(model.user_factors_, U, err_msg=backend)
        np.testing.assert_array_equal(model.item_factors_, V, err_msg=backend)


def test_saved_model_keeps_the_exponent(world, tmp_path):
    model = ALS(4, max_iter=2, regularization=0.1, regularization_exponent=1.0,
                random_state=0).fit(world.interactions)  # fmt: skip
    loaded = ALS.load(model.save(tmp_path / "als"))
    assert loaded.regularization_exponent == 1.0
    new = sp.csr_array(world.interactions.matrix[:3])
    np.testing.assert_array_equal(
        loaded.recommend([0, 1, 2], user_items=new)[0],
        model.recommend([0, 1, 2], user_items=new)[0],
    )


def test_overflowing_confidences_raise_naming_alpha(world):
    # found by the fuzz suite's hypothesis values under the random profile: alpha=1e30
    # left NaN factors in a fitted model without a word
    X = world.interactions
    with pytest.raises(InputError, match=r"not finite.*alpha=1e\+30.*Lower alpha"):
        ALS(8, alpha=1e30, max_iter=2, random_state=0).fit(X)
    model = ALS(8, alpha=1e12, max_iter=2, random_state=0).fit(X)  # large, still finite
    assert np.isfinite(model.item_factors_).all() and np.isfinite(model.user_factors_).all()
