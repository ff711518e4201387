"""The human-readable transcript of a session (``response.md``, engine spec §4.1.6) and
the one-paragraph session summary appended to it (§5.3.3)."""

from __future__ import annotations

from tracker.agent.environment import go_duration
from tracker.agent.events import AgentEvent, AgentEventType
from tracker.agent.result import SessionResult


class TranscriptRecorder:
    """An event sink that keeps the transcript entries of one session."""

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def __call__(self, event: AgentEvent) -> None:
        kind = event.type
        if kind is AgentEventType.TURN_START:
            self.blocks.append(f"TURN {event.turn}")
        elif kind is AgentEventType.TOOL_CALL_START:
            self.blocks.append(f"TOOL CALL: {event.tool_name}\nINPUT:\n{event.tool_input}")
        elif kind is AgentEventType.TOOL_CALL_END:
            block = f"TOOL RESULT: {event.tool_name}\nOUTPUT:\n{event.tool_output}"
            if event.tool_error:
                block += "\nERROR: true"
            self.blocks.append(block)
        elif kind is AgentEventType.TEXT_DELTA and event.text:
            self.blocks.append(f"TEXT:\n{event.text}")
        elif kind is AgentEventType.ERROR:
            self.blocks.append(f"ERROR:\n{event.error or event.text}")

    @property
    def empty(self) -> bool:
        return not self.blocks

    def render(self) -> str:
        return "\n\n".join(self.blocks)


def _tool_calls_text(result: SessionResult) -> str:
    total = result.total_tool_calls
    if not result.tool_calls:
        return f"Tool calls: {total}"
    names = ", ".join(f"{name}: {count}" for name, count in sorted(result.tool_calls.items()))
    return f"Tool calls: {total} ({names})"


def session_summary(result: SessionResult) -> str:
    """Lines describing the session, each newline-terminated."""
    state = "completed" if result.ok else "failed"
    usage = result.usage
    total = usage.total_tokens or (usage.input_tokens + usage.output_tokens)
    tokens = f"Tokens: {total} (in: {usage.input_tokens}, out: {usage.output_tokens})"
    if result.cost_usd > 0:
        tokens += f" | Cost: ${result.cost_usd:.2f}"
    lines = [
        f"Session {result.session_id} {state} in {go_duration(round(result.duration_seconds))}",
        f"Turns: {result.turns} | {_tool_calls_text(result)}",
    ]
    if result.files_modified:
        lines.append(f"Files modified: {', '.join(result.files_modified)}")
    if result.files_created:
        lines.append(f"Files created: {', '.join(result.files_created)}")
    lines.append(tokens)
    if result.compactions:
        longest = go_duration(round(result.longest_turn_seconds))
        lines.append(f"Compactions: {result.compactions} | Longest turn: {longest}")
    return "".join(line + "\n" for line in lines)
