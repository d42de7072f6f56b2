"""load_case: case folders, case.toml, bare files, column mapping, records, counts, decisions."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest

from reconcile import load_case
from reconcile.schema import IDENTITY_COLUMNS, TEXT_FIELDS

FIXTURES = Path(__file__).parent / "fixtures"
FIELD_CODES = {"E201", "E202", "E203", "E205", "W305"}  # reported by reconcile.fields


def lines(case) -> list[str]:
    """The loader's own problems, formatted, in the order found."""
    return [p.format() for p in case.problems if p.code not in FIELD_CODES]


def make_case(tmp_path: Path, toml: str, files: Mapping[str, str | bytes]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "case.toml").write_text(toml, encoding="utf-8")
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
    return tmp_path


TWO_CLAIMS = """
[event]
title = "Raid on an invented village"
date = 2021-05-01
place = "Nowhere"
reporter = "test"

[[claims]]
id = "monitor"
file = "claims/monitor.csv"
source = "A monitoring group"
published = "2021-05-02"
url = "https://example.org/monitor"
complete = true

[[claims]]
id = "ministry"
file = "claims/ministry.csv"
source = "A ministry"
"""


def two_claims(tmp_path: Path, **extra: str | bytes) -> Path:
    files: dict[str, str | bytes] = {
        "claims/monitor.csv": "id,name,sex,age\nm1,Layla Haddad,female,34\nm2,Sami Haddad,male,9\n",
        "claims/ministry.csv": "id;name;age\nk1;ليلى حداد;35\n",
    }
    files.update(extra)
    return make_case(tmp_path, TWO_CLAIMS, files)


# --- the case folder -------------------------------------------------------------------------


def test_case_folder(tmp_path):
    case = load_case(two_claims(tmp_path))
    assert lines(case) == []
    assert case.event == {
        "title": "Raid on an invented village",
        "date": "2021-05-01",
        "place": "Nowhere",
        "reporter": "test",
    }
    monitor, ministry = case.claims
    assert (monitor.id, monitor.source, monitor.published, monitor.complete) == (
        "monitor",
        "A monitoring group",
        "2021-05-02",
        True,
    )
    assert (monitor.url, monitor.file) == ("https://example.org/monitor", "claims/monitor.csv")
    assert monitor.path == str(tmp_path / "claims/monitor.csv")
    assert (ministry.encoding, ministry.delimiter, ministry.complete) == ("utf-8", ";", False)
    assert len(monitor.sha256) == 64
    records = case.records
    assert list(records.columns[: len(IDENTITY_COLUMNS) + len(TEXT_FIELDS)]) == [
        *IDENTITY_COLUMNS,
        *TEXT_FIELDS,
    ]
    assert records[["claim", "record_id", "file", "row", "name"]].values.tolist() == [
        ["monitor", "m1", "claims/monitor.csv", 2, "Layla Haddad"],
        ["monitor", "m2", "claims/monitor.csv", 3, "Sami Haddad"],
        ["ministry", "k1", "claims/ministry.csv", 2, "ليلى حداد"],
    ]
    assert records.loc[2, "sex"] == "" and records.loc[0, "age"] == "34"


def test_placeholders_extend_or_replace_the_defaults(tmp_path):
    toml = TWO_CLAIMS + '\n[settings]\nplaceholders = ["NK", "not stated"]\n'
    case = load_case(
        make_case(
            tmp_path / "a",
            toml,
            {"claims/monitor.csv": "id\n1\n", "claims/ministry.csv": "id\n1\n"},
        )
    )
    placeholders = case.settings["placeholders"]
    assert isinstance(placeholders, list)
    assert placeholders[-2:] == ["NK", "not stated"] and "unknown" in placeholders
    toml += "default_placeholders = false\n"
    case = load_case(
        make_case(
            tmp_path / "b",
            toml,
            {"claims/monitor.csv": "id\n1\n", "claims/ministry.csv": "id\n1\n"},
        )
    )
    assert case.settings["placeholders"] == ["NK", "not stated"]


def test_placeholders_reach_the_field_parser(tmp_path, monkeypatch):
    seen = []

    def parse_records(records, placeholders):
        seen.append(list(placeholders))
        return records.copy(), []

    monkeypatch.setattr("reconcile.load._parse_fields", parse_records)
    toml = TWO_CLAIMS + '\n[settings]\nplaceholders = ["NK"]\ndefault_placeholders = false\n'
    files = {"claims/monitor.csv": "id,name\n1,A\n", "claims/ministry.csv": "id,name\n1,B\n"}
    load_case(make_case(tmp_path, toml, files))
    assert seen == [["NK"], ["NK"]]


