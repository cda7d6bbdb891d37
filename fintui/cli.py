"""Command line: parse, load settings, build the parts (fintui.wiring), run a verb or the TUI.

Verbs that need no screen never import Textual, so they start fast in runbooks and cron.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fintui import __version__
from fintui.config import ConfigError, Settings, check_file, load_settings
from fintui.core.keymap import KeymapError
from fintui.core.report import status_document, status_text
from fintui.core.text_safety import one_line
from fintui.parent_watch import PARENT_ENV
from fintui.sources.base import (
    SourceUnavailable,
)
from fintui.store.db import StateUnavailable
from fintui.wiring import Parts, UsageError, agent_path, build_parts, make_poller

if TYPE_CHECKING:
    from pathlib import Path

    from fintui.agent.remote_ops import RemoteOperations
    from fintui.core.cleanup import CleanupPlan
    from fintui.model import CleanupItem
    from fintui.ops.operations import Operations, Plan

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
AUDIT_SHOWN = 100_000  # records `audit show` asks the agent for: all of any usual log


def _error(message: str, code: int) -> int:
    """One line on stderr, escape-safe (it may quote the daemon or a container name)."""
    print(f"fintui: {one_line(message)}", file=sys.stderr)
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fintui",
        description="Terminal operations console for containerised financial workloads. "
                    "With no verb, starts the interactive console.")
    parser.add_argument("--version", action="version", version=f"fintui {__version__}")
    parser.add_argument("--config", metavar="PATH", help="settings file (TOML)")
    parser.add_argument("--host", metavar="URL",
                        help="Docker endpoint: unix:///path.sock, tcp://host:port or "
                             "ssh://user@host (instead of the configured endpoints)")
    parser.add_argument("--endpoint", metavar="NAME",
                        help="only this one of the configured [[endpoints]]")
    parser.add_argument("--demo", action="store_true",
                        help="use the built-in simulated trading-desk cluster")
    parser.add_argument("--read-only", action="store_true",
                        help="act as a viewer: every change is refused")
    parser.add_argument("--as", dest="actor", metavar="NAME",
                        help="a person's name for the audit log, beside the OS account (for "
                             "a shared login); the role always comes from the OS account")
    parser.add_argument("--theme", metavar="NAME", help="colour theme")
    parser.add_argument("--override-freeze", metavar="REASON", default="",
                        help="act during a change-freeze window; the reason is audited")
    parser.add_argument("--agent", metavar="PATH",
                        help="the agent's socket (default: [agent] socket)")
    parser.add_argument("--no-agent", action="store_true",
                        help="never go through an agent: watch the daemon from here")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")

    def acting(name: str, help_text: str) -> argparse.ArgumentParser:
        verb = verbs.add_parser(name, help=help_text)
        verb.add_argument("--yes", "-y", action="store_true",
                          help="do not ask for confirmation")
        verb.add_argument("--override-freeze", dest="verb_override", metavar="REASON",
                          default="", help="act during a change-freeze window (audited)")
        return verb

    scale = acting("scale", "set the replica count of a Swarm or compose service")
    scale.add_argument("target", help="Swarm service name or id, or compose project/service")
    scale.add_argument("replicas", type=int, help="desired replicas")
    isolate = acting("isolate", "cut a faulty instance off, keep its evidence, replace it")
    isolate.add_argument("container", help="container name or id")
    isolate.add_argument("--no-replace", action="store_true",
                         help="do not start a replacement")
    release = acting("release", "undo an isolation: reconnect, restore, unpause")
    release.add_argument("container", help="container name or id")
    drain = acting("drain", "drain a Swarm node: its tasks move to the other nodes")
    drain.add_argument("node", help="node hostname or id")
    activate = acting("activate", "make a drained or paused Swarm node active again")
    activate.add_argument("node", help="node hostname or id")

    clean = acting("clean", "remove stale storage by policy, after a preview")
    clean.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    clean.add_argument("--json", action="store_true", help="machine-readable output")
    clean.add_argument("--match", metavar="GLOB", default="",
                       help="consider only objects whose name, id or a key=value label "
                            "matches this glob")

    audit = verbs.add_parser("audit", help="the tamper-evident audit log")
    audit_verbs = audit.add_subparsers(dest="audit_verb", metavar="ACTION", required=True)
    verify = audit_verbs.add_parser(
        "verify", help="check the hash chain and the .head; exit 1 names the first problem")
    show = audit_verbs.add_parser("show", help="print the log readably")
    show.add_argument("--since", metavar="TIME", help="ISO 8601 time, or like 2h, 7d")
    for sub in (verify, show):
        sub.add_argument("--log", metavar="PATH", help="audit log file (default: configured)")

    status = verbs.add_parser("status", help="one sweep of the cluster, then print it")
    status.add_argument("--json", action="store_true", help="machine-readable output")

    forecast = verbs.add_parser(
        "forecast", help="capacity forecasts: from the metric history, or from a CSV series")
    forecast.add_argument("--history", metavar="CSV",
                          help="forecast this series instead (timestamp,used_bytes rows; "
                               "ISO 8601 or epoch seconds); needs --capacity")
    forecast.add_argument("--capacity", metavar="BYTES",
                          help="what the series can grow to: bytes, or like 500GiB, 2T")
    forecast.add_argument("--json", action="store_true", help="machine-readable output")

    collect = verbs.add_parser("collect", help="record metric history without the console "
                                               "(for cron or a systemd unit)")
    collect.add_argument("--interval", type=float, metavar="SECONDS",
                         help="seconds between samples (default: history.collect_interval)")
    collect.add_argument("--once", action="store_true",
                         help="take one sample (with disk usage) and exit")

    verbs.add_parser("agent", help="watch always (alerts, pages, history) and serve consoles "
                                   "and verbs on a unix socket; runs in the foreground")
    alerts = verbs.add_parser("alerts", help="the alerts now (the agent's, else one sweep's)")
    alerts.add_argument("--json", action="store_true", help="machine-readable output")
    ack = verbs.add_parser("ack", help="acknowledge an alert (audited)")
    silence = verbs.add_parser("silence", help="silence alerts for a while (audited)")
    for sub in (ack, silence):
        sub.add_argument("rule", help="the alert's rule (silence: a glob)")
        sub.add_argument("target", help="the alert's target (silence: a glob)")
    silence.add_argument("--for", dest="duration", required=True, metavar="SPAN",
                         help="how long, like 30m, 2h, 1d")
    silence.add_argument("--comment", required=True, help="why (shown beside the alert)")

    verbs.add_parser("keys", help="every key binding id and its key ([keys] in the config)")
    serve = verbs.add_parser("serve", help="the console in a browser (needs fintui[serve])")
    serve.add_argument("--host", dest="bind", default="127.0.0.1", metavar="ADDRESS",
                       help="address to listen on (default 127.0.0.1; others need --public)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--public", action="store_true",
                       help="allow a non-loopback address: anyone who reaches it and has the "
                            "token gets the console (plain HTTP: put TLS in front)")
    serve.add_argument("--token-file", metavar="PATH",
                       help="read the page's access token from this file (a kiosk's fixed "
                            "address) instead of a new random one each start")
    config = verbs.add_parser("config", help="settings tools")
    config_verbs = config.add_subparsers(dest="config_verb", metavar="ACTION", required=True)
    check = config_verbs.add_parser("check", help="validate a settings file")
    check.add_argument("path", nargs="?", help="file to check (default: the active one)")
    return parser


async def _watch_verb(args: argparse.Namespace, settings: Settings) -> int:
    """The verbs that go through the agent when one answers (and build the parts only when
    none does: an attached `status --json` imports no Docker code)."""
    from fintui import alert_verbs

    def build() -> Parts:
        return build_parts(args, settings)

    try:
        if args.verb == "agent":
            from fintui.agent.run import run_agent

            return await run_agent(build(), agent_path(args, settings)
                                   or settings.agent_socket, settings.agent_group)
        if args.verb == "alerts":
            return await alert_verbs.alerts_verb(args, settings, build)
        if args.verb in ("ack", "silence"):
            return await alert_verbs.ack_or_silence(args, settings, build)
        path: Path | None = agent_path(args, settings)
        if args.agent and path is not None:  # named: not there is an error, as for acts
            await alert_verbs.usable_agent(args, settings)
        if args.json:
            attached = await _agent_status(path)
            if attached is not None:
                return attached
            return await _status(build(), True)
        why = await alert_verbs.agent_reason(path)
        if not why and path is not None:
            return await _agent_status_text(path)
        code = await _status(build(), False)
        # Whether pages go out while nobody looks.
        print(one_line(f"agent: none ({why}); alerts are paged only by `fintui agent`, or by "
                       "a console started with --no-agent" if alert_verbs.absent(why) else
                       f"agent: not usable from this account ({why})"))
        return code
    except alert_verbs.VerbError as exc:
        return _error(str(exc), exc.code)


async def _agent_status_text(path: Path) -> int:
    """`status` through the agent: its latest snapshot as the table, and its alerts."""
    from fintui import alert_verbs

    snap, isolated, alerts = await alert_verbs.agent_view(path)
    print(status_text(snap, isolated))
    for a in alerts:
        print(one_line(f"{a.severity:<8} {a.state:<8} {a.rule} {a.target}"))
    print(one_line(f"agent: answering at {path}"))
    if not snap.source.connected:
        return _error(f"disconnected: {snap.source.error}", EXIT_FAILED)
    return EXIT_OK


async def _agent_status(path: Path | None) -> int | None:
    """The agent's status document (its alerts honour `for`); None when no agent answers."""
    from fintui import alert_verbs
    from fintui.agent.quick import AgentStarting, get_json

    if path is None:
        return None
    deadline = time.monotonic() + alert_verbs.FIRST_SWEEP
    while True:
        try:
            document = await asyncio.to_thread(get_json, path, "/v1/status")
            break
        except AgentStarting:  # just started: its first sweep is coming, and is the answer
            if time.monotonic() > deadline:
                return _error(f"the agent at {path} has not finished its first sweep in "
                              f"{alert_verbs.FIRST_SWEEP:g} s", EXIT_FAILED)
            await asyncio.sleep(0.2)
        except (OSError, ValueError):
            return None  # then one sweep from here, as without an agent
    if not isinstance(document, dict):
        return None
    print(json.dumps(document, indent=2, sort_keys=False))
    source = document.get("source") or {}
    if not source.get("connected"):
        return _error(f"disconnected: {source.get('error')}", EXIT_FAILED)
    down = [e for e in document.get("endpoints") or [] if not e.get("connected")]
    if down:
        return _error("endpoints down: " + "; ".join(f"{e.get('name')}: {e.get('error')}"
                                                     for e in down), EXIT_FAILED)
    return EXIT_OK if all(c.get("isolated") is not None
                          for c in document.get("containers") or []) else EXIT_FAILED


