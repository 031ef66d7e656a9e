"""The :class:`Interactions` container: a users x items CSR matrix with its id maps."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._persist import Saveable, csr_from_arrays, member
from .._validation import (
    cast_values,
    check_bool,
    check_csr,
    check_dtype,
    check_forwarded,
    check_option,
    check_real,
    lookup_option,
    shorten,
)
from ..exceptions import DuplicateError, InputError, InputTypeError
from ..sparse import DUPLICATES, IdMap, build_csr, row_indices
from ..sparse._build import labelled_csr, merged_overflow
from . import _assemble, _csvstream
from ._assemble import assemble_csr
from ._clean import as_timestamps, clean_events, event_codes_array, raw_array, warn_data
from ._ops import (
    aligned_array,
    as_idmap,
    check_csv_args,
    check_take,
    extra_pattern,
    filter_entries,
    frame_columns,
    pattern,
    read_csv_columns,
    require_seen_members,
    seen_from_arrays,
    seen_or_none,
    seen_to_arrays,
    subpattern_positions,
    take_cols,
    take_rows,
    union_pattern,
)

__all__ = ["Interactions"]

logger = logging.getLogger("filmreco")
_ON_NAN = ("raise", "drop")
_ON_UNKNOWN = ("raise", "ignore")
_DROP = "check the ids, or pass on_unknown='ignore' to drop them"


def _assembled(
    parts: tuple[Any, ...], shape: tuple[int, int], duplicates: str
) -> tuple[sp.csr_array, np.ndarray | None, int]:
    """The matrix, timestamps and event count from :func:`assemble_csr`'s (or
    :func:`merge_csr`'s) result; repeated pairs raise under ``duplicates="raise"``."""
    data, indices, indptr, tstamps, (n_in, n_dup, r, c, k) = parts
    if duplicates == "raise" and n_dup:
        raise DuplicateError(
            f"{n_dup} (row, col) pairs occur more than once, e.g. ({r}, {c}) {k} "
            f"times; choose duplicates= one of "
            f"{[d for d in DUPLICATES if d != 'raise']}. (Rows are users, columns "
            "items; find them with Interactions.to_arrays() after building with "
            "duplicates='count'.)"
        )
    X = sp.csr_array((data, indices, indptr), shape=shape)
    X.has_canonical_format = True
    return X, tstamps, n_in


#: Keyword arguments of ``from_csv`` (for ``from_arrays``) the block reader handles.
_STREAM_KW = frozenset({"duplicates", "on_nan", "on_unknown", "dtype", "nonnegative"})


def _in_time_order(users: Any, items: Any, values: Any, timestamps: Any, on_nan: str) -> tuple:
    """The events in time order (ties in input order), so that ``duplicates="last"`` keeps
    the latest event of a (user, item), its value with its timestamp. Left as given when a
    missing timestamp is to be reported by position (``on_nan="raise"``)."""
    n = len(raw_array(users, "user_ids"))
    secs = as_timestamps(timestamps, "timestamps", n)
    if on_nan == "raise" and not np.isfinite(secs).all():
        return users, items, values, timestamps
    order = np.argsort(secs, kind="stable")  # NaN last: dropped by clean_events anyway
    if (order == np.arange(n)).all():
        return users, items, values, secs  # converted once

    def take(values: Any, name: str) -> Any:
        return None if values is None else raw_array(values, name)[order]

    return take(users, "user_ids"), take(items, "item_ids"), take(values, "values"), secs[order]


def _streamable(kw: dict[str, Any]) -> np.dtype[Any] | None:
    """The matrix dtype when ``from_csv``'s `kw` let it read a file in blocks, else None.

    Only valid options with no fixed id map qualify (an invalid one is reported after the
    file is read, as before), and a float32/float64 matrix (the compiled assembly's).
    """
    if not set(kw) <= _STREAM_KW | {"user_map", "item_map"}:
        return None
    if kw.get("user_map") is not None or kw.get("item_map") is not None:
        return None
    opts = (
        (kw.get("duplicates", "sum"), DUPLICATES),
        (kw.get("on_nan", "raise"), _ON_NAN),
        (kw.get("on_unknown", "raise"), _ON_UNKNOWN),
    )
    for val, allowed in opts:
        if not isinstance(val, str) or val not in allowed:
            return None
    if not isinstance(kw.get("nonnegative", False), bool):
        return None
    try:
        dt = check_dtype(kw.get("dtype", np.float32))
    except (InputError, InputTypeError):
        return None
    return dt if dt in (np.float32, np.float64) else None


def _entry(users: IdMap, items: IdMap, row: int, col: int) -> str:
    """An entry named by its ids, for messages."""
    return f"user {shorten(users.ids[row])}, item {shorten(items.ids[col])}"


def check_range(vals: np.ndarray | None, dtype: np.dtype[Any]) -> None:
    """Raise when a finite float value overflows `dtype` (float32 or float64), before the
    compiled assembly casts it to inf (its two ends are enough to tell)."""
    if vals is None or vals.dtype.kind != "f" or vals.dtype.itemsize <= dtype.itemsize:
        return
    if vals.size:
        with np.errstate(over="ignore"):
            ends = np.array([vals.min(), vals.max()]).astype(dtype)
        if not np.isfinite(ends).all():
            cast_values(vals, dtype, "values")  # raises, naming the value


def check_sums(X: sp.csr_array, users: IdMap, items: IdMap) -> None:
    """Raise when merged duplicates summed beyond the range of a float matrix (the values
    themselves are finite and fit it, so an infinity can only be such a sum)."""
    d = X.data
    if d.size and not (np.isfinite(d.min()) and np.isfinite(d.max())):
        p = int(np.flatnonzero(~np.isfinite(d))[0])
        row = int(np.searchsorted(X.indptr, p, side="right")) - 1
        at = _entry(users, items, row, int(X.indices[p]))
        raise merged_overflow(float("inf"), X.dtype, at)


