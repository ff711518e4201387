"""The README's set-up commands work, run verbatim in a fresh copy of the checkout.

The two shell blocks of the README's "Set up" section are extracted and run with bash in
a copy of this checkout, with the outer virtualenv removed from the environment, so
``python3 -m venv .venv`` really starts from nothing. The first block installs tracker
and runs an example pipeline without any API key; the test checks that it finished. The
second installs the dev extras and runs ``python -m pytest``; inside it, the suite only
collects (``PYTEST_ADDOPTS=--collect-only``), which proves every test module imports in
the fresh environment without running the whole suite a second time, and this module
skips itself there.

Slow (a virtualenv and two installs): marked ``slow``. pip's cache is kept in
``.pytest_cache/readme-pip-cache`` (ignored by git) so later runs install from it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]
INNER = "TRACKER_README_SETUP_INNER"
IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".tracker",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", "node_modules",
)  # fmt: skip


def setup_blocks(readme: str) -> list[str]:
    """The ```sh blocks of the "## Set up" section, in order."""
    section = readme.split("\n## Set up\n", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)]


def fresh_environment(home: Path) -> dict[str, str]:
    """The environment minus the outer virtualenv and any provider setting."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANTHROPIC_", "OPENAI_", "GEMINI_", "GOOGLE_", "TRACKER_", "PYTEST_", "VIRTUAL_ENV"))
        and k not in ("PYTHONPATH", "PYTHONHOME", "CI")
    }
    outer = Path(os.environ.get("VIRTUAL_ENV", str(REPO / ".venv"))) / "bin"
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != outer)
    env["HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    env["PIP_CACHE_DIR"] = str(REPO / ".pytest_cache" / "readme-pip-cache")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env[INNER] = "1"
    return env


def test_the_readme_has_two_setup_blocks_and_the_first_runs_an_example() -> None:
    blocks = setup_blocks((REPO / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) == 2
    assert "pip install" in blocks[0] and "tracker examples/" in blocks[0]
    example = re.search(r"tracker (examples/\S+\.dip)", blocks[0])
    assert example is not None and (REPO / example.group(1)).is_file()


@pytest.mark.skipif(os.environ.get(INNER) == "1", reason="already inside the README set-up run")
def test_the_setup_commands_succeed_verbatim_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    blocks = setup_blocks((REPO / "README.md").read_text(encoding="utf-8"))
    checkout = tmp_path / "tracker"
    shutil.copytree(REPO, checkout, ignore=IGNORED, symlinks=True)
    env = fresh_environment(tmp_path / "home")
    (tmp_path / "home").mkdir()

    first = subprocess.run(["bash", "-c", blocks[0]], cwd=checkout, env=env, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert (checkout / ".venv" / "bin" / "tracker").is_file()
    assert (checkout / ".venv" / "bin" / "tracker-lsp").is_file()
    assert "Status:    ● success" in first.stdout
    assert "pipeline_completed" in first.stdout
    runs = list((checkout / ".tracker" / "runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "run.json").is_file()

    # the second block runs in the shell state the first left (the venv is active)
    env["PYTEST_ADDOPTS"] = "--collect-only -q -p no:cacheprovider"
    second = subprocess.run(
        ["bash", "-c", f". .venv/bin/activate && {blocks[1]}"], cwd=checkout, env=env, capture_output=True, text=True, timeout=900
    )
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    collected = dict(re.findall(r"^(tests/\S+\.py): (\d+)$", second.stdout, flags=re.MULTILINE))
    assert collected.get("tests/test_readme_setup.py") == "2", second.stdout[-2000:]
    assert len(collected) > 50  # every test module imported in the fresh environment
