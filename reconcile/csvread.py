"""Turn a CSV file's bytes into rows of text: detect encoding and delimiter, never guess types."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

from reconcile.problems import Problem

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
DELIMITER_NAMES: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Legacy single-byte encodings tried, in this order, when a file is neither BOM-marked nor UTF-8.
LEGACY_ENCODINGS: tuple[str, ...] = ("cp1256", "cp1252")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive, perhaps an Excel .xlsx workbook: save it as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook: save it as CSV"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)


class Table:
    """A decoded CSV: its header cells and its records, each with the line where it starts.

    A file read by the fast path (every record one line of exactly the header's width) keeps its
    cells as columns (`columns`: one text Series per header cell, `lines`: the line where each
    record starts); `rows` is then built only when asked for.
    """

    def __init__(
        self,
        header: list[str],
        rows: list[tuple[int, list[str]]] | None,
        encoding: str,
        delimiter: str,
        sha256: str,
        columns: list[pd.Series] | None = None,
        lines: np.ndarray | None = None,
    ) -> None:
        self.header = header
        self._rows = rows
        self.encoding = encoding
        self.delimiter = delimiter
        self.sha256 = sha256
        self.columns = columns
        self.lines = lines

    @property
    def rows(self) -> list[tuple[int, list[str]]]:
        """(spreadsheet row = line where the record starts, cells) of every record."""
        if self._rows is None:
            cells = zip(*(c.tolist() for c in self.columns or []), strict=True)
            lines = self.lines.tolist() if self.lines is not None else []
            self._rows = [(int(n), list(c)) for n, c in zip(lines, cells, strict=True)]
        return self._rows

    def __len__(self) -> int:
        """The number of records (the header not counted)."""
        if self._rows is None and self.lines is not None:
            return len(self.lines)
        return len(self.rows)


def encoding_name(encoding: str) -> str:
    """The canonical Python name of an encoding (`UTF8` -> `utf-8`); ValueError if unknown."""
    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r}") from None


def delimiter_char(delimiter: str) -> str:
    """Accept `,` `;` `|`, a tab, `\\t`, or the words comma/semicolon/tab/pipe; ValueError else."""
    words = {v: k for k, v in DELIMITER_NAMES.items()} | {"\\t": "\t"}
    d = words.get(delimiter.strip().lower(), delimiter)
    if len(d) != 1 or d in '"\r\n' or d.isalnum():
        raise ValueError(f"unusable delimiter {delimiter!r}: give one character such as ; or tab")
    return d


def _line_of(data: bytes, offset: int, encoding: str) -> int:
    """The 1-based line holding byte `offset`."""
    return data[:offset].decode(encoding, errors="replace").count("\n") + 1


def _utf16_without_bom(data: bytes) -> str | None:
    """`utf-16-le` or `utf-16-be` when the NUL bytes fall as in ASCII-heavy UTF-16 text."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for enc, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= 0.5 * len(zeros) and other.count(0) == 0:
            try:
                data.decode(enc)
            except UnicodeDecodeError:
                return None
            return enc
    return None


_BINARY_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})
_CHUNK = 1 << 22  # characters counted at a time (16 MB as UTF-32)


