"""A static cost range for a workflow, before running it (engine spec §8.7.4).

Every agent node (an ``agent`` with a prompt or a model) is priced at the catalogue rate
of its model (the node's ``model``, else the workflow default) for 4,000 input plus
1,500 output tokens per turn. The low end is one turn per agent node, the high end
``max_turns`` turns (default 8), the expected value a third of ``max_turns`` rounded up.
Unknown models cost nothing and are listed in ``unpriced_models``. No LLM is called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.dippin.ir import Workflow

INPUT_TOKENS_PER_TURN = 4_000
OUTPUT_TOKENS_PER_TURN = 1_500
DEFAULT_MAX_TURNS = 8
CAVEAT = "Rough range from catalogue prices; real cost depends on the model's turns, context size and retries."


@dataclass(frozen=True, slots=True)
class NodeEstimate:
    node_id: str
    model: str
    max_turns: int
    turn_usd: float

    def to_dict(self) -> dict[str, Any]:
        return {"node_id": self.node_id, "model": self.model, "max_turns": self.max_turns, "turn_usd": round(self.turn_usd, 6)}


@dataclass(frozen=True, slots=True)
class RunEstimate:
    name: str
    steps: int
    agent_nodes: int
    models: list[str]
    low_usd: float
    expected_usd: float
    high_usd: float
    nodes: list[NodeEstimate] = field(default_factory=list)
    unpriced_models: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "steps": self.steps,
            "agent_nodes": self.agent_nodes,
            "models": list(self.models),
            "low_usd": round(self.low_usd, 6),
            "expected_usd": round(self.expected_usd, 6),
            "high_usd": round(self.high_usd, 6),
            "nodes": [n.to_dict() for n in self.nodes],
            "unpriced_models": list(self.unpriced_models),
        }


def turn_cost(model: str) -> float | None:
    """USD for one turn of ``model`` at the catalogue price, ``None`` when unpriced."""
    from tracker.llm.catalog import price_entry

    price = price_entry(model) if model else None
    if price is None or not price.priced:
        return None
    return (INPUT_TOKENS_PER_TURN * price.input_per_m + OUTPUT_TOKENS_PER_TURN * price.output_per_m) / 1_000_000


def expected_turns(max_turns: int) -> int:
    return min(max(math.ceil(max_turns / 3), 1), max_turns)


def estimate(workflow: Workflow) -> RunEstimate:
    from tracker.dippin.ir import AgentNode
    from tracker.dippin.simulate import plan_report

    plan = plan_report(workflow)
    default_model = workflow.defaults.model
    nodes: list[NodeEstimate] = []
    unpriced: list[str] = []
    for node in workflow.nodes:
        if not isinstance(node, AgentNode) or not (node.prompt.strip() or node.model):
            continue
        model = node.model or default_model
        cost = turn_cost(model)
        if cost is None:
            unpriced.append(model or "(no model)")
        nodes.append(NodeEstimate(node.id, model, node.max_turns or DEFAULT_MAX_TURNS, cost or 0.0))
    return RunEstimate(
        name=workflow.name,
        steps=len(plan["execution_plan"]),
        agent_nodes=len(nodes),
        models=sorted({n.model for n in nodes if n.model}),
        low_usd=sum(n.turn_usd for n in nodes),
        expected_usd=sum(n.turn_usd * expected_turns(n.max_turns) for n in nodes),
        high_usd=sum(n.turn_usd * n.max_turns for n in nodes),
        nodes=nodes,
        unpriced_models=sorted(set(unpriced)),
    )
