"""Server settings: from ``initializationOptions`` and ``workspace/didChangeConfiguration``.

Both accept the settings either at the top level or under a ``tracker`` key, with the
camelCase names of :data:`KEYS` (see ``docs/language-server.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

_DOCS = Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md"


def default_docs_url() -> str:
    """The diagnostics reference shipped beside the package (a file URI), or ''."""
    return _DOCS.as_uri() if _DOCS.is_file() else ""


@dataclass
class Settings:
    docs_base_url: str = ""  # diagnostic code links: <base>#dip123
    debounce_ms: int = 20  # edits closer together than this are analysed together
    environment_checks: bool = True  # bash -n / PATH checks, run after a pause in typing
    slow_checks_delay_ms: int = 600
    inlay_hints: bool = True
    code_lens: bool = True
    semantic_tokens: bool = True
    watch_files: bool = True  # ask the client to report changes to files on disk
    gate_timeout_seconds: int = 0  # editor runs: fail a gate left unanswered this long (0 = wait)

    def update(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        if isinstance(data.get("tracker"), dict):
            data = data["tracker"]
        for f in fields(self):
            camel = _camel(f.name)
            if camel in data:
                value = data[camel]
                current = getattr(self, f.name)
                if isinstance(current, bool):
                    setattr(self, f.name, bool(value))
                elif isinstance(current, int):
                    try:
                        setattr(self, f.name, max(0, int(value)))
                    except (TypeError, ValueError):
                        continue
                elif isinstance(value, str):
                    setattr(self, f.name, value)

    def docs_url(self, code: str) -> str:
        base = self.docs_base_url or default_docs_url()
        return f"{base}#{code.lower()}" if base else ""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


KEYS = tuple(_camel(f.name) for f in fields(Settings))
