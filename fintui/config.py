"""TOML settings: the shipped defaults are the schema; a user file may override any subset.

Errors name the file, the line where known and the dotted key, in one line, so the CLI can
print them and exit 2 without a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_HOST = "unix:///var/run/docker.sock"


class ConfigError(Exception):
    def __init__(self, path: str, message: str, key: str = "", line: int | None = None) -> None:
        self.path = path
        self.key = key
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        key = f" key '{self.key}':" if self.key else ""
        return f"{where}:{key} {self.message}"


@dataclass(frozen=True, slots=True)
class UiSettings:
    refresh_interval: float
    theme: str
    sparkline_points: int
    log_tail_lines: int
    group_by_service: bool


@dataclass(frozen=True, slots=True)
class DockerSettings:
    host: str
    request_timeout: float
    connect_timeout: float
    stats_concurrency: int
    reconnect_max_backoff: float
    inspect_refresh: float


@dataclass(frozen=True, slots=True)
class Settings:
    ui: UiSettings
    docker: DockerSettings
    state_dir: Path
    demo_seed: int
    source_file: str  # the user file that was merged, "" when defaults only


def default_config_text() -> str:
    """The shipped defaults: inside the wheel, or beside the package in a source checkout."""
    packaged = resources.files("fintui").joinpath("_data/config/default.toml")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "config" / "default.toml").read_text(
        encoding="utf-8"
    )


def user_config_path(explicit: str | None) -> Path | None:
    """--config wins; otherwise $XDG_CONFIG_HOME/fintui/config.toml when it exists."""
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    candidate = Path(base) / "fintui" / "config.toml"
    try:
        return candidate if candidate.is_file() else None
    except OSError as exc:
        # Silently running without the operator's settings (roles, freezes) would be worse.
        raise ConfigError(str(candidate), f"cannot read: {exc.strerror or exc}") from None


def _positive(value: Any) -> str | None:
    return None if value > 0 else "must be greater than 0"


def _url(value: Any) -> str | None:
    if value == "" or re.match(r"^(unix|tcp|http|https)://", value):
        return None
    return "must start with unix:// or tcp://"


# Range checks the types alone cannot express.
_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "ui.refresh_interval": _positive,
    "ui.sparkline_points": _positive,
    "ui.log_tail_lines": _positive,
    "docker.request_timeout": _positive,
    "docker.connect_timeout": _positive,
    "docker.stats_concurrency": _positive,
    "docker.reconnect_max_backoff": _positive,
    "docker.inspect_refresh": _positive,
    "docker.host": _url,
}


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
            dict: "table"}.get(type(value), type(value).__name__)


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


def find_key_line(text: str, dotted: str) -> int | None:
    """The line that sets `dotted` (a.b.c) in TOML text, by tracking table headers."""
    *table, key = dotted.split(".")
    current: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            current = [part.strip().strip('"') for part in header.group(1).split(".")]
            if current == [*table, key]:
                return number
            continue
        assign = re.match(r"^([A-Za-z0-9_.\"-]+)\s*=", line)
        if assign:
            path = current + [p.strip().strip('"') for p in assign.group(1).split(".")]
            if path == dotted.split(".") or path[: len(table) + 1] == [*table, key]:
                return number
    return None


def _merge(defaults: Mapping[str, Any], user: Mapping[str, Any], prefix: str,
           path: str, text: str) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in user.items():
        dotted = f"{prefix}{key}"
        if key not in defaults:
            raise ConfigError(path, "unknown setting", dotted, find_key_line(text, dotted))
        default = defaults[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                raise ConfigError(path, f"expected a table, got {_type_name(value)}", dotted,
                                  find_key_line(text, dotted))
            merged[key] = _merge(default, value, f"{dotted}.", path, text)
            continue
        if not _same_type(default, value):
            raise ConfigError(
                path, f"expected {_type_name(default)}, got {_type_name(value)}", dotted,
                find_key_line(text, dotted))
        check = _CHECKS.get(dotted)
        problem = check(value) if check else None
        if problem:
            raise ConfigError(path, problem, dotted, find_key_line(text, dotted))
        merged[key] = float(value) if isinstance(default, float) else value
    return merged


def parse_toml(text: str, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib puts "(at line N, column M)" in its message; lift the line out.
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(path, f"TOML syntax error: {message}", line=line) from None


def load_settings(explicit_path: str | None = None) -> Settings:
    defaults = parse_toml(default_config_text(), "<default.toml>")
    user_path = user_config_path(explicit_path)
    merged = defaults
    source = ""
    if user_path is not None:
        source = str(user_path)
        try:
            text = user_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(source, f"cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ConfigError(source, "not UTF-8 text") from None
        merged = _merge(defaults, parse_toml(text, source), "", source, text)
    return _build(merged, source)


def check_file(path: str) -> Settings:
    """`fintui config check PATH`: the same validation, on exactly this file."""
    if not Path(path).is_file():
        raise ConfigError(path, "no such file")
    return load_settings(path)


def state_dir_from(configured: str) -> Path:
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "fintui"


def _build(data: Mapping[str, Any], source: str) -> Settings:
    ui, docker = data["ui"], data["docker"]
    return Settings(
        ui=UiSettings(**ui),
        docker=DockerSettings(**docker),
        state_dir=state_dir_from(data["paths"]["state_dir"]),
        demo_seed=int(data["demo"]["seed"]),
        source_file=source,
    )


def resolve_host(cli_host: str | None, settings: Settings) -> str:
    """--host, then the config, then $DOCKER_HOST, then the local socket."""
    return cli_host or settings.docker.host or os.environ.get("DOCKER_HOST") or DEFAULT_HOST
