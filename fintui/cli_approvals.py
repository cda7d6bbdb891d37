"""`fintui approve ID` and `fintui reject ID`: a second operator lets a waiting act run, or
refuses it; through the agent when one answers (its requests, run there as this OS account),
else this process's operations layer over the state folder.

Exit codes: 0 done (approved and ran, or rejected), 1 refused or failed, 2 bad usage, and
EXIT_PENDING (3) for an acting verb whose act now waits for approval (nothing changed).

With --json (approve needs --yes with it) the output is one document:
{"request": N, "outcome": done | refused | failed | rejected, "action", "target",
 "summary", "result" (done), "error" (refused, failed), "message" (rejected)}."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from typing import TYPE_CHECKING, Any

from fintui.cli_common import EXIT_FAILED, EXIT_OK, error
from fintui.config import Settings
from fintui.core.text_safety import one_line
from fintui.wiring import Parts, UsageError, build_parts

if TYPE_CHECKING:
    from fintui.agent.remote_ops import RemoteOperations
    from fintui.ops.operations import Operations, Plan
    from fintui.ops.plan import AwaitingApproval

EXIT_PENDING = 3  # the act waits for a second operator's approval: nothing was changed


def waiting(exc: AwaitingApproval, document: dict[str, Any] | None = None) -> int:
    """An acting verb's act waits for approval: said as such (never "refused"), with its
    request's number; a --json verb's document says `"outcome": "pending", "request": N`."""
    if document is not None:
        document.update(outcome="pending", request=exc.request_id)
        print(json.dumps(document, indent=2), flush=True)
    return error(f"waiting for approval: {exc}", EXIT_PENDING)


async def approval_verb(args: argparse.Namespace, settings: Settings) -> int:
    from fintui import alert_verbs

    if args.verb == "approve" and args.json and not args.yes:
        raise UsageError("approve --json needs --yes (a document cannot ask)")
    try:
        path, why = await alert_verbs.usable_agent(args, settings)
    except alert_verbs.VerbError as exc:
        return error(str(exc), exc.code)
    parts: Parts | None = None
    ops: Operations | RemoteOperations
    if path is not None:
        from fintui.agent.remote_ops import RemoteOperations

        if args.actor:  # the socket says who asks
            alert_verbs.say_as_unused()
        override = getattr(args, "verb_override", "") or args.override_freeze
        ops = RemoteOperations(path, override=override, read_only=args.read_only)
    else:
        parts = build_parts(args, settings)
        try:
            ops = _local(parts, args.id)
        except (OSError, sqlite3.Error) as exc:
            await parts.source.close()
            return error(f"nothing was changed: {one_line(str(exc))} (no agent: {why})",
                         EXIT_FAILED)
    try:
        if args.verb == "reject":
            return await _reject(ops, args)
        return await _approve(ops, args)
    finally:
        if parts is not None:
            await parts.source.close()


def _local(parts: Parts, request_id: int) -> Operations:
    """This process's operations layer on the endpoint the request was asked on."""
    from fintui.ops.approvals import lookup

    first = parts.operations()
    asked = lookup(first, request_id)
    if asked is None or asked.endpoint == first.endpoint:
        return first  # no such request: the layer refuses it (and audits that)
    return parts.operations(asked.endpoint)


async def _approve(ops: Operations | RemoteOperations, args: argparse.Namespace) -> int:
    from fintui.cli_confirm import confirmed
    from fintui.ops.operations import Failed, Refused, failure_line

    doc: dict[str, Any] = {"request": args.id}
    try:
        if not args.yes:
            asked, plan = await _preview(ops, args.id)
            doc.update(action=plan.action, target=plan.target, summary=plan.summary)
            _show(asked)
            if not await confirmed(ops, plan, args.yes):
                print("cancelled: nothing changed; the request still waits")
                return EXIT_FAILED
        outcome = await ops.approve(args.id, None if args.json else
                                    (lambda line: print(f"  {one_line(line)}", flush=True)))
    except Refused as exc:
        return _ended(args, doc, "refused", f"refused: {exc}")
    except Failed as exc:
        doc["result"] = exc.result
        return _ended(args, doc, "failed", failure_line(str(exc)))
    except sqlite3.Error as exc:  # the state database, in this process
        return _ended(args, doc, "refused", f"refused: {one_line(str(exc))}")
    plan = outcome.plan
    if plan.action != "approve":  # the agent's outcome names the request, not the act
        doc.update(action=plan.action, target=plan.target, summary=plan.summary)
    if args.json:
        print(json.dumps({**doc, "outcome": "done", "result": outcome.result}, indent=2))
    else:
        print(f"done: request {args.id} approved and run")
    return EXIT_OK


async def _preview(ops: Operations | RemoteOperations, request_id: int
                   ) -> tuple[dict[str, Any], Plan]:
    from fintui.agent.remote_ops import RemoteOperations

    if isinstance(ops, RemoteOperations):
        return await ops.preview_approval(request_id)
    from fintui.ops.approvals import preview, request_document

    asked, plan = await preview(ops, request_id)
    return request_document(asked), plan


def _show(asked: dict[str, Any]) -> None:
    """Who asked for what, when, why and until when (then the plan made now is shown)."""
    def text(key: str) -> str:
        return one_line(str(asked.get(key, "")))

    as_name = f" as {text('actor')}" if asked.get("actor") not in (None, "",
                                                                   asked.get("requester")) \
        else ""
    print(f"request {text('id')}: {text('action')} {text('target')}")
    print(f"  asked by {text('requester')}{as_name} at {text('requested_at')}; expires "
          f"{text('expires_at')}")
    print(f"  why: {text('why')}")
    print(f"  asked for: {text('summary')}")
    print("the act as planned now:")


async def _reject(ops: Operations | RemoteOperations, args: argparse.Namespace) -> int:
    from fintui.agent.remote_ops import reject_request
    from fintui.ops.operations import Refused

    doc: dict[str, Any] = {"request": args.id}
    try:
        message = await reject_request(ops, args.id, args.comment)
    except Refused as exc:
        return _ended(args, doc, "refused", f"refused: {exc}")
    except sqlite3.Error as exc:
        return _ended(args, doc, "refused", f"refused: {one_line(str(exc))}")
    if args.json:
        print(json.dumps({**doc, "outcome": "rejected", "message": message}, indent=2))
    else:
        print(one_line(message))
    return EXIT_OK


def _ended(args: argparse.Namespace, doc: dict[str, Any], outcome: str, message: str) -> int:
    if args.json:
        print(json.dumps({**doc, "outcome": outcome, "error": one_line(message)}, indent=2))
        sys.stdout.flush()
    return error(message, EXIT_FAILED)
