"""The review queue: which pairs need an analyst, in what order, shown how, and what an answer does.

Pure: no file is read or written here (reconcile.decisions_io writes decisions.csv).

The queue, most consequential first (each pair appears once, under its first kind):

1. ``ambiguous``: near-ties the tool would not break (pairs.csv status ``ambiguous``); the pairs of
   one ambiguous group (a record and all the records it could be) come one after the other.
2. ``near the threshold``: pairs ``linked`` or ``possible`` whose weight is within NEAR_BITS of the
   threshold, or whose probability is between 0.2 and 0.8; closest to the threshold first.
3. ``sex or age group conflict``: linked pairs whose records state different sexes or age groups;
   weakest link first.
4. ``unnamed record``: the best candidates (status ``possible``) of records without a name;
   strongest first.

Pairs already in decisions.csv are never asked (in either order). Within a session, a pair that
earlier `same` answers settle (both records already joined, or one of them joined to another
record of the other's claim, which allows at most one record per claim) is passed over, and no
line is written for it: a decision concerns exactly its own two records.
"""

from __future__ import annotations

import datetime
import math
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import zip_longest

import pandas as pd

from reconcile.case import DECISION_COLUMNS
from reconcile.match import FIELDS_COMPARED
from reconcile.report.model import cell_text

KINDS: tuple[str, ...] = (
    "ambiguous",
    "near the threshold",
    "sex or age group conflict",
    "unnamed record",
)
NEAR_BITS = 3.0  # a pair whose weight is this close to the threshold is worth a look
NEAR_PROBABILITY = (0.2, 0.8)
OTHERS_SHOWN = 5  # other candidates listed under an item
COMPARED: tuple[str, ...] = ("name", *FIELDS_COMPARED)  # the lvl_/w_ columns of pairs
# rows of the side-by-side view: (label, record columns joined, comparison whose level it shows)
SHOWN: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("name", ("name", "name_alt", "alias"), "name"),
    ("sex", ("sex",), "sex"),
    ("age", ("age",), "age"),
    ("age_group", ("age_group",), ""),
    ("dob", ("dob",), "dob"),
    ("national_id", ("national_id",), "national_id"),
    ("group", ("group",), ""),
    ("relation", ("relation",), "relation"),
    ("status", ("status",), "status"),
    ("cause", ("cause",), ""),
    ("location", ("location",), "location"),
    ("nationality", ("nationality",), "nationality"),
    ("affiliation", ("affiliation",), ""),
    ("identified", ("identified",), ""),
    ("notes", ("notes",), ""),
)
ACTIONS: dict[str, str] = {
    "s": "same",
    "same": "same",
    "d": "different",
    "different": "different",
    "k": "skip",
    "skip": "skip",
    "u": "undo",
    "undo": "undo",
    "q": "quit",
    "quit": "quit",
}
KEYS_HELP = "s same, d different, k skip, u undo, q quit (a note may follow: s the first wife)"

Ref = tuple[str, str]  # (claim, record_id)
PairKey = tuple[Ref, Ref]  # the two refs, sorted


def pair_key(claim_a: str, record_a: str, claim_b: str, record_b: str) -> PairKey:
    """The key of a pair whatever the order of its records."""
    a, b = (claim_a, record_a), (claim_b, record_b)
    return (a, b) if a <= b else (b, a)


def ref_text(ref: Ref) -> str:
    return f"{ref[0]}:{ref[1]}"


@dataclass(frozen=True)
class Pair:
    """One scored pair of pairs.csv (PAIR_COLUMNS, lvl_*/w_* per field, w_context, w_prior)."""

    a: Ref
    b: Ref
    weight: float
    probability: float
    status: str
    levels: tuple[tuple[str, str, float], ...]  # (field, level, weight) for COMPARED fields
    context: float
    prior: float
    key: PairKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", pair_key(*self.a, *self.b))


@dataclass(frozen=True)
class Item:
    """One question: are the two records of `pair` the same person?"""

    kind: str  # one of KINDS
    pair: Pair
    others: tuple[Pair, ...]  # the other candidates of either record in the other's claim
    group: tuple[Ref, ...] = ()  # ambiguous items: every record of the ambiguous group


# ---------------------------------------------------------------- reading frames


