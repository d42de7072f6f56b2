"""Tests for reconcile.write: BOM CSVs, formula injection, XLSX, SQLite, determinism, atomicity."""

from __future__ import annotations

import os
import sqlite3
import stat
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_sample import ARABIC_NAME, FORMULA_NAME, SCRIPT_NAME, build_kwargs, frames

import reconcile.report.xlsx as xlsx
import reconcile.write as w
from reconcile.report import build_report
from reconcile.write import (
    FORMATS,
    OutputError,
    neutralise,
    neutralise_frame,
    parse_formats,
    write_csv,
    write_outputs,
)

ALL_FILES = [
    "persons.csv",
    "person_fields.csv",
    "links.csv",
    "counts.csv",
    "pairs.csv",
    "report.md",
    "report.html",
    "report.json",
    "report.xlsx",
    "reconcile.sqlite",
]


def _write(out: Path, formats: object = None) -> list[Path]:
    kw = build_kwargs()
    return write_outputs(build_report(**kw), frames(kw), out, formats)  # type: ignore[arg-type]


@pytest.fixture
def written(tmp_path: Path) -> Path:
    _write(tmp_path / "out")
    return tmp_path / "out"


def _leftovers(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir() if p.name.startswith(".") or p.suffix == ".tmp")


# ---------------------------------------------------------------- formats


def test_every_format_by_default(tmp_path: Path):
    paths = _write(tmp_path / "new" / "out")
    assert [p.name for p in paths] == ALL_FILES
    assert sorted(p.name for p in (tmp_path / "new" / "out").iterdir()) == sorted(ALL_FILES)


def test_formats_subset(tmp_path: Path):
    paths = _write(tmp_path, "json, md")
    assert [p.name for p in paths] == ["report.md", "report.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "report.md"]


def test_parse_formats():
    assert parse_formats("csv,md") == ("csv", "md")
    assert parse_formats("md,CSV") == ("csv", "md")
    assert parse_formats(None) == FORMATS == parse_formats("all") == parse_formats("")
    with pytest.raises(ValueError) as e:
        parse_formats("csv,pdf,docx")
    assert str(e.value) == "unknown format docx, pdf; choose from csv, md, html, json, xlsx, sqlite"


def test_write_frames_csv(tmp_path: Path):
    kw = build_kwargs()
    paths = w.write_frames_csv({"links": kw["links"], "pairs": kw["pairs"]}, tmp_path / "m")
    assert [p.name for p in paths] == ["links.csv", "pairs.csv"]
    assert paths[0].read_bytes().startswith(b"\xef\xbb\xbfclaim,record_id,person_id,")
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="cannot create the output folder"):
        w.write_frames_csv({"links": kw["links"]}, tmp_path / "f")


def test_unwritable_output_folder_is_a_clear_error(tmp_path: Path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match=r"cannot create the output folder .*file"):
        _write(tmp_path / "file")


def test_files_get_ordinary_permissions(written: Path):
    umask = os.umask(0)
    os.umask(umask)
    for name in ALL_FILES:
        assert stat.S_IMODE((written / name).stat().st_mode) == 0o666 & ~umask


# ---------------------------------------------------------------- CSV


