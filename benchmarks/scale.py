"""Scale benchmark: reconcile and splink 5 on synthetic competing lists from 10k to 1M persons.

    python benchmarks/scale.py [--sizes 10k,100k,500k,1M] [--seed 1] [--out DIR]
                               [--no-splink] [--no-reconcile] [--timeout S]

For each size, generates (once: cached by size and seed in OUT/synth-SIZE-sSEED) a case of two
claims with ground truth (benchmarks/synth.py), runs `reconcile run CASE --out ... --format csv`
as a child process (wall time, peak RSS, pairs compared from report.json `stats.pairs_compared`
or a "pairs compared: N" line) and scores links.csv pairwise against truth.csv. When reconcile
also writes scored pairs (a CSV with claim_a, record_a, claim_b, record_b, weight), the stages
before clustering are scored too: recall of all its pairs, P/R/F1 of those at >= 0 bits.
splink 5 runs on the same claims in its own child process (benchmarks/splink_baseline.py); its
threshold is chosen with the truth (best recall at precision >= 0.97, and best F1). Prints a
markdown table for docs/performance.md and appends every result to OUT/scale_results.jsonl.
A run whose processes pass --max-memory-mb is killed and reported as such.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth
from harness import (
    OUT_DEFAULT,
    RunResult,
    csv_rows,
    parse_pairs_compared,
    parse_pairs_estimate,
    parse_splink_log,
    reconcile_cmd,
    run_measured,
    save_log,
)


def parse_size(text: str) -> int:
    """'10k' -> 10000, '1M' -> 1000000, '2500' -> 2500."""
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    num = t[:-1] if mult > 1 else t
    try:
        value = int(float(num) * mult)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use 10k, 100k, 1M...)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"size must be positive: {text!r}")
    return value


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


# ---------------------------------------------------------------- pairwise scoring


def cross_pairs(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Cross-claim record pairs sharing `key`: columns a, b ("claim:record", a < b)."""
    f = frame[frame[key] != ""][["claim", "record_id", key]].copy()
    f["rec"] = f["claim"] + ":" + f["record_id"]
    m = f.merge(f, on=key, suffixes=("_x", "_y"))
    m = m[(m["claim_x"] < m["claim_y"])]
    return pd.DataFrame({"a": m["rec_x"].to_numpy(), "b": m["rec_y"].to_numpy()})


@dataclass
class PairScore:
    true_pairs: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else float("nan")

    @property
    def recall(self) -> float:
        return self.correct / self.true_pairs if self.true_pairs else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0


def score_pairs(pred: pd.DataFrame, truth_pairs: pd.DataFrame) -> PairScore:
    """pred and truth_pairs: columns a, b (a < b)."""
    pred = pred.drop_duplicates()
    hit = pred.merge(truth_pairs, on=["a", "b"], how="inner")
    return PairScore(true_pairs=len(truth_pairs), predicted=len(pred), correct=len(hit))


def oriented(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    """Pairs with the smaller "claim:record" first."""
    a, b = a.astype(str), b.astype(str)
    swap = (a > b).to_numpy()
    return pd.DataFrame({"a": np.where(swap, b, a), "b": np.where(swap, a, b)})


def pair_stages(out_dir: Path, truth_pairs: pd.DataFrame) -> str:
    """Scores of the stages before clustering, from reconcile's scored pairs when it writes them:
    recall of every pair it kept, and P/R/F1 of the pairs at or above 0 bits."""
    for path in sorted(out_dir.glob("*.csv")):
        try:
            head = pd.read_csv(path, nrows=0)
        except (OSError, ValueError, pd.errors.EmptyDataError):
            continue
        need = {"claim_a", "record_a", "claim_b", "record_b"}
        if not need <= set(head.columns):
            continue
        cols = sorted(need | ({"weight"} & set(head.columns)))
        p = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=cols)
        p = p[p["claim_a"] != p["claim_b"]]
        pairs = oriented(p["claim_a"] + ":" + p["record_a"], p["claim_b"] + ":" + p["record_b"])
        kept = score_pairs(pairs, truth_pairs)
        text = f"{path.name}: recall of its {kept.predicted:,} pairs {kept.recall:.4f}"
        if "weight" in p.columns:
            w = pd.to_numeric(p["weight"], errors="coerce").to_numpy()
            s = score_pairs(pairs[w >= 0], truth_pairs)
            text += f"; pairs >= 0 bits P {s.precision:.4f} R {s.recall:.4f} F1 {s.f1:.4f}"
        return text
    return ""


# ---------------------------------------------------------------- runs


@dataclass
class Row:
    persons: int
    records: int
    system: str
    seconds: float | None = None
    peak_mb: float | None = None
    pairs: int | None = None
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    note: str = ""


