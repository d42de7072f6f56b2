"""The matching ceiling benchmark (benchmarks/ceiling.py): ties, levels, blocking as matching."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from reconcile import load_case
from reconcile.match import match_records

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"bench_{name}"] = module
    spec.loader.exec_module(module)
    return module


synth = _load("synth")
ceiling = _load("ceiling")
NaN = np.nan


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # named as main() looks for it; 1,500 persons: large enough for blocking (not all pairs)
    out = tmp_path_factory.mktemp("ceiling") / "synth-10k-s3"
    synth.generate(1_500, 3, out, quiet=True)
    return out


def test_sex_and_age_levels() -> None:
    assert ceiling.sex_levels(np.array([0, 0, 2, 1]), np.array([0, 1, 1, 2])).tolist() == [
        0,
        2,
        1,
        1,
    ]
    lo_x = np.array([30.0, 30.0, 30.0, NaN, 0.0])
    lo_y = np.array([30.0, 32.0, 33.0, 30.0, 10.0])
    hi_x = np.array([30.0, 30.0, 30.0, NaN, 17.0])  # last: a child (0-17) against 10
    assert ceiling.age_levels(lo_x, hi_x, lo_y, lo_y).tolist() == [0, 1, 3, 2, 0]


def _parts(rows: list[list[int]]) -> Any:
    """NameParts from slot rows (given, 4 middle slots, family) of key ids, spelled as keyed."""
    text = ["mhmd", "ahmd", "ali", "njr", "mhwmd", "omr", "slh", "hsn"]
    key = np.array(rows, np.int64)
    return ceiling.NameParts(key, key.copy(), text, text)


G, F, NO = 0, 3, -1  # mhmd ... njr, an empty slot
A = [G, 1, 2, NO, NO, F]  # record 0 of claim a: mhmd ahmd ali njr
MN = [G, NO, NO, NO, NO, F]  # mhmd njr
EIGHT = [A, MN, MN, [G, 5, NO, NO, NO, F], MN, MN, [4, NO, NO, NO, NO, F], [6, NO, NO, NO, NO, F]]


def test_a_namesake_with_as_much_in_common_ties_and_a_contradicting_one_does_not() -> None:
    parts = _parts(EIGHT)
    claim = np.array([0, 1, 1, 1, 1, 1, 1, 1])
    person = np.array([0, 0, 1, 2, 3, 4, 5, 6])
    sex = np.array([1, 1, 1, 1, 0, 1, 1, 1])
    age = np.array([40.0, 40.0, 41.0, 40.0, 40.0, 60.0, 40.0, 40.0])
    # true pair (0, 1): record 1 is "mhmd njr", male, 40
    # 2: same name, 41 (within AGE_CLOSE but worse than the partner's exact age) -> no
    # 3: a contradicting father -> no; 4: female -> no; 5: 60 -> no; 6, 7: other given -> no
    x, y = np.array([0]), np.array([1])
    count, searched = ceiling.dominating(parts, claim, person, sex, age, age, x, y)
    assert searched.tolist() == [True]
    assert count.tolist() == [0]
    # record 2 at 40: a copy of the partner as far as record 0 can tell
    age[2] = 40.0
    count, _ = ceiling.dominating(parts, claim, person, sex, age, age, x, y)
    assert count.tolist() == [1]


def test_a_partner_sharing_more_middle_names_has_no_competitor_sharing_fewer() -> None:
    # partner mhmd ahmd ali njr; others mhmd ahmd omr njr, mhmd ahmd ahmd njr (a repeated
    # part counts once), mhmd ali ahmd njr (father and grandfather swapped: as similar)
    parts = _parts([A, A, [G, 1, 5, NO, NO, F], [G, 1, 1, NO, NO, F], [G, 2, 1, NO, NO, F]])
    claim = np.array([0, 1, 1, 1, 1])
    person = np.arange(5)
    person[1] = 0
    same = np.ones(5, int)
    age = np.full(5, 40.0)
    lv = ceiling.part_levels(parts, np.zeros(4, int), np.arange(1, 5))
    assert lv.middle_agree.tolist() == [2, 1, 1, 2]
    assert lv.middle_conflict.tolist() == [0, 1, 0, 0]
    count, _ = ceiling.dominating(
        parts, claim, person, same, age, age, np.array([0]), np.array([1])
    )
    assert count.tolist() == [1]


def test_a_partner_with_a_typo_keeps_its_near_given_name() -> None:
    parts = _parts(EIGHT)
    claim = np.array([0, 1, 1, 1, 1, 1, 1, 1])
    person = np.array([0, 9, 9, 9, 9, 9, 0, 7])  # true pair (0, 6): mhwmd njr, a typo
    sex = np.ones(8, int)
    age = np.full(8, 40.0)
    lv = ceiling.true_levels(parts, np.array([0]), np.array([6]))
    assert (lv.given.tolist(), lv.family.tolist()) == ([ceiling.NEAR], [ceiling.TEXT])
    # records 1, 2, 4, 5 (mhmd njr: an exact given name beats a near one) are at least as
    # similar; not 3 (its father contradicts, where the partner states none) nor 7 (slh njr:
    # its given name conflicts, worse than near)
    count, _ = ceiling.dominating(parts, claim, person, sex, age, age, np.array([0]), np.array([6]))
    assert count.tolist() == [4]


def test_a_name_within_the_other_is_near() -> None:
    text = ["mhmd", "njr", "alnjr"]
    key = np.array([[0, -1, -1, -1, -1, 2], [0, -1, -1, -1, -1, 1]], np.int64)
    parts = ceiling.NameParts(key, key.copy(), text, text)
    lv = ceiling.true_levels(parts, np.array([0]), np.array([1]))
    assert lv.family.tolist() == [ceiling.NEAR]
    assert ceiling.part_levels(parts, np.array([0]), np.array([1])).family.tolist() == [
        ceiling.CONFLICT
    ]


def test_namesakes_are_other_persons_of_the_same_claim_name_sex_and_close_age() -> None:
    gf = np.array([5, 5, 5, 5, 7, -1])
    claim = np.array([0, 0, 1, 0, 0, 0])
    person = np.array([0, 1, 2, 3, 4, 5])
    sex = np.array([1, 1, 1, 0, 1, 1])
    age = np.array([30.0, 32.0, 30.0, 30.0, 30.0, 30.0])
    got = ceiling.namesakes(gf, claim, person, sex, age, age)
    assert got.tolist() == [True, True, False, False, False, False]
    person[1] = 0  # the same person twice in one claim is no namesake
    assert not ceiling.namesakes(gf, claim, person, sex, age, age)[0]


def test_blocking_hits_are_the_candidates_match_records_proposes(case_dir: Path) -> None:
    case = load_case(case_dir)
    records = case.records.reset_index(drop=True)
    ids = [c.id for c in case.claims]
    truth = pd.read_csv(case_dir / "truth.csv", dtype=str)
    got = (
        records[["claim", "record_id"]]
        .astype(str)
        .merge(truth, on=["claim", "record_id"], how="left")
    )
    person = np.asarray(pd.factorize(got["person_id"])[0], np.int64)
    p = ceiling.prepare(records, ids)
    ia, ib = ceiling.true_pairs(person, p.claim_code)
    assert len(ia) == truth.groupby("person_id")["claim"].nunique().eq(2).sum()
    hits = ceiling.blocking_hits(p, ia, ib)
    result = match_records(records, ids, probe=list(zip(ia.tolist(), ib.tolist(), strict=True)))
    probes = result.probes
    key = (records["claim"].astype(str) + ":" + records["record_id"].astype(str)).to_numpy()
    mine = pd.DataFrame({"a": key[ia], "b": key[ib], "mine": hits})
    theirs = pd.DataFrame(
        {
            "a": probes["claim_a"].astype(str) + ":" + probes["record_a"].astype(str),
            "b": probes["claim_b"].astype(str) + ":" + probes["record_b"].astype(str),
            "candidate": probes["candidate"].astype(bool),
        }
    )
    both = mine.merge(theirs, on=["a", "b"], how="left", validate="one_to_one")
    assert (both["mine"] == both["candidate"]).all()
    assert 0.5 < hits.mean() < 1.0  # blocking is used at this size, and misses some pairs


def test_main_prints_the_table_for_a_case(
    case_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = ceiling.main(["--sizes", "10k", "--seed", "3", "--out", str(case_dir.parent)])
    assert rc == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("| size | records | true pairs | blocking recall (named untied) |")
    row = out[2].split(" | ")
    assert row[0] == "| 10k"
    assert float(row[6]) == pytest.approx(
        1 - float(row[5].split()[0]), abs=2e-4
    )  # ceiling = 1 - tied
    assert row[-1] == "- |"  # no reconcile links beside this case
