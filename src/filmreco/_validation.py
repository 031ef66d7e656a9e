"""Argument checks shared across filmreco (private; public functions call these at the boundary)."""

from __future__ import annotations

import numbers
import reprlib
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp

from .exceptions import InputError, InputTypeError

T = TypeVar("T")

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

__all__ = [
    "OwnSeedSequence",
    "as_array",
    "as_positions",
    "cast_values",
    "check_bool",
    "check_csr",
    "check_dtype",
    "check_encoding",
    "check_finite",
    "check_fitted",
    "check_instance",
    "check_int",
    "check_iterable",
    "check_nonnegative",
    "check_option",
    "check_probability",
    "check_random_state",
    "check_real",
    "check_seed",
    "check_sparse_structure",
    "check_str",
    "lookup_option",
    "own_seed_sequence",
    "shorten",
]


# reprs of containers bounded element by element (a list of a million ids, an id of 5 MB)
class _PlainRepr(reprlib.Repr):
    """reprlib that shows numpy scalars as the Python values they hold (``-1.0``, not
    ``np.float32(-1.0)``): users read messages, and numpy's reprs are noise there."""

    def repr1(self, x: Any, level: int) -> str:
        if isinstance(x, np.generic) and not isinstance(x, (np.datetime64, np.timedelta64)):
            x = x.item()
        return super().repr1(x, level)


_SHORT = _PlainRepr()
_SHORT.maxlevel = 3
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = _SHORT.maxfrozenset = 10
_SHORT.maxdict = _SHORT.maxdeque = _SHORT.maxarray = 10
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = 60


def shorten(value: Any, limit: int = 80) -> str:
    """The repr of `value` cut to about `limit` characters, for quoting user data in messages.

    A string or bytes value longer than `limit` keeps its first `limit` characters and says
    how long it was; other values are shown with their containers' elements bounded
    (:mod:`reprlib`) and cut at `limit`. Short values give exactly their ``repr``, and no
    value is copied whole on the way (a 150 MB line costs its first `limit` characters).

    Parameters
    ----------
    value : object
    limit : int, default=80

    Returns
    -------
    str

    Examples
    --------
    >>> shorten("2049")
    "'2049'"
    >>> shorten("x" * 5_000_000, limit=8)
    "'xxxxxxxx'... (5,000,000 characters)"
    >>> shorten(list(range(100)))
    '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...]'
    >>> shorten([np.float32(-1.0), np.int64(6119), np.str_("tt1")])
    "[-1.0, 6119, 'tt1']"
    """
    if isinstance(value, np.generic) and not isinstance(value, (np.datetime64, np.timedelta64)):
        value = value.item()
    if isinstance(value, (str, bytes)):
        if len(value) <= limit:
            return repr(value)
        unit = "characters" if isinstance(value, str) else "bytes"
        return f"{value[:limit]!r}... ({len(value):,} {unit})"
    text = _SHORT.repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def check_int(
    value: Any, name: str, *, min_value: int | None = None, max_value: int | None = None
) -> int:
    """Return `value` as an int, or raise naming `name` and the allowed range.

    Without `max_value` the ceiling is the int64 range: counts and sizes reach numpy and
    the compiled kernels as int64, where a larger value would wrap around or ask for
    work that never ends.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name} must be an int, got {shorten(value)} ({type(value).__name__}).")
    v = int(value)
    if max_value is None and not _INT64_MIN <= v <= _INT64_MAX:
        raise InputError(f"{name} must fit in a 64-bit int (|{name}| < 2**63), got {v}.")
    if min_value is not None and v < min_value:
        raise InputError(f"{name} must be >= {min_value}, got {v}.")
    if max_value is not None and v > max_value:
        raise InputError(f"{name} must be <= {max_value}, got {v}.")
    return v


def check_bool(value: Any, name: str) -> bool:
    """Return `value` as a bool (``True``/``False`` or numpy's), or raise naming `name`."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(
            f"{name} must be True or False, got {shorten(value)} ({type(value).__name__})."
        )
    return bool(value)


