"""How an acting verb asks before it acts: the plan shown, `Proceed? [y/N]` (twice for the big
ones) unless --yes, and a plan not confirmed dropped (the agent may forget it). Shared by
cli_acts and the verbs split out of it, which must not import cli_acts (it imports them)."""

from __future__ import annotations

import select
import signal
import sys
from typing import TYPE_CHECKING

from fintui.core.text_safety import one_line
from fintui.wiring import UsageError

if TYPE_CHECKING:
    from fintui.agent.remote_ops import RemoteOperations
    from fintui.ops.operations import Operations, Plan


def show_and_ask(plan: Plan, assume_yes: bool) -> bool:
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
        from fintui.ops.plan import second_reason

        questions.append(f"{one_line(second_reason(plan))} Really? [y/N] ")
    return all(ask(q).strip().lower() in ("y", "yes") for q in questions)


def ask(question: str) -> str:
    """One answer from the terminal. Not input(): blocked in C it never saw a ^C that the
    kernel handed to another of the process's threads (the prompt hung, now and then);
    waking every 0.2 s lets the interpreter raise KeyboardInterrupt whichever thread got it."""
    sys.stdout.write(question)
    sys.stdout.flush()
    while not select.select([sys.stdin], [], [], 0.2)[0]:
        pass
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line


async def confirmed(ops: Operations | RemoteOperations, plan: Plan, assume_yes: bool) -> bool:
    from fintui.agent.remote_ops import drop_plan

    # asyncio.run turns ^C into cancelling this task, which cannot happen while input()
    # blocks: the prompt would ignore ^C. Here ^C is a plain "no".
    interrupt = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if show_and_ask(plan, assume_yes):
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
