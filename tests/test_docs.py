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


def test_matching_doc_lists_every_matching_setting_with_its_default() -> None:
    from dataclasses import fields

    from reconcile.match import Settings

    doc = (ROOT / "docs" / "matching.md").read_text(encoding="utf-8")
    block = doc.split("[settings.matching]", 1)[1].split("```", 1)[0]
    documented = {}
    for line in block.strip().splitlines():
        key, value = line.split("#", 1)[0].split("=")
        documented[key.strip()] = value.strip()
    defaults = Settings()
    assert set(documented) == {f.name for f in fields(Settings)}
    for name, text in documented.items():
        assert str(getattr(defaults, name)).lower() == text, name
