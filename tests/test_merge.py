"""Tests for reconcile.merge and reconcile.agree: field agreement rules, presence, determinism."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.agree import (
    COMPARATORS,
    Stated,
    format_age,
    name_form,
    names_agree,
    norm_text,
    verdict,
)
from reconcile.case import Claim
from reconcile.merge import LONG_FIELDS, PERSON_COLUMNS, merge_persons
from reconcile.schema import (
    LINK_COLUMNS,
    MERGED_FIELDS,
    PARSED_COLUMNS,
    PERSON_FIELD_COLUMNS,
    TEXT_FIELDS,
)

CLAIM_FILES = {"a": "claims/a.csv", "b": "claims/b.csv", "c": "claims/c.csv"}


def rec(claim: str, rid: str, row: int, **fields: Any) -> dict[str, Any]:
    """A record as parse_records leaves it: original text, then parsed columns."""
    r: dict[str, Any] = {"claim": claim, "record_id": rid, "file": CLAIM_FILES[claim], "row": row}
    r.update({f: "" for f in TEXT_FIELDS})
    r.update({c: "" for c in PARSED_COLUMNS})
    r.update(age_min=math.nan, age_max=math.nan, name_is_relation=False, name_unknown=False)
    r.update(fields)
    return r


def frames(recs: list[dict[str, Any]], person: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records frame and links frame; `person` maps "claim:id" to person_id (default: own)."""
    records = pd.DataFrame(recs)
    links = pd.DataFrame(
        [
            {
                "claim": r["claim"],
                "record_id": r["record_id"],
                "person_id": person.get(
                    f"{r['claim']}:{r['record_id']}", f"p-{r['claim']}-{r['record_id']}"
                ),
                "score": "",
                "ambiguous": False,
                "alternatives": "",
                "file": r["file"],
                "row": r["row"],
            }
            for r in recs
        ],
        columns=list(LINK_COLUMNS),
    )
    return records, links


def claims(*ids: str, complete: tuple[str, ...] = ()) -> list[Claim]:
    return [
        Claim(id=i, file=CLAIM_FILES[i], path=CLAIM_FILES[i], complete=i in complete) for i in ids
    ]


def one_person(*recs: dict[str, Any], case: tuple[str, ...] = ("a", "b", "c")) -> pd.Series:
    """Merge the given records as one person and return its persons row."""
    recs_l = list(recs)
    person = {f"{r['claim']}:{r['record_id']}": "P1" for r in recs_l}
    records, links = frames(recs_l, person)
    persons, _ = merge_persons(records, links, claims(*case))
    assert len(persons) == 1
    return persons.iloc[0]


# --------------------------------------------------------------------------- agreement rules


def test_girl_agrees_with_female_and_child() -> None:
    p = one_person(
        rec("a", "1", 2, sex="girl", sex_n="female", age_group_n="child"),
        rec("b", "1", 2, sex="female", sex_n="female", age_group="child", age_group_n="child"),
    )
    assert (p["sex"], p["sex_status"]) == ("female", "agree")
    assert (p["age_group"], p["age_group_status"]) == ("child", "agree")


def test_girl_conflicts_with_adult_man() -> None:
    p = one_person(
        rec("a", "1", 2, sex="girl", sex_n="female", age_group_n="child"),
        rec("b", "1", 2, sex="man", sex_n="male", age_group_n="adult"),
    )
    assert (p["sex"], p["sex_status"]) == ("female | male", "conflict")
    assert (p["age_group"], p["age_group_status"]) == ("child | adult", "conflict")


def age(claim: str, text: str, lo: float, hi: float, group: str = "adult") -> dict[str, Any]:
    return rec(claim, "1", 2, age=text, age_n=text, age_min=lo, age_max=hi, age_group_n=group)


def test_ages_within_a_year_agree_as_a_range() -> None:
    p = one_person(age("a", "34", 34, 34), age("b", "35", 35, 35))
    assert (p["age"], p["age_status"]) == ("34-35", "agree")


def test_overlapping_ranges_agree_on_their_intersection() -> None:
    p = one_person(age("a", "30-35", 30, 35), age("b", "33", 33, 33), age("c", "32-40", 32, 40))
    assert (p["age"], p["age_status"]) == ("33", "agree")


def test_distant_ages_conflict() -> None:
    p = one_person(age("a", "30-35", 30, 35), age("b", "40", 40, 40))
    assert (p["age"], p["age_status"]) == ("30-35 | 40", "conflict")


def test_one_distant_pair_among_three_is_a_conflict() -> None:
    p = one_person(age("a", "34", 34, 34), age("b", "35", 35, 35), age("c", "36", 36, 36))
    assert p["age_status"] == "conflict"
    assert p["age"] == "34 | 35 | 36"


