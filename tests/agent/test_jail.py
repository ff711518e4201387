"""The writable-paths jail: declaration checks, glob matching and the Landlock sandbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tracker.agent.environment import ToolError
from tracker.agent.jail import (
    JailedEnvironment,
    JailError,
    landlock_abi,
    matches_writable,
    validate_writable_paths,
    writable_dirs,
)

needs_landlock = pytest.mark.skipif(landlock_abi() < 3, reason="Landlock ABI 3 not available on this host")


@pytest.mark.parametrize(
    ("globs", "message"),
    [
        ([], "declared but empty"),
        (["src/**", ""], "empty entry"),
        (["/etc/*"], "is absolute"),
        (["~/x"], "starts with ~"),
        (["src/../../x"], ".. segment"),
        (["src/{a,b}/*"], "brace expansion"),
        (["src/a**/x"], "whole path segment"),
        (["src/[a"], "not a valid glob"),
    ],
)
def test_invalid_declarations_fail_closed(tmp_path: Path, globs: list[str], message: str) -> None:
    with pytest.raises(JailError, match=message):
        validate_writable_paths(globs, tmp_path, tmp_path)


def test_workdir_outside_the_process_cwd_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(JailError, match="outside the current directory"):
        validate_writable_paths(["x"], tmp_path / "a", tmp_path / "b")


@pytest.mark.parametrize(
    ("path", "globs", "allowed"),
    [
        ("out/report.md", ["out/report.md"], True),
        ("out/other.md", ["out/report.md"], False),
        ("src/a/b/c.py", ["src/**"], True),
        ("src/a/b/c.py", ["src/**/*.py"], True),
        ("src/c.txt", ["src/**/*.py"], False),
        ("src/a/c.py", ["src/*.py"], False),
        ("notes-1.md", ["notes-?.md"], True),
        ("docs/x.md", ["[cd]ocs/*.md"], True),
    ],
)
def test_glob_matching(path: str, globs: list[str], allowed: bool) -> None:
    assert matches_writable(path, globs) is allowed


def test_writable_dirs_use_the_literal_prefix(tmp_path: Path) -> None:
    assert writable_dirs(tmp_path, ["src/**", "out/report.md", "*.log"]) == [tmp_path / "src", tmp_path / "out", tmp_path]


def test_jailed_writes_are_checked_and_do_not_follow_symlinks(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    (root / "src").mkdir(parents=True)
    (root / "src" / "link").symlink_to(outside)
    env = JailedEnvironment(root, ["src/**"])
    env.write_text("src/new/file.txt", "ok")
    assert (root / "src/new/file.txt").read_text() == "ok"
    with pytest.raises(ToolError, match="not in writable_paths"):
        env.write_text("README.md", "no")
    with pytest.raises(ToolError, match="escapes session root"):
        env.write_text("src/link/evil.txt", "no")
    assert not (outside / "evil.txt").exists()
    with pytest.raises(ToolError, match="not in writable_paths"):
        env.remove("README.md")


@needs_landlock
def test_jail_exec_confines_commands(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    script = "echo ok > build/out.txt && echo wrote; echo no > top.txt || echo denied-top; echo x > /dev/null && echo devnull"
    proc = subprocess.run(
        [sys.executable, "-m", "tracker.agent.jail_exec", "--", str(root), "build/**", "--", "sh", "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stdout.split() == ["wrote", "denied-top", "devnull"]
    assert (root / "build/out.txt").read_text() == "ok\n"
    assert not (root / "top.txt").exists()


def test_jail_exec_rejects_bad_arguments() -> None:
    proc = subprocess.run([sys.executable, "-m", "tracker.agent.jail_exec", "oops"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "usage" in proc.stderr