def check_real(
    value: Any,
    name: str,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    min_inclusive: bool = True,
    max_inclusive: bool = True,
) -> float:
    """Return `value` as a finite float within the bounds, or raise naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(
            f"{name} must be a real number, got {shorten(value)} ({type(value).__name__})."
        )
    try:
        v = float(value)
    except OverflowError:  # an int beyond the float range
        raise InputError(f"{name} must be finite, got {shorten(value)}.") from None
    if not np.isfinite(v):
        raise InputError(f"{name} must be finite, got {v}.")
    if min_value is not None and (v < min_value or (not min_inclusive and v == min_value)):
        op = ">=" if min_inclusive else ">"
        raise InputError(f"{name} must be {op} {min_value}, got {v}.")
    if max_value is not None and (v > max_value or (not max_inclusive and v == max_value)):
        op = "<=" if max_inclusive else "<"
        raise InputError(f"{name} must be {op} {max_value}, got {v}.")
    return v


def check_probability(value: Any, name: str) -> float:
    """Return `value` as a float in [0, 1]."""
    return check_real(value, name, min_value=0.0, max_value=1.0)


def check_option(value: Any, options: Iterable[Any], name: str) -> Any:
    """Return `value` if it is one of `options`, else raise listing them."""
    opts = list(options)
    try:
        # an array compares element-wise, so `in` would raise "truth value is ambiguous"
        ok = not isinstance(value, np.ndarray) and bool(value in opts)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"{name}={shorten(value)} is not supported; use one of {opts}.")
    return value


def lookup_option(table: Mapping[str, T], value: Any, name: str) -> T:
    """Return ``table[value]``; the error lists the table's keys, so it cannot go stale."""
    try:
        return table[value]
    except (KeyError, TypeError):
        raise InputError(
            f"{name}={shorten(value)} is not supported; use one of {sorted(table)}."
        ) from None


def check_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise if `arr` holds NaN or infinity, saying how many and where the first one is."""
    a = np.asarray(arr)
    if a.dtype.kind in "fc":
        bad = ~np.isfinite(a)
        if bad.any():
            first = np.flatnonzero(bad.ravel())[0]
            raise InputError(
                f"{name} contains {int(bad.sum())} NaN or infinite value(s) (first at flat "
                f"position {first}); drop or impute them first (e.g. "
                "Interactions.from_arrays(..., on_nan='drop'))."
            )
    return a


def check_nonnegative(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise if `arr` holds negative values."""
    a = np.asarray(arr)
    if a.size and a.dtype.kind in "iuf" and a.min() < 0:
        raise InputError(
            f"{name} must be non-negative, but {int((a < 0).sum())} value(s) are negative "
            f"(min {shorten(a.min())}); shift, clip or threshold them first."
        )
    return a


def _index_array(X: Any, attr: str, name: str) -> np.ndarray:
    a = np.asarray(getattr(X, attr))
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise InputError(
            f"{name}.{attr} must be a 1-D integer array, got dtype {a.dtype} and shape "
            f"{a.shape}; rebuild {name} with filmreco.sparse.build_csr(rows, cols, values)."
        )
    return a


