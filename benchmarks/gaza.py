"""Benchmark on real lists: Airwars named victims (dev split) against the MoH list of 2024-08-31.

    python benchmarks/gaza.py [--data DIR] [--out DIR] [--no-splink] [--timeout S]

Reads ../shared/data/gaza/ beside the repository (or --data) and skips cleanly when it is absent.
Builds a case folder in OUT/gaza-case (OUT defaults to benchmarks/out/, git-ignored): claim
`airwars` = the killed rows with an Arabic name (a copy with a unique `uid` =
incident-group-individual, without the `moh_id` answer column or free-text comments), claim
`moh` = the MoH list as published, both read through [claims.columns]. Runs
`reconcile run CASE --out ... --format csv` as a user would, measuring the child's wall time and
peak memory, and scores links.csv as the data's README says. Then runs splink 5 on the same two
tables (benchmarks/splink_baseline.py, its own child process) and prints both side by side.

Scores (labeled rows = killed Airwars rows with an Arabic name and a moh_id):
  recall    = labeled rows linked to exactly the MoH record whose gov_id is the moh_id / labeled
  precision = labeled rows linked to the right MoH record / labeled rows linked to any MoH record
  unlabeled linked = Airwars rows without moh_id that were linked (their truth is unknown)
Misses (false negatives and wrong links) go to OUT/gaza_misses.csv for study; never commit it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    OUT_DEFAULT,
    RunResult,
    SplinkLog,
    csv_rows,
    fmt_ratio,
    parse_pairs_compared,
    parse_pairs_estimate,
    parse_splink_log,
    reconcile_cmd,
    run_measured,
    save_log,
)

DATA_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "gaza"
AIRWARS = "airwars_individuals_dev.csv"
MOH = "moh_fatalities_20240831.csv"
AIRWARS_KEEP = (
    "uid",
    "incident_id",
    "group_id",
    "designator_ar",
    "designator_en",
    "age",
    "age_category",
    "sex",
    "relation",
    "flags",
)  # moh_id (the answer) and comment (sometimes quotes the MoH id) are left out

CASE_TOML = """[event]
title = "Airwars named victims (dev split) against the Gaza MoH list of 2024-08-31"
place = "Gaza"

[[claims]]
id = "airwars"
file = "claims/airwars.csv"
source = "Airwars incident reports, named victims (killed), dev split"

[claims.columns]
id = "uid"
name = "designator_ar"
name_alt = "designator_en"
age = "age"
age_group = "age_category"
sex = "sex"
relation = "relation"
group = ["incident_id", "group_id"]
notes = "flags"

[[claims]]
id = "moh"
file = "claims/moh.csv"
source = "Gaza Ministry of Health fatality list, 2024-08-31"

[claims.columns]
id = "id"
name = "name"
national_id = "gov_id"
dob = "dob"
sex = "sex"
age = "age"
notes = "source"
"""


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def airwars_labeled(airwars: pd.DataFrame) -> pd.DataFrame:
    """Killed rows with a non-empty Arabic name, with the unique `uid` used as the record id."""
    a = airwars[
        (airwars["killed_or_injured"] == "k") & (airwars["designator_ar"].str.strip() != "")
    ]
    a = a.copy()
    a["uid"] = a["incident_id"] + "-" + a["group_id"] + "-" + a["individual_id"]
    if a["uid"].duplicated().any():
        raise SystemExit("airwars: incident-group-individual is not unique; cannot build ids")
    return a.reset_index(drop=True)


def build_case(data: Path, root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write the case folder under `root`; return (airwars rows kept, moh rows)."""
    airwars = airwars_labeled(read_csv(data / AIRWARS))
    moh = read_csv(data / MOH)
    (root / "claims").mkdir(parents=True, exist_ok=True)
    airwars[list(AIRWARS_KEEP)].to_csv(root / "claims" / "airwars.csv", index=False)
    # benchmark-side preparation: one gov_id is in spreadsheet scientific notation, which the
    # loader rightly refuses as an ID (E205); blank it in the copy (it is no Airwars answer)
    moh_copy = moh.copy()
    bad_id = ~moh_copy["gov_id"].str.fullmatch(r"\d*")
    moh_copy.loc[bad_id, "gov_id"] = ""
    moh_copy.to_csv(root / "claims" / "moh.csv", index=False)
    (root / "case.toml").write_text(CASE_TOML, encoding="utf-8")
    return airwars, moh


# ---------------------------------------------------------------- scoring


@dataclass
class Score:
    labeled: int
    linked_labeled: int
    correct: int
    unlabeled: int
    unlabeled_linked: int
    ambiguous: int = 0

    @property
    def recall(self) -> float:
        return self.correct / self.labeled if self.labeled else float("nan")

    @property
    def precision(self) -> float:
        return self.correct / self.linked_labeled if self.linked_labeled else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0


