"""Kinship-only child rows ("son of Nazar al-Wata'a") against the names of another claim."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reconcile.fields import parse_records
from reconcile.kinname import FAMILY, FATHER, kin_keys, kin_names, kin_pairs
from reconcile.match import KIN_CODE, match_records
from reconcile.namekernel import M_TOKEN, MAX_TOKEN_WEIGHT
from reconcile.prepare import prepare
from reconcile.schema import TEXT_FIELDS


def claim(cid: str, rows: list[dict[str, str]]) -> pd.DataFrame:
    out = []
    for i, r in enumerate(rows):
        rec = {"claim": cid, "record_id": f"{cid}{i + 1}", "file": f"{cid}.csv", "row": i + 2}
        rec.update({f: r.get(f, "") for f in TEXT_FIELDS})
        out.append(rec)
    parsed, _ = parse_records(
        pd.DataFrame(out, columns=["claim", "record_id", "file", "row", *TEXT_FIELDS])
    )
    return parsed


REGISTER = [
    {"name": "سامي نزار أحمد الوطاعة", "sex": "m", "age": "5"},  # a1: the son
    {"name": "ريم نزار أحمد الوطاعة", "sex": "f", "age": "8"},  # a2: his sister
    {"name": "سامي نزار أحمد العرقان", "sex": "m", "age": "5"},  # a3: another family
    {"name": "نزار أحمد الوطاعة", "sex": "m", "age": "40"},  # a4: the father himself
    {"name": "خالد يوسف حسن النجار", "sex": "m", "age": "30"},  # a5: unrelated
]
MONITOR = [
    {"name": "ابن نزار الوطاعة", "sex": "m", "age": "5", "relation": "ابن نزار الوطاعة"},
    {"name": "خالد يوسف النجار", "sex": "m", "age": "30"},
]


def records() -> pd.DataFrame:
    return pd.concat([claim("a", REGISTER), claim("b", MONITOR)], ignore_index=True)


def test_a_child_row_is_keyed_by_its_parent_and_family_name():
    p = prepare(records(), ["a", "b"])
    kin = kin_keys(p)
    assert kin.rec.tolist() == [5]  # b1 only: b2 has a name of its own
    father_key = p.table.key[p.table.rec == 0][0, 1]  # a1's second name part: نزار
    family_key = p.table.key[p.table.rec == 0][0, 3]  # a1's family name
    assert (kin.father[0], kin.family[0], kin.sex[0]) == (father_key, family_key, 1)


def test_a_child_row_meets_the_names_holding_its_father_and_family_of_its_sex():
    p = prepare(records(), ["a", "b"])
    ia, ib = np.flatnonzero(p.claim_code == 0), np.flatnonzero(p.claim_code == 1)
    ra, rb = kin_pairs(p, kin_keys(p), ia, ib)
    # a1 (the son); not his sister (female), not the other family, not the father (no father
    # name before the family: نزار is his given name)
    assert list(zip(ra.tolist(), rb.tolist(), strict=True)) == [(0, 5)]
    # either direction: the kinship row may be in the first claim
    rb2, ra2 = kin_pairs(p, kin_keys(p), ib, ia)
    assert list(zip(ra2.tolist(), rb2.tolist(), strict=True)) == [(0, 5)]


def test_the_pair_weighs_what_the_two_names_weigh_at_level_kinship():
    p = prepare(records(), ["a", "b"])
    kin = kin_keys(p)
    ra, rb = np.array([0, 2, 4]), np.array([5, 5, 5])
    weight, level = np.full(3, -7.0), np.zeros(3, np.int8)
    kin_names(p, kin, ra, rb, weight, level, KIN_CODE)
    expected = 0.0
    for cls, key in ((FATHER, kin.father[0]), (FAMILY, kin.family[0])):
        u = (p.u_of_claim[0][cls][key] + p.u_of_claim[1][cls][key]) / 2
        expected += min(max(np.log2(M_TOKEN / u), 0.0), MAX_TOKEN_WEIGHT)
    assert weight[0] == expected and level[0] == KIN_CODE
    # another family, an unrelated name: left as they were
    assert weight[1:].tolist() == [-7.0, -7.0] and level[1:].tolist() == [0, 0]


def test_match_links_the_child_row_to_the_son():
    r = match_records(records(), ["a", "b"])
    links = r.links.set_index("record_id")["person_id"]
    assert links["b1"] == links["a1"]
    assert links["b1"] not in {links["a2"], links["a3"], links["a4"]}
    row = r.pairs[(r.pairs["record_a"] == "a1") & (r.pairs["record_b"] == "b1")]
    assert row["lvl_name"].astype(str).tolist() == ["kinship"]
