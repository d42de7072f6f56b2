"""Personal names in Arabic and Latin script: normalised text, tokens with compounds joined, keys.

Three layers, each a pure function of the text (never raising, idempotent):

* ``normalize_arabic`` / ``normalize_latin``: the same normaliser (a name may mix scripts), which
  strips diacritics, tatweel and invisible marks, unifies letter variants and punctuation, and
  lower-cases Latin letters. Choices, for Arabic: every alef form (أ إ آ ٱ) -> ا; ة -> ه;
  ى -> ي; ؤ -> و; ئ -> ي; the bare hamza ء is KEPT in the text: lists write it (علاء,
  اسراء, ضياء) and it tells names apart (علاء is a man's name, علا a woman's); it stands
  almost only at the end of a word, and dropping it inside one would make علاءالدين written
  joined differ from علاء الدين joined here. The keys and ``fold_arabic_key`` ignore it.
  Persian and Urdu
  forms (ک ی ہ ۃ پ چ ژ ڤ گ) -> their Arabic-list equivalents; Arabic-Indic digits -> 0-9. An
  apostrophe (' ’ ʿ ʾ `) between two letters is removed ("Sha'er" -> "shaer"); elsewhere it and
  every other punctuation mark (slashes, dots, brackets, hyphens) become a space.
* ``name_tokens``: the normalised words in order, with compounds joined so that the written
  joined and written split forms are one token: the article (ال X, al-X, el X, ash-Sh... ->
  one token), عبد/Abd/Abdel/Abdul X, ابو/Abu/Abou X, ام/Umm X (anywhere in the name: ام is
  never a given name, and "ام X" is the kunya "mother of X" wherever it stands), and the
  theophoric second parts الدين, الله, الاسلام (صلاح الدين -> صلاحالدين, Nour al-Din ->
  nouraldin). The particles بن/ابن/بنت/bin/ibn/bint/ben/bent between two names are dropped
  (lists give the father's name with or without them); as the FIRST word they are kept, since
  "ابن محمد" is a kinship description (son of Muhammad), not the name Muhammad. Words made
  only of digits are not names and are left out.
* ``token_key``: a cross-script consonant skeleton in ASCII, so that محمد, Mohammed, Muhammad
  and Mohamad share a key. Arabic letters map straight onto a small Latin alphabet (ح ه خ -> h,
  ق ك -> k, ذ ز ظ -> z, س ص -> s, ت ط -> t, د ض -> d, ث -> th, ش -> sh, غ -> g, ع and alef
  -> vowels); Latin spellings fold onto the same alphabet (kh -> h, gh -> g, q -> k, c -> s
  before e/i/y else k, ch -> sh, ph -> f, p -> b, v -> f, an initial dh -> z). Then, in both
  scripts: an initial vowel becomes the marker "a", later vowels and w/y are dropped, doubled
  letters collapse, and the endings written every which way go: a final ه/ح in Arabic (the ة,
  and -ح that Latin writes -ah, -eh, -ouh), a final vowel+h in Latin, a final h after two
  consonants in both. The article is dropped at the start when what follows is long enough to
  be a name on its own (two consonants besides w/y, a final h and a theophoric ending: so
  Alaa, Ali, Elias, Alaa al-Din keep their "al"), tested the same way in both scripts; before
  الدين / الله / الاسلام; and after ابو / عبد. ابو X and عبد X key as "ab" / "abd" + the key
  of X. A ة closing the first part of a joined compound goes too (Hibatullah, Fatimah al-Zahra).
  Measured on ~5,250 aligned English/Arabic name tokens of a real casualty list, 97.6% of the
  pairs get the same key; most of the rest are different names, not different spellings.

``variant_tokens`` (with ``variants_frame`` and ``name_variants_many``) gives ``name_variants``
of millions of names at once, each distinct word normalised once, with the same results.

What keys cannot separate (the matching engine must also score the text): names whose
consonants are the same, e.g. حسن / حسان / حسنين (hsn), حامد / حمد / حميد / حمدي (hmd),
سالم / سليم / سلمى (slm), صالح / صلاح (sl), علا / علاء / عالية (al). A short table of very
common names overrides the skeleton where it would merge two frequent, different names
(محمد / محمود, حسن / حسين, علي / علا, عمر / عمار): see ``_LEXICON``; its keys keep a vowel or
w/y, so they can never equal a skeleton. Known misses: Latin g (ج, ق or غ alike: Gamal, Agel)
keys as غ (but a short table, ``_LATIN_ALIASES``, reads the common Egyptian Gamal, Magdy,
Ragab... as ج, and Iraqi Kadhim, Ramadhan... as ظ / ض); a ذ written dh inside a word
(Nadhir) or written d (Diab).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "Variants",
    "alternates",
    "bare_key",
    "fold_arabic_key",
    "kunya",
    "name_keys",
    "name_tokens",
    "name_variants",
    "name_variants_many",
    "normalise_name",
    "normalise_names",
    "normalize_arabic",
    "normalize_latin",
    "script",
    "token_key",
    "variant_tokens",
    "variants_frame",
]

# ---------------------------------------------------------------------------------------------
# Character classes

# Removed outright: Quranic marks, harakat/tanwin/shadda/sukun, superscript alef, Quranic
# annotation signs, tatweel, and invisible format characters (bidi marks, ZWJ/ZWNJ, BOM).
_DELETE = (
    [chr(c) for c in range(0x0610, 0x061B)]
    + [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670", "\u0640", "\u061c", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f"]
    + [chr(c) for c in range(0x06D6, 0x06EE) if c not in (0x06E5, 0x06E6)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\ufeff", "\u00ad"]  # BOM, soft hyphen
)

# fmt: off
_LETTER_MAP = {
    # alef forms
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا", "ٵ": "ا",
    # hamza seats, taa marbuta, alef maqsura
    "ؤ": "و", "ٶ": "و", "ئ": "ي", "ٸ": "ي", "ة": "ه", "ۃ": "ه", "ى": "ي",
    # Persian / Urdu / Kurdish forms
    "ک": "ك", "ڪ": "ك", "گ": "ك", "ی": "ي", "ې": "ي", "ێ": "ي", "ے": "ي",
    "ہ": "ه", "ھ": "ه", "ۀ": "ه", "ە": "ه", "ۂ": "ه",
    "پ": "ب", "چ": "ج", "ژ": "ز", "ڤ": "ف", "ڨ": "ق", "ۆ": "و", "ۇ": "و", "ۋ": "و",
    "ٹ": "ت", "ڈ": "د", "ڑ": "ر", "ں": "ن",
    # Latin letters NFKD does not take apart
    "ı": "i", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "æ": "ae", "œ": "oe",
    "ß": "ss", "þ": "th", "ŧ": "t",
    # scholarly transliteration: one letter for an Arabic consonant -> the usual digraph
    "ṯ": "th", "ḏ": "dh", "š": "sh", "ḫ": "kh", "ẖ": "kh", "ǧ": "j", "ġ": "gh", "č": "ch",
    "ž": "zh", "ẓ": "z", "ḍ": "d", "ṣ": "s", "ṭ": "t", "ḥ": "h",
}
for _d, _c in zip("٠١٢٣٤٥٦٧٨٩", "0123456789", strict=True):
    _LETTER_MAP[_d] = _c
for _d, _c in zip("۰۱۲۳۴۵۶۷۸۹", "0123456789", strict=True):
    _LETTER_MAP[_d] = _c
# fmt: on
_LETTER_MAP.update(dict.fromkeys(_DELETE, ""))
for _upper in "ṮḎŠḪẖǦĠČŽẒḌṢṬḤØĐÐŁĦÆŒÞŦ":
    _LETTER_MAP.setdefault(_upper, _LETTER_MAP.get(_upper.lower(), _upper.lower()))
_TRANS = str.maketrans(_LETTER_MAP)

_APOSTROPHES = "'’‘ʿʾ`´ʼʻ′‛ʹ"
# an apostrophe between two letters vanishes (Sha'er); anything else not a letter or digit,
# apostrophes included, is a space
_APOS_INNER = re.compile(rf"(?<=[^\W\d_{_APOSTROPHES}])[{_APOSTROPHES}]+(?=[^\W\d_{_APOSTROPHES}])")
_NON_WORD = re.compile(rf"[\W_{_APOSTROPHES}]+")
_TOKEN_CHARS = re.compile(r"[^\W_]+")  # runs of letters and digits
# every mark NFKD splits off (accents, harakat, hamza above and below, maddah...)
_MARKS = dict.fromkeys(
    (c for c in range(0x20000) if unicodedata.category(chr(c)) in ("Mn", "Me")), None
)


def _normalise_slow(text: str) -> str:
    # letters first mapped on the composed text (so ṯ, أ, ؤ are seen whole), then decomposed
    s = unicodedata.normalize("NFKC", text).translate(_TRANS)
    s = unicodedata.normalize("NFKD", s).translate(_MARKS)
    s = s.casefold().translate(_TRANS)
    s = unicodedata.normalize("NFKD", s).translate(_MARKS).translate(_TRANS)
    s = _NON_WORD.sub(" ", _APOS_INNER.sub("", s))
    return " ".join(s.split())


# characters that are their own normal form: text made only of them needs no work
_CLEAN = frozenset(
    ch
    for ch in map(chr, [*range(0x20, 0x7F), *range(0x0600, 0x0700)])
    if ch == " " or _normalise_slow(ch) == ch
)


def _normalise(text: Any) -> str:
    """The one normaliser behind normalize_arabic and normalize_latin."""
    if not isinstance(text, str):
        if text is None or (isinstance(text, float) and text != text):
            return ""
        text = str(text)
    if _CLEAN.issuperset(text):
        return " ".join(text.split())
    if text.isascii():
        return " ".join(_NON_WORD.sub(" ", _APOS_INNER.sub("", text.lower())).split())
    return _normalise_slow(text)


def normalize_arabic(text: Any) -> str:
    """Normalised text of a name in Arabic script (Latin letters in it are normalised too)."""
    return _normalise(text)


def normalize_latin(text: Any) -> str:
    """Normalised text of a name in Latin script (Arabic letters in it are normalised too)."""
    return _normalise(text)


normalise_name = _normalise


_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LETTER = re.compile(r"[^\W\d_]")


def script(text: Any) -> str:
    """ "arabic", "latin" (any non-Arabic letters), "mixed" (both) or "" (no letters)."""
    if not isinstance(text, str):
        return ""
    letters = "".join(_LETTER.findall(text))
    if not letters:
        return ""
    rest = _ARABIC_LETTER.sub("", letters)
    if not rest:
        return "arabic"
    return "mixed" if len(rest) < len(letters) else "latin"


# ---------------------------------------------------------------------------------------------
# Tokens

_AR_ARTICLE = "ال"
_LAT_ARTICLES = frozenset({"al", "el", "il", "ul"})
# sun-letter spellings of the article, accepted only before a word starting with the same letter(s)
# fmt: off
_LAT_SUN = {
    "ad": "d", "adh": "dh", "an": "n", "ar": "r", "as": "s", "ash": "sh", "at": "t",
    "ath": "th", "az": "z", "ed": "d", "en": "n", "er": "r", "es": "s", "esh": "sh",
    "et": "t", "ez": "z", "ud": "d", "un": "n", "ur": "r", "us": "s", "ut": "t", "uz": "z",
}
# fmt: on
_AR_PARTICLES = frozenset({"بن", "ابن", "بنت"})
_LAT_PARTICLES = frozenset({"bin", "ibn", "bint", "ben", "bent", "ebn", "ibnu"})
_AR_PREFIXES = frozenset({"عبد", "ابو", "ام"})
_LAT_ABD = frozenset({"abd", "abdel", "abdul", "abdal", "abdil", "abdol", "abdoul", "abdl"})
_LAT_ABU = frozenset({"abu", "abou", "abo", "aboo", "abul", "aboul", "abol"})
_LAT_UMM = frozenset({"umm", "um", "oum", "omm", "om", "oumm"})
_AR_KUNYA = frozenset({"ابو", "ام"})
_AR_SECOND = frozenset({"الدين", "الله", "الاسلام", "بالله"})
_LAT_SECOND = re.compile(
    r"^(?:(?:al|el|ul|il|ed|ad|ud|id|e|u|a|i)?d(?:i|ee|ie|ea|ei)ne?"
    r"|(?:al|el|ul|il|a|u|e|i|bi)ll?ah?|(?:al|el|ul)?islam)$"
)
# compound given names whose second part is an ordinary word: joined only after this first part
_PAIRS = re.compile(
    r"^(?:نور الهدي|فاطمه الزهراء?|(?:nour|noor|nur) (?:al|el)h(?:ou|u|o)da"
    r"|(?:fatima|fatimah|fatma) (?:al|el)zahraa?)$"
)


def _split(text: str) -> list[str]:
    return _TOKEN_CHARS.findall(_normalise(text))


# Lists sometimes lose the space between a common given name and an article-led family name
# (محمدالزيناتي): such a word is split back. Only these names, never نور (نور الايمان is one
# compound name) and never before a theophoric second part.
_GLUED = re.compile(
    "^(محمد|احمد|محمود|مصطفي|علي|حسن|حسين|خالد|ابراهيم|يوسف|عمر|سعيد|سالم|صالح|طاهر|زكي"
    "|سمير|عادل|فتحي|عيسي|موسي|اسماعيل|سليمان|خليل|ناصر|رمضان|جميل|كمال|عاطف|ياسر)(ال...+)$"
)


def _unglue(word: str) -> tuple[str, ...]:
    m = _GLUED.match(word)
    if m and not m.group(2).endswith(tuple(_AR_SECOND)):
        return m.group(1), m.group(2)
    return (word,)


def _join_articles(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if nxt and (w == _AR_ARTICLE or w in _LAT_ARTICLES) and _same_script(w, nxt):
            out.append(("ال" if w == _AR_ARTICLE else "al") + nxt)
            i += 2
        elif nxt and w in _LAT_SUN and nxt.startswith(_LAT_SUN[w]) and len(nxt) > 2:
            out.append("al" + nxt)
            i += 2
        else:
            out.append(w)
            i += 1
    return out


def _same_script(a: str, b: str) -> bool:
    return (_ARABIC_LETTER.search(a) is None) == (_ARABIC_LETTER.search(b) is None)


def _is_prefix(w: str) -> bool:
    return w in _AR_PREFIXES or w in _LAT_ABD or w in _LAT_ABU or w in _LAT_UMM


_LAT_JOINED_ABD = re.compile(r"^abd(?:e|u|i|o|ou)l(?=[a-z]{2})")
_LAT_JOINED_ABU = re.compile(r"^ab(?:ou|oo)(?=[a-z]{2})")


def _canonical_prefix(w: str) -> str:
    """One spelling per Latin prefix, so Abdel Rahman and Abd al-Rahman give one token."""
    if w in _LAT_ABD:
        return "abdal" if w.endswith("l") else "abd"
    if w in _LAT_ABU:
        return "abual" if w.endswith("l") else "abu"
    if w in _LAT_UMM:
        return "umm"
    return w


def name_tokens(text: Any) -> list[str]:
    """The normalised words of a name in order, compounds joined (see the module docstring)."""
    words = _split(text) if isinstance(text, str) else _split(_normalise(text))
    # particles between names (never the first word: "ابن X" is a kinship description)
    words = [
        w
        for i, w in enumerate(words)
        if not (0 < i < len(words) - 1 and (w in _AR_PARTICLES or w in _LAT_PARTICLES))
    ]
    words = [p for w in words if not w.isdigit() for p in _unglue(w)]  # numbers are not names
    return _join_words(words)


def _join_words(words: list[str]) -> list[str]:
    """The tokens of a name's words (particles and numbers already out): compounds joined."""
    words = _join_articles(words)
    # theophoric second parts join the word before them
    joined: list[str] = []
    for w in words:
        if (
            joined
            and _same_script(joined[-1], w)
            and (
                (
                    (w in _AR_SECOND or _LAT_SECOND.match(w))
                    and not _is_prefix(joined[-1])
                    and not joined[-1].isdigit()
                )
                or _PAIRS.match(joined[-1] + " " + w)
            )
        ):
            joined[-1] += w
        else:
            joined.append(w)
    # prefixes join the word after them, right to left so that ابو عبد الله is one token
    out: list[str] = []
    for w in reversed(joined):
        if out and _is_prefix(w) and _same_script(w, out[-1]):
            prefix = _canonical_prefix(w)
            rest = out[-1]
            if prefix.endswith("al") and rest.startswith("al"):
                rest = rest[2:]
            out[-1] = prefix + rest
        else:
            out.append(w)
    out.reverse()
    # the same spelling for a prefix the writer joined (Abdelrahman, Abourida)
    return [_LAT_JOINED_ABD.sub("abdal", _LAT_JOINED_ABU.sub("abu", w)) for w in out]


