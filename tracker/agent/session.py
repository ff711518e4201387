"""The coding-agent session: one conversation that runs tools until the model is done
(engine spec §5.2–§5.12).

    session = Session(config, client, node_id="Build", on_event=sink)
    result = await session.run(prompt)

A session is single-use. ``run`` returns a :class:`SessionResult` on every path; a failed
session (LLM error, three empty responses, a planning failure) has ``result.error`` set.
Cancellation propagates as ``asyncio.CancelledError`` after ``session_end`` is emitted.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path

from tracker.agent import prompts
from tracker.agent.compaction import compact_history
from tracker.agent.config import Lane, SessionConfig
from tracker.agent.environment import LocalEnvironment
from tracker.agent.episodes import compact_json, episode_summary
from tracker.agent.events import AgentEvent, AgentEventSink, AgentEventType, TurnMetrics
from tracker.agent.jail import JailedEnvironment, ensure_supported, validate_writable_paths
from tracker.agent.result import BreachVerify, SessionResult, StopReason
from tracker.agent.tool_runner import BatchResult, ToolRunner
from tracker.agent.tools import Tool, ToolContext, builtin_tools
from tracker.agent.trace_forward import TraceForwarder
from tracker.agent.verify import VerifyInfraError, detect_verify_command, run_verify
from tracker.llm.catalog import DEFAULT_CONTEXT_WINDOW, context_window, provider_for_model
from tracker.llm.client import Client
from tracker.llm.cost import estimate_cost
from tracker.llm.errors import is_billing_error
from tracker.llm.types import (
    Message,
    Request,
    Response,
    ResponseFormat,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
    Usage,
)

logger = logging.getLogger("tracker.agent.session")

MAX_EMPTY_RETRIES = 2
MAX_CONSECUTIVE_REFLECTIONS = 3
LENGTH_FINISHES = ("length", "max_tokens")


class SessionError(Exception):
    """A failure of the session itself (not of the LLM call)."""


class SessionUsedError(RuntimeError):
    def __init__(self) -> None:
        super().__init__("session already used; create a new Session for each Run call")


def new_session_id() -> str:
    try:
        return secrets.token_hex(4)
    except Exception:  # pragma: no cover - the RNG does not fail in practice
        return "00000000"


class Session:
    """One agent conversation over a :class:`~tracker.llm.Client`.

    ``extra_tools`` are registered after the built-ins and win over a built-in of the same
    name. ``steering`` is an optional queue of messages injected before each turn.
    Raises :class:`~tracker.agent.config.SessionConfigError` or
    :class:`~tracker.agent.jail.JailError` when the configuration cannot be honoured.
    """

    def __init__(
        self,
        config: SessionConfig,
        client: Client,
        *,
        node_id: str = "",
        on_event: AgentEventSink | None = None,
        extra_tools: Sequence[Tool] = (),
        steering: asyncio.Queue[str] | None = None,
        session_id: str | None = None,
    ) -> None:
        config.validate()
        self.config = config
        self.client = client
        self.node_id = node_id
        self.id = session_id or new_session_id()
        self._sink = on_event
        self._steering = steering
        root = Path(os.path.abspath(config.working_dir))
        if config.writable_paths is not None:
            globs = validate_writable_paths(config.writable_paths, root, Path.cwd())
            ensure_supported()
            self.env: LocalEnvironment = JailedEnvironment(root, globs, command_env=config.command_env)
        else:
            self.env = LocalEnvironment(root, command_env=config.command_env)
        self.resolved_provider = config.provider or provider_for_model(config.model) or ""
        registry = {t.name: t for t in builtin_tools(self.resolved_provider)}
        registry.update({t.name: t for t in extra_tools})
        self.tools: dict[str, Tool] = {} if config.tools_restricted else dict(sorted(registry.items()))
        self._ctx = ToolContext(
            env=self.env,
            command_timeout=config.command_timeout,
            max_command_timeout=config.max_command_timeout,
            report_status=self._report_status,
        )
        self._used = False
        self._current_turn = 0
        # conversation and accounting
        self.history: list[Message] = []
        self.result = SessionResult(session_id=self.id, provider=config.provider, model=config.model)
        self._text_parts: list[str] = []
        self._runner = ToolRunner(
            self.tools,
            self._ctx,
            self._emit,
            policy=config.command_policy,
            cache_results=config.cache_tool_results,
            output_limits=config.tool_output_limits,
        )
        self._last_signature = ""
        self._repeat_count = 0
        self._reflections = 0
        self._empty_retries = 0
        self._warned = False
        self._last_compaction_turn = 0
        self._edit_landed = False
        self._turn_edits = 0
        self._no_progress = 0

    # ------------------------------------------------------------------ public

    @property
    def context_limit(self) -> int:
        """The effective context window (§5.1): the catalog's window replaces the default."""
        if self.config.context_window_limit == DEFAULT_CONTEXT_WINDOW:
            return context_window(self.config.model)
        return self.config.context_window_limit

    async def run(self, prompt: str) -> SessionResult:
        if self._used:
            raise SessionUsedError()
        self._used = True
        started = time.monotonic()
        self._emit(AgentEventType.SESSION_START)
        try:
            await self._run(prompt)
        except asyncio.CancelledError:
            self.result.stop = StopReason.ERROR
            self.result.error = asyncio.CancelledError("session cancelled")
            raise
        except Exception as exc:
            self.result.stop = StopReason.ERROR
            self.result.error = exc
        finally:
            self.result.duration_seconds = time.monotonic() - started
            counters = self._runner.counters
            self.result.tool_calls = dict(counters.calls)
            self.result.tool_seconds = dict(counters.seconds)
            self.result.tool_cache_hits = counters.cache_hits
            self.result.tool_cache_misses = counters.cache_misses
            self.result.final_text = "".join(self._text_parts)
            self.result.episode_summary = episode_summary(counters.episodes)
            self._emit(AgentEventType.SESSION_END)
        return self.result

    # ------------------------------------------------------------------ events

    def _emit(self, kind: AgentEventType, **fields: object) -> None:
        if self._sink is None:
            return
        event = AgentEvent(kind, session_id=self.id, node_id=self.node_id, **fields)  # type: ignore[arg-type]
        try:
            self._sink(event)
        except Exception:
            logger.exception("agent event sink failed on %s", kind.value)

    def _report_status(self, text: str) -> None:
        self._emit(AgentEventType.STATUS_UPDATE, turn=self._current_turn, text=text)

    def _trace_observer(self, turn: int) -> TraceForwarder:
        return TraceForwarder(self._emit, turn)

    # ------------------------------------------------------------------ conversation

    def _seed(self, prompt: str) -> None:
        base = prompts.RESTRICTED_SYSTEM_PROMPT if self.config.tools_restricted else prompts.BASE_SYSTEM_PROMPT
        system = base + ("\n\n" + self.config.system_prompt if self.config.system_prompt else "")
        self.history.append(Message.system(system))
        prior = prompts.prior_attempts_message(self.config.prior_episode_summaries)
        if prior:
            self.history.append(Message.user(prior))
        self.history.append(Message.user(prompt))

    def _request(self, lane: Lane, turn: int, *, with_tools: bool = True) -> Request:
        cfg = self.config
        response_format = None
        if cfg.response_format == "json_object":
            response_format = ResponseFormat("json_object")
        elif cfg.response_format == "json_schema":
            response_format = ResponseFormat("json_schema", cfg.response_schema, strict=True)
        request = Request(
            model=lane.model,
            provider=lane.provider,
            messages=list(self.history),
            reasoning_effort=cfg.reasoning_effort,
            response_format=response_format,
            observers=[self._trace_observer(turn)],
        )
        if cfg.tools_restricted:
            request.tool_choice = ToolChoice("none")
        elif with_tools:
            request.tools = [tool.definition() for tool in self.tools.values()]
        return request

    async def _complete(self, turn: int, *, with_tools: bool = True) -> tuple[Response, Lane]:
        """One LLM call with provider failover on billing errors (§5.3.6)."""
        cfg = self.config
        lanes = [Lane(cfg.provider, cfg.model), *cfg.fallbacks]
        self._emit(AgentEventType.LLM_REQUEST_PREPARING, turn=turn, provider=cfg.provider, model=cfg.model)
        for index, lane in enumerate(lanes):
            try:
                return await self.client.complete(self._request(lane, turn, with_tools=with_tools)), lane
            except Exception as exc:
                if index + 1 < len(lanes) and is_billing_error(exc):
                    nxt = lanes[index + 1]
                    self._emit(
                        AgentEventType.PROVIDER_FAILOVER,
                        turn=turn,
                        provider=nxt.provider,
                        model=nxt.model,
                        text=f"provider failover: {lane} exhausted ({exc}) — trying {nxt}",
                    )
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _account(self, response: Response, lane: Lane) -> float:
        """Add the response's usage (priced on its model when it carries no cost)."""
        usage = response.usage
        cost = usage.estimated_cost
        if cost is None:
            cost = estimate_cost(response.model or lane.model, usage)
        priced = Usage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            total_tokens=usage.total_tokens or usage.input_tokens + usage.output_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            estimated_cost=cost,
        )
        self.result.usage = self.result.usage + priced
        self.result.provider = response.provider or lane.provider or self.result.provider
        return cost

    # ------------------------------------------------------------------ the loop

    async def _run(self, prompt: str) -> None:
        self._seed(prompt)
        if self.config.plan_before_execute:
            await self._planning_turn()
        for turn in range(1, self.config.max_turns + 1):
            stop = await self._turn(turn)
            if self._cost_exceeded():
                self.result.stop = StopReason.COST_EXCEEDED
                return
            if stop is not None:
                self.result.stop = stop
                return
            if self._no_progress_stop():
                self.result.stop = StopReason.NO_PROGRESS
                return
        self.result.stop = StopReason.MAX_TURNS
        if self.config.verify_on_breach:
            await self._verify_on_breach()

    async def _planning_turn(self) -> None:
        self.history.append(Message.user(prompts.PLANNING_REQUEST))
        response, lane = await self._complete(0, with_tools=False)
        self._account(response, lane)
        if response.tool_calls:
            raise SessionError("planning turn returned tool calls; expected text-only plan")
        self.history.append(response.message)
        self.history.append(Message.user(prompts.PLANNING_GO))

    def _drain_steering(self, turn: int) -> None:
        if self._steering is not None:
            while True:
                try:
                    text = self._steering.get_nowait()
                except asyncio.QueueEmpty:
                    break
                self.history.append(Message.user(prompts.STEERING_PREFIX + text))
                self._emit(AgentEventType.STEERING_INJECTED, turn=turn, text=text)
        for checkpoint in self.config.checkpoints:
            if turn == max(1, math.ceil(checkpoint.fraction * self.config.max_turns)):
                self.history.append(Message.user(checkpoint.message))
                self._emit(AgentEventType.CHECKPOINT, turn=turn, text=checkpoint.message)
                break

    async def _turn(self, turn: int) -> StopReason | None:
        """One main-loop turn; returns a stop reason, or ``None`` to continue."""
        self._current_turn = turn
        started = time.monotonic()
        calls_before, edited_before = self._runner.counters.total, self._edit_landed
        self._turn_edits = 0
        self._drain_steering(turn)
        self._emit(AgentEventType.TURN_START, turn=turn)
        try:
            response, lane = await self._complete(turn)
        except Exception as exc:
            self._emit(AgentEventType.ERROR, turn=turn, error=str(exc))
            raise
        cost = self._account(response, lane)
        self.result.turns = turn
        self._track_context(turn, response)
        self.history.append(response.message)
        finish = response.finish_reason.reason or response.finish_reason.raw
        calls = response.tool_calls
        metrics = self._metrics(response, cost)

        if not calls:
            self._reflections = 0
            if finish in LENGTH_FINISHES:
                self._text_delta(turn, response.text)
                self.history.append(Message.user(prompts.TRUNCATED_CONTINUE))
                self._end_turn(turn, response, lane, metrics, started)
                self._count_progress(calls_before, edited_before)
                return None
            self._text_delta(turn, response.text)
            self._end_turn(turn, response, lane, metrics, started)
            if self._runner.counters.total == 0 and not response.message.content and response.usage.output_tokens == 0:
                if self._empty_retries >= MAX_EMPTY_RETRIES:
                    raise SessionError(
                        f"agent session failed: {MAX_EMPTY_RETRIES + 1} consecutive empty API responses"
                    )
                self._empty_retries += 1
                self._emit(
                    AgentEventType.ERROR,
                    turn=turn,
                    text=(
                        "empty API response (0 output tokens, 0 tool calls) — "
                        f"provider={response.provider or lane.provider} model={lane.model} "
                        f"finish={response.finish_reason.raw} input_tokens={response.usage.input_tokens} "
                        f"raw_len={len(str(response.raw or ''))}, retrying"
                    ),
                )
                self.history.pop()
                self.history.append(Message.user(prompts.EMPTY_RESPONSE_RETRY))
                return None  # an empty-response retry never counts against progress
            return StopReason.NATURAL

        if finish in LENGTH_FINISHES:
            self._emit(
                AgentEventType.ERROR,
                turn=turn,
                text=(
                    f"rejected {len(calls)} tool call(s) from a truncated turn (finish={finish}): "
                    "arguments may be incomplete — asking the model to re-issue with complete arguments"
                ),
            )
            self.history.append(
                Message.tool_results(
                    [ToolResultPart(c.id, prompts.TRUNCATED_CALL_RESULT, c.name, is_error=True) for c in calls]
                )
            )
            self._end_turn(turn, response, lane, metrics, started)
            self._count_progress(calls_before, edited_before)
            return None

        if self.config.tools_restricted:
            self._emit(
                AgentEventType.ERROR,
                turn=turn,
                text=(
                    f"tool_access restricted: dropped {len(calls)} tool call(s) emitted by the LLM "
                    "despite ToolChoice=none"
                ),
            )
            self.history.append(
                Message.tool_results(
                    [ToolResultPart(c.id, prompts.TOOLS_DISABLED_RESULT, c.name, is_error=True) for c in calls]
                )
            )
            self._end_turn(turn, response, lane, metrics, started)
            self._count_progress(calls_before, edited_before)
            return None

        signature = ",".join(f"{c.name}:{compact_json(c.arguments)}" for c in calls)
        self._repeat_count = self._repeat_count + 1 if signature == self._last_signature else 1
        self._last_signature = signature
        if self._repeat_count >= self.config.loop_detection_threshold:
            self._emit(
                AgentEventType.ERROR,
                turn=turn,
                text=f"loop detected: same tool calls repeated {self._repeat_count} times",
            )
            self._end_turn(turn, response, lane, metrics, started)
            return StopReason.LOOP_DETECTED

        batch = await self._execute(calls, turn)
        if batch.any_error and self.config.reflect_on_error and self._reflections < MAX_CONSECUTIVE_REFLECTIONS:
            self.history.append(Message.user(prompts.REFLECTION))
            self._reflections += 1
        elif not batch.any_error:
            self._reflections = 0
        metrics.tool_cache_hits, metrics.tool_cache_misses = batch.cache_hits, batch.cache_misses
        self._end_turn(turn, response, lane, metrics, started)
        if batch.terminal:
            return StopReason.NATURAL
        if batch.edits:
            await self._verify_after_edit()
        self._count_progress(calls_before, edited_before)
        return None

    def _count_progress(self, calls_before: int, edited_before: bool) -> None:
        """Update the no-progress counter for a finished turn (§5.8.2): before the first
        successful edit any executed tool call is progress; afterwards only another edit."""
        if self.config.no_progress_turns > 0:
            progressed = self._turn_edits > 0 if edited_before else self._runner.counters.total > calls_before
            self._no_progress = 0 if progressed else self._no_progress + 1

    def _no_progress_stop(self) -> bool:
        limit = self.config.no_progress_turns
        return limit > 0 and self._no_progress >= limit

    def _cost_exceeded(self) -> bool:
        limit = self.config.max_cost_usd
        return limit > 0 and self.result.cost_usd > limit

    def _text_delta(self, turn: int, text: str) -> None:
        if text:
            self._text_parts.append(text)
            self._emit(AgentEventType.TEXT_DELTA, turn=turn, text=text)

    def _metrics(self, response: Response, cost: float) -> TurnMetrics:
        usage = response.usage
        return TurnMetrics(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens or 0,
            cache_write_tokens=usage.cache_write_tokens or 0,
            context_utilization=self.result.context_utilization,
            estimated_cost=cost,
        )

    def _end_turn(
        self, turn: int, response: Response, lane: Lane, metrics: TurnMetrics, started: float
    ) -> None:
        elapsed = time.monotonic() - started
        metrics.turn_duration_ms = int(elapsed * 1000)
        self.result.longest_turn_seconds = max(self.result.longest_turn_seconds, elapsed)
        self._emit(
            AgentEventType.TURN_METRICS,
            turn=turn,
            provider=response.provider or lane.provider,
            model=response.model or lane.model,
            usage=response.usage,
            metrics=metrics,
        )
        self._emit(AgentEventType.TURN_END, turn=turn)

    # ------------------------------------------------------------------ context window

    def _track_context(self, turn: int, response: Response) -> None:
        limit = self.context_limit
        utilization = response.usage.prompt_tokens / limit if limit else 0.0
        self.result.context_utilization = utilization
        if not self._warned and utilization >= self.config.context_warning_threshold:
            self._warned = True
            self._emit(AgentEventType.CONTEXT_WINDOW_WARNING, turn=turn, context_utilization=utilization)
        if (
            self.config.compaction_enabled
            and turn > self._last_compaction_turn
            and utilization >= self.config.compaction_threshold
            and compact_history(self.history)
        ):
            self._last_compaction_turn = turn
            self.result.compactions += 1
            self._emit(AgentEventType.CONTEXT_COMPACTION, turn=turn, context_utilization=utilization)

    async def _execute(self, calls: Sequence[ToolCallPart], turn: int) -> BatchResult:
        """Run the calls and append their results as one tool message."""
        self._current_turn = turn
        batch = await self._runner.run_batch(calls, turn)
        self.history.append(Message.tool_results(batch.results))
        if batch.edits:
            self._edit_landed = True
            self._turn_edits += batch.edits
        return batch

    # ------------------------------------------------------------------ verification

    async def _verify_after_edit(self) -> None:
        cfg = self.config
        if not cfg.verify_after_edit:
            return
        command = cfg.verify_command.strip() or detect_verify_command(self.env.root)
        if not command:
            return
        try:
            retries = cfg.max_verify_retries
            for attempt in range(1, retries + 1):
                run = await run_verify(command, self.env.root, cfg.command_env)
                if run.passed:
                    await self._verify_broad(command, "passed")
                    return
                self.history.append(Message.user(prompts.verify_repair_prompt(command, run.exit_code, run.output)))
                self._emit(
                    AgentEventType.VERIFY,
                    text=f"verify-after-edit: failed (attempt {attempt}/{retries}), injecting repair prompt",
                )
                await self._repair_turn()
            run = await run_verify(command, self.env.root, cfg.command_env)
            if run.passed:
                await self._verify_broad(command, "passed after repairs")
            else:
                self._emit(
                    AgentEventType.VERIFY,
                    text=f"verify-after-edit: max retries ({retries}) exhausted, proceeding",
                )
        except VerifyInfraError as exc:
            self._emit(AgentEventType.ERROR, text=f"verify-after-edit: {exc} (proceeding)")

    async def _verify_broad(self, command: str, how: str) -> None:
        broad = self.config.broad_verify_command.strip()
        if broad:
            run = await run_verify(broad, self.env.root, self.config.command_env)
            command = broad
            if not run.passed:
                self._emit(AgentEventType.VERIFY, text=f"verify-after-edit: failed ({broad})")
                return
        self._emit(AgentEventType.VERIFY, text=f"verify-after-edit: {how} ({command})")

    async def _repair_turn(self) -> None:
        """An LLM call outside the turn budget (turn -1). Unlike the reference, an LLM
        error here fails the session instead of being swallowed."""
        response, lane = await self._complete(-1)
        self._account(response, lane)
        self.history.append(response.message)
        if response.tool_calls:
            await self._execute(response.tool_calls, -1)

    async def _verify_on_breach(self) -> None:
        command = self.config.verify_command.strip()
        if not command:
            self.result.breach_verify = BreachVerify.NOT_RUN
            return
        try:
            run = await run_verify(command, self.env.root, self.config.command_env)
        except VerifyInfraError as exc:
            self.result.breach_verify = BreachVerify.FAILED
            self._emit(AgentEventType.VERIFY, text=f"verify-on-breach: execution error: {exc}")
            return
        if run.passed:
            self.result.breach_verify = BreachVerify.PASSED
            self._emit(AgentEventType.VERIFY, text=f"verify-on-breach: passed ({command})")
        else:
            self.result.breach_verify = BreachVerify.FAILED
            self._emit(AgentEventType.VERIFY, text=f"verify-on-breach: failed (exit {run.exit_code}, {command})")
