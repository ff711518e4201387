"""Structural validation and semantic lint of a parsed workflow.

Rules live in the modules of this package, one module per rule family, and register
themselves with :func:`rule`. :func:`validate` runs the structural rules (errors that
make a workflow unrunnable), :func:`lint` the semantic ones, and :func:`check` returns
parse diagnostics plus both, sorted by position.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.dippin.diagnostics import Diagnostic, Fix, Related, Severity, sort_key
from tracker.dippin.graph import Graph
from tracker.dippin.ir import Workflow
from tracker.dippin.positions import ZERO_RANGE, Range
from tracker.dippin.records import record

if TYPE_CHECKING:
    from tracker.dippin.analysis import Analysis
    from tracker.dippin.parser import ParseResult

ANALYSIS_KEY = "analysis"

# Rule modules, imported on first use. Order within the catalogue is given by each
# rule's ``order`` key, not by this list.
RULE_MODULES: tuple[str, ...] = (
    "tracker.dippin.lint.structural",  # DIP001–DIP009
    "tracker.dippin.lint.semantic",  # Core DIP101–DIP138
    "tracker.dippin.lint.ext",  # upstream Ext codes DIP010, DIP139–DIP161
    "tracker.dippin.lint.spec_rules",  # spec/satisfies rules (snapshot DIP139–144) as DIP801–DIP806
    "tracker.dippin.lint.tracker_checks",  # TRK1xx
    "tracker.dippin.lint.dataflow",  # DIP810+ context-key dataflow rules
)


@record(kw_only=False, eq=True, slots=False)
class LintOptions:
    """Knobs for a lint run.

    ``extra_models`` adds catalogue entries (``{"provider": ["model", ...]}``);
    ``environment`` enables checks that look at the machine (``bash -n``, ``PATH``);
    ``file_exists`` lets the language server answer from its open documents.
    """

    extra_models: dict[str, list[str]] = field(default_factory=dict)
    environment: bool = True
    file_exists: Callable[[Path], bool] = Path.exists
    read_file: Callable[[Path], str] | None = None


@record(kw_only=False, eq=True, slots=False)
class LintContext:
    workflow: Workflow
    options: LintOptions
    path: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    lines: list[str] | None = None
    _graph: Graph | None = None
    _cache: dict[str, Any] = field(default_factory=dict)
    _lines_read: bool = False

    @property
    def source_lines(self) -> list[str] | None:
        """The document's lines: given by :func:`check`, else read through
        ``options.read_file`` or from disk (None when unavailable). Rules that locate text
        in them must check it still matches the IR."""
        if self.lines is None and not self._lines_read:
            self._lines_read = True
            path = self.path or self.workflow.source_path
            if path:
                from tracker.dippin.source import SourceText

                try:
                    reader = self.options.read_file
                    text = reader(Path(path)) if reader is not None else Path(path).read_bytes().decode("utf-8", "replace")
                    self.lines = SourceText.from_text(text).lines
                except (OSError, ValueError):
                    self.lines = None
        return self.lines

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            self._graph = Graph.build(self.workflow)
        return self._graph

    @property
    def analysis(self) -> Analysis:
        """The context-key dataflow analysis of the workflow, computed once per run
        (or handed in by a caller that already has it, see :func:`check`)."""
        from tracker.dippin.analysis import analyze

        result: Analysis = self.cached(
            ANALYSIS_KEY, lambda: analyze(self.workflow, graph=self.graph, source_lines=self.lines)
        )
        return result

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        """Memoise a derived structure (e.g. the dataflow analysis) for this run."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def report(
        self,
        code: str,
        message: str,
        rng: Range | None = None,
        *,
        help: str = "",
        fix: Fix | None = None,
        severity: Severity | None = None,
        related: Iterable[Related] = (),
        unnecessary: bool = False,
        deprecated: bool = False,
    ) -> Diagnostic:
        from tracker.dippin.lint.catalog import default_severity

        diag = Diagnostic(
            code=code,
            severity=severity or default_severity(code),
            message=message,
            range=rng or ZERO_RANGE,
            file=self.path,
            help=help,
            fix=fix,
            related=list(related),
            unnecessary=unnecessary,
            deprecated=deprecated,
        )
        self.diagnostics.append(diag)
        return diag


RuleFn = Callable[[LintContext], None]


@record(kw_only=False, eq=True, frozen=True, slots=False)
class Rule:
    order: float
    codes: tuple[str, ...]
    structural: bool
    fn: RuleFn


_RULES: list[Rule] = []
_loaded = False


def rule(order: float, *codes: str, structural: bool = False) -> Callable[[RuleFn], RuleFn]:
    """Register a rule function producing ``codes``; ``order`` fixes its place in a run."""

    def deco(fn: RuleFn) -> RuleFn:
        _RULES.append(Rule(order, codes, structural, fn))
        return fn

    return deco


def rules() -> list[Rule]:
    global _loaded
    if not _loaded:
        for name in RULE_MODULES:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
        _loaded = True
    return sorted(_RULES, key=lambda r: r.order)


class CheckRun:
    """One check of a parsed document, runnable rule by rule.

    ``graph`` and ``analysis`` may be passed in when the caller (the language server)
    already built them for the same workflow. :meth:`steps` runs one rule per step so an
    event loop can serve other requests in between; :func:`check` runs them all.
    """

    def __init__(
        self,
        result: ParseResult,
        options: LintOptions | None = None,
        *,
        graph: Graph | None = None,
        analysis: Analysis | None = None,
    ) -> None:
        self.result = result
        path = result.path if result.path is not None else result.workflow.source_path
        cache: dict[str, Any] = {ANALYSIS_KEY: analysis} if analysis is not None else {}
        self.context = LintContext(
            result.workflow, options or LintOptions(), path, lines=result.source.lines, _graph=graph, _cache=cache
        )
        self._structural: list[Diagnostic] = []

    def steps(self) -> Iterable[None]:
        for structural in (True, False):
            for r in rules():
                if r.structural == structural:
                    r.fn(self.context)
                    yield None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        diags = list(self.result.diagnostics) + self.context.diagnostics
        diags.sort(key=sort_key)
        return diags


def _run(
    workflow: Workflow,
    options: LintOptions | None,
    structural: bool,
    path: str | None,
    lines: list[str] | None = None,
) -> list[Diagnostic]:
    ctx = LintContext(workflow, options or LintOptions(), path if path is not None else workflow.source_path, lines=lines)
    for r in rules():
        if r.structural == structural:
            r.fn(ctx)
    return ctx.diagnostics


def validate(
    workflow: Workflow, options: LintOptions | None = None, path: str | None = None, lines: list[str] | None = None
) -> list[Diagnostic]:
    """Structural errors (DIP001–DIP009 family)."""
    return _run(workflow, options, True, path, lines)


def lint(
    workflow: Workflow, options: LintOptions | None = None, path: str | None = None, lines: list[str] | None = None
) -> list[Diagnostic]:
    """Semantic warnings and hints (DIP1xx, TRK, and this implementation's DIP8xx)."""
    return _run(workflow, options, False, path, lines)


def check(
    result: ParseResult,
    options: LintOptions | None = None,
    *,
    graph: Graph | None = None,
    analysis: Analysis | None = None,
) -> list[Diagnostic]:
    """Everything about a parsed document: parse diagnostics, validation and lint,
    sorted by position. Pass ``graph``/``analysis`` to reuse ones already built."""
    run = CheckRun(result, options, graph=graph, analysis=analysis)
    for _ in run.steps():
        pass
    return run.diagnostics
