"""Merge linked records into persons: every field's merged value and status, presence, long form."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reconcile.agree import (
    COMPARATORS,
    NameForm,
    RelationKey,
    Stated,
    format_age,
    forms_agree,
    forms_of,
    is_placeholder,
    name_forms,
    names_agree,
    norm_text,
    placeholder_set,
    split_names,
    tokens_meet_many,
    verdict,
)
from reconcile.case import Claim
from reconcile.merge_records import TEXT, Strings, Text
from reconcile.merge_records import Records as _Records
from reconcile.merge_records import mapped as _mapped
from reconcile.names import variants_frame
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


class _Names:
    """Name texts tokenised in bulk (reconcile.names.variants_frame), by position in `texts`."""

    def __init__(self, texts: Strings) -> None:
        self.texts = texts
        n = len(texts)
        frame = variants_frame(texts.tolist())
        at = frame["text"].to_numpy(dtype=np.int64)
        self.variant = frame["variant"].to_numpy(dtype=np.int64)
        token = frame["token"].array
        self.tok = np.asarray(token.codes, dtype=np.int64)
        self.vocab = np.asarray(token.categories, dtype=object)
        self.start = np.searchsorted(at, np.arange(n))
        self.end = np.searchsorted(at, np.arange(n), side="right")
        main = self.variant == 0
        self.n_words = np.bincount(at[main], minlength=n)  # tokens of the main form
        self.key = np.full(n, "", dtype=object)  # the main form's words, space-joined
        has = np.flatnonzero(self.n_words)
        if len(has):
            offsets = pa.array(np.r_[0, np.cumsum(self.n_words[has])], type=pa.int32())
            words = pa.array(self.vocab, type=pa.string()).take(pa.array(self.tok[main]))
            lists = pa.ListArray.from_arrays(offsets, words)
            self.key[has] = pc.binary_join(lists, " ").to_numpy(zero_copy_only=False)
        self._forms: dict[int, tuple[NameForm, ...]] = {}

    def forms(self, i: int) -> tuple[NameForm, ...]:
        """agree.name_forms of text i."""
        got = self._forms.get(i)
        if got is None:
            lo, hi = int(self.start[i]), int(self.end[i])
            tokens = self.vocab[self.tok[lo:hi]].tolist()
            variants: dict[int, list[str]] = {}
            for v, t in zip(self.variant[lo:hi].tolist(), tokens, strict=True):
                variants.setdefault(v, []).append(t)
            got = self._forms[i] = forms_of(variants.values())
        return got

    def compatible(self, a: tuple[int, ...], b: tuple[int, ...]) -> bool:
        """agree's name comparator (some spelling of each agrees) on spellings by position."""
        return any(forms_agree(self.forms(x), self.forms(y)) for x in a for y in b)

    def fullest(self, values: Sequence[Stated]) -> str:
        """agree.merged_fullest_name, values keyed by their spellings' positions (the name
        first)."""
        return max(values, key=lambda v: self.n_words[v.key[0]]).text

    def agree_in_order(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether the main forms of texts a[k] and b[k] agree with every word of the shorter
        meeting its own word of the longer, in order (found greedily, earliest word first):
        a matching that proves names_agree. False proves nothing."""
        la, lb = self.n_words[a], self.n_words[b]
        short, long_ = np.where(la <= lb, a, b), np.where(la <= lb, b, a)
        ls, ll = self.n_words[short], self.n_words[long_]
        done = np.zeros(len(a), dtype=np.int64)  # words of the shorter met so far
        for j in range(int(ll.max(initial=0))):
            on = np.flatnonzero((done < ls) & (j < ll) & (ll - j >= ls - done))
            ta = self.tok[self.start[short[on]] + done[on]]
            tb = self.tok[self.start[long_[on]] + j]
            done[on[self._tokens_meet(ta, tb)]] += 1
        return (ls > 0) & (done == ls)

    def _tokens_meet(self, ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
        pair = ta * len(self.vocab) + tb
        uniq, back = np.unique(pair, return_inverse=True)
        n = len(self.vocab)
        met = tokens_meet_many(self.vocab[uniq // n].tolist(), self.vocab[uniq % n].tolist())
        return met[back.reshape(-1)]


def _spellings(name: str, alt: str, alias: str, named: bool, ph: frozenset[str]) -> list[str]:
    """Every spelling a record gives of its person's name: name (when `named`: not a
    placeholder nor a kinship description), then name_alt and alias spellings."""
    out = [name] if named else []
    for col in (alt, alias):
        out += [s for s in split_names(col) if not is_placeholder(s, ph)]
    return out


def _stated_relation(
    claim: str, text: str, term: str, to: str, name: str, is_relation: bool, ph: frozenset[str]
) -> Stated | None:
    text, term, to = text.strip(), term.strip(), to.strip()
    if not text and is_relation:
        text = name.strip()
    if term:  # the target is resolved to persons later, only where two relations meet
        return Stated(claim, text or (f"{term} of {to}" if to else term), RelationKey(term, to))
    if not text or is_placeholder(text, ph):
        return None
    return Stated(claim, text, RelationKey(norm_text(text), ""))  # a term nobody parsed


# A relation's target that shares its words' keys with more persons than this names no one in
# particular: it is left unresolved.
TARGET_CANDIDATES = 50
# Words in a relation's target that are not part of anyone's name ("the lieutenant").
TARGET_FILLER: frozenset[str] = frozenset({"the", "of", "and", "his", "her", "their"})


class _Targets:
    """Resolves the target of a relation ("Qardash" in "wife of Qardash") to persons: those with
    a spelling that agrees with it as a name (names_agree), found through the cross-script keys
    of its words."""

    def __init__(
        self, recs: _Records, spellings: Callable[[int], list[tuple[str, int]]], names: _Names
    ) -> None:
        self._recs, self._spellings_of, self._names = recs, spellings, names
        self._index: dict[tuple[str, str], set[str]] = {}  # (claim or "", key) -> person ids
        self._spellings: dict[str, list[str]] = {}
        self._built = False

    def _build(self) -> None:
        """Index every spelling's word keys, by claim and case-wide (on first use only: most
        lists have few relations)."""
        index: dict[tuple[str, str], set[str]] = defaultdict(set)
        recs, names = self._recs, self._names
        for i, (p, claim) in enumerate(zip(recs.person.tolist(), recs.claim.tolist(), strict=True)):
            pid = recs.person_ids[p]
            for s, at in self._spellings_of(i):
                self._spellings.setdefault(pid, []).append(s)
                forms = names.forms(at)
                for k in (k for keys in (forms[0][1] if forms else ()) for k in keys):
                    index[(claim, k)].add(pid)
                    index[("", k)].add(pid)
        self._index, self._built = dict(index), True

    def _find(self, scope: str, target: str) -> frozenset[str]:
        if not self._built:
            self._build()
        forms = name_forms(target)
        tokens, keys = forms[0] if forms else ((), ())
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


class _Field:
    """One field's stated values, record by record: whether stated, the text the merged value
    shows, and the comparator's key (computed only where two values meet)."""

    def __init__(
        self,
        stated: np.ndarray,
        text: Strings,
        key: Callable[[np.ndarray], list[Any]],
        equal_merged: Callable[[np.ndarray], Strings] | None = None,
        pairs: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, Strings]]
        | None = None,
        codes: Callable[[np.ndarray], np.ndarray] | None = None,
        text_codes: Callable[[np.ndarray], np.ndarray] | None = None,
        text_is_key: bool = False,
    ) -> None:
        # the texts at some records as integers (equal where the texts are equal); or the key
        # codes themselves when the text is the key
        self.text_codes = text_codes or (lambda idx: pd.factorize(text[idx])[0])
        self.text_is_key = text_is_key
        self.stated, self.text, self.key = stated, text, key
        # the keys at some records as integers, equal where the keys are equal
        self.codes = codes or (lambda idx: _codes(self.key(idx)))
        # merged value of values with equal keys from several claims, by the first record
        self.equal_merged = equal_merged or (lambda first: text[first])
        # for persons with two different values a[k], b[k]: which are decided, whether
        # compatible, merged value when compatible (default: agree's comparator, pair by pair)
        self.pairs = pairs


