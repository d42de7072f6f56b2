"""Field parsing: the normalised columns (schema.PARSED_COLUMNS) beside the untouched text fields.

Every parser takes one cell's text, never raises, and compares case-insensitively after
folding (Arabic hamza/alef forms, ى/ي, ة/ه, diacritics and tatweel ignored; Arabic-Indic digits
read as digits). A blank cell gives "" (the source does not say); a placeholder from the case's
list (default: unknown, unk, ?, ??, -, --, n/a, na, not known, غير معروف, مجهول, غير معروفة)
gives "unknown" (the source says it is unknown).

Accepted forms, by field (-> parsed column: values):

sex -> sex_n: female, male
    female: f, female, woman, women, girl, lady, أنثى/انثى, امرأة, سيدة, فتاة, بنت, طفلة,
    femme, fille, mujer, niña. male: m, male, man, men, boy, ذكر, رجل, شاب, ولد, طفل, صبي,
    homme, garçon, h, hombre, niño. girl, boy, بنت, ولد, طفل, طفلة, صبي also give age group
    child. Blank: implied by the name (unidentified woman), then by the relation term (wife,
    daughter, mother, sister... female; husband, son, father, brother... male).
age -> age_min, age_max (float years), age_n (canonical text)
    34, 34 years, 34 yrs, 34 y, 34yo, ٣٤ سنة, 34 ans, age 34, عمره 34 -> 34;
    30-35, 30–35, 30 to 35, between 30 and 35, بين 30 و 35 -> 30-35;
    ~40, about 40, approx. 40, c. 40, 40?, حوالي 40 -> ~40 = 36-44 (±10%, at least ±1 year;
    ±half the age under two); 5 months, 6 mos, 3 weeks, 10 days, شهرين, 5 أشهر, a month ->
    fractions of a year rounded to 0.01 (5 months -> 0.42); 1 year 6 months -> 1.5; 1.5, 1,5;
    40s -> 40-49, early/mid/late 40s -> 40-43/44-46/47-49, forties; over 60, 60+, >60 -> 60+
    (60-120); under 5, <5 -> <5 (0-4.99); words: child, kid, minor, طفل, قاصر -> <18 (0-17.99),
    baby, رضيع -> 0-2, infant -> 0-1, newborn -> 0-0.1, toddler -> 1-3, teen(ager),
    adolescent, مراهق -> 13-17, adult, بالغ, راشد -> 18+, elderly, old, senior, مسن, عجوز -> 60+.
    Ages above 120 are refused (E202).
age_group -> age_group_n: child, adult, elderly
    child, children, kid, minor, baby, infant, newborn, toddler, teen(ager), adolescent, girl,
    boy, طفل, أطفال, قاصر, رضيع, enfant; adult, grown-up, man, woman, بالغ, راشد, شاب, adulte;
    elderly, old, senior, aged, مسن, مسنة, عجوز, كبير السن, âgé; or an age range (under 18).
    Blank (or a placeholder): from the age when it falls in one group without doubt (max < 18
    child; min >= 60 elderly; min >= 18 adult), else girl/boy in sex, else the name
    (unknown child), else the relation (infant son of X, طفل X). Ranges: child 0-17, adult 18+,
    elderly 60+; an age outside the stated group's range is W305.
dob -> dob_n: YYYY-MM-DD, YYYY-MM, YYYY
    1990-02-03, 1990/02/03, 3/2/1990, 3.2.1990, 3-2-1990 (day first whenever that is a date;
    2/13/1990 is read month first because it can only be), 3 Feb 1990, 3rd of February 1990,
    February 3, 1990, Feb 1990, 02/1990, 1990, Arabic and French month names (3 شباط 1990,
    3 فبراير 1990, 3 février 1990); a time after the date is ignored. Years 1850-2100;
    two-digit years and impossible dates (31/02/2000) are E203.
national_id -> national_id_n: the digits as text (leading zeros kept)
    spaces, dashes, dots removed; Arabic-Indic digits converted; a spreadsheet's trailing .0
    dropped; anything else (letters) is E205.
group -> group_n: the label trimmed, inner spaces collapsed; a placeholder gives "" (no group).
status -> status_n: killed, injured, missing, survived
    killed, k, dead, died, deceased, martyr, kia, قتيل, شهيد, استشهد, متوفى, tué, mort;
    injured, i, wounded, w, hurt, جريح, مصاب, blessé; missing, disappeared, unaccounted for,
    under the rubble, مفقود, تحت الأنقاض, disparu; survived, survivor, alive, unharmed,
    rescued, ناج, نجا, سالم, survivant.
identified -> identified_n: yes, no
    yes, y, true, 1, identified, oui, نعم, معروف; no, n, false, 0, not identified,
    unidentified, non, لا, مجهول الهوية. Blank: "no" when the name is unidentified/body/remains.
relation -> relation_term, relation_to (reconcile.relations)
    wife of X, X's daughter, daughter of X, his wife, the target's sister, aide to the target,
    زوجة X, بنت/X, ابن X, أم X ... Blank: from a name that is a kinship description.
name -> name_is_relation, name_unknown (bool)
    name_is_relation: the name is a kinship description (wife of X, X's son, زوجة X, بنت/X;
    never a kunya: ابو X / ام X are names). name_unknown: a placeholder, or a description of an
    unnamed person (unidentified woman, unknown child 2, a man, body, remains, مجهول الهوية,
    جثة, طفل), which also implies sex, age group and identified "no" (unidentified, remains).

Unknown words in sex, age_group, status and identified are E201 with the nearest accepted word
as a suggestion. Problems name the record's file and row and the field's column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from reconcile.problems import Problem
from reconcile.records import repeated
from reconcile.relations import (
    NameFacts,
    analyse_name,
    fold,
    implied_age_group,
    implied_sex,
    name_as_relation,
    names_to_analyse,
    parse_relation,
    relation_details,
)
from reconcile.schema import DEFAULT_PLACEHOLDERS


def _split(words: str) -> list[str]:
    return words.split()


__all__ = [
    "GROUP_RANGES",
    "MAX_AGE",
    "AgeRange",
    "age_contradicts",
    "age_group_of",
    "check_age_group",
    "check_dob",
    "check_identified",
    "check_national_id",
    "check_sex",
    "check_status",
    "implied_age_group",
    "implied_sex",
    "is_placeholder",
    "name_as_relation",
    "parse_age",
    "parse_age_group",
    "parse_dob",
    "parse_group",
    "parse_identified",
    "parse_national_id",
    "parse_records",
    "parse_relation",
    "parse_sex",
    "parse_status",
    "sex_implies_child",
]

MAX_AGE = 120.0  # the upper end of open ranges: "60+", "adult", "elderly"
# Age groups as ranges of years: a child is under 18, an adult 18 or over, elderly 60 or over.
GROUP_RANGES: dict[str, tuple[float, float]] = {
    "child": (0.0, 17.99),
    "adult": (18.0, MAX_AGE),
    "elderly": (60.0, MAX_AGE),
}


# --- placeholders ------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _placeholder_set(placeholders: tuple[str, ...]) -> tuple[frozenset[str], int]:
    folded = frozenset(fold(p) for p in placeholders if isinstance(p, str) and fold(p))
    return folded, max((len(p) for p in folded), default=0)


def is_placeholder(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> bool:
    """True when the text is one of the placeholders (trimmed, case-insensitive, folded)."""
    if not isinstance(text, str):
        return False
    folded, longest = _placeholder_set(tuple(placeholders))
    return len(text) <= 2 * longest + 8 and fold(text) in folded


# --- words -----------------------------------------------------------------------------------


def _words(spec: dict[str, str]) -> dict[str, str]:
    """{"female": "f female ..."} -> {"f": "female", "female": "female", ...} (keys folded)."""
    return {fold(w.replace("_", " ")): value for value, ws in spec.items() for w in ws.split()}


SEX_WORDS = _words(
    {
        "female": "f female fem feminine woman women girl girls lady women's femme fille féminin "
        "feminin mujer niña nina femenino أنثى انثى امرأة امراة مرأة سيدة نساء فتاة بنت طفلة",
        "male": "m male masculine man men boy boys homme garçon garcon masculin h hombre niño "
        "nino masculino ذكر رجل رجال شاب ولد طفل صبي",
    }
)
_CHILD_SEX_WORDS = frozenset(
    fold(w)
    for w in _split(
        "girl girls boy boys fille garçon garcon niña nina niño nino بنت طفلة طفل ولد صبي"
    )
)
STATUS_WORDS = _words(
    {
        "killed": "killed kill k dead died deceased death martyr martyred kia fatality fatal "
        "killed_in_action found_dead tué tue tuée mort morte décédé décédée decede قتيل قتيلة "
        "قتلى قتل مقتول مقتولة شهيد شهيدة شهداء استشهد استشهدت متوفى متوفية توفي توفيت ميت ميتة",
        "injured": "injured injury wounded wound hurt i w inj blessé blessée blesse blessee جريح "
        "جريحة جرحى مصاب مصابة اصيب اصيبت",
        "missing": "missing disappeared unaccounted unaccounted_for under_rubble "
        "under_the_rubble missing_under_rubble disparu disparue مفقود مفقودة تحت_الانقاض",
        "survived": "survived survivor survive alive unharmed unhurt safe rescued survivant "
        "survivante vivant vivante ناج ناجي ناجية نجا نجت حي سالم",
    }
)
IDENTIFIED_WORDS = _words(
    {
        "yes": "yes y true t 1 identified oui نعم معروف معروفة تم_التعرف",
        "no": "no n false f 0 not_identified unidentified non_identified non_identifié non لا "
        "مجهول_الهوية غير_معروف_الهوية لم_يتم_التعرف",
    }
)
AGE_GROUP_WORDS = _words(
    {
        "child": "child children kid kids minor minors juvenile baby babies infant infants "
        "newborn toddler teen teens teenager teenagers adolescent girl girls boy boys enfant "
        "enfants mineur bébé طفل طفلة أطفال اطفال قاصر قاصرة رضيع رضيعة مراهق مراهقة",
        "adult": "adult adults grown-up grownup man men woman women adulte adultes بالغ بالغة "
        "بالغون راشد راشدة شاب شابة",
        "elderly": "elderly old aged senior seniors old_man old_woman âgé âgée agé personne_âgée "
        "مسن مسنة مسنين عجوز كبير_السن كبيرة_السن",
    }
)
# Age words as (min, max) in years.
AGE_WORDS: dict[str, tuple[float, float]] = {
    **{w: GROUP_RANGES["child"] for w in _words({"x": "child children kid kids minor "
       "juvenile enfant mineur طفل طفلة أطفال اطفال قاصر قاصرة girl boy"})},
    **{w: (0.0, 2.0) for w in _words({"x": "baby babies bébé bebe رضيع رضيعة"})},
    **{w: (0.0, 1.0) for w in _words({"x": "infant infants"})},
    **{w: (0.0, 0.1) for w in _words({"x": "newborn nouveau-né مولود حديث_الولادة"})},
    **{w: (1.0, 3.0) for w in _words({"x": "toddler toddlers"})},
    **{w: (13.0, 17.0) for w in _words({"x": "teen teens teenager teenagers adolescent "
       "adolescente مراهق مراهقة"})},
    **{w: GROUP_RANGES["adult"] for w in _words({"x": "adult adults adulte بالغ بالغة راشد"})},
    **{w: GROUP_RANGES["elderly"] for w in _words({"x": "elderly old senior aged âgé âgée "
       "مسن مسنة عجوز كبير_السن كبيرة_السن"})},
}  # fmt: skip


def _suggest(folded: str, vocabulary: dict[str, str]) -> str:
    """The accepted word nearest to a misspelt one, "" when none is near."""
    choices = [w for w in vocabulary if len(w) >= 3]
    best = process.extractOne(folded, choices, scorer=fuzz.ratio, score_cutoff=70)
    return best[0] if best else ""


def _unknown_value(text: str, noun: str, hint: str, vocabulary: dict[str, str]) -> str:
    suggestion = _suggest(fold(text), vocabulary)
    if suggestion:
        return f"'{text.strip()}' is not {noun}; did you mean '{suggestion}'?"
    return f"'{text.strip()}' is not {noun}; write {hint}"


def _lookup(
    text: str, placeholders: Sequence[str], vocabulary: dict[str, str], noun: str, hint: str
) -> tuple[str, str]:
    """(value, error message) of a cell read against a vocabulary."""
    if not isinstance(text, str) or not text.strip():
        return "", ""
    if is_placeholder(text, placeholders):
        return "unknown", ""
    key = fold(text).strip(" .!")
    value = vocabulary.get(key) or vocabulary.get(key.replace("-", " "))
    if value:
        return value, ""
    return "", _unknown_value(text, noun, hint, vocabulary)


def check_sex(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> tuple[str, str]:
    return _lookup(text, placeholders, SEX_WORDS, "a sex", "female or male")


def check_status(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> tuple[str, str]:
    hint = "killed, injured, missing or survived"
    return _lookup(text, placeholders, STATUS_WORDS, "a status", hint)


def check_identified(
    text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS
) -> tuple[str, str]:
    return _lookup(text, placeholders, IDENTIFIED_WORDS, "a value for identified", "yes or no")


def check_age_group(
    text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS
) -> tuple[str, str]:
    """(age group, error); also accepts an age range such as "under 18" or "60+"."""
    value, error = _lookup(
        text, placeholders, AGE_GROUP_WORDS, "an age group", "child, adult or elderly"
    )
    if error:
        age = parse_age(text, placeholders)
        group = age_group_of(age.min, age.max) if not age.error else ""
        if group:
            return group, ""
    return value, error


def parse_sex(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> str:
    """Return "female", "male", "unknown" (a placeholder) or "" (blank or not understood)."""
    return check_sex(text, placeholders)[0]


def parse_status(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> str:
    """Return "killed", "injured", "missing", "survived", "unknown" or ""."""
    return check_status(text, placeholders)[0]


def parse_identified(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> str:
    """Return "yes", "no", "unknown" or ""."""
    return check_identified(text, placeholders)[0]


def parse_age_group(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> str:
    """Return "child", "adult", "elderly", "unknown" or ""."""
    return check_age_group(text, placeholders)[0]


def sex_implies_child(text: str) -> bool:
    """True for sex words that also say the person is a child (girl, boy, طفل, بنت...)."""
    return isinstance(text, str) and fold(text).strip(" .!") in _CHILD_SEX_WORDS


# --- age -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeRange:
    """An age as a range of years: an exact age has min == max; NaN when not stated."""

    min: float = math.nan
    max: float = math.nan
    text: str = ""  # canonical: "34", "30-35", "~40", "0.42", "60+", "<5", "unknown", ""
    error: str = ""  # the E202 message when the text is not an age


AGE_ERROR = "'{}' is not an age; write 34, 30-35, ~40, 5 months or a word such as child"
_NUM = r"\d+(?:\.\d+)?"
_UNITS: dict[str, float] = {
    **{u: 1.0 for u in _split("y yr yrs year years yo y/o y.o. ans سنه سنوات سنين عام اعوام عاما")},
    **{u: 1 / 12 for u in _split("m mo mos mon mth mths month months mois شهر اشهر شهور")},
    **{u: 7 / 365.25 for u in _split("w wk wks week weeks semaine semaines اسبوع اسابيع")},
    **{u: 1 / 365.25 for u in _split("d day days jour jours يوم ايام")},
}  # fmt: skip
_UNIT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_DUALS = {"سنتين": "2 سنه", "سنتان": "2 سنه", "عامين": "2 عام", "عامان": "2 عام",
          "شهرين": "2 شهر", "شهران": "2 شهر", "اسبوعين": "2 اسبوع", "يومين": "2 يوم"}  # fmt: skip
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    _split("zero one two three four five six seven eight nine ten eleven twelve"))}  # fmt: skip
_NUMBER_WORDS.update({"a": "1", "an": "1", "half": "0.5"})
_DECADES = {w: 10 * (i + 2) for i, w in enumerate(
    _split("twenties thirties forties fifties sixties seventies eighties nineties"))}  # fmt: skip
_APPROX = re.compile(
    r"^(?:~|≈|about|approx\.?|approximately|around|circa|ca\.?|c\.|roughly|nearly|almost|"
    r"some|est\.?|estimated|environ|حوالي|نحو|تقريبا|قرابه)\s*"
)
_APPROX_END = re.compile(r"\s*(?:\?|approx\.?|ish|تقريبا|environ)$")
_OVER = re.compile(
    r"^(?:over|above|more than|older than|at least|>=?|≥|plus de|اكثر من|فوق)\s*(?P<n>.+)$"
    r"|^(?P<m>.+?)\s*(?:\+|or (?:more|older|over)|and (?:over|above|older)|فما فوق)$"
)
_UNDER = re.compile(r"^(?:under|below|less than|younger than|<|moins de|اقل من|دون|تحت)\s*(.+)$")
_PAIR = re.compile(rf"({_NUM})\s*({_UNIT})(?![^\W\d_])")
_PAIRS = re.compile(rf"^(?:{_PAIR.pattern}\s*(?:,|and|et|و)?\s*)+$")
_RANGE = re.compile(
    rf"^(?:between\s+|بين\s+|entre\s+)?({_NUM})\s*({_UNIT})?\s*(?:-|to|and|a|à|الى|و|/)\s*"
    rf"({_NUM})\s*({_UNIT})?$"
)
_SINGLE = re.compile(rf"^({_NUM})\s*({_UNIT})?$")
_DECADE = re.compile(r"^(?:in (?:his|her|their) )?(early|mid|late)?\s*(\d)0\s*'?s$")


def _fmt(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _years(value: str, unit: str | None) -> float:
    return round(float(value) * _UNITS.get(unit or "y", 1.0), 2)


def _range(lo: float, hi: float, text: str = "") -> AgeRange:
    if lo > hi:
        lo, hi = hi, lo
    if not (lo >= 0 and hi <= MAX_AGE):
        return AgeRange(error=AGE_ERROR)
    if not text:
        if lo == hi:
            text = _fmt(lo)
        elif hi == MAX_AGE:
            text = f"{_fmt(lo)}+"
        elif lo == 0 and round(hi * 100) % 100 == 99:
            text = f"<{_fmt(hi + 0.01)}"
        else:
            text = f"{_fmt(lo)}-{_fmt(hi)}"
    return AgeRange(float(lo), float(hi), text)


def _core_age(t: str) -> AgeRange | None:
    """An exact age or range written with digits (and units), or None."""
    if t in _UNITS and t not in ("m", "d", "w", "y", "a"):  # "سنة", "month": one of the unit
        return _range(_years("1", t), _years("1", t))
    m = _SINGLE.match(t)
    if m:
        return _range(_years(m[1], m[2]), _years(m[1], m[2]))
    if _PAIRS.match(t):  # "1 year 6 months"
        total = round(sum(_years(n, u) for n, u in _PAIR.findall(t)), 2)
        return _range(total, total)
    m = _RANGE.match(t)
    if m:
        unit = m[4] or m[2]
        return _range(_years(m[1], m[2] or unit), _years(m[3], unit))
    return None


def _age(text: str) -> AgeRange:
    t = fold(text).replace("٫", ".").replace("–", "-").replace("—", "-")
    t = re.sub(r"(\d),(\d)(?!\d)", r"\1.\2", t)
    t = re.sub(r"^(?:age|aged|âge|عمره|عمرها|العمر|عمر)\s*:?\s*", "", t)
    t = re.sub(r"\s*(?:years? old|yrs? old|old|of age|de age|من العمر|عاما من العمر)$", "", t)
    for dual, plain in _DUALS.items():
        t = re.sub(rf"(?<!\w){dual}(?!\w)", plain, t)
    t = " ".join(_NUMBER_WORDS.get(w, w) for w in t.split())
    t = t.strip(" .")
    if t in AGE_WORDS:
        return _range(*AGE_WORDS[t])
    m = _DECADE.match(t)
    if m or t.replace("in his ", "").replace("in her ", "") in _DECADES:
        base = int(m[2]) * 10 if m else _DECADES[t.split()[-1]]
        part = m[1] if m else None
        lo, hi = {"early": (0, 3), "mid": (4, 6), "late": (7, 9)}.get(part or "", (0, 9))
        return _range(base + lo, base + hi)
    approx = bool(_APPROX.match(t) or _APPROX_END.search(t))
    t = _APPROX_END.sub("", _APPROX.sub("", t)).strip()
    m = _OVER.match(t)
    if m:
        core = _core_age((m["n"] or m["m"]).strip())
        if core and not core.error and core.min == core.max:
            return _range(core.min, MAX_AGE)
        return AgeRange(error=AGE_ERROR)
    m = _UNDER.match(t)
    if m:
        core = _core_age(m[1].strip())
        if core and not core.error and core.min == core.max and core.min > 0:
            return _range(0.0, round(core.min - 0.01, 2))
        return AgeRange(error=AGE_ERROR)
    core = _core_age(t)
    if core is None or core.error:
        return AgeRange(error=AGE_ERROR)
    if approx and core.min == core.max:
        v = core.min
        tol = max(1.0, round(v * 0.1)) if v >= 2 else round(v / 2, 2)
        r = _range(max(0.0, v - tol), min(MAX_AGE, v + tol), f"~{_fmt(v)}")
        return r if tol > 0 else core
    return core


@lru_cache(maxsize=65536)
def _age_cached(text: str, placeholders: tuple[str, ...]) -> AgeRange:
    if not text.strip():
        return AgeRange()
    if is_placeholder(text, placeholders):
        return AgeRange(text="unknown")
    r = _age(text) if len(text) <= 100 else AgeRange(error=AGE_ERROR)
    if r.error:
        return AgeRange(error=AGE_ERROR.format(text.strip()))
    return r


def parse_age(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> AgeRange:
    """The age as a range of years (see the module table); AgeRange.error says why not."""
    if not isinstance(text, str):
        return AgeRange()
    return _age_cached(text, tuple(placeholders))


def age_group_of(lo: float, hi: float) -> str:
    """The age group an age range falls in without doubt, else "": max < 18 child; min >= 60
    elderly; min >= 18 adult."""
    if math.isnan(lo) or math.isnan(hi):
        return ""
    if hi < 18:
        return "child"
    if lo >= 60:
        return "elderly"
    if lo >= 18:
        return "adult" if hi < 60 or hi >= MAX_AGE else ""
    return ""


def age_contradicts(age: AgeRange, group: str) -> bool:
    """True when an age range and an age group cannot both be right (no overlap)."""
    if group not in GROUP_RANGES or math.isnan(age.min):
        return False
    lo, hi = GROUP_RANGES[group]
    return age.max < lo or age.min > hi


# --- dates -----------------------------------------------------------------------------------

DATE_ERROR = "'{}' is not a date; write 1990-02-03, 3/2/1990 (day first), 1990-02 or 1990"
_MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    [
        "january jan janvier janv يناير كانون_الثاني",
        "february feb febr février fevrier févr fevr فبراير شباط",
        "march mar mars مارس اذار",
        "april apr avril avr ابريل نيسان",
        "may mai مايو ايار",
        "june jun juin يونيو يونيه حزيران",
        "july jul juillet juil يوليو يوليه تموز",
        "august aug août aout اغسطس اب",
        "september sep sept septembre سبتمبر ايلول",
        "october oct octobre اكتوبر تشرين_الاول",
        "november nov novembre نوفمبر تشرين_الثاني",
        "december dec décembre decembre déc كانون_الاول ديسمبر",
    ],
    start=1,
):
    for _n in _names.split():
        _MONTHS[fold(_n.replace("_", " "))] = _i
_MONTH_RE = "|".join(sorted((re.escape(k) for k in _MONTHS), key=len, reverse=True))
_DMY_NAMED = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? ({_MONTH_RE}) (\d{{4}})$")
_MDY_NAMED = re.compile(rf"^({_MONTH_RE}) (\d{{1,2}})(?:st|nd|rd|th)? (\d{{4}})$")
_MY_NAMED = re.compile(rf"^({_MONTH_RE}) (\d{{4}})$")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YM = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_TIME = re.compile(r"[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?$")


def _ymd(y: int, m: int, d: int | None) -> str | None:
    if not 1850 <= y <= 2100 or not 1 <= m <= 12:
        return None
    if d is None:
        return f"{y:04d}-{m:02d}"
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _dob(text: str) -> str | None:
    t = _TIME.sub("", fold(text))
    t = re.sub(r"(?<=[^\W\d_])\.", "", t)  # "Feb." -> "feb"
    t = re.sub(r"[\s,]+", " ", t.replace("-", " - ")).strip()
    t = re.sub(r" - ", "-", t)
    if re.fullmatch(r"\d{4}", t):
        return t if 1850 <= int(t) <= 2100 else None
    if m := _YMD.match(t):
        return _ymd(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.match(t):
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        return _ymd(y, b, a) or _ymd(y, a, b)  # day first; month first only when it must be
    if m := _YM.match(t):
        return _ymd(int(m[1]), int(m[2]), None)
    if m := _MY.match(t):
        return _ymd(int(m[2]), int(m[1]), None)
    named = t.replace("-", " ")
    if m := _DMY_NAMED.match(named):
        return _ymd(int(m[3]), _MONTHS[m[2]], int(m[1]))
    if m := _MDY_NAMED.match(named):
        return _ymd(int(m[3]), _MONTHS[m[1]], int(m[2]))
    if m := _MY_NAMED.match(named):
        return _ymd(int(m[2]), _MONTHS[m[1]], None)
    return None


def check_dob(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> tuple[str, str]:
    """(ISO date "YYYY-MM-DD" / "YYYY-MM" / "YYYY", error message)."""
    if not isinstance(text, str) or not text.strip():
        return "", ""
    if is_placeholder(text, placeholders):
        return "unknown", ""
    iso = _dob(text) if len(text) <= 60 else None
    return (iso, "") if iso else ("", DATE_ERROR.format(text.strip()))


def parse_dob(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> str:
    """ISO date, "unknown", or "" (blank or not a date)."""
    return check_dob(text, placeholders)[0]


# --- identity numbers, groups ----------------------------------------------------------------

ID_ERROR = "'{}' is not an ID number; write its digits only"


def check_national_id(
    text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS
) -> tuple[str, str]:
    """(digits as text, error message)."""
    if not isinstance(text, str) or not text.strip():
        return "", ""
    if text.isascii() and text.isdigit():
        return text, ""
    if is_placeholder(text, placeholders):
        return "unknown", ""
    t = fold(text)
    t = re.sub(r"^(\d+)\.0$", r"\1", t)
    digits = re.sub(r"[\s\-_.]", "", t)
    if digits.isascii() and digits.isdigit():
        return digits, ""
    return "", ID_ERROR.format(text.strip())


def parse_national_id(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> str:
    """The digits as text (leading zeros kept), "unknown" or ""."""
    return check_national_id(text, placeholders)[0]


def parse_group(text: str, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> str:
    """The group label trimmed with inner spaces collapsed; "" for blanks and placeholders."""
    if not isinstance(text, str) or is_placeholder(text, placeholders):
        return ""
    return " ".join(text.split())


# --- records ---------------------------------------------------------------------------------

_AGE_GROUP_SPAN = {"child": "0-17", "adult": "18+", "elderly": "60+"}
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str"


def _column(records: pd.DataFrame, name: str) -> pd.Series:
    """A text column as str, blank ("") where missing or NA."""
    if name not in records.columns:
        return pd.Series([""] * len(records), index=records.index, dtype=object)
    col = records[name]
    if isinstance(col.dtype, pd.StringDtype) and not col.hasnans:
        return col
    return col.astype(object).where(col.notna(), "").map(str)


def _arrow(records: pd.DataFrame, name: str) -> pa.Array:
    """A text column as an arrow large_string array, blank ("") where missing or NA."""
    if name not in records.columns:
        return pa.array([""], type=pa.large_string()).take(np.zeros(len(records), dtype=np.intp))
    col = _column(records, name)
    text = pa.array(col) if isinstance(col.dtype, pd.StringDtype) else pa.array(col.tolist())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    return text.cast(pa.large_string())


def _chunked(records: pd.DataFrame, name: str) -> pa.ChunkedArray:
    """A text column as it is stored (Arrow blocks, not copied into one array) when it is Arrow
    text without NA; else _arrow's array as one block."""
    col = records[name] if name in records.columns else None
    arrow = getattr(col.array, "_pa_array", None) if col is not None else None
    if (
        col is not None
        and isinstance(col.dtype, pd.StringDtype)
        and isinstance(arrow, pa.ChunkedArray)
        and arrow.type == pa.large_string()
        and not arrow.null_count
    ):
        return arrow
    return pa.chunked_array([_arrow(records, name)])


