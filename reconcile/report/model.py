"""Build the one report model every renderer draws from: findings ordered, capped and cited."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reconcile import __version__
from reconcile.case import Case
from reconcile.changes import Changes, capped
from reconcile.problems import CODES, Problem
from reconcile.schema import DEFAULT_PLACEHOLDERS

REPORT_SCHEMA = "reconcile-report/1"
DEFAULT_LIMIT = 50  # items shown per section; full lists are in the CSV, XLSX and SQLite outputs
CANDIDATE_LIMIT = 5  # candidate persons shown per unidentified record

# Fields in order of consequence: what changes the counts (killed? a child? a woman?) first,
# then what identifies the person, then the circumstances.
FIELD_ORDER: tuple[str, ...] = (
    "status",
    "identified",
    "sex",
    "age_group",
    "age",
    "name",
    "national_id",
    "dob",
    "relation",
    "cause",
    "affiliation",
    "location",
    "nationality",
)
# Count categories in headline order; analyst-defined categories follow alphabetically.
CATEGORY_ORDER: tuple[str, ...] = ("killed", "children", "women", "men", "unidentified")
CATEGORY_LABELS: dict[str, str] = {
    "killed": "killed in total",
    "children": "children killed",
    "women": "women killed",
    "men": "men killed",
    "unidentified": "unidentified remains",
}
CANDIDATE_STATUSES: tuple[str, ...] = ("ambiguous", "possible")
DESCRIBE_FIELDS: tuple[str, ...] = ("name", "sex", "age", "age_group", "relation", "notes")

T = TypeVar("T")


@dataclass
class Cite:
    """Where a finding comes from: a claim's record, its file and spreadsheet row."""

    claim: str
    record_id: str
    file: str
    row: int | None

    def where(self) -> str:
        row = "" if self.row is None else f", row {self.row}"
        return f"{self.claim}:{self.record_id} ({self.file}{row})"


@dataclass
class ClaimInfo:
    id: str
    source: str
    published: str
    url: str
    file: str
    complete: bool
    records: int
    sha256: str


@dataclass
class InputFile:
    file: str
    sha256: str
    role: str  # claim | case | counts | decisions


@dataclass
class HeadlineRange:
    category: str
    label: str
    min: int | None
    max: int | None
    conflict: bool
    by_claim: dict[str, str]  # claim -> what it states ("13", "at least 12") or lists


@dataclass
class Headline:
    claims: int
    records: int
    persons: int
    people_min: int | None
    people_max: int | None
    ranges: list[HeadlineRange]
    field_conflicts: int
    count_conflicts: int
    denials: int
    single_source: int
    unidentified: int
    ambiguous: int
    errors: int
    warnings: int


@dataclass
class ClaimValue:
    cite: Cite
    value: str
    quote: str


@dataclass
class FieldConflict:
    person_id: str
    name: str
    field: str
    values: list[ClaimValue]


@dataclass
class CountStatement:
    claim: str
    file: str
    row: int | None
    stated: str
    qualifier: str
    listed: int | None
    conflict_with: list[str]
    quote: str
    note: str  # the claim against itself, e.g. "sohr states 4 but lists 5" (counts.csv `why`)


@dataclass
class CountConflict:
    category: str
    label: str
    range_min: int | None
    range_max: int | None
    statements: list[CountStatement]  # the claims that state the count or list someone in it
    why: str  # every pair of statements that cannot both be true (counts.csv `why`)


@dataclass
class Denial:
    person_id: str
    name: str
    reported_by: list[Cite]
    denied_by: list[str]  # claims marked complete that omit the person
    denied_files: list[str]


@dataclass
class SingleSource:
    person_id: str
    name: str
    cite: Cite


@dataclass
class Candidate:
    person_id: str
    name: str
    cite: Cite
    status: str
    probability: float | None


@dataclass
class Unidentified:
    cite: Cite
    person_id: str
    description: str
    candidates: list[Candidate]
    more_candidates: int


@dataclass
class Ambiguous:
    a: Cite
    name_a: str
    b: Cite
    name_b: str
    weight: float | None
    probability: float | None
    decision_line: str  # the exact line to add to decisions.csv to confirm the match


@dataclass
class ProblemLine:
    severity: str
    code: str
    file: str
    row: int | None
    column: str | None
    line: str


@dataclass
class FieldSummary:
    field: str
    agree: int
    conflict: int
    single: int
    unknown: int


@dataclass
class ChartBar:
    category: str
    claim: str
    stated_min: int | None
    stated_max: int | None
    listed: int | None


