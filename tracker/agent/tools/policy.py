"""The command policy of the agent's ``bash`` tool: what a session may not run.

The reference ships the policy as a library seam (engine spec §5.2.4 "Guardrail") and its
tool nodes use a glob denylist (§4.2.2). Our agent sessions enforce the built-in list
policy by default: ``eval``, piping into a shell, and piping a download into a shell are
refused before anything runs. Extra deny globs (the workflow's ``tool_denylist_add``)
and an optional allowlist use the tool-node glob semantics: the command is split into
statements on newlines, ``;``, ``&&`` and ``||``; a glob's ``*`` matches any run of
characters, the whole statement must match, case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_BUILTIN_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("eval", re.compile(r"\beval\b")),
    (
        "remote_script",
        re.compile(r"\b(?:curl|wget)\b[^|\n]*\|\s*(?:sudo\s+)?(?:\S*/)?(?:sh|bash|zsh)\b"),
    ),
    ("pipe_to_shell", re.compile(r"\|\s*(?:sudo\s+)?(?:\S*/)?(?:sh|bash|zsh)\b")),
)

_STATEMENT_SPLIT = re.compile(r"\n|;|&&|\|\|")
_SPACES = re.compile(r"\s+")


def split_statements(command: str) -> list[str]:
    """The non-empty, trimmed statements of ``command`` (naive split, like the reference)."""
    return [s.strip() for s in _STATEMENT_SPLIT.split(command) if s.strip()]


def _normalise(statement: str) -> str:
    collapsed = _SPACES.sub(" ", statement.replace("|", " | "))
    return collapsed.strip()


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """A case-insensitive whole-string matcher where ``*`` matches any run of characters."""
    parts = [re.escape(p) for p in pattern.strip().split("*")]
    return re.compile("^" + ".*".join(parts) + "$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Denial:
    """Why a command was refused: the policy name and one reason code per rule hit."""

    policy: str
    reasons: tuple[str, ...]

    def message(self) -> str:
        return (
            f'command denied by policy "{self.policy}" ({", ".join(self.reasons)}); '
            "it was NOT executed — rewrite it without the refused construct"
        )


@dataclass(slots=True)
class CommandPolicy:
    """Built-in deny rules plus optional extra deny globs and an allowlist.

    ``allow`` is ``None`` when no allowlist is configured (everything not denied runs);
    an empty list denies everything.
    """

    name: str = "tracker-default"
    builtin: bool = True
    deny: list[str] = field(default_factory=list)
    allow: list[str] | None = None

    @classmethod
    def default(cls, extra_deny: Sequence[str] = (), allow: Sequence[str] | None = None) -> CommandPolicy:
        deny = list(dict.fromkeys(p.strip() for p in extra_deny if p.strip()))
        allow_list = None if allow is None else [p.strip() for p in allow if p.strip()]
        return cls(deny=deny, allow=allow_list)

    def check(self, command: str) -> Denial | None:
        reasons: list[str] = []
        if self.builtin:
            for code, rule in _BUILTIN_RULES:
                if rule.search(command):
                    reasons.append(code)
                    if code == "remote_script":
                        break  # a download piped into a shell is also a pipe into a shell
        statements = split_statements(command)
        for pattern in self.deny:
            matcher = glob_to_regex(pattern)
            if any(matcher.match(_normalise(s)) for s in statements):
                reasons.append(f"denylist:{pattern}")
        if self.allow is not None:
            matchers = [glob_to_regex(p) for p in self.allow]
            if any(not any(m.match(s) for m in matchers) for s in statements) or not matchers:
                reasons.append("not_allowlisted")
        return Denial(self.name, tuple(reasons)) if reasons else None
