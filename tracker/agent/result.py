"""What a finished session reports (engine spec §5.3.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tracker.llm.types import Usage


class StopReason(StrEnum):
    NATURAL = "natural"
    COST_EXCEEDED = "cost_exceeded"
    NO_PROGRESS = "no_progress"
    LOOP_DETECTED = "loop_detected"
    MAX_TURNS = "max_turns"
    ERROR = "error"


class BreachVerify(StrEnum):
    """Outcome of the single verification run after a turn-limit breach (§5.10)."""

    NOT_RUN = "not_run"
    PASSED = "passed"
    FAILED = "failed"


@dataclass(slots=True)
class SessionResult:
    """The session's account of itself. ``error`` is set when the session failed (LLM
    error, three empty responses, a planning failure); the other fields still describe
    what happened before the failure."""

    session_id: str
    provider: str = ""
    model: str = ""
    stop: StopReason = StopReason.NATURAL
    error: BaseException | None = None
    final_text: str = ""
    turns: int = 0
    tool_calls: dict[str, int] = field(default_factory=dict)
    tool_seconds: dict[str, float] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    duration_seconds: float = 0.0
    context_utilization: float = 0.0
    compactions: int = 0
    longest_turn_seconds: float = 0.0
    tool_cache_hits: int = 0
    tool_cache_misses: int = 0
    episode_summary: str = ""
    breach_verify: BreachVerify = BreachVerify.NOT_RUN
    files_modified: list[str] = field(default_factory=list)
    files_created: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def cost_usd(self) -> float:
        return self.usage.estimated_cost or 0.0

    @property
    def total_tool_calls(self) -> int:
        return sum(self.tool_calls.values())

    @property
    def max_turns_used(self) -> bool:
        """A turn-limit breach: the turns ran out, or the session stopped on a loop."""
        return self.stop in (StopReason.MAX_TURNS, StopReason.LOOP_DETECTED)

    @property
    def loop_detected(self) -> bool:
        return self.stop is StopReason.LOOP_DETECTED

    @property
    def cost_exceeded(self) -> bool:
        return self.stop is StopReason.COST_EXCEEDED

    @property
    def no_progress(self) -> bool:
        return self.stop is StopReason.NO_PROGRESS
