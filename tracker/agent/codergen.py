"""The agent-node (``codergen``) logic, independent of the engine (engine spec §4.1).

The engine's handler is a thin adapter over :func:`run_agent_node`::

    # ``prepared`` is the engine's execution copy of the node (stylesheet, ``$name``
    # variables and ``$goal`` already applied, engine spec §2.3.2)
    attrs = apply_prompt_defaults(prepared.attrs, graph.workflow.defaults)
    spec = AgentNodeSpec(node.id, attrs, graph.attrs)      # or AgentNodeSpec.from_ir(...)
    outcome = await run_agent_node(AgentRun(
        spec=spec,
        context=ctx.snapshot(),            # plain dict[str, str], graph.* keys included
        working_dir=run_workdir,           # the run's working directory
        artifact_dir=run_dir,              # <artifact dir>/<run id>, or None
        run_id=run_id,
        client=client,                     # tracker.llm.Client, or None when no keys
        on_event=agent_event_sink,         # AgentEvent -> Event(**e.to_fields())
        backend=services.backend,          # --backend (only native is available)
        bypass_command_policy=safety.bypass_denylist,
        extra_denylist=safety.denylist_add,
    ))

Contract for the adapter:

* **Return** — an :class:`AgentOutcome`: ``status`` (``success``/``fail``/``retry``),
  ``context_updates`` (merge with dirty writes), ``preferred_label`` and
  ``suggested_next_nodes`` (always empty for agent nodes), ``stats`` (same field names as
  the engine's ``NodeStats``), ``auto_status_missing`` (``tail``, ``fail_closed``: emit
  ``auto_status_missing``), ``notices`` (pipeline events to emit after the node:
  ``node_cost_limit_exceeded``, ``node_no_progress_detected``). ``prompt.md``,
  ``response.md`` and ``status.json`` are already written.
* **Raise** — :class:`AgentNodeError` for a handler error (bad attributes, missing
  prompt, no provider, unsupported backend or jail, non-retryable provider errors such as
  authentication or context length); :class:`tracker.llm.BillingPauseError` for exhausted
  credit (the run pauses with ``paused_billing``). No artifacts are written for either.
  ``asyncio.CancelledError`` propagates.

Context keys written (§3.2, §4.1.4): ``last_response``, ``response.<node>``,
``node_cost_exceeded``, ``node_no_progress``, ``episode_summary``, ``episode_summaries``,
and when they apply ``turn_limit_msg``, ``turn_breach_class``, ``last_cost`` (USD, 4
decimals), ``last_turns``, declared ``writes:`` keys, ``writes_error``, ``writes_warning``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tracker.agent.auto_status import parse_status, response_tail
from tracker.agent.config import SessionConfig, SessionConfigError
from tracker.agent.episodes import dump_summaries, parse_summaries
from tracker.agent.events import AgentEvent, AgentEventSink
from tracker.agent.jail import JailError
from tracker.agent.node_prompt import (
    DEFAULT_INJECTION_CAP,
    FIDELITY_LEVELS,
    build_prompt,
    runtime_block,
    truncate_runes,
)
from tracker.agent.node_settings import (
    AgentNodeError,
    AgentNodeSpec,
    NodeSettings,
    apply_prompt_defaults,
    graph_denylist,
    session_config,
)
from tracker.agent.result import BreachVerify, SessionResult
from tracker.agent.session import Session
from tracker.agent.tools.policy import CommandPolicy
from tracker.agent.transcript import TranscriptRecorder, session_summary
from tracker.agent.writes import extract_writes
from tracker.llm.client import BillingPauseError, Client
from tracker.llm.errors import ConfigurationError, find_provider_error, is_billing_error

__all__ = [
    "AgentNodeError",
    "AgentNodeSpec",
    "AgentOutcome",
    "AgentRun",
    "AgentStats",
    "AutoStatusMissing",
    "Notice",
    "apply_prompt_defaults",
    "run_agent_node",
]

SUCCESS, FAIL, RETRY = "success", "fail", "retry"
NATIVE_BACKENDS = ("", "native", "codergen")
OTHER_BACKENDS = ("claude-code", "acp")
NO_PROVIDER_HINT = (
    "no LLM provider is configured: set ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY "
    "or OPENAI_COMPAT_API_KEY (or run `tracker setup`), then check with `tracker doctor`"
)


@dataclass(slots=True)
class AgentRun:
    """Everything one execution of an agent node needs."""

    spec: AgentNodeSpec
    context: Mapping[str, str]
    working_dir: Path
    client: Client | None
    artifact_dir: Path | None = None
    run_id: str = ""
    on_event: AgentEventSink | None = None
    backend: str = "native"
    """The run-wide default backend (``--backend``)."""
    command_policy: CommandPolicy | None = None
    """``None`` = the default policy plus the workflow's ``tool_denylist_add`` globs."""
    bypass_command_policy: bool = False
    extra_denylist: Sequence[str] = ()
    today: date | None = None


