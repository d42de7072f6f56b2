"""Merge linked records into persons: every field's merged value and status, presence, long form."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reconcile.agree import (
    COMPARATORS,
    RelationKey,
    Stated,
    format_age,
    is_placeholder,
    norm_text,
    placeholder_set,
    split_names,
)
from reconcile.case import Claim
from reconcile.memory import release
from reconcile.merge_names import Names, Targets, stated_relation
from reconcile.merge_records import TEXT, Strings, Text
from reconcile.merge_records import Records as _Records
from reconcile.merge_resolve import Field, codes_as, keys_as, resolve
from reconcile.prepare import NameTokens
from reconcile.progress import Reporter
from reconcile.schema import (
    DEFAULT_PLACEHOLDERS,
    MERGED_FIELDS,
    PERSON_FIELD_COLUMNS,
    PERSON_HEAD_COLUMNS,
    PERSON_STATUSES,
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


def _claim_order(claims: Sequence[Claim], *frames: pd.DataFrame) -> dict[str, int]:
    """Case order of claim ids; ids seen only in the frames follow, alphabetically."""
    order = {c.id: i for i, c in enumerate(claims)}
    extra = sorted({str(x) for f in frames for x in f["claim"].unique()} - set(order))
    order.update({cid: len(order) + i for i, cid in enumerate(extra)})
    return order


def _placeholders_of(text: Text, ph: frozenset[str]) -> np.ndarray:
    """is_placeholder of every distinct value of a column (the same for it stripped): only
    values no longer than the longest placeholder once stripped can be one."""
    longest = max(map(len, ph), default=0)
    maybe = np.flatnonzero((text.unique_length <= longest) | text.unique_untrimmed)
    found = np.zeros(len(text.uniques), dtype=bool)
    found[maybe] = [is_placeholder(v, ph) for v in text.uniques[maybe].tolist()]
    return found


def _placeholders(text: Text, ph: frozenset[str]) -> np.ndarray:
    """is_placeholder of every value of a column, once per distinct value."""
    return _placeholders_of(text, ph)[text.codes]


def _hints(
    order: np.ndarray,
    tokens: Sequence[NameTokens],
    named: np.ndarray,
    extra: np.ndarray,
    n_alts: np.ndarray,
) -> np.ndarray | None:
    """Where each name text a merge tokenises may be in tokens[0].texts (-1: unknown): the
    names of records `named`, then the n_alts[k] name_alt and alias spellings of each record
    extra[k] (positions in person order; `order`: their rows in the records frame). Matching
    holds a record's texts together (NameTokens.rec): its name when it read one, then those
    spellings. Only a hint: merge_names.tokens_reusing checks each."""
    if not tokens or tokens[0].rec is None:
        return None
    rec = tokens[0].rec

    def texts_of(at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = order[at]
        lo = np.searchsorted(rec, rows)
        return lo, np.searchsorted(rec, rows, side="right") - lo

    lo, count = texts_of(named)
    of_names = np.where(count > 0, lo, -1)
    lo, count = texts_of(extra)
    skip = count - n_alts  # 1 when matching read the record's name first, else 0
    base = np.where((skip == 0) | (skip == 1), lo + skip, -1)
    within = np.arange(int(n_alts.sum())) - np.repeat(np.cumsum(n_alts) - n_alts, n_alts)
    of_alts = np.repeat(base, n_alts) + within
    of_alts[np.repeat(base < 0, n_alts)] = -1
    return np.concatenate([of_names, of_alts]).astype(np.int64)


def _with_unknown(texts: pa.Array) -> pa.Array:
    """Arrow strings with "unknown" after the last."""
    return pa.concat_arrays([texts, pa.array(["unknown"], type=texts.type)])


class _Merge:
    """What merge_persons computes from the records in person order."""

    def __init__(
        self, recs: _Records, ph: frozenset[str], tokens: Sequence[NameTokens] = ()
    ) -> None:
        self.recs, self.ph = recs, ph
        t, flag = recs.text, recs.flag
        self._stripped: dict[str, Strings] = {}
        self.name = self.stripped("name")
        self.name_ph = _placeholders(recs.texts("name"), ph)
        self.named = (
            (self.name != "") & ~flag["name_is_relation"] & ~flag["name_unknown"] & ~self.name_ph
        )
        alt, alias = t["name_alt"], t["alias"]
        self.has_extra = (alt != "") | (alias != "")  # a name_alt or alias is given
        self.extra = np.flatnonzero(self.has_extra)
        extra = self.extra.tolist()
        # each distinct name_alt / alias cell split once: its spellings, and those of them that
        # are not placeholders
        alt_t, alias_t = recs.texts("name_alt"), recs.texts("alias")
        alt_split = [split_names(v) for v in alt_t.uniques.tolist()]
        alias_split = [split_names(v) for v in alias_t.uniques.tolist()]
        self.split = {"name_alt": alt_split, "alias": alias_split}  # by distinct cell
        # (spellings come stripped, and casefolding never shortens: one longer than every
        # placeholder is none)
        longest = max(map(len, ph), default=0)
        alt_kept = [
            [s for s in x if len(s) > longest or not is_placeholder(s, ph)] for x in alt_split
        ]
        alias_kept = [
            [s for s in x if len(s) > longest or not is_placeholder(s, ph)] for x in alias_split
        ]
        alt_c, alias_c = alt_t.codes[self.extra].tolist(), alias_t.codes[self.extra].tolist()
        named = self.named.tolist()
        # each record's name_alt and alias cell, and each distinct cell's spellings that are
        # not placeholders (see spellings)
        self._cells = (alt_t.codes, alias_t.codes)
        self._kept = (alt_kept, alias_kept)
        # every text tokenised as a name, once: names (for their normalised words) and every
        # name_alt/alias spelling
        worded = (self.name != "") & ~self.name_ph & ~flag["name_unknown"]
        alts = [
            s for a, b in zip(alt_c, alias_c, strict=True) for s in (*alt_split[a], *alias_split[b])
        ]
        worded_at = np.flatnonzero(worded)
        every = pa.concat_arrays(
            [recs.arrow_stripped("name", worded_at), pa.array(alts, type=TEXT)]
        )
        encoded = pc.dictionary_encode(every)  # in Arrow: no hashing of Python strings
        del every
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        n_alts = np.array([len(x) for x in alt_split], dtype=np.int64).reshape(-1)[alt_c]
        n_alts += np.array([len(x) for x in alias_split], dtype=np.int64).reshape(-1)[alias_c]
        where = _hints(recs.order, tokens, worded_at, self.extra, n_alts)
        hint = None
        if where is not None:  # by distinct text: one of its hints
            hint = np.full(len(encoded.dictionary), -1, dtype=np.int64)
            given = where >= 0
            hint[codes[given]] = where[given]
        self.names = Names(encoded.dictionary, tokens, hint)
        del where, hint
        del encoded
        self.name_at = np.full(len(recs), -1, dtype=np.int64)  # each name's position in names
        self.name_at[worded_at] = codes[: len(worded_at)]
        self.alt_at = dict(zip(alts, codes[len(worded_at) :].tolist(), strict=True))
        # the positions of every spelling of a record with extras (its name first when named),
        # and each record's spellings as one integer: its name's position when that is the only
        # one, else len(names) + a number per distinct tuple of positions
        at = self.alt_at
        alt_pos = [tuple(at[s] for s in x) for x in alt_kept]
        alias_pos = [tuple(at[s] for s in x) for x in alias_kept]
        name_at = self.name_at[self.extra].tolist()
        self._extra_keys: dict[int, tuple[int, ...]] = {
            i: ((p,) if named[i] else ()) + alt_pos[a] + alias_pos[b]
            for i, p, a, b in zip(extra, name_at, alt_c, alias_c, strict=True)
        }
        self.name_code = self.name_at.copy()
        seen: dict[tuple[int, ...], int] = {}
        n = len(self.names.texts)
        self.name_code[self.extra] = [
            key[0] if len(key) == 1 else n + seen.setdefault(key, len(seen))
            for key in self._extra_keys.values()
        ]

    def release(self) -> None:
        """Let go of what only the merged values need (spellings by record, name forms and
        tokens, columns' values by record); person_fields needs none of it."""
        self._extra_keys = {}
        self.name = np.zeros(0, dtype=object)  # person_fields reads names from Arrow
        self._stripped = {}
        self.names.release()
        for column in list(self.recs.cached()):
            if column not in ("name_alt", "alias"):
                self.recs.forget(column)

    def stripped(self, column: str) -> Strings:
        """A text column with each value stripped (computed once)."""
        got = self._stripped.get(column)
        if got is None:
            got = self._stripped[column] = self.recs.texts(column).stripped()
        return got

    def spellings(self, idx: np.ndarray) -> list[list[str]]:
        """Every spelling records give of their person's name: the name (when named: not a
        placeholder nor a kinship description), then the name_alt and alias spellings."""
        (alt, alias), (alt_kept, alias_kept) = self._cells, self._kept
        named, name = self.named[idx].tolist(), self.name[idx].tolist()
        out = [[x] if ok else [] for x, ok in zip(name, named, strict=True)]
        extra = np.flatnonzero(self.has_extra[idx])
        for k, a, b in zip(
            extra.tolist(), alt[idx[extra]].tolist(), alias[idx[extra]].tolist(), strict=True
        ):
            out[k] += alt_kept[a]
            out[k] += alias_kept[b]
        return out

    def spelled(self, i: int) -> list[tuple[str, int]]:
        """A record's spellings with their positions in `names`."""
        keys = self._extra_keys.get(i, (int(self.name_at[i]),))
        return list(zip(self.spellings(np.array([i]))[0], keys, strict=False))

    def _name_keys(self, idx: np.ndarray) -> list[tuple[int, ...]]:
        """The positions in `names` of the spellings of named records (see spelled)."""
        known = self._extra_keys
        return [
            known.get(i, (a,))
            for i, a in zip(idx.tolist(), self.name_at[idx].tolist(), strict=True)
        ]

    def _name_codes(self, idx: np.ndarray) -> np.ndarray:
        """_name_keys as integers, equal where the keys are."""
        return self.name_code[idx]

    def _names_in_order(
        self, a: np.ndarray, b: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, Strings]:
        """For two stated names a[k], b[k] of one person: decided where proven to agree, and
        the fuller (the rest goes to agree.verdict)."""
        ta, tb = self.name_at[a], self.name_at[b]
        fuller = np.where(self.names.n_words[tb] > self.names.n_words[ta], b, a)
        proven = self.names.agree_in_order(ta, tb)
        return proven, np.ones(len(a), dtype=bool), self.name[fuller]

    def names_column(self) -> Strings:
        """Every spelling of each person's name, " | "-joined, first seen first."""
        recs = self.recs
        out = np.full(recs.n_persons, "", dtype=object)
        first = np.r_[0, np.cumsum(recs.size)[:-1]] if recs.n_persons else np.zeros(0, np.int64)
        has_extra = np.zeros(len(recs), bool)
        has_extra[self.extra] = True
        extra_person = np.bincount(recs.person[has_extra], minlength=recs.n_persons) > 0
        for size in (1, 2):
            ps = np.flatnonzero((recs.size == size) & ~extra_person)
            a = first[ps]
            na, ta = self.named[a], self.name[a]
            if size == 1:
                out[ps] = np.where(na, ta, "")
                continue
            nb, tb = self.named[a + 1], self.name[a + 1]
            out[ps] = np.where(na, ta, np.where(nb, tb, ""))
            two = np.flatnonzero(na & nb & (ta != tb))  # two spellings
            out[ps[two]] = ta[two] + " | " + tb[two]
        rest = np.flatnonzero((recs.size > 2) | extra_person)
        sizes = recs.size[rest]
        ends = np.cumsum(sizes)
        at = np.repeat(first[rest] - ends + sizes, sizes) + np.arange(int(sizes.sum()))
        spellings = self.spellings(at)  # the records of those persons, in order
        for p, lo, hi in zip(rest.tolist(), (ends - sizes).tolist(), ends.tolist(), strict=True):
            out[p] = " | ".join(dict.fromkeys(s for x in spellings[lo:hi] for s in x))
        return out

    def fields(self) -> Iterator[tuple[str, Field, Callable[[Any, Any], bool], Callable[..., str]]]:
        """Every merged field's stated values with its comparator and merge rule, field by
        field (each made only when the one before is done with, and its columns' per-record
        values let go of after it)."""
        recs, ph, t = self.recs, self.ph, self.recs.text
        names = self.names
        yield (
            "name",
            Field(
                self.named,
                self.name,
                self._name_keys,
                pairs=self._names_in_order,
                codes=self._name_codes,
                text_codes=lambda idx: self.name_at[idx],
                warm=names.warm,
            ),
            names.compatible,
            names.fullest,
        )
        lo, hi = recs.age["age_min"], recs.age["age_max"]
        age_n = t["age_n"]
        stated = (age_n != "unknown") & ~np.isnan(lo) & ~np.isnan(hi)
        text = age_n.copy()
        blank = np.flatnonzero(stated & (age_n == ""))
        text[blank] = [format_age(lo[i], hi[i]) for i in blank.tolist()]

        def age_key(idx: np.ndarray) -> list[Any]:
            return list(zip(lo[idx].tolist(), hi[idx].tolist(), strict=True))

        def age_merged(first: np.ndarray) -> Strings:
            return np.array(
                [format_age(lo[i], hi[i]) for i in first.tolist()], dtype=object
            ).reshape(-1)

        def age_codes(idx: np.ndarray) -> np.ndarray:
            a = pd.factorize(lo[idx] + 0.0)[0]  # + 0.0: -0.0 is 0.0, as in a tuple's ==
            b = pd.factorize(hi[idx] + 0.0)[0]
            return a * (int(b.max(initial=0)) + 1) + b

        ages = Field(stated, text, age_key, age_merged, codes=age_codes)
        yield ("age", ages, *COMPARATORS["age"])
        del ages, text, age_n, stated
        recs.forget("age_n")
        for field, col in PARSED_OF.items():
            parsed = recs.texts(col)
            v = parsed.values
            yield (
                field,
                Field(
                    ~parsed.equals("") & ~parsed.equals("unknown"),
                    v,
                    keys_as(v, None),
                    codes=parsed.codes_at,
                    text_is_key=True,
                ),
                *COMPARATORS[field],
            )
            del parsed, v
            recs.forget(col)
        for field in FREE_TEXT:
            text = self.stripped(field)
            ok = (text != "") & ~_placeholders(recs.texts(field), ph)
            yield (
                field,
                Field(
                    ok,
                    text,
                    keys_as(text, norm_text),
                    codes=codes_as(text, norm_text),
                ),
                *COMPARATORS[field],
            )
            del text
            self._stripped.pop(field, None)
            recs.forget(field)
        yield ("relation", self._relations(), *COMPARATORS["relation"])

    def _relations(self) -> Field:
        recs, t = self.recs, self.recs.text
        rel = recs.flag["name_is_relation"]
        some = np.flatnonzero((t["relation"] != "") | (t["relation_term"] != "") | rel)
        stated = np.zeros(len(recs), bool)
        text = np.full(len(recs), "", dtype=object)
        key: dict[int, RelationKey] = {}
        relation, term, to, name = t["relation"], t["relation_term"], t["relation_to"], t["name"]
        for i in some.tolist():
            got = stated_relation(
                recs.claim[i],
                relation[i],
                term[i],
                to[i],
                name[i],
                bool(rel[i]),
                self.ph,
            )
            if got is not None:
                stated[i], text[i], key[i] = True, got.text, got.key
        return Field(stated, text, lambda idx: [key[i] for i in idx.tolist()])

    def normalised(self, field: str) -> tuple[np.ndarray, pa.Array]:
        """The records listed for a field in person_fields (those with a value, or with a
        normalised form, once stripped) and each one's normalised form, shown beside its own
        value: the parsed column for parsed fields, folded text or name tokens otherwise,
        "unknown" for a placeholder. Computed once per distinct value, as Arrow strings."""
        recs, names = self.recs, self.names
        parsed = "age_n" if field == "age" else PARSED_OF.get(field)
        if parsed:  # the parsed column as read: no Python strings
            at = np.flatnonzero(recs.nonblank(field) | recs.nonblank(parsed, strip=False))
            return at, recs.arrow(parsed, at)
        if field == "name":
            at = np.flatnonzero(recs.nonblank("name"))
            unknown = self.name_ph[at] | recs.flag["name_unknown"][at]
            codes = np.where(unknown, len(names.key), self.name_at[at])
            return at, _with_unknown(names.key).take(pa.array(codes))
        cells = recs.texts(field)
        filled = cells.stripped_uniques() != ""  # by distinct value
        if field in ("name_alt", "alias"):  # each distinct cell's spellings' keys, "; "-joined
            split = [x if ok else [] for x, ok in zip(self.split[field], filled, strict=True)]
            spelt = [self.alt_at[s] for x in split for s in x]
            keys = names.key.take(pa.array(spelt, type=pa.int64()))
            offsets = pa.array(np.r_[0, np.cumsum([len(x) for x in split])], type=pa.int64())
            lists = pa.LargeListArray.from_arrays(offsets, keys)
            joined = pc.binary_join(lists, pa.scalar("; ", TEXT))
            at = np.flatnonzero(filled[cells.codes])
            return at, joined.take(pa.array(cells.codes[at]))
        unknown = filled & _placeholders_of(cells, self.ph)
        stripped = cells.stripped_uniques()
        folded = np.full(len(stripped), "", dtype=object)
        fold = np.flatnonzero(filled & ~unknown)
        folded[fold] = [norm_text(v) for v in stripped[fold].tolist()]
        folded[unknown] = "unknown"
        listed = filled[cells.codes]
        codes = cells.codes
        if field != "relation":
            at = np.flatnonzero(listed)
            return at, pa.array(folded, type=TEXT).take(pa.array(codes[at]))
        # a parsed relation shows its term and target instead
        term, to = recs.texts("relation_term"), recs.texts("relation_to")
        termed = ~term.equals("")
        at = np.flatnonzero(listed | termed)
        out = folded[codes[at]]
        has = np.flatnonzero(termed[at])
        terms, targets = term.values[at[has]].tolist(), to.values[at[has]].tolist()
        out[has] = [
            f"{a}: {b.strip()}" if b.strip() else a for a, b in zip(terms, targets, strict=True)
        ]
        return at, pa.array(out, type=TEXT)

    def person_fields(self) -> pd.DataFrame:
        """person_fields: every record's non-blank value of each LONG_FIELDS field, ordered by
        person, then field, then the record's order within its person (text columns as Arrow
        strings: no Python string per cell)."""
        recs = self.recs
        picked = [(field, *self.normalised(field)) for field in LONG_FIELDS]
        if not any(len(at) for _, at, _ in picked):
            empty = pd.DataFrame({c: [] for c in PERSON_FIELD_COLUMNS})  # as it always was
            return empty.astype({"row": "int64"})
        # (positions and field numbers as int32 and int8: millions of rows)
        at = np.concatenate([x[1].astype(np.int32) for x in picked])
        sizes = [len(x[1]) for x in picked]
        field_no = np.repeat(np.arange(len(LONG_FIELDS), dtype=np.int8), sizes)
        # picked field by field, each in person order: a stable sort on (person, field) keeps
        # each person's records in order within a field
        by = np.argsort(recs.person[at] * len(LONG_FIELDS) + field_no, kind="stable")
        order = pa.array(by)
        fields = [(f, a) for f, a, _ in picked]
        normalised = pa.concat_arrays([n for _, _, n in picked])
        del picked  # each field's normalised is in the one array now
        normalised = normalised.take(order)
        values = pa.concat_arrays([recs.arrow(f, a) for f, a in fields])
        del fields
        values = values.take(order)
        at, field_no = at[by], field_no[by]
        del by, order
        file = recs.texts("file")
        out = pd.DataFrame(
            {
                "person_id": _ids(recs.person[at], recs.person_ids_arrow),
                "field": _categories(field_no, LONG_FIELDS),
                "claim": _categories(recs.claim_code[at], recs.claim_names),
                "record_id": _str_series(recs.record_id_arrow.take(pa.array(at))),
                "value": _str_series(values),
                "normalised": _str_series(normalised),
                "file": _categories(file.codes[at], file.uniques),
            }
        )
        out["row"] = recs.row[at].astype(np.int64)
        return out


def _categories(codes: np.ndarray, names: Sequence[str] | Strings) -> pd.Series:
    """A text column of few distinct values as a pandas categorical (its values `names[codes]`):
    one byte or so per row instead of a string."""
    # categories distinct and sorted: the same column whatever order the records came in
    remap, distinct = pd.factorize(np.asarray(names, dtype=object), sort=True)
    remap = remap.astype(np.int32)  # the codes of millions of rows: no int64 copy
    categories = pd.Index(np.asarray(distinct, dtype=object), dtype="str")
    return pd.Series(pd.Categorical.from_codes(remap[np.asarray(codes)], categories=categories))


def _ids(codes: np.ndarray, ids: pa.Array) -> pd.Series:
    """A column of ids (`ids[codes]`, ids distinct) as a categorical on the ids in their own
    order: an integer per row instead of a string."""
    categories = pd.Index(_str_series(ids))
    dtype = pd.CategoricalDtype(categories)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))


