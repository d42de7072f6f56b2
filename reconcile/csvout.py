"""Frames rendered as CSV bytes column by column with pyarrow, byte for byte as pandas writes.

write.py's pandas path is to_csv with QUOTE_MINIMAL, "\\n" line ends and NaN as "": it hands every
cell to Python's csv module, which on lists of a million rows is most of a run's writing time.
Here each column becomes one string array (numbers formatted as numpy's str() formats them, text
cells neutralised against formula injection, then quoted where they hold a comma, a quote or a
line break), the columns are joined row-wise and the rows come out as one buffer per chunk of
rows. A frame with a column of another kind (objects that are not all text, dates...) is left to
pandas: `render` returns None for it.
"""

from __future__ import annotations

import csv
import io
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CHUNK_ROWS = 200_000
WORKERS = min(os.cpu_count() or 1, 4)  # threads rendering chunks
RUN_TABLE = 1024  # columns of at most this many texts render together when neighbours (_Run)


def _quote_chars() -> tuple[str, ...]:
    """The characters that make Python's csv module (as pandas' to_csv sets it up: QUOTE_MINIMAL,
    "\\n" line ends) quote a field, asked of the module itself (CR differs between versions)."""
    need = []
    for ch in (",", '"', "\r", "\n"):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(["a" + ch, "b"])
        if buf.getvalue().startswith('"'):
            need.append(ch)
    return tuple(need)


_QUOTE_CHARS = _quote_chars()


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, type=pa.large_string())


def _texts(s: pd.Series) -> pa.Array | None:
    """A text column as a large_string array, "" where missing; None when a cell is not str."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        arr = pa.chunked_array(s.array._pa_array).combine_chunks()
        arr = arr.cast(pa.large_string())
    elif s.dtype == np.dtype(object) or isinstance(s.dtype, pd.StringDtype):
        values = s.to_numpy(dtype=object)
        try:
            arr = pa.array(values, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
            return None
    else:
        return None
    return pc.fill_null(arr, _s(""))


def _float_strings(values: np.ndarray) -> pa.Array:
    """float64 values as numpy's str() writes them (shortest repr; NaN as ""), computed once per
    distinct value. Arrow's own cast gives the same shortest digits for finite values of
    1e-4 <= |x| < 1e16 that are not whole, where it writes no exponent; numpy formats the others
    (whole numbers, tiny, huge, inf, -0.0, long mantissas)."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    nan = np.isnan(values)
    bits = values.view(np.int64)  # by bits: -0.0 is not 0.0 here
    if nan.any():
        bits = np.where(nan, np.int64(0x7FF8000000000000), bits)
    codes, uniques = pd.factorize(bits)
    u = np.asarray(uniques, dtype=np.int64).view(np.float64)
    mag = np.abs(u)
    with np.errstate(invalid="ignore"):
        plain = (mag >= 1e-4) & (mag < 1e16) & (u != np.round(u))
    text = pc.cast(pa.array(u), pa.large_string())  # Arrow's digits, right where `plain`
    # Arrow writes long mantissas with an exponent where numpy does not: numpy's then
    plain &= ~pc.match_substring(text, "e").to_numpy(zero_copy_only=False).astype(bool)
    other = np.flatnonzero(~plain)
    if len(other):
        numpys = u[other].astype(str).tolist()
        theirs = ["" if x != x else t for x, t in zip(u[other].tolist(), numpys, strict=True)]
        mask = np.zeros(len(u), dtype=bool)
        mask[other] = True
        text = pc.replace_with_mask(text, pa.array(mask), pa.array(theirs, pa.large_string()))
    return text.take(pa.array(codes))


