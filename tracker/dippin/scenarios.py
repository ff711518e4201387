"""Scenario tests: the ``FILE.test.json`` files beside a workflow (spec §8.6).

Each test runs one simulated run (:func:`tracker.dippin.simulate.simulate`) with its
scenario (mocked context values driving routing), its branch filter and a visit limit of
3 per node, then checks its expectations with the reference's messages. Results carry
the path taken, and a suite carries node and edge coverage.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracker.dippin.graph import Graph
from tracker.dippin.ir import Workflow
from tracker.dippin.simulate import TEST_VISIT_LIMIT, SimulationError, simulate


class ScenarioFileError(Exception):
    """A test file that cannot be used: missing, not JSON, wrong shape, no tests."""


class Expect(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: str | None = None
    visited: list[str] = Field(default_factory=list)
    not_visited: list[str] = Field(default_factory=list)
    path_contains: list[str] = Field(default_factory=list)
    immediately_after: dict[str, str] = Field(default_factory=dict)


class TestCase(BaseModel):
    model_config = ConfigDict(extra="ignore")
    __test__ = False  # not a pytest class

    name: str = ""
    scenario: dict[str, str] = Field(default_factory=dict)
    branch: list[str] = Field(default_factory=list)
    expect: Expect = Field(default_factory=Expect)


class TestFile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    __test__ = False

    tests: list[TestCase]


def scenario_file_for(workflow_path: Path) -> Path:
    """``flow.dip`` → ``flow.test.json`` (the trailing ``.dip`` is replaced)."""
    name = workflow_path.name
    stem = name[: -len(".dip")] if name.endswith(".dip") else name
    return workflow_path.with_name(stem + ".test.json")


def workflow_for(test_path: Path) -> Path:
    """``flow.test.json`` → ``flow.dip``."""
    name = test_path.name
    stem = name[: -len(".test.json")] if name.endswith(".test.json") else test_path.stem
    return test_path.with_name(stem + ".dip")


def load_tests(path: Path) -> list[TestCase]:
    """Read and validate a test file; :class:`ScenarioFileError` says what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioFileError(f"{path}: test file not found") from None
    except OSError as exc:
        raise ScenarioFileError(f"{path}: cannot read test file: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioFileError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    try:
        parsed = TestFile.model_validate(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise ScenarioFileError(f"{path}: invalid test file: {where}: {problem['msg']}") from None
    if not parsed.tests:
        raise ScenarioFileError(f"{path}: test file has no tests")
    return parsed.tests


@dataclass
class TestResult:
    __test__ = False

    name: str
    passed: bool
    errors: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    status: str = ""
    expected: Expect | None = None
    traversed: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "passed": self.passed}
        if self.errors:
            out["errors"] = list(self.errors)
        if self.path:
            out["path"] = list(self.path)
        if self.status:
            out["status"] = self.status
        if self.expected is not None:
            out["expected"] = self.expected.model_dump(exclude_defaults=True)
        return out


def check_expectations(expect: Expect, status: str, path: list[str]) -> list[str]:
    """The reference's assertion messages, in its order."""
    errors: list[str] = []
    if expect.status is not None and expect.status != status:
        errors.append(f'expected status "{expect.status}", got "{status}"')
    visited = set(path)
    for node in expect.visited:
        if node not in visited:
            errors.append(f'expected node "{node}" to be visited')
    for node in expect.not_visited:
        if node in visited:
            errors.append(f'expected node "{node}" to NOT be visited')
    at = 0
    for node in expect.path_contains:
        try:
            at = path.index(node, at) + 1
        except ValueError:
            errors.append(f'expected "{node}" in path order, not found after previous matches')
    for first, then in expect.immediately_after.items():
        if first not in path:
            errors.append(f'immediately_after: node "{first}" not found in path')
            continue
        i = path.index(first)
        if i == len(path) - 1:
            errors.append(f'immediately_after: node "{first}" is the last element in path, no next node')
            continue
        if path[i + 1] != then:
            errors.append(f'immediately_after: expected "{then}" after "{first}", got "{path[i + 1]}"')
    return errors


def run_test(workflow: Workflow, case: TestCase, graph: Graph | None = None) -> TestResult:
    try:
        run = simulate(
            workflow, case.scenario, visit_limit=TEST_VISIT_LIMIT, branches=case.branch or None, graph=graph
        )
    except SimulationError as exc:
        return TestResult(case.name, False, [f"simulation error: {exc}"], expected=case.expect)
    errors = check_expectations(case.expect, run.status, run.path)
    return TestResult(case.name, not errors, errors, run.path, run.status, case.expect, run.traversed)


@dataclass
class Coverage:
    """Which nodes some test visited and which written edges some test traversed (an
    edge counts when a test went from its source to its target)."""

    nodes_total: int
    nodes_covered: list[str]
    nodes_missed: list[str]
    edges_total: int
    edges_covered: int
    edges_missed: list[tuple[str, str]]

    @property
    def node_percent(self) -> float:
        return 100.0 * len(self.nodes_covered) / self.nodes_total if self.nodes_total else 100.0

    @property
    def edge_percent(self) -> float:
        return 100.0 * self.edges_covered / self.edges_total if self.edges_total else 100.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": {
                "total": self.nodes_total,
                "covered": len(self.nodes_covered),
                "percent": round(self.node_percent, 1),
                "missed": self.nodes_missed,
            },
            "edges": {
                "total": self.edges_total,
                "covered": self.edges_covered,
                "percent": round(self.edge_percent, 1),
                "missed": [{"from": a, "to": b} for a, b in self.edges_missed],
            },
        }


def coverage(workflow: Workflow, results: Iterable[TestResult]) -> Coverage:
    visited: set[str] = set()
    traversed: set[tuple[str, str]] = set()
    for r in results:
        visited.update(r.path)
        traversed.update(r.traversed)
    ids = list(dict.fromkeys(n.id for n in workflow.nodes))
    missed_edges = [(e.source, e.target) for e in workflow.edges if (e.source, e.target) not in traversed]
    return Coverage(
        nodes_total=len(ids),
        nodes_covered=[i for i in ids if i in visited],
        nodes_missed=[i for i in ids if i not in visited],
        edges_total=len(workflow.edges),
        edges_covered=len(workflow.edges) - len(missed_edges),
        edges_missed=missed_edges,
    )


@dataclass
class SuiteResult:
    workflow_path: str
    test_path: str
    results: list[TestResult]
    coverage: Coverage

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    def to_dict(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow_path,
            "test_file": self.test_path,
            "results": [r.to_dict() for r in self.results],
            "passed": self.passed,
            "failed": self.failed,
            "total": len(self.results),
            "coverage": self.coverage.to_dict(),
        }


def run_suite(workflow: Workflow, tests: list[TestCase], workflow_path: str = "", test_path: str = "") -> SuiteResult:
    """Run every test of a file against ``workflow``."""
    graph = Graph.build(workflow)
    results = [run_test(workflow, case, graph) for case in tests]
    return SuiteResult(workflow_path, test_path, results, coverage(workflow, results))
