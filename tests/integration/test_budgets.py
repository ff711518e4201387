"""Run budgets with real agent usage: ``--max-tokens``, ``--max-cost`` (cents) and the
workflow ``defaults`` ceilings halt the run between nodes with ``budget_exceeded``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.agent.fakes.turns import text_turn
from tests.integration.conftest import Stream, provider_env, run_dir, script, tracker, write_flow
from tests.llm.fakes.server import FakeServer

TWO_AGENTS = """
workflow Spend
  start: Start
  exit: Done
{defaults}
  agent Start
    label: Start

  agent First
    model: claude-opus-4-6
    prompt: Think about it.

  agent Second
    model: claude-opus-4-6
    prompt: Think again.

  agent Done
    label: Done

  edges
    Start -> First
    First -> Second
    Second -> Done
"""
# claude-opus-4-6: $5 in / $25 out per million tokens; 10 000 in + 200 out = $0.055 = 5.5 cents
TURN = text_turn("thought", input_tokens=10_000, output_tokens=200)


def spend(workdir: Path, server: FakeServer, *flags: str, defaults: str = "") -> subprocess.CompletedProcess[str]:
    flow = write_flow(workdir, TWO_AGENTS.format(defaults=defaults))
    script(server, "anthropic", TURN, TURN)
    return tracker([str(flow), "--json", *flags], cwd=workdir, env=provider_env("anthropic", server))


def assert_halted_after_first(proc: subprocess.CompletedProcess[str], message: str) -> Stream:
    assert proc.returncode == 1, proc.stderr
    stream = Stream.parse(proc.stdout)
    terminal = stream.terminal()
    assert [(d["type"], d["terminal_status"], d["message"]) for d in terminal] == [
        ("budget_exceeded", "budget_exceeded", message)
    ]
    assert terminal[0] is stream.lines[-1]  # D.4: nothing after it, no pipeline_failed
    assert not stream.of("pipeline_failed")
    assert stream.path() == ["Start", "First"]
    return stream


def test_max_tokens_halts_after_the_node_that_crossed_it(server: FakeServer, workdir: Path) -> None:
    proc = spend(workdir, server, "--max-tokens", "5000")
    stream = assert_halted_after_first(proc, "max_total_tokens exceeded")
    halt = stream.lines[-1]
    assert halt["total_tokens"] == 10_200
    assert halt["provider_totals"]["anthropic"]["input_tokens"] == 10_000
    assert halt["total_cost_usd"] == pytest.approx(0.055)
    assert len(server.requests) == 1  # Second never called the model
    assert "─── HALTED: budget exceeded ───" in proc.stderr
    assert "reason: max_total_tokens exceeded" in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last == "error: ✗ Run halted: budget exceeded — max_total_tokens exceeded (spent 10,200 tokens, $0.0550)"
    assert f"tracker -r {run_dir(workdir).name}" in proc.stderr  # how to resume after raising the limit


def test_a_total_equal_to_the_limit_is_allowed(server: FakeServer, workdir: Path) -> None:
    proc = spend(workdir, server, "--max-tokens", "20400")
    assert proc.returncode == 0, proc.stderr
    assert Stream.parse(proc.stdout).of("cost_updated")[-1]["total_tokens"] == 20_400


def test_max_cost_is_in_cents(server: FakeServer, workdir: Path) -> None:
    proc = spend(workdir, server, "--max-cost", "5")
    assert_halted_after_first(proc, "max_cost_cents exceeded")


def test_max_cost_above_the_spend_lets_the_run_finish(server: FakeServer, workdir: Path) -> None:
    proc = spend(workdir, server, "--max-cost", "12")  # 11 cents spent in total
    assert proc.returncode == 0, proc.stderr
    assert Stream.parse(proc.stdout).of("cost_updated")[-1]["total_cost_usd"] == pytest.approx(0.11)


def test_workflow_defaults_set_the_ceilings(server: FakeServer, workdir: Path) -> None:
    proc = spend(workdir, server, defaults="\n  defaults\n    max_total_tokens: 5000\n")
    assert_halted_after_first(proc, "max_total_tokens exceeded")


def test_the_flag_wins_over_the_workflow_default(server: FakeServer, workdir: Path) -> None:
    proc = spend(workdir, server, "--max-tokens", "50000", defaults="\n  defaults\n    max_total_tokens: 100\n")
    assert proc.returncode == 0, proc.stderr


def test_budget_halt_can_be_resumed(server: FakeServer, workdir: Path) -> None:
    proc = spend(workdir, server, "--max-tokens", "5000")
    assert proc.returncode == 1
    run_id = run_dir(workdir).name
    flow = workdir / "flow.dip"
    resumed = tracker([str(flow), "--json", "-r", run_id], cwd=workdir, env=provider_env("anthropic", server))
    assert resumed.returncode == 0, resumed.stderr
    stream = Stream.parse(resumed.stdout)
    assert stream.path() == ["Second", "Done"]
    assert len(server.requests) == 2


@pytest.mark.parametrize("flag", ["--max-tokens", "--max-cost"])
def test_negative_budgets_are_refused(flag: str, workdir: Path) -> None:
    flow = write_flow(workdir, TWO_AGENTS.format(defaults=""))
    proc = tracker([str(flow), flag, "-1"], cwd=workdir)
    assert proc.returncode == 1
    assert "budget limits must be non-negative" in proc.stderr
