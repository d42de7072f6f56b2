"""Render the report model for the terminal: plain text, wrapped to a width (100 columns)."""

from __future__ import annotations

import re
import textwrap
import unicodedata

from reconcile import changes as changes_mod
from reconcile.report import common as c
from reconcile.report.model import Report

TEXT_LIMIT = 10  # items per section on the terminal; the files hold more
TEXT_CANDIDATES = 3  # candidate persons per unidentified record on the terminal


# Control characters (an ESC starts a terminal escape sequence) shown as "?"; bidi overrides and
# isolates, which could reorder what the terminal shows, dropped (RLM/LRM marks are kept).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_BIDI_OVERRIDE = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _safe(line: str) -> str:
    """A line of claim text that cannot drive the terminal."""
    return _BIDI_OVERRIDE.sub("", _CONTROL.sub("?", line))


def _width(s: str) -> int:
    """Columns a string takes in a terminal (wide East Asian 2, combining marks 0)."""
    w = 0
    for ch in s:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def _clip(s: str, width: int) -> str:
    """`s` on one line, cut with `…` to fit `width` columns."""
    lead = s[: len(s) - len(s.lstrip(" "))]
    s = lead + " ".join(s.split())
    if _width(s) <= width:
        return s
    out, w = "", 0
    for ch in s:
        cw = _width(ch)
        if w + cw > width - 1:
            break
        out, w = out + ch, w + cw
    return out + "…"


def _para(text: str, width: int, indent: str = "") -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()),
        width=width,
        initial_indent=indent,
        subsequent_indent=" " * len(indent) + "  ",
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def _heading(sid: str, width: int) -> list[str]:
    t = c.TITLES[sid]
    return ["", t.upper(), "=" * min(width, _width(t))]


def _more(section: object, width: int, shown: int) -> list[str]:
    total = getattr(section, "total", 0)
    if total > shown:
        return _para(f"{total - shown} more in {getattr(section, 'more_in', '')}.", width, "  ")
    return []


def render_text(report: Report, width: int = 100, limit: int = TEXT_LIMIT) -> str:
    """The report for a terminal: every line at most `width` columns, `limit` items a section."""
    w = max(40, width)
    out: list[str] = [_clip(c.title(report), w)]
    if c.event_line(report):
        out.append(_clip(c.event_line(report), w))
    out.append(f"reconcile {report.version}")

    out += _heading("event", w)
    for cl in report.claims:
        flag = ", complete list" if cl.complete else ""
        out += _para(
            f"{cl.id}: {cl.source or '(source not given)'}, {cl.published or 'undated'}, "
            f"{cl.records} records{flag} ({cl.file})",
            w,
            "- ",
        )

    out += _heading("headline", w)
    for line in c.summary_lines(report):
        out += _para(line, w, "- ")

    if report.changes is not None:  # changed since the last run
        out += ["", changes_mod.TITLE.upper(), "=" * min(w, _width(changes_mod.TITLE))]
        out += _para(changes_mod.summary_line(report.changes), w)
        for line in changes_mod.detail_lines(changes_mod.capped(report.changes, limit)):
            out += _para(line, w, "- ")

    out += _heading("contradictions", w)
    cc = report.count_conflicts
    for k in cc.items[:limit]:
        out += _para(f"{k.label}: {c.rng(k.range_min, k.range_max)}", w, "* ")
        for s in k.statements:
            where = f"{s.file}, row {s.row}" if s.row is not None else s.file
            listed = "" if s.listed is None else f", lists {s.listed}"
            quote = f' "{s.quote}"' if s.quote else ""
            cite = f" [{where}]" if where else ""
            note = f" ({s.note})" if s.note else ""
            out += _para(f"{s.claim}: {s.stated or '(none)'}{listed}{note}{quote}{cite}", w, "    ")
    out += _more(cc, w, min(limit, len(cc.items)))
    fc = report.field_conflicts
    for f in fc.items[:limit]:
        out += _para(f"{f.person_id} {f.name}: {f.field} differs", w, "* ")
        for v in f.values:
            quote = f' "{v.quote}"' if v.quote else ""
            out += _para(f"{c.record(v.cite)}: {v.value}{quote} [{c.where(v.cite)}]", w, "    ")
    out += _more(fc, w, min(limit, len(fc.items)))
    for d in report.denials.items[:limit]:
        by = "; ".join(f"{c.record(x)} [{c.where(x)}]" for x in d.reported_by)
        out += _para(
            f"{d.person_id} {d.name}: reported by {by}; omitted by the complete list of "
            f"{', '.join(d.denied_by)}",
            w,
            "* ",
        )
    out += _more(report.denials, w, min(limit, len(report.denials.items)))
    if not (cc.total or fc.total or report.denials.total):
        out.append("None.")

    out += _heading("single-source", w)
    for s1 in report.single_source.items[:limit]:
        out += _para(f"{s1.person_id} {s1.name} [{c.record(s1.cite)}, {c.where(s1.cite)}]", w, "- ")
    out += _more(report.single_source, w, min(limit, len(report.single_source.items)))
    if not report.single_source.total:
        out.append("None.")

    out += _heading("unidentified", w)
    for u in report.unidentified.items[:limit]:
        out += _para(f"{c.record(u.cite)} [{c.where(u.cite)}]: {u.description}", w, "- ")
        for cand in u.candidates[:TEXT_CANDIDATES]:
            out += _para(
                f"could be {cand.person_id or '?'} {cand.name} [{c.record(cand.cite)}, "
                f"{c.where(cand.cite)}] {cand.status} {c.prob(cand.probability)}",
                w,
                "    ",
            )
        more = u.more_candidates + max(0, len(u.candidates) - TEXT_CANDIDATES)
        if more:
            out += _para(c.more_candidates(more), w, "    ")
    out += _more(report.unidentified, w, min(limit, len(report.unidentified.items)))
    if not report.unidentified.total:
        out.append("None.")

    out += _heading("ambiguous", w)
    for a in report.ambiguous.items[:limit]:
        out += _para(
            f"{c.record(a.a)} {a.name_a} [{c.where(a.a)}] ~ {c.record(a.b)} {a.name_b} "
            f"[{c.where(a.b)}] p={c.prob(a.probability)}",
            w,
            "- ",
        )
        out.append(_clip("    decisions.csv: " + a.decision_line, w))
    out += _more(report.ambiguous, w, min(limit, len(report.ambiguous.items)))
    if not report.ambiguous.total:
        out.append("None.")

    out += _heading("problems", w)
    for p in report.problems.items[:limit]:
        out += _para(p.line, w, "- ")
    out += _more(report.problems, w, min(limit, len(report.problems.items)))
    if not report.problems.total:
        out.append("None.")
    lines = [_safe(line) for line in out]
    return "\n".join(_clip(line, w) if _width(line) > w else line for line in lines) + "\n"
