"""Tool-command denylist and allowlist (engine spec §4.2.2).

A command is split into statements on newlines, ``;``, ``&&`` and ``||``. The built-in
denylist (plus ``--tool-denylist-add`` and the workflow's ``tool_denylist_add``) refuses
``eval``, ``exec``, ``source``, dot-sourcing, ``curl|…``/``wget|…`` and piping into a
shell; ``--bypass-denylist`` turns all of that off. When an allowlist is configured every
statement must match one of its patterns. Patterns are case-insensitive globs where
``*`` matches anything and the whole statement must match.
"""

from __future__ import annotations

import re
from functools import lru_cache

BUILTIN_DENY = (
    "eval *", "exec *", "source *", ". ./*", ". /*", "curl * | *", "wget * | *",
    "* | sh", "* | sh *", "* | bash", "* | bash *", "* | zsh", "* | zsh *",
    "* | /bin/sh", "* | /bin/sh *", "* | /bin/bash", "* | /bin/bash *",
)  # fmt: skip
_SPLIT = re.compile(r"\n|;|&&|\|\|")
_EXEC_REDIRECT_ONLY = re.compile(r"^exec(\s+[0-9]*[<>]{1,2}&?\s*\S*)+\s*$")
_PIPE = re.compile(r"\s*\|\s*")


class CommandRefused(Exception):
    pass


@lru_cache(maxsize=512)
def _glob(pattern: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in pattern.split("*")]
    return re.compile("^" + ".*".join(parts) + "$", re.IGNORECASE | re.DOTALL)


def statements(command: str) -> list[str]:
    return [s.strip() for s in _SPLIT.split(command) if s.strip()]


def _normalise(statement: str) -> str:
    collapsed = " ".join(statement.split())
    return _PIPE.sub(" | ", collapsed)


def split_patterns(values: list[str] | str) -> list[str]:
    items = [values] if isinstance(values, str) else values
    out: list[str] = []
    for item in items:
        out += [p.strip() for p in item.split(",") if p.strip()]
    return list(dict.fromkeys(out))


def check_command(command: str, *, deny_extra: list[str], allow: list[str], bypass_denylist: bool) -> None:
    """Raise :class:`CommandRefused` when a statement is denied or not allowed."""
    parts = statements(command)
    if not bypass_denylist:
        patterns = list(dict.fromkeys([*BUILTIN_DENY, *deny_extra]))
        for statement in parts:
            normal = _normalise(statement)
            if normal.lower().startswith("exec") and _EXEC_REDIRECT_ONLY.match(normal):
                continue
            for pattern in patterns:
                if _glob(pattern).match(normal):
                    raise CommandRefused(
                        f"tool command statement {statement!r} matches the denylist pattern {pattern!r}"
                        " (use --bypass-denylist to allow it)"
                    )
    if allow:
        for statement in parts:
            if not any(_glob(p).match(statement) for p in allow):
                raise CommandRefused(
                    f"tool command statement {statement!r} matches no allowlist pattern ({', '.join(allow)})"
                )
