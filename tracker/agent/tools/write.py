"""The ``write`` tool: create or overwrite a file (engine spec §5.2.5)."""

from __future__ import annotations

from tracker.agent.tools.base import Arguments, Param, Tool, ToolContext


class WriteTool(Tool):
    name = "write"
    description = (
        "Create or overwrite a file in the working directory with the given content. "
        "Parent directories are created. Give a relative path."
    )
    params = (
        Param("path", "string", "File path relative to the working directory.", required=True),
        Param("content", "string", "The complete new content of the file.", required=True),
    )
    cache_policy = "mutating"
    output_limit = 1_000
    edits_files = True

    async def run(self, args: Arguments, ctx: ToolContext) -> str:
        path = args.required_text("path")
        content = args.text("content")
        ctx.env.write_text(path, content)
        return f"wrote {len(content.encode('utf-8'))} bytes to {path}"
