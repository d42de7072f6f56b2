"""The case in memory: its event, its claims with their records, counts, decisions and problems."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from reconcile.problems import Problem, problems_table
from reconcile.schema import IDENTITY_COLUMNS

COUNT_COLUMNS: tuple[str, ...] = ("claim", "category", "count", "qualifier", "quote")
COUNT_QUALIFIERS: tuple[str, ...] = ("exact", "at_least", "at_most", "approx")
DECISION_COLUMNS: tuple[str, ...] = (
    "claim_a",
    "record_a",
    "claim_b",
    "record_b",
    "decision",
    "by",
    "date",
    "why",
)
DECISION_VALUES: tuple[str, ...] = ("same", "different")


@dataclass
class Claim:
    """One source's account: its metadata from case.toml and its records."""

    id: str
    file: str  # path as written in case.toml (or on the command line), for messages
    path: str  # resolved path on disk
    source: str = ""
    published: str = ""
    url: str = ""
    complete: bool = False
    columns: dict[str, list[str]] = field(default_factory=dict)  # field -> source headers
    encoding: str = ""  # the encoding the file was read with
    delimiter: str = ""
    sha256: str = ""
    # one row per record: IDENTITY_COLUMNS, TEXT_FIELDS, PARSED_COLUMNS (reconcile.schema)
    records: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=IDENTITY_COLUMNS))


@dataclass
class Case:
    """A loaded case. `problems` holds every problem found while loading, errors and warnings."""

    root: str  # the case folder ("" for bare files)
    event: dict[str, str] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    # COUNT_COLUMNS plus `file`, `row`; `count` kept as text, `count_n` as int
    counts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COUNT_COLUMNS))
    # DECISION_COLUMNS plus `file`, `row`
    decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECISION_COLUMNS))
    settings: dict[str, object] = field(default_factory=dict)  # [settings] of case.toml
    problems: list[Problem] = field(default_factory=list)

    @property
    def records(self) -> pd.DataFrame:
        """All claims' records in one frame, in claim order then file order."""
        frames = [c.records for c in self.claims if len(c.records)]
        if not frames:
            return pd.DataFrame(columns=IDENTITY_COLUMNS)
        out = pd.concat(frames, ignore_index=True)
        # a claim without another claim's extra:<header> column says nothing there: "" not NaN
        extras = [c for c in out.columns if str(c).startswith("extra:")]
        if extras:
            out[extras] = out[extras].fillna("")
        return out

    @property
    def problem_table(self) -> pd.DataFrame:
        return problems_table(self.problems)

    def claim(self, claim_id: str) -> Claim:
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise KeyError(claim_id)
