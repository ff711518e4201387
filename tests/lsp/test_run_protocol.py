"""The editor run protocol over stdio: streams, CLI parity, concurrency, cancel/resume,
one run history for the editor and the CLI, the graph preview.

The helpers here (a test client that keeps notification params as plain JSON, a
recorder of the ``tracker/*`` notifications, command wrappers) are shared with
``test_run_protocol_gates.py``.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.protocol import JsonRPCNotification, default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import register_lsp_features

from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXAMPLES = REPO / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
AUDIT_DIR = Path(tempfile.mkdtemp(prefix="tracker-lsp-audit-"))
SERVER_ENV = {**os.environ, "TRACKER_AUDIT_DIR": str(AUDIT_DIR)}
CLI_ENV = {"TRACKER_AUDIT_DIR": str(AUDIT_DIR)}
TRACKER_METHODS = (
    "tracker/runEvent",
    "tracker/runState",
    "tracker/gateOpened",
    "tracker/gateClosed",
)
VOLATILE_KEYS = ("ts", "run_id", "gate_id")


# ----------------------------------------------------------------------------- client


def plain_json_converter() -> Any:
    """pygls turns unknown notification params into namedtuples (renaming keys such as
    ``response.Gate``); keep ``tracker/*`` params as the JSON the server sent."""
    converter = default_converter()  # type: ignore[no-untyped-call]
    standard = converter.get_structure_hook(JsonRPCNotification)

    def structure(obj: dict[str, Any], cls: type) -> Any:
        if str(obj.get("method", "")).startswith("tracker/"):
            return cls(**obj)
        return standard(obj, cls)

    converter.register_structure_hook(JsonRPCNotification, structure)
    return converter


class Recorder:
    """Every ``tracker/*`` notification, in arrival order."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.log: list[tuple[str, dict[str, Any]]] = []
        for method in TRACKER_METHODS:
            client.feature(method)(self._keep(method))

    def _keep(self, method: str) -> Callable[[Any], None]:
        def keep(params: Any) -> None:
            self.log.append((method, params))

        return keep

    def of(self, method: str, run_id: str | None = None) -> list[dict[str, Any]]:
        return [
            p for m, p in self.log if m == method and (run_id is None or p.get("runId") == run_id)
        ]

    def of_run(self, run_id: str) -> list[tuple[str, dict[str, Any]]]:
        """Every notification about ``run_id``, in arrival order."""
        return [(m, p) for m, p in self.log if p.get("runId") == run_id]

    async def settled(self, run_id: str, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until no notification about ``run_id`` has arrived for ``quiet`` seconds
        (the coalesced ``tracker/runState`` trails the events it summarises)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        count, since = len(self.of_run(run_id)), loop.time()
        while loop.time() - since < quiet:
            if loop.time() > deadline:
                raise AssertionError(f"run {run_id} kept sending notifications for {timeout} s")
            await asyncio.sleep(0.02)
            now = len(self.of_run(run_id))
            if now != count:
                count, since = now, loop.time()

    def events(self, run_id: str) -> list[dict[str, Any]]:
        return [p["event"] for p in self.of("tracker/runEvent", run_id)]

    async def wait(self, what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = check()
            if found:
                return found
            if loop.time() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what}; last notifications: {self.log[-5:]}"
                )
            await asyncio.sleep(0.01)

    async def finished(self, run_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """The final tracker/runState snapshot of ``run_id``."""

        def final() -> dict[str, Any] | None:
            states = self.of("tracker/runState", run_id)
            return states[-1] if states and not states[-1]["active"] else None

        snapshot: dict[str, Any] = await self.wait(f"run {run_id} to finish", final, timeout)
        return snapshot

    async def gate(self, run_id: str, node_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """The newest tracker/gateOpened of ``node_id`` that is still open."""

        def opened() -> dict[str, Any] | None:
            closed = {p["gateId"] for p in self.of("tracker/gateClosed", run_id)}
            gates = [
                g
                for g in self.of("tracker/gateOpened", run_id)
                if g["nodeId"] == node_id and g["gateId"] not in closed
            ]
            return gates[-1] if gates else None

        gate: dict[str, Any] = await self.wait(f"gate {node_id} of run {run_id}", opened, timeout)
        return gate


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=plain_json_converter)
    register_lsp_features(client)
    return client


async def start_client(client: LanguageClient, root: Path) -> None:
    result = await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            initialization_options={"tracker": {"environmentChecks": False, "watchFiles": False}},
            root_uri=root.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        )
    )
    client.initialize_result = result  # type: ignore[attr-defined]
    client.recorder = Recorder(client)  # type: ignore[attr-defined]


WORKSPACE = Path(tempfile.mkdtemp(prefix="tracker-lsp-ws-"))
for _scratch in (WORKSPACE, AUDIT_DIR):
    atexit.register(shutil.rmtree, _scratch, ignore_errors=True)


@pytest_lsp.fixture(  # type: ignore[untyped-decorator]
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "tracker_lsp"],
        client_factory=make_client,
        server_env=SERVER_ENV,
    ),
    scope="module",
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await start_client(lsp_client, WORKSPACE)
    yield
    await lsp_client.shutdown_session()


def recorder(client: LanguageClient) -> Recorder:
    rec: Recorder = client.recorder  # type: ignore[attr-defined]
    return rec


async def execute(client: LanguageClient, command: str, arguments: Any = None) -> Any:
    params = lsp.ExecuteCommandParams(
        command=command, arguments=[arguments] if arguments is not None else None
    )
    return await client.workspace_execute_command_async(params)


async def refused(client: LanguageClient, command: str, arguments: Any) -> dict[str, Any]:
    """The error data of a command that must fail (``reason`` plus details)."""
    with pytest.raises(JsonRpcException) as info:
        await execute(client, command, arguments)
    data = dict(info.value.data or {})
    data["message"] = info.value.message
    data["code"] = info.value.code
    return data


async def start_run(client: LanguageClient, path: Path, workdir: Path, **extra: Any) -> str:
    result = await execute(
        client, "tracker.run", {"uri": path.as_uri(), "workdir": str(workdir), **extra}
    )
    assert result["workdir"] == str(workdir.resolve())
    run_id: str = result["runId"]
    return run_id


def normalized(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in VOLATILE_KEYS}


async def cli_events(path: Path, workdir: Path) -> list[dict[str, Any]]:
    """The ``tracker run --json --auto-approve`` stream of ``path``."""
    done = await asyncio.to_thread(
        run_cli, ["run", str(path), "--json", "--auto-approve", "-w", str(workdir)], env=CLI_ENV
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def new_workdir(name: str) -> Path:
    path = WORKSPACE / name
    path.mkdir(parents=True, exist_ok=False)
    return path


# ----------------------------------------------------------------------------- tests


async def test_initialize_advertises_the_protocol_version(client: LanguageClient) -> None:
    result = client.initialize_result  # type: ignore[attr-defined]
    assert result.capabilities.experimental == {"tracker": {"protocolVersion": 1}}
    commands = result.capabilities.execute_command_provider.commands
    for name in (
        "tracker.run",
        "tracker.cancel",
        "tracker.answerGate",
        "tracker.runs",
        "tracker.runState",
        "tracker.simulate",
        "tracker.graph",
        "tracker.diagnose",
    ):
        assert name in commands


async def test_events_arrive_in_order_and_match_the_cli_json_stream(client: LanguageClient) -> None:
    rec = recorder(client)
    workdir = new_workdir("parity")
    path = EXAMPLES / "gate_modes.dip"
    run_id = await start_run(client, path, workdir, autoApprove=True)
    final = await rec.finished(run_id)
    assert final["state"] == "succeeded" and final["status"] == "success"

    wrapped = rec.of("tracker/runEvent", run_id)
    assert [p["seq"] for p in wrapped] == list(range(1, len(wrapped) + 1))
    editor = [p["event"] for p in wrapped]
    assert editor[0]["type"] == "pipeline_started" and editor[0]["run_id"] == run_id
    assert editor[-1]["type"] == "pipeline_completed"
    cli = await cli_events(path, new_workdir("parity-cli"))
    assert [normalized(e) for e in editor] == [normalized(e) for e in cli]
    # a gate answered automatically opens no editor gate
    assert rec.of("tracker/gateOpened", run_id) == []
    # the final snapshot: every node done or skipped, nothing pending
    states = {n["id"]: n["state"] for n in final["nodes"]}
    assert states["Ready"] == "done" and states["Stop"] == "skipped" and final["pendingGates"] == []

    # $/progress: begun with the workflow name, ended with the outcome
    def progress() -> list[Any] | None:
        # pytest-lsp stores the progress values (begin / report / end) under each token
        values: dict[Any, list[Any]] = client.progress_reports  # type: ignore[assignment]
        for token, reports in values.items():
            if (
                str(token).startswith(f"tracker-run-{run_id}-")
                and reports
                and reports[-1].kind == "end"
            ):
                return list(reports)
        return None

    reports = await rec.wait("progress end", progress)
    assert reports[0].kind == "begin" and reports[0].title == "GateModes"
    assert "succeeded" in (reports[-1].message or "")


async def test_two_runs_at_once_keep_their_events_apart(client: LanguageClient) -> None:
    rec = recorder(client)
    first_dir, second_dir = new_workdir("two-a"), new_workdir("two-b")
    first = await start_run(client, EXAMPLES / "retry_loop.dip", first_dir)
    second = await start_run(client, EXAMPLES / "subgraph_demo.dip", second_dir)
    assert first != second
    await rec.finished(first)
    await rec.finished(second)

    def position(run_id: str, kind: str) -> int:
        return next(
            i
            for i, (m, p) in enumerate(rec.log)
            if m == "tracker/runEvent" and p["runId"] == run_id and p["event"]["type"] == kind
        )

    # they overlapped: the second started before the first ended
    assert position(second, "pipeline_started") < position(first, "pipeline_completed")
    for run_id, path in (
        (first, EXAMPLES / "retry_loop.dip"),
        (second, EXAMPLES / "subgraph_demo.dip"),
    ):
        events = rec.events(run_id)
        assert sum(e["type"] == "pipeline_started" for e in events) == 1
        assert events[0]["run_id"] == run_id
        cli = await cli_events(path, new_workdir(f"two-cli-{run_id}"))
        assert [normalized(e) for e in events] == [normalized(e) for e in cli]
    listed = {r["runId"]: r for r in await execute(client, "tracker.runs")}
    assert listed[first]["workflow"] == "RetryLoop" and listed[second]["workflow"] == "SubgraphDemo"
    assert listed[first]["status"] == listed[second]["status"] == "success"
    # the child workflow's nodes show up right after their subgraph node
    nodes = [n["id"] for n in (await rec.finished(second))["nodes"]]
    assert nodes[nodes.index("GreetCore") + 1 : nodes.index("GreetCore") + 4] == [
        "GreetCore/Begin",
        "GreetCore/Greet",
        "GreetCore/End",
    ]


async def test_cancel_ends_with_a_checkpoint_and_resume_completes(client: LanguageClient) -> None:
    rec = recorder(client)
    workdir = new_workdir("cancel")
    path = FIXTURES / "freeform_note.dip"
    run_id = await start_run(client, path, workdir)
    gate = await rec.gate(run_id, "Note")

    cancelled = await execute(client, "tracker.cancel", {"runId": run_id})
    assert cancelled == {
        "runId": run_id,
        "status": "fail",
        "state": "canceled",
        "checkpoint": True,
        "resumable": True,
    }
    assert (workdir / ".tracker" / "runs" / run_id / "checkpoint.json").is_file()
    closed = await rec.wait("gate closed", lambda: rec.of("tracker/gateClosed", run_id))
    assert closed == [
        {
            "runId": run_id,
            "gateId": gate["gateId"],
            "nodeId": "Note",
            "answeredBy": "cancelled",
            "answer": None,
        }
    ]
    late = await refused(
        client,
        "tracker.answerGate",
        {"runId": run_id, "gateId": gate["gateId"], "answer": {"freeform": "too late"}},
    )
    assert late["reason"] == "gate_already_answered" and "cancelled" in late["message"]
    again = await refused(client, "tracker.cancel", {"runId": run_id})
    assert again["reason"] == "run_not_active"

    first_attempt = rec.of("tracker/runEvent", run_id)
    resumed = await execute(
        client, "tracker.run", {"uri": path.as_uri(), "workdir": str(workdir), "resume": run_id[:6]}
    )
    assert resumed["runId"] == run_id and resumed["resumed"] is True
    reopened = await rec.gate(run_id, "Note")
    assert reopened["gateId"] != gate["gateId"]
    second_attempt = rec.of("tracker/runEvent", run_id)[len(first_attempt) :]
    assert second_attempt[0]["seq"] == first_attempt[-1]["seq"] + 1  # one sequence across attempts
    assert second_attempt[0]["event"]["type"] == "pipeline_started"
    assert await execute(
        client,
        "tracker.answerGate",
        {
            "runId": run_id,
            "gateId": reopened["gateId"],
            "answer": {"freeform": "remember the milk"},
        },
    ) == {"accepted": True}
    final = await rec.finished(run_id)
    assert final["state"] == "succeeded" and final["resumed"] is True
    starts = [e for e in rec.events(run_id) if e["type"] == "pipeline_started"]
    assert (
        starts[-1]["snapshot_completed_nodes"] == ["Start"]
        and starts[-1]["snapshot_current_node"] == "Note"
    )

    # the CLI sees the editor's run: listed, latest attempt successful, diagnosable
    listing = await asyncio.to_thread(run_cli, ["list", "--json", "-w", str(workdir)], env=CLI_ENV)
    assert [(r["run_id"], r["status"]) for r in json.loads(listing.stdout)] == [(run_id, "success")]
    report = await execute(client, "tracker.diagnose", {"runId": run_id[:5]})
    assert report["run_id"] == run_id and report["failures"] == []


async def test_runs_started_by_the_cli_are_listed_inspected_and_diagnosed(
    client: LanguageClient,
) -> None:
    workdir = new_workdir("history")
    done = await asyncio.to_thread(
        run_cli,
        ["run", str(EXAMPLES / "retry_loop.dip"), "--json", "-w", str(workdir)],
        env=CLI_ENV,
    )
    assert done.returncode == 0, done.stderr
    cli_run = json.loads(done.stdout.splitlines()[0])["run_id"]
    listed = await execute(client, "tracker.runs", {"workdir": str(workdir)})
    assert [(r["runId"], r["run_id"], r["status"], r["active"], r["state"]) for r in listed] == [
        (cli_run, cli_run, "success", False, "succeeded")
    ]
    state = await execute(client, "tracker.runState", {"runId": cli_run, "workdir": str(workdir)})
    nodes = {n["id"]: n for n in state["nodes"]}
    assert (
        state["state"] == "succeeded"
        and state["active"] is False
        and state["workflow"] == "RetryLoop"
    )
    assert nodes["Flaky"]["state"] == "done" and nodes["Flaky"]["attempts"] == 3
    assert listed[0]["workflow"] == "RetryLoop"  # from the checkpoint of the CLI run
    report = await execute(client, "tracker.diagnose", {"runId": cli_run, "workdir": str(workdir)})
    assert (
        report["run_id"] == cli_run and report["failures"] == [] and report["completed_nodes"] == 3
    )
    missing = await refused(
        client, "tracker.runState", {"runId": "ffffffffffff", "workdir": str(workdir)}
    )
    assert missing["reason"] == "unknown_run" and missing["code"] == -32012


async def test_runs_that_cannot_start_get_a_reason(client: LanguageClient) -> None:
    workdir = new_workdir("refused")
    broken = await refused(
        client, "tracker.run", {"uri": (FIXTURES / "broken.dip").as_uri(), "workdir": str(workdir)}
    )
    assert broken["reason"] == "workflow_error"
    assert {d["code"] for d in broken["diagnostics"]} == {"DIP002", "DIP003"}
    assert "broken.dip:4:9" in broken["message"]
    param = await refused(
        client,
        "tracker.run",
        {
            "uri": (EXAMPLES / "release_check.dip").as_uri(),
            "workdir": str(workdir),
            "params": {"nope": 1},
        },
    )
    assert param["reason"] == "setup_error" and 'unknown param "nope"' in param["message"]
    neither = await refused(client, "tracker.run", {"workdir": str(workdir)})
    assert neither["reason"] == "invalid_params" and neither["code"] == -32602
    resume = await refused(
        client,
        "tracker.run",
        {
            "uri": (EXAMPLES / "release_check.dip").as_uri(),
            "workdir": str(workdir),
            "resume": "abc",
        },
    )
    assert resume["reason"] == "setup_error" and "no run found" in resume["message"]
    unknown = await refused(client, "tracker.cancel", {"runId": "0000"})
    assert unknown["reason"] == "unknown_run"
    assert not (workdir / ".tracker").exists()


async def test_graph_returns_mermaid_and_dot(client: LanguageClient) -> None:
    from lark import Lark

    dot_grammar = Lark(
        r"""
        graph: "digraph" STRING "{" stmt* "}"
        stmt: ("graph" attrs | STRING attrs? | STRING "->" STRING attrs?) ";"
        attrs: "[" attr ("," attr)* "]"
        attr: (NAME | STRING) "=" STRING
        NAME: /[A-Za-z_][A-Za-z0-9_]*/
        STRING: /"([^"\\]|\\.)*"/
        %ignore /\s+/
        """,
        start="graph",
    )
    on_disk = await execute(
        client, "tracker.graph", {"uri": (EXAMPLES / "release_check.dip").as_uri()}
    )
    assert on_disk["name"] == "ReleaseCheck" and on_disk["complete"] is True
    assert on_disk["mermaid"].startswith("flowchart TD")
    tree = dot_grammar.parse(on_disk["dot"])
    edges = [
        s
        for s in tree.find_data("stmt")
        if len(s.children) >= 2 and str(s.children[1]).startswith('"')
    ]
    assert len(edges) == 9 + 7  # written edges plus the implicit parallel / fan-in ones
    assert '"Approve" -> "Inventory" [label="recheck", style="dashed"]' in on_disk["dot"]

    text = (
        (EXAMPLES / "release_check.dip")
        .read_text()
        .replace("agent Start\n    label: Start\n", 'agent Start\n    label: "Say \\"hi\\""\n')
    )
    uri = (WORKSPACE / "unsaved.dip").as_uri()  # open in the editor only, never saved
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="dippin", version=1, text=text)
        )
    )
    live = await execute(client, "tracker.graph", {"uri": uri, "details": True})
    dot_grammar.parse(live["dot"])
    assert '"Start" [label="Say \\"hi\\"", shape="Mdiamond", handler="start"]' in live["dot"]
    assert '"params.version"="1.0.0"' in live["dot"]
    missing = await refused(client, "tracker.graph", {"uri": (WORKSPACE / "nope.dip").as_uri()})
    assert missing["reason"] == "workflow_error"


@pytest_lsp.fixture(  # type: ignore[untyped-decorator]
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "tracker_lsp"],
        client_factory=make_client,
        server_env=SERVER_ENV,
    ),
    loop_scope="module",  # the tests of this module run on the module's loop
)
async def lone_client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    """A server of its own, for a test that shuts it down."""
    await start_client(lsp_client, WORKSPACE)
    yield
    lsp_client.exit(None)  # after the test's shutdown request, whatever the test found


async def test_shutting_the_server_down_cancels_runs_with_a_checkpoint(
    lone_client: LanguageClient,
) -> None:
    rec = recorder(lone_client)
    workdir = new_workdir("shutdown")
    run_id = await start_run(lone_client, FIXTURES / "freeform_note.dip", workdir)
    await rec.gate(run_id, "Note")
    await lone_client.shutdown_async(None)
    final = await rec.finished(run_id)
    assert final["state"] == "canceled" and final["currentNode"] == ""
    listing = await asyncio.to_thread(run_cli, ["list", "--json", "-w", str(workdir)], env=CLI_ENV)
    assert [(r["run_id"], r["status"], r.get("failed_at")) for r in json.loads(listing.stdout)] == [
        (run_id, "fail", "Note")
    ]


async def test_declared_inputs_are_listed_by_simulate_and_passed_by_run(client: LanguageClient) -> None:
    rec = recorder(client)
    path = FIXTURES / "with_inputs.dip"
    uri = path.as_uri()
    report = await execute(client, "tracker.simulate", {"uri": uri})
    assert report["inputs"] == [{"name": "topic", "type": "text", "required": True, "prompt": "What should the run say?"}]

    error = await refused(client, "tracker.run", {"uri": uri, "workdir": str(new_workdir("inputs-missing"))})
    assert "topic" in json.dumps(error)

    run_id = await start_run(client, path, new_workdir("inputs"), inputs={"topic": "hello"})
    final = await rec.finished(run_id)
    assert final["status"] == "success"
    started = rec.of("tracker/runEvent", run_id)[0]["event"]
    assert started["type"] == "pipeline_started"
