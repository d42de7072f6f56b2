"""The pairs.csv rows: scored record pairs as a frame (PAIR_COLUMNS, then lvl_*/w_* per field).

`pair_rows` turns the pairs matching lists (int arrays and int8 level codes) into rows;
`sort_pairs` puts them in pairs.csv's (claim_a, record_a, claim_b, record_b) order.

The frame lives to the end of a run (pairs.csv is written last), so it is kept compact: every
column whose values repeat is categorical (claim_a/claim_b and record_a/record_b over the
records' claims and ids, status and lvl_* over their names, w_* of a field over the weights of its
levels, w_context and w_prior over their few values); only weight, probability and w_name, which
differ from pair to pair, are float64. Text categories are sorted, so sorting a column sorts it as
text; numeric categories are sorted by value. Every writer renders such a frame exactly as the
plain one (`plain_pairs` turns it back into str/float64 columns for those that need to).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reconcile.levels import FIELDS_COMPARED, LEVEL_NAMES
from reconcile.prepare import Prepared
from reconcile.recordkeys import key_codes
from reconcile.schema import PAIR_COLUMNS
from reconcile.score import Model, probability

FEW_VALUES = 1024  # a float column with at most this many distinct values is made categorical


def sort_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs in (claim_a, record_a, claim_b, record_b) text order (ties keep their order),
    renumbered from 0: pairs.csv's order, read from the compact frame's sorted codes."""
    return pairs.iloc[pair_order(pairs)].reset_index(drop=True)


def pair_order(pairs: pd.DataFrame) -> np.ndarray:
    """The positions that put the pairs in (claim_a, record_a, claim_b, record_b) text order,
    stable. On a compact frame (sorted text categories, one dtype for both sides) one int64 key
    per pair is sorted; otherwise the texts are."""
    cols = [pairs[c] for c in ("claim_a", "record_a", "claim_b", "record_b")]
    if _sorted_codes(cols):
        n_claims, n_ids = len(cols[0].cat.categories), len(cols[1].cat.categories)
        space = max(n_claims * n_ids, 1)
        if space < 2**31:
            a, b = (
                cols[i].cat.codes.to_numpy().astype(np.int64) * n_ids
                + cols[i + 1].cat.codes.to_numpy()
                for i in (0, 2)
            )
            return np.argsort(a * space + b, kind="stable")
    plain = pd.DataFrame({str(i): c.astype("str").to_numpy() for i, c in enumerate(cols)})
    return plain.sort_values(["0", "1", "2", "3"], kind="stable").index.to_numpy()


def _sorted_codes(cols: list[pd.Series]) -> bool:
    """Whether the claim and record columns are categoricals whose codes sort as their texts:
    sorted text categories, no missing cell, each kind one dtype on both sides."""
    ca, ra, cb, rb = cols
    if not all(isinstance(c.dtype, pd.CategoricalDtype) for c in cols):
        return False
    if ca.dtype != cb.dtype or ra.dtype != rb.dtype or any(c.isna().any() for c in cols):
        return False
    return all(_increasing(c.cat.categories) for c in (ca, ra))


def _increasing(cats: pd.Index) -> bool:
    """Whether Arrow-backed text categories are in increasing text order (compared by Arrow:
    Index.is_monotonic_increasing would cache a hash table of them, 120 MB at 1.8M ids)."""
    data = getattr(cats.array, "_pa_array", None)
    if not isinstance(cats.dtype, pd.StringDtype) or not isinstance(data, pa.ChunkedArray):
        return False
    arr = data.combine_chunks()
    if len(arr) < 2:
        return True
    return bool(pc.all(pc.less(arr.slice(0, len(arr) - 1), arr.slice(1))).as_py())


