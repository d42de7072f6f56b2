"""`reconcile match`, `reconcile explain` and `reconcile run` through the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from reconcile.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "atmeh-2022"


def _case(tmp_path: Path) -> Path:
    dst = tmp_path / "case"
    shutil.copytree(EXAMPLE, dst, ignore=shutil.ignore_patterns("out"))
    return dst


def test_match_writes_links_and_pairs(tmp_path: Path) -> None:
    case = _case(tmp_path)
    out = tmp_path / "o"
    res = CliRunner().invoke(main, ["match", str(case), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == (
        "35 records in 9 claims; 595 pairs compared; 32 persons; 3 records in ambiguous "
        "matches; 0 possible duplicates within a claim"
    )
    links = pd.read_csv(out / "links.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(links.columns) == [
        "claim",
        "record_id",
        "person_id",
        "score",
        "ambiguous",
        "alternatives",
        "file",
        "row",
    ]
    target = links[links["record_id"].isin(["sohr-01", "sw-01", "lr-01", "us-01"])]
    assert target["person_id"].nunique() == 1
    wife = links.set_index("record_id").loc["lr-02"]
    assert wife["ambiguous"] == "True"
    assert wife["alternatives"] == "sohr_wives:sw-02;sohr_wives:sw-03"


def test_explain_shows_every_field_and_the_total(tmp_path: Path) -> None:
    case = _case(tmp_path)
    res = CliRunner().invoke(main, ["explain", str(case), "sohr:sohr-01", "us_officials:us-01"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "sohr:sohr-01  (claims/sohr.csv, row 2)"
    assert lines[1] == "us_officials:us-01  (claims/us_officials.csv, row 2)"
    fields = [line.split()[0] for line in lines[4:-2] if line.strip()]
    assert fields == [
        "prior",
        "name",
        "sex",
        "age",
        "dob",
        "national_id",
        "relation",
        "status",
        "location",
        "nationality",
        "context",
    ]
    assert lines[-1].startswith("match weight +")
    assert lines[-1].endswith("status: linked")


def test_explain_unknown_record_is_a_usage_error(tmp_path: Path) -> None:
    case = _case(tmp_path)
    res = CliRunner().invoke(main, ["explain", str(case), "sohr:nope", "us_officials:us-01"])
    assert res.exit_code == 2
    assert "no record 'sohr:nope' (write CLAIM:ID, e.g. sohr:sohr-01)" in res.output


def test_explain_never_compared(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("id,name\n" + "".join(f"a{i},Name{i} Family{i}\n" for i in range(600)))
    b.write_text("id,name\n" + "".join(f"b{i},Other{i} Line{i}\n" for i in range(600)))
    # bare files: explain takes the first as the case; use a case folder instead
    (tmp_path / "case.toml").write_text(
        '[event]\ntitle = "t"\n\n[[claims]]\nid = "a"\nfile = "a.csv"\n\n'
        '[[claims]]\nid = "b"\nfile = "b.csv"\n'
    )
    res = CliRunner().invoke(main, ["explain", str(tmp_path), "a:a0", "b:b0"])
    assert res.exit_code == 0, res.output
    assert "never compared: blocking did not propose this pair" in res.output


def test_run_writes_every_output_and_exits_0(tmp_path: Path) -> None:
    case = _case(tmp_path)
    res = CliRunner().invoke(main, ["run", str(case), "--quiet"])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (case / "out").iterdir())
    assert names == sorted(
        [
            "counts.csv",
            "links.csv",
            "pairs.csv",
            "person_fields.csv",
            "persons.csv",
            "reconcile.sqlite",
            "report.html",
            "report.json",
            "report.md",
            "report.xlsx",
        ]
    )
    assert res.output.splitlines()[-1] == f"Wrote 10 files to {case / 'out'}"


def test_run_fail_on_conflict(tmp_path: Path) -> None:
    case = _case(tmp_path)
    res = CliRunner().invoke(
        main, ["run", str(case), "--quiet", "--format", "csv", "--fail-on", "conflict"]
    )
    assert res.exit_code == 1


def test_run_unknown_format(tmp_path: Path) -> None:
    case = _case(tmp_path)
    res = CliRunner().invoke(main, ["run", str(case), "--format", "pdf"])
    assert res.exit_code == 2
    assert res.output.splitlines()[-1] == (
        "Error: Invalid value for --format: unknown format pdf; "
        "choose from csv, md, html, json, xlsx, sqlite"
    )


def test_run_stops_on_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,sex\n1,Ali,femal\n")
    res = CliRunner().invoke(main, ["run", str(bad)])
    assert res.exit_code == 1
    assert f"{bad}:2:sex: E201: 'femal' is not a sex; did you mean 'female'?" in res.output


def test_bad_matching_setting(tmp_path: Path) -> None:
    case = _case(tmp_path)
    toml = case / "case.toml"
    toml.write_text(toml.read_text() + "\n[settings.matching]\nthreshhold = 2\n")
    res = CliRunner().invoke(main, ["match", str(case), "--quiet"])
    assert res.exit_code == 1
    assert "Error: case.toml: unknown matching setting 'threshhold'" in res.output
    res = CliRunner().invoke(main, ["check", str(case)])
    assert res.exit_code == 1
    assert res.output.splitlines()[0].startswith(
        "case.toml: E002: [settings.matching]: unknown matching setting 'threshhold'; known: "
    )
