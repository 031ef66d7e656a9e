"""Tests of filmreco.datasets._files: load_edgelist, load_movielens, fetch_movielens."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import http.server
import io
import os
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from filmreco.data import EdgeList
from filmreco.datasets._files import fetch_movielens, load_edgelist, load_movielens
from filmreco.exceptions import DataWarning, DownloadError, FormatError, InputError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

# ---------------------------------------------------------------------------------
# edge lists


def _edges_of(E: EdgeList):
    s, t = E.to_arrays()[:2]
    return list(zip(s.tolist(), t.tolist()))


def test_edgelist_plain_gzip_comments_blanks(tmp_path):
    text = "# Directed graph\n% konect style\n\n0\t1\n1 2\n  2 \t 0  \n\n-7 0\n"
    plain = tmp_path / "g.txt"
    plain.write_text(text)
    zipped = tmp_path / "g-gz.txt"  # gzip content without a .gz suffix: found by magic bytes
    zipped.write_bytes(gzip.compress(text.encode()))
    bzipped = tmp_path / "g.bz2"
    bzipped.write_bytes(bz2.compress(text.encode()))
    want = [(0, 1), (1, 2), (2, 0), (-7, 0)]
    for p in (plain, zipped, bzipped, str(plain)):
        E = load_edgelist(p)
        assert _edges_of(E) == want
        assert E.node_ids.ids.tolist() == [0, 1, 2, -7] and E.node_ids.kind == "int"
        assert E.weights is None and E.directed
    with open(plain, "rb") as f:
        assert _edges_of(load_edgelist(f)) == want
    crlf = load_edgelist(text.replace("\n", "\r\n").encode())
    assert _edges_of(crlf) == want
    assert not load_edgelist(plain, directed=False).directed


def test_edgelist_weights_and_string_ids(tmp_path):
    p = tmp_path / "w.tsv"
    p.write_text("a\tb\t0.5\nb\tc\t2\n# done\n")
    E = load_edgelist(p, weighted=True, id_type=str)
    assert _edges_of(E) == [("a", "b"), ("b", "c")] and E.weights.tolist() == [0.5, 2.0]
    with pytest.warns(DataWarning, match="ignored 1 extra column"):
        E = load_edgelist(p, id_type=str)
    assert E.weights is None and E.n_edges == 2
    with pytest.raises(FormatError, match=r"line 1: node id 'a' is not an integer.*id_type=str"):
        load_edgelist(p)
    with pytest.raises(FormatError, match=r"line 1: expected at least 3 fields but found 2"):
        load_edgelist(b"1 2\n2 3 1.0\n", weighted=True)
    with pytest.raises(FormatError, match="line 2: weight 'x' is not a number"):
        load_edgelist(b"1 2 1\n2 3 x\n", weighted=True)
    with pytest.raises(FormatError, match="line 1: weight is NaN"):
        load_edgelist(b"1 2 nan\n", weighted=True)
    tabs = load_edgelist(b"Jo Ann\tBob\nBob\tJo Ann\n", delimiter="\t", id_type=str)
    assert _edges_of(tabs) == [("Jo Ann", "Bob"), ("Bob", "Jo Ann")]
    csv = load_edgelist(b"1,2\n2,3\n", delimiter=",")
    assert _edges_of(csv) == [(1, 2), (2, 3)]


def test_edgelist_malformed_lines_name_file_and_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text("# header\n1 2\n3 4\n5\n6 7\n")
    with pytest.raises(
        FormatError, match=r"bad.txt', line 4: expected 2 fields but found 1 \('5'\)"
    ):
        load_edgelist(p)
    p.write_text("1 2\n3 4 5 6\n")
    with pytest.raises(FormatError, match="line 2: expected 2 fields but found 4"):
        load_edgelist(p)
    p.write_text("1 2\n1.5 3\n")
    with pytest.raises(FormatError, match=r"line 2: node id '1\.5'"):
        load_edgelist(p)
    p.write_bytes(gzip.compress(b"1 2\n" * 100)[:20])
    with pytest.raises(FormatError, match="truncated"):
        load_edgelist(p)
    with pytest.raises(InputError, match="id_type"):
        load_edgelist(p, id_type=float)
    with pytest.raises(FileNotFoundError):
        load_edgelist(tmp_path / "missing.txt")


def test_edgelist_empty_file():
    E = load_edgelist(b"# nothing here\n")
    assert E.n_edges == 0 and E.n_nodes == 0


@given(
    st.lists(  # -1 is reserved (padding) and refused with its own error
        st.tuples(*[st.integers(-(10**6), 10**6).filter(lambda i: i != -1)] * 2), max_size=40
    ),
    st.sampled_from([" ", "\t", "  \t"]),
    st.booleans(),
)
def test_edgelist_roundtrip_reference(edges, sep, compress):
    text = "# c\n" + "".join(f"{a}{sep}{b}\n" for a, b in edges)
    data = text.encode()
    E = load_edgelist(gzip.compress(data) if compress else data)
    assert _edges_of(E) == edges
    assert E.node_ids.ids.tolist() == list(dict.fromkeys(x for e in edges for x in e))


@pytest.mark.slow
def test_slashdot_load_time():
    path = SHARED / "graphs" / "soc-Slashdot0902.txt.gz"
    if not path.exists():
        pytest.skip("shared Slashdot graph not present")
    t0 = time.perf_counter()
    E = load_edgelist(path)
    elapsed = time.perf_counter() - t0
    assert (E.n_nodes, E.n_edges) == (82168, 948464)
    assert int((E.sources == E.targets).sum()) == 78303  # self-loops, per SOURCE.md
    print(f"soc-Slashdot0902 loaded in {elapsed:.2f} s")


# ---------------------------------------------------------------------------------
# MovieLens fixtures (written here; no real MovieLens data)

U_DATA = "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t302\t5\t881251000\n22\t1\t1\t1\n"
GENRES = [
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
]


def _item_line(mid, title, date, flags):
    bits = ["1" if g in flags else "0" for g in GENRES]
    return "|".join([str(mid), title, date, "", "http://x", *bits]) + "\n"


U_ITEM = (
    _item_line(1, "Toy Story (1995)", "01-Jan-1995", {"Animation", "Comedy"})
    + _item_line(242, "Kolya (1996)", "24-Jan-1997", {"Comedy"})
    + _item_line(302, "L.A. Confidential (1997)", "01-Jan-1997", {"Crime", "Thriller"})
    + _item_line(5, "Café Flore (1996)", "", set())
)
U_GENRE = "".join(f"{g}|{i}\n" for i, g in enumerate(GENRES)) + "\n"


def _write_ml100k(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "u.data").write_text(U_DATA)
    (folder / "u.item").write_bytes(U_ITEM.encode("latin-1"))
    (folder / "u.genre").write_text(U_GENRE)
    return folder


def _ml100k_zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("ml-100k/", "")
        z.writestr("ml-100k/u.data", U_DATA)
        z.writestr("ml-100k/u.item", U_ITEM.encode("latin-1"))
        z.writestr("ml-100k/u.genre", U_GENRE)
        z.writestr("ml-100k/README", "fixture")
    return buf.getvalue()


def _check_ml100k(b):
    X = b.interactions
    assert b.format == "ml-100k" and X.nnz == 4
    assert X.user_ids.ids.tolist() == [196, 186, 22]
    assert X.item_ids.ids.tolist() == [1, 242, 302, 5]  # the catalogue's map
    assert b.catalog.item_ids is X.item_ids
    assert X.matrix[[0], [2]].tolist() == [5.0]
    u, i, v, t = X.to_arrays()
    assert sorted(zip(u.tolist(), i.tolist(), v.tolist(), t.tolist())) == sorted(
        [
            (196, 242, 3.0, 881250949.0),
            (186, 302, 3.0, 891717742.0),
            (196, 302, 5.0, 881251000.0),
            (22, 1, 1.0, 1.0),
        ]
    )
    cat = b.catalog
    assert cat[1]["genres"] == ["Animation", "Comedy"] and cat[1]["year"] == 1995
    assert cat[242]["year"] == 1997  # from the release date
    assert cat[5] == {
        "id": 5,
        "title": "Café Flore (1996)",
        "year": 1996,
        "genres": [],
        "imdb_url": "http://x",
    }


def test_movielens_100k_folder_file_and_zip(tmp_path):
    folder = _write_ml100k(tmp_path / "ml-100k")
    b = load_movielens(folder)
    assert b.name == "ml-100k"
    _check_ml100k(b)
    _check_ml100k(load_movielens(folder / "u.data"))
    _check_ml100k(load_movielens(tmp_path))  # parent folder: found one level down
    z = tmp_path / "ml-100k.zip"
    z.write_bytes(_ml100k_zip_bytes())
    b = load_movielens(z)
    assert b.name == "ml-100k"
    _check_ml100k(b)
    assert sorted(os.listdir(tmp_path)) == ["ml-100k", "ml-100k.zip"]  # nothing extracted
    (folder / "u.item").unlink()
    (folder / "u.genre").unlink()
    b = load_movielens(folder)
    assert b.catalog is None and b.interactions.item_ids.ids.tolist() == [242, 302, 1]


@pytest.mark.parametrize(
    "genre_text, match",
    [
        ("unknown|0\nAction|x\n", r"u\.genre' line 2: expected 'genre name\|index'"),
        ("unknown|0\nAction|\n", r"line 2: expected 'genre name\|index'"),
        ("unknown|0\nAction\n", r"line 2: expected"),
        ("unknown|0\nAction|0\n", r"line 2: genre index 0 is given twice"),
        ("unknown|0\nAction|2\n", r"indices must be 0 to 1, each once; index 1 is missing"),
        ("\n\n", r"names no genre"),
    ],
)
def test_movielens_100k_bad_genre_file(tmp_path, genre_text, match):
    folder = _write_ml100k(tmp_path / "ml-100k")
    (folder / "u.genre").write_text(genre_text)
    with pytest.raises(FormatError, match=match):
        load_movielens(folder)


def test_movielens_damaged_zip(tmp_path):
    good = _ml100k_zip_bytes()
    z = tmp_path / "ml-100k.zip"
    z.write_bytes(good[: len(good) // 3])  # cut short: no central directory
    with pytest.raises((FormatError, FileNotFoundError)):
        load_movielens(z)
    data = bytearray(good)  # a member's compressed bytes changed: its CRC fails
    at = data.index(b"ml-100k/u.data") + len("ml-100k/u.data") + 2
    data[at] ^= 0xFF
    z.write_bytes(bytes(data))
    with pytest.raises(FormatError, match=r"member 'ml-100k/u\.data' cannot be read"):
        load_movielens(z)


def test_movielens_1m_layout(tmp_path):
    d = tmp_path / "ml-1m"
    d.mkdir()
    (d / "ratings.dat").write_text("1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::1\n")
    (d / "movies.dat").write_bytes(
        "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n"
        "661::James and the Giant Peach (1996)::Animation|Children's|Musical\n"
        "73::Misérables, Les (1995)::Drama|Musical\n".encode("latin-1")
    )
    b = load_movielens(d)
    assert b.format == "ml-1m" and b.name == "ml-1m"
    X = b.interactions
    assert X.item_ids.ids.tolist() == [1193, 661, 73] and X.shape == (2, 3)
    assert X.matrix.toarray().tolist() == [[5.0, 3.0, 0.0], [4.0, 0.0, 0.0]]
    assert X.timestamps.tolist() == [978300760.0, 978302109.0, 1.0]
    assert b.catalog[73]["title"] == "Misérables, Les (1995)"
    assert b.catalog[661]["genres"] == ["Animation", "Children's", "Musical"]
    (d / "ratings.dat").write_text("1::1193::5::978300760\n1::661::3\n")
    with pytest.raises(FormatError, match=r"ratings.dat', line 2: expected 4 fields"):
        load_movielens(d)
    (d / "ratings.dat").write_text("1::1193::5::978300760\n1::999::3::1\n")
    with pytest.raises(KeyError, match="999"):
        load_movielens(d)


def test_movielens_latest_layout(tmp_path):
    d = tmp_path / "ml-latest-small"
    d.mkdir()
    (d / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n2,1,2.5,5\n"
    )
    (d / "movies.csv").write_text(
        "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n"
        '3,"American President, The (1995)",Comedy|Drama|Romance\n'
        "9,Babylon 5,(no genres listed)\n"
    )
    (d / "tags.csv").write_text(
        "userId,movieId,tag,timestamp\n2,1,pixar,1\n3,1,fun,2\n4,1,pixar,3\n5,77,x,4\n"
    )
    b = load_movielens(d)
    assert b.format == "ml-latest"
    X = b.interactions
    assert X.matrix.toarray().tolist() == [[4.0, 4.5, 0.0], [2.5, 0.0, 0.0]]
    cat = b.catalog
    assert cat[3]["title"] == "American President, The (1995)" and cat[3]["year"] == 1995
    assert cat[9] == {"id": 9, "title": "Babylon 5", "year": None, "genres": [], "tags": []}
    assert cat[1]["tags"] == ["pixar", "fun"]


def test_movielens_plain_csv(tmp_path):
    p = tmp_path / "ratings.csv.gz"  # like the shared ml-1m copy: all timestamps empty
    p.write_bytes(gzip.compress(b"user,item,rating,timestamp\n1,1,5,\n1,48,5,\n2,1,3,\n"))
    b = load_movielens(p)
    assert b.format == "csv" and b.catalog is None
    assert b.interactions.timestamps is None and b.interactions.nnz == 3
    b2 = load_movielens(tmp_path)
    assert b2.interactions.matrix.toarray().tolist() == b.interactions.matrix.toarray().tolist()
    q = tmp_path / "plain.csv"
    q.write_text("u1,m1,4,10\nu2,m1,3,\n")  # no header, one empty timestamp
    with pytest.raises(InputError, match="timestamp"):
        load_movielens(q)
    with pytest.warns(DataWarning, match="dropped 1 of 2"):
        b = load_movielens(q, on_nan="drop")
    assert b.interactions.user_ids.ids.tolist() == ["u1"]
    q.write_text("userId\tmovie\n1\t2\n")  # a header is recognised by its column names
    assert load_movielens(q).interactions.matrix.toarray().tolist() == [[1.0]]
    q.write_text("a\tb\n1\t2\n")  # otherwise the first line is data
    assert load_movielens(q).interactions.shape == (2, 2)
    q.write_text("1,2,3\n4,5\n")
    with pytest.raises(FormatError, match=r"plain.csv', line 2"):
        load_movielens(q)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="no MovieLens ratings file"):
        load_movielens(empty)


@pytest.mark.slow
def test_shared_ml1m_copy():
    path = SHARED / "movielens" / "ml-1m"
    if not (path / "ratings.csv.gz").exists():
        pytest.skip("shared ml-1m copy not present")
    b = load_movielens(path)
    X = b.interactions
    assert (X.n_users, X.n_items, X.nnz) == (6040, 3706, 1000209)
    assert X.timestamps is None and b.catalog is None
    counts = np.bincount(X.matrix.data.astype(int), minlength=6)[1:].tolist()
    assert counts == [56174, 107557, 261197, 348971, 226310]  # published histogram


# ---------------------------------------------------------------------------------
# fetch_movielens against a local server


class _Server:
    def __init__(self, body: bytes, *, length: int | None = None, status: int = 200):
        self.body, self.length, self.status, self.requests = body, length, status, 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests += 1
                self.send_response(owner.status)
                n = len(owner.body) if owner.length is None else owner.length
                self.send_header("Content-Length", str(n))
                self.end_headers()
                self.wfile.write(owner.body)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/ml-100k.zip"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def test_fetch_downloads_verifies_and_caches(tmp_path):
    body = _ml100k_zip_bytes()
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    home = tmp_path / "cache"
    with _Server(body) as srv:
        b = fetch_movielens("ml-100k", data_home=home, url=srv.url, checksum=digest)
        _check_ml100k(b)
        assert srv.requests == 1 and os.listdir(home) == ["ml-100k.zip"]
        b = fetch_movielens("ml-100k", data_home=home, url=srv.url, checksum=digest)
        _check_ml100k(b)
        assert srv.requests == 1  # served from the cache
        md5 = hashlib.md5(body).hexdigest()  # bare 32 hex digits = md5
        fetch_movielens("ml-100k", data_home=home, url=srv.url, checksum=md5)
        assert srv.requests == 1


def test_fetch_corrupt_cache_is_downloaded_again(tmp_path, monkeypatch):
    body = _ml100k_zip_bytes()
    digest = hashlib.sha256(body).hexdigest()
    monkeypatch.setenv("FILMRECO_DATA", str(tmp_path))
    (tmp_path / "ml-100k.zip").write_bytes(b"not a zip")
    with _Server(body) as srv:
        fetch_movielens(url=srv.url, checksum=digest)
        assert srv.requests == 1
    assert (tmp_path / "ml-100k.zip").read_bytes() == body


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("checksum", r"checksum mismatch for http://127.0.0.1:\d+/ml-100k.zip: expected sha256"),
        ("truncated", "truncated: got"),
        ("notzip", "readable zip"),
        ("members", r"lacks the expected members \['u.item', 'u.genre'\]"),
        ("404", "HTTP Error 404"),
    ],
)
def test_fetch_failures_leave_no_file(tmp_path, case, match):
    body = _ml100k_zip_bytes()
    length = None
    status = 200
    digest = hashlib.sha256(body).hexdigest()
    if case == "checksum":
        digest = "0" * 64
    elif case == "truncated":
        length = len(body) + 100
    elif case == "notzip":
        body = b"<html>moved</html>"
        digest = hashlib.sha256(body).hexdigest()
    elif case == "members":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("ml-100k/u.data", U_DATA)
        body = buf.getvalue()
        digest = hashlib.sha256(body).hexdigest()
    else:
        status = 404
    home = tmp_path / "cache"
    with _Server(body, length=length, status=status) as srv:
        with pytest.raises(DownloadError, match=match):
            fetch_movielens("ml-100k", data_home=home, url=srv.url, checksum=digest, timeout=5)
    assert os.listdir(home) == []


def test_fetch_argument_errors(tmp_path):
    with pytest.raises(InputError, match="variant='ml-20m' is not supported"):
        fetch_movielens("ml-20m", data_home=tmp_path)
    with pytest.raises(InputError, match="checksum='abc' is not understood"):
        fetch_movielens("ml-100k", data_home=tmp_path, url="http://127.0.0.1:9/x", checksum="abc")
    with pytest.raises(DownloadError, match=r"could not download http://127\.0\.0\.1:9/x"):
        fetch_movielens("ml-100k", data_home=tmp_path, url="http://127.0.0.1:9/x", timeout=2)
    assert os.listdir(tmp_path) == []


def test_movielens_quoted_csv_and_damaged_ids(tmp_path):
    # red-team s14 round 2: a quote anywhere in ratings.csv raised a bare AttributeError
    # (the quoted-CSV reader gives str fields); one damaged id turned every id into text
    quoted = tmp_path / "q" / "ratings.csv"
    quoted.parent.mkdir()
    quoted.write_bytes(b'"userId","movieId","rating","timestamp"\n2,"1",5,978300760\n3,2,4,1\n')
    X = load_movielens(quoted).interactions
    assert X.user_ids.ids.tolist() == [2, 3] and X.item_ids.ids.tolist() == [1, 2]
    folder = tmp_path / "ml-1m"
    folder.mkdir()
    (folder / "movies.dat").write_text("1::Heat (1995)::Action\n2::Alien (1979)::Horror\n")
    (folder / "ratings.dat").write_text("1::1::4::978300760\n2::2x::3::978300761\n")
    with pytest.raises(FormatError, match=r"ratings\.dat', line 2: movie id '2x' is not a whole"):
        load_movielens(folder)
    (folder / "ratings.dat").write_text("1::1::4::978300760\n99999999999999999999::2::3::1\n")
    with pytest.raises(FormatError, match=r"line 2: user id '99999999999999999999' does not fit"):
        load_movielens(folder)
    (folder / "ratings.dat").write_text("1::1::4::978300760\n2::2::3::978300761\n")
    (folder / "movies.dat").write_text("1::Heat (1995)::Action\n3x::Alien (1979)::Horror\n")
    with pytest.raises(FormatError, match=r"movies\.dat', line 2: movie id '3x'"):
        load_movielens(folder)
    plain = tmp_path / "mine.csv"  # the user's own text ids, some of them digits: text
    plain.write_bytes(b"user,item,rating\nann,heat,5\n2024,alien,4\n")
    assert load_movielens(plain).interactions.user_ids.ids.tolist() == ["ann", "2024"]


def test_edgelist_padding_id_names_its_line():
    with pytest.raises(FormatError, match=r"line 2: node id -1 is reserved .*id_type=str"):
        load_edgelist(b"1 2\n-1 3\n")
    E = load_edgelist(b"1 2\n-1 3\n", id_type=str)  # as text, -1 is an id like any other
    assert E.node_ids.ids.tolist() == ["1", "2", "-1", "3"]
    assert load_edgelist(b"-2 3\n").node_ids.ids.tolist() == [-2, 3]
