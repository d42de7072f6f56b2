"""How well any matcher could do on a synthetic case: blocking recall, and ties no pairwise
comparison can break.

    python benchmarks/ceiling.py [--sizes 10k,100k,500k,1M] [--seed 1] [--out benchmarks/out]
                                 [--sample 50000] [--no-blocking]

Reads (never writes) OUT/synth-SIZE-sSEED (case folder with truth.csv) and, when present,
reconcile's OUT/scale-SIZE-sSEED/reconcile/links.csv; prints one markdown row per size:

- blocking recall: the share of true cross-claim pairs that reconcile's candidate generation
  proposes (reconcile.prepare.prepare + reconcile.match.claim_pair_candidates, as
  reconcile.match.match_records calls them), and (in brackets) the same on untied pairs of
  named records (kinship-only rows left out: their names are a description, not a name);
- tied: the share of true pairs (a, b) with a *competitor*: a record b' of b's claim, of another
  person, that agrees with a at least as well as b does on every field both claims state (or
  the same with a' for b). Only what the records say is used (the truth only to know that b' is
  another person). The fields are the name, sex and age (dob and national id are only in claim
  a, group only in claim b of these cases). b' is at least as similar when:
  * its given and family name are each at least as close to a's as b's are, on the scale same
    spelling > same canonical cross-script key > near (b's part only: Jaro-Winkler >= 0.8 on the
    keys or spellings, or one spelling inside the other; a near part of b needs an exact one in
    b') > absent from either > different;
  * its middle parts (father, grandfather, in any order) match a's at least as many times in
    spelling and in key as b's (exact or near), and contradict them no more often;
  * its whole name shares at least as many parts with a's in any slot (a family name written as
    a middle part still counts);
  * sex: same > unknown > different; age: same (ranges overlap) > within AGE_CLOSE years >
    unknown > further; each no worse than b's.
  For records without a usable name (kinship-only rows), b' must be a copy of b: the same
  relation term and target, and sex and age no worse. "copies" is that strictest rule (same
  ordered name keys) applied to every true pair;
- ceiling recall and F1: a one-to-one linker that links every untied true pair and nothing
  else (precision 1); guess F1: one that also links each tied record to one of its k tied
  candidates at random (expected 1/k right; collisions ignored);
- namesake share: the share of true pairs where a record of a or b's claim belongs to another
  person with the same given and family name keys, the same stated sex and a stated age within
  AGE_CLOSE years (compared within the claim, so that one claim's age noise does not count);
- reconcile's F1 from links.csv, and its recall (R) on untied pairs of named records (in
  brackets: on those blocking proposes), on tied pairs, and on namesake-free / namesake pairs.

The competitors of at most --sample true pairs (drawn at random, seed 0) are looked for, in the
whole of the other claim. A pair agreeing exactly on neither given nor family name is not
searched and counts as untied (their number goes to stderr).

Limits. The ceiling bounds a matcher that decides each pair from its two records: the rule
counts a tie only when nothing in the two records favours the true partner, and rates the true
partner's typos as near, so the true pairwise ceiling is at or below this one (a competitor
better on one part and worse on another is not a tie, though a matcher may well prefer it).
But context is outside it: the household a record is listed with, relations, one-to-one
exclusion of a competitor linked elsewhere can break ties, which is why reconcile's recall on
tied pairs is shown. Keys are reconcile's own notion of equal spelling across scripts; a name
that is only in Latin letters agrees by key, never by spelling, with an Arabic one.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler

from reconcile import load_case
from reconcile.arrays import ranges
from reconcile.candidates import sex_code
from reconcile.kinname import kin_keys
from reconcile.match import claim_pair_candidates
from reconcile.prepare import Prepared, prepare

AGE_CLOSE = 2.0  # years: ages this far apart are "close" (synth shifts ages by 1 or 2)
CHUNK_ROWS = 4_000_000  # (pair, competitor) rows examined at once (bounds memory)
SIZES = {"10k": 10_000, "100k": 100_000, "500k": 500_000, "1M": 1_000_000}


@dataclass
class Figures:
    """One case's figures (shares are of the true cross-claim pairs)."""

    records: int
    true_pairs: int
    blocking_recall: float  # nan when not computed
    blocking_untied: float  # the same on the examined named pairs without a competitor
    copies: int  # true pairs with a competitor that is a copy of the partner (twins)
    examined: int  # true pairs whose competitors were looked for (all, or a sample)
    unsearched: int  # of them, named pairs agreeing on neither given nor family name
    tied: int  # of them, pairs with a competitor (dominating, or twins when unnamed)
    expected_guess: float  # of them, untied + sum of 1/k over tied pairs
    namesake: int  # true pairs with a namesake
    reconcile: dict[str, float]  # from links.csv: f1, recall on untied/tied/plain/namesake

    @property
    def ceiling_recall(self) -> float:
        return (self.examined - self.tied) / self.examined if self.examined else np.nan

    @property
    def ceiling_f1(self) -> float:
        r = self.ceiling_recall
        return 2 * r / (1 + r)

    @property
    def guess_f1(self) -> float:
        # one link per true pair's record: precision = recall = expected right / true pairs
        return self.expected_guess / self.examined if self.examined else np.nan