def _warn_merged(X: sp.csr_array, n_in: int, duplicates: str) -> None:
    """Warn that `n_in` events became fewer entries (when they did)."""
    if X.nnz < n_in:
        warn_data(
            f"merged {n_in - X.nnz} duplicate events: {n_in} events became "
            f"{X.nnz} (user, item) entries (duplicates={duplicates!r}).",
            stacklevel=3,
        )


# the column arguments of from_csv / from_frame, and the from_arrays arguments they fill
_COLUMNS = ("user", "item", "value", "timestamp")
_FILLED = ("user_ids", "item_ids", "values", "timestamps")
_CSV_ARGS = (*_COLUMNS, "sep", "encoding", "id_type", "header", "names", "comments", "on_error")


def _positions(ids: IdMap, wanted: Any, on_unknown: str, name: str) -> np.ndarray:
    """Positions of the ids `wanted` (a subset's order), refusing a repeated id by name."""
    idx = ids.index(wanted, on_unknown=on_unknown, name=name, advice=_DROP)
    uniq, first, counts = np.unique(idx, return_index=True, return_counts=True)
    if uniq.size != idx.size:
        j = int(np.argmax(counts > 1))
        raise InputError(
            f"{name} must not repeat an id, but {shorten(ids.ids[idx[first[j]]])} appears "
            f"{int(counts[j])} times; pass each id once (e.g. pandas.unique(...))."
        )
    return idx


