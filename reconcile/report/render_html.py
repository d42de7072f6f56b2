"""Render the report model as report.html: one self-contained offline file, claim text escaped."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from reconcile import changes as ch
from reconcile.report import common as c
from reconcile.report.model import ChartBar, Cite, Report, Section, category_label

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
# Okabe-Ito first, then Paul Tol's muted colours for cases with many claims.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
)
# No script, no external fetch: styles inline only, images only as data: URIs.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root { color-scheme: light; --muted: #555; --line: #ccc; --bad: #b00020; }
body { font-family: system-ui, "Segoe UI", "Noto Sans", "Noto Naskh Arabic", Tahoma, sans-serif;
  margin: 0 auto; max-width: 75rem; padding: 1rem 1.5rem 3rem; line-height: 1.45; color: #111; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { border-bottom: 2px solid #222; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { margin-top: 1.4rem; }
nav a { margin-right: .9rem; white-space: nowrap; }
.intro, .meta, .more { color: var(--muted); }
.more { font-style: italic; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; vertical-align: top;
  text-align: start; }
th { background: #f2f2f2; }
td.num { text-align: end; font-variant-numeric: tabular-nums; }
tr.first td { border-top: 2px solid #888; }
.conflict { color: var(--bad); font-weight: 600; }
.cite { color: var(--muted); font-size: .85rem; white-space: nowrap; }
blockquote { margin: .2rem 0; color: #333; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; }
ul.findings li { margin-bottom: .5rem; }
svg text { font-family: inherit; font-size: 12px; }
@media print { nav { display: none; } h2 { break-after: avoid; } }
"""


def _lang(text: str) -> str:
    return ' lang="ar"' if _ARABIC.search(text) else ""


def t(text: object) -> str:
    """Claim text, escaped and isolated so Arabic and Latin runs keep their own direction."""
    s = str(text)
    return f'<bdi dir="auto"{_lang(s)}>{escape(s)}</bdi>' if s else ""


def td(text: object, cls: str = "") -> str:
    s = str(text)
    klass = f' class="{cls}"' if cls else ""
    return f'<td dir="auto"{_lang(s)}{klass}>{escape(s)}</td>'


def num(v: object) -> str:
    return f'<td class="num">{escape("" if v is None else str(v))}</td>'


def _cite(x: Cite) -> str:
    return f'<span class="cite">{t(c.record(x))}, {t(c.where(x))}</span>'


def _table(head: list[str], rows: list[str]) -> str:
    ths = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _more(section: Section[Any]) -> str:
    line = c.more_line(section)
    return f'<p class="more">{escape(line)}</p>' if line else ""


def _none(section: Section[Any]) -> str:
    return "<p>None.</p>" if not section.total else ""


