"""Agent outcomes that steer the run: ``auto_status`` STATUS lines, ``writes:`` values in
later edge conditions, and the failure paths of an agent node."""

from __future__ import annotations

from pathlib import Path

from tests.agent.fakes.turns import text_turn
from tests.integration.conftest import Stream, provider_env, script, tracker, write_flow
from tests.llm.fakes import anthropic_wire
from tests.llm.fakes.server import FakeServer, Reply

VERIFY = """
workflow Verify
  start: Start
  exit: Done

  agent Start
    label: Start

  agent Check
    model: claude-sonnet-4-6
    prompt: Check the build and end with a STATUS line.
    auto_status: true

  tool Fix
    timeout: 5s
    command: echo fixing

  tool Celebrate
    timeout: 5s
    command: echo green

  agent Done
    label: Done

  edges
    Start -> Check
    Check -> Fix when ctx.outcome = fail
    Check -> Celebrate when ctx.outcome = success
    Fix -> Done
    Celebrate -> Done
"""

DECIDE = """
workflow Decide
  start: Start
  exit: Done

  agent Start
    label: Start

  agent Assess
    model: claude-sonnet-4-6
    prompt: Decide whether to ship. Answer with JSON.
    writes: verdict, risk

  tool Note
    timeout: 5s
    reads: verdict, risk
    command: echo noted

  tool Ship
    timeout: 5s
    command: echo shipping

  tool Hold
    timeout: 5s
    command: echo holding

  agent Done
    label: Done

  edges
    Start -> Assess
    Assess -> Note when ctx.outcome = success
    Assess -> Hold when ctx.outcome = fail
    Note -> Ship when ctx.verdict = ship and ctx.risk < 3
    Note -> Hold
    Ship -> Done
    Hold -> Done
"""


def test_auto_status_fail_routes_to_the_fix_branch(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, VERIFY)
    script(server, "anthropic", text_turn("Two tests fail.\n\n**STATUS: fail**"))
    proc = tracker([str(flow), "--json"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 0, proc.stderr
    stream = Stream.parse(proc.stdout)
    assert stream.path() == ["Start", "Check", "Fix", "Done"]
    edge = next(d for d in stream.of("decision_edge") if d["node_id"] == "Check")
    assert (edge["edge_to"], edge["edge_priority"], edge["condition_match"]) == ("Fix", "condition", True)
    assert not stream.of("auto_status_missing")


def test_a_missing_status_line_defaults_to_success_and_says_so(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, VERIFY)
    script(server, "anthropic", text_turn("All good, I think."))
    proc = tracker([str(flow), "--json"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 0, proc.stderr
    stream = Stream.parse(proc.stdout)
    assert stream.path() == ["Start", "Check", "Celebrate", "Done"]
    missing = stream.one("auto_status_missing")
    assert missing["node_id"] == "Check"
    assert missing["auto_status_tail"] == "All good, I think."
    assert "auto_status_fail_closed" not in missing
    assert "defaulted to success" in missing["message"]


def test_declared_writes_feed_a_later_edge_condition(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, DECIDE)
    script(server, "anthropic", text_turn('My assessment:\n```json\n{"verdict": "ship", "risk": 2, "why": "tests pass"}\n```'))
    proc = tracker([str(flow), "--json"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 0, proc.stderr
    stream = Stream.parse(proc.stdout)
    assert stream.path() == ["Start", "Assess", "Note", "Ship", "Done"]
    updates = next(d for d in stream.of("decision_outcome") if d["node_id"] == "Assess")["context_updates"]
    assert (updates["verdict"], updates["risk"]) == ("ship", "2")
    assert "why" in updates["writes_warning"]
    edge = next(d for d in stream.of("decision_edge") if d["node_id"] == "Note")
    assert (edge["edge_to"], edge["edge_condition"]) == ("Ship", "ctx.verdict = ship and ctx.risk < 3")


def test_output_without_the_declared_keys_fails_the_node(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, DECIDE)
    script(server, "anthropic", text_turn('{"verdict": "ship"}'))
    proc = tracker([str(flow), "--json"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 0, proc.stderr
    stream = Stream.parse(proc.stdout)
    assert stream.path() == ["Start", "Assess", "Hold", "Done"]
    updates = next(d for d in stream.of("decision_outcome") if d["node_id"] == "Assess")["context_updates"]
    assert "missing declared key(s): risk" in updates["writes_error"]


def test_an_authentication_error_stops_the_run_with_a_handler_error(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, VERIFY)
    server.enqueue(Reply(status=401, json_body=anthropic_wire.error_body("authentication_error", "invalid x-api-key")))
    proc = tracker([str(flow), "--json"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 1
    stream = Stream.parse(proc.stdout)
    failed = stream.one("pipeline_failed")
    assert failed["message"].startswith('handler error at node "Check"')
    assert "invalid x-api-key" in failed["error"]
    assert len(server.requests) == 1  # not retried
    assert not list((workdir / ".tracker" / "runs").glob("*/Check/status.json"))  # no artifacts for handler errors


def test_exhausted_credit_pauses_the_run(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, VERIFY)
    server.enqueue(
        Reply(
            status=400,
            json_body=anthropic_wire.error_body(
                "invalid_request_error", "Your credit balance is too low to access the Anthropic API."
            ),
        )
    )
    proc = tracker([str(flow), "--json"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 1
    stream = Stream.parse(proc.stdout)
    terminal = stream.terminal()
    assert [(d["type"], d["terminal_status"]) for d in terminal] == [("billing_paused", "paused_billing")]
    assert "ANTHROPIC_API_KEY" in terminal[0]["message"] and "sk-ant-test-0123456789" not in proc.stdout
    assert proc.stderr.strip().splitlines()[-1] == "error: 💳 Billing / quota exhausted"


def test_the_per_node_cost_cap_fails_the_node_with_an_event(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(
        workdir,
        """
        workflow Capped
          start: Start
          exit: Done

          agent Start
            label: Start

          agent Expensive
            model: claude-opus-4-6
            prompt: Think hard.
            params:
              max_cost_usd: 0.01
              cost_exceeded_action: fail

          tool Cheaper
            timeout: 5s
            command: echo plan b

          agent Done
            label: Done

          edges
            Start -> Expensive
            Expensive -> Cheaper when ctx.outcome = fail
            Expensive -> Done when ctx.outcome = success
            Cheaper -> Done
        """,
    )
    # 10 000 input tokens on claude-opus-4-6 cost $0.05, over the $0.01 cap after turn one
    script(server, "anthropic", text_turn("thinking", input_tokens=10_000, output_tokens=10))
    proc = tracker([str(flow), "--json"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 0, proc.stderr
    stream = Stream.parse(proc.stdout)
    capped = stream.one("node_cost_limit_exceeded")
    assert capped["message"] == 'node "Expensive": per-node cost ceiling exceeded (cost=0.0503 USD)'
    assert stream.path() == ["Start", "Expensive", "Cheaper", "Done"]
    updates = next(d for d in stream.of("decision_outcome") if d["node_id"] == "Expensive")["context_updates"]
    assert updates["node_cost_exceeded"] == "true"
