"""The pairs.csv rows: scored record pairs as a frame (PAIR_COLUMNS, then lvl_*/w_* per field).

`pair_rows` turns the pairs matching lists (int arrays and int8 level codes) into rows;
`record_rank` gives the (claim, record_id) order pairs.csv is sorted in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reconcile.levels import FIELDS_COMPARED, LEVEL_NAMES, decode
from reconcile.prepare import Prepared
from reconcile.schema import PAIR_COLUMNS
from reconcile.score import Model, probability


def record_rank(records: pd.DataFrame) -> np.ndarray:
    """Each record's position in (claim, record_id) order."""
    order = (
        records[["claim", "record_id"]]
        .reset_index(drop=True)
        .sort_values(["claim", "record_id"], kind="stable")
        .index.to_numpy()
    )
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return rank


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
    """The pairs.csv rows (PAIR_COLUMNS first, then lvl_*/w_* of every field) of pairs `rows`."""
    recs = p.records
    xa, xb = ra[rows], rb[rows]
    w = weight[rows]
    pairs = pd.DataFrame(
        {
            "claim_a": recs["claim"].to_numpy()[xa],
            "record_a": recs["record_id"].to_numpy()[xa],
            "claim_b": recs["claim"].to_numpy()[xb],
            "record_b": recs["record_id"].to_numpy()[xb],
            "weight": np.round(w, 4),
            "probability": np.round(probability(w), 6),
            "status": status[rows],
            "lvl_name": decode("name", codes["name"][rows]),
            "w_name": np.round(name_weight[rows], 4),
        }
    )
    for f in FIELDS_COMPARED:
        c = codes[f][rows]
        table = np.array([model.weight(f, str(n)) for n in LEVEL_NAMES[f]])
        pairs["lvl_" + f] = decode(f, c)
        pairs["w_" + f] = np.round(table[c], 4)
    pairs["w_context"] = np.round(ctx[rows], 4)
    pairs["w_prior"] = np.round(prior[rows] + model.prior, 4)
    pairs["candidate"] = is_candidate[rows]
    return pairs[list(PAIR_COLUMNS) + [c for c in pairs.columns if c not in PAIR_COLUMNS]]
