"""The Python examples of docs/library.md run as written.

Blocks fenced as ```python run in order, in one empty working directory, each in a
fresh namespace (so each example imports what it uses). Blocks fenced as ```py are
sketches that need real provider keys and are not run.
"""

from __future__ import annotations

import io
import os
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"


def examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_every_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "OPENAI_", "GEMINI_", "GOOGLE_", "TRACKER_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRACKER_AUDIT_DIR", str(tmp_path / "audit"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    blocks = examples()
    assert len(blocks) >= 8
    outputs = []
    for index, block in enumerate(blocks):
        out = io.StringIO()
        with redirect_stdout(out):
            exec(compile(block, f"docs/library.md example {index + 1}", "exec"), {"__name__": f"example{index}"})
        outputs.append(out.getvalue())
    joined = "\n".join(outputs)
    assert f"Release {work / 'release.dip'}" in joined
    assert "['Start', 'Check', 'Approve', 'Ship', 'Hold', 'Done']" in joined
    assert "['Start', 'Check', 'Approve', 'Ship', 'Done']" in joined
    assert "gate_opened Approve" in joined
    assert len(list((work / ".tracker" / "runs").iterdir())) == 2
