"""Command line and composition root: parse, load settings, build the parts, run a verb or the TUI.

Verbs that need no screen never import Textual, so they start fast in runbooks and cron.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from fintui import __version__
from fintui.clock import Clock, FixedClock, SystemClock
from fintui.config import ConfigError, Settings, check_file, load_settings, resolve_host
from fintui.core.report import status_document, status_text
from fintui.core.text_safety import one_line
from fintui.poller import Poller
from fintui.sources.base import ClusterSource, HostSource

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad usage or configuration: exit 2 with one line."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fintui",
        description="Terminal operations console for containerised financial workloads. "
                    "With no verb, starts the interactive console.")
    parser.add_argument("--version", action="version", version=f"fintui {__version__}")
    parser.add_argument("--config", metavar="PATH", help="settings file (TOML)")
    parser.add_argument("--host", metavar="URL",
                        help="Docker endpoint: unix:///path.sock or tcp://host:port")
    parser.add_argument("--demo", action="store_true",
                        help="use the built-in simulated trading-desk cluster")
    parser.add_argument("--read-only", action="store_true",
                        help="act as a viewer: every change is refused")
    parser.add_argument("--as", dest="actor", metavar="NAME",
                        help="operator name for the audit log (default: login user)")
    parser.add_argument("--theme", metavar="NAME", help="colour theme")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")

    status = verbs.add_parser("status", help="one sweep of the cluster, then print it")
    status.add_argument("--json", action="store_true", help="machine-readable output")

    config = verbs.add_parser("config", help="settings tools")
    config_verbs = config.add_subparsers(dest="config_verb", metavar="ACTION", required=True)
    check = config_verbs.add_parser("check", help="validate a settings file")
    check.add_argument("path", nargs="?", help="file to check (default: the active one)")
    return parser


@dataclass
class Parts:
    settings: Settings
    source: ClusterSource
    host: HostSource
    clock: Clock
    local_host: bool
    actor: str
    read_only: bool


def build_parts(args: argparse.Namespace, settings: Settings) -> Parts:
    actor = args.actor or _login_name()
    if args.demo:
        from fintui.sources.demo import DEMO_START, DemoCluster, DemoHost

        clock = FixedClock(DEMO_START)
        cluster = DemoCluster(settings.demo_seed, clock, settings.ui.refresh_interval)
        return Parts(settings, cluster, DemoHost(cluster), clock, True, actor, args.read_only)

    from fintui.sources.docker_engine import DockerEngineSource
    from fintui.sources.engine_client import EngineClient, parse_endpoint
    from fintui.sources.host import PsutilHost

    url = resolve_host(args.host, settings)
    try:
        endpoint = parse_endpoint(url)
    except (ValueError, OSError) as exc:
        raise UsageError(f"--host {url}: {exc}") from None
    client = EngineClient(endpoint, settings.docker.request_timeout,
                          settings.docker.connect_timeout)
    system_clock = SystemClock()
    source = DockerEngineSource(client, system_clock, settings.docker.stats_concurrency,
                                settings.docker.inspect_refresh)
    local = bool(endpoint.socket_path) or endpoint.base.split("://")[1].startswith(
        ("127.", "localhost"))
    return Parts(settings, source, PsutilHost(), system_clock, local, actor, args.read_only)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def make_poller(parts: Parts) -> Poller:
    return Poller(parts.source, parts.host, parts.clock, parts.settings.ui.refresh_interval,
                  parts.settings.docker.reconnect_max_backoff, parts.local_host)


async def _status(parts: Parts, as_json: bool) -> int:
    poller = make_poller(parts)
    try:
        snap = await poller.sweep_once()
    finally:
        await parts.source.close()
    if as_json:
        print(json.dumps(status_document(snap), indent=2, sort_keys=False))
    else:
        print(status_text(snap))
    if not snap.source.connected:
        print(f"fintui: disconnected: {one_line(snap.source.error)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _config_check(args: argparse.Namespace) -> int:
    path = args.path or args.config
    settings = check_file(path) if path else load_settings(None)
    print(f"{settings.source_file or 'built-in defaults'}: OK")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.verb == "config":
            return _config_check(args)
        settings = load_settings(args.config)
        parts = build_parts(args, settings)
        if args.verb == "status":
            return asyncio.run(_status(parts, args.json))
        from fintui.tui.app import UnknownTheme, run_app  # only the console needs Textual

        try:
            return run_app(parts, theme=args.theme)
        except UnknownTheme as exc:
            raise UsageError(str(exc)) from None
    except ConfigError as exc:
        print(f"fintui: config error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"fintui: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
