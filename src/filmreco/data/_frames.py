"""Results as pandas DataFrames, with catalogue columns joined in (private; see ``to_frame``).

pandas is an optional dependency (the ``pandas`` extra): it is imported only when a frame is
asked for, and a missing pandas raises an ImportError that says how to install it.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import as_array, check_str, shorten
from ..exceptions import InputError, InputTypeError

__all__ = ["join_catalog", "pandas", "ranked_frame", "to_frame"]

DEFAULT_COLUMNS = ("title", "year")


def pandas() -> Any:
    """The pandas module, or an ImportError naming the extra to install."""
    try:
        return importlib.import_module("pandas")
    except ImportError as exc:
        raise ImportError(
            "results as DataFrames need pandas, an optional dependency of filmreco; install "
            "it with `pip install 'filmreco[pandas]'` (or `pip install pandas`)."
        ) from exc


def _catalog_columns(catalog: Any, columns: Any) -> list[str]:
    from ._catalog import Catalog

    if not isinstance(catalog, Catalog):
        raise InputTypeError(
            f"catalog must be a filmreco Catalog, got {type(catalog).__name__}; build one "
            "with Catalog.from_csv / from_frame / from_records."
        )
    if columns is None:
        return [c for c in DEFAULT_COLUMNS if c in catalog.fields]
    if isinstance(columns, str):
        columns = [columns]
    if not isinstance(columns, Sequence) or not all(isinstance(c, str) for c in columns):
        raise InputTypeError(f"columns must be a list of field names, got {shorten(columns)}.")
    missing = [c for c in columns if c not in catalog.fields]
    if missing:
        raise InputError(
            f"columns {missing} are not fields of the catalog; its fields are {catalog.fields}."
        )
    return list(columns)


def join_catalog(frame: Any, catalog: Any, *, on: str = "item", columns: Any = None) -> Any:
    """Add the catalogue `columns` (default: title and year, those present) of the ids in
    column `on` to `frame`, in place; unknown ids get missing values. Returns `frame`."""
    if catalog is None:
        return frame
    cols = _catalog_columns(catalog, columns)
    check_str(on, "on")
    ids = frame[on].to_numpy()
    pos = catalog.item_ids.index(ids, on_unknown="mask", name=on) if ids.size else ids
    pos = np.asarray(pos, dtype=np.int64)
    for c in cols:
        if c in frame.columns:
            raise InputError(
                f"the frame already has a column {c!r}; leave it out of columns= or rename it."
            )
        values = catalog.field(c)
        frame[c] = [values[p] if p >= 0 else None for p in pos.tolist()]
    return frame


def ranked_frame(
    ids: Any,
    scores: Any,
    *,
    queries: Any = None,
    query: str = "user",
    result: str = "item",
    catalog: Any = None,
    columns: Any = None,
    on: str | None = None,
) -> Any:
    """One row per (query, rank): ``query, rank, result, score`` (padding dropped)."""
    pd = pandas()
    check_str(query, "query")
    check_str(result, "result")
    if query == result:
        raise InputError(
            f"query and result name the same column ({query!r}); for similar items pass "
            "e.g. query='film', result='item'."
        )
    a = as_array(ids, "the result's ids")
    s = as_array(scores, "the result's scores")
    if a.shape != s.shape or a.ndim not in (1, 2):
        raise InputError(
            f"ids and scores must have the same 1-D or 2-D shape (the (ids, scores) a "
            f"recommend call returns), got {a.shape} and {s.shape}."
        )
    if a.ndim == 1:
        a, s = a[None, :], s[None, :]
    if queries is None:
        q = np.arange(a.shape[0])
    else:
        q = np.atleast_1d(as_array(queries, "queries"))
        if q.ndim != 1 or q.size != a.shape[0]:
            raise InputError(
                f"queries has {q.size} ids but the result has {a.shape[0]} rows; pass the ids "
                "given to the call that returned the result."
            )
    keep = _present(a, s)
    rows, ranks = np.nonzero(keep)
    frame = pd.DataFrame(
        {
            query: q[rows],
            "rank": ranks.astype(np.int64) + 1,
            result: a[rows, ranks],
            "score": s[rows, ranks],
        }
    )
    if on is None:
        on = "item" if "item" in (query, result) else result
    return join_catalog(frame, catalog, on=on, columns=columns)


def _present(ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Entries that are not padding: a missing id (-1, None, "") or a -inf/NaN score."""
    ok = np.ones(ids.shape, dtype=bool)
    if scores.dtype.kind == "f":
        ok &= np.isfinite(scores)
    if ids.dtype.kind in "iu":
        ok &= ids != -1
    elif ids.dtype.kind == "U":
        ok &= ids != ""
    elif ids.dtype.kind == "O":
        ok &= np.fromiter((x is not None and x != "" for x in ids.ravel()), bool, ids.size).reshape(
            ids.shape
        )
    return ok


def to_frame(
    result: Any,
    *,
    queries: Any = None,
    query: str = "user",
    catalog: Any = None,
    columns: Any = None,
) -> Any:
    """Any filmreco result as a pandas DataFrame, optionally with catalogue columns.

    Parameters
    ----------
    result : tuple or result object
        The ``(ids, scores)`` of :meth:`~filmreco.recommend.Recommender.recommend`,
        :meth:`~filmreco.recommend.Recommender.recommend_users` or
        :meth:`~filmreco.recommend.Recommender.similar_items` (one row per query and
        rank, padding left out); or an object with a ``to_frame`` method (search hits,
        seed plans, simulation results, evaluation reports), whose frame is returned.
    queries : array-like, optional
        The ids given to the call (users for ``recommend``, items for
        ``recommend_users``), one per row of `result`; row numbers when omitted.
    query : str, default="user"
        Name of the query column: ``"user"`` for ``recommend``, ``"item"`` for
        ``recommend_users`` (the returned ids are then users) and a name of your choice
        (e.g. ``"film"``) for ``similar_items``.
    catalog : Catalog, optional
        Join its `columns` on the film ids (the ``item`` column).
    columns : list of str, optional
        Catalogue fields to add; default ``["title", "year"]`` (those the catalogue has).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ImportError
        pandas is not installed (``pip install 'filmreco[pandas]'``).

    Examples
    --------
    >>> from filmreco import Catalog, to_frame
    >>> cat = Catalog.from_records([{"id": 7, "title": "活着", "year": 1994},
    ...                             {"id": 8, "title": "英雄", "year": 2002}])
    >>> ids, scores = np.array([[8, 7], [7, -1]]), np.array([[0.9, 0.5], [0.7, -np.inf]])
    >>> to_frame((ids, scores), queries=["ann", "bob"], catalog=cat)
      user  rank  item  score title  year
    0  ann     1     8    0.9    英雄  2002
    1  ann     2     7    0.5    活着  1994
    2  bob     1     7    0.7    活着  1994
    """
    method = getattr(result, "to_frame", None)
    if method is not None and not isinstance(result, tuple):
        if catalog is None and columns is None:
            return method()
        try:
            return method(catalog=catalog, columns=columns)
        except TypeError:
            raise InputError(
                f"{type(result).__name__} results name no films, so catalog= cannot be "
                "joined; leave it out."
            ) from None
    if not isinstance(result, tuple) or len(result) != 2:
        raise InputTypeError(
            f"result must be the (ids, scores) pair of a recommend call or a filmreco "
            f"result object, got {type(result).__name__}."
        )
    check_str(query, "query")
    result_name = "user" if query == "item" else "item"
    return ranked_frame(
        result[0],
        result[1],
        queries=queries,
        query=query,
        result=result_name,
        catalog=catalog,
        columns=columns,
    )