def _distinct(text: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """(each row's code, the distinct texts) of an arrow text array, in order of appearance."""
    encoded = pc.dictionary_encode(text)
    if isinstance(encoded, pa.ChunkedArray):  # every block shares the whole dictionary
        if not encoded.num_chunks:
            return np.zeros(0, dtype=np.intp), []
        codes = [np.asarray(c.indices, dtype=np.intp) for c in encoded.chunks]
        return np.concatenate(codes), encoded.chunks[0].dictionary.to_pylist()
    return np.asarray(encoded.indices, dtype=np.intp), encoded.dictionary.to_pylist()


def _taken(values: list[str], codes: np.ndarray) -> pa.Array:
    """values[code] for each code, as an arrow text array."""
    return pa.array(values, type=pa.large_string()).take(codes)


def _flags(values: Sequence[object]) -> np.ndarray:
    """A numpy array of the values' truth."""
    return np.array([bool(v) for v in values], dtype=bool)


def _digits(text: pa.Array) -> np.ndarray:
    """True where the text is ASCII digits only: check_national_id gives it back as it is."""
    return np.asarray(pc.match_substring_regex(text, "^[0-9]+$"), dtype=bool)


_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _iso_dates(text: pa.Array, placeholders: Sequence[str]) -> np.ndarray:
    """True where the text is a real date written YYYY-MM-DD, years 1850-2100, and no
    placeholder: check_dob gives it back as it is (most dates of a large list). Read from the
    UTF-8 bytes of the ten-byte cells."""
    out = np.zeros(len(text), dtype=bool)
    if not len(text) or text.null_count or text.type != pa.large_string():
        return out
    buffers = text.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    at = np.flatnonzero(np.diff(offsets) == 10)
    if not len(at) or buffers[2] is None:
        return out
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    starts = offsets[at]
    byte = [data[starts + j] for j in range(10)]  # the j-th byte of every ten-byte cell
    shaped = (byte[4] == ord("-")) & (byte[7] == ord("-"))
    for j in (0, 1, 2, 3, 5, 6, 8, 9):
        shaped &= (byte[j] >= ord("0")) & (byte[j] <= ord("9"))
    at = at[shaped]
    d = [b[shaped].astype(np.int32) - ord("0") for b in byte]
    year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]
    month, day = d[5] * 10 + d[6], d[8] * 10 + d[9]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = _DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    good = (year >= 1850) & (year <= 2100) & (month >= 1) & (month <= 12)
    good &= (day >= 1) & (day <= days)
    shape = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
    dated = sorted(p for p in _placeholder_set(tuple(placeholders))[0] if shape.fullmatch(p))
    if dated:  # a date the case declares a placeholder is "unknown", not a date
        hit = pc.is_in(text.take(pa.array(at)), value_set=pa.array(dated, pa.large_string()))
        good &= ~np.asarray(hit, dtype=bool)
    out[at[good]] = True
    return out


