"""Fellegi-Sunter scoring: each field level's m and u probabilities, their weights, and EM.

The match weight of a pair is log2 of the odds that the two records are the same person:
prior (log2 of the share of compared pairs expected to match) + the name weight (token rarity,
`reconcile.compare`) + for each other field log2(m / u) of its level, where m is the chance of
that level among true matches and u among non-matches. A missing level weighs 0: a value that
is not stated is never agreement.

Defaults work out of the box. On large lists u is measured on random record pairs (as splink's
`estimate_u_using_random_sampling`) and m is re-estimated by expectation-maximisation over the
candidate pairs, starting from the defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reconcile.pairkernel import level_masses, level_tables, total_weights
from reconcile.progress import Reporter

# field -> level -> (m, u). "missing" is never listed: it always weighs 0.
DEFAULT_MU: dict[str, dict[str, tuple[float, float]]] = {
    "sex": {"agree": (0.97, 0.5), "conflict": (0.03, 0.5)},
    "age": {
        "exact": (0.55, 0.03),
        "within1": (0.33, 0.06),
        "within3": (0.06, 0.10),
        "overlap": (0.5, 0.2),
        "group": (0.9, 0.45),
        "conflict": (0.06, 0.81),
    },
    "dob": {"exact": (0.85, 0.0005), "year": (0.1, 0.03), "conflict": (0.05, 0.97)},
    "national_id": {"agree": (0.9, 1e-6), "typo": (0.05, 1e-4), "conflict": (0.05, 0.9999)},
    "relation": {
        "same": (0.6, 0.01),
        "term": (0.3, 0.1),
        "unsure": (0.1, 0.1),
        "differs": (0.03, 0.3),
        "conflict": (0.07, 0.59),
    },
    "status": {"agree": (0.95, 0.6), "conflict": (0.05, 0.4)},
    "location": {"agree": (0.8, 0.3), "conflict": (0.2, 0.7)},
    "nationality": {"agree": (0.9, 0.5), "conflict": (0.1, 0.5)},
}

# per unit of group context (another member of the record's group matching a member of the
# candidate's group), in bits, and the most it can add
CONTEXT_BITS = 2.0
CONTEXT_MAX = 6.0


@dataclass
class Model:
    """The probabilities in force for a run (defaults, or measured and estimated)."""

    mu: dict[str, dict[str, tuple[float, float]]] = field(
        default_factory=lambda: {f: dict(lv) for f, lv in DEFAULT_MU.items()}
    )
    prior: float = -10.0  # log2 odds that a compared pair is a match, before any evidence
    em_iterations: int = 0
    u_measured: bool = False

    def weight(self, fld: str, level: str) -> float:
        if level == "missing" or level not in self.mu.get(fld, {}):
            return 0.0
        m, u = self.mu[fld][level]
        return float(np.log2(max(m, 1e-9) / max(u, 1e-9)))

    def weights(self, fld: str, levels: np.ndarray) -> np.ndarray:
        out = np.zeros(len(levels), dtype=np.float64)
        for lv in self.mu.get(fld, {}):
            out[levels == lv] = self.weight(fld, lv)
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "prior": round(self.prior, 4),
            "em_iterations": self.em_iterations,
            "u_measured": self.u_measured,
            "m_u": {
                f: {lv: [round(m, 6), round(u, 6)] for lv, (m, u) in sorted(levels.items())}
                for f, levels in sorted(self.mu.items())
            },
        }


def prior_weight(n_pairs_total: float, expected_matches: float) -> float:
    """log2 odds of a match for a random pair of records of two claims."""
    p = min(max(expected_matches / max(n_pairs_total, 1.0), 1e-12), 0.5)
    return float(np.log2(p / (1 - p)))


def measure_u(
    model: Model,
    level_fn: Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray] | Encoded],
    idx_a: np.ndarray,
    idx_b: np.ndarray,
    n_sample: int = 50_000,
    seed: int = 0,
) -> None:
    """Set each level's u to its frequency among random record pairs (nearly all non-matches).

    level_fn(ra, rb): each field's levels of the pairs (ra[i], rb[i]), as names or Encoded."""
    if len(idx_a) * len(idx_b) < 10_000:
        return
    rng = np.random.default_rng(seed)
    ra = rng.choice(idx_a, n_sample)
    rb = rng.choice(idx_b, n_sample)
    for fld, (codes, names) in _encoded(level_fn(ra, rb)).items():
        if fld not in model.mu:
            continue
        counts = np.bincount(codes[codes >= 0], minlength=len(names))
        total = len(codes) - int(counts[[str(n) == "missing" for n in names]].sum())
        if total < 100:
            continue
        count_of = dict(zip(map(str, names), counts.tolist(), strict=True))
        for level, (m, _) in list(model.mu[fld].items()):
            u = (count_of.get(level, 0) + 0.5) / (total + 0.5 * len(model.mu[fld]))
            model.mu[fld][level] = (m, float(u))
    model.u_measured = True