@dataclass(slots=True)
class AgentStats:
    """Usage of the node's session; field names match the engine's ``NodeStats``."""

    provider: str = ""
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    turns: int = 0
    tool_calls: dict[str, int] = field(default_factory=dict)
    estimated: bool = False
    sessions: int = 1


@dataclass(frozen=True, slots=True)
class AutoStatusMissing:
    tail: str
    fail_closed: bool


@dataclass(frozen=True, slots=True)
class Notice:
    """A pipeline event the engine emits for this node (``type`` and ``message``)."""

    type: str
    message: str


@dataclass(slots=True)
class AgentOutcome:
    status: str
    context_updates: dict[str, str] = field(default_factory=dict)
    preferred_label: str = ""
    suggested_next_nodes: list[str] = field(default_factory=list)
    stats: AgentStats | None = None
    auto_status_missing: AutoStatusMissing | None = None
    notices: list[Notice] = field(default_factory=list)
    prompt: str = ""
    session: SessionResult | None = None

    def status_json(self) -> dict[str, Any]:
        """The ``status.json`` document (§4.1.6, §7.5)."""
        data: dict[str, Any] = {"outcome": self.status}
        if self.preferred_label:
            data["preferred_next_label"] = self.preferred_label
        if self.suggested_next_nodes:
            data["suggested_next_ids"] = list(self.suggested_next_nodes)
        if self.context_updates:
            data["context_updates"] = dict(sorted(self.context_updates.items()))
        return data


# ---------------------------------------------------------------------------- prompt


def _fidelity(settings: NodeSettings) -> str:
    for value in (settings.node("fidelity"), settings.graph_text("default_fidelity")):
        if value in FIDELITY_LEVELS:
            return value
    return "full"


def _injection_cap(settings: NodeSettings) -> int:
    text = settings.either("injection_cap")
    if not text:
        return DEFAULT_INJECTION_CAP
    cap = settings.integer("injection_cap", text)
    return DEFAULT_INJECTION_CAP if cap == 0 else cap


def resolve_prompt(settings: NodeSettings) -> str:
    """The node's prompt with references, ``$goal`` and the pipeline context (§4.1.1)."""
    prompt = settings.spec.attrs.get("prompt", "")
    if not prompt.strip():
        raise AgentNodeError(f'node "{settings.node_id}" has no prompt')
    context = dict(settings.context)
    truncate_text = settings.node("last_response_truncate")
    if truncate_text:
        limit = settings.integer("last_response_truncate", truncate_text)
        if limit < 0:
            raise AgentNodeError(
                f'node "{settings.node_id}": last_response_truncate must be >= 0, got {limit}'
            )
        context["last_response"] = truncate_runes(context.get("last_response", ""), limit)
    return build_prompt(
        prompt,
        context,
        settings.graph,
        fidelity=_fidelity(settings),
        injection_cap=_injection_cap(settings),
        reads=settings.reads(),
    )


# ---------------------------------------------------------------------------- running


def _backend(settings: NodeSettings, run: AgentRun) -> None:
    backend = (settings.node("backend") or run.backend or "native").lower()
    if backend in NATIVE_BACKENDS:
        return
    if backend in OTHER_BACKENDS:
        raise AgentNodeError(
            f'node "{settings.node_id}": backend "{backend}" is not available in this build; '
            "use the native backend (remove `backend:` or set it to native)"
        )
    raise AgentNodeError(
        f'node "{settings.node_id}": unknown backend "{backend}" (valid: native, claude-code, acp)'
    )


def _policy(settings: NodeSettings, run: AgentRun) -> CommandPolicy | None:
    if run.bypass_command_policy:
        return None
    if run.command_policy is not None:
        return run.command_policy
    return CommandPolicy.default(extra_deny=[*run.extra_denylist, *graph_denylist(settings)])


def _fanout(*sinks: AgentEventSink | None) -> AgentEventSink:
    active = [s for s in sinks if s is not None]

    def emit(event: AgentEvent) -> None:
        for sink in active:
            sink(event)

    return emit


