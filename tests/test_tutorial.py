"""docs/tutorial.md cannot drift: every `$ ` command of its console blocks runs, in order, in a
fresh copy of examples/, and the output the tutorial shows is what the command prints.

Output shown under a command is checked as blocks of consecutive lines, in order; a line `...`
stands for any lines, and `...` inside a line for any text.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
FENCE = re.compile(r"^```console\n(.*?)^```$", re.S | re.M)
GAP = "..."


@dataclass
class Step:
    command: str
    shown: list[str]  # the output lines the tutorial shows


def steps(text: str) -> list[Step]:
    """Every command of the tutorial's console blocks, with the output shown under it."""
    out: list[Step] = []
    for block in FENCE.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append(Step(line[2:], []))
            elif out:
                out[-1].shown.append(line.rstrip())
    return out


def _pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in line.split(GAP)) + r"\Z")


def missing_output(shown: list[str], actual: list[str]) -> str | None:
    """The first shown line that the actual output lacks (in order), or None when all match."""
    chunks: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == GAP:
            chunks.append([])
        else:
            chunks[-1].append(line)
    at = 0
    for chunk in (c for c in chunks if c):
        patterns = [_pattern(line) for line in chunk]
        for start in range(at, len(actual) - len(chunk) + 1):
            window = actual[start : start + len(chunk)]
            if all(p.match(a) for p, a in zip(patterns, window, strict=True)):
                at = start + len(chunk)
                break
        else:  # name the first line not printed at all, else the block's first line
            absent = [
                line
                for line, p in zip(chunk, patterns, strict=True)
                if not any(p.match(a) for a in actual[at:])
            ]
            return (absent or chunk)[0]
    return None


def _shell(command: str) -> str:
    """The tutorial's command with `reconcile` run by this interpreter (`python -m reconcile`)."""
    exe = f"{shlex.quote(sys.executable)} -m reconcile "
    return re.sub(r"(^|\|\s*)reconcile ", lambda m: m.group(1) + exe, command)


def test_tutorial_has_the_whole_loop():
    commands = [s.command for s in steps(TUTORIAL.read_text(encoding="utf-8"))]
    for verb in ("init", "check", "run", "explain", "review"):
        assert any(re.search(rf"(^|\| )reconcile {verb} ", c) for c in commands), verb
    assert any(">> my-atmeh/claims/" in c for c in commands)  # an edit to a claim
    runs = [i for i, c in enumerate(commands) if c.startswith("reconcile run ")]
    review = next(i for i, c in enumerate(commands) if "reconcile review " in c)
    assert runs[0] < review < runs[-1]


def test_matching_rules():
    actual = ["a", "b 12 c", "d", "e"]
    assert missing_output(["a", "b ... c", GAP, "e"], actual) is None
    assert missing_output(["b ... c", "d"], actual) is None
    assert missing_output(["a", "d"], actual) == "a"  # not consecutive without a gap
    assert missing_output(["d", GAP, "a"], actual) == "a"  # order matters
    assert missing_output(["x"], actual) == "x"


def test_every_tutorial_command_runs_and_prints_what_it_shows(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("out"))
    env = {**os.environ, "PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"}
    all_steps = steps(TUTORIAL.read_text(encoding="utf-8"))
    assert len(all_steps) >= 10
    for step in all_steps:
        done = subprocess.run(
            ["bash", "-c", _shell(step.command)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            timeout=300,
        )
        where = (
            f"docs/tutorial.md: $ {step.command}\n--- stdout\n{done.stdout}\n--- stderr\n"
            f"{done.stderr}"
        )
        assert done.returncode == 0, where
        lost = missing_output(step.shown, done.stdout.splitlines())
        assert lost is None, (
            f"the tutorial shows a line the command did not print: {lost!r}\n" + where
        )
    # the loop's effects, on disk
    decisions = (tmp_path / "my-atmeh" / "decisions.csv").read_text(encoding="utf-8")
    assert "\nsohr_wives,sw-02,local_reports,lr-02,same,your name," in decisions
    report = (tmp_path / "my-atmeh" / "out" / "report.md").read_text(encoding="utf-8")
    assert "## Changed since the last run" in report


@pytest.mark.parametrize("command", ["reconcile run x", "printf 'q\\n' | reconcile review x"])
def test_commands_run_this_interpreter(command):
    assert f"{sys.executable} -m reconcile " in _shell(command).replace("'", "")
