"""Shell helpers for tool-command checks: ``bash -n`` (DIP123), the binary a command runs
(DIP125) and the literal values it prints (coverage, spec §6.6).

Commands are parsed with bashlex. bashlex rejects some valid shell (``case`` arms,
``$(( ))``, ``[[ ]]``, ``$(a || b)``, here-documents inside compound commands), so the
text is first *masked*: those constructs are overwritten, offset for offset, by shapes
bashlex accepts (a command substitution becomes the parameter word ``$___``, a case
statement becomes a ``{ ... }`` group without its patterns, a here-document body becomes
blanks). Offsets in the masked text are therefore offsets in the command, and the inside
of every command substitution is parsed on its own.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

BUILTINS = frozenset(
    {
        "echo", "printf", "test", "[", "[[", "if", "then", "else", "fi", "for", "while", "do",
        "done", "case", "esac", "read", "eval", "exec", "exit", "return", "shift", "trap", "wait",
        "true", "false", "source", ".", "local", "declare", "set", "cd", "export", "unset",
        # Builtins the reference list forgot; none of them is looked up on PATH either.
        ":", "alias", "break", "continue", "getopts", "readonly", "times", "type", "ulimit",
        "umask", "hash", "pwd", "kill", "jobs", "fg", "bg", "let", "typeset",
    }
)  # fmt: skip
PREAMBLE = frozenset({"mkdir"})
ECHO_FLAGS = frozenset({"-n", "-e", "-E", "--"})

# ``${ns.key}`` placeholders are expanded by the engine before the shell sees the
# command; as shell text they are a "bad substitution", so they are parsed as a word.
_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)+\}")
_BREAK_BEFORE = " \t\n;&|()"
_RESERVED_BEFORE_COMMAND = frozenset({"then", "do", "else", "elif", "{", "!", "if", "while", "until"})


# --------------------------------------------------------------------------- masking


class _Masker:
    """Rewrites constructs bashlex cannot parse (see the module docstring)."""

    def __init__(self, text: str) -> None:
        self.t = text
        self.n = len(text)
        self.out = list(text)
        self.substitutions: list[tuple[int, int]] = []
        self.pending_heredocs: list[tuple[str, bool]] = []

    # -- helpers
    def fill(self, a: int, b: int, first: str = "", char: str = "_", keep_newlines: bool = False) -> None:
        for k in range(a, min(b, self.n)):
            if not (keep_newlines and self.out[k] == "\n"):
                self.out[k] = char
        if first and a < self.n:
            self.out[a] = first

    def word_at(self, i: int, word: str) -> bool:
        end = i + len(word)
        if not self.t.startswith(word, i):
            return False
        if i > 0 and self.t[i - 1] not in _BREAK_BEFORE:
            return False
        return end >= self.n or self.t[end] in _BREAK_BEFORE

    def command_position(self, i: int) -> bool:
        """Whether a word starting at ``i`` is where a command name can stand."""
        k = i - 1
        while k >= 0 and self.t[k] in " \t":
            k -= 1
        if k < 0 or self.t[k] in "\n;&|(":
            return True
        end = k + 1
        while k >= 0 and self.t[k] not in _BREAK_BEFORE:
            k -= 1
        return self.t[k + 1 : end] in _RESERVED_BEFORE_COMMAND

    def skip_single(self, i: int) -> int:
        j = self.t.find("'", i + 1)
        return self.n if j == -1 else j + 1

    def skip_double(self, i: int) -> int:
        """``i`` is at the opening quote; returns the index after the closing one."""
        k = i + 1
        while k < self.n:
            c = self.t[k]
            if c == "\\":
                k += 2
            elif c == '"':
                return k + 1
            elif c == "$" and self.t.startswith("$((", k):
                k = self.arithmetic(k)
            elif c == "$" and self.t.startswith("$(", k):
                k = self.substitution(k)
            elif c == "`":
                k = self.backtick(k)
            else:
                k += 1
        return self.n

    # -- constructs
    def substitution(self, i: int) -> int:
        mark = len(self.substitutions)
        end = self.scan(i + 2, "subst")
        del self.substitutions[mark:]
        self.substitutions.append((i + 2, end))
        self.fill(i, end + 1, first="$")
        return end + 1

    def backtick(self, i: int) -> int:
        k = i + 1
        while k < self.n and self.t[k] != "`":
            k += 2 if self.t[k] == "\\" else 1
        self.substitutions.append((i + 1, min(k, self.n)))
        self.fill(i, k + 1, first="$")
        return k + 1

    def arithmetic(self, i: int, first: str = "$", last: str = "") -> int:
        """``$(( ... ))`` (or a ``(( ... ))`` command): blank it out as one word."""
        depth = 0
        k = i + (1 if first == "$" else 0)
        while k < self.n:
            c = self.t[k]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        self.fill(i, k + 1, first=first)
        if last and k < self.n:
            self.out[k] = last
        return k + 1

    def double_bracket(self, i: int) -> int:
        """``[[ ... ]]`` becomes the ``[ ... ]`` test builtin with its arguments blanked."""
        end = self.t.find("]]", i + 2)
        end = self.n - 2 if end == -1 else end
        self.fill(i, end + 2, first="[", char=" ", keep_newlines=True)
        if end + 1 < self.n:
            self.out[end + 1] = "]"
        return end + 2

    def heredoc_operator(self, i: int) -> int:
        k = i + 2
        strip_tabs = k < self.n and self.t[k] == "-"
        if strip_tabs:
            k += 1
        while k < self.n and self.t[k] in " \t":
            k += 1
        delim: list[str] = []
        while k < self.n and self.t[k] not in " \t\n;&|<>()":
            c = self.t[k]
            if c in "'\"":
                close = self.t.find(c, k + 1)
                close = self.n if close == -1 else close
                delim.append(self.t[k + 1 : close])
                k = close + 1
            elif c == "\\":
                delim.append(self.t[k + 1 : k + 2])
                k += 2
            else:
                delim.append(c)
                k += 1
        if delim:
            self.pending_heredocs.append(("".join(delim), strip_tabs))
            self.fill(i, k, first="<")
        return k

    def heredoc_bodies(self, newline: int) -> int:
        """Blank out pending here-document bodies starting after ``newline``."""
        k = newline + 1
        for delim, strip_tabs in self.pending_heredocs:
            while k < self.n:
                end = self.t.find("\n", k)
                end = self.n if end == -1 else end
                line = self.t[k:end]
                self.fill(k, end, char=" ")
                k = end + 1
                if (line.lstrip("\t") if strip_tabs else line) == delim:
                    break
        self.pending_heredocs.clear()
        return min(k - 1, self.n)

    def case(self, i: int) -> int:
        """``case w in p) cmds;; esac`` becomes ``{ cmds; }`` with header and patterns blanked."""
        k = i + 4
        while k < self.n and self.t[k] in " \t":
            k += 1
        k = self.skip_word(k)
        while k < self.n and self.t[k] in " \t\n":
            k += 1
        if not self.word_at(k, "in"):
            return i + 4
        self.fill(i, k + 2, first="{", char=" ", keep_newlines=True)
        k += 2
        while k < self.n:
            while k < self.n and self.t[k] in " \t\n":
                k += 1
            if k < self.n and self.t[k] == "#":
                k = self.line_end(k)
                continue
            if k >= self.n:
                return k
            if self.word_at(k, "esac"):
                self.fill(k, k + 4, first="}", char=" ")
                return k + 4
            close = self.pattern_end(k)
            self.fill(k, close + 1, char=" ", keep_newlines=True)
            body = close + 1
            end = self.scan(body, "arm")
            if end >= self.n:
                return end
            if self.word_at(end, "esac"):
                k = end
                continue
            length = 3 if self.t.startswith(";;&", end) else 2
            # ``;;`` ends the arm's last command unless a newline or ``;`` already did.
            before = self.t[body:end].rstrip(" \t")
            needs_separator = bool(before.strip()) and not before.endswith(("\n", ";", "&"))
            self.fill(end, end + length, first=";" if needs_separator else " ", char=" ")
            k = end + length
        return k

    def pattern_end(self, k: int) -> int:
        while k < self.n and self.t[k] != ")":
            c = self.t[k]
            if c == "'":
                k = self.skip_single(k)
            elif c == '"':
                k = self.skip_double(k)
            elif c == "\\":
                k += 2
            else:
                k += 1
        return k

    def skip_word(self, k: int) -> int:
        while k < self.n and self.t[k] not in " \t\n;&|<>()":
            c = self.t[k]
            if c == "'":
                k = self.skip_single(k)
            elif c == '"':
                k = self.skip_double(k)
            elif c == "\\":
                k += 2
            elif c == "$" and self.t.startswith("$(", k):
                k = self.substitution(k)
            else:
                k += 1
        return k

    def line_end(self, k: int) -> int:
        end = self.t.find("\n", k)
        return self.n if end == -1 else end

    def scan(self, i: int, mode: str) -> int:
        """Advance over shell text; ``mode`` is ``top``, ``subst`` (stops at the matching
        ``)``) or ``arm`` (stops at ``;;``/``;&`` or ``esac``). Returns the stop index."""
        depth = 0
        t = self.t
        while i < self.n:
            c = t[i]
            if c == "\\":
                i += 2
            elif c == "'":
                i = self.skip_single(i)
            elif c == '"':
                i = self.skip_double(i)
            elif c == "`":
                i = self.backtick(i)
            elif c == "$" and t.startswith("$((", i):
                i = self.arithmetic(i)
            elif c == "$" and t.startswith("$(", i):
                i = self.substitution(i)
            elif c == "#" and (i == 0 or t[i - 1] in _BREAK_BEFORE):
                i = self.line_end(i)
            elif c == "\n":
                i = (self.heredoc_bodies(i) if self.pending_heredocs else i) + 1
            elif c == "<" and t.startswith("<<", i) and not t.startswith("<<<", i):
                i = self.heredoc_operator(i)
            elif c == "(" and t.startswith("((", i) and self.command_position(i):
                i = self.arithmetic(i, first="[", last="]")
            elif c == "[" and t.startswith("[[", i) and self.word_at(i, "[["):
                i = self.double_bracket(i)
            elif mode == "subst" and c in "()":
                if c == ")" and depth == 0:
                    return i
                depth += 1 if c == "(" else -1
                i += 1
            elif mode == "arm" and c == ";" and (t.startswith(";;", i) or t.startswith(";&", i)):
                return i
            elif c == "c" and self.word_at(i, "case") and self.command_position(i):
                i = self.case(i)
            elif mode == "arm" and c == "e" and self.word_at(i, "esac"):
                return i
            else:
                i += 1
        return self.n


@dataclass(frozen=True)
class _Part:
    """One parsed piece of a command: the bashlex trees and where its text starts."""

    trees: list[Any]
    masked: str
    base: int


def _mask(text: str) -> tuple[str, list[tuple[int, int]]]:
    masker = _Masker(text)
    masker.scan(0, "top")
    return "".join(masker.out), masker.substitutions


@dataclass(frozen=True)
class _Parsed:
    parts: tuple[_Part, ...]
    placeholders: tuple[tuple[int, int], ...]

    def in_placeholder(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.placeholders)


@functools.lru_cache(maxsize=1024)
def _parse(command: str) -> _Parsed | None:
    """The command and every command substitution in it, parsed; None when bashlex fails."""
    import bashlex  # deferred: only tool commands need it

    placeholders = tuple(m.span() for m in _PLACEHOLDER.finditer(command))
    text = _PLACEHOLDER.sub(lambda m: "_" * len(m.group(0)), command)
    parts: list[_Part] = []
    todo = [(text, 0)]
    while todo:
        chunk, base = todo.pop()
        masked, subs = _mask(chunk)
        if masked.strip():
            try:
                trees = bashlex.parse(masked)
            except Exception:  # bashlex raises several unrelated exception types
                return None
            parts.append(_Part(trees, masked, base))
        todo.extend((chunk[a:b], base + a) for a, b in subs)
    parts.sort(key=lambda p: p.base)
    return _Parsed(tuple(parts), placeholders)


def parses(command: str) -> bool:
    """Whether the command can be analysed (bashlex accepts it after masking)."""
    return _parse(command) is not None


def _children(node: Any) -> Iterator[Any]:
    for name in ("parts", "list"):
        yield from getattr(node, name, None) or ()
    command = getattr(node, "command", None)
    if command is not None and hasattr(command, "kind"):
        yield command


def _commands(node: Any) -> Iterator[Any]:
    """Every simple command under ``node`` (depth first, source order)."""
    if node.kind == "command":
        yield node
    for child in _children(node):
        if hasattr(child, "kind"):
            yield from _commands(child)


def _words(command: Any) -> list[Any]:
    return [p for p in command.parts if p.kind == "word"]


def _raw(part: _Part, word: Any) -> str:
    return part.masked[word.pos[0] : word.pos[1]]


def _plain_literal(raw: str) -> str:
    """The word's text when it is a bare literal (no quoting or expansion), else ""."""
    if not raw or any(c in raw for c in "'\"$`"):
        return ""
    return raw


