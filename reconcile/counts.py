"""Count reconciliation: each claim's stated counts against its own rows; ranges across claims."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reconcile.case import Claim
from reconcile.recordkeys import key_codes
from reconcile.schema import COUNT_RESULT_COLUMNS

# counts.csv: COUNT_RESULT_COLUMNS, then `why` (the reason for a conflict, in words).
COUNT_OUTPUT_COLUMNS: tuple[str, ...] = (*COUNT_RESULT_COLUMNS, "why")
ALL_CLAIMS = "*"
# Standard categories, whose listed counts are derived from the records (see docs/reports.md).
STANDARD_CATEGORIES: tuple[str, ...] = (
    "killed",
    "children",
    "women",
    "men",
    "girls",
    "boys",
    "elderly",
    "unidentified",
)
CATEGORY_SYNONYMS: dict[str, str] = {
    "killed": "killed",
    "dead": "killed",
    "deaths": "killed",
    "death toll": "killed",
    "fatalities": "killed",
    "total": "killed",
    "total killed": "killed",
    "people killed": "killed",
    "قتلى": "killed",
    "قتلى المجموع": "killed",
    "ضحايا": "killed",
    "children": "children",
    "child": "children",
    "children killed": "children",
    "أطفال": "children",
    "اطفال": "children",
    "women": "women",
    "woman": "women",
    "women killed": "women",
    "نساء": "women",
    "men": "men",
    "man": "men",
    "رجال": "men",
    "girls": "girls",
    "girl": "girls",
    "boys": "boys",
    "boy": "boys",
    "elderly": "elderly",
    "elders": "elderly",
    "unidentified": "unidentified",
    "unidentified remains": "unidentified",
    "unidentified bodies": "unidentified",
    "not identified": "unidentified",
}
QUALIFIER_SYNONYMS: dict[str, str] = {
    "": "exact",
    "exact": "exact",
    "exactly": "exact",
    "at_least": "at_least",
    "atleast": "at_least",
    "min": "at_least",
    "minimum": "at_least",
    "at_most": "at_most",
    "atmost": "at_most",
    "up_to": "at_most",
    "max": "at_most",
    "maximum": "at_most",
    "approx": "approx",
    "approximately": "approx",
    "about": "approx",
    "around": "approx",
    "~": "approx",
}
APPROX_PERCENT = 10  # "about n" covers n-10% .. n+10%, rounded outwards
_QUAL_WORDS = {"exact": "", "at_least": "at least ", "at_most": "at most ", "approx": "about "}


def category_of(text: str) -> str:
    """The category a counts.csv label means: a standard category for its synonyms ("dead",
    "Children", "أطفال"), otherwise the label in lower case with single spaces."""
    key = " ".join(str(text).casefold().split())
    return CATEGORY_SYNONYMS.get(key, key)


def qualifier_of(text: str) -> str:
    """exact, at_least, at_most or approx ("" and unrecognised words read as exact)."""
    q = re.sub(r"[\s\-]+", "_", str(text).strip().casefold())
    return QUALIFIER_SYNONYMS.get(q, "exact")


@dataclass(frozen=True)
class Assertion:
    """One stated count: its interval (hi None = no upper bound) and the figures it names."""

    claim: str
    category: str
    stated: str
    qualifier: str
    lo: int | None
    hi: int | None
    figures: tuple[int, ...]
    quote: str
    order: tuple[int, str, int]  # claim order, file, row: the order of rows in counts.csv


def _count_figures(count: Any, count_n: Any) -> tuple[int, ...]:
    """The whole numbers a count cell gives: count_n when the loader parsed one, else the digits
    of the text ("12"; "10-13" gives 10 and 13); () when there are none."""
    if count_n is not None and not pd.isna(count_n):
        return (int(count_n),)
    nums = [int(x) for x in re.findall(r"\d+", "" if pd.isna(count) else str(count))]
    return tuple(sorted(nums[:2]))


def interval(figures: Sequence[int], qualifier: str) -> tuple[int | None, int | None]:
    """The counts an assertion allows: exact n -> n..n; at_least n -> n..no bound (None);
    at_most n -> 0..n; approx n -> n-10%..n+10% rounded outwards; a range a-b -> a..b (widened the
    same way by its qualifier). (None, None) when there is no number."""
    if not figures:
        return None, None
    lo, hi = figures[0], figures[-1]
    if qualifier == "at_least":
        return lo, None
    if qualifier == "at_most":
        return 0, hi
    if qualifier == "approx":
        return lo * (100 - APPROX_PERCENT) // 100, -(-hi * (100 + APPROX_PERCENT) // 100)
    return lo, hi


def _stated_text(figures: Sequence[int], qualifier: str, raw: str) -> str:
    if not figures:
        return raw.strip()
    num = str(figures[0]) if len(figures) == 1 else f"{figures[0]}-{figures[-1]}"
    return _QUAL_WORDS.get(qualifier, "") + num


def assertions(stated_counts: pd.DataFrame, order: dict[str, int]) -> list[Assertion]:
    """The counts frame (COUNT_COLUMNS + file, row, optional count_n) as assertions in claim
    order, then file row."""
    out = []
    for r in stated_counts.to_dict("records"):
        claim = str(r.get("claim", ""))
        qual = qualifier_of(str(r.get("qualifier", "") or ""))
        figures = _count_figures(r.get("count", ""), r.get("count_n"))
        lo, hi = interval(figures, qual)
        raw = "" if pd.isna(r.get("count", "")) else str(r.get("count", ""))
        row = int(r["row"]) if "row" in r and not pd.isna(r["row"]) else 0
        out.append(
            Assertion(
                claim=claim,
                category=category_of(str(r.get("category", ""))),
                stated=_stated_text(figures, qual, raw),
                qualifier=qual,
                lo=lo,
                hi=hi,
                figures=figures,
                quote="" if pd.isna(r.get("quote", "")) else str(r.get("quote", "")),
                order=(order.get(claim, len(order)), str(r.get("file", "")), row),
            )
        )
    return sorted(out, key=lambda a: (a.order, a.claim))


def compatible(a: Assertion, b: Assertion) -> bool:
    """Two assertions can both be true: their intervals intersect (no number: nothing to test)."""
    if a.lo is None or b.lo is None:
        return True
    hi_a = math.inf if a.hi is None else a.hi
    hi_b = math.inf if b.hi is None else b.hi
    return max(a.lo, b.lo) <= min(hi_a, hi_b)


# --------------------------------------------------------------------------- listed counts


def _col(records: pd.DataFrame, name: str) -> pd.Series:
    if name not in records.columns:
        return pd.Series("", index=records.index, dtype=object)
    return records[name].fillna("").astype(str)


def _flags(records: pd.DataFrame, name: str) -> pd.Series:
    if name not in records.columns:
        return pd.Series(False, index=records.index)
    return records[name].map(
        lambda v: v.strip().casefold() in {"true", "1", "yes"} if isinstance(v, str) else bool(v)
    )


def dead(records: pd.DataFrame) -> pd.Series:
    """Records counted as killed: status killed, or no status at all (a claim is a list of the
    dead unless it says otherwise). injured, missing, survived and a stated-unknown status are
    not counted."""
    return _col(records, "status_n").isin(["killed", ""])


def category_mask(records: pd.DataFrame, category: str) -> pd.Series | None:
    """Which records fall in a standard category (None for other categories). Every category
    counts only records counted as killed (see `dead`)."""
    if category not in STANDARD_CATEGORIES:
        return None
    return _category_masks(records, (category,))[category]


def _category_masks(
    records: pd.DataFrame, categories: Sequence[str] = STANDARD_CATEGORIES
) -> dict[str, pd.Series]:
    """category_mask of each standard category, reading each column once."""
    sex, group = _col(records, "sex_n"), _col(records, "age_group_n")
    adult = group.isin(["adult", "elderly"])
    rules: dict[str, Callable[[], pd.Series]] = {
        "killed": lambda: pd.Series(True, index=records.index),
        "children": lambda: group == "child",
        "women": lambda: (sex == "female") & adult,
        "men": lambda: (sex == "male") & adult,
        "girls": lambda: (sex == "female") & (group == "child"),
        "boys": lambda: (sex == "male") & (group == "child"),
        "elderly": lambda: group == "elderly",
        "unidentified": lambda: _col(records, "identified_n") == "no",
    }
    killed = dead(records)
    return {cat: (killed & rules[cat]()).astype(bool) for cat in categories}


# --------------------------------------------------------------------------- reconciliation


@dataclass
class _Tally:
    """What every category's rows are computed from."""

    ids: list[str]  # claim ids in case order (claims named only in counts.csv last)
    complete: set[str]  # claims marked complete
    listed: dict[tuple[str, str], int]  # (standard category, claim) -> rows listed
    distinct: dict[str, int]  # standard category -> persons with a record in it
    with_records: set[str]  # claims that list at least one record