@dataclass
class Section(Generic[T]):
    """Up to `limit` items, most consequential first; `total` counts them all."""

    items: list[T]
    total: int
    more_in: str  # the output file that holds the full list

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class Report:
    schema: str
    tool: str
    version: str
    event: dict[str, str]
    claims: list[ClaimInfo]
    inputs: list[InputFile]
    settings: dict[str, Any]
    limit: int
    headline: Headline
    field_summary: list[FieldSummary]
    chart: list[ChartBar]
    count_conflicts: Section[CountConflict]
    field_conflicts: Section[FieldConflict]
    denials: Section[Denial]
    single_source: Section[SingleSource]
    unidentified: Section[Unidentified]
    ambiguous: Section[Ambiguous]
    problems: Section[ProblemLine]
    changes: Changes | None = None  # since the previous run (reconcile.changes); None: not asked

    @property
    def has_contradictions(self) -> bool:
        """True when any claim contradicts another (for `--fail-on conflict`)."""
        return bool(self.field_conflicts.total or self.count_conflicts.total or self.denials.total)


# ---------------------------------------------------------------- small helpers


def cell_text(v: object) -> str:
    """A cell as text: "" for None/NaN/NA."""
    if v is None:
        return ""
    if isinstance(v, float) and math.isnan(v):
        return ""
    try:
        if pd.isna(v):  # type: ignore[call-overload]
            return ""
    except (TypeError, ValueError):
        pass
    return str(v)


def _int(v: object) -> int | None:
    if v is None or cell_text(v) == "":
        return None
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else int(f)


def _float(v: object) -> float | None:
    if v is None or cell_text(v) == "":
        return None
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else round(f, 4)


def _bool(v: object) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes")
    return bool(v) if cell_text(v) != "" else False


def _split(v: object) -> list[str]:
    return [p for p in cell_text(v).split(";") if p]


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    """A column as text ("" where missing), or a column of "" when the frame lacks it."""
    if name not in df.columns:
        return pd.Series([""] * len(df), index=df.index, dtype=object)
    col = df[name]
    if isinstance(col.dtype, pd.StringDtype):  # text already: only the blanks to fill
        return pd.Series(col.to_numpy(dtype=object, na_value=""), index=df.index, dtype=object)
    if _text_categories(col):  # the rows' categories by code ("" for code -1)
        codes = col.cat.codes.to_numpy()
        texts = col.cat.categories.take(np.maximum(codes, 0)).to_numpy(dtype=object)
        texts[codes < 0] = ""
        return pd.Series(texts, index=df.index, dtype=object)
    missing = col.isna()
    if pd.api.types.is_float_dtype(col):
        col = col.map(cell_text)  # whole numbers without ".0" would need more care; rare for text
    text = col.astype(object).where(~missing, "").astype(str)
    return text.astype(object)


def _frame(df: pd.DataFrame | None) -> pd.DataFrame:
    return df if df is not None else pd.DataFrame()


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


def _category_key(category: str) -> tuple[int, str]:
    order = CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)
    return (order, category)


def decision_line(claim_a: str, record_a: str, claim_b: str, record_b: str) -> str:
    """The decisions.csv line that records the two records as the same person (CSV-quoted)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(
        [claim_a, record_a, claim_b, record_b, "same", "", "", ""]
    )
    return buf.getvalue()


def people_bounds(people_range: object) -> tuple[int | None, int | None]:
    """(min, max) from distinct_people_range's result: a pair, a mapping or an object."""
    if people_range is None:
        return (None, None)
    if isinstance(people_range, Mapping):
        return (_int(people_range.get("min")), _int(people_range.get("max")))
    if hasattr(people_range, "min") and hasattr(people_range, "max"):
        return (_int(people_range.min), _int(people_range.max))
    if isinstance(people_range, Iterable):
        lo, hi = tuple(people_range)[:2]
        return (_int(lo), _int(hi))
    return (None, None)


def _isin(df: pd.DataFrame, name: str, values: set[str]) -> pd.Series:
    """`_col(df, name).isin(values)` without turning a whole text column into Python strings."""
    if name not in df.columns:
        return _col(df, name).isin(values)
    col = df[name]
    if isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow":
        arr = pa.chunked_array(col.array._pa_array)
        found = pc.is_in(arr, value_set=pa.array(list(values), type=arr.type))
        hit = pd.Series(pc.fill_null(found, False).to_numpy(zero_copy_only=False), index=df.index)
    elif col.dtype == np.dtype(object) and pd.api.types.infer_dtype(col) in ("string", "empty"):
        hit = col.isin(values)  # str cells are their own text
    elif _text_categories(col):  # each category tested once, then read by code
        found = np.append(col.cat.categories.isin(list(values)), "" in values)  # -1: missing
        return pd.Series(found[col.cat.codes.to_numpy()], index=df.index)
    else:
        return _col(df, name).isin(values)
    return hit | col.isna() if "" in values else hit


