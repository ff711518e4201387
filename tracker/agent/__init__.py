"""tracker.agent — the native coding-agent session and the agent-node (codergen) logic.

* :class:`Session` runs one conversation with tools (engine spec §5);
* :mod:`tracker.agent.codergen` turns an agent node plus the run context into a prompt,
  runs a session and builds the node's outcome (§4.1), independent of the engine.

Importing this package imports no provider SDK, and nothing else until a name is used:
the names below load their module on first access, so ``import tracker.agent.writes``
(used by the tool handler) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.agent.config import (
        Lane,
        SessionConfig,
        SessionConfigError,
        TurnCheckpoint,
        parse_fallbacks,
    )
    from tracker.agent.environment import CommandResult, LocalEnvironment, ToolError
    from tracker.agent.events import AgentEvent, AgentEventSink, AgentEventType, TurnMetrics
    from tracker.agent.jail import JailedEnvironment, JailError
    from tracker.agent.result import BreachVerify, SessionResult, StopReason
    from tracker.agent.session import Session, SessionError, SessionUsedError
    from tracker.agent.tools import CommandPolicy, Tool, ToolContext, builtin_tools
    from tracker.agent.transcript import TranscriptRecorder, session_summary

_EXPORTS: dict[str, str] = {
    "AgentEvent": "tracker.agent.events",
    "AgentEventSink": "tracker.agent.events",
    "AgentEventType": "tracker.agent.events",
    "BreachVerify": "tracker.agent.result",
    "CommandPolicy": "tracker.agent.tools",
    "CommandResult": "tracker.agent.environment",
    "JailError": "tracker.agent.jail",
    "JailedEnvironment": "tracker.agent.jail",
    "Lane": "tracker.agent.config",
    "LocalEnvironment": "tracker.agent.environment",
    "Session": "tracker.agent.session",
    "SessionConfig": "tracker.agent.config",
    "SessionConfigError": "tracker.agent.config",
    "SessionError": "tracker.agent.session",
    "SessionResult": "tracker.agent.result",
    "SessionUsedError": "tracker.agent.session",
    "StopReason": "tracker.agent.result",
    "Tool": "tracker.agent.tools",
    "ToolContext": "tracker.agent.tools",
    "ToolError": "tracker.agent.environment",
    "TranscriptRecorder": "tracker.agent.transcript",
    "TurnCheckpoint": "tracker.agent.config",
    "TurnMetrics": "tracker.agent.events",
    "builtin_tools": "tracker.agent.tools",
    "parse_fallbacks": "tracker.agent.config",
    "session_summary": "tracker.agent.transcript",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tracker.agent' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AgentEvent",
    "AgentEventSink",
    "AgentEventType",
    "BreachVerify",
    "CommandPolicy",
    "CommandResult",
    "JailError",
    "JailedEnvironment",
    "Lane",
    "LocalEnvironment",
    "Session",
    "SessionConfig",
    "SessionConfigError",
    "SessionError",
    "SessionResult",
    "SessionUsedError",
    "StopReason",
    "Tool",
    "ToolContext",
    "ToolError",
    "TranscriptRecorder",
    "TurnCheckpoint",
    "TurnMetrics",
    "builtin_tools",
    "parse_fallbacks",
    "session_summary",
]