# ---------------------------------------------------------------------------------------------
# Alternates (kunya after a backtick, nickname in brackets, ".." or ";" separated forms)

_BRACKETS = re.compile(r"[(\[{]([^()\[\]{}]*)[)\]}]")
# a backtick between two letters is an apostrophe (Sha`er), elsewhere it opens a kunya
_ALT_ANY = re.compile(r"(?<!\w)`|`(?!\w)|[()\[\]{};|…]|\.\.|\s/\s")
_ALT_SEPARATORS = re.compile(r"(?<!\w)`|`(?!\w)|\.\.+|[;|…()\[\]{}]|\s/\s")
_TRAILING_KUNYA = frozenset({"ام", "umm", "um", "oum", "omm"})


def _wordy(part: str) -> bool:
    """A part worth keeping as a name: two letters at least ("d.. X" is a stray letter)."""
    return len(_LETTER.findall(part)) >= 2


def alternates(text: Any) -> list[str]:
    """The main name (bracketed parts removed, text before a backtick) first, then its alternates.

    "محمد (حمادة) علي" -> ["محمد علي", "حمادة"]; "نظمي أبو حدايد `أبو عدي" -> ["نظمي أبو
    حدايد", "أبو عدي"]; "X.. Umm Jihad" -> ["X", "Umm Jihad"]. A bracket left open starts an
    alternate too. A trailing kunya "ام X" / "Umm X" after at least two names is split off
    (a trailing "ابو X" is not: it is usually the family name). Texts are returned as written
    (stripped), empty parts dropped, duplicates removed.
    """
    if not isinstance(text, str):
        text = _normalise(text)
    result: list[str] = []
    if _ALT_ANY.search(text):
        brackets = _BRACKETS.findall(text)
        parts = [p for p in _ALT_SEPARATORS.split(_BRACKETS.sub(" ", text)) if _wordy(p)]
        for p in [*parts[:1], *brackets, *parts[1:]]:
            p = " ".join(p.split())
            if p not in result and _wordy(p):
                result.append(p)
    else:
        p = " ".join(text.split())
        if p and _normalise(p):
            result.append(p)
    if result and ("م" in result[0] or "m" in result[0].lower()):
        words = result[0].split()
        if len(words) >= 4 and _normalise(words[-2]) in _TRAILING_KUNYA:
            main, kun = " ".join(words[:-2]), " ".join(words[-2:])
            result[0:1] = [main, kun] if kun not in result else [main]
    return result


