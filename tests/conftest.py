"""Shared test fixtures: the corpus of real-world .dip files, CLI helpers, the fake LLM
provider server and a scratch working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.llm.fakes.server import FakeServer

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


def corpus_dir() -> Path:
    """The shared corpus; a failure under CI=true when missing, a skip elsewhere."""
    if not CORPUS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"corpus missing at {CORPUS} (CI requires ../shared beside the checkout)")
        pytest.skip(f"corpus not available at {CORPUS}")
    return CORPUS


def corpus_files(pattern: str = "**/*.dip") -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(CORPUS.glob(pattern))


@pytest.fixture
def corpus() -> Path:
    return corpus_dir()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """A fake LLM provider server on 127.0.0.1 speaking every provider's wire protocol."""
    fake = FakeServer().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working directory for a run."""
    root = tmp_path / "work"
    root.mkdir()
    return root


def run_cli(args: Sequence[str], cwd: Path | None = None, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tracker`` as a subprocess, like a user would."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )
