"""An invented three-claim case, as hand-made frames in the stage contracts, for report tests."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from reconcile.case import Case, Claim
from reconcile.problems import Problem
from reconcile.schema import (
    COUNT_RESULT_COLUMNS,
    LINK_COLUMNS,
    MERGED_FIELDS,
    PAIR_COLUMNS,
    PARSED_COLUMNS,
    PERSON_FIELD_COLUMNS,
    PERSON_HEAD_COLUMNS,
    TEXT_FIELDS,
)

FILES = {"alpha": "claims/alpha.csv", "beta": "claims/beta.csv", "gamma": "claims/gamma.csv"}
SCRIPT_NAME = "<script>window.__pwned=1</script>Zed & <b>Co</b>"
FORMULA_NAME = '=HYPERLINK("http://example.invalid","x")'
ARABIC_NAME = "سمير الحداد"


def rec(claim: str, rid: str, row: int, **fields: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"claim": claim, "record_id": rid, "file": FILES[claim], "row": row}
    r.update({f: "" for f in TEXT_FIELDS})
    r.update({c: "" for c in PARSED_COLUMNS})
    r.update(age_min=math.nan, age_max=math.nan, name_is_relation=False, name_unknown=False)
    r.update(fields)
    return r


def records() -> pd.DataFrame:
    return pd.DataFrame(
        [
            rec(
                "alpha",
                "a1",
                2,
                name=ARABIC_NAME,
                sex="ذكر",
                sex_n="male",
                age="34",
                quote="قتل سمير في الطابق الثاني",
            ),
            rec("alpha", "a2", 3, name=SCRIPT_NAME, sex="female", sex_n="female"),
            rec("alpha", "a3", 4, name="Lina | Haddad", age="9", age_group_n="child"),
            rec(
                "beta",
                "b1",
                2,
                name="Samir al-Haddad",
                sex="female",
                sex_n="female",
                age="35",
                quote="a woman, Samir",
            ),
            rec("beta", "b2", 3, name=FORMULA_NAME, sex="male"),
            rec(
                "beta",
                "b3",
                4,
                name="unidentified remains",
                identified="no",
                identified_n="no",
                name_unknown=True,
            ),
            rec("gamma", "g1", 2, name="Samir Haddad", sex="m", sex_n="male", age="34"),
            rec("gamma", "g2", 3, name="Lina", age="8"),
            rec("gamma", "g3", 4, relation="wife of Samir", sex="female", sex_n="female"),
        ]
    )


PERSON_OF = {
    ("alpha", "a1"): "P1",
    ("beta", "b1"): "P1",
    ("gamma", "g1"): "P1",
    ("alpha", "a2"): "P2",
    ("alpha", "a3"): "P3",
    ("gamma", "g2"): "P3",
    ("beta", "b2"): "P4",
    ("beta", "b3"): "P5",
    ("gamma", "g3"): "P6",
}


def links(recs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in recs.to_dict("records"):
        rows.append(
            {
                "claim": r["claim"],
                "record_id": r["record_id"],
                "person_id": PERSON_OF[(r["claim"], r["record_id"])],
                "score": 12.5,
                "ambiguous": r["record_id"] in ("a3", "g2"),
                "alternatives": "",
                "file": r["file"],
                "row": r["row"],
            }
        )
    return pd.DataFrame(rows, columns=list(LINK_COLUMNS))


def pairs() -> pd.DataFrame:
    rows = [
        ("alpha", "a1", "beta", "b1", 14.0, 0.9999, "linked"),
        ("alpha", "a3", "gamma", "g2", 1.2, 0.70, "ambiguous"),
        ("beta", "b3", "alpha", "a2", -0.5, 0.41, "possible"),
        ("beta", "b3", "gamma", "g2", 0.3, 0.55, "possible"),
        ("beta", "b3", "gamma", "g1", -2.0, 0.20, "possible"),
        ("alpha", "a1", "beta", "b3", -1.0, 0.33, "possible"),
        ("beta", "b2", "gamma", "g1", -9.0, 0.002, "rejected"),
    ]
    return pd.DataFrame(rows, columns=list(PAIR_COLUMNS))


def persons() -> pd.DataFrame:
    base = {f: "" for f in MERGED_FIELDS} | {f"{f}_status": "unknown" for f in MERGED_FIELDS}
    rows = [
        {
            **base,
            "person_id": "P1",
            "claims": "alpha;beta;gamma",
            "n_claims": 3,
            "silent": "",
            "denied_by": "",
            "ambiguous": False,
            "name": ARABIC_NAME,
            "name_status": "agree",
            "sex": "male | female",
            "sex_status": "conflict",
            "age": "34 | 35",
            "age_status": "agree",
            "names": f"{ARABIC_NAME} | Samir al-Haddad | Samir Haddad",
        },
        {
            **base,
            "person_id": "P2",
            "claims": "alpha",
            "n_claims": 1,
            "silent": "beta;gamma",
            "denied_by": "",
            "ambiguous": False,
            "name": SCRIPT_NAME,
            "name_status": "single",
            "names": SCRIPT_NAME,
        },
        {
            **base,
            "person_id": "P3",
            "claims": "alpha;gamma",
            "n_claims": 2,
            "silent": "beta",
            "denied_by": "",
            "ambiguous": True,
            "name": "Lina | Haddad",
            "name_status": "agree",
            "age": "9 | 8",
            "age_status": "conflict",
            "names": "Lina | Haddad | Lina",
        },
        {
            **base,
            "person_id": "P4",
            "claims": "beta",
            "n_claims": 1,
            "silent": "alpha;gamma",
            "denied_by": "alpha",
            "ambiguous": False,
            "name": FORMULA_NAME,
            "name_status": "single",
            "names": FORMULA_NAME,
        },
        {
            **base,
            "person_id": "P5",
            "claims": "beta",
            "n_claims": 1,
            "silent": "alpha;gamma",
            "denied_by": "alpha",
            "ambiguous": False,
            "name": "unidentified remains",
            "name_status": "single",
            "names": "unidentified remains",
        },
        {
            **base,
            "person_id": "P6",
            "claims": "gamma",
            "n_claims": 1,
            "silent": "alpha;beta",
            "denied_by": "alpha",
            "ambiguous": False,
            "relation": "wife of Samir",
            "relation_status": "single",
            "names": "",
        },
    ]
    cols = [*PERSON_HEAD_COLUMNS, *(x for f in MERGED_FIELDS for x in (f, f"{f}_status")), "names"]
    return pd.DataFrame(rows, columns=cols)


def person_fields() -> pd.DataFrame:
    rows = [
        ("P1", "sex", "alpha", "a1", "ذكر", "male", FILES["alpha"], 2),
        ("P1", "sex", "beta", "b1", "female", "female", FILES["beta"], 2),
        ("P1", "sex", "gamma", "g1", "m", "male", FILES["gamma"], 2),
        ("P3", "age", "alpha", "a3", "9", "9", FILES["alpha"], 4),
        ("P3", "age", "gamma", "g2", "8", "8", FILES["gamma"], 3),
        ("P4", "name", "beta", "b2", FORMULA_NAME, "", FILES["beta"], 3),
    ]
    return pd.DataFrame(rows, columns=list(PERSON_FIELD_COLUMNS))


def counts() -> pd.DataFrame:
    nan = math.nan
    rows = [
        ("killed", "alpha", "12", "exact", 12, 12, 3, nan, nan, True, "beta", "twelve killed"),
        (
            "killed",
            "beta",
            "at least 15",
            "at_least",
            15,
            nan,
            3,
            nan,
            nan,
            True,
            "alpha",
            "-15 or more, =SUM(A1)",
        ),
        ("killed", "gamma", "", "", nan, nan, 2, nan, nan, False, "", ""),
        ("killed", "*", "", "", nan, nan, nan, 12, 15, True, "alpha;beta", ""),
        ("children", "alpha", "1", "exact", 1, 1, 1, nan, nan, False, "", "طفل واحد"),
        ("children", "beta", "", "", nan, nan, 0, nan, nan, False, "", ""),
        ("children", "*", "", "", nan, nan, nan, 1, 1, False, "", ""),
    ]
    why = [
        "alpha states 12 but lists 3; alpha states 12, beta states at least 15",
        "beta states at least 15, alpha states 12",
        "",
        "alpha states 12, beta states at least 15",
        "",
        "",
        "",
    ]
    return pd.DataFrame(rows, columns=list(COUNT_RESULT_COLUMNS)).assign(why=why)


def case() -> Case:
    claims = [
        Claim(
            "alpha",
            FILES["alpha"],
            "/x/alpha.csv",
            source="Alpha Monitor",
            published="2030-01-02",
            url="https://example.invalid/alpha",
            complete=True,
            sha256="a" * 64,
        ),
        Claim(
            "beta",
            FILES["beta"],
            "/x/beta.csv",
            source="Beta Civil Defence",
            published="2030-01-03",
            sha256="b" * 64,
        ),
        Claim("gamma", FILES["gamma"], "/x/gamma.csv", source="Gamma | News", sha256="c" * 64),
    ]
    recs = records()
    for cl in claims:
        cl.records = recs[recs["claim"] == cl.id].reset_index(drop=True)
    cc = pd.DataFrame(
        [
            ("alpha", "killed", "12", "exact", "twelve killed", "counts.csv", 2),
            ("beta", "killed", "15", "at_least", "-15 or more, =SUM(A1)", "counts.csv", 3),
            ("alpha", "children", "1", "exact", "طفل واحد", "counts.csv", 4),
        ],
        columns=["claim", "category", "count", "qualifier", "quote", "file", "row"],
    )
    return Case(
        root="/x",
        event={
            "title": "Invented strike on <Example> town",
            "date": "2030-01-01",
            "place": "Example town",
        },
        claims=claims,
        counts=cc,
        problems=[
            Problem("W301", FILES["gamma"], "no id column; ids derived from rows", None, "id"),
            Problem("E202", FILES["beta"], "'thirty|five' is not an age", 4, "age"),
        ],
    )


def build_kwargs() -> dict[str, Any]:
    """Everything build_report takes, for the invented case."""
    cs = case()
    recs = records()
    return {
        "case": cs,
        "records": recs,
        "links": links(recs),
        "pairs": pairs(),
        "persons": persons(),
        "person_fields": person_fields(),
        "counts": counts(),
        "people_range": (4, 6),
        "problems": cs.problems,
        "settings": {"link_threshold": 0.9, "possible_threshold": 0.3},
    }


def frames(kw: dict[str, Any]) -> dict[str, pd.DataFrame]:
    return {
        "persons": kw["persons"],
        "person_fields": kw["person_fields"],
        "links": kw["links"],
        "counts": kw["counts"],
        "pairs": kw["pairs"],
        "records": kw["records"],
        "problems": kw["case"].problem_table,
    }
