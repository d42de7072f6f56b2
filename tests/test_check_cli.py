"""`reconcile check` and `reconcile run` via CliRunner; the case-format doc covers every code."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from reconcile import load_case
from reconcile.cli import main
from reconcile.problems import CODES
from reconcile.summary import claims_summary

FIXTURES = Path(__file__).parent / "fixtures"
DOC = Path(__file__).parent.parent / "docs" / "case-format.md"

CASE_TOML = """
[event]
title = "Shelling of an invented market"
date = "2020-03-04"
place = "Invented Town"

[[claims]]
id = "monitor"
file = "claims/monitor.csv"
source = "A monitoring group"

[[claims]]
id = "hospital"
file = "claims/hospital.csv"
source = "The town hospital"
"""


def write_case(root: Path, monitor: str, hospital: str, **extra: str) -> Path:
    (root / "claims").mkdir(parents=True)
    (root / "case.toml").write_text(CASE_TOML, encoding="utf-8")
    (root / "claims/monitor.csv").write_text(monitor, encoding="utf-8")
    (root / "claims/hospital.csv").write_text(hospital, encoding="utf-8")
    for name, text in extra.items():
        (root / f"{name}.csv").write_text(text, encoding="utf-8")
    return root


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_clean_case(tmp_path):
    case = write_case(
        tmp_path / "c",
        "id,name,sex,age\nm1,Lina Saleh,female,30\nm2,Karim Saleh,male,6\n",
        "id,name\nh1,لينا صالح\n",
    )
    result = invoke("check", str(case))
    assert result.output == "0 errors, 0 warnings in 2 claims (3 records)\n"
    assert result.exit_code == 0


def test_check_reports_every_problem_sorted_and_fails(tmp_path):
    case = write_case(
        tmp_path / "c",
        "id,name,sex,age,colour\nm1,Lina Saleh,femal,30,red\nm1,Karim Saleh,male,abc,blue\n",
        "name\nلينا صالح\n",
        counts="claim,category,count,qualifier,quote\nmonitor,killed,3,,\nmonitr,women,x,,\n",
    )
    result = invoke("check", str(case))
    assert result.output.splitlines() == [
        "claims/hospital.csv:1:id: W301: no id column; each record gets the id row-N from its row "
        "(add ids to keep them stable)",
        "claims/monitor.csv:1:colour: W302: unknown column 'colour'; its values are kept as "
        "'extra:colour'",
        "claims/monitor.csv:2:sex: E201: 'femal' is not a sex; did you mean 'female'?",
        "claims/monitor.csv:3:id: E204: duplicate id 'm1' (also row 2)",
        "claims/monitor.csv:3:age: E202: 'abc' is not an age; write 34, 30-35, ~40, 5 months or "
        "a word such as child",
        "counts.csv:3:claim: E402: unknown claim 'monitr'; did you mean 'monitor'?",
        "counts.csv:3:count: E401: 'x' is not a count; write a whole number such as 12",
        "5 errors, 2 warnings in 2 claims (3 records)",
    ]
    assert result.exit_code == 1


def test_check_warnings_do_not_fail():
    result = invoke("check", str(FIXTURES / "no_id.csv"))
    assert result.exit_code == 0
    assert result.output.endswith("0 errors, 1 warning in 1 claim (2 records)\n")


def test_check_bare_files_with_overrides():
    result = invoke(
        "check", "--encoding", "cp1256", "--delimiter", ",", str(FIXTURES / "cp1256.csv")
    )
    assert (result.output, result.exit_code) == ("0 errors, 0 warnings in 1 claim (2 records)\n", 0)


def test_check_unreadable_inputs_never_trace(tmp_path):
    paths = [FIXTURES / n for n in ("empty.csv", "not_text.csv", "ragged.csv")]
    result = invoke("check", *map(str, paths), str(tmp_path / "nothere.csv"))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    missing = f"{tmp_path / 'nothere.csv'}: E003: file not found"
    assert missing in lines  # sorted by file path: where it falls depends on the checkout's path
    lines.remove(missing)
    out = [line.removeprefix(str(FIXTURES) + "/") for line in lines]
    assert out == [
        "empty.csv: E102: empty file: no header, no records",
        "not_text.csv: E101: not a text file: it looks like a zip archive, perhaps an Excel "
        ".xlsx workbook: save it as CSV",
        "ragged.csv:3: E103: 2 cells but the header has 3",
        "ragged.csv:4: E103: 4 cells but the header has 3",
        "5 errors, 0 warnings in 3 claims (3 records)",
    ]


def test_check_stated_encoding_that_fails(tmp_path):
    (tmp_path / "a.csv").write_text("id,name\n1,Sami\n2,سامي\n", encoding="utf-8")
    result = invoke("check", "--encoding", "ascii", str(tmp_path / "a.csv"))
    assert result.output.splitlines()[0] == (
        f"{tmp_path / 'a.csv'}:3: E105: byte 0xD8 cannot be read as ascii, "
        "the encoding given for this file"
    )
    assert result.exit_code == 1


def test_bad_option_values_are_usage_errors():
    result = CliRunner().invoke(main, ["check", "--encoding", "klingon", "x.csv"])
    assert result.exit_code == 2
    assert "Invalid value for '--encoding': unknown encoding 'klingon'" in result.output
    result = CliRunner().invoke(main, ["check", "--delimiter", "ab", "x.csv"])
    assert result.exit_code == 2
    assert "unusable delimiter 'ab'" in result.output


def test_malformed_toml(tmp_path):
    (tmp_path / "case.toml").write_text('[event]\ntitle = "x\n', encoding="utf-8")
    result = invoke("check", str(tmp_path))
    assert result.output.splitlines() == [
        "case.toml:2: E001: not valid TOML: Illegal character '\\n'",
        "1 error, 0 warnings in 0 claims (0 records)",
    ]
    assert result.exit_code == 1


def test_claims_summary(tmp_path):
    case = write_case(
        tmp_path / "c",
        "id,name\nm1,Lina Saleh\nm2,Karim Saleh\n",
        "id,name\nh1,لينا صالح\n",
    )
    assert claims_summary(load_case(case)).splitlines() == [
        "Shelling of an invented market (2020-03-04, Invented Town)",
        "2 claims, 3 records",
        "  monitor   A monitoring group  2 records  claims/monitor.csv",
        "  hospital  The town hospital    1 record  claims/hospital.csv",
    ]


def test_run_stops_on_errors():
    result = invoke("run", str(FIXTURES / "duplicate_id.csv"))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "1 error, 0 warnings in 1 claim (3 records)"


def test_every_problem_code_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([EW]\d{3})` \|", doc, re.M))
    assert documented == set(CODES)
