"""A stand-in ``codergen`` handler for tests (no LLM): it follows a script of outcomes.

Registering it (by importing this module, or ``TRACKER_PLUGINS=tests.engine.fake_agent``
for CLI runs) is exactly how the real agent handler plugs into the engine.

Node attributes (agent ``params``): ``script`` — comma list of outcomes for successive
calls (the last repeats), ``tokens`` — input tokens to report per call, ``cost`` — USD
per call.
"""

from __future__ import annotations

from tracker.engine import NodeEnv, NodeStats, Outcome, RunServices, register_handler
from tracker.engine.context import RunContext
from tracker.engine.graph import RuntimeNode


class ScriptedAgent:
    async def execute(self, node: RuntimeNode, ctx: RunContext, env: NodeEnv) -> Outcome:
        script = [s.strip() for s in node.attrs.get("script", "success").split(",") if s.strip()]
        key = f"fake_calls.{node.id}"
        n = int(ctx.get(key, "0") or 0)
        status = script[min(n, len(script) - 1)]
        text = f"{node.id} attempt {n + 1}: {status}"
        updates = {key: str(n + 1), "last_response": text, f"response.{node.id}": text}
        stats = None
        if node.attrs.get("tokens"):
            stats = NodeStats(
                provider="fake",
                model="fake-1",
                input_tokens=int(node.attrs["tokens"]),
                output_tokens=10,
                cost_usd=float(node.attrs.get("cost", "0")),
                sessions=1,
            )
        return Outcome(status, updates, stats=stats)


def make_handler(services: RunServices) -> ScriptedAgent:
    return ScriptedAgent()


register_handler("codergen", make_handler)
