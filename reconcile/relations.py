"""Kinship and person descriptions: `wife of X`, `Hisham's daughter`, `بنت/X`, `unidentified woman`.

Pure functions over single strings (never raise):

- ``parse_relation(text) -> (term, to)``: the canonical kinship or role term and whom it points
  to, as written. ``wife of Abu Ibrahim`` -> ("wife", "Abu Ibrahim"); ``Hisham's daughter`` ->
  ("daughter", "Hisham"); ``the target's sister`` -> ("sister", "the target"); ``his wife`` ->
  ("wife", ""); ``بنت/ريم سامي حداد`` -> ("daughter", "ريم سامي حداد"). Unrecognised text gives
  ("", ""); ``<words> of <X>`` with words that are no known term gives the words lower-cased as
  the term (``neighbour of X`` style roles are kept, not lost).
- ``name_as_relation(name) -> (term, to) | None``: the same, for a *name* that is really a
  kinship description; stricter (known terms only) and the Arabic kunyas ``ابو X`` / ``ام X``
  (Abu X, Umm X) are names, never "father of" / "mother of".
- ``relation_after_name(name)``: a relation written after a real name ("Umm Salem.. wife of
  Karim", "Lina (daughter of Samir)", "لينا كريم ابنة كريم"): it fills the relation, but the name
  is still a name.
- ``analyse_name(name) -> NameFacts``: all of the name checks at once, fast (parse_records).
- ``describe_unnamed(name) -> Unnamed | None``: a name that only describes an unnamed person
  (``unidentified woman``, ``unknown child 2``, ``body``, ``مجهول الهوية``, ``جثة``, ``طفل``) and
  what it implies: sex, age group, and identified "no" for unidentified people and remains.
- ``implied_sex(term)``, ``implied_age_group(term)``: what a kinship term or description word
  implies. Kinship never implies an age group (a son may be fifty); only words such as baby,
  infant, newborn, toddler, little, girl, boy do ("child").

Canonical terms (RELATION_TERMS): wife, husband, spouse, son, daughter, child, stepson,
stepdaughter, mother, father, parent, stepmother, stepfather, brother, sister, sibling,
grandson, granddaughter, grandchild, grandmother, grandfather, nephew, niece, uncle, aunt,
cousin, son-in-law, daughter-in-law, mother-in-law, father-in-law, brother-in-law,
sister-in-law, fiance, fiancee, relative, aide, guard, driver, courier, neighbour, friend,
guest, host, colleague. Ordinals and modifiers are dropped: ``first wife``, ``second wife`` ->
wife; ``infant son`` -> son (and implies child); ``maternal grandmother`` -> grandmother;
``half-brother`` -> brother; ``step-son`` -> stepson; ``widow of X`` -> wife; ``member of
X's family`` -> relative. Misspelt terms beside "of" or a possessive are matched fuzzily
(``daugher of X``). Hedges (likely, reportedly, possibly...) and notes such as ``(unnamed)`` are
dropped; a trailing index (``Child of X 2``) is not part of whom it points to.

Arabic: ``زوجة X`` wife, ``زوج X`` husband, ``ابن X`` son, ``بنت X`` / ``ابنة X`` daughter,
``طفل X`` child (a young one), ``رضيع`` infant, ``أم X`` / ``والدة X`` mother (in a name ``أم X``
is a kunya), ``والد X`` / ``أب X`` father (never ``أبو X``, a kunya), ``أخ`` / ``أخو`` /
``شقيق`` brother, ``أخت`` / ``شقيقة`` sister, ``حفيد`` grandson, ``حفيدة`` granddaughter,
``جد`` / ``جدة``, ``عم`` / ``خال`` uncle, ``عمة`` / ``خالة`` aunt, ``ابن عم`` ... cousin,
``ابن أخ`` nephew, ``بنت أخت`` niece, ``زوجة ابن`` / ``كنة`` daughter-in-law, ``زوج ابنة``
son-in-law, ``قريب`` / ``نسيب`` relative, ``مرافق`` / ``مساعد`` aide, ``حارس`` guard; the
pronoun forms ``زوجته`` his wife, ``ابنها`` her son ...; ``/`` or ``:`` after the term
(``بنت/X``); the term after the name (``X الزوجة``); ``ة`` written as ``ه``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
from rapidfuzz import fuzz


def _split(words: str) -> frozenset[str]:
    return frozenset(words.split())


_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Text folded for vocabulary lookup: NFKC, case-folded, Arabic diacritics and tatweel
    removed, alef/hamza forms unified, ى -> ي, ة -> ه, Arabic-Indic digits -> ASCII, curly
    apostrophes -> ', whitespace collapsed and trimmed."""
    if text.isascii():
        t = text.casefold().replace("`", "'")
        return _SPACES.sub(" ", t).strip()
    t = unicodedata.normalize("NFKC", str(text)).casefold()
    t = _ARABIC_MARKS.sub("", t).translate(_ARABIC_FOLD).translate(_DIGITS)
    t = t.replace("’", "'").replace("‘", "'").replace("`", "'").replace("´", "'")
    return _SPACES.sub(" ", t).strip()


