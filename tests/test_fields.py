"""Field parsing: single-value parsers, their problems, and parse_records end to end."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.fields import (
    AgeRange,
    age_group_of,
    check_age_group,
    check_dob,
    check_identified,
    check_national_id,
    check_sex,
    check_status,
    is_placeholder,
    parse_age,
    parse_age_group,
    parse_dob,
    parse_identified,
    parse_national_id,
    parse_records,
    parse_sex,
    parse_status,
)
from reconcile.problems import Problem
from reconcile.schema import PARSED_COLUMNS

# --- placeholders ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["unknown", " Unknown ", "UNK", "?", "??", "-", "n/a", "N/A", "غير معروف", "مجهول"]
)
def test_default_placeholders(text: str) -> None:
    assert is_placeholder(text)
    assert parse_sex(text) == "unknown"
    assert parse_age(text) == AgeRange(text="unknown")


@pytest.mark.parametrize("text", ["", "female", "unknown woman", "Nan", "none"])
def test_not_placeholders(text: str) -> None:
    assert not is_placeholder(text)


def test_placeholders_are_configurable() -> None:
    assert is_placeholder("NK", ["nk"])
    assert not is_placeholder("unknown", ["nk"])
    assert parse_status("NK", ["nk"]) == "unknown"
    assert check_status("unknown", ["nk"]) == (
        "",
        "'unknown' is not a status; write killed, injured, missing or survived",
    )


# --- vocabularies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("f", "female"),
        ("F", "female"),
        ("Female", "female"),
        ("woman", "female"),
        ("women", "female"),
        ("girl", "female"),
        ("أنثى", "female"),
        ("انثى", "female"),
        ("امرأة", "female"),
        ("امراة", "female"),
        ("طفلة", "female"),
        ("فتاة", "female"),
        ("بنت", "female"),
        ("femme", "female"),
        ("m", "male"),
        ("M", "male"),
        ("male", "male"),
        ("man", "male"),
        ("men", "male"),
        ("boy", "male"),
        ("ذكر", "male"),
        ("رجل", "male"),
        ("طفل", "male"),
        ("ولد", "male"),
        ("شاب", "male"),
        ("homme", "male"),
        ("", ""),
        ("  ", ""),
        ("?", "unknown"),
    ],
)
def test_parse_sex(text: str, sex: str) -> None:
    assert parse_sex(text) == sex


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("killed", "killed"),
        ("k", "killed"),
        ("K", "killed"),
        ("dead", "killed"),
        ("Died", "killed"),
        ("martyr", "killed"),
        ("قتيل", "killed"),
        ("شهيد", "killed"),
        ("شهيدة", "killed"),
        ("استشهد", "killed"),
        ("injured", "injured"),
        ("i", "injured"),
        ("wounded", "injured"),
        ("جريح", "injured"),
        ("مصابة", "injured"),
        ("missing", "missing"),
        ("under the rubble", "missing"),
        ("مفقود", "missing"),
        ("survived", "survived"),
        ("alive", "survived"),
        ("ناج", "survived"),
        ("ناجية", "survived"),
        ("", ""),
    ],
)
def test_parse_status(text: str, status: str) -> None:
    assert parse_status(text) == status


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("Y", "yes"),
        ("true", "yes"),
        ("1", "yes"),
        ("identified", "yes"),
        ("نعم", "yes"),
        ("no", "no"),
        ("N", "no"),
        ("false", "no"),
        ("0", "no"),
        ("not identified", "no"),
        ("Not Identified", "no"),
        ("unidentified", "no"),
        ("لا", "no"),
        ("مجهول الهوية", "no"),
        ("", ""),
    ],
)
def test_parse_identified(text: str, value: str) -> None:
    assert parse_identified(text) == value


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("child", "child"),
        ("Children", "child"),
        ("kid", "child"),
        ("minor", "child"),
        ("baby", "child"),
        ("infant", "child"),
        ("toddler", "child"),
        ("teen", "child"),
        ("teenager", "child"),
        ("girl", "child"),
        ("طفل", "child"),
        ("أطفال", "child"),
        ("قاصر", "child"),
        ("adult", "adult"),
        ("بالغ", "adult"),
        ("elderly", "elderly"),
        ("old", "elderly"),
        ("senior", "elderly"),
        ("مسن", "elderly"),
        ("مسنة", "elderly"),
        ("under 18", "child"),
        ("60+", "elderly"),
        ("", ""),
        ("unknown", "unknown"),
    ],
)
def test_parse_age_group(text: str, group: str) -> None:
    assert parse_age_group(text) == group


@pytest.mark.parametrize(
    ("check", "text", "message"),
    [
        (check_sex, "femal", "'femal' is not a sex; did you mean 'female'?"),
        (check_sex, " mael ", "'mael' is not a sex; did you mean 'male'?"),
        (check_sex, "xyz", "'xyz' is not a sex; write female or male"),
        (check_status, "kiled", "'kiled' is not a status; did you mean 'killed'?"),
        (
            check_status,
            "detained",
            "'detained' is not a status; write killed, injured, missing or survived",
        ),
        (check_identified, "maybe", "'maybe' is not a value for identified; write yes or no"),
        (check_age_group, "chlid", "'chlid' is not an age group; did you mean 'child'?"),
        (check_age_group, "xyz", "'xyz' is not an age group; write child, adult or elderly"),
    ],
)
def test_unknown_value_messages(
    check: Callable[[str], tuple[str, str]], text: str, message: str
) -> None:
    assert check(text) == ("", message)


# --- age -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lo", "hi", "canonical"),
    [
        ("34", 34, 34, "34"),
        (" 34 ", 34, 34, "34"),
        ("34 years", 34, 34, "34"),
        ("34 yrs", 34, 34, "34"),
        ("34yo", 34, 34, "34"),
        ("34 years old", 34, 34, "34"),
        ("age 34", 34, 34, "34"),
        ("٣٤", 34, 34, "34"),
        ("٣٤ سنة", 34, 34, "34"),
        ("34 عاما", 34, 34, "34"),
        ("30-35", 30, 35, "30-35"),
        ("30–35", 30, 35, "30-35"),
        ("30 - 35", 30, 35, "30-35"),
        ("30 to 35", 30, 35, "30-35"),
        ("between 30 and 35", 30, 35, "30-35"),
        ("بين 30 و 35", 30, 35, "30-35"),
        ("30 à 35", 30, 35, "30-35"),
        ("12-18 months", 1, 1.5, "1-1.5"),
        ("١٥ عاماً", 15, 15, "15"),
        ("about 5 months", 0.21, 0.63, "~0.42"),
        ("40 ans", 40, 40, "40"),
        ("35-30", 30, 35, "30-35"),
        ("~40", 36, 44, "~40"),
        ("about 40", 36, 44, "~40"),
        ("approx. 40", 36, 44, "~40"),
        ("40?", 36, 44, "~40"),
        ("حوالي 40", 36, 44, "~40"),
        ("~5", 4, 6, "~5"),
        ("5 months", 0.42, 0.42, "0.42"),
        ("6 mos", 0.5, 0.5, "0.5"),
        ("10 days", 0.03, 0.03, "0.03"),
        ("3 weeks", 0.06, 0.06, "0.06"),
        ("5 أشهر", 0.42, 0.42, "0.42"),
        ("شهرين", 0.17, 0.17, "0.17"),
        ("سنتين", 2, 2, "2"),
        ("a month", 0.08, 0.08, "0.08"),
        ("1 year 6 months", 1.5, 1.5, "1.5"),
        ("1 year and 6 months", 1.5, 1.5, "1.5"),
        ("3-4 months", 0.25, 0.33, "0.25-0.33"),
        ("1.5", 1.5, 1.5, "1.5"),
        ("1,5", 1.5, 1.5, "1.5"),
        ("0", 0, 0, "0"),
        ("40s", 40, 49, "40-49"),
        ("40's", 40, 49, "40-49"),
        ("early 40s", 40, 43, "40-43"),
        ("late 30s", 37, 39, "37-39"),
        ("mid 40s", 44, 46, "44-46"),
        ("in her 30s", 30, 39, "30-39"),
        ("forties", 40, 49, "40-49"),
        ("over 60", 60, 120, "60+"),
        ("60+", 60, 120, "60+"),
        (">60", 60, 120, "60+"),
        ("under 5", 0, 4.99, "<5"),
        ("<18", 0, 17.99, "<18"),
        ("child", 0, 17.99, "<18"),
        ("طفل", 0, 17.99, "<18"),
        ("adult", 18, 120, "18+"),
        ("elderly", 60, 120, "60+"),
        ("مسن", 60, 120, "60+"),
        ("baby", 0, 2, "0-2"),
        ("infant", 0, 1, "0-1"),
        ("toddler", 1, 3, "1-3"),
        ("teen", 13, 17, "13-17"),
        ("teenager", 13, 17, "13-17"),
    ],
)
def test_parse_age(text: str, lo: float, hi: float, canonical: str) -> None:
    age = parse_age(text)
    assert (age.min, age.max, age.text, age.error) == (lo, hi, canonical, "")


@pytest.mark.parametrize("text", ["abc", "200", "-5", "34 apples", "1990-02-03", "3//4"])
def test_bad_age_message(text: str) -> None:
    age = parse_age(text)
    assert math.isnan(age.min) and math.isnan(age.max) and age.text == ""
    assert age.error == (
        f"'{text}' is not an age; write 34, 30-35, ~40, 5 months or a word such as child"
    )


def test_blank_age() -> None:
    assert parse_age("") == AgeRange()
    assert math.isnan(parse_age("").min)


@pytest.mark.parametrize(
    ("lo", "hi", "group"),
    [
        (5, 5, "child"),
        (0, 17.99, "child"),
        (17, 19, ""),
        (18, 18, "adult"),
        (30, 35, "adult"),
        (18, 120, "adult"),
        (55, 65, ""),
        (60, 60, "elderly"),
        (60, 120, "elderly"),
        (math.nan, math.nan, ""),
    ],
)
def test_age_group_of(lo: float, hi: float, group: str) -> None:
    assert age_group_of(lo, hi) == group


# --- dates, ID numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("1990-02-03", "1990-02-03"),
        ("1990-2-3", "1990-02-03"),
        ("1990/02/03", "1990-02-03"),
        ("1990-02", "1990-02"),
        ("1990", "1990"),
        ("3/2/1990", "1990-02-03"),  # day first
        ("03/02/1990", "1990-02-03"),
        ("3.2.1990", "1990-02-03"),
        ("3-2-1990", "1990-02-03"),
        ("25/12/1990", "1990-12-25"),
        ("12/25/1990", "1990-12-25"),  # only month first is a date
        ("02/1990", "1990-02"),
        ("3 Feb 1990", "1990-02-03"),
        ("3 February 1990", "1990-02-03"),
        ("3-Feb-1990", "1990-02-03"),
        ("3rd of February 1990", "1990-02-03"),
        ("February 3, 1990", "1990-02-03"),
        ("Feb. 3, 1990", "1990-02-03"),
        ("February 1990", "1990-02"),
        ("3 février 1990", "1990-02-03"),
        ("3 شباط 1990", "1990-02-03"),
        ("3 فبراير 1990", "1990-02-03"),
        ("3 كانون الثاني 1990", "1990-01-03"),
        ("٣/٢/١٩٩٠", "1990-02-03"),
        ("1990-02-03 00:00:00", "1990-02-03"),
        ("29/02/2000", "2000-02-29"),
        ("", ""),
        ("unknown", "unknown"),
    ],
)
def test_parse_dob(text: str, iso: str) -> None:
    assert parse_dob(text) == iso


@pytest.mark.parametrize(
    "text", ["31/02/2000", "29/02/2001", "2000-13-01", "3/2/90", "1800", "yesterday", "13/13/1990"]
)
def test_bad_date_message(text: str) -> None:
    assert check_dob(text) == (
        "",
        f"'{text}' is not a date; write 1990-02-03, 3/2/1990 (day first), 1990-02 or 1990",
    )


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("426456406", "426456406"),
        ("0123456", "0123456"),
        ("012 345 678", "012345678"),
        ("012-345-678", "012345678"),
        ("٠١٢٣٤٥", "012345"),
        ("426456406.0", "426456406"),
        ("", ""),
        ("?", "unknown"),
    ],
)
def test_parse_national_id(text: str, digits: str) -> None:
    assert parse_national_id(text) == digits


@pytest.mark.parametrize("text", ["AB123", "4.26E+08", "12/34"])
def test_bad_national_id_message(text: str) -> None:
    assert check_national_id(text) == ("", f"'{text}' is not an ID number; write its digits only")


# --- parse_records ---------------------------------------------------------------------------


def _frame(**columns: Sequence[object]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "claim": ["alpha"] * n,
        "record_id": [f"r{i}" for i in range(n)],
        "file": ["claims/alpha.csv"] * n,
        "row": list(range(2, n + 2)),
    }
    return pd.DataFrame({**base, **columns})


def test_parse_records_adds_every_parsed_column_and_keeps_the_text() -> None:
    records = _frame(name=["Samir Haddad"], sex=["F"], age=["34"], group=["  house 1 "])
    parsed, problems = parse_records(records)
    assert problems == []
    assert list(parsed.columns) == [*records.columns, *PARSED_COLUMNS]
    pd.testing.assert_frame_equal(parsed[records.columns], records)
    row = parsed.iloc[0]
    assert (row.sex_n, row.age_min, row.age_max, row.age_n) == ("female", 34.0, 34.0, "34")
    assert (row.age_group_n, row.group_n, row.dob_n, row.status_n) == ("adult", "house 1", "", "")
    assert not row.name_is_relation and not row.name_unknown
    assert parsed["age_min"].dtype == float and parsed["name_unknown"].dtype == bool


def test_parse_records_end_to_end() -> None:
    records = _frame(
        name=[
            "Samir Haddad",
            "wife of Abu Ibrahim",
            "unidentified woman",
            "بنت/ريم سامي حداد",
            "body",
            "?",
            "Layla Haddad",
            "طفل",
        ],
        sex=["m", "", "", "", "femal", "", "girl", ""],
        age=["40", "~30", "", "5 months", "abc", "", "", "unknown"],
        age_group=["child", "", "", "", "", "", "", ""],
        dob=["", "", "", "31/02/2000", "", "", "", ""],
        national_id=["", "", "", "", "", "", "AB12", ""],
        status=["k", "killed", "killed", "قتيل", "", "injured", "kiled", ""],
        identified=["", "", "", "", "", "", "yes", ""],
        relation=["", "", "", "", "", "Hisham's daughter", "", "son of Karim"],
    )
    parsed, problems = parse_records(records)
    got = parsed[
        ["sex_n", "age_n", "age_group_n", "identified_n", "relation_term", "relation_to"]
    ].values.tolist()
    assert got == [
        ["male", "40", "child", "", "", ""],
        ["female", "~30", "adult", "", "wife", "Abu Ibrahim"],
        ["female", "", "", "no", "", ""],
        ["female", "0.42", "child", "", "daughter", "ريم سامي حداد"],
        ["", "", "", "no", "", ""],
        ["female", "", "", "", "daughter", "Hisham"],
        ["female", "", "child", "yes", "", ""],
        ["male", "unknown", "child", "", "son", "Karim"],
    ]
    assert parsed["name_is_relation"].tolist() == [False, True, False, True] + [False] * 4
    assert parsed["name_unknown"].tolist() == [False, False, True, False, True, True, False, True]
    assert parsed["status_n"].tolist()[:4] == ["killed"] * 4
    assert [p.format() for p in problems] == [
        "claims/alpha.csv:2:age: W305: age '40' contradicts age group 'child' (child means 0-17)",
        "claims/alpha.csv:5:dob: E203: '31/02/2000' is not a date; write 1990-02-03, 3/2/1990 "
        "(day first), 1990-02 or 1990",
        "claims/alpha.csv:6:sex: E201: 'femal' is not a sex; did you mean 'female'?",
        "claims/alpha.csv:6:age: E202: 'abc' is not an age; write 34, 30-35, ~40, 5 months or a "
        "word such as child",
        "claims/alpha.csv:8:national_id: E205: 'AB12' is not an ID number; write its digits only",
        "claims/alpha.csv:8:status: E201: 'kiled' is not a status; did you mean 'killed'?",
    ]


def test_every_row_with_a_bad_value_gets_its_own_problem() -> None:
    records = _frame(sex=["femal", "f", "femal"])
    _, problems = parse_records(records)
    assert problems == [
        Problem(
            "E201", "claims/alpha.csv", "'femal' is not a sex; did you mean 'female'?", 2, "sex"
        ),
        Problem(
            "E201", "claims/alpha.csv", "'femal' is not a sex; did you mean 'female'?", 4, "sex"
        ),
    ]


def test_girl_with_an_adult_age_is_a_conflict() -> None:
    _, problems = parse_records(_frame(sex=["girl"], age=["40"]))
    assert [p.message for p in problems] == ["age '40' contradicts sex 'girl' (child means 0-17)"]


def test_derived_values_never_override_stated_ones() -> None:
    records = _frame(
        name=["unidentified woman", "wife of Karim"],
        sex=["m", "male"],
        age_group=["adult", ""],
        identified=["yes", ""],
        relation=["", "daughter of Karim"],
    )
    parsed, _ = parse_records(records)
    assert parsed["sex_n"].tolist() == ["male", "male"]
    assert parsed["age_group_n"].tolist() == ["adult", ""]
    assert parsed["identified_n"].tolist() == ["yes", ""]
    assert parsed[["relation_term", "relation_to"]].values.tolist() == [
        ["", ""],
        ["daughter", "Karim"],
    ]
    assert parsed["name_is_relation"].tolist() == [False, True]


def test_a_name_followed_by_its_relation_fills_the_relation() -> None:
    parsed, _ = parse_records(_frame(name=["Umm Salem Nassar.. wife of Karim Nassar"]))
    row = parsed.iloc[0]
    assert (row.relation_term, row.relation_to, row.sex_n) == ("wife", "Karim Nassar", "female")
    assert not row.name_is_relation


def test_placeholder_group_is_no_group_and_missing_columns_are_blank() -> None:
    parsed, problems = parse_records(_frame(group=["-", "A"]))
    assert parsed["group_n"].tolist() == ["", "A"]
    assert parsed["sex_n"].tolist() == ["", ""]
    assert math.isnan(parsed["age_min"].iloc[0]) and problems == []


def test_parse_records_custom_placeholders_and_na_cells() -> None:
    records = _frame(sex=["nk", None], age=["nk", float("nan")])
    parsed, problems = parse_records(records, placeholders=["nk"])
    assert parsed["sex_n"].tolist() == ["unknown", ""]
    assert parsed["age_n"].tolist() == ["unknown", ""]
    assert problems == []


def test_parse_records_empty_frame_and_odd_index() -> None:
    parsed, problems = parse_records(_frame(sex=[]))
    assert list(parsed.columns)[-len(PARSED_COLUMNS) :] == list(PARSED_COLUMNS)
    assert len(parsed) == 0 and problems == []
    records = _frame(sex=["f", "bad"]).set_index(pd.Index([10, 3]))
    parsed, problems = parse_records(records)
    assert parsed["sex_n"].tolist() == ["female", ""]
    assert [p.row for p in problems] == [3]


# --- properties ------------------------------------------------------------------------------

_PARSERS = [
    parse_sex,
    parse_status,
    parse_identified,
    parse_age_group,
    parse_dob,
    parse_national_id,
]


@given(st.text(max_size=120))
def test_parsers_never_raise(text: str) -> None:
    for parse in _PARSERS:
        assert isinstance(parse(text), str)
    age = parse_age(text)
    assert bool(age.error) == (age.text == "" and text.strip() != "")
    if not age.error and age.text not in ("", "unknown"):
        assert 0 <= age.min <= age.max <= 120


_AGE_TEXT = st.one_of(
    st.integers(0, 120).map(str),
    st.tuples(st.integers(0, 120), st.integers(0, 120)).map(lambda t: f"{t[0]}-{t[1]}"),
    st.integers(0, 120).map(lambda n: f"~{n}"),
    st.integers(0, 11).map(lambda n: f"{n} months"),
    st.integers(1, 11).map(lambda n: f"{n}0s"),
    st.integers(1, 120).map(lambda n: f"under {n}"),
    st.integers(0, 119).map(lambda n: f"{n}+"),
    st.sampled_from(["child", "adult", "elderly", "baby", "infant", "teen", "toddler"]),
    st.text(max_size=20),
)


@given(_AGE_TEXT)
def test_canonical_age_reparses_to_the_same_range(text: str) -> None:
    age = parse_age(text)
    if age.error or age.text in ("", "unknown"):
        return
    again = parse_age(age.text)
    assert (again.min, again.max, again.text) == (age.min, age.max, age.text)


@given(st.dates(min_value=date(1850, 1, 1), max_value=date(2100, 12, 31)))
def test_iso_dates_reparse(day: date) -> None:
    iso = day.isoformat()
    assert parse_dob(iso) == iso
    assert parse_dob(f"{day.day}/{day.month}/{day.year}") == iso


_CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["f", "femal", "34", "~40", "abc", "wife of X", "بنت/ريم", "?", "body"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_CELL, _CELL, _CELL, _CELL, _CELL, _CELL), max_size=6))
def test_parse_records_never_raises(cells: list[tuple[str, ...]]) -> None:
    fields = ["name", "sex", "age", "age_group", "dob", "relation"]
    records = (
        _frame(**{f: [c[i] for c in cells] for i, f in enumerate(fields)})
        if cells
        else (_frame(name=[]))
    )
    parsed, problems = parse_records(records)
    assert len(parsed) == len(records)
    assert all(p.file == "claims/alpha.csv" and p.column in fields for p in problems)
    assert set(parsed["sex_n"]) <= {"", "female", "male", "unknown"}
    assert set(parsed["age_group_n"]) <= {"", "child", "adult", "elderly", "unknown"}


# --- parse_records, column by column, against the row-by-row rules ---------------------------


def _row_by_row(records: pd.DataFrame, ph: Sequence[str]) -> list[tuple[object, ...]]:
    """The parsed columns of each record by the rules of the module docstring, one at a time."""
    from reconcile.fields import (
        GROUP_RANGES,
        age_contradicts,
        implied_sex,
        parse_group,
        sex_implies_child,
    )
    from reconcile.relations import analyse_name, relation_details

    out: list[tuple[object, ...]] = []
    for r in records.to_dict("records"):
        age = parse_age(r["age"], ph)
        sex, group, ident = parse_sex(r["sex"], ph), parse_age_group(r["age_group"], ph), ""
        ident = parse_identified(r["identified"], ph)
        term, to, child = (
            ("unknown", "", False) if is_placeholder(r["relation"], ph)
            else relation_details(r["relation"])
        )  # fmt: skip
        facts = analyse_name(r["name"])
        if term in ("", "unknown") and facts.term:
            term, to, child = facts.term, facts.to, facts.child
        u = facts.unnamed
        if sex in ("", "unknown"):
            sex = (u.sex if u else "") or implied_sex(term) or sex
        w305 = (group in GROUP_RANGES and age_contradicts(age, group)) or (
            sex_implies_child(r["sex"]) and age_contradicts(age, "child")
        )
        if group in ("", "unknown"):
            group = (
                age_group_of(age.min, age.max)
                or ("child" if sex_implies_child(r["sex"]) else "")
                or (u.age_group if u else "")
                or ("child" if child else "")
                or group
            )
        if ident in ("", "unknown") and u and u.identified:
            ident = u.identified
        unknown = is_placeholder(r["name"], ph) or u is not None
        out.append(
            (sex, age.text, group, parse_dob(r["dob"], ph), parse_national_id(r["national_id"], ph),
             parse_group(r["group"], ph), parse_status(r["status"], ph), ident, term, to,
             facts.is_relation, unknown, w305)
        )  # fmt: skip
    return out


_CELLS = {
    "name": ["Ali Hassan", "wife of Omar", "unidentified girl", "?", "", "زوجة محمد", "body",
             "Umm Salem.. wife of Karim", "NK", "0", "مجهول الهوية"],
    "sex": ["", "f", "boy", "?", "xx", "ولد"],
    "age": ["", "34", "5 months", "70", "?", "abc", "0"],
    "age_group": ["", "child", "adult", "elderly", "?", "zz"],
    "dob": ["", "1990-02-03", "31/02/2000", "?"],
    "national_id": ["", "0123", "12 34", "abc", "?", "0"],
    "group": ["", "G1", "  fam  ily ", "?", "0", "NK", "g 2"],
    "status": ["", "k", "alive", "?", "zz"],
    "identified": ["", "y", "n", "?"],
    "relation": ["", "son of X", "infant son of Y", "?", "زوجها"],
}  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({k: st.sampled_from(v) for k, v in _CELLS.items()}), max_size=12
    ),
    st.sampled_from([("unknown", "?"), ("NK", "0"), ()]),
    st.booleans(),
)
def test_parse_records_follows_the_row_by_row_rules(rows, ph, arrow) -> None:
    records = pd.DataFrame(rows, columns=list(_CELLS), dtype="str" if arrow else object)
    records.insert(0, "file", "f.csv")
    records.insert(1, "row", range(2, len(rows) + 2))
    parsed, problems = parse_records(records, ph)
    cols = ["sex_n", "age_n", "age_group_n", "dob_n", "national_id_n", "group_n", "status_n",
            "identified_n", "relation_term", "relation_to", "name_is_relation",
            "name_unknown"]  # fmt: skip
    got = [tuple(r) for r in parsed[cols].itertuples(index=False)]
    expected = _row_by_row(records, ph)
    assert got == [e[:-1] for e in expected]
    w305 = [p.row for p in problems if p.code == "W305"]
    assert w305 == [r + 2 for r, e in enumerate(expected) if e[-1]]
    assert [p.row for p in problems] == sorted(p.row or 0 for p in problems)
    assert all(parsed[c].dtype == "str" for c in cols[:10])


_ISO_SHAPED = st.tuples(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)).map(
    lambda ymd: f"{ymd[0]:04d}-{ymd[1]:02d}-{ymd[2]:02d}"
)


@given(st.lists(_ISO_SHAPED | st.sampled_from(["1990-2-3", "1990-02-03 ", "", "x"]), max_size=20))
def test_dates_taken_as_they_are_are_the_ones_check_dob_gives_back(texts):
    """The fast path for YYYY-MM-DD dates: exactly the texts check_dob returns unchanged."""
    import pyarrow as pa

    from reconcile.fields import _iso_dates
    from reconcile.schema import DEFAULT_PLACEHOLDERS

    placeholders = (*DEFAULT_PLACEHOLDERS, "1900-01-01")
    for some in (texts, ["1900-01-01", "2000-02-29", "1900-02-29", "2100-12-31", "1849-12-31"]):
        sliced = pa.array(["2000-01-01", *some], type=pa.large_string()).slice(1)
        fast = _iso_dates(sliced, placeholders).tolist()
        assert fast == [check_dob(t, placeholders) == (t, "") and t != "" for t in some]
