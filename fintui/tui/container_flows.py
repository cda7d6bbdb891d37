"""The console's everyday container acts (r x p K D) and its shell (E).

The acts go the way of every act (act_flows: plan → confirm → progress → audit). A shell asks
nothing: the console hands its terminal to `docker exec -it` and takes it back when the shell
ends, on the same screen; the operations layer guards and audits it (fintui/ops/shell.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App, SuspendNotSupported

from fintui.agent.attached import AttachedWatch
from fintui.agent.remote_ops import RemoteOperations
from fintui.core.act_journal import Journal
from fintui.core.text_safety import one_line
from fintui.ops.operations import Failed, Plan, Refused, failure_line
from fintui.ops.plan import CONTAINER_REF
from fintui.ops.shell import plan_shell
from fintui.tui.panes.container_keys import act_for
from fintui.tui.screens.signal import SignalScreen
from fintui.tui.widgets.safe import safe_line

if TYPE_CHECKING:
    from fintui.agent.remote_ops import Acts
    from fintui.model import Container
    from fintui.tui.act_flows import ActFlows

CONTAINER_KEYS = ("restart", "stop", "pause", "kill", "remove")  # what the pane's keys ask


async def container_plan(app: ActFlows, ops: Acts, action: str, container: Container
                         ) -> Plan | None:
    """The plan for a key's act on one row, or None when the signal dialog was cancelled.
    x and p follow the row's state (start what is stopped, unpause what is paused)."""
    act = act_for(action, container)
    # By name (unique on its daemon), as the verbs do: the plan, a refusal and the audit
    # record read by name; an id that is not a Docker name (never, from a daemon) is kept.
    target = container.name if CONTAINER_REF.fullmatch(container.name) else container.id
    signal = ""
    if act == "kill":
        if not ops.may("kill").allowed:  # refuse (and audit) before asking for a signal
            await ops.plan_container("kill", [target])
        chosen = await app.push_screen_wait(SignalScreen(container.name))
        if chosen is None:
            return None
        signal = chosen
    return await ops.plan_container(act, [target], signal)


async def in_terminal(app: App[Any], run: Callable[[], int]) -> int:
    """Run a command on the console's terminal (in a thread: the console's watch goes on
    working); the console steps aside meanwhile and is drawn again, as it was, after."""
    try:
        with app.suspend():
            future = asyncio.ensure_future(asyncio.to_thread(run))
            cancelled = False
            while not future.done():  # the shell owns the terminal until it ends, whatever
                try:
                    await asyncio.shield(future)
                except asyncio.CancelledError:
                    cancelled = True
            if cancelled:
                raise asyncio.CancelledError
            return future.result()
    except SuspendNotSupported:
        raise OSError("this console has no terminal to hand over") from None


async def shell_flow(app: ActFlows, container: Container) -> None:
    """A shell in the row's container, through its endpoint, audited with its end.

    The shell runs here, on this terminal, with this account's docker CLI: attached to an
    agent, the agent's guard says whether this account may (as for every act), and its
    records go to the agent's audit log, as this account (RemoteOperations.record_outside)."""
    if isinstance(app.watcher, AttachedWatch) and app.agent_role is not None:
        decision = app.agent_role.may("shell")
        if not decision.allowed:
            app.refused("shell", Refused(decision.reason))
            return
    ops = app.local_ops(container.endpoint)
    try:
        plan = await plan_shell(ops, container.id, container.name,
                                lambda run: in_terminal(app, run))
    except Refused as exc:
        app.refused("shell", exc)
        return
    remote = app.ops_for(container.endpoint)
    try:
        if isinstance(remote, RemoteOperations):
            result = await _run_recorded_by(remote, plan)
        else:
            result = (await ops.execute(plan)).result
    except (Refused, Failed) as exc:
        said = f"refused: {exc}" if isinstance(exc, Refused) else failure_line(str(exc))
        app.notify(safe_line(said), title="shell", severity="error", markup=False, timeout=8)
    else:
        app.notify(safe_line(f"{plan.summary} ended (exit {result.get('exit_code')})"),
                   markup=False, timeout=4)
    app.acted()


async def _run_recorded_by(remote: RemoteOperations, plan: Plan) -> dict[str, Any]:
    """Run a shell here with its records on the agent: no "started" record, no shell."""
    await remote.record_outside("shell", plan.target, "started", plan.parameters)
    assert plan.run is not None
    try:
        result = await plan.run(Journal())
    except (Failed, OSError) as exc:
        await remote.record_outside("shell", plan.target, "failed", plan.parameters,
                                    {"error": one_line(str(exc))})
        raise Failed(str(exc)) from None
    # A console killed meanwhile leaves "started": the agent says unknown when it next starts.
    try:
        await remote.record_outside("shell", plan.target, "ok", plan.parameters, result)
    except Refused as exc:  # it ran; the record of its end is what is missing
        raise Failed(f"done, but its end is not in the agent's audit log: {exc}") from None
    return result