def test_stated_unknown_and_blank_are_neither_agreement_nor_conflict() -> None:
    p = one_person(
        rec("a", "1", 2, age="?", age_n="unknown", sex="female", sex_n="female"),
        rec("b", "1", 2, age="40", age_n="40", age_min=40, age_max=40, sex="?", sex_n="unknown"),
        rec("c", "1", 2),
    )
    assert (p["age"], p["age_status"]) == ("40", "single")
    assert (p["sex"], p["sex_status"]) == ("female", "single")
    assert (p["dob"], p["dob_status"]) == ("", "unknown")
    assert (p["cause"], p["cause_status"]) == ("", "unknown")


def test_all_unknown_is_unknown() -> None:
    p = one_person(
        rec("a", "1", 2, cause="unknown", status="?", status_n="unknown"),
        rec("b", "1", 2, cause="غير معروف", status_n=""),
    )
    assert (p["cause"], p["cause_status"]) == ("", "unknown")
    assert (p["status"], p["status_status"]) == ("", "unknown")


def test_elderly_agrees_with_adult() -> None:
    p = one_person(rec("a", "1", 2, age_group_n="adult"), rec("b", "1", 2, age_group_n="elderly"))
    assert (p["age_group"], p["age_group_status"]) == ("elderly", "agree")


def test_dob_year_agrees_with_full_date_but_not_another_year() -> None:
    p = one_person(rec("a", "1", 2, dob_n="1990"), rec("b", "1", 2, dob_n="1990-05-02"))
    assert (p["dob"], p["dob_status"]) == ("1990-05-02", "agree")
    p = one_person(rec("a", "1", 2, dob_n="1990"), rec("b", "1", 2, dob_n="1991-05-02"))
    assert (p["dob"], p["dob_status"]) == ("1990 | 1991-05-02", "conflict")


def test_national_id_is_exact() -> None:
    same = one_person(
        rec("a", "1", 2, national_id_n="0123"), rec("b", "1", 2, national_id_n="0123")
    )
    assert same["national_id_status"] == "agree"
    diff = one_person(rec("a", "1", 2, national_id_n="0123"), rec("b", "1", 2, national_id_n="123"))
    assert (diff["national_id"], diff["national_id_status"]) == ("0123 | 123", "conflict")


def test_status_and_identified_are_exact_on_parsed_values() -> None:
    p = one_person(
        rec("a", "1", 2, status="Killed", status_n="killed", identified_n="no"),
        rec("b", "1", 2, status="dead", status_n="killed", identified_n="yes"),
    )
    assert (p["status"], p["status_status"]) == ("killed", "agree")
    assert (p["identified"], p["identified_status"]) == ("no | yes", "conflict")


def test_same_script_spellings_of_a_name_agree_and_are_all_listed() -> None:
    p = one_person(
        rec("a", "1", 2, name="Hisham Ahmad al-Hassan"),
        rec("b", "1", 2, name="Hisham Ahmed al Hasan", name_alt="Hisham al-Hassan"),
        rec("c", "1", 2, name="Hisham"),
    )
    assert p["name_status"] == "agree"
    assert p["name"] == "Hisham Ahmad al-Hassan"  # the fullest spelling, earliest claim first
    assert (
        p["names"] == "Hisham Ahmad al-Hassan | Hisham Ahmed al Hasan | Hisham al-Hassan | Hisham"
    )


def test_two_partial_writings_of_one_long_name_agree() -> None:
    # one source omits the grandfather's name, the other the second family name
    p = one_person(
        rec("a", "1", 2, name="Asif Ali Abu Hamad Abu Daqqa"),
        rec("b", "1", 2, name="Asif Ali Fawzi Abu Hamad"),
    )
    assert p["name_status"] == "agree"
    assert names_agree("عاصف علي ابو حمد أبو دقة", "عاصف علي فوزي ابوحمد")


def test_a_different_name_in_the_same_place_conflicts() -> None:
    assert not names_agree("Salma Hamouda Rasmi al-Najjar", "Salma Mohammed Rasmi al-Najjar")
    assert not names_agree("سلمى حمودة رسمي النجار", "سلمى محمد رسمى النجار")


def test_different_names_conflict() -> None:
    p = one_person(rec("a", "1", 2, name="Mohammed Ali"), rec("b", "1", 2, name="Mohammed Hassan"))
    assert (p["name"], p["name_status"]) == ("Mohammed Ali | Mohammed Hassan", "conflict")


def test_alias_reconciles_two_different_names() -> None:
    p = one_person(
        rec("a", "1", 2, name="Abdullah Qardash", alias="Abu Ibrahim al-Hashimi al-Qurashi"),
        rec("b", "1", 2, name="Abu Ibrahim al-Qurayshi"),
    )
    assert p["name_status"] == "agree"
    assert (
        p["names"]
        == "Abdullah Qardash | Abu Ibrahim al-Hashimi al-Qurashi | Abu Ibrahim al-Qurayshi"
    )


