"""Alerts on the command line, as amtool is for Alertmanager: `alerts`, `ack`, `silence`.

Through the agent when one answers on its socket (its alerts honour `for`, and an act is done
as the caller's OS account); else from one sweep and the saved alert state, said so."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fintui.config import Settings, parse_duration
from fintui.core.alerts import silence_problem
from fintui.core.report import alert_document
from fintui.core.text_safety import one_line
from fintui.wiring import agent_path

if TYPE_CHECKING:
    from fintui.core.alerts import Alert
    from fintui.model import ClusterSnapshot
    from fintui.wiring import Parts

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
AGENT_TIMEOUT = 5.0  # seconds for one answer from the agent
FIRST_SWEEP = 60.0  # seconds a verb waits for a just-started agent's first sweep


class VerbError(Exception):
    """One line for stderr, and the exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


async def usable_agent(args: argparse.Namespace, settings: Settings) -> tuple[Path | None, str]:
    """The agent to go through, or None and why not. An agent that is there but cannot be
    used (permission denied, not an agent), or one named with --agent that does not answer,
    is an error: silently acting without it would put the act where nobody reads it."""
    path = agent_path(args, settings)
    why = await agent_reason(path)
    if not why:
        return path, ""
    if path is None:  # --no-agent (or the demo): whatever --agent says
        return None, why
    from fintui.agent.client import absent

    if not absent(why) or getattr(args, "agent", None):
        raise VerbError(f"cannot use the agent: {why}"
                        + (f" (ask for group {settings.agent.group!r})"
                           if "permission denied" in why and settings.agent.group else ""))
    return None, why


def say_as_unused() -> None:
    from fintui.ops.identity import current_identity

    print(f"fintui: --as is not used through the agent: acts are audited as this OS account "
          f"({current_identity().user})", file=sys.stderr)


async def agent_reason(path: Path | None) -> str:
    """"" when an agent answers at `path`, else why not (for the line that says so)."""
    from fintui.agent.client import agent_reason as reason

    return await reason(path, AGENT_TIMEOUT)


async def agent_view(path: Path) -> tuple[ClusterSnapshot, frozenset[str], list[Alert]]:
    """The agent's latest snapshot, isolation marks and alerts (the start of its stream)."""
    from fintui.agent.client import AgentClient, AgentFailed, AgentUnavailable
    from fintui.core.alerts import Alert
    from fintui.core.wire import WireError, decode
    from fintui.model import ClusterSnapshot

    snap: ClusterSnapshot | None = None
    isolated: frozenset[str] = frozenset()
    alerts: list[Alert] | None = None
    try:
        # A just-started agent sends its alerts first and its first sweep when done.
        async with asyncio.timeout(FIRST_SWEEP), AgentClient(path, AGENT_TIMEOUT) as client:
            async for item in client.updates(read_timeout=AGENT_TIMEOUT):
                if item.get("kind") == "snapshot":
                    snap = decode(ClusterSnapshot, item["snapshot"])
                    isolated = frozenset(item.get("isolated") or ())
                elif item.get("kind") == "alerts":
                    alerts = decode(list[Alert], item.get("alerts") or [])
                if snap is not None and alerts is not None:
                    return snap, isolated, alerts
    except TimeoutError:
        raise VerbError(f"the agent at {path} has not finished its first sweep in "
                        f"{FIRST_SWEEP:g} s") from None
    except (AgentUnavailable, AgentFailed, WireError, KeyError) as exc:
        raise VerbError(f"the agent at {path}: {getattr(exc, 'reason', exc)}") from None
    raise VerbError(f"the agent at {path} stopped before it said anything")


def alerts_now(parts: Parts, snap: ClusterSnapshot) -> list[Alert]:
    """One sweep's view: rules whose condition holds now (pending until their `for` elapses
    in a running watch), marked acked or silenced from the saved state."""
    from fintui.core.alerts import AlertEngine, observe, one_look, rules_from
    from fintui.store.alert_state import AlertStateFile

    settings = parts.settings.alerts
    rules = rules_from(settings)
    engine = AlertEngine(settings.resolve_after)
    if snap.source.connected:
        # What one look shows of restarts: a crash loop fires here too.
        restarts = one_look(snap.containers, snap.taken_at,
                            timedelta(seconds=settings.restart_window))
        engine.evaluate(observe(rules, snap, restarts), snap.taken_at)
    state = AlertStateFile(settings.state_file)
    return engine.shown(state.silences, state.acks, snap.taken_at)