# --- the vocabulary -------------------------------------------------------------------------

FEMALE_TERMS = _split(
    "wife daughter stepdaughter mother stepmother sister granddaughter grandmother niece aunt "
    "daughter-in-law mother-in-law sister-in-law fiancee"
)
MALE_TERMS = _split(
    "husband son stepson father stepfather brother grandson grandfather nephew uncle "
    "son-in-law father-in-law brother-in-law fiance"
)
RELATION_TERMS: tuple[str, ...] = (
    *[
        "wife",
        "husband",
        "spouse",
        "son",
        "daughter",
        "child",
        "stepson",
        "stepdaughter",
        "mother",
        "father",
        "parent",
    ],
    *[
        "stepmother",
        "stepfather",
        "brother",
        "sister",
        "sibling",
        "grandson",
        "granddaughter",
        "grandchild",
    ],
    *[
        "grandmother",
        "grandfather",
        "nephew",
        "niece",
        "uncle",
        "aunt",
        "cousin",
        "son-in-law",
        "daughter-in-law",
    ],
    *[
        "mother-in-law",
        "father-in-law",
        "brother-in-law",
        "sister-in-law",
        "fiance",
        "fiancee",
        "relative",
    ],
    *["aide", "guard", "driver", "courier", "neighbour", "friend", "guest", "host", "colleague"],
)

