"""Shared test fixtures: the corpus of real-world .dip files and CLI helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

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
