"""`fintui policies [--json]`: each policy's state and the requests waiting for approval.

Through the agent when one answers (it runs the policies: GET /v1/policies). With none, a
console started with --no-agent may run them: it holds `<state_dir>/policies.lock`, which is
tested here without waiting. With neither, nothing runs them now: the configured policies are
listed as not running. The requests are read from the state database here."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from datetime import datetime
from typing import Any

from fintui.cli_common import EXIT_FAILED, EXIT_OK, error
from fintui.config import Settings
from fintui.core.policy_rows import ELSEWHERE, ApprovalRow, PolicyRow
from fintui.core.policy_view import NOT_RUNNING, configured_rows, policies_text, rows_document
from fintui.core.text_safety import one_line
from fintui.watch.policy_holder import runner_pid

WIDTH = 80  # the origin and a problem, wrapped, when the output is not a terminal


def terminal_width() -> int | None:
    """The terminal's columns when the output is one; None when piped (nothing is cut)."""
    if not sys.stdout.isatty():
        return None
    return max(shutil.get_terminal_size((WIDTH, 24)).columns, 20)


async def policies_verb(args: argparse.Namespace, settings: Settings) -> int:
    from fintui.alert_verbs import VerbError, usable_agent

    try:
        path, why = await usable_agent(args, settings)
    except VerbError as exc:
        return error(str(exc), exc.code)
    if path is not None:
        return await _from_agent(args, path)
    return await _from_config(args, settings, why)


async def _from_agent(args: argparse.Namespace, path: Any) -> int:
    from fintui.agent.client import AgentClient, AgentFailed, AgentRefused, AgentUnavailable
    from fintui.alert_verbs import AGENT_TIMEOUT
    from fintui.core.policy_view import rows_of
    from fintui.core.wire import WireError

    try:
        async with AgentClient(path, timeout=AGENT_TIMEOUT) as client:
            document = await client.policies()
        policies, approvals = rows_of(document)
    except AgentUnavailable as exc:
        return error(f"the agent at {path} stopped answering: {exc.reason}", EXIT_FAILED)
    except (AgentFailed, AgentRefused, WireError) as exc:
        return error(f"the agent at {path}: {exc}", EXIT_FAILED)
    problem = str(document.get("problem") or "")
    from fintui.clock import SystemClock

    return _say(args, policies, approvals, "agent", f"from the agent at {path}", problem,
                SystemClock().now())


async def _from_config(args: argparse.Namespace, settings: Settings, why: str) -> int:
    from fintui.store.db import StateUnavailable
    from fintui.wiring import build_parts

    parts = build_parts(args, settings)
    pid = runner_pid(parts.settings.paths.state_dir)  # the demo's own folder under --demo
    runner = "" if pid is None else (
        f"run by process {pid} (a console with --no-agent)" if pid else
        "run by another process (a console with --no-agent)")
    policies = configured_rows(settings.policies, settings.alerts.rules,
                               ELSEWHERE if runner else NOT_RUNNING, runner)
    problem = ""
    approvals: list[ApprovalRow] = []
    now = parts.clock.now()  # the demo's own clock under --demo
    try:
        approvals = parts.operations().approval_rows()
    except StateUnavailable as exc:
        problem = f"the approval requests cannot be read: {exc}"
    finally:
        await parts.source.close()
    if getattr(args, "demo", False):
        why = "the demo is never an agent's cluster"
    origin = (f"no agent ({why}): the policies are {runner}; its rows are in its Policies "
              "pane. Configured:" if runner else
              f"no agent ({why}): nothing runs the policies now; they run in `fintui agent` "
              "(or a console started with --no-agent). Configured:")
    return _say(args, policies, approvals, "config", origin, problem, now)


def _say(args: argparse.Namespace, policies: list[PolicyRow], approvals: list[ApprovalRow],
         source: str, origin: str, problem: str, now: datetime) -> int:
    if args.json:
        document = {**rows_document(policies, approvals), "source": source}
        if problem:
            document["problem"] = problem
        print(json.dumps(document, indent=2))
        return EXIT_OK
    # Wrapped to the terminal's width; piped, the rows are whole (a script greps them).
    width = terminal_width()
    print(textwrap.fill(one_line(origin), width or WIDTH))
    for line in policies_text(policies, approvals, now, width):
        print(line)
    if problem:
        print(textwrap.fill(one_line(f"problem: {problem}"), width or WIDTH))
    return EXIT_OK
