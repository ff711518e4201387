"""tracker.config — user configuration: the config directory, ``.env`` files and the
provider credentials they hold (engine spec §8.5, Appendix D.12).

Precedence of settings: process environment > ``<workdir>/.env`` > the user config
``.env`` (``$XDG_CONFIG_HOME/tracker/.env``, default ``~/.config/tracker/.env``).
"""

from __future__ import annotations

from tracker.config.dotenv import DotenvError, parse_dotenv, read_dotenv, update_dotenv
from tracker.config.environment import LoadedEnv, env_files, load_env_files
from tracker.config.paths import config_dir, user_env_path, workdir_env_path
from tracker.config.providers import (
    PROVIDER_NAMES,
    PROVIDER_VARIABLES,
    PROVIDERS,
    ProviderKeys,
    find_key,
    key_problem,
    mask,
    provider,
)

__all__ = [
    "PROVIDERS",
    "PROVIDER_NAMES",
    "PROVIDER_VARIABLES",
    "DotenvError",
    "LoadedEnv",
    "ProviderKeys",
    "config_dir",
    "env_files",
    "find_key",
    "key_problem",
    "load_env_files",
    "mask",
    "parse_dotenv",
    "provider",
    "read_dotenv",
    "update_dotenv",
    "user_env_path",
    "workdir_env_path",
]
