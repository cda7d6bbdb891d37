"""The acting verbs (`scale`, `isolate`, `release`, `drain`, `activate`, `clean`): plan,
confirm, execute, through the agent when one answers or this process's operations layer."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fintui.cli_common import EXIT_FAILED, EXIT_OK, error
from fintui.cli_confirm import confirmed as _confirmed  # the verbs' one way to ask
from fintui.cli_container import CONTAINER_VERBS, container_verb
from fintui.cli_rollout import rollout_verb
from fintui.config import Settings
from fintui.core.text_safety import one_line
from fintui.sources.base import SourceUnavailable
from fintui.wiring import Parts, UsageError, build_parts

if TYPE_CHECKING:

    from fintui.agent.remote_ops import RemoteOperations
    from fintui.core.cleanup import CleanupPlan
    from fintui.model import CleanupItem
    from fintui.ops.operations import Operations


async def acting_verb(args: argparse.Namespace, settings: Settings) -> int:
    """An act through the agent when one answers (planned, held and run there as this OS
    account), else through this process's own operations layer."""
    from fintui import alert_verbs

    try:
        path, why = await alert_verbs.usable_agent(args, settings)
    except alert_verbs.VerbError as exc:
        return error(str(exc), exc.code)
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
            return error(f"nothing was changed: {exc.strerror or exc}: "
                          f"{getattr(exc, 'filename', '') or ''} (no agent: {why})",
                          EXIT_FAILED)
    try:
        if args.verb == "clean":
            return await _clean(ops, args)
        if args.verb in CONTAINER_VERBS:
            return await container_verb(ops, args)
        if args.verb in ("rollout", "rollback"):
            return await rollout_verb(ops, args)
        return await _act(ops, args)
    finally:
        if parts is not None:
            await parts.source.close()


async def _act(ops: Operations | RemoteOperations, args: argparse.Namespace) -> int:
    from fintui.cli_approvals import waiting
    from fintui.ops.operations import Failed, Refused, failure_line
    from fintui.ops.plan import AwaitingApproval

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
    except AwaitingApproval as exc:  # nothing changed: another operator's turn
        return waiting(exc)
    except Refused as exc:
        return error(f"refused: {exc}", EXIT_FAILED)
    except Failed as exc:
        return error(failure_line(str(exc)), EXIT_FAILED)
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


async def _clean(ops: Operations | RemoteOperations, args: argparse.Namespace) -> int:
    from fintui.cli_approvals import waiting
    from fintui.ops.operations import Failed, Refused, failure_line
    from fintui.ops.plan import AwaitingApproval

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
    except AwaitingApproval as exc:  # nothing removed: another operator's turn
        return waiting(exc, {"removed": [], "skipped": [], "failed": [], "freed_bytes": {},
                             "freed_total": 0} if args.json else None)
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
    return error(message, EXIT_FAILED)
