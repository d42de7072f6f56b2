"""The clear-best rule: a pair just under the threshold that both records prefer by a lead."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.clearbest import clear_best
from reconcile.pairkernel import best_and_next

NAMED = np.ones(10, bool)


def rule(a, b, w, taken=None, named=NAMED, below=2.0, lead=1.0):
    a, b, w = np.array(a), np.array(b), np.array(w, float)
    taken = np.zeros(len(a), bool) if taken is None else np.array(taken)
    return clear_best(a, b, w, taken, named, 0.0, below, lead).tolist()


def test_a_pair_both_records_clearly_prefer_just_under_the_threshold_is_linked():
    # record 0 of one claim: candidates 5 (-1.5) and 6 (-3); 5's only other candidate is 1 (-4)
    assert rule([0, 0, 1], [5, 6, 5], [-1.5, -3.0, -4.0]) == [True, False, False]


def test_no_clear_lead_no_link():
    assert rule([0, 0], [5, 6], [-1.5, -2.0]) == [False, False]  # 0.5 bits apart: a near tie
    assert rule([0, 1], [5, 5], [-1.5, -1.9]) == [False, False]  # the other record's side too
    assert rule([0, 0], [5, 6], [-1.5, -1.5]) == [False, False]  # an exact tie


def test_only_in_the_band_under_the_threshold():
    assert rule([0], [5], [-2.5]) == [False]  # too weak
    assert rule([0], [5], [-2.0]) == [True]  # at the edge of the band
    assert rule([0], [5], [0.0]) == [False]  # at the threshold: the assignment's, not this rule's
    assert rule([0], [5], [-1.0], below=0.0) == [False]  # the rule turned off


def test_unnamed_or_taken_records_are_left_alone():
    named = NAMED.copy()
    named[5] = False  # "brother of the widow": sex and age only
    assert rule([0], [5], [-1.0], named=named) == [False]
    # record 5 is already linked (or in a near tie) through another edge
    assert rule([0, 1], [5, 5], [-1.0, 3.0], taken=[False, True]) == [False, False]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.floats(-10, 10)), min_size=1, max_size=30))
def test_best_and_next_matches_a_plain_reading(edges):
    node = np.array([n for n, _ in edges])
    w = np.array([x for _, x in edges])
    is_best, second = best_and_next(node, w)
    for i, n in enumerate(node.tolist()):
        mine = sorted((-w[j], j) for j in range(len(edges)) if node[j] == n)
        assert is_best[i] == (mine[0][1] == i)
        expected = -mine[1][0] if len(mine) > 1 else -np.inf
        assert second[i] == expected
