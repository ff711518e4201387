"""The well-known context keys: who writes each one and what it means.

One table for the dataflow analysis (which keys a node kind writes), the linter's help
texts, and the language server's hover and completion documentation. Keys with a
``<placeholder>`` segment (``response.<id>``, ``node.<id>.<key>``) are patterns; use
:func:`describe` to look a concrete key up.

Writer kinds are node kinds (``agent``, ``human``, ``tool``, ``parallel``, ``fan_in``,
``manager_loop``, ``subgraph``) plus ``engine`` for keys the run loop itself sets.
"""

from __future__ import annotations

from tracker.dippin.records import record

# Keys a tool command may interpolate (engine spec §3.8 tool-command mode).
COMMAND_SAFE_KEYS = frozenset({"outcome", "preferred_label", "human_response", "interview_answers"})

# Keys a ``writes:`` declaration may not name (the node fails with ``writes_error``).
RESERVED_WRITE_KEYS = frozenset(
    {
        "outcome",
        "preferred_label",
        "human_response",
        "interview_answers",
        "writes_error",
        "writes_warning",
        "tool_marker",
        "tool_marker_error",
        "tool_route",
    }
)
RESERVED_WRITE_PREFIXES = ("inputs.",)

# Keys never copied into ``node.<id>.*`` scope (engine spec §3.1).
UNSCOPED_KEYS = frozenset({"episode_summary", "episode_summaries"})

# Prefixes whose keys the dataflow cannot know statically (engine bookkeeping, values
# injected by a supervisor, fidelity compaction).
DYNAMIC_PREFIXES = ("internal.", "steer.", "summary.")
DYNAMIC_KEYS = frozenset({"completed_summary"})

DEFAULT_QUESTIONS_KEY = "interview_questions"
DEFAULT_ANSWERS_KEY = "interview_answers"


@record(kw_only=False, eq=True, frozen=True)
class ContextKey:
    """One well-known key (or key pattern) of the run context."""

    key: str
    writers: tuple[str, ...]
    meaning: str

    @property
    def is_pattern(self) -> bool:
        return "<" in self.key

    def matches(self, key: str) -> bool:
        if not self.is_pattern:
            return key == self.key
        prefix, _, rest = self.key.partition("<")
        if not key.startswith(prefix) or len(key) == len(prefix):
            return False
        suffix = rest.partition(">")[2]
        if not suffix:
            return True
        return key.endswith(suffix) and len(key) > len(prefix) + len(suffix)


