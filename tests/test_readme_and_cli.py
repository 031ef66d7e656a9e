"""The README's quick start runs as written, and the command line works."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

from filmreco.__main__ import demo, main

ROOT = Path(__file__).resolve().parents[1]


def _quick_start() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_quick_start_runs(capsys):
    code = _quick_start()
    assert len(code.strip().splitlines()) <= 20
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "Interactions(" in out


def test_readme_commands_match_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    test_cmd = next(c for c in commands if "pytest" in c)
    assert test_cmd in ci.splitlines()
    assert any("python -m filmreco demo" in c for c in commands)


def test_demo_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the report folder goes under the current directory
    buf = io.StringIO()
    assert demo(out=buf) == 0
    text = buf.getvalue()
    for heading in (
        "Catalogue",
        "Behaviour",
        "Social graph",
        "User profiles",
        "Recommendations",
        "Word of mouth",
        "Search",
    ):
        assert heading in text
    # real numbers from the core, not placeholders
    assert re.search(r"users: \d+ +films: \d+ +interactions: \d+", text)
    m = re.search(r"homophily: .* ([\d.]+) vs random pairs ([\d.]+)", text)
    assert m and float(m.group(1)) > float(m.group(2))


def test_main_without_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_demo_as_module_is_quiet_on_stderr(tmp_path):
    # the report goes under the current directory, and its path is printed
    res = subprocess.run(
        [sys.executable, "-m", "filmreco", "demo"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    assert "Catalogue" in res.stdout
    folder = tmp_path / "filmreco-demo"
    assert (folder / "plan.json").exists()
    printed = Path(re.search(r"report: (\S+)", res.stdout).group(1))
    assert printed.parent == folder and printed.exists()


def test_demo_falls_back_to_a_private_temp_folder(tmp_path, monkeypatch):
    from filmreco.__main__ import _default_folder

    monkeypatch.chdir(tmp_path)
    assert _default_folder() == tmp_path / "filmreco-demo"
    (tmp_path / "filmreco-demo").rmdir()
    (tmp_path / "filmreco-demo").write_text("a file, not a folder")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    folder = _default_folder()
    assert folder.parent == tmp_path / "tmp" and folder.name.startswith("filmreco-demo-")


def test_readme_says_where_the_report_goes_and_docs_stay_editable():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "filmreco-demo" in readme
    docs_cmd = next(line for line in readme.splitlines() if "[docs]" in line)
    assert 'pip install -e ".[docs]"' in docs_cmd


def test_demo_writes_campaign_report(tmp_path):
    buf = io.StringIO()
    assert demo(out=buf, output=tmp_path, budget=30.0, model="itemknn") == 0
    text = buf.getvalue()
    assert "Campaign plan" in text and "lift over top_degree" in text
    path = Path(re.search(r"report: (\S+)", text).group(1))
    assert path == tmp_path / "campaign_report.html" and path.exists()
    html = path.read_text(encoding="utf-8")
    assert "<svg" in html and "<table" in html and "<img" not in html  # inline SVG charts
    assert "marginal gain of each extra seed" in text
    assert (tmp_path / "plan.json").exists()


def test_demo_command_prints_report_path(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path), "--film", "m0002"]) == 0
    out = capsys.readouterr().out
    assert f"report: {tmp_path / 'campaign_report.html'}" in out
    assert "(m0002)" in out


def test_demo_help_lists_options(capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        main(["demo", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for opt in ("--film", "--budget", "--model", "--output"):
        assert opt in out


def _small_files(folder: Path) -> tuple[Path, Path, Path]:
    import numpy as np

    rng = np.random.default_rng(0)
    users = [f"u{i}" for i in range(40)]
    films = [f"f{j}" for j in range(8)]
    rows = {(u, films[j]) for u in users for j in rng.choice(8, size=3, replace=False)}
    inter = folder / "inter.csv"
    inter.write_text(
        "user,item\n" + "".join(f"{u},{i}\n" for u, i in sorted(rows)), encoding="utf-8"
    )
    edges = folder / "edges.txt"
    edges.write_text(
        "".join(f"{users[i]} {users[(i * 7 + 3) % 40]}\n" for i in range(40)), encoding="utf-8"
    )
    cat = folder / "films.csv"
    cat.write_text(
        "id,title,genres,year\n"
        + "".join(
            f"{f},电影{'甲乙丙丁戊己庚辛'[j]},剧情|喜剧,{2000 + j}\n" for j, f in enumerate(films)
        ),
        encoding="utf-8",
    )
    return inter, edges, cat


def test_recommend_batch_command(tmp_path):
    import csv

    inter, _, _ = _small_files(tmp_path)
    out = tmp_path / "recs.csv"
    assert (
        main(
            [
                "recommend",
                "--interactions",
                str(inter),
                "--model",
                "ease",
                "--out",
                str(out),
                "--n",
                "3",
            ]
        )
        == 0
    )
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    seen = {tuple(line.split(",")) for line in inter.read_text().splitlines()[1:]}
    assert len(rows) == 40 * 3
    assert not {(r["user"], r["item"]) for r in rows} & seen
    assert {r["rank"] for r in rows} == {"1", "2", "3"}


def test_cli_reads_real_files_and_reports_input_errors_without_a_traceback(tmp_path, capsys):
    import csv

    inter, _, _ = _small_files(tmp_path)
    lines = inter.read_text().splitlines()
    # the same events as a Chinese export: own column names, GB18030, dated
    zh = tmp_path / "观看记录.csv"
    body = [f"{u},{i},2023/{1 + k % 12}/{1 + k % 28} 12:00"
            for k, (u, i) in enumerate(line.split(",") for line in lines[1:])]  # fmt: skip
    zh.write_bytes(("用户ID,电影ID,时间\n" + "\n".join(body) + "\n").encode("gb18030"))
    out = tmp_path / "recs.csv"
    argv = ["recommend", "--interactions", str(zh), "--out", str(out), "--n", "3"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--encoding 'gb18030'" in err and "Traceback" not in err
    argv += ["--encoding", "gb18030"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error: column 'user' is not in the header" in err and "--user-col" in err
    assert main([*argv, "--user-col", "用户ID", "--item-col", "电影ID"]) == 0
    with out.open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 40 * 3
    assert main(["recommend", "--interactions", str(tmp_path / "none.csv"), "--out",
                 str(out)]) == 2  # fmt: skip
    assert "No such file or directory" in capsys.readouterr().err
    plan_out = tmp_path / "plan"
    code = main(["plan", "--film", "f3", "--interactions", str(zh), "--actions", str(zh),
                 "--user-col", "用户ID", "--item-col", "电影ID", "--time-col", "时间",
                 "--encoding", "gb18030", "--calibration", "bernoulli", "--k", "1", "--n-runs", "50",
                 "--audience-size", "10", "--out", str(plan_out)])  # fmt: skip
    assert code == 0 and (plan_out / "audience.csv").exists()
    # a catalogue with its own column names
    cat = tmp_path / "片库.csv"
    cat.write_text("电影ID,片名,类型\nf3,星海漫游,科幻|冒险\nf5,长城守卫,动作\n", encoding="utf-8")
    base = ["plan", "--film", "f3", "--interactions", str(inter), "--catalog", str(cat),
            "--k", "1", "--n-runs", "50", "--audience-size", "10", "--out", str(plan_out)]  # fmt: skip
    assert main(base) == 2
    assert "(the film id column: rename yours with --catalog-columns NAME=id)" in (
        capsys.readouterr().err
    )
    assert main([*base, "--catalog-columns", "电影ID=id,片名=title,类型=genres"]) == 0
    assert "xinghaimanyou" in capsys.readouterr().out  # the plan's search check found it
    assert main([*base, "--catalog-columns", "电影ID=id,影片=title"]) == 2
    assert "does not have" in capsys.readouterr().err
    assert main([*base, "--catalog-columns", "电影ID"]) == 2
    assert "NAME=FIELD pairs" in capsys.readouterr().err


def test_plan_batch_command(tmp_path, capsys):
    inter, edges, cat = _small_files(tmp_path)
    out = tmp_path / "plan"
    argv = ["plan", "--film", "f3", "--interactions", str(inter), "--graph", str(edges),
            "--catalog", str(cat), "--k", "2", "--n-runs", "200", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "UNCALIBRATED" in text and "电影丁" in text
    assert (out / "campaign_report.html").exists() and (out / "plan.json").exists()
    lines = (out / "audience.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "user,score,group" and len(lines) > 1
    assert main(["plan", "--film", "f3", "--interactions", str(inter), "--k", "1",
                 "--n-runs", "50", "--out", str(out / "nograph")]) == 0  # fmt: skip
    # a film in the catalogue that nobody has watched yet: release_model ranks its audience
    cat.write_text(cat.read_text(encoding="utf-8") + "f9,电影新,剧情|喜剧,2024\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["plan", "--film", "f9", "--interactions", str(inter), "--graph", str(edges),
                 "--catalog", str(cat), "--k", "1", "--n-runs", "50",
                 "--out", str(out / "release")]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "(release_model)" in text and "电影新" in text
    assert len((out / "release" / "audience.csv").read_text(encoding="utf-8").splitlines()) > 1
    # a dated action log calibrates the propagation; another seed method is honoured
    actions = tmp_path / "actions.csv"
    pairs = [line.split(",") for line in inter.read_text().splitlines()[1:]]
    actions.write_text("user,item,time\n" + "".join(
        f"{u},{i},{k % 5}\n" for k, (u, i) in enumerate(pairs)), encoding="utf-8")  # fmt: skip
    capsys.readouterr()
    assert main([*argv[:-2], "--actions", str(actions), "--seed-method", "degree",
                 "--out", str(out / "calibrated")]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "UNCALIBRATED" not in text
    report = json.loads((out / "calibrated" / "plan.json").read_text(encoding="utf-8"))
    assert report["calibrated"] is True
    # --actions uses the back-test's choice (calibration "auto") and prints the back-test
    bt = report["backtest"]
    assert report["calibration_method"] == "auto" and bt["chosen"] in bt["table"]
    assert "chosen by a back-test on the action log" in text
    for name in ("bernoulli", "jaccard", "em", "bayes"):
        assert re.search(rf"^  {name} +\S+ +\S+ +\S+ +\S+", text, re.M), name
    html_text = (out / "calibrated" / "campaign_report.html").read_text(encoding="utf-8")
    assert 'data-table="backtest"' in html_text
    # --calibration picks one estimator instead (no back-test)
    assert main([*argv[:-2], "--actions", str(actions), "--calibration", "bayes",
                 "--out", str(out / "bayes")]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "method='bayes', no back-test" in text
    report = json.loads((out / "bayes" / "plan.json").read_text(encoding="utf-8"))
    assert report["backtest"] is None and report["calibration_method"] == "bayes"
