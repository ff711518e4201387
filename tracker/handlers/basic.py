"""``start``, ``exit`` and ``conditional``: no work, ``success`` (engine spec §4.7).

A conditional node therefore overwrites ``outcome`` with ``success``; edges leaving it
should test other keys (``tool_stdout``, custom keys, ``node.<id>.outcome``).
"""

from __future__ import annotations

from tracker.engine.context import RunContext
from tracker.engine.graph import RuntimeNode
from tracker.engine.outcome import SUCCESS, Outcome
from tracker.engine.registry import NodeEnv, RunServices


class PassThroughHandler:
    async def execute(self, node: RuntimeNode, ctx: RunContext, env: NodeEnv) -> Outcome:
        return Outcome(SUCCESS)


def make_handler(services: RunServices) -> PassThroughHandler:
    return PassThroughHandler()
