"""Choices made in the console that outlive it (today: the theme), in a small TOML file
beside the config so that the user's own config file is never rewritten."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from fintui.private_files import private_dir


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "fintui"


class Preferences:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_home() / "preferences.toml"
        self.error = ""  # why the file could not be read or written, for the screen

    def _read(self) -> dict[str, Any]:
        try:
            return tomllib.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            self.error = f"{self.path}: {exc}"
            return {}

    def theme(self) -> str | None:
        value = self._read().get("theme")
        return value if isinstance(value, str) and value else None

    def save_theme(self, name: str) -> bool:
        data = self._read()
        data["theme"] = name
        try:
            private_dir(self.path.parent)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text("# Written by fintui: choices made in the console.\n"
                           + tomli_w.dumps(data), encoding="utf-8")
            tmp.replace(self.path)  # atomic: a crash never leaves half a file
        except OSError as exc:
            self.error = f"cannot save the theme choice to {self.path}: {exc}"
            return False
        return True
