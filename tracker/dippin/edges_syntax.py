"""Edge lines: ``Source -> Target`` followed by attributes.

Attributes are ``when <condition>``, ``on <outcome>`` (shorthand for
``when ctx.outcome = <outcome>``), ``label:``, ``weight:``, ``restart:``, ``loop``
(shorthand for ``restart: true``), ``choice:`` and ``override:``. A condition runs until
the next ``attribute:`` or a trailing ``loop``; its text is taken from the source as
written, so quoting and escapes survive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from tracker.dippin import values as V
from tracker.dippin.conditions import Compare
from tracker.dippin.diagnostics import Fix, TextEdit
from tracker.dippin.interpolation import scan
from tracker.dippin.ir import Condition, Edge, Reference
from tracker.dippin.lexer import DipToken, ParseTree
from tracker.dippin.positions import Position, Range

if TYPE_CHECKING:
    from tracker.dippin.builder import Builder

VALUE_ATTRIBUTES = ("label", "weight", "restart", "choice", "override")


class EdgeAttributeParser:
    def __init__(self, builder: Builder) -> None:
        self.b = builder

    def edge(self, tree: ParseTree) -> Edge:
        src_tok = cast(DipToken, cast(ParseTree, tree.children[0]).children[0])
        dst_tok = cast(DipToken, cast(ParseTree, tree.children[2]).children[0])
        unit = src_tok.unit
        edge = Edge(
            source=src_tok.text_value,
            target=dst_tok.text_value,
            source_range=src_tok.rng,
            target_range=dst_tok.rng,
            range=unit.line_range,
        )
        attrs = [cast(DipToken, t) for t in tree.children[3:]]
        self._attributes(edge, attrs, unit.text)
        return edge

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _is_attr_start(toks: list[DipToken], j: int) -> bool:
        tok = toks[j]
        if tok.type != "NAME":
            return False
        word = tok.text_value
        if word in VALUE_ATTRIBUTES:
            return j + 1 < len(toks) and toks[j + 1].type == "COLON"
        if word == "loop":
            return j + 1 == len(toks) or EdgeAttributeParser._is_attr_start(toks, j + 1)
        return False

    def _attributes(self, edge: Edge, toks: list[DipToken], line_text: str) -> None:
        i = 0
        n = len(toks)
        while i < n:
            tok = toks[i]
            word = tok.text_value if tok.type == "NAME" else None
            if tok.type == "LBRACKET":
                self.b.error(
                    "DIP912",
                    "bracket syntax [label: ...] is not supported; use keyword syntax instead "
                    "(e.g. `when ctx.x = 1  label: go`)",
                    Range(start=tok.rng.start, end=toks[-1].rng.end),
                )
                return
            if word == "when":
                j = i + 1
                while j < n and not self._is_attr_start(toks, j):
                    j += 1
                if j == i + 1:
                    self.b.error("DIP914", "missing condition after `when`", tok.rng)
                else:
                    start, end = toks[i + 1].rng.start.character, toks[j - 1].rng.end.character
                    raw = line_text[start:end]
                    self._set_condition(edge, self.b.parse_edge_condition(raw, toks[i + 1].rng.start), tok)
                    edge.outcome_shorthand = False
                    edge.attr_ranges.pop("on", None)
                    edge.attr_ranges["when"] = Range(start=tok.rng.start, end=toks[j - 1].rng.end)
                i = j
                continue
            if word == "on" and i + 1 < n and toks[i + 1].type in ("NAME", "STRING"):
                value_tok = toks[i + 1]
                cond = self._outcome_condition(value_tok)
                self._set_condition(edge, cond, tok)
                edge.outcome_shorthand = True
                edge.attr_ranges.pop("when", None)
                edge.attr_ranges["on"] = Range(start=tok.rng.start, end=value_tok.rng.end)
                i += 2
                continue
            if word in VALUE_ATTRIBUTES and i + 1 < n and toks[i + 1].type == "COLON":
                i = self._value_attribute(edge, toks, i)
                continue
            if word == "loop":
                edge.restart = True
                edge.loop_shorthand = True
                edge.attr_ranges["loop"] = tok.rng
                i += 1
                continue
            j = i + 1
            while j < n and not self._is_attr_start(toks, j) and toks[j].text_value not in ("when", "on"):
                j += 1
            rng = Range(start=tok.rng.start, end=toks[j - 1].rng.end)
            self.b.warn(
                "DIP905",
                f"unknown edge attribute `{line_text[tok.rng.start.character:toks[j - 1].rng.end.character]}` is ignored",
                rng,
                "edge attributes are `when <condition>`, `on <outcome>`, `label:`, `weight:`, `restart:`, `loop`, `choice:` and `override:`",
                Fix(title="Remove the unknown attribute", edits=[TextEdit(range=rng, new_text="")]),
            )
            i = j

    def _set_condition(self, edge: Edge, cond: Condition, tok: DipToken) -> None:
        if edge.condition is not None:
            self.b.warn("DIP905", "this edge already has a condition; the later one wins", tok.rng)
        edge.condition = cond
        if cond.error is not None and cond.error_range is not None:
            self.b.error("DIP914", f"invalid condition: {cond.error}", cond.error_range)
        for ref in scan(cond.raw):
            start = cond.range.start
            edge.references.append(
                Reference(
                    namespace=ref.namespace,
                    key=ref.key,
                    expression=ref.expression,
                    range=Range(
                        start=Position(line=start.line, character=start.character + ref.start),
                        end=Position(line=start.line, character=start.character + ref.end),
                    ),
                    field="condition",
                )
            )

    def _outcome_condition(self, value_tok: DipToken) -> Condition:
        rng = value_tok.rng
        value = value_tok.text_value
        expr = Compare(
            variable="ctx.outcome",
            op="=",
            value=value,
            value_quoted=value_tok.type == "STRING",
            variable_range=rng,
            op_range=rng,
            value_range=rng,
            range=rng,
        )
        return Condition(raw=f"ctx.outcome = {value}", range=rng, expr=expr)

    def _value_attribute(self, edge: Edge, toks: list[DipToken], i: int) -> int:
        key_tok = toks[i]
        word = key_tok.text_value
        n = len(toks)
        if i + 2 >= n:
            self.b.error("DIP000", f"missing value after `{word}:`", Range(start=key_tok.rng.start, end=toks[i + 1].rng.end))
            return n
        value_tok = toks[i + 2]
        end = i + 3
        text = value_tok.text_value
        if word in ("label", "choice") and value_tok.type == "NAME":
            # Unquoted words up to the next attribute belong to the label.
            while end < n and toks[end].type == "NAME" and not self._is_attr_start(toks, end) and toks[end].text_value not in ("when", "on"):
                end += 1
            if end > i + 3:
                words = [t.text_value for t in toks[i + 2 : end]]
                text = " ".join(words)
                rng = Range(start=value_tok.rng.start, end=toks[end - 1].rng.end)
                self.b.warn(
                    "DIP907",
                    f"unquoted multi-word {word} `{text}`; quote it so every tool reads the same text",
                    rng,
                    "the Go reference keeps only the first word of an unquoted label",
                    Fix(title=f"Quote the {word}", edits=[TextEdit(range=rng, new_text=V.quote(text))]),
                )
        value_range = Range(start=value_tok.rng.start, end=toks[end - 1].rng.end)
        edge.attr_ranges[word] = Range(start=key_tok.rng.start, end=toks[end - 1].rng.end)
        if word == "label":
            edge.label = text
        elif word == "choice":
            edge.choice = text
        elif word == "weight":
            try:
                edge.weight = V.parse_int(text)
            except ValueError:
                self.b.error("DIP902", f'invalid integer "{text}" for weight', value_range)
        elif word == "restart":
            if text == "true":
                edge.restart = True
            elif text.lower() in V.TRUE_WORDS:
                self.b.warn(
                    "DIP906",
                    f"`restart: {text}` is read as false: only the word `true` marks a restart edge",
                    value_range,
                    fix=Fix(title="Write `true`", edits=[TextEdit(range=value_range, new_text="true")]),
                )
            elif text.lower() not in V.FALSE_WORDS:
                self.b.error("DIP902", f'invalid boolean "{text}" for restart', value_range)
        elif word == "override":
            try:
                edge.override = V.parse_strict_bool(text)
            except ValueError:
                self.b.error("DIP902", f'invalid boolean "{text}" for override (use true/false)', value_range)
        return end