async def _status(parts: Parts, as_json: bool) -> int:
    poller = make_poller(parts)
    try:
        snap = await poller.sweep_once()
    finally:
        await parts.source.close()
    try:
        isolated: frozenset[str] | None = _isolated(parts)
    except StateUnavailable as exc:
        isolated = None  # unknown: never reported as "not isolated"
        unreadable = str(exc)
    if as_json:
        from fintui.alert_verbs import alerts_now

        document = status_document(snap, isolated, alerts_now(parts, snap))
        document["agent"] = None  # none answered (or --no-agent): this is one sweep's view
        print(json.dumps(document, indent=2, sort_keys=False))
    else:
        print(status_text(snap, isolated or frozenset()))
    if isolated is None:
        _error(f"isolations unknown: {unreadable}", EXIT_FAILED)
    if not snap.source.connected:
        return _error(f"disconnected: {snap.source.error}", EXIT_FAILED)
    down = snap.down_endpoints
    if down:  # a runbook must notice a dead host even while the others answer
        return _error("endpoints down: " + "; ".join(f"{e.name}: {e.error}" for e in down),
                      EXIT_FAILED)
    return EXIT_OK if isolated is not None else EXIT_FAILED


def _confirm(plan: Plan, assume_yes: bool) -> bool:
    """Show the plan; ask (twice for the big ones) unless --yes was given."""
    print(one_line(plan.summary))
    for step in plan.steps:
        print(f"  - {one_line(step)}")
    for warning in plan.warnings:
        print(f"  ! {one_line(warning)}")
    if plan.decision.override:
        print(f"  ! {one_line(plan.decision.reason)}: {one_line(plan.decision.override)}")
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("confirmation needed: run it in a terminal or pass --yes")
    questions = ["Proceed? [y/N] "]
    if plan.double_confirm:
        questions.append("This touches many instances or scales to zero. Really? [y/N] ")
    return all(input(q).strip().lower() in ("y", "yes") for q in questions)