def _check_compressed(X: Any, name: str) -> None:
    """Index pointer and indices of a CSR, CSC or BSR matrix against its shape."""
    indptr = _index_array(X, "indptr", name)
    indices = _index_array(X, "indices", name)
    if X.format == "bsr":
        r, c = X.blocksize
        n_major, n_minor = X.shape[0] // max(r, 1), X.shape[1] // max(c, 1)
    elif X.format == "csr":
        n_major, n_minor = X.shape
    else:
        n_minor, n_major = X.shape
    hint = f"; rebuild {name} with filmreco.sparse.build_csr(rows, cols, values)."
    if indptr.size != n_major + 1:
        raise InputError(
            f"{name}.indptr has {indptr.size} entries but {name} has {n_major} "
            f"{'columns' if X.format == 'csc' else 'rows'} (expected {n_major + 1}){hint}"
        )
    if indptr[0] != 0:
        raise InputError(f"{name}.indptr must start at 0, got {indptr[0]}{hint}")
    steps = np.diff(indptr)
    if steps.size and steps.min() < 0:
        first = int(np.argmax(steps < 0))
        raise InputError(
            f"{name}.indptr must be non-decreasing, but it falls after position {first} "
            f"({indptr[first]} -> {indptr[first + 1]}){hint}"
        )
    nnz = int(indptr[-1])
    n_data = np.shape(X.data)[0] if np.ndim(X.data) else 0
    if nnz > indices.size or indices.size != n_data:
        raise InputError(
            f"{name} has {indices.size} indices and {n_data} values but its indptr ends at "
            f"{nnz}; all three must agree{hint}"
        )
    used = indices[:nnz]
    if used.size and (used.min() < 0 or used.max() >= n_minor):
        bad = used.min() if used.min() < 0 else used.max()
        raise InputError(
            f"{name}.indices holds {bad}, outside [0, {n_minor}) for shape {X.shape}{hint}"
        )


def _check_coordinates(X: Any, name: str) -> None:
    """Row and column indices of a COO matrix against its shape."""
    coords = getattr(X, "coords", None) or (X.row, X.col)
    n_data = np.shape(X.data)[0] if np.ndim(X.data) else 0
    for axis, c in enumerate(coords):
        a = np.asarray(c)
        label = ("row", "col")[axis] if len(coords) == 2 else f"coords[{axis}]"
        if a.ndim != 1 or a.dtype.kind not in "iu" or a.size != n_data:
            raise InputError(
                f"{name}.{label} must be a 1-D integer array with one entry per value "
                f"({n_data}), got dtype {a.dtype} and shape {a.shape}."
            )
        if a.size and (a.min() < 0 or a.max() >= X.shape[axis]):
            bad = a.min() if a.min() < 0 else a.max()
            raise InputError(
                f"{name}.{label} holds {bad}, outside [0, {X.shape[axis]}) for shape {X.shape}."
            )


def check_sparse_structure(X: Any, name: str) -> None:
    """Raise unless the stored structure of sparse `X` is consistent with its shape.

    Checks, vectorised and before scipy or a compiled kernel walks the arrays: integer
    index arrays; for CSR/CSC/BSR an ``indptr`` of the right length that starts at 0,
    never decreases and ends within ``indices`` (whose length matches ``data``), and
    ``indices`` within ``[0, n_minor)``; for COO, coordinates within the shape. Data must
    be real numbers. Other formats (DIA, LIL, DOK) hold no raw indices a kernel could
    trust and are left to scipy's conversion.

    Raises
    ------
    InputError
        The first inconsistency found, naming `name` and the offending array.
    TypeError
        `X` holds non-numeric values.
    """
    if X.dtype.kind not in "biuf":
        raise InputTypeError(f"{name} must hold real numbers, got dtype {X.dtype}.")
    if any(int(d) < 0 for d in X.shape):
        raise InputError(f"{name} has a negative dimension in shape {X.shape}.")
    if X.format in ("csr", "csc", "bsr"):
        _check_compressed(X, name)
    elif X.format == "coo":
        _check_coordinates(X, name)


def _is_canonical(X: sp.csr_array) -> bool:
    """Whether each row's column indices are strictly increasing (sorted, no duplicates)."""
    nnz = int(X.indptr[-1])
    if nnz < 2:
        return True
    rising = np.diff(X.indices[:nnz]) > 0
    starts = np.asarray(X.indptr[1:-1])
    starts = starts[(starts > 0) & (starts < nnz)]
    rising[starts - 1] = True  # a new row may start lower
    return bool(rising.all())