def _texts(df: pd.DataFrame, col: str) -> list[str]:
    if col not in df.columns:
        return [""] * len(df)
    return [cell_text(v) for v in df[col].tolist()]


def _nums(df: pd.DataFrame, col: str) -> list[float]:
    if col not in df.columns:
        return [0.0] * len(df)
    return pd.to_numeric(df[col], errors="coerce").astype(float).tolist()


def _pairs(pairs: pd.DataFrame) -> list[Pair]:
    """pairs.csv's rows as Pair objects (column by column: fast on long lists)."""
    fields = [f for f in COMPARED if "lvl_" + f in pairs.columns]
    lvls = [_texts(pairs, "lvl_" + f) for f in fields]
    ws = [_nums(pairs, "w_" + f) for f in fields]
    cols = zip(
        _texts(pairs, "claim_a"),
        _texts(pairs, "record_a"),
        _texts(pairs, "claim_b"),
        _texts(pairs, "record_b"),
        _nums(pairs, "weight"),
        _nums(pairs, "probability"),
        _texts(pairs, "status"),
        _nums(pairs, "w_context"),
        _nums(pairs, "w_prior"),
        strict=True,
    )
    return [
        Pair(
            (ca, ra),
            (cb, rb),
            w,
            pr,
            st,
            tuple((f, lvls[j][i], ws[j][i]) for j, f in enumerate(fields)),
            ctx,
            prior,
        )
        for i, (ca, ra, cb, rb, w, pr, st, ctx, prior) in enumerate(cols)
    ]


def decided_keys(decisions: pd.DataFrame) -> set[PairKey]:
    """The pairs decisions.csv already settles (rows with DECISION_COLUMNS)."""
    if not len(decisions):
        return set()
    cols = [decisions[c].map(cell_text) for c in ("claim_a", "record_a", "claim_b", "record_b")]
    return {pair_key(*row) for row in zip(*cols, strict=True)}


def same_refs(decisions: pd.DataFrame) -> list[tuple[Ref, Ref]]:
    """The `same` decisions of decisions.csv as pairs of refs."""
    if not len(decisions):
        return []
    d = decisions[decisions["decision"].map(cell_text).str.strip().str.lower() == "same"]
    return [
        (
            (cell_text(r["claim_a"]), cell_text(r["record_a"])),
            (cell_text(r["claim_b"]), cell_text(r["record_b"])),
        )
        for r in d.to_dict("records")
    ]


def record_index(records: pd.DataFrame) -> dict[Ref, dict[str, object]]:
    keys = zip(records["claim"].map(cell_text), records["record_id"].map(cell_text), strict=True)
    rows: list[dict[str, object]] = [
        {str(k): v for k, v in r.items()} for r in records.to_dict("records")
    ]
    return dict(zip(keys, rows, strict=True))


def _unnamed(rec: Mapping[str, object]) -> bool:
    """No personal name: blank, a placeholder, or a kinship description, and no other name."""
    if cell_text(rec.get("name_alt", "")).strip() or cell_text(rec.get("alias", "")).strip():
        return False
    name = cell_text(rec.get("name", "")).strip()
    return not name or bool(rec.get("name_unknown")) is True or bool(rec.get("name_is_relation"))


def _stated(rec: Mapping[str, object], col: str) -> str:
    v = cell_text(rec.get(col, "")).strip()
    return "" if v == "unknown" else v


def _sex_or_age_conflict(a: Mapping[str, object], b: Mapping[str, object]) -> bool:
    for col in ("sex_n", "age_group_n"):
        va, vb = _stated(a, col), _stated(b, col)
        if va and vb and va != vb:
            return True
    return False


# ---------------------------------------------------------------- the queue


def _near(p: Pair, threshold: float) -> bool:
    if p.status not in ("linked", "possible"):
        return False
    lo, hi = NEAR_PROBABILITY
    return abs(p.weight - threshold) < NEAR_BITS or lo <= p.probability <= hi


def _union_find(
    joined: Iterable[tuple[Ref, Ref]],
) -> tuple[Callable[[Ref], Ref], dict[Ref, Ref]]:
    """The records joined pairwise into groups: find(record) -> its group's root, and the
    parent of every record seen."""
    parent: dict[Ref, Ref] = {}

    def find(x: Ref) -> Ref:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in joined:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return find, parent


