"""Rendering diagnostics for the terminal and for JSON consumers.

Human output follows the rustc layout (``error[DIP003]: message``, a ``-->`` location,
the source line with the range underlined, ``= help``/``= fix`` notes). It is colored
with rich only when the stream is a terminal; rich is imported then and only then, so
piped and CI runs stay fast. JSON output uses LSP conventions: zero-based lines and
characters counted in UTF-16 code units.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from tracker.dippin.diagnostics import Diagnostic, Severity
from tracker.dippin.positions import Position, Range

_STYLES = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.INFO: "bold blue",
    Severity.HINT: "bold cyan",
}


# --------------------------------------------------------------------------- JSON


def utf16_column(line: str, character: int) -> int:
    """Convert a code-point column on ``line`` to UTF-16 code units."""
    prefix = line[:character]
    extra = sum(1 for ch in prefix if ord(ch) > 0xFFFF)
    return len(prefix) + extra + max(character - len(line), 0)


def _position16(pos: Position, lines: Sequence[str]) -> dict[str, int]:
    text = lines[pos.line] if 0 <= pos.line < len(lines) else ""
    return {"line": pos.line, "character": utf16_column(text, pos.character)}


def range16(rng: Range, lines: Sequence[str]) -> dict[str, dict[str, int]]:
    return {"start": _position16(rng.start, lines), "end": _position16(rng.end, lines)}


def diagnostic_json(d: Diagnostic, lines: Sequence[str], file: str | None = None) -> dict[str, Any]:
    """``d.to_dict()`` with ranges in UTF-16 columns (and the display file name)."""
    out = d.to_dict()
    out["file"] = d.file or file
    out["range"] = range16(d.range, lines)
    if d.fix is not None:
        out["fix"] = {
            "title": d.fix.title,
            "edits": [{"range": range16(e.range, lines), "newText": e.new_text} for e in d.fix.edits],
        }
    if d.related:
        out["related"] = [
            {
                "message": r.message,
                "file": r.file or out["file"],
                "range": range16(r.range, lines) if (r.file or d.file) == d.file else r.range.to_dict(),
            }
            for r in d.related
        ]
    return out


def dump_json(data: Any, stream: IO[str]) -> None:
    import json  # only JSON output needs it (cold start)

    stream.write(json.dumps(data, indent=2, ensure_ascii=False))
    stream.write("\n")


# --------------------------------------------------------------------------- text


class Printer:
    """Writes lines to a stream, styled with rich when the stream is a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._console: Any = None
        try:
            self.tty = stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False

    def _rich(self) -> Any:
        if self._console is None:
            from rich.console import Console  # deferred: only for terminals

            self._console = Console(file=self.stream, highlight=False, soft_wrap=True)
        return self._console

    def line(self, text: str = "", style: str | None = None) -> None:
        text = self._encodable(text)
        if self.tty and style:
            from rich.text import Text

            self._rich().print(Text(text, style=style))
        else:
            self.stream.write(text + "\n")

    def _encodable(self, text: str) -> str:
        encoding = getattr(self.stream, "encoding", None) or "utf-8"
        try:
            text.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            text = text.replace("✓", "ok").replace("→", "->").replace("—", "-")
            text = text.encode(encoding, errors="replace").decode(encoding, errors="replace")
        return text


def _snippet(line: str, start: int, end: int) -> tuple[str, str]:
    """The source line (tabs expanded) and a caret underline for ``start:end``."""
    expanded_prefix = line[:start].expandtabs(4)
    shown = line.expandtabs(4)
    width = max(len(line[start:end].expandtabs(4)), 1)
    return shown, " " * len(expanded_prefix) + "^" * width


def render_diagnostic(d: Diagnostic, lines: Sequence[str], display: str, out: Printer) -> None:
    """One diagnostic in rustc layout."""
    style = _STYLES.get(d.severity)
    out.line(f"{d.severity.value}[{d.code}]: {d.message}", style)
    start = d.range.start
    out.line(f"  --> {d.file or display}:{start.line + 1}:{start.character + 1}", "blue")
    if 0 <= start.line < len(lines):
        text = lines[start.line]
        end = d.range.end.character if d.range.end.line == start.line else len(text)
        end = max(min(end, len(text)), start.character)
        number = str(start.line + 1)
        gutter = " " * len(number)
        shown, carets = _snippet(text, min(start.character, len(text)), end)
        out.line(f"{gutter} |", "blue")
        out.line(f"{number} | {shown}")
        out.line(f"{gutter} | {carets}", style)
    if d.help:
        out.line(f"  = help: {d.help}")
    if d.fix is not None:
        out.line(f"  = fix: {d.fix.title}")
    out.line()


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(errors: int, warnings: int, hints: int, files: int) -> str:
    parts = [plural(errors, "error"), plural(warnings, "warning")]
    if hints:
        parts.append(plural(hints, "hint"))
    return f"{', '.join(parts)} in {plural(files, 'file')}"
