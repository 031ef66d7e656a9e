"""Fuzz: malformed sparse structure never reaches a compiled kernel (issue 18, defect 1).

Hypothesis draws malformed CSR matrices (indices out of range or negative, an ``indptr``
that falls, is too short or overruns its arrays, non-integer indices, NaN values) and each
batch is fed to an entry point in a fresh Python process: a segfault there fails the test
(negative return code) instead of killing pytest. Every case must end in filmreco's own
error (or ``TypeError``), never a crash and never a silent result.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filmreco._persist import load_npz, save_npz
from filmreco._validation import check_csr, check_sparse_structure
from filmreco.data import Interactions
from filmreco.exceptions import FormatError, InputError
from filmreco.social import SocialGraph
from filmreco.sparse import topk

N_ROWS, N_COLS = 30, 20

#: What a case does to a valid CSR matrix (see ``_MUTATE`` in the child script).
MUTATIONS = (
    "index_high",
    "index_negative",
    "indptr_falls",
    "indptr_negative",
    "indptr_short",
    "indptr_overrun",
    "float_indices",
    "nan_data",
)

#: Entry points exercised in the child process (see ``_CALL`` in the child script).
TARGETS = (
    "Interactions",
    "ALS.fit",
    "BPR.fit",
    "EASE.fit",
    "ItemKNN.fit",
    "recommend(user_items=)",
    "score(user_items=)",
    "fold_in",
    "topk",
)

# The child builds a valid matrix per case, breaks it as told, calls the target and prints
# one JSON line: the class of the error raised, or "ok" when nothing was raised.
_CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np, scipy.sparse as sp
    from filmreco.data import Interactions
    from filmreco.recommend import ALS, BPR, EASE, ItemKNN
    from filmreco.sparse import topk

    N_ROWS, N_COLS = {n_rows}, {n_cols}

    def valid(seed):
        X = sp.random(N_ROWS, N_COLS, density=0.3, format="csr", random_state=seed,
                      dtype=np.float32)
        X.data[:] = 1.0
        return sp.csr_matrix(X)

    def mutate(X, kind, pos, delta):
        nnz = X.indptr[-1]
        if kind == "index_high":
            X.indices[pos % nnz] = N_COLS - 1 + delta
        elif kind == "index_negative":
            X.indices[pos % nnz] = -delta
        elif kind == "indptr_falls":
            X.indptr[1 + pos % (N_ROWS - 1)] = nnz + delta
        elif kind == "indptr_negative":
            X.indptr[1 + pos % (N_ROWS - 1)] = -delta
        elif kind == "indptr_short":
            X.indptr = X.indptr[: max(0, X.indptr.size - delta)]
        elif kind == "indptr_overrun":
            X.indptr[-1] = nnz + delta
        elif kind == "float_indices":
            X.indices = X.indices.astype(np.float64) + 0.5
        elif kind == "nan_data":
            X.data[pos % nnz] = np.nan
        return X

    train = valid(12345)
    fitted = ALS(4, max_iter=2, random_state=0).fit(train)
    users = np.arange(N_ROWS)

    def call(target, X):
        if target == "Interactions":
            Interactions(X)
        elif target == "ALS.fit":
            ALS(4, max_iter=2, random_state=0).fit(X)
        elif target == "BPR.fit":
            BPR(4, max_iter=2, random_state=0).fit(X)
        elif target == "EASE.fit":
            EASE().fit(X)
        elif target == "ItemKNN.fit":
            ItemKNN().fit(X)
        elif target == "recommend(user_items=)":
            fitted.recommend(users, 5, user_items=X)
        elif target == "score(user_items=)":
            fitted.score(users, np.arange(N_COLS), filter_seen=True, user_items=X)
        elif target == "fold_in":
            fitted.fold_in(X)
        elif target == "topk":
            topk(X, 3)
        else:
            raise SystemExit("unknown target " + target)

    target = sys.argv[1]
    for kind, seed, pos, delta in json.loads(sys.stdin.read()):
        X = mutate(valid(seed), kind, pos, delta)
        try:
            call(target, X)
            outcome = "ok"
        except Exception as exc:
            outcome = type(exc).__name__ + ": " + str(exc)[:200]
        print(json.dumps([kind, outcome]), flush=True)
    """
).format(n_rows=N_ROWS, n_cols=N_COLS)

case = st.tuples(
    st.sampled_from(MUTATIONS),
    st.integers(0, 2**16),  # seed of the valid matrix
    st.integers(0, 2**16),  # position broken
    st.integers(1, 10**6),  # how far out of range
)


