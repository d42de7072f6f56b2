"""Per-field agreement: when two claims' values of a field agree, and what the merged value is."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

from reconcile.names import fold_arabic_key, name_variants, token_key
from reconcile.schema import DEFAULT_PLACEHOLDERS

# Free-text fields (cause, location, nationality, affiliation) agree when rapidfuzz's
# token_set_ratio of their normalised forms (norm_text) reaches this score (0-100).
TEXT_THRESHOLD = 85.0
# Two name tokens are spelling variants of each other at this rapidfuzz ratio (0-100).
NAME_TOKEN_THRESHOLD = 85.0
# Ages agree when the gap between their intervals is at most this many years.
AGE_TOLERANCE = 1.0
# Relation terms that include more specific ones (a "child" may be a son or a daughter).
RELATION_GENERAL: dict[str, frozenset[str]] = {
    "child": frozenset({"son", "daughter"}),
    "grandchild": frozenset({"grandson", "granddaughter"}),
    "parent": frozenset({"mother", "father"}),
    "sibling": frozenset({"brother", "sister"}),
    "spouse": frozenset({"wife", "husband"}),
}
AGE_GROUP_NARROWER: dict[str, str] = {"elderly": "adult"}  # an elderly person is an adult


class Stated(NamedTuple):
    """One claim's stated value for one field of one person.

    text: what the merged value shows (the normalised form for parsed fields, the original text
    for free-text fields); key: what the field's comparator reads.
    """

    claim: str
    text: str
    key: Any


# --------------------------------------------------------------------------- normalising text

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})
_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=65536)
def norm_text(text: str) -> str:
    """Text folded for comparison: NFKC, casefold, accents, Arabic marks and letter forms, and
    punctuation removed, whitespace collapsed. Never raises."""
    s = unicodedata.normalize("NFKC", text).casefold()
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    s = unicodedata.normalize("NFC", s)
    s = _ARABIC_MARKS.sub("", s).translate(_ARABIC_FOLD)
    return " ".join(_NOT_WORD.sub(" ", s).split())


def placeholder_set(placeholders: Iterable[str] = DEFAULT_PLACEHOLDERS) -> frozenset[str]:
    """The placeholders as is_placeholder reads them (stripped, casefolded)."""
    return frozenset(p.strip().casefold() for p in placeholders)


DEFAULT_PLACEHOLDER_SET = placeholder_set()


def is_placeholder(text: str, placeholders: frozenset[str] = DEFAULT_PLACEHOLDER_SET) -> bool:
    """True when the text is a declared placeholder ("unknown", "?", "غير معروف"...); the set
    comes from placeholder_set."""
    t = text.strip().casefold()
    return bool(t) and t in placeholders


# --------------------------------------------------------------------------- names


NameForm = tuple[tuple[str, ...], tuple[frozenset[str], ...]]


@lru_cache(maxsize=1 << 18)
def token_keys(token: str) -> frozenset[str]:
    """A name token's keys: its cross-script skeleton (so محمد meets Mohammed) and its loose
    same-script Arabic key (cached: lists of millions of names hold some tens of thousands of
    distinct tokens)."""
    k, f = token_key(token), fold_arabic_key(token)
    return frozenset(x for x in (f"k:{k}" if k else "", f"f:{f}" if f else "") if x)


def forms_of(variants: Iterable[Sequence[str]]) -> tuple[NameForm, ...]:
    """name_forms from a name's token lists as reconcile.names.name_variants gives them."""
    return tuple((tuple(v), tuple(token_keys(t) for t in v)) for v in variants if v)


@lru_cache(maxsize=65536)
def name_forms(text: str) -> tuple[NameForm, ...]:
    """A name's forms to compare, the main name first then its alternates ("X (Y)"): each as
    (tokens, per-token key sets). Tokens come from reconcile.names (compounds joined, particles
    dropped); a token's keys are token_keys."""
    return forms_of(name_variants(text))