def score_links(airwars: pd.DataFrame, moh: pd.DataFrame, linked: pd.Series) -> Score:
    """`linked`: airwars uid -> the MoH record id it was linked to (absent or "" when none)."""
    gov = moh.set_index("id")["gov_id"]
    link = airwars["uid"].map(linked).fillna("")
    linked_gov = link.map(gov).fillna("")
    has_truth = airwars["moh_id"].str.strip() != ""
    is_linked = link != ""
    correct = has_truth & is_linked & (linked_gov == airwars["moh_id"].str.strip())
    return Score(
        labeled=int(has_truth.sum()),
        linked_labeled=int((has_truth & is_linked).sum()),
        correct=int(correct.sum()),
        unlabeled=int((~has_truth).sum()),
        unlabeled_linked=int((~has_truth & is_linked).sum()),
    )


def reconcile_links(links: pd.DataFrame, count_ambiguous: bool = True) -> tuple[pd.Series, int]:
    """airwars record -> moh record sharing its person_id; and how many airwars rows are ambiguous.

    With count_ambiguous=False an ambiguous airwars row counts as not linked.
    """
    links = links.astype(str)
    amb = links.get("ambiguous", pd.Series("", index=links.index)).str.lower().isin(["true", "1"])
    aw = links[links["claim"] == "airwars"]
    mo = links[links["claim"] == "moh"]
    n_amb = int(amb[aw.index].sum())
    if not count_ambiguous:
        aw = aw[~amb[aw.index]]
    mo = mo[mo["person_id"] != ""].drop_duplicates("person_id")
    pid_to_moh = mo.set_index("person_id")["record_id"]
    m = aw.set_index("record_id")["person_id"].map(pid_to_moh).dropna()
    return m, n_amb


def ambiguous_with_truth(links: pd.DataFrame, airwars: pd.DataFrame, moh: pd.DataFrame) -> str:
    """Of the labeled airwars rows left ambiguous and unlinked, how many name their true MoH
    record among the alternatives (what an analyst reviewing them would find)."""
    links = links.astype(str)
    cnt = links.groupby("person_id")["claim"].transform("size")
    amb = links[
        (links["claim"] == "airwars")
        & links["ambiguous"].str.lower().isin(["true", "1"])
        & (cnt == 1)
    ]
    if "alternatives" not in amb.columns:
        return ""
    truth = airwars.set_index("uid")["moh_id"].str.strip()
    gov = moh.set_index("id")["gov_id"]
    labeled = hits = 0
    for rec, alts in zip(amb["record_id"], amb["alternatives"], strict=True):
        t = truth.get(rec, "")
        if not t:
            continue
        labeled += 1
        ids = [a.split(":", 1)[1] for a in alts.split(";") if a.startswith("moh:")]
        hits += any(gov.get(i, "") == t for i in ids)
    return f"{hits} of {labeled} labeled ambiguous rows hold the right record among alternatives"


