"""``tracker run-json [RUN]``: rebuild a run's ``run.json`` from its run directory
(engine spec §8.7.5), e.g. for a run that was killed before it could write it.

The manifest is assembled from the activity log (all attempts), the checkpoint and the
captured workflow; the source path and params of an existing ``run.json`` are kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tracker.cli.run_select import add_run_arguments, print_json, selected_run

SUMMARY = "Rebuild run.json for a run"
EXAMPLES = """\
  tracker run-json                 # the most recent run
  tracker run-json 3f2a            # one run (ID or unique prefix)
  tracker run-json 3f2a --json     # print the rebuilt manifest
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_run_arguments(p, json_help="print the manifest instead of a summary")


def _previous(run_dir: Path) -> tuple[str, dict[str, str]]:
    """``spec.source_path`` and ``spec.params`` of the run.json being replaced."""
    try:
        spec = json.loads((run_dir / "run.json").read_text(encoding="utf-8")).get("spec") or {}
    except (OSError, ValueError, AttributeError):
        return "", {}
    params = spec.get("params")
    values = {str(k): str(v) for k, v in params.items()} if isinstance(params, dict) else {}
    return str(spec.get("source_path") or ""), values


def summary(run_dir: Path, manifest: dict[str, Any]) -> str:
    totals = manifest.get("totals") or {}
    human = manifest.get("human") or {}
    lines = [
        f"wrote {run_dir / 'run.json'}",
        f"  run:    {manifest.get('run_id', run_dir.name)}",
        f"  status: {manifest.get('terminal_status') or '(none recorded — run did not emit a terminal event)'}",
        f"  nodes:  {len(manifest.get('nodes') or [])}",
    ]
    calls = int(totals.get("llm_calls") or 0)
    if calls:
        lines.append(
            f"  llm:    {calls} calls, {int(totals.get('input_tokens') or 0):,} in / "
            f"{int(totals.get('output_tokens') or 0):,} out tokens"
        )
    if human:
        lines.append(f"  human:  {int(human.get('gates') or 0)} gate events, {int(human.get('steering') or 0)} steering")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from tracker.runs.layout import RunLookupError
    from tracker.runs.manifest import write_manifest

    try:
        run_dir = selected_run(args)
        source_path, params = _previous(run_dir)
        manifest = write_manifest(run_dir, source_path=source_path, params=params)
    except RunLookupError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"error: cannot write run.json: {exc.strerror or exc}\n")
        return 1
    if args.json:
        print_json(manifest)
    else:
        sys.stdout.write(summary(run_dir, manifest))
    return 0
