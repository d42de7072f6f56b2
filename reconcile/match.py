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

from reconcile import cluster, compare
from reconcile.candidates import (
    Blocks,
    CandidateStats,
    candidate_pairs,
    estimate_blocks,
    merge_sorted,
)
from reconcile.clearbest import CLEAR_BELOW, CLEAR_LEAD
from reconcile.kinname import KIN_LEVEL, KinKeys, kin_keys, kin_names, kin_pairs
from reconcile.levels import (  # noqa: F401 (FIELDS_COMPARED, LEVEL_NAMES: kept importable here)
    FIELDS_COMPARED,
    LEVEL_NAMES,
    LEVELS,
    FieldCodes,
    record_codes,
)
from reconcile.levels import field_codes as compare_fields
from reconcile.memory import release
from reconcile.pairrows import pair_rows, sort_pairs
from reconcile.prepare import Prepared, prepare
from reconcile.progress import Reporter
from reconcile.relate import context_bonus, relation_by_person, resolve_targets
from reconcile.score import (
    CONTEXT_MAX,
    Model,
    estimate_m,
    measure_u,
    prior_weight,
    score,
)


@dataclass
class Settings:
    """Matching settings (case.toml [matching] may override; all recorded in reports)."""

    threshold: float = 0.0  # link when the weight is at least this (bits; 0 = even odds)
    possible: float = -6.0  # pairs at least this strong are kept as `possible` links
    margin: float = 1.0  # bits within which two candidates are a near-tie (ambiguous)
    clear_below: float = CLEAR_BELOW  # bits under the threshold within which a pair that is
    # both records' clear best candidate is linked (0: never; reconcile.clearbest)
    clear_lead: float = CLEAR_LEAD  # bits by which such a pair beats each one's next candidate
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


def field_levels(
    p: Prepared,
    ra: np.ndarray,
    rb: np.ndarray,
    workers: int = -1,
    fields: FieldCodes | None = None,
) -> dict[str, np.ndarray]:
    """The level of every compared field (not the name) for record pairs (ra[i], rb[i]), as int8
    codes into LEVEL_NAMES. fields: the records' fields coded by levels.record_codes(p) (coded
    here when not given: pass them when comparing many batches)."""
    return compare_fields(fields if fields is not None else record_codes(p), ra, rb, workers)


LARGE_RUN = 100_000  # records from which matching first tells its estimated pairs (notice)
EM_SAMPLE = 2_000_000  # cross-claim pairs EM learns m from, at most (_em_sample)
EM_KEEP = -10.0  # pairs whose prior + name weight is at least this are all in the EM sample
KIN_CODE = LEVEL_NAMES["name"].index(KIN_LEVEL)  # the name level of a kinship row's pair
_REC = np.int32  # record positions of candidate pairs while all are held (2**31 records at most)
COMPARE_CHUNK = 100_000  # record pairs compared at once (bounds memory; same result)


