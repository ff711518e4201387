"""Reading and writing ``.env`` files.

Syntax: ``KEY=VALUE`` lines, an optional ``export`` prefix, ``#`` comments and blank
lines. Values may be single-quoted (literal), double-quoted (``\\n``, ``\\t``, ``\\"``
and ``\\\\`` escapes) or bare (a `` #`` starts a trailing comment). A malformed line is a
:class:`DotenvError` naming the file, line and column.

Writes replace or append keys while keeping every other line, and are atomic: a temporary
file in the same directory (mode 0600) replaces the original. Values never appear in
error messages.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_DOUBLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}
_BARE_SAFE = re.compile(r"^[A-Za-z0-9_./:@+,=%~-]*$")


class DotenvError(ValueError):
    def __init__(self, path: Path | str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path = str(path)
        self.line = line
        self.column = column
        self.message = message


def _split_key(raw: str, path: Path | str, number: int) -> tuple[str, str, int]:
    """(key, rest after ``=``, 1-based column of the value)."""
    offset = len(raw) - len(raw.lstrip())
    body = raw.lstrip()
    if body.startswith("export ") or body.startswith("export\t"):
        stripped = body[len("export") :].lstrip()
        offset += len(body) - len(stripped)
        body = stripped
    match = _KEY.match(body)
    if not match:
        raise DotenvError(path, number, offset + 1, "expected a variable name (letters, digits, _)")
    key = match.group(0)
    rest = body[match.end() :]
    spaces = len(rest) - len(rest.lstrip(" \t"))
    rest = rest.lstrip(" \t")
    if not rest.startswith("="):
        raise DotenvError(path, number, offset + match.end() + spaces + 1, f"expected '=' after {key}")
    value = rest[1:]
    column = offset + match.end() + spaces + 2 + (len(value) - len(value.lstrip(" \t")))
    return key, value.lstrip(" \t"), column


def _parse_value(value: str, path: Path | str, number: int, column: int) -> str:
    if value.startswith("'"):
        end = value.find("'", 1)
        if end == -1:
            raise DotenvError(path, number, column, "unterminated single-quoted value")
        _check_trailer(value[end + 1 :], path, number, column + end + 1)
        return value[1:end]
    if value.startswith('"'):
        out: list[str] = []
        i = 1
        while i < len(value):
            ch = value[i]
            if ch == "\\" and i + 1 < len(value):
                nxt = value[i + 1]
                out.append(_DOUBLE_ESCAPES.get(nxt, "\\" + nxt))
                i += 2
                continue
            if ch == '"':
                _check_trailer(value[i + 1 :], path, number, column + i + 1)
                return "".join(out)
            out.append(ch)
            i += 1
        raise DotenvError(path, number, column, "unterminated double-quoted value")
    comment = re.search(r"\s#", value)
    if comment:
        value = value[: comment.start()]
    return value.strip()


def _check_trailer(rest: str, path: Path | str, number: int, column: int) -> None:
    stripped = rest.strip()
    if stripped and not stripped.startswith("#"):
        raise DotenvError(path, number, column + 1, "unexpected text after the closing quote")


def parse_dotenv(text: str, path: Path | str = "<.env>") -> dict[str, str]:
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        key, rest, column = _split_key(raw, path, number)
        values[key] = _parse_value(rest, path, number, column)
    return values


def read_dotenv(path: Path) -> dict[str, str]:
    """The file's values; an absent file reads as empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise DotenvError(path, 1, 1, f"not UTF-8 text ({exc.reason})") from exc
    return parse_dotenv(text, path)


def format_value(value: str) -> str:
    if _BARE_SAFE.match(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("$", "\\$")
    return f'"{escaped}"'


def update_dotenv(path: Path, updates: Mapping[str, str]) -> list[str]:
    """Set ``updates`` in the file (creating it and its directory, mode 0700), keeping
    every other line. Returns the keys whose value changed. Atomic; the file is 0600."""
    existing = read_dotenv(path)
    changed = [k for k, v in updates.items() if existing.get(k) != v]
    if not changed and path.exists():
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    pending = dict(updates)
    out: list[str] = []
    for raw in lines:
        body = raw.strip()
        if body and not body.startswith("#"):
            key = _split_key(raw, path, 0)[0]
            if key in pending:
                out.append(f"{key}={format_value(pending.pop(key))}")
                continue
        out.append(raw)
    out.extend(f"{key}={format_value(value)}" for key, value in pending.items())
    _atomic_write(path, "\n".join(out) + "\n")
    return changed


def _atomic_write(path: Path, text: str) -> None:
    directory = path.parent
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".env.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
