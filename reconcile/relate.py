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
from reconcile.arrays import runs, unique_sorted
from reconcile.levels import LEVELS
from reconcile.pairkernel import other_members
from reconcile.prepare import FILLER_TOKENS, Prepared
from reconcile.score import CONTEXT_BITS, CONTEXT_MAX

TARGET_SEARCH_CAP = 5_000  # name rows searched for one relation target outside its group


def resolve_targets(p: Prepared) -> np.ndarray:
    """For each record with a relation ("wife of Qardash"), the record of the same claim that the
    relation points to (the best name match for "Qardash", token set similarity >= 90), or -1.

    The record's own group (household) is searched first, then the whole claim through the
    rarest word of the target's name; a target whose every word is too common to search
    (more than TARGET_SEARCH_CAP names) stays unresolved.

    Each distinct (group, target text) is asked once. Only what the questions read is indexed:
    the name rows of the asked groups, the postings of the words asked for, and the texts of
    the rows searched (a few thousand questions against a million names)."""
    target = np.full(len(p.records), -1, dtype=np.int64)
    rel_to = p.cols["relation_to"]
    asking = rel_to != ""
    if not asking.any():
        return target
    t = p.table
    group = _codes(p.group)
    vocab = pd.Index(t.vocab, dtype=object)
    for code in range(len(p.claim_ids)):
        in_claim = p.claim_code == code
        ask = np.flatnonzero(in_claim & asking)
        rows = np.flatnonzero(in_claim[t.rec])
        if len(ask) == 0 or len(rows) == 0:
            continue
        questions = _questions(ask, group[ask], rel_to[ask], vocab)
        none = np.zeros(0, np.int64)
        words = unique_sorted(np.concatenate([q.tokens for q in questions] + [none]))
        index = _NameRows(p, rows, group, unique_sorted(group[ask]), words)
        pools = index.all_pools(questions)
        index.read_texts(np.concatenate([x for ps in pools for x in ps] + [none]))
        for q, pool in zip(questions, pools, strict=True):
            target[q.records] = _search(q.query, pool, index)
    target[target == np.arange(len(target))] = -1
    return target


class _Question:
    """One distinct (group, target text): the records asking it, the query (the target's
    name words, fillers out, joined by a space), how many words it has and the token ids of
    its words in order (-1: a word no name holds)."""

    def __init__(self, records: np.ndarray, group: int, words: list[str], tokens: np.ndarray):
        self.records = records
        self.group = group
        self.words = len(words)
        self.query = " ".join(words)
        self.tokens = tokens


def _questions(
    ask: np.ndarray, group: np.ndarray, text: np.ndarray, vocab: pd.Index
) -> list[_Question]:
    """The distinct questions of the records `ask` (their group codes and target texts)."""
    keys, first = pd.factorize(pd.MultiIndex.from_arrays([group, text]))
    order = np.argsort(keys, kind="stable")
    cut = np.flatnonzero(np.r_[True, keys[order][1:] != keys[order][:-1], True])
    groups = first.get_level_values(0).to_numpy().tolist()
    texts = [str(x) for x in first.get_level_values(1).tolist()]
    words_of: dict[str, list[str]] = {}
    for txt in texts:
        if txt not in words_of:
            words_of[txt] = [w for w in names.name_tokens(txt) if w not in FILLER_TOKENS]
    words = [words_of[txt] for txt in texts]
    flat = [w for ws in words for w in ws]
    ids = vocab.get_indexer(pd.Index(flat, dtype=object)).astype(np.int64)
    at = np.cumsum([0] + [len(ws) for ws in words]).tolist()
    return [
        _Question(ask[order[s:e]], int(groups[k]), words[k], ids[at[k] : at[k + 1]])
        for k, (s, e) in enumerate(zip(cut[:-1].tolist(), cut[1:].tolist(), strict=True))
    ]


