"""Composition: the parts a console, an agent or a verb runs on, built from the command line
and the settings. Nothing here imports the CLI or Textual, so every entry point can build them."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from fintui.clock import Clock, FixedClock, SystemClock
from fintui.config import Settings
from fintui.ops.identity import Identity, current_identity
from fintui.sources.base import ClusterActions, ClusterSource, GpuSource, HostSource

if TYPE_CHECKING:
    from fintui.ops.operations import Operations
    from fintui.sources.cgroup_stats import CgroupReader
    from fintui.sources.docker_context import DockerTarget
    from fintui.store.history import HistoryStore


# The verbs that change the cluster: planned, confirmed and run through the operations layer.
ACTING_VERBS = frozenset({"scale", "isolate", "release", "drain", "activate", "clean",
                          "restart", "stop", "start", "kill", "pause", "unpause", "rm",
                          "rollout", "rollback"})

class UsageError(Exception):
    """Bad usage or configuration: exit 2 with one line."""


@dataclass
class EndpointParts:
    """One configured daemon: what reads it and what acts on it."""

    name: str
    source: ClusterSource
    actions: ClusterActions
    local: bool = True  # the daemon runs on this host (its data root is on our disks)


@dataclass
class Parts:
    settings: Settings
    source: ClusterSource  # every endpoint together (a MultiSource when there are several)
    host: HostSource
    clock: Clock
    local_host: bool
    actor: str
    read_only: bool
    actions: ClusterActions  # the first endpoint's
    override_reason: str = ""
    gpu: GpuSource | None = None
    endpoints: tuple[EndpointParts, ...] = ()  # set when [[endpoints]] names several
    identity: Identity = field(default_factory=current_identity)  # who acts, from the OS
    agent: Path | None = None  # the agent's socket a console attaches to; None: --no-agent
    demo: bool = False  # the simulated cluster: no agent ever watches it

    def open_history(self) -> HistoryStore:
        """The metric history; raises StateUnavailable with the path and the reason."""
        from fintui.store.history import HistoryStore, Retention

        h = self.settings.history
        return HistoryStore(h.path, Retention(h.raw_retention, h.minute_retention, h.retention))

    def storages(self) -> list[EndpointParts]:
        """Each daemon whose storage is read on its own: every endpoint when there are
        several (by name), else the one daemon, named "" (its series and keys unsuffixed)."""
        if len(self.endpoints) > 1:
            return list(self.endpoints)
        return [EndpointParts("", self.source, self.actions, self.local_host)]

    def operations(self, endpoint: str = "", identity: Identity | None = None,
                   read_only: bool = False) -> Operations:
        """The operations layer over one endpoint (the named one, else the first), acting as
        this process's account, or as `identity` (an agent's caller, who may ask to be
        `read_only`: a caller may lower its rights, never raise them)."""
        from fintui.ops.operations import Operations

        who = identity or self.identity
        viewer = self.read_only or read_only
        if not self.endpoints:
            return Operations(self.actions, self.settings, self.actor, viewer,
                              self.clock, self.override_reason, self.source, identity=who)
        chosen = next((e for e in self.endpoints if e.name == endpoint), self.endpoints[0])
        return Operations(chosen.actions, self.settings, self.actor, viewer,
                          self.clock, self.override_reason, chosen.source, chosen.name, who)


def _cgroups() -> CgroupReader | None:
    """The kernel's own numbers when the daemon is on this host; None where cgroups cannot
    be read (another pid namespace, a locked-down /proc): then every stat comes from the API."""
    from fintui.sources.cgroup_stats import CgroupReader, CgroupUnavailable

    try:
        return CgroupReader()
    except CgroupUnavailable:
        return None


def build_parts(args: argparse.Namespace, settings: Settings) -> Parts:
    # --as names a person behind a shared login in the audit; it never changes the role.
    actor = args.actor or current_identity().user
    override = getattr(args, "verb_override", "") or args.override_freeze
    if args.demo:
        from fintui.demo_seed import seed_history
        from fintui.sources.demo import DEMO_START, DemoCluster, DemoGpus, DemoHost
        from fintui.sources.demo_actions import DemoActions

        settings = demo_settings(settings, settings.as_written("paths.state_dir"))
        clock = FixedClock(DEMO_START)
        cluster = DemoCluster(settings.demo.seed, clock, settings.ui.refresh_interval)
        parts = Parts(settings, cluster, DemoHost(cluster), clock, True, actor, args.read_only,
                      DemoActions(cluster), override, DemoGpus(cluster))
        seed_history(cluster, DemoGpus(cluster), parts.open_history())
        parts.demo = True
        return parts

    from fintui.sources.gpu import NvmlGpuSource
    from fintui.sources.host import PsutilHost

    system_clock = SystemClock()
    chosen = _chosen_endpoints(args, settings)
    built = [_endpoint(name, url, cert, settings, system_clock) for name, url, cert in chosen]
    local = any(is_local for _, is_local in built)
    # NVML sees this machine's GPUs: only meaningful when a daemon runs here too.
    gpu = NvmlGpuSource() if local else None
    agent = agent_path(args, settings)  # a console attaches to it (the demo's never does)
    if len(built) == 1:
        (one, _), = built
        return Parts(settings, one.source, PsutilHost(), system_clock, local, actor,
                     args.read_only, one.actions, override, gpu, (one,) if one.name else (),
                     agent=agent)
    from fintui.sources.multi_source import Member, MultiSource

    members = [Member(e.name, e.source, is_local) for e, is_local in built]
    # The console waits this long for slow endpoints before drawing what it has.
    wait = None if args.verb == "status" else max(1.0, settings.ui.refresh_interval)
    multi = MultiSource(members, system_clock, settings.docker.reconnect_max_backoff, wait)
    return Parts(settings, multi, PsutilHost(), system_clock, local, actor, args.read_only,
                 built[0][0].actions, override, gpu, tuple(e for e, _ in built), agent=agent)


def agent_path(args: argparse.Namespace, settings: Settings) -> Path | None:
    """The agent socket to try: --agent, else [agent] socket; None with --no-agent, with
    --demo (a simulated cluster is never the one an agent watches) and with --context alone."""
    if getattr(args, "no_agent", False) or getattr(args, "demo", False):
        return None
    if getattr(args, "context", None) and not getattr(args, "agent", None):
        return None  # a context named here is the daemon asked for, not the agent's
    return Path(args.agent).expanduser() if getattr(args, "agent", None) else \
        settings.agent.socket


def _chosen_endpoints(args: argparse.Namespace, settings: Settings
                      ) -> list[tuple[str, str, str]]:
    """(name, url, TLS cert folder) of each daemon to watch: --host or --context alone, else
    the configured [[endpoints]] (or the one --endpoint names), else docker.host, $DOCKER_HOST
    or a Docker context (fintui.sources.docker_context has the order)."""
    context = getattr(args, "context", None)
    if args.host or context or not settings.endpoints:
        if args.endpoint:
            raise UsageError(f"--endpoint {args.endpoint}: no [[endpoints]] are configured"
                             if not settings.endpoints else
                             f"--endpoint and {'--host' if args.host else '--context'} together")
        target = chosen_daemon(args, settings)
        return [("", target.url, target.cert_path)]
    configured = [(e.name, e.url, e.tls_cert_path) for e in settings.endpoints]
    if args.endpoint:
        picked = [e for e in configured if e[0] == args.endpoint]
        if not picked:
            raise UsageError(f"--endpoint {args.endpoint}: not configured; endpoints: "
                             + ", ".join(name for name, _, _ in configured))
        return picked
    acting = args.verb in ACTING_VERBS
    if acting and len(configured) > 1:
        raise UsageError(f"{len(configured)} endpoints are configured ("
                         + ", ".join(name for name, _, _ in configured)
                         + "): name the one to act on with --endpoint NAME")
    return configured


def chosen_daemon(args: argparse.Namespace, settings: Settings) -> DockerTarget:
    """The one daemon of --host, --context, the config or the environment; UsageError (exit 2,
    one line) for a context that cannot be used."""
    from fintui.sources.docker_context import ContextError, docker_target

    try:
        return docker_target(args.host, getattr(args, "context", None), settings)
    except ContextError as exc:
        raise UsageError(str(exc)) from None


def _endpoint(name: str, url: str, cert_path: str, settings: Settings, clock: Clock
              ) -> tuple[EndpointParts, bool]:
    """One daemon's source and actions, and whether it runs on this host."""
    from fintui.sources.docker_engine import DockerEngineSource
    from fintui.sources.engine_actions import EngineActions
    from fintui.sources.engine_client import EngineClient, parse_endpoint

    where = f"endpoint {name}" if name else "--host"
    try:
        endpoint = parse_endpoint(url, cert_path=cert_path)
    except (ValueError, OSError) as exc:
        raise UsageError(f"{where} {url}: {exc}") from None
    client = EngineClient(endpoint, settings.docker.request_timeout,
                          settings.docker.connect_timeout)
    local = bool(endpoint.socket_path) or endpoint.base.split("://")[1].startswith(
        ("127.", "localhost"))
    source = DockerEngineSource(client, clock, settings.docker.stats_concurrency,
                                settings.docker.inspect_refresh,
                                _cgroups() if local and settings.docker.stats_from_cgroups
                                else None, name=name)
    source.relist_interval = settings.docker.relist_interval
    return EndpointParts(name, source, EngineActions(client), local), local


