"""Turn a decoded table into records: match headers to fields, give ids, drop empty rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reconcile.casetoml import did_you_mean
from reconcile.csvread import Table
from reconcile.problems import Problem
from reconcile.schema import FIELDS, TEXT_FIELDS

# Other header spellings read as a standard field (after lower-casing, trimming, and turning
# spaces, hyphens and dots into `_`). Documented in docs/case-format.md.
SYNONYMS: dict[str, str] = {
    "gender": "sex",
    "date_of_birth": "dob",
    "birth_date": "dob",
    "birthdate": "dob",
    "age_category": "age_group",
    "kunya": "alias",
    "nickname": "alias",
    "national_id_number": "national_id",
    "family": "group",
    "household": "group",
    "note": "notes",
    "comment": "notes",
    "comments": "notes",
    "الاسم": "name",
    "الجنس": "sex",
    "العمر": "age",
    "تاريخ_الميلاد": "dob",
    "رقم_الهوية": "national_id",
    "ملاحظات": "notes",
}
EXTRA = "extra:"


def header_key(header: str) -> str:
    """A header as compared: lower case, trimmed, runs of spaces, `-` and `.` as one `_`."""
    return re.sub(r"[\s\-.]+", "_", header.strip().lower()).strip("_")


@dataclass
class Plan:
    """Which cells feed which column: field -> header indices (joined by a space), extras."""

    fields: dict[str, list[int]] = field(default_factory=dict)
    extras: list[tuple[str, int]] = field(default_factory=list)  # (column name, header index)
    unknown: list[int] = field(default_factory=list)  # header indices matching no field


def plan_columns(
    header: list[str],
    file: str,
    mapping: dict[str, list[str]] | None = None,
    known: tuple[str, ...] = FIELDS,
    synonyms: dict[str, str] | None = None,
) -> tuple[Plan, list[Problem]]:
    """Match a file's header to `known` fields, honouring a case.toml mapping (field -> headers).

    Problems: E004 for a mapped header that is absent, E106 for a field given twice, W302 for a
    header that is no field (its values are kept in an `extra:<header>` column).
    """
    plan, problems = Plan(), []
    syn = SYNONYMS if synonyms is None else synonyms
    keys = [header_key(h) for h in header]
    used: set[int] = set()
    for fld, wanted in (mapping or {}).items():
        idx = []
        for want in wanted:
            hits = [i for i, k in enumerate(keys) if k == header_key(want)]
            if not hits:
                shown = [h.strip() for h in header if h.strip()]
                msg = f"no column '{want}' (case.toml maps {fld} to it){did_you_mean(want, shown)}"
                problems.append(Problem("E004", file, msg, 1, want))
                continue
            idx.append(hits[0])
        if idx:
            plan.fields[fld] = idx
            used.update(idx)
    first_at: dict[str, int] = {}  # field, or an unknown header's key -> its first column
    for i, (raw, key) in enumerate(zip(header, keys, strict=True)):
        if i in used:
            continue
        name = raw.strip()
        fld = key if key in known else syn.get(key, "")
        again = (fld and fld in first_at) or (not fld and key and key in first_at)
        if again:
            first = first_at[fld or key]
            what = f"{fld} column" if fld else "column of that name"
            column = f"{EXTRA}{name} (column {i + 1})"
            msg = (
                f"'{name}' is a second {what} (the first is '{header[first].strip()}', "
                f"column {first + 1}); its values are kept as '{column}'"
            )
            problems.append(Problem("E106", file, msg, 1, name))
            plan.extras.append((column, i))
        elif fld and fld in plan.fields:
            msg = (
                f"column '{name}' is not read as {fld}: case.toml maps {fld} to another "
                f"column; its values are kept as '{EXTRA}{name}'"
            )
            problems.append(Problem("W302", file, msg, 1, name))
            plan.extras.append((f"{EXTRA}{name}", i))
        elif fld:
            plan.fields[fld] = [i]
            first_at[fld] = i
        else:
            label = name or f"column {i + 1}"
            plan.extras.append((f"{EXTRA}{label}", i))
            plan.unknown.append(i)
            if key:
                first_at[key] = i
    return plan, problems


def field_headers(header: list[str], mapping: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Each field read from the file -> its header(s) as the file spells them (`+`-joined)."""
    plan, _ = plan_columns(header, "", mapping)
    return {f: "+".join(header[i].strip() for i in ix) for f, ix in plan.fields.items()}


