"""Matching: candidates, scoring, one-record-per-claim clustering, decisions, stable ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconcile.case import DECISION_COLUMNS
from reconcile.cluster import person_id
from reconcile.fields import parse_records
from reconcile.match import Settings, match_records
from reconcile.schema import TEXT_FIELDS


def claim(cid: str, rows: list[dict[str, str]]) -> pd.DataFrame:
    """A claim's records as the loader gives them: identity, text fields, parsed columns."""
    out = []
    for i, r in enumerate(rows):
        rec = {
            "claim": cid,
            "record_id": r.get("id", f"{cid}-{i + 1}"),
            "file": f"{cid}.csv",
            "row": i + 2,
        }
        rec.update({f: r.get(f, "") for f in TEXT_FIELDS})
        out.append(rec)
    cols = ["claim", "record_id", "file", "row", *TEXT_FIELDS]
    parsed, _ = parse_records(pd.DataFrame(out, columns=cols))
    return parsed


def case(*claims: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(claims, ignore_index=True)


def decisions(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(zip(DECISION_COLUMNS, (*r, "analyst", "2026-11-25", "test"), strict=True))
            for r in rows
        ],
        columns=list(DECISION_COLUMNS),
    )


def person_of(links: pd.DataFrame, cid: str, rid: str) -> str:
    row = links[(links["claim"] == cid) & (links["record_id"] == rid)]
    return str(row["person_id"].iloc[0])


FAMILY_A = [
    {"id": "a1", "name": "محمد أحمد سالم النجار", "sex": "m", "age": "34"},
    {"id": "a2", "name": "فاطمة خليل يوسف النجار", "sex": "f", "age": "30"},
    {"id": "a3", "name": "أحمد محمد أحمد النجار", "sex": "m", "age": "7"},
    {"id": "a4", "name": "خالد عمر حسن الشاعر", "sex": "m", "age": "52"},
]
FAMILY_B = [
    {"id": "b1", "name": "Mohammed Ahmad Al-Najjar", "sex": "male", "age": "35"},
    {"id": "b2", "name": "فاطمه خليل النجار", "sex": "female", "age": "30"},
    {"id": "b3", "name": "احمد محمد احمد النجار", "sex": "male", "age": "8"},
    {"id": "b4", "name": "Khaled Omar Al-Shaer", "sex": "male", "age": "51"},
]


def test_same_people_across_scripts_and_partial_names_are_linked() -> None:
    recs = case(claim("a", FAMILY_A), claim("b", FAMILY_B))
    res = match_records(recs, ["a", "b"])
    for x, y in (("a1", "b1"), ("a2", "b2"), ("a3", "b3"), ("a4", "b4")):
        assert person_of(res.links, "a", x) == person_of(res.links, "b", y), (x, y)
    assert res.links["person_id"].nunique() == 4
    assert res.stats["pairs_compared"] == 16 + 6 + 6  # all cross pairs, then within each claim


def test_father_and_son_sharing_names_are_told_apart() -> None:
    son = {"id": "son", "name": "خالد محمد خالد البياع", "sex": "m", "age": "12"}
    father = {"id": "father", "name": "محمد خالد سعيد البياع", "sex": "m", "age": "45"}
    a = claim("a", [son, father])
    b = claim(
        "b",
        [
            {**father, "id": "f", "name": "محمد خالد البياع"},
            {**son, "id": "s", "name": "Khaled Mohammed Khaled al-Bayaa"},
        ],
    )
    res = match_records(case(a, b), ["a", "b"])
    assert person_of(res.links, "a", "son") == person_of(res.links, "b", "s")
    assert person_of(res.links, "a", "father") == person_of(res.links, "b", "f")


def test_missing_value_is_never_agreement() -> None:
    a = claim("a", [{"id": "x", "name": "سعيد"}])
    b = claim("b", [{"id": "y", "name": "سعيد"}])
    res = match_records(case(a, b), ["a", "b"], settings=Settings(duplicates=False))
    row = res.pairs.iloc[0]
    for f in ("sex", "age", "dob", "national_id", "relation", "status"):
        assert row["lvl_" + f] == "missing"
        assert row["w_" + f] == 0.0


