"""Names in bulk: ``names.variants_frame`` and ``prepare.name_table`` give exactly what the
straightforward per-name and per-record paths give."""

from __future__ import annotations

import random
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile import names, prepare
from reconcile.prepare import FILLER_TOKENS, MAX_TOKENS, NameTable, name_table

# Invented name parts (no real list), chosen to exercise every joining rule.
ARABIC = [
    "محمد",
    "أحمد",
    "علاء",
    "فاطمة",
    "نور",
    "صلاح",
    "حسن",
    "زيناتي",
    "مصطفى",
    "يوسف",
    "هبة",
    "عطا",
    "سعيد",
    "ضياء",
    "إبراهيم",
    "آمنة",
    "شادي",
    "كرم",
    "عيسى",
    "الزيناتي",
    "الحلو",
    "محمدالزيناتي",
    "علاءالدين",
    "عبدالله",
    "أبوعيسى",
    "طه",
    "مُحَمَّد",
    "محـمد",
]
ARABIC_JOIN = [
    "عبد",
    "ابو",
    "أبو",
    "ام",
    "أم",
    "ال",
    "الدين",
    "الله",
    "الاسلام",
    "بالله",
    "بن",
    "ابن",
    "بنت",
    "دين",
    "له",
    "الهدى",
    "الزهراء",
    "الزهرا",
    "هدى",
]
LATIN = [
    "Mohammed",
    "Ahmad",
    "Alaa",
    "Fatima",
    "Nour",
    "Salah",
    "Hassan",
    "Zeinati",
    "Yousef",
    "Hiba",
    "Abdelrahman",
    "Abourida",
    "Sha'er",
    "Muḥammad",
    "ʿAli",
    "Kadhim",
    "Gamal",
    "Noor",
    "Fatma",
    "Fatimah",
    "Nur",
    "Elias",
    "Ali",
    "Ibrahim",
    "Rahman",
    "Houda",
    "Zahraa",
    "Dhaher",
    "Mohd.",
    "O'Neil",
    "Hélène",
    "ṮĀBIT",
]
LATIN_JOIN = [
    "al",
    "Al-",
    "el",
    "El",
    "il",
    "ul",
    "ad",
    "ash",
    "as",
    "ad-Din",
    "Din",
    "deen",
    "Allah",
    "ullah",
    "lah",
    "la",
    "abd",
    "Abdel",
    "abdul",
    "abu",
    "Abou",
    "abo",
    "umm",
    "Um",
    "bin",
    "ibn",
    "bint",
    "ben",
    "islam",
    "alhouda",
    "elzahraa",
    "al-Din",
]
KIN = ["wife", "of", "son", "ابن", "زوجة", "الطفل", "unknown", "Mr", "الحاج"]
ODD = ["12", "٣", "2023", "-", "/", "·", "\u200f", "ـ", "ﻻ", "Ｕｍ", "ﷺ", "\u0301", "ك", "ی"]
SEPARATORS = [" ", " ", " ", "  ", "\t", "\u00a0", "\u2003", "-", "_", " \u0651"]
ALTERNATES = ["({})", " `{}", ".. {}", "; {}", " / {}", " | {}", "[{}]", " ({}", "…{}", "`{}"]
POOL = ARABIC + ARABIC_JOIN + LATIN + LATIN_JOIN + KIN + ODD


