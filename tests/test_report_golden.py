"""Golden files of the Atmeh example: the whole run, as report.md shows it, regenerated on purpose.

After an intended change to matching, merging, counts or the report, regenerate with
`RECONCILE_REGENERATE=1 pytest tests/test_report_golden.py` and read the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconcile.cli import main

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "examples" / "atmeh-2022"
GOLDEN = Path(__file__).resolve().parent / "golden" / "atmeh-2022"
FILES = ("report.md", "persons.csv", "counts.csv", "links.csv")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    """The example run exactly as the README's command runs it, into a fresh folder."""
    out = tmp_path_factory.mktemp("atmeh") / "out"
    res = CliRunner().invoke(main, ["run", str(CASE), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    return out


@pytest.mark.parametrize("name", FILES)
def test_golden(outputs: Path, name: str):
    got = (outputs / name).read_bytes()
    golden = GOLDEN / name
    if os.environ.get("RECONCILE_REGENERATE"):
        golden.write_bytes(got)
    assert golden.exists(), f"no golden {golden}; run with RECONCILE_REGENERATE=1 to create it"
    assert got == golden.read_bytes()


def test_report_shows_what_the_example_is_about(outputs: Path):
    md = (outputs / "report.md").read_text(encoding="utf-8")
    # the two-wives / one-wife contradiction, with both claims' own words
    assert "**wives of the target**: 1-2" in md
    assert "two of the murdered women are wives of Abu Ibrahim Al-Hashimi Al-Quraysh" in md
    assert "Qardash had only one wife" in md
    # the totals as a range, and the children and women counts in dispute
    assert "- Killed in total: 13." in md
    assert "- Children killed: 3-6 (claims conflict)." in md
    # the dismembered bodies nobody identified
    assert "**sohr:sohr-11** (claims/sohr.csv, row 12): unidentified remains" in md
    # the disputed cause of death of the target
    assert "| cause | sohr:sohr-01 | not confirmed: an explosion or direct fire by Coalition" in md
    assert "detonated an explosive device, killing himself" in md