def _default_categories(found: list[Assertion], tally: _Tally) -> list[str]:
    """Standard categories that some claim states or lists, then analysts' own categories in the
    order counts.csv first names them."""
    stated = {a.category for a in found}
    listed_any = {cat for (cat, _claim), n in tally.listed.items() if n}
    std = [c for c in STANDARD_CATEGORIES if c in stated or c in listed_any]
    own = [a.category for a in found if a.category not in STANDARD_CATEGORIES and a.category]
    return std + list(dict.fromkeys(own))


def published_range(
    asserted: Sequence[Assertion], listed: dict[str, int], complete: set[str]
) -> tuple[int | None, int | None]:
    """The min-max of a category as IBC and Airwars publish it: the lowest and highest number
    any claim gives. The numbers are the stated figures and the listed counts of complete
    claims; an incomplete claim's list only raises the maximum (a partial list says nothing
    about the fewest), and gives the minimum only when no claim states a number."""
    figures = [f for a in asserted for f in a.figures]
    figures += [n for claim, n in listed.items() if claim in complete]
    partial = [n for claim, n in listed.items() if claim not in complete]
    if not figures and partial and max(partial) > 0:
        figures = [max(partial)]
    if not figures:
        return None, None
    return min(figures), max([*figures, *partial])


def self_conflict(a: Assertion, listed: int | None, complete: bool) -> str:
    """Why a claim's own list contradicts its own statement ("" when it does not): it lists more
    than its statement allows, or, when its list is complete, fewer."""
    if listed is None or a.lo is None:
        return ""
    if (a.hi is not None and listed > a.hi) or (complete and listed < a.lo):
        whose = "its complete list has" if complete else "lists"
        return f"{a.claim} states {a.stated} but {whose} {listed}"
    return ""


