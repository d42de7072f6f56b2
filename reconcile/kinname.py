"""Kinship-only rows ("ابن نزار الوطاعة", son of Nazar al-Wata'a) against named records.

A list often names a child only through a parent: "son of X Y". The child's own name, in another
list, holds the father's given name second and the family name last (given, father, grandfather,
..., family). Such a row is compared with the named records of the other claim whose father and
family names are those of the description, and of the sex the kinship word says:

- `kin_keys(p)`: each kinship-only child row's (father key, family key, sex), from its
  relation_to tokenised as names are;
- `kin_pairs(p, kin, idx_a, idx_b)`: candidate pairs, a block per (father, family, sex), blocks
  larger than MAX_BLOCK pairs left out as blocking does;
- `kin_names(p, kin, ra, rb, ...)`: the name weight and level of pairs of a kinship row and a
  named record whose father and family keys are the description's: the two tokens' weights, as
  the name comparison gives an agreeing token (reconcile.namekernel), at level `kinship`. The
  given name is not known, so it neither adds nor takes away evidence.

Spouses ("wife of X Y") are not matched this way: a wife's own name does not hold her husband's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from reconcile import names
from reconcile.arrays import unique_sorted
from reconcile.candidates import MAX_BLOCK, _join, sex_code
from reconcile.namekernel import M_TOKEN, MAX_TOKEN_WEIGHT
from reconcile.prepare import Prepared, _tokens_of

CHILD_TERMS = {"son": 1, "daughter": 0, "child": 2}  # term -> sex code (2: not said)
KIN_LEVEL = "kinship"  # the name level of such a pair (reconcile.compare.NAME_LEVELS)
FATHER, FAMILY = 1, 2  # position classes of key_frequency: middle names, family name


@dataclass
class KinKeys:
    """The kinship-only child rows of a case: record positions and their description's keys."""

    rec: np.ndarray  # int64[k] record positions, ascending
    father: np.ndarray  # int64[k] key id of the parent's given name (-1: not a known key)
    family: np.ndarray  # int64[k] key id of the family name (-1: not a known key)
    sex: np.ndarray  # int8[k] sex code of the child (0 female, 1 male, 2 not said)
    row: np.ndarray  # int64[n_records]: each record's row here, -1 when not a kinship row
    codes: np.ndarray  # int64, sorted: the distinct (father, family) codes of the names
    parents: np.ndarray  # int64, sorted: record * (len(codes) + 1) + position in codes of every
    # name row with a father and a family name (_parent_codes): what kin_names looks pairs up in


def _kin_keys(
    p: Prepared, rec: np.ndarray, father: np.ndarray, family: np.ndarray, sex: np.ndarray
) -> KinKeys:
    """KinKeys of these rows, with what comparing them reads made once for the whole case."""
    row = np.full(len(p.named), -1, np.int64)
    row[rec] = np.arange(len(rec))
    codes = parents = np.zeros(0, np.int64)
    if len(rec):
        named, code = _parent_codes(p, np.flatnonzero(p.named), sexed=False)
        codes = unique_sorted(code)
        parents = np.sort(named * (len(codes) + 1) + np.searchsorted(codes, code))
    return KinKeys(rec, father, family, sex, row, codes, parents)


def kin_keys(p: Prepared) -> KinKeys:
    """The kinship-only rows whose term is a child's (son, daughter, child) and whose relation_to
    has at least two name parts: the first is the parent's given name, the last the family."""
    recs = p.records
    empty = np.zeros(0, np.int64)
    if "name_is_relation" not in recs or "relation_term" not in recs or "relation_to" not in recs:
        return _kin_keys(p, empty, empty, empty, np.zeros(0, np.int8))
    term = p.cols["relation_term"]
    kin = recs["name_is_relation"].fillna(False).to_numpy(dtype=bool) & ~p.named
    kin &= np.isin(term, list(CHILD_TERMS)) & (p.cols["relation_to"] != "")
    rec = np.flatnonzero(kin)
    if not len(rec):
        return _kin_keys(p, empty, empty, empty, np.zeros(0, np.int8))
    texts = pa.array([str(t) for t in p.cols["relation_to"][rec]], pa.large_string())
    text_of_row, rows, cats = _tokens_of(texts)
    first_row = np.flatnonzero(np.r_[True, text_of_row[1:] != text_of_row[:-1]])
    text_of_row, rows = text_of_row[first_row], rows[first_row]  # each text's first variant
    key_id = {k: i for i, k in enumerate(p.table.keys)}
    token_key = np.array(
        [key_id.get(names.token_key(str(t)) or str(t), -1) for t in cats] + [-1], np.int64
    )
    keys = token_key[rows]  # -1 padding maps to the appended -1
    n_tok = (rows >= 0).sum(axis=1)
    father = np.full(len(rec), -1, np.int64)
    family = np.full(len(rec), -1, np.int64)
    two = n_tok >= 2
    father[text_of_row[two]] = keys[two, 0]
    family[text_of_row[two]] = keys[two][np.arange(int(two.sum())), n_tok[two] - 1]
    sex_of_term = np.array([CHILD_TERMS[str(t)] for t in term[rec]], np.int8)
    stated = sex_code(p.cols["sex"][rec])
    sex = np.where(stated < 2, stated, sex_of_term).astype(np.int8)
    ok = (father >= 0) & (family >= 0)
    return _kin_keys(p, rec[ok], father[ok], family[ok], sex[ok])


