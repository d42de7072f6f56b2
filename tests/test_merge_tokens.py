"""Tests for merging with matching's name tokens reused (prepare.keeping_tokens, merge_names)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from test_merge import claims, frames, rec

from reconcile.agree import names_agree
from reconcile.merge import merge_persons
from reconcile.merge_names import Names, tokens_reusing
from reconcile.names import Variants, variant_tokens
from reconcile.prepare import NameTokens, keeping_tokens, name_table, prepare

WORDS = ["Mohammed", "محمد", "Ali", "abu", "Hassan", "al-Najjar", "Abd", "Allah", "(Umm", "Ahmad)"]
name_text = st.lists(st.sampled_from([*WORDS, " ", "", "bin", "عبد", "الله"]), max_size=6).map(
    " ".join
)


def by_text(texts: list[str], v: Variants) -> list[list[tuple[int, str]]]:
    """Each text's (variant, token) rows, as variant_tokens orders them."""
    out: list[list[tuple[int, str]]] = [[] for _ in texts]
    words = [v.vocab[i] for i in v.token.tolist()]
    for t, var, tok in zip(v.text.tolist(), v.variant.tolist(), words, strict=True):
        out[t].append((var, tok))
    return out


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(name_text, max_size=12),
    known_texts=st.lists(st.lists(name_text, max_size=10), max_size=3),
)
def test_tokens_reusing_is_variant_tokens(texts: list[str], known_texts: list[list[str]]) -> None:
    arrow = pa.array(texts, type=pa.large_string())
    known = [
        NameTokens.of(pa.array(k, type=pa.large_string()), variant_tokens(k)) for k in known_texts
    ]
    got = tokens_reusing(arrow, known)
    assert by_text(texts, got) == by_text(texts, variant_tokens(arrow))
    assert np.all(np.diff(got.text) >= 0)  # in text order, as variant_tokens gives them


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(name_text, max_size=10),
    known=st.lists(name_text, max_size=10),
    hint=st.lists(st.integers(-2, 12), min_size=10, max_size=10),
)
def test_tokens_reusing_with_any_hints_is_variant_tokens(
    texts: list[str], known: list[str], hint: list[int]
) -> None:
    arrow = pa.array(texts, type=pa.large_string())
    k = NameTokens.of(pa.array(known, type=pa.large_string()), variant_tokens(known))
    got = tokens_reusing(arrow, [k], np.array(hint[: len(texts)], dtype=np.int64))
    assert by_text(texts, got) == by_text(texts, variant_tokens(arrow))


def test_known_texts_are_read_not_tokenised_again() -> None:
    texts = ["Ali Hassan", "محمد علي"]
    v = variant_tokens(texts)
    # tokens no tokeniser would give: read from `known`, the result shows them
    fake_vocab = [f"x{i}" for i in range(len(v.vocab))]
    fake = NameTokens.of(pa.array(texts, type=pa.large_string()), v._replace(vocab=fake_vocab))
    got = tokens_reusing(pa.array(texts, type=pa.large_string()), [fake])
    assert set(np.asarray(got.vocab, dtype=object)[got.token].tolist()) == set(fake_vocab)