def check_csr(
    X: Any,
    name: str,
    *,
    dtype: Any = None,
    nonnegative: bool = False,
    copy: bool = False,
    advice: str | None = None,
) -> sp.csr_array:
    """Return `X` as a canonical :class:`scipy.sparse.csr_array` (sorted, duplicates summed).

    Accepts any scipy sparse matrix or array (tested with :func:`scipy.sparse.issparse`,
    so ``csr_matrix`` and ``csr_array`` are both fine); dense input is refused with a hint.
    The stored structure is checked first (:func:`check_sparse_structure`), so malformed
    index arrays raise :class:`~filmreco.exceptions.InputError` naming `name` instead of
    reaching scipy's or filmreco's compiled loops. A value that `dtype` cannot hold (1e300
    in float32, 300 in int8) raises an InputError saying so (:func:`cast_values`; `advice`
    is its suggestion), not a NaN or infinity error after the cast.
    """
    if not sp.issparse(X):
        raise InputTypeError(
            f"{name} must be a scipy.sparse matrix or array, got {type(X).__name__}; build one "
            "with filmreco.sparse.build_csr(rows, cols, values) or scipy.sparse.csr_array(X)."
        )
    if X.ndim != 2:
        raise InputError(f"{name} must be 2-D, got shape {X.shape}.")
    check_sparse_structure(X, name)
    dt = None if dtype is None else check_dtype(dtype, "dtype")
    out = sp.csr_array(X, copy=copy)
    if dt is not None and out.dtype != dt:
        nnz = int(out.indptr[-1])
        if out.dtype.kind in "fc":  # NaN / inf given: report them as such, not as overflow
            check_finite(out.data[:nnz], f"{name}.data")
        data = cast_values(out.data[:nnz], dt, f"{name}.data", advice=advice)
        out = sp.csr_array((data, out.indices[:nnz], out.indptr), shape=out.shape)
    if out.indices.dtype != np.int32 and out.nnz < np.iinfo(np.int32).max:
        out.indices = out.indices.astype(np.int32)
        out.indptr = out.indptr.astype(np.int32)
    if not _is_canonical(out):
        if out is X:
            out = out.copy()
        out.has_canonical_format = False  # a stale flag must not skip the sort
        out.sum_duplicates()
    elif out.indices.size != out.nnz or out.data.size != out.nnz:
        if out is X:
            out = out.copy()
        out.prune()
    check_finite(out.data, f"{name}.data")
    if check_bool(nonnegative, "nonnegative"):
        check_nonnegative(out.data, f"{name}.data")
    return out


def check_seed(random_state: Any) -> int | np.random.SeedSequence | np.random.Generator | None:
    """Validate a `random_state` argument: the one check behind every random stream.

    Returns ``None``, a non-negative ``int``, a :class:`numpy.random.SeedSequence` or a
    :class:`numpy.random.Generator`, unchanged (an integral number becomes an ``int``).
    :func:`check_random_state` turns it into a Generator, ``_parallel.seed_sequence`` into
    a SeedSequence (for streams spawned per block of work).
    """
    if random_state is None or isinstance(
        random_state, (np.random.Generator, np.random.SeedSequence)
    ):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if int(random_state) < 0:
            raise InputError(f"random_state must be a non-negative int, got {random_state}.")
        return int(random_state)
    raise InputError(
        "random_state must be None, a non-negative int, a numpy.random.SeedSequence or a "
        f"numpy.random.Generator, got {shorten(random_state)}."
    )


class OwnSeedSequence(np.random.SeedSequence):
    """A :class:`numpy.random.SeedSequence` filmreco made itself (its children are too).

    filmreco's own code chains streams by spawning from one such sequence in turn (IMM's
    RR sets, then its Monte-Carlo estimate), which advances it, as meant. A caller's
    SeedSequence is never used that way: it is copied into one of these first.
    """


