"""Names for merging: name texts tokenised in bulk, and the persons a relation's target names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reconcile.agree import (
    NameForm,
    RelationKey,
    Stated,
    forms_agree,
    forms_of,
    is_placeholder,
    meets_agree,
    name_forms,
    names_agree,
    norm_text,
    tokens_meet_many,
)
from reconcile.merge_records import TEXT, Records
from reconcile.names import Variants, variant_tokens
from reconcile.prepare import NameTokens


class Names:
    """Name texts tokenised in bulk (reconcile.names.variant_tokens), by position in `texts`:
    each token's text, variant and token (int32, in text then variant order), the vocabulary,
    and each text's first and last token + 1 (start, end). known: texts tokenised already
    (by matching's prepare), read instead of tokenising them again: the same tokens; hint:
    where each text may be in known[0] (tokens_reusing)."""

    def __init__(
        self, texts: pa.Array, known: Sequence[NameTokens] = (), hint: np.ndarray | None = None
    ) -> None:
        self.texts = texts
        n = len(texts)
        v = tokens_reusing(texts, known, hint)
        at = v.text
        self.variant, self.tok = v.variant, v.token
        self.vocab = np.asarray(v.vocab, dtype=object).reshape(-1)
        del v
        self.start = np.searchsorted(at, np.arange(n))
        self.end = np.searchsorted(at, np.arange(n), side="right")
        main = self.variant == 0
        self.n_words = np.bincount(at[main], minlength=n)  # tokens of the main form
        # the main form's words, space-joined ("" for a text without words), as Arrow strings
        offsets = pa.array(np.r_[0, np.cumsum(self.n_words)], type=pa.int64())
        words = pa.array(self.vocab, type=pa.large_string()).take(pa.array(self.tok[main]))
        lists = pa.LargeListArray.from_arrays(offsets, words)
        self.key: pa.Array = pc.binary_join(lists, pa.scalar(" ", TEXT))
        self._forms: dict[int, tuple[NameForm, ...]] = {}
        self._agreed: dict[tuple[int, int], bool] = {}  # forms_agree of texts, by warm

    def release(self) -> None:
        """Keep only `texts`, `n_words` and `key`: no more forms or tokens are asked for."""
        self._forms, self._agreed = {}, {}
        self.tok = self.variant = self.start = self.end = np.zeros(0, dtype=np.int64)
        self.vocab = np.zeros(0, dtype=object)

    def forms(self, i: int) -> tuple[NameForm, ...]:
        """agree.name_forms of text i."""
        got = self._forms.get(i)
        if got is None:
            lo, hi = int(self.start[i]), int(self.end[i])
            tokens = self.vocab[self.tok[lo:hi]].tolist()
            variants: dict[int, list[str]] = {}
            for v, t in zip(self.variant[lo:hi].tolist(), tokens, strict=True):
                variants.setdefault(v, []).append(t)
            got = self._forms[i] = forms_of(variants.values())
        return got

    def compatible(self, a: tuple[int, ...], b: tuple[int, ...]) -> bool:
        """agree's name comparator (some spelling of each agrees) on spellings by position
        (read from what `warm` decided, when it did)."""
        return any(self._agree(x, y) for x in a for y in b)

    def _agree(self, x: int, y: int) -> bool:
        got = self._agreed.get((x, y))
        if got is None:
            got = forms_agree(self.forms(x), self.forms(y))
        return got

    def warm(self, keys: Sequence[tuple[int, ...]], lo: Sequence[int], hi: Sequence[int]) -> None:
        """Decide at once every name comparison `compatible` may be asked for the records of
        some persons, keys[lo[g]:hi[g]] person g's records' spellings: each spelling of a record
        against each of every later record of its person, their tokens compared in one
        tokens_meet_many call instead of pair by pair (agree._forms_agree's verdicts)."""
        pairs: dict[tuple[int, int], None] = {}
        for g0, g1 in zip(lo, hi, strict=True):
            group = keys[g0:g1]
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    pairs.update(dict.fromkeys((x, y) for x in a for y in b))
        todo = [p for p in pairs if p not in self._agreed]
        if todo:
            got = self._agree_many(np.array(todo, dtype=np.int64).reshape(-1, 2))
            self._agreed.update(zip(todo, got, strict=True))

    def _agree_many(self, xy: np.ndarray) -> list[bool]:
        """forms_agree(forms(x), forms(y)) of text pairs (x, y), the rows of xy."""
        # each text's forms: runs of rows of one variant (a text without tokens has none)
        new = np.ones(len(self.tok), dtype=bool)
        at = np.repeat(np.arange(len(self.start)), self.end - self.start)  # each row's text
        new[1:] = (at[1:] != at[:-1]) | (self.variant[1:] != self.variant[:-1])
        gstart = np.flatnonzero(new)
        glen = np.diff(np.r_[gstart, len(self.tok)])
        gtext = at[gstart]
        n = len(self.start)
        g_lo = np.searchsorted(gtext, np.arange(n))
        g_n = np.searchsorted(gtext, np.arange(n), side="right") - g_lo
        # every pair of a form of x and a form of y: the shorter (x's among equals) first
        x, y = xy[:, 0], xy[:, 1]
        per = g_n[x] * g_n[y]
        p = np.repeat(np.arange(len(xy)), per)
        k = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
        gx = g_lo[x][p] + k // g_n[y][p]
        gy = g_lo[y][p] + k % g_n[y][p]
        swap = glen[gx] > glen[gy]
        gs, gl = np.where(swap, gy, gx), np.where(swap, gx, gy)
        ls, ll = glen[gs], glen[gl]
        # every token of the shorter against every token of the longer, row by row
        cells = ls * ll
        q = np.repeat(np.arange(len(gs)), cells)
        c = np.arange(int(cells.sum())) - np.repeat(np.cumsum(cells) - cells, cells)
        ta = self.tok[gstart[gs][q] + c // ll[q]]
        tb = self.tok[gstart[gl][q] + c % ll[q]]
        met = self._tokens_meet(ta, tb).tolist()
        out = [False] * len(xy)
        ends = np.cumsum(cells).tolist()
        for pi, a, b, end in zip(p.tolist(), ls.tolist(), ll.tolist(), ends, strict=True):
            if out[pi]:
                continue
            cell = met[end - a * b : end]
            out[pi] = meets_agree([cell[r * b : (r + 1) * b] for r in range(a)])
        return out

    def fullest(self, values: Sequence[Stated]) -> str:
        """agree.merged_fullest_name, values keyed by their spellings' positions (the name
        first)."""
        return max(values, key=lambda v: self.n_words[v.key[0]]).text

    def agree_in_order(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether the main forms of texts a[k] and b[k] agree with every word of the shorter
        meeting its own word of the longer, in order (found greedily, earliest word first):
        a matching that proves names_agree. False proves nothing."""
        la, lb = self.n_words[a], self.n_words[b]
        short, long_ = np.where(la <= lb, a, b), np.where(la <= lb, b, a)
        ls, ll = self.n_words[short], self.n_words[long_]
        done = np.zeros(len(a), dtype=np.int64)  # words of the shorter met so far
        for j in range(int(ll.max(initial=0))):
            on = np.flatnonzero((done < ls) & (j < ll) & (ll - j >= ls - done))
            ta = self.tok[self.start[short[on]] + done[on]]
            tb = self.tok[self.start[long_[on]] + j]
            done[on[self._tokens_meet(ta, tb)]] += 1
        return (ls > 0) & (done == ls)

    def _tokens_meet(self, ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
        pair = ta.astype(np.int64) * len(self.vocab) + tb
        back, uniq = pd.factorize(pair)
        n = len(self.vocab)
        met = tokens_meet_many(self.vocab[uniq // n].tolist(), self.vocab[uniq % n].tolist())
        return met[back.reshape(-1)]


def tokens_reusing(
    texts: pa.Array, known: Sequence[NameTokens] = (), hint: np.ndarray | None = None
) -> Variants:
    """variant_tokens(texts), read from `known` for the texts found there (each text's tokens
    are its own, whatever texts it was tokenised with) and computed for the others only. The
    vocabulary may hold tokens no text uses.

    hint: for each text, where it may be in known[0].texts (-1: nowhere), checked by comparing
    the two texts; with it, the texts not found there are tokenised, not looked for (hashing
    every known text costs more than tokenising the few left)."""
    if not known or not len(texts):
        return variant_tokens(texts)
    n = len(texts)
    ids: dict[str, int] = {}
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def read(k: NameTokens, at: np.ndarray, pos: np.ndarray) -> None:
        lo, count = k.start[pos], k.start[pos + 1] - k.start[pos]
        rows = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
        remap = np.array([ids.setdefault(t, len(ids)) for t in k.vocab], dtype=np.int32)
        parts.append((np.repeat(at, count), k.variant[rows], remap[k.token[rows]]))

    if hint is not None:
        k = known[0]
        check = np.flatnonzero((hint >= 0) & (hint < len(k.texts)))
        pos = hint[check].astype(np.int64)
        same = pc.equal(texts.take(pa.array(check)), k.texts.take(pa.array(pos)))
        hit = np.asarray(pc.fill_null(same, False).to_numpy(zero_copy_only=False), dtype=bool)
        read(k, check[hit], pos[hit])
        found = np.zeros(n, dtype=bool)
        found[check[hit]] = True
        todo = np.flatnonzero(~found)
    else:
        todo = np.arange(n)
        for k in known:
            if not len(todo):
                break
            look = texts if len(todo) == n else texts.take(pa.array(todo))
            pos = pc.fill_null(pc.index_in(look, value_set=k.texts), -1).to_numpy(False)
            hit = pos >= 0
            read(k, todo[hit], pos[hit].astype(np.int64))
            todo = todo[~hit]
    if len(todo):
        v = variant_tokens(texts.take(pa.array(todo)))
        remap = np.array([ids.setdefault(t, len(ids)) for t in v.vocab], dtype=np.int32)
        parts.append((todo[v.text], v.variant, remap[v.token] if len(v.token) else v.token))
    text = np.concatenate([p[0] for p in parts]).astype(np.int32)
    variant = np.concatenate([p[1].astype(np.int32) for p in parts])
    token = np.concatenate([p[2] for p in parts]).astype(np.int32)
    if len(parts) > 1:  # each part in text order: merged by a stable sort on the text
        order = np.argsort(text, kind="stable")
        text, variant, token = text[order], variant[order], token[order]
    return Variants(text, variant, token, list(ids))


def stated_relation(
    claim: str, text: str, term: str, to: str, name: str, is_relation: bool, ph: frozenset[str]
) -> Stated | None:
    text, term, to = text.strip(), term.strip(), to.strip()
    if not text and is_relation:
        text = name.strip()
    if term:  # the target is resolved to persons later, only where two relations meet
        return Stated(claim, text or (f"{term} of {to}" if to else term), RelationKey(term, to))
    if not text or is_placeholder(text, ph):
        return None
    return Stated(claim, text, RelationKey(norm_text(text), ""))  # a term nobody parsed


# A relation's target that shares its words' keys with more persons than this names no one in
# particular: it is left unresolved.
TARGET_CANDIDATES = 50
# Words in a relation's target that are not part of anyone's name ("the lieutenant").
TARGET_FILLER: frozenset[str] = frozenset({"the", "of", "and", "his", "her", "their"})


class Targets:
    """Resolves the target of a relation ("Qardash" in "wife of Qardash") to persons: those with
    a spelling that agrees with it as a name (names_agree), found through the cross-script keys
    of its words."""

    def __init__(
        self, recs: Records, spellings: Callable[[int], list[tuple[str, int]]], names: Names
    ) -> None:
        self._recs, self._spellings_of, self._names = recs, spellings, names
        self._index: dict[tuple[str, str], set[str]] = {}  # (claim or "", key) -> person ids
        self._spellings: dict[str, list[str]] = {}
        self._built = False

    def _build(self) -> None:
        """Index every spelling's word keys, by claim and case-wide (on first use only: most
        lists have few relations)."""
        index: dict[tuple[str, str], set[str]] = defaultdict(set)
        recs, names = self._recs, self._names
        for i, (p, claim) in enumerate(zip(recs.person.tolist(), recs.claim.tolist(), strict=True)):
            pid = recs.person_ids[p]
            for s, at in self._spellings_of(i):
                self._spellings.setdefault(pid, []).append(s)
                forms = names.forms(at)
                for k in (k for keys in (forms[0][1] if forms else ()) for k in keys):
                    index[(claim, k)].add(pid)
                    index[("", k)].add(pid)
        self._index, self._built = dict(index), True

    def _find(self, scope: str, target: str) -> frozenset[str]:
        if not self._built:
            self._build()
        forms = name_forms(target)
        tokens, keys = forms[0] if forms else ((), ())
        words = [ks for t, ks in zip(tokens, keys, strict=True) if t not in TARGET_FILLER]
        found: set[str] | None = None
        for ks in words:
            hit: set[str] = set().union(*(self._index.get((scope, k), set()) for k in ks))
            found = hit if found is None else found & hit
        if found and len(found) > TARGET_CANDIDATES:
            return frozenset()  # a name too common to point at anyone ("Mohammed")
        return frozenset(
            p for p in found or () if any(names_agree(target, s) for s in self._spellings[p])
        )

    def resolve(self, claim: str, pid: str, key: RelationKey) -> RelationKey:
        """The key with its target resolved: `person`, the one person of the relation's own
        claim (other than its own person `pid`) the target names, and `persons`, every person of
        the case it names."""
        if not key.to:
            return key
        within = self._find(claim, key.to) - {pid}
        person = next(iter(within)) if len(within) == 1 else ""
        return key._replace(person=person, persons=self._find("", key.to))