def _invented_names(count: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    out = [
        "",
        " ",
        "  \t ",
        "محمد",
        "ابن محمد",
        "wife of Ahmad",
        "بنت",
        "12 34",
        "ال",
        "abu",
        "فاطمة الزهراء علي",
        "نور الهدى احمد",
        "Nour al-Houda",
        "ابو عبد الله",
        "علي بن ابي طالب",
        "سعاد محمد علي ام خالد",
        "Suad Mohammed Ali Umm Khaled",
        "محمد (حمادة) علي",
        "نظمي أبو حدايد `أبو عدي",
        "Sha`er",
        "X.. Umm Jihad",
    ]
    for _ in range(count):
        pool = rnd.choice([ARABIC + ARABIC_JOIN, LATIN + LATIN_JOIN, POOL, ARABIC + KIN])
        words = [rnd.choice(pool) for _ in range(rnd.randint(1, 8))]
        text = words[0]
        for w in words[1:]:
            text += rnd.choice(SEPARATORS) + w
        if rnd.random() < 0.1:
            text += rnd.choice(ALTERNATES).format(rnd.choice(pool) + " " + rnd.choice(pool))
        if rnd.random() < 0.05:
            text = " " + text + "  "
        out.append(text)
    return out


def _from_frame(frame: pd.DataFrame, n: int) -> list[list[list[str]]]:
    got: list[list[list[str]]] = [[] for _ in range(n)]
    for text, variant, token in zip(frame["text"], frame["variant"], frame["token"], strict=True):
        while len(got[text]) <= variant:
            got[text].append([])
        got[text][variant].append(token)
    return got


def _check_variants(texts: list[str]) -> None:
    frame = names.variants_frame(texts)
    assert list(frame.columns) == list(names.VARIANT_COLUMNS)
    want = [names.name_variants(t) for t in texts]
    assert _from_frame(frame, len(texts)) == want
    assert names.name_variants_many(texts) == want


def test_variants_frame_is_name_variants_on_invented_names():
    _check_variants(_invented_names(3000))


def test_variants_frame_across_chunks(monkeypatch):
    monkeypatch.setattr(names, "_CHUNK", 7)
    _check_variants(_invented_names(200, seed=3))


def test_variants_frame_empty_and_pandas_input():
    assert len(names.variants_frame([])) == 0
    series = pd.Series(["ابو علي", "", "Abd el Rahman"], dtype="str")
    assert _from_frame(names.variants_frame(series), 3) == [names.name_variants(t) for t in series]
    with pytest.raises(ValueError, match="missing values"):
        names.variants_frame(pd.Series(["a", None], dtype="str"))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(POOL), max_size=9), min_size=1, max_size=30),
    st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=4),
)
def test_variants_frame_on_random_token_sequences(sequences, separators):
    texts = [separators[i % len(separators)].join(seq) for i, seq in enumerate(sequences)]
    _check_variants(texts)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=25), max_size=20))
def test_variants_frame_on_any_text(texts):
    # normalising word by word must equal normalising the whole text (marks, spaces, ligatures)
    _check_variants(texts)


def test_segment_rules_cover_every_join():
    # every pair the joining rules join has a word the segmentation knows may join, and what
    # an article or theophoric join makes never joins the word after it (so segments need no
    # more context; what a prefix join makes is not looked at again)
    words = [w for w in POOL for w in names._split(w)] + ["دين", "din", "houda", "الهدي"]
    for a in words:
        for b in words:
            joined = names._join_words([a, b])
            if len(joined) == 1:
                assert names._joins_next(a) or names._is_second(b) or names._article_in(b), (a, b)
                if not names._is_prefix(a):
                    assert not names._joins_next(joined[0]), (a, b)


# --- name_table against the per-record path it replaced ---------------------------------------