def test_folder_without_case_toml(tmp_path):
    case = load_case(tmp_path)
    assert lines(case) == [
        f"{tmp_path}: E003: no case.toml in this folder: add one (see docs/case-format.md) "
        "or give the claim CSV files themselves"
    ]


def test_malformed_toml_gives_its_line(tmp_path):
    case = load_case(make_case(tmp_path, '[event]\ntitle = "x"\n[[claims]\nid = "a"\n', {}))
    assert lines(case) == [
        "case.toml:3: E001: not valid TOML: Expected ']]' at the end of an array declaration"
    ]


def test_toml_not_utf8(tmp_path):
    (tmp_path / "case.toml").write_bytes('[event]\ntitle = "Café"\n'.encode("cp1252"))
    assert lines(load_case(tmp_path)) == [
        "case.toml: E001: not UTF-8 text (byte 20); save case.toml as UTF-8"
    ]


def test_bad_keys_are_all_reported(tmp_path):
    toml = """
[event]
title = "x"

[[claims]]
id = "Monitor Group"
file = "claims/a.csv"

[[claims]]
id = "b"
fiel = "claims/b.csv"
complete = "yes"

[claims.columns]
nmae = "full_name"

[[claims]]
id = "c"
file = "claims/c.csv"
encoding = "klingon"

[sources]
x = 1
"""
    case = load_case(make_case(tmp_path, toml, {"claims/c.csv": "id,name\n1,A\n"}))
    assert lines(case) == [
        "case.toml: E002: unknown table [sources]",
        "case.toml:6: E002: [[claims]] #1 id 'Monitor Group' is not a slug: give a short id "
        'of letters, digits, - or _ (e.g. id = "sohr")',
        "case.toml:11: E002: claim 'b': unknown key 'fiel'; did you mean 'file'?",
        "case.toml:9: E002: claim 'b' has no file: give its CSV, e.g. file = \"claims/x.csv\"",
        "case.toml:12: E002: claim 'b': complete must be true or false (no quotes)",
        "case.toml:14: E002: claim 'b': [claims.columns] maps unknown field 'nmae'; "
        "did you mean 'name'?",
        "case.toml:20: E002: claim 'c': unknown encoding 'klingon'",
    ]
    assert [c.id for c in case.claims] == ["c"]


def test_no_claims(tmp_path):
    case = load_case(make_case(tmp_path, '[event]\ntitle = "x"\n', {}))
    assert lines(case) == [
        "case.toml: E002: no [[claims]]: add one [[claims]] table per claim file"
    ]


def test_missing_claim_file(tmp_path):
    case = load_case(make_case(tmp_path, TWO_CLAIMS, {"claims/monitor.csv": "id,name\n1,A\n"}))
    assert lines(case) == [
        "case.toml:16: E003: claim 'ministry': file 'claims/ministry.csv' not found"
    ]


def test_duplicate_claim_id(tmp_path):
    toml = '[[claims]]\nid = "a"\nfile = "a.csv"\n\n[[claims]]\nid = "A"\nfile = "b.csv"\n'
    files = {"a.csv": "id,name\n1,A\n", "b.csv": "id,name\n1,A\n"}
    case = load_case(make_case(tmp_path, toml, files))
    assert lines(case) == ["case.toml:5: E005: claim id 'A' is used twice (also line 1)"]


def test_per_claim_encoding_and_delimiter(tmp_path):
    toml = '[[claims]]\nid = "a"\nfile = "a.csv"\nencoding = "cp1256"\ndelimiter = "tab"\n'
    data = "id\tname\n1\tعلي, حسن\n".encode("cp1256")
    case = load_case(make_case(tmp_path, toml, {"a.csv": data}))
    assert lines(case) == []
    assert case.claims[0].records["name"].tolist() == ["علي, حسن"]
    assert (case.claims[0].encoding, case.claims[0].delimiter) == ("cp1256", "\t")


# --- column mapping --------------------------------------------------------------------------


def mapped(tmp_path, columns: str, csv: str):
    toml = f'[[claims]]\nid = "x"\nfile = "x.csv"\n\n[claims.columns]\n{columns}\n'
    return load_case(make_case(tmp_path, toml, {"x.csv": csv}))


def test_mapping_one_column(tmp_path):
    case = mapped(tmp_path, 'name = "Designator AR"\nid = "ref"', "ref,designator_ar\nr1,علي\n")
    assert lines(case) == []
    assert case.records[["record_id", "name"]].values.tolist() == [["r1", "علي"]]


