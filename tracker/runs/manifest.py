"""``run.json`` (the run manifest) and the captured workflow files (engine spec §7.9.4, D.8).

The manifest is assembled from the activity log (all attempts, including resumes), the
checkpoint and the captured ``workflow.dip``; it is rewritten at the end of every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from json.encoder import encode_basestring as _encode_str
from pathlib import Path
from typing import Any

from tracker.runs.activity import load_activity
from tracker.runs.layout import CHECKPOINT, RUN_JSON

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CALL_TYPES = ("finish", "llm_finish")


def write_private(path: Path, data: bytes) -> None:
    """Create/overwrite ``path`` with mode 0600, refusing symlinks (hardened create)."""
    if path.is_symlink():
        raise OSError(f"{path} is a symbolic link")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


_NO_KEY = object()  # list items have no key


def _indented(value: Any, indent: str, out: list[str]) -> None:
    """Append ``json.dumps(value, indent=2, ensure_ascii=False)`` text to ``out`` (the
    standard library encodes indented JSON in pure Python, several times slower)."""
    if isinstance(value, str):
        out.append(_encode_str(value))
    elif isinstance(value, (dict, list)):
        if not value:
            out.append("{}" if isinstance(value, dict) else "[]")
            return
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        inner = indent + "  "
        out.append(opening + "\n" + inner)
        pairs = value.items() if isinstance(value, dict) else ((_NO_KEY, item) for item in value)
        for i, (key, item) in enumerate(pairs):
            if i:
                out.append(",\n" + inner)
            if key is not _NO_KEY:
                if not isinstance(key, str):
                    raise TypeError("non-string key")
                out.append(_encode_str(key) + ": ")
            _indented(item, inner, out)
        out.append("\n" + indent + closing)
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif type(value) is int:
        out.append(int.__repr__(value))
    elif type(value) is float and math.isfinite(value):
        out.append(float.__repr__(value))
    else:
        raise TypeError(f"left to the json module: {type(value).__name__}")


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, faster for plain JSON data."""
    out: list[str] = []
    try:
        _indented(value, "", out)
    except (TypeError, RecursionError):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return "".join(out)


def ir_json(ir_data: Any) -> bytes:
    return (dumps_indented(ir_data) + "\n").encode()


def capture_workflow(run_dir: Path, source: bytes, ir_text: bytes) -> None:
    """``workflow.dip`` (bytes as loaded) and ``workflow.ir.json``."""
    if run_dir.is_symlink():
        raise OSError(f"{run_dir} is a symbolic link")
    write_private(run_dir / "workflow.dip", source)
    write_private(run_dir / "workflow.ir.json", ir_text)


def _usage_record(line: dict[str, Any]) -> dict[str, Any]:
    return {
        "input_tokens": int(line.get("token_input") or 0),
        "output_tokens": int(line.get("token_output") or 0),
        "cache_read_tokens": int(line.get("cache_read_tokens") or 0),
        "cache_write_tokens": int(line.get("cache_write_tokens") or 0),
        "reasoning_tokens": int(line.get("reasoning_tokens") or 0),
        "cost_usd": float(line.get("estimated_cost") or 0.0),
    }