def own_seed_sequence(seq: np.random.SeedSequence) -> np.random.SeedSequence:
    """`seq` itself if filmreco made it, else a copy of its whole state (``entropy``,
    ``spawn_key``, ``pool_size``, ``n_children_spawned``): a caller's SeedSequence is
    never spawned from, so it is never changed."""
    if isinstance(seq, OwnSeedSequence):
        return seq
    return OwnSeedSequence(
        seq.entropy,
        spawn_key=seq.spawn_key,
        pool_size=seq.pool_size,
        n_children_spawned=seq.n_children_spawned,
    )


def check_random_state(random_state: Any) -> np.random.Generator:
    """Turn ``None``, an int, a SeedSequence or a Generator into a :class:`numpy.random.Generator`.

    A Generator is returned as is (drawing from it advances the caller's generator, as
    meant). A caller's SeedSequence seeds a generator through a copy of its state (see
    ``own_seed_sequence``):
    ``Generator.spawn`` on the result then spawns from the copy, so the caller's
    SeedSequence is never changed and gives the same result each call.
    """
    seed = check_seed(random_state)
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):  # a caller's is copied, filmreco's own kept
        seed = own_seed_sequence(seed)
    return np.random.default_rng(seed)


def check_fitted(estimator: Any, attribute: str | None = None, *, hint: str | None = None) -> None:
    """Raise scikit-learn's ``NotFittedError`` unless `estimator` is fitted.

    The one "is it fitted?" check of filmreco (see the guide's :ref:`fitted` convention).
    Without `attribute` it asks the estimator's ``__sklearn_is_fitted__`` (every
    :class:`~filmreco.recommend.Recommender` has one) or, lacking one, looks for an
    attribute ending in ``_``, as scikit-learn's
    :func:`~sklearn.utils.validation.check_is_fitted` does; with `attribute`, whether
    that fitted attribute is set on the instance (:class:`~filmreco.search.SearchIndex`:
    ``"doc_ids_"``). The message is scikit-learn's. scikit-learn is imported only to raise,
    so a module that checks does not pay for its import.

    Parameters
    ----------
    estimator : object
        An object with a ``fit`` method.
    attribute : str, optional
        A fitted attribute (ending in ``_``) that exists only after ``fit``.
    hint : str, optional
        What to do, in place of "Call 'fit' ..." (e.g. a caller that was given the
        estimator says what it expected).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        Before ``fit`` (a ``ValueError`` and an ``AttributeError``); its message names the
        class and says to call ``fit``.
    TypeError
        If `estimator` has no ``fit`` method.
    """
    if not callable(getattr(estimator, "fit", None)):
        raise InputTypeError(f"{estimator!r} is not an estimator: it has no fit method.")
    if attribute is not None:
        fitted = attribute in vars(estimator)
    elif callable(getattr(estimator, "__sklearn_is_fitted__", None)):
        fitted = bool(estimator.__sklearn_is_fitted__())
    else:  # scikit-learn's rule: some attribute ending in "_" was set by fit
        fitted = any(k.endswith("_") and not k.startswith("__") for k in vars(estimator))
    if not fitted:
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. "
            + (hint or "Call 'fit' with appropriate arguments before using this estimator.")
        )


def check_forwarded(
    kw: Mapping[str, Any],
    target: Callable[..., Any],
    call: str,
    own: Iterable[str] = (),
    taken: Iterable[str] = (),
) -> None:
    """Raise a TypeError for a keyword of `kw` that `target` (where a ``**kw`` call passes
    them) does not accept, before any work: naming the keyword and the closest accepted one
    among `target`'s keywords and `own` (the calling function's), e.g. ``user_col`` ->
    ``user``. `taken`: keywords of `target` the caller fills itself (not accepted in `kw`).

    Examples
    --------
    >>> def target(a, *, duplicates="sum"): ...
    >>> check_forwarded({"duplicates": "max"}, target, "f")
    >>> check_forwarded({"user_col": "id"}, target, "f", own=["user", "item"])
    Traceback (most recent call last):
    ...
    filmreco.exceptions.InputTypeError: f() got an unexpected keyword argument 'user_col'; did you mean user=?
    """
    import difflib
    import inspect

    params = inspect.signature(target).parameters
    skip = set(taken)
    accepted = [
        n
        for n, p in params.items()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and n not in skip
    ]
    for key in kw:
        if key in accepted:
            continue
        names = [*own, *(n for n in accepted if n not in own)]
        stem = key.removesuffix("_col").removesuffix("_column").removesuffix("_name")
        near = [stem] if stem != key and stem in names else []
        near = near or difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]}=?" if near else f"; it accepts {', '.join(names)}."
        raise InputTypeError(f"{call}() got an unexpected keyword argument {key!r}{hint}")