def test_mapping_joins_columns_skipping_blanks(tmp_path):
    case = mapped(
        tmp_path,
        'name = ["given", "father", "family"]',
        "id,given,father,family\n1,Omar, Khalid ,Aziz\n2,Huda,,Aziz\n",
    )
    assert case.records["name"].tolist() == ["Omar Khalid Aziz", "Huda Aziz"]
    assert [c for c in case.records.columns if c.startswith("extra:")] == []


def test_mapped_column_absent_suggests_the_closest(tmp_path):
    case = mapped(tmp_path, 'name = "designator_arr"', "id,designator_ar,age\n1,علي,3\n")
    assert lines(case) == [
        "x.csv:1:designator_arr: E004: no column 'designator_arr' (case.toml maps name to it); "
        "did you mean 'designator_ar'?",
        "x.csv:1:designator_ar: W302: unknown column 'designator_ar'; its values are kept as "
        "'extra:designator_ar'",
    ]


def test_mapping_wins_over_a_standard_header(tmp_path):
    case = mapped(tmp_path, 'name = "full"', "id,name,full\n1,Abu Ali,Ali Hassan\n")
    assert case.records[["name", "extra:name"]].values.tolist() == [["Ali Hassan", "Abu Ali"]]
    assert lines(case) == [
        "x.csv:1:name: W302: column 'name' is not read as name: case.toml maps name to another "
        "column; its values are kept as 'extra:name'"
    ]


# --- records ---------------------------------------------------------------------------------


def test_bare_files_are_claims_named_after_them():
    paths = [str(FIXTURES / "utf8.csv"), str(FIXTURES / "cp1256.csv")]
    case = load_case(paths)
    assert [c.id for c in case.claims] == ["utf8", "cp1256"]
    assert case.root == "" and case.claims[0].file == paths[0]
    assert case.records["name"].tolist() == [
        "Layla Haddad",
        "سامي نور",
        "سلمى يوسف الخطيب",
        "عمر ناصر",
    ]


def test_bare_file_problems(tmp_path):
    other = tmp_path / "sub"
    other.mkdir()
    shutil.copy(FIXTURES / "utf8.csv", other / "utf8.csv")
    case = load_case([FIXTURES / "utf8.csv", other / "utf8.csv", tmp_path / "gone.csv", tmp_path])
    assert lines(case) == [
        f"{other / 'utf8.csv'}: E005: claim 'utf8' comes from two files (also "
        f"{FIXTURES / 'utf8.csv'}): rename one, or write a case.toml",
        f"{tmp_path / 'gone.csv'}: E003: file not found",
        f"{tmp_path}: E003: a folder: give one case folder alone, or CSV files",
    ]


def test_names_that_look_like_missing_values_stay_names():
    case = load_case(FIXTURES / "null_names.csv")
    assert case.records["name"].tolist() == ["Nan", "None", "Null", "NA"]
    assert case.records["age"].tolist() == ["30", "41", "5", ""]
    # "na" is a default placeholder, so NA (the text kept) says the name is not known
    assert case.records["name_unknown"].tolist() == [False, False, False, True]


def test_headers_in_any_case_with_stray_spaces():
    case = load_case(FIXTURES / "header_case_space.csv")
    assert lines(case) == []
    r = case.records.iloc[0]
    assert (r.record_id, r["name"], r.sex, r.age_group, r.national_id) == (
        "1",
        "Maha Darwish",
        "F",
        "adult",
        "0012345",
    )


def test_embedded_newline_and_quote():
    case = load_case(FIXTURES / "embedded_newline.csv")
    assert case.records[["row", "name", "notes"]].values.tolist() == [
        [2, "Yusuf Rahal", "found under the stairs,\nsecond floor"],
        [4, 'Adel "Abu Samir" Haddad', ""],
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "ragged.csv",
            [
                "ragged.csv:3: E103: 2 cells but the header has 3",
                "ragged.csv:4: E103: 4 cells but the header has 3",
            ],
        ),
        ("duplicate_id.csv", ["duplicate_id.csv:4:id: E204: duplicate id '1' (also row 2)"]),
        (
            "duplicate_header.csv",
            [
                "duplicate_header.csv:1:Name: E106: 'Name' is a second name column (the first is "
                "'name', column 2); its values are kept as 'extra:Name (column 3)'"
            ],
        ),
        (
            "no_id.csv",
            [
                "no_id.csv:1:id: W301: no id column; each record gets the id row-N from its row "
                "(add ids to keep them stable)"
            ],
        ),
        ("blank_ids.csv", ["blank_ids.csv:3:id: W301: blank id; this record gets the id row-3"]),
        (
            "empty_record.csv",
            [
                "empty_record.csv:3: W303: empty record; it is left out",
                "empty_record.csv:4: W303: record '2' has an id but nothing else; it is left out",
            ],
        ),
        (
            "unknown_column.csv",
            [
                "unknown_column.csv:1:colour: W302: unknown column 'colour'; its "
                "values are kept as 'extra:colour'"
            ],
        ),
        ("empty.csv", ["empty.csv: E102: empty file: no header, no records"]),
    ],
)
def test_record_problems(name, expected):
    case = load_case(
        FIXTURES / name,
    )
    assert [line.removeprefix(str(FIXTURES) + "/") for line in lines(case)] == expected