def _same_text(
    records: pd.DataFrame, name: str, values: pa.Array
) -> pd.api.extensions.ExtensionArray | None:
    """The text column `name` of the records when it is Arrow text equal to `values` cell for
    cell (a parsed column that changed nothing shares its memory), else None."""
    if not name or name not in records.columns:
        return None
    array = records[name].array
    arrow = getattr(array, "_pa_array", None)
    if not isinstance(records[name].dtype, pd.StringDtype) or arrow is None:
        return None
    if arrow.type != values.type or arrow.null_count or values.null_count:
        return None
    head = min(len(values), 1024)  # most columns that differ differ at once
    if head and not pc.all(pc.equal(arrow.slice(0, head), values.slice(0, head))).as_py():
        return None
    return array if pc.all(pc.equal(arrow, values)).as_py() is not False else None


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """The first row of each code, for codes numbered in order of first appearance."""
    if not len(codes):
        return np.zeros(0, dtype=np.intp)
    seen = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    return np.flatnonzero(codes > seen)


def _group_of(lo: float, hi: float) -> str:
    """The age group an age range falls in without doubt ("" when none)."""
    if math.isnan(lo) or math.isnan(hi):
        return ""
    if hi < 18:
        return "child"
    if lo >= 60:
        return "elderly"
    return "adult" if lo >= 18 and (hi < 60 or hi >= MAX_AGE) else ""


