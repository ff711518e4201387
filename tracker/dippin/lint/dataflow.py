"""Context-key dataflow lint rules (DIP810–DIP817), built on :mod:`tracker.dippin.analysis`.

They look at every read of a value — ``${...}`` references and condition variables — and
ask the analysis whether something upstream can have written it. ``reads:`` entries are
left to DIP112. Nodes unreachable from the start are skipped (DIP004 already reports
them), and so is everything downstream of a subgraph or manager loop, whose child may
write any key.
"""

from __future__ import annotations

from tracker.dippin import context_keys as K
from tracker.dippin.analysis import Analysis, KeyInfo, Read
from tracker.dippin.analysis_sources import KNOWN_GRAPH_ATTRS
from tracker.dippin.diagnostics import Fix, Related, Severity, TextEdit
from tracker.dippin.ir import AgentNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.positions import Position, Range
from tracker.dippin.suggest import closest


def _info(code: str, sev: str, title: str, explanation: str, example: str = "", fixed: str = "", fix: str = "") -> CodeInfo:
    return CodeInfo(code, Severity(sev), title, explanation, example, fixed, fix, "tracker-py")


register(
    _info(
        "DIP810", "warning",
        "Context key read but never written upstream",
        "A `${ctx.<key>}` reference or a condition variable reads a context key that no node before it can write, so "
        "it is always empty there. The analysis knows the keys each node kind writes (`last_response`, `tool_stdout`, "
        "`human_response`, …), `writes:` declarations, interview `answers_key`s, the `node.<id>.<key>` copies and the "
        "seeded `graph.*`/`inputs.*` keys. Reads after a subgraph or manager loop are not checked (the child may write "
        "anything).",
        "  agent Summarize\n    prompt: Summarize ${ctx.last_reponse}",
        "  agent Summarize\n    prompt: Summarize ${ctx.last_response}",
        "Fix the key's spelling, read the key from a node that runs earlier, or declare it in `writes:` of the node that produces it.",
    ),
    _info(
        "DIP811", "info", "Context key only sometimes set",
        "The key is written on some paths to this node but not on all of them, so on the other paths the reference "
        "expands to the empty string (keys set only when a loop comes back are not reported: an empty first pass is "
        "usually intended there).",
        "  Check -> Fix  when ctx.outcome = fail\n  Check -> Report\n  Fix -> Report\n  # Report reads ${ctx.fix_notes}, written only by Fix",
        "",
        "Make sure the text reads well when the value is empty, or read it only on the branch that writes it.",
    ),
    _info(
        "DIP812", "warning", "Undeclared workflow variable",
        "`${params.<name>}` reads a workflow variable, but the `vars` section declares no such name, so it expands to "
        "the empty string (`--param` only accepts declared names). Workflows without a `vars` section are taken to be "
        "subgraph children whose parameters come from the call site and are not checked.",
        "  vars\n    target: main\n  agent A\n    prompt: Deploy ${params.taget}",
        "  vars\n    target: main\n  agent A\n    prompt: Deploy ${params.target}",
        "Declare the variable in `vars`, or fix its spelling.",
    ),
    _info(
        "DIP813", "warning", "Unknown graph attribute",
        "`${graph.<name>}` reads a graph attribute the run does not have: the workflow goal (`graph.goal`), "
        "`graph.workflow_dir`, the flattened defaults (`graph.llm_model`, `graph.default_fidelity`, …) and "
        "`graph.params.<var>` exist; anything else expands to the empty string.",
        "  agent A\n    prompt: Work towards ${graph.gaol}",
        "  agent A\n    prompt: Work towards ${graph.goal}",
        "Use one of the attributes the message lists, or set the default it comes from.",
    ),
    _info(
        "DIP814", "warning", "Undeclared input",
        "`${inputs.<name>}` reads a caller-supplied input that the `inputs` section does not declare; the run never "
        "seeds it, so it expands to the empty string.",
        "  inputs\n    spec: file\n  agent A\n    prompt: Read ${inputs.spek}",
        "  inputs\n    spec: file\n  agent A\n    prompt: Read ${inputs.spec}",
        "Declare the input, or fix its spelling.",
    ),
    _info(
        "DIP815", "warning", "Human response already consumed",
        "`human_response` is one-shot: the first agent that runs after a human gate consumes it (the engine blanks it), "
        "so a later node reading `${ctx.human_response}` sees an empty value on its first pass. Read the gate's own "
        "copy, `${ctx.node.<gate>.human_response}`, which survives.",
        "  AskUser -> Explore\n  Explore -> WriteSpec\n  # WriteSpec reads ${ctx.human_response}",
        "  # WriteSpec reads ${ctx.node.AskUser.human_response}",
        "Replace the reference with the gate's scoped copy.",
    ),
    _info(
        "DIP816", "warning", "Reference the runtime does not expand",
        "The runtime expands `${ctx.…}`, `${graph.…}`, `${params.…}` and `${inputs.…}` only. `${node.<id>.<key>}` and "
        "`${stack.…}` pass Dippin's own checks but expand to the empty string at run time; the same values are "
        "reachable through the context as `${ctx.node.<id>.<key>}` and `${ctx.stack.…}`.",
        "  agent Report\n    prompt: ${node.Build.tool_stdout}",
        "  agent Report\n    prompt: ${ctx.node.Build.tool_stdout}",
        "Prefix the reference with `ctx.`.",
    ),
    _info(
        "DIP817", "warning", "Reserved key in writes",
        "`writes:` may not declare keys the engine owns (`outcome`, `preferred_label`, `human_response`, "
        "`interview_answers`, `writes_error`, `writes_warning`, `tool_marker`, `tool_marker_error`, `tool_route`, "
        "`inputs.*`): the runtime rejects the declaration and fails the node every time it runs.",
        "  agent Judge\n    writes: outcome, verdict",
        "  agent Judge\n    writes: verdict",
        "Remove the key from `writes:` (route on `ctx.outcome` directly), or rename it.",
    ),
)


