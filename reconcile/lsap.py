"""Optimal one-to-one assignment of many small components at once, compiled (numba).

The method is the shortest augmenting path one of scipy's linear_sum_assignment (Crouse, "On
implementing 2D rectangular assignment algorithms", IEEE TAES 52(4), 2016), with its choices:
rows taken in order, columns scanned from the last, a tie between shortest paths going to a
free column first, a matrix with more rows than columns solved transposed, the costs used as
they are. So it picks what linear_sum_assignment (scipy 1.17) picks, ties included (the tests
check it against scipy), without a Python call per component: tens of thousands of 2 x 2
components cost one call instead of tens of thousands.

numba compiles at first use and caches next to this file (or in the user's cache directory;
neither writable: compiled in each process, about a second). Keep every compiled function in
this file: numba's cache does not see changes to other modules.
"""

from __future__ import annotations

import numpy as np

from reconcile.jit import compile_module


def _solve(cost: np.ndarray, nr: int, nc: int, col4row: np.ndarray) -> bool:
    """Minimum-cost assignment of the nr rows of cost (nr x nc, nr <= nc, row-major in a flat
    array) to distinct columns, into col4row[:nr]. False when infeasible (never with finite
    costs)."""
    c = cost
    u = np.zeros(nr)
    v = np.zeros(nc)
    shortest = np.empty(nc)
    path = np.full(nc, -1, np.int64)
    row4col = np.full(nc, -1, np.int64)
    sr = np.zeros(nr, np.bool_)
    sc = np.zeros(nc, np.bool_)
    remaining = np.empty(nc, np.int64)
    for r in range(nr):
        col4row[r] = -1
    for cur in range(nr):
        # shortest augmenting path from row cur
        n_left = nc
        for k in range(nc):
            remaining[k] = nc - k - 1
        sr[:] = False
        sc[:] = False
        shortest[:] = np.inf
        min_val = 0.0
        i = cur
        sink = -1
        while sink == -1:
            index = -1
            lowest = np.inf
            sr[i] = True
            for k in range(n_left):
                j = remaining[k]
                red = min_val + c[i * nc + j] - u[i] - v[j]
                if red < shortest[j]:
                    path[j] = i
                    shortest[j] = red
                if shortest[j] < lowest or (shortest[j] == lowest and row4col[j] == -1):
                    lowest = shortest[j]
                    index = k
            min_val = lowest
            if min_val == np.inf:
                return False
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            sc[j] = True
            n_left -= 1
            remaining[index] = remaining[n_left]
        # duals
        u[cur] += min_val
        for i in range(nr):
            if sr[i] and i != cur:
                u[i] += min_val - shortest[col4row[i]]
        for j in range(nc):
            if sc[j]:
                v[j] -= min_val - shortest[j]
        # augment
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            col4row[i], j = j, col4row[i]
            if i == cur:
                break
    return True


def _components_loop(
    cut: np.ndarray,
    n_rows: np.ndarray,
    n_cols: np.ndarray,
    row: np.ndarray,
    col: np.ndarray,
    cost: np.ndarray,
    chosen: np.ndarray,
) -> None:
    for k in range(len(cut) - 1):
        s, e = cut[k], cut[k + 1]
        na, nb = n_rows[k], n_cols[k]
        flip = nb < na  # more rows than columns: solved transposed
        nr, nc = (nb, na) if flip else (na, nb)
        full = np.zeros(nr * nc)
        edge = np.full(nr * nc, -1, np.int64)
        for t in range(s, e):
            at = col[t] * nc + row[t] if flip else row[t] * nc + col[t]
            full[at] = cost[t]  # a repeated pair: the last one, as numpy's assignment
            edge[at] = t
        col4row = np.empty(nr, np.int64)
        if not _solve(full, nr, nc, col4row):
            continue
        for i in range(nr):
            at = i * nc + col4row[i]
            if edge[at] >= 0 and full[at] < 0:
                chosen[edge[at]] = True


_JITTED = ("_solve", "_components_loop")


def _jit() -> None:
    """Replace the loops of this module by their numba versions (at first use)."""
    compile_module(globals(), _JITTED)


def assign_components(
    cut: np.ndarray,
    n_rows: np.ndarray,
    n_cols: np.ndarray,
    row: np.ndarray,
    col: np.ndarray,
    cost: np.ndarray,
) -> np.ndarray:
    """Mask of the edges an optimal assignment picks, component by component.

    Component k holds the edges cut[k]:cut[k + 1] (row[t], col[t] local numbers below
    n_rows[k], n_cols[k]; cost[t] the negated benefit, finite). Each component is the dense
    n_rows x n_cols matrix of its costs, 0 where no edge, solved as linear_sum_assignment
    solves it; an edge is picked when its cell is assigned and its cost is below 0 (a pair
    repeated in a component: its last edge)."""
    chosen = np.zeros(len(row), np.bool_)
    if len(cut) < 2:
        return chosen
    _jit()
    _components_loop(
        np.asarray(cut, np.int64),
        np.asarray(n_rows, np.int64),
        np.asarray(n_cols, np.int64),
        np.asarray(row, np.int64),
        np.asarray(col, np.int64),
        np.asarray(cost, np.float64),
        chosen,
    )
    return chosen
