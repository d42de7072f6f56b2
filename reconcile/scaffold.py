"""Start a case and register claim files: new files' text, column-mapping proposals, writes."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rapidfuzz.distance import OSA

from reconcile.case import COUNT_COLUMNS, DECISION_COLUMNS
from reconcile.casetoml import SLUG, parse_case_toml
from reconcile.csvread import DELIMITER_NAMES, Table, delimiter_char, encoding_name, read_table
from reconcile.problems import Problem, has_errors
from reconcile.records import SYNONYMS, build_records, header_key, plan_columns
from reconcile.schema import FIELDS

CASE_FILE = "case.toml"
COUNTS_FILE = "counts.csv"
DECISIONS_FILE = "decisions.csv"
README_FILE = "README.md"


class ScaffoldError(Exception):
    """Refused: the message says what and why; nothing has been written."""


# --------------------------------------------------------------------------------------------
# Text of new files (pure)
# --------------------------------------------------------------------------------------------


def toml_string(text: str) -> str:
    """`text` as a TOML basic string, quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def csv_line(cells: tuple[str, ...] | list[str]) -> str:
    """One CSV line (comma, minimal quoting, `\\n`)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def check_claim_id(claim_id: str) -> None:
    """ScaffoldError unless `claim_id` is a slug case.toml accepts."""
    if not SLUG.match(claim_id):
        raise ScaffoldError(
            f"claim id {claim_id!r} is not a slug: use letters, digits, - or _ (e.g. sohr)"
        )


def check_date(date: str) -> None:
    """ScaffoldError unless `date` is YYYY, YYYY-MM or YYYY-MM-DD."""
    if date and not re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?", date):
        raise ScaffoldError(f"date {date!r} is not YYYY-MM-DD (or YYYY-MM, or YYYY)")


def claim_block(
    claim_id: str,
    file: str,
    source: str = "",
    published: str = "",
    url: str = "",
    complete: bool = False,
    columns: dict[str, list[str]] | None = None,
    encoding: str = "",
    delimiter: str = "",
) -> str:
    """A `[[claims]]` table (and its `[claims.columns]`) as case.toml text, ending in a newline."""
    lines = ["[[claims]]", f"id = {toml_string(claim_id)}", f"file = {toml_string(file)}"]
    lines.append(f"source = {toml_string(source)}")
    for key, value in (("published", published), ("url", url)):
        if value:
            lines.append(f"{key} = {toml_string(value)}")
    lines.append(f"complete = {'true' if complete else 'false'}")
    for key, value in (("encoding", encoding), ("delimiter", delimiter)):
        if value:
            lines.append(f"{key} = {toml_string(value)}")
    if columns:
        lines += ["", "[claims.columns]"]
        for fld in FIELDS:
            if fld in columns:
                heads = columns[fld]
                value = (
                    toml_string(heads[0])
                    if len(heads) == 1
                    else "[" + ", ".join(toml_string(h) for h in heads) + "]"
                )
                lines.append(f"{fld} = {value}")
    return "\n".join(lines) + "\n"


def case_toml_text(
    title: str = "", date: str = "", place: str = "", claim_id: str = "claim1", source: str = ""
) -> str:
    """A new case.toml: the event and one claim, with comments saying what each key is for."""
    head = (
        "# The event and the accounts of it (claims). See docs/case-format.md.\n"
        "\n"
        "[event]\n"
        f"title = {toml_string(title)}\n"
        f"date = {toml_string(date)}  # YYYY-MM-DD\n"
        f"place = {toml_string(place)}\n"
        "\n"
        "# One [[claims]] table per source's account, one CSV file each. `complete = true` means\n"
        "# the source presents its list as complete, so a person it omits is denied, not merely\n"
        "# unreported. A claim file with headers and no rows lists no one by name; a source that\n"
        "# states numbers only keeps them in counts.csv. Add more claims with\n"
        "# `reconcile add-claim`; map a file's own headers onto fields with [claims.columns].\n"
    )
    return head + claim_block(claim_id, f"claims/{claim_id}.csv", source)


def case_readme_text(title: str, claim_id: str) -> str:
    """The README.md of a new case folder: what goes where."""
    rows = [
        ("`case.toml`", "the event (title, date, place) and one `[[claims]]` table per claim"),
        (
            f"`claims/{claim_id}.csv`",
            "one source's account, one row per person as the source describes them; leave a "
            "cell blank when the source does not say, write `unknown` or `?` when it says it "
            "is not known",
        ),
        (
            "`counts.csv`",
            "numbers the sources state: claim, category (killed, children, women...), count, "
            "qualifier (exact, at_least, at_most, approx), quote",
        ),
        (
            "`decisions.csv`",
            "your judgements that two records are (`same`) or are not (`different`) the same "
            "person, with who, when and why",
        ),
    ]
    table = "\n".join(f"| {f} | {what} |" for f, what in rows)
    return (
        f"# {title or 'A reconcile case'}\n\n"
        "Competing accounts (claims) of one event, kept for `reconcile`.\n\n"
        "| file | what goes in it |\n|---|---|\n"
        f"{table}\n\n"
        "Keep the source's own words in `quote`. Register another source's file with\n"
        '`reconcile add-claim . FILE --id ID --source "..."`, then run `reconcile check .` and\n'
        "`reconcile run .`.\n"
    )


def scaffold_files(
    title: str = "", date: str = "", place: str = "", claim_id: str = "claim1", source: str = ""
) -> dict[str, str]:
    """The files of a new case, relative path -> text (ScaffoldError for a bad id or date)."""
    check_claim_id(claim_id)
    check_date(date)
    return {
        CASE_FILE: case_toml_text(title, date, place, claim_id, source),
        f"claims/{claim_id}.csv": csv_line(FIELDS),
        COUNTS_FILE: csv_line(COUNT_COLUMNS),
        DECISIONS_FILE: csv_line(DECISION_COLUMNS),
        README_FILE: case_readme_text(title, claim_id),
    }


# --------------------------------------------------------------------------------------------
# Proposing a column mapping (pure)
# --------------------------------------------------------------------------------------------

# Header spellings proposed as a field beyond those the loader reads by itself (records.SYNONYMS);
# keys as `_words` gives them. A proposal from this table is written to [claims.columns].
PROPOSAL_SYNONYMS: dict[str, str] = {
    "record_id": "id",
    "ref": "id",
    "reference": "id",
    "entry_id": "id",
    "full_name": "name",
    "victim_name": "name",
    "victim": "name",
    "person": "name",
    "other_names": "name_alt",
    "other_spellings": "name_alt",
    "alternative_names": "name_alt",
    "spellings": "name_alt",
    "aka": "alias",
    "also_known_as": "alias",
    "aliases": "alias",
    "nom_de_guerre": "alias",
    "age_years": "age",
    "age_in_years": "age",
    "age_class": "age_group",
    "age_bracket": "age_group",
    "age_range": "age_group",
    "id_number": "national_id",
    "national_number": "national_id",
    "relationship": "relation",
    "kinship": "relation",
    "kin": "relation",
    "fate": "status",
    "outcome": "status",
    "cause_of_death": "cause",
    "place": "location",
    "place_of_death": "location",
    "citizenship": "nationality",
    "organisation": "affiliation",
    "organization": "affiliation",
    "faction": "affiliation",
    "remarks": "notes",
    "source_text": "quote",
    "source_words": "quote",
    "excerpt": "quote",
    "quotation": "quote",
    "الاسم_الكامل": "name",
    "الكنية": "alias",
    "اللقب": "alias",
    "الفئة_العمرية": "age_group",
    "صلة_القرابة": "relation",
    "القرابة": "relation",
    "الحالة": "status",
    "سبب_الوفاة": "cause",
    "المكان": "location",
    "الجنسية": "nationality",
    "العائلة": "group",
}
# Words that may stand beside a field's name in a header without changing what it holds:
# `Victim name (EN)`, `Age (years)`, `Name (Arabic)`. `Father name` is not among them.
QUALIFIER_WORDS: frozenset[str] = frozenset(
    {"en", "eng", "english", "ar", "ara", "arabic", "latin", "full", "victim", "victims"}
    | {"person", "deceased", "years", "yrs", "y", "months", "of", "the", "in", "at", "text"}
    | {"as", "given", "original"}
)
PROPOSAL_COLUMNS: tuple[str, ...] = ("column", "field", "how")
_RANK = {"exact": 0, "synonym": 1, "qualified": 2, "fuzzy": 3}


def _words(header: str) -> list[str]:
    return re.findall(r"[^\W_]+", header.lower())


def _propose_one(header: str) -> tuple[str, str]:
    """(field, how) for one header; ("", "") when nothing fits."""
    keys = {header_key(header), "_".join(_words(header))}
    for k in keys:
        if k in FIELDS:
            return k, "exact"
    for k in sorted(keys):
        fld = SYNONYMS.get(k) or PROPOSAL_SYNONYMS.get(k)
        if fld:
            return fld, "synonym"
    words = _words(header)
    named = {
        w: FIELDS_AND_SYNONYMS[w]
        for w in words
        if w in FIELDS_AND_SYNONYMS and w not in QUALIFIER_WORDS
    }
    others = [w for w in words if w not in named]
    if len(set(named.values())) == 1 and others and all(w in QUALIFIER_WORDS for w in others):
        return next(iter(named.values())), "qualified"
    key = "_".join(words)
    if len(key) >= 5:
        limit = 1 if len(key) < 8 else 2
        near = {
            fld
            for cand, fld in FIELDS_AND_SYNONYMS.items()
            if abs(len(cand) - len(key)) <= limit and OSA.distance(key, cand) <= limit
        }
        if len(near) == 1:
            return near.pop(), "fuzzy"
    return "", ""


FIELDS_AND_SYNONYMS: dict[str, str] = {
    **{f: f for f in FIELDS},
    **SYNONYMS,
    **PROPOSAL_SYNONYMS,
}


def propose_mapping(header: list[str]) -> pd.DataFrame:
    """A proposed field for each header: PROPOSAL_COLUMNS, one row per header in file order.

    `how` is exact (the header is the field's name), synonym (a known other name: `gender`,
    `Full Name`), qualified (the field's name with words like `(years)`, `(EN)`), fuzzy (one
    typo away: `gendre`), or "" (no field: the column is kept as `extra:<header>`). Each field
    goes to one header only: the best match, then the leftmost; the others stay unmapped and
    their `how` says which header took the field, except that a second name column (`Name
    (AR)` beside `Name (EN)`) is proposed as name_alt, other spellings or scripts of the name.
    """
    rows: list[dict[str, str]] = []
    for h in header:
        fld, how = _propose_one(h) if h.strip() else ("", "")
        rows.append({"column": h.strip(), "field": fld, "how": how})
    best: dict[str, dict[str, str]] = {}
    for r in rows:
        fld = r["field"]
        if fld:
            cur = best.get(fld)
            if cur is None or _RANK[r["how"]] < _RANK[cur["how"]]:
                best[fld] = r
    for r in rows:
        fld = r["field"]
        if fld and best[fld] is not r:
            taken_by = best[fld]["column"]
            if fld == "name" and "name_alt" not in best:
                best["name_alt"] = r
                r["field"], r["how"] = "name_alt", f"a second name column; '{taken_by}' has name"
            else:
                r["field"], r["how"] = "", f"also looks like {fld}; '{taken_by}' has it"
    return pd.DataFrame(rows, columns=list(PROPOSAL_COLUMNS)).astype(str)


def parse_edits(edits: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """`field=header` edits as pairs (header "" drops the field); ScaffoldError when malformed."""
    out = []
    for e in edits:
        if "=" not in e:
            raise ScaffoldError(f'--map {e!r}: write FIELD=HEADER, e.g. --map name="Full Name"')
        fld, head = (p.strip() for p in e.split("=", 1))
        if fld not in FIELDS:
            fields = ", ".join(FIELDS)
            raise ScaffoldError(f"--map {e!r}: '{fld}' is not a field; the fields are: {fields}")
        out.append((fld, head))
    return out


def mapping_for(
    header: list[str], proposal: pd.DataFrame, edits: list[tuple[str, str]]
) -> dict[str, list[str]]:
    """The [claims.columns] to write: proposals the loader would not make alone, then the edits.

    A proposal is written unless its header is the field's own name and no other header could
    be read as that field (`gender` beside `sex`).
    An edit's first mention of a field replaces the proposal, later ones add headers (joined
    with a space when read); a column an edit names is no longer proposed for another field.
    Dropping a field (`field=`) is refused while a column would still be read as that field by
    its own name; ScaffoldError names it.
    """
    keyed = {header_key(h): h.strip() for h in header if h.strip()}
    auto = [_reads_as(h) for h in header]
    mapping: dict[str, list[str]] = {
        str(r.field): [str(r.column)]
        for r in proposal.itertuples()
        if r.field and (header_key(str(r.column)) != r.field or auto.count(str(r.field)) > 1)
    }
    edited: set[str] = set()
    for fld, head in edits:
        if fld not in edited:
            mapping.pop(fld, None)
            edited.add(fld)
        if not head:
            named = [h for h in keyed.values() if _reads_as(h) == fld]
            if named:
                raise ScaffoldError(
                    f"--map {fld}=: column '{named[0]}' is read as {fld} by its name; "
                    "rename the column in the file, or map the field to another column"
                )
            continue
        if header_key(head) not in keyed:
            shown = ", ".join(repr(h) for h in keyed.values())
            raise ScaffoldError(
                f"--map {fld}={head}: the file has no column '{head}'; it has {shown}"
            )
        mapping.setdefault(fld, []).append(keyed[header_key(head)])
    taken = {header_key(h) for f in edited for h in mapping.get(f, [])}
    for fld in [f for f in mapping if f not in edited]:
        if any(header_key(h) in taken for h in mapping[fld]):
            del mapping[fld]  # a column the analyst mapped is no longer proposed elsewhere
    return {f: mapping[f] for f in FIELDS if f in mapping}


def _reads_as(header: str) -> str:
    k = header_key(header)
    return k if k in FIELDS else SYNONYMS.get(k, "")


def reading_table(
    header: list[str], file: str, mapping: dict[str, list[str]], proposal: pd.DataFrame
) -> tuple[pd.DataFrame, list[Problem]]:
    """How the loader will read each column with `mapping`: column, field, how; and problems.

    Uses the loader's own planning (records.plan_columns), so what is shown is what is read.
    """
    plan, problems = plan_columns(header, file, mapping)
    field_of = {i: f for f, ix in plan.fields.items() for i in ix}
    rows = []
    for i, (h, prop) in enumerate(zip(header, proposal.itertuples(), strict=True)):
        name = h.strip()
        fld = field_of.get(i, "")
        if fld and fld in mapping:
            how = str(prop.how) if str(prop.field) == fld else "--map"
        elif fld:
            how = "exact" if header_key(name) == fld else "synonym"
        else:
            extra = "kept as extra:" + (name or f"column {i + 1}")
            pfield, phow = str(prop.field), str(prop.how)
            if pfield:
                how = f"not read as {pfield} (--map); {extra}"
            elif phow:
                how = f"{phow}; {extra}"
            else:
                how = f"no field; {extra}"
        rows.append({"column": name, "field": fld, "how": how})
    return pd.DataFrame(rows, columns=list(PROPOSAL_COLUMNS)).astype(str), problems


def format_reading(table: pd.DataFrame) -> str:
    """The reading table as aligned text lines: `column  ->  field  (how)`."""
    if table.empty:
        return ""
    width = max(len(c) for c in table["column"]) + 2
    fwidth = max([len(f) for f in table["field"]] + [1]) + 2
    lines = []
    for r in table.itertuples():
        fld = str(r.field) or "-"
        lines.append(f"  {r.column!s:<{width}}-> {fld:<{fwidth}}{r.how}".rstrip())
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Registering a claim (pure: from the case.toml text and the file's table)
# --------------------------------------------------------------------------------------------


@dataclass
class NewClaim:
    """A claim ready to append: its block, where its file goes, and how it will be read."""

    claim_id: str
    file: str  # as written in case.toml, relative to the case folder, `/`-separated
    block: str  # the [[claims]] text to append
    new_text: str  # case.toml after appending
    reading: pd.DataFrame  # column, field, how
    columns: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # what `reconcile check` will report


def plan_new_claim(
    case_text: str,
    table: Table,
    claim_id: str,
    file: str,
    *,
    source: str = "",
    published: str = "",
    url: str = "",
    complete: bool = False,
    edits: list[tuple[str, str]] | None = None,
    encoding: str = "",
    delimiter: str = "",
) -> NewClaim:
    """Check the new claim against case.toml and build the text to append (ScaffoldError if not).

    Refuses a malformed case.toml, a duplicate claim id, a file already registered, a mapping
    under which the file's header has errors, and a result that would not parse. Problems in
    the file's rows (ragged rows, duplicate record ids...) do not refuse: they are returned, as
    `reconcile check` will report them, for the analyst to fix in the file.
    """
    check_claim_id(claim_id)
    check_date(published)
    parsed = parse_case_toml(case_text, CASE_FILE)
    bad = [p for p in parsed.problems if p.code == "E001"]
    if bad:
        raise ScaffoldError(f"{bad[0].format()}; fix case.toml before adding a claim")
    for c in parsed.claims:
        if c.id.lower() == claim_id.lower():
            raise ScaffoldError(
                f"case.toml already has a claim with id '{c.id}'; choose another --id"
            )
        if Path(c.file).as_posix() == file:
            raise ScaffoldError(f"'{file}' is already registered as claim '{c.id}'")
    proposal = propose_mapping(table.header)
    columns = mapping_for(table.header, proposal, edits or [])
    reading, header_problems = reading_table(table.header, file, columns, proposal)
    if has_errors(header_problems):
        lines = "\n".join(p.format() for p in header_problems if p.severity == "error")
        raise ScaffoldError(
            f"with this mapping the file would not load:\n{lines}\nfix it with --map"
        )
    block = claim_block(
        claim_id, file, source, published, url, complete, columns, encoding, delimiter
    )
    nl = "\r\n" if "\r\n" in case_text else "\n"  # keep the file's own line endings
    text = case_text.replace("\r\n", "\n")
    trailing = len(text) - len(text.rstrip("\n"))
    sep = "\n" * max(0, 2 - trailing) if text.strip() else ""
    new_text = case_text + (sep + block).replace("\n", nl)
    after = parse_case_toml(new_text, CASE_FILE)
    if len(after.claims) != len(parsed.claims) + 1 or any(
        p.code in ("E001", "E002") for p in after.problems if p not in parsed.problems
    ):
        why = "; ".join(p.message for p in after.problems if p not in parsed.problems)
        raise ScaffoldError(f"appending the claim would not give a valid case.toml: {why}")
    _, problems = build_records(table, claim_id, file, columns)
    return NewClaim(claim_id, file, block, new_text, reading, columns, problems)


def reading_options(encoding: str | None, delimiter: str | None) -> tuple[str, str]:
    """Validated --encoding / --delimiter ("" when not given); ScaffoldError when unusable."""
    try:
        enc = encoding_name(encoding) if encoding else ""
        delim = delimiter_char(delimiter) if delimiter else ""
    except ValueError as e:
        raise ScaffoldError(str(e)) from None
    return enc, delim


def describe_reading(table: Table) -> str:
    """`utf-8, comma, 3 records`."""
    n = len(table.rows)
    delim = DELIMITER_NAMES.get(table.delimiter, repr(table.delimiter))
    return f"{table.encoding}, {delim}, {n} record{'s' if n != 1 else ''}"


def case_relative(case_dir: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    """`path` relative to the case folder, `/`-separated (as case.toml keeps it)."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(case_dir))
    return Path(rel).as_posix()


