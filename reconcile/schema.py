"""The standard claim fields and the columns every stage reads and writes (internal contract)."""

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
#   sex_n            "female" | "male" | "unknown" | ""   (implied by relation/age_group words too)
#   age_min, age_max float years, NaN when not stated or unknown; an exact age a has min=max=a
#   age_n            canonical text of the age ("34", "30-35", "~40", "0.42", "unknown", "")
#   age_group_n      "child" | "adult" | "elderly" | "unknown" | ""  (from age_group, sex, age)
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

# Scored candidate pairs from matching (reconcile.match), one row per compared pair:
#   claim_a, record_a, claim_b, record_b   the two records (claim_a < claim_b, or same claim
#                                          for within-claim duplicate candidates)
#   weight       float  Fellegi-Sunter match weight (log2 Bayes factor, prior included)
#   probability  float  match probability from the weight
#   status       "linked" | "ambiguous" | "possible" | "rejected" | "decided-same" |
#                "decided-different" | "duplicate"   (duplicate: within one claim, reported only)
# plus one column per compared field, `lvl_<field>` (the level's name) and `w_<field>` (its
# contribution to the weight), for explanations.
PAIR_COLUMNS: tuple[str, ...] = (
    "claim_a",
    "record_a",
    "claim_b",
    "record_b",
    "weight",
    "probability",
    "status",
)

# Fields merged per person in persons.csv: column F holds the merged value (the agreed value; for
# a conflict the distinct values " | "-joined in claim order), F_status one of PERSON_STATUSES.
MERGED_FIELDS: tuple[str, ...] = (
    "name",
    "sex",
    "age",
    "age_group",
    "dob",
    "national_id",
    "relation",
    "status",
    "cause",
    "location",
    "nationality",
    "affiliation",
    "identified",
)
PERSON_STATUSES: tuple[str, ...] = ("agree", "conflict", "single", "unknown")
# persons.csv: person_id, claims (";"-joined, case order), n_claims, silent (claims that do not
# report the person, ";"-joined), denied_by (claims marked complete that omit the person),
# ambiguous (bool: one of its links is ambiguous), then F, F_status for F in MERGED_FIELDS,
# then names (every spelling of the name across claims, " | "-joined).
PERSON_HEAD_COLUMNS: tuple[str, ...] = (
    "person_id",
    "claims",
    "n_claims",
    "silent",
    "denied_by",
    "ambiguous",
)
# person_fields.csv (long form, every claim's own value): person_id, field, claim, record_id,
# value (original text), normalised, file, row
PERSON_FIELD_COLUMNS: tuple[str, ...] = (
    "person_id",
    "field",
    "claim",
    "record_id",
    "value",
    "normalised",
    "file",
    "row",
)
# counts.csv (one row per category and claim, plus a row per category with claim "*" holding the
# cross-claim range): category, claim, stated (the assertion as text, "" when the claim states
# none), qualifier, stated_min, stated_max, listed (how many of the claim's own rows fall in the
# category), range_min, range_max, conflict (bool), conflict_with (";"-joined claims), quote
COUNT_RESULT_COLUMNS: tuple[str, ...] = (
    "category",
    "claim",
    "stated",
    "qualifier",
    "stated_min",
    "stated_max",
    "listed",
    "range_min",
    "range_max",
    "conflict",
    "conflict_with",
    "quote",
)
