"""Exceptions and warnings raised by filmreco.

Every error also derives from the built-in exception that callers already catch, so
``except ValueError`` keeps working around filmreco calls::

    FilmrecoError(Exception)
    ├── InputError(FilmrecoError, ValueError)          bad value, shape, dtype, NaN, policy
    │   └── DuplicateError(InputError)                 a duplicate under duplicates="raise"
    ├── UnknownIdError(FilmrecoError, KeyError)        an id not in an IdMap (on_unknown="raise")
    ├── FormatError(FilmrecoError, ValueError)         a file of another kind, a newer format,
    │                                                  a truncated or tampered file, a bad line
    ├── DownloadError(FilmrecoError, OSError)          a download failed or did not verify
    ├── BackendError(FilmrecoError, RuntimeError)      the joblib backend is not running
    └── ConvergenceError(FilmrecoError, RuntimeError)  an iterative method did not converge

    FilmrecoWarning(UserWarning)
    └── DataWarning(FilmrecoWarning)                   data was changed under a chosen policy

A model used before ``fit`` raises :class:`sklearn.exceptions.NotFittedError`
(a ``ValueError`` and an ``AttributeError``), as every scikit-learn estimator does.
"""

from __future__ import annotations

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
    "UnknownIdError",
]


class FilmrecoError(Exception):
    """Base class of every exception raised on purpose by filmreco.

    Examples
    --------
    >>> try:
    ...     raise FormatError("saved by a newer filmreco")
    ... except FilmrecoError as exc:  # catches every filmreco error
    ...     print(type(exc).__name__)
    FormatError
    """


class InputError(FilmrecoError, ValueError):
    """An argument has the wrong value, shape or content; the message says how to fix it.

    Examples
    --------
    >>> try:
    ...     raise InputError("n must be a positive int, got 0.")
    ... except ValueError as exc:
    ...     print(type(exc).__name__)
    InputError
    """


class DuplicateError(InputError):
    """Duplicate entries were found where the chosen policy is ``"raise"``.

    Examples
    --------
    >>> try:
    ...     raise DuplicateError("2 duplicate (user, item) pairs")
    ... except InputError as exc:
    ...     print(type(exc).__name__)
    DuplicateError
    """


class UnknownIdError(FilmrecoError, KeyError):
    """One or more ids are not known to an :class:`~filmreco.sparse.IdMap`.

    Examples
    --------
    >>> try:
    ...     raise UnknownIdError("'u9' is not a known user id")
    ... except KeyError as exc:
    ...     print(type(exc).__name__)
    UnknownIdError
    """

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class FormatError(FilmrecoError, ValueError):
    """A file is malformed, truncated, tampered with, or of another kind or newer version.

    Examples
    --------
    >>> try:
    ...     raise FormatError("not a filmreco file")
    ... except ValueError as exc:
    ...     print(type(exc).__name__)
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
    >>> try:
    ...     raise ConvergenceError("stopped at max_iter=100")
    ... except RuntimeError as exc:
    ...     print(type(exc).__name__)
    ConvergenceError
    """


class FilmrecoWarning(UserWarning):
    """Base class of the warnings issued by filmreco.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("dropped 2 duplicate pairs", DataWarning)
    >>> issubclass(caught[0].category, FilmrecoWarning)
    True
    """


class DataWarning(FilmrecoWarning):
    """Input data was changed (dropped, merged, clipped) under a policy the caller chose.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("dropped 2 duplicate pairs", DataWarning)
    >>> issubclass(caught[0].category, DataWarning)
    True
    """