def _run_child(script: str, args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_no_crash(proc: subprocess.CompletedProcess[str], what: str) -> None:
    assert proc.returncode >= 0, f"{what} crashed with signal {-proc.returncode}:\n{proc.stderr}"
    assert proc.returncode == 0, f"{what} failed:\n{proc.stderr}"


@pytest.mark.parametrize("target", TARGETS)
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(case, min_size=len(MUTATIONS), max_size=2 * len(MUTATIONS)))
def test_malformed_csr_raises_filmreco_errors_never_crashes(
    target: str, cases: list[tuple[str, int, int, int]]
) -> None:
    cases = [(k, s, p, d) for k, (_, s, p, d) in zip(MUTATIONS, cases, strict=False)] + cases[
        len(MUTATIONS) :
    ]  # every mutation at least once per batch
    proc = _run_child(_CHILD, [target], json.dumps(cases))
    _assert_no_crash(proc, target)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == len(cases)
    for kind, outcome in lines:
        assert outcome.startswith(("InputError:", "TypeError:")), (target, kind, outcome)
        if outcome.startswith("InputError:") and kind != "nan_data":
            assert "indices" in outcome or "indptr" in outcome, (target, kind, outcome)


def test_indptr_overrunning_its_arrays_is_refused() -> None:
    """Before the check, ALS/BPR fits on such input died with SIGSEGV (return code -11)."""
    X = sp.csr_matrix(np.eye(4, dtype=np.float32))
    X.indptr[-1] = 10**6
    with pytest.raises(InputError, match=r"X has 4 indices .* indptr ends at 1000000"):
        check_sparse_structure(X, "X")


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        ("indices_high", r"M\.indices holds 7, outside \[0, 5\)"),
        ("indices_negative", r"M\.indices holds -1, outside \[0, 5\)"),
        ("indptr_falls", r"M\.indptr must be non-decreasing"),
        ("indptr_length", r"M\.indptr has 4 entries but M has 4 rows \(expected 5\)"),
        ("indptr_start", r"M\.indptr must start at 0"),
        ("float_indices", r"M\.indices must be a 1-D integer array"),
        ("nan", r"M\.data contains 1 NaN"),
    ],
)
def test_check_csr_names_the_argument_and_the_array(mutation: str, message: str) -> None:
    M = sp.csr_matrix(np.arange(20, dtype=np.float32).reshape(4, 5))
    if mutation == "indices_high":
        M.indices[2] = 7
    elif mutation == "indices_negative":
        M.indices[2] = -1
    elif mutation == "indptr_falls":
        M.indptr[2] = 1
    elif mutation == "indptr_length":
        M.indptr = M.indptr[:-1]
    elif mutation == "indptr_start":
        M.indptr[0] = 1
    elif mutation == "float_indices":
        M.indices = M.indices.astype(np.float64)
    else:
        M.data[3] = np.nan
    with pytest.raises(InputError, match=message):
        check_csr(M, "M")


def test_coo_and_csc_are_checked_too() -> None:
    C = sp.coo_matrix(np.eye(3, dtype=np.float32))
    C.col[1] = 9
    with pytest.raises(InputError, match=r"C\.col holds 9, outside \[0, 3\)"):
        check_csr(C, "C")
    S = sp.csc_matrix(np.eye(3, dtype=np.float32))
    S.indices[0] = 5
    with pytest.raises(InputError, match=r"S\.indices holds 5, outside \[0, 3\)"):
        check_csr(S, "S")


def test_stale_canonical_flag_is_not_trusted() -> None:
    """A matrix claiming sorted, duplicate-free rows that are not is canonicalised anyway."""
    M = sp.csr_matrix(
        (np.array([1.0, 2.0, 4.0], dtype=np.float32), np.array([2, 0, 0]), np.array([0, 3])),
        shape=(1, 3),
    )
    M.has_canonical_format = True  # a lie
    out = check_csr(M, "M")
    assert out.indices.tolist() == [0, 2]
    assert out.data.tolist() == [6.0, 1.0]


def test_valid_input_is_returned_unchanged() -> None:
    rng = np.random.default_rng(0)
    X = sp.random(50, 40, density=0.2, format="csr", random_state=rng, dtype=np.float32)
    out = check_csr(X, "X")
    assert (out != X).nnz == 0
    np.testing.assert_array_equal(out.indices, X.indices)
    np.testing.assert_array_equal(out.indptr, X.indptr)
    np.testing.assert_array_equal(out.data, X.data)


def test_topk_exclude_and_social_graph_check_the_structure() -> None:
    E = sp.csr_matrix(np.eye(3, dtype=np.float32))
    E.indices[1] = 99
    with pytest.raises(InputError, match=r"exclude\.indices holds 99"):
        topk(np.ones((3, 3)), 2, exclude=E)
    g = SocialGraph.from_arrays([0, 1], [1, 2])
    A = sp.csr_array(g.out_adj, copy=True)
    A.indptr[1] = 5
    with pytest.raises(InputError, match=r"out_adj\.indptr"):
        SocialGraph(A, g.node_ids, directed=g.directed, weighted=g.weighted)


# --------------------------------------------------------------------- edited files
_LOAD_CHILD = textwrap.dedent(
    """
    import sys
    from filmreco._persist import load
    for path in sys.argv[1:]:
        try:
            load(path)
            print("ok")
        except Exception as exc:
            print(type(exc).__name__ + ": " + str(exc)[:300].replace("\\n", " "))
    """
)