def test_national_id_levels() -> None:
    a = claim(
        "a",
        [
            {"id": "x", "name": "سعيد علي", "national_id": "400123456"},
            {"id": "z", "name": "رامي علي", "national_id": "400999999"},
        ],
    )
    b = claim(
        "b",
        [
            {"id": "y", "name": "سعيد علي", "national_id": "400123465"},
            {"id": "w", "name": "رامي علي", "national_id": "411111111"},
        ],
    )
    res = match_records(case(a, b), ["a", "b"], settings=Settings(duplicates=False))
    lv = {(r.record_a, r.record_b): r.lvl_national_id for r in res.pairs.itertuples()}
    assert lv[("x", "y")] == "typo"
    assert lv[("z", "w")] == "conflict"


TWO_WIVES = [
    {"id": "target", "name": "Abu Ibrahim al-Hashimi al-Qurashi", "sex": "m"},
    {"id": "w1", "name": "wife of Abu Ibrahim", "sex": "f"},
    {"id": "w2", "name": "wife of Abu Ibrahim", "sex": "f"},
]
ONE_WIFE = [
    {"id": "t", "name": "Qardash", "alias": "Abu Ibrahim al-Hashimi", "sex": "m"},
    {"id": "w", "name": "wife of Qardash", "sex": "f"},
]


def test_two_wives_against_one_wife_is_ambiguous_not_an_arbitrary_pick() -> None:
    res = match_records(case(claim("two", TWO_WIVES), claim("one", ONE_WIFE)), ["two", "one"])
    links = res.links.set_index(["claim", "record_id"])
    assert person_of(res.links, "two", "target") == person_of(res.links, "one", "t")
    for rid in ("w1", "w2"):
        assert links.loc[("two", rid), "ambiguous"]
        assert links.loc[("two", rid), "alternatives"] == "one:w"
        assert links.loc[("two", rid), "person_id"] != links.loc[("one", "w"), "person_id"]
    assert links.loc[("one", "w"), "alternatives"] == "two:w1;two:w2"
    statuses = set(res.pairs[res.pairs["record_b"] == "w"]["status"])
    assert "ambiguous" in statuses and "linked" not in statuses


def test_a_decision_resolves_the_ambiguity() -> None:
    recs = case(claim("two", TWO_WIVES), claim("one", ONE_WIFE))
    res = match_records(recs, ["two", "one"], decisions(("two", "w2", "one", "w", "same")))
    assert person_of(res.links, "two", "w2") == person_of(res.links, "one", "w")
    assert person_of(res.links, "two", "w1") != person_of(res.links, "one", "w")


def test_decisions_always_win() -> None:
    recs = case(claim("a", FAMILY_A), claim("b", FAMILY_B))
    d = decisions(("a", "a1", "b", "b1", "different"), ("a", "a4", "b", "b2", "same"))
    res = match_records(recs, ["a", "b"], d)
    assert person_of(res.links, "a", "a1") != person_of(res.links, "b", "b1")
    assert person_of(res.links, "a", "a4") == person_of(res.links, "b", "b2")
    st_ = res.pairs.set_index(["record_a", "record_b"])["status"]
    assert st_[("a1", "b1")] == "decided-different"
    assert st_[("a4", "b2")] == "decided-same"


def test_person_ids_stable_under_shuffled_rows_and_unrelated_edits() -> None:
    recs = case(claim("a", FAMILY_A), claim("b", FAMILY_B))
    base = match_records(recs, ["a", "b"]).links.set_index(["claim", "record_id"])["person_id"]
    shuffled = recs.sample(frac=1.0, random_state=3).reset_index(drop=True)
    again = match_records(shuffled, ["a", "b"]).links.set_index(["claim", "record_id"])
    assert again["person_id"].sort_index().equals(base.sort_index())
    edited_rows = [dict(r) for r in FAMILY_B]
    edited_rows[3]["notes"] = "seen in a later report"
    edited_rows.append({"id": "b5", "name": "Samir Haddad", "sex": "male", "age": "60"})
    edited = case(claim("a", FAMILY_A), claim("b", edited_rows))
    after = match_records(edited, ["a", "b"]).links.set_index(["claim", "record_id"])["person_id"]
    assert after.drop(("b", "b5")).sort_index().equals(base.sort_index())


