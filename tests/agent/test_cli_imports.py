"""The language toolchain commands stay fast: they never import a provider SDK.

Each command runs the CLI's ``main`` in a fresh child interpreter, which then reports the
provider SDK modules present in ``sys.modules``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SDKS = ("anthropic", "openai", "google.genai")
FLOW = """\
workflow Tiny
  goal: "check imports"
  start: Start
  exit: Done
  agent Start
    label: Start
  agent Work
    prompt: Do the work.
    model: claude-sonnet-4-6
  agent Done
    label: Done
  edges
    Start -> Work
    Work -> Done
"""

CHILD = f"""
import json, sys
from tracker.cli.main import main
try:
    code = main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w") as out:
    json.dump({{"code": code, "loaded": [m for m in {SDKS!r} if m in sys.modules]}}, out)
"""


@pytest.mark.parametrize(
    ("command", "module"),
    [
        (["validate"], "tracker.cli.cmd_validate"),
        (["lint"], "tracker.cli.cmd_lint"),
        (["fmt"], "tracker.cli.cmd_fmt"),
        (["doctor", "--json", "-w"], "tracker.cli.cmd_doctor"),
    ],
)
def test_command_imports_no_provider_sdk(tmp_path: Path, command: list[str], module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip("command not available yet")
    flow = tmp_path / "tiny.dip"
    flow.write_text(FLOW)
    report = tmp_path / "report.json"
    args = [*command, str(tmp_path)] if command[0] == "doctor" else [*command, str(flow)]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(report), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert report.exists(), proc.stderr
    result = json.loads(report.read_text())
    assert result["loaded"] == [], f"{' '.join(command)} imported {result['loaded']}"
    assert isinstance(result["code"], int)


def test_importing_the_agent_package_loads_no_sdk() -> None:
    code = (
        "import sys, tracker.agent, tracker.agent.codergen, tracker.gates.autopilot, tracker.config.doctor; "
        f"print([m for m in {SDKS!r} if m in sys.modules])"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