# English (and a few French) words, folded, hyphens as spaces -> canonical term.
_EN_TERMS: dict[str, str] = {t.replace("-", " "): t for t in RELATION_TERMS}
_EN_TERMS.update(
    {
        "wives": "wife", "husbands": "husband", "sons": "son", "daughters": "daughter",
        "children": "child", "kid": "child", "kids": "child", "baby": "child", "infant": "child",
        "newborn": "child", "toddler": "child", "step son": "stepson", "step daughter":
        "stepdaughter", "step mother": "stepmother", "step father": "stepfather", "mom": "mother",
        "mum": "mother", "mommy": "mother", "dad": "father", "daddy": "father", "parents":
        "parent", "brothers": "brother", "sisters": "sister", "half brother": "brother",
        "half sister": "sister", "siblings": "sibling", "grand son": "grandson",
        "grand daughter": "granddaughter", "grand child": "grandchild", "grandchildren":
        "grandchild", "grandsons": "grandson", "granddaughters": "granddaughter",
        "grand mother": "grandmother", "grandma": "grandmother", "granny": "grandmother",
        "grand father": "grandfather", "grandpa": "grandfather", "nephews": "nephew",
        "nieces": "niece", "auntie": "aunt", "aunty": "aunt", "cousins": "cousin",
        "first cousin": "cousin", "fiancé": "fiance", "fiancée": "fiancee", "relation": "relative",
        "relatives": "relative", "kinsman": "relative", "kinswoman": "relative",
        "family member": "relative", "widow": "wife", "widower": "husband",
        "assistant": "aide", "companion": "aide", "bodyguard": "guard", "body guard": "guard",
        "bodyguards": "guard", "guards": "guard", "neighbor": "neighbour", "neighbours":
        "neighbour", "neighbors": "neighbour", "friends": "friend",
        # French
        "épouse": "wife", "epouse": "wife", "mari": "husband", "fils": "son", "fille": "daughter",
        "enfant": "child", "mère": "mother", "mere": "mother", "père": "father", "pere": "father",
        "frère": "brother", "frere": "brother", "sœur": "sister", "soeur": "sister",
        "neveu": "nephew", "nièce": "niece", "niece": "niece", "oncle": "uncle", "tante": "aunt",
        "cousine": "cousin", "petit fils": "grandson", "petite fille": "granddaughter",
        "grand mère": "grandmother", "grand père": "grandfather", "garde du corps": "guard",
    }
)  # fmt: skip
# Words before a term that are dropped; those in _CHILD_MODIFIERS imply the age group child.
_MODIFIERS = _split(
    "first second third fourth fifth sixth seventh eighth ninth tenth 1st 2nd 3rd 4th 5th 6th "
    "eldest oldest youngest younger older elder big little small young baby infant newborn late "
    "only adult teenage teen minor unborn adopted paternal maternal beloved pregnant dear "
    "premier première deuxième aîné aînée cadet cadette unnamed unidentified unknown female male"
)
_CHILD_MODIFIERS = _split("little small baby infant newborn teenage teen minor unborn")
_FUZZY_KEYS = tuple(k for k in _EN_TERMS if len(k) >= 5 and k.isascii())
_BABY_WORDS = _split("baby babies infant infants newborn toddler")
_DETERMINERS = _split("a an the his her their its one another also and")
_HEDGES = (
    "likely to be", "believed to be", "said to be", "thought to be", "possibly the",
    "probably the", "likely", "possibly", "probably", "reportedly", "allegedly", "presumably",
    "perhaps", "maybe", "apparently",
)  # fmt: skip