def analysis_of(ctx: LintContext) -> Analysis:
    """The dataflow analysis of the linted workflow, computed once per lint run."""
    return ctx.analysis


def _where(ctx: LintContext, read: Read) -> tuple[str, bool] | None:
    """The node whose context the read sees, and whether it sees it after that node ran."""
    if read.node_id is not None:
        return read.node_id, read.field in ("stop_condition", "steer_condition")
    if read.edge_index is None or read.edge_index >= len(ctx.workflow.edges):
        return None
    return ctx.workflow.edges[read.edge_index].source, True


def _replacement(read: Read, new_key: str) -> TextEdit | None:
    """An edit replacing the read's key, when its range is exactly the written text."""
    rng = read.range
    if rng.start.line != rng.end.line:
        return None
    length = rng.end.character - rng.start.character
    if read.origin == "interpolation":
        if length != len(read.namespace) + len(read.key) + 4:
            return None
        return TextEdit(range=rng, new_text="${" + f"{read.namespace}.{new_key}" + "}")
    for prefix in ("ctx.", "context.", ""):
        full = prefix + read.key if read.namespace in ("ctx", "") else f"{read.namespace}.{read.key}"
        if read.namespace not in ("ctx", "") and prefix:
            continue
        if len(full) == length:
            new = prefix + new_key if read.namespace in ("ctx", "") else f"{read.namespace}.{new_key}"
            return TextEdit(range=rng, new_text=new)
    return None


def _typo_fix(read: Read, key: str, candidates: list[str]) -> tuple[str, Fix | None]:
    limit = 2 if len(key) >= 4 else 1
    guess = closest(key, candidates, max_distance=limit)
    if guess is None:
        return "", None
    edit = _replacement(read, guess)
    fix = Fix(title=f"Change to `{guess}`", edits=[edit]) if edit is not None else None
    return guess, fix


