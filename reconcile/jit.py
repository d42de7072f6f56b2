"""numba.njit for the compiled modules, with the on-disk cache wherever it can be written.

Every compiled loop (namekernel, fieldkernel, pairkernel, lsap, idkernel) is compiled at first
use with `nogil` (threads can share the work) and cached next to its module, or in the user's
cache directory; where neither is writable numba refuses to cache, and the loop is compiled in
each process instead. This module holds no compiled function: numba's cache notices changes to
a compiled function's own module only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def njit(fn: Callable[..., Any], inline: bool = False) -> Any:
    """numba.njit(cache=True, nogil=True) of fn, uncached where no cache directory is writable.
    inline: numba inlines fn into its compiled callers (no call with a dozen arrays per use)."""
    import numba

    opts: dict[str, Any] = {"nogil": True, "inline": "always" if inline else "never"}
    try:
        return numba.njit(cache=True, **opts)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(cache=False, **opts)(fn)


def compile_module(
    namespace: dict[str, Any], names: Sequence[str], inline: Sequence[str] = ()
) -> None:
    """Replace the functions `names` of a module (its globals()) by their numba versions, once,
    at first use (importing reconcile does not import numba). A compiled function finds the
    others it calls in these globals, compiled too. inline: those numba inlines."""
    if namespace.get("_compiled"):
        return
    for fn in names:
        namespace[fn] = njit(namespace[fn], inline=fn in inline)
    namespace["_compiled"] = True
