"""Run the built-in workflows end to end against fake model servers.

:class:`NodeScripts` is a fake provider endpoint on 127.0.0.1 that answers every
provider's wire protocol and picks each reply by the node that asks: the runtime block
at the top of an agent's first message names its node (``node: WriteSpec``). Tests
queue turns per node (tool calls such as ``write``, then a text reply); a node with
nothing queued replies ``STATUS: success``. Gate answers are lines on the run's stdin
(the line console interviewer answers gates when stdin is not a terminal).

The whole environment is isolated: no real provider settings, the user config, the
secure audit directory and the git identity live under the test's ``tmp_path``.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.agent.fakes.turns import Turn, text_turn
from tests.conftest import REPO, run_cli
from tests.llm.fakes.env import scrub_env
from tests.llm.fakes.server import FakeServer, RecordedRequest, Reply

_NODE = re.compile(r"(?:Run: [^,\\]*, node|Node): ([A-Za-z_][A-Za-z0-9_]*)")
DEFAULT_REPLY = "Done.\n\nSTATUS: success"


def provider_of(path: str) -> str:
    """Which provider protocol a request path belongs to."""
    if path.endswith("/messages"):
        return "anthropic"
    if path.endswith("/responses"):
        return "openai"
    if "generatecontent" in path.lower():
        return "gemini"
    if path.endswith("/chat/completions"):
        return "openai-compat"
    raise AssertionError(f"unexpected request path {path}")


class NodeScripts(FakeServer):
    """A fake server for all four providers whose replies are queued per node."""

    def __init__(self) -> None:
        super().__init__()
        self.turns: dict[str, deque[Turn | Reply]] = {}
        self.calls: list[tuple[str, str]] = []  # (node, provider) per request
        self._local = threading.local()

    def script(self, node: str, *turns: Turn | Reply | str) -> None:
        """Queue replies for ``node``: turns (any provider), raw replies, or plain text."""
        queue = self.turns.setdefault(node, deque())
        queue.extend(text_turn(t) if isinstance(t, str) else t for t in turns)

    def record(self, request: RecordedRequest) -> None:
        super().record(request)
        self._local.request = request

    def next_reply(self) -> Reply:
        request: RecordedRequest = self._local.request
        provider = provider_of(request.path.split("?")[0])
        body = request.body.decode("utf-8", errors="replace")
        match = _NODE.search(body)
        node = match.group(1) if match else "?"
        with self._lock:
            self.calls.append((node, provider))
            queue = self.turns.get(node)
            turn = queue.popleft() if queue else text_turn(DEFAULT_REPLY)
        return turn if isinstance(turn, Reply) else turn.reply(provider)

    def nodes_called(self) -> list[str]:
        return [node for node, _ in self.calls]

    def providers_of(self, node: str) -> set[str]:
        return {provider for n, provider in self.calls if n == node}


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    scrub_env(monkeypatch, "TRACKER_", "GIT_")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TRACKER_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(var, "Test Person")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(var, "test@example.com")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def models() -> Iterator[NodeScripts]:
    server = NodeScripts().start()
    try:
        yield server  # type: ignore[misc]
    finally:
        server.stop()


def model_env(server: FakeServer) -> dict[str, str]:
    """Fake keys for the three first-party providers, all pointed at ``server``."""
    return {
        "ANTHROPIC_API_KEY": "sk-ant-test-0123456789",
        "ANTHROPIC_BASE_URL": server.url,
        "OPENAI_API_KEY": "sk-openai-test-0123456789",
        "OPENAI_BASE_URL": server.url,
        "GEMINI_API_KEY": "gemini-test-key-0123456789",
        "GEMINI_BASE_URL": server.url,
    }


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository with one commit, as the built-ins that require git expect."""
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "--quiet", "--initial-branch=main")
    (root / "README.md").write_text("# demo\n", encoding="utf-8")
    git(root, "add", "README.md")
    git(root, "commit", "--quiet", "-m", "initial commit")
    return root


@dataclass
class Run:
    proc: subprocess.CompletedProcess[str]
    lines: list[dict[str, Any]]

    def of(self, type_: str) -> list[dict[str, Any]]:
        return [d for d in self.lines if d["type"] == type_ and d["source"] == "pipeline"]

    def path(self) -> list[str]:
        return [d["node_id"] for d in self.of("stage_started")]

    @property
    def terminal(self) -> dict[str, Any]:
        ends = [d for d in self.lines if d.get("terminal_status")]
        assert ends, self.proc.stderr[-3000:]
        return ends[-1]

    def gate(self, node: str) -> list[dict[str, Any]]:
        return [d for d in self.of("gate_resolved") if d["node_id"] == node]

    def opened(self, node: str) -> list[dict[str, Any]]:
        return [d for d in self.of("gate_opened") if d["node_id"] == node]


def run_builtin(name: str, cwd: Path, server: FakeServer, answers: list[str], *extra: str) -> Run:
    """``tracker NAME --json`` in ``cwd`` with gate answers on stdin."""
    proc = run_cli(
        [name, "--json", *extra],
        cwd=cwd,
        input="".join(a + "\n" for a in answers),
        env=model_env(server),
        timeout=240,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return Run(proc, lines)
