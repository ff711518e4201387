"""Provider-neutral request/response model of the LLM client (spec §6.1).

Every adapter translates from and to these types; nothing here knows about a wire format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar

if TYPE_CHECKING:
    from tracker.llm.trace import TraceEvent

Role: TypeAlias = Literal["system", "user", "assistant", "tool", "developer"]
ToolChoiceMode: TypeAlias = Literal["auto", "none", "required", "named"]
ResponseFormatType: TypeAlias = Literal["json_object", "json_schema"]

TraceObserver: TypeAlias = "Callable[[TraceEvent], None]"
"""Receives the trace events of one traced call (§6.7). May also define ``flush()``."""


# --------------------------------------------------------------------------- content parts


@dataclass(slots=True)
class TextPart:
    text: str
    kind: Literal["text"] = "text"


@dataclass(slots=True)
class ImagePart:
    """An image given inline (base64 ``data``) or by ``url``."""

    data: str = ""
    media_type: str = ""
    url: str = ""
    kind: Literal["image"] = "image"


@dataclass(slots=True)
class AudioPart:
    data: str = ""
    media_type: str = ""
    kind: Literal["audio"] = "audio"


@dataclass(slots=True)
class DocumentPart:
    data: str = ""
    media_type: str = ""
    url: str = ""
    kind: Literal["document"] = "document"


@dataclass(slots=True)
class ToolCallPart:
    """A tool call requested by the model; ``arguments`` is the raw JSON text."""

    id: str
    name: str
    arguments: str = "{}"
    thought_signature: str = ""
    """Gemini only: the base64 ``thoughtSignature`` that must be replayed with the call."""
    kind: Literal["tool_call"] = "tool_call"


@dataclass(slots=True)
class ToolResultPart:
    tool_call_id: str
    content: str
    tool_name: str = ""
    is_error: bool = False
    image: ImagePart | None = None
    kind: Literal["tool_result"] = "tool_result"


@dataclass(slots=True)
class ThinkingPart:
    text: str
    signature: str = ""
    kind: Literal["thinking"] = "thinking"


@dataclass(slots=True)
class RedactedThinkingPart:
    """Opaque redacted reasoning; the provider's data travels in ``signature``."""

    signature: str
    kind: Literal["redacted_thinking"] = "redacted_thinking"


ContentPart: TypeAlias = (
    TextPart
    | ImagePart
    | AudioPart
    | DocumentPart
    | ToolCallPart
    | ToolResultPart
    | ThinkingPart
    | RedactedThinkingPart
)


# --------------------------------------------------------------------------- messages


@dataclass(slots=True)
class Message:
    role: Role
    content: list[ContentPart] = field(default_factory=list)
    name: str = ""
    tool_call_id: str = ""

    @classmethod
    def system(cls, text: str) -> Message:
        return cls("system", [TextPart(text)])

    @classmethod
    def user(cls, text: str) -> Message:
        return cls("user", [TextPart(text)])

    @classmethod
    def assistant(cls, text: str = "", tool_calls: Sequence[ToolCallPart] = ()) -> Message:
        parts: list[ContentPart] = [TextPart(text)] if text else []
        parts.extend(tool_calls)
        return cls("assistant", parts)

    @classmethod
    def tool_results(cls, results: Sequence[ToolResultPart]) -> Message:
        return cls("tool", list(results))

    @property
    def text(self) -> str:
        """All text parts concatenated."""
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        return [p for p in self.content if isinstance(p, ToolCallPart)]

    @property
    def tool_results_parts(self) -> list[ToolResultPart]:
        return [p for p in self.content if isinstance(p, ToolResultPart)]


# --------------------------------------------------------------------------- request


@dataclass(slots=True)
class ToolDefinition:
    name: str
    description: str = ""
    parameters: dict[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )


@dataclass(slots=True)
class ToolChoice:
    mode: ToolChoiceMode = "auto"
    tool_name: str = ""

    @classmethod
    def named(cls, tool_name: str) -> ToolChoice:
        return cls("named", tool_name)


