"""``tracker simulate``: the execution plan of a workflow, its paths, or a simulated run.

Without flags it prints a readable plan (nodes, edges, BFS execution plan, unreachable
nodes); ``--json`` prints the same as the engine's report object; ``--all-paths`` adds
every distinct start→exit path (bounded); ``--mermaid`` prints a Mermaid graph;
``--jsonl`` runs the reference walker and prints its JSONL events.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.dippin.diagnostics import Diagnostic
    from tracker.dippin.ir import HumanNode, Workflow
    from tracker.dippin.parser import ParseResult

SUMMARY = "Show the execution plan and paths of a workflow (no LLM calls)"
EXAMPLES = """\
  tracker simulate pipeline.dip                 readable plan
  tracker simulate pipeline.dip --all-paths     plan plus every start→exit path
  tracker simulate pipeline.dip --json          the plan report as JSON
  tracker simulate pipeline.dip --mermaid       a Mermaid flowchart of the graph
  tracker simulate pipeline.dip --jsonl --scenario outcome=fail
                                                one simulated run as JSONL events
  tracker simulate pipeline.dip --jsonl --all-paths
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workflow", help="a .dip file, NAME (NAME.dip in this directory) or a built-in workflow")
    parser.add_argument("--all-paths", action="store_true", help="enumerate the distinct paths from start to exit")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the plan report as JSON")
    out.add_argument("--jsonl", action="store_true", help="run the simulator and print its events as JSON lines")
    out.add_argument("--mermaid", action="store_true", help="print the graph as a Mermaid flowchart")
    parser.add_argument(
        "--scenario", action="append", default=[], metavar="KEY=VALUE",
        help="mock a context value for --jsonl runs (NODE.key applies when NODE runs); repeatable",
    )
    parser.add_argument("--interactive", action="store_true", help="with --jsonl: answer human gates on the terminal")
    parser.add_argument("--max-paths", type=int, default=100, metavar="N", help="stop enumerating after N paths (default 100)")


def _scenario(pairs: list[str]) -> dict[str, str] | str:
    out: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            return f'--scenario "{pair}" must be KEY=VALUE'
        out[key] = value
    return out


def _location(d: Diagnostic, display: str) -> str:
    return f"{d.file or display}:{d.range.start.line + 1}:{d.range.start.character + 1}"


def load(arg: str) -> tuple[ParseResult, str] | None:
    """Resolve and parse the workflow argument; print a clear error and return None."""
    from tracker.cli.resolve import UnknownWorkflow, resolve_workflow
    from tracker.dippin import load_bytes

    try:
        source = resolve_workflow(arg)
    except UnknownWorkflow as exc:
        sys.stderr.write(f"error: {exc}\n")
        return None
    except OSError as exc:
        sys.stderr.write(f"error: cannot read {arg}: {exc.strerror or exc}\n")
        return None
    result = load_bytes(source.text, source.path)
    return result, source.display


def parse_errors(result: ParseResult, display: str) -> bool:
    """Print syntax errors (the input cannot be simulated); True when there were any."""
    errors = [d for d in result.diagnostics if d.is_error and d.code in ("DIP000", "DIP909", "DIP913", "DIP917")]
    for d in errors:
        sys.stderr.write(f"{_location(d, display)}: error[{d.code}]: {d.message}\n")
    return bool(errors)


def validation(workflow: Workflow, path: str | None) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Structural errors and dataflow warnings, as the engine's simulate shows them."""
    from tracker.dippin.diagnostics import Severity
    from tracker.dippin.lint import LintContext, LintOptions, dataflow, validate

    diags = list(validate(workflow, LintOptions(environment=False), path))
    ctx = LintContext(workflow, LintOptions(environment=False), path)
    dataflow.context_reads(ctx)
    dataflow.namespace_reads(ctx)
    diags += ctx.diagnostics
    errors = [d for d in diags if d.severity is Severity.ERROR]
    warnings = [d for d in diags if d.severity is Severity.WARNING]
    return errors, warnings


def run(args: argparse.Namespace) -> int:
    scenario = _scenario(args.scenario)
    if isinstance(scenario, str):
        sys.stderr.write(f"Error: {scenario}\n")
        return 1
    loaded = load(args.workflow)
    if loaded is None:
        return 1
    result, display = loaded
    if parse_errors(result, display):
        return 1
    workflow = result.workflow
    if args.mermaid:
        from tracker.dippin.simulate import to_mermaid

        sys.stdout.write(to_mermaid(workflow))
        return 0
    if args.jsonl:
        return _run_jsonl(workflow, scenario, args)
    errors, warnings = validation(workflow, result.path)
    _print_validation(errors, warnings, display)
    report, paths = _report(workflow, args.all_paths, args.max_paths)
    if args.json:
        if paths is not None:
            report.update(paths)
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        return 0
    render_plan(report, paths)
    return 0


def _print_validation(errors: list[Diagnostic], warnings: list[Diagnostic], display: str) -> None:
    if errors:
        sys.stderr.write("=== Validation Errors ===\n")
        for d in errors:
            sys.stderr.write(f"  ! {_location(d, display)}: {d.code}: {d.message}\n")
    if warnings:
        sys.stderr.write("=== Validation Warnings ===\n")
        for d in warnings:
            sys.stderr.write(f"  ~ {_location(d, display)}: {d.code}: {d.message}\n")