# Arabic (folded: ة -> ه, أ -> ا, ى -> ي): word -> (term when a name follows, term when alone).
# The ambiguity of ه: "ابنه" is "his son" alone but a misspelt "ابنة" (daughter) before a name.
_AR_TERMS: dict[str, tuple[str, str]] = {
    "زوجه": ("wife", "wife"), "زوجته": ("wife", "wife"), "زوج": ("husband", "husband"),
    "زوجها": ("husband", "husband"), "ابن": ("son", "son"), "ابنه": ("daughter", "son"),
    "ابنها": ("son", "son"), "ابنته": ("daughter", "daughter"),
    "ابنتها": ("daughter", "daughter"), "بنت": ("daughter", "daughter"),
    "بنته": ("daughter", "daughter"), "بنتها": ("daughter", "daughter"),
    "ابنت": ("daughter", "daughter"), "نسيب": ("relative", "relative"),
    "طفل": ("child", "child"), "طفله": ("daughter", "child"), "طفلها": ("child", "child"),
    "طفلته": ("daughter", "daughter"), "طفلتها": ("daughter", "daughter"),
    "رضيع": ("child", "child"), "رضيعه": ("daughter", "child"), "اطفال": ("child", "child"),
    "ام": ("mother", "mother"), "امه": ("mother", "mother"), "امها": ("mother", "mother"),
    "والده": ("mother", "father"), "والدته": ("mother", "mother"),
    "والدتها": ("mother", "mother"), "والد": ("father", "father"), "والدها": ("father", "father"),
    "اب": ("father", "father"), "ابوه": ("father", "father"), "ابوها": ("father", "father"),
    "اخ": ("brother", "brother"), "اخو": ("brother", "brother"), "اخوه": ("brother", "brother"),
    "اخوها": ("brother", "brother"), "اخت": ("sister", "sister"), "اخته": ("sister", "sister"),
    "اختها": ("sister", "sister"), "شقيق": ("brother", "brother"),
    "شقيقه": ("sister", "brother"), "شقيقته": ("sister", "sister"),
    "شقيقتها": ("sister", "sister"), "شقيقها": ("brother", "brother"),
    "حفيد": ("grandson", "grandson"), "حفيده": ("granddaughter", "grandson"),
    "حفيدته": ("granddaughter", "granddaughter"), "حفيدتها": ("granddaughter", "granddaughter"),
    "حفيدها": ("grandson", "grandson"), "جد": ("grandfather", "grandfather"),
    "جده": ("grandmother", "grandfather"), "جدته": ("grandmother", "grandmother"),
    "جدتها": ("grandmother", "grandmother"), "جدتهم": ("grandmother", "grandmother"),
    "عم": ("uncle", "uncle"), "عمه": ("aunt", "uncle"), "خال": ("uncle", "uncle"),
    "خاله": ("aunt", "uncle"), "كنه": ("daughter-in-law", "daughter-in-law"),
    "قريب": ("relative", "relative"), "قريبه": ("relative", "relative"),
    "مرافق": ("aide", "aide"), "مرافقه": ("aide", "aide"), "مساعد": ("aide", "aide"),
    "حارس": ("guard", "guard"), "سائق": ("driver", "driver"),
}  # fmt: skip
# Two-word Arabic terms (checked first).
_DAUGHTER_OF = ("بنت", "ابنه", "ابنت")
_SIBLINGS = ("اخ", "اخت", "اخو", "شقيق", "شقيقه")
_AR_TERMS2: dict[tuple[str, str], str] = {
    **{(a, b): "cousin" for a in ("ابن", *_DAUGHTER_OF) for b in ("عم", "عمه", "خال", "خاله")},
    **{("ابن", b): "nephew" for b in _SIBLINGS},
    **{(a, b): "niece" for a in _DAUGHTER_OF for b in _SIBLINGS},
    ("زوجه", "ابن"): "daughter-in-law", ("زوجه", "الابن"): "daughter-in-law",
    ("زوج", "ابنه"): "son-in-law", ("زوج", "بنت"): "son-in-law",
    ("زوج", "الابنه"): "son-in-law", ("حارس", "شخصي"): "guard",
}  # fmt: skip
# Arabic terms that also say the person is a young child (طفل is a child, ابن is offspring).
_AR_CHILD = _split("طفل طفله طفلها طفلته طفلتها رضيع رضيعه اطفال")
# Arabic terms that are also given names: never read as a relation in a name.
_AR_NAMES = frozenset({"مساعد", "قريب", "نسيب"})
# Arabic terms that may close a description after the name ("باسل الزوجة": Basil's wife).
_AR_TRAILING = _split("زوجه زوجته زوج ابن ابنه ابنته بنت طفل طفله رضيع رضيعه حفيد حفيده")
# Arabic terms written with an explicit ة, never part of a personal name: "لينا ... ابنة كريم".
_AR_EXPLICIT = frozenset({"ابنة", "إبنة", "زوجة", "شقيقة", "حفيدة", "طفلة"})
# Arabic words that open a kunya when they start a name (Abu X, Umm X): never a relation there.
_KUNYA = frozenset({"ابو", "ام", "ابي", "ابا"})


def implied_sex(term: str) -> str:
    """ "female", "male" or "" for a canonical term or a description word (girl, boy, ...)."""
    t = fold(term)
    t = _EN_TERMS.get(t.replace("-", " "), t)
    if t in FEMALE_TERMS or t in _FEMALE_WORDS:
        return "female"
    if t in MALE_TERMS or t in _MALE_WORDS:
        return "male"
    return ""


def implied_age_group(term: str) -> str:
    """ "child", "elderly" or "" for a term or description word. Kinship terms imply nothing."""
    if fold(term) in RELATION_TERMS:
        return ""
    words = fold(term).replace("-", " ").split()
    if any(w in _CHILD_WORDS or w in _CHILD_MODIFIERS for w in words):
        return "child"
    if any(w in _ELDERLY_WORDS for w in words):
        return "elderly"
    return ""


# --- relation descriptions -------------------------------------------------------------------

