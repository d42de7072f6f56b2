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

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


def _link_refs(links: pd.DataFrame) -> pa.Array:
    """claim:record_id of every link, as Arrow text (no Python string per link)."""
    return _arrow_text(links["claim"].astype(str) + ":" + links["record_id"].astype(str))


def _arrow_text(values: pd.Series) -> pa.Array:
    """A column as Arrow large_string (str() of anything that is not text), without a Python
    string per row when it is Arrow text already."""
    arrow = getattr(values.array, "_pa_array", None)
    if isinstance(values.dtype, pd.StringDtype) and arrow is not None and not arrow.null_count:
        whole = arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
        return whole.cast(pa.large_string())
    return pa.array(_text(values), type=pa.large_string())


def _not_in(values: pa.Array, others: pa.Array) -> np.ndarray:
    """bool per value: not among `others`."""
    return ~np.asarray(pc.is_in(values, value_set=others), dtype=bool)


def _where(values: pa.Array, mask: np.ndarray) -> np.ndarray:
    """values[mask] as an object array of str."""
    return np.array(values.filter(pa.array(mask)).to_pylist(), dtype=object)


def _text(values: pd.Series) -> np.ndarray:
    """A column as an object array of str (str() of anything that is not text)."""
    out = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(out, skipna=False) != "string":
        out = np.array([str(v) for v in out], dtype=object)
    return out


def _few(values: pd.Series) -> np.ndarray:
    """_text of a column of few distinct values (a status): one Python string per distinct
    value, not one per row."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # this run's statuses
        codes = values.cat.codes.to_numpy()
        if len(codes) == 0 or codes.min() >= 0:  # (not a str per row: ~110 MB a field at 1M)
            return np.array([str(c) for c in values.cat.categories], dtype=object)[codes]
        return _text(values)
    arrow = getattr(values.array, "_pa_array", None)
    if not isinstance(values.dtype, pd.StringDtype) or arrow is None or arrow.null_count:
        return _text(values)
    blocks = pc.dictionary_encode(arrow).chunks  # (each block holds the whole dictionary)
    if not blocks:
        return np.zeros(0, dtype=object)
    codes = np.concatenate([np.asarray(b.indices, dtype=np.intp) for b in blocks])
    return np.array(blocks[0].dictionary.to_pylist(), dtype=object)[codes]


def _status_table(
    persons: pd.DataFrame, ids: np.ndarray | pa.Array, fields: list[str]
) -> pd.DataFrame:
    """person_id and the F_status columns of `fields` (as text) of the persons `ids`, the last
    row of a person_id winning."""
    pid = _arrow_text(persons["person_id"])
    wanted = ids if isinstance(ids, pa.Array) else pa.array(ids, type=pa.large_string())
    keep = np.asarray(pc.is_in(pid, value_set=wanted.cast(pa.large_string())), dtype=bool)
    columns = {"person_id": _where(pid, keep)}
    columns |= {f: _few(persons[f"{f}_status"])[keep] for f in fields}
    table = pd.DataFrame(columns, dtype=object)  # object: no copy into Arrow strings and back
    return table.drop_duplicates("person_id", keep="last")


def _kept_rows(
    old_persons: pd.DataFrame, new_persons: pd.DataFrame, kept: pa.Array
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The kept ids found in both persons tables, and the row of each in either (the last row
    of a person_id, as a table built row by row would keep)."""
    rows = []
    for persons in (old_persons, new_persons):
        pid = _arrow_text(persons["person_id"])
        backwards = pc.index_in(kept.cast(pa.large_string()), value_set=pid[::-1])
        rows.append(len(pid) - 1 - np.asarray(backwards.fill_null(len(pid)), dtype=np.int64))
    found = (rows[0] >= 0) & (rows[1] >= 0)
    return kept.filter(pa.array(found)), rows[0][found], rows[1][found]