def _shown(read: Read) -> str:
    if read.origin == "interpolation":
        return "${" + f"{read.namespace}.{read.key}" + "}"
    return read.key if read.namespace in ("ctx", "") else f"{read.namespace}.{read.key}"


def _subject(ctx: LintContext, read: Read) -> str:
    if read.node_id is not None:
        return f'node "{read.node_id}"'
    edge = ctx.workflow.edges[read.edge_index or 0]
    return f"edge {edge.source} → {edge.target}"


def _checked(a: Analysis, at: str) -> bool:
    if at not in a.flow.index:
        return False
    return not a.reachable or at in a.reachable


@rule(810, "DIP810", "DIP811", "DIP815")
def context_reads(ctx: LintContext) -> None:
    a = analysis_of(ctx)
    if a.error is not None:
        return
    for read in a.reads:
        if read.origin == "reads" or read.namespace not in ("ctx", "") or not read.key:
            continue
        if K.is_dynamic(read.key):
            continue
        where = _where(ctx, read)
        if where is None:
            continue
        at, after = where
        if not _checked(a, at):
            continue
        info = a.key_info_after(at, read.key) if after else a.key_info(at, read.key)
        if info is None:
            if not a.opaque_upstream(at, after=after):
                keys = a.keys_after(at) if after else a.keys_at(at)
                _never_written(ctx, a, read, at, after, keys)
            continue
        if read.key == "human_response" and not info.loop_only and not a.live_on_first_pass(at, after=after):
            _consumed(ctx, a, read, at, after, info)
        elif not info.always and not info.loop_only and read.origin == "interpolation":
            _sometimes(ctx, a, read, at, info)


def _never_written(ctx: LintContext, a: Analysis, read: Read, at: str, after: bool, keys: dict[str, KeyInfo]) -> None:
    key = read.key
    subject = _subject(ctx, read)
    scoped = K.split_scoped(key)
    if scoped is not None:
        _scoped_never_written(ctx, a, read, at, after, subject)
        return
    elsewhere = [w for w in a.writers_of(key) if w.node_id]
    if elsewhere:
        names = ", ".join(dict.fromkeys(w.node_id for w in elsewhere))
        ctx.report(
            "DIP810",
            f'{subject} reads context key "{key}", but no node that runs before it writes it',
            read.range,
            help=f"`{key}` is written by {names}, which cannot run before this point",
            related=[Related(message=f"`{key}` is written here", range=w.range) for w in elsewhere[:3]],
        )
        return
    candidates = [k for k in keys if not k.startswith("node.")] + sorted(a.written_keys() - set(keys))
    guess, fix = _typo_fix(read, key, candidates)
    known = K.describe(key)
    if guess:
        help_text = f"did you mean `{guess}`?"
    elif known is not None:
        kinds = ", ".join(known.writers)
        help_text = f"`{key}` is written by {kinds} nodes; none runs before this point"
    else:
        help_text = f"declare `writes: {key}` on the node that produces it, or fix the key's spelling"
    ctx.report(
        "DIP810", f'{subject} reads context key "{key}", which no node writes', read.range, help=help_text, fix=fix,
    )


