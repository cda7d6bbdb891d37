"""Where fintui's files are when the config leaves them to their defaults (XDG folders)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def state_dir_from(configured: str) -> Path:
    """[paths] state_dir; else $XDG_STATE_HOME/fintui (~/.local/state/fintui)."""
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "fintui"


def agent_socket_path(configured: str, state_dir: Path,
                      env: Mapping[str, str] | None = None) -> Path:
    """[agent] socket; else $XDG_RUNTIME_DIR/fintui/agent.sock (per user, gone at logout),
    else <state_dir>/agent.sock."""
    if configured:
        return Path(configured).expanduser()
    runtime = (os.environ if env is None else env).get("XDG_RUNTIME_DIR", "")
    if runtime and Path(runtime).is_absolute():
        return Path(runtime) / "fintui" / "agent.sock"
    return state_dir / "agent.sock"


def user_config_candidate() -> Path:
    """$XDG_CONFIG_HOME/fintui/config.toml (~/.config/fintui/config.toml)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "fintui" / "config.toml"
