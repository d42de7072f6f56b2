"""Read the previous run's persons.csv and links.csv from an output folder (I/O, for changes)."""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from reconcile.schema import MERGED_FIELDS

FILES = ("persons.csv", "links.csv")
REQUIRED = {"persons.csv": ("person_id",), "links.csv": ("claim", "record_id", "person_id")}
# write.neutralise put a `'` before a cell starting like a formula; take it off to compare ids
_NEUTRALISED = re.compile(r"^'(?=[ ]*[=+\-@\t\r])")


class PreviousRunError(Exception):
    """The previous outputs exist but cannot be read (the message names the file)."""


@dataclass
class PreviousRun:
    folder: str
    persons: pd.DataFrame  # persons.csv as text
    links: pd.DataFrame  # links.csv as text


# the columns the changes read: ids and members, and each merged field's status
_WANTED = {
    "persons.csv": frozenset(("person_id", *(f"{f}_status" for f in MERGED_FIELDS))),
    "links.csv": frozenset(REQUIRED["links.csv"]),
}


def _read(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    wanted = _WANTED.get(path.name, frozenset(required))
    df = _read_arrow(path, wanted, required)
    if df is None:  # not as reconcile wrote it: pandas reads it, or says what is wrong
        df = _read_pandas(path, wanted)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise PreviousRunError(
            f"{path} has no column {', '.join(missing)}: not an output of reconcile run"
        )
    for col in required:
        df[col] = df[col].str.replace(_NEUTRALISED, "", regex=True)
    return df


def _read_arrow(
    path: Path, wanted: frozenset[str], required: tuple[str, ...]
) -> pd.DataFrame | None:
    """The wanted columns by Arrow's CSV reader: text as Arrow (no Python string per cell), the
    statuses (few distinct values) dictionary-encoded; None when Arrow cannot read the file as
    a plain UTF-8 CSV with every required column."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader([fh.readline()]), [])
        columns = [c for c in dict.fromkeys(header) if c in wanted]
        if len(columns) != sum(1 for c in header if c in wanted) or any(
            c not in columns for c in required
        ):
            return None
        status = pa.dictionary(pa.int32(), pa.string())  # the F_status columns
        types = {c: pa.string() if c in required else status for c in columns}
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8"),
            convert_options=pacsv.ConvertOptions(
                include_columns=columns,
                column_types=types,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (OSError, UnicodeDecodeError, ValueError, pa.ArrowException):
        return None
    return pd.DataFrame(
        {
            c: (
                pd.Series(pd.arrays.ArrowStringArray(table[c].combine_chunks()), dtype="str")
                if types[c] == pa.string()
                else pd.Series(table[c].to_pandas())
            )
            for c in columns
        }
    )


def _read_pandas(path: Path, wanted: frozenset[str]) -> pd.DataFrame:
    try:
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            usecols=lambda c: c in wanted,  # only what the changes read: a tenth of persons.csv
        )
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as e:
        raise PreviousRunError(f"cannot read {path}: {e}") from e


def load_previous_outputs(out_dir: str | os.PathLike[str]) -> PreviousRun | None:
    """persons.csv and links.csv of the run that last wrote `out_dir`; None when either is absent.

    Raises PreviousRunError when they are there but unreadable.
    """
    folder = Path(out_dir)
    paths = [folder / f for f in FILES]
    if not all(p.is_file() for p in paths):
        return None
    persons, links = (_read(p, REQUIRED[p.name]) for p in paths)
    return PreviousRun(str(folder), persons, links)
