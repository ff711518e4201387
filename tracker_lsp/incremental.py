"""Incremental re-parse: after an edit, re-parse only the top-level items it touched.

A workflow body is a sequence of top-level items (header fields, sections, nodes, edges
blocks), each starting on a line at the body's indentation. The lexer's state is reset at
every such line, so an item lexes, parses and builds the same on its own as inside the
whole document. :class:`IncrementalParser` keeps one :class:`Fragment` per item (the
lines it owns, its comments, lexer and parser problems and, for nodes and edges, the
built IR records). After an edit it

1. finds the changed lines (common prefix and suffix with the previous text),
2. re-lexes and re-parses only the fragments covering them,
3. moves the fragments below by the change in line count (:mod:`tracker_lsp.shift`),
4. composes the workflow: header fields and sections are rebuilt every time (they are
   small and share state such as duplicate detection), node and edge records are reused.

The result equals ``tracker.dippin.load_text`` of the same text (diagnostics, IR, ranges,
comments); ``tests/lsp/test_incremental.py`` checks this on random edits of the corpus.
Anything unusual (edits to the workflow line or above it, text before or after the
workflow, tab indentation, very deep nesting) falls back to a full parse. The composed
result has ``lexed.comments``, ``lexed.problems`` and ``lexed.lines`` but no unit tree
(``lexed.root`` is empty) and no ``item_trees``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lark import Tree

from tracker.dippin import load_text
from tracker.dippin import parser as core_parser
from tracker.dippin.builder import Builder
from tracker.dippin.diagnostics import Diagnostic, Severity, sort_key
from tracker.dippin.directives import resolve_directives
from tracker.dippin.ir import AnyNode, Comment, Edge, Workflow
from tracker.dippin.lexer import MAX_DEPTH, Lexed, LexProblem, Unit, lex
from tracker.dippin.parser import ParseResult
from tracker.dippin.positions import Position, Range
from tracker.dippin.source import SourceText
from tracker_lsp.shift import shifted

Reader = Callable[[Path], str]
Signature = Callable[[Path], object]

_HEADER_ITEMS = ("field", "section")
_T = TypeVar("_T")


def _read_disk(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _disk_signature(path: Path) -> object:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


@dataclass
class Fragment:
    """One top-level item and the lines it owns (through the line before the next item)."""

    start: int
    end: int
    kind: str  # header | graph | broken | trivia
    unit_end: tuple[int, int] = (-1, 0)
    comments: list[Comment] = field(default_factory=list)
    lex_problems: list[LexProblem] = field(default_factory=list)
    parse_diags: list[Diagnostic] = field(default_factory=list)
    tree: Tree[Any] | None = None  # header items only
    nodes: list[AnyNode] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    sections: dict[str, Range] = field(default_factory=dict)
    build_diags: list[Diagnostic] = field(default_factory=list)
    directive_diags: list[Diagnostic] = field(default_factory=list)
    directive_files: dict[Path, object] = field(default_factory=dict)

    def moved(self, delta: int) -> Fragment:
        if delta == 0:
            return self
        return Fragment(
            start=self.start + delta,
            end=self.end + delta,
            kind=self.kind,
            unit_end=(self.unit_end[0] + delta, self.unit_end[1]) if self.unit_end[0] >= 0 else self.unit_end,
            comments=shifted(self.comments, delta),
            lex_problems=shifted(self.lex_problems, delta),
            parse_diags=shifted(self.parse_diags, delta),
            tree=None,
            nodes=shifted(self.nodes, delta),
            edges=shifted(self.edges, delta),
            sections=shifted(self.sections, delta),
            build_diags=shifted(self.build_diags, delta),
            directive_diags=shifted(self.directive_diags, delta),
            directive_files=self.directive_files,
        )


@dataclass
class _Head:
    """The workflow line and everything above the first item."""

    end: int  # first line after the head (= first item's line)
    unit: Unit
    tree: Tree[Any] | None
    comments: list[Comment]
    lex_problems: list[LexProblem]
    parse_diags: list[Diagnostic]
    body_indent: int


class Fallback(Exception):
    """The edit cannot be handled incrementally; parse the whole document."""


@dataclass
class ParseStats:
    full: int = 0
    incremental: int = 0
    last_mode: str = ""
    last_reparsed_lines: int = 0


class IncrementalParser:
    """Parses successive versions of one document, reusing unchanged items."""

    def __init__(self, path: str | None, reader: Reader | None = None, signature: Signature | None = None) -> None:
        self.path = path
        self.base = Path(path).parent if path else None
        self.reader: Reader = reader or _read_disk
        self.signature: Signature = signature or _disk_signature
        self.lines: list[str] | None = None
        self.head: _Head | None = None
        self.fragments: list[Fragment] = []
        self.result: ParseResult | None = None
        self.stats = ParseStats()

    # ------------------------------------------------------------------ entry point
    def parse(self, lines: list[str]) -> ParseResult:
        """Parse ``lines`` (the document split at line breaks, without terminators)."""
        try:
            if self.head is None or self.lines is None:
                raise Fallback
            result = self._incremental(lines)
            self.stats.incremental += 1
            self.stats.last_mode = "incremental"
        except Fallback:
            result = self._full(lines)
            self.stats.full += 1
            self.stats.last_mode = "full"
        self.lines = lines
        self.result = result
        return result

    def invalidate(self) -> None:
        """Forget reusable state (e.g. a file the document reads has changed)."""
        self.head = None
        self.fragments = []

    # ------------------------------------------------------------------ full parse
    def _full(self, lines: list[str]) -> ParseResult:
        self.head = None
        self.fragments = []
        text = "\n".join(lines)
        if lines and lines[0].startswith("\ufeff"):
            return load_text(text, self.path)
        lexed = lex(lines)
        root = lexed.root
        simple = (
            len(root.children) == 1
            and root.children[0].tokens
            and root.children[0].tokens[0].type == "WORKFLOW"
            and root.children[0].children
            and not any(p.code == "DIP908" for p in lexed.problems)
        )
        if not simple:
            return load_text(text, self.path)
        wf_unit = root.children[0]
        items = wf_unit.children
        body_indent = items[0].indent
        if any(u.indent != body_indent for u in items):
            return load_text(text, self.path)
        head_end = items[0].line
        comments = _split_by_line(lexed.comments, [head_end] + [u.line for u in items[1:]], lambda c: c.range.start.line)
        problems = _split_by_line(lexed.problems, [head_end] + [u.line for u in items[1:]], lambda p: p.range.start.line)
        self.head = self._make_head(wf_unit, head_end, comments[0], problems[0], body_indent)
        frags: list[Fragment] = []
        for index, unit in enumerate(items):
            end = items[index + 1].line - 1 if index + 1 < len(items) else len(lines) - 1
            frags.append(self._fragment(unit, unit.line, end, comments[index + 1], problems[index + 1]))
        self.fragments = frags
        return self._compose(lines)

    def _make_head(
        self, wf_unit: Unit, end: int, comments: list[Comment], problems: list[LexProblem], body_indent: int
    ) -> _Head:
        diags: list[Diagnostic] = []
        tree = core_parser._try_parse(list(wf_unit.tokens), "workflow")
        header: Tree[Any] | None
        if isinstance(tree, Tree):
            header = tree
        else:
            diags.append(core_parser._error(wf_unit, tree, self.path))
            header = None
        return _Head(end, wf_unit, header, comments, problems, diags, body_indent)

    def _fragment(
        self, unit: Unit, start: int, end: int, comments: list[Comment], problems: list[LexProblem]
    ) -> Fragment:
        frag = Fragment(start=start, end=end, kind="broken", unit_end=(unit.end_line, unit.end_character))
        frag.comments = comments
        frag.lex_problems = problems
        tree = core_parser._parse_with_recovery(unit, "item", frag.parse_diags, self.path)
        if tree is None:
            return frag
        if tree.data in _HEADER_ITEMS:
            frag.kind = "header"
            frag.tree = tree
            return frag
        frag.kind = "graph"
        builder = Builder(path=self.path, diagnostics=frag.build_diags)
        builder.item(tree)
        frag.nodes = builder.wf.nodes
        frag.edges = builder.wf.edges
        frag.sections = builder.wf.sections
        if frag.nodes:
            self._resolve_node_directives(frag)
        return frag

    def _resolve_node_directives(self, frag: Fragment) -> None:
        temp = Workflow(source_path=self.path)
        temp.nodes = frag.nodes
        seen: dict[Path, object] = {}

        def reader(path: Path) -> str:
            seen[path] = self.signature(path)
            return self.reader(path)

        resolve_directives(temp, self.base, frag.directive_diags, reader)
        frag.directive_files = seen

    # ------------------------------------------------------------------ incremental parse
    def _incremental(self, lines: list[str]) -> ParseResult:
        old = self.lines
        head = self.head
        assert old is not None and head is not None
        n_old, n_new = len(old), len(lines)
        limit = min(n_old, n_new)
        lo = 0
        while lo < limit and old[lo] == lines[lo]:
            lo += 1
        suffix = 0
        while suffix < limit - lo and old[n_old - 1 - suffix] == lines[n_new - 1 - suffix]:
            suffix += 1
        if lo == n_old == n_new:
            if self._directives_changed():
                raise Fallback
            return self._compose(lines)
        old_hi = n_old - suffix  # changed old lines: [lo, old_hi)
        delta = n_new - n_old
        if lo < head.end or lines[0].startswith("\ufeff"):
            raise Fallback
        frags = self.fragments
        starts = [f.start for f in frags]
        if delta == 0 and self._edge_lines(lines, lo, old_hi, frags[max(bisect.bisect_right(starts, lo) - 1, 0)]):
            if self._directives_changed():
                raise Fallback
            return self._compose(lines)
        a = max(bisect.bisect_right(starts, lo) - 1, 0)
        if a > 0 and lo == frags[a].start:
            a -= 1
        last_changed = max(old_hi - 1, lo)
        b = max(bisect.bisect_right(starts, min(last_changed, n_old - 1)) - 1, a)
        region_start = frags[a].start
        region_end = frags[b].end + delta
        fresh = self._relex(lines, region_start, region_end, head.body_indent)
        self.stats.last_reparsed_lines = region_end - region_start + 1
        tail = [f.moved(delta) for f in frags[b + 1 :]]
        for index, frag in enumerate(tail):
            if frag.kind == "header" and delta:
                tail[index] = self._refresh(lines, frag, head.body_indent)
        self.fragments = frags[:a] + fresh + tail
        if self._directives_changed():
            raise Fallback
        return self._compose(lines)

    def _relex(self, lines: list[str], start: int, end: int, body_indent: int) -> list[Fragment]:
        """Fragments for the new lines ``[start, end]`` (empty when the region is gone)."""
        if end < start:
            return []
        lexed = lex([""] * start + lines[start : end + 1])
        if any(p.code == "DIP908" for p in lexed.problems):
            raise Fallback
        items = lexed.root.children
        if any(u.indent != body_indent for u in items) or _too_deep(items):
            raise Fallback
        if not items:
            return [Fragment(start=start, end=end, kind="trivia", comments=lexed.comments, lex_problems=lexed.problems)]
        bounds = [u.line for u in items[1:]]
        comments = _split_by_line(lexed.comments, bounds, lambda c: c.range.start.line)
        problems = _split_by_line(lexed.problems, bounds, lambda p: p.range.start.line)
        out: list[Fragment] = []
        assert self.head is not None
        for index, unit in enumerate(items):
            unit.parent = self.head.unit  # syntax messages describe the enclosing block
            first = start if index == 0 else unit.line
            last = items[index + 1].line - 1 if index + 1 < len(items) else end
            out.append(self._fragment(unit, first, last, comments[index], problems[index]))
        return out

    def _edge_lines(self, lines: list[str], lo: int, hi: int, frag: Fragment) -> bool:
        """Re-parse edited lines of an ``edges`` block on their own (a large block costs
        as much as the rest of an edit together). Only for edits that replace plain edge
        lines by plain edge lines, with no syntax problem around them before or after
        (edge attribute findings are replaced); returns False (nothing changed) for
        anything else."""
        if frag.kind != "graph" or frag.nodes or "edges" not in frag.sections:
            return False
        header = frag.sections["edges"].start.line
        if lo <= header:
            return False
        unit_last = frag.unit_end[0]
        if hi - 1 > unit_last or hi <= lo:
            return False
        old = self.lines
        assert old is not None
        edge_lines = {e.range.start.line: e for e in frag.edges}
        changed = range(lo, hi)
        if any(line not in edge_lines for line in changed):
            return False
        indent = _indent_of(old[lo])
        if any(_indent_of(lines[line]) != indent or _indent_of(old[line]) != indent for line in changed):
            return False
        # What follows must not have been nested under the old lines: the next edge
        # line, with only blank lines and comments no deeper than the edges before it.
        after = hi
        while after <= unit_last and after not in edge_lines:
            text = lines[after].strip()
            if text and not (text.startswith("#") and _indent_of(lines[after]) <= indent):
                return False
            after += 1
        problems: list[Range] = [p.range for p in frag.lex_problems]
        problems += [d.range for d in (*frag.parse_diags, *frag.directive_diags)]
        if any(lo <= rng.end.line and rng.start.line < after for rng in problems):
            return False
        # Builder findings (edge attributes) belong to single edge lines: replaced below.
        if any(d.range.start.line != d.range.end.line and lo <= d.range.end.line and d.range.start.line < hi for d in frag.build_diags):
            return False
        lexed = lex([""] * (lo - 1) + [lines[header]] + lines[lo:hi])
        roots = lexed.root.children
        if lexed.problems or len(roots) != 1:
            return False
        block = roots[0]
        kids = block.children
        if [k.line for k in kids] != list(changed) or any(k.children or k.block is not None or k.end_line != k.line for k in kids):
            return False
        assert self.head is not None
        block.parent = self.head.unit
        parse_diags: list[Diagnostic] = []
        tree = core_parser._parse_with_recovery(block, "item", parse_diags, self.path)
        if tree is None or parse_diags:
            return False
        build_diags: list[Diagnostic] = []
        builder = Builder(path=self.path, diagnostics=build_diags)
        builder.item(tree)
        fresh = builder.wf.edges
        if len(fresh) != len(changed) or builder.wf.nodes or any(not lo <= d.range.start.line < hi for d in build_diags):
            return False
        # In build order (line by line): the new findings where the old ones of these lines were.
        before = [d for d in frag.build_diags if d.range.start.line < lo]
        later = [d for d in frag.build_diags if d.range.start.line >= hi]
        by_line = {e.range.start.line: e for e in fresh}
        edges = [by_line.get(e.range.start.line, e) if lo <= e.range.start.line < hi else e for e in frag.edges]
        comments = [c for c in frag.comments if not lo <= c.range.start.line < hi]
        comments += [c for c in lexed.comments if lo <= c.range.start.line < hi]
        comments.sort(key=lambda c: (c.range.start.line, c.range.start.character))
        unit_end = frag.unit_end
        sections = frag.sections
        if lo <= unit_end[0] < hi:  # the block's last line: its end moves
            if block.end_line != unit_end[0]:
                return False
            unit_end = (unit_end[0], block.end_character)
            sections = {
                name: Range(rng.start, Position(block.end_line, block.end_character)) if name == "edges" else rng
                for name, rng in sections.items()
            }
        index = self.fragments.index(frag)
        self.fragments[index] = Fragment(
            start=frag.start,
            end=frag.end,
            kind=frag.kind,
            unit_end=unit_end,
            comments=comments,
            lex_problems=frag.lex_problems,
            parse_diags=frag.parse_diags,
            edges=edges,
            sections=sections,
            build_diags=before + build_diags + later,
        )
        self.stats.last_reparsed_lines = hi - lo
        return True

    def _refresh(self, lines: list[str], frag: Fragment, body_indent: int) -> Fragment:
        fresh = self._relex(lines, frag.start, frag.end, body_indent)
        if len(fresh) != 1:
            raise Fallback
        return fresh[0]

    def _directives_changed(self) -> bool:
        for frag in self.fragments:
            for path, sig in frag.directive_files.items():
                if self.signature(path) != sig:
                    return True
        return False

    # ------------------------------------------------------------------ composition
    def _compose(self, lines: list[str]) -> ParseResult:
        head = self.head
        assert head is not None
        frags = self.fragments
        diags: list[Diagnostic] = []
        problems: list[LexProblem] = list(head.lex_problems)
        comments: list[Comment] = list(head.comments)
        for frag in frags:
            problems.extend(frag.lex_problems)
            comments.extend(frag.comments)
        for lp in problems:
            diags.append(Diagnostic(code=lp.code, severity=Severity(lp.severity), message=lp.message, range=lp.range, file=self.path))
        diags.extend(head.parse_diags)
        for frag in frags:
            diags.extend(frag.parse_diags)
        unit = head.unit
        ends = [f.unit_end for f in frags if f.unit_end[0] >= 0]
        if ends:
            unit.end_line, unit.end_character = max(ends)
        else:
            unit.end_line, unit.end_character = unit.line, len(unit.text)
        builder = Builder(path=self.path, diagnostics=diags)
        builder.workflow_header(head.tree, unit)
        wf = builder.wf
        for frag in frags:
            if frag.kind == "header":
                assert frag.tree is not None
                builder.item(frag.tree)
            elif frag.kind == "graph":
                wf.nodes.extend(frag.nodes)
                wf.edges.extend(frag.edges)
                for name, rng in frag.sections.items():
                    wf.sections.setdefault(name, rng)
                diags.extend(frag.build_diags)
        workflow = builder.finish()
        workflow.comments = comments
        diags.sort(key=sort_key)
        for frag in frags:
            diags.extend(frag.directive_diags)
        if any(getattr(workflow.defaults, name) for name in ("system_prompt_file", "prompt_prefix_file", "prompt_suffix_file")):
            temp = Workflow(source_path=self.path, name_range=workflow.name_range, defaults=workflow.defaults)
            resolve_directives(temp, self.base, diags, self.reader)
        root = Unit(line=-1, indent=-1, text="")
        lexed = Lexed(root=root, comments=comments, problems=problems, lines=lines)
        source = SourceText("\n".join(lines), lines)
        return ParseResult(workflow, diags, source, lexed, self.path)


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _too_deep(items: list[Unit]) -> bool:
    """True when an item lexed on its own nests as deep as the lexer's limit: inside the
    whole document the same line sits one level deeper and would hit the limit."""
    todo = [(u, 1) for u in items]
    while todo:
        unit, depth = todo.pop()
        if depth >= MAX_DEPTH:
            return True
        todo.extend((c, depth + 1) for c in unit.children)
    return False


def _split_by_line(items: list[_T], bounds: list[int], line_of: Callable[[_T], int]) -> list[list[_T]]:
    """Split ``items`` (in line order) into ``len(bounds) + 1`` groups at the given lines."""
    groups: list[list[_T]] = [[] for _ in range(len(bounds) + 1)]
    for item in items:
        groups[bisect.bisect_right(bounds, line_of(item))].append(item)
    return groups