def _ints(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    arr = pc.cast(pa.array(values), pa.large_string())
    if missing is not None and missing.any():
        arr = pc.if_else(pa.array(missing), _s(""), arr)
    return arr


def _whole(s: pd.Series) -> bool:
    """write._whole_floats_as_ints' test: a float column of whole numbers (and blanks)."""
    vals = s.dropna()
    return bool(len(vals) and (vals == vals.round()).all() and vals.abs().max() < 2**53)


class _Table:
    """A column whose cells take few texts: those texts rendered once (the last one for a missing
    cell) and where each cell of a slice of the column reads."""

    def __init__(self, rendered: pa.Array, index: Callable[[pd.Series], np.ndarray]) -> None:
        self.rendered = rendered
        self.index = index

    def __call__(self, part: pd.Series) -> pa.Array:
        return self.rendered.take(pa.array(self.index(part)))


Formatter = tuple[Callable[[pd.Series], pa.Array | None], bool] | _Table


def _formatter(s: pd.Series, trigger: str, safe: str) -> Formatter | None:
    """How to render one column's cells (and whether it is text, to neutralise), or the table of
    texts its cells take; None when this module does not know the column's dtype."""
    dt = s.dtype
    if pd.api.types.is_bool_dtype(dt) and dt == np.bool_:
        return _Table(
            pa.array(["False", "True"], pa.large_string()),
            lambda c: c.to_numpy(bool).astype(np.int64),
        )
    if isinstance(dt, np.dtype) and dt.kind in "iu":
        return (lambda c: _ints(c.to_numpy())), False
    if isinstance(dt, pd.Int64Dtype | pd.Int32Dtype | pd.Int16Dtype | pd.Int8Dtype):
        return (lambda c: _ints(c.to_numpy(dtype=np.int64, na_value=0), c.isna().to_numpy())), False
    if isinstance(dt, np.dtype) and dt == np.float64:
        if _whole(s):  # written as Int64, as write._whole_floats_as_ints makes it
            return (
                lambda c: _ints(
                    np.nan_to_num(c.to_numpy(), nan=0.0).astype(np.int64), c.isna().to_numpy()
                )
            ), False
        return (lambda c: _float_strings(c.to_numpy())), False
    if dt == np.dtype(object) or isinstance(dt, pd.StringDtype):
        return _texts, True
    text_categories = ("string", "empty")
    if (
        isinstance(dt, pd.CategoricalDtype)
        and pd.api.types.infer_dtype(dt.categories) in text_categories
    ):
        return _categorical(s, trigger, safe)
    if isinstance(dt, pd.CategoricalDtype) and dt.categories.dtype == np.float64:
        return _float_categorical(s)
    return None


def _by_code(n: int) -> Callable[[pd.Series], np.ndarray]:
    """Where a categorical's cells read in a table of its n categories and then "" (code -1)."""

    def index(part: pd.Series) -> np.ndarray:
        codes = part.cat.codes.to_numpy().astype(np.int64)
        return np.where(codes < 0, n, codes)

    return index


_BLANK = pa.array([""], type=pa.large_string())


def _categorical(s: pd.Series, trigger: str, safe: str) -> _Table:
    """A categorical column of text: its categories rendered once (neutralised, quoted), then
    each chunk is a take of them by code ("" where missing)."""
    cats = s.cat.categories
    plain = isinstance(cats.dtype, pd.StringDtype)  # Arrow-backed text: no Python str per category
    names = _texts(pd.Series(cats) if plain else pd.Series(np.asarray(cats, dtype=object)))
    if names is None:  # categories that are not all text: never, as checked
        raise Unrenderable("categories that are not text")
    rendered = pa.concat_arrays([_quoted(_neutralised(names, trigger, safe)), _BLANK])
    return _Table(rendered, _by_code(len(names)))


def _float_categorical(s: pd.Series) -> _Table:
    """A categorical column of float64: its categories rendered once as the plain float column
    would render them (whole numbers as integers when every value in the column is whole), then
    each chunk is a take of them by code ("" where missing)."""
    codes = s.cat.codes.to_numpy()
    used = np.zeros(len(s.cat.categories) + 1, dtype=bool)
    used[codes] = True  # code -1 marks the last entry: missing
    values = s.cat.categories.to_numpy(dtype=np.float64)
    if _whole(pd.Series(values[used[:-1]])):
        names = _ints(np.where(used[:-1], np.round(values), 0).astype(np.int64))
    else:
        names = _float_strings(values)
    rendered = pa.concat_arrays([names.cast(pa.large_string()), _BLANK])
    return _Table(rendered, _by_code(len(values)))


class _Run:
    """Neighbouring columns that are all tables, rendered as one: each slice's rows are coded by
    the combination of texts they take, each combination present is joined (with the commas
    between) once, and the rows take those."""

    def __init__(self, tables: list[_Table]) -> None:
        self.tables = tables

    def __call__(self, parts: list[pd.Series]) -> pa.Array:
        combo = np.zeros(len(parts[0]), dtype=np.int64)
        for t, part in zip(self.tables, parts, strict=True):
            combo = combo * len(t.rendered) + t.index(part)
        inverse, present = pd.factorize(combo)
        digits = []
        rest = np.asarray(present, dtype=np.int64)
        for t in reversed(self.tables):
            digits.append(rest % len(t.rendered))
            rest = rest // len(t.rendered)
        texts = [
            t.rendered.take(pa.array(d)) for t, d in zip(self.tables, digits[::-1], strict=True)
        ]
        joined = pc.binary_join_element_wise(*texts, _s(","))
        return joined.take(pa.array(inverse))


class _One:
    """One column rendered on its own."""

    def __init__(self, fmt: Callable[[pd.Series], pa.Array | None]) -> None:
        self.fmt = fmt

    def __call__(self, parts: list[pd.Series]) -> pa.Array | None:
        return self.fmt(parts[0])


Plan = list[tuple[list[int], Callable[[list[pd.Series]], pa.Array | None], bool]]


def _runs(formatters: list[Formatter]) -> Plan:
    """The plan: each entry the columns (positions) it renders, how, and whether its texts are
    still to neutralise and quote. Neighbouring small tables (RUN_TABLE) make runs while their
    combinations can be counted in an int64."""
    out: Plan = []
    run: list[tuple[int, _Table]] = []
    size = 1
    for i, f in enumerate([*formatters, None]):
        if (
            isinstance(f, _Table)
            and len(f.rendered) <= RUN_TABLE
            and size * len(f.rendered) < 2**62
        ):
            run.append((i, f))
            size *= len(f.rendered)
            continue
        if len(run) == 1:
            out.append(([run[0][0]], _One(run[0][1]), False))
        elif run:
            out.append(([j for j, _ in run], _Run([t for _, t in run]), False))
        run, size = [], 1
        if isinstance(f, _Table) and len(f.rendered) <= RUN_TABLE:  # did not fit: starts a run
            run, size = [(i, f)], len(f.rendered)
        elif isinstance(f, _Table):
            out.append(([i], _One(f), False))
        elif f is not None:
            fmt, is_text = f
            out.append(([i], _One(fmt), is_text))
    return out


# Bytes a cell that could run as a formula can start with (write._TRIGGER: spaces, = + - @ tab
# CR; all ASCII, so a cell's first byte tells).
_TRIGGER_FIRST = np.zeros(256, dtype=bool)
_TRIGGER_FIRST[[ord(c) for c in " =+-@\t\r"]] = True


def _parts(arr: pa.Array) -> tuple[np.ndarray, bytes]:
    """A large_string array's value offsets and its data bytes (copied once: searching bytes
    with `in` is memchr-fast)."""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[
        arr.offset : arr.offset + len(arr) + 1
    ]
    data = arr.buffers()[2]
    lo, hi = int(offsets[0]), int(offsets[-1])
    return offsets, (data.to_pybytes()[lo:hi] if data is not None and hi > lo else b"")


def _neutralised(arr: pa.Array, trigger: str, safe: str) -> pa.Array:
    """write.neutralise on every cell: "'" before a cell that could run as a formula. Only cells
    whose first byte could start one are tested, with the very test write.neutralise_frame
    makes (pandas' string methods)."""
    offsets, data = _parts(arr)
    starts = offsets[:-1] - offsets[0]
    filled = np.flatnonzero(offsets[1:] > offsets[:-1])
    if not len(filled):
        return arr
    first = np.frombuffer(data, dtype=np.uint8)[starts[filled]]
    at = filled[_TRIGGER_FIRST[first]]
    if not len(at):
        return arr
    text = pd.Series(pd.arrays.ArrowStringArray(arr.take(pa.array(at)).cast(pa.string())))
    hit = (text.str.match(trigger) & ~text.str.fullmatch(safe)).to_numpy(dtype=bool)
    if not hit.any():
        return arr
    mask = np.zeros(len(arr), dtype=bool)
    mask[at[hit]] = True
    return pc.if_else(pa.array(mask), pc.binary_join_element_wise(_s("'"), arr, _s("")), arr)


def _quoted(arr: pa.Array) -> pa.Array:
    """QUOTE_MINIMAL: a field holding a comma, quote or line break in quotes, quotes doubled."""
    _, data = _parts(arr)
    need = None
    for ch in _QUOTE_CHARS:
        if ch.encode() not in data:  # most columns hold none: one memchr over the column
            continue
        got = pc.match_substring(arr, ch)
        need = got if need is None else pc.or_(need, got)
    if need is None or not pc.any(need).as_py():
        return arr
    doubled = pc.replace_substring(arr, '"', '""')
    return pc.if_else(need, pc.binary_join_element_wise(_s('"'), doubled, _s('"'), _s("")), arr)


def _buffer(rows: pa.Array) -> memoryview:
    """The bytes of a large_string array's values, back to back (no copy)."""
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)
    lo, hi = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
    data = rows.buffers()[2]
    return memoryview(data)[lo:hi] if data is not None else memoryview(b"")


