"""The editor's interviewer: every human gate of a run waits for ``tracker.answerGate``.

Built on the gate broker (:mod:`tracker.gates.broker`), so each gate is answered exactly
once. Gates of every mode go to the client (choice, yes_no, freeform, hybrid and
interview). Timeouts: the node's own ``timeout`` is enforced by the human handler (which
then applies ``timeout_action`` / ``default``); a server-wide or per-run limit
(``gateTimeoutSeconds``) ends the wait the same way, as a gate timeout. Either way the
gate closes with ``answeredBy: "timeout"``; a cancelled run closes it with
``"cancelled"``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tracker.gates import ACTOR_HUMAN, GateAnswer, GateRequest, GateTimeout
from tracker.gates.broker import GateBroker
from tracker_lsp.runs.protocol import BY_CANCELLED, BY_HUMAN, BY_TIMEOUT

# Slack when telling the handler's own timeout apart from a cancelled run.
TIMEOUT_SLACK_S = 0.05


class EditorInterviewer:
    """``on_open(request, timeout_s)`` when a gate starts waiting; ``on_close(gate_id, by)``
    when it stops waiting for any reason (answered, timed out, run cancelled)."""

    actor = ACTOR_HUMAN

    def __init__(
        self,
        on_open: Callable[[GateRequest, float | None], None],
        on_close: Callable[[str, str], None],
        *,
        timeout_s: float = 0.0,
    ) -> None:
        self.broker = GateBroker()
        self.on_open = on_open
        self.on_close = on_close
        self.timeout_s = timeout_s

    def supports(self, mode: str) -> bool:
        return True

    def effective_timeout(self, request: GateRequest) -> float | None:
        limits = [t for t in (request.timeout, self.timeout_s) if t]
        return min(limits) if limits else None

    async def ask(self, request: GateRequest) -> GateAnswer:
        gate = self.broker.open(request)
        loop = asyncio.get_running_loop()
        opened = loop.time()
        own_limit = (
            self.timeout_s
            if self.timeout_s and (not request.timeout or self.timeout_s < request.timeout)
            else 0.0
        )
        self.on_open(request, self.effective_timeout(request))
        closed_by = BY_CANCELLED
        try:
            if own_limit:
                try:
                    answer = await asyncio.wait_for(gate.future, own_limit)
                except TimeoutError:
                    closed_by = BY_TIMEOUT
                    raise GateTimeout(f"no answer within {own_limit:g}s") from None
            else:
                answer = await gate.future
            closed_by = gate.answered_by or BY_HUMAN
            return answer
        except asyncio.CancelledError:
            if request.timeout and loop.time() - opened >= request.timeout - TIMEOUT_SLACK_S:
                closed_by = BY_TIMEOUT  # the handler's wait_for for the node's timeout
            raise
        finally:
            if self.broker.get(request.gate_id) is not None:
                self.broker.close(request.gate_id)
            self.on_close(request.gate_id, closed_by)

    async def close(self) -> None:
        for gate in self.broker.pending():
            self.broker.close(gate.request.gate_id)