def name_variants(text: Any) -> list[list[str]]:
    """Token lists to compare for one name: the main name first, then each alternate."""
    out: list[list[str]] = []
    for alt in alternates(text):
        toks = name_tokens(alt)
        if toks and toks not in out:
            out.append(toks)
    return out


def kunya(text: Any) -> bool:
    """True when the name as a whole is a kunya: ابو X / ام X / Abu X / Umm X (with nisbas)."""
    words = _split(text) if isinstance(text, str) else []
    if len(words) < 2:
        return False
    first = words[0]
    if not (first in _AR_KUNYA or first in _LAT_ABU or first in _LAT_UMM):
        return False
    # after the kunya only nisbas (article words) may follow: Abu Ibrahim al-Hashimi al-Qurashi
    toks = name_tokens(text)
    return all(t.startswith(("ال", "al")) for t in toks[1:])


# ---------------------------------------------------------------------------------------------
# Cross-script keys

# fmt: off
# Arabic letters straight into the key alphabet (خ -> h and غ -> g, as Latin kh and gh fold).
_AR_TRANSLIT = {
    "ا": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "h", "د": "d",
    "ذ": "z", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t",
    "ظ": "z", "ع": "a", "غ": "g", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m",
    "ن": "n", "ه": "h", "و": "w", "ي": "y",
}
# Latin spellings folded onto that alphabet, in this order.
_LATIN_FOLDS = (
    ("sch", "sh"), ("tch", "ch"), ("ch", "sh"), ("kh", "h"), ("gh", "g"), ("ph", "f"),
    ("ck", "k"), ("dj", "j"), ("q", "k"), ("x", "ks"), ("p", "b"), ("v", "f"),
)
# fmt: on
_LATIN_C = re.compile(r"c(?=[eiy])")
_LATIN_FINAL_H = re.compile(r"(?<=[a-z][aeiou])h$")
_VOWELS = frozenset("aeiou")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_SEMI = frozenset("wy")
_RUNS = re.compile(r"[\u0600-\u06ff]+|[a-z]+")


