"""``--autopilot <persona>``: an LLM judge answers every human gate (engine spec §8.3).

The judge sees the gate prompt verbatim (including the previous agent's output), the
options, and a persona that sets its disposition (``lax``, ``mid``, ``hard``, ``mentor``).
It must reply with one JSON object; an unparseable reply is retried once, then the gate
fails. Provider errors fail the gate at once (the client already retried transport
errors). Actor ``autopilot``.

Divergence from the reference: a freeform gate gets the judge's ``choice`` text (the
reference sends its ``reasoning``); the mentor persona's feedback is appended to it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracker.gates import (
    ACTOR_AUTOPILOT,
    GateAnswer,
    GateError,
    GateRequest,
    InterviewResult,
    Question,
    QuestionAnswer,
)
from tracker.llm.client import Client
from tracker.llm.types import Message, Request

logger = logging.getLogger("tracker.gates.autopilot")

PERSONAS = ("lax", "mid", "hard", "mentor")
DEFAULT_PERSONA = "mid"
JUDGE_MODELS = {"anthropic": "claude-sonnet-4-6", "openai": "gpt-4.1-mini", "gemini": "gemini-2.5-flash"}
FALLBACK_JUDGE_MODEL = "claude-sonnet-4-6"
CALL_TIMEOUT_SECONDS = 30.0
TEMPERATURE = 0.1
MAX_TOKENS = 1024
MAX_TOKENS_INTERVIEW = 2048

PERSONA_PROMPTS = {
    "lax": (
        "You stand in for the person who supervises an automated software pipeline, and "
        "your job is to keep it moving. Approve plans, mark milestones as done and accept "
        "reviews. Push back only when something is plainly broken. When unsure, pick the "
        "option that moves the work forward."
    ),
    "mid": (
        "You stand in for the person who supervises an automated software pipeline and "
        "judge like an experienced senior engineer. Approve solid work, push back on clear "
        "gaps, ask for one more attempt when the work is close but not there, and accept "
        "reviews unless a finding is genuinely blocking."
    ),
    "hard": (
        "You stand in for the person who supervises an automated software pipeline and "
        "hold the work to a high bar. Reject plans that ignore edge cases, send milestones "
        "back unless they fully pass, and insist that review findings are fixed. When "
        "unsure, prefer retrying or adjusting over approving or accepting."
    ),
    "mentor": (
        "You stand in for the person who supervises an automated software pipeline as a "
        "mentor. Always pick the option that moves the work forward, and use your "
        "reasoning to give three to five sentences of specific, actionable feedback the "
        "next step can act on."
    ),
}


class UnknownPersonaError(ValueError):
    pass


def parse_persona(text: str) -> str:
    """Trimmed and lower-cased; empty means ``mid``; anything unknown is an error."""
    persona = text.strip().lower() or DEFAULT_PERSONA
    if persona not in PERSONAS:
        raise UnknownPersonaError(
            f'unknown autopilot persona "{text.strip()}" (valid: {", ".join(PERSONAS)})'
        )
    return persona


def judge_model(provider: str | None) -> str:
    return JUDGE_MODELS.get(provider or "", FALLBACK_JUDGE_MODEL)


class ReplyParseError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Decision:
    choice: str
    reasoning: str


def parse_json_reply(text: str) -> dict[str, Any]:
    """The JSON object of a reply: fence lines dropped when the reply opens with a fence,
    then the text from the first ``{`` to the last ``}``."""
    body = text.strip()
    if body.startswith("```"):
        body = "\n".join(line for line in body.splitlines() if not line.strip().startswith("```"))
    start, end = body.find("{"), body.rfind("}")
    if start == -1 or end <= start:
        raise ReplyParseError("no JSON object in the reply")
    try:
        data = json.loads(body[start : end + 1])
    except ValueError as exc:
        raise ReplyParseError(f"invalid JSON in the reply: {exc}") from exc
    if not isinstance(data, dict):
        raise ReplyParseError("the reply's JSON is not an object")
    return data


def parse_decision(text: str) -> Decision:
    data = parse_json_reply(text)
    choice = data.get("choice")
    if not isinstance(choice, str) or not choice.strip():
        raise ReplyParseError('the reply has no non-empty "choice"')
    reasoning = data.get("reasoning")
    return Decision(choice.strip(), reasoning.strip() if isinstance(reasoning, str) else "")


def match_option(answer: str, options: list[str]) -> str | None:
    """Case-insensitive exact match, else the longest option contained in the answer."""
    lowered = answer.strip().lower()
    for option in options:
        if option.lower() == lowered:
            return option
    contained = [o for o in options if o and o.lower() in lowered]
    return max(contained, key=len) if contained else None


YES_WORDS = frozenset({"yes", "y", "true"})
NO_WORDS = frozenset({"no", "n", "false"})


def normalise_answer(question: Question, answer: str) -> str:
    """An interview answer mapped onto the question's options (``""`` = unanswered)."""
    if question.yes_no:
        word = answer.strip().lower()
        return "yes" if word in YES_WORDS else "no" if word in NO_WORDS else ""
    if question.options:
        return match_option(answer, question.options) or ""
    return answer.strip()


