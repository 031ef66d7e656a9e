"""Loaders for files on disk: SNAP-style edge lists and MovieLens; one verified download.

``load_*`` functions take a path (or file object) and never touch the network;
:func:`fetch_movielens` downloads only when called, into a cache, verified by checksum.
"""

from __future__ import annotations

import logging
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from .._persist import check_path, file_name_errors
from .._validation import (
    check_bool,
    check_int,
    check_option,
    check_real,
    check_str,
    shorten,
)
from ..data import Catalog, EdgeList, Interactions
from ..data._clean import warn_data
from ..data._edges import node_ids_argument
from ..data._text import Table, as_utf8, read_source, split_table, to_float, to_int, to_str
from ..exceptions import DownloadError, FormatError, InputError
from ._fetch import check_zip, download, file_digest, parse_checksum
from ._fetch import data_home as _data_home

__all__ = ["fetch_movielens", "load_edgelist", "load_movielens"]

logger = logging.getLogger("filmreco")


# edge lists -------------------------------------------------------------------------
def load_edgelist(
    path: Any,
    *,
    directed: bool = True,
    weighted: bool = False,
    id_type: type = int,
    comments: str = "#%",
    delimiter: str | None = None,
    encoding: str = "utf-8",
    node_ids: Any = None,
    on_unknown: str = "raise",
    node_map: Any = None,
) -> EdgeList:
    """Read a SNAP-style edge list (``source target [weight]`` per line).

    Parameters
    ----------
    path : str, path-like, file object or bytes
        Plain text, or gzip/bz2/xz compressed (detected from the magic bytes, whatever the
        suffix).
    directed : bool, default=True
    weighted : bool, default=False
        Read the third column as float weights (then every line must have one). Columns
        not read (e.g. a third column when ``weighted=False``) are ignored with a
        :class:`~filmreco.exceptions.DataWarning`.
    id_type : {int, str}, default=int
        ``int`` keeps node ids as int64 ids (negative ones too, but -1, which pads results);
        ``str`` reads them as text (where -1 is an id like any other).
    comments : str, default="#%"
        Each character starts a comment line (SNAP uses ``#``, KONECT/Matrix Market ``%``),
        judged on the line's first non-blank character. Blank lines are skipped.
    delimiter : str, optional
        Field separator; by default runs of spaces and tabs.
    encoding : str, default="utf-8"
        Used for string ids.
    node_ids, on_unknown
        Passed to :meth:`EdgeList.from_arrays` (fix the node ids, e.g. to a user map).
    node_map : IdMap, optional
        Deprecated old name of `node_ids`, accepted for one release with a
        :class:`FutureWarning`; pass ``node_ids=`` instead.

    Returns
    -------
    EdgeList
        Nodes numbered in order of first appearance (``s0, t0, s1, t1, ...``) unless
        `node_ids` is given. Self-loops and repeated edges are kept.

    Raises
    ------
    FormatError
        A line with a different number of fields, a non-integer id (with ``id_type=int``)
        or a bad weight; the message names the file and the line number.

    Examples
    --------
    >>> E = load_edgelist(b"# a comment\\n1 2\\n2\\t3\\n\\n-4 1\\n")
    >>> E.node_ids.ids.tolist(), E.sources.tolist(), E.targets.tolist()
    ([1, 2, 3, -4], [0, 1, 3], [1, 2, 0])
    """
    node_ids = node_ids_argument(node_ids, node_map, where="load_edgelist()")
    check_option(id_type, (int, str), "id_type")
    weighted = check_bool(weighted, "weighted")
    check_str(comments, "comments", allow_none=True)
    data, source = read_source(path)
    data, encoding = as_utf8(data, encoding, source)
    n_used = 3 if weighted else 2
    table = split_table(
        data,
        source=source,
        delimiter=delimiter,
        comments=comments or "",
        min_cols=n_used,
        encoding=encoding,
    )
    if id_type is int:
        hint = "; pass id_type=str for text ids"
        s, t = to_int(table, 0, "node id", hint=hint), to_int(table, 1, "node id", hint=hint)
        pad = np.flatnonzero((s == -1) | (t == -1))
        if pad.size:  # the id that pads result rows: name the line, not only the id
            raise FormatError(
                f"{table.where(int(pad[0]))}: node id -1 is reserved (it pads result rows); "
                "shift the ids (e.g. add 1 to every id), or pass id_type=str to read them as "
                "text."
            )
    else:
        s, t = to_str(table, 0, encoding), to_str(table, 1, encoding)
    w = None
    if weighted:
        w = to_float(table, 2, "weight")
        bad = np.flatnonzero(~np.isfinite(w))
        if bad.size:
            raise FormatError(f"{table.where(int(bad[0]))}: weight is NaN or infinite.")
    extra = table.fields.shape[1] - n_used
    if extra > 0 and table.n_rows:
        warn_data(
            f"{source!r}: ignored {extra} extra column(s) on each of the {table.n_rows} edge "
            f"lines (weighted={weighted}); pass weighted=True to read a third column as weights.",
            stacklevel=2,
        )
    return EdgeList.from_arrays(
        s, t, w, directed=directed, node_ids=node_ids, on_unknown=on_unknown
    )