def test_arabic_and_latin_spellings_agree() -> None:
    assert names_agree("محمد", "Mohammed")
    assert names_agree("أحمد النجار", "Ahmad Al-Najjar")
    assert names_agree("عبد الله قرداش", "Abdullah Qardash")
    assert not names_agree("محمد", "Mahmoud")
    p = one_person(rec("a", "1", 2, name="محمد"), rec("b", "1", 2, name="Mohammed"))
    assert p["name_status"] == "agree"


def test_unnamed_and_kinship_names_are_not_spellings() -> None:
    p = one_person(
        rec("a", "1", 2, name="unidentified woman", name_unknown=True),
        rec(
            "b",
            "1",
            2,
            name="wife of Abu Ibrahim",
            name_is_relation=True,
            relation_term="wife",
            relation_to="Abu Ibrahim",
        ),
    )
    assert (p["name"], p["name_status"], p["names"]) == ("", "unknown", "")
    assert (p["relation"], p["relation_status"]) == ("wife of Abu Ibrahim", "single")


def wife(claim: str, rid: str, text: str, term: str, to: str, row: int = 2) -> dict[str, Any]:
    return rec(claim, rid, row, relation=text, relation_term=term, relation_to=to)


def test_relation_same_term_fuzzy_target_agrees() -> None:
    p = one_person(
        wife("a", "1", "wife of Abu Ibrahim al-Qurashi", "wife", "Abu Ibrahim al-Qurashi"),
        wife("b", "1", "Abu Ibrahim's wife", "wife", "Abu Ibrahim"),
    )
    assert (p["relation"], p["relation_status"]) == ("wife of Abu Ibrahim al-Qurashi", "agree")


def test_relation_other_term_or_other_target_conflicts() -> None:
    p = one_person(
        wife("a", "1", "wife of Hisham", "wife", "Hisham"),
        wife("b", "1", "sister of Hisham", "sister", "Hisham"),
    )
    assert p["relation_status"] == "conflict"
    p = one_person(
        wife("a", "1", "wife of Hisham", "wife", "Hisham"),
        wife("b", "1", "wife of Karim", "wife", "Karim"),
    )
    assert (p["relation"], p["relation_status"]) == ("wife of Hisham | wife of Karim", "conflict")


def test_relation_general_term_agrees_with_specific() -> None:
    p = one_person(
        wife("a", "1", "child of Hisham", "child", "Hisham"),
        wife("b", "1", "Hisham's son", "son", "Hisham"),
    )
    assert (p["relation"], p["relation_status"]) == ("Hisham's son", "agree")


def test_relation_targets_meet_through_the_person_they_name() -> None:
    recs = [
        rec("a", "t", 2, name="Abdullah Qardash", alias="Hajji Abdullah"),
        wife("a", "w", "wife of Hajji Abdullah", "wife", "Hajji Abdullah", row=3),
        wife("b", "w", "wife of Abdullah Qardash", "wife", "Abdullah Qardash", row=2),
        wife("c", "w", "wife of Abu Ibrahim", "wife", "Abu Ibrahim", row=2),
    ]
    records, links = frames(recs, {"a:w": "W", "b:w": "W"})
    persons, _ = merge_persons(records, links, claims("a", "b", "c"))
    w = persons.set_index("person_id").loc["W"]
    assert w["relation_status"] == "agree"


def test_relation_targets_resolved_within_each_claim() -> None:
    recs = [
        rec("a", "q", 2, name="Qardash"),
        wife("a", "w", "wife of Qardash", "wife", "Qardash", row=3),
        rec("b", "t", 2, name="Abu Ibrahim al-Qurashi"),
        wife("b", "w", "wife of Abu Ibrahim", "wife", "Abu Ibrahim", row=3),
    ]
    # the target's records linked as one person: the two wives point at the same man
    records, links = frames(recs, {"a:q": "T", "b:t": "T", "a:w": "W", "b:w": "W"})
    persons, _ = merge_persons(records, links, claims("a", "b"))
    assert persons.set_index("person_id").loc["W", "relation_status"] == "agree"
    # not linked: two different men, so the relations conflict
    records, links = frames(recs, {"a:w": "W", "b:w": "W"})
    persons, _ = merge_persons(records, links, claims("a", "b"))
    assert persons.set_index("person_id").loc["W", "relation_status"] == "conflict"


def test_same_target_name_for_two_different_people_conflicts() -> None:
    recs = [
        rec("a", "m", 2, name="Mohammed Saleh"),
        wife("a", "w", "wife of Mohammed", "wife", "Mohammed", row=3),
        rec("b", "m", 2, name="Mohammed Karim"),
        wife("b", "w", "wife of Mohammed", "wife", "Mohammed", row=3),
    ]
    records, links = frames(recs, {"a:w": "W", "b:w": "W"})
    persons, _ = merge_persons(records, links, claims("a", "b"))
    assert persons.set_index("person_id").loc["W", "relation_status"] == "conflict"


