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
from typing import NamedTuple

import numpy as np
import pandas as pd

from reconcile.arrays import ranges, runs, unique_sorted
from reconcile.prepare import NameTable

FULL_COMPARISON_LIMIT = 250_000  # compare all pairs when n_a * n_b is at most this
MAX_BLOCK = 1_000  # pairs one blocking key may produce
UNNAMED_CAP = 200_000  # pairs for records without a usable name
WEAK_BLOCK = 50  # pairs from which a block of two name parts is a common pair (weak_pairs)
WEAK_AGE_GAP = 15.0  # years apart from which two ages contradict each other (weak_pairs)
UNNAMED_FULL = 20_000  # a claim longer than this is compared with unnamed records only through
# its own unnamed records


@dataclass
class CandidateStats:
    pairs: int  # candidate pairs produced
    full: bool  # every pair was compared
    keys_skipped: int  # blocking keys dropped for producing too many pairs


def _combo_codes(
    table: NameTable, rows: np.ndarray, width: int, n_keys: int, given: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(rec, code) of every `width`-combination of the keys of the given name rows (and Abu-less
    variants); with `given`, only combinations holding the given name. Codes of different widths
    never collide. A record may get a code more than once (the join counts it once)."""
    key = table.key[rows]
    alt = table.alt[rows]
    recs = table.rec[rows].astype(np.int64)
    with_alt = (alt >= 0).any(axis=1)  # the Abu-less variant differs only on these rows
    sources = [(key, recs)]
    if with_alt.any():
        sources.append((np.where(alt >= 0, alt, key)[with_alt], recs[with_alt]))
    out_rec: list[np.ndarray] = []
    out_code: list[np.ndarray] = []
    base = np.int64(n_keys + 1)
    offset = np.int64(width) * (base**width)
    for src, src_rec in sources:
        # every row's keys sorted once: each combination of columns is then in order, and -1
        # (no key) comes first, so a combination is whole when its first key is; with `given`,
        # the given name (position 0) joins combinations of the other positions' sorted keys
        first = src[:, 0].astype(np.int64) if given else None
        cols_of = np.sort(src[:, 1:] if given else src, axis=1).astype(np.int64)
        for combo in combinations(range(cols_of.shape[1]), width - given):
            ok = cols_of[:, combo[0]] >= 0
            if first is not None:
                ok &= first >= 0
            if not ok.any():
                continue
            parts = [cols_of[ok, c] for c in combo]
            if first is not None:
                parts = _insert_sorted(first[ok], parts)
            code = parts[0].copy()
            for part in parts[1:]:
                code *= base
                code += part
            out_rec.append(src_rec[ok])
            out_code.append(code + offset)
    if not out_rec:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_rec), np.concatenate(out_code)


def _insert_sorted(x: np.ndarray, parts: list[np.ndarray]) -> list[np.ndarray]:
    """Columns x and parts (each row of parts ascending) as ascending columns, row by row."""
    if len(parts) == 2:  # (x, lo, hi) in order, without a sort
        lo, hi = parts
        return [np.minimum(x, lo), np.maximum(lo, np.minimum(x, hi)), np.maximum(x, hi)]
    cols = np.sort(np.column_stack([x, *parts]), axis=1)
    return [cols[:, c] for c in range(cols.shape[1])]


def sex_code(sex: np.ndarray) -> np.ndarray:
    """int8 per record: 0 female, 1 male, 2 not stated (from the parsed sex column)."""
    return np.where(sex == "female", 0, np.where(sex == "male", 1, 2)).astype(np.int8)


def _sex_codes(rec: np.ndarray, sex: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(row positions, sex code) pairs: a record of unknown sex stands as female and as male.
    sex: sex_code() of every record."""
    s = sex[rec]
    pos = np.arange(len(rec))
    female, male = s == 0, s == 1
    unknown = ~female & ~male
    return [
        (np.concatenate([pos[female], pos[unknown]]), np.zeros(int(female.sum() + unknown.sum()))),
        (np.concatenate([pos[male], pos[unknown]]), np.ones(int(male.sum() + unknown.sum()))),
    ]


Keyed = tuple[np.ndarray, np.ndarray]  # (rec, code) int64 arrays


def _by_sex(codes: Keyed, sex: np.ndarray, age: np.ndarray | None) -> Keyed:
    """Blocking codes refined by the record's sex."""
    rec, code = codes
    parts = [(rec[pos], code[pos] * 2 + sx.astype(np.int64)) for pos, sx in _sex_codes(rec, sex)]
    return np.concatenate([r for r, _ in parts]), np.concatenate([c for _, c in parts])


def _by_sex_and_age(codes: Keyed, sex: np.ndarray, age: np.ndarray | None) -> Keyed:
    """Blocking codes refined by sex and a ten-year age band, on two offset band grids so that
    ages a few years apart always share a band; records without an age are left out."""
    rec, code = _by_sex(codes, sex, age)
    if age is None:
        return rec[:0], code[:0]
    years = age[rec]
    ok = ~np.isnan(years)
    rec, code, years = rec[ok], code[ok], years[ok]
    recs, out = [], []
    for grid, offset in ((0, 0.0), (1, 5.0)):
        band = np.clip((years + offset) // 10, 0, 15).astype(np.int64)
        recs.append(rec)
        out.append(code * 32 + grid * 16 + band)
    return np.concatenate(recs), np.concatenate(out)


def _unique_counts_min(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of a non-negative int array x, sorted, how often each occurs, and the
    smallest y[i] (non-negative) of its occurrences: by one sort of x and y packed into one
    int64 when they fit, else by a stable argsort."""
    if len(x) == 0:
        return x, np.zeros(0, np.int64), y
    bits = max(int(y.max()).bit_length(), 1)
    if int(x.max()).bit_length() + bits <= 62:
        packed = np.sort((x.astype(np.int64) << bits) | y.astype(np.int64))
        distinct, first = runs(packed >> bits)
        low = packed[first] & ((1 << bits) - 1)  # the first of a run holds its smallest y
        return distinct, np.diff(np.append(first, len(x))), low.astype(y.dtype)
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    del order
    distinct, first = runs(x)
    return distinct, np.diff(np.append(first, len(x))), np.minimum.reduceat(y, first)


class Blocks(NamedTuple):
    """Two sides' distinct (code, record) entries grouped by code, sorted by code."""

    ra: np.ndarray  # record of every entry of a
    rb: np.ndarray  # record of every entry of b
    na: np.ndarray  # entries of a per code of a
    nb: np.ndarray  # entries of b per code of b
    start_b: np.ndarray  # where each code of b starts among b's entries
    pos: np.ndarray  # for each code of a, its index among b's codes (valid where size > 0)
    size: np.ndarray  # for each code of a, its block's pairs (0: not in b)


def _blocks(a: Keyed, b: Keyed, n_rec: int) -> Blocks:
    """The blocks two sides' codes make: one sort per side, no hashing (codes too wide to
    combine with a record are numbered first)."""
    (rec_a, code_a), (rec_b, code_b) = a, b
    top = int(max(code_a.max(initial=0), code_b.max(initial=0)))
    if top >= np.iinfo(np.int64).max // max(n_rec, 1):
        ids, _ = pd.factorize(np.concatenate([code_a, code_b]))
        code_a = ids[: len(code_a)].astype(np.int64)
        code_b = ids[len(code_a) :].astype(np.int64)
        del ids
    ka = unique_sorted(code_a * n_rec + rec_a)
    kb = unique_sorted(code_b * n_rec + rec_b)
    ca, ra = ka // n_rec, ka % n_rec
    cb, rb = kb // n_rec, kb % n_rec
    del ka, kb
    ua, start_a = runs(ca)
    ub, start_b = runs(cb)
    na = np.diff(np.append(start_a, len(ca)))
    nb = np.diff(np.append(start_b, len(cb)))
    pos = np.minimum(np.searchsorted(ub, ua), max(len(ub) - 1, 0))
    in_b = (ub[pos] == ua) if len(ub) else np.zeros(len(ua), bool)
    size = np.where(in_b, na * nb[pos] if len(ub) else 0, 0)
    return Blocks(ra, rb, na, nb, start_b, pos, size)


def _join(a: Keyed, b: Keyed, max_block: int, n_rec: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Record pairs sharing a code whose block holds at most `max_block` pairs, as pair codes
    rec_a * n_rec + rec_b: one per shared code (a pair sharing k codes comes k times), with the
    size of the block (pairs) each came from, and the number of oversized blocks skipped."""
    if len(a[1]) == 0 or len(b[1]) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    return _join_blocks(_blocks(a, b, n_rec), max_block, n_rec)


def _join_blocks(bl: Blocks, max_block: int, n_rec: int) -> tuple[np.ndarray, np.ndarray, int]:
    """_join from the blocks the two sides make."""
    skipped = int((bl.size > max_block).sum())
    ok = (bl.size > 0) & (bl.size <= max_block)
    block = np.repeat(np.arange(len(bl.na)), bl.na)  # the code index of every entry of a
    sel = ok[block]
    block, ra = block[sel], bl.ra[sel]
    rep = bl.nb[bl.pos[block]]
    pb = bl.rb[ranges(bl.start_b[bl.pos[block]], rep)]
    return np.repeat(ra, rep) * n_rec + pb, np.repeat(bl.size[block], rep), skipped


def _attribute_pairs(
    left: np.ndarray, right: np.ndarray, attr: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Pairs (left[i], right[j]): every pair when there are at most `cap`, else those with the
    same attribute code, the first `cap` of them (left in order, then right in order); and 1
    when pairs were cut off, else 0."""
    left = left.astype(np.int64)
    right = right.astype(np.int64)
    if len(left) * len(right) <= cap:
        return np.repeat(left, len(right)), np.tile(right, len(left)), 0
    order = np.argsort(attr[right], kind="stable")
    right_sorted = right[order]
    n_codes = int(max(attr[left].max(initial=-1), attr[right].max(initial=-1))) + 1
    count = np.bincount(attr[right], minlength=n_codes)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    rep = count[attr[left]]
    cut = 0
    if int(rep.sum()) > cap:  # the left rows whose pairs come first, the last perhaps in part
        last = int(np.searchsorted(np.cumsum(rep), cap))
        left, rep = left[: last + 1], rep[: last + 1].copy()
        rep[-1] -= int(rep.sum()) - cap
        cut = 1
    y = right_sorted[ranges(start[attr[left]], rep)]
    return np.repeat(left, rep), y, cut


def _rows_sharing(
    table: NameTable, rows_a: np.ndarray, rows_b: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """The name rows of each side that hold at least `width` keys (or Abu-less keys) found on
    the other side: the only rows whose `width`-combinations can meet (the others are left
    out before their combinations are made)."""

    def keys_of(rows: np.ndarray) -> np.ndarray:
        k = np.concatenate([table.key[rows].ravel(), table.alt[rows].ravel()])
        return unique_sorted(k[k >= 0])

    def holding(rows: np.ndarray, keys: np.ndarray) -> np.ndarray:
        if len(rows) == 0 or len(keys) == 0:
            return rows[:0]
        hit = np.isin(table.key[rows], keys) | np.isin(table.alt[rows], keys)
        return rows[hit.sum(axis=1) >= width]

    keys_a, keys_b = keys_of(rows_a), keys_of(rows_b)
    return holding(rows_a, keys_b), holding(rows_b, keys_a)


def _uncovered_sides(
    table: NameTable, rows_a: np.ndarray, rows_b: np.ndarray, covered: np.ndarray, width: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For a fallback key of `width` name parts: the uncovered name rows of a against the rows
    of b, then the rows of a against the uncovered rows of b, each narrowed to the rows that can
    meet (_rows_sharing); sides with nothing to join are left out."""
    sides = []
    for xa, xb in (
        (rows_a[~covered[table.rec[rows_a]]], rows_b),
        (rows_a, rows_b[~covered[table.rec[rows_b]]]),
    ):
        if len(xa) and len(xb):
            sides.append(_rows_sharing(table, xa, xb, width))
    return sides


def _shared(a: Keyed, b: Keyed) -> tuple[Keyed, Keyed]:
    """Each side's (rec, code) entries whose code the other side has too: the only ones a join
    (refined or not) can pair, so refining the rest would be wasted work."""
    common = np.intersect1d(unique_sorted(a[1]), unique_sorted(b[1]), assume_unique=True)
    ka, kb = np.isin(a[1], common), np.isin(b[1], common)
    return (a[0][ka], a[1][ka]), (b[0][kb], b[1][kb])


def merge_sorted(main: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
    """The distinct values of main (sorted, distinct) and of others, sorted: the others not in
    main appended and the two sorted runs merged by a stable (run-merging) sort, instead of
    sorting all of them again."""
    if not others:
        return main
    rest = unique_sorted(np.concatenate(others))
    if len(main) and len(rest):
        at = np.minimum(np.searchsorted(main, rest), len(main) - 1)
        rest = rest[main[at] != rest]
    if not len(rest):
        return main
    return np.sort(np.concatenate([main, rest]), kind="stable")


def _covered(codes: list[np.ndarray], n_rec: int) -> np.ndarray:
    """bool[n_rec]: the records in any of these pair codes."""
    covered = np.zeros(n_rec, bool)
    for c in codes:
        covered[c // n_rec] = True
        covered[c % n_rec] = True
    return covered


def weak_pairs(
    code: np.ndarray,
    shared: np.ndarray,
    block: np.ndarray,
    n_rec: int,
    sex: np.ndarray,
    age_min: np.ndarray | None,
    age_max: np.ndarray | None,
) -> np.ndarray:
    """bool per pair code: the pair shares only one pair of name keys (two name parts), a common
    pair (its block holds more than WEAK_BLOCK pairs), and its records contradict each other on
    sex, or on age by more than WEAK_AGE_GAP years: too little to outweigh the contradiction, so
    the pair is not compared. A rare pair of names is compared whatever the contradiction (a
    boy listed as female in one list still shares his rare given and family names).

    shared: how many key pairs the two records share; block: the size of the smallest block
    the pair came from; sex: sex_code() of every record."""
    ra, rb = code // n_rec, code % n_rec
    sa, sb = sex[ra], sex[rb]
    contradicts = (sa < 2) & (sb < 2) & (sa != sb)
    if age_min is not None and age_max is not None:
        with np.errstate(invalid="ignore"):
            gap = np.maximum(age_min[ra] - age_max[rb], age_min[rb] - age_max[ra])
        contradicts |= gap > WEAK_AGE_GAP
    return (shared <= 1) & (block > WEAK_BLOCK) & contradicts


def estimate_pairs(table: NameTable, mask_a: np.ndarray, mask_b: np.ndarray) -> int:
    """A quick estimate of the candidate pairs of two claims, before a large run."""
    return estimate_blocks(table, mask_a, mask_b)[0]


def estimate_blocks(
    table: NameTable, mask_a: np.ndarray, mask_b: np.ndarray
) -> tuple[int, Blocks | None]:
    """The estimate of estimate_pairs, and the blocks of two name parts it counted (None when
    the two claims are compared in full): candidate_pairs(blocks=...) joins them without
    making them again."""
    n_a, n_b = int(mask_a.sum()), int(mask_b.sum())
    if n_a * n_b <= FULL_COMPARISON_LIMIT:
        return n_a * n_b, None
    n_keys = len(table.keys)
    n_rec = len(mask_a)
    rows_a = np.flatnonzero(mask_a[table.rec])
    rows_b = np.flatnonzero(mask_b[table.rec])
    a = _combo_codes(table, rows_a, 2, n_keys)
    b = _combo_codes(table, rows_b, 2, n_keys)
    if len(a[1]) == 0 or len(b[1]) == 0:
        return 0, None
    bl = _blocks(a, b, n_rec)
    return int(bl.size[bl.size <= MAX_BLOCK].sum()), bl


def candidate_pairs(
    table: NameTable,
    named: np.ndarray,
    sex: np.ndarray,
    age_group: np.ndarray,
    idx_a: np.ndarray,
    idx_b: np.ndarray,
    *,
    age: np.ndarray | None = None,
    age_max: np.ndarray | None = None,
    max_block: int = MAX_BLOCK,
    full_limit: int = FULL_COMPARISON_LIMIT,
    drop_weak: bool = True,
    blocks: Blocks | None = None,
) -> tuple[np.ndarray, np.ndarray, CandidateStats]:
    """Candidate pairs between records idx_a (one claim) and idx_b (another, or the same claim for
    duplicate detection, in which case only a < b is returned).

    named, sex, age_group, age (lowest age in years, NaN when not stated), age_max (highest):
    per-record arrays over the whole records frame. With `drop_weak`, cross-claim pairs that
    share only two name parts and contradict each other on sex or age are left out
    (`weak_pairs`). blocks: estimate_blocks' blocks of these two claims, joined instead of
    made again. Returns (rec_a, rec_b) int arrays sorted by (rec_a, rec_b), and stats."""
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
    sexes = sex_code(sex)
    mask_a = np.zeros(n_rec, bool)
    mask_a[idx_a] = True
    mask_b = np.zeros(n_rec, bool)
    mask_b[idx_b] = True
    rows_a = np.flatnonzero(mask_a[table.rec])
    rows_b = np.flatnonzero(mask_b[table.rec])
    n_keys = len(table.keys)
    found: list[np.ndarray] = []  # pair codes rec_a * n_rec + rec_b
    skipped = 0
    # within one large claim (possible duplicates) only records sharing their given name and
    # two more name parts (siblings share all but the given name)
    width = 3 if same else 2
    if blocks is not None and not same:  # the estimate's blocks (estimate_blocks)
        main, block, s = _join_blocks(blocks, max_block, n_rec)
    else:
        main, block, s = _join(
            _combo_codes(table, rows_a, width, n_keys, given=same),
            _combo_codes(table, rows_b, width, n_keys, given=same),
            max_block,
            n_rec,
        )
    del blocks
    skipped += s
    # a record whose pairs are all weak had candidates: no fallback below brings them back
    covered = _covered([main], n_rec)
    if drop_weak and not same:
        main, shared, block = _unique_counts_min(main, block)
        main = main[~weak_pairs(main, shared, block, n_rec, sexes, age, age_max)]
        del shared, block
    else:
        main = unique_sorted(main)
    found.append(main)
    # records whose pair keys were all oversized: triples (narrower blocks)
    if not same:
        for ra_rows, rb_rows in _uncovered_sides(table, rows_a, rows_b, covered, 3):
            p3, _, s = _join(
                _combo_codes(table, ra_rows, 3, n_keys),
                _combo_codes(table, rb_rows, 3, n_keys),
                max_block,
                n_rec,
            )
            found.append(p3)
            skipped += s
    # records still without candidates (a two-part name whose parts are both frequent): their
    # name-part pairs refined by sex, and by sex and age band
    if not same:
        covered |= _covered(found[1:], n_rec)
        for ra_rows, rb_rows in _uncovered_sides(table, rows_a, rows_b, covered, 2):
            ca, cb = _shared(
                _combo_codes(table, ra_rows, 2, n_keys), _combo_codes(table, rb_rows, 2, n_keys)
            )
            for refine in (_by_sex, _by_sex_and_age):
                p2, _, s = _join(refine(ca, sexes, age), refine(cb, sexes, age), max_block, n_rec)
                found.append(p2)
                skipped += s
    # records without a usable name: compare by attributes, with the other claim's unnamed
    # records, and with its named records too while that claim is not long (within one claim,
    # unnamed rows alike are expected, never possible duplicates: not compared)
    if not same:
        unnamed_a = idx_a[~named[idx_a]]
        unnamed_b = idx_b[~named[idx_b]]
        # sex and age group as one int per record (a string per record would be slow)
        sx, sx_values = pd.factorize(sex)
        groups, _ = pd.factorize(age_group)
        attr = (groups.astype(np.int64) + 1) * (len(sx_values) + 1) + sx + 1
        for ua, other, flip in ((unnamed_a, idx_b, False), (unnamed_b, idx_a, True)):
            if len(ua) == 0 or len(other) == 0:
                continue
            if len(other) > UNNAMED_FULL:
                other = other[~named[other]]
                if flip:  # unnamed x unnamed: done in the first direction
                    continue
            x, y, cut = _attribute_pairs(ua, other, attr, UNNAMED_CAP)
            skipped += cut
            found.append(y * n_rec + x if flip else x * n_rec + y)
    if same:
        code = np.concatenate(found) if found else np.zeros(0, np.int64)
        ra, rb = code // n_rec, code % n_rec
        lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
        keep = lo < hi
        code = unique_sorted(lo[keep] * n_rec + hi[keep])
    else:  # the main pairs are sorted and distinct already: merge the few others into them
        code = merge_sorted(found[0], found[1:])
    del found
    ra, rb = code // n_rec, code % n_rec
    return ra, rb, CandidateStats(len(ra), False, skipped)
