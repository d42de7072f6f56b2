"""Merge linked records into persons: every field's merged value and status, presence, long form."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from reconcile.agree import (
    COMPARATORS,
    RelationKey,
    Stated,
    finite,
    format_age,
    is_placeholder,
    name_form,
    name_words,
    names_agree,
    norm_text,
    placeholder_set,
    split_names,
    verdict,
)
from reconcile.case import Claim
from reconcile.schema import (
    DEFAULT_PLACEHOLDERS,
    MERGED_FIELDS,
    PERSON_FIELD_COLUMNS,
    PERSON_HEAD_COLUMNS,
)

# persons.csv columns: the head, then F and F_status per merged field, then every spelling.
PERSON_COLUMNS: tuple[str, ...] = (
    *PERSON_HEAD_COLUMNS,
    *(c for f in MERGED_FIELDS for c in (f, f"{f}_status")),
    "names",
)
# Fields listed in person_fields.csv, in this order: the merged fields with the other name
# columns right after `name`.
LONG_FIELDS: tuple[str, ...] = ("name", "name_alt", "alias", *MERGED_FIELDS[1:])
# Parsed column holding each parsed field's normalised value ("unknown" = stated unknown).
PARSED_OF: dict[str, str] = {
    "sex": "sex_n",
    "age_group": "age_group_n",
    "dob": "dob_n",
    "national_id": "national_id_n",
    "status": "status_n",
    "identified": "identified_n",
}
FREE_TEXT: tuple[str, ...] = ("cause", "location", "nationality", "affiliation")

Record = dict[str, Any]
# Text columns merge reads from a record ("" when absent), and its boolean and numeric columns.
_TEXT_COLS: tuple[str, ...] = (
    "name",
    "name_alt",
    "alias",
    "relation",
    *FREE_TEXT,
    *PARSED_OF.values(),
    *PARSED_OF,
    "age",
    "age_n",
    "relation_term",
    "relation_to",
    "file",
)
_FLAG_COLS: tuple[str, ...] = ("name_is_relation", "name_unknown", "ambiguous")


def _as_flag(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().casefold() in {"true", "1", "yes"}
    return bool(v) and v == v  # NaN is not a flag


def _claim_order(claims: Sequence[Claim], *frames: pd.DataFrame) -> dict[str, int]:
    """Case order of claim ids; ids seen only in the frames follow, alphabetically."""
    order = {c.id: i for i, c in enumerate(claims)}
    extra = sorted({str(x) for f in frames for x in f["claim"].unique()} - set(order))
    order.update({cid: len(order) + i for i, cid in enumerate(extra)})
    return order


def _joined_records(
    records: pd.DataFrame, links: pd.DataFrame, order: dict[str, int], ph: frozenset[str]
) -> list[Record]:
    """Records with their person_id and ambiguous flag as plain dicts (text columns as str, ""
    when blank or absent), sorted by claim order, row, record id; each with its `spellings`."""
    link_cols = ["claim", "record_id", "person_id", "ambiguous"]
    missing = [c for c in link_cols[:3] if c not in links.columns]
    if missing:
        raise ValueError(f"links lacks column(s) {', '.join(missing)}")
    lk = links.reindex(columns=link_cols).astype({"claim": str, "record_id": str})
    recs = records.drop(columns=["ambiguous", "person_id"], errors="ignore")
    recs = recs.astype({"claim": str, "record_id": str})
    for frame, what in ((recs, "records"), (lk, "links")):
        twice = frame[frame.duplicated(["claim", "record_id"])]
        if len(twice):
            first = twice.iloc[0]
            raise ValueError(f"{what} hold {first['claim']}:{first['record_id']} more than once")
    merged = recs.merge(lk, on=["claim", "record_id"], how="left")
    unlinked = merged[merged["person_id"].isna()]
    if len(unlinked):
        first = unlinked.iloc[0]
        raise ValueError(
            f"{len(unlinked)} record(s) have no link, e.g. {first['claim']}:{first['record_id']}"
        )
    wanted = (*_TEXT_COLS, *_FLAG_COLS, "age_min", "age_max")
    merged = merged.reindex(columns=[*merged.columns, *(c for c in wanted if c not in merged)])
    cols: dict[str, list[Any]] = {
        "claim": merged["claim"].tolist(),
        "record_id": merged["record_id"].tolist(),
        "person_id": merged["person_id"].astype(str).tolist(),
        "row": [int(x) for x in merged["row"].tolist()],
        "age_min": pd.to_numeric(merged["age_min"], errors="coerce").tolist(),
        "age_max": pd.to_numeric(merged["age_max"], errors="coerce").tolist(),
    }
    for c in _TEXT_COLS:
        cols[c] = ["" if v is None or v != v else str(v) for v in merged[c].tolist()]
    for c in _FLAG_COLS:
        cols[c] = [_as_flag(v) for v in merged[c].tolist()]
    names = list(cols)
    rows = [dict(zip(names, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]
    for r in rows:
        r["spellings"] = _spellings(r, ph)
    rows.sort(key=lambda r: (order[r["claim"]], r["row"], r["record_id"]))
    return rows


def _spellings(r: Record, ph: frozenset[str]) -> list[str]:
    """Every spelling a record gives of its person's name: name (unless a placeholder or a
    kinship description), then name_alt and alias spellings."""
    out = []
    name = r["name"].strip()
    if name and not (r["name_unknown"] or r["name_is_relation"] or is_placeholder(name, ph)):
        out.append(name)
    for col in ("name_alt", "alias"):
        out += [s for s in split_names(r[col]) if not is_placeholder(s, ph)]
    return out


def _stated(r: Record, ph: frozenset[str]) -> tuple[Stated | None, ...]:
    """A record's stated value of every field of MERGED_FIELDS, in that order: None where the
    record says nothing or says the value is unknown (neither counts for or against)."""
    claim = r["claim"]
    name = r["name"].strip()
    name_v = None
    if name and not (r["name_is_relation"] or r["name_unknown"] or is_placeholder(name, ph)):
        name_v = Stated(claim, name, tuple(r["spellings"]))
    age_v = None
    lo, hi = r["age_min"], r["age_max"]
    if r["age_n"] != "unknown" and finite(lo) and finite(hi):
        age_v = Stated(claim, r["age_n"] or format_age(lo, hi), (float(lo), float(hi)))
    out: dict[str, Stated | None] = {"name": name_v, "age": age_v}
    for field, col in PARSED_OF.items():
        v = r[col]
        out[field] = Stated(claim, v, v) if v and v != "unknown" else None
    out["relation"] = _stated_relation(r, ph)
    for field in FREE_TEXT:
        text = r[field].strip()
        ok = text and not is_placeholder(text, ph)
        out[field] = Stated(claim, text, norm_text(text)) if ok else None
    return tuple(out[f] for f in MERGED_FIELDS)


def _stated_relation(r: Record, ph: frozenset[str]) -> Stated | None:
    text = r["relation"].strip()
    term, to = r["relation_term"].strip(), r["relation_to"].strip()
    if not text and r["name_is_relation"]:
        text = r["name"].strip()
    if term:  # the target is resolved to persons later, only where two relations meet
        return Stated(
            r["claim"], text or (f"{term} of {to}" if to else term), RelationKey(term, to)
        )
    if not text or is_placeholder(text, ph):
        return None
    return Stated(r["claim"], text, RelationKey(norm_text(text), ""))  # a term nobody parsed


def _spelling_key(text: str) -> str:
    return " ".join(name_words(text))


# A relation's target that shares its words' keys with more persons than this names no one in
# particular: it is left unresolved.
TARGET_CANDIDATES = 50
# Words in a relation's target that are not part of anyone's name ("the lieutenant").
TARGET_FILLER: frozenset[str] = frozenset({"the", "of", "and", "his", "her", "their"})


class _Targets:
    """Resolves the target of a relation ("Qardash" in "wife of Qardash") to persons: those with
    a spelling that agrees with it as a name (names_agree), found through the cross-script keys
    of its words."""

    def __init__(self, groups: dict[str, list[Record]]) -> None:
        self._groups = groups
        self._index: dict[tuple[str, str], set[str]] = {}  # (claim or "", key) -> person ids
        self._spellings: dict[str, list[str]] = {}
        self._built = False

    def _build(self) -> None:
        """Index every spelling's word keys, by claim and case-wide (on first use only: most
        lists have few relations)."""
        index: dict[tuple[str, str], set[str]] = defaultdict(set)
        for pid, members in self._groups.items():
            for r in members:
                for s in r["spellings"]:
                    self._spellings.setdefault(pid, []).append(s)
                    for k in (k for keys in name_form(s)[1] for k in keys):
                        index[(r["claim"], k)].add(pid)
                        index[("", k)].add(pid)
        self._index, self._built = dict(index), True

    def _find(self, scope: str, target: str) -> frozenset[str]:
        if not self._built:
            self._build()
        tokens, keys = name_form(target)
        words = [ks for t, ks in zip(tokens, keys, strict=True) if t not in TARGET_FILLER]
        found: set[str] | None = None
        for ks in words:
            hit: set[str] = set().union(*(self._index.get((scope, k), set()) for k in ks))
            found = hit if found is None else found & hit
        if found and len(found) > TARGET_CANDIDATES:
            return frozenset()  # a name too common to point at anyone ("Mohammed")
        return frozenset(
            p for p in found or () if any(names_agree(target, s) for s in self._spellings[p])
        )

    def resolve(self, claim: str, pid: str, key: RelationKey) -> RelationKey:
        """The key with its target resolved: `person`, the one person of the relation's own
        claim (other than its own person `pid`) the target names, and `persons`, every person of
        the case it names."""
        if not key.to:
            return key
        within = self._find(claim, key.to) - {pid}
        person = next(iter(within)) if len(within) == 1 else ""
        return key._replace(person=person, persons=self._find("", key.to))


def _normalised(field: str, rows: list[Record], ph: frozenset[str]) -> list[str]:
    """The normalised form of a field for each record, shown beside its own value in
    person_fields: the parsed column for parsed fields, folded text or name tokens otherwise,
    "unknown" for a placeholder."""
    if field == "age":
        return [r["age_n"] for r in rows]
    if field in PARSED_OF:
        return [r[PARSED_OF[field]] for r in rows]
    out = []
    for r in rows:
        text = r[field].strip()
        if not text:
            norm = ""
        elif field in ("name_alt", "alias"):
            norm = "; ".join(_spelling_key(s) for s in split_names(text))
        elif is_placeholder(text, ph) or (field == "name" and r["name_unknown"]):
            norm = "unknown"
        elif field == "name":
            norm = _spelling_key(text)
        else:
            norm = norm_text(text)
        if field == "relation" and r["relation_term"]:
            to = r["relation_to"].strip()
            norm = f"{r['relation_term']}: {to}" if to else r["relation_term"]
        out.append(norm)
    return out


def _person_fields(groups: dict[str, list[Record]], ph: frozenset[str]) -> pd.DataFrame:
    """person_fields: every record's non-blank value of each LONG_FIELDS field, ordered by person
    (the order of `groups`), then field, then the record's order within its person."""
    ordered = [r for members in groups.values() for r in members]
    person_rank = [i for i, members in enumerate(groups.values()) for _ in members]
    parts = []
    for i, field in enumerate(LONG_FIELDS):
        values = [r[field] for r in ordered]
        norms = _normalised(field, ordered, ph)
        keep = [j for j, (v, n) in enumerate(zip(values, norms, strict=True)) if v.strip() or n]
        part = {c: [ordered[j][c] for j in keep] for c in ("person_id", "claim", "record_id")}
        part |= {c: [ordered[j][c] for j in keep] for c in ("file", "row")}
        part |= {"value": [values[j] for j in keep], "normalised": [norms[j] for j in keep]}
        part |= {"field": [field] * len(keep), "_field": [i] * len(keep)}
        parts.append(pd.DataFrame(part | {"_person": [person_rank[j] for j in keep]}))
    out = pd.concat(parts, ignore_index=True).sort_values(["_person", "_field"], kind="stable")
    out = out.reindex(columns=list(PERSON_FIELD_COLUMNS)).reset_index(drop=True)
    return out.astype({"row": "int64"})