def test_free_text_compares_fuzzily_after_casefold() -> None:
    p = one_person(rec("a", "1", 2, location="Atmeh, Idlib"), rec("b", "1", 2, location="ATMEH"))
    assert (p["location"], p["location_status"]) == ("Atmeh, Idlib", "agree")
    p = one_person(rec("a", "1", 2, location="Atmeh"), rec("b", "1", 2, location="أطمة، إدلب"))
    assert (p["location"], p["location_status"]) == ("Atmeh", "agree")
    p = one_person(rec("a", "1", 2, nationality="Iraqi"), rec("b", "1", 2, nationality="Syrian"))
    assert p["nationality_status"] == "conflict"
    p = one_person(rec("a", "1", 2, cause="US fire"), rec("b", "1", 2, cause="suicide bomb"))
    assert (p["cause"], p["cause_status"]) == ("US fire | suicide bomb", "conflict")


def test_conflict_lists_values_in_claim_order_not_row_order() -> None:
    recs = [rec("b", "1", 9, cause="airstrike"), rec("a", "1", 5, cause="explosion")]
    records, links = frames(recs, {"a:1": "P", "b:1": "P"})
    persons, _ = merge_persons(records, links, claims("b", "a"))
    assert persons.iloc[0]["cause"] == "airstrike | explosion"


@given(st.text(max_size=40))
def test_norm_text_never_raises_and_is_idempotent(text: str) -> None:
    once = norm_text(text)
    assert norm_text(once) == once


NAMEISH = st.text(alphabet="abdhikmnorsu -محمدعلياحسن", max_size=25)


@given(NAMEISH, NAMEISH)
def test_names_agree_is_symmetric_and_reflexive(a: str, b: str) -> None:
    assert names_agree(a, b) == names_agree(b, a)
    assert names_agree(a, a) == bool(name_form(a)[0])


def test_norm_text_folds_case_accents_and_arabic_forms() -> None:
    assert norm_text("  Al-Qurashi, IDLIB ") == "al qurashi idlib"
    assert norm_text("Éloïse") == "eloise"
    assert norm_text("أحمد") == norm_text("احمد")


# --------------------------------------------------------------------------- presence


def test_presence_silent_and_denied_by_a_complete_claim() -> None:
    recs = [
        rec("a", "1", 2, name="Hisham"),
        rec("b", "1", 2, name="Hisham"),
        rec("c", "1", 2, name="Karim"),
    ]
    records, links = frames(recs, {"a:1": "H", "b:1": "H"})
    persons, _ = merge_persons(records, links, claims("a", "b", "c", complete=("b",)))
    by_id = persons.set_index("person_id")
    cols = ["claims", "n_claims", "silent", "denied_by"]
    assert list(by_id.loc["H", cols]) == ["a;b", 2, "c", ""]
    assert list(by_id.loc["p-c-1", cols]) == ["c", 1, "a;b", "b"]


def test_ambiguous_person_flagged() -> None:
    records, links = frames([rec("a", "1", 2), rec("b", "1", 2)], {"a:1": "P", "b:1": "P"})
    links.loc[1, "ambiguous"] = True
    persons, _ = merge_persons(records, links, claims("a", "b"))
    assert bool(persons.iloc[0]["ambiguous"]) is True


def test_duplicate_link_is_an_error() -> None:
    records, links = frames([rec("a", "1", 2)], {})
    with pytest.raises(ValueError, match="links hold a:1 more than once"):
        merge_persons(records, pd.concat([links, links]), claims("a"))


def test_duplicate_record_with_its_own_links_is_an_error() -> None:
    # links row for row with the records (as the pipeline gives them): no join, still checked
    records, links = frames([rec("a", "1", 2), rec("b", "1", 3), rec("a", "1", 4)], {})
    for frame in (records, links):
        frame["claim"] = frame["claim"].astype("str")
        frame["record_id"] = frame["record_id"].astype("str")
    with pytest.raises(ValueError, match="records hold a:1 more than once"):
        merge_persons(records, links, claims("a", "b"))


def test_missing_parsed_columns_read_as_not_stated() -> None:
    records = pd.DataFrame([{"claim": "a", "record_id": "1", "file": "a.csv", "row": 2}])
    _, links = frames([rec("a", "1", 2)], {})
    persons, fields = merge_persons(records, links, claims("a"))
    assert set(persons[[f"{f}_status" for f in MERGED_FIELDS]].iloc[0]) == {"unknown"}
    assert fields.empty


def test_unlinked_record_is_an_error() -> None:
    records, links = frames([rec("a", "1", 2), rec("a", "2", 3)], {})
    with pytest.raises(ValueError, match=r"1 record\(s\) have no link, e.g. a:2"):
        merge_persons(records, links.iloc[:1], claims("a"))


# --------------------------------------------------------------------------- output shape


