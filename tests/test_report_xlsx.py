"""Tests for reconcile.report.xlsx: a valid workbook, values typed right, text kept, fixed bytes."""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

import reconcile.report.xlsx as xlsx
from reconcile.write import _quoted


def _book(tables):
    return load_workbook(io.BytesIO(xlsx.xlsx_bytes(tables, _quoted)))


def test_column_letters():
    assert [xlsx.column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_every_part_is_well_formed_xml():
    df = pd.DataFrame({"a": ["x & <y>", None], "b": [1.5, math.nan]})
    with zipfile.ZipFile(io.BytesIO(xlsx.xlsx_bytes([("t", df)], _quoted))) as z:
        names = z.namelist()
        for name in names:
            ET.fromstring(z.read(name))
    assert names[0] == "[Content_Types].xml" and "xl/worksheets/sheet1.xml" in names


def test_values_keep_their_types():
    df = pd.DataFrame(
        {
            "text": ["سمير الحداد", "a\x01b", "", None, "x" * 40_000],
            "int": [1, -2, 3, 2**60, 0],
            "nullable": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "float": [0.5, 1e-05, 3.0, math.nan, math.inf],
            "flag": [True, False, True, False, True],
        }
    )
    ws = _book([("t", df)])["t"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("سمير الحداد", 1, 1, 0.5, True)
    assert rows[1] == ("ab", -2, None, 1e-05, False)  # a control character XML cannot hold
    assert rows[2] == (None, 3, 3, 3, True)  # an empty text is an empty cell
    assert rows[3] == (None, 2**60, 4, None, False)  # big ints exact; NaN empty
    assert rows[4][0] == "x" * xlsx.EXCEL_MAX_CHARS and rows[4][3] is None  # inf empty
    assert [c.value for c in ws[1]] == ["text", "int", "nullable", "float", "flag"]
    assert ws[1][0].font.b and ws.freeze_panes == "A2"


def test_formula_text_is_a_quoted_string_never_a_formula():
    df = pd.DataFrame({"name": ["=1+1", "-", "-3", "@x", "ok", "+cmd"]})
    ws = _book([("t", df)])["t"]
    cells = [ws.cell(row=r, column=1) for r in range(2, 8)]
    assert [c.value for c in cells] == ["=1+1", "-", "-3", "@x", "ok", "+cmd"]
    assert all(c.data_type == "s" for c in cells)
    assert [bool(c.quotePrefix) for c in cells] == [True, False, False, True, False, True]


def test_sheet_names_are_legal_and_unique():
    t = pd.DataFrame({"a": [1]})
    wb = _book([("a/b:c", t), ("x" * 40, t), ("x" * 40, t)])
    assert wb.sheetnames == ["a_b_c", "x" * 31, "x" * 27 + " (2)"]


def test_too_many_rows_are_cut_with_a_note(monkeypatch):
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 5)
    df = pd.DataFrame({"a": range(10)})
    ws = load_workbook(io.BytesIO(xlsx.xlsx_bytes([("t", df)], _quoted, "see the sqlite")))["t"]
    values = [r[0] for r in ws.iter_rows(values_only=True)]
    assert values == ["a", 0, 1, 2, "see the sqlite"]


def test_same_tables_same_bytes():
    df = pd.DataFrame({"a": ["x", "y"], "b": [1.25, 2]})
    assert xlsx.xlsx_bytes([("t", df)], _quoted) == xlsx.xlsx_bytes([("t", df.copy())], _quoted)


def test_pandas_reads_it_back():
    df = pd.DataFrame({"person_id": ["P1", "P2"], "n_claims": [3, 1], "name": ["سمير", "=x"]})
    back = pd.read_excel(io.BytesIO(xlsx.xlsx_bytes([("persons", df)], _quoted)), "persons")
    assert back.to_dict("list") == df.to_dict("list")


@pytest.mark.parametrize("n", [0, 1])
def test_empty_tables(n):
    df = pd.DataFrame({"a": ["v"] * n, "b": [1] * n})
    ws = _book([("t", df)])["t"]
    assert ws.max_row == 1 + n


def test_large_tables_are_built_in_chunks(monkeypatch):
    monkeypatch.setattr(xlsx, "CHUNK_ROWS", 3)
    df = pd.DataFrame({"i": range(10), "t": [f" {i} " for i in range(10)]})
    ws = _book([("t", df)])["t"]
    assert list(ws.iter_rows(min_row=2, values_only=True)) == [(i, f" {i} ") for i in range(10)]