def check_callable(value: Any, name: str) -> Callable[..., Any]:
    """Raise unless `value` is callable."""
    if not callable(value):
        raise InputTypeError(f"{name} must be callable, got {type(value).__name__}.")
    return value  # type: ignore[no-any-return]


def renamed_keyword(
    new_value: Any, old_value: Any, *, new: str, old: str, where: str, stacklevel: int = 3
) -> Any:
    """The value of a keyword renamed from `old` to `new` (the old one deprecated).

    Both keywords default to None. The old name is accepted for one release with a
    :class:`FutureWarning`; giving both is an :class:`InputError`.
    """
    if old_value is None:
        return new_value
    if new_value is not None:
        raise InputError(
            f"{where} got both {new!r} and its deprecated old name {old!r}; pass only {new}=."
        )
    warnings.warn(
        f"{where}: the keyword {old!r} is deprecated and will be removed in the next "
        f"release; use {new}= instead.",
        FutureWarning,
        stacklevel=user_stacklevel(),
    )
    return old_value


def check_str(value: Any, name: str, *, allow_none: bool = False) -> Any:
    """Return `value` if it is a str (or None when `allow_none`), else raise naming `name`."""
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise InputTypeError(
            f"{name} must be a str{' or None' if allow_none else ''}, got {type(value).__name__}."
        )
    return value


def check_instance(value: Any, types: type | tuple[type, ...], name: str, hint: str = "") -> Any:
    """Return `value` if it is an instance of `types`, else a TypeError naming `name`."""
    if not isinstance(value, types):
        want = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        raise InputTypeError(
            f"{name} must be a {want}, got {type(value).__name__}.{hint and ' ' + hint}"
        )
    return value


def check_strings_kept(items: Any, converted: np.ndarray, name: str) -> None:
    """Raise if numpy's fixed-width `converted` (``U`` or ``S``) lost characters of the
    str / bytes `items` it was made from: numpy drops trailing NULs, so ``"u\x00"`` would
    silently become ``"u"`` (another id). One pass of ``len`` over the items."""
    if int(np.char.str_len(converted).sum()) != sum(map(len, items)):
        raise InputError(
            f"{name} contains a value ending in a NUL character ('\\x00'), which numpy "
            "string arrays drop (the id would silently become another one); strip NUL "
            "characters first, e.g. [s.rstrip('\\x00') for s in ids] if that keeps them "
            "distinct."
        )


def check_iterable(value: Any, name: str, *, strings: bool = False) -> list[Any]:
    """Return the items of `value` as a list; a str or bytes counts as one item only if asked.

    Raises a TypeError naming `name` for a non-iterable (a number, None) and, unless
    `strings`, for a str or bytes (which would otherwise be split into characters).
    """
    if isinstance(value, str | bytes) and not strings:
        raise InputTypeError(
            f"{name} must be a list of values, got a single {type(value).__name__}."
        )
    if isinstance(value, np.ndarray) and value.ndim == 0:
        raise InputTypeError(f"{name} must be a list of values, got a 0-d array.")
    try:
        return list(value)
    except TypeError:
        raise InputTypeError(
            f"{name} must be an iterable (a list, tuple or array), got {type(value).__name__}."
        ) from None


