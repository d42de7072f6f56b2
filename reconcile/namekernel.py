"""Compiled (numba) kernel of the name comparison: one pass over the pairs, no per-pair arrays.

`reconcile.compare` states the rules; this module computes them pair by pair, with the results
of the former vectorised numpy version to the last bit but for log2 (within an ulp): token
similarity of the two token ids (same script: Levenshtein normalized similarity of the texts;
across scripts: 0.95 on equal keys, else 0.9 x the keys' similarity from 0.75; 0.88 at least
when one token is the other with an Abu or a compound part), each agreeing token's gain by its
rarity, the given-name rule, the monotone alignment of the other tokens, the unordered
alternative and the level, then the best pair of name variants of each record pair.

A token similarity below TOKEN_MATCH counts only as "below". The pairs of tokens at or above
it are found once per name table (`KernelTable`, symmetric deletion) and looked up; token texts
travel as code points in one flat array with offsets (`TextArrays`). Similarities are rounded
as rapidfuzz's cpdist returned them (float32), which the former version compared.

numba compiles the kernel at first use and caches it next to this file (or in the user's cache
directory; neither writable: compiled in each process, a few seconds). Keep every compiled
function in this file: numba's cache does not see changes to other modules.
"""

from __future__ import annotations

import itertools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from reconcile.arrays import unique_sorted
from reconcile.jit import compile_module

TOKEN_MATCH = 0.8
M_TOKEN = 0.95
GIVEN_DIFFERS = -4.2
TOKEN_UNMATCHED = -2.5
SWAP_DISCOUNT = 0.5
MAX_TOKEN_WEIGHT = 14.0
CROSS_SCALE = 0.9  # a cross-script similarity of the keys counts 0.9 of its value
CROSS_FLOOR = 0.75  # ... and nothing below 0.75
CROSS_KEY_EQUAL = 0.95  # the same key in two scripts
PARTICLE = 0.88  # with and without Abu / a compound part
FUZZY_BELOW = 0.999  # a token agreement below this is fuzzy

# level codes, in the order of compare.NAME_LEVELS
MISSING, DIFFERENT, PARTIAL, SWAPPED, FUZZY, CONTAINED, EXACT = range(7)

_NEG = -1e9


@dataclass(frozen=True)
class TextArrays:
    """Texts as code points: text k is cp[off[k]:off[k + 1]]."""

    off: np.ndarray  # int64[n + 1]
    cp: np.ndarray  # int32[total length]

    @property
    def max_len(self) -> int:
        return int(np.diff(self.off).max(initial=0))


def text_arrays(texts: list[str]) -> TextArrays:
    """The code points of `texts` (Python strings compare by code point, as rapidfuzz does)."""
    lens = np.fromiter((len(t) for t in texts), np.int64, len(texts))
    off = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(lens, out=off[1:])
    cp = np.frombuffer("".join(texts).encode("utf-32-le"), dtype="<u4").astype(np.int32)
    return TextArrays(off, cp)


