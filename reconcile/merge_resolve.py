"""Resolve one field for every person: merged value and status, agree.verdict only where needed.

No stated value, one, or several with equal keys are decided in bulk; pairs of different values
by the field's pair rule; the rest person by person with agree.verdict."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from reconcile.agree import Stated, verdict
from reconcile.merge_records import Records, Strings, mapped
from reconcile.schema import PERSON_STATUSES


class Field:
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
        warm: Callable[[list[Any], list[int], list[int]], None] | None = None,
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
        # told the keys of the persons left to agree.verdict (keys[lo[g]:hi[g]] person g's)
        # before any is compared: to decide the comparator's answers in bulk
        self.warm = warm


def _codes(keys: list[Any]) -> np.ndarray:
    seen: dict[Any, int] = {}
    return np.array([seen.setdefault(k, len(seen)) for k in keys], dtype=np.int64)


def _pairs(
    recs: Records,
    f: Field,
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


def resolve(
    recs: Records,
    f: Field,
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
        left = np.zeros(len(starts), dtype=bool)
        left[todo] = True
        left[done] = False
        todo = np.flatnonzero(left)  # todo without done (both sorted, distinct)
    else:
        todo = np.arange(len(starts))
    claim, text = recs.claim, f.text
    lens = ends[todo] - starts[todo]
    offset = np.cumsum(lens) - lens
    at = multi[np.repeat(starts[todo] - offset, lens) + np.arange(int(lens.sum()))]
    keys = f.key(at)
    at_list = at.tolist()
    if f.warm is not None:
        f.warm(keys, offset.tolist(), (offset + lens).tolist())
    for g, lo, hi in zip(todo.tolist(), offset.tolist(), (offset + lens).tolist(), strict=True):
        values = [
            Stated(claim[i], text[i], k) for i, k in zip(at_list[lo:hi], keys[lo:hi], strict=True)
        ]
        p = int(who[starts[g]])
        if prepare is not None:
            values = prepare(recs.person_id(p), values)
        value[p], said = verdict(values, compatible, merge)
        status[p] = STATUS_CODE[said]
    return value, status


def keys_as(values: Strings, fn: Callable[[str], Any] | None) -> Callable[[np.ndarray], list[Any]]:
    """A field's key function: the values at some records (through `fn`)."""

    def keys(idx: np.ndarray) -> list[Any]:
        got = values[idx].tolist()
        return got if fn is None else [fn(x) for x in got]

    return keys


def codes_as(
    values: Strings, fn: Callable[[str], Any] | None
) -> Callable[[np.ndarray], np.ndarray]:
    """_keys_as as integers."""

    def codes(idx: np.ndarray) -> np.ndarray:
        got = values[idx] if fn is None else mapped(values[idx], fn)
        return np.asarray(pd.factorize(got)[0], dtype=np.int64)

    return codes