# ---------------------------------------------------------------- pure functions


def true_pairs(person: np.ndarray, claim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Record index pairs (i, j) of the same person in different claims, claim[i] < claim[j].
    person: int per record (negative: unknown, never paired)."""
    f = pd.DataFrame({"i": np.arange(len(person)), "p": person, "c": claim})
    f = f[f["p"] >= 0]
    m = f.merge(f, on="p")
    m = m[m["c_x"] < m["c_y"]]
    return m["i_x"].to_numpy(np.int64), m["i_y"].to_numpy(np.int64)


def blocking_hits(p: Prepared, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """bool per pair (ia[k], ib[k]): proposed by reconcile's candidate generation for its two
    claims (what match_records compares across claims: match.claim_pair_candidates)."""
    n = len(p.records)
    codes = []
    kin = kin_keys(p)
    for ca, cb in combinations(range(len(p.claim_ids)), 2):
        found = claim_pair_candidates(p, kin, ca, cb)
        if found is None:
            continue
        ra, rb, _ = found
        codes.append(np.minimum(ra, rb).astype(np.int64) * n + np.maximum(ra, rb))
        del ra, rb
    have = np.sort(np.concatenate(codes)) if codes else np.zeros(0, np.int64)
    want = np.minimum(ia, ib).astype(np.int64) * n + np.maximum(ia, ib)
    at = np.minimum(np.searchsorted(have, want), max(len(have) - 1, 0))
    return (have[at] == want) if len(have) else np.zeros(len(want), bool)


def name_codes(p: Prepared) -> np.ndarray:
    """int64 per record: equal for records whose names are the same to a matcher: the ordered
    cross-script keys of the first name variant; for records without one, the relation term and
    target (casefolded) prefixed so that it never equals a name."""
    t = p.table
    first = np.flatnonzero(t.var == 0)
    n = len(p.records)
    code = np.full(n, -1, np.int64)
    keys = pd.DataFrame(t.key[first])
    code[t.rec[first]] = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
    unnamed = code < 0
    if unnamed.any():
        rel = (
            pd.Series(p.cols["relation_term"][unnamed], dtype=object).astype(str)
            + "\x1f"
            + pd.Series(p.cols["relation_to"][unnamed], dtype=object).astype(str).str.casefold()
        )
        code[unnamed] = code.max() + 1 + pd.factorize(rel)[0]
    return code


@dataclass
class NameParts:
    """The first name variant of every record in slots: 0 the given name, 1 .. MAX_TOKENS - 2
    the middle parts (father, grandfather ...), MAX_TOKENS - 1 the family name (the last part of
    a name of two or more parts); -1 for an empty slot.

    key: int64[n, MAX_TOKENS] canonical cross-script key ids (the key without its Abu or
    compound end when it has one: نور and نورالدين, ابوزهاره and زهاره agree);
    tok: int64[n, MAX_TOKENS] token ids (the normalised spelling);
    key_text, tok_text: the texts of those ids (for the fuzzy test of the true pairs)."""

    key: np.ndarray
    tok: np.ndarray
    key_text: list[str]
    tok_text: list[str]

    @property
    def given(self) -> np.ndarray:
        return self.key[:, 0]

    @property
    def family(self) -> np.ndarray:
        return self.key[:, -1]


def name_parts(p: Prepared) -> NameParts:
    """The NameParts of the records of p (their first name variant)."""
    t = p.table
    n = len(p.records)
    width = t.key.shape[1]
    first = np.flatnonzero(t.var == 0)
    ntok = t.ntok[first].astype(np.int64)
    rec = t.rec[first]
    two = ntok >= 2
    last = np.maximum(ntok - 1, 0)
    pos = np.arange(width)[None, :]
    # slot of each token: its position, except the last of two or more, which goes last
    inner = (pos < ntok[:, None] - 1) | ((pos == 0) & (ntok[:, None] >= 1))
    out = []
    for src in (np.where(t.alt >= 0, t.alt, t.key), t.tok):
        rows = src[first].astype(np.int64)
        slots = np.where(inner, rows, -1)
        slots[:, -1] = np.where(two, rows[np.arange(len(first)), last], -1)
        full = np.full((n, width), -1, np.int64)
        full[rec] = slots
        out.append(full)
    return NameParts(out[0], out[1], list(t.keys), list(t.vocab))


TEXT, AGREE, NEAR, ABSENT, CONFLICT = 4, 3, 2, 1, 0  # name part levels, better first
NEAR_SIMILARITY = 0.8  # Jaro-Winkler (of the keys or the spellings) from which parts are "near"


class Levels(NamedTuple):
    """How the names of record pairs (x, y) agree.

    given, family: TEXT (same spelling), AGREE (same canonical key), NEAR (alike: true pairs
    only), ABSENT (either lacks it) or CONFLICT. Middle parts (father, grandfather, in any
    order), counted: middle_text, the parts spelled alike in both; middle_agree, with the same
    key; middle_near, of the others, those alike one of x's (true pairs only, else 0);
    middle_conflict, the parts both state that differ (the fewer of the two records' unmatched
    middle parts, less the near ones). whole_text, whole_agree: the same counts over the whole
    names in any slot (a family name written as a middle part still agrees)."""

    given: np.ndarray
    family: np.ndarray
    middle_text: np.ndarray
    middle_agree: np.ndarray
    middle_near: np.ndarray
    middle_conflict: np.ndarray
    whole_text: np.ndarray
    whole_agree: np.ndarray


def _overlap(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of a[n, w] and b[n, v] (ids, -1 empty): the matched parts (the fewer of a's
    parts found in b and b's found in a), and a's and b's unmatched parts."""
    eq = (a[:, :, None] == b[:, None, :]) & (a[:, :, None] >= 0)
    a_hit, b_hit = eq.any(axis=2), eq.any(axis=1)
    matched = np.minimum(a_hit.sum(axis=1), b_hit.sum(axis=1))
    return matched, ((a >= 0) & ~a_hit).sum(axis=1), ((b >= 0) & ~b_hit).sum(axis=1)


def part_levels(parts: NameParts, x: np.ndarray, y: np.ndarray) -> Levels:
    """Exact Levels of the record pairs (x[k], y[k]) (never NEAR)."""
    kx, ky, tx, ty = parts.key[x], parts.key[y], parts.tok[x], parts.tok[y]

    def one(col: int) -> np.ndarray:
        level = np.where(
            (kx[:, col] < 0) | (ky[:, col] < 0),
            ABSENT,
            np.where(
                tx[:, col] == ty[:, col], TEXT, np.where(kx[:, col] == ky[:, col], AGREE, CONFLICT)
            ),
        )
        return level.astype(np.int8)

    mid = slice(1, -1)
    m_text = _overlap(tx[:, mid], ty[:, mid])[0]
    m_agree, un_x, un_y = _overlap(kx[:, mid], ky[:, mid])
    i8 = np.int8
    return Levels(
        one(0),
        one(-1),
        m_text.astype(i8),
        m_agree.astype(i8),
        np.zeros(len(x), i8),
        np.minimum(un_x, un_y).astype(i8),
        _overlap(tx, ty)[0].astype(i8),
        _overlap(kx, ky)[0].astype(i8),
    )


def _alike(parts: NameParts, i: int, j: int, slot_i: int, slot_j: int) -> bool:
    """The parts in slot_i of record i and slot_j of record j are near: keys or spellings with a
    Jaro-Winkler similarity of at least NEAR_SIMILARITY, or one spelling (of 3 letters or more)
    within the other (شوا in الشوا, صالح in ابوصالح)."""
    ki, kj = parts.key[i, slot_i], parts.key[j, slot_j]
    ti, tj = parts.tok_text[parts.tok[i, slot_i]], parts.tok_text[parts.tok[j, slot_j]]
    short, long_ = sorted((ti, tj), key=len)
    jw = JaroWinkler.normalized_similarity
    return (
        jw(parts.key_text[ki], parts.key_text[kj]) >= NEAR_SIMILARITY
        or jw(ti, tj) >= NEAR_SIMILARITY
        or (len(short) >= 3 and short in long_)
    )


def true_levels(parts: NameParts, x: np.ndarray, y: np.ndarray) -> Levels:
    """part_levels of the true pairs, with the conflicting parts that are alike (a typo, a
    variant spelling) raised to NEAR: a matcher with a fuzzy comparator may tell them."""
    lv = part_levels(parts, x, y)
    for level, col in ((lv.given, 0), (lv.family, -1)):
        for k in np.flatnonzero(level == CONFLICT):
            if _alike(parts, x[k], y[k], col, col):
                level[k] = NEAR
    middle = range(1, parts.key.shape[1] - 1)
    for k in np.flatnonzero(lv.middle_conflict > 0):
        i, j = x[k], y[k]
        free_i = [s for s in middle if parts.key[i, s] >= 0 and parts.key[i, s] not in parts.key[j]]
        free_j = [s for s in middle if parts.key[j, s] >= 0 and parts.key[j, s] not in parts.key[i]]
        near = sum(any(_alike(parts, i, j, si, sj) for si in free_i) for sj in free_j)
        near = min(near, int(lv.middle_conflict[k]))
        lv.middle_near[k] = near
        lv.middle_conflict[k] -= near
    return lv


def at_least_as_similar(cand: Levels, ref: Levels) -> np.ndarray:
    """bool per row: the candidate's name agrees with x at least as well as the reference's on
    every part and count (an exact part where the reference's is only near)."""
    return (
        (cand.given >= ref.given)
        & (cand.family >= ref.family)
        & (cand.middle_text >= ref.middle_text)
        & (cand.middle_agree >= ref.middle_agree + ref.middle_near)
        & (cand.middle_conflict <= ref.middle_conflict)
        & (cand.whole_text >= ref.whole_text)
        & (cand.whole_agree >= ref.whole_agree)
    )


def dominating(
    parts: NameParts,
    claim: np.ndarray,
    person: np.ndarray,
    sex: np.ndarray,
    age_lo: np.ndarray,
    age_hi: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    chunk_rows: int = CHUNK_ROWS,
) -> tuple[np.ndarray, np.ndarray]:
    """For the true pairs (x[k], y[k]) of named records: the records y' of y's claim, other than
    y and of another person than x, whose name agrees with x at least as well as y's does
    (at_least_as_similar: exact Levels for y', true_levels for y) and whose sex and age levels
    against x are no worse.

    Returns (count per pair, searched: bool per pair). y' are looked for among the records that
    agree exactly with x on the parts y agrees on (given and family, else family, else given);
    a pair agreeing on neither is not searched (count 0: counted as untied)."""
    ref = true_levels(parts, x, y)
    g_ref, f_ref = ref.given, ref.family
    sex_ref = sex_levels(sex[x], sex[y])
    age_ref = age_levels(age_lo[x], age_hi[x], age_lo[y], age_hi[y])
    n_keys = len(parts.key_text) + 1
    both = (g_ref >= AGREE) & (f_ref >= AGREE)
    fam = ~both & (f_ref >= AGREE)
    giv = ~both & ~fam & (g_ref >= AGREE)
    out = np.zeros(len(x), np.int64)
    c_all = claim.astype(np.int64)
    for sel, rec_key, pair_key in (
        (
            both,
            (c_all * n_keys + parts.given) * n_keys + parts.family,
            (c_all[y] * n_keys + parts.given[x]) * n_keys + parts.family[x],
        ),
        (fam, c_all * n_keys + parts.family, c_all[y] * n_keys + parts.family[x]),
        (giv, c_all * n_keys + parts.given, c_all[y] * n_keys + parts.given[x]),
    ):
        idx = np.flatnonzero(sel)
        if len(idx) == 0:
            continue
        order = np.argsort(rec_key, kind="stable")
        keys_sorted = rec_key[order]
        start = np.searchsorted(keys_sorted, pair_key[idx], "left")
        count = np.searchsorted(keys_sorted, pair_key[idx], "right") - start
        for lo, hi in _chunks(count, chunk_rows):
            q = np.repeat(np.arange(lo, hi), count[lo:hi])
            c = order[ranges(start[lo:hi], count[lo:hi])]
            k = idx[q]
            xq = x[k]
            ok = (c != y[k]) & (person[c] != person[xq])
            ok &= at_least_as_similar(part_levels(parts, xq, c), Levels(*(v[k] for v in ref)))
            ok &= sex_levels(sex[xq], sex[c]) <= sex_ref[k]
            ok &= age_levels(age_lo[xq], age_hi[xq], age_lo[c], age_hi[c]) <= age_ref[k]
            out[idx[lo:hi]] = np.bincount(q[ok] - lo, minlength=hi - lo)
    return out, both | fam | giv


def _chunks(count: np.ndarray, rows: int) -> list[tuple[int, int]]:
    """Consecutive (lo, hi) ranges of items whose counts sum to about `rows` at most (one item
    alone may exceed it)."""
    bounds = np.searchsorted(np.cumsum(count), np.arange(rows, int(count.sum()), rows))
    edges = [0, *sorted(set(bounds.tolist())), len(count)]
    return [(lo, hi) for lo, hi in pairwise(edges) if lo < hi]


def sex_levels(sex_x: np.ndarray, sex_y: np.ndarray) -> np.ndarray:
    """int8: 0 same sex, 1 either unknown, 2 different (codes of candidates.sex_code)."""
    unknown = (sex_x == 2) | (sex_y == 2)
    return np.where(unknown, 1, np.where(sex_x == sex_y, 0, 2)).astype(np.int8)


def age_levels(
    lo_x: np.ndarray, hi_x: np.ndarray, lo_y: np.ndarray, hi_y: np.ndarray
) -> np.ndarray:
    """int8: 0 same (the stated ages or age ranges overlap), 1 within AGE_CLOSE years, 2 either
    unknown, 3 further apart."""
    gap = np.maximum(np.maximum(lo_x, lo_y) - np.minimum(hi_x, hi_y), 0.0)
    with np.errstate(invalid="ignore"):
        level = np.where(gap == 0, 0, np.where(gap <= AGE_CLOSE, 1, 3))
    return np.where(np.isnan(gap), 2, level).astype(np.int8)


def twins(
    name: np.ndarray,
    claim: np.ndarray,
    person: np.ndarray,
    sex: np.ndarray,
    age_lo: np.ndarray,
    age_hi: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    chunk_rows: int = CHUNK_ROWS,
) -> np.ndarray:
    """int per pair (x[k], y[k]): the records y' of y's claim, other than y and of another person
    than x, with y's name code (name_codes) whose sex and age levels against x are no worse than
    y's: copies of y as far as x can tell (used for records without a usable name).

    name, claim, person, sex (sex_code), age_lo, age_hi: per record."""
    group = claim.astype(np.int64) * (int(name.max(initial=0)) + 2) + name
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    start = np.searchsorted(sorted_group, group[y], "left")
    count = np.searchsorted(sorted_group, group[y], "right") - start
    sex_ref = sex_levels(sex[x], sex[y])
    age_ref = age_levels(age_lo[x], age_hi[x], age_lo[y], age_hi[y])
    out = np.zeros(len(x), np.int64)
    for lo, hi in _chunks(count, chunk_rows):
        q = np.repeat(np.arange(lo, hi), count[lo:hi])
        c = order[ranges(start[lo:hi], count[lo:hi])]
        xq = x[q]
        ok = (c != y[q]) & (person[c] != person[xq])
        ok &= sex_levels(sex[xq], sex[c]) <= sex_ref[q]
        ok &= age_levels(age_lo[xq], age_hi[xq], age_lo[c], age_hi[c]) <= age_ref[q]
        out[lo:hi] = np.bincount(q[ok] - lo, minlength=hi - lo)
    return out


def _window_count(key: np.ndarray, age: np.ndarray, sel: np.ndarray) -> np.ndarray:
    """For each selected record, the selected records with its key and an age within AGE_CLOSE
    years (itself included); 0 for the others. key: int64 >= 0, age: float."""
    out = np.zeros(len(key), np.int64)
    idx = np.flatnonzero(sel)
    if len(idx) == 0:
        return out
    span = float(np.nanmax(age[idx])) + 2 * AGE_CLOSE + 1
    value = key[idx].astype(np.float64) * span + age[idx]
    s = np.sort(value)
    out[idx] = np.searchsorted(s, value + AGE_CLOSE, "right") - np.searchsorted(
        s, value - AGE_CLOSE, "left"
    )
    return out


def namesakes(
    given_family: np.ndarray,
    claim: np.ndarray,
    person: np.ndarray,
    sex: np.ndarray,
    age_lo: np.ndarray,
    age_hi: np.ndarray,
) -> np.ndarray:
    """bool per record: its claim holds a record of another person with the same (given,
    family) code, the same stated sex and a stated single age within AGE_CLOSE years."""
    sel = (given_family >= 0) & (sex != 2) & (age_lo == age_hi) & ~np.isnan(age_lo)
    frame = pd.DataFrame({"c": claim, "g": given_family, "s": sex, "p": person})
    key = frame.groupby(["c", "g", "s"], sort=False).ngroup().to_numpy(np.int64)
    key_person = frame.groupby(["c", "g", "s", "p"], sort=False).ngroup().to_numpy(np.int64)
    return _window_count(key, age_lo, sel) > _window_count(key_person, age_lo, sel)


def linked(links: pd.DataFrame, records: pd.DataFrame) -> np.ndarray:
    """int per record: the person links.csv (claim, record_id, person_id) puts it in, or -1."""
    ref = records[["claim", "record_id"]].astype(str).reset_index(drop=True)
    got = ref.merge(
        links[["claim", "record_id", "person_id"]].astype(str),
        on=["claim", "record_id"],
        how="left",
    )
    codes = pd.factorize(got["person_id"])[0]  # NaN -> -1
    return np.asarray(codes, np.int64)


def reconcile_scores(
    pred: np.ndarray,
    claim: np.ndarray,
    ia: np.ndarray,
    ib: np.ndarray,
    masks: dict[str, np.ndarray],
) -> dict[str, float]:
    """Pairwise precision, recall, F1 of a linkage (pred: person per record, -1 none) against
    the true pairs (ia, ib), and its recall on the true pairs of each mask."""
    pa, _pb = true_pairs(pred, claim)
    predicted = len(pa)
    right = (pred[ia] == pred[ib]) & (pred[ia] >= 0)
    precision = right.sum() / predicted if predicted else np.nan
    recall = right.mean() if len(ia) else np.nan
    out = {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(2 * precision * recall / (precision + recall)),
    }
    for name, mask in masks.items():
        out[f"recall_{name}"] = float(right[mask].mean()) if mask.any() else np.nan
    return out


# ---------------------------------------------------------------- the case


def given_family(parts: NameParts) -> np.ndarray:
    """int64 per record: its (given, family) canonical keys as one code, -1 without both."""
    ok = (parts.given >= 0) & (parts.family >= 0)
    return np.where(ok, parts.given * (len(parts.key_text) + 1) + parts.family, -1)


def analyse(
    case_dir: Path,
    links_csv: Path | None = None,
    blocking: bool = True,
    sample: int = 0,
) -> Figures:
    """Every figure of one synthetic case folder (claims, truth.csv) and, when given and
    present, reconcile's links.csv for it. sample: look for the competitors of this many true
    pairs drawn at random (seed 0) when there are more (0: all); competitors are still looked
    for in the whole claim."""
    case = load_case(case_dir)
    records = case.records.reset_index(drop=True)
    claim_ids = [c.id for c in case.claims]
    truth = pd.read_csv(case_dir / "truth.csv", dtype=str, keep_default_na=False)
    got = (
        records[["claim", "record_id"]]
        .astype(str)
        .merge(truth, on=["claim", "record_id"], how="left")
    )
    person = np.asarray(pd.factorize(got["person_id"])[0], np.int64)
    p = prepare(records, claim_ids)
    claim = p.claim_code
    ia, ib = true_pairs(person, claim)
    hits = blocking_hits(p, ia, ib) if blocking else np.zeros(0, bool)
    parts = name_parts(p)
    name = name_codes(p)
    sex = sex_code(p.cols["sex"])
    lo, hi = p.cols["age_min"], p.cols["age_max"]
    args = (claim, person, sex, lo, hi)
    copies = twins(name, *args, ia, ib) + twins(name, *args, ib, ia)
    pick = np.arange(len(ia))
    if sample and len(ia) > sample:
        pick = np.sort(np.random.default_rng(0).choice(len(ia), sample, replace=False))
    sa, sb = ia[pick], ib[pick]
    named = (parts.given[sa] >= 0) & (parts.given[sb] >= 0)
    tie = np.where(named, 0, copies[pick])
    in_b, searched = dominating(parts, *args, sa[named], sb[named])
    in_a, _ = dominating(parts, *args, sb[named], sa[named])
    tie[named] = in_b + in_a
    tied = tie > 0
    named_alike = namesakes(given_family(parts), claim, person, sex, lo, hi)
    has_namesake = named_alike[ia] | named_alike[ib]
    scores: dict[str, float] = {}
    if links_csv is not None and links_csv.is_file():
        links = pd.read_csv(links_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        pred = linked(links, records)
        scores = reconcile_scores(
            pred, claim, ia, ib, {"plain": ~has_namesake, "namesake": has_namesake}
        )
        proposed = hits[pick] if blocking else np.ones(len(pick), bool)
        on_sample = reconcile_scores(
            pred,
            claim,
            sa,
            sb,
            {"untied": ~tied & named, "tied": tied, "untied_proposed": ~tied & named & proposed},
        )

        scores |= {k: v for k, v in on_sample.items() if k.startswith("recall_")}
    return Figures(
        records=len(records),
        true_pairs=len(ia),
        blocking_recall=float(hits.mean()) if blocking and len(ia) else np.nan,
        blocking_untied=(
            float(hits[pick][~tied & named].mean())
            if blocking and (~tied & named).any()
            else np.nan
        ),
        copies=int((copies > 0).sum()),
        examined=len(pick),
        unsearched=int((~searched).sum()),
        tied=int(tied.sum()),
        expected_guess=float((~tied).sum() + (1.0 / (1 + tie[tied])).sum()),
        namesake=int(has_namesake.sum()),
        reconcile=scores,
    )


def table(rows: Sequence[tuple[str, Figures]]) -> str:
    """The figures as a markdown table (shares of the true pairs; R: reconcile's recall)."""
    head = (
        "| size | records | true pairs | blocking recall (named untied) | copies | tied (examined) "
        "| ceiling recall | ceiling F1 | guess F1 | namesake share | reconcile F1 "
        "| R named untied (proposed) | R tied | R plain | R namesake |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for size, f in rows:
        r = f.reconcile
        cells = [
            size,
            f"{f.records:,}",
            f"{f.true_pairs:,}",
            f"{f.blocking_recall:.4f} ({f.blocking_untied:.4f})",
            f"{f.copies / f.true_pairs:.4f}",
            f"{f.tied / f.examined:.4f} ({f.examined:,})",
            f"{f.ceiling_recall:.4f}",
            f"{f.ceiling_f1:.4f}",
            f"{f.guess_f1:.4f}",
            f"{f.namesake / f.true_pairs:.4f}",
        ] + [
            f"{r[k]:.4f}" if k in r else "-"
            for k in ("f1", "recall_untied", "recall_tied", "recall_plain", "recall_namesake")
        ]
        if "recall_untied_proposed" in r:
            cells[-4] += f" ({r['recall_untied_proposed']:.4f})"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--sizes", default="10k,100k,500k,1M", help="comma-separated, of " + ",".join(SIZES)
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    ap.add_argument("--no-blocking", action="store_true", help="skip the blocking recall")
    ap.add_argument(
        "--sample",
        type=int,
        default=50_000,
        help="true pairs whose competitors are looked for, at most (0: all; default 50000)",
    )
    args = ap.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        ap.error(f"unknown size {unknown[0]!r}: one of {', '.join(SIZES)}")
    rows = []
    for size in sizes:
        case = args.out / f"synth-{size}-s{args.seed}"
        if not (case / "truth.csv").is_file():
            print(
                f"{case}: no case with truth.csv (make it with benchmarks/synth.py)",
                file=sys.stderr,
            )
            return 2
        t0 = time.perf_counter()
        links = args.out / f"scale-{size}-s{args.seed}" / "reconcile" / "links.csv"
        f = analyse(case, links, blocking=not args.no_blocking, sample=args.sample)
        print(
            f"{size}: {time.perf_counter() - t0:.1f} s; {f.unsearched:,} examined pairs agree on"
            " neither given nor family name (not searched: counted untied)",
            file=sys.stderr,
        )
        rows.append((size, f))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
