"""Where tracker keeps user configuration (engine spec §8.5).

The config directory is ``$XDG_CONFIG_HOME/tracker`` when ``XDG_CONFIG_HOME`` is an
absolute path, else ``~/.config/tracker``; ``tracker setup`` writes its ``.env`` there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ENV_FILE_NAME = ".env"


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_CONFIG_HOME", "").strip()
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "tracker"
    home = env.get("HOME", "").strip()
    base = Path(home) if home else Path.home()
    return base / ".config" / "tracker"


def user_env_path(environ: Mapping[str, str] | None = None) -> Path:
    """The user-level ``.env`` written by ``tracker setup``."""
    return config_dir(environ) / ENV_FILE_NAME


def workdir_env_path(workdir: Path) -> Path:
    return workdir / ENV_FILE_NAME