def ensure_case(n: int, seed: int, out: Path) -> Path:
    case = out / f"synth-{size_label(n)}-s{seed}"
    if not (case / "truth.csv").exists() or not (case / "case.toml").exists():
        synth.generate(n, seed, case)
    return case


def run_reconcile(
    case: Path, out: Path, truth_pairs: pd.DataFrame, timeout: float, formats: str, max_mb: float
) -> Row:
    rec_out = out / "reconcile"
    cmd = [*reconcile_cmd(), "run", str(case), "--out", str(rec_out), "--format", formats]
    res = run_measured(cmd, timeout=timeout, max_rss_mb=max_mb)
    save_log(res, out / "reconcile.log")
    row = Row(0, 0, "reconcile", res.seconds, res.peak_rss_mb)
    row.pairs = parse_pairs_compared(res.stderr, res.stdout, rec_out / "report.json")
    pairs_note = ""
    if row.pairs is None and (estimate := parse_pairs_estimate(res.stderr)) is not None:
        row.pairs, pairs_note = estimate, "pairs = reconcile's estimate; "
    if row.pairs is None and (n_rows := csv_rows(rec_out / "pairs.csv")) is not None:
        row.pairs, pairs_note = n_rows, "pairs = pairs.csv rows; "
    links_path = rec_out / "links.csv"
    if not res.ok or not links_path.exists():
        row.note = _failure(res)
        return row
    links = pd.read_csv(links_path, dtype=str, keep_default_na=False)
    s = score_pairs(cross_pairs(links, "person_id"), truth_pairs)
    row.precision, row.recall, row.f1 = s.precision, s.recall, s.f1
    amb = links.get("ambiguous", pd.Series(dtype=str)).str.lower().isin(["true", "1"]).sum()
    stages = pair_stages(rec_out, truth_pairs)
    row.note = pairs_note + f"{int(amb)} ambiguous links" + (f"; {stages}" if stages else "")
    return row


def run_splink(
    case: Path, out: Path, truth_pairs: pd.DataFrame, args: argparse.Namespace
) -> list[Row]:
    script = Path(__file__).resolve().parent / "splink_baseline.py"
    pairs_path = out / "splink_pairs.csv"
    cmd = [
        sys.executable, str(script),
        "--left", str(case / "claims" / "a.csv"),
        "--right", str(case / "claims" / "b.csv"),
        "--profile", "synth", "--out", str(pairs_path),
        "--u-pairs", str(args.splink_u_pairs), "--em-pairs", str(args.splink_em_pairs),
    ]  # fmt: skip
    res = run_measured(cmd, timeout=args.timeout, max_rss_mb=args.max_memory_mb)
    save_log(res, out / "splink.log")
    log = parse_splink_log(res.stderr)
    if res.ok:  # the exact blocked-pair count, in a separate unmeasured process
        counted = run_measured([*cmd, "--count-pairs"], timeout=args.timeout)
        log.blocked = parse_splink_log(counted.stderr).blocked
    if not res.ok or not pairs_path.exists():
        return [Row(0, 0, "splink", res.seconds, res.peak_rss_mb, note=_failure(res))]
    pairs = pd.read_csv(pairs_path, dtype={"uid_l": str, "uid_r": str})
    pairs["a"], pairs["b"] = "a:" + pairs["uid_l"], "b:" + pairs["uid_r"]
    pairs = pairs.sort_values("match_weight", ascending=False, kind="stable")
    # sweep: pairs are one-to-one, so the kept set at threshold t is a prefix of this order
    hit = pairs.merge(truth_pairs.assign(_t=1), on=["a", "b"], how="left")["_t"].fillna(0)
    correct = np.cumsum(hit.to_numpy())
    kept = np.arange(1, len(pairs) + 1)
    weights = pairs["match_weight"].to_numpy()
    rows = []
    grid = np.arange(-6.5, 25.01, 0.25)
    table = []
    for t in grid:
        k = int(np.searchsorted(-weights, -t, side="right"))
        c = int(correct[k - 1]) if k else 0
        table.append((t, PairScore(len(truth_pairs), int(kept[k - 1]) if k else 0, c)))
    ok = [(t, s) for t, s in table if s.predicted and s.precision >= 0.97]
    at_p = max(ok, key=lambda ts: (ts[1].recall, -ts[0])) if ok else None
    best = max(table, key=lambda ts: (ts[1].f1, -ts[0]))
    for label, pick in (("P>=0.97", at_p), ("best F1", best)):
        row = Row(0, 0, f"splink ({label})", res.seconds, res.peak_rss_mb, log.blocked)
        if pick is None:
            row.note = "never reaches precision 0.97"
        else:
            t, s = pick
            row.precision, row.recall, row.f1 = s.precision, s.recall, s.f1
            row.note = f"weight >= {t:.2f}; {log.scored} pairs above p 0.01; {log.stages}"
        rows.append(row)
    return rows