class Interactions(Saveable):
    """Users x items interactions: a canonical CSR matrix plus the ids of its rows and columns.

    Build one with :meth:`from_arrays` (one row per event, external ids),
    :meth:`from_frame`, :meth:`from_csv`, or directly from a matrix. The container does not
    change after construction; methods return new containers.

    Parameters
    ----------
    matrix : scipy sparse matrix or array
        ``(n_users, n_items)``; ``csr_array``, ``csr_matrix`` or any other scipy sparse
        format is accepted and stored as a canonical ``csr_array`` (sorted indices,
        duplicates summed). NaN and infinity are refused.
    user_ids, item_ids : IdMap or array-like, optional
        External ids of the rows and columns; ``0..n-1`` when omitted.
    timestamps, ratings : array-like, optional
        One float per stored entry, aligned with ``matrix.data``; only allowed when
        `matrix` is already canonical CSR (otherwise the alignment would be ambiguous).
    seen : scipy sparse matrix or array, optional
        ``(n_users, n_items)``; its stored entries (whatever their value) are (user, item)
        pairs the user rated or watched although they are not in `matrix`, e.g. ratings
        below a positive threshold. :attr:`seen` is their union with the entries of
        `matrix`. Omitted: every seen pair is in `matrix`.
    dtype : numpy dtype, default=numpy.float32
        dtype of the stored values: bool, an int or uint type, float32 or float64. A value
        it cannot hold (1e300 in float32, 300 in int8) raises InputError.

    Attributes
    ----------
    matrix : scipy.sparse.csr_array
    user_ids, item_ids : IdMap
    timestamps : numpy.ndarray of float64 or None
        Aligned with ``matrix.data``; for merged duplicate events, the latest timestamp.
    ratings : numpy.ndarray of float64 or None
        The explicit values kept by :meth:`to_implicit`, aligned with ``matrix.data``.
    seen : scipy.sparse.csr_array of bool
        Every (user, item) pair the user is known to have rated or watched: the entries of
        `matrix` plus those :meth:`to_implicit` dropped as not positive.

    Notes
    -----
    An empty container is allowed: ``Interactions.from_arrays([], [])`` has shape (0, 0).
    Explicit zeros given as values are stored (they stay aligned with timestamps).

    *Positive* and *seen* are two sets. The matrix holds the positives, what models learn
    from; :attr:`seen` adds what the user rated below the threshold of :meth:`to_implicit`.
    A recommender fitted on the container never recommends a seen film
    (``filter_seen=True``), and every method that derives a container (subsets, weighting,
    :meth:`to_implicit` again) carries the seen set along, re-indexed like the matrix. The
    splitters of :mod:`filmreco.recommend.evaluation` are the exception: their parts are
    positives only, so the evaluation protocol filters the training positives.

    Examples
    --------
    >>> X = Interactions.from_arrays(["ann", "bob", "ann"], ["tt1", "tt1", "tt2"], [4, 2, 5])
    >>> X
    Interactions(n_users=2, n_items=2, nnz=3, density=0.75)
    >>> X.matrix.toarray().tolist()
    [[4.0, 5.0], [2.0, 0.0]]
    >>> Y = X.to_implicit(4)
    >>> Y.matrix.toarray().tolist()
    [[1.0, 1.0], [0.0, 0.0]]
    >>> Y.seen.toarray().tolist()  # bob's 2 stars: not positive, but seen
    [[True, True], [True, False]]
    """

    __slots__ = ("_item_ids", "_matrix", "_ratings", "_seen", "_timestamps", "_user_ids")
    _persist_kind = "Interactions"
    #: Newest format version read (2 adds the seen set; see ``_save_version``).
    _persist_version = 2

    def __init__(
        self,
        matrix: Any,
        user_ids: Any = None,
        item_ids: Any = None,
        *,
        timestamps: Any = None,
        ratings: Any = None,
        seen: Any = None,
        dtype: Any = np.float32,
    ) -> None:
        if not sp.issparse(matrix):
            raise InputTypeError(
                f"matrix must be a scipy.sparse matrix or array, got {type(matrix).__name__}; "
                "use Interactions.from_arrays(user_ids, item_ids, values) for event lists."
            )
        if (timestamps is not None or ratings is not None) and not (
            matrix.format == "csr" and matrix.has_canonical_format
        ):
            raise InputError(
                "timestamps/ratings are aligned with matrix.data, so matrix must be a canonical "
                "CSR (sorted indices, no duplicates); use Interactions.from_arrays(...) instead."
            )
        X = check_csr(matrix, "matrix", dtype=dtype, copy=True)
        self._matrix = X
        self._user_ids = as_idmap(user_ids, X.shape[0], "user_ids")
        self._item_ids = as_idmap(item_ids, X.shape[1], "item_ids")
        self._timestamps = aligned_array(timestamps, X.nnz, "timestamps")
        self._ratings = aligned_array(ratings, X.nnz, "ratings")
        self._seen = None
        if seen is not None:
            if not sp.issparse(seen):
                raise InputTypeError(
                    f"seen must be a scipy.sparse matrix or array, got {type(seen).__name__}; "
                    "its stored entries are the (user, item) pairs seen outside `matrix`."
                )
            S = check_csr(seen, "seen")
            if S.shape != X.shape:
                raise InputError(
                    f"seen has shape {S.shape} but matrix has shape {X.shape}; give one "
                    "(user, item) cell per pair, over the same users and items."
                )
            self._seen = seen_or_none(union_pattern(pattern(X), S), X)

    @classmethod
    def _trusted(
        cls,
        matrix: sp.csr_array,
        user_ids: IdMap,
        item_ids: IdMap,
        timestamps: np.ndarray | None = None,
        ratings: np.ndarray | None = None,
        seen: sp.csr_array | None = None,
    ) -> Interactions:
        """A container of parts already checked; `seen` a boolean superset of `matrix`."""
        self = cls.__new__(cls)
        self._matrix, self._user_ids, self._item_ids = matrix, user_ids, item_ids
        for a in (timestamps, ratings):
            if a is not None:
                a.setflags(write=False)
        self._timestamps, self._ratings = timestamps, ratings
        self._seen = seen_or_none(seen, matrix)
        return self

    # properties ---------------------------------------------------------------------
    @property
    def matrix(self) -> sp.csr_array:
        """The ``(n_users, n_items)`` canonical CSR array (do not modify it in place)."""
        return self._matrix

    @property
    def user_ids(self) -> IdMap:
        """External user ids; index order = matrix rows."""
        return self._user_ids

    @property
    def item_ids(self) -> IdMap:
        """External item ids; index order = matrix columns."""
        return self._item_ids

    @property
    def timestamps(self) -> np.ndarray | None:
        """Float64 timestamps aligned with ``matrix.data``, or None."""
        return self._timestamps

    @property
    def ratings(self) -> np.ndarray | None:
        """Explicit ratings kept by :meth:`to_implicit`, aligned with ``matrix.data``, or None."""
        return self._ratings

    @property
    def seen(self) -> sp.csr_array:
        """Every (user, item) pair the user rated or watched, as a boolean CSR array.

        The entries of :attr:`matrix` (the positives) plus those :meth:`to_implicit`
        dropped (or given as ``seen=``); equal to the matrix's entries when nothing was
        dropped. Recommenders fitted on this container never return a seen item with
        ``filter_seen=True``. Read-only.

        Examples
        --------
        >>> X = Interactions.from_arrays(["a", "a", "b"], [1, 2, 2], [5, 1, 4])
        >>> Y = X.to_implicit(4)
        >>> Y.nnz, Y.seen.nnz
        (2, 3)
        >>> Y.take_users([0]).seen.toarray().tolist()
        [[True, True]]
        """
        if self._seen is not None:
            return self._seen
        S = pattern(self._matrix)
        for a in (S.data, S.indices, S.indptr):
            a.setflags(write=False)
        return S

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_users, n_items)``."""
        return (int(self._matrix.shape[0]), int(self._matrix.shape[1]))

    @property
    def n_users(self) -> int:
        """Number of users (rows)."""
        return self.shape[0]

    @property
    def n_items(self) -> int:
        """Number of items (columns)."""
        return self.shape[1]

    @property
    def nnz(self) -> int:
        """Number of stored entries."""
        return int(self._matrix.nnz)

    @property
    def density(self) -> float:
        """``nnz / (n_users * n_items)`` (0 for an empty matrix)."""
        size = self.n_users * self.n_items
        return self.nnz / size if size else 0.0

    def __repr__(self) -> str:
        return (
            f"Interactions(n_users={self.n_users}, n_items={self.n_items}, nnz={self.nnz}, "
            f"density={self.density:.4g})"
        )

    # construction -------------------------------------------------------------------
    @classmethod
    def from_arrays(
        cls,
        user_ids: Any,
        item_ids: Any,
        values: Any = None,
        *,
        timestamps: Any = None,
        duplicates: str = "sum",
        on_nan: str = "raise",
        user_map: IdMap | None = None,
        item_map: IdMap | None = None,
        on_unknown: str = "raise",
        dtype: Any = np.float32,
        nonnegative: bool = False,
    ) -> Interactions:
        """Build from one row per event, with explicit cleaning policies.

        Parameters
        ----------
        user_ids, item_ids : array-like
            External ids (ints, strings, ...), one per event.
        values : array-like of float, optional
            Value of each event (rating, count, watch time); 1.0 per event when omitted.
        timestamps : array-like of float, datetime64 or str, optional
            Time of each event (datetime64 and dates are converted to seconds since the
            epoch; date strings as :meth:`from_csv` reads them: ISO, with fractions of a
            second and an offset such as ``+08:00`` or ``Z`` converted to UTC, or
            year-first forms such as ``"2023/1/5 14:03"`` and ``"2023年1月5日"``; None,
            NaN, pandas.NA or "" missing). Numbers written as strings (``"1577836800"``)
            are seconds; a column mixing them with dates raises InputError.
        duplicates : {"sum", "max", "last", "count", "raise"}, default="sum"
            How to merge events on the same (user, item), as in
            :func:`filmreco.sparse.build_csr`; merged events get the latest timestamp. With
            `timestamps`, ``"last"`` is the latest event in time (ties: the later in input
            order), its value kept with its timestamp (the events are read in time order, so
            new ids are numbered in that order too). Merging warns with
            :class:`~filmreco.exceptions.DataWarning` stating the count.
        on_nan : {"raise", "drop"}, default="raise"
            Events with a NaN/infinite value or timestamp, or a missing (NaN, None,
            pandas.NA or NaT) id: raise
            :class:`~filmreco.exceptions.InputError`, or drop them with a DataWarning.
        user_map, item_map : IdMap, optional
            Fixed id maps (e.g. a catalogue's items); ids not in them follow `on_unknown`.
            When omitted, maps are built from the data in order of first appearance.
        on_unknown : {"raise", "ignore"}, default="raise"
            Ids missing from a fixed map: raise :class:`~filmreco.exceptions.UnknownIdError`,
            or drop those events with a DataWarning.
        dtype : numpy dtype, default=numpy.float32
            dtype of the matrix values: bool, an int or uint type, float32 or float64
            (float16 is refused: scipy.sparse cannot hold it). A value, or a sum of merged
            duplicates, that it cannot hold raises InputError rather than being wrapped
            or made infinite.
        nonnegative : bool, default=False
            If True, negative values raise InputError.

        Returns
        -------
        Interactions

        Raises
        ------
        InputError
            Length mismatch, NaN under ``on_nan="raise"``, negative values when
            `nonnegative`, an unknown policy name, an unsupported `dtype`, or a value or
            merged sum `dtype` cannot hold (1e300 in float32: pass ``dtype=np.float64`` or
            rescale; 300 or 0.5 in int8), or timestamps mixing dates and numbers.
        DuplicateError
            Repeated (user, item) pairs under ``duplicates="raise"``.
        UnknownIdError
            Ids not in `user_map`/`item_map` under ``on_unknown="raise"``.

        Examples
        --------
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always")
        ...     X = Interactions.from_arrays([1, 1, 2], [7, 7, 8], [3.0, 5.0, 1.0],
        ...                                  timestamps=[10, 30, 20], duplicates="max")
        >>> str(w[0].message)
        "merged 1 duplicate events: 3 events became 2 (user, item) entries (duplicates='max')."
        >>> X.matrix.data.tolist(), X.timestamps.tolist()
        ([5.0, 1.0], [30.0, 20.0])
        >>> Interactions.from_arrays([], []).shape
        (0, 0)
        """
        check_option(duplicates, DUPLICATES, "duplicates")
        check_option(on_nan, _ON_NAN, "on_nan")
        check_option(on_unknown, _ON_UNKNOWN, "on_unknown")
        if duplicates == "last" and timestamps is not None:
            user_ids, item_ids, values, timestamps = _in_time_order(
                user_ids, item_ids, values, timestamps, on_nan
            )
        umap, imap, rows, cols, vals, ts = clean_events(
            user_ids,
            item_ids,
            values,
            timestamps,
            on_nan=on_nan,
            user_map=user_map,
            item_map=item_map,
            on_unknown=on_unknown,
            nonnegative=nonnegative,
        )
        shape = (len(umap), len(imap))
        dt = check_dtype(dtype)
        if dt in (np.float32, np.float64) and rows.source.size >= _assemble.MIN_EVENTS:
            # compiled counting sort into the CSR's own arrays (see data/_assemble.py)
            check_range(vals, dt)
            parts = assemble_csr(rows, cols, vals, ts, shape=shape, duplicates=duplicates, dtype=dt)
            X, tstamps, n_in = _assembled(parts, shape, duplicates)
            check_sums(X, umap, imap)
        else:  # few events, or bool / int values: the coordinate route (same result)
            r_all, c_all = event_codes_array(rows), event_codes_array(cols)
            keep = (r_all >= 0) & (c_all >= 0)
            if not keep.all():
                r_all, c_all = r_all[keep], c_all[keep]
                vals = None if vals is None else vals[keep]
                ts = None if ts is None else ts[keep]
            n_in = r_all.size
            v = vals
            if vals is not None and dt.kind == "f":  # as the compiled route converts them
                v = np.asarray(vals, dtype=np.float64)
            try:
                X = labelled_csr(
                    r_all, c_all, v, shape=shape, duplicates=duplicates, dtype=dt,
                    where=lambda r, c: _entry(umap, imap, r, c),
                )  # fmt: skip
            except DuplicateError as exc:
                raise DuplicateError(
                    f"{exc} (Rows are users, columns items; find them with "
                    "Interactions.to_arrays() after building with duplicates='count'.)"
                ) from None
            tstamps = None
            if ts is not None:
                tstamps = build_csr(
                    r_all, c_all, ts, shape=shape, duplicates="max", dtype=np.float64
                )
                tstamps = tstamps.data
        _warn_merged(X, n_in, duplicates)
        return cls._trusted(X, umap, imap, tstamps)

    @classmethod
    def from_frame(
        cls,
        df: Any,
        user: str = "user",
        item: str = "item",
        value: str | None = None,
        timestamp: str | None = None,
        **kw: Any,
    ) -> Interactions:
        """Build from a pandas DataFrame (pandas is needed only by the caller).

        Parameters
        ----------
        df : pandas.DataFrame
        user, item : str
            Column names of the user and item ids.
        value, timestamp : str, optional
            Column names of the values and timestamps (datetime columns are converted to
            seconds since the epoch).
        **kw
            Passed to :meth:`from_arrays` (``duplicates``, ``on_nan``, ``user_map`` ...).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"user": ["a", "b"], "item": [1, 2], "stars": [4, 5]})
        >>> Interactions.from_frame(df, value="stars").matrix.toarray().tolist()
        [[4.0, 0.0], [0.0, 5.0]]
        """
        check_forwarded(kw, cls.from_arrays, "from_frame", _COLUMNS, _FILLED)
        c = frame_columns(
            df,
            {
                "user": (user, False),
                "item": (item, False),
                "value": (value, True),
                "timestamp": (timestamp, True),
            },
        )
        return cls.from_arrays(c["user"], c["item"], c["value"], timestamps=c["timestamp"], **kw)

    @classmethod
    def from_csv(
        cls,
        path: Any,
        user: str | int = "user",
        item: str | int = "item",
        value: str | int | None = None,
        timestamp: str | int | None = None,
        sep: str | None = ",",
        *,
        encoding: str = "utf-8",
        id_type: type | None = None,
        header: int | None = 0,
        names: Any = None,
        comments: str = "",
        on_error: str = "raise",
        **kw: Any,
    ) -> Interactions:
        """Read a delimited text file, with or without a header row (no pandas needed).

        Parameters
        ----------
        path : str, path-like, file object or bytes
            The file; gzip/bz2/xz compression is detected from its first bytes.
        user, item, value, timestamp : str or int
            The columns to read, by name (in the header or `names`) or by position
            (0-based); `value` and `timestamp` are optional. A name the header gives two
            columns is refused (pick one by position). Timestamps are numbers (seconds)
            or dates, converted to seconds since the epoch: ISO (``2000-07-12``,
            ``2000-07-12 10:00:00.5``, an offset such as ``+08:00`` or ``Z`` converted to
            UTC) or the year-first forms of Chinese and spreadsheet exports
            (``2000/7/12 10:00``, ``2000.07.12``, ``2000年7月12日``); day-first and
            month-first dates (``12/7/2000``) are refused as ambiguous, and so is a column
            mixing numbers and dates (whatever `on_error`).
        sep : str or None, default=","
            Field separator (any string: ``"\\t"``, ``"::"``, ``";"``); None splits on runs
            of blanks. Quoted fields are supported for ``","``.
        encoding : str, default="utf-8"
            Text encoding; Chinese files from Excel or Windows tools are often
            ``"gb18030"`` (or ``"big5"``), which a decoding error suggests.
        id_type : {None, int, str}, default=None
            How to read ids: None reads them as ints when every id of the column is an
            integer, else as strings.
        header : {0, None}, default=0
            0: the first line names the columns (pandas' default). None: the file has no
            header line (the CiaoDVD, FilmTrust and Douban rating files); name the
            columns with `names` or pick them by position.
        names : list of str, optional
            One name per field, as in :func:`pandas.read_csv`: with ``header=None`` they
            name the columns, with ``header=0`` they replace the header line.
        comments : str, default=""
            Characters that start a comment line (judged on its first non-blank
            character), e.g. ``"#"``; blank lines are always skipped.
        on_error : {"raise", "coerce", "drop"}, default="raise"
            A cell that does not convert (an id under ``id_type=int``, a value, a
            timestamp): raise :class:`~filmreco.exceptions.FormatError` naming the line,
            the record and the value; make a bad value or timestamp NaN ("coerce"; it then
            follows `on_nan`); or skip the line ("drop"). A line whose id is bad is
            skipped under "coerce" too. Both warn with a
            :class:`~filmreco.exceptions.DataWarning` counting the cells.
        **kw
            Passed to :meth:`from_arrays` (``duplicates``, ``on_nan``, ``user_map`` ...);
            any other keyword raises a TypeError naming it before the file is read.

        Raises
        ------
        FormatError
            A malformed line, a bad cell under ``on_error="raise"`` (the message names the
            file and line number), bytes that are not `encoding` (the message names the
            codecs that fit), a garbled header, a header naming a requested column twice,
            timestamps mixing dates and numbers, or a UTF-16/UTF-32 file (read it through
            ``open(path, encoding="utf-16")``, or save it as UTF-8).
        InputError
            A requested column is not in the header (or not a position of the lines).

        Notes
        -----
        Empty timestamp fields are NaN and follow `on_nan`; when *every* timestamp is
        empty the column is treated as absent (``timestamps=None``), since it then carries
        no information (the shared ml-1m copy is such a file).

        A plain numeric file of 8 MiB or more (one single-byte separator, no quotes,
        integer ids, decimal numbers) is read in two passes over blocks of a few MiB: the
        id maps and each user's number of events first, then every event straight into the
        matrix's own arrays. It holds little more than the final matrix at any time (at 20M
        events the extra peak is under 2x the final CSR) and gives the same result as
        reading the file whole. A source that cannot be read twice (a pipe, a text-mode
        file object, a zip archive) is read whole, as are files outside the plain case
        and calls with ``user_map``/``item_map`` or a non-float `dtype`.

        Examples
        --------
        >>> X = Interactions.from_csv(b"u,i,r,t\\n1,5,4.5,\\n2,5,3,\\n", "u", "i", "r", "t")
        >>> X.shape, X.timestamps is None
        ((2, 1), True)

        A file without a header, with a comment line and dates (CiaoDVD's layout):

        >>> text = b"# user,movie,genre,review,rating,date\\n1,7,1,1,5,2000-07-12\\n2,7,1,2,4,2001-01-01\\n"
        >>> X = Interactions.from_csv(text, user=0, item=1, value=4, timestamp=5,
        ...                           header=None, comments="#")
        >>> X.matrix.toarray().tolist(), X.timestamps.tolist()
        ([[5.0], [4.0]], [963360000.0, 978307200.0])
        """
        check_forwarded(kw, cls.from_arrays, "from_csv", _CSV_ARGS, _FILLED)
        wanted = {"user": user, "item": item, "value": value, "timestamp": timestamp}
        has_header = check_csv_args(wanted, id_type=id_type, on_error=on_error, header=header)
        # "last" with times means latest in time: from_arrays orders the events first
        last_in_time = timestamp is not None and kw.get("duplicates") == "last"
        dt = None if last_in_time else _streamable(kw)
        if dt is not None:  # a plain numeric file: read in blocks (see data/_csvstream.py)
            got = _csvstream.read_events(
                path,
                wanted,
                sep=sep,
                encoding=encoding,
                id_type=id_type,
                has_header=has_header,
                columns=names,
                comments=comments,
                duplicates=kw.get("duplicates", "sum"),
                dtype=dt,
                nonnegative=kw.get("nonnegative", False),
            )
            if got is not None:
                parts, umap, imap = got
                duplicates = kw.get("duplicates", "sum")
                X, tstamps, n_in = _assembled(parts, (len(umap), len(imap)), duplicates)
                _warn_merged(X, n_in, duplicates)
                return cls._trusted(X, umap, imap, tstamps)
        c = read_csv_columns(
            path,
            wanted,
            sep=sep,
            encoding=encoding,
            id_type=id_type,
            header=header,
            columns=names,
            comments=comments,
            on_error=on_error,
        )
        n_bad = c["n_dropped"] + c["n_coerced"]
        if n_bad:
            done = []
            if c["n_dropped"]:
                done.append(f"skipped {c['n_dropped']} line(s)")
            if c["n_coerced"]:
                done.append(f"made {c['n_coerced']} value(s) NaN (they follow on_nan)")
            warn_data(
                f"{' and '.join(done)} with a cell that does not convert (on_error={on_error!r}).",
                stacklevel=3,
            )
        return cls.from_arrays(c["user"], c["item"], c["value"], timestamps=c["timestamp"], **kw)

    # conversions --------------------------------------------------------------------
    def to_arrays(self) -> tuple[np.ndarray, ...]:
        """``(user_ids, item_ids, values[, timestamps])`` of every stored entry, external ids.

        The timestamps are included only when present. Entries are in CSR order.
        """
        X = self._matrix
        out: tuple[np.ndarray, ...] = (
            self._user_ids.to_ids(row_indices(X)),
            self._item_ids.to_ids(X.indices),
            X.data.copy(),
        )
        if self._timestamps is not None:
            out = (*out, self._timestamps.copy())
        return out

    def to_frame(self) -> Any:
        """A pandas DataFrame with columns user, item, value (+ timestamp, rating if present)."""
        pd = importlib.import_module("pandas")
        u, i, v = self.to_arrays()[:3]
        cols: dict[str, Any] = {"user": u, "item": i, "value": v}
        if self._timestamps is not None:
            cols["timestamp"] = self._timestamps.copy()
        if self._ratings is not None:
            cols["rating"] = self._ratings.copy()
        return pd.DataFrame(cols)

    def to_implicit(self, threshold: float) -> Interactions:
        """Keep entries with value >= `threshold` as 1.0; their values go to :attr:`ratings`.

        When :attr:`ratings` is already set (a second call), the threshold applies to those
        original ratings, not to the 1.0 values. The entries dropped stay in :attr:`seen`:
        they are not positive, but the user has seen those films, so a recommender
        fitted on the result does not recommend them.

        This is the requested transformation, not a cleaning side effect, so it does not
        warn; the number of entries removed is logged at INFO level.

        Examples
        --------
        >>> X = Interactions.from_arrays([0, 0, 1], [0, 1, 1], [5, 2, 4]).to_implicit(4)
        >>> X.matrix.toarray().tolist(), X.ratings.tolist()
        ([[1.0, 0.0], [0.0, 1.0]], [5.0, 4.0])
        """
        t = check_real(threshold, "threshold")
        X = self._matrix
        raw = self._ratings if self._ratings is not None else X.data.astype(np.float64)
        keep = raw >= t
        logger.info("to_implicit(%s): kept %d of %d entries.", t, int(keep.sum()), keep.size)
        Y = filter_entries(X, keep, np.ones(int(keep.sum()), dtype=X.dtype))
        seen = self._seen if self._seen is not None else pattern(X)
        return self._derived(Y, np.flatnonzero(keep), ratings=raw[keep], seen=seen)

    def weight_by_rating(
        self, weights: Mapping[Any, Any] | Callable[[np.ndarray], Any], *, rescale: bool = True
    ) -> Interactions:
        """Set each entry's value to a weight of its rating, e.g. 5 stars above 4.

        After :meth:`to_implicit` every positive is 1.0 whatever its rating. This gives the
        models graded input instead: :class:`~filmreco.recommend.ALS`'s confidences become
        ``1 + alpha * w``, and the item models (:class:`~filmreco.recommend.EASE`,
        :class:`~filmreco.recommend.EDLAE`, :class:`~filmreco.recommend.HigherOrderEASE`,
        ...) build their Gram matrix and their users' scoring rows from the weights. The
        entries, ids, :attr:`timestamps`, :attr:`ratings` and :attr:`seen` are unchanged,
        so the films filtered and the splits of :mod:`filmreco.recommend.evaluation` are
        the same as without weights.

        Parameters
        ----------
        weights : dict or callable
            ``{rating: weight}`` with a key for every rating among the entries (e.g.
            ``{4: 1.0, 5: 1.5}``), or a function taking the array of ratings and returning
            an array of weights of the same shape. Weights must be positive and finite.
        rescale : bool, default=True
            Divide the weights by their mean over the entries, so they average 1: an
            ``alpha`` or ``regularization`` tuned on the binary matrix keeps its scale,
            and only the ratios between weights matter.

        Returns
        -------
        Interactions
            A new container; its matrix has this one's dtype.

        Raises
        ------
        InputError
            No :attr:`ratings` (:meth:`to_implicit` keeps them, or pass ``ratings=``), a
            rating without a key in `weights`, or a weight that is not positive and finite.
        InputTypeError
            `weights` is neither a dict nor callable.

        Notes
        -----
        On MovieLens 100k (ratings >= 4 positive, 5 split seeds, test NDCG@10, the 5-star
        weight tuned on validation among 1, 1.5 and 2 with 4 stars at 1), ALS with the
        frequency-scaled ridge (size-aware tuning) rose from 0.3211 to 0.3249, the stacked
        :class:`~filmreco.recommend.Hybrid` from 0.3274 to 0.3308, and the `implicit`
        library's ALS given the same weights from 0.3215 to 0.3251; on validation the item
        models gained less (EDLAE about +0.001) and weighting only the users' scoring rows
        hurt (``benchmarks/README_recommend.md``, session 10). Tune the weight on a
        validation split like any other hyper-parameter.

        Examples
        --------
        >>> X = Interactions.from_arrays([0, 0, 1], [0, 1, 1], [5, 4, 5]).to_implicit(4)
        >>> X.weight_by_rating({4: 1.0, 5: 2.0}, rescale=False).matrix.toarray().tolist()
        [[2.0, 1.0], [0.0, 2.0]]
        >>> W = X.weight_by_rating({4: 1.0, 5: 2.0})  # rescaled to a mean weight of 1
        >>> W.matrix.data.round(2).tolist(), W.ratings.tolist()
        ([1.2, 0.6, 1.2], [5.0, 4.0, 5.0])
        """
        rescale = check_bool(rescale, "rescale")
        r = self._ratings
        if r is None:
            raise InputError(
                "weight_by_rating needs the ratings of the entries, but this Interactions "
                "has none; build it with to_implicit(threshold) (which keeps the ratings) "
                "or pass ratings= to the constructor."
            )
        if isinstance(weights, Mapping):
            table = {
                check_real(k, "weights key"): check_real(v, f"weights[{k!r}]")
                for k, v in weights.items()
            }
            levels = np.unique(r)
            missing = [float(x) for x in levels if float(x) not in table]
            if missing:
                raise InputError(
                    f"weights has no weight for the ratings {shorten(missing)} present in "
                    "the data; give one for every rating, e.g. "
                    f"{ {float(x): 1.0 for x in levels[:3]} }."
                )
            lut = np.array([table[float(x)] for x in levels], dtype=np.float64)
            w = lut[np.searchsorted(levels, r)]
        elif callable(weights):
            w = np.asarray(weights(r.copy()), dtype=np.float64)
            if w.shape != r.shape:
                raise InputError(
                    f"weights(ratings) returned shape {w.shape}; expected {r.shape} (one "
                    "weight per rating)."
                )
        else:
            raise InputTypeError(
                "weights must be a dict {rating: weight} or a function of the ratings array, "
                f"got {type(weights).__name__}."
            )
        if not (np.isfinite(w).all() and (w > 0).all()):
            bad = w[~(np.isfinite(w) & (w > 0))]
            raise InputError(f"weights must be positive and finite, got {shorten(bad.tolist())}.")
        if rescale and w.size:
            w = w / w.mean()
        X = self._matrix.copy()
        with np.errstate(over="ignore", under="ignore"):  # checked just below
            X.data = w.astype(X.dtype)
        if not (np.isfinite(X.data).all() and (X.data > 0).all()):  # beyond float32's range
            raise InputError(
                f"weights must be positive and finite in {X.dtype}; they became "
                f"{float(X.data.min())} to {float(X.data.max())}. Use weights of similar "
                "size (or rescale=True)."
            )
        return self._derived(X, np.arange(X.nnz))

    def _derived(
        self,
        matrix: sp.csr_array,
        pos: np.ndarray | None,
        user_ids: IdMap | None = None,
        item_ids: IdMap | None = None,
        ratings: np.ndarray | None = None,
        seen: sp.csr_array | None = None,
    ) -> Interactions:
        """A new container whose entries sit at positions `pos` of this one's.

        `seen` is the new container's seen set (a superset of `matrix`); None keeps this
        one's, which must then fit `matrix` (same shape, a superset of its entries).
        """

        def follow(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None or pos is None else a[pos]

        return Interactions._trusted(
            matrix,
            self._user_ids if user_ids is None else user_ids,
            self._item_ids if item_ids is None else item_ids,
            follow(self._timestamps),
            follow(self._ratings) if ratings is None else ratings,
            self._seen if seen is None else seen,
        )

    # subsets ------------------------------------------------------------------------
    def take_users(self, indices: Any) -> Interactions:
        """Keep the users (rows) at `indices`, in that order; items are unchanged."""
        idx = check_take(indices, self.n_users, "indices")
        Y, pos = take_rows(self._matrix, idx)
        seen = None if self._seen is None else take_rows(self._seen, idx)[0]
        return self._derived(Y, pos, user_ids=self._user_ids.subset(idx), seen=seen)

    def take_items(self, indices: Any) -> Interactions:
        """Keep the items (columns) at `indices`, in that order; users are unchanged."""
        idx = check_take(indices, self.n_items, "indices")
        Y, pos = take_cols(self._matrix, idx)
        seen = None if self._seen is None else take_cols(self._seen, idx)[0]
        return self._derived(Y, pos, item_ids=self._item_ids.subset(idx), seen=seen)

    def subset_users(self, user_ids: Any, *, on_unknown: str = "raise") -> Interactions:
        """Keep the given users (external ids), in that order.

        Examples
        --------
        >>> X = Interactions.from_arrays(["a", "b", "c"], [1, 2, 1])
        >>> X.subset_users(["c", "a"]).user_ids.ids.tolist()
        ['c', 'a']
        """
        check_option(on_unknown, _ON_UNKNOWN, "on_unknown")
        return self.take_users(_positions(self._user_ids, user_ids, on_unknown, "user_ids"))

    def subset_items(self, item_ids: Any, *, on_unknown: str = "raise") -> Interactions:
        """Keep the given items (external ids), in that order."""
        check_option(on_unknown, _ON_UNKNOWN, "on_unknown")
        return self.take_items(_positions(self._item_ids, item_ids, on_unknown, "item_ids"))

    def with_matrix(self, matrix: Any, *, dtype: Any = None) -> Interactions:
        """Same id maps, new matrix of the same shape (e.g. a weighted copy).

        Timestamps and ratings follow the entries the new matrix keeps when its sparsity
        pattern is the old one or a part of it (e.g. weighting dropped some zeros). If the
        new matrix has entries the old one lacks, they cannot be aligned: the result has
        none, with a :class:`~filmreco.exceptions.DataWarning` when there were some.
        :attr:`seen` is the new matrix's entries plus the pairs seen outside the old
        matrix (e.g. the ratings :meth:`to_implicit` dropped).
        """
        if not sp.issparse(matrix):
            raise InputTypeError(
                f"matrix must be a scipy sparse matrix, got {type(matrix).__name__}."
            )
        dtype = np.result_type(matrix.dtype, np.float32) if dtype is None else check_dtype(dtype)
        X = check_csr(matrix, "matrix", dtype=dtype)
        if X.shape != self.shape:
            raise InputError(f"matrix has shape {X.shape}, expected {self.shape}.")
        if X is matrix:
            X = X.copy()
        pos = subpattern_positions(self._matrix, X)
        if pos is None and (self._timestamps is not None or self._ratings is not None):
            warn_data(
                "with_matrix: the new matrix has entries the old one lacks, so its "
                "timestamps/ratings cannot be aligned and were dropped.",
                stacklevel=3,
            )
        return self._derived(X, pos, seen=self._seen_with(X, pos))

    def _seen_with(self, matrix: sp.csr_array, pos: np.ndarray | None) -> sp.csr_array | None:
        """The seen set of a copy with a new matrix: its entries, plus the pairs seen
        outside this one's matrix.

        `pos` are the positions of `matrix`'s entries in this one's (None: not a subset).
        """
        if self._seen is None or (pos is not None and pos.size == self.nnz):
            return self._seen  # no pair outside the matrix, or the same entries
        return union_pattern(extra_pattern(self._seen, self._matrix), matrix)

    def normalize(self, kind: str = "l2", **params: Any) -> Interactions:
        """Weight the matrix with a :mod:`filmreco.sparse` function; ids (and the timestamps
        of the entries kept, and the :attr:`seen` set) carry over.

        Parameters
        ----------
        kind : {"l1", "l2", "confidence", "log", "tfidf", "bm25"}, default="l2"
            ``"l1"``/``"l2"`` scale rows (``axis=0``: columns) to unit norm with
            :func:`filmreco.sparse.normalize`; the others call
            :func:`~filmreco.sparse.confidence`, :func:`~filmreco.sparse.log_scale`,
            :func:`~filmreco.sparse.tfidf` or :func:`~filmreco.sparse.bm25`.
        **params
            Passed to that function (e.g. ``alpha=40`` for confidence).

        Examples
        --------
        >>> X = Interactions.from_arrays([0, 0], [0, 1], [3.0, 4.0])
        >>> X.normalize("l2").matrix.toarray().round(2).tolist()
        [[0.6, 0.8]]
        """
        from .. import sparse

        table: dict[str, Callable[..., Any]] = {
            "l1": lambda X, **kw: sparse.normalize(X, "l1", **kw),
            "l2": lambda X, **kw: sparse.normalize(X, "l2", **kw),
            "confidence": sparse.confidence,
            "log": sparse.log_scale,
            "tfidf": sparse.tfidf,
            "bm25": sparse.bm25,
        }
        func = lookup_option(table, kind, "kind")
        Y = check_csr(func(self._matrix, **params), "weighted matrix")
        pos = subpattern_positions(self._matrix, Y)
        return self._derived(Y, pos, seen=self._seen_with(Y, pos))

    # persistence (save / load come from filmreco._persist.Saveable) ---------------------
    def _export(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        X = self._matrix
        arrays: dict[str, np.ndarray] = {
            "indptr": X.indptr.astype(np.int64),
            "indices": X.indices.astype(np.int64),
            "data": X.data,
            "shape": np.asarray(X.shape, dtype=np.int64),
        }
        ua, um = self._user_ids.to_arrays("user_")
        ia, im = self._item_ids.to_arrays("item_")
        arrays.update(ua)
        arrays.update(ia)
        if self._timestamps is not None:
            arrays["timestamps"] = self._timestamps
        if self._ratings is not None:
            arrays["ratings"] = self._ratings
        if self._seen is not None:  # only the pairs seen outside the matrix
            arrays.update(seen_to_arrays(self._seen, X))
        return arrays, {**um, **im}

    def _save_version(self) -> int:
        # version 2 only when the file holds a seen set, so older filmreco refuses such a
        # file instead of loading it without the seen set; other files stay version 1
        return 2 if self._seen is not None else 1

    @classmethod
    def _upgrade(
        cls, arrays: dict[str, np.ndarray], meta: dict[str, Any], kind: str, version: int
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        require_seen_members(arrays, version)
        return arrays, meta

    @classmethod
    def _restore(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Interactions:
        # optional per-entry arrays must be numbers (the constructor would parse strings)
        extra = {
            k: member(arrays, k, kinds="biuf") for k in ("timestamps", "ratings") if k in arrays
        }
        seen = seen_from_arrays(arrays, arrays["shape"])  # format version 2
        return cls(
            csr_from_arrays(arrays, "", arrays["shape"]),
            IdMap.from_arrays(arrays, meta, "user_"),
            IdMap.from_arrays(arrays, meta, "item_"),
            timestamps=extra.get("timestamps"),
            ratings=extra.get("ratings"),
            seen=seen,
            dtype=arrays["data"].dtype,
        )
