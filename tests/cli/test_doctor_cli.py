"""``tracker doctor`` through the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.llm.fakes import anthropic_wire
from tests.llm.fakes.server import FakeServer, Reply

KEY = "sk-ant-api03-doctor-0123456789"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "OPENAI_", "GEMINI_", "GOOGLE_", "TRACKER_")) or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    return root


def test_no_provider_fails_with_a_pointer_to_setup(work: Path) -> None:
    proc = run_cli(["doctor", "-w", str(work)])
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith("error: health check failed")
    assert "tracker doctor" in proc.stdout and "LLM Providers" in proc.stdout
    assert "tracker setup" in proc.stdout
    assert "passed, 0 warning(s), 1 failure(s)" in proc.stdout
    assert "exit codes: 0=all pass  1=failures  2=warnings only" in proc.stdout


def test_probe_against_the_fake_server_passes(work: Path, server: FakeServer) -> None:
    server.enqueue(Reply(json_body=anthropic_wire.message([{"type": "text", "text": "pong"}])))
    proc = run_cli(
        ["doctor", "--probe", "-w", str(work)],
        env={"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": server.url},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "live call succeeded (claude-haiku-4-5)" in proc.stdout
    assert KEY not in proc.stdout + proc.stderr
    assert "sk-a...6789" in proc.stdout
    assert server.requests[0].header("x-api-key") == KEY


def test_rejected_key_in_probe_is_a_failure(work: Path, server: FakeServer) -> None:
    server.enqueue(Reply(status=401, json_body=anthropic_wire.error_body("authentication_error", "invalid x-api-key")))
    proc = run_cli(["doctor", "--probe=true", "-w", str(work)], env={"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": server.url})
    assert proc.returncode == 1
    assert "the key was rejected" in proc.stdout and "rotate the key" in proc.stdout


def test_json_report_and_key_from_the_workdir_env_file(work: Path) -> None:
    (work / ".env").write_text(f"OPENAI_API_KEY={KEY.replace('sk-ant-', 'sk-')}\n")
    proc = run_cli(["doctor", "--json", "--probe=false", "-w", str(work)])
    report = json.loads(proc.stdout)
    assert proc.returncode == report["exit_code"] == 0
    providers = next(c for c in report["checks"] if c["name"] == "LLM Providers")
    assert providers["status"] == "ok"
    assert any(d["message"].startswith("openai: OPENAI_API_KEY sk-a") for d in providers["details"])
    assert report["failures"] == 0 and report["passed"] == len(report["checks"])


def test_warnings_only_exit_2(work: Path) -> None:
    (work / ".gitignore").write_text("build/\n")
    proc = run_cli(["doctor", "-w", str(work)], env={"ANTHROPIC_API_KEY": KEY})
    assert proc.returncode == 2
    assert ".gitignore does not ignore .tracker/" in proc.stdout
    assert "error:" not in proc.stderr


def test_invalid_pipeline_reports_file_line_and_column(work: Path) -> None:
    flow = work / "flow.dip"
    flow.write_text("workflow Broken\n  start: A\n  exit: B\n  agent A\n    label: A\n  edges\n    A -> Missing\n")
    proc = run_cli(["doctor", "-w", str(work), str(flow)], env={"ANTHROPIC_API_KEY": KEY})
    assert proc.returncode == 1
    assert f"{flow}:" in proc.stdout and "Pipeline File" in proc.stdout


def test_bad_flag_values_are_rejected(work: Path) -> None:
    proc = run_cli(["doctor", "--probe=maybe", "flow.dip"])
    assert proc.returncode == 1 and "--probe expects true or false, got 'maybe'" in proc.stderr


def test_bare_probe_does_not_swallow_the_pipeline_path(work: Path, server: FakeServer) -> None:
    flow = work / "flow.dip"
    flow.write_text("workflow Broken\n  start: A\n")
    server.enqueue(Reply(json_body=anthropic_wire.message([{"type": "text", "text": "pong"}])))
    proc = run_cli(["doctor", "-w", str(work), "--probe", str(flow)], env={"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": server.url})
    assert "live call succeeded" in proc.stdout
    assert "Pipeline File" in proc.stdout and proc.returncode == 1