def _sum(records: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for rec in records:
        for key, value in rec.items():
            total[key] = total.get(key, 0) + value
    return {k: v for k, v in total.items() if v}


def build_manifest(run_dir: Path, *, source_path: str = "", params: dict[str, str] | None = None) -> dict[str, Any]:
    log = load_activity(run_dir, sort=False)
    entries = log.entries
    try:
        checkpoint = json.loads((run_dir / CHECKPOINT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        checkpoint = {}
    spec: dict[str, Any] = {}
    if source_path:
        spec["source_path"] = source_path
    dip = run_dir / "workflow.dip"
    if dip.is_file():
        spec["source_file"] = "workflow.dip"
        spec["source_sha256"] = hashlib.sha256(dip.read_bytes()).hexdigest()
    ir_file = run_dir / "workflow.ir.json"
    goal = str((checkpoint.get("context") or {}).get("graph.goal", ""))
    if ir_file.is_file():
        spec["ir_file"] = "workflow.ir.json"
        if not goal:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                goal = str(json.loads(ir_file.read_text(encoding="utf-8")).get("goal", ""))
    if params:
        spec["params"] = dict(sorted(params.items()))
    bundle = str(checkpoint.get("bundle_identity", ""))
    if bundle:
        spec["bundle_identity"] = bundle

    nodes: dict[str, dict[str, Any]] = {}
    event_counts: dict[str, int] = {}
    tool_calls: dict[str, int] = {}
    gates = steering = 0
    terminal = ""
    call_records: dict[str, tuple[str, dict[str, Any]]] = {}
    call_seq = 0
    turn_records: dict[str, list[dict[str, Any]]] = {}
    rollup_records: dict[str, list[dict[str, Any]]] = {}
    completions: dict[str, int] = {}
    call_ids: set[str] = set()
    for line in entries:
        type_ = str(line.get("type", ""))
        event_counts[type_] = event_counts.get(type_, 0) + 1
        nid = str(line.get("node_id", ""))
        if nid:
            node = nodes.setdefault(nid, {"id": nid, "attempts": 1})
            if line.get("node_kind"):
                node["kind"] = line["node_kind"]
            if line.get("attempt_no"):
                node["attempts"] = max(node["attempts"], int(line["attempt_no"]))
            if line.get("outcome_status"):
                node["outcome"] = line["outcome_status"]
            if type_ == "turn_start":
                node["turns"] = node.get("turns", 0) + 1
            if type_ == "stage_failed":
                node["failed"] = True
        if line.get("terminal_status"):
            terminal = str(line["terminal_status"])
        if type_ in ("gate_opened", "gate_resolved"):
            gates += 1
        if type_ == "steering_injected":
            steering += 1
        if type_ == "tool_call_start" and line.get("tool_name"):
            name = str(line["tool_name"])
            tool_calls[name] = tool_calls.get(name, 0) + 1
        if type_ in CALL_TYPES:
            completions[str(line.get("source", ""))] = completions.get(str(line.get("source", "")), 0) + 1
            if line.get("call_id"):
                call_ids.add(str(line["call_id"]))
        if not (line.get("token_input") or line.get("token_output") or line.get("estimated_cost")):
            continue
        rec = _usage_record(line)
        if type_ == "decision_outcome":
            rollup_records.setdefault(nid, []).append(rec)
        elif type_ == "turn_metrics":
            turn_records.setdefault(nid, []).append(rec)
        else:
            key = str(line.get("call_id") or f"#{call_seq}")
            call_seq += 1
            previous = call_records.get(key)
            call_records[key] = (nid or (previous[0] if previous else ""), rec)
    per_call: dict[str, list[dict[str, Any]]] = {}
    for nid, rec in call_records.values():
        per_call.setdefault(nid, []).append(rec)
    totals: dict[str, Any] = {}
    for nid in set(per_call) | set(turn_records) | set(rollup_records):
        tiers = [per_call.get(nid, []), turn_records.get(nid, []), rollup_records.get(nid, [])]
        tokens_tier = next((t for t in tiers if any(r["input_tokens"] or r["output_tokens"] for r in t)), [])
        cost_tier = next((t for t in tiers if any(r["cost_usd"] for r in t)), [])
        usage = _sum([{k: v for k, v in r.items() if k != "cost_usd"} for r in tokens_tier])
        cost = sum(r["cost_usd"] for r in cost_tier)
        if cost:
            usage["cost_usd"] = cost
        for key, value in usage.items():
            totals[key] = totals.get(key, 0) + value
        if nid and usage and nid in nodes:
            nodes[nid]["usage"] = usage
    llm_calls = max([len(call_ids), *completions.values()] if completions else [len(call_ids)])
    if llm_calls:
        totals["llm_calls"] = llm_calls
    for nid in checkpoint.get("completed_nodes") or []:
        nodes.setdefault(str(nid), {"id": str(nid), "attempts": 1, "outcome": "success"})
    manifest: dict[str, Any] = {
        "schema_version": 1,
        "run_id": str(checkpoint.get("run_id") or run_dir.name),
        "goal": goal,
        "spec": spec,
    }
    if entries:
        manifest["started_at"] = entries[0].get("ts", "")
        manifest["finished_at"] = entries[-1].get("ts", "")
    if terminal:
        manifest["terminal_status"] = terminal
    manifest["reached_node"] = str(checkpoint.get("current_node", ""))
    manifest["completed_nodes"] = list(checkpoint.get("completed_nodes") or [])
    manifest["restart_count"] = int(checkpoint.get("restart_count") or 0)
    manifest["nodes"] = list(nodes.values())
    manifest["totals"] = totals
    human = {k: v for k, v in (("gates", gates), ("steering", steering)) if v}
    manifest["human"] = human
    manifest["tool_calls"] = tool_calls
    manifest["event_counts"] = event_counts
    if bundle:
        manifest["bundle_identity"] = bundle
    return manifest


def write_manifest(run_dir: Path, **kwargs: Any) -> dict[str, Any]:
    manifest = build_manifest(run_dir, **kwargs)
    write_private(run_dir / RUN_JSON, (dumps_indented(manifest) + "\n").encode())
    return manifest
