"""Clustering scored pairs into persons, at most one record per claim per person.

The algorithm, in order:

1. Analysts' decisions first: every `same` pair is joined, every `different` pair may never end
   up in one person.
2. For each pair of claims, the links are an optimal one-to-one assignment (the Hungarian method,
   scipy's linear_sum_assignment, on each connected component of pairs above the threshold),
   maximising the total weight above the threshold. For two claims this is the best
   one-to-one matching, not a greedy one. (reconcile.lsap runs linear_sum_assignment's method
   compiled, on every component in one call.)
3. Near-ties are not decided by chance: an assigned link is *ambiguous* when swapping it for a
   competing pair would cost less than `margin` bits in total (two "unidentified woman" rows
   against one "wife of the target"). Ambiguous links are not merged; each record involved
   keeps the list of records it could be.
4. With more than two claims, the accepted links of every pair of claims are merged in order of
   weight (union-find); a merge that would put two records of one claim into one person, or join
   records an analyst said are different, is refused and the pair stays `possible`.

person_id is derived from the person's members (claim and record id), so re-runs, reordered rows
and unrelated edits keep every id.

Everything is vectorised over pairs and records: components come from scipy's connected_components,
a component of one edge or of one record facing several (a star) is decided without the Hungarian
method (with its tie-break: the lowest record), and the ordered union-find of step 4 runs only on
the components where a refusal can happen (two records of one claim, or a `different` decision,
inside one component); everywhere else it would join every accepted link.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from reconcile.clearbest import CLEAR_LEAD, clear_best
from reconcile.idkernel import joined_digests
from reconcile.lsap import assign_components
from reconcile.prepare import Prepared
from reconcile.schema import LINK_COLUMNS

DECIDED = 1e6  # weight given to an analyst's `same` decision
MAX_DENSE = 4_000_000  # largest component solved exactly (cells); larger ones fall back to greedy
ROUNDS = 40  # rounds of the vectorised greedy matching before a plain scan finishes it
B32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)  # base32, lower case


def person_id(members: list[str]) -> str:
    """A stable id from the sorted 'claim:record_id' strings of a person's members."""
    digest = hashlib.sha256("\n".join(sorted(members)).encode("utf-8")).digest()
    return "P" + base64.b32encode(digest).decode("ascii")[:12].lower()


def person_ids(label: np.ndarray, keys: pd.Series) -> pd.api.extensions.ExtensionArray:
    """person_id of every record (a str array), the persons given by `label` (one int per
    record, equal for the members of one person) and keys[i] = 'claim:record_id' of record i.
    Same ids as person_id() on each person's members."""
    n = len(label)
    if n == 0:
        return pd.array([], dtype="str")
    text = pa.array(keys, type=pa.large_string())
    rank = np.empty(n, np.int64)
    rank[pc.sort_indices(text).to_numpy()] = np.arange(n)
    order = np.lexsort((rank, label))  # by person, members in code point (= UTF-8 byte) order
    first = np.flatnonzero(np.r_[True, label[order][1:] != label[order][:-1]])
    last = np.r_[first[1:], n] - 1
    # each person's members are consecutive in `order`: its id hashes their '\n'-joined texts
    bits = joined_digests(pc.take(text, pa.array(order)), first, last)
    # base32 of the digest's first 60 bits: 12 characters of 5 bits each
    shift = np.arange(59, 0, -5, dtype=np.uint64)
    chars = np.empty((len(first), 13), np.uint8)
    chars[:, 0] = ord("P")
    chars[:, 1:] = B32[(bits[:, None] >> shift[None, :]) & np.uint64(31)]
    ids = pa.array(chars.view("S13").ravel(), type=pa.binary(13)).cast(pa.large_string())
    person = np.empty(n, np.int64)
    person[order] = np.repeat(np.arange(len(first)), last - first + 1)
    return pd.array(ids.take(pa.array(person)), dtype="str")


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected component of each of n nodes under the edges (a[i], b[i])."""
    graph = coo_matrix((np.ones(len(a), np.int32), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _greedy(a: np.ndarray, b: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Indices of the edges taken by the greedy matching: edges in `order`, each taken when both
    its records are still free. Computed in rounds: an edge that comes first at both its records
    among the edges still open is taken (the greedy scan takes it too), and the edges it blocks
    are closed. After ROUNDS rounds (a long chain of rising weights), the rest is scanned."""
    taken = []
    free_a = np.ones(int(a.max()) + 1, bool)
    free_b = np.ones(int(b.max()) + 1, bool)
    for _ in range(ROUNDS):
        if not len(order):
            break
        ea, eb = a[order], b[order]
        first = np.zeros(len(order), bool)
        first[np.unique(ea, return_index=True)[1]] = True
        first &= np.isin(np.arange(len(order)), np.unique(eb, return_index=True)[1])
        taken.append(order[first])
        free_a[ea[first]] = False
        free_b[eb[first]] = False
        order = order[free_a[ea] & free_b[eb]]
    rest = []
    for e, x, y in zip(order.tolist(), a[order].tolist(), b[order].tolist(), strict=True):
        if free_a[x] and free_b[y]:
            free_a[x] = free_b[y] = False
            rest.append(e)
    return np.concatenate([*taken, np.asarray(rest, dtype=np.int64)])


