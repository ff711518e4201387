"""The ``bash`` tool: run a shell command in the working directory (engine spec §5.2.5).

A non-zero exit is a successful call whose output ends with ``exit code: N``; a timeout
is an error and discards partial output. The session's command policy is checked before
the command runs (see :mod:`tracker.agent.tools.policy`).
"""

from __future__ import annotations

import json

from tracker.agent.tools.base import Arguments, Param, Tool, ToolContext


class BashTool(Tool):
    name = "bash"
    description = (
        "Run a shell command (sh -c) in the working directory and return its stdout, "
        "stderr and exit code. Commands start in the working directory every time; do not "
        "rely on cd persisting. Optional timeout in seconds."
    )
    params = (
        Param("command", "string", "The shell command to run.", required=True),
        Param("timeout", "number", "Timeout in seconds (default: the session's command timeout)."),
    )
    cache_policy = "mutating"
    output_limit = 30_000

    @staticmethod
    def command_of(raw_arguments: str) -> str | None:
        """The command text of raw arguments (for the policy check), if decodable."""
        try:
            data = json.loads(raw_arguments or "{}")
        except ValueError:
            return None
        command = data.get("command") if isinstance(data, dict) else None
        return command if isinstance(command, str) else None

    async def run(self, args: Arguments, ctx: ToolContext) -> str:
        command = args.required_text("command")
        requested = args.number("timeout")
        timeout = ctx.command_timeout
        if requested is not None and requested > 0:
            timeout = min(requested, ctx.max_command_timeout)
        result = await ctx.env.run(command, timeout)
        out = result.stdout
        if result.stderr:
            out += ("\n" if out else "") + "stderr: " + result.stderr
        if result.exit_code != 0:
            out += ("\n" if out else "") + f"exit code: {result.exit_code}"
        return out or "(no output)"
