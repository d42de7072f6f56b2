"""The review queue, answers, decisions.csv writing, and `reconcile review` on the Atmeh example."""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from reconcile import review as rv
from reconcile.case import DECISION_COLUMNS
from reconcile.cli import main
from reconcile.decisions_io import DecisionsFileError, append_decision, remove_decision

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "atmeh-2022"
HEADER = ",".join(DECISION_COLUMNS)


def _pair(ca, ra, cb, rb, weight, prob, status, sex="agree"):
    return {
        "claim_a": ca,
        "record_a": ra,
        "claim_b": cb,
        "record_b": rb,
        "weight": weight,
        "probability": prob,
        "status": status,
        "lvl_name": "fuzzy",
        "w_name": 3.0,
        "lvl_sex": sex,
        "w_sex": 1.0,
        "w_context": 0.0,
        "w_prior": -3.0,
    }


def _records(rows):
    cols = [
        "claim",
        "record_id",
        "file",
        "row",
        "name",
        "sex_n",
        "age_group_n",
        "name_unknown",
        "name_is_relation",
        "quote",
    ]
    return pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])


RECORDS = _records(
    [
        ("a", "1", "a.csv", 2, "", "female", "adult", True, False, "a woman"),
        ("a", "2", "a.csv", 3, "", "female", "adult", True, False, ""),
        ("a", "3", "a.csv", 4, "Omar Said", "male", "adult", False, False, ""),
        ("a", "4", "a.csv", 5, "Hala Nour", "female", "child", False, False, ""),
        ("b", "1", "b.csv", 2, "wife of X", "female", "adult", False, True, "his wife"),
        ("b", "3", "b.csv", 3, "Omar Saeed", "male", "adult", False, False, ""),
        ("b", "4", "b.csv", 4, "Hala Nur", "female", "adult", False, False, ""),
        ("b", "5", "b.csv", 5, "", "male", "child", True, False, ""),
        ("c", "9", "c.csv", 2, "Omar", "male", "", False, False, ""),
    ]
)
PAIRS = pd.DataFrame(
    [
        _pair("a", "1", "b", "1", 4.0, 0.94, "ambiguous"),
        _pair("a", "2", "b", "1", 4.2, 0.95, "ambiguous"),
        _pair("a", "3", "b", "3", 1.0, 0.67, "linked"),
        _pair("a", "3", "c", "9", 9.0, 0.99, "linked"),
        _pair("a", "4", "b", "4", 8.0, 0.99, "linked"),
        _pair("a", "3", "b", "5", -5.0, 0.03, "possible"),
        _pair("a", "1", "b", "5", -4.0, 0.06, "possible", sex="conflict"),
        _pair("a", "1", "a", "2", 1.0, 0.66, "duplicate"),
        _pair("b", "3", "c", "9", -2.0, 0.2, "rejected"),
    ]
)
NO_DECISIONS = pd.DataFrame(columns=list(DECISION_COLUMNS))


def _keys(queue):
    return [(it.kind, rv.ref_text(it.pair.a), rv.ref_text(it.pair.b)) for it in queue]


def test_queue_order_kinds_and_groups():
    queue = rv.build_queue(PAIRS, RECORDS, NO_DECISIONS, threshold=0.0)
    assert _keys(queue) == [
        ("ambiguous", "a:2", "b:1"),
        ("ambiguous", "a:1", "b:1"),
        ("near the threshold", "a:3", "b:3"),
        ("sex or age group conflict", "a:4", "b:4"),
        ("unnamed record", "a:1", "b:5"),  # b:5's best candidate; a:3 is weaker
    ]
    assert queue[0].group == (("a", "1"), ("a", "2"), ("b", "1"))
    assert [rv.ref_text(q.b) for q in queue[0].others] == ["b:1"]
    assert [(rv.ref_text(q.a), rv.ref_text(q.b)) for q in queue[0].others] == [("a:1", "b:1")]


