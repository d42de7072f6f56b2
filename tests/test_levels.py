"""Non-name field levels from per-record codes: exact levels on tiny columns, and agreement with a
plain per-pair reference on random columns."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from reconcile.levels import LEVELS, column_codes, field_codes
from reconcile.match import FIELDS_COMPARED, LEVEL_NAMES
from reconcile.score import Model, measure_u

TEXT_FIELDS = (
    "sex",
    "age_group",
    "dob",
    "national_id",
    "status",
    "relation_term",
    "relation_to",
    "location",
    "nationality",
)


def columns(n: int, **given_cols: list[object]) -> dict[str, np.ndarray]:
    """Prepared.cols for n records: the given columns, every other text "" and ages NaN."""
    cols = {f: np.full(n, "", dtype=object) for f in TEXT_FIELDS}
    cols["age_min"] = np.full(n, np.nan)
    cols["age_max"] = np.full(n, np.nan)
    for name, values in given_cols.items():
        dtype = np.float64 if name.startswith("age_m") else object
        cols[name] = np.asarray(values, dtype=dtype)
    return cols


def levels_of(cols: dict[str, np.ndarray], pairs: list[tuple[int, int]]) -> dict[str, list[str]]:
    ra = np.array([a for a, _ in pairs], np.int64)
    rb = np.array([b for _, b in pairs], np.int64)
    codes = field_codes(column_codes(cols), ra, rb, workers=1)
    for c in codes.values():
        assert c.dtype == np.int8
    return {f: [LEVELS[f][k] for k in c] for f, c in codes.items()}


def test_level_names_are_the_match_levels() -> None:
    assert tuple(LEVELS) == FIELDS_COMPARED
    assert all(LEVEL_NAMES[f] == LEVELS[f] for f in LEVELS)
    assert all(LEVELS[f][0] == "missing" for f in LEVELS)


def test_sex_and_status() -> None:
    cols = columns(
        5,
        sex=["female", "male", "female", "unknown", ""],
        status=["killed", "killed", "missing", "unknown", "killed"],
    )
    lv = levels_of(cols, [(0, 2), (0, 1), (0, 3), (3, 4), (1, 4)])
    assert lv["sex"] == ["agree", "conflict", "missing", "missing", "missing"]
    assert lv["status"] == ["conflict", "agree", "missing", "missing", "agree"]


def test_age() -> None:
    cols = columns(
        9,
        age_min=[30, 30, 31, 33, 40, 20, np.nan, np.nan, 30],
        age_max=[30, 30, 31, 33, 40, 39, np.nan, np.nan, 31],
        age_group=["adult", "", "", "", "", "adult", "adult", "child", ""],
    )
    pairs = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (6, 7), (6, 8), (0, 8), (2, 8)]
    assert levels_of(cols, pairs)["age"] == [
        "exact",
        "within1",
        "within3",
        "conflict",
        "overlap",
        "group",  # no age on one side: the age groups decide
        "conflict",
        "missing",
        "exact",  # 30 against 30-31: a one-year range starting at the same age
        "within1",  # 31 against 30-31
    ]


def test_dob_and_national_id() -> None:
    cols = columns(
        6,
        dob=["2001-05-04", "2001-05-04", "2001-01-01", "2002-05-04", "unknown", ""],
        national_id=["123456789", "123456789", "123456798", "123456780", "unknown", "12345678"],
    )
    lv = levels_of(cols, [(0, 1), (0, 2), (0, 3), (0, 4), (4, 5), (2, 3), (0, 5)])
    assert lv["dob"] == ["exact", "year", "conflict", "missing", "missing", "conflict", "missing"]
    # 123456798 is 123456789 with two digits swapped (one transposition); 123456780 is two
    # edits from 123456798; a dropped digit is one edit
    assert lv["national_id"] == [
        "agree",
        "typo",
        "typo",
        "missing",
        "missing",
        "conflict",
        "typo",
    ]


def test_relation() -> None:
    cols = columns(
        6,
        relation_term=["son", "son", "son", "wife", "son", ""],
        relation_to=["Mohammed Oud", "OUD mohammed", "Ahmed Saleh", "Mohammed Oud", "", "x"],
    )
    lv = levels_of(cols, [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)])
    assert lv["relation"] == ["same", "unsure", "conflict", "term", "missing"]


def test_free_text_is_fuzzy_and_casefolded() -> None:
    cols = columns(
        6,
        location=["Gaza City", "GAZA city", "Khan Younis", "gaza", "", "unknown"],
        nationality=["Palestinian", "palestinian ", "Egyptian", "", "x", "unknown"],
    )
    lv = levels_of(cols, [(0, 1), (0, 2), (0, 3), (0, 4), (5, 5), (2, 2)])
    assert lv["location"] == ["agree", "conflict", "agree", "missing", "agree", "agree"]
    assert lv["nationality"] == ["agree", "conflict", "missing", "conflict", "agree", "agree"]


def test_fuzzy_thresholds_at_their_edges() -> None:
    # token_set_ratio of the casefolded texts: 85.7 and 82.4 (location agrees from 85);
    # 80.0 and 76.2 (kinship targets look alike from 80)
    cols = columns(
        4,
        location=["Khan Younis", "Khan Yunes", "Shejaiya", "shujaiyya"],
        relation_term=["son", "son", "son", "son"],
        relation_to=["beit hanun", "Bayt Hanun", "Mohammed Oud", "Ahmed Oud"],
    )
    lv = levels_of(cols, [(0, 1), (2, 3)])
    assert lv["location"] == ["agree", "conflict"]
    assert lv["relation"] == ["same", "unsure"]


def test_no_pairs() -> None:
    empty = np.zeros(0, np.int64)
    codes = field_codes(column_codes(columns(2)), empty, empty)
    assert set(codes) == set(LEVELS)
    assert all(len(c) == 0 for c in codes.values())


# ---------------------------------------------------------------- against a per-pair reference

KNOWN = ("female", "male")
GROUPS = ("child", "adult", "elderly")


def ref_levels(c: dict[str, np.ndarray], a: int, b: int) -> dict[str, str]:
    """Every field's level of one pair, straight from the rules in docs/matching.md."""

    def text(f: str, k: int) -> str:
        return str(c[f][k])

    def agree(x: str, y: str, unknown: tuple[str, ...] = ("", "unknown")) -> str:
        if x in unknown or y in unknown:
            return "missing"
        return "agree" if x == y else "conflict"

    out = {}
    sx, sy = text("sex", a), text("sex", b)
    out["sex"] = agree(sx, sy) if sx in KNOWN and sy in KNOWN else "missing"
    # age: the stated ages if both have one, else the age groups
    ga, gb = text("age_group", a), text("age_group", b)
    age = ("group" if ga == gb else "conflict") if ga in GROUPS and gb in GROUPS else "missing"
    amin, amax, bmin, bmax = (float(c[f][k]) for k in (a, b) for f in ("age_min", "age_max"))
    if not math.isnan(amin) and not math.isnan(bmin):
        gap = max(amin - bmax, bmin - amax, 0.0)
        point = amax - amin <= 1 and bmax - bmin <= 1
        if gap > 3:
            age = "conflict"
        elif gap > 1:
            age = "within3"
        elif point:
            age = "exact" if gap == 0 and abs(amin - bmin) < 0.5 else "within1"
        elif gap == 0:
            age = "overlap"
    out["age"] = age
    da, db = text("dob", a), text("dob", b)
    out["dob"] = {"agree": "exact"}.get(agree(da, db), agree(da, db))
    if out["dob"] == "conflict" and da[:4] == db[:4]:
        out["dob"] = "year"
    ia, ib = text("national_id", a), text("national_id", b)
    out["national_id"] = agree(ia, ib)
    if out["national_id"] == "conflict" and OSA.distance(ia, ib) <= 1:
        out["national_id"] = "typo"
    ta, tb = text("relation_term", a), text("relation_term", b)
    oa, ob = text("relation_to", a), text("relation_to", b)
    if ta == "" or tb == "":
        out["relation"] = "missing"
    elif ta != tb:
        out["relation"] = "conflict"
    elif oa == "" or ob == "":
        out["relation"] = "term"
    else:
        same = fuzz.token_set_ratio(oa.casefold(), ob.casefold()) >= 80
        out["relation"] = "same" if same else "unsure"
    out["status"] = agree(text("status", a), text("status", b))
    for f in ("location", "nationality"):
        x, y = text(f, a), text(f, b)
        if x == "" or y == "":
            out[f] = "missing"
        else:
            out[f] = (
                "agree" if fuzz.token_set_ratio(x.casefold(), y.casefold()) >= 85 else "conflict"
            )
    return out


