"""Turn a parsed workflow into the canonical sequence of output lines.

Layout: the optional ``dip`` line, ``workflow <Name>``, the header fields, then one
blank-line-separated section each for ``defaults``, ``vars``, ``inputs``, every node in
declaration order, ``stylesheet`` and ``edges``. A field is written when the author wrote
it or when it differs from its default; values are rendered by :mod:`format_values` and
fields ordered by :mod:`format_order`. Each output line remembers the source line it came
from so :mod:`format_comments` can put the comments back.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
from typing import Any

from tracker.dippin import fields as F
from tracker.dippin import values as V
from tracker.dippin.conditions import Compare
from tracker.dippin.format_comments import INDENT, Content, End, Line, Record
from tracker.dippin.format_order import (
    DIRECTIVE_TEXT,
    construct_fields,
    node_fields,
    spelled,
)
from tracker.dippin.format_values import (
    block_lines,
    condition_text,
    edge_token,
    fits_block,
    id_token,
    list_fits_inline,
    list_value,
    raw_value,
    string_value,
)
from tracker.dippin.ir import (
    AnyNode,
    Branch,
    Condition,
    Defaults,
    Edge,
    FanInNode,
    FieldSource,
    InputDecl,
    ParallelNode,
    StyleRule,
)
from tracker.dippin.ir_data import to_data
from tracker.dippin.lexer import Unit
from tracker.dippin.parser import ParseResult

_SECTION_TOKENS = ("DEFAULTS", "VARS", "INPUTS", "EDGES")
_TEXT_DIRECTIVE = {text: directive for directive, text in DIRECTIVE_TEXT.items()}
_EMPTY_DEFAULTS = to_data(Defaults(), positions=False)


@dataclasses.dataclass(frozen=True, slots=True)
class _Slot:
    """How one field of one construct is written: its key, type, default and directive."""

    name: str
    key: str
    target: str
    type: str
    default: Any
    directive: str


@functools.cache
def _slots(cls: type, kind: str, dialect: int | None) -> tuple[_Slot, ...]:
    specs = node_fields(kind) if kind in F.KIND_FIELDS else construct_fields(kind)
    defaults: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            defaults[f.name] = f.default_factory()
    return tuple(
        _Slot(
            name=spec.name,
            key=spelled(kind, spec.name, dialect),
            target=spec.target,
            type=spec.type,
            default=defaults.get(spec.target),
            directive=_directive(cls, spec.name),
        )
        for spec in specs
    )


class _SourceLayout:
    """The source lines of the document's top-level structure (sections can repeat)."""

    def __init__(self, result: ParseResult) -> None:
        self.dip_line: int | None = None
        self.workflow_line: int | None = None
        self.sections: dict[str, list[Unit]] = {t: [] for t in _SECTION_TOKENS}
        self.stylesheets: list[Unit] = []
        for unit in result.lexed.root.children:
            first = unit.tokens[0].type if unit.tokens else ""
            if first == "DIP" and self.dip_line is None:
                self.dip_line = unit.line
            elif first == "WORKFLOW" and self.workflow_line is None:
                self.workflow_line = unit.line
                for child in unit.children:
                    kind = child.tokens[0].type if child.tokens else ""
                    if kind in self.sections:
                        self.sections[kind].append(child)
                    elif child.key == "stylesheet" and child.field_text is not None:
                        self.stylesheets.append(child)


