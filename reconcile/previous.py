"""Read the previous run's persons.csv and links.csv from an output folder (I/O, for changes)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

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
    try:
        df = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            usecols=lambda c: c in wanted,  # only what the changes read: a tenth of persons.csv
        )
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as e:
        raise PreviousRunError(f"cannot read {path}: {e}") from e
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise PreviousRunError(
            f"{path} has no column {', '.join(missing)}: not an output of reconcile run"
        )
    for col in required:
        df[col] = df[col].str.replace(_NEUTRALISED, "", regex=True)
    return df


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