def test_queue_never_asks_a_decided_pair_in_either_order():
    decisions = pd.DataFrame(
        [
            ("b", "1", "a", "2", "different", "x", "2026-01-01", ""),
            ("a", "3", "b", "3", "same", "x", "2026-01-01", ""),
            ("b", "5", "a", "1", "same", "x", "2026-01-01", ""),
        ],
        columns=list(DECISION_COLUMNS),
    )
    queue = rv.build_queue(PAIRS, RECORDS, decisions)
    assert _keys(queue) == [
        ("ambiguous", "a:1", "b:1"),
        ("sex or age group conflict", "a:4", "b:4"),
        ("unnamed record", "a:3", "b:5"),
    ]
    # a `same` decision in the file settles the other pairs of its records with that claim:
    # a:1 is b:5, so it cannot also be b:1, nor can b:5 be a:3 (one record per claim a person)
    session = rv.Session(queue, same=rv.same_refs(decisions))
    item = session.current()
    assert item is not None and _keys([item]) == [("sex or age group conflict", "a:4", "b:4")]
    session.skip()
    assert session.current() is None
    assert session.summary() == (0, 1, 0)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("s", rv.Answer("same")),
        ("s the ground-floor wife", rv.Answer("same", "the ground-floor wife")),
        ("D  not her ", rv.Answer("different", "not her")),
        ("different", rv.Answer("different")),
        ("k", rv.Answer("skip")),
        ("u", rv.Answer("undo")),
        ("q", rv.Answer("quit")),
        ("", None),
        ("yes", None),
        ("sx", None),
    ],
)
def test_parse_answer(line, expected):
    assert rv.parse_answer(line) == expected


def test_session_same_settles_the_group_and_undo_brings_it_back():
    session = rv.Session(rv.build_queue(PAIRS, RECORDS, NO_DECISIONS))
    assert session.number() == (1, 5)
    row = session.decide("same", "ana", "2026-11-25", "the first wife")
    assert row == {
        "claim_a": "a",
        "record_a": "2",
        "claim_b": "b",
        "record_b": "1",
        "decision": "same",
        "by": "ana",
        "date": "2026-11-25",
        "why": "the first wife",
    }
    # a:1 ~ b:1 is settled: b:1 is now a:2, and a person holds one record of claim a
    item = session.current()
    assert item is not None and rv.ref_text(item.pair.a) == "a:3"
    assert session.summary() == (1, 0, 3)
    assert session.undo() == row
    item = session.current()
    assert item is not None and (item.pair.a, item.pair.b) == (("a", "2"), ("b", "1"))
    assert session.summary() == (0, 0, 5)
    assert session.undo() is None


def test_session_different_settles_nothing_and_limit_stops():
    session = rv.Session(rv.build_queue(PAIRS, RECORDS, NO_DECISIONS), limit=2)
    session.decide("different", "ana", "2026-11-25", "")
    item = session.current()
    assert item is not None and rv.ref_text(item.pair.a) == "a:1"
    session.skip()
    assert session.current() is None
    assert session.summary() == (1, 1, 3)


def test_render_item_shows_fields_quotes_and_losers_and_blind_hides_scores():
    queue = rv.build_queue(PAIRS, RECORDS, NO_DECISIONS)
    text = rv.render_item(queue[1], RECORDS, (2, 5))
    assert text.startswith("[2/5] ambiguous: is a:1 the same person as b:1?\n")
    assert "  ambiguous group: a:1, a:2, b:1\n" in text
    assert "a.csv, row 2" in text and "b.csv, row 2" in text
    assert 'quote a:1: "a woman"' in text and 'quote b:1: "his wife"' in text
    assert "match weight +4.00 bits, probability 0.94, status ambiguous" in text
    assert "fuzzy" in text and "+3.00" in text
    assert "  b:1 ~ a:2 (no name)  +4.20 bits, ambiguous" in text
    blind = rv.render_item(queue[1], RECORDS, (2, 5), blind=True)
    for hidden in ("bits", "weight", "fuzzy", "+3.00", "probability", "prior"):
        assert hidden not in blind
    assert "  b:1 ~ a:2 (no name)\n" in blind and 'quote b:1: "his wife"' in blind


