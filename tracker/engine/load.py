"""Load a workflow for running: parse, validate, adapt, and load its subgraphs.

A workflow with parse or structural errors is refused (:class:`PipelineLoadError`, whose
text renders the diagnostics the way ``tracker validate`` does); lint warnings are kept
for the front end to print. Subgraph references resolve relative to the referring file,
then the current directory, with and without ``.dip`` (engine spec §1.3.8).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from tracker.dippin.diagnostics import Diagnostic, Severity, sort_key
from tracker.dippin.parser import ParseResult
from tracker.engine.graph import RuntimeGraph, build_graph


class PipelineLoadError(Exception):
    """The workflow (or one of its subgraphs) cannot run; ``diagnostics`` says why."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        self.message = message
        self.diagnostics = diagnostics or []
        super().__init__(self.render())

    def render(self) -> str:
        parts = [render_diagnostic(d) for d in self.diagnostics]
        parts.append(f"error: {self.message}")
        return "\n".join(parts)


def render_diagnostic(d: Diagnostic) -> str:
    """``severity[CODE]: message`` plus ``--> file:line:col`` and help (1-based positions)."""
    where = f"{d.file or '<unknown>'}:{d.range.start.line + 1}:{d.range.start.character + 1}"
    lines = [f"{d.severity.value}[{d.code}]: {d.message}", f"  --> {where}"]
    if d.help:
        lines.append(f"  = help: {d.help}")
    return "\n".join(lines)


@dataclass
class SubgraphLibrary:
    """Loaded child workflows, keyed by (referring file's directory, ref)."""

    by_ref: dict[tuple[str, str], RuntimeGraph] = field(default_factory=dict)

    def resolve(self, parent: RuntimeGraph, ref: str) -> RuntimeGraph | None:
        base = str(parent.path.parent.resolve()) if parent.path is not None else ""
        return self.by_ref.get((base, ref))

    def graphs(self) -> list[RuntimeGraph]:
        return list(self.by_ref.values())


@dataclass
class LoadedPipeline:
    graph: RuntimeGraph
    source: bytes
    path: Path | None
    parse: ParseResult
    warnings: list[Diagnostic] = field(default_factory=list)
    subgraphs: SubgraphLibrary = field(default_factory=SubgraphLibrary)

    @property
    def name(self) -> str:
        return self.graph.name or (self.path.stem if self.path else "workflow")


def _check(result: ParseResult, label: str) -> list[Diagnostic]:
    """Raise on errors; return lint warnings."""
    from tracker.dippin import lint

    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    structural = lint.validate(result.workflow, path=result.path)
    errors += [d for d in structural if d.severity is Severity.ERROR]
    if errors:
        errors.sort(key=sort_key)
        raise PipelineLoadError(f"{label}: {len(errors)} error(s); fix them before running", errors)
    warnings = [d for d in result.diagnostics if d.severity is Severity.WARNING]
    warnings += [d for d in structural if d.severity is Severity.WARNING]
    with contextlib.suppress(Exception):  # a lint rule crashing must not block a run
        warnings += [d for d in lint.lint(result.workflow, path=result.path) if d.severity is Severity.WARNING]
    warnings.sort(key=sort_key)
    return warnings


def ref_candidates(ref: str, parent_dir: Path | None, cwd: Path) -> list[Path]:
    out: list[Path] = []
    for base in ([parent_dir] if parent_dir is not None else []) + [cwd]:
        out.append(base / ref)
        out.append(base / f"{ref}.dip")
    return out


def load_pipeline(source: bytes, path: Path | None, *, cwd: Path | None = None) -> LoadedPipeline:
    """Parse and check a workflow and every subgraph it references."""
    from tracker.dippin import load_bytes

    cwd = cwd or Path.cwd()
    abs_path = path.resolve() if path is not None else None
    result = load_bytes(source, abs_path)
    label = str(path) if path is not None else "workflow"
    warnings = _check(result, label)
    graph = build_graph(result.workflow, abs_path)
    library = SubgraphLibrary()
    _load_children(graph, library, cwd, [abs_path] if abs_path else [], warnings)
    return LoadedPipeline(graph, source, path, result, warnings, library)


def _load_children(
    graph: RuntimeGraph, library: SubgraphLibrary, cwd: Path, stack: list[Path], warnings: list[Diagnostic]
) -> None:
    from tracker.dippin import load_bytes

    parent_dir = graph.path.parent.resolve() if graph.path is not None else None
    for node in graph.nodes.values():
        ref = node.attrs.get("subgraph_ref")
        if not ref or node.handler not in ("subgraph", "stack.manager_loop"):
            continue
        key = (str(parent_dir) if parent_dir else "", ref)
        if key in library.by_ref:
            continue
        target = next((p for p in ref_candidates(ref, parent_dir, cwd) if p.is_file()), None)
        if target is None:
            raise PipelineLoadError(
                f'node "{node.id}": subgraph "{ref}" not found (looked in '
                + ", ".join(str(p) for p in ref_candidates(ref, parent_dir, cwd))
                + ")"
            )
        target = target.resolve()
        if target in stack:
            chain = " -> ".join(str(p) for p in [*stack, target])
            raise PipelineLoadError(f"subgraph reference cycle: {chain}")
        child_result = load_bytes(target.read_bytes(), target)
        warnings += _check(child_result, str(target))
        child = build_graph(child_result.workflow, target)
        library.by_ref[key] = child
        _load_children(child, library, cwd, [*stack, target], warnings)