def sweep(airwars: pd.DataFrame, moh: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Score greedy one-to-one pairs at every threshold on a match-weight grid."""
    rows = []
    for t in np.arange(-6.5, 25.01, 0.25):
        kept = pairs[pairs["match_weight"] >= t]
        s = score_links(airwars, moh, kept.set_index("uid_l")["uid_r"])
        rows.append(
            {
                "threshold": float(t),
                "recall": s.recall,
                "precision": s.precision,
                "f1": s.f1,
                "score": s,
            }
        )
    return pd.DataFrame(rows)


def pick(table: pd.DataFrame, min_precision: float = 0.97) -> tuple[pd.Series | None, pd.Series]:
    """(best recall with precision >= min_precision or None, best F1) rows of a sweep."""
    ok = table[table["precision"] >= min_precision]
    at_p = (
        ok.sort_values(["recall", "threshold"], ascending=[False, True]).iloc[0]
        if len(ok)
        else None
    )
    best = table.sort_values(["f1", "threshold"], ascending=[False, True]).iloc[0]
    return at_p, best


def misses(
    airwars: pd.DataFrame, moh: pd.DataFrame, linked: pd.Series, system: str
) -> pd.DataFrame:
    """Labeled rows not linked to their MoH record: airwars fields, the truth's and the link's."""
    by_gov = moh.drop_duplicates("gov_id").set_index("gov_id")
    by_id = moh.set_index("id")
    link = airwars["uid"].map(linked).fillna("")
    truth = airwars["moh_id"].str.strip()
    linked_gov = link.map(by_id["gov_id"]).fillna("")
    bad = (truth != "") & (linked_gov != truth)
    a = airwars[bad]
    t = truth[bad]
    lk = link[bad]

    def col(frame: pd.DataFrame, keys: pd.Series, c: str) -> list[str]:
        return [str(frame[c].get(k, "")) if k else "" for k in keys]

    return pd.DataFrame(
        {
            "system": system,
            "kind": np.where(lk == "", "missed", "wrong"),
            "uid": a["uid"].to_numpy(),
            "airwars_name": a["designator_ar"].to_numpy(),
            "airwars_en": a["designator_en"].to_numpy(),
            "airwars_age": a["age"].to_numpy(),
            "airwars_age_cat": a["age_category"].to_numpy(),
            "airwars_sex": a["sex"].to_numpy(),
            "airwars_relation": a["relation"].to_numpy(),
            "truth_gov_id": t.to_numpy(),
            "truth_in_list": t.isin(moh["gov_id"]).to_numpy(),
            "truth_name": col(by_gov, t, "name"),
            "truth_dob": col(by_gov, t, "dob"),
            "truth_age": col(by_gov, t, "age"),
            "truth_sex": col(by_gov, t, "sex"),
            "linked_name": col(by_id, lk, "name"),
            "linked_dob": col(by_id, lk, "dob"),
            "linked_age": col(by_id, lk, "age"),
            "linked_sex": col(by_id, lk, "sex"),
        }
    )


# ---------------------------------------------------------------- runs


def run_reconcile(case: Path, out: Path, timeout: float | None, formats: str) -> RunResult:
    cmd = [*reconcile_cmd(), "run", str(case), "--out", str(out), "--format", formats]
    res = run_measured(cmd, timeout=timeout, max_rss_mb=14000)
    save_log(res, out.parent / f"{out.name}.log")
    pc = parse_pairs_compared(res.stderr, res.stdout, out / "report.json")
    res.extra["pairs_note"] = ""
    if pc is None and (estimate := parse_pairs_estimate(res.stderr)) is not None:
        pc, res.extra["pairs_note"] = estimate, " (reconcile's estimate)"
    if pc is None and (rows := csv_rows(out / "pairs.csv")) is not None:
        pc, res.extra["pairs_note"] = rows, " (pairs.csv rows)"
    res.extra["pairs_compared"] = pc
    return res


def run_splink(case: Path, out: Path, timeout: float | None) -> RunResult:
    script = Path(__file__).resolve().parent / "splink_baseline.py"
    pairs = out / "splink_pairs.csv"
    cmd = [
        sys.executable, str(script),
        "--left", str(case / "claims" / "airwars.csv"), "--left-cols", "uid,designator_ar,sex,age",
        "--right", str(case / "claims" / "moh.csv"), "--right-cols", "id,name,sex,age",
        "--profile", "gaza", "--out", str(pairs),
    ]  # fmt: skip
    res = run_measured(cmd, timeout=timeout, max_rss_mb=14000)
    save_log(res, out / "gaza-splink.log")
    log = parse_splink_log(res.stderr)
    if res.ok:  # the exact blocked-pair count, in a separate unmeasured process
        counted = run_measured([*cmd, "--count-pairs"], timeout=timeout)
        log.blocked = parse_splink_log(counted.stderr).blocked
    res.extra["pairs"] = pairs
    res.extra["log"] = log
    return res


def _f(x: float | None, digits: int = 3) -> str:
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA_DEFAULT, help=f"default {DATA_DEFAULT}")
    ap.add_argument("--out", type=Path, default=OUT_DEFAULT, help=f"default {OUT_DEFAULT}")
    ap.add_argument("--no-splink", action="store_true", help="skip the splink baseline")
    ap.add_argument("--no-reconcile", action="store_true", help="run only the splink baseline")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per run (default 1800)")
    ap.add_argument("--format", default="csv", help="reconcile run --format (default csv)")
    args = ap.parse_args(argv)

    if not (args.data / AIRWARS).exists() or not (args.data / MOH).exists():
        print(f"gaza benchmark skipped: no data at {args.data} (needs {AIRWARS} and {MOH})")
        return 0
    out: Path = args.out
    case = out / "gaza-case"
    airwars, moh = build_case(args.data, case)
    print(
        f"case: {case} (airwars {len(airwars)} killed rows with an Arabic name, "
        f"{int((airwars['moh_id'] != '').sum())} labeled; moh {len(moh)} rows)"
    )

    rows: list[dict[str, str]] = []
    all_misses: list[pd.DataFrame] = []
    rec: RunResult | None = None
    rec_score: Score | None = None
    if not args.no_reconcile:
        rec_out = out / "gaza-reconcile"
        rec = run_reconcile(case, rec_out, args.timeout, args.format)
        links_path = rec_out / "links.csv"
        if not rec.ok or not links_path.exists():
            tail = "\n".join((rec.stderr or rec.stdout).strip().splitlines()[-15:])
            why = "timed out" if rec.timed_out else f"exit {rec.returncode}"
            print(
                f"reconcile run failed ({why}, {rec.seconds:.1f} s); links.csv "
                f"{'present' if links_path.exists() else 'absent'}:\n{tail}"
            )
        else:
            links = read_csv(links_path)
            linked, n_amb = reconcile_links(links)
            rec_score = score_links(airwars, moh, linked)
            rec_score.ambiguous = n_amb
            strict, _ = reconcile_links(links, count_ambiguous=False)
            strict_score = score_links(airwars, moh, strict)
            all_misses.append(misses(airwars, moh, linked, "reconcile"))
            pc = rec.extra.get("pairs_compared")
            rows.append(
                {
                    "system": "reconcile",
                    "recall": _f(rec_score.recall),
                    "precision": _f(rec_score.precision),
                    "f1": _f(rec_score.f1),
                    "linked unlabeled": f"{rec_score.unlabeled_linked}/{rec_score.unlabeled}",
                    "time s": f"{rec.seconds:.1f}",
                    "peak MB": f"{rec.peak_rss_mb:.0f}",
                    "pairs": "-" if pc is None else f"{pc:,}{rec.extra['pairs_note']}",
                    "note": f"{n_amb} ambiguous airwars rows; without them "
                    f"R {_f(strict_score.recall)} P {_f(strict_score.precision)}; "
                    + ambiguous_with_truth(links, airwars, moh),
                }
            )

    spl: RunResult | None = None
    spl_best: pd.Series | None = None
    if not args.no_splink:
        spl = run_splink(case, out, args.timeout)
        pairs_path = Path(str(spl.extra["pairs"]))
        if not spl.ok or not pairs_path.exists():
            tail = "\n".join(spl.stderr.strip().splitlines()[-15:])
            print(f"splink run failed (exit {spl.returncode}, {spl.seconds:.1f} s):\n{tail}")
        else:
            pairs = pd.read_csv(pairs_path, dtype={"uid_l": str, "uid_r": str})
            table = sweep(airwars, moh, pairs)
            at_p, best = pick(table)
            log = spl.extra["log"]
            assert isinstance(log, SplinkLog)
            for label, row in (("P>=0.97", at_p), ("best F1", best)):
                if row is None:
                    rows.append({"system": f"splink ({label})", "note": "never reaches P 0.97"})
                    continue
                s: Score = row["score"]
                rows.append(
                    {
                        "system": f"splink ({label})",
                        "recall": _f(s.recall),
                        "precision": _f(s.precision),
                        "f1": _f(s.f1),
                        "linked unlabeled": f"{s.unlabeled_linked}/{s.unlabeled}",
                        "time s": f"{spl.seconds:.1f}",
                        "peak MB": f"{spl.peak_rss_mb:.0f}",
                        "pairs": "-" if log.blocked is None else f"{log.blocked:,}",
                        "note": f"match weight >= {row['threshold']:.2f}",
                    }
                )
            spl_best = at_p if at_p is not None else best
            kept = pairs[pairs["match_weight"] >= float(spl_best["threshold"])]
            all_misses.append(misses(airwars, moh, kept.set_index("uid_l")["uid_r"], "splink"))
            print(f"splink stages (s): {log.stages}")

    cols = [
        "system",
        "recall",
        "precision",
        "f1",
        "linked unlabeled",
        "time s",
        "peak MB",
        "pairs",
        "note",
    ]
    print()
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    if (
        rec is not None
        and rec_score is not None
        and spl is not None
        and spl.ok
        and spl_best is not None
    ):
        s2: Score = spl_best["score"]
        print()
        print(
            f"ratios reconcile/splink: time {fmt_ratio(rec.seconds, spl.seconds)}, "
            f"memory {fmt_ratio(rec.peak_rss_mb, spl.peak_rss_mb)}, "
            f"recall {fmt_ratio(rec_score.recall, s2.recall)} "
            f"(splink at P {s2.precision:.3f}, reconcile at P {rec_score.precision:.3f})"
        )
    if rec is not None and rec_score is not None:
        met_q = rec_score.recall >= 0.95 and rec_score.precision >= 0.97
        met_t = rec.seconds <= 15 and rec.peak_rss_mb <= 1024
        print(
            f"targets (recall >= 0.95 at precision >= 0.97; <= 15 s, <= 1 GB): "
            f"quality {'met' if met_q else 'NOT met'}, cost {'met' if met_t else 'NOT met'}"
        )
    if all_misses:
        path = out / "gaza_misses.csv"
        pd.concat(all_misses, ignore_index=True).to_csv(path, index=False)
        print(f"misses written to {path} (real victims' data: never commit it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
