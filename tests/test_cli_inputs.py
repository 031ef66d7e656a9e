"""The CLI speaks in its own options: --on-error, --catalog-columns checks, warnings as the
command's own lines (session 14 red-team findings)."""

from __future__ import annotations

from filmreco.__main__ import main


def _inter(tmp_path, extra=""):
    p = tmp_path / "inter.csv"
    rows = [(u, i) for u in range(1, 31) for i in (10, 11, 12, 13, 14) if (u + i) % 3]
    p.write_text("user,item\n" + "".join(f"{u},{i}\n" for u, i in rows) + extra)
    return p


def test_on_error_option_and_its_name_in_messages(tmp_path, capsys):
    inter = _inter(tmp_path)
    cat = tmp_path / "cat.csv"
    cat.write_text("id,title,year\n10,星际穿越,2014\n11,流浪地球,2o19\n", encoding="utf-8")
    base = ["plan", "--film", "10", "--interactions", str(inter), "--catalog", str(cat),
            "--k", "1", "--n-runs", "20", "--audience-size", "5", "--out", str(tmp_path / "p")]  # fmt: skip
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "pass --on-error coerce" in err and "on_error=" not in err
    assert main([*base, "--on-error", "coerce"]) == 0
    err = capsys.readouterr().err
    assert "plan: warning: made 1 bad cell(s) missing (--on-error coerce" in err
    assert "<frozen" not in err and "DataWarning" not in err


def test_warnings_are_the_commands_own_lines(tmp_path, capsys):
    inter = _inter(tmp_path, extra="1,10\n")  # a repeated event: merged with a warning
    assert main(["recommend", "--interactions", str(inter), "--out", str(tmp_path / "r.csv")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("python -m filmreco recommend: warning: merged 1 duplicate events")
    assert "<frozen" not in err


def test_catalog_columns_checked(tmp_path, capsys):
    inter = _inter(tmp_path)
    cat = tmp_path / "cat.csv"
    cat.write_text("id,片名,类型,year\n10,星际穿越,科幻,2014\n", encoding="utf-8")
    base = ["plan", "--film", "10", "--interactions", str(inter), "--catalog", str(cat),
            "--k", "1", "--n-runs", "20", "--audience-size", "5", "--out", str(tmp_path / "p")]  # fmt: skip
    assert main([*base, "--catalog-columns", "片名=title,类型=title"]) == 2
    err = capsys.readouterr().err
    assert "renames 2 columns (片名, 类型) to the field 'title'" in err
    assert main(base) == 2  # no column search reads
    err = capsys.readouterr().err
    assert "has none of the columns search reads" in err and "--catalog-columns" in err
    assert main([*base, "--catalog-columns", "片名=title,类型=genres"]) == 0
    assert main([*base, "--catalog-columns", "片名=title", "--film", "nope"]) == 2
    assert "--film 'nope' is not a film id of either --interactions or --catalog" in (
        capsys.readouterr().err
    )


def test_ids_are_written_as_read_and_quoted(tmp_path):
    # red-team s14 round 2: '003' came back as 3, an id holding a comma broke audience.csv's
    # rows, and an id starting with '=' went to a spreadsheet as a formula
    import csv

    users = ["a,b", 'q"uote', "=HYPERLINK()", "007", "u5", "u6"]
    films = ["003", "004", "005"]
    rows = [(u, f) for k, u in enumerate(users) for j, f in enumerate(films) if (k + j) % 3]
    inter = tmp_path / "inter.csv"
    with inter.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("user", "item"), *rows])
    out = tmp_path / "recs.csv"
    assert main(["recommend", "--interactions", str(inter), "--out", str(out), "--n", "2"]) == 0
    with out.open(encoding="utf-8") as f:
        got = list(csv.DictReader(f))
    assert {r["item"] for r in got} <= set(films)  # '003', not 3
    assert {r["user"] for r in got} <= {*users, "'=HYPERLINK()"} and "'=HYPERLINK()" in {
        r["user"] for r in got
    }
    plan_out = tmp_path / "plan"
    assert main(["plan", "--film", "003", "--interactions", str(inter), "--k", "1",
                 "--n-runs", "20", "--audience-size", "6", "--out", str(plan_out)]) == 0  # fmt: skip
    with (plan_out / "audience.csv").open(encoding="utf-8") as f:
        audience = list(csv.DictReader(f))
    assert audience and all(set(r) == {"user", "score", "group"} for r in audience)
    assert {r["user"] for r in audience} <= {*users, "'=HYPERLINK()"}