def _ambiguous_groups(amb: list[Pair]) -> list[list[Pair]]:
    """Connected groups of ambiguous pairs (a record and every record it could be)."""
    find, _ = _union_find((p.a, p.b) for p in amb)
    groups: dict[Ref, list[Pair]] = {}
    for p in amb:
        groups.setdefault(find(p.a), []).append(p)
    ordered = [sorted(g, key=lambda p: (-p.weight, p.key)) for g in groups.values()]
    return sorted(ordered, key=lambda g: (-len(g), -g[0].weight, g[0].key))


def build_queue(
    pairs: pd.DataFrame,
    records: pd.DataFrame,
    decisions: pd.DataFrame,
    threshold: float = 0.0,
) -> list[Item]:
    """Every question worth an analyst's time, most consequential first (see the module doc).

    pairs: pairs.csv's frame (PAIR_COLUMNS + lvl_*/w_*); records: the case's records (claim,
    record_id, the text fields and sex_n, age_group_n, name_unknown, name_is_relation);
    decisions: decisions.csv's frame (DECISION_COLUMNS); threshold: the matching threshold.
    """
    all_pairs = [p for p in _pairs(pairs) if p.a[0] != p.b[0]]  # within-claim: not a link
    done = decided_keys(decisions)
    recs = record_index(records)
    by_ref: dict[Ref, list[Pair]] = {}
    for p in sorted(all_pairs, key=lambda p: (-p.weight, p.key)):  # strongest first
        by_ref.setdefault(p.a, []).append(p)
        by_ref.setdefault(p.b, []).append(p)

    def others(p: Pair) -> tuple[Pair, ...]:
        mine = {
            q.key: q
            for ref, other_claim in ((p.a, p.b[0]), (p.b, p.a[0]))
            for q in by_ref.get(ref, ())
            if q.key != p.key and (q.a[0] == other_claim or q.b[0] == other_claim)
        }
        return tuple(sorted(mine.values(), key=lambda q: (-q.weight, q.key)))

    open_pairs = [p for p in all_pairs if p.key not in done and not p.status.startswith("decided")]
    queue: list[Item] = []
    seen: set[PairKey] = set()

    def add(kind: str, ps: Iterable[Pair], group: tuple[Ref, ...] = ()) -> None:
        for p in ps:
            if p.key not in seen:
                seen.add(p.key)
                queue.append(Item(kind, p, others(p), group))

    for g in _ambiguous_groups([p for p in open_pairs if p.status == "ambiguous"]):
        refs = tuple(sorted({r for p in g for r in (p.a, p.b)}))
        add(KINDS[0], g, refs)
    near = [p for p in open_pairs if _near(p, threshold)]
    add(KINDS[1], sorted(near, key=lambda p: (abs(p.weight - threshold), -p.weight, p.key)))
    clash = [
        p
        for p in open_pairs
        if p.status == "linked" and _sex_or_age_conflict(recs.get(p.a, {}), recs.get(p.b, {}))
    ]
    add(KINDS[2], sorted(clash, key=lambda p: (p.weight, p.key)))
    best: list[Pair] = []
    for ref in sorted(by_ref):
        if not _unnamed(recs.get(ref, {})):
            continue
        cands = [p for p in by_ref[ref] if p.status == "possible" and p.key not in done]
        if cands:
            top = max(p.weight for p in cands)
            best += [p for p in cands if p.weight == top]
    add(KINDS[3], sorted(best, key=lambda p: (-p.weight, p.key)))
    return queue


# ---------------------------------------------------------------- answers and the session


@dataclass(frozen=True)
class Answer:
    action: str  # same | different | skip | undo | quit
    note: str = ""


def parse_answer(line: str) -> Answer | None:
    """`s the ground-floor wife` -> Answer("same", "the ground-floor wife"); None if not a key."""
    text = line.strip()
    if not text:
        return None
    word, _, note = text.partition(" ")
    action = ACTIONS.get(word.lower())
    return Answer(action, note.strip()) if action else None


def default_by() -> str:
    """Who decides when --by is not given: the login name, else "analyst"."""
    import getpass

    try:
        return getpass.getuser().strip() or "analyst"
    except Exception:  # no login name in this environment (getpass raises OSError or KeyError)
        return "analyst"