def test_person_id_depends_only_on_members() -> None:
    assert person_id(["a:1", "b:2"]) == person_id(["b:2", "a:1"])
    assert person_id(["a:1", "b:2"]) != person_id(["a:1", "b:3"])


def test_possible_duplicates_within_a_claim_are_reported_not_merged() -> None:
    a = claim(
        "a",
        [
            {"id": "x", "name": "Yousef Hassan Barakat", "age": "40"},
            {"id": "y", "name": "Yousef Hassan Barakat", "age": "40"},
        ],
    )
    b = claim("b", [{"id": "z", "name": "Samir Haddad"}])
    res = match_records(case(a, b), ["a", "b"])
    assert person_of(res.links, "a", "x") != person_of(res.links, "a", "y")
    dup = res.pairs[res.pairs["status"] == "duplicate"]
    assert list(zip(dup["record_a"], dup["record_b"], strict=True)) == [("x", "y")]


def test_probe_reports_a_pair_blocking_never_proposed() -> None:
    big_a = [{"id": f"a{i}", "name": f"Name{i} Family{i}"} for i in range(600)]
    big_b = [{"id": f"b{i}", "name": f"Other{i} Line{i}"} for i in range(600)]
    recs = case(claim("a", big_a), claim("b", big_b))
    res = match_records(recs, ["a", "b"], settings=Settings(duplicates=False), probe=[(0, 600)])
    assert len(res.probes) == 1
    assert not bool(res.probes.iloc[0]["candidate"])
    assert res.stats["compared_all_pairs"] is False


NAMES = ["محمد", "أحمد", "خالد", "فاطمة", "مريم", "يوسف", "النجار", "الشاعر", "حسن", "Ali"]


@st.composite
def claims_strategy(draw: st.DrawFn) -> pd.DataFrame:
    frames = []
    for cid in ("a", "b", "c"):
        n = draw(st.integers(0, 5))
        rows = [
            {
                "id": f"{cid}{i}",
                "name": " ".join(draw(st.lists(st.sampled_from(NAMES), min_size=0, max_size=4))),
                "sex": draw(st.sampled_from(["", "m", "f"])),
                "age": draw(st.sampled_from(["", "5", "30", "31"])),
            }
            for i in range(n)
        ]
        frames.append(claim(cid, rows))
    return case(*frames)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claims_strategy(), st.floats(-8, 4))
def test_no_person_ever_holds_two_records_of_one_claim(recs: pd.DataFrame, thr: float) -> None:
    res = match_records(recs, ["a", "b", "c"], settings=Settings(threshold=thr))
    assert len(res.links) == len(recs)
    per_person = res.links.groupby("person_id")["claim"]
    assert (per_person.nunique() == per_person.size()).all()


def test_empty_case() -> None:
    recs = case(claim("a", []), claim("b", []))
    res = match_records(recs, ["a", "b"])
    assert res.links.empty and res.stats["pairs_compared"] == 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_do_not_depend_on_workers(jobs: int) -> None:
    recs = case(claim("a", FAMILY_A), claim("b", FAMILY_B))
    one = match_records(recs, ["a", "b"], settings=Settings(jobs=1))
    other = match_records(recs, ["a", "b"], settings=Settings(jobs=jobs))
    pd.testing.assert_frame_equal(one.links, other.links)
    assert np.allclose(one.pairs["weight"], other.pairs["weight"])


def test_decision_index_finds_records_by_claim_and_id() -> None:
    from reconcile.match import _decision_index

    records = pd.DataFrame(
        {"claim": ["a", "a", "b", "b", "b"], "record_id": ["1", "2", "1", "2", "2"]}
    )
    decisions = pd.DataFrame(
        {
            "claim_a": ["a", "b", "a", "a", "a"],
            "record_a": ["1", "2", "9", "2", "1"],
            "claim_b": ["b", "a", "b", "b", "a"],
            "record_b": ["1", "2", "1", "2", "1"],
            "decision": [" Same", "different", "same", "maybe", "same"],
        }
    )
    same, diff = _decision_index(records, decisions)
    # an unknown record (a:9), an unknown decision and a record with itself are left out; a
    # repeated id (b:2) stands for its last record
    assert same == [(0, 2)]
    assert diff == [(1, 4)]
    assert _decision_index(records, decisions.iloc[:0]) == ([], [])
