"""Clustering scored pairs into persons, at most one record per claim per person.

The algorithm, in order:

1. Analysts' decisions first: every `same` pair is joined, every `different` pair may never end
   up in one person.
2. For each pair of claims, the links are an optimal one-to-one assignment (the Hungarian method,
   scipy's linear_sum_assignment, on each connected component of pairs above the threshold),
   maximising the total weight above the threshold. For two claims this is the best
   one-to-one matching, not a greedy one.
3. Near-ties are not decided by chance: an assigned link is *ambiguous* when swapping it for a
   competing pair would cost less than `margin` bits in total (two "unidentified woman" rows
   against one "wife of the target"). Ambiguous links are not merged; each record involved
   keeps the list of records it could be.
4. With more than two claims, the accepted links of every pair of claims are merged in order of
   weight (union-find); a merge that would put two records of one claim into one person, or join
   records an analyst said are different, is refused and the pair stays `possible`.

person_id is derived from the person's members (claim and record id), so re-runs, reordered rows
and unrelated edits keep every id.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reconcile.prepare import Prepared
from reconcile.schema import LINK_COLUMNS

DECIDED = 1e6  # weight given to an analyst's `same` decision
MAX_DENSE = 4_000_000  # largest component solved exactly (cells); larger ones fall back to greedy


def person_id(members: list[str]) -> str:
    """A stable id from the sorted 'claim:record_id' strings of a person's members."""
    digest = hashlib.sha256("\n".join(sorted(members)).encode("utf-8")).digest()
    return "P" + base64.b32encode(digest).decode("ascii")[:12].lower()


def _assign_component(a: np.ndarray, b: np.ndarray, benefit: np.ndarray) -> np.ndarray:
    """Indices of the edges chosen by an optimal one-to-one assignment of one component."""
    ua, ia = np.unique(a, return_inverse=True)
    ub, ib = np.unique(b, return_inverse=True)
    if len(ua) * len(ub) > MAX_DENSE:  # greedy by weight (documented fallback)
        order = np.lexsort((b, a, -benefit))
        used_a: set[int] = set()
        used_b: set[int] = set()
        chosen = []
        for e in order:
            if a[e] in used_a or b[e] in used_b:
                continue
            used_a.add(int(a[e]))
            used_b.add(int(b[e]))
            chosen.append(e)
        return np.asarray(chosen, dtype=np.int64)
    from scipy.optimize import linear_sum_assignment  # imported here: slow to import

    cost = np.zeros((len(ua), len(ub)))
    edge = np.full((len(ua), len(ub)), -1, dtype=np.int64)
    # keep the best edge per cell (duplicates cannot occur, but be safe)
    cost[ia, ib] = -benefit
    edge[ia, ib] = np.arange(len(a))
    rows, cols = linear_sum_assignment(cost)
    picked = edge[rows, cols]
    return picked[(picked >= 0) & (cost[rows, cols] < 0)]


def assign(a: np.ndarray, b: np.ndarray, weight: np.ndarray, threshold: float) -> np.ndarray:
    """Boolean mask of the edges (a[i], b[i]) chosen by an optimal one-to-one assignment among the
    edges with weight >= threshold. a and b are record indices of two different claims."""
    chosen = np.zeros(len(a), bool)
    ok = np.flatnonzero(weight >= threshold)
    if len(ok) == 0:
        return chosen
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ea, eb = a[ok], b[ok]
    nodes, inv = np.unique(np.concatenate([ea, eb]), return_inverse=True)
    ia, ib = inv[: len(ok)], inv[len(ok) :]
    graph = coo_matrix((np.ones(len(ok)), (ia, ib)), shape=(len(nodes), len(nodes)))
    _, comp = connected_components(graph, directed=False)
    comp_of_edge = comp[ia]
    order = np.argsort(comp_of_edge, kind="stable")
    bounds = np.flatnonzero(np.diff(comp_of_edge[order])) + 1
    for group in np.split(order, bounds):
        if len(group) == 1:
            chosen[ok[group[0]]] = True
            continue
        picked = _assign_component(ea[group], eb[group], weight[ok[group]] - threshold + 1e-9)
        chosen[ok[group[picked]]] = True
    return chosen