_SEGMENT_SPLIT = re.compile(r"\.\.+|…|;|؛|\n| also ")
_TRAILING_INDEX = re.compile(r"\s*[(\[#]?\s*\d{1,3}\s*[)\]]?$")
_EDGE_PUNCT = " \t.,:;!-–—_/\\|\"'()[]{}«»،؛"
_UNNAMED_NOTE = re.compile(
    r"\s*[(\[]\s*(?:unnamed|unidentified|unknown|name unknown|no name|not named)\s*[)\]]?\s*$",
    re.IGNORECASE,
)
_FAMILY_MEMBER = re.compile(
    r"^(?:an?\s+|one\s+)?(?:members?|one)\s+of\s+(?:the\s+family\s+of\s+(?P<to2>.+)|"
    r"(?P<to>.+?)\s*(?:'s|’s|')\s+family)$",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"^(?P<to>.*\S)\s*(?:'s|'|’s|’)\s+(?P<desc>[^']+)$", re.IGNORECASE)
_OF = re.compile(r"^(?P<desc>.+?)\s+(?:(?:of|to|for|de|du|des)\s+|d')(?P<to>.+)$", re.IGNORECASE)


def _clean_to(text: str) -> str:
    text = _TRAILING_INDEX.sub("", text.strip(_EDGE_PUNCT))
    return text.strip(_EDGE_PUNCT)


def _english_term(desc: str, strict: bool, fuzzy: bool = True) -> tuple[str, bool] | None:
    """(term, implies child) for a description such as "infant son", "first wife", "sister"."""
    words = [w.strip(".,:;!'\"()") for w in fold(desc).replace("-", " ").split()]
    words = [w for w in words if w]
    for hedge in _HEDGES:
        h = hedge.split()
        if words[: len(h)] == h:
            words = words[len(h) :]
            break
    child = False
    while len(words) > 1 and (words[0] in _DETERMINERS or words[0] in _MODIFIERS):
        child = child or words[0] in _CHILD_MODIFIERS
        words = words[1:]
    while words and words[-1].isdigit():
        words = words[:-1]
    if not words or len(words) > 4:
        return None
    key = " ".join(words)
    if key in _EN_TERMS:
        term = _EN_TERMS[key]
        return term, child or words[-1] in _BABY_WORDS
    if fuzzy and len(words) == 1 and len(key) >= 5:  # a misspelt term: "daugher", "nehpew"
        best = max(_FUZZY_KEYS, key=lambda k: fuzz.ratio(k, key))
        if fuzz.ratio(best, key) >= 85:
            return _EN_TERMS[best], child
    if strict or len(words) > 2 or not all(w.isalpha() for w in words):
        return None
    return key, child


def _arabic(text: str, as_name: bool) -> tuple[str, str, bool] | None:
    """(term, to, implies child) for an Arabic description "زوجة محمد", "بنت/X", "ابنه"."""
    folded = fold(text.replace("/", " / "))
    words = [w for w in re.split(r"[\s/:\-–—_،,]+", folded) if w]
    raw = [w for w in re.split(r"[\s/:\-–—_،,]+", text.strip()) if w]
    if not words or len(words) != len(raw):
        return None
    if as_name and words[0] in _KUNYA:
        return None
    child = words[0] in _AR_CHILD
    if (
        words[0] in ("رضيع", "رضيعه")
        and len(words) > 1
        and (words[1] in _AR_TERMS or words[1] in ("ابن", "ابنه"))
    ):
        words, raw = words[1:], raw[1:]
    if len(words) >= 2 and (words[0], words[1]) in _AR_TERMS2:
        return _AR_TERMS2[(words[0], words[1])], " ".join(raw[2:]), child
    first, article = words[0], False
    if first not in _AR_TERMS and first.startswith("ال") and first[2:] in _AR_TERMS:
        first, article = first[2:], True  # "الزوجه" the wife
    last = words[-1][2:] if words[-1].startswith("ال") else words[-1]
    if first not in _AR_TERMS and len(words) >= 2 and last in _AR_TRAILING:
        # "باسل الزوجة", "نادر طفل": a name, then the term (Basil's wife, Nader's child)
        term = _AR_TERMS[last][0]
        return term, _clean_to(" ".join(raw[:-1])), last in _AR_CHILD
    if first not in _AR_TERMS or (as_name and (first == "ام" or first in _AR_NAMES)):
        return None
    with_name, alone = _AR_TERMS[first]
    to = " ".join(raw[1:])
    if not to:
        return alone, "", child
    if article:  # "الابن فادي": the son, Fadi (a name in apposition, not "son of Fadi")
        return None if as_name else (alone, "", child)
    return with_name, _clean_to(to), child