def merge_persons(
    records: pd.DataFrame,
    links: pd.DataFrame,
    claims: Sequence[Claim],
    placeholders: Iterable[str] = DEFAULT_PLACEHOLDERS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge records into persons by their links (one link per record, LINK_COLUMNS).

    Returns (persons, person_fields): persons has PERSON_COLUMNS, one row per person, ordered by
    its first record (case order of claims, then row); person_fields has PERSON_FIELD_COLUMNS,
    every claim's own non-blank value of each field in LONG_FIELDS with its normalised form.
    Field semantics are in reconcile.agree and docs/reports.md.
    """
    ph = placeholder_set(placeholders)
    order = _claim_order(claims, records, links)
    rows = _joined_records(records, links, order, ph)
    groups: dict[str, list[Record]] = {}
    for r in rows:  # rows are sorted, so each group's members and the groups come out in order
        groups.setdefault(r["person_id"], []).append(r)
    complete = {c.id for c in claims if c.complete}
    all_claims = sorted(order, key=order.__getitem__)
    targets = _Targets(groups)
    comparators = [(f, f"{f}_status", *COMPARATORS[f]) for f in MERGED_FIELDS]

    persons: list[Record] = []
    for pid, members in groups.items():
        present = list(dict.fromkeys(r["claim"] for r in members))
        silent = [c for c in all_claims if c not in present]
        row: Record = {
            "person_id": pid,
            "claims": ";".join(present),
            "n_claims": len(present),
            "silent": ";".join(silent),
            "denied_by": ";".join(c for c in silent if c in complete),
            "ambiguous": any(r["ambiguous"] for r in members),
        }
        stated = [_stated(r, ph) for r in members]
        for k, (field, status, compatible, merge) in enumerate(comparators):
            values = [x for v in stated if (x := v[k]) is not None]
            if len(values) < 2:  # the common case, without a call: unknown or single
                row[field], row[status] = (values[0].text, "single") if values else ("", "unknown")
            elif field == "relation":
                values = [v._replace(key=targets.resolve(v.claim, pid, v.key)) for v in values]
                row[field], row[status] = verdict(values, compatible, merge)
            else:
                row[field], row[status] = verdict(values, compatible, merge)
        row["names"] = " | ".join(dict.fromkeys(s for r in members for s in r["spellings"]))
        persons.append(row)
    out = pd.DataFrame(persons, columns=list(PERSON_COLUMNS))
    out = out.astype({"n_claims": "int64", "ambiguous": "bool"})
    return out, _person_fields(groups, ph)
