"""Pairs just below the threshold that are each other's clear best candidate: linked too.

A pair's weight judges it alone, against a random record of the other list: its prior falls as
the lists grow (about -13 bits at 10k records, -20 at 1M), so a true pair whose evidence is thin
(a married name, a typo in a two-part name) ends a bit below even odds. The one-to-one
constraint knows more: when each of the two records has no other candidate within `lead` bits,
and neither is linked or in a near tie elsewhere, the pair is the only way either record can be
matched at all. Such a pair of two named records within `below` bits under the threshold is
linked. Records without a usable name (unnamed, kinship-only) are never linked this way: their
only evidence is sex and age, which many records share, so being the best of few is no sign.
"""

from __future__ import annotations

import numpy as np

from reconcile.pairkernel import best_and_next

CLEAR_BELOW = 2.0  # bits under the threshold within which a clear best pair is linked (0: off)
CLEAR_LEAD = 1.0  # bits by which it must beat each record's next best candidate


def clear_best(
    a: np.ndarray,
    b: np.ndarray,
    weight: np.ndarray,
    taken: np.ndarray,
    named: np.ndarray,
    threshold: float,
    below: float = CLEAR_BELOW,
    lead: float = CLEAR_LEAD,
) -> np.ndarray:
    """bool per edge (a[i], b[i], weight[i]) of one pair of claims: the edge's weight is at least
    threshold - below and under the threshold, it is the best edge of both its records by at
    least `lead` bits over each one's next edge, both records are `named` (bool per record), and
    neither touches a `taken` edge (one already linked, or in a near tie)."""
    out = np.zeros(len(a), bool)
    if below <= 0 or len(a) == 0:
        return out
    busy = np.zeros(int(max(a.max(), b.max())) + 1, bool)
    busy[a[taken]] = True
    busy[b[taken]] = True
    band = (weight >= threshold - below) & (weight < threshold) & named[a] & named[b]
    band &= ~busy[a] & ~busy[b]
    if not band.any():
        return out
    best_a, next_a = best_and_next(a, weight)  # compiled: one pass over the edges
    best_b, next_b = best_and_next(b, weight)
    return band & best_a & best_b & (weight - next_a >= lead) & (weight - next_b >= lead)
