"""The whole job on a loaded case: match -> merge -> counts -> report model (no file I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

from reconcile.case import Case
from reconcile.match import MatchResult, Settings, match_records
from reconcile.memory import release
from reconcile.prepare import keeping_tokens
from reconcile.problems import Problem
from reconcile.progress import Reporter
from reconcile.schema import DEFAULT_PLACEHOLDERS


class SettingsError(ValueError):
    """A [matching] setting of case.toml that is not valid."""


def settings_from(case_settings: Mapping[str, Any], **overrides: Any) -> Settings:
    """Matching settings from case.toml's [settings] table (key `matching`, or flat keys with the
    same names as Settings' fields), then command-line overrides (None = not given)."""
    s = Settings()
    known = {f.name: f.type for f in fields(Settings)}
    given = dict(case_settings.get("matching", {}) or {})
    for k, v in {**given, **{k: v for k, v in overrides.items() if v is not None}}.items():
        if k not in known:
            raise SettingsError(f"unknown matching setting {k!r}; known: {', '.join(known)}")
        current = getattr(s, k)
        try:
            value = type(current)(v) if not isinstance(current, bool) else bool(v)
        except (TypeError, ValueError):
            raise SettingsError(f"matching setting {k} must be {type(current).__name__}") from None
        setattr(s, k, value)
    return s


def settings_problems(case: Case) -> list[Problem]:
    """[settings.matching] of case.toml checked: an E002 problem for a key or value that is not
    valid, so that `reconcile check` reports it with the rest."""
    try:
        settings_from(case.settings)
    except SettingsError as e:
        return [Problem("E002", "case.toml", f"[settings.matching]: {e}")]
    return []


@dataclass
class RunResult:
    """Everything a run produces, as frames (columns: reconcile.schema, docs/reports.md)."""

    case: Case
    records: pd.DataFrame
    match: MatchResult
    persons: pd.DataFrame
    person_fields: pd.DataFrame
    counts: pd.DataFrame
    people_range: Any
    settings: Settings

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table of the run, in output order (reconcile.write.output_frames): the first
        five are also written as CSVs; all go to report.xlsx and reconcile.sqlite."""
        from reconcile.write import output_frames

        return output_frames(
            persons=self.persons,
            person_fields=self.person_fields,
            links=self.match.links,
            counts=self.counts,
            pairs=self.match.pairs,
            records=self.records,
            problems=self.case.problem_table,
        )


def claim_ids(case: Case) -> list[str]:
    return [c.id for c in case.claims]


def match_case(
    case: Case, settings: Settings | None = None, progress: Reporter | None = None
) -> MatchResult:
    """Match the records of a loaded case, honouring its decisions."""
    return match_records(
        case.records, claim_ids(case), case.decisions, settings or Settings(), progress=progress
    )


def reconcile_case(
    case: Case, settings: Settings | None = None, progress: Reporter | None = None
) -> RunResult:
    """Match, merge into persons, reconcile the counts. Pure: reads and writes no file."""
    from reconcile.counts import distinct_people_range, person_codes, reconcile_counts
    from reconcile.merge import merge_persons

    say = (progress or Reporter()).message
    settings = settings or Settings()
    records = case.records
    with keeping_tokens() as tokens:  # matching's name tokens, for merging to reuse
        result = match_case(case, settings, progress)
    release()  # matching's pairs and name tables are freed: give the memory back before merging
    say("merging persons")
    placeholders = case.settings.get("placeholders", DEFAULT_PLACEHOLDERS)
    persons, person_fields = merge_persons(
        records,
        result.links,
        case.claims,
        placeholders,  # type: ignore[arg-type]
        progress=progress,
        tokens=tokens,
    )
    del tokens
    release()
    say("reconciling counts")
    codes = person_codes(records, result.links)  # each record's person, for both
    counts = reconcile_counts(records, result.links, persons, case.counts, case.claims, codes=codes)
    people_range = distinct_people_range(
        result.pairs, result.links, records, case.counts, codes=codes
    )
    return RunResult(case, records, result, persons, person_fields, counts, people_range, settings)
