"""The Atmeh example case: well-formed, loadable, and conflicting in the ways it means to."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

from click.testing import CliRunner

from reconcile import load_case
from reconcile.case import COUNT_COLUMNS, COUNT_QUALIFIERS, DECISION_COLUMNS, DECISION_VALUES
from reconcile.cli import main
from reconcile.schema import FIELDS

CASE = Path(__file__).resolve().parent.parent / "examples" / "atmeh-2022"
TARGET_NAMES = (
    "Abu Ibrahim al-Hashimi al-Qurashi",
    "Abu Ibrahim Al-Hashimi Al-Quraysh",
    "Abdullah Qardash",
    "Hajji Abdullah",
    "أبو إبراهيم الهاشمي القرشي",
    "Qardash",
)


def _toml() -> dict:
    with open(CASE / "case.toml", "rb") as f:
        return tomllib.load(f)


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    return table[0], table[1:]


def _claim_records(claim: dict) -> list[dict[str, str]]:
    """The claim's rows as {field: value}, through its column mapping."""
    header, rows = _rows(CASE / claim["file"])
    to_field = {h: h for h in header if h in FIELDS}
    for fld, col in claim.get("columns", {}).items():
        to_field[col] = fld
    return [{to_field[h]: v for h, v in zip(header, row, strict=True)} for row in rows]


def _counts() -> list[dict[str, str]]:
    with open(CASE / "counts.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _stated(category: str) -> dict[str, int]:
    return {r["claim"]: int(r["count"]) for r in _counts() if r["category"] == category}


def test_event_and_claims_are_declared():
    case = _toml()
    assert case["event"] == {
        "title": "US raid on Atmeh, Idlib",
        "date": "2022-02-03",
        "place": "Atmeh, Idlib, Syria",
    }
    ids = [c["id"] for c in case["claims"]]
    assert len(ids) == len(set(ids)) >= 5
    for c in case["claims"]:
        assert (CASE / c["file"]).is_file(), c["file"]
        assert c["source"]
        assert c["complete"] is False  # none of these sources presents its list as complete


def test_every_header_is_a_field_or_mapped_and_rows_are_whole():
    for c in _toml()["claims"]:
        header, rows = _rows(CASE / c["file"])
        mapped = c.get("columns", {})
        assert set(mapped) <= set(FIELDS), c["id"]
        assert set(mapped.values()) <= set(header), c["id"]
        unmapped = [h for h in header if h not in FIELDS and h not in mapped.values()]
        assert unmapped == [], (c["id"], unmapped)
        assert all(len(r) == len(header) for r in rows), c["id"]
        ids = [r["id"] for r in _claim_records(c)]
        assert all(ids) and len(ids) == len(set(ids)), c["id"]


def test_claims_with_rows_and_claims_with_numbers_only():
    claims = _toml()["claims"]
    with_rows = [c["id"] for c in claims if _claim_records(c)]
    assert len(with_rows) >= 5
    counted = {r["claim"] for r in _counts()}
    for c in claims:
        if c["id"] not in with_rows:
            assert c["id"] in counted, f"{c['id']} has neither rows nor counts"


def test_one_claim_keeps_its_own_headers_and_one_is_in_arabic_script():
    claims = {c["id"]: c for c in _toml()["claims"]}
    assert claims["local_reports"]["columns"]["sex"] == "gender"
    raw = (CASE / claims["sohr_wives"]["file"]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # saved as Excel saves UTF-8
    names = [r["name"] for r in _claim_records(claims["sohr_wives"])]
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in n) for n in names)


def test_counts_are_well_formed():
    with open(CASE / "counts.csv", encoding="utf-8", newline="") as f:
        assert tuple(next(csv.reader(f))) == COUNT_COLUMNS
    claim_ids = {c["id"] for c in _toml()["claims"]}
    for r in _counts():
        assert r["claim"] in claim_ids
        assert r["qualifier"] in COUNT_QUALIFIERS
        assert r["count"].isdigit()


def test_counts_conflict_as_the_sources_do():
    assert _stated("wives of the target") == {"sohr_wives": 2, "local_reports": 1}
    children = _stated("children")
    assert children["sohr"] == 4 and children["civil_defence"] == 6
    assert children["civil_defence_f24"] == 3  # the same body, as France24 quoted it
    assert _stated("unidentified") == {"sohr": 2, "sohr_director": 3}
    women = _stated("women")
    assert women["sohr"] == 3 and women["civil_defence"] == 4


def test_listed_rows_match_what_the_observatory_states():
    sohr = next(c for c in _toml()["claims"] if c["id"] == "sohr")
    recs = _claim_records(sohr)
    assert len(recs) == 13  # twelve inside, one outside
    assert sum(r["name"] == "woman" for r in recs) == 3
    assert sum(r["age_group"] == "child" for r in recs) == 4
    assert sum(r["identified"] == "no" for r in recs) == 2
    assert sum("outside" in r["location"] for r in recs) == 1


def test_wives_differ_between_claims():
    claims = {c["id"]: c for c in _toml()["claims"]}

    def wives(cid: str) -> int:
        return sum(
            r.get("relation", "").startswith("wife of") and "lieutenant" not in r["relation"]
            for r in _claim_records(claims[cid])
        )

    assert wives("sohr_wives") == 2
    assert wives("local_reports") == 1


def test_the_target_appears_under_several_names():
    seen: dict[str, set[str]] = {}
    for c in _toml()["claims"]:
        for r in _claim_records(c):
            for col in ("name", "name_alt", "alias"):
                for part in r.get(col, "").split(";"):
                    if part.strip() in TARGET_NAMES:
                        seen.setdefault(c["id"], set()).add(part.strip())
    assert len(seen) >= 4
    assert len(set().union(*seen.values())) >= 5


def test_cause_of_death_is_disputed():
    claims = {c["id"]: c for c in _toml()["claims"]}
    us = {r["id"]: r["cause"] for r in _claim_records(claims["us_officials"])}
    assert "bomb detonated by the target" in us.values()
    assert "firefight with US forces" in us.values()
    sohr = {r["cause"] for r in _claim_records(claims["sohr"])}
    assert any(c.startswith("not confirmed") for c in sohr)


def test_decisions_name_real_records():
    with open(CASE / "decisions.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == DECISION_COLUMNS
        decisions = list(reader)
    claims = {c["id"]: c for c in _toml()["claims"]}
    assert len(decisions) == 1
    for d in decisions:
        assert d["decision"] in DECISION_VALUES and d["why"]
        for side in ("a", "b"):
            ids = {r["id"] for r in _claim_records(claims[d[f"claim_{side}"]])}
            assert d[f"record_{side}"] in ids


def test_the_loader_reads_the_case_without_errors():
    case = load_case(CASE)
    errors = [p.format() for p in case.problems if p.severity == "error"]
    assert errors == []
    assert [c.id for c in case.claims] == [c["id"] for c in _toml()["claims"]]
    sizes = {c.id: len(c.records) for c in case.claims}
    assert sizes["sohr"] == 13 and sizes["sohr_wives"] == 3 and sizes["civil_defence"] == 0
    wives = case.claim("sohr_wives").records
    assert wives.loc[wives["record_id"] == "sw-01", "name"].item() == "أبو إبراهيم الهاشمي القرشي"
    local = case.claim("local_reports").records
    assert set(local["sex_n"]) >= {"male", "female"}


def test_reconcile_check_passes_without_warnings():
    result = CliRunner().invoke(main, ["check", str(CASE)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 errors, 0 warnings")  # no problem lines before it
