"""TOML settings: the declarations in config_tree.py are the schema and the defaults; a user
file may override any subset. Errors name the file, the line where known and the dotted key, in
one line, so the CLI can print them and exit 2 without a traceback.

The settings tree mirrors the file: `settings.scale.max_replicas` is `[scale] max_replicas`.
Paths that default to a place under the state folder hold the derived path (audit.path,
history.path, alerts.state_file, agent.socket, paths.state_dir); `settings.as_written(key)`
gives the value as written ("" when left to the default). `settings.source_file` is the user
file that was read."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from fintui.config_checks import ACTIONS, DAYS, ROLES, parse_duration
from fintui.config_doc import default_toml
from fintui.config_guard import GuardSettings, PoliciesSettings
from fintui.config_items import EndpointSettings, FreezeWindow, ReceiverSettings, RuleSettings
from fintui.config_load import ConfigError, Reader, build, defaults_of, find_key_line, flat
from fintui.config_load import parse_toml as parse_toml
from fintui.config_paths import agent_socket_path, state_dir_from, user_config_candidate
from fintui.config_tree import (
    AgentSettings,
    AlertSettings,
    AuditSettings,
    CleanupSettings,
    DemoSettings,
    DockerSettings,
    ForecastSettings,
    HistorySettings,
    IsolateSettings,
    PathsSettings,
    ScaleSettings,
    ServeSettings,
    Settings,
    UiSettings,
)

DEFAULT_HOST = "unix:///var/run/docker.sock"

__all__ = [
    "ACTIONS", "DAYS", "DEFAULT_HOST", "ROLES", "AgentSettings", "AlertSettings",
    "AuditSettings", "CleanupSettings", "ConfigError", "DemoSettings", "DockerSettings",
    "EndpointSettings", "ForecastSettings", "FreezeWindow", "GuardSettings", "HistorySettings",
    "IsolateSettings", "PathsSettings", "PoliciesSettings", "ReceiverSettings", "RuleSettings",
    "ScaleSettings", "ServeSettings", "Settings", "UiSettings", "agent_socket_path", "check_file",
    "default_config_text", "find_key_line", "load_settings", "parse_duration", "parse_toml",
    "resolve_host", "state_dir_from", "user_config_path",
]


def default_config_text() -> str:
    """The shipped defaults as a commented TOML file (config/default.toml is this text)."""
    return default_toml(Settings)


def user_config_path(explicit: str | None) -> Path | None:
    """--config wins; otherwise $XDG_CONFIG_HOME/fintui/config.toml when it exists."""
    if explicit:
        return Path(explicit)
    candidate = user_config_candidate()
    try:
        return candidate if candidate.is_file() else None
    except OSError as exc:
        # Silently running without the operator's settings (roles, freezes) would be worse.
        raise ConfigError(str(candidate), f"cannot read: {exc.strerror or exc}") from None


def load_settings(explicit_path: str | None = None) -> Settings:
    user_path = user_config_path(explicit_path)
    merged: dict[str, Any] = defaults_of(Settings)
    source = ""
    if user_path is not None:
        source = str(user_path)
        try:
            text = user_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(source, f"cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ConfigError(source, "not UTF-8 text") from None
        merged = Reader(source, text).merge(Settings, parse_toml(text, source))
        _unique_endpoints(merged["endpoints"], source, text)
        _check_policies(merged, source, text)
    settings = build(Settings, merged, state_dir_from(merged["paths"]["state_dir"]))
    return replace(settings, source_file=source, written=flat(Settings, merged))


def _unique_endpoints(items: list[dict[str, Any]], path: str, text: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item["name"] in seen:
            raise ConfigError(path, f"endpoint name {item['name']!r} is used twice",
                              f"endpoints[{index}].name", find_key_line(text, "endpoints"))
        seen.add(item["name"])


def _check_policies(merged: dict[str, Any], path: str, text: str) -> None:
    """What a policy names elsewhere in the file: its name is its identity (policy:<name>)
    and its state's key, one of each; its endpoint must be configured; its counts within
    [scale] max_replicas (else every act of it would be refused, unseen until it fires)."""
    seen: set[str] = set()
    endpoints = {e["name"] for e in merged["endpoints"]}
    most = merged["scale"]["max_replicas"]
    for kind, count in (("schedule", "replicas"), ("autoscale", "max")):
        for index, item in enumerate(merged["policies"].get(kind, [])):
            key, problem = "", ""
            endpoint = item.get("endpoint", "")
            if item["name"] in seen:
                key, problem = "name", f"policy name {item['name']!r} is used twice"
            elif endpoint and endpoint not in endpoints:
                key, problem = "endpoint", f"no [[endpoints]] item is named {endpoint!r}"
            elif item[count] > most:
                key, problem = count, f"{item[count]} is above [scale] max_replicas ({most})"
            if problem:
                raise ConfigError(path, problem, f"policies.{kind}[{index}].{key}",
                                  find_key_line(text, f"policies.{kind}"))
            seen.add(item["name"])


def check_file(path: str) -> Settings:
    """`fintui config check PATH`: the same validation, on exactly this file."""
    if not Path(path).is_file():
        raise ConfigError(path, "no such file")
    return load_settings(path)


def resolve_host(cli_host: str | None, settings: Settings) -> str:
    """--host, then the config, then $DOCKER_HOST, then the local socket."""
    return cli_host or settings.docker.host or os.environ.get("DOCKER_HOST") or DEFAULT_HOST
