"""The ``edit`` tool: replace one exact, unique occurrence of a string (engine spec §5.2.5)."""

from __future__ import annotations

from tracker.agent.environment import ToolError
from tracker.agent.tools.base import Arguments, Param, Tool, ToolContext

EXCERPT_RADIUS = 5
EXCERPT_HEAD = 20


class EditTool(Tool):
    name = "edit"
    description = (
        "Replace old_string with new_string in a file. The match is literal and "
        "case-sensitive and must occur exactly once; include enough surrounding text to "
        "make it unique. An empty old_string creates a new file."
    )
    params = (
        Param("path", "string", "File path relative to the working directory.", required=True),
        Param("old_string", "string", "The exact text to replace.", required=True),
        Param("new_string", "string", "The replacement text.", required=True),
    )
    cache_policy = "mutating"
    output_limit = 10_000
    edits_files = True

    async def run(self, args: Arguments, ctx: ToolContext) -> str:
        path = args.required_text("path")
        old, new = args.text("old_string"), args.text("new_string")
        if not old:
            if ctx.env.exists(path):
                raise ToolError(
                    f"old_string is empty but {path} already exists; provide the text to replace"
                )
            ctx.env.write_text(path, new)
            return f"created {path}"
        try:
            content = ctx.env.read_bytes(path).decode("utf-8", errors="replace")
        except ToolError as exc:
            raise ToolError(f"cannot read file: {exc}") from exc
        count = content.count(old)
        if count == 0:
            raise ToolError(
                f"old_string not found in {path}\n\n{closest_excerpt(content, old)}\n\n"
                "The file may have changed since you last saw it: re-read it with the read "
                "tool and retry with the exact current text."
            )
        if count > 1:
            raise ToolError(f"old_string found {count} times in {path} (must be unique)")
        ctx.env.write_text(path, content.replace(old, new, 1))
        return f"edited {path}"


def closest_excerpt(content: str, old: str) -> str:
    """Numbered lines around the first line that contains ``old``'s first non-blank line,
    or the head of the file when no line does."""
    lines = content.split("\n")
    probe = next((line.strip() for line in old.split("\n") if line.strip()), "")
    anchor = next((i for i, line in enumerate(lines) if probe and probe in line), None)
    if anchor is None:
        start, end = 0, min(len(lines), EXCERPT_HEAD)
    else:
        start, end = max(0, anchor - EXCERPT_RADIUS), min(len(lines), anchor + EXCERPT_RADIUS + 1)
    numbered = [f"{i + 1:4d}: {lines[i]}" for i in range(start, end)]
    return "Closest content near expected location:\n" + "\n".join(numbered)