# MovieLens --------------------------------------------------------------------------
_ML100K_GENRES = (
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)  # the 19 flags of u.item, in order (ml-100k README; used when u.genre is absent)
_COLS = {
    "user": ("user", "userid", "user_id", "uid"),
    "item": ("item", "itemid", "item_id", "movieid", "movie_id", "movie", "iid"),
    "rating": ("rating", "ratings", "value", "score", "stars"),
    "timestamp": ("timestamp", "time", "ts", "date"),
}
_YEAR = re.compile(r"\((\d{4})(?:[-–]\d{0,4})?\)\s*$")


class _Folder:
    """Files of a dataset, by base name: from a folder, a zip (read in place) or a file."""

    def __init__(self, path: Any) -> None:
        p = check_path(path)
        self.zip: zipfile.ZipFile | None = None
        self.names: dict[str, Any] = {}
        self.main: str | None = None
        with file_name_errors(p):
            self._open(p)
        self.path = p

    def _open(self, p: Path) -> None:
        if p.is_dir():
            self.name = p.name
            top = sorted(p.iterdir())
            for f in top + [g for d in top if d.is_dir() for g in sorted(d.iterdir())]:
                if f.is_file():  # the folder itself, then one level down
                    self.names.setdefault(f.name, f)
        elif p.is_file() and zipfile.is_zipfile(p):
            self.name = p.name[:-4] if p.name.endswith(".zip") else p.stem
            try:
                self.zip = zipfile.ZipFile(p)
            except (zipfile.BadZipFile, OSError, EOFError) as e:
                raise FormatError(f"{shorten(str(p), 300)} is not a readable zip file: {e}") from e
            for m in sorted(self.zip.namelist(), key=lambda m: (m.count("/"), m)):
                if not m.endswith("/"):
                    self.names.setdefault(m.rsplit("/", 1)[-1], m)
        elif p.is_file():
            self.name = p.parent.name or p.stem
            for f in p.parent.iterdir():
                if f.is_file():
                    self.names.setdefault(f.name, f)
            self.main = p.name
        else:
            raise FileNotFoundError(f"no such file or folder: {shorten(str(p), 300)}")

    def read(self, name: str) -> tuple[bytes, str] | None:
        where = self.names.get(name)
        if where is None:
            return None
        if self.zip is not None:
            try:
                data = self.zip.read(where)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                NotImplementedError,
                RuntimeError,
            ) as e:
                raise FormatError(
                    f"{shorten(str(self.path), 300)}: member {where!r} cannot be read ({e}); "
                    "the zip file is damaged or encrypted: download or extract it again."
                ) from e
            return read_source(data, name=f"{self.path}:{where}")
        return read_source(where)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _encoding(data: bytes) -> str:
    """utf-8 when the bytes decode as such, else latin-1 (the older MovieLens files)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _year(title: str) -> int | None:
    m = _YEAR.search(title)
    return int(m.group(1)) if m else None


def _ids(table: Table, j: int, what: str = "id", *, strict: bool = True) -> np.ndarray:
    """Column `j` as int ids, or as text ids when no cell is a whole number. With `strict`
    (MovieLens' own files, whose ids are numbers, or ratings read beside a catalogue) a
    column mixing the two (a damaged line: ``3x``, or a number past int64) is a
    FormatError naming its line, not a silent switch of every id to text; otherwise (a
    plain CSV of the user's own ids) it is read as text."""
    try:
        return table.fields[:, j].astype(np.int64)
    except (ValueError, OverflowError):
        text = to_str(table, j)
    if not strict:
        return text
    whole = np.char.isdigit(np.char.lstrip(np.char.strip(text), "+-"))
    if not whole.any():
        return text
    bad = np.flatnonzero(~whole)
    if bad.size:  # most cells are numbers: the others are damaged
        row = int(bad[0])
        raise FormatError(
            f"{table.where(row)}: {what} {shorten(text[row])} is not a whole number, while "
            f"{int(whole.sum())} other {what}s of the column are; fix or remove the line."
        )
    for row in np.flatnonzero(whole).tolist():  # the first that int64 cannot hold
        try:
            np.int64(int(text[row]))
        except OverflowError:
            break
    raise FormatError(
        f"{table.where(row)}: {what} {shorten(text[row])} does not fit a 64-bit integer; "
        "fix or remove the line."
    )


def _ratings_table(data: bytes, source: str, layout: str) -> tuple[Table, dict[str, int]]:
    if layout == "ml-100k":
        return split_table(data, source=source, min_cols=4), {
            "user": 0,
            "item": 1,
            "rating": 2,
            "timestamp": 3,
        }
    if layout == "ml-1m":
        return split_table(data, source=source, delimiter="::", min_cols=4), {
            "user": 0,
            "item": 1,
            "rating": 2,
            "timestamp": 3,
        }
    first = data.split(b"\n", 1)[0]
    sep = "\t" if b"\t" in first else ","
    table = split_table(data, source=source, delimiter=sep, min_cols=2)
    if table.n_rows == 0:
        raise FormatError(f"{source!r} holds no ratings.")
    head = [  # bytes, or str from the reader of quoted CSV
        (h.decode("utf-8", "replace") if isinstance(h, bytes) else str(h)).strip().lower()
        for h in table.fields[0].tolist()
    ]
    cols = {k: head.index(a) for k, names in _COLS.items() for a in names if a in head}
    if cols:  # a header line
        if "user" not in cols or "item" not in cols:
            raise FormatError(f"{source!r}: header {shorten(head)} lacks a user or an item column.")
        table = Table(table.fields[1:], table.lines[1:], table.source, head)
        return table, cols
    if table.fields.shape[1] > 4:
        raise FormatError(f"{source!r}: expected user,item[,rating[,timestamp]] columns.")
    return table, dict(zip(("user", "item", "rating", "timestamp"), range(table.fields.shape[1])))


def _ml100k_genres(data: bytes, source: str) -> list[str]:
    """The genre names of ml-100k's ``u.genre`` (``name|index`` lines) in index order.

    The flags of ``u.item`` are matched to genres by position, so the indices must be the
    numbers 0 to n-1, each once."""
    named: dict[int, str] = {}
    for number, line in enumerate(data.decode("latin-1").splitlines(), 1):
        if not line.strip():
            continue
        name, sep, index = line.rpartition("|")
        if not sep or not index.strip().isdigit():
            raise FormatError(
                f"{source!r} line {number}: expected 'genre name|index' with a whole number "
                f"as the index, got {shorten(line)}."
            )
        if int(index) in named:
            raise FormatError(
                f"{source!r} line {number}: genre index {int(index)} is given twice "
                f"({shorten(named[int(index)])} and {shorten(name)})."
            )
        named[int(index)] = name
    if not named:
        raise FormatError(f"{source!r} names no genre: expected 'genre name|index' lines.")
    if sorted(named) != list(range(len(named))):
        missing = sorted(set(range(max(named, default=-1) + 1)) - set(named))
        raise FormatError(
            f"{source!r}: genre indices must be 0 to {len(named) - 1}, each once; "
            f"index {missing[0]} is missing."
        )
    return [named[i] for i in range(len(named))]


def _catalog_ml100k(files: _Folder) -> Catalog | None:
    got = files.read("u.item")
    if got is None:
        return None
    data, source = got
    genres = list(_ML100K_GENRES)
    g = files.read("u.genre")
    if g is not None:
        genres = _ml100k_genres(*g)
    table = split_table(
        data, source=source, delimiter="|", min_cols=5 + len(genres), encoding="latin-1"
    )
    titles = to_str(table, 1, "latin-1").tolist()
    dates = to_str(table, 2, "latin-1").tolist()
    flags = to_int(table, 0, "movie id"), table.fields[:, 5 : 5 + len(genres)] == b"1"
    years = [int(d[-4:]) if d[-4:].isdigit() else _year(t) for d, t in zip(dates, titles)]
    return Catalog(
        flags[0],
        {
            "title": titles,
            "year": years,
            "genres": [[genres[j] for j in np.flatnonzero(row)] for row in flags[1]],
            "imdb_url": [u or None for u in to_str(table, 4, "latin-1").tolist()],
        },
    )


def _catalog_movies(files: _Folder, name: str) -> Catalog | None:
    got = files.read(name)
    if got is None:
        return None
    data, source = got
    enc = _encoding(data)
    genres: np.ndarray | None
    if name == "movies.dat":
        table = split_table(data, source=source, delimiter="::", min_cols=3, encoding=enc)
        ids, titles, genres = (
            _ids(table, 0, "movie id"),
            to_str(table, 1, enc),
            to_str(table, 2, enc),
        )
    else:
        table = split_table(data, source=source, delimiter=",", header=True, encoding=enc)
        head = [h.lower() for h in table.header or []]
        idc = next((head.index(a) for a in _COLS["item"] if a in head), None)
        if idc is None or "title" not in head:
            raise FormatError(
                f"{source!r}: expected an item id and a title column, got {shorten(head)}."
            )
        ids, titles = _ids(table, idc, "movie id"), to_str(table, head.index("title"), enc)
        genres = to_str(table, head.index("genres"), enc) if "genres" in head else None
    title_list = titles.tolist()
    fields: dict[str, list[Any]] = {"title": title_list, "year": [_year(t) for t in title_list]}
    if name != "movies.dat" and "year" in head:
        fields["year"] = [
            y or _year(t)
            for y, t in zip(to_str(table, head.index("year"), enc).tolist(), title_list)
        ]
    if genres is not None:
        fields["genres"] = [
            [] if g in ("", "(no genres listed)") else [p for p in g.split("|") if p]
            for g in genres.tolist()
        ]
    return Catalog(ids, fields)


def _add_tags(catalog: Catalog, files: _Folder) -> Catalog:
    got = files.read("tags.csv")
    if got is None:
        return catalog
    table = split_table(got[0], source=got[1], delimiter=",", header=True)
    head = [h.lower() for h in table.header or []]
    if "tag" not in head or "movieid" not in head:
        return catalog
    movies = _ids(table, head.index("movieid"), "movie id")
    tags = to_str(table, head.index("tag")).tolist()
    per: dict[Any, dict[str, None]] = {}
    for m, t in zip(movies.tolist(), tags):
        if t:
            per.setdefault(m, {})[t] = None
    if per:
        known = catalog.item_ids.contains(np.asarray(list(per), dtype=movies.dtype))
        if not known.all():
            logger.info("%s: tags of %d unknown movies skipped.", got[1], int((~known).sum()))
    fields = {k: catalog.field(k) for k in catalog.fields}
    fields["tags"] = [list(per.get(i, {})) for i in catalog.item_ids.ids.tolist()]
    return Catalog(catalog.item_ids, fields)


def load_movielens(
    path: Any, *, duplicates: str = "raise", on_nan: str = "raise", on_unknown: str = "raise"
) -> Any:
    """Load a MovieLens data set from a folder, a single file, or a ``.zip`` (read in place).

    Recognised layouts (by file name):

    - **ml-100k**: ``u.data`` (tab-separated user, item, rating, timestamp) plus ``u.item``
      (``|``-separated, latin-1: id, title, release date, video date, IMDb URL, 19 genre
      flags named by ``u.genre``);
    - **ml-1m** (also ml-10m): ``ratings.dat`` (``::``-separated) plus ``movies.dat``
      (id::title::genres, latin-1 or utf-8);
    - **ml-latest** / **ml-latest-small** / ml-20m/25m: ``ratings.csv`` with header
      ``userId,movieId,rating,timestamp``, plus ``movies.csv`` (quoted titles, ``|`` genres,
      ``(no genres listed)`` read as no genre) and ``tags.csv`` (unique tags per movie);
    - a plain CSV (``.csv`` or ``.csv.gz``, or ``ratings.csv(.gz)`` in a folder) with
      columns ``user,item[,rating[,timestamp]]``, with or without a header (recognised
      names: userId/user_id, movieId/item_id, value/score, time/ts). This includes the
      shared ml-1m copy whose header is ``user,item,rating,timestamp`` and whose timestamps
      are all empty: an all-empty timestamp column is treated as absent.

    Titles are kept as in the files (with the "(1995)" suffix); ``year`` is parsed from
    the release date or the title.

    Parameters
    ----------
    path : str or path-like
    duplicates, on_nan, on_unknown
        Passed to :meth:`Interactions.from_arrays`. When a catalogue is present the
        interactions use its item map (``item_map=catalog.item_ids``, so columns and
        catalogue entries share indices, unrated movies being empty columns); ratings of
        movies missing from the catalogue follow `on_unknown`.

    Returns
    -------
    sklearn.utils.Bunch
        ``interactions`` (explicit ratings as values, timestamps when present),
        ``catalog`` (a :class:`Catalog`, or None without movie metadata), ``name`` (the
        folder or zip name, e.g. "ml-100k"), ``format`` (the layout recognised) and
        ``path``.

    Raises
    ------
    FileNotFoundError
        No ratings file found.
    FormatError
        A malformed line (file and line number in the message).

    Examples
    --------
    A folder in the ml-latest layout (two tiny files written here):

    >>> import pathlib, tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> d = pathlib.Path(tmp.name)
    >>> _ = (d / "ratings.csv").write_text(
    ...     "userId,movieId,rating,timestamp\\n1,10,4.0,964982703\\n1,20,5.0,964981247\\n"
    ...     "2,10,3.5,964982224\\n")
    >>> _ = (d / "movies.csv").write_text(
    ...     'movieId,title,genres\\n10,Toy Story (1995),Animation|Comedy\\n'
    ...     '20,"Heat, The (1995)",Action|Crime\\n')
    >>> data = load_movielens(d)
    >>> data.format, data.interactions
    ('ml-latest', Interactions(n_users=2, n_items=2, nnz=3, density=0.75))
    >>> [(r["title"], r["year"]) for r in data.catalog.records()]
    [('Toy Story (1995)', 1995), ('Heat, The (1995)', 1995)]
    >>> tmp.cleanup()
    """
    from sklearn.utils import Bunch

    files = _Folder(path)
    try:
        main = files.main
        if main is None:
            main = next(
                (
                    n
                    for n in ("u.data", "ratings.dat", "ratings.csv", "ratings.csv.gz")
                    if n in files.names
                ),
                None,
            )
        if main is None:
            raise FileNotFoundError(
                f"{str(files.path)!r} holds no MovieLens ratings file (u.data, ratings.dat, "
                "ratings.csv or ratings.csv.gz)."
            )
        layout = {"u.data": "ml-100k", "ratings.dat": "ml-1m"}.get(main, "csv")
        got = files.read(main)
        assert got is not None
        table, cols = _ratings_table(got[0], got[1], layout)
        if layout == "ml-100k":
            catalog = _catalog_ml100k(files)
        elif layout == "ml-1m":
            catalog = _catalog_movies(files, "movies.dat")
        else:
            catalog = _catalog_movies(files, "movies.csv") or _catalog_movies(files, "items.csv")
            if catalog is not None:
                catalog = _add_tags(catalog, files)
                layout = "ml-latest" if "movies.csv" in files.names else layout
        strict = layout != "csv" or catalog is not None
        ts = None
        if "timestamp" in cols:
            ts = to_float(table, cols["timestamp"], "timestamp")
            if ts.size and np.isnan(ts).all():
                logger.info("%s: every timestamp is empty; no timestamps.", got[1])
                ts = None
        values = to_float(table, cols["rating"], "rating") if "rating" in cols else None
        interactions = Interactions.from_arrays(
            _ids(table, cols["user"], "user id", strict=strict),
            _ids(table, cols["item"], "movie id", strict=strict),
            values,
            timestamps=ts,
            duplicates=duplicates,
            on_nan=on_nan,
            on_unknown=on_unknown,
            item_map=None if catalog is None else catalog.item_ids,
        )
    finally:
        files.close()
    return Bunch(
        interactions=interactions,
        catalog=catalog,
        name=files.name,
        format=layout,
        path=str(files.path),
    )


# download ---------------------------------------------------------------------------
_BASE = "https://files.grouplens.org/datasets/movielens/"
#: url, checksum, members. MD5 values are those GroupLens publishes next to the zips
#: (``ml-100k.zip.md5``, ``ml-1m.zip.md5``); GroupLens publishes no SHA-256. The SHA-256 of
#: ml-latest-small.zip (generated 2018-09-26) is from a public dataset card, one source only.
_VARIANTS = {
    "ml-100k": (
        _BASE + "ml-100k.zip",
        "md5:0e33842e24a9c977be4e0107933c0723",
        ("u.data", "u.item", "u.genre"),
    ),
    "ml-1m": (
        _BASE + "ml-1m.zip",
        "md5:c4d9eecfca2ab87c1945afe126590906",
        ("ratings.dat", "movies.dat"),
    ),
    "ml-latest-small": (
        _BASE + "ml-latest-small.zip",
        "sha256:696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436",
        ("ratings.csv", "movies.csv"),
    ),
}


#: Approximate sizes (bytes) of the GroupLens zips; a download is capped at 4 times this.
_APPROX_BYTES = {"ml-100k": 5_000_000, "ml-1m": 6_000_000, "ml-latest-small": 1_000_000}


def fetch_movielens(
    variant: str = "ml-100k",
    *,
    data_home: str | os.PathLike[str] | None = None,
    url: str | None = None,
    checksum: str | None = None,
    timeout: float = 60.0,
    max_bytes: int | None = None,
    max_seconds: float = 900.0,
) -> Any:
    """Download a GroupLens MovieLens zip once (verified), then :func:`load_movielens` it.

    The zip is cached as ``<data_home>/<variant>.zip`` and read in place (not extracted).
    A download goes to a temporary file in `data_home`; its size (``Content-Length``), its
    checksum and its zip structure (CRCs and the expected member names) are verified
    before it is moved into place, and on any failure the temporary file is deleted and
    :class:`~filmreco.exceptions.DownloadError` names the URL and the mismatch. A cached
    file is re-verified on every call (cheap); a corrupt cache is downloaded again.

    Parameters
    ----------
    variant : {"ml-100k", "ml-1m", "ml-latest-small"}, default="ml-100k"
    data_home : str or path-like, optional
        Cache folder; default ``$FILMRECO_DATA`` or ``~/filmreco_data``.
    url : str, optional
        Another address (a mirror); by default the GroupLens URL.
    checksum : str, optional
        ``"sha256:<hex>"`` (or ``"md5:<hex>"``); by default the known value of `variant`.
        GroupLens publishes only MD5 files for ml-100k and ml-1m, so those are verified
        by MD5 (plus size and zip structure); ml-latest-small by SHA-256.
    timeout : float, default=60.0
        Socket timeout in seconds (each wait for data).
    max_bytes : int, optional
        Largest download accepted, in bytes; by default 4 times the variant's known size
        (about 20 MB for ml-100k). A larger ``Content-Length`` is refused before reading,
        and the download stops as soon as more bytes arrive.
    max_seconds : float, default=900.0
        Time limit of the whole download in seconds: a server trickling bytes cannot hold
        the call longer (plus at most one `timeout`).

    Returns
    -------
    sklearn.utils.Bunch
        As :func:`load_movielens`.

    Examples
    --------
    ``fetch_movielens("ml-1m")`` downloads from GroupLens. Here a mirror is a local zip
    (a ``file://`` address), checked against the digest given:

    >>> import hashlib, pathlib, tempfile, zipfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> d = pathlib.Path(tmp.name)
    >>> mirror = d / "mirror.zip"
    >>> with zipfile.ZipFile(mirror, "w") as z:
    ...     z.writestr("ml-latest-small/ratings.csv", "userId,movieId,rating,timestamp\\n1,10,4.0,0\\n")
    ...     z.writestr("ml-latest-small/movies.csv", "movieId,title,genres\\n10,Toy Story (1995),Comedy\\n")
    >>> digest = "sha256:" + hashlib.sha256(mirror.read_bytes()).hexdigest()
    >>> data = fetch_movielens("ml-latest-small", data_home=d / "cache", url=mirror.as_uri(),
    ...                        checksum=digest)
    >>> data.name, data.interactions.nnz, [p.name for p in (d / "cache").iterdir()]
    ('ml-latest-small', 1, ['ml-latest-small.zip'])
    >>> tmp.cleanup()
    """
    known = _VARIANTS.get(variant)
    if known is None:
        raise InputError(f"variant={variant!r} is not supported; use one of {sorted(_VARIANTS)}.")
    max_seconds = check_real(max_seconds, "max_seconds", min_value=0.0, min_inclusive=False)
    if max_bytes is None:
        max_bytes = 4 * _APPROX_BYTES[variant]
    max_bytes = check_int(max_bytes, "max_bytes", min_value=1)
    src = url or known[0]
    want = parse_checksum(checksum or known[1])
    home = _data_home(data_home)
    target = home / f"{variant}.zip"

    def check(p: Path) -> None:
        check_zip(p, known[2], src)

    if target.exists():
        try:
            if want is not None and file_digest(target, want[0]) != want[1]:
                raise DownloadError(f"cached {target} does not match {want[0]} {want[1]}.")
            check(target)
        except DownloadError as exc:
            logger.warning("%s; downloading it again.", exc)
            target.unlink()
    if not target.exists():
        download(
            src,
            target,
            checksum=want,
            check=check,
            timeout=timeout,
            max_bytes=max_bytes,
            max_seconds=max_seconds,
        )
    return load_movielens(target)