# ---------------------------------------------------------------------------- prompts


def decision_prompt(request: GateRequest) -> str:
    lines = [
        "An automated software pipeline has reached a decision gate and you must answer it "
        "in place of a person.",
        "",
        f"Gate: {request.label or request.node_id}",
        "----- gate prompt -----",
        request.prompt,
        "----- end of gate prompt -----",
        "",
    ]
    if request.mode == "freeform":
        lines.append("This is a freeform gate: write the text that should be sent as the answer.")
    else:
        lines.append("Options:")
        for number, option in enumerate(request.choices, start=1):
            marker = " (default)" if request.default and option == request.default else ""
            lines.append(f'{number}. "{option}"{marker}')
    lines += [
        "",
        "Reply with exactly one JSON object and nothing else:",
        '{"choice": "<the exact option text>", "reasoning": "<one to three sentences>"}',
        'For a freeform answer, put the text to send in "choice".',
    ]
    return "\n".join(lines)


def interview_prompt(request: GateRequest) -> str:
    lines = [
        "An automated software pipeline is interviewing the person who supervises it, and "
        "you must answer in their place.",
        "",
        "----- context -----",
        request.prompt,
        "----- end of context -----",
        "",
        "Questions:",
    ]
    for number, question in enumerate(request.questions, start=1):
        suffix = ""
        if question.yes_no:
            suffix = " (yes, no)"
        elif question.options:
            suffix = f" ({', '.join(question.options)})"
        lines.append(f"{number}. {question.text}{suffix}")
    if request.previous is not None:
        answered = [q for q in request.previous.questions if q.answer]
        if answered:
            lines += ["", "Previously answered:"]
            lines += [f"- {q.text}: {q.answer}" for q in answered]
    ids = ", ".join(q.id for q in request.questions)
    lines += [
        "",
        "Reply with exactly one JSON object and nothing else:",
        '{"answers": [{"id": "q1", "answer": "...", "elaboration": "..."}]}',
        f"Use the question ids {ids}. For questions with options, answer with one of the "
        "options; for yes/no questions answer yes or no.",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- the interviewer

DecisionObserver = Callable[[GateRequest, str, str], None]
"""Called with (request, answer, reasoning) after each decision (TUI flash, logs)."""


class AutopilotInterviewer:
    """An :class:`~tracker.gates.Interviewer` backed by an LLM judge."""

    actor = ACTOR_AUTOPILOT

    def __init__(
        self,
        client: Client,
        persona: str = DEFAULT_PERSONA,
        *,
        model: str | None = None,
        provider: str | None = None,
        call_timeout: float = CALL_TIMEOUT_SECONDS,
        on_decision: DecisionObserver | None = None,
    ) -> None:
        self.client = client
        self.persona = parse_persona(persona)
        self.provider = provider or client.default_provider or ""
        self.model = model or judge_model(self.provider)
        self.call_timeout = call_timeout
        self.on_decision = on_decision

    def supports(self, mode: str) -> bool:
        return mode in ("choice", "yes_no", "freeform", "hybrid", "interview")

    async def close(self) -> None:
        return None

    async def _call(self, text: str, max_tokens: int) -> str:
        request = Request(
            model=self.model,
            provider=self.provider,
            messages=[Message.system(PERSONA_PROMPTS[self.persona]), Message.user(text)],
            temperature=TEMPERATURE,
            max_tokens=max_tokens,
        )
        try:
            response = await asyncio.wait_for(self.client.complete(request), self.call_timeout)
        except TimeoutError:
            raise GateError(
                f"autopilot gate decision failed: no reply within {self.call_timeout:g}s"
            ) from None
        except GateError:
            raise
        except Exception as exc:
            raise GateError(f"autopilot gate decision failed: {exc}") from exc
        return response.text

    async def ask(self, request: GateRequest) -> GateAnswer:
        if request.mode == "interview":
            return await self._interview(request)
        prompt = decision_prompt(request)
        decision: Decision | None = None
        problem = ""
        for _attempt in range(2):
            try:
                decision = parse_decision(await self._call(prompt, MAX_TOKENS))
                break
            except ReplyParseError as exc:
                problem = str(exc)
        if decision is None:
            raise GateError(f"autopilot gate decision failed: could not parse the judge's reply ({problem})")
        answer = self._answer_text(request, decision)
        if self.on_decision is not None:
            self.on_decision(request, answer, decision.reasoning)
        return GateAnswer(answer, actor=self.actor)

    def _answer_text(self, request: GateRequest, decision: Decision) -> str:
        if request.mode == "freeform":
            if self.persona == "mentor" and decision.reasoning:
                return f"{decision.choice}\n\n{decision.reasoning}"
            return decision.choice
        options = list(request.choices)
        matched = match_option(decision.choice, options)
        if matched is not None:
            return matched
        fallback = request.default if request.default in options else (options[0] if options else decision.choice)
        logger.warning(
            "autopilot: reply %r matches no option of gate %s; using %r",
            decision.choice, request.node_id, fallback,
        )  # fmt: skip
        return fallback

    async def _interview(self, request: GateRequest) -> GateAnswer:
        prompt = interview_prompt(request)
        result: InterviewResult | None = None
        problem = ""
        for _attempt in range(2):
            try:
                result = self._parse_interview(request, await self._call(prompt, MAX_TOKENS_INTERVIEW))
                break
            except ReplyParseError as exc:
                problem = str(exc)
        if result is None:
            raise GateError(f"autopilot gate decision failed: could not parse the judge's answers ({problem})")
        if self.on_decision is not None:
            answered = sum(1 for q in result.questions if q.answer)
            self.on_decision(request, f"{answered} of {len(result.questions)} questions answered", "")
        return GateAnswer(interview=result, actor=self.actor)

    def _parse_interview(self, request: GateRequest, text: str) -> InterviewResult:
        data = parse_json_reply(text)
        raw_answers = data.get("answers")
        if not isinstance(raw_answers, list):
            raise ReplyParseError('the reply has no "answers" list')
        by_id: dict[str, dict[str, Any]] = {}
        for item in raw_answers:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                by_id.setdefault(item["id"].strip(), item)
        answers: list[QuestionAnswer] = []
        for question in request.questions:
            item = by_id.get(question.id, {})
            raw = item.get("answer")
            value = normalise_answer(question, raw) if isinstance(raw, str) else ""
            elaboration = item.get("elaboration")
            answers.append(
                QuestionAnswer(
                    question.id,
                    question.text,
                    list(question.options),
                    value,
                    elaboration.strip() if isinstance(elaboration, str) and value else "",
                )
            )
        answered = sum(1 for a in answers if a.answer)
        if answered == 0:
            raise ReplyParseError("the reply answers none of the questions")
        return InterviewResult(answers, incomplete=answered < len(answers), canceled=False)
