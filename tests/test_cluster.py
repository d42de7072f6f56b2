"""Clustering of scored pairs: the vectorised pieces against plain per-pair references."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from reconcile import cluster
from reconcile.cluster import UnionFind, assign, join_links, near_ties, person_id, person_ids
from reconcile.prepare import Prepared
from reconcile.relate import context_bonus
from reconcile.score import CONTEXT_BITS, CONTEXT_MAX

WEIGHTS = [-2.0, 3.0, 6.0, 6.0, 7.5, 9.0, 12.0]  # repeated values: ties are the hard case
THRESHOLD = 5.0


def prepared(claims: list[str], ids: list[str] | None = None) -> Prepared:
    """The parts of Prepared that link_pairs reads, for records of the given claims."""
    codes = sorted(set(claims))
    ids = ids or [f"r{i}" for i in range(len(claims))]
    recs = pd.DataFrame(
        {
            "claim": pd.array(claims, dtype="str"),
            "record_id": pd.array(ids, dtype="str"),
            "file": pd.array([f"{c}.csv" for c in claims], dtype="str"),
            "row": np.arange(len(claims)) + 2,
        }
    )
    p = SimpleNamespace(
        records=recs,
        claim_code=np.array([codes.index(c) for c in claims]),
        claim_ids=codes,
        named=np.ones(len(claims), bool),
    )
    return cast(Prepared, p)


def link(
    p: Prepared,
    pairs: list[tuple[int, int, float]],
    same: tuple[int, ...] = (),
    different: tuple[int, ...] = (),
) -> tuple[pd.DataFrame, list[str]]:
    ra = np.array([a for a, _, _ in pairs])
    rb = np.array([b for _, b, _ in pairs])
    w = np.array([x for _, _, x in pairs])
    ds = np.isin(np.arange(len(pairs)), same)
    dd = np.isin(np.arange(len(pairs)), different)
    links, status, _ = cluster.link_pairs(
        p,
        ra,
        rb,
        w,
        ds,
        dd,
        np.full(len(pairs), "rejected", dtype=object),
        threshold=THRESHOLD,
        margin=1.0,
        possible=2.0,
    )
    return links, list(status)


# --- person ids ------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.text(min_size=0, max_size=6), st.text(max_size=6)),
        min_size=1,
        max_size=25,
    )
)
def test_person_ids_equal_person_id_of_the_members(rows: list[tuple[int, str, str]]) -> None:
    label = np.array([r[0] for r in rows])
    keys = pd.Series([f"{c}:{r}" for _, c, r in rows], dtype="str")
    got = person_ids(label, keys)
    for i, lab in enumerate(label):
        members = [k for k, lab2 in zip(keys, label, strict=True) if lab2 == lab]
        assert got[i] == person_id(members)


def test_person_ids_of_no_records() -> None:
    assert len(person_ids(np.zeros(0, np.int64), pd.Series([], dtype="str"))) == 0


# --- one-to-one assignment ---------------------------------------------------------------------


def reference_assign(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Hungarian method on every connected component of the edges above the threshold."""
    chosen = np.zeros(len(a), bool)
    ok = np.flatnonzero(w >= THRESHOLD)
    if not len(ok):
        return chosen
    nodes, inv = np.unique(np.concatenate([a[ok], b[ok]]), return_inverse=True)
    ia, ib = inv[: len(ok)], inv[len(ok) :]
    graph = coo_matrix((np.ones(len(ok)), (ia, ib)), shape=(len(nodes), len(nodes)))
    comp = connected_components(graph, directed=False)[1][ia]
    for c in np.unique(comp):
        g = ok[comp == c]
        ua, xa = np.unique(a[g], return_inverse=True)
        ub, xb = np.unique(b[g], return_inverse=True)
        cost = np.zeros((len(ua), len(ub)))
        cost[xa, xb] = -(w[g] - THRESHOLD + 1e-9)
        rows, cols = linear_sum_assignment(cost)
        for r, k in zip(rows, cols, strict=True):
            hit = np.flatnonzero((xa == r) & (xb == k))
            if len(hit) and cost[r, k] < 0:
                chosen[g[hit[0]]] = True
    return chosen


edges = st.lists(
    st.tuples(st.integers(0, 5), st.integers(10, 15), st.sampled_from(WEIGHTS)),
    min_size=1,
    max_size=30,
    unique_by=lambda e: (e[0], e[1]),
)


@settings(max_examples=300, deadline=None)
@given(edges)
def test_assign_equals_the_hungarian_method_per_component(e: list[tuple[int, int, float]]) -> None:
    a, b, w = (np.array(x) for x in zip(*e, strict=True))
    assert (assign(a, b, w, THRESHOLD) == reference_assign(a, b, w)).all()


