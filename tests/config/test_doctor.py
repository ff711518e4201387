"""The doctor checks as a library (``tracker.config.doctor``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.llm.fakes import anthropic_wire
from tests.llm.fakes.server import FakeServer, Reply
from tracker.config.doctor import CheckResult, DoctorOptions, DoctorReport, run_checks

VALID = """\
workflow Small
  goal: "say hi"
  start: Start
  exit: Done
  agent Start
    label: Start
  agent Done
    label: Done
  edges
    Start -> Done
"""


def options(tmp_path: Path, **env: str) -> DoctorOptions:
    base = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "NO_PROXY": "127.0.0.1"}
    return DoctorOptions(workdir=tmp_path, environ={**base, **env})


def by_name(report: DoctorReport, name: str) -> CheckResult:
    return next(c for c in report.checks if c.name == name)


def test_no_provider_is_a_failure(tmp_path: Path) -> None:
    report = run_checks(options(tmp_path))
    providers = by_name(report, "LLM Providers")
    assert providers.status == "error"
    assert "ANTHROPIC_API_KEY" in providers.message
    assert report.exit_code == 1


def test_well_formed_key_passes_and_bad_format_warns(tmp_path: Path) -> None:
    report = run_checks(options(tmp_path, ANTHROPIC_API_KEY="sk-ant-api03-0123456789abcdef"))
    providers = by_name(report, "LLM Providers")
    assert providers.status == "ok"
    assert any("sk-a...cdef" in d.message for d in providers.details)
    assert all("0123456789" not in d.message for d in providers.details)
    bad = run_checks(options(tmp_path, OPENAI_API_KEY="nope-0123456789"))
    assert by_name(bad, "LLM Providers").status == "warn"
    assert bad.exit_code in (1, 2)


def test_probe_success_and_rejected_key(tmp_path: Path, server: FakeServer) -> None:
    key = "sk-ant-api03-0123456789abcdef"
    server.enqueue(Reply(json_body=anthropic_wire.message([{"type": "text", "text": "pong"}])))
    opts = options(tmp_path, ANTHROPIC_API_KEY=key, ANTHROPIC_BASE_URL=server.url)
    opts.probe = True
    providers = by_name(run_checks(opts), "LLM Providers")
    assert providers.status == "ok"
    assert "live call succeeded (claude-haiku-4-5)" in providers.details[-1].message
    request = server.requests[0]
    assert request.json["model"] == "claude-haiku-4-5" and request.json["max_tokens"] == 16
    server.enqueue(Reply(status=401, json_body=anthropic_wire.error_body("authentication_error", f"bad key {key}")))
    providers = by_name(run_checks(opts), "LLM Providers")
    assert providers.status == "error"
    assert "the key was rejected" in providers.details[-1].message
    assert key not in providers.details[-1].message
    assert "rotate the key" in providers.details[-1].hint


def test_pipeline_file_errors_and_git_requirement(tmp_path: Path) -> None:
    good = tmp_path / "good.dip"
    good.write_text(VALID)
    opts = options(tmp_path, ANTHROPIC_API_KEY="sk-ant-api03-0123456789abcdef")
    opts.pipeline = good
    report = run_checks(opts)
    assert by_name(report, "Pipeline File").status == "ok"
    broken = tmp_path / "broken.dip"
    broken.write_text(VALID.replace("    Start -> Done\n", "    Start -> Nowhere\n"))
    opts.pipeline = broken
    check = by_name(run_checks(opts), "Pipeline File")
    assert check.status == "error"
    assert any(d.message.startswith(f"{broken}:") for d in check.details)
    requiring = tmp_path / "req.dip"
    requiring.write_text(VALID.replace('  goal: "say hi"\n', '  goal: "say hi"\n  requires: git\n'))
    opts.pipeline = requiring
    git = by_name(run_checks(opts), "Git")
    assert git.status == "error" and "not inside a git work tree" in git.details[0].message
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-q", "--allow-empty", "-m", "init"],
        check=True,
    )
    git = by_name(run_checks(opts), "Git")
    assert git.status == "ok" and "git work tree on" in git.details[0].message


def test_workdir_checks(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n")
    report = run_checks(options(tmp_path, ANTHROPIC_API_KEY="sk-ant-api03-0123456789abcdef", TRACKER_PASS_ENV="1"))
    assert by_name(report, "Working Directory").status == "warn"
    assert by_name(report, "Environment Warnings").status == "warn"
    assert report.exit_code == 2
    missing = options(tmp_path / "nope")
    assert by_name(run_checks(missing), "Working Directory").status == "error"


def test_malformed_env_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ANTHROPIC_API_KEY\n")
    report = run_checks(options(tmp_path))
    check = by_name(report, "Configuration Files")
    assert check.status == "error" and f"{tmp_path / '.env'}:1:18" in check.details[0].message


def test_gateway_kind_is_checked(tmp_path: Path) -> None:
    report = run_checks(options(tmp_path, TRACKER_GATEWAY_URL="https://gw.example", TRACKER_GATEWAY_KIND="nope"))
    assert by_name(report, "Gateway Routing").status == "error"
    report = run_checks(options(tmp_path, TRACKER_GATEWAY_URL="https://gw.example/", ANTHROPIC_API_KEY="sk-ant-api03-0123456789abcdef"))
    gateway = by_name(report, "Gateway Routing")
    assert any(d.message == "anthropic: https://gw.example/anthropic" for d in gateway.details)


def test_user_config_file_readable_by_others_warns(tmp_path: Path) -> None:
    user = tmp_path / "xdg" / "tracker" / ".env"
    user.parent.mkdir(parents=True)
    user.write_text("ANTHROPIC_API_KEY=sk-ant-api03-0123456789abcdef\n")
    user.chmod(0o644)
    check = by_name(run_checks(options(tmp_path)), "Configuration Files")
    assert check.status == "warn" and "readable by other users" in check.details[0].message
    user.chmod(0o600)
    check = by_name(run_checks(options(tmp_path)), "Configuration Files")
    assert check.status == "ok" and check.details[0].message == f"loaded {user}"
