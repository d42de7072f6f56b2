"""splink 5 (DuckDB) configured in good faith for Arabic names: the baseline the benchmarks compare.

Run as a child process by gaza.py and scale.py so its time and memory are measured apart:

    python benchmarks/splink_baseline.py --left L.csv --right R.csv --out pairs.csv \
        [--left-cols id,name,sex,age] [--right-cols id,name,sex,age] [--profile gaza|synth]

Pipeline: Arabic normalisation (diacritics, tatweel, alef/hamza, taa marbuta, alef maqsura,
compounds ابو/عبد/الدين/الله joined) into first / father / grandfather / family / full-name
columns; name-token blocking; comparisons with Jaro-Winkler levels on first, father and family
name (term-frequency adjusted exact levels), the full name (exact, token subset, Jaro-Winkler,
two shared tokens), sex, and age difference; u by
random sampling, m by EM to convergence; link_only prediction; then a greedy one-to-one selection
(highest match weight first, each record used once). Writes every selected pair with its match
weight and probability, so the caller can sweep the threshold.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
ARABIC_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ء": ""}
)
PUNCT = re.compile(r"[^\w\s]")
# prefixes that belong to the next word, and suffixes that belong to the previous one
JOIN_NEXT = ("ابو", "عبد", "ام", "بو")
JOIN_PREV = ("الدين", "الله", "الرحمن")


def normalise_arabic(text: str) -> str:
    """Arabic name -> folded, space-separated tokens with compounds joined (ابو طه -> ابوطه)."""
    text = unicodedata.normalize("NFKC", str(text)).split("`")[0]  # `kunya after a backtick
    text = re.sub(r"\(.*?\)", " ", text)
    text = DIACRITICS.sub("", text).translate(ARABIC_FOLD)
    text = PUNCT.sub(" ", text).lower()
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in JOIN_NEXT and i + 1 < len(words):
            w, i = w + words[i + 1], i + 1
        if w in JOIN_PREV and out:
            out[-1] += w
        else:
            out.append(w)
        i += 1
    return " ".join(out)


def bare_family(token: str) -> str:
    """A family name without its ال / ابو prefix: الحلو -> حلو, ابوطه -> طه."""
    for prefix in ("ابو", "ال"):
        if token.startswith(prefix) and len(token) > len(prefix) + 1:
            return token[len(prefix) :]
    return token


def name_columns(df: pd.DataFrame) -> pd.DataFrame:
    """uid, name, sex, age -> uid, first, father, grandfather, family(_bare), full_name, tokens,
    sex, age (the columns the model reads)."""
    full = df["name"].fillna("").map(normalise_arabic)
    toks = full.str.split()
    n = toks.map(len)

    def tok(i: int, need: int) -> pd.Series:
        return toks.map(lambda t: t[i] if len(t) >= need else None)

    family = toks.map(lambda t: t[-1] if len(t) >= 2 else None)
    sex = df["sex"].fillna("").str.strip().str.lower().str[:1]
    sex = sex.where(sex.isin(["m", "f"]), None)
    age = pd.to_numeric(df["age"], errors="coerce")
    return pd.DataFrame(
        {
            "uid": df["uid"].astype(str),
            "first": toks.map(lambda t: t[0] if t else None),
            "father": tok(1, 3),
            "grandfather": tok(2, 4),
            "family": family,
            "family_bare": family.map(lambda f: bare_family(f) if isinstance(f, str) else None),
            "full_name": full.where(n > 0, None),
            "tokens": toks.map(lambda t: t if t else None),
            "sex": sex,
            "age": age,
        }
    )


def jw_name(col: str, tf: bool, bare: bool = False) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    levels: list[Any] = [
        cll.NullLevel(col),
        cll.ExactMatchLevel(col, term_frequency_adjustments=tf),
    ]
    if bare:
        levels.append(cll.ExactMatchLevel(f"{col}_bare"))
    levels += [
        cll.JaroWinklerLevel(col, 0.92),
        cll.JaroWinklerLevel(col, 0.80),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(levels, output_column_name=col)


def settings(profile: str) -> Any:
    """The splink model: comparisons and prediction blocking rules for a profile."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons: list[Any] = [
        jw_name("first", tf=True),
        jw_name("father", tf=False),
        jw_name("family", tf=True, bare=True),
        # the whole name: a two- or three-part name inside a four-part one is the common case
        cl.CustomComparison(
            [
                cll.NullLevel("full_name"),
                cll.ExactMatchLevel("full_name"),
                cll.ArraySubsetLevel("tokens"),
                cll.JaroWinklerLevel("full_name", 0.92),
                cll.ArrayIntersectLevel("tokens", 2),
                cll.JaroWinklerLevel("full_name", 0.80),
                cll.ElseLevel(),
            ],
            output_column_name="full_name",
        ),
        cl.ExactMatch("sex"),
        cl.CustomComparison(
            [
                cll.NullLevel("age"),
                cll.AbsoluteDifferenceLevel("age", 0),
                cll.AbsoluteDifferenceLevel("age", 1),
                cll.AbsoluteDifferenceLevel("age", 3),
                cll.AbsoluteDifferenceLevel("age", 8),
                cll.ElseLevel(),
            ],
            output_column_name="age",
        ),
    ]
    rules: list[Any] = [
        block_on("first", "family_bare"),
        block_on("father", "family_bare"),
        block_on("first", "father", "grandfather"),
    ]
    if profile == "gaza":
        # one side is small (2k rows): afford the broad rules that find reordered/partial names
        rules += [block_on("first", "father"), block_on("family_bare", "sex")]
    else:
        rules += [block_on("first", "father", "substr(family_bare, 1, 2)")]
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="uid",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        max_iterations=200,
        em_convergence=0.0001,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def greedy_one_to_one(pairs: pd.DataFrame) -> pd.DataFrame:
    """Keep each record in at most one pair, highest match weight first (ties by ids)."""
    pairs = pairs.sort_values(
        ["match_weight", "uid_l", "uid_r"], ascending=[False, True, True], kind="stable"
    )
    used_l: set[str] = set()
    used_r: set[str] = set()
    keep = np.zeros(len(pairs), dtype=bool)
    for i, (a, b) in enumerate(
        zip(pairs["uid_l"].to_numpy(), pairs["uid_r"].to_numpy(), strict=True)
    ):
        if a in used_l or b in used_r:
            continue
        used_l.add(a)
        used_r.add(b)
        keep[i] = True
    return pairs[keep].reset_index(drop=True)


