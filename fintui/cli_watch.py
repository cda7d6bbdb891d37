"""`status`, `alerts`, `ack`, `silence` and `agent`: the verbs that go through the agent when
one answers, else take one sweep here."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import TYPE_CHECKING

from fintui.cli_common import EXIT_FAILED, EXIT_OK, error
from fintui.config import Settings
from fintui.core.report import status_document, status_text
from fintui.core.text_safety import one_line
from fintui.poller import make_poller
from fintui.store.db import StateUnavailable
from fintui.wiring import Parts, agent_path, build_parts

if TYPE_CHECKING:
    from pathlib import Path


async def watch_verb(args: argparse.Namespace, settings: Settings) -> int:
    """The verbs that go through the agent when one answers (and build the parts only when
    none does: an attached `status --json` imports no Docker code)."""
    from fintui import alert_verbs
    from fintui.agent.client import absent

    def build() -> Parts:
        return build_parts(args, settings)

    try:
        if args.verb == "agent":
            from fintui.agent.run import run_agent

            return await run_agent(build(), agent_path(args, settings)
                                   or settings.agent.socket, settings.agent.group)
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
                       "a console started with --no-agent" if absent(why) else
                       f"agent: not usable from this account ({why})"))
        return code
    except alert_verbs.VerbError as exc:
        return error(str(exc), exc.code)


async def _agent_status_text(path: Path) -> int:
    """`status` through the agent: its latest snapshot as the table, and its alerts."""
    from fintui import alert_verbs

    snap, isolated, alerts = await alert_verbs.agent_view(path)
    print(status_text(snap, isolated))
    for a in alerts:
        print(one_line(f"{a.severity:<8} {a.state:<8} {a.rule} {a.target}"))
    print(one_line(f"agent: answering at {path}"))
    if not snap.source.connected:
        return error(f"disconnected: {snap.source.error}", EXIT_FAILED)
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
                return error(f"the agent at {path} has not finished its first sweep in "
                              f"{alert_verbs.FIRST_SWEEP:g} s", EXIT_FAILED)
            await asyncio.sleep(0.2)
        except (OSError, ValueError):
            return None  # then one sweep from here, as without an agent
    if not isinstance(document, dict):
        return None
    print(json.dumps(document, indent=2, sort_keys=False))
    source = document.get("source") or {}
    if not source.get("connected"):
        return error(f"disconnected: {source.get('error')}", EXIT_FAILED)
    down = [e for e in document.get("endpoints") or [] if not e.get("connected")]
    if down:
        return error("endpoints down: " + "; ".join(f"{e.get('name')}: {e.get('error')}"
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
        error(f"isolations unknown: {unreadable}", EXIT_FAILED)
    if not snap.source.connected:
        return error(f"disconnected: {snap.source.error}", EXIT_FAILED)
    down = snap.down_endpoints
    if down:  # a runbook must notice a dead host even while the others answer
        return error("endpoints down: " + "; ".join(f"{e.name}: {e.error}" for e in down),
                      EXIT_FAILED)
    return EXIT_OK if isolated is not None else EXIT_FAILED


def _isolated(parts: Parts) -> frozenset[str]:
    """Containers under isolation, from the state database; StateUnavailable if it cannot be
    read (a status must not call an isolated container "not isolated")."""
    from fintui.store.isolations import IsolationStore

    path = parts.settings.paths.state_dir / "state.sqlite"
    try:
        if not path.exists():  # nothing was ever isolated here; a status creates no files
            return frozenset()
    except OSError as exc:  # another account's state folder
        reason = exc.strerror or str(exc)
        raise StateUnavailable(f"cannot read {path}: {reason}", path, reason) from None
    return frozenset(IsolationStore(path).active_ids())
