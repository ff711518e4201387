"""``deep_review``: a full run whose three interviews are answered on stdin; the questions
are parsed from the question-writing agents' JSON replies."""

from __future__ import annotations

import json
from pathlib import Path

from tests.agent.fakes.turns import Call, tool_turn
from tests.llm.fakes.server import Reply
from tests.workflows.conftest import NodeScripts, run_builtin

SCOPE = {
    "questions": [
        {"text": "Which layer matters most?", "context": "two layers found", "options": ["storage", "api"]},
        {"text": "Is the CLI in scope?", "context": "it has no tests"},
        {"text": "What worries you about the cache?", "context": "recent churn"},
    ]
}
FINDINGS = {
    "questions": [
        {"text": "SQL built by string concatenation in store.py", "context": "high, security", "options": ["fix now", "fix later", "accept the risk"]},
        {"text": "Duplicated retry logic", "context": "medium, design", "options": ["fix now", "fix later", "accept the risk"]},
    ]
}
PRIORITY = {"questions": [{"text": "Should the SQL fix ship this week?", "context": "it is exploitable"}]}


def write(path: str, content: str) -> object:
    return tool_turn(Call("write", {"path": path, "content": content}))


def script(models: NodeScripts) -> None:
    models.script("ExploreCodebase", write(".ai/review/exploration.md", "map\n"), "Mapped.")
    models.script("GenerateScopeQuestions", json.dumps(SCOPE))
    for node, name in (("AnalyzeCorrectness", "correctness"), ("AnalyzeSecurity", "security"), ("AnalyzeDesign", "design")):
        models.script(node, write(f".ai/review/{name}.md", f"{name} findings\n"), f"{name} done.")
    models.script("SynthesizeFindings", write(".ai/review/synthesis.md", "all findings\n"), "Merged.")
    models.script("GenerateFindingsQuestions", "Here you go:\n```json\n" + json.dumps(FINDINGS) + "\n```")
    models.script("GeneratePriorityQuestions", json.dumps(PRIORITY))
    models.script("WriteRemediationPlan", write(".ai/review/remediation_plan.md", "plan\n"), "Plan saved.\n\nSTATUS: success")
    models.script("FinalizeDeliverables", write(".ai/review/summary.md", "summary\n"), "Summary written.")


ANSWERS = [
    "the storage layer and its cache",  # DescribeGoal
    "2",  # scope q1: option 2 (api)
    "y",  # scope q2: yes/no
    "stale reads",  # scope q3: free text
    "fix now",  # findings q1
    "3",  # findings q2: option 3
    "yes",  # priority q1
    "approve",  # ReviewPlan
]


def test_three_interviews_feed_the_remediation_plan(models: NodeScripts, tmp_path: Path) -> None:
    script(models)
    work = tmp_path / "code"
    work.mkdir()
    run = run_builtin("deep_review", work, models, ANSWERS)
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert run.terminal["terminal_status"] == "success"
    assert run.path()[-3:] == ["ReviewPlan", "FinalizeDeliverables", "Done"]

    scope = run.opened("ScopeInterview")[0]
    assert scope["gate_mode"] == "interview"
    assert [q["text"] for q in scope["gate_questions"]] == [q["text"] for q in SCOPE["questions"]]
    assert scope["gate_questions"][1]["is_yes_no"] is True
    findings = run.opened("FindingsInterview")[0]
    assert [q["options"] for q in findings["gate_questions"]][1] == ["fix now", "fix later", "accept the risk"]

    # the answers reached the plan writer as JSON
    plan_request = next(r.body.decode() for r in models.requests if "node: WriteRemediationPlan" in r.body.decode())
    prompt = "\n".join(part["text"] for part in json.loads(plan_request)["messages"][0]["content"])
    scope_answers = json.loads(prompt.split("- scope: ", 1)[1].split("\n- triage: ", 1)[0])
    assert [q["answer"] for q in scope_answers["questions"]] == ["api", "yes", "stale reads"]
    triage = json.loads(prompt.split("- triage: ", 1)[1].split("\n- priorities: ", 1)[0])
    assert [q["answer"] for q in triage["questions"]] == ["fix now", "accept the risk"]
    assert (work / ".ai" / "review" / "summary.md").is_file()


def test_a_failed_analyser_escalates_instead_of_synthesising(models: NodeScripts, tmp_path: Path) -> None:
    script(models)
    models.turns["AnalyzeSecurity"].clear()
    rejected = {"type": "error", "error": {"type": "invalid_request_error", "message": "prompt rejected"}}
    models.script("AnalyzeSecurity", Reply(status=400, json_body=rejected))
    work = tmp_path / "code"
    work.mkdir()
    run = run_builtin("deep_review", work, models, [*ANSWERS[:4], "stop here"])
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert run.path()[-2:] == ["EscalateToHuman", "Done"]
    assert "SynthesizeFindings" not in models.nodes_called()
    parallel = next(d for d in run.of("decision_outcome") if d["node_id"] == "AnalyzeParallel")
    assert parallel["outcome_status"] == "fail"
