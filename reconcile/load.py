"""Load a case from disk: case.toml or bare CSV files, the claims' records, counts, decisions."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pandas as pd

from reconcile.case import COUNT_COLUMNS, DECISION_COLUMNS, Case, Claim
from reconcile.casetoml import parse_case_toml
from reconcile.check import check_counts, check_decisions
from reconcile.csvread import delimiter_char, encoding_name, read_table
from reconcile.problems import Problem
from reconcile.progress import Reporter
from reconcile.records import build_records, field_headers, table_frame
from reconcile.schema import DEFAULT_PLACEHOLDERS

PathLike = str | os.PathLike[str]
CASE_FILE = "case.toml"
COUNTS_FILE = "counts.csv"
DECISIONS_FILE = "decisions.csv"


def load_case(
    path_or_paths: PathLike | Iterable[PathLike],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Reporter | None = None,
) -> Case:
    """Load a case folder (with case.toml) or bare CSV files (one claim each, named by file stem).

    Never raises for bad files: every problem is in `case.problems`. `encoding` and `delimiter`
    override detection for every CSV; a ValueError is raised only if they are themselves unusable
    (an unknown encoding name, a delimiter that is not one character). `progress` shows a bar
    counting the claims read (moving with their bytes: reading, records, parsing).
    """
    rep = progress or Reporter()
    if encoding is not None:
        encoding = encoding_name(encoding)
    if delimiter is not None:
        delimiter = delimiter_char(delimiter)
    if isinstance(path_or_paths, str | os.PathLike):
        paths = [os.fspath(path_or_paths)]
    else:
        paths = [os.fspath(p) for p in path_or_paths]
    if len(paths) == 1 and Path(paths[0]).is_dir():
        return _load_folder(paths[0], encoding, delimiter, rep)
    if len(paths) == 1 and Path(paths[0]).name == CASE_FILE:  # the case.toml itself: its folder
        return _load_folder(str(Path(paths[0]).parent), encoding, delimiter, rep)
    return _load_files(paths, encoding, delimiter, rep)


class _Bar:
    """The loading bar: one unit per claim file, advanced by each file's share of the bytes
    as it is read, turned into records and parsed."""

    STEPS: ClassVar[dict[str, float]] = {"read": 0.35, "records": 0.15, "parsed": 0.5}

    def __init__(self, progress: Reporter, paths: list[str]) -> None:
        self.progress = progress
        sizes = [_size(p) for p in paths]
        total = sum(sizes)
        self.share = {
            p: (len(paths) * s / total if total else 1.0) for p, s in zip(paths, sizes, strict=True)
        }
        progress.start("loading claims", len(paths))

    def step(self, path: str, what: str) -> None:
        self.progress.advance(self.share.get(path, 0.0) * self.STEPS[what])

    def finish(self) -> None:
        self.progress.finish()


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _load_folder(root: str, encoding: str | None, delimiter: str | None, rep: Reporter) -> Case:
    case = Case(root=root)
    toml_path = Path(root) / CASE_FILE
    if not toml_path.is_file():
        msg = (
            f"no {CASE_FILE} in this folder: add one (see docs/case-format.md) "
            "or give the claim CSV files themselves"
        )
        case.problems.append(Problem("E003", root, msg))
        return case
    try:
        text = toml_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        msg = f"not UTF-8 text (byte {e.start}); save {CASE_FILE} as UTF-8"
        case.problems.append(Problem("E001", CASE_FILE, msg))
        return case
    except OSError as e:
        case.problems.append(Problem("E003", CASE_FILE, f"cannot read: {e.strerror}"))
        return case
    parsed = parse_case_toml(text, CASE_FILE)
    case.event, case.settings = parsed.event, parsed.settings
    case.problems += parsed.problems
    placeholders = _placeholders(case.settings)
    for claim in parsed.claims:
        claim.path = str(Path(root) / claim.file)
    bar = _Bar(rep, [c.path for c in parsed.claims if Path(c.path).is_file()])
    for i, claim in enumerate(parsed.claims):
        if not Path(claim.path).is_file():
            msg = f"claim '{claim.id}': file '{claim.file}' not found"
            case.problems.append(Problem("E003", CASE_FILE, msg, parsed.lines.get(i) or None))
        else:
            case.problems += _read_claim(claim, encoding, delimiter, placeholders, bar)
        case.claims.append(claim)
    bar.finish()
    counts_path, decisions_path = Path(root) / COUNTS_FILE, Path(root) / DECISIONS_FILE
    ids = [c.id for c in case.claims]
    if counts_path.is_file():
        frame, problems = _read_small(counts_path, COUNTS_FILE, COUNT_COLUMNS, encoding, delimiter)
        case.counts, more = check_counts(frame, ids) if _complete(problems) else (frame, [])
        case.problems += problems + more
    if decisions_path.is_file():
        frame, problems = _read_small(
            decisions_path, DECISIONS_FILE, DECISION_COLUMNS, encoding, delimiter
        )
        usable = _complete(problems)
        case.decisions, more = check_decisions(frame, _record_ids(case)) if usable else (frame, [])
        case.problems += problems + more
    return case


def _load_files(
    paths: list[str], encoding: str | None, delimiter: str | None, rep: Reporter
) -> Case:
    case = Case(root="")
    case.settings["placeholders"] = list(DEFAULT_PLACEHOLDERS)
    seen: dict[str, str] = {}
    bar = _Bar(rep, [p for p in paths if Path(p).is_file()])
    for path in paths:
        if Path(path).is_dir():
            msg = "a folder: give one case folder alone, or CSV files"
            case.problems.append(Problem("E003", path, msg))
            continue
        claim = Claim(id=Path(path).stem, file=path, path=path)
        if claim.id.lower() in seen:
            other = seen[claim.id.lower()]
            msg = (
                f"claim '{claim.id}' comes from two files (also {other}): "
                "rename one, or write a case.toml"
            )
            case.problems.append(Problem("E005", path, msg))
            continue
        seen[claim.id.lower()] = path
        if not Path(path).is_file():
            case.problems.append(Problem("E003", path, "file not found"))
            continue
        placeholders = _placeholders(case.settings)
        case.problems += _read_claim(claim, encoding, delimiter, placeholders, bar)
        case.claims.append(claim)
    bar.finish()
    return case


def _placeholders(settings: dict[str, object]) -> list[str]:
    value = settings.get("placeholders", DEFAULT_PLACEHOLDERS)
    return (
        [str(v) for v in value] if isinstance(value, list | tuple) else list(DEFAULT_PLACEHOLDERS)
    )


def _read_bytes(path: str | Path, file: str) -> tuple[bytes | None, list[Problem]]:
    try:
        return Path(path).read_bytes(), []
    except OSError as e:
        return None, [Problem("E003", file, f"cannot read: {e.strerror or e}")]


def _read_claim(
    claim: Claim,
    encoding: str | None,
    delimiter: str | None,
    placeholders: list[str],
    bar: _Bar | None = None,
) -> list[Problem]:
    """Read a claim's file into `claim.records` (and its encoding, delimiter, sha256)."""
    bar = bar or _Bar(Reporter(), [claim.path])
    data, problems = _read_bytes(claim.path, claim.file)
    if data is None:
        return problems
    table, problems = read_table(
        data,
        claim.file,
        encoding=encoding or claim.encoding or None,
        delimiter=delimiter or claim.delimiter or None,
    )
    claim.sha256 = table.sha256 if table is not None else hashlib.sha256(data).hexdigest()
    del data  # the table holds the cells: the bytes can go before the records are built
    bar.step(claim.path, "read")
    if table is None:
        return problems
    claim.encoding, claim.delimiter = table.encoding, table.delimiter
    records, more = build_records(table, claim.id, claim.file, claim.columns)
    bar.step(claim.path, "records")
    parsed, parse_problems = _parse_fields(records, placeholders)
    bar.step(claim.path, "parsed")
    claim.records = parsed
    # name the column as the file does ("Gender", "given+family"), not by its field
    headers = field_headers(table.header, claim.columns)
    parse_problems = [
        replace(p, column=headers[p.column]) if p.column in headers else p for p in parse_problems
    ]
    return problems + more + parse_problems


