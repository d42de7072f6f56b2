"""Changes since the last run: persons added, removed, merged, split, changed; field statuses."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reconcile.changes import (
    CHANGE_COLUMNS,
    FIRST_RUN,
    Changes,
    FieldChange,
    PersonChange,
    capped,
    changes_frame,
    compare_runs,
    detail_lines,
    first_run,
    summary_line,
)
from reconcile.cli import main
from reconcile.cluster import person_id
from reconcile.previous import PreviousRunError, load_previous_outputs

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "atmeh-2022"


def _links(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["claim", "record_id", "person_id"])


def _persons(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["person_id", "sex_status", "age_status"])


OLD_LINKS = _links(
    [
        ("a", "1", "P1"),
        ("b", "1", "P1"),  # kept
        ("a", "2", "P2"),
        ("b", "2", "P3"),  # merged into N1
        ("a", "3", "P4"),
        ("b", "3", "P4"),  # split into N2, N3
        ("a", "4", "P5"),  # gains b:4 -> N4
        ("a", "5", "P6"),  # record deleted: removed
    ]
)
NEW_LINKS = _links(
    [
        ("a", "1", "P1"),
        ("b", "1", "P1"),
        ("a", "2", "N1"),
        ("b", "2", "N1"),
        ("a", "3", "N2"),
        ("b", "3", "N3"),
        ("a", "4", "N4"),
        ("b", "4", "N4"),
        ("c", "1", "N5"),  # new record: added
    ]
)
OLD_PERSONS = _persons(
    [
        ("P1", "agree", "single"),
        ("P2", "single", "unknown"),
        ("P3", "single", "single"),
        ("P4", "agree", "conflict"),
        ("P5", "single", "unknown"),
        ("P6", "single", "single"),
    ]
)
NEW_PERSONS = _persons(
    [
        ("P1", "agree", "conflict"),
        ("N1", "agree", "single"),
        ("N2", "single", "single"),
        ("N3", "single", "single"),
        ("N4", "single", "unknown"),
        ("N5", "single", "unknown"),
    ]
)


def test_compare_runs_names_every_kind_of_change():
    ch = compare_runs(OLD_PERSONS, OLD_LINKS, NEW_PERSONS, NEW_LINKS)
    assert (ch.persons_before, ch.persons_after, ch.kept) == (6, 6, 1)
    assert ch.persons == [
        PersonChange("merged", ("P2", "P3"), ("N1",), ("a:2", "b:2")),
        PersonChange("split", ("P4",), ("N2", "N3"), ("a:3", "b:3")),
        PersonChange("changed", ("P5",), ("N4",), ("a:4", "b:4"), ("b:4",), ()),
        PersonChange("added", (), ("N5",), ("c:1",)),
        PersonChange("removed", ("P6",), (), ("a:5",)),
    ]
    assert ch.fields == [
        FieldChange("N1", "sex", "single", "agree"),
        FieldChange("N1", "age", "single | unknown", "single"),
        FieldChange("N2", "sex", "agree", "single"),
        FieldChange("N2", "age", "conflict", "single"),
        FieldChange("N3", "sex", "agree", "single"),
        FieldChange("N3", "age", "conflict", "single"),
        FieldChange("P1", "age", "single", "conflict"),
    ]
    assert (ch.records_added, ch.records_removed) == (["b:4", "c:1"], ["a:5"])
    assert summary_line(ch) == (
        "6 persons before, 6 now, 1 unchanged; 1 merged; 1 split; 1 changed; 1 added; "
        "1 removed; 7 field statuses changed; records: 2 added, 1 removed."
    )
    assert detail_lines(ch)[:5] == [
        "merged: P2, P3 -> N1 (a:2, b:2)",
        "split: P4 -> N2, N3 (a:3, b:3)",
        "changed: P5 -> N4 (gained b:4)",
        "added: N5 (c:1)",
        "removed: P6 (was a:5)",
    ]
    assert detail_lines(ch)[-1] == "P1 age: single -> conflict"


def test_same_runs_change_nothing_and_row_order_does_not_matter():
    shuffled = NEW_LINKS.iloc[::-1].reset_index(drop=True)
    ch = compare_runs(NEW_PERSONS, NEW_LINKS, NEW_PERSONS.iloc[::-1], shuffled)
    assert ch.persons == [] and ch.fields == [] and ch.kept == 6
    assert summary_line(ch) == "Nothing changed: the same 6 persons, every field status as before."
    assert detail_lines(ch) == []


def test_capped_lists_say_how_many_more():
    ch = capped(compare_runs(OLD_PERSONS, OLD_LINKS, NEW_PERSONS, NEW_LINKS), 2)
    lines = detail_lines(ch)
    assert lines == [
        "merged: P2, P3 -> N1 (a:2, b:2)",
        "split: P4 -> N2, N3 (a:3, b:3)",
        "3 more person changes: see the changes table of report.xlsx or reconcile.sqlite.",
        "N1 sex: single -> agree",
        "N1 age: single | unknown -> single",
        "5 more field changes: see the changes table of report.xlsx or reconcile.sqlite.",
    ]


def test_changes_frame_holds_every_change_whatever_the_reports_show():
    ch = compare_runs(OLD_PERSONS, OLD_LINKS, NEW_PERSONS, NEW_LINKS)
    df = changes_frame(ch)
    assert tuple(df.columns) == CHANGE_COLUMNS and len(df) == 5 + 7
    assert df.iloc[0].tolist() == ["merged", "P2;P3", "N1", "a:2;b:2", "", "", "", "", ""]
    assert df.iloc[2].tolist() == ["changed", "P5", "N4", "a:4;b:4", "b:4", "", "", "", ""]
    assert df.iloc[-1].tolist() == ["field", "", "P1", "", "", "", "age", "single", "conflict"]
    short = capped(ch, 1)
    assert len(short.persons) == 1 and summary_line(short) == summary_line(ch)
    assert changes_frame(first_run()).columns.tolist() == list(CHANGE_COLUMNS)


def test_first_run():
    assert first_run() == Changes(note=FIRST_RUN)
    assert summary_line(first_run()) == "First run: nothing to compare."
    assert detail_lines(first_run()) == []


# ---------------------------------------------------------------- reading the previous outputs


def test_previous_outputs_read_by_arrow_hold_what_pandas_reads(tmp_path):
    from reconcile import previous

    persons = tmp_path / "persons.csv"
    persons.write_text(
        '\ufeffperson_id,name,sex_status,age_status\nP1,"Ali, Omar",agree,\n'
        '\'=P2,x,conflict,single\nP3,"two\nlines",,unknown\n',
        "utf-8",
    )
    wanted = previous._WANTED["persons.csv"]
    fast = previous._read_arrow(persons, wanted, ("person_id",))
    assert fast is not None  # as reconcile writes it: read by Arrow
    plain = previous._read_pandas(persons, wanted)
    assert list(fast.columns) == list(plain.columns) == ["person_id", "sex_status", "age_status"]
    for c in plain.columns:
        assert fast[c].astype(str).tolist() == plain[c].astype(str).tolist()
    # a file Arrow cannot read as reconcile wrote it (a row too long): read as pandas reads it
    persons.write_text("person_id,sex_status\nP1,agree,extra\n", "utf-8")
    assert previous._read_arrow(persons, wanted, ("person_id",)) is None
    (tmp_path / "links.csv").write_text("claim,record_id,person_id\na,1,P1\n", "utf-8")
    prev = load_previous_outputs(tmp_path)
    assert prev is not None
    assert prev.persons.equals(previous._read_pandas(persons, wanted))


def test_load_previous_outputs(tmp_path):
    assert load_previous_outputs(tmp_path / "nowhere") is None
    (tmp_path / "persons.csv").write_text("\ufeffperson_id,sex_status\nP1,agree\n", "utf-8")
    assert load_previous_outputs(tmp_path) is None  # links.csv missing: nothing to compare
    (tmp_path / "links.csv").write_text(
        "\ufeffclaim,record_id,person_id\na,'=1,P1\na,NA,P1\n", "utf-8"
    )
    prev = load_previous_outputs(tmp_path)
    assert prev is not None
    assert prev.links["record_id"].tolist() == ["=1", "NA"]  # neutralised cell restored; NA text
    (tmp_path / "links.csv").write_text("claim,person\na,P1\n", "utf-8")
    with pytest.raises(PreviousRunError, match="has no column record_id, person_id: not an output"):
        load_previous_outputs(tmp_path)


# ---------------------------------------------------------------- `reconcile run` reports them


def test_run_reports_changes_since_the_last_run(tmp_path):
    case = tmp_path / "atmeh"
    shutil.copytree(EXAMPLE, case, ignore=shutil.ignore_patterns("out"))
    runner = CliRunner()
    args = ["run", str(case), "-q"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    heading = "CHANGED SINCE THE LAST RUN\n==========================\n"
    assert heading + "First run: nothing to compare." in first.output
    assert "First run: nothing to compare." in (case / "out" / "report.md").read_text("utf-8")
    again = runner.invoke(main, args)
    assert "Nothing changed: the same 32 persons" in again.output
    with (case / "decisions.csv").open("a", encoding="utf-8") as f:
        f.write("sohr_wives,sw-02,local_reports,lr-02,same,test,2026-11-25,\n")
    links = pd.read_csv(case / "out" / "links.csv", dtype=str).set_index("record_id")["person_id"]
    third = runner.invoke(main, args)
    assert third.exit_code == 0, third.output
    new = pd.read_csv(case / "out" / "links.csv", dtype=str).set_index("record_id")["person_id"]
    line = (
        f"- merged: {links['lr-02']}, {links['sw-02']} -> {new['sw-02']} "
        "(local_reports:lr-02, sohr_wives:sw-02)"
    )
    assert line in third.output
    assert f"- {new['sw-02']} relation: single -> agree" in third.output
    md = (case / "out" / "report.md").read_text("utf-8")
    assert "## Changed since the last run" in md and "32 persons before, 31 now, 30 unchanged" in md
    html = (case / "out" / "report.html").read_text("utf-8")
    assert '<section id="changes"><h2>Changed since the last run</h2>' in html
    assert (
        '<a href="#headline">Headline ranges</a><a href="#changes">Changed since the last '
        'run</a><a href="#contradictions">' in html
    )
    json_text = (case / "out" / "report.json").read_text("utf-8")
    assert '"kind": "merged"' in json_text
    con = sqlite3.connect(case / "out" / "reconcile.sqlite")
    try:
        kinds = con.execute("select kind, records from changes order by kind").fetchall()
    finally:
        con.close()
    assert ("merged", "local_reports:lr-02;sohr_wives:sw-02") in kinds


def test_run_warns_when_the_previous_outputs_cannot_be_read(tmp_path):
    case = tmp_path / "atmeh"
    shutil.copytree(EXAMPLE, case, ignore=shutil.ignore_patterns("out"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "persons.csv").write_text("person_id\n", "utf-8")
    (out / "links.csv").write_text("something else\n", "utf-8")
    result = CliRunner().invoke(main, ["run", str(case), "-q", "--out", str(out)])
    assert result.exit_code == 0
    msg = (
        f"{out / 'links.csv'} has no column claim, record_id, person_id: not an output of "
        "reconcile run"
    )
    assert f"warning: {msg}; not compared with the last run" in result.output
    assert "\nNot compared with the last run:" in result.output


# ---------------------------------------------------------------- every person is accounted for

_refs = [("a", "1"), ("a", "2"), ("b", "1"), ("b", "2"), ("c", "1"), ("c", "2")]
_runs = st.lists(
    st.one_of(st.none(), st.sampled_from(["X", "Y", "Z", "W"])), min_size=6, max_size=6
)


def _run(labels: list[str | None]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records grouped into persons by label (None: the record is not in this run); each person's
    id derives from its members, as in reconcile.cluster."""
    groups: dict[str, list[str]] = {}
    for (claim, rid), label in zip(_refs, labels, strict=True):
        if label is not None:
            groups.setdefault(label, []).append(f"{claim}:{rid}")
    rows = [(m.split(":")[0], m.split(":")[1], person_id(ms)) for ms in groups.values() for m in ms]
    links = _links(rows)
    persons = _persons([(pid, "single", "unknown") for pid in sorted(set(links["person_id"]))])
    return persons, links


