"""Shared by the run-inspection CLI tests: an isolated environment and real runs made
through ``tracker`` against the fake Anthropic server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.agent.fakes.turns import Call, text_turn, tool_turn
from tests.conftest import run_cli
from tests.integration.conftest import provider_env, script
from tests.llm.fakes.server import FakeServer

NARRATED = """\
workflow Narrated
  goal: "report progress"
  start: Start
  exit: Done

  agent Start
    label: Start

  agent Work
    model: claude-sonnet-4-6
    prompt: Do the work and report progress.

  human Confirm
    prompt: "Keep it?"
    mode: freeform

  agent Done
    label: Done

  edges
    Start -> Work
    Work -> Confirm
    Confirm -> Done
"""


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "OPENAI_", "GEMINI_", "GOOGLE_", "TRACKER_")) or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TRACKER_AUDIT_DIR", str(tmp_path / "audit"))


def narrated_run(workdir: Path, server: FakeServer) -> str:
    """Run NARRATED once (two report_status notes, one gate answer); its run ID."""
    (workdir / "narrated.dip").write_text(NARRATED)
    script(
        server,
        "anthropic",
        tool_turn(Call("report_status", {"status": "Reading the code base"})),
        tool_turn(Call("report_status", {"status": "Tests written,\nnow fixing two failures"})),
        text_turn("All done."),
    )
    proc = run_cli(["narrated.dip", "--no-tui"], cwd=workdir, input="keep\n", env=provider_env("anthropic", server))
    assert proc.returncode == 0, proc.stderr
    runs = sorted((workdir / ".tracker" / "runs").iterdir())
    return runs[-1].name
