"""What every agent tool shares (engine spec §5.2.4): definitions, lenient argument
decoding, error results and output truncation.

A tool is a :class:`Tool` subclass with a name, a description, declared parameters and an
async ``run``. :func:`execute_tool` decodes the model's raw JSON arguments, runs the tool
and turns the outcome into the text the model receives: the output (truncated to the
tool's limit, keeping the tail) or ``Tool error (<name>): <message>`` (never truncated).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from tracker.agent.environment import LocalEnvironment, ToolError
from tracker.llm.types import ToolDefinition

CachePolicy = Literal["cacheable", "mutating", "none"]
ParamType = Literal["string", "integer", "number"]

DEFAULT_OUTPUT_LIMIT = 8_000


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: ParamType
    description: str
    required: bool = False


@dataclass(slots=True)
class ToolContext:
    """What a running tool may use: the environment, command timeouts, and a way to
    report progress (``report_status``). The command policy is applied by the session
    before a call reaches a tool."""

    env: LocalEnvironment
    command_timeout: float = 10.0
    max_command_timeout: float = 600.0
    report_status: Callable[[str], None] = field(default=lambda _text: None)


class Arguments:
    """Decoded arguments with zero values for absent members (Go decoding semantics)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def text(self, name: str) -> str:
        value = self._values.get(name)
        return value if isinstance(value, str) else ""

    def integer(self, name: str) -> int:
        value = self._values.get(name)
        return value if isinstance(value, int) else 0

    def number(self, name: str) -> float | None:
        value = self._values.get(name)
        return float(value) if isinstance(value, (int, float)) else None

    def has(self, name: str) -> bool:
        return self._values.get(name) is not None

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise ToolError(f"{name} is required")
        return value


class Tool(ABC):
    name: ClassVar[str]
    description: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    cache_policy: ClassVar[CachePolicy] = "none"
    output_limit: ClassVar[int] = DEFAULT_OUTPUT_LIMIT
    edits_files: ClassVar[bool] = False
    """A successful call counts as an edit (verify-after-edit, no-progress guard)."""
    terminal: ClassVar[bool] = False

    def definition(self) -> ToolDefinition:
        properties = {
            p.name: {"type": p.type, "description": p.description} for p in self.params
        }
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        required = [p.name for p in self.params if p.required]
        if required:
            schema["required"] = required
        return ToolDefinition(self.name, self.description, schema)

    @abstractmethod
    async def run(self, args: Arguments, ctx: ToolContext) -> str:
        """The tool's output; raise :class:`ToolError` to fail the call."""


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    output: str
    is_error: bool


def decode_arguments(raw: str, params: Sequence[Param]) -> Arguments:
    """Lenient decoding: unknown members ignored, absent ones zero; malformed JSON or a
    type mismatch fails with ``invalid input: …``."""
    text = raw.strip() or "{}"
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ToolError(f"invalid input: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ToolError(f"invalid input: cannot decode {type(data).__name__} into an object")
    for param in params:
        value = data.get(param.name)
        if value is None:
            continue
        if param.type == "string" and not isinstance(value, str):
            raise ToolError(f"invalid input: {param.name}: expected a string, got {_json_kind(value)}")
        if param.type == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            if not (isinstance(value, float) and value.is_integer()):
                raise ToolError(
                    f"invalid input: {param.name}: expected an integer, got {_json_kind(value)}"
                )
            data[param.name] = int(value)
        if param.type == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ToolError(f"invalid input: {param.name}: expected a number, got {_json_kind(value)}")
    return Arguments(data)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def truncate_output(text: str, limit: int) -> str:
    """Keep the last ``limit // 2`` bytes after a ``[... truncated N characters ...]`` line
    when ``text`` is longer than ``limit`` bytes (N = bytes dropped)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    keep = limit // 2
    dropped = len(data) - keep
    tail = data[len(data) - keep :].decode("utf-8", errors="ignore")
    return f"[... truncated {dropped} characters ...]\n{tail}"


def error_text(tool_name: str, message: str) -> str:
    return f"Tool error ({tool_name}): {message}"


async def execute_tool(
    tool: Tool, raw_arguments: str, ctx: ToolContext, output_limit: int | None = None
) -> ToolOutcome:
    """Decode, run and format one call. Only :class:`ToolError` becomes an error result;
    any other exception is a defect and propagates."""
    try:
        args = decode_arguments(raw_arguments, tool.params)
        output = await tool.run(args, ctx)
    except ToolError as exc:
        return ToolOutcome(error_text(tool.name, str(exc)), True)
    return ToolOutcome(truncate_output(output, output_limit or tool.output_limit), False)