def _outside(age: AgeRange, group: str) -> bool:
    """The age lies outside the group's range (age_contradicts on an AgeRange)."""
    g_lo, g_hi = GROUP_RANGES[group]
    return not math.isnan(age.min) and (age.max < g_lo or age.min > g_hi)


_BLANK = ("", "unknown")


def _implied(
    sex: str,
    sex_text: str,
    age: AgeRange,
    group: str,
    identified: str,
    relation: tuple[str, str, bool],
    name: NameFacts,
    name_placeholder: bool,
) -> tuple[str, str, str, str, str, bool, bool, bool, bool]:
    """One combination of a record's parsed texts -> (sex_n, age_group_n, identified_n,
    relation_term, relation_to, name_is_relation, name_unknown, W305 for the age group, W305
    for a child's sex word): what the other fields, the relation and the name imply where a
    field is blank or unknown."""
    term, to, rel_child = relation
    unnamed = name.unnamed
    if term in _BLANK and name.term != "":  # a name that is a relation ("wife of X")
        term, to, rel_child = name.term, name.to, name.child
    sex_child = sex_implies_child(sex_text)
    if sex in _BLANK:
        by_name = unnamed.sex if unnamed is not None else ""
        by_term = implied_sex(str(term))
        sex = by_name if by_name != "" else by_term if by_term != "" else sex
    group_conflict = any(group == g and _outside(age, g) for g in GROUP_RANGES)
    child_conflict = not group_conflict and sex_child and _outside(age, "child")
    if group in _BLANK:
        by_name = unnamed.age_group if unnamed is not None else ""
        by_age = _group_of(age.min, age.max)
        group = (
            by_age
            if by_age != ""
            else "child"
            if sex_child
            else by_name
            if by_name != ""
            else "child"
            if rel_child
            else group
        )
    by_name = unnamed.identified if unnamed is not None else ""
    if identified in _BLANK and by_name != "":
        identified = by_name
    unknown = name_placeholder or unnamed is not None
    return (
        sex,
        group,
        identified,
        term,
        to,
        name.is_relation,
        unknown,
        group_conflict,
        child_conflict,
    )


