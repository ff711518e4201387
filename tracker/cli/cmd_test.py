"""``tracker test``: run the ``FILE.test.json`` scenarios beside a workflow.

``tracker test flow.dip`` runs ``flow.test.json``; ``tracker test DIR`` runs every
``*.test.json`` under DIR that has its ``.dip`` beside it. Each scenario mocks outcomes
and responses, the simulator walks the graph, and the expectations are checked. Exit 1
when any scenario fails or a file cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.dippin.scenarios import SuiteResult

SUMMARY = "Run the .test.json scenarios beside a workflow"
EXAMPLES = """\
  tracker test flow.dip               run flow.test.json against flow.dip
  tracker test flow.test.json         the same, named by its test file
  tracker test examples/              every *.test.json under examples/ with its .dip
  tracker test flow.dip --json        machine-readable results with coverage
  tracker test flow.dip --coverage    list uncovered nodes and edges
"""

WIDTH = 62


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", help="a .dip file, its .test.json file, or a directory")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--verbose", "-v", action="store_true", help="show the path of every scenario, not only failures")
    parser.add_argument("--coverage", action="store_true", help="list the nodes and edges no scenario reached")


class _Problem(Exception):
    pass


def _pairs(target: Path) -> tuple[list[tuple[Path, Path]], list[str]]:
    """(workflow, test file) pairs to run, and notes about test files left out."""
    from tracker.dippin.scenarios import scenario_file_for, workflow_for

    if target.is_dir():
        pairs: list[tuple[Path, Path]] = []
        notes: list[str] = []
        for test in sorted(target.rglob("*.test.json")):
            workflow = workflow_for(test)
            if workflow.is_file():
                pairs.append((workflow, test))
            else:
                notes.append(f"skipped {test}: no {workflow.name} beside it")
        if not pairs:
            raise _Problem(f"{target}: no *.test.json file with a .dip beside it")
        return pairs, notes
    if target.name.endswith(".test.json"):
        workflow = workflow_for(target)
        if not workflow.is_file():
            raise _Problem(f"{target}: no workflow {workflow.name} beside it")
        return [(workflow, target)], []
    if not target.exists():
        raise _Problem(f"{target}: no such file")
    return [(target, scenario_file_for(target))], []


def _run_pair(workflow_path: Path, test_path: Path) -> SuiteResult:
    from tracker.dippin import load_file
    from tracker.dippin.lint import LintOptions, validate
    from tracker.dippin.scenarios import ScenarioFileError, load_tests, run_suite

    try:
        tests = load_tests(test_path)
    except ScenarioFileError as exc:
        raise _Problem(str(exc)) from None
    try:
        result = load_file(workflow_path)
    except OSError as exc:
        raise _Problem(f"{workflow_path}: cannot read: {exc.strerror or exc}") from None
    errors = [d for d in result.diagnostics if d.is_error]
    errors += [d for d in validate(result.workflow, LintOptions(environment=False), str(workflow_path)) if d.is_error]
    if errors:
        lines = [
            f"{workflow_path}:{d.range.start.line + 1}:{d.range.start.character + 1}: error[{d.code}]: {d.message}"
            for d in errors
        ]
        raise _Problem("\n".join(lines))
    return run_suite(result.workflow, tests, str(workflow_path), str(test_path))


def run(args: argparse.Namespace) -> int:
    target = Path(args.target)
    try:
        pairs, notes = _pairs(target)
    except _Problem as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    suites: list[SuiteResult] = []
    problems: list[str] = []
    for workflow_path, test_path in pairs:
        try:
            suites.append(_run_pair(workflow_path, test_path))
        except _Problem as exc:
            problems.append(str(exc))
    for note in notes:
        sys.stderr.write(f"note: {note}\n")
    for problem in problems:
        sys.stderr.write(f"error: {problem}\n")
    if args.json:
        _print_json(suites, problems, single=not target.is_dir())
    else:
        for suite in suites:
            _print_suite(suite, args.verbose, args.coverage, many=len(pairs) > 1)
        if len(pairs) > 1:
            passed = sum(s.passed for s in suites)
            failed = sum(s.failed for s in suites)
            sys.stdout.write(
                f"\n{len(suites)} file(s), {passed + failed} tests: {passed} passed, {failed} failed"
                + (f", {len(problems)} file(s) with errors" if problems else "") + "\n"
            )
    failed_any = problems or any(s.failed for s in suites)
    return 1 if failed_any else 0


def _print_json(suites: list[SuiteResult], problems: list[str], single: bool) -> None:
    data: dict[str, Any]
    if single and len(suites) == 1 and not problems:
        data = suites[0].to_dict()
    else:
        data = {
            "suites": [s.to_dict() for s in suites],
            "errors": problems,
            "passed": sum(s.passed for s in suites),
            "failed": sum(s.failed for s in suites),
            "total": sum(len(s.results) for s in suites),
        }
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _rule(title: str, char: str) -> str:
    head = f"{char * 3} {title} "
    return head + char * max(3, WIDTH - len(head))


def _print_suite(suite: SuiteResult, verbose: bool, show_coverage: bool, many: bool) -> None:
    out = sys.stdout
    if many:
        out.write(f"\n{suite.test_path}\n")
    out.write(_rule("Test Results", "═") + "\n")
    for r in suite.results:
        if r.passed:
            out.write(f"  PASS  {r.name}\n")
        else:
            out.write(f"  FAIL  {r.name} — {'; '.join(r.errors)}\n")
        if r.path and (verbose or not r.passed):
            out.write(f"        path: {' → '.join(r.path)}\n")
        if not r.passed and r.expected is not None:
            expected = r.expected.model_dump(exclude_defaults=True)
            if expected:
                out.write(f"        expected: {json.dumps(expected, ensure_ascii=False)}\n")
    out.write(_rule("Summary", "─") + "\n")
    out.write(f"  {len(suite.results)} tests: {suite.passed} passed, {suite.failed} failed\n")
    cov = suite.coverage
    out.write(
        f"  coverage: {len(cov.nodes_covered)}/{cov.nodes_total} nodes ({cov.node_percent:.1f}%), "
        f"{cov.edges_covered}/{cov.edges_total} edges ({cov.edge_percent:.1f}%)\n"
    )
    if show_coverage:
        out.write(_rule("Edge Coverage", "─") + "\n")
        out.write(f"  {cov.edges_covered}/{cov.edges_total} edges covered ({cov.edge_percent:.1f}%)\n")
        for a, b in cov.edges_missed:
            out.write(f"  ✗ {a} -> {b}\n")
        for node in cov.nodes_missed:
            out.write(f"  ✗ node {node} never visited\n")