def _report(workflow: Workflow, all_paths: bool, max_paths: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    from pathlib import Path

    from tracker.dippin.simulate import full_report

    directory = str(Path(workflow.source_path).resolve().parent) if workflow.source_path else None
    report = full_report(workflow, all_paths=all_paths, max_paths=max_paths, workflow_dir=directory)
    if not all_paths:
        return report, None
    paths = {key: report.pop(key) for key in ("paths", "truncated", "note")}
    return report, paths


def _ask(node: HumanNode) -> str | None:
    label = node.label or node.id
    if node.mode == "interview":
        sys.stderr.write(f"\n[HUMAN] {label} (interview mode)\n  Enter answers line by line (blank line to finish):\n")
        lines: list[str] = []
        while True:
            line = sys.stdin.readline()
            if not line or not line.strip():
                break
            lines.append(line.rstrip("\n"))
        return "\n".join(lines) if lines else None
    prompt = "  Enter response: " if node.mode == "freeform" else "  Enter choice: "
    sys.stderr.write(f"\n[HUMAN] {label}\n{prompt}")
    sys.stderr.flush()
    line = sys.stdin.readline()
    return line.strip() if line else None


def _run_jsonl(workflow: Workflow, scenario: dict[str, str], args: argparse.Namespace) -> int:
    from tracker.dippin.simulate import SimulationError, enumerate_paths, simulate

    out = sys.stdout
    try:
        if args.all_paths:
            found = enumerate_paths(workflow, scenario, max_paths=max(1, args.max_paths))
            for i, path in enumerate(found.paths, 1):
                if i > 1:
                    out.write("\n")
                sys.stderr.write(f"--- path {i}: {path.status} ({len(path.path)} nodes: {' → '.join(path.path)}) ---\n")
                for event in path.events:
                    out.write(json.dumps(event, ensure_ascii=False) + "\n")
            if found.truncated:
                sys.stderr.write(f"note: enumeration {found.note}\n")
            sys.stderr.write(f"\n{len(found.paths)} path(s) enumerated\n")
            return 0
        run_result = simulate(workflow, scenario, ask=_ask if args.interactive else None)
    except SimulationError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    for event in run_result.events:
        out.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stderr.write(f"simulation complete: {run_result.status} ({len(set(run_result.path))} nodes visited)\n")
    sys.stderr.write(f"path: {' → '.join(run_result.path)}\n")
    return 0


def _clip(text: str, limit: int = 70) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


PLAN_ATTRS = ("llm_model", "llm_provider", "retry_policy", "max_retries", "fidelity", "prompt")


def render_plan(report: dict[str, Any], paths: dict[str, Any] | None) -> None:
    """The plan as readable terminal output (rich; plain text when not a terminal)."""
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    nodes = report["nodes"]
    console.print(Text.assemble(("Pipeline: ", "bold"), (report["name"] or "(unnamed)", "bold cyan"),
                                f"  ({len(nodes)} nodes, {len(report['edges'])} edges)"))
    console.print(f"Start: {report['start_node'] or '(none)'}    Exit: {report['exit_node'] or '(none)'}")
    if report["graph_attrs"]:
        console.print(Text("\nGraph attributes", style="bold"))
        for key, value in report["graph_attrs"].items():
            console.print(Text(f"  {key} = {_clip(value)}"))
    width = max((len(n["id"]) for n in nodes), default=2) + 2
    hwidth = max((len(n["handler"]) for n in nodes), default=7) + 2
    swidth = max((len(n["shape"]) for n in nodes), default=5) + 2
    console.print(Text("\nNodes", style="bold"))
    console.print(Text(f"  {'ID'.ljust(width)}{'Handler'.ljust(hwidth)}{'Shape'.ljust(swidth)}Label", style="bold"))
    for node in nodes:
        line = Text("  ")
        line.append(node["id"].ljust(width), style="cyan")
        line.append(node["handler"].ljust(hwidth) + node["shape"].ljust(swidth) + node["label"])
        console.print(line)
        for key in PLAN_ATTRS:
            if key in node["attrs"]:
                console.print(Text(f"      > {key}={_clip(node['attrs'][key], 60)}", style="dim"))
    console.print(Text("\nEdges", style="bold"))
    for edge in report["edges"]:
        line = Text(f"  {edge['from']} -> {edge['to']}")
        if edge["label"]:
            line.append(f"  [{edge['label']}]", style="magenta")
        if edge["condition"]:
            line.append(f"  (when: {edge['condition']})", style="yellow")
        console.print(line)
    console.print(Text("\nExecution Plan (simulated BFS traversal from start node)", style="bold"))
    labels = {n["id"]: (n["label"] or n["id"], n["handler"]) for n in nodes}
    for step in report["execution_plan"]:
        label, handler = labels.get(step["node_id"], (step["node_id"], ""))
        console.print(Text(f"  {step['step']}. {label}  ({handler})"))
        for edge in step["edges"]:
            line = Text(f"       └─> {edge['to']}")
            if edge["label"]:
                line.append(f" [{edge['label']}]", style="magenta")
            if edge["condition"]:
                line.append(f" (when: {edge['condition']})", style="yellow")
            console.print(line)
        if not step["edges"] and step["node_id"] != report["exit_node"]:
            console.print(Text("       ! dead end (no outgoing edges)", style="red"))
    if report["unreachable"]:
        console.print(Text(f"\n! Unreachable nodes: {', '.join(report['unreachable'])}", style="red"))
    if paths is not None:
        found = paths["paths"]
        console.print(Text(f"\nPaths ({len(found)})", style="bold"))
        for path in found:
            style = "green" if path["status"] == "success" else "red"
            console.print(Text.assemble(f"  {path['id']}. ", (path["status"], style), f"  {' → '.join(path['nodes'])}"))
        if paths["note"]:
            console.print(Text(f"  note: {paths['note']}", style="yellow"))