def compare_pairs(
    p: Prepared,
    ra: np.ndarray,
    rb: np.ndarray,
    workers: int = -1,
    chunk: int = COMPARE_CHUNK,
    progress: Reporter | None = None,
    fields: FieldCodes | None = None,
    kin: KinKeys | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Names and every other field compared for record pairs, `chunk` pairs at a time.

    Returns the name weights and, for every field ("name" included), its levels as int8 codes
    (LEVEL_NAMES; decode() gives the names back): a byte a level, whatever the list's size.
    fields: the records' fields coded by levels.record_codes(p) (coded here when not given).
    kin: the case's kinship-only child rows (kinname.kin_keys), compared by their description."""
    rep = progress or Reporter()
    fc = fields if fields is not None else record_codes(p)
    rep.start("comparing pairs", len(ra))
    n = len(ra)
    weights = np.zeros(n)  # filled chunk by chunk: no list of parts to join at the end
    codes = {f: np.zeros(n, np.int8) for f in (*LEVELS, "name")}  # (the order scores add in)
    for s in range(0, n, chunk):
        xa, xb = ra[s : s + chunk], rb[s : s + chunk]
        names_cmp = compare.best_name_comparison(
            p.table, xa, xb, p.u_of_claim, p.claim_code, workers
        )
        if kin is not None:
            kin_names(p, kin, xa, xb, names_cmp.weight, names_cmp.code, KIN_CODE)
        weights[s : s + len(xa)] = names_cmp.weight
        codes["name"][s : s + len(xa)] = names_cmp.code
        for f, c in field_levels(p, xa, xb, workers, fc).items():
            codes[f][s : s + len(xa)] = c
        rep.advance(len(xa))
    rep.finish()
    return weights, codes


def claim_pair_candidates(
    p: Prepared, kin: KinKeys, ca: int, cb: int, blocks: Blocks | None = None
) -> tuple[np.ndarray, np.ndarray, CandidateStats] | None:
    """The record pairs match_records compares between claims ca and cb (ca == cb: possible
    duplicates within one claim), sorted: blocking's, and across claims the kinship-only child
    rows by their description's names (kin: kinname.kin_keys(p)); None when a claim is empty.
    blocks: estimate_blocks' blocks of the two claims, if made already."""
    ia = np.flatnonzero(p.claim_code == ca)
    ib = np.flatnonzero(p.claim_code == cb)
    if len(ia) == 0 or len(ib) == 0:
        return None
    ra, rb, st = candidate_pairs(
        p.table,
        p.named,
        p.cols["sex"],
        p.cols["age_group"],
        ia,
        ib,
        age=p.cols["age_min"],
        age_max=p.cols["age_max"],
        blocks=blocks,
    )
    if ca != cb and len(kin.rec):  # kinship-only rows by their description's names
        n = len(p.named)
        ka, kb = kin_pairs(p, kin, ia, ib)
        code = merge_sorted(ra * n + rb, [ka * n + kb])  # (both sorted already)
        ra, rb = code // n, code % n
        st.pairs = len(ra)
    return ra, rb, st


def _decision_index(
    records: pd.DataFrame, decisions: pd.DataFrame
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Record index pairs of `same` and `different` decisions (unknown records are ignored: the
    loader reports them)."""
    same: list[tuple[int, int]] = []
    diff: list[tuple[int, int]] = []
    if decisions is None or decisions.empty:
        return same, diff
    index = pd.MultiIndex.from_arrays(
        [records["claim"].astype(str).to_numpy(), records["record_id"].astype(str).to_numpy()]
    )
    last = np.arange(len(index))
    if not index.is_unique:  # a repeated id (the loader reports it): its last record
        keep = ~index.duplicated(keep="last")
        index, last = index[keep], last[keep]

    def positions(claim: str, record: str) -> np.ndarray:
        keys = pd.MultiIndex.from_arrays(
            [decisions[claim].astype(str).to_numpy(), decisions[record].astype(str).to_numpy()]
        )
        found = index.get_indexer(keys)
        return np.where(found >= 0, last[found], -1)

    pos_a, pos_b = positions("claim_a", "record_a"), positions("claim_b", "record_b")
    kinds = decisions["decision"].astype(str).str.strip().str.lower().to_numpy()
    for a, b, d in zip(pos_a.tolist(), pos_b.tolist(), kinds, strict=True):
        if a < 0 or b < 0 or a == b:
            continue
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
    rep.start("preparing names", 1)  # one step: the bar shows the time it takes
    p = prepare(records, claim_ids)
    rep.advance()
    rep.finish()
    recs = p.records
    n = len(recs)
    kin = kin_keys(p)
    made: dict[tuple[int, int], Blocks] = {}  # the estimate's blocks, for blocking to join
    if rep.notices and n >= LARGE_RUN:
        estimate = estimate_case_pairs(p, made)
        rep.notice(f"{n:,} records: about {estimate:,} pairs to compare across claims")
    all_a: list[np.ndarray] = []
    all_b: list[np.ndarray] = []
    stats: dict[str, object] = {"records": n, "claims": len(claim_ids)}
    cand_stats: list[CandidateStats] = []
    claim_codes = range(len(claim_ids))
    pair_specs = list(combinations(claim_codes, 2))
    if settings.duplicates:
        pair_specs += [(c, c) for c in claim_codes]
    # each claim pair's prior weight; claims as small ints, so that per-pair gathers stay small
    prior_of = _prior_table(p, settings)
    cc = p.claim_code.astype(np.int16 if len(claim_ids) < 2**15 else np.int64)
    segments: list[tuple[int, int, int]] = []  # (pairs, claim a, claim b) in the pairs' order
    rep.start("finding candidate pairs", len(pair_specs))
    for ca, cb in pair_specs:
        rep.advance()
        found = claim_pair_candidates(p, kin, ca, cb, made.pop((ca, cb), None))
        if found is None:
            continue
        ra, rb, st = found
        say(f"{claim_ids[ca]} x {claim_ids[cb]}: {st.pairs:,} candidate pairs")
        cand_stats.append(st)
        # record positions as int32 while every candidate is held (half the memory at 1M)
        all_a.append(ra.astype(_REC))
        all_b.append(rb.astype(_REC))
        segments.append((len(ra), ca, cb))
    ra = np.concatenate(all_a) if all_a else np.zeros(0, _REC)
    rb = np.concatenate(all_b) if all_b else np.zeros(0, _REC)
    del all_a, all_b
    # analysts' decisions are compared even when blocking did not propose them
    same_pairs, diff_pairs = _decision_index(
        recs, decisions if decisions is not None else pd.DataFrame()
    )
    decided = same_pairs + diff_pairs + [(min(a, b), max(a, b)) for a, b in probe]
    n_candidates = len(ra)
    if decided:
        have = np.minimum(ra, rb).astype(np.int64) * n + np.maximum(ra, rb)
        asked = np.array([a * n + b for a, b in decided], np.int64)
        known = np.isin(asked, have)
        extra = list(dict.fromkeys(d for d, k in zip(decided, known, strict=True) if not k))
        if extra:
            ea = np.array([a for a, _ in extra], _REC)
            eb = np.array([b for _, b in extra], _REC)
            ra, rb = np.concatenate([ra, ea]), np.concatenate([rb, eb])
    stats["pairs_compared"] = len(ra)
    if rep.notices and n >= LARGE_RUN:
        rep.notice(f"pairs compared: {len(ra):,}")
    stats["compared_all_pairs"] = all(s.full for s in cand_stats) if cand_stats else True
    stats["blocking_keys_skipped"] = sum(s.keys_skipped for s in cand_stats)
    rep.finish()
    release()  # blocking's keys and joins are freed
    fc = record_codes(p)
    name_weight, codes = compare_pairs(p, ra, rb, workers, progress=rep, fields=fc, kin=kin)
    level_names = {f: np.asarray(LEVEL_NAMES[f], dtype=object) for f in LEVELS}
    field_codes = {f: (c, level_names[f]) for f, c in codes.items() if f != "name"}
    model = Model(prior=0.0)
    # prior + name weight: what EM and scoring start from; the candidates come one claim pair
    # after another (segments), then the decided pairs blocking did not propose
    fixed = name_weight.copy()
    cross = np.empty(len(ra), bool)
    at = 0
    for size, ca, cb in segments:
        fixed[at : at + size] += prior_of[ca, cb]
        cross[at : at + size] = ca != cb
        at += size
    fixed[at:] += prior_of[cc[ra[at:]], cc[rb[at:]]]
    cross[at:] = cc[ra[at:]] != cc[rb[at:]]
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
            lambda xa, xb: {
                f: (c, level_names[f]) for f, c in field_levels(p, xa, xb, workers, fc).items()
            },
            np.flatnonzero(p.claim_code == big[0]),
            np.flatnonzero(p.claim_code == big[1]),
        )
        train, sample_weight = _em_sample(fixed, cross)
        estimate_m(
            model,
            fixed[train],
            {f: (c[train], names_) for f, (c, names_) in field_codes.items()},
            sample_weight=sample_weight,
            progress=rep,
        )
    base = score(model, fixed, field_codes)
    del field_codes, fixed, cross

    # decisions override the weight
    n_rec = len(recs)
    if decided:
        pair_code = np.minimum(ra, rb).astype(np.int64) * n_rec + np.maximum(ra, rb)
        decided_same = np.isin(pair_code, [a * n_rec + b for a, b in same_pairs])
        decided_diff = np.isin(pair_code, [a * n_rec + b for a, b in diff_pairs])
        probed = np.isin(pair_code, [min(a, b) * n_rec + max(a, b) for a, b in probe])
        del pair_code
    else:
        decided_same = decided_diff = probed = np.zeros(len(ra), bool)
    # pairs too weak to matter even with the most context go no further
    keep = np.flatnonzero(
        (base >= settings.possible - CONTEXT_MAX) | decided_same | decided_diff | probed
    )  # positions: one scan of the mask, not one per array taken
    is_candidate = keep < n_candidates
    ra, rb, base = ra[keep].astype(np.int64), rb[keep].astype(np.int64), base[keep]
    prior = prior_of[cc[ra], cc[rb]]
    name_weight = name_weight[keep]
    codes = {f: c[keep] for f, c in codes.items()}  # levels stay int8 codes to the end
    decided_same, decided_diff, probed = decided_same[keep], decided_diff[keep], probed[keep]
    del keep
    release()  # only the pairs worth clustering are left
    ctx = context_bonus(p, ra, rb, base, settings.threshold)
    weight = base + ctx
    status = np.empty(len(ra), dtype=object)
    status[:] = "rejected"  # (np.full of an object takes 30x longer)

    say("clustering")
    rep.start("clustering", 2)  # the first pass, then relations by person
    initial = status

    def link(weight: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        links, status, _ = cluster.link_pairs(
            p,
            ra,
            rb,
            weight,
            decided_same,
            decided_diff,
            initial.copy(),
            threshold=settings.threshold,
            margin=settings.margin,
            possible=settings.possible,
            clear_below=settings.clear_below,
            clear_lead=settings.clear_lead,
        )
        return links, status

    links, status = link(weight)
    rep.advance()
    # second pass: kinship relations compared by the persons they point to
    target = resolve_targets(p)
    if (target[ra] >= 0).any() and (target[rb] >= 0).any():
        person = links["person_id"].to_numpy()
        refined = relation_by_person(codes["relation"], ra, rb, target, person)
        if (refined != codes["relation"]).any():
            codes["relation"] = refined
            base = score(
                model,
                prior + name_weight,
                {f: (codes[f], level_names[f]) for f in LEVELS},
            )
            ctx = context_bonus(p, ra, rb, base, settings.threshold)
            weight = base + ctx
            links, status = link(weight)
    rep.finish()
    # the pairs worth listing (and the probes) become rows; the rest were only compared
    listed = (status != "rejected") | (weight >= settings.possible)
    rows = np.flatnonzero(listed | probed)
    pairs = pair_rows(
        p, model, rows, ra, rb, weight, status, name_weight, codes, ctx, prior, is_candidate
    )
    probes = pairs[probed[rows]].reset_index(drop=True) if probe else pd.DataFrame()
    pairs = sort_pairs(pairs[listed[rows]])  # (claim_a, record_a, claim_b, record_b) order
    stats["persons"] = int(links["person_id"].nunique())
    stats["ambiguous_records"] = int(links["ambiguous"].sum())
    stats["possible_duplicates"] = int((pairs["status"] == "duplicate").sum())
    return MatchResult(pairs=pairs, links=links, stats=stats, model=model, probes=probes)


def _em_sample(fixed: np.ndarray, cross: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The cross-claim pairs EM learns from, and how many pairs each stands for (None: all).

    On a long list: every pair whose prior + name weight is at least EM_KEEP (where the matches
    are), and a fixed random sample of the rest, each standing for 1/rate pairs, EM_SAMPLE in
    all: the same sums as over every pair, up to the sampling noise of pairs that are nearly
    never matches."""
    train = np.flatnonzero(cross)
    if len(train) <= EM_SAMPLE:
        return train, None
    strong = fixed[train] >= EM_KEEP
    rest = train[~strong]
    room = max(EM_SAMPLE - int(strong.sum()), 0)
    if room >= len(rest):
        return train, None
    pick = np.sort(np.random.default_rng(0).choice(len(rest), room, replace=False))
    chosen = np.zeros(len(train), bool)
    chosen[strong] = True
    chosen[np.flatnonzero(~strong)[pick]] = True
    weight = np.where(strong, 1.0, len(rest) / max(room, 1))[chosen]
    return train[chosen], weight


def _prior_table(p: Prepared, settings: Settings) -> np.ndarray:
    """float[k, k]: the prior weight of a pair of records of claims i and j (i == j: within one
    claim, where about 1% of the records are expected to be duplicates)."""
    size = np.bincount(p.claim_code, minlength=len(p.claim_ids)).astype(float)
    k = len(size)
    out = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            na, nb = size[i], size[j]
            if i == j:
                out[i, j] = prior_weight(na * (na - 1) / 2, 0.01 * na)
            else:
                out[i, j] = prior_weight(na * nb, settings.expected_overlap * min(na, nb))
    return out


def estimate_case_pairs(p: Prepared, keep: dict[tuple[int, int], Blocks] | None = None) -> int:
    """Estimated number of candidate pairs across claims, before they are found. keep: gets the
    blocks counted for the largest pair of claims (candidate_pairs(blocks=...) joins them
    rather than making them again; the others are let go, to bound memory)."""
    total = 0
    sizes = np.bincount(p.claim_code, minlength=len(p.claim_ids))
    pairs = list(combinations(range(len(p.claim_ids)), 2))
    largest = max(pairs, key=lambda s: int(sizes[s[0]]) * int(sizes[s[1]]), default=None)
    for ca, cb in pairs:
        estimate, blocks = estimate_blocks(p.table, p.claim_code == ca, p.claim_code == cb)
        total += estimate
        if keep is not None and blocks is not None and (ca, cb) == largest:
            keep[(ca, cb)] = blocks
    return total
