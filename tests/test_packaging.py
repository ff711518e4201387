"""Packaging: a wheel builds with ``python -m build`` and carries the console scripts,
the built-in workflows and the grammar; its version is ``tracker.__version__``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import tracker
from tests.conftest import REPO

pytest.importorskip("build", reason="the `build` package (dev extra) builds the wheel")
pytestmark = pytest.mark.timeout(600)
IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".tracker",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", "node_modules", "tests", "editors",
)  # fmt: skip


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build from a copy so the checkout gets no build/ or egg-info folders."""
    root = tmp_path_factory.mktemp("packaging")
    source = root / "src"
    shutil.copytree(REPO, source, ignore=IGNORED)
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(source)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (found,) = (root / "dist").glob("tracker-*.whl")
    return found


def test_the_wheel_has_the_scripts_the_data_and_one_version(wheel: Path) -> None:
    assert wheel.name == f"tracker-{tracker.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"tracker-{tracker.__version__}.dist-info"
        metadata = archive.read(f"{info}/METADATA").decode()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    assert f"\nVersion: {tracker.__version__}\n" in metadata
    assert "Requires-Python: >=3.11" in metadata
    assert "tracker = tracker.cli.main:entry" in entry_points
    assert "tracker-lsp = tracker_lsp.__main__:main" in entry_points
    for name in ("ask_and_execute", "build_product", "build_product_with_superspec", "deep_review"):
        assert f"tracker/workflows/{name}.dip" in names
    assert any(n.startswith("tracker/dippin/") and n.endswith(".lark") for n in names)
    assert {"tracker/py.typed", "tracker_lsp/py.typed", "tracker/api.py"} <= names
    assert not any(n.startswith("tests/") for n in names)


def test_the_installed_wheel_finds_its_builtin_workflows(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)  # the wheel's code only: `workflows` needs no dependency
    done = subprocess.run([sys.executable, "-m", "tracker", "workflows", "--json"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"name": "deep_review"' in done.stdout
    version = subprocess.run([sys.executable, "-c", "import tracker; print(tracker.__file__, tracker.__version__)"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    path, number = version.stdout.split()
    assert Path(path).is_relative_to(target) and number == tracker.__version__
