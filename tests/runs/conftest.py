"""Keep secure audit copies of test runs inside the test's temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def audit_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "audit"
    monkeypatch.setenv("TRACKER_AUDIT_DIR", str(target))
    return target
