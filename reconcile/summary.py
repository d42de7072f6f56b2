"""Plain-text summaries of a loaded case: sorted problem lines, the check verdict, the claims."""

from __future__ import annotations

from reconcile.case import Case
from reconcile.problems import Problem


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """Problems by file, then row (file-level problems first), keeping their order otherwise."""
    return sorted(problems, key=lambda p: (p.file, p.row if p.row is not None else 0))


def problem_lines(problems: list[Problem]) -> list[str]:
    """One `file:row:column: code: message` line per problem, sorted by file then row."""
    return [p.format() for p in sorted_problems(problems)]


def check_summary(case: Case) -> str:
    """`2 errors, 1 warning in 4 claims (37 records)`."""
    errors = sum(p.severity == "error" for p in case.problems)
    warnings = len(case.problems) - errors
    records = sum(len(c.records) for c in case.claims)
    return (
        f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} "
        f"in {_plural(len(case.claims), 'claim')} ({_plural(records, 'record')})"
    )


def claims_summary(case: Case) -> str:
    """The event on one line, then one line per claim: id, source, records, file."""
    lines = []
    event = case.event
    if event:
        details = ", ".join(event[k] for k in ("date", "place") if event.get(k))
        title = event.get("title", "") or "(untitled event)"
        lines.append(f"{title} ({details})" if details else title)
    records = sum(len(c.records) for c in case.claims)
    lines.append(f"{_plural(len(case.claims), 'claim')}, {_plural(records, 'record')}")
    id_w = max((len(c.id) for c in case.claims), default=0)
    sources = {c.id: _clip(c.source, 50) for c in case.claims}
    src_w = max((len(s) for s in sources.values()), default=0)
    n_w = max((len(_plural(len(c.records), "record")) for c in case.claims), default=0)
    for c in case.claims:
        row = [c.id.ljust(id_w)]
        if src_w:
            row.append(sources[c.id].ljust(src_w))
        row += [_plural(len(c.records), "record").rjust(n_w), c.file]
        lines.append("  " + "  ".join(row))
    return "\n".join(lines)
