"""The container verbs (`restart`, `stop`, `start`, `kill`, `pause`, `unpause`, `rm`): one plan
for every container named or matched, confirmed once, run with progress.

With --json (and --yes: a document has no prompt) the output is one document:
{"action", "signal" (kill), "containers": [{"name", "id", "done", "error"}],
 "skipped": [{"name", "id", "reason"}] (a name no container has: reason "no such container",
 id ""), "error" (when refused, not all done, or a name was not found: exit 1)}."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import TYPE_CHECKING, Any

from fintui.cli_common import EXIT_FAILED, EXIT_OK, INTERRUPTED, error
from fintui.core.text_safety import one_line
from fintui.sources.base import SourceUnavailable
from fintui.wiring import UsageError

if TYPE_CHECKING:
    from fintui.agent.remote_ops import RemoteOperations
    from fintui.ops.operations import Operations, Plan

# verb → the act's name in the operations layer (and the guard, and the audit)
CONTAINER_VERBS = {"restart": "restart", "stop": "stop", "start": "start", "kill": "kill",
                   "pause": "pause", "unpause": "unpause", "rm": "remove"}


async def container_verb(ops: Operations | RemoteOperations, args: argparse.Namespace) -> int:
    from fintui.cli_approvals import waiting
    from fintui.cli_confirm import confirmed
    from fintui.ops.operations import Failed, Refused, failure_line
    from fintui.ops.plan import AwaitingApproval

    action = CONTAINER_VERBS[args.verb]
    if not args.containers and not args.match:
        raise UsageError(f"{args.verb}: name the containers, or give --match GLOB")
    if args.json and not args.yes:
        raise UsageError(f"{args.verb} --json needs --yes (a document cannot ask)")
    plan: Plan | None = None
    try:
        plan = await ops.plan_container(action, args.containers,
                                        getattr(args, "signal", "") or "", args.match)
        if not args.json and not await confirmed(ops, plan, args.yes):
            print("cancelled: nothing changed")
            return EXIT_FAILED
        outcome = await ops.execute(plan, progress=None if args.json else
                                    (lambda line: print(f"  {one_line(line)}")))
    except (asyncio.CancelledError, KeyboardInterrupt):  # ^C: a runbook still gets a document
        if args.json:
            print(json.dumps(_interrupted(action, plan), indent=2), flush=True)
        raise
    except AwaitingApproval as exc:  # nothing changed: another operator's turn
        return waiting(exc, _document(action, plan, {}) if args.json else None)
    except Refused as exc:
        return _failed(args, action, plan, f"refused: {exc}", {})
    except (Failed, SourceUnavailable) as exc:
        return _failed(args, action, plan, failure_line(str(exc)),
                       exc.result if isinstance(exc, Failed) else {})
    # A name no container has is an error of the call, though the others were done.
    missing = [str(t) for t in plan.parameters.get("missing") or []]
    message = "; ".join(f"no container {one_line(t)!r}: left out" for t in missing)
    if args.json:
        print(json.dumps(_document(action, plan, outcome.result, message, ran=True),
                         indent=2))
    else:
        print(f"done: {one_line(plan.summary)}")
    return error(message, EXIT_FAILED) if message else EXIT_OK


def _document(action: str, plan: Plan | None, result: dict[str, Any],
              message: str = "", ran: bool = False) -> dict[str, Any]:
    """The --json document: every container of the plan, those the act never reached too
    (unless it ran to its end: `ran`)."""
    rows = [{"name": str(r.get("name", "")), "id": str(r.get("id", "")),
             "done": bool(r.get("done")), "error": str(r.get("error", ""))}
            for r in result.get("containers") or [] if isinstance(r, dict)]
    if plan is not None and message and not ran:
        reached = {r["id"] for r in rows}
        rows += [{"name": name, "id": cid, "done": False,
                  "error": "not reached: the act stopped before it"}
                 for name, cid in zip(plan.parameters.get("containers") or [],
                                      plan.parameters.get("ids") or [], strict=False)
                 if cid not in reached]
    skipped = result.get("skipped") or []
    document: dict[str, Any] = {"action": action, "containers": rows,
                                "skipped": list(skipped) if isinstance(skipped, list) else []}
    signal = result.get("signal") or (plan.parameters.get("signal") if plan else "")
    if signal:
        document["signal"] = signal
    if message:
        document["error"] = message
    return document


def _interrupted(action: str, plan: Plan | None) -> dict[str, Any]:
    """^C during the act: which containers it was for, none known done (the audit log says)."""
    names = plan.parameters.get("containers") or [] if plan is not None else []
    ids = plan.parameters.get("ids") or [] if plan is not None else []
    return {"action": action, "skipped": [], "error": INTERRUPTED,
            "containers": [{"name": str(n), "id": str(i), "done": False,
                            "error": "unknown: interrupted before the act's end"}
                           for n, i in zip(names, ids, strict=False)]}


def _failed(args: argparse.Namespace, action: str, plan: Plan | None, message: str,
            result: dict[str, Any]) -> int:
    """Refused or not all done: the one line, and with --json the document all the same."""
    if args.json:
        print(json.dumps(_document(action, plan, result, message), indent=2))
    return error(message, EXIT_FAILED)
