"""Reading CSV bytes: encodings, delimiters, quoting, and the problems of unreadable files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconcile.csvread import (
    Table,
    decode,
    delimiter_char,
    encoding_name,
    read_table,
    sniff_delimiter,
)
from reconcile.problems import Problem

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str, **kw: str) -> tuple[Any, list[Problem]]:
    """Table (typed Any so tests can use it directly; None where a test expects it) and problems."""
    return read_table((FIXTURES / name).read_bytes(), name, **kw)


def table_of(data: bytes, name: str, **kw: str) -> Table:
    table, _ = read_table(data, name, **kw)
    assert table is not None
    return table


def formatted(problems) -> list[str]:
    return [p.format() for p in problems]


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "cell"),
    [
        ("utf8.csv", "utf-8", ",", "سامي نور"),
        ("utf8_bom.csv", "utf-8-sig", ",", "سامي نور"),
        ("utf16_tab.txt", "utf-16", "\t", "عمر ناصر"),
        ("semicolon.csv", "utf-8", ";", "Rana Saleh"),
        ("tab.tsv", "utf-8", "\t", "Nour Karam"),
        ("pipe.csv", "utf-8", "|", "Tarek Aziz"),
    ],
)
def test_detects_encoding_and_delimiter(name, encoding, delimiter, cell):
    table, problems = read(name)
    assert problems == []
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert table.header[:2] == ["id", "name"]
    assert table.rows[1][1][1] == cell


def test_bom_is_not_part_of_the_first_header():
    table, _ = read("utf8_bom.csv")
    assert table.header[0] == "id"


def test_cp1256_arabic_is_guessed_and_said():
    table, problems = read("cp1256.csv")
    assert table.encoding == "cp1256"
    assert table.rows[0][1][1:3] == ["سلمى يوسف الخطيب", "أنثى"]
    assert formatted(problems) == [
        "cp1256.csv: W304: not UTF-8; read as Windows-1256 (Arabic); "
        "if letters look wrong, pass --encoding"
    ]


def test_cp1252_western_is_guessed_and_said():
    table, problems = read("cp1252.csv")
    assert table.encoding == "cp1252"
    assert [r[1][1] for r in table.rows] == ["José Peña", "Françoise Müller"]
    assert [p.code for p in problems] == ["W304"]


def test_utf16_without_bom_is_guessed():
    data = "id\tname\n1\tسلمى\n".encode("utf-16-le")
    table, problems = read_table(data, "x.txt")
    assert table is not None
    assert table.encoding == "utf-16-le" and table.rows[0][1] == ["1", "سلمى"]
    assert [p.code for p in problems] == ["W304"]


def test_stated_encoding_overrides_detection():
    data = FIXTURES.joinpath("cp1252.csv").read_bytes()
    table, problems = read_table(data, "cp1252.csv", encoding="latin-1")
    assert table is not None
    assert table.encoding == "iso8859-1" and problems == []


def test_stated_encoding_that_fails_names_the_row():
    data = "id,name\n1,Sami\n2,سامي\n".encode()
    table, problems = read_table(data, "a.csv", encoding="ascii")
    assert table is None
    assert formatted(problems) == [
        "a.csv:3: E105: byte 0xD8 cannot be read as ascii, the encoding given for this file"
    ]


def test_unsure_encoding_is_an_error_naming_the_option():
    # a file pieced together from a Windows-1252 list and a Windows-1256 one: each reading
    # garbles half of the names, so the loader refuses to guess
    data = "name\nPeña\n".encode("cp1252") + "علي\n".encode("cp1256")
    table, problems = read_table(data, "u.csv")
    assert table is None
    assert formatted(problems) == [
        "u.csv: E104: cannot tell the encoding: not UTF-8, and neither Windows-1256 (Arabic) "
        "nor Windows-1252 (Western) reads it cleanly; pass --encoding (cp1256 for Arabic "
        "Windows, cp1252 for Western)"
    ]


def test_unsure_encoding_hints_at_another_encoding():
    # Cyrillic in Windows-1251 reads as neither candidate; charset-normalizer names it
    data = "имя,возраст\nАнна Петрова,34\nИван Смирнов,40\n".encode("cp1251")
    table, problems = read_table(data, "ru.csv")
    assert table is None and [p.code for p in problems] == ["E104"]
    assert problems[0].message.endswith("cp1252 for Western; perhaps cp1251)")


def test_same_text_either_way_is_read_as_western():
    table, problems = read_table("name\nRenée\n".encode("cp1252"), "r.csv")
    assert table is not None
    assert table.encoding == "cp1252" and table.rows[0][1] == ["Renée"]
    assert [p.code for p in problems] == ["W304"]


def test_embedded_newline_and_quotes_row_is_where_the_record_starts():
    table, problems = read("embedded_newline.csv")
    assert problems == []
    assert table.rows == [
        (2, ["1", "Yusuf Rahal", "found under the stairs,\nsecond floor"]),
        (4, ["2", 'Adel "Abu Samir" Haddad', ""]),
    ]


def test_empty_file():
    assert formatted(read("empty.csv")[1]) == ["empty.csv: E102: empty file: no header, no records"]
    for data in (b"\xef\xbb\xbf", b"\n\n  \r\n", "\n".encode("utf-16")):
        assert [p.code for p in read_table(data, "e.csv")[1]] == ["E102"]


def test_not_text():
    assert formatted(read("not_text.csv")[1]) == [
        "not_text.csv: E101: not a text file: it looks like a zip archive, "
        "perhaps an Excel .xlsx workbook: save it as CSV"
    ]
    problems = read_table(bytes(range(1, 32)) * 20, "b.csv")[1]
    assert formatted(problems) == [
        "b.csv: E101: not a text file (binary content); a claim must be a CSV file"
    ]


def test_unclosed_quote():
    table, problems = read("unclosed_quote.csv")
    assert formatted(problems) == [
        "unclosed_quote.csv:2: E107: a quoted cell opened in this row is never closed; "
        "the rest of the file was read into it"
    ]
    assert table.rows[0][1][2].startswith("never closed\n2,Ruba")


def test_text_after_closing_quote():
    table, problems = read_table(b'id,name\n1,"Abu" Ali\n', "q.csv")
    assert table is not None
    assert formatted(problems) == [
        "q.csv:2: E107: text after a closing quote; quote the whole cell and double any "
        'quote inside it (write "a ""b"" c")'
    ]
    assert table.rows == [(2, ["1", "Abu Ali"])]


def test_stated_delimiter_overrides_sniffing():
    table, _ = read("semicolon.csv", delimiter=",")
    assert table.delimiter == "," and table.header == ["id;name;notes;age"]


def test_sniff_prefers_consistent_widths():
    # commas inside names do not fool it into reading a semicolon file as comma-separated
    text = "id;name\n1;Haddad, Layla\n2;Nour, Sami\n3;Aziz\n"
    assert sniff_delimiter(text) == ";"
    assert sniff_delimiter("name\nLayla\n") == ","


def test_option_values():
    assert encoding_name("UTF8") == "utf-8" and encoding_name("windows-1256") == "cp1256"
    assert delimiter_char("tab") == delimiter_char("\\t") == "\t"
    assert delimiter_char("semicolon") == ";"
    with pytest.raises(ValueError, match="unknown encoding 'klingon'"):
        encoding_name("klingon")
    with pytest.raises(ValueError, match="unusable delimiter"):
        delimiter_char(";;")


def test_decode_keeps_every_character():
    text, enc, problems = decode("Nan,None,\u200fعلي\n".encode(), "a.csv")
    assert text == "Nan,None,\u200fعلي\n" and enc == "utf-8" and problems == []


def test_sha256_is_of_the_bytes():
    import hashlib

    data = FIXTURES.joinpath("utf8.csv").read_bytes()
    table = table_of(data, "utf8.csv")
    assert table.sha256 == hashlib.sha256(data).hexdigest()


def test_byte_undefined_in_cp1252_is_read_as_cp1256_only_if_clean():
    # 0x8D is undefined in Windows-1252; in Windows-1256 it is the letter چ
    table, problems = read_table("name\nچرا\n".encode("cp1256"), "p.csv")
    assert table is not None and table.rows[0][1] == ["چرا"]
    assert [p.code for p in problems] == ["W304"]
    # but not when the letter sits inside a Latin word: that is no Arabic text
    assert [p.code for p in read_table(b"name\nPe\x8da\n", "x.csv")[1]] == ["E104"]


def test_excel_sep_line_names_the_delimiter():
    table = table_of(b"sep=;\r\nid;name\r\n1;Haddad, Layla\r\n", "sep.csv")
    assert (table.delimiter, table.header) == (";", ["id", "name"])
    assert table.rows == [(3, ["1", "Haddad, Layla"])]


def test_old_mac_line_endings():
    table = table_of(b'id,name\r1,Ali\r2,"Omar\rHassan"\r3,Zaid\r', "mac.csv")
    assert table.rows == [(2, ["1", "Ali"]), (3, ["2", "Omar\rHassan"]), (5, ["3", "Zaid"])]


def test_utf8_file_with_a_pasted_cp1252_row_is_refused_not_garbled():
    data = "id,name\n1,سامي نور\n2,ليلى حداد\n".encode() + "3,Renée\n".encode("cp1252")
    table, problems = read_table(data, "mixed.csv")
    assert table is None
    assert formatted(problems) == [
        "mixed.csv:4: E104: the file is UTF-8 except for byte 0xE9 in this row: it mixes "
        "encodings (a row pasted from another file?); retype the row's odd letters, or pass "
        "--encoding"
    ]


def test_arabic_commas_in_cp1256_do_not_look_like_utf8():
    # ب followed by the Arabic comma is, by chance, a valid UTF-8 pair (C8 A1)
    text = "id,notes\n1,قتل في الغارة مع أبنائه،ب، وبناته\n2,جريحة، نقلت إلى المشفى\n"
    table, problems = read_table(text.encode("cp1256"), "notes.csv")
    assert table is not None and table.encoding == "cp1256"
    assert [p.code for p in problems] == ["W304"]
    assert table.rows[0][1][1] == "قتل في الغارة مع أبنائه،ب، وبناته"