def _ticks(html: str) -> str:
    """`code` in our own (already escaped) wording as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html)


def _open(sid: str) -> str:
    return (
        f'<section id="{sid}"><h2>{escape(c.TITLES[sid])}</h2>'
        f'<p class="intro">{_ticks(escape(c.INTROS[sid]))}</p>'
    )


def _nice_step(top: int) -> int:
    """A step of 1, 2 or 5 times a power of ten giving at most five grid lines up to `top`."""
    mag = 1
    while True:
        for m in (1, 2, 5):
            if top / (m * mag) <= 5:
                return m * mag
        mag *= 10


def chart_svg(bars: list[ChartBar], claims: list[str]) -> str:
    """Counts by claim as horizontal bars, a block per category: filled where the claim states
    the count (`n+` for at least n, a whisker over a stated range), outlined where it only lists
    people in its rows. Grows downwards, so any number of claims and categories stays legible."""
    cats: list[str] = []
    for b in bars:
        if b.category not in cats:
            cats.append(b.category)
    if not cats or not claims:
        return ""
    colour = {cl: PALETTE[i % len(PALETTE)] for i, cl in enumerate(claims)}
    order = {cl: i for i, cl in enumerate(claims)}
    vals = [v for b in bars for v in (b.stated_max, b.stated_min, b.listed) if v is not None]
    step = _nice_step(max([*vals, 1]))
    top = step * -(-max([*vals, 1]) // step)  # the axis ends on a whole step
    left = 7 * max(len(cl) for cl in claims) + 16
    plot, bh, gap = 520, 14, 4
    width = left + plot + 60
    y = 22
    body: list[str] = []
    for cat in cats:
        rows = sorted((b for b in bars if b.category == cat), key=lambda b: order.get(b.claim, 0))
        rows = [b for b in rows if _bar_value(b) is not None]
        if not rows:
            continue
        body.append(
            f'<text x="4" y="{y + 11}" font-weight="bold">{escape(category_label(cat))}</text>'
        )
        y += bh + gap + 2
        for b in rows:
            body.append(_bar(b, left, y, bh, plot / top, colour.get(b.claim, PALETTE[0])))
            y += bh + gap
        y += 8
    height = y + 4
    grid = []
    for v in range(0, top + 1, step):
        x = left + plot * v / top
        grid.append(
            f'<line x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{height - 4}" stroke="#e4e4e4"/>'
            f'<text x="{x:.1f}" y="12" text-anchor="middle">{v}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="Counts stated by each claim">'
        + "".join(grid)
        + "".join(body)
        + "</svg>"
    )


def _bar_value(b: ChartBar) -> int | None:
    stated = b.stated_max if b.stated_max is not None else b.stated_min
    return stated if stated is not None else b.listed


def _bar(b: ChartBar, left: int, y: float, bh: int, scale: float, colour: str) -> str:
    """One claim's bar in a category block, labelled with the claim and what it says."""
    stated = b.stated_max if b.stated_max is not None else b.stated_min
    value = _bar_value(b) or 0
    if stated is None:
        label = f"lists {b.listed}"
        what = f"{b.claim}: {b.category} lists {b.listed} (states none)"
    else:
        label = f"{value}+" if b.stated_max is None else c.rng(b.stated_min, b.stated_max)
        if b.stated_min == 0 and (b.stated_max or 0) > 0:
            label = f"≤{b.stated_max}"  # at most
        what = f"{b.claim}: {b.category} states {c.rng(b.stated_min, b.stated_max)}"
        if b.stated_max is None:
            what = f"{b.claim}: {b.category} states at least {b.stated_min}"
        if b.listed is not None:
            what += f", lists {b.listed}"
    w = value * scale
    fill = colour if stated is not None else "none"
    out = (
        f'<text x="{left - 6}" y="{y + bh - 3}" text-anchor="end">{escape(b.claim)}</text>'
        f'<rect x="{left}" y="{y:.1f}" width="{w:.1f}" height="{bh}" fill="{fill}" '
        f'stroke="{colour}" stroke-width="1.5"><title>{escape(what)}</title></rect>'
        f'<text x="{left + w + 4:.1f}" y="{y + bh - 3}">{escape(label)}</text>'
    )
    if b.stated_min is not None and b.stated_max is not None and b.stated_min < b.stated_max:
        x1 = left + b.stated_min * scale
        ym = y + bh / 2
        out += (
            f'<line x1="{x1:.1f}" y1="{ym:.1f}" x2="{left + w:.1f}" y2="{ym:.1f}" '
            'stroke="#111" stroke-width="2"/>'
            f'<line x1="{x1:.1f}" y1="{y + 2:.1f}" x2="{x1:.1f}" y2="{y + bh - 2:.1f}" '
            'stroke="#111" stroke-width="2"/>'
        )
    return out


def _event(r: Report) -> str:
    rows = [
        "<tr>"
        + td(cl.id)
        + td(cl.source)
        + td(cl.published)
        + (f'<td dir="auto">{t(cl.url)}</td>')
        + num(cl.records)
        + td("yes" if cl.complete else "no")
        + td(cl.file)
        + f'<td><code title="{escape(cl.sha256)}">{escape(cl.sha256[:12])}</code></td></tr>'
        for cl in r.claims
    ]
    head = ["claim", "source", "published", "url", "records", "complete list", "file", "sha256"]
    return _open("event") + _table(head, rows) + "</section>"