def _scoped_never_written(ctx: LintContext, a: Analysis, read: Read, at: str, after: bool, subject: str) -> None:
    wf = ctx.workflow
    key = read.key
    rest = key[len("node."):]
    node_id = ""
    inner = ""
    for candidate in sorted(a.flow.ids, key=len, reverse=True):
        if rest.startswith(candidate + ".") and len(rest) > len(candidate) + 1:
            node_id, inner = candidate, rest[len(candidate) + 1 :]
            break
    if not node_id:
        reader = wf.node(read.node_id) if read.node_id else None
        if isinstance(reader, AgentNode) and read.field == "prompt":
            return  # DIP106 reports unknown node IDs in agent prompts
        first = rest.partition(".")[0]
        guess = closest(first, a.flow.ids)
        fix = None
        if guess:
            edit = _replacement(read, f"node.{guess}.{rest.partition('.')[2]}")
            fix = Fix(title=f"Change to `{guess}`", edits=[edit]) if edit else None
        ctx.report(
            "DIP810", f'{subject} reads "{key}", but there is no node "{first}"', read.range,
            help=f'did you mean "{guess}"?' if guess else "scoped keys are written `node.<id>.<key>`", fix=fix,
        )
        return
    writer_node = wf.node(node_id)
    upstream = a.upstream(at, after=after)
    if node_id not in upstream:
        ctx.report(
            "DIP810", f'{subject} reads "{key}", but node "{node_id}" does not run before it', read.range,
            help=f'"{node_id}" writes its `node.{node_id}.*` keys only after it runs',
            related=[Related(message=f'"{node_id}" is declared here', range=writer_node.id_range)] if writer_node else [],
        )
        return
    own = [w.key[len(f"node.{node_id}.") :] for w in a.node_writers(node_id) if w.kind == "scoped"]
    guess = closest(inner, own, max_distance=2 if len(inner) >= 4 else 1) or ""
    edit = _replacement(read, f"node.{node_id}.{guess}") if guess else None
    fix = Fix(title=f"Change to `node.{node_id}.{guess}`", edits=[edit]) if edit is not None else None
    parallel_branch = any(node_id in getattr(n, "targets", ()) for n in wf.nodes if n.kind == "parallel")
    if parallel_branch:
        help_text = f'"{node_id}" is a parallel branch: its `node.{node_id}.*` keys stay in the branch context'
    elif guess:
        help_text = f"did you mean `node.{node_id}.{guess}`?"
    else:
        shown = ", ".join(sorted(k for k in own if not k.startswith(("response.",))))
        help_text = f'"{node_id}" writes: {shown}'
    ctx.report(
        "DIP810", f'{subject} reads "{key}", but node "{node_id}" never writes "{inner}"', read.range,
        help=help_text, fix=fix if not parallel_branch else None,
    )


def _consumed(ctx: LintContext, a: Analysis, read: Read, at: str, after: bool, info: KeyInfo) -> None:
    gates = list(dict.fromkeys(w.node_id for w in info.writers if w.node_id and w.kind != "scoped"))
    consumers = a.consumers_before(at, after=after)
    subject = _subject(ctx, read)
    by = f"agent {', '.join(consumers)}" if consumers else "an agent"
    fix = None
    if len(gates) == 1:
        edit = _replacement(read, f"node.{gates[0]}.human_response")
        if edit is not None:
            fix = Fix(title=f"Read {gates[0]}'s copy: node.{gates[0]}.human_response", edits=[edit])
    help_text = (
        f"use `${{ctx.node.{gates[0]}.human_response}}`" if len(gates) == 1
        else "read the gate's own copy, `${ctx.node.<gate>.human_response}`"
    )
    ctx.report(
        "DIP815",
        f"{subject} reads human_response, but {by} consumes it first: it is empty here on the first pass",
        read.range, help=help_text, fix=fix,
        related=[Related(message=f"consumed by {c}", range=_node_range(ctx, c)) for c in consumers[:3]],
    )


def _sometimes(ctx: LintContext, a: Analysis, read: Read, at: str, info: KeyInfo) -> None:
    writers = list(dict.fromkeys(w.node_id or "(start)" for w in info.writers))
    ctx.report(
        "DIP811",
        f'{_subject(ctx, read)} reads "{read.key}", which is set on some paths here but not all',
        read.range,
        help=f"written by {', '.join(writers)}; on the other paths {_shown(read)} expands to an empty string",
        related=[Related(message=f"`{read.key}` is written here", range=w.range) for w in info.writers[:3]],
    )


def _node_range(ctx: LintContext, node_id: str) -> Range:
    node = ctx.workflow.node(node_id)
    return node.id_range if node is not None else Range(Position(0, 0), Position(0, 0))