def _failure(res: RunResult) -> str:
    if res.over_memory:
        return f"killed at {res.peak_rss_mb:.0f} MB (memory limit) after {res.seconds:.0f} s"
    if res.timed_out:
        return f"timed out after {res.seconds:.0f} s"
    tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or [""]
    return f"failed (exit {res.returncode}): {tail[0][:120]}"


def _fmt(x: float | int | None, spec: str) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    return format(x, spec)


def table(rows: list[Row]) -> str:
    head = ["persons", "records", "system", "time s", "peak MB", "pairs compared", "precision",
            "recall", "F1", "note"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [
            size_label(r.persons), f"{r.records:,}", r.system, _fmt(r.seconds, ".1f"),
            _fmt(r.peak_mb, ".0f"), _fmt(r.pairs, ","), _fmt(r.precision, ".4f"),
            _fmt(r.recall, ".4f"), _fmt(r.f1, ".4f"), r.note,
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratios(rows: list[Row]) -> str:
    """Per size: reconcile / splink (best F1) time and memory, and the F1 difference."""
    out = ["| persons | time reconcile/splink | memory reconcile/splink | F1 reconcile - splink |",
           "|---|---|---|---|"]  # fmt: skip
    for n in sorted({r.persons for r in rows}):
        rec = next((r for r in rows if r.persons == n and r.system == "reconcile"), None)
        spl = next((r for r in rows if r.persons == n and r.system == "splink (best F1)"), None)
        if rec is None or spl is None or rec.f1 is None or spl.f1 is None:
            continue
        t = rec.seconds / spl.seconds if rec.seconds and spl.seconds else None
        m = rec.peak_mb / spl.peak_mb if rec.peak_mb and spl.peak_mb else None
        out.append(
            f"| {size_label(n)} | {_fmt(t, '.2f')}x | {_fmt(m, '.2f')}x | {rec.f1 - spl.f1:+.4f} |"
        )
    return "\n".join(out) if len(out) > 2 else ""


def print_tables(rows: list[Row]) -> None:
    """The results table and, when both systems ran, the ratios table."""
    print(table(rows))
    rt = ratios(rows)
    if rt:
        print()
        print(rt)


def report(path: Path, seed: int) -> int:
    """Print the latest recorded row per (size, system) for `seed`, and the ratios."""
    if not path.exists():
        print(f"no results yet: {path} is absent", file=sys.stderr)
        return 1
    latest: dict[tuple[int, str], Row] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if d.pop("seed", None) != seed:
                continue
            row = Row(**d)
            latest[(row.persons, row.system)] = row
    rows = [latest[k] for k in sorted(latest)]
    print_tables(rows)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k,500k,1M", help="persons per case, comma-separated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=OUT_DEFAULT)
    ap.add_argument("--no-splink", action="store_true")
    ap.add_argument("--no-reconcile", action="store_true")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per run (default 1800)")
    ap.add_argument("--format", default="csv", help="reconcile run --format (default csv)")
    ap.add_argument(
        "--max-memory-mb",
        type=float,
        default=14000.0,
        help="kill a run whose processes hold more than this (default 14000: a shared machine)",
    )
    ap.add_argument("--splink-u-pairs", type=float, default=1e7)
    ap.add_argument("--splink-em-pairs", type=float, default=2e6)
    ap.add_argument(
        "--report",
        action="store_true",
        help="run nothing: print the latest result per size and system from scale_results.jsonl",
    )
    args = ap.parse_args(argv)
    if args.report:
        return report(args.out / "scale_results.jsonl", args.seed)
    try:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    except argparse.ArgumentTypeError as e:
        ap.error(str(e))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    for n in sizes:
        t0 = time.perf_counter()
        case = ensure_case(n, args.seed, out)
        truth = pd.read_csv(case / "truth.csv", dtype=str, keep_default_na=False)
        truth_pairs = cross_pairs(truth, "person_id")
        records = len(truth)
        print(f"{size_label(n)}: case {case} ({records:,} records, {len(truth_pairs):,} true "
              f"pairs; ready in {time.perf_counter() - t0:.1f} s)", file=sys.stderr)  # fmt: skip
        run_dir = out / f"scale-{size_label(n)}-s{args.seed}"
        run_dir.mkdir(parents=True, exist_ok=True)
        got: list[Row] = []
        if not args.no_reconcile:
            got.append(
                run_reconcile(
                    case, run_dir, truth_pairs, args.timeout, args.format, args.max_memory_mb
                )
            )
        if not args.no_splink:
            got += run_splink(case, run_dir, truth_pairs, args)
        for r in got:
            r.persons, r.records = n, records
            print(table([r]).splitlines()[-1], file=sys.stderr)
            with open(out / "scale_results.jsonl", "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"seed": args.seed, **asdict(r)}) + "\n")
        rows += got
    print_tables(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
