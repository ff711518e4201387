"""The native agent's built-in tools (engine spec §5.2.3–§5.2.5).

:func:`builtin_tools` gives the tool set of a session for a resolved provider: OpenAI
sessions get no ``edit`` tool; every session gets ``report_status``.
"""

from __future__ import annotations

from tracker.agent.tools.apply_patch import ApplyPatchTool
from tracker.agent.tools.base import (
    Arguments,
    Param,
    Tool,
    ToolContext,
    ToolOutcome,
    decode_arguments,
    execute_tool,
    truncate_output,
)
from tracker.agent.tools.bash import BashTool
from tracker.agent.tools.edit import EditTool
from tracker.agent.tools.glob_tool import GlobTool
from tracker.agent.tools.grep_search import GrepSearchTool
from tracker.agent.tools.policy import CommandPolicy, Denial
from tracker.agent.tools.read import ReadTool
from tracker.agent.tools.report_status import ReportStatusTool
from tracker.agent.tools.spawn_agent import SessionRunner, SpawnAgentTool
from tracker.agent.tools.write import WriteTool


def builtin_tools(provider: str) -> list[Tool]:
    """The built-in tools for ``provider``, sorted by name."""
    tools: list[Tool] = [
        ApplyPatchTool(), BashTool(), GlobTool(), GrepSearchTool(), ReadTool(), ReportStatusTool(), WriteTool(),
    ]  # fmt: skip
    if provider != "openai":
        tools.append(EditTool())
    return sorted(tools, key=lambda t: t.name)


__all__ = [
    "ApplyPatchTool",
    "Arguments",
    "BashTool",
    "CommandPolicy",
    "Denial",
    "EditTool",
    "GlobTool",
    "GrepSearchTool",
    "Param",
    "ReadTool",
    "ReportStatusTool",
    "SessionRunner",
    "SpawnAgentTool",
    "Tool",
    "ToolContext",
    "ToolOutcome",
    "WriteTool",
    "builtin_tools",
    "decode_arguments",
    "execute_tool",
    "truncate_output",
]
