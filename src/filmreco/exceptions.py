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
    """Base class of every exception raised on purpose by filmreco."""


class InputError(FilmrecoError, ValueError):
    """An argument has the wrong value, shape or content; the message says how to fix it."""


class DuplicateError(InputError):
    """Duplicate entries were found where the chosen policy is ``"raise"``."""


class UnknownIdError(FilmrecoError, KeyError):
    """One or more ids are not known to an :class:`~filmreco.sparse.IdMap`."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class FormatError(FilmrecoError, ValueError):
    """A file is malformed, truncated, tampered with, or of another kind or newer version."""


class DownloadError(FilmrecoError, OSError):
    """A download failed, or the downloaded file did not match its expected checksum."""


class BackendError(FilmrecoError, RuntimeError):
    """The configured joblib backend is not running or cannot be reached; the message names it."""


class ConvergenceError(FilmrecoError, RuntimeError):
    """An iterative method stopped at ``max_iter`` before reaching ``tol``."""


class FilmrecoWarning(UserWarning):
    """Base class of the warnings issued by filmreco."""


class DataWarning(FilmrecoWarning):
    """Input data was changed (dropped, merged, clipped) under a policy the caller chose."""
