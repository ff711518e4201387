"""tracker.agent — the native coding-agent session and the agent-node (codergen) logic.

* :class:`Session` runs one conversation with tools (engine spec §5);
* :mod:`tracker.agent.codergen` turns an agent node plus the run context into a prompt,
  runs a session and builds the node's outcome (§4.1), independent of the engine.

Importing this package imports no provider SDK.
"""

from __future__ import annotations

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
