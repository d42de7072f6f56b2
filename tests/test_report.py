"""Tests for reconcile.report: the model's sections, their order and caps, Markdown, text, JSON."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import pandas as pd
import pytest
from report_sample import ARABIC_NAME, FORMULA_NAME, SCRIPT_NAME, build_kwargs

from reconcile import __version__
from reconcile.case import DECISION_COLUMNS, Case
from reconcile.report import build_report, render_json, render_md, render_text
from reconcile.report.model import decision_line, people_bounds
from reconcile.report.render_md import md
from reconcile.report.render_text import _width


@pytest.fixture
def report():
    return build_report(**build_kwargs())


def test_count_conflict_cites_each_claims_statement(report):
    assert report.count_conflicts.total == 1
    k = report.count_conflicts.items[0]
    assert (k.category, k.range_min, k.range_max) == ("killed", 12, 15)
    got = [(s.claim, s.stated, s.listed, s.file, s.row) for s in k.statements]
    assert got == [
        ("alpha", "12", 3, "counts.csv", 2),
        ("beta", "at least 15", 3, "counts.csv", 3),
        ("gamma", "", 2, "", None),
    ]
    assert k.statements[1].quote == "-15 or more, =SUM(A1)"
    assert [s.note for s in k.statements] == ["alpha states 12 but lists 3", "", ""]
    assert k.why == "alpha states 12, beta states at least 15"


def test_claims_silent_on_a_count_are_left_out_of_it(report):
    # beta neither states nor lists any child: no bar, no statement
    assert [(b.category, b.claim) for b in report.chart] == [
        ("killed", "alpha"),
        ("killed", "beta"),
        ("killed", "gamma"),
        ("children", "alpha"),
    ]
    assert report.headline.ranges[1].by_claim == {"alpha": "1", "beta": ""}


def test_field_conflicts_most_consequential_first_with_values_quotes_and_rows(report):
    fc = report.field_conflicts
    assert fc.total == 2
    # sex changes the counts of women and men, so it comes before age
    assert [(f.person_id, f.field) for f in fc.items] == [("P1", "sex"), ("P3", "age")]
    sex = fc.items[0]
    assert sex.name == ARABIC_NAME
    assert [(v.cite.claim, v.value, v.cite.file, v.cite.row) for v in sex.values] == [
        ("alpha", "ذكر", "claims/alpha.csv", 2),
        ("beta", "female", "claims/beta.csv", 2),
        ("gamma", "m", "claims/gamma.csv", 2),
    ]
    assert sex.values[0].quote == "قتل سمير في الطابق الثاني"


def test_denials_single_source_unidentified_and_ambiguous(report):
    assert [d.person_id for d in report.denials.items] == ["P4", "P5", "P6"]
    assert report.denials.items[2].name == "wife of Samir, female"  # no name: described
    d = report.denials.items[0]
    assert d.denied_by == ["alpha"] and d.denied_files == ["claims/alpha.csv"]
    assert [(x.claim, x.record_id, x.row) for x in d.reported_by] == [("beta", "b2", 3)]

    assert [s.person_id for s in report.single_source.items] == ["P2", "P4", "P5", "P6"]
    assert report.single_source.items[0].cite.where() == "alpha:a2 (claims/alpha.csv, row 3)"

    (u,) = report.unidentified.items
    assert (u.cite.claim, u.cite.record_id, u.person_id) == ("beta", "b3", "P5")
    # possible candidates, most probable first, one line per candidate person (P1 at its best
    # record); rejected and linked pairs are not candidates
    assert [(c.person_id, c.cite.record_id, c.probability) for c in u.candidates] == [
        ("P3", "g2", 0.55),
        ("P2", "a2", 0.41),
        ("P1", "a1", 0.33),
    ]

    (a,) = report.ambiguous.items
    assert (a.a.record_id, a.b.record_id, a.probability) == ("a3", "g2", 0.7)
    assert a.decision_line == "alpha,a3,gamma,g2,same,,,"


def test_decision_line_is_one_valid_decisions_csv_row():
    line = decision_line("al pha", 'x,"1"', "beta", "b2")
    (row,) = list(csv.reader(io.StringIO(line)))
    assert len(row) == len(DECISION_COLUMNS)
    assert row == ["al pha", 'x,"1"', "beta", "b2", "same", "", "", ""]


def test_headline_problems_and_provenance(report):
    h = report.headline
    assert (h.claims, h.records, h.persons, h.people_min, h.people_max) == (3, 9, 6, 4, 6)
    assert [(r.category, r.min, r.max, r.conflict) for r in h.ranges] == [
        ("killed", 12, 15, True),
        ("children", 1, 1, False),
    ]
    assert h.ranges[0].by_claim == {"alpha": "12", "beta": "at least 15", "gamma": "lists 2"}
    assert (h.denials, h.single_source, h.unidentified, h.ambiguous) == (3, 4, 1, 1)
    assert (h.errors, h.warnings) == (1, 1)
    assert [p.code for p in report.problems.items] == ["E202", "W301"]  # errors first
    assert report.version == __version__
    assert [(i.file, i.sha256[:3]) for i in report.inputs] == [
        ("claims/alpha.csv", "aaa"),
        ("claims/beta.csv", "bbb"),
        ("claims/gamma.csv", "ccc"),
    ]
    assert report.settings == {"link_threshold": 0.9, "possible_threshold": 0.3}
    assert report.has_contradictions


def test_limit_caps_every_list_and_keeps_the_totals():
    r = build_report(**build_kwargs(), limit=1)
    assert (len(r.single_source.items), r.single_source.total) == (1, 4)
    assert (len(r.field_conflicts.items), r.field_conflicts.total) == (1, 2)
    assert r.field_conflicts.items[0].field == "sex"
    text = render_md(r)
    assert "*3 more in persons.csv.*" in text
    assert "*1 more in person\\_fields.csv.*" in text


@pytest.mark.parametrize(
    "value, expected",
    [((3, 9), (3, 9)), ({"min": 2, "max": 5}, (2, 5)), (None, (None, None)), ([1.0, 4.0], (1, 4))],
)
def test_people_bounds_accepts_pairs_and_mappings(value, expected):
    assert people_bounds(value) == expected


def test_empty_case_renders_every_section_as_none():
    r = build_report(Case(root=""))
    assert not r.has_contradictions
    text = render_md(r)
    assert text.count("None.") >= 7
    assert json.loads(render_json(r))["headline"]["persons"] == 0
    assert "HEADLINE RANGES" in render_text(r)


# ---------------------------------------------------------------- Markdown


def test_md_sections_in_order(report):
    text = render_md(report)
    heads = re.findall(r"^#{1,3} (.+)$", text, flags=re.M)
    assert heads == [
        "Invented strike on \\<Example\\> town",
        "Event and claims",
        "Headline ranges",
        "Contradictions",
        "Count conflicts",
        "Field conflicts",
        "Denials",
        "Persons only one claim reports",
        "Unidentified remains",
        "Ambiguous matches awaiting a decision",
        "Input problems",
        "Run",
    ]
    assert f"reconcile {__version__}" in text
    assert "a" * 64 in text and "link\\_threshold" not in text  # settings kept verbatim in code
    assert '`{"link_threshold": 0.9, "possible_threshold": 0.3}`' in text


def test_md_escapes_markup_and_pipes(report):
    text = render_md(report)
    assert "<script>" not in text and "<b>" not in text
    assert "\\<script\\>window.\\_\\_pwned=1\\</script\\>Zed \\& \\<b\\>Co\\</b\\>" in text
    assert "Lina \\| Haddad" in text and "Gamma \\| News" in text
    # every table row has as many unescaped pipes as its header
    for block in re.findall(r"((?:^\|.*\n)+)", text, flags=re.M):
        rows = block.splitlines()
        widths = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
        assert len(widths) == 1, rows


def test_md_ambiguous_lines_ready_to_paste(report):
    text = render_md(report)
    assert "| `alpha,a3,gamma,g2,same,,,` |" in text
    assert "```csv\nalpha,a3,gamma,g2,same,,,\n```" in text


def test_md_escape_is_one_line_and_inert():
    assert md("a\nb|c") == "a b\\|c"
    assert md("**bold** [x](y) `c` &amp;") == "\\*\\*bold\\*\\* \\[x\\](y) \\`c\\` \\&amp;"


def test_md_is_deterministic(report):
    assert render_md(report) == render_md(build_report(**build_kwargs()))


# ---------------------------------------------------------------- terminal


@pytest.mark.parametrize("width", [100, 60])
def test_text_fits_the_width(report, width):
    text = render_text(report, width=width)
    assert all(_width(line) <= width for line in text.splitlines())
    assert (
        ARABIC_NAME in text
        and "12-15" in text
        and "decisions.csv: alpha,a3,gamma,g2,same,,," in text
    )


def test_text_caps_lists():
    text = render_text(build_report(**build_kwargs()), limit=1)
    assert "3 more in persons.csv." in text


# ---------------------------------------------------------------- JSON


def test_json_sorted_utf8_and_complete(report):
    text = render_json(report)
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert ARABIC_NAME in text and SCRIPT_NAME.replace('"', '\\"') in text
    assert data["schema"] == "reconcile-report/1" and data["version"] == __version__
    assert data["has_contradictions"] is True
    assert data["single_source"]["total"] == 4 and data["single_source"]["more"] == 0
    assert data["denials"]["items"][0]["name"] == FORMULA_NAME
    assert "NaN" not in text
    assert set(data) >= {
        "event",
        "claims",
        "inputs",
        "settings",
        "headline",
        "count_conflicts",
        "field_conflicts",
        "denials",
        "single_source",
        "unidentified",
        "ambiguous",
        "problems",
    }


def test_json_has_no_nan_for_missing_numbers():
    kw = build_kwargs()
    kw["pairs"] = kw["pairs"].assign(probability=math.nan, weight=math.nan)
    data = json.loads(render_json(build_report(**kw)))
    assert data["ambiguous"]["items"][0]["probability"] is None


def test_large_case_is_summarised():
    n = 20_000
    kw = build_kwargs()
    persons = pd.DataFrame(
        {
            "person_id": [f"P{i:05d}" for i in range(n)],
            "claims": "beta",
            "n_claims": 1,
            "silent": "alpha;gamma",
            "denied_by": "",
            "ambiguous": False,
            "name": "x",
            "name_status": "single",
            "sex_status": ["conflict" if i % 2 else "unknown" for i in range(n)],
        }
    )
    links = pd.DataFrame(
        {
            "claim": "beta",
            "record_id": [f"r{i}" for i in range(n)],
            "person_id": persons["person_id"],
            "score": "",
            "ambiguous": False,
            "alternatives": "",
            "file": "claims/beta.csv",
            "row": range(2, n + 2),
        }
    )
    kw.update(persons=persons, links=links, person_fields=None)
    r = build_report(**kw)
    assert (r.single_source.total, len(r.single_source.items)) == (n, 50)
    assert r.single_source.items[0].cite.row == 2
    assert r.field_conflicts.total == n // 2
    assert len(render_md(r)) < 60_000
    assert f"{n - 50} more in persons.csv" in render_md(r)


def test_stated_unknown_is_not_a_side_of_a_conflict():
    kw = build_kwargs()
    extra = pd.DataFrame(
        [("P3", "age", "beta", "bx", "?", "unknown", "claims/beta.csv", 9)],
        columns=kw["person_fields"].columns,
    )
    kw["person_fields"] = pd.concat([kw["person_fields"], extra], ignore_index=True)
    r = build_report(**kw)
    age = r.field_conflicts.items[1]
    assert [v.value for v in age.values] == ["9", "8"]


def test_unidentified_description_leaves_out_placeholders():
    kw = build_kwargs()
    recs = kw["records"]
    recs.loc[recs["record_id"] == "b3", ["sex", "age", "notes"]] = ["?", "unknown", "burned"]
    (u,) = build_report(**kw).unidentified.items
    assert u.description == "unidentified remains; notes: burned"


def test_text_shows_three_candidates_and_counts_the_rest():
    text = render_text(build_report(**build_kwargs()))
    block = text.split("UNIDENTIFIED REMAINS")[1].split("AMBIGUOUS")[0]
    assert block.count("could be") == 3
    kw = build_kwargs()
    kw["pairs"] = pd.concat(
        [
            kw["pairs"],
            pd.DataFrame(
                [("beta", "b3", "gamma", "g3", 0.1, 0.3, "possible")], columns=kw["pairs"].columns
            ),
        ],
        ignore_index=True,
    )
    block = render_text(build_report(**kw)).split("UNIDENTIFIED REMAINS")[1]
    assert block.count("could be") == 3 and "1 more candidate in pairs.csv" in block


def test_text_cannot_drive_the_terminal():
    kw = build_kwargs()
    p = kw["persons"]
    p.loc[p["person_id"] == "P2", "name"] = "\x1b[2J\x1b[31mRed\x9b0m \u202eevil\u202c Ali\u200f"
    text = render_text(build_report(**kw))
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
    assert "?[2J?[31mRed?0m evil Ali\u200f" in text


def _keys(obj, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.add(k)
            _keys(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _keys(v, out)
    return out


def test_every_report_json_key_is_documented(report):
    from pathlib import Path

    docs = (Path(__file__).parent.parent / "docs" / "reports.md").read_text(encoding="utf-8")
    section = docs.split("## report.json", 1)[1].split("\n## ", 1)[0]
    data = json.loads(render_json(report))
    keys = _keys({k: v for k, v in data.items() if k not in ("settings", "event")}, set())
    for cl in ("alpha", "beta", "gamma"):  # by_claim is keyed by claim
        keys.discard(cl)
    missing = sorted(k for k in keys if not re.search(rf"\b{re.escape(k)}\b", section))
    assert missing == []
