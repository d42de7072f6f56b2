"""Sort-based integer helpers against numpy's own."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from reconcile.arrays import ranges, runs, unique_sorted

ints = st.lists(st.integers(-50, 50), max_size=40).map(lambda v: np.array(v, np.int64))


@given(ints)
def test_unique_sorted_is_np_unique(x):
    assert np.array_equal(unique_sorted(x), np.unique(x))


@given(ints)
def test_runs_start_where_a_sorted_value_first_stands(x):
    x = np.sort(x)
    values, start = runs(x)
    assert np.array_equal(values, np.unique(x))
    assert np.array_equal(start, np.searchsorted(x, values))


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 5)), max_size=20))
def test_ranges_concatenates_aranges(spans):
    starts = np.array([s for s, _ in spans], np.int64)
    counts = np.array([c for _, c in spans], np.int64)
    expected = [i for s, c in spans for i in range(s, s + c)]
    assert ranges(starts, counts).tolist() == expected
