"""The ``report_status`` tool: the agent narrates its progress (engine spec §5.2.5)."""

from __future__ import annotations

from tracker.agent.environment import ToolError
from tracker.agent.tools.base import Arguments, Param, Tool, ToolContext


class ReportStatusTool(Tool):
    name = "report_status"
    description = (
        "Tell the people watching this run, in one or two plain sentences, what you are "
        "doing or have just finished and where you are in the job. Use it at meaningful "
        "moments (starting or finishing a phase, a notable result), not on every turn."
    )
    params = (Param("status", "string", "The progress note.", required=True),)
    cache_policy = "mutating"

    async def run(self, args: Arguments, ctx: ToolContext) -> str:
        text = args.text("status").strip()
        if not text:
            raise ToolError("report_status: status must not be empty")
        ctx.report_status(text)
        return "status recorded"