# a ة where two words were joined: فاطمه|الزهرا, هبه|الله (Latin Fatimah al-, Hibat Allah)
_AR_JOINT_TA = re.compile(r"(?<=..)ه(?=ال(?:...|له$))")
_LAT_JOINT_TA = re.compile(
    r"(?<=...[aeiou])h(?=[ae]l(?!d(?:i|ee|ie|ea|ei)ne?$|islam$|l?ah?$)...)"  # not Salah al-Din
    r"|(?<=..[aeiou])t(?=[aeiu]ll?ah$)"
)


def _latin_run(s: str) -> str:
    s = _LATIN_FINAL_H.sub("", s)  # -ah, -eh: the ة ending
    s = _LATIN_C.sub("s", s)
    if s.startswith("dh"):  # an initial dh is ذ or ظ (Dhaher, Dhiab); inside, often د+ه (Adham)
        s = "z" + s[2:]
    for a, b in _LATIN_FOLDS:
        if a in s:
            s = s.replace(a, b)
    return s.replace("c", "k")


def _arabic_run(s: str) -> str:
    if len(s) >= 3 and s[-1] in "هح":  # the ة ending; a final ح Latin writes -ah, -eh, -ouh
        s = s[:-1]
    return "".join(_AR_TRANSLIT.get(ch, "") for ch in s)


def _latinish(token: str) -> str:
    """A token's letters in the key alphabet (before vowels are dropped); others dropped."""
    parts = []
    for run in _RUNS.findall(token):
        parts.append(_latin_run(run) if "a" <= run[0] <= "z" else _arabic_run(run))
    return "".join(parts)


def _consonants(s: str, marker: bool = True) -> str:
    """The skeleton of a key-alphabet string: vowels and w/y dropped, doubles collapsed."""
    if not s:
        return ""
    out: list[str] = []
    marked = 0
    if s[0] in _VOWELS:
        if marker:
            out.append("a")
            marked = 1
    else:
        out.append(s[0])
    for ch in s[1:]:
        if ch in _VOWELS or ch in _SEMI:
            continue
        if out and out[-1] == ch:
            continue
        out.append(ch)
    # a final h after two consonants is a ح or ه nobody writes alike (Saleh, Farah)
    if out and out[-1] == "h" and len(out) - marked >= 3:
        out.pop()
    return "".join(out)


def _strong(token: str) -> int:
    """How many consonants a token has, leading w/y and a final h aside (the article test)."""
    c = _consonants(_latinish(token), marker=False).lstrip("wy")
    return len(c[:-1] if c.endswith("h") else c)


_THEOPHORIC_END = re.compile(r"(?:دين|له|اسلام|d(?:i|ee|ie|ea|ei)ne?|ll?ah?|islam)$")


def _article_strippable(rest: str) -> bool:
    """Whether what follows an initial al / ال can be a name on its own: two consonants, not
    counting a theophoric ending (so the "al" of Alaa, Ali, Elias, Alaa al-Din stays)."""
    return _strong(_THEOPHORIC_END.sub("", rest)) >= 2


_LAT_SECOND_JOINT = re.compile(
    r"(?<=[a-z]{2})(?:al|el|ul|il)(?=(?:d(?:i|ee|ie|ea|ei)ne?|ll?ah?|islam)$)"
)
_AR_SECOND_JOINT = re.compile(r"(?<=..)ال(?=(?:دين|له|اسلام)$)")


