"""Relations between records of one claim: kinship targets ("wife of Qardash") and group context.

`resolve_targets` finds the record a kinship relation points to; `relation_by_person` refines the
relation level of a pair by the persons the two targets belong to; `context_bonus` adds bits to a
pair whose group (household) also matches strongly elsewhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
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
    for code in range(len(p.claim_ids)):
        in_claim = p.claim_code == code
        ask = np.flatnonzero(in_claim & (rel_to != ""))
        if len(ask) == 0:
            continue
        rows = np.flatnonzero(in_claim[t.rec])
        if len(rows) == 0:
            continue
        text_of = {int(r): " ".join(t.vocab[i] for i in t.tok[r] if i >= 0) for r in rows}
        by_token: dict[int, list[int]] = {}
        by_group: dict[str, list[int]] = {}
        for r in rows:
            for tok in t.tok[r]:
                if tok >= 0:
                    by_token.setdefault(int(tok), []).append(int(r))
            g = p.group[t.rec[r]]
            if g:
                by_group.setdefault(g, []).append(int(r))
        vocab_id = {w: i for i, w in enumerate(t.vocab)}
        cache: dict[tuple[str, str], int] = {}
        for rec in ask:
            text, group = str(rel_to[rec]), str(p.group[rec])
            key = (group, text)
            if key not in cache:
                cache[key] = _find_target(
                    text, by_group.get(group, []), by_token, vocab_id, text_of, t.rec
                )
            target[rec] = cache[key]
    target[target == np.arange(len(target))] = -1
    return target


def _find_target(
    text: str,
    group_rows: list[int],
    by_token: dict[int, list[int]],
    vocab_id: dict[str, int],
    text_of: dict[int, str],
    rec_of_row: np.ndarray,
) -> int:
    words = [w for w in names.name_tokens(text) if w not in FILLER_TOKENS]
    if not words:
        return -1
    query = " ".join(words)
    pools = [group_rows]
    postings = [by_token[vocab_id[w]] for w in words if w in vocab_id and vocab_id[w] in by_token]
    if postings:
        rarest = min(postings, key=len)
        if len(rarest) <= TARGET_SEARCH_CAP:
            pools.append(rarest)
    for pool in pools:
        if not pool:
            continue
        hit = process.extractOne(
            query, [text_of[r] for r in pool], scorer=fuzz.token_set_ratio, score_cutoff=90
        )
        if hit is not None:
            return int(rec_of_row[pool[hit[2]]])
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
    strong = base >= threshold
    for x, y in ((ra, rb), (rb, ra)):
        gx = p.group[x]
        cy = p.context[y]
        ok = (gx != "") & (cy != "")
        if not ok.any():
            continue
        s = pd.DataFrame({"g": gx[strong & ok], "c": cy[strong & ok], "x": x[strong & ok]})
        s = s.drop_duplicates()
        n_members = s.groupby(["g", "c"])["x"].nunique()
        q = pd.DataFrame({"g": gx, "c": cy, "x": x})
        cnt = q.join(n_members.rename("n"), on=["g", "c"])["n"].fillna(0).to_numpy()
        self_in = q.merge(s.assign(me=1), on=["g", "c", "x"], how="left")["me"].fillna(0)
        others = np.where(ok, cnt - self_in.to_numpy(), 0)
        bonus = np.maximum(bonus, np.minimum(others * CONTEXT_BITS, CONTEXT_MAX))
    return bonus