def _header(columns: list[str]) -> bytes:
    arr = _quoted(pa.array([str(c) for c in columns], type=pa.large_string()))
    return (",".join(arr.to_pylist()) + "\n").encode("utf-8")


class Unrenderable(ValueError):
    """A cell this module cannot render as pandas would (the caller falls back to pandas)."""


def _plan(df: pd.DataFrame, trigger: str, safe: str) -> Plan | None:
    if len(df.columns) < 2 or not df.columns.is_unique:
        return None  # a one-column CSV quotes blank rows (""); left to pandas
    formatters = []
    for col in df.columns:
        s = df[col]
        got = _formatter(s, trigger, safe)
        if got is None:
            return None
        kind = pd.api.types.infer_dtype(s, skipna=True) if s.dtype == np.dtype(object) else ""
        if kind not in ("", "string", "empty"):
            return None  # objects that are not all text: pandas str()s them
        formatters.append(got)
    return _runs(formatters)


def render(
    df: pd.DataFrame, trigger: str, safe: str, chunk_rows: int = CHUNK_ROWS
) -> Iterator[memoryview | bytes] | None:
    """The CSV of `df` (header, then rows, "\\n"-terminated, no index) in chunks of bytes, text
    cells neutralised with the `trigger`/`safe` patterns of write.neutralise; None when a column
    is of a kind this module does not render. The iterator raises Unrenderable for a text cell
    Arrow cannot hold (lone surrogates)."""
    plan = _plan(df, trigger, safe)
    if plan is None:
        return None
    return _chunks(df, plan, trigger, safe, chunk_rows)


