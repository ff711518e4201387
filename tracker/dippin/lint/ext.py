"""Ext lint rules: the codes the reference toolchain added after the Core snapshot, under its
newest numbering (DIP010, DIP139–DIP161), registered from the ``ext_*`` modules imported
here, plus DIP161 (deprecated models) and its data table.

=======  ==========================================================  ==================
Code     Rule                                                         Module
=======  ==========================================================  ==================
DIP010   C-style connective in a condition                            ext_conditions
DIP139   tool_access in params / unrecognised value                   ext_tools
DIP140   params try to grant tools that tool_access removes           ext_tools
DIP141   writable_paths cannot take effect                            ext_tools
DIP142   writable_paths entry the jail refuses                        ext_tools
DIP143   referenced workflow does not load                            ext_subgraphs
DIP144   agent has no failure route                                   ext_routing
DIP145   negative run budget                                          ext_limits
DIP146   problem further down the subgraph tree                       ext_subgraphs
DIP148   negative last_response_truncate                              ext_limits
DIP149   same workflow in two parallel branches                       ext_subgraphs
DIP150   human gate routes by label                                   ext_routing
DIP151   edge weight that routing never reads                         ext_routing
DIP153   edge repeats a parallel/fan_in edge                          ext_routing
DIP155   unknown input type                                           ext_inputs
DIP156   reference to an undeclared input                             ext_inputs
DIP157   input interpolated into a tool command                       ext_inputs
DIP158   invalid input declaration                                    ext_inputs
DIP159   input is never used                                          ext_inputs
DIP160   required child input not bound                               ext_subgraphs
DIP161   deprecated model pinned                                      ext (this module)
=======  ==========================================================  ==================
"""

from __future__ import annotations

from collections.abc import Iterator

from tracker.dippin.diagnostics import Severity
from tracker.dippin.ir import AgentNode, FieldSource, ParallelNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint import ext_conditions as _ext_conditions  # noqa: F401  (registers DIP010)
from tracker.dippin.lint import ext_inputs as _ext_inputs  # noqa: F401  (DIP155–DIP159)
from tracker.dippin.lint import ext_limits as _ext_limits  # noqa: F401  (DIP145, DIP148)
from tracker.dippin.lint import ext_routing as _ext_routing  # noqa: F401  (DIP144, DIP150, DIP151, DIP153)
from tracker.dippin.lint import ext_subgraphs as _ext_subgraphs  # noqa: F401  (DIP143, DIP146, DIP149, DIP160)
from tracker.dippin.lint import ext_tools as _ext_tools  # noqa: F401  (DIP139–DIP142)
from tracker.dippin.lint.catalog import CodeInfo, register

# ---------------------------------------------------------------------------- DIP161 data
#
# Models retired from (or deprecated on) their provider's first-party API, with the model
# to suggest instead. Exact IDs first; then ID prefixes covering dated variants and
# aliases. Replace these tables when providers retire models; the rule reads nothing else.
# The exact entries match the models tracker's price catalogue marks deprecated.

DEPRECATED_MODELS: dict[str, str] = {
    "claude-opus-4-0": "claude-opus-4-7",
    "claude-opus-4-1": "claude-opus-4-7",
    "claude-sonnet-4-0": "claude-sonnet-4-6",
    "claude-haiku-3-5": "claude-haiku-4-5",
    "gpt-4": "gpt-4.1",
    "gpt-4-turbo": "gpt-4.1",
    "gpt-4-32k": "gpt-4.1",
    "gpt-4.5-preview": "gpt-4.1",
    "o1-preview": "o3",
    "o1-mini": "o4-mini",
}

DEPRECATED_MODEL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("claude-3-opus", "claude-opus-4-7"),
    ("claude-3-sonnet", "claude-sonnet-4-6"),
    ("claude-3-5-sonnet", "claude-sonnet-4-6"),
    ("claude-3-7-sonnet", "claude-sonnet-4-6"),
    ("claude-3-haiku", "claude-haiku-4-5"),
    ("claude-3-5-haiku", "claude-haiku-4-5"),
    ("claude-2", "claude-sonnet-4-6"),
    ("claude-instant", "claude-haiku-4-5"),
    ("gpt-3.5-turbo", "gpt-4.1-mini"),
    ("gpt-4-turbo-", "gpt-4.1"),
    ("gpt-4-0", "gpt-4.1"),
    ("gpt-4-1106", "gpt-4.1"),
    ("gpt-4-vision", "gpt-4.1"),
    ("gpt-4.5-preview-", "gpt-4.1"),
    ("gemini-1.0-", "gemini-2.5-flash"),
    ("gemini-1.5-pro", "gemini-2.5-pro"),
    ("gemini-1.5-flash", "gemini-2.5-flash"),
)


def deprecated_model(model: str) -> str | None:
    """The suggested replacement when ``model`` is deprecated, else ``None``."""
    name = model.strip()
    if name in DEPRECATED_MODELS:
        return DEPRECATED_MODELS[name]
    for prefix, replacement in DEPRECATED_MODEL_PREFIXES:
        if name.startswith(prefix):
            return replacement
    return None


register(
    CodeInfo(
        "DIP161",
        Severity.WARNING,
        "Deprecated model pinned",
        "A `model:` (on an agent, a parallel branch override or in `defaults`) names a model its "
        "provider has retired or deprecated on its own API. Calls may already fail, or will "
        "once the retirement date passes, and the pin has drifted from the current model of "
        "that family. DIP108 separately reports models the catalogue does not know at all. The "
        "list of deprecated models is a data table (`tracker.dippin.lint.ext.DEPRECATED_MODELS`).",
        "  agent Review\n    model: claude-sonnet-4-0",
        "  agent Review\n    model: claude-sonnet-4-6",
        "Pin a current model; the message names the usual replacement.",
        origin="ext",
    ),
)


def _pins(ctx: LintContext) -> Iterator[tuple[str, str, FieldSource]]:
    defaults = ctx.workflow.defaults
    if "model" in defaults.fields:
        yield "defaults", defaults.model, defaults.fields["model"]
    for node in ctx.workflow.nodes:
        if isinstance(node, AgentNode) and "model" in node.fields:
            yield f'agent "{node.id}"', node.model, node.fields["model"]
        elif isinstance(node, ParallelNode):
            for branch in node.branches:
                if "model" in branch.fields:
                    yield f'branch "{branch.target}" of parallel "{node.id}"', branch.model, branch.fields["model"]


@rule(761, "DIP161")
def deprecated_models(ctx: LintContext) -> None:
    for where, model, src in _pins(ctx):
        replacement = deprecated_model(model)
        if replacement is None:
            continue
        ctx.report(
            "DIP161",
            f'{where} pins model "{model.strip()}", which is deprecated by its provider',
            src.value_range,
            help=f"pin a current model such as {replacement}",
            deprecated=True,
        )