def _unknown_header_problems(
    header: list[str], plan: Plan, file: str, known: tuple[str, ...]
) -> list[Problem]:
    out = []
    names = dict((i, name) for name, i in plan.extras)
    for i in plan.unknown:
        raw, name = header[i].strip(), names[i]
        if not raw:
            msg = f"column {i + 1} has no header; its values are kept as '{name}'"
            out.append(Problem("W302", file, msg, 1, f"column {i + 1}"))
            continue
        hint = did_you_mean(raw, known, cutoff=0.75)
        msg = f"unknown column '{raw}'; its values are kept as '{name}'{hint}"
        out.append(Problem("W302", file, msg, 1, raw))
    return out


def _cells(table: Table, file: str) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """Rows with exactly the header's width (padded or cut) and E103 for those that were not."""
    width, out, problems = len(table.header), [], []
    for row, cells in table.rows:
        if len(cells) != width and any(c.strip() for c in cells):
            spans = (
                " (a quoted cell in it spans lines; this is the row where it starts)"
                if any("\n" in c for c in cells)
                else ""
            )
            msg = f"{len(cells)} cells but the header has {width}{spans}"
            problems.append(Problem("E103", file, msg, row))
        out.append((row, (cells + [""] * width)[:width]))
    return out, problems


_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str"


def _arrow(column: pd.Series) -> pa.Array:
    """A text column as one arrow array (a large column comes in chunks)."""
    text = pa.array(column)
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


# every character str.isspace() (and so str.strip()) takes for a space, and the UTF-8 bytes
# that can begin or end one: an ASCII space or control, C2 85 / C2 A0, or a three-byte
# character led by E1, E2 or E3 (U+1680, U+2000-U+3000)
SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[ord(c) for c in SPACES if ord(c) < 128]] = True
_LEAD3 = np.zeros(256, dtype=bool)
_LEAD3[[0xE1, 0xE2, 0xE3]] = True
_NEXT2 = np.zeros(256, dtype=bool)
_NEXT2[[0x85, 0xA0]] = True


def _edges(chunk: pa.Array) -> np.ndarray:
    """True where a cell may start or end with a space (every cell that does, and a few
    others), read from the UTF-8 bytes of a null-free arrow text array."""
    n = len(chunk)
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    buffers = chunk.buffers()
    offsets = np.frombuffer(buffers[1], dtype=width)[chunk.offset : chunk.offset + n + 1]
    if buffers[2] is None or not len(buffers[2]):
        return np.zeros(n, dtype=bool)
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    start, end = offsets[:-1].astype(np.int64), offsets[1:].astype(np.int64)
    length = end - start
    some = length > 0
    first = data[np.where(some, start, 0)]
    second = data[np.where(length > 1, start + 1, 0)]
    last = data[np.where(some, end - 1, 0)]
    before = data[np.where(length > 1, end - 2, 0)]
    third = data[np.where(length > 2, end - 3, 0)]
    starts = _ASCII_SPACE[first] | _LEAD3[first] | ((first == 0xC2) & _NEXT2[second])
    ends = _ASCII_SPACE[last] | ((before == 0xC2) & _NEXT2[last]) | _LEAD3[third]
    return some & (starts | ends)


def _stripped(column: pd.Series) -> pd.Series:
    """Each cell as str.strip() leaves it; only cells that start or end with a space are touched
    (found from the text's UTF-8 bytes; Python strips the few that may)."""
    arrow = getattr(column.array, "_pa_array", None)
    text = pa.chunked_array(arrow) if arrow is not None else None
    kinds = (pa.string(), pa.large_string())
    if text is None or text.null_count or text.type not in kinds:
        values = column.tolist()
        edge = np.array([isinstance(v, str) and v != v.strip() for v in values], dtype=bool)
    else:
        parts = [_edges(c) for c in text.chunks]
        edge = np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    if not edge.any():
        return column
    column = column.copy()
    column[edge] = [c.strip() for c in column[edge].tolist()]
    return column


