"""Interview question parsing, answer matching, the auto-approve and line-console interviewers."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from tracker.gates import GateError, GateRequest, InterviewResult, Question, match_choice
from tracker.gates.auto import AutoApproveInterviewer
from tracker.gates.console import LineConsoleInterviewer, StdinLines
from tracker.handlers.interview import answers_object, parse_questions, summary_markdown


def test_structured_questions_in_a_fenced_block() -> None:
    text = 'Here you go:\n```json\n{"questions": [{"text": "Is it fast?"}, {"text": "Pick a db", "options": ["pg", "sqlite", "Other (please specify)"]}]}\n```'
    qs = parse_questions(text)
    assert [(q.id, q.text, q.options, q.yes_no) for q in qs] == [
        ("q1", "Is it fast?", [], True),
        ("q2", "Pick a db", ["pg", "sqlite"], False),
    ]


def test_markdown_questions_follow_the_rules() -> None:
    text = "\n".join(
        [
            "# Scope",
            "1. Which services are in scope",
            "- Describe the deployment",
            "* **Should we** keep the cache?",
            "Plain statement, not a question.",
            "What is the budget? (small, medium, large, other)",
            "```",
            "2. ignored inside a fence?",
            "```",
        ]
    )
    qs = parse_questions(text)
    assert [q.text for q in qs] == [
        "Which services are in scope",
        "Describe the deployment",
        "Should we keep the cache?",
        "What is the budget?",
    ]
    assert qs[2].yes_no and qs[3].options == ["small", "medium", "large"]
    assert parse_questions("no questions here.") == []


def test_summary_and_writes_object() -> None:
    from tracker.gates import QuestionAnswer

    result = InterviewResult([QuestionAnswer("q1", "Project name?", answer="Tracker"), QuestionAnswer("q2", "Deadline?", answer="")], incomplete=True)
    md = summary_markdown(result)
    assert md.startswith("## Interview Answers\n\n**Q1: Project name?**\nTracker")
    assert "(skipped)" in md and md.endswith("*1 of 2 questions answered*")
    assert answers_object(result) == {"q1": "Tracker", "project_name": "Tracker", "q2": "", "deadline": ""}
    assert InterviewResult.from_json(result.to_json()) is not None
    assert json.loads(result.to_json())["questions"][0] == {"id": "q1", "text": "Project name?", "answer": "Tracker"}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("SHIP", "ship"), ("please hold it", "hold"), ("whatever", "hold"), ("", "hold")],
)
def test_match_choice(answer: str, expected: str) -> None:
    assert match_choice(answer, ["ship", "hold"], default="hold") == expected


async def test_auto_approve_answers() -> None:
    auto = AutoApproveInterviewer()
    ask = auto.ask
    assert (await ask(GateRequest("g", "n", "choice", "p", choices=["a", "b"], default="b"))).text == "b"
    assert (await ask(GateRequest("g", "n", "choice", "p", choices=["a", "b"]))).text == "a"
    assert (await ask(GateRequest("g", "n", "freeform", "p"))).text == "auto-approved"
    qs = [Question("q1", "Is it?", yes_no=True), Question("q2", "Pick", options=["x", "y"]), Question("q3", "Why")]
    result = (await ask(GateRequest("g", "n", "interview", "p", questions=qs))).interview
    assert result is not None and [q.answer for q in result.questions] == ["yes", "x", "auto-approved"]


async def test_line_console_interviewer() -> None:
    out = io.StringIO()
    console = LineConsoleInterviewer(StdinLines(io.StringIO("2\n\nbogus\n")), out)
    choice = GateRequest("g", "n", "choice", "Pick", choices=["a", "b"], default="a")
    assert (await console.ask(choice)).text == "b"
    assert (await console.ask(choice)).text == "a"  # empty line: the default
    with pytest.raises(GateError, match="is not one of"):
        await console.ask(choice)
    with pytest.raises(GateError, match="end of input"):
        await console.ask(GateRequest("g", "n", "freeform", "Say"))
    assert "  1. a *" in out.getvalue()

    console = LineConsoleInterviewer(StdinLines(io.StringIO("yes\n2\n")), io.StringIO())
    qs = [Question("q1", "Ok?", yes_no=True), Question("q2", "Pick", options=["x", "y"]), Question("q3", "More?")]
    result = (await console.ask(GateRequest("g", "n", "interview", "p", questions=qs))).interview
    assert result is not None
    assert [q.answer for q in result.questions] == ["yes", "y", ""]
    assert result.canceled and result.incomplete  # input ran out before the third question


async def test_stdin_reader_never_blocks_the_loop() -> None:
    import os

    read_fd, write_fd = os.pipe()
    lines = StdinLines(os.fdopen(read_fd))
    reader = asyncio.create_task(lines.readline())
    await asyncio.sleep(0.05)
    assert not reader.done()  # waiting on a daemon thread, the loop keeps running
    os.write(write_fd, b"hello\n")
    assert await asyncio.wait_for(reader, 5) == "hello"
    os.close(write_fd)
    assert await asyncio.wait_for(lines.readline(), 5) is None
