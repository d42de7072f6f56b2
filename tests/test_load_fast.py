"""The fast loading path (plain files read by pyarrow, records built column by column) gives
exactly what the careful csv-module path gives: cells, rows, records, problems."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reconcile import load_case
from reconcile.csvread import Table, _parse, _read_simple, _strict_reading, read_table
from reconcile.records import build_records

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def careful(table: Table) -> Table:
    """The same table as the csv-module path holds it (rows, no columns)."""
    return Table(table.header, table.rows, table.encoding, table.delimiter, table.sha256)


def test_a_plain_file_takes_the_fast_path():
    table, problems = read_table(b"id,name\r\n1,Ali\r\n2, Omar \r\n", "a.csv")
    assert problems == [] and table is not None
    assert table.columns is not None and len(table) == 2
    assert table.rows == [(2, ["1", "Ali"]), (3, ["2", " Omar "])]


def test_well_quoted_one_line_records_take_the_fast_path():
    table, problems = read_table(b'id,name\n1,"Haddad, Layla"\n2,"Abu ""Ali"""\n3,a"b\n', "q.csv")
    assert problems == [] and table is not None and table.columns is not None
    assert table.rows == [(2, ["1", "Haddad, Layla"]), (3, ["2", 'Abu "Ali"']), (4, ["3", 'a"b'])]


def test_other_files_take_the_careful_path():
    for data in (
        b'id,name\n1,"Ali\nHassan"\n',  # a quoted cell over two lines
        b'id,name\n1,"Abu" Ali\n',  # text after a closing quote
        b"id,name\n1,Ali\n\n2,Omar\n",  # a blank line between records
        b"id,name\n1,Ali,x\n",  # a ragged row
    ):
        table, _ = read_table(data, "a.csv")
        assert table is not None and table.columns is None


line_text = st.lists(
    st.sampled_from([*",;\t| ab1é ع\x1c\x0b\u2028\u00a0-?", '"', '""', ',"', '",', ' "']),
    max_size=12,
).map("".join)


@SETTINGS
@given(
    st.lists(line_text, min_size=1, max_size=8),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from([",", ";", "\t", "|"]),
    st.booleans(),
)
def test_fast_path_reads_as_the_csv_module(lines, end, delimiter, blank_first):
    text = ("\n" if blank_first else "") + end.join(lines) + end
    _, one_line = _strict_reading(text, delimiter, "t.csv")
    read = [_read_simple(text, delimiter, quoted=True) if one_line else None]
    if '"' not in text:
        read.append(_read_simple(text, delimiter))
    slow = _parse(text, delimiter, strict=False)
    for simple in read:
        if simple is None:
            continue
        header, columns, numbers = simple
        cells = zip(*(c.tolist() for c in columns), strict=True)
        rows = [(n, list(c)) for n, c in zip(numbers.tolist(), cells, strict=True)]
        assert (header, rows) == (slow[0][1], slow[1:])


cell = st.sampled_from(["", " ", "a", " b ", "7", "row-3", "وليد", "\u00a0x", "x\u2028", "?"])
headers = st.lists(st.sampled_from(["id", "name", "sex", "age", "", "colour", "Name"]), min_size=1)


@settings(max_examples=60, deadline=None)
@given(headers, st.lists(st.lists(cell, min_size=7, max_size=7), max_size=12), st.booleans())
def test_records_are_the_same_from_columns_and_from_rows(header, cells, mapped):
    body = "\n".join(",".join(c[: len(header)]) for c in [header, *cells]) + "\n"
    table, _ = read_table(body.encode("utf-8"), "t.csv", delimiter=",")
    if table is None or table.columns is None:
        return
    mapping = {"name": ["name", "colour"]} if mapped and {"name", "colour"} <= set(header) else None
    fast, fast_problems = build_records(table, "c", "t.csv", mapping)
    slow, slow_problems = build_records(careful(table), "c", "t.csv", mapping)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast_problems == slow_problems


def test_a_large_file_in_chunks_loads_as_the_careful_path_loads_it(tmp_path: Path):
    # pyarrow reads a file of more than 1 MB in several chunks
    rows = ["id,name,sex,age,national_id,group"]
    for i in range(24_000):
        rid = "" if i % 5000 == 7 else f"P{i % 23_000}"  # blank ids, duplicates late on
        name = "زوجة محمد" if i % 997 == 0 else f"سامي نور {i}"
        age = "abc" if i % 3001 == 0 else str(i % 90)
        nid = "12a34" if i % 4001 == 0 else str(10**8 + i)
        rows.append(f"{rid},{name},{'FM'[i % 2]},{age},{nid},G{i % 50}")
    plain = "\n".join(rows) + "\n"
    assert len(plain.encode()) > 1_100_000
    quoted = plain.replace("سامي نور 1,", '"سامي نور 1",', 1)  # forces the careful path
    (tmp_path / "fast.csv").write_text(plain, encoding="utf-8")
    (tmp_path / "slow.csv").write_text(quoted, encoding="utf-8")
    fast = load_case(tmp_path / "fast.csv")
    slow = load_case(tmp_path / "slow.csv")
    a, b = fast.claims[0].records, slow.claims[0].records
    pd.testing.assert_frame_equal(
        a.drop(columns=["claim", "file"]), b.drop(columns=["claim", "file"])
    )
    assert [p.format().replace("fast.csv", "x") for p in fast.problems] == [
        p.format().replace("slow.csv", "x") for p in slow.problems
    ]
    assert {p.code for p in fast.problems} == {"W301", "E204", "E202", "E205"}
    assert a["row"].iloc[-1] == 24_001 and a["relation_term"].eq("wife").sum() == 25


