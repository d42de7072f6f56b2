"""Blocking: the sort-based join against a brute-force reference, and the weak-pair rule."""

from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile import candidates
from reconcile.candidates import WEAK_BLOCK, _join, candidate_pairs
from reconcile.fields import parse_records
from reconcile.prepare import prepare
from reconcile.schema import TEXT_FIELDS

keyed = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 6)), min_size=0, max_size=60).map(
    lambda rows: (
        np.array([r for r, _ in rows], np.int64),
        np.array([c for _, c in rows], np.int64) * 1_000_003,
    )
)


def reference_join(a, b, max_block):
    """Pairs of records sharing a code whose block (distinct records a x b) is small enough."""
    sa = {(int(r), int(c)) for r, c in zip(*a, strict=True)}
    sb = {(int(r), int(c)) for r, c in zip(*b, strict=True)}
    out: dict[tuple[int, int], list[int]] = {}
    for code in {c for _, c in sa} & {c for _, c in sb}:
        ra = [r for r, c in sa if c == code]
        rb = [r for r, c in sb if c == code]
        if len(ra) * len(rb) > max_block:
            continue
        for x, y in product(ra, rb):
            out.setdefault((x, y), []).append(len(ra) * len(rb))
    return out


@settings(max_examples=200, deadline=None)
@given(keyed, keyed, st.integers(1, 40))
def test_join_gives_every_pair_of_every_small_block_once_per_code(a, b, max_block):
    n_rec = 31
    code, block, skipped = _join(a, b, max_block, n_rec)
    got: dict[tuple[int, int], list[int]] = {}
    for c, s in zip(code.tolist(), block.tolist(), strict=True):
        got.setdefault((c // n_rec, c % n_rec), []).append(s)
    ref = reference_join(a, b, max_block)
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in ref.items()}
    codes_a, codes_b = set(a[1].tolist()), set(b[1].tolist())
    too_big = [
        c
        for c in codes_a & codes_b
        if len({int(r) for r, x in zip(*a, strict=True) if x == c})
        * len({int(r) for r, x in zip(*b, strict=True) if x == c})
        > max_block
    ]
    assert skipped == len(too_big)


def claim(cid: str, rows: list[dict[str, str]]) -> pd.DataFrame:
    out = []
    for i, r in enumerate(rows):
        rec = {"claim": cid, "record_id": f"{cid}{i}", "file": f"{cid}.csv", "row": i + 2}
        rec.update({f: r.get(f, "") for f in TEXT_FIELDS})
        out.append(rec)
    parsed, _ = parse_records(
        pd.DataFrame(out, columns=["claim", "record_id", "file", "row", *TEXT_FIELDS])
    )
    return parsed


GIVEN = ["خالد", "يوسف", "عمر", "حسن", "سامي", "رامي", "وائل", "باسم", "ماهر"]


def pairs_of(records: pd.DataFrame, **kw: object) -> set[tuple[str, str]]:
    p = prepare(records, ["a", "b"])
    ia = np.flatnonzero(p.claim_code == 0)
    ib = np.flatnonzero(p.claim_code == 1)
    ra, rb, _ = candidate_pairs(
        p.table,
        p.named,
        p.cols["sex"],
        p.cols["age_group"],
        ia,
        ib,
        age=p.cols["age_min"],
        age_max=p.cols["age_max"],
        full_limit=0,
        **kw,  # type: ignore[arg-type]
    )
    ids = p.records["record_id"].to_numpy()
    assert list(ra) == sorted(ra)
    return {(str(ids[x]), str(ids[y])) for x, y in zip(ra, rb, strict=True)}


def common_pair_case(b_sex: str, b_age: str, family: str = "النجار") -> pd.DataFrame:
    """Nine men called <given> Mohammed Ahmed <family> in claim a; in b, one "Mohammed Ahmed"
    with the given sex and age: the pair of names (Mohammed, Ahmed) is common."""
    a = claim("a", [{"name": f"{g} محمد أحمد {family}", "sex": "m", "age": "30"} for g in GIVEN])
    b_rows = [{"name": "محمد أحمد", "sex": b_sex, "age": b_age}]
    b_rows += [{"name": f"{g} محمد أحمد", "sex": "m", "age": "30"} for g in GIVEN[:6]]
    return pd.concat([a, claim("b", b_rows)], ignore_index=True)


def test_common_two_name_pair_contradicting_on_sex_is_not_compared():
    assert len(GIVEN) * 7 > WEAK_BLOCK  # the (Mohammed, Ahmed) block is common
    recs = common_pair_case("f", "30")
    kept = pairs_of(recs)
    assert not any(b == "b0" for _, b in kept)
    assert {(f"a{i}", "b0") for i in range(9)} <= pairs_of(recs, drop_weak=False)
    # the other records of b share three names with theirs: compared whatever else
    assert ("a0", "b1") in kept


def test_common_two_name_pair_far_apart_in_age_is_not_compared():
    assert not any(b == "b0" for _, b in pairs_of(common_pair_case("m", "70")))
    # ages within WEAK_AGE_GAP, or a range that reaches the other age: compared
    assert ("a0", "b0") in pairs_of(common_pair_case("m", "40"))
    assert ("a0", "b0") in pairs_of(common_pair_case("m", "40-60"))
    assert ("a0", "b0") in pairs_of(common_pair_case("", ""))


def test_rare_two_name_pair_is_compared_despite_a_contradiction(monkeypatch):
    monkeypatch.setattr(candidates, "WEAK_BLOCK", 10_000)
    assert ("a0", "b0") in pairs_of(common_pair_case("f", "70"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 3), max_size=15),
    st.lists(st.integers(0, 3), max_size=15),
    st.integers(1, 60),
)
def test_attribute_pairs_are_every_pair_or_the_first_cap_by_attribute(la, lb, cap):
    left = np.arange(len(la), dtype=np.int64)
    right = np.arange(len(la), len(la) + len(lb), dtype=np.int64)
    attr = np.array(la + lb, np.int64)
    x, y, cut = candidates._attribute_pairs(left, right, attr, cap)
    if len(la) * len(lb) <= cap:
        ref = [(i, j) for i in left for j in right]
    else:
        ref = [(i, j) for i in left for j in right if attr[i] == attr[j]]
    assert list(zip(x.tolist(), y.tolist(), strict=True)) == ref[:cap]
    assert cut == (len(ref) > cap)


