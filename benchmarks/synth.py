"""Generate competing synthetic casualty lists with ground truth, as a reconcile case folder.

    python benchmarks/synth.py --persons 10000 --seed 1 --out benchmarks/out/synth-10k

Persons live in households: a head, a spouse with her own family name, children whose second
name is the father's given name and third the grandfather's. Names are Arabic four-part names
drawn from Zipf-weighted token tables written for this generator (not taken from any real list).
Each claim keeps a different subset of persons and corrupts it the way real sources do: claim
`a` is a register (four-part names, date of birth, national id), claim `b` a monitor's list
(shorter names, joined or split compounds, spelling variants, typos, ages a year or two off,
missing fields, Latin-only names, kinship-only rows such as "زوجة محمد النجار", household groups).

Output: case.toml, claims/a.csv, claims/b.csv (more with --claims), truth.csv (claim, record_id,
person_id). Everything is vectorised with numpy except per-string typos on a few percent of rows.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# ---------------------------------------------------------------- token tables (hand-written)

MALE = """
محمد أحمد محمود علي عمر خالد يوسف إبراهيم مصطفى حسن حسين عبد_الله عبد_الرحمن إسماعيل سامي
سعيد ناصر رامي فادي ماجد وليد عماد إياد نضال جهاد رائد سامر طارق زياد هاني باسم عادل جمال
كمال نبيل فتحي صالح سليمان موسى عيسى داود يحيى زكريا أيمن أنس معاذ حمزة بلال عمار أسامة هشام
عصام هيثم منير نادر ياسر عمرو سلامة عطية عودة جميل سمير رياض رشيد مجدي حمدي حازم حاتم غسان
نزار نافذ نعيم كريم عبد_الكريم عبد_الرحيم عبد_العزيز عبد_الحميد عبد_الفتاح عبد_الرؤوف
عبد_السلام عبد_الناصر عبد_القادر عبد_اللطيف عبد_المجيد عبد_الهادي عبد_الحكيم عبد_المنعم
عبد_الجواد عبد_الرازق عبد_الباسط صلاح_الدين نور_الدين علاء_الدين عز_الدين محي_الدين
بهاء_الدين سيف_الدين جمال_الدين شمس_الدين مؤمن مأمون رأفت رؤوف أسعد أكرم أنور أمجد أيوب
أمين أشرف أدهم إسلام آدم بكر تامر ثائر جابر جواد حافظ حامد حسام حمادة خليل خميس راضي ربيع
رجب رمضان زكي زهير سالم سعد سعدي سفيان سلمان سليم سهيل شادي شريف شعبان صابر صبحي صهيب ضياء
طلال عاطف عامر عايد عدنان عرفات عزمي علاء عوض عوني غازي فؤاد فايز فراس فريد فهد فوزي قاسم
قصي كامل لؤي مازن مالك مجد محسن مراد مروان مصباح معتز معين منذر منصور مهدي مهند ميسرة نائل
نبيه نصر نعمان هاشم همام وائل وسام وجيه يزن يونس حمد حماد حمودة حسني رضوان زاهر سائد صقر طه
ظافر عاهد علام غالب فارس فايق قيس لافي ماهر مدحت مصعب مؤنس ناجي ناهض نسيم هلال وفيق يامن
يعقوب يسري جبر جبريل حرب خضر درويش ذياب راجي رزق سامح شاكر شوقي صبري ضيف_الله عطا_الله
جاد_الله نصر_الله فتح_الله حسب_الله أبو_بكر عثمان إدريس إلياس أيهم براء بهاء تيسير جلال
حكمت راشد رافت شحدة شفيق صدقي عيد فرج كمال_الدين لطفي
مختار مرعي منيب نمر هادي وحيد
"""

FEMALE = """
فاطمة مريم آمنة عائشة خديجة زينب سارة هدى نور رنا ريم سناء سمر سماح سهى سلمى ليلى منى نادية
نجلاء نسرين هبة هند وفاء ياسمين أسماء أسيل أمل إيمان آلاء إسراء أميرة انتصار بشرى بيسان تسنيم
جنى جميلة حلا حنان حنين حياة خلود دعاء دينا رحاب رحمة رزان رغد رهف روان ريهام زهرة سجى سعاد
سلوى سميرة سوزان شيماء صابرين صفاء صفية عبير علا غادة غدير فرح فدوى لانا لبنى لمى ليان مها
ميار ميسون نجوى نعمة نهى نوال هالة هيام وعد يارا يسرى رقية حليمة نعيمة سعدية فتحية صبحية
حمدة عزيزة لطيفة نفيسة رشا ريما ملك جود شهد غزل تالا لين سلام بتول ضحى رؤى آية هديل رند مرح
جوري ميرا كوثر منار ابتسام اعتدال إنعام إيناس بثينة تغريد جيهان دلال رجاء رسمية زكية سحر
سهام شروق صباح عفاف عليا فايزة فريال كريمة ماجدة مديحة نبيلة نسمة هيفاء وداد يمنى ختام عطاف
غالية نادين ريتال أنوار إخلاص أفنان بسمة تهاني حورية خضرة دانة رباب رحيمة زهور
سوسن شفاء عبلة عواطف فاتن فيروز لمياء ليندا مي نجاح نرمين هنادي وجدان يسرا
"""

# Words that family names are made of: trades, places, origins, adjectives, tribes and forenames.
FAMILY_WORDS = """
نجار حداد عطار خطيب شاعر مصري شامي حلبي كرد مغربي خليلي قدسي يافاوي لداوي رملاوي مجدلاوي
عسقلاني غزاوي بطش دحدوح حلو زعانين كفارنة شوا سقا طويل قصير أسمر أشقر أحمر أبيض زيات سمان
خياط صباغ دباغ فران لحام جزار حلاق نحال بيطار صواف قصاب طحان عجلة نخالة سرساوي شنطي حايك
عمصي كحلوت مقداد مدهون شرفا بنا حمامي سكني سويركي ريس قيشاوي نونو صوراني ترزي جمل زهار
مبحوح أغا حية فرا عكاشة ديب زين عابد حجاج عويضة شعث سالمي هندي مشهراوي سلطان كيلاني
وحيدي أسطل شريف نمنم عايدي ملاح بربخ ضبان جرو سعدي شيخ عيلة نتيل دلو بلبيسي عرعير سمري
حمدان مهنا جعبري تميمي نتشة قواسمة شراونة بدوي سواركة ترابين عزازمة حناجرة بريم قديح أبيض
غول جاروشة عرقان جلاد فقعاوي صيدم قطراوي حسنات صافي بحيصي ساعي سقا مقادمة زيناتي شوبكي
حرازين ثابت أبو_شمالة عمري أنصاري تلولي مزيني ريفي بردويل حاج جرجاوي فليت مطر دهليز
"""

GIVEN_AS_FAMILY = """
عثمان شاهين حسين سالم عيسى موسى حمدان زقوت عودة سليمان يونس رضوان عوض حماد درويش خضر نمر صقر
مطر ناصر جبر حرب عامر قاسم منصور عابد غانم سلامة عطية بكر
"""

ARABIC_LETTERS = np.array(list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي"))
ROOT_LETTERS = np.array(list("بتجحدرزسشصطعفقكلمنهو"))
# Morphological patterns over a triliteral root C1 C2 C3 (0, 1, 2 stand for the root letters).
PATTERNS = ("01ا2", "0ا12", "01ي2", "م01و2", "012ي", "01ا2ة", "012ان", "ا01ا2", "0و12")

# Known Latin spellings (a few variants each), checked before the letter-by-letter fallback.
LATIN_KNOWN = {
    "محمد": ("Mohammed", "Muhammad", "Mohamed", "Mohammad"),
    "أحمد": ("Ahmed", "Ahmad"),
    "محمود": ("Mahmoud", "Mahmud"),
    "علي": ("Ali",),
    "عمر": ("Omar", "Umar"),
    "خالد": ("Khaled", "Khalid"),
    "يوسف": ("Youssef", "Yousef", "Yusuf"),
    "إبراهيم": ("Ibrahim", "Ebrahim"),
    "مصطفى": ("Mustafa", "Moustafa"),
    "حسن": ("Hassan", "Hasan"),
    "حسين": ("Hussein", "Husain", "Hussain"),
    "إسماعيل": ("Ismail", "Ismael"),
    "سعيد": ("Saeed", "Said"),
    "فاطمة": ("Fatima", "Fatma"),
    "مريم": ("Maryam", "Mariam"),
    "آمنة": ("Amna", "Amina"),
    "عائشة": ("Aisha", "Aysha"),
    "خديجة": ("Khadija", "Khadeeja"),
    "زينب": ("Zainab", "Zeinab"),
    "نور": ("Nour", "Noor"),
    "هدى": ("Huda", "Hoda"),
    "عودة": ("Odeh", "Awda"),
    "أسامة": ("Osama", "Usama"),
    "يحيى": ("Yahya", "Yehia"),
    "موسى": ("Mousa", "Musa"),
    "عيسى": ("Issa", "Eisa"),
}
LATIN_LETTERS = {
    "ا": "a",
    "أ": "a",
    "إ": "i",
    "آ": "aa",
    "ب": "b",
    "ت": "t",
    "ث": "th",
    "ج": "j",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "dh",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "ع": "'",
    "غ": "gh",
    "ف": "f",
    "ق": "q",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
    "و": "ou",
    "ي": "i",
    "ة": "a",
    "ى": "a",
    "ء": "'",
    "ؤ": "'",
    "ئ": "'",
}
VOWELS = set("aeiou'")

ORTHO = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"})

REF_DATE = np.datetime64("2024-06-01")


def _words(text: str) -> list[str]:
    out: list[str] = []
    for w in text.split():
        w = w.replace("_", " ").strip()
        if w and w not in out:
            out.append(w)
    return out


def transliterate(token: str, variant: int = 0) -> str:
    """A plain Arabic-to-Latin transliteration of one name token (variant picks a spelling)."""
    if token in LATIN_KNOWN:
        options = LATIN_KNOWN[token]
        return options[variant % len(options)]
    words = token.split(" ")
    if len(words) > 1:
        if words[0] in ("ابو", "أبو"):
            rest = " ".join(transliterate(w, variant) for w in words[1:])
            return ("Abu " if variant % 2 == 0 else "Abou ") + rest
        if words[0] == "عبد":
            rest = transliterate(words[1], variant)
            rest = rest[3:] if rest.lower().startswith("al-") else rest
            return ("Abdel" if variant % 2 == 0 else "Abdul") + rest.lower()
        return " ".join(transliterate(w, variant) for w in words)
    prefix = ""
    if token.startswith("ال") and len(token) > 3:
        prefix, token = ("Al-" if variant % 2 == 0 else "El-"), token[2:]
    latin = ""
    for i, ch in enumerate(token):
        piece = LATIN_LETTERS.get(ch, "")
        if ch == "و" and i == 0:
            piece = "w"
        if ch == "ي" and i == 0:
            piece = "y"
        if (
            latin
            and piece
            and latin[-1] not in VOWELS
            and piece[0] not in VOWELS
            and i < len(token)
        ):
            latin += "a"
        latin += piece
    latin = latin.replace("'", "") if variant % 2 else latin
    latin = latin.strip("'") or "X"
    return prefix + latin[:1].upper() + latin[1:]


def joined(token: str) -> str:
    """The compound written as one word: عبد الله -> عبدالله, ابو طه -> ابوطه."""
    return token.replace(" ", "")


# Zipf exponent of family names. 0.5 gives the commonest family about 1% of households and the
# ten commonest about 6%, and so as many people sharing a given and a family name (same sex, age
# within two years: 5-6% of a 34k list) as a real national casualty list of that size. 0.75 gave
# 4.5% and 16%: twice the real namesakes, so that recall fell with list size for want of any
# evidence telling them apart, not for any fault of matching.
FAMILY_ZIPF = 0.5


def _zipf(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def family_names(n: int, rng: np.random.Generator) -> list[str]:
    """`n` distinct family names: ال/ابو/bare forms of trade and place words, forenames, roots."""
    words = _words(FAMILY_WORDS)
    males = _words(MALE)
    out: list[str] = []
    seen: set[str] = set()

    def add(name: str) -> None:
        if name not in seen:
            seen.add(name)
            out.append(name)

    for w in words:
        add(w if w.startswith("أبو") else "ال" + w)
    for w in _words(GIVEN_AS_FAMILY):
        add(w)
    for w in males[:120]:
        if " " not in w:
            add("أبو " + w)
    for w in words[::3]:
        add(w)
    n_real = len(out)
    while len(out) < n:
        root = rng.choice(ROOT_LETTERS, 3, replace=False)
        stem = "".join(root[int(c)] if c.isdigit() else c for c in PATTERNS[rng.integers(9)])
        form = rng.random()
        add("ال" + stem if form < 0.5 else ("أبو " + stem if form < 0.75 else stem))
    # the hand-written names are the common ones (in random order), generated roots the tail
    n_real = min(n_real, n)
    head = [out[i] for i in rng.permutation(n_real)]
    tail = [out[n_real + i] for i in rng.permutation(len(out) - n_real)]
    return (head + tail)[:n]


@dataclass
class Vocab:
    """All name tokens with their precomputed variant spellings (numpy object arrays)."""

    base: np.ndarray
    join: np.ndarray
    ortho: np.ndarray
    join_ortho: np.ndarray
    bare: np.ndarray  # family name without ال / أبو
    latin0: np.ndarray
    latin1: np.ndarray
    male: np.ndarray  # indices of male given names, Zipf order
    female: np.ndarray
    family: np.ndarray
    p_male: np.ndarray
    p_female: np.ndarray
    p_family: np.ndarray


def build_vocab(n_family: int, rng: np.random.Generator) -> Vocab:
    males, females = _words(MALE), _words(FEMALE)
    fams = family_names(n_family, rng)
    tokens = list(dict.fromkeys(males + females + fams))
    index = {t: i for i, t in enumerate(tokens)}

    def bare(t: str) -> str:
        if t.startswith("أبو "):
            return t[4:]
        if t.startswith("ال") and len(t) > 4:
            return t[2:]
        return t

    arr = np.array(tokens, dtype=object)
    return Vocab(
        base=arr,
        join=np.array([joined(t) for t in tokens], dtype=object),
        ortho=np.array([t.translate(ORTHO) for t in tokens], dtype=object),
        join_ortho=np.array([joined(t).translate(ORTHO) for t in tokens], dtype=object),
        bare=np.array([bare(t) for t in tokens], dtype=object),
        latin0=np.array([transliterate(t, 0) for t in tokens], dtype=object),
        latin1=np.array([transliterate(t, 1) for t in tokens], dtype=object),
        male=np.array([index[t] for t in males]),
        female=np.array([index[t] for t in females]),
        family=np.array([index[t] for t in fams]),
        p_male=_zipf(len(males), 1.0),
        p_female=_zipf(len(females), 0.9),
        p_family=_zipf(len(fams), FAMILY_ZIPF),
    )


# ---------------------------------------------------------------- persons and households


def make_persons(n: int, rng: np.random.Generator, vocab: Vocab) -> pd.DataFrame:
    """`n` true persons in households. Columns: person_id, household, role (head, spouse, child,
    single), sex (m/f), age, dob, given, father, grandfather, family, own_family (token
    indices into the vocabulary; own_family is a wife's birth family, else = family),
    head_given (the household head's given name index, -1 when none)."""
    sizes_p = np.array([0.12, 0.14, 0.13, 0.14, 0.13, 0.11, 0.09, 0.07, 0.04, 0.03])
    h_est = int(n / (sizes_p * np.arange(1, 11)).sum() * 1.1) + 10
    sizes = rng.choice(np.arange(1, 11), h_est, p=sizes_p)
    while sizes.sum() < n:
        sizes = np.concatenate([sizes, rng.choice(np.arange(1, 11), h_est, p=sizes_p)])
    cut = int(np.searchsorted(np.cumsum(sizes), n))
    sizes = sizes[: cut + 1].copy()
    sizes[-1] -= int(sizes.sum() - n)
    sizes = sizes[sizes > 0]
    n_h = len(sizes)
    hh = np.repeat(np.arange(n_h), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    role_i = np.arange(n) - starts[hh]
    single = sizes[hh] == 1

    def draw(kind: str, k: int) -> np.ndarray:
        pool = {"m": vocab.male, "f": vocab.female, "fam": vocab.family}[kind]
        p = {"m": vocab.p_male, "f": vocab.p_female, "fam": vocab.p_family}[kind]
        return pool[rng.choice(len(pool), k, p=p)]

    # household-level draws
    h_family = draw("fam", n_h)
    h_head_given = draw("m", n_h)
    h_head_father = draw("m", n_h)
    h_head_grand = draw("m", n_h)
    h_head_age = rng.integers(22, 76, n_h)

    sex = np.where(rng.random(n) < 0.5, "m", "f").astype(object)
    sex[(role_i == 0) & ~single] = "m"
    sex[role_i == 1] = "f"
    is_head = (role_i == 0) & ~single
    is_spouse = role_i == 1
    is_child = role_i >= 2

    given = np.where(sex == "m", draw("m", n), draw("f", n))
    given[is_head] = h_head_given[hh[is_head]]
    father = draw("m", n)
    grand = draw("m", n)
    father[is_head] = h_head_father[hh[is_head]]
    grand[is_head] = h_head_grand[hh[is_head]]
    father[is_child] = h_head_given[hh[is_child]]
    grand[is_child] = h_head_father[hh[is_child]]
    family = h_family[hh].copy()
    own_family = family.copy()
    own_family[is_spouse] = draw("fam", int(is_spouse.sum()))

    # siblings do not share a given name: redraw duplicates a few times
    for _ in range(4):
        dup = pd.DataFrame({"h": hh, "g": given}).duplicated().to_numpy() & is_child
        if not dup.any():
            break
        k = int(dup.sum())
        given[dup] = np.where(sex[dup] == "m", draw("m", k), draw("f", k))

    head_age = h_head_age[hh]
    age = rng.integers(1, 90, n)
    age[is_head] = head_age[is_head]
    spouse_age = np.clip(head_age - rng.integers(0, 9, n), 18, None)
    age[is_spouse] = spouse_age[is_spouse]
    child_max = np.clip(spouse_age - 17, 1, 30)
    child_age = (rng.random(n) * child_max).astype(int)
    age[is_child] = child_age[is_child]
    age[single] = rng.integers(0, 85, int(single.sum()))
    days = age * 365 + rng.integers(0, 365, n)
    dob = (REF_DATE - days.astype("timedelta64[D]")).astype(str).astype(object)

    role = np.select([single, is_head, is_spouse], ["single", "head", "spouse"], "child")
    head_given = np.where(single, -1, h_head_given[hh])
    return pd.DataFrame(
        {
            "person_id": np.char.add("P", np.arange(n).astype(str)),
            "household": hh,
            "role": role,
            "sex": sex,
            "age": age,
            "dob": dob,
            "given": given,
            "father": father,
            "grandfather": grand,
            "family": family,
            "own_family": own_family,
            "head_given": head_given,
        }
    )


# ---------------------------------------------------------------- claims


@dataclass(frozen=True)
class Style:
    """How one source keeps and writes its records (probabilities per record)."""

    keep_household: float
    keep_person: float
    parts: tuple[float, float, float]  # P(4 parts), P(3 parts: no grandfather), P(2 parts)
    joined: float  # compounds written joined
    ortho: float  # hamza / taa marbuta / alef maqsura flattened
    typo: float
    swap: float  # father and grandfather swapped
    bare_family: float  # family name without ال / أبو
    husband_family: float  # a wife under her husband's family name
    both_families: float  # a wife under her own and her husband's family names
    latin_only: float
    latin_alt: float
    kinship_only: float
    age_missing: float
    age_off1: float
    age_off2: float
    sex_missing: float
    dob: float
    dob_jan1: float  # dob known only to the year, written YYYY-01-01
    national_id: float
    group: bool


REGISTER = Style(
    keep_household=1.0,
    keep_person=0.92,
    parts=(0.93, 0.05, 0.02),
    joined=0.15,
    ortho=0.10,
    typo=0.02,
    swap=0.0,
    bare_family=0.01,
    husband_family=0.05,
    both_families=0.0,
    latin_only=0.0,
    latin_alt=0.0,
    kinship_only=0.0,
    age_missing=0.03,
    age_off1=0.05,
    age_off2=0.01,
    sex_missing=0.01,
    dob=0.92,
    dob_jan1=0.06,
    national_id=0.97,
    group=False,
)
MONITOR = Style(
    keep_household=0.92,
    keep_person=0.95,
    parts=(0.35, 0.40, 0.25),
    joined=0.30,
    ortho=0.35,
    typo=0.05,
    swap=0.02,
    bare_family=0.05,
    husband_family=0.20,
    both_families=0.05,
    latin_only=0.03,
    latin_alt=0.40,
    kinship_only=0.02,
    age_missing=0.15,
    age_off1=0.20,
    age_off2=0.05,
    sex_missing=0.08,
    dob=0.0,
    dob_jan1=0.0,
    national_id=0.0,
    group=True,
)

KIN_AR = {("spouse", "f"): "زوجة", ("child", "m"): "ابن", ("child", "f"): "ابنة"}
KIN_EN = {("spouse", "f"): "wife", ("child", "m"): "son", ("child", "f"): "daughter"}


def _typo(text: str, rng: np.random.Generator) -> str:
    """One keyboard-like slip: a letter replaced, dropped, doubled, or two swapped."""
    spots = [i for i, ch in enumerate(text) if ch != " "]
    if len(spots) < 3:
        return text
    i = spots[int(rng.integers(len(spots)))]
    op = int(rng.integers(4))
    if op == 0:
        return text[:i] + str(rng.choice(ARABIC_LETTERS)) + text[i + 1 :]
    if op == 1:
        return text[:i] + text[i + 1 :]
    if op == 2:
        return text[:i] + text[i] + text[i:]
    j = i + 1 if i + 1 < len(text) and text[i + 1] != " " else i - 1
    a, b = min(i, j), max(i, j)
    return text[:a] + text[b] + text[a] + text[b + 1 :]


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    """Join string arrays with single spaces, skipping empty parts, element-wise."""
    out = parts[0].copy()
    for p in parts[1:]:
        sep = np.where((out != "") & (p != ""), " ", "")
        out = out + sep + p
    return out


def make_claim(
    persons: pd.DataFrame, vocab: Vocab, style: Style, prefix: str, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One claim's records (standard field columns) and its truth (record_id, person_id)."""
    n_h = int(persons["household"].max()) + 1
    keep_h = rng.random(n_h) < style.keep_household
    keep = keep_h[persons["household"].to_numpy()] & (rng.random(len(persons)) < style.keep_person)
    p = persons[keep].reset_index(drop=True)
    n = len(p)
    u = lambda: rng.random(n)  # noqa: E731

    sex = p["sex"].to_numpy()
    role = p["role"].to_numpy()
    t_given, t_father = p["given"].to_numpy(), p["father"].to_numpy()
    t_grand, t_family = p["grandfather"].to_numpy(), p["own_family"].to_numpy().copy()
    wife = role == "spouse"
    husband_fam = p["family"].to_numpy()
    under_husband = wife & (u() < style.husband_family)
    t_family[under_husband] = husband_fam[under_husband]
    both = wife & ~under_husband & (u() < style.both_families)

    swap = u() < style.swap
    t_father, t_grand = np.where(swap, t_grand, t_father), np.where(swap, t_father, t_grand)

    j, o = u() < style.joined, u() < style.ortho

    def spell(t: np.ndarray) -> np.ndarray:
        return np.where(
            j,
            np.where(o, vocab.join_ortho[t], vocab.join[t]),
            np.where(o, vocab.ortho[t], vocab.base[t]),
        )

    r = u()
    n_parts = np.where(r < style.parts[0], 4, np.where(r < style.parts[0] + style.parts[1], 3, 2))
    empty = np.full(n, "", dtype=object)
    s_given = spell(t_given)
    s_father = np.where(n_parts >= 3, spell(t_father), empty)
    s_grand = np.where(n_parts >= 4, spell(t_grand), empty)
    bare = u() < style.bare_family
    s_family = np.where(bare, vocab.bare[t_family], spell(t_family))
    s_extra = np.where(both, spell(husband_fam), empty)
    name = _cat([s_given, s_father, s_grand, s_family, s_extra])

    # Latin transliteration: as name_alt, or as the only name
    v = u() < 0.5
    lat = lambda t: np.where(v, vocab.latin1[t], vocab.latin0[t])  # noqa: E731
    latin = _cat(
        [
            lat(t_given),
            np.where(n_parts >= 3, lat(t_father), empty),
            np.where(n_parts >= 4, lat(t_grand), empty),
            lat(t_family),
        ]
    )
    latin_only = u() < style.latin_only
    name_alt = np.where(~latin_only & (u() < style.latin_alt), latin, empty)
    name = np.where(latin_only, latin, name)

    # kinship-only rows: "زوجة محمد النجار", relation "wife of Mohammed Al-Najjar"
    head = p["head_given"].to_numpy()
    kin_ok = ((role == "spouse") | (role == "child")) & (head >= 0)
    kin = kin_ok & (u() < style.kinship_only)
    relation = empty.copy()
    if kin.any():
        hk = head[kin]
        fam_k = husband_fam[kin]
        target_ar = _cat([vocab.base[hk], vocab.base[fam_k]])
        target_en = _cat([vocab.latin0[hk], vocab.latin0[fam_k]])
        keys = list(zip(role[kin], sex[kin], strict=True))
        word_ar = np.array([KIN_AR[k] for k in keys], dtype=object)
        word_en = np.array([KIN_EN[k] for k in keys], dtype=object)
        name[kin] = word_ar + " " + target_ar
        relation[kin] = word_en + " of " + target_en
        name_alt[kin] = ""

    # typos, on a few percent of rows only
    typo_idx = np.flatnonzero((u() < style.typo) & ~latin_only & ~kin)
    for i in typo_idx:
        name[i] = _typo(name[i], rng)

    age = p["age"].to_numpy().astype(np.int64)
    off = np.where(u() < style.age_off1, rng.choice([-1, 1], n), 0)
    off = np.where(u() < style.age_off2, rng.choice([-2, 2], n), off)
    age_shown = np.clip(age + off, 0, None).astype(str).astype(object)
    age_missing = u() < style.age_missing
    age_shown[age_missing] = ""
    group_word = np.select([age < 18, age >= 65], ["child", "elderly"], "adult").astype(object)
    age_group = np.where(age_missing & (u() < 0.5), group_word, empty)

    sex_shown = sex.copy()
    if style.dob > 0:
        sex_shown = np.where(sex == "m", "M", "F").astype(object)
    sex_shown[u() < style.sex_missing] = ""

    dob = np.where(u() < style.dob, p["dob"].to_numpy(), empty)
    jan1 = (dob != "") & (u() < style.dob_jan1)
    if jan1.any():
        dob[jan1] = pd.Series(dob[jan1]).str.slice(0, 4).to_numpy() + "-01-01"

    nid = np.where(
        u() < style.national_id,
        rng.integers(400_000_000, 999_999_999, n).astype(str).astype(object),
        empty,
    )
    group = empty
    if style.group:
        relabel = rng.permutation(n_h)
        group = np.char.add("G", relabel[p["household"].to_numpy()].astype(str)).astype(object)

    order = rng.permutation(n)
    record_id = np.char.add(prefix, np.arange(1, n + 1).astype(str)).astype(object)
    records = pd.DataFrame(
        {
            "id": record_id,
            "name": name[order],
            "name_alt": name_alt[order],
            "sex": sex_shown[order],
            "age": age_shown[order],
            "age_group": age_group[order],
            "dob": dob[order],
            "national_id": nid[order],
            "group": group[order],
            "relation": relation[order],
        }
    )
    truth = pd.DataFrame({"record_id": record_id, "person_id": p["person_id"].to_numpy()[order]})
    used = [c for c in records.columns if c == "id" or (records[c] != "").any()]
    return records[used], truth


def generate(
    persons: int, seed: int, out: Path, claims: int = 2, quiet: bool = False
) -> dict[str, int]:
    """Write a case folder for `persons` true persons into `out`; return record counts."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    vocab = build_vocab(2000 + persons // 150, np.random.default_rng(12345))
    people = make_persons(persons, rng, vocab)
    (out / "claims").mkdir(parents=True, exist_ok=True)
    toml = [
        "[event]",
        f'title = "Synthetic competing lists: {persons} persons, seed {seed}"',
        'date = "2024-06-01"',
        'place = "Synthetic"',
        "",
    ]
    truths, counts = [], {}
    for k in range(claims):
        cid = chr(ord("a") + k)
        style = REGISTER if k == 0 else MONITOR
        records, truth = make_claim(people, vocab, style, cid.upper(), rng)
        records.to_csv(out / "claims" / f"{cid}.csv", index=False, encoding="utf-8")
        truth.insert(0, "claim", cid)
        truths.append(truth)
        counts[cid] = len(records)
        kind = "register" if k == 0 else "monitor"
        toml += [
            "[[claims]]",
            f'id = "{cid}"',
            f'file = "claims/{cid}.csv"',
            f'source = "Synthetic {kind} list {cid.upper()}"',
            "complete = false",
            "",
        ]
    (out / "case.toml").write_text("\n".join(toml), encoding="utf-8")
    pd.concat(truths, ignore_index=True).to_csv(out / "truth.csv", index=False)
    if not quiet:
        sizes = ", ".join(f"{c}: {n}" for c, n in counts.items())
        print(
            f"wrote {out} ({persons} persons; records {sizes}) in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--persons", type=int, default=10_000, help="true persons (default 10000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--claims", type=int, default=2, help="number of claims (default 2)")
    ap.add_argument("--out", type=Path, required=True, help="case folder to write")
    args = ap.parse_args(argv)
    if args.persons < 1 or not 2 <= args.claims <= 26:
        ap.error("--persons must be >= 1 and --claims between 2 and 26")
    generate(args.persons, args.seed, args.out, args.claims)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
