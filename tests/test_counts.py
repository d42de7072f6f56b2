"""Tests for reconcile.counts: intervals, listed counts, conflicts, ranges, distinct people."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from reconcile.case import COUNT_COLUMNS, Claim
from reconcile.counts import (
    COUNT_OUTPUT_COLUMNS,
    STANDARD_CATEGORIES,
    category_of,
    distinct_people_range,
    interval,
    person_codes,
    qualifier_of,
    reconcile_counts,
)
from reconcile.schema import COUNT_RESULT_COLUMNS, LINK_COLUMNS, PAIR_COLUMNS


def rec(claim: str, rid: str, **fields: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"claim": claim, "record_id": rid, "file": f"{claim}.csv", "row": 2}
    r |= {"sex_n": "", "age_group_n": "", "status_n": "", "identified_n": "", "name_unknown": False}
    r |= {"age_min": math.nan, "age_max": math.nan}
    return r | fields


def records_of(*recs: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(recs))


def links_of(records: pd.DataFrame, person: dict[str, str] | None = None) -> pd.DataFrame:
    person = person or {}
    rows = []
    for r in records.to_dict("records"):
        key = f"{r['claim']}:{r['record_id']}"
        rows.append(
            {"claim": r["claim"], "record_id": r["record_id"], "person_id": person.get(key, key)}
            | {"score": "", "ambiguous": False, "alternatives": "", "file": r["file"], "row": 2}
        )
    return pd.DataFrame(rows, columns=list(LINK_COLUMNS))


def counts_of(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """counts.csv rows (claim, category, count, qualifier), as the loader gives them (text)."""
    data = [
        {"claim": c, "category": cat, "count": n, "qualifier": q, "quote": f"{c} says {n}"}
        | {"file": "counts.csv", "row": i + 2}
        for i, (c, cat, n, q) in enumerate(rows)
    ]
    return pd.DataFrame(data, columns=[*COUNT_COLUMNS, "file", "row"])


def claims(*ids: str, complete: tuple[str, ...] = ()) -> list[Claim]:
    return [Claim(id=i, file=f"{i}.csv", path=f"{i}.csv", complete=i in complete) for i in ids]


def row(out: pd.DataFrame, category: str, claim: str) -> pd.Series:
    hit = out[(out.category == category) & (out.claim == claim)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


# --------------------------------------------------------------------------- parsing


def test_intervals_by_qualifier() -> None:
    assert interval((10,), "exact") == (10, 10)
    assert interval((12,), "at_least") == (12, None)
    assert interval((13,), "at_most") == (0, 13)
    assert interval((100,), "approx") == (90, 110)
    assert interval((3,), "approx") == (2, 4)
    assert interval((10, 13), "exact") == (10, 13)
    assert interval((), "exact") == (None, None)


def test_qualifier_and_category_synonyms() -> None:
    assert [qualifier_of(q) for q in ("", "At least", "at-most", "approx", "up to")] == [
        "exact",
        "at_least",
        "at_most",
        "approx",
        "at_most",
    ]
    assert [category_of(c) for c in ("Dead", " Children ", "أطفال", "Wives  of the Target")] == [
        "killed",
        "children",
        "children",
        "wives of the target",
    ]


# --------------------------------------------------------------------------- listed counts


def test_listed_counts_by_category() -> None:
    recs = records_of(
        rec("a", "1", sex_n="female", age_group_n="child"),  # a girl: child and girl, not woman
        rec("a", "2", sex_n="female", age_group_n="adult"),
        rec("a", "3", sex_n="male", age_group_n="elderly"),  # elderly man: man and elderly
        rec("a", "4", status_n="injured", sex_n="female", age_group_n="adult"),  # not killed
        rec("a", "5", status_n="unknown"),  # stated unknown status: not counted as killed
        rec("a", "6", identified_n="no"),
        rec("a", "7", name_unknown=True, sex_n="female", age_group_n="adult"),  # unnamed: named?
    )
    out = reconcile_counts(recs, links_of(recs), None, counts_of(), claims("a"))
    listed = {c: int(row(out, c, "a")["listed"]) for c in out.category.unique()}
    assert listed == {
        "killed": 5,
        "children": 1,
        "women": 2,
        "men": 1,
        "girls": 1,
        "elderly": 1,
        "unidentified": 1,
    }  # boys: nobody states or lists any, so the category is left out
    assert list(out.columns) == list(COUNT_OUTPUT_COLUMNS)
    assert list(out.columns[: len(COUNT_RESULT_COLUMNS)]) == list(COUNT_RESULT_COLUMNS)


def test_analyst_category_has_no_listed_count_and_only_stating_claims() -> None:
    recs = records_of(rec("a", "1"), rec("b", "1"))
    out = reconcile_counts(
        recs,
        links_of(recs),
        None,
        counts_of(("a", "Wives of the target", "2", "")),
        claims("a", "b"),
    )
    wives = out[out.category == "wives of the target"]
    assert wives.claim.tolist() == ["a", "*"]
    assert wives.listed.isna().all()


# --------------------------------------------------------------------------- conflicts


def test_two_wives_against_one_wife_conflict() -> None:
    recs = records_of(rec("sohr_wives", "1"), rec("local", "1"))
    counts = counts_of(
        ("sohr_wives", "wives of the target", "2", "exact"),
        ("local", "wives of the target", "1", "exact"),
    )
    out = reconcile_counts(recs, links_of(recs), None, counts, claims("sohr_wives", "local"))
    a, b, star = (row(out, "wives of the target", c) for c in ("sohr_wives", "local", "*"))
    assert (bool(a.conflict), a.conflict_with, a.stated) == (True, "local", "2")
    assert (bool(b.conflict), b.conflict_with) == (True, "sohr_wives")
    assert (bool(star.conflict), star.conflict_with) == (True, "sohr_wives;local")
    assert (star.range_min, star.range_max) == (1, 2)
    assert star.why == "sohr_wives states 2, local states 1"
    assert a.quote == "sohr_wives says 2"


def test_at_least_13_against_exactly_10_conflict_and_at_least_12_does_not() -> None:
    recs = records_of(rec("x", "1"))
    counts = counts_of(
        ("a", "killed", "13", "at_least"),
        ("b", "killed", "10", "exact"),
        ("c", "dead", "12", "at least"),
    )
    out = reconcile_counts(recs, links_of(recs), None, counts, claims("a", "b", "c", "x"))
    a, b, c, star = (row(out, "killed", k) for k in ("a", "b", "c", "*"))
    assert (a.stated, a.qualifier, a.stated_min) == ("at least 13", "at_least", 13)
    assert pd.isna(a.stated_max)
    assert (bool(a.conflict), a.conflict_with) == (True, "b")
    assert (bool(b.conflict), b.conflict_with) == (True, "a;c")
    assert (bool(c.conflict), c.conflict_with) == (True, "b")
    assert star.conflict_with == "a;b;c"
    assert (star.range_min, star.range_max) == (10, 13)


def test_overlapping_statements_do_not_conflict() -> None:
    recs = records_of(rec("x", "1"))
    counts = counts_of(("a", "killed", "13", "at_most"), ("b", "killed", "10", "exact"))
    out = reconcile_counts(recs, links_of(recs), None, counts, claims("a", "b"))
    assert not out.conflict.any()


def test_stating_at_least_12_while_listing_8_is_not_a_conflict() -> None:
    recs = records_of(*(rec("a", str(i)) for i in range(8)))
    out = reconcile_counts(
        recs, links_of(recs), None, counts_of(("a", "killed", "12", "at_least")), claims("a")
    )
    a = row(out, "killed", "a")
    assert (int(a.listed), bool(a.conflict), a.why) == (8, False, "")


def test_complete_list_shorter_than_its_statement_conflicts() -> None:
    recs = records_of(*(rec("a", str(i)) for i in range(8)))
    counts = counts_of(("a", "killed", "12", "at_least"))
    out = reconcile_counts(recs, links_of(recs), None, counts, claims("a", complete=("a",)))
    a = row(out, "killed", "a")
    assert (bool(a.conflict), a.why) == (True, "a states at least 12 but its complete list has 8")


def test_stating_exactly_10_while_listing_12_conflicts() -> None:
    recs = records_of(*(rec("a", str(i)) for i in range(12)))
    out = reconcile_counts(
        recs, links_of(recs), None, counts_of(("a", "killed", "10", "")), claims("a")
    )
    a = row(out, "killed", "a")
    assert (bool(a.conflict), a.conflict_with, a.why) == (True, "", "a states 10 but lists 12")
    star = row(out, "killed", "*")
    assert (star.range_min, star.range_max, bool(star.conflict)) == (10, 12, False)


# --------------------------------------------------------------------------- ranges


def test_range_ignores_partial_lists_for_the_minimum() -> None:
    recs = records_of(rec("a", "1"), rec("a", "2"), *(rec("b", str(i)) for i in range(15)))
    out = reconcile_counts(
        recs,
        links_of(recs),
        None,
        counts_of(("c", "killed", "13", "at_least")),
        claims("a", "b", "c"),
    )
    star = row(out, "killed", "*")
    assert (star.range_min, star.range_max) == (13, 15)  # a's partial list of 2 is no minimum


def test_range_from_lists_alone_and_distinct_persons() -> None:
    recs = records_of(rec("a", "1"), rec("a", "2"), rec("b", "1"), rec("b", "2"), rec("b", "3"))
    links = links_of(recs, {"a:1": "P1", "b:1": "P1", "a:2": "P2", "b:2": "P2"})
    out = reconcile_counts(recs, links, None, counts_of(), claims("a", "b"))
    star = row(out, "killed", "*")
    assert (star.range_min, star.range_max, star.listed) == (3, 3, 3)


def test_claim_without_records_has_no_listed_count() -> None:
    recs = records_of(rec("a", "1"))
    out = reconcile_counts(
        recs, links_of(recs), None, counts_of(("cd", "killed", "13", "at_least")), claims("a", "cd")
    )
    assert pd.isna(row(out, "killed", "cd").listed)


def test_unparseable_count_is_kept_as_text_and_not_compared() -> None:
    recs = records_of(rec("a", "1"))
    counts = counts_of(("a", "killed", "a dozen", ""), ("b", "killed", "3", ""))
    out = reconcile_counts(recs, links_of(recs), None, counts, claims("a", "b"))
    a = row(out, "killed", "a")
    assert (a.stated, bool(a.conflict)) == ("a dozen", False)
    assert pd.isna(a.stated_min)


def test_loader_count_n_is_preferred() -> None:
    recs = records_of(rec("a", "1"))
    counts = counts_of(("a", "killed", "7", ""))
    counts["count_n"] = pd.array([7], dtype="Int64")
    out = reconcile_counts(recs, links_of(recs), None, counts, claims("a"))
    assert row(out, "killed", "a").stated_min == 7


def test_explicit_categories_in_order() -> None:
    recs = records_of(rec("a", "1", sex_n="male", age_group_n="child"))
    out = reconcile_counts(
        recs, links_of(recs), None, counts_of(), claims("a"), categories=["Boys", "killed"]
    )
    assert out.category.unique().tolist() == ["boys", "killed"]


def test_counts_are_deterministic_under_shuffling() -> None:
    recs = records_of(
        *(rec("a", str(i), sex_n="female", age_group_n="child") for i in range(4)),
        *(rec("b", str(i), sex_n="male", age_group_n="adult") for i in range(3)),
    )
    counts = counts_of(
        ("a", "children", "4", ""),
        ("b", "killed", "10", "at_least"),
        ("b", "wives", "1", ""),
        ("a", "wives", "2", ""),
    )
    out = reconcile_counts(recs, links_of(recs), None, counts, claims("a", "b"))
    for seed in range(4):
        r2 = recs.sample(frac=1, random_state=seed).reset_index(drop=True)
        c2 = counts.sample(frac=1, random_state=seed).reset_index(drop=True)
        out2 = reconcile_counts(r2, links_of(r2), None, c2, claims("a", "b"))
        pd.testing.assert_frame_equal(out, out2)


# --------------------------------------------------------------------------- distinct people


def pairs_of(*rows: tuple[str, str, str, str, float, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(zip(PAIR_COLUMNS, (a, ra, b, rb, w, 0.5, s), strict=True))
            for a, ra, b, rb, w, s in rows
        ],
        columns=list(PAIR_COLUMNS),
    )


def test_distinct_people_most_is_linked_persons_fewest_merges_compatible() -> None:
    recs = records_of(rec("a", "1"), rec("a", "2"), rec("b", "1"), rec("b", "2"), rec("c", "1"))
    links = links_of(recs, {"a:1": "P", "b:1": "P"})  # 4 persons as linked
    pairs = pairs_of(
        ("a", "1", "b", "1", 9.0, "linked"),
        ("a", "2", "b", "2", -2.0, "possible"),  # merges: 3
        ("b", "2", "c", "1", -3.0, "ambiguous"),  # merges: 2
        ("a", "1", "c", "1", -4.0, "possible"),  # c:1 already with a:2, which shares claim a
        ("a", "2", "b", "1", -5.0, "rejected"),
    )
    got = distinct_people_range(pairs, links, recs)
    assert (got["min"], got["max"], got["persons"], got["extra_merges"]) == (2, 4, 4, 2)
    # the pipeline hands both steps the person codes it computed once: same answers
    codes = person_codes(recs, links)
    assert list(codes) == [0, 1, 0, 2, 3]
    assert distinct_people_range(pairs, links, recs, codes=codes) == got


def test_distinct_people_respects_decided_different() -> None:
    recs = records_of(rec("a", "1"), rec("b", "1"), rec("c", "1"))
    pairs = pairs_of(
        ("a", "1", "b", "1", -1.0, "possible"),
        ("b", "1", "c", "1", -2.0, "possible"),
        ("a", "1", "c", "1", 0.0, "decided-different"),
    )
    got = distinct_people_range(pairs, links_of(recs), recs)
    assert (got["min"], got["max"]) == (2, 3)


def test_distinct_people_fewest_never_below_a_stated_lower_bound() -> None:
    recs = records_of(*(rec("a", str(i)) for i in range(5)), rec("b", "x", status_n="survived"))
    got = distinct_people_range(
        None, links_of(recs), recs, counts_of(("b", "killed", "13", "at_least"))
    )
    assert (got["min"], got["max"], got["persons"], got["stated_floor"]) == (13, 13, 5, 13)


def test_distinct_people_counts_only_the_dead_unless_asked() -> None:
    recs = records_of(rec("a", "1"), rec("a", "2", status_n="survived"))
    assert distinct_people_range(None, links_of(recs), recs)["max"] == 1
    assert distinct_people_range(None, links_of(recs), recs, killed_only=False)["max"] == 2


@pytest.mark.parametrize("seed", range(3))
def test_distinct_people_deterministic(seed: int) -> None:
    recs = records_of(rec("a", "1"), rec("a", "2"), rec("b", "1"), rec("b", "2"))
    pairs = pairs_of(
        ("a", "1", "b", "1", -1.0, "possible"),
        ("a", "2", "b", "1", -1.0, "possible"),
        ("a", "2", "b", "2", -1.0, "possible"),
    )
    base = distinct_people_range(pairs, links_of(recs), recs)
    shuffled = pairs.sample(frac=1, random_state=seed).reset_index(drop=True)
    recs2 = recs.sample(frac=1, random_state=seed + 10).reset_index(drop=True)
    assert distinct_people_range(shuffled, links_of(recs2), recs2) == base


# --------------------------------------------------------------------------- documentation


def counts_doc() -> str:
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "reports.md").read_text(encoding="utf-8")
    found = [p for p in text.split("\n## ") if p.startswith("counts.csv\n")]
    assert found, "docs/reports.md has no section '## counts.csv'"
    return found[0]


def test_every_counts_column_category_and_headline_key_is_documented() -> None:
    doc = counts_doc()
    recs = records_of(rec("a", "1"))
    keys = distinct_people_range(None, links_of(recs), recs).keys()
    names = [*COUNT_OUTPUT_COLUMNS, *STANDARD_CATEGORIES, *keys, *("exact", "at_least", "at_most")]
    assert [n for n in names if f"`{n}`" not in doc] == []


@pytest.mark.parametrize("n_claims", [3, 70])  # claim sets as machine words, and beyond 62
def test_distinct_people_claim_sets_of_any_size(n_claims: int) -> None:
    ids = [f"c{i}" for i in range(n_claims)]
    recs = records_of(*(rec(c, "1") for c in ids), rec("c0", "2"))
    chain = [
        (ids[i], "1", ids[i + 1], "1", 10.0 - i * 0.01, "possible") for i in range(n_claims - 1)
    ]
    # c0:2 shares claim c0 with the chain it would join: it stays apart, whatever its weight
    pairs = pairs_of(*chain, ("c0", "2", ids[1], "1", -50.0, "possible"))
    got = distinct_people_range(pairs, links_of(recs), recs)
    assert (got["min"], got["max"], got["extra_merges"]) == (2, n_claims + 1, n_claims - 1)


def test_distinct_people_pair_between_persons_sharing_a_claim_never_merges() -> None:
    recs = records_of(rec("a", "1"), rec("b", "1"), rec("a", "2"), rec("c", "1"))
    links = links_of(recs, {"a:1": "P", "b:1": "P"})  # P holds claims a and b
    pairs = pairs_of(
        ("a", "2", "b", "1", 9.0, "possible"),  # a:2 and P share claim a
        ("a", "2", "c", "1", 1.0, "possible"),
    )
    got = distinct_people_range(pairs, links, recs)
    assert (got["min"], got["max"], got["extra_merges"]) == (2, 3, 1)


def test_text_codes_are_pandas_factorize_codes() -> None:
    from reconcile.counts import _text_codes

    values = ["P2", "P1", "P2", "P3", "P1"]
    two_chunks = pd.concat([pd.Series(values[:2], dtype="str"), pd.Series(values[2:], dtype="str")])
    for s in (pd.Series(values, dtype="str"), pd.Series(values, dtype=object), two_chunks):
        assert list(_text_codes(s)) == list(pd.factorize(s.astype(str))[0]) == [0, 1, 0, 2, 1]
    with_missing = pd.Series(["P2", None, "P2"], dtype="str")
    assert list(_text_codes(with_missing)) == list(pd.factorize(with_missing.astype(str))[0])