def test_unnamed_records_are_paired_across_claims_in_claim_order(monkeypatch):
    # claim a is long, claim b holds a few unnamed rows: every pair keeps a's record first
    monkeypatch.setattr(candidates, "UNNAMED_FULL", 5)
    a = claim("a", [{"name": f"{g} محمد أحمد النجار", "sex": "m", "age": "30"} for g in GIVEN])
    a = pd.concat([a, claim("a", [{"name": "", "sex": "f", "age": "30"}])], ignore_index=True)
    b = claim("b", [{"name": "", "sex": "f", "age": "30"}, {"name": "", "sex": "m"}])
    recs = pd.concat([a, b], ignore_index=True)
    recs["record_id"] = [f"r{i}" for i in range(len(recs))]
    p = prepare(recs, ["a", "b"])
    ia = np.flatnonzero(p.claim_code == 0)
    ib = np.flatnonzero(p.claim_code == 1)
    for limit in (0, 10_000):
        ra, rb, _ = candidate_pairs(
            p.table, p.named, p.cols["sex"], p.cols["age_group"], ia, ib, full_limit=limit
        )
        assert set(ra.tolist()) <= set(ia.tolist())
        assert set(rb.tolist()) <= set(ib.tolist())
        assert (ia[-1], ib[0]) in set(zip(ra.tolist(), rb.tolist(), strict=True))