class _Lookup:
    """Record details by (claim, record_id): citation, display label, quote, person. Keys are
    resolved in batches (`need`), one pass over the records and links per batch, so a report on
    a million records never indexes them all."""

    def __init__(self, records: pd.DataFrame, links: pd.DataFrame) -> None:
        self._recs = records.reset_index(drop=True)
        self._links = links.reset_index(drop=True)
        self._pos: dict[tuple[str, str], int] = {}
        self._person: dict[tuple[str, str], str] = {}
        self._link_where: dict[tuple[str, str], tuple[str, int | None]] = {}
        self._known: set[tuple[str, str]] = set()

    @staticmethod
    def _matches(df: pd.DataFrame, todo: set[tuple[str, str]]) -> pd.DataFrame:
        """The rows of df whose (claim, record_id) is one of todo, as text, in frame order."""
        sub = _rows(df, ["claim", "record_id"], _isin(df, "record_id", {r for _, r in todo}))
        keys = pd.DataFrame(
            {"claim": _col(sub, "claim"), "record_id": _col(sub, "record_id")}, index=sub.index
        )
        ok = [k in todo for k in zip(keys["claim"], keys["record_id"], strict=True)]
        return keys[np.asarray(ok, dtype=bool)]

    def need(self, keys: Iterable[tuple[str, str]]) -> None:
        """Resolve these keys (a lookup of a key never resolved resolves it alone)."""
        todo = {(str(c), str(r)) for c, r in keys} - self._known
        if not todo:
            return
        recs = self._matches(self._recs, todo)
        for i, k in zip(
            recs.index, zip(recs["claim"], recs["record_id"], strict=True), strict=True
        ):
            self._pos[k] = int(i)  # the last record with a key wins, as a dict built in order
        if len(self._links):
            lk = self._matches(self._links, todo)
            sub = self._links.loc[lk.index]
            pids = _col(sub, "person_id").tolist()
            files = _col(sub, "file").tolist()
            rows = sub["row"].tolist() if "row" in sub.columns else [None] * len(sub)
            for k, pid, f, r in zip(
                zip(lk["claim"], lk["record_id"], strict=True), pids, files, rows, strict=True
            ):
                self._person[k] = pid
                if k not in self._pos:
                    self._link_where[k] = (f, _int(r))
        self._known |= todo

    def _at(self, key: tuple[str, str]) -> int | None:
        if key not in self._known:
            self.need([key])
        return self._pos.get(key)

    def _get(self, key: tuple[str, str], col: str) -> str:
        i = self._at(key)
        if i is None or col not in self._recs.columns:
            return ""
        return cell_text(self._recs.at[i, col])

    def cite(self, claim: str, record_id: str) -> Cite:
        key = (claim, record_id)
        i = self._at(key)
        if i is None:
            f, r = self._link_where.get(key, ("", None))
            return Cite(claim, record_id, f, r)
        row = None
        if "row" in self._recs.columns:
            row = pd.to_numeric(self._recs["row"].iloc[i : i + 1], errors="coerce").iloc[0]
        file = cell_text(self._recs["file"].iat[i]) if "file" in self._recs.columns else ""
        return Cite(claim, record_id, file, _int(row))

    def name(self, claim: str, record_id: str) -> str:
        return self._get((claim, record_id), "name")

    def label(self, claim: str, record_id: str) -> str:
        """The record's name, or what describes it when it has none (relation, sex, age)."""
        key = (claim, record_id)
        name = self._get(key, "name").strip()
        if name:
            return name
        parts = [self._get(key, f).strip() for f in ("relation", "sex", "age", "age_group")]
        return ", ".join(p for p in parts if p) or "(no name)"

    def quote(self, claim: str, record_id: str) -> str:
        return self._get((claim, record_id), "quote")

    def person(self, claim: str, record_id: str) -> str:
        if (claim, record_id) not in self._known:
            self.need([(claim, record_id)])
        return self._person.get((claim, record_id), "")


# ---------------------------------------------------------------- sections