def test_default_by_falls_back(monkeypatch):
    import getpass

    def fail() -> str:
        raise OSError("no login")

    monkeypatch.setattr(getpass, "getuser", fail)
    assert rv.default_by() == "analyst"
    monkeypatch.setattr(getpass, "getuser", lambda: "rania")
    assert rv.default_by() == "rania"


# ---------------------------------------------------------------- decisions.csv


ROW = dict(
    zip(
        DECISION_COLUMNS,
        ("a", "1", "b", "2", "same", "ana", "2026-11-25", "wife, ground floor"),
        strict=True,
    )
)


def test_append_creates_the_file_with_its_header(tmp_path):
    path = tmp_path / "decisions.csv"
    line = append_decision(path, ROW)
    assert line == b'a,1,b,2,same,ana,2026-11-25,"wife, ground floor"\n'
    assert path.read_bytes() == (HEADER + "\n").encode() + line


def test_append_keeps_every_existing_byte_and_the_files_layout(tmp_path):
    path = tmp_path / "decisions.csv"
    old = (
        codecs.BOM_UTF8 + b"why;decision;claim_a;record_a;claim_b;record_b;by;date\r\n"
        b'"x; y";different;a;3;b;4;ali;2026-01-02'
    )  # no final line end
    path.write_bytes(old)
    line = append_decision(path, {**ROW, "why": "زوجة"})
    assert line == "زوجة;same;a;1;b;2;ana;2026-11-25\r\n".encode()
    assert path.read_bytes() == old + b"\r\n" + line
    assert remove_decision(path, line)
    assert path.read_bytes() == old + b"\r\n"
    assert not remove_decision(path, line)


