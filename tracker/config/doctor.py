"""The health checks behind ``tracker doctor`` (engine spec §8.7.3).

Each check returns a :class:`CheckResult` (``status`` ∈ ``ok``, ``warn``, ``error``,
``skip``) with detail lines; :func:`run_checks` runs them in order. Live provider probes
make one tiny completion per configured provider through :mod:`tracker.llm` (imported
only when probing). Key values never appear in results: only masked forms.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tracker.config.dotenv import DotenvError
from tracker.config.environment import LoadedEnv, env_files, load_env_files
from tracker.config.providers import PROVIDERS, ProviderKeys, find_key, key_problem, mask

Status = Literal["ok", "warn", "error", "skip", "hint"]
PROBE_TIMEOUT_SECONDS = 15.0
PROBE_MAX_TOKENS = 16
LOW_DISK_BYTES = 10 * 1000**3  # the reference warns below 10 GB
GITIGNORE_ENTRY = ".tracker/"
GITIGNORE_ENTRIES = (".tracker/", "runs/", ".ai/")
BACKENDS = ("native", "claude-code", "acp")
GIT_POLICIES = ("auto", "off", "warn", "require", "init")


@dataclass(slots=True)
class Detail:
    status: Status
    message: str
    hint: str = ""

    def to_dict(self) -> dict[str, str]:
        data = {"status": self.status, "message": self.message}
        if self.hint:
            data["hint"] = self.hint
        return data


@dataclass(slots=True)
class CheckResult:
    name: str
    status: Status = "ok"
    message: str = ""
    hint: str = ""
    details: list[Detail] = field(default_factory=list)

    def add(self, status: Status, message: str, hint: str = "") -> None:
        self.details.append(Detail(status, message, hint))

    def settle(self) -> CheckResult:
        """The check's status from its details: any error, else any warning, else ok."""
        statuses = {d.status for d in self.details}
        if self.status == "skip":
            return self
        if "error" in statuses:
            self.status = "error"
        elif "warn" in statuses:
            self.status = "warn"
        return self

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "status": self.status}
        if self.message:
            data["message"] = self.message
        if self.hint:
            data["hint"] = self.hint
        data["details"] = [d.to_dict() for d in self.details]
        return data


@dataclass(slots=True)
class DoctorOptions:
    workdir: Path
    pipeline: Path | None = None
    probe: bool = False
    backend: str = "native"
    git_policy: str = "auto"
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(slots=True)
class DoctorReport:
    checks: list[CheckResult]

    @property
    def failures(self) -> int:
        return sum(1 for c in self.checks if c.status == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for c in self.checks if c.status == "warn")

    @property
    def passed(self) -> int:
        return len(self.checks) - self.failures - self.warnings

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 2 if self.warnings else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "checks": [c.to_dict() for c in self.checks],
            "passed": self.passed,
            "warnings": self.warnings,
            "failures": self.failures,
            "exit_code": self.exit_code,
        }


# ---------------------------------------------------------------------------- checks


def check_config_files(options: DoctorOptions) -> tuple[CheckResult, LoadedEnv | None]:
    result = CheckResult("Configuration Files")
    try:
        loaded = load_env_files(options.workdir, options.environ)
    except DotenvError as exc:
        result.add("error", f"malformed .env file: {exc}", "fix the line shown, or remove the file")
        return result.settle(), None
    user_file = env_files(options.workdir, options.environ)[0]
    for path in env_files(options.workdir, options.environ):
        if path in loaded.files:
            mode = path.stat().st_mode & 0o777
            if path == user_file and mode & 0o077:
                result.add("warn", f"{path} is readable by other users (mode {mode:o})", f"chmod 600 {path}")
            else:
                result.add("ok", f"loaded {path}")
        else:
            result.add("hint", f"no {path}")
    return result.settle(), loaded


def check_environment_warnings(options: DoctorOptions) -> CheckResult:
    result = CheckResult("Environment Warnings")
    env = options.environ
    if env.get("TRACKER_PASS_ENV") == "1":
        result.add("warn", "TRACKER_PASS_ENV=1: tool commands see every secret in the environment")
    if env.get("TRACKER_PASS_API_KEYS") == "1":
        result.add("warn", "TRACKER_PASS_API_KEYS=1: API keys are passed to agent subprocesses")
    if not result.details:
        result.add("ok", "no environment overrides that weaken secret scrubbing")
    return result.settle()


