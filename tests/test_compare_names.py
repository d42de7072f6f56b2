"""Name comparison: the compiled kernel against a straightforward reference of the rules."""

from __future__ import annotations

import math
from itertools import product
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from reconcile import compare, jit, namekernel
from reconcile.prepare import NameTable, key_frequency, name_table

# ---------------------------------------------------------------- the reference, pair by pair


def ref_token_sim(t: NameTable, a: int, b: int) -> float:
    """Token similarity as the rules say it (rapidfuzz's similarities come as float32)."""
    if a == b:
        return 1.0
    ka, kb = int(t.tok_key[a]), int(t.tok_key[b])
    if t.tok_latin[a] == t.tok_latin[b]:
        s = float(np.float32(Levenshtein.normalized_similarity(t.vocab[a], t.vocab[b])))
    elif ka == kb:
        s = 0.95
    else:
        k = np.float32(Levenshtein.normalized_similarity(t.keys[ka], t.keys[kb]))
        s = float(k * np.float32(0.9)) if k >= 0.75 else 0.0
    alt_a, alt_b = int(t.tok_alt[a]), int(t.tok_alt[b])
    if (alt_a >= 0 and alt_a == kb) or (alt_b >= 0 and alt_b == ka):
        s = max(s, 0.88)
    return s


def ref_compare(
    t: NameTable, ra: int, rb: int, u_a: np.ndarray, u_b: np.ndarray
) -> tuple[float, str, float]:
    """(weight, level, share) of two name rows."""
    if t.ntok[ra] > t.ntok[rb]:
        ra, rb, u_a, u_b = rb, ra, u_b, u_a
    A = [int(x) for x in t.tok[ra] if x >= 0]
    B = [int(x) for x in t.tok[rb] if x >= 0]
    la, lb = len(A), len(B)
    if la == 0:
        return 0.0, "missing", 0.0

    def cls(i: int, n: int) -> int:
        return 0 if i == 0 else 2 if (i == n - 1 and n > 1) else 1

    sim = [[ref_token_sim(t, a, b) for b in B] for a in A]
    gain = [[0.0] * lb for _ in range(la)]
    for i, j in product(range(la), range(lb)):
        if sim[i][j] >= compare.TOKEN_MATCH:
            fa = u_a[cls(i, la), max(int(t.key[ra, i]), 0)]
            fb = u_b[cls(j, lb), max(int(t.key[rb, j]), 0)]
            u = max((fa + fb) / 2.0, 1e-6)
            w = min(max(math.log2(compare.M_TOKEN / u), 0.0), compare.MAX_TOKEN_WEIGHT)
            gain[i][j] = w * min(max((sim[i][j] - 0.75) / 0.25, 0.0), 1.0)

    def agrees(i: int, j: int) -> bool:
        return sim[i][j] >= compare.TOKEN_MATCH

    if la == 1:
        first = any(agrees(0, j) for j in range(lb))
        given_w = max([0.0, *gain[0]]) if first else compare.GIVEN_DIFFERS
    else:
        first = agrees(0, 0)
        given_w = gain[0][0] if first else compare.GIVEN_DIFFERS
    # monotone alignment of A[1:] into B[1:]: take (i with j), skip j, or leave i unmatched
    # (j passes too); nothing of B used: every A token unmatched
    neg = -1e9
    mono = 0.0
    if la > 1:
        dp = [[0.0] * lb] + [[neg] * lb for _ in range(la - 1)]
        for i in range(1, la):
            for j in range(1, lb):
                take = dp[i - 1][j - 1] + (gain[i][j] if agrees(i, j) else neg)
                dp[i][j] = max(take, dp[i][j - 1], dp[i - 1][j - 1] + compare.TOKEN_UNMATCHED)
            dp[i][0] = dp[i - 1][0] + compare.TOKEN_UNMATCHED
        mono = dp[la - 1][lb - 1]
    best = [max([0.0, *gain[i][1:]]) for i in range(1, la)]
    unordered = sum(b if b > 0 else compare.TOKEN_UNMATCHED for b in best)
    swapped = unordered > mono + 1e-9
    rest = mono + compare.SWAP_DISCOUNT * (unordered - mono) if swapped else mono
    share = (int(first) + sum(b > 0 for b in best)) / la
    fuzzy = any(0.8 <= s < 0.999 for r in sim for s in r)
    if not first:
        level = "different"
    elif la == lb and share >= 1 and not swapped and not fuzzy:
        level = "exact"
    elif share >= 1:
        level = "swapped" if swapped else "fuzzy" if fuzzy else "contained"
    else:
        level = "partial"
    return given_w + rest, level, share


