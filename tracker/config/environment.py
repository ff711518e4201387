"""Loading ``.env`` files into the process environment (engine spec §8.5, Appendix D.12).

Precedence: the process environment > ``<workdir>/.env`` > the user config ``.env``. A key
present in the environment before loading is never overwritten; the workdir file is read
after the config file and wins over it.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from tracker.config.dotenv import read_dotenv
from tracker.config.paths import user_env_path, workdir_env_path


@dataclass(slots=True)
class LoadedEnv:
    """Which keys came from which file (values are not kept here)."""

    files: list[Path] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)

    def source_of(self, key: str) -> str:
        path = self.sources.get(key)
        return str(path) if path is not None else "environment"


def env_files(workdir: Path, environ: MutableMapping[str, str] | None = None) -> list[Path]:
    """The files in loading order: user config first, then the workdir's."""
    return [user_env_path(environ), workdir_env_path(workdir)]


def load_env_files(workdir: Path, environ: MutableMapping[str, str] | None = None) -> LoadedEnv:
    """Apply the ``.env`` files to ``environ`` (default: ``os.environ``). Raises
    :class:`~tracker.config.dotenv.DotenvError` for a malformed file."""
    env = os.environ if environ is None else environ
    protected = set(env)
    loaded = LoadedEnv()
    for path in env_files(workdir, env):
        if not path.is_file():
            continue
        values = read_dotenv(path)
        loaded.files.append(path)
        for key, value in values.items():
            if key in protected:
                continue
            env[key] = value
            loaded.sources[key] = path
    return loaded
