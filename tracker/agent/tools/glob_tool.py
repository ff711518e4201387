"""The ``glob`` tool: file names matching a single-directory pattern (engine spec §5.2.5).

``*`` does not cross ``/`` and ``**`` is not recursive (it behaves like ``*``); dotfiles
match. Results are working-directory-relative, in lexical order, one per line.
"""

from __future__ import annotations

import glob as globlib
import os

from tracker.agent.environment import ToolError
from tracker.agent.tools.base import Arguments, Param, Tool, ToolContext


def _check_syntax(pattern: str) -> None:
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= len(pattern):
                raise ToolError("syntax error in pattern")
            i += 2
            continue
        if ch == "[":
            close = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "^") else i + 1)
            if close == -1:
                raise ToolError("syntax error in pattern")
            i = close
        i += 1


class GlobTool(Tool):
    name = "glob"
    description = (
        "List files matching a glob pattern relative to the working directory, e.g. "
        "'src/*.py'. '*' matches within one directory level only; use one pattern per level."
    )
    params = (Param("pattern", "string", "Glob pattern relative to the working directory.", required=True),)
    cache_policy = "cacheable"

    async def run(self, args: Arguments, ctx: ToolContext) -> str:
        pattern = args.required_text("pattern")
        _check_syntax(pattern)
        root = str(ctx.env.root)
        full = os.path.normpath(os.path.join(root, pattern.lstrip("/")))
        inside = root.rstrip(os.sep) + os.sep
        found = sorted(
            os.path.relpath(match, root)
            for match in globlib.glob(full, include_hidden=True)
            if match.startswith(inside)
        )
        if not found:
            return f'no matches for pattern "{pattern}"'
        return "\n".join(found)
