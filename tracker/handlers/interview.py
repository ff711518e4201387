"""Interview gates: questions out of an agent's text, answers into JSON and Markdown.

Questions come from a JSON object ``{"questions": [{"text", "context"?, "options"?}]}``
in the text, else from its Markdown (numbered items, imperative lines, bulleted or plain
lines ending in ``?``; a trailing ``(a, b, c)`` lists the options). Rules per engine
spec §4.3.5.
"""

from __future__ import annotations

import json
import re

from tracker.gates import InterviewResult, Question

MAX_QUESTIONS = 100
YES_NO_STARTS = ("do ", "does ", "is ", "are ", "can ", "will ", "would ", "should ", "have ", "has ")
IMPERATIVE = ("describe", "explain", "list", "specify", "provide", "choose", "select", "confirm", "rate", "rank")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_IMPERATIVE = re.compile(r"^\s*(?:[-*]\s+)?(" + "|".join(IMPERATIVE) + r")\b", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_TRAILING_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")
_OTHER = re.compile(r"^other(?:$|[^a-z0-9])", re.IGNORECASE)


def is_other(option: str) -> bool:
    return bool(_OTHER.match(option.strip()))


def filter_options(options: list[str]) -> list[str]:
    return [o for o in options if o.strip() and not is_other(o)]


def is_yes_no(text: str, options: list[str]) -> bool:
    if options:
        return sorted(o.strip().lower() for o in options) == ["no", "yes"]
    return text.strip().lower().startswith(YES_NO_STARTS)


def _balanced_object(text: str) -> str | None:
    start = text.find("{")
    if start == -1:
        return None
    depth = 0
    in_string = False
    escape = False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return None


def _structured(text: str) -> list[Question] | None:
    body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("```"))
    span = _balanced_object(body)
    if span is None:
        return None
    try:
        data = json.loads(span)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    items = data.get("questions")
    if not isinstance(items, list) or not items or len(items) > MAX_QUESTIONS:
        return None
    out: list[Question] = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or not str(item.get("text", "")).strip():
            return None
        options = filter_options([str(o) for o in item.get("options") or [] if isinstance(o, (str, int, float))])
        q_text = str(item["text"]).strip()
        out.append(Question(f"q{i}", q_text, str(item.get("context", "") or ""), options, is_yes_no(q_text, options)))
    return out


def _strip_emphasis(text: str) -> str:
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(\*|_)(.+?)\1", r"\2", text)
    return text.strip()


def _markdown(text: str) -> list[Question]:
    out: list[Question] = []
    fenced = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            fenced = not fenced
            continue
        if fenced or not stripped:
            continue
        q_text: str | None = None
        m = _NUMBERED.match(line)
        if m:
            q_text = m.group(1)
        elif _IMPERATIVE.match(line):
            q_text = stripped.lstrip("-* ").strip()
        else:
            b = _BULLET.match(line)
            if b and b.group(1).rstrip().endswith("?"):
                q_text = b.group(1)
            elif _TRAILING_PAREN.sub("", stripped).endswith("?"):
                q_text = stripped
        if q_text is None:
            continue
        q_text = _strip_emphasis(q_text)
        options: list[str] = []
        paren = _TRAILING_PAREN.search(q_text)
        if paren:
            inner = paren.group(1)
            parts = inner.split(", ") if ", " in inner else inner.split(",")
            options = filter_options([p.strip() for p in parts])
            q_text = q_text[: paren.start()].strip()
        if not q_text:
            continue
        out.append(Question(f"q{len(out) + 1}", q_text, "", options, is_yes_no(q_text, options)))
        if len(out) >= MAX_QUESTIONS:
            break
    return out


def parse_questions(text: str) -> list[Question]:
    """The questions in ``text`` (structured JSON first, then Markdown); may be empty."""
    if not text.strip():
        return []
    structured = _structured(text)
    if structured is not None:
        return structured
    return _markdown(text)


def normalise_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def summary_markdown(result: InterviewResult) -> str:
    lines = ["## Interview Answers"]
    answered = 0
    for n, q in enumerate(result.questions, 1):
        lines.append("")
        lines.append(f"**Q{n}: {q.text}**")
        if not q.answer.strip():
            lines.append("(skipped)")
        else:
            answered += 1
            lines.append(f"{q.answer} — {q.elaboration}" if q.elaboration else q.answer)
    lines += ["", "---", f"*{answered} of {len(result.questions)} questions answered*"]
    if result.canceled:
        lines.append("*The interview was canceled before all questions were answered.*")
    return "\n".join(lines)


def answers_object(result: InterviewResult) -> dict[str, str]:
    """The object declared ``writes:`` are read from: ``q<n>`` and the normalised question text."""
    data: dict[str, str] = {}
    for q in result.questions:
        data.setdefault(q.id, q.answer)
        key = normalise_key(q.text)
        if key:
            data.setdefault(key, q.answer)
    return data