def test_csv_has_bom_and_keeps_arabic(written: Path):
    raw = (written / "persons.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfperson_id,claims,n_claims,")
    assert b"\r\n" not in raw
    df = pd.read_csv(
        written / "persons.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    assert df.loc[0, "name"] == ARABIC_NAME
    assert df.loc[1, "name"] == SCRIPT_NAME  # CSV is data: text kept, not escaped
    assert list(df["n_claims"]) == ["3", "1", "2", "1", "1", "1"]


def test_csv_neutralises_formulas_but_not_numbers(written: Path):
    df = pd.read_csv(
        written / "persons.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    assert df.loc[3, "name"] == "'" + FORMULA_NAME
    counts = pd.read_csv(
        written / "counts.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    assert counts.loc[1, "quote"] == "'-15 or more, =SUM(A1)"
    assert counts.loc[1, "stated_min"] == "15"  # numbers stay numbers


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("  =1", "'  =1"),
        ("-", "-"),
        ("-3", "-3"),
        ("+963", "+963"),
        ("2.5", "2.5"),
        ("Samir = Abu Ali", "Samir = Abu Ali"),
        ("سمير", "سمير"),
        ("", ""),
    ],
)
def test_neutralise(cell: str, expected: str):
    assert neutralise(cell) == expected


@given(st.text(max_size=20))
def test_neutralised_text_never_starts_a_formula(s: str):
    out = neutralise(s)
    assert out == s or out == "'" + s
    stripped = out.lstrip(" ")
    if stripped[:1] in ("=", "+", "-", "@", "\t", "\r"):
        assert out == s and w._SAFE.fullmatch(s)  # only plain numbers and a lone "-" stay


def test_neutralise_frame_leaves_numbers_and_missing_alone():
    df = pd.DataFrame({"t": ["=x", None, "ok"], "n": [-1, 2, 3], "f": [-1.5, float("nan"), 0.0]})
    out = neutralise_frame(df)
    assert list(out["t"].fillna("NA")) == ["'=x", "NA", "ok"]
    assert out["n"].tolist() == [-1, 2, 3] and out["n"].dtype == df["n"].dtype
    assert out["f"].dtype == df["f"].dtype
    assert df.loc[0, "t"] == "=x"  # the input frame is not modified


# ---------------------------------------------------------------- XLSX


def test_xlsx_one_sheet_per_table_and_no_formula(written: Path):
    from openpyxl import load_workbook

    wb = load_workbook(written / "report.xlsx")
    assert wb.sheetnames == [
        "persons",
        "person_fields",
        "links",
        "counts",
        "pairs",
        "records",
        "problems",
        "claims",
        "inputs",
        "about",
    ]
    ws = wb["persons"]
    header = [c.value for c in ws[1]]
    name = header.index("name") + 1
    assert ws.cell(row=2, column=name).value == ARABIC_NAME
    formula = ws.cell(row=5, column=name)
    assert formula.value == FORMULA_NAME and formula.data_type == "s" and formula.quotePrefix
    assert ws.cell(row=2, column=header.index("n_claims") + 1).value == 3  # a number
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
    about = dict(wb["about"].iter_rows(min_row=2, values_only=True))
    assert about["version"] and about["sha256:claims/alpha.csv"] == "a" * 64


def test_xlsx_has_no_run_time(written: Path):
    with zipfile.ZipFile(written / "report.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {xlsx.FIXED_ZIP_TIME}
        core = z.read("docProps/core.xml").decode()
    assert core.count(xlsx.FIXED_DOC_TIME) == 2


# ---------------------------------------------------------------- SQLite


def test_sqlite_holds_every_table(written: Path):
    con = sqlite3.connect(written / "reconcile.sqlite")
    tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
    assert tables == [
        "persons",
        "person_fields",
        "links",
        "counts",
        "pairs",
        "records",
        "problems",
        "claims",
        "inputs",
        "about",
    ]
    assert con.execute("select count(*) from persons").fetchone() == (6,)
    assert con.execute("select name, n_claims from persons where person_id='P1'").fetchone() == (
        ARABIC_NAME,
        3,
    )
    # text is kept exactly (SQL clients do not run formulas); NaN becomes NULL
    assert con.execute("select name from persons where person_id='P4'").fetchone() == (
        FORMULA_NAME,
    )
    assert con.execute(
        "select stated_max from counts where claim='beta' and category='killed'"
    ).fetchone() == (None,)
    assert con.execute("select sha256 from inputs where file='claims/beta.csv'").fetchone() == (
        "b" * 64,
    )
    con.close()


# ---------------------------------------------------------------- determinism


def test_identical_inputs_give_byte_identical_files(tmp_path: Path):
    _write(tmp_path / "one")
    _write(tmp_path / "two")
    _write(tmp_path / "two")  # and rewriting over the previous run
    for name in ALL_FILES:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), (
            name
        )


# ---------------------------------------------------------------- atomicity


class _Boom(RuntimeError):
    pass


def test_failed_report_leaves_previous_file_and_no_temp(written: Path, monkeypatch):
    before = {n: (written / n).read_bytes() for n in ALL_FILES}

    def partial_then_fail(path: Path, text: str, encoding: str = "utf-8") -> Path:
        with w.atomic_writer(path, "wb") as f:
            f.write(text.encode()[:100])  # part of the report is on disk, in the temp file
            raise _Boom("interrupted")

    monkeypatch.setattr(w, "write_text", partial_then_fail)
    with pytest.raises(_Boom):
        _write(written, "md")
    assert (written / "report.md").read_bytes() == before["report.md"]
    assert _leftovers(written) == []


def test_failed_csv_leaves_previous_file_and_no_temp(written: Path, monkeypatch):
    before = (written / "persons.csv").read_bytes()

    class Half:
        def to_csv(self, f, **kw):
            f.write("person_id,cla")
            raise _Boom("disk full")

    monkeypatch.setattr(w, "neutralise_frame", lambda df: Half())
    with pytest.raises(_Boom):
        write_csv(written / "persons.csv", pd.DataFrame({"a": [1]}))
    assert (written / "persons.csv").read_bytes() == before
    assert _leftovers(written) == []


def test_failed_sqlite_and_xlsx_leave_previous_files(written: Path, monkeypatch):
    before = {n: (written / n).read_bytes() for n in ("reconcile.sqlite", "report.xlsx")}

    def fill_then_fail(con, frames):
        con.execute("create table half (x)")
        raise _Boom("interrupted")

    monkeypatch.setattr(w, "_sqlite_fill", fill_then_fail)
    with pytest.raises(_Boom):
        _write(written, "sqlite")

    def half_sheet(*a):
        yield "<worksheet>"
        raise _Boom("interrupted")

    monkeypatch.setattr(xlsx, "sheet_chunks", half_sheet)
    with pytest.raises(_Boom):
        _write(written, "xlsx")
    for name, data in before.items():
        assert (written / name).read_bytes() == data
    assert _leftovers(written) == []


def test_output_errors_name_the_file(written: Path, monkeypatch):
    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(w.os, "replace", refuse)
    with pytest.raises(OutputError) as e:
        _write(written, "json")
    assert str(e.value) == f"cannot write {written / 'report.json'}: Permission denied"
    assert _leftovers(written) == []


# ---------------------------------------------------------------- CSVs rendered by pyarrow


def _pandas_csv(df: pd.DataFrame) -> bytes:
    """The bytes write_csv's pandas path gives (the reference csvout must equal)."""
    safe = w.neutralise_frame(w._whole_floats_as_ints(df))
    return safe.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


def _arrow_csv(df: pd.DataFrame, chunk_rows: int = 3) -> bytes | None:
    from reconcile import csvout

    chunks = csvout.render(df, w._TRIGGER.pattern, w._SAFE.pattern, chunk_rows=chunk_rows)
    return None if chunks is None else b"".join(bytes(c) for c in chunks)


_CELL = st.one_of(
    st.sampled_from(["", "-", "-3", "+12.5", "=1+1", " @x", "\tt", "a,b", 'say "hi"', "a\nb"]),
    st.sampled_from(["x\ry", "-abc", "مُحمّد", "'q", "1e5", " ", "None", "nan"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8),
)
_FLOAT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-5, 1e-4, 0.00012, 6.588, -20.1326, 1e16, 123.0, 2.5]),
    st.integers(-(10**6), 10**6).map(lambda i: i / 10**4),
)


