"""Exceptions and warnings raised by filmreco.

Every error also derives from the built-in exception that callers already catch, so
``except ValueError`` keeps working around filmreco calls::

    FilmrecoError(Exception)
    ├── InputError(FilmrecoError, ValueError)          bad value, shape, dtype, NaN, policy
    │   └── DuplicateError(InputError)                 a duplicate under duplicates="raise"
    ├── InputTypeError(FilmrecoError, TypeError)       an argument of the wrong type
    ├── UnknownIdError(FilmrecoError, KeyError)        an id not in an IdMap (on_unknown="raise")
    ├── FormatError(FilmrecoError, ValueError)         a file of another kind, a newer format,
    │                                                  a truncated or tampered file, a bad line
    ├── DownloadError(FilmrecoError, OSError)          a download failed or did not verify
    ├── BackendError(FilmrecoError, RuntimeError)      the joblib backend is not running
    ├── ConvergenceError(FilmrecoError, RuntimeError)  an iterative method did not converge
    └── NotSupportedError(FilmrecoError,               a method this model does not offer
                          NotImplementedError)         (e.g. explain on Popularity)

    FilmrecoWarning(UserWarning)
    └── DataWarning(FilmrecoWarning)                   data was changed under a chosen policy

A model used before ``fit`` raises :class:`sklearn.exceptions.NotFittedError`
(a ``ValueError`` and an ``AttributeError``), as every scikit-learn estimator does.
"""

from __future__ import annotations

import re

__all__ = [
    "BackendError",
    "ConvergenceError",
    "DataWarning",
    "DownloadError",
    "DuplicateError",
    "FilmrecoError",
    "FilmrecoWarning",
    "FormatError",
    "InputError",
    "InputTypeError",
    "NotSupportedError",
    "UnknownIdError",
]


class FilmrecoError(Exception):
    """Base class of every exception raised on purpose by filmreco.

    Examples
    --------
    One ``except`` clause catches every filmreco error:

    >>> from filmreco.sparse import IdMap
    >>> try:
    ...     IdMap(["ann", "bob"]).index(["eve"])
    ... except FilmrecoError as exc:
    ...     print(type(exc).__name__)
    UnknownIdError
    """

    def __str__(self) -> str:
        # numpy 2 writes np.float32(-1.0) for -1.0: never shown to users (issue 14)
        return _plain_numbers(super().__str__())


_NUMPY_SCALAR = re.compile(
    r"\bnp\.(?:float|int|uint|bool|str_|bytes_|complex)\w*\(((?:[^()]|\([^()]*\))*)\)"
)


def _plain_numbers(text: str) -> str:
    """`text` with numpy's scalar reprs (``np.int64(6119)``) replaced by their values."""
    return _NUMPY_SCALAR.sub(r"\1", text) if "np." in text else text


class InputError(FilmrecoError, ValueError):
    """An argument has the wrong value, shape or content; the message says how to fix it.

    Examples
    --------
    >>> from filmreco import Interactions
    >>> try:
    ...     Interactions.from_arrays(["ann"], ["tt1"], [float("nan")])
    ... except ValueError as exc:  # an InputError is a ValueError
    ...     print(exc)
    1 of 1 events have a NaN or infinite value (first at position 0); pass on_nan='drop' to drop them, or fix the data.
    """


class DuplicateError(InputError):
    """Duplicate entries were found where the chosen policy is ``"raise"``.

    Examples
    --------
    >>> from filmreco import Interactions
    >>> try:
    ...     Interactions.from_arrays(["ann", "ann"], ["tt1", "tt1"], duplicates="raise")
    ... except InputError as exc:
    ...     print(type(exc).__name__)
    DuplicateError
    """