def _blank_row(cat: str, claim: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COUNT_OUTPUT_COLUMNS, "")
    nums = ("stated_min", "stated_max", "listed", "range_min", "range_max")
    return row | dict.fromkeys(nums) | {"category": cat, "claim": claim, "conflict": False}


def _category_rows(cat: str, found: list[Assertion], tally: _Tally) -> list[dict[str, Any]]:
    """One category's rows: each claim's (one per stated count), then the "*" row."""
    mine = [a for a in found if a.category == cat]
    derivable = cat in STANDARD_CATEGORIES
    clash: dict[int, list[int]] = {i: [] for i in range(len(mine))}
    for i, a in enumerate(mine):
        for j in range(i + 1, len(mine)):
            if not compatible(a, mine[j]):
                clash[i].append(j)
                clash[j].append(i)
    rows = []
    for cid in tally.ids:
        has_rows = cid in tally.with_records
        n_listed = tally.listed.get((cat, cid), 0) if derivable and has_rows else None
        theirs = [(i, a) for i, a in enumerate(mine) if a.claim == cid]
        if not theirs and n_listed is not None:
            rows.append(_blank_row(cat, cid) | {"listed": n_listed})
        for i, a in theirs:
            others = [mine[j] for j in clash[i]]
            whys = [self_conflict(a, n_listed, cid in tally.complete)]
            whys += [f"{a.claim} states {a.stated}, {o.claim} states {o.stated}" for o in others]
            rows.append(
                _blank_row(cat, cid)
                | {
                    "stated": a.stated,
                    "qualifier": a.qualifier,
                    "stated_min": a.lo,
                    "stated_max": a.hi,
                    "listed": n_listed,
                    "conflict": any(whys),
                    "conflict_with": ";".join(dict.fromkeys(o.claim for o in others)),
                    "quote": a.quote,
                    "why": "; ".join(w for w in whys if w),
                }
            )
    listed = {c: tally.listed[(cat, c)] for c in tally.with_records} if derivable else {}
    lo, hi = published_range(mine, listed, tally.complete)
    pairs = sorted({(min(i, j), max(i, j)) for i, js in clash.items() for j in js})
    involved = {mine[i].claim for p in pairs for i in p}
    rows.append(
        _blank_row(cat, ALL_CLAIMS)
        | {
            "listed": tally.distinct[cat] if derivable else None,
            "range_min": lo,
            "range_max": hi,
            "conflict": bool(pairs),
            "conflict_with": ";".join(c for c in tally.ids if c in involved),
            "why": "; ".join(
                f"{mine[i].claim} states {mine[i].stated}, {mine[j].claim} states {mine[j].stated}"
                for i, j in pairs
            ),
        }
    )
    return rows


