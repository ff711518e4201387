"""How a human gate gets its answer.

The human handler builds a :class:`GateRequest` and awaits :meth:`Interviewer.ask`.
Implementations are interchangeable: :mod:`~tracker.gates.auto` (``--auto-approve``),
:mod:`~tracker.gates.console` (a person at the terminal), :mod:`~tracker.gates.webhook`
(an external service that calls back) and :mod:`~tracker.gates.broker` (any front end
that answers gates by ID, such as an editor).

Modes: ``choice`` (pick one of ``choices``), ``yes_no`` (``Yes``/``No``), ``freeform``
(free text), ``hybrid`` (pick one of the labels in ``choices`` or type free text) and
``interview`` (answer ``questions``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

ACTOR_HUMAN = "human"
ACTOR_AUTOPILOT = "autopilot"
ACTOR_WEBHOOK = "webhook"
ACTOR_UNKNOWN = "unknown"

MODES = ("choice", "yes_no", "freeform", "hybrid", "interview")


class GateError(Exception):
    """The interviewer could not get an answer (end of input, a failed POST, ...)."""


class GateTimeout(GateError):
    """No answer arrived in time and the interviewer's policy is to fail the gate."""


class GateCancelled(GateError):
    """The person (or the front end) cancelled the gate."""


@dataclass
class Question:
    id: str
    text: str
    context: str = ""
    options: list[str] = field(default_factory=list)
    yes_no: bool = False

    def to_wire(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.options:
            data["options"] = list(self.options)
        if self.yes_no:
            data["is_yes_no"] = True
        return data


@dataclass
class QuestionAnswer:
    id: str
    text: str
    options: list[str] = field(default_factory=list)
    answer: str = ""
    elaboration: str = ""

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.options:
            data["options"] = list(self.options)
        data["answer"] = self.answer
        if self.elaboration:
            data["elaboration"] = self.elaboration
        return data


@dataclass
class InterviewResult:
    questions: list[QuestionAnswer] = field(default_factory=list)
    incomplete: bool = False
    canceled: bool = False

    def to_json(self) -> str:
        return json.dumps(
            {
                "questions": [q.to_data() for q in self.questions],
                "incomplete": self.incomplete,
                "canceled": self.canceled,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> InterviewResult | None:
        try:
            data = json.loads(text)
            questions = [
                QuestionAnswer(
                    id=str(q.get("id", "")),
                    text=str(q.get("text", "")),
                    options=[str(o) for o in q.get("options") or []],
                    answer=str(q.get("answer", "")),
                    elaboration=str(q.get("elaboration", "")),
                )
                for q in data["questions"]
            ]
            return cls(questions, bool(data.get("incomplete")), bool(data.get("canceled")))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def answer_for(self, qid: str) -> QuestionAnswer | None:
        return next((q for q in self.questions if q.id == qid), None)


@dataclass
class GateRequest:
    gate_id: str
    node_id: str
    mode: str
    prompt: str
    run_id: str = ""
    label: str = ""
    choices: list[str] = field(default_factory=list)
    default: str = ""
    questions: list[Question] = field(default_factory=list)
    previous: InterviewResult | None = None
    timeout: float | None = None


@dataclass
class GateAnswer:
    """``text`` is the chosen option or typed text; ``interview`` the interview answers."""

    text: str = ""
    interview: InterviewResult | None = None
    actor: str = ""


@runtime_checkable
class Interviewer(Protocol):
    actor: str

    def supports(self, mode: str) -> bool: ...

    async def ask(self, request: GateRequest) -> GateAnswer: ...

    async def close(self) -> None: ...


def match_choice(answer: str, options: list[str], default: str = "") -> str:
    """Case-insensitive exact match, else the first option contained in the answer, else
    the default, else the first option (the webhook's matching rule)."""
    if not options:
        return answer
    lowered = answer.strip().lower()
    for option in options:
        if option.lower() == lowered:
            return option
    for option in options:
        if option.lower() and option.lower() in lowered:
            return option
    if default:
        for option in options:
            if option.lower() == default.lower():
                return option
    return options[0]