@rule(812, "DIP812", "DIP813", "DIP814", "DIP816")
def namespace_reads(ctx: LintContext) -> None:
    a = analysis_of(ctx)
    if a.error is not None:
        return
    for read in a.reads:
        if read.origin == "reads" or not read.key:
            continue
        ns = read.namespace
        if ns == "params":
            _check_param(ctx, a, read, read.key, "params")
        elif ns == "graph":
            if read.key.startswith("params."):
                _check_param(ctx, a, read, read.key[len("params."):], "graph.params")
            elif read.key not in a.graph_attrs:
                _unknown_graph_attr(ctx, a, read)
        elif ns == "inputs" and read.key not in a.inputs:
            guess, fix = _typo_fix(read, read.key, list(a.inputs))
            declared = ", ".join(a.inputs) or "none"
            ctx.report(
                "DIP814", f'{_subject(ctx, read)} reads input "{read.key}", which the inputs section does not declare',
                read.range, help=f"did you mean `{guess}`?" if guess else f"declared inputs: {declared}", fix=fix,
            )
        elif ns in ("node", "stack") and read.origin == "interpolation":
            edit = _replacement_text(read, "${" + f"ctx.{ns}.{read.key}" + "}")
            ctx.report(
                "DIP816", f"{_shown(read)} is not expanded at run time (it becomes an empty string)", read.range,
                help=f"write `${{ctx.{ns}.{read.key}}}`",
                fix=Fix(title=f"Change to `${{ctx.{ns}.{read.key}}}`", edits=[edit]) if edit else None,
            )


def _replacement_text(read: Read, new_text: str) -> TextEdit | None:
    rng = read.range
    expected = len(read.namespace) + len(read.key) + 4
    if rng.start.line != rng.end.line or rng.end.character - rng.start.character != expected:
        return None
    return TextEdit(range=rng, new_text=new_text)


def _check_param(ctx: LintContext, a: Analysis, read: Read, name: str, shown_ns: str) -> None:
    if name in a.params:
        return
    guess, fix = _typo_fix(read, name, list(a.params))
    if fix is not None and shown_ns == "graph.params":
        edit = _replacement(read, f"params.{guess}")
        fix = Fix(title=f"Change to `{guess}`", edits=[edit]) if edit else None
    declared = ", ".join(a.params) or "none"
    ctx.report(
        "DIP812", f'{_subject(ctx, read)} reads {shown_ns}.{name}, but the vars section does not declare "{name}"',
        read.range, help=f"did you mean `{guess}`?" if guess else f"declared variables: {declared}", fix=fix,
    )


def _unknown_graph_attr(ctx: LintContext, a: Analysis, read: Read) -> None:
    key = read.key
    if key in KNOWN_GRAPH_ATTRS:
        ctx.report(
            "DIP813", f"{_subject(ctx, read)} reads graph.{key}, which this workflow does not set", read.range,
            help=f"`graph.{key}` is empty unless the workflow sets it (see `tracker explain DIP813`)",
        )
        return
    guess, fix = _typo_fix(read, key, list(a.graph_attrs))
    known = ", ".join(sorted(a.graph_attrs))
    ctx.report(
        "DIP813", f'{_subject(ctx, read)} reads graph.{key}, but the run has no graph attribute "{key}"', read.range,
        help=f"did you mean `{guess}`?" if guess else f"graph attributes here: {known}", fix=fix,
    )


@rule(817, "DIP817")
def reserved_writes(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        bad = [k for k in node.writes if K.is_reserved_write(k)]
        if not bad:
            continue
        src = node.fields.get("writes")
        rng = src.value_range if src is not None else node.id_range
        for key in bad:
            ctx.report(
                "DIP817",
                f'node "{node.id}" declares `writes: {key}`, a key the engine owns; the node fails every time it runs',
                rng,
                help="remove it from `writes:`" + (" and route on `ctx.outcome`" if key == "outcome" else ""),
            )