async def _acting_verb(args: argparse.Namespace, settings: Settings) -> int:
    """An act through the agent when one answers (planned, held and run there as this OS
    account), else through this process's own operations layer."""
    from fintui import alert_verbs

    try:
        path, why = await alert_verbs.usable_agent(args, settings)
    except alert_verbs.VerbError as exc:
        return _error(str(exc), exc.code)
    parts: Parts | None = None
    ops: Operations | RemoteOperations
    if path is not None:
        from fintui.agent.remote_ops import RemoteOperations

        if args.actor:  # the socket says who asks; a name typed here cannot change it
            alert_verbs.say_as_unused()
        ops = RemoteOperations(path, override=getattr(args, "verb_override", "")
                               or args.override_freeze, read_only=args.read_only)
    else:
        parts = build_parts(args, settings)
        try:
            ops = parts.operations()
        except OSError as exc:  # the state or audit files of another account (a desk's)
            await parts.source.close()
            return _error(f"nothing was changed: {exc.strerror or exc}: "
                          f"{getattr(exc, 'filename', '') or ''} (no agent: {why})",
                          EXIT_FAILED)
    try:
        return await (_clean(ops, args) if args.verb == "clean" else _act(ops, args))
    finally:
        if parts is not None:
            await parts.source.close()


async def _act(ops: Operations | RemoteOperations, args: argparse.Namespace) -> int:
    from fintui.ops.operations import Failed, Refused, failure_line

    try:
        if args.verb == "scale":
            plan = await ops.plan_scale(args.target, args.replicas)
        elif args.verb == "isolate":
            plan = await ops.plan_isolate(args.container, replace=not args.no_replace)
        elif args.verb in ("drain", "activate"):
            plan = await ops.plan_node(args.node,
                                       "drain" if args.verb == "drain" else "active")
        else:
            plan = await ops.plan_release(args.container)
        if not await _confirmed(ops, plan, args.yes):
            print("cancelled: nothing changed")
            return EXIT_FAILED
        outcome = await ops.execute(plan, progress=lambda line: print(f"  {one_line(line)}"))
    except Refused as exc:
        return _error(f"refused: {exc}", EXIT_FAILED)
    except Failed as exc:
        return _error(failure_line(str(exc)), EXIT_FAILED)
    if "bundle" in outcome.result:
        print(f"forensics bundle: {outcome.result['bundle']}")
    print(f"done: {one_line(plan.summary)}")
    return EXIT_OK