def _reference_name_table(records: pd.DataFrame) -> NameTable:
    """The per-record construction, kept here as the specification."""
    n = len(records)
    col = {
        c: records[c].to_numpy(dtype=object) if c in records else np.full(n, "", object)
        for c in ("name", "name_alt", "alias")
    }
    unnamed = np.zeros(n, bool)
    for flag in ("name_unknown", "name_is_relation"):
        if flag in records:
            unnamed |= records[flag].fillna(False).to_numpy(dtype=bool)
    vocab: dict[str, int] = {}
    keys: dict[str, int] = {}
    tok_key: list[int] = []
    tok_alt: list[int] = []
    tok_latin: list[bool] = []

    def token_id(t: str) -> int:
        i = vocab.get(t)
        if i is None:
            i = vocab[t] = len(vocab)
            tok_key.append(keys.setdefault(names.token_key(t) or t, len(keys)))
            stripped = prepare._strip_particle(t)
            if stripped:
                sk = names.token_key(stripped) or stripped
                tok_alt.append(keys.setdefault(sk, len(keys)))
            else:
                tok_alt.append(-1)
            tok_latin.append(names.script(t) == "latin")
        return i

    recs: list[int] = []
    vars_: list[int] = []
    rows: list[list[int]] = []
    for i in range(n):
        name = "" if unnamed[i] else str(col["name"][i])
        texts = [name] if name else []
        for extra in (str(col["name_alt"][i]), str(col["alias"][i])):
            texts.extend(t.strip() for t in extra.split(";") if t.strip())
        v = 0
        seen: set[tuple[int, ...]] = set()
        for text in texts:
            for toks in names.name_variants(text):
                kept = [t for t in toks if t and t not in FILLER_TOKENS]
                if not kept:
                    continue
                if len(kept) > MAX_TOKENS:
                    kept = kept[: MAX_TOKENS - 1] + kept[-1:]
                ids = tuple(token_id(t) for t in kept)
                if ids in seen:
                    continue
                seen.add(ids)
                recs.append(i)
                vars_.append(v)
                rows.append(list(ids))
                v += 1
    m = len(rows)
    tok = np.full((m, MAX_TOKENS), -1, np.int32)
    for r, row in enumerate(rows):
        tok[r, : len(row)] = row
    tk = np.asarray(tok_key, np.int32)
    ta = np.asarray(tok_alt, np.int32)
    tl = np.asarray(tok_latin, bool)
    valid = tok >= 0
    key = np.where(valid, tk[np.where(valid, tok, 0)] if len(tk) else -1, -1).astype(np.int32)
    alt = np.where(valid, ta[np.where(valid, tok, 0)] if len(ta) else -1, -1).astype(np.int32)
    latin = np.array([bool(tl[ids[0]]) for ids in rows], bool) if m else np.zeros(0, bool)
    return NameTable(
        rec=np.asarray(recs, np.int32),
        var=np.asarray(vars_, np.int16),
        ntok=valid.sum(axis=1).astype(np.int8),
        tok=tok,
        key=key,
        alt=alt,
        latin=latin,
        vocab=list(vocab),
        keys=list(keys),
        tok_key=tk,
        tok_alt=ta,
        tok_latin=tl,
    )


def _assert_same(got: NameTable, want: NameTable) -> None:
    for f in fields(NameTable):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, f.name
            assert np.array_equal(a, b), f.name
        else:
            assert a == b, f.name


def _invented_records(count: int, dtype: str = "str") -> pd.DataFrame:
    rnd = random.Random(11)
    pool = _invented_names(count, seed=5)
    rows = []
    for i in range(count):
        name = pool[i]
        alt = rnd.choice(["", "", "", pool[-i], pool[i] + "; " + pool[i // 2], " ; ", name])
        alias = rnd.choice(["", "", "", "", "ابو علي", pool[i // 3] + ";x"])
        rows.append((name, alt, alias, rnd.random() < 0.05, rnd.random() < 0.05))
    frame = pd.DataFrame(
        rows, columns=["name", "name_alt", "alias", "name_unknown", "name_is_relation"]
    )
    return frame.astype({"name": dtype, "name_alt": dtype, "alias": dtype})


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_name_table_is_the_per_record_table(dtype):
    records = _invented_records(1500, dtype)
    _assert_same(name_table(records), _reference_name_table(records))


def test_name_table_odd_frames():
    records = _invented_records(40, "object")
    records.loc[3, "name"] = None
    records.loc[4, "name_alt"] = float("nan")
    records.loc[5, "alias"] = 12
    records.loc[7, "name"] = "محمد\ud800علي `ابو\udfff سعيد"  # lone surrogates
    records.loc[8, "name_alt"] = b"Ali"
    _assert_same(name_table(records), _reference_name_table(records))
    records["alias"] = records["alias"].astype(str).astype("category")
    _assert_same(name_table(records), _reference_name_table(records))
    only_names = records[["name"]].iloc[6:20]
    _assert_same(name_table(only_names), _reference_name_table(only_names))
    empty = records.iloc[:0]
    _assert_same(name_table(empty), _reference_name_table(empty))
