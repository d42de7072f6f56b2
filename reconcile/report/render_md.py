"""Render the report model as report.md: GitHub-flavoured Markdown, every claim text escaped."""

from __future__ import annotations

import json
import re

from reconcile import changes as ch
from reconcile.report import common as c
from reconcile.report.model import Report

# Characters that would start Markdown or HTML syntax inside a line or a table cell.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&#~!])")
_SPACE = re.compile(r"\s+")


def md(text: object) -> str:
    """Text from a claim made inert in Markdown: one line, pipes and markup backslash-escaped."""
    s = _SPACE.sub(" ", str(text)).strip()
    return _MD_SPECIAL.sub(r"\\\1", s)


def _code(text: str) -> str:
    """An inline code span that holds `text` verbatim (longer fence than any backtick run)."""
    text = _SPACE.sub(" ", text)
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    """A pipe table; cells must already be escaped."""
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _section(sid: str) -> list[str]:
    return ["", f"## {c.TITLES[sid]}", "", md(c.INTROS[sid]).replace("\\`", "`"), ""]


def _more(section: object) -> list[str]:
    line = c.more_line(section)  # type: ignore[arg-type]
    return ["", f"*{md(line)}*"] if line else []


def _event(r: Report) -> list[str]:
    out = _section("event")
    rows = [
        [
            md(cl.id),
            md(cl.source),
            md(cl.published),
            md(cl.url),
            str(cl.records),
            "yes" if cl.complete else "no",
            md(cl.file),
        ]
        for cl in r.claims
    ]
    out += _table(["claim", "source", "published", "url", "records", "complete list", "file"], rows)
    return out


def _headline(r: Report) -> list[str]:
    out = _section("headline")
    out += [f"- {md(line)}" for line in c.summary_lines(r)]
    if r.headline.ranges:
        claims = [cl.id for cl in r.claims]
        out.append("")
        rows = [
            [md(h.label), c.rng(h.min, h.max), "**yes**" if h.conflict else "no"]
            + [md(h.by_claim.get(cid, "")) for cid in claims]
            for h in r.headline.ranges
        ]
        out += _table(["count", "range", "conflict", *(md(x) for x in claims)], rows)
    if r.field_summary:
        out.append("")
        rows = [
            [md(f.field), str(f.agree), str(f.conflict), str(f.single), str(f.unknown)]
            for f in r.field_summary
        ]
        out += _table(["field", "agree", "conflict", "single source", "unknown"], rows)
    return out


def _contradictions(r: Report) -> list[str]:
    out = _section("contradictions")
    out += ["### Count conflicts", ""]
    if not r.count_conflicts.items:
        out.append("None.")
    for cc in r.count_conflicts.items:
        out += [f"**{md(cc.label)}**: {c.rng(cc.range_min, cc.range_max)}", ""]
        rows = [
            [
                md(s.claim),
                md(s.stated) or "(none)",
                "" if s.listed is None else str(s.listed),
                md(", ".join(s.conflict_with)),
                md(s.note),
                md(s.quote),
                md(f"{s.file}, row {s.row}" if s.row is not None else s.file),
            ]
            for s in cc.statements
        ]
        head = ["claim", "states", "lists", "conflicts with", "against itself", "quote", "cited"]
        out += _table(head, rows)
        out.append("")
    out += _more(r.count_conflicts)
    out += ["", "### Field conflicts", ""]
    if not r.field_conflicts.items:
        out.append("None.")
    else:
        rows = []
        for fc in r.field_conflicts.items:
            for i, v in enumerate(fc.values):
                first = i == 0
                rows.append(
                    [
                        md(fc.person_id) if first else "",
                        md(fc.name) if first else "",
                        md(fc.field) if first else "",
                        md(c.record(v.cite)),
                        md(v.value),
                        md(v.quote),
                        md(c.where(v.cite)),
                    ]
                )
        out += _table(["person", "name", "field", "record", "value", "quote", "cited"], rows)
    out += _more(r.field_conflicts)
    out += ["", "### Denials", ""]
    if not r.denials.items:
        out.append("None.")
    else:
        rows = [
            [
                md(d.person_id),
                md(d.name),
                md("; ".join(f"{c.record(x)} ({c.where(x)})" for x in d.reported_by)),
                md(
                    "; ".join(
                        f"{cl} ({f})" for cl, f in zip(d.denied_by, d.denied_files, strict=False)
                    )
                ),
            ]
            for d in r.denials.items
        ]
        out += _table(["person", "name", "reported by", "omitted by complete list"], rows)
    out += _more(r.denials)
    return out


