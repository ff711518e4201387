"""Every complete workflow shown in the docs parses without errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker.dippin import parse_text
from tracker.dippin.diagnostics import Severity

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"```dip\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str]]:
    out = []
    for path in sorted(DOCS.glob("*.md")):
        for i, block in enumerate(BLOCK.findall(path.read_text(encoding="utf-8"))):
            if block.lstrip().startswith(("workflow", "dip ")):
                out.append((f"{path.name}#{i}", block))
    return out


@pytest.mark.parametrize(("name", "text"), _examples(), ids=[n for n, _ in _examples()])
def test_documented_workflow_parses(name: str, text: str) -> None:
    errors = [d for d in parse_text(text).diagnostics if d.severity is Severity.ERROR]
    assert errors == [], name
