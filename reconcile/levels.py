"""Every compared field but the name, as int8 level codes: records coded once, pairs compared.

`record_codes(p)` turns each field of every record into an integer code once (factorised text,
-1 where the value is not known); `field_codes(fc, ra, rb)` compares record pairs on those codes
with numpy alone. Fuzzy text (location, nationality, kinship targets) is scored by rapidfuzz
only on the distinct pairs of values a batch of pairs holds, which are few, and mapped back.
Each field's level is a code into LEVELS[field] (LEVEL_NAMES adds the name's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from reconcile.compare import NAME_LEVELS
from reconcile.fieldkernel import simple_levels
from reconcile.prepare import Prepared

# every level a field can take, in a fixed order: a pair's level is its position here
LEVELS: dict[str, tuple[str, ...]] = {
    "sex": ("missing", "agree", "conflict"),
    "age": ("missing", "exact", "within1", "within3", "overlap", "group", "conflict"),
    "dob": ("missing", "exact", "year", "conflict"),
    "national_id": ("missing", "agree", "typo", "conflict"),
    "relation": ("missing", "same", "term", "unsure", "differs", "conflict"),
    "status": ("missing", "agree", "conflict"),
    "location": ("missing", "agree", "conflict"),
    "nationality": ("missing", "agree", "conflict"),
}

FIELDS_COMPARED = (
    "sex",
    "age",
    "dob",
    "national_id",
    "relation",
    "status",
    "location",
    "nationality",
)

# every level a compared field can take, in a fixed order: levels travel as int8 codes into it
LEVEL_NAMES: dict[str, tuple[str, ...]] = {"name": NAME_LEVELS, **LEVELS}


def encode(fld: str, levels: np.ndarray) -> np.ndarray:
    """A field's level names as int8 codes into LEVEL_NAMES[fld]."""
    codes = np.asarray(
        pd.Categorical(levels, categories=list(LEVEL_NAMES[fld])).codes, dtype=np.int8
    )
    if (codes < 0).any():
        raise ValueError(f"unknown level of {fld}: {set(levels[codes < 0])}")
    return codes


def decode(fld: str, codes: np.ndarray) -> np.ndarray:
    """int8 codes back to the level names (an object array sharing one string per level)."""
    return np.asarray(LEVEL_NAMES[fld], dtype=object)[codes]


FUZZY_AGREE = 85.0  # token_set_ratio of casefolded location / nationality texts that agree
TARGET_SAME = 80.0  # token_set_ratio of casefolded kinship targets that look like one person
NOT_KNOWN = ("", "unknown")  # values of sex, age group, dob, national id, status that say nothing


def _code(fld: str, level: str) -> int:
    return LEVELS[fld].index(level)


@dataclass
class Coded:
    """One text field of every record as codes: code int32[n_records] (-1: not known) into
    texts (the distinct known values, as the comparison reads them)."""

    code: np.ndarray
    texts: np.ndarray  # object[n_distinct] of str


@dataclass
class FieldCodes:
    """The compared fields of every record of a Prepared, coded once (see record_codes)."""

    sex: np.ndarray  # int8: 0 female, 1 male, -1 otherwise
    age_group: np.ndarray  # int8: 0 child, 1 adult, 2 elderly, -1 otherwise
    age_min: np.ndarray  # float64, NaN when not stated
    age_max: np.ndarray  # float64
    dob: Coded  # the normalised date
    dob_year: np.ndarray  # int32: code of the date's first four characters, -1 when no date
    national_id: Coded
    status: Coded
    relation_term: np.ndarray  # int32, -1 when no kinship term
    relation_to: Coded  # the kinship target, casefolded
    location: Coded  # casefolded
    nationality: Coded  # casefolded