class InputTypeError(FilmrecoError, TypeError):
    """An argument has the wrong type; the message names it, what it got and what it takes.

    It is a :class:`TypeError` too, so ``except TypeError`` keeps working, and a
    :class:`FilmrecoError`, so one ``except FilmrecoError`` catches every bad argument.

    Examples
    --------
    >>> import filmreco
    >>> try:
    ...     filmreco.load(None)
    ... except TypeError as exc:  # an InputTypeError is a TypeError
    ...     print(type(exc).__name__, isinstance(exc, FilmrecoError))
    InputTypeError True
    """


class UnknownIdError(FilmrecoError, KeyError):
    """One or more ids are not known to an :class:`~filmreco.sparse.IdMap`.

    Examples
    --------
    >>> from filmreco.sparse import IdMap
    >>> try:
    ...     IdMap(["ann", "bob"]).index(["eve"])
    ... except KeyError as exc:  # an UnknownIdError is a KeyError
    ...     print(exc)
    1 of the 1 ids are unknown (e.g. ['eve']); check the ids, or pass on_unknown='ignore' to drop them or 'mask' to get -1.
    """

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return _plain_numbers(str(self.args[0])) if self.args else ""


class FormatError(FilmrecoError, ValueError):
    """A file is malformed, truncated, tampered with, or of another kind or newer version.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> import filmreco
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = pathlib.Path(d) / "plain.npz"
    ...     np.savez(path, x=np.arange(3))  # an npz file, but not one filmreco wrote
    ...     try:
    ...         filmreco.load(path)
    ...     except ValueError as exc:
    ...         print(type(exc).__name__)
    FormatError
    """


class DownloadError(FilmrecoError, OSError):
    """A download failed, or the downloaded file did not match its expected checksum.

    Examples
    --------
    >>> try:
    ...     raise DownloadError("checksum mismatch")
    ... except OSError as exc:
    ...     print(type(exc).__name__)
    DownloadError
    """


class BackendError(FilmrecoError, RuntimeError):
    """The configured joblib backend is not running or cannot be reached; the message names it.

    Examples
    --------
    >>> try:
    ...     raise BackendError("no Dask client is running")
    ... except RuntimeError as exc:
    ...     print(type(exc).__name__)
    BackendError
    """


class ConvergenceError(FilmrecoError, RuntimeError):
    """An iterative method stopped at ``max_iter`` before reaching ``tol``.

    Examples
    --------
    >>> from filmreco.social import SocialGraph, diffusion_scores
    >>> g = SocialGraph.from_arrays(["a", "b", "c"], ["b", "c", "a"])
    >>> try:
    ...     diffusion_scores(g, ["a"], max_iter=1, tol=1e-12)
    ... except RuntimeError as exc:
    ...     print(type(exc).__name__)
    ConvergenceError
    """


class NotSupportedError(FilmrecoError, NotImplementedError):
    """The model does not offer this method (its scores do not support it); the message
    names the models that do.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> from filmreco.recommend import Popularity
    >>> model = Popularity().fit(Interactions.from_arrays([0, 0, 1], [0, 1, 1]))
    >>> try:
    ...     model.explain(0, 1)
    ... except NotImplementedError as exc:
    ...     print(type(exc).__name__)
    NotSupportedError
    """


class FilmrecoWarning(UserWarning):
    """Base class of the warnings issued by filmreco.

    Examples
    --------
    Silence (or turn into errors) every filmreco warning at once:

    >>> import warnings
    >>> from filmreco import Interactions
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", FilmrecoWarning)
    ...     try:
    ...         Interactions.from_arrays(["ann", "ann"], ["tt1", "tt1"])
    ...     except FilmrecoWarning as w:
    ...         print(type(w).__name__)
    DataWarning
    """


class DataWarning(FilmrecoWarning):
    """Input data was changed (dropped, merged, clipped) under a policy the caller chose.

    Examples
    --------
    Duplicate events are merged under ``duplicates="sum"``, and the call says so:

    >>> import warnings
    >>> from filmreco import Interactions
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     X = Interactions.from_arrays(["ann", "ann"], ["tt1", "tt1"])
    >>> caught[0].category.__name__, X.nnz
    ('DataWarning', 1)
    """