@settings(max_examples=50, deadline=None)
@given(keyed, keyed, st.integers(1, 40))
def test_join_numbers_codes_too_wide_to_combine_with_records(a, b, max_block):
    wide = np.int64(2**61)
    n_rec = 31
    narrow = _join(a, b, max_block, n_rec)
    shifted = _join((a[0], a[1] + wide), (b[0], b[1] + wide), max_block, n_rec)
    order_n, order_s = np.lexsort(narrow[:2]), np.lexsort(shifted[:2])
    assert np.array_equal(narrow[0][order_n], shifted[0][order_s])
    assert np.array_equal(narrow[1][order_n], shifted[1][order_s])
    assert narrow[2] == shifted[2]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 1000)), max_size=80),
    st.booleans(),
)
def test_unique_counts_min_matches_a_groupby(rows, wide):
    """One packed sort (or, when x and y do not fit one int64, a stable argsort) gives each
    distinct x, its count and its smallest y."""
    x = np.array([r for r, _ in rows], np.int64) * (2**21 if wide else 1)
    y = np.array([v for _, v in rows], np.int64)
    distinct, count, low = candidates._unique_counts_min(x, y)
    expected = pd.DataFrame({"x": x, "y": y}).groupby("x")["y"].agg(["size", "min"])
    assert distinct.tolist() == expected.index.tolist()
    assert count.tolist() == expected["size"].tolist()
    assert low.tolist() == expected["min"].tolist()


def reference_combos(table, rows, width, n_keys, given=False):
    """(rec, code) of every combination of a row's keys (and of its Abu-less keys), one by one."""
    from itertools import combinations

    base = n_keys + 1
    out = set()
    for r in rows:
        for src in (table.key[r], np.where(table.alt[r] >= 0, table.alt[r], table.key[r])):
            for combo in combinations(range(src.shape[0]), width):
                if given and combo[0] != 0:
                    continue
                vals = sorted(int(src[c]) for c in combo)
                if min(vals) < 0:
                    continue
                code = 0
                for v in vals:
                    code = code * base + v
                out.add((int(table.rec[r]), code + width * base**width))
    return out


@pytest.mark.parametrize(("width", "given_name"), [(2, False), (3, False), (3, True)])
def test_combo_codes_match_one_by_one(width, given_name):
    names = [
        "Abu Ahmad Hassan Ali",
        "Mohammed Abd al-Rahman Saleh",
        "Fatima Ali",
        "Ali Hassan Ali Omar",
        "Abu Khalil",
        "",
        "Hassan Mahmoud Abu Samra Nasser Ali",
    ]
    p = prepare(claim("a", [{"name": n} for n in names]), ["a"])
    rows = np.arange(len(p.table.rec))
    n_keys = len(p.table.keys)
    rec, code = candidates._combo_codes(p.table, rows, width, n_keys, given=given_name)
    got = set(zip(rec.tolist(), code.tolist(), strict=True))
    assert got == reference_combos(p.table, rows, width, n_keys, given_name)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 50), max_size=40),
    st.lists(st.lists(st.integers(0, 60), max_size=20), max_size=3),
)
def testmerge_sorted_is_the_sorted_union(main, others):
    main_arr = np.array(sorted(set(main)), np.int64)
    got = candidates.merge_sorted(main_arr, [np.array(o, np.int64) for o in others])
    expected = sorted(set(main).union(*others)) if others else sorted(set(main))
    assert got.tolist() == expected


def test_the_estimates_blocks_give_the_same_pairs(monkeypatch):
    monkeypatch.setattr(candidates, "FULL_COMPARISON_LIMIT", 0)  # blocked, not compared in full
    monkeypatch.setattr(candidates, "MAX_BLOCK", 20)  # and the (Mohammed, Ahmed) block skipped
    recs = common_pair_case("m", "30")
    p = prepare(recs, ["a", "b"])
    ia, ib = np.flatnonzero(p.claim_code == 0), np.flatnonzero(p.claim_code == 1)
    estimate, blocks = candidates.estimate_blocks(p.table, p.claim_code == 0, p.claim_code == 1)
    assert blocks is not None and estimate == candidates.estimate_pairs(
        p.table, p.claim_code == 0, p.claim_code == 1
    )
    args = (p.table, p.named, p.cols["sex"], p.cols["age_group"], ia, ib)
    kw = {"age": p.cols["age_min"], "age_max": p.cols["age_max"], "full_limit": 0, "max_block": 20}
    ra, rb, st_plain = candidate_pairs(*args, **kw)
    ra2, rb2, st_blocks = candidate_pairs(*args, **kw, blocks=blocks)
    assert st_plain.keys_skipped > 0  # the oversized block was met, and skipped, both ways
    assert ra.tolist() == ra2.tolist() and rb.tolist() == rb2.tolist() and st_plain == st_blocks