def today() -> str:
    """Today's date, ISO (tests may monkeypatch this)."""
    return datetime.date.today().isoformat()


def decision_row(item: Item, decision: str, by: str, date: str, why: str) -> dict[str, str]:
    """The decisions.csv row (DECISION_COLUMNS) for exactly this item's two records."""
    p = item.pair
    values = (p.a[0], p.a[1], p.b[0], p.b[1], decision, by, date, why)
    return dict(zip(DECISION_COLUMNS, values, strict=True))


@dataclass
class Session:
    """Where a review stands: the queue, the position, this session's decisions and skips.

    The CLI asks `current()`, writes the row of `decide()` (or removes the row `undo()` returns)
    and reports `summary()`. `same` holds the `same` decisions known (the file's and this
    session's), to pass over pairs they settle.
    """

    queue: list[Item]
    limit: int | None = None
    same: list[tuple[Ref, Ref]] = field(default_factory=list)
    pos: int = 0
    decided: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    skipped: set[int] = field(default_factory=set)
    _cache: tuple[tuple[tuple[Ref, Ref], ...], dict[Ref, frozenset[Ref]]] | None = field(
        default=None, repr=False, compare=False
    )

    def _groups(self) -> dict[Ref, frozenset[Ref]]:
        """Each record joined by `same` decisions -> every record of its group (cached)."""
        key = tuple(self.same)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        find, parent = _union_find(self.same)
        members: dict[Ref, set[Ref]] = {}
        for r in list(parent):
            members.setdefault(find(r), set()).add(r)
        groups = {r: frozenset(members[find(r)]) for r in parent}
        self._cache = (key, groups)
        return groups

    def _settled(self, item: Item) -> bool:
        """True when this session's or the file's `same` decisions already settle the pair."""
        if not self.same:
            return False
        groups = self._groups()
        a, b = item.pair.a, item.pair.b
        with_a, with_b = groups.get(a, frozenset({a})), groups.get(b, frozenset({b}))
        if b in with_a:
            return True
        return any(r[0] == b[0] for r in with_a) or any(r[0] == a[0] for r in with_b)

    def _answered(self) -> set[int]:
        return {i for i, _ in self.decided} | self.skipped

    def current(self) -> Item | None:
        """The next item to ask, or None when the queue (or the session's limit) is done."""
        if self.limit is not None and len(self._answered()) >= self.limit:
            return None
        answered = self._answered()
        while self.pos < len(self.queue):
            if self.pos not in answered and not self._settled(self.queue[self.pos]):
                return self.queue[self.pos]
            self.pos += 1
        return None

    def number(self) -> tuple[int, int]:
        """(this item's number, items open in all), for a `[3/40]` heading."""
        answered = self._answered()
        left = sum(
            1 for i, it in enumerate(self.queue) if i not in answered and not self._settled(it)
        )
        return len(answered) + 1, len(answered) + left

    def decide(self, decision: str, by: str, date: str, why: str) -> dict[str, str]:
        """Record `same` or `different` for the current item; returns its decisions.csv row."""
        item = self.current()
        if item is None:
            raise ValueError("no item to decide")
        row = decision_row(item, decision, by, date, why)
        self.decided.append((self.pos, row))
        if decision == "same":
            self.same.append((item.pair.a, item.pair.b))
        self.pos += 1
        return row

    def skip(self) -> None:
        if self.current() is not None:
            self.skipped.add(self.pos)
            self.pos += 1

    def last_decision(self) -> dict[str, str] | None:
        return self.decided[-1][1] if self.decided else None

    def undo(self) -> dict[str, str] | None:
        """Forget this session's last decision and go back to its item; returns its row."""
        if not self.decided:
            return None
        pos, row = self.decided.pop()
        if row["decision"] == "same":
            pair = ((row["claim_a"], row["record_a"]), (row["claim_b"], row["record_b"]))
            self.same.remove(pair)
        self.skipped = {i for i in self.skipped if i < pos}
        self.pos = pos
        return row

    def summary(self) -> tuple[int, int, int]:
        """(decided, skipped, left): left counts the open items neither answered nor settled."""
        answered = self._answered()
        left = sum(
            1 for i, it in enumerate(self.queue) if i not in answered and not self._settled(it)
        )
        return len(self.decided), len(self.skipped), left


