"""Wording and number formats every renderer shares, so the reports say the same thing."""

from __future__ import annotations

from typing import Any

from reconcile.report.model import Cite, Report, Section

# Section ids (HTML anchors, JSON keys' order of reading), titles and one-line explanations.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "event",
        "Event and claims",
        "The event and the accounts (claims) compared, with their sources.",
    ),
    (
        "headline",
        "Headline ranges",
        "What the claims say, as ranges from the lowest to the highest.",
    ),
    (
        "contradictions",
        "Contradictions",
        "Where the claims cannot all be right: counts, fields of one person, and complete lists "
        "that omit a person others report.",
    ),
    ("single-source", "Persons only one claim reports", "No other claim reports these persons."),
    (
        "unidentified",
        "Unidentified remains",
        "Remains a source says are not identified, then records that give no name, and the "
        "persons each could be.",
    ),
    (
        "ambiguous",
        "Ambiguous matches awaiting a decision",
        "Record pairs that may be the same person. To confirm one, add its line to decisions.csv "
        "(write `different` instead of `same` to reject it).",
    ),
    ("problems", "Input problems", "Problems found in the case's files, errors first."),
    ("run", "Run", "The tool version, the settings and the sha256 of every input."),
)
TITLES: dict[str, str] = {sid: title for sid, title, _ in SECTIONS}
INTROS: dict[str, str] = {sid: intro for sid, _, intro in SECTIONS}


def rng(lo: int | None, hi: int | None) -> str:
    """A range as published: `10-13`, `13` when both ends agree, `?` for an unknown end."""
    a = "?" if lo is None else str(lo)
    b = "?" if hi is None else str(hi)
    return a if a == b else f"{a}-{b}"


def prob(p: float | None) -> str:
    return "" if p is None else f"{p:.2f}"


def weight(w: float | None) -> str:
    return "" if w is None else f"{w:+.1f}"


def where(c: Cite) -> str:
    """`file, row N` (the place in the claim file)."""
    if c.row is None:
        return c.file
    return f"{c.file}, row {c.row}" if c.file else f"row {c.row}"


def record(c: Cite) -> str:
    """`claim:record_id`."""
    return f"{c.claim}:{c.record_id}" if c.record_id else c.claim


def more_line(section: Section[Any]) -> str:
    """`N more in persons.csv.` when the section was capped, else ""."""
    return f"{section.more} more in {section.more_in}." if section.more > 0 else ""


def more_candidates(n: int) -> str:
    return f"{n} more candidate{'' if n == 1 else 's'} in pairs.csv"


def title(report: Report) -> str:
    return report.event.get("title") or "Discrepancy report"


def event_line(report: Report) -> str:
    parts = [report.event.get("date", ""), report.event.get("place", "")]
    return ", ".join(p for p in parts if p)


def summary_lines(report: Report) -> list[str]:
    """The headline in plain sentences (the same in every renderer)."""
    h = report.headline
    lines = [
        f"{h.records} records in {h.claims} claims, merged into {h.persons} persons.",
    ]
    if h.people_min is not None or h.people_max is not None:
        lines.append(
            f"Distinct people across all claims: {rng(h.people_min, h.people_max)} "
            "(fewest: every compatible merge made; most: only confident links merged)."
        )
    for r in h.ranges:
        flag = " (claims conflict)" if r.conflict else ""
        lines.append(f"{r.label.capitalize()}: {rng(r.min, r.max)}{flag}.")
    lines.append(
        f"Contradictions: {h.count_conflicts} count, {h.field_conflicts} field, "
        f"{h.denials} denial{'s' if h.denials != 1 else ''}. "
        f"Single-source persons: {h.single_source}. Unidentified or unnamed records: "
        f"{h.unidentified}. "
        f"Ambiguous matches: {h.ambiguous}. Input problems: {h.errors} errors, "
        f"{h.warnings} warnings."
    )
    return lines
