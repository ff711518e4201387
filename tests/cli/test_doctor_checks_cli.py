"""``tracker doctor``: the Version Compatibility check, the ``.gitignore`` fix and the
lean parser (building it for --help or completion does not load the checks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tracker
from tests.conftest import REPO, run_cli
from tracker.cli import cmd_doctor
from tracker.config import doctor


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "OPENAI_", "GEMINI_", "GOOGLE_", "TRACKER_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_version_compatibility_comes_right_after_the_toolchain_check(tmp_path: Path) -> None:
    proc = run_cli(["doctor", "--json", "-w", str(tmp_path)], env={"ANTHROPIC_API_KEY": "sk-ant-api03-0123456789"})
    data = json.loads(proc.stdout)
    names = [c["name"] for c in data["checks"]]
    assert names.index("Version Compatibility") == names.index("Dippin Language") + 1
    check = data["checks"][names.index("Version Compatibility")]
    assert check["status"] == "ok"
    assert check["details"][0]["message"].startswith(f"tracker {tracker.__version__} (editable")
    assert check["details"][1]["message"].startswith("Python 3.")


def test_a_gitignore_without_tracker_gets_the_entries_appended(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules\n/runs")
    env = {"ANTHROPIC_API_KEY": "sk-ant-api03-0123456789"}
    proc = run_cli(["doctor", "-w", str(tmp_path)], env=env)
    assert "⚠ .gitignore does not ignore .tracker/, .ai/" in proc.stdout
    assert proc.stdout.rstrip().endswith(f"→ added .tracker/ .ai/ to {tmp_path / '.gitignore'}")
    assert (tmp_path / ".gitignore").read_text() == "node_modules\n/runs\n.tracker/\n.ai/\n"
    again = run_cli(["doctor", "--json", "-w", str(tmp_path)], env=env)
    workdir = next(c for c in json.loads(again.stdout)["checks"] if c["name"] == "Working Directory")
    assert all(".gitignore" not in d["message"] for d in workdir["details"])
    assert "gitignore_updated" not in json.loads(again.stdout)


def test_no_gitignore_is_left_alone(tmp_path: Path) -> None:
    run_cli(["doctor", "-w", str(tmp_path)], env={"ANTHROPIC_API_KEY": "sk-ant-api03-0123456789"})
    assert not (tmp_path / ".gitignore").exists()


def test_parser_choices_match_the_checks_and_do_not_import_them() -> None:
    assert cmd_doctor.BACKENDS == doctor.BACKENDS
    assert cmd_doctor.GIT_POLICIES == doctor.GIT_POLICIES
    program = (
        "import sys\nfrom tracker.cli.main import command_parser\ncommand_parser('doctor')\n"
        "print('tracker.config.doctor' in sys.modules, 'asyncio' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.split() == ["False", "False"]
