"""The documentation covers every command, and links only to files that exist."""

from __future__ import annotations

import re
from pathlib import Path

from reconcile.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in main.commands:  # type: ignore[attr-defined]
        assert f"reconcile {name}" in readme, name


def test_readme_links_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        assert (ROOT / target).exists(), target


def test_readme_states_the_two_setup_commands_exactly() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install . && reconcile run examples/atmeh-2022" in readme
    assert "pip install '.[test]' && pytest" in readme


def test_matching_doc_names_every_pair_status() -> None:
    doc = (ROOT / "docs" / "matching.md").read_text(encoding="utf-8")
    for status in (
        "linked",
        "ambiguous",
        "possible",
        "rejected",
        "duplicate",
        "decided-same",
        "decided-different",
    ):
        assert f"`{status}`" in doc, status