def _headline(r: Report) -> str:
    out = [_open("headline"), "<ul>"]
    out += [f"<li>{escape(line)}</li>" for line in c.summary_lines(r)]
    out.append("</ul>")
    claims = [cl.id for cl in r.claims]
    svg = chart_svg(r.chart, claims)
    if svg:
        out.append(
            "<figure>" + svg + '<figcaption class="meta">Counts stated by each claim (filled; '
            "n+ is at least n, ≤n at most n; a whisker marks a stated range), or only listed in "
            "its rows "
            "(outlined).</figcaption>"
            "</figure>"
        )
    if r.headline.ranges:
        rows = [
            "<tr>"
            + td(h.label)
            + num(c.rng(h.min, h.max))
            + (td("yes", "conflict") if h.conflict else td("no"))
            + "".join(td(h.by_claim.get(cid, "")) for cid in claims)
            + "</tr>"
            for h in r.headline.ranges
        ]
        out.append(_table(["count", "range", "conflict", *claims], rows))
    if r.field_summary:
        rows = [
            "<tr>"
            + td(f.field)
            + num(f.agree)
            + num(f.conflict)
            + num(f.single)
            + num(f.unknown)
            + "</tr>"
            for f in r.field_summary
        ]
        out.append(_table(["field", "agree", "conflict", "single source", "unknown"], rows))
    out.append("</section>")
    return "".join(out)


def _contradictions(r: Report) -> str:
    out = [_open("contradictions"), "<h3>Count conflicts</h3>", _none(r.count_conflicts)]
    for k in r.count_conflicts.items:
        out.append(
            f"<p><strong>{escape(k.label)}</strong>: {escape(c.rng(k.range_min, k.range_max))}</p>"
        )
        rows = [
            "<tr>"
            + td(s.claim)
            + td(s.stated or "(none)")
            + num(s.listed)
            + td(", ".join(s.conflict_with))
            + td(s.note, "conflict" if s.note else "")
            + td(s.quote)
            + td(f"{s.file}, row {s.row}" if s.row is not None else s.file, "cite")
            + "</tr>"
            for s in k.statements
        ]
        head = ["claim", "states", "lists", "conflicts with", "against itself", "quote", "cited"]
        out.append(_table(head, rows))
    out.append(_more(r.count_conflicts))
    out += ["<h3>Field conflicts</h3>", _none(r.field_conflicts)]
    if r.field_conflicts.items:
        rows = []
        for f in r.field_conflicts.items:
            n = max(1, len(f.values))
            lead = (
                f'<td rowspan="{n}">{escape(f.person_id)}</td>'
                f'<td rowspan="{n}" dir="auto"{_lang(f.name)}>{escape(f.name)}</td>'
                f'<td rowspan="{n}">{escape(f.field)}</td>'
            )
            if not f.values:
                rows.append('<tr class="first">' + lead + "<td></td>" * 4 + "</tr>")
            for i, v in enumerate(f.values):
                rows.append(
                    ('<tr class="first">' + lead if i == 0 else "<tr>")
                    + td(c.record(v.cite))
                    + td(v.value)
                    + td(v.quote)
                    + td(c.where(v.cite), "cite")
                    + "</tr>"
                )
        out.append(_table(["person", "name", "field", "record", "value", "quote", "cited"], rows))
    out.append(_more(r.field_conflicts))
    out += ["<h3>Denials</h3>", _none(r.denials)]
    if r.denials.items:
        rows = [
            "<tr>"
            + td(d.person_id)
            + td(d.name)
            + "<td>"
            + "<br>".join(_cite(x) for x in d.reported_by)
            + "</td>"
            + td(
                "; ".join(f"{cl} ({f})" for cl, f in zip(d.denied_by, d.denied_files, strict=False))
            )
            + "</tr>"
            for d in r.denials.items
        ]
        out.append(_table(["person", "name", "reported by", "omitted by complete list"], rows))
    out += [_more(r.denials), "</section>"]
    return "".join(out)


def _single(r: Report) -> str:
    rows = [
        "<tr>"
        + td(s.person_id)
        + td(s.name)
        + td(c.record(s.cite))
        + td(c.where(s.cite), "cite")
        + "</tr>"
        for s in r.single_source.items
    ]
    table = _table(["person", "name", "record", "cited"], rows) if rows else ""
    return (
        _open("single-source")
        + _none(r.single_source)
        + table
        + _more(r.single_source)
        + "</section>"
    )