def _claim_ids(claims: Sequence[Claim], *more: Iterable[str]) -> list[str]:
    """Claim ids in case order; ids named only in the records or counts follow, alphabetically."""
    ids = [c.id for c in claims]
    seen = {str(x) for m in more for x in (m.unique() if isinstance(m, pd.Series) else m)}
    return ids + sorted({x for x in seen if x} - set(ids))


def _record_keys(records: pd.DataFrame) -> pd.Series:
    return _col(records, "claim") + ":" + _col(records, "record_id")


def person_codes(records: pd.DataFrame, links: pd.DataFrame | None) -> np.ndarray:
    """Each record's person as an integer, equal where the person ids are: the id from links,
    or claim:record_id when the record has no link (the last link of a key wins)."""
    if links is not None and _aligned(records, links):
        return _text_codes(links["person_id"])
    own = _record_keys(records)
    if links is None or not {"claim", "record_id", "person_id"} <= set(links.columns):
        return np.asarray(pd.factorize(own)[0], dtype=np.int64)
    keys = links["claim"].astype(str) + ":" + links["record_id"].astype(str)
    codes, uniques = pd.factorize(pd.concat([own, keys], ignore_index=True))
    mine, theirs = codes[: len(own)], codes[len(own) :]
    last = pd.Series(theirs).drop_duplicates(keep="last")
    link_of = np.full(len(uniques), -1, dtype=np.int64)
    link_of[last.to_numpy()] = last.index.to_numpy()
    link = link_of[mine]
    pids = links["person_id"].astype(str)
    if (link >= 0).all():
        return np.asarray(pd.factorize(pids)[0], dtype=np.int64)[link]
    ids = own.to_numpy(dtype=object)
    ids[link >= 0] = pids.to_numpy(dtype=object)[link[link >= 0]]
    return np.asarray(pd.factorize(ids)[0], dtype=np.int64)