@given(_runs, _runs)
def test_every_old_and_new_person_is_kept_or_in_one_change(old_labels, new_labels):
    (op, ol), (np_, nl) = _run(old_labels), _run(new_labels)
    ch = compare_runs(op, ol, np_, nl)
    old_ids, new_ids = set(ol["person_id"]), set(nl["person_id"])
    kept = old_ids & new_ids
    assert ch.kept == len(kept)
    assert {p for c in ch.persons for p in c.new} == new_ids - kept
    assert {p for c in ch.persons for p in c.old} == old_ids - kept
    for c in ch.persons:
        assert (c.kind == "merged") == (len(c.old) > 1)
        assert (c.kind == "split") == (len(c.new) > 1)
    if (op.equals(np_) and ol.equals(nl)) or kept == old_ids == new_ids:
        assert ch.persons == [] and summary_line(ch).startswith("Nothing changed")


# ------------------------------------------- the arrays give what a person-by-person reading gives


def _one_by_one(old_persons, old_links, new_persons, new_links):  # type: ignore[no-untyped-def]
    """The person changes and field changes read one person at a time with dicts and sets
    (how compare_runs worked before it took arrays): the oracle for any links whatever."""
    from reconcile.schema import MERGED_FIELDS

    def members(links: pd.DataFrame) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for c, r, p in zip(links["claim"], links["record_id"], links["person_id"], strict=True):
            out.setdefault(str(p), set()).add(f"{c}:{r}")
        return out

    def statuses(persons: pd.DataFrame) -> dict[str, dict[str, str]]:
        cols = [f for f in MERGED_FIELDS if f"{f}_status" in persons.columns]
        return {
            str(row["person_id"]): {f: str(row[f"{f}_status"]) for f in cols}
            for _, row in persons.iterrows()
        }

    old_all, new_all = members(old_links), members(new_links)
    kept = set(old_all) & set(new_all)
    gone = {p: rs for p, rs in old_all.items() if p not in kept}
    came = {p: rs for p, rs in new_all.items() if p not in kept}
    old_of = {r: p for p, rs in gone.items() for r in rs}
    new_of = {r: p for p, rs in came.items() for r in rs}
    to_new = {p: sorted({new_of[r] for r in rs if r in new_of}) for p, rs in gone.items()}
    from_old = {p: sorted({old_of[r] for r in rs if r in old_of}) for p, rs in came.items()}
    changes = []
    for p, olds in sorted(from_old.items()):
        if not olds:
            changes.append(PersonChange("added", (), (p,), tuple(sorted(came[p]))))
        elif len(olds) > 1:
            recs = set(came[p]).union(*(gone[o] for o in olds))
            changes.append(PersonChange("merged", tuple(olds), (p,), tuple(sorted(recs))))
        elif len(to_new[olds[0]]) == 1:
            o = olds[0]
            both = tuple(sorted(gone[o] | came[p]))
            gained, lost = tuple(sorted(came[p] - gone[o])), tuple(sorted(gone[o] - came[p]))
            changes.append(PersonChange("changed", (o,), (p,), both, gained, lost))
    for o, news in sorted(to_new.items()):
        if not news:
            changes.append(PersonChange("removed", (o,), (), tuple(sorted(gone[o]))))
        elif len(news) > 1:
            recs = set(gone[o]).union(*(came[n] for n in news))
            changes.append(PersonChange("split", (o,), tuple(news), tuple(sorted(recs))))
    order = {"merged": 0, "split": 1, "changed": 2, "added": 3, "removed": 4}
    changes.sort(key=lambda c: (order[c.kind], c.records))
    was, now = statuses(old_persons), statuses(new_persons)
    found = []
    for k, f in enumerate(MERGED_FIELDS):
        for p in kept:
            w, n = was.get(p, {}).get(f), now.get(p, {}).get(f)
            if w is not None and n is not None and w != "" and w != n:
                found.append((p, k, FieldChange(p, f, w, n)))
    for p, olds in from_old.items():
        after = now.get(p, {})
        for k, f in enumerate(MERGED_FIELDS):
            old_status = " | ".join(sorted({was[o][f] for o in olds if f in was.get(o, {})}))
            if old_status and f in after and old_status != after[f]:
                found.append((p, k, FieldChange(p, f, old_status, after[f])))
    found.sort(key=lambda x: (x[0], x[1]))
    return changes, [fc for _, _, fc in found]