def _strip_article(token: str) -> str:
    """The token without its article: before a theophoric second part, then at the start
    (and without the ة ending a first part before an article: فاطمه|الزهرا, هبه|الله)."""
    token = _LAT_JOINT_TA.sub("", _AR_JOINT_TA.sub("", token))
    token = _AR_SECOND_JOINT.sub("", token)
    token = _LAT_SECOND_JOINT.sub("", token)
    if token[:2] in ("ال", "al", "el") and len(token) > 3 and _article_strippable(token[2:]):
        token = token[2:]
    return token


_LAT_ABU_RE = re.compile(r"^(?:abu|abou|aboo)(?=[a-z]{2})|^abo(?=[a-z]{2})")
_LAT_ABD_RE = re.compile(r"^abd(?:([aeiou]l)|[aeiou](?=([b-df-hj-np-tv-z])\2))?")
_HAS_CONSONANT = re.compile(r"[b-df-hj-np-tv-xz]")


def _split_compound(t: str) -> tuple[str, str]:
    """("ab" | "abd", the rest with its article removed) for ابو / عبد compounds, else ("", t)."""
    if t.startswith("ابو") and len(t) >= 5:
        prefix, rest = "ab", t[3:]
    elif t.startswith("عبد") and (len(t) >= 6 or t[3:5] == "ال"):
        prefix, rest = "abd", t[3:]
    elif (m := _LAT_ABU_RE.match(t)) and (t[2] == "u" or _strong(t[3:]) >= 2):
        prefix, rest = "ab", t[m.end() :]
    elif (
        (m := _LAT_ABD_RE.match(t))
        and len(t) - m.end() >= 2
        and (m.group(1) or m.group(2) or t[m.end()] not in _VOWELS or _strong(t[m.end() :]) >= 2)
    ):
        return "abd", t[m.end() :]  # the Latin link (el, ul, al, ur...) was the article
    else:
        return "", t
    arabic_article = rest.startswith("ال") and len(rest) >= 4
    if arabic_article or (rest.startswith(("al", "el")) and _HAS_CONSONANT.search(rest[2:])):
        rest = rest[2:]
    return prefix, rest


# Very common names that the skeleton would merge with another very common name. Each entry:
# key, the Arabic spellings (normalised), and a pattern for the Latin spellings (normalised).
_LEXICON: tuple[tuple[str, frozenset[str], re.Pattern[str]], ...] = (
    ("mhmwd", frozenset({"محمود"}), re.compile(r"^m[aeou]?hm(?:ou|oo|u|o|ue|oue)d$")),
    ("hsyn", frozenset({"حسين"}), re.compile(r"^h[ou]s+(?:e[iy]|a[iy]|ie|i|ee|ey|e)n$")),
    ("aly", frozenset({"علي"}), re.compile(r"^(?:al[iy]|alee|alie)$")),
    ("amar", frozenset({"عمار"}), re.compile(r"^am+a+r$")),
    ("th", frozenset({"طه"}), re.compile(r"^t[aw]?ha$")),
    ("lh", frozenset({"الله", "له"}), re.compile(r"^(?:[aeiu]?l)?lah?$")),
    ("mhmd", frozenset({"محمد"}), re.compile(r"^(?:moh|mohd|mhd|mhmd|muhd|mohamd|mohmd|mhamed)$")),
)


# Latin spellings the folding rules get wrong, read as the Arabic name they spell: a dh inside
# a word standing for ظ/ض (Iraqi and Gulf usage: Kadhim, Ramadhan), and an Egyptian g for ج.
_LATIN_ALIASES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (arabic, re.compile(pattern))
    for arabic, pattern in (
        ("كاظم", r"^kadh[ie]m$"),
        ("ناظم", r"^nadh[ie]m$"),
        ("حافظ", r"^haf[ie]dh$"),
        ("محفوظ", r"^mahf(?:ou|u|oo)dh$"),
        ("عظيم", r"^adh[ie]e?m$"),
        ("فاضل", r"^fadh[ie]l$"),
        ("رمضان", r"^ramadhan$"),
        ("جمال", r"^gamal$"),
        ("جميل", r"^gam[ie]e?l$"),
        ("جميله", r"^gam[ie]e?la$"),
        ("مجدي", r"^magd[iy]$"),
        ("ماجد", r"^mag[ie]d$"),
        ("ماجده", r"^magda$"),
        ("رجب", r"^ragab$"),
        ("جمعه", r"^gom(?:a|aa|ah|ha)$"),
        ("حجازي", r"^hegaz[iy]$"),
        ("جلال", r"^galal$"),
        ("جهاد", r"^gehad$"),
        ("جواد", r"^gawad$"),
        ("نجلاء", r"^naglaa?$"),
    )
)


def token_key(token: Any) -> str:
    """The cross-script key of one token (ASCII lowercase; "" when it has no letters)."""
    if not isinstance(token, str):
        return ""
    return _token_key(token)


@lru_cache(maxsize=1 << 17)
def _token_key(token: str) -> str:
    t = "".join(_split(token))
    if not t:
        return ""
    for key, spellings, latin in _LEXICON:
        if t in spellings or latin.match(t):
            return key
    if t[0] in _ASCII_LETTERS:
        for arabic, pattern in _LATIN_ALIASES:
            if pattern.match(t):
                return _token_key(arabic)
    prefix, rest = _split_compound(t)
    if prefix:
        return prefix + _token_key(rest)
    return _consonants(_latinish(_strip_article(t)))


def bare_key(token: Any) -> str:
    """The key without a leading ابو / Abu (a family name written with or without it), or
    without a leading Umm; other tokens keep their key. (An Arabic ام is not taken off: امين and
    امجد would lose their first letters.)"""
    if not isinstance(token, str):
        return ""
    t = "".join(_split(token))
    prefix, rest = _split_compound(t)
    if prefix == "ab":
        return _token_key(rest)
    m = re.match(r"^(?:umm|oumm|omm)(?=[a-z]{2})", t)
    return _token_key(t[m.end() :] if m else t)