class Emitter:
    """Builds the record list for one parse result (see the module docstring)."""

    def __init__(self, result: ParseResult) -> None:
        self.wf = result.workflow
        self.lines = result.source.lines
        self.layout = _SourceLayout(result)
        self.records: list[Record] = []

    # ------------------------------------------------------------------ plumbing
    def line(
        self, depth: int, text: str, src: int | None, blank: bool = False, gaps: bool = False
    ) -> None:
        self.records.append(Line(depth, text, src, blank, gaps))

    def content(self, depth: int, texts: list[str]) -> None:
        self.records.append(Content(depth, texts))

    def end(self, src: int | None, depth: int, gaps: bool = False) -> None:
        if src is not None:
            self.records.append(End(src, depth, gaps))

    def section(self, word: str, units: list[Unit]) -> None:
        self.line(1, word, units[0].line if units else None, blank=True, gaps=True)

    def section_ends(self, units: list[Unit]) -> None:
        for unit in units:
            self.end(unit.line, 2)

    # ------------------------------------------------------------------ document
    def emit(self) -> list[Record]:
        wf = self.wf
        layout = self.layout
        if wf.dialect is not None:
            self.line(0, f"dip {wf.dialect}", layout.dip_line, gaps=True)
        self.line(0, f"workflow {id_token(wf.name)}", layout.workflow_line, gaps=True)
        self.header()
        self.defaults()
        self.vars()
        self.inputs()
        for node in wf.nodes:
            self.node(node)
        self.stylesheet()
        self.edges()
        self.end(layout.workflow_line, 1, gaps=True)
        return self.records

    def header(self) -> None:
        wf = self.wf
        written = wf.fields
        for spec in construct_fields("header"):
            name = spec.name
            if name == "stylesheet":
                continue
            src = written.get(name)
            if name == "spec":
                if wf.spec is not None:
                    self.raw_field(1, "spec", f"{wf.spec.loader} {wf.spec.path}", _src(src))
            elif name == "requires":
                if src is not None or wf.requires is not None:
                    self.value(1, name, "list", wf.requires or [], src)
            else:
                value = getattr(wf, name)
                if src is not None or value:
                    self.value(1, name, spec.type, value, src)

    # ------------------------------------------------------------------ sections
    def defaults(self) -> None:
        d = self.wf.defaults
        units = self.layout.sections["DEFAULTS"]
        at_defaults = to_data(d, positions=False) == _EMPTY_DEFAULTS
        if not units and at_defaults and d.range is None:
            return
        self.section("defaults", units)
        self.fields(d, "defaults", 2)
        self.section_ends(units)

    def vars(self) -> None:
        units = self.layout.sections["VARS"]
        if not units and not self.wf.vars:
            return
        self.section("vars", units)
        for name in sorted(self.wf.vars):
            decl = self.wf.vars[name]
            self.value(2, name, "string", decl.value, decl.source)
        self.section_ends(units)

    def inputs(self) -> None:
        units = self.layout.sections["INPUTS"]
        if not units and not self.wf.inputs:
            return
        self.section("inputs", units)
        for decl in self.wf.inputs:
            self.input_decl(decl)
        self.section_ends(units)

    def input_decl(self, decl: InputDecl) -> None:
        src = decl.range.start.line
        self.raw_field(2, decl.name, decl.type, src)
        self.fields(decl, "input", 3)
        self.end(src, 3)

    def stylesheet(self) -> None:
        wf = self.wf
        src = wf.fields.get("stylesheet")
        if src is None and not wf.stylesheet:
            return
        at = _src(src)
        texts = [u.field_text.value for u in self.layout.stylesheets if u.field_text is not None]
        if len(texts) == 1 and not _stylesheet_is_clean(texts[0]):
            # Lines the parser ignored (with a warning) are kept as written.
            self.line(1, "stylesheet:", at, blank=True, gaps=True)
            self.content(2, block_lines(texts[0]))
        elif not wf.stylesheet:
            self.line(1, 'stylesheet: ""', at, blank=True, gaps=True)
        else:
            self.line(1, "stylesheet:", at, blank=True, gaps=True)
            self.content(2, _stylesheet_lines(wf.stylesheet))

    def edges(self) -> None:
        units = self.layout.sections["EDGES"]
        if not units and not self.wf.edges:
            return
        self.section("edges", units)
        starts = [u.line for u in units]
        previous: tuple[int, int] | None = None
        for edge in self.wf.edges:
            at = edge.range.start.line
            group = bisect.bisect_right(starts, at)
            brk = previous is not None and (
                group != previous[0] or self._blank_between(previous[1], at)
            )
            self.line(2, edge_text(edge), at, blank=brk)
            previous = (group, at)
        # Comments closing an earlier, merged edges block move to the next output line.
        if units:
            self.end(units[-1].line, 2)

    def _blank_between(self, first: int, last: int) -> bool:
        return any(not self.lines[i].strip() for i in range(first + 1, last))

    # ------------------------------------------------------------------ nodes
    def node(self, node: AnyNode) -> None:
        src = node.header_range.start.line
        if isinstance(node, ParallelNode):
            self.parallel(node, src)
        elif isinstance(node, FanInNode):
            sources = ", ".join(id_token(s) for s in node.sources)
            self.line(1, f"fan_in {id_token(node.id)} <- {sources}", src, blank=True, gaps=True)
            self.fields(node, "fan_in", 2)
        else:
            self.line(1, f"{node.kind} {id_token(node.id)}", src, blank=True, gaps=True)
            self.fields(node, node.kind, 2)
        self.end(src, 2)

    def parallel(self, node: ParallelNode, src: int) -> None:
        name = id_token(node.id)
        if not node.block_form:
            targets = ", ".join(id_token(t) for t in node.targets)
            self.line(1, f"parallel {name} -> {targets}", src, blank=True, gaps=True)
        else:
            self.line(1, f"parallel {name}", src, blank=True, gaps=True)
            for branch in node.branches:
                self.branch(branch)
        self.fields(node, "parallel", 2)

    def branch(self, branch: Branch) -> None:
        src = branch.range.start.line
        self.text(2, "branch", branch.target, src, always_block=False)
        self.fields(branch, "branch", 3)
        self.end(src, 3)

    def fields(self, obj: Any, kind: str, depth: int) -> None:
        """Write the fields of ``obj`` (a node, ``defaults``, a branch or an input) that
        were written or differ from their defaults, in canonical order."""
        written: dict[str, FieldSource] = obj.fields
        cls: type = type(obj)
        for slot in _slots(cls, kind, self.wf.dialect):
            src = written.get(slot.name)
            from_file = slot.directive and getattr(obj, slot.directive)
            if src is None and (from_file or getattr(obj, slot.target) == slot.default):
                continue  # not written and at its default, or its text came from the file
            if from_file and src is not None:
                # Both written: keep the author's own text (the IR holds the file's).
                self.value(depth, slot.key, slot.type, self.source_value(src), src)
            else:
                self.value(depth, slot.key, slot.type, getattr(obj, slot.target), src)

    # ------------------------------------------------------------------ fields
    def value(self, depth: int, key: str, type_: str, value: Any, src: FieldSource | None) -> None:
        at = _src(src)
        if type_ in ("map", "steer_map"):
            self.map_value(depth, key, value, src, steer=type_ == "steer_map")
        elif type_ == "list":
            self.list_field(depth, key, value, at)
        elif type_ == "condition":
            if value is not None:
                assert isinstance(value, Condition)
                self.raw_field(depth, key, condition_text(value, on_edge=False), at)
            else:
                self.line(depth, f'{key}: ""', at)
        elif type_ in ("bool", "legacy_bool"):
            self.line(depth, f"{key}: {'true' if value else 'false'}", at)
        elif type_ in ("int", "uint"):
            self.line(depth, f"{key}: {value}", at)
        elif type_ == "float":
            self.line(depth, f"{key}: {V.format_float(value)}", at)
        elif type_ == "duration":
            self.line(depth, f"{key}: {V.format_duration(value)}", at)
        else:
            self.text(depth, key, str(value), at, always_block=type_ == "text")

    def text(self, depth: int, key: str, value: str, at: int | None, always_block: bool) -> None:
        multi_line = "\n" in value
        if multi_line or (always_block and fits_block(value)):
            self.line(depth, f"{key}:", at)
            self.content(depth + 1, block_lines(value))
        else:
            self.line(depth, f"{key}: {string_value(value)}", at)

    def raw_field(self, depth: int, key: str, value: str, at: int | None) -> None:
        """A free-text value: on the key's line when it fits there, else as a block."""
        if "\n" in value:
            self.line(depth, f"{key}:", at)
            self.content(depth + 1, block_lines(value))
        else:
            self.line(depth, f"{key}: {raw_value(value)}", at)

    def list_field(self, depth: int, key: str, items: list[str], at: int | None) -> None:
        if list_fits_inline(items) or not items:
            self.line(depth, f"{key}: {list_value(items)}", at)
        else:
            self.line(depth, f"{key}:", at)
            self.content(depth + 1, [f"- {item}" for item in items])

    def map_value(
        self, depth: int, key: str, entries: dict[str, str], src: FieldSource | None, steer: bool
    ) -> None:
        at = _src(src)
        if src is not None and src.block:
            text = self.source_value(src)
            if not _map_is_clean(text):
                # Lines the parser skipped (comments, stray text) are kept as written.
                self.line(depth, f"{key}:", at)
                self.content(depth + 1, block_lines(text))
                return
        if not entries:
            self.line(depth, f'{key}: ""', at)
        elif steer and any(not k or ":" in k for k in entries):
            # Only the inline ``k=v`` form can hold an empty key or a key with a colon.
            inline = ", ".join(f"{k}={V.quote(v)}" for k, v in entries.items())
            self.line(depth, f"{key}: {raw_value(inline)}", at)
        else:
            self.line(depth, f"{key}:", at)
            self.content(depth + 1, [f"{k}: {V.quote(entries[k])}" for k in sorted(entries)])

    def source_value(self, src: FieldSource) -> str:
        """The value of a field exactly as written in the source."""
        if src.block:
            return "\n".join(
                self.lines[src.first_line + k].rstrip()[column:]
                for k, column in enumerate(src.columns)
            )
        rng = src.value_range
        text = self.lines[rng.start.line][rng.start.character : rng.end.character]
        return V.unquote(text) if src.quoted else text


