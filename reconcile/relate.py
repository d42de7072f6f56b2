"""Relations between records of one claim: kinship targets ("wife of Qardash") and group context.

`resolve_targets` finds the record a kinship relation points to; `relation_by_person` refines the
relation level of a pair by the persons the two targets belong to; `context_bonus` adds bits to a
pair whose group (household) also matches strongly elsewhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from reconcile import names
from reconcile.prepare import FILLER_TOKENS, Prepared
from reconcile.score import CONTEXT_BITS, CONTEXT_MAX

TARGET_SEARCH_CAP = 5_000  # name rows searched for one relation target outside its group


def resolve_targets(p: Prepared) -> np.ndarray:
    """For each record with a relation ("wife of Qardash"), the record of the same claim that the
    relation points to (the best name match for "Qardash", token set similarity >= 90), or -1.

    The record's own group (household) is searched first, then the whole claim through the
    rarest word of the target's name; a target whose every word is too common to search
    (more than TARGET_SEARCH_CAP names) stays unresolved."""
    target = np.full(len(p.records), -1, dtype=np.int64)
    rel_to = p.cols["relation_to"]
    t = p.table
    vocab_id: dict[str, int] | None = None
    for code in range(len(p.claim_ids)):
        in_claim = p.claim_code == code
        ask = np.flatnonzero(in_claim & (rel_to != ""))
        if len(ask) == 0:
            continue
        rows = np.flatnonzero(in_claim[t.rec])
        if len(rows) == 0:
            continue
        if vocab_id is None:
            vocab_id = {w: i for i, w in enumerate(t.vocab)}
        names_ = _NameRows(p, rows)
        cache: dict[tuple[str, str], int] = {}
        for rec in ask:
            text, group = str(rel_to[rec]), str(p.group[rec])
            key = (group, text)
            if key not in cache:
                cache[key] = _find_target(text, group, names_, vocab_id)
            target[rec] = cache[key]
    target[target == np.arange(len(target))] = -1
    return target


class _NameRows:
    """The name rows of one claim (rows of the name table, in order) indexed by token and by
    group, with their text (tokens joined by a space)."""

    def __init__(self, p: Prepared, rows: np.ndarray) -> None:
        t = p.table
        self.rows = rows
        self.rec_of_row = t.rec
        tok = t.tok[rows]
        at_row, at_col = np.nonzero(tok >= 0)  # row by row, tokens in order
        tokens = tok[at_row, at_col].astype(np.int64)
        # postings: the rows holding each token, in row order (a row once per occurrence)
        order = np.argsort(tokens, kind="stable")
        self.post_rows = rows[at_row[order]]
        self.post_tok, self.post_start, self.post_len = np.unique(
            tokens[order], return_index=True, return_counts=True
        )
        # text of each row: its tokens joined by a space
        vocab = pa.array(t.vocab, type=pa.large_string())
        per_row = np.bincount(at_row, minlength=len(rows))
        offsets = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64)
        words = pa.LargeListArray.from_arrays(pa.array(offsets), vocab.take(pa.array(tokens)))
        self.text = pc.binary_join(words, pa.scalar(" ", pa.large_string()))
        self.pos = np.full(len(t.rec), -1, np.int64)
        self.pos[rows] = np.arange(len(rows))
        # groups: the rows of each (non-empty) group, in row order
        group = p.group[t.rec[rows]]
        codes, uniques = pd.factorize(group)
        named = np.flatnonzero(group != "")
        by = named[np.argsort(codes[named], kind="stable")]
        self.group_rows = rows[by]
        starts = np.flatnonzero(np.r_[True, codes[by][1:] != codes[by][:-1]])[: len(by)]
        ends = np.r_[starts[1:], len(by)][: len(by)]
        self.group_span = {
            str(uniques[codes[by[s]]]): (int(s), int(e))
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
        }

    def in_group(self, group: str) -> np.ndarray:
        s, e = self.group_span.get(group, (0, 0))
        return self.group_rows[s:e]

    def posting(self, token: int) -> np.ndarray | None:
        at = int(np.searchsorted(self.post_tok, token))
        if at == len(self.post_tok) or self.post_tok[at] != token:
            return None
        s = int(self.post_start[at])
        return self.post_rows[s : s + int(self.post_len[at])]

    def texts(self, pool: np.ndarray) -> list[str]:
        return self.text.take(pa.array(self.pos[pool])).to_pylist()


def _find_target(text: str, group: str, rows: _NameRows, vocab_id: dict[str, int]) -> int:
    words = [w for w in names.name_tokens(text) if w not in FILLER_TOKENS]
    if not words:
        return -1
    query = " ".join(words)
    pools = [rows.in_group(group)]
    postings = [rows.posting(vocab_id[w]) for w in words if w in vocab_id]
    found = [x for x in postings if x is not None]
    if found:
        rarest = min(found, key=len)
        if len(rarest) <= TARGET_SEARCH_CAP:
            pools.append(rarest)
    for pool in pools:
        if not len(pool):
            continue
        hit = process.extractOne(
            query, rows.texts(pool), scorer=fuzz.token_set_ratio, score_cutoff=90
        )
        if hit is not None:
            return int(rows.rec_of_row[pool[hit[2]]])
    return -1


def relation_by_person(
    level: np.ndarray, ra: np.ndarray, rb: np.ndarray, target: np.ndarray, person: np.ndarray
) -> np.ndarray:
    """Relation levels refined by who the relations point to: the same kinship term to records
    of one person is `same`; to records of two different persons, `differs`."""
    out = level.copy()
    ta, tb = target[ra], target[rb]
    both = np.isin(level, ["term", "same", "unsure"]) & (ta >= 0) & (tb >= 0)
    same_person = both & (person[np.maximum(ta, 0)] == person[np.maximum(tb, 0)])
    out[same_person] = "same"
    out[both & ~same_person] = "differs"
    return out


def context_bonus(
    p: Prepared, ra: np.ndarray, rb: np.ndarray, base: np.ndarray, threshold: float
) -> np.ndarray:
    """Bits added to a pair for each other member of its group that strongly matches a member of
    the candidate's group (a family listed together in both claims)."""
    bonus = np.zeros(len(ra))
    if len(ra) == 0:
        return bonus
    strong = base >= threshold
    group, context = _codes(p.group), _codes(p.context)
    n_context = int(context.max(initial=-1)) + 2
    n = len(p.records)
    for x, y in ((ra, rb), (rb, ra)):
        gx, cy = group[x], context[y]
        at = np.flatnonzero((gx >= 0) & (cy >= 0))
        if not len(at):
            continue
        # key: (group of x, context of y); member: (key, x); counted when strongly matched
        key = pd.factorize(gx[at] * n_context + cy[at])[0]
        member = pd.factorize(key.astype(np.int64) * n + x[at])[0]
        strong_member = np.bincount(member, weights=strong[at]) > 0
        key_of = np.zeros(len(strong_member), np.int64)
        key_of[member] = key
        count = np.bincount(key_of[strong_member], minlength=int(key.max()) + 1).astype(float)
        others = np.zeros(len(ra))
        others[at] = count[key] - strong_member[member]
        bonus = np.maximum(bonus, np.minimum(others * CONTEXT_BITS, CONTEXT_MAX))
    return bonus


def _codes(labels: np.ndarray) -> np.ndarray:
    """An integer per distinct label, -1 for the empty label."""
    codes, _ = pd.factorize(labels)
    return np.where(labels == "", -1, codes).astype(np.int64)