def _codes(keys: list[Any]) -> np.ndarray:
    seen: dict[Any, int] = {}
    return np.array([seen.setdefault(k, len(seen)) for k in keys], dtype=np.int64)


def _pairs(
    recs: _Records,
    f: _Field,
    a: np.ndarray,
    b: np.ndarray,
    compatible: Callable[[Any, Any], bool],
    merge: Callable[[Sequence[Stated]], str],
) -> tuple[np.ndarray, np.ndarray, Strings]:
    """Persons with two different values a[k], b[k]: agree.verdict's comparison of the pair
    and, where compatible, its merged value (all decided)."""
    ka, kb = f.key(a), f.key(b)
    ok = np.array([compatible(x, y) for x, y in zip(ka, kb, strict=True)], dtype=bool)
    merged = np.full(len(a), "", dtype=object)
    at = np.flatnonzero(ok).tolist()
    ca, cb, ta, tb = recs.claim[a], recs.claim[b], f.text[a], f.text[b]
    merged[at] = [merge([Stated(ca[k], ta[k], ka[k]), Stated(cb[k], tb[k], kb[k])]) for k in at]
    return np.ones(len(a), dtype=bool), ok, merged


# statuses as int8 codes into PERSON_STATUSES while persons are resolved
AGREE, CONFLICT, SINGLE, UNKNOWN = (
    PERSON_STATUSES.index(s) for s in ("agree", "conflict", "single", "unknown")
)
STATUS_CODE: dict[str, int] = {s: i for i, s in enumerate(PERSON_STATUSES)}
_STATUS_TEXT = pa.array(PERSON_STATUSES, type=TEXT)