def _local_rank(comp: np.ndarray, node: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each edge's node among the distinct nodes of its component (in node order), and
    the number of distinct nodes of each component."""
    key = comp.astype(np.int64) * n_nodes + node
    uniq, inv = np.unique(key, return_inverse=True)
    ucomp = uniq // n_nodes
    first = np.searchsorted(ucomp, ucomp, side="left")
    count = np.bincount(ucomp, minlength=int(comp.max()) + 1)
    return (np.arange(len(uniq)) - first)[inv], count


def assign(a: np.ndarray, b: np.ndarray, weight: np.ndarray, threshold: float) -> np.ndarray:
    """Boolean mask of the edges (a[i], b[i]) chosen by an optimal one-to-one assignment among the
    edges with weight >= threshold. a and b are record indices of two different claims."""
    chosen = np.zeros(len(a), bool)
    ok = np.flatnonzero(weight >= threshold)
    if len(ok) == 0:
        return chosen
    ea, eb = a[ok], b[ok]
    benefit = weight[ok] - threshold + 1e-9
    nodes, inv = np.unique(np.concatenate([ea, eb]), return_inverse=True)
    ia, ib = inv[: len(ok)], inv[len(ok) :]
    comp = _components(len(nodes), ia, ib)[ia]
    n_comp = int(comp.max()) + 1
    size = np.bincount(comp, minlength=n_comp)
    la, na = _local_rank(comp, ia, len(nodes))
    lb, nb = _local_rank(comp, ib, len(nodes))
    pair = ia.astype(np.int64) * len(nodes) + ib
    dup_pair = np.zeros(len(ok), bool)
    srt = np.argsort(pair, kind="stable")
    same = pair[srt][1:] == pair[srt][:-1]
    dup_pair[srt[1:][same]] = dup_pair[srt[:-1][same]] = True
    has_dup = np.bincount(comp[dup_pair], minlength=n_comp) > 0
    # one edge: chosen; one record facing several: its best edge, ties to the lowest record
    # (what linear_sum_assignment and the greedy fallback both pick)
    star = (size > 1) & ((na == 1) | (nb == 1)) & ~has_dup
    chosen[ok[size[comp] == 1]] = True
    in_star = np.flatnonzero(star[comp])
    if len(in_star):
        other = np.where(na[comp[in_star]] == 1, ib[in_star], ia[in_star])
        by = in_star[np.lexsort((other, -benefit[in_star], comp[in_star]))]
        head = np.r_[True, comp[by][1:] != comp[by][:-1]]
        best = by[head]
        chosen[ok[best[benefit[best] > 0]]] = True
    rest = np.flatnonzero((size[comp] > 1) & ~star[comp])
    if len(rest) == 0:
        return chosen
    rest = rest[np.argsort(comp[rest], kind="stable")]
    cut = np.flatnonzero(np.r_[True, comp[rest][1:] != comp[rest][:-1], True])
    heads = comp[rest[cut[:-1]]]
    x, y = na[heads], nb[heads]
    # every component up to MAX_DENSE cells solved exactly, all in one compiled call
    small = x * y <= MAX_DENSE
    in_small = np.repeat(small, np.diff(cut))
    at = rest[in_small]
    sizes = np.diff(cut)[small]
    picked = assign_components(
        np.concatenate([[0], np.cumsum(sizes)]), x[small], y[small], la[at], lb[at], -benefit[at]
    )
    chosen[ok[at[picked]]] = True
    # larger ones: greedy
    for k in np.flatnonzero(~small).tolist():
        edges = rest[cut[k] : cut[k + 1]]
        order = np.lexsort((eb[edges], ea[edges], -benefit[edges]))
        chosen[ok[edges[_greedy(la[edges], lb[edges], order)]]] = True
    return chosen


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """values[j] where keys[j] == query[i] (keys sorted and distinct), else 0.0."""
    if len(keys) == 0:
        return np.zeros(len(query))
    # searched in query order: sorted queries walk the keys in order (5x fewer cache misses
    # than a million queries at random)
    order = np.argsort(query)
    at = np.empty(len(query), np.int64)
    at[order] = np.searchsorted(keys, query[order])
    np.minimum(at, len(keys) - 1, out=at)
    return np.where(keys[at] == query, values[at], 0.0)


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
    amb = np.zeros(len(a), bool)
    above = weight >= threshold
    compete = np.flatnonzero(above & ~chosen)
    if len(compete) == 0:
        return amb
    ben = np.where(above, weight - threshold, 0.0)
    n = int(max(a.max(), b.max())) + 1
    # benefit of each above-threshold pair (x, y), keyed x * n + y; a repeated pair keeps its last
    up = np.flatnonzero(above)[::-1]
    keys, first = np.unique(a[up].astype(np.int64) * n + b[up], return_index=True)
    vals = ben[up][first]
    pick = np.flatnonzero(chosen)
    partner_of_a = np.full(n, -1, np.int64)
    partner_of_b = np.full(n, -1, np.int64)
    edge_of_a = np.full(n, -1, np.int64)
    edge_of_b = np.full(n, -1, np.int64)
    partner_of_a[a[pick]] = b[pick]
    partner_of_b[b[pick]] = a[pick]
    edge_of_a[a[pick]] = pick
    edge_of_b[b[pick]] = pick
    x, y2 = a[compete].astype(np.int64), b[compete].astype(np.int64)
    y, x2 = partner_of_a[x], partner_of_b[y2]
    has_y, has_x2 = y >= 0, x2 >= 0
    current = np.where(has_y, _lookup(keys, vals, x * n + y), 0.0) + np.where(
        has_x2, _lookup(keys, vals, x2 * n + y2), 0.0
    )
    alt = ben[compete] + np.where(has_y & has_x2, _lookup(keys, vals, x2 * n + y), 0.0)
    hit = alt >= current - margin
    amb[edge_of_a[x[hit & has_y]]] = True
    amb[edge_of_b[y2[hit & has_x2]]] = True
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


def join_links(
    claim_code: np.ndarray,
    ra: np.ndarray,
    rb: np.ndarray,
    w: np.ndarray,
    join: np.ndarray,
    decided_same: np.ndarray,
    decided_diff: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Persons from the pairs to join (mask `join`), taken in order of weight: the person label of
    every record, and a mask of the pairs to join that were refused (a second record of one claim,
    or records decided different, would end up in one person). `same` decisions are never refused.

    Where a component of the pairs to join holds no two records of one claim and no `different`
    decision, nothing can be refused and the component is the person; the ordered union-find runs
    on the other components only."""
    n = len(claim_code)
    comp = _components(n, ra[join], rb[join])
    refused = np.zeros(len(ra), bool)
    # components that hold two records of one claim, or both records of a `different` decision
    by_claim = comp.astype(np.int64) * (int(claim_code.max(initial=0)) + 1) + claim_code
    key, count = np.unique(by_claim, return_counts=True)
    n_claims = int(claim_code.max(initial=0)) + 1
    bad = np.zeros(int(comp.max(initial=-1)) + 1, bool)
    bad[key[count > 1] // n_claims] = True
    diff = np.flatnonzero(decided_diff)
    inside = comp[ra[diff]] == comp[rb[diff]]
    bad[comp[ra[diff[inside]]]] = True
    if not bad.any():
        return comp, refused
    local = np.flatnonzero(bad[comp])  # records of those components, numbered 0..len-1
    index = np.full(n, -1, np.int64)
    index[local] = np.arange(len(local))
    uf = UnionFind.create(claim_code[local])
    for i in diff[bad[comp[ra[diff]]] & bad[comp[rb[diff]]]]:
        uf.forbid(int(index[ra[i]]), int(index[rb[i]]))
    edges = np.flatnonzero(join & bad[comp[ra]])
    for i in edges[np.lexsort((rb[edges], ra[edges], -w[edges]))]:
        x, y = int(index[ra[i]]), int(index[rb[i]])
        if decided_same[i] or uf.can_join(x, y):
            uf.join(x, y)
        else:
            refused[i] = True
    person = comp.astype(np.int64)
    person[local] = len(bad) + np.array([uf.find(i) for i in range(len(local))], np.int64)
    return person, refused


def _text(col: pd.Series) -> object:
    """A text column for a new frame: its Arrow strings as they are, anything else as numpy."""
    return col.array if isinstance(col.dtype, pd.StringDtype) else col.to_numpy()


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
    clear_below: float = 0.0,
    clear_lead: float = CLEAR_LEAD,
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Scored pairs (ra[i], rb[i], weight[i]) into persons: links (LINK_COLUMNS, one row per
    record), the status of every pair, and each record's alternatives (';'-joined
    'claim:record_id'). clear_below > 0 also links, per pair of claims, the pairs within that
    many bits under the threshold that are both records' clear best (reconcile.clearbest)."""
    recs = p.records
    n = len(recs)
    ca, cb = p.claim_code[ra], p.claim_code[rb]
    cross = ca != cb
    w = weight
    if decided_same.any() or decided_diff.any():
        w = np.where(decided_same, DECIDED, np.where(decided_diff, -np.inf, weight))
    chosen = np.zeros(len(ra), bool)
    ambiguous_edge = np.zeros(len(ra), bool)
    # each ordered pair of claims on its own, in order of claim codes
    at = np.flatnonzero(cross)
    spec = ca[at].astype(np.int64) * len(p.claim_ids) + cb[at]
    at = at[np.argsort(spec, kind="stable")]
    spec = np.sort(spec)
    for idx in np.split(at, np.flatnonzero(np.diff(spec)) + 1) if len(at) else []:
        ch = assign(ra[idx], rb[idx], w[idx], threshold)
        amb = near_ties(ra[idx], rb[idx], w[idx], ch, threshold, margin)
        amb &= ~decided_same[idx]
        ch &= ~amb
        ch |= clear_best(
            ra[idx], rb[idx], w[idx], ch | amb, p.named, threshold, clear_below, clear_lead
        )
        chosen[idx] = ch
        ambiguous_edge[idx] = amb
    # near-tie competitors: every above-threshold edge touching an ambiguous record
    amb_node = np.zeros(n, bool)
    amb_node[ra[ambiguous_edge]] = amb_node[rb[ambiguous_edge]] = True
    above = (w >= threshold) & cross & ~chosen
    ambiguous_edge |= above & (amb_node[ra] | amb_node[rb])
    join = chosen | decided_same
    person, refused = join_links(p.claim_code, ra, rb, w, join, decided_same, decided_diff)
    # statuses, each set only where none was yet (`rejected` follows status == "rejected")
    rejected = status == "rejected"
    fresh = bool(rejected.all())
    status[join & ~decided_same] = "linked"
    status[join & decided_same] = "decided-same"
    status[refused] = "possible"
    status[decided_diff] = "decided-different"
    rejected &= ~join & ~decided_diff
    ambiguous = ambiguous_edge & rejected
    status[ambiguous] = "ambiguous"
    rejected &= ~ambiguous
    maybe = rejected & (w >= possible) & cross
    status[maybe] = "possible"
    rejected &= ~maybe
    # possible duplicates: two named records of one claim (unnamed rows alike are expected)
    dup = ~cross & (w >= threshold) & rejected & p.named[ra] & p.named[rb]
    status[dup] = "duplicate"
    if fresh:
        linked = join & ~refused & ~decided_diff
    else:  # statuses given by the caller
        linked = np.isin(status, ["linked", "decided-same"])
        ambiguous = status == "ambiguous"

    keys = recs["claim"].astype(str) + ":" + recs["record_id"].astype(str)
    if keys.isna().any():  # a missing id (never from the loader): as the f-string writes it
        keys = pd.Series(
            [f"{c}:{r}" for c, r in zip(recs["claim"], recs["record_id"], strict=True)],
            dtype="str",
        )
    pids = person_ids(person, keys)
    # score: the weight of the record's best link inside its person
    best = np.full(n, np.nan)
    for side in (ra, rb):
        top = pd.Series(weight[linked]).groupby(side[linked]).max()
        at = top.index.to_numpy()
        best[at] = np.fmax(best[at], top.to_numpy())
    amb_rec = np.zeros(n, bool)
    alternatives = [""] * n
    ai = np.flatnonzero(ambiguous)
    if len(ai):
        x, y = ra[ai], rb[ai]
        amb_rec[x] = amb_rec[y] = True
        rec = np.concatenate([x, y])
        other = keys.iloc[np.concatenate([y, x])].to_numpy()
        alt = pd.DataFrame({"rec": rec, "key": pd.array(other, dtype="str")}).drop_duplicates()
        alt = alt.sort_values(["rec", "key"], kind="stable")
        rec, texts = alt["rec"].to_numpy(), alt["key"].tolist()
        cut = np.flatnonzero(np.r_[True, rec[1:] != rec[:-1], True])
        for s, e in zip(cut[:-1].tolist(), cut[1:].tolist(), strict=True):
            alternatives[int(rec[s])] = ";".join(texts[s:e])
    # the column from the few distinct texts (not a Python list of a string per record)
    with_alt = np.flatnonzero(amb_rec)
    alt_of = np.zeros(n, np.int64)
    alt_of[with_alt] = np.arange(1, len(with_alt) + 1)
    alt_texts = pa.array([""] + [alternatives[i] for i in with_alt.tolist()], pa.large_string())
    links = pd.DataFrame(
        {
            "claim": _text(recs["claim"]),
            "record_id": _text(recs["record_id"]),
            "person_id": pids,
            "score": np.round(best, 4),
            "ambiguous": amb_rec,
            "alternatives": pd.array(alt_texts.take(pa.array(alt_of)), dtype="str"),
            "file": _text(recs["file"]) if "file" in recs else "",
            "row": recs["row"].to_numpy() if "row" in recs else 0,
        }
    )[list(LINK_COLUMNS)]
    return links, status, alternatives