def test_a_star_takes_its_best_edge_and_the_lowest_record_on_a_tie() -> None:
    a = np.array([0, 0, 0, 1])
    b = np.array([12, 11, 13, 14])
    assert assign(a, b, np.array([9.0, 9.0, 7.0, 6.0]), THRESHOLD).tolist() == [
        False,
        True,
        False,
        True,
    ]


def scan(a: np.ndarray, b: np.ndarray, order: np.ndarray) -> set[int]:
    used_a: set[int] = set()
    used_b: set[int] = set()
    taken = set()
    for e in order.tolist():
        if a[e] not in used_a and b[e] not in used_b:
            used_a.add(a[e])
            used_b.add(b[e])
            taken.add(e)
    return taken


@settings(max_examples=300, deadline=None)
@given(edges, st.integers(1, 3))
def test_greedy_rounds_take_what_the_scan_takes(e: list[tuple[int, int, float]], r: int) -> None:
    a, b, w = (np.array(x) for x in zip(*e, strict=True))
    order = np.lexsort((b, a, -w))
    old = cluster.ROUNDS
    try:
        cluster.ROUNDS = r  # also the scan that finishes a long chain
        assert set(cluster._greedy(a, b, order).tolist()) == scan(a, b, order)
    finally:
        cluster.ROUNDS = old


# --- near ties ---------------------------------------------------------------------------------


def reference_near_ties(
    a: np.ndarray, b: np.ndarray, w: np.ndarray, chosen: np.ndarray, margin: float
) -> np.ndarray:
    above = w >= THRESHOLD
    ben = {(x, y): v - THRESHOLD for x, y, v, u in zip(a, b, w, above, strict=True) if u}
    mate_a = {x: y for x, y, c in zip(a, b, chosen, strict=True) if c}
    mate_b = {y: x for x, y in mate_a.items()}
    index = {(x, y): i for i, (x, y) in enumerate(zip(a, b, strict=True)) if chosen[i]}
    amb = np.zeros(len(a), bool)
    for x, y2, v, up, c in zip(a, b, w, above, chosen, strict=True):
        if not up or c:
            continue
        y, x2 = mate_a.get(x), mate_b.get(y2)
        now = (ben[(x, y)] if y is not None else 0.0) + (ben[(x2, y2)] if x2 is not None else 0.0)
        swap = v - THRESHOLD + (ben.get((x2, y), 0.0) if x2 is not None and y is not None else 0.0)
        if swap >= now - margin:
            if y is not None:
                amb[index[(x, y)]] = True
            if x2 is not None:
                amb[index[(x2, y2)]] = True
    return amb


@settings(max_examples=300, deadline=None)
@given(edges, st.sampled_from([0.0, 1.0, 3.0]))
def test_near_ties_equal_the_pair_by_pair_check(
    e: list[tuple[int, int, float]], margin: float
) -> None:
    a, b, w = (np.array(x) for x in zip(*e, strict=True))
    chosen = assign(a, b, w, THRESHOLD)
    got = near_ties(a, b, w, chosen, THRESHOLD, margin)
    assert (got == reference_near_ties(a, b, w, chosen, margin)).all()


# --- joining into persons ----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 2), min_size=2, max_size=12),
    st.lists(
        st.tuples(
            st.integers(0, 11), st.integers(0, 11), st.sampled_from(WEIGHTS), st.integers(0, 9)
        ),
        max_size=25,
    ),
)
def test_join_links_equals_the_ordered_union_find(
    claims: list[int], e: list[tuple[int, int, float, int]]
) -> None:
    """Every pair to join taken in order of weight by one union-find over all records."""
    n = len(claims)
    e = [x for x in e if x[0] < n and x[1] < n and x[0] != x[1]]
    code = np.array(claims)
    ra = np.array([x[0] for x in e], np.int64)
    rb = np.array([x[1] for x in e], np.int64)
    w = np.array([x[2] for x in e])
    kind = np.array([x[3] for x in e], np.int64)
    same, diff = kind == 0, kind == 1  # decisions
    join = same | (kind >= 5)
    person, refused = join_links(code, ra, rb, w, join, same, diff)
    uf = UnionFind.create(code)
    for i in np.flatnonzero(diff):
        uf.forbid(int(ra[i]), int(rb[i]))
    expect = np.zeros(len(e), bool)
    for i in np.lexsort((rb, ra, -w)):
        if join[i]:
            if same[i] or uf.can_join(int(ra[i]), int(rb[i])):
                uf.join(int(ra[i]), int(rb[i]))
            else:
                expect[i] = True
    assert (refused == expect).all()
    root = [uf.find(r) for r in range(n)]
    for r in range(n):
        for q in range(n):
            assert (person[r] == person[q]) == (root[r] == root[q])