def _str_series(values: pa.Array | Strings) -> pd.Series:
    """Text as a pandas str column (Arrow-backed when pandas stores str in Arrow)."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=TEXT)
    try:
        return pd.Series(pd.arrays.ArrowStringArray(arr), dtype="str")
    except (TypeError, ValueError):  # str not stored in Arrow by this pandas
        return pd.Series(arr.to_pylist(), dtype="str")


def merge_persons(
    records: pd.DataFrame,
    links: pd.DataFrame,
    claims: Sequence[Claim],
    placeholders: Iterable[str] = DEFAULT_PLACEHOLDERS,
    progress: Reporter | None = None,
    tokens: Sequence[NameTokens] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge records into persons by their links (one link per record, LINK_COLUMNS).

    Returns (persons, person_fields): persons has PERSON_COLUMNS, one row per person, ordered by
    its first record (case order of claims, then row); person_fields has PERSON_FIELD_COLUMNS,
    every claim's own non-blank value of each field in LONG_FIELDS with its normalised form.
    Field semantics are in reconcile.agree and docs/reports.md. tokens: name texts matching
    tokenised already (reconcile.prepare.keeping_tokens), reused instead of tokenising them
    again; the result is the same without them. A list of them is emptied once they are read
    (some hundred MB at a million records).
    """
    rep = progress or Reporter()
    fields = len(MERGED_FIELDS)
    rep.start("merging persons", fields + 3)  # records, spellings, each field, persons
    ph = placeholder_set(placeholders)
    order = _claim_order(claims, records, links)
    recs = _Records(records, links, order)
    rep.advance()
    m = _Merge(recs, ph, tokens)
    if isinstance(tokens, list):  # read: their memory goes back before the persons are built
        tokens.clear()
    rep.advance()
    complete = {c.id for c in claims if c.complete}
    all_claims = sorted(order, key=order.__getitem__)
    out: dict[str, Any] = {"person_id": _str_series(recs.person_ids_arrow)}
    out.update(_presence(recs, all_claims, complete))
    targeted = _targeted(Targets(recs, m.spelled, m.names))
    for field, f, compatible, merge in m.fields():
        prepare = targeted if field == "relation" else None
        value, status = resolve(recs, f, compatible, merge, prepare)
        del f  # its per-record arrays go before the next field's come
        out[field] = _str_series(value)
        out[f"{field}_status"] = _categories(status, PERSON_STATUSES)
        rep.advance()
    del targeted, prepare  # the relation targets' index
    out["names"] = _str_series(m.names_column())
    persons = pd.DataFrame(out if recs.n_persons else [], columns=list(PERSON_COLUMNS))
    del out
    persons = persons.astype({"n_claims": "int64", "ambiguous": "bool"})
    m.release()  # what only the merged values needed goes before person_fields is built
    release()  # ... back to the system, not kept by the allocator (reconcile.memory)
    person_fields = m.person_fields()
    rep.finish()
    return persons, person_fields