def _redact(text: str, key: str) -> str:
    return text.replace(key, mask(key)) if key else text


async def _probe(spec: ProviderKeys, env: Mapping[str, str], key: str) -> Detail:
    """One 16-token completion; classifies auth failures apart from transport ones."""
    from tracker.llm import Client, ConfigurationError, ErrorKind, Message, ProviderError, Request

    try:
        client = Client.from_env(env, only=spec.name, retry_policy=None)
    except ConfigurationError as exc:
        return Detail("error", f"{spec.name}: cannot build a client: {_redact(str(exc), key)}")
    request = Request(
        model=spec.probe_model,
        provider=spec.name,
        messages=[Message.user("ping")],
        max_tokens=PROBE_MAX_TOKENS,
    )
    try:
        await asyncio.wait_for(client.complete(request), PROBE_TIMEOUT_SECONDS)
    except TimeoutError:
        return Detail("error", f"{spec.name}: no answer within {PROBE_TIMEOUT_SECONDS:g}s", "check network connectivity")
    except ProviderError as exc:
        message = _redact(exc.message, key).strip().splitlines()[0][:200] if exc.message else exc.kind.value
        if exc.kind in (ErrorKind.AUTHENTICATION, ErrorKind.ACCESS_DENIED):
            return Detail("error", f"{spec.name}: the key was rejected ({message})", "rotate the key, then run `tracker setup`")
        if exc.kind in (ErrorKind.NETWORK, ErrorKind.REQUEST_TIMEOUT, ErrorKind.STREAM):
            return Detail("error", f"{spec.name}: cannot reach the API ({message})", "check network connectivity and the base URL")
        return Detail("error", f"{spec.name}: live call failed: {exc.kind.value}: {message}")
    except Exception as exc:
        return Detail("error", f"{spec.name}: live call failed: {_redact(str(exc), key)}")
    finally:
        await client.aclose()
    return Detail("ok", f"{spec.name}: live call succeeded ({spec.probe_model})")


def check_providers(options: DoctorOptions) -> CheckResult:
    result = CheckResult("LLM Providers")
    env = options.environ
    configured: list[tuple[ProviderKeys, str]] = []
    for spec in PROVIDERS:
        found = find_key(spec, env)
        if found is None:
            result.add("hint", f"{spec.name}: not configured", f"set {spec.primary_key_var} or run `tracker setup`")
            continue
        var, key = found
        problem = key_problem(spec, key)
        base = env.get(spec.base_url_var, "").strip()
        where = f" via {base}" if base else ""
        if problem:
            result.add("warn", f"{spec.name}: {var} ({mask(key)}) {problem}{where}", "check that the whole key was copied")
        else:
            result.add("ok", f"{spec.name}: {var} {mask(key)}{where}")
        configured.append((spec, key))
    if not configured:
        names = ", ".join(p.primary_key_var for p in PROVIDERS)
        result.details.clear()
        result.status = "error"
        result.message = f"no LLM provider configured (unset: {names})"
        result.hint = "run `tracker setup`, or export one of the variables"
        return result
    if options.probe:
        probes = asyncio.run(_probe_all(configured, env))
        result.details.extend(probes)
    return result.settle()


async def _probe_all(configured: list[tuple[ProviderKeys, str]], env: Mapping[str, str]) -> list[Detail]:
    return list(await asyncio.gather(*(_probe(spec, env, key) for spec, key in configured)))


def check_toolchain() -> CheckResult:
    from tracker import __version__

    result = CheckResult("Dippin Language")
    result.add("ok", f"built-in toolchain (tracker {__version__}); no separate dippin binary is needed")
    return result


def check_binaries(options: DoctorOptions) -> CheckResult:
    result = CheckResult("Optional Binaries")
    git = shutil.which("git", path=options.environ.get("PATH"))
    if git:
        result.add("ok", f"git: {git}")
    else:
        result.add("warn", "git: not found on PATH", "install git; workflows that require git cannot run")
    if options.backend == "claude-code":
        claude = shutil.which("claude", path=options.environ.get("PATH"))
        if claude:
            result.add("ok", f"claude: {claude}")
        else:
            result.add("error", "claude: not found on PATH (needed by --backend claude-code)")
    return result.settle()


