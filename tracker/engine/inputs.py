"""Declared workflow inputs: validate caller values and seed ``inputs.<name>`` (engine spec §3.9).

``file`` and ``secret`` inputs are staged into ``<workdir>/.tracker/inputs/<name>``
(directory 0700, file 0600) and the context holds the relative path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tracker.dippin.ir import InputDecl

MAX_STAGED_BYTES = 10 * 1024 * 1024


class InputError(Exception):
    pass


def _validate_one(decl: InputDecl, value: str) -> str:
    kind = decl.type
    if kind == "number":
        try:
            number = float(value)
        except ValueError as exc:
            raise InputError(f'input "{decl.name}": {value!r} is not a number') from exc
        if decl.min is not None and number < decl.min:
            raise InputError(f'input "{decl.name}": {value} is below the minimum {decl.min:g}')
        if decl.max is not None and number > decl.max:
            raise InputError(f'input "{decl.name}": {value} is above the maximum {decl.max:g}')
        return value
    if kind == "bool":
        lowered = value.strip().lower()
        if lowered not in ("true", "false"):
            raise InputError(f'input "{decl.name}": expected true or false, got {value!r}')
        return lowered
    if kind == "enum":
        if decl.options and value not in decl.options:
            raise InputError(f'input "{decl.name}": {value!r} is not one of {", ".join(decl.options)}')
        return value
    if kind in ("text", "file", "secret"):
        if kind == "text":
            if decl.pattern and not re.search(decl.pattern, value):
                raise InputError(f'input "{decl.name}": {value!r} does not match {decl.pattern!r}')
            if decl.max_length and len(value) > decl.max_length:
                raise InputError(f'input "{decl.name}": longer than {decl.max_length} characters')
        return value
    raise InputError(f'input "{decl.name}": unknown input type "{kind}"')


def _stage(workdir: Path, name: str, content: str) -> str:
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        raise InputError(f'input "{name}": the name must be a single path segment to be staged')
    data = content.encode("utf-8")
    if len(data) > MAX_STAGED_BYTES:
        raise InputError(f'input "{name}": larger than 10 MiB')
    folder = workdir / ".tracker" / "inputs"
    if folder.is_symlink():
        raise InputError(f"{folder} is a symbolic link; refusing to stage inputs there")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / name
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return f".tracker/inputs/{name}"


def bind_inputs(
    decls: list[InputDecl], values: dict[str, str], workdir: Path, *, resuming: bool = False
) -> tuple[dict[str, str], list[str]]:
    """Context seed (``inputs.<name>``) and notes about undeclared values."""
    seed: dict[str, str] = {}
    notes: list[str] = []
    declared = {d.name: d for d in decls}
    for name in values:
        if name not in declared:
            notes.append(f'input "{name}" is not declared by this workflow; ignored')
    errors: list[str] = []
    for decl in decls:
        if decl.name in values:
            raw = values[decl.name]
        elif decl.default is not None:
            raw = decl.default
        elif decl.required and not resuming:
            errors.append(f'missing required input "{decl.name}"')
            continue
        else:
            continue
        try:
            value = _validate_one(decl, raw)
            if decl.type in ("file", "secret") and decl.name in values:
                value = _stage(workdir, decl.name, value)
        except InputError as exc:
            errors.append(str(exc))
            continue
        seed[f"inputs.{decl.name}"] = value
    if errors:
        raise InputError("invalid workflow inputs: " + "; ".join(errors))
    return seed, notes
