"""Matching a case: candidates -> comparisons -> weights -> persons, and explanations of a pair.

`match_records(records, claims, decisions)` is the whole matching stage as one pure function; see
docs/matching.md for how a match is decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from reconcile import cluster, compare, names
from reconcile.candidates import CandidateStats, candidate_pairs, estimate_pairs
from reconcile.prepare import FILLER_TOKENS, NameTable, key_frequency, name_table
from reconcile.progress import Reporter
from reconcile.schema import LINK_COLUMNS, PAIR_COLUMNS
from reconcile.score import (
    CONTEXT_BITS,
    CONTEXT_MAX,
    Model,
    estimate_m,
    measure_u,
    prior_weight,
    probability,
    score,
)

FIELDS_COMPARED = (
    "sex",
    "age",
    "dob",
    "national_id",
    "relation",
    "status",
    "location",
    "nationality",
)


@dataclass
class Settings:
    """Matching settings (case.toml [matching] may override; all recorded in reports)."""

    threshold: float = 0.0  # link when the weight is at least this (bits; 0 = even odds)
    possible: float = -6.0  # pairs at least this strong are kept as `possible` links
    margin: float = 1.0  # bits within which two candidates are a near-tie (ambiguous)
    expected_overlap: float = 0.8  # share of the smaller claim expected in the other
    duplicates: bool = True  # look for possible duplicates within each claim
    em: bool = True  # estimate m by EM on large lists
    jobs: int = -1  # worker threads for rapidfuzz (-1: all cores)

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class MatchResult:
    """pairs: PAIR_COLUMNS + lvl_*/w_* columns; links: LINK_COLUMNS (one row per record);
    stats: pairs compared and other counts; model: the probabilities used."""

    pairs: pd.DataFrame
    links: pd.DataFrame
    stats: dict[str, object] = field(default_factory=dict)
    model: Model = field(default_factory=Model)
    probes: pd.DataFrame = field(default_factory=pd.DataFrame)


def _col(records: pd.DataFrame, name: str, default: object = "") -> np.ndarray:
    if name in records:
        s = records[name]
        if default == "":
            return s.fillna("").astype(str).to_numpy(dtype=object)
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
    claim_code = records["claim"].map(code_of).to_numpy(dtype=np.int64)
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
    group = np.where(
        cols["group"] != "",
        records["claim"].astype(str).to_numpy(dtype=object) + "\x1f" + cols["group"],
        "",
    ).astype(object)
    main = table.var == 0
    family = np.full(len(records), "", dtype=object)
    last = table.key[main, np.maximum(table.ntok[main].astype(int) - 1, 0)]
    family[table.rec[main]] = np.where(last >= 0, "k" + last.astype(str), "")
    claim_has_groups = pd.Series(group != "").groupby(claim_code).transform("any").to_numpy()
    context = np.where(claim_has_groups, group, family).astype(object)
    return Prepared(
        records, table, claim_code, list(claim_ids), named, cols, u_of_claim, context, group
    )


TARGET_SEARCH_CAP = 5_000  # name rows searched for one relation target outside its group


def resolve_targets(p: Prepared) -> np.ndarray:
    """For each record with a relation ("wife of Qardash"), the record of the same claim that the
    relation points to (the best name match for "Qardash", token set similarity >= 90), or -1.

    The record's own group (household) is searched first, then the whole claim through the
    rarest word of the target's name; a target whose every word is too common to search
    (more than TARGET_SEARCH_CAP names) stays unresolved."""
    target = np.full(len(p.records), -1, dtype=np.int64)
    rel_to = p.cols["relation_to"]
    t = p.table
    for code in range(len(p.claim_ids)):
        in_claim = p.claim_code == code
        ask = np.flatnonzero(in_claim & (rel_to != ""))
        if len(ask) == 0:
            continue
        rows = np.flatnonzero(in_claim[t.rec])
        if len(rows) == 0:
            continue
        text_of = {int(r): " ".join(t.vocab[i] for i in t.tok[r] if i >= 0) for r in rows}
        by_token: dict[int, list[int]] = {}
        by_group: dict[str, list[int]] = {}
        for r in rows:
            for tok in t.tok[r]:
                if tok >= 0:
                    by_token.setdefault(int(tok), []).append(int(r))
            g = p.group[t.rec[r]]
            if g:
                by_group.setdefault(g, []).append(int(r))
        vocab_id = {w: i for i, w in enumerate(t.vocab)}
        cache: dict[tuple[str, str], int] = {}
        for rec in ask:
            text, group = str(rel_to[rec]), str(p.group[rec])
            key = (group, text)
            if key not in cache:
                cache[key] = _find_target(
                    text, by_group.get(group, []), by_token, vocab_id, text_of, t.rec
                )
            target[rec] = cache[key]
    target[target == np.arange(len(target))] = -1
    return target


def _find_target(
    text: str,
    group_rows: list[int],
    by_token: dict[int, list[int]],
    vocab_id: dict[str, int],
    text_of: dict[int, str],
    rec_of_row: np.ndarray,
) -> int:
    words = [w for w in names.name_tokens(text) if w not in FILLER_TOKENS]
    if not words:
        return -1
    query = " ".join(words)
    pools = [group_rows]
    postings = [by_token[vocab_id[w]] for w in words if w in vocab_id and vocab_id[w] in by_token]
    if postings:
        rarest = min(postings, key=len)
        if len(rarest) <= TARGET_SEARCH_CAP:
            pools.append(rarest)
    for pool in pools:
        if not pool:
            continue
        hit = process.extractOne(
            query, [text_of[r] for r in pool], scorer=fuzz.token_set_ratio, score_cutoff=90
        )
        if hit is not None:
            return int(rec_of_row[pool[hit[2]]])
    return -1


def relation_by_person(
    level: np.ndarray, ra: np.ndarray, rb: np.ndarray, target: np.ndarray, person: np.ndarray
) -> np.ndarray:
    """Relation levels refined by who the relations point to: the same kinship term to records
    of one person is `same`; to records of two different persons, `differs`."""
    out = level.copy()
    ta, tb = target[ra], target[rb]
    both = np.isin(level, ["term", "same", "unsure"]) & (ta >= 0) & (tb >= 0)
    same_person = both & (person[np.maximum(ta, 0)] == person[np.maximum(tb, 0)])
    out[same_person] = "same"
    out[both & ~same_person] = "differs"
    return out


def field_levels(
    p: Prepared, ra: np.ndarray, rb: np.ndarray, workers: int = -1
) -> dict[str, np.ndarray]:
    """The level of every compared field (not the name) for record pairs (ra[i], rb[i])."""
    c = p.cols
    return {
        "sex": compare.compare_sex(c["sex"][ra], c["sex"][rb]),
        "age": compare.compare_age(
            c["age_min"][ra],
            c["age_max"][ra],
            c["age_min"][rb],
            c["age_max"][rb],
            c["age_group"][ra],
            c["age_group"][rb],
        ),
        "dob": compare.compare_dob(c["dob"][ra], c["dob"][rb]),
        "national_id": compare.compare_id(c["national_id"][ra], c["national_id"][rb], workers),
        "relation": compare.compare_relation(
            c["relation_term"][ra],
            c["relation_to"][ra],
            c["relation_term"][rb],
            c["relation_to"][rb],
            workers,
        ),
        "status": compare.compare_exact_text(c["status"][ra], c["status"][rb]),
        "location": compare.compare_fuzzy_text(
            c["location"][ra], c["location"][rb], workers=workers
        ),
        "nationality": compare.compare_fuzzy_text(
            c["nationality"][ra], c["nationality"][rb], workers=workers
        ),
    }


COMPARE_CHUNK = 100_000  # record pairs compared at once (bounds memory; same result)


# every level a compared field can take, in a fixed order: levels travel as int8 codes into it
LEVEL_NAMES: dict[str, tuple[str, ...]] = {
    "name": compare.NAME_LEVELS,
    "sex": ("missing", "agree", "conflict"),
    "age": ("missing", "exact", "within1", "within3", "overlap", "group", "conflict"),
    "dob": ("missing", "exact", "year", "conflict"),
    "national_id": ("missing", "agree", "typo", "conflict"),
    "relation": ("missing", "same", "term", "unsure", "differs", "conflict"),
    "status": ("missing", "agree", "conflict"),
    "location": ("missing", "agree", "conflict"),
    "nationality": ("missing", "agree", "conflict"),
}


def encode(fld: str, levels: np.ndarray) -> np.ndarray:
    """A field's level names as int8 codes into LEVEL_NAMES[fld]."""
    codes = np.full(len(levels), -1, dtype=np.int8)
    for k, name in enumerate(LEVEL_NAMES[fld]):
        codes[levels == name] = k
    if (codes < 0).any():
        raise ValueError(f"unknown level of {fld}: {set(levels[codes < 0])}")
    return codes