# ---------------------------------------------------------------------------- helpers


def _src(src: FieldSource | None) -> int | None:
    return src.range.start.line if src is not None else None


def _directive(cls: type, text_field: str) -> str:
    """The file directive that can fill ``text_field`` on records of ``cls`` ("" if none)."""
    directive = _TEXT_DIRECTIVE.get(text_field, "")
    return directive if directive and hasattr(cls, directive) else ""


def edge_text(edge: Edge) -> str:
    """One edge line: parts joined by two spaces."""
    parts = [f"{edge_token(edge.source)} -> {edge_token(edge.target)}"]
    cond = edge.condition
    written = edge.attr_ranges
    if cond is not None:
        expr = cond.expr
        if (
            edge.outcome_shorthand
            and isinstance(expr, Compare)
            and expr.variable == "ctx.outcome"
            and expr.op == "="
            and not expr.negated
        ):
            parts.append(f"on {edge_token(expr.value)}")
        else:
            parts.append(f"when {condition_text(cond, on_edge=True)}")
    if edge.label or "label" in written:
        parts.append(f"label: {edge_token(edge.label)}")
    if edge.choice or "choice" in written:
        parts.append(f"choice: {edge_token(edge.choice)}")
    if edge.weight or "weight" in written:
        parts.append(f"weight: {edge.weight}")
    if edge.override or "override" in written:
        parts.append(f"override: {'true' if edge.override else 'false'}")
    if edge.restart:
        parts.append("loop" if edge.loop_shorthand else "restart: true")
    elif "restart" in written:
        parts.append("restart: false")
    return "  ".join(parts)


