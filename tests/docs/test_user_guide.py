"""docs/user-guide.md: its workflows are clean and the commands it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

import tracker
from tracker.cli.main import COMMANDS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user-guide.md"


def test_every_workflow_in_the_guide_validates_without_warnings() -> None:
    blocks = re.findall(r"```dip\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 2
    for block in blocks:
        report = tracker.validate(tracker.load_text(block), environment=False)
        assert [(d.code, d.message) for d in report.diagnostics] == []


def test_the_commands_it_shows_are_real() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    shell = "\n".join(re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL))
    words = re.findall(r"(?:^|[|;&]\s*|\$\()tracker (\S+)", shell, flags=re.MULTILINE)
    assert words
    builtins = {w.name for w in tracker.workflows()}
    for word in words:
        assert word in COMMANDS or word in builtins or word.endswith(".dip") or word.startswith("-"), word
    for name in builtins:
        assert f"`{name}`" in text
