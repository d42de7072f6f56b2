"""The compiled assignment (reconcile.lsap) picks what scipy's linear_sum_assignment picks,
ties included, on every component at once."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from reconcile.lsap import assign_components

# few distinct values: many ties, the case where two exact methods can differ
VALUES = st.sampled_from([0.0, -1.0, -2.0, -0.5, -1.5, -3.0, -1e-9, -2.000000001, -0.1, -0.2])


def _scipy_picks(full: np.ndarray, edge: np.ndarray) -> set[int]:
    rows, cols = linear_sum_assignment(full)
    picked = edge[rows, cols]
    return set(picked[(picked >= 0) & (full[rows, cols] < 0)].tolist())


@st.composite
def components(draw: st.DrawFn) -> list[tuple[int, int, list[tuple[int, int, float]]]]:
    out = []
    for _ in range(draw(st.integers(1, 6))):
        na, nb = draw(st.integers(1, 5)), draw(st.integers(1, 5))
        cells = st.tuples(st.integers(0, na - 1), st.integers(0, nb - 1), VALUES)
        out.append((na, nb, draw(st.lists(cells, min_size=1, max_size=na * nb + 2))))
    return out


@settings(max_examples=400, deadline=None)
@given(components())
def test_every_component_is_assigned_as_scipy_assigns_it(
    comps: list[tuple[int, int, list[tuple[int, int, float]]]],
) -> None:
    cut: list[int] = [0]
    n_rows: list[int] = []
    n_cols: list[int] = []
    row: list[int] = []
    col: list[int] = []
    cost: list[float] = []
    expected: set[int] = set()
    for na, nb, cells in comps:
        full, edge = np.zeros((na, nb)), np.full((na, nb), -1, np.int64)
        for r, c, x in cells:
            full[r, c] = x
            edge[r, c] = len(row)
            row.append(r)
            col.append(c)
            cost.append(x)
        expected |= _scipy_picks(full, edge)
        cut.append(len(row))
        n_rows.append(na)
        n_cols.append(nb)
    got = assign_components(*(np.array(x) for x in (cut, n_rows, n_cols, row, col, cost)))
    assert set(np.flatnonzero(got).tolist()) == expected


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(0, 2**31))
def test_dense_random_matrices(na: int, nb: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    full = -np.round(rng.random((na, nb)) * rng.choice([1, 3, 1000]), rng.integers(0, 3))
    edge = np.arange(na * nb).reshape(na, nb)
    r, c = np.divmod(np.arange(na * nb), nb)
    got = assign_components(
        np.array([0, na * nb]), np.array([na]), np.array([nb]), r, c, full.ravel()
    )
    assert set(np.flatnonzero(got).tolist()) == _scipy_picks(full, edge)


def test_no_components() -> None:
    none = np.zeros(0, np.int64)
    assert assign_components(np.array([0]), none, none, none, none, np.zeros(0)).size == 0