def _relation(text: str, as_name: bool) -> tuple[str, str, bool]:
    """(term, to, implies child), ("", "", False) when the text is no relation description."""
    if not isinstance(text, str):
        return "", "", False
    segment = _SEGMENT_SPLIT.split(text.strip(), maxsplit=1)[0].strip(_EDGE_PUNCT)
    low = segment.casefold()
    for hedge in _HEDGES:
        if low.startswith(hedge + " "):
            segment = segment[len(hedge) + 1 :].strip()
            break
    segment = _UNNAMED_NOTE.sub("", segment)
    if not segment or len(segment) > 300:
        return "", "", False
    if re.search("[\u0600-\u06ff]", segment) and not re.search("[A-Za-z]", segment):
        found = _arabic(segment, as_name)
        return found if found else ("", "", False)
    m = _FAMILY_MEMBER.match(segment)
    if m:  # "member of the target's family": a relative of the target
        return "relative", _clean_to(m["to"] or m["to2"]), False
    m = _OF.match(segment)
    if m:
        en = _english_term(m["desc"], strict=as_name)
        to = _clean_to(m["to"])
        if en and to:
            return en[0], to, en[1]
    m = _POSSESSIVE.match(segment)
    if m:
        en = _english_term(m["desc"], strict=True)
        to = _clean_to(m["to"])
        if en and to:
            return en[0], to, en[1]
    en = _english_term(segment, strict=True, fuzzy=False)
    if en:
        return en[0], "", en[1]
    return "", "", False


_TOKEN_SPLIT = re.compile(r"[\s/:\-–—_،,;()\[\].]+")


def _might_relate(text: str, folded: str | None = None) -> bool:
    """A cheap test that rules out most plain names before the full parse."""
    if "'" in text or "’" in text or "`" in text:
        return True
    for token in _TOKEN_SPLIT.split(fold(text) if folded is None else folded):
        if token in _TRIGGERS or (token.startswith("ال") and token[2:] in _AR_TERMS):
            return True
    return False


@lru_cache(maxsize=65536)
def _relation_cached(text: str, as_name: bool) -> tuple[str, str, bool]:
    if not _might_relate(text):
        return "", "", False
    return _relation(text, as_name)


def parse_relation(text: str) -> tuple[str, str]:
    """(canonical term, whom it points to as written) of a relation; ("", "") when none."""
    term, to, _ = _relation_cached(text, False) if isinstance(text, str) else ("", "", False)
    return term, to


def relation_details(text: str, *, as_name: bool = False) -> tuple[str, str, bool]:
    """(term, to, implies child): also whether the description says the person is a young
    child ("infant son of X", "طفل X"). With as_name, the stricter rules of name_as_relation."""
    if not isinstance(text, str) or (as_name and describe_unnamed(text) is not None):
        return "", "", False
    return _relation_cached(text, as_name)


def name_as_relation(name: str) -> tuple[str, str] | None:
    """(term, to) when the name is really a kinship description, else None."""
    if not isinstance(name, str) or describe_unnamed(name) is not None:
        return None
    term, to, _ = _relation_cached(name, True)
    return (term, to) if term else None


_TRIGGERS = frozenset(
    {w for key in _EN_TERMS for w in key.split()}
    | set(_AR_TERMS)
    | {"of", "to", "for", "de", "du", "des", "ابنه", "ابنت"}
)
_NAME_SPLIT = re.compile(r"\.\.+|…|،|,|;|؛|\s[-–—]\s|[()]")


