"""Sort-based helpers on integer arrays (numpy 2.4's np.unique hashes: ~100x slower at 10M)."""

from __future__ import annotations

import numpy as np


def runs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and where each run of them starts."""
    if len(x) == 0:
        return x, np.zeros(0, np.int64)
    start = np.flatnonzero(np.concatenate([[True], x[1:] != x[:-1]]))
    return x[start], start


def unique_sorted(x: np.ndarray) -> np.ndarray:
    """The distinct values of an array, ascending, by one sort."""
    return runs(np.sort(x))[0]


def ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The concatenation of arange(starts[i], starts[i] + counts[i]) for every i."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(np.asarray(starts, dtype=np.int64), counts) + offset
