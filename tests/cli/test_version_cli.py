"""``tracker version`` / ``--version``: version, origin and configured providers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import tracker
from tests.conftest import run_cli


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "OPENAI_", "GEMINI_", "GOOGLE_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_version_without_providers(tmp_path: Path) -> None:
    for args in (["version"], ["--version"]):
        proc = run_cli(args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert lines[0] == f"tracker {tracker.__version__}"
        assert lines[-1] == "  providers: none (run `tracker setup`)"
        assert any(line.startswith("  installed: ") for line in lines)


def test_providers_come_from_the_env_files_and_keys_are_never_shown(tmp_path: Path) -> None:
    key = "sk-ant-secret-value-0123456789"
    (tmp_path / ".env").write_text(f"ANTHROPIC_API_KEY={key}\n")
    config = tmp_path / "config" / "tracker"
    config.mkdir(parents=True)
    (config / ".env").write_text("GEMINI_API_KEY=gemini-secret-0123456789\n")
    proc = run_cli(["version"], cwd=tmp_path, env={"OPENAI_COMPAT_API_KEY": "sk-compat-0123456789"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "  providers: anthropic, gemini, openai-compat"
    assert "secret" not in proc.stdout
    data = json.loads(run_cli(["version", "--json"], cwd=tmp_path).stdout)
    assert data["providers"] == ["anthropic", "gemini"]
    assert data["version"] == tracker.__version__
    assert set(data) >= {"version", "method", "commit", "built", "python", "providers"}


def test_a_malformed_env_file_is_an_error_with_its_location(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("this is not a setting\n")
    proc = run_cli(["version"], cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and ".env:1" in proc.stderr
