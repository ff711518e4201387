"""The ``grep_search`` tool: a regular-expression search over files (engine spec §5.2.5).

Directories are walked recursively in lexical order, skipping hidden directories, build
and dependency folders and binary files. Output lines are ``path:line:text`` for matches
and ``path-line-text`` for context lines; at most 100 lines are collected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from tracker.agent.environment import ToolError
from tracker.agent.tools.base import Arguments, Param, Tool, ToolContext

MAX_LINES = 100
MAX_LINE_BYTES = 64 * 1024
SKIP_DIRS = frozenset({"__pycache__", "build", "dist", "node_modules", "venv"})
BINARY_EXTENSIONS = frozenset(
    [".exe", ".bin", ".so", ".dylib", ".dll", ".o", ".a", ".obj", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".zip", ".tar", ".gz", ".bz2", ".xz", ".7z", ".pdf", ".wasm"]
)


class _LongLine(Exception):
    pass


def _walk(directory: Path) -> Iterator[Path]:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if is_dir:
            name = entry.name
            if name.startswith(".") or name in SKIP_DIRS or name.endswith(".egg-info"):
                continue
            yield from _walk(Path(entry.path))
        elif os.path.splitext(entry.name)[1].lower() not in BINARY_EXTENSIONS:
            yield Path(entry.path)


def _read_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if any(len(line) > MAX_LINE_BYTES for line in lines):
        raise _LongLine
    return [line.decode("utf-8", errors="replace").rstrip("\r") for line in lines]


def _windows(hits: list[int], context: int, count: int) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    for hit in hits:
        start, end = max(0, hit - context), min(count - 1, hit + context)
        if windows and start <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


class GrepSearchTool(Tool):
    name = "grep_search"
    description = (
        "Search file contents with a regular expression. 'path' is a file or directory "
        "relative to the working directory (default '.'); 'context_lines' adds lines around "
        "each match. Returns path:line:text lines."
    )
    params = (
        Param("pattern", "string", "Regular expression to search for.", required=True),
        Param("path", "string", "File or directory to search (default '.')."),
        Param("context_lines", "integer", "Lines of context around each match (default 0)."),
    )
    cache_policy = "cacheable"
    output_limit = 20_000

    async def run(self, args: Arguments, ctx: ToolContext) -> str:
        pattern = args.required_text("pattern")
        path = args.text("path") or "."
        context = max(args.integer("context_lines"), 0)
        target = ctx.env.resolve(path)
        if not target.exists():
            raise ToolError(f"path not found: {path}")
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ToolError(f"invalid regex: {exc}") from exc
        root = ctx.env.root
        if target.is_dir():
            files: list[Path] = list(_walk(target))
        else:
            files = [target]
        out: list[str] = []
        total = 0
        for file in files:
            try:
                lines = _read_lines(file)
            except _LongLine:
                if target.is_dir():
                    continue
                raise ToolError(f"{path}: a line is longer than {MAX_LINE_BYTES} bytes") from None
            except OSError:
                if target.is_dir():
                    continue
                raise
            hits = [i for i, line in enumerate(lines) if regex.search(line)]
            total += len(hits)
            if not hits or len(out) >= MAX_LINES:
                continue
            rel = os.path.relpath(file, root)
            hit_set = set(hits)
            for number, (start, end) in enumerate(_windows(hits, context, len(lines))):
                if number and len(out) < MAX_LINES:
                    out.append("--")
                for i in range(start, end + 1):
                    if len(out) >= MAX_LINES:
                        break
                    sep = ":" if i in hit_set else "-"
                    out.append(f"{rel}{sep}{i + 1}{sep}{lines[i]}")
        if total == 0:
            return f'no matches for pattern "{pattern}"'
        text = "\n".join(out)
        if len(out) >= MAX_LINES:
            text += (
                f"\n\n(showing first {MAX_LINES} of {total} total matches — narrow your search pattern)"
            )
        return text
