"""The discrepancy report: one model (build_report), rendered as text, Markdown, HTML and JSON."""

from __future__ import annotations

from reconcile.report.model import Report, build_report
from reconcile.report.render_html import render_html
from reconcile.report.render_json import render_json, report_dict
from reconcile.report.render_md import render_md
from reconcile.report.render_text import render_text

__all__ = [
    "Report",
    "build_report",
    "render_html",
    "render_json",
    "render_md",
    "render_text",
    "report_dict",
]
