"""The release verbs (`rollout`, `rollback`): plan, confirm, follow the rollout to its end.

With --json (and --yes: a document has no prompt) the output is one document:
{"action", "service", "kind", "from", "to", "from_digests", "to_digests", "canary",
 "outcome": completed | rolled_back | failed | refused | interrupted, "rolled_back",
 "reason"}; exit 1 (130 when interrupted) with
one line on stderr whenever the outcome is not `completed`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

from fintui.cli_common import EXIT_FAILED, EXIT_OK, error
from fintui.config_checks import parse_duration
from fintui.core.running_acts import cut_short
from fintui.core.text_safety import one_line
from fintui.sources.base import SourceUnavailable
from fintui.wiring import UsageError

if TYPE_CHECKING:
    from fintui.agent.remote_ops import RemoteOperations
    from fintui.ops.operations import Operations, Plan

FIELDS = ("kind", "from", "to", "from_digests", "to_digests", "canary")


def _watch(args: argparse.Namespace) -> float:
    """--watch as seconds (0: the configured [rollout] watch); a bad one is a usage error."""
    if not args.watch:
        return 0.0
    seconds = parse_duration(args.watch)
    if seconds is None or seconds <= 0:
        raise UsageError(f"--watch {args.watch!r}: give a duration like 30s, 2m or 1m30s")
    return seconds


async def rollout_verb(ops: Operations | RemoteOperations, args: argparse.Namespace) -> int:
    from fintui.cli_approvals import waiting
    from fintui.cli_confirm import confirmed as _confirmed
    from fintui.ops.operations import Failed, Refused
    from fintui.ops.plan import AwaitingApproval

    rollout = args.verb == "rollout"
    watch = _watch(args) if rollout else 0.0
    if rollout and args.canary < 0:
        raise UsageError("--canary: give 0 (no canary) or more replicas")
    if rollout and args.parallelism < 1:
        raise UsageError("--parallelism: give 1 or more")
    if args.json and not args.yes:
        raise UsageError(f"{args.verb} --json needs --yes (a document cannot ask)")
    plan: Plan | None = None
    running = False
    try:
        if rollout:
            plan = await ops.plan_rollout(args.service, args.image, args.canary, watch,
                                          args.parallelism)
        else:
            plan = await ops.plan_rollback(args.service)
        if not args.json and not await _confirmed(ops, plan, args.yes):
            print("cancelled: nothing changed")
            return EXIT_FAILED
        running = True
        outcome = await ops.execute(plan, progress=None if args.json else _progress)
    except (asyncio.CancelledError, KeyboardInterrupt):  # ^C: say what is left, once
        said = cut_short(args.verb, args.service, _kind(plan),
                         bool(plan.parameters.get("canary"))) if running and plan else \
            "nothing was changed"
        print(f"interrupted: {said}", file=sys.stderr, flush=True)
        if args.json:  # a runbook still gets its one document
            print(json.dumps(document(args, plan, {}, "interrupted", f"interrupted: {said}"),
                             indent=2), flush=True)
        raise
    except AwaitingApproval as exc:  # nothing changed: another operator's turn
        return waiting(exc, document(args, plan, {}, "pending", str(exc)) if args.json
                       else None)
    except Refused as exc:
        return _ended(args, plan, "refused", f"refused: {exc}", {})
    except (Failed, SourceUnavailable) as exc:
        message = str(exc)
        result = exc.result if isinstance(exc, Failed) else {}
        rolled_back = bool(result.get("rolled_back")) or message.startswith("rolled back:")
        return _ended(args, plan, "rolled_back" if rolled_back else "failed",
                      message if rolled_back else _failure_line(message), result)
    if args.json:
        print(json.dumps(document(args, plan, outcome.result, "completed"), indent=2))
    else:
        print(f"done: {one_line(plan.summary)}")
    return EXIT_OK


def _kind(plan: Plan) -> str:
    """swarm or compose, as the plan says (a compose target is `project/service`)."""
    kind = plan.parameters.get("kind")
    return str(kind) if kind else ("compose" if "/" in plan.target else "swarm")


def _progress(line: str) -> None:
    print(f"  {one_line(line)}", flush=True)


def _failure_line(message: str) -> str:
    from fintui.ops.operations import failure_line

    return failure_line(message)


def document(args: argparse.Namespace, plan: Plan | None, result: dict[str, Any],
             outcome: str, reason: str = "") -> dict[str, Any]:
    """The --json document, from the plan's parameters and what the act's result holds."""
    parameters = plan.parameters if plan is not None else {}
    doc: dict[str, Any] = {"action": args.verb, "service": args.service}
    for key in FIELDS:
        doc[key] = result.get(key, parameters.get(key))
    doc["from_digests"] = list(doc["from_digests"] or [])
    doc["to_digests"] = list(doc["to_digests"] or [])
    if plan is None and args.verb == "rollout":  # refused before there was a plan
        doc["to"], doc["canary"] = args.image, args.canary
    doc["canary"] = int(doc["canary"] or 0)
    doc.update(outcome=outcome, rolled_back=outcome == "rolled_back",
               reason=reason or str(result.get("reason") or ""))
    return doc


def _ended(args: argparse.Namespace, plan: Plan | None, outcome: str, message: str,
           result: dict[str, Any]) -> int:
    """Not completed: the document all the same (with --json), and the line on stderr."""
    if args.json:
        print(json.dumps(document(args, plan, result, outcome, one_line(message)), indent=2))
        sys.stdout.flush()
    return error(message, EXIT_FAILED)
