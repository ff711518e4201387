"""The one typed event stream of a run, and its JSON line form.

Pipeline events (from the engine and the handlers), agent-session events and LLM trace
events are all :class:`Event` objects; ``source`` says which stream an event belongs to.
The wire form (:func:`wire_dict`) is shared by ``activity.jsonl`` and the ``--json``
NDJSON stream: the key names, their order and the "omit when empty" rule follow the
reference (engine spec §7.3.2 and §8.1.3), so one decoder reads both.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

# ----------------------------------------------------------------------------- types

PIPELINE_STARTED = "pipeline_started"
PIPELINE_COMPLETED = "pipeline_completed"
PIPELINE_FAILED = "pipeline_failed"
BUDGET_EXCEEDED = "budget_exceeded"
BILLING_PAUSED = "billing_paused"
CHECKPOINT_SAVED = "checkpoint_saved"
CHECKPOINT_FAILED = "checkpoint_failed"
STAGE_STARTED = "stage_started"
STAGE_COMPLETED = "stage_completed"
STAGE_FAILED = "stage_failed"
STAGE_RETRYING = "stage_retrying"
NODE_MEMO_REPLAYED = "node_memo_replayed"
NODE_COST_LIMIT_EXCEEDED = "node_cost_limit_exceeded"
NODE_NO_PROGRESS_DETECTED = "node_no_progress_detected"
TOOL_OUTPUT_TRUNCATED = "tool_output_truncated"
TOOL_MARKER_MISSING = "tool_marker_missing"
TOOL_ROUTE_MISSING = "tool_route_missing"
AUTO_STATUS_MISSING = "auto_status_missing"
DECISION_OUTCOME = "decision_outcome"
DECISION_CONDITION = "decision_condition"
EDGE_TIEBREAKER = "edge_tiebreaker"
DECISION_EDGE = "decision_edge"
CONDITIONAL_FALLTHROUGH = "conditional_fallthrough"
LOOP_RESTART = "loop_restart"
DECISION_RESTART = "decision_restart"
VALIDATION_OVERRIDDEN = "validation_overridden"
COST_UPDATED = "cost_updated"
PARALLEL_STARTED = "parallel_started"
PARALLEL_COMPLETED = "parallel_completed"
MANAGER_CYCLE_TICK = "manager_cycle_tick"
GATE_OPENED = "gate_opened"
GATE_RESOLVED = "gate_resolved"
WARNING = "warning"
WORK_PRESERVE_FAILED = "work_preserve_failed"
BUNDLE_MISMATCH_FORCED = "bundle_mismatch_forced"

# The complete set of pipeline event types (engine spec §7.4.4).
PIPELINE_EVENT_TYPES: frozenset[str] = frozenset({
    PIPELINE_STARTED, PIPELINE_COMPLETED, PIPELINE_FAILED, BUDGET_EXCEEDED, BILLING_PAUSED,
    CHECKPOINT_SAVED, CHECKPOINT_FAILED, STAGE_STARTED, STAGE_COMPLETED, STAGE_FAILED, STAGE_RETRYING,
    NODE_MEMO_REPLAYED, NODE_COST_LIMIT_EXCEEDED, NODE_NO_PROGRESS_DETECTED, TOOL_OUTPUT_TRUNCATED,
    TOOL_MARKER_MISSING, TOOL_ROUTE_MISSING, AUTO_STATUS_MISSING, DECISION_OUTCOME, DECISION_CONDITION,
    EDGE_TIEBREAKER, DECISION_EDGE, CONDITIONAL_FALLTHROUGH, LOOP_RESTART, DECISION_RESTART,
    VALIDATION_OVERRIDDEN, COST_UPDATED, PARALLEL_STARTED, PARALLEL_COMPLETED, MANAGER_CYCLE_TICK,
    GATE_OPENED, GATE_RESOLVED, WARNING, WORK_PRESERVE_FAILED, BUNDLE_MISMATCH_FORCED,
})  # fmt: skip

TERMINAL_TYPES = frozenset({PIPELINE_COMPLETED, PIPELINE_FAILED, BUDGET_EXCEEDED, BILLING_PAUSED})

SOURCE_PIPELINE = "pipeline"
SOURCE_AGENT = "agent"
SOURCE_LLM = "llm"
SOURCE_CLI = "cli"


# ----------------------------------------------------------------------------- the event


class Event:
    """One line of the stream. Every field except ``type`` is optional.

    Field names are the wire keys. Only the fields given to the constructor are stored on
    the instance (unset ones read the class defaults), so :func:`wire_dict` touches just
    what an event carries. ``ts`` is a POSIX timestamp (seconds); the NDJSON-only
    ``snapshot_*`` fields describe the node list on ``pipeline_started``.
    """

    type: str
    source: str = SOURCE_PIPELINE
    ts: float = 0.0
    run_id: str = ""
    node_id: str = ""
    message: str = ""
    error: str = ""
    provider: str = ""
    model: str = ""
    tool_name: str = ""
    content: str = ""
    bundle_identity: str = ""
    # decision
    edge_from: str = ""
    edge_to: str = ""
    edge_condition: str = ""
    edge_priority: str = ""
    condition_match: bool = False
    outcome_status: str = ""
    context_snapshot: dict[str, str] | None = None
    context_updates: dict[str, str] | None = None
    restart_count: int = 0
    cleared_nodes: list[str] | None = None
    token_input: int = 0
    token_output: int = 0
    # cost snapshot
    total_tokens: int = 0
    total_cost_usd: float = 0.0
    provider_totals: dict[str, dict[str, Any]] | None = None
    wall_elapsed_ms: int = 0
    estimated: bool = False
    # tool output truncation
    trunc_stream: str = ""
    trunc_limit: int = 0
    trunc_captured_bytes: int = 0
    trunc_dropped_bytes: int = 0
    trunc_total_bytes: int = 0
    # conditional fallthrough
    conditions_tried: list[dict[str, str]] | None = None
    # marker / route / auto-status
    marker_pattern: str = ""
    marker_tail: str = ""
    marker_error: str = ""
    route_tail: str = ""
    auto_status_tail: str = ""
    auto_status_fail_closed: bool = False
    # validation override
    override_gate: str = ""
    override_label: str = ""
    override_actor: str = ""
    override_subgraph_path: list[str] | None = None
    # human gates
    gate_id: str = ""
    gate_mode: str = ""
    gate_label: str = ""
    gate_prompt: str = ""
    gate_choices: list[str] | None = None
    gate_questions: list[dict[str, Any]] | None = None
    gate_response: str = ""
    gate_outcome: str = ""
    gate_actor: str = ""
    gate_timed_out: bool = False
    # reconstruction / capture
    session_id: str = ""
    parent_session_id: str = ""
    turn_no: int = 0
    attempt_no: int = 0
    node_kind: str = ""
    tool_input: str = ""
    tool_duration_ms: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    estimated_cost: float = 0.0
    context_utilization: float = 0.0
    tool_cache_hits: int = 0
    tool_cache_misses: int = 0
    turn_duration_ms: int = 0
    call_id: str = ""
    finish_reason: str = ""
    # terminal
    terminal_status: str = ""
    # run snapshot (pipeline_started; NDJSON only)
    snapshot_nodes: list[dict[str, str]] | None = None
    snapshot_start_node: str = ""
    snapshot_exit_node: str = ""
    snapshot_current_node: str = ""
    snapshot_completed_nodes: list[str] | None = None

    def __init__(self, type: str, **fields: Any) -> None:
        if not fields.keys() <= _EVENT_FIELDS:
            unknown = ", ".join(sorted(set(fields) - _EVENT_FIELDS))
            raise TypeError(f"Event has no field(s): {unknown}")
        d = self.__dict__
        d.update(fields)
        d["type"] = type
        if not fields.get("ts"):
            d["ts"] = time.time()

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if k != "type" and k[0] != "_")
        return f"Event({self.type!r}, {shown})"

    @property
    def is_terminal(self) -> bool:
        return bool(self.terminal_status)


# Wire key order (engine spec §7.3.2); ``ts``/``source``/``type`` always come first.
_BODY_KEYS: tuple[str, ...] = (
    "run_id", "node_id", "message", "error", "provider", "model", "tool_name", "content", "bundle_identity",
    "edge_from", "edge_to", "edge_condition", "edge_priority", "condition_match", "outcome_status",
    "context_snapshot", "context_updates", "restart_count", "cleared_nodes", "token_input", "token_output",
    "total_tokens", "total_cost_usd", "provider_totals", "wall_elapsed_ms", "estimated",
    "trunc_stream", "trunc_limit", "trunc_captured_bytes", "trunc_dropped_bytes", "trunc_total_bytes",
    "conditions_tried",
    "marker_pattern", "marker_tail", "marker_error", "route_tail", "auto_status_tail", "auto_status_fail_closed",
    "override_gate", "override_label", "override_actor", "override_subgraph_path",
    "gate_id", "gate_mode", "gate_label", "gate_prompt", "gate_choices", "gate_questions", "gate_response",
    "gate_outcome", "gate_actor", "gate_timed_out",
    "session_id", "parent_session_id", "turn_no", "attempt_no", "node_kind", "tool_input", "tool_duration_ms",
    "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "estimated_cost", "context_utilization",
    "tool_cache_hits", "tool_cache_misses", "turn_duration_ms", "call_id", "finish_reason",
    "terminal_status",
)  # fmt: skip
_SNAPSHOT_KEYS: tuple[str, ...] = (
    "snapshot_nodes", "snapshot_start_node", "snapshot_exit_node", "snapshot_current_node", "snapshot_completed_nodes",
)  # fmt: skip


_EVENT_FIELDS: frozenset[str] = frozenset(k for k in Event.__annotations__ if k != "type")
_ORDER: dict[str, int] = {k: i for i, k in enumerate(("ts", "source", "type", *_BODY_KEYS, *_SNAPSHOT_KEYS))}
_SNAPSHOT_SET = frozenset(_SNAPSHOT_KEYS)


_ts_cache: list[Any] = [-1, "", ""]  # whole second, "YYYY-MM-DDTHH:MM:SS", zone


def format_ts(ts: float) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmm`` in local time plus ``Z`` or ``±HH:MM``."""
    whole = int(ts)
    if whole != _ts_cache[0]:
        lt = time.localtime(whole)
        off = lt.tm_gmtoff or 0
        if off == 0:
            zone = "Z"
        else:
            sign = "+" if off > 0 else "-"
            hours, minutes = divmod(abs(off) // 60, 60)
            zone = f"{sign}{hours:02d}:{minutes:02d}"
        _ts_cache[:] = [whole, time.strftime("%Y-%m-%dT%H:%M:%S", lt), zone]
    return f"{_ts_cache[1]}.{int((ts - whole) * 1000):03d}{_ts_cache[2]}"


def wire_dict(event: Event, *, snapshot: bool = True) -> dict[str, Any]:
    """The JSON object of one line. ``snapshot=False`` leaves out the NDJSON-only keys
    (the activity log does not carry the ``pipeline_started`` node snapshot)."""
    out: dict[str, Any] = {"ts": format_ts(event.ts), "source": event.source, "type": event.type}
    given = event.__dict__
    keys = [k for k in given if k[0] != "_"]
    if given.get("edge_condition") and "condition_match" not in given:
        keys.append("condition_match")
    for key in sorted(keys, key=_ORDER.__getitem__):
        if key in ("ts", "source", "type"):
            continue
        if key == "condition_match":
            if given.get("edge_condition"):
                out[key] = bool(given.get(key, False))
            continue
        if key in _SNAPSHOT_SET and not snapshot:
            continue
        value = given[key]
        if value:
            out[key] = value
    return out


_encode_line = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def to_json_line(event: Event, *, snapshot: bool = True) -> str:
    """Compact JSON plus a newline (raw UTF-8, like the reference). The text is cached on
    the event, so the activity log and the NDJSON stream encode each event once."""
    key = "_line" if snapshot or event.__dict__.get("snapshot_nodes") is None else "_line_log"
    cached: str | None = event.__dict__.get(key)
    if cached is None:
        cached = _encode_line(wire_dict(event, snapshot=snapshot)) + "\n"
        event.__dict__[key] = cached
        if key == "_line" and event.__dict__.get("snapshot_nodes") is None:
            event.__dict__["_line_log"] = cached
    return cached


def from_wire(data: dict[str, Any]) -> Event:
    """Rebuild an event from a decoded line (unknown keys are ignored, ``ts`` parsed)."""
    from tracker.runs.timefmt import parse_ts

    kwargs = {k: v for k, v in data.items() if k in _EVENT_FIELDS and k != "ts"}
    ts = parse_ts(str(data.get("ts", ""))) or 0.0
    return Event(str(data.get("type", "")), ts=ts, **kwargs)


EventSink = Callable[[Event], None]


class NdjsonWriter:
    """The ``--json`` wire format: one compact JSON object per line on a text stream.

    A failed write is reported once on stderr and later ones are ignored, so a closed
    pipe never breaks the run.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._failed = False

    def __call__(self, event: Event) -> None:
        if self._failed:
            return
        try:
            self.stream.write(to_json_line(event))
            self.stream.flush()
        except (OSError, ValueError) as exc:
            self._failed = True
            sys.stderr.write(f"tracker: NDJSON stream write error: {exc}\n")
