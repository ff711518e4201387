"""``wait.human``: ask the run's interviewer and turn the answer into an outcome.

Modes (engine spec §4.3): ``choice`` (default; options are the outgoing edges),
``yes_no`` (``No`` fails the node), ``freeform`` (free text, routed by matching edge
labels), ``hybrid`` (freeform presented as "pick a label or type"), ``interview``
(questions parsed from the context, answers stored as JSON plus a Markdown summary).
Every ``gate_opened`` is followed by exactly one ``gate_resolved``.
"""

from __future__ import annotations

import asyncio
import uuid

from tracker.agent.writes import declared_keys, extract_writes
from tracker.dippin.values import ValueError_, parse_duration
from tracker.engine import events as ev
from tracker.engine.context import RunContext
from tracker.engine.graph import RuntimeEdge, RuntimeNode
from tracker.engine.interpolate import expand
from tracker.engine.outcome import FAIL, SUCCESS, HandlerError, Outcome
from tracker.engine.registry import NodeEnv, RunServices
from tracker.gates import (
    ACTOR_UNKNOWN,
    GateAnswer,
    GateCancelled,
    GateError,
    GateRequest,
    GateTimeout,
    InterviewResult,
    QuestionAnswer,
)
from tracker.handlers.interview import answers_object, parse_questions, summary_markdown

KNOWN_MODES = ("choice", "yes_no", "freeform", "hybrid", "interview")
PROMPT_EVENT_LIMIT = 4096