async def run_agent_node(run: AgentRun) -> AgentOutcome:
    """Execute one agent node: build the prompt, run a session, build the outcome and
    write the node's artifacts. See the module docstring for the contract."""
    settings = NodeSettings(run.spec, run.context)
    node_id = settings.node_id
    resolved = resolve_prompt(settings)
    _backend(settings, run)
    if run.client is None:
        raise AgentNodeError(f'node "{node_id}": {NO_PROVIDER_HINT}')
    config = session_config(
        settings,
        run_working_dir=run.working_dir,
        default_provider=run.client.default_provider,
        command_policy=_policy(settings, run),
    )
    prompt = runtime_block(Path(config.working_dir), run.run_id, node_id, run.today or date.today()) + resolved
    transcript = TranscriptRecorder()
    try:
        session = Session(config, run.client, node_id=node_id, on_event=_fanout(transcript, run.on_event))
    except (SessionConfigError, JailError) as exc:
        raise AgentNodeError(f'node "{node_id}": {exc}') from exc
    result = await session.run(prompt)
    if result.error is not None:
        _raise_if_fatal(result.error, run.client, node_id)
    outcome = build_outcome(settings, config, result)
    outcome.prompt = prompt
    outcome.session = result
    write_artifacts(_artifact_root(run) / node_id, prompt, transcript, result, outcome)
    return outcome


def _raise_if_fatal(error: BaseException, client: Client, node_id: str) -> None:
    """Billing → pause; configuration and non-retryable provider errors → handler error.
    Everything else becomes a ``retry`` outcome (§4.1.5)."""
    if is_billing_error(error):
        pause = client.billing_pause(error)
        raise pause if pause is not None else BillingPauseError(error, "", "")
    if isinstance(error, ConfigurationError):
        raise AgentNodeError(f'node "{node_id}": {error}') from error
    provider_error = find_provider_error(error)
    if provider_error is not None and not provider_error.retryable:
        raise AgentNodeError(f'node "{node_id}": {provider_error.kind.value} error from {provider_error.provider}: {error}') from error


def _artifact_root(run: AgentRun) -> Path:
    return run.artifact_dir if run.artifact_dir is not None else run.working_dir


# ---------------------------------------------------------------------------- outcome


def _stats(result: SessionResult, config: SessionConfig) -> AgentStats:
    usage = result.usage
    return AgentStats(
        provider=result.provider or config.provider,
        model=config.model,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens or 0,
        cache_write_tokens=usage.cache_write_tokens or 0,
        reasoning_tokens=usage.reasoning_tokens or 0,
        cost_usd=result.cost_usd,
        turns=result.turns,
        tool_calls=dict(result.tool_calls),
    )


def _episode_updates(settings: NodeSettings, result: SessionResult) -> dict[str, str]:
    prior = parse_summaries(settings.context.get("episode_summaries", ""))
    summaries = [*prior, result.episode_summary] if result.episode_summary.strip() else prior
    return {"episode_summary": result.episode_summary, "episode_summaries": dump_summaries(summaries)}


def _usage_updates(result: SessionResult) -> dict[str, str]:
    updates: dict[str, str] = {}
    if result.cost_usd > 0:
        updates["last_cost"] = f"{result.cost_usd:.4f}"
    if result.turns > 0:
        updates["last_turns"] = str(result.turns)
    return updates


def _message_outcome(settings: NodeSettings, result: SessionResult, status: str, message: str) -> AgentOutcome:
    node_id = settings.node_id
    updates = {"last_response": message, f"response.{node_id}": message}
    updates.update(_episode_updates(settings, result))
    return AgentOutcome(status, updates)


def build_outcome(settings: NodeSettings, config: SessionConfig, result: SessionResult) -> AgentOutcome:
    """The node's outcome from a finished session (§4.1.4, §4.1.5)."""
    stats = _stats(result, config)
    outcome = _classify(settings, config, result)
    outcome.stats = stats
    return outcome


