"""Parse Dippin source into the IR, reporting every problem with its range.

Parsing never raises on bad input. The lexer builds a tree of lines; lark parses the
workflow's token stream in one pass when the document is well formed. When it is not,
each top-level item (node, section, edges block, header field) is parsed on its own, and
inside an item the smallest line that breaks the grammar is dropped (with a diagnostic)
and the item is parsed again, so everything around a mistake still reaches the IR.
"""

from __future__ import annotations

import functools
from dataclasses import field
from pathlib import Path

from lark import Lark, Tree
from lark.exceptions import UnexpectedInput
from lark.lexer import Lexer

from tracker.dippin import messages
from tracker.dippin.builder import Builder
from tracker.dippin.diagnostics import Diagnostic, Severity, sort_key
from tracker.dippin.ir import Workflow
from tracker.dippin.lexer import DipToken, Lexed, ParseTree, Unit, lex, stream
from tracker.dippin.positions import Position, Range
from tracker.dippin.records import record
from tracker.dippin.source import SourceText

MAX_RECOVERY_STEPS = 200


class _TokenListLexer(Lexer):  # type: ignore[misc]
    """Feeds lark the tokens our own lexer already made."""

    def __init__(self, conf: object) -> None:
        pass

    def lex(self, tokens: list[DipToken]) -> object:  # type: ignore[override]
        return iter(tokens)


@functools.cache
def _lark() -> Lark:
    grammar = (Path(__file__).parent / "grammar.lark").read_text(encoding="utf-8")  # importlib.resources costs 4 ms
    return Lark(
        grammar,
        parser="lalr",
        lexer=_TokenListLexer,
        start=["workflow", "item", "dialect"],
        maybe_placeholders=False,
        # Cache the LALR tables (in the temp dir, keyed by grammar and options): building
        # them costs more than the rest of a cold `tracker validate`.
        cache=True,
    )


@record(kw_only=False, eq=True, slots=False)
class ParseResult:
    """The workflow (always present, possibly partial) and every problem found."""

    workflow: Workflow
    diagnostics: list[Diagnostic]
    source: SourceText
    lexed: Lexed
    path: str | None = None
    item_trees: list[ParseTree] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


def parse_text(text: str, path: str | None = None) -> ParseResult:
    return _parse(SourceText.from_text(text), path)


def parse_bytes(data: bytes, path: str | None = None) -> ParseResult:
    return _parse(SourceText.from_bytes(data), path)


def parse_file(path: str | Path) -> ParseResult:
    """Parse a file from disk (decoding problems are diagnostics, not exceptions)."""
    p = Path(path)
    return parse_bytes(p.read_bytes(), str(p))


def _parse(source: SourceText, path: str | None) -> ParseResult:
    lexed = lex(source.lines)
    diags: list[Diagnostic] = []
    for problem in source.problems:
        diags.append(
            Diagnostic(
                code="DIP909",
                severity=Severity.ERROR,
                message=f"invalid UTF-8 byte 0x{problem.byte:02x}; the file must be UTF-8 text",
                range=Range(
                    start=Position(line=problem.line, character=problem.character),
                    end=Position(line=problem.line, character=problem.character + 1),
                ),
                file=path,
            )
        )
    for lp in lexed.problems:
        diags.append(
            Diagnostic(code=lp.code, severity=Severity(lp.severity), message=lp.message, range=lp.range, file=path)
        )

    builder = Builder(path=path, diagnostics=diags)
    workflow_units: list[Unit] = []
    junk_reported = 0
    for unit in lexed.root.children:
        first = unit.tokens[0] if unit.tokens else None
        if first is not None and first.type == "WORKFLOW":
            workflow_units.append(unit)
        elif first is not None and first.type == "DIP" and not workflow_units:
            tree = _try_parse([*stream(unit)], "dialect")
            if isinstance(tree, Tree):
                builder.dialect(tree)
            else:
                diags.append(_error(unit, tree, path, "expected `dip <version>`"))
        elif junk_reported < 20:
            junk_reported += 1
            diags.append(messages.top_level_junk(unit, path))

    result = ParseResult(Workflow(source_path=path), diags, source, lexed, path)
    if not workflow_units:
        if not any(d.severity is Severity.ERROR for d in diags):
            end = Position(line=max(len(source.lines) - 1, 0), character=len(source.lines[-1]) if source.lines else 0)
            diags.append(
                Diagnostic(
                    code="DIP000",
                    severity=Severity.ERROR,
                    message="no workflow declaration: a .dip file starts with `workflow <Name>`",
                    range=Range(start=Position(line=0, character=0), end=end),
                    file=path,
                    help="add `workflow MyWorkflow` followed by an indented body",
                )
            )
        result.workflow = builder.finish()
        return result

    result.workflow.comments = lexed.comments
    for index, wf_unit in enumerate(workflow_units):
        if index > 0:
            diags.append(
                Diagnostic(
                    code="DIP917",
                    severity=Severity.ERROR,
                    message="a file declares one workflow; this second declaration is merged into the first",
                    range=wf_unit.line_range,
                    file=path,
                )
            )
        header, items = _parse_workflow_unit(wf_unit, diags, path)
        builder.workflow_header(header, wf_unit)
        for item in items:
            builder.item(item)
            result.item_trees.append(item)
    comments = result.workflow.comments
    result.workflow = builder.finish()
    result.workflow.comments = comments
    diags.sort(key=sort_key)
    return result