def check_workdir(options: DoctorOptions) -> CheckResult:
    result = CheckResult("Working Directory")
    workdir = options.workdir
    if not workdir.exists():
        result.add("error", f"{workdir} does not exist")
        return result.settle()
    if not workdir.is_dir():
        result.add("error", f"{workdir} is not a directory")
        return result.settle()
    try:
        with tempfile.NamedTemporaryFile(dir=workdir, prefix=".tracker-doctor-"):
            pass
        result.add("ok", f"{workdir} is writable")
    except OSError as exc:
        result.add("error", f"{workdir} is not writable: {exc.strerror}")
    resolved = workdir.resolve()
    home = options.environ.get("HOME")
    if resolved == Path("/") or (home and resolved == Path(home).resolve()):
        result.add("warn", f"{resolved} is your home or root directory", "run tracker inside a project directory")
    gitignore = workdir / ".gitignore"
    if gitignore.is_file():
        missing = missing_gitignore_entries(gitignore)
        if missing:
            result.add(
                "warn",
                f".gitignore does not ignore {', '.join(missing)} (run directories and agent workspaces)",
                f"add {' '.join(missing)} to .gitignore",
            )
    return result.settle()


def missing_gitignore_entries(gitignore: Path) -> list[str]:
    """The entries of :data:`GITIGNORE_ENTRIES` a ``.gitignore`` lacks (with or without
    a leading ``/`` or trailing ``/``)."""
    lines = {line.strip().strip("/") for line in gitignore.read_text(encoding="utf-8", errors="replace").splitlines()}
    return [entry for entry in GITIGNORE_ENTRIES if entry.strip("/") not in lines]


def check_run_dirs(options: DoctorOptions) -> CheckResult:
    """The agent workspace ``.ai`` (the reference's check) and the run directories."""
    result = CheckResult("Artifact Directories")
    for folder in (options.workdir / ".ai", options.workdir / ".tracker" / "runs"):
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if probe.is_dir() and os.access(probe, os.W_OK | os.X_OK):
            state = "exists and is writable" if probe == folder else "can be created"
            result.add("ok", f"{folder} {state}")
        else:
            result.add("error", f"{folder} cannot be created ({probe} is not writable)")
    return result.settle()


def check_disk(options: DoctorOptions) -> CheckResult:
    result = CheckResult("Disk Space")
    try:
        free = shutil.disk_usage(options.workdir if options.workdir.exists() else Path.cwd()).free
    except OSError as exc:
        result.add("warn", f"cannot read free space: {exc.strerror}")
        return result.settle()
    if free < LOW_DISK_BYTES:
        result.add("warn", f"only {free / 1000**3:.1f} GB free", "free some space before long runs")
    else:
        result.add("ok", f"{free / 1000**3:.1f} GB free")
    return result.settle()


def check_gateway(options: DoctorOptions) -> CheckResult | None:
    env = options.environ
    if not (env.get("TRACKER_GATEWAY_URL") or env.get("TRACKER_GATEWAY_KIND")):
        return None
    from tracker.llm.config import GATEWAY_SUFFIXES, resolve_gateway

    result = CheckResult("Gateway Routing")
    gateway = resolve_gateway(env)
    if gateway.kind not in GATEWAY_SUFFIXES:
        result.add("error", f"unknown TRACKER_GATEWAY_KIND {gateway.kind!r}", "use cf-aig or bedrock")
        return result.settle()
    if not gateway.url:
        result.add("warn", "TRACKER_GATEWAY_KIND is set but TRACKER_GATEWAY_URL is empty")
        return result.settle()
    result.add("ok", f"gateway {gateway.url} (kind {gateway.kind})")
    for spec in PROVIDERS:
        explicit = env.get(spec.base_url_var, "").strip()
        suffix = GATEWAY_SUFFIXES[gateway.kind].get(spec.name)
        if explicit:
            result.add("ok", f"{spec.name}: {spec.base_url_var} overrides the gateway ({explicit})")
        elif suffix is None:
            result.add("warn" if find_key(spec, env) else "hint", f"{spec.name}: not routable through a {gateway.kind} gateway")
        else:
            result.add("ok", f"{spec.name}: {gateway.url}{suffix}")
    return result.settle()


