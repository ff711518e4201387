"""``:checkhealth tracker`` in headless Neovim (``editors/nvim/tests/health_spec.lua``):
OK with the server installed (and provider keys by name, never by value), a clear error
and a warning on open when the server cannot be found."""

from __future__ import annotations

import tempfile

from tests.nvim.conftest import run_spec

INSTALLED = "checkhealth reports OK with the server installed"
MISSING = "checkhealth reports a clear error when the server is missing"
WARNED = "opening a .dip file without a server says how to fix it"


def test_checkhealth_reports_ok_with_the_server_installed() -> None:
    run = run_spec("health_spec.lua", cases=[INSTALLED])
    report = run.case(INSTALLED)["report"]
    assert "tracker-lsp 0.1.0" in report or "tracker-lsp " in report


def test_checkhealth_reports_an_error_without_the_server() -> None:
    # a PATH with neither tracker-lsp nor a python3 that can import tracker
    empty = tempfile.mkdtemp(prefix="tracker-nvim-path-")
    run = run_spec("health_spec.lua", cases=[MISSING, WARNED], path=empty)
    assert "ERROR tracker-lsp not found" in run.case(MISSING)["report"]
    run.case(WARNED)
