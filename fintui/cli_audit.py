"""`audit verify` and `audit show`: the log here, or the agent's through it."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from fintui.cli_common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, NO_DEMO_ACTS, error
from fintui.config import Settings
from fintui.core.text_safety import one_line
from fintui.wiring import UsageError, agent_path

if TYPE_CHECKING:

    pass

AUDIT_SHOWN = 100_000  # records `audit show` asks the agent for: all of any usual log

def _parse_since(text: str) -> datetime:
    units = {"m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units and text[:-1].isdigit():
        return datetime.now(UTC) - timedelta(seconds=int(text[:-1]) * units[text[-1]])
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {text}: use ISO 8601 or a span like 2h or 7d") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def audit_verb(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from fintui.ops.audit import AuditKeyError, AuditLog, AuditUnreadable

    if getattr(args, "demo", False) and not args.log:
        # The demo's log is new each run (and the real one is not the demo's to show).
        print(NO_DEMO_ACTS)
        return EXIT_OK
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
            return error(f"{log.path}: {result.problem}", EXIT_FAILED)
        since = _parse_since(args.since) if args.since else None
        for line in log.show(since):
            print(line)
    except AuditKeyError as exc:  # the key file is configuration
        return error(str(exc), EXIT_USAGE)
    except AuditUnreadable as exc:
        return error(f"{log.path}: {exc}", EXIT_FAILED)
    except OSError as exc:  # another account's log (a desk's: `audit show` via the agent)
        return error(f"{log.path}: {exc.strerror or exc}", EXIT_FAILED)
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
            return error(f"cannot use the agent: {exc.reason}", EXIT_FAILED)
        return None
    except AgentFailed as exc:
        if exc.status == 404:  # something answers there, and it is not an agent
            return error(f"cannot use the agent: {path} did not answer as an agent "
                          f"({exc})", EXIT_FAILED)
        return error(f"the agent's audit log: {exc}", EXIT_FAILED)
    except AgentRefused as exc:
        return error(f"the agent's audit log: {exc}", EXIT_FAILED)
    lines = answer.get("lines")
    print(one_line(f"from the agent at {path}: {answer.get('path')}"), file=sys.stderr)
    for line in lines if isinstance(lines, list) else []:
        print(one_line(str(line)))
    return EXIT_OK
