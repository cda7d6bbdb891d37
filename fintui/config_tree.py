"""Every setting, declared once: the typed tree `Settings` mirrors the TOML file's tables
(`settings.scale.max_replicas` is `[scale] max_replicas`). A field's declaration (see
config_schema.py) gives its default as written, its check, its unit and its help; the shipped
config/default.toml and the README's table are generated from here (python -m fintui.config_doc).
A new setting is one field below (and its test)."""

# The declarations are field specifiers (they return dataclasses.field), not shared defaults.
# ruff: noqa: RUF009

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fintui.config_checks import (
    docker_url,
    group,
    label_pairs,
    some_key,
)
from fintui.config_guard import GuardSettings, PoliciesSettings
from fintui.config_items import (
    EndpointSettings,
    ReceiverSettings,
    RuleSettings,
    as_alert_rule,
)
from fintui.config_paths import agent_socket_path, state_dir_from
from fintui.config_schema import (
    array,
    choice,
    duration,
    flag,
    number,
    section,
    strings,
    table,
    text,
)
from fintui.config_schema import path as path_setting
from fintui.core.metrics import METRICS
from fintui.model import AlertRule

S = "seconds"
_FROM_STATE = "Empty: <state_dir>/"
# The rules' comment lists the metrics from their table (fintui/core/metrics.py).
_METRICS_NOTE = textwrap.fill("Metrics (unit): " + ", ".join(
    f"{m.name} ({m.unit})" for m in METRICS) + ".", 94)


def _under_state(name: str) -> Any:
    return lambda written, state: Path(written).expanduser() if written else state / name


@dataclass(frozen=True, slots=True)
class UiSettings:
    refresh_interval: float = number(
        2.0, "Seconds between refreshes of the screen and of the data behind it.", 0.1, 3600.0, S)
    theme: str = text("fintui-dark", "Theme: fintui-dark, fintui-light, trading-floor (wall "
                      "screens, colour-blind safe), mono, or the name of a theme file in "
                      "$XDG_CONFIG_HOME/fintui/themes/.", allowed="a theme's name", notes="""\
A theme picked in the console (ctrl+p, "Change theme") is remembered and wins over this;
NO_COLOR picks mono.""")
    sparkline_points: int = number(
        16, "How many CPU samples the sparkline in the Containers pane shows.", 1, 1000)
    log_tail_lines: int = number(
        500, "Lines of history the log viewer loads before following the tail.", 1, 100_000)
    group_by_service: bool = flag(False, "Group the Containers pane by service when it opens.")
    glyphs: str = choice("auto", "Glyphs for charts and symbols.", ("auto", "unicode", "console"),
                         notes="""\
"auto": plain console glyphs when TERM=linux; "console": only characters the Linux text
console can show.""")


@dataclass(frozen=True, slots=True)
class ServeSettings:
    allow_actions: bool = flag(
        False, "Let browser sessions of `fintui serve` act (scale, isolate, clean). Off: "
        "read-only.")
    max_sessions: int = number(
        8, "Browser sessions at once (each is a console process).", 1, 256,
        notes="A further tab is told the server is full.")


@dataclass(frozen=True, slots=True)
class AgentSettings:
    socket: Path = path_setting(
        "The unix socket `fintui agent` serves and consoles and verbs attach to.",
        lambda written, state: agent_socket_path(written, state), notes="""\
Empty: $XDG_RUNTIME_DIR/fintui/agent.sock, else <state_dir>/agent.sock. --agent overrides this.""")
    group: str = text("", "A group whose members may connect (socket mode 0660).", group,
                      "a group's name", notes="""\
Empty: the agent's own account only. Each caller acts as its own OS account (roles in
[guard]), whatever it claims.""")
    stop_grace: float = duration(
        "60s", "How long a stopping agent waits for acts under way to finish.", "0s", "1h",
        notes="""\
It begins no new act meanwhile. Keep it below systemd's TimeoutStopSec (90 s by default):
an act cut off halfway leaves its outcome unknown.""")