def _parent_codes(p: Prepared, idx: np.ndarray, sexed: bool) -> tuple[np.ndarray, np.ndarray]:
    """(record, code) of every name row of records idx with a father and a family name (three
    parts or more): the code of (father key, family key[, sex])."""
    t = p.table
    rows = np.flatnonzero(np.isin(t.rec, idx) & (t.ntok >= 3))
    father = t.key[rows, 1].astype(np.int64)
    family = t.key[rows, t.ntok[rows].astype(np.int64) - 1].astype(np.int64)
    code = father * (len(t.keys) + 1) + family
    if sexed:
        code = code * 3 + sex_code(p.cols["sex"][t.rec[rows]])
    return t.rec[rows].astype(np.int64), code


def kin_pairs(
    p: Prepared, kin: KinKeys, idx_a: np.ndarray, idx_b: np.ndarray, max_block: int = MAX_BLOCK
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (record of idx_a, record of idx_b), sorted, between the kinship rows of
    one claim and the named records of the other sharing the description's father, family name
    and sex (a child whose sex is not said meets both)."""
    n_rec = len(p.named)
    base = len(p.table.keys) + 1
    found = []
    for kin_side, named_side, flip in ((idx_a, idx_b, False), (idx_b, idx_a, True)):
        mine = np.isin(kin.rec, kin_side)
        if not mine.any():
            continue
        rec, code = _parent_codes(p, named_side, sexed=True)
        k_rec, k_sex = kin.rec[mine], kin.sex[mine]
        k_code = kin.father[mine] * base + kin.family[mine]
        # a child meets records of its sex (either, when not said) and records of no stated sex
        parts = [
            (k_rec[(k_sex == s) | (k_sex == 2)], k_code[(k_sex == s) | (k_sex == 2)] * 3 + s)
            for s in (0, 1)
        ]
        parts.append((k_rec, k_code * 3 + 2))
        kin_keyed = (
            np.concatenate([r for r, _ in parts]),
            np.concatenate([c for _, c in parts]),
        )
        pairs, _, _ = _join(kin_keyed, (rec, code), max_block, n_rec)
        x, y = pairs // n_rec, pairs % n_rec  # (kinship row, named record)
        found.append(y * n_rec + x if flip else x * n_rec + y)
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    code = unique_sorted(np.concatenate(found))
    return code // n_rec, code % n_rec


def kin_names(
    p: Prepared,
    kin: KinKeys,
    ra: np.ndarray,
    rb: np.ndarray,
    weight: np.ndarray,
    level: np.ndarray,
    kin_code: int,
) -> None:
    """For pairs (ra[i], rb[i]) of a kinship row and a named record (any name row) whose father
    and family keys are the description's: weight[i] and level[i] (in place) become the two
    tokens' weight and kin_code. Pairs of any other kind are left as they are."""
    if not len(kin.rec) or not len(ra):
        return
    base = len(p.table.keys) + 1
    for kin_side, other in ((ra, rb), (rb, ra)):
        at = np.flatnonzero((kin.row[kin_side] >= 0) & p.named[other])
        if not len(at):
            continue
        k = kin.row[kin_side[at]]
        code = kin.father[k] * base + kin.family[k]
        pos = np.searchsorted(kin.codes, code)
        known = pos < len(kin.codes)
        known[known] = kin.codes[pos[known]] == code[known]
        pos[~known] = len(kin.codes)  # a code no name has: meets no parent row
        want = other[at].astype(np.int64) * (len(kin.codes) + 1) + pos
        found = np.minimum(np.searchsorted(kin.parents, want), max(len(kin.parents) - 1, 0))
        hit = kin.parents[found] == want if len(kin.parents) else np.zeros(len(want), bool)
        if not hit.any():
            continue
        at, k = at[hit], k[hit]
        cc_kin, cc_other = p.claim_code[kin_side[at]], p.claim_code[other[at]]
        w = np.zeros(len(at))
        for cls, key in ((FATHER, kin.father[k]), (FAMILY, kin.family[k])):
            u = (_frequency(p, cc_kin, cls, key) + _frequency(p, cc_other, cls, key)) / 2.0
            w += np.clip(np.log2(M_TOKEN / np.maximum(u, 1e-6)), 0.0, MAX_TOKEN_WEIGHT)
        weight[at] = w
        level[at] = kin_code


def _frequency(p: Prepared, claims: np.ndarray, cls: int, key: np.ndarray) -> np.ndarray:
    """The share of each claim's records with the key at that position class (key_frequency)."""
    out = np.zeros(len(key))
    for c in unique_sorted(claims).tolist():
        sel = claims == c
        out[sel] = p.u_of_claim[int(c)][cls][key[sel]]
    return out
