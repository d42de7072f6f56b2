"""Parse case.toml text into the event, the claims' metadata and settings, collecting problems."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from difflib import SequenceMatcher, get_close_matches
from typing import Any

from reconcile.case import Claim
from reconcile.csvread import delimiter_char, encoding_name
from reconcile.problems import Problem
from reconcile.schema import DEFAULT_PLACEHOLDERS, FIELDS

TABLES = ("event", "claims", "settings")
CLAIM_KEYS = (
    "id",
    "file",
    "source",
    "published",
    "url",
    "complete",
    "columns",
    "encoding",
    "delimiter",
)
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")


@dataclass
class CaseFile:
    """What case.toml says. `lines` gives each claim's line in case.toml (for messages)."""

    event: dict[str, str] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    settings: dict[str, object] = field(default_factory=dict)
    lines: dict[int, int] = field(default_factory=dict)  # claim index -> line of its [[claims]]
    problems: list[Problem] = field(default_factory=list)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...], cutoff: float = 0.6) -> str:
    """`; did you mean 'x'?` for the closest choice (difflib ratio >= cutoff), else ""."""
    return did_you_mean_each([word], choices, cutoff)[0]


_MANY = 1000  # choices beyond which rapidfuzz picks the few that difflib then compares


def did_you_mean_each(
    words: list[str], choices: list[str] | tuple[str, ...], cutoff: float = 0.6
) -> list[str]:
    """did_you_mean for each word, the choices lowered once.

    Among many choices (record ids of a national list), difflib's ratio is computed only where
    it can win: rapidfuzz's Indel similarity bounds it from above (difflib's matching blocks
    are a common subsequence, at most the longest one), so choices are tried from the highest
    bound down and the search stops once the bound falls below the best ratio found. The
    answer is get_close_matches' own: the highest (ratio, choice) at or above the cutoff.
    """
    lowered = [c.lower() for c in choices]
    keys = [w.lower() for w in words]
    if len(lowered) <= _MANY or cutoff <= 0:
        return [
            _hint(get_close_matches(k, lowered, n=1, cutoff=cutoff), lowered, choices) for k in keys
        ]
    import numpy as np
    from rapidfuzz import fuzz, process

    out = []
    for start in range(0, len(keys), 16):
        block = keys[start : start + 16]
        bounds = process.cdist(
            block, lowered, scorer=fuzz.ratio, score_cutoff=cutoff * 100 - 1e-6, dtype=np.float64
        )
        for key, bound in zip(block, bounds, strict=True):
            near = np.flatnonzero(bound > 0)
            order = near[np.argsort(-bound[near], kind="stable")].tolist()
            out.append(_hint(_closest(key, order, bound, lowered, cutoff), lowered, choices))
    return out


def _closest(
    key: str, order: list[int], bound: Any, lowered: list[str], cutoff: float
) -> list[str]:
    """get_close_matches(key, lowered, n=1, cutoff), trying lowered[i] for i in order (by
    falling upper bound, in percent) and stopping where no other can win."""
    matcher = SequenceMatcher()
    matcher.set_seq2(key)
    best: tuple[float, str] | None = None
    for i in order:
        if best is not None and bound[i] < best[0] * 100 - 0.01:
            break
        matcher.set_seq1(lowered[i])
        if (
            matcher.real_quick_ratio() >= cutoff
            and matcher.quick_ratio() >= cutoff
            and matcher.ratio() >= cutoff
        ):
            best = max(best or (0.0, ""), (matcher.ratio(), lowered[i]))
    return [best[1]] if best else []


def _hint(close: list[str], lowered: list[str], choices: list[str] | tuple[str, ...]) -> str:
    """`; did you mean 'x'?` for the first choice whose lowered form is close[0]; "" if none."""
    if not close:
        return ""
    return f"; did you mean '{choices[lowered.index(close[0])]}'?"


