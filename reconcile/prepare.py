"""Per-record matching features: name variants as token ids, cross-script keys and token rarity.

Matching works on integers, not strings: every distinct name token gets an id, every token a
cross-script key id, and each record's names become rows of a `NameTable` (one row per name
variant: the name, each `name_alt`, each `alias`, parenthesised or backticked alternates).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reconcile import names
from reconcile.arrays import unique_sorted

PSEUDO_RECORDS = 100.0  # prior weight of TYPICAL_FREQUENCY in key_frequency
TYPICAL_FREQUENCY = 0.01  # share of records with a given name part, before counting any
MAX_TOKENS = 6  # tokens kept per name variant (given, father, grandfather, ..., family)

# Words that stand where a given name should be but name no one in particular: kinship words and
# honorifics. They are dropped from the token list used for matching (kept in the original text).
FILLER_TOKENS = frozenset(
    {
        # Arabic kinship words (normalised forms)
        "الام",
        "ام",
        "ابن",
        "بنت",
        "ابنه",
        "زوج",
        "زوجه",
        "الطفل",
        "الطفله",
        "طفل",
        "طفله",
        "الحاج",
        "الحاجه",
        "الشهيد",
        "الشهيده",
        "الشيخ",
        "السيد",
        "السيده",
        "ارمله",
        "الارمله",
        # Latin
        "mr",
        "mrs",
        "ms",
        "dr",
        "sheikh",
        "hajj",
        "hajji",
        "haji",
        "the",
        "of",
        "and",
        "wife",
        "son",
        "daughter",
        "child",
        "mother",
        "father",
        "husband",
        "sister",
        "brother",
        "unknown",
        "unidentified",
        "woman",
        "man",
        "girl",
        "boy",
        "baby",
        "infant",
    }
)


@dataclass
class NameTable:
    """Name variants of every record, as token ids.

    rec:    int32[n]            the record's position in the records frame
    var:    int8[n]             0 for the main name, then alternates in order
    ntok:   int8[n]             number of tokens (0..MAX_TOKENS)
    tok:    int32[n, MAX]       token ids, -1 padding
    key:    int32[n, MAX]       cross-script key ids of the tokens, -1 padding
    alt:    int32[n, MAX]       key id of the token without a leading Abu/Abd particle, or -1
    latin:  bool[n]             the variant is in Latin script
    vocab:  list[str]           token text by token id
    keys:   list[str]           key text by key id
    tok_key: int32[V]           key id of each token id
    tok_alt: int32[V]           key id of each token without its Abu, or -1
    tok_latin: bool[V]          token is Latin script
    """

    rec: np.ndarray
    var: np.ndarray
    ntok: np.ndarray
    tok: np.ndarray
    key: np.ndarray
    alt: np.ndarray
    latin: np.ndarray
    vocab: list[str]
    keys: list[str]
    tok_key: np.ndarray
    tok_alt: np.ndarray
    tok_latin: np.ndarray


_ABU_PREFIXES = ("ابو", "abu", "abo", "abou")
# second parts of compound given names, often left out (نور / نورالدين, Salah / Salah al-Din)
_COMPOUND_ENDS = ("الدين", "الله", "aldin", "eldin", "uddin", "addin", "allah", "ullah", "ollah")


def _strip_particle(token: str) -> str:
    """The token without a leading Abu (family names are written with and without it) or
    without the second part of a compound given name, or "" when it has neither."""
    for p in _ABU_PREFIXES:
        if token.startswith(p) and len(token) > len(p) + 2:
            return token[len(p) :]
    for e in _COMPOUND_ENDS:
        if token.endswith(e) and len(token) > len(e) + 2:
            return token[: -len(e)]
    return ""


_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())  # what str.strip strips


def _text_column(records: pd.DataFrame, column: str) -> pa.Array:
    """A column as a pyarrow string array ("" when the frame has no such column); a missing or
    non-text value becomes its str() (as the per-record loop this replaces did)."""
    if column not in records:
        return pa.array(np.full(len(records), "", object), pa.large_string())
    col = records[column]
    if isinstance(col.dtype, pd.StringDtype) or pd.api.types.infer_dtype(col) == "string":
        try:  # text only (a str column, or objects all str): no copy into Python objects
            values = pa.array(col, pa.large_string())
            if isinstance(values, pa.ChunkedArray):
                values = values.combine_chunks()
            if not values.null_count:
                return values
        except (pa.ArrowException, UnicodeEncodeError):
            pass
    texts = [v if type(v) is str else str(v) for v in col.to_numpy(dtype=object)]
    try:
        return pa.array(texts, pa.large_string())
    except UnicodeEncodeError:  # lone surrogates: no name rule sees them apart from U+FFFD
        return pa.array([_SURROGATE.sub("\ufffd", t) for t in texts], pa.large_string())


def _variant_texts(records: pd.DataFrame, unnamed: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """(record position, text) of every name text of the records, in record order: the name
    (unless unnamed), then each ;-separated part of name_alt, then of alias (stripped)."""
    name = _text_column(records, "name")
    if unnamed.any():
        name = pc.if_else(pa.array(unnamed), "", name)
    named = np.flatnonzero(pc.not_equal(name, "").to_numpy(False))
    recs = [named]
    texts = [name.take(pa.array(named))]
    for column in ("name_alt", "alias"):
        values = _text_column(records, column)
        given = np.flatnonzero(pc.not_equal(values, "").to_numpy(False))
        lists = pc.split_pattern(values.take(pa.array(given)), ";")
        count = pc.list_value_length(lists).to_numpy(False).astype(np.int64)
        parts = pc.utf8_trim(lists.flatten(), _SPACE)
        kept = np.flatnonzero(pc.not_equal(parts, "").to_numpy(False))
        recs.append(np.repeat(given, count)[kept])
        texts.append(parts.take(pa.array(kept)))
    rec = np.concatenate(recs)
    order = np.argsort(rec, kind="stable")
    return rec[order], pa.concat_arrays(texts).take(pa.array(order))


@dataclass(frozen=True)
class NameTokens:
    """Name texts as ``names.variant_tokens`` tokenised them, kept so that merging can read them
    instead of tokenising the same texts again (reconcile.merge_names.Names).

    texts:   the texts (Arrow strings), possibly repeated
    start:   int64[len(texts) + 1]  text i's rows are start[i]:start[i + 1]
    variant: int16 or int32[rows]   the variant of each row (names.Variants.variant)
    token:   int32[rows]            the token of each row, as a position in `vocab`
    vocab:   list[str]              the distinct tokens
    rec:     int32[len(texts)] or None  the record each text is of (name_table: the records
             frame's row, a record's texts in _variant_texts' order), a hint for finding them
    """

    texts: pa.Array
    start: np.ndarray
    variant: np.ndarray
    token: np.ndarray
    vocab: list[str]
    rec: np.ndarray | None = None

    @classmethod
    def of(cls, texts: pa.Array, v: names.Variants, rec: np.ndarray | None = None) -> NameTokens:
        """What variant_tokens(texts) returned (v), held by text."""
        start = np.searchsorted(v.text, np.arange(len(texts) + 1)).astype(np.int64)
        small = not len(v.variant) or int(v.variant.max()) < np.iinfo(np.int16).max
        variant = v.variant.astype(np.int16) if small else v.variant
        at = None if rec is None else rec.astype(np.int32)
        return cls(texts, start, variant, v.token, v.vocab, at)


# The name tokens prepare() keeps while `keeping_tokens` is active (None: keep nothing).
_KEPT: ContextVar[list[NameTokens] | None] = ContextVar("kept_name_tokens", default=None)


@contextmanager
def keeping_tokens() -> Iterator[list[NameTokens]]:
    """Within the block, every name_table (prepare) appends to the yielded list the name tokens
    it computed, for merge_persons to reuse (reconcile.pipeline). Matching is the same with or
    without it."""
    kept: list[NameTokens] = []
    token = _KEPT.set(kept)
    try:
        yield kept
    finally:
        _KEPT.reset(token)


def _tokens_of(
    texts: pa.Array, collect: list[NameTokens] | None = None, rec: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """The variants of name texts as token rows, fillers out and at most MAX_TOKENS tokens
    (given, father, grandfather ... and the family name); variants left empty dropped.

    Returns (text of each row, int32[rows, MAX_TOKENS] token codes with -1 padding, the token
    text of each code); rows in text order, then variant order. collect: a list to append the
    texts' variant_tokens to (NameTokens, with `rec`, each text's record)."""
    v = names.variant_tokens(texts)
    if collect is not None:
        collect.append(NameTokens.of(texts, v, rec))
    cats = pd.Index(v.vocab, dtype=object)
    filler = np.asarray(cats.isin(FILLER_TOKENS) | (cats == ""), bool)
    keep = ~filler[v.token]
    text = v.text[keep]
    variant = v.variant[keep]
    codes = v.token[keep]
    del v, keep
    new = np.ones(len(codes), bool)
    new[1:] = (text[1:] != text[:-1]) | (variant[1:] != variant[:-1])
    del variant
    start = np.flatnonzero(new).astype(np.int32)
    group = np.cumsum(new, dtype=np.int32) - 1
    del new
    pos = np.arange(len(codes), dtype=np.int32) - start[group]
    count = np.diff(np.append(start, len(codes)))[group]
    kept = (pos < MAX_TOKENS - 1) | (pos == count - 1)
    del count
    rows = np.full((len(start), MAX_TOKENS), -1, np.int32)
    rows[group[kept], np.minimum(pos[kept], MAX_TOKENS - 1)] = codes[kept]
    return text[start], rows, cats


def name_table(records: pd.DataFrame) -> NameTable:
    """Build the NameTable of a records frame (columns name, name_alt, alias; name_unknown and
    name_is_relation records contribute only their name_alt/alias).

    The texts are split into variants in bulk (``names.variant_tokens``); a record's rows
    are the variants of its texts in order, a variant equal to an earlier one of the record
    left out. Token ids and key ids are numbered in order of first appearance."""
    n = len(records)
    unnamed = np.zeros(n, bool)
    for flag in ("name_unknown", "name_is_relation"):
        if flag in records:
            unnamed |= records[flag].fillna(False).to_numpy(dtype=bool)
    text_rec, texts = _variant_texts(records, unnamed)
    var_text, rows, cats = _tokens_of(texts, _KEPT.get(), text_rec)
    del texts
    rec = text_rec[var_text]
    # a variant equal to an earlier one of the same record is left out
    multi = np.flatnonzero(np.bincount(rec, minlength=n)[rec] > 1)
    if len(multi):
        seen = pd.DataFrame(rows[multi]).assign(rec=rec[multi]).duplicated().to_numpy()
        keep = np.ones(len(rec), bool)
        keep[multi[seen]] = False
        rec, rows = rec[keep], rows[keep]
    m = len(rec)
    new_rec = np.ones(m, bool)
    new_rec[1:] = rec[1:] != rec[:-1]
    starts = np.flatnonzero(new_rec)
    var = np.arange(m) - starts[np.cumsum(new_rec) - 1] if m else np.zeros(0, np.int64)
    # token ids in order of first appearance
    valid = rows >= 0
    ids, used = pd.factorize(rows[valid])
    tok = np.full((m, MAX_TOKENS), -1, np.int32)
    tok[valid] = ids
    vocab = [str(cats[c]) for c in used]
    keys: dict[str, int] = {}
    tok_key: list[int] = []
    tok_alt: list[int] = []
    tok_latin: list[bool] = []
    for t in vocab:
        k = names.token_key(t) or t
        tok_key.append(keys.setdefault(k, len(keys)))
        stripped = _strip_particle(t)
        if stripped:
            sk = names.token_key(stripped) or stripped
            tok_alt.append(keys.setdefault(sk, len(keys)))
        else:
            tok_alt.append(-1)
        tok_latin.append(names.script(t) == "latin")
    tk = np.asarray(tok_key, np.int32)
    ta = np.asarray(tok_alt, np.int32)
    tl = np.asarray(tok_latin, bool)
    key = np.where(valid, tk[np.where(valid, tok, 0)] if len(tk) else -1, -1).astype(np.int32)
    alt = np.where(valid, ta[np.where(valid, tok, 0)] if len(ta) else -1, -1).astype(np.int32)
    latin = tl[tok[:, 0]] if m else np.zeros(0, bool)
    return NameTable(
        rec=rec.astype(np.int32),
        var=var.astype(np.int16),
        ntok=valid.sum(axis=1).astype(np.int8),
        tok=tok,
        key=key,
        alt=alt,
        latin=latin,
        vocab=vocab,
        keys=list(keys),
        tok_key=tk,
        tok_alt=ta,
        tok_latin=tl,
    )


def position_class(ntok: np.ndarray) -> np.ndarray:
    """int8[n, MAX_TOKENS]: 0 for the given name, 2 for the family name (the last of two or
    more tokens), 1 for the names between (father, grandfather)."""
    pos = np.arange(MAX_TOKENS)[None, :]
    n = ntok.astype(np.int64)[:, None]
    cls = np.where(pos == 0, 0, np.where((pos == n - 1) & (n > 1), 2, 1))
    return cls.astype(np.int8)


def key_frequency(table: NameTable, rec_mask: np.ndarray, n_keys: int) -> np.ndarray:
    """float[3, n_keys]: for each position class (given, middle, family), the share of the
    records selected by rec_mask whose name has the key in that position.

    This is the chance that a random record of that claim agrees on the token: the u-probability
    of a token agreement, with term-frequency adjustment by position, as in Fellegi-Sunter
    linkage. Middle names (father, grandfather) share one class."""
    sel = rec_mask[table.rec]
    n_records = max(int(rec_mask.sum()), 1)
    k = table.key[sel].astype(np.int64)
    cls = position_class(table.ntok[sel]).astype(np.int64)
    r = np.repeat(table.rec[sel].astype(np.int64), MAX_TOKENS).reshape(k.shape)
    ok = k >= 0
    code = (cls[ok] * n_keys + k[ok]) * (len(rec_mask) + 1) + r[ok]
    code = unique_sorted(code) // (len(rec_mask) + 1)
    counts = np.bincount(code, minlength=3 * n_keys).astype(np.float64)
    # smoothed towards a typical name's frequency, so that a short list (where every name is
    # "frequent") does not make every name worthless: `PSEUDO_RECORDS` records of prior weight
    return (counts.reshape(3, n_keys) + PSEUDO_RECORDS * TYPICAL_FREQUENCY) / (
        n_records + PSEUDO_RECORDS
    )


# ---------------------------------------------------------------- arrays that matching reads


def _col(records: pd.DataFrame, name: str, default: object = "") -> np.ndarray:
    """A column as an object array of str ("" for missing); equal values share one str object
    (a str per cell would cost ~100 bytes a cell: a gigabyte for ten columns at 1M records)."""
    if name in records:
        s = records[name]
        if default == "":
            codes, uniques = pd.factorize(s.fillna("").astype(str))
            return np.asarray(uniques, dtype=object)[codes]
        return s.to_numpy()
    return np.full(len(records), default, dtype=object)


def _num(records: pd.DataFrame, name: str) -> np.ndarray:
    if name in records:
        return pd.to_numeric(records[name], errors="coerce").to_numpy(dtype=np.float64)
    return np.full(len(records), np.nan)


@dataclass
class Prepared:
    """Arrays over the records frame that comparisons read."""

    records: pd.DataFrame
    table: NameTable
    claim_code: np.ndarray
    claim_ids: list[str]
    named: np.ndarray
    cols: dict[str, np.ndarray]
    u_of_claim: dict[int, np.ndarray]
    context: np.ndarray  # per record: the group it is listed with, or its family name key
    group: np.ndarray  # per record: claim + group label, or ""


def prepare(records: pd.DataFrame, claim_ids: Sequence[str]) -> Prepared:
    records = records.reset_index(drop=True)
    table = name_table(records)
    code_of = {c: i for i, c in enumerate(claim_ids)}
    claims, claim_values = pd.factorize(records["claim"])  # a lookup per claim, not per record
    lookup = np.array([code_of.get(str(c), -1) for c in claim_values] + [-1], np.int64)
    claim_code = lookup[claims]
    if (claim_code < 0).any():
        unknown = records["claim"][claim_code < 0].iloc[0]
        raise ValueError(f"record of claim {unknown!r}, which is not among the claims given")
    named = np.zeros(len(records), bool)
    named[table.rec] = True
    cols = {
        "sex": _col(records, "sex_n"),
        "age_group": _col(records, "age_group_n"),
        "dob": _col(records, "dob_n"),
        "national_id": _col(records, "national_id_n"),
        "status": _col(records, "status_n"),
        "relation_term": _col(records, "relation_term"),
        "relation_to": _col(records, "relation_to"),
        "location": _col(records, "location"),
        "nationality": _col(records, "nationality"),
        "group": _col(records, "group_n") if "group_n" in records else _col(records, "group"),
    }
    cols["age_min"] = _num(records, "age_min")
    cols["age_max"] = _num(records, "age_max")
    n_keys = len(table.keys)
    u_of_claim = {
        code: key_frequency(table, claim_code == code, n_keys) for code in range(len(claim_ids))
    }
    # context: the record's group within its claim; for a claim without groups, the family name
    # (texts built once per distinct value and shared: a new str per record would cost ~100 MB
    # a column at 1M records)
    grouped = cols["group"] != ""
    labels, label_texts = pd.factorize(cols["group"][grouped])  # (integers: no tuple per row)
    width = np.int64(len(label_texts) + 1)
    pair_ids, distinct = pd.factorize(claim_code[grouped] * width + labels)
    names_ = np.array(
        [claim_ids[int(c // width)] + "\x1f" + str(label_texts[c % width]) for c in distinct]
        + [""],
        dtype=object,
    )
    group = names_[np.where(grouped, 0, -1)]
    group[grouped] = names_[pair_ids]
    main = table.var == 0
    last = table.key[main, np.maximum(table.ntok[main].astype(int) - 1, 0)]
    key_text = np.array(["k" + str(k) for k in range(len(table.keys))] + [""], dtype=object)
    family = key_text[np.full(len(records), -1)]
    family[table.rec[main]] = key_text[last]  # -1 (no key): ""
    claim_has_groups = pd.Series(group != "").groupby(claim_code).transform("any").to_numpy()
    context = np.where(claim_has_groups, group, family).astype(object)
    return Prepared(
        records, table, claim_code, list(claim_ids), named, cols, u_of_claim, context, group
    )