def relation_after_name(name: str) -> tuple[str, str, bool]:
    """(term, to, implies child) of a relation written after a real name: "Umm Salem.. wife of
    Karim", "Samir (son of Nabil)", "لينا كريم ابنة كريم نصار"; ("", "", False) when none."""
    if not isinstance(name, str) or len(name) > 300 or not _might_relate(name):
        return "", "", False
    for segment in _NAME_SPLIT.split(name)[1:]:
        term, to, child = _relation_cached(segment, True)
        if term and to:
            return term, to, child
    words = name.split()
    for i, word in enumerate(words[1:], start=1):
        if word in _AR_EXPLICIT:
            term, to, child = _relation_cached(" ".join(words[i:]), True)
            if term and to:
                return term, to, child
    return "", "", False


# --- names that describe an unnamed person ----------------------------------------------------

_FEMALE_WORDS = _split(
    "woman women lady widow female girl girls femme fille امراه مراه سيده فتاه بنت طفله "
    "انثي نساء مسنه عجوز رضيعه"
)
_MALE_WORDS = _split("man men male widower boy boys homme garçon garcon رجل شاب ولد مسن ذكر")
_CHILD_WORDS = _split(
    "child children kid kids minor baby babies infant infants newborn toddler teen teenager "
    "adolescent girl girls boy boys enfant bébé bebe fille garçon garcon طفل طفله اطفال ولد "
    "رضيع رضيعه قاصر"
)
_ELDERLY_WORDS = _split("elderly old aged senior مسن مسنه عجوز")
_ADULT_WORDS = _split("adult adulte بالغ بالغه")
_REMAINS_WORDS = _split(
    "body bodies corpse corpses remains parts part charred burnt burned dismembered mutilated "
    "decomposed corps restes جثه جثث اشلاء رفات جثمان"
)
_UNKNOWN_MARKERS = _split(
    "unidentified unknown unnamed nameless anonymous unidentifiable unrecognizable "
    "unrecognisable no not inconnu inconnue مجهول مجهوله"
)
_UNIDENTIFIED_MARKERS = _split("unidentified unidentifiable unrecognizable unrecognisable")
_FILLERS = _split(
    "a an the one of and or name named identified identity person people individual victim "
    "casualty civilian dead deceased his her their non identifié identifiée une un personne "
    "غير معروف معروفه الهويه شخص ضحيه"
)
_DESCRIPTORS = (
    _FEMALE_WORDS | _MALE_WORDS | _CHILD_WORDS | _ELDERLY_WORDS | _ADULT_WORDS | _REMAINS_WORDS
)

_KEEP = _DESCRIPTORS | _UNKNOWN_MARKERS | _CHILD_MODIFIERS | {"young"}
_VOCAB = _DESCRIPTORS | _UNKNOWN_MARKERS | _FILLERS | _MODIFIERS | {"young"}


@dataclass(frozen=True)
class Unnamed:
    """What a name that only describes an unnamed person implies ("" when it does not say)."""

    sex: str = ""
    age_group: str = ""
    identified: str = ""


_WORD_SPLIT = re.compile(r"[^\w]+")


def _words_of(folded: str) -> list[str]:
    return [w for w in _WORD_SPLIT.split(folded) if w and not w.isdigit()]


@lru_cache(maxsize=65536)
def describe_unnamed(name: str) -> Unnamed | None:
    """What a name such as "unidentified woman 2" or "جثة مجهولة الهوية" implies; None when the
    name is (or may be) a real name."""
    if not isinstance(name, str):
        return None
    return _describe(_words_of(fold(name)))


def _describe(words: list[str]) -> Unnamed | None:
    if not words or len(words) > 12 or any(w not in _VOCAB for w in words):
        return None
    words = [w for w in words if w not in _MODIFIERS or w in _KEEP]
    meaningful = [w for w in words if w in _DESCRIPTORS or w in _UNKNOWN_MARKERS]
    if not meaningful:
        return None
    female = any(w in _FEMALE_WORDS for w in words)
    male = any(w in _MALE_WORDS for w in words)
    sex = "female" if female and not male else "male" if male and not female else ""
    if any(w in _CHILD_WORDS or w in _CHILD_MODIFIERS for w in words):
        group = "child"
    elif any(w in _ELDERLY_WORDS for w in words):
        group = "elderly"
    elif any(w in _ADULT_WORDS for w in words):
        group = "adult"
    else:
        group = ""
    unidentified = (
        any(w in _REMAINS_WORDS or w in _UNIDENTIFIED_MARKERS for w in words)
        or (("مجهول" in words or "مجهوله" in words) and "الهويه" in words)
        or (("not" in words or "non" in words) and ("identified" in words or "identifié" in words))
    )
    return Unnamed(sex=sex, age_group=group, identified="no" if unidentified else "")


