"""A person answers gates at the terminal.

:class:`LineConsoleInterviewer` reads plain lines from stdin (scripts, pipes, CI; engine
spec §4.3.6): choices by text or number, the default on an empty line, free text on one
line, interviews one question at a time. :class:`RichConsoleInterviewer` is the
interactive version for a terminal: rich prompts for choice lists, text, yes/no and an
interview form. Reading stdin happens on a daemon thread, so a gate that times out never
blocks the event loop or the process exit.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO, TypeVar

from tracker.gates import (
    ACTOR_HUMAN,
    GateAnswer,
    GateError,
    GateRequest,
    InterviewResult,
    Question,
    QuestionAnswer,
)

T = TypeVar("T")


class StdinLines:
    """Lines of stdin, read by a daemon thread and handed to the event loop."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdin
        self._queue: asyncio.Queue[str | None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._eof = False

    def _start(self) -> asyncio.Queue[str | None]:
        if self._queue is None:
            self._loop = asyncio.get_running_loop()
            self._queue = asyncio.Queue()
            self._thread = threading.Thread(target=self._pump, name="tracker-stdin", daemon=True)
            self._thread.start()
        return self._queue

    def _pump(self) -> None:
        assert self._loop is not None and self._queue is not None
        queue, loop = self._queue, self._loop
        while True:
            try:
                line = self.stream.readline()
            except (OSError, ValueError):
                line = ""
            if not line:
                loop.call_soon_threadsafe(queue.put_nowait, None)
                return
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\r\n"))

    async def readline(self) -> str | None:
        """The next line without its newline; ``None`` at end of input."""
        if self._eof:
            return None
        line = await self._start().get()
        if line is None:
            self._eof = True
        return line


async def in_daemon_thread(fn: Callable[[], T]) -> T:
    """Run a blocking call (e.g. a rich prompt) on a daemon thread."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)  # type: ignore[arg-type]

    def target() -> None:
        try:
            value = fn()
        except BaseException as exc:  # handed to the waiting coroutine
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, value, None)

    threading.Thread(target=target, name="tracker-prompt", daemon=True).start()
    return await future


def _yes_no(text: str) -> str | None:
    lowered = text.strip().lower()
    if lowered in ("y", "yes"):
        return "yes"
    if lowered in ("n", "no"):
        return "no"
    return None


def _pick(text: str, options: list[str]) -> str | None:
    stripped = text.strip()
    for option in options:
        if option.lower() == stripped.lower():
            return option
    if stripped.isdigit() and 1 <= int(stripped) <= len(options):
        return options[int(stripped) - 1]
    return None


class LineConsoleInterviewer:
    """Line-based gates on stdin/stdout (or stderr when stdout carries ``--json``)."""

    actor = ACTOR_HUMAN

    def __init__(self, lines: StdinLines | None = None, out: TextIO | None = None) -> None:
        self.lines = lines or StdinLines()
        self.out = out or sys.stdout

    def supports(self, mode: str) -> bool:
        return True

    def _print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def _read(self) -> str | None:
        self.out.write("> ")
        self.out.flush()
        line = await self.lines.readline()
        if line is None:
            self._print("(end of input)")
        return line

    async def ask(self, request: GateRequest) -> GateAnswer:
        self._print()
        self._print(f"── gate {request.node_id} ─────")
        self._print(request.prompt)
        if request.mode == "interview":
            return GateAnswer(interview=await self._interview(request.questions, request.previous), actor=self.actor)
        if request.mode in ("choice", "yes_no"):
            options = request.choices
            for i, option in enumerate(options, 1):
                mark = " *" if option == request.default else ""
                self._print(f"  {i}. {option}{mark}")
            line = await self._read()
            if line is None or not line.strip():
                if request.default:
                    return GateAnswer(request.default, actor=self.actor)
                raise GateError("end of input" if line is None else "no choice given and no default")
            choice = _pick(line, options)
            if choice is None:
                raise GateError(f"{line.strip()!r} is not one of: {', '.join(options)}")
            return GateAnswer(choice, actor=self.actor)
        if request.mode == "hybrid" and request.choices:
            self._print(f"  (type one of: {', '.join(request.choices)} — or any text)")
        line = await self._read()
        if line is None:
            raise GateError("end of input")
        if not line.strip():
            raise GateError("empty answer")
        if request.mode == "hybrid":
            picked = _pick(line, request.choices)
            if picked is not None:
                return GateAnswer(picked, actor=self.actor)
        return GateAnswer(line.strip(), actor=self.actor)

    async def _interview(self, questions: list[Question], previous: InterviewResult | None) -> InterviewResult:
        result = InterviewResult()
        for index, q in enumerate(questions):
            before = previous.answer_for(q.id) if previous is not None else None
            hint = " (y/n)" if q.yes_no else ""
            self._print(f"{q.id.upper()}: {q.text}{hint}")
            if q.context:
                self._print(f"    {q.context}")
            if q.options and not q.yes_no:
                for i, option in enumerate(q.options, 1):
                    self._print(f"    {i}. {option}")
            if before is not None and before.answer:
                self._print(f"    (previous answer: {before.answer})")
            line = await self._read()
            answer = ""
            failed = line is None
            if line is not None and line.strip():
                if q.yes_no:
                    value = _yes_no(line)
                    failed = value is None
                    answer = value or ""
                elif q.options:
                    picked = _pick(line, q.options)
                    answer = picked if picked is not None else line.strip()
                else:
                    answer = line.strip()
            if failed:
                for rest in questions[index:]:
                    result.questions.append(QuestionAnswer(rest.id, rest.text, list(rest.options)))
                result.canceled = True
                result.incomplete = True
                return result
            result.questions.append(QuestionAnswer(q.id, q.text, list(q.options), answer))
            if not answer:
                result.incomplete = True
        return result

    async def close(self) -> None:
        return None


class RichConsoleInterviewer:
    """Interactive gates for a terminal, drawn with rich."""

    actor = ACTOR_HUMAN

    def __init__(self, console: Any = None, pause: Callable[[bool], None] | None = None) -> None:
        from rich.console import Console

        self.console = console or Console()
        self.pause = pause  # called with True before prompting and False after (live view)

    def supports(self, mode: str) -> bool:
        return True

    async def ask(self, request: GateRequest) -> GateAnswer:
        if self.pause is not None:
            self.pause(True)
        try:
            return await in_daemon_thread(lambda: self._ask(request))
        finally:
            if self.pause is not None:
                self.pause(False)

    def _ask(self, request: GateRequest) -> GateAnswer:
        from rich.panel import Panel
        from rich.prompt import Confirm, Prompt

        c = self.console
        c.print(Panel(request.prompt, title=f"gate · {request.label}", border_style="yellow"))
        if request.mode == "interview":
            return GateAnswer(interview=self._interview(request), actor=self.actor)
        if request.mode == "yes_no":
            return GateAnswer("Yes" if Confirm.ask("Yes or no?", console=c) else "No", actor=self.actor)
        if request.mode == "choice":
            for i, option in enumerate(request.choices, 1):
                c.print(f"  [bold]{i}[/]. {option}" + ("  [dim](default)[/]" if option == request.default else ""))
            while True:
                text = Prompt.ask("Choose", console=c, default=request.default or None)
                picked = _pick(text or "", request.choices)
                if picked is not None:
                    return GateAnswer(picked, actor=self.actor)
                c.print(f"[red]Pick one of 1–{len(request.choices)} or type an option.[/]")
        if request.mode == "hybrid" and request.choices:
            c.print("  Options: " + ", ".join(f"[bold]{o}[/]" for o in request.choices) + " — or type your own answer")
        while True:
            text = Prompt.ask("Answer", console=c, default=request.default or None)
            if text and text.strip():
                picked = _pick(text, request.choices) if request.mode == "hybrid" else None
                return GateAnswer(picked or text.strip(), actor=self.actor)

    def _interview(self, request: GateRequest) -> InterviewResult:
        from rich.prompt import Prompt

        c = self.console
        result = InterviewResult()
        total = len(request.questions)
        for n, q in enumerate(request.questions, 1):
            before = request.previous.answer_for(q.id) if request.previous is not None else None
            c.print(f"[bold]Q{n} of {total}:[/] {q.text}")
            if q.context:
                c.print(f"  [dim]{q.context}[/]")
            default = before.answer if before is not None and before.answer else None
            if q.yes_no:
                text = Prompt.ask("  yes/no (blank skips)", console=c, choices=["yes", "no", ""], default=default or "", show_choices=False)
                answer = text or ""
            elif q.options:
                for i, option in enumerate(q.options, 1):
                    c.print(f"    {i}. {option}")
                text = Prompt.ask("  choice or your own answer (blank skips)", console=c, default=default or "")
                answer = _pick(text, q.options) or text.strip()
            else:
                answer = Prompt.ask("  answer (blank skips)", console=c, default=default or "").strip()
            elaboration = ""
            if answer and (q.yes_no or q.options):
                elaboration = Prompt.ask("  details (optional)", console=c, default="").strip()
            result.questions.append(QuestionAnswer(q.id, q.text, list(q.options), answer, elaboration))
            if not answer:
                result.incomplete = True
        return result

    async def close(self) -> None:
        return None