def _chunk(part: pd.DataFrame, plan: Plan, trigger: str, safe: str) -> memoryview:
    """The rows of one slice of the frame, as bytes."""
    row = []
    for cols, fmt, is_text in plan:
        arr = fmt([part.iloc[:, i] for i in cols])
        if arr is None:
            raise Unrenderable(f"column {part.columns[cols[0]]!r} holds a cell Arrow cannot hold")
        row.append(_quoted(_neutralised(arr, trigger, safe)) if is_text else arr)
    # the line end goes on the last column, not on the joined rows: one pass less over the bytes
    row[-1] = pc.binary_join_element_wise(row[-1], _s("\n"), _s(""))
    return _buffer(pc.binary_join_element_wise(*row, _s(",")) if len(row) > 1 else row[0])


def _chunks(
    df: pd.DataFrame,
    plan: Plan,
    trigger: str,
    safe: str,
    chunk_rows: int,
) -> Iterator[memoryview | bytes]:
    """Header, then the chunks in order; chunks are rendered WORKERS at a time in threads (Arrow
    and numpy release the GIL), at most WORKERS ahead of the writer."""
    yield _header(list(df.columns))
    starts = range(0, len(df), chunk_rows)
    if WORKERS < 2 or len(starts) < 2:
        for lo in starts:
            yield _chunk(df.iloc[lo : lo + chunk_rows], plan, trigger, safe)
        return
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        pending: deque[Future[memoryview]] = deque()
        for lo in starts:
            pending.append(pool.submit(_chunk, df.iloc[lo : lo + chunk_rows], plan, trigger, safe))
            if len(pending) > WORKERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
