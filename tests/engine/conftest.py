"""Keep secure audit copies of test runs inside the test's temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def audit_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "audit"
    monkeypatch.setenv("TRACKER_AUDIT_DIR", str(target))
    return target


@pytest.fixture
def fake_agent():  # type: ignore[no-untyped-def]
    """Register the scripted ``codergen`` stand-in for one test."""
    from tests.engine import fake_agent as module
    from tracker.engine import register_handler, unregister_handler

    register_handler("codergen", module.make_handler)
    yield module
    unregister_handler("codergen")