class NameFacts(NamedTuple):
    """What a name says beyond naming someone (see analyse_name)."""

    unnamed: Unnamed | None  # the name only describes an unnamed person
    is_relation: bool  # the name is a kinship description
    term: str  # a relation the name states ("" when none)
    to: str
    child: bool  # the relation says the person is a young child


_PLAIN = NameFacts(None, False, "", "", False)


def analyse_name(name: str) -> NameFacts:
    """describe_unnamed, name_as_relation and relation_after_name at once, folding the name
    once and ruling plain names out early (the common case, parsed a million times)."""
    if not isinstance(name, str) or not name.strip():
        return _PLAIN
    folded = fold(name)
    words = _words_of(folded)
    unnamed = _describe(words)
    if unnamed is not None:
        return NameFacts(unnamed, False, "", "", False)
    if not _might_relate(name, folded):
        return _PLAIN
    term, to, child = _relation_cached(name, True)
    if term:
        return NameFacts(None, True, term, to, child)
    term, to, child = relation_after_name(name)
    return NameFacts(None, False, term, to, child)


# --- many names at once ---------------------------------------------------------------------


@lru_cache(maxsize=262144)
def _piece_flags(piece: str, also: frozenset[str]) -> tuple[bool, bool, bool, bool]:
    """(may relate, all words describe, has words, all words in `also`) of one space-free piece."""
    folded = fold(piece)
    relates = _might_relate(piece, folded)
    words = _words_of(folded)
    describes = all(w in _VOCAB for w in words)
    return relates, describes, bool(words), all(w in also for w in folded.split())


def names_to_analyse(names: pd.Series, also: frozenset[str] = frozenset()) -> np.ndarray:
    """True for the names analyse_name may find more in than a plain name (and for those whose
    every folded word is in `also`, such as the words of placeholders); False only where it
    certainly returns a plain name's facts.

    Works on the distinct space-separated pieces of the names: folding is piecewise (NFKC,
    case folding and the Arabic folds never join or split across a space), so a name's folded
    tokens are its pieces' folded tokens. A name may relate if a piece may; it may describe an
    unnamed person if every piece's words are description words and it has words.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(names)
    if n == 0:
        return np.zeros(0, dtype=bool)
    values = names.array
    arrow = getattr(values, "_pa_array", None)
    if arrow is None or names.isna().any():
        arrow = pa.chunked_array(
            [
                pa.array(
                    [
                        "" if v is None else str(v)
                        for v in names.astype(object).where(names.notna(), "")
                    ],
                    type=pa.large_string(),
                )
            ]
        )
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    lists = pc.utf8_split_whitespace(arrow)
    offsets = np.asarray(lists.offsets, dtype=np.int64)
    offsets -= offsets[0]  # the pieces of name i: [offsets[i], offsets[i + 1])
    pieces = pc.dictionary_encode(pc.list_flatten(lists))
    codes = np.asarray(pieces.indices, dtype=np.intp)
    # per piece, bits: 1 may relate, 2 a word that describes no one, 4 has words, 8 a word
    # not in `also`; a name's bits are its pieces' bits or-ed together
    bits = np.array(
        [
            r | (not d) << 1 | w << 2 | (not a) << 3
            for r, d, w, a in (_piece_flags(p, also) for p in pieces.dictionary.to_pylist())
        ],
        dtype=np.uint8,
    )
    per_name = np.zeros(n, dtype=np.uint8)
    some = np.flatnonzero(offsets[1:] > offsets[:-1])
    if len(codes):
        per_name[some] = np.bitwise_or.reduceat(bits[codes], offsets[some])
    relates, undescribed = (per_name & 1) > 0, (per_name & 2) > 0
    worded, other = (per_name & 4) > 0, (per_name & 8) > 0
    return relates | (~undescribed & worded) | ~other
