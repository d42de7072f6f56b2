"""Per-record matching features: name variants as token ids, cross-script keys and token rarity.

Matching works on integers, not strings: every distinct name token gets an id, every token a
cross-script key id, and each record's names become rows of a `NameTable` (one row per name
variant: the name, each `name_alt`, each `alias`, parenthesised or backticked alternates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reconcile import names

PSEUDO_RECORDS = 100.0  # prior weight of TYPICAL_FREQUENCY in key_frequency
TYPICAL_FREQUENCY = 0.01  # share of records with a given name part, before counting any
MAX_TOKENS = 6  # tokens kept per name variant (given, father, grandfather, ..., family)

# Words that stand where a given name should be but name no one in particular: kinship words and
# honorifics. They are dropped from the token list used for matching (kept in the original text).
FILLER_TOKENS = frozenset(
    {
        # Arabic kinship words (normalised forms)
        "الام", "ام", "ابن", "بنت", "ابنه", "زوج", "زوجه", "الطفل", "الطفله", "طفل", "طفله",
        "الحاج", "الحاجه", "الشهيد", "الشهيده", "الشيخ", "السيد", "السيده", "ارمله", "الارمله",
        # Latin
        "mr", "mrs", "ms", "dr", "sheikh", "hajj", "hajji", "haji", "the", "of", "and",
        "wife", "son", "daughter", "child", "mother", "father", "husband", "sister", "brother",
        "unknown", "unidentified", "woman", "man", "girl", "boy", "baby", "infant",
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


def _variant_texts(row: tuple[str, str, str]) -> list[str]:
    name, name_alt, alias = row
    texts = [name] if name else []
    for extra in (name_alt, alias):
        texts.extend(t.strip() for t in extra.split(";") if t.strip())
    return texts


def _tokens_of(text: str) -> list[list[str]]:
    out = []
    for toks in names.name_variants(text):
        kept = [t for t in toks if t and t not in FILLER_TOKENS]
        if kept:
            if len(kept) > MAX_TOKENS:  # keep given, father, grandfather ... and the family name
                kept = kept[: MAX_TOKENS - 1] + kept[-1:]
            out.append(kept)
    return out


def name_table(records: pd.DataFrame) -> NameTable:
    """Build the NameTable of a records frame (columns name, name_alt, alias; name_unknown and
    name_is_relation records contribute only their name_alt/alias)."""
    n = len(records)
    col = {c: records[c].to_numpy(dtype=object) if c in records else np.full(n, "", object)
           for c in ("name", "name_alt", "alias")}
    unnamed = np.zeros(n, bool)
    for flag in ("name_unknown", "name_is_relation"):
        if flag in records:
            unnamed |= records[flag].fillna(False).to_numpy(dtype=bool)
    vocab: dict[str, int] = {}
    keys: dict[str, int] = {}
    tok_key: list[int] = []
    tok_alt: list[int] = []
    tok_latin: list[bool] = []
    cache: dict[str, list[list[str]]] = {}

    def token_id(t: str) -> int:
        i = vocab.get(t)
        if i is None:
            i = vocab[t] = len(vocab)
            k = names.token_key(t) or t
            tok_key.append(keys.setdefault(k, len(keys)))
            stripped = _strip_particle(t)
            if stripped:
                sk = names.token_key(stripped) or stripped
                tok_alt.append(keys.setdefault(sk, len(keys)))
            else:
                tok_alt.append(-1)
            tok_latin.append(names.script(t) == "latin")
        return i

    recs: list[int] = []
    vars_: list[int] = []
    rows: list[list[int]] = []
    for i in range(n):
        name = "" if unnamed[i] else str(col["name"][i])
        texts = _variant_texts((name, str(col["name_alt"][i]), str(col["alias"][i])))
        v = 0
        seen: set[tuple[int, ...]] = set()
        for text in texts:
            variants = cache.get(text)
            if variants is None:
                variants = cache[text] = _tokens_of(text)
            for toks in variants:
                ids = tuple(token_id(t) for t in toks)
                if ids in seen:
                    continue
                seen.add(ids)
                recs.append(i)
                vars_.append(v)
                rows.append(list(ids))
                v += 1
    m = len(rows)
    tok = np.full((m, MAX_TOKENS), -1, np.int32)
    for r, ids in enumerate(rows):
        tok[r, : len(ids)] = ids
    tk = np.asarray(tok_key, np.int32)
    ta = np.asarray(tok_alt, np.int32)
    tl = np.asarray(tok_latin, bool)
    valid = tok >= 0
    key = np.where(valid, tk[np.where(valid, tok, 0)] if len(tk) else -1, -1).astype(np.int32)
    alt = np.where(valid, ta[np.where(valid, tok, 0)] if len(ta) else -1, -1).astype(np.int32)
    latin = np.array([bool(tl[ids[0]]) for ids in rows], bool) if m else np.zeros(0, bool)
    inv_vocab = [""] * len(vocab)
    for t, i in vocab.items():
        inv_vocab[i] = t
    inv_keys = [""] * len(keys)
    for k, i in keys.items():
        inv_keys[i] = k
    return NameTable(
        rec=np.asarray(recs, np.int32),
        var=np.asarray(vars_, np.int16),
        ntok=valid.sum(axis=1).astype(np.int8),
        tok=tok,
        key=key,
        alt=alt,
        latin=latin,
        vocab=inv_vocab,
        keys=inv_keys,
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
    code = np.unique(code) // (len(rec_mask) + 1)
    counts = np.bincount(code, minlength=3 * n_keys).astype(np.float64)
    # smoothed towards a typical name's frequency, so that a short list (where every name is
    # "frequent") does not make every name worthless: `PSEUDO_RECORDS` records of prior weight
    return (counts.reshape(3, n_keys) + PSEUDO_RECORDS * TYPICAL_FREQUENCY) / (
        n_records + PSEUDO_RECORDS
    )