_ids = st.sampled_from(["P1", "P2", "P3", "Q1", "Q2", "N1", "N2", "N3"])
_link_rows = st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("1234"), _ids), max_size=12)
_status = st.sampled_from(["agree", "conflict", "single", "unknown", ""])
_person_rows = st.lists(st.tuples(_ids, _status, _status), max_size=8)


@settings(max_examples=400, deadline=None)
@given(_link_rows, _person_rows, _link_rows, _person_rows)
@example(  # two kinds of change, each two changes with the same records, in report order
    [("a", "2", "Q2")],
    [],
    [("a", "1", "P1"), ("a", "1", "Q1"), ("a", "2", "P2"), ("a", "2", "P3")],
    [],
)
def test_compare_runs_gives_what_a_person_by_person_reading_gives(ol, op, nl, np_):
    """Any links at all: ids shared or not, a record in two persons, a person without a row in
    persons.csv, rows given twice, blank statuses."""
    old_links, new_links = _links(ol), _links(nl)
    old_persons, new_persons = _persons(op), _persons(np_)
    ch = compare_runs(old_persons, old_links, new_persons, new_links)
    changes, fields = _one_by_one(
        old_persons.drop_duplicates("person_id", keep="last"),
        old_links,
        new_persons.drop_duplicates("person_id", keep="last"),
        new_links,
    )
    assert ch.persons == changes
    assert ch.fields == fields


