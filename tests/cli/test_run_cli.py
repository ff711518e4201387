"""``tracker run`` end to end, as a subprocess: handlers, gates, output modes, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, run_cli

EXAMPLES = REPO / "examples"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"TRACKER_AUDIT_DIR": str(tmp_path / "audit"), "PYTHONPATH": str(REPO)}


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source).lstrip("\n"))
    return path


def ndjson(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line must be a JSON object (``--json`` is pure NDJSON)."""
    return [json.loads(line) for line in stdout.splitlines()]


def node_types(lines: list[dict[str, Any]], node: str) -> list[str]:
    return [d["type"] for d in lines if d.get("node_id") == node]


@pytest.mark.parametrize("example", ["release_check", "gate_modes", "retry_loop", "subgraph_demo"])
def test_examples_run_without_an_api_key(example: str, tmp_path: Path, env: dict[str, str]) -> None:
    proc = run_cli([str(EXAMPLES / f"{example}.dip"), "--auto-approve", "--no-tui"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "═══ Run Complete ═══" in proc.stdout
    assert "Status:    ● success" in proc.stdout
    assert "warning[" not in proc.stderr  # our examples are lint-clean


def test_json_stream_is_pure_ndjson_with_the_canonical_event_order(tmp_path: Path, env: dict[str, str]) -> None:
    flow = write(
        tmp_path,
        "flow.dip",
        """
        workflow Order
          start: Start
          exit: Done

          agent Start
            label: Start

          tool Probe
            timeout: 5s
            command: echo ready

          conditional Gate
            label: Gate

          tool Work
            timeout: 5s
            command: echo work

          agent Done
            label: Done

          edges
            Start -> Probe
            Probe -> Gate
            Gate -> Work when ctx.tool_stdout = ready
            Gate -> Done when ctx.tool_stdout = "not ready"
            Work -> Done
        """,
    )
    proc = run_cli(["run", str(flow), "--json"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = ndjson(proc.stdout)
    assert lines[0]["type"] == "pipeline_started" and lines[0]["snapshot_start_node"] == "Start"
    assert lines[-1]["type"] == "pipeline_completed" and lines[-1]["terminal_status"] == "success"
    assert {d["source"] for d in lines} == {"pipeline"}
    assert all(d["run_id"] == lines[0]["run_id"] for d in lines)
    assert node_types(lines, "Probe") == ["stage_started", "decision_outcome", "stage_completed", "decision_edge"]
    assert node_types(lines, "Gate") == [
        "stage_started", "decision_outcome", "stage_completed", "decision_condition", "decision_edge",
    ]  # fmt: skip
    gate_edge = next(d for d in lines if d["type"] == "decision_edge" and d["node_id"] == "Gate")
    assert gate_edge["edge_priority"] == "condition" and gate_edge["condition_match"] is True
    probe_outcome = next(d for d in lines if d["type"] == "decision_outcome" and d["node_id"] == "Probe")
    assert probe_outcome["context_updates"]["tool_stdout"] == "ready"
    types = [d["type"] for d in lines]
    assert types[types.index("decision_edge") + 1] == "checkpoint_saved"
    assert "Run Complete" in proc.stderr  # the summary goes to stderr in --json mode

    run_dir = next((tmp_path / ".tracker" / "runs").iterdir())
    activity = [json.loads(line) for line in (run_dir / "activity.jsonl").read_text().splitlines()]
    assert [d["type"] for d in activity] == types
    assert "snapshot_nodes" not in activity[0]
    secure = tmp_path / "audit" / run_dir.name / "activity.jsonl"
    assert all(line.startswith(b"\x1f\x1e") for line in secure.read_bytes().splitlines())
    for name in ("checkpoint.json", "run.json", "workflow.dip", "workflow.ir.json", "Probe/status.json"):
        assert (run_dir / name).is_file(), name
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["terminal_status"] == "success" and manifest["event_counts"]["stage_started"] == 5


GATES = """
workflow Gates
  start: Start
  exit: Done

  agent Start
    label: Start

  human Ready
    label: Ready?
    mode: yes_no

  human Flavour
    label: Pick a flavour
    default: vanilla

  human Tone
    label: Which tone?
    mode: freeform

  tool Ask
    timeout: 5s
    command:
      echo "1. What is the project called?"
      echo "- Should we mention the deadline?"
      echo "Which channel? (email, chat, other)"

  human Interview
    label: Questions
    mode: interview
    questions_key: tool_stdout

  tool Vanilla
    timeout: 5s
    command: echo vanilla

  tool Chocolate
    timeout: 5s
    command: echo chocolate

  tool Formal
    timeout: 5s
    command: echo formal

  tool Casual
    timeout: 5s
    command: echo casual

  tool Stop
    timeout: 5s
    command: echo stop

  agent Done
    label: Done

  edges
    Start -> Ready
    Ready -> Flavour when ctx.outcome = success
    Ready -> Stop when ctx.outcome = fail
    Flavour -> Vanilla label: vanilla
    Flavour -> Chocolate label: chocolate
    Vanilla -> Tone
    Chocolate -> Tone
    Tone -> Formal label: formal
    Tone -> Casual label: casual
    Formal -> Ask
    Casual -> Ask
    Ask -> Interview
    Interview -> Done
    Stop -> Done
"""


def test_scripted_console_answers_every_gate_mode(tmp_path: Path, env: dict[str, str]) -> None:
    flow = write(tmp_path, "gates.dip", GATES)
    answers = "yes\n2\nFormal\nTracker\ny\nchat\n"
    proc = run_cli([str(flow), "--json"], cwd=tmp_path, env=env, input=answers)
    assert proc.returncode == 0, proc.stderr
    lines = ndjson(proc.stdout)
    started = [d["node_id"] for d in lines if d["type"] == "stage_started"]
    assert started == ["Start", "Ready", "Flavour", "Chocolate", "Tone", "Formal", "Ask", "Interview", "Done"]
    resolved = {d["node_id"]: d for d in lines if d["type"] == "gate_resolved"}
    assert resolved["Ready"]["gate_response"] == "Yes" and resolved["Ready"]["gate_actor"] == "human"
    assert resolved["Flavour"]["gate_response"] == "chocolate"
    assert resolved["Tone"]["gate_response"] == "formal"  # typed text matched to its label
    opened = {d["node_id"]: d for d in lines if d["type"] == "gate_opened"}
    questions = opened["Interview"]["gate_questions"]
    assert [q["text"] for q in questions] == [
        "What is the project called?", "Should we mention the deadline?", "Which channel?",
    ]  # fmt: skip
    assert questions[1].get("is_yes_no") and questions[2]["options"] == ["email", "chat"]
    done = next(d for d in lines if d["type"] == "decision_outcome" and d["node_id"] == "Interview")
    result = json.loads(done["context_updates"]["interview_answers"])
    assert [q["answer"] for q in result["questions"]] == ["Tracker", "yes", "chat"]
    assert result["incomplete"] is False and result["canceled"] is False
    assert "*3 of 3 questions answered*" in done["context_updates"]["human_response"]
    assert "Pick a flavour" in proc.stderr  # prompts go to stderr when stdout carries --json


def test_console_gate_without_input_is_a_clear_error(tmp_path: Path, env: dict[str, str]) -> None:
    flow = write(tmp_path, "gates.dip", GATES)
    proc = run_cli([str(flow), "--no-tui"], cwd=tmp_path, env=env, input="yes\n")
    assert proc.returncode == 1
    assert 'handler error at node "Tone"' in proc.stdout  # Flavour took its default at end of input
    assert "end of input" in proc.stdout
    assert proc.stderr.strip().splitlines()[-1] == "error: ✗ Run failed"
    assert "tracker -r" in proc.stdout  # the summary says how to resume


def test_auto_approve_takes_defaults_and_first_options(tmp_path: Path, env: dict[str, str]) -> None:
    flow = write(tmp_path, "gates.dip", GATES)
    proc = run_cli([str(flow), "--json", "--auto-approve"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = ndjson(proc.stdout)
    resolved = {d["node_id"]: d for d in lines if d["type"] == "gate_resolved"}
    assert resolved["Flavour"]["gate_response"] == "vanilla"
    assert resolved["Tone"]["gate_response"] == "formal"  # labelled freeform: the first label
    assert {d["gate_actor"] for d in resolved.values()} == {"autopilot"}


OVERRIDE = """
workflow Override
  start: Start
  exit: Done

  agent Start
    label: Start

  tool Check
    timeout: 5s
    command: echo "3 findings"

  human Review
    label: Accept the findings?
    default: accept

  tool Fix
    timeout: 5s
    command: echo fixing

  agent Done
    label: Done

  edges
    Start -> Check
    Check -> Review
    Review -> Done label: accept override: true
    Review -> Fix label: fix
    Fix -> Done
"""


def test_override_exit_codes(tmp_path: Path, env: dict[str, str]) -> None:
    flow = write(tmp_path, "override.dip", OVERRIDE)
    proc = run_cli([str(flow), "--auto-approve", "--no-tui"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "validation_overridden" in proc.stdout
    proc = run_cli([str(flow), "--auto-approve", "--no-tui", "--fail-on-override"], cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert 'run completed via validation_overridden at "Review" (label "accept")' in proc.stderr


def test_retries_through_a_registered_agent_handler(tmp_path: Path, env: dict[str, str]) -> None:
    flow = write(
        tmp_path,
        "agent.dip",
        """
        workflow Agent
          start: Start
          exit: Done

          agent Start
            label: Start

          agent Work
            prompt: do it
            base_delay: 10ms
            params:
              script: retry, success

          agent Done
            label: Done

          edges
            Start -> Work
            Work -> Done
        """,
    )
    proc = run_cli([str(flow), "--json"], cwd=tmp_path, env=env)
    assert proc.returncode == 1 and "agent nodes need an LLM provider" in proc.stderr
    proc = run_cli([str(flow), "--json"], cwd=tmp_path, env={**env, "TRACKER_PLUGINS": "tests.engine.fake_agent"})
    assert proc.returncode == 0, proc.stderr
    lines = ndjson(proc.stdout)
    assert node_types(lines, "Work") == [
        "stage_started", "decision_outcome", "stage_retrying",
        "stage_started", "decision_outcome", "stage_completed", "decision_edge",
    ]  # fmt: skip
    types = [d["type"] for d in lines]
    assert types[types.index("stage_retrying") + 1] == "checkpoint_saved"


def test_wall_time_budget_halts_with_budget_exceeded(tmp_path: Path, env: dict[str, str]) -> None:
    flow = write(
        tmp_path,
        "slow.dip",
        """
        workflow Slow
          start: Start
          exit: Done

          agent Start
            label: Start

          tool Wait
            timeout: 5s
            command: sleep 0.5

          tool Never
            timeout: 5s
            command: echo never

          agent Done
            label: Done

          edges
            Start -> Wait
            Wait -> Never
            Never -> Done
        """,
    )
    proc = run_cli([str(flow), "--json", "--max-wall-time", "200ms"], cwd=tmp_path, env=env)
    assert proc.returncode == 1
    lines = ndjson(proc.stdout)
    terminal = [d for d in lines if d.get("terminal_status")]
    assert [(d["type"], d["terminal_status"], d["message"]) for d in terminal] == [
        ("budget_exceeded", "budget_exceeded", "max_wall_time exceeded")
    ]
    assert "Never" not in [d.get("node_id") for d in lines]
    assert "HALTED: budget exceeded" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "nope=1"], 'unknown param "nope" (declared params: who)'),
        (["--param", "novalue"], "--param expects KEY=VALUE"),
        (["--auto-approve", "--webhook-url", "http://x"], "--webhook-url cannot be combined"),
        (["--max-wall-time", "soon"], "invalid duration"),
        (["-r", "deadbeef"], 'no run found matching "deadbeef"'),
    ],
)
def test_flag_and_setup_errors(tmp_path: Path, env: dict[str, str], args: list[str], message: str) -> None:
    flow = write(
        tmp_path,
        "f.dip",
        """
        workflow F
          start: A
          exit: B

          vars
            who: x

          agent A
            label: A

          agent B
            label: B

          edges
            A -> B
        """,
    )
    proc = run_cli([str(flow), *args], cwd=tmp_path, env=env)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_broken_workflows_are_refused_with_positions(tmp_path: Path, env: dict[str, str]) -> None:
    flow = write(tmp_path, "bad.dip", "workflow Bad\n  start: A\n  exit: Missing\n\n  agent A\n    label: A\n")
    proc = run_cli([str(flow)], cwd=tmp_path, env=env)
    assert proc.returncode == 1
    assert "error[" in proc.stderr and f"--> {flow}:" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_cli(["no_such_workflow"], cwd=tmp_path, env=env)
    assert proc.returncode == 1 and 'unknown pipeline "no_such_workflow"' in proc.stderr


def test_live_view_on_a_terminal(tmp_path: Path, env: dict[str, str]) -> None:
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", str(EXAMPLES / "release_check.dip"), "--auto-approve"],
        cwd=tmp_path,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, **env, "COLUMNS": "120", "LINES": "40", "TERM": "xterm"},
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=60) == 0
    os.close(master)
    screen = b"".join(chunks).decode("utf-8", errors="replace")
    assert "ReleaseCheck" in screen
    assert "●" in screen and "Collect release facts" in screen
    assert "Run Complete" in screen


def test_manager_loop_supervises_a_child_run(tmp_path: Path, env: dict[str, str]) -> None:
    write(
        tmp_path,
        "child.dip",
        """
        workflow Child
          start: Begin
          exit: End

          defaults
            max_restarts: 100

          agent Begin
            label: Begin

          tool Tick
            timeout: 5s
            command: sleep 0.1

          agent End
            label: End

          edges
            Begin -> Tick
            Tick -> End when ctx.steer.stop = yes
            Tick -> Tick when ctx.steer.stop != yes restart: true
        """,
    )
    flow = write(
        tmp_path,
        "boss.dip",
        """
        workflow Boss
          start: Start
          exit: Done

          agent Start
            label: Start

          manager_loop Watch
            subgraph_ref: child.dip
            poll_interval: 100ms
            max_cycles: 100
            steer_condition: stack.child.cycles >= 2
            steer_context:
              stop: yes

          agent Done
            label: Done

          edges
            Start -> Watch
            Watch -> Done
        """,
    )
    proc = run_cli([str(flow), "--json"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = ndjson(proc.stdout)
    watch = node_types(lines, "Watch")
    assert watch[:2] == ["stage_started", "stage_started"] and "manager_cycle_tick" in watch
    assert any(d.get("node_id", "").startswith("Watch/Tick") for d in lines)
    done = next(d for d in lines if d["type"] == "stage_completed" and d["node_id"] == "Watch" and d.get("message", "").startswith("manager_loop"))
    assert done["message"].startswith("manager_loop: child completed successfully after")


def test_rich_gate_prompt_on_a_terminal(tmp_path: Path, env: dict[str, str]) -> None:
    import pty
    import select

    flow = write(
        tmp_path,
        "ask.dip",
        """
        workflow Ask
          start: Start
          exit: Done

          agent Start
            label: Start

          human Confirm
            label: Really continue?
            mode: yes_no

          tool Yes
            timeout: 5s
            command: echo confirmed

          tool No
            timeout: 5s
            command: echo declined

          agent Done
            label: Done

          edges
            Start -> Confirm
            Confirm -> Yes when ctx.outcome = success
            Confirm -> No when ctx.outcome = fail
            Yes -> Done
            No -> Done
        """,
    )
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", str(flow)],
        cwd=tmp_path,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, **env, "COLUMNS": "100", "LINES": "30", "TERM": "xterm"},
    )
    os.close(slave)
    seen = b""
    answered = False
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        seen += data
        if not answered and b"Yes or no?" in seen:
            os.write(master, b"n\r")
            answered = True
    assert proc.wait(timeout=60) == 0
    os.close(master)
    screen = seen.decode("utf-8", errors="replace")
    assert answered and "Really continue?" in screen
    run_dir = next((tmp_path / ".tracker" / "runs").iterdir())
    assert (run_dir / "No" / "status.json").is_file() and not (run_dir / "Yes").exists()
