"""The built-in workflows shipped in ``tracker/workflows/`` (engine spec §8.8).

A catalogue entry is read from the file's header only — the lines before ``start:`` —
so listing the built-ins never runs the parser: ``name`` is the file name without
``.dip``, ``display_name`` the ``workflow`` declaration, ``goal`` the header ``goal:``
without quotes and ``requires`` the deduplicated ``requires:`` list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

STARTER_SPEC_WORKFLOWS = ("build_product", "build_product_with_superspec")
STARTER_SPEC = """\
# greet — a tiny command-line greeter

A starter spec for `tracker init`. Replace it with what you want built; keep the
numbered requirements and the acceptance checks, they are what the workflow builds
and verifies against.

## Overview

`greet` is a command-line program written in Go (a single module, standard library
only) that prints a greeting.

## Requirements

1. `greet` with no arguments prints `Hello, world!` and a newline, and exits 0.
2. `greet NAME` prints `Hello, NAME!` and a newline, and exits 0.
3. `greet --shout NAME` prints the same greeting in upper case.
4. More than one name, or an unknown flag, prints a one-line usage message to
   standard error and exits 2.
5. The greeting is built by a function `Greeting(name string, shout bool) string`
   in package `greet`, separate from `main`.

## Acceptance

- `go build ./...` and `go test ./...` succeed.
- Unit tests cover `Greeting` for an empty name, a name and shouting.
- A test runs the built binary for requirements 1, 2 and 4.
"""


@dataclass(frozen=True, slots=True)
class BuiltinWorkflow:
    """One catalogue entry."""

    name: str
    display_name: str
    goal: str
    requires: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "goal": self.goal,
            "requires": list(self.requires),
        }


def _folder() -> Any:
    return resources.files("tracker").joinpath("workflows")


def names() -> list[str]:
    """The built-in workflow names, sorted."""
    try:
        return sorted(p.name[: -len(".dip")] for p in _folder().iterdir() if p.name.endswith(".dip"))
    except (FileNotFoundError, NotADirectoryError):
        return []


def source(name: str) -> bytes | None:
    """The embedded ``.dip`` source of a built-in, or ``None`` for an unknown name."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    resource = _folder().joinpath(f"{name}.dip")
    return resource.read_bytes() if resource.is_file() else None


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def entry(name: str, text: str) -> BuiltinWorkflow:
    """The catalogue entry of one workflow source (header lines before ``start:``)."""
    display = goal = ""
    requires: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("start:"):
            break
        if line.startswith("workflow ") and not display:
            display = line[len("workflow ") :].strip()
        elif line.startswith("goal:"):
            goal = _unquote(line[len("goal:") :])
        elif line.startswith("requires:"):
            for item in line[len("requires:") :].split(","):
                item = _unquote(item)
                if item and item not in requires:
                    requires.append(item)
    return BuiltinWorkflow(name, display or name, goal, tuple(requires))


def workflows() -> list[BuiltinWorkflow]:
    """Every built-in workflow, sorted by name."""
    out = []
    for name in names():
        data = source(name)
        if data is not None:
            out.append(entry(name, data.decode("utf-8", errors="replace")))
    return out


def lookup(name: str) -> BuiltinWorkflow | None:
    data = source(name)
    return entry(name, data.decode("utf-8", errors="replace")) if data is not None else None