def test_ragged_rows_are_kept_padded_or_cut():
    case = load_case(FIXTURES / "ragged.csv")
    assert case.records[["record_id", "name", "age"]].values.tolist() == [
        ["1", "Hiba Saad", "22"],
        ["2", "Ziad Saad", ""],
        ["3", "Omar Saad", "8"],
    ]


def test_ragged_row_spanning_lines_says_so(tmp_path):
    (tmp_path / "r.csv").write_text('id,name\n1,"Ali\nHassan",x\n')
    assert lines(load_case(tmp_path / "r.csv")) == [
        f"{tmp_path / 'r.csv'}:2: E103: 3 cells but the header has 2 (a quoted cell in it spans "
        "lines; this is the row where it starts)"
    ]


def test_derived_ids_and_extras():
    case = load_case(FIXTURES / "no_id.csv")
    assert case.records["record_id"].tolist() == ["row-2", "row-3"]
    case = load_case(FIXTURES / "unknown_column.csv")
    assert case.records["extra:colour"].tolist() == ["blue"]


def test_headerless_columns(tmp_path):
    (tmp_path / "h.csv").write_text("id,name,,\n1,Ali,,\n2,Omar,x,\n")
    case = load_case(tmp_path / "h.csv")
    assert lines(case) == [
        f"{tmp_path / 'h.csv'}:1:column 3: W302: column 3 has no header; its values are kept as "
        "'extra:column 3'"
    ]
    assert case.records["extra:column 3"].tolist() == ["", "x"]
    assert "extra:column 4" not in case.records.columns


def test_synonyms(tmp_path):
    (tmp_path / "s.csv").write_text("ID,Full-Name,Gender,Date of Birth,الاسم\n1,x,f,2001,علي\n")
    case = load_case(tmp_path / "s.csv")
    r = case.records.iloc[0]
    assert (r.sex, r.dob, r["name"]) == ("f", "2001", "علي")
    assert r["extra:Full-Name"] == "x"


def test_every_value_is_text():
    case = load_case(FIXTURES / "header_case_space.csv")
    for col in case.records.columns:
        if col in TEXT_FIELDS or col.startswith("extra:") or col in ("claim", "record_id", "file"):
            assert pd.api.types.is_string_dtype(case.records[col]), col


# --- counts.csv and decisions.csv -------------------------------------------------------------


def test_counts(tmp_path):
    counts = (
        "claim,category,count,qualifier,quote\n"
        'monitor, Killed ,12,at least,"at least 12 were killed"\n'
        "ministry,Wives of the  Target,2,,\n"
        "monitr,children,4,exact,\n"
        "ministry,women,four,,\n"
        "ministry,women,12+,,\n"
        "ministry,,3,atleast,\n"
        "ministry,men,3,roughly,\n"
    )
    case = load_case(two_claims(tmp_path, **{"counts.csv": counts}))
    assert lines(case) == [
        "counts.csv:4:claim: E402: unknown claim 'monitr'; did you mean 'monitor'?",
        "counts.csv:5:count: E401: 'four' is not a count; write a whole number such as 12",
        "counts.csv:6:count: E401: '12+' is not a count; write 12 in count and at_least in "
        "qualifier",
        "counts.csv:7:category: E401: no category (e.g. killed, children, women)",
        "counts.csv:8:qualifier: E401: 'roughly' is not a qualifier; use one of exact, "
        "at_least, at_most, approx",
    ]
    c = case.counts
    assert c[["claim", "category", "qualifier", "row"]].values.tolist()[:2] == [
        ["monitor", "killed", "at_least", 2],
        ["ministry", "wives of the target", "exact", 3],
    ]
    assert c["count_n"].tolist()[:3] == [12, 2, 4] and pd.isna(c["count_n"][3])
    assert c["quote"][0] == "at least 12 were killed" and c["file"][0] == "counts.csv"