def _text_codes(s: pd.Series) -> np.ndarray:
    """pd.factorize(s.astype(str)) codes (first appearance order); Arrow-backed text with no
    missing cell is dictionary-encoded by Arrow itself, without pandas' wrapping around it."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow" and not s.isna().any():
        data = getattr(s.array, "_pa_array", None)
        if isinstance(data, pa.ChunkedArray):
            encoded = pc.dictionary_encode(data.combine_chunks())
            return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return np.asarray(pd.factorize(s.astype(str))[0], dtype=np.int64)


def _aligned(records: pd.DataFrame, links: pd.DataFrame) -> bool:
    """Whether links has one row per record, in the records' order, with no claim:record_id
    twice: then record i's link is row i (what matching returns; checked, never assumed)."""
    cols = ("claim", "record_id")
    if len(records) != len(links) or not {*cols, "person_id"} <= set(links.columns):
        return False
    if not set(cols) <= set(records.columns):
        return False
    if not all(_same_text(records[c], links[c]) for c in cols):
        return False
    keys = _int_keys(records)
    return keys is not None and not pd.Series(keys).duplicated().any()


def _same_text(x: pd.Series, y: pd.Series) -> bool:
    """Two text columns with no missing cell that are equal cell by cell (False otherwise)."""
    parts = []
    for s in (x, y):
        is_text = isinstance(s.dtype, pd.StringDtype | pd.CategoricalDtype) or (
            s.dtype == object and pd.api.types.infer_dtype(s) in ("string", "empty")
        )
        if not is_text or s.isna().any():
            return False
        parts.append(s.astype(str).to_numpy() if s.dtype == object else s.astype("str").array)
    return bool(np.asarray(parts[0] == parts[1], dtype=bool).all())


def _int_keys(records: pd.DataFrame) -> np.ndarray | None:
    """Each record's claim:record_id as one int64 (equal where the keys are), None when a cell
    is missing or a claim id holds ":" (then two (claim, id) could make one key)."""
    got = key_codes(records)
    if got is None or any(":" in str(c) for c in got.claims):
        return None
    return got.claim_code * max(len(got.ids), 1) + got.id_code


def reconcile_counts(
    records: pd.DataFrame,
    links: pd.DataFrame | None,
    persons: pd.DataFrame | None,
    stated_counts: pd.DataFrame,
    claims: Sequence[Claim],
    categories: Sequence[str] | None = None,
    *,
    codes: np.ndarray | None = None,
) -> pd.DataFrame:
    """counts.csv (COUNT_OUTPUT_COLUMNS): for each category, one row per claim and stated count
    (a claim that states none still gets a row with what it lists), then a row with claim "*"
    for the range across claims. `links` (LINK_COLUMNS) lets the "*" row count distinct persons;
    `persons` is accepted for a uniform pipeline call and not read (a person's category is read
    from its records). `codes`: person_codes(records, links), when the caller has it already.
    Rules: docs/reports.md."""
    del persons
    ids = _claim_ids(claims, _col(records, "claim"), _col(stated_counts, "claim"))
    found = assertions(stated_counts, {cid: i for i, cid in enumerate(ids)})
    rec_claims = _col(records, "claim")
    people = person_codes(records, links) if codes is None else codes
    tally = _Tally(ids, {c.id for c in claims if c.complete}, {}, {}, set(rec_claims.unique()))
    claim_codes, claim_names = pd.factorize(rec_claims)
    for cat, mask in _category_masks(records).items():
        m = mask.to_numpy(dtype=bool)
        listed = np.bincount(claim_codes[m], minlength=len(claim_names))
        per_claim = dict(zip(claim_names, listed, strict=True))
        tally.listed.update({(cat, cid): int(per_claim.get(cid, 0)) for cid in ids})
        tally.distinct[cat] = int(np.count_nonzero(np.bincount(people[m])))
    wanted = (
        _default_categories(found, tally)
        if categories is None
        else list(dict.fromkeys(category_of(c) for c in categories))
    )
    rows = [row for cat in wanted for row in _category_rows(cat, found, tally)]
    out = pd.DataFrame(rows, columns=list(COUNT_OUTPUT_COLUMNS))
    ints = ["stated_min", "stated_max", "listed", "range_min", "range_max"]
    return out.astype({**dict.fromkeys(ints, "Int64"), "conflict": "bool"})


