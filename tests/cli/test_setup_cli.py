"""``tracker setup`` through the CLI: scripted flags and the interactive wizard."""

from __future__ import annotations

import os
import pty
import select
import stat
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

KEY = "sk-ant-api03-setup-secret-0123456789"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "OPENAI_", "GEMINI_", "GOOGLE_", "TRACKER_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def config_file(tmp_path: Path) -> Path:
    return tmp_path / "xdg" / "tracker" / ".env"


def test_key_from_an_environment_variable(tmp_path: Path) -> None:
    proc = run_cli(["setup", "--provider", "anthropic", "--key-env", "MY_KEY"], env={"MY_KEY": KEY})
    assert proc.returncode == 0, proc.stderr
    target = config_file(tmp_path)
    assert target.read_text() == f"ANTHROPIC_API_KEY={KEY}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert proc.stdout.strip() == f"saved ANTHROPIC_API_KEY (sk-a...6789) to {target}"
    assert KEY not in proc.stdout + proc.stderr


def test_key_from_stdin_with_base_url_keeps_other_settings(tmp_path: Path) -> None:
    target = config_file(tmp_path)
    target.parent.mkdir(parents=True)
    target.write_text("# mine\nANTHROPIC_API_KEY=sk-ant-old-0123456789\n")
    proc = run_cli(
        ["setup", "--provider", "openai-compat", "--key-stdin", "--base-url", "https://gw.example/v1"],
        input="sk-or-v1-compat-0123456789\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert target.read_text() == (
        "# mine\nANTHROPIC_API_KEY=sk-ant-old-0123456789\n"
        "OPENAI_COMPAT_API_KEY=sk-or-v1-compat-0123456789\nOPENAI_COMPAT_BASE_URL=https://gw.example/v1\n"
    )
    assert "saved OPENAI_COMPAT_BASE_URL (https://gw.example/v1)" in proc.stdout
    again = run_cli(["setup", "--provider", "openai-compat", "--key-stdin"], input="sk-or-v1-compat-0123456789")
    assert again.stdout.strip() == f"{target}: already up to date"


def test_suspicious_key_is_stored_with_a_warning(tmp_path: Path) -> None:
    proc = run_cli(["setup", "--provider", "anthropic", "--key-stdin"], input="sk-proj-0123456789abc")
    assert proc.returncode == 0
    assert "warning: the Anthropic key (sk-p...9abc) does not start with 'sk-ant-'" in proc.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["setup", "--provider", "anthropic", "--key-env", "UNSET_VAR"], {}, "environment variable UNSET_VAR is not set or empty"),
        (["setup", "--key-env", "X"], {"X": KEY}, "need --provider NAME"),
        (["setup", "--provider", "anthropic"], {}, "nothing to store"),
        (["setup"], {}, "the setup wizard needs a terminal"),
    ],
)
def test_errors(tmp_path: Path, args: list[str], env: dict[str, str], message: str) -> None:
    proc = run_cli(args, env=env, input="")
    assert proc.returncode == 1
    assert message in proc.stderr
    assert not config_file(tmp_path).exists()


def test_unknown_provider_is_a_flag_error() -> None:
    proc = run_cli(["setup", "--provider", "acme", "--key-stdin"], input="x")
    assert proc.returncode == 1 and "invalid choice" in proc.stderr


class Terminal:
    """The CLI on a pseudo-terminal, driven like a person would."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child
            os.chdir(REPO)
            os.execvpe(sys.executable, [sys.executable, "-m", "tracker", *args], env)
        self.output = b""

    def expect(self, text: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.output:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{text!r} not seen in {self.output.decode(errors='replace')!r}")
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{text!r} not seen before exit: {self.output.decode(errors='replace')!r}")
                self.output += chunk

    def send(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def send_secret(self, line: str, timeout: float = 20.0) -> None:
        """Type once the program has switched echo off (as a person would see it)."""
        deadline = time.monotonic() + timeout
        while termios.tcgetattr(self.fd)[3] & termios.ECHO:
            if time.monotonic() > deadline:
                raise AssertionError("echo was never switched off for the hidden prompt")
            time.sleep(0.02)
        self.send(line)

    def finish(self) -> int:
        while True:
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.output += chunk
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def test_interactive_wizard_stores_keys_without_echoing_them(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["TERM"] = "dumb"
    term = Terminal(["setup"], env)
    term.expect("Configure Anthropic (not configured)?")
    term.send("y")
    term.expect("ANTHROPIC_API_KEY (hidden")
    term.send_secret(KEY)
    term.expect("ANTHROPIC_BASE_URL")
    term.send("")
    for provider in ("OpenAI", "Gemini", "OpenAI-compatible"):
        term.expect(f"Configure {provider} (not configured)?")
        term.send("n")
    term.expect("saved ANTHROPIC_API_KEY")
    assert term.finish() == 0
    target = config_file(tmp_path)
    assert target.read_text() == f"ANTHROPIC_API_KEY={KEY}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert KEY.encode() not in term.output
    assert b"sk-a...6789" in term.output