def _factor(
    values: np.ndarray,
    unknown: Sequence[str] = ("",),
    fold: Callable[[str], str] | None = None,
) -> Coded:
    """Codes of text values (a value in `unknown` gets -1); with fold, values equal once folded
    share a code and texts holds the folded values."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    texts = np.asarray(uniques, dtype=object)
    known = ~pd.Index(texts, dtype=object).isin(list(unknown))
    if fold is not None:
        texts = np.asarray([fold(str(t)) for t in texts], dtype=object)
    sub, distinct = pd.factorize(texts[known], use_na_sentinel=False)
    remap = np.full(len(texts), -1, np.int32)
    remap[known] = sub
    return Coded(remap[codes], np.asarray([str(t) for t in distinct], dtype=object))


def _small(values: np.ndarray, allowed: Sequence[str]) -> np.ndarray:
    """int8 position of each value in allowed, -1 for any other value."""
    out = np.full(len(values), -1, np.int8)
    for k, v in enumerate(allowed):
        out[values == v] = k
    return out


def record_codes(p: Prepared) -> FieldCodes:
    """Code every compared field of every record of p once (a pass over the records)."""
    return column_codes(p.cols)


def column_codes(c: Mapping[str, np.ndarray]) -> FieldCodes:
    """Code the record columns comparisons read (Prepared.cols: text arrays sex, age_group, dob,
    national_id, status, relation_term, relation_to, location, nationality; float age_min,
    age_max)."""
    dob = _factor(c["dob"], NOT_KNOWN)
    year, _ = pd.factorize(np.asarray([t[:4] for t in dob.texts], dtype=object))
    year_of = np.append(year.astype(np.int32), np.int32(-1))  # code -1 reads the last entry
    return FieldCodes(
        sex=_small(c["sex"], ("female", "male")),
        age_group=_small(c["age_group"], ("child", "adult", "elderly")),
        age_min=np.asarray(c["age_min"], np.float64),
        age_max=np.asarray(c["age_max"], np.float64),
        dob=dob,
        dob_year=year_of[dob.code],
        national_id=_factor(c["national_id"], NOT_KNOWN),
        status=_factor(c["status"], NOT_KNOWN),
        relation_term=_factor(c["relation_term"]).code,
        relation_to=_factor(c["relation_to"], fold=str.casefold),
        location=_factor(c["location"], fold=str.casefold),
        nationality=_factor(c["nationality"], fold=str.casefold),
    )


# ---------------------------------------------------------------- pairs of records


def field_codes(
    fc: FieldCodes, ra: np.ndarray, rb: np.ndarray, workers: int = -1
) -> dict[str, np.ndarray]:
    """The level of every compared field (not the name) of record pairs (ra[i], rb[i]), as int8
    codes into LEVELS[field]. Sex, age, date of birth and status by the compiled
    fieldkernel.simple_levels (its docstring states their rules), the rest here."""
    sex, age, dob, status = simple_levels(
        ra,
        rb,
        fc.sex,
        fc.status.code,
        fc.age_min,
        fc.age_max,
        fc.age_group,
        fc.dob.code,
        fc.dob_year,
        _AGE_CODES,
        _DOB_CODES,
    )
    return {
        "sex": sex,
        "age": age,
        "dob": dob,
        "national_id": _national_id(fc.national_id, ra, rb, workers),
        "relation": _relation(fc, ra, rb, workers),
        "status": status,
        "location": _fuzzy(fc.location, ra, rb, FUZZY_AGREE, workers),
        "nationality": _fuzzy(fc.nationality, ra, rb, FUZZY_AGREE, workers),
    }


_AGE_CODES = np.array(
    [_code("age", x) for x in ("group", "conflict", "overlap", "exact", "within1", "within3")]
)
_DOB_CODES = np.array([_code("dob", x) for x in ("missing", "conflict", "year", "exact")])


def _agree(a: np.ndarray, b: np.ndarray, conflict: int = 2) -> np.ndarray:
    """missing (0: either code -1) / agree (1: equal codes) / conflict (its code)."""
    out = np.where(a == b, np.int8(1), np.int8(conflict))
    out[(a < 0) | (b < 0)] = 0
    return out


def _national_id(ids: Coded, ra: np.ndarray, rb: np.ndarray, workers: int) -> np.ndarray:
    """agree / typo (one edit or transposition apart) / conflict / missing."""
    a, b = ids.code[ra], ids.code[rb]
    level = _agree(a, b, _code("national_id", "conflict"))
    conf = np.flatnonzero(level == _code("national_id", "conflict"))
    if len(conf):
        d = _distinct_scores(ids, a[conf], b[conf], OSA.distance, workers)
        level[conf[d <= 1]] = _code("national_id", "typo")
    return level


def _relation(fc: FieldCodes, ra: np.ndarray, rb: np.ndarray, workers: int) -> np.ndarray:
    """same (same term, to the same-looking person) / term (same term, a target not stated) /
    unsure (same term, targets that do not look alike) / conflict (terms differ) / missing.
    reconcile.relate refines same, term and unsure by the persons the targets belong to."""
    ta, tb = fc.relation_term[ra], fc.relation_term[rb]
    known = (ta >= 0) & (tb >= 0)
    level = np.where(known, _code("relation", "conflict"), _code("relation", "missing"))
    level = level.astype(np.int8)
    same_term = known & (ta == tb)
    level[same_term] = _code("relation", "term")
    to_a, to_b = fc.relation_to.code[ra], fc.relation_to.code[rb]
    idx = np.flatnonzero(same_term & (to_a >= 0) & (to_b >= 0))
    if len(idx):
        s = _distinct_scores(fc.relation_to, to_a[idx], to_b[idx], fuzz.token_set_ratio, workers)
        level[idx] = np.where(
            s >= TARGET_SAME, _code("relation", "same"), _code("relation", "unsure")
        )
    return level


def _fuzzy(
    text: Coded, ra: np.ndarray, rb: np.ndarray, threshold: float, workers: int
) -> np.ndarray:
    """Free text: agree when token_set_ratio of the casefolded texts >= threshold."""
    a, b = text.code[ra], text.code[rb]
    level = np.zeros(len(ra), np.int8)
    idx = np.flatnonzero((a >= 0) & (b >= 0))
    if len(idx):
        s = _distinct_scores(text, a[idx], b[idx], fuzz.token_set_ratio, workers)
        level[idx] = np.where(s >= threshold, np.int8(1), np.int8(2))
    return level


def _distinct_scores(
    text: Coded, a: np.ndarray, b: np.ndarray, scorer: Callable[..., float], workers: int
) -> np.ndarray:
    """scorer(texts[a[i]], texts[b[i]]) for every i (codes >= 0), computed once per distinct
    pair of codes."""
    key = a.astype(np.int64) * len(text.texts) + b
    inverse, pairs = pd.factorize(key)
    ua, ub = pairs // len(text.texts), pairs % len(text.texts)
    s = process.cpdist(text.texts[ua], text.texts[ub], scorer=scorer, workers=workers)
    return np.asarray(s)[inverse]