def test_prepare_keeps_tokens_only_when_asked_and_matches_the_same() -> None:
    records = pd.DataFrame(
        {
            "claim": ["a", "b"],
            "name": ["Ali Hassan", "علي حسن"],
            "name_alt": ["Aly Hasan; ", ""],
            "alias": ["", "Abu Ali"],
        }
    )
    plain = name_table(records)
    with keeping_tokens() as kept:
        table = name_table(records)
        p = prepare(records, ["a", "b"])
    assert len(kept) == 2  # one by name_table, one by prepare
    for a, b in zip(dataclasses.astuple(plain), dataclasses.astuple(table), strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    assert np.array_equal(p.table.tok, plain.tok)
    assert kept[1].texts.to_pylist() == ["Ali Hassan", "Aly Hasan", "علي حسن", "Abu Ali"]
    name_table(records)
    assert len(kept) == 2  # nothing kept outside the block


def test_merge_with_reused_tokens_is_the_same() -> None:
    recs = [
        rec("a", "1", 2, name="Mohammed Ali Hassan", name_alt="Mohamad Ali; unknown"),
        rec("b", "1", 2, name="  محمد علي حسن "),
        rec("c", "1", 2, name="Mohammed Hassan", alias="Abu Ali"),
        rec("a", "2", 3, name="unknown", name_unknown=True, name_alt="Sara al-Najjar"),
        rec("b", "2", 3, name="Sarah Najjar"),
        rec("c", "2", 3, name="wife of Ali", name_is_relation=True),
        rec("a", "3", 4, name="Ahmad (Abu Khalil) Said"),
        rec("b", "3", 4, name="Ahmed Saeed", alias="Abu Khalil; Abd Allah"),
        rec("c", "3", 4, name="Khalil Said"),
    ]
    person = {"a:1": "P1", "b:1": "P1", "c:1": "P1", "a:2": "P2", "b:2": "P2", "a:3": "P3"}
    person |= {"b:3": "P3", "c:3": "P3"}
    records, links = frames(recs, person)
    with keeping_tokens() as tokens:
        prepare(records, ["a", "b", "c"])
    assert tokens and tokens[0].rec is not None  # the records' own: found by their hints
    plain = merge_persons(records, links, claims("a", "b", "c"))
    reused = merge_persons(records, links, claims("a", "b", "c"), tokens=tokens)
    assert tokens == []  # let go of once read
    pd.testing.assert_frame_equal(plain[0], reused[0])
    pd.testing.assert_frame_equal(plain[1], reused[1])
    # tokens of the records in another order: every hint wrong, the same result
    with keeping_tokens() as shuffled:
        prepare(records.iloc[::-1], ["a", "b", "c"])
    pd.testing.assert_frame_equal(
        plain[1], merge_persons(records, links, claims("a", "b", "c"), tokens=shuffled)[1]
    )
    # and with tokens of other texts only: every name tokenised here, the same result
    other = [NameTokens.of(pa.array(["Zaid"], type=pa.large_string()), variant_tokens(["Zaid"]))]
    pd.testing.assert_frame_equal(
        plain[0], merge_persons(records, links, claims("a", "b", "c"), tokens=other)[0]
    )


# --------------------------------------------------------------------------- names decided in bulk

SPELLING_WORDS = "Mohammed Mohamad محمد Ali Aly علي Hassan Hasan Abu Hamad Daqqa Asif Fawzi"
SPELLING_WORDS += " Sara Sarah al-Najjar Najjar (Umm Ahmad) 7"
spelling = st.lists(st.sampled_from(SPELLING_WORDS.split()), max_size=6).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(spelling, min_size=1, max_size=8, unique=True),
    groups=st.lists(
        st.lists(st.lists(st.integers(0, 7), min_size=1, max_size=3).map(tuple), max_size=4),
        max_size=4,
    ),
)
def test_names_warmed_in_bulk_agree_as_pair_by_pair(
    texts: list[str], groups: list[list[tuple[int, ...]]]
) -> None:
    keys = [tuple(i % len(texts) for i in k) for g in groups for k in g]
    sizes = [len(g) for g in groups]
    hi = np.cumsum(sizes).tolist()
    lo = [h - s for h, s in zip(hi, sizes, strict=True)]
    warmed = Names(pa.array(texts, type=pa.large_string()))
    warmed.warm(keys, lo, hi)
    plain = Names(pa.array(texts, type=pa.large_string()))
    for g0, g1 in zip(lo, hi, strict=True):
        for i in range(g0, g1):
            for j in range(i + 1, g1):
                a, b = keys[i], keys[j]
                expected = any(names_agree(texts[x], texts[y]) for x in a for y in b)
                assert warmed.compatible(a, b) == expected
                assert plain.compatible(a, b) == expected
    # every pair asked was decided in bulk
    asked = {
        (x, y)
        for g0, g1 in zip(lo, hi, strict=True)
        for i in range(g0, g1)
        for j in range(i + 1, g1)
        for x in keys[i]
        for y in keys[j]
    }
    assert asked <= set(warmed._agreed)


def test_bulk_names_see_partial_writings_and_different_fathers() -> None:
    texts = [
        "Asif Ali Abu Hamad Abu Daqqa",
        "Asif Ali Fawzi Abu Hamad",
        "Mohammed Ali",
        "Mohammed Hassan",
        "محمد علي",
    ]
    n = Names(pa.array(texts, type=pa.large_string()))
    n.warm([(0,), (1,), (2,), (3,), (4,)], [0, 2], [2, 5])
    assert n._agreed[(0, 1)] is True
    assert n._agreed[(2, 3)] is False
    assert n._agreed[(2, 4)] is True