def _try_parse(tokens: list[DipToken], start: str) -> ParseTree | UnexpectedInput:
    try:
        tree: ParseTree = _lark().parse(tokens, start=start)  # type: ignore[arg-type]
        return tree
    except UnexpectedInput as exc:
        return exc


def _parse_workflow_unit(unit: Unit, diags: list[Diagnostic], path: str | None) -> tuple[ParseTree | None, list[ParseTree]]:
    """Parse a ``workflow`` line and its body; returns the header tree and the item trees."""
    whole = _try_parse(list(stream(unit)), "workflow")
    if isinstance(whole, Tree):
        return whole, _workflow_items(whole)
    # Slow path: the header alone, then every item separately.
    header = _try_parse(list(unit.tokens), "workflow")
    if not isinstance(header, Tree):
        diags.append(_error(unit, header, path))
        header_tree = None
    else:
        header_tree = header
    items: list[ParseTree] = []
    for child in unit.children:
        tree = _parse_with_recovery(child, "item", diags, path)
        if tree is not None:
            items.append(tree)
    return header_tree, items


def _workflow_items(tree: ParseTree) -> list[ParseTree]:
    for child in tree.children:
        if isinstance(child, Tree) and child.data == "workflow_body":
            return [c for c in child.children if isinstance(c, Tree)]
    return []


def _parse_with_recovery(unit: Unit, start: str, diags: list[Diagnostic], path: str | None) -> ParseTree | None:
    """Parse ``unit``; on a syntax error drop the smallest offending line and retry."""
    skip: set[int] = set()
    for _ in range(MAX_RECOVERY_STEPS):
        outcome = _try_parse(list(stream(unit, skip)), start)
        if not isinstance(outcome, UnexpectedInput):
            return outcome
        token = getattr(outcome, "token", None)
        bad: Unit | None = getattr(token, "unit", None) if isinstance(token, DipToken) else None
        if bad is None:
            bad = _last_unit(unit, skip)
        diags.append(_error(bad, outcome, path))
        if token is not None and getattr(token, "type", "") == "_INDENT" and bad.children:
            skip.update(id(c) for c in bad.children)
            continue
        if bad is unit:
            return None
        skip.add(id(bad))
    return None


def _last_unit(unit: Unit, skip: set[int]) -> Unit:
    current = unit
    while True:
        kids = [c for c in current.children if id(c) not in skip]
        if not kids:
            return current
        current = kids[-1]


def _error(unit: Unit, exc: ParseTree | UnexpectedInput, path: str | None, fallback: str = "") -> Diagnostic:
    token = getattr(exc, "token", None)
    expected = set(getattr(exc, "expected", ()) or ())
    return messages.syntax_error(unit, token if isinstance(token, DipToken) else None, expected, path, fallback)