def values(*choices: str) -> st.SearchStrategy[str]:
    """Mostly the given values (pairs of them sit on the rules' edges), sometimes any text."""
    return st.sampled_from(choices) | st.sampled_from(choices) | st.text("aAbB 1-", max_size=6)


RECORD = st.fixed_dictionaries(
    {
        "sex": values("female", "male", "", "unknown", "Female"),
        "age_group": values("child", "adult", "elderly", "", "unknown"),
        "dob": values("2001-05-04", "2001-05-05", "2002-05-04", "2001", "", "unknown"),
        "national_id": values("123456789", "123456798", "12345678", "923456789", "", "unknown"),
        "status": values("killed", "missing", "", "unknown", "Killed"),
        "relation_term": values("son", "wife", "", "daughter"),
        # token_set_ratio: 76.2, 80.0 (the threshold), 82.4 apart; casefolding ß gives ss
        "relation_to": values(
            "Mohammed Oud",
            "oud mohammed",
            "Ahmed Oud",
            "beit hanun",
            "Bayt Hanun",
            "Shejaiya",
            "shujaiyya",
            "",
            "ß",
            "SS",
        ),
        # token_set_ratio: 82.4, 85.7 (around the threshold 85), 88.9 apart
        "location": values(
            "Shejaiya",
            "shujaiyya",
            "Khan Younis",
            "Khan Yunes",
            "Rafah",
            "Rafa",
            "Gaza City",
            "gaza  city",
            "",
            "unknown",
            " ",
            "İ",
            "i̇",
        ),
        "nationality": values("Palestinian", "palestinian", "Egyptian", "", "unknown"),
        "age": st.one_of(
            st.none(),
            st.tuples(st.integers(0, 90), st.sampled_from([0, 0, 0, 1, 4, 10])),
            st.tuples(st.integers(0, 180).map(lambda h: h / 2), st.just(0)),
        ),
    }
)