def decode(fld: str, codes: np.ndarray) -> np.ndarray:
    """int8 codes back to the level names (an object array sharing one string per level)."""
    return np.asarray(LEVEL_NAMES[fld], dtype=object)[codes]


def compare_pairs(
    p: Prepared,
    ra: np.ndarray,
    rb: np.ndarray,
    workers: int = -1,
    chunk: int = COMPARE_CHUNK,
    progress: Reporter | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Names and every other field compared for record pairs, `chunk` pairs at a time.

    Returns the name weights and, for every field ("name" included), its levels as int8 codes
    (LEVEL_NAMES; decode() gives the names back): a byte a level, whatever the list's size."""
    rep = progress or Reporter()
    rep.start("comparing pairs", len(ra))
    weights: list[np.ndarray] = []
    parts: list[dict[str, np.ndarray]] = []
    for s in range(0, max(len(ra), 1), chunk):
        xa, xb = ra[s : s + chunk], rb[s : s + chunk]
        names_cmp = compare.best_name_comparison(
            p.table, xa, xb, p.u_of_claim, p.claim_code, workers
        )
        weights.append(names_cmp.weight)
        levels = field_levels(p, xa, xb, workers)
        levels["name"] = names_cmp.level
        parts.append({f: encode(f, lv) for f, lv in levels.items()})
        rep.advance(len(xa))
    rep.finish()
    codes = {f: np.concatenate([c[f] for c in parts]) for f in parts[0]}
    return np.concatenate(weights), codes


def _context_bonus(
    p: Prepared, ra: np.ndarray, rb: np.ndarray, base: np.ndarray, threshold: float
) -> np.ndarray:
    """Bits added to a pair for each other member of its group that strongly matches a member of
    the candidate's group (a family listed together in both claims)."""
    bonus = np.zeros(len(ra))
    strong = base >= threshold
    for x, y in ((ra, rb), (rb, ra)):
        gx = p.group[x]
        cy = p.context[y]
        ok = (gx != "") & (cy != "")
        if not ok.any():
            continue
        s = pd.DataFrame({"g": gx[strong & ok], "c": cy[strong & ok], "x": x[strong & ok]})
        s = s.drop_duplicates()
        n_members = s.groupby(["g", "c"])["x"].nunique()
        q = pd.DataFrame({"g": gx, "c": cy, "x": x})
        cnt = q.join(n_members.rename("n"), on=["g", "c"])["n"].fillna(0).to_numpy()
        self_in = q.merge(s.assign(me=1), on=["g", "c", "x"], how="left")["me"].fillna(0)
        others = np.where(ok, cnt - self_in.to_numpy(), 0)
        bonus = np.maximum(bonus, np.minimum(others * CONTEXT_BITS, CONTEXT_MAX))
    return bonus


def _decision_index(
    records: pd.DataFrame, decisions: pd.DataFrame
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Record index pairs of `same` and `different` decisions (unknown records are ignored: the
    loader reports them)."""
    pos = {
        (c, r): i
        for i, (c, r) in enumerate(zip(records["claim"], records["record_id"], strict=True))
    }
    same: list[tuple[int, int]] = []
    diff: list[tuple[int, int]] = []
    if decisions is None or decisions.empty:
        return same, diff
    for row in decisions.itertuples(index=False):
        a = pos.get((str(row.claim_a), str(row.record_a)))
        b = pos.get((str(row.claim_b), str(row.record_b)))
        if a is None or b is None or a == b:
            continue
        d = str(row.decision).strip().lower()
        (same if d == "same" else diff if d == "different" else []).append((min(a, b), max(a, b)))
    return same, diff


def match_records(
    records: pd.DataFrame,
    claim_ids: Sequence[str],
    decisions: pd.DataFrame | None = None,
    settings: Settings | None = None,
    progress: Reporter | None = None,
    probe: Sequence[tuple[int, int]] = (),
) -> MatchResult:
    """Match the records of a case (records frame with parsed columns; claim_ids in case order).

    probe: record index pairs to compare whatever blocking says; their rows (whatever their
    weight) are returned in MatchResult.probes, with `candidate` telling whether blocking had
    proposed them."""
    settings = settings or Settings()
    rep = progress or Reporter()
    say = rep.message
    workers = settings.jobs if settings.jobs else -1
    p = prepare(records, claim_ids)
    recs = p.records
    n = len(recs)
    sex, agegroup = p.cols["sex"], p.cols["age_group"]
    all_a: list[np.ndarray] = []
    all_b: list[np.ndarray] = []
    stats: dict[str, object] = {"records": n, "claims": len(claim_ids)}
    cand_stats: list[CandidateStats] = []
    claim_codes = range(len(claim_ids))
    pair_specs = list(combinations(claim_codes, 2))
    if settings.duplicates:
        pair_specs += [(c, c) for c in claim_codes]
    prior = np.zeros(0)
    priors: list[np.ndarray] = []
    rep.start("finding candidate pairs", len(pair_specs))
    for ca, cb in pair_specs:
        rep.advance()
        ia = np.flatnonzero(p.claim_code == ca)
        ib = np.flatnonzero(p.claim_code == cb)
        if len(ia) == 0 or len(ib) == 0:
            continue
        ra, rb, st = candidate_pairs(p.table, p.named, sex, agegroup, ia, ib, age=p.cols["age_min"])
        say(f"{claim_ids[ca]} x {claim_ids[cb]}: {st.pairs:,} candidate pairs")
        cand_stats.append(st)
        all_a.append(ra)
        all_b.append(rb)
        priors.append(_prior_of(p, np.array([ca]), np.array([cb]), settings).repeat(len(ra)))
    ra = np.concatenate(all_a) if all_a else np.zeros(0, np.int64)
    rb = np.concatenate(all_b) if all_b else np.zeros(0, np.int64)
    prior = np.concatenate(priors) if priors else np.zeros(0)
    # analysts' decisions are compared even when blocking did not propose them
    same_pairs, diff_pairs = _decision_index(
        recs, decisions if decisions is not None else pd.DataFrame()
    )
    decided = same_pairs + diff_pairs + [(min(a, b), max(a, b)) for a, b in probe]
    n_candidates = len(ra)
    if decided:
        have = set(zip(np.minimum(ra, rb).tolist(), np.maximum(ra, rb).tolist(), strict=True))
        extra = [(a, b) for a, b in decided if (a, b) not in have and (b, a) not in have]
        if extra:
            ea = np.array([a for a, _ in extra], np.int64)
            eb = np.array([b for _, b in extra], np.int64)
            ra, rb = np.concatenate([ra, ea]), np.concatenate([rb, eb])
            pa, pb = p.claim_code[ea], p.claim_code[eb]
            prior = np.concatenate([prior, _prior_of(p, pa, pb, settings)])
    stats["pairs_compared"] = len(ra)
    stats["compared_all_pairs"] = all(s.full for s in cand_stats) if cand_stats else True
    stats["blocking_keys_skipped"] = sum(s.keys_skipped for s in cand_stats)
    rep.finish()
    name_weight, codes = compare_pairs(p, ra, rb, workers, progress=rep)
    field_codes = {
        f: (c.astype(np.int64), np.asarray(LEVEL_NAMES[f], dtype=object))
        for f, c in codes.items()
        if f != "name"
    }
    model = Model(prior=0.0)
    cross = p.claim_code[ra] != p.claim_code[rb]
    if settings.em and cross.sum() >= 5_000:
        say("estimating m and u")
        big = max(
            pair_specs,
            key=lambda s: (
                (s[0] != s[1]) * int((p.claim_code == s[0]).sum() * (p.claim_code == s[1]).sum())
            ),
        )
        measure_u(
            model,
            lambda xa, xb: field_levels(p, xa, xb, workers),
            np.flatnonzero(p.claim_code == big[0]),
            np.flatnonzero(p.claim_code == big[1]),
        )
        estimate_m(
            model,
            (prior + name_weight)[cross],
            {f: (c[cross], names_) for f, (c, names_) in field_codes.items()},
        )
    base = score(model, prior + name_weight, field_codes)
    del field_codes

    # decisions override the weight
    n_rec = len(recs)
    pair_code = np.minimum(ra, rb).astype(np.int64) * n_rec + np.maximum(ra, rb)
    decided_same = np.isin(pair_code, [a * n_rec + b for a, b in same_pairs])
    decided_diff = np.isin(pair_code, [a * n_rec + b for a, b in diff_pairs])
    probed = np.isin(pair_code, [min(a, b) * n_rec + max(a, b) for a, b in probe])
    # pairs too weak to matter even with the most context go no further
    keep = (base >= settings.possible - CONTEXT_MAX) | decided_same | decided_diff | probed
    is_candidate = (np.arange(len(ra)) < n_candidates)[keep]
    ra, rb, base, prior = ra[keep], rb[keep], base[keep], prior[keep]
    name_weight = name_weight[keep]
    levels = {f: decode(f, c[keep]) for f, c in codes.items()}
    del codes
    decided_same, decided_diff, probed = decided_same[keep], decided_diff[keep], probed[keep]
    ctx = _context_bonus(p, ra, rb, base, settings.threshold)
    weight = base + ctx
    status = np.full(len(ra), "rejected", dtype=object)

    say("clustering")
    initial = status
    links, status, _ = _cluster(
        p, ra, rb, weight, decided_same, decided_diff, settings, initial.copy()
    )
    # second pass: kinship relations compared by the persons they point to
    target = resolve_targets(p)
    if (target[ra] >= 0).any() and (target[rb] >= 0).any():
        person = links["person_id"].to_numpy()
        refined = relation_by_person(levels["relation"], ra, rb, target, person)
        if (refined != levels["relation"]).any():
            levels["relation"] = refined
            base = score(
                model, prior + name_weight, {f: lv for f, lv in levels.items() if f != "name"}
            )
            ctx = _context_bonus(p, ra, rb, base, settings.threshold)
            weight = base + ctx
            links, status, _ = _cluster(
                p, ra, rb, weight, decided_same, decided_diff, settings, initial.copy()
            )
    pairs = pd.DataFrame(
        {
            "claim_a": recs["claim"].to_numpy()[ra],
            "record_a": recs["record_id"].to_numpy()[ra],
            "claim_b": recs["claim"].to_numpy()[rb],
            "record_b": recs["record_id"].to_numpy()[rb],
            "weight": np.round(weight, 4),
            "probability": np.round(probability(weight), 6),
            "status": status,
            "lvl_name": levels["name"],
            "w_name": np.round(name_weight, 4),
        }
    )
    for f in FIELDS_COMPARED:
        pairs["lvl_" + f] = levels[f]
        pairs["w_" + f] = np.round(model.weights(f, levels[f]), 4)
    pairs["w_context"] = np.round(ctx, 4)
    pairs["w_prior"] = np.round(prior + model.prior, 4)
    pairs["candidate"] = is_candidate
    probes = pairs[probed].reset_index(drop=True) if probe else pd.DataFrame()
    keep = (pairs["status"] != "rejected") | (weight >= settings.possible)
    pairs = pairs[keep].sort_values(["claim_a", "record_a", "claim_b", "record_b"], kind="stable")
    pairs = pairs.reset_index(drop=True)[
        list(PAIR_COLUMNS) + [c for c in pairs.columns if c not in PAIR_COLUMNS]
    ]
    stats["persons"] = int(links["person_id"].nunique())
    stats["ambiguous_records"] = int(links["ambiguous"].sum())
    stats["possible_duplicates"] = int((pairs["status"] == "duplicate").sum())
    return MatchResult(pairs=pairs, links=links, stats=stats, model=model, probes=probes)


def _prior_of(p: Prepared, ca: np.ndarray, cb: np.ndarray, settings: Settings) -> np.ndarray:
    """The prior weight of pairs between claims ca[i] and cb[i]."""
    size = np.bincount(p.claim_code, minlength=len(p.claim_ids)).astype(float)
    na, nb = size[ca], size[cb]
    out = np.empty(len(ca))
    for i in range(len(ca)):
        if ca[i] == cb[i]:
            out[i] = prior_weight(na[i] * (na[i] - 1) / 2, 0.01 * na[i])
        else:
            out[i] = prior_weight(na[i] * nb[i], settings.expected_overlap * min(na[i], nb[i]))
    return out


def _cluster(
    p: Prepared,
    ra: np.ndarray,
    rb: np.ndarray,
    weight: np.ndarray,
    decided_same: np.ndarray,
    decided_diff: np.ndarray,
    settings: Settings,
    status: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    recs = p.records
    n = len(recs)
    ca, cb = p.claim_code[ra], p.claim_code[rb]
    cross = ca != cb
    w = np.where(decided_same, cluster.DECIDED, np.where(decided_diff, -np.inf, weight))
    chosen = np.zeros(len(ra), bool)
    ambiguous_edge = np.zeros(len(ra), bool)
    spec = pd.Series(np.arange(len(ra)))[cross].groupby([ca[cross], cb[cross]]).indices
    for _, idx in sorted(spec.items()):
        idx = np.asarray(idx)
        ch = cluster.assign(ra[idx], rb[idx], w[idx], settings.threshold)
        amb = cluster.near_ties(ra[idx], rb[idx], w[idx], ch, settings.threshold, settings.margin)
        amb &= ~decided_same[idx]
        chosen[idx] = ch & ~amb
        ambiguous_edge[idx] = amb
    # near-tie competitors: every above-threshold edge touching an ambiguous record
    amb_nodes = set(ra[ambiguous_edge].tolist()) | set(rb[ambiguous_edge].tolist())
    above = (w >= settings.threshold) & cross & ~chosen
    touch = (
        np.array([x in amb_nodes or y in amb_nodes for x, y in zip(ra, rb, strict=True)], bool)
        if amb_nodes
        else np.zeros(len(ra), bool)
    )
    ambiguous_edge |= above & touch
    uf = cluster.UnionFind.create(p.claim_code)
    for i in np.flatnonzero(decided_diff):
        uf.forbid(int(ra[i]), int(rb[i]))
    order = np.lexsort((rb, ra, -w))
    for i in order:
        if not chosen[i] and not decided_same[i]:
            continue
        x, y = int(ra[i]), int(rb[i])
        if decided_same[i] or uf.can_join(x, y):
            uf.join(x, y)
            status[i] = "decided-same" if decided_same[i] else "linked"
        else:
            status[i] = "possible"
    status[decided_diff] = "decided-different"
    status[ambiguous_edge & (status == "rejected")] = "ambiguous"
    status[(status == "rejected") & (w >= settings.possible) & cross] = "possible"
    # possible duplicates: two named records of one claim (unnamed rows alike are expected)
    dup = ~cross & (w >= settings.threshold) & (status == "rejected") & p.named[ra] & p.named[rb]
    status[dup] = "duplicate"

    roots = [uf.find(i) for i in range(n)]
    keys = [f"{c}:{r}" for c, r in zip(recs["claim"], recs["record_id"], strict=True)]
    members: dict[int, list[str]] = {}
    for root, key in zip(roots, keys, strict=True):
        members.setdefault(root, []).append(key)
    pid_of_root = {r: cluster.person_id(m) for r, m in members.items()}
    pids = np.array([pid_of_root[r] for r in roots], dtype=object)
    # score: the weight of the record's best link inside its person
    linked = np.isin(status, ["linked", "decided-same"])
    best = np.full(n, np.nan)
    for side in (ra, rb):
        top = pd.Series(weight[linked]).groupby(side[linked]).max()
        at = top.index.to_numpy()
        best[at] = np.fmax(best[at], top.to_numpy())
    amb_rec = np.zeros(n, bool)
    alts: dict[int, set[str]] = {}
    for i in np.flatnonzero(status == "ambiguous"):
        x, y = int(ra[i]), int(rb[i])
        amb_rec[x] = amb_rec[y] = True
        alts.setdefault(x, set()).add(keys[y])
        alts.setdefault(y, set()).add(keys[x])
    alternatives = [";".join(sorted(alts.get(i, set()))) for i in range(n)]
    links = pd.DataFrame(
        {
            "claim": recs["claim"].to_numpy(),
            "record_id": recs["record_id"].to_numpy(),
            "person_id": pids,
            "score": np.round(best, 4),
            "ambiguous": amb_rec,
            "alternatives": alternatives,
            "file": recs["file"].to_numpy() if "file" in recs else "",
            "row": recs["row"].to_numpy() if "row" in recs else 0,
        }
    )[list(LINK_COLUMNS)]
    return links, status, alternatives


def estimate_case_pairs(records: pd.DataFrame, claim_ids: Sequence[str]) -> int:
    """Estimated number of candidate pairs across claims, before a large run."""
    p = prepare(records, claim_ids)
    total = 0
    for ca, cb in combinations(range(len(claim_ids)), 2):
        total += estimate_pairs(p.table, p.claim_code == ca, p.claim_code == cb)
    return total
