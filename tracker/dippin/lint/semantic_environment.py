"""Tool-command and file lint (DIP123–DIP126, DIP135–DIP137).

DIP123 (``bash -n``) and DIP125 (binary on ``PATH``) look at the machine and run only
when ``options.environment`` is true; referenced files are checked through
``options.file_exists`` so the language server can answer from open documents.
"""

from __future__ import annotations

import re
from pathlib import Path

from tracker.dippin.diagnostics import Severity
from tracker.dippin.ir import ManagerLoopNode, SubgraphNode, ToolNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.semantic_support import example, text_range
from tracker.dippin.positions import Range
from tracker.dippin.values import format_duration

_CTX_REFERENCE = re.compile(r"\$\{ctx\.[^}]+\}")


def _command_range(node: ToolNode, start: int, end: int) -> Range:
    return text_range(node, "command", "command_file", node.command, start, end)


@rule(123, "DIP123")
def shell_syntax(ctx: LintContext) -> None:
    if not ctx.options.environment:
        return
    from tracker.dippin.lint.bash_syntax import (
        bash_syntax_errors,  # subprocess etc.: only when checking
    )

    tools = [n for n in ctx.workflow.nodes if isinstance(n, ToolNode) and n.command]
    problems = bash_syntax_errors([n.command for n in tools])
    for node in tools:
        problem = problems.get(node.command)
        if problem is None:
            continue
        rng = _command_range(node, 0, 0)
        if problem.line is not None:
            lines = node.command.split("\n")
            index = min(problem.line, len(lines)) - 1
            start = sum(len(line) + 1 for line in lines[:index])
            rng = _command_range(node, start, start + len(lines[index]))
        elif "command" in node.fields and "command_file" not in node.fields:
            rng = node.fields["command"].value_range
        ctx.report("DIP123", f"tool command has shell syntax error: {problem.message}", rng)


@rule(124, "DIP124")
def context_in_commands(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, ToolNode) or "${ctx." not in node.command:
            continue
        for m in _CTX_REFERENCE.finditer(node.command):
            ctx.report(
                "DIP124",
                f"tool command references {m.group(0)} which expands to empty at runtime",
                _command_range(node, m.start(), m.end()),
            )


@rule(125, "DIP125")
def command_binaries(ctx: LintContext) -> None:
    if not ctx.options.environment:
        return
    from tracker.dippin.lint.shell import first_binary, on_path

    for node in ctx.workflow.nodes:
        if not isinstance(node, ToolNode) or not node.command.strip():
            continue
        binary = first_binary(node.command)
        if binary is None or on_path(binary.name):
            continue
        ctx.report(
            "DIP125",
            f'tool command binary "{binary.name}" not found on PATH',
            _command_range(node, binary.start, binary.end),
        )


def _resolve(ctx: LintContext, ref: str) -> Path | None:
    """The file a ref names: absolute, or relative to the workflow's directory."""
    path = Path(ref)
    if path.is_absolute():
        return path
    source = ctx.workflow.source_path or ctx.path
    if not source:
        return None
    return Path(source).parent / path


def _missing(ctx: LintContext, path: Path) -> bool:
    try:
        return not ctx.options.file_exists(path)
    except OSError:
        return False


@rule(126, "DIP126")
def subgraph_files(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, SubgraphNode) or not node.ref:
            continue
        path = _resolve(ctx, node.ref)
        if path is None or not _missing(ctx, path):
            continue
        ctx.report(
            "DIP126",
            f'subgraph node "{node.id}" references "{node.ref}" which does not exist',
            node.value_range("ref"),
            help=f"resolved path: {path}",
        )


@rule(126.5, "DIP135", "DIP136", "DIP137")
def manager_loops(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, ManagerLoopNode):
            continue
        if not node.subgraph_ref:
            ctx.report(
                "DIP135",
                f'manager_loop "{node.id}" has no subgraph_ref',
                node.field_range("subgraph_ref"),
                help="set subgraph_ref to the path of a .dip file defining the child pipeline",
            )
        else:
            path = _resolve(ctx, node.subgraph_ref)
            if path is not None and _missing(ctx, path):
                ctx.report(
                    "DIP135",
                    f'manager_loop "{node.id}" references "{node.subgraph_ref}" which does not exist',
                    node.value_range("subgraph_ref"),
                    help=f"resolved path: {path}",
                )
        if node.poll_interval < 0:
            ctx.report(
                "DIP136",
                f'manager_loop "{node.id}" poll_interval is negative ({format_duration(node.poll_interval)})',
                node.value_range("poll_interval"),
                help="use a non-negative duration such as 30s; 0 means event-driven",
            )
        if node.max_cycles < 0:
            ctx.report(
                "DIP136",
                f'manager_loop "{node.id}" max_cycles is negative ({node.max_cycles})',
                node.value_range("max_cycles"),
                help="use a positive integer; 0 means unbounded",
            )
        stop = node.stop_condition
        if (stop is None or (not stop.raw and stop.expr is None)) and node.max_cycles == 0:
            ctx.report(
                "DIP137",
                f'manager_loop "{node.id}" is unbounded: no stop_condition and no max_cycles',
                node.id_range,
                help="set stop_condition (e.g., stack.child.outcome = success) or max_cycles to bound supervision",
            )


