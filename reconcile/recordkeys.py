"""The records' claim and record_id as integer codes in text order, factorised once per records.

Both the pairs.csv rows (reconcile.pairrows: record_a/record_b categories) and the distinct
people range (reconcile.counts: which record each pair names) need every record's id as a code
into the sorted distinct ids; on a million records that is the costliest step of either. The
answer for the last records asked about is kept, recognised by the Arrow data of their claim and
record_id columns: Arrow arrays are immutable, so a frame that shares them (reset_index, a
shallow copy) or holds equal ones (Case.records concatenates the claims anew on each call)
holds the very same texts. A frame of another kind is factorised every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class KeyCodes:
    """claim_code[i] / id_code[i]: record i's claim and record_id as positions in `claims` and
    `ids` (each its distinct texts, sorted)."""

    claim_code: np.ndarray  # int64
    claims: pd.Index
    id_code: np.ndarray  # int64
    ids: pd.Index


# the last answer, with the Arrow data it was read from (held, so never another's id)
_LAST: list[tuple[tuple[object, object], KeyCodes]] = []


def key_codes(records: pd.DataFrame) -> KeyCodes | None:
    """The records' claims and record ids as codes in text order; None when a cell of either is
    missing."""
    claim, ids = records["claim"], records["record_id"]
    data = (_arrow_data(claim), _arrow_data(ids))
    if _LAST and data[0] is not None and data[1] is not None:
        (a, b), got = _LAST[0]
        if _same(a, data[0]) and _same(b, data[1]):
            return got
    if claim.isna().any() or ids.isna().any():
        return None
    cc, claims = pd.factorize(claim.astype("str"), sort=True)
    rc, names = pd.factorize(ids.astype("str"), sort=True)
    got = KeyCodes(
        np.asarray(cc, dtype=np.int64),
        pd.Index(claims, dtype="str"),
        np.asarray(rc, dtype=np.int64),
        pd.Index(names, dtype="str"),
    )
    _LAST.clear()
    if data[0] is not None and data[1] is not None:
        _LAST.append((data, got))
    return got


def _same(a: object, b: object) -> bool:
    """The same Arrow data: the very array, or one equal to it value for value (a second concat
    of the same claims: a memory compare, far cheaper than factorising again)."""
    return a is b or bool(a.equals(b))  # type: ignore[attr-defined]


def _arrow_data(s: pd.Series) -> object | None:
    """The immutable Arrow array behind an Arrow-backed text column (None for another kind)."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        return getattr(s.array, "_pa_array", None)
    return None