def _parse_fields(
    records: pd.DataFrame, placeholders: list[str]
) -> tuple[pd.DataFrame, list[Problem]]:
    """The parsed columns (reconcile.fields, PARSED_COLUMNS in schema) beside the text ones."""
    from reconcile.fields import parse_records

    return parse_records(records, placeholders)


def _record_ids(case: Case) -> pd.DataFrame:
    """`claim` and `record_id` of every record (case.records without its other columns)."""
    frames = [c.records[["claim", "record_id"]] for c in case.claims if len(c.records)]
    if not frames:
        return pd.DataFrame({"claim": pd.Series(dtype="str"), "record_id": pd.Series(dtype="str")})
    return pd.concat(frames, ignore_index=True)


def _complete(problems: list[Problem]) -> bool:
    """No required column is missing (else row-by-row checks would only repeat that)."""
    return not any(p.code in ("E004", "E101", "E102", "E104", "E105") for p in problems)


def _read_small(
    path: Path, file: str, columns: tuple[str, ...], encoding: str | None, delimiter: str | None
) -> tuple[pd.DataFrame, list[Problem]]:
    empty = pd.DataFrame({c: pd.Series(dtype="str") for c in (*columns, "file")})
    empty["row"] = pd.Series(dtype="int64")
    data, problems = _read_bytes(path, file)
    if data is None:
        return empty, problems
    table, problems = read_table(data, file, encoding=encoding, delimiter=delimiter)
    if table is None:
        return empty, problems
    required = columns[:3] if columns[0] == "claim" else columns[:5]
    frame, more = table_frame(table, file, columns, required)
    return frame, problems + more