def sample() -> tuple[pd.DataFrame, pd.DataFrame, list[Claim]]:
    recs = [
        rec(
            "a",
            "1",
            2,
            name="Hisham al-Hassan",
            sex="m",
            sex_n="male",
            age="34",
            age_n="34",
            age_min=34,
            age_max=34,
            age_group_n="adult",
            cause="US fire",
        ),
        rec(
            "a",
            "2",
            3,
            name="wife of Hisham",
            name_is_relation=True,
            relation_term="wife",
            relation_to="Hisham",
            sex_n="female",
            age_group_n="adult",
        ),
        rec("a", "3", 4, name="unknown", name_unknown=True, age_group="child", age_group_n="child"),
        rec(
            "b",
            "x",
            2,
            name="Hisham Hassan",
            name_alt="هشام الحسن",
            sex="male",
            sex_n="male",
            age="35",
            age_n="35",
            age_min=35,
            age_max=35,
            age_group_n="adult",
            cause="explosion",
        ),
        rec(
            "b",
            "y",
            3,
            name="Sana",
            relation="Hisham's wife",
            relation_term="wife",
            relation_to="Hisham",
            sex="female",
            sex_n="female",
        ),
        rec(
            "c",
            "z",
            2,
            name="girl",
            name_unknown=True,
            sex="girl",
            sex_n="female",
            age_group_n="child",
        ),
    ]
    records, links = frames(
        recs, {"a:1": "H", "b:x": "H", "a:2": "S", "b:y": "S", "a:3": "G", "c:z": "G"}
    )
    return records, links, claims("a", "b", "c", complete=("a",))


def test_columns_and_person_order() -> None:
    persons, fields = merge_persons(*sample())
    assert list(persons.columns) == list(PERSON_COLUMNS)
    assert list(fields.columns) == list(PERSON_FIELD_COLUMNS)
    assert persons["person_id"].tolist() == ["H", "S", "G"]
    for f in MERGED_FIELDS:
        assert set(persons[f"{f}_status"]) <= {"agree", "conflict", "single", "unknown"}
    h = persons.iloc[0]
    assert (h["age"], h["age_status"], h["cause_status"]) == ("34-35", "agree", "conflict")
    assert h["names"] == "Hisham al-Hassan | Hisham Hassan | هشام الحسن"


def test_person_fields_long_form() -> None:
    _, fields = merge_persons(*sample())
    assert set(fields["field"]) <= set(LONG_FIELDS)
    h_sex = fields[(fields.person_id == "H") & (fields.field == "sex")]
    assert h_sex[["claim", "record_id", "value", "normalised", "file", "row"]].values.tolist() == [
        ["a", "1", "m", "male", "claims/a.csv", 2],
        ["b", "x", "male", "male", "claims/b.csv", 2],
    ]
    # an implied value (sex from "wife of") is kept with a blank original
    s_sex = fields[(fields.person_id == "S") & (fields.field == "sex")]
    assert s_sex[["claim", "value", "normalised"]].values.tolist() == [
        ["a", "", "female"],
        ["b", "female", "female"],
    ]
    # blank values are skipped: nobody gives a dob
    assert "dob" not in set(fields["field"])
    alt = fields[fields.field == "name_alt"]
    assert alt[["claim", "value"]].values.tolist() == [["b", "هشام الحسن"]]
    names = fields[fields.field == "name"].set_index(["claim", "record_id"])["normalised"]
    assert (names[("a", "3")], names[("c", "z")]) == ("unknown", "unknown")


def test_shuffled_inputs_give_identical_frames() -> None:
    records, links, cl = sample()
    p1, f1 = merge_persons(records, links, cl)
    for seed in range(5):
        r2 = records.sample(frac=1, random_state=seed).reset_index(drop=True)
        l2 = links.sample(frac=1, random_state=seed + 100).reset_index(drop=True)
        p2, f2 = merge_persons(r2, l2, cl)
        pd.testing.assert_frame_equal(p1, p2)
        pd.testing.assert_frame_equal(f1, f2)


def test_empty_case() -> None:
    records, links = frames([], {})
    records = pd.DataFrame(
        columns=["claim", "record_id", "file", "row", *TEXT_FIELDS, *PARSED_COLUMNS]
    )
    persons, fields = merge_persons(records, links, claims("a"))
    assert persons.empty and list(persons.columns) == list(PERSON_COLUMNS)
    assert fields.empty and list(fields.columns) == list(PERSON_FIELD_COLUMNS)


# --------------------------------------------------------------------------- documentation