def _texts(codes: np.ndarray, names: Sequence[str]) -> pd.Categorical:
    """Codes into `names` (distinct texts; -1: missing) as a categorical with sorted categories."""
    order = np.argsort(np.asarray(names, dtype=object), kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    new = np.append(rank, -1)[codes]  # code -1 reads the appended -1
    return pd.Categorical.from_codes(
        new.astype(_code_type(len(order))),
        categories=pd.Index([names[i] for i in order], dtype="str"),
    )


def _code_type(n: int) -> type[np.signedinteger]:
    return np.int8 if n < 127 else np.int16 if n < 32_000 else np.int32


def _numbers(codes: np.ndarray, values: np.ndarray) -> pd.Categorical[float] | np.ndarray:
    """values[codes] as a categorical over the distinct values (sorted), or as float64 when they
    cannot be categories: NaN, or both 0.0 and -0.0 (one category, but written differently)."""
    bits, inverse = np.unique(values.view(np.int64), return_inverse=True)
    distinct = bits.view(np.float64)
    zeros = distinct[distinct == 0]
    if np.isnan(distinct).any() or len(zeros) > 1:
        return values[codes]
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    new = rank[inverse.reshape(-1)][codes]
    return pd.Categorical.from_codes(
        new.astype(_code_type(len(order))), categories=pd.Index(distinct[order], dtype=np.float64)
    )


def _compact(values: np.ndarray) -> pd.Categorical[float] | np.ndarray:
    """A float64 column as a categorical when it holds few distinct values, else as it is."""
    codes, distinct = pd.factorize(values.view(np.int64))
    if len(distinct) > FEW_VALUES:
        return values
    return _numbers(codes, np.asarray(distinct, dtype=np.int64).view(np.float64))


def _without_hash_table(dtype: pd.CategoricalDtype) -> pd.CategoricalDtype:
    """The dtype, its categories' lookup table dropped: checking the categories are unique left
    a hash table of every record id cached on them (120 MB at 1.8M ids) that nothing reads
    afterwards, and the pairs frame lives to the end of the run. Rebuilt if ever needed."""
    cache = getattr(dtype.categories, "_cache", None)
    if isinstance(cache, dict):
        cache.pop("_engine", None)
    return dtype


def _record_ids(recs: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Each record's code into the distinct record ids (sorted: codes sort as the texts do)."""
    got = key_codes(recs)  # kept for counts, which maps pairs back to records by these codes
    if got is not None:
        return got.id_code, got.ids
    codes, ids = pd.factorize(recs["record_id"].astype("str"), sort=True)
    return codes, pd.Index(ids, dtype="str")


def pair_rows(
    p: Prepared,
    model: Model,
    rows: np.ndarray,
    ra: np.ndarray,
    rb: np.ndarray,
    weight: np.ndarray,
    status: np.ndarray,
    name_weight: np.ndarray,
    codes: dict[str, np.ndarray],
    ctx: np.ndarray,
    prior: np.ndarray,
    is_candidate: np.ndarray,
) -> pd.DataFrame:
    """The pairs.csv rows (PAIR_COLUMNS first, then lvl_*/w_* of every field) of pairs `rows`,
    compact (see the module's docstring)."""
    recs = p.records
    xa, xb = ra[rows], rb[rows]
    w = weight[rows]
    claims = sorted(set(p.claim_ids))
    claim_of = np.asarray([claims.index(c) for c in p.claim_ids], dtype=np.int64)
    claim_dtype = pd.CategoricalDtype(pd.Index(claims, dtype="str"))
    rec_code, ids = _record_ids(recs)
    rec_dtype = _without_hash_table(pd.CategoricalDtype(ids))  # one dtype for both sides

    def claim(x: np.ndarray) -> pd.Categorical:
        code = claim_of[p.claim_code[x]].astype(_code_type(len(claims)))
        return pd.Categorical.from_codes(code, dtype=claim_dtype)

    def record(x: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(rec_code[x].astype(np.int32), dtype=rec_dtype)

    state_codes, states = pd.factorize(np.asarray(status[rows], dtype=object))
    cols: dict[str, object] = {
        "claim_a": claim(xa),
        "record_a": record(xa),
        "claim_b": claim(xb),
        "record_b": record(xb),
        "weight": np.round(w, 4),
        "probability": np.round(probability(w), 6),
        "status": _texts(state_codes, [str(s) for s in states]),
        "lvl_name": _texts(codes["name"][rows], LEVEL_NAMES["name"]),
        "w_name": np.round(name_weight[rows], 4),
    }
    for f in FIELDS_COMPARED:
        c = codes[f][rows]
        table = np.round(np.array([model.weight(f, str(n)) for n in LEVEL_NAMES[f]]), 4)
        cols["lvl_" + f] = _texts(c, LEVEL_NAMES[f])
        cols["w_" + f] = _numbers(c, table)
    cols["w_context"] = _compact(np.round(ctx[rows], 4))
    cols["w_prior"] = _compact(np.round(prior[rows] + model.prior, 4))
    cols["candidate"] = is_candidate[rows]
    pairs = pd.DataFrame(cols, copy=False)
    return pairs[list(PAIR_COLUMNS) + [c for c in pairs.columns if c not in PAIR_COLUMNS]]


def plain_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """The frame with every categorical column as plain values (str text, float64 numbers), as
    pairs were before they were made compact: for writers that read cells one by one."""
    out = {}
    for c in pairs.columns:
        s = pairs[c]
        out[c] = plain_column(s) if isinstance(s.dtype, pd.CategoricalDtype) else s
    return pd.DataFrame(out, index=pairs.index)


def plain_column(s: pd.Series) -> pd.Series:
    """A categorical column as its categories' dtype (missing where the code is -1)."""
    return s.astype(s.cat.categories.dtype)
