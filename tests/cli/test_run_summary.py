"""The end-of-run summary and the plain-mode agent lines of ``tracker run`` (engine spec
§8.7.4, §7.3.5), from real CLI runs against the fake provider servers."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.agent.fakes.turns import Call, text_turn, tool_turn
from tests.cli.runs_support import isolate
from tests.conftest import REPO
from tests.integration.conftest import Stream, provider_env, run_dir, script, tracker, write_flow
from tests.llm.fakes import anthropic_wire
from tests.llm.fakes.server import FakeServer, Reply


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(REPO))


BUILDER = """
workflow Builder
  goal: "write two files"
  start: Start
  exit: Done

  agent Start
    label: Start

  agent Work
    model: claude-sonnet-4-6
    prompt: Write new.txt, update old.txt, then check.

  tool Check
    timeout: 5s
    command: cat new.txt old.txt

  agent Done
    label: Done

  edges
    Start -> Work
    Work -> Check
    Check -> Done
"""

ONE_AGENT = """
workflow Single
  start: Start
  exit: Done

  agent Start
    label: Start

  agent Check
    model: claude-sonnet-4-6
    prompt: Check the work.{extra}

  agent Done
    label: Done

  edges
    Start -> Check
    Check -> Done
"""


def section(stdout: str, title: str) -> list[str]:
    """The lines of one ``─── title ───`` section (up to the next blank line or rule)."""
    lines = stdout.splitlines()
    start = lines.index(f"─── {title} ───")
    body: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip() or line.startswith(("───", "═══")):
            break
        body.append(line)
    return body


def columns(row: str) -> list[str]:
    return row.split()


def build(workdir: Path, server: FakeServer, *flags: str) -> subprocess.CompletedProcess[str]:
    (workdir / "old.txt").write_text("old\n")
    flow = write_flow(workdir, BUILDER)
    script(
        server,
        "anthropic",
        tool_turn(Call("write", {"path": "new.txt", "content": "new\n"}), input_tokens=3000, output_tokens=100),
        tool_turn(
            Call("write", {"path": "old.txt", "content": "updated\n"}),
            Call("bash", {"command": "echo checked"}),
            input_tokens=3000,
            output_tokens=100,
        ),
        text_turn("Both files are written.\nold.txt now says updated.", input_tokens=4000, output_tokens=200),
    )
    return tracker([str(flow), *flags], cwd=workdir, env=provider_env("anthropic", server))


def test_a_successful_agent_run_has_totals_columns_and_the_provider_table(server: FakeServer, workdir: Path) -> None:
    proc = build(workdir, server, "--no-tui")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Status:    ● success" in out

    # claude-sonnet-4-6 at $3 / $15 per million: 10,000 in + 400 out = $0.036
    assert section(out, "Totals") == [
        "  LLM Turns:    3",
        "  Tool Calls:   3  (write: 2, bash: 1)",
        "  Files:        1 created, 1 modified",
        "  Tokens:       10,000 in / 400 out  ($0.04)",
    ]

    table = section(out, "Node Execution")
    assert columns(table[0]) == ["Node", "Status", "Time", "Turns", "Tools", "Cost", "Handler"]
    rows = {columns(row)[0]: columns(row) for row in table[1:]}
    assert list(rows) == ["Start", "Work", "Check", "Done"]
    work = rows["Work"]
    assert work[1:3] == ["✓", "success"] and work[4:] == ["3", "3", "$0.04", "codergen"]
    assert rows["Check"][4:] == ["-", "-", "-", "tool"]
    assert rows["Start"][4:] == ["-", "-", "-", "start"]

    providers = section(out, "Tokens by Provider")
    assert columns(providers[0]) == ["Provider", "Input", "Output"]
    assert columns(providers[1]) == ["anthropic", "10,000", "400"]
    assert columns(providers[2]) == ["TOTAL", "10,000", "400"]
    assert providers[3] == "  Cost: $0.0360"

    pipeline = section(out, "Pipeline")
    assert [line for line in pipeline if line.strip() != "│"][:2] == [
        pipeline[0],
        pipeline[2],
    ]
    assert re.fullmatch(r"  ✓ Start \(\d+(ms|\.\ds)\)", pipeline[0]) and pipeline[1] == "  │"
    assert "─── Resume ───" not in out and "─── HALTED" not in out


def test_plain_mode_prints_agent_lines_for_people(server: FakeServer, workdir: Path) -> None:
    proc = build(workdir, server, "--no-tui")
    assert proc.returncode == 0, proc.stderr
    agent = [re.sub(r"^\[\d\d:\d\d:\d\d\] ", "", line) for line in proc.stdout.splitlines() if "] [Work] " in line]
    assert agent == [
        "[Work] ▸ write new.txt",
        "[Work]   ✓ write: wrote 4 bytes to new.txt",
        "[Work] ▸ write old.txt",
        "[Work]   ✓ write: wrote 8 bytes to old.txt",
        "[Work] ▸ $ echo checked",
        "[Work]   ✓ bash: checked",
        "[Work] Both files are written.",
        "[Work] old.txt now says updated.",
    ]
    # pipeline lines keep their format; no request bodies or streamed deltas reach the console
    assert re.search(r"^\[\d\d:\d\d:\d\d\] stage_started {10}node=Work {17}executing node \"Work\"$", proc.stdout, re.M)
    assert '"messages"' not in proc.stdout and "llm_text" not in proc.stdout


def test_verbose_plain_mode_adds_turn_lines(server: FakeServer, workdir: Path) -> None:
    proc = build(workdir, server, "--no-tui", "--verbose")
    assert proc.returncode == 0, proc.stderr
    turns = [line.split("] [Work] ", 1)[1] for line in proc.stdout.splitlines() if "] [Work] turn " in line]
    assert turns == [
        "turn 1 (claude-sonnet-4-6): 3,000 in / 100 out, $0.0105",
        "turn 2 (claude-sonnet-4-6): 3,000 in / 100 out, $0.0105",
        "turn 3 (claude-sonnet-4-6): 4,000 in / 200 out, $0.0150",
    ]
    assert "llm finish: end_turn" in proc.stdout or "llm finish: stop" in proc.stdout


def test_json_mode_keeps_every_agent_event_and_puts_the_summary_on_stderr(server: FakeServer, workdir: Path) -> None:
    proc = build(workdir, server, "--json")
    assert proc.returncode == 0, proc.stderr
    stream = Stream.parse(proc.stdout)
    agent_types = {d["type"] for d in stream.lines if d["source"] == "agent"}
    assert {"llm_request_start", "llm_text", "turn_metrics", "tool_call_start", "tool_call_end"} <= agent_types
    assert "  Tool Calls:   3  (write: 2, bash: 1)" in proc.stderr.splitlines()


def test_a_budget_halt_says_what_was_spent_and_how_to_resume(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, ONE_AGENT.format(extra=""))
    script(server, "anthropic", text_turn("looked", input_tokens=10_000, output_tokens=200))
    proc = tracker([str(flow), "--no-tui", "--max-tokens", "5000"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 1
    run_id = run_dir(workdir).name
    assert "Status:    ● budget_exceeded" in proc.stdout
    assert section(proc.stdout, "HALTED: budget exceeded") == [
        "  reason: max_total_tokens exceeded",
        "  spent: 10,200 tokens, $0.0330",  # 10,000 × $3/M + 200 × $15/M
    ]
    assert section(proc.stdout, "Resume") == [f"  tracker -r {run_id} {flow}"]


def test_an_authentication_failure_is_classified_with_a_resume_hint(server: FakeServer, workdir: Path, tmp_path: Path) -> None:
    flow = write_flow(workdir, ONE_AGENT.format(extra=""))
    server.enqueue(Reply(status=401, json_body=anthropic_wire.error_body("authentication_error", "invalid x-api-key")))
    # run from elsewhere with -w: the resume hint must find the run again
    proc = tracker([str(flow), "--no-tui", "-w", str(workdir)], cwd=tmp_path, env=provider_env("anthropic", server))
    assert proc.returncode == 1
    run_id = run_dir(workdir).name
    out = proc.stdout
    assert "Status:    ● fail" in out
    cause = out.split("🔑 Authentication failed\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert cause[0].startswith("  authentication error from anthropic: ") and "invalid x-api-key" in cause[0]
    assert not cause[0].startswith("  handler error") and 'node "Check"' not in cause[0]
    assert cause[-1].startswith("  → check the provider key")
    assert section(out, "Resume") == [f"  tracker -r {run_id} -w {workdir} {flow}"]
    assert proc.stderr.strip().splitlines()[-1] == "error: 🔑 Authentication failed"


def test_a_billing_pause_has_its_own_status_line(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, ONE_AGENT.format(extra=""))
    server.enqueue(
        Reply(
            status=400,
            json_body=anthropic_wire.error_body("invalid_request_error", "Your credit balance is too low to access the Anthropic API."),
        )
    )
    proc = tracker([str(flow), "--no-tui"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 1
    out = proc.stdout
    assert "Status:    ⏸ paused — billing/quota (add credit, then resume)" in out
    cause = out.split("💳 Billing / quota exhausted\n", 1)[1].split("\n\n", 1)[0]
    assert "credit balance is too low" in cause
    assert "add credit: https://console.anthropic.com/settings/billing" in cause
    assert "sk-ant-test-0123456789" not in out  # the key is never printed
    assert section(out, "Resume") == [f"  tracker -r {run_dir(workdir).name} {flow}"]


def test_the_turn_limit_is_named_as_the_cause(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, ONE_AGENT.format(extra="\n    max_turns: 1"))
    script(server, "anthropic", tool_turn(Call("bash", {"command": "echo again"})))
    proc = tracker([str(flow), "--no-tui"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 1
    assert "\n⏱️ Agent hit its turn limit\n" in proc.stdout
    assert 'agent hit its turn limit (1 turns) before finishing' in proc.stdout
    assert section(proc.stdout, "Totals")[:2] == ["  LLM Turns:    1", "  Tool Calls:   1  (bash: 1)"]
    assert proc.stderr.strip().splitlines()[-1] == "error: ⏱️ Agent hit its turn limit"


def test_a_tool_only_run_has_no_totals(workdir: Path) -> None:
    flow = write_flow(
        workdir,
        """
        workflow Tools
          start: Start
          exit: Done

          agent Start
            label: Start

          tool Build
            timeout: 5s
            command: echo built

          agent Done
            label: Done

          edges
            Start -> Build
            Build -> Done
        """,
    )
    proc = tracker([str(flow), "--no-tui"], cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "─── Totals ───" not in out and "─── Tokens by Provider ───" not in out
    rows = {columns(row)[0]: columns(row) for row in section(out, "Node Execution")[1:]}
    assert rows["Build"][1:3] == ["✓", "success"] and rows["Build"][4:] == ["-", "-", "-", "tool"]
    assert "─── Resume ───" not in out
