"""Core semantic lint DIP101–DIP137: each code on a minimal document that triggers it
(exact severity and range) and on a near-identical one that does not."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tracker.dippin.diagnostics import Severity

from .helpers import BASIC_NODES, lint_text, marked, wf

W, H = Severity.WARNING, Severity.HINT
THREE = "  agent A\n    prompt: Plan.\n  agent M\n    prompt: Work.\n  agent B\n    prompt: Ship.\n"
CHILD = "workflow Child\n  start: X\n  exit: X\n\n  agent X\n    prompt: Hi.\n"


@dataclass
class Case:
    code: str
    bad: str  # the expected range marked ⟦…⟧
    good: str
    severity: Severity = W
    good_files: dict[str, str] = field(default_factory=dict)


def edges(*lines: str) -> str:
    return "\n  edges\n" + "".join(f"    {line}\n" for line in lines)


def agent_a(fields: str) -> str:
    """A then B, where agent A has the given extra field lines (6-space indented)."""
    return "  agent A\n" + fields + "    prompt: Plan.\n  agent B\n    prompt: Ship.\n" + edges("A -> B")


CASES = [
    Case(
        "DIP101",
        wf(THREE.replace("agent M", "agent ⟦M⟧") + edges("A -> M  when ctx.x = 1", "A -> B  when ctx.y = 2", "M -> B")),
        wf(THREE + edges("A -> M  when ctx.x = 1", "A -> B", "M -> B")),
    ),
    Case(
        "DIP102",
        wf(THREE.replace("agent A", "agent ⟦A⟧") + edges("A -> M  when ctx.x = 1", "A -> B  when ctx.y = 2", "M -> B")),
        wf(THREE + edges("A -> M  when ctx.x = 1", "A -> B", "M -> B")),
    ),
    Case(
        "DIP103",
        wf(THREE + edges("A -> M  when ctx.outcome = success", "A -> B  when ⟦ctx.outcome = success⟧", "M -> B")),
        wf(THREE + edges("A -> M  when ctx.outcome = success", "A -> B  when ctx.outcome = fail", "M -> B")),
    ),
    Case(
        "DIP104",
        wf(agent_a("    ⟦retry_policy⟧: patient\n")),
        wf(agent_a("    retry_policy: patient\n    max_retries: 2\n")),
    ),
    Case(
        "DIP105",
        "workflow W\n  start: A\n  exit: ⟦B⟧\n\n" + BASIC_NODES + edges("A -> B  restart: true"),
        "workflow W\n  start: A\n  exit: B\n\n" + BASIC_NODES + edges("A -> B"),
    ),
    Case(
        "DIP106",
        wf("  agent A\n    prompt: Use ⟦${foo}⟧ now.\n  agent B\n    prompt: Ship.\n" + edges("A -> B")),
        wf("  agent A\n    prompt: Use ${ctx.foo} now.\n  agent B\n    prompt: Ship.\n" + edges("A -> B")),
    ),
    Case(
        "DIP107",
        wf("  agent A\n    writes: ⟦plan⟧\n    prompt: Plan.\n  agent B\n    prompt: Ship.\n" + edges("A -> B")),
        wf("  agent A\n    writes: plan\n    prompt: Plan.\n  agent B\n    reads: plan\n    prompt: Ship.\n" + edges("A -> B")),
    ),
    Case(
        "DIP108",
        wf(agent_a("    provider: anthropic\n    model: ⟦claude-sonet-4-6⟧\n")),
        wf(agent_a("    provider: anthropic\n    model: claude-sonnet-4-6\n")),
    ),
    Case(
        "DIP109",
        wf(
            BASIC_NODES + "  subgraph S1\n    ref: child.dip\n  subgraph S2\n    ref: ⟦child.dip⟧\n"
            + edges("A -> S1", "S1 -> S2", "S2 -> B")
        ),
        wf(
            BASIC_NODES + "  subgraph S1\n    ref: child.dip\n  subgraph S2\n    ref: child2.dip\n"
            + edges("A -> S1", "S1 -> S2", "S2 -> B")
        ),
    ),
    Case(
        "DIP110",
        wf(THREE.replace("agent M\n    prompt: Work.", "agent ⟦M⟧\n    label: Work") + edges("A -> M", "M -> B")),
        wf(THREE + edges("A -> M", "M -> B")),
    ),
    Case(
        "DIP111",
        wf(BASIC_NODES + "  tool ⟦T⟧\n    command: echo ok\n" + edges("A -> T", "T -> B")),
        wf(BASIC_NODES + "  tool T\n    timeout: 30s\n    command: echo ok\n" + edges("A -> T", "T -> B")),
    ),
    Case(
        "DIP112",
        wf("  agent A\n    prompt: Plan.\n  agent B\n    reads: ⟦plan⟧\n    prompt: Ship.\n" + edges("A -> B")),
        wf("  agent A\n    writes: plan\n    prompt: Plan.\n  agent B\n    reads: plan\n    prompt: Ship.\n" + edges("A -> B")),
    ),
    Case(
        "DIP113",
        wf(BASIC_NODES + edges("A -> B"), header="  defaults\n    retry_policy: ⟦agressive⟧"),
        wf(BASIC_NODES + edges("A -> B"), header="  defaults\n    retry_policy: aggressive"),
    ),
    Case(
        "DIP114",
        wf(agent_a("    fidelity: ⟦summary⟧\n")),
        wf(agent_a("    fidelity: summary:low\n")),
    ),
    Case(
        "DIP115",
        wf(agent_a("    ⟦goal_gate⟧: true\n")),
        wf(agent_a("    goal_gate: true\n    retry_target: A\n")),
    ),
    Case(
        "DIP116",
        wf(agent_a("    compaction_threshold: ⟦1.5⟧\n")),
        wf(agent_a("    compaction_threshold: 0.5\n")),
    ),
    Case(
        "DIP117",
        wf(BASIC_NODES + edges("A -> B") + "\n  stylesheet:\n    ⟦.fast⟧\n      model: gpt-5.4\n"),
        wf(BASIC_NODES.replace("agent A\n", "agent A\n    class: fast\n") + edges("A -> B") + "\n  stylesheet:\n    .fast\n      model: gpt-5.4\n"),
    ),
    Case(
        "DIP118",
        wf(BASIC_NODES + edges("A -> B") + "\n  stylesheet:\n    ⟦#Bee⟧\n      model: gpt-5.4\n"),
        wf(BASIC_NODES + edges("A -> B") + "\n  stylesheet:\n    #B\n      model: gpt-5.4\n"),
    ),
    Case(
        "DIP119",
        wf(agent_a("    reasoning_effort: ⟦hi⟧\n")),
        wf(agent_a("    reasoning_effort: high\n")),
    ),
    Case(
        "DIP120",
        wf(BASIC_NODES + edges("A -> B  when ⟦outcome⟧ = success", "A -> B")),
        wf(BASIC_NODES + edges("A -> B  when ctx.outcome = success", "A -> B")),
    ),
    Case(
        "DIP121",
        wf(agent_a("    writes: verdict\n").replace(edges("A -> B"), edges("A -> B  when ⟦ctx.verdit⟧ = ok", "A -> B"))),
        wf(agent_a("    writes: verdict\n").replace(edges("A -> B"), edges("A -> B  when ctx.verdict = ok", "A -> B"))),
    ),
    Case(
        "DIP122",
        wf(
            BASIC_NODES + "  tool T\n    timeout: 30s\n    outputs: pass, fail\n    command: ./check.sh\n"
            + edges("A -> T", "T -> B  when ctx.tool_stdout = ⟦passed⟧", "T -> B")
        ),
        wf(
            BASIC_NODES + "  tool T\n    timeout: 30s\n    outputs: pass, fail\n    command: ./check.sh\n"
            + edges("A -> T", "T -> B  when ctx.tool_stdout = pass", "T -> B")
        ),
    ),
    Case(
        "DIP123",
        wf(BASIC_NODES + "  tool T\n    timeout: 30s\n    command:\n      if true; then\n      ⟦  echo hi⟧\n" + edges("A -> T", "T -> B")),
        wf(BASIC_NODES + "  tool T\n    timeout: 30s\n    command:\n      if true; then\n        echo hi\n      fi\n" + edges("A -> T", "T -> B")),
    ),
    Case(
        "DIP124",
        wf(BASIC_NODES + "  tool T\n    timeout: 30s\n    command: echo ⟦${ctx.last_response}⟧\n" + edges("A -> T", "T -> B")),
        wf(BASIC_NODES + "  tool T\n    timeout: 30s\n    command: echo ${graph.goal}\n" + edges("A -> T", "T -> B")),
    ),
    Case(
        "DIP125",
        wf(BASIC_NODES + "  tool T\n    timeout: 30s\n    command: ⟦definitely-not-a-binary-xyz⟧ --version\n" + edges("A -> T", "T -> B")),
        wf(BASIC_NODES + "  tool T\n    timeout: 30s\n    command: ls --version\n" + edges("A -> T", "T -> B")),
        severity=H,
    ),
    Case(
        "DIP126",
        wf(BASIC_NODES + "  subgraph S\n    ref: ⟦child.dip⟧\n" + edges("A -> S", "S -> B")),
        wf(BASIC_NODES + "  subgraph S\n    ref: child.dip\n" + edges("A -> S", "S -> B")),
        good_files={"child.dip": CHILD},
    ),
    Case(
        "DIP127",
        wf(BASIC_NODES + "  human G\n    mode: ⟦free-form⟧\n" + edges("A -> G", "G -> B")),
        wf(BASIC_NODES + "  human G\n    mode: freeform\n" + edges("A -> G", "G -> B")),
    ),
    Case(
        "DIP128",
        wf(BASIC_NODES + "  human G\n    mode: interview\n    ⟦default: yes⟧\n" + edges("A -> G", "G -> B")),
        wf(BASIC_NODES + "  human G\n    mode: interview\n" + edges("A -> G", "G -> B")),
    ),
    Case(
        "DIP129",
        wf(THREE + "  human G\n    mode: ⟦interview⟧\n" + edges("A -> G", "G -> M  label: yes", "G -> B  label: no", "M -> B")),
        wf(THREE + "  human G\n    mode: interview\n" + edges("A -> G", "G -> M  label: yes", "G -> B", "M -> B")),
    ),
    Case(
        "DIP130",
        wf(agent_a("    response_format: ⟦json⟧\n")),
        wf(agent_a("    response_format: json_object\n")),
    ),
    Case(
        "DIP131",
        wf(agent_a('    ⟦response_schema⟧:\n      {"type": "object"}\n')),
        wf(agent_a('    response_format: json_schema\n    response_schema:\n      {"type": "object"}\n')),
    ),
    Case(
        "DIP132",
        wf(agent_a('    response_format: json_schema\n    response_schema:\n      {"type": "object",⟦}⟧\n')),
        wf(agent_a('    response_format: json_schema\n    response_schema:\n      {"type": "object"}\n')),
    ),
    Case(
        "DIP133",
        wf(agent_a("    params:\n      ⟦model⟧: gpt-5.4\n      max_cost_usd: 2\n")),
        wf(agent_a("    model: gpt-5.4\n    params:\n      max_cost_usd: 2\n")),
        severity=H,
    ),
    Case(
        "DIP134",
        wf(THREE + edges("A -> M", "M -> A  restart: true", "M -> B"), header="  defaults\n    ⟦max_retries⟧: 3"),
        wf(THREE + edges("A -> M", "M -> A  restart: true", "M -> B"), header="  defaults\n    max_retries: 3\n    max_restarts: 5"),
    ),
    Case(
        "DIP135",
        wf(BASIC_NODES + "  manager_loop ⟦L⟧\n    max_cycles: 5\n" + edges("A -> L", "L -> B")),
        wf(BASIC_NODES + "  manager_loop L\n    subgraph_ref: child.dip\n    max_cycles: 5\n" + edges("A -> L", "L -> B")),
        good_files={"child.dip": CHILD},
    ),
    Case(
        "DIP136",
        wf(BASIC_NODES + "  manager_loop L\n    subgraph_ref: child.dip\n    max_cycles: 5\n    poll_interval: ⟦-5s⟧\n" + edges("A -> L", "L -> B")),
        wf(BASIC_NODES + "  manager_loop L\n    subgraph_ref: child.dip\n    max_cycles: 5\n    poll_interval: 5s\n" + edges("A -> L", "L -> B")),
    ),
    Case(
        "DIP137",
        wf(BASIC_NODES + "  manager_loop ⟦L⟧\n    subgraph_ref: child.dip\n" + edges("A -> L", "L -> B")),
        wf(BASIC_NODES + "  manager_loop L\n    subgraph_ref: child.dip\n    max_cycles: 3\n" + edges("A -> L", "L -> B")),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_code_fires_with_exact_range_and_not_on_the_fixed_document(case: Case, tmp_path: Path) -> None:
    text, expected = marked(case.bad)
    bad = lint_text(tmp_path, text)
    assert [(d.severity, d.range) for d in bad.of(case.code)] == [(case.severity, expected)], bad.of(case.code)
    for name, content in case.good_files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    good = lint_text(tmp_path, case.good, name="good.dip")
    assert good.of(case.code) == []


def test_every_core_semantic_code_has_a_case() -> None:
    assert sorted(c.code for c in CASES) == [f"DIP{n}" for n in range(101, 138) if n != 138]