def _items(items: Sequence[CleanupItem]) -> list[dict[str, object]]:
    return [{"kind": i.kind, "name": i.name, "id": i.id, "bytes": i.bytes, "reason": i.reason,
             "age_seconds": None if i.age_seconds is None else round(i.age_seconds)}
            for i in items]


def _print_cleanup(cleanup: CleanupPlan) -> None:
    from fintui.core.format import human_bytes

    print(f"candidates ({len(cleanup.candidates)}, {human_bytes(cleanup.reclaimable)}):")
    for item in cleanup.candidates:
        print(one_line(f"  {item.kind:<11} {item.name:<40} {human_bytes(item.bytes):>8}  "
                       f"{item.reason}"))
    print(f"spared ({len(cleanup.spared)}):")
    for item in cleanup.spared:
        print(one_line(f"  {item.kind:<11} {item.name:<40} {human_bytes(item.bytes):>8}  "
                       f"{item.reason}"))


async def _confirmed(ops: Operations | RemoteOperations, plan: Plan, assume_yes: bool) -> bool:
    from fintui.agent.remote_ops import drop_plan

    # asyncio.run turns ^C into cancelling this task, which cannot happen while input()
    # blocks: the prompt would ignore ^C. Here ^C is a plain "no".
    interrupt = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if _confirm(plan, assume_yes):
            return True
    except (KeyboardInterrupt, EOFError):  # ^C or ^D at the prompt
        print()
    except UsageError:  # no terminal to ask on
        await drop_plan(ops, plan)
        raise
    finally:
        signal.signal(signal.SIGINT, interrupt)
    await drop_plan(ops, plan)
    return False