def _distinct(values: np.ndarray) -> np.ndarray:
    """np.unique of integers (ascending), by one sort rather than hashing then sorting."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _ranked(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize(values, sort=True) for text: (each value's code, the distinct texts in
    str order), the texts sorted by Arrow (UTF-8 byte order is code point order)."""
    codes, uniques = pd.factorize(values)
    texts = np.asarray(uniques, dtype=object)
    order = np.asarray(pc.array_sort_indices(pa.array(texts, type=pa.large_string())))
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[np.asarray(codes, dtype=np.intp)], texts[order]


def _sorted_texts(values: pd.Series) -> list[str]:
    """sorted(str(v) for v in values.unique()) of a column of text, sorted by Arrow."""
    return [str(v) for v in _ranked(_text(values))[1]]


@dataclass
class _Side:
    """One run's persons that were not kept, as codes: person i is `ids[i]`; its records are
    `ref[start[i]:start[i + 1]]` (codes into the shared sorted refs, ascending); `of[r]` is
    the person holding record r (-1 when none; of two, the one listed first latest, as a
    dict built row by row would have it)."""

    ids: np.ndarray
    person: np.ndarray  # one per (person, record), sorted by person, then record
    ref: np.ndarray
    start: np.ndarray
    of: np.ndarray

    @classmethod
    def of_links(cls, pid: np.ndarray, ref: np.ndarray, n_refs: int) -> _Side:
        code, ids = _ranked(pid)  # codes in id order (str order)
        code = np.asarray(code, dtype=np.int64)
        key = _distinct(code * n_refs + ref)
        person, ref = key // n_refs, key % n_refs
        start = np.searchsorted(person, np.arange(len(ids) + 1))
        first_row = np.full(len(ids), len(pid), dtype=np.int64)
        np.minimum.at(first_row, code, np.arange(len(pid), dtype=np.int64))
        by_ref = np.lexsort((first_row[person], ref))
        last = np.flatnonzero(np.r_[ref[by_ref][1:] != ref[by_ref][:-1], True])[: len(ref)]
        of = np.full(n_refs, -1, dtype=np.int64)
        of[ref[by_ref][last]] = person[by_ref][last]
        return cls(np.asarray(ids, dtype=object), person, ref, start, of)

    def records(self, persons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index into `persons`, record) of every record of those persons."""
        count = self.start[persons + 1] - self.start[persons]
        total = int(count.sum())
        at = np.repeat(np.arange(len(persons)), count)
        begin = np.repeat(self.start[persons] - (np.cumsum(count) - count), count)
        return at, self.ref[begin + np.arange(total)]


def _grouped(
    group: np.ndarray, value: np.ndarray, n_groups: int, names: list[str]
) -> list[tuple[str, ...]]:
    """names[v] for each group's distinct values, ascending, as one tuple per group."""
    width = max(len(names), 1)
    key = _distinct(group * width + value)
    bounds = np.searchsorted(key // width, np.arange(n_groups + 1))
    texts = [names[v] for v in (key % width).tolist()]
    return [
        tuple(texts[a:b]) for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    ]


def _person_changes(
    old_pid: np.ndarray, old_ref: np.ndarray, new_pid: np.ndarray, new_ref: np.ndarray
) -> tuple[list[PersonChange], _Side, _Side, np.ndarray, np.ndarray]:
    """The persons' changes (in no order), both sides, and the (old, new) person pairs that
    share a record (each once, by old then new)."""
    refs_code, refs = _ranked(np.concatenate([old_ref, new_ref]))
    refs_code = np.asarray(refs_code, dtype=np.int64)
    n_refs, names = len(refs), [str(r) for r in refs]
    old = _Side.of_links(old_pid, refs_code[: len(old_ref)], n_refs)
    new = _Side.of_links(new_pid, refs_code[len(old_ref) :], n_refs)
    n_old, n_new = len(old.ids), len(new.ids)
    # to_new[o]: the new persons holding o's records; from_old[p] the old ones holding p's
    to = new.of[old.ref]
    edge = _distinct(old.person[to >= 0] * max(n_new, 1) + to[to >= 0])
    e_old, e_new = edge // max(n_new, 1), edge % max(n_new, 1)
    fan_out = np.bincount(e_old, minlength=n_old)
    back = old.of[new.ref]
    e_back = _distinct(new.person[back >= 0] * max(n_old, 1) + back[back >= 0])
    b_new, b_old = e_back // max(n_old, 1), e_back % max(n_old, 1)
    fan_in = np.bincount(b_new, minlength=n_new)
    only_old = np.full(n_new, -1, dtype=np.int64)
    only_old[b_new[fan_in[b_new] == 1]] = b_old[fan_in[b_new] == 1]
    added = np.flatnonzero(fan_in == 0)
    merged = np.flatnonzero(fan_in > 1)
    one = np.flatnonzero(fan_in == 1)
    changed = one[fan_out[only_old[one]] == 1]
    removed = np.flatnonzero(fan_out == 0)
    split = np.flatnonzero(fan_out > 1)
    # each change's records: its new persons' and its old persons' (g: the change's number)
    anchors_new = np.concatenate([added, merged, changed])
    anchors_old = np.concatenate([removed, split])
    g_new = np.full(n_new, -1, dtype=np.int64)
    g_new[anchors_new] = np.arange(len(anchors_new))
    g_old = np.full(n_old, -1, dtype=np.int64)
    g_old[anchors_old] = len(anchors_new) + np.arange(len(anchors_old))
    n_changes = len(anchors_new) + len(anchors_old)
    at, ref = new.records(anchors_new)
    groups, values = [g_new[anchors_new][at]], [ref]
    at, ref = old.records(anchors_old)
    groups.append(g_old[anchors_old][at])
    values.append(ref)
    into = g_new[b_new] >= 0  # old persons whose records a merged or changed person holds
    at, ref = old.records(b_old[into])
    groups.append(g_new[b_new[into]][at])
    values.append(ref)
    into = g_old[e_old] >= 0  # new persons holding a split person's records
    at, ref = new.records(e_new[into])
    groups.append(g_old[e_old[into]][at])
    values.append(ref)
    group, value = np.concatenate(groups), np.concatenate(values)
    records = _grouped(group, value, n_changes, names)
    # the order of the report: by kind, then by records (tuples compared only where two
    # changes of a kind start with the same record)
    first = np.full(n_changes, n_refs, dtype=np.int64)
    np.minimum.at(first, group, value)
    kinds = (added, merged, changed, removed, split)
    rank = np.repeat(np.array([3, 0, 2, 4, 1]), [len(x) for x in kinds])
    order = np.lexsort((first, rank))
    key = (rank * (n_refs + 1) + first)[order]
    tied = np.flatnonzero(np.r_[False, key[1:] == key[:-1]] | np.r_[key[:-1] == key[1:], False])
    cut = (np.diff(tied) > 1) | (key[tied[1:]] != key[tied[:-1]])  # a new run of equal keys
    runs = np.split(tied, np.flatnonzero(cut) + 1) if len(tied) else []
    for run in runs:
        order[run] = sorted(order[run].tolist(), key=lambda g: records[g])
    # a changed person's records gained (not its old person's) and lost (not its own now)
    width = max(n_refs, 1)
    held_old = old.person * width + old.ref
    held_new = new.person * width + new.ref
    at, ref = new.records(changed)
    gain = ~np.isin(only_old[changed][at] * width + ref, held_old)
    gained = _grouped(at[gain], ref[gain], len(changed), names)
    at, ref = old.records(only_old[changed])
    loss = ~np.isin(changed[at] * width + ref, held_new)
    lost = _grouped(at[loss], ref[loss], len(changed), names)
    olds_of = _grouped(b_new, b_old, n_new, [str(x) for x in old.ids])
    news_of = _grouped(e_old, e_new, n_old, [str(x) for x in new.ids])
    new_ids, old_ids = [str(x) for x in new.ids], [str(x) for x in old.ids]
    out: list[PersonChange] = []
    k = 0
    for p in added.tolist():
        out.append(PersonChange("added", (), (new_ids[p],), records[k]))
        k += 1
    for p in merged.tolist():
        out.append(PersonChange("merged", olds_of[p], (new_ids[p],), records[k]))
        k += 1
    for j, p in enumerate(changed.tolist()):
        was = old_ids[int(only_old[p])]
        out.append(PersonChange("changed", (was,), (new_ids[p],), records[k], gained[j], lost[j]))
        k += 1
    for o in removed.tolist():
        out.append(PersonChange("removed", (old_ids[o],), (), records[k]))
        k += 1
    for o in split.tolist():
        out.append(PersonChange("split", (old_ids[o],), news_of[o], records[k]))
        k += 1
    return [out[g] for g in order.tolist()], old, new, b_old, b_new


def _joined_statuses(
    code: np.ndarray, texts: list[str], e_old: np.ndarray, e_new: np.ndarray, n_new: int
) -> tuple[np.ndarray, list[str]]:
    """Per new person, which of `joined` is " | ".join(sorted(distinct statuses of its old
    persons)) ("" when none): (each new person's index into joined, joined). `code[o]` is
    old person o's status (an index into `texts`), -1 when it has no row in persons.csv."""
    known = code[e_old] >= 0
    if len(texts) > 62:  # more distinct statuses than bits: one person at a time
        sets: dict[int, set[str]] = {}
        for p, c in zip(e_new[known].tolist(), code[e_old][known].tolist(), strict=True):
            sets.setdefault(p, set()).add(texts[c])
        words = [" | ".join(sorted(sets.get(p, ()))) for p in range(n_new)]
        which, distinct = pd.factorize(np.array(words, dtype=object))
        return np.asarray(which, dtype=np.intp), [str(j) for j in distinct]
    mask = np.zeros(n_new, dtype=np.uint64)
    bits = np.left_shift(np.uint64(1), code[e_old][known].astype(np.uint64))
    np.bitwise_or.at(mask, e_new[known], bits)
    at, masks = pd.factorize(mask)  # the few distinct sets of statuses
    joined = [" | ".join(sorted(t for i, t in enumerate(texts) if int(m) >> i & 1)) for m in masks]
    return np.asarray(at, dtype=np.intp), joined


def _codes_of(values: np.ndarray, at: np.ndarray, n: int) -> tuple[np.ndarray, list[str]]:
    """(code of each of n persons, the distinct texts): persons `at` hold `values`, the
    others -1."""
    codes, texts = pd.factorize(values)
    out = np.full(n, -1, dtype=np.intp)
    out[at] = codes
    return out, [str(t) for t in texts]


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
    others as arrays of (person, record) codes, so that a run over another case's outputs,
    where every person changed, costs no more than one that kept them.
    """
    with _cycles_unchecked():
        return _compare_runs(old_persons, old_links, new_persons, new_links)


@contextmanager
def _cycles_unchecked() -> Iterator[None]:
    """The cycle collector paused while a million changes are built: they hold no cycles, and
    it would walk every one of them again at each full collection (most of the time at 1M)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _compare_runs(
    old_persons: pd.DataFrame,
    old_links: pd.DataFrame,
    new_persons: pd.DataFrame,
    new_links: pd.DataFrame,
) -> Changes:
    """compare_runs' work (with the cycle collector paused)."""
    # ids and record refs stay Arrow text (hashed by Arrow): Python strings only for the rows
    # of persons that were not kept
    old_pid, new_pid = _arrow_text(old_links["person_id"]), _arrow_text(new_links["person_id"])
    old_ids, new_ids = pc.unique(old_pid), pc.unique(new_pid)
    kept_ids = old_ids.filter(pc.is_in(old_ids, value_set=new_ids))
    old_refs = _link_refs(old_links)
    new_refs = _link_refs(new_links)
    o_rows = ~np.asarray(pc.is_in(old_pid, value_set=kept_ids), dtype=bool)
    n_rows = ~np.asarray(pc.is_in(new_pid, value_set=kept_ids), dtype=bool)
    changes, old, new, b_old, b_new = _person_changes(
        _where(old_pid, o_rows),
        _where(old_refs, o_rows),
        _where(new_pid, n_rows),
        _where(new_refs, n_rows),
    )
    # field changes as columns: person_id, the field's number, old and new status
    f_pid: list[np.ndarray] = []
    f_k: list[np.ndarray] = []
    f_old: list[np.ndarray] = []
    f_new: list[np.ndarray] = []
    # kept persons: their own statuses before and now, column by column
    both = [
        f
        for f in MERGED_FIELDS
        if f"{f}_status" in old_persons.columns and f"{f}_status" in new_persons.columns
    ]
    # (each kept person's last row in either persons table, found by Arrow: no table of text)
    ids, at_old, at_new = _kept_rows(old_persons, new_persons, kept_ids)
    for k, f in enumerate(MERGED_FIELDS):
        if f not in both:
            continue
        was_f = _few(old_persons[f"{f}_status"])[at_old]
        now_f = _few(new_persons[f"{f}_status"])[at_new]
        hit = np.flatnonzero((was_f != "") & (was_f != now_f))
        f_pid.append(np.array(ids.take(pa.array(hit)).to_pylist(), dtype=object))
        f_k.append(np.full(len(hit), k))
        f_old.append(was_f[hit])
        f_new.append(now_f[hit])
    # the other new persons: the statuses of the old persons their records were in
    old_cols = [f for f in MERGED_FIELDS if f"{f}_status" in old_persons.columns]
    new_cols = [f for f in MERGED_FIELDS if f"{f}_status" in new_persons.columns]
    was = _status_table(old_persons, old.ids[_distinct(b_old)], old_cols)
    now = _status_table(new_persons, new.ids[_distinct(b_new)], new_cols)
    was_at = pd.Index(old.ids).get_indexer(was["person_id"].to_numpy())
    now_at = pd.Index(new.ids).get_indexer(now["person_id"].to_numpy())
    for k, f in enumerate(MERGED_FIELDS):
        if f not in old_cols or f not in new_cols:
            continue
        code, texts = _codes_of(was[f].to_numpy(), was_at, len(old.ids))
        before, joined = _joined_statuses(code, texts, b_old, b_new, len(new.ids))
        after, now_texts = _codes_of(now[f].to_numpy(), now_at, len(new.ids))
        # which (joined statuses, status now) differ, worked out once for each pair met
        differs = np.array(
            [[j != "" and j != t for t in now_texts] + [False] for j in joined], dtype=bool
        ).reshape(len(joined), len(now_texts) + 1)
        hit = np.flatnonzero(differs[before, after]) if len(joined) else np.zeros(0, np.intp)
        f_pid.append(new.ids[hit])
        f_k.append(np.full(len(hit), k))
        f_old.append(np.array([*joined, ""], dtype=object)[before[hit]])
        f_new.append(np.array([*now_texts, ""], dtype=object)[after[hit]])
    pid = np.concatenate(f_pid) if f_pid else np.zeros(0, dtype=object)
    k_all = np.concatenate(f_k) if f_k else np.zeros(0, dtype=np.int64)
    rank = _ranked(pid)[0] if len(pid) else np.zeros(0, np.intp)
    at = np.lexsort((k_all, rank))
    was_all = np.concatenate(f_old)[at] if f_old else pid
    now_all = np.concatenate(f_new)[at] if f_new else pid
    fields = [
        FieldChange(p, MERGED_FIELDS[k], w, n)
        for p, k, w, n in zip(
            pid[at].tolist(), k_all[at].tolist(), was_all.tolist(), now_all.tolist(), strict=True
        )
    ]
    added = _sorted_texts(pd.Series(_where(new_refs, _not_in(new_refs, old_refs)), dtype=object))
    removed = _sorted_texts(pd.Series(_where(old_refs, _not_in(old_refs, new_refs)), dtype=object))
    kinds = Counter(c.kind for c in changes)
    totals = {k: kinds[k] for k in KINDS}
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