def _looks_binary(text: str) -> bool:
    """Mostly control characters: not something a person typed.

    Counts each distinct character once (numpy's bincount over the UTF-32 code points, in
    chunks) rather than asking unicodedata about every character of a large file.
    """
    if not text:
        return False
    counts = _distinct_chars(text)
    bad = sum(
        n
        for cp, n in counts.items()
        if unicodedata.category(chr(cp)) in _BINARY_CATEGORIES and chr(cp) not in "\t\r\n"
    )
    return bad > max(2, len(text) // 20)


@lru_cache(maxsize=1)
def _unsure_leads() -> np.ndarray:
    """True for each UTF-8 byte that can begin a character of _BINARY_CATEGORIES (or a
    control): ASCII controls but tab and line ends; a lead byte if any character it leads is."""
    unsure = np.zeros(256, dtype=bool)
    for b in range(128):
        unsure[b] = unicodedata.category(chr(b)) in _BINARY_CATEGORIES and chr(b) not in "\t\r\n"
    for lead, bits, span in ((range(0xC2, 0xE0), 6, 64), (range(0xE0, 0xF0), 12, 4096)):
        for b in lead:
            first = (b & (0x1F if bits == 6 else 0x0F)) << bits
            unsure[b] = any(
                unicodedata.category(chr(c)) in _BINARY_CATEGORIES
                for c in range(first, first + span)
            )
    unsure[0xF0:] = True
    return unsure


def _surely_text(data: bytes, n_chars: int) -> bool:
    """True when UTF-8 bytes hold too few possible control characters to look binary (as
    _looks_binary counts them), read from a count of each byte rather than each character."""
    sure = bytes(np.flatnonzero(~_unsure_leads()).tolist())
    return len(data.translate(None, sure)) <= max(2, n_chars // 20)  # the unsure bytes only


def _distinct_chars(text: str) -> dict[int, int]:
    """Each code point in the text and how often it occurs (numpy bincount over UTF-32, in
    chunks: a large file is never walked character by character in Python)."""
    counts: dict[int, int] = {}
    for start in range(0, len(text), _CHUNK):
        chunk = text[start : start + _CHUNK].encode("utf-32-le", "surrogatepass")
        found = np.bincount(np.frombuffer(chunk, dtype="<u4"))
        for cp in np.flatnonzero(found).tolist():
            counts[cp] = counts.get(cp, 0) + int(found[cp])
    return counts


_SYMBOLS = frozenset(
    [0xA4, 0xA6, 0xA8, 0xAC, 0xAF, 0xB2, 0xB3, 0xB9, 0xBC, 0xBD, 0xBE, 0x192, 0x2C6, 0x2020,
     0x2021, 0x2030]
)  # fmt: skip


def _score_chunk(codes: np.ndarray, letter: np.ndarray) -> tuple[int, int]:
    """_script_score's word part over code points that end at a word's end."""
    word = letter[codes]
    edges = np.flatnonzero(np.diff(np.concatenate(([0], word.view(np.int8), [0]))))
    starts, ends = edges[0::2], edges[1::2]  # each word is codes[start:end]
    if not len(starts):
        return 0, 0
    arabic = ((codes >= 0x600) & (codes <= 0x6FF)) | ((codes >= 0xFB50) & (codes <= 0xFEFF))
    accented = (codes >= 0xC0) & (codes <= 0x24F) & word  # × and ÷ are no letters

    def per_word(flags: np.ndarray) -> np.ndarray:
        total = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
        return total[np.minimum(ends, len(flags))] - total[np.minimum(starts, len(flags))]

    length = ends - starts
    n_arabic = per_word(arabic & word)
    n_accented = per_word(accented)
    # three accented letters in a row: a run starting at p lies in the word of p
    padded = np.concatenate((accented, [False, False]))
    runs = per_word(padded[:-2] & padded[1:-1] & padded[2:]) > 0
    mixed = (n_arabic > 0) & (n_arabic < length)
    pure = (n_arabic > 0) & ~mixed
    latin_bad = (n_arabic == 0) & (n_accented > 0) & (runs | (2 * n_accented > length))
    good = int(n_arabic[pure].sum() + n_accented[(n_arabic == 0) & ~latin_bad].sum())
    bad = int(length[mixed].sum() + length[latin_bad].sum())
    return good, bad


def _script_score(text: str) -> tuple[int, int]:
    """(plausible, implausible) letter counts for a legacy decoding of hand-typed names.

    Plausible: Arabic words of Arabic letters only; Latin words with a few accented letters.
    Implausible: words mixing Arabic and Latin letters, runs of three or more accented Latin
    letters (`ÚÈÏÇááå` is Arabic read as Windows-1252), and stray symbols such as `¤ ¦ ¬ ¹`.
    Words are runs of letters and combining marks (Arabic vowel signs are marks); the text is
    scored with numpy, a few million characters at a time, cut at line ends.
    """
    counts = _distinct_chars(text)
    if not counts:
        return 0, 0
    letter = np.zeros(max(counts) + 1, dtype=bool)
    letter[[cp for cp in counts if unicodedata.category(chr(cp))[0] in "LM"]] = True
    good = bad = 0
    start = 0
    while start < len(text):
        end = text.find("\n", start + _CHUNK) if start + _CHUNK < len(text) else -1
        end = len(text) if end < 0 else end
        chunk = text[start:end].encode("utf-32-le", "surrogatepass")
        g, b = _score_chunk(np.frombuffer(chunk, dtype="<u4"), letter)
        good, bad, start = good + g, bad + b, end
    return good, bad + sum(n for cp, n in counts.items() if cp in _SYMBOLS)


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


_UTF8_SEQUENCE_RE2 = (
    r"[\x{c2}-\x{df}][\x{80}-\x{bf}]|[\x{e0}-\x{ef}][\x{80}-\x{bf}]{2}"
    r"|[\x{f0}-\x{f4}][\x{80}-\x{bf}]{3}"
)


def _utf8_sequences(data: bytes) -> int:
    """len(_UTF8_SEQUENCE.findall(data)), counted by pyarrow (RE2) over the bytes read as
    Latin-1 (one character per byte), many times faster on a large file."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array([data.decode("latin-1")], type=pa.large_string())
    return int(pc.count_substring_regex(text, _UTF8_SEQUENCE_RE2)[0].as_py())


def _mostly_utf8(data: bytes) -> bool:
    """Invalid as UTF-8, yet more valid UTF-8 letters than bad bytes: a file of mixed encodings.

    (Windows-1256 or -1252 text makes a valid UTF-8 pair only by chance, a few times at most.)
    """
    valid = _utf8_sequences(data)
    invalid = data.decode("utf-8", errors="replace").count("\ufffd")
    return valid >= 3 and valid > invalid


def _guess_legacy(data: bytes) -> str | None:
    """The one of LEGACY_ENCODINGS that reads the bytes cleanly and clearly best, else None.

    Each decoding is scored by _script_score; the best must have no more than one implausible
    letter in ten and beat the other by a clear margin. (charset-normalizer alone was tried and
    rejected here: on a one-name Arabic file it prefers Windows-1252's `Úáí` to `علي`.)
    """
    decoded: dict[str, str] = {}
    for enc in LEGACY_ENCODINGS:
        try:
            decoded[enc] = data.decode(enc)
        except UnicodeDecodeError:
            continue
    if not decoded:
        return None
    if len(decoded) == len(LEGACY_ENCODINGS) and len(set(decoded.values())) == 1:
        return "cp1252"  # the same text either way: no Arabic letters in it
    scores = {enc: _script_score(text) for enc, text in decoded.items()}
    net = {enc: good - 2 * bad for enc, (good, bad) in scores.items()}
    ranked = sorted(decoded, key=lambda e: net[e], reverse=True)
    best = ranked[0]
    good, bad = scores[best]
    margin = net[best] - (net[ranked[1]] if len(ranked) > 1 else -2)
    if good == 0 or bad * 10 > good or margin < 2:
        return None
    return best


def _other_guess(data: bytes) -> str:
    """charset-normalizer's guess among all encodings, as a hint for --encoding ("" if none)."""
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding in LEGACY_ENCODINGS:
        return ""
    # only the single-byte families a casualty list plausibly comes in; a guess of shift_jis
    # for a garbled file would mislead more than help
    families = ("cp125", "iso8859", "cp720", "cp864", "mac_", "koi8")
    return best.encoding if best.encoding.startswith(families) else ""


def _pretty(encoding: str) -> str:
    return {"cp1256": "Windows-1256 (Arabic)", "cp1252": "Windows-1252 (Western)"}.get(
        encoding, encoding
    )


def decode(
    data: bytes, file: str, encoding: str | None = None
) -> tuple[str | None, str, list[Problem]]:
    """Decode a file's bytes: (text or None when unreadable, encoding used, problems)."""
    if encoding:
        enc = encoding_name(encoding)
        if enc == "utf-8" and data.startswith(codecs.BOM_UTF8):
            enc = "utf-8-sig"
        try:
            return data.decode(enc), enc, []
        except UnicodeDecodeError as e:
            line = _line_of(data, e.start, enc)
            byte = data[e.start : e.start + 1].hex().upper()
            msg = f"byte 0x{byte} cannot be read as {enc}, the encoding given for this file"
            return None, enc, [Problem("E105", file, msg, line)]
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc, []
            except UnicodeDecodeError as e:
                line = _line_of(data, e.start, enc)
                msg = f"the file starts as {enc} but is not valid {enc} here"
                return None, enc, [Problem("E105", file, msg, line)]
    if b"\x00" in data:
        enc16 = _utf16_without_bom(data)
        if enc16:
            return data.decode(enc16), enc16, [_guessed(file, enc16)]
        return None, "", [Problem("E101", file, _not_text(data))]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        if _mostly_utf8(data):
            byte = data[e.start : e.start + 1].hex().upper()
            msg = (
                f"the file is UTF-8 except for byte 0x{byte} in this row: it mixes encodings "
                "(a row pasted from another file?); retype the row's odd letters, or pass "
                "--encoding"
            )
            return None, "", [Problem("E104", file, msg, _line_of(data, e.start, "utf-8"))]
    else:
        return text, "utf-8", []
    enc_guess = _guess_legacy(data)
    if enc_guess is None:
        if _looks_binary(data.decode("latin-1")):
            return None, "", [Problem("E101", file, _not_text(data))]
        other = _other_guess(data)
        hint = f"; perhaps {other}" if other else ""
        msg = (
            "cannot tell the encoding: not UTF-8, and neither Windows-1256 (Arabic) nor "
            "Windows-1252 (Western) reads it cleanly; pass --encoding (cp1256 for Arabic "
            f"Windows, cp1252 for Western{hint})"
        )
        return None, "", [Problem("E104", file, msg)]
    return data.decode(enc_guess), enc_guess, [_guessed(file, enc_guess)]


def _guessed(file: str, enc: str) -> Problem:
    return Problem(
        "W304",
        file,
        f"not UTF-8; read as {_pretty(enc)}; if letters look wrong, pass --encoding",
    )


def _not_text(data: bytes) -> str:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return f"not a text file: it looks like {what}"
    return "not a text file (binary content); a claim must be a CSV file"


def _first_lines(text: str, n: int) -> list[str]:
    """text.splitlines()[:n] without splitting the whole of a large file."""
    size = 1 << 14
    while size < len(text):
        lines = text[:size].splitlines()
        if len(lines) > n + 1:  # line n+1 begun: the first n lines and their ends are whole
            return lines[:n]
        size *= 4
    return text.splitlines()[:n]


def sniff_delimiter(text: str) -> str:
    """The delimiter among DELIMITERS that splits the header and the first records most evenly."""
    sample = "\n".join(_first_lines(text, 30))
    best, best_key = ",", (-1.0, 0, 0)
    for rank, d in enumerate(DELIMITERS):
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=d) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:-1] if len(rows) > 2 else rows[1:]  # the last sampled line may be cut
        consistent = sum(1 for r in body if len(r) == width) / len(body) if body else 1.0
        key = (consistent, width, -rank)
        if key > best_key:
            best, best_key = d, key
    return best


def _parse(text: str, delimiter: str, strict: bool) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    out: list[tuple[int, list[str]]] = []
    start = 1
    for cells in reader:
        if cells:
            out.append((start, cells))
        start = reader.line_num + 1
    return out


def _quote_problem(text: str, delimiter: str, file: str) -> Problem | None:
    """E107 for a quoting error that a strict reading finds (a lenient reading goes on)."""
    return _strict_reading(text, delimiter, file)[0]


def _strict_reading(text: str, delimiter: str, file: str) -> tuple[Problem | None, bool]:
    """(E107 for a quoting error a strict reading finds, whether every record is one line)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    records = 0
    try:
        for _ in reader:
            records += 1
            start = reader.line_num + 1
    except csv.Error as e:
        if "end of data" in str(e):
            msg = (
                "a quoted cell opened in this row is never closed; "
                "the rest of the file was read into it"
            )
        else:
            msg = (
                "text after a closing quote; quote the whole cell and double any quote inside it "
                '(write "a ""b"" c")'
            )
        return Problem("E107", file, msg, start), False
    return None, records == reader.line_num


_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str"


def _read_simple(
    text: str, delimiter: str, quoted: bool = False, utf8: bytes = b""
) -> tuple[list[str], list[pd.Series], np.ndarray] | None:
    """(header, columns, line of each record) of a plain file, read fast; None for any other.

    Plain: no quote (or, with `quoted`, quotes that a strict csv reading found well formed and
    no record over more than one line), no NUL, no blank line between records, every record
    exactly as wide as the header, no cell longer than the csv module allows. Such a file reads
    the same with pyarrow's CSV reader as with the csv module (each line one record, cells split
    at the delimiter, line ends \\n, \\r\\n or \\r); anything else takes the careful path,
    which says what is wrong.
    `utf8`, when given, is the text's own UTF-8 bytes (not encoded again).
    """
    if (not quoted and '"' in text) or "\x00" in text or not delimiter.isascii():
        return None  # (pyarrow splits at one byte only: an Arabic comma takes the csv module)
    if "\r" in text:
        text, utf8 = text.replace("\r\n", "\n").replace("\r", "\n"), b""
    # the body: the lines from the header to the last record, as UTF-8 bytes (the file's own
    # when given: a view, not a copy; "\n" and an ASCII delimiter are one byte in both)
    data = utf8 or text.encode("utf-8")
    start, end = 0, len(data)
    while start < end and data[start] == 10:
        start += 1
    while end > start and data[end - 1] == 10:
        end -= 1
    skipped = start  # blank lines before the header (a "sep=" line)
    if start == end or data.find(b"\n\n", start, end) >= 0:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    first = data.find(b"\n", start, end)
    width = data.count(delimiter.encode(), start, first if first >= 0 else end) + 1
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(memoryview(data)[start:end]),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"' if quoted else False,
                double_quote=quoted,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=False,
            ),
        )
    except (pa.ArrowException, UnicodeEncodeError, ValueError):
        return None  # a ragged row, most often
    n = data.count(b"\n", start, end) + 1
    if table.num_rows != n:
        return None
    limit = csv.field_size_limit()
    for column in table.columns:
        if (pc.max(pc.binary_length(column)).as_py() or 0) < limit:
            continue  # no more characters than bytes
        longest = pc.max(pc.utf8_length(column)).as_py()
        if longest is not None and longest >= limit:
            return None
    header = [str(column[0].as_py()) for column in table.columns]
    columns = [
        pd.Series(pd.arrays.ArrowStringArray(column.slice(1), dtype=_TEXT))  # type: ignore[call-arg]
        for column in table.columns
    ]
    lines = np.arange(skipped + 2, skipped + n + 1, dtype=np.int64)
    return header, columns, lines


_BLANK_BYTES = re.compile(rb"[ \t\r\n\x00\xef\xbb\xbf]*")  # nothing but spaces, NULs and BOMs


def read_table(
    data: bytes, file: str, *, encoding: str | None = None, delimiter: str | None = None
) -> tuple[Table | None, list[Problem]]:
    """Read CSV bytes into a Table (None when the file cannot be read at all) and its problems."""
    sha = hashlib.sha256(data).hexdigest()
    if _BLANK_BYTES.fullmatch(data):  # (data.strip of these would copy a large file)
        return None, [Problem("E102", file, "empty file: no header, no records")]
    text, enc, problems = decode(data, file, encoding)
    if text is None:
        return None, problems
    # the text's own UTF-8 bytes, while the text is still what they hold
    utf8 = data[len(codecs.BOM_UTF8) :] if enc == "utf-8-sig" else data if enc == "utf-8" else b""
    if not (utf8 and _surely_text(utf8, len(text))) and _looks_binary(text):
        return None, [Problem("E101", file, _not_text(data))]
    if text.startswith("\ufeff"):
        text, utf8 = text[1:], b""
    if not text or text.isspace():  # (not text.strip(), without a copy)
        return None, [*problems, Problem("E102", file, "empty file: no header, no records")]
    # Excel's "sep=;" first line names the delimiter; it is blanked so the header stays line 2
    sep = re.match(r"sep=(.)(\r\n|\r|\n)", text)
    if sep:
        text, utf8 = sep.group(2) + text[sep.end() :], b""
    delim = delimiter_char(delimiter) if delimiter else sep.group(1) if sep else None
    delim = delim or sniff_delimiter(text)
    if '"' in text:  # quoted cells: read fast only what a strict reading finds well formed
        quote_problem, one_line = _strict_reading(text, delim, file)
        simple = _read_simple(text, delim, quoted=True, utf8=utf8) if one_line else None
    else:
        simple = _read_simple(text, delim, utf8=utf8)
        quote_problem = _quote_problem(text, delim, file) if simple is None else None
    if simple is not None:
        header, columns, lines = simple
        return Table(header, None, enc, delim, sha, columns, lines), problems
    if quote_problem:
        problems.append(quote_problem)
    rows = _parse(text, delim, strict=False)
    if not rows:
        return None, [*problems, Problem("E102", file, "empty file: no header, no records")]
    (_, header), body = rows[0], rows[1:]
    return Table(header, body, enc, delim, sha), problems