def test_more_distinct_statuses_than_bits_are_joined_the_same_way():
    """A hand-edited persons.csv may hold any text as a status: past 62 distinct ones the
    statuses are joined person by person, with the same result."""
    old_links = _links([("a", str(i), f"P{i // 2}") for i in range(140)])
    new_links = _links([("a", str(i), f"N{i // 4}") for i in range(140)])
    old_persons = _persons([(f"P{i}", f"s{i:02d}", "single") for i in range(70)])
    new_persons = _persons([(f"N{i}", "agree", "single") for i in range(35)])
    ch = compare_runs(old_persons, old_links, new_persons, new_links)
    changes, fields = _one_by_one(old_persons, old_links, new_persons, new_links)
    assert ch.persons == changes and ch.fields == fields
    assert ch.fields[0] == FieldChange("N0", "sex", "s00 | s01", "agree")


def test_comparing_leaves_the_cycle_collector_as_it_found_it():
    import gc

    compare_runs(OLD_PERSONS, OLD_LINKS, NEW_PERSONS, NEW_LINKS)
    assert gc.isenabled()
    gc.disable()
    try:
        compare_runs(OLD_PERSONS, OLD_LINKS, NEW_PERSONS, NEW_LINKS)
        assert not gc.isenabled()
    finally:
        gc.enable()
