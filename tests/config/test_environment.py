"""Loading ``.env`` files: process environment > workdir ``.env`` > user config ``.env``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config import DotenvError, config_dir, load_env_files, user_env_path


def test_config_dir_location(tmp_path: Path) -> None:
    assert config_dir({"XDG_CONFIG_HOME": str(tmp_path), "HOME": "/h"}) == tmp_path / "tracker"
    assert config_dir({"XDG_CONFIG_HOME": "relative", "HOME": "/h"}) == Path("/h/.config/tracker")
    assert user_env_path({"HOME": "/h"}) == Path("/h/.config/tracker/.env")


def test_precedence(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    (xdg / "tracker").mkdir(parents=True)
    (xdg / "tracker" / ".env").write_text("A=config\nB=config\nC=config\n")
    work = tmp_path / "work"
    work.mkdir()
    (work / ".env").write_text("B=workdir\nC=workdir\n")
    env = {"XDG_CONFIG_HOME": str(xdg), "C": "process"}
    loaded = load_env_files(work, env)
    assert (env["A"], env["B"], env["C"]) == ("config", "workdir", "process")
    assert loaded.source_of("A") == str(xdg / "tracker" / ".env")
    assert loaded.source_of("B") == str(work / ".env")
    assert loaded.source_of("C") == "environment"
    assert loaded.files == [xdg / "tracker" / ".env", work / ".env"]


def test_missing_files_are_fine_and_malformed_ones_fail(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "none")}
    assert load_env_files(tmp_path, env).files == []
    (tmp_path / ".env").write_text("OK=1\nbroken line\n")
    with pytest.raises(DotenvError, match=r"\.env:2:8: expected '=' after broken"):
        load_env_files(tmp_path, env)