#: The value dtypes a sparse matrix may have (those scipy.sparse supports that are real):
#: float16 and longdouble are not among them.
SPARSE_DTYPES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64",
)  # fmt: skip


def check_dtype(dtype: Any, name: str = "dtype") -> np.dtype[Any]:
    """Return ``np.dtype(dtype)`` for the value dtype of a sparse matrix, else raise naming
    `name`: bool, an int or uint of 8 to 64 bits, float32 or float64 (scipy.sparse refuses
    float16 and longdouble, so a matrix of those could neither be used nor saved)."""
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"{name} must be a numpy dtype such as np.float32, got {dtype!r}."
        ) from None
    if dt.name not in SPARSE_DTYPES:
        raise InputError(
            f"{name}={dt} is not supported (scipy.sparse cannot hold it); use one of "
            f"{', '.join(SPARSE_DTYPES)} (np.float32 is the default, np.float64 keeps more "
            "digits)."
        )
    return dt


def _finite_range(a: np.ndarray) -> bool:
    """Whether every value of a float array is finite (two reductions, no temporary)."""
    return a.size == 0 or bool(np.isfinite(a.min()) and np.isfinite(a.max()))


def cast_values(
    values: np.ndarray, dtype: np.dtype[Any], name: str, *, advice: str | None = None
) -> np.ndarray:
    """`values` (a finite numeric array) in `dtype`, or an InputError naming `name` when the
    cast would change a value beyond rounding.

    A float dtype refuses a finite value that overflows it (1e300 in float32 is inf); an
    int dtype refuses a value that is not integral or out of its range (300 in int8 would
    wrap to 44). A bool dtype keeps numpy's rule (non-zero is True). `advice` replaces the
    default suggestion in the message (pass ``dtype=np.float64`` or rescale).
    """
    v = np.asarray(values)
    if v.dtype == dtype or dtype.kind == "b" or v.size == 0:
        return v.astype(dtype, copy=False)
    if dtype.kind == "f":
        with np.errstate(over="ignore"):
            out = v.astype(dtype)
        if v.dtype.kind == "f" and not _finite_range(out):
            over = ~np.isfinite(out) & np.isfinite(v)
            if over.any():
                raise InputError(
                    f"{name} holds {shorten(v[over][0])}, beyond the range of {dtype} "
                    f"(±{float(np.finfo(dtype).max):.4g}; {int(over.sum())} such value(s)); "
                    f"{advice or 'pass dtype=np.float64, or rescale the values'}."
                )
        return out
    info = np.iinfo(dtype)
    low: np.ndarray | None
    high: np.ndarray | None
    if v.dtype.kind == "f":
        frac = v != np.trunc(v)
        if frac.any():
            raise InputError(
                f"{name} holds {shorten(v[frac][0])}, which is not a whole number, so it "
                f"cannot be stored as {dtype} ({int(frac.sum())} such value(s)); pass a float "
                "dtype (dtype=np.float32), or round the values first."
            )
        # the bounds as floats: info.min and info.max + 1 are powers of two (exact)
        low = v < float(info.min)
        high = v >= float(info.max + 1)
    elif v.dtype.kind in "iu":
        low = v < info.min if int(v.min()) < info.min else None
        high = v > info.max if int(v.max()) > info.max else None
    else:  # bool: 0 and 1 fit every int dtype
        return v.astype(dtype)
    bad = low if high is None else high if low is None else low | high
    if bad is not None and bad.any():
        wider = "e.g. dtype=np.int64 or np.float32" if dtype.itemsize < 8 else "dtype=np.float64"
        raise InputError(
            f"{name} holds {shorten(v[bad][0])}, which does not fit {dtype} ({info.min} to "
            f"{info.max}; {int(bad.sum())} such value(s)); "
            f"{advice or f'pass a wider dtype ({wider})'}."
        )
    return v.astype(dtype)


