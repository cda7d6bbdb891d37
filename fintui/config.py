"""TOML settings: the shipped defaults are the schema; a user file may override any subset.

Errors name the file, the line where known and the dotted key, in one line, so the CLI can
print them and exit 2 without a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from fintui.model import AlertRule

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
    glyphs: str


@dataclass(frozen=True, slots=True)
class DockerSettings:
    host: str
    request_timeout: float
    connect_timeout: float
    stats_concurrency: int
    reconnect_max_backoff: float
    inspect_refresh: float
    stats_from_cgroups: bool
    relist_interval: float = 30.0


ROLES = ("viewer", "operator")
ACTIONS = ("scale", "isolate", "release", "clean", "drain")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class FreezeWindow:
    name: str
    days: tuple[str, ...]
    start: str  # HH:MM, local to `timezone`
    end: str
    timezone: str
    actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GuardSettings:
    default_role: str
    roles: dict[str, str]
    freeze: tuple[FreezeWindow, ...]


@dataclass(frozen=True, slots=True)
class OpsSettings:
    max_replicas: int
    converge_timeout: float
    log_lines: int
    audit_path: Path
    audit_group: str = ""  # a group that may read the audit log (0640); "" owner only (0600)
    audit_key_file: Path | None = None  # HMAC key for the chain; None: plain SHA-256


@dataclass(frozen=True, slots=True)
class CleanupSettings:
    volume_ttl: float  # seconds
    container_ttl: float
    image_ttl: float
    named_volumes: bool
    keep_recent_images: int
    dangling_images: bool
    build_cache_ttl: float
    protect_labels: tuple[str, ...]
    protect_names: tuple[str, ...]
    disk_usage_interval: float


def parse_duration(text: str) -> float | None:
    """`7d`, `12h`, `30m`, `45s` (and sums like `1d12h`) to seconds; None if malformed."""
    parts = re.findall(r"(\d+(?:\.\d+)?)([dhms])", text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        return None
    scale = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(float(n) * scale[u] for n, u in parts)


@dataclass(frozen=True, slots=True)
class ReceiverSettings:
    name: str
    url: str
    format: str
    severities: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]  # values may be "env:NAME": read at send time


@dataclass(frozen=True, slots=True)
class AlertSettings:
    resolve_after: float
    restart_window: float
    crash_loop_restarts: int
    unhealthy_for: float
    state_file: Path
    rules: tuple[AlertRule, ...]
    receivers: tuple[ReceiverSettings, ...] = ()
    webhook_timeout: float = 5.0
    webhook_attempts: int = 3


@dataclass(frozen=True, slots=True)
class HistorySettings:
    path: Path
    raw_retention: float  # seconds
    minute_retention: float
    retention: float
    disk_interval: float
    collect_interval: float
    sample_interval: float = 10.0  # the console's: forecasts look days ahead


@dataclass(frozen=True, slots=True)
class ForecastSettings:
    horizon_days: float
    headroom: float
    critical_days: float
    min_history: float  # seconds
    retention_days: float
    redundancy: float
    expand_after: int
    interval: float


@dataclass(frozen=True, slots=True)
class EndpointSettings:
    """One Docker daemon the console watches ([[endpoints]])."""

    name: str
    url: str  # unix://, tcp://, https://, ssh://user@host[:port]
    tls_cert_path: str = ""  # folder with ca.pem, cert.pem, key.pem; tcp:// then uses TLS


@dataclass(frozen=True, slots=True)
class Settings:
    ui: UiSettings
    docker: DockerSettings
    state_dir: Path
    demo_seed: int
    guard: GuardSettings
    ops: OpsSettings
    cleanup: CleanupSettings
    alerts: AlertSettings
    history: HistorySettings
    forecast: ForecastSettings
    source_file: str  # the user file that was merged, "" when defaults only
    state_dir_configured: str = ""  # paths.state_dir as written, "" for the XDG default
    keys: Mapping[str, str] = field(default_factory=dict)  # binding id -> keys
    serve_allow_actions: bool = False
    serve_max_sessions: int = 8
    endpoints: tuple[EndpointSettings, ...] = ()  # [[endpoints]]; empty: docker.host alone
    agent_socket: Path = Path()  # [agent] socket, resolved (see agent_socket_path)
    agent_group: str = ""


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


SECONDS = " seconds"


def _between(low: float, high: float, unit: str = "") -> Callable[[Any], str | None]:
    """A number from `low` to `high`; inf and nan are in no range."""
    def check(value: Any) -> str | None:
        if low <= value <= high:
            return None
        return f"must be between {low:g} and {high:g}{unit} (got {value!r})" \
            if isinstance(low, float) else f"must be between {low} and {high} (got {value!r})"
    return check


def _span(low: str, high: str) -> Callable[[Any], str | None]:
    """A duration (see parse_duration) from `low` to `high`."""
    least, most = parse_duration(low), parse_duration(high)
    assert least is not None and most is not None

    def check(value: Any) -> str | None:
        seconds = parse_duration(value)
        if seconds is None:
            return "must be a duration like 7d, 12h, 30m"
        if least <= seconds <= most:
            return None
        return f"must be between {low} and {high} (got {value!r})"
    return check


def _url(value: Any) -> str | None:
    if value == "" or re.match(r"^(unix|tcp|http|https)://", value):
        return None
    return "must start with unix:// or tcp://"


def _endpoint_url(value: Any) -> str | None:
    if re.match(r"^(unix|tcp|http|https)://", value) or re.match(r"^ssh://[^/@]+@?[^/]*", value):
        return None
    return "must start with unix://, tcp://, https:// or ssh://"


def _endpoint_name(value: Any) -> str | None:
    # Shown in a narrow column and typed in filters (@name) and --endpoint: keep it plain.
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,23}", value):
        return None
    return "must be 1-24 letters, digits, '.', '_' or '-'"


def _role(value: Any) -> str | None:
    return None if value in ROLES else f"must be one of {', '.join(ROLES)}"


def _group(value: Any) -> str | None:
    if value == "":
        return None
    import grp

    try:
        grp.getgrnam(value)
    except KeyError:
        return f"no group {value!r} on this machine"
    return None


def _clock_time(value: Any) -> str | None:
    match = re.fullmatch(r"(\d\d):(\d\d)", value)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return None
    return "must be a time like 09:15"


def _timezone(value: Any) -> str | None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {value!r}"
    return None


def _label_pairs(value: Any) -> str | None:
    bad = [v for v in value if not isinstance(v, str) or "=" not in v]
    return f"each must be key=value (got {bad[0]!r})" if bad else None


def _subset(allowed: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        wrong = [v for v in value if v not in allowed]
        if wrong or not value:
            return f"each must be one of {', '.join(allowed)}" + (f" (got {wrong[0]!r})"
                                                                  if wrong else "")
        return None
    return check


# Tables whose keys are the user's own (names), with the type and check of every value.
_FREE_TABLES: dict[str, tuple[type, Callable[[Any], str | None]]] = {
    "guard.roles": (str, _role),
    # Key names and clashes are checked against the console's bindings when it starts.
    "keys": (str, lambda v: None if v.strip() else "must name at least one key"),
}
_METRICS = ("container.cpu_percent", "container.mem_percent", "container.restarts_in_window",
            "container.unhealthy", "container.exited_nonzero", "container.oom_killed",
            "container.cpu_pinned", "host.cpu_percent",
            "host.mem_percent", "host.fs_percent", "gpu.temperature", "gpu.mem_percent",
            "gpu.ecc_errors", "forecast.days_to_full", "forecast.severity",
            "forecast.expand", "forecast.growth_per_day")


def _one_of(allowed: tuple[str, ...]) -> Callable[[Any], str | None]:
    return lambda v: None if v in allowed else f"must be one of {', '.join(allowed)}"


def _scope(value: Any) -> str | None:
    bad = [k for k in value if k not in ("service", "container", "label")]
    if bad:
        return f"scope keys are service, container, label (got {bad[0]!r})"
    return None if all(isinstance(v, str) for v in value.values()) else "scope values are strings"


def _http_url(value: Any) -> str | None:
    return None if re.match(r"^https?://[^/]+", value) else "must be an http:// or https:// URL"


def _headers(value: Any) -> str | None:
    return None if all(isinstance(v, str) for v in value.values()) else "values are strings"


# Fields an array-of-tables item may leave out.
_OPTIONAL = {"scope", "runbook", "headers", "tls_cert_path"}

# Arrays of tables: the fields each item must have, their types and checks.
_ARRAYS: dict[str, dict[str, tuple[type, Callable[[Any], str | None] | None]]] = {
    "endpoints": {
        "name": (str, _endpoint_name), "url": (str, _endpoint_url), "tls_cert_path": (str, None),
    },
    "alerts.receivers": {
        "name": (str, None), "url": (str, _http_url),
        "format": (str, _one_of(("alertmanager", "slack"))),
        "severities": (list, _subset(("info", "warning", "critical"))),
        "headers": (dict, _headers),
    },
    "alerts.rules": {
        "name": (str, None), "metric": (str, _one_of(_METRICS)),
        "op": (str, _one_of((">", ">=", "<", "<=", "==", "!="))),
        "threshold": (float, _between(-1e18, 1e18)), "for": (str, _span("0s", "7d")),
        "severity": (str, _one_of(("info", "warning", "critical"))),
        "scope": (dict, _scope), "runbook": (str, None),
    },
    "guard.freeze": {
        "name": (str, None), "days": (list, _subset(DAYS)), "start": (str, _clock_time),
        "end": (str, _clock_time), "timezone": (str, _timezone),
        "actions": (list, _subset(ACTIONS)),
    },
}

# Range checks the types alone cannot express. Every number and duration has a range: an
# absurd one (1e308 seconds, inf, nan) would hang a request or overflow a timer, and is
# refused with the range it must be in.
_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "ui.glyphs": _one_of(("auto", "unicode", "console")),
    "guard.default_role": _role,
    "serve.max_sessions": _between(1, 256),
    "audit.group": _group,
    "agent.group": _group,
    "demo.seed": _between(0, 2**32 - 1),
    "scale.max_replicas": _between(1, 10_000),
    "scale.converge_timeout": _between(1.0, 3600.0, SECONDS),
    "isolate.log_lines": _between(1, 1_000_000),
    "cleanup.volume_ttl": _span("1s", "3650d"),
    "cleanup.container_ttl": _span("1s", "3650d"),
    "cleanup.image_ttl": _span("1s", "3650d"),
    "cleanup.build_cache_ttl": _span("1s", "3650d"),
    "cleanup.keep_recent_images": _between(0, 1000),
    "cleanup.protect_labels": _label_pairs,
    "cleanup.disk_usage_interval": _between(1.0, 86400.0, SECONDS),
    "history.raw_retention": _span("1m", "30d"),
    "history.minute_retention": _span("1h", "365d"),
    "history.retention": _span("1d", "3650d"),
    "history.disk_interval": _between(0.1, 86400.0, SECONDS),
    "history.collect_interval": _between(1.0, 86400.0, SECONDS),
    "history.sample_interval": _between(0.1, 3600.0, SECONDS),
    "forecast.horizon": _span("1d", "3650d"),
    "forecast.headroom": _between(1.0, 100.0),
    "forecast.critical_days": _between(0.1, 3650.0, " days"),
    "forecast.min_history": _span("1s", "365d"),
    "forecast.retention": _span("1d", "3650d"),
    "forecast.redundancy": _between(1.0, 100.0),
    "forecast.expand_after": _between(1, 10_000),
    "forecast.interval": _between(1.0, 86400.0, SECONDS),
    "alerts.resolve_after": _span("0s", "1d"),
    "alerts.restart_window": _span("1s", "7d"),
    "alerts.unhealthy_for": _span("0s", "7d"),
    "alerts.crash_loop_restarts": _between(1, 1000),
    "alerts.webhook_timeout": _between(0.1, 300.0, SECONDS),
    "alerts.webhook_attempts": _between(1, 100),
    "ui.refresh_interval": _between(0.1, 3600.0, SECONDS),
    "ui.sparkline_points": _between(1, 1000),
    "ui.log_tail_lines": _between(1, 100_000),
    "docker.request_timeout": _between(0.1, 120.0, SECONDS),
    "docker.connect_timeout": _between(0.1, 60.0, SECONDS),
    "docker.stats_concurrency": _between(1, 1024),
    "docker.reconnect_max_backoff": _between(0.1, 600.0, SECONDS),
    "docker.inspect_refresh": _between(0.1, 86400.0, SECONDS),
    "docker.relist_interval": _between(0.1, 86400.0, SECONDS),
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
        if dotted in _FREE_TABLES:
            merged[key] = _free_table(value, dotted, path, text)
            continue
        if dotted in _ARRAYS:
            merged[key] = _array_of_tables(value, dotted, path, text)
            continue
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


def _free_table(value: Any, dotted: str, path: str, text: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(path, f"expected a table, got {_type_name(value)}", dotted,
                          find_key_line(text, dotted))
    kind, check = _FREE_TABLES[dotted]
    for name, item in value.items():
        problem = (f"expected {_type_name(kind())}, got {_type_name(item)}"
                   if not isinstance(item, kind) else check(item))
        if problem:
            raise ConfigError(path, problem, f"{dotted}.{name}",
                              find_key_line(text, f"{dotted}.{name}")
                              or find_key_line(text, dotted))
    return dict(value)


def _array_of_tables(value: Any, dotted: str, path: str, text: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(path, "expected an array of tables", dotted,
                          find_key_line(text, dotted))
    fields = _ARRAYS[dotted]
    headers = [n for n, line in enumerate(text.splitlines(), start=1)
               if re.match(rf"^\s*\[\[\s*{re.escape(dotted)}\s*\]\]", line)]
    for index, item in enumerate(value):
        line = headers[index] if index < len(headers) else find_key_line(text, dotted)
        where = f"{dotted}[{index}]"
        for name in item:
            if name not in fields:
                raise ConfigError(path, "unknown setting", f"{where}.{name}", line)
        for name, (kind, check) in fields.items():
            if name not in item:
                if name in _OPTIONAL:
                    continue
                raise ConfigError(path, "missing", f"{where}.{name}", line)
            entry: Any = item[name]
            if kind is float and isinstance(entry, int) and not isinstance(entry, bool):
                entry = float(entry)
            if not isinstance(entry, kind) or (isinstance(entry, list) and not all(
                    isinstance(v, str) for v in entry)):
                raise ConfigError(path, f"expected {_type_name(kind())} of strings"
                                  if kind is list else f"expected {_type_name(kind())}",
                                  f"{where}.{name}", line)
            problem = check(entry) if check else None
            if problem:
                raise ConfigError(path, problem, f"{where}.{name}", line)
    return [dict(item) for item in value]


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
        _unique_endpoints(merged["endpoints"], source, text)
    return _build(merged, source)


def _unique_endpoints(items: list[dict[str, Any]], path: str, text: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item["name"] in seen:
            raise ConfigError(path, f"endpoint name {item['name']!r} is used twice",
                              f"endpoints[{index}].name", find_key_line(text, "endpoints"))
        seen.add(item["name"])


def check_file(path: str) -> Settings:
    """`fintui config check PATH`: the same validation, on exactly this file."""
    if not Path(path).is_file():
        raise ConfigError(path, "no such file")
    return load_settings(path)


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


def state_dir_from(configured: str) -> Path:
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "fintui"


def _build(data: Mapping[str, Any], source: str) -> Settings:
    ui, docker, guard = data["ui"], data["docker"], data["guard"]
    state_dir = state_dir_from(data["paths"]["state_dir"])
    audit = data["audit"]["path"]
    return Settings(
        ui=UiSettings(**ui),
        docker=DockerSettings(**docker),
        state_dir=state_dir,
        demo_seed=int(data["demo"]["seed"]),
        guard=GuardSettings(
            default_role=guard["default_role"], roles=dict(guard["roles"]),
            freeze=tuple(FreezeWindow(name=f["name"], days=tuple(f["days"]), start=f["start"],
                                      end=f["end"], timezone=f["timezone"],
                                      actions=tuple(f["actions"])) for f in guard["freeze"])),
        ops=OpsSettings(
            max_replicas=int(data["scale"]["max_replicas"]),
            converge_timeout=float(data["scale"]["converge_timeout"]),
            log_lines=int(data["isolate"]["log_lines"]),
            audit_path=Path(audit).expanduser() if audit else state_dir / "audit.jsonl",
            audit_group=data["audit"]["group"],
            audit_key_file=Path(data["audit"]["key_file"]).expanduser()
            if data["audit"]["key_file"] else None),
        cleanup=_cleanup(data["cleanup"]),
        alerts=_alerts(data["alerts"], state_dir),
        history=_history(data["history"], state_dir),
        forecast=_forecast(data["forecast"]),
        source_file=source,
        state_dir_configured=data["paths"]["state_dir"],
        keys=dict(data["keys"]),
        serve_allow_actions=bool(data["serve"]["allow_actions"]),
        serve_max_sessions=int(data["serve"]["max_sessions"]),
        agent_socket=agent_socket_path(data["agent"]["socket"], state_dir),
        agent_group=data["agent"]["group"],
        endpoints=tuple(EndpointSettings(name=e["name"], url=e["url"],
                                         tls_cert_path=str(e.get("tls_cert_path", "")))
                        for e in data["endpoints"]),
    )


def _seconds(text: str) -> float:
    value = parse_duration(text)
    assert value is not None  # checked when the file was merged
    return value


def _history(data: Mapping[str, Any], state_dir: Path) -> HistorySettings:
    return HistorySettings(
        path=Path(data["path"]).expanduser() if data["path"] else state_dir / "history.sqlite",
        raw_retention=_seconds(data["raw_retention"]),
        minute_retention=_seconds(data["minute_retention"]),
        retention=_seconds(data["retention"]), disk_interval=float(data["disk_interval"]),
        collect_interval=float(data["collect_interval"]),
        sample_interval=float(data["sample_interval"]))


def _forecast(data: Mapping[str, Any]) -> ForecastSettings:
    return ForecastSettings(
        horizon_days=_seconds(data["horizon"]) / 86400, headroom=float(data["headroom"]),
        critical_days=float(data["critical_days"]), min_history=_seconds(data["min_history"]),
        retention_days=_seconds(data["retention"]) / 86400,
        redundancy=float(data["redundancy"]), expand_after=int(data["expand_after"]),
        interval=float(data["interval"]))


def _cleanup(data: Mapping[str, Any]) -> CleanupSettings:
    return CleanupSettings(
        volume_ttl=_seconds(data["volume_ttl"]), container_ttl=_seconds(data["container_ttl"]),
        image_ttl=_seconds(data["image_ttl"]), named_volumes=bool(data["named_volumes"]),
        keep_recent_images=int(data["keep_recent_images"]),
        dangling_images=bool(data["dangling_images"]),
        build_cache_ttl=_seconds(data["build_cache_ttl"]),
        protect_labels=tuple(data["protect_labels"]),
        protect_names=tuple(str(n) for n in data["protect_names"]),
        disk_usage_interval=float(data["disk_usage_interval"]))


def _alerts(data: Mapping[str, Any], state_dir: Path) -> AlertSettings:
    return AlertSettings(
        resolve_after=_seconds(data["resolve_after"]),
        restart_window=_seconds(data["restart_window"]),
        crash_loop_restarts=int(data["crash_loop_restarts"]),
        unhealthy_for=_seconds(data["unhealthy_for"]),
        state_file=Path(data["state_file"]).expanduser() if data["state_file"]
        else state_dir / "alerts.toml",
        rules=tuple(AlertRule(
            name=r["name"], metric=r["metric"], op=r["op"], threshold=float(r["threshold"]),
            for_seconds=_seconds(r["for"]), severity=r["severity"],
            scope=tuple(sorted((str(k), str(v)) for k, v in (r.get("scope") or {}).items())),
            runbook=str(r.get("runbook", ""))) for r in data["rules"]),
        receivers=tuple(ReceiverSettings(
            name=r["name"], url=r["url"], format=r["format"], severities=tuple(r["severities"]),
            headers=tuple(sorted((r.get("headers") or {}).items()))) for r in data["receivers"]),
        webhook_timeout=float(data["webhook_timeout"]),
        webhook_attempts=int(data["webhook_attempts"]))


def resolve_host(cli_host: str | None, settings: Settings) -> str:
    """--host, then the config, then $DOCKER_HOST, then the local socket."""
    return cli_host or settings.docker.host or os.environ.get("DOCKER_HOST") or DEFAULT_HOST
