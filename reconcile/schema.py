"""The standard claim fields and the columns every stage reads and writes (the internal contract)."""

from __future__ import annotations

# Standard claim fields, in the order they appear in outputs (DESIGN.md, docs/case-format.md).
FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "name_alt",
    "alias",
    "sex",
    "age",
    "age_group",
    "dob",
    "national_id",
    "group",
    "relation",
    "status",
    "cause",
    "location",
    "nationality",
    "affiliation",
    "identified",
    "notes",
    "quote",
)

# Every record frame (one row per record, all claims) has these identity columns first:
#   claim      str  the claim's id (slug from case.toml, or the file's stem)
#   record_id  str  the record's id within its claim (from `id`, or derived `row-N` with W301)
#   file       str  the claim file's path as the user named it (relative to the case folder)
#   row        int  the spreadsheet row of the record (header = row 1)
# then every field of FIELDS except `id`, as the original text ("" when the cell is blank),
# then the parsed columns below (reconcile.fields.parse_records).
IDENTITY_COLUMNS: tuple[str, ...] = ("claim", "record_id", "file", "row")
TEXT_FIELDS: tuple[str, ...] = tuple(f for f in FIELDS if f != "id")

# Parsed columns. Convention for text-valued parsed columns: "" = the source does not say,
# "unknown" = the source says it is unknown (a placeholder such as "?" or "غير معروف").
#   sex_n            "female" | "male" | "unknown" | ""      (implied by relation/age_group words too)
#   age_min, age_max float years, NaN when not stated or unknown; an exact age a has min=max=a
#   age_n            canonical text of the age ("34", "30-35", "~40", "0.42", "unknown", "")
#   age_group_n      "child" | "adult" | "elderly" | "unknown" | ""   (from age_group, sex words, age)
#   dob_n            ISO date "YYYY-MM-DD", "YYYY-MM", "YYYY", "unknown" or ""
#   national_id_n    digits only (text, leading zeros kept), "unknown" or ""
#   group_n          the group label stripped, "" when none
#   status_n         "killed" | "injured" | "missing" | "survived" | "unknown" | ""
#   identified_n     "yes" | "no" | "unknown" | ""
#   relation_term    canonical kinship/role term: wife, husband, son, daughter, child, mother,
#                    father, brother, sister, grandson, granddaughter, grandmother, grandfather,
#                    nephew, niece, uncle, aunt, cousin, son-in-law, daughter-in-law, aide,
#                    guard, relative ... or ""
#   relation_to      whom the relation points to, as written ("Abu Ibrahim"), or ""
#   name_is_relation bool: the name is really a kinship description ("wife of X", "بنت/X")
#   name_unknown     bool: the name is a placeholder or describes no one ("unidentified woman")
PARSED_COLUMNS: tuple[str, ...] = (
    "sex_n",
    "age_min",
    "age_max",
    "age_n",
    "age_group_n",
    "dob_n",
    "national_id_n",
    "group_n",
    "status_n",
    "identified_n",
    "relation_term",
    "relation_to",
    "name_is_relation",
    "name_unknown",
)

DEFAULT_PLACEHOLDERS: tuple[str, ...] = (
    "unknown",
    "unk",
    "?",
    "??",
    "-",
    "--",
    "n/a",
    "na",
    "not known",
    "غير معروف",
    "مجهول",
    "غير معروفة",
)

# Where a matching run's links land (links.csv, DESIGN.md), one row per record:
#   claim, record_id, person_id, score (float, the weight of its best link, "" when alone),
#   ambiguous (bool), alternatives ("claim:id;claim:id": other records it could be),
#   file, row
LINK_COLUMNS: tuple[str, ...] = (
    "claim",
    "record_id",
    "person_id",
    "score",
    "ambiguous",
    "alternatives",
    "file",
    "row",
)