@dataclass(frozen=True, slots=True)
class DockerSettings:
    host: str = text("", "Engine endpoint: unix:///path/to.sock or tcp://host:port.", docker_url,
                     "unix://, tcp://", notes="""\
Empty: $DOCKER_HOST, else unix:///var/run/docker.sock. --host overrides this.""")
    request_timeout: float = number(
        5.0, "Seconds any single Engine API request may take before the daemon counts as "
        "stalled.", 0.1, 120.0, S)
    connect_timeout: float = number(
        3.0, "Seconds to wait for the daemon to answer a connection attempt.", 0.1, 60.0, S)
    stats_concurrency: int = number(
        128, "How many stats requests run at once.", 1, 1024,
        notes="Keep it high: a small pool makes a 200-container sweep take tens of seconds.")
    reconnect_max_backoff: float = number(
        4.0, "Longest wait between reconnection attempts, in seconds (backoff doubles up to "
        "this).", 0.1, 600.0, S)
    inspect_refresh: float = number(
        30.0, "Seconds between re-inspections of each container, spread over the refreshes.",
        0.1, 86400.0, S, notes="""\
An event refreshes a container at once; while the events stream flows this safety net runs ten
times slower.""")
    relist_interval: float = number(
        30.0, "Seconds between full relists while the daemon's events stream is live.",
        0.1, 86400.0, S, notes="""\
The container list follows events; the relist is a safety net. Without the stream, every
refresh relists.""")
    stats_from_cgroups: bool = flag(
        True, "When the daemon runs on this host, read container stats from the kernel.",
        notes="""\
CPU, memory, block I/O, pids and network come from cgroups and /proc instead of the daemon:
the same numbers, no daemon work. Containers it cannot read still come from the API.""")


@dataclass(frozen=True, slots=True)
class PathsSettings:
    state_dir: Path = path_setting(
        "Where the audit log, history database and forensics bundles go.",
        lambda written, _: state_dir_from(written),
        notes="Empty: $XDG_STATE_HOME/fintui (~/.local/state/fintui).")


@dataclass(frozen=True, slots=True)
class DemoSettings:
    seed: int = number(
        7, "Seed of the simulated demo cluster: the same seed gives the same screens.",
        0, 2**32 - 1)


@dataclass(frozen=True, slots=True)
class ScaleSettings:
    max_replicas: int = number(50, "Largest replica count scale accepts.", 1, 10_000)
    converge_timeout: float = number(
        60.0, "Seconds to wait for a scaled service to converge before reporting what is still "
        "pending.", 1.0, 3600.0, S)


@dataclass(frozen=True, slots=True)
class RolloutSettings:
    watch: float = duration(
        "30s", "How long a canary's new replicas are watched before the rest follow: a fault "
        "or failed health check on them in that time rolls everything back.", "1s", "1d")
    converge_timeout: float = duration(
        "5m", "How long a rollout or rollback may take to the end before it is reported as "
        "stuck (it is not undone: the audit and the service's state say where it is).",
        "10s", "1d")


def _shells(value: Any) -> str | None:
    # Each is one word run by `docker exec` (a path such as /bin/ash is fine): with none the
    # shell key could never open one, and a space would be taken as part of the name.
    if not value:
        return "must name at least one shell, like [\"bash\", \"sh\"]"
    bad = [v for v in value if not v.strip("/") or any(c.isspace() for c in v)]
    return f"each must be one word naming a shell or its path (got {bad[0]!r})" \
        if bad else None


@dataclass(frozen=True, slots=True)
class ExecSettings:
    shells: tuple[str, ...] = strings(
        ("bash", "sh"), "Shells a console's shell key tries in a container, first that exists.",
        _shells)


@dataclass(frozen=True, slots=True)
class IsolateSettings:
    log_lines: int = number(10000, "Log lines kept in a forensics bundle.", 1, 1_000_000)


@dataclass(frozen=True, slots=True)
class HistorySettings:
    path: Path = path_setting("Metric history for capacity forecasts (SQLite).",
                      _under_state("history.sqlite"), notes=_FROM_STATE + "history.sqlite.")
    raw_retention: float = duration(
        "1h", "Raw samples are kept this long, then averaged into 1-minute points.", "1m", "30d")
    minute_retention: float = duration(
        "1d", "1-minute points are kept this long, then averaged into 1-hour points.",
        "1h", "365d")
    retention: float = duration("90d", "1-hour points are kept this long, then dropped.",
                                "1d", "3650d")
    disk_interval: float = number(
        300.0, "Seconds between disk-usage readings (volume, image and build-cache sizes) for "
        "history.", 0.1, 86400.0, S)
    collect_interval: float = number(
        60.0, "Seconds between samples when `fintui collect` runs headless.", 1.0, 86400.0, S)
    sample_interval: float = number(
        10.0, "Seconds between the console's samples.", 0.1, 3600.0, S, notes="""\
Forecasts look days ahead: a sample of hundreds of containers every refresh would only cost
CPU and disk.""")