def _claims(case: Case, records: pd.DataFrame) -> tuple[list[ClaimInfo], list[InputFile]]:
    per_claim = records["claim"].value_counts() if "claim" in records.columns else pd.Series()
    claims = [
        ClaimInfo(
            id=c.id,
            source=c.source,
            published=c.published,
            url=c.url,
            file=c.file,
            complete=bool(c.complete),
            records=int(per_claim.get(c.id, len(c.records))),
            sha256=c.sha256,
        )
        for c in case.claims
    ]
    inputs = [InputFile(c.file, c.sha256, "claim") for c in case.claims]
    # Other inputs (case.toml, counts.csv, decisions.csv) when the loader records their hashes.
    extra = getattr(case, "inputs", None)
    if isinstance(extra, Mapping):
        known = {i.file for i in inputs}
        for f, sha in sorted(extra.items()):
            if f not in known:
                role = "case" if f.endswith(".toml") else f.rsplit("/", 1)[-1].split(".")[0]
                inputs.append(InputFile(str(f), str(sha), role))
    return claims, inputs


def _count_sections(
    case: Case, counts: pd.DataFrame, limit: int
) -> tuple[list[HeadlineRange], list[ChartBar], Section[CountConflict]]:
    if not len(counts) or "category" not in counts.columns:
        return [], [], Section([], 0, "counts.csv")
    counts = counts.assign(category=_col(counts, "category"), claim=_col(counts, "claim"))
    per = counts[counts["claim"] != "*"]
    cross = counts[counts["claim"] == "*"]
    claim_order = {c.id: i for i, c in enumerate(case.claims)}
    # where each claim states each count: counts.csv file and row
    where: dict[tuple[str, str], tuple[str, int | None]] = {}
    cc = case.counts
    if len(cc) and {"claim", "category"} <= set(cc.columns):
        for c, cat, f, r in zip(
            _col(cc, "claim"),
            _col(cc, "category"),
            _col(cc, "file"),
            cc["row"] if "row" in cc.columns else [None] * len(cc),
            strict=True,
        ):
            where.setdefault((c, cat), (f, _int(r)))

    categories = sorted(set(counts["category"]), key=_category_key)
    ranges: list[HeadlineRange] = []
    chart: list[ChartBar] = []
    conflicts: list[CountConflict] = []
    for cat in categories:
        rows = per[per["category"] == cat]
        rows = rows.iloc[
            sorted(range(len(rows)), key=lambda i: claim_order.get(rows["claim"].iloc[i], 1 << 30))
        ]
        star = cross[cross["category"] == cat]
        by_claim: dict[str, str] = {}
        statements: list[CountStatement] = []
        for r in rows.to_dict("records"):
            stated = cell_text(r.get("stated"))
            listed = _int(r.get("listed"))
            by_claim[r["claim"]] = stated if stated else (f"lists {listed}" if listed else "")
            if not stated and not listed:
                continue  # the claim says nothing about this count
            chart.append(
                ChartBar(
                    cat, r["claim"], _int(r.get("stated_min")), _int(r.get("stated_max")), listed
                )
            )
            f, row = where.get((r["claim"], cat), ("", None))
            own = [w for w in cell_text(r.get("why")).split("; ") if " but " in w]
            statements.append(
                CountStatement(
                    claim=r["claim"],
                    file=f,
                    row=row,
                    stated=stated,
                    qualifier=cell_text(r.get("qualifier")),
                    listed=listed,
                    conflict_with=_split(r.get("conflict_with")),
                    quote=cell_text(r.get("quote")),
                    note="; ".join(own),
                )
            )
        why = ""
        if len(star):
            s = star.iloc[0]
            lo, hi, conflict = (
                _int(s.get("range_min")),
                _int(s.get("range_max")),
                _bool(s.get("conflict")),
            )
            why = cell_text(s.get("why"))
        else:
            lo = hi = None
            conflict = False
        conflict = conflict or any(
            _bool(v) for v in rows.get("conflict", pd.Series([], dtype=object))
        )
        ranges.append(HeadlineRange(cat, category_label(cat), lo, hi, conflict, by_claim))
        if conflict:
            conflicts.append(CountConflict(cat, category_label(cat), lo, hi, statements, why))
    return ranges, chart, Section(conflicts[:limit], len(conflicts), "counts.csv")


def _rows(df: pd.DataFrame, columns: list[str], mask: Any) -> pd.DataFrame:
    """The rows of df where mask holds, with only those of `columns` df has (no copy of the
    others)."""
    return df[[c for c in columns if c in df.columns]][np.asarray(mask, dtype=bool)]


def _text_counts(df: pd.DataFrame, name: str) -> pd.Series:
    """`_col(df, name).value_counts()` for the counts of non-blank values."""
    col = df[name]
    if isinstance(col.dtype, pd.StringDtype) or _text_categories(col):
        return col.value_counts()
    return _col(df, name).value_counts()


def _text_categories(col: pd.Series) -> bool:
    """A categorical column whose categories are all text (its cells are their own text)."""
    return isinstance(col.dtype, pd.CategoricalDtype) and (
        pd.api.types.infer_dtype(col.cat.categories) in ("string", "empty")
    )