def _resolve(
    recs: _Records,
    f: _Field,
    compatible: Callable[[Any, Any], bool],
    merge: Callable[[Sequence[Stated]], str],
    prepare: Callable[[str, list[Stated]], list[Stated]] | None = None,
) -> tuple[Strings, Strings]:
    """(merged value, status) of one field for every person, as agree.verdict gives them: no
    stated value and one stated value in bulk, several equal keys in bulk, and verdict itself
    only where keys differ (or, with `prepare`, wherever two values meet). The status comes as
    codes into PERSON_STATUSES."""
    n = recs.n_persons
    value = np.full(n, "", dtype=object)
    status = np.full(n, UNKNOWN, dtype=np.int8)
    idx = np.flatnonzero(f.stated)
    per = np.bincount(recs.person[idx], minlength=n)[recs.person[idx]]
    one = idx[per == 1]
    value[recs.person[one]] = f.text[one]
    status[recs.person[one]] = SINGLE
    multi = idx[per >= 2]
    if not len(multi):
        return value, status
    who = recs.person[multi]
    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    ends = np.r_[starts[1:], len(multi)]
    if prepare is None:
        kc = f.codes(multi)
        tc = kc if f.text_is_key else f.text_codes(multi)
        cc = recs.claim_rank[multi]
        rep = np.repeat(starts, ends - starts)
        same_key = np.logical_and.reduceat(kc == kc[rep], starts)
        one_claim = np.logical_and.reduceat(cc == cc[rep], starts)
        one_text = np.logical_and.reduceat(tc == tc[rep], starts)
        first = multi[starts]
        plain = one_claim & one_text  # one claim giving one text: single, whatever the keys
        value[who[starts[plain]]] = f.text[first[plain]]
        status[who[starts[plain]]] = SINGLE
        merged = same_key & ~plain
        value[who[starts[merged]]] = f.equal_merged(first[merged])
        status[who[starts[merged]]] = np.where(one_claim[merged], SINGLE, AGREE)
        todo = np.flatnonzero(~same_key & ~plain)
        two = todo[ends[todo] - starts[todo] == 2]
        a, b = multi[starts[two]], multi[starts[two] + 1]
        if f.pairs is not None:
            decided, ok, merged_two = f.pairs(a, b)
        else:
            decided, ok, merged_two = _pairs(recs, f, a, b, compatible, merge)
        done = two[decided]
        ta, tb, ok = f.text[a[decided]], f.text[b[decided]], ok[decided]
        conflict = np.where(ta == tb, ta, ta + " | " + tb)
        value[who[starts[done]]] = np.where(ok, merged_two[decided], conflict)
        agreed = np.where(one_claim[done], SINGLE, AGREE)
        status[who[starts[done]]] = np.where(ok, agreed, CONFLICT)
        todo = np.setdiff1d(todo, done)
    else:
        todo = np.arange(len(starts))
    claim, text = recs.claim, f.text
    lens = ends[todo] - starts[todo]
    offset = np.cumsum(lens) - lens
    at = multi[np.repeat(starts[todo] - offset, lens) + np.arange(int(lens.sum()))]
    keys = f.key(at)
    at_list = at.tolist()
    for g, lo, hi in zip(todo.tolist(), offset.tolist(), (offset + lens).tolist(), strict=True):
        values = [
            Stated(claim[i], text[i], k) for i, k in zip(at_list[lo:hi], keys[lo:hi], strict=True)
        ]
        p = int(who[starts[g]])
        if prepare is not None:
            values = prepare(recs.person_ids[p], values)
        value[p], said = verdict(values, compatible, merge)
        status[p] = STATUS_CODE[said]
    return value, status


