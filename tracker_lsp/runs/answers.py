"""Gates as the editor sees them, and answers checked against the gate they answer.

:func:`gate_payload` turns the engine's :class:`~tracker.gates.GateRequest` into the
``tracker/gateOpened`` object (interview questions parsed into ``select`` / ``confirm`` /
``text`` fields, so clients render a form). :func:`parse_answer` checks a client's
``answer`` object against the gate's mode and options and builds the engine's
:class:`~tracker.gates.GateAnswer`; anything that does not fit raises
:class:`AnswerError` and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.gates import (
    ACTOR_HUMAN,
    GateAnswer,
    GateRequest,
    InterviewResult,
    Question,
    QuestionAnswer,
)

YES_WORDS = ("yes", "y", "true")
NO_WORDS = ("no", "n", "false")
ANSWER_KEYS = ("choice", "freeform", "answers")
MODE_KEYS: dict[str, tuple[str, ...]] = {
    "choice": ("choice",),
    "yes_no": ("choice",),
    "freeform": ("freeform",),
    "hybrid": ("choice", "freeform"),
    "interview": ("answers",),
}


class AnswerError(ValueError):
    """The answer does not fit the gate; ``details`` go into the error's ``data``."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


def question_kind(question: Question) -> str:
    if question.yes_no:
        return "confirm"
    return "select" if question.options else "text"


def question_payload(question: Question, previous: InterviewResult | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": question.id,
        "text": question.text,
        "kind": question_kind(question),
        "options": list(question.options),
    }
    if question.context:
        data["context"] = question.context
    earlier = previous.answer_for(question.id) if previous is not None else None
    if earlier is not None and earlier.answer:
        data["prefill"] = earlier.answer
    return data


def gate_payload(
    run_id: str,
    request: GateRequest,
    *,
    node_id: str,
    timeout_s: float | None,
    timeout_action: str,
    opened_at: str,
) -> dict[str, Any]:
    """The ``tracker/gateOpened`` params (also listed in ``pendingGates`` of a snapshot)."""
    data: dict[str, Any] = {
        "runId": run_id,
        "gateId": request.gate_id,
        "nodeId": node_id,
        "mode": request.mode,
        "label": request.label,
        "prompt": request.prompt,
        "choices": list(request.choices),
        "questions": [question_payload(q, request.previous) for q in request.questions],
        "openedAt": opened_at,
    }
    if request.default:
        data["default"] = request.default
    if timeout_s:
        data["timeoutSeconds"] = timeout_s
        data["timeoutAction"] = timeout_action
    return data


@dataclass
class ParsedAnswer:
    gate_answer: GateAnswer
    normalized: dict[str, Any]  # the answer as recorded in tracker/gateClosed


def parse_answer(request: GateRequest, raw: Any) -> ParsedAnswer:
    """Check ``raw`` (``{choice?, freeform?, answers?}``) against ``request``."""
    if not isinstance(raw, dict):
        raise AnswerError("answer must be an object with choice, freeform or answers")
    given = [k for k in ANSWER_KEYS if raw.get(k) is not None]
    unknown = sorted(set(raw) - set(ANSWER_KEYS))
    if unknown:
        raise AnswerError(
            f"unknown answer key(s): {', '.join(unknown)} (use choice, freeform or answers)"
        )
    mode = request.mode
    allowed = MODE_KEYS.get(mode, ("choice",))
    misplaced = [k for k in given if k not in allowed]
    if misplaced or not given:
        wanted = " or ".join(allowed)
        raise AnswerError(
            f"a {mode} gate is answered with {wanted}", mode=mode, expected=list(allowed)
        )
    if mode == "interview":
        return _interview(request, raw["answers"])
    if mode == "hybrid" and len(given) > 1:
        raise AnswerError(
            "give either choice (one of the labels) or freeform text, not both", mode=mode
        )
    if "choice" in given:
        return _choice(request, raw["choice"])
    text = raw["freeform"]
    if not isinstance(text, str) or not text.strip():
        raise AnswerError("freeform must be non-empty text", mode=mode)
    return ParsedAnswer(GateAnswer(text, actor=ACTOR_HUMAN), {"freeform": text})


def _choice(request: GateRequest, value: Any) -> ParsedAnswer:
    options = list(request.choices)
    if not isinstance(value, str):
        raise AnswerError("choice must be text: one of the offered choices", choices=options)
    picked = next((o for o in options if o == value), None)
    if picked is None:
        picked = next((o for o in options if o.lower() == value.strip().lower()), None)
    if picked is None:
        offered = ", ".join(f'"{o}"' for o in options)
        raise AnswerError(
            f'"{value}" is not one of the choices of this gate ({offered})', choices=options
        )
    return ParsedAnswer(GateAnswer(picked, actor=ACTOR_HUMAN), {"choice": picked})


def _interview(request: GateRequest, value: Any) -> ParsedAnswer:
    items = _answer_items(value)
    by_id = {q.id: q for q in request.questions}
    unknown = [qid for qid in items if qid not in by_id]
    if unknown:
        raise AnswerError(
            f"unknown question id(s): {', '.join(unknown)} (this interview has {', '.join(by_id)})",
            questions=list(by_id),
        )
    answers: list[QuestionAnswer] = []
    normalized: dict[str, Any] = {}
    incomplete = False
    for question in request.questions:
        text, elaboration = items.get(question.id, ("", ""))
        text = _question_answer(question, text)
        if not text:
            incomplete = True
        answers.append(
            QuestionAnswer(question.id, question.text, list(question.options), text, elaboration)
        )
        if text or elaboration:
            normalized[question.id] = (
                {"answer": text, "elaboration": elaboration} if elaboration else text
            )
    result = InterviewResult(answers, incomplete=incomplete)
    return ParsedAnswer(GateAnswer(interview=result, actor=ACTOR_HUMAN), {"answers": normalized})


def _answer_items(value: Any) -> dict[str, tuple[str, str]]:
    """``{id: text | {answer, elaboration?}}`` or ``[{id, answer, elaboration?}]``."""
    pairs: list[tuple[Any, Any]]
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = []
        for item in value:
            if not isinstance(item, dict) or "id" not in item:
                raise AnswerError("answers as a list must hold objects with id and answer")
            pairs.append((item["id"], item))
    else:
        raise AnswerError("answers must be an object of question id: answer")
    out: dict[str, tuple[str, str]] = {}
    for qid, item in pairs:
        if isinstance(item, dict):
            answer, elaboration = item.get("answer", ""), item.get("elaboration", "")
        else:
            answer, elaboration = item, ""
        if isinstance(answer, bool):
            answer = "yes" if answer else "no"
        if answer is None:
            answer = ""
        if not isinstance(answer, str) or not isinstance(elaboration, str):
            raise AnswerError(f"the answer to {qid} must be text")
        out[str(qid)] = (answer, elaboration)
    return out


def _question_answer(question: Question, text: str) -> str:
    """The canonical answer text; blank means skipped."""
    text = text.strip()
    if not text:
        return ""
    if question.yes_no:
        lowered = text.lower()
        if lowered in YES_WORDS:
            return "yes"
        if lowered in NO_WORDS:
            return "no"
        raise AnswerError(
            f'question {question.id} is a yes/no question; "{text}" is neither',
            question=question.id,
        )
    if question.options:
        match = next((o for o in question.options if o.lower() == text.lower()), None)
        if match is None:
            offered = ", ".join(f'"{o}"' for o in question.options)
            raise AnswerError(
                f'"{text}" is not an option of question {question.id} ({offered})',
                question=question.id,
                options=list(question.options),
            )
        return match
    return text
