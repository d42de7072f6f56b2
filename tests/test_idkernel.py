"""The compiled SHA-256 (reconcile.idkernel) gives hashlib's digests of the joined texts."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.idkernel import joined_digests


def _expected(texts: list[str], first: list[int], last: list[int]) -> list[int]:
    out = []
    for s, e in zip(first, last, strict=True):
        message = "\n".join(texts[s : e + 1]).encode("utf-8")
        out.append(int.from_bytes(hashlib.sha256(message).digest()[:8], "big"))
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=70), min_size=1, max_size=4), max_size=12))
def test_digests_equal_hashlib_on_every_length(groups: list[list[str]]) -> None:
    texts = [t for g in groups for t in g]
    last = np.cumsum([len(g) for g in groups]).astype(np.int64) - 1
    first = last - np.array([len(g) for g in groups], np.int64) + 1
    got = joined_digests(pa.array(texts, type=pa.string()), first, last)
    assert got.tolist() == _expected(texts, first.tolist(), last.tolist())


def test_block_boundaries_and_a_sliced_array() -> None:
    # messages of 55, 56, 63, 64, 65 and 119 bytes: one or two padding blocks
    texts = ["x" * n for n in (55, 56, 63, 64, 65, 119, 0)] + ["ب" * 40, "a:1"]
    arr = pa.array(["skipped", *texts], type=pa.large_string()).slice(1)
    idx = np.arange(len(texts))
    assert joined_digests(arr, idx, idx).tolist() == _expected(texts, idx.tolist(), idx.tolist())
    assert joined_digests(arr, np.array([7]), np.array([8])).tolist() == _expected(texts, [7], [8])
    assert joined_digests(arr, np.zeros(0, np.int64), np.zeros(0, np.int64)).size == 0
