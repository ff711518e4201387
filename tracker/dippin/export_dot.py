"""A workflow as Graphviz DOT text, in the engine's own graph vocabulary.

Nodes carry the shape and the flat engine attributes of engine spec §1.3.3–§1.3.4 (the
start and exit markers become ``Mdiamond``/``Msquare``), edges their label, condition,
weight, routing key and restart flag; the implicit parallel and fan-in edges of §1.3.6
follow the written ones (``parallel_join=true`` on the parallel → join edge). Restart
edges are drawn dashed. The text renders with ``dot -Tsvg`` and is meant for previews
and for tools that still read the DOT heritage; it is not an input format of tracker.
"""

from __future__ import annotations

import re

from tracker.dippin.ir import FanInNode, ParallelNode, Workflow

_PLAIN_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def quote(text: str) -> str:
    """A DOT double-quoted string (backslashes, quotes and line breaks escaped)."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\r\n", "\n").replace("\n", "\\n")
    )
    return f'"{escaped}"'


def _attr_list(attrs: list[tuple[str, str]]) -> str:
    if not attrs:
        return ""
    return " [" + ", ".join(f"{_key(key)}={quote(value)}" for key, value in attrs) + "]"


def _key(name: str) -> str:
    """Attribute names such as ``params.version`` are not plain DOT IDs: quote them."""
    return name if _PLAIN_ID.fullmatch(name) else quote(name)


def to_dot(workflow: Workflow, *, details: bool = True) -> str:
    """``digraph`` text for ``workflow``. ``details=False`` leaves out the engine
    attributes (prompts, commands, ...) and keeps what a picture needs."""
    from tracker.dippin.analysis_sources import graph_attributes
    from tracker.dippin.simulate import engine_attrs, handler_and_shape, report_edges

    lines = [f"digraph {quote(workflow.name or 'workflow')} {{"]
    graph_attrs = [("rankdir", "TB")]
    if details:
        graph_attrs += [(a.name, a.value) for a in graph_attributes(workflow) if a.value]
        if workflow.start:
            graph_attrs.append(("start", workflow.start))
        if workflow.exit:
            graph_attrs.append(("exit", workflow.exit))
    lines.append(f"  graph{_attr_list(graph_attrs)};")
    declared: set[str] = set()
    for node in workflow.nodes:
        if node.id in declared:
            continue
        declared.add(node.id)
        handler, shape = handler_and_shape(node, workflow)
        attrs = [("label", node.label or node.id), ("shape", shape)]
        if details:
            if handler:
                attrs.append(("handler", handler))
            attrs += sorted(engine_attrs(node).items())
        lines.append(f"  {quote(node.id)}{_attr_list(attrs)};")
    for edge in workflow.edges:
        attrs = []
        caption = " / ".join(
            x for x in (edge.label, f"when {edge.condition.raw}" if edge.condition else "") if x
        )
        if caption:
            attrs.append(("label", caption))
        if details:
            if edge.condition is not None:
                attrs.append(("condition", edge.condition.raw))
            if edge.weight:
                attrs.append(("weight", str(edge.weight)))
            if edge.choice:
                attrs.append(("choice", edge.choice))
            if edge.override:
                attrs.append(("override", "true"))
        if edge.restart:
            if details:
                attrs.append(("restart", "true"))
            attrs.append(("style", "dashed"))
        lines.append(f"  {quote(edge.source)} -> {quote(edge.target)}{_attr_list(attrs)};")
    kinds = {n.id: n for n in workflow.nodes}
    for implicit in report_edges(workflow)[len(workflow.edges) :]:
        source, target = implicit["from"], implicit["to"]
        attrs = [("style", "dotted")]
        if (
            details
            and isinstance(kinds.get(source), ParallelNode)
            and isinstance(kinds.get(target), FanInNode)
        ):
            attrs.append(("parallel_join", "true"))
        lines.append(f"  {quote(source)} -> {quote(target)}{_attr_list(attrs)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