def check_pipeline(options: DoctorOptions) -> tuple[CheckResult | None, list[str]]:
    """Parse and validate the pipeline file; also returns its ``requires:`` list."""
    path = options.pipeline
    if path is None:
        return None, []
    result = CheckResult("Pipeline File")
    if not path.exists():
        result.add("error", f"{path} does not exist")
        return result.settle(), []
    if path.suffix not in (".dip", ".dipx"):
        result.add("warn", f"{path.name}: unexpected extension {path.suffix or '(none)'} (expected .dip)")
    from tracker.dippin import load_file
    from tracker.dippin.diagnostics import Severity
    from tracker.dippin.lint import check

    try:
        parsed = load_file(path)
    except OSError as exc:
        result.add("error", f"cannot read {path}: {exc.strerror}")
        return result.settle(), []
    diagnostics = check(parsed)
    errors = [d for d in diagnostics if d.severity == Severity.ERROR]
    warnings = [d for d in diagnostics if d.severity == Severity.WARNING]
    for diag in errors[:10]:
        pos = diag.range.start
        result.add("error", f"{path}:{pos.line + 1}:{pos.character + 1}: {diag.code}: {diag.message}")
    for diag in warnings[:10]:
        pos = diag.range.start
        result.add("warn", f"{path}:{pos.line + 1}:{pos.character + 1}: {diag.code}: {diag.message}")
    if not errors and not warnings:
        workflow = parsed.workflow
        result.add("ok", f"{path.name}: workflow {workflow.name or '(unnamed)'} is valid ({len(workflow.nodes)} nodes)")
    elif len(errors) + len(warnings) > 20:
        result.add("hint", "more diagnostics omitted; run `tracker validate` for all of them")
    return result.settle(), list(parsed.workflow.requires or [])


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def check_git(options: DoctorOptions, requires: list[str]) -> CheckResult:
    """The repository state; a hard requirement when the pipeline requires git."""
    result = CheckResult("Git")
    policy = options.git_policy
    required = policy in ("require", "init") or (policy != "off" and "git" in requires)
    if policy == "off":
        result.status = "skip"
        result.message = "git checks disabled (--git off)"
        return result
    failure: Status = "error" if required and policy != "warn" else ("warn" if required else "hint")
    if shutil.which("git", path=options.environ.get("PATH")) is None:
        result.add(failure, "git is not installed")
        return result.settle()
    workdir = options.workdir
    if not workdir.is_dir():
        result.add(failure, f"{workdir} is not a directory")
        return result.settle()
    inside = _git(["rev-parse", "--is-inside-work-tree"], workdir)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        bare = _git(["rev-parse", "--is-bare-repository"], workdir)
        if bare.returncode == 0 and bare.stdout.strip() == "true":
            result.add(failure, f"{workdir} is inside a bare repository")
        else:
            hint = "run `git init` and make a first commit" if required else ""
            result.add(failure, f"{workdir} is not inside a git work tree", hint)
        return result.settle()
    head = _git(["rev-parse", "--verify", "--quiet", "HEAD"], workdir)
    if head.returncode != 0:
        result.add(failure, "the repository has no commit yet", "make a first commit")
        return result.settle()
    branch = _git(["rev-parse", "--abbrev-ref", "HEAD"], workdir).stdout.strip() or "(detached)"
    status = _git(["status", "--porcelain"], workdir)
    changes = len([line for line in status.stdout.splitlines() if line.strip()])
    state = "clean" if changes == 0 else f"{changes} uncommitted change(s)"
    result.add("ok", f"git work tree on {branch}, {state}")
    return result.settle()


def run_checks(options: DoctorOptions) -> DoctorReport:
    checks: list[CheckResult] = []
    config, _loaded = check_config_files(options)
    checks.append(config)
    checks.append(check_environment_warnings(options))
    checks.append(check_providers(options))
    checks.append(check_toolchain())
    from tracker.library.install import version_check

    checks.append(version_check())
    checks.append(check_binaries(options))
    checks.append(check_workdir(options))
    checks.append(check_run_dirs(options))
    checks.append(check_disk(options))
    gateway = check_gateway(options)
    if gateway is not None:
        checks.append(gateway)
    pipeline, requires = check_pipeline(options)
    if pipeline is not None:
        checks.append(pipeline)
        checks.append(check_git(options, requires))  # the git preflight of that pipeline
    return DoctorReport(checks)
