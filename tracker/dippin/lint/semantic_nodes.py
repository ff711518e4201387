"""Node and defaults lint: field values and combinations (DIP104, DIP108–DIP111,
DIP113–DIP119, DIP134)."""

from __future__ import annotations

from tracker.dippin import fields as F
from tracker.dippin.diagnostics import Related, Severity
from tracker.dippin.ir import AgentNode, ParallelNode, SubgraphNode, ToolNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.models import merged, providers_of
from tracker.dippin.lint.semantic_support import (
    add_node_field,
    example,
    node_ids,
    replace,
    suggest,
    value_fix,
    value_range_of,
)


@rule(104, "DIP104")
def retry_without_budget(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not (node.retry_policy or node.retry_target) or node.max_retries != 0 or node.fallback_target:
            continue
        which = "retry_policy" if node.retry_policy else "retry_target"
        ctx.report(
            "DIP104",
            f'node "{node.id}" has retry configuration but no max_retries or fallback_target',
            node.field_range(which),
            help="set max_retries to limit retries, or add a fallback_target for graceful degradation",
        )


@rule(108, "DIP108")
def known_models(ctx: LintContext) -> None:
    wf = ctx.workflow
    defaults = wf.defaults
    catalog = ctx.cached("dip108.catalog", lambda: merged(ctx.options.extra_models))
    for node in wf.nodes:
        if not isinstance(node, AgentNode):
            continue
        model = node.model or defaults.model
        provider = node.provider or defaults.provider
        model_src = node.fields.get("model") if node.model else defaults.fields.get("model")
        provider_src = node.fields.get("provider") if node.provider else defaults.fields.get("provider")
        if not model or "${" in model or "${" in provider:
            continue
        related = []
        if model_src is not None and not node.model:
            related.append(Related(message="model set in defaults", range=model_src.value_range, file=ctx.path))
        if not provider:
            # The engine infers the provider from the model; warn when no provider lists it.
            if providers_of(model, catalog):
                continue
            every = sorted({m for models in catalog.values() for m in models})
            ctx.report(
                "DIP108",
                f'node "{node.id}" uses unknown model "{model}" and sets no provider',
                value_range_of(node, "model", node.id_range),
                help="set provider:, or add the model with --extra-models",
                fix=value_fix(model_src, model, every),
                related=related,
            )
            continue
        if provider not in catalog:
            ctx.report(
                "DIP108",
                f'node "{node.id}" uses unknown provider "{provider}"',
                value_range_of(node, "provider", node.id_range),
                help=f"known providers: {', '.join(sorted(catalog))}",
                fix=value_fix(provider_src, provider, sorted(catalog)),
            )
            continue
        known = catalog[provider]
        if model in known:
            continue
        ctx.report(
            "DIP108",
            f'node "{node.id}" uses unknown model "{model}" for provider "{provider}"',
            value_range_of(node, "model", node.id_range),
            help=f"known models for {provider}: {', '.join(sorted(known))}",
            fix=value_fix(model_src, model, sorted(known)),
            related=related,
        )


@rule(109, "DIP109")
def shared_subgraph_refs(ctx: LintContext) -> None:
    first: dict[str, SubgraphNode] = {}
    for node in ctx.workflow.nodes:
        if not isinstance(node, SubgraphNode):
            continue
        earlier = first.setdefault(node.ref, node)
        if earlier is node:
            continue
        ctx.report(
            "DIP109",
            f'nodes "{earlier.id}" and "{node.id}" both reference subgraph "{node.ref}", '
            "which may cause namespace collisions",
            value_range_of(node, "ref", node.id_range),
            help="use distinct node IDs and ensure imported names do not collide after expansion",
            related=[Related(message=f"{earlier.id} references it first", range=earlier.id_range, file=ctx.path)],
        )


@rule(110, "DIP110")
def empty_prompts(ctx: LintContext) -> None:
    wf = ctx.workflow
    for node in wf.nodes:
        if not isinstance(node, AgentNode) or node.id in (wf.start, wf.exit) or node.prompt.strip():
            continue
        ctx.report(
            "DIP110",
            f'agent node "{node.id}" has an empty prompt',
            node.field_range("prompt_file") if "prompt_file" in node.fields else node.field_range("prompt"),
            help="add a prompt: field with instructions for the LLM",
        )


@rule(111, "DIP111")
def tool_timeouts(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, ToolNode) or node.timeout != 0:
            continue
        src = node.fields.get("timeout")
        if src is not None:
            rng = src.value_range
            fix = replace("Set `timeout: 60s`", rng, "60s")
        else:
            rng = node.id_range
            fix = add_node_field("Add `timeout: 60s`", node, "timeout", "60s")
        ctx.report(
            "DIP111",
            f'tool node "{node.id}" has no timeout configured',
            rng,
            help="add a timeout (e.g., timeout: 60s) to prevent hanging commands",
            fix=fix,
        )


_POLICIES = ", ".join(F.RETRY_POLICIES)


@rule(113, "DIP113")
def retry_policy_names(ctx: LintContext) -> None:
    defaults = ctx.workflow.defaults
    if defaults.retry_policy and defaults.retry_policy not in F.RETRY_POLICIES:
        src = defaults.fields.get("retry_policy")
        ctx.report(
            "DIP113",
            f'workflow default retry_policy "{defaults.retry_policy}" is not a recognized policy name',
            src.value_range if src is not None else ctx.workflow.header_range,
            help=f"valid policies: {_POLICIES}",
            fix=value_fix(src, defaults.retry_policy, F.RETRY_POLICIES),
        )
    for node in ctx.workflow.nodes:
        if node.retry_policy and node.retry_policy not in F.RETRY_POLICIES:
            src = node.fields.get("retry_policy")
            ctx.report(
                "DIP113",
                f'node "{node.id}" has retry_policy "{node.retry_policy}" which is not a recognized policy name',
                value_range_of(node, "retry_policy", node.id_range),
                help=f"valid policies: {_POLICIES}",
                fix=value_fix(src, node.retry_policy, F.RETRY_POLICIES),
            )


@rule(113.5, "DIP134")
def max_retries_for_restarts(ctx: LintContext) -> None:
    defaults = ctx.workflow.defaults
    if defaults.max_retries == 0 or defaults.max_restarts != 0:
        return
    if not any(e.restart for e in ctx.workflow.edges):
        return
    src = defaults.fields.get("max_retries")
    ctx.report(
        "DIP134",
        f"defaults specify max_retries: {defaults.max_retries} but no max_restarts, and the workflow has restart: true edges",
        src.key_range if src is not None else ctx.workflow.header_range,
        help="max_retries controls per-node LLM retries; max_restarts controls the loop restart budget for "
        "restart: true edges — did you mean max_restarts?",
        fix=replace("Rename to `max_restarts`", src.key_range, "max_restarts") if src is not None else None,
    )


_FIDELITIES = ", ".join(F.FIDELITIES)


@rule(114, "DIP114")
def fidelity_levels(ctx: LintContext) -> None:
    defaults = ctx.workflow.defaults
    if defaults.fidelity and defaults.fidelity not in F.FIDELITIES:
        src = defaults.fields.get("fidelity")
        ctx.report(
            "DIP114",
            f'workflow default fidelity "{defaults.fidelity}" is not a recognized level',
            src.value_range if src is not None else ctx.workflow.header_range,
            help=f"valid levels: {_FIDELITIES}",
            fix=value_fix(src, defaults.fidelity, F.FIDELITIES),
        )
    for node in ctx.workflow.nodes:
        if isinstance(node, AgentNode) and node.fidelity and node.fidelity not in F.FIDELITIES:
            src = node.fields.get("fidelity")
            ctx.report(
                "DIP114",
                f'node "{node.id}" has fidelity "{node.fidelity}" which is not a recognized level',
                value_range_of(node, "fidelity", node.id_range),
                help=f"valid levels: {_FIDELITIES}",
                fix=value_fix(src, node.fidelity, F.FIDELITIES),
            )
        elif isinstance(node, ParallelNode):
            for branch in node.branches:
                if branch.fidelity and branch.fidelity not in F.FIDELITIES:
                    src = branch.fields.get("fidelity")
                    ctx.report(
                        "DIP114",
                        f'node "{node.id}" branch "{branch.target}" has fidelity "{branch.fidelity}" '
                        "which is not a recognized level",
                        src.value_range if src is not None else branch.target_range,
                        help=f"valid levels: {_FIDELITIES}",
                        fix=value_fix(src, branch.fidelity, F.FIDELITIES),
                    )


@rule(115, "DIP115")
def goal_gates_recover(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, AgentNode) or not node.goal_gate or node.retry_target or node.fallback_target:
            continue
        ctx.report(
            "DIP115",
            f'node "{node.id}" has goal_gate: true but no retry_target or fallback_target',
            node.field_range("goal_gate"),
            help="add retry_target or fallback_target so the pipeline can recover when the gate fails",
        )


@rule(116, "DIP116")
def compaction_threshold_range(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, AgentNode):
            continue
        x = node.compaction_threshold
        if x != 0 and (x < 0 or x > 1):
            ctx.report(
                "DIP116",
                f'node "{node.id}" has compaction_threshold {x:.2f} outside valid range [0.0, 1.0]',
                value_range_of(node, "compaction_threshold", node.id_range),
                help="compaction_threshold should be between 0.0 and 1.0",
            )


@rule(116.1, "DIP116")
def on_resume_values(ctx: LintContext) -> None:
    defaults = ctx.workflow.defaults
    value = defaults.on_resume
    if not value:
        return
    src = defaults.fields.get("on_resume")
    fallback = ctx.workflow.header_range
    if value not in F.ON_RESUME:
        ctx.report(
            "DIP116",
            f'workflow default on_resume "{value}" is not a recognized value',
            src.value_range if src is not None else fallback,
            help="valid values: preserve, degrade",
            fix=value_fix(src, value, F.ON_RESUME),
        )
    if not defaults.fidelity:
        ctx.report(
            "DIP116",
            "on_resume is set but fidelity is not configured",
            src.key_range if src is not None else fallback,
            help="set fidelity before configuring on_resume behavior",
        )


@rule(116.2, "DIP119")
def reasoning_efforts(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if isinstance(node, AgentNode) and node.reasoning_effort and node.reasoning_effort not in F.REASONING_EFFORTS:
            ctx.report(
                "DIP119",
                f'node "{node.id}" has reasoning_effort "{node.reasoning_effort}" which is not a recognized level',
                value_range_of(node, "reasoning_effort", node.id_range),
                help=f"valid levels: {', '.join(F.REASONING_EFFORTS)}",
                fix=value_fix(node.fields.get("reasoning_effort"), node.reasoning_effort, F.REASONING_EFFORTS),
            )


@rule(116.4, "DIP117", "DIP118")
def stylesheet_selectors(ctx: LintContext) -> None:
    wf = ctx.workflow
    classes = list(dict.fromkeys(c for node in wf.nodes for c in node.classes))
    for style in wf.stylesheet:
        sel = style.selector
        rng = style.selector_range
        if sel.kind == "class" and sel.value not in classes:
            guess = suggest(sel.value, classes)
            ctx.report(
                "DIP117",
                f'stylesheet references class "{sel.value}" which is not declared on any node',
                rng,
                help=f"add class: {sel.value} to a node declaration",
                fix=replace(f"Change to .{guess}", rng, f".{guess}") if guess else None,
            )
        elif sel.kind == "id" and wf.node(sel.value) is None:
            guess = suggest(sel.value, node_ids(ctx))
            ctx.report(
                "DIP118",
                f'stylesheet references node ID "{sel.value}" which does not exist',
                rng,
                help="check the node ID spelling or add the node",
                fix=replace(f"Change to #{guess}", rng, f"#{guess}") if guess else None,
            )



_W = Severity.WARNING
_B = "agent B\n  prompt: Ship.\n"


def _agent(fields: str) -> str:
    """Agent A with extra field lines, then agent B."""
    return "agent A\n" + fields + "  prompt: Build.\n" + _B


register(
    CodeInfo(
        "DIP104", _W, "Retry without a budget",
        "The node configures retrying (`retry_policy` or `retry_target`) but sets neither `max_retries` nor a "
        "`fallback_target`, so it is unclear how many attempts it gets and where it goes when they run out.",
        example(_agent("  retry_policy: patient\n")),
        example(_agent("  retry_policy: patient\n  max_retries: 3\n")),
        "Set `max_retries`, or add a `fallback_target`.",
        "core",
    ),
    CodeInfo(
        "DIP108", _W, "Unknown provider or model",
        "An agent's provider (its own or from `defaults`) is not in the model catalogue, or its model is not "
        "listed for that provider. An agent with a model and no provider gets its provider from the catalogue, "
        "so such a model must be listed under some provider. The catalogue is a snapshot: add newer models with "
        "`--extra-models \"provider:model1,model2\"`.",
        example(_agent("  provider: anthropic\n  model: claude-sonet-4-6\n")),
        example(_agent("  provider: anthropic\n  model: claude-sonnet-4-6\n")),
        "Correct the name, or register it with `--extra-models`.",
        "core",
    ),
    CodeInfo(
        "DIP109", _W, "Subgraph referenced twice",
        "Two subgraph nodes embed the same file. Running the same child twice can make the names it writes "
        "collide in the shared context.",
        example("subgraph A\n  ref: review.dip\nsubgraph B\n  ref: review.dip\n"),
        example("subgraph A\n  ref: review.dip\nsubgraph B\n  ref: second_review.dip\n"),
        "Make sure the two instances do not overwrite each other's keys.",
        "core",
    ),
    CodeInfo(
        "DIP110", _W, "Empty agent prompt",
        "An agent (other than the start and exit nodes, which may be pass-through) has no prompt, so the model "
        "gets no instructions.",
        example("agent A\n  label: Begin\nagent M\n  label: Work\nagent B\n  label: Done\n", ["A -> M", "M -> B"]),
        example("agent A\n  label: Begin\nagent M\n  prompt: Implement the plan.\nagent B\n  label: Done\n", ["A -> M", "M -> B"]),
        "Add a `prompt:` (or `prompt_file:`).",
        "core",
    ),
    CodeInfo(
        "DIP111", _W, "Tool without timeout",
        "A tool node does not set `timeout:`. A command that hangs would then hold the run until the engine's "
        "default limit.",
        example("tool A\n  command: make test\n" + _B),
        example("tool A\n  timeout: 60s\n  command: make test\n" + _B),
        "Add `timeout: 60s` (or whatever the command needs).",
        "core",
    ),
    CodeInfo(
        "DIP113", _W, "Unknown retry policy",
        "`retry_policy` must be one of the named policies: standard, aggressive, patient, linear, none.",
        example(_agent(""), header="defaults\n  retry_policy: agressive"),
        example(_agent(""), header="defaults\n  retry_policy: aggressive"),
        "Use one of the policy names.",
        "core",
    ),
    CodeInfo(
        "DIP114", _W, "Unknown fidelity level",
        "`fidelity` (in defaults, on an agent, or on a parallel branch) must be one of: full, summary:high, "
        "summary:medium, summary:low, compact, truncate.",
        example(_agent("  fidelity: summary\n")),
        example(_agent("  fidelity: summary:medium\n")),
        "Use one of the levels.",
        "core",
    ),
    CodeInfo(
        "DIP115", _W, "Goal gate without a recovery route",
        "A goal-gate agent makes the run fail at the exit when its last outcome was not success, unless the "
        "run can go back to it. Without `retry_target` or `fallback_target` there is no way back.",
        example(_agent("  goal_gate: true\n")),
        example(_agent("  goal_gate: true\n  retry_target: A\n")),
        "Add `retry_target:` or `fallback_target:`.",
        "core",
    ),
    CodeInfo(
        "DIP116", _W, "Invalid compaction or resume setting",
        "`compaction_threshold` is a fraction of the context window between 0 and 1; `defaults on_resume` must "
        "be `preserve` or `degrade`, and only has an effect when `defaults fidelity` is set.",
        example(_agent(""), header="defaults\n  on_resume: degrade"),
        example(_agent(""), header="defaults\n  fidelity: full\n  on_resume: degrade"),
        "Use a value in range, or set the setting it depends on.",
        "core",
    ),
    CodeInfo(
        "DIP117", _W, "Stylesheet class not used",
        "A `.class` rule in the stylesheet names a class that no node declares with `class:`, so it styles nothing.",
        example(_agent("") + "\nstylesheet:\n  .fast\n    model: gpt-5.4-mini\n", []) + "\n\n  edges\n    A -> B",
        example(_agent("  class: fast\n") + "\nstylesheet:\n  .fast\n    model: gpt-5.4-mini\n", []) + "\n\n  edges\n    A -> B",
        "Add `class:` to the nodes meant, or fix the class name.",
        "core",
    ),
    CodeInfo(
        "DIP118", _W, "Stylesheet node ID not found",
        "A `#ID` rule in the stylesheet names a node that does not exist, so it styles nothing.",
        example(_agent("") + "\nstylesheet:\n  #Bee\n    model: gpt-5.4\n", []) + "\n\n  edges\n    A -> B",
        example(_agent("") + "\nstylesheet:\n  #B\n    model: gpt-5.4\n", []) + "\n\n  edges\n    A -> B",
        "Correct the node ID.",
        "core",
    ),
    CodeInfo(
        "DIP119", _W, "Unknown reasoning effort",
        "`reasoning_effort` must be one of: none, minimal, low, medium, high, xhigh, max.",
        example(_agent("  reasoning_effort: hi\n")),
        example(_agent("  reasoning_effort: high\n")),
        "Use one of the levels.",
        "core",
    ),
    CodeInfo(
        "DIP134", _W, "max_retries used for loop restarts",
        "`defaults max_retries` is the per-node retry budget; the budget of `restart: true` loop-backs is "
        "`max_restarts`. A workflow with restart edges that sets only `max_retries` probably meant `max_restarts`.",
        example(_agent("  auto_status: true\n"), ["A -> A  when ctx.outcome = retry  restart: true", "A -> B"], header="defaults\n  max_retries: 10"),
        example(_agent("  auto_status: true\n"), ["A -> A  when ctx.outcome = retry  restart: true", "A -> B"], header="defaults\n  max_restarts: 10"),
        "Rename the setting to `max_restarts` (or set both).",
        "core",
    ),
)