@dataclass(slots=True)
class ResponseFormat:
    type: ResponseFormatType
    schema: dict[str, Any] | str | None = None
    """JSON schema as an object or as JSON text (for ``json_schema``)."""
    strict: bool = False

    def schema_object(self) -> dict[str, Any] | None:
        """The schema parsed to an object (JSON text is decoded); ``None`` when absent."""
        if self.schema is None or self.schema == "":
            return None
        if isinstance(self.schema, str):
            decoded = json.loads(self.schema)
            return decoded if isinstance(decoded, dict) else None
        return self.schema

    def schema_text(self) -> str:
        if self.schema is None:
            return ""
        if isinstance(self.schema, str):
            return self.schema
        return json.dumps(self.schema, separators=(",", ":"))


@dataclass(slots=True)
class Request:
    model: str
    messages: list[Message]
    provider: str = ""
    """Adapter name; empty = the catalog's provider for ``model``, else the client default."""
    tools: list[ToolDefinition] = field(default_factory=list)
    tool_choice: ToolChoice | None = None
    response_format: ResponseFormat | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop_sequences: list[str] = field(default_factory=list)
    reasoning_effort: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    provider_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Keyed by provider name; merged into that provider's wire body (§6.3)."""
    observers: list[TraceObserver] = field(default_factory=list)
    """Per-request trace observers; their presence makes the call streamed and session-owned."""

    def options_for(self, provider: str) -> dict[str, Any]:
        return dict(self.provider_options.get(provider, {}))


# --------------------------------------------------------------------------- response


@dataclass(slots=True)
class Usage:
    """Token counts of one or more calls (§6.1 invariants).

    ``input_tokens`` excludes cached tokens (input + cache read + cache write is the whole
    prompt); ``output_tokens`` includes reasoning tokens (reasoning is an informational subset).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    estimated_cost: float | None = None

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            reasoning_tokens=_add_optional(self.reasoning_tokens, other.reasoning_tokens),
            cache_read_tokens=_add_optional(self.cache_read_tokens, other.cache_read_tokens),
            cache_write_tokens=_add_optional(self.cache_write_tokens, other.cache_write_tokens),
            estimated_cost=_add_optional(self.estimated_cost, other.estimated_cost),
        )

    @property
    def has_tokens(self) -> bool:
        return bool(
            self.input_tokens
            or self.output_tokens
            or self.cache_read_tokens
            or self.cache_write_tokens
        )

    @property
    def prompt_tokens(self) -> int:
        """Whole prompt size: input + cache read + cache write (context tracking, §5.4)."""
        return self.input_tokens + (self.cache_read_tokens or 0) + (self.cache_write_tokens or 0)


_Number = TypeVar("_Number", int, float)


def _add_optional(a: _Number | None, b: _Number | None) -> _Number | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


FinishReasonName: TypeAlias = str
"""``stop``, ``length``, ``tool_calls``, ``content_filter``, ``error``, ``aborted`` (trace only)
or the lower-cased/raw provider value when unmapped."""


@dataclass(slots=True)
class FinishReason:
    reason: FinishReasonName = ""
    raw: str = ""


@dataclass(slots=True)
class RateLimitInfo:
    requests_remaining: int | None = None
    tokens_remaining: int | None = None
    reset_after_seconds: float | None = None


@dataclass(slots=True)
class Response:
    id: str = ""
    model: str = ""
    provider: str = ""
    message: Message = field(default_factory=lambda: Message("assistant"))
    finish_reason: FinishReason = field(default_factory=FinishReason)
    usage: Usage = field(default_factory=Usage)
    latency_seconds: float = 0.0
    raw: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    rate_limit: RateLimitInfo | None = None

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        return self.message.tool_calls

    @property
    def reasoning(self) -> str:
        return "".join(p.text for p in self.message.content if isinstance(p, ThinkingPart))