def cut_utf8(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def gate_prompt(node: RuntimeNode, ctx: RunContext) -> str:
    text = node.label or f"Human gate: {node.id}"
    extra = node.attrs.get("prompt", "").strip()
    if extra:
        text += "\n\n" + extra
    text = expand(text, ctx)
    if not text.strip():
        text = f"Human gate: {node.id}"
    last = ctx.get("last_response")
    if last:
        text += "\n\n---\n" + last
    return text


def _edge_text(edge: RuntimeEdge) -> str:
    return edge.label or edge.target


class HumanHandler:
    def __init__(self, services: RunServices) -> None:
        self.services = services

    async def execute(self, node: RuntimeNode, ctx: RunContext, env: NodeEnv) -> Outcome:
        interviewer = self.services.interviewer
        if interviewer is None:
            raise HandlerError(
                "no interviewer for human gates: run with --auto-approve, --webhook-url, or answer on a terminal"
            )
        attrs = node.attrs
        mode = attrs.get("mode", "") or "choice"
        if mode not in KNOWN_MODES:
            mode = "choice"
        edges = [e for e in env.graph.out(node.id) if not e.implicit]
        prompt = gate_prompt(node, ctx)
        timeout: float | None = None
        if attrs.get("timeout"):
            try:
                ns = parse_duration(attrs["timeout"])
            except ValueError_ as exc:
                raise HandlerError(f'invalid timeout "{attrs["timeout"]}" on node "{node.id}"') from exc
            timeout = ns / 1e9 if ns > 0 else None
        request = GateRequest(
            gate_id=str(uuid.uuid4()),
            node_id=node.id,
            run_id=env.run_id,
            mode=mode,
            prompt=prompt,
            label=node.label or node.id,
            default=attrs.get("default_choice", ""),
            timeout=timeout,
        )
        freeform_question = ""
        if mode == "choice":
            if not edges:
                raise HandlerError(f'human gate "{node.id}" has no outgoing edges to choose from')
            request.choices = [_edge_text(e) for e in edges]
        elif mode == "yes_no":
            request.choices = ["Yes", "No"]
            request.default = ""
        elif mode in ("freeform", "hybrid"):
            labels = [e.label for e in edges if e.label]
            request.mode = "hybrid" if labels else "freeform"
            request.choices = labels
            request.default = attrs.get("default", "")
        else:
            source_key = attrs.get("questions_key") or "interview_questions"
            source = ctx.get(source_key) or ctx.get("last_response")
            request.questions = parse_questions(source)
            if not request.questions:
                request.mode = "freeform"
                base = attrs.get("prompt", "").strip() or node.label or "No interview questions were generated; add any notes for the next step."
                request.prompt = base + ("\n\n---\n" + source if source.strip() else "")
                freeform_question = request.prompt
            else:
                previous = ctx.get(attrs.get("answers_key") or "interview_answers")
                request.previous = InterviewResult.from_json(previous) if previous else None
        if not interviewer.supports(request.mode):
            raise HandlerError(f'the {getattr(interviewer, "actor", "configured")} interviewer cannot answer "{request.mode}" gates')

        env.emit(
            ev.Event(
                ev.GATE_OPENED,
                node_id=node.id,
                gate_id=request.gate_id,
                gate_mode=mode,
                gate_label=node.label or node.id,
                gate_prompt=cut_utf8(request.prompt, PROMPT_EVENT_LIMIT),
                gate_choices=list(request.choices) or None,
                gate_questions=[q.to_wire() for q in request.questions] or None,
            )
        )
        actor = getattr(interviewer, "actor", ACTOR_UNKNOWN)
        resolved = ev.Event(ev.GATE_RESOLVED, node_id=node.id, gate_id=request.gate_id, gate_mode=mode, gate_label=node.label or node.id, gate_actor=actor)
        try:
            try:
                if timeout is not None:
                    answer = await asyncio.wait_for(interviewer.ask(request), timeout)
                else:
                    answer = await interviewer.ask(request)
            except (TimeoutError, GateTimeout):
                outcome = self._timed_out(node, edges, attrs)
                resolved.gate_timed_out = True
            except GateCancelled as exc:
                if request.mode == "interview":
                    unanswered = [QuestionAnswer(q.id, q.text, list(q.options)) for q in request.questions]
                    answer = GateAnswer(interview=InterviewResult(unanswered, incomplete=True, canceled=True))
                    outcome = self._interview(node, request, answer, freeform_question)
                else:
                    resolved.error = str(exc) or "gate cancelled"
                    raise HandlerError(f"gate cancelled: {resolved.error}") from exc
            except GateError as exc:
                resolved.error = str(exc) or type(exc).__name__
                raise HandlerError(f'human gate "{node.id}": {resolved.error}') from exc
            else:
                if answer.actor:
                    resolved.gate_actor = answer.actor
                outcome = self._outcome(node, mode, request, answer, edges, freeform_question)
            outcome.override_actor = resolved.gate_actor
            resolved.gate_outcome = outcome.status
            resolved.gate_response = outcome.context_updates.get(f"response.{node.id}") or outcome.preferred_label
            return outcome
        except asyncio.CancelledError:
            resolved.error = resolved.error or "run cancelled"
            raise
        finally:
            env.emit(resolved)

    # ------------------------------------------------------------------ outcomes

    def _timed_out(self, node: RuntimeNode, edges: list[RuntimeEdge], attrs: dict[str, str]) -> Outcome:
        if attrs.get("timeout_action") == "fail":
            return Outcome(FAIL, {"human_response": "timed out"})
        default = attrs.get("default_choice", "")
        if default:
            edge = next((e for e in edges if default in (e.label, e.choice, e.target)), None)
            label = edge.routing_key if edge is not None else default
            return Outcome(SUCCESS, {"human_response": default, f"response.{node.id}": default}, preferred_label=label)
        return Outcome(FAIL, {"human_response": "timed out (no default)"})

    def _outcome(
        self,
        node: RuntimeNode,
        mode: str,
        request: GateRequest,
        answer: GateAnswer,
        edges: list[RuntimeEdge],
        freeform_question: str,
    ) -> Outcome:
        text = answer.text
        if mode == "choice":
            edge = next((e for e in edges if _edge_text(e) == text), None)
            if edge is None:
                edge = next((e for e in edges if _edge_text(e).lower() == text.strip().lower()), None)
            label = (edge.choice or _edge_text(edge)) if edge is not None else text
            return Outcome(SUCCESS, preferred_label=label)
        if mode == "yes_no":
            return Outcome(FAIL if text == "No" else SUCCESS, preferred_label=text)
        if mode == "interview":
            return self._interview(node, request, answer, freeform_question)
        return self._freeform(node, text, edges)

    def _freeform(self, node: RuntimeNode, text: str, edges: list[RuntimeEdge]) -> Outcome:
        updates = {"human_response": text, f"response.{node.id}": text}
        lowered = text.strip().lower()
        label = ""
        for edge in edges:
            if edge.label and edge.label.lower() == lowered:
                label = edge.choice or edge.label
                break
            if edge.choice and edge.choice.lower() == lowered:
                label = edge.choice
                break
        default = node.attrs.get("default", "")
        if not label and default and default.lower() == lowered:
            label = default
        return Outcome(SUCCESS, updates, preferred_label=label)

    def _interview(self, node: RuntimeNode, request: GateRequest, answer: GateAnswer, freeform_question: str) -> Outcome:
        answers_key = node.attrs.get("answers_key") or "interview_answers"
        if freeform_question or answer.interview is None:
            text = answer.text
            return Outcome(SUCCESS, {"human_response": text, f"response.{node.id}": text, answers_key: text})
        result = answer.interview
        summary = summary_markdown(result)
        updates = {answers_key: result.to_json(), "human_response": summary, f"response.{node.id}": summary}
        status = FAIL if result.canceled else SUCCESS
        keys = declared_keys([node.attrs.get("writes", "")])
        if keys:
            writes = extract_writes(keys, obj=answers_object(result))
            updates.update(writes.context_updates())
            if not writes.ok:
                status = FAIL
        return Outcome(status, updates)


def make_handler(services: RunServices) -> HumanHandler:
    return HumanHandler(services)