Encoded = dict[str, tuple[np.ndarray, np.ndarray]]  # field -> (codes, level names)


def encode_levels(levels: dict[str, np.ndarray]) -> Encoded:
    """Each field's levels as integer codes and the level names (hashing once, so that scoring
    and EM iterations never compare strings again)."""
    out: Encoded = {}
    for fld, lv in levels.items():
        codes, names = pd.factorize(lv)
        out[fld] = (codes.astype(np.int64), np.asarray(names, dtype=object))
    return out


def score(model: Model, fixed: np.ndarray, levels: dict[str, np.ndarray] | Encoded) -> np.ndarray:
    """Total weight: prior + fixed part (name, context) + each field level's weight, added in
    that order (one compiled pass over the pairs, no temporary per field)."""
    enc = _encoded(levels)
    return total_weights(
        model.prior, fixed, [codes for codes, _ in enc.values()], _level_tables(model, enc)
    )


def _level_tables(model: Model, enc: Encoded) -> np.ndarray:
    """Each field's level weights in code order (pairkernel.level_tables)."""
    return level_tables(
        [[model.weight(fld, str(n)) for n in names] for fld, (_, names) in enc.items()]
    )


def _encoded(levels: dict[str, np.ndarray] | Encoded) -> Encoded:
    """Levels as codes, encoding them unless they already are."""
    if all(isinstance(v, tuple) for v in levels.values()):
        return levels  # type: ignore[return-value]
    return encode_levels(levels)  # type: ignore[arg-type]


def estimate_m(
    model: Model,
    fixed: np.ndarray,
    levels: dict[str, np.ndarray] | Encoded,
    iterations: int = 10,
    min_pairs: int = 5_000,
    sample_weight: np.ndarray | None = None,
    progress: Reporter | None = None,
) -> None:
    """Re-estimate m by expectation-maximisation over the candidate pairs.

    u stays as measured, and so does the prior. Runs only on large lists (min_pairs), where it
    is reliable. sample_weight: how many pairs each one stands for, when they are a sample."""
    if len(fixed) < min_pairs and sample_weight is None:
        return
    enc = _encoded(levels)
    fields = [f for f in enc if f in model.mu]
    all_codes = [codes for codes, _ in enc.values()]
    em_codes = [enc[f][0] for f in fields]
    n_levels = max((len(enc[f][1]) for f in fields), default=0)
    w = np.empty(len(fixed))  # the weights, then in place the probabilities
    rep = progress or Reporter()
    rep.start("estimating m (EM)", iterations)
    for it in range(iterations):
        rep.advance()
        total_weights(model.prior, fixed, all_codes, _level_tables(model, enc), out=w)
        p = _probability_in_place(w)
        if sample_weight is not None:
            p *= sample_weight
        if p.sum() <= 1.0:
            break
        masses = level_masses(p, em_codes, n_levels)
        changed = 0.0
        for row, fld in enumerate(fields):
            names = enc[fld][1]
            mass = masses[row, : len(names)]
            known = np.array([n != "missing" for n in names], bool)
            pk = mass[known].sum()
            if pk < 10:
                continue
            n_levels_f = len(model.mu[fld])
            for k, name in enumerate(names):
                if name not in model.mu[fld]:
                    continue
                m_old, u = model.mu[fld][name]
                m_new = (mass[k] + 0.1) / (pk + 0.1 * n_levels_f)
                changed = max(changed, abs(m_new - m_old))
                model.mu[fld][name] = (float(m_new), u)
        model.em_iterations = it + 1
        if changed < 1e-3:
            break
    rep.finish()


def probability(weight: np.ndarray) -> np.ndarray:
    """The probability of a match of each weight (log2 odds, clipped to +-60 bits)."""
    return _probability_in_place(np.clip(weight, -60, 60))


def _probability_in_place(w: np.ndarray) -> np.ndarray:
    """1 / (1 + 2^-clip(w, -60, 60)) computed in w itself (no temporary), which it returns."""
    np.clip(w, -60, 60, out=w)
    np.negative(w, out=w)
    np.exp2(w, out=w)
    np.add(1.0, w, out=w)
    return np.divide(1.0, w, out=w)