def _is_text(df: pd.DataFrame, name: str, value: str) -> np.ndarray:
    """`_col(df, name) == value` (value not blank) as a boolean array."""
    col = df[name]
    if isinstance(col.dtype, pd.StringDtype) or _text_categories(col):
        return (col == value).fillna(False).to_numpy(dtype=bool)
    return (_col(df, name) == value).to_numpy(dtype=bool)


def _field_sections(
    persons: pd.DataFrame, person_fields: pd.DataFrame, look: _Lookup, limit: int
) -> tuple[list[FieldSummary], Section[FieldConflict]]:
    fields = [f for f in FIELD_ORDER if f"{f}_status" in persons.columns]
    summary = []
    for f in fields:
        vc = _text_counts(persons, f"{f}_status")
        summary.append(
            FieldSummary(
                f, *(int(vc.get(k, 0)) for k in ("agree", "conflict", "single", "unknown"))
            )
        )
    if not fields or not len(persons):
        return summary, Section([], 0, "persons.csv")
    # the conflicts, field by field in FIELD_ORDER, each in person order (as a melt gives them)
    at = [np.flatnonzero(_is_text(persons, f"{f}_status", "conflict")) for f in fields]
    rows = np.concatenate(at)
    total = len(rows)
    if not total:
        return summary, Section([], 0, "persons.csv")
    hits = pd.DataFrame(
        {
            "person_id": persons["person_id"].iloc[rows].to_numpy(),
            "field": np.repeat(np.asarray(fields, dtype=object), [len(a) for a in at]),
        }
    )
    hits["field_rank"] = hits["field"].map({f: i for i, f in enumerate(FIELD_ORDER)})
    if "n_claims" in persons.columns:  # the person's own row (person ids are unique)
        hits["n"] = pd.Series(persons["n_claims"].iloc[rows].to_numpy(), index=hits.index)
        hits["n"] = hits["n"].fillna(0)
    else:
        hits["n"] = 0
    hits["pid"] = _col(hits, "person_id")
    hits = hits.sort_values(
        ["field_rank", "n", "pid"], ascending=[True, False, True], kind="stable"
    )
    top = hits.head(limit)
    top_pids = set(top["pid"])
    mine = _rows(persons, ["person_id", "name"], _isin(persons, "person_id", top_pids))
    names = dict(zip(_col(mine, "person_id"), _col(mine, "name"), strict=True))
    pf = person_fields
    if len(pf):
        pf = pf[
            _isin(pf, "person_id", top_pids).to_numpy(dtype=bool)
            & pf["field"].isin(set(top["field"])).to_numpy(dtype=bool)
        ]
        # the few rows shown, categorical columns as plain values (groups only where rows are)
        pf = pf.astype(
            {c: object for c in pf.columns if isinstance(pf[c].dtype, pd.CategoricalDtype)}
        )
    grouped = (
        {k: g for k, g in pf.groupby([_col(pf, "person_id"), "field"], sort=False)}
        if len(pf)
        else {}
    )
    look.need(zip(_col(pf, "claim"), _col(pf, "record_id"), strict=True) if len(pf) else [])
    items = []
    for pid, fld in zip(top["pid"], top["field"], strict=True):
        g = grouped.get((pid, fld))
        values: list[ClaimValue] = []
        if g is not None:
            for r in g.to_dict("records"):
                if cell_text(r.get("normalised")) == "unknown":
                    continue  # "the source does not know" is neither side of a conflict
                c, rid = cell_text(r.get("claim")), cell_text(r.get("record_id"))
                cite = Cite(c, rid, cell_text(r.get("file")), _int(r.get("row")))
                values.append(ClaimValue(cite, cell_text(r.get("value")), look.quote(c, rid)))
        name = names.get(pid, "") or (
            look.label(values[0].cite.claim, values[0].cite.record_id) if values else ""
        )
        items.append(FieldConflict(pid, name, fld, values))
    return summary, Section(items, total, "person_fields.csv")


def _label_of(cites: list[Cite], look: _Lookup) -> str:
    return look.label(cites[0].claim, cites[0].record_id) if cites else ""


def _person_cites(links: pd.DataFrame, pids: set[str], look: _Lookup) -> dict[str, list[Cite]]:
    out: dict[str, list[Cite]] = {}
    if not len(links) or not pids:
        return out
    sub = links[_isin(links, "person_id", pids).to_numpy(dtype=bool)]
    keys = list(zip(_col(sub, "claim"), _col(sub, "record_id"), strict=True))
    look.need(keys)
    for pid, (c, rid) in zip(_col(sub, "person_id"), keys, strict=True):
        out.setdefault(pid, []).append(look.cite(c, rid))
    return out


