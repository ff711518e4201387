"""Configuration of one agent session (engine spec §5.1) and its validation.

A :class:`SessionConfig` is plain data; :meth:`SessionConfig.validate` rejects the inputs
the reference rejects, with messages that name the field and the bad value, each
prefixed ``invalid session config: ``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tracker.agent.tools.policy import CommandPolicy

DEFAULT_MAX_TURNS = 80
DEFAULT_COMMAND_TIMEOUT = 10.0
DEFAULT_MAX_COMMAND_TIMEOUT = 600.0
DEFAULT_LOOP_THRESHOLD = 4
DEFAULT_CONTEXT_WINDOW = 200_000
DEFAULT_CONTEXT_WARNING = 0.8
DEFAULT_MODEL = "claude-sonnet-4-6"
DEFAULT_PROVIDER = "anthropic"
DEFAULT_MAX_VERIFY_RETRIES = 2
DEFAULT_COMPACTION_THRESHOLD = 0.6
"""What codergen fills in when compaction is ``auto`` without a threshold (§4.1.2)."""


class SessionConfigError(ValueError):
    """The configuration was rejected at session creation."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"invalid session config: {detail}")
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Lane:
    """One provider/model pair a request can be sent on (§5.3.6)."""

    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}/{self.model}"


def parse_fallbacks(text: str) -> list[Lane]:
    """``provider/model`` entries, comma-separated; malformed entries are skipped."""
    lanes: list[Lane] = []
    for entry in text.split(","):
        provider, sep, model = entry.partition("/")
        provider, model = provider.strip(), model.strip()
        if sep and provider and model:
            lanes.append(Lane(provider, model))
    return lanes


@dataclass(frozen=True, slots=True)
class TurnCheckpoint:
    """A message injected on turn ⌈fraction × max turns⌉ (library-only, §5.5)."""

    fraction: float
    message: str


@dataclass(slots=True)
class SessionConfig:
    """Everything one session needs; defaults are the reference's agent defaults.

    Durations are seconds. ``writable_paths`` is ``None`` when not declared (no jail);
    a declared list, even empty, turns the jail on and is validated fail-closed.
    ``command_policy`` ``None`` means no policy (``--bypass-denylist``).
    """

    max_turns: int = DEFAULT_MAX_TURNS
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT
    max_command_timeout: float = DEFAULT_MAX_COMMAND_TIMEOUT
    loop_detection_threshold: int = DEFAULT_LOOP_THRESHOLD
    context_window_limit: int = DEFAULT_CONTEXT_WINDOW
    context_warning_threshold: float = DEFAULT_CONTEXT_WARNING
    tool_output_limits: dict[str, int] = field(default_factory=dict)
    working_dir: str = "."
    system_prompt: str = ""
    model: str = DEFAULT_MODEL
    provider: str = DEFAULT_PROVIDER
    fallbacks: list[Lane] = field(default_factory=list)
    cache_tool_results: bool = False
    context_compaction: str = "none"
    compaction_threshold: float = 0.0
    reasoning_effort: str = ""
    response_format: str = ""
    response_schema: str = ""
    reflect_on_error: bool = True
    verify_after_edit: bool = False
    verify_command: str = ""
    broad_verify_command: str = ""
    max_verify_retries: int = DEFAULT_MAX_VERIFY_RETRIES
    verify_on_breach: bool = False
    checkpoints: list[TurnCheckpoint] = field(default_factory=list)
    prior_episode_summaries: list[str] = field(default_factory=list)
    plan_before_execute: bool = False
    tool_access: str = ""
    writable_paths: list[str] | None = None
    max_cost_usd: float = 0.0
    no_progress_turns: int = 0
    command_policy: CommandPolicy | None = field(default_factory=CommandPolicy.default)
    command_env: dict[str, str] | None = None
    """Environment of ``bash`` commands; ``None`` inherits the process environment."""

    @property
    def tools_restricted(self) -> bool:
        """Any non-empty ``tool_access`` removes every tool (§5.2.3)."""
        return bool(self.tool_access.strip())

    @property
    def compaction_enabled(self) -> bool:
        return self.context_compaction == "auto"

    def validate(self) -> None:
        """Raise :class:`SessionConfigError` for the first invalid setting."""
        if self.max_turns < 1:
            raise SessionConfigError(f"MaxTurns must be >= 1, got {self.max_turns}")
        if self.command_timeout <= 0:
            raise SessionConfigError(f"CommandTimeout must be > 0, got {self.command_timeout}s")
        if self.max_command_timeout <= 0:
            raise SessionConfigError(
                f"MaxCommandTimeout must be > 0, got {self.max_command_timeout}s"
            )
        if self.max_command_timeout < self.command_timeout:
            raise SessionConfigError(
                f"MaxCommandTimeout ({self.max_command_timeout}s) must be >= "
                f"CommandTimeout ({self.command_timeout}s)"
            )
        if self.loop_detection_threshold < 1:
            raise SessionConfigError(
                f"LoopDetectionThreshold must be >= 1, got {self.loop_detection_threshold}"
            )
        if self.context_window_limit < 1000:
            raise SessionConfigError(
                f"ContextWindowLimit must be >= 1000, got {self.context_window_limit}"
            )
        if not 0 < self.context_warning_threshold <= 1:
            raise SessionConfigError(
                "ContextWarningThreshold must be in (0, 1], got "
                f"{self.context_warning_threshold}"
            )
        for name, limit in self.tool_output_limits.items():
            if limit <= 0:
                raise SessionConfigError(f"ToolOutputLimits[{name!r}] must be > 0, got {limit}")
        if self.compaction_enabled and not 0 < self.compaction_threshold <= 1:
            raise SessionConfigError(
                f"CompactionThreshold must be in (0, 1] when compaction is auto, got "
                f"{self.compaction_threshold}"
            )
        if self.response_format not in ("", "json_object", "json_schema"):
            raise SessionConfigError(
                'ResponseFormat must be "json_object" or "json_schema", got '
                f"{self.response_format!r}"
            )
        if self.response_format == "json_schema":
            if not self.response_schema.strip():
                raise SessionConfigError(
                    'ResponseSchema must be non-empty when ResponseFormat is "json_schema"'
                )
            try:
                json.loads(self.response_schema)
            except ValueError as exc:
                raise SessionConfigError(f"ResponseSchema must be valid JSON, got {exc}") from exc
        if self.max_verify_retries < 0:
            raise SessionConfigError(
                f"MaxVerifyRetries must be >= 0, got {self.max_verify_retries}"
            )
        for index, checkpoint in enumerate(self.checkpoints):
            if not 0 <= checkpoint.fraction <= 1:
                raise SessionConfigError(
                    f"Checkpoints[{index}].Fraction must be in [0, 1], got {checkpoint.fraction}"
                )
            if not checkpoint.message.strip():
                raise SessionConfigError(f"Checkpoints[{index}].Message must be non-empty")
        if self.max_cost_usd < 0:
            raise SessionConfigError(f"MaxCostUSD must be >= 0, got {self.max_cost_usd}")
        if self.no_progress_turns < 0:
            raise SessionConfigError(
                f"NoProgressTurns must be >= 0, got {self.no_progress_turns}"
            )
