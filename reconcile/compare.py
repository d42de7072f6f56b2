"""Compare candidate pairs field by field: each field falls in a level, vectorised over all pairs.

Names are compared by aligning the shorter name into the longer one, in order (given, father,
grandfather, family), token by token, with each agreeing token weighted by how rare it is (a
shared rare family name says more than a shared Mohammed). Other fields get ordered levels:
missing, exact, close, ..., conflicting, whose weights come from `reconcile.score`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from reconcile.prepare import MAX_TOKENS, NameTable, position_class

TOKEN_MATCH = 0.8  # token similarity from which two tokens count as the same name
M_TOKEN = 0.95  # chance that a true match shares a given token
GIVEN_DIFFERS = -4.2  # log2 P(given names differ | match) / P(... | non-match)
TOKEN_UNMATCHED = -2.5  # a token of the shorter name with no counterpart in the longer one
SWAP_DISCOUNT = 0.5  # share of the extra weight an out-of-order alignment keeps
MAX_TOKEN_WEIGHT = 14.0

NAME_LEVELS = ("missing", "different", "partial", "swapped", "fuzzy", "contained", "exact")


def token_similarity(
    table: NameTable, ta: np.ndarray, tb: np.ndarray, workers: int = -1
) -> np.ndarray:
    """Similarity in [0, 1] of token id pairs: 1 when equal; same script: Levenshtein similarity
    of the texts (also without a leading Abu); across scripts: of the cross-script keys."""
    out = np.zeros(len(ta), np.float64)
    if len(ta) == 0:
        return out
    eq = ta == tb
    out[eq] = 1.0
    todo = np.flatnonzero(~eq)
    if len(todo) == 0:
        return out
    code = ta[todo].astype(np.int64) * len(table.vocab) + tb[todo]
    inv, uniq = pd.factorize(code)
    ua = (uniq // len(table.vocab)).astype(np.int64)
    ub = (uniq % len(table.vocab)).astype(np.int64)
    cross = table.tok_latin[ua] != table.tok_latin[ub]
    sims = np.zeros(len(uniq))
    same_idx = np.flatnonzero(~cross)
    vocab, keys = _text_arrays(table)
    if len(same_idx):
        s = process.cpdist(
            vocab[ua[same_idx]],
            vocab[ub[same_idx]],
            scorer=Levenshtein.normalized_similarity,
            workers=workers,
        )
        sims[same_idx] = s
    kx = table.tok_key[ua] == table.tok_key[ub]
    sims[kx & cross] = 0.95
    cross_idx = np.flatnonzero(cross & ~kx)
    if len(cross_idx):
        s = process.cpdist(
            keys[table.tok_key[ua[cross_idx]]],
            keys[table.tok_key[ub[cross_idx]]],
            scorer=Levenshtein.normalized_similarity,
            workers=workers,
        )
        sims[cross_idx] = np.where(np.asarray(s) >= 0.75, np.asarray(s) * 0.9, 0.0)
    # a family name written with and without Abu, a compound given name with and without its
    # second part (نور / نورالدين): the shortened key agrees
    alt_a, alt_b = table.tok_alt[ua], table.tok_alt[ub]
    key_a, key_b = table.tok_key[ua], table.tok_key[ub]
    particle = ((alt_a >= 0) & (alt_a == key_b)) | ((alt_b >= 0) & (alt_b == key_a))
    sims = np.where(particle, np.maximum(sims, 0.88), sims)
    out[todo] = sims[inv]
    return out


def _text_arrays(table: NameTable) -> tuple[np.ndarray, np.ndarray]:
    """The table's token texts and key texts as object arrays (made once per table)."""
    cached: tuple[np.ndarray, np.ndarray] | None = table.__dict__.get("_text_arrays")
    if cached is None:
        cached = (np.asarray(table.vocab, dtype=object), np.asarray(table.keys, dtype=object))
        table.__dict__["_text_arrays"] = cached
    return cached


