"""Write the output files atomically: CSVs, report.md/html/json, report.xlsx, reconcile.sqlite.

The only module that writes files. Every file is written to a temporary file in the output folder
and moved into place with os.replace, so an interrupted run leaves the previous file (or none),
never half a file. Identical inputs give byte-identical files: no run timestamps anywhere, fixed
dates inside report.xlsx, and reconcile.sqlite built in memory and copied out with VACUUM INTO.

Formula injection (OWASP "CSV injection"): a text cell from a claim that starts with `=`, `+`,
`-`, `@`, a tab or a carriage return (after any leading spaces) could run as a formula when the
file is opened in a spreadsheet. In the CSVs such a cell is prefixed with a single quote `'`.
In report.xlsx the text is kept exactly and stored as a string cell (never a formula) with Excel's
quote-prefix flag, which is what typing `'` in Excel sets. A plain number such as `-3` or `+12`,
and a lone `-` (a common "unknown" placeholder), cannot run and are left as they are. Numbers the
tool computes (counts, scores, rows) are written as numbers.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from reconcile import csvout
from reconcile.progress import Reporter
from reconcile.report.model import Report
from reconcile.report.render_html import render_html
from reconcile.report.render_json import render_json
from reconcile.report.render_md import render_md

FORMATS: tuple[str, ...] = ("csv", "md", "html", "json", "xlsx", "sqlite")
CSV_TABLES: tuple[str, ...] = ("persons", "person_fields", "links", "counts", "pairs")
REPORT_FILES: dict[str, str] = {
    "md": "report.md",
    "html": "report.html",
    "json": "report.json",
    "xlsx": "report.xlsx",
    "sqlite": "reconcile.sqlite",
}

_TRIGGER = re.compile(r"^[ ]*[=+\-@\t\r]")
_SAFE = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?|-")


class OutputError(Exception):
    """An output could not be written (the message names the file)."""


def parse_formats(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """`"csv,md"` (or a list) as a tuple of formats in FORMATS order; None or "" or "all": all."""
    if text is None:
        return FORMATS
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = {i.strip().lower() for i in items if i.strip()}
    if not wanted or wanted == {"all"}:
        return FORMATS
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in wanted)


# ---------------------------------------------------------------- atomic files


@contextlib.contextmanager
def atomic_writer(path: Path, mode: str = "wb", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside `path`; on success it replaces `path`, on error it vanishes."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _publish(Path(tmp), path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _publish(tmp: Path, path: Path) -> None:
    """Give the finished temp file ordinary permissions and move it over `path`."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def write_bytes(path: Path, data: bytes) -> Path:
    with atomic_writer(path, "wb") as f:
        f.write(data)
    return Path(path)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(path, text.encode(encoding))


# ---------------------------------------------------------------- cell safety


def neutralise(value: str) -> str:
    """A text cell made safe for spreadsheets: `'` before a leading = + - @ tab or CR."""
    if _TRIGGER.match(value) and not _SAFE.fullmatch(value):
        return "'" + value
    return value


def needs_neutralising(value: str) -> bool:
    return bool(_TRIGGER.match(value)) and not _SAFE.fullmatch(value)


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [
        c
        for c in df.columns
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))
    ]


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every text cell neutralised (numeric and boolean columns untouched)."""
    out = df
    for col in _text_columns(df):
        s = df[col]
        text = s.astype("string")  # vectorised matching; missing stays missing
        hit = (text.str.match(_TRIGGER.pattern) & ~text.str.fullmatch(_SAFE.pattern)).fillna(False)
        if not hit.any():
            continue
        if out is df:
            out = df.copy()
        values = s.to_numpy(dtype=object, copy=True)
        for i in np.flatnonzero(hit.to_numpy(dtype=bool)):
            if isinstance(values[i], str):
                values[i] = "'" + values[i]
        out[col] = pd.Series(values, index=df.index, dtype=object)
    return out


# ---------------------------------------------------------------- CSV


def _whole_floats_as_ints(df: pd.DataFrame) -> pd.DataFrame:
    """Float columns holding only whole numbers (and blanks) as integers: `15`, not `15.0`."""
    out = df
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_float_dtype(s):
            vals = s.dropna()
            if len(vals) and (vals == vals.round()).all() and vals.abs().max() < 2**53:
                if out is df:
                    out = df.copy()
                out[col] = s.astype("Int64")
    return out


def write_csv(path: Path, df: pd.DataFrame) -> Path:
    """A CSV in UTF-8 with a BOM (Excel then reads Arabic right), LF line ends, NaN as "".

    Whole numbers in float columns are written without `.0`; text cells are neutralised.
    """
    chunks = csvout.render(df, _TRIGGER.pattern, _SAFE.pattern)
    if chunks is not None:  # the same bytes, column by column (reconcile.csvout)
        try:
            with atomic_writer(path, "wb") as f:
                f.write(codecs.BOM_UTF8)
                for chunk in chunks:
                    f.write(chunk)
            return Path(path)
        except csvout.Unrenderable:
            pass
    safe = neutralise_frame(_whole_floats_as_ints(_plain_frame(df)))
    with atomic_writer(path, "w", encoding="utf-8-sig", newline="") as f:
        safe.to_csv(f, index=False, lineterminator="\n", na_rep="")
    return Path(path)


# ---------------------------------------------------------------- cell values


def _cell(v: Any) -> Any:
    """A pandas/numpy value as a plain Python value for sqlite3 (NaN/NA: None)."""
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        return json.dumps(v, ensure_ascii=False, default=str, sort_keys=True)
    if isinstance(v, bool | str | int | float):
        return v
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return str(v)


# ---------------------------------------------------------------- XLSX


def _quoted(text: pd.Series) -> pd.Series:
    """Which cells of a text column get Excel's quote prefix (those that start like a formula)."""
    return text.str.match(_TRIGGER.pattern) & ~text.str.fullmatch(_SAFE.pattern)


