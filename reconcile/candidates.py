"""Candidate pairs (blocking): which records of two claims are worth comparing.

Small claim pairs are compared in full. Larger ones are blocked on several keys per record, so
that one spelling difference never hides a pair:

- every unordered pair of cross-script token keys of a name variant (given + family,
  given + father, father + family, ...), with the family name also keyed without its Abu;
- a record whose pair keys all fall in oversized blocks gets triples of its keys, and a record
  still left without candidates its pairs of keys refined by sex, and by sex and age band;
- records with no usable name (unnamed, kinship-only) are compared with every such record of
  the other claim, and, while the other claim holds at most UNNAMED_FULL records, with its
  records of the same sex and age group too, up to a cap;
- within one large claim (looking for possible duplicates), only records sharing their given
  name and two more name parts are compared.

Blocks larger than `max_block` pairs are skipped for a key (their records keep the other keys),
which keeps the number of pairs close to linear in the size of the lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from reconcile.prepare import MAX_TOKENS, NameTable

FULL_COMPARISON_LIMIT = 250_000  # compare all pairs when n_a * n_b is at most this
MAX_BLOCK = 1_000  # pairs one blocking key may produce
UNNAMED_CAP = 200_000  # pairs for records without a usable name
UNNAMED_FULL = 20_000  # a claim longer than this is compared with unnamed records only through
# its own unnamed records


@dataclass
class CandidateStats:
    pairs: int  # candidate pairs produced
    full: bool  # every pair was compared
    keys_skipped: int  # blocking keys dropped for producing too many pairs


def _combo_codes(
    table: NameTable, rows: np.ndarray, width: int, n_keys: int, given: bool = False
) -> pd.DataFrame:
    """Codes of every `width`-combination of the keys of the given name rows (and Abu-less
    variants), as a frame (rec, code); with `given`, only combinations holding the given name."""
    key = table.key[rows]
    alt = table.alt[rows]
    recs = table.rec[rows]
    out_rec: list[np.ndarray] = []
    out_code: list[np.ndarray] = []
    base = np.int64(n_keys + 1)
    for src in (key, np.where(alt >= 0, alt, key)):
        for combo in combinations(range(MAX_TOKENS), width):
            if given and combo[0] != 0:
                continue
            cols = src[:, list(combo)].astype(np.int64)
            ok = (cols >= 0).all(axis=1)
            if not ok.any():
                continue
            cols = np.sort(cols[ok], axis=1)
            code = np.zeros(len(cols), np.int64)
            for c in range(width):
                code = code * base + cols[:, c]
            out_rec.append(recs[ok])
            out_code.append(code + np.int64(width) * (base**width))
    if not out_rec:
        return pd.DataFrame({"rec": np.zeros(0, np.int32), "code": np.zeros(0, np.int64)})
    return pd.DataFrame({"rec": np.concatenate(out_rec), "code": np.concatenate(out_code)})


def _sex_codes(rec: np.ndarray, sex: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(row positions, sex code) pairs: a record of unknown sex stands as female and as male."""
    s = sex[rec]
    pos = np.arange(len(rec))
    female, male = s == "female", s == "male"
    unknown = ~female & ~male
    return [
        (np.concatenate([pos[female], pos[unknown]]), np.zeros(int(female.sum() + unknown.sum()))),
        (np.concatenate([pos[male], pos[unknown]]), np.ones(int(male.sum() + unknown.sum()))),
    ]


def _by_sex(codes: pd.DataFrame, sex: np.ndarray, age: np.ndarray | None) -> pd.DataFrame:
    """Blocking codes refined by the record's sex."""
    rec = codes["rec"].to_numpy()
    code = codes["code"].to_numpy()
    parts = [
        pd.DataFrame({"rec": rec[pos], "code": code[pos] * 2 + sx.astype(np.int64)})
        for pos, sx in _sex_codes(rec, sex)
    ]
    return pd.concat(parts, ignore_index=True)