def fold_arabic_key(token: Any) -> str:
    """A loose same-script key: the article, the hamza ء, a final ه / ا / ي (4+ letters) dropped."""
    if not isinstance(token, str):
        return ""
    t = "".join(_split(token)).replace("ء", "")
    if t.startswith("ال") and len(t) > 3:
        t = t[2:]
    if len(t) >= 4 and t[-1] in "هاي":
        t = t[:-1]
    return t


def name_keys(text: Any) -> list[str]:
    """The key of every token of the main name (see ``alternates``), in order: one per token,
    "" for a token with no Arabic or Latin letter (a name in another script)."""
    variants = name_variants(text)
    if not variants:
        return []
    return [token_key(t) for t in variants[0]]


# ---------------------------------------------------------------------------------------------
# Vectorised


_Row = tuple[str, tuple[str, ...], tuple[str, ...], str, tuple[tuple[str, ...], ...]]


def _row(text: str) -> _Row:
    variants = name_variants(text)
    main = tuple(variants[0]) if variants else ()
    keys = tuple(token_key(t) for t in main)
    return (
        _normalise(text),
        main,
        keys,
        script(text),
        tuple(tuple(v) for v in variants),
    )


NAME_COLUMNS = ("name_norm", "tokens", "keys", "script", "variants")


def normalise_names(series: pd.Series | Iterable[Any]) -> pd.DataFrame:
    """Normalise a column of names, each distinct value once.

    Returns a frame on the series' index with columns
      name_norm  str              the normalised text of the whole cell
      tokens     tuple[str, ...]  the tokens of the main name (alternates removed)
      keys       tuple[str, ...]  the cross-script key of each of those tokens (same length)
      script     str              "arabic" | "latin" | "mixed" | ""
      variants   tuple[tuple[str, ...], ...]  the token lists of the main name and alternates
    """
    if not isinstance(series, pd.Series):
        series = pd.Series(list(series), dtype=object)
    values = series.astype(object).where(series.notna(), "")
    codes, uniques = pd.factorize(values, sort=False)
    rows = [_row(u if isinstance(u, str) else str(u)) for u in uniques]
    cols: dict[str, list[Any]] = {c: [r[i] for r in rows] for i, c in enumerate(NAME_COLUMNS)}
    out = {}
    for c in NAME_COLUMNS:
        arr = pd.Series(cols[c] + [("" if c in ("name_norm", "script") else ())], dtype=object)
        out[c] = arr.to_numpy()[codes].tolist() if len(codes) else []
    return pd.DataFrame(out, index=series.index, columns=list(NAME_COLUMNS))


# ---------------------------------------------------------------------------------------------
# Many names at once
#
# ``variant_tokens`` gives what ``name_variants`` gives for every text, in bulk: national lists
# hold millions of distinct names built from a few tens of thousands of distinct words. Texts
# are split on whitespace by pyarrow; each distinct raw word is normalised once; particles
# between names, numbers and glued names are handled on arrays; the joining rules
# (``_join_words``) run once per distinct run of neighbouring words a rule may join (a
# "segment": "عبد الله", "ابو X", "ال دين"), and a word that no rule joins is its own token.
# Texts with alternates or a trailing kunya (rare) take ``name_variants`` itself.
#
# Why this is exact. Normalisation works word by word: nothing in it reaches across
# whitespace (no composition starts at a space, the apostrophe rule needs letters on both
# sides). Joins work segment by segment: two neighbouring words w1 w2 fall in different
# segments only when w1 joins nothing after it (_joins_next), w2 is no theophoric second
# part (_is_second) and w2 is no article making one with the word after it; then no rule
# joins across them, and no rule's choice on one side depends on the other (a token made
# by an article or theophoric join never equals a prefix, an article or a name of
# _PAIR_FIRSTS; one made by a prefix join is not looked at again). The tests compare both
# paths on invented names, random token sequences and arbitrary text.

_PAIR_FIRSTS = frozenset({"نور", "فاطمه", "nour", "noor", "nur", "fatima", "fatimah", "fatma"})


def _joins_next(w: str) -> bool:
    """Whether ``_join_words`` may join a word with the word after it (article, prefix)."""
    return (
        w == _AR_ARTICLE
        or w in _LAT_ARTICLES
        or w in _LAT_SUN
        or _is_prefix(w)
        or w in _PAIR_FIRSTS
    )


def _is_second(w: str) -> bool:
    """Whether a word is a theophoric second part, joined to the word before it."""
    return w in _AR_SECOND or _LAT_SECOND.match(w) is not None


def _article_in(w: str) -> bool:
    """Whether a word may be an article joined to the word after it (ال, al, el, ash...)."""
    return w == _AR_ARTICLE or w in _LAT_ARTICLES or w in _LAT_SUN


def _second_after_article(w: str) -> bool:
    """Whether a word after an article makes a theophoric second part (ال دين, el din)."""
    return _is_second(_AR_ARTICLE + w) or _is_second("al" + w)


def _final_spelling(w: str) -> str:
    return _LAT_JOINED_ABD.sub("abdal", _LAT_JOINED_ABU.sub("abu", w))