def _literal(raw: str) -> str:
    """The value of a plain, single-quoted or expansion-free double-quoted word, else ""."""
    if len(raw) >= 2 and raw[0] == raw[-1] == "'" and "'" not in raw[1:-1]:
        return raw[1:-1]
    if len(raw) >= 2 and raw[0] == raw[-1] == '"' and not any(c in raw[1:-1] for c in '"$`'):
        return raw[1:-1]
    return _plain_literal(raw)


# --------------------------------------------------------------------------- DIP125


@dataclass(frozen=True)
class Binary:
    """The program a tool command runs, with its offsets in the command text."""

    name: str
    start: int
    end: int


def _function_names(parts: tuple[_Part, ...]) -> set[str]:
    names: set[str] = set()

    def visit(node: Any, part: _Part) -> None:
        if node.kind == "function" and node.parts:
            names.add(_raw(part, node.parts[0]))
        for child in _children(node):
            if hasattr(child, "kind"):
                visit(child, part)

    for part in parts:
        for tree in part.trees:
            visit(tree, part)
    return names


@functools.lru_cache(maxsize=1024)
def first_binary(command: str) -> Binary | None:
    """The first program the command runs that is not a shell builtin or ``mkdir``.

    ``command -v x`` is a lookup (no binary); ``command x`` runs ``x``. A name defined
    as a shell function in the command is not a binary, and a script that sources a
    file (``.``/``source``) before its first program has unknowable names (None).
    """
    parsed = _parse(command)
    if parsed is None:
        return _fallback_binary(command)
    parts = parsed.parts
    candidates: list[tuple[int, str, int, int, bool]] = []
    for part in parts:
        for tree in part.trees:
            for cmd in _commands(tree):
                words = _words(cmd)
                if not words:
                    continue
                name = _plain_literal(_raw(part, words[0]))
                if not name:
                    continue
                via_command = name == "command"
                start, end = words[0].pos
                if via_command:
                    name = ""
                    for arg in words[1:]:
                        lit = _plain_literal(_raw(part, arg))
                        if not lit or (lit.startswith("-") and any(c in lit for c in "vV")):
                            break
                        if not lit.startswith("-"):
                            name = lit
                            start, end = arg.pos
                            break
                    if not name:
                        continue
                candidates.append((part.base + start, name, part.base + start, part.base + end, via_command))
    candidates.sort()
    for _, name, start, end, via_command in candidates:
        if name in (".", "source"):
            return None
        if name in BUILTINS or name in PREAMBLE:
            continue
        if parsed.in_placeholder(start, end):
            return None  # contains a ${ns.key} placeholder: unknown before expansion
        if not via_command and name in _function_names(parts):
            return None
        return Binary(name, start, end)
    return None


