"""Freed memory goes back to the system between stages (where glibc can be asked)."""

from __future__ import annotations

import ctypes.util
import os
import sys

import numpy as np
import pytest

from reconcile.memory import release


def resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or ctypes.util.find_library("c") is None,
    reason="glibc's malloc_trim on Linux only",
)
def test_release_gives_freed_blocks_back():
    # a 16 MB block freed raises glibc's mmap threshold: the 1 MB blocks after it come from the
    # heap, and one left on top keeps the heap from shrinking by itself when the rest are freed
    big = np.ones(16 * 2**20 // 8)
    del big
    blocks = [np.ones(2**20 // 8) for _ in range(300)]
    pin = np.ones(2**20 // 8)
    del blocks
    before = resident_mb()
    assert release()
    assert resident_mb() < before - 200
    del pin
