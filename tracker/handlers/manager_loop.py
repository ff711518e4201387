"""``stack.manager_loop``: supervise a child workflow running alongside (engine spec §4.6).

Every ``poll_interval`` the manager ticks: it stops with ``success`` when
``stop_condition`` holds, pushes ``steer_context`` (as ``steer.<key>``) into the child
when ``steer_condition`` holds, and fails after ``max_cycles``. Conditions see the
parent context, where ``stack.child.status``/``cycles``/``exit_status`` describe the child.
"""

from __future__ import annotations

import asyncio
import contextlib

from tracker.dippin.values import ValueError_, parse_duration
from tracker.engine import events as ev
from tracker.engine.context import RunContext
from tracker.engine.graph import RuntimeNode
from tracker.engine.outcome import FAIL, SUCCESS, HandlerError, Outcome
from tracker.engine.registry import NodeEnv, RunServices
from tracker.engine.routing import RoutingError, evaluate_condition
from tracker.handlers.subgraph import prepare_child

DEFAULT_POLL_S = 45.0
DEFAULT_MAX_CYCLES = 1000
JOIN_GRACE_S = 30.0


def _attr(node: RuntimeNode, key: str) -> str:
    return node.attrs.get(key) or node.attrs.get(f"manager.{key}", "")


def decode_steer(raw: str) -> dict[str, str]:
    def unescape(text: str) -> str:
        return text.replace("%2C", ",").replace("%3D", "=").replace("%25", "%")

    out: dict[str, str] = {}
    for part in raw.split(","):
        if not part:
            continue
        key, _, value = part.partition("=")
        out[unescape(key)] = unescape(value)
    return out


class ManagerLoopHandler:
    def __init__(self, services: RunServices) -> None:
        self.services = services

    async def execute(self, node: RuntimeNode, ctx: RunContext, env: NodeEnv) -> Outcome:
        nid = node.id
        poll = DEFAULT_POLL_S
        if _attr(node, "poll_interval"):
            try:
                poll = parse_duration(_attr(node, "poll_interval")) / 1e9
            except ValueError_ as exc:
                raise HandlerError(f'node "{nid}": invalid poll_interval') from exc
            if poll <= 0:
                raise HandlerError(f'node "{nid}": poll_interval must be > 0')
        max_cycles = DEFAULT_MAX_CYCLES
        if _attr(node, "max_cycles"):
            try:
                max_cycles = int(_attr(node, "max_cycles"))
            except ValueError as exc:
                raise HandlerError(f'node "{nid}": invalid max_cycles') from exc
            if max_cycles <= 0:
                raise HandlerError(f'node "{nid}": max_cycles must be > 0')
        stop = _attr(node, "stop_condition")
        steer_cond = _attr(node, "steer_condition")
        steer_raw = _attr(node, "steer_context")
        if bool(steer_cond) != bool(steer_raw):
            raise HandlerError(f'node "{nid}": steer_condition and steer_context must be given together')
        steer: dict[str, str] = {}
        for key, value in decode_steer(steer_raw).items():
            name = key if key.startswith("steer.") else f"steer.{key}"
            if name in steer:
                raise HandlerError(f'node "{nid}": steer key "{key}" given twice')
            steer[name] = value

        setup = prepare_child(node, ctx, env, self.services)
        steering: asyncio.Queue[dict[str, str]] | None = asyncio.Queue(maxsize=1) if steer else None
        engine = env.child_engine(setup.graph, nid, setup.initial, steering)
        task = asyncio.create_task(engine.run())
        env.emit(ev.Event(ev.STAGE_STARTED, node_id=nid, message=f'manager_loop: child "{setup.ref}" launched'))
        ctx.set("stack.child.status", "running")
        cycles = 0

        async def stop_child(status: str) -> None:
            engine.cancel()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(task), JOIN_GRACE_S)
            ctx.set("stack.child.status", status)

        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=poll)
                if done:
                    return self._finished(nid, task.result(), cycles, ctx, env)
                cycles += 1
                ctx.set("stack.child.cycles", str(cycles))
                env.emit(ev.Event(ev.MANAGER_CYCLE_TICK, node_id=nid, message=f"manager_loop: cycle {cycles}/{max_cycles}"))
                if cycles >= max_cycles:
                    await stop_child("max_cycles_exceeded")
                    message = f"manager_loop: max cycles ({max_cycles}) exceeded"
                    env.emit(ev.Event(ev.STAGE_FAILED, node_id=nid, message=message))
                    raise HandlerError(message)
                if stop:
                    try:
                        hit = evaluate_condition(stop, None, ctx)
                    except RoutingError as exc:
                        await stop_child("stop_condition_invalid")
                        env.emit(ev.Event(ev.STAGE_FAILED, node_id=nid, message=f"manager_loop: invalid stop_condition: {exc}"))
                        raise HandlerError(f"manager_loop: invalid stop_condition: {exc}") from exc
                    if hit:
                        await stop_child("stop_condition_met")
                        env.emit(ev.Event(ev.STAGE_COMPLETED, node_id=nid, message=f"manager_loop: stop_condition met after {cycles} cycles"))
                        return Outcome(SUCCESS, {"stack.child.status": "stop_condition_met"})
                if steer_cond and steering is not None:
                    try:
                        hit = evaluate_condition(steer_cond, None, ctx)
                    except RoutingError as exc:
                        await stop_child("steer_condition_invalid")
                        env.emit(ev.Event(ev.STAGE_FAILED, node_id=nid, message=f"manager_loop: invalid steer_condition: {exc}"))
                        raise HandlerError(f"manager_loop: invalid steer_condition: {exc}") from exc
                    if hit:
                        try:
                            steering.put_nowait(dict(steer))
                        except asyncio.QueueFull:
                            pass
                        else:
                            env.emit(ev.Event(ev.MANAGER_CYCLE_TICK, node_id=nid, message=f"manager_loop: steered {len(steer)} keys into child"))
        except asyncio.CancelledError:
            if not task.done():
                engine.cancel()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(task), JOIN_GRACE_S)
            ctx.set("stack.child.status", "cancelled")
            raise

    def _finished(self, nid: str, result: object, cycles: int, ctx: RunContext, env: NodeEnv) -> Outcome:
        from tracker.engine.run import EngineResult

        assert isinstance(result, EngineResult)
        if result.is_error:
            ctx.set("stack.child.status", "error")
            env.emit(ev.Event(ev.STAGE_FAILED, node_id=nid, message=f"manager_loop: child error: {result.error}"))
            raise HandlerError(f"manager_loop: child error: {result.error}")
        updates = dict(result.context)
        status = result.status
        if status in ("success", "validation_overridden", "budget_exceeded"):
            updates.update({"stack.child.status": "success", "stack.child.exit_status": status, "stack.child.outcome": status})
            how = "successfully" if status != "validation_overridden" else "with validation_overridden"
            env.emit(ev.Event(ev.STAGE_COMPLETED, node_id=nid, message=f"manager_loop: child completed {how} after {cycles} cycles"))
            return Outcome(SUCCESS, updates, child_overrides=list(result.overrides))
        updates.update({"stack.child.status": "failed", "stack.child.exit_status": status, "stack.child.outcome": status})
        env.emit(ev.Event(ev.STAGE_FAILED, node_id=nid, message=f'manager_loop: child completed with status "{status}"'))
        return Outcome(FAIL, updates)


def make_handler(services: RunServices) -> ManagerLoopHandler:
    return ManagerLoopHandler(services)