def near_ties(
    a: np.ndarray,
    b: np.ndarray,
    weight: np.ndarray,
    chosen: np.ndarray,
    threshold: float,
    margin: float,
) -> np.ndarray:
    """Mask of chosen edges that an alternative nearly as good could replace.

    For a chosen edge (x, y) and a competing edge (x, y2) above the threshold, where y2 is
    assigned to x2 (or to no one), the swap gives x-y2 and x2-y (if that pair exists). The chosen
    edge is ambiguous when the swap's total benefit is within `margin` of the current one; the
    same is checked from y's side."""
    above = weight >= threshold
    ben = np.where(above, weight - threshold, 0.0)
    edges = pd.DataFrame({"a": a, "b": b, "ben": ben, "chosen": chosen, "above": above})
    w_of = {
        (int(x), int(y)): float(v) for x, y, v in zip(a[above], b[above], ben[above], strict=True)
    }
    partner_of_a = dict(zip(a[chosen].tolist(), b[chosen].tolist(), strict=True))
    partner_of_b = {y: x for x, y in partner_of_a.items()}
    amb = np.zeros(len(a), bool)
    comp = edges[edges["above"] & ~edges["chosen"]]
    if comp.empty:
        return amb
    chosen_idx = {
        (int(x), int(y)): i for i, (x, y) in enumerate(zip(a, b, strict=True)) if chosen[i]
    }
    for x, y2, bxy2 in zip(
        comp["a"].tolist(), comp["b"].tolist(), comp["ben"].tolist(), strict=True
    ):
        # from x's side: x is assigned to y; swap x to y2
        y = partner_of_a.get(x)
        x2 = partner_of_b.get(y2)
        current = (w_of.get((x, y), 0.0) if y is not None else 0.0) + (
            w_of.get((x2, y2), 0.0) if x2 is not None else 0.0
        )
        alt = bxy2 + (w_of.get((x2, y), 0.0) if (x2 is not None and y is not None) else 0.0)
        if alt >= current - margin:
            if y is not None:
                amb[chosen_idx[(x, y)]] = True
            if x2 is not None:
                amb[chosen_idx[(x2, y2)]] = True
    return amb