@dataclass(frozen=True, slots=True)
class ForecastSettings:
    horizon: float = duration("30d", "How far ahead the free-space warning looks.", "1d", "3650d")
    headroom: float = number(
        1.2, "Warning when free space is below this multiple of the growth forecast for the "
        "horizon.", 1.0, 100.0)
    critical_days: float = number(
        7.0, "Critical when the forecast says full in fewer days than this.", 0.1, 3650.0, "days")
    min_history: float = duration(
        "6h", "A forecast needs at least this much history (and 6 points); before that it says "
        "so.", "1s", "365d")
    retention: float = duration(
        "30d", "How long written data is kept (planning figure).", "1d", "3650d",
        notes="Recommended capacity = daily growth x retention x redundancy.")
    redundancy: float = number(2.5, "Copies and parity on top of the written bytes (planning "
                               "figure).", 1.0, 100.0)
    expand_after: int = number(
        3, "Consecutive samples over a threshold before fintui recommends expanding.", 1, 10_000)
    interval: float = number(
        60.0, "Seconds between forecast recomputations in the console.", 1.0, 86400.0, S)

    @property
    def horizon_days(self) -> float:
        return self.horizon / 86400

    @property
    def retention_days(self) -> float:
        return self.retention / 86400


@dataclass(frozen=True, slots=True)
class AuditSettings:
    path: Path = path_setting("Audit log file.", _under_state("audit.jsonl"), notes=_FROM_STATE
                      + "audit.jsonl. Written mode 0600 (0640 with `group`).")
    group: str = text("", "A group that may read the audit log (mode 0640, for an auditors' "
                      "group).", group, "a group's name", notes="Empty: owner only.")
    key_file: Path | None = path_setting(
        "A secret key file (16 bytes or more, mode 0600) to chain records with HMAC-SHA256.",
        lambda written, _: Path(written).expanduser() if written else None, notes="""\
A log rebuilt by someone without the key then fails `audit verify`. Make one with:
(umask 077; head -c 32 /dev/urandom > ~/.config/fintui/audit.key)
Empty: plain SHA-256 chain (finds edits, drops and reorders, not a rebuilt log).""")


_TTL = ("1s", "3650d")


@dataclass(frozen=True, slots=True)
class CleanupSettings:
    volume_ttl: float = duration(
        "7d", "Unused volumes older than this (since last used while fintui watched, else "
        "since created).", *_TTL)
    container_ttl: float = duration("1d", "Stopped containers finished longer ago than this.",
                                    *_TTL)
    image_ttl: float = duration(
        "30d", "Unused tagged images older than this, beyond the most recent "
        "`keep_recent_images` per repo.", *_TTL)
    named_volumes: bool = flag(
        False, "Named volumes are candidates only when this is true; anonymous ones always are.")
    keep_recent_images: int = number(
        3, "Per repository, this many most recent unused images are kept whatever their age.",
        0, 1000)
    dangling_images: bool = flag(True, "Remove dangling (untagged, unused) images.")
    build_cache_ttl: float = duration("7d", "Build cache entries not used for this long.", *_TTL)
    protect_labels: tuple[str, ...] = strings(
        ("fintui.protect=true",), "Objects with any of these labels are never cleaned.",
        label_pairs)
    protect_names: tuple[str, ...] = strings(
        (), "Objects whose name matches any of these globs are never cleaned.")
    disk_usage_interval: float = number(
        60.0, "Seconds between background refreshes of disk usage (it can be slow on big "
        "hosts).", 1.0, 86400.0, S)