def _keys_as(values: Strings, fn: Callable[[str], Any] | None) -> Callable[[np.ndarray], list[Any]]:
    """A field's key function: the values at some records (through `fn`)."""

    def keys(idx: np.ndarray) -> list[Any]:
        got = values[idx].tolist()
        return got if fn is None else [fn(x) for x in got]

    return keys


def _codes_as(
    values: Strings, fn: Callable[[str], Any] | None
) -> Callable[[np.ndarray], np.ndarray]:
    """_keys_as as integers."""

    def codes(idx: np.ndarray) -> np.ndarray:
        got = values[idx] if fn is None else _mapped(values[idx], fn)
        return np.asarray(pd.factorize(got)[0], dtype=np.int64)

    return codes


def _placeholders(text: Text, ph: frozenset[str]) -> np.ndarray:
    """is_placeholder of every value of a column (the same for its values stripped), once per
    distinct value: only values no longer than the longest placeholder once stripped can be one."""
    longest = max(map(len, ph), default=0)
    maybe = np.flatnonzero((text.unique_length <= longest) | text.unique_untrimmed)
    found = np.zeros(len(text.uniques), dtype=bool)
    found[maybe] = [is_placeholder(v, ph) for v in text.uniques[maybe].tolist()]
    return found[text.codes]