# --------------------------------------------------------------------------- distinct people

MERGEABLE: tuple[str, ...] = ("linked", "ambiguous", "possible", "decided-same")


def _find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _merge_apart(
    take: list[tuple[int, int]],
    different: set[frozenset[int]],
    parent: list[int],
    claim_bits: list[int],
) -> int:
    """distinct_people_range's merges when some persons are decided different: a merge that
    would join two of them is refused. Returns the merges made (parent, claim_bits updated)."""
    extra = 0
    members: dict[int, list[int]] = {}  # a root's persons, once it has merged any
    for a, b in take:
        ra_, rb_ = _find(parent, a), _find(parent, b)
        if ra_ == rb_ or claim_bits[ra_] & claim_bits[rb_]:
            continue
        if any(
            frozenset((x, y)) in different
            for x in members.get(ra_, [ra_])
            for y in members.get(rb_, [rb_])
        ):
            continue
        parent[rb_] = ra_
        claim_bits[ra_] |= claim_bits[rb_]
        members[ra_] = members.get(ra_, [ra_]) + members.pop(rb_, [rb_])
        extra += 1
    return extra


def distinct_people_range(
    pairs: pd.DataFrame | None,
    links: pd.DataFrame,
    records: pd.DataFrame,
    stated_counts: pd.DataFrame | None = None,
    killed_only: bool = True,
    *,
    codes: np.ndarray | None = None,
) -> dict[str, int | None]:
    """How many distinct people all the claims together describe, as a range.

    most: the persons of `links` (only confident links merged). fewest: the persons left when
    every compatible merge is also made: each pair of `pairs` (PAIR_COLUMNS) whose status is in
    MERGEABLE joins its two persons, strongest weight first, unless that would put two records
    of one claim in one person or join two records an analyst decided are different. This
    greedy pass is a bound, not a proven minimum. The fewest is then raised to the largest
    lower bound any claim states for the killed count (nobody can be fewer than "at least 13"),
    and the most to the fewest. With killed_only, only persons with a record counted as killed
    (`dead`) are counted.

    Returns {"min", "max", "persons" (persons as linked, before the stated floor),
    "min_merged" (persons after the extra merges), "extra_merges", "stated_floor" (None when no
    claim states a killed count)}. `codes`: person_codes(records, links), when the caller has
    it already."""
    people = person_codes(records, links) if codes is None else codes
    n = int(people.max(initial=-1)) + 1
    parent = list(range(n))
    extra = 0
    if pairs is not None and len(pairs):
        take, different, claim_bits = _mergeable(pairs, records, people, n)
        if different:
            extra = _merge_apart(take, different, parent, claim_bits)
        else:  # no pair decided different: no members to check, finds inlined (a hot loop)
            for a, b in take:
                while parent[a] != a:
                    parent[a] = parent[parent[a]]
                    a = parent[a]
                while parent[b] != b:
                    parent[b] = parent[parent[b]]
                    b = parent[b]
                if a == b or claim_bits[a] & claim_bits[b]:
                    continue
                parent[b] = a
                claim_bits[a] |= claim_bits[b]
                extra += 1
    if killed_only:
        counted = np.flatnonzero(np.bincount(people[dead(records).to_numpy()], minlength=n))
    else:
        counted = np.arange(n)
    roots = np.asarray(parent, dtype=np.int64)
    while not np.array_equal(roots, roots[roots]):  # every person straight to its root
        roots = roots[roots]
    most = len(counted)
    merged = int(np.count_nonzero(np.bincount(roots[counted], minlength=n)))
    floor = None
    if stated_counts is not None and len(stated_counts):
        found = [a for a in assertions(stated_counts, {}) if a.category == "killed" and a.lo]
        floor = max((a.lo for a in found if a.lo is not None), default=None)
    fewest = max(merged, floor or 0)
    return {
        "min": fewest,
        "max": max(most, fewest),
        "persons": most,
        "min_merged": merged,
        "extra_merges": extra,
        "stated_floor": floor,
    }


