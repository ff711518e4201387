"""Resolve a workflow argument: a path, ``NAME.dip`` in the workdir, or a built-in name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class UnknownWorkflow(Exception):
    pass


@dataclass
class WorkflowSource:
    name: str
    path: Path | None  # None for built-ins
    text: bytes

    @property
    def display(self) -> str:
        return str(self.path) if self.path is not None else f"<built-in {self.name}>"


def builtin_names() -> list[str]:
    """Names of the workflows shipped with the package (``tracker/workflows/*.dip``)."""
    from importlib import resources

    root = resources.files("tracker").joinpath("workflows")
    try:
        return sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".dip"))
    except (FileNotFoundError, NotADirectoryError):
        return []


def builtin_source(name: str) -> bytes | None:
    from importlib import resources

    res = resources.files("tracker").joinpath("workflows", f"{name}.dip")
    return res.read_bytes() if res.is_file() else None


def resolve_workflow(arg: str, cwd: Path | None = None) -> WorkflowSource:
    """Apply the reference's resolution order (engine spec §8.6.2)."""
    base = cwd or Path.cwd()
    looks_like_path = "/" in arg or "\\" in arg or arg.endswith((".dip", ".dipx", ".dot"))
    if looks_like_path:
        path = Path(arg)
        path = path if path.is_absolute() else base / path
        return WorkflowSource(path.stem, path, path.read_bytes())
    for candidate in (base / f"{arg}.dip", base / arg):
        if candidate.is_file():
            return WorkflowSource(arg, candidate, candidate.read_bytes())
    text = builtin_source(arg)
    if text is not None:
        return WorkflowSource(arg, None, text)
    names = builtin_names()
    msg = f'unknown pipeline "{arg}" (no local file found, not a built-in workflow)'
    if names:
        msg += f"\nAvailable built-in workflows: {', '.join(names)}\nRun `tracker workflows` to see them."
    raise UnknownWorkflow(msg)