class _Merge:
    """What merge_persons computes from the records in person order."""

    def __init__(self, recs: _Records, ph: frozenset[str]) -> None:
        self.recs, self.ph = recs, ph
        t, flag = recs.text, recs.flag
        self._stripped: dict[str, Strings] = {}
        self.name = self.stripped("name")
        self.name_ph = _placeholders(recs.texts("name"), ph)
        self.named = (
            (self.name != "") & ~flag["name_is_relation"] & ~flag["name_unknown"] & ~self.name_ph
        )
        alt, alias = t["name_alt"], t["alias"]
        self.extra = np.flatnonzero((alt != "") | (alias != ""))
        name, named = self.name, self.named
        self.extra_spellings = {
            i: _spellings(name[i], alt[i], alias[i], bool(named[i]), ph)
            for i in self.extra.tolist()
        }
        # every text tokenised as a name, once: names (for their normalised words) and every
        # name_alt/alias spelling
        worded = (self.name != "") & ~self.name_ph & ~flag["name_unknown"]
        alts = [s for i in self.extra.tolist() for c in (alt, alias) for s in split_names(c[i])]
        named_texts = self.name[worded]
        codes, texts = pd.factorize(np.concatenate([named_texts, np.array(alts, dtype=object)]))
        self.names = _Names(np.asarray(texts, dtype=object))
        self.name_at = np.full(len(recs), -1, dtype=np.int64)  # each name's position in names
        self.name_at[worded] = codes[: len(named_texts)]
        self.alt_at = dict(zip(alts, codes[len(named_texts) :].tolist(), strict=True))
        self._extra_keys: dict[int, tuple[int, ...]] = {}  # _name_keys of records with extras

    def stripped(self, column: str) -> Strings:
        """A text column with each value stripped (computed once)."""
        got = self._stripped.get(column)
        if got is None:
            got = self._stripped[column] = self.recs.texts(column).stripped()
        return got

    def spellings(self, i: int) -> list[str]:
        got = self.extra_spellings.get(i)
        if got is not None:
            return got
        return [self.name[i]] if self.named[i] else []

    def spelled(self, i: int) -> list[tuple[str, int]]:
        """A record's spellings with their positions in `names`."""
        got = self.extra_spellings.get(i)
        if got is None:
            return [(self.name[i], int(self.name_at[i]))] if self.named[i] else []
        first = [(got[0], int(self.name_at[i]))] if self.named[i] else []
        return first + [(s, self.alt_at[s]) for s in got[len(first) :]]

    def _name_keys(self, idx: np.ndarray) -> list[tuple[int, ...]]:
        extra, known = self.extra_spellings, self._extra_keys
        out = []
        for i, a in zip(idx.tolist(), self.name_at[idx].tolist(), strict=True):
            if i in extra:
                key = known.get(i)
                if key is None:
                    key = known[i] = tuple(a for _, a in self.spelled(i))
                out.append(key)
            else:
                out.append((a,))
        return out

    def _name_codes(self, idx: np.ndarray) -> np.ndarray:
        """_name_keys as integers: a name's position when it is the only spelling."""
        out = self.name_at[idx]
        extra = np.flatnonzero(np.isin(idx, self.extra))
        seen: dict[tuple[int, ...], int] = {}
        for k, key in zip(extra.tolist(), self._name_keys(idx[extra]), strict=True):
            n = len(self.names.texts)
            out[k] = key[0] if len(key) == 1 else n + seen.setdefault(key, len(seen))
        return out

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
            both = np.where(ta == tb, ta, ta + " | " + tb)
            out[ps] = np.where(na & nb, both, np.where(na, ta, np.where(nb, tb, "")))
        rest = np.flatnonzero((recs.size > 2) | extra_person)
        for p in rest.tolist():
            lo = int(first[p])
            spell = [s for i in range(lo, lo + int(recs.size[p])) for s in self.spellings(i)]
            out[p] = " | ".join(dict.fromkeys(spell))
        return out

    def fields(self) -> dict[str, tuple[_Field, Callable[[Any, Any], bool], Callable[..., str]]]:
        """Every merged field's stated values with its comparator and merge rule."""
        recs, ph, t = self.recs, self.ph, self.recs.text
        out: dict[str, tuple[_Field, Callable[[Any, Any], bool], Callable[..., str]]] = {}
        names = self.names
        out["name"] = (
            _Field(
                self.named,
                self.name,
                self._name_keys,
                pairs=self._names_in_order,
                codes=self._name_codes,
                text_codes=lambda idx: self.name_at[idx],
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

        ages = _Field(stated, text, age_key, age_merged, codes=age_codes)
        out["age"] = (ages, *COMPARATORS["age"])
        for field, col in PARSED_OF.items():
            v = t[col]
            out[field] = (
                _Field(
                    (v != "") & (v != "unknown"),
                    v,
                    _keys_as(v, None),
                    codes=_codes_as(v, None),
                    text_is_key=True,
                ),
                *COMPARATORS[field],
            )
        for field in FREE_TEXT:
            text = self.stripped(field)
            ok = (text != "") & ~_placeholders(recs.texts(field), ph)
            out[field] = (
                _Field(
                    ok,
                    text,
                    _keys_as(text, norm_text),
                    codes=_codes_as(text, norm_text),
                ),
                *COMPARATORS[field],
            )
        out["relation"] = (self._relations(), *COMPARATORS["relation"])
        return out

    def _relations(self) -> _Field:
        recs, t = self.recs, self.recs.text
        rel = recs.flag["name_is_relation"]
        some = np.flatnonzero((t["relation"] != "") | (t["relation_term"] != "") | rel)
        stated = np.zeros(len(recs), bool)
        text = np.full(len(recs), "", dtype=object)
        key: dict[int, RelationKey] = {}
        relation, term, to, name = t["relation"], t["relation_term"], t["relation_to"], t["name"]
        for i in some.tolist():
            got = _stated_relation(
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
        return _Field(stated, text, lambda idx: [key[i] for i in idx.tolist()])

    def normalised(self, field: str) -> Strings:
        """The normalised form of a field for each record, shown beside its own value in
        person_fields: the parsed column for parsed fields, folded text or name tokens
        otherwise, "unknown" for a placeholder."""
        recs, t = self.recs, self.recs.text
        if field == "age":
            return t["age_n"]
        if field in PARSED_OF:
            return t[PARSED_OF[field]]
        names = self.names
        text = self.stripped(field)
        out = np.full(len(recs), "", dtype=object)
        filled = text != ""
        if field in ("name_alt", "alias"):
            idx = np.flatnonzero(filled)
            key, at = names.key, self.alt_at
            out[idx] = ["; ".join(key[at[s]] for s in split_names(x)) for x in text[idx].tolist()]
            return out
        unknown = filled & (
            self.name_ph if field == "name" else _placeholders(recs.texts(field), self.ph)
        )
        if field == "name":
            unknown |= filled & recs.flag["name_unknown"]
            idx = np.flatnonzero(filled & ~unknown)
            out[idx] = names.key[self.name_at[idx]]
        else:
            idx = np.flatnonzero(filled & ~unknown)
            out[idx] = _mapped(text[idx], norm_text)
        out[unknown] = "unknown"
        if field == "relation":
            term, to = t["relation_term"], t["relation_to"]
            for i in np.flatnonzero(term != "").tolist():
                target = to[i].strip()
                out[i] = f"{term[i]}: {target}" if target else term[i]
        return out

    def person_fields(self) -> pd.DataFrame:
        """person_fields: every record's non-blank value of each LONG_FIELDS field, ordered by
        person, then field, then the record's order within its person (text columns as Arrow
        strings: no Python string per cell)."""
        recs = self.recs
        picked = []
        for field in LONG_FIELDS:
            norm = self.normalised(field)
            at = np.flatnonzero((self.stripped(field) != "") | (norm != ""))
            picked.append((field, at, norm[at]))
        if not any(len(at) for _, at, _ in picked):
            empty = pd.DataFrame({c: [] for c in PERSON_FIELD_COLUMNS})  # as it always was
            return empty.astype({"row": "int64"})
        at = np.concatenate([x[1] for x in picked])
        field_no = np.repeat(np.arange(len(LONG_FIELDS)), [len(x[1]) for x in picked])
        # picked field by field, each in person order: a stable sort on (person, field) keeps
        # each person's records in order within a field
        by = np.argsort(recs.person[at] * len(LONG_FIELDS) + field_no, kind="stable")
        values = pa.concat_arrays(
            [recs.arrow(f).take(pa.array(a)) for f, a, _ in picked if len(a)]
        ).take(pa.array(by))
        normalised = pa.array(np.concatenate([x[2] for x in picked])[by], type=TEXT)
        at, field_no = at[by], field_no[by]
        take = pa.array(at)
        columns = {
            "person_id": recs.person_ids_arrow.take(pa.array(recs.person[at])),
            "field": pa.array(LONG_FIELDS, type=TEXT).take(pa.array(field_no)),
            "claim": recs.arrow("claim").take(take),
            "record_id": recs.record_id_arrow.take(take),
            "value": values,
            "normalised": normalised,
            "file": recs.arrow("file").take(take),
        }
        out = pd.DataFrame({c: _str_series(v) for c, v in columns.items()})
        out["row"] = recs.row[at].astype(np.int64)
        return out


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
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge records into persons by their links (one link per record, LINK_COLUMNS).

    Returns (persons, person_fields): persons has PERSON_COLUMNS, one row per person, ordered by
    its first record (case order of claims, then row); person_fields has PERSON_FIELD_COLUMNS,
    every claim's own non-blank value of each field in LONG_FIELDS with its normalised form.
    Field semantics are in reconcile.agree and docs/reports.md.
    """
    ph = placeholder_set(placeholders)
    order = _claim_order(claims, records, links)
    recs = _Records(records, links, order)
    m = _Merge(recs, ph)
    complete = {c.id for c in claims if c.complete}
    all_claims = sorted(order, key=order.__getitem__)
    out: dict[str, Any] = {"person_id": _str_series(recs.person_ids_arrow)}
    out.update(_presence(recs, all_claims, complete))
    targets = _Targets(recs, m.spelled, m.names)

    def resolved(pid: str, values: list[Stated]) -> list[Stated]:
        return [v._replace(key=targets.resolve(v.claim, pid, v.key)) for v in values]

    for field, (f, compatible, merge) in m.fields().items():
        prepare = resolved if field == "relation" else None
        value, status = _resolve(recs, f, compatible, merge, prepare)
        out[field] = _str_series(value)
        out[f"{field}_status"] = _str_series(_STATUS_TEXT.take(pa.array(status)))
    out["names"] = _str_series(m.names_column())
    persons = pd.DataFrame(out if recs.n_persons else [], columns=list(PERSON_COLUMNS))
    persons = persons.astype({"n_claims": "int64", "ambiguous": "bool"})
    return persons, m.person_fields()


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