def _text(value: object) -> str | None:
    """A TOML scalar as text (dates as ISO), None for tables and arrays."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | dt.date | dt.time):
        return value.isoformat() if isinstance(value, dt.date | dt.time) else str(value)
    return None


def _claim_lines(text: str) -> list[int]:
    return [
        i + 1
        for i, line in enumerate(text.splitlines())
        if re.match(r"\s*\[\[\s*claims\s*\]\]", line)
    ]


def _key_line(text: str, header: int, key: str) -> int:
    """The line of `key =` in the [[claims]] table headed on line `header` (else `header`)."""
    lines = text.splitlines()
    for i in range(header, len(lines)):
        if re.match(r"\s*\[\[", lines[i]):
            break
        if re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", lines[i]):
            return i + 1
        if key == "columns" and re.match(r"\s*\[\s*claims\.columns\s*\]", lines[i]):
            return i + 1
    return header


def parse_case_toml(text: str, file: str = "case.toml") -> CaseFile:
    """Parse and validate case.toml; every problem is collected, none raised."""
    out = CaseFile()
    text = text.removeprefix("\ufeff")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column \d+\)|\(at end of document\)", str(e))
        line = int(m.group(1)) if m and m.group(1) else len(text.splitlines()) or None
        msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(e))
        out.problems.append(Problem("E001", file, f"not valid TOML: {msg}", line))
        return out
    p = out.problems
    for key in doc:
        if key not in TABLES:
            p.append(Problem("E002", file, f"unknown table [{key}]{did_you_mean(key, TABLES)}"))
    event = doc.get("event", {})
    if not isinstance(event, dict):
        p.append(
            Problem("E002", file, "[event] must be a table of keys such as title, date, place")
        )
        event = {}
    for key, value in event.items():
        t = _text(value)
        if t is None:
            p.append(Problem("E002", file, f"[event] {key} must be text, a number or a date"))
        else:
            out.event[key] = t
    _parse_settings(doc.get("settings", {}), file, out)
    claims = doc.get("claims")
    if claims is None:
        p.append(Problem("E002", file, "no [[claims]]: add one [[claims]] table per claim file"))
        return out
    if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
        p.append(Problem("E002", file, "claims must be written as [[claims]] tables"))
        return out
    starts = _claim_lines(text)
    seen: dict[str, int] = {}
    for i, spec in enumerate(claims):
        line = starts[i] if i < len(starts) else None
        claim = _parse_claim(spec, i, text, line, file, p)
        if claim is None:
            continue
        if claim.id.lower() in seen:
            first = seen[claim.id.lower()]
            p.append(
                Problem(
                    "E005", file, f"claim id '{claim.id}' is used twice (also line {first})", line
                )
            )
            continue
        seen[claim.id.lower()] = line or 0
        out.lines[len(out.claims)] = line or 0
        out.claims.append(claim)
    return out


def _parse_settings(settings: object, file: str, out: CaseFile) -> None:
    p = out.problems
    if not isinstance(settings, dict):
        p.append(Problem("E002", file, "[settings] must be a table"))
        settings = {}
    assert isinstance(settings, dict)
    extra = settings.get("placeholders", [])
    if not isinstance(extra, list) or not all(isinstance(x, str) for x in extra):
        p.append(
            Problem("E002", file, '[settings] placeholders must be a list of text, e.g. ["NK"]')
        )
        extra = []
    keep_defaults = settings.get("default_placeholders", True)
    if not isinstance(keep_defaults, bool):
        p.append(Problem("E002", file, "[settings] default_placeholders must be true or false"))
        keep_defaults = True
    out.settings = dict(settings)
    base = list(DEFAULT_PLACEHOLDERS) if keep_defaults else []
    out.settings["placeholders"] = base + [
        x.strip() for x in extra if x.strip() and x.strip() not in base
    ]


def _parse_claim(
    spec: dict[str, object], i: int, text: str, line: int | None, file: str, p: list[Problem]
) -> Claim | None:
    """One [[claims]] table as a Claim (path still unresolved), or None if unusable."""
    n = f"[[claims]] #{i + 1}"

    def at(key: str) -> int | None:
        return _key_line(text, line, key) if line else None

    ok = True
    if isinstance(spec.get("id"), str) and SLUG.match(str(spec["id"])):
        n = f"claim '{spec['id']}'"
    for key in spec:
        if key not in CLAIM_KEYS:
            msg = f"{n}: unknown key '{key}'{did_you_mean(key, CLAIM_KEYS)}"
            p.append(Problem("E002", file, msg, at(key)))
    cid, cfile = spec.get("id"), spec.get("file")
    if not isinstance(cid, str) or not SLUG.match(cid):
        what = "has no id" if cid is None else f"id {cid!r} is not a slug"
        msg = f'{n} {what}: give a short id of letters, digits, - or _ (e.g. id = "sohr")'
        p.append(Problem("E002", file, msg, at("id")))
        ok = False
    else:
        n = f"claim '{cid}'"
    if not isinstance(cfile, str) or not cfile.strip():
        p.append(
            Problem(
                "E002",
                file,
                f'{n} has no file: give its CSV, e.g. file = "claims/x.csv"',
                at("file"),
            )
        )
        ok = False
    meta: dict[str, str] = {}
    for key in ("source", "published", "url"):
        value = spec.get(key, "")
        t = _text(value)
        if t is None:
            p.append(Problem("E002", file, f"{n}: {key} must be text", at(key)))
        else:
            meta[key] = t
    complete = spec.get("complete", False)
    if not isinstance(complete, bool):
        p.append(
            Problem(
                "E002", file, f"{n}: complete must be true or false (no quotes)", at("complete")
            )
        )
        complete = False
    columns = _parse_columns(spec.get("columns", {}), n, at("columns"), file, p)
    reading: dict[
        str, str
    ] = {}  # a stated encoding or delimiter, read before the file is (Claim.encoding...)
    for key, norm in (("encoding", encoding_name), ("delimiter", delimiter_char)):
        value = spec.get(key)
        if value is None:
            continue
        try:
            reading[key] = norm(value) if isinstance(value, str) else norm("")
        except ValueError as e:
            p.append(Problem("E002", file, f"{n}: {e}", at(key)))
    if not ok:
        return None
    assert isinstance(cid, str) and isinstance(cfile, str)
    return Claim(
        id=cid,
        file=cfile.strip(),
        path="",
        source=meta.get("source", ""),
        published=meta.get("published", ""),
        url=meta.get("url", ""),
        complete=complete,
        columns=columns,
        encoding=reading.get("encoding", ""),
        delimiter=reading.get("delimiter", ""),
    )


def _parse_columns(
    columns: object, n: str, line: int | None, file: str, p: list[Problem]
) -> dict[str, list[str]]:
    if not isinstance(columns, dict):
        p.append(Problem("E002", file, f"{n}: columns must be a [claims.columns] table", line))
        return {}
    out: dict[str, list[str]] = {}
    for key, value in columns.items():
        if key not in FIELDS:
            msg = f"{n}: [claims.columns] maps unknown field '{key}'{did_you_mean(key, FIELDS)}"
            p.append(Problem("E002", file, msg, line))
            continue
        headers = [value] if isinstance(value, str) else value
        if (
            not isinstance(headers, list)
            or not headers
            or not all(isinstance(h, str) and h.strip() for h in headers)
        ):
            msg = f"{n}: columns.{key} must be a header or a list of headers"
            p.append(Problem("E002", file, msg, line))
            continue
        out[key] = [h.strip() for h in headers]
    return out
