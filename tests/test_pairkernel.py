"""The compiled pair loops (reconcile.pairkernel) and the scoring built on them give the numpy
expressions they replace to the last bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.pairkernel import (
    best_and_next,
    level_masses,
    level_tables,
    other_members,
    total_weights,
)
from reconcile.score import Model, encode_levels, estimate_m, probability, score

WIDTHS = (3, 7, 4, 6)  # levels per field, as in levels.LEVELS


def _pairs(seed: int, n: int, dtype: type = np.int8, none: bool = True) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    low = -1 if none else 0
    return [rng.integers(low, w, n).astype(dtype) for w in WIDTHS]


def _tables(seed: int) -> list[list[float]]:
    rng = np.random.default_rng(seed + 1)
    return [list(rng.normal(0, 5, w)) for w in WIDTHS]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 300), st.sampled_from([np.int8, np.int64]))
def test_total_weights_adds_as_numpy_does(seed: int, n: int, dtype: type) -> None:
    codes = _pairs(seed, n, dtype)
    tables = _tables(seed)
    fixed = np.random.default_rng(seed + 2).normal(0, 20, n)
    expected = -3.25 + fixed
    for c, t in zip(codes, tables, strict=True):
        expected += np.array([*t, 0.0])[c]  # code -1: none, weighs 0
    got = total_weights(-3.25, fixed, codes, level_tables(tables))
    assert got.tobytes() == expected.tobytes()


def test_total_weights_into_a_given_array_and_without_fields() -> None:
    fixed = np.array([1.5, -2.0])
    out = np.empty(2)
    assert (
        total_weights(1.0, fixed, [np.array([0, 1], np.int8)], level_tables([[2, 3]]), out) is out
    )
    assert out.tolist() == [4.5, 2.0]
    assert total_weights(0.5, fixed, [], level_tables([])).tolist() == [2.0, -1.5]
    assert total_weights(0.5, np.zeros(0), [np.zeros(0, np.int8)], level_tables([[1]])).size == 0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 300))
def test_level_masses_sum_as_bincount_does(seed: int, n: int) -> None:
    codes = _pairs(seed, n)
    p = np.random.default_rng(seed + 3).random(n) * 1e3
    got = level_masses(p, codes, max(WIDTHS))
    for f, c in enumerate(codes):
        has = c >= 0
        expected = np.bincount(c[has], weights=p[has], minlength=max(WIDTHS))
        assert got[f].tobytes() == expected.tobytes()


def _score_numpy(model: Model, fixed: np.ndarray, levels: dict[str, np.ndarray]) -> np.ndarray:
    """The former numpy score, the reference."""
    w = model.prior + fixed
    for fld, (codes, names) in encode_levels(levels).items():
        table = np.array([model.weight(fld, str(n)) for n in names] + [0.0])
        w += table[codes]
    return w


def _estimate_m_numpy(
    model: Model, fixed: np.ndarray, levels: dict[str, np.ndarray], sample_weight: np.ndarray
) -> None:
    """The former numpy EM, the reference."""
    enc = encode_levels(levels)
    for it in range(10):
        w = _score_numpy(model, fixed, levels)
        p = 1.0 / (1.0 + np.exp2(-np.clip(w, -60, 60)))
        p *= sample_weight
        if p.sum() <= 1.0:
            break
        changed = 0.0
        for fld, (codes, names) in enc.items():
            if fld not in model.mu:
                continue
            mass = np.bincount(codes, weights=p, minlength=len(names))
            known = np.array([n != "missing" for n in names], bool)
            pk = mass[known].sum()
            if pk < 10:
                continue
            for k, name in enumerate(names):
                if name not in model.mu[fld]:
                    continue
                m_old, u = model.mu[fld][name]
                m_new = (mass[k] + 0.1) / (pk + 0.1 * len(model.mu[fld]))
                changed = max(changed, abs(m_new - m_old))
                model.mu[fld][name] = (float(m_new), u)
        model.em_iterations = it + 1
        if changed < 1e-3:
            break


def _levels(seed: int, n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    fixed = rng.normal(-8, 12, n)
    levels = {
        "sex": rng.choice(np.array(["agree", "conflict", "missing"], dtype=object), n),
        "age": rng.choice(
            np.array(["exact", "within3", "group", "conflict", "missing"], object), n
        ),
        "dob": rng.choice(np.array(["exact", "year", "missing"], dtype=object), n),
        "other": rng.choice(np.array(["agree", "conflict"], dtype=object), n),  # not in the model
    }
    return fixed, levels


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 500))
def test_score_is_the_numpy_sum(seed: int, n: int) -> None:
    fixed, levels = _levels(seed, n)
    model = Model(prior=-2.5)
    assert score(model, fixed, levels).tobytes() == _score_numpy(model, fixed, levels).tobytes()


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31))
def test_estimate_m_is_the_numpy_em(seed: int) -> None:
    fixed, levels = _levels(seed, 6_000)
    ours, reference = Model(prior=0.0), Model(prior=0.0)
    stands_for = np.random.default_rng(seed).choice([1.0, 1.0, 7.5], len(fixed))
    estimate_m(ours, fixed, levels, sample_weight=stands_for)
    _estimate_m_numpy(reference, fixed, levels, stands_for)
    assert ours.em_iterations == reference.em_iterations > 0
    assert ours.mu == reference.mu


def test_probability_leaves_its_input_alone() -> None:
    w = np.array([-100.0, -1.0, 0.0, 1.0, 100.0])
    p = probability(w)
    assert w.tolist() == [-100.0, -1.0, 0.0, 1.0, 100.0]
    assert p.tobytes() == (1.0 / (1.0 + np.exp2(-np.clip(w, -60, 60)))).tobytes()
    assert p[2] == 0.5 and 0 < p[0] < p[1] < p[3] < p[4] == 1.0


def test_read_only_and_strided_codes_mix_with_others() -> None:
    ro = np.array([0, 1, 2], np.int8)
    ro.flags.writeable = False
    strided = np.array([1, 9, 0, 9, 1, 9], np.int8)[::2]
    tables = level_tables([[1.0, 2.0, 4.0], [8.0, 16.0]])
    assert total_weights(0.0, np.zeros(3), [ro, strided], tables).tolist() == [17.0, 10.0, 20.0]
    masses = level_masses(np.array([1.0, 2.0, 4.0]), [ro, strided], 3)
    assert masses.tolist() == [[1.0, 2.0, 4.0], [2.0, 5.0, 0.0]]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 12), st.booleans()), min_size=0, max_size=80
    )
)
def test_other_members_counts_the_other_strong_records_of_each_key(
    pairs: list[tuple[int, int, bool]],
) -> None:
    key = np.array([k * 1_000_003 for k, _, _ in pairs], np.int64)  # large keys: hashed
    x = np.array([v for _, v, _ in pairs], np.int64)
    strong = np.array([s for _, _, s in pairs], bool)
    members: dict[int, set[int]] = {}
    for k, v, s in zip(key.tolist(), x.tolist(), strong.tolist(), strict=True):
        if s:
            members.setdefault(k, set()).add(v)
    expected = [
        len(members.get(k, set()) - {v}) for k, v in zip(key.tolist(), x.tolist(), strict=True)
    ]
    assert other_members(key, x, strong).tolist() == expected


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.sampled_from([-np.inf, -3.0, -1.5, 0.0, 0.5, 2.0])),
        min_size=0,
        max_size=40,
    )
)
def test_best_and_next_reads_each_node_in_descending_weight(
    edges: list[tuple[int, float]],
) -> None:
    node = np.array([v for v, _ in edges], np.int64)
    w = np.array([x for _, x in edges], np.float64)
    is_best, second = best_and_next(node, w)
    order = np.lexsort((-w, node))  # the reading it replaces: by node, weight descending
    ranked: dict[int, list[int]] = {}
    for i in order.tolist():
        ranked.setdefault(int(node[i]), []).append(i)
    for i in range(len(node)):
        first, *rest = ranked[int(node[i])]
        assert is_best[i] == (i == first)
        assert second[i] == (w[rest[0]] if rest else -np.inf)
