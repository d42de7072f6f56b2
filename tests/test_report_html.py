"""Tests for report.html: escaping, self-containment, right-to-left text, sections, the chart."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from report_sample import ARABIC_NAME, build_kwargs

from reconcile.report import build_report, render_html
from reconcile.report.model import ChartBar
from reconcile.report.render_html import chart_svg

SECTION_IDS = [
    "event",
    "headline",
    "contradictions",
    "single-source",
    "unidentified",
    "ambiguous",
    "problems",
    "run",
]
VOID = {"meta", "br", "line", "rect", "link", "img", "input", "hr"}


@pytest.fixture
def page() -> str:
    return render_html(build_report(**build_kwargs()))


class _Tags(HTMLParser):
    """Collects tags, attributes and text; checks that non-void tags are balanced."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]} ")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    p.close()
    return p


def test_well_formed_with_every_section(page: str):
    p = _parse(page)
    assert p.errors == [] and p.stack == []
    ids = [a["id"] for t, a in p.tags if t == "section"]
    assert ids == SECTION_IDS
    assert page.startswith('<!DOCTYPE html>\n<html lang="en" dir="ltr">')


def test_claim_text_is_escaped_never_markup(page: str):
    p = _parse(page)
    tags = {t for t, _ in p.tags}
    assert "script" not in tags and "b" not in tags
    assert "<script" not in page.lower()
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;Zed &amp; &lt;b&gt;Co&lt;/b&gt;" in page
    assert "<script>window.__pwned=1</script>Zed & <b>Co</b>" in "".join(p.text)
    assert "Invented strike on &lt;Example&gt; town" in page


def test_self_contained_and_script_free(page: str):
    # nothing to fetch: no src, no stylesheet link, no url() or @import, no http(s) in attributes
    assert not re.search(r"\b(src|srcset|poster|data)=", page)
    assert "<link" not in page and "url(" not in page and "@import" not in page
    p = _parse(page)
    for tag, attrs in p.tags:
        for k, v in attrs.items():
            if k == "xmlns":
                continue  # a namespace name, never fetched
            assert not (v or "").startswith(("http:", "https:", "//")), (tag, k, v)
            assert not k.startswith("on"), (tag, k)
    csp = [a for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


def test_arabic_cells_are_marked_for_right_to_left(page: str):
    p = _parse(page)
    arabic = [a for t, a in p.tags if t in ("td", "bdi") and a.get("lang") == "ar"]
    assert arabic and all(a.get("dir") == "auto" for a in arabic)
    assert '<td dir="auto" lang="ar">ذكر</td>' in page
    assert f'<td rowspan="3" dir="auto" lang="ar">{ARABIC_NAME}</td>' in page
    assert '<td dir="auto">female</td>' in page  # Latin text gets no Arabic lang


def test_ambiguous_lines_and_provenance(page: str):
    assert "<code>alpha,a3,gamma,g2,same,,,</code>" in page
    assert "<pre>alpha,a3,gamma,g2,same,,,</pre>" in page
    assert "a" * 64 in page and "reconcile 0.1.0" in page
    assert "claims/beta.csv:4:age: E202: &#x27;thirty|five&#x27; is not an age" in page


def test_chart_bars_per_claim_and_category():
    bars = [
        ChartBar("killed", "alpha", 12, 12, 3),
        ChartBar("killed", "b<x>", 15, None, 3),
        ChartBar("killed", "gamma", None, None, 2),
        ChartBar("children", "alpha", 1, 4, 1),
        ChartBar("children", "gamma", None, None, None),  # says nothing: no bar
    ]
    svg = chart_svg(bars, ["alpha", "b<x>", "gamma"])
    p = _parse(svg)
    assert p.errors == []
    rects = [a for t, a in p.tags if t == "rect"]
    assert len(rects) == 4
    assert [r["fill"] for r in rects] == ["#0072B2", "#E69F00", "none", "#0072B2"]  # gamma lists
    assert "b&lt;x&gt;" in svg and "<x>" not in svg
    text = "".join(p.text)
    assert "alpha: children states 1-4, lists 1" in text
    assert "b<x>: killed states at least 15, lists 3" in text
    assert "15+" in text and "lists 2" in text and "1-4" in text
    widths = [float(r["width"]) for r in rects]
    assert widths[1] > widths[0] > widths[2] > 0  # 15 drawn longer than 12, longer than 2
    assert widths[1] == pytest.approx(widths[0] * 15 / 12)
    assert chart_svg([], ["alpha"]) == ""


def test_chart_grows_down_not_across():
    claims = [f"claim_{i}" for i in range(12)]
    bars = [
        ChartBar(cat, cl, 5, 5, None) for cat in ("killed", "children", "women") for cl in claims
    ]
    p = _parse(chart_svg(bars, claims))
    svg = next(a for t, a in p.tags if t == "svg")
    assert int(svg["width"]) < 800 and int(svg["height"]) > 36 * 18


def test_html_is_deterministic(page: str):
    assert page == render_html(build_report(**build_kwargs()))
