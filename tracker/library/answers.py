"""Gate answers given up front, for scripts, tests and CI (``tracker.run(answers=...)``).

Answers are either one list used in the order the gates open, or a mapping from node ID
to that gate's answers (a string, or a list when the gate opens more than once). An
interview takes one answer per question: yes/no questions accept ``y``/``yes``/``n``/``no``,
option questions an option's text or its number, others free text. A gate with no answer
left fails with a clear error (the actor is ``human``: these are a person's decisions
written down in advance).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence

from tracker.gates import (
    ACTOR_HUMAN,
    GateAnswer,
    GateError,
    GateRequest,
    InterviewResult,
    QuestionAnswer,
)

Answers = Sequence[str] | Mapping[str, "str | Sequence[str]"]


def _pick(text: str, options: list[str]) -> str:
    stripped = text.strip()
    for option in options:
        if option.lower() == stripped.lower():
            return option
    if stripped.isdigit() and 1 <= int(stripped) <= len(options):
        return options[int(stripped) - 1]
    return stripped


def _yes_no(text: str) -> str:
    lowered = text.strip().lower()
    return {"y": "yes", "yes": "yes", "n": "no", "no": "no"}.get(lowered, lowered)


class ScriptedInterviewer:
    """Answers gates from a list or a per-node mapping."""

    actor = ACTOR_HUMAN

    def __init__(self, answers: Answers) -> None:
        self._in_order: deque[str] = deque()
        self._by_node: dict[str, deque[str]] = {}
        if isinstance(answers, Mapping):
            for node, value in answers.items():
                self._by_node[node] = deque([value] if isinstance(value, str) else list(value))
        else:
            self._in_order.extend(answers)
        self.asked: list[GateRequest] = []

    def supports(self, mode: str) -> bool:
        return True

    def _next(self, node_id: str) -> str:
        queue = self._by_node.get(node_id) if self._by_node else self._in_order
        if not queue:
            raise GateError(f'no scripted answer left for gate "{node_id}"')
        return queue.popleft()

    async def ask(self, request: GateRequest) -> GateAnswer:
        self.asked.append(request)
        if request.mode == "interview":
            result = InterviewResult()
            for question in request.questions:
                text = self._next(request.node_id)
                if question.yes_no:
                    answer = _yes_no(text)
                elif question.options:
                    answer = _pick(text, question.options)
                else:
                    answer = text.strip()
                result.questions.append(QuestionAnswer(question.id, question.text, list(question.options), answer))
                if not answer:
                    result.incomplete = True
            return GateAnswer(interview=result, actor=self.actor)
        text = self._next(request.node_id)
        if request.mode in ("choice", "yes_no", "hybrid") and request.choices:
            return GateAnswer(_pick(text, request.choices), actor=self.actor)
        return GateAnswer(text, actor=self.actor)

    async def close(self) -> None:
        return None