def _presence_sections(
    case: Case, persons: pd.DataFrame, links: pd.DataFrame, look: _Lookup, limit: int
) -> tuple[Section[Denial], Section[SingleSource]]:
    if not len(persons):
        return Section([], 0, "persons.csv"), Section([], 0, "persons.csv")
    files = {c.id: c.file for c in case.claims}
    n_claims = (
        persons["n_claims"]
        if "n_claims" in persons.columns
        else _col(persons, "claims").map(lambda s: len(_split(s)))
    )
    if "denied_by" in persons.columns:
        col = persons["denied_by"]
        if isinstance(col.dtype, pd.StringDtype):
            d_mask = (col.notna() & (col != "")).to_numpy(dtype=bool)
        else:
            d_mask = (_col(persons, "denied_by") != "").to_numpy(dtype=bool)
    else:
        d_mask = np.zeros(len(persons), dtype=bool)
    denied_rows = _rows(persons, ["person_id", "name", "denied_by"], d_mask)
    d = pd.DataFrame(
        {
            "pid": _col(denied_rows, "person_id").to_numpy(),
            "n": n_claims.to_numpy()[d_mask],
            "name": _col(denied_rows, "name").to_numpy(),
            "denied": _col(denied_rows, "denied_by").to_numpy(),
        }
    )
    d = d.sort_values(["n", "pid"], ascending=[False, True], kind="stable")
    d_top = d.head(limit)
    s_mask = (pd.to_numeric(n_claims, errors="coerce") == 1).to_numpy(dtype=bool)
    single_rows = _rows(persons, ["person_id", "name"], s_mask)
    s = pd.DataFrame({"pid": _col(single_rows, "person_id"), "name": _col(single_rows, "name")})
    claim_order = {c.id: i for i, c in enumerate(case.claims)}
    if len(s) and len(links):
        # each single-source person's record, ordered by claim (case order) then file row
        theirs = _rows(
            links,
            ["person_id", "claim", "record_id", "row"],
            _isin(links, "person_id", set(s["pid"])),
        )
        lk = pd.DataFrame(
            {
                "pid": _col(theirs, "person_id"),
                "claim": _col(theirs, "claim"),
                "record_id": _col(theirs, "record_id"),
                "_row": pd.to_numeric(theirs["row"], errors="coerce") if "row" in theirs else 0,
            }
        )
        s = s.merge(lk.drop_duplicates("pid"), on="pid", how="left")
        s["_co"] = s["claim"].map(claim_order).fillna(1 << 30)  # claim_order.get(cell_text(c))
        s = s.sort_values(["_co", "_row", "pid"], kind="stable")
    else:
        s = s.assign(claim="", record_id="")
    cites = _person_cites(links, set(d_top["pid"]), look)
    head = zip(s["claim"].head(limit), s["record_id"].head(limit), strict=True)
    look.need((cell_text(c), cell_text(r)) for c, r in head)
    denials = [
        Denial(
            p,
            nm or _label_of(cites.get(p, []), look),
            cites.get(p, []),
            _split(dn),
            [files.get(c, "") for c in _split(dn)],
        )
        for p, nm, dn in zip(d_top["pid"], d_top["name"], d_top["denied"], strict=True)
    ]
    singles = [
        SingleSource(
            p, nm or look.label(cell_text(c), cell_text(r)), look.cite(cell_text(c), cell_text(r))
        )
        for p, nm, c, r in zip(
            s["pid"].head(limit),
            s["name"].head(limit),
            s["claim"].head(limit),
            s["record_id"].head(limit),
            strict=True,
        )
    ]
    return (
        Section(denials, int(d_mask.sum()), "persons.csv"),
        Section(singles[:limit], int(s_mask.sum()), "persons.csv"),
    )


def _describe(r: Mapping[Any, object]) -> str:
    parts = []
    for f in DESCRIBE_FIELDS:
        v = cell_text(r.get(f)).strip()
        if v and (f == "name" or v.lower() not in DEFAULT_PLACEHOLDERS):
            parts.append(v if f == "name" else f"{f}: {v}")
    return "; ".join(parts) or "(no details)"