# ---------------------------------------------------------------- one item as text


def _value(rec: Mapping[str, object], cols: tuple[str, ...]) -> str:
    parts: list[str] = []
    for c in cols:
        v = cell_text(rec.get(c, "")).strip()
        if v and v not in parts:
            parts.append(v)
    return "; ".join(parts)


def describe(rec: Mapping[str, object]) -> str:
    """A record in a few words: its name, else its relation, sex and age."""
    name = cell_text(rec.get("name", "")).strip()
    if name:
        return name
    parts = [cell_text(rec.get(c, "")).strip() for c in ("relation", "sex", "age", "age_group")]
    return ", ".join(p for p in parts if p) or "(no name)"


def _where(rec: Mapping[str, object]) -> str:
    row = cell_text(rec.get("row", ""))
    return f"{cell_text(rec.get('file', ''))}, row {row}" if row else cell_text(rec.get("file", ""))


def _side_by_side(label: str, va: str, vb: str, tail: str, width: int) -> list[str]:
    wa = textwrap.wrap(va, width) or [""]
    wb = textwrap.wrap(vb, width) or [""]
    lines = []
    for i, (x, y) in enumerate(zip_longest(wa, wb, fillvalue="")):
        head = label if i == 0 else ""
        end = tail if i == 0 else ""
        lines.append(f"{head:<12} {x:<{width}} {y:<{width}} {end}".rstrip())
    return lines


def render_item(
    item: Item,
    records: pd.DataFrame | Mapping[Ref, Mapping[str, object]],
    number: tuple[int, int] = (1, 1),
    blind: bool = False,
    width: int = 32,
) -> str:
    """The item as text: both records field by field (with each comparison's level and weight
    unless `blind`), the total, the sources' quotes, and the other candidates that lost."""
    recs = records if isinstance(records, Mapping) else record_index(records)
    p = item.pair
    ra, rb = recs.get(p.a, {}), recs.get(p.b, {})
    lines = [
        f"[{number[0]}/{number[1]}] {item.kind}: is {ref_text(p.a)} the same person as "
        f"{ref_text(p.b)}?"
    ]
    if item.kind == KINDS[0] and item.group:
        lines.append("  ambiguous group: " + ", ".join(ref_text(r) for r in item.group))
    lines.append("")
    lines += _side_by_side(
        "", ref_text(p.a), ref_text(p.b), "" if blind else "level      weight", width
    )
    lines += _side_by_side("source", _where(ra), _where(rb), "", width)
    level = {f: (lvl, w) for f, lvl, w in p.levels}
    for label, cols, compared in SHOWN:
        va, vb = _value(ra, cols), _value(rb, cols)
        lvl, w = level.get(compared, ("", math.nan))
        if not va and not vb and lvl in ("", "missing"):
            continue
        tail = "" if blind or not compared or not lvl else f"{lvl:<10} {w:>+6.2f}"
        lines += _side_by_side(label, va or "-", vb or "-", tail, width)
    if not blind:
        lines += _side_by_side(
            "context", "(group members matching)", "", f"{'':<10} {p.context:>+6.2f}", width
        )
        lines += _side_by_side("prior", "(before looking)", "", f"{'':<10} {p.prior:>+6.2f}", width)
        lines.append(
            f"match weight {p.weight:+.2f} bits, probability {p.probability:.2f}, status {p.status}"
        )
    for ref, rec in ((p.a, ra), (p.b, rb)):
        quote = cell_text(rec.get("quote", "")).strip()
        if quote:
            lines.append(f'quote {ref_text(ref)}: "{quote}"')
    if item.others:
        lines.append("other candidates:")
        for q in item.others[:OTHERS_SHOWN]:
            mine, other = (q.a, q.b) if q.a in (p.a, p.b) else (q.b, q.a)
            what = describe(recs.get(other, {}))
            score = "" if blind else f"  {q.weight:+.2f} bits, {q.status}"
            lines.append(f"  {ref_text(mine)} ~ {ref_text(other)} {what}{score}")
        if len(item.others) > OTHERS_SHOWN:
            lines.append(f"  {len(item.others) - OTHERS_SHOWN} more in pairs.csv")
    return "\n".join(lines) + "\n"
