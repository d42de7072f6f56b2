"""What changed since the last run: persons added, removed, merged, split; field statuses (pure).

Compares the previous run's persons.csv and links.csv (read by reconcile.previous) with this
run's frames. A person_id is derived from the person's members, so a person whose records did
not change keeps its id; every other person is described by what happened to its records:

- ``merged``: one new person holds the records of several old persons (a `same` decision,
  a new link);
- ``split``: the records of one old person went to several new persons (a `different`
  decision, an edit that broke a link);
- ``changed``: one old person became one new person with records gained or lost (a record
  added to or deleted from a claim, or a link moved);
- ``added``: a new person with none of the old records (new records);
- ``removed``: an old person none of whose records is still there.

A field change is a person whose F_status column of persons.csv (agree / conflict / single /
unknown) differs from the run before: for a person with the same members, its own status then;
for a merged, split or changed person, the statuses of the old persons its records were in
(" | "-joined when they differed: `single | unknown -> agree`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from reconcile.schema import MERGED_FIELDS

TITLE = "Changed since the last run"
INTRO = (
    "Compared with the outputs of the previous run in the same folder: persons added, removed, "
    "merged or split, and fields whose status changed. Unchanged persons keep their person_id."
)
FIRST_RUN = "first run: nothing to compare"
KINDS: tuple[str, ...] = ("merged", "split", "changed", "added", "removed")
MORE_IN = "see the changes table of report.xlsx or reconcile.sqlite"
# changes table (report.xlsx, reconcile.sqlite), one row per change: kind (a KIND, or `field`),
# old_person_ids, new_person_ids (";"-joined), records (claim:record_id, ";"-joined), gained,
# lost (`changed` only), field, old_status, new_status (`field` rows only)
CHANGE_COLUMNS: tuple[str, ...] = (
    "kind",
    "old_person_ids",
    "new_person_ids",
    "records",
    "gained",
    "lost",
    "field",
    "old_status",
    "new_status",
)


@dataclass(frozen=True)
class PersonChange:
    """One change to the persons: old person ids -> new person ids, and the records involved."""

    kind: str  # merged | split | changed | added | removed
    old: tuple[str, ...]
    new: tuple[str, ...]
    records: tuple[str, ...]  # claim:record_id of every record involved, sorted
    gained: tuple[str, ...] = ()  # `changed`: records the person gained
    lost: tuple[str, ...] = ()  # `changed`: records the person lost


@dataclass(frozen=True)
class FieldChange:
    person_id: str  # the new person_id
    field: str
    old: str  # the status in the previous run
    new: str


@dataclass
class Changes:
    """The changes since the previous run; `note` says why nothing was compared, if so."""

    note: str = ""
    persons_before: int = 0
    persons_after: int = 0
    kept: int = 0  # persons with the same members, so the same person_id
    persons: list[PersonChange] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)
    records_added: list[str] = field(default_factory=list)
    records_removed: list[str] = field(default_factory=list)
    # how many of each: merged, split, changed, added, removed, fields, records_added,
    # records_removed (the lists above may be cut to `limit` for the reports; these are not)
    totals: dict[str, int] = field(default_factory=dict)
    limit: int = 0  # the lists are cut to this many items (0: whole)

    @property
    def compared(self) -> bool:
        return not self.note

    def count(self, kind: str) -> int:
        return self.totals.get(kind, 0)


def first_run(note: str = FIRST_RUN) -> Changes:
    """Nothing to compare (no previous outputs, or they could not be read: `note` says which)."""
    return Changes(note=note)


def _members(links: pd.DataFrame) -> dict[str, set[str]]:
    refs = links["claim"].astype(str) + ":" + links["record_id"].astype(str)
    out: dict[str, set[str]] = {}
    for pid, ref in zip(links["person_id"].astype(str), refs, strict=True):
        out.setdefault(pid, set()).add(ref)
    return out


def _link_refs(links: pd.DataFrame) -> pd.Series:
    """claim:record_id of every link, as an object Series (isin on it hashes)."""
    refs = links["claim"].astype(str) + ":" + links["record_id"].astype(str)
    return pd.Series(_text(refs), dtype=object)


def _text(values: pd.Series) -> np.ndarray:
    """A column as an object array of str (str() of anything that is not text)."""
    out = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(out, skipna=False) != "string":
        out = np.array([str(v) for v in out], dtype=object)
    return out


def _status_table(persons: pd.DataFrame, ids: np.ndarray, fields: list[str]) -> pd.DataFrame:
    """person_id and the F_status columns of `fields` (as text) of the persons `ids`, the last
    row of a person_id winning."""
    pid = _text(persons["person_id"])
    rows = persons[pd.Series(pid, index=persons.index, dtype=object).isin(ids).to_numpy()]
    table = pd.DataFrame({"person_id": _text(rows["person_id"])})
    for f in fields:
        table[f] = _text(rows[f"{f}_status"])
    return table.drop_duplicates("person_id", keep="last")


def _statuses(persons: pd.DataFrame, ids: list[str]) -> dict[str, dict[str, str]]:
    cols = [f for f in MERGED_FIELDS if f"{f}_status" in persons.columns]
    table = _status_table(persons, np.asarray(ids, dtype=object), cols)
    return {
        pid: dict(zip(cols, vals, strict=True))
        for pid, *vals in table.itertuples(index=False, name=None)
    }


def compare_runs(
    old_persons: pd.DataFrame,
    old_links: pd.DataFrame,
    new_persons: pd.DataFrame,
    new_links: pd.DataFrame,
) -> Changes:
    """The changes from the previous run to this one.

    links: LINK_COLUMNS (claim, record_id, person_id at least); persons: person_id and the
    F_status columns (reconcile.schema). Every list is sorted, so the result is deterministic.
    Persons kept (the same person_id, so the same members) are compared column by column; the
    others, few after an edit, one by one.
    """
    old_pid = pd.Series(_text(old_links["person_id"]), dtype=object)  # object: isin hashes
    new_pid = pd.Series(_text(new_links["person_id"]), dtype=object)
    old_ids, new_ids = pd.unique(old_pid), pd.unique(new_pid)
    kept_ids = np.asarray(pd.Index(old_ids).intersection(pd.Index(new_ids)), dtype=object)
    old = _members(old_links[~old_pid.isin(kept_ids).to_numpy()])
    new = _members(new_links[~new_pid.isin(kept_ids).to_numpy()])
    old_of = {r: p for p, rs in old.items() for r in rs}
    new_of = {r: p for p, rs in new.items() for r in rs}
    gone, came = old, new
    to_new = {p: sorted({new_of[r] for r in rs if r in new_of}) for p, rs in gone.items()}
    from_old = {p: sorted({old_of[r] for r in rs if r in old_of}) for p, rs in came.items()}
    changes: list[PersonChange] = []
    for p, olds in sorted(from_old.items()):
        if not olds:
            changes.append(PersonChange("added", (), (p,), tuple(sorted(came[p]))))
        elif len(olds) > 1:
            recs = set(came[p]).union(*(gone[o] for o in olds))
            changes.append(PersonChange("merged", tuple(olds), (p,), tuple(sorted(recs))))
        elif len(to_new[olds[0]]) == 1:
            o = olds[0]
            changes.append(
                PersonChange(
                    "changed",
                    (o,),
                    (p,),
                    tuple(sorted(gone[o] | came[p])),
                    tuple(sorted(came[p] - gone[o])),
                    tuple(sorted(gone[o] - came[p])),
                )
            )
    for o, news in sorted(to_new.items()):
        if not news:
            changes.append(PersonChange("removed", (o,), (), tuple(sorted(gone[o]))))
        elif len(news) > 1:
            recs = set(gone[o]).union(*(came[n] for n in news))
            changes.append(PersonChange("split", (o,), tuple(news), tuple(sorted(recs))))
    order = {"merged": 0, "split": 1, "changed": 2, "added": 3, "removed": 4}
    changes.sort(key=lambda c: (order[c.kind], c.records))
    found: list[tuple[str, int, FieldChange]] = []
    # kept persons: their own statuses before and now, column by column
    both = [
        f
        for f in MERGED_FIELDS
        if f"{f}_status" in old_persons.columns and f"{f}_status" in new_persons.columns
    ]
    pair = _status_table(old_persons, kept_ids, both).merge(
        _status_table(new_persons, kept_ids, both), on="person_id", suffixes=("_o", "_n")
    )
    pids = pair["person_id"].to_numpy()
    for k, f in enumerate(MERGED_FIELDS):
        if f not in both:
            continue
        was_f, now_f = pair[f + "_o"].to_numpy(), pair[f + "_n"].to_numpy()
        for i in np.flatnonzero((was_f != "") & (was_f != now_f)):
            found.append((pids[i], k, FieldChange(pids[i], f, was_f[i], now_f[i])))
    # the other new persons: the statuses of the old persons their records were in
    before_of = {p: olds for p, olds in from_old.items() if olds}
    was = _statuses(old_persons, sorted({o for olds in before_of.values() for o in olds}))
    now = _statuses(new_persons, sorted(before_of))
    for new_id, olds in before_of.items():
        after = now.get(new_id, {})
        for k, f in enumerate(MERGED_FIELDS):
            old_status = " | ".join(sorted({was[o][f] for o in olds if f in was.get(o, {})}))
            if old_status and f in after and old_status != after[f]:
                found.append((new_id, k, FieldChange(new_id, f, old_status, after[f])))
    found.sort(key=lambda x: (x[0], x[1]))
    fields = [fc for _, _, fc in found]
    old_refs = _link_refs(old_links)
    new_refs = _link_refs(new_links)
    added = sorted(str(r) for r in new_refs[~new_refs.isin(old_refs)].unique())
    removed = sorted(str(r) for r in old_refs[~old_refs.isin(new_refs)].unique())
    totals = {k: sum(1 for c in changes if c.kind == k) for k in KINDS}
    totals |= {"fields": len(fields), "records_added": len(added), "records_removed": len(removed)}
    return Changes(
        persons_before=len(old_ids),
        persons_after=len(new_ids),
        kept=len(kept_ids),
        persons=changes,
        fields=fields,
        records_added=added,
        records_removed=removed,
        totals=totals,
    )


def capped(changes: Changes, limit: int) -> Changes:
    """The changes with each list cut to `limit` items (the totals stay whole), for reports."""
    return replace(
        changes,
        persons=changes.persons[:limit],
        fields=changes.fields[:limit],
        records_added=changes.records_added[:limit],
        records_removed=changes.records_removed[:limit],
        limit=limit,
    )


def changes_frame(changes: Changes) -> pd.DataFrame:
    """Every change as a table (CHANGE_COLUMNS), persons first, then fields, in order."""
    rows = [
        (
            c.kind,
            ";".join(c.old),
            ";".join(c.new),
            ";".join(c.records),
            ";".join(c.gained),
            ";".join(c.lost),
            "",
            "",
            "",
        )
        for c in changes.persons
    ]
    rows += [("field", "", f.person_id, "", "", "", f.field, f.old, f.new) for f in changes.fields]
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS), dtype=object)


def _refs(refs: tuple[str, ...] | list[str], limit: int) -> str:
    shown = list(refs) if not limit or len(refs) <= limit else list(refs[:limit])
    more = len(refs) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def summary_line(changes: Changes) -> str:
    """One sentence: what changed in numbers (or why nothing was compared)."""
    if not changes.compared:
        return changes.note[:1].upper() + changes.note[1:] + "."
    if not any(changes.totals.values()) and changes.persons_before == changes.kept:
        return f"Nothing changed: the same {changes.kept} persons, every field status as before."
    parts = [
        f"{changes.persons_before} persons before, {changes.persons_after} now, "
        f"{changes.kept} unchanged"
    ]
    for kind in KINDS:
        n = changes.count(kind)
        if n:
            parts.append(f"{n} {kind}")
    n = changes.count("fields")
    parts.append(f"{n} field status{'es' if n != 1 else ''} changed")
    n_added, n_removed = changes.count("records_added"), changes.count("records_removed")
    if n_added or n_removed:
        parts.append(f"records: {n_added} added, {n_removed} removed")
    return "; ".join(parts) + "."


def detail_lines(changes: Changes) -> list[str]:
    """One plain sentence per change (the same wording in every report), capped at `limit`."""
    lim = changes.limit
    out: list[str] = []
    for c in changes.persons[: lim or None]:
        if c.kind == "merged":
            out.append(f"merged: {', '.join(c.old)} -> {c.new[0]} ({_refs(c.records, lim)})")
        elif c.kind == "split":
            out.append(f"split: {c.old[0]} -> {', '.join(c.new)} ({_refs(c.records, lim)})")
        elif c.kind == "changed":
            what = []
            if c.gained:
                what.append(f"gained {_refs(c.gained, lim)}")
            if c.lost:
                what.append(f"lost {_refs(c.lost, lim)}")
            out.append(f"changed: {c.old[0]} -> {c.new[0]} ({'; '.join(what)})")
        elif c.kind == "added":
            out.append(f"added: {c.new[0]} ({_refs(c.records, lim)})")
        else:
            out.append(f"removed: {c.old[0]} (was {_refs(c.records, lim)})")
    more = sum(changes.count(k) for k in KINDS) - len(changes.persons[: lim or None])
    if more > 0:
        out.append(f"{more} more person changes: {MORE_IN}.")
    for fc in changes.fields[: lim or None]:
        out.append(f"{fc.person_id} {fc.field}: {fc.old} -> {fc.new}")
    more = changes.count("fields") - len(changes.fields[: lim or None])
    if more > 0:
        out.append(f"{more} more field changes: {MORE_IN}.")
    return out