# ---------------------------------------------------------------- random name tables

LATIN = st.text("abdhilmnrsu", min_size=1, max_size=9)
ARABIC = st.text("ابتحدرسلمنوي", min_size=1, max_size=8)
PARTICLED = st.sampled_from(["abu", "ابو", "", ""]).flatmap(
    lambda p: (ARABIC if p == "ابو" else LATIN).map(lambda s: p + s)
)
COMPOUND = (LATIN | ARABIC).flatmap(lambda s: st.sampled_from([s, s + "aldin", s + "الدين"]))
LONG = st.text("abn", min_size=18, max_size=30)  # compared on the fly, not looked up
# spellings of one name in two scripts (equal cross-script keys), with and without particles
KNOWN = st.sampled_from(
    [
        *("mohammed", "muhammad", "محمد", "ahmad", "ahmed", "أحمد", "abdallah", "عبدالله"),
        *("abuibrahim", "ابوابراهيم", "ibrahim", "ابراهيم", "nour", "نور", "nouraldin"),
        *("نورالدين", "alqurashi", "alqurayshi", "القرشي", "hashem", "هاشم"),
    ]
)
TOKEN = st.one_of(LATIN, ARABIC, PARTICLED, COMPOUND, LONG, KNOWN, KNOWN)
NAME = st.lists(TOKEN, min_size=0, max_size=7).map(" ".join)
RECORD = st.tuples(NAME, st.lists(NAME, max_size=2).map(";".join))


def table_of(records: list[tuple[str, str]]) -> tuple[NameTable, np.ndarray, list[np.ndarray]]:
    """Name table of records (name, name_alt); claims 0 and 1 alternately; u per claim."""
    frame = pd.DataFrame(records, columns=["name", "name_alt"])
    t = name_table(frame)
    claim = np.arange(len(records)) % 2
    u = [key_frequency(t, claim == c, len(t.keys)) for c in (0, 1)]
    return t, claim, u


def check_rows(t: NameTable, u: list[np.ndarray]) -> None:
    n = len(t.rec)
    ra, rb = (x.ravel() for x in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    got = compare.compare_names(t, ra, rb, u[0], u[1])
    for k, (a, b) in enumerate(zip(ra.tolist(), rb.tolist(), strict=True)):
        w, level, share = ref_compare(t, a, b, u[0], u[1])
        assert got.weight[k] == pytest.approx(w, abs=1e-9), (t.vocab, a, b)
        assert (got.level[k], got.sim[k]) == (level, share), (t.vocab, a, b)
    assert list(got.level) == [compare.NAME_LEVELS[c] for c in got.code]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RECORD, min_size=1, max_size=7))
