"""``tracker completion SHELL``: scripts for bash, zsh and fish that complete commands,
flags, choices, .dip files, built-in names and run IDs. Each script is loaded into its
real shell and asked for completions."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli

BUILTINS = ["ask_and_execute", "build_product", "build_product_with_superspec", "deep_review"]


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("completion")
    out = {}
    for shell in ("bash", "zsh", "fish"):
        proc = run_cli(["completion", shell])
        assert proc.returncode == 0, proc.stderr
        out[shell] = folder / f"tracker.{shell}"
        out[shell].write_text(proc.stdout)
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "flow.dip").write_text("workflow F\n")
    (tmp_path / "notes.txt").write_text("x\n")
    (tmp_path / "sub").mkdir()
    for run_id in ("a1b2c3d4e5f6", "a1ffffffffff", "b0b0b0b0b0b0"):
        (tmp_path / ".tracker" / "runs" / run_id).mkdir(parents=True)
    return tmp_path


def bash(script: Path, cwd: Path, line: str) -> list[str]:
    words = line.split(" ")
    program = f'source {script}; COMP_WORDS=("$@"); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); _tracker; printf "%s\\n" "${{COMPREPLY[@]}}"'
    done = subprocess.run(["bash", "-c", program, "_", *words], cwd=cwd, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return [w for w in done.stdout.splitlines() if w]


def test_bash_completes_commands_flags_choices_files_builtins_and_runs(scripts: dict[str, Path], project: Path) -> None:
    script = scripts["bash"]
    assert bash(script, project, "tracker val") == ["validate"]
    assert bash(script, project, "tracker ver") == ["version", "verify-tests"]
    assert bash(script, project, "tracker validate --fo") == ["--format"]
    assert bash(script, project, "tracker validate --format ") == ["text", "json"]
    assert bash(script, project, "tracker run --backend ") == ["native", "claude-code", "acp"]
    assert sorted(bash(script, project, "tracker validate ")) == sorted([*BUILTINS, "flow.dip", "sub", ".tracker"])
    assert bash(script, project, "tracker init b") == ["build_product", "build_product_with_superspec"]
    assert bash(script, project, "tracker audit a1") == ["a1b2c3d4e5f6", "a1ffffffffff"]
    assert bash(script, project, "tracker flow.dip -r b") == ["b0b0b0b0b0b0"]
    assert bash(script, project.parent, f"tracker diagnose -w {project} b") == ["b0b0b0b0b0b0"]
    assert bash(script, project, "tracker flow.dip --auto") == ["--auto-approve", "--autopilot"]
    assert bash(script, project, "tracker doctor -w s") == ["sub"]
    assert bash(script, project, "tracker completion ") == ["bash", "zsh", "fish"]
    first = bash(script, project, "tracker ")
    assert {"validate", "doctor", "completion", *BUILTINS, "flow.dip"} <= set(first)
    assert "notes.txt" not in first


ZSH_HARNESS = """
compdef() { :; }
compadd() { local arr=0 a; for a in "$@"; do if [[ $a == -a ]]; then arr=1; continue; fi; [[ $a == -- ]] && continue; if (( arr )); then print -rl -- "${(P@)a}"; arr=0; else print -r -- "$a"; fi; done; }
_describe() { local e; for e in "${(P@)4}"; do print -r -- "${e%%:*}"; done; }
_files() { print -r -- "FILES $*"; }
_directories() { print -r -- "DIRECTORIES"; }
source "$1"
words=("${(@s: :)2}")
CURRENT=$#words
_tracker
"""


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_script_offers_the_same_candidates(scripts: dict[str, Path], project: Path, tmp_path: Path) -> None:
    """zsh's completion widgets need a terminal; the harness replaces compadd and the file
    helpers with functions that print what they are given."""
    harness = tmp_path / "harness.zsh"
    harness.write_text(ZSH_HARNESS)

    def zsh(line: str) -> list[str]:
        done = subprocess.run(["zsh", "-f", str(harness), str(scripts["zsh"]), line], cwd=project, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()

    assert subprocess.run(["zsh", "-n", str(scripts["zsh"])]).returncode == 0
    assert zsh("tracker validate --format ") == ["text", "json"]
    assert zsh("tracker audit ") == ["a1b2c3d4e5f6", "a1ffffffffff", "b0b0b0b0b0b0"]
    assert zsh("tracker flow.dip --resume ") == ["a1b2c3d4e5f6", "a1ffffffffff", "b0b0b0b0b0b0"]
    assert zsh("tracker init ") == BUILTINS
    assert zsh("tracker validate ") == [*BUILTINS, "FILES -g *.dip"]
    assert zsh("tracker -w ") == ["DIRECTORIES"]
    first = zsh("tracker ")
    assert first[:3] == ["run", "validate", "lint"] and "deep_review" in first


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_script_completes_in_fish(scripts: dict[str, Path], project: Path) -> None:
    def fish(line: str) -> list[str]:
        done = subprocess.run(
            ["fish", "--no-config", "-c", f"source {scripts['fish']}; complete -C '{line}'"],
            cwd=project, capture_output=True, text=True, timeout=30,
        )
        assert done.returncode == 0, done.stderr
        return [entry.split("\t")[0] for entry in done.stdout.splitlines()]

    assert fish("tracker va") == ["validate"]
    assert fish("tracker validate --format ") == ["json", "text"]
    assert fish("tracker init b") == ["build_product", "build_product_with_superspec"]
    assert fish("tracker audit a1") == ["a1b2c3d4e5f6", "a1ffffffffff"]
    assert fish("tracker flow.dip -r ") == ["a1b2c3d4e5f6", "a1ffffffffff", "b0b0b0b0b0b0"]
    assert set(BUILTINS) | {"flow.dip"} <= set(fish("tracker validate "))


def test_an_unknown_shell_is_a_flag_error() -> None:
    proc = run_cli(["completion", "tcsh"])
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: argument shell: invalid choice: 'tcsh' (choose from 'bash', 'zsh', 'fish')")
