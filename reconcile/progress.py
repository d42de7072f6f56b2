"""Progress on stderr: stage lines and bars when stderr is a terminal, nothing otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def stage_printer(enabled: bool = True, stream: TextIO | None = None) -> Callable[[str], None]:
    """A callback printing each stage with the time since the start, on a terminal only."""
    out = stream or sys.stderr
    if not enabled or not is_terminal(out):
        return lambda _msg: None
    start = time.monotonic()

    def say(msg: str) -> None:
        out.write(f"[{time.monotonic() - start:6.1f}s] {msg}\n")
        out.flush()

    return say