# whitespace other than the space (str.split splits on it too), as an RE2 class for pyarrow
_OTHER_SPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace() and c != " ")
_OTHER_SPACE_RE2 = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _OTHER_SPACE) + "]"
# texts that need a look in Python: a character every match of _ALT_ANY holds, or whitespace
# other than the space
_LOOK_RE2 = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in "`()[]{};|…./" + _OTHER_SPACE) + "]"
_SURROGATE = re.compile("[\ud800-\udfff]")
_OTHER_SPACE_RE = re.compile("[" + re.escape(_OTHER_SPACE) + "]")
_CHUNK = 200_000  # texts per chunk: bounds the memory of the word lists


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The concatenation of the ranges [start, start + count), as one int64 array."""
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    before = np.cumsum(counts) - counts
    return np.repeat(starts.astype(np.int64) - before, counts) + np.arange(total, dtype=np.int64)


_FACTS = ("particle", "joins_next", "second", "article", "second_after_article")


class _Words:
    """Every string met (raw words' parts, words, tokens) with an id, and per-id facts."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.text: list[str] = []
        # raw words (as split on whitespace): id, and per raw id its parts (ids of what _split
        # gives, offsets into raw_flat) and whether it is a kunya word (ام, umm...)
        self.raw: dict[str, int] = {}
        self._raw_len: list[int] = []
        self._raw_flat: list[int] = []
        self._raw_kunya: list[bool] = []
        self.segments: dict[tuple[int, ...], tuple[int, ...]] = {}  # word ids -> token ids
        self._done = 0
        self._arrays: dict[str, np.ndarray] = {}  # facts() as arrays, while no id is added

    def id(self, w: str) -> int:
        i = self.ids.get(w)
        if i is None:
            i = self.ids[w] = len(self.text)
            self.text.append(w)
        return i

    def raw_ids(self, raw: list[str]) -> np.ndarray:
        """The raw id of every raw word, new ones added."""
        ids = self.raw
        codes = np.fromiter(map(ids.get, raw, repeat(-1)), np.int64, len(raw))
        missing = np.flatnonzero(codes < 0).tolist()
        if missing:
            for w in dict.fromkeys(raw[i] for i in missing):
                norm = _normalise(w)
                parts = [self.id(p) for p in _TOKEN_CHARS.findall(norm)]
                ids[w] = len(self._raw_len)
                self._raw_len.append(len(parts))
                self._raw_flat.extend(parts)
                self._raw_kunya.append(norm in _TRAILING_KUNYA)
            codes[missing] = np.fromiter((ids[raw[i]] for i in missing), np.int64, len(missing))
        return codes

    def raw_facts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per raw id: kunya word, number of parts, offset of its parts in the flat ids."""
        lens = np.asarray(self._raw_len, np.int64)
        return (
            np.asarray(self._raw_kunya, bool),
            lens,
            np.cumsum(lens) - lens,
            np.asarray(self._raw_flat, np.int64),
        )

    def facts(self) -> dict[str, np.ndarray]:
        """Per id so far: particle, joins_next, second, article, second_after_article, final
        (id of the final spelling), and the parts left once numbers go and glued names are
        split (exp_off: offsets into exp_flat)."""
        start = self._done
        if start == len(self.text) and self._arrays:
            return self._arrays
        facts: list[tuple[bool, bool, bool, bool, bool]] = []
        final: list[int] = []
        exp: list[tuple[int, ...]] = []
        while self._done < len(self.text):
            w = self.text[self._done]
            facts.append(
                (
                    w in _AR_PARTICLES or w in _LAT_PARTICLES,
                    _joins_next(w),
                    _is_second(w),
                    _article_in(w),
                    _second_after_article(w),
                )
            )
            final.append(self.id(_final_spelling(w)))
            exp.append(() if w.isdigit() else tuple(self.id(p) for p in _unglue(w)))
            self._done += 1
        flags = np.asarray(facts, bool).reshape(-1, 5)
        lens = np.fromiter(map(len, exp), np.int64, len(exp))
        new = {name: flags[:, k] for k, name in enumerate(_FACTS)}
        new["final"] = np.asarray(final, np.int64)
        new["exp_flat"] = np.fromiter((i for e in exp for i in e), np.int64, int(lens.sum()))
        if not self._arrays:
            self._arrays = {"exp_off": np.zeros(1, np.int64)}
            self._arrays.update({k: v[:0] for k, v in new.items()})
        old = self._arrays
        out = {k: np.concatenate([old[k], new[k]]) for k in new}
        out["exp_off"] = np.concatenate([old["exp_off"], old["exp_off"][-1] + np.cumsum(lens)])
        self._arrays = out
        return out

    def segment(self, ids: tuple[int, ...]) -> tuple[int, ...]:
        got = self.segments.get(ids)
        if got is None:
            toks = _join_words([self.text[i] for i in ids])
            got = self.segments[ids] = tuple(self.id(t) for t in toks)
        return got


def _row_codes(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row, first row of each code) for an int matrix; equal rows, equal codes."""
    code = np.zeros(len(mat), np.int64)
    for j in range(mat.shape[1]):
        code, _ = pd.factorize(code * (int(mat[:, j].max(initial=0)) + 2) + mat[:, j] + 1)
        code = code.astype(np.int64)
    _, first = np.unique(code, return_index=True)
    return code, first


def _fast_chunk(texts: pa.Array, words: _Words) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Token ids of the main name of every text without alternates, as (text index, token id)
    arrays in order; and the indices of the texts that need ``name_variants`` itself."""
    n = len(texts)
    slow = np.zeros(n, bool)
    look = np.flatnonzero(pc.match_substring_regex(texts, _LOOK_RE2).to_numpy(False))
    if len(look):
        other_space = False
        for i, t in zip(look.tolist(), texts.take(pa.array(look)).to_pylist(), strict=True):
            if _ALT_ANY.search(t):
                slow[i] = True
            elif _OTHER_SPACE_RE.search(t):
                other_space = True
        if other_space:
            texts = pc.replace_substring_regex(texts, _OTHER_SPACE_RE2, " ")
    # raw words (str.split), text by text
    lists = pc.split_pattern(texts, " ")
    per_text = pc.list_value_length(lists).to_numpy(False).astype(np.int64)
    encoded = pc.dictionary_encode(lists.flatten())
    distinct = encoded.dictionary.to_pylist()
    codes = words.raw_ids(distinct)[encoded.indices.to_numpy(False)]
    text_of = np.repeat(np.arange(n), per_text)
    if "" in words.raw:  # runs of spaces and spaces at the ends
        real = codes != words.raw[""]
        codes, text_of = codes[real], text_of[real]
    kun, plen, poff, pflat = words.raw_facts()
    # a trailing kunya after two names at least (the raw word before the last): slow path
    nraw = np.bincount(text_of, minlength=n)
    first_raw = np.cumsum(nraw) - nraw
    has4 = np.flatnonzero(nraw >= 4)
    slow[has4[kun[codes[first_raw[has4] + nraw[has4] - 2]]]] = True
    # the parts of each raw word (what _split gives)
    keep = ~slow[text_of]
    codes, text_of = codes[keep], text_of[keep]
    part = pflat[_ranges(poff[codes], plen[codes])]
    ptext = np.repeat(text_of, plen[codes])
    f = words.facts()
    # particles between names go (not the first or last word)
    count = np.bincount(ptext, minlength=n)
    pos = np.arange(len(part)) - (np.cumsum(count) - count)[ptext]
    drop = f["particle"][part] & (pos > 0) & (pos < count[ptext] - 1)
    part, ptext = part[~drop], ptext[~drop]
    # numbers go, glued names are split
    elen = np.diff(f["exp_off"])[part]
    word = f["exp_flat"][_ranges(f["exp_off"][part], elen)]
    wtext = np.repeat(ptext, elen)
    # segments: a word joins the one before it in a segment when a rule may join them: the
    # first may join the next (article, prefix), the second is a theophoric second part, or
    # the second is an article making one with the word after it (ال دين)
    same = np.zeros(len(word), bool)
    same[1:] = wtext[1:] == wtext[:-1]
    after = np.zeros(len(word), bool)
    after[:-1] = same[1:] & f["second_after_article"][word[1:]]
    link = np.zeros(len(word), bool)
    link[1:] = f["joins_next"][word[:-1]]
    link |= f["second"][word] | (f["article"][word] & after)
    link &= same
    seg_start = np.flatnonzero(~link)
    seg_len = np.diff(np.append(seg_start, len(word)))
    final = f["final"]
    out = final[word]  # a word alone is its own token
    out_start = seg_start.copy()
    out_len = np.ones(len(seg_start), np.int64)
    multi = np.flatnonzero(seg_len > 1)
    extra: list[int] = []
    for length in np.unique(seg_len[multi]):
        which = multi[seg_len[multi] == length]
        mat = word[seg_start[which, None] + np.arange(length)]
        code, first = _row_codes(mat)
        ustart = np.empty(len(first), np.int64)
        ulen = np.empty(len(first), np.int64)
        for k, row in enumerate(mat[first]):
            toks = words.segment(tuple(row.tolist()))
            ustart[k] = len(out) + len(extra)
            ulen[k] = len(toks)
            extra.extend(toks)
        out_start[which] = ustart[code]
        out_len[which] = ulen[code]
    src = np.concatenate([out, np.asarray(extra, np.int64)])
    tokens = src[_ranges(out_start, out_len)]
    token_text = np.repeat(wtext[seg_start], out_len)
    return token_text, tokens, np.flatnonzero(slow).tolist()


class Variants(NamedTuple):
    """The variants of many texts as arrays, one item per token, in text, variant, token order.

    text:    int32[n]  position of the text in the input
    variant: int32[n]  0 for the main name, then the alternates (as ``name_variants`` orders them)
    token:   int32[n]  the token, as a position in ``vocab``
    vocab:   list[str] the distinct tokens
    """

    text: np.ndarray
    variant: np.ndarray
    token: np.ndarray
    vocab: list[str]


def variant_tokens(texts: Sequence[str] | pd.Series | pa.Array) -> Variants:
    """``name_variants`` of many texts at once, as arrays (see ``Variants``). A text with no
    tokens has no item. Every text must be a str (a pyarrow string array or a pandas string
    column without missing values will do)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if not isinstance(texts, pa.Array):
        try:
            texts = pa.array(texts, type=pa.large_string())
        except UnicodeEncodeError:  # lone surrogates: no rule sees them apart from U+FFFD
            texts = pa.array([_SURROGATE.sub("\ufffd", t) for t in texts], pa.large_string())
    if texts.null_count:
        raise ValueError("variant_tokens: missing values among the texts")
    words = _Words()
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    slow_rows: tuple[list[int], list[int], list[int]] = ([], [], [])
    for lo in range(0, len(texts), _CHUNK):
        chunk = texts.slice(lo, _CHUNK)
        t_idx, toks64, slow = _fast_chunk(chunk, words)
        toks = toks64.astype(np.int32)
        parts.append(((t_idx + lo).astype(np.int32), np.zeros(len(toks), np.int32), toks))
        slow_texts = chunk.take(pa.array(slow, pa.int64())).to_pylist()
        for i, slow_text in zip(slow, slow_texts, strict=True):
            for v, toks_v in enumerate(name_variants(slow_text)):
                for tok in toks_v:
                    slow_rows[0].append(lo + i)
                    slow_rows[1].append(v)
                    slow_rows[2].append(words.id(tok))
    parts.append(tuple(np.asarray(c, np.int32) for c in slow_rows))  # type: ignore[arg-type]
    text = np.concatenate([p[0] for p in parts])
    variant = np.concatenate([p[1] for p in parts])
    token = np.concatenate([p[2] for p in parts])
    if slow_rows[0]:  # a slow text's rows are in order among themselves
        order = np.argsort(text, kind="stable")
        text, variant, token = text[order], variant[order], token[order]
    # the vocabulary: the tokens used, by id
    used = np.flatnonzero(np.bincount(token, minlength=len(words.text)))
    code = np.zeros(len(words.text), np.int32)
    code[used] = np.arange(len(used))
    return Variants(text, variant, code[token], [words.text[i] for i in used.tolist()])


VARIANT_COLUMNS = ("text", "variant", "token")


def variants_frame(texts: Sequence[str] | pd.Series | pa.Array) -> pd.DataFrame:
    """``variant_tokens`` as a frame: columns text int32, variant int32, token (categorical)."""
    v = variant_tokens(texts)
    token = pd.Categorical.from_codes(v.token, categories=pd.Index(v.vocab, dtype=object))
    return pd.DataFrame({"text": v.text, "variant": v.variant, "token": token})


def name_variants_many(texts: Sequence[str] | pd.Series | pa.Array) -> list[list[list[str]]]:
    """``[name_variants(t) for t in texts]``, computed in bulk by ``variant_tokens``."""
    v = variant_tokens(texts)
    words = np.asarray(v.vocab, object)[v.token].tolist()
    new = np.ones(len(v.text), bool)
    new[1:] = (v.text[1:] != v.text[:-1]) | (v.variant[1:] != v.variant[:-1])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(v.text))[: len(starts)].tolist()
    out: list[list[list[str]]] = [[] for _ in range(len(texts))]
    for t, a, b in zip(v.text[starts].tolist(), starts.tolist(), ends, strict=True):
        out[t].append(words[a:b])
    return out