@dataclass
class UnionFind:
    """Union-find over records that refuses merges breaking one-record-per-claim or a decision."""

    parent: np.ndarray
    claims: list[set[int]]
    cannot: dict[int, set[int]]  # root -> roots it may never join

    @classmethod
    def create(cls, claim_code: np.ndarray) -> UnionFind:
        n = len(claim_code)
        return cls(np.arange(n), [{int(c)} for c in claim_code], {})

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = int(self.parent[root])
        while self.parent[x] != root:
            self.parent[x], x = root, int(self.parent[x])
        return root

    def forbid(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        self.cannot.setdefault(rx, set()).add(ry)
        self.cannot.setdefault(ry, set()).add(rx)

    def can_join(self, x: int, y: int) -> bool:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return True
        if self.claims[rx] & self.claims[ry]:
            return False
        forbidden = {self.find(r) for r in self.cannot.get(rx, set())}
        return ry not in forbidden

    def join(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return
        if len(self.claims[rx]) < len(self.claims[ry]):
            rx, ry = ry, rx
        self.parent[ry] = rx
        self.claims[rx] |= self.claims[ry]
        cx = self.cannot.pop(ry, set())
        if cx:
            self.cannot.setdefault(rx, set()).update(cx)


def link_pairs(
    p: Prepared,
    ra: np.ndarray,
    rb: np.ndarray,
    weight: np.ndarray,
    decided_same: np.ndarray,
    decided_diff: np.ndarray,
    status: np.ndarray,
    *,
    threshold: float,
    margin: float,
    possible: float,
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Scored pairs (ra[i], rb[i], weight[i]) into persons: links (LINK_COLUMNS, one row per
    record), the status of every pair, and each record's alternatives (';'-joined
    'claim:record_id')."""
    recs = p.records
    n = len(recs)
    ca, cb = p.claim_code[ra], p.claim_code[rb]
    cross = ca != cb
    w = np.where(decided_same, DECIDED, np.where(decided_diff, -np.inf, weight))
    chosen = np.zeros(len(ra), bool)
    ambiguous_edge = np.zeros(len(ra), bool)
    spec = pd.Series(np.arange(len(ra)))[cross].groupby([ca[cross], cb[cross]]).indices
    for _, idx in sorted(spec.items()):
        idx = np.asarray(idx)
        ch = assign(ra[idx], rb[idx], w[idx], threshold)
        amb = near_ties(ra[idx], rb[idx], w[idx], ch, threshold, margin)
        amb &= ~decided_same[idx]
        chosen[idx] = ch & ~amb
        ambiguous_edge[idx] = amb
    # near-tie competitors: every above-threshold edge touching an ambiguous record
    amb_nodes = set(ra[ambiguous_edge].tolist()) | set(rb[ambiguous_edge].tolist())
    above = (w >= threshold) & cross & ~chosen
    touch = (
        np.array([x in amb_nodes or y in amb_nodes for x, y in zip(ra, rb, strict=True)], bool)
        if amb_nodes
        else np.zeros(len(ra), bool)
    )
    ambiguous_edge |= above & touch
    uf = UnionFind.create(p.claim_code)
    for i in np.flatnonzero(decided_diff):
        uf.forbid(int(ra[i]), int(rb[i]))
    order = np.lexsort((rb, ra, -w))
    for i in order:
        if not chosen[i] and not decided_same[i]:
            continue
        x, y = int(ra[i]), int(rb[i])
        if decided_same[i] or uf.can_join(x, y):
            uf.join(x, y)
            status[i] = "decided-same" if decided_same[i] else "linked"
        else:
            status[i] = "possible"
    status[decided_diff] = "decided-different"
    status[ambiguous_edge & (status == "rejected")] = "ambiguous"
    status[(status == "rejected") & (w >= possible) & cross] = "possible"
    # possible duplicates: two named records of one claim (unnamed rows alike are expected)
    dup = ~cross & (w >= threshold) & (status == "rejected") & p.named[ra] & p.named[rb]
    status[dup] = "duplicate"

    roots = [uf.find(i) for i in range(n)]
    keys = [f"{c}:{r}" for c, r in zip(recs["claim"], recs["record_id"], strict=True)]
    members: dict[int, list[str]] = {}
    for root, key in zip(roots, keys, strict=True):
        members.setdefault(root, []).append(key)
    pid_of_root = {r: person_id(m) for r, m in members.items()}
    pids = np.array([pid_of_root[r] for r in roots], dtype=object)
    # score: the weight of the record's best link inside its person
    linked = np.isin(status, ["linked", "decided-same"])
    best = np.full(n, np.nan)
    for side in (ra, rb):
        top = pd.Series(weight[linked]).groupby(side[linked]).max()
        at = top.index.to_numpy()
        best[at] = np.fmax(best[at], top.to_numpy())
    amb_rec = np.zeros(n, bool)
    alts: dict[int, set[str]] = {}
    for i in np.flatnonzero(status == "ambiguous"):
        x, y = int(ra[i]), int(rb[i])
        amb_rec[x] = amb_rec[y] = True
        alts.setdefault(x, set()).add(keys[y])
        alts.setdefault(y, set()).add(keys[x])
    alternatives = [";".join(sorted(alts.get(i, set()))) for i in range(n)]
    links = pd.DataFrame(
        {
            "claim": recs["claim"].to_numpy(),
            "record_id": recs["record_id"].to_numpy(),
            "person_id": pids,
            "score": np.round(best, 4),
            "ambiguous": amb_rec,
            "alternatives": alternatives,
            "file": recs["file"].to_numpy() if "file" in recs else "",
            "row": recs["row"].to_numpy() if "row" in recs else 0,
        }
    )[list(LINK_COLUMNS)]
    return links, status, alternatives
