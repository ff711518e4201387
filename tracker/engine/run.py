"""The run loop: execute a node, apply its outcome, pick the next node, checkpoint.

This follows the reference engine closely (engine spec §2): routing keys are cleared
before each node, the outcome is merged and scoped, retries/fallbacks/strict failures/
restarts/goal gates decide where to go, the checkpoint is saved after every advance, and
every run ends with exactly one terminal event. Event order per node is the canonical
order of §7.4.2 (``stage_started`` → … → ``decision_outcome`` → ``stage_completed`` →
``decision_condition``* → ``decision_edge`` → ``checkpoint_saved``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.engine import events as ev
from tracker.engine.checkpoint import Checkpoint, CheckpointFile
from tracker.engine.context import RunContext
from tracker.engine.graph import RuntimeEdge, RuntimeGraph, RuntimeNode
from tracker.engine.interpolate import GraphVariables
from tracker.engine.outcome import (
    FAIL,
    RETRY,
    SUCCESS,
    TERMINAL_BILLING,
    TERMINAL_BUDGET,
    TERMINAL_FAIL,
    TERMINAL_OVERRIDDEN,
    TERMINAL_SUCCESS,
    BillingPause,
    NodeStats,
    Outcome,
    Override,
    is_success,
)
from tracker.engine.registry import Handler, HandlerRegistry, RunServices
from tracker.engine.retry import goal_gate_max_retries, resolve_policy
from tracker.engine.routing import RoutingError, select_edge

ROUTING_KEYS = ("outcome", "preferred_label", "suggested_next_nodes")
DEFAULT_MAX_RESTARTS = 5
FIDELITY_DEGRADE = {
    "full": "summary:high",
    "summary:high": "summary:medium",
    "summary:medium": "summary:low",
    "summary:low": "compact",
    "compact": "truncate",
    "truncate": "truncate",
}
MEDIUM_KEYS = ("outcome", "last_response", "human_response", "preferred_label", "tool_stdout", "tool_stderr")


class EngineError(Exception):
    """An invariant the loop cannot continue past (missing node, no edges, ...)."""


@dataclass(slots=True)
class TraceEntry:
    node_id: str
    handler: str
    status: str
    started: float
    duration: float
    edge_to: str = ""
    stats: NodeStats | None = None


@dataclass
class EngineResult:
    status: str
    run_id: str
    completed_nodes: list[str]
    context: dict[str, str]
    error: str = ""
    trace: list[TraceEntry] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    is_error: bool = False  # ended by an error (handler error, halt, invariant), not a routed failure


class CheckpointStore:
    """Where checkpoints go: the authoritative copy and an optional snapshot copy."""

    def __init__(self, primary: Path, snapshot: Path | None = None) -> None:
        self.primary = primary
        self.snapshot = snapshot
        self._primary = CheckpointFile(primary)
        self._snapshot = CheckpointFile(snapshot) if snapshot is not None else None

    def save(self, data: bytes) -> None:
        self._primary.save(data)
        if self._snapshot is not None:
            with contextlib.suppress(OSError):
                self._snapshot.save(data)

    def close(self) -> None:
        """Remove the temporary files the saves left (at the end of the run)."""
        for target in (self._primary, self._snapshot):
            if target is not None:
                target.close()


class _Env:
    """The :class:`~tracker.engine.registry.NodeEnv` the engine hands to handlers."""

    __slots__ = ("_engine", "artifact_dir", "graph", "run_id", "services")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.run_id = engine.run_id
        self.artifact_dir = engine.artifact_dir
        self.graph = engine.graph
        self.services = engine.services

    def emit(self, event: ev.Event) -> None:
        self._engine.emit(event)

    def handler(self, name: str) -> Handler | None:
        return self._engine.registry.get(name)

    def child_engine(
        self, graph: RuntimeGraph, node_id: str, initial: dict[str, str], steering: Any = None
    ) -> Engine:
        return self._engine.make_child(graph, node_id, initial, steering)


class Engine:
    """One run of one graph. Child engines (subgraphs, manager loops) share services."""

    def __init__(
        self,
        graph: RuntimeGraph,
        services: RunServices,
        *,
        run_id: str,
        emit: Callable[[ev.Event], None],
        store: CheckpointStore | None = None,
        artifact_dir: Path | None = None,
        initial_context: dict[str, str] | None = None,
        resume: Checkpoint | None = None,
        steering: asyncio.Queue[dict[str, str]] | None = None,
        bundle_identity: str = "",
        registry: HandlerRegistry | None = None,
    ) -> None:
        self.graph = graph
        self.services = services
        self.run_id = resume.run_id if resume is not None and resume.run_id else run_id
        self._sink = emit
        self.store = store
        self.artifact_dir = artifact_dir
        self.initial_context = dict(initial_context or {})
        self.resume = resume
        self.steering = steering
        self.bundle_identity = bundle_identity
        self.registry = registry or services.registry or HandlerRegistry(services)
        self.cp = resume if resume is not None else Checkpoint(run_id=self.run_id)
        self.cp.run_id = self.run_id
        self.cp.workflow_name = graph.name
        self.trace: list[TraceEntry] = []
        self.overrides: list[Override] = [Override.from_data(o) for o in self.cp.validation_overrides]
        self._override_generation_start = len(self.overrides)
        self.last_outcome: Outcome | None = None
        self._terminal_emitted = False
        self._cancel_requested = False
        self._task: asyncio.Task[Any] | None = None
        self._running = False
        self._env = _Env(self)
        self._graph_vars: GraphVariables | None = None
        self.started = time.time()

    # ------------------------------------------------------------------ plumbing

    @property
    def ctx(self) -> RunContext:
        return self.cp.context

    def emit(self, event: ev.Event) -> None:
        if not event.run_id:
            event.run_id = self.run_id
        if self.bundle_identity and not event.bundle_identity and event.source == ev.SOURCE_PIPELINE:
            event.bundle_identity = self.bundle_identity
        self._sink(event)

    def _event(self, type_: str, node_id: str = "", message: str = "", **fields: Any) -> None:
        self.emit(ev.Event(type_, run_id=self.run_id, node_id=node_id, message=message, **fields))

    def _terminal(self, type_: str, status: str, message: str, error: str = "", node_id: str = "", **fields: Any) -> None:
        self._terminal_emitted = True
        self._event(type_, node_id, message, error=error, terminal_status=status, **fields)

    def cancel(self) -> None:
        """End the run at the next await: checkpoint, ``pipeline_failed``, status fail."""
        self._cancel_requested = True
        if self._running and self._task is not None and not self._task.done():
            self._task.cancel()

    def save(self) -> None:
        if self.store is None:
            return
        try:
            self.store.save(self.cp.to_bytes())
        except OSError as exc:
            self._event(ev.CHECKPOINT_FAILED, message=f"checkpoint save error: {exc}", error=str(exc))
            return
        self._event(ev.CHECKPOINT_SAVED, message="checkpoint saved")

    def make_child(
        self, graph: RuntimeGraph, node_id: str, initial: dict[str, str], steering: Any = None
    ) -> Engine:
        from tracker.runs.layout import new_run_id

        prefix = node_id + "/"
        parent_emit = self.emit

        def scoped(event: ev.Event) -> None:
            if event.type in (ev.PIPELINE_STARTED, ev.PIPELINE_COMPLETED, ev.PIPELINE_FAILED):
                return
            if event.node_id:
                event.node_id = prefix + event.node_id
            parent_emit(event)

        child_dir = self.artifact_dir / node_id if self.artifact_dir is not None else None
        return Engine(
            graph,
            self.services,
            run_id=new_run_id(),
            emit=scoped,
            store=None,
            artifact_dir=child_dir,
            initial_context=initial,
            steering=steering,
            registry=HandlerRegistry(self.services, self.registry.factories),
        )

    # ------------------------------------------------------------------ lifecycle

    def _seed_context(self) -> None:
        graph_values = {f"graph.{k}": v for k, v in self.graph.attrs.items()}
        ctx = RunContext()
        ctx.update_quiet(graph_values)
        ctx.update_quiet(self.initial_context)
        if self.resume is not None:
            ctx.update_quiet(self.resume.context.snapshot())
            ctx.update_quiet(graph_values)
            self._resume_compaction(ctx)
        ctx.internal["_run_id"] = self.run_id
        if self.artifact_dir is not None:
            ctx.internal["_artifact_dir"] = str(self.artifact_dir)
        ctx.internal["loop_restart_count"] = str(self.cp.restart_count)
        ctx.clear_dirty()
        self.cp.context = ctx
        self._graph_vars = GraphVariables.from_context(ctx)

    def _resume_compaction(self, ctx: RunContext) -> None:
        """Reduce the restored context to what the resumed node's fidelity (one step
        degraded) shows; ``summary:high`` and ``on_resume: preserve`` keep everything."""
        if self.graph.attrs.get("on_resume") == "preserve":
            return
        node = self.graph.nodes.get(self.cp.current_node)
        if node is None or node.handler != "codergen":
            return
        level = node.attrs.get("fidelity") or self.graph.attrs.get("default_fidelity") or "full"
        degraded = FIDELITY_DEGRADE.get(level, "summary:high")
        if degraded == "summary:high":
            return
        keep = set(ROUTING_KEYS) | set(node.attrs.get("reads", "").split(","))
        if degraded in ("summary:medium", "truncate"):
            keep |= set(MEDIUM_KEYS)
        elif degraded == "compact":
            keep.add("outcome")
        for key in list(ctx.values):
            if key in keep or key.startswith(("graph.", "inputs.")):
                continue
            del ctx.values[key]

    def _snapshot_nodes(self) -> list[dict[str, str]]:
        out = []
        for nid in sorted(self.graph.nodes):
            node = self.graph.nodes[nid]
            item = {"id": nid}
            if node.label:
                item["label"] = node.label
            if node.handler:
                item["handler"] = node.handler
            out.append(item)
        return out

    async def run(self) -> EngineResult:
        self._task = asyncio.current_task()
        self._seed_context()
        resumed = self.resume is not None
        self._event(
            ev.PIPELINE_STARTED,
            message="pipeline started",
            snapshot_nodes=self._snapshot_nodes(),
            snapshot_start_node=self.graph.start,
            snapshot_exit_node=self.graph.exit,
            snapshot_current_node=self.cp.current_node if resumed else "",
            snapshot_completed_nodes=self.cp.completed_nodes if resumed else None,
        )
        if self.services.budget is not None and self.services.budget.started == 0:
            self.services.budget.started = time.monotonic()
        self._running = True
        try:
            result = await self._loop()
        except asyncio.CancelledError:
            result = self._cancelled("context cancelled")
        except Exception as exc:
            detail = "".join(traceback.format_exception(exc))
            self._terminal(ev.PIPELINE_FAILED, TERMINAL_FAIL, f"panic: {exc}", error=detail)
            result = self._result(TERMINAL_FAIL, str(exc), is_error=True)
        finally:
            self._running = False
        if not self._terminal_emitted:
            type_ = ev.PIPELINE_COMPLETED if is_success(result.status) else ev.PIPELINE_FAILED
            self._terminal(type_, result.status or TERMINAL_FAIL, "pipeline halted", error=result.error)
        result.finished = time.time()
        return result

    def _uncancel(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            while task.cancelling():
                task.uncancel()

    def _cancelled(self, message: str) -> EngineResult:
        self._uncancel()
        self.save()
        self._terminal(ev.PIPELINE_FAILED, TERMINAL_FAIL, message, error="context canceled")
        return self._result(TERMINAL_FAIL, "run cancelled", is_error=True)

    def _result(self, status: str, error: str = "", *, is_error: bool = False) -> EngineResult:
        return EngineResult(
            is_error=is_error,
            status=status,
            run_id=self.run_id,
            completed_nodes=self.cp.completed_nodes,
            context=self.ctx.snapshot(),
            error=error,
            trace=self.trace,
            overrides=list(self.overrides),
            started=self.started,
        )

    # ------------------------------------------------------------------ the loop

    async def _loop(self) -> EngineResult:
        graph, cp = self.graph, self.cp
        current = cp.current_node or graph.start
        replayed: set[str] = set()
        while True:
            await asyncio.sleep(0)  # nodes that never wait must not starve the event loop
            if self._cancel_requested:
                return self._cancelled("context cancelled")
            node = graph.nodes.get(current)
            if node is None:
                raise EngineError(f'node "{current}" not found in graph')
            cp.current_node = current
            if cp.is_completed(current):
                if current in replayed:
                    cp.clear_completed(set(graph.reachable(current)), retries=True)
                else:
                    replayed.add(current)
                    self._event(ev.STAGE_COMPLETED, current, "previously completed (resumed)")
                    edges = graph.out(current)
                    if current == graph.exit or not edges:
                        step = await self._exit(node, cp.node_outcomes.get(current, SUCCESS))
                    else:
                        target = cp.edge_selections.get(current)
                        if not target:
                            target = select_edge(current, edges, self.ctx, self.emit, self.run_id).edge.target
                        step = target
                    if isinstance(step, EngineResult):
                        return step
                    current = step
                    continue
            step = await self._execute(node)
            if isinstance(step, EngineResult):
                return step
            current = step

    # ------------------------------------------------------------------ one node

    def _prepare(self, node: RuntimeNode) -> RuntimeNode:
        """An execution copy: stylesheet, ``$name`` graph variables, ``$goal`` in prompts."""
        attrs = dict(node.attrs)
        if self.graph.workflow.stylesheet and node.kind == "agent":
            self._apply_stylesheet(node, attrs)
        gv = self._graph_vars
        if gv is not None and gv.pattern is not None:
            for key, value in attrs.items():
                if "$" in value:
                    attrs[key] = gv.expand(value, self.ctx)
        prompt = attrs.get("prompt")
        if prompt and "$goal" in prompt:
            attrs["prompt"] = prompt.replace("$goal", self.graph.attrs.get("goal", ""))
        return RuntimeNode(node.id, node.kind, node.handler, node.shape, node.label, attrs, node.ir)

    def _apply_stylesheet(self, node: RuntimeNode, attrs: dict[str, str]) -> None:
        names = {"model": "llm_model", "provider": "llm_provider"}
        ranked = []
        for rule in self.graph.workflow.stylesheet:
            sel = rule.selector
            if (
                sel.kind == "universal"
                or (sel.kind == "id" and sel.value == node.id)
                or (sel.kind == "kind" and sel.value in (node.shape, node.kind))
                or (sel.kind == "class" and node.ir is not None and sel.value in node.ir.classes)
            ):
                ranked.append(rule)
        ranked.sort(key=lambda r: r.selector.specificity)
        styled: dict[str, str] = {}
        for rule in ranked:
            for key, value in rule.properties.items():
                styled[names.get(key, key)] = value
        for key, value in styled.items():
            attrs.setdefault(key, value)

    def _memo_key(self, node: RuntimeNode) -> str | None:
        attrs = node.attrs
        if node.handler != "codergen" or attrs.get("memoize") != "true" or "writable_paths" in attrs:
            return None
        fidelity = attrs.get("fidelity") or self.graph.attrs.get("default_fidelity") or "full"
        if fidelity != "full":
            return None
        own = f"node.{node.id}."
        produced = {k[len(own) :] for k in self.ctx.values if k.startswith(own)}
        bare = {
            k: v
            for k, v in self.ctx.values.items()
            if not k.startswith("node.") and k not in ROUTING_KEYS and k not in produced
        }
        payload = json.dumps(["v1", node.id, node.handler, sorted(attrs.items()), sorted(bare.items())])
        return hashlib.sha256(payload.encode()).hexdigest()

    async def _execute(self, node: RuntimeNode) -> str | EngineResult:
        ctx, cp, nid = self.ctx, self.cp, node.id
        for key in ROUTING_KEYS:
            ctx.set(key, "")
        human_before = ctx.get("human_response")
        prepared = self._prepare(node)
        started = time.time()
        memo_key = self._memo_key(prepared)
        handler_name = node.handler
        entry = cp.memo_entries.get(memo_key) if memo_key else None
        if entry is not None:
            handler_name = "<memoized>"
            self._event(ev.NODE_MEMO_REPLAYED, nid, f'memoize: replayed prior successful outcome for node "{nid}"')
            outcome = Outcome(
                status=str(entry.get("status", SUCCESS)),
                context_updates=dict(entry.get("context_updates") or {}),
                preferred_label=str(entry.get("preferred_label", "")),
                suggested_next_nodes=list(entry.get("suggested_next_nodes") or []),
            )
        else:
            attempt = cp.retry_counts.get(nid, 0) + 1
            self._event(
                ev.STAGE_STARTED, nid, f'executing node "{nid}"', node_kind=node.handler, attempt_no=attempt
            )
            try:
                outcome = await self._run_handler(prepared)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                return self._handler_error(node, exc, started)
        return await self._apply(node, outcome, handler_name, started, human_before, memo_key)

    async def _run_handler(self, node: RuntimeNode) -> Outcome:
        from tracker.engine.outcome import HandlerError

        handler = self.registry.get(node.handler)
        if handler is None:
            raise HandlerError(f'no handler registered for "{node.handler}" (node "{node.id}")')
        return await handler.execute(node, self.ctx, self._env)

    def _handler_error(self, node: RuntimeNode, exc: Exception, started: float) -> EngineResult:
        nid = node.id
        text = str(exc) or type(exc).__name__
        self.trace.append(TraceEntry(nid, node.handler, "error", started, time.time() - started))
        self._event(ev.STAGE_FAILED, nid, f'handler error at node "{nid}"', error=text)
        self.ctx.scope_to(nid)
        self.save()
        if isinstance(exc, BillingPause):
            self._terminal(ev.BILLING_PAUSED, TERMINAL_BILLING, text, error=text, node_id=nid)
            return self._result(TERMINAL_BILLING, text)
        self._terminal(ev.PIPELINE_FAILED, TERMINAL_FAIL, f'handler error at node "{nid}": {text}', error=text)
        return self._result(TERMINAL_FAIL, f'handler error at node "{nid}": {text}', is_error=True)

    def _post_diagnostics(self, nid: str, outcome: Outcome) -> None:
        for t in outcome.truncations:
            self._event(
                ev.TOOL_OUTPUT_TRUNCATED,
                nid,
                f'tool node "{nid}": {t.stream} truncated — captured last {t.captured} bytes, dropped {t.dropped} bytes from head (limit {t.limit})',
                trunc_stream=t.stream,
                trunc_limit=t.limit,
                trunc_captured_bytes=t.captured,
                trunc_dropped_bytes=t.dropped,
                trunc_total_bytes=t.total,
            )
        mm = outcome.marker_missing
        if mm is not None:
            if mm.error:
                msg = f'tool node "{nid}": marker_grep regex {json.dumps(mm.pattern)} failed to compile: {mm.error} — failing node to avoid silent fallback'
            else:
                msg = f'tool node "{nid}": marker_grep {json.dumps(mm.pattern)} matched nothing in captured stdout — failing node to avoid silent fallback'
            self._event(
                ev.TOOL_MARKER_MISSING, nid, msg, marker_pattern=mm.pattern, marker_tail=mm.tail, marker_error=mm.error
            )
        if outcome.route_missing_tail is not None:
            self._event(
                ev.TOOL_ROUTE_MISSING,
                nid,
                f'tool node "{nid}": route_required is set but no _TRACKER_ROUTE= sentinel line was emitted to stdout — failing node to avoid silent fallback',
                route_tail=outcome.route_missing_tail,
            )
        am = outcome.auto_status_missing
        if am is not None:
            if am.fail_closed:
                msg = f'node "{nid}": auto_status is set but no parseable STATUS line was found — failing goal gate closed (an unparseable verdict on a gate is an anomaly, not a pass)'
            else:
                msg = f'node "{nid}": auto_status is set but no parseable STATUS line was found — verdict defaulted to success'
            self._event(
                ev.AUTO_STATUS_MISSING, nid, msg, auto_status_tail=am.tail, auto_status_fail_closed=am.fail_closed
            )

    async def _apply(
        self,
        node: RuntimeNode,
        outcome: Outcome,
        handler_name: str,
        started: float,
        human_before: str,
        memo_key: str | None,
    ) -> str | EngineResult:
        ctx, cp, nid = self.ctx, self.cp, node.id
        self._post_diagnostics(nid, outcome)
        self.last_outcome = outcome
        if outcome.context_updates:
            ctx.update(outcome.context_updates)
        if node.attrs.get("goal_gate") == "true":
            cp.gate_recheck_pending.pop(nid, None)
            cp.overridden_gates.pop(nid, None)
        status = outcome.status
        ctx.set("outcome", status)
        cp.node_outcomes[nid] = status
        ctx.set("preferred_label", outcome.preferred_label)
        ctx.set("suggested_next_nodes", ",".join(outcome.suggested_next_nodes))
        stats = outcome.stats
        if stats is not None:
            self.services.usage.add(stats)
        self._event(
            ev.DECISION_OUTCOME,
            nid,
            f'node "{nid}" outcome: {status}',
            outcome_status=status,
            context_updates=dict(outcome.context_updates) or None,
            context_snapshot=ctx.routing_snapshot(),
            token_input=stats.input_tokens if stats else 0,
            token_output=stats.output_tokens if stats else 0,
        )
        if outcome.child_overrides:
            for child in outcome.child_overrides:
                self._absorb_child_override(nid, child)
            self.save()
        ctx.scope_to(nid)
        self._drain_steering()
        duration = time.time() - started
        if status == RETRY:
            return await self._retry(node, handler_name, started, duration, stats)
        if (
            node.handler == "codergen" or self._parallel_has_agent(node)
        ) and human_before and ctx.get("human_response") == human_before:
            ctx.update_quiet({"human_response": ""})
        effective = status
        if status == FAIL:
            self._event(ev.STAGE_FAILED, nid, f'node "{nid}" failed')
            cp.mark_completed(nid)
        elif status == SUCCESS:
            self._event(ev.STAGE_COMPLETED, nid, f'node "{nid}" completed')
            cp.mark_completed(nid)
        else:
            self._event(
                ev.STAGE_FAILED, nid, f'node "{nid}" returned unknown outcome status "{status}"; treating as failure'
            )
            ctx.update_quiet({"outcome": FAIL})
            effective = FAIL
        if status == SUCCESS and memo_key and handler_name != "<memoized>":
            entry: dict[str, Any] = {"status": SUCCESS}
            if outcome.context_updates:
                entry["context_updates"] = dict(outcome.context_updates)
            if outcome.preferred_label:
                entry["preferred_label"] = outcome.preferred_label
            if outcome.suggested_next_nodes:
                entry["suggested_next_nodes"] = list(outcome.suggested_next_nodes)
            cp.memo_entries[memo_key] = entry
        entry_trace = TraceEntry(nid, handler_name, status, started, duration, stats=stats)
        if nid == self.graph.exit:
            self.trace.append(entry_trace)
            return await self._exit(node, effective)
        return await self._advance(node, effective, entry_trace)

    def _parallel_has_agent(self, node: RuntimeNode) -> bool:
        if node.handler != "parallel":
            return False
        targets = [t for t in node.attrs.get("parallel_targets", "").split(",") if t]
        return any(self.graph.nodes.get(t) is not None and self.graph.nodes[t].handler == "codergen" for t in targets)

    def _drain_steering(self) -> None:
        queue = self.steering
        if queue is None:
            return
        while True:
            try:
                updates = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            self.ctx.update_quiet(updates)

    # ------------------------------------------------------------------ routing

    def _cost_updated(self, nid: str) -> None:
        usage = self.services.usage
        if not usage.any:
            return
        self._event(
            ev.COST_UPDATED,
            nid,
            total_tokens=usage.total_tokens,
            total_cost_usd=usage.total_cost_usd,
            provider_totals=usage.provider_wire(),
            wall_elapsed_ms=usage.elapsed_ms(),
            estimated=usage.estimated,
        )

    def _budget_breach(self) -> EngineResult | None:
        guard = self.services.budget
        if guard is None:
            return None
        message = guard.breach()
        if message is None:
            return None
        self.save()
        usage = self.services.usage
        self._terminal(
            ev.BUDGET_EXCEEDED,
            TERMINAL_BUDGET,
            message,
            total_tokens=usage.total_tokens,
            total_cost_usd=usage.total_cost_usd,
            provider_totals=usage.provider_wire() or None,
            wall_elapsed_ms=usage.elapsed_ms(),
            estimated=usage.estimated,
        )
        return self._result(TERMINAL_BUDGET, message)

    def _fallback_target(self, node: RuntimeNode) -> str | None:
        graph = self.graph
        for candidate in (
            node.attrs.get("fallback_target"),
            node.attrs.get("fallback_retry_target"),
            graph.attrs.get("fallback_target"),
            graph.attrs.get("fallback_retry_target"),
        ):
            if candidate and candidate in graph.nodes:
                return candidate
        return None

    def _move(self, target: str) -> str:
        self.cp.current_node = target
        self.save()
        if self.services.budget is not None:
            self.services.budget.progress()
        return target

    async def _advance(self, node: RuntimeNode, status: str, entry: TraceEntry) -> str | EngineResult:
        graph, cp, ctx, nid = self.graph, self.cp, self.ctx, node.id
        edges = graph.out(nid)
        if not edges:
            self.trace.append(entry)
            raise EngineError(f'no outgoing edges from non-exit node "{nid}"')
        if status == FAIL and not any(e.condition for e in edges):
            self.trace.append(entry)
            fallback = None if cp.fallback_taken.get(nid) else self._fallback_target(node)
            if fallback is not None:
                self._cost_updated(nid)
                breach = self._budget_breach()
                if breach is not None:
                    return breach
                cp.fallback_taken[nid] = True
                self._event(ev.STAGE_FAILED, nid, f'node "{nid}" failed with no failure edge, routing to fallback "{fallback}"')
                cp.clear_completed(set(graph.reachable(fallback)))
                return self._move(fallback)
            message = f'node "{nid}" failed with no failure edge — stopping pipeline'
            self._event(ev.STAGE_FAILED, nid, message)
            return self._result(TERMINAL_FAIL, message, is_error=True)
        try:
            selection = select_edge(nid, edges, ctx, self.emit, self.run_id)
        except RoutingError as exc:
            self.trace.append(entry)
            return self._result(TERMINAL_FAIL, str(exc), is_error=True)
        edge = selection.edge
        if edge.override and node.handler == "wait.human":
            self._record_override(node, edge)
        entry.edge_to = edge.target
        self.trace.append(entry)
        self._cost_updated(nid)
        breach = self._budget_breach()
        if breach is not None:
            return breach
        cp.edge_selections[nid] = edge.target
        if cp.is_completed(edge.target):
            return self._restart(edge.target)
        return self._move(edge.target)

    def _restart(self, target: str) -> str | EngineResult:
        graph, cp = self.graph, self.cp
        try:
            max_restarts = int(graph.attrs.get("max_restarts", DEFAULT_MAX_RESTARTS))
        except ValueError:
            max_restarts = DEFAULT_MAX_RESTARTS
        if cp.restart_count >= max_restarts:
            message = f"max restarts ({max_restarts}) exceeded"
            self._terminal(ev.PIPELINE_FAILED, TERMINAL_FAIL, message, error=message)
            self.save()
            return self._result(TERMINAL_FAIL, message, is_error=True)
        cp.restart_count += 1
        n = cp.restart_count
        configured = graph.attrs.get("restart_target", "")
        restart_at = configured if configured in graph.nodes else target
        self._event(ev.LOOP_RESTART, restart_at, f'loop detected, restarting from "{restart_at}" (restart {n}/{max_restarts})')
        cleared = graph.reachable_ordered(restart_at)
        self._event(
            ev.DECISION_RESTART,
            restart_at,
            f'restart {n}: clearing {len(cleared)} nodes from "{restart_at}"',
            restart_count=n,
            cleared_nodes=cleared,
            context_snapshot=self.ctx.routing_snapshot(),
        )
        cp.clear_completed(set(cleared), retries=True)
        self.ctx.internal["loop_restart_count"] = str(n)
        return self._move(restart_at)

    async def _retry(
        self, node: RuntimeNode, handler_name: str, started: float, duration: float, stats: NodeStats | None
    ) -> str | EngineResult:
        graph, cp, nid = self.graph, self.cp, node.id
        policy = resolve_policy(node.attrs, graph.attrs)
        count = cp.retry_counts.get(nid, 0)
        entry = TraceEntry(nid, handler_name, RETRY, started, duration, stats=stats)
        if count < policy.max_retries:
            count += 1
            cp.retry_counts[nid] = count
            delay = policy.backoff_seconds(count - 1)
            try:
                if delay > 0:
                    await asyncio.sleep(delay)
            except asyncio.CancelledError:
                self._uncancel()
                self.save()
                self._terminal(
                    ev.PIPELINE_FAILED, TERMINAL_FAIL, "pipeline cancelled during retry backoff", error="context canceled"
                )
                return self._result(TERMINAL_FAIL, "run cancelled", is_error=True)
            self._event(
                ev.STAGE_RETRYING,
                nid,
                f'retrying node "{nid}" (attempt {count}/{policy.max_retries}, policy={policy.name})',
                node_kind=node.handler,
                attempt_no=count,
            )
            target = node.attrs.get("retry_target") or nid
            if target not in graph.nodes:
                message = f'retry_target "{target}" on node "{nid}" does not exist in graph'
                self._terminal(ev.PIPELINE_FAILED, TERMINAL_FAIL, message, error=message)
                return self._result(TERMINAL_FAIL, message, is_error=True)
            entry.edge_to = target
            self.trace.append(entry)
            self._cost_updated(nid)
            breach = self._budget_breach()
            if breach is not None:
                return breach
            cp.clear_completed(set(graph.reachable(target)))
            return self._move(target)
        self.trace.append(entry)
        fallback = node.attrs.get("fallback_retry_target")
        if fallback:
            return self._move(fallback)
        self._event(ev.STAGE_FAILED, nid, f'retries exhausted for node "{nid}"')
        self._terminal(ev.PIPELINE_FAILED, TERMINAL_FAIL, "pipeline failed")
        return self._result(TERMINAL_FAIL, f'retries exhausted for node "{nid}"')

    # ------------------------------------------------------------------ overrides

    def _record_override(self, node: RuntimeNode, edge: RuntimeEdge) -> None:
        from tracker.runs.timefmt import rfc3339

        cp, nid = self.cp, node.id
        actor = (self.last_outcome.override_actor if self.last_outcome else "") or "unknown"
        covered: list[str] = []
        if actor == "human":
            for gid, gnode in self.graph.nodes.items():
                if gnode.attrs.get("goal_gate") != "true" or cp.node_outcomes.get(gid) != FAIL:
                    continue
                routes_here = gnode.attrs.get("fallback_retry_target") == nid or any(
                    e.target == nid for e in self.graph.out(gid)
                )
                if routes_here:
                    cp.overridden_gates[gid] = True
                    cp.gate_recheck_pending.pop(gid, None)
                    covered.append(gid)
        label = edge.label or edge.choice or edge.target
        for existing in self.overrides[self._override_generation_start :]:
            if existing.gate_node_id == nid and existing.label == label and not existing.subgraph_path:
                return
        record = Override(nid, label, actor, covered, [], rfc3339(time.time()))
        self.overrides.append(record)
        cp.validation_overrides.append(record.to_data())
        self._event(
            ev.VALIDATION_OVERRIDDEN,
            nid,
            f'validation override at "{nid}" via label "{label}" (actor={actor})',
            override_gate=nid,
            override_label=label,
            override_actor=actor,
        )
        self.save()

    def _absorb_child_override(self, nid: str, child: Override) -> None:
        path = [nid, *child.subgraph_path]
        for restored in self.overrides[: self._override_generation_start]:
            if (restored.gate_node_id, restored.label, restored.subgraph_path) == (child.gate_node_id, child.label, path):
                return
        record = Override(child.gate_node_id, child.label, child.actor, list(child.covered_gates), path, child.timestamp)
        self.overrides.append(record)
        self.cp.validation_overrides.append(record.to_data())
        self._event(
            ev.VALIDATION_OVERRIDDEN,
            nid,
            f'validation override propagated from subgraph child via "{nid}"',
            override_gate=child.gate_node_id,
            override_label=child.label,
            override_actor=child.actor,
            override_subgraph_path=path,
        )

    # ------------------------------------------------------------------ exit

    def _goal_gate_retry_target(self, node: RuntimeNode) -> str | None:
        graph = self.graph
        for candidate in (
            node.attrs.get("retry_target"),
            node.attrs.get("fallback_target"),
            node.attrs.get("fallback_retry_target"),
            graph.attrs.get("retry_target"),
            graph.attrs.get("fallback_target"),
            graph.attrs.get("fallback_retry_target"),
        ):
            if candidate and candidate in graph.nodes:
                return candidate
        return None

    async def _exit(self, node: RuntimeNode, status: str) -> str | EngineResult:
        graph, cp = self.graph, self.cp
        exit_id = node.id
        candidates = cp.completed_nodes + sorted(
            g for g, pending in cp.gate_recheck_pending.items() if pending and not cp.is_completed(g)
        )
        for gid in candidates:
            gate = graph.nodes.get(gid)
            if gate is None or gate.attrs.get("goal_gate") != "true":
                continue
            if cp.node_outcomes.get(gid) in (SUCCESS, "partial_success") or cp.overridden_gates.get(gid):
                continue
            max_retries = goal_gate_max_retries(gate.attrs, graph.attrs)
            count = cp.retry_counts.get(gid, 0)
            if cp.gate_recheck_pending.get(gid):
                self._event(
                    ev.STAGE_RETRYING,
                    gid,
                    f'goal-gate recheck: re-entering "{gid}" so the gate re-judges the current tree (attempt {count}/{max_retries})',
                    node_kind=gate.handler,
                    attempt_no=count,
                )
                cp.clear_completed(set(graph.reachable(gid)))
                return self._move(gid)
            target = self._goal_gate_retry_target(gate) if count < max_retries else None
            if target is not None:
                count += 1
                cp.retry_counts[gid] = count
                self._event(
                    ev.STAGE_RETRYING,
                    gid,
                    f'goal-gate retry for "{gid}" → "{target}" (attempt {count}/{max_retries})',
                    node_kind=gate.handler,
                    attempt_no=count,
                )
                cp.gate_recheck_pending[gid] = True
                cp.clear_completed(set(graph.reachable(target)))
                return self._move(target)
            fallback = None if cp.fallback_taken.get(gid) else self._fallback_target(gate)
            if fallback is not None:
                cp.fallback_taken[gid] = True
                self._event(
                    ev.STAGE_FAILED,
                    gid,
                    f'goal-gate retries exhausted for "{gid}" after {count} attempts, routing to fallback "{fallback}"',
                )
                cp.gate_recheck_pending[gid] = True
                cp.clear_completed(set(graph.reachable(fallback)))
                return self._move(fallback)
            message = f'goal-gate retries exhausted for "{gid}" after {count} attempts'
            self._event(ev.STAGE_FAILED, gid, message)
            self._terminal(ev.PIPELINE_FAILED, TERMINAL_FAIL, "pipeline failed")
            return self._result(TERMINAL_FAIL, message)
        if status == FAIL:
            self._terminal(ev.PIPELINE_FAILED, TERMINAL_FAIL, "pipeline failed")
            return self._result(TERMINAL_FAIL, f'exit node "{exit_id}" failed')
        self._cost_updated(exit_id)
        breach = self._budget_breach()
        if breach is not None:
            return breach
        final = TERMINAL_OVERRIDDEN if self.overrides else TERMINAL_SUCCESS
        self._terminal(ev.PIPELINE_COMPLETED, final, "pipeline completed")
        return self._result(final)