def _xlsx_bytes(frames: Mapping[str, pd.DataFrame], about: list[tuple[str, str]]) -> bytes:
    """report.xlsx: one sheet per table, then `about` (reconcile.report.xlsx builds the bytes)."""
    from reconcile.report.xlsx import xlsx_bytes

    tables = [*frames.items(), ("about", pd.DataFrame(about, columns=["key", "value"]))]
    return xlsx_bytes(tables, _quoted, "more rows than Excel can hold: see reconcile.sqlite")


# ---------------------------------------------------------------- SQLite


def _plain_frame(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with every categorical column as its plain values (pandas writes those as before)."""
    out = df
    for i in range(len(df.columns)):
        if isinstance(df.iloc[:, i].dtype, pd.CategoricalDtype):
            if out is df:
                out = df.copy(deep=False)
            out.isetitem(i, _plain(df.iloc[:, i]).array)
    return out


def _plain(s: pd.Series) -> pd.Series:
    """A categorical column as its plain values (text as text, numbers as numbers)."""
    return s.astype(s.cat.categories.dtype) if isinstance(s.dtype, pd.CategoricalDtype) else s


def _sql_type(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_integer_dtype(s):
        return "INTEGER"
    if pd.api.types.is_float_dtype(s):
        return "REAL"
    return "TEXT"


def _quote_ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _column_values(s: pd.Series) -> list[Any]:
    """A column as plain Python values for sqlite3 (missing: None, booleans: 0/1)."""
    if pd.api.types.is_bool_dtype(s) and not s.isna().any():
        return s.astype(int).tolist()
    values = s.astype(object).where(s.notna(), None).tolist()
    plain = (str, int, float, type(None))
    if all(type(v) in plain for v in values):
        return values
    return [_cell(v) if not isinstance(v, bool) else int(v) for v in values]


def _sqlite_fill(con: sqlite3.Connection, frames: Mapping[str, pd.DataFrame]) -> None:
    for name, df in frames.items():
        if not len(df.columns):
            continue  # SQLite has no table without columns: an empty, unknown table is left out
        cols = ", ".join(f"{_quote_ident(c)} {_sql_type(_plain(df[c]))}" for c in df.columns)
        con.execute(f"CREATE TABLE {_quote_ident(name)} ({cols})")
        marks = ", ".join("?" for _ in df.columns)
        columns = [_column_values(_plain(df[c])) for c in df.columns]
        con.executemany(
            f"INSERT INTO {_quote_ident(name)} VALUES ({marks})", zip(*columns, strict=True)
        )
        for key in ("person_id", "claim"):
            if key in df.columns:
                idx = _quote_ident(f"idx_{name}_{key}")
                con.execute(f"CREATE INDEX {idx} ON {_quote_ident(name)} ({_quote_ident(key)})")


def write_sqlite(path: Path, frames: Mapping[str, pd.DataFrame]) -> Path:
    """Every table in one SQLite file, built in memory and copied out with VACUUM INTO."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # VACUUM INTO needs a path that does not exist yet
    con = sqlite3.connect(":memory:")
    try:
        _sqlite_fill(con, frames)
        con.commit()
        con.execute("VACUUM INTO ?", (tmp,))
        con.close()
        _publish(Path(tmp), path)
    except BaseException:
        con.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


# ---------------------------------------------------------------- everything


def _about(report: Report) -> list[tuple[str, str]]:
    rows = [
        ("tool", report.tool),
        ("version", report.version),
        ("report_schema", report.schema),
        ("settings", json.dumps(report.settings, sort_keys=True, ensure_ascii=False, default=str)),
    ]
    rows += [(f"event.{k}", v) for k, v in sorted(report.event.items())]
    rows += [(f"sha256:{i.file}", i.sha256) for i in report.inputs]
    return rows


def report_tables(report: Report) -> dict[str, pd.DataFrame]:
    """Tables the report model adds to report.xlsx and reconcile.sqlite: claims, inputs, about."""
    claims = pd.DataFrame(
        [
            (c.id, c.source, c.published, c.url, c.file, c.complete, c.records, c.sha256)
            for c in report.claims
        ],
        columns=["claim", "source", "published", "url", "file", "complete", "records", "sha256"],
    )
    inputs = pd.DataFrame(
        [(i.file, i.role, i.sha256) for i in report.inputs], columns=["file", "role", "sha256"]
    )
    return {"claims": claims, "inputs": inputs}


def output_frames(
    *,
    persons: pd.DataFrame | None = None,
    person_fields: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
    pairs: pd.DataFrame | None = None,
    records: pd.DataFrame | None = None,
    problems: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The pipeline's tables in output order, leaving out those not given (for write_outputs)."""
    given = {
        "persons": persons,
        "person_fields": person_fields,
        "links": links,
        "counts": counts,
        "pairs": pairs,
        "records": records,
        "problems": problems,
    }
    return {k: v.reset_index(drop=True) for k, v in given.items() if v is not None}


def _make_dir(out_dir: str | os.PathLike[str]) -> Path:
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the output folder {out}: {e.strerror}") from e
    return out


def write_outputs(
    report: Report,
    frames: Mapping[str, pd.DataFrame],
    out_dir: str | os.PathLike[str],
    formats: Sequence[str] | str | None = None,
    progress: Reporter | None = None,
) -> list[Path]:
    """Write the chosen formats (default all) into out_dir; return the paths written, in order.

    `frames` maps table names to frames: persons, person_fields, links, counts, pairs go to their
    CSVs; every frame (plus the report's claims and inputs tables) goes to report.xlsx and
    reconcile.sqlite.
    """
    chosen = parse_formats(formats)
    out = _make_dir(out_dir)
    tables = dict(frames)
    tables.update({k: v for k, v in report_tables(report).items() if k not in frames})
    written: list[Path] = []
    jobs: list[tuple[str, Any]] = []
    if "csv" in chosen:
        for name in CSV_TABLES:
            if name in frames:
                jobs.append((f"{name}.csv", lambda p, df=frames[name]: write_csv(p, df)))
    if "md" in chosen:
        jobs.append((REPORT_FILES["md"], lambda p: write_text(p, render_md(report))))
    if "html" in chosen:
        jobs.append((REPORT_FILES["html"], lambda p: write_text(p, render_html(report))))
    if "json" in chosen:
        jobs.append((REPORT_FILES["json"], lambda p: write_text(p, render_json(report))))
    if "xlsx" in chosen:
        jobs.append(
            (REPORT_FILES["xlsx"], lambda p: write_bytes(p, _xlsx_bytes(tables, _about(report))))
        )
    if "sqlite" in chosen:
        about = pd.DataFrame(_about(report), columns=["key", "value"])
        jobs.append((REPORT_FILES["sqlite"], lambda p: write_sqlite(p, {**tables, "about": about})))
    rep = progress or Reporter()
    rep.start("writing files", len(jobs))
    for name, job in jobs:
        path = out / name
        try:
            job(path)
        except OSError as e:
            raise OutputError(f"cannot write {path}: {e.strerror or e}") from e
        except sqlite3.Error as e:  # e.g. the disk filled while copying the database out
            raise OutputError(f"cannot write {path}: {e}") from e
        written.append(path)
        rep.advance()
    rep.finish()
    return written


def write_frames_csv(
    frames: Mapping[str, pd.DataFrame], out_dir: str | os.PathLike[str]
) -> list[Path]:
    """Write each frame as NAME.csv into out_dir (created if needed), as write_csv does."""
    out = _make_dir(out_dir)
    written = []
    for name, df in frames.items():
        path = out / f"{name}.csv"
        try:
            write_csv(path, df)
        except OSError as e:
            raise OutputError(f"cannot write {path}: {e.strerror or e}") from e
        written.append(path)
    return written