def _classify(settings: NodeSettings, config: SessionConfig, result: SessionResult) -> AgentOutcome:
    node_id = settings.node_id
    if result.error is not None:
        return _message_outcome(settings, result, RETRY, f'node "{node_id}": agent session failed: {result.error}')
    if result.cost_exceeded:
        message = (
            f'node "{node_id}": session cost ${result.cost_usd:.4f} exceeded max_cost_usd '
            f"${config.max_cost_usd:.4f}"
        )
        status = FAIL if settings.node("cost_exceeded_action").lower() == "fail" else RETRY
        outcome = _message_outcome(settings, result, status, message)
        outcome.context_updates.update(node_cost_exceeded="true", node_no_progress="")
        outcome.notices.append(
            Notice(
                "node_cost_limit_exceeded",
                f'node "{node_id}": per-node cost ceiling exceeded (cost={result.cost_usd:.4f} USD)',
            )
        )
        return outcome
    if result.no_progress:
        message = (
            f'node "{node_id}": no-progress detected ({config.no_progress_turns} consecutive '
            "turns with no tool calls)"
        )
        outcome = _message_outcome(settings, result, RETRY, message)
        outcome.context_updates.update(node_no_progress="true", node_cost_exceeded="")
        outcome.notices.append(Notice("node_no_progress_detected", message))
        return outcome
    text = result.final_text
    if not text.strip() and result.total_tool_calls == 0:
        if result.turns == 0:
            message = (
                f'node "{node_id}": the agent session made no turns and produced no output — '
                f"check the provider and model configuration (provider={config.provider}, "
                f"model={config.model})"
            )
            return _message_outcome(settings, result, FAIL, message)
        if result.usage.output_tokens == 0:
            message = f'node "{node_id}": the model returned an empty response (0 output tokens)'
            return _message_outcome(settings, result, RETRY, message)
    return _completed(settings, config, result)


def _completed(settings: NodeSettings, config: SessionConfig, result: SessionResult) -> AgentOutcome:
    node_id = settings.node_id
    text = result.final_text
    updates: dict[str, str] = {
        "last_response": text,
        f"response.{node_id}": text,
        "node_cost_exceeded": "",
        "node_no_progress": "",
    }
    status = SUCCESS
    missing: AutoStatusMissing | None = None
    breach_class = ""
    if result.max_turns_used:
        if result.loop_detected:
            updates["turn_limit_msg"] = (
                f'node "{node_id}": stopped at turn {result.turns} because the same tool calls '
                f"repeated {config.loop_detection_threshold} times (loop detected; counts as a "
                "turn limit breach)"
            )
        else:
            updates["turn_limit_msg"] = (
                f'node "{node_id}": agent hit its turn limit ({config.max_turns} turns) before finishing'
            )
        policy = (settings.either("turn_breach_policy") or "guard").lower()
        if policy == "fail":
            status = FAIL
        elif result.loop_detected:
            status, breach_class = FAIL, "pathological"
        elif result.breach_verify is BreachVerify.PASSED:
            status, breach_class = SUCCESS, "verified_green"
        else:
            status, breach_class = FAIL, "operator_decision"
    elif settings.flag("auto_status"):
        parsed = parse_status(text)
        if parsed is not None:
            status = parsed
        else:
            fail_closed = settings.flag("goal_gate")
            status = FAIL if fail_closed else SUCCESS
            missing = AutoStatusMissing(response_tail(text), fail_closed)
    declared = settings.writes()
    if declared:
        writes = extract_writes(declared, text)
        updates.update(writes.values)
        if writes.warning:
            updates["writes_warning"] = writes.warning
        if writes.error:
            updates["writes_error"] = writes.error
            status = FAIL
            if breach_class == "verified_green":
                breach_class = "operator_decision"
    if breach_class:
        updates["turn_breach_class"] = breach_class
    updates.update(_episode_updates(settings, result))
    updates.update(_usage_updates(result))
    return AgentOutcome(status, updates, auto_status_missing=missing)


# ---------------------------------------------------------------------------- artifacts


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def write_artifacts(
    node_dir: Path, prompt: str, transcript: TranscriptRecorder, result: SessionResult, outcome: AgentOutcome
) -> None:
    """``prompt.md``, ``response.md`` (transcript + session summary) and ``status.json``.
    A write failure is a handler error, as in the reference (§7.5)."""
    body = transcript.render() if not transcript.empty else (
        result.final_text or outcome.context_updates.get("last_response", "")
    )
    try:
        node_dir.mkdir(parents=True, exist_ok=True, mode=0o755)
        _write(node_dir / "prompt.md", prompt)
        _write(node_dir / "response.md", body + "\n\n" + session_summary(result))
        _write(node_dir / "status.json", json.dumps(outcome.status_json(), indent=2, ensure_ascii=False))
    except OSError as exc:
        raise AgentNodeError(f"cannot write node artifacts in {node_dir}: {exc}") from exc
