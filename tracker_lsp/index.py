"""Where each name occurs in a document: node IDs and context keys, with exact ranges.

Built from the IR and the dataflow analysis of a snapshot (no parsing of its own) and
shared by definition, references, rename, highlights, hover and semantic tokens.

* node IDs: declarations, edge ends, ``start:``/``exit:``, ``node_ref`` fields
  (``retry_target``, ``fallback_target``, ``defaults.on_failure`` ...), parallel targets,
  fan-in sources, and the ``<id>`` in ``node.<id>.<key>`` references;
* context keys: every read the analysis reports (``${ctx.key}``, condition variables,
  ``reads:`` entries) and every written occurrence (``writes:`` entries, interview
  ``answers_key``), keyed by the run-time key (``last_response``, ``node.A.x``,
  ``graph.goal``, ``params.x``, ``inputs.spec``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tracker.dippin import fields as F
from tracker.dippin.ir import FanInNode, FieldSource, ParallelNode, SubgraphNode, Workflow
from tracker.dippin.positions import Position, Range


@dataclass(slots=True)
class Occurrence:
    """``name`` written at ``range`` (exactly the name's characters)."""

    what: str  # node | key
    role: str  # decl | ref (nodes); read | write (keys)
    name: str
    range: Range
    node: str | None = None  # enclosing node (reads/writes in a node)
    edge: int | None = None  # enclosing edge (reads in an edge condition/label)
    full: Range | None = None  # the whole expression (``${ctx.x}``), for hover
    namespace: str = ""
    origin: str = ""  # interpolation | condition | reads | writes | answers_key


def find_in(lines: Sequence[str], rng: Range, text: str, last: bool = True, word: bool = True) -> Range | None:
    """The range of the word ``text`` inside ``rng`` of the document (not as part of a
    longer name); the last match unless ``last`` is false."""
    if not text or rng.start.line >= len(lines):
        return None
    pattern = re.compile(r"(?<![\w\-])" + re.escape(text) + r"(?![\w\-])" if word else re.escape(text))
    found: Range | None = None
    for line_no in range(rng.start.line, min(rng.end.line, len(lines) - 1) + 1):
        line = lines[line_no]
        lo = rng.start.character if line_no == rng.start.line else 0
        hi = rng.end.character if line_no == rng.end.line else len(line)
        for m in pattern.finditer(line, lo, hi):
            found = Range(Position(line_no, m.start()), Position(line_no, m.end()))
            if not last:
                return found
    return found


class SymbolIndex:
    def __init__(self, workflow: Workflow, lines: Sequence[str], analysis: Any | None) -> None:
        self.workflow = workflow
        self.lines = lines
        self.occurrences: list[Occurrence] = []
        self._nodes(workflow)
        if analysis is not None:
            self._keys(analysis)
        self.occurrences.sort(key=lambda o: (o.range.start.line, o.range.start.character))
        self._starts = [(o.range.start.line, o.range.start.character) for o in self.occurrences]

    # ------------------------------------------------------------------ queries
    def at(self, pos: Position) -> Occurrence | None:
        """The occurrence under the cursor (an end position counts, for a cursor just
        after a name)."""
        i = bisect.bisect_right(self._starts, (pos.line, pos.character))
        for j in (i - 1, i - 2):
            if 0 <= j < len(self.occurrences):
                occ = self.occurrences[j]
                if occ.range.contains(pos):
                    return occ
        return None

    def of(self, what: str, name: str) -> Iterator[Occurrence]:
        return (o for o in self.occurrences if o.what == what and o.name == name)

    # ------------------------------------------------------------------ node IDs
    def _add_node(self, role: str, name: str, rng: Range, node: str | None = None) -> None:
        if name and rng.start.line == rng.end.line and rng.end.character - rng.start.character == len(name):
            self.occurrences.append(Occurrence("node", role, name, rng, node=node))
        elif name:
            exact = find_in(self.lines, rng, name, last=False)
            if exact is not None:
                self.occurrences.append(Occurrence("node", role, name, exact, node=node))

    def _nodes(self, wf: Workflow) -> None:
        for key in ("start", "exit"):
            src = wf.fields.get(key)
            if src is not None:
                self._add_node("ref", getattr(wf, key), src.value_range)
        defaults_table = F.table("defaults")
        for key, src in wf.defaults.fields.items():
            spec = defaults_table.get(key)
            if spec is not None and spec.type == "node_ref":
                self._add_node("ref", str(getattr(wf.defaults, spec.target, "")), src.value_range)
        for node in wf.nodes:
            self._add_node("decl", node.id, node.id_range, node.id)
            table = F.table(node.kind)
            for key, src in node.fields.items():
                spec = table.get(key)
                if spec is not None and spec.type == "node_ref":
                    self._add_node("ref", str(getattr(node, spec.target, "")), src.value_range, node.id)
            if isinstance(node, ParallelNode):
                for target, rng in zip(node.targets, node.target_ranges, strict=False):
                    self._add_node("ref", target, rng, node.id)
            elif isinstance(node, FanInNode):
                for source, rng in zip(node.sources, node.source_ranges, strict=False):
                    self._add_node("ref", source, rng, node.id)
        for edge in wf.edges:
            self._add_node("ref", edge.source, edge.source_range)
            self._add_node("ref", edge.target, edge.target_range)
        for node in wf.nodes:
            if isinstance(node, SubgraphNode) and node.params:
                for name, rng in map_keys(self.lines, node.fields.get("params"), node.params):
                    self.occurrences.append(Occurrence("key", "arg", f"params.{name}", rng, node.id, namespace="params", origin="subgraph"))

    # ------------------------------------------------------------------ context keys
    def _keys(self, analysis: Any) -> None:
        for read in analysis.reads:
            key = normal_key(read.context_key)
            exact = find_in(self.lines, read.range, read.key) or read.range
            self.occurrences.append(
                Occurrence("key", "read", key, exact, read.node_id, read.edge_index, read.range, read.namespace, read.origin)
            )
            scoped = _scoped_node(key)
            if scoped is not None:
                node_range = find_in(self.lines, read.range, f"node.{scoped}.", last=False, word=False)
                if node_range is not None:
                    start = Position(node_range.start.line, node_range.start.character + 5)
                    rng = Range(start, Position(start.line, start.character + len(scoped)))
                    self.occurrences.append(Occurrence("node", "ref", scoped, rng, read.node_id, read.edge_index))
        for name, writer in analysis.params.items():
            exact = find_in(self.lines, writer.range, name)
            if exact is not None:
                self.occurrences.append(Occurrence("key", "write", f"params.{name}", exact, None, None, writer.range, "params", "vars"))
        seen: set[tuple[int, int, str]] = set()
        for key in analysis.written_keys():
            for writer in analysis.writers_of(key):
                if writer.kind not in ("writes", "answers_key"):
                    continue
                exact = find_in(self.lines, writer.range, key)
                if exact is None:
                    continue
                mark = (exact.start.line, exact.start.character, key)
                if mark in seen:
                    continue
                seen.add(mark)
                self.occurrences.append(
                    Occurrence("key", "write", key, exact, writer.node_id, None, writer.range, "ctx", writer.kind)
                )


def map_keys(lines: Sequence[str], src: FieldSource | None, names: dict[str, str]) -> Iterator[tuple[str, Range]]:
    """The key ranges of a ``key: value`` block field (``params:``) in the source."""
    if src is None:
        return
    first, last = src.value_range.start.line, src.value_range.end.line
    for line_no in range(first, min(last, len(lines) - 1) + 1):
        text = lines[line_no]
        stripped = text.lstrip()
        name = stripped.split(":", 1)[0].strip()
        if name in names and ":" in stripped:
            col = len(text) - len(stripped)
            yield name, Range(Position(line_no, col), Position(line_no, col + len(name)))


def normal_key(key: str) -> str:
    """One spelling per key: ``graph.params.x`` (the graph attribute) is ``params.x``."""
    return key[len("graph.") :] if key.startswith("graph.params.") else key


def _scoped_node(key: str) -> str | None:
    """``node.<id>.<key>`` → ``<id>`` (IDs may not contain dots here)."""
    if not key.startswith("node."):
        return None
    rest = key[5:]
    node_id, dot, inner = rest.partition(".")
    return node_id if dot and node_id and inner else None