_SIMPLE_NAME = re.compile(r"[A-Za-z0-9_./+-]+\Z")


def _fallback_binary(command: str) -> Binary | None:
    """When the command does not parse: the first command word of a line that is not a
    builtin, the preamble, an assignment or a placeholder."""
    offset = 0
    for line in command.split("\n"):
        stripped = line.lstrip()
        first = stripped.split(None, 1)[0] if stripped else ""
        if first in (".", "source"):
            return None
        if (
            first
            and not first.startswith("#")
            and "=" not in first
            and first not in BUILTINS
            and first not in PREAMBLE
            and first not in _RESERVED_BEFORE_COMMAND
            and _SIMPLE_NAME.match(first)
            and not first.startswith("-")
        ):
            start = offset + len(line) - len(stripped)
            return Binary(first, start, start + len(first))
        offset += len(line) + 1
    return None


def on_path(binary: str) -> bool:
    """Whether ``binary`` resolves on the current ``PATH`` (cached per PATH value)."""
    return _which(binary, os.environ.get("PATH", "")) is not None


@functools.lru_cache(maxsize=1024)
def _which(binary: str, path: str) -> str | None:
    return shutil.which(binary, path=path)


# --------------------------------------------------------------------------- DIP123


@dataclass(frozen=True)
class SyntaxProblem:
    """What ``bash -n`` said: its last output line and the 1-based line it names."""

    message: str
    line: int | None


