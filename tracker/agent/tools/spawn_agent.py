"""The ``spawn_agent`` seam (engine spec §5.13): delegate a sub-task to a child session.

Stock pipelines register no runner, so the tool never appears there; an embedder that
wants sub-agents passes ``SpawnAgentTool(runner)`` to ``Session(extra_tools=...)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tracker.agent.environment import ToolError
from tracker.agent.tools.base import Arguments, Param, Tool, ToolContext

DEFAULT_CHILD_TURNS = 10

SessionRunner = Callable[[str, str, int], Awaitable[str]]
"""``(task, system_prompt, max_turns)`` → the child's final text."""


class SpawnAgentTool(Tool):
    name = "spawn_agent"
    description = (
        "Hand a self-contained sub-task to a helper agent and get its final answer back. "
        "Describe the task completely; the helper does not see this conversation."
    )
    params = (
        Param("task", "string", "The complete task for the helper agent.", required=True),
        Param("system_prompt", "string", "Optional instructions for the helper."),
        Param("max_turns", "integer", "Turn limit for the helper (default 10)."),
    )
    cache_policy = "mutating"

    def __init__(self, runner: SessionRunner) -> None:
        self.runner = runner

    async def run(self, args: Arguments, ctx: ToolContext) -> str:
        task = args.required_text("task")
        turns = args.integer("max_turns")
        try:
            return await self.runner(task, args.text("system_prompt"), turns if turns > 0 else DEFAULT_CHILD_TURNS)
        except ToolError:
            raise
        except Exception as exc:
            raise ToolError(f"helper agent failed: {exc}") from exc
