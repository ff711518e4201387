"""The ``codergen`` slot before an agent backend is installed.

Prompt-less start/exit agents never reach a handler (they become ``start``/``exit``).
Any other agent node is refused before the run starts, with a pointer to the fix. An
agent implementation replaces this by registering a ``codergen`` handler (see
:mod:`tracker.engine.registry`).
"""

from __future__ import annotations

from tracker.engine.context import RunContext
from tracker.engine.graph import RuntimeGraph, RuntimeNode
from tracker.engine.outcome import HandlerError, Outcome
from tracker.engine.registry import NodeEnv, RunServices

MESSAGE = "agent nodes need an LLM provider; see `tracker doctor`"


class UnavailableAgentHandler:
    def preflight(self, node: RuntimeNode, graph: RuntimeGraph) -> str | None:
        where = f" ({graph.path.name})" if graph.path is not None else ""
        return f'agent node "{node.id}"{where}: {MESSAGE}'

    async def execute(self, node: RuntimeNode, ctx: RunContext, env: NodeEnv) -> Outcome:
        raise HandlerError(f'agent node "{node.id}": {MESSAGE}')


def make_handler(services: RunServices) -> UnavailableAgentHandler:
    return UnavailableAgentHandler()
