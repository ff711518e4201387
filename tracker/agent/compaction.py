"""Context compaction (engine spec §5.4): old tool results become one-line placeholders.

Only tool-role messages before the fifth-to-last assistant message are touched; error
results are kept verbatim. A compaction counts only if it shrank the tool results.
"""

from __future__ import annotations

from tracker.llm.types import Message, ToolResultPart

KEEP_RECENT_ASSISTANT = 5
_BASH_PREVIEW_BYTES = 80


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _clip_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


def outcome_signal(output: str) -> str:
    """`` (failed)``, `` (passed)`` or ``""`` from the last ten lines of a command's output."""
    for line in output.split("\n")[-10:]:
        low = line.lower()
        trimmed = low.strip()
        if (
            "failed" in low
            or "failure" in low
            or " error" in low
            or trimmed.startswith(("error:", "error "))
            or trimmed.endswith("error")
        ):
            return " (failed)"
        if "passed" in low or trimmed == "ok" or trimmed.startswith(("ok ", "ok\t")):
            return " (passed)"
    return ""


def placeholder(tool: str, content: str) -> str:
    if not content:
        return f"[previous {tool} result — 0 chars. Re-run if needed.]"
    if tool in ("read", "read_file"):
        count = content.count("\n") or 1
        unit = "line" if count == 1 else "lines"
        return f"[previously read: {count} {unit}. Re-read with {tool} if needed.]"
    if tool in ("grep_search", "grep"):
        count = sum(1 for line in content.split("\n") if line.strip())
        return f"[previously searched: {count} matches found. Re-run {tool} if needed.]"
    if tool in ("bash", "execute_command"):
        first = _clip_bytes(content.split("\n", 1)[0], _BASH_PREVIEW_BYTES)
        count = len(content.split("\n"))
        return (
            f"[previously ran: {first}{outcome_signal(content)} — {count} lines output. "
            "Re-run if needed.]"
        )
    return f"[previous {tool} result — {_bytes(content)} chars. Re-run if needed.]"


def tool_result_bytes(history: list[Message]) -> int:
    return sum(
        _bytes(part.content)
        for message in history
        if message.role == "tool"
        for part in message.content
        if isinstance(part, ToolResultPart)
    )


def compact_history(history: list[Message]) -> bool:
    """Rewrite old tool results in place; ``True`` when the results got smaller."""
    assistant_positions = [i for i, m in enumerate(history) if m.role == "assistant"]
    if len(assistant_positions) < KEEP_RECENT_ASSISTANT:
        return False
    cutoff = assistant_positions[-KEEP_RECENT_ASSISTANT]
    before = tool_result_bytes(history)
    for message in history[:cutoff]:
        if message.role != "tool":
            continue
        for part in message.content:
            if isinstance(part, ToolResultPart) and not part.is_error:
                part.content = placeholder(part.tool_name, part.content)
    return tool_result_bytes(history) < before
