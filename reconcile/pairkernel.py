"""Compiled (numba) loops over scored pairs: one pass each, no temporary per field or sort.

`reconcile.score` states the rules; these loops compute them pair by pair without a float64
temporary per field (180 MB each at 23M pairs), and to the last bit of the numpy expressions
they replace: each pair's weight adds the same terms in the same order (`base + fixed[i]`,
then each field's weight in field order), and each level's mass adds the pairs' probabilities
in pair order, as np.bincount does. Two more serve clustering: the other strong members of a
pair's (group, context) key (relate.context_bonus, by hashing instead of two factorize passes),
and each record's best edge and next weight (clearbest, instead of a two-key sort).

numba compiles at first use and caches next to this file (or in the user's cache directory;
neither writable: compiled in each process, about a second). Keep every compiled function in
this file: numba's cache does not see changes to other modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from reconcile.jit import compile_module


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


def _slot(table: np.ndarray, mask: int, a: int, b: int) -> np.int64:
    """The slot of (a, b) in an open-addressing table of pairs (table[slot] = a, b; -1: free):
    where it is, or the free slot where it goes."""
    h = (np.uint64(a) * np.uint64(0x9E3779B97F4A7C15)) ^ (
        np.uint64(b) * np.uint64(0xC2B2AE3D27D4EB4F)
    )
    at = np.int64((h >> np.uint64(20)) & np.uint64(mask))
    while table[at, 0] != -1 and (table[at, 0] != a or table[at, 1] != b):
        at = (at + 1) & mask
    return at


def _members_loop(key: np.ndarray, x: np.ndarray, strong: np.ndarray, out: np.ndarray) -> None:
    n_strong = 0
    for i in range(len(key)):
        if strong[i]:
            n_strong += 1
    size = 16
    while size < 2 * n_strong + 2:
        size *= 2
    mask = size - 1
    keys = np.full((size, 2), -1, np.int64)  # (key, -1)
    count = np.zeros(size, np.int64)
    members = np.full((size, 2), -1, np.int64)  # (key, x)
    for i in range(len(key)):
        if strong[i]:
            k = _slot(keys, mask, key[i], -2)
            keys[k, 0], keys[k, 1] = key[i], -2
            m = _slot(members, mask, key[i], x[i])
            if members[m, 0] == -1:
                members[m, 0], members[m, 1] = key[i], x[i]
                count[k] += 1
    for i in range(len(key)):
        k = _slot(keys, mask, key[i], -2)
        if keys[k, 0] == -1:
            out[i] = 0
        else:
            m = _slot(members, mask, key[i], x[i])
            out[i] = count[k] - (1 if members[m, 0] != -1 else 0)


def _best_loop(node: np.ndarray, w: np.ndarray, best_at: np.ndarray, second: np.ndarray) -> None:
    for i in range(len(node)):
        v = node[i]
        j = best_at[v]
        if j == -1 or w[i] > w[j]:
            if j != -1:
                second[v] = w[j]
            best_at[v] = i
        elif w[i] > second[v]:
            second[v] = w[i]


_JITTED = ("_slot", "_weights_loop", "_masses_loop", "_members_loop", "_best_loop")


def _jit() -> None:
    """Replace the loops of this module by their numba versions (at first use, so that
    importing reconcile does not import numba)."""
    compile_module(globals(), _JITTED)


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


def other_members(key: np.ndarray, x: np.ndarray, strong: np.ndarray) -> np.ndarray:
    """For each pair i, how many distinct records other than x[i] are members of key[i]: the
    x of the strong pairs (strong[i]) with that key. key, x: non-negative integers."""
    out = np.zeros(len(key), np.int64)
    if len(key) == 0:
        return out
    _jit()
    _members_loop(
        np.asarray(key, np.int64), np.asarray(x, np.int64), np.asarray(strong, np.bool_), out
    )
    return out


def best_and_next(node: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each edge: whether it is its node's best (highest weight, the lowest edge on a tie),
    and the weight of that node's second-best edge (-inf when none). One pass over the edges,
    the same as ordering them by node and descending weight (np.lexsort((-w, node))) and
    reading each node's first two. node: non-negative integers; w: no NaN."""
    n_nodes = int(node.max()) + 1 if len(node) else 0
    best_at = np.full(n_nodes, -1, np.int64)
    second = np.full(n_nodes, -np.inf)
    if len(node):
        _jit()
        _best_loop(np.asarray(node, np.int64), np.asarray(w, np.float64), best_at, second)
    is_best = np.zeros(len(node), bool)
    is_best[best_at[best_at >= 0]] = True
    return is_best, second[node]
