"""``tracker run WORKFLOW`` (also ``tracker [flags] WORKFLOW``): run a pipeline.

A thin layer over :mod:`tracker.engine`: parse flags, load the ``.env`` files (process
environment > ``<workdir>/.env`` > the user config ``.env``), load the workflow, pick the
interviewer for human gates (``--auto-approve`` > ``--webhook-url`` > ``--autopilot`` > a
person) and the output (live view on a terminal, plain lines otherwise, NDJSON with
``--json``), run, print the summary, and exit 0 (success), 1 (failure, budget halt,
billing pause) or 2 (``--fail-on-override`` and the run ended ``validation_overridden``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

SUMMARY = "Run a workflow (also: tracker [flags] WORKFLOW)"
EXAMPLES = """\
  tracker examples/gate_modes.dip --auto-approve
  tracker run examples/release_check.dip --json --auto-approve > events.ndjson
  tracker examples/release_check.dip --param version=1.2.0 --max-wall-time 10m
  tracker build.dip --autopilot hard --max-tokens 200000 --max-cost 500   # cost in cents
  tracker -r 3f2a9c examples/release_check.dip          # resume run 3f2a9c…
  tracker flow.dip --webhook-url https://hooks.example/gates --gate-callback-addr :8789
"""
PERSONAS = ("lax", "mid", "hard", "mentor")


class FlagError(Exception):
    pass


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workflow", help="a .dip file, NAME (NAME.dip in the current directory) or a built-in workflow")
    g = p.add_argument_group("run")
    g.add_argument("-w", "--workdir", metavar="DIR", help="working directory for tools and agents (default: cwd)")
    g.add_argument("-r", "--resume", metavar="ID", help="resume a run by ID or unique ID prefix")
    g.add_argument("--force-bundle-mismatch", action="store_true", help="resume even if the bundle identity differs")
    g.add_argument("--format", choices=("dip", "dot"), help="source format (only dip is supported)")
    g.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="override a workflow var (repeatable)")
    g.add_argument("--input", action="append", default=[], metavar="NAME=VALUE", help="value of a declared input (repeatable)")
    g.add_argument("--input-file", action="append", default=[], metavar="FILE", help="declared inputs from a JSON object file")
    g.add_argument("--artifact-dir", metavar="DIR", help="where run directories go (default: WORKDIR/.tracker/runs)")
    g.add_argument("--backend", choices=("native", "claude-code", "acp"), help="default agent backend")
    g.add_argument("--git", choices=("auto", "off", "warn", "require", "init"), default="auto", help="git preflight policy")
    g.add_argument("--allow-init", action="store_true", help="with --git init: allow `git init` in WORKDIR")
    g.add_argument("--git-artifacts", action="store_true", help="commit run artifacts to git (not available yet)")
    g.add_argument("--export-bundle", metavar="PATH", help="export the run's git artifacts (needs --git-artifacts)")
    o = p.add_argument_group("output")
    o.add_argument("--json", action="store_true", help="NDJSON events on stdout (nothing else on stdout)")
    o.add_argument("--no-tui", action="store_true", help="plain lines instead of the live view")
    o.add_argument("--verbose", action="store_true", help="include raw provider frames")
    b = p.add_argument_group("budgets")
    b.add_argument("--max-tokens", type=int, default=0, metavar="N")
    b.add_argument("--max-cost", type=int, default=0, metavar="CENTS")
    b.add_argument("--max-wall-time", default="", metavar="DUR", help="e.g. 90s, 1h30m")
    b.add_argument("--sleep-aware-budget", action="store_true", help="accepted for compatibility")
    b.add_argument("--fail-on-override", action="store_true", help="exit 2 when the run ends validation_overridden")
    h = p.add_argument_group("human gates")
    h.add_argument("--auto-approve", action="store_true", help="answer every gate automatically (default/first option)")
    h.add_argument("--autopilot", metavar="PERSONA", help="an LLM judge answers gates (lax, mid, hard, mentor)")
    h.add_argument("--webhook-url", metavar="URL", help="POST each gate to URL and wait for its callback")
    h.add_argument("--gate-callback-addr", default=":8789", metavar="ADDR", help="listen address of the callback server")
    h.add_argument("--gate-timeout", default="10m", metavar="DUR", help="wait per webhook gate (default 10m)")
    h.add_argument("--gate-timeout-action", choices=("fail", "success"), default="fail")
    h.add_argument("--webhook-auth", default="", metavar="VALUE", help="Authorization header for webhook POSTs")
    t = p.add_argument_group("tool safety")
    t.add_argument("--bypass-denylist", action="store_true", help="disable the built-in tool command denylist")
    t.add_argument("--tool-allowlist", action="append", default=[], metavar="PAT", help="only commands matching these globs may run")
    t.add_argument("--tool-denylist-add", action="append", default=[], metavar="PAT", help="extra denied command globs")
    t.add_argument("--max-output-limit", type=int, default=0, metavar="BYTES", help="ceiling for output_limit (default 10 MiB)")
    llm = p.add_argument_group("LLM")
    llm.add_argument("--gateway-url", metavar="URL")
    llm.add_argument("--gateway-kind", choices=("", "cf-aig", "bedrock"))


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise FlagError(f"{flag} expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value
    return out


def _input_files(paths: list[str]) -> dict[str, str]:
    import json

    out: dict[str, str] = {}
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FlagError(f"--input-file {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise FlagError(f"--input-file {path}: expected a JSON object of name: value")
        out.update({str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()})
    return out


def _duration_s(text: str, flag: str) -> float:
    from tracker.dippin.values import ValueError_, parse_duration

    if not text:
        return 0.0
    try:
        ns = parse_duration(text)
    except ValueError_ as exc:
        raise FlagError(f"{flag}: invalid duration {text!r} (use e.g. 90s, 10m, 1h30m)") from exc
    if ns < 0:
        raise FlagError("budget limits must be non-negative")
    return ns / 1e9


def _git_preflight(policy: str, requires: list[str], workdir: Path, allow_init: bool) -> list[str]:
    """Warnings to print; raises FlagError when the run must not start."""
    notes = [f"warning: unknown requirement {r!r} ignored" for r in requires if r != "git"]
    if policy == "off" or (policy == "auto" and "git" not in requires):
        return notes
    problems: list[str] = []
    if shutil.which("git") is None:
        problems.append("git is not installed (or not on PATH)")
    else:
        inside = subprocess.run(["git", "-C", str(workdir), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True)
        if inside.stdout.strip() != "true":
            if policy == "init" and allow_init:
                subprocess.run(["git", "-C", str(workdir), "init", "-q"], check=False)
                subprocess.run(
                    ["git", "-C", str(workdir), "-c", "user.name=tracker", "-c", "user.email=tracker@local", "commit", "-q", "--allow-empty", "-m", "tracker: initial empty commit (auto-init)"],
                    check=False,
                )
                return notes
            problems.append(f"{workdir} is not inside a git work tree (run `git init`, or use --git init --allow-init)")
        elif subprocess.run(["git", "-C", str(workdir), "rev-parse", "--verify", "HEAD"], capture_output=True).returncode != 0:
            problems.append(f"the git repository at {workdir} has no commit yet (make one first)")
    if problems and policy == "warn":
        return notes + [f"warning: {p}" for p in problems]
    if problems:
        raise FlagError("git preflight failed: " + "; ".join(problems))
    return notes


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except FlagError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from tracker.cli.resolve import UnknownWorkflow, resolve_workflow
    from tracker.engine import (
        BudgetLimits,
        PipelineLoadError,
        RunConfig,
        RunSetupError,
        ToolSafety,
        load_pipeline,
    )
    from tracker.engine.api import PipelineRun

    if args.max_tokens < 0 or args.max_cost < 0:
        raise FlagError("budget limits must be non-negative")
    if args.max_output_limit < 0:
        raise FlagError("--max-output-limit must be non-negative")
    if args.webhook_url and (args.auto_approve or args.autopilot is not None):
        raise FlagError("--webhook-url cannot be combined with --auto-approve or --autopilot")
    if args.format == "dot":
        raise FlagError("DOT input is not supported; write the workflow in Dippin (.dip)")
    if args.git_artifacts:
        raise FlagError("--git-artifacts is not available yet")
    if args.export_bundle:
        raise FlagError("--export-bundle needs git-backed run artifacts (--git-artifacts), which are not available yet")
    if args.autopilot is not None:
        persona = args.autopilot.strip().lower() or "mid"
        if persona not in PERSONAS:
            raise FlagError(f'unknown autopilot persona "{args.autopilot}" (valid: {", ".join(PERSONAS)})')
    params = _pairs(args.param, "--param")
    inputs = {**_input_files(args.input_file), **_pairs(args.input, "--input")}
    wall = _duration_s(args.max_wall_time, "--max-wall-time")
    gate_timeout = _duration_s(args.gate_timeout, "--gate-timeout")

    workdir = Path(args.workdir).resolve() if args.workdir else Path.cwd()
    if not workdir.is_dir():
        sys.stderr.write(f"error: working directory {workdir} does not exist\n")
        return 1
    from tracker.config import DotenvError, load_env_files

    try:
        load_env_files(workdir)
    except DotenvError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    fail_on_override = args.fail_on_override or os.environ.get("TRACKER_FAIL_ON_OVERRIDE") == "1"
    try:
        source = resolve_workflow(args.workflow)
    except UnknownWorkflow as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"error: cannot read {args.workflow}: {exc.strerror or exc}\n")
        return 1
    try:
        pipeline = load_pipeline(source.text, source.path)
    except PipelineLoadError as exc:
        sys.stderr.write(exc.render() + "\n")
        return 1
    for w in pipeline.warnings:
        sys.stderr.write(f"warning[{w.code}]: {w.message}\n")

    llm: Any = None
    judge: Any = None
    if args.autopilot is not None:
        if args.auto_approve:
            sys.stderr.write("note: --auto-approve takes precedence; --autopilot is ignored\n")
        else:
            llm, judge = _autopilot(args)
            if judge is None:
                return 1
    for note in _git_preflight(args.git, pipeline.graph.workflow.requires or [], workdir, args.allow_init):
        sys.stderr.write(note + "\n")
    if args.bypass_denylist:
        sys.stderr.write("WARNING: --bypass-denylist active — tool commands are not checked against the denylist.\n")
        sys.stderr.write("WARNING: only run workflows you trust this way.\n")
    if args.tool_allowlist:
        sys.stderr.write(f"tool allowlist: {', '.join(args.tool_allowlist)}\n")
    if args.tool_denylist_add:
        sys.stderr.write(f"extra denylist patterns: {', '.join(args.tool_denylist_add)}\n")

    stdout_tty = sys.stdout.isatty()
    stdin_tty = sys.stdin.isatty()
    live_mode = not args.json and not args.no_tui and stdout_tty
    interviewer, view_console = _interviewer(args, gate_timeout, stdout_tty, stdin_tty, judge)

    safety = ToolSafety(
        allowlist=list(args.tool_allowlist),
        denylist_add=list(args.tool_denylist_add),
        bypass_denylist=args.bypass_denylist,
    )
    if args.max_output_limit:
        safety.max_output_limit = args.max_output_limit
    extras: dict[str, Any] = {
        "gateway_url": args.gateway_url or "",
        "gateway_kind": args.gateway_kind or "",
        "verbose": args.verbose,
    }
    if llm is not None:
        extras["llm"] = llm
    config = RunConfig(
        workdir=workdir,
        artifact_dir=Path(args.artifact_dir).resolve() if args.artifact_dir else None,
        resume=args.resume,
        params=params,
        inputs=inputs,
        interviewer=interviewer,
        budget=BudgetLimits(max_tokens=args.max_tokens, max_cost_cents=args.max_cost, max_wall_time_s=wall),
        tool_safety=safety,
        backend=args.backend or "",
        extras=extras,
        force_bundle_mismatch=args.force_bundle_mismatch,
        verbose=args.verbose,
    )
    try:
        run = PipelineRun(pipeline, config)
    except RunSetupError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    if llm is not None:
        llm.attach(run.services)
    for note in run.notes:
        sys.stderr.write(note + "\n")

    from tracker.runs.session_tally import SessionTally

    node_dirs = {nid: n.attrs["working_dir"] for nid, n in run.graph.nodes.items() if n.attrs.get("working_dir")}
    tally = SessionTally(workdir, node_dirs)  # files and compactions for the summary
    run.add_sink(tally)
    view = None
    if args.json:
        from tracker.engine.events import NdjsonWriter

        run.add_sink(NdjsonWriter(sys.stdout))
    elif live_mode:
        from tracker.runs.live import LiveView

        view = LiveView(run.graph, view_console, title=pipeline.name, verbose=args.verbose)
        run.add_sink(view)
        if hasattr(interviewer, "pause"):
            interviewer.pause = view.pause
    else:
        from tracker.runs.console import PlainPrinter

        run.add_sink(PlainPrinter(sys.stdout, verbose=args.verbose))

    result = asyncio.run(_drive(run, interviewer, view, llm))

    from tracker.runs.failures import failure_title
    from tracker.runs.summary import render_summary

    summary_out = sys.stderr if args.json else sys.stdout
    render_summary(result, args.workflow, summary_out, tally=tally, resume_flags=_resume_flags(args))
    if result.status == "validation_overridden":
        if fail_on_override:
            last = result.overrides[-1] if result.overrides else None
            where = f' at "{last.gate_node_id}" (label "{last.label}")' if last else ""
            sys.stderr.write(f"tracker: run completed via validation_overridden{where}; --fail-on-override caused non-zero exit\n")
            return 2
        return 0
    if result.success:
        return 0
    sys.stderr.write(f"error: {failure_title(result)}{_budget_detail(result)}\n")
    return 1


def _resume_flags(args: argparse.Namespace) -> list[str]:
    """The flags the resume hint needs to find this run again (``-w DIR``)."""
    return ["-w", args.workdir] if args.workdir else []


def _budget_detail(result: Any) -> str:
    """`` — <breach> (spent N tokens, $x.xxxx)`` after a budget halt, else nothing."""
    if result.status != "budget_exceeded":
        return ""
    usage = result.usage
    spent = f" (spent {usage.total_tokens:,} tokens, ${usage.total_cost_usd:.4f})" if usage is not None else ""
    return f" — {result.error}{spent}"


def _autopilot(args: argparse.Namespace) -> tuple[Any, Any]:
    """The LLM judge for ``--autopilot`` and the run-wide LLM setup it shares with agent
    nodes; ``(setup, None)`` after printing why there is no judge."""
    from tracker.gates.autopilot import AutopilotInterviewer
    from tracker.handlers.codergen import LLMSetup
    from tracker.llm.config import PROVIDER_ENV
    from tracker.llm.errors import ConfigurationError

    persona = args.autopilot.strip().lower() or "mid"
    llm = LLMSetup(os.environ, gateway_url=args.gateway_url, gateway_kind=args.gateway_kind)
    try:
        client = llm.client
    except ConfigurationError as exc:
        llm.problem = str(exc)
        client = None
    if client is None:
        variables = ", ".join(v for spec in PROVIDER_ENV.values() for v in spec.key_vars)
        why = f"create LLM client: {llm.problem}" if llm.problem else f"no provider key is set ({variables})"
        sys.stderr.write(
            f'error: autopilot "{persona}" requires an LLM client: {why}; '
            "run `tracker setup` or see `tracker doctor`\n"
        )
        return llm, None
    judge = AutopilotInterviewer(client, persona)
    sys.stderr.write(
        f"Autopilot mode: persona {persona} — an LLM judge ({judge.model} via {judge.provider}) answers every human gate\n"
    )
    return llm, judge


def _interviewer(
    args: argparse.Namespace, gate_timeout: float, stdout_tty: bool, stdin_tty: bool, judge: Any
) -> tuple[Any, Any]:
    """Gate automation first (auto-approve > webhook > autopilot), else a person at the console."""
    if args.auto_approve:
        from tracker.gates.auto import AutoApproveInterviewer

        return AutoApproveInterviewer(), None
    if args.webhook_url:
        from tracker.gates.webhook import WebhookConfig, WebhookInterviewer

        sys.stderr.write("Webhook gate mode active — human gates will be POSTed to configured URL\n")
        sys.stderr.write(f"Callback server will start on {args.gate_callback_addr}\n")
        return (
            WebhookInterviewer(
                WebhookConfig(
                    url=args.webhook_url,
                    callback_addr=args.gate_callback_addr,
                    timeout_s=gate_timeout,
                    timeout_action=args.gate_timeout_action,
                    auth_header=args.webhook_auth,
                )
            ),
            None,
        )
    if judge is not None:
        return judge, None
    if stdin_tty and stdout_tty and not args.json:
        from rich.console import Console

        from tracker.gates.console import RichConsoleInterviewer

        console = Console()
        return RichConsoleInterviewer(console), console
    from tracker.gates.console import LineConsoleInterviewer

    out = sys.stdout if stdout_tty and not args.json else sys.stderr
    return LineConsoleInterviewer(out=out), None


async def _drive(run: Any, interviewer: Any, view: Any, llm: Any) -> Any:
    import asyncio
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, run.cancel)
    if view is not None:
        view.start()
    try:
        return await run.run()
    finally:
        if view is not None:
            view.stop()
        if interviewer is not None:
            await interviewer.close()
        if llm is not None:
            await llm.aclose()
