"""Shell analysis of tool commands: the binary a command runs (DIP125) and the literal
values it prints (coverage, spec §6.6); ``bash -n`` (DIP123) is in :mod:`bash_syntax`.

Commands are parsed with tree-sitter-bash, which reads all of bash (``case``, ``$(( ))``,
``[[ ]]``, here-documents, functions, command substitutions) into one syntax tree. The
parser is imported the first time a tool command is analysed, never at module import.
Tree offsets are UTF-8 byte offsets; everything this module returns is in characters of
the command text.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracker.dippin.records import record

if TYPE_CHECKING:
    from tree_sitter import Language, Node

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
_RESERVED_BEFORE_COMMAND = frozenset({"then", "do", "else", "elif", "{", "!", "if", "while", "until"})


# --------------------------------------------------------------------------- parsing


@functools.cache
def _language() -> Language:
    import tree_sitter_bash  # deferred: only tool commands need the parser
    from tree_sitter import Language

    return Language(tree_sitter_bash.language())


def _char_offsets(text: str) -> list[int] | None:
    """Character offset of every UTF-8 byte offset of ``text``; None when they are equal."""
    if text.isascii():
        return None
    table: list[int] = []
    for index, char in enumerate(text):
        table.extend([index] * len(char.encode("utf-8", "surrogatepass")))
    table.append(len(text))
    return table


@record(kw_only=False, eq=True, frozen=True, slots=False)
class _Word:
    """A word of a simple command: its text as written and its offsets in the command."""

    text: str
    start: int
    end: int


@record(kw_only=False, eq=True, frozen=True, slots=False)
class _Command:
    """A simple command: its words (name first, no assignments or redirects) and whether
    its stdout goes somewhere other than the engine."""

    words: tuple[_Word, ...]
    stdout_redirected: bool


@record(kw_only=False, eq=True, frozen=True, slots=False)
class _Parsed:
    """A command's syntax tree, the text it was parsed from (placeholders blanked, same
    length) and where the ``${ns.key}`` placeholders were."""

    text: str
    root: Node
    placeholders: tuple[tuple[int, int], ...]
    char_offsets: list[int] | None

    def in_placeholder(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.placeholders)

    def offset(self, byte: int) -> int:
        return byte if self.char_offsets is None else self.char_offsets[byte]

    def word(self, node: Node) -> _Word:
        start, end = self.offset(node.start_byte), self.offset(node.end_byte)
        return _Word(self.text[start:end], start, end)

    def command(self, node: Node) -> _Command:
        """The simple command of a ``command`` node, with the redirects written after it."""
        words = [name] if (name := node.child_by_field_name("name")) is not None else []
        words.extend(node.children_by_field_name("argument"))
        redirects = node.children_by_field_name("redirect")
        parent = node.parent
        if parent is not None and parent.type == "redirected_statement":
            body = parent.child_by_field_name("body")
            if body is not None and body.id == node.id:
                redirects.extend(_statement_redirects(parent))
        for redirect in redirects:
            words.extend(_stray_words(redirect))
        words.sort(key=lambda n: n.start_byte)
        return _Command(
            tuple(self.word(w) for w in words),
            any(_redirects_stdout(r) for r in redirects),
        )


@functools.lru_cache(maxsize=1024)
def _parse(command: str) -> _Parsed | None:
    """The command's syntax tree; None when tree-sitter finds an error in it."""
    from tree_sitter import Parser

    placeholders = tuple(m.span() for m in _PLACEHOLDER.finditer(command))
    text = _PLACEHOLDER.sub(lambda m: "_" * len(m.group(0)), command)
    tree = Parser(_language()).parse(text.encode("utf-8", "surrogatepass"))
    if _has_error(tree.root_node):
        return None
    return _Parsed(text, tree.root_node, placeholders, _char_offsets(text))


def _has_error(root: Node) -> bool:
    """Whether the tree has a syntax error outside a well-closed ``$(( ))``.

    tree-sitter-bash does not read base-prefixed numbers before a parameter
    (``$((10#$n + 1))``); such an error stays inside the arithmetic, which none of the
    analyses here read, so it is tolerated.
    """
    stack = [root] if root.has_error else []
    while stack:
        node = stack.pop()
        if node.type == "arithmetic_expansion" and _closed(node):
            continue
        if node.is_error or node.is_missing:
            return True
        stack.extend(c for c in node.children if c.has_error)
    return False


def _closed(node: Node) -> bool:
    last = node.children[-1] if node.children else None
    return last is not None and last.type == "))" and not last.is_missing


def parses(command: str) -> bool:
    """Whether the command can be analysed (tree-sitter-bash parses it without errors)."""
    return _parse(command) is not None