def print_alerts(alerts: list[dict[str, Any]], origin: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"source": origin, "alerts": alerts}, indent=2))
        return
    print(one_line(origin))
    if not alerts:
        print("no alerts")
    for a in alerts:
        marks = [f"acked by {a['acked_by']}" if a.get("acked_by") else "",
                 "silenced" if a.get("silenced") else ""]
        print(one_line(f"{a['severity']:<8} {a['state']:<8} {a['rule']:<18} {a['target']}  "
                       f"since {a['since']}  " + "  ".join(m for m in marks if m)).rstrip())


async def alerts_verb(args: argparse.Namespace, settings: Settings,
                      build: Any) -> int:
    """`fintui alerts`: the agent's, else one sweep's (rules with `for` show as pending)."""
    from fintui.agent.client import AgentClient, AgentFailed, AgentUnavailable

    path, why = await usable_agent(args, settings)
    if path is not None:
        try:
            async with AgentClient(path, timeout=AGENT_TIMEOUT) as client:
                alerts = await client.alerts()
        except (AgentUnavailable, AgentFailed) as exc:
            why = str(getattr(exc, "reason", exc))
        else:
            print_alerts(alerts, f"from the agent at {path}", args.json)
            return EXIT_OK
    from fintui.poller import make_poller

    parts: Parts = build()
    try:
        snap = await make_poller(parts).sweep_once()
    finally:
        await parts.source.close()
    if not snap.source.connected:
        raise VerbError(f"disconnected: {snap.source.error}")
    origin = (f"from one sweep (no agent: {why}); a rule with a `for` shows as pending "
              "until an agent has watched it that long")
    print_alerts([alert_document(a) for a in alerts_now(parts, snap)], origin, args.json)
    return EXIT_OK


async def ack_or_silence(args: argparse.Namespace, settings: Settings, build: Any) -> int:
    """`fintui ack` / `fintui silence`: through the agent (as this OS account), else kept in
    the alert state file every console and agent reads."""
    from fintui.agent.client import AgentClient, AgentFailed, AgentRefused, AgentUnavailable

    seconds = 0.0
    if args.verb == "silence":
        seconds = parse_duration(args.duration) or 0.0
        problem = silence_problem(seconds)
        if problem:
            raise VerbError(f"--for {args.duration}: {problem}", EXIT_USAGE)
        if not args.comment.strip():
            raise VerbError("a silence needs --comment saying why", EXIT_USAGE)
    path, why = await usable_agent(args, settings)
    if path is not None:
        if args.actor:  # the socket says who asks; a name typed here cannot change it
            say_as_unused()
        try:
            async with AgentClient(path, timeout=AGENT_TIMEOUT) as client:
                said = await (client.ack(args.rule, args.target, args.read_only)
                              if args.verb == "ack" else
                              client.silence(args.rule, args.target, seconds, args.comment,
                                             args.read_only))
        except AgentRefused as exc:
            raise VerbError(f"refused: {exc}") from None
        except AgentFailed as exc:
            raise VerbError(str(exc), EXIT_USAGE if exc.status == 400 else EXIT_FAILED
                            ) from None
        except AgentUnavailable as exc:
            raise VerbError(f"the agent at {path} stopped answering: {exc.reason}; "
                            "nothing was changed") from None
        print(one_line(said))
        return EXIT_OK
    return _saved_here(args, build, seconds, why)


def _saved_here(args: argparse.Namespace, build: Any, seconds: float, why: str) -> int:
    from fintui.core.alerts import Silence
    from fintui.ops.operations import Refused
    from fintui.store.alert_state import AlertStateFile
    from fintui.store.db import StateUnavailable

    parts: Parts = build()
    ops = parts.operations()
    now = parts.clock.now()
    state = AlertStateFile(parts.settings.alerts.state_file)
    try:
        if args.verb == "ack":
            ops.record("ack", args.target, {"rule": args.rule})
            state.ack(args.rule, args.target, parts.actor, now)
            said = f"acknowledged {args.rule} on {args.target}"
        else:
            until = now + timedelta(seconds=seconds)
            ops.record("silence", args.target, {"rule": args.rule, "until": until.isoformat(),
                                                "comment": args.comment})
            state.silence(Silence(args.rule, args.target, until, args.comment, parts.actor),
                          now)
            said = (f"silenced {args.rule} on {args.target} until {until:%Y-%m-%d %H:%M} "
                    "UTC")
    except Refused as exc:
        raise VerbError(f"refused: {exc}") from None
    except StateUnavailable as exc:
        raise VerbError(f"audited but not saved: {exc}") from None
    except OSError as exc:  # the audit log or state folder of another account
        raise VerbError(f"nothing was changed: {exc.strerror or exc}: "
                        f"{getattr(exc, 'filename', '') or ''}") from None
    print(one_line(f"{said} (no agent: {why}; saved in {state.path}, read by every "
                   "console and agent at its next sweep)"))
    return EXIT_OK
