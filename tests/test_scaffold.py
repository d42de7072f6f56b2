"""`reconcile init` and `reconcile add-claim`: new case files, mapping proposals, refusals."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from reconcile.case import COUNT_COLUMNS, DECISION_COLUMNS
from reconcile.casetoml import parse_case_toml
from reconcile.cli import main
from reconcile.csvread import read_table
from reconcile.load import load_case
from reconcile.scaffold import (
    ScaffoldError,
    claim_block,
    csv_line,
    mapping_for,
    parse_edits,
    plan_new_claim,
    propose_mapping,
    scaffold_files,
    toml_string,
)
from reconcile.schema import FIELDS

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "atmeh-2022"
LIST = "Full Name,gender,Age (years),designator_ar\nAbu Ahmad,m,34,x\nUmm Ahmad,f,30,y\n"


def _proposal(header: list[str]) -> dict[str, tuple[str, str]]:
    p = propose_mapping(header)
    return {r.column: (r.field, r.how) for r in p.itertuples()}


def _table(text: str, file: str = "list.csv"):
    table, problems = read_table(text.encode("utf-8"), file)
    assert table is not None, problems
    return table


def _errors(case) -> list[str]:
    return [p.format() for p in case.problems if p.severity == "error"]


# ------------------------------------------------------------------ pure text


@given(st.text())
def test_toml_string_round_trips(text):
    assert tomllib.loads(f"k = {toml_string(text)}")["k"] == text


def test_claim_block_is_valid_toml_with_columns():
    block = claim_block(
        "mol",
        "claims/mol.csv",
        'Ministry "of" Health',
        published="2022-02-04",
        complete=True,
        columns={"name": ["given", "family"], "sex": ["gender"]},
    )
    claim = tomllib.loads(block)["claims"][0]
    assert claim == {
        "id": "mol",
        "file": "claims/mol.csv",
        "source": 'Ministry "of" Health',
        "published": "2022-02-04",
        "complete": True,
        "columns": {"name": ["given", "family"], "sex": "gender"},
    }


def test_scaffold_files_have_every_header_and_a_valid_case_toml():
    files = scaffold_files("Raid", "2022-02-03", "Atmeh", "sohr", "SOHR")
    assert sorted(files) == [
        "README.md",
        "case.toml",
        "claims/sohr.csv",
        "counts.csv",
        "decisions.csv",
    ]
    assert files["claims/sohr.csv"] == ",".join(FIELDS) + "\n"
    assert files["counts.csv"] == csv_line(COUNT_COLUMNS) == ",".join(COUNT_COLUMNS) + "\n"
    assert files["decisions.csv"] == ",".join(DECISION_COLUMNS) + "\n"
    parsed = parse_case_toml(files["case.toml"])
    assert parsed.problems == []
    assert parsed.event == {"title": "Raid", "date": "2022-02-03", "place": "Atmeh"}
    [claim] = parsed.claims
    assert (claim.id, claim.file, claim.source, claim.complete) == (
        "sohr",
        "claims/sohr.csv",
        "SOHR",
        False,
    )
    assert "claims/sohr.csv" in files["README.md"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"claim_id": "my claim"},
            "claim id 'my claim' is not a slug: use letters, digits, - or _ (e.g. sohr)",
        ),
        ({"date": "3/2/2022"}, "date '3/2/2022' is not YYYY-MM-DD (or YYYY-MM, or YYYY)"),
        ({"date": "2022-13-01"}, "date '2022-13-01' is not YYYY-MM-DD (or YYYY-MM, or YYYY)"),
    ],
)
def test_scaffold_refuses_bad_id_or_date(args, message):
    with pytest.raises(ScaffoldError) as e:
        scaffold_files(**args)
    assert str(e.value) == message


# ------------------------------------------------------------------ mapping proposals


def test_proposal_matches_exact_synonym_qualified_fuzzy_and_leaves_the_rest():
    got = _proposal(
        [
            "ID",
            "Full Name",
            "gender",
            "Age (years)",
            "designator_ar",
            "father_name",
            "nationalty",
            "kunya",
            "صلة القرابة",
            "Relation (EN)",
        ]
    )
    assert got == {
        "ID": ("id", "exact"),
        "Full Name": ("name", "synonym"),
        "gender": ("sex", "synonym"),
        "Age (years)": ("age", "synonym"),
        "designator_ar": ("", ""),
        "father_name": ("", ""),  # a father's name is not the person's name
        "nationalty": ("nationality", "fuzzy"),
        "kunya": ("alias", "synonym"),
        "صلة القرابة": ("relation", "synonym"),
        "Relation (EN)": ("", "also looks like relation; 'صلة القرابة' has it"),
    }


def test_proposal_qualified_and_short_headers():
    got = _proposal(["Victim name (EN)", "Name (Arabic)", "Age of victim", "same", "sec", "nmae"])
    assert got["Victim name (EN)"] == ("name", "qualified")
    assert got["Name (Arabic)"] == ("name_alt", "a second name column; 'Victim name (EN)' has name")
    assert got["Age of victim"] == ("age", "qualified")
    assert got["same"] == ("", "")  # one letter from `name`, but too short to guess
    assert got["sec"] == ("", "")
    assert got["nmae"] == ("", "")


def test_a_synonym_beats_a_qualified_name_and_a_third_name_column_stays_out():
    got = _proposal(["Name (EN)", "الاسم", "Name (Latin)"])
    assert got == {
        "Name (EN)": ("name_alt", "a second name column; 'الاسم' has name"),
        "الاسم": ("name", "synonym"),
        "Name (Latin)": ("", "also looks like name; 'الاسم' has it"),
    }


def test_exact_header_beats_an_earlier_synonym():
    got = _proposal(["gender", "sex"])
    assert got == {"gender": ("", "also looks like sex; 'sex' has it"), "sex": ("sex", "exact")}


@given(st.lists(st.text(max_size=20), max_size=12))
def test_proposal_never_raises_and_gives_each_field_once(header):
    p = propose_mapping(header)
    assert list(p.columns) == ["column", "field", "how"]
    assert len(p) == len(header)
    fields = [f for f in p["field"] if f]
    assert len(fields) == len(set(fields))
    assert set(fields) <= set(FIELDS)


def test_mapping_writes_only_what_the_loader_would_not_read_alone():
    header = ["id", "Full Name", "sex", "gender"]
    assert mapping_for(header, propose_mapping(header), []) == {
        "name": ["Full Name"],
        "sex": ["sex"],  # written: `gender` could also be read as sex
    }
    header = ["id", "name", "sex"]
    assert mapping_for(header, propose_mapping(header), []) == {}


def test_edits_replace_join_and_drop():
    header = ["Full Name", "given", "family", "nationalty"]
    p = propose_mapping(header)
    edits = parse_edits(["name=given", "name=family", "nationality="])
    assert mapping_for(header, p, edits) == {"name": ["given", "family"]}


@pytest.mark.parametrize(
    ("edits", "header", "message"),
    [
        (["name"], ["a"], "--map 'name': write FIELD=HEADER, e.g. --map name=\"Full Name\""),
        (
            ["nom=a"],
            ["a"],
            "--map 'nom=a': 'nom' is not a field; the fields are: " + ", ".join(FIELDS),
        ),
        (["name=b"], ["a", "c"], "--map name=b: the file has no column 'b'; it has 'a', 'c'"),
        (
            ["sex="],
            ["gender"],
            "--map sex=: column 'gender' is read as sex by its name; "
            "rename the column in the file, or map the field to another column",
        ),
    ],
)
def test_bad_edits_are_refused(edits, header, message):
    with pytest.raises(ScaffoldError) as e:
        mapping_for(header, propose_mapping(header), parse_edits(edits))
    assert str(e.value) == message


def test_plan_new_claim_appends_and_keeps_the_text():
    text = scaffold_files(claim_id="sohr")["case.toml"]
    new = plan_new_claim(text, _table(LIST), "mol", "claims/list.csv", source="Ministry")
    assert new.new_text.startswith(text)
    assert new.new_text == text + "\n" + new.block
    parsed = parse_case_toml(new.new_text)
    assert parsed.problems == []
    assert [c.id for c in parsed.claims] == ["sohr", "mol"]
    assert parsed.claims[1].columns == {
        "name": ["Full Name"],
        "sex": ["gender"],
        "age": ["Age (years)"],
    }
    assert [r.field for r in new.reading.itertuples()] == ["name", "sex", "age", ""]


@pytest.mark.parametrize(
    ("claim_id", "file", "message"),
    [
        (
            "SOHR",
            "claims/x.csv",
            "case.toml already has a claim with id 'sohr'; choose another --id",
        ),
        ("x", "claims/sohr.csv", "'claims/sohr.csv' is already registered as claim 'sohr'"),
    ],
)
def test_plan_new_claim_refuses_duplicates(claim_id, file, message):
    text = scaffold_files(claim_id="sohr")["case.toml"]
    with pytest.raises(ScaffoldError) as e:
        plan_new_claim(text, _table(LIST), claim_id, file)
    assert str(e.value) == message


def test_plan_new_claim_refuses_malformed_toml():
    with pytest.raises(ScaffoldError) as e:
        plan_new_claim("[event\n", _table(LIST), "x", "x.csv")
    assert str(e.value).startswith("case.toml:1: E001: not valid TOML")
    assert str(e.value).endswith("; fix case.toml before adding a claim")


# ------------------------------------------------------------------ reconcile init


def test_init_scaffolds_a_case_that_checks(tmp_path):
    d = tmp_path / "raid"
    result = CliRunner().invoke(
        main, ["init", str(d), "--title", "Raid", "--date", "2022-02-03", "--claim", "sohr"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Started a case in {d}:\n"
        f"  {d / 'case.toml'}\n"
        f"  {d / 'claims/sohr.csv'}\n"
        f"  {d / 'counts.csv'}\n"
        f"  {d / 'decisions.csv'}\n"
        f"  {d / 'README.md'}\n"
        f"Next: fill in claims/sohr.csv, then run `reconcile check {d}`.\n"
    )
    case = load_case(d)
    assert _errors(case) == []
    assert [c.id for c in case.claims] == ["sohr"]
    assert len(case.claims[0].records) == 0
    check = CliRunner().invoke(main, ["check", str(d)])
    assert check.exit_code == 0, check.output


def test_init_refuses_to_overwrite_anything(tmp_path):
    (tmp_path / "claims").mkdir()
    (tmp_path / "counts.csv").write_text("mine\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'counts.csv'} already exists; nothing written\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["claims", "counts.csv"]
    assert (tmp_path / "counts.csv").read_text(encoding="utf-8") == "mine\n"


def test_init_twice_is_refused(tmp_path):
    assert CliRunner().invoke(main, ["init", str(tmp_path)]).exit_code == 0
    before = (tmp_path / "case.toml").read_bytes()
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--title", "Other"])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'case.toml'} already exists; nothing written\n"
    assert (tmp_path / "case.toml").read_bytes() == before


def test_init_refuses_a_bad_claim_id(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--claim", "a b"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: claim id 'a b' is not a slug: use letters, digits, - or _ (e.g. sohr)\n"
    )
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ reconcile add-claim


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    d = tmp_path / "case"
    assert CliRunner().invoke(main, ["init", str(d), "--claim", "sohr"]).exit_code == 0
    (d / "claims" / "sohr.csv").write_text(
        ",".join(FIELDS) + "\n" + "sohr-01,Abu Ahmad" + "," * (len(FIELDS) - 2) + "\n",
        encoding="utf-8",
    )
    return d


def _write_list(path: Path, text: str = LIST) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_add_claim_proposes_asks_and_appends(case_dir):
    f = _write_list(case_dir / "claims" / "list.csv")
    before = (case_dir / "case.toml").read_text(encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["add-claim", str(case_dir), str(f), "--id", "mol", "--source", "Ministry"],
        input="y\n",
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Columns of {f} (utf-8, comma, 2 records) and how they will be read:"
    assert lines[1:5] == [
        "  Full Name      -> name  synonym",
        "  gender         -> sex   synonym",
        "  Age (years)    -> age   synonym",
        "  designator_ar  -> -     no field; kept as extra:designator_ar",
    ]
    assert lines[-2:] == [
        "Add claim 'mol'? [Y/n]: y",
        f"Added claim 'mol' to {case_dir / 'case.toml'}.",
    ]
    after = (case_dir / "case.toml").read_text(encoding="utf-8")
    assert after.startswith(before)  # comments and the rest kept as they were
    assert after[len(before) :] == (
        "\n"
        "[[claims]]\n"
        'id = "mol"\n'
        'file = "claims/list.csv"\n'
        'source = "Ministry"\n'
        "complete = false\n"
        "\n"
        "[claims.columns]\n"
        'name = "Full Name"\n'
        'sex = "gender"\n'
        'age = "Age (years)"\n'
    )
    case = load_case(case_dir)
    assert _errors(case) == []
    mol = case.claim("mol").records
    assert list(mol["name"]) == ["Abu Ahmad", "Umm Ahmad"]
    assert list(mol["sex_n"]) == ["male", "female"]
    assert list(mol["age"]) == ["34", "30"]


def test_add_claim_declined_writes_nothing(case_dir):
    f = _write_list(case_dir / "claims" / "list.csv")
    before = (case_dir / "case.toml").read_bytes()
    result = CliRunner().invoke(
        main, ["add-claim", str(case_dir), str(f), "--id", "mol", "--source", "M"], input="n\n"
    )
    assert result.exit_code == 1
    assert result.output.endswith(
        "Add claim 'mol'? [Y/n]: n\n"
        "Error: nothing written; change the mapping with --map FIELD=HEADER\n"
    )
    assert (case_dir / "case.toml").read_bytes() == before


def test_add_claim_with_map_edits_and_yes(case_dir):
    f = _write_list(case_dir / "claims" / "list.csv")
    result = CliRunner().invoke(
        main,
        [
            "add-claim", str(case_dir), str(f), "--id", "mol", "--source", "M", "--yes",
            "--map", "name=designator_ar", "--map", "notes=Full Name", "--published", "2022-02-04",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "  designator_ar  -> name   --map" in result.output
    assert "  Full Name      -> notes  --map" in result.output
    assert "[Y/n]" not in result.output
    claim = tomllib.loads((case_dir / "case.toml").read_text(encoding="utf-8"))["claims"][1]
    assert claim["published"] == "2022-02-04"
    assert claim["columns"] == {
        "name": "designator_ar",
        "sex": "gender",
        "age": "Age (years)",
        "notes": "Full Name",
    }
    assert list(load_case(case_dir).claim("mol").records["name"]) == ["x", "y"]


def test_add_claim_refuses_a_duplicate_id(case_dir):
    f = _write_list(case_dir / "claims" / "list.csv")
    before = (case_dir / "case.toml").read_bytes()
    result = CliRunner().invoke(
        main, ["add-claim", str(case_dir), str(f), "--id", "sohr", "--source", "M", "--yes"]
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: case.toml already has a claim with id 'sohr'; choose another --id\n"
    )
    assert (case_dir / "case.toml").read_bytes() == before


def test_add_claim_refuses_a_missing_file_or_case(case_dir, tmp_path):
    missing = case_dir / "claims" / "nope.csv"
    result = CliRunner().invoke(
        main, ["add-claim", str(case_dir), str(missing), "--id", "x", "--source", "M"]
    )
    assert result.exit_code == 1
    assert result.output == f"Error: {missing}: no such file\n"
    f = _write_list(tmp_path / "list.csv")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(
        main, ["add-claim", str(empty), str(f), "--id", "x", "--source", "M"]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no case.toml in {empty}: start a case there with `reconcile init {empty}`\n"
    )


def test_add_claim_copy_and_refusal_to_overwrite_the_copy(case_dir, tmp_path):
    f = _write_list(tmp_path / "list.csv")
    args = ["add-claim", str(case_dir), str(f), "--source", "M", "--copy", "--yes"]
    result = CliRunner().invoke(main, [*args, "--id", "mol"])
    assert result.exit_code == 0, result.output
    copy = case_dir / "claims" / "list.csv"
    assert result.output.endswith(
        f"Added claim 'mol' to {case_dir / 'case.toml'} (copied to {copy}).\n"
    )
    assert copy.read_text(encoding="utf-8") == LIST
    before = (case_dir / "case.toml").read_bytes()
    result = CliRunner().invoke(main, [*args, "--id", "mol2"])
    assert result.exit_code == 1
    assert result.output == f"Error: {copy} already exists; nothing written\n"
    assert (case_dir / "case.toml").read_bytes() == before


def test_add_claim_outside_the_case_points_there(case_dir, tmp_path):
    f = _write_list(tmp_path / "list.csv")
    result = CliRunner().invoke(
        main, ["add-claim", str(case_dir), str(f), "--id", "mol", "--source", "M", "--yes"]
    )
    assert result.exit_code == 0, result.output
    assert (
        f"{f} is outside {case_dir}: the case will point to it there (--copy copies it in).\n"
        in result.output
    )
    assert 'file = "../list.csv"' in (case_dir / "case.toml").read_text(encoding="utf-8")
    assert _errors(load_case(case_dir)) == []


def test_add_claim_to_the_example_keeps_its_comments(tmp_path):
    case = tmp_path / "atmeh"
    shutil.copytree(EXAMPLE, case)
    before = (case / "case.toml").read_text(encoding="utf-8")
    f = _write_list(case / "claims" / "ministry.csv", "ref,الاسم,الجنس\nm-1,أبو إبراهيم,ذكر\n")
    result = CliRunner().invoke(
        main, ["add-claim", str(case), str(f), "--id", "ministry", "--source", "M", "--yes"]
    )
    assert result.exit_code == 0, result.output
    after = (case / "case.toml").read_text(encoding="utf-8")
    assert after.startswith(before)
    loaded = load_case(case)
    assert _errors(loaded) == []
    assert loaded.claims[-1].id == "ministry"
    # synonyms the loader knows are written too, so the mapping can be read in case.toml
    assert loaded.claims[-1].columns == {"id": ["ref"], "name": ["الاسم"], "sex": ["الجنس"]}
    assert list(loaded.claim("ministry").records["sex_n"]) == ["male"]


def test_plan_new_claim_keeps_windows_line_endings():
    text = scaffold_files(claim_id="sohr")["case.toml"].replace("\n", "\r\n")
    new = plan_new_claim(text, _table(LIST), "mol", "claims/list.csv")
    assert new.new_text.startswith(text)
    assert "\n" not in new.new_text.replace("\r\n", "")
    assert [c.id for c in parse_case_toml(new.new_text).claims] == ["sohr", "mol"]


@pytest.mark.parametrize(
    ("text", "sep"), [("", ""), ("# c", "\n\n"), ("# c\n", "\n"), ("# c\n\n\n", "")]
)
def test_plan_new_claim_leaves_one_blank_line_before_the_block(text, sep):
    new = plan_new_claim(text, _table(LIST), "mol", "claims/list.csv")
    assert new.new_text == text + sep + new.block


def test_add_claim_with_an_encoding_records_it(case_dir):
    f = case_dir / "claims" / "arabic.csv"
    f.write_bytes("id;الاسم\na-1;أحمد\n".encode("cp1256"))
    result = CliRunner().invoke(
        main,
        [
            "add-claim",
            str(case_dir),
            str(f),
            "--id",
            "ar",
            "--source",
            "M",
            "--yes",
            "--encoding",
            "windows-1256",
            "--delimiter",
            "semicolon",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"Columns of {f} (cp1256, semicolon, 1 record) and how they will be read:\n"
        "  id     -> id    exact\n"
        "  الاسم  -> name  synonym\n"
    )
    claim = tomllib.loads((case_dir / "case.toml").read_text(encoding="utf-8"))["claims"][1]
    assert (claim["encoding"], claim["delimiter"]) == ("cp1256", ";")
    case = load_case(case_dir)
    assert _errors(case) == []
    assert list(case.claim("ar").records["name"]) == ["أحمد"]


def test_add_claim_refuses_an_unknown_encoding(case_dir):
    f = _write_list(case_dir / "claims" / "list.csv")
    result = CliRunner().invoke(
        main,
        ["add-claim", str(case_dir), str(f), "--id", "x", "--source", "M", "--encoding", "klingon"],
    )
    assert result.exit_code == 1
    assert result.output == "Error: unknown encoding 'klingon'\n"