def test_remove_takes_exactly_the_line_written(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_bytes(f"{HEADER}\na,1,b,2,same,ana,2026-11-25,\n".encode())
    first = append_decision(path, ROW)
    second = append_decision(path, {**ROW, "decision": "different"})
    before = path.read_bytes()
    assert remove_decision(path, first)
    assert path.read_bytes() == before.replace(first, b"", 1)
    assert path.read_bytes().endswith(second)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.csv"]  # no temp file left


def test_bad_decisions_files_are_refused_with_a_message(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_bytes(b"claim_a,record_a,claim_b,record_b,decision\nx,1,y,\xe9,same\n")
    with pytest.raises(DecisionsFileError, match=r"not UTF-8 text.*save it as UTF-8"):
        append_decision(path, ROW)
    path.write_bytes(b"a,b,c\n")
    with pytest.raises(DecisionsFileError, match="not a decisions header"):
        append_decision(path, ROW)
    assert path.read_bytes() == b"a,b,c\n"


# ---------------------------------------------------------------- the command on Atmeh


@pytest.fixture()
def case(tmp_path, monkeypatch):
    monkeypatch.setattr(rv, "today", lambda: "2026-11-25")
    dest = tmp_path / "atmeh"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("out"))
    return dest


def _review(case_dir, keys, *args):
    return CliRunner().invoke(main, ["review", str(case_dir), "-q", *args], input=keys)


def _links(out):
    df = pd.read_csv(out / "links.csv", dtype=str, keep_default_na=False)
    return dict(zip(df["claim"] + ":" + df["record_id"], df["person_id"], strict=True))


def test_scripted_review_is_honoured_by_the_next_run_and_keeps_other_ids(case, tmp_path):
    original = (case / "decisions.csv").read_bytes()
    runner = CliRunner()
    assert (
        runner.invoke(
            main, ["run", str(case), "--out", str(tmp_path / "o1"), "-q", "--format", "csv"]
        ).exit_code
        == 0
    )
    before = _links(tmp_path / "o1")
    result = _review(case, "s the ground-floor wife\nq\n", "--by", "rania")
    assert result.exit_code == 0, result.output
    assert (
        "[1/" in result.output
        and "ambiguous: is sohr_wives:sw-02 the same person as local_reports:lr-02?"
        in result.output
    )
    added = "sohr_wives,sw-02,local_reports,lr-02,same,rania,2026-11-25,the ground-floor wife\n"
    assert (case / "decisions.csv").read_bytes() == original + added.encode()
    assert "\n1 decided, 0 skipped, " in result.output
    assert f"Run `reconcile run {case}` to apply the decisions" in result.output

    assert (
        runner.invoke(
            main, ["run", str(case), "--out", str(tmp_path / "o2"), "-q", "--format", "csv"]
        ).exit_code
        == 0
    )
    after = _links(tmp_path / "o2")
    assert after["sohr_wives:sw-02"] == after["local_reports:lr-02"]
    changed = {r for r in before if before[r] != after[r]}
    assert changed == {"sohr_wives:sw-02", "local_reports:lr-02"}
    persons_before = set(pd.read_csv(tmp_path / "o1" / "persons.csv", dtype=str)["person_id"])
    persons_after = set(pd.read_csv(tmp_path / "o2" / "persons.csv", dtype=str)["person_id"])
    assert persons_before - persons_after == {
        before["sohr_wives:sw-02"],
        before["local_reports:lr-02"],
    }
    assert persons_after - persons_before == {after["sohr_wives:sw-02"]}

    # the next review resumes: neither the decided pair nor the one it settles is asked
    again = _review(case, "q\n")
    assert again.exit_code == 0
    assert "sw-02 the same person as local_reports:lr-02" not in again.output
    assert "sw-03 the same person as local_reports:lr-02" not in again.output
    assert "\n0 decided, 0 skipped, " in again.output


def test_undo_removes_the_decision_and_asks_again(case):
    original = (case / "decisions.csv").read_bytes()
    result = _review(case, "d not her\nu\nk\nq\n", "--by", "rania")
    assert result.exit_code == 0, result.output
    path = case / "decisions.csv"
    assert f"undone: sohr_wives:sw-02 ~ local_reports:lr-02 removed from {path}" in result.output
    assert result.output.count("is sohr_wives:sw-02 the same person as local_reports:lr-02?") == 2
    assert path.read_bytes() == original
    assert "\n0 decided, 1 skipped, " in result.output


def test_review_blind_unknown_key_end_of_input_and_login_name(case, monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "layla")
    result = _review(case, "yes\nd\n", "--blind", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert rv.KEYS_HELP + "\n" in result.output
    assert "bits" not in result.output and "match weight" not in result.output
    assert (
        (case / "decisions.csv")
        .read_text()
        .endswith("sohr_wives,sw-02,local_reports,lr-02,different,layla,2026-11-25,\n")
    )
    assert "\n1 decided, 0 skipped, " in result.output  # end of input is quit


def test_review_uses_the_threshold_given(case):
    result = _review(case, "q\n", "--threshold", "6")
    assert result.exit_code == 0, result.output
    # at 6 bits the wives (+5 bits each) are under the threshold: no near-tie any more, but
    # pairs near the threshold to review
    assert "] ambiguous:" not in result.output
    assert (
        "[1/89] near the threshold: is sohr_wives:sw-02 the same person as local_reports:lr-02?"
        in result.output
    )


def test_review_warns_when_decisions_csv_cannot_say_who_when_why(case):
    path = case / "decisions.csv"
    path.write_text("claim_a,record_a,claim_b,record_b,decision\n", encoding="utf-8")
    result = _review(case, "s\nq\n")
    assert result.exit_code == 0, result.output
    assert (
        f"warning: {path} has no column by, date, why: add them to its first line to record "
        "who decided, when and why\n" in result.output
    )
    assert path.read_text(encoding="utf-8") == (
        "claim_a,record_a,claim_b,record_b,decision\nsohr_wives,sw-02,local_reports,lr-02,same\n"
    )


def test_review_stops_on_a_decisions_file_with_errors_and_leaves_it(case):
    path = case / "decisions.csv"
    path.write_bytes(b"who,what\n")
    result = _review(case, "s\nq\n")
    assert result.exit_code == 1
    assert "decisions.csv:1:" in result.output and "pairs to review" not in result.output
    assert path.read_bytes() == b"who,what\n"


def test_review_needs_a_case_folder(tmp_path):
    result = CliRunner().invoke(main, ["review", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path} is not a case folder (no case.toml): review keeps its decisions in "
        "the case's decisions.csv\n"
    )
