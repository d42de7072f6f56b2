"""Kinship targets and relations by person (reconcile.relate) against the rules read directly:
a brute-force search per record, and the level names against their codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from reconcile import names, relate
from reconcile.fields import parse_records
from reconcile.levels import decode, encode
from reconcile.prepare import FILLER_TOKENS, Prepared, prepare
from reconcile.relate import relation_by_person, resolve_targets
from reconcile.schema import TEXT_FIELDS

WORDS = ["Qardash", "Ali", "Hassan", "Omar", "Saleh", "Karim", "Samir", "Abu", "Zzyzx"]
GROUPS = ["", "house 1", "house 2"]


def _records(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    recs = pd.DataFrame(
        [
            {"claim": c, "record_id": f"r{i}", "file": f"{c}.csv", "row": i + 2}
            | {f: "" for f in TEXT_FIELDS}
            | {"name": name, "relation": relation, "group": group}
            for i, (c, name, relation, group) in enumerate(rows)
        ]
    )
    parsed, _ = parse_records(recs)
    return parsed


def _reference_targets(p: Prepared, cap: int) -> np.ndarray:
    """The rule, record by record: the name rows of the record's claim, first those of its own
    group, then those holding the rarest word of the target (when at most `cap`); the first
    best match at token set similarity >= 90; never the record itself."""
    t = p.table
    text = [" ".join(t.vocab[k] for k in row if k >= 0) for row in t.tok]
    out = np.full(len(p.records), -1, np.int64)
    for r, to in enumerate(p.cols["relation_to"]):
        if to == "":
            continue
        words = [w for w in names.name_tokens(str(to)) if w not in FILLER_TOKENS]
        if not words:
            continue
        rows = [i for i in range(len(t.rec)) if p.claim_code[t.rec[i]] == p.claim_code[r]]
        pools = [[i for i in rows if p.group[r] != "" and p.group[t.rec[i]] == p.group[r]]]
        postings = [
            [i for i in rows for k in t.tok[i] if k >= 0 and t.vocab[k] == w] for w in words
        ]
        postings = [x for x in postings if x]
        if postings:
            rarest = min(postings, key=len)
            if len(rarest) <= cap:
                pools.append(rarest)
        for pool in pools:
            hit = process.extractOne(
                " ".join(words), [text[i] for i in pool], scorer=fuzz.token_set_ratio,
                score_cutoff=90,
            )  # fmt: skip
            if pool and hit is not None:
                out[r] = t.rec[pool[hit[2]]]
                break
    out[out == np.arange(len(out))] = -1
    return out


ROW = st.tuples(
    st.sampled_from(["a", "b"]),
    st.lists(st.sampled_from(WORDS), min_size=0, max_size=3).map(" ".join),
    st.one_of(
        st.just(""),
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(
            lambda w: "wife of " + " ".join(w)
        ),
    ),
    st.sampled_from(GROUPS),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=14), st.integers(1, 4))
def test_resolve_targets_follows_the_rule_record_by_record(
    rows: list[tuple[str, str, str, str]], cap: int
) -> None:
    p = prepare(_records(rows), ["a", "b"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(relate, "TARGET_SEARCH_CAP", cap)
        got = resolve_targets(p)
    assert got.tolist() == _reference_targets(p, cap).tolist()


def test_resolve_targets_without_any_relation() -> None:
    p = prepare(_records([("a", "Ali Omar", "", "house 1")]), ["a"])
    assert resolve_targets(p).tolist() == [-1]


LEVELS_ = ["missing", "same", "term", "unsure", "differs", "conflict"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 7), st.integers(0, 7), st.sampled_from(LEVELS_)),
        min_size=0,
        max_size=30,
    ),
    st.lists(st.integers(-1, 7), min_size=8, max_size=8),
    st.lists(st.sampled_from(["P1", "P2", "P3"]), min_size=8, max_size=8),
)
def test_relation_by_person_on_codes_is_the_rule_on_names(
    pairs: list[tuple[int, int, str]], target: list[int], person: list[str]
) -> None:
    ra = np.array([a for a, _, _ in pairs], np.int64)
    rb = np.array([b for _, b, _ in pairs], np.int64)
    level = np.array([x for _, _, x in pairs], dtype=object)
    tg, ps = np.array(target, np.int64), np.array(person, dtype=object)
    expected = []
    for a, b, x in pairs:
        if x in ("term", "same", "unsure") and tg[a] >= 0 and tg[b] >= 0:
            x = "same" if ps[tg[a]] == ps[tg[b]] else "differs"
        expected.append(x)
    by_name = relation_by_person(level, ra, rb, tg, ps)
    by_code = relation_by_person(encode("relation", level), ra, rb, tg, ps)
    assert by_name.tolist() == expected
    assert by_code.dtype == np.int8
    assert decode("relation", by_code).tolist() == expected
    assert level.tolist() == [x for _, _, x in pairs]  # the input is left alone
