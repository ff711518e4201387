"""Placeholders and the cutoff rule of context compaction (engine spec §5.4)."""

from __future__ import annotations

import pytest

from tracker.agent.compaction import compact_history, outcome_signal, placeholder
from tracker.llm.types import Message, ToolCallPart, ToolResultPart


@pytest.mark.parametrize(
    ("tool", "content", "expected"),
    [
        ("read", "", "[previous read result — 0 chars. Re-run if needed.]"),
        ("read", "one line", "[previously read: 1 line. Re-read with read if needed.]"),
        ("read", "a\nb\nc\n", "[previously read: 3 lines. Re-read with read if needed.]"),
        ("grep_search", "a:1:x\n\nb:2:y\n", "[previously searched: 2 matches found. Re-run grep_search if needed.]"),
        ("glob", "a.py\nb.py", "[previous glob result — 9 chars. Re-run if needed.]"),
        ("bash", "ran 5 tests\n5 passed", "[previously ran: ran 5 tests (passed) — 2 lines output. Re-run if needed.]"),
        ("bash", "x\nFAILED test_a", "[previously ran: x (failed) — 2 lines output. Re-run if needed.]"),
    ],
)
def test_placeholders(tool: str, content: str, expected: str) -> None:
    assert placeholder(tool, content) == expected


@pytest.mark.parametrize(
    ("output", "signal"),
    [("ok", " (passed)"), ("error: boom", " (failed)"), ("compile error", " (failed)"), ("nothing", ""), ("ok\t1", " (passed)")],
)
def test_outcome_signal(output: str, signal: str) -> None:
    assert outcome_signal(output) == signal


def history(turns: int, error_first: bool = False) -> list[Message]:
    messages = [Message.system("s"), Message.user("task")]
    for i in range(turns):
        messages.append(Message("assistant", [ToolCallPart(f"c{i}", "read", "{}")]))
        messages.append(
            Message.tool_results([ToolResultPart(f"c{i}", "line\n" * 50 + f"turn {i}", "read", is_error=error_first and i == 0)])
        )
    return messages


def test_only_results_before_the_fifth_last_assistant_message_are_compacted() -> None:
    messages = history(6)
    assert compact_history(messages) is True
    results = [m.content[0] for m in messages if m.role == "tool"]
    assert isinstance(results[0], ToolResultPart) and results[0].content.startswith("[previously read: 50 lines")
    assert all(isinstance(r, ToolResultPart) and r.content.endswith(f"turn {i}") for i, r in enumerate(results) if i > 0)


def test_too_few_assistant_messages_or_only_errors_change_nothing() -> None:
    assert compact_history(history(4)) is False
    messages = history(6, error_first=True)
    assert compact_history(messages) is False