WELL_KNOWN: tuple[ContextKey, ...] = (
    ContextKey("outcome", ("engine",), "Status of the node that ran last: `success`, `fail` or `retry` (from a `STATUS:` line with `auto_status`)."),
    ContextKey("preferred_label", ("engine", "human"), "Routing hint of the node that ran last: the label or `choice` key a human picked; edges whose label or choice equals it are taken."),
    ContextKey("suggested_next_nodes", ("engine", "parallel"), "Comma list of node IDs the last node suggests; a parallel node suggests its join."),
    ContextKey("last_response", ("agent",), "Final assistant message of the most recent agent."),
    ContextKey("response.<id>", ("agent", "human"), "Response of node `<id>`: the agent's final message, or the human reply / interview summary."),
    ContextKey("human_response", ("human",), "What the person typed (freeform), the interview summary, or a timeout marker. Not set in `choice`/`yes_no` mode. One-shot: the first agent after the gate consumes it (later readers see it empty; use `node.<gate>.human_response`)."),
    ContextKey("interview_questions", ("agent",), "Questions for an interview-mode gate (its default `questions_key`); written by an upstream agent by convention, else the gate reads `last_response`."),
    ContextKey("interview_answers", ("human",), "JSON answers of an interview-mode gate (its default `answers_key`)."),
    ContextKey("tool_stdout", ("tool",), "Standard output of the last tool, right-trimmed (tail-kept up to `output_limit`, default 64 KiB)."),
    ContextKey("tool_stderr", ("tool",), "Standard error of the last tool, right-trimmed (tail-kept up to `output_limit`)."),
    ContextKey("tool_marker", ("tool",), "Last `marker_grep` match in the tool's stdout (capture group 1 when the pattern has one); only tools with `marker_grep` set it."),
    ContextKey("tool_marker_error", ("tool",), "Compile error of an invalid `marker_grep` pattern (empty otherwise)."),
    ContextKey("tool_route", ("tool",), "Value of the last `_TRACKER_ROUTE=<value>` line of the tool's stdout (empty when none)."),
    ContextKey("parallel.results", ("parallel",), "JSON array of the branch results of the last parallel node (`node_id`, `status`, `context_updates`, …)."),
    ContextKey("fan_in.policy_detail", ("parallel", "fan_in"), "Verdict of a non-default fan-in policy (`policy all: 2/3 branches succeeded; failed: …`)."),
    ContextKey("last_cost", ("agent",), "Cost in USD of the last agent session (4 decimals), when non-zero."),
    ContextKey("last_turns", ("agent",), "Number of turns of the last agent session, when non-zero."),
    ContextKey("turn_limit_msg", ("agent",), "Explanation written when an agent hit its turn limit."),
    ContextKey("turn_breach_class", ("agent",), "Classification of a turn-limit breach: `pathological`, `verified_green` or `operator_decision`."),
    ContextKey("node_cost_exceeded", ("agent",), "`true` when the per-node cost guard (`max_cost_usd`) fired, else empty."),
    ContextKey("node_no_progress", ("agent",), "`true` when the no-progress guard (`no_progress_turns`) fired, else empty."),
    ContextKey("episode_summary", ("agent",), "Digest of the agent session's tool attempts (never scoped per node)."),
    ContextKey("episode_summaries", ("agent",), "Serialised list of recent session digests carried into retries (never scoped per node)."),
    ContextKey("writes_error", ("agent", "tool", "human"), "Why the node's declared `writes:` could not be extracted (the node failed)."),
    ContextKey("writes_warning", ("agent", "tool", "human"), "Caveat about the node's declared `writes:` extraction (fallback used, extra members)."),
    ContextKey("stack.child.status", ("manager_loop",), "Supervisor view of the child run: `running`, `success`, `failed`, `stop_condition_met`, …"),
    ContextKey("stack.child.cycles", ("manager_loop",), "Number of poll cycles the supervisor has run."),
    ContextKey("stack.child.exit_status", ("manager_loop",), "Final status of the supervised child run."),
    ContextKey("stack.child.outcome", ("manager_loop",), "Outcome of the supervised child (read by `stop_condition`s; the engine reports it through `stack.child.exit_status`)."),
    ContextKey("steer.<key>", ("manager_loop",), "Steering value injected into a supervised child by its manager loop's `steer_context`."),
    ContextKey("graph.goal", ("engine",), "The workflow goal, seeded at start."),
    ContextKey("graph.<attr>", ("engine",), "A graph attribute seeded at start (`graph.workflow_dir`, `graph.llm_model`, `graph.params.<var>`, …)."),
    ContextKey("inputs.<name>", ("engine",), "A declared input value, seeded at start (file and secret inputs hold the staged path)."),
    ContextKey("node.<id>.<key>", ("engine",), "Copy of `<key>` as node `<id>` left it: every key a node writes is also kept under its ID, surviving later overwrites."),
    ContextKey("internal.loop_restart_count", ("engine",), "Number of loop restarts so far (engine-internal store; read as `ctx.internal.loop_restart_count`)."),
    ContextKey("summary.<id>", ("engine",), "First 2000 bytes of node `<id>`'s response, injected under `summary:high` fidelity after a resume."),
    ContextKey("completed_summary", ("engine",), "`<id>: completed` lines, injected under `summary:low` fidelity."),
)

_EXACT: dict[str, ContextKey] = {k.key: k for k in WELL_KNOWN if not k.is_pattern}
_PATTERNS: tuple[ContextKey, ...] = tuple(k for k in WELL_KNOWN if k.is_pattern)


def describe(key: str) -> ContextKey | None:
    """The table entry for a concrete context key (exact entries before patterns)."""
    found = _EXACT.get(key)
    if found is not None:
        return found
    for entry in _PATTERNS:
        if entry.matches(key):
            return entry
    return None


def meaning(key: str) -> str:
    """A one-line meaning for hover and help texts ("" for a free-form key)."""
    entry = describe(key)
    return entry.meaning if entry is not None else ""


def is_dynamic(key: str) -> bool:
    """Keys whose writers cannot be known from the workflow alone."""
    return key in DYNAMIC_KEYS or key.startswith(DYNAMIC_PREFIXES)


def is_reserved_write(key: str) -> bool:
    """Whether ``writes:`` may not declare ``key`` (the runtime fails the node)."""
    return key in RESERVED_WRITE_KEYS or key.startswith(RESERVED_WRITE_PREFIXES)


def scoped_key(node_id: str, key: str) -> str:
    return f"node.{node_id}.{key}"


def split_scoped(key: str) -> tuple[str, str] | None:
    """``node.<id>.<key>`` → ``(id, key)``; node IDs may contain dots, so the key is the
    shortest tail that the caller can match (here: everything after the second dot)."""
    if not key.startswith("node."):
        return None
    rest = key[5:]
    node_id, dot, inner = rest.partition(".")
    if not dot or not node_id or not inner:
        return None
    return node_id, inner