_BLOCK = 1 << 16  # rows in one block of a repeated column


def repeated(value: str, n: int) -> pd.Series:
    """A text column of n times the same value, its blocks sharing one buffer: a claim's `file`
    and `claim`, a field no column gives, take a block's memory, not a million cells'."""
    block = pa.repeat(pa.scalar(value, pa.large_string()), min(n, _BLOCK))
    chunks = [block] * (n // _BLOCK) + ([block.slice(0, n % _BLOCK)] if n % _BLOCK else [])
    array = pa.chunked_array(chunks, type=pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(array, dtype=_TEXT))  # type: ignore[call-arg]


def _again(column: pd.Series) -> np.ndarray:
    """True where the value appeared in an earlier row (Series.duplicated(keep="first"))."""
    arrow = getattr(column.array, "_pa_array", None)
    text = arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([_arrow(column)])
    blocks = pc.dictionary_encode(text).chunks  # (each block holds the whole dictionary)
    empty = np.zeros(0, dtype=np.int64)
    codes = np.concatenate([empty, *(np.asarray(b.indices, dtype=np.int64) for b in blocks)])
    if len(codes) == 0:
        return np.zeros(0, dtype=bool)
    # codes are numbered in order of first appearance: a first appearance beats all before it
    seen = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    return codes <= seen


def _joined(parts: list[pd.Series]) -> pd.Series:
    """The non-blank parts of each row joined by a space (" ".join(p for p in parts if p))."""
    out = parts[0]
    for part in parts[1:]:
        both = (out != "") & (part != "")
        out = (out + " " + part).where(both, out + part)
    return out


def _table_columns(table: Table, file: str) -> tuple[list[pd.Series], np.ndarray, list[Problem]]:
    """The table's cells as text columns (ragged rows padded or cut, E103 for them), each
    record's line."""
    if table.columns is not None and table.lines is not None:
        return table.columns, table.lines, []
    rows, ragged = _cells(table, file)
    width = len(table.header)
    cells = list(zip(*(c for _, c in rows), strict=True)) if rows else [()] * width
    columns = [pd.Series(list(c), dtype=_TEXT) for c in cells]
    return columns, np.array([r for r, _ in rows], dtype=np.int64), ragged


def build_records(
    table: Table, claim: str, file: str, mapping: dict[str, list[str]] | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """A claim's records: IDENTITY_COLUMNS, TEXT_FIELDS (original text, trimmed), `extra:*`.

    Problems: those of plan_columns, E103 ragged rows, W301 missing ids (the record gets the id
    `row-N`), E204 duplicate ids, W303 records with no content (dropped). Column by column:
    Python touches only the rows that have a problem.
    """
    plan, problems = plan_columns(table.header, file, mapping)
    raw, lines, ragged = _table_columns(table, file)
    problems += ragged
    cells = [_stripped(c) for c in raw]
    # columns with neither header nor values (trailing delimiters from spreadsheets) vanish
    blank = {i for i in plan.unknown if not table.header[i].strip() and not (cells[i] != "").any()}
    plan.extras = [(n, i) for n, i in plan.extras if i not in blank]
    plan.unknown = [i for i in plan.unknown if i not in blank]
    problems += _unknown_header_problems(table.header, plan, file, FIELDS)
    id_cols = plan.fields.get("id")
    if id_cols is None:
        msg = (
            "no id column; each record gets the id row-N from its row (add ids to keep them stable)"
        )
        problems.append(Problem("W301", file, msg, 1, "id"))
    n = len(lines)
    empty = repeated("", n)
    values = {f: _joined([cells[i] for i in ix]) for f, ix in plan.fields.items()}
    extras = {name: cells[i] for name, i in plan.extras}
    content = np.zeros(n, dtype=bool)
    for v in [*(v for f, v in values.items() if f != "id"), *extras.values()]:
        content |= (v != "").to_numpy(dtype=bool)
    ids = values.get("id", empty)
    found: list[tuple[int, int, Problem]] = []  # (position, order within the row, problem)
    for i in np.flatnonzero(~content).tolist():
        rid, row = ids.iloc[i], int(lines[i])
        what = f"record '{rid}' has an id but nothing else" if rid else "empty record"
        found.append((i, 0, Problem("W303", file, f"{what}; it is left out", row)))
    keep = np.flatnonzero(content)
    lines = lines[keep]
    rids = ids.iloc[keep].reset_index(drop=True)
    blank_id = np.flatnonzero((rids == "").to_numpy(dtype=bool))
    if len(blank_id):
        rids = rids.copy()
        rids.iloc[blank_id] = [f"row-{r}" for r in lines[blank_id].tolist()]
        if id_cols is not None:
            for j in blank_id.tolist():
                rid = f"row-{lines[j]}"
                msg = f"blank id; this record gets the id {rid}"
                found.append((int(keep[j]), 1, Problem("W301", file, msg, int(lines[j]), "id")))
    again = _again(rids)
    if again.any():
        dup_ids = set(rids[again].tolist())
        first_rows = {
            rid: int(lines[j])
            for j, rid in enumerate(rids.tolist())
            if rid in dup_ids and not again[j]
        }
        for j in np.flatnonzero(again).tolist():
            rid = rids.iloc[j]
            msg = f"duplicate id '{rid}' (also row {first_rows[rid]})"
            found.append((int(keep[j]), 2, Problem("E204", file, msg, int(lines[j]), "id")))
    found.sort(key=lambda f: (f[0], f[1]))
    problems += [p for _, _, p in found]
    take = keep if len(keep) < n else None

    def kept(column: pd.Series) -> pd.Series:
        return column if take is None else column.iloc[take].reset_index(drop=True)

    columns: dict[str, pd.Series] = {
        "claim": repeated(claim, len(keep)),
        "record_id": rids,
        "file": repeated(file, len(keep)),
        "row": pd.Series(lines, dtype="int64"),
    }
    blank_kept = repeated("", len(keep))
    for f in TEXT_FIELDS:
        columns[f] = kept(values[f]) if f in values else blank_kept
    for name, value in extras.items():
        columns[name] = kept(value)
    frame = pd.DataFrame({k: v.reset_index(drop=True) for k, v in columns.items()})
    frame = frame.astype({c: "str" for c in frame.columns if c != "row"}).astype({"row": "int64"})
    return frame, problems


def table_frame(
    table: Table, file: str, columns: tuple[str, ...], required: tuple[str, ...]
) -> tuple[pd.DataFrame, list[Problem]]:
    """A small table (counts.csv, decisions.csv): `columns` plus `file`, `row`, all text.

    Problems: E004 for a required column that is absent, W302 unknown columns (ignored), E106
    a column given twice, E103 ragged rows; fully blank rows are skipped silently.
    """
    plan, problems = plan_columns(table.header, file, None, columns, {})
    rows, ragged = _cells(table, file)
    problems += ragged
    for i in plan.unknown:
        raw = table.header[i].strip()
        if raw:
            msg = f"unknown column '{raw}'; it is ignored{did_you_mean(raw, columns, 0.75)}"
            problems.append(Problem("W302", file, msg, 1, raw))
    for col in required:
        if col not in plan.fields:
            msg = f"no '{col}' column; the columns are: {', '.join(columns)}"
            problems.append(Problem("E004", file, msg, 1, col))
    data: dict[str, list[object]] = {c: [] for c in (*columns, "file", "row")}
    for row, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        for c in columns:
            data[c].append(cells[plan.fields[c][0]].strip() if c in plan.fields else "")
        data["file"].append(file)
        data["row"].append(row)
    frame = pd.DataFrame(data)
    return frame.astype({c: "str" for c in frame.columns if c != "row"}).astype(
        {"row": "int64"}
    ), problems
