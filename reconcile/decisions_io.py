"""Write decisions.csv one decision at a time, atomically (I/O: the review's only writer).

Appending keeps the file's existing bytes exactly (its header, its rows, its byte-order mark, its
delimiter and line ends) and adds one line; removing deletes exactly one line that this module
wrote. Each change is written to a temporary file beside decisions.csv and moved into place with
os.replace, so an interrupted review leaves the previous file, never half a file.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Mapping
from pathlib import Path

from reconcile.case import DECISION_COLUMNS
from reconcile.write import atomic_writer

DELIMITERS = (",", ";", "\t", "|")


class DecisionsFileError(Exception):
    """decisions.csv cannot be changed safely (the message names the file and what to do)."""


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes() if path.exists() else b""
    except OSError as e:
        raise DecisionsFileError(f"cannot read {path}: {e.strerror or e}") from e


def _layout(path: Path, data: bytes) -> tuple[list[str], str, str]:
    """(header columns, delimiter, line end) of an existing decisions.csv."""
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DecisionsFileError(
            f"{path} is not UTF-8 text (byte {e.start}): save it as UTF-8 before reviewing"
        ) from None
    first = text.splitlines()[0] if text.strip() else ""
    newline = "\r\n" if "\r\n" in text else "\n"
    for delim in DELIMITERS:
        header = [h.strip() for h in next(csv.reader([first], delimiter=delim), [])]
        if all(c in header for c in DECISION_COLUMNS[:5]):
            return header, delim, newline
    raise DecisionsFileError(
        f"{path}: the first line is not a decisions header; it needs the columns "
        f"{', '.join(DECISION_COLUMNS)}"
    )


def _line(row: Mapping[str, str], header: list[str], delim: str, newline: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator=newline).writerow(
        [row.get(h, "") for h in header]
    )
    return buf.getvalue()


def _replace(path: Path, data: bytes) -> None:
    try:
        with atomic_writer(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise DecisionsFileError(f"cannot write {path}: {e.strerror or e}") from e


def missing_columns(path: str | os.PathLike[str]) -> list[str]:
    """Columns of DECISION_COLUMNS that decisions.csv's header lacks (a missing file lacks none:
    it will be created whole). Rows appended leave these out, since the header is kept as is."""
    path = Path(path)
    data = _read(path)
    if not data.strip(codecs.BOM_UTF8 + b" \r\n\t"):
        return []
    header, _, _ = _layout(path, data)
    return [c for c in DECISION_COLUMNS if c not in header]


def append_decision(path: str | os.PathLike[str], row: Mapping[str, str]) -> bytes:
    """Add `row` (DECISION_COLUMNS keys) as the last line of decisions.csv; return the bytes
    written for it (give them to remove_decision to undo). A missing or empty file gets the
    standard header first."""
    path = Path(path)
    data = _read(path)
    if not data.strip(codecs.BOM_UTF8 + b" \r\n\t"):
        header, delim, newline = list(DECISION_COLUMNS), ",", "\n"
        data = _line(dict(zip(header, header, strict=True)), header, delim, newline).encode()
    else:
        header, delim, newline = _layout(path, data)
        if not data.endswith(b"\n"):
            data += newline.encode()
    line = _line(row, header, delim, newline).encode("utf-8")
    _replace(path, data + line)
    return line


def remove_decision(path: str | os.PathLike[str], line: bytes) -> bool:
    """Remove the last occurrence of `line` (bytes append_decision returned) from decisions.csv.

    False when the line is no longer there (someone edited the file meanwhile): nothing changes.
    """
    path = Path(path)
    data = _read(path)
    at = data.rfind(line)
    while at > 0 and data[at - 1 : at] != b"\n":
        at = data.rfind(line, 0, at)
    if at < 0:
        return False
    _replace(path, data[:at] + data[at + len(line) :])
    return True