def test_counts_missing_column(tmp_path):
    case = load_case(two_claims(tmp_path, **{"counts.csv": "claim,what,count\nmonitor,killed,3\n"}))
    assert lines(case) == [
        "counts.csv:1:what: W302: unknown column 'what'; it is ignored",
        "counts.csv:1:category: E004: no 'category' column; the columns are: claim, category, "
        "count, qualifier, quote",
    ]


def test_decisions(tmp_path):
    decisions = (
        "claim_a,record_a,claim_b,record_b,decision,by,date,why\n"
        "monitor,m1,ministry,k1,Same,RA,2021-06-01,same photo\n"
        "monitor,m3,ministry,k1,different,,,\n"
        "monitr,m1,ministry,k1,sam,,,\n"
        "monitor,m2,ministry,k1,,,,\n"
    )
    case = load_case(two_claims(tmp_path, **{"decisions.csv": decisions}))
    assert lines(case) == [
        "decisions.csv:3:record_a: E502: claim 'monitor' has no record 'm3'",
        "decisions.csv:4:claim_a: E502: unknown claim 'monitr'; did you mean 'monitor'?",
        "decisions.csv:4:decision: E501: 'sam' is not a decision; did you mean 'same'?",
        "decisions.csv:5:decision: E501: no decision; write same or different",
    ]
    d = case.decisions
    assert d["decision"].tolist() == ["same", "different", "sam", ""]
    assert d[["why", "file", "row"]].values.tolist()[0] == ["same photo", "decisions.csv", 2]


def test_problem_table(tmp_path):
    case = load_case(FIXTURES / "duplicate_id.csv")
    table = case.problem_table
    assert table[["code", "row", "column"]].values.tolist() == [["E204", 4, "id"]]


def test_field_problems_name_the_files_own_column(tmp_path):
    case = mapped(tmp_path, 'sex = "Gender "', "id,Gender,AGE\n1,femal,200\n")
    assert [p.format() for p in case.problems] == [
        "x.csv:2:Gender: E201: 'femal' is not a sex; did you mean 'female'?",
        "x.csv:2:AGE: E202: '200' is not an age; write 34, 30-35, ~40, 5 months or a word such "
        "as child",
    ]


def test_all_records_fill_other_claims_extras_with_blank():
    case = load_case([FIXTURES / "unknown_column.csv", FIXTURES / "utf8.csv"])
    assert case.records["extra:colour"].tolist() == ["blue", "", ""]


def test_field_problems_exact_messages(tmp_path):
    (tmp_path / "f.csv").write_text(
        "id,sex,age,age_group,dob,national_id,status,identified\n"
        "1,femal,12,elderly,31/02/2000,12AB,kiled,maybe\n"
        "2,girl,40,,,,,\n"
    )
    assert [
        p.format().removeprefix(str(tmp_path) + "/") for p in load_case(tmp_path / "f.csv").problems
    ] == [
        "f.csv:2:sex: E201: 'femal' is not a sex; did you mean 'female'?",
        "f.csv:2:dob: E203: '31/02/2000' is not a date; write 1990-02-03, 3/2/1990 (day first), "
        "1990-02 or 1990",
        "f.csv:2:national_id: E205: '12AB' is not an ID number; write its digits only",
        "f.csv:2:status: E201: 'kiled' is not a status; did you mean 'killed'?",
        "f.csv:2:identified: E201: 'maybe' is not a value for identified; write yes or no",
        "f.csv:2:age: W305: age '12' contradicts age group 'elderly' (elderly means 60+)",
        "f.csv:3:age: W305: age '40' contradicts sex 'girl' (child means 0-17)",
    ]


def test_unknown_claim_without_a_close_one_lists_the_claims(tmp_path):
    counts = "claim,category,count\nxyz,killed,3\n"
    case = load_case(two_claims(tmp_path, **{"counts.csv": counts}))
    assert lines(case) == [
        "counts.csv:2:claim: E402: unknown claim 'xyz'; the claims are: monitor, ministry"
    ]


def test_repeated_unknown_header_keeps_both(tmp_path):
    (tmp_path / "d.csv").write_text("id,name,source,Source\n1,Ali,tv,radio\n")
    case = load_case(tmp_path / "d.csv")
    assert case.records[["extra:source", "extra:Source (column 4)"]].values.tolist() == [
        ["tv", "radio"]
    ]
    assert [p.code for p in case.problems] == ["E106", "W302"]
    assert case.problems[0].message == (
        "'Source' is a second column of that name (the first is 'source', column 3); its values "
        "are kept as 'extra:Source (column 4)'"
    )


def test_case_toml_path_loads_its_folder(tmp_path):
    case = load_case(two_claims(tmp_path) / "case.toml")
    assert [c.id for c in case.claims] == ["monitor", "ministry"] and lines(case) == []
