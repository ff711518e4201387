"""End-to-end runs of agent workflows through the CLI against the fake provider servers.

Each test starts a scripted fake server (``tests/llm/fakes``) in this process and runs
``python -m tracker`` as a subprocess pointed at it with ``*_BASE_URL`` and a fake key.
The environment is cleaned of real provider settings, and the user config directory,
the secure audit directory and the working directory all live in the test's tmp_path.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.agent.fakes.turns import Turn
from tests.conftest import REPO, run_cli
from tests.llm.fakes.env import API_KEYS, BASE_URL_VARS, scrub_env
from tests.llm.fakes.server import FakeServer


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    scrub_env(monkeypatch, "TRACKER_")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TRACKER_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.setenv("PYTHONPATH", str(REPO))


def provider_env(provider: str, server: FakeServer) -> dict[str, str]:
    """A fake key for ``provider`` and its base URL pointed at ``server``."""
    key_var, key = API_KEYS[provider]
    return {key_var: key, BASE_URL_VARS[provider]: server.url}


def script(server: FakeServer, provider: str, *turns: Turn) -> None:
    server.enqueue(*(t.reply(provider) for t in turns))


def write_flow(directory: Path, source: str, name: str = "flow.dip") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    return path


def tracker(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(list(args), cwd=cwd, env=env, timeout=180)


@dataclass
class Stream:
    """The ``--json`` lines of one run."""

    lines: list[dict[str, Any]]

    @classmethod
    def parse(cls, stdout: str) -> Stream:
        return cls([json.loads(line) for line in stdout.splitlines()])  # pure NDJSON

    def of(self, type_: str, source: str = "pipeline") -> list[dict[str, Any]]:
        return [d for d in self.lines if d["type"] == type_ and d["source"] == source]

    def one(self, type_: str, source: str = "pipeline") -> dict[str, Any]:
        found = self.of(type_, source)
        assert len(found) == 1, (type_, found)
        return found[0]

    def terminal(self) -> list[dict[str, Any]]:
        return [d for d in self.lines if d.get("terminal_status")]

    def path(self) -> list[str]:
        return [d["node_id"] for d in self.of("stage_started")]


def run_dir(workdir: Path) -> Path:
    runs = list((workdir / ".tracker" / "runs").iterdir())
    assert len(runs) == 1, runs
    return runs[0]