def doc_section(heading: str) -> str:
    """The text of one `## heading` section of docs/reports.md."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "reports.md").read_text(encoding="utf-8")
    parts = text.split("\n## ")
    found = [p for p in parts if p.startswith(heading + "\n")]
    assert found, f"docs/reports.md has no section '## {heading}'"
    return found[0]


@pytest.mark.parametrize(
    ("heading", "columns"),
    [("persons.csv", PERSON_COLUMNS), ("person_fields.csv", PERSON_FIELD_COLUMNS)],
)
def test_every_column_is_documented(heading: str, columns: tuple[str, ...]) -> None:
    section = doc_section(heading)
    missing = [c for c in columns if f"`{c}`" not in section]
    assert not missing, f"undocumented in {heading}: {missing}"


def test_every_long_field_and_status_is_documented() -> None:
    section = doc_section("person_fields.csv")
    assert [f for f in LONG_FIELDS if f"`{f}`" not in section] == []
    persons = doc_section("persons.csv")
    assert [s for s in ("agree", "conflict", "single", "unknown") if f"`{s}`" not in persons] == []


AGES = st.lists(
    st.tuples(st.integers(0, 90), st.integers(0, 5)).map(lambda t: (t[0], t[0] + t[1])),
    min_size=0,
    max_size=4,
)


@given(AGES, st.randoms(use_true_random=False))
def test_age_status_does_not_depend_on_claim_order(ages: list[tuple[int, int]], rnd: Any) -> None:
    values = [
        Stated(f"c{i}", f"{lo}-{hi}", (float(lo), float(hi))) for i, (lo, hi) in enumerate(ages)
    ]
    shuffled = list(values)
    rnd.shuffle(shuffled)
    compatible, merge = COMPARATORS["age"]
    status = verdict(values, compatible, merge)[1]
    assert verdict(shuffled, compatible, merge)[1] == status
    expected = {0: "unknown", 1: "single"}.get(len(values))
    if expected is None:
        gaps_ok = all(max(a[0], b[0]) - min(a[1], b[1]) <= 1 for a in ages for b in ages)
        expected = "agree" if gaps_ok else "conflict"
    assert status == expected


# --------------------------------------------------------------------------- bulk paths

PARSED_VALUES = {
    "sex_n": ["", "male", "female", "unknown"],
    "age_group_n": ["", "adult", "elderly", "child", "unknown"],
    "dob_n": ["", "1990", "1990-05-02", "1991-05-02"],
    "national_id_n": ["", "0123", "123"],
}
AGE_VALUES = [None, (34.0, 34.0), (35.0, 35.0), (30.0, 35.0), (40.0, 40.0)]
RECORD = st.fixed_dictionaries(
    {
        "claim": st.sampled_from(["a", "b", "c"]),
        **{c: st.sampled_from(v) for c, v in PARSED_VALUES.items()},
        "age": st.sampled_from(AGE_VALUES),
        "name": st.sampled_from(["", "Hisham Ahmad al-Hassan", "Hisham al-Hassan", "Karim"]),
    }
)


@given(st.lists(st.lists(RECORD, min_size=1, max_size=3), min_size=1, max_size=6))
def test_many_persons_at_once_match_the_verdict_of_each(people: list[list[dict[str, Any]]]) -> None:
    """Persons merged together (in bulk, by the number of values they state) get what
    agree.verdict gives each on its own stated values."""
    recs: list[dict[str, Any]] = []
    person: dict[str, str] = {}
    for p, members in enumerate(people):
        for m in members:
            rid = str(len(recs))
            age_text = "" if m["age"] is None else format_age(*m["age"])
            lo, hi = m["age"] or (math.nan, math.nan)
            fields = {c: m[c] for c in PARSED_VALUES} | {"name": m["name"]}
            recs.append(
                rec(
                    m["claim"], rid, len(recs) + 2, **fields, age_n=age_text, age_min=lo, age_max=hi
                )
            )
            person[f"{m['claim']}:{rid}"] = f"P{p}"
    records, links = frames(recs, person)
    persons, _ = merge_persons(records, links, claims("a", "b", "c"))
    by_id = persons.set_index("person_id")
    order = {"a": 0, "b": 1, "c": 2}
    for p in range(len(people)):
        mine = sorted(
            (r for r in recs if person[f"{r['claim']}:{r['record_id']}"] == f"P{p}"),
            key=lambda r: (order[r["claim"]], r["row"]),
        )
        for field, col in [("sex", "sex_n"), ("age_group", "age_group_n"), ("dob", "dob_n")]:
            values = [
                Stated(r["claim"], r[col], r[col]) for r in mine if r[col] not in ("", "unknown")
            ]
            got = (by_id.loc[f"P{p}", field], by_id.loc[f"P{p}", f"{field}_status"])
            assert got == verdict(values, *COMPARATORS[field])
        ages = [
            Stated(r["claim"], r["age_n"], (r["age_min"], r["age_max"])) for r in mine if r["age_n"]
        ]
        got = (by_id.loc[f"P{p}", "age"], by_id.loc[f"P{p}", "age_status"])
        assert got == verdict(ages, *COMPARATORS["age"])
        names = [Stated(r["claim"], r["name"], (r["name"],)) for r in mine if r["name"]]
        got = (by_id.loc[f"P{p}", "name"], by_id.loc[f"P{p}", "name_status"])
        assert got == verdict(names, *COMPARATORS["name"])


def test_names_met_in_order_agree_and_others_are_still_compared() -> None:
    recs = [
        rec("a", "1", 2, name="Asif Ali Fawzi Abu Hamad"),
        rec("b", "1", 2, name="Asif Fawzi Abu Hamad"),  # a dropped middle name: agree in bulk
        rec("a", "2", 3, name="Asif Ali Abu Hamad Abu Daqqa"),
        rec("b", "2", 3, name="Asif Ali Fawzi Abu Hamad"),  # agree only by interleaving
        rec("a", "3", 4, name="Mohammed Ali"),
        rec("b", "3", 4, name="Mohammed Hassan"),
    ]
    records, links = frames(recs, {f"{c}:{i}": f"P{i}" for c in "ab" for i in "123"})
    persons = merge_persons(records, links, claims("a", "b"))[0].set_index("person_id")
    assert list(persons.loc["P1", ["name", "name_status"]]) == ["Asif Ali Fawzi Abu Hamad", "agree"]
    assert list(persons.loc["P2", ["name", "name_status"]]) == [
        "Asif Ali Abu Hamad Abu Daqqa",
        "agree",
    ]
    assert persons.loc["P3", "name_status"] == "conflict"


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="محمدعليابوحسنةىأإmohamedali", min_size=1, max_size=9),
            st.text(alphabet="محمدعليابوحسنةىأإmohamedali", min_size=1, max_size=9),
        ),
        max_size=30,
    )
)
def test_tokens_meet_many_is_tokens_meet_pair_by_pair(pairs: list[tuple[str, str]]):
    from reconcile.agree import tokens_meet, tokens_meet_many

    got = tokens_meet_many([a for a, _ in pairs], [b for _, b in pairs])
    assert got.tolist() == [tokens_meet(a, b) for a, b in pairs]


def test_text_columns_of_distinct_values_read_as_the_dictionary_path_reads_them():
    import numpy as np
    import pyarrow as pa

    from reconcile.merge_records import PY_SPACES, SAMPLE, Text

    rng = np.random.default_rng(3)
    n = SAMPLE * 2
    pads = ["", " ", "\u00a0", "\t", "\x1c", "\u3000"]
    cells = [f"{pads[i % 6]}name {i}{pads[(i // 6) % 6]}" if i % 5 else "" for i in range(n)]
    order = rng.permutation(n)
    arr = pa.array(cells, type=pa.large_string())
    distinct = Text.of(arr, order)  # mostly distinct values: read cell by cell
    repeated = Text.of(pa.array(cells[:3] * (n // 3) + cells[: n % 3], pa.large_string()), order)
    assert distinct.codes.tolist() == list(range(n))  # the cell-by-cell path was taken
    assert len(repeated.uniques) <= 3  # the dictionary path was taken
    want = np.asarray(cells, dtype=object)[order]
    assert distinct.values.tolist() == want.tolist()
    assert distinct.stripped().tolist() == [v.strip() for v in want.tolist()]
    assert distinct.length.tolist() == [len(v) for v in want.tolist()]
    assert distinct.untrimmed.tolist() == [v != v.strip() for v in want.tolist()]
    assert set(PY_SPACES) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
    for text in (distinct, repeated):  # codes equal exactly where the values are
        idx = np.arange(0, n, 7)
        codes, values = text.codes_at(idx), text.values[idx]
        same_code = codes[:, None] == codes[None, :]
        assert (same_code == (values[:, None] == values[None, :])).all()
        assert text.equals("").tolist() == [v == "" for v in text.values.tolist()]
    # columns of a concatenated records frame come in chunks: read the same
    for whole in (arr, pa.array(cells[:3] * (n // 3) + cells[: n % 3], pa.large_string())):
        chunked = pa.chunked_array([whole.slice(0, 100), whole.slice(100)])
        a, b = Text.of(whole, order), Text.of(chunked, order)
        assert a.values.tolist() == b.values.tolist()
        assert a.stripped().tolist() == b.stripped().tolist()
        assert (a.length.tolist(), a.untrimmed.tolist()) == (
            b.length.tolist(),
            b.untrimmed.tolist(),
        )


NAME_CELLS = st.fixed_dictionaries(
    {
        "claim": st.sampled_from(["a", "b", "c"]),
        "name": st.sampled_from(["", " ", "unknown", "Hisham al-Hassan", " Karim Ali", "هشام"]),
        "name_alt": st.sampled_from(["", "\u3000", "Hisham Hassan", "Karim; ?", "هشام الحسن"]),
        "alias": st.sampled_from(["", "Abu Ali", "unknown; Karim"]),
        "name_unknown": st.booleans(),
    }
)


@settings(deadline=None)  # a whole merge per example: slow on a busy machine, not flaky
@given(st.lists(st.lists(NAME_CELLS, min_size=1, max_size=3), min_size=1, max_size=6))
def test_names_with_alternates_merge_as_the_verdict_of_each(
    people: list[list[dict[str, Any]]],
) -> None:
    """Names with name_alt and alias spellings (and unnamed records among them, before and
    after) get what agree.verdict gives each person on every spelling its records give; each
    listed in person_fields as the plain per-record reading says."""
    from reconcile.agree import is_placeholder, name_words, split_names

    recs: list[dict[str, Any]] = []
    person: dict[str, str] = {}
    for p, members in enumerate(people):
        for m in members:
            rid = str(len(recs))
            cells = {k: v for k, v in m.items() if k != "claim"}
            recs.append(rec(m["claim"], rid, len(recs) + 2, **cells))
            person[f"{m['claim']}:{rid}"] = f"P{p}"
    records, links = frames(recs, person)
    persons, fields = merge_persons(records, links, claims("a", "b", "c"))
    by_id = persons.set_index("person_id")
    order = {"a": 0, "b": 1, "c": 2}

    def named(r: dict[str, Any]) -> bool:
        return bool(r["name"].strip()) and not r["name_unknown"] and not is_placeholder(r["name"])

    def spellings(r: dict[str, Any]) -> tuple[str, ...]:
        alts = split_names(r["name_alt"]) + split_names(r["alias"])
        first = [r["name"].strip()] if named(r) else []
        return tuple(first + [s for s in alts if not is_placeholder(s)])

    for p in range(len(people)):
        mine = sorted(
            (r for r in recs if person[f"{r['claim']}:{r['record_id']}"] == f"P{p}"),
            key=lambda r: (order[r["claim"]], r["row"]),
        )
        names = [Stated(r["claim"], r["name"].strip(), spellings(r)) for r in mine if named(r)]
        got = (by_id.loc[f"P{p}", "name"], by_id.loc[f"P{p}", "name_status"])
        assert got == verdict(names, *COMPARATORS["name"])
        spelt = [s for r in mine for s in spellings(r)]
        assert by_id.loc[f"P{p}", "names"] == " | ".join(dict.fromkeys(spelt))
    # person_fields: every non-blank name, name_alt and alias, with its normalised words
    want = []
    for r in recs:
        for field in ("name", "name_alt", "alias"):
            if not r[field].strip():
                continue
            if field != "name":
                norm = "; ".join(" ".join(name_words(s)) for s in split_names(r[field]))
            elif r["name_unknown"] or is_placeholder(r[field]):
                norm = "unknown"
            else:
                norm = " ".join(name_words(r[field].strip()))
            want.append((r["record_id"], field, r[field], norm))
    listed = fields[fields["field"].isin(["name", "name_alt", "alias"])]
    got_rows = listed[["record_id", "field", "value", "normalised"]].astype(str)
    assert sorted(map(tuple, got_rows.values.tolist())) == sorted(want)


def test_blank_cells_are_not_listed_and_padded_ones_are_as_written() -> None:
    """A cell of spaces only (any str.isspace() character) is blank; a padded value is listed
    as written, its normalised form from the stripped value."""
    recs = [
        rec("a", "1", 2, name="Ali", sex="\u3000", dob=" 1990 ", dob_n="1990", cause="\t"),
        rec("b", "1", 2, name="Ali", sex=" m", sex_n="male", cause=" Shelling ", location="\x1c"),
    ]
    records, links = frames(recs, {"a:1": "P", "b:1": "P"})
    _, fields = merge_persons(records, links, claims("a", "b"))
    got = fields[["claim", "field", "value", "normalised"]].values.tolist()
    assert got == [
        ["a", "name", "Ali", "ali"],
        ["b", "name", "Ali", "ali"],
        ["b", "sex", " m", "male"],
        ["a", "dob", " 1990 ", "1990"],
        ["b", "cause", " Shelling ", "shelling"],
    ]


def test_blanks_and_stripped_names_read_in_arrow_as_python_strips() -> None:
    """Records.nonblank and arrow_stripped (Arrow's utf8_trim) agree with str.strip() on every
    space Python strips, at both ends and inside."""
    import numpy as np

    from reconcile.merge_records import PY_SPACES, Records

    cells = ["", "x", " x ", "a b", "\u200b"] + [f"{c}" for c in PY_SPACES]
    cells += [f"{c}Ali{c}" for c in PY_SPACES] + [f"Ali{c}Hassan" for c in PY_SPACES]
    recs = [rec("a", str(i), i + 2, name=c, cause=c) for i, c in enumerate(cells)]
    records, links = frames(recs, {})
    got = Records(records, links, {"a": 0})
    order = got.order  # records in person order: each its own person, by row
    want = [cells[i].strip() for i in order.tolist()]
    assert got.nonblank("cause").tolist() == [w != "" for w in want]
    assert got.nonblank("cause", strip=False).tolist() == [cells[i] != "" for i in order]
    stripped = got.arrow_stripped("name", np.arange(len(cells))).to_pylist()
    assert stripped == want
