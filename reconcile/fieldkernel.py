"""Compiled (numba) levels of sex, age, date of birth and status for record pairs, in one pass.

The rules (level names: reconcile.levels.LEVELS):
- sex, status: missing when either is not known, agree when equal, else conflict;
- date of birth: missing when either has none, exact on the same date, year on the same first
  four characters, else conflict;
- age, each rule overriding the ones before it: group (both age groups known and equal) or
  conflict (known and different); then, when both give an age (a year or a range):
  overlap (ranges that meet), exact (single ages less than half a year apart), within1 (single
  ages a year apart or meeting), within3 (1-3 years apart), conflict (more than 3).

One pass over the pairs without the dozen boolean temporaries per field numpy would make over
every batch (most of the non-name fields' comparison time on long lists). The level codes are
passed in, so this file needs nothing from the rest of reconcile.

numba compiles at first use and caches next to this file (or in the user's cache directory;
neither writable: compiled in each process). Keep every compiled function in this file: numba's
cache does not see changes to other modules.
"""

from __future__ import annotations

import math

import numpy as np

from reconcile.jit import compile_module


def _loop(
    ra: np.ndarray,
    rb: np.ndarray,
    sex: np.ndarray,
    status: np.ndarray,
    age_min: np.ndarray,
    age_max: np.ndarray,
    age_group: np.ndarray,
    dob: np.ndarray,
    dob_year: np.ndarray,
    age_codes: np.ndarray,
    dob_codes: np.ndarray,
    out_sex: np.ndarray,
    out_age: np.ndarray,
    out_dob: np.ndarray,
    out_status: np.ndarray,
) -> None:
    group, conflict, overlap, exact, within1, within3 = (
        age_codes[0],
        age_codes[1],
        age_codes[2],
        age_codes[3],
        age_codes[4],
        age_codes[5],
    )
    d_missing, d_conflict, d_year, d_exact = dob_codes[0], dob_codes[1], dob_codes[2], dob_codes[3]
    for i in range(ra.shape[0]):
        x = ra[i]
        y = rb[i]
        # sex and status: missing 0 (either not known), agree 1, conflict 2
        sa, sb = sex[x], sex[y]
        out_sex[i] = 0 if (sa < 0 or sb < 0) else (1 if sa == sb else 2)
        ta, tb = status[x], status[y]
        out_status[i] = 0 if (ta < 0 or tb < 0) else (1 if ta == tb else 2)
        # date of birth
        da = dob[x]
        db = dob[y]
        if da >= 0 and db >= 0:
            level = d_conflict
            if dob_year[x] == dob_year[y]:
                level = d_year
            if da == db:
                level = d_exact
        else:
            level = d_missing
        out_dob[i] = level
        # age: each rule overrides the ones before it, as levels._age
        amin = age_min[x]
        amax = age_max[x]
        bmin = age_min[y]
        bmax = age_max[y]
        level = 0
        ga = age_group[x]
        gb = age_group[y]
        if ga >= 0 and gb >= 0:
            level = group if ga == gb else conflict
        if not math.isnan(amin) and not math.isnan(bmin):
            # np.maximum(np.maximum(amin - bmax, bmin - amax), 0): NaN when any part is
            t1 = amin - bmax
            t2 = bmin - amax
            if math.isnan(t1) or math.isnan(t2):
                gap = math.nan
            else:
                gap = t1 if t1 > t2 else t2
                gap = gap if gap > 0.0 else 0.0
            point = (amax - amin <= 1.0) and (bmax - bmin <= 1.0)
            diff = abs(amin - bmin)
            if gap == 0 and not point:
                level = overlap
            if point and gap == 0 and diff < 0.5:
                level = exact
            if point and gap > 0 and gap <= 1.0:
                level = within1
            if point and diff >= 0.5 and gap == 0:
                level = within1
            if gap > 1.0 and gap <= 3.0:
                level = within3
            if gap > 3.0:
                level = conflict
        out_age[i] = level


_JITTED = ("_loop",)


def _jit() -> None:
    """Replace the loop of this module by its numba version (at first use)."""
    compile_module(globals(), _JITTED)


def simple_levels(
    ra: np.ndarray,
    rb: np.ndarray,
    sex: np.ndarray,
    status: np.ndarray,
    age_min: np.ndarray,
    age_max: np.ndarray,
    age_group: np.ndarray,
    dob: np.ndarray,
    dob_year: np.ndarray,
    age_codes: np.ndarray,
    dob_codes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """int8 levels (sex, age, dob, status) of record pairs (ra[i], rb[i]). Per record: sex and
    status codes (-1: not known), age_min / age_max (NaN: not stated), age_group (-1: not
    known), dob and dob_year codes (-1: no date). age_codes: the codes of group, conflict,
    overlap, exact, within1, within3; dob_codes: of missing, conflict, year, exact."""
    _jit()
    n = len(ra)
    out = tuple(np.zeros(n, np.int8) for _ in range(4))
    if n:
        _loop(
            np.ascontiguousarray(ra, np.int64),  # (per-record arrays as they are: no copy)
            np.ascontiguousarray(rb, np.int64),
            sex,
            status,
            age_min,
            age_max,
            age_group,
            dob,
            dob_year,
            np.asarray(age_codes, np.int64),
            np.asarray(dob_codes, np.int64),
            *out,
        )
    return out[0], out[1], out[2], out[3]
