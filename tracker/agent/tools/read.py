"""The ``read`` tool: a file's text, whole or a window of lines (engine spec §5.2.5)."""

from __future__ import annotations

from tracker.agent.environment import ToolError
from tracker.agent.tools.base import Arguments, Param, Tool, ToolContext


class ReadTool(Tool):
    name = "read"
    description = (
        "Read a text file in the working directory. Give a relative path. Optional offset "
        "(1-based first line) and limit (number of lines) return a window with a header."
    )
    params = (
        Param("path", "string", "File path relative to the working directory.", required=True),
        Param("offset", "integer", "First line to return, 1-based (0 = from the start)."),
        Param("limit", "integer", "Maximum number of lines (0 = to the end)."),
    )
    cache_policy = "cacheable"
    output_limit = 50_000

    async def run(self, args: Arguments, ctx: ToolContext) -> str:
        path = args.required_text("path")
        offset, limit = args.integer("offset"), args.integer("limit")
        text = ctx.env.read_bytes(path).decode("utf-8", errors="replace")
        if offset == 0 and limit == 0:
            return text
        if offset < 0:
            raise ToolError(f"offset must be >= 0, got {offset}")
        if limit < 0:
            raise ToolError(f"limit must be >= 0, got {limit}")
        lines = text.rstrip("\n").split("\n")
        total = len(lines)
        start = max(offset, 1)
        if start > total:
            raise ToolError(f"offset {offset} is beyond end of file ({total} lines)")
        end = total if limit == 0 else min(total, start + limit - 1)
        return f"[showing lines {start}-{end} of {total}]\n" + "\n".join(lines[start - 1 : end])