_BASH_LINE = re.compile(r"line (\d+):")


_SYNTAX_CACHE: dict[str, SyntaxProblem | None] = {}
_SYNTAX_CACHE_LIMIT = 2048
_PARALLEL_CHECKS = 16


def bash_syntax_error(command: str) -> SyntaxProblem | None:
    """Run ``bash -n`` on the command; None when it is valid or bash is unavailable."""
    return bash_syntax_errors([command]).get(command)


def bash_syntax_errors(commands: list[str]) -> dict[str, SyntaxProblem | None]:
    """``bash -n`` for several commands at once (concurrent processes, cached by text)."""
    todo = [c for c in dict.fromkeys(commands) if c not in _SYNTAX_CACHE]
    bash = shutil.which("bash") if todo else None
    if todo and bash is None:
        return {}
    for i in range(0, len(todo), _PARALLEL_CHECKS):
        batch = todo[i : i + _PARALLEL_CHECKS]
        running: list[tuple[str, subprocess.Popen[str] | None]] = []
        for command in batch:
            try:
                proc: subprocess.Popen[str] | None = subprocess.Popen(
                    ["bash", "-n"],  # argv[0] "bash" keeps messages free of the install path
                    executable=bash,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            except OSError:
                proc = None
            running.append((command, proc))
        for command, proc in running:
            _SYNTAX_CACHE[command] = _finish(proc, command)
    if len(_SYNTAX_CACHE) > _SYNTAX_CACHE_LIMIT:
        for key in list(_SYNTAX_CACHE)[: len(_SYNTAX_CACHE) - _SYNTAX_CACHE_LIMIT]:
            del _SYNTAX_CACHE[key]
    return {c: _SYNTAX_CACHE.get(c) for c in commands}


def _finish(proc: subprocess.Popen[str] | None, command: str) -> SyntaxProblem | None:
    if proc is None:
        return None
    try:
        output, _ = proc.communicate(command, timeout=10)
    except (OSError, subprocess.SubprocessError):
        proc.kill()
        proc.communicate()
        return None
    if proc.returncode == 0:
        return None
    lines = [ln for ln in output.splitlines() if ln.strip()]
    last = lines[-1] if lines else f"bash -n exited with status {proc.returncode}"
    numbers = [int(m.group(1)) for ln in lines for m in [_BASH_LINE.search(ln)] if m]
    return SyntaxProblem(last, numbers[-1] if numbers else None)


# --------------------------------------------------------------------------- coverage


_STDOUT_REDIRECTS = frozenset({">", ">>", ">|", "<>", ">&"})


def _redirects_stdout(redirect: Any) -> bool:
    kind = getattr(redirect, "type", "")
    if kind in ("&>", "&>>"):
        return True
    if kind in _STDOUT_REDIRECTS:
        fd = getattr(redirect, "input", None)
        return fd is None or fd == 1
    return False


def printed_values(command: str) -> list[str]:
    """Literal values the command prints with ``echo``/``printf`` to the engine's stdout.

    Statements whose stdout is redirected and pipelines are skipped, command
    substitutions are not entered, and format-looking values (``%`` plus up to two
    characters) are ignored. A command that does not parse prints nothing we know of.
    """
    return list(_printed_values(command))


@functools.lru_cache(maxsize=1024)
def _printed_values(command: str) -> tuple[str, ...]:
    parsed = _parse(command)
    if parsed is None or not parsed.parts or parsed.parts[0].base != 0:
        return ()
    out: list[str] = []
    main = parsed.parts[0]

    def literal(word: Any) -> str:
        start, end = word.pos
        return "" if parsed.in_placeholder(start, end) else _literal(_raw(main, word))

    def add(value: str) -> None:
        if value and value not in out and not (value.startswith("%") and len(value.encode()) <= 3):
            out.append(value)

    def call(cmd: Any) -> None:
        words = _words(cmd)
        if not words:
            return
        name = literal(words[0])
        args = [literal(w) for w in words[1:]]
        if name == "echo":
            for arg in args:
                if arg not in ECHO_FLAGS:
                    add(arg)
        elif name == "printf" and args and args[0]:
            if args[0] in ("%s", "%s\\n") and len(args) == 2:
                add(args[1])
            else:
                add(args[0])

    def visit(node: Any) -> None:
        kind = node.kind
        if kind == "command":
            if not any(p.kind == "redirect" and _redirects_stdout(p) for p in node.parts):
                call(node)
            return
        if kind == "pipeline" and any(p.kind == "pipe" for p in node.parts):
            return
        if kind == "compound" and any(_redirects_stdout(r) for r in getattr(node, "redirects", ()) or ()):
            return
        if kind in ("word", "assignment", "redirect"):
            return
        for child in _children(node):
            if hasattr(child, "kind"):
                visit(child)

    for tree in main.trees:
        visit(tree)
    return tuple(out)