def check_encoding(encoding: Any, name: str = "encoding") -> str:
    """Return `encoding` if Python knows the codec, else raise naming `name`."""
    import codecs

    check_str(encoding, name)
    try:
        codecs.lookup(encoding)
        "a".encode(encoding)  # a codec that is not a text encoding ('rot13', 'base64') refuses
    except (LookupError, ValueError, TypeError):
        raise InputError(
            f"{name}={encoding!r} is not a known text encoding; use e.g. 'utf-8' or 'gb18030'."
        ) from None
    return str(encoding)


def as_positions(indices: Any, name: str) -> np.ndarray:
    """Return `indices` (positions: ints, or integral floats) as a 1-D int64 array.

    Raises a TypeError naming `name` for values that are not numbers, and an InputError
    for NaN, infinite or fractional positions and for nested lists of unequal length.
    """
    try:
        a = np.asarray(indices)
    except ValueError:
        raise InputError(f"{name} must be a 1-D array of positions, got nested lists.") from None
    if a.dtype.kind == "O" and a.size:
        if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in a.flat):
            raise InputTypeError(f"{name} must hold integer positions, got {indices!r:.80}.")
        a = a.astype(np.float64)
    if a.dtype.kind == "b" or (a.dtype.kind not in "iuf" and a.size):
        raise InputTypeError(f"{name} must hold integer positions, got dtype {a.dtype}.")
    if a.dtype.kind == "f":
        if not np.isfinite(a).all() or (a != np.round(a)).any():
            raise InputError(f"{name} must hold whole-number positions, got {indices!r:.80}.")
        if a.size and np.abs(a).max() >= 2**63:
            raise InputError(f"{name} holds positions outside the int64 range.")
    if a.dtype.kind == "u" and a.size and a.max() > _INT64_MAX:
        raise InputError(f"{name} holds positions outside the int64 range.")
    return a.astype(np.int64).reshape(-1)


def as_array(values: Any, name: str, dtype: Any = None) -> np.ndarray:
    """``np.asarray(values, dtype)``, with errors that name `name`.

    Ragged nested lists (and strings that are not numbers, for a numeric `dtype`) raise
    an InputError; values numpy cannot convert at all (a complex number for a float
    dtype, an object) raise a TypeError.
    """
    try:
        return np.asarray(values, dtype=dtype)
    except ValueError as exc:
        raise InputError(
            f"{name} must be a rectangular array{'' if dtype is None else ' of numbers'}, "
            f"got {shorten(values)} ({exc})."
        ) from None
    except TypeError:
        raise InputTypeError(
            f"{name} must hold {'values' if dtype is None else 'real numbers'}, got "
            f"{shorten(values)}."
        ) from None


_PACKAGE_DIR = __import__("os").path.dirname(__import__("os").path.abspath(__file__))


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the user's line.

    Call it in the argument list of :func:`warnings.warn`: it counts the frames from the
    function that warns out to the first frame outside the filmreco package (the user's
    code, a notebook cell, a test), however deep inside filmreco the warning is raised and
    whichever public function the user called (as pandas' ``find_stack_level`` does).

    Examples
    --------
    >>> import warnings
    >>> def outside():
    ...     return user_stacklevel()
    >>> outside()
    1
    """
    import sys

    frame = sys._getframe(1)
    level = 1
    prefix = _PACKAGE_DIR + __import__("os").sep
    while frame.f_back is not None and frame.f_code.co_filename.startswith(prefix):
        frame = frame.f_back
        level += 1
    return level


def plain_reprs(text: str) -> str:
    """`text` with numpy's scalar reprs replaced by the values they hold.

    numpy 2 writes ``np.float32(-1.0)`` where users expect ``-1.0``; reprs of estimators
    (scikit-learn prints their parameters with :func:`repr`) go through this.

    Examples
    --------
    >>> plain_reprs("EASE(regularization=np.float32(10.0), name=np.str_('a'))")
    "EASE(regularization=10.0, name='a')"
    """
    from .exceptions import _plain_numbers

    return _plain_numbers(text)
