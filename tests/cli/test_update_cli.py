"""``tracker update``: the right command for each kind of install, and ``--yes`` runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import REPO, run_cli
from tracker.library.install import describe, update_plan


def test_this_checkout_is_an_editable_install_and_the_command_says_so() -> None:
    proc = run_cli(["update", "--json"])
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["method"] == "editable"
    assert plan["argv"][1:] == ["-m", "pip", "install", "--editable", str(REPO)]
    assert plan["before"] == [f"git -C {REPO} pull --ff-only"]
    text = run_cli(["update"])
    assert text.returncode == 0
    assert f"editable install of the checkout at {REPO}" in text.stdout
    assert "Run `tracker update --yes` to run it now." in text.stdout


def test_commands_for_each_kind_of_install(tmp_path: Path) -> None:
    python = sys.executable
    cases = {
        "index": ({"url": "https://files.example/tracker-0.1.0-py3-none-any.whl", "archive_info": {}}, "/usr"),
        "directory": ({"url": "file:///src/tracker", "dir_info": {}}, "/usr"),
        "vcs": ({"url": "https://github.com/example/tracker", "vcs_info": {"vcs": "git", "commit_id": "0123456789abcdef"}}, "/usr"),
        "pipx": ({}, "/home/me/.local/pipx/venvs/tracker"),  # from an index: no direct_url.json
        "source": (None, "/usr"),
    }
    expected = {
        "index": [python, "-m", "pip", "install", "--upgrade", "tracker"],
        "directory": [python, "-m", "pip", "install", "--upgrade", "/src/tracker"],
        "vcs": [python, "-m", "pip", "install", "--upgrade", "tracker @ git+https://github.com/example/tracker"],
        "pipx": ["pipx", "upgrade", "tracker"],
        "source": [],
    }
    for method, (direct, prefix) in cases.items():
        info = describe(direct, prefix, "9.9.9", tmp_path)
        assert info.method == method
        assert update_plan(info).argv == expected[method], method
    assert describe(cases["vcs"][0], "/usr", "9.9.9", tmp_path).commit == "01234567"
    # pipx from a checkout or a repository reinstalls from the same source
    for direct in (cases["directory"][0], cases["vcs"][0]):
        info = describe(direct, "/home/me/.local/pipx/venvs/tracker", "9.9.9", tmp_path)
        assert (info.method, update_plan(info).argv) == ("pipx", ["pipx", "reinstall", "tracker"])
    marked = tmp_path / "elsewhere" / "tracker"
    marked.mkdir(parents=True)
    (marked / "pipx_metadata.json").write_text("{}")
    assert describe(cases["index"][0], str(marked), "9.9.9", tmp_path).method == "pipx"
    assert "pull" in update_plan(describe(None, "/usr", "9.9.9", tmp_path)).note


def test_yes_runs_the_command_of_a_pipx_install(tmp_path: Path) -> None:
    # a virtualenv where pipx keeps its environments, running this checkout's code
    venv = tmp_path / "pipx" / "venvs" / "tracker"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "pipx.log"
    fake_pipx = bin_dir / "pipx"
    fake_pipx.write_text(f'#!/bin/sh\necho "$@" > {log}\necho upgraded tracker\n')
    fake_pipx.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), sysconfig.get_paths()["purelib"]])
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "tracker", "update", "--yes"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "tracker was installed with pipx from" in proc.stdout  # the checkout: reinstall from it
    assert "$ pipx reinstall tracker" in proc.stdout
    assert "upgraded tracker" in proc.stdout
    assert log.read_text().strip() == "reinstall tracker"

    failing = bin_dir / "pipx"
    failing.write_text("#!/bin/sh\nexit 3\n")
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "tracker", "update", "--yes"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: the update command failed (exit 3)"
