"""SHA-256 of many short texts in one compiled (numba) pass: the digests behind person ids.

A person id hashes its members' 'claim:record_id' texts joined by a newline (cluster.person_id).
At a million records that is half a million hashlib calls; here every message is hashed in one
loop over the texts' UTF-8 bytes as Arrow holds them, with SHA-256 as FIPS 180-4 states it
(checked against hashlib in the tests). Only the digest's first 64 bits are returned: an id
uses 60 of them.

numba compiles at first use and caches next to this file (or in the user's cache directory;
neither writable: compiled in each process, about a second). Keep every compiled function in
this file: numba's cache does not see changes to other modules.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from reconcile.jit import compile_module

# the first 32 bits of the fractional parts of the cube roots of the first 64 primes
_K = np.array(
    [
        0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4,
        0xAB1C5ED5, 0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE,
        0x9BDC06A7, 0xC19BF174, 0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F,
        0x4A7484AA, 0x5CB0A9DC, 0x76F988DA, 0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7,
        0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967, 0x27B70A85, 0x2E1B2138, 0x4D2C6DFC,
        0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85, 0xA2BFE8A1, 0xA81A664B,
        0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070, 0x19A4C116,
        0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
        0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7,
        0xC67178F2,
    ],
    dtype=np.uint64,
)  # fmt: skip
# the first 32 bits of the fractional parts of the square roots of the first 8 primes
_H0 = np.array(
    [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB,
     0x5BE0CD19],
    dtype=np.uint64,
)  # fmt: skip


def _rotr(x: Any, n: Any) -> Any:
    """x rotated right by n bits, as 32-bit words held in uint64."""
    return ((x >> n) | (x << (np.uint64(32) - n))) & np.uint64(0xFFFFFFFF)


def _compress(state: np.ndarray, block: np.ndarray, w: np.ndarray, k: np.ndarray) -> None:
    """One 64-byte block into the state (8 words), w a scratch of 64 words."""
    mask = np.uint64(0xFFFFFFFF)
    for t in range(16):
        w[t] = (
            (np.uint64(block[4 * t]) << np.uint64(24))
            | (np.uint64(block[4 * t + 1]) << np.uint64(16))
            | (np.uint64(block[4 * t + 2]) << np.uint64(8))
            | np.uint64(block[4 * t + 3])
        )
    for t in range(16, 64):
        x, y = w[t - 15], w[t - 2]
        s0 = _rotr(x, np.uint64(7)) ^ _rotr(x, np.uint64(18)) ^ (x >> np.uint64(3))
        s1 = _rotr(y, np.uint64(17)) ^ _rotr(y, np.uint64(19)) ^ (y >> np.uint64(10))
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & mask
    a, b, c, d = state[0], state[1], state[2], state[3]
    e, f, g, h = state[4], state[5], state[6], state[7]
    for t in range(64):
        big1 = _rotr(e, np.uint64(6)) ^ _rotr(e, np.uint64(11)) ^ _rotr(e, np.uint64(25))
        choose = (e & f) ^ ((e ^ mask) & g)
        t1 = (h + big1 + choose + k[t] + w[t]) & mask
        big0 = _rotr(a, np.uint64(2)) ^ _rotr(a, np.uint64(13)) ^ _rotr(a, np.uint64(22))
        major = (a & b) ^ (a & c) ^ (b & c)
        t2 = (big0 + major) & mask
        h, g, f = g, f, e
        e = (d + t1) & mask
        d, c, b = c, b, a
        a = (t1 + t2) & mask
    state[0] = (state[0] + a) & mask
    state[1] = (state[1] + b) & mask
    state[2] = (state[2] + c) & mask
    state[3] = (state[3] + d) & mask
    state[4] = (state[4] + e) & mask
    state[5] = (state[5] + f) & mask
    state[6] = (state[6] + g) & mask
    state[7] = (state[7] + h) & mask


def _digests_loop(
    data: np.ndarray,
    offsets: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    k: np.ndarray,
    h0: np.ndarray,
    out: np.ndarray,
) -> None:
    block = np.zeros(64, np.uint8)
    w = np.zeros(64, np.uint64)
    state = np.zeros(8, np.uint64)
    for p in range(len(first)):
        state[:] = h0
        fill = 0
        total = 0
        for m in range(first[p], last[p] + 1):
            s = offsets[m] - 1 if m > first[p] else offsets[m]  # a newline before all but one
            for q in range(s, offsets[m + 1]):
                block[fill] = 10 if q < offsets[m] else data[q]
                fill += 1
                total += 1
                if fill == 64:
                    _compress(state, block, w, k)
                    fill = 0
        block[fill] = 0x80
        fill += 1
        if fill > 56:
            for q in range(fill, 64):
                block[q] = 0
            _compress(state, block, w, k)
            fill = 0
        for q in range(fill, 56):
            block[q] = 0
        bits = total * 8
        for q in range(8):
            block[63 - q] = (bits >> (8 * q)) & 0xFF
        _compress(state, block, w, k)
        out[p] = (state[0] << np.uint64(32)) | state[1]


_JITTED = ("_rotr", "_compress", "_digests_loop")


def _jit() -> None:
    """Replace the loops of this module by their numba versions (at first use)."""
    compile_module(globals(), _JITTED)


def joined_digests(texts: pa.Array, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """uint64[len(first)]: the first 64 bits (big-endian) of the SHA-256 of each message, message
    j being the UTF-8 texts[first[j]], ..., texts[last[j]] joined by a newline. texts: an Arrow
    string or large_string array without nulls."""
    out = np.zeros(len(first), np.uint64)
    if len(first) == 0:
        return out
    texts = texts.cast(pa.large_string())
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    _, off_buf, data_buf = texts.buffers()
    offsets = np.frombuffer(off_buf, np.int64)[texts.offset : texts.offset + len(texts) + 1]
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    _jit()
    _digests_loop(
        data, offsets, np.asarray(first, np.int64), np.asarray(last, np.int64), _K, _H0, out
    )
    return out