def _status_is(pairs: pd.DataFrame, wanted: Sequence[str]) -> np.ndarray:
    """Which pairs' status (as text) is one of `wanted`."""
    s = pairs["status"]
    if isinstance(s.dtype, pd.CategoricalDtype):
        names = np.asarray(s.cat.categories.astype(str), dtype=object)
        hit = np.append(np.isin(names, list(wanted)), False)  # code -1 (missing) reads False
        return hit[s.cat.codes.to_numpy()]
    return np.isin(s.astype(str).to_numpy(), list(wanted))


RankOf = Callable[[np.ndarray], np.ndarray]


def _sides_by_text(
    pairs: pd.DataFrame, records: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, RankOf]:
    """Each pair's two records (the first record with its claim:record_id; -1: none) and a
    function giving records ranks in claim:record_id text order, by the texts."""
    keys = _record_keys(records)
    sides = [pairs[f"claim_{s}"].astype(str) + ":" + pairs[f"record_{s}"].astype(str) for s in "ab"]
    codes, uniques = pd.factorize(pd.concat([keys, *sides], ignore_index=True))
    mine = codes[: len(keys)]
    once = pd.Series(mine).drop_duplicates()  # the first record with each key
    first = np.full(len(uniques), -1, dtype=np.int64)
    first[once.to_numpy()] = once.index.to_numpy()
    ra, rb = (first[codes[len(keys) + i * len(pairs) :][: len(pairs)]] for i in range(2))
    texts = keys.to_numpy(dtype=object)

    def rank(rows: np.ndarray) -> np.ndarray:
        return np.asarray(pd.factorize(texts[rows], sort=True)[0])

    return ra, rb, rank


def _first_of(key: np.ndarray, space: int) -> Callable[[np.ndarray], np.ndarray]:
    """A lookup from keys (ints in 0..space-1) to the first position of each in `key` (-1: not
    in it): a table when the key space is small, else a search in the sorted keys."""
    if space <= 4 * len(key) + 1024:
        table = np.full(space, -1, dtype=np.int64)
        at = np.arange(len(key) - 1, -1, -1)
        table[key[at]] = at  # written last to first: the first position stays
        return lambda k: table[k]
    uniq, first = np.unique(key, return_index=True)

    def search(k: np.ndarray) -> np.ndarray:
        if not len(uniq):
            return np.full(len(k), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(uniq, k), len(uniq) - 1)
        return np.where(uniq[at] == k, first[at], -1)

    return search