def _single(r: Report) -> list[str]:
    out = _section("single-source")
    if not r.single_source.items:
        return [*out, "None."]
    rows = [
        [md(s.person_id), md(s.name), md(c.record(s.cite)), md(c.where(s.cite))]
        for s in r.single_source.items
    ]
    return out + _table(["person", "name", "record", "cited"], rows) + _more(r.single_source)


def _unidentified(r: Report) -> list[str]:
    out = _section("unidentified")
    if not r.unidentified.items:
        return [*out, "None."]
    for u in r.unidentified.items:
        out.append(f"- **{md(c.record(u.cite))}** ({md(c.where(u.cite))}): {md(u.description)}")
        if not u.candidates:
            out.append("  - no candidate person")
        for cand in u.candidates:
            out.append(
                f"  - could be {md(cand.person_id or '?')} {md(cand.name)}: "
                f"{md(c.record(cand.cite))} ({md(c.where(cand.cite))}), {md(cand.status)}, "
                f"probability {c.prob(cand.probability)}"
            )
        if u.more_candidates:
            out.append(f"  - {md(c.more_candidates(u.more_candidates))}")
    return out + _more(r.unidentified)


def _ambiguous(r: Report) -> list[str]:
    out = _section("ambiguous")
    if not r.ambiguous.items:
        return [*out, "None."]
    rows = [
        [
            f"{md(c.record(a.a))} {md(a.name_a)} ({md(c.where(a.a))})",
            f"{md(c.record(a.b))} {md(a.name_b)} ({md(c.where(a.b))})",
            c.prob(a.probability),
            _code(a.decision_line),
        ]
        for a in r.ambiguous.items
    ]
    out += _table(["record A", "record B", "probability", "line for decisions.csv"], rows)
    lines = [a.decision_line for a in r.ambiguous.items]
    fence = "`" * max(3, 1 + max((len(m) for x in lines for m in re.findall("`+", x)), default=0))
    out += ["", "All of them, to paste into decisions.csv:", "", f"{fence}csv", *lines, fence]
    return out + _more(r.ambiguous)


def _changes(r: Report) -> list[str]:
    """Changed since the last run (only when the run compared with a previous one)."""
    if r.changes is None:
        return []
    out = ["", f"## {ch.TITLE}", "", md(ch.INTRO), "", md(ch.summary_line(r.changes))]
    lines = ch.detail_lines(r.changes)
    return out + ([""] + [f"- {md(line)}" for line in lines] if lines else [])


def _problems(r: Report) -> list[str]:
    out = _section("problems")
    if not r.problems.items:
        return [*out, "None."]
    out += [f"- {md(p.severity)}: {md(p.line)}" for p in r.problems.items]
    return out + _more(r.problems)


def _run(r: Report) -> list[str]:
    out = _section("run")
    out += [f"- tool: {md(r.tool)} {md(r.version)}", f"- report schema: {md(r.schema)}"]
    out.append(f"- items shown per section: at most {r.limit}")
    settings = json.dumps(r.settings, sort_keys=True, ensure_ascii=False, default=str)
    out += [f"- settings: {_code(settings)}", ""]
    out += _table(
        ["input", "role", "sha256"], [[md(i.file), md(i.role), md(i.sha256)] for i in r.inputs]
    )
    return out


def render_md(report: Report) -> str:
    """report.md, most consequential findings first, each citing claim, file and row."""
    lines = [f"# {md(c.title(report))}", ""]
    ev = c.event_line(report)
    if ev:
        lines += [md(ev), ""]
    lines.append(f"Discrepancy report by reconcile {md(report.version)}.")
    for part in (
        _event,
        _headline,
        _changes,
        _contradictions,
        _single,
        _unidentified,
        _ambiguous,
        _problems,
        _run,
    ):
        lines += part(report)
    return "\n".join(lines).rstrip("\n") + "\n"