_W = Severity.WARNING
_B = "agent B\n  prompt: Ship.\n"


def _tool(command: str) -> str:
    return "tool A\n  timeout: 60s\n  command:\n" + "".join(f"    {line}\n" for line in command.split("\n")) + _B


def _loop(fields: str) -> str:
    return "manager_loop A\n" + fields + _B


register(
    CodeInfo(
        "DIP123", _W, "Shell syntax error in a tool command",
        "`bash -n` rejects the tool's command, so it would fail as soon as it runs. This check runs the local "
        "bash (disable it with `--no-env-checks`).",
        example(_tool("if [ -f go.mod ]; then\n  go test ./...")),
        example(_tool("if [ -f go.mod ]; then\n  go test ./...\nfi")),
        "Fix the shell syntax at the line shown.",
        "core",
    ),
    CodeInfo(
        "DIP124", _W, "Context variable in a tool command",
        "Tool commands are expanded in a restricted mode: only a few `ctx` keys (outcome, preferred_label, "
        "human_response, interview_answers) may be interpolated; others are refused when set and expand to "
        "nothing when not. Passing model output into a shell command is also an injection risk.",
        example(_tool('git commit -m "${ctx.last_response}"')),
        example(_tool("git commit -F .ai/commit-message.txt")),
        "Have an earlier step write the value to a file and read it from the command.",
        "core",
    ),
    CodeInfo(
        "DIP125", Severity.HINT, "Command not found on PATH",
        "The first program the tool runs (after builtins and `mkdir`) is not on this machine's PATH. The run "
        "machine may differ, so this is only a hint (disable it with `--no-env-checks`).",
        example(_tool("mkdir -p out\nacme-deploy-cli --target out")),
        example(_tool("mkdir -p out\nls out")),
        "Install the program or fix its name.",
        "core",
    ),
    CodeInfo(
        "DIP126", _W, "Subgraph file not found",
        "A subgraph's `ref` names a file that does not exist (relative paths are resolved from the workflow's "
        "directory).",
        example("subgraph A\n  ref: subgraphs/reveiw.dip\n" + _B),
        example("subgraph A\n  ref: subgraphs/review.dip\n" + _B),
        "Correct the path.",
        "core",
    ),
    CodeInfo(
        "DIP135", _W, "Manager loop without a child pipeline",
        "A `manager_loop` supervises the workflow named by `subgraph_ref`; it is missing, or names a file that "
        "does not exist.",
        example(_loop("  max_cycles: 10\n")),
        example(_loop("  subgraph_ref: child.dip\n  max_cycles: 10\n")),
        "Set `subgraph_ref` to the child's .dip file.",
        "core",
    ),
    CodeInfo(
        "DIP136", _W, "Negative manager-loop setting",
        "`poll_interval` and `max_cycles` cannot be negative (0 means event-driven polling and no cycle cap).",
        example(_loop("  subgraph_ref: child.dip\n  max_cycles: 10\n  poll_interval: -5s\n")),
        example(_loop("  subgraph_ref: child.dip\n  max_cycles: 10\n  poll_interval: 5s\n")),
        "Use a non-negative value.",
        "core",
    ),
    CodeInfo(
        "DIP137", _W, "Unbounded manager loop",
        "A `manager_loop` with neither `stop_condition` nor `max_cycles` only ends when its child does, and has "
        "no way to stop a child that never finishes.",
        example(_loop("  subgraph_ref: child.dip\n")),
        example(_loop("  subgraph_ref: child.dip\n  stop_condition: stack.child.outcome = success\n")),
        "Add `stop_condition` or `max_cycles`.",
        "core",
    ),
)
