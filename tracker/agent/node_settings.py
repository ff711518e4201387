"""An agent node's settings: its attributes, the graph's, and the session configuration
they produce (engine spec §1.3.4, §1.3.7, §4.1.2).

Settings are read from string attributes named as in the reference adapter
(``llm_model``, ``command_timeout``, ``max_cost_usd``, …), node first, then graph. The
engine passes its runtime node's attributes directly; :meth:`AgentNodeSpec.from_ir`
builds the same attributes from a parsed workflow (including the workflow ``defaults``
prompt cascade and the ``stylesheet``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tracker.agent.config import (
    DEFAULT_COMPACTION_THRESHOLD,
    DEFAULT_MODEL,
    SessionConfig,
    parse_fallbacks,
)
from tracker.agent.episodes import parse_summaries
from tracker.agent.prompts import COMMIT_ONLY_GUARD
from tracker.agent.tools.policy import CommandPolicy
from tracker.dippin.ir import AgentNode, Defaults, StyleRule, Workflow
from tracker.dippin.values import ValueError_, format_duration, parse_duration, split_list
from tracker.llm.catalog import provider_for_model

TRUE_WORDS = frozenset({"true", "1", "yes", "y", "on"})
MAX_TURN_OVERRIDE = 1000
_SAFE_NODE_ID = re.compile(r"^[A-Za-z0-9._-]+$")
_SPECIFICITY = {"universal": 0, "kind": 1, "class": 2, "id": 3}
_STYLE_KEYS = {
    "model": "llm_model",
    "llm_model": "llm_model",
    "provider": "llm_provider",
    "llm_provider": "llm_provider",
    "reasoning_effort": "reasoning_effort",
}
DEFAULT_MODEL_BY_PROVIDER = {
    "anthropic": DEFAULT_MODEL,
    "openai": "gpt-5.4",
    "gemini": "gemini-2.5-pro",
}
"""Model used when neither the node nor the workflow names one (see :func:`model_and_provider`)."""


class AgentNodeError(Exception):
    """The node cannot run at all (missing prompt, bad attribute, no provider, …): a
    handler error, which stops the run (engine spec §2.3.3)."""


# ---------------------------------------------------------------------------- the spec


@dataclass(frozen=True, slots=True)
class AgentNodeSpec:
    """An agent node as string attributes (node and graph level)."""

    node_id: str
    attrs: Mapping[str, str]
    graph_attrs: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_ir(
        cls,
        node: AgentNode,
        workflow: Workflow,
        *,
        workflow_dir: str | Path | None = None,
        overrides: Mapping[str, str] | None = None,
    ) -> AgentNodeSpec:
        """Flatten a parsed agent node. ``overrides`` (e.g. a parallel branch's
        ``llm_model``/``fidelity``/``tool_access``…) replace attributes when non-empty."""
        attrs = _ir_attrs(node, workflow)
        apply_stylesheet(attrs, node, workflow.stylesheet)
        for key, value in (overrides or {}).items():
            if value:
                attrs[key] = value
        return cls(node.id, attrs, workflow_graph_attrs(workflow, workflow_dir))


def _put(attrs: dict[str, str], key: str, value: object) -> None:
    if isinstance(value, bool):
        if value:
            attrs[key] = "true"
    elif isinstance(value, int):
        if value > 0:
            attrs[key] = str(value)
    elif value:
        attrs[key] = str(value)


def apply_prompt_defaults(attrs: Mapping[str, str], defaults: Defaults) -> dict[str, str]:
    """The workflow ``defaults`` prompt cascade (Ext v0.62+): ``system_prompt`` for agents
    that set none; ``prompt_prefix``/``prompt_suffix`` joined to an agent's own prompt with
    a blank line (agents without a prompt get neither)."""
    out = dict(attrs)
    prompt = out.get("prompt", "")
    if prompt.strip() and (defaults.prompt_prefix or defaults.prompt_suffix):
        out["prompt"] = "\n\n".join(p for p in (defaults.prompt_prefix, prompt, defaults.prompt_suffix) if p)
    if not out.get("system_prompt") and defaults.system_prompt:
        out["system_prompt"] = defaults.system_prompt
    return out


def _ir_attrs(node: AgentNode, workflow: Workflow) -> dict[str, str]:
    attrs: dict[str, str] = {}
    _put(attrs, "label", node.label)
    _put(attrs, "prompt", node.prompt)
    _put(attrs, "system_prompt", node.system_prompt)
    _put(attrs, "llm_model", node.model)
    _put(attrs, "llm_provider", node.provider)
    _put(attrs, "max_turns", node.max_turns)
    if node.cmd_timeout:
        attrs["command_timeout"] = format_duration(node.cmd_timeout)
    if node.cache_tools is not None:
        attrs["cache_tool_results"] = "true" if node.cache_tools else "false"
    _put(attrs, "context_compaction", node.compaction)
    if node.compaction_threshold:
        attrs["context_compaction_threshold"] = f"{node.compaction_threshold:.2f}"
    _put(attrs, "last_response_truncate", node.last_response_truncate)
    _put(attrs, "reasoning_effort", node.reasoning_effort)
    _put(attrs, "fidelity", node.fidelity)
    _put(attrs, "auto_status", node.auto_status)
    _put(attrs, "goal_gate", node.goal_gate)
    _put(attrs, "response_format", node.response_format)
    _put(attrs, "response_schema", node.response_schema)
    _put(attrs, "backend", node.backend)
    _put(attrs, "working_dir", node.working_dir)
    if node.writable_paths or "writable_paths" in node.fields or "writable_paths" in node.params:
        attrs["writable_paths"] = ",".join(node.writable_paths)
    _put(attrs, "tool_access", node.tool_access)
    _put(attrs, "reads", ",".join(node.reads))
    _put(attrs, "writes", ",".join(node.writes))
    for key, value in node.params.items():
        attrs.setdefault(key, value)
    return apply_prompt_defaults(attrs, workflow.defaults)


def _selector_matches(rule: StyleRule, node: AgentNode) -> bool:
    selector = rule.selector
    if selector.kind == "universal":
        return True
    if selector.kind == "kind":
        return selector.value in ("agent", "box")
    if selector.kind == "class":
        return selector.value in node.classes
    return selector.value == node.id


def apply_stylesheet(attrs: dict[str, str], node: AgentNode, rules: list[StyleRule]) -> None:
    """Fill model/provider/reasoning effort from matching rules (most specific wins),
    never overwriting what the node sets itself."""
    styled: dict[str, str] = {}
    ordered = sorted(rules, key=lambda r: _SPECIFICITY.get(r.selector.kind, 0))
    for rule in ordered:
        if _selector_matches(rule, node):
            for key, value in rule.properties.items():
                target = _STYLE_KEYS.get(key.strip())
                if target and value.strip():
                    styled[target] = value.strip().strip("\"'").rstrip(";")
    for key, value in styled.items():
        attrs.setdefault(key, value)


def workflow_graph_attrs(workflow: Workflow, workflow_dir: str | Path | None = None) -> dict[str, str]:
    """The graph attributes codergen reads, from a parsed workflow."""
    defaults = workflow.defaults
    attrs: dict[str, str] = {}
    _put(attrs, "goal", workflow.goal)
    _put(attrs, "llm_model", defaults.model)
    _put(attrs, "llm_provider", defaults.provider)
    _put(attrs, "default_fidelity", defaults.fidelity)
    if defaults.cache_tools:
        attrs["cache_tool_results"] = "true"
    _put(attrs, "context_compaction", defaults.compaction)
    _put(attrs, "tool_denylist_add", defaults.tool_denylist_add)
    for name, var in workflow.vars.items():
        attrs[f"params.{name}"] = var.value
    if workflow_dir is not None:
        attrs["workflow_dir"] = str(workflow_dir)
    return attrs


# ---------------------------------------------------------------------------- reading values


class NodeSettings:
    """Typed reads over a spec's attributes; graph values come from the run context's
    ``graph.*`` keys first (the engine seeds them), then from the spec."""

    def __init__(self, spec: AgentNodeSpec, context: Mapping[str, str]) -> None:
        self.spec = spec
        self.context = context

    @property
    def node_id(self) -> str:
        return self.spec.node_id

    def node(self, key: str) -> str:
        return self.spec.attrs.get(key, "").strip()

    def has_node(self, key: str) -> bool:
        return key in self.spec.attrs

    def graph(self, key: str) -> str | None:
        value = self.context.get("graph." + key)
        if value is not None:
            return value
        return self.spec.graph_attrs.get(key)

    def graph_text(self, key: str) -> str:
        return (self.graph(key) or "").strip()

    def either(self, key: str, graph_key: str | None = None) -> str:
        return self.node(key) or self.graph_text(graph_key or key)

    def flag(self, key: str, *, graph: bool = False) -> bool:
        value = self.node(key) or (self.graph_text(key) if graph else "")
        return value.lower() in TRUE_WORDS

    def _fail(self, key: str, value: str, expected: str) -> AgentNodeError:
        return AgentNodeError(f'node "{self.node_id}": attribute {key}={value!r} is not {expected}')

    def integer(self, key: str, value: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise self._fail(key, value, "an integer") from None

    def number(self, key: str, value: str) -> float:
        try:
            return float(value)
        except ValueError:
            raise self._fail(key, value, "a number") from None

    def duration_seconds(self, key: str, value: str) -> float:
        try:
            return parse_duration(value) / 1e9
        except (ValueError_, ValueError):
            raise self._fail(key, value, "a duration such as 90s or 2m") from None

    def node_or_graph_number(self, key: str) -> float:
        """Node value when set (0 disables an inherited graph value), else graph."""
        if self.node(key):
            return self.number(key, self.node(key))
        graph_value = self.graph_text(key)
        return self.number(key, graph_value) if graph_value else 0.0

    def reads(self) -> list[str]:
        return [k.strip() for k in self.node("reads").split(",") if k.strip()]

    def writes(self) -> list[str]:
        return [k.strip() for k in self.node("writes").split(",") if k.strip()]


# ---------------------------------------------------------------------------- resolution


def model_and_provider(settings: NodeSettings, default_provider: str | None) -> tuple[str, str]:
    """Model and provider for the session (Appendix D.13): the node's provider; else, for
    a node that names a model, the catalog's provider for it; else the workflow's provider;
    else the catalog's provider for the model; else the client's default provider."""
    node_model, node_provider = settings.node("llm_model"), settings.node("llm_provider")
    graph_model, graph_provider = settings.graph_text("llm_model"), settings.graph_text("llm_provider")
    model = node_model or graph_model
    provider = node_provider
    if not provider and node_model:
        provider = provider_for_model(node_model) or ""
    provider = provider or graph_provider
    if not model:
        base = provider or default_provider or "anthropic"
        model = DEFAULT_MODEL_BY_PROVIDER.get(base, DEFAULT_MODEL)
    provider = provider or provider_for_model(model) or default_provider or "anthropic"
    return model, provider


def turn_override(working_dir: Path, node_id: str, configured: int) -> int:
    """Raise ``configured`` from ``.tracker/turn_overrides/<node>`` (never lower it)."""
    if not _SAFE_NODE_ID.match(node_id) or node_id in (".", ".."):
        return configured
    path = working_dir / ".tracker" / "turn_overrides" / node_id
    try:
        value = int(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return configured
    return value if configured < value <= MAX_TURN_OVERRIDE else configured


def writable_paths(settings: NodeSettings) -> list[str] | None:
    if not settings.has_node("writable_paths"):
        return None
    text = settings.spec.attrs["writable_paths"]
    return [] if not text.strip() else [g.strip() for g in text.split(",")]


def session_config(
    settings: NodeSettings,
    *,
    run_working_dir: Path,
    default_provider: str | None,
    command_policy: CommandPolicy | None,
) -> SessionConfig:
    """The session configuration of one agent node (§4.1.2)."""
    node_id = settings.node_id
    model, provider = model_and_provider(settings, default_provider)
    cfg = SessionConfig(model=model, provider=provider)
    cfg.fallbacks = parse_fallbacks(settings.either("llm_fallbacks"))

    system_prompt = settings.spec.attrs.get("system_prompt", "")
    if settings.flag("commit_only"):
        system_prompt = COMMIT_ONLY_GUARD + ("\n\n" + system_prompt if system_prompt else "")
    cfg.system_prompt = system_prompt

    if settings.node("max_turns"):
        turns = settings.integer("max_turns", settings.node("max_turns"))
        if turns > 0:
            cfg.max_turns = turns
    cfg.max_turns = turn_override(run_working_dir, node_id, cfg.max_turns)

    cost = settings.node_or_graph_number("max_cost_usd")
    if cost < 0:
        raise settings._fail("max_cost_usd", str(cost), "a non-negative number")
    cfg.max_cost_usd = cost
    no_progress = settings.node_or_graph_number("no_progress_turns")
    if no_progress < 0 or not float(no_progress).is_integer():
        raise settings._fail("no_progress_turns", str(no_progress), "a non-negative integer")
    cfg.no_progress_turns = int(no_progress)

    if settings.node("command_timeout"):
        seconds = settings.duration_seconds("command_timeout", settings.node("command_timeout"))
        if seconds > 0:
            cfg.command_timeout = min(seconds, cfg.max_command_timeout)
    cfg.reasoning_effort = settings.either("reasoning_effort")
    cfg.response_format = settings.node("response_format")
    cfg.response_schema = settings.spec.attrs.get("response_schema", "")
    if cfg.response_format == "json_schema" and cfg.response_schema.strip():
        try:
            json.loads(cfg.response_schema)
        except ValueError as exc:
            raise AgentNodeError(f'node "{node_id}": response_schema is not valid JSON: {exc}') from exc

    cache = settings.node("cache_tool_results") or settings.graph_text("cache_tool_results")
    cfg.cache_tool_results = cache.lower() == "true"
    compaction = settings.node("context_compaction") or settings.graph_text("context_compaction")
    if compaction == "auto":
        cfg.context_compaction = "auto"
        threshold = settings.node("context_compaction_threshold")
        cfg.compaction_threshold = (
            settings.number("context_compaction_threshold", threshold) if threshold else DEFAULT_COMPACTION_THRESHOLD
        )
    cfg.reflect_on_error = settings.node("reflect_on_error").lower() != "false"
    cfg.verify_after_edit = settings.either("verify_after_edit").lower() == "true"
    cfg.verify_command = settings.either("verify_command")
    retries_text = settings.either("max_verify_retries")
    if retries_text:
        retries = settings.integer("max_verify_retries", retries_text)
        if retries > 0:
            cfg.max_verify_retries = retries
    policy = (settings.either("turn_breach_policy") or "guard").lower()
    cfg.verify_on_breach = policy != "fail"
    cfg.plan_before_execute = (
        settings.flag("plan_before_execute") or settings.flag("plan") or settings.flag("plan_before_execute", graph=True)
    )
    cfg.tool_access = settings.node("tool_access")
    cfg.writable_paths = writable_paths(settings)
    cfg.prior_episode_summaries = parse_summaries(settings.context.get("episode_summaries", ""))
    working = settings.node("working_dir")
    cfg.working_dir = str((run_working_dir / working).resolve() if working else run_working_dir)
    cfg.command_policy = command_policy
    return cfg


def graph_denylist(settings: NodeSettings) -> list[str]:
    return split_list(settings.graph_text("tool_denylist_add")) if settings.graph_text("tool_denylist_add") else []