# --------------------------------------------------------------------------------------------
# Reading and writing files (the only functions here that touch the disk)
# --------------------------------------------------------------------------------------------


def read_case_text(case_dir: str | os.PathLike[str]) -> str:
    """The text of CASE/case.toml; ScaffoldError when there is none or it is not UTF-8."""
    path = Path(case_dir) / CASE_FILE
    if not path.is_file():
        raise ScaffoldError(
            f"no {CASE_FILE} in {case_dir}: start a case there with `reconcile init {case_dir}`"
        )
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ScaffoldError(f"{path} is not UTF-8 text; save it as UTF-8") from None


def read_claim_header(
    path: str | os.PathLike[str],
    file: str,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> tuple[Table, list[Problem]]:
    """A claim file read by the loader's reader (csvread.read_table); ScaffoldError on errors."""
    p = Path(path)
    if not p.is_file():
        raise ScaffoldError(f"{path}: no such file")
    table, problems = read_table(p.read_bytes(), file, encoding=encoding, delimiter=delimiter)
    if table is None or has_errors(problems):
        lines = "\n".join(x.format() for x in problems if x.severity == "error")
        raise ScaffoldError(f"cannot read {path}:\n{lines}")
    return table, problems


def check_free(case_dir: str | os.PathLike[str], rel: str) -> None:
    """ScaffoldError when CASE/rel exists (a copy must never overwrite a file)."""
    path = Path(case_dir) / rel
    if path.exists():
        raise ScaffoldError(f"{path} already exists; nothing written")


def write_new_files(root: str | os.PathLike[str], files: dict[str, str]) -> list[Path]:
    """Create every file under `root`, or none: ScaffoldError naming the first that exists.

    Each file is created exclusively (never overwriting one that appeared meanwhile); if any
    write fails, the files written so far are removed again.
    """
    base = Path(root)
    existing = [base / rel for rel in files if (base / rel).exists()]
    if existing:
        raise ScaffoldError(f"{existing[0]} already exists; nothing written")
    written: list[Path] = []
    try:
        for rel, text in files.items():
            path = base / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8", newline="") as f:
                written.append(path)
                f.write(text)
    except OSError as e:
        for path in written:
            path.unlink(missing_ok=True)
        raise ScaffoldError(
            f"could not write {e.filename}: {e.strerror}; nothing written"
        ) from None
    return written


def write_case_toml(
    case_dir: str | os.PathLike[str],
    old_text: str,
    new_text: str,
    copy_from: str | os.PathLike[str] | None = None,
    copy_to: str | None = None,
) -> None:
    """Replace case.toml atomically with `new_text`, after copying a claim file if asked.

    Refuses (ScaffoldError) if case.toml changed since `old_text` was read, or if `copy_to`
    (relative to the case) exists. The copy is removed again if case.toml cannot be written.
    """
    root = Path(case_dir)
    target = root / CASE_FILE
    copied: Path | None = None
    if copy_from is not None and copy_to is not None:
        copied = root / copy_to
        if copied.exists():
            raise ScaffoldError(f"{copied} already exists; nothing written")
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy_from, copied)
    try:
        if target.read_bytes().decode("utf-8") != old_text:
            raise ScaffoldError(f"{target} changed while adding the claim; nothing written")
        fd, tmp = tempfile.mkstemp(prefix=".case.", suffix=".toml", dir=root)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(new_text)
            shutil.copymode(target, tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, ScaffoldError) as e:
        if copied is not None:
            copied.unlink(missing_ok=True)
        if isinstance(e, ScaffoldError):
            raise
        raise ScaffoldError(f"could not write {target}: {e.strerror}; nothing written") from None
