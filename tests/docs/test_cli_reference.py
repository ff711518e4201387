"""docs/cli.md is generated from the command parsers and must be up to date."""

from __future__ import annotations

from tests.conftest import REPO
from tracker.cli.main import COMMANDS
from tracker.cli.reference import DOC, main, render


def test_the_cli_reference_matches_the_parsers() -> None:
    assert DOC == REPO / "docs" / "cli.md"
    assert DOC.read_text(encoding="utf-8") == render(), "run `python -m tracker.cli.reference --write`"
    assert main(["--check"]) == 0


def test_every_command_is_documented_with_its_flags() -> None:
    text = render()
    for name in COMMANDS:
        assert f"\n## tracker {name}\n" in text
    assert "--auto-approve" in text and "--fail-on-override" in text and "--race" in text
    assert "| 2 | `tracker doctor` found warnings" in text