def _edit(path: Path, key: str, change: str) -> None:
    """Break array `key` of a saved file, then recompute its digests (a careful forger)."""
    arrays, header = load_npz(path, kind=header_kind(path), max_version=10**6)
    a = np.array(arrays[key], copy=True)
    if change == "high":
        a[0] = 10**6
    elif change == "negative":
        a[0] = -3
    elif change == "falls":
        a[1] = a[-1] + 7
    elif change == "short":
        a = a[:-1]
    arrays[key] = a
    kind = header["format"][len("filmreco.") :]
    save_npz(path, arrays, kind=kind, version=header["format_version"], meta=header["meta"])


def header_kind(path: Path) -> tuple[str, ...]:
    """Every kind a test file may hold (load_npz refuses other kinds)."""
    return ("Interactions", "recommender.ItemKNN", "SocialGraph")


def _saved_objects(tmp_path: Path) -> list[tuple[str, Path, str]]:
    """(what, file, prefix of its CSR arrays): one file per sparse matrix a file can hold."""
    from filmreco.recommend import ItemKNN

    X = sp.csr_array(sp.random(30, 20, density=0.3, random_state=3, dtype=np.float32))
    X.data[:] = 1.0
    knn = ItemKNN().fit(X)
    Interactions(X).save(tmp_path / "inter.npz")
    knn.save(tmp_path / "knn_similarity.npz")
    knn.save(tmp_path / "knn_user_items.npz")
    SocialGraph.from_arrays([0, 1, 2], [1, 2, 3]).save(tmp_path / "graph.npz")
    return [
        ("Interactions", tmp_path / "inter.npz", ""),
        ("ItemKNN.similarity_", tmp_path / "knn_similarity.npz", "state_"),
        ("ItemKNN.user_items_", tmp_path / "knn_user_items.npz", "ui_"),
        ("SocialGraph", tmp_path / "graph.npz", ""),
    ]


@pytest.mark.parametrize("change", ["high", "negative", "falls", "short"])
def test_load_of_an_edited_file_raises_format_error(tmp_path: Path, change: str) -> None:
    saved = _saved_objects(tmp_path)
    for _, path, prefix in saved:
        _edit(path, prefix + ("indices" if change in ("high", "negative") else "indptr"), change)
    proc = _run_child(_LOAD_CHILD, [str(path) for _, path, _ in saved], "")
    _assert_no_crash(proc, f"load of files edited ({change})")
    outcomes = proc.stdout.splitlines()
    assert len(outcomes) == len(saved)
    for (what, _, _), outcome in zip(saved, outcomes, strict=True):
        assert outcome.startswith("FormatError:"), (what, change, outcome)


def test_edited_interactions_file_names_the_array(tmp_path: Path) -> None:
    path = _saved_objects(tmp_path)[0][1]
    _edit(path, "indices", "high")
    with pytest.raises(FormatError, match=r"matrix\.indices holds 1000000"):
        Interactions.load(path)


# ------------------------------------------------------- numerical failures (defect 6)
def _small_world() -> sp.csr_array:
    X = sp.csr_array(sp.random(60, 25, density=0.2, random_state=5, dtype=np.float32))
    X.data[:] = 1.0
    return X


@pytest.mark.parametrize("learning_rate", [1e3, 1e10, 1e30])
def test_bpr_divergence_names_learning_rate(learning_rate: float) -> None:
    from filmreco.exceptions import ConvergenceError
    from filmreco.recommend import BPR

    with pytest.raises(ConvergenceError, match=r"BPR diverged .*learning_rate="):
        BPR(4, learning_rate=learning_rate, max_iter=3, random_state=0).fit(_small_world())


def test_bpr_divergence_from_the_weight_decay_names_both() -> None:
    # regularization=1e15: the advice used to say "raise regularization"
    from filmreco.exceptions import ConvergenceError
    from filmreco.recommend import BPR

    with pytest.raises(ConvergenceError, match=r"learning_rate x regularization = .* below 1"):
        BPR(4, regularization=1e15, max_iter=3, random_state=0).fit(_small_world())


def test_als_regularization_overflow_is_named() -> None:
    from filmreco.exceptions import InputError
    from filmreco.recommend import ALS

    with pytest.raises(InputError, match=r"regularization=1e\+30 overflows float32"):
        ALS(4, regularization=1e30, max_iter=2, random_state=0).fit(_small_world())


def test_bpr_fold_in_divergence_is_named() -> None:
    from filmreco.exceptions import ConvergenceError
    from filmreco.recommend import BPR

    model = BPR(4, max_iter=3, random_state=0).fit(_small_world())
    model.learning_rate = 1e30  # what set_params would do after fit
    with pytest.raises(ConvergenceError, match=r"folding in users.*learning_rate"):
        model.fold_in(_small_world()[:5])


def test_ease_overflow_names_the_values_and_regularization() -> None:
    from filmreco.recommend import EASE

    X = _small_world()
    X.data[:] = 1e38
    with pytest.raises(InputError, match=r"values up to 1e\+38 .*raise regularization"):
        EASE().fit(X)
    with pytest.raises(InputError, match=r"regularization=1e\+308 overflows"):
        EASE(regularization=1e308).fit(_small_world())