@settings(max_examples=80, deadline=None)
@given(st.lists(RECORD, min_size=1, max_size=9))
def test_levels_equal_a_per_pair_reference(records: list[dict]) -> None:
    n = len(records)
    cols = columns(n, **{f: [r[f] for r in records] for f in TEXT_FIELDS})
    cols["age_min"] = np.array([np.nan if r["age"] is None else r["age"][0] for r in records])
    cols["age_max"] = np.array(
        [np.nan if r["age"] is None else r["age"][0] + r["age"][1] for r in records]
    )
    pairs = [(a, b) for a in range(n) for b in range(n)]  # each value pair many times over
    got = levels_of(cols, pairs)
    for i, (a, b) in enumerate(pairs):
        want = ref_levels(cols, a, b)
        assert {f: got[f][i] for f in LEVELS} == want, (records[a], records[b])


def test_measure_u_counts_codes_as_it_counts_names() -> None:
    rng = np.random.default_rng(3)
    sexes = np.array(["female", "male", "", "unknown"], dtype=object)[rng.integers(0, 4, 400)]
    statuses = np.array(["killed", "missing", ""], dtype=object)[rng.integers(0, 3, 400)]
    fc = column_codes(columns(400, sex=list(sexes), status=list(statuses)))
    names = {f: np.asarray(LEVELS[f], dtype=object) for f in LEVELS}
    by_name, by_code = Model(), Model()
    idx = np.arange(400)
    measure_u(
        by_name,
        lambda a, b: {f: names[f][c] for f, c in field_codes(fc, a, b).items()},
        idx,
        idx,
        n_sample=2_000,
    )
    measure_u(
        by_code,
        lambda a, b: {f: (c, names[f]) for f, c in field_codes(fc, a, b).items()},
        idx,
        idx,
        n_sample=2_000,
    )
    assert by_name.to_dict() == by_code.to_dict()
    assert by_code.mu["sex"] != Model().mu["sex"]  # measured, not the defaults
    assert by_code.mu["dob"] == Model().mu["dob"]  # no dob anywhere: too few to measure