def _old_score(text: str) -> tuple[int, int]:
    """The character-by-character reference for csvread._script_score."""
    import re
    import unicodedata

    words, current = [], []
    for ch in text:
        if unicodedata.category(ch)[0] in "LM":
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    good = bad = 0
    for word in words:
        arabic = sum(1 for ch in word if "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff")
        accented = sum(1 for ch in word if "\u00c0" <= ch <= "\u024f")
        if arabic and arabic < len(word):
            bad += len(word)
        elif arabic:
            good += arabic
        elif accented and (re.search(r"[\u00c0-\u024f]{3}", word) or 2 * accented > len(word)):
            bad += len(word)
        else:
            good += accented
    symbols = (
        "[\u00a4\u00a6\u00a8\u00ac\u00af\u00b2\u00b3\u00b9\u00bc-\u00be\u0192\u02c6"
        "\u2020\u2021\u2030]"
    )
    return good, bad + len(re.findall(symbols, text))


legacy_text = st.lists(
    st.sampled_from(
        [*"ab ,;\n\t-1\\[]^ÚÈÏÇáåé¤¬×÷ƒ‰", "علي", "ﻼ", "\u064e", "\u0301", "\x00", "ـ", "𝐀"]
    ),
    max_size=80,
).map("".join)


@SETTINGS
@given(legacy_text)
@example("xxé×éxx")
def test_script_score_counts_as_character_by_character(text):
    from reconcile.csvread import _script_score

    assert _script_score(text) == _old_score(text)


def test_script_score_in_chunks(monkeypatch):
    from reconcile import csvread

    text = "ÚÈÏÇ علي\nRenée ÀÁÂ x xxé×éxx\n" * 50
    monkeypatch.setattr(csvread, "_CHUNK", 7)
    assert csvread._script_score(text) == _old_score(text)


def test_a_large_legacy_file_is_recognised_quickly():
    from reconcile.csvread import decode

    rows = [f"{i},سامي نور الدين {i},ذكر" for i in range(60_000)]
    data = ("id,name,sex\n" + "\n".join(rows) + "\n").encode("cp1256")
    text, encoding, problems = decode(data, "big.csv")
    assert encoding == "cp1256" and [p.code for p in problems] == ["W304"]
    assert text is not None and text.startswith("id,name,sex\n0,سامي")


@SETTINGS
@given(st.binary(max_size=60) | st.text(max_size=30).map(lambda t: t.encode("utf-8") + b"\xe9\xc3"))
def test_utf8_sequences_counted_as_the_bytes_regex_counts_them(data):
    from reconcile.csvread import _UTF8_SEQUENCE, _utf8_sequences

    assert _utf8_sequences(data) == len(_UTF8_SEQUENCE.findall(data))


ids = st.lists(st.sampled_from(["A1", "a1", "A12", "B7", "b-7", "row-3", "A1x", "1A", "AB", ""]))


@SETTINGS
@given(
    st.lists(ids.map("".join), max_size=6),
    st.lists(ids.map("".join), min_size=1, max_size=30),
    st.sampled_from([0.6, 0.75, 0.9]),
)
def test_hints_among_many_choices_are_difflibs(words, choices, cutoff):
    from difflib import get_close_matches

    from reconcile import casetoml

    def reference(word: str) -> str:
        lowered = [c.lower() for c in choices]
        close = get_close_matches(word.lower(), lowered, n=1, cutoff=cutoff)
        return f"; did you mean '{choices[lowered.index(close[0])]}'?" if close else ""

    many, casetoml._MANY = casetoml._MANY, 0  # the rapidfuzz-bounded search even for a few
    try:
        assert casetoml.did_you_mean_each(words, choices, cutoff) == [reference(w) for w in words]
    finally:
        casetoml._MANY = many


