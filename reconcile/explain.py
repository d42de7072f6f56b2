"""Explaining one pair: each field's level and its contribution to the match weight, as text."""

from __future__ import annotations

import pandas as pd

from reconcile.match import FIELDS_COMPARED

_SHOWN = {
    "name": ("name", "name_alt", "alias"),
    "sex": ("sex", "sex_n"),
    "age": ("age", "age_group", "age_n", "age_group_n"),
    "dob": ("dob",),
    "national_id": ("national_id",),
    "relation": ("relation", "relation_term", "relation_to"),
    "status": ("status",),
    "location": ("location",),
    "nationality": ("nationality",),
}


def _value(rec: pd.Series, cols: tuple[str, ...]) -> str:
    parts = []
    for c in cols:
        v = rec.get(c, "")
        if isinstance(v, str) and v and v not in parts:
            parts.append(v)
    return " / ".join(parts) if parts else "-"


def explain_text(probe: pd.Series | None, rec_a: pd.Series, rec_b: pd.Series) -> str:
    """The explanation of the pair (rec_a, rec_b): a waterfall of weights, field by field.

    probe: the pair's row from MatchResult.probes (None when the pair could not be compared,
    e.g. two records of one claim with duplicate detection off)."""
    a = f"{rec_a['claim']}:{rec_a['record_id']}"
    b = f"{rec_b['claim']}:{rec_b['record_id']}"
    lines = [
        f"{a}  ({rec_a.get('file', '')}, row {rec_a.get('row', '')})",
        f"{b}  ({rec_b.get('file', '')}, row {rec_b.get('row', '')})",
        "",
    ]
    if probe is None:
        lines.append("never compared: these records cannot be compared")
        return "\n".join(lines) + "\n"
    if not bool(probe["candidate"]):
        lines.append(
            "never compared: blocking did not propose this pair (no shared name key), "
            "so matching never saw it; shown below as if it had been"
        )
        lines.append("")
    width_f = 12
    width_v = 34
    lines.append(
        f"{'field':<{width_f}} {a[:width_v]:<{width_v}} {b[:width_v]:<{width_v}} "
        f"{'level':<10} {'weight':>7}"
    )
    lines.append(
        f"{'prior':<{width_f}} {'':<{width_v}} {'':<{width_v}} {'':<10} {probe['w_prior']:>+7.2f}"
    )
    for fld in ("name", *FIELDS_COMPARED):
        cols = _SHOWN.get(fld, (fld,))
        va, vb = _value(rec_a, cols), _value(rec_b, cols)
        lines.append(
            f"{fld:<{width_f}} {va[:width_v]:<{width_v}} {vb[:width_v]:<{width_v}} "
            f"{probe['lvl_' + fld]:<10} {probe['w_' + fld]:>+7.2f}"
        )
    lines.append(
        f"{'context':<{width_f}} {'(group members matching each other)':<{2 * width_v + 1}} "
        f"{'':<10} {probe['w_context']:>+7.2f}"
    )
    lines.append("")
    lines.append(
        f"match weight {probe['weight']:+.2f} bits, probability {probe['probability']:.4f}, "
        f"status: {probe['status']}"
    )
    return "\n".join(lines) + "\n"
