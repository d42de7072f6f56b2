"""The compact pairs frame: categorical columns that every writer and reader sees as plain ones."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_match import FAMILY_A, FAMILY_B, case, claim

from reconcile import csvout
from reconcile.counts import (
    _sides_by_codes,
    _sides_by_text,
    distinct_people_range,
    person_codes,
)
from reconcile.match import Settings, match_records
from reconcile.pairrows import _compact, _numbers, pair_order, plain_pairs, sort_pairs
from reconcile.review import build_queue
from reconcile.write import (
    _plain_frame,
    _whole_floats_as_ints,
    neutralise_frame,
    write_csv,
    write_sqlite,
)

EMPTY_DECISIONS = pd.DataFrame(
    columns=["claim_a", "record_a", "claim_b", "record_b", "decision", "by", "date", "note"]
)


@pytest.fixture(scope="module")
def run() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two claims of one family plus a near-duplicate inside claim a: every status but decided."""
    a = claim("a", [*FAMILY_A, {**FAMILY_A[0], "id": "a9", "age": "35"}])
    recs = case(a, claim("b", FAMILY_B))
    res = match_records(recs, ["a", "b"], EMPTY_DECISIONS, Settings())
    return recs, res.links, res.pairs


def test_pairs_are_compact(run: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    _, _, pairs = run
    assert len(pairs) > 3
    for col in ("claim_a", "record_a", "claim_b", "record_b", "status", "lvl_name", "w_sex"):
        assert isinstance(pairs[col].dtype, pd.CategoricalDtype), col
    for col in ("weight", "probability", "w_name"):
        assert pairs[col].dtype == np.float64, col
    # text categories sorted: sorting a column sorts it as text
    cats = list(pairs["record_a"].cat.categories)
    assert cats == sorted(cats)
    assert pairs["record_a"].dtype is pairs["record_b"].dtype  # one dtype for both sides


def test_compact_and_plain_frames_write_the_same_csv(
    run: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    _, _, pairs = run
    plain = plain_pairs(pairs)
    assert not any(isinstance(plain[c].dtype, pd.CategoricalDtype) for c in plain.columns)
    assert plain["w_sex"].dtype == np.float64 and plain["status"].dtype == "str"
    write_csv(tmp_path / "compact.csv", pairs)
    write_csv(tmp_path / "plain.csv", plain)
    assert (tmp_path / "compact.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()
    # and pandas' own writer (the fallback) on the plain frame agrees
    body = (tmp_path / "plain.csv").read_text(encoding="utf-8-sig")
    assert body.splitlines()[0].startswith("claim_a,record_a,claim_b,record_b,weight")


def test_compact_and_plain_frames_fill_the_same_sqlite(
    run: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    _, _, pairs = run
    got = []
    for name, df in (("compact", pairs), ("plain", plain_pairs(pairs))):
        path = write_sqlite(tmp_path / f"{name}.sqlite", {"pairs": df})
        con = sqlite3.connect(path)
        schema = con.execute("SELECT sql FROM sqlite_master WHERE name = 'pairs'").fetchone()
        rows = con.execute("SELECT * FROM pairs").fetchall()
        con.close()
        got.append((schema, rows))
    assert got[0] == got[1]
    assert '"w_sex" REAL' in got[0][0][0]


def test_float_categorical_renders_as_the_float_column() -> None:
    cases = [
        np.array([0.5, -1.25, 3.0, 0.5, 1e-05, 2.0]),
        np.array([1.0, 2.0, 3.0, 1.0]),  # whole numbers: written as integers
        np.array([0.0, -0.0, 1.5]),  # both zeros: not categorical, still right
        np.array([np.nan, 1.5, 1.5]),
    ]
    for values in cases:
        codes, distinct = pd.factorize(values.view(np.int64))
        col = _numbers(codes, np.asarray(distinct, dtype=np.int64).view(np.float64))
        frame = pd.DataFrame({"k": ["x"] * len(values), "w": col})
        plain = pd.DataFrame({"k": ["x"] * len(values), "w": values})
        assert _csv(frame) == _csv(plain), values
    assert isinstance(_compact(np.array([0.25, 0.5, 0.25])), pd.Categorical)
    many = np.arange(5000) / 7
    assert isinstance(_compact(many), np.ndarray)


def test_float_categorical_with_missing_cells() -> None:
    cat = pd.Categorical.from_codes([0, -1, 1], categories=pd.Index([1.5, 2.0]))
    frame = pd.DataFrame({"k": ["a", "b", "c"], "w": cat})
    plain = pd.DataFrame({"k": ["a", "b", "c"], "w": [1.5, np.nan, 2.0]})
    assert _csv(frame) == _csv(plain) == b"k,w\na,1.5\nb,\nc,2.0\n"
    two = pd.Index([2.0, 2.5])
    whole = pd.DataFrame({"k": ["a", "b"], "w": pd.Categorical.from_codes([0, -1], two)})
    assert _csv(whole) == b"k,w\na,2\nb,\n"  # 2.5 is a category no cell uses


def _csv(df: pd.DataFrame, chunk_rows: int = csvout.CHUNK_ROWS) -> bytes:
    chunks = csvout.render(df, r"^[ ]*[=+\-@\t\r]", r"[+-]?[0-9]+(?:\.[0-9]+)?|-", chunk_rows)
    assert chunks is not None
    return b"".join(bytes(c) for c in chunks)


def test_counts_read_compact_pairs_as_plain_ones(
    run: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    recs, links, pairs = run
    plain = plain_pairs(pairs)
    by_codes = _sides_by_codes(pairs, recs)
    assert by_codes is not None and _sides_by_codes(plain, recs) is None
    ra, rb, rank = by_codes[:3]
    ta, tb, trank = _sides_by_text(plain, recs)
    assert np.array_equal(ra, ta) and np.array_equal(rb, tb)
    rows = np.arange(len(recs))
    assert np.array_equal(np.argsort(rank(rows)), np.argsort(trank(rows)))
    assert distinct_people_range(pairs, links, recs) == distinct_people_range(plain, links, recs)
    # a pair naming a record the records do not hold finds none
    shifted = pairs.copy()
    shifted["record_a"] = shifted["record_a"].cat.rename_categories(
        [f"{c}x" for c in shifted["record_a"].cat.categories]
    )
    assert (_sides_by_codes(shifted, recs)[0] == -1).all()  # type: ignore[index]


def test_person_codes_shortcut_agrees_with_the_general_way() -> None:
    recs = pd.DataFrame(
        {"claim": ["a", "a", "b", "b"], "record_id": ["1", "2", "1", "2"], "file": "f", "row": 2}
    )
    links = recs[["claim", "record_id"]].assign(person_id=["P", "Q", "P", "R"])
    assert list(person_codes(recs, links)) == [0, 1, 0, 2]
    shuffled = links.iloc[[3, 2, 1, 0]].reset_index(drop=True)  # not aligned: the general way
    assert list(person_codes(recs, shuffled)) == [1, 2, 1, 0]  # same persons, numbered by links
    # a key twice: the last link of the key wins, as in the general way
    twice = pd.DataFrame({"claim": ["a", "a"], "record_id": ["1", "1"], "file": "f", "row": 2})
    two_links = twice[["claim", "record_id"]].assign(person_id=["P", "Q"])
    assert list(person_codes(twice, two_links)) == [1, 1]  # both Q: the code of links row 2


def test_review_reads_compact_pairs(
    run: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    recs, _, pairs = run
    got = build_queue(pairs, recs, EMPTY_DECISIONS, 0.0)
    want = build_queue(plain_pairs(pairs), recs, EMPTY_DECISIONS, 0.0)
    assert json.dumps([repr(i) for i in got]) == json.dumps([repr(i) for i in want])


def test_neighbouring_small_columns_render_as_pandas_writes_them() -> None:
    """Runs of categorical and boolean columns (csvout._Run) against pandas' own to_csv."""
    rng = np.random.default_rng(5)
    n = 3000
    levels = pd.Categorical.from_codes(
        rng.integers(-1, 3, n), pd.Index(["agree", "=1+2", 'say "x", y'])
    )
    weights = pd.Categorical.from_codes(rng.integers(0, 3, n), pd.Index([-0.5, 0.0, 2.25]))
    whole = pd.Categorical.from_codes(rng.integers(0, 2, n), pd.Index([1.0, 3.0]))
    ids = pd.Categorical.from_codes(
        rng.integers(0, 2000, n), pd.Index([f"r{i}" for i in range(2000)])
    )
    frame = pd.DataFrame(
        {
            "id": ids,  # too many categories to join a run
            "lvl": levels,
            "w": weights,
            "flag": rng.integers(0, 2, n).astype(bool),
            "whole": whole,
            "text": [f"t{i % 7}" for i in range(n)],
            "lvl2": levels,
            "w2": weights,
        }
    )
    plain = plain_pairs(frame)
    want = neutralise_frame(_whole_floats_as_ints(plain)).to_csv(
        index=False, lineterminator="\n", na_rep=""
    )
    plan = csvout._plan(frame, r"^[ ]*[=+\-@\t\r]", r"[+-]?[0-9]+(?:\.[0-9]+)?|-")
    assert plan is not None and [len(cols) for cols, _, _ in plan] == [1, 4, 1, 2]
    assert _csv(frame).decode() == want
    assert _csv(frame, chunk_rows=700).decode() == want  # chunks code their own combinations


def test_pair_order_is_the_text_order(
    run: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    _, _, pairs = run
    shuffled = pairs.sample(frac=1.0, random_state=3).reset_index(drop=True)
    got = sort_pairs(shuffled)
    plain = plain_pairs(shuffled)
    keys = ["claim_a", "record_a", "claim_b", "record_b"]
    want = plain.sort_values(keys, kind="stable").reset_index(drop=True)
    assert plain_pairs(got).equals(want)
    assert np.array_equal(pair_order(plain), pair_order(shuffled))  # the text way agrees
    assert got[keys].equals(pairs[keys])  # matching's own order is this order


def test_pandas_fallback_writes_compact_pairs_as_plain(
    run: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    """write_csv's pandas way (for a frame csvout cannot render) sees the categoricals plain,
    and writes what csvout writes."""
    _, _, pairs = run
    assert _plain_frame(pairs).equals(plain_pairs(pairs))
    pandas_way = neutralise_frame(_whole_floats_as_ints(_plain_frame(pairs))).to_csv(
        index=False, lineterminator="\n", na_rep=""
    )
    want = write_csv(tmp_path / "pairs.csv", pairs).read_bytes()
    assert "\ufeff".encode() + pandas_way.encode() == want
