"""Names, version and errors of the editor run protocol (``docs/editor-protocol.md``).

The server advertises :data:`PROTOCOL_VERSION` as ``experimental.tracker.protocolVersion``.
Every refused command raises :class:`ProtocolError`: an LSP response error whose
``data.reason`` is one of :data:`REASON_CODES`, so clients can branch on it and show the
message verbatim.
"""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcException

PROTOCOL_VERSION = 1

# Commands (workspace/executeCommand).
RUN = "tracker.run"
CANCEL = "tracker.cancel"
ANSWER_GATE = "tracker.answerGate"
RUNS = "tracker.runs"
RUN_STATE = "tracker.runState"
GRAPH = "tracker.graph"
DIAGNOSE = "tracker.diagnose"

# Notifications (server -> client).
RUN_EVENT = "tracker/runEvent"
RUN_STATE_CHANGED = "tracker/runState"
GATE_OPENED = "tracker/gateOpened"
GATE_CLOSED = "tracker/gateClosed"

# Who closed a gate (``answeredBy`` of tracker/gateClosed).
BY_HUMAN = "human"
BY_TIMEOUT = "timeout"
BY_CANCELLED = "cancelled"

INVALID_PARAMS = "invalid_params"
WORKFLOW_ERROR = "workflow_error"
SETUP_ERROR = "setup_error"
UNKNOWN_RUN = "unknown_run"
RUN_ACTIVE = "run_active"
RUN_NOT_ACTIVE = "run_not_active"
UNKNOWN_GATE = "unknown_gate"
GATE_ALREADY_ANSWERED = "gate_already_answered"
INVALID_ANSWER = "invalid_answer"

REASON_CODES: dict[str, int] = {
    INVALID_PARAMS: -32602,
    WORKFLOW_ERROR: -32010,
    SETUP_ERROR: -32011,
    UNKNOWN_RUN: -32012,
    RUN_ACTIVE: -32013,
    RUN_NOT_ACTIVE: -32014,
    UNKNOWN_GATE: -32015,
    GATE_ALREADY_ANSWERED: -32016,
    INVALID_ANSWER: -32017,
}


class ProtocolError(JsonRpcException):
    """A refused command: ``message`` for people, ``data.reason`` for programs."""

    def __init__(self, reason: str, message: str, **details: Any) -> None:
        super().__init__(
            message=message, code=REASON_CODES[reason], data={"reason": reason, **details}
        )
        self.reason = reason
