"""SANSA: the incomplete LDL^T and the approximate inverse against exact algebra, and the
model against EASE (issue 13, item 5)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from filmreco.datasets import make_synthetic
from filmreco.exceptions import FilmrecoError, InputError
from filmreco.recommend import EASE, EDLAE, SANSA
from filmreco.recommend._sansa_kernels import incomplete_ldlt, score_rows, unit_lower_inverse
from filmreco.recommend.sansa import sparse_gram


def _spd(seed: int, n: int, density: float) -> np.ndarray:
    """A sparse-ish symmetric positive definite matrix."""
    rng = np.random.default_rng(seed)
    R = rng.normal(size=(n + 3, n)) * (rng.random((n + 3, n)) < density)
    return R.T @ R + 0.1 * np.eye(n)


def _factor(A: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray, int]:
    n = A.shape[0]
    lower = sp.csc_array(np.tril(A))
    lower.sort_indices()
    Lp, Li, Lx, D, floored = incomplete_ldlt(
        lower.indptr.astype(np.int64), lower.indices.astype(np.int64), lower.data, p,
        np.zeros(n),
    )  # fmt: skip
    L = sp.csc_array((Lx, Li, Lp), shape=(n, n)).toarray() + np.eye(n)
    return L, D, floored


def _inverse(L: np.ndarray, p: int) -> np.ndarray:
    n = L.shape[0]
    S = sp.csr_array(np.tril(L, -1))
    S.sort_indices()
    Kp, Ki, Kx = unit_lower_inverse(
        S.indptr.astype(np.int64), S.indices.astype(np.int64), S.data, p
    )
    return sp.csr_array((Kx, Ki, Kp), shape=(n, n)).toarray()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 14), st.floats(0.1, 1.0))
def test_complete_factorisation_is_the_exact_ldlt(seed, n, density):
    A = _spd(seed, n, density)
    L, D, floored = _factor(A, n)  # nothing dropped
    C = np.linalg.cholesky(A)
    np.testing.assert_allclose(L, C / np.diag(C), atol=1e-9)
    np.testing.assert_allclose(D, np.diag(C) ** 2, rtol=1e-9)
    assert floored == 0
    K = _inverse(L, n)
    np.testing.assert_allclose(K, np.linalg.inv(L), atol=1e-8)
    np.testing.assert_allclose(K.T @ np.diag(1 / D) @ K, np.linalg.inv(A), rtol=1e-7, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(3, 16), st.integers(0, 3))
def test_dropping_keeps_the_factorisation_positive_definite(seed, n, p):
    A = _spd(seed, n, 0.7)
    L, D, floored = _factor(A, p)
    assert floored == 0 and (D > 0).all()
    assert ((np.abs(np.tril(L, -1)) > 0).sum(axis=0) <= p).all()  # the fill limit
    # the factors are the exact ones of A + E with E positive semidefinite (compensation)
    E = L @ np.diag(D) @ L.T - A
    assert np.linalg.eigvalsh((E + E.T) / 2).min() > -1e-8 * np.abs(A).max()


def test_truncated_inverse_keeps_the_largest_entries():
    L = np.eye(4)
    L[1, 0], L[2, 1], L[3, 2] = 0.5, 0.5, 0.5
    K = _inverse(L, 1)
    assert ((np.abs(np.tril(K, -1)) > 0).sum(axis=1) <= 1).all()
    np.testing.assert_allclose(np.diag(K), 1.0)
    np.testing.assert_allclose(K[1, 0], -0.5)


def test_score_rows_matches_dense_reference():
    rng = np.random.default_rng(0)
    M = sp.random_array((7, 5), density=0.5, random_state=rng, dtype=np.float32, format="csr")
    M.sort_indices()
    Mt = sp.csr_array(M.T.tocsr())
    Mt.sort_indices()
    s, c = rng.random(5) + 0.5, rng.random(5) + 0.5
    H = sp.random_array((4, 5), density=0.4, random_state=rng, dtype=np.float32, format="csr")
    H.sort_indices()
    got = score_rows(H.indptr, H.indices, H.data, s, Mt.indptr, Mt.indices, Mt.data,
                     M.indptr, M.indices, M.data, c, 0.0)  # fmt: skip
    Md = M.toarray().astype(np.float64)
    x = H.toarray().astype(np.float64)
    want = x - ((x * s) @ Md.T @ Md) * c
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def synth():
    return make_synthetic(n_users=200, n_items=50, density=0.08, random_state=3).interactions


def test_full_density_equals_ease(synth):
    ease = EASE(20.0).fit(synth)
    sansa = SANSA(20.0, density=1.0, tolerance=0.0).fit(synth)
    users = synth.user_ids.ids[:40]
    a = ease.score(users, synth.item_ids.ids)
    b = sansa.score(users, synth.item_ids.ids)
    np.testing.assert_allclose(b, a, atol=2e-5 * max(1.0, np.abs(a).max()))
    assert (ease.recommend(users, n=5)[0] == sansa.recommend(users, n=5)[0]).mean() > 0.98
    # item-item weights and explanations are EASE's too
    item = synth.item_ids.ids[:3]
    np.testing.assert_allclose(
        sansa.similar_items(item, n=4)[1], ease.similar_items(item, n=4)[1], atol=1e-4
    )
    u, j = users[0], synth.item_ids.ids[7]
    _ids, contrib = sansa.explain(u, j, n=100)
    assert contrib.sum() == pytest.approx(float(sansa.score([u], [j])[0, 0]), abs=1e-5)


def test_sparse_model_stays_close_and_finite(synth):
    ease = EASE(20.0).fit(synth)
    users = synth.user_ids.ids
    a = ease.recommend(users, n=10)[0]
    dense = SANSA(20.0, density=1.0, tolerance=0.0).fit(synth).recommend(users, n=10)[0]
    for density in (0.5, 0.2, 0.05):
        model = SANSA(20.0, density=density).fit(synth)
        assert np.isfinite(model.factor_.data).all()
        assert model.factor_.nnz <= 50 + 50 * SANSA._budget(50, density)
        b = model.recommend(users, n=10)[0]
        overlap = np.mean([len(set(x) & set(y)) / 10 for x, y in zip(a, b)])
        assert overlap > (0.9 if density >= 0.5 else 0.5)
    assert (dense == a).mean() > 0.98


def test_save_load_round_trip(synth, tmp_path):
    model = SANSA(20.0, density=0.3).fit(synth)
    path = model.save(tmp_path / "sansa")
    back = SANSA.load(path)
    users = synth.user_ids.ids[:30]
    np.testing.assert_array_equal(back.score(users, synth.item_ids.ids),
                                  model.score(users, synth.item_ids.ids))  # fmt: skip
    assert back.get_params() == model.get_params()


def test_gram_compensation_keeps_positive_definite(synth):
    X = synth.matrix
    A, scale = sparse_gram(X, 5.0, 3, None, compensate=True)
    assert (abs(A - A.T) > 1e-12).nnz == 0
    assert np.linalg.eigvalsh(A.toarray()).min() > 0
    assert scale.shape == (X.shape[1],)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"density": 0.0}, "density"),
        ({"density": 1.5}, "density"),
        ({"density": "half"}, "density"),
        ({"regularization": -1.0}, "regularization"),
        ({"regularization": float("nan")}, "regularization"),
        ({"tolerance": 1.0}, "tolerance"),
        ({"tolerance": -0.1}, "tolerance"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"show_progress": "yes"}, "show_progress"),
    ],
)
def test_bad_parameters_name_the_argument(synth, params, name):
    with pytest.raises(FilmrecoError, match=name):
        SANSA(**params).fit(synth)


def test_bad_interactions():
    with pytest.raises(InputError):
        SANSA().fit(sp.csr_array(np.array([[1.0, -1.0]], dtype=np.float32)))
    with pytest.raises(InputError, match="no items"):
        SANSA().fit(sp.csr_array((3, 0), dtype=np.float32))
    one = SANSA(density=0.5).fit(sp.csr_array(np.ones((3, 1), dtype=np.float32)))
    assert one.score([0], [0]).shape == (1, 1)


@pytest.mark.parametrize("cls", [EASE, EDLAE])
def test_ease_memory_error_suggests_sansa(cls):
    X = sp.csr_array((np.ones(3, np.float32), ([0, 1, 2], [0, 1, 50_000])), shape=(3, 50_001))
    with pytest.raises(InputError, match=r"SANSA\(regularization=\d+, density=0\.005\)"):
        cls(memory_limit=1.0).fit(X)


def test_tolerance_cuts_small_terms_only(synth):
    exact = SANSA(20.0, density=0.5, tolerance=0.0).fit(synth)
    cut = SANSA(20.0, density=0.5, tolerance=0.05).fit(synth)
    users, items = synth.user_ids.ids, synth.item_ids.ids
    a, b = exact.score(users, items), cut.score(users, items)
    assert not np.array_equal(a, b)
    np.testing.assert_allclose(b, a, atol=0.1 * np.abs(a).max())
    # the kernel with tol=0 is the exact product; tolerance is read at scoring time
    cut.set_params(tolerance=0.0)
    np.testing.assert_array_equal(cut.score(users, items), a)


def test_set_state_refuses_an_unsorted_factor(synth):
    """A saved factor whose row is out of order (the scoring kernel merges sorted rows) is
    refused on load; the model's own state passes."""
    model = SANSA(20.0, density=0.3).fit(synth)
    arrays, meta = model._state()
    model._set_state(dict(arrays), meta)
    indptr = arrays["factor_indptr"]
    row = int(np.flatnonzero(np.diff(indptr) >= 2)[0])
    ind = arrays["factor_indices"].copy()
    a = int(indptr[row])
    ind[a], ind[a + 1] = ind[a + 1], ind[a]
    with pytest.raises(InputError, match="unsorted or repeated"):
        model._set_state({**arrays, "factor_indices": ind}, meta)


@pytest.mark.skipif(sys.platform != "linux", reason="address-space limit of a child process")
def test_memory_follows_the_data_not_the_catalogue_squared():
    # 300 events over 45,000 films at the default density: the factors once reserved
    # n_items * budget entries (about 10 GB) whatever the data; a child process limited to
    # 3 GB of address space must fit it
    code = (
        "import numpy as np, scipy.sparse as sp\n"
        "from filmreco.recommend import SANSA\n"
        "rng = np.random.default_rng(0)\n"
        "X = sp.csr_array((np.ones(300), (rng.integers(0, 50, 300), rng.integers(0, 45000, 300))),"
        " shape=(50, 45000))\n"
        "X.sum_duplicates()\n"
        "m = SANSA().fit(X)\n"
        "print(m.factor_.nnz, m.recommend([0], n=3)[0].shape)\n"
    )

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=limit,
        env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["(1,", "3)"]