def test_a_link_that_would_put_two_records_of_one_claim_together_stays_possible() -> None:
    p = prepared(["A", "A", "B", "C"])  # a1 a2 b1 c1
    links, status = link(p, [(0, 2, 10.0), (2, 3, 9.0), (1, 3, 8.0)])
    assert status == ["linked", "linked", "possible"]
    pid = links["person_id"].tolist()
    assert pid[0] == pid[2] == pid[3] == person_id(["A:r0", "B:r2", "C:r3"])
    assert pid[1] == person_id(["A:r1"])


def test_a_different_decision_refuses_the_join_that_would_break_it() -> None:
    p = prepared(["A", "A", "B", "C"])
    links, status = link(p, [(0, 2, 10.0), (2, 3, 9.0), (1, 3, 8.0), (0, 3, 1.0)], different=(3,))
    assert status == ["linked", "possible", "linked", "decided-different"]
    pid = links["person_id"].tolist()
    assert pid[0] == pid[2] != pid[1] == pid[3]


def test_cross_claim_pairs_after_same_claim_pairs_are_matched_as_themselves() -> None:
    """A pair appended after within-claim pairs (a decided pair blocking missed) is assigned as
    itself, not as the pair at its position among cross-claim pairs."""
    p = prepared(["A", "A", "B", "B"])
    _, status = link(p, [(0, 1, 9.0), (2, 3, 1.0), (1, 3, 8.0), (0, 2, 7.0)])
    assert status == ["duplicate", "rejected", "linked", "linked"]


def test_a_same_decision_joins_even_two_records_of_one_claim() -> None:
    p = prepared(["A", "A", "B"])
    links, status = link(p, [(1, 2, 8.0), (0, 1, 0.0)], same=(1,))
    assert status == ["linked", "decided-same"]
    assert links["person_id"].nunique() == 1


# --- group context -----------------------------------------------------------------------------


def reference_context(
    group: np.ndarray, context: np.ndarray, ra: np.ndarray, rb: np.ndarray, base: np.ndarray
) -> np.ndarray:
    """Per pair and side: the other members of x's group strongly matched into y's context."""
    strong = base >= THRESHOLD
    out = np.zeros(len(ra))
    for x, y in ((ra, rb), (rb, ra)):
        for i in range(len(ra)):
            g, c = group[x[i]], context[y[i]]
            if not g or not c:
                continue
            members = {
                int(x[j])
                for j in range(len(ra))
                if strong[j] and group[x[j]] == g and context[y[j]] == c
            }
            others = len(members - {int(x[i])})
            out[i] = max(out[i], min(others * CONTEXT_BITS, CONTEXT_MAX))
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["", "g1", "g2"]), st.sampled_from(["", "k1", "g2"])),
        min_size=2,
        max_size=10,
    ),
    st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 9), st.sampled_from(WEIGHTS)),
        min_size=1,
        max_size=20,
    ),
)
def test_context_bonus_counts_the_other_strong_members(
    recs: list[tuple[str, str]], e: list[tuple[int, int, float]]
) -> None:
    n = len(recs)
    e = [x for x in e if x[0] < n and x[1] < n] or [(0, 1, 9.0)]
    group = np.array([g for g, _ in recs], dtype=object)
    context = np.array([c for _, c in recs], dtype=object)
    p: Any = SimpleNamespace(records=pd.DataFrame(index=range(n)), group=group, context=context)
    ra, rb, w = (np.array(x) for x in zip(*e, strict=True))
    got = context_bonus(p, ra, rb, w, THRESHOLD)
    assert np.array_equal(got, reference_context(group, context, ra, rb, w))


# --- relation targets --------------------------------------------------------------------------


def test_a_relation_points_to_the_name_in_its_own_group_first() -> None:
    from reconcile.fields import parse_records
    from reconcile.prepare import prepare
    from reconcile.relate import resolve_targets
    from reconcile.schema import TEXT_FIELDS

    rows = [
        ("q1", "Qardash Ali Hassan", "house 1"),
        ("w1", "wife of Qardash", "house 1"),
        ("q2", "Qardash Omar Saleh", "house 2"),
        ("w2", "wife of Qardash", "house 2"),
        ("s", "son of Saleh Saleh", ""),  # a word twice in the target's name
        ("x", "wife of Zzyzx", ""),  # no such name
    ]
    recs = pd.DataFrame(
        [
            {"claim": "a", "record_id": r, "file": "a.csv", "row": i + 2}
            | {f: "" for f in TEXT_FIELDS}
            | {"name": name, "group": group}
            for i, (r, name, group) in enumerate(rows)
        ]
    )
    parsed, _ = parse_records(recs)
    target = resolve_targets(prepare(parsed, ["a"]))
    got = {rows[i][0]: (rows[t][0] if t >= 0 else None) for i, t in enumerate(target)}
    assert got["w1"] == "q1" and got["w2"] == "q2"
    assert got["x"] is None and got["q1"] is None
    assert got["s"] == "q2"
