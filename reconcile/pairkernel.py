"""Compiled (numba) loops over scored pairs: total weights and EM's level masses in one pass.

`reconcile.score` states the rules; these loops compute them pair by pair without a float64
temporary per field (180 MB each at 23M pairs), and to the last bit of the numpy expressions
they replace: each pair's weight adds the same terms in the same order (`base + fixed[i]`,
then each field's weight in field order), and each level's mass adds the pairs' probabilities
in pair order, as np.bincount does.

numba compiles at first use and caches next to this file (or in the user's cache directory;
neither writable: compiled in each process, about a second). Keep every compiled function in
this file: numba's cache does not see changes to other modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def _njit(fn: Callable[..., Any]) -> Any:
    """numba.njit(cache=True, nogil=True), without the on-disk cache where no cache directory
    is writable (numba refuses caching then)."""
    import numba

    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(cache=False, nogil=True)(fn)


def _weights_loop(
    base: float, fixed: np.ndarray, codes: Any, tables: np.ndarray, out: np.ndarray
) -> None:
    n_fields = len(codes)
    for i in range(fixed.shape[0]):
        acc = base + fixed[i]
        for f in range(n_fields):
            acc += tables[f, codes[f][i]]  # code -1 reads the last column: 0.0
        out[i] = acc


def _masses_loop(p: np.ndarray, codes: Any, out: np.ndarray) -> None:
    n_fields = len(codes)
    for i in range(p.shape[0]):
        for f in range(n_fields):
            c = codes[f][i]
            if c >= 0:
                out[f, c] += p[i]


_JITTED = ("_weights_loop", "_masses_loop")
_compiled = False


def _jit() -> None:
    """Replace the loops of this module by their numba versions (at first use, so that
    importing reconcile does not import numba)."""
    global _compiled
    if not _compiled:
        g = globals()
        for fn in _JITTED:
            g[fn] = _njit(g[fn])
        _compiled = True


def _same_type(codes: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
    """The code arrays as one numba type (numba indexes a tuple of arrays only when they are
    all of one type): one integer dtype, contiguous, writeable (a read-only one is copied)."""
    dtype = np.int8 if all(c.dtype == np.int8 for c in codes) else np.int64
    out = []
    for c in codes:
        c = np.ascontiguousarray(c, dtype=dtype)
        out.append(c if c.flags.writeable else c.copy())
    return tuple(out)


def level_tables(tables: Sequence[Sequence[float]]) -> np.ndarray:
    """float64[n_fields, width + 1]: the weight of each field's levels, in code order, padded
    with 0.0 (the last column is the weight of code -1: none)."""
    width = max((len(t) for t in tables), default=0) + 1
    out = np.zeros((len(tables), width))
    for f, t in enumerate(tables):
        out[f, : len(t)] = t
    return out


def total_weights(
    base: float,
    fixed: np.ndarray,
    codes: Sequence[np.ndarray],
    tables: np.ndarray,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """base + fixed[i] + tables[0, codes[0][i]] + tables[1, codes[1][i]] + ..., added in that
    order (as `w = base + fixed; w += tables[f][codes[f]]` field by field), into out (a new
    float64 array when not given). codes: one integer array per row of tables (level_tables)."""
    fixed = np.asarray(fixed, dtype=np.float64)
    if out is None:
        out = np.empty(len(fixed))
    if len(fixed) == 0:
        return out
    if not codes:
        np.add(base, fixed, out=out)
        return out
    _jit()
    _weights_loop(float(base), fixed, _same_type(codes), tables, out)
    return out


def level_masses(p: np.ndarray, codes: Sequence[np.ndarray], n_levels: int) -> np.ndarray:
    """float64[len(codes), n_levels]: row f holds, for each level k, the sum of p[i] over the
    pairs whose codes[f][i] == k, in pair order (np.bincount(codes[f][has], p[has]) with has =
    codes[f] >= 0, to the last bit). Codes must be below n_levels."""
    out = np.zeros((len(codes), n_levels))
    if len(p) == 0 or not codes:
        return out
    _jit()
    _masses_loop(np.asarray(p, dtype=np.float64), _same_type(codes), out)
    return out
