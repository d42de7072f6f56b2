"""Giving freed memory back to the system between stages (glibc keeps it otherwise).

A stage frees most of what it built (the candidate pairs of matching, the per-field values of
merging), but glibc's malloc keeps freed memory of many medium blocks in the process for reuse:
after matching two lists of 500,000 records the process holds about 670 MB it no longer uses,
and the next stage's memory comes on top of it. `release()` asks glibc to return it
(malloc_trim), in a few milliseconds. Elsewhere (another C library, another system) it does
nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    try:
        name = ctypes.util.find_library("c")
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release() -> bool:
    """Return the process's freed heap memory to the system; True when it could be asked."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