def _pairs_long(pairs: pd.DataFrame, statuses: Iterable[str]) -> pd.DataFrame:
    """Pairs with the given statuses, once from each side: claim, record_id, o_claim, o_record."""
    cols = ["claim", "record_id", "o_claim", "o_record", "status", "probability", "weight"]
    if not len(pairs) or "status" not in pairs.columns:
        return pd.DataFrame(columns=cols)
    p = pairs[pairs["status"].isin(list(statuses))]
    prob = (
        p["probability"] if "probability" in p.columns else pd.Series(float("nan"), index=p.index)
    )
    wt = p["weight"] if "weight" in p.columns else pd.Series(float("nan"), index=p.index)
    a = pd.DataFrame(
        {
            "claim": _col(p, "claim_a"),
            "record_id": _col(p, "record_a"),
            "o_claim": _col(p, "claim_b"),
            "o_record": _col(p, "record_b"),
            "status": p["status"],
            "probability": prob,
            "weight": wt,
        }
    )
    b = a.rename(
        columns={
            "claim": "o_claim",
            "record_id": "o_record",
            "o_claim": "claim",
            "o_record": "record_id",
        }
    )
    return pd.concat([a, b[cols]], ignore_index=True)


def _unidentified_section(
    case: Case, records: pd.DataFrame, pairs: pd.DataFrame, look: _Lookup, limit: int
) -> Section[Unidentified]:
    if not len(records):
        return Section([], 0, "reconcile.sqlite")
    ident = _is_text(records, "identified_n", "no") if "identified_n" in records else None
    if ident is None:
        ident = np.zeros(len(records), dtype=bool)
    named = records["name_unknown"] if "name_unknown" in records.columns else None
    if named is not None and named.dtype == bool:
        unknown_name = named.to_numpy(dtype=bool)
    else:
        flags = _col(records, "name_unknown").str.strip().str.lower()
        unknown_name = flags.isin(["true", "1", "yes"]).to_numpy(dtype=bool)
    mask = ident | unknown_name
    recs = records[mask]
    total = len(recs)
    claim_order = {c.id: i for i, c in enumerate(case.claims)}
    # remains a source says are not identified first, then records that give no name
    recs = (
        recs.assign(
            _named=(_col(recs, "identified_n") != "no"),
            _co=_col(recs, "claim").map(lambda c: claim_order.get(c, 1 << 30)),
            _row=pd.to_numeric(recs["row"], errors="coerce") if "row" in recs.columns else 0,
        )
        .sort_values(["_named", "_co", "_row"], kind="stable")
        .head(limit)
    )
    keys = set(zip(_col(recs, "claim"), _col(recs, "record_id"), strict=True))
    rids = {r for _, r in keys}
    if len(pairs) and {"record_a", "record_b"} <= set(pairs.columns):
        near = _isin(pairs, "record_a", rids) | _isin(pairs, "record_b", rids)
        pairs = pairs[near.to_numpy(dtype=bool)]  # only pairs that can name a shown record
    long = _pairs_long(pairs, CANDIDATE_STATUSES)
    if len(long):
        long = long[[k in keys for k in zip(long["claim"], long["record_id"], strict=True)]]
        long = long.assign(_p=pd.to_numeric(long["probability"], errors="coerce").fillna(-1))
        long = long.sort_values(
            ["_p", "o_claim", "o_record"], ascending=[False, True, True], kind="stable"
        )
    grouped = (
        {k: g for k, g in long.groupby(["claim", "record_id"], sort=False)} if len(long) else {}
    )
    look.need(keys)
    if len(long):
        look.need(zip(long["o_claim"], long["o_record"], strict=True))
    items = []
    for r in recs.to_dict("records"):
        c, rid = cell_text(r.get("claim")), cell_text(r.get("record_id"))
        g = grouped.get((c, rid))
        cands: list[Candidate] = []
        more = 0
        if g is not None:
            own = look.person(c, rid)
            seen: set[str] = set()
            for o in g.to_dict("records"):
                oc, orid = o["o_claim"], o["o_record"]
                other = look.person(oc, orid) or f"{oc}:{orid}"
                if other == own or other in seen:
                    continue  # one line per candidate person, at its most probable record
                seen.add(other)
                if len(cands) == CANDIDATE_LIMIT:
                    more += 1
                    continue
                cands.append(
                    Candidate(
                        look.person(oc, orid),
                        look.label(oc, orid),
                        look.cite(oc, orid),
                        cell_text(o["status"]),
                        _float(o["probability"]),
                    )
                )
        items.append(
            Unidentified(look.cite(c, rid), look.person(c, rid), _describe(r), cands, more)
        )
    return Section(items, total, "reconcile.sqlite")


