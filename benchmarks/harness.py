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
    over_memory: bool = False  # killed because its tree's RSS passed max_rss_mb
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.over_memory


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
    max_rss_mb: float | None = None,
) -> RunResult:
    """Run `cmd`, wait for it (killing its process group after `timeout` s, or as soon as its
    process tree holds more than `max_rss_mb` resident: the machine is shared), measure it.

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
        timed_out = over_memory = False
        deadline = None if timeout is None else start + timeout
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            over_memory = max_rss_mb is not None and peak_tree_kb > max_rss_mb * 1024
            timed_out = deadline is not None and time.perf_counter() > deadline
            if timed_out or over_memory:
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
        over_memory=over_memory,
    )


def reconcile_cmd() -> list[str]:
    """The `reconcile` command as a user runs it: the console script beside this Python."""
    script = Path(sys.executable).with_name("reconcile")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "reconcile"]


def _find_key(data: object, key: str) -> object:
    """The first value of `key` anywhere in nested JSON (dicts and lists), or None."""
    if isinstance(data, dict):
        if key in data:
            return data[key]
        items: list[object] = list(data.values())
    elif isinstance(data, list):
        items = list(data)
    else:
        return None
    for item in items:
        found = _find_key(item, key)
        if found is not None:
            return found
    return None


def parse_pairs_compared(stderr: str, stdout: str, report_json: Path | None) -> int | None:
    """Pairs compared: report.json `pairs_compared` (any depth, e.g. stats.pairs_compared), else
    the last "pairs compared: N" or "N pairs compared" in the child's output."""
    import json

    if report_json is not None and report_json.exists():
        try:
            value = _find_key(json.loads(report_json.read_text(encoding="utf-8")), "pairs_compared")
        except (OSError, ValueError):
            value = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    after = re.compile(r"pairs\s+compared\s*[:=]\s*(\d[\d,_]*)", re.I)
    before = re.compile(r"(\d[\d,_]*)\s+(?:candidate\s+)?pairs\s+compared", re.I)
    found = None
    for text in (stderr, stdout):
        for pattern in (after, before):
            for m in pattern.finditer(text):
                found = int(re.sub(r"[,_]", "", m.group(1)))
    return found


def fmt_ratio(a: float | None, b: float | None) -> str:
    """a / b as "2.3x", or "-" when either is missing or b is 0."""
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


def save_log(res: RunResult, path: Path) -> None:
    """Keep a child's command, exit, time, memory, stdout and stderr beside its outputs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = (
        f"$ {' '.join(res.cmd)}\nexit {res.returncode}{' (timed out)' if res.timed_out else ''}"
        f"{' (killed: memory limit)' if res.over_memory else ''}; "
        f"{res.seconds:.1f} s; peak {res.peak_rss_mb:.0f} MB\n"
    )
    path.write_text(head + "--- stdout\n" + res.stdout + "--- stderr\n" + res.stderr, "utf-8")


def csv_rows(path: Path) -> int | None:
    """Data rows of a CSV (lines minus the header; fine for files without embedded newlines)."""
    if not path.exists():
        return None
    with open(path, "rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


@dataclass
class SplinkLog:
    """What splink_baseline.py reports on stderr."""

    scored: int | None = None  # pairs predicted above the floor probability
    blocked: int | None = None  # pairs its blocking rules generate (exact count)
    stages: str = ""


def parse_splink_log(stderr: str) -> SplinkLog:
    log = SplinkLog()
    for line in stderr.splitlines():
        if m := re.search(r"pairs scored: (\d+)\s*(.*)", line):
            log.scored, log.stages = int(m.group(1)), m.group(2).strip()
        if m := re.search(r"pairs blocked: (\d+)", line):
            log.blocked = int(m.group(1))
    return log


def parse_pairs_estimate(stderr: str) -> int | None:
    """reconcile's estimate before a large run: "about N pairs to compare"."""
    found = None
    for m in re.finditer(r"about\s+(\d[\d,_]*)\s+pairs\s+to\s+compare", stderr, re.I):
        found = int(re.sub(r"[,_]", "", m.group(1)))
    return found