def _unidentified(r: Report) -> str:
    out = [_open("unidentified"), _none(r.unidentified)]
    if r.unidentified.items:
        out.append('<ul class="findings">')
        for u in r.unidentified.items:
            out.append(f"<li>{_cite(u.cite)}: {t(u.description)}<ul>")
            if not u.candidates:
                out.append("<li>no candidate person</li>")
            for cand in u.candidates:
                out.append(
                    f"<li>could be {escape(cand.person_id or '?')} {t(cand.name)} "
                    f"{_cite(cand.cite)}, {escape(cand.status)}, probability "
                    f"{escape(c.prob(cand.probability))}</li>"
                )
            if u.more_candidates:
                out.append(f"<li>{escape(c.more_candidates(u.more_candidates))}</li>")
            out.append("</ul></li>")
        out.append("</ul>")
    out += [_more(r.unidentified), "</section>"]
    return "".join(out)


def _ambiguous(r: Report) -> str:
    out = [_open("ambiguous"), _none(r.ambiguous)]
    if r.ambiguous.items:
        rows = [
            "<tr>"
            + f"<td>{t(a.name_a)}<br>{_cite(a.a)}</td><td>{t(a.name_b)}<br>{_cite(a.b)}</td>"
            + num(c.prob(a.probability))
            + f"<td><code>{escape(a.decision_line)}</code></td></tr>"
            for a in r.ambiguous.items
        ]
        out.append(_table(["record A", "record B", "probability", "line for decisions.csv"], rows))
        lines = "\n".join(a.decision_line for a in r.ambiguous.items)
        out.append(f"<p>All of them, to paste into decisions.csv:</p><pre>{escape(lines)}</pre>")
    out += [_more(r.ambiguous), "</section>"]
    return "".join(out)


def _problems(r: Report) -> str:
    items = "".join(
        f'<li><span class="{"conflict" if p.severity == "error" else ""}">{escape(p.severity)}'
        f"</span>: {t(p.line)}</li>"
        for p in r.problems.items
    )
    ul = f"<ul>{items}</ul>" if items else ""
    return _open("problems") + _none(r.problems) + ul + _more(r.problems) + "</section>"


def _changes(r: Report) -> str:
    """Changed since the last run (only when the run compared with a previous one)."""
    if r.changes is None:
        return ""
    items = "".join(f"<li>{t(line)}</li>" for line in ch.detail_lines(r.changes))
    return (
        f'<section id="changes"><h2>{escape(ch.TITLE)}</h2>'
        f'<p class="intro">{escape(ch.INTRO)}</p><p>{escape(ch.summary_line(r.changes))}</p>'
        + (f"<ul>{items}</ul>" if items else "")
        + "</section>"
    )


def _run(r: Report) -> str:
    settings = json.dumps(r.settings, sort_keys=True, ensure_ascii=False, indent=2, default=str)
    rows = [
        "<tr>" + td(i.file) + td(i.role) + f"<td><code>{escape(i.sha256)}</code></td></tr>"
        for i in r.inputs
    ]
    return (
        _open("run")
        + f"<p>{escape(r.tool)} {escape(r.version)}, report schema {escape(r.schema)}; at most "
        f"{r.limit} items shown per section.</p>"
        + _table(["input", "role", "sha256"], rows)
        + f"<p>Settings:</p><pre>{escape(settings)}</pre></section>"
    )


def render_html(report: Report) -> str:
    """report.html: self-contained (inline CSS, SVG), offline, no script, Arabic right-to-left."""
    title = c.title(report)
    entries = [(sid, name) for sid, name, _ in c.SECTIONS]
    if report.changes is not None:  # its section follows the headline
        entries.insert([sid for sid, _ in entries].index("headline") + 1, ("changes", ch.TITLE))
    nav = "".join(f'<a href="#{sid}">{escape(name)}</a>' for sid, name in entries)
    ev = c.event_line(report)
    body = "".join(
        part(report)
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
        )
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="reconcile {escape(report.version)}">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header><h1 dir="auto"{_lang(title)}>{escape(title)}</h1>'
        + (f'<p class="meta" dir="auto">{escape(ev)}</p>' if ev else "")
        + f'<p class="meta">Discrepancy report by reconcile {escape(report.version)}.</p>'
        f"<nav>{nav}</nav></header>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
