"""``parallel.fan_in``: merge the successful branches' context updates (engine spec §4.4.2).

Updates are merged in branch order, so a later branch wins on shared keys. The status
follows the fan-in node's own ``fan_in_policy`` (default ``any``).
"""

from __future__ import annotations

import json

from tracker.engine.context import RunContext
from tracker.engine.graph import RuntimeNode
from tracker.engine.outcome import SUCCESS, HandlerError, Outcome
from tracker.engine.registry import NodeEnv, RunServices
from tracker.handlers.parallel import aggregate, parse_policy


class FanInHandler:
    def __init__(self, services: RunServices) -> None:
        self.services = services

    async def execute(self, node: RuntimeNode, ctx: RunContext, env: NodeEnv) -> Outcome:
        raw = ctx.get("parallel.results")
        if not raw:
            raise HandlerError(f'fan-in node "{node.id}": no parallel.results in the context (run a parallel node first)')
        try:
            results = json.loads(raw)
            if not isinstance(results, list):
                raise ValueError("not a list")
        except ValueError as exc:
            raise HandlerError(f'fan-in node "{node.id}": parallel.results is not valid JSON: {exc}') from exc
        policy, quorum = parse_policy(node.attrs, node.id)
        merged: dict[str, str] = {}
        for result in results:
            if isinstance(result, dict) and result.get("status") == SUCCESS:
                for key, value in (result.get("context_updates") or {}).items():
                    merged[str(key)] = str(value)
        status, detail = aggregate(policy, quorum, [r for r in results if isinstance(r, dict)])
        if policy != "any":
            merged["fan_in.policy_detail"] = detail
        return Outcome(status, merged)


def make_handler(services: RunServices) -> FanInHandler:
    return FanInHandler(services)