def test_kernel_equals_reference_on_random_names(records: list[tuple[str, str]]) -> None:
    t, claim, u = table_of(records)
    check_rows(t, u)
    # record pairs: the best over their variants, the first among equal weights
    n = len(records)
    pa, pb = (x.ravel() for x in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    got = compare.best_name_comparison(t, pa, pb, {0: u[0], 1: u[1]}, claim)
    for k, (a, b) in enumerate(zip(pa.tolist(), pb.tolist(), strict=True)):
        rows_a = np.flatnonzero(t.rec == a).tolist()
        rows_b = np.flatnonzero(t.rec == b).tolist()
        each = [ref_compare(t, x, y, u[claim[a]], u[claim[b]]) for x in rows_a for y in rows_b]
        want = (0.0, "missing", 0.0)
        for i, c in enumerate(each):
            if i == 0 or c[0] > want[0]:
                want = c
        assert got.weight[k] == pytest.approx(want[0], abs=1e-9)
        assert (got.level[k], got.sim[k]) == want[1:]


@settings(max_examples=60, deadline=None)
@given(st.lists(TOKEN, min_size=2, max_size=40, unique=True))
def test_similar_tokens_are_all_found(tokens: list[str]) -> None:
    """Every pair of tokens at TOKEN_MATCH or more is in the neighbour lists (or compared on
    the fly), with the reference's similarity; below it, the kernel says below."""
    t, _, _ = table_of([(tok, "") for tok in tokens])
    kt = namekernel.kernel_table(t)
    v = len(t.vocab)
    for a, b in product(range(v), range(v)):
        want = ref_token_sim(t, a, b)
        if a == b or (len(kt.direct) and (kt.direct[a] or kt.direct[b])):
            continue
        got = dict(
            zip(
                kt.nb_id[kt.nb_off[a] : kt.nb_off[a + 1]].tolist(),
                kt.nb_val[kt.nb_off[a] : kt.nb_off[a + 1]].tolist(),
                strict=True,
            )
        ).get(b, 0.0)
        if want >= compare.TOKEN_MATCH:
            assert got == want, (t.vocab[a], t.vocab[b])
        else:
            assert got == 0.0, (t.vocab[a], t.vocab[b])


# ---------------------------------------------------------------- cases by hand


def test_levels_of_typical_pairs() -> None:
    t, _, u = table_of(
        [
            ("mohammed ahmad salem alnajjar", ""),
            ("mohammed ahmad salem alnajjar", ""),  # exact
            ("mohammed ahmad alnajjar", ""),  # contained
            ("mohammed ahmed salem alnajjar", ""),  # fuzzy
            ("mohammed salem ahmad alnajjar", ""),  # swapped
            ("khaled ahmad salem alnajjar", ""),  # different given name
            ("", ""),  # no name
        ]
    )
    rec = t.rec.tolist()
    row = {r: rec.index(r) for r in range(6)}
    pairs = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)]
    got = compare.compare_names(
        t, np.array([row[a] for a, _ in pairs]), np.array([row[b] for _, b in pairs]), u[0], u[1]
    )
    assert list(got.level) == ["exact", "contained", "fuzzy", "swapped", "different"]
    assert got.weight[0] > got.weight[2] > got.weight[4]
    best = compare.best_name_comparison(
        t, np.array([0, 6]), np.array([6, 1]), {0: u[0], 1: u[1]}, np.arange(7) % 2
    )
    assert list(best.level) == ["missing", "missing"] and list(best.weight) == [0.0, 0.0]


def test_chunked_equals_one_call() -> None:
    t, _, u = table_of([("ahmad salem nour", ""), ("ahmed salim nouraldin", "salem")] * 5)
    n = len(t.rec)
    ra, rb = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)
    one = compare.compare_names(t, ra, rb, u[0], u[1])
    parts = compare.table_compare_chunked(t, ra, rb, u[0], u[1], chunk=7)
    assert np.array_equal(one.weight, parts.weight) and np.array_equal(one.code, parts.code)
    assert np.array_equal(one.sim, parts.sim) and list(one.level) == list(parts.level)


def test_threads_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    t, _, u = table_of([("ahmad salem nour", "ahmed"), ("ahmed salim nouraldin", "")] * 20)
    n = len(t.rec)
    ra, rb = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)
    one = compare.compare_names(t, ra, rb, u[0], u[1], workers=1)
    monkeypatch.setattr(namekernel, "PARALLEL_FROM", 2)
    three = compare.compare_names(t, ra, rb, u[0], u[1], workers=3)
    assert np.array_equal(one.weight, three.weight) and np.array_equal(one.code, three.code)


def test_empty_and_unordered_tables() -> None:
    t, claim, u = table_of([("ahmad salem", ""), ("", "")])
    none = compare.best_name_comparison(t, np.zeros(0, int), np.zeros(0, int), {0: u[0]}, claim)
    assert len(none.weight) == len(none.level) == len(none.code) == 0
    shuffled = NameTable(**{**t.__dict__, "rec": t.rec[::-1].copy()})
    shuffled.__dict__.pop("_kernel_table", None)
    if len(shuffled.rec) > 1:
        with pytest.raises(ValueError, match="record order"):
            compare.best_name_comparison(
                shuffled, np.array([0]), np.array([1]), {0: u[0], 1: u[1]}, claim
            )


def test_tokens_must_be_packed_first() -> None:
    t, _, _ = table_of([("ahmad salem nour", "")])
    tok = t.tok.copy()
    tok[0, [0, 1]] = tok[0, [1, 0]]
    tok[0, 0] = -1
    bad = NameTable(
        **{**{k: v for k, v in t.__dict__.items() if not k.startswith("_")}, "tok": tok}
    )
    with pytest.raises(ValueError, match="first ntok"):
        namekernel.kernel_table(bad)


def test_no_writable_cache_still_compiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """numba refuses cache=True where no cache directory is writable: compiled without it."""
    import numba

    real = numba.njit

    def njit(*args: Any, **kw: Any) -> Any:
        if kw.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file")
        return real(*args, **kw)

    monkeypatch.setattr(numba, "njit", njit)

    def f(x: int) -> int:
        return x + 1

    assert jit.njit(f)(1) == 2