@dataclass(frozen=True, slots=True)
class AlertSettings:
    resolve_after: float = duration(
        "30s", "A firing alert resolves only after its condition has been clear this long (no "
        "flapping storms).", "0s", "1d")
    restart_window: float = duration(
        "5m", "Window for counting restarts: the crash-loop signature fires at "
        "`crash_loop_restarts` in it.", "1s", "7d")
    crash_loop_restarts: int = number(
        3, "Restarts within restart_window that mark an instance as crash-looping.", 1, 1000)
    unhealthy_for: float = duration(
        "30s", "How long a healthcheck must keep failing before the unhealthy signature fires.",
        "0s", "7d")
    state_file: Path = path_setting("Acknowledgements and silences, kept across restarts.",
                            _under_state("alerts.toml"), notes=_FROM_STATE + "alerts.toml.")
    rules: tuple[AlertRule, ...] = array(
        RuleSettings, "Your own rules, in addition to the built-in fault signatures.",
        build=as_alert_rule, notes=_METRICS_NOTE + """
Built-in: the fault signatures (crash-loop, unhealthy, exited-nonzero, oom-killed, cpu-pinned)
and the capacity rules (capacity-warning, capacity-critical). Example:
  [[alerts.rules]]
  name = "pricer-cpu-hot"
  metric = "container.cpu_percent"
  op = ">"
  threshold = 90
  for = "30s"
  severity = "warning"                 # info, warning, critical
  scope = { service = "pricing" }      # or container = "glob", label = "key=value"
  runbook = "Check the quote feed lag before scaling."
  # action = "isolate"   # isolate the faulty container itself (a container.* metric and a
  # max_per_hour = 1     # scope); beyond max_per_hour a service's faults are only proposed,
  # max_fraction = 0.5   # as beyond this share of its replicas isolated at once\"""")
    receivers: tuple[ReceiverSettings, ...] = array(
        ReceiverSettings, "Webhook receivers for firing and resolved alerts.", notes="""\
Example:
  [[alerts.receivers]]
  name = "desk"
  url = "http://127.0.0.1:9099/hook"
  format = "alertmanager"             # or "slack"
  severities = ["warning", "critical"]
  headers = { Authorization = "env:DESK_WEBHOOK_TOKEN" }   # env: reads the environment""")
    webhook_timeout: float = number(
        5.0, "Seconds a delivery attempt may take to connect.", 0.1, 300.0, S, notes="""\
A sent message's reply is awaited up to 60 s. A message that fails is retried, 2 s doubling to
5 min, until it is delivered.""")
    webhook_attempts: int = number(
        3, "No longer used (messages are retried until delivered).", 1, 100,
        notes="Still accepted so older files load.")


@dataclass(frozen=True, slots=True)
class Settings:
    endpoints: tuple[EndpointSettings, ...] = array(
        EndpointSettings, "Docker daemons to watch together. None listed: the one daemon of "
        "[docker] host.", notes="""\
Add one table per daemon, e.g.
  [[endpoints]]
  name = "desk-a"                     # shown per row, filter with @desk-a, --endpoint desk-a
  url = "unix:///var/run/docker.sock" # or tcp://host:2376, ssh://user@host
  tls_cert_path = "~/.docker/desk-b"  # optional: ca.pem, cert.pem, key.pem for tcp:// TLS
Each connects, fails and recovers on its own; the header shows each one's state.""")
    ui: UiSettings = section(UiSettings)
    keys: Mapping[str, str] = table(
        str, "Rebind any key by binding id, e.g. \"containers.isolate\" = \"I\" or "
        "\"move.down\" = \"j,n\".", some_key, "binding id = keys", notes="""\
`fintui keys` lists every id with its key; clashes are refused at start, with both named.""")
    serve: ServeSettings = section(ServeSettings)
    agent: AgentSettings = section(AgentSettings)
    docker: DockerSettings = section(DockerSettings)
    paths: PathsSettings = section(PathsSettings)
    demo: DemoSettings = section(DemoSettings)
    guard: GuardSettings = section(GuardSettings)
    policies: PoliciesSettings = section(PoliciesSettings)
    scale: ScaleSettings = section(ScaleSettings)
    isolate: IsolateSettings = section(IsolateSettings)
    rollout: RolloutSettings = section(RolloutSettings)
    exec: ExecSettings = section(ExecSettings)
    history: HistorySettings = section(HistorySettings)
    forecast: ForecastSettings = section(ForecastSettings)
    audit: AuditSettings = section(AuditSettings)
    cleanup: CleanupSettings = section(CleanupSettings)
    alerts: AlertSettings = section(AlertSettings)
    # Not settings (no declaration): where they came from, and each value as written.
    source_file: str = ""  # the user file that was merged, "" when defaults only
    written: Mapping[str, Any] = field(default_factory=dict)  # dotted key -> value as written

    def as_written(self, dotted: str) -> Any:
        """A setting as the files wrote it, before defaults were derived: "" for a path left
        to its default (paths.state_dir is "" when the XDG default is used)."""
        return self.written.get(dotted)