def _stylesheet_lines(rules: list[StyleRule]) -> list[str]:
    ordered = sorted(rules, key=lambda r: (r.selector.specificity, r.selector.value))
    out: list[str] = []
    for rule in ordered:
        if out:
            out.append("")
        out.append(rule.selector.text())
        out.extend(f"{INDENT}{k}: {rule.properties[k]}".rstrip() for k in sorted(rule.properties))
    return out


def _stylesheet_is_clean(text: str) -> bool:
    """Every line is a selector with properties or a ``key: value`` property of one:
    nothing is ignored by the parser, and no selector line is really a note (such as a
    ``# comment`` line, which reads as an ``#id`` selector without properties)."""
    properties = -1  # properties of the current rule; -1 before the first selector
    for raw in text.split("\n"):
        stripped = raw.strip()
        if not stripped:
            continue
        if not raw[0].isspace():
            if properties == 0:
                return False
            properties = 0
        elif properties < 0 or ":" not in stripped:
            return False
        else:
            properties += 1
    return properties != 0


def _map_is_clean(text: str) -> bool:
    """Every non-blank line is a ``key: value`` entry (nothing the parser skipped)."""
    for raw in text.split("\n"):
        stripped = raw.strip()
        if not stripped:
            continue
        key, colon, _ = stripped.partition(":")
        if not colon or not key.strip():
            return False
    return True
