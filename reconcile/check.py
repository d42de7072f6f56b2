"""Validate counts.csv and decisions.csv against the case's claims and records (pure functions)."""

from __future__ import annotations

import re

import pandas as pd

from reconcile.case import COUNT_QUALIFIERS, DECISION_VALUES
from reconcile.casetoml import did_you_mean, did_you_mean_each
from reconcile.problems import Problem

# Other ways of writing a qualifier (after lower-casing and turning spaces and hyphens into `_`).
QUALIFIER_SYNONYMS: dict[str, str] = {
    "": "exact",
    "exactly": "exact",
    "=": "exact",
    "atleast": "at_least",
    "minimum": "at_least",
    "min": "at_least",
    ">=": "at_least",
    "atmost": "at_most",
    "maximum": "at_most",
    "max": "at_most",
    "<=": "at_most",
    "approximately": "approx",
    "about": "approx",
    "around": "approx",
    "~": "approx",
}
STANDARD_CATEGORIES: tuple[str, ...] = (
    "killed",
    "children",
    "women",
    "men",
    "adults",
    "elderly",
    "unidentified",
    "civilians",
    "combatants",
)


def category_key(category: str) -> str:
    """A count category as compared: lower case, single spaces (`Wives of the target`)."""
    return " ".join(category.lower().split())


def qualifier_key(qualifier: str) -> str | None:
    """The standard qualifier for a written one, None when it is not one."""
    q = re.sub(r"[\s\-]+", "_", qualifier.strip().lower())
    q = QUALIFIER_SYNONYMS.get(q, q)
    return q if q in COUNT_QUALIFIERS else None


def _count_hint(text: str) -> str:
    m = re.fullmatch(
        r"\s*(~|about|approx\.?|at least|at most|over|more than)?\s*(\d+)\s*(\+)?\s*", text, re.I
    )
    if not m or not (m.group(1) or m.group(3)):
        return "write a whole number such as 12"
    word = (m.group(1) or "").lower()
    qual = (
        "at_most"
        if word == "at most"
        else "approx"
        if word in ("~", "about", "approx", "approx.")
        else "at_least"
    )
    return f"write {m.group(2)} in count and {qual} in qualifier"


def check_counts(counts: pd.DataFrame, claims: list[str]) -> tuple[pd.DataFrame, list[Problem]]:
    """Normalise count assertions and report E401 (count, qualifier, category) and E402 (claim).

    `counts` has COUNT_COLUMNS plus file, row (all text). Returns the same frame with `category`
    and `qualifier` normalised (blank qualifier -> exact) and `count_n` (Int64, NA when bad).
    """
    out = counts.copy()
    problems: list[Problem] = []
    ns: list[int | None] = []
    quals: list[str] = []
    for rec in out.to_dict("records"):
        file, row = str(rec["file"]), int(rec["row"])
        claim, count, qual = str(rec["claim"]), str(rec["count"]), str(rec["qualifier"])
        if claim not in claims:
            what = f"unknown claim '{claim}'" if claim else "no claim"
            hint = did_you_mean(claim, claims) if claim else ""
            msg = f"{what}{hint}" if hint else f"{what}; the claims are: {', '.join(claims)}"
            problems.append(Problem("E402", file, msg, row, "claim"))
        if not str(rec["category"]).strip():
            problems.append(
                Problem("E401", file, "no category (e.g. killed, children, women)", row, "category")
            )
        if re.fullmatch(r"\d+", count):
            ns.append(int(count))
        else:
            ns.append(None)
            shown = f"'{count}' is not a count" if count else "no count"
            problems.append(Problem("E401", file, f"{shown}; {_count_hint(count)}", row, "count"))
        q = qualifier_key(qual)
        if q is None:
            hint = (
                did_you_mean(qual, COUNT_QUALIFIERS)
                or f"; use one of {', '.join(COUNT_QUALIFIERS)}"
            )
            msg = f"'{qual}' is not a qualifier{hint}"
            problems.append(Problem("E401", file, msg, row, "qualifier"))
        quals.append(q or qual)
    out["category"] = [category_key(str(c)) for c in out["category"]]
    out["qualifier"] = pd.Series(quals, index=out.index, dtype="str")
    out["count_n"] = pd.array(ns, dtype="Int64")
    return out, problems


def check_decisions(
    decisions: pd.DataFrame, records: pd.DataFrame
) -> tuple[pd.DataFrame, list[Problem]]:
    """Normalise analysts' decisions; E501 for a bad decision, E502 for an unknown claim or record.

    `decisions` has DECISION_COLUMNS plus file, row; `records` has claim, record_id.
    """
    out = decisions.copy()
    problems: list[Problem] = []
    claims = records["claim"].astype(str)
    ids: dict[str, list[str]] = {
        c: records["record_id"][(claims == c).to_numpy()].astype(str).tolist()
        for c in dict.fromkeys(claims.tolist())
    }
    known = {c: set(v) for c, v in ids.items()}
    hints = _record_hints(out, ids, known)
    values: list[str] = []
    for rec in out.to_dict("records"):
        file, row = str(rec["file"]), int(rec["row"])
        for side in ("a", "b"):
            claim, rid = str(rec[f"claim_{side}"]), str(rec[f"record_{side}"])
            if claim not in known:
                what = f"unknown claim '{claim}'" if claim else "no claim"
                hint = did_you_mean(claim, list(known)) if claim else ""
                problems.append(Problem("E502", file, f"{what}{hint}", row, f"claim_{side}"))
            elif rid not in known[claim]:
                what = f"claim '{claim}' has no record '{rid}'" if rid else "no record id"
                hint = hints[claim, rid] if rid else ""
                problems.append(Problem("E502", file, f"{what}{hint}", row, f"record_{side}"))
        d = str(rec["decision"]).strip().lower()
        if d not in DECISION_VALUES:
            hint = did_you_mean(d, DECISION_VALUES) if d else ""
            shown = f"'{rec['decision']}' is not a decision" if d else "no decision"
            msg = f"{shown}{hint or '; write same or different'}"
            problems.append(Problem("E501", file, msg, row, "decision"))
        values.append(d)
    out["decision"] = pd.Series(values, index=out.index, dtype="str")
    return out, problems


def _record_hints(
    decisions: pd.DataFrame, ids: dict[str, list[str]], known: dict[str, set[str]]
) -> dict[tuple[str, str], str]:
    """The did-you-mean hint of each unknown record id of a known claim, per claim at once."""
    unknown: dict[str, list[str]] = {}
    for rec in decisions.to_dict("records"):
        for side in ("a", "b"):
            claim, rid = str(rec[f"claim_{side}"]), str(rec[f"record_{side}"])
            if claim in known and rid and rid not in known[claim]:
                unknown.setdefault(claim, []).append(rid)
    hints: dict[tuple[str, str], str] = {}
    for claim, rids in unknown.items():
        rids = list(dict.fromkeys(rids))
        for rid, hint in zip(rids, did_you_mean_each(rids, ids[claim]), strict=True):
            hints[claim, rid] = hint
    return hints