@lru_cache(maxsize=65536)
def name_words(text: str) -> tuple[str, ...]:
    """The normalised words of a name's main form (name_forms without the keys, for display)."""
    return next((tuple(v) for v in name_variants(text) if v), ())


def name_form(text: str) -> NameForm:
    """The main form of a name (see name_forms); no tokens when it has no letters."""
    forms = name_forms(text)
    return forms[0] if forms else ((), ())


def _tokens_meet(ta: str, ka: frozenset[str], tb: str, kb: frozenset[str]) -> bool:
    return bool(ka & kb) or fuzz.ratio(ta, tb) >= NAME_TOKEN_THRESHOLD


def tokens_meet(a: str, b: str) -> bool:
    """Two name tokens meet: they share a token_keys key or their rapidfuzz ratio reaches
    NAME_TOKEN_THRESHOLD (what names_agree asks of each pair of tokens it matches)."""
    return _tokens_meet(a, token_keys(a), b, token_keys(b))


def tokens_meet_many(a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    """tokens_meet of every pair (a[i], b[i]): the ratios in one rapidfuzz call (in double
    precision, as fuzz.ratio gives them), the keys only where the ratio falls short."""
    if not len(a):
        return np.zeros(0, dtype=bool)
    ratio = process.cpdist(a, b, scorer=fuzz.ratio, dtype=np.float64, workers=1)
    out = np.asarray(ratio >= NAME_TOKEN_THRESHOLD, dtype=bool).reshape(-1)
    for i in np.flatnonzero(~out).tolist():
        out[i] = bool(token_keys(a[i]) & token_keys(b[i]))
    return out


def _meets(a: NameForm, b: NameForm) -> list[list[bool]]:
    (ta, ka), (tb, kb) = a, b
    return [
        [_tokens_meet(ta[i], ka[i], tb[j], kb[j]) for j in range(len(tb))] for i in range(len(ta))
    ]


def _contained(meets: list[list[bool]]) -> bool:
    """Every token of A meets its own token of B (a bipartite matching covering A, found by
    augmenting paths; names have a handful of tokens)."""
    owner: dict[int, int] = {}  # token of B -> token of A it is matched to

    def place(i: int, seen: set[int]) -> bool:
        for j, ok in enumerate(meets[i]):
            if ok and j not in seen:
                seen.add(j)
                if j not in owner or place(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return all(place(i, set()) for i in range(len(meets)))


def _interleave(meets: list[list[bool]], n_b: int) -> bool:
    """A and B read as two partial writings of one longer name: their tokens that meet, taken in
    order (a longest common subsequence), leave the others in gaps, and no gap holds an unmatched
    token of both (two different names in one place: a different father's name)."""
    n_a = len(meets)
    best = [[0] * (n_b + 1) for _ in range(n_a + 1)]
    for i in range(n_a - 1, -1, -1):
        for j in range(n_b - 1, -1, -1):
            step = best[i + 1][j + 1] + 1 if meets[i][j] else 0
            best[i][j] = max(step, best[i + 1][j], best[i][j + 1])
    if best[0][0] == 0:
        return False
    gaps_a, gaps_b = set(), set()
    i = j = matched = 0
    while i < n_a and j < n_b:
        if meets[i][j] and best[i][j] == best[i + 1][j + 1] + 1:
            i, j, matched = i + 1, j + 1, matched + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            gaps_a.add(matched)
            i += 1
        else:
            gaps_b.add(matched)
            j += 1
    gaps_a |= {matched} if i < n_a else set()
    gaps_b |= {matched} if j < n_b else set()
    return not gaps_a & gaps_b


def _forms_agree(a: NameForm, b: NameForm) -> bool:
    if not a[0] or not b[0]:
        return False
    if len(a[0]) > len(b[0]):
        a, b = b, a
    return meets_agree(_meets(a, b))


def meets_agree(meets: list[list[bool]]) -> bool:
    """_forms_agree of two forms given which tokens meet (tokens_meet): meets[i][j] for token i of
    the form with fewer tokens (the first of two of equal length) and token j of the other, both
    forms with tokens."""
    if _contained(meets):
        return True
    flipped = [list(col) for col in zip(*meets, strict=True)]
    return _interleave(meets, len(meets[0])) or _interleave(flipped, len(meets))


@lru_cache(maxsize=65536)
def names_agree(a: str, b: str) -> bool:
    """Two spellings are variants of one name, for some form of each (name_forms). Tokens meet
    when they share a key or their rapidfuzz ratio reaches NAME_TOKEN_THRESHOLD. The names agree
    when every token of the shorter meets its own token of the longer (a partial name agrees
    with the fuller name that contains it), or when both are partial writings of one longer name
    (`_interleave`: "Asif Ali Abu Hamad Abu Daqqa" and "Asif Ali Fawzi Abu Hamad" each omit a
    part). "Mohammed Ali" and "Mohammed Hassan" do not agree: two names in one place."""
    return forms_agree(name_forms(a), name_forms(b))


def forms_agree(a: Sequence[NameForm], b: Sequence[NameForm]) -> bool:
    """names_agree on two names' name_forms."""
    return any(_forms_agree(x, y) for x in a for y in b)


def split_names(text: str) -> list[str]:
    """The `;`-separated spellings of a name_alt or alias cell, stripped, blanks dropped."""
    return [s.strip() for s in text.split(";") if s.strip()]


# --------------------------------------------------------------------------- comparators


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


def _names_compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Keys are every spelling a record gives (name, name_alt, alias): one agreeing pair will do."""
    return any(names_agree(x, y) for x in a for y in b)


def _age_compatible(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return max(a[0], b[0]) - min(a[1], b[1]) <= AGE_TOLERANCE


def _age_group_compatible(a: str, b: str) -> bool:
    return a == b or AGE_GROUP_NARROWER.get(a) == b or AGE_GROUP_NARROWER.get(b) == a


def _dob_compatible(a: str, b: str) -> bool:
    """Equal, or one is a less precise form of the other ("1990" agrees with "1990-05-02")."""
    short, long_ = sorted((a, b), key=len)
    return long_ == short or long_.startswith(short + "-")


def _text_compatible(a: str, b: str) -> bool:
    return a == b or fuzz.token_set_ratio(a, b) >= TEXT_THRESHOLD


def _place_compatible(a: str, b: str) -> bool:
    """Places and nationalities are names too: fuzzy text, or the words of one meet the words of
    the other by cross-script key (Atmeh and أطمة, Iraqi and عراقي)."""
    return _text_compatible(a, b) or names_agree(a, b)


def relation_terms_compatible(a: str, b: str) -> bool:
    """Same term, or one term includes the other ("child" and "son"), or either is "relative"."""
    if a == b or "relative" in (a, b):
        return True
    return b in RELATION_GENERAL.get(a, frozenset()) or a in RELATION_GENERAL.get(b, frozenset())


class RelationKey(NamedTuple):
    """What a relation is compared on: the term, the target as written, the person the target
    names within the record's own claim ("" when it names no one there, or several), and the
    persons it names anywhere in the case."""

    term: str
    to: str
    person: str = ""
    persons: frozenset[str] = frozenset()


def relations_compatible(a: RelationKey, b: RelationKey) -> bool:
    """Compatible terms pointing at the same person: when both targets name a person within
    their own claims, those persons must be the same one; otherwise the targets agree when
    either is blank, their names agree, or they name a shared person somewhere in the case."""
    if not relation_terms_compatible(a.term, b.term):
        return False
    if a.person and b.person:
        return a.person == b.person
    if not a.to or not b.to or names_agree(a.to, b.to):
        return True
    return bool(a.persons & b.persons)


# --------------------------------------------------------------------------- merged values


def _fmt_years(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=1 << 16)  # a list of a million ages holds a few thousand distinct ones
def format_age(lo: float, hi: float) -> str:
    """34 for an exact age, 30-35 for a range (fractions of a year to two decimals)."""
    return _fmt_years(lo) if lo == hi else f"{_fmt_years(lo)}-{_fmt_years(hi)}"


def merged_age(values: Sequence[Stated]) -> str:
    """Agreeing ages: their intersection when they share one, else the range spanning them."""
    lo = max(v.key[0] for v in values)
    hi = min(v.key[1] for v in values)
    if lo > hi:
        lo, hi = min(v.key[0] for v in values), max(v.key[1] for v in values)
    return format_age(lo, hi)


def merged_first(values: Sequence[Stated]) -> str:
    """The first claim's value (claim order)."""
    return values[0].text


def merged_fullest_name(values: Sequence[Stated]) -> str:
    """The spelling with the most name tokens; the earliest claim among equals."""
    return max(values, key=lambda v: len(name_form(v.text)[0])).text


def merged_longest(values: Sequence[Stated]) -> str:
    """The most precise of agreeing values (longest, e.g. a full date over a year); earliest wins
    ties."""
    return max(values, key=lambda v: len(v.text)).text


def merged_narrowest_group(values: Sequence[Stated]) -> str:
    """The more specific group: elderly over adult when both are stated."""
    texts = [v.text for v in values]
    return "elderly" if "elderly" in texts else texts[0]


def merged_relation(values: Sequence[Stated]) -> str:
    """The first claim's relation with the most specific term and a named target."""

    def rank(v: Stated) -> tuple[int, int]:
        general = v.key.term in RELATION_GENERAL or v.key.term == "relative"
        return (0 if general else 1, 1 if v.key.to else 0)

    return max(values, key=rank).text


# --------------------------------------------------------------------------- the verdict


def verdict(
    values: Sequence[Stated],
    compatible: Callable[[Any, Any], bool],
    merge: Callable[[Sequence[Stated]], str],
) -> tuple[str, str]:
    """(merged value, status) for one field of one person from its claims' stated values, in
    claim order (claims stating "unknown" or nothing give no value: they never agree or conflict).
    No stated value: ("", "unknown"); one: single; all pairs compatible: agree (merged by
    `merge`); any incompatible pair: conflict, the distinct texts " | "-joined in claim order."""
    if not values:
        return "", "unknown"
    if len(values) == 1:
        return values[0].text, "single"
    distinct = list(dict.fromkeys(v.text for v in values))
    if len({v.claim for v in values}) == 1 and len(distinct) == 1:
        return values[0].text, "single"
    same = all(v.key == values[0].key for v in values[1:])  # equal keys are always compatible
    for i, a in enumerate([] if same else values):
        for b in values[i + 1 :]:
            if not compatible(a.key, b.key):
                return " | ".join(distinct), "conflict"
    if len({v.claim for v in values}) == 1:
        return merge(values), "single"
    return merge(values), "agree"


COMPARATORS: dict[str, tuple[Callable[[Any, Any], bool], Callable[[Sequence[Stated]], str]]] = {
    "name": (_names_compatible, merged_fullest_name),
    "sex": (_eq, merged_first),
    "age": (_age_compatible, merged_age),
    "age_group": (_age_group_compatible, merged_narrowest_group),
    "dob": (_dob_compatible, merged_longest),
    "national_id": (_eq, merged_first),
    "status": (_eq, merged_first),
    "identified": (_eq, merged_first),
    "cause": (_text_compatible, merged_first),
    "location": (_place_compatible, merged_first),
    "nationality": (_place_compatible, merged_first),
    "affiliation": (_text_compatible, merged_first),
    "relation": (relations_compatible, merged_relation),
}


def finite(x: Any) -> bool:
    """True for a real number that is not NaN (ages read from parsed columns)."""
    try:
        return not math.isnan(float(x))
    except (TypeError, ValueError):
        return False