async def _clean(ops: Operations | RemoteOperations, args: argparse.Namespace) -> int:
    from fintui.ops.operations import Failed, Refused, failure_line

    try:
        if args.dry_run:
            cleanup = await ops.preview_clean(args.match)
            if args.json:
                print(json.dumps({"candidates": _items(cleanup.candidates),
                                  "spared": _items(cleanup.spared),
                                  "reclaimable_bytes": cleanup.reclaimable}, indent=2))
            else:
                _print_cleanup(cleanup)
                print("dry run: nothing was changed")
            return EXIT_OK
        plan = await ops.plan_clean(args.match)
        assert plan.cleanup is not None
        if not args.json:
            _print_cleanup(plan.cleanup)
        if not plan.cleanup.candidates:
            print(json.dumps({"removed": [], "skipped": [], "failed": [], "freed_bytes": {},
                              "freed_total": 0}) if args.json else "nothing to clean")
            return EXIT_OK
        if not args.json and not await _confirmed(ops, plan, args.yes):
            print("cancelled: nothing changed")
            return EXIT_FAILED
        if args.json and not args.yes:
            from fintui.agent.remote_ops import drop_plan

            await drop_plan(ops, plan)
            raise UsageError("--json without --dry-run needs --yes")
        outcome = await ops.execute(plan, progress=None if args.json else
                                    (lambda line: print(f"  {one_line(line)}")))
    except Refused as exc:
        return _clean_error(args, f"refused: {exc}", {})
    except (Failed, SourceUnavailable) as exc:
        # Cut short: what it did is still the document a script reads, with why it stopped.
        return _clean_error(args, failure_line(str(exc)), exc.result
                            if isinstance(exc, Failed) else {})
    result = outcome.result
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"freed {result['freed_total']} bytes: " + ", ".join(
            f"{kind} {size}" for kind, size in sorted(result["freed_bytes"].items())))
        for item in result["skipped"]:
            print(one_line(f"skipped {item['kind']} {item['name']}: {item['reason']}"))
        for item in result["failed"]:
            print(one_line(f"failed {item['kind']} {item['name']}: {item['error']}"))
    return EXIT_FAILED if result["failed"] else EXIT_OK


def _clean_error(args: argparse.Namespace, message: str, done: dict[str, Any]) -> int:
    """A clean that failed or was refused: the message, and with --json (not a dry run) the
    JSON document of what it did all the same, with an `error` field."""
    if args.json and not args.dry_run:
        freed = dict(done.get("freed_bytes") or {})
        print(json.dumps({"removed": list(done.get("removed") or []),
                          "skipped": list(done.get("skipped") or []),
                          "failed": list(done.get("failed") or []), "freed_bytes": freed,
                          "freed_total": sum(freed.values()), "error": message}, indent=2))
    return _error(message, EXIT_FAILED)