def _targeted(targets: Targets) -> Callable[[str, list[Stated]], list[Stated]]:
    """A person's stated relations with their targets resolved to persons."""

    def resolved(pid: str, values: list[Stated]) -> list[Stated]:
        return [v._replace(key=targets.resolve(v.claim, pid, v.key)) for v in values]

    return resolved


def _presence(recs: _Records, all_claims: list[str], complete: set[str]) -> dict[str, Any]:
    """claims, n_claims, silent, denied_by and ambiguous of every person."""
    n = recs.n_persons
    new = np.ones(len(recs), dtype=bool)
    new[1:] = (recs.person[1:] != recs.person[:-1]) | (np.diff(recs.claim_rank) != 0)
    who, rank = recs.person[new], recs.claim_rank[new]  # each person's claims, in case order
    n_claims = np.bincount(who, minlength=n)
    if len(all_claims) <= 62:
        sets = np.zeros(n, dtype=np.int64)
        np.bitwise_or.at(sets, who, np.left_shift(1, rank))
        codes, kinds = pd.factorize(sets)
        present = [[c for k, c in enumerate(all_claims) if s >> k & 1] for s in kinds.tolist()]
    else:
        per: list[list[str]] = [[] for _ in range(n)]
        for p, r in zip(who.tolist(), rank.tolist(), strict=True):
            per[p].append(all_claims[r])
        seen: dict[tuple[str, ...], int] = {}
        codes = np.array([seen.setdefault(tuple(x), len(seen)) for x in per], dtype=np.int64)
        present = [list(x) for x in seen]
    text: dict[str, list[str]] = {"claims": [], "silent": [], "denied_by": []}
    for claims in present:
        silent = [c for c in all_claims if c not in claims]
        text["claims"].append(";".join(claims))
        text["silent"].append(";".join(silent))
        text["denied_by"].append(";".join(c for c in silent if c in complete))
    ambiguous = np.bincount(recs.person, weights=recs.flag["ambiguous"], minlength=n) > 0
    codes_arrow = pa.array(np.asarray(codes, dtype=np.int64))
    return {
        "claims": _str_series(pa.array(text["claims"], TEXT).take(codes_arrow)),
        "n_claims": n_claims,
        "silent": _str_series(pa.array(text["silent"], TEXT).take(codes_arrow)),
        "denied_by": _str_series(pa.array(text["denied_by"], TEXT).take(codes_arrow)),
        "ambiguous": ambiguous,
    }
