"""Why a run did not succeed, in words a person can act on (engine spec §8.7.4).

:func:`classify` turns a finished run into a :class:`FailureCause`: an icon and title
(billing 💳, authentication 🔑, rate limit ⏳, network 🌐, provider timeout ⏱️, context
length 📏, configuration ⚙️, content filter 🛑, turn limit ⏱️, no progress 🔁, else
``✗ Run failed``), the error detail with the engine's wrapping prefixes stripped, and
next steps. The text looked at is the run's error plus, when the run stopped because a
node failed, that node's own failure message from the context (``response.<node>`` or
``turn_limit_msg``), where provider errors of agent nodes are recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.engine.api import RunResult

_PREFIXES = ("pipeline execution: ", "pipeline finished with status: ")
_NODE_PREFIX = re.compile(r'^(?:handler error at node|node) "[^"]*": ')


@dataclass(frozen=True)
class FailureCause:
    icon: str
    title: str
    detail: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.icon} {self.title}"


def strip_error(text: str) -> str:
    """The error without ``pipeline execution:``, ``pipeline finished with status:``,
    ``handler error at node "<id>":`` and ``node "<id>":`` prefixes."""
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix):
                text, changed = text[len(prefix) :], True
        stripped = _NODE_PREFIX.sub("", text, count=1)
        if stripped != text:
            text, changed = stripped, True
    return text


def failed_node_message(result: RunResult) -> str:
    """The failure message the last failing node left in the context, or ``""``."""
    if not result.trace:
        return ""
    last = result.trace[-1]
    if last.status == "success":
        return ""
    mark = f'node "{last.node_id}"'
    for key in (f"response.{last.node_id}", "turn_limit_msg"):
        text = result.context.get(key, "")
        if text.startswith(mark):
            return text
    return ""


@dataclass(frozen=True)
class _Rule:
    icon: str
    title: str
    markers: tuple[str, ...]
    """Lower-case text that identifies the class."""
    step: str


_AUTH = _Rule(
    "🔑", "Authentication failed",
    ("authentication_error", "invalid_api_key", "invalid x-api-key", "incorrect api key", "api key not valid"),
    "check the provider key (rotate it if needed), then run `tracker doctor --probe`",
)
_DENIED = _Rule(
    "🔑", "Access denied",
    ("permission_error", "does not have access"),
    "the key is valid but may not use this model or endpoint; check the account's access",
)
_RATE = _Rule(
    "⏳", "Rate limited by the provider",
    ("rate_limit", "rate limit", "too many requests", "resource_exhausted"),
    "wait a little, then resume",
)
_CONTEXT = _Rule(
    "📏", "Context too long",
    ("context_length", "context length", "prompt is too long", "maximum context", "too many tokens"),
    "shorten the prompt or the injected context (fidelity, last_response_truncate), or use a model with a larger window",
)
_FILTER = _Rule(
    "🛑", "Blocked by the provider's content filter",
    ("content_filter", "content_policy", "content filter"),
    "rephrase the prompt; the provider refused the content",
)
_CONFIG = _Rule(
    "⚙️", "Configuration problem",
    ("no llm provider is configured", "cannot set up the llm client", "unknown provider", "unknown backend",
     "model_not_found", "is not available in this build", "has no prompt"),
    "check the node's model and provider settings, and run `tracker doctor`",
)  # fmt: skip
_NETWORK = _Rule(
    "🌐", "Network problem reaching the provider",
    ("network error", "connection refused", "connection reset", "name or service not known",
     "temporary failure in name resolution", "stream read failed"),
    "check the connection (proxy, VPN, base URL), then resume",
)  # fmt: skip
_TIMEOUT = _Rule(
    "⏱️", "Provider timed out",
    ("request_timeout", "stream idle timeout", "read timeout"),
    "the provider did not answer in time; resume to try again",
)
_TURNS = _Rule(
    "⏱️", "Agent hit its turn limit",
    ("hit its turn limit", "turn limit breach"),
    "raise max_turns on the node, or split the task",
)
_STALLED = _Rule(
    "🔁", "Agent stalled — no progress",
    ("no-progress detected", "no progress"),
    "the agent kept taking turns without tool calls; sharpen the prompt or raise no_progress_turns",
)
_RULES = (_AUTH, _DENIED, _RATE, _CONTEXT, _FILTER, _CONFIG, _NETWORK, _TIMEOUT, _TURNS, _STALLED)
# The agent handler names non-retryable provider errors ``<kind> error from <provider>``.
_BY_KIND = {
    "authentication": _AUTH, "access_denied": _DENIED, "context_length": _CONTEXT,
    "content_filter": _FILTER, "not_found": _CONFIG,
}  # fmt: skip
_KIND_PHRASE = re.compile(r"\b([a-z_]+) error from [\w-]+: ")


def _lines(text: str) -> list[str]:
    return [line for line in strip_error(text).splitlines() if line.strip()]


def classify(result: RunResult) -> FailureCause:
    """The cause of a run that did not succeed (call only when ``not result.success``)."""
    error = result.error
    node_message = failed_node_message(result)
    detail = _lines(error)
    if node_message and strip_error(node_message) not in strip_error(error):
        detail += _lines(node_message)
    if result.status == "paused_billing":
        return FailureCause("💳", "Billing / quota exhausted", detail, ["add credit, then resume with the command below"])
    if result.status == "budget_exceeded":
        return FailureCause("✗", "Run halted: budget exceeded", detail, ["raise the limit, then resume"])
    text = f"{error}\n{node_message}".lower()
    kind = _KIND_PHRASE.search(text)
    rule = _BY_KIND.get(kind.group(1)) if kind else None
    rule = rule or next((r for r in _RULES if any(m in text for m in r.markers)), None)
    if rule is not None:
        return FailureCause(rule.icon, rule.title, detail, [rule.step])
    if "timed out" in text:
        return FailureCause("⏱️", "Timed out", detail, [])
    return FailureCause("✗", "Run failed", detail, [])


def failure_title(result: RunResult) -> str:
    """The cause as printed on the last stderr line (``error: <icon> <title>``)."""
    return classify(result).heading