def _sides_by_codes(
    pairs: pd.DataFrame, records: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, RankOf, np.ndarray, pd.Index] | None:
    """What _sides_by_text gives, read from compact pairs' categorical codes without building a
    text per pair (reconcile.pairrows), and the records' claim codes in text order with the
    claims; None when pairs is not compact, a key cell is missing or a claim id holds ":"."""
    sides = [pairs[c] for c in ("claim_a", "record_a", "claim_b", "record_b")]
    if not all(isinstance(s.dtype, pd.CategoricalDtype) for s in sides):
        return None
    if not {"claim", "record_id"} <= set(records.columns):
        return None
    got = key_codes(records)
    if got is None or any(s.isna().any() for s in sides):
        return None
    cc, claims, rc, names = got.claim_code, got.claims, got.id_code, got.ids
    if any(":" in str(c) for c in claims) or any(
        ":" in str(c) for s in sides[::2] for c in s.cat.categories
    ):
        return None
    # claim:record_id in text order: claims by their text before ":", then the ids
    claim_rank = np.argsort(np.argsort(np.asarray([str(c) + ":" for c in claims], dtype=object)))
    width = max(len(names), 1)
    key = cc.astype(np.int64) * width + rc  # each record's claim:record_id, as an int
    order = claim_rank[cc].astype(np.int64) * width + rc
    first_of = _first_of(key, len(claims) * width)
    id_maps: dict[int, np.ndarray] = {}

    def side(c: pd.Series, r: pd.Series) -> np.ndarray:
        cmap = np.append(pd.Index(claims).get_indexer(c.cat.categories.astype(str)), -1)
        if id(r.dtype) not in id_maps:  # both sides share one dtype: mapped once
            cat_ids = r.cat.categories.astype(str)
            same = cat_ids.equals(pd.Index(names))
            rmap = np.arange(len(names)) if same else pd.Index(names).get_indexer(cat_ids)
            id_maps[id(r.dtype)] = np.append(rmap, -1)
        rmap = id_maps[id(r.dtype)]
        kc, kr = cmap[c.cat.codes.to_numpy()], rmap[r.cat.codes.to_numpy()]
        found = (kc >= 0) & (kr >= 0)
        return np.where(found, first_of(np.where(found, kc.astype(np.int64) * width + kr, 0)), -1)

    def rank(rows: np.ndarray) -> np.ndarray:
        return order[rows]

    return side(sides[0], sides[1]), side(sides[2], sides[3]), rank, cc, claims


def _mergeable(
    pairs: pd.DataFrame, records: pd.DataFrame, person_codes: np.ndarray, n: int
) -> tuple[list[tuple[int, int]], set[frozenset[int]], list[int]]:
    """The merges distinct_people_range tries, as (person, person) codes in the order it tries
    them (strongest weight first, ties by the records' claim:id); the pairs of persons decided
    different; each person's claims as a bit set. A pair whose persons already share a claim is
    left out: claims only accumulate, so it could never merge."""
    by_codes = _sides_by_codes(pairs, records)
    if by_codes is not None:
        ra, rb, key_rank, claim_codes, claim_names = by_codes
    else:
        ra, rb, key_rank = _sides_by_text(pairs, records)
        claim_codes, claim_names = pd.factorize(_col(records, "claim"), sort=True)
    ok = (ra >= 0) & (rb >= 0)
    pa = np.where(ok, person_codes[np.maximum(ra, 0)], -1)
    pb = np.where(ok, person_codes[np.maximum(rb, 0)], -1)
    apart = ok & _status_is(pairs, ("decided-different",))
    different = {frozenset(p) for p in zip(pa[apart].tolist(), pb[apart].tolist(), strict=True)}
    if len(claim_names) <= 62:
        bits = np.zeros(n, dtype=np.int64)
        np.bitwise_or.at(bits, person_codes, np.left_shift(1, claim_codes.astype(np.int64)))
        shared = ok & (bits[np.maximum(pa, 0)] & bits[np.maximum(pb, 0)] != 0)
        claim_bits = bits.tolist()
    else:
        claim_bits = [0] * n
        for pc, cc in zip(person_codes.tolist(), claim_codes.tolist(), strict=True):
            claim_bits[pc] |= 1 << cc
        shared = np.zeros(len(pairs), dtype=bool)
    weight = pd.to_numeric(pairs["weight"], errors="coerce").fillna(-np.inf).to_numpy()
    take = np.flatnonzero(ok & _status_is(pairs, MERGEABLE) & (pa != pb) & ~shared)
    # strongest first; ties broken by the records' claim:id, so row order never matters
    rank_a, rank_b = key_rank(ra[take]), key_rank(rb[take])
    take = take[np.lexsort((rank_b, rank_a, -weight[take]))]
    return list(zip(pa[take].tolist(), pb[take].tolist(), strict=True)), different, claim_bits