def run_splink(
    left: pd.DataFrame,
    right: pd.DataFrame,
    profile: str,
    u_pairs: float,
    em_pairs: float | None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Train and predict; return the one-to-one pairs (uid_l, uid_r, match_weight,
    match_probability) and timings per stage."""
    from splink import DuckDBAPI, Linker, block_on

    times: dict[str, float] = {}
    t = time.perf_counter()
    lt, rt = name_columns(left), name_columns(right)
    times["normalise"] = time.perf_counter() - t

    t = time.perf_counter()
    db = DuckDBAPI()
    sl = db.register(lt, dataset_display_name="list_left")
    sr = db.register(rt, dataset_display_name="list_right")
    linker = Linker([sl, sr], settings(profile), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first", "father", "family")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=1)
    # EM sessions blocked on a name part and the age, so that the other name comparisons are
    # free to vary (a rule on two name tokens would force the token-overlap levels)
    for rule in (block_on("family_bare", "age"), block_on("first", "age")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=em_pairs)
    times["train"] = time.perf_counter() - t

    t = time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=0.01)
    df = pred.as_pandas_dataframe()
    times["predict"] = time.perf_counter() - t
    times["pairs_scored"] = float(len(df))
    # link_only: make uid_l always the left table's record
    left_is_l = df["source_dataset_l"] == "list_left"
    pairs = pd.DataFrame(
        {
            "uid_l": np.where(left_is_l, df["uid_l"], df["uid_r"]),
            "uid_r": np.where(left_is_l, df["uid_r"], df["uid_l"]),
            "match_weight": df["match_weight"].astype(float),
            "match_probability": df["match_probability"].astype(float),
        }
    )
    t = time.perf_counter()
    one = greedy_one_to_one(pairs)
    times["one_to_one"] = time.perf_counter() - t
    return one, times


def count_blocked_pairs(left: pd.DataFrame, right: pd.DataFrame, profile: str) -> int:
    """The exact number of pairs the prediction blocking rules generate (no training)."""
    from splink import DuckDBAPI, Linker

    db = DuckDBAPI()
    sl = db.register(name_columns(left), dataset_display_name="list_left")
    sr = db.register(name_columns(right), dataset_display_name="list_right")
    linker = Linker([sl, sr], settings(profile), log_level=logging.WARNING)
    counts = linker.blocking_analysis.count_comparisons_from_blocking_rules(
        record_sample_proportion=1.0
    )
    return int(counts[-1]["cumulative_comparison_count"])


def read_side(path: Path, cols: str) -> pd.DataFrame:
    """Read a CSV and rename its columns: "uidcol,namecol,sexcol,agecol" -> uid,name,sex,age."""
    names = cols.split(",")
    if len(names) != 4:
        raise SystemExit(
            f"--*-cols needs 4 comma-separated headers (id,name,sex,age), got {cols!r}"
        )
    df = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=lambda c: c in names)
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise SystemExit(f"{path}: missing column(s) {', '.join(missing)}")
    return df.rename(columns=dict(zip(names, ["uid", "name", "sex", "age"], strict=True)))[
        ["uid", "name", "sex", "age"]
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--left", type=Path, required=True)
    ap.add_argument("--right", type=Path, required=True)
    ap.add_argument("--left-cols", default="id,name,sex,age")
    ap.add_argument("--right-cols", default="id,name,sex,age")
    ap.add_argument("--profile", choices=["gaza", "synth"], default="synth")
    ap.add_argument("--u-pairs", type=float, default=1e7, help="random pairs for u (default 1e7)")
    ap.add_argument("--em-pairs", type=float, default=None, help="cap on EM pairs per session")
    ap.add_argument("--out", type=Path, required=True, help="CSV of one-to-one pairs")
    ap.add_argument(
        "--count-pairs",
        action="store_true",
        help="only count the pairs the blocking rules generate (exactly) and print them",
    )
    args = ap.parse_args(argv)
    import splink

    t0 = time.perf_counter()
    left = read_side(args.left, args.left_cols)
    right = read_side(args.right, args.right_cols)
    if args.count_pairs:
        print(f"pairs blocked: {count_blocked_pairs(left, right, args.profile)}", file=sys.stderr)
        return 0
    one, times = run_splink(left, right, args.profile, args.u_pairs, args.em_pairs)
    one.to_csv(args.out, index=False)
    times["total"] = time.perf_counter() - t0
    stages = " ".join(f"{k}={v:.1f}" for k, v in times.items() if k != "pairs_scored")
    print(
        f"splink {splink.__version__}: pairs scored: {int(times['pairs_scored'])} {stages}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
