"""``subgraph``: run another workflow as one step of this one (engine spec §4.5).

The child starts from a snapshot of the parent context, gets its ``${params.*}`` from
its own ``vars`` overridden by the node's ``params``, shares the run's budget and usage,
and reports its events under ``<node>/<child node>``. Its whole context flows back as
the node's context updates. Child artifacts go under ``<run dir>/<node>/``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.dippin.interpolation import expand
from tracker.engine.context import RunContext
from tracker.engine.graph import RuntimeGraph, RuntimeNode
from tracker.engine.inputs import InputError, bind_inputs
from tracker.engine.outcome import FAIL, SUCCESS, HandlerError, Outcome
from tracker.engine.registry import NodeEnv, RunServices

CHILD_SUCCESS = ("success", "validation_overridden", "budget_exceeded")


def parse_pairs(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in raw.split(","):
        if "=" in part:
            key, _, value = part.partition("=")
            out[key.strip()] = value.strip()
    return out


def clone_with_params(child: RuntimeGraph, params: dict[str, str]) -> RuntimeGraph:
    """A copy of ``child`` whose ``${params.*}``/``${graph.*}`` references are expanded."""
    attrs = dict(child.attrs)
    for key, value in params.items():
        attrs[f"params.{key}"] = value

    def lookup(namespace: str, key: str) -> str | None:
        if namespace == "params":
            return attrs.get(f"params.{key}")
        if namespace == "graph":
            return attrs.get(key)
        return None

    nodes = {}
    for nid, node in child.nodes.items():
        new_attrs = {k: expand(v, lookup, keep_unknown=True) if "${" in v else v for k, v in node.attrs.items()}
        label = expand(node.label, lookup, keep_unknown=True) if "${" in node.label else node.label
        nodes[nid] = RuntimeNode(node.id, node.kind, node.handler, node.shape, label, new_attrs, node.ir)
    return RuntimeGraph(
        name=child.name,
        nodes=nodes,
        edges=child.edges,
        attrs=attrs,
        start=child.start,
        exit=child.exit,
        workflow=child.workflow,
        path=child.path,
    )


@dataclass
class ChildSetup:
    ref: str
    graph: RuntimeGraph
    initial: dict[str, str]


def prepare_child(node: RuntimeNode, ctx: RunContext, env: NodeEnv, services: RunServices, ref_key: str = "subgraph_ref") -> ChildSetup:
    ref = node.attrs.get(ref_key, "") or node.attrs.get(f"manager.{ref_key}", "")
    if not ref:
        raise HandlerError(f'node "{node.id}" has no subgraph_ref')
    library = services.subgraphs
    child = library.resolve(env.graph, ref) if library is not None else None
    if child is None:
        raise HandlerError(f'node "{node.id}": subgraph "{ref}" was not loaded')
    params = parse_pairs(node.attrs.get("subgraph_params", ""))
    graph = clone_with_params(child, params)
    value_inputs = [d for d in child.workflow.inputs if d.type in ("text", "number", "bool", "enum")]
    try:
        seed, _notes = bind_inputs(value_inputs, {k: v for k, v in params.items() if any(d.name == k for d in value_inputs)}, services.workdir)
    except InputError as exc:
        raise HandlerError(f'subgraph "{ref}": {exc}') from exc
    initial = ctx.snapshot()
    initial.update(seed)
    return ChildSetup(ref, graph, initial)


class SubgraphHandler:
    def __init__(self, services: RunServices) -> None:
        self.services = services

    async def execute(self, node: RuntimeNode, ctx: RunContext, env: NodeEnv) -> Outcome:
        setup = prepare_child(node, ctx, env, self.services)
        engine = env.child_engine(setup.graph, node.id, setup.initial)
        result = await engine.run()
        if result.is_error:
            raise HandlerError(f'subgraph "{setup.ref}": {result.error}')
        status = SUCCESS if result.status in CHILD_SUCCESS else FAIL
        return Outcome(status, dict(result.context), child_overrides=list(result.overrides))


def make_handler(services: RunServices) -> SubgraphHandler:
    return SubgraphHandler(services)