def parse_records(
    records: pd.DataFrame, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS
) -> tuple[pd.DataFrame, list[Problem]]:
    """A copy of the records with every PARSED_COLUMNS column added, and the problems found
    (E201 unknown value, E202 bad age, E203 bad date, E205 bad ID number, W305 age conflict),
    each located by the record's `file`, `row` and the field's column, in row order. Missing
    text columns count as blank. Each distinct value is parsed once; names only when they may
    be more than a name (relations.names_to_analyse); what the fields imply for one another
    (_implied) once per combination of a record's distinct texts met."""
    ph = tuple(p for p in placeholders if isinstance(p, str))
    out = records.copy()
    n = len(out)
    files = _column(records, "file")
    rows = records["row"] if "row" in records.columns else pd.Series([None] * n, dtype=object)
    found: list[tuple[int, int, Problem]] = []

    def report(i: int, order: int, code: str, column: str, message: str) -> None:
        try:
            row: int | None = int(rows.iloc[i])
        except (TypeError, ValueError):
            row = None
        found.append((i, order, Problem(code, str(files.iloc[i]), message, row, column)))

    def checked(
        field: str,
        order: int,
        code: str,
        check: Callable[[str, Sequence[str]], tuple[str, str]],
        same: Callable[[pa.Array], np.ndarray] | None = None,
    ) -> pa.Array:
        """The parsed values; E-problems reported. Texts where `same` is True are their own
        value with no problem (they are not parsed)."""
        if same is None:  # every distinct text parsed, the column read as it is stored
            return coded_values(*coded(field, order, code, check))
        text = _arrow(records, field)
        simple = same(text)
        rest = np.flatnonzero(~simple)
        codes, uniques = _distinct(text.take(rest) if len(rest) < n else text)
        results = [check(u, ph) for u in uniques]
        errors = [e for _, e in results]
        for j in np.flatnonzero(_flags(errors)[codes]).tolist():
            report(int(rest[j]), order, code, field, errors[codes[j]])
        values = _taken([v for v, _ in results], codes)
        if len(rest) == n:
            return values
        return pc.replace_with_mask(text, pa.array(~simple), values)

    def coded(
        field: str, order: int, code: str, check: Callable[[str, Sequence[str]], tuple[str, str]]
    ) -> tuple[np.ndarray, list[str], list[str]]:
        """(each row's code, the distinct texts, their parsed values); E-problems reported."""
        codes, texts = _distinct(_chunked(records, field))
        results = [check(t, ph) for t in texts]
        errors = [e for _, e in results]
        for i in np.flatnonzero(_flags(errors)[codes]).tolist():
            report(i, order, code, field, errors[codes[i]])
        return codes, texts, [v for v, _ in results]

    def coded_values(codes: np.ndarray, _: list[str], values: list[str]) -> pa.Array:
        return _taken(values, codes)

    sex_codes, sex_texts, sex_values = coded("sex", 0, "E201", check_sex)
    age_codes, age_texts = _distinct(_chunked(records, "age"))
    ages = [parse_age(t, ph) for t in age_texts]
    for i in np.flatnonzero(_flags([a.error for a in ages])[age_codes]).tolist():
        report(i, 1, "E202", "age", ages[age_codes[i]].error)
    age_min = np.array([a.min for a in ages], dtype=float)[age_codes]
    age_max = np.array([a.max for a in ages], dtype=float)[age_codes]
    group_codes, _, group_values = coded("age_group", 2, "E201", check_age_group)
    dob = checked("dob", 3, "E203", check_dob, lambda text: _iso_dates(text, ph))
    national_id = checked("national_id", 4, "E205", check_national_id, _digits)
    status = checked("status", 5, "E201", check_status)
    ident_codes, _, ident_values = coded("identified", 6, "E201", check_identified)
    rel_codes, rel_texts = _distinct(_chunked(records, "relation"))
    rel = [
        ("unknown", "", False) if is_placeholder(t, ph) else relation_details(t) for t in rel_texts
    ]

    # names: analysed only where they may be more than a name (few of a million); the others
    # share the last code, a plain name's facts
    facts: list[NameFacts] = []
    name_ph: list[bool] = []
    name_codes = np.zeros(n, dtype=np.intp)
    if "name" in records.columns:
        names = _column(records, "name")
        ph_words = frozenset(w for p in _placeholder_set(ph)[0] for w in p.split())
        todo = np.flatnonzero(names_to_analyse(names, ph_words))
        codes, uniques = pd.factorize(names.iloc[todo], use_na_sentinel=False)
        texts = [str(u) for u in uniques]
        facts = [analyse_name(t) for t in texts]
        name_ph = [is_placeholder(t, ph) for t in texts]
        name_codes[:] = len(texts)
        name_codes[todo] = codes
        facts.append(analyse_name(""))
        name_ph.append(False)
    else:
        facts, name_ph = [analyse_name("")], [is_placeholder("", ph)]

    # every other parsed column follows from the row's distinct texts: each combination of
    # them met is worked out once (_implied), then taken for its rows
    parts = (sex_codes, age_codes, group_codes, ident_codes, rel_codes, name_codes)
    sizes = (len(sex_texts), len(ages), len(group_values), len(ident_values), len(rel), len(facts))
    combo = np.zeros(n, dtype=np.intp)
    for part, size in zip(parts, sizes, strict=True):
        combo = np.asarray(pd.factorize(combo * max(size, 1) + part)[0], dtype=np.intp)
    first = _first_rows(combo)
    implied_rows = [
        _implied(
            sex_values[a],
            sex_texts[a],
            ages[b],
            group_values[c],
            ident_values[d],
            rel[e],
            facts[f],
            name_ph[f],
        )
        for a, b, c, d, e, f in zip(*(part[first].tolist() for part in parts), strict=True)
    ]

    def column(k: int) -> pa.Array:
        return _taken([cast(str, r[k]) for r in implied_rows], combo)

    def flag(k: int) -> np.ndarray:
        return _flags([r[k] for r in implied_rows])[combo]

    for i in np.flatnonzero(flag(7) | flag(8)).tolist():
        at = first[combo[i]]
        age, group_text = ages[age_codes[at]], group_values[group_codes[at]]
        if implied_rows[combo[i]][7]:
            report(i, 7, "W305", "age", _conflict(age, "age group", group_text, group_text))
        else:
            report(i, 7, "W305", "age", _conflict(age, "sex", sex_texts[sex_codes[at]], "child"))

    def text(values: np.ndarray | pa.Array, like: str = "") -> pd.Series:
        """A parsed column; the text column `like` itself (its memory) when it holds the
        same values, one shared block when every value is blank."""
        if not isinstance(values, pa.Array):
            values = pa.array(values, type=pa.large_string())
        same = _same_text(records, like, values)
        if same is not None:
            return pd.Series(same, index=out.index)
        if n and values.null_count == 0 and pc.max(pc.binary_length(values)).as_py() == 0:
            return pd.Series(repeated("", n).array, index=out.index)
        array = pd.arrays.ArrowStringArray(pa.chunked_array([values]), dtype=_TEXT)  # type: ignore[call-arg]
        return pd.Series(array, index=out.index)

    out["sex_n"] = text(column(0), "sex")
    out["age_min"] = pd.Series(age_min, index=out.index, dtype=float)
    out["age_max"] = pd.Series(age_max, index=out.index, dtype=float)
    out["age_n"] = text(_taken([a.text for a in ages], age_codes), "age")
    out["age_group_n"] = text(column(1), "age_group")
    out["dob_n"] = text(dob, "dob")
    out["national_id_n"] = text(national_id, "national_id")
    group_text = _arrow(records, "group")
    folded_ph = _placeholder_set(ph)[0]
    simple = np.zeros(n, dtype=bool)
    if not any(c in "0123456789" for p in folded_ph for c in p):
        # printable ASCII with a digit and no space: no placeholder, nothing to collapse
        simple = np.asarray(pc.match_substring_regex(group_text, "^[!-~]*[0-9][!-~]*$"))
    rest = np.flatnonzero(~simple)
    group_codes, group_texts = _distinct(group_text.take(rest) if len(rest) < n else group_text)
    groups = _taken([parse_group(t, ph) for t in group_texts], group_codes)
    if len(rest) < n:
        groups = pc.replace_with_mask(group_text, pa.array(~simple), groups)
    out["group_n"] = text(groups, "group")
    out["status_n"] = text(status, "status")
    out["identified_n"] = text(column(2), "identified")
    out["relation_term"] = text(column(3))
    out["relation_to"] = text(column(4))
    out["name_is_relation"] = pd.Series(flag(5), index=out.index, dtype=bool)
    out["name_unknown"] = pd.Series(flag(6), index=out.index, dtype=bool)
    found.sort(key=lambda f: (f[0], f[1]))
    return out, [p for _, _, p in found]


def _conflict(age: AgeRange, what: str, value: str, group: str) -> str:
    return (
        f"age '{age.text}' contradicts {what} '{value.strip()}' "
        f"({group} means {_AGE_GROUP_SPAN[group]})"
    )