@given(
    st.lists(st.tuples(_CELL, _FLOAT, st.booleans(), st.integers(-(2**40), 2**40)), max_size=12),
    st.booleans(),
)
def test_arrow_csv_equals_pandas_csv(rows: list[tuple[str, float, bool, int]], blanks: bool):
    texts = [r[0] for r in rows]
    df = pd.DataFrame(
        {
            "text": pd.Series(texts, dtype="str"),
            "object": pd.Series(
                [None if blanks and i % 2 else t for i, t in enumerate(texts)], dtype=object
            ),
            "float": pd.Series([r[1] for r in rows], dtype="float64"),
            "whole": pd.Series(
                [float(r[3] % 1000) if i % 3 else None for i, r in enumerate(rows)], dtype="float64"
            ),
            "flag": pd.Series([r[2] for r in rows], dtype=bool),
            "int": pd.Series([r[3] for r in rows], dtype="int64"),
            "Int64": pd.array([None if r[2] else r[3] for r in rows], dtype="Int64"),
            'a,"b"': pd.Series(texts, dtype="str"),
            "category": pd.Categorical(
                [None if blanks and i % 3 else t for i, t in enumerate(texts)]
            ),
        }
    )
    assert _arrow_csv(df) == _pandas_csv(df)


def test_arrow_csv_of_an_empty_frame_is_its_header():
    df = pd.DataFrame({"a": pd.Series([], dtype="str"), "b": pd.Series([], dtype=float)})
    assert _arrow_csv(df) == _pandas_csv(df) == b"a,b\n"


def test_arrow_csv_leaves_other_columns_to_pandas(tmp_path: Path):
    mixed = pd.DataFrame({"a": pd.Series(["x", 3, -2.5], dtype=object), "b": [1, 2, 3]})
    dates = pd.DataFrame({"a": pd.to_datetime(["2024-01-02"] * 2), "b": [1, 2]})
    single = pd.DataFrame({"a": ["", "x"]})
    for df in (mixed, dates, single):
        assert _arrow_csv(df) is None
        write_csv(tmp_path / "t.csv", df)
        assert (tmp_path / "t.csv").read_bytes() == b"\xef\xbb\xbf" + _pandas_csv(df)


def test_arrow_csv_is_what_write_csv_writes(tmp_path: Path):
    df = pd.DataFrame({"name": ["=cmd()", "أحمد, علي"], "score": [1.5, float("nan")]})
    write_csv(tmp_path / "t.csv", df)
    got = (tmp_path / "t.csv").read_bytes()
    assert got == b"\xef\xbb\xbf" + _pandas_csv(df)
    assert got.decode("utf-8-sig") == 'name,score\n\'=cmd(),1.5\n"أحمد, علي",\n'


def test_arrow_floats_are_numpys_str():
    from reconcile.csvout import _float_strings

    rng = np.random.default_rng(7)
    scale = 10.0 ** rng.integers(-8, 18, 20_000)
    values = np.concatenate(
        [
            rng.standard_normal(20_000) * scale,
            np.round(rng.standard_normal(20_000) * 30, 4),
            np.round(rng.random(20_000), 6),
            [0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, 1e16, 9999999999999998.0],
        ]
    )
    got = _float_strings(values).to_pylist()
    want = ["" if np.isnan(v) else s for v, s in zip(values, values.astype(str), strict=True)]
    assert got == want
