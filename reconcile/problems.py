"""Problems found in a case's files: stable codes, locations, messages, collected as a table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

# Every problem code, its severity and a short slug. Codes are stable: never renumber or reuse.
# E = error (check exits 1), W = warning (reported, does not fail).
CODES: dict[str, tuple[str, str]] = {
    # case.toml and the case folder
    "E001": ("error", "bad-toml"),
    "E002": ("error", "bad-case"),
    "E003": ("error", "missing-file"),
    "E004": ("error", "missing-column"),
    "E005": ("error", "duplicate-claim"),
    # reading a file
    "E101": ("error", "not-text"),
    "E102": ("error", "empty-file"),
    "E103": ("error", "ragged-row"),
    "E104": ("error", "encoding-unsure"),
    "E105": ("error", "decode-error"),
    "E106": ("error", "duplicate-header"),
    "E107": ("error", "bad-quote"),
    # values in records
    "E201": ("error", "unknown-value"),
    "E202": ("error", "bad-age"),
    "E203": ("error", "bad-date"),
    "E204": ("error", "duplicate-id"),
    "E205": ("error", "bad-id-number"),
    # counts.csv
    "E401": ("error", "bad-count"),
    "E402": ("error", "unknown-claim"),
    # decisions.csv
    "E501": ("error", "bad-decision"),
    "E502": ("error", "unknown-record"),
    # warnings
    "W301": ("warning", "missing-id"),
    "W302": ("warning", "unknown-column"),
    "W303": ("warning", "empty-record"),
    "W304": ("warning", "encoding-guessed"),
    "W305": ("warning", "age-conflict"),
}

PROBLEM_COLUMNS = ["severity", "code", "slug", "file", "row", "column", "message"]


@dataclass(frozen=True)
class Problem:
    """One problem: where it is (file, spreadsheet row with header = 1, column) and what it is."""

    code: str
    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}")

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    @property
    def slug(self) -> str:
        return CODES[self.code][1]

    def format(self) -> str:
        """`file:row:column: code: message`, omitting the parts that do not apply."""
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column is not None:
            where += f":{self.column}"
        return f"{where}: {self.code}: {self.message}"


def problems_table(problems: Iterable[Problem]) -> pd.DataFrame:
    """The problems as a DataFrame with PROBLEM_COLUMNS, in file, row order (stable)."""
    rows = [{**asdict(p), "severity": p.severity, "slug": p.slug} for p in problems]
    df = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
    df["row"] = df["row"].astype("Int64")
    return df.reset_index(drop=True)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
