"""Progress on stderr: a bar per long stage (rich) when stderr is a terminal, nothing otherwise.

Library code reports through a `Reporter`; the default one is silent, so nothing of it ever
reaches a file, a pipe or a test's captured output unless a terminal is there to show it.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO


class Reporter:
    """Silent progress: the interface stages call. Subclasses show it."""

    notices = False  # whether notice() reaches anyone (work done only to tell it is skipped)

    def message(self, text: str) -> None:
        """A one-line note (a stage starting, an estimate)."""

    def notice(self, text: str) -> None:
        """A line the user should read even when no progress is shown (the estimated pairs
        before a large run): on stderr unless --quiet, terminal or not."""

    def start(self, stage: str, total: int) -> None:
        """A stage of `total` units of work begins."""

    def advance(self, n: float = 1) -> None:
        """n more units of the current stage are done (a fraction moves the bar, not the
        count)."""

    def finish(self) -> None:
        """The current stage is over."""

    def close(self) -> None:
        """No more progress will come."""

    def __call__(self, text: str) -> None:  # a Reporter is also a plain message callback
        self.message(text)


class NoticeReporter(Reporter):
    """No progress, only notices, on a stream that is not a terminal."""

    notices = True

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def notice(self, text: str) -> None:
        print(text, file=self._stream, flush=True)


class RichReporter(Reporter):
    """Bars with counts, elapsed time and time left, on a terminal's stderr."""

    notices = True

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._console = Console(file=stream, stderr=True)
        self._progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=self._console,
            transient=False,
        )
        self._task: Any = None
        self._progress.start()

    def message(self, text: str) -> None:
        self._progress.console.print(text, markup=False, highlight=False)

    def notice(self, text: str) -> None:
        self.message(text)

    def start(self, stage: str, total: int) -> None:
        self.finish()
        self._task = self._progress.add_task(stage, total=max(total, 1))

    def advance(self, n: float = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)

    def finish(self) -> None:
        if self._task is not None:
            task = self._progress.tasks[-1]
            self._progress.update(self._task, completed=task.total)
            self._task = None

    def close(self) -> None:
        self.finish()
        self._progress.stop()


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream if stream is not None else sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def reporter(enabled: bool = True, stream: TextIO | None = None) -> Reporter:
    """When enabled: a RichReporter on a terminal's stderr, else notices only; when not (quiet),
    a silent Reporter."""
    out = stream if stream is not None else sys.stderr
    if not enabled:
        return Reporter()
    if is_terminal(out):
        return RichReporter(out)
    return NoticeReporter(out)
