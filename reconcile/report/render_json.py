"""Render the report model as report.json: keys sorted, UTF-8 text (schema: docs/reports.md)."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from reconcile.report.model import Report, Section


def _plain(obj: Any) -> Any:
    """Dataclasses to dicts (a Section also gets `shown` and `more`), NaN to null."""
    if isinstance(obj, Section):
        return {
            "items": [_plain(i) for i in obj.items],
            "total": obj.total,
            "shown": len(obj.items),
            "more": obj.more,
            "more_in": obj.more_in,
        }
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    return str(obj)


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data (the structure of report.json)."""
    out: dict[str, Any] = _plain(report)
    out["has_contradictions"] = report.has_contradictions
    return out


def render_json(report: Report) -> str:
    """report.json: keys sorted, two-space indent, non-ASCII kept as is, newline at the end."""
    return json.dumps(report_dict(report), sort_keys=True, ensure_ascii=False, indent=2) + "\n"
