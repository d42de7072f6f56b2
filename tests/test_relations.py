"""Kinship and unnamed-person descriptions: reconcile.relations."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.relations import (
    NameFacts,
    Unnamed,
    analyse_name,
    describe_unnamed,
    fold,
    implied_age_group,
    implied_sex,
    name_as_relation,
    names_to_analyse,
    parse_relation,
    relation_after_name,
    relation_details,
)


@pytest.mark.parametrize(
    ("text", "term", "to"),
    [
        ("wife of Abu Ibrahim", "wife", "Abu Ibrahim"),
        ("Wife of Abu Ibrahim", "wife", "Abu Ibrahim"),
        ("Hisham's daughter", "daughter", "Hisham"),
        ("Hisham’s daughter", "daughter", "Hisham"),
        ("daughter of Hisham", "daughter", "Hisham"),
        ("the target's sister", "sister", "the target"),
        ("sister of the target", "sister", "the target"),
        ("aide of the target", "aide", "the target"),
        ("aide to the target", "aide", "the target"),
        ("bodyguard of the target", "guard", "the target"),
        ("his wife", "wife", ""),
        ("their child", "child", ""),
        ("first wife", "wife", ""),
        ("second wife of Abu Ibrahim", "wife", "Abu Ibrahim"),
        ("maternal grandmother", "grandmother", ""),
        ("Son of Karim and Lina", "son", "Karim and Lina"),
        ("Karim and Lina's daughter", "daughter", "Karim and Lina"),
        ("Child of Samir Haddad 2", "child", "Samir Haddad"),
        ("Grandchild of Samir Haddad (1)", "grandchild", "Samir Haddad"),
        ("Samir Haddad's first child", "child", "Samir Haddad"),
        ("Samir `Abu Nour`'s second son", "son", "Samir `Abu Nour`"),
        ("likely to be Samir Haddad's wife", "wife", "Samir Haddad"),
        ("Infant son of Mona Tarek", "son", "Mona Tarek"),
        ("daugher of Mona", "daughter", "Mona"),
        ("step-son of Karim", "stepson", "Karim"),
        ("half-brother of Karim", "brother", "Karim"),
        ("son-in-law of the target", "son-in-law", "the target"),
        ("Son in law of Karim", "son-in-law", "Karim"),
        ("Karim's wife.. also Nabil's daughter", "wife", "Karim"),
        ("neighbour of Karim", "neighbour", "Karim"),
        ("member of the local council", "member", "the local council"),
        ("épouse de Karim", "wife", "Karim"),
        ("fille d'Ahmed", "daughter", "Ahmed"),
        # Arabic
        ("بنت/ريم سامي حداد", "daughter", "ريم سامي حداد"),
        ("بنت ريم سامي حداد", "daughter", "ريم سامي حداد"),
        ("ابن محمد علي", "son", "محمد علي"),
        ("إبن محمد علي", "son", "محمد علي"),
        ("زوجة سامر الحداد", "wife", "سامر الحداد"),
        ("زوجه سامر الحداد", "wife", "سامر الحداد"),
        ("زوج منى", "husband", "منى"),
        ("أم أحمد", "mother", "أحمد"),
        ("ام أحمد", "mother", "أحمد"),
        ("ابنة خالد", "daughter", "خالد"),
        ("ابنه خالد", "daughter", "خالد"),
        ("ابنه", "son", ""),
        ("زوجته", "wife", ""),
        ("شقيق الهدف", "brother", "الهدف"),
        ("شقيقة الهدف", "sister", "الهدف"),
        ("أخ سامي", "brother", "سامي"),
        ("أخت سامي", "sister", "سامي"),
        ("حفيد عمر", "grandson", "عمر"),
        ("حفيدة عمر", "granddaughter", "عمر"),
        ("ابن عم الهدف", "cousin", "الهدف"),
        ("بنت أخت سامي", "niece", "سامي"),
        ("زوجة ابن سامي", "daughter-in-law", "سامي"),
        ("طفل سامر الحداد", "child", "سامر الحداد"),
        ("والدة سامي", "mother", "سامي"),
        ("الزوجة", "wife", ""),
        ("الابن فادي", "son", ""),  # "the son, Fadi": a name in apposition, not "son of Fadi"
        ("ابنت اخت سليم", "niece", "سليم"),  # ابنت: a common misspelling of ابنة
        ("نسيب وائل", "relative", "وائل"),
        ("باسل الزوجة", "wife", "باسل"),  # the name, then the term
        ("نادر طفل", "child", "نادر"),
        ("Unnamed daughter of Karim and Lina", "daughter", "Karim and Lina"),
        ("Karim's wife (unnamed)", "wife", "Karim"),
        ("Uncle of Omar and Ali (Unnamed", "uncle", "Omar and Ali"),
        ("Samir's female cousin", "cousin", "Samir"),
        ("member of the target's family", "relative", "the target"),
        ("a member of the family of Karim", "relative", "Karim"),
        ("Karim's family member", "relative", "Karim"),
        ("widow of Karim", "wife", "Karim"),
        ("Maria", "", ""),  # not "mari" (French: husband) misspelt
        # not relations
        ("", "", ""),
        ("   ", "", ""),
        ("killed with his family", "", ""),
        ("ابو ابراهيم", "", ""),
        ("Samir Haddad", "", ""),
    ],
)
def test_parse_relation(text: str, term: str, to: str) -> None:
    assert parse_relation(text) == (term, to)


@pytest.mark.parametrize(
    ("text", "child"),
    [
        ("Infant son of Mona", True),
        ("baby daughter of Mona", True),
        ("Mona's newborn", True),
        ("طفل سامر الحداد", True),
        ("رضيع ابن رنا", True),
        ("son of Mona", False),
        ("Mona's child", False),  # a child of someone may be fifty
        ("ابن سامي", False),
    ],
)
def test_relation_implies_child(text: str, child: bool) -> None:
    assert relation_details(text)[2] is child


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wife of Abu Ibrahim", ("wife", "Abu Ibrahim")),
        ("Hisham's daughter", ("daughter", "Hisham")),
        ("بنت/ريم سامي حداد", ("daughter", "ريم سامي حداد")),
        ("زوجة محمد", ("wife", "محمد")),
        ("his wife", ("wife", "")),
        # kunyas and ordinary names are names
        ("أبو إبراهيم الهاشمي", None),
        ("ابو ابراهيم", None),
        ("أم علي", None),
        ("ام سالم نصار", None),
        ("Abu Ibrahim al-Hashimi al-Qurashi", None),
        ("Umm Ali", None),
        ("مساعد الحربي", None),  # Musa'id is a given name
        ("نسيب وائل", None),  # so is Nasib
        ("Maria", None),
        ("الابن فادي وائل", None),  # the son, Fadi Wael: a real name follows
        ("Samir Haddad", None),
        ("Rose of Sharon", None),  # "of" with no known term
        ("member of the council", None),
        ("", None),
        # descriptions of unnamed people are not kinship
        ("unknown child", None),
        ("طفل", None),
    ],
)
def test_name_as_relation(name: str, expected: tuple[str, str] | None) -> None:
    assert name_as_relation(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unidentified woman", Unnamed(sex="female", identified="no")),
        ("Unidentified Woman 2", Unnamed(sex="female", identified="no")),
        ("unknown child", Unnamed(age_group="child")),
        ("unknown child #3", Unnamed(age_group="child")),
        ("a man", Unnamed(sex="male")),
        ("an elderly woman", Unnamed(sex="female", age_group="elderly")),
        ("old man", Unnamed(sex="male", age_group="elderly")),
        ("girl", Unnamed(sex="female", age_group="child")),
        ("unidentified boy", Unnamed(sex="male", age_group="child", identified="no")),
        ("body", Unnamed(identified="no")),
        ("charred body", Unnamed(identified="no")),
        ("remains", Unnamed(identified="no")),
        ("not identified", Unnamed(identified="no")),
        ("unnamed", Unnamed()),
        ("مجهول الهوية", Unnamed(identified="no")),
        ("جثة", Unnamed(identified="no")),
        ("جثة مجهولة الهوية", Unnamed(identified="no")),
        ("أشلاء", Unnamed(identified="no")),
        ("طفل", Unnamed(age_group="child")),
        ("طفلة مجهولة", Unnamed(sex="female", age_group="child")),
        ("امرأة", Unnamed(sex="female")),
        ("رجل مسن", Unnamed(sex="male", age_group="elderly")),
        ("the widow", Unnamed(sex="female")),
        # real names, or partly real
        ("Samir Haddad", None),
        ("Young Samir", None),
        ("unknown Haddad", None),
        ("Baby Haddad", None),
        ("", None),
        ("the", None),
        ("12", None),
    ],
)
def test_describe_unnamed(name: str, expected: Unnamed | None) -> None:
    assert describe_unnamed(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Umm Salem Nassar.. wife of Karim Nassar", ("wife", "Karim Nassar", False)),
        ("Lina Haddad (daughter of Samir Haddad)", ("daughter", "Samir Haddad", False)),
        ("Yara, infant daughter of Mona", ("daughter", "Mona", True)),
        ("ام سالم نصار، زوجة كريم سالم نصار", ("wife", "كريم سالم نصار", False)),
        ("لينا كريم نصار ابنة كريم نصار", ("daughter", "كريم نصار", False)),
        ("سلمى زوجة باسل", ("wife", "باسل", False)),
        ("محمد بن سلمان", ("", "", False)),  # a patronymic, not "son of"
        ("Samir Haddad", ("", "", False)),
        ("Haddad, Samir", ("", "", False)),
    ],
)
def test_relation_after_name(name: str, expected: tuple[str, str, bool]) -> None:
    assert relation_after_name(name) == expected


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        ("Samir Haddad", NameFacts(None, False, "", "", False)),
        ("", NameFacts(None, False, "", "", False)),
        ("unknown boy", NameFacts(Unnamed(sex="male", age_group="child"), False, "", "", False)),
        ("Infant son of Mona", NameFacts(None, True, "son", "Mona", True)),
        ("Umm Salem.. wife of Karim", NameFacts(None, False, "wife", "Karim", False)),
        ("أبو إبراهيم", NameFacts(None, False, "", "", False)),
    ],
)
def test_analyse_name(name: str, facts: NameFacts) -> None:
    assert analyse_name(name) == facts


@pytest.mark.parametrize(
    ("term", "sex"),
    [
        ("wife", "female"),
        ("daughter", "female"),
        ("mother", "female"),
        ("sister", "female"),
        ("granddaughter", "female"),
        ("daughter-in-law", "female"),
        ("husband", "male"),
        ("son", "male"),
        ("father", "male"),
        ("brother", "male"),
        ("son-in-law", "male"),
        ("grand son", "male"),
        ("girl", "female"),
        ("boy", "male"),
        ("child", ""),
        ("cousin", ""),
        ("aide", ""),
        ("", ""),
    ],
)
def test_implied_sex(term: str, sex: str) -> None:
    assert implied_sex(term) == sex


@pytest.mark.parametrize(
    ("term", "group"),
    [
        ("baby", "child"),
        ("infant", "child"),
        ("infant son", "child"),
        ("toddler", "child"),
        ("girl", "child"),
        ("boy", "child"),
        ("elderly", "elderly"),
        ("child", ""),  # kinship: someone's child may be an adult
        ("son", ""),
        ("grandmother", ""),
        ("", ""),
    ],
)
def test_implied_age_group(term: str, group: str) -> None:
    assert implied_age_group(term) == group


def test_fold_unifies_arabic_spellings_and_digits() -> None:
    assert fold(" أنثى ") == fold("انثي") == "انثي"
    assert fold("زوجة") == fold("زوجه")
    assert fold("مُحَمَّد") == "محمد"
    assert fold("٣٤") == "34"
    assert fold("Hisham’s") == "hisham's"


@given(st.text(max_size=200))
def test_relation_parsers_never_raise(text: str) -> None:
    term, to = parse_relation(text)
    assert isinstance(term, str) and isinstance(to, str)
    assert not to or term  # whom it points to only with a term
    found = name_as_relation(text)
    assert found is None or found[0]
    unnamed = describe_unnamed(text)
    assert unnamed is None or unnamed.sex in ("", "female", "male")
    assert implied_sex(text) in ("", "female", "male")
    assert implied_age_group(text) in ("", "child", "elderly")
    facts = analyse_name(text)
    assert facts.unnamed is None or not facts.term
    assert relation_after_name(text)[0] or not relation_after_name(text)[1]


@given(
    st.sampled_from(["wife", "daughter", "son", "sister", "aide", "grandmother"]),
    st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=20),
)
def test_english_patterns_recover_the_person(term: str, who: str) -> None:
    who = who.strip()
    if not who or who.casefold() in ("the", "a", "an"):
        return
    assert parse_relation(f"{term} of {who}") == (term, who)
    assert parse_relation(f"{who}'s {term}") == (term, who)


name_word = st.sampled_from(
    [
        "Ali", "ALI", "wife", "WIFE", "of", "daughter", "'s", "ام", "أم", "ابو", "زوجة", "زوجه",
        "بنت/ريم", "الزوجة", "unidentified", "woman", "body", "مجهول", "الهوية", "unknown",
        "n/a", "?", "غير", "معروف", "ﷲ", "e\u0301", "\u0301", "ﬁ", "2", "٢", "(unnamed)", "-",
        "ـ", "\u200f", "سامي", "نور", "Umm", "Salem..", "son", "sōn", "Son’s",
    ]
)  # fmt: skip
space = st.sampled_from([" ", "  ", "\t", "\u00a0", "\u3000", "\u2028", "\x1c", "\u180e", "\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(name_word, space), max_size=6))
def test_names_left_out_of_the_analysis_are_plain(parts):
    name = "".join(w + s for w, s in parts).strip(" ")
    placeholders = {"unknown", "n/a", "?", "غير معروف"}
    words = frozenset(w for p in placeholders for w in p.split())
    todo = names_to_analyse(pd.Series([name, "Ali"], dtype="str"), words)
    if not todo[0]:
        assert analyse_name(name) == NameFacts(None, False, "", "", False)
        assert fold(name) not in placeholders
    assert todo.tolist()[1] is False


def test_names_to_analyse_finds_descriptions_and_placeholders():
    names = pd.Series(["سامي نور", "wife of Ali", "unidentified woman", "?", "", "Ali Hassan"])
    todo = names_to_analyse(names.astype("str"), frozenset({"?"}))
    assert todo.tolist() == [False, True, True, True, True, False]


def test_names_to_analyse_on_chunked_and_sliced_arrow_columns():
    import numpy as np
    import pyarrow as pa

    chunks = [
        pa.array(["zz of", "a b"], pa.large_string()),
        pa.array(["q", "wife of Ali", "Ali Hassan", "", "unknown woman"], pa.large_string())[1:],
    ]
    text = pd.arrays.ArrowStringArray(  # type: ignore[call-arg]
        pa.chunked_array(chunks), dtype=pd.StringDtype("pyarrow", na_value=np.nan)
    )
    assert names_to_analyse(pd.Series(text)).tolist() == [True, False, True, False, True, True]