def demo_settings(settings: Settings, configured_state_dir: str) -> Settings:
    """The demo keeps its audit log, isolations and bundles in a throwaway folder, emptied at
    start: its simulated acts must never mix with the records of a real cluster. That is
    `<paths.state_dir>/demo` when the config names a state_dir, else a new temporary one."""
    import shutil
    import tempfile
    from pathlib import Path

    from fintui.private_files import private_dir

    if configured_state_dir:
        state = settings.paths.state_dir / "demo"
        shutil.rmtree(state, ignore_errors=True)
        private_dir(state)
    else:
        import atexit

        state = Path(tempfile.mkdtemp(prefix="fintui-demo-"))
        atexit.register(shutil.rmtree, state, True)  # throwaway: gone when the demo ends
    alerts_file = settings.alerts.state_file
    if alerts_file == settings.paths.state_dir / "alerts.toml":  # the default, not a chosen file
        alerts_file = state / "alerts.toml"
    # The history always moves: the demo writes weeks of invented samples into it.
    return replace(settings, paths=replace(settings.paths, state_dir=state),
                   audit=replace(settings.audit, path=state / "audit.jsonl"),
                   alerts=replace(settings.alerts, state_file=alerts_file),
                   history=replace(settings.history, path=state / "history.sqlite"))