def _gain(sim: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weight of a token agreement scaled by similarity (0 below TOKEN_MATCH)."""
    scale = np.clip((sim - 0.75) / 0.25, 0.0, 1.0)
    return np.where(sim >= TOKEN_MATCH, weight * scale, 0.0)


@dataclass
class NameComparison:
    weight: np.ndarray  # float[n_pairs]
    level: np.ndarray  # object[n_pairs], one of NAME_LEVELS
    sim: np.ndarray  # float[n_pairs]: share of the shorter name's tokens matched


def compare_names(
    table: NameTable,
    rows_a: np.ndarray,
    rows_b: np.ndarray,
    u_a: np.ndarray,
    u_b: np.ndarray,
    workers: int = -1,
) -> NameComparison:
    """Compare name variant rows pairwise (rows into the NameTable).

    u_a, u_b: float[3, n_keys], the share of the records of claim a (b) that have each key in
    each position class (reconcile.prepare.key_frequency). An agreeing token weighs
    log2(m / u), u the mean of the two tokens' frequencies at their positions."""
    n = len(rows_a)
    la = table.ntok[rows_a].astype(np.int64)
    lb = table.ntok[rows_b].astype(np.int64)
    swap = la > lb
    ra = np.where(swap, rows_b, rows_a)
    rb = np.where(swap, rows_a, rows_b)
    la, lb = np.minimum(la, lb), np.maximum(la, lb)
    ta = table.tok[ra]
    tb = table.tok[rb]
    # similarity matrix S[n, i, j]
    ii, jj = np.meshgrid(np.arange(MAX_TOKENS), np.arange(MAX_TOKENS), indexing="ij")
    va = ta[:, ii]
    vb = tb[:, jj]
    valid = (va >= 0) & (vb >= 0)
    sim = np.zeros(valid.shape)
    sim[valid] = token_similarity(table, va[valid], vb[valid], workers)
    # rarity of each token in its position (given / middle / family) in the two claims
    kb = np.maximum(table.key[rb], 0)
    ka = np.maximum(table.key[ra], 0)
    cls_a = position_class(la)
    cls_b = position_class(lb)
    # each token's frequency at its position in its own claim (after the swap, the shorter name
    # of a row may come from claim b)
    fa = np.where(swap[:, None], u_b[cls_a, ka], u_a[cls_a, ka])
    fb = np.where(swap[:, None], u_a[cls_b, kb], u_b[cls_b, kb])
    u = (fa[:, :, None] + fb[:, None, :]) / 2.0
    u = np.maximum(u, 1e-6)
    w_tok = np.clip(np.log2(M_TOKEN / u), 0.0, MAX_TOKEN_WEIGHT)
    gain = _gain(sim, w_tok)
    matched = sim >= TOKEN_MATCH

    has = (la > 0) & (lb > 0)
    given = np.where(matched[:, 0, 0], gain[:, 0, 0], GIVEN_DIFFERS)
    # a one-word name ("Qardash") may be any part of the other name: its best match anywhere
    in_b = np.arange(MAX_TOKENS)[None, :] < lb[:, None]
    single_best = np.where(in_b, gain[:, 0, :], 0.0).max(axis=1)
    single_any = (np.where(in_b, matched[:, 0, :], False)).any(axis=1)
    single = la == 1
    given = np.where(single, np.where(single_any, single_best, GIVEN_DIFFERS), given)
    first_matched = np.where(single, single_any, matched[:, 0, 0])
    # monotone alignment of A[1:la] into B[1:lb]
    neg = -1e9
    dp = np.full((n, MAX_TOKENS, MAX_TOKENS), neg)
    dp[:, 0, :] = 0.0  # no A tokens after the given name used yet
    for i in range(1, MAX_TOKENS):
        active = i < la
        for j in range(1, MAX_TOKENS):
            inb = j < lb
            take = dp[:, i - 1, j - 1] + np.where(matched[:, i, j] & inb, gain[:, i, j], neg)
            skip_b = dp[:, i, j - 1]
            skip_a = dp[:, i - 1, j - 1] + TOKEN_UNMATCHED
            best = np.maximum(np.maximum(take, skip_b), skip_a)
            dp[:, i, j] = np.where(active, best, dp[:, i - 1, j])
        # j = 0 column: A token i unmatched with nothing in B consumed
        dp[:, i, 0] = np.where(active, dp[:, i - 1, 0] + TOKEN_UNMATCHED, dp[:, i - 1, 0])
    # for each row, dp at i = MAX-1 (inactive rows carried forward), j = lb-1
    last_j = np.maximum(lb - 1, 0)
    mono = dp[np.arange(n), MAX_TOKENS - 1, last_j]
    mono = np.where(la > 1, mono, 0.0)
    # unordered: each A token (after the given) at its best B token (after the given)
    rest_gain = np.where(
        (np.arange(MAX_TOKENS)[None, None, :] >= 1)
        & (np.arange(MAX_TOKENS)[None, None, :] < lb[:, None, None]),
        gain,
        0.0,
    )
    best_any = rest_gain[:, 1:, :].max(axis=2)
    any_matched = best_any > 0
    a_active = np.arange(1, MAX_TOKENS)[None, :] < la[:, None]
    unordered = np.where(a_active, np.where(any_matched, best_any, TOKEN_UNMATCHED), 0.0).sum(1)
    swapped = unordered > mono + 1e-9
    rest = np.where(swapped, mono + SWAP_DISCOUNT * (unordered - mono), mono)
    weight = np.where(has, given + rest, 0.0)

    # level, for explanations
    n_matched = first_matched.astype(int) + np.where(a_active, any_matched, False).sum(1)
    share = np.where(la > 0, n_matched / np.maximum(la, 1), 0.0)
    fuzzy_any = ((sim >= TOKEN_MATCH) & (sim < 0.999)).any(axis=(1, 2))
    exact = has & (la == lb) & (share >= 1) & ~swapped & ~fuzzy_any
    level = np.full(n, "partial", dtype=object)
    level[share >= 1] = "contained"
    level[(share >= 1) & fuzzy_any] = "fuzzy"
    level[swapped & (share >= 1)] = "swapped"
    level[exact] = "exact"
    level[~first_matched] = "different"
    level[~has] = "missing"
    return NameComparison(weight=weight, level=level, sim=share)


def best_name_comparison(
    table: NameTable,
    pair_a: np.ndarray,
    pair_b: np.ndarray,
    u_of_claim: dict[int, np.ndarray],
    claim_code: np.ndarray,
    workers: int = -1,
) -> NameComparison:
    """Best comparison over every name variant of each record pair (name, name_alt, alias)."""
    n = len(pair_a)
    weight = np.zeros(n)
    level = np.full(n, "missing", dtype=object)
    share = np.zeros(n)
    row_a, row_b, pid = variant_pairs(table, pair_a, pair_b)
    if len(pid) == 0:
        return NameComparison(weight, level, share)
    ca = claim_code[pair_a[pid]]
    cb = claim_code[pair_b[pid]]
    res_w = np.zeros(len(pid))
    res_l = np.empty(len(pid), dtype=object)
    res_s = np.zeros(len(pid))
    # u depends on the two claims: process each claim pair's rows together
    combo = pd.Series(ca.astype(np.int64) * 1_000_003 + cb)
    for _, idx in combo.groupby(combo).indices.items():
        i0 = idx[0]
        c = table_compare_chunked(
            table,
            row_a[idx],
            row_b[idx],
            u_of_claim[int(ca[i0])],
            u_of_claim[int(cb[i0])],
            workers=workers,
        )
        res_w[idx], res_l[idx], res_s[idx] = c.weight, c.level, c.sim
    # the best variant pair of each record pair (ties: the first, in variant order)
    order = np.lexsort((-res_w, pid))
    first = order[np.r_[True, pid[order][1:] != pid[order][:-1]]]
    weight[pid[first]] = res_w[first]
    level[pid[first]] = res_l[first]
    share[pid[first]] = res_s[first]
    return NameComparison(weight, level, share)


def variant_pairs(
    table: NameTable, pair_a: np.ndarray, pair_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (name row of a, name row of b) for each record pair: (row_a, row_b, pair index).

    The table's rows are grouped by record (name_table builds them in record order)."""
    if len(table.rec) > 1 and bool((table.rec[1:] < table.rec[:-1]).any()):
        raise ValueError("the name table's rows are not in record order")
    n_rec = int(max(pair_a.max(initial=-1), pair_b.max(initial=-1), table.rec.max(initial=-1))) + 1
    counts = np.bincount(table.rec, minlength=n_rec)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    na, nb = counts[pair_a], counts[pair_b]
    total = na * nb
    pid = np.repeat(np.arange(len(pair_a)), total)
    k = np.arange(int(total.sum())) - np.repeat(np.cumsum(total) - total, total)
    nb_p = nb[pid]
    row_a = start[pair_a][pid] + k // np.maximum(nb_p, 1)
    row_b = start[pair_b][pid] + k % np.maximum(nb_p, 1)
    return row_a.astype(np.int64), row_b.astype(np.int64), pid


def table_compare_chunked(
    table: NameTable,
    rows_a: np.ndarray,
    rows_b: np.ndarray,
    u_a: np.ndarray,
    u_b: np.ndarray,
    chunk: int = 50_000,
    workers: int = -1,
) -> NameComparison:
    """compare_names in chunks of pairs, to bound memory (the same result as one call)."""
    if len(rows_a) <= chunk:
        return compare_names(table, rows_a, rows_b, u_a, u_b, workers)
    parts = [
        compare_names(table, rows_a[s : s + chunk], rows_b[s : s + chunk], u_a, u_b, workers)
        for s in range(0, len(rows_a), chunk)
    ]
    return NameComparison(
        np.concatenate([p.weight for p in parts]),
        np.concatenate([p.level for p in parts]),
        np.concatenate([p.sim for p in parts]),
    )


# ---------------------------------------------------------------- other fields, as levels


def _agree_levels(known: np.ndarray, equal: np.ndarray) -> np.ndarray:
    """missing / agree / conflict as an object array whose cells share three string objects
    (np.where(...).astype(object) would make a new string per cell: gigabytes at scale)."""
    level = np.full(len(known), "missing", dtype=object)
    level[known & equal] = "agree"
    level[known & ~equal] = "conflict"
    return level


def compare_sex(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    known = np.isin(a, ["female", "male"]) & np.isin(b, ["female", "male"])
    return _agree_levels(known, a == b)


def compare_age(
    amin: np.ndarray,
    amax: np.ndarray,
    bmin: np.ndarray,
    bmax: np.ndarray,
    ga: np.ndarray,
    gb: np.ndarray,
) -> np.ndarray:
    """exact / within-1 / within-3 / overlap (ranges) / group-agree / conflict / missing."""
    has = ~np.isnan(amin) & ~np.isnan(bmin)
    with np.errstate(invalid="ignore"):
        gap = np.maximum(np.maximum(amin - bmax, bmin - amax), 0.0)
        point = (amax - amin <= 1.0) & (bmax - bmin <= 1.0)
    level = np.full(len(amin), "missing", dtype=object)
    groups = np.isin(ga, ["child", "adult", "elderly"]) & np.isin(gb, ["child", "adult", "elderly"])
    level[groups & (ga == gb)] = "group"
    level[groups & (ga != gb)] = "conflict"
    level[has & (gap == 0) & ~point] = "overlap"
    level[has & point & (gap == 0) & (np.abs(amin - bmin) < 0.5)] = "exact"
    level[has & point & (gap > 0) & (gap <= 1.0)] = "within1"
    level[has & point & (np.abs(amin - bmin) >= 0.5) & (gap == 0)] = "within1"
    level[has & (gap > 1.0) & (gap <= 3.0)] = "within3"
    level[has & (gap > 3.0)] = "conflict"
    return level


def compare_exact_text(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    known = (a != "") & (a != "unknown") & (b != "") & (b != "unknown")
    return _agree_levels(known, a == b)


def compare_dob(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    known = (a != "") & (a != "unknown") & (b != "") & (b != "unknown")
    ya = np.array([s[:4] for s in a], dtype=object)
    yb = np.array([s[:4] for s in b], dtype=object)
    level = np.full(len(a), "missing", dtype=object)
    level[known] = "conflict"
    level[known & (ya == yb)] = "year"
    level[known & (a == b)] = "exact"
    return level


def compare_id(a: np.ndarray, b: np.ndarray, workers: int = -1) -> np.ndarray:
    """national_id: exact / typo (one edit or transposition) / conflict / missing."""
    level = compare_exact_text(a, b)
    conf = np.flatnonzero(level == "conflict")
    if len(conf):
        d = process.cpdist(list(a[conf]), list(b[conf]), scorer=OSA.distance, workers=workers)
        level[conf[np.asarray(d) <= 1]] = "typo"
    return level


def compare_fuzzy_text(
    a: np.ndarray, b: np.ndarray, threshold: float = 85.0, workers: int = -1
) -> np.ndarray:
    """Free text (location, nationality): agree when token_set_ratio >= threshold."""
    known = (a != "") & (b != "")
    level = np.full(len(a), "missing", dtype=object)
    idx = np.flatnonzero(known)
    if len(idx):
        la = [str(s).casefold() for s in a[idx]]
        lb = [str(s).casefold() for s in b[idx]]
        s = np.asarray(process.cpdist(la, lb, scorer=fuzz.token_set_ratio, workers=workers))
        level[idx] = np.where(s >= threshold, "agree", "conflict")
    return level


def compare_relation(
    term_a: np.ndarray,
    to_a: np.ndarray,
    term_b: np.ndarray,
    to_b: np.ndarray,
    workers: int = -1,
) -> np.ndarray:
    """same (same term, to the same-looking person) / term (same term, one target not stated) /
    unsure (same term, two targets that do not look alike: they may still be one person under
    two names) / conflict (different terms) / missing. `reconcile.match` refines same, term and
    unsure by the persons the targets belong to (same / differs)."""
    known = (term_a != "") & (term_b != "")
    level = np.full(len(term_a), "missing", dtype=object)
    level[known] = "conflict"
    same_term = known & (term_a == term_b)
    level[same_term] = "term"
    idx = np.flatnonzero(same_term & (to_a != "") & (to_b != ""))
    if len(idx):
        s = np.asarray(
            process.cpdist(
                [str(x).casefold() for x in to_a[idx]],
                [str(x).casefold() for x in to_b[idx]],
                scorer=fuzz.token_set_ratio,
                workers=workers,
            )
        )
        level[idx] = np.where(s >= 80, "same", "unsure")
    return level