def _walk(root: Node) -> Iterator[Node]:
    """``root`` and every named node under it, depth first in source order."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.named_children))


def _operator(redirect: Node) -> str:
    return next((c.type for c in redirect.children if not c.is_named), "")


def _statement_redirects(statement: Node) -> list[Node]:
    """The redirects of a ``redirected_statement``; tree-sitter-bash nests the ones written
    after a here-document operator (``cat <<EOF > out``) inside the here-document node."""
    redirects = statement.children_by_field_name("redirect")
    nested = [n for r in redirects if r.type == "heredoc_redirect" for n in r.children_by_field_name("redirect")]
    return redirects + nested


def _stray_words(redirect: Node) -> list[Node]:
    """Words tree-sitter-bash attaches to a file redirect although bash gives them to the
    command: the grammar lets a redirect take several targets (``2>/dev/null foo bar``),
    bash takes one, and none after a close (``2>&- foo``)."""
    if redirect.type != "file_redirect":
        return []
    operands = [c for c in redirect.named_children if c.type != "file_descriptor"]
    return operands if _operator(redirect) in ("<&-", ">&-") else operands[1:]


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


@record(kw_only=False, eq=True, frozen=True, slots=False)
class Binary:
    """The program a tool command runs, with its offsets in the command text."""

    name: str
    start: int
    end: int


def _program(words: tuple[_Word, ...]) -> tuple[Binary, bool] | None:
    """The program a simple command names, and whether it is run through ``command``.

    None when the name is not a plain literal, for ``command -v``-style lookups, and
    for ``time`` without a command (bash reads ``time [-p] cmd`` as a keyword before the
    command; tree-sitter-bash reads ``time`` as the command name).
    """
    if not words or not (name := _plain_literal(words[0].text)):
        return None
    if name not in ("command", "time"):
        return Binary(name, words[0].start, words[0].end), False
    for arg in words[1:]:
        literal = _plain_literal(arg.text)
        if not literal or (name == "command" and literal.startswith("-") and any(c in literal for c in "vV")):
            return None
        if not literal.startswith("-"):
            return Binary(literal, arg.start, arg.end), name == "command"
    return None


@functools.lru_cache(maxsize=1024)
def first_binary(command: str) -> Binary | None:
    """The first program the command runs that is not a shell builtin or ``mkdir``.

    ``command -v x`` is a lookup (no binary); ``command x`` runs ``x``. A name defined
    as a shell function in the command is not a binary, and a script that sources a
    file (``.``/``source``) before its first program has unknowable names (None).
    Commands inside command substitutions count, in source order; so do those inside
    the substitutions of an unquoted here-document, which bash runs too.
    """
    parsed = _parse(command)
    if parsed is None:
        return _fallback_binary(command)
    programs: list[tuple[Binary, bool]] = []
    functions: set[str] = set()
    for node in _walk(parsed.root):
        if node.type == "function_definition":
            if (name := node.child_by_field_name("name")) is not None:
                functions.add(parsed.word(name).text)
        elif node.type == "command" and (program := _program(parsed.command(node).words)):
            programs.append(program)
    programs.sort(key=lambda p: p[0].start)
    for binary, via_command in programs:
        if binary.name in (".", "source"):
            return None
        if binary.name in BUILTINS or binary.name in PREAMBLE:
            continue
        if parsed.in_placeholder(binary.start, binary.end):
            return None  # contains a ${ns.key} placeholder: unknown before expansion
        if not via_command and binary.name in functions:
            return None
        return binary
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


# --------------------------------------------------------------------------- coverage


_STDOUT_REDIRECTS = frozenset({">", ">>", ">|", "<>", ">&", ">&-"})
# Not entered when collecting printed values: pipelines (their output goes to the next
# command), substitutions (their output becomes a word) and here-document text.
_NOT_PRINTING = frozenset({"pipeline", "command_substitution", "process_substitution", "heredoc_body"})
_HEREDOC_TEXT = frozenset({"heredoc_start", "heredoc_body", "heredoc_end", "file_redirect"})


def _redirects_stdout(redirect: Node) -> bool:
    if redirect.type != "file_redirect":
        return False
    operator = _operator(redirect)
    if operator in ("&>", "&>>"):
        return True
    if operator in _STDOUT_REDIRECTS:
        fd = redirect.child_by_field_name("descriptor")
        return fd is None or fd.text == b"1"
    return False


def _statement_parts(statement: Node) -> list[Node]:
    """What of a ``redirected_statement`` can print to the engine: its body unless stdout
    is redirected, and commands tree-sitter-bash nests in a here-document operator
    (``cat > f <<EOF && echo done``); nothing when that operator starts a pipeline."""
    heredocs = [r for r in statement.children_by_field_name("redirect") if r.type == "heredoc_redirect"]
    nested = [c for h in heredocs for c in h.named_children if c.type not in _HEREDOC_TEXT]
    if any(c.type == "pipeline" for c in nested):
        return []
    body = statement.child_by_field_name("body")
    redirected = any(_redirects_stdout(r) for r in _statement_redirects(statement))
    return ([body] if body is not None and not redirected else []) + nested


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
    if parsed is None:
        return ()
    out: list[str] = []

    def literal(word: _Word) -> str:
        return "" if parsed.in_placeholder(word.start, word.end) else _literal(word.text)

    def add(value: str) -> None:
        if value and value not in out and not (value.startswith("%") and len(value.encode()) <= 3):
            out.append(value)

    def call(words: tuple[_Word, ...]) -> None:
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

    stack = [parsed.root]
    while stack:
        node = stack.pop()
        if node.type == "command":
            simple = parsed.command(node)
            if not simple.stdout_redirected:
                call(simple.words)
        elif node.type == "redirected_statement":
            stack.extend(reversed(_statement_parts(node)))
        elif node.type not in _NOT_PRINTING:
            stack.extend(reversed(node.named_children))
    return tuple(out)