def test_unknown_record_ids_get_hints_quickly_in_a_large_case(tmp_path: Path):
    rows = "\n".join(f"A{i},name {i}" for i in range(1, 30_001))
    (tmp_path / "a.csv").write_text("id,name\n" + rows + "\n", encoding="utf-8")
    (tmp_path / "case.toml").write_text('[[claims]]\nid = "a"\nfile = "a.csv"\n')
    decisions = "claim_a,record_a,claim_b,record_b,decision\n" + "".join(
        f"a,A{i}x,a,A{i + 1},same\n" for i in range(1, 200)
    )
    (tmp_path / "decisions.csv").write_text(decisions, encoding="utf-8")
    case = load_case(tmp_path)
    hints = [p.message for p in case.problems if p.code == "E502"]
    assert len(hints) == 199
    assert hints[0] == "claim 'a' has no record 'A1x'; did you mean 'A1'?"


def test_an_arabic_comma_as_delimiter_is_read_by_the_csv_module():
    for delimiter in ("،", "؛"):
        data = f"id{delimiter}name\n1{delimiter}علي\n".encode()
        table, problems = read_table(data, "x.csv", delimiter=delimiter)
        assert problems == [] and table is not None and table.columns is None
        assert table.rows == [(2, ["1", "علي"])]


def test_spaces_are_every_character_str_strip_takes():
    import sys

    from reconcile.records import SPACES

    assert set(SPACES) == {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}


_CELL = st.lists(
    st.sampled_from(["a", "ع", "é", "\u2003", "\xa0", " ", "\t", "\u3000", "\x85", "中", "\x1f"])
    | st.characters(exclude_categories=["Cs"]),
    max_size=6,
).map("".join)


@SETTINGS
@given(st.lists(_CELL, max_size=12), st.integers(0, 4), st.integers(1, 5))
def test_stripped_strips_what_str_strip_strips(cells, cut, chunk):
    """Read from the UTF-8 bytes, chunked and sliced arrow arrays included."""
    import pyarrow as pa

    from reconcile.records import _TEXT, _stripped

    arrow = pa.array(["pad"] * cut + cells, type=pa.large_string()).slice(cut)
    parts = [arrow.slice(i, chunk) for i in range(0, len(arrow), chunk)] or [arrow]
    column = pd.Series(
        pd.arrays.ArrowStringArray(pa.chunked_array(parts, type=pa.large_string()), dtype=_TEXT)  # type: ignore[call-arg]
    )
    assert _stripped(column).tolist() == [c.strip() for c in cells]


def _buffers(column: pd.Series) -> set[int]:
    return {b.address for c in column.array._pa_array.chunks for b in c.buffers() if b is not None}


def test_constant_and_unchanged_columns_share_memory(tmp_path: Path):
    """file and claim are one block repeated; a parsed column that equals its text column is
    that column; a blank parsed column is one shared block; the values are as before."""
    rows = [f"{i},Name {i},1990-01-0{1 + i % 9},{100 + i}" for i in range(70_000)]
    (tmp_path / "c.csv").write_text("id,name,dob,national_id\n" + "\n".join(rows) + "\n")
    case = load_case(tmp_path / "c.csv")
    records = case.claims[0].records
    assert records["file"].dtype == "str" and records["dob_n"].dtype == "str"
    assert records["file"].tolist() == [str(tmp_path / "c.csv")] * 70_000
    assert set(records["claim"]) == {"c"}
    assert len(_buffers(records["file"])) <= 3  # one block (and a slice of it) of 70,000 rows
    assert _buffers(records["dob_n"]) == _buffers(records["dob"])
    assert _buffers(records["national_id_n"]) == _buffers(records["national_id"])
    assert records["status_n"].tolist() == [""] * 70_000
    assert len(_buffers(records["status_n"])) <= 3
    again = case.records  # all claims at once keeps the dtypes and the values
    assert again["file"].dtype == "str" and again["dob_n"].tolist() == records["dob"].tolist()


@SETTINGS
@given(
    st.text(
        st.sampled_from(["a", "\n", "\t", "\x00", "\x07", "\x85", "\ue000", "\U000e0001", "ع", "é"])
        | st.characters(exclude_categories=["Cs"]),
        max_size=80,
    )
)
def test_text_the_byte_count_passes_never_looks_binary(text):
    """_surely_text is an upper bound from the UTF-8 bytes: what it passes, _looks_binary
    (counting each character) passes too."""
    from reconcile.csvread import _looks_binary, _surely_text

    if _surely_text(text.encode("utf-8"), len(text)):
        assert not _looks_binary(text)
    if not text.isascii() or _looks_binary(text):
        return
    assert _surely_text(text.encode("utf-8"), len(text))  # exact on ASCII text


@given(
    st.binary(max_size=12)
    | st.lists(
        st.sampled_from([b" ", b"\t", b"\r", b"\n", b"\x00", b"\xef", b"\xbb", b"\xbf", b"a"])
    ).map(b"".join)
)
def test_blank_files_are_what_strip_leaves_empty(data):
    import codecs

    from reconcile.csvread import _BLANK_BYTES

    blank = not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8)
    assert (_BLANK_BYTES.fullmatch(data) is not None) == blank