def _ambiguous_section(pairs: pd.DataFrame, look: _Lookup, limit: int) -> Section[Ambiguous]:
    if not len(pairs) or "status" not in pairs.columns:
        return Section([], 0, "pairs.csv")
    p = pairs[(pairs["status"] == "ambiguous").to_numpy(dtype=bool)]
    total = len(p)
    if total > limit and "probability" in p:  # only rows as probable as the limit-th can show
        prob = pd.to_numeric(p["probability"], errors="coerce").fillna(-1).to_numpy()
        floor = np.partition(prob, total - limit)[total - limit] if limit > 0 else np.inf
        p = p[prob >= floor]
    p = p.assign(
        _p=pd.to_numeric(p["probability"], errors="coerce").fillna(-1)
        if "probability" in p
        else -1,
        _ca=_col(p, "claim_a"),
        _ra=_col(p, "record_a"),
        _cb=_col(p, "claim_b"),
        _rb=_col(p, "record_b"),
    ).sort_values(
        ["_p", "_ca", "_ra", "_cb", "_rb"], ascending=[False, True, True, True, True], kind="stable"
    )
    items = []
    top = p.head(limit)
    look.need(
        [*zip(top["_ca"], top["_ra"], strict=True), *zip(top["_cb"], top["_rb"], strict=True)]
    )
    for r in top.to_dict("records"):
        ca, ra, cb, rb = r["_ca"], r["_ra"], r["_cb"], r["_rb"]
        items.append(
            Ambiguous(
                look.cite(ca, ra),
                look.label(ca, ra),
                look.cite(cb, rb),
                look.label(cb, rb),
                _float(r.get("weight")),
                _float(r.get("probability")),
                decision_line(ca, ra, cb, rb),
            )
        )
    return Section(items, total, "pairs.csv")


def _problem_section(problems: Iterable[Problem], limit: int) -> Section[ProblemLine]:
    ps = sorted(
        problems,
        key=lambda p: (
            p.severity != "error",
            p.file,
            p.row if p.row is not None else -1,
            p.column or "",
            p.code,
        ),
    )
    items = [
        ProblemLine(p.severity, p.code, p.file, p.row, p.column, p.format()) for p in ps[:limit]
    ]
    return Section(items, len(ps), "reconcile.sqlite")


# ---------------------------------------------------------------- the model


def build_report(
    case: Case,
    records: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    pairs: pd.DataFrame | None = None,
    persons: pd.DataFrame | None = None,
    person_fields: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
    people_range: object = None,
    problems: Iterable[Problem] | None = None,
    settings: Mapping[str, Any] | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
    changes: Changes | None = None,
) -> Report:
    """The discrepancy report of a reconciled case: every section capped at `limit` items.

    Frames follow reconcile.schema (records, LINK_COLUMNS, PAIR_COLUMNS, persons with
    PERSON_HEAD_COLUMNS and F/F_status, PERSON_FIELD_COLUMNS, COUNT_RESULT_COLUMNS); a missing
    frame is treated as empty. `problems` defaults to the case's own. `changes`: what changed
    since the previous run (reconcile.changes), shown in its own section when given.
    """
    records = _frame(records) if records is not None else case.records
    links, pairs = _frame(links), _frame(pairs)
    persons, person_fields, counts = _frame(persons), _frame(person_fields), _frame(counts)
    probs = list(case.problems if problems is None else problems)
    look = _Lookup(records, links)
    claims, inputs = _claims(case, records)
    ranges, chart, count_conflicts = _count_sections(case, counts, limit)
    field_summary, field_conflicts = _field_sections(persons, person_fields, look, limit)
    denials, singles = _presence_sections(case, persons, links, look, limit)
    unidentified = _unidentified_section(case, records, pairs, look, limit)
    ambiguous = _ambiguous_section(pairs, look, limit)
    problem_lines = _problem_section(probs, limit)
    lo, hi = people_bounds(people_range)
    headline = Headline(
        claims=len(case.claims),
        records=len(records),
        persons=len(persons),
        people_min=lo,
        people_max=hi,
        ranges=ranges,
        field_conflicts=field_conflicts.total,
        count_conflicts=count_conflicts.total,
        denials=denials.total,
        single_source=singles.total,
        unidentified=unidentified.total,
        ambiguous=ambiguous.total,
        errors=sum(1 for p in probs if CODES[p.code][0] == "error"),
        warnings=sum(1 for p in probs if CODES[p.code][0] == "warning"),
    )
    return Report(
        schema=REPORT_SCHEMA,
        tool="reconcile",
        version=__version__,
        event={k: cell_text(v) for k, v in sorted(case.event.items())},
        claims=claims,
        inputs=inputs,
        settings=dict(sorted((settings or {}).items())),
        limit=limit,
        headline=headline,
        field_summary=field_summary,
        chart=chart,
        count_conflicts=count_conflicts,
        field_conflicts=field_conflicts,
        denials=denials,
        single_source=singles,
        unidentified=unidentified,
        ambiguous=ambiguous,
        problems=problem_lines,
        changes=capped(changes, limit) if changes is not None else None,
    )
