"""Benchmark plumbing: run a command as a child process, measure its wall time and peak memory."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT_DEFAULT = REPO / "benchmarks" / "out"


@dataclass
class RunResult:
    """What one measured child run gave: exit code, seconds, peak memory and its output."""

    cmd: list[str]
    returncode: int
    seconds: float
    peak_rss_mb: float  # the larger of: kernel max RSS of the child, sampled RSS of its tree
    stdout: str
    stderr: str
    timed_out: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def _tree_rss_kb(root: int) -> int:
    """Sum of VmRSS over `root` and all its descendants (Linux /proc), 0 when unreadable."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        ppid_m = re.search(r"^PPid:\s+(\d+)", text, re.M)
        rss_m = re.search(r"^VmRSS:\s+(\d+)", text, re.M)
        pid = int(entry)
        if ppid_m:
            children.setdefault(int(ppid_m.group(1)), []).append(pid)
        rss[pid] = int(rss_m.group(1)) if rss_m else 0
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_measured(
    cmd: list[str],
    timeout: float | None = None,
    cwd: Path | None = None,
    sample_every: float = 0.25,
    echo_stderr: bool = False,
) -> RunResult:
    """Run `cmd`, wait for it (killing its process group after `timeout` s), measure it.

    Peak memory is the maximum of the kernel's ru_maxrss for this child (largest single process
    of its tree) and the sampled sum of RSS over the child's process tree (covers worker pools).
    """
    with tempfile.TemporaryFile("w+b") as out, tempfile.TemporaryFile("w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, start_new_session=True)
        peak_tree_kb = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_tree_kb
            while not stop.is_set():
                peak_tree_kb = max(peak_tree_kb, _tree_rss_kb(proc.pid))
                stop.wait(sample_every)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timed_out = False
        deadline = None if timeout is None else start + timeout
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                _pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", errors="replace")
        stderr = err.read().decode("utf-8", errors="replace")
    maxrss_kb = usage.ru_maxrss if usage is not None else 0
    if echo_stderr and stderr:
        sys.stderr.write(stderr)
    return RunResult(
        cmd=cmd,
        returncode=proc.returncode,
        seconds=seconds,
        peak_rss_mb=max(maxrss_kb, peak_tree_kb) / 1024.0,
        stdout=stdout,
        stderr=stderr,
        timed_out=timed_out,
    )


def reconcile_cmd() -> list[str]:
    """The `reconcile` command as a user runs it: the console script beside this Python."""
    script = Path(sys.executable).with_name("reconcile")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "reconcile"]


def parse_pairs_compared(stderr: str, stdout: str, report_json: Path | None) -> int | None:
    """Pairs compared, from report.json `stats.pairs_compared` or a "pairs compared: N" line."""
    import json

    if report_json is not None and report_json.exists():
        try:
            data = json.loads(report_json.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        stats = data.get("stats") if isinstance(data, dict) else None
        for holder in (stats, data):
            if isinstance(holder, dict):
                value = holder.get("pairs_compared")
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return int(value)
    pattern = re.compile(r"pairs\s+compared\s*[:=]?\s*([\d,_ ]*\d)", re.I)
    found = None
    for text in (stderr, stdout):
        for m in pattern.finditer(text):
            found = int(re.sub(r"[,_ ]", "", m.group(1)))
    return found


def fmt_ratio(a: float | None, b: float | None) -> str:
    """a / b as "2.3x", or "-" when either is missing or b is 0."""
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"
