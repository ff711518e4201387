"""``tracker estimate``: a static cost range from catalogue prices."""

from __future__ import annotations

import json
import math
from pathlib import Path

from tests.conftest import run_cli

FLOW = """\
workflow Priced
  goal: "estimate me"
  start: Start
  exit: Done

  defaults
    model: claude-sonnet-4-6

  agent Start
    label: Start

  agent Plan
    prompt: Plan the work.

  agent Build
    model: claude-opus-4-6
    max_turns: 10
    prompt: Build it.

  agent Guess
    model: made-up-model
    prompt: Guess.

  tool Check
    timeout: 5s
    command: echo ok

  agent Done
    label: Done

  edges
    Start -> Plan
    Plan -> Build
    Build -> Guess
    Guess -> Check
    Check -> Done
"""
SONNET_TURN = (4000 * 3 + 1500 * 15) / 1e6
OPUS_TURN = (4000 * 5 + 1500 * 25) / 1e6


def test_the_range_follows_catalogue_prices_and_turn_limits(tmp_path: Path) -> None:
    (tmp_path / "priced.dip").write_text(FLOW)
    proc = run_cli(["estimate", "priced.dip", "--json"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["steps"] == 6
    assert data["agent_nodes"] == 3
    assert data["models"] == ["claude-opus-4-6", "claude-sonnet-4-6", "made-up-model"]
    assert data["unpriced_models"] == ["made-up-model"]
    assert math.isclose(data["low_usd"], SONNET_TURN + OPUS_TURN)
    assert math.isclose(data["high_usd"], SONNET_TURN * 8 + OPUS_TURN * 10)
    assert math.isclose(data["expected_usd"], SONNET_TURN * 3 + OPUS_TURN * 4)


def test_text_output(tmp_path: Path) -> None:
    (tmp_path / "priced.dip").write_text(FLOW)
    proc = run_cli(["estimate", "priced"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "Estimate — Priced"
    assert "Steps:        6" in lines[1]
    assert any(line.strip().startswith("Models:") and "claude-opus-4-6" in line for line in lines)
    cost = next(line for line in lines if line.strip().startswith("Cost:"))
    assert cost.strip() == f"Cost:         ${SONNET_TURN + OPUS_TURN:.2f} – ${SONNET_TURN * 8 + OPUS_TURN * 10:.2f}   (expected ~${SONNET_TURN * 3 + OPUS_TURN * 4:.2f})"
    assert "made-up-model (counted as $0)" in proc.stdout


def test_builtins_and_errors(tmp_path: Path) -> None:
    proc = run_cli(["estimate", "build_product", "--json"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["name"] == "BuildProduct" and data["low_usd"] < data["expected_usd"] < data["high_usd"]
    missing = run_cli(["estimate", "nowhere.dip"], cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: cannot read nowhere.dip")
    unknown = run_cli(["estimate", "nothing"], cwd=tmp_path)
    assert unknown.returncode == 1
    assert 'unknown pipeline "nothing"' in unknown.stderr
    (tmp_path / "broken.dip").write_text("workflow Broken\n  start: A\n  edges\n    A ->\n")
    broken = run_cli(["estimate", "broken.dip"], cwd=tmp_path)
    assert broken.returncode == 1
    assert "broken.dip:" in broken.stderr and "error[DIP000]" in broken.stderr
