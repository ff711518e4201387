"""``parallel``: run each branch target's handler concurrently in an isolated context.

Each branch starts from a snapshot of the parent context, so branches never see each
other's writes. Results land in ``parallel.results`` (JSON, branch order); the fan-in
node merges the successful branches' updates. The aggregate status follows
``fan_in_policy``: ``any`` (default), ``all`` or ``quorum`` (engine spec §4.4).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from tracker.engine import events as ev
from tracker.engine.context import RunContext
from tracker.engine.graph import RuntimeNode
from tracker.engine.outcome import (
    FAIL,
    SUCCESS,
    BillingPause,
    HandlerError,
    NodeStats,
    Outcome,
    Override,
)
from tracker.engine.registry import NodeEnv, RunServices

POLICIES = ("any", "all", "quorum")
BRANCH_OVERRIDE_KEYS = ("llm_model", "llm_provider", "fidelity", "tool_access", "writable_paths", "last_response_truncate")


@dataclass
class BranchResult:
    node_id: str
    status: str
    context_updates: dict[str, str] = field(default_factory=dict)
    error: str = ""
    stats: NodeStats | None = None
    overrides: list[Override] = field(default_factory=list)
    pause: BillingPause | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"node_id": self.node_id, "status": self.status}
        if self.context_updates:
            data["context_updates"] = self.context_updates
        if self.error:
            data["error"] = self.error
        if self.stats is not None:
            data["stats"] = {
                "input_tokens": self.stats.input_tokens,
                "output_tokens": self.stats.output_tokens,
                "cost_usd": self.stats.cost_usd,
            }
        return data


def parse_policy(attrs: dict[str, str], node_id: str) -> tuple[str, int]:
    policy = attrs.get("fan_in_policy", "") or "any"
    if policy not in POLICIES:
        raise HandlerError(f'node "{node_id}": unknown fan_in_policy "{policy}" (use any, all or quorum)')
    quorum = 0
    if policy == "quorum":
        try:
            quorum = int(attrs.get("quorum", "0"))
        except ValueError:
            quorum = 0
        if quorum < 1:
            raise HandlerError(f'node "{node_id}": fan_in_policy quorum needs quorum >= 1')
    return policy, quorum


def aggregate(policy: str, quorum: int, results: list[dict[str, Any]]) -> tuple[str, str]:
    """(status, detail) of a set of branch results under a policy."""
    total = len(results)
    successes = sum(1 for r in results if r.get("status") == SUCCESS)
    if policy == "all":
        ok = total > 0 and successes == total
    elif policy == "quorum":
        ok = successes >= quorum
    else:
        ok = successes >= 1
    name = f"quorum({quorum})" if policy == "quorum" else policy
    detail = f"policy {name}: {successes}/{total} branches succeeded"
    failed = [str(r.get("node_id")) for r in results if r.get("status") != SUCCESS]
    if failed:
        detail += f"; failed: {', '.join(failed)}"
    return (SUCCESS if ok else FAIL), detail


class ParallelHandler:
    def __init__(self, services: RunServices) -> None:
        self.services = services

    def _targets(self, node: RuntimeNode, env: NodeEnv) -> list[str]:
        listed = [t.strip() for t in node.attrs.get("parallel_targets", "").split(",") if t.strip()]
        if listed:
            return listed
        return [e.target for e in env.graph.out(node.id) if not e.parallel_join]

    async def execute(self, node: RuntimeNode, ctx: RunContext, env: NodeEnv) -> Outcome:
        attrs = node.attrs
        targets = self._targets(node, env)
        if not targets:
            raise HandlerError(f'parallel node "{node.id}" has no branch targets')
        policy, quorum = parse_policy(attrs, node.id)
        overrides: dict[str, dict[str, str]] = {}
        for i in range(len(targets) + 64):
            target = attrs.get(f"branch.{i}.target")
            if target is None:
                continue
            overrides.setdefault(target, {})
            for key in BRANCH_OVERRIDE_KEYS:
                if f"branch.{i}.{key}" in attrs:
                    overrides[target][key] = attrs[f"branch.{i}.{key}"]
        for target in targets:
            tnode = env.graph.nodes.get(target)
            if tnode is not None and (tnode.attrs.get("fallback_retry_target") or tnode.attrs.get("fallback_target")):
                raise HandlerError(
                    f'parallel branch "{target}" declares a fallback target; branches cannot be rerouted'
                )
        env.emit(ev.Event(ev.PARALLEL_STARTED, node_id=node.id, message=f"fan-out to {len(targets)} branches: [{' '.join(targets)}]"))
        try:
            limit = int(attrs.get("max_concurrency", "0") or 0)
        except ValueError:
            limit = 0
        branch_timeout: float | None = None
        if attrs.get("branch_timeout"):
            from tracker.dippin.values import ValueError_, parse_duration

            try:
                branch_timeout = parse_duration(attrs["branch_timeout"]) / 1e9 or None
            except ValueError_ as exc:
                raise HandlerError(f'invalid branch_timeout "{attrs["branch_timeout"]}"') from exc
        semaphore = asyncio.Semaphore(limit) if limit > 0 else None
        snapshot = ctx.snapshot()

        async def run_branch(target: str) -> BranchResult:
            if semaphore is not None:
                async with semaphore:
                    return await self._branch(target, overrides.get(target, {}), snapshot, ctx, env, branch_timeout)
            return await self._branch(target, overrides.get(target, {}), snapshot, ctx, env, branch_timeout)

        # Start branches one loop tick apart: each spawns its first process before the
        # next starts, so a wide fan-out never blocks the event loop (the language server
        # keeps answering while a run fans out).
        tasks: list[asyncio.Task[BranchResult]] = []
        try:
            for target in targets:
                tasks.append(asyncio.ensure_future(run_branch(target)))
                await asyncio.sleep(0)
            results = list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        data = [r.to_data() for r in results]
        ctx.set("parallel.results", json.dumps(data, ensure_ascii=False))
        status, detail = aggregate(policy, quorum, data)
        message = f"fan-in complete, aggregate status: {status}"
        if policy != "any":
            message += f" ({detail})"
        env.emit(ev.Event(ev.PARALLEL_COMPLETED, node_id=node.id, message=message))
        pause = next((r.pause for r in results if r.pause is not None), None)
        if pause is not None:
            raise pause
        stats: NodeStats | None = None
        for r in results:
            if r.stats is not None:
                stats = stats or NodeStats()
                stats.add(r.stats)
        outcome = Outcome(status, stats=stats)
        for r in results:
            outcome.child_overrides += r.overrides
        if policy != "any":
            outcome.context_updates["fan_in.policy_detail"] = detail
        join = next((e.target for e in env.graph.out(node.id) if e.parallel_join), "")
        if join and not (policy != "any" and status == FAIL):
            outcome.suggested_next_nodes = [join]
        return outcome

    async def _branch(
        self,
        target: str,
        overrides: dict[str, str],
        snapshot: dict[str, str],
        parent: RunContext,
        env: NodeEnv,
        timeout: float | None,
    ) -> BranchResult:
        tnode = env.graph.nodes.get(target)
        if tnode is None:
            return BranchResult(target, FAIL, error=f'branch target "{target}" not found')
        if overrides:
            attrs = dict(tnode.attrs)
            attrs.update(overrides)
            tnode = RuntimeNode(tnode.id, tnode.kind, tnode.handler, tnode.shape, tnode.label, attrs, tnode.ir)
        env.emit(
            ev.Event(
                ev.STAGE_STARTED,
                node_id=target,
                message=f'parallel branch "{target}" started',
                node_kind=tnode.handler,
                attempt_no=1,
            )
        )
        bctx = RunContext(snapshot, parent.internal)
        handler = env.handler(tnode.handler)
        result: BranchResult
        if handler is None:
            result = BranchResult(target, FAIL, error=f'no handler registered for "{tnode.handler}"')
        else:
            try:
                call = handler.execute(tnode, bctx, env)
                outcome = await (asyncio.wait_for(call, timeout) if timeout else call)
            except BillingPause as exc:
                result = BranchResult(target, FAIL, error=str(exc), pause=exc)
            except TimeoutError:
                result = BranchResult(target, FAIL, error=f"branch timed out after {timeout:g}s")
            except Exception as exc:
                result = BranchResult(target, FAIL, error=str(exc) or type(exc).__name__)
            else:
                updates = {k: v for k, v in bctx.values.items() if snapshot.get(k) != v}
                updates.update(outcome.context_updates)
                result = BranchResult(target, outcome.status, updates, stats=outcome.stats, overrides=outcome.child_overrides)
        if result.status == FAIL:
            env.emit(ev.Event(ev.STAGE_FAILED, node_id=target, message=result.error, error=result.error))
        else:
            env.emit(ev.Event(ev.STAGE_COMPLETED, node_id=target))
        return result


def make_handler(services: RunServices) -> ParallelHandler:
    return ParallelHandler(services)