def max_edits(max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """int64[max_len + 1] twice: for each longer length m, the largest edit distance d whose
    similarity still reaches TOKEN_MATCH (-1: none); first in one script, then across scripts,
    where the keys' similarity counts from CROSS_FLOOR and only CROSS_SCALE of it. Computed
    with the kernel's floating-point expressions (`_similarity`), so the cut is exact."""
    same = np.full(max_len + 1, -1, np.int64)
    cross = np.full(max_len + 1, -1, np.int64)
    for m in range(1, max_len + 1):
        for d in range(m + 1):
            if _similarity(d, m) >= TOKEN_MATCH:
                same[m] = d
            if _cross_similarity(d, m) >= TOKEN_MATCH:
                cross[m] = d
    return same, cross


def _similarity(d: int, m: int) -> float:
    """Levenshtein normalized similarity of distance d, longer length m > 0, as rapidfuzz's
    process.cpdist returns it: 1 - d / m rounded to float32."""
    return float(np.float32(1.0 - d / m))


def _cross_similarity(d: int, m: int) -> float:
    """The cross-script similarity of keys at distance d: 0 below CROSS_FLOOR, else
    CROSS_SCALE of it, multiplied in float32 as the former vectorised version did."""
    s = np.float32(1.0 - d / m)
    if float(s) < CROSS_FLOOR:
        return 0.0
    return float(s * np.float32(CROSS_SCALE))


def _levenshtein_upto(
    cp: np.ndarray, oa: int, na: int, ob: int, nb: int, k: int, row: np.ndarray
) -> int:
    """Levenshtein distance of cp[oa:oa+na] and cp[ob:ob+nb] when it is at most k, else k + 1."""
    if abs(na - nb) > k:
        return k + 1
    # a common prefix and suffix do not change the distance
    while na > 0 and nb > 0 and cp[oa] == cp[ob]:
        oa += 1
        ob += 1
        na -= 1
        nb -= 1
    while na > 0 and nb > 0 and cp[oa + na - 1] == cp[ob + nb - 1]:
        na -= 1
        nb -= 1
    if na == 0 or nb == 0:
        d = na + nb
        return d if d <= k else k + 1
    for j in range(nb + 1):
        row[j] = j
    for i in range(1, na + 1):
        diag = row[0]
        row[0] = i
        low = i
        c = cp[oa + i - 1]
        for j in range(1, nb + 1):
            up = row[j]
            v = diag + (0 if c == cp[ob + j - 1] else 1)
            if up + 1 < v:
                v = up + 1
            if row[j - 1] + 1 < v:
                v = row[j - 1] + 1
            row[j] = v
            diag = up
            if v < low:
                low = v
        if low > k:
            return k + 1
    d = row[nb]
    return d if d <= k else k + 1


def _token_sim(a: int, b: int, tab: tuple[np.ndarray, ...], row: np.ndarray) -> float:
    """Similarity of token ids a and b, computed; exact from TOKEN_MATCH up, some value below
    it else. tab: KernelTable.arrays(); row: int64[longest text + 2], scratch."""
    tok_key, tok_alt, tok_latin = tab[T_TOK_KEY], tab[T_TOK_ALT], tab[T_TOK_LATIN]
    voc_off, voc_cp, key_off, key_cp = tab[T_VOC_OFF], tab[T_VOC_CP], tab[T_KEY_OFF], tab[T_KEY_CP]
    kmax_same, kmax_cross = tab[T_KMAX_SAME], tab[T_KMAX_CROSS]
    if a == b:
        return 1.0
    ka = tok_key[a]
    kb = tok_key[b]
    s = 0.0
    if tok_latin[a] == tok_latin[b]:
        oa = voc_off[a]
        na = voc_off[a + 1] - oa
        ob = voc_off[b]
        nb = voc_off[b + 1] - ob
        m = max(na, nb)
        if m == 0:
            s = 1.0
        else:
            k = kmax_same[m]
            if k >= 0:
                d = _levenshtein_upto(voc_cp, oa, na, ob, nb, k, row)
                if d <= k:
                    s = _similarity(d, m)
    elif ka == kb:
        s = CROSS_KEY_EQUAL
    else:
        oa = key_off[ka]
        na = key_off[ka + 1] - oa
        ob = key_off[kb]
        nb = key_off[kb + 1] - ob
        m = max(na, nb)
        if m == 0:
            s = _cross_similarity(0, 1)
        else:
            k = kmax_cross[m]
            if k >= 0:
                d = _levenshtein_upto(key_cp, oa, na, ob, nb, k, row)
                if d <= k:
                    s = _cross_similarity(d, m)
    alt_a = tok_alt[a]
    alt_b = tok_alt[b]
    if ((alt_a >= 0 and alt_a == kb) or (alt_b >= 0 and alt_b == ka)) and s < PARTICLE:
        s = PARTICLE
    return s


def _sig_bit(t: int) -> int:
    """The bit of token id t in the neighbour signatures (KernelTable.nb_sig)."""
    return (t ^ (t >> 6) ^ (t >> 12)) & 63


def _compare_records(
    lo: int,
    hi: int,
    idx: np.ndarray,
    pair_a: np.ndarray,
    pair_b: np.ndarray,
    start: np.ndarray,
    count: np.ndarray,
    u_a: np.ndarray,
    u_b: np.ndarray,
    tab: tuple[np.ndarray, ...],
    out_w: np.ndarray,
    out_code: np.ndarray,
    out_share: np.ndarray,
) -> None:
    """Record pairs idx[lo..hi-1] (into pair_a, pair_b) compared by name: the best comparison
    over every name row of record pair_a[q] with every one of pair_b[q] (the rows of record r:
    start[r] .. start[r] + count[r] - 1), the first in row order among equal weights, into
    out_w[q] (weight), out_code[q] (level code), out_share[q] (share of the shorter name's
    tokens matched); 0, MISSING, 0 without rows. u_a, u_b: float[3, n_keys], the key
    frequencies of the claims of pair_a and pair_b; tab: KernelTable.arrays().

    One function, without calls on the common path: numba would pass the arrays anew for each
    pair. The rules are those of compare.compare_names."""
    tok, tok_key = tab[T_TOK], tab[T_TOK_KEY]
    direct, nb_sig = tab[T_DIRECT], tab[T_NB_SIG]
    nb_off, nb_id, nb_val = tab[T_NB_OFF], tab[T_NB_ID], tab[T_NB_VAL]
    n_t = tok.shape[1]
    sim = np.zeros((n_t, n_t))
    gain = np.zeros((n_t, n_t))
    dp = np.empty((n_t, n_t))
    fa = np.empty(n_t)
    fb = np.empty(n_t)
    row = np.empty(len(tab[T_KMAX_SAME]) + 1, np.int64)
    for p in range(lo, hi):
        q = idx[p]
        best_w = 0.0
        best_c = MISSING
        best_s = 0.0
        first = True
        for row_a in range(start[pair_a[q]], start[pair_a[q]] + count[pair_a[q]]):
            for row_b in range(start[pair_b[q]], start[pair_b[q]] + count[pair_b[q]]):
                # ---- one pair of name rows: the shorter one is ra, of claim side swap
                ra, rb = row_a, row_b
                # the rows' tokens are their first ntok: counted here, the row being read
                # anyway (one memory access less per row of a table larger than the cache)
                la = 0
                while la < n_t and tok[ra, la] >= 0:
                    la += 1
                lb = 0
                while lb < n_t and tok[rb, lb] >= 0:
                    lb += 1
                swap = la > lb
                if swap:
                    ra, rb = rb, ra
                    la, lb = lb, la
                weight = 0.0
                level = MISSING
                share = 0.0
                if la > 0:
                    # each token's frequency at its position in its own claim
                    for i in range(la):
                        c = 0 if i == 0 else (2 if (i == la - 1 and la > 1) else 1)
                        k = tok_key[tok[ra, i]]
                        fa[i] = u_b[c, k] if swap else u_a[c, k]
                    for j in range(lb):
                        c = 0 if j == 0 else (2 if (j == lb - 1 and lb > 1) else 1)
                        k = tok_key[tok[rb, j]]
                        fb[j] = u_a[c, k] if swap else u_b[c, k]
                    # token similarities and gains (the rows' tokens are their first ntok)
                    fuzzy_any = False
                    for i in range(la):
                        ta = tok[ra, i]
                        for j in range(lb):
                            tb = tok[rb, j]
                            s = 0.0
                            if ta == tb:
                                s = 1.0
                            elif len(direct) and (direct[ta] or direct[tb]):
                                s = _token_sim(ta, tb, tab, row)
                            elif (nb_sig[ta] >> _sig_bit(tb)) & 1:
                                a0 = nb_off[ta]
                                a1 = nb_off[ta + 1]
                                while a0 < a1:
                                    mid = (a0 + a1) >> 1
                                    v = nb_id[mid]
                                    if v == tb:
                                        s = nb_val[mid]
                                        break
                                    if v < tb:
                                        a0 = mid + 1
                                    else:
                                        a1 = mid
                            g = 0.0
                            if s >= TOKEN_MATCH:
                                if s < FUZZY_BELOW:
                                    fuzzy_any = True
                                u = (fa[i] + fb[j]) / 2.0
                                if u < 1e-6:
                                    u = 1e-6
                                w = math.log2(M_TOKEN / u)
                                w = min(max(w, 0.0), MAX_TOKEN_WEIGHT)
                                scale = (s - 0.75) / 0.25
                                scale = min(max(scale, 0.0), 1.0)
                                g = w * scale
                            else:
                                s = 0.0
                            sim[i, j] = s
                            gain[i, j] = g
                    # the given names; a one-word name may be any part of the other name
                    if la == 1:
                        given = 0.0
                        first_matched = False
                        for j in range(lb):
                            if gain[0, j] > given:
                                given = gain[0, j]
                            if sim[0, j] >= TOKEN_MATCH:
                                first_matched = True
                        if not first_matched:
                            given = GIVEN_DIFFERS
                    else:
                        first_matched = sim[0, 0] >= TOKEN_MATCH
                        given = gain[0, 0] if first_matched else GIVEN_DIFFERS
                    # monotone alignment of the shorter name's tokens 1.. into the longer's 1..
                    mono = 0.0
                    if la > 1:
                        for j in range(lb):
                            dp[0, j] = 0.0
                        for i in range(1, la):
                            dp[i, 0] = _NEG
                            for j in range(1, lb):
                                take = dp[i - 1, j - 1] + (
                                    gain[i, j] if sim[i, j] >= TOKEN_MATCH else _NEG
                                )
                                skip_b = dp[i, j - 1]
                                skip_a = dp[i - 1, j - 1] + TOKEN_UNMATCHED
                                v2 = take if take > skip_b else skip_b
                                dp[i, j] = v2 if v2 > skip_a else skip_a
                            dp[i, 0] = dp[i - 1, 0] + TOKEN_UNMATCHED
                        mono = dp[la - 1, lb - 1]
                    # unordered: each of them at its best counterpart
                    unordered = 0.0
                    n_matched = 1 if first_matched else 0
                    for i in range(1, la):
                        b = 0.0
                        for j in range(1, lb):
                            if gain[i, j] > b:
                                b = gain[i, j]
                        if b > 0:
                            unordered += b
                            n_matched += 1
                        else:
                            unordered += TOKEN_UNMATCHED
                    swapped = unordered > mono + 1e-9
                    rest = mono + SWAP_DISCOUNT * (unordered - mono) if swapped else mono
                    weight = given + rest
                    share = n_matched / la
                    if not first_matched:
                        level = DIFFERENT
                    elif la == lb and share >= 1 and not swapped and not fuzzy_any:
                        level = EXACT
                    elif share >= 1 and swapped:
                        level = SWAPPED
                    elif share >= 1 and fuzzy_any:
                        level = FUZZY
                    elif share >= 1:
                        level = CONTAINED
                    else:
                        level = PARTIAL
                # ---- the best pair of rows
                if first or weight > best_w:
                    best_w, best_c, best_s = weight, level, share
                    first = False
        out_w[q] = best_w
        out_code[q] = best_c
        out_share[q] = best_s


# ---------------------------------------------------------------- similar tokens, found once
# A name pair compares up to 36 token pairs and most are unrelated: rather than an edit distance
# for each, the pairs of tokens at TOKEN_MATCH or more are found once per table (`neighbours`)
# and looked up. Tokens within k edits share a string made by deleting at most k characters of
# each ("symmetric deletion"): the strings of every token are hashed and the tokens sharing one
# are the candidates, each checked by _token_sim. A token with too many such strings (a very
# long one) is compared on the fly instead ("direct").

DELETION_BUDGET = 4096  # deletion strings per token above which it is compared on the fly


def deletion_depth(kmax: np.ndarray) -> np.ndarray:
    """int64[len(kmax)]: for each length L, the most deletions a token of length L may need to
    meet a longer one within kmax edits: max kmax[m] over m >= L with m - L <= kmax[m]."""
    out = np.zeros(len(kmax), np.int64)
    for n in range(len(kmax)):
        out[n] = max((int(kmax[m]) for m in range(n, len(kmax)) if m - n <= kmax[m]), default=0)
    return out


def n_deletions(length: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Number of strings made by deleting up to depth[i] of length[i] characters."""
    out = np.zeros(len(length), np.int64)
    for i, (n, k) in enumerate(zip(length.tolist(), depth.tolist(), strict=True)):
        out[i] = sum(math.comb(n, j) for j in range(min(k, n) + 1))
    return out


def _deletion_hashes(
    off: np.ndarray,
    cp: np.ndarray,
    ids: np.ndarray,
    depth: np.ndarray,
    salt: np.ndarray,
    out_h: np.ndarray,
    out_id: np.ndarray,
) -> None:
    """For text ids[q] (cp[off[t]:off[t + 1]]): a hash of every string made by deleting up to
    depth[q] of its characters, with salt[q] (texts of different salts never meet)."""
    pos = 0
    idx = np.empty(64, np.int64)
    for q in range(len(ids)):
        t = ids[q]
        o = off[t]
        n = off[t + 1] - o
        for j in range(min(depth[q], n, 64) + 1):
            for r in range(j):
                idx[r] = r
            while True:
                h = np.int64(salt[q]) * np.int64(-7046029254386353131) + (n - j)
                r = 0
                for p in range(n):
                    if r < j and idx[r] == p:
                        r += 1
                        continue
                    h = (h ^ np.int64(cp[o + p])) * np.int64(1099511628211)
                out_h[pos] = h
                out_id[pos] = t
                pos += 1
                # the next j positions to delete, in lexicographic order
                r = j - 1
                while r >= 0 and idx[r] == n - j + r:
                    r -= 1
                if r < 0:
                    break
                idx[r] += 1
                for s in range(r + 1, j):
                    idx[s] = idx[s - 1] + 1


def _pairs_in_runs(h: np.ndarray, ids: np.ndarray, count_only: bool, out: np.ndarray) -> int:
    """Pairs (a, b), a < b, of ids in runs of equal h (h sorted) into out[k, 0:2]; their count."""
    k = 0
    n = len(h)
    s = 0
    while s < n:
        e = s + 1
        while e < n and h[e] == h[s]:
            e += 1
        for i in range(s, e):
            for j in range(i + 1, e):
                a, b = ids[i], ids[j]
                if a != b:
                    if not count_only:
                        out[k, 0] = min(a, b)
                        out[k, 1] = max(a, b)
                    k += 1
        s = e
    return k


def _check_pairs(pairs: np.ndarray, tab: tuple[np.ndarray, ...], out: np.ndarray) -> None:
    """_token_sim of each candidate pair (rows of pairs) into out."""
    row = np.empty(len(tab[T_KMAX_SAME]) + 1, np.int64)
    for i in range(len(pairs)):
        out[i] = _token_sim(pairs[i, 0], pairs[i, 1], tab, row)


_JITTED = (
    "_similarity",
    "_cross_similarity",
    "_levenshtein_upto",
    "_token_sim",
    "_sig_bit",
    "_deletion_hashes",
    "_pairs_in_runs",
    "_check_pairs",
    "_compare_records",
)
_INLINED = ("_sig_bit",)


def _jit() -> None:
    """Replace the kernel functions of this module by their numba versions (at first use, so
    that importing reconcile does not import numba)."""
    compile_module(globals(), _JITTED, _INLINED)


# ---------------------------------------------------------------- the table the kernel reads

# positions in KernelTable.arrays()
(
    T_NTOK, T_TOK, T_KEY, T_TOK_KEY, T_TOK_ALT, T_TOK_LATIN, T_VOC_OFF, T_VOC_CP, T_KEY_OFF,
    T_KEY_CP, T_KMAX_SAME, T_KMAX_CROSS, T_DIRECT, T_NB_SIG, T_NB_OFF, T_NB_ID, T_NB_VAL,
) = range(17)  # fmt: skip


@dataclass(frozen=True)
class KernelTable:
    """The arrays of a NameTable the kernel reads (reconcile.prepare.NameTable), with the
    similar tokens of each token (neighbours: nb_id[nb_off[t]:nb_off[t + 1]], ascending, with
    their similarities nb_val) and the tokens compared on the fly instead (direct)."""

    rec_start: np.ndarray  # int64[records]: the first row of each record (rows in record order)
    rec_count: np.ndarray  # int64[records]: its number of rows
    ntok: np.ndarray  # int8[rows]
    tok: np.ndarray  # int32[rows, T]
    key: np.ndarray  # int32[rows, T]
    tok_key: np.ndarray  # int32[V]
    tok_alt: np.ndarray  # int32[V]
    tok_latin: np.ndarray  # bool[V]
    vocab: TextArrays
    keys: TextArrays
    kmax_same: np.ndarray  # int64[longest text + 1], max_edits
    kmax_cross: np.ndarray
    direct: np.ndarray  # bool[V], or bool[0] when no token is direct
    nb_sig: np.ndarray  # int64[V]: bit _sig_bit(b) set for each neighbour b of the token
    nb_off: np.ndarray  # int64[V + 1]
    nb_id: np.ndarray  # int32[n]
    nb_val: np.ndarray  # float64[n]

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays the kernels take, in the order of the T_ positions."""
        return (
            self.ntok, self.tok, self.key, self.tok_key, self.tok_alt, self.tok_latin,
            self.vocab.off, self.vocab.cp, self.keys.off, self.keys.cp,
            self.kmax_same, self.kmax_cross, self.direct, self.nb_sig, self.nb_off, self.nb_id,
            self.nb_val,
        )  # fmt: skip


def kernel_table(table: Any) -> KernelTable:
    """The KernelTable of a NameTable, made once and kept on it."""
    cached: KernelTable | None = table.__dict__.get("_kernel_table")
    if cached is None:
        n_t = table.tok.shape[1]
        packed = (table.tok >= 0) == (np.arange(n_t)[None, :] < table.ntok[:, None])
        if not packed.all():
            raise ValueError("the name table's tokens are not its rows' first ntok cells")
        rec = np.asarray(table.rec, np.int64)
        if len(rec) > 1 and bool((rec[1:] < rec[:-1]).any()):
            raise ValueError("the name table's rows are not in record order")
        rec_count = np.bincount(rec, minlength=int(rec.max(initial=-1)) + 1).astype(np.int64)
        rec_start = np.zeros(len(rec_count), np.int64)
        np.cumsum(rec_count[:-1], out=rec_start[1:])
        _jit()
        vocab = text_arrays(list(table.vocab))
        keys = text_arrays(list(table.keys))
        same, cross = max_edits(max(vocab.max_len, keys.max_len))
        v = len(table.vocab)
        empty = KernelTable(
            rec_start=rec_start,
            rec_count=rec_count,
            ntok=np.ascontiguousarray(table.ntok),
            tok=np.ascontiguousarray(table.tok),
            key=np.ascontiguousarray(table.key),
            tok_key=np.ascontiguousarray(table.tok_key),
            tok_alt=np.ascontiguousarray(table.tok_alt),
            tok_latin=np.ascontiguousarray(table.tok_latin, dtype=bool),
            vocab=vocab,
            keys=keys,
            kmax_same=same,
            kmax_cross=cross,
            direct=np.ones(v, bool),
            nb_sig=np.zeros(v, np.int64),
            nb_off=np.zeros(v + 1, np.int64),
            nb_id=np.zeros(0, np.int32),
            nb_val=np.zeros(0),
        )
        cached = _with_neighbours(empty)
        table.__dict__["_kernel_table"] = cached
    return cached


def _with_neighbours(kt: KernelTable) -> KernelTable:
    """kt with its neighbour lists: every pair of tokens (not direct) whose similarity reaches
    TOKEN_MATCH, found by symmetric deletion (same script: texts; across: keys), equal keys
    across scripts and the Abu / compound particle rule, each checked by _token_sim."""
    v = len(kt.tok_key)
    len_t = np.diff(kt.vocab.off)
    len_k = np.diff(kt.keys.off)
    depth_same = deletion_depth(kt.kmax_same)
    depth_cross = deletion_depth(kt.kmax_cross)
    dep_t = depth_same[len_t]
    dep_k = depth_cross[len_k][kt.tok_key] if v else np.zeros(0, np.int64)
    direct = (n_deletions(len_t, dep_t) > DELETION_BUDGET) | (
        n_deletions(len_k[kt.tok_key], dep_k) > DELETION_BUDGET
    )
    ok = np.flatnonzero(~direct)
    latin = kt.tok_latin.astype(np.int64)
    cands = [
        # the same script: texts within a few edits
        _deletion_pairs(kt.vocab, ok[dep_t[ok] > 0], dep_t, latin),
    ]
    # across scripts: equal keys, keys within a few edits; any script: the particle rule
    tk = pd.DataFrame({"t": ok, "k": kt.tok_key[ok], "latin": kt.tok_latin[ok]})
    kids = unique_sorted(kt.tok_key[ok])
    kp = _deletion_pairs(
        kt.keys,
        kids[depth_cross[len_k[kids]] > 0],
        depth_cross[len_k],
        np.zeros(len(len_k), np.int64),
    )
    keypairs = pd.DataFrame(
        {
            "k": np.concatenate([kp[:, 0], kp[:, 1], kids]),
            "k2": np.concatenate([kp[:, 1], kp[:, 0], kids]),
        }
    )
    across = keypairs.merge(tk, on="k").merge(
        tk.rename(columns={"t": "t2", "k": "k2", "latin": "latin2"}), on="k2"
    )
    across = across[across["latin"] != across["latin2"]]
    cands.append(across[["t", "t2"]].to_numpy(np.int64))
    alt = pd.DataFrame({"t": ok, "k2": kt.tok_alt[ok]})
    part = alt[alt["k2"] >= 0].merge(tk.rename(columns={"t": "t2", "k": "k2"}), on="k2")
    cands.append(part[["t", "t2"]].to_numpy(np.int64))
    pairs = np.concatenate([c.reshape(-1, 2) for c in cands])
    pairs = np.sort(pairs, axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    code = unique_sorted(pairs[:, 0] * max(v, 1) + pairs[:, 1])
    pairs = np.stack([code // max(v, 1), code % max(v, 1)], axis=1)
    sims = np.zeros(len(pairs))
    if len(pairs):
        _check_pairs(np.ascontiguousarray(pairs), kt.arrays(), sims)
    keep = sims >= TOKEN_MATCH
    a = np.concatenate([pairs[keep, 0], pairs[keep, 1]])
    b = np.concatenate([pairs[keep, 1], pairs[keep, 0]])
    val = np.concatenate([sims[keep], sims[keep]])
    order = np.lexsort((b, a))
    off = np.zeros(v + 1, np.int64)
    np.cumsum(np.bincount(a, minlength=v), out=off[1:])
    sig = np.zeros(v, np.uint64)
    np.bitwise_or.at(sig, a, np.left_shift(np.uint64(1), _sig_bits(b).astype(np.uint64)))
    return replace(
        kt,
        direct=direct if direct.any() else np.zeros(0, bool),
        nb_sig=sig.view(np.int64),
        nb_off=off,
        nb_id=b[order].astype(np.int32),
        nb_val=val[order],
    )


def _sig_bits(t: np.ndarray) -> np.ndarray:
    """_sig_bit of token ids, vectorised."""
    t = t.astype(np.int64)
    return (t ^ (t >> 6) ^ (t >> 12)) & 63


def _deletion_pairs(
    texts: TextArrays, ids: np.ndarray, depth: np.ndarray, salt: np.ndarray
) -> np.ndarray:
    """int64[k, 2]: pairs (a < b) of ids sharing a string made by deleting up to depth[t] of the
    characters of text t (t in ids), salt[t] apart."""
    if len(ids) == 0:
        return np.zeros((0, 2), np.int64)
    ids = ids.astype(np.int64)
    dep = depth[ids].astype(np.int64)
    total = int(n_deletions(np.diff(texts.off)[ids], dep).sum())
    h = np.empty(total, np.int64)
    owner = np.empty(total, np.int64)
    _deletion_hashes(texts.off, texts.cp, ids, dep, salt[ids].astype(np.int64), h, owner)
    order = np.argsort(h, kind="stable")
    h, owner = h[order], owner[order]
    # runs of one hash say nothing
    shared = np.zeros(len(h), bool)
    shared[1:] = h[1:] == h[:-1]
    shared[:-1] |= shared[1:]
    h, owner = h[shared], owner[shared]
    out = np.empty((0, 2), np.int64)
    n = _pairs_in_runs(h, owner, True, out)
    out = np.empty((n, 2), np.int64)
    _pairs_in_runs(h, owner, False, out)
    return out


PARALLEL_FROM = 20_000  # pairs from which the work is shared among threads


def _threads(workers: int) -> int:
    """Threads for `workers` (-1 or 0: every core this process may use)."""
    if workers > 0:
        return workers
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run(name: str, n: int, workers: int, *args: Any) -> None:
    """kernel(lo, hi, *args) over 0..n, in slices run by threads (the kernel releases the GIL).
    name: the kernel's name in _JITTED (compiled first if need be)."""
    _jit()
    kernel = globals()[name]
    k = min(_threads(workers), max(n // (PARALLEL_FROM // 2), 1))
    if k <= 1:
        kernel(0, n, *args)
        return
    bounds = np.linspace(0, n, k + 1).astype(np.int64).tolist()
    with ThreadPoolExecutor(k) as pool:
        done = [pool.submit(kernel, lo, hi, *args) for lo, hi in itertools.pairwise(bounds)]
        for f in done:
            f.result()


def compare_rows(
    kt: KernelTable,
    rows_a: np.ndarray,
    rows_b: np.ndarray,
    u_a: np.ndarray,
    u_b: np.ndarray,
    workers: int = -1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weight float[n], level code int8[n], share float[n]) of name rows pairwise; u_a, u_b:
    float[3, n_keys], the key frequencies of the claims of rows_a and rows_b."""
    n = len(rows_a)
    out = (np.zeros(n), np.zeros(n, np.int8), np.zeros(n))
    # each row a record of one row
    rows = np.arange(len(kt.ntok), dtype=np.int64)
    best_of_records(
        kt, np.arange(n), rows_a, rows_b, rows, np.ones_like(rows), u_a, u_b, out, workers
    )
    return out


def best_of_records(
    kt: KernelTable,
    idx: np.ndarray,
    pair_a: np.ndarray,
    pair_b: np.ndarray,
    start: np.ndarray,
    count: np.ndarray,
    u_a: np.ndarray,
    u_b: np.ndarray,
    out: tuple[np.ndarray, np.ndarray, np.ndarray],
    workers: int = -1,
) -> None:
    """The best comparison over the name rows of record pairs idx (into pair_a, pair_b; all of
    one claim pair, u_a and u_b; the rows of record r: start[r] .. start[r] + count[r] - 1)
    into out = (weight, level code, share) at idx (_compare_records)."""
    if len(idx):
        _run(
            "_compare_records",
            len(idx),
            workers,
            np.ascontiguousarray(idx, np.int64),
            np.ascontiguousarray(pair_a, np.int64),
            np.ascontiguousarray(pair_b, np.int64),
            np.ascontiguousarray(start, np.int64),
            np.ascontiguousarray(count, np.int64),
            np.ascontiguousarray(u_a, np.float64),
            np.ascontiguousarray(u_b, np.float64),
            kt.arrays(),
            *out,
        )