def _parse_since(text: str) -> datetime:
    units = {"m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units and text[:-1].isdigit():
        return datetime.now(UTC) - timedelta(seconds=int(text[:-1]) * units[text[-1]])
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {text}: use ISO 8601 or a span like 2h or 7d") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from fintui.ops.audit import AuditKeyError, AuditLog, AuditUnreadable

    if args.audit_verb == "show" and not args.log:
        shown = asyncio.run(_agent_audit(args, settings))
        if shown is not None:
            return shown
    log = AuditLog.from_settings(settings, Path(args.log) if args.log else None)
    try:
        if args.audit_verb == "verify":
            result = log.verify()
            if result.ok:
                note = f"; {result.note}" if result.note else ""  # what a crash left
                print(one_line(f"{log.path}: {result.records} records, chain intact{note}"))
                return EXIT_OK
            return _error(f"{log.path}: {result.problem}", EXIT_FAILED)
        since = _parse_since(args.since) if args.since else None
        for line in log.show(since):
            print(line)
    except AuditKeyError as exc:  # the key file is configuration
        return _error(str(exc), EXIT_USAGE)
    except AuditUnreadable as exc:
        return _error(f"{log.path}: {exc}", EXIT_FAILED)
    except OSError as exc:  # another account's log (a desk's: `audit show` via the agent)
        return _error(f"{log.path}: {exc.strerror or exc}", EXIT_FAILED)
    return EXIT_OK


async def _agent_audit(args: argparse.Namespace, settings: Settings) -> int | None:
    """`audit show` through the agent (its log: the acts done through it); None when no
    agent answers, to read the configured file here."""
    from fintui.agent.client import AgentClient, AgentFailed, AgentRefused, AgentUnavailable

    path = agent_path(args, settings)
    if path is None:
        return None
    since = _parse_since(args.since).isoformat() if args.since else ""
    try:
        async with AgentClient(path, timeout=30.0) as client:
            answer = await client.audit_tail(since, limit=AUDIT_SHOWN)
    except AgentUnavailable as exc:
        if args.agent:  # named: not there is an error, as for every verb
            return _error(f"cannot use the agent: {exc.reason}", EXIT_FAILED)
        return None
    except AgentFailed as exc:
        if exc.status == 404:  # something answers there, and it is not an agent
            return _error(f"cannot use the agent: {path} did not answer as an agent "
                          f"({exc})", EXIT_FAILED)
        return _error(f"the agent's audit log: {exc}", EXIT_FAILED)
    except AgentRefused as exc:
        return _error(f"the agent's audit log: {exc}", EXIT_FAILED)
    lines = answer.get("lines")
    print(one_line(f"from the agent at {path}: {answer.get('path')}"), file=sys.stderr)
    for line in lines if isinstance(lines, list) else []:
        print(one_line(str(line)))
    return EXIT_OK


def _isolated(parts: Parts) -> frozenset[str]:
    """Containers under isolation, from the state database; StateUnavailable if it cannot be
    read (a status must not call an isolated container "not isolated")."""
    from fintui.store.isolations import IsolationStore

    path = parts.settings.state_dir / "state.sqlite"
    try:
        if not path.exists():  # nothing was ever isolated here; a status creates no files
            return frozenset()
    except OSError as exc:  # another account's state folder
        reason = exc.strerror or str(exc)
        raise StateUnavailable(f"cannot read {path}: {reason}", path, reason) from None
    return frozenset(IsolationStore(path).active_ids())


def _forecast_csv(args: argparse.Namespace, settings: Settings) -> int:
    from fintui.core.forecast import forecast_with_expansion
    from fintui.core.forecast_report import (
        forecast_document,
        forecast_text,
        parse_history_csv,
        parse_size,
    )
    from fintui.forecasting import forecast_rules

    if not args.capacity:
        raise UsageError("forecast --history needs --capacity BYTES")
    try:
        capacity = parse_size(args.capacity)
    except ValueError as exc:
        raise UsageError(f"--capacity: {exc}") from None
    try:
        with open(args.history, encoding="utf-8") as handle:
            points = parse_history_csv(handle.read())
    except OSError as exc:
        raise UsageError(f"--history {args.history}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"--history {args.history}: {exc}") from None
    result = forecast_with_expansion(args.history, "series", points, float(capacity),
                                     forecast_rules(settings.forecast))
    if args.json:
        print(json.dumps(forecast_document(result), indent=2))
    else:
        print("\n".join(one_line(line) for line in forecast_text(result)))
    return EXIT_OK


def _forecast_history(parts: Parts, as_json: bool) -> int:
    from fintui.core.forecast_report import forecast_document, full_in
    from fintui.core.format import human_bytes
    from fintui.forecasting import forecast_all, forecast_rules

    store = parts.open_history()
    results = forecast_all(store, forecast_rules(parts.settings.forecast))
    if as_json:
        print(json.dumps([forecast_document(r.forecast) for r in results], indent=2))
        return EXIT_OK
    if not results:
        print(f"no history yet in {store.path}: run the console or `fintui collect`")
        return EXIT_OK
    for r in results:
        f = r.forecast
        flag = ("EXPAND " if f.expand else "") + f.severity.upper()
        print(one_line(f"{f.target[:40]:<40} {human_bytes(f.used_bytes):>8} / "
                       f"{human_bytes(f.capacity_bytes):>8}  {full_in(f):<22} {flag}"))
    return EXIT_OK


def _keymap_error(settings: Settings, exc: KeymapError) -> int:
    for problem in exc.problems:  # every problem at once, one line each
        _error(f"config error: {settings.source_file or 'defaults'}: [keys] {problem}",
               EXIT_USAGE)
    return EXIT_USAGE


def _keys(settings: Settings) -> int:
    from fintui.tui.app import FintuiApp
    from fintui.tui.keys import binding_table

    try:
        rows = binding_table(FintuiApp, settings.keys)
    except KeymapError as exc:
        return _keymap_error(settings, exc)
    print(f"{'ID':<26} {'KEYS':<22} {'WHERE':<28} WHAT")
    for ident, keys, where, what in rows:
        print(f"{ident:<26} {keys:<22} {where:<28} {what}")
    return EXIT_OK


def _check_theme(settings: Settings) -> None:
    """ui.theme names a theme that exists (shipped, or a file in the user's themes folder);
    the console would refuse to start with any other."""
    import contextlib
    from pathlib import Path

    from fintui.config import find_key_line
    from fintui.tui.theme_loader import load_themes

    themes, _unusable = load_themes()
    name = settings.ui.theme
    if name in themes:
        return
    source = settings.source_file
    line = None
    # Read a moment ago; should it fail now, the message still names the key.
    with contextlib.suppress(OSError, UnicodeDecodeError):
        line = find_key_line(Path(source).read_text(encoding="utf-8"), "ui.theme") \
            if source else None
    raise ConfigError(source or "<default.toml>", f"unknown theme {name!r}; available: "
                      + ", ".join(sorted(themes)), "ui.theme", line)


def _config_check(args: argparse.Namespace) -> int:
    path = args.path or args.config
    settings = check_file(path) if path else load_settings(None)
    _check_theme(settings)
    if settings.keys:  # key names and clashes need the console's bindings
        from fintui.tui.app import FintuiApp
        from fintui.tui.keys import console_keymap

        try:
            console_keymap(FintuiApp, settings.keys)
        except KeymapError as exc:
            return _keymap_error(settings, exc)
    print(f"{settings.source_file or 'built-in defaults'}: OK")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    if PARENT_ENV in os.environ:  # a console of `fintui serve`: end with the server
        from fintui.parent_watch import die_with_parent

        die_with_parent()
    args = build_parser().parse_args(argv)
    try:
        if args.verb == "config":
            return _config_check(args)
        settings = load_settings(args.config)
        if args.verb == "audit":
            return _audit(args, settings)
        if args.verb == "keys":
            return _keys(settings)
        if args.verb == "serve":
            from fintui.serve import ServeError, serve

            try:
                return serve(args, settings)
            except ServeError as exc:
                raise UsageError(str(exc)) from None
        if args.verb == "forecast" and args.history:
            return _forecast_csv(args, settings)
        if args.verb in ("alerts", "ack", "silence", "status", "agent"):
            return asyncio.run(_watch_verb(args, settings))
        if args.verb in ("scale", "isolate", "release", "drain", "activate", "clean"):
            return asyncio.run(_acting_verb(args, settings))
        parts = build_parts(args, settings)
        if args.verb == "forecast":
            return _forecast_history(parts, args.json)
        if args.verb == "collect":
            from fintui.collector import collect

            return asyncio.run(collect(parts, args.interval, args.once))
        from fintui.tui.app import UnknownTheme, run_app  # only the console needs Textual

        try:
            return run_app(parts, theme=args.theme)
        except UnknownTheme as exc:
            for line in str(exc).splitlines():  # the theme, then each unusable theme file
                _error(line.strip(), EXIT_USAGE)
            return EXIT_USAGE
        except KeymapError as exc:
            return _keymap_error(settings, exc)
    except ConfigError as exc:
        return _error(f"config error: {exc}", EXIT_USAGE)
    except UsageError as exc:
        return _error(str(exc), EXIT_USAGE)
    except StateUnavailable as exc:
        # Another place helps only when this one cannot be made or written, not when locked.
        hint = " (set paths.state_dir)" if any(
            why in exc.reason for why in ("unable to open", "ermission", "read-only")) else ""
        return _error(f"{exc}{hint}", EXIT_USAGE)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `fintui ... | head`: the reader left; no traceback, and none from the final flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