def _by_sex_and_age(codes: pd.DataFrame, sex: np.ndarray, age: np.ndarray | None) -> pd.DataFrame:
    """Blocking codes refined by sex and a ten-year age band, on two offset band grids so that
    ages a few years apart always share a band; records without an age are left out."""
    by_sex = _by_sex(codes, sex, age)
    if age is None:
        return by_sex.iloc[:0]
    rec = by_sex["rec"].to_numpy()
    years = age[rec]
    ok = ~np.isnan(years)
    rec, code, years = rec[ok], by_sex["code"].to_numpy()[ok], years[ok]
    parts = []
    for grid, offset in ((0, 0.0), (1, 5.0)):
        band = np.clip((years + offset) // 10, 0, 15).astype(np.int64)
        parts.append(pd.DataFrame({"rec": rec, "code": code * 32 + grid * 16 + band}))
    return pd.concat(parts, ignore_index=True)


def _join(a: pd.DataFrame, b: pd.DataFrame, max_block: int) -> tuple[pd.DataFrame, int]:
    a = a.drop_duplicates()
    b = b.drop_duplicates()
    ca = a["code"].value_counts()
    cb = b["code"].value_counts()
    size = ca.mul(cb, fill_value=0)
    ok = size[(size > 0) & (size <= max_block)].index
    skipped = int((size > max_block).sum())
    a = a[a["code"].isin(ok)]
    b = b[b["code"].isin(ok)]
    pairs = a.merge(b, on="code", suffixes=("_a", "_b"))[["rec_a", "rec_b"]]
    return pairs.drop_duplicates(), skipped


def estimate_pairs(table: NameTable, mask_a: np.ndarray, mask_b: np.ndarray) -> int:
    """A quick estimate of the candidate pairs of two claims, before a large run."""
    n_a, n_b = int(mask_a.sum()), int(mask_b.sum())
    if n_a * n_b <= FULL_COMPARISON_LIMIT:
        return n_a * n_b
    n_keys = len(table.keys)
    rows_a = np.flatnonzero(mask_a[table.rec])
    rows_b = np.flatnonzero(mask_b[table.rec])
    ca = _combo_codes(table, rows_a, 2, n_keys).drop_duplicates()["code"].value_counts()
    cb = _combo_codes(table, rows_b, 2, n_keys).drop_duplicates()["code"].value_counts()
    size = ca.mul(cb, fill_value=0)
    return int(size[size <= MAX_BLOCK].sum())


def candidate_pairs(
    table: NameTable,
    named: np.ndarray,
    sex: np.ndarray,
    age_group: np.ndarray,
    idx_a: np.ndarray,
    idx_b: np.ndarray,
    *,
    age: np.ndarray | None = None,
    max_block: int = MAX_BLOCK,
    full_limit: int = FULL_COMPARISON_LIMIT,
) -> tuple[np.ndarray, np.ndarray, CandidateStats]:
    """Candidate pairs between records idx_a (one claim) and idx_b (another, or the same claim for
    duplicate detection, in which case only a < b is returned).

    named, sex, age_group, age (lowest age in years, NaN when not stated): per-record arrays over
    the whole records frame. Returns (rec_a, rec_b) int arrays sorted by (rec_a, rec_b), and
    stats."""
    same = np.array_equal(idx_a, idx_b)
    n_a, n_b = len(idx_a), len(idx_b)
    if n_a * n_b <= full_limit:
        ra, rb = np.meshgrid(idx_a, idx_b, indexing="ij")
        ra, rb = ra.ravel(), rb.ravel()
        if same:
            keep = ra < rb
            ra, rb = ra[keep], rb[keep]
        return ra, rb, CandidateStats(len(ra), True, 0)

    n_rec = len(named)
    mask_a = np.zeros(n_rec, bool)
    mask_a[idx_a] = True
    mask_b = np.zeros(n_rec, bool)
    mask_b[idx_b] = True
    rows_a = np.flatnonzero(mask_a[table.rec])
    rows_b = np.flatnonzero(mask_b[table.rec])
    n_keys = len(table.keys)
    found: list[pd.DataFrame] = []
    skipped = 0
    # within one large claim (possible duplicates) only records sharing their given name and
    # two more name parts (siblings share all but the given name)
    width = 3 if same else 2
    pairs, s = _join(
        _combo_codes(table, rows_a, width, n_keys, given=same),
        _combo_codes(table, rows_b, width, n_keys, given=same),
        max_block,
    )
    found.append(pairs)
    skipped += s
    # records whose pair keys were all oversized: triples (narrower blocks)
    covered = np.zeros(n_rec, bool)
    covered[pairs["rec_a"].to_numpy()] = True
    covered[pairs["rec_b"].to_numpy()] = True
    if not same:
        for ra_rows, rb_rows in (
            (rows_a[~covered[table.rec[rows_a]]], rows_b),
            (rows_a, rows_b[~covered[table.rec[rows_b]]]),
        ):
            if len(ra_rows) == 0 or len(rb_rows) == 0:
                continue
            p3, s = _join(
                _combo_codes(table, ra_rows, 3, n_keys),
                _combo_codes(table, rb_rows, 3, n_keys),
                max_block,
            )
            found.append(p3)
            skipped += s
    # records still without candidates (a two-part name whose parts are both frequent): their
    # name-part pairs refined by sex, and by sex and age band
    if not same:
        covered = np.zeros(n_rec, bool)
        for f in found:
            covered[f["rec_a"].to_numpy()] = True
            covered[f["rec_b"].to_numpy()] = True
        for ra_rows, rb_rows in (
            (rows_a[~covered[table.rec[rows_a]]], rows_b),
            (rows_a, rows_b[~covered[table.rec[rows_b]]]),
        ):
            if len(ra_rows) == 0 or len(rb_rows) == 0:
                continue
            ca = _combo_codes(table, ra_rows, 2, n_keys)
            cb = _combo_codes(table, rb_rows, 2, n_keys)
            for refine in (_by_sex, _by_sex_and_age):
                p2, s = _join(refine(ca, sex, age), refine(cb, sex, age), max_block)
                found.append(p2)
                skipped += s
    # records without a usable name: compare by attributes, with the other claim's unnamed
    # records, and with its named records too while that claim is not long
    unnamed_a = idx_a[~named[idx_a]]
    unnamed_b = idx_b[~named[idx_b]]
    attr = pd.factorize(pd.Series(sex, dtype=object) + "\x1f" + pd.Series(age_group, dtype=object))[
        0
    ]
    for ua, other in ((unnamed_a, idx_b), (idx_a, unnamed_b)):
        if len(ua) == 0 or len(other) == 0:
            continue
        if len(other) > UNNAMED_FULL and len(ua) > UNNAMED_FULL:
            continue  # both sides long: only unnamed x unnamed, done by the other direction
        if len(ua) > UNNAMED_FULL:  # the named side is ua: swap so that `ua` is the unnamed one
            ua, other = other, ua
        if len(other) > UNNAMED_FULL:
            other = other[~named[other]]
            if len(other) == 0:
                continue
        fa = pd.DataFrame({"rec_a": ua, "k": attr[ua]})
        fb = pd.DataFrame({"rec_b": other, "k": attr[other]})
        if len(fa) * len(fb) <= UNNAMED_CAP:
            merged = fa.merge(fb, how="cross")
        else:
            merged = fa.merge(fb, on="k")
        if len(merged) > UNNAMED_CAP:
            merged = merged.iloc[:UNNAMED_CAP]
            skipped += 1
        found.append(merged[["rec_a", "rec_b"]])
    allp = (
        pd.concat(found, ignore_index=True) if found else pd.DataFrame({"rec_a": [], "rec_b": []})
    )
    ra = allp["rec_a"].to_numpy(np.int64)
    rb = allp["rec_b"].to_numpy(np.int64)
    if same:
        lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
        keep = lo < hi
        ra, rb = lo[keep], hi[keep]
    code = np.unique(ra * n_rec + rb)
    ra, rb = code // n_rec, code % n_rec
    return ra, rb, CandidateStats(len(ra), False, skipped)
