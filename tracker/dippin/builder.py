"""Turn lark parse trees of a Dippin workflow into the typed IR.

Field names and values are checked here, against the catalogue in :mod:`fields`, so
each problem gets a specific message, a precise range and, where possible, a fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from lark import Tree

from tracker.dippin import fields as F
from tracker.dippin import values as V
from tracker.dippin.conditions import ConditionError, parse_condition, single_line_ranges
from tracker.dippin.diagnostics import Diagnostic, Fix, Related, Severity, TextEdit
from tracker.dippin.edges_syntax import EdgeAttributeParser
from tracker.dippin.interpolation import scan
from tracker.dippin.ir import (
    AgentNode,
    AnyNode,
    Branch,
    Condition,
    ConditionalNode,
    FanInNode,
    FieldSource,
    HumanNode,
    InputDecl,
    ManagerLoopNode,
    ParallelNode,
    Reference,
    SpecRef,
    SubgraphNode,
    ToolNode,
    VarDecl,
    Workflow,
)
from tracker.dippin.lexer import DipToken, ParseTree, Unit
from tracker.dippin.positions import Position, Range, union
from tracker.dippin.records import record
from tracker.dippin.stylesheet import parse_stylesheet
from tracker.dippin.suggest import closest

_NODE_CLASSES: dict[str, type[AnyNode]] = {
    "agent": AgentNode,
    "human": HumanNode,
    "tool": ToolNode,
    "subgraph": SubgraphNode,
    "conditional": ConditionalNode,
    "manager_loop": ManagerLoopNode,
}
_SECTION_WORDS = ("defaults", "vars", "edges", "inputs")
_RETRY_MESSAGE = (
    "nested retry blocks are not supported; use flat attributes instead "
    "(retry_policy, max_retries, retry_target, fallback_target, base_delay)"
)


@record(kw_only=False, eq=True, slots=False)
class FieldLine:
    """One ``key: value`` line (with its value and any nested lines) from the tree."""

    key: str
    key_token: DipToken
    value: str
    value_token: DipToken | None
    unit: Unit
    body: list[ParseTree]
    source: FieldSource

    @property
    def has_block(self) -> bool:
        return self.source.block


def _field_line(tree: ParseTree) -> FieldLine:
    key_tok = cast(DipToken, tree.children[0])
    value_tok: DipToken | None = None
    body: list[ParseTree] = []
    for child in tree.children[1:]:
        if isinstance(child, Tree):
            if child.data == "value":
                value_tok = cast(DipToken, child.children[0])
            else:
                body = [c for c in child.children if isinstance(c, Tree)]
    unit = key_tok.unit
    ft = unit.field_text
    assert ft is not None
    source = FieldSource(
        key=key_tok.text_value,
        key_range=key_tok.rng,
        value_range=ft.value_range,
        range=unit.range if not body else Range(start=unit.line_range.start, end=Position(line=unit.line, character=len(unit.text))),
        block=ft.block,
        quoted=ft.quoted,
        first_line=ft.first_line,
        columns=ft.columns,
    )
    return FieldLine(key_tok.text_value, key_tok, ft.value, value_tok, unit, body, source)


def _name(tree: ParseTree) -> DipToken:
    return cast(DipToken, tree.children[0])


class Builder:
    """Accumulates items of one workflow; :meth:`finish` returns the IR."""

    def __init__(self, path: str | None, diagnostics: list[Diagnostic]) -> None:
        self.path = path
        self.diags = diagnostics
        self.wf = Workflow(source_path=path)

    # ------------------------------------------------------------------ reporting
    def error(self, code: str, message: str, rng: Range, help: str = "", fix: Fix | None = None) -> None:
        self.diags.append(
            Diagnostic(code=code, severity=Severity.ERROR, message=message, range=rng, file=self.path, help=help, fix=fix)
        )

    def warn(self, code: str, message: str, rng: Range, help: str = "", fix: Fix | None = None, related: list[Related] | None = None) -> None:
        self.diags.append(
            Diagnostic(
                code=code,
                severity=Severity.WARNING,
                message=message,
                range=rng,
                file=self.path,
                help=help,
                fix=fix,
                related=related or [],
            )
        )

    # ------------------------------------------------------------------ top level
    def dialect(self, tree: ParseTree) -> None:
        tok = cast(DipToken, tree.children[1])
        try:
            self.wf.dialect = V.parse_int(tok.text_value)
        except ValueError:
            self.error("DIP902", f"invalid dialect version {tok.text_value!r}; expected an integer like `dip 2`", tok.rng)

    def workflow_header(self, tree: ParseTree | None, unit: Unit) -> None:
        if not self.wf.header_range.end.line and not self.wf.name:
            self.wf.header_range = unit.line_range
            self.wf.range = unit.range
        else:
            self.wf.range = union(self.wf.range, unit.range)
        if tree is None:
            return
        for child in tree.children:
            if isinstance(child, Tree) and child.data == "name":
                tok = _name(child)
                self.wf.name = tok.text_value
                self.wf.name_range = tok.rng
        if not self.wf.name:
            self.error("DIP000", "expected a workflow name after `workflow`", unit.line_range, "write `workflow MyWorkflow`")

    def item(self, tree: ParseTree) -> None:
        handler = getattr(self, f"_item_{tree.data}", None)
        if handler is not None:
            handler(tree)

    def finish(self) -> Workflow:
        self.wf.reindex()
        return self.wf

    # ------------------------------------------------------------------ header fields
    def _item_field(self, tree: ParseTree) -> None:
        line = _field_line(tree)
        key = line.key
        if line.body:
            self._unexpected_body(line)
        if key in _SECTION_WORDS:
            self._section_with_colon(line)
            return
        spec = F.table("header").get(key)
        if spec is None:
            self._unknown_field(line, "workflow", F.table("header").names())
            return
        self._note_duplicate(self.wf.fields, line)
        self.wf.fields[key] = line.source
        value = line.value.strip() if not line.has_block else line.value
        if key == "goal":
            self.wf.goal = line.value
        elif key == "start":
            self.wf.start = value
        elif key == "exit":
            self.wf.exit = value
        elif key == "requires":
            self.wf.requires = V.split_list(line.value) or None
        elif key == "spec":
            self._spec(line)
        elif key == "stylesheet":
            rules, problems = parse_stylesheet(line.value, line.source)
            self.wf.stylesheet.extend(rules)
            for rng, msg in problems:
                self.warn("DIP000", msg, rng)

    def _spec(self, line: FieldLine) -> None:
        text = line.value.strip()
        parts = text.split(None, 1)
        if len(parts) != 2:
            self.error(
                "DIP915",
                f'spec: requires both a loader name and a path (got "{text}")',
                line.source.value_range if text else line.source.key_range,
                "write `spec: <loader> <path>`, e.g. `spec: superspec SPEC.md`",
            )
            self.wf.spec = None
            return
        self.wf.spec = SpecRef(loader=parts[0].strip(), path=parts[1].strip())

    def _section_with_colon(self, line: FieldLine) -> None:
        colon_at = line.unit.text.find(":", line.key_token.rng.end.character)
        colon = Range(
            start=Position(line=line.unit.line, character=colon_at),
            end=Position(line=line.unit.line, character=colon_at + 1),
        )
        self.error(
            "DIP918",
            f"`{line.key}` is a section keyword and takes no colon",
            line.source.key_range,
            f"write `{line.key}` alone on its line, entries indented below",
            Fix(title=f"Remove ':' after `{line.key}`", edits=[TextEdit(range=colon, new_text="")]),
        )
        if line.key in ("defaults", "vars") and line.has_block:
            entries = self._map_entries(line, kind_label=line.key)
            if line.key == "vars":
                for key, (value, _) in entries.items():
                    self.wf.vars[key] = VarDecl(name=key, value=value, source=line.source)
            else:
                table = F.table("defaults")
                for key, (value, _) in entries.items():
                    spec = table.get(key)
                    if spec is not None:
                        self._apply_scalar(self.wf.defaults, spec, value, line, record=False)

    # ------------------------------------------------------------------ sections
    def _item_section(self, tree: ParseTree) -> None:
        word = cast(DipToken, tree.children[0])
        lines = self._body_lines(tree)
        unit = word.unit
        self.wf.sections.setdefault(word.text_value, unit.range)
        if word.type == "DEFAULTS":
            self.wf.defaults.range = unit.range
            self._apply_fields(self.wf.defaults, F.table("defaults"), lines, "defaults", "defaults")
        elif word.type == "VARS":
            for line in lines:
                if line.body:
                    self._unexpected_body(line)
                if line.key in self.wf.vars:
                    first = self.wf.vars[line.key].source
                    self.warn(
                        "DIP904",
                        f'duplicate vars key "{line.key}" (the last value wins)',
                        line.source.key_range,
                        related=[Related(message="first declared here", range=first.key_range, file=self.path)],
                    )
                self.wf.vars[line.key] = VarDecl(name=line.key, value=line.value, source=line.source)
        else:
            for line in lines:
                self._input(line)

    def _input(self, line: FieldLine) -> None:
        decl = InputDecl(
            name=line.key,
            type=line.value.strip(),
            name_range=line.source.key_range,
            type_range=line.source.value_range,
            range=line.unit.range,
        )
        table = F.table("input")
        attrs = [_field_line(t) for t in line.body]
        for attr in attrs:
            spec = table.get(attr.key)
            if spec is None:
                self._unknown_field(attr, "input", table.names())
                continue
            self._note_duplicate(decl.fields, attr)
            decl.fields[spec.name] = attr.source
            if spec.name in ("min", "max"):
                try:
                    setattr(decl, spec.name, V.parse_float(attr.value.strip()))
                except ValueError:
                    self._bad_value(attr, "number")
            elif spec.name == "default":
                decl.default = attr.value
            else:
                self._apply_scalar(decl, spec, attr.value, attr)
        self.wf.inputs.append(decl)

    # ------------------------------------------------------------------ nodes
    def _item_node(self, tree: ParseTree) -> None:
        kind_tok = cast(DipToken, tree.children[0])
        name_tok = _name(cast(ParseTree, tree.children[1]))
        kind = kind_tok.text_value
        cls = _NODE_CLASSES[kind]
        unit = kind_tok.unit
        node = cls(id=name_tok.text_value, id_range=name_tok.rng, header_range=unit.line_range, range=unit.range)
        self._apply_fields(node, F.table(kind), self._body_lines(tree), f"{kind} field", kind)
        self.wf.nodes.append(node)  # type: ignore[arg-type]

    def _item_parallel(self, tree: ParseTree) -> None:
        head = cast(DipToken, tree.children[0])
        name_tok = _name(cast(ParseTree, tree.children[1]))
        unit = head.unit
        node = ParallelNode(id=name_tok.text_value, id_range=name_tok.rng, header_range=unit.line_range, range=unit.range)
        for child in tree.children[2:]:
            if isinstance(child, Tree) and child.data == "id_list":
                node.targets, node.target_ranges = self._id_list(child)
        lines = self._body_lines(tree)
        param_lines = [ln for ln in lines if ln.key == "params"]
        branch_lines = [ln for ln in lines if ln.key == "branch"]
        for line in lines:
            if line.key not in ("params", "branch"):
                self._unknown_field(line, "parallel", ["branch", "params"])
        self._apply_fields(node, F.table("parallel"), param_lines, "parallel field", "parallel")
        if branch_lines:
            if node.targets:
                self.error(
                    "DIP000",
                    "a parallel declares its targets either inline (`-> A, B`) or with `branch:` lines, not both",
                    branch_lines[0].source.range,
                )
            node.block_form = True
            for line in branch_lines:
                node.branches.append(self._branch(line))
            node.targets = [b.target for b in node.branches]
            node.target_ranges = [b.target_range for b in node.branches]
        elif not node.targets:
            self.error(
                "DIP000",
                f"parallel `{node.id}` has no targets",
                unit.line_range,
                "write `parallel ID -> A, B` or indented `branch: A` lines",
            )
        self.wf.nodes.append(node)

    def _branch(self, line: FieldLine) -> Branch:
        target = line.value.strip()
        branch = Branch(target=target, target_range=line.source.value_range, range=line.unit.range)
        if not target:
            self.error("DIP000", "`branch:` needs a target node ID", line.source.key_range)
        attrs = [_field_line(t) for t in line.body]
        self._apply_fields(branch, F.table("branch"), attrs, "branch field", "branch")
        return branch

    def _item_fan_in(self, tree: ParseTree) -> None:
        head = cast(DipToken, tree.children[0])
        name_tok = _name(cast(ParseTree, tree.children[1]))
        unit = head.unit
        node = FanInNode(id=name_tok.text_value, id_range=name_tok.rng, header_range=unit.line_range, range=unit.range)
        for child in tree.children[2:]:
            if isinstance(child, Tree) and child.data == "id_list":
                node.sources, node.source_ranges = self._id_list(child)
        self._apply_fields(node, F.table("fan_in"), self._body_lines(tree), "fan_in field", "fan_in")
        self.wf.nodes.append(node)

    def _id_list(self, tree: ParseTree) -> tuple[list[str], list[Range]]:
        ids: list[str] = []
        ranges: list[Range] = []
        for child in tree.children:
            if isinstance(child, Tree):
                tok = _name(child)
                ids.append(tok.text_value)
                ranges.append(tok.rng)
        return ids, ranges

    # ------------------------------------------------------------------ edges
    def _item_edges(self, tree: ParseTree) -> None:
        head = cast(DipToken, tree.children[0])
        self.wf.sections.setdefault("edges", head.unit.range)
        parser = EdgeAttributeParser(self)
        for child in tree.children[1:]:
            if isinstance(child, Tree) and child.data == "edge_body":
                for edge_tree in child.children:
                    if isinstance(edge_tree, Tree):
                        self.wf.edges.append(parser.edge(edge_tree))

    # ------------------------------------------------------------------ field application
    def _body_lines(self, tree: ParseTree) -> list[FieldLine]:
        for child in tree.children:
            if isinstance(child, Tree) and child.data == "field_body":
                return [_field_line(t) for t in child.children if isinstance(t, Tree)]
        return []

    def _apply_fields(self, obj: Any, table: F.FieldTable, lines: Iterable[FieldLine], what: str, kind: str) -> None:
        sources: dict[str, FieldSource] = obj.fields
        for line in lines:
            if line.body and not (kind == "parallel" and line.key == "branch"):
                self._unexpected_body(line)
            if line.key == "retry":
                self.error("DIP911", _RETRY_MESSAGE, line.source.key_range)
                continue
            spec = table.get(line.key)
            if spec is None:
                self._unknown_field(line, kind, table.names())
                continue
            self._note_duplicate(sources, line)
            sources[spec.name] = line.source
            self._apply_value(obj, spec, line)

    def _note_duplicate(self, sources: dict[str, FieldSource], line: FieldLine) -> None:
        spec_key = line.key
        first = sources.get(spec_key)
        if first is None:
            return
        self.warn(
            "DIP903",
            f"`{line.key}` is set more than once; the last value wins",
            line.source.key_range,
            related=[Related(message="first set here", range=first.key_range, file=self.path)],
            fix=Fix(
                title=f"Remove the earlier `{line.key}`",
                edits=[TextEdit(range=_whole_lines(first.range), new_text="")],
            ),
        )

    def _apply_value(self, obj: Any, spec: F.FieldSpec, line: FieldLine) -> None:
        t = spec.type
        if t in ("map", "steer_map"):
            entries = self._map_value(spec, line)
            setattr(obj, spec.target, {k: v for k, (v, _) in entries.items()})
            for value, offset in entries.values():
                self._collect_refs(obj, spec.name, value, line.source, container=line.value, base_offset=offset)
            return
        if t == "condition":
            setattr(obj, spec.target, self.condition_from_field(line))
            return
        self._apply_scalar(obj, spec, line.value, line)

    def _apply_scalar(self, obj: Any, spec: F.FieldSpec, raw: str, line: FieldLine, record: bool = True) -> None:
        t = spec.type
        text = raw.strip()
        if t in ("string", "text", "path", "node_ref"):
            value = raw if t in ("string", "text") else text
            if spec.name == "timeout_action" and text not in ("", *F.TIMEOUT_ACTIONS):
                self.error(
                    "DIP902",
                    f'invalid timeout_action "{text}" (use fail, default, or leave it empty)',
                    line.source.value_range,
                )
                return
            setattr(obj, spec.target, value)
            if record:
                self._collect_refs(obj, spec.name, value, line.source)
            return
        if t == "list":
            spans = V.split_list_spans(raw)
            setattr(obj, spec.target, [item for item, _, _ in spans])
            if record:
                line.source.item_ranges = [line.source.range_at(raw, a, b) for _, a, b in spans]
            return
        try:
            if t in ("int", "uint"):
                number = V.parse_int(text)
                if t == "uint" and number < 0:
                    self.error(
                        "DIP902",
                        f"invalid {spec.name} {number} (must be non-negative)",
                        line.source.value_range,
                    )
                    return
                setattr(obj, spec.target, number)
            elif t == "float":
                setattr(obj, spec.target, V.parse_float(text))
            elif t == "duration":
                setattr(obj, spec.target, V.parse_duration(text))
            elif t == "bool":
                setattr(obj, spec.target, V.parse_strict_bool(text))
            elif t == "legacy_bool":
                setattr(obj, spec.target, self._legacy_bool(text, line))
        except ValueError:
            self._bad_value(line, t)

    def _legacy_bool(self, text: str, line: FieldLine) -> bool:
        if text == "true":
            return True
        if text.lower() in V.TRUE_WORDS:
            self.warn(
                "DIP906",
                f"`{line.key}: {text}` is read as false: only the word `true` turns this on",
                line.source.value_range,
                fix=Fix(title="Write `true`", edits=[TextEdit(range=line.source.value_range, new_text="true")]),
            )
        return False

    def _bad_value(self, line: FieldLine, type_: str) -> None:
        text = line.value.strip()
        hint = {
            "duration": " (use e.g. 30s, 5m, 1h)",
            "bool": " (use true/false, 1/0, yes/no, on/off)",
        }.get(type_, "")
        noun = {"int": "integer", "uint": "integer", "float": "float", "bool": "boolean", "number": "number"}.get(
            type_, type_
        )
        self.error(
            "DIP902",
            f'invalid {noun} "{text}" for {line.key}{hint}',
            line.source.value_range if text else line.source.key_range,
        )

    def _map_value(self, spec: F.FieldSpec, line: FieldLine) -> dict[str, tuple[str, int]]:
        if line.has_block:
            return self._map_entries(line, kind_label=spec.name)
        text = line.value.strip()
        if not text:
            return {}
        if spec.type == "steer_map":
            return self._inline_steer(line)
        self.error(
            "DIP902",
            f"`{spec.name}` takes an indented block of `key: value` lines",
            line.source.value_range,
            f"write `{spec.name}:` alone on its line and the entries indented below it",
        )
        return {}

    def _map_entries(self, line: FieldLine, kind_label: str) -> dict[str, tuple[str, int]]:
        """Parse a block of ``key: value`` lines. Values map to (text, offset in block)."""
        entries: dict[str, tuple[str, int]] = {}
        key_ranges: dict[str, Range] = {}
        offset = 0
        for raw in line.value.split("\n"):
            stripped = raw.strip()
            lead = len(raw) - len(raw.lstrip())
            if stripped and ":" not in stripped:
                start = offset + lead
                self.warn(
                    "DIP919",
                    f"`{stripped[:40]}` in `{kind_label}` is not a `key: value` line and is ignored",
                    line.source.range_at(line.value, start, start + len(stripped)),
                )
            if stripped and ":" in stripped:
                key, _, value = stripped.partition(":")
                key = key.strip()
                value_text = value.strip()
                if key:
                    key_start = offset + lead
                    rng = line.source.range_at(line.value, key_start, key_start + len(key))
                    if key in entries:
                        self.warn(
                            "DIP904",
                            f'duplicate {kind_label} key "{key}" (the last value wins)',
                            rng,
                            related=[Related(message="first set here", range=key_ranges[key], file=self.path)],
                        )
                    value_offset = offset + raw.find(value_text, raw.find(":") + 1) if value_text else offset + len(raw)
                    decoded = V.unquote(value_text)
                    if decoded is not value_text:
                        value_offset += 1
                    entries[key] = (decoded, value_offset)
                    key_ranges[key] = rng
            offset += len(raw) + 1
        return entries

    def _inline_steer(self, line: FieldLine) -> dict[str, tuple[str, int]]:
        entries: dict[str, tuple[str, int]] = {}
        offset = 0
        for part in line.value.split(","):
            item = part.strip()
            if item:
                if "=" not in item:
                    self.error(
                        "DIP902",
                        f'steer_context entry "{item}" must be key=value',
                        line.source.range_at(line.value, offset, offset + len(part)),
                    )
                else:
                    key, _, value = item.partition("=")
                    if ":" in key:
                        self.warn(
                            "DIP904",
                            f'steer_context key "{key.strip()}" contains ":" and is dropped (it cannot be written in block form)',
                            line.source.range_at(line.value, offset, offset + len(part)),
                        )
                        offset += len(part) + 1
                        continue
                    if key.strip() in entries:
                        self.warn("DIP904", f'duplicate steer_context key "{key.strip()}" (the last value wins)', line.source.value_range)
                    entries[key.strip()] = (V.unquote(value.strip()), offset)
            offset += len(part) + 1
        return entries

    def condition_from_field(self, line: FieldLine) -> Condition | None:
        raw = line.value.strip()
        if not raw:
            return None
        source = line.source
        lead = len(line.value) - len(line.value.lstrip())

        def to_range(start: int, end: int) -> Range:
            return source.range_at(line.value, lead + start, lead + end)

        cond = Condition(raw=raw, range=to_range(0, len(raw)))
        try:
            cond.expr = parse_condition(raw, to_range)
        except ConditionError as exc:
            cond.error = exc.message
            cond.error_range = to_range(exc.start, max(exc.end, exc.start + 1))
            self.error("DIP914", f"invalid condition in {line.key}: {exc.message}", cond.error_range)
        return cond

    def parse_edge_condition(self, raw: str, base: Position) -> Condition:
        to_range = single_line_ranges(base)
        cond = Condition(raw=raw, range=to_range(0, len(raw)))
        try:
            cond.expr = parse_condition(raw, to_range)
        except ConditionError as exc:
            cond.error = exc.message
            cond.error_range = to_range(exc.start, max(exc.end, exc.start + 1))
        return cond

    def _collect_refs(
        self,
        obj: Any,
        field_name: str,
        value: str,
        source: FieldSource,
        container: str | None = None,
        base_offset: int = 0,
    ) -> None:
        """Record the ``${...}`` references in ``value``. For a map entry, ``container`` is
        the whole block text and ``base_offset`` the entry value's offset in it."""
        refs = getattr(obj, "references", None)
        if refs is None or "${" not in value:
            return
        for ref in scan(value):
            if container is not None:
                rng = source.range_at(container, base_offset + ref.start, base_offset + ref.end)
            else:
                rng = source.range_at(value, ref.start, ref.end)
            refs.append(
                Reference(namespace=ref.namespace, key=ref.key, expression=ref.expression, range=rng, field=field_name)
            )

    # ------------------------------------------------------------------ problems
    def _unexpected_body(self, line: FieldLine) -> None:
        first = line.body[0]
        last = line.body[-1]
        f_unit = cast(DipToken, first.children[0]).unit
        l_unit = cast(DipToken, last.children[0]).unit
        rng = Range(start=Position(line=f_unit.line, character=f_unit.indent), end=Position(line=l_unit.end_line, character=l_unit.end_character))
        if line.value:
            message = (
                f"these lines are indented under `{line.key}: {line.value[:30]}`, but a value written on the "
                f"key's line cannot continue below it"
            )
            help_text = f"put the whole value in an indented block under `{line.key}:` alone, or dedent these lines"
        else:
            message = f"unexpected indented block under `{line.key}`"
            help_text = ""
        self.error("DIP000", message, rng, help_text)

    def _unknown_field(self, line: FieldLine, kind: str, valid: list[str]) -> None:
        guess = closest(line.key, valid)
        owner = {
            "workflow": "workflow header field",
            "defaults": "defaults field",
            "branch": "branch field",
            "input": "input attribute",
        }.get(kind, f"{kind} field")
        help_text = ""
        fix = None
        if guess:
            help_text = f"did you mean `{guess}`?"
            fix = Fix(title=f"Change to `{guess}`", edits=[TextEdit(range=line.source.key_range, new_text=guess)])
        else:
            elsewhere = [k for k, specs in F.KIND_FIELDS.items() if any(s.name == line.key for s in specs)]
            if elsewhere and kind in F.KIND_FIELDS:
                help_text = f"`{line.key}` is a field of {', '.join(elsewhere)} nodes, not {kind} nodes"
            elif kind in ("agent", "subgraph"):
                help_text = "did you mean to put it under params:?"
            else:
                help_text = f"valid fields: {', '.join(valid)}"
        self.error("DIP901", f'unknown {owner} "{line.key}"', line.source.key_range, help_text, fix)


def _whole_lines(rng: Range) -> Range:
    return Range(start=Position(line=rng.start.line, character=0), end=Position(line=rng.end.line + 1, character=0))
