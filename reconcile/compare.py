"""Compare the names of candidate pairs: a weight and a level per pair, over every name variant.

Names are compared by aligning the shorter name into the longer one, in order (given, father,
grandfather, family), token by token, with each agreeing token weighted by how rare it is (a
shared rare family name says more than a shared Mohammed); the compiled kernel is in
`reconcile.namekernel`. The other fields get their levels in `reconcile.levels`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reconcile import namekernel
from reconcile.namekernel import (  # noqa: F401 (the name rules' constants, kept here too)
    GIVEN_DIFFERS,
    M_TOKEN,
    MAX_TOKEN_WEIGHT,
    SWAP_DISCOUNT,
    TOKEN_MATCH,
    TOKEN_UNMATCHED,
)
from reconcile.prepare import NameTable

# the kernel's levels, then `kinship` (a kinship-only row's description agreeing with a name's
# father and family: reconcile.kinname)
NAME_LEVELS = (
    "missing",
    "different",
    "partial",
    "swapped",
    "fuzzy",
    "contained",
    "exact",
    "kinship",
)
_LEVEL_OBJECTS = np.asarray(NAME_LEVELS, dtype=object)


@dataclass
class NameComparison:
    """Name comparison of pairs: weight, level and share of the shorter name's tokens matched.

    code: int8[n_pairs], the level as its index into NAME_LEVELS; level: the same as an object
    array whose cells share the NAME_LEVELS strings."""

    weight: np.ndarray  # float[n_pairs]
    level: np.ndarray  # object[n_pairs], one of NAME_LEVELS
    sim: np.ndarray  # float[n_pairs]: share of the shorter name's tokens matched
    code: np.ndarray  # int8[n_pairs]: index of the level in NAME_LEVELS


def _comparison(weight: np.ndarray, code: np.ndarray, share: np.ndarray) -> NameComparison:
    return NameComparison(weight, _LEVEL_OBJECTS[code], share, code)


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
    log2(m / u), u the mean of the two tokens' frequencies at their positions.

    The shorter name (its tokens: given, father, ..., family) is aligned into the longer one:
    - tokens agree from a similarity of TOKEN_MATCH: 1 when equal; same script: Levenshtein
      similarity of the texts; across scripts: 0.95 on equal cross-script keys, else 0.9 x the
      keys' similarity from 0.75; at least 0.88 when one is the other with a leading Abu or
      without the second part of a compound given name (نور / نورالدين). An agreeing token
      gains its weight scaled by the similarity (from 0.75 up to 1).
    - the given names must agree (else GIVEN_DIFFERS); a one-word name may agree with any part
      of the other name;
    - the other tokens align in order (TOKEN_UNMATCHED for each left without a counterpart);
      when each at its best counterpart in any order weighs more, that alignment counts with
      SWAP_DISCOUNT of the difference (level swapped).
    Levels: missing (a name empty), different (given names disagree), partial, contained (every
    token of the shorter name agrees), fuzzy (... some not exactly), swapped, exact.
    The work is done pair by pair by the compiled `reconcile.namekernel`."""
    w, code, share = namekernel.compare_rows(
        namekernel.kernel_table(table), rows_a, rows_b, u_a, u_b, workers
    )
    return _comparison(w, code, share)


def best_name_comparison(
    table: NameTable,
    pair_a: np.ndarray,
    pair_b: np.ndarray,
    u_of_claim: dict[int, np.ndarray],
    claim_code: np.ndarray,
    workers: int = -1,
) -> NameComparison:
    """Best comparison over every name variant of each record pair (name, name_alt, alias):
    the highest weight, the first in variant order (variant_pairs) among equal weights;
    weight 0, level missing, share 0 for a pair with a record without a name row."""
    n = len(pair_a)
    out = (np.zeros(n), np.zeros(n, np.int8), np.zeros(n))
    if n == 0 or len(table.rec) == 0:
        return _comparison(out[0], out[1], out[2])
    kt = namekernel.kernel_table(table)  # checks that the rows are in record order
    start, count = kt.rec_start, kt.rec_count
    top = int(max(pair_a.max(), pair_b.max())) + 1
    if top > len(count):  # records after the last one with a name
        start = np.concatenate([start, np.zeros(top - len(count), np.int64)])
        count = np.concatenate([count, np.zeros(top - len(count), np.int64)])
    # u depends on the two claims: process each claim pair's record pairs together
    ca = claim_code[pair_a].astype(np.int64)
    cb = claim_code[pair_b].astype(np.int64)
    combo = ca * (int(max(ca.max(), cb.max())) + 1) + cb
    first = int(combo[0])
    if bool((combo == first).all()):
        groups = [np.arange(n)]
    else:
        order = np.argsort(combo, kind="stable")
        cuts = np.flatnonzero(np.diff(combo[order])) + 1
        groups = np.split(order, cuts)
    for idx in groups:
        i0 = idx[0]
        namekernel.best_of_records(
            kt,
            idx,
            pair_a,
            pair_b,
            start,
            count,
            u_of_claim[int(ca[i0])],
            u_of_claim[int(cb[i0])],
            out,
            workers,
        )
    return _comparison(out[0], out[1], out[2])


def _record_rows(
    table: NameTable, pair_a: np.ndarray, pair_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(first row, number of rows) in the table of each record up to the largest in the pairs.

    The table's rows are grouped by record (name_table builds them in record order)."""
    if len(table.rec) > 1 and bool((table.rec[1:] < table.rec[:-1]).any()):
        raise ValueError("the name table's rows are not in record order")
    n_rec = int(max(pair_a.max(initial=-1), pair_b.max(initial=-1), table.rec.max(initial=-1))) + 1
    counts = np.bincount(table.rec, minlength=n_rec)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return start.astype(np.int64), counts.astype(np.int64)


def variant_pairs(
    table: NameTable, pair_a: np.ndarray, pair_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (name row of a, name row of b) for each record pair: (row_a, row_b, pair index),
    in variant order (a's rows, then b's).

    The table's rows are grouped by record (name_table builds them in record order)."""
    start, counts = _record_rows(table, pair_a, pair_b)
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
    """compare_names in chunks of pairs (the same result as one call; the compiled kernel
    needs no working memory per pair, so chunks only bound the size of each call)."""
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
        np.concatenate([p.code for p in parts]),
    )