class _NameRows:
    """What the questions of one claim read of its name rows (rows of the name table, in
    order): the rows of each asked group, the rows holding each asked token (in row order, a
    row once per occurrence) and, once read_texts is called, the text of the rows searched
    (tokens joined by a space)."""

    def __init__(
        self,
        p: Prepared,
        rows: np.ndarray,
        group: np.ndarray,
        groups: np.ndarray,
        tokens: np.ndarray,
    ) -> None:
        t = p.table
        self.table = t
        self.rec_of_row = t.rec
        # postings of the asked tokens
        tok = t.tok[rows]
        at_row, at_col = np.nonzero(_member(tok, tokens, len(t.vocab)))  # row by row, in order
        held = tok[at_row, at_col].astype(np.int64)
        order = np.argsort(held, kind="stable")
        self.post_rows = rows[at_row[order]]
        self.post_tok, self.post_start, self.post_len = _runs(held[order])
        # asked groups (never the empty one): their rows in row order
        row_group = group[t.rec[rows]]
        mine = np.flatnonzero(_member(row_group, groups, int(group.max(initial=-1)) + 1))
        by = mine[np.argsort(row_group[mine], kind="stable")]
        self.group_rows = rows[by]
        self.group_of, self.group_start, self.group_len = _runs(row_group[by])
        self.text_rows = np.zeros(0, np.int64)
        self.texts_read: np.ndarray = np.zeros(0, object)

    def all_pools(self, questions: list[_Question]) -> list[list[np.ndarray]]:
        """The rows to search for each question, in order: its group's, then those of its
        rarest word (the first of the rarest) when they are at most TARGET_SEARCH_CAP. The
        groups and words of all questions are looked up at once."""
        groups = np.array([q.group for q in questions], np.int64)
        g_start, g_len = _spans(self.group_of, self.group_start, self.group_len, groups)
        tokens = np.concatenate([q.tokens for q in questions] + [np.zeros(0, np.int64)])
        t_start, t_len = _spans(self.post_tok, self.post_start, self.post_len, tokens)
        gs, gl, ts, tl = g_start.tolist(), g_len.tolist(), t_start.tolist(), t_len.tolist()
        out: list[list[np.ndarray]] = []
        at = 0
        for k, q in enumerate(questions):
            first, at = at, at + len(q.tokens)
            if not q.words:
                out.append([])
                continue
            pools = [self.group_rows[gs[k] : gs[k] + gl[k]]]
            rarest = -1  # a word no row holds has length 0 and is never the rarest
            for j in range(first, at):
                if tl[j] > 0 and (rarest < 0 or tl[j] < tl[rarest]):
                    rarest = j
            if rarest >= 0 and tl[rarest] <= TARGET_SEARCH_CAP:
                pools.append(self.post_rows[ts[rarest] : ts[rarest] + tl[rarest]])
            out.append(pools)
        return out

    def read_texts(self, rows: np.ndarray) -> None:
        """Build the texts of these rows (their tokens joined by a space) for texts()."""
        self.text_rows = unique_sorted(rows.astype(np.int64))
        tok = self.table.tok[self.text_rows]
        at_row, at_col = np.nonzero(tok >= 0)
        vocab = pa.array(self.table.vocab, type=pa.large_string())
        per_row = np.bincount(at_row, minlength=len(self.text_rows))
        offsets = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64)
        tokens = pa.array(tok[at_row, at_col].astype(np.int64))
        words = pa.LargeListArray.from_arrays(pa.array(offsets), vocab.take(tokens))
        text = pc.binary_join(words, pa.scalar(" ", pa.large_string()))
        self.texts_read = np.asarray(text.to_pylist(), dtype=object)

    def texts(self, pool: np.ndarray) -> list[str]:
        return self.texts_read[np.searchsorted(self.text_rows, pool)].tolist()


def _member(x: np.ndarray, wanted: np.ndarray, n: int) -> np.ndarray:
    """Mask of the elements of x (codes below n, or -1: never wanted) that are in wanted (one
    lookup per element: np.isin's sorting or hashing costs more at a million)."""
    table = np.zeros(n + 1, bool)
    table[wanted[wanted >= 0]] = True
    return table[x]  # -1 reads the last entry: False


def _runs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of a sorted array, where each run of them starts and its length."""
    values, start = runs(x)
    return values, start, np.diff(np.append(start, len(x)))


def _spans(
    keys: np.ndarray, start: np.ndarray, length: np.ndarray, query: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each query: start[j] and length[j] where keys[j] == query (keys sorted), else 0, 0
    (a query below 0 is never found)."""
    if len(keys) == 0:
        return np.zeros(len(query), np.int64), np.zeros(len(query), np.int64)
    at = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    found = (keys[at] == query) & (query >= 0)
    return np.where(found, start[at], 0), np.where(found, length[at], 0)


def _search(query: str, pools: list[np.ndarray], rows: _NameRows) -> int:
    """The record of the first row of the first pool whose text matches the query best (token
    set similarity >= 90), or -1."""
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
    of one person is `same`; to records of two different persons, `differs`.

    level: the pairs' relation levels, as names or as integer codes into LEVELS["relation"]
    (what levels.field_codes gives); the result is of the same kind. Only the pairs whose two
    records both point somewhere are read past one lookup each."""
    out = level.copy()
    points = target >= 0
    idx = np.flatnonzero(points[ra] & points[rb])
    if not len(idx):
        return out
    coded = np.issubdtype(level.dtype, np.integer)

    def as_level(name: str) -> object:
        return LEVELS["relation"].index(name) if coded else name

    idx = idx[np.isin(level[idx], np.array([as_level(x) for x in ("term", "same", "unsure")]))]
    same_person = person[target[ra[idx]]] == person[target[rb[idx]]]
    out[idx[same_person]] = as_level("same")
    out[idx[~same_person]] = as_level("differs")
    return out


def context_bonus(
    p: Prepared, ra: np.ndarray, rb: np.ndarray, base: np.ndarray, threshold: float
) -> np.ndarray:
    """Bits added to a pair for each other member of its group that strongly matches a member of
    the candidate's group (a family listed together in both claims)."""
    bonus = np.zeros(len(ra))
    if len(ra) == 0:
        return bonus
    group, context = _codes(p.group), _codes(p.context)
    n_context = int(context.max(initial=-1)) + 1
    for x_all, y_all in ((ra, rb), (rb, ra)):
        at = np.flatnonzero((group[x_all] >= 0) & (context[y_all] >= 0))
        strong = base[at] >= threshold
        if not strong.any():
            continue
        x = x_all[at]
        # key: (group of x, context of y); its members: the x of its strong pairs
        others = other_members(group[x] * n_context + context[y_all[at]], x, strong)
        gain = np.flatnonzero(others > 0)
        bonus[at[gain]] = np.maximum(
            bonus[at[gain]], np.minimum(others[gain] * CONTEXT_BITS, CONTEXT_MAX)
        )
    return bonus


def _codes(labels: np.ndarray) -> np.ndarray:
    """An integer per distinct label, -1 for the empty label."""
    codes, _ = pd.factorize(labels)
    return np.where(labels == "", -1, codes).astype(np.int64)
