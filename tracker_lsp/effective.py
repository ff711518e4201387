"""The model and provider an agent node will run with, and where each comes from.

Mirrors the engine's resolution (engine spec §1.3.7): the node's own ``model:`` /
``provider:``, else the stylesheet (only ``*`` and ``#id`` selectors match at run time,
the more specific rule winning), else ``defaults``; a missing provider is taken from the
model catalog. Used by hover and inlay hints.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.dippin.ir import AgentNode, Workflow

_MODEL_KEYS = ("model", "llm_model")
_PROVIDER_KEYS = ("provider", "llm_provider")


@dataclass(frozen=True)
class Effective:
    model: str
    model_source: str  # node | stylesheet #id | stylesheet * | defaults | ""
    provider: str
    provider_source: str


def _from_stylesheet(workflow: Workflow, node_id: str, keys: tuple[str, ...]) -> tuple[str, str]:
    best: tuple[int, str, str] | None = None
    for rule in workflow.stylesheet:
        sel = rule.selector
        if not (sel.kind == "universal" or (sel.kind == "id" and sel.value == node_id)):
            continue
        for key in keys:
            value = rule.properties.get(key)
            if value and (best is None or sel.specificity >= best[0]):
                best = (sel.specificity, value.strip().strip('"'), f"stylesheet {sel.text()}")
    return (best[1], best[2]) if best else ("", "")


def effective(workflow: Workflow, node: AgentNode) -> Effective:
    model, model_source = (node.model, "node") if node.model else _from_stylesheet(workflow, node.id, _MODEL_KEYS)
    if not model and workflow.defaults.model:
        model, model_source = workflow.defaults.model, "defaults"
    provider, provider_source = (node.provider, "node") if node.provider else _from_stylesheet(workflow, node.id, _PROVIDER_KEYS)
    if not provider and workflow.defaults.provider:
        provider, provider_source = workflow.defaults.provider, "defaults"
    if not provider and model:
        try:
            from tracker.llm.catalog import provider_for_model

            found = provider_for_model(model)
        except ImportError:
            found = None
        if found:
            provider, provider_source = found, "model catalog"
    return Effective(model, model_source, provider, provider_source)
